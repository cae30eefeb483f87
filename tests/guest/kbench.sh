#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: only the in-kernel benchmark (Rust decoder against the
# kernel's LZ4_decompress_safe()), for `make kbench` and for tuning.
# Options on the kernel command line: RLZ4_KBENCH_CAP (bytes of each corpus,
# default 16M), RLZ4_KBENCH_MS (time per cell, default 200).
. /tests/lib.sh

ktap_begin 2
ok load insmod $KO
rlz4 kbench --cap "${RLZ4_KBENCH_CAP:-16M}" --min-ms "${RLZ4_KBENCH_MS:-200}" /bench/* 2>&1 | sed 's/^/# kbench: /'
ok unload unload
