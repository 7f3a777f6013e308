/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - ntbnet tracepoints (events/ntbnet/ in tracefs).
 *
 *   echo 1 > /sys/kernel/tracing/events/ntbnet/enable
 *   cat /sys/kernel/tracing/trace_pipe
 *
 * ntbnet_link:    every handshake state change, with the reason.
 * ntbnet_tx_stop: the queue stopped; ntbnet_tx_wake: it woke (and why).
 * ntbnet_publish: a tx batch made visible to the peer, doorbell or not.
 * ntbnet_rx_poll: one NAPI poll, frames received of the budget.
 * ntbnet_drop:    a frame dropped, with the ethtool counter it went to.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ntbnet

#if !defined(NTBNET_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define NTBNET_TRACE_H

#include <linux/netdevice.h>
#include <linux/tracepoint.h>

#include "../compat/ntbnet_kcompat.h"

TRACE_EVENT(ntbnet_link,
	    TP_PROTO(const struct net_device *ndev, const char *from,
		     const char *to, u32 gen, u32 peer_gen, const char *why),
	    TP_ARGS(ndev, from, to, gen, peer_gen, why),
	    TP_STRUCT__entry(__string(dev, ndev->name)
			     __string(from, from)
			     __string(to, to)
			     __field(u32, gen)
			     __field(u32, peer_gen)
			     __string(why, why)),
	    TP_fast_assign(ntbnet_assign_str(dev, ndev->name);
			   ntbnet_assign_str(from, from);
			   ntbnet_assign_str(to, to);
			   __entry->gen = gen;
			   __entry->peer_gen = peer_gen;
			   ntbnet_assign_str(why, why);),
	    TP_printk("%s %s -> %s gen %08x peer %08x: %s", __get_str(dev),
		      __get_str(from), __get_str(to), __entry->gen,
		      __entry->peer_gen, __get_str(why)));

DECLARE_EVENT_CLASS(ntbnet_txq,
		    TP_PROTO(const struct net_device *ndev, unsigned int queue,
			     u32 free_recs, u32 need),
		    TP_ARGS(ndev, queue, free_recs, need),
		    TP_STRUCT__entry(__string(dev, ndev->name)
				     __field(unsigned int, queue)
				     __field(u32, free_recs)
				     __field(u32, need)),
		    TP_fast_assign(ntbnet_assign_str(dev, ndev->name);
				   __entry->queue = queue;
				   __entry->free_recs = free_recs;
				   __entry->need = need;),
		    TP_printk("%s queue %u free %u records, worst frame needs %u",
			      __get_str(dev), __entry->queue,
			      __entry->free_recs, __entry->need));

DEFINE_EVENT(ntbnet_txq, ntbnet_tx_stop,
	     TP_PROTO(const struct net_device *ndev, unsigned int queue,
		      u32 free_recs, u32 need),
	     TP_ARGS(ndev, queue, free_recs, need));

DEFINE_EVENT(ntbnet_txq, ntbnet_tx_wake,
	     TP_PROTO(const struct net_device *ndev, unsigned int queue,
		      u32 free_recs, u32 need),
	     TP_ARGS(ndev, queue, free_recs, need));

TRACE_EVENT(ntbnet_publish,
	    TP_PROTO(const struct net_device *ndev, unsigned int queue,
		     u32 prod, bool doorbell),
	    TP_ARGS(ndev, queue, prod, doorbell),
	    TP_STRUCT__entry(__string(dev, ndev->name)
			     __field(unsigned int, queue)
			     __field(u32, prod)
			     __field(bool, doorbell)),
	    TP_fast_assign(ntbnet_assign_str(dev, ndev->name);
			   __entry->queue = queue;
			   __entry->prod = prod;
			   __entry->doorbell = doorbell;),
	    TP_printk("%s queue %u in %u%s", __get_str(dev), __entry->queue,
		      __entry->prod, __entry->doorbell ? " doorbell" : ""));

TRACE_EVENT(ntbnet_rx_poll,
	    TP_PROTO(const struct net_device *ndev, unsigned int queue,
		     int done, int budget),
	    TP_ARGS(ndev, queue, done, budget),
	    TP_STRUCT__entry(__string(dev, ndev->name)
			     __field(unsigned int, queue)
			     __field(int, done)
			     __field(int, budget)),
	    TP_fast_assign(ntbnet_assign_str(dev, ndev->name);
			   __entry->queue = queue;
			   __entry->done = done;
			   __entry->budget = budget;),
	    TP_printk("%s queue %u %d of %d", __get_str(dev), __entry->queue,
		      __entry->done, __entry->budget));

TRACE_EVENT(ntbnet_drop,
	    TP_PROTO(const struct net_device *ndev, const char *reason,
		     u32 len),
	    TP_ARGS(ndev, reason, len),
	    TP_STRUCT__entry(__string(dev, ndev->name)
			     __string(reason, reason)
			     __field(u32, len)),
	    TP_fast_assign(ntbnet_assign_str(dev, ndev->name);
			   ntbnet_assign_str(reason, reason);
			   __entry->len = len;),
	    TP_printk("%s %s len %u", __get_str(dev), __get_str(reason),
		      __entry->len));

#endif /* NTBNET_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
