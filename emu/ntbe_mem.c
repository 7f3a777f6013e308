// SPDX-License-Identifier: GPL-2.0
/*
 * ntbe_mem.c - the memory the peer writes: inbound windows, and the DMA
 * ops of the ivshmem device that hand them out.
 *
 * On real hardware a client allocates its inbound buffer anywhere in RAM
 * and points the window's translation at it. ivshmem cannot redirect the
 * peer's writes into guest RAM, so the ivshmem device gets DMA ops whose
 * coherent allocator returns a slice of the port's inbound region: the
 * memory the peer's outbound window writes. Every upstream client
 * allocates its buffer with dma_alloc_coherent() on the NTB's PCI device,
 * so the translation it then sets points where the peer writes.
 *
 * Strict mode makes these buffers behave like memory behind an IOMMU the
 * client does not own: each allocation gets a new DMA address that is not
 * the physical one, aligned only as the DMA API promises (to the
 * allocation's order); a freed buffer is poisoned, and the poison is
 * checked at the next allocation to catch a peer that kept writing.
 */
#include <linux/dma-map-ops.h>
#include <linux/log2.h>
#include <linux/scatterlist.h>
#include <linux/string.h>

#include "ntbe.h"

/*
 * Strict DMA addresses: far above any RAM, one 4 GiB span per allocation,
 * 256 spans per port before one is used again.
 */
#define NTBE_IOVA_BASE		0x400000000000ULL
#define NTBE_IOVA_PORT_SHIFT	40
#define NTBE_IOVA_GEN_SHIFT	32
#define NTBE_IOVA_GENS		256

/**
 * ntbe_mem_init() - cut the inbound region into the profile's windows.
 * @nd: the port, with region_size, mw_cnt and the shared memory set.
 *
 * A window as clients see it (mw_size) is a power of two, as a BAR is,
 * within the slice; the default profile keeps the whole region, and its
 * windows alias it.
 */
void ntbe_mem_init(struct ntbe_dev *nd)
{
	const struct ntbe_profile *prof = nd->prof;
	resource_size_t in_off = NTBE_WIN_OFF + nd->port * nd->region_size;
	resource_size_t out_off = NTBE_WIN_OFF +
				  (1 - nd->port) * nd->region_size;
	resource_size_t slice;
	unsigned int i;

	nd->nslices = (prof->flags & NTBE_PF_ALIAS_MW) ? 1 : nd->mw_cnt;
	slice = rounddown(nd->region_size / nd->nslices, NTBE_WIN_ALIGN);
	if (prof->flags & NTBE_PF_ALIAS_MW) {
		nd->mw_size = slice;
	} else {
		nd->mw_size = rounddown_pow_of_two(slice);
		if (prof->mw_size)
			nd->mw_size = min(nd->mw_size, prof->mw_size);
	}
	for (i = 0; i < nd->nslices; i++) {
		nd->win[i].virt = nd->shm + in_off + i * slice;
		nd->win[i].phys = nd->shm_phys + in_off + i * slice;
		nd->win[i].size = slice;
		nd->out[i].phys = nd->shm_phys + out_off + i * slice;
		port_wr64(&nd->self->in_xlat[i].size, 0);
		port_wr64(&nd->self->in_xlat[i].addr, 0);
	}
}

/**
 * ntbe_slice_of() - the slice behind a window index.
 * @nd: the port.
 * @widx: window index, already checked.
 *
 * Return: the slice (0 when windows alias one region).
 */
unsigned int ntbe_slice_of(struct ntbe_dev *nd, int widx)
{
	return nd->nslices == 1 ? 0 : widx;
}

/**
 * ntbe_addr_align() - translation address alignment of the profile.
 * @nd: the port.
 *
 * Return: addr_align as mw_get_align() reports it.
 */
resource_size_t ntbe_addr_align(struct ntbe_dev *nd)
{
	return nd->prof->addr_align ? nd->prof->addr_align : nd->mw_size;
}

/**
 * ntbe_poison() - overwrite the start of a window with the poison byte.
 * @nd: the port.
 * @w: the window.
 * @len: bytes to poison.
 */
void ntbe_poison(struct ntbe_dev *nd, struct ntbe_win *w, size_t len)
{
	memset(w->virt, NTBE_POISON, min_t(size_t, len, w->size));
	nd->n_poisoned++;
}

