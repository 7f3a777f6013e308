// SPDX-License-Identifier: GPL-2.0
/*
 * ntb_hw_ivshmem - NTB hardware emulated over QEMU's ivshmem PCI device.
 *
 * Two ivshmem devices that share one memory object (two VMs, or two devices
 * in one VM) become the two ports of a non-transparent bridge: scratchpads,
 * message registers, doorbells, link state and the inbound memory windows
 * live in the shared memory (layout in ntb_hw_ivshmem.h, model in
 * docs/emulator.md). Doorbells are real MSI-X interrupts through
 * ivshmem-doorbell; with ivshmem-plain a timer polls instead.
 *
 * profile=NAME makes the port look like one real NTB chip (ntbe_profiles.c);
 * strict (on by default) makes it as unforgiving as hardware where the
 * emulator could be kinder: hard-IRQ callbacks, DMA addresses that are not
 * physical, poisoned freed buffers, dead registers after a surprise link
 * loss.
 *
 * This file: module parameters, probe and remove, interrupts and the
 * delivery of doorbell and message events, the link, debugfs.
 */
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "ntbe.h"

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
		 "Memory windows per port with profile=default, 1 or 2; with 2 both alias the one inbound region (ntb_perf picks its window by port index) (default 1)");

static bool use_msix = true;
module_param(use_msix, bool, 0444);
MODULE_PARM_DESC(use_msix,
		 "Raise doorbells as MSI-X interrupts when the device can (default Y)");

static char *profile = "default";
module_param(profile, charp, 0444);
MODULE_PARM_DESC(profile,
		 "Hardware to look like: default, intel-b2b, intel-pri-sec, amd, switchtec, idt, epf (default: default, the generous emulator)");

static unsigned int strict = NTBE_STRICT_ALL;

