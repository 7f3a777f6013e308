// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - ntbnet: an NTB client that is a network interface.
 *
 * Module init and exit, NTB client probe and remove, the net_device and
 * its operations. The handshake is link.c, the data path tx.c and rx.c,
 * the copy engine dma/. docs/design.md has the whole picture.
 */
#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>

#include "ntbnet.h"
#include "ntbnet_db.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static unsigned int ntbnet_rec_size = NTBRING_REC_SIZE_DEFAULT;
module_param_named(rec_size, ntbnet_rec_size, uint, 0444);
MODULE_PARM_DESC(rec_size,
		 "Bytes per ring record, power of two 64..16384 (default 256)");

static unsigned int ntbnet_rec_count = NTBRING_REC_COUNT_DEFAULT;
module_param_named(rec_count, ntbnet_rec_count, uint, 0444);
MODULE_PARM_DESC(rec_count,
		 "Records in each receive ring, power of two 2..32768, halved until it fits the window; ethtool -G rx changes it per interface (default 16384)");

static unsigned int ntbnet_mtu;
module_param_named(mtu, ntbnet_mtu, uint, 0444);
MODULE_PARM_DESC(mtu,
		 "Initial MTU, 68..65535; 0 = the largest the ring carries (default 0)");

static bool ntbnet_use_dma = true;
module_param_named(use_dma, ntbnet_use_dma, bool, 0444);
MODULE_PARM_DESC(use_dma,
		 "Copy frames with a DMA_MEMCPY channel when one exists (default Y)");

static unsigned int ntbnet_copybreak = 4096;
module_param_named(dma_copybreak, ntbnet_copybreak, uint, 0444);
MODULE_PARM_DESC(dma_copybreak,
		 "Frames shorter than this are copied by the CPU, not DMA (default 4096)");

static unsigned int ntbnet_tx_entries = 512;
module_param_named(tx_entries, ntbnet_tx_entries, uint, 0444);
MODULE_PARM_DESC(tx_entries,
		 "Frames in flight between reservation and commit, 16..4096 (default 512)");

static unsigned int ntbnet_heartbeat_ms = 100;
module_param_named(heartbeat_ms, ntbnet_heartbeat_ms, uint, 0444);
MODULE_PARM_DESC(heartbeat_ms,
		 "Heartbeat and handshake poll period in ms (default 100)");

static unsigned int ntbnet_hb_timeout_ms = 600;
module_param_named(hb_timeout_ms, ntbnet_hb_timeout_ms, uint, 0444);
MODULE_PARM_DESC(hb_timeout_ms,
		 "Carrier goes down when the peer's heartbeat stops this long (default 600)");

static unsigned int ntbnet_max_queues;
module_param_named(max_queues, ntbnet_max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues,
		 "Queue pairs an interface can use, 1..16, each with its rings and NAPI; the peer's count and ethtool -L may lower it; 0 = one per online CPU (default 0)");

static bool ntbnet_queue_doorbells = true;
module_param_named(queue_doorbells, ntbnet_queue_doorbells, bool, 0444);
MODULE_PARM_DESC(queue_doorbells,
		 "Ask the peer to ring each queue pair's own doorbell bits, where the device has enough; 0 = all queues share one data and one space bit (default 1)");

static int ntbnet_open(struct net_device *ndev)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	ntbnet_napi_enable(priv);
	ntbnet_tx_start(priv);
	/* Frames may have arrived while we were down. */
	ntbnet_napi_kick_all(priv);
	return 0;
}

static int ntbnet_stop(struct net_device *ndev)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	netif_tx_disable(ndev);
	ntbnet_napi_disable(priv);
	return 0;
}

static int ntbnet_change_mtu(struct net_device *ndev, int mtu)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);

	/* The core checked min_mtu/max_mtu; flow control reads it live. */
	if (!priv->mtu_internal)
		priv->want_mtu = mtu;
	WRITE_ONCE(ndev->mtu, mtu);
	return 0;
}

/* Sum of @n counters from @c on. */
static u64 ntbnet_sum(const u64 *c, unsigned int n)
{
	u64 sum = 0;

	while (n--)
		sum += c[n];
	return sum;
}

/* Receive drop counters: frames dropped, then the ring's rejections. */
#define NTBNET_RX_DROPS		(NTBNET_DROP_RX_ERR - NTBNET_DROP_RX)
#define NTBNET_RX_ERRS		(NTBNET_DROP_MAX - NTBNET_DROP_RX_ERR)

