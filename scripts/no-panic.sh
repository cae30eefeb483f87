#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that an object has no Rust panic path: no call into core's panic
# entry points.
#
#   no-panic.sh OBJ
#
# In the kernel a Rust panic is a BUG(): an oops that kills the calling
# task with its locks held, and with panic_on_oops the machine.  The module
# must turn every failure into an error code instead, whatever the input.
# What the compiler keeps of a check it could not prove is a call into
# core::panicking (an overflow check of CONFIG_RUST_OVERFLOW_CHECKS, an
# index out of bounds, a plain panic!) or into one of core's *_fail
# helpers (a slice range, an unwrap() of None): each is an undefined
# symbol of the object.  Prints those and exits 1 if there is one.
set -euo pipefail

obj=${1:?usage: no-panic.sh OBJ}
[ -f "$obj" ] || { echo "$obj: no such file"; exit 2; }
# __stack_chk_fail is not one: it is the C stack protector's report, which
# gcc puts into glue.c's functions on kernels with CONFIG_STACKPROTECTOR
# (Debian's), and it fires on a smashed stack, not on any input.
found=$(nm -u -C "$obj" | sed 's/^ *U //' | grep -vx '__stack_chk_fail' |
	grep -E '(^|::)(core::panicking::|panic)|_fail(ed)?$' || true)
if [ -n "$found" ]; then
	printf '%s\n' "$found" | sed "s|^|$(basename "$obj"): panic path: |"
	exit 1
fi
echo "$(basename "$obj"): no panic path ($(nm -u "$obj" | wc -l) undefined symbols, none of core's panic entry points)"
