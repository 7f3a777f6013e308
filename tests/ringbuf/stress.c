// SPDX-License-Identifier: GPL-2.0
/*
 * stress.c - one producer, one consumer, shared memory, every byte checked.
 *
 * How to use, by example:
 *   build/ringbuf/stress                 # fork: two processes, 3M frames
 *   build/ringbuf/stress -t -n 200000    # two threads (for TSan)
 *   build/ringbuf/stress -n 1000000 -d 40 -r 64 -c 512 -m 9000 -s 7
 *
 * -n frames, -d deadline in seconds (the producer stops early, the run
 * still passes if at least -M frames crossed), -r/-c/-m geometry, -s seed.
 *
 * Frame n has a length and content derived from (seed, n) alone, so the
 * consumer checks order, length and every payload byte. Doorbells are
 * counters in shared memory; a side that waits for one gives up after
 * DB_TIMEOUT seconds and the test fails: that is a lost wakeup.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "rt.h"

int rt_failures;

#define DB_TIMEOUT	20.0

struct ctl {
	uint32_t db_data;	/* producer -> consumer doorbell count */
	uint32_t db_space;	/* consumer -> producer doorbell count */
	uint32_t done;		/* producer finished, total is valid */
	uint32_t failed;
	uint64_t total;
	uint64_t received;
	uint64_t data_doorbells, space_doorbells, space_waits, arms;
};

static struct ntbring_geom geom = { 128, 256, 9000 };
static uint64_t nframes = 3000000, seed = 1, min_frames = 100000;
static double deadline_s = 40;
static struct ctl *ctl;
static uint8_t *win_a, *win_b;
static struct ntbring_tx tx;
static struct ntbring_rx rx;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Mostly small frames, some medium, a few up to max_len. */
static uint32_t frame_len(uint64_t n)
{
	uint64_t r = mix(seed * 1000003 + n);
	uint32_t pick = r % 100;

	r >>= 8;
	if (pick < 70)
		return 1 + r % 256;
	if (pick < 95)
		return 1 + r % 2048;
	return 1 + r % geom.max_len;
}

static void gen(uint8_t *buf, uint64_t n, uint32_t len)
{
	uint64_t x = mix(n ^ (seed << 40)) | 1;
	uint32_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	x ^= x << 13;
	for (; i < len; i++, x >>= 8)
		buf[i] = (uint8_t)x;
}

static void fail(const char *who, const char *what, uint64_t n)
{
	fprintf(stderr, "%s: %s at frame %llu\n", who, what,
		(unsigned long long)n);
	__atomic_store_n(&ctl->failed, 1, __ATOMIC_SEQ_CST);
}

static void ring(uint32_t *db)
{
	__atomic_fetch_add(db, 1, __ATOMIC_SEQ_CST);
}

/* Wait for the counter to move past seen; false on timeout or failure. */
static bool wait_db(uint32_t *db, uint32_t seen)
{
	double t0 = now();
	unsigned int spins = 0;

	while (__atomic_load_n(db, __ATOMIC_ACQUIRE) == seen) {
		if (__atomic_load_n(&ctl->failed, __ATOMIC_RELAXED))
			return false;
		sched_yield();
		if (++spins % 256 == 0 && now() - t0 > DB_TIMEOUT)
			return false;
	}
	return true;
}

