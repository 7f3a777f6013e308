// SPDX-License-Identifier: GPL-2.0
/*
 * link.c - handshake, carrier, peer life cycle (docs/protocol.md, 9).
 *
 * Each side writes three words (ID, WIN, GEN) into the PEER's scratchpads
 * and its hello (ring geometry, features, acknowledgment, heartbeat) into
 * the header of the PEER's window once those words say the window is
 * there; it reads the peer's words from its own scratchpads and the
 * peer's hello from its own window, so every read is local. Words and
 * hello are published like a seqlock: generation 0 first, then the
 * fields, then the new generation; a reader takes the generation before
 * and after the fields (a torn read is retried).
 *
 * States (enum ntbnet_state), all changed here by one work item:
 *   DOWN      -> NTB link up: new generation, announce   -> ANNOUNCED
 *   ANNOUNCED -> peer announcement usable and not stale: set up both
 *                rings, flush, write PEER_GEN = peer gen  -> ATTACHED
 *   ATTACHED  -> peer's PEER_GEN equals our gen: carrier  -> UP
 *   UP        -> peer gen changes, peer leaves (gen 0), peer no longer
 *                acknowledges us, heartbeat stops, or NTB link down:
 *                carrier off, in-flight frames freed      -> DOWN
 *   REFUSED   -> version or geometry incompatible: one message per peer
 *                generation, the link stays down.
 * Our generation is kept when the peer restarts or leaves (it attaches
 * to us afresh anyway), and moves on whenever we reset our rings on our
 * own: ethtool -G, heartbeat loss, a receive ring out of sync, and an NTB
 * link drop, which the peer may not have seen (a glitch one side only
 * notices) and would otherwise keep producing into a ring we reset.
 * Either way the start indices of a new pairing differ, so stale ring
 * contents fail the index and sequence checks.
 *
 * The work item runs every heartbeat period while the NTB link is up
 * and at once on link events and handshake doorbells. The net_device is
 * never unregistered here: name, addresses and routes survive.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>

#include "ntbnet.h"
#include "trace.h"

/* Poll period while the NTB link is down (link events wake us too). */
#define NTBNET_DOWN_POLL_MS	1000
/* Retry soon after a torn read, or while the peer has a message to take. */
#define NTBNET_TORN_RETRY_MS	5
#define NTBNET_MSG_RETRY_MS	2
/*
 * Gratuitous ARP / unsolicited NA rounds after carrier on, one per link
 * step (heartbeat period). While the peer was away our neighbours' entries
 * for us went INCOMPLETE or FAILED and would wait for their next probe (up
 * to a second); an announcement updates them at once. More than one round:
 * the first may go out before the qdisc is active or the address is set.
 */
#define NTBNET_NOTIFY_ROUNDS	3

static const char *const ntbnet_state_names[] = {
	[NTBNET_DOWN]		= "down",
	[NTBNET_ANNOUNCED]	= "announced",
	[NTBNET_ATTACHED]	= "attached",
	[NTBNET_UP]		= "up",
	[NTBNET_REFUSED]	= "refused",
};

/**
 * ntbnet_state_name() - printable state.
 * @state: a state.
 *
 * Return: its name.
 */
const char *ntbnet_state_name(enum ntbnet_state state)
{
	if ((unsigned int)state >= ARRAY_SIZE(ntbnet_state_names))
		return "?";
	return ntbnet_state_names[state];
}

/* Every state change goes through here, for the ntbnet_link tracepoint. */
static void ntbnet_set_state(struct ntbnet_priv *priv, enum ntbnet_state to,
			     const char *why)
{
	trace_ntbnet_link(priv->ndev, ntbnet_state_name(priv->state),
			  ntbnet_state_name(to), priv->gen, priv->peer.gen, why);
	priv->state = to;
}

/**
 * ntbnet_link_kick() - run the state machine now.
 * @priv: the port.
 *
 * Safe from any context, including the doorbell interrupt.
 */
void ntbnet_link_kick(struct ntbnet_priv *priv)
{
	if (!READ_ONCE(priv->removing))
		mod_delayed_work(system_wq, &priv->link_work, 0);
}

