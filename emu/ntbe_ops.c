// SPDX-License-Identifier: GPL-2.0
/*
 * ntbe_ops.c - the NTB operations of the emulated port, shaped by the
 * hardware profile, and one ops table per profile holding exactly the
 * operations the real driver's table holds: a client that calls one the
 * chip lacks gets what include/linux/ntb.h gives for a missing operation
 * (0, -EINVAL, all-ones), as it would on the chip.
 */
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/sizes.h>

#include "ntbe.h"

static bool ntbe_dead(struct ntbe_dev *nd)
{
	return ntbe_strict(nd, NTBE_STRICT_DEAD) && READ_ONCE(nd->peer_dead);
}

/* ---- doorbells ---------------------------------------------------------- */

/**
 * ntbe_db_hw() - the bits the doorbell register carries.
 * @prof: the profile.
 *
 * Return: usually the valid mask; more where the driver keeps bits for
 * itself (AMD's unload bit).
 */
u64 ntbe_db_hw(const struct ntbe_profile *prof)
{
	return prof->db_hw ? prof->db_hw : prof->db_valid;
}

/**
 * ntbe_db_pending() - doorbell bits the peer rang that we have not cleared.
 * @nd: the port.
 *
 * Return: the pending bits, the driver's own (AMD unload) included.
 */
u64 ntbe_db_pending(struct ntbe_dev *nd)
{
	return (port_rd64(&nd->self->db_set) ^ nd->db_ack) &
		ntbe_db_hw(nd->prof);
}

static unsigned int ntbe_ev_of_bit(const struct ntbe_profile *prof,
				   unsigned int bit)
{
	switch (prof->vec_map) {
	case NTBE_VEC_SHIFT:
		return bit / prof->vec_shift;
	case NTBE_VEC_BIT:
		return bit;
	default:
		return 0;
	}
}

/**
 * ntbe_ev_mask() - the bits whose doorbell event carries a vector.
 * @prof: the profile.
 * @ev: the vector passed to ntb_db_event().
 *
 * Return: the valid bits that raise @ev.
 */
u64 ntbe_ev_mask(const struct ntbe_profile *prof, unsigned int ev)
{
	switch (prof->vec_map) {
	case NTBE_VEC_SHIFT:
		if (ev * prof->vec_shift >= 64)
			return 0;
		return prof->db_valid &
			(GENMASK_ULL(prof->vec_shift - 1, 0) <<
			 (ev * prof->vec_shift));
	case NTBE_VEC_BIT:
		return ev < 64 ? prof->db_valid & BIT_ULL(ev) : 0;
	default:
		return ev == 0 ? prof->db_valid : 0;
	}
}

static u64 ntbe_db_valid_mask(struct ntb_dev *ntb)
{
	return ntb_ndev(ntb)->prof->db_valid;
}

static int ntbe_db_vector_count(struct ntb_dev *ntb)
{
	return ntb_ndev(ntb)->prof->db_vectors;
}

/* Answers for 0..vec_last, as the drivers do (some one past the count). */
static u64 ntbe_db_vector_mask(struct ntb_dev *ntb, int vector)
{
	const struct ntbe_profile *prof = ntb_ndev(ntb)->prof;

	if (vector < 0 || vector > prof->vec_last)
		return 0;
	if (prof->vec_map == NTBE_VEC_ONE)
		return prof->db_valid;
	return ntbe_ev_mask(prof, vector);
}

static u64 ntbe_db_read(struct ntb_dev *ntb)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	return ntbe_db_pending(nd) & nd->prof->db_valid;
}

/**
 * ntbe_db_ack() - clear pending doorbell bits.
 * @nd: the port.
 * @bits: bits to clear.
 */
void ntbe_db_ack(struct ntbe_dev *nd, u64 bits)
{
	unsigned long fl;
	u64 set;

	spin_lock_irqsave(&nd->db_lock, fl);
	set = port_rd64(&nd->self->db_set);
	nd->db_ack = (nd->db_ack & ~bits) | (set & bits);
	port_wr64(&nd->self->db_ack, nd->db_ack);
	spin_unlock_irqrestore(&nd->db_lock, fl);
}

static int ntbe_db_clear(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if ((nd->prof->flags & NTBE_PF_DB_CLEAR_EINVAL) &&
	    (bits & ~nd->prof->db_valid))
		return -EINVAL;
	ntbe_db_ack(nd, bits & nd->prof->db_valid);
	return 0;
}

