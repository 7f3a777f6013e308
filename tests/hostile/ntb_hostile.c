// SPDX-License-Identifier: GPL-2.0
/*
 * ntb_hostile.c - a test-only NTB client that plays a hostile ntbnet peer.
 *
 * Loaded on one node of the lab instead of ntbnet, it performs the ntbnet
 * handshake of docs/protocol.md (section 9) so that the other node's
 * ntbnet brings its carrier up, then, on command, writes what a buggy or
 * malicious peer could write into that node's inbound window, scratchpads
 * and doorbells: producer indices out of range, headers with wrong
 * sequence numbers, lengths larger than the ring, frames that wrap or end
 * past the published index, reserved and impossible flag combinations,
 * consumer indices that never were, a generation going backwards, garbage
 * announcements, doorbell storms and random bytes. Between attacks it can
 * send valid frames, so a test can check that good traffic still flows.
 *
 * It also watches what ntbnet writes into OUR window: records are filled
 * with a poison byte at attach and after they are consumed, so any byte
 * ntbnet writes beyond a frame's header and payload (kernel memory leaking
 * into the window, or a write past the frame) shows up as a dirty tail;
 * reserved words of the ring lines must stay zero.
 *
 * Nothing here is used by ntbnet: production code paths are unchanged.
 *
 * Commands, one per write to /sys/kernel/debug/ntb_hostile/<pci>/cmd
 * (the result of the last one and all counters: read "stats"):
 *   good N [LEN]       N valid frames of LEN payload bytes (default 100)
 *   wrap_good          a valid frame whose payload wraps past the last record
 *   index_ahead        producer index more than a ring ahead
 *   index_behind       producer index behind the consumer
 *   bad_seq, stale     header sequence wrong / from the previous lap
 *   len_zero, len_huge, len_max   length 0, 0xffffffff, max_len + 1
 *   trunc, wrap_trunc  frame ends past the published index (also across
 *                      the end of the ring)
 *   pad_huge           padding frame longer than the whole ring
 *   flags_reserved, pad_reserved  reserved flag bits (data / padding)
 *   drv_flags          a driver flag bit no feature defines
 *   runt, bad_meta     payload shorter than the driver header + Ethernet
 *                      header; checksum offsets outside the frame
 *   csum_low           checksum start inside the Ethernet header
 *   csum_far           checksum field 1100 bytes into a 1400-byte frame
 *                      (a linear head that large on every frame)
 *   bad_out            consumer index of the other ring far out of range,
 *                      held for three seconds
 *   arm_storm N        N fresh arm tokens
 *   db_storm N         N rings of every doorbell bit
 *   fuzz N             N rounds of random producer line and records, then
 *                      one valid frame
 *   spad_garbage       random values in every handshake scratchpad
 *   hello_garbage      random values in the hello we wrote into the
 *                      other node's window
 *   version, geom      words with major version 3 / a hello with a ring
 *                      larger than the window
 *   gen_back           re-announce with an older generation
 *   torn N             generation scratchpad flipped N times
 *   reannounce         a clean new announcement (after the four above)
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/if_ether.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ntb.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "../../ringbuf/ntbring.h"
#include "../../ntb_netdev/ntbnet_db.h"

#define NH_PIDX		NTB_DEF_PEER_IDX
#define NH_MW		0
#define NH_POLL_MS	20
#define NH_POISON	0x5a
/* ntbnet's extras (ntb_netdev/ntbnet.h): header, flag. */
#define NH_META_LEN	8u
#define NH_HF_CSUM	0x0100u
/* Our receive ring: small, so that the other side wraps it often. */
#define NH_RX_REC_SIZE	256u
#define NH_RX_REC_COUNT	256u
#define NH_RX_MAX_LEN	(9000u + 26u)
#define NH_ETHERTYPE	0x88b5	/* IEEE local experimental */

enum nh_db { NH_DB_DATA, NH_DB_SPACE, NH_DB_HS, NH_DB_COUNT };

/**
 * struct nh_dev - one port played by the hostile peer.
 * @ntb:        the NTB device.
 * @lock:       serialises commands and @work.
 * @work:       handshake, heartbeat and draining, every NH_POLL_MS.
 * @in_buf:     our inbound window (the other node writes it).
 * @in_dma:     its DMA address.
 * @in_size:    its size.
 * @out:        the other node's inbound window, mapped write-combined.
 * @out_size:   its size.
 * @db:         doorbell bits, as ntbnet assigns them.
 * @gen:        our generation.
 * @peer_gen:   the peer generation we are attached to, 0 if none.
 * @hello_to:   the peer generation our hello in its window answers.
 * @announced:  our words are in the peer's scratchpads.
 * @hb:         heartbeat value last written.
 * @peer:       the peer's announcement we attached to.
 * @tx:         producer of the ring into the peer (ring library).
 * @rx_out:     next record of our receive ring to scan.
 * @hold_out:   jiffies until which @rx_out is not published (bad_out).
 * @space_seen: last space token of the peer we answered.
 * @st:         counters, shown in "stats".
 * @last:       result of the last command.
 * @dbg:        debugfs directory.
 */
