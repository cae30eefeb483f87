#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where QEMU's TCG spends its time in the decoders (scripts/tcgprof.sh).

    tcgprof.py PERF_DATA KO SECTIONS VMLINUX [--annotate FUNC]

PERF_DATA is a `perf record --call-graph=dwarf` of a QEMU run with
`-perfmap`, which names each piece of translated code after the guest
instruction it comes from ("guest-0x..."). A sample in translated code is
charged to that guest instruction; a sample in QEMU itself (a TB lookup, a
flags helper, a TLB fill) to the first guest instruction up its call chain.
Guest addresses are resolved with the module's symbols (KO, whose text
sections were loaded where SECTIONS says: ".text=0x...,.text.foo=0x...",
from /sys/module/rust_lz4/sections) and the kernel's (VMLINUX).
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys


def sections(arg):
    """{section: load address} from "NAME=ADDR,..." (a bare ADDR is .text)."""
    out = {}
    for item in arg.split(','):
        name, _, addr = item.rpartition('=')
        out[name or '.text'] = int(addr, 16)
    return out


def symbols(ko, bases, vmlinux):
    """Sorted (addresses, names, sections) of the module's functions, each
    placed in its loaded section, and of the kernel's."""
    syms = []
    # objdump -t: VALUE FLAGS... SECTION SIZE NAME; values are
    # section-relative in a .ko.
    out = subprocess.run(['objdump', '-t', ko], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        m = re.match(r'([0-9a-f]{16}) .{7} (\S+)\s+[0-9a-f]+\s+(\S+)$', line)
        if m and m.group(2) in bases and ' F ' in line:
            syms.append((int(m.group(1), 16) + bases[m.group(2)], 'rust_lz4:' + m.group(3),
                         m.group(2)))
    out = subprocess.run(['nm', '--defined-only', vmlinux], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in 'tTwW':
            syms.append((int(f[0], 16), f[2], None))
    syms.sort()
    return [a for a, _, _ in syms], [n for _, n, _ in syms], [x for _, _, x in syms]


def demangle(names):
    try:
        out = subprocess.run(['rustfilt'], input='\n'.join(names), capture_output=True,
                             text=True, check=True).stdout.splitlines()
        if len(out) == len(names):
            return dict(zip(names, out))
    except (OSError, subprocess.CalledProcessError):
        pass
    return {n: n for n in names}


def decoder(name):
    """'rust', 'C' or None for a guest function name."""
    if name.startswith('rust_lz4:') and ('lz4' in name[9:] and 'block' in name):
        return 'rust'
    if name.startswith('LZ4_decompress'):
        return 'C'
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('perf_data')
    ap.add_argument('ko')
    ap.add_argument('sections', help='NAME=ADDR,... of the module\'s text sections')
    ap.add_argument('vmlinux')
    ap.add_argument('--annotate', metavar='FUNC', help='per-instruction shares of FUNC')
    ap.add_argument('--top', type=int, default=12)
    a = ap.parse_args()
    bases = sections(a.sections)
    addrs, names, secs = symbols(a.ko, bases, a.vmlinux)

    def func(pc):
        i = bisect.bisect_right(addrs, pc) - 1
        return names[i] if i >= 0 else '?'

    script = subprocess.run(['perf', 'script', '-i', a.perf_data, '-F', 'comm,ip,sym'],
                            capture_output=True, text=True).stdout
    total = 0
    by_func = collections.Counter()    # (function, 'code' | 'qemu')
    by_pc = collections.Counter()
    unowned = collections.Counter()    # QEMU function hit, no guest frame found
    guest = re.compile(r'guest-0x([0-9a-f]+)')
    for sample in script.split('\n\n'):
        lines = sample.strip().splitlines()
        if not lines or not lines[0].strip().startswith('qemu'):
            continue
        total += 1
        where = 'code'
        for line in lines[1:]:
            m = guest.search(line)
            if m:
                pc = int(m.group(1), 16)
                by_func[(func(pc) if pc >= 0xffff800000000000 else '(user space)', where)] += 1
                if where == 'code':
                    by_pc[pc] += 1
                break
            where = 'qemu'
        else:
            by_func[('(QEMU, no guest code on the stack)', 'qemu')] += 1
            leaf = lines[1].split(None, 1) if len(lines) > 1 else []
            unowned[leaf[1] if len(leaf) > 1 else '?'] += 1
    if not total:
        sys.exit('tcgprof: no QEMU samples in ' + a.perf_data)
    dem = demangle(sorted({f for f, _ in by_func}))
    side = collections.Counter()
    for (f, where), n in by_func.items():
        d = decoder(f)
        if d:
            side[(d, where)] += n
    r = side[('rust', 'code')] + side[('rust', 'qemu')]
    c = side[('C', 'code')] + side[('C', 'qemu')]
    print(f'{total} samples of QEMU')
    for d, n in (('Rust decoder', r), ('C decoder', c)):
        key = 'rust' if d.startswith('Rust') else 'C'
        print(f'  {d:13s} {100 * n / total:6.2f}%  (translated code {100 * side[(key, "code")] / total:.2f}%,'
              f' QEMU on its behalf {100 * side[(key, "qemu")] / total:.2f}%)')
    if r:
        print(f'  C/Rust by samples: {c / r:.3f} (the time of both, charged by perf; BENCH measures it'
              ' with the clock)')
    print(f'top {a.top} guest functions (code + QEMU on their behalf):')
    merged = collections.Counter()
    for (f, _), n in by_func.items():
        merged[f] += n
    for f, n in merged.most_common(a.top):
        print(f'  {100 * n / total:6.2f}%  {dem.get(f, f)[:110]}')
    print('where QEMU was when no guest code was found on the stack (helpers called from\n'
          'translated code land here when perf cannot unwind through it):')
    for f, n in unowned.most_common(6):
        print(f'  {100 * n / total:6.2f}%  {f[:110]}')
    if a.annotate:
        start = [i for i, n in enumerate(names) if a.annotate in n or a.annotate in dem.get(n, '')]
        if not start:
            sys.exit(f'tcgprof: no function matches {a.annotate}')
        lo = addrs[start[0]]
        # The next symbol above it (aliases such as memmove/__memmove share
        # an address).
        hi = next((x for x in addrs[start[0]:] if x > lo), lo + 0x10000)
        sec = secs[start[0]]
        obj, off, only = (a.ko, bases[sec], ['-j', sec]) if sec else (a.vmlinux, 0, [])
        dis = subprocess.run(['objdump', '-d', '--no-show-raw-insn', '-M', 'intel', *only,
                              f'--start-address={lo - off:#x}', f'--stop-address={hi - off:#x}', obj],
                             capture_output=True, text=True).stdout
        print(f'{dem.get(names[start[0]], names[start[0]])}: % of samples per instruction')
        for line in dis.splitlines():
            m = re.match(r'\s*([0-9a-f]+):\s*(.*)', line)
            if m:
                n = by_pc.get(int(m.group(1), 16) + off, 0)
                print(f'  {100 * n / total:6.2f}  {m.group(1)}  {m.group(2)[:80]}')


if __name__ == '__main__':
    main()
