// SPDX-License-Identifier: GPL-2.0
/*
 * ntbring.c - ntbnet ring: producer, consumer and handshake helpers.
 *
 * The wire format and the ordering rules are specified in
 * docs/protocol.md; section names quoted below refer to it.
 *
 * Two rules shape every function here:
 *  - each side reads only its own memory; everything it tells the peer is
 *    a posted write through the outbound window;
 *  - every value the peer wrote is read once into a local and checked
 *    before it is used to compute an address or a length.
 *
 * Barrier pairs (tag: writer side <-> reader side):
 *  [B1] tx_publish: wmb between records and "in"
 *       <-> rx_peek: rmb between "in" and the records.
 *  [B2] tx_publish: mb between "in" and reading arm_tok
 *       <-> rx_arm: arm_tok write, flush, mb, reading "in".
 *  [B3] rx_release: mb between reading records and "out"
 *       <-> tx_free: control dependency from "out" to record writes.
 *  [B4] rx_release: mb between "out" and reading space_tok
 *       <-> tx_wait_space: space_tok write, flush, mb, reading "out".
 *  [B5] tx_wait_space: wmb between space_at and space_tok
 *       <-> rx_release: rmb between space_tok and space_at.
 */
#include "ntbring.h"

static u32 ntbring_log2(u32 v)
{
	return (u32)__builtin_ctz(v);
}

static bool ntbring_pow2(u32 v)
{
	return v && !(v & (v - 1));
}

/* Records of 1 << @shift bytes a frame of @len payload bytes occupies. */
static u32 ntbring_recs(u32 shift, u32 len)
{
	u64 bytes = (u64)NTBRING_HDR_SIZE + len + (1u << shift) - 1;

	return (u32)(bytes >> shift);
}

/**
 * ntbring_nrec() - records occupied by a frame.
 * @rec_size: record size in bytes, a power of two (ntbring_geom_check()).
 * @len: payload length in bytes.
 *
 * Return: the number of records a frame of @len payload bytes occupies,
 * header included. Computed in 64 bits so no @len can wrap it.
 */
u32 ntbring_nrec(u32 rec_size, u32 len)
{
	return ntbring_recs(ntbring_log2(rec_size), len);
}

/**
 * ntbring_geom_check() - validate a ring geometry against the bounds.
 * @g: geometry proposed by the receiver.
 *
 * Return: 0 if @g is within the documented bounds, -EINVAL otherwise.
 */
int ntbring_geom_check(const struct ntbring_geom *g)
{
	if (!ntbring_pow2(g->rec_size) ||
	    g->rec_size < NTBRING_REC_SIZE_MIN ||
	    g->rec_size > NTBRING_REC_SIZE_MAX)
		return -EINVAL;
	if (!ntbring_pow2(g->rec_count) ||
	    g->rec_count < NTBRING_REC_COUNT_MIN ||
	    g->rec_count > NTBRING_REC_COUNT_MAX)
		return -EINVAL;
	if (!g->max_len || g->max_len > NTBRING_MAX_LEN_LIMIT)
		return -EINVAL;
	/* A maximal frame plus worst-case padding must fit in the ring. */
	if (ntbring_nrec(g->rec_size, g->max_len) > g->rec_count / 2)
		return -EINVAL;
	return 0;
}

/**
 * ntbring_area_size() - bytes of window a ring's receiver must expose.
 * @g: a geometry accepted by ntbring_geom_check().
 *
 * Return: NTBRING_OFF_RECS plus the record array size.
 */
u32 ntbring_area_size(const struct ntbring_geom *g)
{
	return NTBRING_OFF_RECS + g->rec_size * g->rec_count;
}

/* Bytes of one ring's records. */
static u64 ntbring_ring_bytes(const struct ntbring_geom *g)
{
	return (u64)g->rec_size * g->rec_count;
}

/**
 * ntbring_mq_area_size() - window bytes for @queues rings of geometry @g.
 * @g: the geometry of each ring (the window owner's).
 * @queues: rings the owner announced, 1 (the 2.0 layout) or more.
 *
 * Return: bytes from the window's start to the end of the last queue's
 * lines (64 bits: 16 rings of the largest geometry pass 4 GiB).
 */
u64 ntbring_mq_area_size(const struct ntbring_geom *g, u32 queues)
{
	if (queues <= 1)
		return ntbring_area_size(g);
	return NTBRING_OFF_RECS + queues * ntbring_ring_bytes(g) +
	       (u64)(queues - 1) * NTBRING_QLINES_STRIDE;
}

/**
 * ntbring_off_recs() - window offset of queue @q's records.
 * @g: the geometry of each ring (the window owner's).
 * @q: the queue.
 *
 * Return: the offset (the caller checked the window holds the queue).
 */
