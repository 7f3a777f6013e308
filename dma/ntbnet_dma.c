// SPDX-License-Identifier: GPL-2.0
/*
 * ntbnet_dma.c - frames into the peer's memory window, by DMA or by the CPU.
 *
 * The destination is always one contiguous range of the peer window
 * (the ring reserves frames without wrapping), so a frame is one
 * descriptor per source piece: the linear head and each page fragment.
 * The channel executes descriptors in submission order, but the caller
 * does not rely on that: every descriptor's completion decrements the
 * frame's pending count, and the frame is committed when it reaches 0.
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/ntb.h>
#include <linux/pci.h>

#include "../ringbuf/ntbring_compat.h"
#include "ntbnet_dma.h"

/* Prefer a channel on the NTB device's NUMA node; any if it has none. */
static bool ntbnet_dma_filter(struct dma_chan *chan, void *arg)
{
	int node = dev_to_node(arg);

	return node == NUMA_NO_NODE ||
	       dev_to_node(chan->device->dev) == NUMA_NO_NODE ||
	       dev_to_node(chan->device->dev) == node;
}

/**
 * ntbnet_dma_init() - set up the copy engine for one peer window.
 * @d: engine state.
 * @ntb: the NTB device (its PCI device picks the channel's node).
 * @win: the peer window mapped for the CPU.
 * @phys: its physical address.
 * @size: its size.
 * @use_dma: try to get a DMA_MEMCPY channel.
 * @copybreak: frames shorter than this are copied by the CPU.
 *
 * Having no channel is not an error: every copy is then done by the CPU.
 */
void ntbnet_dma_init(struct ntbnet_dma *d, struct ntb_dev *ntb,
		     void __iomem *win, phys_addr_t phys, resource_size_t size,
		     bool use_dma, u32 copybreak)
{
	dma_cap_mask_t mask;

	memset(d, 0, sizeof(*d));
	d->win = win;
	d->win_size = size;
	d->copybreak = copybreak;
	if (!use_dma)
		return;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	d->chan = dma_request_channel(mask, ntbnet_dma_filter,
				      &ntb->pdev->dev);
	if (!d->chan) {
		dev_info(&ntb->dev, "no DMA_MEMCPY channel: CPU copy\n");
		return;
	}
	d->dev = dmaengine_get_dma_device(d->chan);
	d->win_dma = dma_map_resource(d->dev, phys, size, DMA_FROM_DEVICE, 0);
	if (dma_mapping_error(d->dev, d->win_dma)) {
		dev_info(&ntb->dev,
			 "cannot map the peer window for %s: CPU copy\n",
			 dma_chan_name(d->chan));
		dma_release_channel(d->chan);
		d->chan = NULL;
		d->dev = NULL;
		return;
	}
	dev_info(&ntb->dev, "DMA channel %s, copybreak %u\n",
		 dma_chan_name(d->chan), copybreak);
}

/**
 * ntbnet_dma_exit() - release the channel; nothing may be in flight.
 * @d: engine state.
 */
void ntbnet_dma_exit(struct ntbnet_dma *d)
{
	if (!d->chan)
		return;
	dma_unmap_resource(d->dev, d->win_dma, d->win_size, DMA_FROM_DEVICE,
			   0);
	dma_release_channel(d->chan);
	d->chan = NULL;
}

/**
 * ntbnet_dma_name() - channel name for reports.
 * @d: engine state.
 *
 * Return: the channel's name, or "cpu".
 */
const char *ntbnet_dma_name(const struct ntbnet_dma *d)
{
	return d->chan ? dma_chan_name(d->chan) : "cpu";
}

/**
 * ntbnet_dma_wanted() - whether a frame should go through the engine.
 * @d: engine state.
 * @len: frame length.
 *
 * Return: true if a channel exists and @len reaches the copybreak.
 */
bool ntbnet_dma_wanted(const struct ntbnet_dma *d, u32 len)
{
	return d->chan && len >= READ_ONCE(d->copybreak);
}

/**
 * ntbnet_dma_unmap() - undo the source mappings of a frame.
 * @d: engine state.
 * @map: mappings made by ntbnet_dma_submit().
 */
void ntbnet_dma_unmap(struct ntbnet_dma *d, struct ntbnet_dma_map *map)
{
	unsigned int i;

	for (i = 0; i < map->n; i++) {
		if (i == 0 && map->head)
			dma_unmap_single(d->dev, map->addr[i], map->len[i],
					 DMA_TO_DEVICE);
		else
			dma_unmap_page(d->dev, map->addr[i], map->len[i],
				       DMA_TO_DEVICE);
	}
	map->n = 0;
	map->head = false;
}

