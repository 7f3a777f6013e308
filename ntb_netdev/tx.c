// SPDX-License-Identifier: GPL-2.0
/*
 * tx.c - transmit: frames into the peer's ring, flow control, commit.
 *
 * A frame is reserved in the peer's ring, its meta header written by the
 * CPU, its bytes copied by dma/ (engine or CPU), and committed in
 * reservation order once its copy finished. Committed frames are
 * published once per batch (end of an xmit_more run, or a DMA completion
 * run); the peer gets a data doorbell only if it armed for one.
 *
 * Flow control: after queueing a frame, if the ring could not take a
 * worst-case frame, the queue stops; the producer then asks the receiver
 * for a space doorbell and re-checks (ntbring_tx_wait_space() has the
 * barrier). The queue wakes from that doorbell (via NAPI) or from a
 * commit run that finds the space, and xmit never returns NETDEV_TX_BUSY.
 * A stall that nothing wakes (a lost doorbell, a hung engine) is caught
 * by the link work's watchdog, ntbnet_tx_watchdog().
 *
 * Locking: q->lock is taken with bottom halves off only (xmit, NAPI, the
 * link work with spin_lock_bh). DMA completions may run in any context
 * (hard IRQ, softirq, a threaded handler with bottom halves on), so they
 * take no lock: they set NTBNET_EV_TXDONE and let NAPI commit.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/slab.h>

#include "ntbnet.h"
#include "trace.h"

/*
 * Records the largest frame can need at the current head: the frame
 * (our MTU, or the peer's max_len when that is smaller) plus the padding
 * a contiguous reserve adds when it does not fit before the ring's end.
 */
static u32 ntbnet_worst_nrec(const struct ntbnet_txq *q)
{
	const struct ntbring_tx *r = &q->ring;
	u32 len = min_t(u32, READ_ONCE(q->priv->ndev->mtu) +
			NTBNET_FRAME_OVERHEAD, r->max_len);
	u32 n = ntbring_nrec(1u << r->shift, len);
	u32 to_end = r->count - (r->head & r->mask);

	return to_end < n ? to_end + n : n;
}

/* Free records as last seen, without reading the peer's index again. */
static u32 ntbnet_recs_seen(const struct ntbnet_txq *q)
{
	return q->ring.count - (q->ring.head - q->ring.out);
}

static u32 ntbnet_ents_free(const struct ntbnet_txq *q)
{
	return q->nents - (q->head - q->tail);
}

/*
 * Move the consumer indexes the ring refused since we last looked into
 * tx0_bad_out, the counter's one owner. With q->lock, after every ring
 * call that reads the peer's "out".
 */
static void ntbnet_tx_bad_out(struct ntbnet_txq *q)
{
	if (unlikely(q->ring.bad_out)) {
		ntbnet_add(&q->stats.syncp, &q->stats.bad_out, q->ring.bad_out);
		q->ring.bad_out = 0;
	}
}

/* Room for one more worst-case frame? Refreshes the consumer index. */
static bool ntbnet_tx_room(struct ntbnet_txq *q)
{
	bool room;

	if (!ntbnet_ents_free(q))
		return false;
	room = ntbring_tx_free(&q->ring) >= ntbnet_worst_nrec(q);
	ntbnet_tx_bad_out(q);
	return room;
}

/*
 * May a stopped queue run again? Re-arms the space doorbell if the ring
 * has no room yet (ntbring_tx_wait_space()). With q->lock.
 */
static bool ntbnet_tx_can_wake(struct ntbnet_txq *q)
{
	bool room;

	if (!__netif_subqueue_stopped(q->priv->ndev, q->idx) ||
	    !ntbnet_ents_free(q))
		return false;	/* not stopped, or a commit run calls again */
	room = ntbring_tx_wait_space(&q->ring, ntbnet_worst_nrec(q));
	ntbnet_tx_bad_out(q);
	return room;
}

/* Offset in the peer's window of an entry's frame, after its meta header. */
static u32 ntbnet_tx_frame_off(const struct ntbnet_txent *e)
{
	return e->q->recs_off + e->slot.off[0] + NTBNET_META_LEN;
}

/* Stop the queue for want of room. With q->lock. */
static void ntbnet_tx_stop(struct ntbnet_txq *q)
{
	netif_stop_subqueue(q->priv->ndev, q->idx);
	if (!q->stop_time)
		q->stop_time = jiffies | 1;
	ntbnet_inc(&q->stats.syncp, &q->stats.stops);
	trace_ntbnet_tx_stop(q->priv->ndev, q->idx, ntbnet_recs_seen(q),
			     ntbnet_worst_nrec(q));
}

