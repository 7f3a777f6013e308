/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntbe.h - internals of ntb_hw_ivshmem, the NTB emulated over ivshmem.
 *
 * One file per concern, each listed here with its API:
 *   ntbe_main.c      module parameters, probe/remove, interrupts and their
 *                    delivery, the link, debugfs
 *   ntbe_ops.c       the NTB operations (doorbells, scratchpads, message
 *                    registers, memory windows, ports) and the ops table of
 *                    each profile: only the operations the real driver has
 *   ntbe_profiles.c  the hardware profiles, each figure with the line of
 *                    the Linux driver it comes from
 *   ntbe_mem.c       the DMA ops of the ivshmem device: the coherent
 *                    allocator that hands out the inbound windows, their
 *                    DMA addresses, poisoning
 * The shared-memory layout both ports see is in ntb_hw_ivshmem.h;
 * docs/emulator.md explains the model.
 */
#ifndef NTBE_H
#define NTBE_H

#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/ntb.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "ntb_hw_ivshmem.h"

#define DRV_NAME	"ntb_hw_ivshmem"

/* ---- strict semantics (module parameter strict) ------------------------- */

/* doorbell and message callbacks only from hard IRQ context */
#define NTBE_STRICT_HARDIRQ	BIT(0)
/* a freed inbound buffer is overwritten with NTBE_POISON */
#define NTBE_STRICT_POISON	BIT(1)
/* so is a buffer whose translation is cleared (ntb_mw_clear_trans) */
#define NTBE_STRICT_POISON_CLEAR BIT(2)
/* coherent DMA addresses are not physical addresses, new per allocation */
#define NTBE_STRICT_IOVA	BIT(3)
/* after a surprise link down, peer register reads return all-ones and
 * writes to them are dropped, as across a dead PCIe link
 */
#define NTBE_STRICT_DEAD	BIT(4)
#define NTBE_STRICT_ALL		GENMASK(4, 0)

#define NTBE_POISON		0xa5

/* ---- hardware profiles (ntbe_profiles.c) -------------------------------- */

enum ntbe_hw {
	NTBE_HW_DEFAULT,
	NTBE_HW_INTEL_B2B,
	NTBE_HW_INTEL_PRI_SEC,
	NTBE_HW_AMD,
	NTBE_HW_SWITCHTEC,
	NTBE_HW_IDT,
	NTBE_HW_EPF,
	NTBE_HW_COUNT,
};

/* Which doorbell bits raise which vector. */
enum ntbe_vec_map {
	NTBE_VEC_ONE,		/* every bit raises vector 0 */
	NTBE_VEC_SHIFT,		/* vec_shift bits per vector (Intel) */
	NTBE_VEC_BIT,		/* bit b raises vector b (AMD, EPF) */
};

/* ntbe_profile.flags */
#define NTBE_PF_ALIAS_MW	BIT(0)	/* windows alias one region (default) */
#define NTBE_PF_PEER_DB_EINVAL	BIT(1)	/* peer_db_set of invalid bits fails */
#define NTBE_PF_DB_CLEAR_EINVAL	BIT(2)	/* db_clear of invalid bits fails */
#define NTBE_PF_DB_NOMASK	BIT(3)	/* masks do nothing (EPF) */
#define NTBE_PF_DB_LOWEST	BIT(4)	/* peer_db_set rings the lowest bit only */
#define NTBE_PF_OUTBOUND	BIT(5)	/* translation set by the writer (IDT) */
#define NTBE_PF_ALIGN_TO_SIZE	BIT(6)	/* Switchtec: mw_set_trans wants the
					 * address aligned to the largest
					 * power of two <= size, size >= 4 KiB
					 */
#define NTBE_PF_UNSAFE		BIT(7)	/* Intel: db/spad_is_unsafe say yes */

