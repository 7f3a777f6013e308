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
static u32 ntbnet_worst_nrec(struct ntbnet_priv *priv)
{
	const struct ntbring_tx *r = &priv->txq.ring;
	u32 len = min_t(u32, READ_ONCE(priv->ndev->mtu) +
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
static bool ntbnet_tx_room(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;
	bool room;

	if (!ntbnet_ents_free(q))
		return false;
	room = ntbring_tx_free(&q->ring) >= ntbnet_worst_nrec(priv);
	ntbnet_tx_bad_out(q);
	return room;
}

/*
 * May a stopped queue run again? Re-arms the space doorbell if the ring
 * has no room yet (ntbring_tx_wait_space()). With q->lock.
 */
static bool ntbnet_tx_can_wake(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;
	bool room;

	if (!netif_queue_stopped(priv->ndev) || !ntbnet_ents_free(q))
		return false;	/* not stopped, or a commit run calls again */
	room = ntbring_tx_wait_space(&q->ring, ntbnet_worst_nrec(priv));
	ntbnet_tx_bad_out(q);
	return room;
}

/* Offset in the peer's window of an entry's frame, after its meta header. */
static u32 ntbnet_tx_frame_off(const struct ntbnet_txent *e)
{
	return NTBRING_OFF_RECS + e->slot.off[0] + NTBNET_META_LEN;
}

/* Stop the queue for want of room. With q->lock. */
static void ntbnet_tx_stop(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;

	netif_stop_queue(priv->ndev);
	if (!q->stop_time)
		q->stop_time = jiffies | 1;
	ntbnet_inc(&q->stats.syncp, &q->stats.stops);
	trace_ntbnet_tx_stop(priv->ndev, ntbnet_recs_seen(q),
			     ntbnet_worst_nrec(priv));
}

/* The queue runs again. With q->lock. */
static void ntbnet_tx_woken(struct ntbnet_priv *priv)
{
	priv->txq.stop_time = 0;
	priv->txq.kicked = false;
	trace_ntbnet_tx_wake(priv->ndev, ntbnet_recs_seen(&priv->txq),
			     ntbnet_worst_nrec(priv));
}

static void ntbnet_tx_publish(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;
	bool db;

	if (q->ring.committed == q->ring.pub)
		return;

	ntbnet_inc(&q->stats.syncp, &q->stats.publishes);
	db = ntbring_tx_publish(&q->ring);
	trace_ntbnet_publish(priv->ndev, q->ring.pub, db);
	if (db) {
		ntbnet_inc(&q->stats.syncp, &q->stats.doorbells);
		ntbnet_ring_db(priv, NTBNET_DB_DATA);
	}
}

/*
 * Commit the finished frames at the tail, in order. Called with q->lock.
 * Returns true if something was committed.
 */
static bool ntbnet_tx_reap(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;
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
		netdev_completed_queue(priv->ndev, pkts, bytes);
	return pkts;
}

/* Wake the queue if the receiver freed enough space. With q->lock. */
static void ntbnet_tx_try_wake(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;

	if (!q->attached || !netif_carrier_ok(priv->ndev))
		return;
	if (ntbnet_tx_can_wake(priv)) {
		ntbnet_inc(&q->stats.syncp, &q->stats.wakes);
		ntbnet_tx_woken(priv);
		netif_wake_queue(priv->ndev);
	}
}

/*
 * DMA completion: any context, no lock. The last piece of a frame hands
 * the commit to NAPI (see "Locking" above).
 */
static void ntbnet_tx_dma_done(void *arg, const struct dmaengine_result *res)
{
	struct ntbnet_txent *e = arg;
	struct ntbnet_priv *priv = e->priv;

	if (res && res->result != DMA_TRANS_NOERROR)
		e->err = true;
	/* Pairs with the atomic_read in ntbnet_tx_reap(): err is visible. */
	smp_mb__before_atomic();
	if (!atomic_dec_and_test(&e->pending))
		return;
	set_bit(NTBNET_EV_TXDONE, &priv->rxq.events);
	ntbnet_napi_kick(priv);
}

/* Commit, publish and wake: the work of a poll after tx events. */
static void ntbnet_tx_flush(struct ntbnet_priv *priv)
{
	ntbnet_tx_reap(priv);
	ntbnet_tx_publish(priv);
	ntbnet_tx_try_wake(priv);
}

/**
 * ntbnet_tx_events() - transmit work handed to NAPI.
 * @priv: the port.
 *
 * Runs from NAPI (bottom halves off): DMA completions to commit and
 * publish (NTBNET_EV_TXDONE), a space doorbell to check (NTBNET_EV_SPACE).
 */
void ntbnet_tx_events(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;
	bool done = test_and_clear_bit(NTBNET_EV_TXDONE, &priv->rxq.events);
	bool space = test_and_clear_bit(NTBNET_EV_SPACE, &priv->rxq.events);

	if (!done && !space)
		return;
	spin_lock(&q->lock);
	if (q->attached) {
		if (done)
			ntbnet_tx_flush(priv);
		else
			ntbnet_tx_try_wake(priv);
	}
	spin_unlock(&q->lock);
}

/**
 * ntbnet_tx_start() - let transmit run (open, carrier on).
 * @priv: the port.
 *
 * Starts the queue only if a worst-case frame has room; otherwise it
 * stays stopped with the space doorbell armed.
 */
void ntbnet_tx_start(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;

	spin_lock_bh(&q->lock);
	if (q->attached && netif_carrier_ok(priv->ndev)) {
		if (ntbnet_tx_room(priv)) {
			ntbnet_tx_woken(priv);
			netif_wake_queue(priv->ndev);
		} else {
			ntbnet_tx_stop(priv);
			ntbnet_tx_try_wake(priv);
		}
	}
	spin_unlock_bh(&q->lock);
}

/* The oldest frame still waits for its DMA completion. With q->lock. */
static bool ntbnet_tx_dma_stuck(const struct ntbnet_txq *q)
{
	return q->tail != q->head &&
	       atomic_read(&q->ents[q->tail & (q->nents - 1)].pending);
}

/**
 * ntbnet_tx_watchdog() - recover a transmit queue stopped for too long.
 * @priv: the port.
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
 * Return: true if the link must be reset.
 */
bool ntbnet_tx_watchdog(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;
	unsigned long timeout = msecs_to_jiffies(priv->hb_timeout_ms);
	bool reset = false;

	spin_lock_bh(&q->lock);
	if (!q->attached || !netif_running(priv->ndev) ||
	    !netif_queue_stopped(priv->ndev) ||
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
				    "transmit stopped for %u ms (%u of %u ring records free, %u frames in flight): lost doorbell or DMA completion, or the peer is not receiving; re-checking\n",
				    jiffies_to_msecs(jiffies - q->stop_time),
				    ntbnet_recs_seen(q), q->ring.count,
				    q->head - q->tail);
	}
	q->kicked = true;
	q->stop_time = jiffies | 1;
	ntbnet_dma_issue(&priv->dma);
	ntbnet_tx_reap(priv);
	ntbnet_tx_publish(priv);
	ntbnet_ring_db(priv, NTBNET_DB_DATA);
	ntbnet_tx_try_wake(priv);
out:
	spin_unlock_bh(&q->lock);
	return reset;
}

static void ntbnet_tx_drop(struct ntbnet_priv *priv, struct sk_buff *skb,
			   enum ntbnet_drop reason)
{
	struct ntbnet_txq *q = &priv->txq;

	trace_ntbnet_drop(priv->ndev, ntbnet_drop_name(reason), skb->len);
	ntbnet_inc(&q->stats.syncp, &q->stats.drop[reason]);
	priv->ndev->stats.tx_dropped++;
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
static void ntbnet_tx_copy(struct ntbnet_priv *priv, struct ntbnet_txent *e)
{
	struct ntbnet_txq *q = &priv->txq;
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
static void ntbnet_tx_end_batch(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;

	ntbnet_dma_issue(&priv->dma);
	ntbnet_tx_reap(priv);
	ntbnet_tx_publish(priv);
	if (ntbnet_tx_can_wake(priv)) {
		ntbnet_inc(&q->stats.syncp, &q->stats.wake_early);
		ntbnet_tx_woken(priv);
		netif_start_queue(priv->ndev);
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
	struct ntbnet_txq *q = &priv->txq;
	struct ntbnet_meta meta = {};
	struct ntbnet_txent *e;
	u16 hflags;
	u32 len;
	bool more = netdev_xmit_more();
	int err;

	spin_lock(&q->lock);
	if (unlikely(!q->attached)) {
		ntbnet_tx_drop(priv, skb, NTBNET_DROP_TX_LINK_DOWN);
		goto out;
	}
	len = skb->len + NTBNET_META_LEN;
	if (unlikely(len > q->ring.max_len)) {
		ntbnet_tx_drop(priv, skb, NTBNET_DROP_TX_TOO_BIG);
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
		ntbnet_tx_drop(priv, skb, NTBNET_DROP_TX_NO_SPACE);
		ntbnet_tx_stop(priv);
		goto flush;
	}
	memcpy_toio(priv->out_win + ntbnet_tx_frame_off(e) - NTBNET_META_LEN,
		    &meta, sizeof(meta));
	e->skb = skb;
	e->err = false;
	e->map.n = 0;
	atomic_set(&e->pending, 1);
	q->head++;
	netdev_sent_queue(ndev, skb->len);
	skb_tx_timestamp(skb);

	ntbnet_tx_copy(priv, e);
	/* Drop the submission guard; DMA completions may now commit. */
	atomic_dec(&e->pending);

	if (unlikely(!ntbnet_tx_room(priv)))
		ntbnet_tx_stop(priv);
flush:
	if (!more || netif_xmit_stopped(netdev_get_tx_queue(ndev, 0)))
		ntbnet_tx_end_batch(priv);
out:
	spin_unlock(&q->lock);
	return NETDEV_TX_OK;
}

/**
 * ntbnet_tx_attach() - start producing into a freshly attached peer ring.
 * @priv: the port.
 * @g: geometry the peer announced for its receive ring.
 * @start: initial index for this pair of generations.
 *
 * The queue stays stopped until the carrier goes up.
 */
void ntbnet_tx_attach(struct ntbnet_priv *priv, const struct ntbring_geom *g,
		      u32 start)
{
	struct ntbnet_txq *q = &priv->txq;

	spin_lock_bh(&q->lock);
	ntbring_tx_init(&q->ring, g, priv->out_win + NTBRING_OFF_RECS,
			priv->out_win + NTBRING_OFF_PROD,
			priv->in_buf + NTBRING_OFF_CONS, start);
	q->head = 0;
	q->tail = 0;
	q->stop_time = 0;
	q->kicked = false;
	q->attached = true;
	spin_unlock_bh(&q->lock);
}

/**
 * ntbnet_tx_detach() - stop producing and free the frames in flight.
 * @priv: the port.
 *
 * Caller stopped the queue (netif_tx_disable) so xmit is not running.
 */
void ntbnet_tx_detach(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;

	spin_lock_bh(&q->lock);
	q->attached = false;
	spin_unlock_bh(&q->lock);

	/* No completion runs after this; aborted ones never call back. */
	ntbnet_dma_quiesce(&priv->dma);

	spin_lock_bh(&q->lock);
	while (q->tail != q->head) {
		struct ntbnet_txent *e = &q->ents[q->tail & (q->nents - 1)];

		if (e->map.n)
			ntbnet_dma_unmap(&priv->dma, &e->map);
		ntbnet_tx_drop(priv, e->skb, NTBNET_DROP_TX_INFLIGHT);
		e->skb = NULL;
		q->tail++;
	}
	spin_unlock_bh(&q->lock);
	netdev_reset_queue(priv->ndev);
}

/**
 * ntbnet_tx_init() - allocate the transmit entries.
 * @priv: the port.
 *
 * Return: 0 or -ENOMEM.
 */
int ntbnet_tx_init(struct ntbnet_priv *priv)
{
	struct ntbnet_txq *q = &priv->txq;
	u32 i;

	spin_lock_init(&q->lock);
	u64_stats_init(&q->stats.syncp);
	q->nents = roundup_pow_of_two(clamp(priv->tx_entries, 16u, 4096u));
	q->ents = kvcalloc(q->nents, sizeof(*q->ents), GFP_KERNEL);
	if (!q->ents)
		return -ENOMEM;
	for (i = 0; i < q->nents; i++)
		q->ents[i].priv = priv;
	return 0;
}

/**
 * ntbnet_tx_exit() - free the transmit entries (after ntbnet_tx_detach()).
 * @priv: the port.
 */
void ntbnet_tx_exit(struct ntbnet_priv *priv)
{
	kvfree(priv->txq.ents);
	priv->txq.ents = NULL;
}