/* The queue runs again. With q->lock. */
static void ntbnet_tx_woken(struct ntbnet_txq *q)
{
	q->stop_time = 0;
	q->kicked = false;
	trace_ntbnet_tx_wake(q->priv->ndev, q->idx, ntbnet_recs_seen(q),
			     ntbnet_worst_nrec(q));
}

static void ntbnet_tx_publish(struct ntbnet_txq *q)
{
	struct ntbnet_priv *priv = q->priv;
	bool db;

	if (q->ring.committed == q->ring.pub)
		return;

	ntbnet_inc(&q->stats.syncp, &q->stats.publishes);
	db = ntbring_tx_publish(&q->ring);
	trace_ntbnet_publish(priv->ndev, q->idx, q->ring.pub, db);
	if (db) {
		ntbnet_inc(&q->stats.syncp, &q->stats.doorbells);
		ntbnet_ring_bit(priv, q->db_data_out);
	}
}

/*
 * Commit the finished frames at the tail, in order. Called with q->lock.
 * Returns true if something was committed.
 */
static bool ntbnet_tx_reap(struct ntbnet_txq *q)
{
	struct ntbnet_priv *priv = q->priv;
	unsigned int pkts = 0, bytes = 0;

	while (q->tail != q->head) {
		struct ntbnet_txent *e = &q->ents[q->tail & (q->nents - 1)];

		if (atomic_read(&e->pending))
			break;
		/* Pairs with the barrier in ntbnet_tx_dma_done(): see err. */
		smp_rmb();
		if (e->map.n)
			ntbnet_dma_unmap(&priv->dma, &e->map);
		if (unlikely(e->err)) {
			/* The engine failed: the CPU writes the frame again. */
			ntbnet_inc(&q->stats.syncp, &q->stats.dma_errors);
			ntbnet_dma_cpu_copy(&priv->dma, e->skb,
					    ntbnet_tx_frame_off(e));
			e->err = false;
		}
		/* Cannot fail: entries are committed in reservation order. */
		ntbring_tx_commit(&q->ring, &e->slot);
		u64_stats_update_begin(&q->stats.syncp);
		q->stats.packets++;
		q->stats.bytes += e->skb->len;
		u64_stats_update_end(&q->stats.syncp);
		pkts++;
		bytes += e->skb->len;
		dev_consume_skb_any(e->skb);
		e->skb = NULL;
		q->tail++;
	}
	if (pkts)
		netdev_tx_completed_queue(netdev_get_tx_queue(priv->ndev, q->idx),
					  pkts, bytes);
	return pkts;
}

/* Wake the queue if the receiver freed enough space. With q->lock. */
static void ntbnet_tx_try_wake(struct ntbnet_txq *q)
{
	if (!q->attached || !netif_carrier_ok(q->priv->ndev))
		return;
	if (ntbnet_tx_can_wake(q)) {
		ntbnet_inc(&q->stats.syncp, &q->stats.wakes);
		ntbnet_tx_woken(q);
		netif_wake_subqueue(q->priv->ndev, q->idx);
	}
}

/*
 * DMA completion: any context, no lock. The last piece of a frame hands
 * the commit to NAPI (see "Locking" above).
 */
static void ntbnet_tx_dma_done(void *arg, const struct dmaengine_result *res)
{
	struct ntbnet_txent *e = arg;
	struct ntbnet_rxq *rx = &e->q->priv->rxq[e->q->idx];

	if (res && res->result != DMA_TRANS_NOERROR)
		e->err = true;
	/* Pairs with the atomic_read in ntbnet_tx_reap(): err is visible. */
	smp_mb__before_atomic();
	if (!atomic_dec_and_test(&e->pending))
		return;
	set_bit(NTBNET_EV_TXDONE, &rx->events);
	ntbnet_napi_kick(rx);
}

/* Commit, publish and wake: the work of a poll after tx events. */
static void ntbnet_tx_flush(struct ntbnet_txq *q)
{
	ntbnet_tx_reap(q);
	ntbnet_tx_publish(q);
	ntbnet_tx_try_wake(q);
}

/**
 * ntbnet_tx_events() - transmit work handed to NAPI.
 * @q: the transmit queue; its events are in the receive queue of the
 *     same index, whose NAPI calls this.
 *
 * Runs from NAPI (bottom halves off): DMA completions to commit and
 * publish (NTBNET_EV_TXDONE), a space doorbell to check (NTBNET_EV_SPACE).
 */
