# SPDX-License-Identifier: GPL-2.0
# Shared settings for the rust_lz4 scripts.  Sourced, never run.

CACHE=${RUST_LZ4_CACHE:-$HOME/.cache/rust_lz4}
# Debian's rustc-web ships rust-src; rustup's rustc (first in PATH) does not.
RUSTC=/usr/bin/rustc
RUSTDOC=/usr/bin/rustdoc
CLIPPY_DRIVER=/usr/bin/clippy-driver
RUSTFMT=/usr/bin/rustfmt
BINDGEN=$CACHE/bindgen/bin/bindgen
export CACHE RUSTC RUSTDOC CLIPPY_DRIVER RUSTFMT BINDGEN

KERNELS="7.3 6.12"
DEFAULT_KERNEL=7.3
# Distribution kernels make test also runs on (scripts/debian.sh).
DEBIAN_KERNELS="debian-7.3"

# kmake_args [KDIR]: arguments for every make in a kernel tree (test kernels
# and the module).  The test kernels are built with clang 19 (LLVM=-19).
# For a given KDIR the compiler is the one that built it: LLVM=-19 when its
# .config has CONFIG_CC_IS_CLANG, none for a gcc-built kernel (most
# distribution kernels); LLVM in the environment (`make KDIR=... LLVM=1`)
# overrides that, and an empty LLVM= means none.  A tree with its own
# toolchain root (scripts/debian.sh) takes that root's bindgen.
kmake_args() {
	local llvm=-19 bindgen=$BINDGEN
	if [ -n "${1:-}" ]; then
		if [ -n "${LLVM+set}" ]; then
			llvm=$LLVM
		elif [ -f "$1/.config" ] && ! grep -q '^CONFIG_CC_IS_CLANG=y' "$1/.config"; then
			llvm=
		fi
		[ ! -f "$1/.rlz4-root" ] || bindgen=/usr/bin/bindgen
	fi
	echo ${llvm:+LLVM=$llvm} RUSTC=$RUSTC RUSTDOC=$RUSTDOC HOSTRUSTC=$RUSTC CLIPPY_DRIVER=$CLIPPY_DRIVER BINDGEN=$bindgen
}

# kexec KDIR COMMAND...: runs COMMAND with the toolchain KDIR was built
# with.  That is the machine's own, except for a kernel tree made by
# scripts/debian.sh, whose file .rlz4-root names a private Debian root
# holding the exact rustc of that kernel: COMMAND then runs inside it
# (chroot), with the checkout, the build cache and the current directory
# at their own paths.
# (The Makefile sources this file with /bin/sh and sets RLZ4_SCRIPTS.)
kexec() {
	local kdir=$1 scripts=${RLZ4_SCRIPTS:-}
	shift
	if [ -f "$kdir/.rlz4-root" ]; then
		[ -n "$scripts" ] || scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
		bash "$scripts/debian.sh" exec "$(cat "$kdir/.rlz4-root")" "$@"
	else
		"$@"
	fi
}