u32 ntbring_off_recs(const struct ntbring_geom *g, u32 q)
{
	return NTBRING_OFF_RECS + q * g->rec_size * g->rec_count;
}

/**
 * ntbring_off_prod() - window offset of queue @q's producer line.
 * @g: the geometry of each ring (the window owner's).
 * @queues: rings the owner announced.
 * @q: the queue, below @queues.
 *
 * Return: the offset; the consumer line is ntbring_off_cons().
 */
u32 ntbring_off_prod(const struct ntbring_geom *g, u32 queues, u32 q)
{
	if (!q)
		return NTBRING_OFF_PROD;
	return ntbring_off_recs(g, queues) + (q - 1) * NTBRING_QLINES_STRIDE;
}

/**
 * ntbring_off_cons() - window offset of queue @q's consumer line.
 * @g: the geometry of each ring (the window owner's).
 * @queues: rings the owner announced.
 * @q: the queue, below @queues.
 *
 * Return: the offset.
 */
u32 ntbring_off_cons(const struct ntbring_geom *g, u32 queues, u32 q)
{
	return ntbring_off_prod(g, queues, q) +
	       (NTBRING_OFF_CONS - NTBRING_OFF_PROD);
}

/* ---- producer ---- */

/**
 * ntbring_tx_init() - attach a producer to the peer's receive ring.
 * @tx: producer state to initialise.
 * @g: geometry the receiver announced.
 * @recs: record array in the peer window (window offset NTBRING_OFF_RECS).
 * @pl: producer line in the peer window (offset NTBRING_OFF_PROD).
 * @cl: consumer line in local memory (our window, NTBRING_OFF_CONS).
 * @start: initial index, ntbring_start_index() of both generations.
 *
 * Writes the initial producer line into the peer. The caller flushes the
 * window before acknowledging the peer's generation ("Handshake").
 *
 * Return: 0, or -EINVAL for a bad geometry.
 */
int ntbring_tx_init(struct ntbring_tx *tx, const struct ntbring_geom *g,
		    void __iomem *recs,
		    struct ntbring_prod_line __iomem *pl,
		    const struct ntbring_cons_line *cl, u32 start)
{
	u32 i;

	if (ntbring_geom_check(g))
		return -EINVAL;
	tx->recs = recs;
	tx->pl = pl;
	tx->cl = cl;
	tx->shift = ntbring_log2(g->rec_size);
	tx->count = g->rec_count;
	tx->mask = g->rec_count - 1;
	tx->max_len = g->max_len;
	tx->head = start;
	tx->committed = start;
	tx->pub = start;
	tx->out = start;
	tx->arm_seen = start;
	tx->space_tok = start;
	tx->bad_out = 0;

	ntbr_write32(start, &pl->space_at);
	ntbr_write32(start, &pl->space_tok);
	for (i = 0; i < ARRAY_SIZE(pl->rsvd); i++)
		ntbr_write32(0, &pl->rsvd[i]);
	ntbr_write32(start, &pl->in);
	return 0;
}

/**
 * ntbring_tx_free() - free records, refreshing the consumer index.
 * @tx: producer state.
 *
 * Reads "out" from local memory. A value outside [last out, published
 * in] cannot come from a correct consumer: it is ignored and counted in
 * @tx->bad_out, so a broken peer can stall the ring but never make us
 * overwrite records it has not released.
 *
 * Return: records that can be reserved now.
 */
u32 ntbring_tx_free(struct ntbring_tx *tx)
{
	u32 out = ntbr_read32(&tx->cl->out);

	if (out - tx->out <= tx->pub - tx->out)
		tx->out = out;
	else
		tx->bad_out++;
	/*
	 * [B3] Records are rewritten only after this check succeeds: the
	 * control dependency orders the "out" load before those stores.
	 */
	return tx->count - (tx->head - tx->out);
}

static void ntbring_tx_put_hdr(struct ntbring_tx *tx, u32 idx, u32 len,
			       u16 flags)
{
	struct ntbring_rec_hdr hdr;

	hdr.len = ntbr_cpu_to_le32(len);
	hdr.seq = ntbr_cpu_to_le16((u16)idx);
	hdr.flags = ntbr_cpu_to_le16(flags);
	ntbr_copy_to_peer(tx->recs + ((idx & tx->mask) << tx->shift), &hdr,
			  sizeof(hdr));
}

