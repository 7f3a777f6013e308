// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - unit tests of every ring operation and its edges.
 *
 * How to use, by example:
 *   build/ringbuf/unit            # run all, prints "unit: N checks failed"
 *   build/ringbuf/unit wrap       # run the tests whose name contains "wrap"
 *
 * Windows are malloc'd at their exact size so ASan catches any access
 * outside them.
 */
#include <stdint.h>
#include "rt.h"

int rt_failures;

struct fix {
	struct ntbring_geom g;
	uint8_t *wa, *wb;
	struct ntbring_tx tx;
	struct ntbring_rx rx;
};

static void fix_setup(struct fix *f, uint32_t rs, uint32_t rc, uint32_t ml,
		      uint32_t start)
{
	size_t sz;

	f->g.rec_size = rs;
	f->g.rec_count = rc;
	f->g.max_len = ml;
	sz = ntbring_area_size(&f->g);
	f->wa = malloc(sz);
	f->wb = malloc(sz);
	memset(f->wa, 0xa5, sz);
	memset(f->wb, 0x5a, sz);
	if (rt_attach(&f->tx, &f->rx, &f->g, f->wa, f->wb, start)) {
		fprintf(stderr, "attach failed\n");
		exit(2);
	}
}

static void fix_teardown(struct fix *f)
{
	free(f->wa);
	free(f->wb);
}

/* Send one frame of len bytes with pattern n; returns reserve's result. */
static int send(struct fix *f, uint64_t n, uint32_t len, uint32_t flags)
{
	struct ntbring_slot s;
	uint8_t *buf = malloc(len ? len : 1);
	int ret;

	rt_fill(buf, n, len);
	ret = ntbring_tx_reserve(&f->tx, len, flags, 0, &s);
	if (!ret) {
		CHECK_EQ(ntbring_tx_write(&f->tx, &s, buf, len), 0);
		CHECK_EQ(ntbring_tx_commit(&f->tx, &s), 0);
	}
	free(buf);
	return ret;
}

/* Receive one frame, check length and every byte. */
static int recv_check(struct fix *f, uint64_t n, uint32_t len)
{
	struct ntbring_frame fr;
	uint8_t *buf;
	int ret = ntbring_rx_peek(&f->rx, &fr);

	if (ret)
		return ret;
	CHECK_EQ(fr.len, len);
	buf = malloc(fr.len);
	CHECK_EQ(ntbring_rx_copy(&fr, buf, 0, fr.len), fr.len);
	CHECK_EQ(rt_verify(buf, n, fr.len), fr.len);
	free(buf);
	ntbring_rx_next(&f->rx, &fr);
	return 0;
}

static void t_geom(void)
{
	struct ntbring_geom g = { 256, 4096, 9000 };

	CHECK_EQ(ntbring_geom_check(&g), 0);
	g.rec_size = 96;
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	g.rec_size = 32;
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	g.rec_size = 32768;
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	g.rec_size = 16384;
	CHECK_EQ(ntbring_geom_check(&g), 0);
	g.rec_size = 256;
	g.rec_count = 65536;
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	g.rec_count = 3000;
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	g.rec_count = 1;
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	g.rec_count = 64;	/* 9000 B needs 36 records > 32 */
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	g.rec_count = 128;
	CHECK_EQ(ntbring_geom_check(&g), 0);
	g.max_len = 0;
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	g.max_len = NTBRING_MAX_LEN_LIMIT + 1;
	g.rec_count = 32768;
	CHECK_EQ(ntbring_geom_check(&g), -EINVAL);
	CHECK_EQ(ntbring_nrec(256, 248), 1);
	CHECK_EQ(ntbring_nrec(256, 249), 2);
	CHECK_EQ(ntbring_nrec(64, 0xffffffffu), 67108865);
	g.rec_size = 64;
	g.rec_count = 2;
	g.max_len = 56;
	CHECK_EQ(ntbring_geom_check(&g), 0);
	CHECK_EQ(ntbring_area_size(&g), 512 + 128);
}

static void t_empty(void)
{
	struct fix f;
	struct ntbring_frame fr;

	fix_setup(&f, 64, 16, 200, 0);
	CHECK_EQ(ntbring_rx_peek(&f.rx, &fr), -EAGAIN);
	CHECK(!ntbring_rx_release(&f.rx));
	CHECK(!ntbring_tx_publish(&f.tx));
	CHECK_EQ(ntbring_tx_free(&f.tx), 16);
	CHECK(!ntbring_rx_arm(&f.rx));
	fix_teardown(&f);
}

