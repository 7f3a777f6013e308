/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rt.h - shared helpers for the ring library's userspace tests.
 *
 * Two "windows" stand in for the two nodes' inbound memory: node A sends
 * on the ring whose records and producer line live in B's window, and
 * reads the consumer line that B writes into A's window.
 */
#ifndef RT_H
#define RT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ntbring.h"

extern int rt_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		rt_failures++;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, "	\
			"%s == %lld\n", __FILE__, __LINE__, #a, _a,	\
			#b, _b);					\
		rt_failures++;						\
	}								\
} while (0)

/* Pointers into the windows for the A->B ring. */
static inline void *rt_recs(void *win_b)
{
	return (char *)win_b + NTBRING_OFF_RECS;
}

static inline struct ntbring_prod_line *rt_pl(void *win_b)
{
	return (struct ntbring_prod_line *)((char *)win_b + NTBRING_OFF_PROD);
}

static inline struct ntbring_cons_line *rt_cl(void *win_a)
{
	return (struct ntbring_cons_line *)((char *)win_a + NTBRING_OFF_CONS);
}

/* Attach both ends of the A->B ring, consumer first as in the handshake. */
static inline int rt_attach(struct ntbring_tx *tx, struct ntbring_rx *rx,
			    const struct ntbring_geom *g, void *win_a,
			    void *win_b, uint32_t start)
{
	if (ntbring_rx_init(rx, g, rt_recs(win_b), rt_pl(win_b),
			    rt_cl(win_a), start))
		return -1;
	return ntbring_tx_init(tx, g, rt_recs(win_b), rt_pl(win_b),
			       rt_cl(win_a), start);
}

/* Deterministic payload: byte i of frame n; every byte is checked. */
static inline uint8_t rt_byte(uint64_t n, uint32_t i)
{
	uint64_t x = (n + 1) * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull;

	x ^= x >> 29;
	return (uint8_t)(x ^ (x >> 17));
}

static inline void rt_fill(uint8_t *buf, uint64_t n, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = rt_byte(n, i);
}

/* Returns the first mismatching offset, or len if all bytes match. */
static inline uint32_t rt_verify(const uint8_t *buf, uint64_t n, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != rt_byte(n, i))
			return i;
	return len;
}

static inline uint64_t rt_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

#endif /* RT_H */