/**
 * ntbring_tx_reserve() - reserve records for one frame.
 * @tx: producer state.
 * @len: payload length, 1..max_len.
 * @flags: 0 or NTBRING_RESERVE_CONTIG (payload must not wrap, e.g. for
 *         a single DMA descriptor; the tail of the ring is then padded).
 * @drv_flags: NTBRING_F_DRIVER bits to carry in the header.
 * @slot: filled in with the frame's place in the ring.
 *
 * Writes the frame header (and any padding frame). The payload is then
 * written with ntbring_tx_write() or by a DMA engine at @slot->off, and
 * the frame is made visible by ntbring_tx_commit() + ntbring_tx_publish().
 * Frames must be committed in the order they were reserved.
 *
 * Return: 0; -EMSGSIZE if @len is 0 or above max_len; -EINVAL for bad
 * flags; -ENOSPC if the ring is too full (see ntbring_tx_wait_space()).
 */
int ntbring_tx_reserve(struct ntbring_tx *tx, u32 len, u32 flags,
		       u16 drv_flags, struct ntbring_slot *slot)
{
	u32 nrec, pos, pad = 0, area, off;

	if (!len || len > tx->max_len)
		return -EMSGSIZE;
	if ((drv_flags & ~NTBRING_F_DRIVER) ||
	    (flags & ~NTBRING_RESERVE_CONTIG))
		return -EINVAL;
	nrec = ntbring_recs(tx->shift, len);
	pos = tx->head & tx->mask;
	if ((flags & NTBRING_RESERVE_CONTIG) && pos + nrec > tx->count)
		pad = tx->count - pos;
	if (tx->count - (tx->head - tx->out) < pad + nrec &&
	    ntbring_tx_free(tx) < pad + nrec)
		return -ENOSPC;

	slot->start = tx->head;
	if (pad) {
		ntbring_tx_put_hdr(tx, tx->head,
				   (pad << tx->shift) - NTBRING_HDR_SIZE,
				   NTBRING_F_PAD);
		tx->head += pad;
		pos = 0;
	}
	ntbring_tx_put_hdr(tx, tx->head, len, drv_flags);
	slot->idx = tx->head;
	slot->len = len;
	slot->pos = 0;
	area = tx->count << tx->shift;
	off = (pos << tx->shift) + NTBRING_HDR_SIZE;
	slot->off[0] = off;
	slot->n[0] = len < area - off ? len : area - off;
	slot->off[1] = 0;
	slot->n[1] = len - slot->n[0];
	tx->head += nrec;
	slot->end = tx->head;
	return 0;
}

/**
 * ntbring_tx_write() - append payload bytes to a reserved frame.
 * @tx: producer state.
 * @slot: frame from ntbring_tx_reserve().
 * @src: bytes to copy.
 * @n: byte count; the total over all calls may not exceed @slot->len.
 *
 * Call once per scatter-gather piece; pieces are laid out back to back.
 *
 * Return: 0, or -EINVAL if @n would overflow the frame.
 */
int ntbring_tx_write(struct ntbring_tx *tx, struct ntbring_slot *slot,
		     const void *src, u32 n)
{
	const u8 *s = src;
	u32 pos = slot->pos, k;

	if (n > slot->len - pos)
		return -EINVAL;
	if (pos < slot->n[0]) {
		k = slot->n[0] - pos;
		if (k > n)
			k = n;
		ntbr_copy_to_peer(tx->recs + slot->off[0] + pos, s, k);
		s += k;
		n -= k;
		pos += k;
	}
	if (n) {
		ntbr_copy_to_peer(tx->recs + slot->off[1] + (pos - slot->n[0]),
				  s, n);
		pos += n;
	}
	slot->pos = pos;
	return 0;
}

/**
 * ntbring_tx_commit() - mark a frame's payload complete.
 * @tx: producer state.
 * @slot: the oldest reserved, uncommitted frame.
 *
 * Does not publish: call ntbring_tx_publish() once per batch. With DMA,
 * call this from the completion path, in reservation order.
 *
 * Return: 0, or -EINVAL if @slot is not the oldest uncommitted frame.
 */
int ntbring_tx_commit(struct ntbring_tx *tx, const struct ntbring_slot *slot)
{
	if (slot->start != tx->committed ||
	    slot->end - slot->start > tx->head - tx->committed)
		return -EINVAL;
	tx->committed = slot->end;
	return 0;
}

/**
 * ntbring_tx_publish() - make committed frames visible to the consumer.
 * @tx: producer state.
 *
 * One index write per batch, then the doorbell decision: the consumer
 * asks for a doorbell by changing arm_tok, and gets exactly one per
 * change ("Doorbells").
 *
 * Return: true if the caller must ring the peer's data doorbell.
 */
