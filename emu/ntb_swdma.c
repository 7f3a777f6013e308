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
 * DMA addresses are physical here (no IOMMU in the lab): system RAM is
 * reached through the direct map, anything else (a PCI BAR such as an NTB
 * memory window) through memremap() of the 2 MiB chunk around it, cached
 * until the module is removed.
 */
#include <linux/dmaengine.h>
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

struct swdma {
	struct dma_device dma;
	struct platform_device *pdev;
	struct swdma_chan *chans;
	unsigned int nr;
	struct mutex map_lock;		/* maps[] */
	struct swdma_map maps[SWDMA_MAX_MAPS];
	unsigned int nr_maps;
	atomic_t seq;
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

static int swdma_copy(struct swdma_desc *d)
{
	dma_addr_t dst = d->dst, src = d->src;
	size_t left = d->len;

	while (left) {
		size_t n = left;
		void *vd, *vs;

		/* never cross a chunk boundary on either side */
		n = min_t(size_t, n, SWDMA_CHUNK - (dst & (SWDMA_CHUNK - 1)));
		n = min_t(size_t, n, SWDMA_CHUNK - (src & (SWDMA_CHUNK - 1)));
		vd = swdma_virt(dst, n);
		vs = swdma_virt(src, n);
		if (!vd || !vs)
			return -EFAULT;
		memcpy(vd, vs, n);
		dst += n;
		src += n;
		left -= n;
	}
	return 0;
}

static void swdma_complete(struct swdma_chan *sc, struct swdma_desc *d,
			   int err)
{
	struct dmaengine_result res = {
		.result = err ? DMA_TRANS_READ_FAILED : DMA_TRANS_NOERROR,
		.residue = err ? d->len : 0,
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
	unsigned long fl;
	int err;

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
			err = -EIO;
		if (err) {
			sc->errors++;
			dev_warn_ratelimited(swdma->dma.dev,
					     "transfer %pad -> %pad (%zu bytes) failed: %d\n",
					     &d->src, &d->dst, d->len, err);
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
		goto err_chans;
	dev_info(dma->dev, "software DMA_MEMCPY engine, %u channels, node %d\n",
		 channels, dev_to_node(dma->dev));
	return 0;

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

	dma_async_device_unregister(&swdma->dma);
	for (i = 0; i < swdma->nr; i++)
		cancel_work_sync(&swdma->chans[i].work);
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
