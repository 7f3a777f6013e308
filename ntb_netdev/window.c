// SPDX-License-Identifier: GPL-2.0
/*
 * window.c - the memory windows: the peer's mapped for us to write, ours
 * allocated and translated for the peer, and the ring geometry that fits.
 *
 * The inbound window's limits are known only with the NTB link up, so it
 * is (re)allocated by the link work before each attachment (link.c).
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/pci.h>

#include "ntbnet.h"

/**
 * ntbnet_geom_for() - geometry of our receive rings for a record count.
 * @priv: the port (its inbound window limit, the queues it announces).
 * @rec_count: wanted record count; halved until the rings fit the window.
 * @queues: how many rings the window holds.
 * @g: result.
 *
 * Return: 0, or -EINVAL if no usable geometry fits.
 */
int ntbnet_geom_for(struct ntbnet_priv *priv, u32 rec_count, u32 queues,
		    struct ntbring_geom *g)
{
	/* the handshake carries the window size, and offsets, in 32 bits */
	u64 max = min_t(u64, priv->in_max, U32_MAX);
	u32 cap;

	g->rec_size = priv->rec_size;
	g->rec_count = rec_count;
	while (g->rec_count > NTBRING_REC_COUNT_MIN &&
	       ntbring_mq_area_size(g, queues) > max)
		g->rec_count /= 2;
	/* A maximal frame may use at most half the ring. */
	cap = g->rec_count / 2 * g->rec_size - NTBRING_HDR_SIZE;
	g->max_len = min_t(u32, cap, NTBNET_MTU_MAX + NTBNET_FRAME_OVERHEAD);
	if (g->max_len < NTBNET_MTU_MIN + NTBNET_FRAME_OVERHEAD ||
	    ntbring_geom_check(g) || ntbring_mq_area_size(g, queues) > max)
		return -EINVAL;
	return 0;
}

/**
 * ntbnet_layout() - how many rings our window holds, and their geometry.
 * @priv: the port.
 * @rec_count: wanted record count of each ring.
 * @want: queue pairs asked for (ethtool -L, max_queues).
 * @g: result: the geometry of each ring.
 *
 * Queues give way before frame size: the most rings, up to @want, that
 * each still carry a maximal frame (the MTU is the same whatever the
 * queue count); one ring, as large as the window allows, otherwise.
 *
 * Return: the ring count, or 0 if not even one ring fits.
 */
unsigned int ntbnet_layout(struct ntbnet_priv *priv, u32 rec_count,
			   unsigned int want, struct ntbring_geom *g)
{
	unsigned int n;

	for (n = want; n > 1; n--)
		if (!ntbnet_geom_for(priv, rec_count, n, g) &&
		    g->max_len == NTBNET_MTU_MAX + NTBNET_FRAME_OVERHEAD)
			return n;
	return ntbnet_geom_for(priv, rec_count, 1, g) ? 0 : 1;
}

static void ntbnet_inbuf_free(struct ntbnet_priv *priv)
{
	if (!priv->in_buf)
		return;
	if (!priv->out_xlat)
		ntb_mw_clear_trans(priv->ntb, NTBNET_PIDX, NTBNET_MW);
	dma_free_coherent(&priv->ntb->pdev->dev, priv->in_size, priv->in_buf,
			  priv->in_dma);
	priv->in_buf = NULL;
	priv->in_size = 0;
}

/**
 * ntbnet_inbuf_setup() - (re)allocate the inbound window for a geometry.
 * @priv: the port, its rings detached.
 * @g: the geometry of our receive rings (@nq_lay of them).
 *
 * Return: 0 or a negative errno.
 */
int ntbnet_inbuf_setup(struct ntbnet_priv *priv, const struct ntbring_geom *g)
{
	size_t size = round_up(ntbring_mq_area_size(g, priv->nq_lay),
			       priv->in_align);
	int err;

	if (priv->in_buf && priv->in_size == size)
		return 0;
	ntbnet_inbuf_free(priv);
	/* On the emulator this allocation is the shared window itself. */
	priv->in_buf = dma_alloc_coherent(&priv->ntb->pdev->dev, size,
					  &priv->in_dma,
					  GFP_KERNEL | __GFP_NOWARN);
	if (!priv->in_buf)
		return -ENOMEM;
	priv->in_size = size;
	/* outbound-translation NTBs: the peer points its window at us */
	err = priv->out_xlat ? 0 :
	      ntb_mw_set_trans(priv->ntb, NTBNET_PIDX, NTBNET_MW,
			       priv->in_dma, size);
	if (err) {
		dma_free_coherent(&priv->ntb->pdev->dev, size, priv->in_buf,
				  priv->in_dma);
		priv->in_buf = NULL;
		priv->in_size = 0;
	}
	return err;
}

/**
 * ntbnet_window_init() - map the peer's window, size ours, at probe.
 * @priv: the port, with @ntb set.
 *
 * Return: 0 or a negative errno; nothing to undo on error.
 */
int ntbnet_window_init(struct ntbnet_priv *priv)
{
	struct ntb_dev *ntb = priv->ntb;
	struct ntbring_geom g;
	int err;

	err = ntb_peer_mw_get_addr(ntb, NTBNET_MW, &priv->out_phys,
				   &priv->out_size);
	if (err)
		return err;
	/*
	 * The inbound window's limits are only known with the link up
	 * (ntb_mw_get_align()); until then assume it matches the outbound.
	 */
	priv->in_align = PAGE_SIZE;
	priv->in_max = priv->out_size;
	priv->nq_lay = ntbnet_layout(priv, priv->rec_count, priv->nq_want, &g);
	if (!priv->nq_lay) {
		dev_err(&ntb->dev, "window of %pa bytes too small for a ring\n",
			&priv->in_max);
		return -ENOSPC;
	}
	priv->rx_geom = g;
	priv->out_win = ioremap_wc(priv->out_phys, priv->out_size);
	if (!priv->out_win)
		return -ENOMEM;
	return 0;
}

/**
 * ntbnet_inbuf_limits() - read the inbound window's limits.
 * @priv: the port.
 *
 * Valid only while the NTB link is up.
 *
 * Return: 0 or a negative errno.
 */
int ntbnet_inbuf_limits(struct ntbnet_priv *priv)
{
	resource_size_t addr_align, size_align, size_max;
	int err;

	err = ntb_mw_get_align(priv->ntb, NTBNET_PIDX, NTBNET_MW, &addr_align,
			       &size_align, &size_max);
	if (err)
		return err;
	/*
	 * Some NTBs (Intel) want the translated address aligned to the whole
	 * window: a buffer whose size is a multiple of addr_align is, as the
	 * coherent allocator aligns to the allocation's order.
	 */
	priv->in_align = max3(size_align, addr_align,
			      (resource_size_t)PAGE_SIZE);
	priv->in_max = min(size_max, priv->out_size);
	return 0;
}

/**
 * ntbnet_window_exit() - release both windows (rings detached).
 * @priv: the port.
 */
void ntbnet_window_exit(struct ntbnet_priv *priv)
{
	ntbnet_inbuf_free(priv);
	iounmap(priv->out_win);
	priv->out_win = NULL;
}