bool ntbring_tx_publish(struct ntbring_tx *tx)
{
	u32 tok;

	if (tx->committed == tx->pub)
		return false;
	/* [B1] Records and headers reach the peer before "in". */
	ntbr_wmb();
	ntbr_write32(tx->committed, &tx->pl->in);
	tx->pub = tx->committed;
	/*
	 * [B2] "in" leaves the CPU before we look at arm_tok: either the
	 * consumer's re-check after arming sees this "in", or we see its
	 * new token and ring.
	 */
	ntbr_mb();
	tok = ntbr_read32(&tx->cl->arm_tok);
	if (tok == tx->arm_seen)
		return false;
	tx->arm_seen = tok;
	return true;
}

/**
 * ntbring_tx_wait_space() - ask the consumer for a doorbell when space frees.
 * @tx: producer state.
 * @nrec: records wanted (e.g. the worst-case frame, or a wake threshold).
 *
 * Publish first: the consumer can only free what it has seen. After this
 * returns false the caller stops sending until the "space" doorbell; if it
 * returns true the space appeared meanwhile and the caller goes on.
 *
 * Return: true if at least @nrec records are free now.
 */
bool ntbring_tx_wait_space(struct ntbring_tx *tx, u32 nrec)
{
	u32 at;

	if (nrec > tx->count)
		nrec = tx->count;
	at = tx->head - tx->count + nrec;
	/* Unpublished records cannot be consumed: never wait beyond pub. */
	if ((s32)(at - tx->pub) > 0)
		at = tx->pub;
	ntbr_write32(at, &tx->pl->space_at);
	/* [B5] space_at lands before the token that announces it. */
	ntbr_wmb();
	ntbr_write32(++tx->space_tok, &tx->pl->space_tok);
	/*
	 * [B4] Reading the token back pushes our posted writes to the peer;
	 * the mb keeps the re-check of "out" after it. Either the consumer
	 * saw the token, or its "out" store is already visible to us.
	 */
	ntbr_flush32(&tx->pl->space_tok);
	ntbr_mb();
	return ntbring_tx_free(tx) >= nrec;
}

/* ---- consumer ---- */

/**
 * ntbring_rx_init() - attach a consumer to our receive ring.
 * @rx: consumer state to initialise.
 * @g: geometry we announced for this ring.
 * @recs: record array in local memory (window offset NTBRING_OFF_RECS).
 * @pl: producer line in local memory (offset NTBRING_OFF_PROD).
 * @cl: consumer line in the peer window (offset NTBRING_OFF_CONS).
 * @start: initial index, ntbring_start_index() of both generations.
 *
 * Resets the local producer line, writes the consumer line into the peer
 * and arms: the first published frame brings a doorbell.
 *
 * Return: 0, or -EINVAL for a bad geometry.
 */
int ntbring_rx_init(struct ntbring_rx *rx, const struct ntbring_geom *g,
		    const void *recs, struct ntbring_prod_line *pl,
		    struct ntbring_cons_line __iomem *cl, u32 start)
{
	u32 i;

	if (ntbring_geom_check(g))
		return -EINVAL;
	rx->recs = recs;
	rx->pl = pl;
	rx->cl = cl;
	rx->shift = ntbring_log2(g->rec_size);
	rx->count = g->rec_count;
	rx->mask = g->rec_count - 1;
	rx->max_len = g->max_len;
	rx->out = start;
	rx->rel = start;
	rx->in = start;
	rx->arm_tok = start + 1;
	rx->space_seen = start;

	ntbr_write_local32(start, &pl->in);
	ntbr_write_local32(start, &pl->space_tok);
	ntbr_write_local32(start, &pl->space_at);
	for (i = 0; i < ARRAY_SIZE(cl->rsvd); i++)
		ntbr_write32(0, &cl->rsvd[i]);
	ntbr_write32(start, &cl->out);
	ntbr_write32(rx->arm_tok, &cl->arm_tok);
	return 0;
}

static int ntbring_rx_reject(struct ntbring_rx *rx, struct ntbring_frame *f,
			     enum ntbring_bad reason)
{
	f->reason = reason;
	f->idx = rx->out;
	f->nrec = rx->in - rx->out;
	f->len = 0;
	/* Resynchronise: nothing published so far can be trusted. */
	rx->out = rx->in;
	return -EBADMSG;
}

/*
 * Could a correct producer have written @in? At most a ring ahead of what
 * we released, and not behind what we read.
 */
static bool ntbring_rx_in_ok(const struct ntbring_rx *rx, u32 in)
{
	return in - rx->rel <= rx->count && rx->out - rx->rel <= in - rx->rel;
}