/**
 * ntbnet_link_event() - NTB link state changed (ntb_ctx_ops).
 * @ctx: the port.
 */
void ntbnet_link_event(void *ctx)
{
	struct ntbnet_priv *priv = ctx;

	netdev_dbg(priv->ndev, "NTB link event\n");
	ntbnet_link_kick(priv);
}

static void ntbnet_link_work(struct work_struct *work);

/**
 * ntbnet_link_init() - windows and initial geometry, at probe.
 * @priv: the port, with @ntb set.
 *
 * Return: 0 or a negative errno; nothing to undo on error.
 */
int ntbnet_link_init(struct ntbnet_priv *priv)
{
	int err;

	err = ntbnet_window_init(priv);
	if (err)
		return err;
	INIT_DELAYED_WORK(&priv->link_work, ntbnet_link_work);
	return 0;
}

/**
 * ntbnet_link_exit() - release the windows (rings detached).
 * @priv: the port.
 */
void ntbnet_link_exit(struct ntbnet_priv *priv)
{
	ntbnet_window_exit(priv);
}

/* One word of ours into the peer (mailbox.c). */
static void ntbnet_word_put(struct ntbnet_priv *priv, int idx, u32 val)
{
	ntbnet_mbox_put(priv, idx, val);
}

static u32 ntbnet_word_get(struct ntbnet_priv *priv, int idx)
{
	return ntbnet_mbox_get(priv, idx);
}

/* Our side of the handshake as it stands. */
static void ntbnet_self_hs(struct ntbnet_priv *priv, struct ntbring_hs *hs)
{
	hs->version = NTBRING_VERSION_MAJOR << 16 | NTBRING_VERSION_MINOR;
	hs->features = NTBRING_FEAT_KNOWN;
	hs->rx = priv->rx_geom;
	hs->win_size = priv->in_size;
	hs->peer_gen = priv->acked;
	hs->gen = priv->gen;
	hs->queues = priv->nq_lay;
	hs->db = priv->db_own;
}

static void __iomem *ntbnet_hello_out(struct ntbnet_priv *priv, int word)
{
	return priv->out_win + NTBRING_OFF_HELLO + 4 * word;
}

/* Our hello into the peer's window, answering its generation @for_gen. */
static void ntbnet_hello_put(struct ntbnet_priv *priv, u32 for_gen)
{
	u32 h[NTBRING_H_COUNT];
	struct ntbring_hs hs;

	ntbnet_self_hs(priv, &hs);
	ntbring_hello_encode(&hs, for_gen, priv->hb_out, h);
	ntbring_hello_write(priv->out_win + NTBRING_OFF_HELLO, h);
	priv->hello_to = for_gen;
	ntbnet_ring_db(priv, NTBNET_DB_HS);
}

/* One word of the hello the peer wrote into our window. */
static u32 ntbnet_hello_in(struct ntbnet_priv *priv, int word)
{
	const __le32 *h = priv->in_buf + NTBRING_OFF_HELLO;

	return le32_to_cpu(READ_ONCE(h[word]));
}

/*
 * Outbound-translation NTBs (IDT): our outbound window points where the
 * peer's words say its buffer is, for the peer generation that sent them;
 * nothing goes through the window before that, nor after the peer left.
 */
static int ntbnet_out_xlat_set(struct ntbnet_priv *priv,
			       const struct ntbring_hs *hs)
{
	u64 addr;
	int err;

	if (!priv->out_xlat || priv->out_xlat_gen == hs->gen)
		return 0;
	addr = (u64)ntbnet_word_get(priv, NTBRING_W_ADDR_HI) << 32 |
	       ntbnet_word_get(priv, NTBRING_W_ADDR_LO);
	err = ntb_peer_mw_set_trans(priv->ntb, NTBNET_PIDX, NTBNET_MW, addr,
				    min_t(resource_size_t, hs->win_size,
					  priv->out_size));
	if (err) {
		priv->out_xlat_gen = 0;
		if (__ratelimit(&priv->msg_rs))
			netdev_err(priv->ndev,
				   "cannot point the outbound window at the peer's buffer %#llx (%u bytes): %d\n",
				   addr, hs->win_size, err);
		return err;
	}
	priv->out_xlat_gen = hs->gen;
	return 0;
}

