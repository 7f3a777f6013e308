// SPDX-License-Identifier: GPL-2.0
/*
 * ntb_swdma - a dmaengine DMA_MEMCPY provider that copies with the CPU.
 *
 * The lab has no copy engine, so the DMA paths of NTB clients (ntb_perf,
 * ntb_transport use_dma, ntbnet) would never run there. This provider takes
 * dmaengine descriptors like a hardware engine: prep, submit, issue_pending,
 * completion callbacks (in a task by default, see callback_bh), cookie
 * status. A worker per channel does the copies in submission order.
 *
 * DMA addresses are not physical (strict, the default): the engine's
 * device has DMA ops that map like an IOMMU would, each mapping getting an
 * I/O virtual address of its own recorded with its size and direction, and
 * the engine translates every descriptor's addresses through that table. A
 * descriptor with an address nobody mapped for the engine (a CPU or
 * physical address, a mapping of another device, one already unmapped), or
 * one that writes where the mapping says the device only reads, fails with
 * an error result; an unmap of an unknown address or with another size,
 * direction or call than the map is a driver bug and WARNs once. With
 * strict=N, DMA addresses are physical as without an IOMMU. Either way
 * system RAM is reached through the direct map, anything else (a PCI BAR
 * such as an NTB memory window) through memremap() of the 2 MiB chunk
 * around it, cached until the module is removed.
 */
#include <linux/debugfs.h>
#include <linux/dmaengine.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "../compat/ntbnet_kcompat.h"

#define DRV_NAME	"ntb_swdma"
#define SWDMA_CHUNK	SZ_2M
#define SWDMA_MAX_MAPS	64

/*
 * Strict DMA addresses: one 4 GiB slot per mapping, far above RAM and
 * above the emulated NTB's coherent addresses; slots are handed out round
 * robin so a stale address is caught rather than reused at once.
 */
#define SWDMA_IOVA_BASE		0x500000000000ULL
#define SWDMA_IOVA_SHIFT	32
#define SWDMA_IOVA_SLOTS	16384

static unsigned int channels = 2;
module_param(channels, uint, 0444);
MODULE_PARM_DESC(channels, "Number of DMA_MEMCPY channels (default 2, max 16)");

static int node = -2;
module_param(node, int, 0444);
MODULE_PARM_DESC(node,
		 "NUMA node of the engine; -2 = the node of the first ivshmem device (default -2)");

static bool callback_bh;
module_param(callback_bh, bool, 0644);
MODULE_PARM_DESC(callback_bh,
		 "Run completion callbacks with bottom halves disabled, as engines completing from a tasklet do (default N: in a task with bottom halves enabled, as engines with a threaded interrupt such as idxd do; the harsher case)");

static bool strict = true;
module_param(strict, bool, 0444);
MODULE_PARM_DESC(strict,
		 "DMA addresses of the engine are I/O virtual addresses from its own mapping table, checked on every transfer and unmap (default Y; N: physical addresses, no checks)");

static unsigned int fail_every;
module_param(fail_every, uint, 0644);
MODULE_PARM_DESC(fail_every,
		 "Fault injection: fail every Nth transfer with a read error (default 0 = never)");

struct swdma_desc {
	struct dma_async_tx_descriptor txd;
	struct list_head node;
	dma_addr_t dst;
	dma_addr_t src;
	size_t len;
};

struct swdma_chan {
	struct dma_chan chan;
	spinlock_t lock;		/* the lists and cookies */
	struct list_head submitted;
	struct list_head issued;
	struct work_struct work;
	u64 transfers;
	u64 bytes;
	u64 errors;
};

struct swdma_map {
	phys_addr_t base;
	void *virt;
};

/* how a mapping was made, so that its unmap can be checked */
enum swdma_map_kind {
	SWDMA_KIND_PAGE,	/* dma_map_page/single */
	SWDMA_KIND_SG,		/* dma_map_sg */
	SWDMA_KIND_RESOURCE,	/* dma_map_resource */
	SWDMA_KIND_COHERENT,	/* dma_alloc_coherent */
};