/* Validate and adopt the producer index; false if it is impossible. */
static bool ntbring_rx_refresh(struct ntbring_rx *rx)
{
	u32 in = ntbr_read32(&rx->pl->in);

	if (!ntbring_rx_in_ok(rx, in))
		return false;
	rx->in = in;
	/* [B1] Read records only after the "in" that covers them. */
	ntbr_rmb();
	return true;
}

/**
 * ntbring_rx_peek() - look at the next frame without consuming it.
 * @rx: consumer state.
 * @f: filled in with the frame (or the reason it was rejected).
 *
 * Padding frames are skipped. The payload is @f->p[0..1] (two pieces if
 * it wraps); copy it out (ntbring_rx_copy()) before ntbring_rx_next().
 * A rejected frame has already been skipped together with everything the
 * producer had published; count it by @f->reason and call again.
 *
 * Return: 0 with a frame; -EAGAIN if the ring is empty; -EBADMSG if the
 * peer's data was rejected (@f->reason says why). After
 * NTBRING_BAD_INDEX nothing was consumed and a new call fails the same
 * way until the peer writes a sane index: end the poll.
 */
int ntbring_rx_peek(struct ntbring_rx *rx, struct ntbring_frame *f)
{
	const struct ntbring_rec_hdr *hdr;
	u32 avail, pos, len, w, nrec, area, off;
	u16 seq, flags;

	f->reason = NTBRING_BAD_NONE;
	if (rx->out == rx->in && !ntbring_rx_refresh(rx)) {
		f->reason = NTBRING_BAD_INDEX;
		f->idx = rx->out;
		f->nrec = 0;
		f->len = 0;
		return -EBADMSG;
	}
	area = rx->count << rx->shift;
	for (;;) {
		avail = rx->in - rx->out;
		if (!avail)
			return -EAGAIN;
		pos = rx->out & rx->mask;
		hdr = (const struct ntbring_rec_hdr *)(rx->recs +
						       (pos << rx->shift));
		/* Each header word is read once: the peer may rewrite it. */
		len = ntbr_read32(&hdr->len);
		w = ntbr_read32((const __le32 *)&hdr->seq);
		seq = (u16)w;
		flags = (u16)(w >> 16);
		if (seq != (u16)rx->out)
			return ntbring_rx_reject(rx, f, NTBRING_BAD_SEQ);
		if (flags & NTBRING_F_RESERVED)
			return ntbring_rx_reject(rx, f, NTBRING_BAD_FLAGS);
		if (!len || len > area)
			return ntbring_rx_reject(rx, f, NTBRING_BAD_LEN);
		if (!(flags & NTBRING_F_PAD) && len > rx->max_len)
			return ntbring_rx_reject(rx, f, NTBRING_BAD_LEN);
		nrec = ntbring_recs(rx->shift, len);
		if (nrec > avail)
			return ntbring_rx_reject(rx, f, NTBRING_BAD_TRUNC);
		if (!(flags & NTBRING_F_PAD))
			break;
		rx->out += nrec;
	}
	off = (pos << rx->shift) + NTBRING_HDR_SIZE;
	f->p[0] = rx->recs + off;
	f->n[0] = len < area - off ? len : area - off;
	f->n[1] = len - f->n[0];
	f->p[1] = f->n[1] ? rx->recs : NULL;
	f->len = len;
	f->flags = flags & NTBRING_F_DRIVER;
	f->idx = rx->out;
	f->nrec = nrec;
	return 0;
}

/**
 * ntbring_rx_copy() - copy payload bytes out of a peeked frame.
 * @f: frame from ntbring_rx_peek().
 * @dst: destination buffer.
 * @off: payload offset to start at.
 * @n: bytes wanted.
 *
 * Return: bytes copied (less than @n at the end of the payload).
 */
u32 ntbring_rx_copy(const struct ntbring_frame *f, void *dst, u32 off, u32 n)
{
	u8 *d = dst;
	u32 done = 0, k;

	if (off >= f->len)
		return 0;
	if (n > f->len - off)
		n = f->len - off;
	if (off < f->n[0]) {
		k = f->n[0] - off;
		if (k > n)
			k = n;
		memcpy(d, f->p[0] + off, k);
		done = k;
		off += k;
	}
	if (done < n)
		memcpy(d + done, f->p[1] + (off - f->n[0]), n - done);
	return n;
}

/**
 * ntbring_rx_next() - consume the frame returned by the last peek.
 * @rx: consumer state.
 * @f: that frame.
 *
 * The records stay ours until ntbring_rx_release() publishes "out".
 */
void ntbring_rx_next(struct ntbring_rx *rx, const struct ntbring_frame *f)
{
	if (f->reason == NTBRING_BAD_NONE && f->idx == rx->out &&
	    f->nrec <= rx->in - rx->out)
		rx->out += f->nrec;
}

