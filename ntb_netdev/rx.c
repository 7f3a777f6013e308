// SPDX-License-Identifier: GPL-2.0
/*
 * rx.c - receive: NAPI over our ring, doorbell dispatch.
 *
 * The data doorbell schedules NAPI; the poll copies each frame out of
 * the window into an skb sized to the frame (small frames linear, large
 * ones a small head plus pages, so truesize follows the frame and not
 * the MTU), hands it to GRO, and gives records back to the producer once
 * per batch. When the ring is empty it arms, then completes NAPI: the
 * producer rings at most one data doorbell per arm, so a receiver that
 * is busy polling gets none. Arming comes first because once NAPI is
 * given away a doorbell on another CPU may start the next poll.
 *
 * The peer's meta header is untrusted: a checksum start inside the
 * Ethernet header or beyond NTBNET_RX_CSUM_MAX is dropped as bad_meta.
 * No checksum is verified here (no NETIF_F_RXCSUM): a frame the peer
 * sent as CHECKSUM_PARTIAL reaches the stack as such, and one it sent
 * with a full checksum is checked by the stack.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "ntbnet.h"
#include "../compat/ntbnet_kcompat.h"
#include "trace.h"

/* Frames up to this size are received into one linear buffer. */
#define NTBNET_RX_LINEAR	1536u
/* Bytes of a large frame copied into the linear head (the headers). */
#define NTBNET_RX_HEAD		256u
/* Largest page block (order) a large frame's payload is received into. */
#define NTBNET_RX_ORDER		3
/* Records released to the producer at least this often within a poll. */
#define NTBNET_RX_RELEASE	16
/*
 * Checksum start + offset + 2 bytes must lie within this many bytes of
 * the frame: headers, not payload. Bounds the linear head a peer can make
 * us allocate per frame (GFP_ATOMIC).
 */
#define NTBNET_RX_CSUM_MAX	1024u

static void ntbnet_rx_release(struct ntbnet_rxq *rx)
{
	if (ntbring_rx_release(&rx->ring)) {
		ntbnet_inc(&rx->stats.syncp, &rx->stats.space_doorbells);
		ntbnet_ring_bit(rx->priv, rx->db_space_out);
	}
}

/*
 * A page for @want payload bytes: up to NTBNET_RX_ORDER, so a 64 KiB
 * frame costs two allocations and two frags instead of sixteen, falling
 * back to single pages when memory is fragmented. Truesize stays within
 * one page-block of the frame.
 */
static struct page *ntbnet_rx_page(u32 want, unsigned int *order)
{
	unsigned int o = min_t(unsigned int, get_order(want), NTBNET_RX_ORDER);
	struct page *page;

	for (; o > 0; o--) {
		page = __dev_alloc_pages(GFP_ATOMIC | __GFP_NOWARN |
					 __GFP_NORETRY, o);
		if (page) {
			*order = o;
			return page;
		}
	}
	*order = 0;
	return dev_alloc_page();
}

/* Fault injection: fail this allocation (debugfs fail_rx_alloc)? */
static bool ntbnet_rx_fail(struct ntbnet_priv *priv)
{
	u32 n = READ_ONCE(priv->fail_rx_alloc);

	/* several queues' NAPIs take from the count at once */
	do {
		if (likely(!n))
			return false;
	} while (!try_cmpxchg(&priv->fail_rx_alloc, &n, n - 1));
	return true;
}

