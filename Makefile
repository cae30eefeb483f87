# SPDX-License-Identifier: GPL-2.0
#
# rust_lz4 -- user-facing targets.  Kbuild (not this file) describes the
# module to the kernel build.
#
#   make                    build rust_lz4.ko against the test kernel
#   make KDIR=/lib/modules/$(uname -r)/build
#                           build it against another prepared Rust kernel
#                           (clang- or gcc-built; LLVM= follows its .config)
#   make debian             build it for Debian's own 7.3 kernel, whose
#                           headers lack rust/: on trixie with the system's
#                           toolchain for the running kernel, elsewhere in a
#                           private trixie root (scripts/debian.sh)
#   make run                boot the test kernel in QEMU and show the module
#   make modules_install    install rust_lz4.ko with the kernel's modules_install
#                           (M=, honours INSTALL_MOD_PATH and INSTALL_MOD_DIR);
#                           `make install` is the same
#   make test               everything: lints, host tests, both kernels and
#                           the 6.12 sanitizer variant, the dkms package
#   make test SANITIZE=1    only the sanitizer kernels (SANITIZE=0: only plain,
#                           SANITIZE=all: both; default: plain + 6.12-san)
#   make soak               the balloon scenario for 15 minutes (KERNEL=6.12
#                           by default here; SOAK_SECONDS=900)
#   make bench              host benchmark of the decoder (tools/rlz4)
#   make kbench [ICOUNT=1]  in-kernel benchmark, Rust against the kernel's C
#                           (ICOUNT=1: guest instruction counts, not TCG time)
#   make kcount             instructions of both decoders, counted on the host
#                           with callgrind (the kernel build of each; seconds)
#   make kernel             build the test kernel; print its tree and bzImage
#   make kernel-path        print them without building
#   make setup              install what the project needs (idempotent)
#
# KERNEL=7.3 (default) or KERNEL=6.12 selects the test kernel; 7.3-san and
# 6.12-san are their KASAN/UBSAN/lockdep/kmemleak variants; debian-7.3 is
# Debian's own kernel (make run, make test).

KERNEL ?= 7.3
S := scripts
# For scripts/lib.sh when a recipe sources it.
export RLZ4_SCRIPTS := $(CURDIR)/$(S)

.PHONY: all module debian modules_install install dkms-modules setup kernel kernel-path run test soak bench kbench kcount clean

all: module

setup:
	@bash $(S)/setup.sh

ifneq ($(KDIR),)
# Any prepared kernel tree with CONFIG_RUST=y (Module.symvers included).
module:
	@echo "module: building against KDIR=$(KDIR)"
	@ko=$$(bash $(S)/module.sh "$(KDIR)" out/kdir-$$(cat "$(KDIR)/include/config/kernel.release")) && \
		cp "$$ko" rust_lz4.ko && echo "module: rust_lz4.ko for $$(modinfo -F vermagic rust_lz4.ko)"
else
module: setup
	@kdir=$$(bash $(S)/kernel.sh build $(KERNEL)) && \
		ko=$$(bash $(S)/module.sh "$$kdir" out/$(KERNEL)) && \
		cp "$$ko" rust_lz4.ko && echo "module: rust_lz4.ko for Linux $(KERNEL) test kernel ($$kdir)"
endif

DEBIAN_KERNEL ?= debian-7.3
debian:
	@kdir=$$(bash $(S)/debian.sh build $(DEBIAN_KERNEL)) && \
		ko=$$(bash $(S)/module.sh "$$kdir" out/$(DEBIAN_KERNEL)) && cp "$$ko" rust_lz4.ko && \
		bash $(S)/debian.sh check "$$kdir" rust_lz4.ko && \
		echo "module: rust_lz4.ko for Debian's $$(cat "$$kdir/.rlz4-debian")"

# The kernel's own modules_install on the module just built: the .ko goes to
# $(INSTALL_MOD_PATH)/lib/modules/<release>/$(INSTALL_MOD_DIR), then depmod.
modules_install: module
	@. $(S)/lib.sh && \
		if [ -n "$(KDIR)" ]; then kdir="$(KDIR)"; out=out/kdir-$$(cat "$(KDIR)/include/config/kernel.release"); \
		else kdir=$$(bash $(S)/kernel.sh path $(KERNEL)); out=out/$(KERNEL); fi && \
		kexec "$$kdir" $(MAKE) -C "$$kdir" M="$$(realpath "$$out")" $$(kmake_args "$$kdir") \
			$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH="$(INSTALL_MOD_PATH)") \
			$(if $(INSTALL_MOD_DIR),INSTALL_MOD_DIR="$(INSTALL_MOD_DIR)") modules_install

install: modules_install

# Used by dkms.conf: build in this directory (dkms's copy of the sources)
# against KDIR.  dkms appends CC=clang LD=ld.lld to its make command for a
# clang-built kernel, which would lose LLVM's version suffix; the explicit
# values here win over those.  LLVM=-19 (suffix) or LLVM=1 (none); by
# default -19 for a clang-built KDIR (CONFIG_CC_IS_CLANG), none for a
# gcc-built one.
LLVM ?= $(if $(shell grep -s '^CONFIG_CC_IS_CLANG=y' "$(KDIR)/.config"),-19)
llvm_sfx = $(if $(filter -%,$(LLVM)),$(LLVM))
dkms-modules:
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" $(if $(LLVM),LLVM=$(LLVM) CC=clang$(llvm_sfx) LD=ld.lld$(llvm_sfx)) \
		RUSTC=$(or $(RUSTC),/usr/bin/rustc) HOSTRUSTC=$(or $(RUSTC),/usr/bin/rustc) \
		$(if $(BINDGEN),BINDGEN=$(BINDGEN)) modules

kernel: setup
	@kdir=$$(bash $(S)/kernel.sh build $(KERNEL)) && \
		echo "KDIR=$$kdir" && echo "BZIMAGE=$$kdir/arch/x86/boot/bzImage"

kernel-path:
	@kdir=$$(bash $(S)/kernel.sh path $(KERNEL)) && \
		echo "KDIR=$$kdir" && echo "BZIMAGE=$$kdir/arch/x86/boot/bzImage"

run:
	@KERNEL=$(KERNEL) bash $(S)/run.sh

# `make test` covers both kernels; `make test KERNEL=6.12` only one.
test:
	@KERNELS_UNDER_TEST="$(if $(filter command line,$(origin KERNEL)),$(KERNEL))" \
		SANITIZE="$(SANITIZE)" bash $(S)/test.sh

# The balloon soak: 6.12 (PREEMPT_NONE, the incident's kind) unless KERNEL
# is given on the command line.
soak: setup
	@KERNEL=$(if $(filter command line,$(origin KERNEL)),$(KERNEL),6.12) bash $(S)/soak.sh

bench:
	@bash $(S)/bench.sh

kbench:
	@KERNEL=$(KERNEL) bash $(S)/kbench.sh

kcount:
	@bash $(S)/kcount.sh $(KERNEL)

clean:
	rm -rf out rust_lz4.ko