static int ntbnet_dma_map_skb(struct ntbnet_dma *d, struct sk_buff *skb,
			      struct ntbnet_dma_map *map)
{
	unsigned int i, nr = skb_shinfo(skb)->nr_frags;
	dma_addr_t a;

	map->n = 0;
	map->head = false;
	if (skb_headlen(skb)) {
		a = dma_map_single(d->dev, skb->data, skb_headlen(skb),
				   DMA_TO_DEVICE);
		if (dma_mapping_error(d->dev, a))
			return -ENOMEM;
		map->head = true;
		map->addr[map->n] = a;
		map->len[map->n++] = skb_headlen(skb);
	}
	for (i = 0; i < nr; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		if (!skb_frag_size(f))
			continue;
		a = skb_frag_dma_map(d->dev, f, 0, skb_frag_size(f),
				     DMA_TO_DEVICE);
		if (dma_mapping_error(d->dev, a)) {
			ntbnet_dma_unmap(d, map);
			return -ENOMEM;
		}
		map->addr[map->n] = a;
		map->len[map->n++] = skb_frag_size(f);
	}
	return 0;
}

/**
 * ntbnet_dma_submit() - start copying a frame into the peer window.
 * @d: engine state.
 * @skb: the frame.
 * @off: window offset of the frame's first byte.
 * @map: filled with the source mappings (unmap after completion).
 * @pending: incremented for each descriptor submitted; @cb decrements.
 * @cb: completion callback of each descriptor.
 * @arg: its argument.
 *
 * If a descriptor cannot be prepared, the whole frame is copied by the
 * CPU instead (the descriptors already submitted write the same bytes).
 *
 * Return: 0 if descriptors were submitted, -ENOMEM if nothing could be
 * mapped (the caller copies with the CPU), 1 if the CPU copied the frame
 * after a partial submission (descriptors may still be pending).
 */
int ntbnet_dma_submit(struct ntbnet_dma *d, struct sk_buff *skb, u32 off,
		      struct ntbnet_dma_map *map, atomic_t *pending,
		      dma_async_tx_callback_result cb, void *arg)
{
	struct dma_async_tx_descriptor *txd;
	dma_addr_t dst = d->win_dma + off;
	unsigned int i;

	if (ntbnet_dma_map_skb(d, skb, map))
		return -ENOMEM;
	for (i = 0; i < map->n; i++) {
		txd = dmaengine_prep_dma_memcpy(d->chan, dst, map->addr[i],
						map->len[i],
						DMA_PREP_INTERRUPT);
		if (!txd)
			goto cpu;
		txd->callback_result = cb;
		txd->callback_param = arg;
		atomic_inc(pending);
		if (dma_submit_error(dmaengine_submit(txd))) {
			atomic_dec(pending);
			goto cpu;
		}
		atomic_set(&d->issue, 1);
		dst += map->len[i];
	}
	return 0;
cpu:
	if (!i) {
		ntbnet_dma_unmap(d, map);
		return -ENOMEM;
	}
	ntbnet_dma_cpu_copy(d, skb, off);
	return 1;
}

/**
 * ntbnet_dma_issue() - start the descriptors submitted in this batch.
 * @d: engine state.
 */
void ntbnet_dma_issue(struct ntbnet_dma *d)
{
	/* fully ordered: covers every descriptor submitted before the set */
	if (atomic_read(&d->issue) && atomic_xchg(&d->issue, 0))
		dma_async_issue_pending(d->chan);
}

/**
 * ntbnet_dma_quiesce() - abort everything in flight and wait for it.
 * @d: engine state.
 *
 * After this no completion callback runs until new descriptors are
 * submitted; aborted descriptors never call back, so the caller frees
 * their frames itself.
 */
void ntbnet_dma_quiesce(struct ntbnet_dma *d)
{
	if (d->chan) {
		dmaengine_terminate_sync(d->chan);
		atomic_set(&d->issue, 0);
	}
}

/**
 * ntbnet_dma_cpu_copy() - copy a whole frame into the peer window.
 * @d: engine state.
 * @skb: the frame (linear part and page fragments).
 * @off: window offset of the frame's first byte.
 */
void ntbnet_dma_cpu_copy(struct ntbnet_dma *d, const struct sk_buff *skb,
			 u32 off)
{
	void __iomem *dst = d->win + off;
	unsigned int i;

	ntbr_copy_to_peer(dst, skb->data, skb_headlen(skb));
	dst += skb_headlen(skb);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];
		u32 p_off, p_len, copied;
		struct page *p;

		skb_frag_foreach_page(f, skb_frag_off(f), skb_frag_size(f),
				      p, p_off, p_len, copied) {
			void *v = kmap_local_page(p);

			ntbr_copy_to_peer(dst, v + p_off, p_len);
			kunmap_local(v);
			dst += p_len;
		}
	}
}