/* Local doorbell set (ntb_tool uses it): make the bits pending by moving
 * our acknowledgment away from the peer's toggles.
 */
static int ntbe_db_set(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	unsigned long fl;

	if (bits & ~nd->prof->db_valid)
		return -EINVAL;
	spin_lock_irqsave(&nd->db_lock, fl);
	nd->db_ack ^= bits & ~ntbe_db_pending(nd);
	port_wr64(&nd->self->db_ack, nd->db_ack);
	spin_unlock_irqrestore(&nd->db_lock, fl);
	ntbe_defer_delivery(nd);
	return 0;
}

static u64 ntbe_db_read_mask(struct ntb_dev *ntb)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	return nd->db_mask & nd->prof->db_valid;
}

/*
 * Sets or clears @bits of the interrupt mask @mask under @lock. Unmasking a
 * source that is pending (@pending) raises its interrupt, as a
 * level-triggered register would; deferred so the client is not re-entered.
 */
static void ntbe_mask_update(struct ntbe_dev *nd, spinlock_t *lock,
			     u64 *mask, u64 bits, bool set,
			     u64 (*pending)(struct ntbe_dev *nd))
{
	unsigned long fl;
	bool fire;

	spin_lock_irqsave(lock, fl);
	fire = !set && (pending(nd) & *mask & bits);
	if (set)
		*mask |= bits;
	else
		*mask &= ~bits;
	spin_unlock_irqrestore(lock, fl);
	if (fire)
		ntbe_defer_delivery(nd);
}

static int ntbe_db_set_mask(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (bits & ~nd->prof->db_valid)
		return -EINVAL;
	ntbe_mask_update(nd, &nd->db_lock, &nd->db_mask, bits, true,
			 ntbe_db_pending);
	return 0;
}

static int ntbe_db_clear_mask(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (bits & ~nd->prof->db_valid)
		return -EINVAL;
	ntbe_mask_update(nd, &nd->db_lock, &nd->db_mask, bits, false,
			 ntbe_db_pending);
	return 0;
}

/* EPF: the doorbell masks are accepted and do nothing. */
static int ntbe_db_mask_noop(struct ntb_dev *ntb, u64 bits)
{
	return 0;
}

static u64 ntbe_peer_db_read(struct ntb_dev *ntb)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (ntbe_dead(nd)) {
		nd->n_dead_reads++;
		return ~0ULL;
	}
	return (nd->peer_db_set ^ port_rd64(&nd->peer->db_ack)) &
		nd->prof->db_valid;
}

/**
 * ntbe_ring_peer_bits() - set doorbell bits in the peer and interrupt it.
 * @nd: the port.
 * @bits: bits the peer's doorbell register carries.
 *
 * Each bit raises the peer's vector for it, folded onto the vectors the
 * peer listens on.
 *
 * Return: 0 (a doorbell is a posted write: lost silently when the link
 * is dead).
 */
int ntbe_ring_peer_bits(struct ntbe_dev *nd, u64 bits)
{
	unsigned int peer_nvec;
	unsigned long vecs = 0;
	unsigned long fl;
	u64 pending, left;

	if (ntbe_dead(nd)) {
		nd->n_dead_writes++;
		return 0;
	}
	spin_lock_irqsave(&nd->db_lock, fl);
	/* Toggle only the bits that are not pending at the peer already. */
	pending = nd->peer_db_set ^ port_rd64(&nd->peer->db_ack);
	nd->peer_db_set ^= bits & ~pending;
	port_wr64(&nd->peer->db_set, nd->peer_db_set);
	spin_unlock_irqrestore(&nd->db_lock, fl);

	peer_nvec = clamp_t(u32, port_rd32(&nd->peer->nvec), 1, NTBE_VEC_MAX);
	for (left = bits; left; left &= left - 1)
		vecs |= BIT(ntbe_ev_of_bit(nd->prof, __ffs64(left)) % peer_nvec);
	/* The doorbell word must be visible before the interrupt; pairs with
	 * the read of db_set in the peer's ntbe_db_pending().
	 */
	wmb();
	ntbe_ring_vectors(nd, vecs);
	return 0;
}

