// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - native ring throughput next to plain memcpy, in one run.
 *
 * How to use, by example:
 *   make bench-ring                          # default geometry, table
 *   build/ringbuf/bench -k 5 -t 1            # 5 runs of 1 s per point
 *   build/ringbuf/bench -r 128 -c 8192       # another geometry
 *   build/ringbuf/bench -f 1500 -k 9         # one frame size
 *   build/ringbuf/bench -S                   # record-size sweep, 2 MiB
 *
 * The producer thread (CPU 0) copies each frame from a source buffer into
 * the ring with ntbring_tx_write(); the consumer thread (CPU 1) copies it
 * out with ntbring_rx_copy() into a destination buffer, as a driver
 * copies into an skb. Both poll; indices are published once per batch.
 * The baseline is one thread doing memcpy() of the same frame sizes into
 * a region of the ring's size. Each point is run -k times, alternating
 * ring and memcpy, and the median is reported with the spread. "cpu%" is
 * the CPU share the two ring threads got (median); runs below -m (0.85)
 * are retried and counted under "drop": on a shared machine they measure
 * the neighbours.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rt.h"

int rt_failures;

#define MAX_RUNS 15
#define BATCH_FRAMES 32

static struct ntbring_geom geom = {
	NTBRING_REC_SIZE_DEFAULT, NTBRING_REC_COUNT_DEFAULT, 65536 + 64
};
static double secs = 0.5;
static int runs = 3;
static double min_share = 0.85;

/*
 * Producer state, consumer state and the shared read-mostly fields each
 * get their own 128-byte block: false sharing between the two threads'
 * private state would be measured as ring cost.
 */
struct run {
	struct ntbring_tx tx __attribute__((aligned(128)));
	struct ntbring_rx rx __attribute__((aligned(128)));
	uint8_t *wa __attribute__((aligned(128)));
	uint8_t *wb, *src, *dst;
	uint32_t size;
	volatile int go, stop;
	uint64_t frames;
	double t0, t1;
	double cpu_p, cpu_c;	/* CPU time each thread got during the run */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *producer(void *arg)
{
	struct run *r = arg;
	struct ntbring_slot s;
	uint32_t batch = 0, nrec = ntbring_nrec(geom.rec_size, r->size);
	uint32_t batch_max = geom.rec_count / 8 / nrec;

	if (batch_max > BATCH_FRAMES)
		batch_max = BATCH_FRAMES;
	if (!batch_max)
		batch_max = 1;
	double c0;

	pin(0);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		;
	c0 = cpu_now();
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		if (ntbring_tx_reserve(&r->tx, r->size, 0, 0, &s)) {
			ntbring_tx_publish(&r->tx);
			batch = 0;
			continue;
		}
		ntbring_tx_write(&r->tx, &s, r->src, r->size);
		ntbring_tx_commit(&r->tx, &s);
		if (++batch >= batch_max) {
			ntbring_tx_publish(&r->tx);
			batch = 0;
		}
	}
	r->cpu_p = cpu_now() - c0;
	return NULL;
}

static void *consumer(void *arg)
{
	struct run *r = arg;
	struct ntbring_frame f;
	uint64_t n = 0;
	uint32_t since = 0;
	double c0;
	int ret;

	pin(1);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		;
	r->t0 = now();
	c0 = cpu_now();
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		ret = ntbring_rx_peek(&r->rx, &f);
		if (ret == 0) {
			ntbring_rx_copy(&f, r->dst, 0, f.len);
			ntbring_rx_next(&r->rx, &f);
			n++;
			/*
			 * Release per batch, and at least every eighth of the
			 * ring, or big frames would drain it completely
			 * before the producer may refill.
			 */
			if (++since >= BATCH_FRAMES ||
			    r->rx.out - r->rx.rel >= geom.rec_count / 8) {
				ntbring_rx_release(&r->rx);
				since = 0;
			}
		} else {
			if (ret != -EAGAIN)
				abort();
			ntbring_rx_release(&r->rx);
			since = 0;
		}
	}
	r->t1 = now();
	r->cpu_c = cpu_now() - c0;
	r->frames = n;
	return NULL;
}

/*
 * Frames per second through the ring for one frame size; *share is the
 * smaller fraction of wall time that either thread was on its CPU (other
 * load on the machine shows up here, not as a mystery).
 */
static double run_ring(uint32_t size, uint8_t *src, uint8_t *dst,
		       double *share)
{
	size_t area = ntbring_area_size(&geom);
	pthread_t pt, ct;
	struct run *r = aligned_alloc(128, sizeof(*r));
	double fps;

	memset(r, 0, sizeof(*r));
	r->wa = aligned_alloc(4096, (area + 4095) & ~(size_t)4095);
	r->wb = aligned_alloc(4096, (area + 4095) & ~(size_t)4095);
	memset(r->wa, 0, area);
	memset(r->wb, 0, area);
	r->src = src;
	r->dst = dst;
	r->size = size;
	if (rt_attach(&r->tx, &r->rx, &geom, r->wa, r->wb, 0)) {
		fprintf(stderr, "bad geometry\n");
		exit(2);
	}
	pthread_create(&pt, NULL, producer, r);
	pthread_create(&ct, NULL, consumer, r);
	usleep(1000);
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	usleep((useconds_t)(secs * 1e6));
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	fps = r->frames / (r->t1 - r->t0);
	*share = (r->cpu_p < r->cpu_c ? r->cpu_p : r->cpu_c) / (r->t1 - r->t0);
	free(r->wa);
	free(r->wb);
	free(r);
	return fps;
}

