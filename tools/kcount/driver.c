// SPDX-License-Identifier: GPL-2.0
/*
 * Driver of scripts/kcount.sh: compresses FILE block by block with liblz4
 * (or, with KCOUNT_COMPRESSOR=openzfs, OpenZFS's own compressor) and
 * decodes every block once with one decoder, checking the output.  Each
 * block is stored in the ZFS framing (4-byte big-endian length, then the
 * raw block): the Rust and kernel C decoders get the raw block, OpenZFS's
 * zfs_lz4_decompress_buf() the framed one.
 *
 *   driver FILE BLOCK CAP rust|c|zfs
 *   driver FILE BLOCK CAP time ROUNDS
 *
 * run_rust(), run_c() and run_zfs() are the functions whose instructions
 * callgrind counts (--toggle-collect).  The time mode compresses every
 * block first, then runs ROUNDS rounds, each decoding all blocks with the
 * Rust decoder, the C one and OpenZFS's, and prints the fastest round of
 * each in MB/s (10^6 bytes of output per second) and the ratios C time /
 * Rust time and OpenZFS time / Rust time: the kernel builds' machine code,
 * timed on this CPU.
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
/* OpenZFS 2.4.4's module/zfs/lz4_zfs.c (symbols prefixed by kcount.sh). */
int zfs244_zfs_lz4_decompress_buf(void *s, void *d, size_t s_len, size_t d_len, int n);
size_t zfs244_zfs_lz4_compress_buf(void *s, void *d, size_t s_len, size_t d_len, int n);
void zfs244_lz4_init(void);

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

/* The framed block at s; OpenZFS 2.4.4 accepts only exactly dc bytes. */
__attribute__((noinline)) long run_zfs(const char *s, size_t sl, char *d, size_t dc)
{
	return zfs244_zfs_lz4_decompress_buf((void *)s, d, sl, dc, 0) ? -1 : (long)dc;
}

enum { RUST, C, ZFS };

/* One decoder on block cb (framed, cl bytes of raw block after the header). */
static long run(int dec, const char *cb, int cl, char *out, size_t len)
{
	switch (dec) {
	case RUST:
		return run_rust(cb + 4, cl, out, len);
	case C:
		return run_c(cb + 4, cl, out, len);
	default:
		return run_zfs(cb, cl + 4, out, len);
	}
}

/*
 * Compresses in[0..len) into cb (room for the LZ4 bound + 4) in the ZFS
 * framing; returns the raw block's length, or -1.  OpenZFS's compressor
 * gets 7/8 of the block, as in zio_compress_data(): exit status 3 when a
 * block does not fit, which a pool stores uncompressed.
 */
static int compress(const char *in, size_t len, char *cb, size_t bs)
{
	static int zfs = -1;
	int cl;

	if (zfs < 0) {
		const char *e = getenv("KCOUNT_COMPRESSOR");

		zfs = e && strcmp(e, "openzfs") == 0;
		if (zfs)
			zfs244_lz4_init();
	}
	if (zfs) {
		size_t n = zfs244_zfs_lz4_compress_buf((void *)in, cb, len, len - len / 8, 0);

		if (n >= len || n < 4) {
			fprintf(stderr, "OpenZFS would store a block uncompressed\n");
			exit(3);
		}
		cl = (int)n - 4;
	} else {
		cl = LZ4_compress_default(in, cb + 4, len, LZ4_compressBound(bs));
		if (cl <= 0)
			return -1;
	}
	cb[0] = (char)(cl >> 24);
	cb[1] = (char)(cl >> 16);
	cb[2] = (char)(cl >> 8);
	cb[3] = (char)cl;
	return cl;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* One round of the time mode: every block with one decoder, in seconds. */
static double round_time(int dec, char **cb, const int *cl, const size_t *len,
			 size_t nb, char *out)
{
	double t0 = now();

	for (size_t i = 0; i < nb; i++) {
		if (run(dec, cb[i], cl[i], out, len[i]) != (long)len[i])
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
	double best[3] = { 1e30, 1e30, 1e30 };
	static const char *const names[] = { "rust", "c", "zfs" };

	if (!cb || !out || !cl || !len)
		return 2;
	for (size_t i = 0; i < nb; i++) {
		len[i] = n - i * bs < bs ? n - i * bs : bs;
		cb[i] = malloc(LZ4_compressBound(bs) + 4);
		if (!cb[i])
			return 2;
		cl[i] = compress(in + i * bs, len[i], cb[i], bs);
		if (cl[i] < 0) {
			fprintf(stderr, "block %zu does not compress\n", i);
			return 2;
		}
	}
	/* Alternated: each round runs the three decoders, in turn first. */
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 3; k++) {
			int dec = (r + k) % 3;
			double t = round_time(dec, cb, cl, len, nb, out);

			if (t < 0) {
				fprintf(stderr, "%s: a block decoded wrong\n", names[dec]);
				return 1;
			}
			if (t < best[dec])
				best[dec] = t;
		}
	}
	printf("%.0f %.0f %.0f %.3f %.3f\n", n / best[RUST] / 1e6, n / best[C] / 1e6,
	       n / best[ZFS] / 1e6, best[C] / best[RUST], best[ZFS] / best[RUST]);
	return 0;
}

int main(int argc, char **argv)
{
	int timed = argc == 6 && strcmp(argv[4], "time") == 0;

	if (argc != 5 && !timed) {
		fprintf(stderr, "usage: %s FILE BLOCK CAP rust|c|zfs\n"
			"       %s FILE BLOCK CAP time ROUNDS\n", argv[0], argv[0]);
		return 2;
	}
	size_t bs = strtoul(argv[2], NULL, 0), cap = strtoul(argv[3], NULL, 0);
	int dec = strcmp(argv[4], "rust") == 0 ? RUST : strcmp(argv[4], "c") == 0 ? C : ZFS;
	FILE *f = fopen(argv[1], "rb");
	if (!f || bs == 0 || bs > (1u << 30)) {
		perror(argv[1]);
		return 2;
	}
	char *in = malloc(cap), *out = malloc(bs), *cb = malloc(LZ4_compressBound(bs) + 4);
	size_t n = fread(in, 1, cap, f);
	fclose(f);
	if (timed)
		return time_mode(in, n, bs, atoi(argv[5]));
	for (size_t off = 0; off < n; off += bs) {
		size_t len = n - off < bs ? n - off : bs;
		int cl = compress(in + off, len, cb, bs);
		long got = cl < 0 ? -1 : run(dec, cb, cl, out, len);
		if (got != (long)len || memcmp(out, in + off, len)) {
			fprintf(stderr, "%s: block at %zu decoded wrong (%ld)\n", argv[4], off, got);
			return 1;
		}
	}
	return 0;
}