/**
 * struct ntbe_profile - what one NTB chip offers its clients
 * @name:	profile=NAME
 * @chip:	the hardware and Linux driver it reproduces
 * @ops:	the operations that driver's ops table has, no more
 * @topo:	ntb->topo of port 0 and of port 1
 * @port_number: switch port numbers of port 0 and 1 (IDT: ops.port_number)
 * @spad_count:	scratchpads per side
 * @msg_count:	message registers
 * @msg_inbits:	message status bits of inbound registers
 * @msg_outbits: message status bits of outbound registers (failed writes)
 * @db_valid:	db_valid_mask
 * @db_link:	the driver's link doorbell bit, outside @db_valid (0: none)
 * @db_hw:	bits the doorbell register carries (0: @db_valid)
 * @db_unload:	AMD: the bit outside @db_valid that says "the peer's driver
 *		unloads": rung at remove, consumed by the receiver with a
 *		link event (0: none)
 * @db_vectors:	db_vector_count
 * @vec_last:	highest vector db_vector_mask() answers for
 * @ev_vectors:	vectors the driver calls ntb_db_event() with
 * @vec_map:	which bits raise which vector
 * @vec_shift:	with NTBE_VEC_SHIFT, bits per vector
 * @mw_count:	memory windows
 * @mw_size:	size cap of a window (0: the largest power of two that
 *		fits the emulator's slice, as BARs are powers of two)
 * @addr_align:	translation address alignment (0: the window size)
 * @size_align:	translation size alignment
 * @flags:	NTBE_PF_*
 */
struct ntbe_profile {
	const char *name;
	const char *chip;
	const struct ntb_dev_ops *ops;
	enum ntb_topo topo[NTBE_PORTS];
	int port_number[NTBE_PORTS];
	unsigned int spad_count;
	unsigned int msg_count;
	u64 msg_inbits;
	u64 msg_outbits;
	u64 db_valid;
	u64 db_link;
	u64 db_hw;
	u64 db_unload;
	unsigned int db_vectors;
	unsigned int vec_last;
	unsigned int ev_vectors;
	enum ntbe_vec_map vec_map;
	unsigned int vec_shift;
	unsigned int mw_count;
	resource_size_t mw_size;
	resource_size_t addr_align;
	resource_size_t size_align;
	unsigned long flags;
};

extern const struct ntbe_profile ntbe_profiles[NTBE_HW_COUNT];

const struct ntbe_profile *ntbe_profile_find(const char *name);

/* ---- one port ----------------------------------------------------------- */

#define NTBE_VEC_MAX	16	/* interrupt vectors we listen on, at most */

/**
 * struct ntbe_win - one inbound memory window: a slice of our region
 * @virt:	the slice, mapped
 * @phys:	its physical address
 * @size:	its size
 * @dma:	DMA address handed out with the buffer allocated in it
 * @alloc_size:	size of that buffer (0: not allocated)
 * @poisoned:	poisoned at the last free; checked at the next allocation
 * @xlat_addr:	inbound translation set by mw_set_trans
 * @xlat_size:	its size (0: none)
 */
struct ntbe_win {
	void *virt;
	phys_addr_t phys;
	resource_size_t size;
	dma_addr_t dma;
	size_t alloc_size;
	bool poisoned;
	dma_addr_t xlat_addr;
	resource_size_t xlat_size;
};

/**
 * struct ntbe_outwin - one outbound memory window: the peer's slice
 * @phys:	physical address the client maps and writes
 * @xlat_addr:	outbound translation (NTBE_PF_OUTBOUND profiles)
 * @xlat_size:	its size (0: none)
 */
struct ntbe_outwin {
	phys_addr_t phys;
	dma_addr_t xlat_addr;
	resource_size_t xlat_size;
};

struct ntbe_dev;

/* dev_id of one interrupt vector */
struct ntbe_vec {
	struct ntbe_dev *nd;
	unsigned int idx;
};

struct ntbe_dev {
	struct ntb_dev ntb;
	struct pci_dev *pdev;
	const struct ntbe_profile *prof;
	unsigned int strict;		/* NTBE_STRICT_*, fixed at probe */
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

	/* memory windows (ntbe_mem.c) */
	resource_size_t region_size;	/* W: our inbound region */
	resource_size_t mw_size;	/* size of one window as clients see it */
	unsigned int nslices;		/* slices the region is cut into */
	unsigned int mw_cnt;		/* windows clients see */
	unsigned long win_busy;		/* bit i: a buffer is allocated in win[i] */
	u32 alloc_gen;			/* allocations so far: IOVA generation */
	struct ntbe_win win[NTBE_MW_MAX];
	struct ntbe_outwin out[NTBE_MW_MAX];

	/* interrupts */
	unsigned int nvec;		/* vectors we listen on; 0: polling */
	struct ntbe_vec vecs[NTBE_VEC_MAX];
	struct irq_work deliver_work;	/* deferred delivery, in hard IRQ */
	struct tasklet_struct db_tasklet; /* the same without strict hardirq */
	struct hrtimer poll_timer;
	struct hrtimer delay_timer;
	unsigned long ring_vecs;	/* vectors of the peer still to ring */