static const char * const swdma_kind_names[] = {
	[SWDMA_KIND_PAGE]	= "page",
	[SWDMA_KIND_SG]		= "sg",
	[SWDMA_KIND_RESOURCE]	= "resource",
	[SWDMA_KIND_COHERENT]	= "coherent",
};

/* one strict mapping: slot i of the I/O virtual address space */
struct swdma_iova {
	phys_addr_t phys;
	size_t size;			/* 0: slot free */
	enum dma_data_direction dir;
	enum swdma_map_kind kind;
};

struct swdma {
	struct dma_device dma;
	struct platform_device *pdev;
	struct swdma_chan *chans;
	unsigned int nr;
	struct mutex map_lock;		/* maps[] */
	struct swdma_map maps[SWDMA_MAX_MAPS];
	unsigned int nr_maps;
	atomic_t seq;

	/* strict mappings */
	spinlock_t iova_lock;		/* the table, bitmap and counters */
	struct swdma_iova *iova;
	unsigned long *iova_used;
	unsigned int iova_next;
	unsigned int iova_live;
	unsigned int iova_peak;
	u64 n_maps;
	u64 n_map_failed;
	u64 n_unmaps;
	u64 n_bad_unmaps;
	u64 n_faults;			/* transfers from/to unmapped addresses */
	u64 n_dir_faults;		/* against the mapping's direction */
	struct dentry *dbgfs;
};

static struct swdma *swdma;

static struct swdma_chan *to_swchan(struct dma_chan *c)
{
	return container_of(c, struct swdma_chan, chan);
}

static struct swdma_desc *to_swdesc(struct dma_async_tx_descriptor *t)
{
	return container_of(t, struct swdma_desc, txd);
}

/* Kernel address of [phys, phys + len), or NULL. */
static void *swdma_virt(phys_addr_t phys, size_t len)
{
	phys_addr_t base = ALIGN_DOWN(phys, SWDMA_CHUNK);
	void *virt = NULL;
	unsigned int i;

	if (region_intersects(phys, len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) == REGION_INTERSECTS)
		return phys_to_virt(phys);
	if (phys + len > base + SWDMA_CHUNK)
		return NULL;	/* callers split at chunk boundaries */

	mutex_lock(&swdma->map_lock);
	for (i = 0; i < swdma->nr_maps; i++) {
		if (swdma->maps[i].base == base) {
			virt = swdma->maps[i].virt;
			break;
		}
	}
	if (!virt && swdma->nr_maps < SWDMA_MAX_MAPS) {
		virt = memremap(base, SWDMA_CHUNK, MEMREMAP_WB);
		if (virt) {
			swdma->maps[swdma->nr_maps].base = base;
			swdma->maps[swdma->nr_maps].virt = virt;
			swdma->nr_maps++;
		}
	}
	mutex_unlock(&swdma->map_lock);
	return virt ? virt + (phys - base) : NULL;
}

/* ---- strict DMA mappings ------------------------------------------------ */

static dma_addr_t swdma_iova_of(unsigned int slot, phys_addr_t phys)
{
	/* the page offset survives mapping, as through an IOMMU */
	return SWDMA_IOVA_BASE + ((u64)slot << SWDMA_IOVA_SHIFT) +
		offset_in_page(phys);
}

static dma_addr_t swdma_iova_map(phys_addr_t phys, size_t size,
				 enum dma_data_direction dir,
				 enum swdma_map_kind kind)
{
	unsigned long fl;
	unsigned int slot;