static int ntbe_peer_db_set(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	const struct ntbe_profile *prof = nd->prof;

	if (prof->flags & NTBE_PF_DB_LOWEST) {
		/* EPF raises one MSI: the one of the lowest bit */
		if (!bits)
			return 0;
		bits = BIT_ULL(__ffs64(bits));
	}
	if (bits & ~prof->db_valid) {
		if (prof->flags & NTBE_PF_PEER_DB_EINVAL)
			return -EINVAL;
		bits &= ntbe_db_hw(prof);
	}
	if (!bits)
		return 0;
	return ntbe_ring_peer_bits(nd, bits);
}

/* Intel IVT/HSX/BDX: doorbell and scratchpad access can hang the host. */
static int ntbe_is_unsafe(struct ntb_dev *ntb)
{
	return 1;
}

/* ---- scratchpads -------------------------------------------------------- */

static int ntbe_spad_count(struct ntb_dev *ntb)
{
	return ntb_ndev(ntb)->prof->spad_count;
}

static bool ntbe_spad_ok(struct ntbe_dev *nd, int sidx)
{
	return sidx >= 0 && sidx < nd->prof->spad_count;
}

static u32 ntbe_spad_read(struct ntb_dev *ntb, int sidx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (!ntbe_spad_ok(nd, sidx))
		return 0;
	return port_rd32(&nd->self->spad[sidx]);
}

static int ntbe_spad_write(struct ntb_dev *ntb, int sidx, u32 val)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (!ntbe_spad_ok(nd, sidx))
		return -EINVAL;
	port_wr32(&nd->self->spad[sidx], val);
	return 0;
}

static u32 ntbe_peer_spad_read(struct ntb_dev *ntb, int pidx, int sidx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (pidx != NTB_DEF_PEER_IDX || !ntbe_spad_ok(nd, sidx))
		return 0;
	if (ntbe_dead(nd)) {
		nd->n_dead_reads++;
		return ~0U;
	}
	return port_rd32(&nd->peer->spad[sidx]);
}

static int ntbe_peer_spad_write(struct ntb_dev *ntb, int pidx, int sidx,
				u32 val)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (pidx != NTB_DEF_PEER_IDX || !ntbe_spad_ok(nd, sidx))
		return -EINVAL;
	if (ntbe_dead(nd)) {
		nd->n_dead_writes++;
		return 0;
	}
	port_wr32(&nd->peer->spad[sidx], val);
	return 0;
}

/* ---- message registers (IDT) -------------------------------------------- */

/*
 * Register i is full while the peer's write counter (msg_set, written by
 * the sender) differs from the receiver's acknowledgment (msg_ack): the
 * receiver frees it by clearing its inbound status bit. A write into a
 * full register, or across a dead link, is lost and only sets the
 * sender's outbound status bit: peer_msg_write itself succeeds.
 */

/**
 * ntbe_msg_init() - message state of a new incarnation of the port.
 * @nd: the port.
 *
 * Messages left for a previous incarnation are dropped; our write
 * counters continue from what the previous one published.
 */
void ntbe_msg_init(struct ntbe_dev *nd)
{
	int i;

	for (i = 0; i < NTBE_MSG_MAX; i++) {
		nd->msg_sent[i] = port_rd32(&nd->peer->msg_set[i]);
		nd->msg_ack[i] = port_rd32(&nd->self->msg_set[i]);
		port_wr32(&nd->self->msg_ack[i], nd->msg_ack[i]);
	}
	nd->msg_fail = 0;
	nd->msg_mask = nd->prof->msg_inbits | nd->prof->msg_outbits;
}

static unsigned int ntbe_msg_inshift(const struct ntbe_profile *prof)
{
	return __ffs64(prof->msg_inbits);
}

static unsigned int ntbe_msg_outshift(const struct ntbe_profile *prof)
{
	return __ffs64(prof->msg_outbits);
}

/**
 * ntbe_msg_status() - the message status register.
 * @nd: the port.
 *
 * Return: an inbound bit per full register, an outbound bit per failed
 * write not yet cleared.
 */
u64 ntbe_msg_status(struct ntbe_dev *nd)
{
	const struct ntbe_profile *prof = nd->prof;
	u64 sts = 0;
	int i;

	for (i = 0; i < prof->msg_count; i++)
		if (port_rd32(&nd->self->msg_set[i]) != READ_ONCE(nd->msg_ack[i]))
			sts |= BIT_ULL(ntbe_msg_inshift(prof) + i);
	return sts | READ_ONCE(nd->msg_fail);
}

