// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz.c - the consumer and the handshake decoder against arbitrary bytes.
 *
 * How to use, by example:
 *   make fuzz-ring FUZZ_SECONDS=60          # libFuzzer (clang), corpus kept
 *   build/ringbuf/fuzz -max_total_time=30   # the same binary by hand
 *   build/ringbuf/fuzz-asan 20000           # gcc build: 20000 generated
 *                                           # inputs (valid rings, mutated)
 *
 * Input layout: 8 bytes pick the geometry and start index, the rest is
 * copied over the receiver's producer line and record array (what a
 * hostile or broken peer controls), with more bytes used as successive
 * producer index values. The windows are allocated at their exact size so
 * ASan reports any access outside them; the loops are bounded so a hang
 * is the library's, and libFuzzer's -timeout reports it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rt.h"

int rt_failures;

#define FUZZ_HDR 8

static void die(const char *what)
{
	fprintf(stderr, "fuzz invariant broken: %s\n", what);
	abort();
}

static void geom_from(const uint8_t *d, struct ntbring_geom *g, uint32_t *start)
{
	g->rec_size = 64u << (d[0] % 4);		/* 64..512 */
	g->rec_count = 2u << (d[1] % 7);		/* 2..128 */
	g->max_len = 1 + ((uint32_t)d[2] | (uint32_t)d[3] << 8);
	while (ntbring_geom_check(g))
		g->max_len = g->max_len / 2 + 1;	/* shrink until legal */
	memcpy(start, d + 4, 4);
}

static void fuzz_one(const uint8_t *data, size_t size)
{
	struct ntbring_geom g = { 0, 0, 0 };
	struct ntbring_rx rx;
	struct ntbring_frame f;
	struct ntbring_hs hs;
	uint32_t start, area, w[NTBRING_W_COUNT], h[NTBRING_H_COUNT], i, iters;
	uint8_t *wa, *wb, *copy;
	size_t n, used;

	if (size >= sizeof(w) + sizeof(h) + 8) {
		memcpy(w, data, sizeof(w));
		memcpy(h, data + sizeof(w), sizeof(h));
		memcpy(&i, data + sizeof(w) + sizeof(h), 4);
		if (ntbring_words_decode(w, i, &hs) == NTBRING_HS_OK &&
		    (hs.win_size < NTBRING_OFF_RECS || !hs.gen))
			die("handshake accepted a window without room");
		memcpy(&i, data + sizeof(w) + sizeof(h) + 4, 4);
		if (ntbring_words_decode(w, w[NTBRING_W_GEN], &hs) ==
		    NTBRING_HS_OK &&
		    ntbring_hello_decode(h, i, h[NTBRING_H_FOR_GEN], &hs) ==
		    NTBRING_HS_OK &&
		    (ntbring_geom_check(&hs.rx) ||
		     ntbring_area_size(&hs.rx) > hs.win_size))
			die("handshake accepted a bad geometry");
	}
	if (size < FUZZ_HDR)
		return;
	geom_from(data, &g, &start);
	area = ntbring_area_size(&g);
	wa = malloc(area);
	wb = malloc(area);
	copy = malloc(g.max_len);
	memset(wa, 0, area);
	memset(wb, 0, area);
	if (ntbring_rx_init(&rx, &g, wb + NTBRING_OFF_RECS, rt_pl(wb),
			    rt_cl(wa), start))
		die("init of a checked geometry failed");
	data += FUZZ_HDR;
	size -= FUZZ_HDR;
	/* The peer owns the producer line and the records. */
	n = size < NTBRING_LINE_SLOT ? size : NTBRING_LINE_SLOT;
	memcpy(wb + NTBRING_OFF_PROD, data, n);
	used = n;
	n = size - used;
	if (n > area - NTBRING_OFF_RECS)
		n = area - NTBRING_OFF_RECS;
	memcpy(wb + NTBRING_OFF_RECS, data + used, n);
	used += n;

	iters = 4 * g.rec_count + 64;
	for (i = 0; i < iters; i++) {
		int ret = ntbring_rx_peek(&rx, &f);

		if (ret == 0) {
			const uint8_t *lo = wb + NTBRING_OFF_RECS;
			const uint8_t *hi = wb + area;

			if (!f.len || f.len > g.max_len ||
			    f.n[0] + f.n[1] != f.len)
				die("bad frame length accepted");
			if (f.p[0] < lo || f.p[0] + f.n[0] > hi ||
			    (f.n[1] && (f.p[1] != lo || f.p[1] + f.n[1] > hi)))
				die("frame outside the record area");
			if (f.nrec > rx.in - rx.out || f.idx != rx.out)
				die("frame beyond the producer index");
			if (ntbring_rx_copy(&f, copy, 0, f.len) != f.len)
				die("short copy");
			ntbring_rx_next(&rx, &f);
		} else if (ret == -EBADMSG) {
			if (f.reason <= NTBRING_BAD_NONE ||
			    f.reason >= NTBRING_BAD_MAX)
				die("rejection without a reason");
			if (f.reason == NTBRING_BAD_INDEX && used + 4 > size)
				break;	/* would repeat forever: done */
			if (f.reason == NTBRING_BAD_INDEX) {
				memcpy(wb + NTBRING_OFF_PROD, data + used, 4);
				used += 4;
			}
		} else if (ret == -EAGAIN) {
			/* Next producer index from the input, if any. */
			if (used + 4 > size)
				break;
			memcpy(wb + NTBRING_OFF_PROD, data + used, 4);
			used += 4;
		} else {
			die("unexpected return value");
		}
		if (rx.in - rx.rel > rx.count || rx.out - rx.rel > rx.count)
			die("consumer state outside the ring");
		if (i % 3 == 0)
			ntbring_rx_release(&rx);
		if (i % 7 == 0)
			ntbring_rx_arm(&rx);
	}
	ntbring_rx_resync(&rx);
	free(copy);
	free(wa);
	free(wb);
}