struct nh_dev {
	struct ntb_dev *ntb;
	struct mutex lock;	/* commands vs. the poll work */
	struct delayed_work work;
	void *in_buf;
	dma_addr_t in_dma;
	size_t in_size;
	void __iomem *out;
	resource_size_t out_size;
	u64 db[NH_DB_COUNT];
	u32 gen;
	u32 peer_gen;
	u32 hello_to;
	bool announced;
	u32 hb;
	struct ntbring_hs peer;
	struct ntbring_tx tx;
	u32 rx_out;
	unsigned long hold_out;
	u32 space_seen;
	struct {
		u64 attaches;
		u64 good;
		u64 bad;
		u64 doorbells;
		u64 scan_frames;
		u64 scan_pads;
		u64 scan_bad_hdr;
		u64 scan_resync;
		u64 scan_dirty;
		u64 rsvd_dirty;
	} st;
	char last[96];
	struct dentry *dbg;
};

static struct dentry *nh_root;
static const struct ntbring_geom nh_rx_geom = {
	.rec_size = NH_RX_REC_SIZE,
	.rec_count = NH_RX_REC_COUNT,
	.max_len = NH_RX_MAX_LEN,
};

static void nh_ring(struct nh_dev *nh, enum nh_db which)
{
	ntb_peer_db_set(nh->ntb, nh->db[which]);
	nh->st.doorbells++;
}

static void nh_spad_put(struct nh_dev *nh, int idx, u32 val)
{
	ntb_peer_spad_write(nh->ntb, NH_PIDX, idx, val);
}

/* ---- handshake ---- */

static void nh_words_raw(struct nh_dev *nh, const u32 *w)
{
	int i;

	nh_spad_put(nh, NTBRING_W_GEN, 0);
	for (i = 0; i < NTBRING_W_GEN; i++)
		nh_spad_put(nh, i, w[i]);
	nh_spad_put(nh, NTBRING_W_GEN, w[NTBRING_W_GEN]);
	nh_ring(nh, NH_DB_HS);
}

/*
 * A node with one ring pair and the shared doorbell bits: it offers
 * CONTIG only (neither MQ nor DBMAP), as a 2.0 node does.
 */
static void nh_self(struct nh_dev *nh, struct ntbring_hs *hs)
{
	memset(hs, 0, sizeof(*hs));
	hs->version = NTBRING_VERSION_MAJOR << 16 | NTBRING_VERSION_MINOR;
	hs->features = NTBRING_FEAT_CONTIG;
	hs->rx = nh_rx_geom;
	hs->win_size = nh->in_size;
	hs->peer_gen = nh->peer_gen;
	hs->gen = nh->gen;
}

static void __iomem *nh_hello_out(struct nh_dev *nh, int word)
{
	return nh->out + NTBRING_OFF_HELLO + 4 * word;
}

static void nh_hello_raw(struct nh_dev *nh, const u32 *h)
{
	ntbring_hello_write(nh->out + NTBRING_OFF_HELLO, h);
	nh_ring(nh, NH_DB_HS);
}

/* Our hello into the peer's window, answering its generation @for_gen. */
static void nh_hello(struct nh_dev *nh, u32 for_gen)
{
	u32 h[NTBRING_H_COUNT];
	struct ntbring_hs hs;

	nh_self(nh, &hs);
	ntbring_hello_encode(&hs, for_gen, nh->hb, h);
	nh_hello_raw(nh, h);
	nh->hello_to = for_gen;
}

/* Protocol step 2: window, poisoned records, words. */
static int nh_announce(struct nh_dev *nh, u32 gen)
{
	u32 w[NTBRING_W_COUNT];
	struct ntbring_hs hs;

	nh->gen = gen ? gen : 1;
	nh->peer_gen = 0;
	nh->hello_to = 0;
	memset(nh->in_buf, 0, NTBRING_OFF_RECS);
	memset(nh->in_buf + NTBRING_OFF_RECS, NH_POISON,
	       NH_RX_REC_SIZE * NH_RX_REC_COUNT);
	nh_self(nh, &hs);
	ntbring_words_encode(&hs, w);
	nh_words_raw(nh, w);
	nh->announced = true;
	return 0;
}

static int nh_window(struct nh_dev *nh)
{
	resource_size_t addr_align, size_align, size_max;
	size_t size;
	int err;

	if (nh->in_buf)
		return 0;
	err = ntb_mw_get_align(nh->ntb, NH_PIDX, NH_MW, &addr_align,
			       &size_align, &size_max);
	if (err)
		return err;
	size = round_up(ntbring_area_size(&nh_rx_geom),
			max_t(resource_size_t, size_align, PAGE_SIZE));
	if (size > size_max)
		return -ENOSPC;
	nh->in_buf = dma_alloc_coherent(&nh->ntb->pdev->dev, size, &nh->in_dma,
					GFP_KERNEL);
	if (!nh->in_buf)
		return -ENOMEM;
	nh->in_size = size;
	err = ntb_mw_set_trans(nh->ntb, NH_PIDX, NH_MW, nh->in_dma, size);
	if (err) {
		dma_free_coherent(&nh->ntb->pdev->dev, size, nh->in_buf,
				  nh->in_dma);
		nh->in_buf = NULL;
	}
	return err;
}

