// SPDX-License-Identifier: GPL-2.0
//! Build script of the rlz4 host crate.
//!
//! It compiles the kernel's own `lib/lz4/lz4_decompress.c` for userspace so
//! that `rlz4 bench` can compare against the C decoder the module competes
//! with in the kernel.  The kernel tree is found through `RUST_LZ4_KSRC`, or
//! else under `${RUST_LZ4_CACHE:-$HOME/.cache/rust_lz4}/src/linux-{7.3,6.12}`
//! (unpacked by scripts/setup.sh).  Nothing here may fail the host build: if
//! the source is missing or does not compile, the bench prints "n/a" for it.
//!
//! The file is compiled with a small shim (`csrc/shim/`) providing the
//! kernel headers it includes, at -O3 (lib/lz4/Makefile adds it to the
//! kernel's -O2) with the x86_64 kernel's code generation flags (no
//! SSE/AVX, no red zone, no strict aliasing...).
//! Its exported symbols are renamed `klz4_*` so that they do not clash with
//! liblz4's, which lz4-sys links into the same binary.
//!
//! It also compiles OpenZFS's own LZ4 code, `module/zfs/lz4_zfs.c` and
//! `module/zfs/lz4.c`, unmodified, of the two versions in [`ZFS_VERSIONS`]
//! (`src/zfsref.rs`: the reference of the ZFS framing's decode rules).  The
//! trees are `${RUST_LZ4_ZFS_SRC:-$CACHE/src}/zfs-VERSION`, unpacked from
//! Debian's zfs-dkms by scripts/setup.sh; the headers they include come
//! from `csrc/zfs/` (stand-ins for `sys/zfs_context.h` and
//! `sys/zio_compress.h`), and each version's symbols get a `zfsNNN_` prefix.
//! They are compiled at the profile's optimisation level (release: -O3)
//! with the host's default code generation.  If either tree is missing, the
//! build still succeeds, says so, and `rlz4::zfsref::available()` returns
//! the reason.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Code generation flags of an x86_64 kernel build that matter for this
/// file (top Makefile and arch/x86/Makefile), besides the optimisation
/// level.
const KERNEL_FLAGS: &[&str] = &[
    "-fno-strict-aliasing",
    "-fno-strict-overflow",
    "-fno-delete-null-pointer-checks",
    "-fno-stack-protector",
    "-fno-jump-tables",
    "-mno-sse",
    "-mno-mmx",
    "-mno-sse2",
    "-mno-3dnow",
    "-mno-avx",
    "-mno-red-zone",
];

fn cache_dir() -> Option<PathBuf> {
    if let Some(c) = env::var_os("RUST_LZ4_CACHE") {
        if !c.is_empty() {
            return Some(PathBuf::from(c));
        }
    }
    env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rust_lz4"))
}

/// Kernel trees to try, in order.
fn candidates() -> Vec<PathBuf> {
    if let Some(k) = env::var_os("RUST_LZ4_KSRC") {
        if !k.is_empty() {
            return vec![PathBuf::from(k)];
        }
    }
    match cache_dir() {
        Some(c) => vec![c.join("src/linux-7.3"), c.join("src/linux-6.12")],
        None => Vec::new(),
    }
}

fn kernel_version(tree: &Path) -> String {
    let mk = std::fs::read_to_string(tree.join("Makefile")).unwrap_or_default();
    let get = |key: &str| {
        mk.lines()
            .find_map(|l| {
                l.strip_prefix(key)
                    .map(|v| v.trim_start_matches([' ', '=']).trim().to_string())
            })
            .unwrap_or_default()
    };
    let (v, p, s) = (get("VERSION"), get("PATCHLEVEL"), get("SUBLEVEL"));
    if v.is_empty() {
        "unknown".into()
    } else {
        format!("{v}.{p}.{s}")
    }
}

fn which(prog: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
}

fn compiler_version(cc: &Path) -> String {
    Command::new(cc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| cc.display().to_string())
}

/// The minor version of a `rustc 1.N.P ...` version line.
fn rustc_minor(version: &str) -> Option<u32> {
    let v = version.strip_prefix("rustc 1.")?;
    v.split('.').next()?.parse().ok()
}

/// OpenZFS versions whose LZ4 code `src/zfsref.rs` wraps: 2.3.2 accepts a
/// block that decodes to less than the logical size, 2.4.4 does not.
const ZFS_VERSIONS: &[&str] = &["2.3.2", "2.4.4"];