#ifdef RT_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size);
	return 0;
}
#else
/* Build a valid ring image with the producer, then damage a few bytes. */
static size_t make_input(uint8_t *buf, size_t cap, uint64_t *r)
{
	struct ntbring_geom g;
	struct ntbring_tx tx;
	struct ntbring_rx rx;
	uint8_t *wa, *wb, payload[256];
	uint32_t start, area, i, k;
	size_t len;

	for (i = 0; i < FUZZ_HDR; i++)
		buf[i] = (uint8_t)rt_rand(r);
	geom_from(buf, &g, &start);
	area = ntbring_area_size(&g);
	if (FUZZ_HDR + area + 64 > cap)
		return 0;
	wa = calloc(1, area);
	wb = calloc(1, area);
	rt_attach(&tx, &rx, &g, wa, wb, start);
	memset(payload, 0x42, sizeof(payload));
	k = rt_rand(r) % (2 * g.rec_count);
	for (i = 0; i < k; i++) {
		struct ntbring_slot s;
		uint32_t l = 1 + rt_rand(r) % g.max_len;

		if (ntbring_tx_reserve(&tx, l, rt_rand(r) & 1, 0, &s))
			break;
		while (s.pos < l)
			ntbring_tx_write(&tx, &s, payload,
					 l - s.pos < 256 ? l - s.pos : 256);
		ntbring_tx_commit(&tx, &s);
		if (rt_rand(r) % 3 == 0) {
			ntbring_tx_publish(&tx);
			/* Let the consumer free some, so indices move. */
			memcpy(wa + NTBRING_OFF_CONS, wb + NTBRING_OFF_PROD, 4);
		}
	}
	ntbring_tx_publish(&tx);
	len = FUZZ_HDR;
	memcpy(buf + len, wb + NTBRING_OFF_PROD, NTBRING_LINE_SLOT);
	len += NTBRING_LINE_SLOT;
	memcpy(buf + len, wb + NTBRING_OFF_RECS, area - NTBRING_OFF_RECS);
	len += area - NTBRING_OFF_RECS;
	/* In the consumer's start position: rewind the saved out index. */
	memcpy(buf + 4, wa + NTBRING_OFF_CONS, 4);
	k = rt_rand(r) % 8;
	for (i = 0; i < k; i++)
		buf[FUZZ_HDR + rt_rand(r) % (len - FUZZ_HDR)] ^=
			(uint8_t)(1u << (rt_rand(r) % 8));
	k = rt_rand(r) % 4;
	for (i = 0; i < k; i++) {
		uint32_t v = (uint32_t)rt_rand(r);

		memcpy(buf + len, &v, 4);
		len += 4;
	}
	free(wa);
	free(wb);
	return len;
}

int main(int argc, char **argv)
{
	static uint8_t buf[FUZZ_HDR + NTBRING_OFF_RECS + 512 * 128 + 256];
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	uint64_t r = 0x1234567;
	unsigned long i;
	size_t len;

	for (i = 0; i < iters; i++) {
		if (i % 4 == 0) {
			/* Plain random bytes too. */
			len = rt_rand(&r) % 2048;
			for (size_t j = 0; j < len; j++)
				buf[j] = (uint8_t)rt_rand(&r);
		} else {
			len = make_input(buf, sizeof(buf), &r);
		}
		fuzz_one(buf, len);
	}
	printf("fuzz: %lu inputs ok\n", iters);
	return 0;
}
#endif
