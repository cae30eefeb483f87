#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A kernel tree for Debian's own Rust-enabled kernel, and the toolchain that
# built it.
#
#   debian.sh build KERNEL     make the tree if needed, print its path
#   debian.sh path KERNEL      print its path (exit 1 if not made)
#   debian.sh check KDIR KO    vermagic and undefined symbols of KO against
#                              Debian's Module.symvers ("ok"/"not ok" lines)
#   debian.sh exec ROOT CMD    run CMD inside the private root (see kexec in
#                              lib.sh)
#
# KERNEL is debian-X.Y (the newest Debian X.Y.z in trixie-backports) or
# debian-X (the newest X.y.z), flavour cloud-amd64 (DEBIAN_FLAVOUR).  The
# kernel must have CONFIG_RUST=y.  Debian's headers ship no rust/ (no
# .rmeta, no proc-macro .so, no target.json), and Rust metadata works only
# with the very rustc that wrote it, so:
#
#   1. a private trixie root (mmdebstrap) holds trixie's rustc, bindgen and
#      gcc-14; their version texts must be exactly the kernel's
#      CONFIG_RUSTC_VERSION_TEXT, CONFIG_BINDGEN_VERSION_TEXT and
#      CONFIG_CC_VERSION_TEXT;
#   2. Debian's linux-source with Debian's .config regenerates rust/
#      (`make olddefconfig rustavailable prepare`); the .config, autoconf.h
#      and rustc_cfg it produces must equal the headers' own, and every Rust
#      export of Debian's Module.symvers must come out of it;
#   3. the tree is a copy of the headers with that rust/, target.json and
#      the kbuild package's scripts/, plus Debian's unsigned kernel image as
#      arch/x86/boot/bzImage and the Debian modules the guest suites need in
#      rlz4-kmod/.  The source tree is deleted afterwards.
#
# On trixie itself (or with DEBIAN_NATIVE=1) there is no root: the
# machine's own toolchain and installed packages are used, and the kernel
# is the running one (DEBIAN_KREL= names another installed one).
#
# The tree is $CACHE/build/linux-KERNEL-KEY, KEY hashing the Debian kernel
# version, the recipe and the toolchain.  Which Debian kernel a KERNEL name
# means is decided once and kept in $CACHE/debian/KERNEL.kernel: trixie-backports
# keeps only its newest kernels, and a test run must not move by itself;
# DEBIAN_REFRESH=1 looks again.
#
# Exit status 77 with one line "SKIP: reason" on stderr: no Debian kernel
# fits (none with CONFIG_RUST=y, or trixie's toolchain is not the one that
# built it).  scripts/test.sh reports that as a skip.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

FLAVOUR=${DEBIAN_FLAVOUR:-cloud-amd64}
D=$CACHE/debian
# Bump when what build() produces changes.
RECIPE=1
# The private root: trixie, its updates, and trixie-backports for the kernel.
ROOT=$D/root
ROOT_PKGS=(rustc rust-src libstd-rust-dev rustfmt rust-clippy bindgen gcc-14 clang libclang-dev
	make bc flex bison libelf-dev libssl-dev openssl python3 cpio kmod dwarves xz-utils)
ROOT_SOURCES="deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian trixie-updates main
deb http://deb.debian.org/debian-security trixie-security main
deb http://deb.debian.org/debian trixie-backports main"
# Debian's gcc for x86_64, as named in its .kernelvariables.
KCC=x86_64-linux-gnu-gcc-14
# What `prepare` needs to be told: Debian builds with gcc-14 as a cross
# compiler name, the Rust tools are trixie's.
PREP_ARGS=(CROSS_COMPILE=x86_64-linux-gnu- CC=$KCC HOSTCC=gcc-14 RUSTC=rustc HOSTRUSTC=rustc BINDGEN=bindgen)

log() { printf 'debian: %s\n' "$*" >&2; }
skip() { printf 'SKIP: %s\n' "$*" >&2; exit 77; }

native() {
	[ "${DEBIAN_NATIVE:-}" = 1 ] && return 0
	[ "${DEBIAN_NATIVE:-}" = 0 ] && return 1
	grep -qs '^VERSION_CODENAME=trixie' /etc/os-release
}