void ntbnet_tx_events(struct ntbnet_txq *q)
{
	unsigned long *ev = &q->priv->rxq[q->idx].events;
	bool done = test_and_clear_bit(NTBNET_EV_TXDONE, ev);
	bool space = test_and_clear_bit(NTBNET_EV_SPACE, ev);

	if (!done && !space)
		return;
	spin_lock(&q->lock);
	if (q->attached) {
		if (done)
			ntbnet_tx_flush(q);
		else
			ntbnet_tx_try_wake(q);
	}
	spin_unlock(&q->lock);
}

/*
 * Let one queue run if a worst-case frame has room; otherwise it stays
 * stopped with the space doorbell armed.
 */
static void ntbnet_tx_start_q(struct ntbnet_txq *q)
{
	spin_lock_bh(&q->lock);
	if (q->attached && netif_carrier_ok(q->priv->ndev)) {
		if (ntbnet_tx_room(q)) {
			ntbnet_tx_woken(q);
			netif_wake_subqueue(q->priv->ndev, q->idx);
		} else {
			ntbnet_tx_stop(q);
			ntbnet_tx_try_wake(q);
		}
	}
	spin_unlock_bh(&q->lock);
}

/**
 * ntbnet_tx_start() - let transmit run (open, carrier on).
 * @priv: the port.
 */
void ntbnet_tx_start(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq; i++)
		ntbnet_tx_start_q(&priv->txq[i]);
}

/* The oldest frame still waits for its DMA completion. With q->lock. */
static bool ntbnet_tx_dma_stuck(const struct ntbnet_txq *q)
{
	return q->tail != q->head &&
	       atomic_read(&q->ents[q->tail & (q->nents - 1)].pending);
}

/*
 * ntbnet_tx_watchdog_q() - recover a transmit queue stopped for too long.
 *
 * Called by the link work every heartbeat period while the link is up.
 * A queue stopped for a heartbeat timeout with nothing waking it lost a
 * doorbell or a DMA completion, or the peer stopped consuming (its
 * interface is down): commit what finished, publish, ring the data
 * doorbell again and re-check for room (this also re-arms the space
 * doorbell). Counted and reported once per stall. If a frame still waits
 * for the engine one timeout later, the engine is hung: the caller resets
 * the link, which terminates the transfers. A peer that merely does not
 * consume is re-checked every timeout, never reset for it.
 *
 * Returns true if the link must be reset.
 */
static bool ntbnet_tx_watchdog_q(struct ntbnet_txq *q)
{
	struct ntbnet_priv *priv = q->priv;
	unsigned long timeout = msecs_to_jiffies(priv->hb_timeout_ms);
	bool reset = false;

	spin_lock_bh(&q->lock);
	if (!q->attached || !netif_running(priv->ndev) ||
	    !__netif_subqueue_stopped(priv->ndev, q->idx) ||
	    !netif_carrier_ok(priv->ndev) || !q->stop_time ||
	    time_before(jiffies, q->stop_time + timeout))
		goto out;
	if (q->kicked && ntbnet_tx_dma_stuck(q)) {
		reset = true;
		goto out;
	}
	if (!q->kicked) {
		ntbnet_inc(&q->stats.syncp, &q->stats.timeouts);
		if (__ratelimit(&priv->msg_rs))
			netdev_warn(priv->ndev,
				    "transmit queue %u stopped for %u ms (%u of %u ring records free, %u frames in flight): lost doorbell or DMA completion, or the peer is not receiving; re-checking\n",
				    q->idx, jiffies_to_msecs(jiffies - q->stop_time),
				    ntbnet_recs_seen(q), q->ring.count,
				    q->head - q->tail);
	}
	q->kicked = true;
	q->stop_time = jiffies | 1;
	ntbnet_dma_issue(&priv->dma);
	ntbnet_tx_reap(q);
	ntbnet_tx_publish(q);
	ntbnet_ring_bit(priv, q->db_data_out);
	ntbnet_tx_try_wake(q);
out:
	spin_unlock_bh(&q->lock);
	return reset;
}

/**
 * ntbnet_tx_watchdog() - recover transmit queues stopped for too long.
 * @priv: the port.
 *
 * Called by the link work every heartbeat period while the link is up;
 * see ntbnet_tx_watchdog_q().
 *
 * Return: true if the link must be reset.
 */
bool ntbnet_tx_watchdog(struct ntbnet_priv *priv)
{
	bool reset = false;
	unsigned int i;

	for (i = 0; i < priv->nq; i++)
		reset |= ntbnet_tx_watchdog_q(&priv->txq[i]);
	return reset;
}

static void ntbnet_tx_drop(struct ntbnet_txq *q, struct sk_buff *skb,
			   enum ntbnet_drop reason)
{
	struct net_device *ndev = q->priv->ndev;