static struct sk_buff *ntbnet_rx_skb(struct ntbnet_rxq *rx,
				     const struct ntbring_frame *f, u32 len,
				     u32 head)
{
	struct sk_buff *skb;
	u32 done;

	if (unlikely(ntbnet_rx_fail(rx->priv)))
		return NULL;
	if (len <= NTBNET_RX_LINEAR)
		head = len;
	skb = napi_alloc_skb(&rx->napi, head);
	if (!skb)
		return NULL;
	ntbring_rx_copy(f, skb_put(skb, head), NTBNET_META_LEN, head);
	for (done = head; done < len; ) {
		struct page *page;
		unsigned int order;
		u32 n;

		if (skb_shinfo(skb)->nr_frags == MAX_SKB_FRAGS)
			goto err;
		page = ntbnet_rx_page(len - done, &order);
		if (!page)
			goto err;
		n = min_t(u32, len - done, PAGE_SIZE << order);
		ntbring_rx_copy(f, page_address(page), NTBNET_META_LEN + done,
				n);
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, n,
				PAGE_SIZE << order);
		done += n;
	}
	return skb;
err:
	dev_kfree_skb_any(skb);
	return NULL;
}

static void ntbnet_rx_drop(struct ntbnet_rxq *rx, enum ntbnet_drop reason,
			   u32 len)
{
	struct ntbnet_priv *priv = rx->priv;

	trace_ntbnet_drop(priv->ndev, ntbnet_drop_name(reason), len);
	ntbnet_inc(&rx->stats.syncp, &rx->stats.drop[reason - NTBNET_DROP_RX]);
}

/* Validate one frame, build its skb and pass it up. */
static void ntbnet_rx_frame(struct ntbnet_rxq *rx,
			    const struct ntbring_frame *f)
{
	struct ntbnet_priv *priv = rx->priv;
	struct ntbnet_meta meta;
	u32 len, head = NTBNET_RX_HEAD, cs = 0, co = 0;
	struct sk_buff *skb;

	if (f->len < NTBNET_META_LEN + ETH_HLEN) {
		ntbnet_rx_drop(rx, NTBNET_DROP_RX_RUNT, f->len);
		return;
	}
	if (f->flags & ~NTBNET_HF_KNOWN) {
		ntbnet_rx_drop(rx, NTBNET_DROP_RX_BAD_FLAGS, f->len);
		return;
	}
	len = f->len - NTBNET_META_LEN;
	ntbring_rx_copy(f, &meta, 0, sizeof(meta));
	if (f->flags & NTBNET_HF_CSUM) {
		cs = le16_to_cpu(meta.csum_start);
		co = le16_to_cpu(meta.csum_offset);
		/*
		 * The checksum field must land in the linear head, after the
		 * Ethernet header (eth_type_trans() pulls it: an earlier start
		 * would be a negative offset for the stack).
		 */
		if (cs < ETH_HLEN ||
		    cs + co + sizeof(__sum16) > min(len, NTBNET_RX_CSUM_MAX)) {
			ntbnet_rx_drop(rx, NTBNET_DROP_RX_BAD_META, f->len);
			return;
		}
		head = max_t(u32, head, cs + co + sizeof(__sum16));
	}
	head = min(head, len);

	skb = ntbnet_rx_skb(rx, f, len, head);
	if (!skb) {
		ntbnet_rx_drop(rx, NTBNET_DROP_RX_NOMEM, f->len);
		return;
	}
	if ((f->flags & NTBNET_HF_CSUM) && !skb_partial_csum_set(skb, cs, co)) {
		dev_kfree_skb_any(skb);
		ntbnet_rx_drop(rx, NTBNET_DROP_RX_BAD_META, f->len);
		return;
	}
	skb->protocol = eth_type_trans(skb, priv->ndev);
	skb_record_rx_queue(skb, rx->idx);
	u64_stats_update_begin(&rx->stats.syncp);
	rx->stats.packets++;
	rx->stats.bytes += len;
	u64_stats_update_end(&rx->stats.syncp);
	napi_gro_receive(&rx->napi, skb);
}

/* The reason a ring rejection counts as. */
static enum ntbnet_drop ntbnet_drop_ring(enum ntbring_bad reason)
{
	return NTBNET_DROP_RX_ERR + (reason - NTBRING_BAD_INDEX);
}