# in_root ROOT COMMAND...: COMMAND in the root, in a mount namespace of its
# own with /proc, /dev, /tmp, the checkout, the build cache, the work
# directory and the current directory bound at their own paths.  Nothing of
# it outlives the command.
in_root() {
	local root=$1
	shift
	[ -x "$root/usr/bin/env" ] || die "$root is not a root made by scripts/debian.sh"
	RLZ4_BINDS="/tmp
$top
$CACHE/build
$D/work
$PWD" unshare --mount --propagation private -- bash -c '
		set -e
		root=$1; shift
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		while IFS= read -r d; do
			[ -d "$d" ] && [ "$d" != / ] || continue
			mkdir -p "$root$d"
			mount --bind "$d" "$root$d"
		done <<<"$RLZ4_BINDS"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LANG=C.UTF-8 TERM=dumb ${LLVM+LLVM="$LLVM"} \
			/bin/sh -c '\''cd "$0" 2>/dev/null || cd /; exec "$@"'\'' "$PWD" "$@"' \
		rlz4-root "$root" "$@"
}

# run COMMAND...: COMMAND with the kernel's toolchain: in the root, or
# natively on trixie.
run() {
	if native; then "$@"; else in_root "$ROOT" "$@"; fi
}

# The root, once per package list: about a minute on an idle machine, 6
# with other builds running; 2 GB.
make_root() {
	local stamp want
	want=$(printf '%s\n' "${ROOT_PKGS[@]}" "$ROOT_SOURCES" | sha256sum | cut -c1-12)
	stamp=$ROOT/.rlz4-root-$want
	[ -f "$stamp" ] && return 0
	command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (scripts/setup.sh installs it)"
	log "making a private trixie root in $ROOT (1-6 minutes, 2 GB)"
	rm -rf "$ROOT.tmp" "$ROOT"
	mkdir -p "$D"
	# The package lists stay: the kernel is looked up in them.
	printf '%s\n' "$ROOT_SOURCES" >"$D/sources.list"
	mmdebstrap --quiet --variant=apt --skip=cleanup/apt/lists \
		--include="$(IFS=,; echo "${ROOT_PKGS[*]}")" \
		trixie "$ROOT.tmp" "$D/sources.list" >"$D/mmdebstrap.log" 2>&1 ||
		{ tail -20 "$D/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $D/mmdebstrap.log)"; }
	touch "$ROOT.tmp/.rlz4-root-$want"
	mv "$ROOT.tmp" "$ROOT"
}

# apt in the root (or natively, read-only queries only).
rapt() { run env DEBIAN_FRONTEND=noninteractive "$@"; }
# apt-get as root in the root, writing where its sandbox user cannot.
APT_ROOT=(-o APT::Sandbox::User=root)

# drop DIR: delete DIR in the background (a built kernel source tree takes
# minutes to delete on a busy machine; nothing waits for it).
drop() {
	[ -e "$1" ] || return 0
	local t=$D/trash.$$.$RANDOM
	mv "$1" "$t" && (nice -n 10 rm -rf "$t" </dev/null >/dev/null 2>&1 9>&- &)
}

# config_of DEB OPTION: OPTION's value in the .config of a headers .deb.
config_of() {
	dpkg-deb --fsys-tarfile "$1" | tar -xO --wildcards './usr/src/linux-headers-*/.config' |
		sed -n "s/^$2=//p" | sed 's/^"\(.*\)"$/\1/'
}

# resolve K: "ABI VERSION" of the Debian kernel K stands for, e.g.
# "7.3.4+deb13 7.3.4-1~bpo13+1": the newest in trixie-backports whose
# release starts with K's line and whose .config has CONFIG_RUST=y.
resolve() {
	local line=${1#debian-} names n v deb abi seen=
	names=$(rapt apt-cache search --names-only "^linux-headers-${line//./\\.}[0-9.]*\\+deb[0-9]+-$FLAVOUR\$" |
		awk '{ print $1 }' | sort -V -r)
	[ -n "$names" ] || skip "no Debian $line kernel (flavour $FLAVOUR) in trixie-backports"
	mkdir -p "$D/debs"
	for n in $names; do
		abi=${n#linux-headers-}
		abi=${abi%-"$FLAVOUR"}
		case "$abi" in "$line".* | "$line") ;; "$line"[0-9]*) continue ;; esac
		v=$(rapt apt-cache madison "$n" | awk -F' [|] ' '$3 ~ / trixie-backports\// { print $2 }' | sort -V | tail -1)
		[ -n "$v" ] || continue
		deb=$(fetch_deb "$n" "$v")
		seen="$seen $abi"
		if [ "$(config_of "$deb" CONFIG_RUST)" = y ]; then
			echo "$abi $v"
			return 0
		fi
		log "$abi: CONFIG_RUST is not set"
	done
	skip "no Debian $line kernel in trixie-backports has CONFIG_RUST=y (looked at:${seen:- none})"
}

