/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntbnet_db.h - which doorbell bits ntbnet rings (docs/protocol.md, 7).
 *
 * Both ends must pick the same bits from the same kind of device, so the
 * rule lives here, used by ntbnet and by the hostile test peer.
 */
#ifndef NTBNET_DB_H
#define NTBNET_DB_H

#include <linux/bitops.h>
#include <linux/ntb.h>

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

#endif /* NTBNET_DB_H */