static void t_one_record(void)
{
	struct fix f;

	fix_setup(&f, 128, 8, 400, 7);
	CHECK_EQ(send(&f, 1, 120, 0), 0);	/* exactly one record */
	CHECK_EQ(f.tx.head - 7, 1);
	CHECK_EQ(send(&f, 2, 121, 0), 0);	/* one byte more: two */
	CHECK_EQ(f.tx.head - 7, 3);
	CHECK_EQ(send(&f, 3, 1, 0), 0);		/* smallest frame */
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(recv_check(&f, 1, 120), 0);
	CHECK_EQ(recv_check(&f, 2, 121), 0);
	CHECK_EQ(recv_check(&f, 3, 1), 0);
	CHECK_EQ(recv_check(&f, 4, 1), -EAGAIN);
	fix_teardown(&f);
}

static void t_len_limits(void)
{
	struct fix f;
	struct ntbring_slot s;

	fix_setup(&f, 64, 64, 1000, 0);
	CHECK_EQ(ntbring_tx_reserve(&f.tx, 0, 0, 0, &s), -EMSGSIZE);
	CHECK_EQ(ntbring_tx_reserve(&f.tx, 1001, 0, 0, &s), -EMSGSIZE);
	CHECK_EQ(ntbring_tx_reserve(&f.tx, 10, 0x2, 0, &s), -EINVAL);
	CHECK_EQ(ntbring_tx_reserve(&f.tx, 10, 0, 0x0001, &s), -EINVAL);
	CHECK_EQ(f.tx.head, 0);
	CHECK_EQ(send(&f, 9, 1000, 0), 0);	/* maximal frame */
	CHECK_EQ(send(&f, 10, 1000, NTBRING_RESERVE_CONTIG), 0);
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(recv_check(&f, 9, 1000), 0);
	CHECK_EQ(recv_check(&f, 10, 1000), 0);
	fix_teardown(&f);
}

static void t_full(void)
{
	struct fix f;
	int i, n = 0;

	fix_setup(&f, 64, 16, 100, 0xfffffff8u);
	for (i = 0; i < 100; i++) {
		if (send(&f, i, 100, 0))	/* 2 records each */
			break;
		n++;
	}
	CHECK_EQ(n, 8);
	CHECK_EQ(send(&f, 99, 1, 0), -ENOSPC);
	CHECK_EQ(ntbring_tx_free(&f.tx), 0);
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(recv_check(&f, 0, 100), 0);
	/* Consumed but not released: still full for the producer. */
	CHECK_EQ(send(&f, 99, 1, 0), -ENOSPC);
	ntbring_rx_release(&f.rx);
	CHECK_EQ(ntbring_tx_free(&f.tx), 2);
	CHECK_EQ(send(&f, 8, 56, 0), 0);
	CHECK_EQ(send(&f, 9, 56, 0), 0);
	CHECK_EQ(send(&f, 10, 1, 0), -ENOSPC);
	ntbring_tx_publish(&f.tx);
	for (i = 1; i < 8; i++)
		CHECK_EQ(recv_check(&f, i, 100), 0);
	CHECK_EQ(recv_check(&f, 8, 56), 0);
	CHECK_EQ(recv_check(&f, 9, 56), 0);
	fix_teardown(&f);
}

static void t_wrap(void)
{
	struct fix f;
	struct ntbring_frame fr;
	struct ntbring_slot s;

	fix_setup(&f, 64, 16, 400, 0);
	CHECK_EQ(send(&f, 1, 56 + 64 * 12, 0) == 0 ? 0 : 1, 1); /* > max */
	CHECK_EQ(send(&f, 1, 300, 0), 0);	/* 5 records */
	CHECK_EQ(send(&f, 2, 300, 0), 0);	/* 5 */
	CHECK_EQ(send(&f, 3, 248, 0), 0);	/* 4: records 10..13 */
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(recv_check(&f, 1, 300), 0);
	CHECK_EQ(recv_check(&f, 2, 300), 0);
	CHECK_EQ(recv_check(&f, 3, 248), 0);
	ntbring_rx_release(&f.rx);
	/* 14..15 then 0..2: payload wraps */
	CHECK_EQ(ntbring_tx_reserve(&f.tx, 300, 0, 0, &s), 0);
	CHECK_EQ(s.n[0], 64 * 2 - 8);
	CHECK_EQ(s.n[1], 300 - (64 * 2 - 8));
	CHECK_EQ(s.off[1], 0);
	{
		uint8_t buf[300];

		rt_fill(buf, 4, 300);
		/* Scatter-gather across the wrap point. */
		CHECK_EQ(ntbring_tx_write(&f.tx, &s, buf, 100), 0);
		CHECK_EQ(ntbring_tx_write(&f.tx, &s, buf + 100, 50), 0);
		CHECK_EQ(ntbring_tx_write(&f.tx, &s, buf + 150, 151), -EINVAL);
		CHECK_EQ(ntbring_tx_write(&f.tx, &s, buf + 150, 150), 0);
		CHECK_EQ(ntbring_tx_write(&f.tx, &s, buf, 1), -EINVAL);
	}
	CHECK_EQ(ntbring_tx_commit(&f.tx, &s), 0);
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(ntbring_rx_peek(&f.rx, &fr), 0);
	CHECK(fr.p[1] != NULL);
	CHECK_EQ(fr.n[0], 120);
	CHECK_EQ(fr.n[1], 180);
	CHECK_EQ((uintptr_t)fr.p[1], (uintptr_t)(f.wb + NTBRING_OFF_RECS));
	CHECK_EQ(rt_verify(fr.p[0], 4, 120), 120);
	{
		uint8_t buf[300];

		CHECK_EQ(ntbring_rx_copy(&fr, buf, 0, 300), 300);
		CHECK_EQ(rt_verify(buf, 4, 300), 300);
		/* Copy-out from the middle, across the wrap, and the tail. */
		CHECK_EQ(ntbring_rx_copy(&fr, buf, 100, 50), 50);
		CHECK_EQ(ntbring_rx_copy(&fr, buf, 290, 50), 10);
		CHECK_EQ(ntbring_rx_copy(&fr, buf, 300, 50), 0);
	}
	ntbring_rx_next(&f.rx, &fr);
	ntbring_rx_release(&f.rx);
	fix_teardown(&f);
}