static void ntbnet_rx_bad(struct ntbnet_rxq *rx,
			  const struct ntbring_frame *f)
{
	struct ntbnet_priv *priv = rx->priv;
	enum ntbnet_drop reason;

	if (f->reason < NTBRING_BAD_INDEX || f->reason >= NTBRING_BAD_MAX)
		return;
	reason = ntbnet_drop_ring(f->reason);
	if (f->reason == NTBRING_BAD_INDEX && !rx->bad_since)
		WRITE_ONCE(rx->bad_since, jiffies | 1);
	trace_ntbnet_drop(priv->ndev, ntbnet_drop_name(reason), f->len);
	u64_stats_update_begin(&rx->stats.syncp);
	rx->stats.drop[reason - NTBNET_DROP_RX]++;
	rx->stats.bad_recs += f->nrec;
	u64_stats_update_end(&rx->stats.syncp);
	if (net_ratelimit())
		netdev_info(priv->ndev,
			    "rejected peer data at index %u: %s, %u records skipped\n",
			    f->idx, ntbnet_drop_name(reason), f->nrec);
}

/*
 * rx-usecs: the poll took frames and emptied the ring. Instead of arming
 * (a doorbell for the next frame, an interrupt), complete and poll again
 * when the timer fires: what arrives meanwhile comes in one poll, with no
 * doorbell. A poll that finds nothing arms as usual, so an idle ring costs
 * one extra poll. Returns true when the poll is over (NAPI completed, or
 * left to whoever polls it next).
 */
static bool ntbnet_rx_moderate(struct ntbnet_rxq *rx, int done)
{
	u32 usecs = READ_ONCE(rx->priv->rx_usecs);

	if (!usecs)
		return false;
	if (napi_complete_done(&rx->napi, done)) {
		ntbnet_inc(&rx->stats.syncp, &rx->stats.moderated);
		hrtimer_start(&rx->moderate, ns_to_ktime(usecs * NSEC_PER_USEC),
			      HRTIMER_MODE_REL_PINNED);
	}
	return true;
}

static enum hrtimer_restart ntbnet_rx_moderate_fire(struct hrtimer *t)
{
	struct ntbnet_rxq *rx = container_of(t, struct ntbnet_rxq, moderate);

	napi_schedule(&rx->napi);
	return HRTIMER_NORESTART;
}

static int ntbnet_poll(struct napi_struct *napi, int budget)
{
	struct ntbnet_rxq *rx = container_of(napi, struct ntbnet_rxq, napi);
	struct ntbnet_priv *priv = rx->priv;
	struct ntbring_frame f;
	int done = 0, err;

	ntbnet_inc(&rx->stats.syncp, &rx->stats.polls);
	ntbnet_tx_events(&priv->txq[rx->idx]);
	if (!rx->ready) {
		/* Budget 0 is netpoll's: it must not complete NAPI. */
		if (budget)
			napi_complete_done(napi, 0);
		return 0;
	}
	while (done < budget) {
		err = ntbring_rx_peek(&rx->ring, &f);
		if (err == -EAGAIN)
			break;
		if (err) {
			ntbnet_rx_bad(rx, &f);
			if (f.reason == NTBRING_BAD_INDEX)
				break;
			continue;
		}
		ntbnet_rx_frame(rx, &f);
		ntbring_rx_next(&rx->ring, &f);
		if (unlikely(rx->bad_since))
			WRITE_ONCE(rx->bad_since, 0);
		if (!(++done % NTBNET_RX_RELEASE))
			ntbnet_rx_release(rx);
	}
	ntbnet_rx_release(rx);
	trace_ntbnet_rx_poll(priv->ndev, rx->idx, done, budget);
	if (done < budget) {
		/*
		 * Arm while NAPI is still ours. Data that raced with arming
		 * brings no doorbell: claim the whole budget to poll again.
		 * A doorbell after the arm finds NAPI scheduled and marks it
		 * missed, so napi_complete_done() reschedules. No arm while the
		 * kernel polls again by itself (busy polling, deferred hard
		 * interrupts): that interrupt is what they save.
		 */
		if (done && ntbnet_rx_moderate(rx, done))
			return done;
		if (ntbnet_napi_defers(napi, done)) {
			ntbnet_inc(&rx->stats.syncp, &rx->stats.deferred);
			if (napi_complete_done(napi, done)) {
				/* guessed wrong: nobody polls unless we ask */
				ntbnet_inc(&rx->stats.syncp,
					   &rx->stats.defer_missed);
				napi_schedule(napi);
			}
			return done;
		}
		if (!test_and_set_bit(NTBNET_EV_ARMED, &rx->events)) {
			/* The flag is visible before the token can be seen. */
			smp_mb__after_atomic();
			ntbnet_inc(&rx->stats.syncp, &rx->stats.arms);
			if (ntbring_rx_arm(&rx->ring))
				return budget;
		}
		napi_complete_done(napi, done);
	}
	return done;
}

