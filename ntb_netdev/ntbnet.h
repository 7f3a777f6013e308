/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntbnet.h - internal API of the ntbnet driver, one group per file.
 *
 * docs/design.md describes the structure and the data path; the wire
 * format of the rings and the handshake is ringbuf/ntbring.h and
 * docs/protocol.md. What this driver adds on top of the ring:
 *
 *   - every ring payload starts with struct ntbnet_meta (checksum offload
 *     information), followed by the Ethernet frame;
 *   - three doorbell bits (data, space, handshake), folded onto one bit
 *     when the hardware has fewer;
 *   - one scratchpad after the handshake ones for the driver heartbeat.
 */
#ifndef NTBNET_H
#define NTBNET_H

#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include <linux/if_vlan.h>
#include <linux/ratelimit.h>
#include <linux/ntb.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "../ringbuf/ntbring.h"
#include "../dma/ntbnet_dma.h"

#define NTBNET_DRV_NAME		"ntbnet"
#define NTBNET_PIDX		NTB_DEF_PEER_IDX
#define NTBNET_MW		0

/**
 * struct ntbnet_meta - driver header at the start of every ring payload.
 * @csum_start:  with NTBNET_HF_CSUM, offset from the frame start where the
 *               checksum computation starts (skb_checksum_start_offset).
 * @csum_offset: with NTBNET_HF_CSUM, where the checksum is stored,
 *               relative to @csum_start.
 * @rsvd:        zero; room for segmentation offload.
 */
struct ntbnet_meta {
	__le16 csum_start;
	__le16 csum_offset;
	__le32 rsvd;
};

#define NTBNET_META_LEN		8u
static_assert(sizeof(struct ntbnet_meta) == NTBNET_META_LEN);

/* Record header driver flag: the frame needs its checksum completed. */
#define NTBNET_HF_CSUM		0x0100u
#define NTBNET_HF_KNOWN		NTBNET_HF_CSUM

/* Doorbell bits rung at the peer (folded when the hardware has fewer). */
enum ntbnet_db {
	NTBNET_DB_DATA,		/* frames published, receiver was armed */
	NTBNET_DB_SPACE,	/* records freed, sender was waiting */
	NTBNET_DB_HS,		/* handshake words or hello changed */
	NTBNET_DB_COUNT,
};

/* Largest Ethernet payload and the ring payload that carries it. */
#define NTBNET_MTU_MIN		ETH_MIN_MTU
#define NTBNET_MTU_MAX		ETH_MAX_MTU
#define NTBNET_FRAME_OVERHEAD	(ETH_HLEN + VLAN_HLEN + NTBNET_META_LEN)

/**
 * enum ntbnet_state - link handshake states (docs/design.md, "Link").
 * @NTBNET_DOWN:      NTB link down, nothing announced.
 * @NTBNET_ANNOUNCED: our scratchpads written, waiting for a usable
 *                    announcement from the peer.
 * @NTBNET_ATTACHED:  rings set up for the peer's generation, waiting for
 *                    the peer to acknowledge ours.
 * @NTBNET_UP:        both sides attached to each other: carrier on.
 * @NTBNET_REFUSED:   the peer's announcement is incompatible; stays here
 *                    until the peer announces a new generation.
 */
enum ntbnet_state {
	NTBNET_DOWN,
	NTBNET_ANNOUNCED,
	NTBNET_ATTACHED,
	NTBNET_UP,
	NTBNET_REFUSED,
};

/**
 * enum ntbnet_drop - why a frame was dropped or rejected.
 *
 * Each reason is one ethtool -S counter, and ntbnet_drop_name() is that
 * counter's name: the ntbnet_drop tracepoint and the rejection message
 * say what ethtool -S says. Transmit reasons count in txq.stats.drop[],
 * receive ones in rxq.stats.drop[reason - NTBNET_DROP_RX]. The last five
 * are the ring's rejections (enum ntbring_bad, in the same order).
 */