/**
 * ntbring_rx_release() - give consumed records back to the producer.
 * @rx: consumer state.
 *
 * One index write per batch, then the doorbell decision for a producer
 * that blocked on a full ring ("Doorbells").
 *
 * Return: true if the caller must ring the peer's space doorbell.
 */
bool ntbring_rx_release(struct ntbring_rx *rx)
{
	u32 tok, at;

	if (rx->out == rx->rel)
		return false;
	/* [B3] Our reads of the records finish before the producer may reuse
	 * them, i.e. before it can see the new "out".
	 */
	ntbr_mb();
	ntbr_write32(rx->out, &rx->cl->out);
	rx->rel = rx->out;
	/* [B4] "out" leaves the CPU before we look at space_tok. */
	ntbr_mb();
	tok = ntbr_read32(&rx->pl->space_tok);
	if (tok == rx->space_seen)
		return false;
	/* [B5] The token announces space_at: read it after the token. */
	ntbr_rmb();
	at = ntbr_read32(&rx->pl->space_at);
	if ((s32)(rx->out - at) < 0)
		return false;
	rx->space_seen = tok;
	return true;
}

/**
 * ntbring_rx_arm() - tell the producer we are going idle.
 * @rx: consumer state, after ntbring_rx_release().
 *
 * Costs one read across the bridge, so call it only when a poll found
 * the ring empty.
 *
 * Return: true if data arrived meanwhile (keep polling), false if the
 * next frame will bring a doorbell.
 */
bool ntbring_rx_arm(struct ntbring_rx *rx)
{
	u32 in;

	ntbr_write32(++rx->arm_tok, &rx->cl->arm_tok);
	/*
	 * [B2] The read-back pushes the token to the producer; after the mb
	 * any "in" it published before missing the token is visible here.
	 */
	ntbr_flush32(&rx->cl->arm_tok);
	ntbr_mb();
	in = ntbr_read32(&rx->pl->in);
	if (!ntbring_rx_in_ok(rx, in))
		return false;	/* broken peer: wait for a doorbell */
	return in != rx->out;
}

/**
 * ntbring_rx_resync() - drop everything the producer has published.
 * @rx: consumer state.
 *
 * Return: records dropped (0 if the producer index is invalid).
 */
u32 ntbring_rx_resync(struct ntbring_rx *rx)
{
	u32 n;

	if (!ntbring_rx_refresh(rx))
		return 0;
	n = rx->in - rx->out;
	rx->out = rx->in;
	return n;
}

/**
 * ntbring_bad_name() - short name of a rejection reason, for statistics.
 * @reason: the reason.
 *
 * Return: a static string.
 */
const char *ntbring_bad_name(enum ntbring_bad reason)
{
	switch (reason) {
	case NTBRING_BAD_NONE:
		return "none";
	case NTBRING_BAD_INDEX:
		return "bad_index";
	case NTBRING_BAD_SEQ:
		return "bad_seq";
	case NTBRING_BAD_LEN:
		return "bad_len";
	case NTBRING_BAD_TRUNC:
		return "truncated";
	case NTBRING_BAD_FLAGS:
		return "bad_flags";
	default:
		return "unknown";
	}
}

/* ---- handshake ---- */

/**
 * ntbring_words_encode() - our mailbox words.
 * @hs: our side (version, win_size, gen).
 * @w: NTBRING_W_COUNT values, written with NTBRING_W_GEN last.
 */
void ntbring_words_encode(const struct ntbring_hs *hs,
			  u32 w[NTBRING_W_COUNT])
{
	w[NTBRING_W_ID] = NTBRING_ID_MAGIC << 16 |
			  (hs->version >> 16 & 0xff) << 8 |
			  (hs->version & 0xff);
	w[NTBRING_W_WIN] = hs->win_size;
	w[NTBRING_W_GEN] = hs->gen;
}

/**
 * ntbring_words_decode() - validate the peer's mailbox words.
 * @w: the words, read with NTBRING_W_GEN first.
 * @gen_again: NTBRING_W_GEN read again after the others.
 * @hs: version, win_size and gen filled in (version also on
 *      NTBRING_HS_VERSION, for the refusal message).
 *
 * Return: NTBRING_HS_OK, or why the words are not usable yet or at all.
 */
