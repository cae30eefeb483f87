# SPDX-License-Identifier: GPL-2.0
#
# rust_lz4 -- user-facing targets.  Kbuild (not this file) describes the
# module to the kernel build.
#
#   make                    build rust_lz4.ko against the test kernel
#   make KDIR=/lib/modules/$(uname -r)/build
#                           build it against another prepared Rust kernel
#   make run                boot the test kernel in QEMU and show the module
#   make test               everything: lints, host tests, both kernels
#   make soak               the balloon scenario for 15 minutes (KERNEL=6.12
#                           by default here; SOAK_SECONDS=900)
#   make bench              host benchmark of the decoder (tools/rlz4)
#   make kbench [ICOUNT=1]  in-kernel benchmark, Rust against the kernel's C
#                           (ICOUNT=1: guest instruction counts, not TCG time)
#   make kernel             build the test kernel; print its tree and bzImage
#   make kernel-path        print them without building
#   make setup              install what the project needs (idempotent)
#
# KERNEL=7.3 (default) or KERNEL=6.12 selects the test kernel.

KERNEL ?= 7.3
S := scripts

.PHONY: all module setup kernel kernel-path run test soak bench kbench clean

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
	@KERNELS_UNDER_TEST="$(if $(filter command line,$(origin KERNEL)),$(KERNEL))" bash $(S)/test.sh

# The balloon soak: 6.12 (PREEMPT_NONE, the incident's kind) unless KERNEL
# is given on the command line.
soak: setup
	@KERNEL=$(if $(filter command line,$(origin KERNEL)),$(KERNEL),6.12) bash $(S)/soak.sh

bench:
	@bash $(S)/bench.sh

kbench:
	@KERNEL=$(KERNEL) bash $(S)/kbench.sh

clean:
	rm -rf out rust_lz4.ko