static int ntbe_msg_count(struct ntb_dev *ntb)
{
	return ntb_ndev(ntb)->prof->msg_count;
}

static u64 ntbe_msg_inbits(struct ntb_dev *ntb)
{
	return ntb_ndev(ntb)->prof->msg_inbits;
}

static u64 ntbe_msg_outbits(struct ntb_dev *ntb)
{
	return ntb_ndev(ntb)->prof->msg_outbits;
}

static u64 ntbe_msg_read_sts(struct ntb_dev *ntb)
{
	return ntbe_msg_status(ntb_ndev(ntb));
}

/* Write-one-to-clear; clearing an inbound bit frees the register. */
static int ntbe_msg_clear_sts(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	const struct ntbe_profile *prof = nd->prof;
	unsigned long fl;
	int i;

	spin_lock_irqsave(&nd->msg_lock, fl);
	for (i = 0; i < prof->msg_count; i++) {
		if (!(bits & BIT_ULL(ntbe_msg_inshift(prof) + i)))
			continue;
		nd->msg_ack[i] = port_rd32(&nd->self->msg_set[i]);
		port_wr32(&nd->self->msg_ack[i], nd->msg_ack[i]);
	}
	nd->msg_fail &= ~(bits & prof->msg_outbits);
	spin_unlock_irqrestore(&nd->msg_lock, fl);
	return 0;
}

static int ntbe_msg_set_mask(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	const struct ntbe_profile *prof = nd->prof;

	if (bits & ~(prof->msg_inbits | prof->msg_outbits))
		return -EINVAL;
	ntbe_mask_update(nd, &nd->msg_lock, &nd->msg_mask, bits, true,
			 ntbe_msg_status);
	return 0;
}

static int ntbe_msg_clear_mask(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	ntbe_mask_update(nd, &nd->msg_lock, &nd->msg_mask, bits, false,
			 ntbe_msg_status);
	return 0;
}

static u32 ntbe_msg_read(struct ntb_dev *ntb, int *pidx, int midx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (midx < 0 || midx >= nd->prof->msg_count)
		return ~0U;
	if (pidx)
		*pidx = NTB_DEF_PEER_IDX;
	/* data after the status that said it is there; pairs with the wmb()
	 * in the sender's ntbe_peer_msg_write()
	 */
	rmb();
	return port_rd32(&nd->self->msg_data[midx]);
}

static int ntbe_peer_msg_write(struct ntb_dev *ntb, int pidx, int midx,
			       u32 msg)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	const struct ntbe_profile *prof = nd->prof;
	unsigned long fl;
	bool failed;

	if (midx < 0 || midx >= prof->msg_count || pidx != NTB_DEF_PEER_IDX)
		return -EINVAL;
	spin_lock_irqsave(&nd->msg_lock, fl);
	failed = ntbe_dead(nd) ||
		 port_rd32(&nd->peer->msg_ack[midx]) != nd->msg_sent[midx];
	if (failed) {
		nd->msg_fail |= BIT_ULL(ntbe_msg_outshift(prof) + midx);
		nd->n_msg_failed++;
		if (ntbe_dead(nd))
			nd->n_dead_writes++;
	} else {
		port_wr32(&nd->peer->msg_data[midx], msg);
		/* data before the counter that publishes it */
		wmb();
		port_wr32(&nd->peer->msg_set[midx], ++nd->msg_sent[midx]);
		nd->n_msg_sent++;
	}
	spin_unlock_irqrestore(&nd->msg_lock, fl);
	if (!failed) {
		/* the counter before the interrupt */
		wmb();
		ntbe_ring_vectors(nd, BIT(0));
	} else if (!(nd->msg_mask & BIT_ULL(ntbe_msg_outshift(prof) + midx))) {
		ntbe_defer_delivery(nd);
	}
	/* as IDT: the sender learns of a failure from its status register */
	return 0;
}

/* ---- ports (IDT: switch port numbers) ----------------------------------- */

static int ntbe_port_number(struct ntb_dev *ntb)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	return nd->prof->port_number[nd->port];
}

static int ntbe_peer_port_count(struct ntb_dev *ntb)
{
	return 1;
}