/* Protocol step 4: attach both rings to the peer's generation. */
static void nh_attach(struct nh_dev *nh, const struct ntbring_hs *hs)
{
	struct ntbring_prod_line *pl = nh->in_buf + NTBRING_OFF_PROD;
	struct ntbring_cons_line __iomem *cl = nh->out + NTBRING_OFF_CONS;
	u32 rx_start = ntbring_start_index(hs->gen, nh->gen);
	int i;

	nh->peer = *hs;
	ntbring_tx_init(&nh->tx, &hs->rx, nh->out + NTBRING_OFF_RECS,
			nh->out + NTBRING_OFF_PROD,
			nh->in_buf + NTBRING_OFF_CONS,
			ntbring_start_index(nh->gen, hs->gen));
	/* Our receive ring: reset our producer line, write our consumer's. */
	WRITE_ONCE(pl->in, cpu_to_le32(rx_start));
	WRITE_ONCE(pl->space_tok, cpu_to_le32(rx_start));
	WRITE_ONCE(pl->space_at, cpu_to_le32(rx_start));
	for (i = 0; i < ARRAY_SIZE(cl->rsvd); i++)
		iowrite32(0, &cl->rsvd[i]);
	iowrite32(rx_start, &cl->out);
	iowrite32(rx_start + 1, &cl->arm_tok);
	nh->rx_out = rx_start;
	nh->space_seen = rx_start;
	nh->hold_out = 0;
	ioread32(nh->out + NTBRING_OFF_PROD);
	nh->peer_gen = hs->gen;
	iowrite32(hs->gen, nh_hello_out(nh, NTBRING_H_ACK_GEN));
	ioread32(nh_hello_out(nh, NTBRING_H_ACK_GEN));
	nh_ring(nh, NH_DB_HS);
	nh->st.attaches++;
}

static u32 nh_hello_in(struct nh_dev *nh, int word)
{
	const __le32 *h = nh->in_buf + NTBRING_OFF_HELLO;

	return le32_to_cpu(READ_ONCE(h[word]));
}

static bool nh_up(struct nh_dev *nh)
{
	return nh->peer_gen && nh_hello_in(nh, NTBRING_H_ACK_GEN) == nh->gen;
}

/* ---- what the peer writes into our window ---- */

static bool nh_poisoned(const u8 *p, u32 n)
{
	while (n--)
		if (*p++ != NH_POISON)
			return false;
	return true;
}

/* Check, then re-poison, the bytes of records [idx, idx + nrec) from @from. */
static bool nh_scan_recs(struct nh_dev *nh, u32 idx, u32 nrec, u32 from)
{
	u8 *recs = nh->in_buf + NTBRING_OFF_RECS;
	bool clean = true;
	u32 i, off, n;

	for (i = 0; i < nrec; i++, idx++) {
		off = (idx & (NH_RX_REC_COUNT - 1)) * NH_RX_REC_SIZE;
		n = NH_RX_REC_SIZE;
		if (from >= NH_RX_REC_SIZE) {
			from -= NH_RX_REC_SIZE;
		} else {
			if (!nh_poisoned(recs + off + from, n - from))
				clean = false;
			from = 0;
		}
		memset(recs + off, NH_POISON, n);
	}
	return clean;
}

static void nh_check_rsvd(struct nh_dev *nh)
{
	const struct ntbring_win_hdr *wh = nh->in_buf;
	int i;

	for (i = 0; i < ARRAY_SIZE(wh->prod.rsvd); i++)
		if (READ_ONCE(wh->prod.rsvd[i]))
			goto dirty;
	for (i = 0; i < ARRAY_SIZE(wh->cons.rsvd); i++)
		if (READ_ONCE(wh->cons.rsvd[i]))
			goto dirty;
	for (i = 0; i < ARRAY_SIZE(wh->hello.rsvd); i++)
		if (READ_ONCE(wh->hello.rsvd[i]))
			goto dirty;
	for (i = 0; i < ARRAY_SIZE(wh->rsvd); i++)
		if (READ_ONCE(wh->rsvd[i]))
			goto dirty;
	return;
dirty:
	nh->st.rsvd_dirty++;
}

/*
 * Consume everything the peer published: check each header, check that
 * the bytes after the payload still hold the poison, re-poison, release.
 */
static void nh_drain(struct nh_dev *nh)
{
	struct ntbring_prod_line *pl = nh->in_buf + NTBRING_OFF_PROD;
	struct ntbring_cons_line __iomem *cl = nh->out + NTBRING_OFF_CONS;
	const u8 *recs = nh->in_buf + NTBRING_OFF_RECS;
	const struct ntbring_rec_hdr *h;
	u32 in = le32_to_cpu(READ_ONCE(pl->in));
	u32 len, flags, seq, nrec, tok;

	nh_check_rsvd(nh);
	if (in - nh->rx_out > NH_RX_REC_COUNT) {
		/* The peer re-attached (or lags behind our own re-attach). */
		nh->st.scan_resync++;
		nh->rx_out = in;
	}
	dma_rmb();	/* records after the "in" that covers them */
	while (nh->rx_out != in) {
		h = (const void *)(recs + (nh->rx_out & (NH_RX_REC_COUNT - 1)) *
				   NH_RX_REC_SIZE);
		len = le32_to_cpu(READ_ONCE(h->len));
		seq = le16_to_cpu(READ_ONCE(h->seq));
		flags = le16_to_cpu(READ_ONCE(h->flags));
		nrec = ntbring_nrec(NH_RX_REC_SIZE, len);
		if (seq != (u16)nh->rx_out ||
		    (flags & ~(NTBRING_F_PAD | NH_HF_CSUM)) || !len ||
		    nrec > in - nh->rx_out ||
		    (!(flags & NTBRING_F_PAD) && len > NH_RX_MAX_LEN)) {
			nh->st.scan_bad_hdr++;
			nh_scan_recs(nh, nh->rx_out, in - nh->rx_out,
				     NH_RX_REC_SIZE);
			nh->rx_out = in;
			break;
		}
		if (flags & NTBRING_F_PAD)
			nh->st.scan_pads++;
		else
			nh->st.scan_frames++;
		/* A padding frame's payload is never written: all poison. */
		if (!nh_scan_recs(nh, nh->rx_out, nrec,
				  flags & NTBRING_F_PAD ? NTBRING_HDR_SIZE :
				  NTBRING_HDR_SIZE + len))
			nh->st.scan_dirty++;
		nh->rx_out += nrec;
	}
	if (time_before(jiffies, nh->hold_out))
		return;
	mb();	/* [B3] records read and re-poisoned before "out" */
	iowrite32(nh->rx_out, &cl->out);
	mb();	/* [B4] */
	tok = le32_to_cpu(READ_ONCE(pl->space_tok));
	if (tok != nh->space_seen) {
		nh->space_seen = tok;
		nh_ring(nh, NH_DB_SPACE);
	}
}