static void t_contig(void)
{
	struct fix f;
	struct ntbring_frame fr;
	struct ntbring_slot s;

	fix_setup(&f, 64, 16, 500, 96);	/* 96 & 15 == 0 */
	CHECK_EQ(send(&f, 1, 700 - 8 - 64 * 4, 0), 0); /* 7 records */
	CHECK_EQ(send(&f, 2, 500, 0), 0);	/* 8 records: 7..14 */
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(recv_check(&f, 1, 436), 0);
	CHECK_EQ(recv_check(&f, 2, 500), 0);
	ntbring_rx_release(&f.rx);
	/* Position 15 of 16: a 3-record frame must be padded to 0. */
	CHECK_EQ(ntbring_tx_reserve(&f.tx, 150, NTBRING_RESERVE_CONTIG, 0x0300,
				    &s), 0);
	CHECK_EQ(s.start, 96 + 15);
	CHECK_EQ(s.idx, 96 + 16);
	CHECK_EQ(s.off[0], 8);
	CHECK_EQ(s.n[0], 150);
	CHECK_EQ(s.n[1], 0);
	{
		/* Play DMA engine: write the payload at the offset given. */
		uint8_t *dst = f.wb + NTBRING_OFF_RECS + s.off[0];

		rt_fill(dst, 5, 150);
	}
	CHECK_EQ(ntbring_tx_commit(&f.tx, &s), 0);
	CHECK(ntbring_tx_publish(&f.tx) == false);
	CHECK_EQ(ntbring_rx_peek(&f.rx, &fr), 0);
	CHECK_EQ(fr.idx, 96 + 16);
	CHECK_EQ(fr.len, 150);
	CHECK_EQ(fr.flags, 0x0300);
	CHECK(fr.p[1] == NULL);
	CHECK_EQ(rt_verify(fr.p[0], 5, 150), 150);
	ntbring_rx_next(&f.rx, &fr);
	CHECK_EQ(f.rx.out, 96 + 19);
	fix_teardown(&f);
}

static void t_dma_order(void)
{
	struct fix f;
	struct ntbring_slot s1, s2;

	fix_setup(&f, 256, 64, 4000, 0);
	CHECK_EQ(ntbring_tx_reserve(&f.tx, 1000, 0, 0, &s1), 0);
	CHECK_EQ(ntbring_tx_reserve(&f.tx, 2000, 0, 0, &s2), 0);
	rt_fill(f.wb + NTBRING_OFF_RECS + s1.off[0], 1, 1000);
	rt_fill(f.wb + NTBRING_OFF_RECS + s2.off[0], 2, 2000);
	/* Completions must be applied in reservation order. */
	CHECK_EQ(ntbring_tx_commit(&f.tx, &s2), -EINVAL);
	CHECK(!ntbring_tx_publish(&f.tx));
	CHECK_EQ(recv_check(&f, 1, 1000), -EAGAIN);
	CHECK_EQ(ntbring_tx_commit(&f.tx, &s1), 0);
	CHECK_EQ(ntbring_tx_commit(&f.tx, &s1), -EINVAL);
	CHECK(ntbring_tx_publish(&f.tx));
	CHECK_EQ(recv_check(&f, 1, 1000), 0);
	CHECK_EQ(recv_check(&f, 2, 2000), -EAGAIN);
	CHECK_EQ(ntbring_tx_commit(&f.tx, &s2), 0);
	CHECK(!ntbring_tx_publish(&f.tx));	/* consumer not re-armed */
	CHECK_EQ(recv_check(&f, 2, 2000), 0);
	fix_teardown(&f);
}

