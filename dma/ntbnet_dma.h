/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntbnet_dma.h - the ntbnet copy engine: frames into the peer's window.
 *
 * A dmaengine DMA_MEMCPY channel close to the NTB device does the large
 * copies; the CPU does small frames, frames whose mapping or descriptor
 * preparation failed, transfers the engine reported as failed, and all
 * frames when no channel exists. Callers batch descriptors and issue them
 * once per batch with ntbnet_dma_issue().
 */
#ifndef NTBNET_DMA_H
#define NTBNET_DMA_H

#include <linux/atomic.h>
#include <linux/dmaengine.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct ntb_dev;

#define NTBNET_DMA_PIECES	(MAX_SKB_FRAGS + 1)

/**
 * struct ntbnet_dma_map - source mappings of one frame's pieces.
 * @n:    pieces mapped.
 * @addr: DMA address of each piece.
 * @len:  length of each piece; the linear part is piece 0.
 * @head: piece 0 is the linear part, mapped with dma_map_single() (and
 *        so unmapped with dma_unmap_single()); the rest are pages.
 */
struct ntbnet_dma_map {
	unsigned int n;
	bool head;
	dma_addr_t addr[NTBNET_DMA_PIECES];
	u32 len[NTBNET_DMA_PIECES];
};

/**
 * struct ntbnet_dma - copy engine of one NTB port.
 * @chan:      the DMA_MEMCPY channel, or NULL (CPU copy only).
 * @dev:       the device doing DMA (the channel's), for mappings.
 * @win:       the peer window mapped for the CPU.
 * @win_dma:   the peer window mapped for @dev.
 * @win_size:  its size.
 * @copybreak: frames shorter than this are copied by the CPU.
 * @issue:     descriptors submitted since the last issue_pending (set
 *             by any transmit queue, taken by whichever issues next).
 */
struct ntbnet_dma {
	struct dma_chan *chan;
	struct device *dev;
	void __iomem *win;
	dma_addr_t win_dma;
	resource_size_t win_size;
	u32 copybreak;
	atomic_t issue;
};

void ntbnet_dma_init(struct ntbnet_dma *d, struct ntb_dev *ntb,
		     void __iomem *win, phys_addr_t phys, resource_size_t size,
		     bool use_dma, u32 copybreak);
void ntbnet_dma_exit(struct ntbnet_dma *d);
const char *ntbnet_dma_name(const struct ntbnet_dma *d);

bool ntbnet_dma_wanted(const struct ntbnet_dma *d, u32 len);
int ntbnet_dma_submit(struct ntbnet_dma *d, struct sk_buff *skb, u32 off,
		      struct ntbnet_dma_map *map, atomic_t *pending,
		      dma_async_tx_callback_result cb, void *arg);
void ntbnet_dma_issue(struct ntbnet_dma *d);
void ntbnet_dma_unmap(struct ntbnet_dma *d, struct ntbnet_dma_map *map);
void ntbnet_dma_quiesce(struct ntbnet_dma *d);

void ntbnet_dma_cpu_copy(struct ntbnet_dma *d, const struct sk_buff *skb,
			 u32 off);

#endif /* NTBNET_DMA_H */