	/* doorbells: see struct ntbe_port for the toggle scheme */
	spinlock_t db_lock;		/* db_ack, db_mask, peer_db_set */
	u64 db_ack;
	u64 db_mask;
	u64 peer_db_set;
	unsigned long db_kicked;	/* bit 0: link poll requested */

	/* message registers (profiles with msg_count) */
	spinlock_t msg_lock;		/* the fields below */
	u32 msg_ack[NTBE_MSG_MAX];	/* what we published in self->msg_ack */
	u32 msg_sent[NTBE_MSG_MAX];	/* what we published in peer->msg_set */
	u64 msg_fail;			/* outbound status bits: failed writes */
	u64 msg_mask;

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
	bool peer_dead;			/* surprise link down, until link up */
	bool profile_warned;
	bool removing;			/* remove started: no more link polls */

	/* fault injection (debugfs) */
	struct dentry *dbgfs;
	bool fi_link_down;
	u32 fi_drop_db;
	u32 fi_delay_db_us;

	/* counters (debugfs "info") */
	u64 n_db_rung;
	u64 n_db_dropped;
	u64 n_db_irq;
	u64 n_deferred;
	u64 n_soft_deliveries;		/* events delivered outside hard IRQ */
	u64 n_link_up;
	u64 n_link_down;
	u64 n_corrupt;
	u64 n_msg_sent;
	u64 n_msg_failed;
	u64 n_dead_reads;
	u64 n_dead_writes;
	u64 n_unload_db;
	u64 n_allocs;
	u64 n_alloc_failed;
	u64 n_poisoned;
	u64 n_late_writes;
	u64 n_bad_free;
	u64 n_freed_xlat;
	u64 n_xlat_refused;
	u64 n_xlat_oversize;
};

static inline struct ntbe_dev *ntb_ndev(struct ntb_dev *ntb)
{
	return container_of(ntb, struct ntbe_dev, ntb);
}

static inline bool ntbe_strict(struct ntbe_dev *nd, unsigned int bit)
{
	return nd->strict & bit;
}

static inline u32 port_rd32(__le32 *p)
{
	return le32_to_cpu(READ_ONCE(*p));
}

static inline void port_wr32(__le32 *p, u32 v)
{
	WRITE_ONCE(*p, cpu_to_le32(v));
}

static inline u64 port_rd64(__le64 *p)
{
	return le64_to_cpu(READ_ONCE(*p));
}

static inline void port_wr64(__le64 *p, u64 v)
{
	WRITE_ONCE(*p, cpu_to_le64(v));
}

/* ---- ntbe_main.c: delivery and the link, used by the operations --------- */

void ntbe_defer_delivery(struct ntbe_dev *nd);
void ntbe_ring_vectors(struct ntbe_dev *nd, unsigned long vecs);
u64 ntbe_link_is_up(struct ntb_dev *ntb, enum ntb_speed *speed,
		    enum ntb_width *width);
int ntbe_link_enable(struct ntb_dev *ntb, enum ntb_speed max_speed,
		     enum ntb_width max_width);
int ntbe_link_disable(struct ntb_dev *ntb);

/* ---- ntbe_ops.c --------------------------------------------------------- */

extern const struct ntb_dev_ops ntbe_ops_default;
extern const struct ntb_dev_ops ntbe_ops_intel;
extern const struct ntb_dev_ops ntbe_ops_amd;
extern const struct ntb_dev_ops ntbe_ops_switchtec;
extern const struct ntb_dev_ops ntbe_ops_idt;
extern const struct ntb_dev_ops ntbe_ops_epf;

u64 ntbe_db_hw(const struct ntbe_profile *prof);
u64 ntbe_db_pending(struct ntbe_dev *nd);
u64 ntbe_ev_mask(const struct ntbe_profile *prof, unsigned int ev);
void ntbe_db_ack(struct ntbe_dev *nd, u64 bits);
int ntbe_ring_peer_bits(struct ntbe_dev *nd, u64 bits);
u64 ntbe_msg_status(struct ntbe_dev *nd);
void ntbe_msg_init(struct ntbe_dev *nd);

/* ---- ntbe_mem.c --------------------------------------------------------- */

extern const struct dma_map_ops ntbe_dma_ops;

void ntbe_mem_init(struct ntbe_dev *nd);
unsigned int ntbe_slice_of(struct ntbe_dev *nd, int widx);
resource_size_t ntbe_addr_align(struct ntbe_dev *nd);
void ntbe_poison(struct ntbe_dev *nd, struct ntbe_win *w, size_t len);

#endif /* NTBE_H */
