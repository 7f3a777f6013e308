// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/ntbnet/<pci device>/: "state", the
 * handshake and both rings' indices, for debugging and userspace/ntbnetctl;
 * "fail_rx_alloc", fault injection: the next N receive allocations fail
 * (each frame is dropped and counted as rx0_drop_nomem).
 */
#include <linux/debugfs.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

#include "ntbnet.h"

static struct dentry *ntbnet_dbg_root;

static int ntbnet_state_show(struct seq_file *s, void *unused)
{
	struct ntbnet_priv *priv = s->private;
	unsigned int i;

	seq_printf(s, "interface: %s\n", netdev_name(priv->ndev));
	seq_printf(s, "state: %s\n", ntbnet_state_name(priv->state));
	seq_printf(s, "generation: %08x\n", priv->gen);
	seq_printf(s, "peer_generation: %08x\n", priv->peer.gen);
	seq_printf(s, "peer_version: %u.%u\n", priv->peer.version >> 16,
		   priv->peer.version & 0xffff);
	seq_printf(s, "features: %#x\n", priv->features);
	seq_printf(s, "rx_ring: %u x %u max_len %u\n", priv->rx_geom.rec_count,
		   priv->rx_geom.rec_size, priv->rx_geom.max_len);
	seq_printf(s, "tx_ring: %u x %u max_len %u\n", priv->peer.rx.rec_count,
		   priv->peer.rx.rec_size, priv->peer.rx.max_len);
	seq_printf(s, "inbound_window: %zu\n", priv->in_size);
	seq_printf(s, "outbound_window: %llu\n", (u64)priv->out_size);
	seq_printf(s, "copy: %s\n", ntbnet_dma_name(&priv->dma));
	seq_printf(s, "handshake: %s\n", ntbnet_mbox_kind(priv));
	if (priv->mbox.msg)
		seq_printf(s, "messages: sent %llu received %llu refused %llu bad %llu dropped %llu queued %u\n",
			   priv->mbox.sent, priv->mbox.received,
			   priv->mbox.busy, priv->mbox.bad,
			   priv->mbox.dropped, priv->mbox.count);
	seq_printf(s, "translation: %s\n",
		   priv->out_xlat ? "outbound" : "inbound");
	seq_printf(s, "doorbells: data %#llx space %#llx hs %#llx\n",
		   priv->db[NTBNET_DB_DATA], priv->db[NTBNET_DB_SPACE],
		   priv->db[NTBNET_DB_HS]);
	seq_printf(s, "queues: %u of %u\n", priv->nq, priv->nq_max);
	seq_printf(s, "doorbell_pairs: %u of %u\n", priv->db_pairs,
		   priv->nq_max);
	/* queue 0 as "tx:" and "rx:", the others with their index */
	for (i = 0; i < priv->nq; i++) {
		const struct ntbring_tx *tx = &priv->txq[i].ring;
		const struct ntbring_rx *rx = &priv->rxq[i].ring;
		char tag[8] = "";

		if (i)
			snprintf(tag, sizeof(tag), "%u", i);
		seq_printf(s, "tx%s: head %u committed %u pub %u out %u entries %u\n",
			   tag, tx->head, tx->committed, tx->pub, tx->out,
			   priv->txq[i].head - priv->txq[i].tail);
		seq_printf(s, "rx%s: out %u rel %u in %u arm_tok %u\n", tag,
			   rx->out, rx->rel, rx->in, rx->arm_tok);
		seq_printf(s, "db%s: data %u space %u, at the peer data %u space %u\n",
			   tag, priv->rxq[i].db_data, priv->rxq[i].db_space,
			   priv->txq[i].db_data_out,
			   priv->rxq[i].db_space_out);
	}
	if (priv->state == NTBNET_UP)
		seq_printf(s, "up_for_ms: %u\n",
			   jiffies_to_msecs(jiffies - priv->up_since));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ntbnet_state);

/**
 * ntbnet_debugfs_init() - per-port directory.
 * @priv: the port.
 */
void ntbnet_debugfs_init(struct ntbnet_priv *priv)
{
	priv->dbg = debugfs_create_dir(pci_name(priv->ntb->pdev),
				       ntbnet_dbg_root);
	debugfs_create_file("state", 0444, priv->dbg, priv,
			    &ntbnet_state_fops);
	debugfs_create_u32("fail_rx_alloc", 0600, priv->dbg,
			   &priv->fail_rx_alloc);
}

/**
 * ntbnet_debugfs_exit() - remove the per-port directory.
 * @priv: the port.
 */
void ntbnet_debugfs_exit(struct ntbnet_priv *priv)
{
	debugfs_remove_recursive(priv->dbg);
	priv->dbg = NULL;
}

/** ntbnet_debugfs_module_init() - create /sys/kernel/debug/ntbnet. */
void ntbnet_debugfs_module_init(void)
{
	ntbnet_dbg_root = debugfs_create_dir(NTBNET_DRV_NAME, NULL);
}

/** ntbnet_debugfs_module_exit() - remove /sys/kernel/debug/ntbnet. */
void ntbnet_debugfs_module_exit(void)
{
	debugfs_remove_recursive(ntbnet_dbg_root);
}