static void nh_work(struct work_struct *work)
{
	struct nh_dev *nh = container_of(to_delayed_work(work), struct nh_dev,
					 work);
	u32 w[NTBRING_W_COUNT], h[NTBRING_H_COUNT], again;
	struct ntbring_hs hs;
	int i;

	mutex_lock(&nh->lock);
	if (!ntb_link_is_up(nh->ntb, NULL, NULL)) {
		nh->announced = false;
		nh->peer_gen = 0;
		goto out;
	}
	if (!nh->announced && (nh_window(nh) ||
			       nh_announce(nh, nh->gen ? nh->gen :
					   get_random_u32())))
		goto out;
	if (nh->hello_to)
		iowrite32(++nh->hb, nh_hello_out(nh, NTBRING_H_HB));
	w[NTBRING_W_GEN] = ntb_spad_read(nh->ntb, NTBRING_W_GEN);
	for (i = 0; i < NTBRING_W_GEN; i++)
		w[i] = ntb_spad_read(nh->ntb, i);
	again = ntb_spad_read(nh->ntb, NTBRING_W_GEN);
	if (ntbring_words_decode(w, again, &hs) != NTBRING_HS_OK)
		goto drain;
	if (hs.gen != nh->hello_to)
		nh_hello(nh, hs.gen);
	again = ntbring_hello_read(nh->in_buf + NTBRING_OFF_HELLO, h);
	if (ntbring_hello_decode(h, again, nh->gen, &hs) == NTBRING_HS_OK &&
	    hs.gen != nh->peer_gen &&
	    ntbring_area_size(&hs.rx) <= nh->out_size)
		nh_attach(nh, &hs);
drain:
	if (nh->peer_gen)
		nh_drain(nh);
out:
	mutex_unlock(&nh->lock);
	schedule_delayed_work(&nh->work, msecs_to_jiffies(NH_POLL_MS));
}

/* ---- attacks ---- */

static void __iomem *nh_rec(struct nh_dev *nh, u32 idx)
{
	return nh->tx.recs + ((idx & nh->tx.mask) << nh->tx.shift);
}

static void nh_put_hdr(struct nh_dev *nh, u32 idx, u32 len, u16 seq,
		       u16 flags)
{
	void __iomem *p = nh_rec(nh, idx);

	iowrite32(len, p);
	iowrite32(seq | (u32)flags << 16, p + 4);
}

/* Make [pub, end) visible as if it were a valid batch: in = end. */
static void nh_publish_to(struct nh_dev *nh, u32 end)
{
	wmb();	/* records before the index, as a real producer would */
	iowrite32(end, &nh->tx.pl->in);
	nh->tx.head = end;
	nh->tx.committed = end;
	nh->tx.pub = end;
	nh_ring(nh, NH_DB_DATA);
}

/* Wait (bounded) until @nrec records are free in the peer's ring. */
static int nh_room(struct nh_dev *nh, u32 nrec)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (ntbring_tx_free(&nh->tx) >= nrec)
			return 0;
		mutex_unlock(&nh->lock);
		usleep_range(500, 1000);
		mutex_lock(&nh->lock);
		if (!nh->peer_gen)
			return -ENOLINK;
	}
	return -ETIMEDOUT;
}

/* One valid frame: driver header, Ethernet broadcast, pattern. */
static int nh_good_frame(struct nh_dev *nh, u32 len, u32 flags)
{
	u8 buf[NH_META_LEN + ETH_HLEN];
	struct ntbring_slot slot;
	u8 fill[64];
	u32 done, n;
	int err;

	len = clamp_t(u32, len, NH_META_LEN + ETH_HLEN, nh->tx.max_len);
	err = nh_room(nh, ntbring_nrec(1u << nh->tx.shift, len) * 2);
	if (err)
		return err;
	err = ntbring_tx_reserve(&nh->tx, len, flags, 0, &slot);
	if (err)
		return err;
	memset(buf, 0, sizeof(buf));
	memset(buf + NH_META_LEN, 0xff, ETH_ALEN);
	buf[NH_META_LEN + ETH_ALEN] = 0x02;
	buf[NH_META_LEN + ETH_ALEN + 5] = 0xbb;
	buf[NH_META_LEN + 12] = NH_ETHERTYPE >> 8;
	buf[NH_META_LEN + 13] = NH_ETHERTYPE & 0xff;
	ntbring_tx_write(&nh->tx, &slot, buf, sizeof(buf));
	memset(fill, 0xa5, sizeof(fill));
	for (done = sizeof(buf); done < len; done += n) {
		n = min_t(u32, len - done, sizeof(fill));
		ntbring_tx_write(&nh->tx, &slot, fill, n);
	}
	ntbring_tx_commit(&nh->tx, &slot);
	if (ntbring_tx_publish(&nh->tx))
		nh_ring(nh, NH_DB_DATA);
	nh->st.good++;
	return 0;
}