	if (!size || size > BIT_ULL(SWDMA_IOVA_SHIFT) - PAGE_SIZE)
		return DMA_MAPPING_ERROR;
	spin_lock_irqsave(&swdma->iova_lock, fl);
	slot = find_next_zero_bit(swdma->iova_used, SWDMA_IOVA_SLOTS,
				  swdma->iova_next);
	if (slot >= SWDMA_IOVA_SLOTS)
		slot = find_first_zero_bit(swdma->iova_used, SWDMA_IOVA_SLOTS);
	if (slot >= SWDMA_IOVA_SLOTS) {
		swdma->n_map_failed++;
		spin_unlock_irqrestore(&swdma->iova_lock, fl);
		dev_err_ratelimited(swdma->dma.dev, "all %u DMA mappings in use\n",
				    SWDMA_IOVA_SLOTS);
		return DMA_MAPPING_ERROR;
	}
	__set_bit(slot, swdma->iova_used);
	swdma->iova_next = (slot + 1) % SWDMA_IOVA_SLOTS;
	swdma->iova[slot] = (struct swdma_iova){
		.phys = phys, .size = size, .dir = dir, .kind = kind,
	};
	swdma->n_maps++;
	swdma->iova_live++;
	swdma->iova_peak = max(swdma->iova_peak, swdma->iova_live);
	spin_unlock_irqrestore(&swdma->iova_lock, fl);
	return swdma_iova_of(slot, phys);
}

/* The slot an address falls in, or -1; offset into the mapping in *off. */
static int swdma_iova_slot(dma_addr_t addr, size_t *off)
{
	u64 rel = addr - SWDMA_IOVA_BASE;
	unsigned int slot;
	struct swdma_iova *m;
	u64 in;

	if (addr < SWDMA_IOVA_BASE)
		return -1;
	slot = rel >> SWDMA_IOVA_SHIFT;
	if (slot >= SWDMA_IOVA_SLOTS || !test_bit(slot, swdma->iova_used))
		return -1;
	m = &swdma->iova[slot];
	in = rel & (BIT_ULL(SWDMA_IOVA_SHIFT) - 1);
	if (in < offset_in_page(m->phys) ||
	    in - offset_in_page(m->phys) >= m->size)
		return -1;
	*off = in - offset_in_page(m->phys);
	return slot;
}

/*
 * An unmap must name a live mapping by its address, with the size,
 * direction and kind of call it was mapped with: dma-debug's rules. The
 * first misuse WARNs (tests fail on it), every one is counted.
 */
static void swdma_iova_unmap(dma_addr_t addr, size_t size,
			     enum dma_data_direction dir,
			     enum swdma_map_kind kind)
{
	struct swdma_iova m = {};
	const char *why = NULL;
	unsigned long fl;
	size_t off = 0;
	int slot;

	spin_lock_irqsave(&swdma->iova_lock, fl);
	slot = swdma_iova_slot(addr, &off);
	if (slot < 0 || off) {
		why = "no mapping at this address";
	} else {
		m = swdma->iova[slot];
		if (m.size != size)
			why = "size differs from the map";
		else if (m.dir != dir)
			why = "direction differs from the map";
		else if (m.kind != kind)
			why = "unmap call does not match the map call";
		__clear_bit(slot, swdma->iova_used);
		swdma->iova[slot].size = 0;
		swdma->iova_live--;
	}
	swdma->n_unmaps++;
	if (why)
		swdma->n_bad_unmaps++;
	spin_unlock_irqrestore(&swdma->iova_lock, fl);
	if (!why)
		return;
	dev_err_ratelimited(swdma->dma.dev,
			    "bad DMA unmap of %pad (%zu bytes, dir %d, %s): %s (mapped: %zu bytes, dir %d, %s)\n",
			    &addr, size, dir, swdma_kind_names[kind], why, m.size,
			    m.dir, m.size ? swdma_kind_names[m.kind] : "-");
	WARN_ONCE(1, DRV_NAME ": a client unmapped DMA memory it had not mapped that way (above)\n");
}

/*
 * Translate a descriptor's address for a transfer of len bytes that
 * reads (src) or writes (dst) memory, as an IOMMU would on each access.
 */
