#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: only the in-kernel benchmark (Rust decoder against the
# kernel's LZ4_decompress_safe()), for `make kbench` and for tuning.
# Options on the kernel command line (the kernel hands them to /init as
# environment): RLZ4_KBENCH_CAP (bytes of each corpus, default 16M),
# RLZ4_KBENCH_MS (time per cell, default 1000), RLZ4_KBENCH_FILES
# (comma-separated corpus names, default all of them), RLZ4_KBENCH_BS
# (comma-separated block sizes, default 4K,128K,1M,16M).
. /tests/lib.sh

files=
for f in $(echo "${RLZ4_KBENCH_FILES:-}" | tr , ' '); do files="$files /bench/$f"; done

ktap_begin 2
ok load insmod $KO
rlz4 kbench --cap "${RLZ4_KBENCH_CAP:-16M}" --min-ms "${RLZ4_KBENCH_MS:-1000}" \
	${RLZ4_KBENCH_BS:+--block-sizes "$RLZ4_KBENCH_BS"} ${files:-/bench/*} 2>&1 | sed 's/^/# kbench: /'
ok unload unload