# fetch_deb PACKAGE VERSION: download into $D/debs once; print the path.
fetch_deb() {
	local f
	f=$(ls "$D/debs/${1}_${2//:/%3a}_"*.deb 2>/dev/null | head -1)
	if [ -z "$f" ]; then
		(cd "$D/debs" && rapt apt-get "${APT_ROOT[@]}" download -q=2 "$1=$2" >&2) || die "apt-get download $1=$2 failed"
		f=$(ls "$D/debs/${1}_${2//:/%3a}_"*.deb | head -1)
	fi
	echo "$f"
}

# The Debian kernel K stands for, decided once (see the header).
kernel_of() {
	local f=$D/$1.kernel
	if native; then
		# The running kernel, or DEBIAN_KREL: its ABI and package version.
		local krel=${DEBIAN_KREL:-$(uname -r)}
		echo "${krel%-"$FLAVOUR"} $(dpkg-query -W -f='${Version}' "linux-headers-$krel")"
		return
	fi
	if [ ! -s "$f" ] || [ "${DEBIAN_REFRESH:-0}" = 1 ]; then
		rapt apt-get update -q=2 >&2 || die "apt-get update in $ROOT failed"
		resolve "$1" >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
	cat "$f"
}

# version_text WHAT: the version line of the tool the kernel names.
version_text() {
	case "$1" in
	rustc) run rustc --version ;;
	bindgen) run bindgen --version 2>/dev/null ;;
	cc) run "$KCC" --version | head -1 ;;
	esac
}