static int swdma_xlate(dma_addr_t addr, size_t len, bool write,
		       phys_addr_t *phys)
{
	struct swdma_iova *m;
	unsigned long fl;
	size_t off;
	int slot, rc = 0;

	if (!strict) {
		*phys = addr;
		return 0;
	}
	spin_lock_irqsave(&swdma->iova_lock, fl);
	slot = swdma_iova_slot(addr, &off);
	if (slot < 0 || len > swdma->iova[slot].size - off) {
		swdma->n_faults++;
		rc = -EFAULT;
	} else {
		m = &swdma->iova[slot];
		if (m->dir != DMA_BIDIRECTIONAL &&
		    m->dir != (write ? DMA_FROM_DEVICE : DMA_TO_DEVICE)) {
			swdma->n_dir_faults++;
			rc = -EPERM;
		} else {
			*phys = m->phys + off;
		}
	}
	spin_unlock_irqrestore(&swdma->iova_lock, fl);
	return rc;
}

static dma_addr_t swdma_map_page(struct device *dev, struct page *page,
				 unsigned long offset, size_t size,
				 enum dma_data_direction dir,
				 unsigned long attrs)
{
	return swdma_iova_map(page_to_phys(page) + offset, size, dir,
			      SWDMA_KIND_PAGE);
}

static void swdma_unmap_page(struct device *dev, dma_addr_t addr,
			     size_t size, enum dma_data_direction dir,
			     unsigned long attrs)
{
	swdma_iova_unmap(addr, size, dir, SWDMA_KIND_PAGE);
}

static void swdma_unmap_sg(struct device *dev, struct scatterlist *sgl,
			   int nents, enum dma_data_direction dir,
			   unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		swdma_iova_unmap(sg_dma_address(sg), sg_dma_len(sg), dir,
				 SWDMA_KIND_SG);
}