static void t_doorbell(void)
{
	struct fix f;
	uint32_t in_before;

	fix_setup(&f, 64, 64, 500, 42);
	/* Freshly attached consumer is armed: first publish rings. */
	CHECK_EQ(send(&f, 1, 10, 0), 0);
	CHECK_EQ(send(&f, 2, 10, 0), 0);
	in_before = f.wb[NTBRING_OFF_PROD];
	CHECK_EQ(in_before, 42);	/* batch not published yet */
	CHECK(ntbring_tx_publish(&f.tx));
	CHECK_EQ(f.wb[NTBRING_OFF_PROD], 44);	/* one publish, both frames */
	CHECK_EQ(send(&f, 3, 10, 0), 0);
	CHECK(!ntbring_tx_publish(&f.tx));	/* busy consumer: no doorbell */
	CHECK(ntbring_rx_arm(&f.rx));		/* data pending: keep polling */
	CHECK_EQ(recv_check(&f, 1, 10), 0);
	CHECK_EQ(recv_check(&f, 2, 10), 0);
	CHECK_EQ(recv_check(&f, 3, 10), 0);
	CHECK(!ntbring_rx_release(&f.rx));
	CHECK(!ntbring_rx_arm(&f.rx));		/* idle */
	CHECK_EQ(send(&f, 4, 10, 0), 0);
	CHECK(ntbring_tx_publish(&f.tx));	/* one doorbell per arm */
	CHECK_EQ(send(&f, 5, 10, 0), 0);
	CHECK(!ntbring_tx_publish(&f.tx));
	CHECK(!ntbring_tx_publish(&f.tx));	/* nothing new: nothing */
	fix_teardown(&f);
}

static void t_space_doorbell(void)
{
	struct fix f;
	int i;

	fix_setup(&f, 64, 16, 100, 0x7ffffff0u);
	for (i = 0; i < 8; i++)
		CHECK_EQ(send(&f, i, 100, 0), 0);
	ntbring_tx_publish(&f.tx);
	/* Ask to be woken when 6 records (3 frames) are free. */
	CHECK(!ntbring_tx_wait_space(&f.tx, 6));
	CHECK_EQ(recv_check(&f, 0, 100), 0);
	CHECK_EQ(recv_check(&f, 1, 100), 0);
	CHECK(!ntbring_rx_release(&f.rx));	/* 4 free: not yet */
	CHECK_EQ(recv_check(&f, 2, 100), 0);
	CHECK(ntbring_rx_release(&f.rx));	/* 6 free: ring */
	CHECK_EQ(recv_check(&f, 3, 100), 0);
	CHECK(!ntbring_rx_release(&f.rx));	/* once per token */
	CHECK_EQ(ntbring_tx_free(&f.tx), 8);
	/* Space already there: wait_space says go on. */
	CHECK(ntbring_tx_wait_space(&f.tx, 8));
	/* More than the ring can ever free is clamped, never deadlocks. */
	CHECK(!ntbring_tx_wait_space(&f.tx, 1000));
	for (i = 4; i < 8; i++)
		CHECK_EQ(recv_check(&f, i, 100), 0);
	CHECK(ntbring_rx_release(&f.rx));
	fix_teardown(&f);
}

static void put_hdr(struct fix *f, uint32_t idx, uint32_t len, uint16_t seq,
		    uint16_t flags)
{
	uint8_t *p = f->wb + NTBRING_OFF_RECS +
		     (idx & (f->g.rec_count - 1)) * f->g.rec_size;
	struct ntbring_rec_hdr h = {
		ntbr_cpu_to_le32(len), ntbr_cpu_to_le16(seq),
		ntbr_cpu_to_le16(flags)
	};

	memcpy(p, &h, sizeof(h));
}

static void set_in(struct fix *f, uint32_t in)
{
	rt_pl(f->wb)->in = ntbr_cpu_to_le32(in);
}

static void expect_bad(struct fix *f, enum ntbring_bad why, uint32_t nrec)
{
	struct ntbring_frame fr;

	CHECK_EQ(ntbring_rx_peek(&f->rx, &fr), -EBADMSG);
	CHECK_EQ(fr.reason, why);
	CHECK_EQ(fr.nrec, nrec);
}