/**
 * ntbnet_db_event() - doorbell interrupt from the NTB device.
 * @ctx: the port.
 * @vector: doorbell vector, or -1 for all bits (the heartbeat's poll).
 *
 * On a device with several vectors each interrupt takes only its own
 * vector's bits, so a queue whose pair sits on one vector is polled on
 * the CPU that vector interrupts. Queues that share bits (no map, or not
 * enough bits) are all scheduled by them.
 */
void ntbnet_db_event(void *ctx, int vector)
{
	struct ntbnet_priv *priv = ctx;
	u64 bits = ntb_db_read(priv->ntb) & priv->db_mask, vmask, data, space;
	unsigned int i;

	if (vector >= 0 && ntb_db_vector_count(priv->ntb) > 1) {
		vmask = ntb_db_vector_mask(priv->ntb, vector);
		if (vmask)
			bits &= vmask;
	}
	if (!bits)
		return;
	ntb_db_clear(priv->ntb, bits);
	for (i = 0; i < priv->nq; i++) {
		struct ntbnet_rxq *rx = &priv->rxq[i];

		data = bits & BIT_ULL(READ_ONCE(rx->db_data));
		space = bits & BIT_ULL(READ_ONCE(rx->db_space));
		if (space)
			set_bit(NTBNET_EV_SPACE, &rx->events);
		if (data)
			clear_bit(NTBNET_EV_ARMED, &rx->events);
		if (data | space)
			napi_schedule(&rx->napi);
	}
	if (bits & priv->db[NTBNET_DB_HS])
		ntbnet_link_kick(priv);
}

/**
 * ntbnet_db_poll() - handle doorbell bits no interrupt delivered.
 * @priv: the port.
 *
 * The link work calls this every heartbeat period: a lost or merged MSI
 * leaves its bits set with nobody to read them, and the producer rings at
 * most once per arm, so without this one lost interrupt stalls the ring.
 *
 * Return: true if bits were pending.
 */
bool ntbnet_db_poll(struct ntbnet_priv *priv)
{
	if (!(ntb_db_read(priv->ntb) & priv->db_mask))
		return false;
	local_bh_disable();
	ntbnet_db_event(priv, -1);
	local_bh_enable();
	return true;
}

/**
 * ntbnet_napi_kick() - schedule a queue's NAPI from any context.
 * @rx: the receive queue.
 *
 * From a task with bottom halves on (a threaded DMA interrupt, the link
 * work), the softirq runs at local_bh_enable(); elsewhere it runs at the
 * end of the interrupt or bottom half we are in. A disabled NAPI (the
 * interface down) ignores it.
 */
void ntbnet_napi_kick(struct ntbnet_rxq *rx)
{
	if (in_task() && !irqs_disabled()) {
		local_bh_disable();
		napi_schedule(&rx->napi);
		local_bh_enable();
	} else {
		napi_schedule(&rx->napi);
	}
}

/**
 * ntbnet_napi_kick_all() - ntbnet_napi_kick() every queue in use.
 * @priv: the port.
 */
void ntbnet_napi_kick_all(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq; i++)
		ntbnet_napi_kick(&priv->rxq[i]);
}

