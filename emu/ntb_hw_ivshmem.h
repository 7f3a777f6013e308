/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Emulated NTB hardware over QEMU's ivshmem device: register and
 * shared-memory layout. docs/emulator.md explains the model.
 *
 * One shared memory object (BAR2 of every ivshmem device of the lab) holds
 * the "hardware" of both NTB ports: a control page per port (scratchpads,
 * doorbell words, link status) and one inbound memory window per port.
 *
 *   0x00000  global page: magic, layout version, window geometry
 *   0x01000  port 0 control page   (struct ntbe_port)
 *   0x02000  port 1 control page
 *   0x10000  port 0 inbound window (port 1 writes here)
 *   0x10000 + W  port 1 inbound window (port 0 writes here)
 *
 * W = ((shm size - 0x10000) / 2) rounded down to 64 KiB.
 *
 * With a hardware profile of more than one memory window (ntbe.h), each
 * port's inbound region is cut into that many equal slices, one per window.
 *
 * Every field has one writer, so no cross-VM read-modify-write is needed
 * (QEMU TCG with one vCPU does not make LOCK-prefixed instructions atomic
 * against another QEMU process). All fields are little-endian.
 */
#ifndef NTB_HW_IVSHMEM_H
#define NTB_HW_IVSHMEM_H

#include <linux/types.h>
#include <linux/build_bug.h>

/* ivshmem BAR0 registers (QEMU docs/specs/ivshmem-spec) */
#define IVSHMEM_REG_INTRMASK	0x00
#define IVSHMEM_REG_INTRSTATUS	0x04
#define IVSHMEM_REG_IVPOSITION	0x08
#define IVSHMEM_REG_DOORBELL	0x0c	/* (peer id << 16) | vector */

#define NTBE_GLOBAL_MAGIC	0x4e544245	/* "NTBE" */
#define NTBE_PORT_MAGIC		0x4e544250	/* "NTBP": a driver owns it */
#define NTBE_LAYOUT_VERSION	2

#define NTBE_PORTS		2
#define NTBE_SPAD_MAX		128	/* the most any profile offers */
#define NTBE_MSG_MAX		4
#define NTBE_MW_MAX		4
#define NTBE_CTRL_OFF		0x1000
#define NTBE_CTRL_SIZE		0x1000
#define NTBE_WIN_OFF		0x10000
#define NTBE_WIN_ALIGN		0x10000
#define NTBE_MIN_SHM		(NTBE_WIN_OFF + 2 * NTBE_WIN_ALIGN)

/* ntbe_port.flags */
#define NTBE_F_PRESENT		BIT(0)	/* a driver is bound to the port */
#define NTBE_F_LINK_EN		BIT(1)	/* a client called ntb_link_enable */
#define NTBE_F_IVPOS_VALID	BIT(2)	/* ivpos can receive doorbells */
#define NTBE_F_FORCED_DOWN	BIT(3)	/* fault injection: link held down */
#define NTBE_F_LINK_UP		BIT(4)	/* owner reports link up, see up_with */

/**
 * struct ntbe_global - first page of the shared memory
 * @magic:	NTBE_GLOBAL_MAGIC once initialised (either port may write it,
 *		both write the same values)
 * @version:	NTBE_LAYOUT_VERSION; a driver refuses other versions
 * @win_size:	W, the size of each inbound window in bytes
 */
struct ntbe_global {
	__le32 magic;
	__le32 version;
	__le64 win_size;
};

/**
 * struct ntbe_port - control page of one port, "hardware registers"
 * @magic:	NTBE_PORT_MAGIC while a driver owns the port, 0 after it
 *		released it cleanly. Written by the owner.
 * @boot_id:	random per probe; the peer sees a restart when it changes.
 *		Written by the owner.
 * @heartbeat:	incremented by the owner every link poll; a peer whose
 *		heartbeat stops is dead. Written by the owner.
 * @flags:	NTBE_F_*. Written by the owner.
 * @ivpos:	the owner's ivshmem-doorbell peer id, target of doorbell
 *		interrupts. Written by the owner.
 * @up_with:	with NTBE_F_LINK_UP: the boot_id of the peer the owner
 *		reports the link up with. A port that finds itself named
 *		there knows the owner is alive without waiting for a
 *		heartbeat to move, so both ends come up within one poll.
 *		Written by the owner.
 * @claim:	plain-ivshmem only: nonce of the probe claiming the port
 *		(Fischer's timed mutual exclusion). Written by claimers.
 * @profile:	the hardware profile the owner emulates (enum ntbe_hw); the
 *		link comes up only between ports of the same profile.
 *		Written by the owner.
 * @nvec:	interrupt vectors the owner listens on; the peer folds the
 *		profile's doorbell vectors onto them. Written by the owner.
 * @db_set:	doorbell bits rung by the PEER, as toggles: a bit is pending
 *		while db_set and db_ack differ. Written by the peer only.
 * @db_ack:	doorbell bits acknowledged (cleared) by the owner. Written by
 *		the owner only.
 * @spad:	the owner's scratchpads: written by the owner (spad_write)
 *		and by the peer (peer_spad_write), plain 32-bit stores as on
 *		real hardware. A profile uses the first spad_count of them.
 * @msg_data:	inbound message registers: data written by the PEER.
 * @msg_set:	per message register, a counter the PEER increments after
 *		writing msg_data: the register is full while it differs from
 *		msg_ack. Written by the peer only.
 * @msg_ack:	per message register, msg_set copied by the owner when it
 *		clears the register's status bit (frees it). Written by the
 *		owner only.
 * @in_xlat:	per memory window, the DMA address and size of the buffer
 *		the owner allocated for it (0 when none): a profile with
 *		outbound translation (IDT) accepts ntb_peer_mw_set_trans()
 *		only for exactly this address. Written by the owner.
 */
struct ntbe_port {
	__le32 magic;
	__le32 boot_id;
	__le32 heartbeat;
	__le32 flags;
	__le32 ivpos;
	__le32 up_with;
	__le64 claim;
	__le32 profile;
	__le32 nvec;
	u8 pad0[64 - 40];
	__le64 db_set;
	u8 pad1[64 - 8];
	__le64 db_ack;
	u8 pad2[64 - 8];
	__le32 spad[NTBE_SPAD_MAX];
	__le32 msg_data[NTBE_MSG_MAX];
	__le32 msg_set[NTBE_MSG_MAX];
	u8 pad3[64 - 32];
	__le32 msg_ack[NTBE_MSG_MAX];
	u8 pad4[64 - 16];
	struct {
		__le64 addr;
		__le64 size;
	} in_xlat[NTBE_MW_MAX];
};

static_assert(sizeof(struct ntbe_global) == 16);
static_assert(offsetof(struct ntbe_port, profile) == 32);
static_assert(offsetof(struct ntbe_port, db_set) == 64);
static_assert(offsetof(struct ntbe_port, db_ack) == 128);
static_assert(offsetof(struct ntbe_port, spad) == 192);
static_assert(offsetof(struct ntbe_port, msg_data) == 704);
static_assert(offsetof(struct ntbe_port, msg_ack) == 768);
static_assert(offsetof(struct ntbe_port, in_xlat) == 832);
static_assert(sizeof(struct ntbe_port) <= NTBE_CTRL_SIZE);

#endif /* NTB_HW_IVSHMEM_H */
