// SPDX-License-Identifier: GPL-2.0
/*
 * ntb_hw_ivshmem - NTB hardware emulated over QEMU's ivshmem PCI device.
 *
 * Two ivshmem devices that share one memory object (two VMs, or two devices
 * in one VM) become the two ports of a non-transparent bridge: scratchpads,
 * doorbells, link state and one inbound memory window per port live in the
 * shared memory (layout in ntb_hw_ivshmem.h, model in docs/emulator.md).
 * Doorbells are real MSI-X interrupts through ivshmem-doorbell; with
 * ivshmem-plain a timer polls instead.
 *
 * Inbound translation: NTB clients allocate their inbound buffer with
 * dma_alloc_coherent() on the NTB's PCI device and pass its address to
 * mw_set_trans(). ivshmem cannot redirect the peer's writes into guest RAM,
 * so this driver installs DMA ops on the ivshmem device whose coherent
 * allocator hands out the port's inbound window itself; the translation then
 * points where the peer writes.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/ntb.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "ntb_hw_ivshmem.h"

#define DRV_NAME	"ntb_hw_ivshmem"

static unsigned int link_poll_ms = 100;
module_param(link_poll_ms, uint, 0444);
MODULE_PARM_DESC(link_poll_ms,
		 "Heartbeat and link poll period in ms (default 100)");

static unsigned int peer_timeout_ms = 500;
module_param(peer_timeout_ms, uint, 0444);
MODULE_PARM_DESC(peer_timeout_ms,
		 "A peer whose heartbeat stops this long is gone, link down (default 500)");

static unsigned int poll_us = 200;
module_param(poll_us, uint, 0444);
MODULE_PARM_DESC(poll_us,
		 "Doorbell poll period in us without MSI-X (ivshmem-plain) (default 200)");

static unsigned int mw_count = 1;
module_param(mw_count, uint, 0444);
MODULE_PARM_DESC(mw_count,
		 "Memory windows per port, 1 or 2; with 2 both alias the one inbound region (ntb_perf picks its window by port index) (default 1)");

static bool use_msix = true;
module_param(use_msix, bool, 0444);
MODULE_PARM_DESC(use_msix,
		 "Raise doorbells as MSI-X interrupts when the device can (default Y)");

struct ntbe_dev {
	struct ntb_dev ntb;
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0; doorbell register */
	void *shm;			/* BAR2, the shared memory */
	phys_addr_t shm_phys;
	resource_size_t shm_size;
	struct ntbe_global *glob;
	struct ntbe_port *self;
	struct ntbe_port *peer;
	int port;
	u32 ivpos;
	bool doorbell_dev;		/* ivshmem-doorbell (MSI-X) */
	int irq;

	/* inbound window (ours), handed out by the DMA ops below */
	resource_size_t win_size;
	void *in_win;
	dma_addr_t in_dma;
	bool in_alloc;
	dma_addr_t xlat_addr;
	resource_size_t xlat_size;
	phys_addr_t out_phys;		/* peer's inbound window */

	/* doorbells: see struct ntbe_port for the toggle scheme */
	spinlock_t db_lock;		/* db_ack, db_mask, peer_db_set */
	u64 db_ack;
	u64 db_mask;
	u64 peer_db_set;
	struct tasklet_struct db_tasklet;
	unsigned long db_kicked;	/* bit 0: link poll requested */
	struct hrtimer poll_timer;
	struct hrtimer delay_timer;

	/* link */
	struct delayed_work link_work;
	u32 boot_id;
	u32 heartbeat;
	u32 flags;
	u32 peer_boot_id;
	u32 peer_hb;
	unsigned long peer_hb_time;
	bool peer_seen;
	bool link_up;

	/* fault injection (debugfs) */
	struct dentry *dbgfs;
	bool fi_link_down;
	u32 fi_drop_db;
	u32 fi_delay_db_us;

	/* counters (debugfs "info") */
	u64 n_db_rung;
	u64 n_db_dropped;
	u64 n_db_irq;
	u64 n_link_up;
	u64 n_link_down;
	u64 n_corrupt;
};

static struct dentry *ntbe_dbgfs_root;

static inline struct ntbe_dev *ntb_ndev(struct ntb_dev *ntb)
{
	return container_of(ntb, struct ntbe_dev, ntb);
}

static u32 port_rd32(__le32 *p)
{
	return le32_to_cpu(READ_ONCE(*p));
}

static void port_wr32(__le32 *p, u32 v)
{
	WRITE_ONCE(*p, cpu_to_le32(v));
}

static u64 port_rd64(__le64 *p)
{
	return le64_to_cpu(READ_ONCE(*p));
}

static void port_wr64(__le64 *p, u64 v)
{
	WRITE_ONCE(*p, cpu_to_le64(v));
}