static void t_corrupt(void)
{
	struct fix f;
	struct ntbring_frame fr;

	fix_setup(&f, 64, 16, 200, 1000);
	/* Sequence mismatch: whole publication is skipped. */
	put_hdr(&f, 1000, 10, 999, 0);
	set_in(&f, 1003);
	expect_bad(&f, NTBRING_BAD_SEQ, 3);
	CHECK_EQ(f.rx.out, 1003);
	CHECK_EQ(ntbring_rx_peek(&f.rx, &fr), -EAGAIN);
	/* Reserved flags. */
	put_hdr(&f, 1003, 10, 1003, 0x0002);
	set_in(&f, 1004);
	expect_bad(&f, NTBRING_BAD_FLAGS, 1);
	/* Zero length. */
	put_hdr(&f, 1004, 0, 1004, 0);
	set_in(&f, 1005);
	expect_bad(&f, NTBRING_BAD_LEN, 1);
	/* Above max_len, and a huge padding length. */
	put_hdr(&f, 1005, 201, 1005, 0);
	set_in(&f, 1010);
	expect_bad(&f, NTBRING_BAD_LEN, 5);
	put_hdr(&f, 1010, 0xfffffff0u, 1010, NTBRING_F_PAD);
	set_in(&f, 1011);
	expect_bad(&f, NTBRING_BAD_LEN, 1);
	/* Frame claims more records than were published. */
	put_hdr(&f, 1011, 200, 1011, 0);
	set_in(&f, 1013);
	expect_bad(&f, NTBRING_BAD_TRUNC, 2);
	CHECK_EQ(f.rx.out, 1013);
	/* A padding frame that is truncated too. */
	put_hdr(&f, 1013, 120, 1013, NTBRING_F_PAD);
	set_in(&f, 1014);
	expect_bad(&f, NTBRING_BAD_TRUNC, 1);
	/* Index more than a ring ahead: nothing consumed, nothing followed. */
	ntbring_rx_release(&f.rx);
	set_in(&f, 1014 + 17);
	expect_bad(&f, NTBRING_BAD_INDEX, 0);
	CHECK_EQ(f.rx.out, 1014);
	CHECK(!ntbring_rx_arm(&f.rx));	/* broken peer: don't spin */
	CHECK_EQ(ntbring_rx_resync(&f.rx), 0);
	/* Index behind the read position. */
	set_in(&f, 1013);
	expect_bad(&f, NTBRING_BAD_INDEX, 0);
	/* Exactly a full ring is legal. */
	set_in(&f, 1014 + 16);
	put_hdr(&f, 1014, 16 * 64 - 8, 1014, NTBRING_F_PAD);
	CHECK_EQ(ntbring_rx_peek(&f.rx, &fr), -EAGAIN);
	CHECK_EQ(f.rx.out, 1030);
	/* A good frame after all that is received intact. */
	ntbring_rx_release(&f.rx);
	f.tx.head = f.tx.committed = f.tx.pub = 1030;
	ntbring_tx_free(&f.tx);
	CHECK_EQ(send(&f, 77, 150, 0), 0);
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(recv_check(&f, 77, 150), 0);
	/* Resync drops what is published. */
	CHECK_EQ(send(&f, 78, 150, 0), 0);
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(ntbring_rx_resync(&f.rx), 3);
	CHECK_EQ(ntbring_rx_peek(&f.rx, &fr), -EAGAIN);
	CHECK(strcmp(ntbring_bad_name(NTBRING_BAD_TRUNC), "truncated") == 0);
	CHECK(strcmp(ntbring_bad_name(NTBRING_BAD_MAX), "unknown") == 0);
	fix_teardown(&f);
}

static void t_bad_out(void)
{
	struct fix f;

	fix_setup(&f, 64, 16, 100, 5);
	CHECK_EQ(send(&f, 1, 100, 0), 0);
	ntbring_tx_publish(&f.tx);
	/* Consumer claims to be past what we published: ignored. */
	rt_cl(f.wa)->out = ntbr_cpu_to_le32(5 + 3);
	CHECK_EQ(ntbring_tx_free(&f.tx), 14);
	CHECK_EQ(f.tx.bad_out, 1);
	rt_cl(f.wa)->out = ntbr_cpu_to_le32(4);	/* behind: ignored */
	CHECK_EQ(ntbring_tx_free(&f.tx), 14);
	CHECK_EQ(f.tx.bad_out, 2);
	rt_cl(f.wa)->out = ntbr_cpu_to_le32(7);
	CHECK_EQ(ntbring_tx_free(&f.tx), 16);
	fix_teardown(&f);
}

static void t_index_wrap(void)
{
	struct fix f;
	uint64_t n;
	uint32_t len;
	uint64_t seed = 1;

	/* Free-running indices cross 2^32 many times over (16-bit seq too). */
	fix_setup(&f, 64, 32, 900, 0xffffff00u);
	for (n = 0; n < 200000; n++) {
		len = 1 + rt_rand(&seed) % 900;
		CHECK_EQ(send(&f, n, len, (n & 1) ? NTBRING_RESERVE_CONTIG : 0),
			 0);
		ntbring_tx_publish(&f.tx);
		CHECK_EQ(recv_check(&f, n, len), 0);
		ntbring_rx_release(&f.rx);
		if (rt_failures)
			break;
	}
	fix_teardown(&f);
}