static int ntbe_peer_port_number(struct ntb_dev *ntb, int pidx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (pidx != NTB_DEF_PEER_IDX)
		return -EINVAL;
	return nd->prof->port_number[1 - nd->port];
}

static int ntbe_peer_port_idx(struct ntb_dev *ntb, int port)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (port != nd->prof->port_number[1 - nd->port])
		return -EINVAL;
	return NTB_DEF_PEER_IDX;
}

/* ---- memory windows ----------------------------------------------------- */

static int ntbe_mw_count(struct ntb_dev *ntb, int pidx)
{
	if (pidx != NTB_DEF_PEER_IDX)
		return -EINVAL;
	return ntb_ndev(ntb)->mw_cnt;
}

static bool ntbe_widx_ok(struct ntbe_dev *nd, int pidx, int widx)
{
	return pidx == NTB_DEF_PEER_IDX && widx >= 0 && widx < nd->mw_cnt;
}

static int ntbe_mw_get_align(struct ntb_dev *ntb, int pidx, int widx,
			     resource_size_t *addr_align,
			     resource_size_t *size_align,
			     resource_size_t *size_max)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (!ntbe_widx_ok(nd, pidx, widx))
		return -EINVAL;
	if (addr_align)
		*addr_align = ntbe_addr_align(nd);
	if (size_align)
		*size_align = nd->prof->size_align;
	if (size_max)
		*size_max = nd->mw_size;
	return 0;
}

/* What the chip's translation registers accept, before the emulator's own
 * condition that the address is a buffer it handed out.
 */
static int ntbe_xlat_check(struct ntbe_dev *nd, const char *op, int widx,
			   dma_addr_t addr, resource_size_t size)
{
	const struct ntbe_profile *prof = nd->prof;
	resource_size_t align = ntbe_addr_align(nd);
	const char *why = NULL;

	if (!size || size > nd->mw_size)
		why = "size is 0 or larger than the window";
	else if (!IS_ALIGNED(addr, align))
		why = "address not aligned to mw_get_align()'s addr_align";
	else if (!IS_ALIGNED(size, prof->size_align))
		why = "size not aligned to mw_get_align()'s size_align";
	else if ((prof->flags & NTBE_PF_ALIGN_TO_SIZE) &&
		 (size < SZ_4K ||
		  !IS_ALIGNED(addr, 1ULL << ilog2(size))))
		why = "address not aligned to the size's power of two";
	if (!why)
		return 0;
	nd->n_xlat_refused++;
	dev_err_ratelimited(&nd->pdev->dev,
			    "%s window %d: %pad+%pa refused by the %s profile: %s (addr_align %pa, size_align %pa, size_max %pa)\n",
			    op, widx, &addr, &size, prof->name, why, &align,
			    &prof->size_align, &nd->mw_size);
	return -EINVAL;
}

static void ntbe_xlat_clear(struct ntbe_dev *nd, struct ntbe_win *w)
{
	w->xlat_addr = 0;
	w->xlat_size = 0;
	if (ntbe_strict(nd, NTBE_STRICT_POISON_CLEAR) && w->alloc_size)
		ntbe_poison(nd, w, w->alloc_size);
}

static int ntbe_mw_clear_trans(struct ntb_dev *ntb, int pidx, int widx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (!ntbe_widx_ok(nd, pidx, widx))
		return -EINVAL;
	ntbe_xlat_clear(nd, &nd->win[ntbe_slice_of(nd, widx)]);
	return 0;
}

static int ntbe_mw_set_trans(struct ntb_dev *ntb, int pidx, int widx,
			     dma_addr_t addr, resource_size_t size)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	struct ntbe_win *w;
	int rc;

	if (!ntbe_widx_ok(nd, pidx, widx))
		return -EINVAL;
	w = &nd->win[ntbe_slice_of(nd, widx)];
	/* drivers without mw_clear_trans clear with a zero translation */
	if (!size && (!addr || !nd->ntb.ops->mw_clear_trans)) {
		ntbe_xlat_clear(nd, w);
		return 0;
	}
	rc = ntbe_xlat_check(nd, "mw_set_trans", widx, addr, size);
	if (rc)
		return rc;
	if (!w->alloc_size || addr != w->dma) {
		nd->n_xlat_refused++;
		dev_err(&nd->pdev->dev,
			"mw_set_trans window %d: %pad+%pa is not the buffer allocated for it (%pad, %zu bytes): allocate it with dma_alloc_coherent() on this device, one buffer per window, in window order\n",
			widx, &addr, &size, &w->dma, w->alloc_size);
		return -EINVAL;
	}
	if (size > w->alloc_size) {
		/* hardware would let the peer write past the buffer */
		nd->n_xlat_oversize++;
		dev_warn_ratelimited(&nd->pdev->dev,
				     "mw_set_trans window %d: translation of %pa bytes is larger than the %zu-byte buffer\n",
				     widx, &size, w->alloc_size);
	}
	w->xlat_addr = addr;
	w->xlat_size = size;
	return 0;
}

