#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one guest boot of the rust_lz4 test harness from its console log.

The guest prints KTAP results, then its kernel log between markers and its
taint flags.  A boot passes only if:

- the guest finished (``rlz4-done``) and printed the whole KTAP plan;
- no test says ``not ok``;
- the console has no kernel problem report (WARNING, BUG, Oops, soft lockup,
  hung task, KASAN/UBSAN/lockdep report, kmemleak suspect, panic), except
  those a negative control expects with ``--expect``;
- the kernel is tainted by nothing but out-of-tree (O) or unsigned (E)
  modules, unless the taint comes from an expected report; with
  ``--taint LETTERS`` it must be tainted by exactly those (a distribution
  kernel with module signing: ``--taint OE``), and the result names them.

Prints one line per test and the counts on the last line as
``PASSED FAILED``; exits 1 if anything failed.
"""

import argparse
import re
import sys

PROBLEMS = [
    r"WARNING:",
    r"BUG:",
    r"Oops",
    r"soft lockup",
    r"hard LOCKUP",
    r"blocked for more than \d+ seconds",
    r"hung_task",
    r"invoked oom-killer",
    r"Kernel panic",
    r"general protection fault",
    r"UBSAN:",
    r"KASAN:",
    r"possible circular locking",
    r"possible recursive locking",
    r"inconsistent lock state",
    r"suspicious RCU usage",
    r"bad unlock balance",
    r"lock held when returning to user space",
    r"sleeping function called from invalid context",
    r"scheduling while atomic",
    # kmemleak: the scan's log line, and the report the guest's final scan
    # prints from /sys/kernel/debug/kmemleak.
    r"kmemleak:.*new suspected memory leaks",
    r"^unreferenced object 0x",
    r"Call Trace:",
]
PROBLEM_RE = re.compile("|".join(PROBLEMS))
# Taint bits that loading an out-of-tree module sets by itself.
TAINT_OOT = 1 << 12  # O
TAINT_UNSIGNED = 1 << 13  # E
TAINT_NAMES = "PFSRMBUDAWCIOELKXTN"
TAINT_MEANING = {"O": "out-of-tree module", "E": "unsigned module"}

RESULT_RE = re.compile(r"^(not ok|ok) (\d+) (\S+)(.*)$")
PLAN_RE = re.compile(r"^1\.\.(\d+)$")
TIMESTAMP_RE = re.compile(r"^\[\s*\d+\.\d+\]\s?")


def taint_letters(value):
    return "".join(c for i, c in enumerate(TAINT_NAMES) if value & (1 << i))


def taint_bits(letters):
    return sum(1 << TAINT_NAMES.index(c) for c in set(letters))


def taint_named(value):
    return ", ".join(f"{c} ({TAINT_MEANING.get(c, 'bit %d' % TAINT_NAMES.index(c))})" for c in taint_letters(value))


def judge(lines, label, expect=(), quiet=False, taint_exact=None):
    """Return (passed, failed, messages) for one console log.

    taint_exact: letters the final taint must be, exactly (besides what
    expected reports add); None allows any subset of O and E."""
    results = []
    plan = None
    done = False
    taint = None
    problems = []
    expected_seen = {e: [] for e in expect}
    # Lines since the last expected report: its own stack trace follows it.
    since_expected = None
    for raw in lines:
        line = raw.rstrip("\r\n").replace("\r", "")
        if line == "rlz4-done":
            done = True
        m = re.match(r"^rlz4-tainted: (\d+)$", line)
        if m:
            taint = int(m.group(1))
        m = PLAN_RE.match(line)
        if m and plan is None:
            plan = int(m.group(1))
        m = RESULT_RE.match(line)
        if m:
            results.append((m.group(1) == "ok", int(m.group(2)), m.group(3)))
            continue
        body = TIMESTAMP_RE.sub("", line.lstrip("# "))
        if since_expected is not None:
            since_expected += 1
        if PROBLEM_RE.search(body):
            matched = [e for e in expect if re.search(e, body)]
            for e in matched:
                expected_seen[e].append(body)
            if matched:
                since_expected = 0
            elif body.startswith("Call Trace:") and since_expected is not None and since_expected < 40:
                pass  # the backtrace of the expected report just above
            else:
                problems.append(body)

    out = []
    passed = failed = 0
    for ok, num, name in results:
        out.append(f"{'ok' if ok else 'not ok'} {label}/{name}")
        if ok:
            passed += 1
        else:
            failed += 1

    def check(name, cond, why, note=""):
        nonlocal passed, failed
        if cond:
            passed += 1
            if not quiet:
                out.append(f"ok {label}/{name}{' # ' + note if note else ''}")
        else:
            failed += 1
            out.append(f"not ok {label}/{name}: {why}")

    check("guest_finished", done, "guest did not reach the end (crash, panic or timeout)")
    check(
        "ktap_plan",
        plan is not None and plan == len(results),
        f"plan {plan} but {len(results)} results",
    )
    # A problem report that follows a Call Trace of an expected report is part
    # of it; report the first few lines only.
    check(
        "no_kernel_problems",
        not problems,
        "kernel reported: " + " | ".join(problems[:5]),
    )
    for e, seen in expected_seen.items():
        check(
            f"expected[{e}]",
            bool(seen),
            f"negative control: expected a kernel report matching '{e}', none came",
        )
    # An expected soft lockup, warning, oops or KASAN report taints the
    # kernel (L, W, D, B).
    from_reports = (1 << 14) | (1 << 9) | (1 << 7) | (1 << 5) if expect else 0
    if taint_exact is None:
        check(
            "taint",
            taint is not None and taint & ~(TAINT_OOT | TAINT_UNSIGNED | from_reports) == 0,
            f"tainted {taint} ({taint_letters(taint or 0)})",
        )
    else:
        want = taint_bits(taint_exact)
        check(
            "taint",
            taint is not None and taint & ~from_reports == want,
            f"tainted {taint} ({taint_letters(taint or 0)}), want exactly {taint_letters(want)}",
            f"tainted {taint}: {taint_named(taint or 0)}",
        )
    return passed, failed, out


def selftest():
    """Negative controls for the judge itself: each bad log must fail."""
    good = [
        "KTAP version 1",
        "1..2",
        "ok 1 a",
        "# diagnostic",
        "ok 2 b",
        "rlz4-dmesg-begin",
        "[    1.0] rust_lz4: loaded",
        "rlz4-dmesg-end",
        "rlz4-tainted: 4096",
        "rlz4-done",
    ]
    cases = {
        "good": (good, (), True),
        "not_ok": ([l.replace("ok 2 b", "not ok 2 b") for l in good], (), False),
        "short_plan": ([l for l in good if l != "ok 2 b"], (), False),
        "no_done": ([l for l in good if l != "rlz4-done"], (), False),
        "warning": (good[:6] + ["[    2.0] WARNING: CPU: 0 PID: 1 at x"] + good[6:], (), False),
        "oops": (good[:6] + ["[    2.0] Oops: 0000 [#1] SMP"] + good[6:], (), False),
        "lockup": (good[:6] + ["[   30.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s!"] + good[6:], (), False),
        "hung": (good[:6] + ["[  130.0] INFO: task x:1 blocked for more than 120 seconds."] + good[6:], (), False),
        "hung_task_panic": (good[:6] + ["[  130.0] Kernel panic - not syncing: hung_task: blocked tasks"] + good[6:], (), False),
        "hung_task_warning": (good[:6] + ["[  130.0] hung_task: 1 task(s) blocked"] + good[6:], (), False),
        "oom_kill": (good[:6] + ["[   50.0] rlz4 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)"] + good[6:], (), False),
        "taint_W": ([l.replace("4096", str(4096 | 512)) for l in good], (), False),
        "no_taint": ([l for l in good if not l.startswith("rlz4-tainted")], (), False),
        "expected_missing": (good, ("soft lockup",), False),
        "expected_seen": (
            good[:6]
            + ["[   30.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s!", "[   30.0] Call Trace:"]
            + good[6:],
            ("soft lockup",),
            True,
        ),
        "expected_and_other": (
            good[:6] + ["[   30.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s!", "[   31.0] Oops: 0002"] + good[6:],
            ("soft lockup",),
            False,
        ),
        "trace_without_report": (good[:6] + ["[   30.0] Call Trace:"] + good[6:], (), False),
    }
    # Sanitizer and lockdep reports, as the kernels print them: each alone
    # must fail a boot.
    reports = {
        "kasan_uaf": "[    5.1] BUG: KASAN: slab-use-after-free in lkdtm_READ_AFTER_FREE+0x1a2/0x2c0",
        "kasan_oob": "[    5.1] BUG: KASAN: slab-out-of-bounds in lkdtm_SLAB_LINEAR_OVERFLOW+0x9b/0x140",
        "kasan_vmalloc": "[    5.1] BUG: KASAN: vmalloc-out-of-bounds in rust_lz4_decode+0x10/0x20 [rust_lz4]",
        "ubsan_bounds": "[    5.2] UBSAN: array-index-out-of-bounds in drivers/misc/lkdtm/bugs.c:600:16",
        "ubsan_shift": "[    5.2] UBSAN: shift-out-of-bounds in lib/foo.c:12:3",
        "lockdep_circular": "[    6.0] WARNING: possible circular locking dependency detected",
        "lockdep_recursive": "[    6.0] WARNING: possible recursive locking detected",
        "lockdep_old_info": "[    6.0] INFO: possible recursive locking detected",
        "lockdep_inconsistent": "[    6.0] WARNING: inconsistent lock state",
        "lockdep_unlock": "[    6.0] WARNING: bad unlock balance detected!",
        "rcu": "[    6.0] WARNING: suspicious RCU usage",
        "atomic_sleep": "[    6.1] BUG: sleeping function called from invalid context at mm/slub.c:4140",
        "atomic_sched": "[    6.1] BUG: scheduling while atomic: rlz4/77/0x00000002",
        "kmemleak_log": "[   20.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
        "kmemleak_object": "unreferenced object 0xffff888003c4e000 (size 32):",
    }
    for name, line in reports.items():
        cases[name] = (good[:6] + [line] + good[6:], (), False)
    # The same reports pass when a negative control expects them, with the
    # taint they bring (B for KASAN).
    cases["expected_kasan"] = (
        good[:6] + [reports["kasan_uaf"], "[    5.1] Call Trace:"] + [l.replace("4096", str(4096 | 32)) for l in good[6:]],
        ("KASAN: slab-use-after-free",),
        True,
    )
    cases["expected_kmemleak"] = (
        good[:6] + [reports["kmemleak_log"], reports["kmemleak_object"]] + good[6:],
        ("new suspected memory leaks", "unreferenced object"),
        True,
    )
    cases["expected_kasan_and_ubsan_missing"] = (
        good[:6] + [reports["kasan_uaf"]] + good[6:],
        ("KASAN:", "UBSAN:"),
        False,
    )
    # A distribution kernel (--taint OE): exactly O and E, named.
    def tainted(value):
        return [l.replace("4096", str(value)) for l in good]

    oe = TAINT_OOT | TAINT_UNSIGNED
    cases["exact_OE"] = (tainted(oe), (), True, "OE")
    cases["exact_OE_only_O"] = (tainted(TAINT_OOT), (), False, "OE")
    cases["exact_OE_and_W"] = (tainted(oe | 512), (), False, "OE")
    cases["exact_OE_and_P"] = (tainted(oe | 1), (), False, "OE")
    cases["exact_OE_no_taint_line"] = (cases["no_taint"][0], (), False, "OE")
    cases["exact_OE_expected_lockup"] = (
        [l.replace("4096", str(oe | 1 << 14)) for l in cases["expected_seen"][0]],
        ("soft lockup",),
        True,
        "OE",
    )
    bad = 0
    _, _, named = judge(tainted(oe), "named", (), taint_exact="OE")
    if "ok named/taint # tainted 12288: O (out-of-tree module), E (unsigned module)" in named:
        print("ok ktap_selftest/exact_OE_names_them")
    else:
        print("not ok ktap_selftest/exact_OE_names_them")
        bad += 1
    for name, (lines, expect, want_pass, *exact) in cases.items():
        _, failed, _ = judge(lines, name, expect, quiet=True, taint_exact=exact[0] if exact else None)
        if (failed == 0) != want_pass:
            print(f"not ok ktap_selftest/{name}")
            bad += 1
        else:
            print(f"ok ktap_selftest/{name}")
    print(f"{len(cases) + 1 - bad} {bad}")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", nargs="?")
    ap.add_argument("--label", default="guest")
    ap.add_argument("--expect", action="append", default=[], help="regex a negative control must produce")
    ap.add_argument("--taint", metavar="LETTERS", help="the exact taint the boot must end with, e.g. OE")
    ap.add_argument("--selftest", action="store_true")
    args = ap.parse_args()
    if args.selftest:
        return selftest()
    if not args.log:
        ap.error("log is required")
    with open(args.log, errors="replace") as f:
        passed, failed, out = judge(f, args.label, tuple(args.expect), taint_exact=args.taint)
    for line in out:
        print(line)
    print(f"{passed} {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