enum ntbnet_drop {
	NTBNET_DROP_TX_LINK_DOWN,	/* tx0_drop_link_down */
	NTBNET_DROP_TX_TOO_BIG,		/* tx0_drop_too_big */
	NTBNET_DROP_TX_NO_SPACE,	/* tx0_drop_no_space */
	NTBNET_DROP_TX_INFLIGHT,	/* tx0_drop_inflight */
	NTBNET_DROP_RX_NOMEM,		/* rx0_drop_nomem */
	NTBNET_DROP_RX_BAD_META,	/* rx0_drop_bad_meta */
	NTBNET_DROP_RX_BAD_FLAGS,	/* rx0_drop_bad_flags */
	NTBNET_DROP_RX_RUNT,		/* rx0_drop_runt */
	NTBNET_DROP_RX_ERR_BAD_INDEX,	/* rx0_err_bad_index */
	NTBNET_DROP_RX_ERR_BAD_SEQ,	/* rx0_err_bad_seq */
	NTBNET_DROP_RX_ERR_BAD_LEN,	/* rx0_err_bad_len */
	NTBNET_DROP_RX_ERR_TRUNCATED,	/* rx0_err_truncated */
	NTBNET_DROP_RX_ERR_BAD_FLAGS,	/* rx0_err_bad_flags */
	NTBNET_DROP_MAX,
	NTBNET_DROP_RX = NTBNET_DROP_RX_NOMEM,
	NTBNET_DROP_RX_ERR = NTBNET_DROP_RX_ERR_BAD_INDEX,
};

#define NTBNET_DROP_TX_COUNT	NTBNET_DROP_RX
#define NTBNET_DROP_RX_COUNT	(NTBNET_DROP_MAX - NTBNET_DROP_RX)

/* One reason for each ring rejection, from NTBRING_BAD_INDEX on. */
static_assert(NTBRING_BAD_MAX - NTBRING_BAD_INDEX ==
	      NTBNET_DROP_MAX - NTBNET_DROP_RX_ERR);

const char *ntbnet_drop_name(enum ntbnet_drop reason);

/*
 * Counters; ethtool -S reads them through a {name, offsetof} table. Each
 * group has one writer at a time (its queue lock, NAPI, or the link
 * work) and a u64_stats_sync so 32-bit readers never see a torn value.
 */
struct ntbnet_txq_stats {
	struct u64_stats_sync syncp;
	u64 packets;
	u64 bytes;
	u64 dma_frames;
	u64 cpu_frames;
	u64 dma_errors;
	u64 publishes;
	u64 doorbells;
	u64 stops;
	u64 wakes;
	u64 wake_early;
	u64 drop[NTBNET_DROP_TX_COUNT];
	u64 timeouts;
	u64 bad_out;
};

struct ntbnet_rxq_stats {
	struct u64_stats_sync syncp;
	u64 packets;
	u64 bytes;
	u64 polls;
	u64 arms;
	u64 deferred;
	u64 defer_missed;
	u64 moderated;
	u64 space_doorbells;
	u64 drop[NTBNET_DROP_RX_COUNT];
	u64 bad_recs;
};

/**
 * struct ntbnet_txent - a frame between reservation and commit.
 * @skb:     the frame; freed when committed.
 * @slot:    its place in the peer's ring.
 * @pending: DMA descriptors outstanding plus one while submitting.
 * @err:     a DMA transfer failed; the frame is copied by the CPU.
 * @map:     DMA mappings of the frame's pieces.
 * @q:       its queue, for the DMA completion.
 */
struct ntbnet_priv;
struct ntbnet_txq;

struct ntbnet_txent {
	struct sk_buff *skb;
	struct ntbring_slot slot;
	atomic_t pending;
	bool err;
	struct ntbnet_dma_map map;
	struct ntbnet_txq *q;
};