static int ntbe_peer_mw_count(struct ntb_dev *ntb)
{
	return ntb_ndev(ntb)->mw_cnt;
}

static int ntbe_peer_mw_get_addr(struct ntb_dev *ntb, int widx,
				 phys_addr_t *base, resource_size_t *size)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (widx < 0 || widx >= nd->mw_cnt)
		return -EINVAL;
	if (base)
		*base = nd->out[ntbe_slice_of(nd, widx)].phys;
	if (size)
		*size = nd->mw_size;
	return 0;
}

/*
 * Outbound translation (IDT): the writer points its window at the
 * reader's buffer. The reader published that buffer's DMA address in its
 * control page when it allocated it; only exactly that is accepted.
 */
static int ntbe_peer_mw_set_trans(struct ntb_dev *ntb, int pidx, int widx,
				  u64 addr, resource_size_t size)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	unsigned int i;
	u64 paddr, psize;
	int rc;

	if (!ntbe_widx_ok(nd, pidx, widx))
		return -EINVAL;
	i = ntbe_slice_of(nd, widx);
	if (!size) {
		nd->out[i].xlat_addr = 0;
		nd->out[i].xlat_size = 0;
		return 0;
	}
	rc = ntbe_xlat_check(nd, "peer_mw_set_trans", widx, addr, size);
	if (rc)
		return rc;
	paddr = port_rd64(&nd->peer->in_xlat[i].addr);
	psize = port_rd64(&nd->peer->in_xlat[i].size);
	if (!psize || addr != paddr || size > psize) {
		nd->n_xlat_refused++;
		dev_err(&nd->pdev->dev,
			"peer_mw_set_trans window %d: %pad+%pa is not the peer's inbound buffer for that window (%pad+%llu; 0 = none allocated): pass the DMA address the peer's dma_alloc_coherent() returned\n",
			widx, &addr, &size, &paddr, psize);
		return -EINVAL;
	}
	nd->out[i].xlat_addr = addr;
	nd->out[i].xlat_size = size;
	return 0;
}

static int ntbe_peer_mw_clear_trans(struct ntb_dev *ntb, int pidx, int widx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	unsigned int i;

	if (!ntbe_widx_ok(nd, pidx, widx))
		return -EINVAL;
	i = ntbe_slice_of(nd, widx);
	nd->out[i].xlat_addr = 0;
	nd->out[i].xlat_size = 0;
	return 0;
}

/* ---- the ops table of each profile -------------------------------------- */

/*
 * Groups of operations that several chips share; each table below names
 * the groups its chip's driver has, then what is its own.
 */

/* every driver: link, windows, the doorbell basics */
#define NTBE_OPS_BASE						\
	.link_is_up		= ntbe_link_is_up,		\
	.link_enable		= ntbe_link_enable,		\
	.link_disable		= ntbe_link_disable,		\
	.mw_count		= ntbe_mw_count,		\
	.mw_get_align		= ntbe_mw_get_align,		\
	.peer_mw_count		= ntbe_peer_mw_count,		\
	.peer_mw_get_addr	= ntbe_peer_mw_get_addr,	\
	.db_valid_mask		= ntbe_db_valid_mask,		\
	.db_read		= ntbe_db_read,			\
	.db_clear		= ntbe_db_clear,		\
	.peer_db_set		= ntbe_peer_db_set

/* doorbell masks that mask (EPF's do nothing) */
#define NTBE_OPS_DB_MASK					\
	.db_set_mask		= ntbe_db_set_mask,		\
	.db_clear_mask		= ntbe_db_clear_mask