static void ntbnet_out_xlat_clear(struct ntbnet_priv *priv)
{
	if (!priv->out_xlat || !priv->out_xlat_gen)
		return;
	ntb_peer_mw_clear_trans(priv->ntb, NTBNET_PIDX, NTBNET_MW);
	priv->out_xlat_gen = 0;
	priv->hello_to = 0;
}

static void ntbnet_announce(struct ntbnet_priv *priv)
{
	u32 w[NTBRING_W_COUNT];
	struct ntbring_hs hs;
	int i;

	/*
	 * Protocol step 2: no stale ring lines or hello from an earlier
	 * pairing, and a hello of ours is owed to whoever answers.
	 */
	memset(priv->in_buf, 0, NTBRING_OFF_RECS);
	if (priv->nq_lay > 1)
		memset(priv->in_buf + ntbring_off_prod(&priv->rx_geom,
						       priv->nq_lay, 1), 0,
		       (priv->nq_lay - 1) * NTBRING_QLINES_STRIDE);
	priv->hello_to = 0;
	ntbnet_self_hs(priv, &hs);
	ntbring_words_encode(&hs, w);
	/* words of an earlier announcement not sent yet are moot */
	ntbnet_mbox_drop(priv);
	/* Seqlock-style: invalidate, fields, then the new generation. */
	ntbnet_word_put(priv, NTBRING_W_GEN, 0);
	for (i = 0; i < NTBRING_W_GEN; i++)
		ntbnet_word_put(priv, i, w[i]);
	if (priv->out_xlat) {
		/* the peer translates its outbound window to our buffer */
		ntbnet_word_put(priv, NTBRING_W_ADDR_LO, lower_32_bits(priv->in_dma));
		ntbnet_word_put(priv, NTBRING_W_ADDR_HI, upper_32_bits(priv->in_dma));
	}
	ntbnet_word_put(priv, NTBRING_W_GEN, w[NTBRING_W_GEN]);
	ntbnet_mbox_sync(priv);
	ntbnet_ring_db(priv, NTBNET_DB_HS);
	netdev_dbg(priv->ndev,
		   "announced generation %08x: rx ring %u x %u B, max frame %u, window %zu B\n",
		   priv->gen, priv->rx_geom.rec_count, priv->rx_geom.rec_size,
		   priv->rx_geom.max_len, priv->in_size);
}

/**
 * ntbnet_link_depart() - tell the peer we are gone (module unload).
 * @priv: the port.
 */
void ntbnet_link_depart(struct ntbnet_priv *priv)
{
	int i;

	ntbnet_mbox_drop(priv);
	ntbnet_word_put(priv, NTBRING_W_GEN, 0);
	/* message registers: a few tries for the peer to take it */
	for (i = 0; i < 20 && ntbnet_mbox_sync(priv); i++)
		usleep_range(1000, 2000);
	ntbnet_ring_db(priv, NTBNET_DB_HS);
	ntbnet_out_xlat_clear(priv);
}

/* The peer's words, from our scratchpads. */
static enum ntbring_hs_err ntbnet_read_words(struct ntbnet_priv *priv,
					     struct ntbring_hs *hs,
					     u32 w[NTBRING_W_COUNT])
{
	u32 again;
	int i;

	w[NTBRING_W_GEN] = ntbnet_word_get(priv, NTBRING_W_GEN);
	for (i = 0; i < NTBRING_W_GEN; i++)
		w[i] = ntbnet_word_get(priv, i);
	again = ntbnet_word_get(priv, NTBRING_W_GEN);
	return ntbring_words_decode(w, again, hs);
}

/* The peer's hello, from our window; @hs holds its decoded words. */
static enum ntbring_hs_err ntbnet_read_hello(struct ntbnet_priv *priv,
					     struct ntbring_hs *hs,
					     u32 h[NTBRING_H_COUNT])
{
	u32 again = ntbring_hello_read(priv->in_buf + NTBRING_OFF_HELLO, h);

	return ntbring_hello_decode(h, again, priv->gen, hs);
}

