/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntbring_compat.h - the one seam between the ring core and its host.
 *
 * ntbring.c is built twice: into ntbnet.ko and into userspace tests,
 * fuzzers and benchmarks. Everything that differs between the two worlds
 * is here: integer and endian types, the accessors for memory the peer
 * writes (local) and memory we write in the peer (remote, behind a
 * memory window), and the barriers between them.
 *
 * Remote memory is marked __iomem (empty in userspace) so that sparse
 * checks that it is only touched through the accessors below.
 *
 * Vocabulary used by the core:
 *   ntbr_read32(p)         load a word the peer posts into local memory
 *                          (READ_ONCE; acquire in userspace so that
 *                          ThreadSanitizer sees the pairing)
 *   ntbr_write32(v, p)     store a word into peer memory (iowrite32;
 *                          release in userspace)
 *   ntbr_flush32(p)        read back a word of peer memory so that all
 *                          our earlier posted writes have landed
 *   ntbr_copy_to_peer()    bulk copy into peer memory (64-bit stores)
 *   ntbr_wmb/rmb/mb()      write, read and full barriers
 */
#ifndef NTBRING_COMPAT_H
#define NTBRING_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/io.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

/* get_unaligned(); kernel version differences live there */
#include "../compat/ntbnet_kcompat.h"

#define ntbr_le16_to_cpu(x)	le16_to_cpu(x)
#define ntbr_le32_to_cpu(x)	le32_to_cpu(x)
#define ntbr_cpu_to_le16(x)	cpu_to_le16(x)
#define ntbr_cpu_to_le32(x)	cpu_to_le32(x)

static inline u32 ntbr_read32(const __le32 *p)
{
	return le32_to_cpu(READ_ONCE(*p));
}

/* Local words we own (resetting our receive lines at attach). */
static inline void ntbr_write_local32(u32 v, __le32 *p)
{
	WRITE_ONCE(*p, cpu_to_le32(v));
}

static inline void ntbr_write32(u32 v, __le32 __iomem *p)
{
	iowrite32(v, p);
}

static inline u32 ntbr_flush32(const __le32 __iomem *p)
{
	/*
	 * The window is mapped write-combining: a read does not drain the
	 * WC buffers on x86, and on arm64 a Normal-NC load may be satisfied
	 * from our own store buffer. The fence makes every earlier store
	 * leave the CPU first, so the read-back proves they reached the
	 * bridge (PCIe: a read cannot pass posted writes).
	 */
	wmb();
	return ioread32(p);
}

/*
 * x86's memcpy_toio() stores 32 bits at a time (rep movsl). Frames are
 * the bulk of what crosses the window, so copies of a cache line or more
 * align the destination and then store 64 bits at a time: half the
 * stores, and half the PCIe writes where the window is not combined.
 * The source may be unaligned (skb data after the Ethernet header).
 */
static inline void ntbr_copy_to_peer(void __iomem *dst, const void *src,
				     size_t n)
{
#ifdef CONFIG_64BIT
	size_t lead = -(unsigned long)dst & 7;

	if (n >= lead + 64) {
		memcpy_toio(dst, src, lead);
		dst += lead;
		src += lead;
		n -= lead;
		for (; n >= 8; n -= 8, dst += 8, src += 8)
			__raw_writeq(get_unaligned((const u64 *)src), dst);
	}
#endif
	memcpy_toio(dst, src, n);
}

/*
 * The local area is coherent DMA memory written by the NTB, so the read
 * side only needs dma_rmb(). The peer area is an ioremap_wc() window:
 * write-combined stores may be reordered and are only pushed out by a
 * real fence, hence wmb()/mb() rather than their smp_ forms.
 */
/* Orders record stores before the index store that publishes them. */
#define ntbr_wmb()	wmb()
/* Orders the index load before the loads of what it covers. */
#define ntbr_rmb()	dma_rmb()
/* Orders a posted index store before a load of the peer's flag. */
#define ntbr_mb()	mb()

#else /* !__KERNEL__ */

#include <assert.h>	/* static_assert only */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>

typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT32_TYPE__ s32;
/* Wire types: plain integers here, sparse checks them in the kernel. */
typedef __UINT16_TYPE__ __le16;
typedef __UINT32_TYPE__ __le32;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* One flat address space: the window is ordinary shared memory. */
#define __iomem

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ntbr_le16_to_cpu(x)	((u16)(x))
#define ntbr_le32_to_cpu(x)	((u32)(x))
#else
#define ntbr_le16_to_cpu(x)	__builtin_bswap16(x)
#define ntbr_le32_to_cpu(x)	__builtin_bswap32(x)
#endif
#define ntbr_cpu_to_le16(x)	ntbr_le16_to_cpu(x)
#define ntbr_cpu_to_le32(x)	ntbr_le32_to_cpu(x)

/*
 * Shared memory between two threads or processes stands in for the
 * window. Acquire/release on the index words is free on x86 and lets
 * ThreadSanitizer (which does not model standalone fences) see the
 * happens-before edges that the explicit barriers provide for real.
 */
static inline u32 ntbr_read32(const __le32 *p)
{
	return ntbr_le32_to_cpu(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline void ntbr_write_local32(u32 v, __le32 *p)
{
	__atomic_store_n(p, ntbr_cpu_to_le32(v), __ATOMIC_RELEASE);
}

static inline void ntbr_write32(u32 v, __le32 __iomem *p)
{
	__atomic_store_n(p, ntbr_cpu_to_le32(v), __ATOMIC_RELEASE);
}

static inline u32 ntbr_flush32(const __le32 __iomem *p)
{
	return ntbr_le32_to_cpu(__atomic_load_n(p, __ATOMIC_SEQ_CST));
}

static inline void ntbr_copy_to_peer(void __iomem *dst, const void *src,
				     size_t n)
{
	memcpy(dst, src, n);
}

#if defined(__SANITIZE_THREAD__)
/*
 * TSan rejects standalone fences; the acquire/release accessors above
 * carry the ordering it checks, and it does not reorder stores anyway.
 */
static inline void ntbr_wmb(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static inline void ntbr_rmb(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static inline void ntbr_mb(void)
{
	static int word;

	__atomic_fetch_add(&word, 0, __ATOMIC_SEQ_CST);
}
#else
/* Same roles as the kernel's wmb()/dma_rmb()/mb() above. */
static inline void ntbr_wmb(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Acquire: index load before the record loads it covers. */
static inline void ntbr_rmb(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

/* Full: store of our word before the load of the peer's word. */
static inline void ntbr_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#endif

#endif /* __KERNEL__ */

#endif /* NTBRING_COMPAT_H */