static void producer(void)
{
	struct ntbring_slot slots[32];
	uint8_t *buf = malloc(geom.max_len);
	uint64_t n = 0, r = seed;
	double end = now() + deadline_s;

	while (n < nframes && !__atomic_load_n(&ctl->failed, __ATOMIC_RELAXED)) {
		uint32_t batch = 1 + rt_rand(&r) % 32, j, k, nslots = 0;
		bool dma = rt_rand(&r) % 4 == 0;

		if ((n & 1023) == 0 && now() > end && n >= min_frames)
			break;
		for (k = 0; k < batch && n < nframes; k++) {
			uint32_t len = frame_len(n), flags = 0, off, piece;
			struct ntbring_slot *s = &slots[nslots];
			int ret;

			if (dma || rt_rand(&r) % 8 == 0)
				flags = NTBRING_RESERVE_CONTIG;
			ret = ntbring_tx_reserve(&tx, len, flags, 0, s);
			if (ret == -ENOSPC) {
				uint32_t seen;

				/* Outstanding "DMA" frames complete first. */
				for (j = 0; j < nslots; j++)
					ntbring_tx_commit(&tx, &slots[j]);
				nslots = 0;
				if (ntbring_tx_publish(&tx)) {
					ctl->data_doorbells++;
					ring(&ctl->db_data);
				}
				seen = __atomic_load_n(&ctl->db_space,
						       __ATOMIC_ACQUIRE);
				ctl->space_waits++;
				if (ntbring_tx_wait_space(&tx,
					ntbring_nrec(geom.rec_size, len) * 2))
					continue;
				if (!wait_db(&ctl->db_space, seen)) {
					fail("producer", "lost space doorbell",
					     n);
					return;
				}
				continue;
			}
			if (ret) {
				fail("producer", "reserve error", n);
				return;
			}
			gen(buf, n, len);
			if (dma) {
				/* Play DMA engine: write at the offsets. */
				memcpy(win_b + NTBRING_OFF_RECS + s->off[0],
				       buf, s->n[0]);
				memcpy(win_b + NTBRING_OFF_RECS + s->off[1],
				       buf + s->n[0], s->n[1]);
				nslots++;
			} else {
				/* Scatter-gather in up to four pieces. */
				for (off = 0; off < len; off += piece) {
					piece = 1 + rt_rand(&r) % len;
					if (piece > len - off)
						piece = len - off;
					ntbring_tx_write(&tx, s, buf + off,
							 piece);
				}
				if (nslots) {
					/* Keep completions in order. */
					nslots++;
				} else if (ntbring_tx_commit(&tx, s)) {
					fail("producer", "commit", n);
					return;
				}
			}
			n++;
		}
		for (k = 0; k < nslots; k++) {
			if (ntbring_tx_commit(&tx, &slots[k])) {
				fail("producer", "dma commit", n);
				return;
			}
		}
		if (ntbring_tx_publish(&tx)) {
			ctl->data_doorbells++;
			ring(&ctl->db_data);
		}
	}
	ctl->total = n;
	__atomic_store_n(&ctl->done, 1, __ATOMIC_SEQ_CST);
	/* The end of the run is an event the consumer must not sleep through. */
	ring(&ctl->db_data);
	if (tx.bad_out)
		fail("producer", "rejected consumer index", n);
	free(buf);
}