/* Log why a peer's words or hello cannot be used, once per peer generation. */
static void ntbnet_refuse(struct ntbnet_priv *priv, const u32 *w,
			  const u32 *h, const struct ntbring_hs *hs,
			  enum ntbring_hs_err err)
{
	u32 v = hs->version;

	if (priv->state != NTBNET_REFUSED)
		ntbnet_set_state(priv, NTBNET_REFUSED,
				 err == NTBRING_HS_VERSION ? "version" :
							     "geometry");
	if (w[NTBRING_W_GEN] == priv->refused_gen)
		return;
	priv->refused_gen = w[NTBRING_W_GEN];
	ntbnet_inc(&priv->lstats.syncp, &priv->lstats.refused);
	/* A peer cycling generations would log one per handshake doorbell. */
	if (!__ratelimit(&priv->msg_rs))
		return;
	if (err == NTBRING_HS_VERSION)
		netdev_err(priv->ndev,
			   "peer speaks protocol %u.%u, we speak %u.%u: link stays down\n",
			   v >> 16, v & 0xffff, NTBRING_VERSION_MAJOR,
			   NTBRING_VERSION_MINOR);
	else if (!h)
		netdev_err(priv->ndev,
			   "peer window of %u bytes cannot hold the %u-byte header: link stays down\n",
			   w[NTBRING_W_WIN], NTBRING_OFF_RECS);
	else
		netdev_err(priv->ndev,
			   "peer ring geometry or doorbell map unusable (geom word %#x, max frame %u, peer window %u, our outbound window %pa, doorbell mask %#llx, map %*phN): link stays down\n",
			   h[NTBRING_H_GEOM], h[NTBRING_H_MAXLEN],
			   w[NTBRING_W_WIN], &priv->out_size,
			   ntb_db_valid_mask(priv->ntb),
			   (int)(4 * NTBRING_H_DBMAP_WORDS),
			   &h[NTBRING_H_DBMAP]);
}

/*
 * Our MTU for a peer whose receive ring takes payloads of @max_len bytes:
 * the user's MTU, lowered to what both rings carry. With RTNL.
 */
static void ntbnet_reconcile_mtu(struct ntbnet_priv *priv, u32 max_len)
{
	struct net_device *ndev = priv->ndev;
	unsigned int old = ndev->mtu, want;

	max_len = min(max_len, priv->rx_geom.max_len);
	ndev->max_mtu = min_t(u32, NTBNET_MTU_MAX,
			      max_len - NTBNET_FRAME_OVERHEAD);
	want = min(priv->want_mtu, ndev->max_mtu);
	if (want == old)
		return;
	priv->mtu_internal = true;
	if (dev_set_mtu(ndev, want))
		netdev_warn(ndev, "cannot change MTU from %u to %u\n", old,
			    want);
	else if (want < priv->want_mtu)
		netdev_warn(ndev,
			    "MTU lowered from %u to %u: both rings take frames up to %u bytes (MTU %u restored when they take it)\n",
			    old, want, max_len, priv->want_mtu);
	else
		netdev_info(ndev, "MTU %u restored: both rings take it\n",
			    want);
	priv->mtu_internal = false;
}

/*
 * Attach both rings of every queue pair the link runs. Returns 0, or a
 * negative errno when the stack cannot take that many queues (growing
 * them adds sysfs entries); the caller then starts again with the count
 * the stack has, since the peer counts on every ring we announced.
 */