	trace_ntbnet_drop(ndev, ntbnet_drop_name(reason), skb->len);
	ntbnet_inc(&q->stats.syncp, &q->stats.drop[reason]);
	dev_kfree_skb_any(skb);
}

/* Fill @meta for @skb; returns the record header flags it needs. */
static u16 ntbnet_tx_meta(const struct sk_buff *skb, struct ntbnet_meta *meta)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	meta->csum_start = cpu_to_le16(skb_checksum_start_offset(skb));
	meta->csum_offset = cpu_to_le16(skb->csum_offset);
	return NTBNET_HF_CSUM;
}

/* Copy an entry's frame into the peer's window, by the engine or the CPU. */
static void ntbnet_tx_copy(struct ntbnet_txq *q, struct ntbnet_txent *e)
{
	struct ntbnet_priv *priv = q->priv;
	u32 off = ntbnet_tx_frame_off(e);

	if (ntbnet_dma_wanted(&priv->dma, e->skb->len) &&
	    ntbnet_dma_submit(&priv->dma, e->skb, off, &e->map, &e->pending,
			      ntbnet_tx_dma_done, e) >= 0) {
		ntbnet_inc(&q->stats.syncp, &q->stats.dma_frames);
	} else {
		ntbnet_dma_cpu_copy(&priv->dma, e->skb, off);
		ntbnet_inc(&q->stats.syncp, &q->stats.cpu_frames);
	}
}

/*
 * End of an xmit batch: issue, commit and publish what was queued, and
 * restart the queue if it stopped but the receiver freed room meanwhile.
 * With q->lock.
 */
static void ntbnet_tx_end_batch(struct ntbnet_txq *q)
{
	ntbnet_dma_issue(&q->priv->dma);
	ntbnet_tx_reap(q);
	ntbnet_tx_publish(q);
	if (ntbnet_tx_can_wake(q)) {
		ntbnet_inc(&q->stats.syncp, &q->stats.wake_early);
		ntbnet_tx_woken(q);
		netif_tx_start_queue(netdev_get_tx_queue(q->priv->ndev, q->idx));
	}
}

/**
 * ntbnet_start_xmit() - ndo_start_xmit.
 * @skb: the frame.
 * @ndev: the interface.
 *
 * Every exit after the link check ends the batch when it must (no more
 * frames coming, or the queue stopped): frames queued earlier in an
 * xmit_more run are issued, committed and published, whatever became of
 * this one.
 *
 * Return: NETDEV_TX_OK, always.
 */
netdev_tx_t ntbnet_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);
	u16 qi = skb_get_queue_mapping(skb);
	struct ntbnet_txq *q;
	struct netdev_queue *nq;
	struct ntbnet_meta meta = {};
	struct ntbnet_txent *e;
	u16 hflags;
	u32 len;
	bool more = netdev_xmit_more();
	int err;

	/* The stack picks below real_num_tx_queues (<= nq_max). */
	if (unlikely(qi >= priv->nq_max))
		qi = 0;
	q = &priv->txq[qi];
	nq = netdev_get_tx_queue(ndev, qi);
	spin_lock(&q->lock);
	if (unlikely(!q->attached)) {
		ntbnet_tx_drop(q, skb, NTBNET_DROP_TX_LINK_DOWN);
		goto out;
	}
	len = skb->len + NTBNET_META_LEN;
	if (unlikely(len > q->ring.max_len)) {
		ntbnet_tx_drop(q, skb, NTBNET_DROP_TX_TOO_BIG);
		goto flush;
	}
	hflags = ntbnet_tx_meta(skb, &meta);
	e = &q->ents[q->head & (q->nents - 1)];
	err = ntbnet_ents_free(q) ? ntbring_tx_reserve(&q->ring, len,
						       NTBRING_RESERVE_CONTIG,
						       hflags, &e->slot) :
				    -ENOSPC;
	ntbnet_tx_bad_out(q);
	if (unlikely(err)) {
		/*
		 * Cannot happen while the queue stops early enough; only a
		 * peer that stopped releasing records gets here.
		 */
		ntbnet_tx_drop(q, skb, NTBNET_DROP_TX_NO_SPACE);
		ntbnet_tx_stop(q);
		goto flush;
	}
	memcpy_toio(priv->out_win + ntbnet_tx_frame_off(e) - NTBNET_META_LEN,
		    &meta, sizeof(meta));
	e->skb = skb;
	e->err = false;
	e->map.n = 0;
	atomic_set(&e->pending, 1);
	q->head++;
	netdev_tx_sent_queue(nq, skb->len);
	skb_tx_timestamp(skb);

	ntbnet_tx_copy(q, e);
	/* Drop the submission guard; DMA completions may now commit. */
	atomic_dec(&e->pending);

	if (unlikely(!ntbnet_tx_room(q)))
		ntbnet_tx_stop(q);