/*
 * The interface's counters, from the queues' own (each has one writer):
 * every drop reason is also tx_dropped / rx_dropped, or, for the ring's
 * rejections, rx_errors (rx_frame_errors unless it was an index error).
 */
static void ntbnet_get_stats64(struct net_device *ndev,
			       struct rtnl_link_stats64 *s)
{
	struct ntbnet_priv *priv = netdev_priv(ndev);
	u64 packets, bytes, drop, runt, err, frame;
	unsigned int start, i;

	netdev_stats_to_stats64(s, &ndev->stats);
	for (i = 0; i < priv->nq_max; i++) {
		const struct ntbnet_txq_stats *ts = &priv->txq[i].stats;
		const struct ntbnet_rxq_stats *rs = &priv->rxq[i].stats;

		do {
			start = u64_stats_fetch_begin(&ts->syncp);
			packets = ts->packets;
			bytes = ts->bytes;
			drop = ntbnet_sum(ts->drop, NTBNET_DROP_TX_COUNT);
		} while (u64_stats_fetch_retry(&ts->syncp, start));
		s->tx_packets += packets;
		s->tx_bytes += bytes;
		s->tx_dropped += drop;
		do {
			start = u64_stats_fetch_begin(&rs->syncp);
			packets = rs->packets;
			bytes = rs->bytes;
			runt = rs->drop[NTBNET_DROP_RX_RUNT - NTBNET_DROP_RX];
			drop = ntbnet_sum(rs->drop, NTBNET_RX_DROPS);
			err = ntbnet_sum(rs->drop + NTBNET_RX_DROPS,
					 NTBNET_RX_ERRS);
			frame = err - rs->drop[NTBNET_DROP_RX_ERR_BAD_INDEX -
					       NTBNET_DROP_RX];
		} while (u64_stats_fetch_retry(&rs->syncp, start));
		s->rx_packets += packets;
		s->rx_bytes += bytes;
		s->rx_dropped += drop;
		s->rx_length_errors += runt;
		s->rx_errors += err;
		s->rx_frame_errors += frame;
	}
}