# check_toolchain CONFIG NAME: trixie's tools must print exactly the
# version texts of kernel NAME's .config; otherwise one line and a skip.
check_toolchain() {
	local cfg=$1 what opt want got bad=
	for what in rustc:RUSTC_VERSION_TEXT bindgen:BINDGEN_VERSION_TEXT cc:CC_VERSION_TEXT; do
		opt=CONFIG_${what#*:}
		want=$(sed -n "s/^$opt=\"\(.*\)\"$/\1/p" "$cfg")
		got=$(version_text "${what%%:*}" || true)
		[ "$got" = "$want" ] || bad="$bad; $opt is '$want', trixie has '$got'"
	done
	[ -z "$bad" ] || skip "trixie's toolchain did not build Debian $2:${bad#;}"
}

B_of() {
	local kern=$1 key
	key=$({
		echo "$kern $FLAVOUR recipe $RECIPE"
		# A new root has none of the kernel's packages the tree uses.
		if native; then echo native; else ls -d "$ROOT"/.rlz4-root-*; fi
		cat "$D/toolchain" 2>/dev/null || true
	} | sha256sum | cut -c1-12)
	echo "$CACHE/build/linux-$K-$key"
}

# The kernel tree.  Every step reads what the previous one left; each
# failure stops with its reason.
build() {
	local abi=$1 ver=$2 t0 H src W deb cfgtext
	t0=$(date +%s)
	H=/usr/src/linux-headers-$abi-$FLAVOUR
	W=$D/work/$abi-$FLAVOUR
	rm -rf "$B" "$B.tmp" "$B.log"
	drop "$W"
	mkdir -p "$W"
	log "$K is Debian's $abi-$FLAVOUR ($ver); tree: $B (log: $B.log)"
	# The headers' .config names the toolchain: check it before fetching
	# anything big.
	if native; then
		cp "$H/.config" "$W/config" || die "linux-headers-$abi-$FLAVOUR is not installed"
	else
		deb=$(fetch_deb "linux-headers-$abi-$FLAVOUR" "$ver")
		dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards "./usr/src/linux-headers-*/.config" >"$W/config"
	fi
	check_toolchain "$W/config" "$abi-$FLAVOUR"
	log "toolchain: $(version_text rustc), $(version_text bindgen), $(version_text cc)"
	if native; then
		local miss=
		for p in linux-source-"${abi%.*}" linux-headers-"$abi-$FLAVOUR" linux-kbuild-"$abi"; do
			dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || miss="$miss $p"
		done
		[ -z "$miss" ] || die "missing packages, install them first: sudo apt install$miss"
		src=$(ls /usr/src/linux-source-"${abi%.*}".tar.* | head -1)
	else
		local l=${abi%.*}
		l=${l%%+*}
		rapt apt-get install -y -q=2 --no-install-recommends "linux-source-$l=$ver" \
			"linux-headers-$abi-$FLAVOUR=$ver" "linux-headers-$abi-common=$ver" \
			"linux-kbuild-$abi=$ver" >>"$B.log" 2>&1 ||
			{ tail -20 "$B.log" >&2; die "installing Debian's $abi packages in the root failed"; }
		src=$(run sh -c "ls /usr/src/linux-source-$l.tar.*" | head -1)
	fi

	# 2. rust/ from Debian's source with Debian's .config.  Kbuild does
	# not rebuild rust/ when rustc_cfg changes: always a fresh tree.
	log "regenerating rust/ from $(basename "$src") (1-8 minutes)"
	mkdir -p "$W/src"
	run sh -c "tar -xf '$src' -C '$W/src' --strip-components=1 && cp '$H/.config' '$W/src/.config'"
	run make -C "$W/src" -j"$(nproc)" "${PREP_ARGS[@]}" olddefconfig rustavailable prepare >>"$B.log" 2>&1 ||
		{ tail -30 "$B.log" >&2; die "make prepare in Debian's source failed (log: $B.log)"; }
	local f bad=
	for f in .config include/generated/autoconf.h include/generated/rustc_cfg; do
		run cmp -s "$W/src/$f" "$H/$f" || bad="$bad $f"
	done
	[ -z "$bad" ] || die "regenerated files differ from Debian's headers:$bad (is openssl in the root?)"
	# Every Rust export of Debian's kernel must be defined by the rust/
	# just built: same compiler, same crates, same mangled names.
	local exports missing
	run sh -c "awk '\$2 ~ /^_R/ { print \$2 }' '$H/Module.symvers'" | sort -u >"$W/debian-rust-exports"
	nm --defined-only -j "$W"/src/rust/*.o 2>/dev/null | sort -u >"$W/built-symbols"
	exports=$(wc -l <"$W/debian-rust-exports")
	missing=$(comm -23 "$W/debian-rust-exports" "$W/built-symbols" | wc -l)
	[ "$exports" -gt 0 ] && [ "$missing" = 0 ] ||
		die "$missing of Debian's $exports Rust exports are not in the regenerated rust/ (another rustc?)"

	# 3. The tree: the headers with rust/, target.json, the kbuild scripts.
	mkdir -p "$B.tmp"
	run cp -a "$H/." "$B.tmp/"
	sed -i "s|^KBUILD_OUTPUT=.*|KBUILD_OUTPUT=$B|" "$B.tmp/Makefile"
	rm "$B.tmp/scripts" "$B.tmp/tools"
	run cp -a "/usr/lib/linux-kbuild-$abi/scripts" "$B.tmp/scripts"
	# objtool: the package's, by an absolute path (valid in the root).
	ln -s "/usr/lib/linux-kbuild-$abi/tools" "$B.tmp/tools"
	cp "$W/src/scripts/target.json" "$B.tmp/scripts/"
	mkdir -p "$B.tmp/rust" "$B.tmp/usr" "$B.tmp/arch/x86/boot" "$B.tmp/rlz4-kmod"
	cp "$W"/src/rust/*.rmeta "$W"/src/rust/*.so "$B.tmp/rust/"
	# The initramfs tool, for the host (scripts/initramfs.sh).
	cc -O2 -o "$B.tmp/usr/gen_init_cpio" "$W/src/usr/gen_init_cpio.c"
	{
		echo "ok $K/toolchain_is_the_kernels"
		echo "# $(version_text rustc); $(version_text bindgen); $(version_text cc)"
		echo "ok $K/regenerated_config_autoconf_rustc_cfg_equal_debians"
		echo "ok $K/rust_exports_reproduced # all $exports Rust exports of Debian's Module.symvers"
	} >"$B.tmp/rlz4-checks"
	drop "$W/src"

	# 4. Debian's kernel image and the modules the guest suites load (not
	# natively: a trixie machine runs its own kernel).
	native && { drop "$W"; finish; return; }
	local img mods
	img=$(fetch_deb "linux-binary-unsigned-$abi-$FLAVOUR" "$ver")
	mods=$(fetch_deb "linux-modules-$abi-$FLAVOUR" "$ver")
	mkdir -p "$W/x"
	# usr/lib/modules/RELEASE/vmlinuz.unsigned in 7.x (boot/vmlinuz-RELEASE before).
	dpkg-deb --fsys-tarfile "$img" | tar -xO --wildcards '*/vmlinuz*' >"$B.tmp/arch/x86/boot/bzImage"
	dpkg-deb --fsys-tarfile "$mods" | tar -x -C "$W/x" --wildcards '*/virtio_balloon.ko*' '*/virtio_blk.ko*'
	for f in $(find "$W/x" -name '*.ko*'); do
		case "$f" in
		*.xz) xz -dc "$f" >"$B.tmp/rlz4-kmod/$(basename "${f%.xz}")" ;;
		*.zst) zstd -qdc "$f" >"$B.tmp/rlz4-kmod/$(basename "${f%.zst}")" ;;
		*) cp "$f" "$B.tmp/rlz4-kmod/" ;;
		esac
	done
	drop "$W"
	[ -s "$B.tmp/arch/x86/boot/bzImage" ] && [ -f "$B.tmp/rlz4-kmod/virtio_balloon.ko" ] &&
		[ -f "$B.tmp/rlz4-kmod/virtio_blk.ko" ] || die "Debian's kernel image or modules missing"
	echo "$ROOT" >"$B.tmp/.rlz4-root"
	finish
}