/* Queue pairs a port can have (each: a ring each way, a NAPI). */
#define NTBNET_QUEUES_MAX	NTBRING_QUEUES_MAX

/**
 * struct ntbnet_txq - the transmit queue and the ring we produce into.
 * @lock:     ring, entries and attached; taken from xmit, DMA completion
 *            and the space doorbell (all with bottom halves disabled).
 * @ring:     producer state of the peer's receive ring.
 * @ents:     entries in reservation order, @nents a power of two.
 * @head:     next entry to fill.
 * @tail:     oldest uncommitted entry.
 * @attached: @ring is set up for the current peer generation.
 * @stop_time: jiffies when we last stopped the queue (the watchdog).
 * @kicked:   the watchdog already tried a soft recovery of this stall.
 * @db_data_out: the doorbell bit we ring at the peer when we publish on
 *            this queue (its map's, or its shared DATA bit).
 * @recs_off: window offset of the peer ring's records.
 * @priv, @idx: the port, and this queue's index in it.
 * @stats:    counters.
 */
struct ntbnet_txq {
	spinlock_t lock;	/* ring, ents, head, tail, attached, kicked */
	struct ntbnet_priv *priv;
	unsigned int idx;
	u32 recs_off;
	struct ntbring_tx ring;
	struct ntbnet_txent *ents;
	u32 nents;
	u32 head;
	u32 tail;
	bool attached;
	bool kicked;
	u8 db_data_out;
	unsigned long stop_time;
	struct ntbnet_txq_stats stats;
};

/**
 * struct ntbnet_rxq - the receive queue and the ring we consume.
 * @napi:     polls the ring; scheduled by the data and space doorbells.
 * @ring:     consumer state of our receive ring.
 * @ready:    @ring is set up; changed only with NAPI disabled.
 * @events:   NTBNET_EV_* bits: transmit work the next poll does.
 * @bad_since: jiffies (| 1) of the first index error since the last good
 *            frame, 0 if none; the link work resets a ring stuck there.
 * @priv, @idx: the port, and this queue's index in it (the transmit
 *            queue of the same index hands its events to this NAPI).
 * @db_data, @db_space: the bits the peer rings at us for this queue: data
 *            on our ring, space on the ring of our transmit queue @idx.
 * @db_space_out: the bit we ring at the peer when we release records.
 * @moderate: rx-usecs: polls the ring again instead of a doorbell.
 * @stats:    counters.
 *
 * The bit numbers change at attach (to our map's and the peer's when both
 * speak NTBRING_FEAT_DBMAP, else to the shared ones) and are read by the
 * doorbell interrupt: single bytes, read once.
 */
struct ntbnet_rxq {
	struct napi_struct napi;
	struct ntbnet_priv *priv;
	unsigned int idx;
	struct ntbring_rx ring;
	bool ready;
	u8 db_data;
	u8 db_space;
	u8 db_space_out;
	unsigned long events;
	unsigned long bad_since;
	struct hrtimer moderate;
	struct ntbnet_rxq_stats stats;
};

/*
 * struct ntbnet_rxq.events. Transmit work handed to NAPI, so the transmit
 * lock is only ever taken with bottom halves off: a space doorbell arrived
 * (wake check), a DMA completion finished a frame (commit, publish).
 * NTBNET_EV_ARMED: our last arm has brought no doorbell yet, so the
 * producer still owes one; an empty poll need not arm (a write and a read
 * across the bridge) again. Set before arming, cleared by the data
 * doorbell.
 */
enum ntbnet_event {
	NTBNET_EV_SPACE,
	NTBNET_EV_TXDONE,
	NTBNET_EV_ARMED,
};

/* Words the mailbox carries (protocol words and the address words). */
#define NTBNET_MBOX_WORDS	NTBRING_W_MAX

