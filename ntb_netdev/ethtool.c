// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool.c - driver info, counters, ring geometry, link settings.
 *
 * Counters come from {name, offsetof} tables over the per-queue and link
 * statistics, so adding one is one line here and one field in ntbnet.h
 * (a drop reason: one enum ntbnet_drop value and its name below).
 * Each is read inside its group's u64_stats fetch loop.
 * "Rings" are counted in records: rx is our receive ring (settable, a
 * power of two; applied by a link reset), tx is the peer's (read-only).
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/pci.h>

#include "ntbnet.h"

static const char * const ntbnet_drop_names[NTBNET_DROP_MAX] = {
	[NTBNET_DROP_TX_LINK_DOWN]	= "tx0_drop_link_down",
	[NTBNET_DROP_TX_TOO_BIG]	= "tx0_drop_too_big",
	[NTBNET_DROP_TX_NO_SPACE]	= "tx0_drop_no_space",
	[NTBNET_DROP_TX_INFLIGHT]	= "tx0_drop_inflight",
	[NTBNET_DROP_RX_NOMEM]		= "rx0_drop_nomem",
	[NTBNET_DROP_RX_BAD_META]	= "rx0_drop_bad_meta",
	[NTBNET_DROP_RX_BAD_FLAGS]	= "rx0_drop_bad_flags",
	[NTBNET_DROP_RX_RUNT]		= "rx0_drop_runt",
	[NTBNET_DROP_RX_ERR_BAD_INDEX]	= "rx0_err_bad_index",
	[NTBNET_DROP_RX_ERR_BAD_SEQ]	= "rx0_err_bad_seq",
	[NTBNET_DROP_RX_ERR_BAD_LEN]	= "rx0_err_bad_len",
	[NTBNET_DROP_RX_ERR_TRUNCATED]	= "rx0_err_truncated",
	[NTBNET_DROP_RX_ERR_BAD_FLAGS]	= "rx0_err_bad_flags",
};

/**
 * ntbnet_drop_name() - the ethtool -S counter of a drop reason.
 * @reason: the reason.
 *
 * Return: a static string.
 */
const char *ntbnet_drop_name(enum ntbnet_drop reason)
{
	return reason < NTBNET_DROP_MAX ? ntbnet_drop_names[reason] : "unknown";
}

/**
 * struct ntbnet_stat - one ethtool -S counter.
 * @kind: NTBNET_ST_TX or NTBNET_ST_RX: one per queue, named "txN_..." /
 *        "rxN_..." and found in struct ntbnet_txq / ntbnet_rxq; or
 *        NTBNET_ST_LINK: one per port, in struct ntbnet_priv.
 * @name: its name without the "txN_"/"rxN_" prefix; NULL for a drop
 *        counter, named after ntbnet_drop_name(@drop).
 * @drop: the reason of a drop counter.
 * @off:  offset of the u64 in its structure.
 * @sync: offset of its group's struct u64_stats_sync there.
 */
struct ntbnet_stat {
	u8 kind;
	const char *name;
	enum ntbnet_drop drop;
	size_t off;
	size_t sync;
};

enum { NTBNET_ST_TX, NTBNET_ST_RX, NTBNET_ST_LINK };

#define NTBNET_TXS(n)	{ NTBNET_ST_TX, #n, 0, \
			  offsetof(struct ntbnet_txq, stats.n), \
			  offsetof(struct ntbnet_txq, stats.syncp) }
#define NTBNET_RXS(n)	{ NTBNET_ST_RX, #n, 0, \
			  offsetof(struct ntbnet_rxq, stats.n), \
			  offsetof(struct ntbnet_rxq, stats.syncp) }
#define NTBNET_TXD(r)	{ NTBNET_ST_TX, NULL, NTBNET_DROP_##r, \
			  offsetof(struct ntbnet_txq, \
				   stats.drop[NTBNET_DROP_##r]), \
			  offsetof(struct ntbnet_txq, stats.syncp) }
#define NTBNET_RXD(r)	{ NTBNET_ST_RX, NULL, NTBNET_DROP_##r, \
			  offsetof(struct ntbnet_rxq, \
				   stats.drop[NTBNET_DROP_##r - \
					      NTBNET_DROP_RX]), \
			  offsetof(struct ntbnet_rxq, stats.syncp) }
#define NTBNET_LNK(n)	{ NTBNET_ST_LINK, "link_" #n, 0, \
			  offsetof(struct ntbnet_priv, lstats.n), \
			  offsetof(struct ntbnet_priv, lstats.syncp) }