/* Peer restart: the old producer's late writes must be harmless. */
static void t_reattach(void)
{
	struct fix f;
	struct ntbring_tx old;
	struct ntbring_frame fr;
	uint32_t s2 = ntbring_start_index(0x1111, 0x2222);

	fix_setup(&f, 64, 16, 200, ntbring_start_index(0x1110, 0x2222));
	CHECK_EQ(send(&f, 1, 100, 0), 0);
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(recv_check(&f, 1, 100), 0);
	old = f.tx;
	/* The consumer re-attaches for the producer's new generation... */
	CHECK_EQ(ntbring_rx_init(&f.rx, &f.g, rt_recs(f.wb), rt_pl(f.wb),
				 rt_cl(f.wa), s2), 0);
	/* ...and a late publish from the old incarnation lands. */
	f.tx = old;
	CHECK_EQ(send(&f, 2, 100, 0), 0);
	ntbring_tx_publish(&f.tx);
	CHECK_EQ(ntbring_rx_peek(&f.rx, &fr), -EBADMSG);
	CHECK_EQ(fr.reason, NTBRING_BAD_INDEX);
	CHECK_EQ(f.rx.out, s2);
	/* The new producer attaches and traffic flows again. */
	CHECK_EQ(ntbring_tx_init(&f.tx, &f.g, rt_recs(f.wb), rt_pl(f.wb),
				 rt_cl(f.wa), s2), 0);
	CHECK_EQ(send(&f, 3, 150, 0), 0);
	CHECK(ntbring_tx_publish(&f.tx));	/* new consumer is armed */
	CHECK_EQ(recv_check(&f, 3, 150), 0);
	CHECK(!ntbring_rx_release(&f.rx));
	CHECK_EQ(ntbring_tx_free(&f.tx), 16);
	CHECK_EQ(f.tx.bad_out, 0);
	fix_teardown(&f);
}

static void t_handshake(void)
{
	struct ntbring_hs hs = {
		.version = NTBRING_VERSION_MAJOR << 16 | 3,
		.features = NTBRING_FEAT_CONTIG | 0x80000000u,
		.rx = { 256, 4096, 65550 },
		.win_size = 2 << 20,
		.peer_gen = 0x1234,
		.gen = 0xdeadbeef,
	}, out;
	uint32_t w[NTBRING_W_COUNT], h[NTBRING_H_COUNT];

	/* the words: three scratchpads, GEN last */
	CHECK_EQ(NTBRING_W_COUNT, 3);
	CHECK_EQ(NTBRING_W_GEN, 2);
	ntbring_words_encode(&hs, w);
	CHECK_EQ(w[NTBRING_W_ID], 0x4e420000u | NTBRING_VERSION_MAJOR << 8 | 3);
	CHECK_EQ(ntbring_words_decode(w, w[NTBRING_W_GEN], &out),
		 NTBRING_HS_OK);
	CHECK_EQ(out.version, hs.version);
	CHECK_EQ(out.win_size, 2 << 20);
	CHECK_EQ(out.gen, 0xdeadbeef);
	CHECK_EQ(ntbring_words_decode(w, 0x1, &out), NTBRING_HS_TORN);
	w[NTBRING_W_ID] = 0x4e420000u | (NTBRING_VERSION_MAJOR + 1) << 8;
	CHECK_EQ(ntbring_words_decode(w, w[NTBRING_W_GEN], &out),
		 NTBRING_HS_VERSION);
	CHECK_EQ(out.version, (NTBRING_VERSION_MAJOR + 1) << 16);
	/* a 1.x peer: "NTBN" then its version in the second scratchpad */
	w[NTBRING_W_ID] = NTBRING_MAGIC_V1;
	w[NTBRING_W_WIN] = 0x00010000;
	CHECK_EQ(ntbring_words_decode(w, w[NTBRING_W_GEN], &out),
		 NTBRING_HS_VERSION);
	CHECK_EQ(out.version, 0x00010000);
	ntbring_words_encode(&hs, w);
	w[NTBRING_W_WIN] = NTBRING_OFF_RECS - 4;	/* no room for the header */
	CHECK_EQ(ntbring_words_decode(w, w[NTBRING_W_GEN], &out),
		 NTBRING_HS_GEOM);
	w[NTBRING_W_WIN] = 2 << 20;
	w[NTBRING_W_ID] = 0;
	CHECK_EQ(ntbring_words_decode(w, w[NTBRING_W_GEN], &out),
		 NTBRING_HS_NOT_READY);
	ntbring_words_encode(&hs, w);
	w[NTBRING_W_GEN] = 0;
	CHECK_EQ(ntbring_words_decode(w, 0, &out), NTBRING_HS_NOT_READY);

	/* the hello, answering generation 0x777 */
	ntbring_words_encode(&hs, w);
	CHECK_EQ(ntbring_words_decode(w, w[NTBRING_W_GEN], &out),
		 NTBRING_HS_OK);
	ntbring_hello_encode(&hs, 0x777, 42, h);
	CHECK_EQ(h[NTBRING_H_MAGIC], NTBRING_HELLO_MAGIC);
	CHECK_EQ(h[NTBRING_H_HB], 42);
	/* peer_gen 0x1234 taken, but this hello answers 0x777: no ack */
	CHECK_EQ(h[NTBRING_H_ACK_GEN], 0);
	hs.peer_gen = 0x777;
	ntbring_hello_encode(&hs, 0x777, 42, h);
	CHECK_EQ(h[NTBRING_H_GEOM], 8 | 12 << 8);
	CHECK_EQ(h[NTBRING_H_FOR_GEN], 0x777);
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_OK);
	CHECK_EQ(out.rx.rec_size, 256);
	CHECK_EQ(out.rx.rec_count, 4096);
	CHECK_EQ(out.rx.max_len, 65550);
	CHECK_EQ(out.features, hs.features);
	CHECK_EQ(out.peer_gen, 0x777);
	CHECK_EQ(out.gen, 0xdeadbeef);
	/* written for another generation of ours, or being rewritten */
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x778, &out),
		 NTBRING_HS_NOT_READY);
	CHECK_EQ(ntbring_hello_decode(h, 0, 0x777, &out), NTBRING_HS_TORN);
	h[NTBRING_H_GEN] = 0;
	CHECK_EQ(ntbring_hello_decode(h, 0, 0x777, &out),
		 NTBRING_HS_NOT_READY);
	h[NTBRING_H_GEN] = hs.gen;
	out.win_size = 1 << 20;		/* 1 MiB + 512 needed */
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	out.win_size = 2 << 20;
	h[NTBRING_H_GEOM] = 31 | 12 << 8;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	h[NTBRING_H_GEOM] = 8 | 12 << 8 | 1 << 16;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	h[NTBRING_H_GEOM] = 8 | 12 << 8;
	h[NTBRING_H_MAGIC] = 0;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_NOT_READY);
	CHECK_EQ(ntbring_start_index(0x12345678, 0), 0x56781234);
	CHECK_EQ(ntbring_start_index(0x12345678, 0xffffffff), 0xa987edcb);
}

