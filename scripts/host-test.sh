#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the shared LZ4 decoder (lz4/) and the rlz4 tool:
#   1. rustfmt and clippy (kernel lint flags, no_std build of lz4/, and the
#      kernel's own rustc if present); `unsafe` refused in lz4/
#      (scripts/forbid-unsafe.sh);
#   2. cargo test (overflow checks + debug assertions on);
#   3. cargo fuzz smoke: each target for FUZZ_SECONDS (default 60) on the
#      committed seeds (FUZZ_SECONDS=0 skips it); zfs_diff only with the
#      OpenZFS sources, and a visible SKIP without them.
# Exits non-zero on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CRATE="$ROOT/tools/rlz4"
CACHE=${RUST_LZ4_CACHE:-$HOME/.cache/rust_lz4}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CARGO_FUZZ_VERSION=0.12.0

step() { printf '\n=== %s\n' "$*"; }

command -v lz4 >/dev/null || { echo "host-test: the lz4 CLI (Debian package lz4) is required" >&2; exit 1; }
command -v cargo >/dev/null || { echo "host-test: cargo is required" >&2; exit 1; }

# Kernel lint set (linux Makefile rust_common_flags), as errors.
KLINTS=(-D warnings -D non_ascii_idents -D unsafe_op_in_unsafe_fn -D missing_docs
        -D rust_2018_idioms -D unreachable_pub -D clippy::all -D clippy::as_ptr_cast_mut
        -D clippy::as_underscore -D clippy::cast_lossless -D clippy::ignored_unit_patterns
        -D clippy::mut_mut -D clippy::needless_bitwise_bool -A clippy::needless_lifetimes
        -D clippy::no_mangle_with_rust_abi -D clippy::ptr_as_ptr -D clippy::ptr_cast_constness
        -D clippy::ref_as_ptr -D clippy::undocumented_unsafe_blocks
        -D clippy::unnecessary_safety_comment -D clippy::unnecessary_safety_doc
        -A clippy::collapsible_if -A clippy::collapsible_match -A clippy::uninlined_format_args
        -A clippy::unwrap_or_default -D clippy::unwrap_used -D clippy::expect_used
        -D clippy::panic -D clippy::unreachable -D clippy::todo -D clippy::unimplemented)

step "rustfmt"
rustfmt --check --edition 2021 "$ROOT"/lz4/*.rs "$ROOT"/lz4/block/*.rs "$ROOT"/service/uapi.rs "$CRATE"/src/*.rs "$CRATE"/src/bench/*.rs \
    "$CRATE"/tests/*.rs "$CRATE"/kcheck/src/lib.rs "$CRATE"/fuzz/fuzz_targets/*.rs

step "clippy: lz4/ as a no_std crate with the kernel lint flags"
# With the cfg that Kbuild sets for rustc >= 1.95, as the module is built.
(cd "$CRATE/kcheck" && RUSTFLAGS="--cfg rlz4_cold_path" cargo clippy --quiet --release -- "${KLINTS[@]}")

if [ -x /usr/bin/rustc ] && /usr/bin/rustc --version >/dev/null 2>&1; then
    step "kernel rustc ($(/usr/bin/rustc --version)): lz4/ with -Copt-level=2 -Coverflow-checks=on"
    tmp=$(mktemp -d)
    /usr/bin/rustc --edition=2021 --crate-type=rlib --crate-name lz4_kcheck -Copt-level=2 \
        -Coverflow-checks=on -Cpanic=abort --cfg rlz4_cold_path -Dwarnings -Dunsafe_op_in_unsafe_fn -Dmissing_docs \
        -Drust_2018_idioms -Dunreachable_pub -Dnon_ascii_idents \
        --out-dir "$tmp" "$CRATE/kcheck/src/lib.rs"
    rm -rf "$tmp"
fi

step "lz4/ forbids unsafe: a planted unsafe block must fail the build"
bash "$ROOT/scripts/forbid-unsafe.sh"

step "clippy: host crate (informational: warnings do not fail the run)"
# With cargo's own toolchain: lib.sh exports RUSTC (the kernel's rustc) for
# make test, and cargo would compile the build scripts and dependencies
# with it but the crate with rustup's clippy-driver, which cannot load them.
(cd "$CRATE" && env -u RUSTC cargo clippy --quiet --all-targets 2>&1 | tail -n 20) || true

step "cargo test (overflow checks and debug assertions on)"
(cd "$CRATE" && cargo test)

if [ "$FUZZ_SECONDS" != 0 ]; then
    step "cargo fuzz smoke: ${FUZZ_SECONDS}s per target"
    CF="$CACHE/cargo-fuzz/bin/cargo-fuzz"
    if ! "$CF" --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
        cargo install --locked --root "$CACHE/cargo-fuzz" cargo-fuzz --version "=$CARGO_FUZZ_VERSION"
    fi
    # Stable rustc accepts the -Z flags cargo fuzz needs with RUSTC_BOOTSTRAP=1.
    export RUSTC_BOOTSTRAP=1
    SAN=(--sanitizer address)
    (cd "$CRATE" && "$CF" fuzz build "${SAN[@]}" --debug-assertions >/dev/null 2>&1) || SAN=(--sanitizer none)
    targets=(block_diff frame_diff roundtrip)
    # zfs_diff needs OpenZFS's source (scripts/setup.sh fetches it).
    zsrc=${RUST_LZ4_ZFS_SRC:-$CACHE/src}
    if [ -f "$zsrc/zfs-2.3.2/module/zfs/lz4_zfs.c" ] && [ -f "$zsrc/zfs-2.4.4/module/zfs/lz4_zfs.c" ]; then
        targets+=(zfs_diff)
    else
        echo "SKIP fuzz zfs_diff: no OpenZFS 2.3.2 and 2.4.4 source in $zsrc (run scripts/setup.sh)"
    fi
    for t in "${targets[@]}"; do
        work="$CACHE/fuzz-corpus/$t"
        log="$CACHE/fuzz-corpus/$t.log"
        mkdir -p "$work"
        rc=0
        (cd "$CRATE" && "$CF" fuzz run "${SAN[@]}" --debug-assertions "$t" "$work" "fuzz/seeds/$t" -- \
            -max_total_time="$FUZZ_SECONDS" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1) \
            >"$log" 2>&1 || rc=$?
        grep -E "^(stat::number_of_executed_units|==[0-9]+==|SUMMARY|thread .* panicked)" "$log" || true
        if [ "$rc" -ne 0 ]; then
            tail -n 30 "$log"
            echo "host-test: fuzz target $t failed (rc $rc, log $log)" >&2
            exit 1
        fi
        echo "fuzz $t: ok (${SAN[*]})"
    done
fi

step "host tests passed"
