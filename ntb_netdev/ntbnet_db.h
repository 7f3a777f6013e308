/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntbnet_db.h - which doorbell bits ntbnet rings (docs/protocol.md, 7
 * and 12.1).
 *
 * Both ends must pick the same bits from the same kind of device, so the
 * rule lives here, used by ntbnet and by the hostile test peer.
 */
#ifndef NTBNET_DB_H
#define NTBNET_DB_H

#include <linux/bitops.h>
#include <linux/ntb.h>
#include <linux/string.h>

#include "../ringbuf/ntbring.h"

/**
 * ntbnet_db_pick() - choose @n doorbell bits.
 * @ntb: the device.
 * @n: how many (DATA, SPACE, HS).
 * @db: the bits, one each, filled in.
 *
 * The lowest free bit of the valid mask (which leaves out a link bit),
 * taken from vector i % vectors when the device spreads its bits over
 * several, so that DATA and SPACE interrupts can land on different CPUs.
 * With fewer than @n valid bits all fold onto the lowest one.
 */
static inline void ntbnet_db_pick(struct ntb_dev *ntb, int n, u64 *db)
{
	u64 valid = ntb_db_valid_mask(ntb), used = 0, pool, vmask;
	int vectors = ntb_db_vector_count(ntb);
	int i;

	for (i = 0; i < n; i++) {
		if (hweight64(valid) < n) {
			db[i] = BIT_ULL(__ffs64(valid));
			continue;
		}
		pool = valid & ~used;
		vmask = vectors > 1 ? ntb_db_vector_mask(ntb, i % vectors) : 0;
		if (vmask & pool)
			pool &= vmask;
		db[i] = BIT_ULL(__ffs64(pool));
		used |= db[i];
	}
}

/* Take the two lowest bits of @pool into @map's queue @q, mark them used. */
static inline void ntbnet_db_take2(u64 pool, u64 *used,
				   struct ntbring_dbmap *map, unsigned int q)
{
	map->data[q] = __ffs64(pool);
	pool &= pool - 1;
	map->space[q] = __ffs64(pool);
	*used |= BIT_ULL(map->data[q]) | BIT_ULL(map->space[q]);
}

/**
 * ntbnet_db_map() - the doorbell bits we ask the peer to ring, a pair a queue.
 * @ntb: the device.
 * @base: the DATA, SPACE and HS bits ntbnet_db_pick() chose (one bit each).
 * @nq: queues, 1..NTBRING_QUEUES_MAX.
 * @shared: every queue on queue 0's pair, as without a map.
 * @map: filled in for @nq queues.
 *
 * Queue 0 takes the DATA and SPACE bits, so a peer without a map rings
 * what it would anyway. Queue q >= 1 takes two free bits, from vector
 * q % vectors when it has two free (so its interrupts land on one CPU, and
 * the queues' on different ones), else from any vector; when no two bits
 * are left the queues reuse the pairs already taken, in turn.
 *
 * Return: the number of distinct pairs in @map.
 */
static inline unsigned int ntbnet_db_map(struct ntb_dev *ntb, const u64 *base,
					 unsigned int nq, bool shared,
					 struct ntbring_dbmap *map)
{
	u64 valid = ntb_db_valid_mask(ntb), used = base[0] | base[1] | base[2];
	int vectors = ntb_db_vector_count(ntb);
	unsigned int q, pairs = 1;
	u64 pool, vpool;

	memset(map, 0, sizeof(*map));
	map->data[0] = __ffs64(base[0]);
	map->space[0] = __ffs64(base[1]);
	for (q = 1; q < nq; q++) {
		pool = shared ? 0 : valid & ~used;
		vpool = vectors > 1 ?
			pool & ntb_db_vector_mask(ntb, q % vectors) : 0;
		if (hweight64(vpool) >= 2) {
			ntbnet_db_take2(vpool, &used, map, q);
			pairs++;
		} else if (hweight64(pool) >= 2) {
			ntbnet_db_take2(pool, &used, map, q);
			pairs++;
		} else {
			map->data[q] = map->data[q % pairs];
			map->space[q] = map->space[q % pairs];
		}
	}
	return pairs;
}

#endif /* NTBNET_DB_H */
