#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The ioctl ABI has one Rust source, service/uapi.rs, and the C header
# include/uapi/linux/rust_lz4.h.  This check compiles the header with the C
# compiler and asserts, at compile time of the Rust file, that every struct
# size, field offset and field size, every ioctl number and every constant
# of the header equals the Rust one, and that nothing in the header lacks a
# Rust counterpart.  scripts/module.sh runs it before every module build.
#
#   abi-check.sh [HEADER [UAPI_RS]]
#
# Prints one line and exits 0 when they agree; prints the rustc errors that
# name each mismatch and exits 1 otherwise.  make test also runs it on
# copies with a planted mismatch, which it must refuse.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
hdr=$(realpath "${1:-$top/include/uapi/linux/rust_lz4.h}")
rs=$(realpath "${2:-$top/service/uapi.rs}")
CC=${HOSTCC:-cc}
RUSTC=${RUSTC:-/usr/bin/rustc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The Rust side: `pub struct Name {` ... `pub field: type,` ... and
# `pub const NAME: type = ...;`.
fields=$(awk '/^pub struct [A-Za-z]+ \{/ { s = $3; next }
	s && /^}/ { s = ""; next }
	s && /^    pub [a-z_0-9]+: / { f = $2; sub(":", "", f); print s, f }' "$rs")
consts=$(sed -n 's/^pub const \([A-Z_0-9]*\): .*/\1/p' "$rs")
[ -n "$fields" ] && [ -n "$consts" ] || { echo "abi-check: no structs or constants in $rs"; exit 1; }

# Every struct and macro of the header needs a Rust counterpart: struct
# rust_lz4_foo_bar is FooBar, RUST_LZ4_IOC_MAGIC is MAGIC, RUST_LZ4_X is X.
missing=
for s in $(sed -n 's/^struct rust_lz4_\([a-z_0-9]*\) {.*/\1/p' "$hdr"); do
	r=$(echo "$s" | sed -E 's/(^|_)([a-z])/\U\2/g')
	grep -q "^$r " <<<"$fields" || missing="$missing struct rust_lz4_$s (Rust $r)"
done
for m in $(sed -n 's/^#define RUST_LZ4_\([A-Z_0-9]*\)[ \t].*/\1/p' "$hdr"); do
	r=${m/#IOC_MAGIC/MAGIC}
	grep -qx "$r" <<<"$consts" || missing="$missing RUST_LZ4_$m (Rust $r)"
done
if [ -n "$missing" ]; then
	echo "abi-check: in $hdr but not in $rs:$missing"
	exit 1
fi

# A C program that prints, from the header's own layout, one Rust
# compile-time assertion per fact.
{
	printf '#include <stdio.h>\n#include <stddef.h>\n#include "%s"\n' "$hdr"
	printf '#define S(t) "core::mem::size_of::<uapi::" t ">()"\n'
	printf 'int main(void)\n{\n'
	while read -r s f; do
		c=rust_lz4_$(echo "$s" | sed -E 's/([a-z])([A-Z])/\1_\2/g' | tr 'A-Z' 'a-z')
		printf '\tprintf("const _: () = assert!(core::mem::offset_of!(uapi::%s, %s) == %%zu, \\"offset of %s.%s differs from the C header\\");\\n", offsetof(struct %s, %s));\n' \
			"$s" "$f" "$s" "$f" "$c" "$f"
		printf '\tprintf("const _: () = assert!(size_of_field(|s: &uapi::%s| &s.%s) == %%zu, \\"size of %s.%s differs from the C header\\");\\n", sizeof(((struct %s *)0)->%s));\n' \
			"$s" "$f" "$s" "$f" "$c" "$f"
	done <<<"$fields"
	for s in $(awk '{print $1}' <<<"$fields" | uniq); do
		c=rust_lz4_$(echo "$s" | sed -E 's/([a-z])([A-Z])/\1_\2/g' | tr 'A-Z' 'a-z')
		printf '\tprintf("const _: () = assert!(core::mem::size_of::<uapi::%s>() == %%zu, \\"size of %s differs from the C header\\");\\n", sizeof(struct %s));\n' \
			"$s" "$s" "$c"
	done
	for r in $consts; do
		m=RUST_LZ4_${r/#MAGIC/IOC_MAGIC}
		printf '#ifdef %s\n\tprintf("const _: () = assert!(uapi::%s as u64 == %%lluu64, \\"%s differs from the C header\\");\\n", (unsigned long long)(%s));\n#endif\n' \
			"$m" "$r" "$r" "$m"
	done
	printf '\treturn 0;\n}\n'
} >"$tmp/abi.c"

$CC -Wall -Werror -o "$tmp/abi" "$tmp/abi.c"
{
	printf '#[allow(dead_code)]\n#[path = "%s"]\nmod uapi;\n' "$rs"
	# The size of a field, from a projection (offset_of! has no size_of twin).
	printf 'const fn size_of_field<S, F>(_: fn(&S) -> &F) -> usize { core::mem::size_of::<F>() }\n'
	"$tmp/abi"
} >"$tmp/check.rs"

n=$(grep -c '^const _' "$tmp/check.rs")
if ! $RUSTC --edition 2021 --crate-type lib --emit metadata -o "$tmp/check.rmeta" "$tmp/check.rs" \
	>"$tmp/rustc.log" 2>&1; then
	grep -E '^error|differs from the C header' "$tmp/rustc.log" | grep -v '^error: aborting' | head -40
	echo "abi-check: $rs does not match $hdr"
	exit 1
fi
echo "abi-check: $(basename "$rs") matches $(basename "$hdr"): $n facts (struct sizes, field offsets and sizes, ioctl numbers, constants)"
