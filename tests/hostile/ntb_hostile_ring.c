// SPDX-License-Identifier: GPL-2.0
/*
 * ntb_hostile_ring.c - the ring library inside ntb_hostile.ko.
 *
 * kbuild links an object into one module only, so the test peer gets its
 * own copy of ringbuf/ntbring.c: its valid frames and handshake values are
 * made by the same reference code as ntbnet's.
 */
#include "../../ringbuf/ntbring.c"