/**
 * struct ntbnet_mbox - the handshake's words in transit (mailbox.c).
 * @msg:      message registers, not scratchpads.
 * @in_bits:  status bits of our inbound registers 0 and 1; @in1 of 1.
 * @out0:     status bit: our last message to register 0 was refused;
 *            @out1 the same for register 1.
 * @in:       the peer's words as last received.
 * @q:        our words not yet taken by the peer, oldest at @head.
 * @count:    entries in @q.
 * @val_sent: the value of the oldest entry is in the peer's register 0.
 * @sent, @received, @busy, @bad, @dropped: counters (debugfs): pairs
 *            sent and received, sends refused (peer had not read the last
 *            one), pairs with a bad tag, entries dropped from a full queue.
 */
struct ntbnet_mbox {
	bool msg;
	u64 in_bits;
	u64 in1;
	u64 out0;
	u64 out1;
	u32 in[NTBNET_MBOX_WORDS];
	struct {
		u32 idx;
		u32 val;
	} q[16];
	unsigned int head;
	unsigned int count;
	bool val_sent;
	u64 sent;
	u64 received;
	u64 busy;
	u64 bad;
	u64 dropped;
};

struct ntbnet_link_stats {
	struct u64_stats_sync syncp;
	u64 link_up;
	u64 link_down;
	u64 refused;
	u64 hb_timeouts;
	u64 peer_resets;
	u64 resyncs;
	u64 hello_lost;
	u64 db_polled;
};

/* Add @n to @ctr, a counter of the group that @syncp guards. */
static inline void ntbnet_add(struct u64_stats_sync *syncp, u64 *ctr, u64 n)
{
	u64_stats_update_begin(syncp);
	*ctr += n;
	u64_stats_update_end(syncp);
}

static inline void ntbnet_inc(struct u64_stats_sync *syncp, u64 *ctr)
{
	ntbnet_add(syncp, ctr, 1);
}

/**
 * struct ntbnet_priv - one NTB port and its net_device.
 * @ndev, @ntb:   the interface and the NTB device.
 * @in_buf:       our inbound window (the peer writes it); @in_dma, @in_size.
 * @in_align:     size alignment of the inbound window; @in_max its limit.
 * @out_win:      the peer's inbound window, mapped write-combined;
 *                @out_phys, @out_size.
 * @db:           doorbell bit for each enum ntbnet_db (the shared bits, and
 *                queue 0's); @db_mask all bits we serve.
 * @db_own:       the bits we ask the peer to ring, a pair a queue (our
 *                doorbell map); @db_pairs distinct pairs in it.
 * @link_work:    the handshake and heartbeat state machine.
 * @state:        enum ntbnet_state; changed by @link_work under RTNL.
 * @gen:          our generation; new for every attachment attempt.
 * @peer:         the peer's last accepted announcement.
 * @rx_geom:      geometry of our receive ring, as announced.
 * @rec_count:    configured record count (ethtool -G), applied at reset.
 * @rec_size:     record size of our receive ring (module parameter).
 * @heartbeat_ms: heartbeat and handshake poll period (module parameter).
 * @hb_timeout_ms: carrier goes down after this long without a peer
 *                heartbeat (module parameter).
 * @tx_entries:   frames in flight, as asked (module parameter).
 * @rx_usecs:     ethtool -C rx-usecs: after a poll that took frames and
 *                emptied the ring, look again this much later instead of
 *                arming for a doorbell; 0 = arm at once.
 * @features:     negotiated NTBRING_FEAT_* bits.
 * @reset:        ask @link_work to restart the handshake.
 * @bump_gen:     the next announcement takes a new generation.
 * @removing:     remove() started: @link_work does nothing.
 * @refused_gen:  peer generation we logged a refusal for.
 * @mbox:         the handshake's words in transit.
 * @out_xlat:     the NTB translates on the outbound side only: we program
 *                our outbound window with the address the peer sends.
 * @out_xlat_gen: peer generation whose address our outbound window holds.
 * @hello_to:     peer generation our hello in its window answers, 0 if
 *                none written since we announced.
 * @acked:        peer generation we attached to (the hello's ack_gen).
 * @hb_out:       heartbeat value we last wrote to the peer.
 * @hb_in:        peer heartbeat value last seen; @hb_time when it changed.
 * @up_since:     jiffies of the last carrier on.
 * @notify_peers: gratuitous ARP/NA rounds still to send after carrier on.
 * @want_mtu:     MTU last set by the user; lowered to what the peer takes
 *                while attached, restored when a peer takes it again.
 * @mtu_internal: the MTU change in progress is ours, not the user's.
 * @msg_rs:       rate limit of the messages a peer can provoke
 *                (refusals, transmit stalls).
 * @fail_rx_alloc: fault injection (debugfs): fail this many receive
 *                allocations.
 * @dma:          the copy engine.
 * @txq, @rxq:    the queue pairs; @nq in use (attached to the peer's
 *                rings), @nq_want asked for (ethtool -L), @nq_lay what
 *                our window is laid out for and our hello announces
 *                (@nq_want when the link work last restarted), @nq_max
 *                set up (NAPI registered, entries).
 * @lstats:       link counters.
 * @dbg:          debugfs directory.
 */