/* Several ring pairs (protocol 2.1): layout and the hello's queue count. */
static void t_queues(void)
{
	struct ntbring_geom g = { 256, 1024, 65550 };
	struct ntbring_hs hs = {
		.version = NTBRING_VERSION_MAJOR << 16 | 1,
		.features = NTBRING_FEAT_MQ,
		.rx = g,
		.peer_gen = 0x777,
		.gen = 0xabcd0001,
		.queues = 4,
	}, out;
	uint32_t h[NTBRING_H_COUNT];
	u64 ring = 256 * 1024, four = NTBRING_OFF_RECS + 4 * ring + 3 * 0x100;

	/* queue 0 is the 2.0 layout whatever the count */
	CHECK_EQ(ntbring_off_prod(&g, 4, 0), NTBRING_OFF_PROD);
	CHECK_EQ(ntbring_off_cons(&g, 4, 0), NTBRING_OFF_CONS);
	CHECK_EQ(ntbring_off_recs(&g, 0), NTBRING_OFF_RECS);
	CHECK_EQ(ntbring_mq_area_size(&g, 1), ntbring_area_size(&g));
	/* the other rings follow queue 0's, their lines after the last ring */
	CHECK_EQ(ntbring_off_recs(&g, 3), NTBRING_OFF_RECS + 3 * ring);
	CHECK_EQ(ntbring_off_prod(&g, 4, 1), NTBRING_OFF_RECS + 4 * ring);
	CHECK_EQ(ntbring_off_cons(&g, 4, 3),
		 NTBRING_OFF_RECS + 4 * ring + 2 * 0x100 + 0x80);
	CHECK_EQ(ntbring_mq_area_size(&g, 4), four);
	/* the last line ends the area */
	CHECK_EQ(ntbring_off_cons(&g, 4, 3) + 0x80, four);
	/* 16 rings of 16 KiB x 32768 records pass 4 GiB: no wrap */
	g.rec_size = 16384;
	g.rec_count = 32768;
	CHECK(ntbring_mq_area_size(&g, 16) > 0xffffffffull);
	g.rec_size = 256;
	g.rec_count = 1024;

	/* the hello carries the count when MQ is offered */
	hs.win_size = four;
	ntbring_hello_encode(&hs, 0x777, 1, h);
	CHECK_EQ(h[NTBRING_H_QUEUES], 4);
	out.gen = hs.gen;
	out.win_size = four;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_OK);
	CHECK_EQ(out.queues, 4);
	/* rings that do not fit the window the peer's words announced */
	out.win_size = four - 1;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	out.win_size = four;
	/* more than the protocol allows: refused, not clamped */
	h[NTBRING_H_QUEUES] = NTBRING_QUEUES_MAX + 1;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	/* MQ offered with 0, or a word without MQ (a 2.0 writer's reserved
	 * word): one ring pair */
	h[NTBRING_H_QUEUES] = 0;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_OK);
	CHECK_EQ(out.queues, 1);
	h[NTBRING_H_QUEUES] = 5;
	h[NTBRING_H_FEATURES] = 0;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_OK);
	CHECK_EQ(out.queues, 1);
	/* a writer that does not offer MQ writes 0 there */
	hs.features = 0;
	ntbring_hello_encode(&hs, 0x777, 1, h);
	CHECK_EQ(h[NTBRING_H_QUEUES], 0);
}

