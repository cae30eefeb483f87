// SPDX-License-Identifier: GPL-2.0
/*
 * Driver of scripts/kcount.sh: compresses FILE block by block with liblz4
 * and decodes every block once with one decoder, checking the output.
 *
 *   driver FILE BLOCK CAP rust|c
 *   driver FILE BLOCK CAP time ROUNDS
 *
 * run_rust() and run_c() are the functions whose instructions callgrind
 * counts (--toggle-collect).  The time mode compresses every block first,
 * then runs ROUNDS rounds, each decoding all blocks with the Rust decoder
 * and then with the C one, and prints the fastest round of each in MB/s
 * (10^6 bytes of output per second) and their ratio C time / Rust time:
 * the kernel builds' machine code, timed on this CPU.
 */
#include <stdint.h>
#include <time.h>
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

/*
 * The kernel's memmove, which the C decoder calls for a block's final
 * literals: with FSRM a forward rep movsb too, unless the destination
 * overlaps the source from above (never here: the buffers are apart).
 */
void *kcount_memmove(void *d, const void *s, size_t n)
{
	unsigned char *dd = d;
	const unsigned char *ss = s;

	/* The kernel's test, on addresses: no pointer difference across objects. */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return kcount_memcpy(d, s, n);
	while (n--)
		dd[n] = ss[n];
	return d;
}

__attribute__((noinline)) long run_rust(const char *s, size_t sl, char *d, size_t dc)
{
	return kcount_rust(s, sl, d, dc);
}

__attribute__((noinline)) long run_c(const char *s, size_t sl, char *d, size_t dc)
{
	return kernel_lz4(s, d, (int)sl, (int)dc);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* One round of the time mode: every block with one decoder, in seconds. */
static double round_time(int rust, char **cb, const int *cl, const size_t *len,
			 size_t nb, char *out)
{
	double t0 = now();

	for (size_t i = 0; i < nb; i++) {
		long got = rust ? run_rust(cb[i], cl[i], out, len[i]) :
				  run_c(cb[i], cl[i], out, len[i]);
		if (got != (long)len[i])
			return -1;
	}
	return now() - t0;
}

static int time_mode(const char *in, size_t n, size_t bs, int rounds)
{
	size_t nb = (n + bs - 1) / bs;
	char **cb = calloc(nb, sizeof(*cb)), *out = malloc(bs);
	int *cl = calloc(nb, sizeof(*cl));
	size_t *len = calloc(nb, sizeof(*len));
	double best[2] = { 1e30, 1e30 };

	if (!cb || !out || !cl || !len)
		return 2;
	for (size_t i = 0; i < nb; i++) {
		len[i] = n - i * bs < bs ? n - i * bs : bs;
		cb[i] = malloc(LZ4_compressBound(bs));
		if (!cb[i])
			return 2;
		cl[i] = LZ4_compress_default(in + i * bs, cb[i], len[i], LZ4_compressBound(bs));
	}
	for (int r = 0; r < rounds; r++) {
		for (int rust = 1; rust >= 0; rust--) {
			double t = round_time(rust, cb, cl, len, nb, out);

			if (t < 0) {
				fprintf(stderr, "%s: a block decoded wrong\n", rust ? "rust" : "c");
				return 1;
			}
			if (t < best[rust])
				best[rust] = t;
		}
	}
	printf("%.0f %.0f %.3f\n", n / best[1] / 1e6, n / best[0] / 1e6, best[0] / best[1]);
	return 0;
}

int main(int argc, char **argv)
{
	int timed = argc == 6 && strcmp(argv[4], "time") == 0;

	if (argc != 5 && !timed) {
		fprintf(stderr, "usage: %s FILE BLOCK CAP rust|c\n"
			"       %s FILE BLOCK CAP time ROUNDS\n", argv[0], argv[0]);
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
	if (timed)
		return time_mode(in, n, bs, atoi(argv[5]));
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