static ktime_t ntbe_us(u32 us)
{
	return ns_to_ktime((u64)us * NSEC_PER_USEC);
}

static u64 ntbe_valid_mask(void)
{
	return GENMASK_ULL(NTBE_DB_BITS - 1, 0);
}

/* ---- doorbells ---------------------------------------------------------- */

/* Bits the peer rang that we have not cleared. */
static u64 ntbe_db_pending(struct ntbe_dev *nd)
{
	return (port_rd64(&nd->self->db_set) ^ nd->db_ack) & ntbe_valid_mask();
}

static void ntbe_db_check(struct ntbe_dev *nd)
{
	u64 pending;
	unsigned long fl;

	/* A doorbell can overtake our link poll (the peer saw the link first):
	 * evaluate the link now and deliver once clients see it up, as
	 * clients drop commands that arrive while their link is down.
	 */
	spin_lock_irqsave(&nd->db_lock, fl);
	pending = ntbe_db_pending(nd) & ~nd->db_mask;
	spin_unlock_irqrestore(&nd->db_lock, fl);
	if (!pending)
		return;
	if (!READ_ONCE(nd->link_up)) {
		/* once per link poll, not once per doorbell */
		if (!test_and_set_bit(0, &nd->db_kicked))
			mod_delayed_work(system_wq, &nd->link_work, 0);
		return;
	}
	ntb_db_event(&nd->ntb, 0);
}

static void ntbe_db_tasklet(struct tasklet_struct *t)
{
	struct ntbe_dev *nd = from_tasklet(nd, t, db_tasklet);

	ntbe_db_check(nd);
}

static irqreturn_t ntbe_isr(int irq, void *data)
{
	struct ntbe_dev *nd = data;

	nd->n_db_irq++;
	ntbe_db_check(nd);
	return IRQ_HANDLED;
}

static enum hrtimer_restart ntbe_poll_timer(struct hrtimer *t)
{
	struct ntbe_dev *nd = container_of(t, struct ntbe_dev, poll_timer);

	ntbe_db_check(nd);
	hrtimer_forward_now(t, ntbe_us(poll_us));
	return HRTIMER_RESTART;
}

/* Send the interrupt for doorbell bits already written to the peer. */
static void ntbe_ring_peer(struct ntbe_dev *nd)
{
	u32 pflags = port_rd32(&nd->peer->flags);

	if (!nd->regs || !(pflags & NTBE_F_IVPOS_VALID))
		return;		/* the peer polls */
	if (nd->fi_drop_db) {
		if (nd->fi_drop_db != U32_MAX)
			nd->fi_drop_db--;
		nd->n_db_dropped++;
		return;
	}
	nd->n_db_rung++;
	writel((port_rd32(&nd->peer->ivpos) << 16) | 0,
	       nd->regs + IVSHMEM_REG_DOORBELL);
}

static enum hrtimer_restart ntbe_delay_timer(struct hrtimer *t)
{
	struct ntbe_dev *nd = container_of(t, struct ntbe_dev, delay_timer);

	ntbe_ring_peer(nd);
	return HRTIMER_NORESTART;
}

static int ntbe_peer_db_set(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	unsigned long fl;
	u64 pending;

	if (bits & ~ntbe_valid_mask())
		return -EINVAL;
	spin_lock_irqsave(&nd->db_lock, fl);
	/* Toggle only the bits that are not pending at the peer already. */
	pending = nd->peer_db_set ^ port_rd64(&nd->peer->db_ack);
	nd->peer_db_set ^= bits & ~pending;
	port_wr64(&nd->peer->db_set, nd->peer_db_set);
	spin_unlock_irqrestore(&nd->db_lock, fl);

	/* The doorbell word must be visible before the interrupt; pairs with
	 * the read of db_set in the peer's ntbe_db_pending().
	 */
	wmb();
	if (nd->fi_delay_db_us)
		hrtimer_start(&nd->delay_timer, ntbe_us(nd->fi_delay_db_us),
			      HRTIMER_MODE_REL);
	else
		ntbe_ring_peer(nd);
	return 0;
}

static u64 ntbe_db_valid_mask(struct ntb_dev *ntb)
{
	return ntbe_valid_mask();
}

static int ntbe_db_vector_count(struct ntb_dev *ntb)
{
	return 1;
}

static u64 ntbe_db_vector_mask(struct ntb_dev *ntb, int vector)
{
	return vector == 0 ? ntbe_valid_mask() : 0;
}

static u64 ntbe_db_read(struct ntb_dev *ntb)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	return ntbe_db_pending(nd);
}