/**
 * ntbnet_napi_enable() - enable the NAPI of every queue set up.
 * @priv: the port.
 */
void ntbnet_napi_enable(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq_max; i++)
		napi_enable(&priv->rxq[i].napi);
}

/**
 * ntbnet_napi_disable() - disable the NAPI of every queue set up.
 * @priv: the port.
 */
void ntbnet_napi_disable(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq_max; i++)
		napi_disable(&priv->rxq[i].napi);
}

/* The shared doorbells: what every queue uses without maps. */
static void ntbnet_rx_db_shared(struct ntbnet_rxq *rx)
{
	WRITE_ONCE(rx->db_data, ntbnet_db_bit(rx->priv, NTBNET_DB_DATA));
	WRITE_ONCE(rx->db_space, ntbnet_db_bit(rx->priv, NTBNET_DB_SPACE));
	rx->db_space_out = ntbnet_db_bit(rx->priv, NTBNET_DB_SPACE);
}

/**
 * ntbnet_rx_attach() - start consuming one of our freshly announced rings.
 * @rx: the receive queue.
 * @start: initial index for this pair of generations.
 *
 * Our window holds as many rings as we announced (@nq_lay). Caller holds
 * RTNL and has NAPI disabled (or the interface down), and has set
 * priv->features and priv->peer: with NTBRING_FEAT_DBMAP the queue's
 * doorbells are our map's and the peer's, else the shared ones.
 */
void ntbnet_rx_attach(struct ntbnet_rxq *rx, u32 start)
{
	struct ntbnet_priv *priv = rx->priv;

	ntbring_rx_init(&rx->ring, &priv->rx_geom,
			priv->in_buf + ntbring_off_recs(&priv->rx_geom, rx->idx),
			priv->in_buf + ntbring_off_prod(&priv->rx_geom,
							priv->nq_lay, rx->idx),
			priv->out_win + ntbring_off_cons(&priv->peer.rx,
							 priv->peer.queues,
							 rx->idx),
			start);
	if (priv->features & NTBRING_FEAT_DBMAP) {
		WRITE_ONCE(rx->db_data, priv->db_own.data[rx->idx]);
		WRITE_ONCE(rx->db_space, priv->db_own.space[rx->idx]);
		rx->db_space_out = priv->peer.db.space[rx->idx];
	} else {
		ntbnet_rx_db_shared(rx);
	}
	rx->ready = true;
}

/**
 * ntbnet_rx_detach() - stop consuming; NAPI disabled by the caller.
 * @priv: the port.
 */
void ntbnet_rx_detach(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq_max; i++) {
		struct ntbnet_rxq *rx = &priv->rxq[i];

		rx->ready = false;
		WRITE_ONCE(rx->bad_since, 0);
		clear_bit(NTBNET_EV_SPACE, &rx->events);
		clear_bit(NTBNET_EV_TXDONE, &rx->events);
		clear_bit(NTBNET_EV_ARMED, &rx->events);
	}
}

/**
 * ntbnet_rx_init() - register the NAPI of each queue set up.
 * @priv: the port, with @nq_max set.
 */
void ntbnet_rx_init(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq_max; i++) {
		struct ntbnet_rxq *rx = &priv->rxq[i];

		rx->priv = priv;
		rx->idx = i;
		ntbnet_rx_db_shared(rx);
		hrtimer_init(&rx->moderate, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED);
		rx->moderate.function = ntbnet_rx_moderate_fire;
		u64_stats_init(&rx->stats.syncp);
		netif_napi_add(priv->ndev, &rx->napi, ntbnet_poll);
	}
}

/**
 * ntbnet_rx_exit() - unregister NAPI.
 * @priv: the port.
 */
void ntbnet_rx_exit(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq_max; i++) {
		hrtimer_cancel(&priv->rxq[i].moderate);
		netif_napi_del(&priv->rxq[i].napi);
	}
}