static int ntbnet_attach(struct ntbnet_priv *priv,
			 const struct ntbring_hs *hs)
{
	struct net_device *ndev = priv->ndev;
	/* hs->queues is 1 unless the peer speaks MQ */
	unsigned int i, nq = min(priv->nq_lay, hs->queues);
	bool running;
	int err;

	rtnl_lock();
	err = netif_set_real_num_queues(ndev, nq, nq);
	if (err) {
		WRITE_ONCE(priv->nq_want, ndev->real_num_tx_queues);
		rtnl_unlock();
		if (__ratelimit(&priv->msg_rs))
			netdev_err(ndev,
				   "cannot run %u queue pairs (%d): asking for %u\n",
				   nq, err, priv->nq_want);
		return err;
	}
	priv->peer = *hs;
	priv->features = hs->features & NTBRING_FEAT_KNOWN;
	priv->nq = nq;
	for (i = 0; i < priv->nq; i++)
		ntbnet_tx_attach(&priv->txq[i], hs,
				 ntbnet_start_index(priv->gen, hs->gen, i));
	running = netif_running(ndev);
	if (running)
		ntbnet_napi_disable(priv);
	for (i = 0; i < priv->nq; i++)
		ntbnet_rx_attach(&priv->rxq[i],
				 ntbnet_start_index(hs->gen, priv->gen, i));
	if (running) {
		ntbnet_napi_enable(priv);
		/* a doorbell rung on a bit that changed meaning was lost */
		ntbnet_napi_kick_all(priv);
	}
	ntbnet_reconcile_mtu(priv, hs->rx.max_len);
	rtnl_unlock();

	/* Ring lines reach the peer before it learns we attached. */
	ioread32(priv->out_win + NTBRING_OFF_PROD);
	priv->acked = hs->gen;
	iowrite32(hs->gen, ntbnet_hello_out(priv, NTBRING_H_ACK_GEN));
	ioread32(ntbnet_hello_out(priv, NTBRING_H_ACK_GEN));
	ntbnet_ring_db(priv, NTBNET_DB_HS);
	priv->hb_in = ntbnet_hello_in(priv, NTBRING_H_HB);
	priv->hb_time = jiffies;
	ntbnet_set_state(priv, NTBNET_ATTACHED, "peer announced");
	netdev_dbg(ndev,
		   "attached to peer generation %08x: protocol %u.%u, features %#x, its rx ring %u x %u B, max frame %u; waiting for its acknowledgment\n",
		   hs->gen, hs->version >> 16, hs->version & 0xffff,
		   hs->features, hs->rx.rec_count, hs->rx.rec_size,
		   hs->rx.max_len);
	return 0;
}

static void ntbnet_carrier_up(struct ntbnet_priv *priv)
{
	struct net_device *ndev = priv->ndev;

	ntbnet_set_state(priv, NTBNET_UP, "peer attached to us");
	priv->up_since = jiffies;
	ntbnet_inc(&priv->lstats.syncp, &priv->lstats.link_up);
	netdev_info(ndev,
		    "link up: peer generation %08x, protocol %u.%u, tx ring %u x %u B, rx ring %u x %u B, %u queue%s, copy %s\n",
		    priv->peer.gen, priv->peer.version >> 16,
		    priv->peer.version & 0xffff, priv->peer.rx.rec_count,
		    priv->peer.rx.rec_size, priv->rx_geom.rec_count,
		    priv->rx_geom.rec_size, priv->nq, priv->nq == 1 ? "" : "s",
		    ntbnet_dma_name(&priv->dma));
	netif_carrier_on(ndev);
	ntbnet_tx_start(priv);
	ntbnet_napi_kick_all(priv);
	priv->notify_peers = NTBNET_NOTIFY_ROUNDS;
}

/**
 * ntbnet_link_detach() - carrier off, stop both rings, free frames.
 * @priv: the port.
 * @why: reason, for the log.
 *
 * Takes RTNL. The peer learns of it from our next announcement.
 */