static int ntbe_db_clear(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	unsigned long fl;
	u64 set;

	if (bits & ~ntbe_valid_mask())
		return -EINVAL;
	spin_lock_irqsave(&nd->db_lock, fl);
	set = port_rd64(&nd->self->db_set);
	nd->db_ack = (nd->db_ack & ~bits) | (set & bits);
	port_wr64(&nd->self->db_ack, nd->db_ack);
	spin_unlock_irqrestore(&nd->db_lock, fl);
	return 0;
}

/* Local doorbell set (ntb_tool uses it): make the bits pending by moving
 * our acknowledgment away from the peer's toggles.
 */
static int ntbe_db_set(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	unsigned long fl;

	if (bits & ~ntbe_valid_mask())
		return -EINVAL;
	spin_lock_irqsave(&nd->db_lock, fl);
	nd->db_ack ^= bits & ~ntbe_db_pending(nd);
	port_wr64(&nd->self->db_ack, nd->db_ack);
	spin_unlock_irqrestore(&nd->db_lock, fl);
	tasklet_schedule(&nd->db_tasklet);
	return 0;
}

static u64 ntbe_db_read_mask(struct ntb_dev *ntb)
{
	return ntb_ndev(ntb)->db_mask;
}

static int ntbe_db_set_mask(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	unsigned long fl;

	if (bits & ~ntbe_valid_mask())
		return -EINVAL;
	spin_lock_irqsave(&nd->db_lock, fl);
	nd->db_mask |= bits;
	spin_unlock_irqrestore(&nd->db_lock, fl);
	return 0;
}

/* Unmasking a pending doorbell raises its interrupt, as a level-triggered
 * doorbell register would; deferred so the client is not re-entered.
 */
static int ntbe_db_clear_mask(struct ntb_dev *ntb, u64 bits)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);
	unsigned long fl;
	bool fire;

	if (bits & ~ntbe_valid_mask())
		return -EINVAL;
	spin_lock_irqsave(&nd->db_lock, fl);
	fire = ntbe_db_pending(nd) & nd->db_mask & bits;
	nd->db_mask &= ~bits;
	spin_unlock_irqrestore(&nd->db_lock, fl);
	if (fire)
		tasklet_schedule(&nd->db_tasklet);
	return 0;
}

static u64 ntbe_peer_db_read(struct ntb_dev *ntb)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	return (nd->peer_db_set ^ port_rd64(&nd->peer->db_ack)) &
		ntbe_valid_mask();
}

/* ---- scratchpads -------------------------------------------------------- */

static int ntbe_spad_count(struct ntb_dev *ntb)
{
	return NTBE_SPAD_COUNT;
}

static u32 ntbe_spad_read(struct ntb_dev *ntb, int sidx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (sidx < 0 || sidx >= NTBE_SPAD_COUNT)
		return 0;
	return port_rd32(&nd->self->spad[sidx]);
}

static int ntbe_spad_write(struct ntb_dev *ntb, int sidx, u32 val)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (sidx < 0 || sidx >= NTBE_SPAD_COUNT)
		return -EINVAL;
	port_wr32(&nd->self->spad[sidx], val);
	return 0;
}

static u32 ntbe_peer_spad_read(struct ntb_dev *ntb, int pidx, int sidx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (pidx != NTB_DEF_PEER_IDX || sidx < 0 || sidx >= NTBE_SPAD_COUNT)
		return 0;
	return port_rd32(&nd->peer->spad[sidx]);
}

static int ntbe_peer_spad_write(struct ntb_dev *ntb, int pidx, int sidx,
				u32 val)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (pidx != NTB_DEF_PEER_IDX || sidx < 0 || sidx >= NTBE_SPAD_COUNT)
		return -EINVAL;
	port_wr32(&nd->peer->spad[sidx], val);
	return 0;
}

/* ---- memory windows ----------------------------------------------------- */

static int ntbe_mw_count(struct ntb_dev *ntb, int pidx)
{
	return pidx == NTB_DEF_PEER_IDX ? mw_count : 0;
}

static int ntbe_mw_get_align(struct ntb_dev *ntb, int pidx, int widx,
			     resource_size_t *addr_align,
			     resource_size_t *size_align,
			     resource_size_t *size_max)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (pidx != NTB_DEF_PEER_IDX || widx < 0 || widx >= mw_count)
		return -EINVAL;
	if (addr_align)
		*addr_align = PAGE_SIZE;
	if (size_align)
		*size_align = PAGE_SIZE;
	if (size_max)
		*size_max = nd->win_size;
	return 0;
}

static int ntbe_mw_set_trans(struct ntb_dev *ntb, int pidx, int widx,
			     dma_addr_t addr, resource_size_t size)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (pidx != NTB_DEF_PEER_IDX || widx < 0 || widx >= mw_count)
		return -EINVAL;
	if (addr != nd->in_dma || !size || size > nd->win_size) {
		dev_err(&nd->pdev->dev,
			"mw_set_trans: %pad+%pa is not the inbound window %pad+%pa; allocate it with dma_alloc_coherent on this device\n",
			&addr, &size, &nd->in_dma, &nd->win_size);
		return -EINVAL;
	}
	nd->xlat_addr = addr;
	nd->xlat_size = size;
	return 0;
}