# Seconds since $1 as "XmYYs".
elapsed() {
	local s=$(($(date +%s) - $1))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# lib_dir: the directory of these scripts (bash only, as every function
# below but kmake_args and core_rustc).
lib_dir() { (cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); }

# build_module K: builds test kernel K if needed, then the module against it
# in out/K; sets kdir and ko.  A failed build shows the tail of its log
# (out/module-K.log) and returns 1.
build_module() {
	local d t
	d=$(lib_dir)
	t=$(dirname "$d")
	kdir=$(bash "$d/kernel.sh" build "$1") || { echo "kernel $1 failed to build" >&2; return 1; }
	mkdir -p "$t/out"
	ko=$(bash "$d/module.sh" "$kdir" "$t/out/$1" 2>"$t/out/module-$1.log") ||
		{ tail -30 "$t/out/module-$1.log" >&2; echo "module build failed: see $t/out/module-$1.log" >&2; return 1; }
}

# module_initramfs K CPIO [DEST=SRC ...]: build_module K, then the initramfs
# CPIO with that module, the guest suites and the files DEST=SRC
# (scripts/initramfs.sh); sets kdir and ko.  Returns 1 when the module build
# failed, 2 when the initramfs did.
module_initramfs() {
	local K=$1 cpio=$2
	shift 2
	build_module "$K" || return 1
	bash "$(lib_dir)/initramfs.sh" "$kdir" "$ko" "$cpio" "$@" || { echo "initramfs $cpio failed" >&2; return 2; }
}

# core_rustc KDIR MODDIR SRC OBJ: compiles SRC, a crate that needs only
# core, to the object OBJ with the rustc command line of the module built
# against the kernel tree KDIR in MODDIR: the kernel's target, optimisation
# and overflow checks, less the kernel crates, the clippy lints and the
# dep-info.  SRC and OBJ are absolute paths.
core_rustc() {
	local cmd
	# Paths in it are relative to KDIR on 6.12, absolute on 7.3 (MO=).
	cmd=$(sed -n 's/^savedcmd_[^ ]*rust_lz4_rs\.o := //p' "$2/.rust_lz4_rs.o.cmd")
	[ -n "$cmd" ] || { echo "no rustc command in $2/.rust_lz4_rs.o.cmd" >&2; return 1; }
	# POSIX sh: the Makefile sources this file with /bin/sh.
	cmd=$(printf '%s\n' "$cmd" | sed -e 's/--extern [a-z_]*//g' -e 's/--emit=dep-info=[^ ]*//' \
		-e 's/-[WDA]clippy::[^ ]*//g' -e 's/--cfg MODULE//' \
		-e 's/ --emit=obj=[^ ]*rust_lz4_rs\.o [^ ]*rust_lz4\.rs/ /')
	# With KDIR's toolchain (kexec): in its private root for a Debian tree.
	kexec "$1" sh -c "cd \"\$0\" && RUSTC_BOOTSTRAP=1 $cmd -Amissing_docs -Aunreachable_pub --emit=obj=$4 $3" "$1"
}

die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# qemu_aborted LOG RC: true when QEMU itself died on one of its own
# assertions (exit status 134, SIGABRT, and its "Assertion ... failed" line
# in LOG, which holds QEMU's stderr).  That is an emulator bug, not a
# guest's result: the boot is retried once (Documentation/testing.rst).
qemu_aborted() {
	[ "$2" = 134 ] && grep -aq 'qemu-system-x86_64: .*Assertion .* failed' "$1"
}

# qemu_abort_set_aside LOG LABEL [FILE...]: keeps the log of a boot in which
# QEMU aborted, and the FILEs of that boot, as *.qemu-abort.log and says that
# the boot runs once more.
qemu_abort_set_aside() {
	local f
	for f in "$1" "${@:3}"; do
		mv "$f" "${f%.log}.qemu-abort.log"
	done
	echo "# $2: QEMU itself aborted ($(grep -a -m1 'Assertion' "${1%.log}.qemu-abort.log" | tr -d '\r' | cut -c1-160)), booting once more"
}

# boot_retrying LOG LABEL COMMAND...: runs COMMAND, one QEMU boot whose
# console and QEMU stderr go to LOG, and returns its status; when QEMU itself
# aborted (qemu_aborted), sets LOG and the files named in $SET_ASIDE_TOO
# aside (qemu_abort_set_aside) and runs COMMAND once more.
boot_retrying() {
	local log=$1 label=$2 rc try
	shift 2
	for try in 1 2; do
		rc=0
		"$@" || rc=$?
		[ $try = 1 ] && qemu_aborted "$log" $rc || break
		# shellcheck disable=SC2086 # a list of paths without blanks
		qemu_abort_set_aside "$log" "$label" ${SET_ASIDE_TOO:-}
	done
	return $rc
}

# judge_show [--all-checks]: the judge's output (scripts/ktap.py, on stdin)
# without its last line, the counts, and without the passes of the checks
# every boot has (guest finished, KTAP plan, taint and, unless --all-checks,
# no kernel problems): the suite's own results and every failure.
judge_show() {
	local routine='guest_finished\|ktap_plan\|no_kernel_problems\|taint'
	[ "${1:-}" = --all-checks ] && routine='guest_finished\|ktap_plan\|taint'
	sed '$d' | grep -v "^ok .*/\($routine\)\$" || true
}