static int swdma_map_sg(struct device *dev, struct scatterlist *sgl,
			int nents, enum dma_data_direction dir,
			unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = swdma_iova_map(sg_phys(sg), sg->length, dir,
						 SWDMA_KIND_SG);
		if (sg->dma_address == DMA_MAPPING_ERROR) {
			swdma_unmap_sg(dev, sgl, i, dir, attrs);
			return -ENOMEM;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static dma_addr_t swdma_map_resource(struct device *dev, phys_addr_t phys,
				     size_t size, enum dma_data_direction dir,
				     unsigned long attrs)
{
	return swdma_iova_map(phys, size, dir, SWDMA_KIND_RESOURCE);
}

static void swdma_unmap_resource(struct device *dev, dma_addr_t addr,
				 size_t size, enum dma_data_direction dir,
				 unsigned long attrs)
{
	swdma_iova_unmap(addr, size, dir, SWDMA_KIND_RESOURCE);
}

static void *swdma_alloc(struct device *dev, size_t size,
			 dma_addr_t *dma_handle, gfp_t gfp,
			 unsigned long attrs)
{
	void *virt = alloc_pages_exact(PAGE_ALIGN(size), gfp | __GFP_ZERO);

	if (!virt)
		return NULL;
	*dma_handle = swdma_iova_map(virt_to_phys(virt), size,
				     DMA_BIDIRECTIONAL, SWDMA_KIND_COHERENT);
	if (*dma_handle == DMA_MAPPING_ERROR) {
		free_pages_exact(virt, PAGE_ALIGN(size));
		return NULL;
	}
	return virt;
}

static void swdma_free(struct device *dev, size_t size, void *virt,
		       dma_addr_t dma_handle, unsigned long attrs)
{
	swdma_iova_unmap(dma_handle, size, DMA_BIDIRECTIONAL,
			 SWDMA_KIND_COHERENT);
	free_pages_exact(virt, PAGE_ALIGN(size));
}

static const struct dma_map_ops swdma_dma_ops = {
	.alloc		= swdma_alloc,
	.free		= swdma_free,
	.map_page	= swdma_map_page,
	.unmap_page	= swdma_unmap_page,
	.map_sg		= swdma_map_sg,
	.unmap_sg	= swdma_unmap_sg,
	.map_resource	= swdma_map_resource,
	.unmap_resource	= swdma_unmap_resource,
};

/* ---- the engine ---------------------------------------------------------- */

/* why a transfer failed */
enum swdma_fault {
	SWDMA_OK,
	SWDMA_SRC_UNMAPPED,	/* source not mapped for the engine */
	SWDMA_SRC_DIR,		/* source mapped for the device to write only */
	SWDMA_DST_UNMAPPED,
	SWDMA_DST_DIR,		/* destination mapped for the device to read */
	SWDMA_NO_MEMORY,	/* no kernel mapping of the physical range */
	SWDMA_INJECTED,		/* fail_every */
};

static const char * const swdma_fault_names[] = {
	[SWDMA_OK]		= "ok",
	[SWDMA_SRC_UNMAPPED]	= "source address not mapped for this device",
	[SWDMA_SRC_DIR]		= "source mapped DMA_FROM_DEVICE",
	[SWDMA_DST_UNMAPPED]	= "destination address not mapped for this device",
	[SWDMA_DST_DIR]		= "destination mapped DMA_TO_DEVICE",
	[SWDMA_NO_MEMORY]	= "no memory at the physical address",
	[SWDMA_INJECTED]	= "injected (fail_every)",
};

static enum swdma_fault swdma_copy(struct swdma_desc *d)
{
	phys_addr_t dst, src;
	size_t left = d->len;
	int rc;

	rc = swdma_xlate(d->src, d->len, false, &src);
	if (rc)
		return rc == -EPERM ? SWDMA_SRC_DIR : SWDMA_SRC_UNMAPPED;
	rc = swdma_xlate(d->dst, d->len, true, &dst);
	if (rc)
		return rc == -EPERM ? SWDMA_DST_DIR : SWDMA_DST_UNMAPPED;

	while (left) {
		size_t n = left;
		void *vd, *vs;

		/* never cross a chunk boundary on either side */
		n = min_t(size_t, n, SWDMA_CHUNK - (dst & (SWDMA_CHUNK - 1)));
		n = min_t(size_t, n, SWDMA_CHUNK - (src & (SWDMA_CHUNK - 1)));
		vd = swdma_virt(dst, n);
		vs = swdma_virt(src, n);
		if (!vd || !vs)
			return SWDMA_NO_MEMORY;
		memcpy(vd, vs, n);
		dst += n;
		src += n;
		left -= n;
	}
	return SWDMA_OK;
}

static void swdma_complete(struct swdma_chan *sc, struct swdma_desc *d,
			   enum swdma_fault err)
{
	struct dmaengine_result res = {
		.result = err == SWDMA_OK ? DMA_TRANS_NOERROR :
			  (err == SWDMA_DST_UNMAPPED || err == SWDMA_DST_DIR) ?
			  DMA_TRANS_WRITE_FAILED : DMA_TRANS_READ_FAILED,
		.residue = err == SWDMA_OK ? 0 : d->len,
	};
	struct dma_async_tx_descriptor *t = &d->txd;
	unsigned long fl;

	spin_lock_irqsave(&sc->lock, fl);
	sc->chan.completed_cookie = t->cookie;
	spin_unlock_irqrestore(&sc->lock, fl);

	dma_descriptor_unmap(t);
	/*
	 * Engines call back from a tasklet (bottom halves off) or from a
	 * threaded interrupt (idxd: a task, bottom halves on). The default is
	 * the second: a client that takes a lock here which its own softirq
	 * code also takes deadlocks when a softirq interrupts the callback.
	 */
	if (callback_bh)
		local_bh_disable();
	if (t->callback_result)
		t->callback_result(t->callback_param, &res);
	else if (t->callback)
		t->callback(t->callback_param);
	if (callback_bh)
		local_bh_enable();
	kfree(d);
}

static void swdma_work(struct work_struct *work)
{
	struct swdma_chan *sc = container_of(work, struct swdma_chan, work);
	struct swdma_desc *d;
	enum swdma_fault err;
	unsigned long fl;

	for (;;) {
		spin_lock_irqsave(&sc->lock, fl);
		d = list_first_entry_or_null(&sc->issued, struct swdma_desc,
					     node);
		if (d)
			list_del(&d->node);
		spin_unlock_irqrestore(&sc->lock, fl);
		if (!d)
			break;
		err = swdma_copy(d);
		if (!err && fail_every &&
		    atomic_inc_return(&swdma->seq) % fail_every == 0)
			err = SWDMA_INJECTED;
		if (err) {
			sc->errors++;
			dev_err_ratelimited(swdma->dma.dev,
					    "transfer %pad -> %pad (%zu bytes) failed: %s\n",
					    &d->src, &d->dst, d->len,
					    swdma_fault_names[err]);
		} else {
			sc->transfers++;
			sc->bytes += d->len;
		}
		swdma_complete(sc, d, err);
		cond_resched();
	}
}

static dma_cookie_t swdma_tx_submit(struct dma_async_tx_descriptor *t)
{
	struct swdma_chan *sc = to_swchan(t->chan);
	struct swdma_desc *d = to_swdesc(t);
	dma_cookie_t cookie;
	unsigned long fl;

	spin_lock_irqsave(&sc->lock, fl);
	cookie = sc->chan.cookie + 1;
	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	sc->chan.cookie = cookie;
	t->cookie = cookie;
	list_add_tail(&d->node, &sc->submitted);
	spin_unlock_irqrestore(&sc->lock, fl);
	return cookie;
}

static struct dma_async_tx_descriptor *
swdma_prep_memcpy(struct dma_chan *c, dma_addr_t dst, dma_addr_t src,
		  size_t len, unsigned long flags)
{
	struct swdma_desc *d;

	if (!len)
		return NULL;
	d = kzalloc(sizeof(*d), GFP_NOWAIT);
	if (!d)
		return NULL;
	dma_async_tx_descriptor_init(&d->txd, c);
	d->txd.tx_submit = swdma_tx_submit;
	d->txd.flags = flags;
	d->dst = dst;
	d->src = src;
	d->len = len;
	return &d->txd;
}

static void swdma_issue_pending(struct dma_chan *c)
{
	struct swdma_chan *sc = to_swchan(c);
	unsigned long fl;

	spin_lock_irqsave(&sc->lock, fl);
	list_splice_tail_init(&sc->submitted, &sc->issued);
	spin_unlock_irqrestore(&sc->lock, fl);
	queue_work(system_unbound_wq, &sc->work);
}

static enum dma_status swdma_tx_status(struct dma_chan *c,
				       dma_cookie_t cookie,
				       struct dma_tx_state *state)
{
	struct swdma_chan *sc = to_swchan(c);
	dma_cookie_t used, done;
	unsigned long fl;

	spin_lock_irqsave(&sc->lock, fl);
	used = c->cookie;
	done = c->completed_cookie;
	spin_unlock_irqrestore(&sc->lock, fl);
	dma_set_tx_state(state, done, used, 0);
	return dma_async_is_complete(cookie, done, used);
}

static void swdma_drop_list(struct swdma_chan *sc, struct list_head *head)
{
	struct swdma_desc *d, *tmp;

	list_for_each_entry_safe(d, tmp, head, node) {
		list_del(&d->node);
		dma_descriptor_unmap(&d->txd);
		kfree(d);
	}
}

static int swdma_terminate_all(struct dma_chan *c)
{
	struct swdma_chan *sc = to_swchan(c);
	unsigned long fl;
	LIST_HEAD(drop);

	spin_lock_irqsave(&sc->lock, fl);
	list_splice_tail_init(&sc->submitted, &drop);
	list_splice_tail_init(&sc->issued, &drop);
	spin_unlock_irqrestore(&sc->lock, fl);
	swdma_drop_list(sc, &drop);
	return 0;
}

static void swdma_synchronize(struct dma_chan *c)
{
	flush_work(&to_swchan(c)->work);
}

static int swdma_alloc_chan_resources(struct dma_chan *c)
{
	struct swdma_chan *sc = to_swchan(c);

	c->completed_cookie = DMA_MIN_COOKIE;
	c->cookie = DMA_MIN_COOKIE;
	sc->transfers = 0;
	sc->bytes = 0;
	sc->errors = 0;
	return 1;
}

static void swdma_free_chan_resources(struct dma_chan *c)
{
	swdma_terminate_all(c);
	swdma_synchronize(c);
	dev_dbg(swdma->dma.dev, "%s released: %llu transfers, %llu bytes, %llu errors\n",
		dma_chan_name(c), to_swchan(c)->transfers,
		to_swchan(c)->bytes, to_swchan(c)->errors);
}

static int swdma_pick_node(void)
{
	struct pci_dev *p;
	int nid = NUMA_NO_NODE;

	if (node != -2)
		return node;
	p = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110, NULL);
	if (p) {
		nid = dev_to_node(&p->dev);
		pci_dev_put(p);
	}
	return nid;
}

static int swdma_info_show(struct seq_file *s, void *unused)
{
	unsigned long fl;
	unsigned int i;

	spin_lock_irqsave(&swdma->iova_lock, fl);
	seq_printf(s, "strict %d\nmappings %u\nmappings_peak %u\nmaps %llu\nmap_failed %llu\nunmaps %llu\nbad_unmaps %llu\niova_faults %llu\ndir_faults %llu\n",
		   strict, swdma->iova_live, swdma->iova_peak, swdma->n_maps,
		   swdma->n_map_failed, swdma->n_unmaps, swdma->n_bad_unmaps,
		   swdma->n_faults, swdma->n_dir_faults);
	spin_unlock_irqrestore(&swdma->iova_lock, fl);
	for (i = 0; i < swdma->nr; i++)
		seq_printf(s, "chan%u transfers %llu bytes %llu errors %llu\n", i,
			   swdma->chans[i].transfers, swdma->chans[i].bytes,
			   swdma->chans[i].errors);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(swdma_info);

static int swdma_iova_init(struct device *dev)
{
	spin_lock_init(&swdma->iova_lock);
	if (!strict)
		return 0;
	swdma->iova = kvcalloc(SWDMA_IOVA_SLOTS, sizeof(*swdma->iova),
			       GFP_KERNEL);
	swdma->iova_used = bitmap_zalloc(SWDMA_IOVA_SLOTS, GFP_KERNEL);
	if (!swdma->iova || !swdma->iova_used)
		return -ENOMEM;
	set_dma_ops(dev, &swdma_dma_ops);
	return 0;
}

static void swdma_iova_exit(struct device *dev)
{
	if (swdma->iova_live)
		dev_warn(dev, "%u DMA mappings were never unmapped\n",
			 swdma->iova_live);
	set_dma_ops(dev, NULL);
	bitmap_free(swdma->iova_used);
	kvfree(swdma->iova);
}

static int swdma_probe(struct platform_device *pdev)
{
	struct dma_device *dma;
	unsigned int i;
	int rc;

	swdma = kzalloc(sizeof(*swdma), GFP_KERNEL);
	if (!swdma)
		return -ENOMEM;
	mutex_init(&swdma->map_lock);
	swdma->pdev = pdev;
	swdma->nr = channels;
	swdma->chans = kcalloc(channels, sizeof(*swdma->chans), GFP_KERNEL);
	if (!swdma->chans) {
		rc = -ENOMEM;
		goto err_free;
	}
	rc = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (rc)
		goto err_chans;
	rc = swdma_iova_init(&pdev->dev);
	if (rc)
		goto err_iova;
	set_dev_node(&pdev->dev, swdma_pick_node());

	dma = &swdma->dma;
	dma->dev = &pdev->dev;
	INIT_LIST_HEAD(&dma->channels);
	dma_cap_set(DMA_MEMCPY, dma->cap_mask);
	dma_cap_set(DMA_PRIVATE, dma->cap_mask);
	dma->device_alloc_chan_resources = swdma_alloc_chan_resources;
	dma->device_free_chan_resources = swdma_free_chan_resources;
	dma->device_prep_dma_memcpy = swdma_prep_memcpy;
	dma->device_issue_pending = swdma_issue_pending;
	dma->device_tx_status = swdma_tx_status;
	dma->device_terminate_all = swdma_terminate_all;
	dma->device_synchronize = swdma_synchronize;
	dma->src_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_8_BYTES);
	dma->dst_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_8_BYTES);
	dma->directions = BIT(DMA_MEM_TO_MEM);
	dma->residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR;

	for (i = 0; i < channels; i++) {
		struct swdma_chan *sc = &swdma->chans[i];

		spin_lock_init(&sc->lock);
		INIT_LIST_HEAD(&sc->submitted);
		INIT_LIST_HEAD(&sc->issued);
		INIT_WORK(&sc->work, swdma_work);
		sc->chan.device = dma;
		list_add_tail(&sc->chan.device_node, &dma->channels);
	}
	rc = dma_async_device_register(dma);
	if (rc)
		goto err_iova;
	if (debugfs_initialized()) {
		swdma->dbgfs = debugfs_create_dir(DRV_NAME, NULL);
		debugfs_create_file("info", 0444, swdma->dbgfs, NULL,
				    &swdma_info_fops);
	}
	dev_info(dma->dev, "software DMA_MEMCPY engine, %u channels, node %d, %s DMA addresses\n",
		 channels, dev_to_node(dma->dev),
		 strict ? "checked I/O virtual" : "physical");
	return 0;

err_iova:
	swdma_iova_exit(&pdev->dev);
err_chans:
	kfree(swdma->chans);
err_free:
	kfree(swdma);
	swdma = NULL;
	return rc;
}