flush:
	if (!more || netif_xmit_stopped(nq))
		ntbnet_tx_end_batch(q);
out:
	spin_unlock(&q->lock);
	return NETDEV_TX_OK;
}

/**
 * ntbnet_tx_attach() - start producing into a freshly attached peer ring.
 * @q: the transmit queue.
 * @peer: the peer's handshake: the geometry of its receive rings and how
 *        many it laid out in its window.
 * @start: initial index for this pair of generations.
 *
 * The queue stays stopped until the carrier goes up. Its data doorbell is
 * the bit the peer's map names for it, or the shared one when the link
 * runs without maps (priv->features, set by the caller).
 */
void ntbnet_tx_attach(struct ntbnet_txq *q, const struct ntbring_hs *peer,
		      u32 start)
{
	struct ntbnet_priv *priv = q->priv;

	spin_lock_bh(&q->lock);
	/* records and producer line in the peer's window, as it laid it out */
	q->recs_off = ntbring_off_recs(&peer->rx, q->idx);
	ntbring_tx_init(&q->ring, &peer->rx, priv->out_win + q->recs_off,
			priv->out_win + ntbring_off_prod(&peer->rx,
							 peer->queues, q->idx),
			priv->in_buf + ntbring_off_cons(&priv->rx_geom,
							priv->nq_lay, q->idx),
			start);
	q->head = 0;
	q->tail = 0;
	q->stop_time = 0;
	q->kicked = false;
	q->db_data_out = (priv->features & NTBRING_FEAT_DBMAP) ?
			 peer->db.data[q->idx] :
			 ntbnet_db_bit(priv, NTBNET_DB_DATA);
	q->attached = true;
	spin_unlock_bh(&q->lock);
}

/**
 * ntbnet_tx_detach() - stop producing and free the frames in flight.
 * @priv: the port.
 *
 * Caller stopped the queues (netif_tx_disable) so xmit is not running.
 */
void ntbnet_tx_detach(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq_max; i++) {
		struct ntbnet_txq *q = &priv->txq[i];

		spin_lock_bh(&q->lock);
		q->attached = false;
		spin_unlock_bh(&q->lock);
	}

	/* No completion runs after this; aborted ones never call back. */
	ntbnet_dma_quiesce(&priv->dma);

	for (i = 0; i < priv->nq_max; i++) {
		struct ntbnet_txq *q = &priv->txq[i];

		spin_lock_bh(&q->lock);
		while (q->tail != q->head) {
			struct ntbnet_txent *e =
				&q->ents[q->tail & (q->nents - 1)];

			if (e->map.n)
				ntbnet_dma_unmap(&priv->dma, &e->map);
			ntbnet_tx_drop(q, e->skb, NTBNET_DROP_TX_INFLIGHT);
			e->skb = NULL;
			q->tail++;
		}
		spin_unlock_bh(&q->lock);
		netdev_tx_reset_queue(netdev_get_tx_queue(priv->ndev, i));
	}
}

/**
 * ntbnet_tx_exit() - free the transmit entries (after ntbnet_tx_detach()).
 * @priv: the port.
 */
void ntbnet_tx_exit(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < NTBNET_QUEUES_MAX; i++) {
		kvfree(priv->txq[i].ents);
		priv->txq[i].ents = NULL;
	}
}

/**
 * ntbnet_tx_init() - allocate the transmit entries of each queue set up.
 * @priv: the port, with @nq_max set.
 *
 * Return: 0 or -ENOMEM (nothing left allocated).
 */
int ntbnet_tx_init(struct ntbnet_priv *priv)
{
	u32 nents = roundup_pow_of_two(clamp(priv->tx_entries, 16u, 4096u));
	unsigned int i;
	u32 k;

	for (i = 0; i < priv->nq_max; i++) {
		struct ntbnet_txq *q = &priv->txq[i];

		spin_lock_init(&q->lock);
		u64_stats_init(&q->stats.syncp);
		q->priv = priv;
		q->idx = i;
		q->nents = nents;
		q->ents = kvcalloc(nents, sizeof(*q->ents), GFP_KERNEL);
		if (!q->ents) {
			ntbnet_tx_exit(priv);
			return -ENOMEM;
		}
		for (k = 0; k < nents; k++)
			q->ents[k].q = q;
	}
	return 0;
}