/// Compiles OpenZFS's LZ4 code of every version in [`ZFS_VERSIONS`], or
/// says why not; never fails the build.
fn build_openzfs(manifest: &Path) {
    println!("cargo::rustc-check-cfg=cfg(rlz4_openzfs)");
    println!("cargo:rerun-if-env-changed=RUST_LZ4_ZFS_SRC");
    let base = env::var_os("RUST_LZ4_ZFS_SRC")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| cache_dir().map(|c| c.join("src")));
    let Some(base) = base else {
        println!("cargo:rustc-env=RLZ4_ZFS_MISSING=no cache directory (set RUST_LZ4_ZFS_SRC)");
        return;
    };
    let mut trees = Vec::new();
    for v in ZFS_VERSIONS {
        let dir = base.join(format!("zfs-{v}/module/zfs"));
        for f in ["lz4_zfs.c", "lz4.c"] {
            println!("cargo:rerun-if-changed={}", dir.join(f).display());
        }
        if !dir.join("lz4_zfs.c").is_file() || !dir.join("lz4.c").is_file() {
            let msg = format!(
                "OpenZFS {v} source not found ({} has no lz4_zfs.c/lz4.c): run scripts/setup.sh or set RUST_LZ4_ZFS_SRC",
                dir.display()
            );
            println!("cargo:rustc-env=RLZ4_ZFS_MISSING={msg}");
            println!("cargo:warning=rlz4: {msg}; the OpenZFS reference decoder is not built");
            return;
        }
        trees.push((v, dir));
    }
    let stand_in = manifest.join("csrc/zfs");
    let mut srcs = Vec::new();
    for (v, dir) in &trees {
        let prefix = format!("zfs{}_", v.replace('.', ""));
        let mut b = cc::Build::new();
        b.file(dir.join("lz4_zfs.c"))
            .file(dir.join("lz4.c"))
            .include(&stand_in)
            .define("ZFS_REF_PREFIX", prefix.as_str())
            .debug(false)
            .warnings(false)
            .cargo_warnings(false);
        if let Err(e) = b.try_compile(&format!("openzfs{}", v.replace('.', ""))) {
            let msg = format!("OpenZFS {v} LZ4 code failed to compile: {e}").replace('\n', " ");
            println!("cargo:rustc-env=RLZ4_ZFS_MISSING={msg}");
            println!("cargo:warning=rlz4: {msg}");
            return;
        }
        srcs.push(format!("{v}={}", dir.display()));
    }
    println!("cargo:rustc-cfg=rlz4_openzfs");
    println!("cargo:rustc-env=RLZ4_ZFS_SRCS={}", srcs.join(" "));
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc");
    for v in ["RUST_LZ4_KSRC", "RUST_LZ4_CACHE", "HOME", "RUST_LZ4_KCC"] {
        println!("cargo:rerun-if-env-changed={v}");
    }
    println!("cargo::rustc-check-cfg=cfg(rlz4_kernel_c)");
    let rustc = env::var_os("RUSTC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("rustc"));
    let rustc_version = compiler_version(&rustc);
    println!("cargo:rustc-env=RLZ4_RUSTC={rustc_version}");
    // lz4/block/fast.rs marks its hot loop's rare cases with
    // core::hint::cold_path() (rustc 1.95), as the module's Kbuild does.
    println!("cargo::rustc-check-cfg=cfg(rlz4_cold_path)");
    if rustc_minor(&rustc_version).is_some_and(|m| m >= 95) {
        println!("cargo:rustc-cfg=rlz4_cold_path");
    }

    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let shim = manifest.join("csrc/shim");
    build_openzfs(&manifest);

    let cands = candidates();
    // A missing path in rerun-if-changed makes cargo rerun this script on
    // every build, so a tree unpacked later is picked up automatically.
    let mut tree = None;
    for c in &cands {
        let f = c.join("lib/lz4/lz4_decompress.c");
        println!("cargo:rerun-if-changed={}", f.display());
        if tree.is_none() && f.is_file() && c.join("include/linux/lz4.h").is_file() {
            tree = Some(c.clone());
        }
    }
    let Some(tree) = tree else {
        let looked: Vec<String> = cands.iter().map(|c| c.display().to_string()).collect();
        println!(
            "cargo:rustc-env=RLZ4_KC_MISSING=kernel source not found (looked in {}): set RUST_LZ4_KSRC",
            looked.join(", ")
        );
        println!("cargo:warning=rlz4 bench: kernel lib/lz4 source not found, the kernel C column will be n/a (set RUST_LZ4_KSRC)");
        return;
    };

    // The kernel under test is built with LLVM=-19; prefer that compiler.
    let cc_path = env::var_os("RUST_LZ4_KCC")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| which("clang-19"))
        .or_else(|| which("clang"))
        .unwrap_or_else(|| PathBuf::from("cc"));

    let src = tree.join("lib/lz4/lz4_decompress.c");
    let mut b = cc::Build::new();
    b.compiler(&cc_path)
        .file(&src)
        .opt_level(3)
        .debug(false)
        .warnings(false)
        .cargo_warnings(false)
        .flag("-include")
        .flag(
            shim.join("klz4_config.h")
                .to_str()
                .unwrap_or("klz4_config.h"),
        )
        .include(&shim)
        .flag("-idirafter")
        .flag(tree.join("include").to_str().unwrap_or("include"));
    for f in KERNEL_FLAGS {
        b.flag(f);
    }
    match b.try_compile("klz4") {
        Ok(()) => {
            println!("cargo:rustc-cfg=rlz4_kernel_c");
            println!("cargo:rustc-env=RLZ4_KC_SRC={}", src.display());
            println!("cargo:rustc-env=RLZ4_KC_VERSION={}", kernel_version(&tree));
            println!("cargo:rustc-env=RLZ4_KC_CC={}", compiler_version(&cc_path));
            println!(
                "cargo:rustc-env=RLZ4_KC_FLAGS=-O3 {}",
                KERNEL_FLAGS.join(" ")
            );
        }
        Err(e) => {
            let msg = e.to_string().replace('\n', " ");
            println!("cargo:rustc-env=RLZ4_KC_MISSING=kernel lib/lz4 failed to compile: {msg}");
            println!(
                "cargo:warning=rlz4 bench: compiling {} failed, kernel C column will be n/a: {msg}",
                src.display()
            );
        }
    }
}