static int ntbe_mw_clear_trans(struct ntb_dev *ntb, int pidx, int widx)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (pidx != NTB_DEF_PEER_IDX || widx < 0 || widx >= mw_count)
		return -EINVAL;
	nd->xlat_addr = 0;
	nd->xlat_size = 0;
	return 0;
}

static int ntbe_peer_mw_count(struct ntb_dev *ntb)
{
	return mw_count;
}

static int ntbe_peer_mw_get_addr(struct ntb_dev *ntb, int widx,
				 phys_addr_t *base, resource_size_t *size)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	if (widx < 0 || widx >= mw_count)
		return -EINVAL;
	if (base)
		*base = nd->out_phys;
	if (size)
		*size = nd->win_size;
	return 0;
}

/* ---- link --------------------------------------------------------------- */

static u64 ntbe_link_is_up(struct ntb_dev *ntb, enum ntb_speed *speed,
			   enum ntb_width *width)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	/* Nominal figures: the emulated link has no lanes. */
	if (speed)
		*speed = nd->link_up ? NTB_SPEED_GEN3 : NTB_SPEED_NONE;
	if (width)
		*width = nd->link_up ? NTB_WIDTH_4 : NTB_WIDTH_NONE;
	return nd->link_up;
}

static void ntbe_publish_flags(struct ntbe_dev *nd)
{
	u32 f = nd->flags;

	if (nd->fi_link_down)
		f |= NTBE_F_FORCED_DOWN;
	port_wr32(&nd->self->flags, f);
}

static int ntbe_link_enable(struct ntb_dev *ntb, enum ntb_speed max_speed,
			    enum ntb_width max_width)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	nd->flags |= NTBE_F_LINK_EN;
	ntbe_publish_flags(nd);
	/* Like link training, the link comes up some time after the enable,
	 * never inside it: upstream ntb_transport's probe checks the link right
	 * after enabling it and schedules a cleanup that cancels its link work
	 * if the up event has already arrived.
	 */
	mod_delayed_work(system_wq, &nd->link_work,
			 msecs_to_jiffies(link_poll_ms));
	return 0;
}

static int ntbe_link_disable(struct ntb_dev *ntb)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	nd->flags &= ~NTBE_F_LINK_EN;
	ntbe_publish_flags(nd);
	mod_delayed_work(system_wq, &nd->link_work, 0);
	return 0;
}

static void ntbe_link_work(struct work_struct *work)
{
	struct ntbe_dev *nd = container_of(to_delayed_work(work),
					   struct ntbe_dev, link_work);
	u32 pmagic, pboot, phb, pflags;
	bool alive, up, restarted = false;

	clear_bit(0, &nd->db_kicked);
	port_wr32(&nd->self->heartbeat, ++nd->heartbeat);
	ntbe_publish_flags(nd);

	pmagic = port_rd32(&nd->peer->magic);
	pboot = port_rd32(&nd->peer->boot_id);
	phb = port_rd32(&nd->peer->heartbeat);
	pflags = port_rd32(&nd->peer->flags);

	if (pmagic != NTBE_PORT_MAGIC) {
		nd->peer_seen = false;
	} else if (!nd->peer_seen || pboot != nd->peer_boot_id) {
		restarted = nd->peer_seen;
		nd->peer_seen = true;
		nd->peer_boot_id = pboot;
		nd->peer_hb = phb;
		/* alive once the heartbeat is seen moving, or at once if the
		 * peer reports the link up with this incarnation of us
		 */
		if ((pflags & NTBE_F_LINK_UP) &&
		    port_rd32(&nd->peer->up_with) == nd->boot_id)
			nd->peer_hb_time = jiffies;
		else
			nd->peer_hb_time = jiffies -
				msecs_to_jiffies(peer_timeout_ms) - 1;
	} else if (phb != nd->peer_hb) {
		nd->peer_hb = phb;
		nd->peer_hb_time = jiffies;
	}

	alive = nd->peer_seen &&
		time_before_eq(jiffies, nd->peer_hb_time +
			       msecs_to_jiffies(peer_timeout_ms));
	up = alive && (nd->flags & NTBE_F_LINK_EN) && !nd->fi_link_down &&
	     (pflags & NTBE_F_LINK_EN) && !(pflags & NTBE_F_FORCED_DOWN);

	if (nd->link_up && (restarted || !up)) {
		WRITE_ONCE(nd->link_up, false);
		nd->flags &= ~NTBE_F_LINK_UP;
		ntbe_publish_flags(nd);
		nd->n_link_down++;
		dev_info(&nd->pdev->dev, "link down (%s)\n",
			 restarted ? "peer restarted" :
			 !alive ? "peer gone" :
			 nd->fi_link_down ? "forced" : "disabled");
		ntb_link_event(&nd->ntb);
	}
	if (!nd->link_up && up) {
		port_wr32(&nd->self->up_with, nd->peer_boot_id);
		nd->flags |= NTBE_F_LINK_UP;
		ntbe_publish_flags(nd);
		WRITE_ONCE(nd->link_up, true);
		nd->n_link_up++;
		dev_info(&nd->pdev->dev, "link up (port %d, peer id %u)\n",
			 nd->port, port_rd32(&nd->peer->ivpos));
		ntb_link_event(&nd->ntb);
		/* doorbells that arrived before the link came up */
		ntbe_db_check(nd);
	} else if (!nd->irq && nd->link_up) {
		/* Doorbells are polled without interrupts. */
		ntbe_db_check(nd);
	}

	queue_delayed_work(system_wq, &nd->link_work,
			   msecs_to_jiffies(link_poll_ms));
}