/* Y or N: every strict item or none; a number: the NTBE_STRICT_* bits. */
static int ntbe_strict_set(const char *val, const struct kernel_param *kp)
{
	unsigned int bits;
	bool on;

	if (!val) {
		bits = NTBE_STRICT_ALL;
	} else if (!isdigit(*val)) {
		if (kstrtobool(val, &on))
			return -EINVAL;
		bits = on ? NTBE_STRICT_ALL : 0;
	} else if (kstrtouint(val, 0, &bits) || (bits & ~NTBE_STRICT_ALL)) {
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = bits;
	return 0;
}

static const struct kernel_param_ops ntbe_strict_ops = {
	.set	= ntbe_strict_set,
	.get	= param_get_hexint,
};
module_param_cb(strict, &ntbe_strict_ops, &strict, 0444);
MODULE_PARM_DESC(strict,
		 "Y, N or a bitmask: 0x1 doorbell/message callbacks in hard IRQ only, 0x2 poison freed inbound buffers, 0x4 poison on mw_clear_trans, 0x8 coherent DMA addresses not physical, 0x10 all-ones peer reads and dropped peer writes after a surprise link down (default Y = 0x1f)");

static const struct ntbe_profile *ntbe_prof;
static struct dentry *ntbe_dbgfs_root;

static u32 ntbe_prof_id(struct ntbe_dev *nd)
{
	return nd->prof - ntbe_profiles;
}

static ktime_t ntbe_us(u32 us)
{
	return ns_to_ktime((u64)us * NSEC_PER_USEC);
}

/* ---- delivery of doorbell and message events ---------------------------- */

static void ntbe_kick_link(struct ntbe_dev *nd)
{
	/* once per link poll, not once per interrupt; never during remove */
	if (!READ_ONCE(nd->removing) && !test_and_set_bit(0, &nd->db_kicked))
		mod_delayed_work(system_wq, &nd->link_work, 0);
}

/*
 * Call the client for what is pending: ntb_db_event() once per vector
 * with unmasked pending bits, ntb_msg_event() for unmasked message status.
 * @vec is the interrupt vector that fired; @all delivers every vector
 * (deferred delivery, polling).
 */
static void ntbe_deliver(struct ntbe_dev *nd, unsigned int vec, bool all)
{
	const struct ntbe_profile *prof = nd->prof;
	unsigned int nvec = max(nd->nvec, 1U), ev;
	unsigned long fl;
	u64 pending, msgs = 0;

	spin_lock_irqsave(&nd->db_lock, fl);
	pending = ntbe_db_pending(nd);
	spin_unlock_irqrestore(&nd->db_lock, fl);
	if (prof->msg_count && (all || vec == 0))
		msgs = ntbe_msg_status(nd) & ~READ_ONCE(nd->msg_mask);

	/* AMD's driver consumes its unload bit itself, link state or not */
	if (pending & prof->db_unload) {
		if (!in_hardirq())
			nd->n_soft_deliveries++;
		ntbe_db_ack(nd, prof->db_unload);
		nd->n_unload_db++;
		ntb_link_event(&nd->ntb);
		ntbe_kick_link(nd);
		ntb_db_event(&nd->ntb, __ffs64(prof->db_unload));
	}
	pending &= prof->db_valid & ~READ_ONCE(nd->db_mask);
	if (!pending && !msgs)
		return;
	/*
	 * A doorbell can overtake our link poll (the peer saw the link
	 * first): evaluate the link now and deliver once clients see it up,
	 * as clients drop commands that arrive while their link is down.
	 */
	if (!READ_ONCE(nd->link_up)) {
		ntbe_kick_link(nd);
		return;
	}
	/* what strict mode rules out; tests check it stays 0 */
	if (!in_hardirq())
		nd->n_soft_deliveries++;
	for (ev = 0; ev < prof->ev_vectors; ev++)
		if ((all || ev % nvec == vec) &&
		    (pending & ntbe_ev_mask(prof, ev)))
			ntb_db_event(&nd->ntb, ev);
	if (msgs)
		ntb_msg_event(&nd->ntb);
}

static void ntbe_deliver_irq_work(struct irq_work *work)
{
	ntbe_deliver(container_of(work, struct ntbe_dev, deliver_work), 0,
		     true);
}

static void ntbe_db_tasklet(struct tasklet_struct *t)
{
	struct ntbe_dev *nd = from_tasklet(nd, t, db_tasklet);

	ntbe_deliver(nd, 0, true);
}

/**
 * ntbe_defer_delivery() - deliver pending events soon, not from here.
 * @nd: the port.
 *
 * For events a client's own call made due (unmasking a pending bit, a
 * local doorbell, a failed message write) and for those the link poll
 * held back: real hardware raises an interrupt, so strict mode delivers
 * from an irq_work (hard IRQ context on x86), otherwise from a tasklet.
 */
void ntbe_defer_delivery(struct ntbe_dev *nd)
{
	nd->n_deferred++;
	if (ntbe_strict(nd, NTBE_STRICT_HARDIRQ))
		irq_work_queue(&nd->deliver_work);
	else
		tasklet_schedule(&nd->db_tasklet);
}

static irqreturn_t ntbe_isr(int irq, void *data)
{
	struct ntbe_vec *v = data;

	v->nd->n_db_irq++;
	ntbe_deliver(v->nd, v->idx, false);
	return IRQ_HANDLED;
}

/* hard IRQ context: an hrtimer not in soft mode */
static enum hrtimer_restart ntbe_poll_timer(struct hrtimer *t)
{
	struct ntbe_dev *nd = container_of(t, struct ntbe_dev, poll_timer);

	ntbe_deliver(nd, 0, true);
	hrtimer_forward_now(t, ntbe_us(poll_us));
	return HRTIMER_RESTART;
}

/* Send the interrupts of doorbell bits already written to the peer. */
static void ntbe_ring_now(struct ntbe_dev *nd, unsigned long vecs)
{
	u32 pflags = port_rd32(&nd->peer->flags);
	u32 ivpos = port_rd32(&nd->peer->ivpos);
	unsigned int v;

	if (!nd->regs || !(pflags & NTBE_F_IVPOS_VALID))
		return;		/* the peer polls */
	for_each_set_bit(v, &vecs, NTBE_VEC_MAX) {
		if (nd->fi_drop_db) {
			if (nd->fi_drop_db != U32_MAX)
				nd->fi_drop_db--;
			nd->n_db_dropped++;
			continue;
		}
		nd->n_db_rung++;
		writel((ivpos << 16) | v, nd->regs + IVSHMEM_REG_DOORBELL);
	}
}

static enum hrtimer_restart ntbe_delay_timer(struct hrtimer *t)
{
	struct ntbe_dev *nd = container_of(t, struct ntbe_dev, delay_timer);

	ntbe_ring_now(nd, xchg(&nd->ring_vecs, 0));
	return HRTIMER_NORESTART;
}

/**
 * ntbe_ring_vectors() - interrupt the peer on some of its vectors.
 * @nd: the port.
 * @vecs: the peer's vectors, a bit each.
 */
void ntbe_ring_vectors(struct ntbe_dev *nd, unsigned long vecs)
{
	unsigned long fl;

	if (!nd->fi_delay_db_us) {
		ntbe_ring_now(nd, vecs);
		return;
	}
	spin_lock_irqsave(&nd->db_lock, fl);
	nd->ring_vecs |= vecs;
	spin_unlock_irqrestore(&nd->db_lock, fl);
	hrtimer_start(&nd->delay_timer, ntbe_us(nd->fi_delay_db_us),
		      HRTIMER_MODE_REL);
}

/* ---- link --------------------------------------------------------------- */

u64 ntbe_link_is_up(struct ntb_dev *ntb, enum ntb_speed *speed,
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

int ntbe_link_enable(struct ntb_dev *ntb, enum ntb_speed max_speed,
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

int ntbe_link_disable(struct ntb_dev *ntb)
{
	struct ntbe_dev *nd = ntb_ndev(ntb);

	nd->flags &= ~NTBE_F_LINK_EN;
	ntbe_publish_flags(nd);
	mod_delayed_work(system_wq, &nd->link_work, 0);
	return 0;
}

/* Why the link is down; the first four are surprises. */
enum ntbe_down {
	NTBE_DOWN_NONE,
	NTBE_DOWN_RESTARTED,	/* the peer came back as a new incarnation */
	NTBE_DOWN_GONE,		/* its heartbeat stopped: crashed, powered off */
	NTBE_DOWN_FORCED,	/* fault injection, either side */
	NTBE_DOWN_UNLOADED,	/* its driver released the port cleanly */
	NTBE_DOWN_PROFILE,	/* it emulates another chip */
	NTBE_DOWN_DISABLED,	/* a client disabled the link, either side */
};

static const char * const ntbe_down_names[] = {
	[NTBE_DOWN_NONE]	= "up",
	[NTBE_DOWN_RESTARTED]	= "peer restarted",
	[NTBE_DOWN_GONE]	= "peer gone",
	[NTBE_DOWN_FORCED]	= "forced",
	[NTBE_DOWN_UNLOADED]	= "peer unloaded",
	[NTBE_DOWN_PROFILE]	= "peer runs another profile",
	[NTBE_DOWN_DISABLED]	= "disabled",
};

/* Read the peer's control page; true if it restarted since last time. */
static bool ntbe_track_peer(struct ntbe_dev *nd, u32 *pflags)
{
	u32 pmagic, pboot, phb;
	bool restarted = false;

	pmagic = port_rd32(&nd->peer->magic);
	pboot = port_rd32(&nd->peer->boot_id);
	phb = port_rd32(&nd->peer->heartbeat);
	*pflags = port_rd32(&nd->peer->flags);

	if (pmagic != NTBE_PORT_MAGIC) {
		nd->peer_seen = false;
	} else if (!nd->peer_seen || pboot != nd->peer_boot_id) {
		restarted = nd->peer_seen;
		nd->peer_seen = true;
		nd->peer_boot_id = pboot;
		nd->peer_hb = phb;
		nd->profile_warned = false;
		/* alive once the heartbeat is seen moving, or at once if the
		 * peer reports the link up with this incarnation of us
		 */
		if ((*pflags & NTBE_F_LINK_UP) &&
		    port_rd32(&nd->peer->up_with) == nd->boot_id)
			nd->peer_hb_time = jiffies;
		else
			nd->peer_hb_time = jiffies -
				msecs_to_jiffies(peer_timeout_ms) - 1;
	} else if (phb != nd->peer_hb) {
		nd->peer_hb = phb;
		nd->peer_hb_time = jiffies;
	}
	return restarted;
}

static enum ntbe_down ntbe_link_state(struct ntbe_dev *nd, u32 pflags,
				      bool restarted)
{
	u32 pprof;

	if (restarted)
		return NTBE_DOWN_RESTARTED;
	if (!nd->peer_seen)
		return NTBE_DOWN_UNLOADED;
	if (time_after(jiffies, nd->peer_hb_time +
		       msecs_to_jiffies(peer_timeout_ms)))
		return NTBE_DOWN_GONE;
	if (nd->fi_link_down || (pflags & NTBE_F_FORCED_DOWN))
		return NTBE_DOWN_FORCED;
	pprof = port_rd32(&nd->peer->profile);
	if (pprof != ntbe_prof_id(nd)) {
		if (!nd->profile_warned)
			dev_err(&nd->pdev->dev,
				"the peer port emulates %s, this one %s: link held down\n",
				pprof < NTBE_HW_COUNT ?
				ntbe_profiles[pprof].name : "an unknown chip",
				nd->prof->name);
		nd->profile_warned = true;
		return NTBE_DOWN_PROFILE;
	}
	if (!(nd->flags & NTBE_F_LINK_EN) || !(pflags & NTBE_F_LINK_EN))
		return NTBE_DOWN_DISABLED;
	return NTBE_DOWN_NONE;
}

static void ntbe_link_work(struct work_struct *work)
{
	struct ntbe_dev *nd = container_of(to_delayed_work(work),
					   struct ntbe_dev, link_work);
	enum ntbe_down why;
	bool restarted;
	u32 pflags;

	clear_bit(0, &nd->db_kicked);
	port_wr32(&nd->self->heartbeat, ++nd->heartbeat);
	ntbe_publish_flags(nd);

	restarted = ntbe_track_peer(nd, &pflags);
	why = ntbe_link_state(nd, pflags, restarted);

	if (nd->link_up && why != NTBE_DOWN_NONE) {
		/* across a link that fails under it, the peer's registers no
		 * longer answer; a clean release or disable leaves them be
		 */
		WRITE_ONCE(nd->peer_dead, why <= NTBE_DOWN_FORCED);
		WRITE_ONCE(nd->link_up, false);
		nd->flags &= ~NTBE_F_LINK_UP;
		ntbe_publish_flags(nd);
		nd->n_link_down++;
		dev_info(&nd->pdev->dev, "link down (%s)\n",
			 ntbe_down_names[why]);
		ntb_link_event(&nd->ntb);
	}
	if (!nd->link_up && why == NTBE_DOWN_NONE) {
		port_wr32(&nd->self->up_with, nd->peer_boot_id);
		nd->flags |= NTBE_F_LINK_UP;
		ntbe_publish_flags(nd);
		WRITE_ONCE(nd->peer_dead, false);
		WRITE_ONCE(nd->link_up, true);
		nd->n_link_up++;
		dev_info(&nd->pdev->dev, "link up (port %d, peer id %u, %s)\n",
			 nd->port, port_rd32(&nd->peer->ivpos), nd->prof->name);
		ntb_link_event(&nd->ntb);
		/* doorbells that arrived before the link came up */
		if (ntbe_strict(nd, NTBE_STRICT_HARDIRQ))
			ntbe_defer_delivery(nd);
		else
			ntbe_deliver(nd, 0, true);
	} else if (!nd->nvec && nd->link_up &&
		   !ntbe_strict(nd, NTBE_STRICT_HARDIRQ)) {
		/* Doorbells are polled without interrupts (the poll timer
		 * does it in strict mode).
		 */
		ntbe_deliver(nd, 0, true);
	}

	queue_delayed_work(system_wq, &nd->link_work,
			   msecs_to_jiffies(link_poll_ms));
}

/* ---- state and fault injection in debugfs ------------------------------- */

static void ntbe_info_profile(struct seq_file *s, struct ntbe_dev *nd)
{
	const struct ntb_dev_ops *ops = nd->ntb.ops;
	struct ntb_dev *ntb = &nd->ntb;
	resource_size_t aa, sa, sm;
	phys_addr_t base;
	resource_size_t size;
	int v, w;

	/* what clients see, through the NTB API where it needs no link */
	seq_printf(s, "profile %s\nchip %s\nstrict %#x\n", nd->prof->name,
		   nd->prof->chip, nd->strict);
	seq_printf(s, "topo %s\nport_number %d\npeer_port_count %d\npeer_port_number %d\n",
		   ntb_topo_string(ntb->topo), ntb_port_number(ntb),
		   ntb_peer_port_count(ntb),
		   ntb_peer_port_number(ntb, NTB_DEF_PEER_IDX));
	seq_printf(s, "spad_count %d\nmsg_count %d\nmsg_inbits %#llx\nmsg_outbits %#llx\n",
		   ntb_spad_count(ntb), ntb_msg_count(ntb),
		   ntb_msg_inbits(ntb), ntb_msg_outbits(ntb));
	seq_printf(s, "db_valid_mask %#llx\ndb_link_bit %#llx\ndb_vector_count %d\n",
		   ntb_db_valid_mask(ntb), nd->prof->db_link,
		   ntb_db_vector_count(ntb));
	for (v = 0; v <= nd->prof->vec_last; v++)
		seq_printf(s, "db_vector_mask%d %#llx\n", v,
			   ntb_db_vector_mask(ntb, v));
	seq_printf(s, "db_event_vectors %u\nirq_vectors %u\n",
		   nd->prof->ev_vectors, nd->nvec);
	seq_printf(s, "mw_count %d\npeer_mw_count %d\ntranslation %s\n",
		   ops->mw_count(ntb, NTB_DEF_PEER_IDX), ntb_peer_mw_count(ntb),
		   ops->peer_mw_set_trans ? "outbound" : "inbound");
	for (w = 0; w < nd->mw_cnt; w++) {
		/* the op itself: ntb_mw_get_align() wants the link up */
		ops->mw_get_align(ntb, NTB_DEF_PEER_IDX, w, &aa, &sa, &sm);
		ntb_peer_mw_get_addr(ntb, w, &base, &size);
		seq_printf(s, "mw%d_addr_align %#llx\nmw%d_size_align %#llx\nmw%d_size_max %#llx\npeer_mw%d_size %#llx\n",
			   w, (u64)aa, w, (u64)sa, w, (u64)sm, w, (u64)size);
	}
	seq_printf(s, "ops_mw_set_trans %d\nops_peer_mw_set_trans %d\nops_mw_clear_trans %d\nops_db_set %d\nops_peer_db_read %d\n",
		   !!ops->mw_set_trans, !!ops->peer_mw_set_trans,
		   !!ops->mw_clear_trans, !!ops->db_set, !!ops->peer_db_read);
}

static int ntbe_info_show(struct seq_file *s, void *unused)
{
	struct ntbe_dev *nd = s->private;
	unsigned int i;

	ntbe_info_profile(s, nd);
	seq_printf(s, "port %d\nivposition %u\ndoorbell_device %d\n",
		   nd->port, nd->ivpos, nd->doorbell_dev);
	seq_printf(s, "link_up %d\nlink_enabled %d\nforced_down %d\npeer_dead %d\n",
		   nd->link_up, !!(nd->flags & NTBE_F_LINK_EN),
		   nd->fi_link_down, nd->peer_dead);
	seq_printf(s, "peer_present %d\npeer_boot_id %08x\npeer_flags %x\n",
		   nd->peer_seen, nd->peer_boot_id,
		   port_rd32(&nd->peer->flags));
	seq_printf(s, "region_size %llu\nwin_slices %u\nwin_busy %#lx\n",
		   (u64)nd->region_size, nd->nslices, nd->win_busy);
	for (i = 0; i < nd->nslices; i++)
		seq_printf(s, "win%u alloc %zu dma %#llx xlat %#llx+%llu out_xlat %#llx+%llu\n",
			   i, nd->win[i].alloc_size, (u64)nd->win[i].dma,
			   (u64)nd->win[i].xlat_addr, (u64)nd->win[i].xlat_size,
			   (u64)nd->out[i].xlat_addr,
			   (u64)nd->out[i].xlat_size);
	seq_printf(s, "db_pending %llx\ndb_mask %llx\nmsg_status %llx\nmsg_mask %llx\n",
		   ntbe_db_pending(nd), nd->db_mask, ntbe_msg_status(nd),
		   nd->msg_mask);
	seq_printf(s, "db_rung %llu\ndb_dropped %llu\ndb_irq %llu\ndeferred %llu\nsoft_deliveries %llu\n",
		   nd->n_db_rung, nd->n_db_dropped, nd->n_db_irq,
		   nd->n_deferred, nd->n_soft_deliveries);
	seq_printf(s, "link_up_events %llu\nlink_down_events %llu\ncorruptions %llu\n",
		   nd->n_link_up, nd->n_link_down, nd->n_corrupt);
	seq_printf(s, "msg_sent %llu\nmsg_failed %llu\nunload_doorbells %llu\n",
		   nd->n_msg_sent, nd->n_msg_failed, nd->n_unload_db);
	seq_printf(s, "dead_reads %llu\ndead_writes %llu\n",
		   nd->n_dead_reads, nd->n_dead_writes);
	seq_printf(s, "coherent_allocs %llu\ncoherent_alloc_failed %llu\npoisoned %llu\nlate_writes %llu\nbad_frees %llu\nfreed_translated %llu\nxlat_refused %llu\nxlat_oversize %llu\n",
		   nd->n_allocs, nd->n_alloc_failed, nd->n_poisoned,
		   nd->n_late_writes, nd->n_bad_free, nd->n_freed_xlat,
		   nd->n_xlat_refused, nd->n_xlat_oversize);
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

/* "OFFSET LEN": overwrite LEN bytes of our inbound region at OFFSET with
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
	if (!len || off >= nd->region_size || len > nd->region_size - off)
		return -ERANGE;
	p = (u8 *)nd->win[0].virt + off;
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
	nd->region_size = w;
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
	nd->ntb.topo = nd->prof->topo[port];
	ntbe_mem_init(nd);

	/* Fresh state for this incarnation: nothing pending for us, and our
	 * outgoing toggles continue from what the previous owner published.
	 */
	nd->boot_id = get_random_u32();
	nd->heartbeat = port_rd32(&nd->self->heartbeat);
	nd->db_ack = port_rd64(&nd->self->db_set);
	port_wr64(&nd->self->db_ack, nd->db_ack);
	nd->peer_db_set = port_rd64(&nd->peer->db_set);
	/* all doorbells start masked, except where masks do nothing (EPF) */
	nd->db_mask = (nd->prof->flags & NTBE_PF_DB_NOMASK) ? 0 :
		      nd->prof->db_valid;
	ntbe_msg_init(nd);
	port_wr32(&nd->self->boot_id, nd->boot_id);
	port_wr32(&nd->self->ivpos, nd->ivpos);
	port_wr32(&nd->self->profile, ntbe_prof_id(nd));
	port_wr32(&nd->self->nvec, 1);
	nd->flags = NTBE_F_PRESENT;
	ntbe_publish_flags(nd);
	/* owner fields before the magic that makes them valid; pairs with
	 * the peer reading magic first in ntbe_track_peer()
	 */
	wmb();
	port_wr32(&nd->self->magic, NTBE_PORT_MAGIC);
	return 0;
}

static void ntbe_free_irqs(struct ntbe_dev *nd, unsigned int n)
{
	while (n--)
		free_irq(pci_irq_vector(nd->pdev, n), &nd->vecs[n]);
	pci_free_irq_vectors(nd->pdev);
}

/*
 * One MSI-X vector per vector the profile calls ntb_db_event() with, as
 * many as the device has; the peer folds the rest onto them.
 */
static int ntbe_setup_irq(struct ntbe_dev *nd)
{
	struct pci_dev *pdev = nd->pdev;
	unsigned int want, i;
	int rc;

	if (!nd->doorbell_dev || !use_msix)
		goto poll;
	want = clamp_t(unsigned int, nd->prof->ev_vectors, 1, NTBE_VEC_MAX);
	rc = pci_alloc_irq_vectors(pdev, 1, want, PCI_IRQ_MSIX);
	if (rc < 0) {
		dev_warn(&pdev->dev, "no MSI-X (%d), polling doorbells\n", rc);
		goto poll;
	}
	for (i = 0; i < rc; i++) {
		nd->vecs[i].nd = nd;
		nd->vecs[i].idx = i;
		if (request_irq(pci_irq_vector(pdev, i), ntbe_isr, 0, DRV_NAME,
				&nd->vecs[i])) {
			ntbe_free_irqs(nd, i);
			return -EBUSY;
		}
	}
	nd->nvec = rc;
	if (nd->nvec < want)
		dev_info(&pdev->dev, "%u of the profile's %u vectors: the rest folded onto them\n",
			 nd->nvec, want);
	port_wr32(&nd->self->nvec, nd->nvec);
	return 0;
poll:
	nd->nvec = 0;
	hrtimer_start(&nd->poll_timer, ntbe_us(poll_us), HRTIMER_MODE_REL);
	return 0;
}

static void ntbe_teardown_irq(struct ntbe_dev *nd)
{
	if (nd->nvec) {
		ntbe_free_irqs(nd, nd->nvec);
		nd->nvec = 0;
	}
	hrtimer_cancel(&nd->poll_timer);
	hrtimer_cancel(&nd->delay_timer);
	tasklet_kill(&nd->db_tasklet);
	irq_work_sync(&nd->deliver_work);
}

static int ntbe_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ntbe_dev *nd;
	int rc;

	nd = devm_kzalloc(&pdev->dev, sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	nd->pdev = pdev;
	nd->prof = ntbe_prof;
	nd->strict = strict;
	nd->mw_cnt = (nd->prof->flags & NTBE_PF_ALIAS_MW) ? mw_count :
							    nd->prof->mw_count;
	nd->ntb.pdev = pdev;
	nd->ntb.ops = nd->prof->ops;
	spin_lock_init(&nd->db_lock);
	spin_lock_init(&nd->msg_lock);
	init_irq_work(&nd->deliver_work, ntbe_deliver_irq_work);
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
	if (nd->nvec) {
		nd->flags |= NTBE_F_IVPOS_VALID;
		ntbe_publish_flags(nd);
	}
	set_dma_ops(&pdev->dev, &ntbe_dma_ops);
	ntbe_debugfs_init(nd);
	queue_delayed_work(system_wq, &nd->link_work, 0);

	rc = ntb_register_device(&nd->ntb);
	if (rc)
		goto err_port;
	dev_info(&pdev->dev, "emulated NTB port %d, profile %s (%s), strict %#x: %s, %u window(s) of %pa bytes, %u scratchpads, %u message registers, doorbells %#llx\n",
		 nd->port, nd->prof->name, nd->prof->chip, nd->strict,
		 nd->nvec ? "MSI-X doorbells" : "polled doorbells", nd->mw_cnt,
		 &nd->mw_size, nd->prof->spad_count, nd->prof->msg_count,
		 nd->prof->db_valid);
	return 0;

err_port:
	WRITE_ONCE(nd->removing, true);
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
	/* AMD's driver also rings its unload doorbell at the peer */
	if (nd->prof->db_unload)
		ntbe_ring_peer_bits(nd, nd->prof->db_unload);
	ntb_unregister_device(&nd->ntb);
	/* Nothing may queue the link work once it is cancelled; the link
	 * work may still queue a delivery, which the teardown waits for.
	 */
	WRITE_ONCE(nd->removing, true);
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
	ntbe_prof = ntbe_profile_find(profile);
	if (!ntbe_prof) {
		pr_err(DRV_NAME ": unknown profile '%s': default, intel-b2b, intel-pri-sec, amd, switchtec, idt or epf\n",
		       profile);
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