/* Pad (an empty ring) up to @left records before the end of the ring. */
static int nh_pad_to_end(struct nh_dev *nh, u32 left)
{
	u32 pad;
	int err;

	err = nh_room(nh, nh->tx.count);
	if (err)
		return err;
	pad = (nh->tx.count - left - (nh->tx.head & nh->tx.mask)) &
	      nh->tx.mask;
	if (!pad)
		return 0;
	nh_put_hdr(nh, nh->tx.head, (pad << nh->tx.shift) - NTBRING_HDR_SIZE,
		   (u16)nh->tx.head, NTBRING_F_PAD);
	nh_publish_to(nh, nh->tx.head + pad);
	return 0;
}

/* A bad header at the head; publish @nrec records (0: its own size). */
static int nh_bad_hdr(struct nh_dev *nh, u32 len, u16 seq, u16 flags,
		      u32 nrec)
{
	int err = nh_room(nh, nh->tx.count);

	if (err)
		return err;
	nh_put_hdr(nh, nh->tx.head, len, seq, flags);
	nh_publish_to(nh, nh->tx.head + (nrec ? nrec : 1));
	nh->st.bad++;
	return 0;
}

/*
 * Let the peer look at what we wrote before the next command: it re-arms
 * (a new arm token in our window) when its poll ends, whether it accepted
 * or rejected the data, and a rejected frame moves its consumer index past
 * everything we published. Frames published before the peer has done both
 * could be dropped with the bad ones (the consumer discards everything
 * published when it rejects a frame). Bounded (about 2 s, for slow
 * emulated nodes); no answer is not an error. With @any_tok only the
 * consumer index counts: the peer has taken all we published (before an
 * attack, whose frames must not meet a poll still busy with good ones).
 */
static bool nh_peer_done(struct nh_dev *nh, u32 tok, bool any_tok)
{
	return (any_tok || le32_to_cpu(READ_ONCE(nh->tx.cl->arm_tok)) != tok) &&
	       le32_to_cpu(READ_ONCE(nh->tx.cl->out)) == nh->tx.pub;
}

static void nh_settle(struct nh_dev *nh, u32 tok, bool any_tok)
{
	int i;

	for (i = 0; i < 800 && !nh_peer_done(nh, tok, any_tok); i++) {
		mutex_unlock(&nh->lock);
		usleep_range(2000, 3000);
		mutex_lock(&nh->lock);
	}
}

static u32 nh_rand_below(u32 n)
{
	return n ? get_random_u32() % n : 0;
}

static void nh_fuzz(struct nh_dev *nh, u32 rounds)
{
	u32 r, i, v;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 3; i++)
			iowrite32(get_random_u32(), nh->out + NTBRING_OFF_PROD +
				  4 * i);
		for (i = 0; i < 4; i++) {
			v = nh_rand_below(nh->tx.count);
			iowrite32(get_random_u32(), nh_rec(nh, v));
			iowrite32(get_random_u32(), nh_rec(nh, v) + 4);
		}
		/* Half of the rounds: a plausible index over random headers. */
		if (r & 1)
			iowrite32(nh->tx.pub + 1 + nh_rand_below(nh->tx.count),
				  &nh->tx.pl->in);
		nh_ring(nh, NH_DB_DATA);
		nh->st.bad++;
		if (!(r % 16)) {
			mutex_unlock(&nh->lock);
			usleep_range(1000, 2000);
			mutex_lock(&nh->lock);
		}
	}
}

/*
 * After random indices the peer resynchronised to whatever "in" it last
 * accepted: let it settle, then continue from the index it released.
 */
static void nh_follow(struct nh_dev *nh)
{
	u32 out;

	mutex_unlock(&nh->lock);
	msleep(100);
	mutex_lock(&nh->lock);
	out = le32_to_cpu(READ_ONCE(nh->tx.cl->out));
	nh->tx.out = out;
	nh_publish_to(nh, out);
}

/* New generation whose words (@hello false) or hello carry @val at @idx. */
static void nh_bad_announce(struct nh_dev *nh, bool hello, u32 idx, u32 val)
{
	u32 w[NTBRING_W_COUNT], h[NTBRING_H_COUNT];
	struct ntbring_hs hs;

	if (!++nh->gen)
		nh->gen = 1;
	nh->peer_gen = 0;
	nh_self(nh, &hs);
	ntbring_words_encode(&hs, w);
	if (!hello)
		w[idx] = val;
	nh_words_raw(nh, w);
	if (hello) {
		ntbring_hello_encode(&hs, nh->hello_to, nh->hb, h);
		h[idx] = val;
		nh_hello_raw(nh, h);
	}
	nh->st.bad++;
}

/* ---- commands (debugfs "cmd"), one handler each ---- */

static int nh_cmd_reannounce(struct nh_dev *nh, u32 arg, u32 arg2)
{
	nh->announced = false;
	nh->gen++;
	return 0;
}

static int nh_cmd_spad_garbage(struct nh_dev *nh, u32 arg, u32 arg2)
{
	u32 i;

	for (i = 0; i < NTBRING_W_COUNT; i++)
		nh_spad_put(nh, i, get_random_u32());
	nh_ring(nh, NH_DB_HS);
	nh->peer_gen = 0;
	nh->st.bad++;
	return 0;
}

