// SPDX-License-Identifier: GPL-2.0
/*
 * insn.c - the ring's cost per frame in instructions, under callgrind.
 *
 * How to use, by example:
 *   make bench-ring-insn                     # the table (tests/ringbuf/insn-count)
 *   valgrind --tool=callgrind --collect-atstart=no build/ringbuf/insn
 *   build/ringbuf/insn -f 1500 -n 4096       # one size, 4096 frames
 *
 * Wall-clock figures on a shared machine are noise; instruction counts
 * are not. This program is the deterministic half of bench-ring: one
 * thread plays producer and consumer in turn, a fixed number of frames,
 * no clock, no polling loop whose length depends on timing. For each
 * frame size it pushes frames through the ring in batches, as a driver
 * does:
 *
 *   producer, per frame: ntbring_tx_reserve(), ntbring_tx_write() of the
 *                        whole payload, ntbring_tx_commit();
 *            per batch:  ntbring_tx_publish();
 *   consumer, per frame: ntbring_rx_peek(), ntbring_rx_copy() of the
 *                        whole payload, ntbring_rx_next();
 *            per batch:  one more ntbring_rx_peek() that finds the ring
 *                        empty (-EAGAIN), ntbring_rx_release().
 *
 * A batch is BATCH_FRAMES frames, or fewer so that it fills at most an
 * eighth of the ring (bench.c's rule). Ring setup and a warm-up of two
 * laps (the first lap never refreshes the consumer index; lazy binding
 * of memcpy) run with collection off; only the measured frames run
 * between the two CALLGRIND_TOGGLE_COLLECT, and each size ends with a
 * CALLGRIND_DUMP_STATS_AT("insn frame=<size> frames=<n>") that
 * tests/ringbuf/insn-count reads. Under callgrind that counts every
 * instruction of the calls above, the libc memcpy they make included,
 * plus this loop's own few per frame; outside valgrind the client
 * requests are a handful of no-op instructions.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rt.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#define RUNNING_ON_VALGRIND 0
#endif

int rt_failures;

#define BATCH_FRAMES 32
#define MAX_FRAME 65536u

static const struct ntbring_geom geom = {
	NTBRING_REC_SIZE_DEFAULT, NTBRING_REC_COUNT_DEFAULT, MAX_FRAME + 64
};

struct ring {
	struct ntbring_tx tx __attribute__((aligned(128)));
	struct ntbring_rx rx __attribute__((aligned(128)));
	uint8_t *wa, *wb, *src, *dst;
	uint32_t size, batch;
};

static void die(const char *what, uint64_t frame)
{
	fprintf(stderr, "insn: %s at frame %llu\n", what,
		(unsigned long long)frame);
	exit(1);
}

/*
 * @n frames of r->size bytes through the ring, a batch at a time. Every
 * frame the producer offers is consumed within its batch, so reserve
 * failing means the ring is broken, not full.
 */
static void run(struct ring *r, uint64_t n)
{
	struct ntbring_slot s;
	struct ntbring_frame f;
	uint64_t i = 0;
	uint32_t b, k;

	while (i < n) {
		b = n - i < r->batch ? (uint32_t)(n - i) : r->batch;
		for (k = 0; k < b; k++) {
			if (ntbring_tx_reserve(&r->tx, r->size, 0, 0, &s) ||
			    ntbring_tx_write(&r->tx, &s, r->src, r->size) ||
			    ntbring_tx_commit(&r->tx, &s))
				die("producer", i + k);
		}
		ntbring_tx_publish(&r->tx);
		for (k = 0; k < b; k++) {
			if (ntbring_rx_peek(&r->rx, &f) || f.len != r->size)
				die("consumer", i + k);
			ntbring_rx_copy(&f, r->dst, 0, f.len);
			ntbring_rx_next(&r->rx, &f);
		}
		if (ntbring_rx_peek(&r->rx, &f) != -EAGAIN)
			die("ring not empty after batch", i + b);
		ntbring_rx_release(&r->rx);
		i += b;
	}
}

static int measure(uint32_t size, uint64_t frames)
{
	size_t area = ntbring_area_size(&geom);
	size_t alloc = (area + 4095) & ~(size_t)4095;
	uint32_t nrec = ntbring_nrec(geom.rec_size, size);
	struct ring *r;
	char desc[64];

	if (!size || size > MAX_FRAME) {
		fprintf(stderr, "insn: frame size 1..%u\n", MAX_FRAME);
		return 2;
	}
	r = aligned_alloc(128, sizeof(*r));
	if (!r)
		return 1;
	memset(r, 0, sizeof(*r));
	r->wa = aligned_alloc(4096, alloc);
	r->wb = aligned_alloc(4096, alloc);
	r->src = aligned_alloc(4096, MAX_FRAME);
	r->dst = aligned_alloc(4096, MAX_FRAME);
	if (!r->wa || !r->wb || !r->src || !r->dst)
		return 1;
	memset(r->wa, 0, alloc);
	memset(r->wb, 0, alloc);
	rt_fill(r->src, 0, size);
	memset(r->dst, 0, MAX_FRAME);
	r->size = size;
	r->batch = geom.rec_count / 8 / nrec;
	if (r->batch > BATCH_FRAMES)
		r->batch = BATCH_FRAMES;
	if (!r->batch)
		r->batch = 1;
	if (rt_attach(&r->tx, &r->rx, &geom, r->wa, r->wb, 0))
		return 2;

	/* Warm-up, not counted: two laps of the ring. */
	run(r, 2 * (geom.rec_count / nrec + 1));

	CALLGRIND_TOGGLE_COLLECT;
	run(r, frames);
	CALLGRIND_TOGGLE_COLLECT;
	snprintf(desc, sizeof(desc), "insn frame=%u frames=%llu", size,
		 (unsigned long long)frames);
	CALLGRIND_DUMP_STATS_AT(desc);

	/* The last frame arrived whole (outside the count). */
	if (memcmp(r->src, r->dst, size))
		die("payload differs", frames);
	printf("%s batch=%u records/frame=%u\n", desc, r->batch, nrec);
	free(r->wa);
	free(r->wb);
	free(r->src);
	free(r->dst);
	free(r);
	return 0;
}

int main(int argc, char **argv)
{
	/* Sizes and counts of the baseline: each runs the ring for 4+ laps. */
	static const struct { uint32_t size; uint64_t frames; } pts[] = {
		{ 64, 65536 }, { 1500, 16384 }, { 65536, 1024 },
	};
	uint32_t one = 0;
	uint64_t n = 0;
	int c, ret;

	while ((c = getopt(argc, argv, "f:n:")) != -1) {
		switch (c) {
		case 'f': one = strtoul(optarg, NULL, 0); break;
		case 'n': n = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-f frame_size [-n frames]]\n",
				argv[0]);
			return 2;
		}
	}
	if (ntbring_geom_check(&geom))
		return 2;
	if (!RUNNING_ON_VALGRIND)
		fprintf(stderr, "insn: not under valgrind, nothing is counted "
			"(tests/ringbuf/insn-count runs it under callgrind)\n");
	if (one)
		return measure(one, n ? n : 1024);
	for (size_t i = 0; i < ARRAY_SIZE(pts); i++) {
		ret = measure(pts[i].size, pts[i].frames);
		if (ret)
			return ret;
	}
	return 0;
}