static const struct ntb_dev_ops ntbe_ops = {
	.link_is_up		= ntbe_link_is_up,
	.link_enable		= ntbe_link_enable,
	.link_disable		= ntbe_link_disable,
	.mw_count		= ntbe_mw_count,
	.mw_get_align		= ntbe_mw_get_align,
	.mw_set_trans		= ntbe_mw_set_trans,
	.mw_clear_trans		= ntbe_mw_clear_trans,
	.peer_mw_count		= ntbe_peer_mw_count,
	.peer_mw_get_addr	= ntbe_peer_mw_get_addr,
	.db_valid_mask		= ntbe_db_valid_mask,
	.db_vector_count	= ntbe_db_vector_count,
	.db_vector_mask		= ntbe_db_vector_mask,
	.db_read		= ntbe_db_read,
	.db_set			= ntbe_db_set,
	.db_clear		= ntbe_db_clear,
	.db_read_mask		= ntbe_db_read_mask,
	.db_set_mask		= ntbe_db_set_mask,
	.db_clear_mask		= ntbe_db_clear_mask,
	.peer_db_read		= ntbe_peer_db_read,
	.peer_db_set		= ntbe_peer_db_set,
	.spad_count		= ntbe_spad_count,
	.spad_read		= ntbe_spad_read,
	.spad_write		= ntbe_spad_write,
	.peer_spad_read		= ntbe_peer_spad_read,
	.peer_spad_write	= ntbe_peer_spad_write,
};

/* ---- DMA ops: the coherent allocator returns the inbound window --------- */