static int nh_cmd_hello_garbage(struct nh_dev *nh, u32 arg, u32 arg2)
{
	u32 i;

	for (i = 0; i < NTBRING_LINE_SLOT / 4; i++)
		iowrite32(get_random_u32(), nh_hello_out(nh, i));
	ioread32(nh_hello_out(nh, 0));
	nh_ring(nh, NH_DB_HS);
	/* the peer resets itself; our hello is owed to its new generation */
	nh->peer_gen = 0;
	nh->st.bad++;
	return 0;
}

static int nh_cmd_version(struct nh_dev *nh, u32 arg, u32 arg2)
{
	nh_bad_announce(nh, false, NTBRING_W_ID,
			NTBRING_ID_MAGIC << 16 | (NTBRING_VERSION_MAJOR + 1) << 8);
	return 0;
}

static int nh_cmd_geom(struct nh_dev *nh, u32 arg, u32 arg2)
{
	nh_bad_announce(nh, true, NTBRING_H_GEOM, 8 | 15 << 8);
	return 0;
}

static int nh_cmd_gen_back(struct nh_dev *nh, u32 arg, u32 arg2)
{
	nh->announced = false;
	nh->gen -= 2;
	return 0;
}

static int nh_cmd_torn(struct nh_dev *nh, u32 arg, u32 arg2)
{
	u32 i;

	for (i = 0; i < min(arg, 100000u); i++)
		nh_spad_put(nh, NTBRING_W_GEN, i & 1 ? nh->gen :
			    nh->gen ^ 0x5a5a);
	nh_spad_put(nh, NTBRING_W_GEN, nh->gen);
	nh_ring(nh, NH_DB_HS);
	return 0;
}

static int nh_cmd_db_storm(struct nh_dev *nh, u32 arg, u32 arg2)
{
	u32 i;

	for (i = 0; i < min(arg, 1000000u); i++) {
		ntb_peer_db_set(nh->ntb, ntb_db_valid_mask(nh->ntb));
		if (!(i % 1024))
			cond_resched();
	}
	nh->st.doorbells += i;
	return 0;
}

static int nh_cmd_good(struct nh_dev *nh, u32 arg, u32 arg2)
{
	int err = 0;
	u32 i;

	for (i = 0; i < min(arg, 100000u) && !err; i++)
		err = nh_good_frame(nh, arg2 ? arg2 : 100, 0);
	return err;
}

static int nh_cmd_wrap_good(struct nh_dev *nh, u32 arg, u32 arg2)
{
	int err = nh_pad_to_end(nh, 1);

	return err ?: nh_good_frame(nh, 3 * (1u << nh->tx.shift), 0);
}

/* Publish producer index @in, one no correct producer writes. */
static int nh_bad_in(struct nh_dev *nh, u32 in)
{
	iowrite32(in, &nh->tx.pl->in);
	nh_ring(nh, NH_DB_DATA);
	nh->st.bad++;
	return 0;
}

static int nh_cmd_index_ahead(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_in(nh, nh->tx.pub + nh->tx.count + 7);
}

static int nh_cmd_index_behind(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_in(nh, nh->tx.pub - 5);
}

static int nh_cmd_bad_seq(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, 100, (u16)(nh->tx.head + 1), 0, 0);
}

static int nh_cmd_stale(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, 100, (u16)(nh->tx.head - nh->tx.count), 0, 0);
}

static int nh_cmd_len_zero(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, 0, (u16)nh->tx.head, 0, 0);
}

static int nh_cmd_len_huge(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, 0xffffffff, (u16)nh->tx.head, 0, 0);
}

static int nh_cmd_len_max(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, nh->tx.max_len + 1, (u16)nh->tx.head, 0,
			  ntbring_nrec(1u << nh->tx.shift, nh->tx.max_len + 1));
}

static int nh_cmd_trunc(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, 4 << nh->tx.shift, (u16)nh->tx.head, 0, 1);
}

static int nh_cmd_wrap_trunc(struct nh_dev *nh, u32 arg, u32 arg2)
{
	int err = nh_pad_to_end(nh, 2);

	return err ?: nh_bad_hdr(nh, 4 << nh->tx.shift, (u16)nh->tx.head, 0,
				 2);
}

static int nh_cmd_pad_huge(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, (nh->tx.count << nh->tx.shift) + 1,
			  (u16)nh->tx.head, NTBRING_F_PAD, 0);
}

static int nh_cmd_flags_reserved(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, 100, (u16)nh->tx.head, 0x0002, 0);
}

static int nh_cmd_pad_reserved(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_bad_hdr(nh, 100, (u16)nh->tx.head, NTBRING_F_PAD | 0x0080,
			  0);
}

/*
 * A well-formed ring frame that only the driver can reject: @len bytes
 * with header flags @fl, its meta header saying checksum start @cs and
 * offset @co.
 */
static int nh_drv_frame(struct nh_dev *nh, u16 fl, u32 len, u16 cs, u8 co)
{
	const u32 big = NH_META_LEN + 1400;
	struct ntbring_slot slot;
	u8 *buf = kzalloc(big, GFP_KERNEL);
	int err;

	if (!buf)
		return -ENOMEM;
	buf[0] = cs & 0xff;
	buf[1] = cs >> 8;
	buf[2] = co;
	err = nh_room(nh, 16);
	if (!err)
		err = ntbring_tx_reserve(&nh->tx, len, 0, fl, &slot);
	if (!err) {
		ntbring_tx_write(&nh->tx, &slot, buf, len);
		ntbring_tx_commit(&nh->tx, &slot);
		ntbring_tx_publish(&nh->tx);
		nh_ring(nh, NH_DB_DATA);
		nh->st.bad++;
	}
	kfree(buf);
	return err;
}