/* Per queue first (in this order, for queue 0, 1, ...), then per port. */
static const struct ntbnet_stat ntbnet_stats[] = {
	NTBNET_TXS(packets),
	NTBNET_TXS(bytes),
	NTBNET_TXS(dma_frames),
	NTBNET_TXS(cpu_frames),
	NTBNET_TXS(dma_errors),
	NTBNET_TXS(publishes),
	NTBNET_TXS(doorbells),
	NTBNET_TXS(stops),
	NTBNET_TXS(wakes),
	NTBNET_TXS(wake_early),
	NTBNET_TXD(TX_LINK_DOWN),
	NTBNET_TXD(TX_TOO_BIG),
	NTBNET_TXD(TX_NO_SPACE),
	NTBNET_TXD(TX_INFLIGHT),
	NTBNET_TXS(timeouts),
	NTBNET_RXS(packets),
	NTBNET_RXS(bytes),
	NTBNET_RXS(polls),
	NTBNET_RXS(arms),
	NTBNET_RXS(deferred),
	NTBNET_RXS(defer_missed),
	NTBNET_RXS(moderated),
	NTBNET_RXS(space_doorbells),
	NTBNET_RXD(RX_NOMEM),
	NTBNET_RXD(RX_BAD_META),
	NTBNET_RXD(RX_BAD_FLAGS),
	NTBNET_RXD(RX_RUNT),
	NTBNET_RXD(RX_ERR_BAD_INDEX),
	NTBNET_RXD(RX_ERR_BAD_SEQ),
	NTBNET_RXD(RX_ERR_BAD_LEN),
	NTBNET_RXD(RX_ERR_TRUNCATED),
	NTBNET_RXD(RX_ERR_BAD_FLAGS),
	NTBNET_RXS(bad_recs),
	NTBNET_TXS(bad_out),
	NTBNET_LNK(link_up),
	NTBNET_LNK(link_down),
	NTBNET_LNK(refused),
	NTBNET_LNK(hb_timeouts),
	NTBNET_LNK(peer_resets),
	NTBNET_LNK(resyncs),
	NTBNET_LNK(hello_lost),
	NTBNET_LNK(db_polled),
};

/* Counters of each queue: the table's entries before the first link one. */
#define NTBNET_QSTATS	(ARRAY_SIZE(ntbnet_stats) - 8)
static_assert(NTBNET_QSTATS == 34);

static void ntbnet_get_drvinfo(struct net_device *ndev,
			       struct ethtool_drvinfo *info)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	strscpy(info->driver, NTBNET_DRV_NAME, sizeof(info->driver));
	snprintf(info->fw_version, sizeof(info->fw_version),
		 "proto %u.%u dma %s", NTBRING_VERSION_MAJOR,
		 NTBRING_VERSION_MINOR, ntbnet_dma_name(&priv->dma));
	strscpy(info->bus_info, pci_name(priv->ntb->pdev),
		sizeof(info->bus_info));
}

static int ntbnet_get_sset_count(struct net_device *ndev, int sset)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return priv->nq_max * NTBNET_QSTATS +
	       ARRAY_SIZE(ntbnet_stats) - NTBNET_QSTATS;
}

static void ntbnet_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);
	unsigned int q, i;

	if (sset != ETH_SS_STATS)
		return;
	for (q = 0; q < priv->nq_max; q++) {
		for (i = 0; i < NTBNET_QSTATS; i++) {
			const struct ntbnet_stat *st = &ntbnet_stats[i];
			/* a drop's name is queue 0's: "tx0_drop_..." */
			const char *name = st->name ?: ntbnet_drop_name(st->drop) + 4;

			snprintf(data, ETH_GSTRING_LEN, "%s%u_%s",
				 st->kind == NTBNET_ST_TX ? "tx" : "rx", q, name);
			data += ETH_GSTRING_LEN;
		}
	}
	for (i = NTBNET_QSTATS; i < ARRAY_SIZE(ntbnet_stats); i++) {
		strscpy_pad(data, ntbnet_stats[i].name, ETH_GSTRING_LEN);
		data += ETH_GSTRING_LEN;
	}
}

/* One counter, read inside its group's fetch loop. */
static u64 ntbnet_stat_read(const void *base, const struct ntbnet_stat *st)
{
	const struct u64_stats_sync *sync = base + st->sync;
	unsigned int start;
	u64 v;

	do {
		start = u64_stats_fetch_begin(sync);
		v = *(const u64 *)(base + st->off);
	} while (u64_stats_fetch_retry(sync, start));
	return v;
}

static void ntbnet_get_ethtool_stats(struct net_device *ndev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);
	unsigned int q, i;

	for (q = 0; q < priv->nq_max; q++)
		for (i = 0; i < NTBNET_QSTATS; i++) {
			const struct ntbnet_stat *st = &ntbnet_stats[i];

			*data++ = ntbnet_stat_read(st->kind == NTBNET_ST_TX ?
						   (const void *)&priv->txq[q] :
						   (const void *)&priv->rxq[q],
						   st);
		}
	for (i = NTBNET_QSTATS; i < ARRAY_SIZE(ntbnet_stats); i++)
		*data++ = ntbnet_stat_read(priv, &ntbnet_stats[i]);
}

static void ntbnet_get_ringparam(struct net_device *ndev,
				 struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring,
				 struct netlink_ext_ack *extack)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	ring->rx_max_pending = NTBRING_REC_COUNT_MAX;
	ring->rx_pending = priv->rx_geom.rec_count;
	ring->tx_max_pending = NTBRING_REC_COUNT_MAX;
	ring->tx_pending = priv->state == NTBNET_UP ?
			   priv->peer.rx.rec_count : 0;
}