/* Frames per second of memcpy into a region the size of the ring. */
static double run_memcpy(uint32_t size, uint8_t *src, uint8_t *region,
			 size_t area)
{
	size_t off = 0, step = ((size_t)size + geom.rec_size - 1) &
			       ~((size_t)geom.rec_size - 1);
	uint64_t n = 0;
	double t0 = now(), t;

	pin(0);
	do {
		for (int i = 0; i < 64; i++) {
			if (off + size > area)
				off = 0;
			memcpy(region + off, src, size);
			__asm__ __volatile__("" ::: "memory");
			off += step;
			n++;
		}
		t = now();
	} while (t - t0 < secs);
	return n / (t - t0);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void table(const uint32_t *sizes, int nsizes)
{
	size_t area = ntbring_area_size(&geom);
	uint8_t *src = aligned_alloc(4096, 1 << 20);
	uint8_t *dst = aligned_alloc(4096, 1 << 20);
	uint8_t *region = aligned_alloc(4096, (area + 4095) & ~(size_t)4095);
	double ring[MAX_RUNS], mc[MAX_RUNS], ratio[MAX_RUNS], share[MAX_RUNS];

	memset(src, 0x5a, 1 << 20);
	memset(dst, 0, 1 << 20);
	memset(region, 0, area);
	printf("rec_size %u, rec_count %u (%zu KiB ring), %d runs x %.2f s "
	       "per point; median [min..max]\n", geom.rec_size,
	       geom.rec_count, area / 1024, runs, secs);
	printf("%8s %22s %20s %12s %18s %6s %4s\n", "frame B",
	       "ring Mframes/s", "ring GB/s", "memcpy GB/s", "ring/memcpy",
	       "cpu%", "drop");
	for (int s = 0; s < nsizes; s++) {
		uint32_t size = sizes[s];
		double lo, hi, rm, mm, qm;
		int n, k, tries, dropped;

		if (size > geom.max_len ||
		    ntbring_nrec(geom.rec_size, size) > geom.rec_count / 2)
			continue;
		/*
		 * A run in which either thread was off its CPU for more than
		 * min_share of the time measured the other tenants of the
		 * machine, not the ring: retry it, up to four times as many
		 * attempts (the last one is kept whatever it measured), and
		 * say how many were dropped.
		 */
		n = 0;
		tries = 0;
		while (n < runs && tries < 4 * runs) {
			tries++;
			ring[n] = run_ring(size, src, dst, &share[n]);
			if (share[n] < min_share && tries < 4 * runs &&
			    !(tries + runs - n > 4 * runs))
				continue;
			mc[n] = run_memcpy(size, src, region, area);
			ratio[n] = ring[n] / mc[n];
			n++;
		}
		dropped = tries - n;
		lo = ring[0];
		hi = ring[0];
		for (k = 1; k < n; k++) {
			lo = ring[k] < lo ? ring[k] : lo;
			hi = ring[k] > hi ? ring[k] : hi;
		}
		rm = median(ring, n);
		mm = median(mc, n);
		qm = median(ratio, n);	/* sorts ratio[] */
		printf("%8u %7.2f [%5.2f..%5.2f] %6.2f [%5.2f..%5.2f]"
		       " %12.2f %6.2f [%4.2f..%4.2f] %5.0f %4d\n", size,
		       rm / 1e6, lo / 1e6, hi / 1e6, rm * size / 1e9,
		       lo * size / 1e9, hi * size / 1e9, mm * size / 1e9,
		       qm, ratio[0], ratio[n - 1], 100 * median(share, n),
		       dropped);
		fflush(stdout);
	}
	free(src);
	free(dst);
	free(region);
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = {
		64, 128, 256, 512, 1500, 4096, 9000, 16384, 65536
	};
	static const uint32_t sweep_sizes[] = { 64, 256, 1500, 9000, 65536 };
	bool sweep = false;
	uint32_t one = 0;
	int c;

	while ((c = getopt(argc, argv, "r:c:t:k:m:f:S")) != -1) {
		switch (c) {
		case 'r': geom.rec_size = strtoul(optarg, NULL, 0); break;
		case 'c': geom.rec_count = strtoul(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'k': runs = atoi(optarg); break;
		case 'm': min_share = atof(optarg); break;
		case 'f': one = strtoul(optarg, NULL, 0); break;
		case 'S': sweep = true; break;
		default:
			fprintf(stderr, "usage: %s [-r rec_size] [-c count] "
				"[-t secs] [-k runs] [-m min_cpu_share] "
				"[-f frame_size] [-S]\n",
				argv[0]);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "-k must be 1..%d\n", MAX_RUNS);
		return 2;
	}
	if (!sweep) {
		if (ntbring_geom_check(&geom)) {
			fprintf(stderr, "bad geometry\n");
			return 2;
		}
		if (one)
			table(&one, 1);
		else
			table(sizes, sizeof(sizes) / sizeof(sizes[0]));
		return 0;
	}
	/* Same 2 MiB of records for every record size. */
	for (uint32_t rs = 64; rs <= 4096; rs *= 2) {
		geom.rec_size = rs;
		geom.rec_count = (2u << 20) / rs;
		geom.max_len = 65536 + 64;
		if (ntbring_geom_check(&geom))
			continue;
		table(sweep_sizes, sizeof(sweep_sizes) / sizeof(sweep_sizes[0]));
	}
	return 0;
}