struct ntbnet_priv {
	struct net_device *ndev;
	struct ntb_dev *ntb;

	void *in_buf;
	dma_addr_t in_dma;
	size_t in_size;
	resource_size_t in_align;
	resource_size_t in_max;
	void __iomem *out_win;
	phys_addr_t out_phys;
	resource_size_t out_size;

	u64 db[NTBNET_DB_COUNT];
	u64 db_mask;
	struct ntbring_dbmap db_own;
	unsigned int db_pairs;

	struct delayed_work link_work;
	enum ntbnet_state state;
	u32 gen;
	struct ntbring_hs peer;
	struct ntbring_geom rx_geom;
	u32 rec_count;
	u32 rec_size;
	unsigned int heartbeat_ms;
	unsigned int hb_timeout_ms;
	unsigned int tx_entries;
	u32 rx_usecs;
	u32 features;
	bool reset;
	bool bump_gen;
	bool removing;
	u32 refused_gen;
	struct ntbnet_mbox mbox;
	bool out_xlat;
	u32 out_xlat_gen;
	u32 hello_to;
	u32 acked;
	u32 hb_out;
	u32 hb_in;
	unsigned long hb_time;
	unsigned long up_since;
	unsigned int notify_peers;
	unsigned int want_mtu;
	bool mtu_internal;
	struct ratelimit_state msg_rs;
	u32 fail_rx_alloc;

	struct ntbnet_dma dma;
	unsigned int nq;
	unsigned int nq_want;
	unsigned int nq_lay;
	unsigned int nq_max;
	struct ntbnet_txq txq[NTBNET_QUEUES_MAX];
	struct ntbnet_rxq rxq[NTBNET_QUEUES_MAX];
	struct ntbnet_link_stats lstats;
	struct dentry *dbg;
};

/* Ring one of our doorbells at the peer. */
static inline void ntbnet_ring_db(struct ntbnet_priv *priv,
				  enum ntbnet_db which)
{
	ntb_peer_db_set(priv->ntb, priv->db[which]);
}

/* The bit number of one of the shared doorbells. */
static inline u8 ntbnet_db_bit(const struct ntbnet_priv *priv,
			       enum ntbnet_db which)
{
	return __ffs64(priv->db[which]);
}

/* Ring doorbell bit @bit (a queue's, from a map) at the peer. */
static inline void ntbnet_ring_bit(struct ntbnet_priv *priv, u8 bit)
{
	ntb_peer_db_set(priv->ntb, BIT_ULL(bit));
}