static const struct net_device_ops ntbnet_netdev_ops = {
	.ndo_open		= ntbnet_open,
	.ndo_stop		= ntbnet_stop,
	.ndo_start_xmit		= ntbnet_start_xmit,
	.ndo_change_mtu		= ntbnet_change_mtu,
	.ndo_get_stats64	= ntbnet_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static const struct ntb_ctx_ops ntbnet_ctx_ops = {
	.link_event	= ntbnet_link_event,
	.db_event	= ntbnet_db_event,
	.msg_event	= ntbnet_mbox_event,
};

/*
 * Locally administered unicast MAC from the PCI device's serial number (or
 * its address when it has none) and the NTB port: stable across reloads
 * and reboots, different at both ends of a link.
 */
static void ntbnet_set_mac(struct ntbnet_priv *priv)
{
	struct pci_dev *pdev = priv->ntb->pdev;
	const char *name = pci_name(pdev);
	u64 dsn = pci_get_dsn(pdev);
	u32 port = ntb_port_number(priv->ntb);
	u8 mac[ETH_ALEN];
	u32 h1, h2;

	h1 = dsn ? jhash(&dsn, sizeof(dsn), port) :
		   jhash(name, strlen(name), port);
	h2 = jhash_2words(h1, port, 0x6e74626e);
	mac[0] = 0x02;	/* locally administered, unicast */
	mac[1] = h2 & 0xff;
	mac[2] = h1 >> 24;
	mac[3] = h1 >> 16;
	mac[4] = h1 >> 8;
	mac[5] = h1;
	eth_hw_addr_set(priv->ndev, mac);
}

/*
 * The shared bits (queue 0's and the handshake's) and our map: the bits
 * the peer rings at us for each queue we may run.
 */
static void ntbnet_setup_db(struct ntbnet_priv *priv)
{
	unsigned int i;

	ntbnet_db_pick(priv->ntb, NTBNET_DB_COUNT, priv->db);
	for (i = 0; i < NTBNET_DB_COUNT; i++)
		priv->db_mask |= priv->db[i];
	priv->db_pairs = ntbnet_db_map(priv->ntb, priv->db, priv->nq_max,
				       !ntbnet_queue_doorbells, &priv->db_own);
	for (i = 0; i < priv->nq_max; i++)
		priv->db_mask |= BIT_ULL(priv->db_own.data[i]) |
				 BIT_ULL(priv->db_own.space[i]);
}

static int ntbnet_check_hw(struct ntb_dev *ntb)
{
	if (ntb_peer_port_count(ntb) < 1 ||
	    ntb_mw_count(ntb, NTBNET_PIDX) < 1 || ntb_peer_mw_count(ntb) < 1) {
		dev_err(&ntb->dev, "needs a peer and a memory window\n");
		return -ENODEV;
	}
	/*
	 * ntb_mw_set_trans() and ntb_peer_mw_set_trans() return 0 when the
	 * device lacks the operation: look at the operations themselves.
	 */
	if (!ntb->ops->mw_set_trans && !ntb->ops->peer_mw_set_trans) {
		dev_err(&ntb->dev,
			"needs window translation, inbound (ntb_mw_set_trans) or outbound (ntb_peer_mw_set_trans); the device offers neither\n");
		return -ENODEV;
	}
	if (!ntb_db_valid_mask(ntb)) {
		dev_err(&ntb->dev, "needs a doorbell bit\n");
		return -ENODEV;
	}
	return 0;
}

static void ntbnet_setup_netdev(struct ntbnet_priv *priv)
{
	struct net_device *ndev = priv->ndev;

	ndev->netdev_ops = &ntbnet_netdev_ops;
	ntbnet_ethtool_init(ndev);
	/*
	 * No NETIF_F_RXCSUM: nothing here verifies a checksum. Frames the
	 * peer sends as CHECKSUM_PARTIAL are trusted as a local stack trusts
	 * its own; "ethtool -K ntb0 tx off" on the sender makes its stack
	 * compute full checksums, which ours then verifies (docs/design.md).
	 */
	ndev->features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA;
	ndev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM;
	ndev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	ndev->min_mtu = NTBNET_MTU_MIN;
	ndev->max_mtu = min_t(u32, NTBNET_MTU_MAX, priv->rx_geom.max_len -
			      NTBNET_FRAME_OVERHEAD);
	ndev->mtu = ntbnet_mtu ? clamp_t(u32, ntbnet_mtu, ndev->min_mtu,
					 ndev->max_mtu) : ndev->max_mtu;
	priv->want_mtu = ndev->mtu;
	ratelimit_state_init(&priv->msg_rs, 60 * HZ, 5);
	ndev->tx_queue_len = 1000;
	ntbnet_set_mac(priv);
}

static int ntbnet_probe(struct ntb_client *client, struct ntb_dev *ntb)
{
	unsigned int nq_max = ntbnet_max_queues ?: num_online_cpus();
	struct ntbnet_priv *priv;
	struct net_device *ndev;
	int err;

	err = ntbnet_check_hw(ntb);
	if (err)
		return err;

	nq_max = clamp_t(unsigned int, nq_max, 1, NTBNET_QUEUES_MAX);
	ndev = alloc_netdev_mqs(sizeof(*priv), "ntb%d", NET_NAME_ENUM,
				ether_setup, nq_max, nq_max);
	if (!ndev)
		return -ENOMEM;
	SET_NETDEV_DEV(ndev, &ntb->dev);
	priv = netdev_priv(ndev);
	priv->ndev = ndev;
	priv->ntb = ntb;
	priv->rec_count = ntbnet_rec_count;
	priv->rec_size = ntbnet_rec_size;
	priv->heartbeat_ms = ntbnet_heartbeat_ms;
	priv->hb_timeout_ms = ntbnet_hb_timeout_ms;
	priv->tx_entries = ntbnet_tx_entries;
	/* all of them asked for; the peer's answer sets how many run */
	priv->nq_max = nq_max;
	priv->nq_want = nq_max;
	priv->nq_lay = nq_max;
	priv->nq = 1;
	u64_stats_init(&priv->lstats.syncp);
	ntbnet_setup_db(priv);
	priv->out_xlat = !ntb->ops->mw_set_trans;
	err = ntbnet_mbox_init(priv);
	if (err)
		goto err_free_netdev;

	err = ntbnet_link_init(priv);
	if (err)
		goto err_free_netdev;
	err = ntbnet_tx_init(priv);
	if (err)
		goto err_link_exit;
	ntbnet_rx_init(priv);
	ntbnet_dma_init(&priv->dma, ntb, priv->out_win, priv->out_phys,
			priv->out_size, ntbnet_use_dma, ntbnet_copybreak);
	ntbnet_setup_netdev(priv);
	netif_carrier_off(ndev);
	err = netif_set_real_num_tx_queues(ndev, priv->nq);
	if (!err)
		err = netif_set_real_num_rx_queues(ndev, priv->nq);
	if (err)
		goto err_dma_exit;

	err = register_netdev(ndev);
	if (err)
		goto err_dma_exit;
	ntbnet_debugfs_init(priv);

	err = ntb_set_ctx(ntb, priv, &ntbnet_ctx_ops);
	if (err)
		goto err_unregister;
	ntb_db_clear(ntb, priv->db_mask);
	ntb_db_clear_mask(ntb, priv->db_mask);
	err = ntb_link_enable(ntb, NTB_SPEED_AUTO, NTB_WIDTH_AUTO);
	if (err)
		goto err_clear_ctx;
	ntbnet_link_kick(priv);
	netdev_info(ndev,
		    "created on %s port %d, MAC %pM, max MTU %u, handshake over %s, %s window translation\n",
		    pci_name(ntb->pdev), ntb_port_number(ntb), ndev->dev_addr,
		    ndev->max_mtu, ntbnet_mbox_kind(priv),
		    priv->out_xlat ? "outbound" : "inbound");
	return 0;

err_clear_ctx:
	/* As remove(): doorbells may have queued the link work already. */
	WRITE_ONCE(priv->removing, true);
	ntb_db_set_mask(ntb, priv->db_mask);
	ntb_clear_ctx(ntb);
	cancel_delayed_work_sync(&priv->link_work);
	ntbnet_link_detach(priv, "probe failed");
	ntbnet_mbox_exit(priv);
err_unregister:
	ntbnet_debugfs_exit(priv);
	unregister_netdev(ndev);
err_dma_exit:
	ntbnet_dma_exit(&priv->dma);
	ntbnet_rx_exit(priv);
	ntbnet_tx_exit(priv);
err_link_exit:
	ntbnet_link_exit(priv);
err_free_netdev:
	free_netdev(ndev);
	return err;
}

static void ntbnet_remove(struct ntb_client *client, struct ntb_dev *ntb)
{
	struct ntbnet_priv *priv = ntb->ctx;
	struct net_device *ndev = priv->ndev;

	/* No doorbell, link event or state machine step after this. */
	WRITE_ONCE(priv->removing, true);
	ntb_db_set_mask(ntb, priv->db_mask);
	ntb_clear_ctx(ntb);
	cancel_delayed_work_sync(&priv->link_work);

	ntbnet_link_detach(priv, "driver unloading");
	ntbnet_link_depart(priv);
	ntbnet_mbox_exit(priv);
	ntb_link_disable(ntb);

	ntbnet_debugfs_exit(priv);
	unregister_netdev(ndev);
	ntbnet_dma_exit(&priv->dma);
	ntbnet_rx_exit(priv);
	ntbnet_tx_exit(priv);
	ntbnet_link_exit(priv);
	netdev_info(ndev, "destroyed\n");
	free_netdev(ndev);
}

static struct ntb_client ntbnet_client = {
	.ops = {
		.probe = ntbnet_probe,
		.remove = ntbnet_remove,
	},
};

static int __init ntbnet_init(void)
{
	int err;

	if (!is_power_of_2(ntbnet_rec_size) ||
	    ntbnet_rec_size < NTBRING_REC_SIZE_MIN ||
	    ntbnet_rec_size > NTBRING_REC_SIZE_MAX ||
	    !is_power_of_2(ntbnet_rec_count) ||
	    ntbnet_rec_count < NTBRING_REC_COUNT_MIN ||
	    ntbnet_rec_count > NTBRING_REC_COUNT_MAX) {
		pr_err("ntbnet: rec_size and rec_count must be powers of two within the ring bounds\n");
		return -EINVAL;
	}
	if (!ntbnet_heartbeat_ms)
		ntbnet_heartbeat_ms = 1;
	ntbnet_debugfs_module_init();
	err = ntb_register_client(&ntbnet_client);
	if (err)
		goto err_debugfs;
	return 0;

err_debugfs:
	ntbnet_debugfs_module_exit();
	return err;
}
module_init(ntbnet_init);

static void __exit ntbnet_exit(void)
{
	ntb_unregister_client(&ntbnet_client);
	ntbnet_debugfs_module_exit();
}
module_exit(ntbnet_exit);

MODULE_DESCRIPTION("Network interface over an NTB port");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("ntbnet project");