static struct ntbe_dev *dev_ntbe(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static void *ntbe_dma_alloc(struct device *dev, size_t size,
			    dma_addr_t *dma_handle, gfp_t gfp,
			    unsigned long attrs)
{
	struct ntbe_dev *nd = dev_ntbe(dev);

	if (!nd)
		return NULL;
	if (size > nd->win_size || xchg(&nd->in_alloc, true)) {
		dev_warn_ratelimited(dev,
				     "emulated NTB: coherent memory is the inbound window (%pa bytes, in use %d); cannot allocate %zu bytes\n",
				     &nd->win_size, nd->in_alloc, size);
		return NULL;
	}
	memset(nd->in_win, 0, size);
	*dma_handle = nd->in_dma;
	return nd->in_win;
}

static void ntbe_dma_free(struct device *dev, size_t size, void *vaddr,
			  dma_addr_t dma_handle, unsigned long attrs)
{
	struct ntbe_dev *nd = dev_ntbe(dev);

	if (nd && vaddr == nd->in_win)
		nd->in_alloc = false;
}

/* Streaming mappings stay direct: no IOMMU in the lab. */
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

static const struct dma_map_ops ntbe_dma_ops = {
	.alloc		= ntbe_dma_alloc,
	.free		= ntbe_dma_free,
	.map_page	= ntbe_dma_map_page,
	.unmap_page	= ntbe_dma_unmap_page,
	.map_sg		= ntbe_dma_map_sg,
	.unmap_sg	= ntbe_dma_unmap_sg,
	.map_resource	= ntbe_dma_map_resource,
};

/* ---- fault injection and state in debugfs ------------------------------- */

static int ntbe_info_show(struct seq_file *s, void *unused)
{
	struct ntbe_dev *nd = s->private;

	seq_printf(s, "port %d\nivposition %u\ndoorbell_device %d\nirq %d\n",
		   nd->port, nd->ivpos, nd->doorbell_dev, nd->irq);
	seq_printf(s, "link_up %d\nlink_enabled %d\nforced_down %d\n",
		   nd->link_up, !!(nd->flags & NTBE_F_LINK_EN),
		   nd->fi_link_down);
	seq_printf(s, "peer_present %d\npeer_boot_id %08x\npeer_flags %x\n",
		   nd->peer_seen, nd->peer_boot_id,
		   port_rd32(&nd->peer->flags));
	seq_printf(s, "win_size %llu\nin_alloc %d\nxlat_size %llu\n",
		   (u64)nd->win_size, nd->in_alloc, (u64)nd->xlat_size);
	seq_printf(s, "db_pending %llx\ndb_mask %llx\n",
		   ntbe_db_pending(nd), nd->db_mask);
	seq_printf(s, "db_rung %llu\ndb_dropped %llu\ndb_irq %llu\n",
		   nd->n_db_rung, nd->n_db_dropped, nd->n_db_irq);
	seq_printf(s, "link_up_events %llu\nlink_down_events %llu\ncorruptions %llu\n",
		   nd->n_link_up, nd->n_link_down, nd->n_corrupt);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ntbe_info);

static int ntbe_link_down_set(void *data, u64 val)
{
	struct ntbe_dev *nd = data;

	nd->fi_link_down = !!val;
	ntbe_publish_flags(nd);
	mod_delayed_work(system_wq, &nd->link_work, 0);
	return 0;
}

static int ntbe_link_down_get(void *data, u64 *val)
{
	*val = ((struct ntbe_dev *)data)->fi_link_down;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ntbe_link_down_fops, ntbe_link_down_get,
			 ntbe_link_down_set, "%llu\n");

/* "OFFSET LEN": overwrite LEN bytes of our inbound window at OFFSET with
 * random bytes, as a buggy or hostile peer would.
 */
static ssize_t ntbe_corrupt_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct ntbe_dev *nd = file->private_data;
	unsigned long long off, len;
	char buf[64];
	u8 *p;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%llu %llu", &off, &len) != 2)
		return -EINVAL;
	if (!len || off >= nd->win_size || len > nd->win_size - off)
		return -ERANGE;
	p = nd->in_win + off;
	while (len) {
		u32 r = get_random_u32();
		size_t n = min_t(size_t, len, sizeof(r));

		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
	nd->n_corrupt++;
	return count;
}

static const struct file_operations ntbe_corrupt_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= ntbe_corrupt_write,
};

static void ntbe_debugfs_init(struct ntbe_dev *nd)
{
	if (!ntbe_dbgfs_root)
		return;
	nd->dbgfs = debugfs_create_dir(pci_name(nd->pdev), ntbe_dbgfs_root);
	debugfs_create_file("info", 0444, nd->dbgfs, nd, &ntbe_info_fops);
	debugfs_create_file_unsafe("link_down", 0644, nd->dbgfs, nd,
				   &ntbe_link_down_fops);
	debugfs_create_u32("drop_doorbell", 0644, nd->dbgfs, &nd->fi_drop_db);
	debugfs_create_u32("delay_doorbell_us", 0644, nd->dbgfs,
			   &nd->fi_delay_db_us);
	debugfs_create_file("corrupt", 0200, nd->dbgfs, nd,
			    &ntbe_corrupt_fops);
}

/* ---- probe -------------------------------------------------------------- */

/* ivshmem-plain has no interrupts and no peer ids: claim a free port with
 * Fischer's timed mutual exclusion on the claim word. A port is free when
 * no driver owns it or its owner's heartbeat has stopped.
 */
static int ntbe_claim_port(struct ntbe_dev *nd)
{
	u64 nonce = get_random_u64() | 1;
	int p;

	for (p = 0; p < NTBE_PORTS; p++) {
		struct ntbe_port *blk = nd->shm + NTBE_CTRL_OFF +
					p * NTBE_CTRL_SIZE;

		if (port_rd32(&blk->magic) == NTBE_PORT_MAGIC) {
			u32 hb = port_rd32(&blk->heartbeat);

			msleep(peer_timeout_ms + link_poll_ms);
			if (port_rd32(&blk->heartbeat) != hb)
				continue;	/* alive owner */
		}
		port_wr64(&blk->claim, nonce);
		msleep(50);
		if (port_rd64(&blk->claim) == nonce)
			return p;
	}
	return -EBUSY;
}