static void swdma_remove(struct platform_device *pdev)
{
	unsigned int i;

	debugfs_remove_recursive(swdma->dbgfs);
	dma_async_device_unregister(&swdma->dma);
	for (i = 0; i < swdma->nr; i++)
		cancel_work_sync(&swdma->chans[i].work);
	swdma_iova_exit(&pdev->dev);
	for (i = 0; i < swdma->nr_maps; i++)
		memunmap(swdma->maps[i].virt);
	kfree(swdma->chans);
	kfree(swdma);
	swdma = NULL;
}

DEFINE_NTBNET_PLATFORM_REMOVE(swdma_remove);

/* dmaengine wants a bound driver (it takes the driver's module owner) */
static struct platform_driver swdma_driver = {
	.driver.name	= DRV_NAME,
	.probe		= swdma_probe,
	.remove		= NTBNET_PLATFORM_REMOVE(swdma_remove),
};

static struct platform_device *swdma_pdev;

static int __init swdma_init(void)
{
	int rc;

	if (!channels || channels > 16)
		return -EINVAL;
	rc = platform_driver_register(&swdma_driver);
	if (rc)
		return rc;
	swdma_pdev = platform_device_register_simple(DRV_NAME, -1, NULL, 0);
	if (IS_ERR(swdma_pdev)) {
		platform_driver_unregister(&swdma_driver);
		return PTR_ERR(swdma_pdev);
	}
	if (!swdma) {
		/* probe failed; its error is in the log */
		platform_device_unregister(swdma_pdev);
		platform_driver_unregister(&swdma_driver);
		return -ENODEV;
	}
	return 0;
}
module_init(swdma_init);

static void __exit swdma_exit(void)
{
	platform_device_unregister(swdma_pdev);
	platform_driver_unregister(&swdma_driver);
}
module_exit(swdma_exit);

MODULE_DESCRIPTION("Software DMA_MEMCPY engine for the emulated NTB lab");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("ntbnet developers");