void ntbnet_link_detach(struct ntbnet_priv *priv, const char *why)
{
	struct net_device *ndev = priv->ndev;
	bool was_up = priv->state == NTBNET_UP;
	bool running;

	rtnl_lock();
	netif_carrier_off(ndev);
	netif_tx_disable(ndev);
	priv->acked = 0;
	ntbnet_tx_detach(priv);
	running = netif_running(ndev);
	if (running)
		ntbnet_napi_disable(priv);
	ntbnet_rx_detach(priv);
	if (running)
		ntbnet_napi_enable(priv);
	/* Until the next peer: any MTU our own ring carries. */
	ndev->max_mtu = min_t(u32, NTBNET_MTU_MAX, priv->rx_geom.max_len -
			      NTBNET_FRAME_OVERHEAD);
	rtnl_unlock();
	ntbnet_set_state(priv, NTBNET_DOWN, why);
	if (was_up) {
		ntbnet_inc(&priv->lstats.syncp, &priv->lstats.link_down);
		netdev_info(ndev, "link down: %s\n", why);
	} else {
		netdev_dbg(ndev, "handshake reset: %s\n", why);
	}
}

/*
 * Announce from DOWN, with a new generation: announcing zeroes our window
 * header, the peer's hello to us with it, and a new generation is what
 * tells the peer to write its hello again. (The generation is kept across
 * peer restarts and departures, which do not come through here:
 * docs/protocol.md, section 9.) @bump is for the log.
 */
static void ntbnet_restart(struct ntbnet_priv *priv, bool bump)
{
	/* the queue count ethtool -L asked for, laid out from now on */
	unsigned int want = READ_ONCE(priv->nq_want), n = 0;
	u32 count = priv->rec_count;
	struct ntbring_geom g;
	int err;

	err = ntbnet_inbuf_limits(priv);
	/*
	 * Without an IOMMU or CMA the page allocator gives at most 4 MiB in
	 * one piece: halve the rings until their window can be allocated
	 * (fewer queues once the rings get too small for a maximal frame).
	 */
	while (!err) {
		n = ntbnet_layout(priv, count, want, &g);
		if (!n) {
			err = -EINVAL;
			break;
		}
		priv->nq_lay = n;
		err = ntbnet_inbuf_setup(priv, &g);
		if (err != -ENOMEM || g.rec_count / 2 < NTBRING_REC_COUNT_MIN)
			break;
		count = g.rec_count / 2;
	}
	if (err) {
		if (net_ratelimit())
			netdev_err(priv->ndev,
				   "cannot set up a %u-record receive ring: %d\n",
				   priv->rec_count, err);
		return;
	}
	if (count != priv->rec_count && g.rec_count != priv->rx_geom.rec_count)
		netdev_warn(priv->ndev,
			    "receive ring of %u records (%u asked): no contiguous memory for more\n",
			    g.rec_count, priv->rec_count);
	if (n != want)
		netdev_dbg(priv->ndev,
			   "window laid out for %u queue pairs of %u asked: more rings would not each carry a maximal frame\n",
			   n, want);
	priv->rx_geom = g;
	bump |= priv->bump_gen;
	priv->bump_gen = false;
	priv->gen = priv->gen ? priv->gen + 1 : get_random_u32();
	if (!priv->gen)
		priv->gen = 1;
	netdev_dbg(priv->ndev, "new generation %08x\n", priv->gen);
	priv->refused_gen = 0;
	ntbnet_set_state(priv, NTBNET_ANNOUNCED, bump ? "new generation" :
							 "announce");
	ntbnet_announce(priv);
}

/* Our own reset while the peer may be attached: new generation. */
static unsigned long ntbnet_self_reset(struct ntbnet_priv *priv,
				       const char *why)
{
	ntbnet_link_detach(priv, why);
	ntbnet_restart(priv, true);
	return 0;
}

/*
 * The peer's words stand but its hello in our window no longer answers
 * them (overwritten, or written for another generation of ours): start
 * afresh, and the new generation makes the peer write it again.
 */
static unsigned long ntbnet_hello_lost(struct ntbnet_priv *priv)
{
	ntbnet_inc(&priv->lstats.syncp, &priv->lstats.hello_lost);
	return ntbnet_self_reset(priv, "peer hello lost");
}

/* The peer restarted or left: keep our announcement, wait for it. */
static unsigned long ntbnet_peer_reset(struct ntbnet_priv *priv,
				       const char *why)
{
	ntbnet_inc(&priv->lstats.syncp, &priv->lstats.peer_resets);
	ntbnet_link_detach(priv, why);
	ntbnet_set_state(priv, NTBNET_ANNOUNCED, "wait for the peer");
	return 0;
}