static void consumer(void)
{
	struct ntbring_frame f;
	uint8_t *exp = malloc(geom.max_len), *cp = malloc(geom.max_len);
	uint64_t n = 0, r = seed * 7;
	uint32_t since = 0, batch = 16;
	int ret;

	for (;;) {
		if (__atomic_load_n(&ctl->failed, __ATOMIC_RELAXED))
			break;
		ret = ntbring_rx_peek(&rx, &f);
		if (ret == 0) {
			uint32_t len = frame_len(n);

			if (f.len != len) {
				fail("consumer", "wrong length", n);
				break;
			}
			gen(exp, n, len);
			if (rt_rand(&r) & 1) {
				if (memcmp(f.p[0], exp, f.n[0]) ||
				    (f.n[1] && memcmp(f.p[1], exp + f.n[0],
						      f.n[1]))) {
					fail("consumer", "payload mismatch", n);
					break;
				}
			} else {
				ntbring_rx_copy(&f, cp, 0, f.len);
				if (memcmp(cp, exp, len)) {
					fail("consumer", "copy mismatch", n);
					break;
				}
			}
			ntbring_rx_next(&rx, &f);
			n++;
			if (++since >= batch) {
				since = 0;
				batch = 1 + rt_rand(&r) % 64;
				if (ntbring_rx_release(&rx)) {
					ctl->space_doorbells++;
					ring(&ctl->db_space);
				}
			}
			continue;
		}
		if (ret != -EAGAIN) {
			fail("consumer", ntbring_bad_name(f.reason), n);
			break;
		}
		since = 0;
		if (ntbring_rx_release(&rx)) {
			ctl->space_doorbells++;
			ring(&ctl->db_space);
		}
		if (__atomic_load_n(&ctl->done, __ATOMIC_ACQUIRE) &&
		    n == ctl->total) {
			break;
		} else {
			uint32_t seen = __atomic_load_n(&ctl->db_data,
							__ATOMIC_ACQUIRE);

			ctl->arms++;
			if (ntbring_rx_arm(&rx))
				continue;
			if (__atomic_load_n(&ctl->done, __ATOMIC_ACQUIRE))
				continue;
			if (!wait_db(&ctl->db_data, seen)) {
				fail("consumer", "lost data doorbell", n);
				break;
			}
		}
	}
	ctl->received = n;
	free(exp);
	free(cp);
}

static void *producer_thread(void *arg)
{
	(void)arg;
	producer();
	return NULL;
}

int main(int argc, char **argv)
{
	bool threads = false;
	size_t area;
	double t0;
	int c;

	while ((c = getopt(argc, argv, "tn:d:r:c:m:s:M:")) != -1) {
		switch (c) {
		case 't': threads = true; break;
		case 'n': nframes = strtoull(optarg, NULL, 0); break;
		case 'd': deadline_s = atof(optarg); break;
		case 'r': geom.rec_size = strtoul(optarg, NULL, 0); break;
		case 'c': geom.rec_count = strtoul(optarg, NULL, 0); break;
		case 'm': geom.max_len = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'M': min_frames = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-t] [-n frames] [-d secs] "
				"[-r rec_size] [-c count] [-m max_len] "
				"[-s seed] [-M min_frames]\n", argv[0]);
			return 2;
		}
	}
	if (ntbring_geom_check(&geom)) {
		fprintf(stderr, "bad geometry\n");
		return 2;
	}
	if (min_frames > nframes)
		min_frames = nframes;
	area = ntbring_area_size(&geom);
	ctl = mmap(NULL, 4096 + 2 * area, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	win_a = (uint8_t *)ctl + 4096;
	win_b = win_a + area;
	/* Both ends attach before traffic starts, as after the handshake. */
	if (rt_attach(&tx, &rx, &geom, win_a, win_b, (uint32_t)mix(seed))) {
		fprintf(stderr, "attach failed\n");
		return 2;
	}
	t0 = now();
	if (threads) {
		pthread_t pt;

		if (pthread_create(&pt, NULL, producer_thread, NULL)) {
			perror("pthread_create");
			return 2;
		}
		consumer();
		pthread_join(pt, NULL);
	} else {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			producer();
			_exit(0);
		}
		consumer();
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			fprintf(stderr, "producer process died\n");
			ctl->failed = 1;
		}
	}
	printf("stress %s: %llu frames sent, %llu received in %.1f s; "
	       "doorbells data %llu space %llu; space waits %llu; arms %llu\n",
	       threads ? "threads" : "processes",
	       (unsigned long long)ctl->total,
	       (unsigned long long)ctl->received, now() - t0,
	       (unsigned long long)ctl->data_doorbells,
	       (unsigned long long)ctl->space_doorbells,
	       (unsigned long long)ctl->space_waits,
	       (unsigned long long)ctl->arms);
	if (ctl->failed || ctl->received != ctl->total ||
	    ctl->total < min_frames) {
		printf("stress: FAILED\n");
		return 1;
	}
	printf("stress: ok\n");
	return 0;
}
