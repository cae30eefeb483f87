#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Drive a guest's virtio balloon through QMP while the guest runs a stress.

    balloon.py --qmp SOCK --console LOG [--mem 2G] [--low 512M]
               [--down 3] [--up 2] [--hold 4] [--settle 30] [--best-effort]
               [--timeout 1800]

Waits for the guest to print ``rlz4-balloon-go`` on its console, then, until
it prints ``rlz4-balloon-stress-done``, repeats a cycle: shrink the guest in
``--down`` equal steps from ``--mem`` to ``--low``, then grow it back to
``--mem`` in ``--up`` steps, holding each target ``--hold`` seconds and until
the guest has reached it (``--settle`` seconds at most).  Then it restores
``--mem`` and waits until the guest has all of it back.

Each step is one QMP ``balloon`` command followed by ``query-balloon`` polls;
the script prints one line per step and a summary, and exits 0 only if the
guest came down to ``--low`` at least once (unless ``--best-effort``) and got
all its memory back.
Only the Python standard library is used.
"""

import argparse
import json
import os
import socket
import sys
import time

MIB = 1 << 20


def size(text):
    """QEMU-style size: 512M, 2G, or bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper()
    if t and t[-1] in units:
        return int(t[:-1]) * units[t[-1]]
    return int(t)


class Qmp:
    """A minimal QMP client on a unix socket."""

    def __init__(self, path, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.sock.settimeout(60)
        self.buf = b""
        self.recv()  # greeting
        self.cmd("qmp_capabilities")

    def recv(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("QMP socket closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self.recv()
            if "event" in r:
                continue
            if "error" in r:
                raise RuntimeError(f"{name}: {r['error']}")
            return r.get("return")


class Console:
    """Follows the guest's console log for marker lines."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.seen = set()

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return
        # Only whole lines.
        end = data.rfind(b"\n") + 1
        self.pos += end
        for line in data[:end].decode(errors="replace").splitlines():
            self.seen.add(line.strip("\r "))

    def has(self, marker):
        self.poll()
        return marker in self.seen


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qmp", required=True)
    ap.add_argument("--console", required=True)
    ap.add_argument("--mem", default="2G")
    ap.add_argument("--low", default="512M")
    ap.add_argument("--down", type=int, default=3)
    ap.add_argument("--up", type=int, default=2)
    ap.add_argument("--hold", type=float, default=4)
    ap.add_argument("--settle", type=float, default=30)
    ap.add_argument("--best-effort", action="store_true",
                    help="do not fail when the guest never reaches --low")
    ap.add_argument("--timeout", type=float, default=1800)
    a = ap.parse_args()
    mem, low = size(a.mem), size(a.low)
    if not (0 < low < mem) or a.down < 1 or a.up < 1:
        ap.error("need 0 < --low < --mem and at least one step each way")
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    con = Console(a.console)
    qmp = Qmp(a.qmp, 60)

    def now():
        return time.monotonic() - t0

    print(f"balloon: waiting for the guest (QMP up at {now():.1f} s)", flush=True)
    while not con.has("rlz4-balloon-go"):
        if time.monotonic() > deadline or not os.path.exists(a.qmp):
            print("balloon: the guest never started its stress")
            return 1
        time.sleep(0.2)

    down = [mem - (mem - low) * i // a.down for i in range(1, a.down + 1)]
    up = [low + (mem - low) * i // a.up for i in range(1, a.up + 1)]
    steps = cycles = 0
    lowest = mem
    done = False
    try:
        while not done:
            for target in down + up:
                if con.has("rlz4-balloon-stress-done") or time.monotonic() > deadline:
                    done = True
                    break
                qmp.cmd("balloon", value=target)
                steps += 1
                # Hold the target --hold seconds, and longer (up to --settle)
                # until the guest has reached it: under a loaded host the
                # driver needs more than a few seconds to give back 512 MiB.
                start = time.monotonic()
                while not con.has("rlz4-balloon-stress-done"):
                    time.sleep(0.5)
                    actual = qmp.cmd("query-balloon")["actual"]
                    held = time.monotonic() - start
                    if held >= a.settle or (held >= a.hold and actual == target):
                        break
                actual = qmp.cmd("query-balloon")["actual"]
                lowest = min(lowest, actual)
                print(
                    f"balloon: {now():6.1f} s step {steps}: target {target // MIB} MiB, "
                    f"actual {actual // MIB} MiB",
                    flush=True,
                )
            else:
                cycles += 1
        # Give everything back and wait until the guest has it.
        qmp.cmd("balloon", value=mem)
        restore_end = time.monotonic() + 120
        actual = qmp.cmd("query-balloon")["actual"]
        while actual != mem and time.monotonic() < restore_end:
            time.sleep(0.5)
            actual = qmp.cmd("query-balloon")["actual"]
    except (ConnectionError, OSError, RuntimeError) as e:
        print(f"balloon: QMP failed after {steps} steps: {e}")
        return 1
    print(
        f"balloon: {steps} steps in {cycles} full cycles of {a.down} down + {a.up} up, "
        f"lowest actual {lowest // MIB} MiB, restored to {actual // MIB} MiB after {now():.1f} s",
        flush=True,
    )
    if actual != mem:
        print(f"balloon: the guest did not get its {mem // MIB} MiB back")
        return 1
    if lowest > low:
        print(f"balloon: the guest never came down to {low // MIB} MiB")
        if not a.best_effort:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