/*
 * The peer's doorbell map, for the queues we would run with it: bits we
 * can ring (our valid mask stands for the peer's: both ends of a link
 * are the same kind of device).
 */
static bool ntbnet_peer_map_ok(struct ntbnet_priv *priv,
			       const struct ntbring_hs *hs)
{
	u64 valid = ntb_db_valid_mask(priv->ntb);
	unsigned int q, nq = min(priv->nq_lay, hs->queues);

	if (!(hs->features & NTBRING_FEAT_DBMAP))
		return true;
	for (q = 0; q < nq; q++)
		if (!(valid & BIT_ULL(hs->db.data[q])) ||
		    !(valid & BIT_ULL(hs->db.space[q])))
			return false;
	return true;
}

/* Checks of the peer's ring and doorbells beyond ntbring_hello_decode(). */
static enum ntbring_hs_err ntbnet_check_peer(struct ntbnet_priv *priv,
					     const struct ntbring_hs *hs)
{
	if (ntbring_mq_area_size(&hs->rx, hs->queues) > priv->out_size ||
	    hs->rx.max_len < NTBNET_MTU_MIN + NTBNET_FRAME_OVERHEAD ||
	    !ntbnet_peer_map_ok(priv, hs))
		return NTBRING_HS_GEOM;
	return NTBRING_HS_OK;
}

/*
 * Read the peer's words and, once they are usable, answer them with our
 * hello (when not yet done for this peer generation) and read the peer's
 * hello. @herr tells the hello's state apart from the words'.
 */
static enum ntbring_hs_err ntbnet_read_peer(struct ntbnet_priv *priv,
					    struct ntbring_hs *hs,
					    u32 w[NTBRING_W_COUNT],
					    u32 h[NTBRING_H_COUNT],
					    bool *herr)
{
	enum ntbring_hs_err err;

	*herr = false;
	err = ntbnet_read_words(priv, hs, w);
	if (err == NTBRING_HS_NOT_READY)
		ntbnet_out_xlat_clear(priv);	/* the peer left */
	if (err != NTBRING_HS_OK)
		return err;
	if (hs->gen != priv->hello_to) {
		if (ntbnet_out_xlat_set(priv, hs))
			return NTBRING_HS_NOT_READY;
		ntbnet_hello_put(priv, hs->gen);
	} else {
		iowrite32(++priv->hb_out, ntbnet_hello_out(priv, NTBRING_H_HB));
	}
	*herr = true;
	err = ntbnet_read_hello(priv, hs, h);
	if (err == NTBRING_HS_OK)
		err = ntbnet_check_peer(priv, hs);
	return err;
}

/*
 * Only index errors and no good frame for a heartbeat timeout: the peer
 * produces into a ring we no longer agree on. Re-pairing resynchronises.
 */
static bool ntbnet_rx_out_of_sync(struct ntbnet_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->nq; i++) {
		unsigned long since = READ_ONCE(priv->rxq[i].bad_since);

		if (since && time_after(jiffies, since +
					msecs_to_jiffies(priv->hb_timeout_ms)))
			return true;
	}
	return false;
}

