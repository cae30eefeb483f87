#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that the decoder's hot loops each lie within one page of the module.
#
#   hot-pages.sh KO [PAGE]
#
# lz4/block.rs places hot_run(), copy_match_out() and decode_body() at the
# start of page-aligned sections of their own: under QEMU's TCG, which runs
# the test kernels, a jump to another guest page is not chained, and a loop
# across a page boundary runs at half speed or less.  decode_body() has two
# instances; the one without a budget (NoYield), which decodes every small
# block, must fit.  The module's text is loaded
# page-aligned, so a function lies within one page when its offset in its
# section, modulo PAGE (4096), plus its size is at most PAGE and the section
# is aligned to PAGE.  Prints one line per function; exits 1 if one does not
# fit (a smaller PAGE is the negative control of `make test`).
set -euo pipefail

ko=${1:?usage: hot-pages.sh KO [PAGE]}
page=${2:-4096}
status=0
for fn in hot_run copy_match_out 'decode_body.*NoYield'; do
	# Symbol: value, size, section index (readelf -sW columns 2, 3, 7).
	read -r value size ndx < <(readelf -sW "$ko" |
		awk -v fn="$fn" '$8 ~ ("block[0-9]+" fn) { print $2, $3, $7; exit }') || true
	if [ -z "${value:-}" ]; then
		echo "$fn: no such symbol in $ko"
		status=1
		continue
	fi
	# Section alignment: last column of its readelf -SW line.
	align=$(readelf -SW "$ko" | sed -n "s/^ *\[ *$ndx\] //p" | awk '{ print $NF }')
	off=$((0x$value % page))
	end=$((off + size))
	if [ "$align" -ge "$page" ] && [ "$end" -le "$page" ]; then
		echo "$fn: $size bytes at page offset $off (section aligned to $align)"
	else
		echo "$fn: $size bytes at page offset $off, section aligned to $align: not within one $page-byte page"
		status=1
	fi
	unset value
done
exit $status