static int ntbe_setup_shm(struct ntbe_dev *nd)
{
	struct pci_dev *pdev = nd->pdev;
	u64 w;

	nd->shm_phys = pci_resource_start(pdev, 2);
	nd->shm_size = pci_resource_len(pdev, 2);
	if (nd->shm_size < NTBE_MIN_SHM) {
		dev_err(&pdev->dev, "shared memory of %pa bytes is too small (min %u)\n",
			&nd->shm_size, NTBE_MIN_SHM);
		return -EINVAL;
	}
	nd->shm = devm_memremap(&pdev->dev, nd->shm_phys, nd->shm_size,
				MEMREMAP_WB);
	if (IS_ERR(nd->shm))
		return PTR_ERR(nd->shm);

	w = rounddown((nd->shm_size - NTBE_WIN_OFF) / 2, NTBE_WIN_ALIGN);
	nd->win_size = w;
	nd->glob = nd->shm;
	if (port_rd32(&nd->glob->magic) == NTBE_GLOBAL_MAGIC &&
	    port_rd32(&nd->glob->version) != NTBE_LAYOUT_VERSION) {
		dev_err(&pdev->dev, "shared memory layout version %u, this driver speaks %u\n",
			port_rd32(&nd->glob->version), NTBE_LAYOUT_VERSION);
		return -EPROTO;
	}
	port_wr32(&nd->glob->version, NTBE_LAYOUT_VERSION);
	port_wr64(&nd->glob->win_size, w);
	port_wr32(&nd->glob->magic, NTBE_GLOBAL_MAGIC);
	return 0;
}

static int ntbe_setup_port(struct ntbe_dev *nd)
{
	struct pci_dev *pdev = nd->pdev;
	int port;

	if (nd->doorbell_dev) {
		nd->ivpos = readl(nd->regs + IVSHMEM_REG_IVPOSITION);
		if (nd->ivpos >= NTBE_PORTS) {
			dev_err(&pdev->dev,
				"ivshmem peer id %u: the emulated NTB needs ids 0 and 1 (use emu/ivshmem-server, which reuses freed ids)\n",
				nd->ivpos);
			return -EINVAL;
		}
		port = nd->ivpos;
	} else {
		port = ntbe_claim_port(nd);
		if (port < 0) {
			dev_err(&pdev->dev, "both ports of the shared memory are in use\n");
			return port;
		}
	}
	nd->port = port;
	nd->self = nd->shm + NTBE_CTRL_OFF + port * NTBE_CTRL_SIZE;
	nd->peer = nd->shm + NTBE_CTRL_OFF + (1 - port) * NTBE_CTRL_SIZE;
	nd->in_win = nd->shm + NTBE_WIN_OFF + port * nd->win_size;
	nd->in_dma = nd->shm_phys + NTBE_WIN_OFF + port * nd->win_size;
	nd->out_phys = nd->shm_phys + NTBE_WIN_OFF + (1 - port) * nd->win_size;
	nd->ntb.topo = port == 0 ? NTB_TOPO_B2B_USD : NTB_TOPO_B2B_DSD;

	/* Fresh state for this incarnation: nothing pending for us, and our
	 * outgoing toggles continue from what the previous owner published.
	 */
	nd->boot_id = get_random_u32();
	nd->heartbeat = port_rd32(&nd->self->heartbeat);
	nd->db_ack = port_rd64(&nd->self->db_set);
	port_wr64(&nd->self->db_ack, nd->db_ack);
	nd->peer_db_set = port_rd64(&nd->peer->db_set);
	nd->db_mask = ntbe_valid_mask();
	port_wr32(&nd->self->boot_id, nd->boot_id);
	port_wr32(&nd->self->ivpos, nd->ivpos);
	nd->flags = NTBE_F_PRESENT;
	ntbe_publish_flags(nd);
	/* owner fields before the magic that makes them valid; pairs with
	 * the peer reading magic first in ntbe_link_work()
	 */
	wmb();
	port_wr32(&nd->self->magic, NTBE_PORT_MAGIC);
	return 0;
}

static int ntbe_setup_irq(struct ntbe_dev *nd)
{
	struct pci_dev *pdev = nd->pdev;
	int rc;

	if (!nd->doorbell_dev || !use_msix)
		goto poll;
	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (rc < 0) {
		dev_warn(&pdev->dev, "no MSI-X (%d), polling doorbells\n", rc);
		goto poll;
	}
	rc = request_irq(pci_irq_vector(pdev, 0), ntbe_isr, 0, DRV_NAME, nd);
	if (rc) {
		pci_free_irq_vectors(pdev);
		return rc;
	}
	nd->irq = pci_irq_vector(pdev, 0);
	return 0;
poll:
	nd->irq = 0;
	hrtimer_start(&nd->poll_timer, ntbe_us(poll_us), HRTIMER_MODE_REL);
	return 0;
}

static void ntbe_teardown_irq(struct ntbe_dev *nd)
{
	if (nd->irq) {
		free_irq(nd->irq, nd);
		pci_free_irq_vectors(nd->pdev);
		nd->irq = 0;
	}
	hrtimer_cancel(&nd->poll_timer);
	hrtimer_cancel(&nd->delay_timer);
	tasklet_kill(&nd->db_tasklet);
}