static int nh_cmd_drv_flags(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_drv_frame(nh, 0x8000, NH_META_LEN + ETH_HLEN, 0, 0);
}

static int nh_cmd_runt(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_drv_frame(nh, 0, NH_META_LEN + 4, 0, 0);
}

static int nh_cmd_bad_meta(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_drv_frame(nh, NH_HF_CSUM, NH_META_LEN + ETH_HLEN, 0xea60, 0);
}

static int nh_cmd_csum_low(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_drv_frame(nh, NH_HF_CSUM, NH_META_LEN + ETH_HLEN, 4, 6);
}

static int nh_cmd_csum_far(struct nh_dev *nh, u32 arg, u32 arg2)
{
	return nh_drv_frame(nh, NH_HF_CSUM, NH_META_LEN + 1400, 1100, 6);
}

static int nh_cmd_bad_out(struct nh_dev *nh, u32 arg, u32 arg2)
{
	iowrite32(nh->rx_out + 0x40000000, nh->out + NTBRING_OFF_CONS);
	nh->hold_out = jiffies + 3 * HZ;
	nh->st.bad++;
	return 0;
}

static int nh_cmd_arm_storm(struct nh_dev *nh, u32 arg, u32 arg2)
{
	u32 i;

	for (i = 0; i < min(arg, 100000u); i++)
		iowrite32(get_random_u32(), nh->out + NTBRING_OFF_CONS +
			  offsetof(struct ntbring_cons_line, arm_tok));
	nh->st.bad++;
	return 0;
}

static int nh_cmd_fuzz(struct nh_dev *nh, u32 arg, u32 arg2)
{
	nh_fuzz(nh, min(arg, 10000u));
	nh_follow(nh);
	/* A valid frame ends it: the peer sees its ring in sync again. */
	return nh->peer_gen ? nh_good_frame(nh, 100, 0) : 0;
}

/**
 * struct nh_cmd - one command of the debugfs "cmd" file.
 * @name:   the word written.
 * @fn:     does it, with the two optional numbers that follow.
 * @link:   needs an attached peer: -ENOLINK without one.
 * @settle: before, wait for the peer to take what we published; afterwards,
 *          for it to settle (nh_settle()); not for good frames or an
 *          attack on our own consumer line.
 */
struct nh_cmd {
	const char *name;
	int (*fn)(struct nh_dev *nh, u32 arg, u32 arg2);
	bool link;
	bool settle;
};

#define NH_CMD(n, l, s)	{ #n, nh_cmd_##n, l, s }

static const struct nh_cmd nh_cmds[] = {
	NH_CMD(reannounce, false, false),
	NH_CMD(spad_garbage, false, false),
	NH_CMD(hello_garbage, false, false),
	NH_CMD(version, false, false),
	NH_CMD(geom, false, false),
	NH_CMD(gen_back, false, false),
	NH_CMD(torn, false, false),
	NH_CMD(db_storm, false, false),
	NH_CMD(good, true, false),
	NH_CMD(wrap_good, true, true),
	NH_CMD(index_ahead, true, true),
	NH_CMD(index_behind, true, true),
	NH_CMD(bad_seq, true, true),
	NH_CMD(stale, true, true),
	NH_CMD(len_zero, true, true),
	NH_CMD(len_huge, true, true),
	NH_CMD(len_max, true, true),
	NH_CMD(trunc, true, true),
	NH_CMD(wrap_trunc, true, true),
	NH_CMD(pad_huge, true, true),
	NH_CMD(flags_reserved, true, true),
	NH_CMD(pad_reserved, true, true),
	NH_CMD(drv_flags, true, true),
	NH_CMD(runt, true, true),
	NH_CMD(bad_meta, true, true),
	NH_CMD(csum_low, true, true),
	NH_CMD(csum_far, true, true),
	NH_CMD(bad_out, true, false),
	NH_CMD(arm_storm, true, false),
	NH_CMD(fuzz, true, true),
};

static int nh_cmd(struct nh_dev *nh, const char *cmd, u32 arg, u32 arg2)
{
	const struct nh_cmd *c;
	u32 tok = 0;
	int err;

	for (c = nh_cmds; c < nh_cmds + ARRAY_SIZE(nh_cmds); c++)
		if (!strcmp(cmd, c->name))
			break;
	if (c == nh_cmds + ARRAY_SIZE(nh_cmds))
		return -EINVAL;
	if (c->link) {
		if (!nh->peer_gen || !nh_up(nh))
			return -ENOLINK;
		/*
		 * An attack meets a consumer that has taken everything before
		 * it: an index "behind" one still busy with earlier frames
		 * would be a valid one.
		 */
		if (c->settle)
			nh_settle(nh, 0, true);
		tok = le32_to_cpu(READ_ONCE(nh->tx.cl->arm_tok));
	}
	err = c->fn(nh, arg, arg2);
	if (!err && c->settle)
		nh_settle(nh, tok, false);
	return err;
}

/* ---- debugfs ---- */

static ssize_t nh_cmd_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct nh_dev *nh = file->private_data;
	char buf[64], name[24];
	u32 arg = 1, arg2 = 0;
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%23s %u %u", name, &arg, &arg2) < 1)
		return -EINVAL;
	mutex_lock(&nh->lock);
	err = nh_cmd(nh, name, arg, arg2);
	snprintf(nh->last, sizeof(nh->last), "%s: %d", name, err);
	mutex_unlock(&nh->lock);
	if (!err)
		mod_delayed_work(system_wq, &nh->work, 0);
	return err ? err : count;
}