/* window.c: the peer's window mapped, ours allocated, ring geometry */
int ntbnet_window_init(struct ntbnet_priv *priv);
void ntbnet_window_exit(struct ntbnet_priv *priv);
int ntbnet_inbuf_limits(struct ntbnet_priv *priv);
int ntbnet_inbuf_setup(struct ntbnet_priv *priv, const struct ntbring_geom *g);
int ntbnet_geom_for(struct ntbnet_priv *priv, u32 rec_count, u32 queues,
		    struct ntbring_geom *g);
unsigned int ntbnet_layout(struct ntbnet_priv *priv, u32 rec_count,
			   unsigned int want, struct ntbring_geom *g);

/* link.c: handshake, carrier, peer life cycle */
int ntbnet_link_init(struct ntbnet_priv *priv);
void ntbnet_link_exit(struct ntbnet_priv *priv);
void ntbnet_link_kick(struct ntbnet_priv *priv);
void ntbnet_link_event(void *ctx);
/* mailbox.c */
int ntbnet_mbox_init(struct ntbnet_priv *priv);
void ntbnet_mbox_exit(struct ntbnet_priv *priv);
const char *ntbnet_mbox_kind(struct ntbnet_priv *priv);
void ntbnet_mbox_put(struct ntbnet_priv *priv, int idx, u32 val);
void ntbnet_mbox_drop(struct ntbnet_priv *priv);
u32 ntbnet_mbox_get(struct ntbnet_priv *priv, int idx);
void ntbnet_mbox_forget(struct ntbnet_priv *priv);
bool ntbnet_mbox_sync(struct ntbnet_priv *priv);
void ntbnet_mbox_event(void *ctx);
void ntbnet_link_detach(struct ntbnet_priv *priv, const char *why);
void ntbnet_link_depart(struct ntbnet_priv *priv);
const char *ntbnet_state_name(enum ntbnet_state state);

/* tx.c: transmit, flow control, DMA completion */
int ntbnet_tx_init(struct ntbnet_priv *priv);
void ntbnet_tx_exit(struct ntbnet_priv *priv);
void ntbnet_tx_attach(struct ntbnet_txq *q, const struct ntbring_hs *peer,
		      u32 start);
void ntbnet_tx_detach(struct ntbnet_priv *priv);
netdev_tx_t ntbnet_start_xmit(struct sk_buff *skb, struct net_device *ndev);
void ntbnet_tx_events(struct ntbnet_txq *q);
void ntbnet_tx_start(struct ntbnet_priv *priv);
bool ntbnet_tx_watchdog(struct ntbnet_priv *priv);

/* rx.c: NAPI receive, doorbell dispatch */
void ntbnet_rx_init(struct ntbnet_priv *priv);
void ntbnet_rx_exit(struct ntbnet_priv *priv);
void ntbnet_rx_attach(struct ntbnet_rxq *rx, u32 start);
void ntbnet_rx_detach(struct ntbnet_priv *priv);
void ntbnet_napi_enable(struct ntbnet_priv *priv);
void ntbnet_napi_disable(struct ntbnet_priv *priv);
void ntbnet_db_event(void *ctx, int vector);
void ntbnet_napi_kick(struct ntbnet_rxq *rx);
void ntbnet_napi_kick_all(struct ntbnet_priv *priv);
bool ntbnet_db_poll(struct ntbnet_priv *priv);

/*
 * The start index of queue @q's ring for a pair of generations: queue 0
 * keeps ntbring_start_index()'s, the others differ in the top byte so a
 * late write meant for one queue fails another's index checks.
 */
static inline u32 ntbnet_start_index(u32 tx_gen, u32 rx_gen, unsigned int q)
{
	return ntbring_start_index(tx_gen, rx_gen) ^ (q << 24);
}

/* ethtool.c */
void ntbnet_ethtool_init(struct net_device *ndev);

/* debugfs.c */
void ntbnet_debugfs_init(struct ntbnet_priv *priv);
void ntbnet_debugfs_exit(struct ntbnet_priv *priv);
void ntbnet_debugfs_module_init(void);
void ntbnet_debugfs_module_exit(void);

#endif /* NTBNET_H */