/* The doorbell map (protocol 2.2): words, bounds, reserved halves. */
static void t_dbmap(void)
{
	struct ntbring_geom g = { 256, 1024, 65550 };
	struct ntbring_hs hs = {
		.version = NTBRING_VERSION_MAJOR << 16 | 2,
		.features = NTBRING_FEAT_MQ | NTBRING_FEAT_DBMAP,
		.rx = g,
		.peer_gen = 0x777,
		.gen = 0xabcd0002,
		.queues = 3,
		.win_size = 0xffffffffu,
		.db = { .data = { 0, 3, 63 }, .space = { 1, 4, 5 } },
	}, out;
	uint32_t h[NTBRING_H_COUNT];
	int i;

	ntbring_hello_encode(&hs, 0x777, 1, h);
	CHECK_EQ(h[NTBRING_H_DBMAP], 0x04030100);
	CHECK_EQ(h[NTBRING_H_DBMAP + 1], 0x053f);
	for (i = 2; i < NTBRING_H_DBMAP_WORDS; i++)
		CHECK_EQ(h[NTBRING_H_DBMAP + i], 0);
	memset(&out, 0xee, sizeof(out));
	out.gen = hs.gen;
	out.win_size = hs.win_size;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_OK);
	CHECK_EQ(out.queues, 3);
	CHECK(!memcmp(&out.db, &hs.db, sizeof(hs.db)));
	/* a bit beyond 63, for a queue in use: refused */
	h[NTBRING_H_DBMAP + 1] = 0x0540;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	h[NTBRING_H_DBMAP + 1] = 0x403f;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	/* the half of a queue beyond the count must be zero */
	h[NTBRING_H_DBMAP + 1] = 0x0001053f;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	h[NTBRING_H_DBMAP + 1] = 0x053f;
	h[NTBRING_H_COUNT - 1] = 0x80000000u;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_GEOM);
	/* without DBMAP the words are not read and the map is zero */
	h[NTBRING_H_FEATURES] = NTBRING_FEAT_MQ;
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_OK);
	for (i = 0; i < (int)NTBRING_QUEUES_MAX; i++)
		CHECK(!out.db.data[i] && !out.db.space[i]);
	/* a writer that does not offer DBMAP writes zeros */
	hs.features = NTBRING_FEAT_MQ;
	ntbring_hello_encode(&hs, 0x777, 1, h);
	for (i = 0; i < NTBRING_H_DBMAP_WORDS; i++)
		CHECK_EQ(h[NTBRING_H_DBMAP + i], 0);
	/* DBMAP without MQ: one queue, whatever the count says */
	hs.features = NTBRING_FEAT_DBMAP;
	ntbring_hello_encode(&hs, 0x777, 1, h);
	CHECK_EQ(h[NTBRING_H_DBMAP], 0x0100);
	CHECK_EQ(h[NTBRING_H_DBMAP + 1], 0);
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_OK);
	CHECK_EQ(out.queues, 1);
	/* all 16 queues: the last one in the high half of the last word */
	hs.features = NTBRING_FEAT_MQ | NTBRING_FEAT_DBMAP;
	hs.queues = NTBRING_QUEUES_MAX;
	hs.db.data[15] = 62;
	hs.db.space[15] = 61;
	ntbring_hello_encode(&hs, 0x777, 1, h);
	CHECK_EQ(h[NTBRING_H_COUNT - 1], 0x3d3e0000u);
	CHECK_EQ(ntbring_hello_decode(h, h[NTBRING_H_GEN], 0x777, &out),
		 NTBRING_HS_OK);
	CHECK_EQ(out.db.data[15], 62);
	CHECK_EQ(out.db.space[15], 61);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "geom", t_geom },
	{ "dbmap", t_dbmap },
	{ "empty", t_empty },
	{ "one_record", t_one_record },
	{ "len_limits", t_len_limits },
	{ "full", t_full },
	{ "wrap", t_wrap },
	{ "contig", t_contig },
	{ "dma_order", t_dma_order },
	{ "doorbell", t_doorbell },
	{ "space_doorbell", t_space_doorbell },
	{ "corrupt", t_corrupt },
	{ "bad_out", t_bad_out },
	{ "index_wrap", t_index_wrap },
	{ "reattach", t_reattach },
	{ "handshake", t_handshake },
	{ "queues", t_queues },
};

int main(int argc, char **argv)
{
	size_t i;
	int ran = 0, before;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		before = rt_failures;
		tests[i].fn();
		printf("%-16s %s\n", tests[i].name,
		       rt_failures == before ? "ok" : "FAILED");
		ran++;
	}
	printf("unit: %d tests, %d checks failed\n", ran, rt_failures);
	return rt_failures || !ran ? 1 : 0;
}