finish() {
	echo "$abi-$FLAVOUR $ver" >"$B.tmp/.rlz4-debian"
	mv "$B.tmp" "$B"
	touch "$B/.done"
	log "$K ready in $(elapsed "$t0"): $B"
}

# check KDIR KO: vermagic and undefined symbols of KO (scripts/test.sh).
check() {
	local kdir=$1 ko=$2 rel want got und missing n rc=0
	rel=$(sed -n 's/^override KERNELRELEASE = //p' "$kdir/.kernelvariables")
	[ -n "$rel" ] || rel=$(cat "$kdir/include/config/kernel.release")
	want="$rel SMP preempt mod_unload "
	got=$(modinfo -F vermagic "$ko")
	if [ "$got" = "$want" ]; then
		echo "ok vermagic # '$got'"
	else
		echo "not ok vermagic: '$got', want '$want'"
		rc=1
	fi
	und=$(nm -u "$ko" | awk '{ print $2 }' | grep -v '^__this_module$' | sort -u)
	n=$(echo "$und" | grep -c .)
	missing=$(comm -23 <(echo "$und") <(awk '{ print $2 }' "$kdir/Module.symvers" | sort -u))
	if [ -z "$missing" ] && [ "$n" -gt 0 ]; then
		echo "ok undefined_symbols_in_debians_module_symvers # $n symbols, $(echo "$und" | grep -c '^_R') of them Rust"
	else
		echo "not ok undefined_symbols_in_debians_module_symvers: not exported by Debian's kernel:" $missing
		rc=1
	fi
	return $rc
}

cmd=${1:-}
case "$cmd" in
exec)
	shift
	[ $# -ge 2 ] || die "usage: debian.sh exec ROOT COMMAND..."
	in_root "$@"
	;;
check)
	[ $# = 3 ] || die "usage: debian.sh check KDIR KO"
	check "$2" "$3"
	;;
build | path)
	K=${2:-}
	case "$K" in debian-[0-9]*) ;; *) die "usage: debian.sh build|path debian-X[.Y]" ;; esac
	mkdir -p "$D" "$CACHE/build"
	exec 9>"$D/$K.lock"
	flock 9
	native || make_root
	kern=$(kernel_of "$K")
	native || version_text rustc >"$D/toolchain" 2>/dev/null || true
	B=$(B_of "$kern")
	if [ "$cmd" = path ]; then
		[ -f "$B/.done" ] || die "$K is not made: make kernel KERNEL=$K"
	elif [ ! -f "$B/.done" ]; then
		build $kern
	fi
	echo "$B"
	;;
*) die "usage: debian.sh build|path|check|exec ..." ;;
esac