enum ntbring_hs_err ntbring_words_decode(const u32 w[NTBRING_W_COUNT],
					 u32 gen_again, struct ntbring_hs *hs)
{
	u32 id = w[NTBRING_W_ID];

	if (!w[NTBRING_W_GEN])
		return NTBRING_HS_NOT_READY;
	if (w[NTBRING_W_GEN] != gen_again)
		return NTBRING_HS_TORN;
	if (id == NTBRING_MAGIC_V1) {
		/* a 1.x peer: its second scratchpad holds its version */
		hs->version = w[NTBRING_W_WIN];
		return NTBRING_HS_VERSION;
	}
	if (id >> 16 != NTBRING_ID_MAGIC)
		return NTBRING_HS_NOT_READY;
	hs->version = (id >> 8 & 0xff) << 16 | (id & 0xff);
	if (hs->version >> 16 != NTBRING_VERSION_MAJOR)
		return NTBRING_HS_VERSION;
	hs->win_size = w[NTBRING_W_WIN];
	hs->gen = w[NTBRING_W_GEN];
	/* the peer's window must hold at least the header we write */
	if (hs->win_size < NTBRING_OFF_RECS)
		return NTBRING_HS_GEOM;
	return NTBRING_HS_OK;
}

/*
 * The doorbell map into its words: queue q in the half (q & 1) of word
 * q / 2, for the queues the hello counts; nothing (all zero) without
 * NTBRING_FEAT_DBMAP.
 */
static void ntbring_dbmap_encode(const struct ntbring_hs *hs,
				 u32 w[NTBRING_H_DBMAP_WORDS])
{
	u32 q, n = 0;

	/* as many queues as the hello says: 1 without MQ */
	if (hs->features & NTBRING_FEAT_DBMAP)
		n = (hs->features & NTBRING_FEAT_MQ) ? hs->queues : 1;

	for (q = 0; q < NTBRING_H_DBMAP_WORDS; q++)
		w[q] = 0;
	for (q = 0; q < n && q < NTBRING_QUEUES_MAX; q++)
		w[q / 2] |= (hs->db.data[q] | (u32)hs->db.space[q] << 8) <<
			    (16 * (q & 1));
}

/*
 * The peer's doorbell map, for its @queues queues: each bit below
 * NTBRING_DB_BITS, the halves of the other queues zero. Without
 * NTBRING_FEAT_DBMAP the words are not looked at and the map is zero.
 */
static bool ntbring_dbmap_decode(const u32 w[NTBRING_H_DBMAP_WORDS],
				 u32 features, u32 queues,
				 struct ntbring_dbmap *db)
{
	u32 q, half;

	for (q = 0; q < NTBRING_QUEUES_MAX; q++) {
		half = (features & NTBRING_FEAT_DBMAP) ?
		       w[q / 2] >> (16 * (q & 1)) & 0xffff : 0;
		if (q >= queues ? half != 0 :
		    ((half & 0xff) >= NTBRING_DB_BITS ||
		     (half >> 8) >= NTBRING_DB_BITS))
			return false;
		db->data[q] = half & 0xff;
		db->space[q] = half >> 8;
	}
	return true;
}

/**
 * ntbring_hello_encode() - our hello for the peer's window.
 * @hs: our side (features, rx, peer_gen, gen, queues, db); peer_gen is the peer
 *      generation whose words we took, acknowledged only when it is @for_gen.
 * @for_gen: the peer generation it answers.
 * @hb: our heartbeat count.
 * @h: NTBRING_H_COUNT values; the writer stores NTBRING_H_GEN as 0 first
 *     and last with this value, and NTBRING_H_HB on its own afterwards.
 */
void ntbring_hello_encode(const struct ntbring_hs *hs, u32 for_gen, u32 hb,
			  u32 h[NTBRING_H_COUNT])
{
	h[NTBRING_H_MAGIC] = NTBRING_HELLO_MAGIC;
	h[NTBRING_H_GEN] = hs->gen;
	h[NTBRING_H_FOR_GEN] = for_gen;
	h[NTBRING_H_FEATURES] = hs->features;
	h[NTBRING_H_GEOM] = ntbring_log2(hs->rx.rec_size) |
			    ntbring_log2(hs->rx.rec_count) << 8;
	h[NTBRING_H_MAXLEN] = hs->rx.max_len;
	h[NTBRING_H_ACK_GEN] = hs->peer_gen == for_gen ? for_gen : 0;
	h[NTBRING_H_HB] = hb;
	h[NTBRING_H_QUEUES] = (hs->features & NTBRING_FEAT_MQ) ? hs->queues : 0;
	ntbring_dbmap_encode(hs, &h[NTBRING_H_DBMAP]);
}

/**
 * ntbring_hello_decode() - validate the hello the peer wrote into our window.
 * @h: its words, read with NTBRING_H_GEN first.
 * @gen_again: NTBRING_H_GEN read again after the others.
 * @my_gen: our generation: a hello written for another one is stale.
 * @hs: the peer's words, already decoded (gen and win_size); features,
 *      rx, queues, db (its doorbell map, zero without NTBRING_FEAT_DBMAP)
 *      and peer_gen are filled in on success.
 *
 * Return: NTBRING_HS_OK, or why the hello is not usable.
 */