static int ntbnet_set_ringparam(struct net_device *ndev,
				struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring,
				struct netlink_ext_ack *extack)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);
	struct ntbring_geom g;
	u32 cur_tx = priv->state == NTBNET_UP ? priv->peer.rx.rec_count : 0;

	if (ring->tx_pending != cur_tx) {
		NL_SET_ERR_MSG(extack,
			       "tx ring is the peer's receive ring: set it there");
		return -EINVAL;
	}
	if (ring->rx_mini_pending || ring->rx_jumbo_pending ||
	    !is_power_of_2(ring->rx_pending) ||
	    ring->rx_pending < NTBRING_REC_COUNT_MIN) {
		NL_SET_ERR_MSG(extack, "rx must be a power of two");
		return -EINVAL;
	}
	if (ntbnet_geom_for(priv, ring->rx_pending, priv->nq_want, &g) ||
	    g.rec_count != ring->rx_pending) {
		NL_SET_ERR_MSG(extack, "rx ring does not fit the window");
		return -EINVAL;
	}
	if (ring->rx_pending == priv->rx_geom.rec_count)
		return 0;
	priv->rec_count = ring->rx_pending;
	/* Applied by a link reset: new generation, new announcement. */
	WRITE_ONCE(priv->reset, true);
	ntbnet_link_kick(priv);
	return 0;
}

static void ntbnet_get_channels(struct net_device *ndev,
				struct ethtool_channels *ch)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	ch->max_combined = priv->nq_max;
	/* what runs while the link is up; what we ask for otherwise */
	ch->combined_count = READ_ONCE(priv->state) == NTBNET_UP ?
			     READ_ONCE(priv->nq) : READ_ONCE(priv->nq_want);
}

/*
 * The queue pairs to ask the peer for; the link runs with the smaller of
 * both asks (link up says how many), and with fewer when the window is
 * too small for that many rings that each carry a maximal frame. Applied
 * by a link reset, like -G.
 */
static int ntbnet_set_channels(struct net_device *ndev,
			       struct ethtool_channels *ch)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	if (ch->rx_count || ch->tx_count || ch->other_count ||
	    !ch->combined_count || ch->combined_count > priv->nq_max)
		return -EINVAL;
	if (ch->combined_count == priv->nq_want)
		return 0;
	WRITE_ONCE(priv->nq_want, ch->combined_count);
	WRITE_ONCE(priv->reset, true);
	ntbnet_link_kick(priv);
	return 0;
}

static int ntbnet_get_link_ksettings(struct net_device *ndev,
				     struct ethtool_link_ksettings *cmd)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);
	enum ntb_width width = NTB_WIDTH_NONE;
	enum ntb_speed speed = NTB_SPEED_NONE;
	static const u32 mbps_per_lane[] = { 0, 2000, 4000, 7877, 15754,
					     31508 };

	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	cmd->base.port = PORT_OTHER;
	cmd->base.autoneg = AUTONEG_DISABLE;
	cmd->base.duplex = DUPLEX_FULL;
	cmd->base.speed = SPEED_UNKNOWN;
	if (ntb_link_is_up(priv->ntb, &speed, &width) &&
	    speed > 0 && speed < ARRAY_SIZE(mbps_per_lane) && width > 0)
		cmd->base.speed = mbps_per_lane[speed] * width;
	return 0;
}

/* Time moderation of the receive doorbell, up to 10 ms. */
#define NTBNET_RX_USECS_MAX	10000u

static int ntbnet_get_coalesce(struct net_device *ndev,
			       struct ethtool_coalesce *ec,
			       struct kernel_ethtool_coalesce *kec,
			       struct netlink_ext_ack *extack)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	ec->rx_coalesce_usecs = READ_ONCE(priv->rx_usecs);
	return 0;
}

static int ntbnet_set_coalesce(struct net_device *ndev,
			       struct ethtool_coalesce *ec,
			       struct kernel_ethtool_coalesce *kec,
			       struct netlink_ext_ack *extack)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	if (ec->rx_coalesce_usecs > NTBNET_RX_USECS_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "rx-usecs: at most 10000");
		return -EINVAL;
	}
	WRITE_ONCE(priv->rx_usecs, ec->rx_coalesce_usecs);
	return 0;
}

static const struct ethtool_ops ntbnet_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_RX_USECS,
	.get_drvinfo		= ntbnet_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= ntbnet_get_sset_count,
	.get_strings		= ntbnet_get_strings,
	.get_ethtool_stats	= ntbnet_get_ethtool_stats,
	.get_ringparam		= ntbnet_get_ringparam,
	.set_ringparam		= ntbnet_set_ringparam,
	.get_channels		= ntbnet_get_channels,
	.set_channels		= ntbnet_set_channels,
	.get_coalesce		= ntbnet_get_coalesce,
	.set_coalesce		= ntbnet_set_coalesce,
	.get_link_ksettings	= ntbnet_get_link_ksettings,
};

/**
 * ntbnet_ethtool_init() - attach the ethtool operations.
 * @ndev: the interface.
 */
void ntbnet_ethtool_init(struct net_device *ndev)
{
	ndev->ethtool_ops = &ntbnet_ethtool_ops;
}
