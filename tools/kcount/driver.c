// SPDX-License-Identifier: GPL-2.0
/*
 * Driver of scripts/kcount.sh: compresses FILE block by block with liblz4
 * and decodes every block once with one decoder, checking the output.
 *
 *   driver FILE BLOCK CAP rust|c
 *
 * run_rust() and run_c() are the functions whose instructions callgrind
 * counts (--toggle-collect).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>

long kcount_rust(const char *src, size_t src_len, char *dst, size_t dst_cap);
int kernel_lz4(const char *src, char *dst, int src_len, int dst_cap)
	__asm__("LZ4_decompress_safe");

/* The kernel's memcpy on x86 is a rep movsb (FSRM); both objects call it. */
void *kcount_memcpy(void *d, const void *s, size_t n)
{
	void *r = d;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}

__attribute__((noinline)) long run_rust(const char *s, size_t sl, char *d, size_t dc)
{
	return kcount_rust(s, sl, d, dc);
}

__attribute__((noinline)) long run_c(const char *s, size_t sl, char *d, size_t dc)
{
	return kernel_lz4(s, d, (int)sl, (int)dc);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s FILE BLOCK CAP rust|c\n", argv[0]);
		return 2;
	}
	size_t bs = strtoul(argv[2], NULL, 0), cap = strtoul(argv[3], NULL, 0);
	int rust = strcmp(argv[4], "rust") == 0;
	FILE *f = fopen(argv[1], "rb");
	if (!f || bs == 0 || bs > (1u << 30)) {
		perror(argv[1]);
		return 2;
	}
	char *in = malloc(cap), *out = malloc(bs), *cb = malloc(LZ4_compressBound(bs));
	size_t n = fread(in, 1, cap, f);
	fclose(f);
	for (size_t off = 0; off < n; off += bs) {
		size_t len = n - off < bs ? n - off : bs;
		int cl = LZ4_compress_default(in + off, cb, len, LZ4_compressBound(bs));
		long got = rust ? run_rust(cb, cl, out, len) : run_c(cb, cl, out, len);
		if (got != (long)len || memcmp(out, in + off, len)) {
			fprintf(stderr, "%s: block at %zu decoded wrong (%ld)\n", argv[4], off, got);
			return 1;
		}
	}
	return 0;
}