/* One step of the state machine. Returns the delay to the next one. */
static unsigned long ntbnet_link_step(struct ntbnet_priv *priv)
{
	unsigned long period = msecs_to_jiffies(priv->heartbeat_ms);
	u32 w[NTBRING_W_COUNT], h[NTBRING_H_COUNT], hb;
	enum ntbring_hs_err err;
	struct ntbring_hs hs;
	bool in_hello;

	if (!ntb_link_is_up(priv->ntb, NULL, NULL)) {
		if (priv->state != NTBNET_DOWN) {
			ntbnet_link_detach(priv, "NTB link down");
			priv->bump_gen = true;
		}
		ntbnet_mbox_forget(priv);
		ntbnet_out_xlat_clear(priv);
		return msecs_to_jiffies(NTBNET_DOWN_POLL_MS);
	}
	ntbnet_mbox_sync(priv);
	if (READ_ONCE(priv->reset)) {
		WRITE_ONCE(priv->reset, false);
		if (priv->state != NTBNET_DOWN)
			return ntbnet_self_reset(priv, "reconfigured");
	}
	if (priv->state == NTBNET_DOWN) {
		ntbnet_restart(priv, false);
		if (priv->state == NTBNET_DOWN)
			return period;
	}
	err = ntbnet_read_peer(priv, &hs, w, h, &in_hello);
	if (err == NTBRING_HS_TORN) {
		netdev_dbg(priv->ndev,
			   "peer handshake changed while read, retrying\n");
		return msecs_to_jiffies(NTBNET_TORN_RETRY_MS);
	}

	switch (priv->state) {
	case NTBNET_ANNOUNCED:
	case NTBNET_REFUSED:
		if (err == NTBRING_HS_NOT_READY)
			return period;
		if (err != NTBRING_HS_OK) {
			ntbnet_refuse(priv, w, in_hello ? h : NULL, &hs, err);
			return period;
		}
		if (ntbnet_attach(priv, &hs))
			return ntbnet_self_reset(priv, "queue count refused");
		fallthrough;
	case NTBNET_ATTACHED:
		if (err != NTBRING_HS_OK && in_hello)
			return ntbnet_hello_lost(priv);
		if (err != NTBRING_HS_OK || hs.gen != priv->peer.gen)
			return ntbnet_peer_reset(priv, "peer restarted");
		if (hs.peer_gen == priv->gen)
			ntbnet_carrier_up(priv);
		return period;
	case NTBNET_UP:
		if (err == NTBRING_HS_NOT_READY && !in_hello)
			return ntbnet_peer_reset(priv, "peer left");
		if (!in_hello || hs.gen != priv->peer.gen)
			return ntbnet_peer_reset(priv, "peer restarted");
		if (err != NTBRING_HS_OK)
			return ntbnet_hello_lost(priv);
		if (hs.peer_gen != priv->gen)
			return ntbnet_self_reset(priv, "peer attached elsewhere");
		if (ntbnet_rx_out_of_sync(priv)) {
			ntbnet_inc(&priv->lstats.syncp, &priv->lstats.resyncs);
			return ntbnet_self_reset(priv,
						 "receive ring out of sync");
		}
		if (priv->notify_peers && netif_running(priv->ndev)) {
			priv->notify_peers--;
			netdev_notify_peers(priv->ndev);
		}
		/* Lost interrupts and stalls nothing else would notice. */
		if (ntbnet_db_poll(priv))
			ntbnet_inc(&priv->lstats.syncp, &priv->lstats.db_polled);
		if (ntbnet_tx_watchdog(priv))
			return ntbnet_self_reset(priv, "transmit stalled");
		hb = h[NTBRING_H_HB];
		if (hb != priv->hb_in) {
			priv->hb_in = hb;
			priv->hb_time = jiffies;
		} else if (time_after(jiffies, priv->hb_time +
				      msecs_to_jiffies(priv->hb_timeout_ms))) {
			ntbnet_inc(&priv->lstats.syncp, &priv->lstats.hb_timeouts);
			return ntbnet_self_reset(priv, "peer heartbeat lost");
		}
		return period;
	default:
		return period;
	}
}

/**
 * ntbnet_link_work() - the link state machine (delayed work).
 * @work: &ntbnet_priv.link_work.
 */
static void ntbnet_link_work(struct work_struct *work)
{
	struct ntbnet_priv *priv = container_of(to_delayed_work(work),
						struct ntbnet_priv, link_work);
	unsigned long delay;

	if (READ_ONCE(priv->removing))
		return;
	delay = ntbnet_link_step(priv);
	/* message registers: words of ours still queued, come back soon */
	if (ntbnet_mbox_sync(priv) && ntb_link_is_up(priv->ntb, NULL, NULL))
		delay = min(delay, msecs_to_jiffies(NTBNET_MSG_RETRY_MS));
	/* Keeps a kick that arrived during the step (already queued). */
	if (!READ_ONCE(priv->removing))
		queue_delayed_work(system_wq, &priv->link_work, delay);
}