/* more than one doorbell vector */
#define NTBE_OPS_DB_VECTORS					\
	.db_vector_count	= ntbe_db_vector_count,		\
	.db_vector_mask		= ntbe_db_vector_mask

/* scratchpads, ours and the peer's */
#define NTBE_OPS_SPAD						\
	.spad_count		= ntbe_spad_count,		\
	.spad_read		= ntbe_spad_read,		\
	.spad_write		= ntbe_spad_write,		\
	.peer_spad_read		= ntbe_peer_spad_read,		\
	.peer_spad_write	= ntbe_peer_spad_write

/* The emulator as it always was. */
const struct ntb_dev_ops ntbe_ops_default = {
	NTBE_OPS_BASE,
	NTBE_OPS_DB_MASK,
	NTBE_OPS_DB_VECTORS,
	NTBE_OPS_SPAD,
	.mw_set_trans		= ntbe_mw_set_trans,
	.mw_clear_trans		= ntbe_mw_clear_trans,
	.db_set			= ntbe_db_set,
	.db_read_mask		= ntbe_db_read_mask,
	.peer_db_read		= ntbe_peer_db_read,
};

/*
 * intel/ntb_hw_gen1.c:1995-2021, less peer_db_addr and peer_spad_addr
 * (no emulated register can be written by a DMA engine).
 */
const struct ntb_dev_ops ntbe_ops_intel = {
	NTBE_OPS_BASE,
	NTBE_OPS_DB_MASK,
	NTBE_OPS_DB_VECTORS,
	NTBE_OPS_SPAD,
	.mw_set_trans		= ntbe_mw_set_trans,
	.db_is_unsafe		= ntbe_is_unsafe,
	.spad_is_unsafe		= ntbe_is_unsafe,
};

/* amd/ntb_hw_amd.c:545-567 */
const struct ntb_dev_ops ntbe_ops_amd = {
	NTBE_OPS_BASE,
	NTBE_OPS_DB_MASK,
	NTBE_OPS_DB_VECTORS,
	NTBE_OPS_SPAD,
	.mw_set_trans		= ntbe_mw_set_trans,
};

/* mscc/ntb_hw_switchtec.c:813-838, less peer_db_addr and peer_spad_addr */
const struct ntb_dev_ops ntbe_ops_switchtec = {
	NTBE_OPS_BASE,
	NTBE_OPS_DB_MASK,
	NTBE_OPS_DB_VECTORS,
	NTBE_OPS_SPAD,
	.mw_set_trans		= ntbe_mw_set_trans,
	.db_read_mask		= ntbe_db_read_mask,
};

/* idt/ntb_hw_idt.c:2237-2267: no scratchpads, no mw_set_trans */
const struct ntb_dev_ops ntbe_ops_idt = {
	NTBE_OPS_BASE,
	NTBE_OPS_DB_MASK,
	.port_number		= ntbe_port_number,
	.peer_port_count	= ntbe_peer_port_count,
	.peer_port_number	= ntbe_peer_port_number,
	.peer_port_idx		= ntbe_peer_port_idx,
	.peer_mw_set_trans	= ntbe_peer_mw_set_trans,
	.peer_mw_clear_trans	= ntbe_peer_mw_clear_trans,
	.db_read_mask		= ntbe_db_read_mask,
	.msg_count		= ntbe_msg_count,
	.msg_inbits		= ntbe_msg_inbits,
	.msg_outbits		= ntbe_msg_outbits,
	.msg_read_sts		= ntbe_msg_read_sts,
	.msg_clear_sts		= ntbe_msg_clear_sts,
	.msg_set_mask		= ntbe_msg_set_mask,
	.msg_clear_mask		= ntbe_msg_clear_mask,
	.msg_read		= ntbe_msg_read,
	.peer_msg_write		= ntbe_peer_msg_write,
};

/* epf/ntb_hw_epf.c:546-567: no vector operations, masks that do nothing */
const struct ntb_dev_ops ntbe_ops_epf = {
	NTBE_OPS_BASE,
	NTBE_OPS_SPAD,
	.db_set_mask		= ntbe_db_mask_noop,
	.db_clear_mask		= ntbe_db_mask_noop,
	.mw_set_trans		= ntbe_mw_set_trans,
	.mw_clear_trans		= ntbe_mw_clear_trans,
};