enum ntbring_hs_err ntbring_hello_decode(const u32 h[NTBRING_H_COUNT],
					 u32 gen_again, u32 my_gen,
					 struct ntbring_hs *hs)
{
	u32 geom = h[NTBRING_H_GEOM];
	u32 rs = geom & 0xff, rc = (geom >> 8) & 0xff, queues;
	struct ntbring_geom g;

	if (h[NTBRING_H_MAGIC] != NTBRING_HELLO_MAGIC ||
	    h[NTBRING_H_GEN] != hs->gen || h[NTBRING_H_FOR_GEN] != my_gen)
		return NTBRING_HS_NOT_READY;
	if (h[NTBRING_H_GEN] != gen_again)
		return NTBRING_HS_TORN;
	if (geom >> 16 || rs > 16 || rc > 16)
		return NTBRING_HS_GEOM;
	g.rec_size = 1u << rs;
	g.rec_count = 1u << rc;
	g.max_len = h[NTBRING_H_MAXLEN];
	/* a writer without MQ, or asking for none, has one ring pair */
	queues = (h[NTBRING_H_FEATURES] & NTBRING_FEAT_MQ) ? h[NTBRING_H_QUEUES] : 1;
	if (!queues)
		queues = 1;
	if (queues > NTBRING_QUEUES_MAX)
		return NTBRING_HS_GEOM;
	if (ntbring_geom_check(&g) ||
	    ntbring_mq_area_size(&g, queues) > hs->win_size ||
	    !ntbring_dbmap_decode(&h[NTBRING_H_DBMAP], h[NTBRING_H_FEATURES],
				  queues, &hs->db))
		return NTBRING_HS_GEOM;
	hs->features = h[NTBRING_H_FEATURES];
	hs->rx = g;
	hs->queues = queues;
	hs->peer_gen = h[NTBRING_H_ACK_GEN];
	return NTBRING_HS_OK;
}

/**
 * ntbring_hello_write() - write a hello into the peer's window.
 * @hello: the hello slot of the peer's window (NTBRING_OFF_HELLO).
 * @h: its words (ntbring_hello_encode()).
 *
 * Generation 0, the other words, then the generation, each step fenced
 * (the window is write-combined), and a read that makes them land.
 */
void ntbring_hello_write(struct ntbring_hello __iomem *hello,
			 const u32 h[NTBRING_H_COUNT])
{
	__le32 __iomem *w = (__le32 __iomem *)hello;
	int i;

	ntbr_write32(0, &w[NTBRING_H_GEN]);
	ntbr_wmb();	/* the invalidation before the fields */
	for (i = 0; i < NTBRING_H_COUNT; i++)
		if (i != NTBRING_H_GEN)
			ntbr_write32(h[i], &w[i]);
	ntbr_wmb();	/* the fields before the generation that validates them */
	ntbr_write32(h[NTBRING_H_GEN], &w[NTBRING_H_GEN]);
	ntbr_flush32(&w[NTBRING_H_GEN]);
}

/**
 * ntbring_hello_read() - copy the hello the peer wrote into our window.
 * @hello: the hello slot of our window.
 * @h: its words, the generation read first.
 *
 * Return: the generation read again after the other words, for
 * ntbring_hello_decode().
 */
u32 ntbring_hello_read(const struct ntbring_hello *hello,
		       u32 h[NTBRING_H_COUNT])
{
	const __le32 *w = (const __le32 *)hello;
	int i;

	h[NTBRING_H_GEN] = ntbr_read32(&w[NTBRING_H_GEN]);
	ntbr_rmb();	/* the fields after the generation they belong to */
	for (i = 0; i < NTBRING_H_COUNT; i++)
		if (i != NTBRING_H_GEN)
			h[i] = ntbr_read32(&w[i]);
	ntbr_rmb();	/* the fields before the generation read again */
	return ntbr_read32(&w[NTBRING_H_GEN]);
}

/**
 * ntbring_start_index() - initial index of a ring for a pair of generations.
 * @tx_gen: generation of the ring's producer.
 * @rx_gen: generation of the ring's consumer.
 *
 * Starting each attachment at an unpredictable index makes late writes
 * from an earlier generation fail the index and sequence checks.
 *
 * Return: (@tx_gen rotated left by 16) XOR @rx_gen.
 */
u32 ntbring_start_index(u32 tx_gen, u32 rx_gen)
{
	return ((tx_gen << 16) | (tx_gen >> 16)) ^ rx_gen;
}