static int ntbe_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ntbe_dev *nd;
	int rc;

	nd = devm_kzalloc(&pdev->dev, sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	nd->pdev = pdev;
	nd->ntb.pdev = pdev;
	nd->ntb.ops = &ntbe_ops;
	spin_lock_init(&nd->db_lock);
	tasklet_setup(&nd->db_tasklet, ntbe_db_tasklet);
	hrtimer_init(&nd->poll_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	nd->poll_timer.function = ntbe_poll_timer;
	hrtimer_init(&nd->delay_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	nd->delay_timer.function = ntbe_delay_timer;
	INIT_DELAYED_WORK(&nd->link_work, ntbe_link_work);

	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	rc = pcim_iomap_regions(pdev, BIT(0), DRV_NAME);
	if (rc)
		return rc;
	nd->regs = pcim_iomap_table(pdev)[0];
	nd->doorbell_dev = pdev->msix_cap != 0;
	rc = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (rc)
		return rc;
	rc = ntbe_setup_shm(nd);
	if (rc)
		return rc;
	pci_set_master(pdev);
	pci_set_drvdata(pdev, nd);
	rc = ntbe_setup_port(nd);
	if (rc)
		goto err_drvdata;
	rc = ntbe_setup_irq(nd);
	if (rc)
		goto err_release;
	/* the peer may ring us by interrupt from now on */
	if (nd->irq) {
		nd->flags |= NTBE_F_IVPOS_VALID;
		ntbe_publish_flags(nd);
	}
	set_dma_ops(&pdev->dev, &ntbe_dma_ops);
	ntbe_debugfs_init(nd);
	queue_delayed_work(system_wq, &nd->link_work, 0);

	rc = ntb_register_device(&nd->ntb);
	if (rc)
		goto err_port;
	dev_info(&pdev->dev, "emulated NTB port %d: %s, window %pa bytes, %d scratchpads, %d doorbell bits\n",
		 nd->port, nd->irq ? "MSI-X doorbells" : "polled doorbells",
		 &nd->win_size, NTBE_SPAD_COUNT, NTBE_DB_BITS);
	return 0;

err_port:
	cancel_delayed_work_sync(&nd->link_work);
	debugfs_remove_recursive(nd->dbgfs);
	set_dma_ops(&pdev->dev, NULL);
	ntbe_teardown_irq(nd);
err_release:
	port_wr32(&nd->self->flags, 0);
	port_wr32(&nd->self->magic, 0);
err_drvdata:
	pci_set_drvdata(pdev, NULL);
	return rc;
}

static void ntbe_remove(struct pci_dev *pdev)
{
	struct ntbe_dev *nd = pci_get_drvdata(pdev);

	/* Tell the peer first: its link goes down on its next poll. */
	port_wr32(&nd->self->flags, 0);
	port_wr32(&nd->self->magic, 0);
	ntb_unregister_device(&nd->ntb);
	cancel_delayed_work_sync(&nd->link_work);
	debugfs_remove_recursive(nd->dbgfs);
	ntbe_teardown_irq(nd);
	set_dma_ops(&pdev->dev, NULL);
	pci_set_drvdata(pdev, NULL);
	dev_info(&pdev->dev, "emulated NTB port %d removed\n", nd->port);
}

static const struct pci_device_id ntbe_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },
	{ }
};
MODULE_DEVICE_TABLE(pci, ntbe_pci_ids);

static struct pci_driver ntbe_driver = {
	.name		= DRV_NAME,
	.id_table	= ntbe_pci_ids,
	.probe		= ntbe_probe,
	.remove		= ntbe_remove,
};

static int __init ntbe_init(void)
{
	int rc;

	if (!link_poll_ms || !poll_us || peer_timeout_ms < 2 * link_poll_ms ||
	    mw_count < 1 || mw_count > 2) {
		pr_err(DRV_NAME ": need link_poll_ms > 0, poll_us > 0, peer_timeout_ms >= 2 * link_poll_ms, mw_count 1 or 2\n");
		return -EINVAL;
	}
	if (debugfs_initialized())
		ntbe_dbgfs_root = debugfs_create_dir(DRV_NAME, NULL);
	rc = pci_register_driver(&ntbe_driver);
	if (rc)
		debugfs_remove_recursive(ntbe_dbgfs_root);
	return rc;
}
module_init(ntbe_init);

static void __exit ntbe_exit(void)
{
	pci_unregister_driver(&ntbe_driver);
	debugfs_remove_recursive(ntbe_dbgfs_root);
}
module_exit(ntbe_exit);

MODULE_DESCRIPTION("NTB hardware emulated over QEMU ivshmem");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("ntbnet developers");