static struct ntbe_dev *dev_ntbe(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

/* Aligned to the allocation's order, as the DMA API promises, and to
 * nothing more: an odd multiple of that alignment.
 */
static dma_addr_t ntbe_iova(struct ntbe_dev *nd, size_t size)
{
	u64 align = PAGE_SIZE << get_order(size);
	u64 gen = nd->alloc_gen++ % NTBE_IOVA_GENS;

	return NTBE_IOVA_BASE + ((u64)nd->port << NTBE_IOVA_PORT_SHIFT) +
		(gen << NTBE_IOVA_GEN_SHIFT) + align;
}

/* A peer that wrote into a freed window left a mark in the poison. */
static void ntbe_check_poison(struct ntbe_dev *nd, unsigned int i)
{
	struct ntbe_win *w = &nd->win[i];
	const u8 *bad;

	if (!w->poisoned)
		return;
	w->poisoned = false;
	bad = memchr_inv(w->virt, NTBE_POISON, w->size);
	if (!bad)
		return;
	nd->n_late_writes++;
	dev_warn_ratelimited(&nd->pdev->dev,
			     "window slice %u was written at offset %#lx after its buffer was freed: the peer kept writing without a translation (on hardware: into freed memory, or nowhere)\n",
			     i, (unsigned long)(bad - (const u8 *)w->virt));
}

static void *ntbe_dma_alloc(struct device *dev, size_t size,
			    dma_addr_t *dma_handle, gfp_t gfp,
			    unsigned long attrs)
{
	struct ntbe_dev *nd = dev_ntbe(dev);
	struct ntbe_win *w;
	unsigned int i;

	if (!nd)
		return NULL;
	for (i = 0; i < nd->nslices; i++)
		if (size <= nd->win[i].size &&
		    !test_and_set_bit(i, &nd->win_busy))
			break;
	if (i == nd->nslices) {
		nd->n_alloc_failed++;
		dev_warn_ratelimited(dev,
				     "emulated NTB: coherent memory is the inbound windows (%u of %pa bytes, in use %#lx); cannot allocate %zu bytes\n",
				     nd->nslices, &nd->win[0].size,
				     READ_ONCE(nd->win_busy), size);
		return NULL;
	}
	w = &nd->win[i];
	ntbe_check_poison(nd, i);
	memset(w->virt, 0, size);
	w->dma = ntbe_strict(nd, NTBE_STRICT_IOVA) ? ntbe_iova(nd, size) :
						     w->phys;
	w->alloc_size = size;
	nd->n_allocs++;
	/* for a peer that sets its outbound translation (IDT) */
	port_wr64(&nd->self->in_xlat[i].addr, w->dma);
	port_wr64(&nd->self->in_xlat[i].size, size);
	*dma_handle = w->dma;
	return w->virt;
}

static void ntbe_dma_free(struct device *dev, size_t size, void *vaddr,
			  dma_addr_t dma_handle, unsigned long attrs)
{
	struct ntbe_dev *nd = dev_ntbe(dev);
	struct ntbe_win *w = NULL;
	unsigned int i;

	if (!nd)
		return;
	for (i = 0; i < nd->nslices; i++) {
		if (nd->win[i].virt == vaddr && test_bit(i, &nd->win_busy)) {
			w = &nd->win[i];
			break;
		}
	}
	if (!w) {
		nd->n_bad_free++;
		dev_err_ratelimited(dev, "dma_free_coherent(%p, %pad): not a buffer this device allocated\n",
				    vaddr, &dma_handle);
		return;
	}
	if (dma_handle != w->dma || size != w->alloc_size) {
		nd->n_bad_free++;
		dev_err_ratelimited(dev, "dma_free_coherent window %u: freed as %pad+%zu, allocated as %pad+%zu\n",
				    i, &dma_handle, size, &w->dma,
				    w->alloc_size);
	}
	if (w->xlat_size) {
		nd->n_freed_xlat++;
		dev_warn_ratelimited(dev, "window %u freed with its translation still set: on hardware the peer's writes would land in freed memory\n",
				     i);
		w->xlat_addr = 0;
		w->xlat_size = 0;
	}
	port_wr64(&nd->self->in_xlat[i].size, 0);
	port_wr64(&nd->self->in_xlat[i].addr, 0);
	if (ntbe_strict(nd, NTBE_STRICT_POISON)) {
		ntbe_poison(nd, w, w->size);
		w->poisoned = true;
	}
	w->alloc_size = 0;
	w->dma = 0;
	/* the window's state before it can be allocated again */
	smp_mb__before_atomic();
	clear_bit(i, &nd->win_busy);
}

/*
 * Streaming mappings of the ivshmem device stay physical: nothing in the
 * lab ever DMAs through it (the copy engine, ntb_swdma, has its own).
 */
static dma_addr_t ntbe_dma_map_page(struct device *dev, struct page *page,
				    unsigned long offset, size_t size,
				    enum dma_data_direction dir,
				    unsigned long attrs)
{
	return page_to_phys(page) + offset;
}

static void ntbe_dma_unmap_page(struct device *dev, dma_addr_t addr,
				size_t size, enum dma_data_direction dir,
				unsigned long attrs)
{
}

static int ntbe_dma_map_sg(struct device *dev, struct scatterlist *sgl,
			   int nents, enum dma_data_direction dir,
			   unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = sg_phys(sg);
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void ntbe_dma_unmap_sg(struct device *dev, struct scatterlist *sgl,
			      int nents, enum dma_data_direction dir,
			      unsigned long attrs)
{
}

static dma_addr_t ntbe_dma_map_resource(struct device *dev,
					phys_addr_t phys, size_t size,
					enum dma_data_direction dir,
					unsigned long attrs)
{
	return phys;
}

const struct dma_map_ops ntbe_dma_ops = {
	.alloc		= ntbe_dma_alloc,
	.free		= ntbe_dma_free,
	.map_page	= ntbe_dma_map_page,
	.unmap_page	= ntbe_dma_unmap_page,
	.map_sg		= ntbe_dma_map_sg,
	.unmap_sg	= ntbe_dma_unmap_sg,
	.map_resource	= ntbe_dma_map_resource,
};
