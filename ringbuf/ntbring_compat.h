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
 * Vocabulary used by the core:
 *   ntbr_read32(p)         load a word the peer posts into local memory
 *                          (READ_ONCE; acquire in userspace so that
 *                          ThreadSanitizer sees the pairing)
 *   ntbr_write32(v, p)     store a word into peer memory (iowrite32;
 *                          release in userspace)
 *   ntbr_flush32(p)        read back a word of peer memory so that all
 *                          our earlier posted writes have landed
 *   ntbr_copy_to_peer()    bulk copy into peer memory (memcpy_toio)
 *   ntbr_wmb/rmb/mb()      write, read and full barriers
 */
#ifndef NTBRING_COMPAT_H
#define NTBRING_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/io.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

#define NTBR_IOMEM __iomem

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
	return ioread32(p);
}

static inline void ntbr_copy_to_peer(void __iomem *dst, const void *src,
				     size_t n)
{
	memcpy_toio(dst, src, n);
}

/*
 * The local area is coherent DMA memory written by the NTB, so the read
 * side only needs dma_rmb(). The peer area is an ioremap_wc() window:
 * write-combined stores may be reordered and are only pushed out by a
 * real fence, hence wmb()/mb() rather than their smp_ forms.
 */
#define ntbr_wmb()	wmb()
#define ntbr_rmb()	dma_rmb()
#define ntbr_mb()	mb()

#else /* !__KERNEL__ */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
/* Wire types: plain integers here, sparse checks them in the kernel. */
typedef uint16_t __le16;
typedef uint32_t __le32;

#ifndef static_assert
#define static_assert(expr, msg) _Static_assert(expr, msg)
#endif

#define NTBR_IOMEM

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

static inline void ntbr_write32(u32 v, __le32 *p)
{
	__atomic_store_n(p, ntbr_cpu_to_le32(v), __ATOMIC_RELEASE);
}

static inline u32 ntbr_flush32(const __le32 *p)
{
	return ntbr_le32_to_cpu(__atomic_load_n(p, __ATOMIC_SEQ_CST));
}

static inline void ntbr_copy_to_peer(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

#if defined(__SANITIZE_THREAD__)
/* TSan rejects standalone fences; the atomics above carry the ordering. */
#define ntbr_wmb()	__asm__ __volatile__("" ::: "memory")
#define ntbr_rmb()	__asm__ __volatile__("" ::: "memory")
static int ntbr_tsan_fence_word __attribute__((unused));
#define ntbr_mb()	__atomic_fetch_add(&ntbr_tsan_fence_word, 0, \
					   __ATOMIC_SEQ_CST)
#else
#define ntbr_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define ntbr_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define ntbr_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#endif /* __KERNEL__ */

#endif /* NTBRING_COMPAT_H */
