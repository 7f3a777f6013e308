/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntbnet_kcompat.h - the kernel API differences between the kernels we
 * build for (Debian 12's 6.1 and its 6.12), in one place.
 *
 * Every other file is written against one API and includes this header
 * instead of testing versions itself. One entry per difference, naming the
 * kernel that changed it; remove an entry when the oldest kernel we
 * support has the new API.
 *
 * Differences that need no shim, for whoever looks for them here:
 *   - no_llseek was removed in 6.12. Our write-only debugfs files leave
 *     .llseek unset, which gives -ESPIPE on every kernel, as no_llseek did.
 */
#ifndef NTBNET_KCOMPAT_H
#define NTBNET_KCOMPAT_H

#include <linux/version.h>

/*
 * 6.12 moved <asm/unaligned.h> to <linux/unaligned.h> (the old name is
 * gone).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * 6.10: __assign_str() takes only the field; the source string comes from
 * the __string() declaration. Tracepoints use ntbnet_assign_str(field, src).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define ntbnet_assign_str(dst, src)	__assign_str(dst)
#else
#define ntbnet_assign_str(dst, src)	__assign_str(dst, src)
#endif

/*
 * 6.11: platform_driver.remove returns void (int before, a value the core
 * ignored). A driver writes a void remove function, follows it with
 * DEFINE_NTBNET_PLATFORM_REMOVE(fn); and sets
 * .remove = NTBNET_PLATFORM_REMOVE(fn). Both forms of the macro end in a
 * declaration, so the use ends in ';' on every kernel.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define DEFINE_NTBNET_PLATFORM_REMOVE(fn)				\
	static void fn(struct platform_device *pdev)
#define NTBNET_PLATFORM_REMOVE(fn)	(fn)
#else
#define DEFINE_NTBNET_PLATFORM_REMOVE(fn)				\
	static int fn##_int(struct platform_device *pdev)		\
	{								\
		fn(pdev);						\
		return 0;						\
	}								\
	static int fn##_int(struct platform_device *pdev)
#define NTBNET_PLATFORM_REMOVE(fn)	(fn##_int)
#endif

/*
 * Whether napi_complete_done(@n, @done) will leave the next poll to the
 * kernel: a busy-polling socket owns the instance (the poller calls again),
 * or hard interrupts are deferred (napi_defer_hard_irqs with
 * gro_flush_timeout: a timer polls again). The driver then need not ask
 * the peer for an interrupt. Mirrors napi_complete_done() as it is in 6.1
 * and 6.12, which read both settings from the net_device; a kernel that
 * keeps them per NAPI instance needs its own reading here. A wrong guess
 * costs one interrupt (armed, yet deferred) or one extra poll (not armed,
 * yet completed: the caller schedules NAPI again).
 */
#include <linux/netdevice.h>

static inline bool ntbnet_napi_defers(const struct napi_struct *n, int done)
{
	int count;

	if (READ_ONCE(n->state) & (NAPIF_STATE_NPSVC | NAPIF_STATE_IN_BUSY_POLL))
		return true;
	if (!READ_ONCE(n->dev->gro_flush_timeout))
		return false;
	count = done ? READ_ONCE(n->dev->napi_defer_hard_irqs) :
		       n->defer_hard_irqs_count;
	return count > 0;
}

#endif /* NTBNET_KCOMPAT_H */