static const struct file_operations nh_cmd_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= nh_cmd_write,
};

static int nh_stats_show(struct seq_file *s, void *unused)
{
	struct nh_dev *nh = s->private;

	mutex_lock(&nh->lock);
	seq_printf(s, "up %d\ngen %08x\npeer_gen %08x\n", nh_up(nh), nh->gen,
		   nh->peer_gen);
	seq_printf(s, "tx_head %u\ntx_pub %u\ntx_count %u\nrx_out %u\n",
		   nh->tx.head, nh->tx.pub, nh->tx.count, nh->rx_out);
	seq_printf(s, "attaches %llu\ngood %llu\nbad %llu\ndoorbells %llu\n",
		   nh->st.attaches, nh->st.good, nh->st.bad, nh->st.doorbells);
	seq_printf(s, "scan_frames %llu\nscan_pads %llu\nscan_bad_hdr %llu\n",
		   nh->st.scan_frames, nh->st.scan_pads, nh->st.scan_bad_hdr);
	seq_printf(s, "scan_dirty %llu\nrsvd_dirty %llu\nscan_resync %llu\n",
		   nh->st.scan_dirty, nh->st.rsvd_dirty, nh->st.scan_resync);
	seq_printf(s, "last %s\n", nh->last);
	mutex_unlock(&nh->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nh_stats);

/* ---- NTB client ---- */

static void nh_db_event(void *ctx, int vector)
{
	struct nh_dev *nh = ctx;
	u64 bits = ntb_db_read(nh->ntb);

	ntb_db_clear(nh->ntb, bits);
	if (bits & nh->db[NH_DB_HS])
		mod_delayed_work(system_wq, &nh->work, 0);
}

static void nh_link_event(void *ctx)
{
	struct nh_dev *nh = ctx;

	mod_delayed_work(system_wq, &nh->work, 0);
}

static const struct ntb_ctx_ops nh_ctx_ops = {
	.link_event	= nh_link_event,
	.db_event	= nh_db_event,
};

static int nh_probe(struct ntb_client *client, struct ntb_dev *ntb)
{
	phys_addr_t phys;
	struct nh_dev *nh;
	int err;

	if (hweight64(ntb_db_valid_mask(ntb)) < NH_DB_COUNT ||
	    ntb_spad_count(ntb) < NTBRING_W_COUNT)
		return -ENODEV;
	nh = kzalloc(sizeof(*nh), GFP_KERNEL);
	if (!nh)
		return -ENOMEM;
	nh->ntb = ntb;
	mutex_init(&nh->lock);
	INIT_DELAYED_WORK(&nh->work, nh_work);
	ntbnet_db_pick(ntb, NH_DB_COUNT, nh->db);
	err = ntb_peer_mw_get_addr(ntb, NH_MW, &phys, &nh->out_size);
	if (err)
		goto err_free;
	nh->out = ioremap_wc(phys, nh->out_size);
	if (!nh->out) {
		err = -ENOMEM;
		goto err_free;
	}
	err = ntb_set_ctx(ntb, nh, &nh_ctx_ops);
	if (err)
		goto err_unmap;
	ntb_db_clear(ntb, ntb_db_valid_mask(ntb));
	ntb_db_clear_mask(ntb, ntb_db_valid_mask(ntb));
	nh->dbg = debugfs_create_dir(pci_name(ntb->pdev), nh_root);
	debugfs_create_file("cmd", 0200, nh->dbg, nh, &nh_cmd_fops);
	debugfs_create_file("stats", 0444, nh->dbg, nh, &nh_stats_fops);
	ntb_link_enable(ntb, NTB_SPEED_AUTO, NTB_WIDTH_AUTO);
	schedule_delayed_work(&nh->work, 0);
	dev_info(&ntb->dev, "hostile ntbnet peer ready (test only)\n");
	return 0;

err_unmap:
	iounmap(nh->out);
err_free:
	kfree(nh);
	return err;
}

static void nh_remove(struct ntb_client *client, struct ntb_dev *ntb)
{
	struct nh_dev *nh = ntb->ctx;

	ntb_db_set_mask(ntb, ntb_db_valid_mask(ntb));
	ntb_clear_ctx(ntb);
	debugfs_remove_recursive(nh->dbg);
	cancel_delayed_work_sync(&nh->work);
	/* Leave like ntbnet does: generation 0, then the handshake bell. */
	nh_spad_put(nh, NTBRING_W_GEN, 0);
	nh_ring(nh, NH_DB_HS);
	ntb_link_disable(ntb);
	if (nh->in_buf) {
		ntb_mw_clear_trans(ntb, NH_PIDX, NH_MW);
		dma_free_coherent(&ntb->pdev->dev, nh->in_size, nh->in_buf,
				  nh->in_dma);
	}
	iounmap(nh->out);
	kfree(nh);
}

static struct ntb_client nh_client = {
	.ops = {
		.probe = nh_probe,
		.remove = nh_remove,
	},
};

static int __init nh_init(void)
{
	int err;

	nh_root = debugfs_create_dir("ntb_hostile", NULL);
	err = ntb_register_client(&nh_client);
	if (err)
		debugfs_remove_recursive(nh_root);
	return err;
}
module_init(nh_init);

static void __exit nh_exit(void)
{
	ntb_unregister_client(&nh_client);
	debugfs_remove_recursive(nh_root);
}
module_exit(nh_exit);

MODULE_DESCRIPTION("Hostile ntbnet peer for robustness tests (test only)");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("ntbnet project");
