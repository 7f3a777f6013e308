// SPDX-License-Identifier: GPL-2.0
/*
 * mailbox.c - the handshake's words (docs/protocol.md, 9.1) over
 * scratchpads or, on NTBs without enough of them (IDT), message registers.
 *
 * Scratchpads hold a value each: a word is written into the peer's
 * scratchpad and read from our own. Message registers are a doorbell with
 * 32 bits of payload, and the hardware keeps one message per register: a
 * message sent before the peer cleared the last one is refused, which the
 * sender learns only from its own status register (the IDT driver's
 * peer_msg_write() reports success regardless). So each word travels as a
 * pair, its value in register 0 then NTBNET_MSG_TAG | index in register 1
 * (whose arrival completes the pair), from a queue that keeps the order
 * the link code wrote them in: the seqlock order of the words (GEN 0,
 * fields, GEN) holds as it does with scratchpads. The receiver keeps the
 * last value of each word; the link work calls ntbnet_mbox_sync() to move
 * messages both ways, and is kicked by the message event.
 *
 * Only the link work uses the mailbox (and remove, after it stopped).
 */
#include <linux/netdevice.h>
#include <linux/ntb.h>

#include "ntbnet.h"

/* Register 1 of a pair: "NM" and the word index. */
#define NTBNET_MSG_TAG		0x4e4d0000u
#define NTBNET_MSG_VAL		0
#define NTBNET_MSG_IDX		1
/* Sends tried by one sync (each costs a status read across the bridge). */
#define NTBNET_MSG_BURST	8

/**
 * ntbnet_mbox_init() - pick scratchpads or message registers, at probe.
 * @priv: the port.
 *
 * Return: 0, or -ENODEV with the reason logged.
 */
int ntbnet_mbox_init(struct ntbnet_priv *priv)
{
	struct ntbnet_mbox *mb = &priv->mbox;
	struct ntb_dev *ntb = priv->ntb;
	u64 in, out;

	memset(mb, 0, sizeof(*mb));
	if (ntb_spad_count(ntb) >= NTBRING_W_COUNT)
		return 0;
	if (ntb_msg_count(ntb) < 2 || hweight64(ntb_msg_inbits(ntb)) < 2 ||
	    hweight64(ntb_msg_outbits(ntb)) < 2) {
		dev_err(&ntb->dev,
			"needs %u scratchpads or 2 message registers for its handshake, the device has %d and %d\n",
			NTBRING_W_COUNT, ntb_spad_count(ntb),
			ntb_msg_count(ntb));
		return -ENODEV;
	}
	mb->msg = true;
	/* status bits of registers 0 and 1: the lowest two of each mask */
	in = ntb_msg_inbits(ntb);
	out = ntb_msg_outbits(ntb);
	mb->in1 = BIT_ULL(__ffs64(in & ~BIT_ULL(__ffs64(in))));
	mb->in_bits = BIT_ULL(__ffs64(in)) | mb->in1;
	mb->out0 = BIT_ULL(__ffs64(out));
	mb->out1 = BIT_ULL(__ffs64(out & ~mb->out0));
	ntb_msg_clear_sts(ntb, ntb_msg_read_sts(ntb));
	ntb_msg_clear_mask(ntb, mb->in_bits);
	return 0;
}

/**
 * ntbnet_mbox_exit() - no more message events.
 * @priv: the port.
 */
void ntbnet_mbox_exit(struct ntbnet_priv *priv)
{
	if (priv->mbox.msg)
		ntb_msg_set_mask(priv->ntb, priv->mbox.in_bits);
}

/**
 * ntbnet_mbox_kind() - what carries the words, for the log.
 * @priv: the port.
 *
 * Return: a static string.
 */
const char *ntbnet_mbox_kind(struct ntbnet_priv *priv)
{
	return priv->mbox.msg ? "message registers" : "scratchpads";
}

/**
 * ntbnet_mbox_put() - write one of our words into the peer.
 * @priv: the port.
 * @idx: the word (enum ntbring_word, or an address word).
 * @val: its value.
 *
 * With message registers the word is queued and sent by the next
 * ntbnet_mbox_sync(), after the words queued before it.
 */
void ntbnet_mbox_put(struct ntbnet_priv *priv, int idx, u32 val)
{
	struct ntbnet_mbox *mb = &priv->mbox;

	if (!mb->msg) {
		ntb_peer_spad_write(priv->ntb, NTBNET_PIDX, idx, val);
		return;
	}
	if (mb->count == ARRAY_SIZE(mb->q)) {
		/* the peer takes nothing: the oldest word is moot by now */
		mb->head = (mb->head + 1) % ARRAY_SIZE(mb->q);
		mb->count--;
		mb->val_sent = false;
		mb->dropped++;
	}
	mb->q[(mb->head + mb->count) % ARRAY_SIZE(mb->q)].idx = idx;
	mb->q[(mb->head + mb->count) % ARRAY_SIZE(mb->q)].val = val;
	mb->count++;
}

/**
 * ntbnet_mbox_drop() - forget the words not sent yet (a new announcement
 * supersedes them).
 * @priv: the port.
 */
void ntbnet_mbox_drop(struct ntbnet_priv *priv)
{
	priv->mbox.count = 0;
	priv->mbox.val_sent = false;
}

/**
 * ntbnet_mbox_get() - one of the peer's words.
 * @priv: the port.
 * @idx: the word.
 *
 * Return: its last value (0 if never received).
 */
u32 ntbnet_mbox_get(struct ntbnet_priv *priv, int idx)
{
	if (!priv->mbox.msg)
		return ntb_spad_read(priv->ntb, idx);
	return idx < NTBNET_MBOX_WORDS ? priv->mbox.in[idx] : 0;
}

/**
 * ntbnet_mbox_forget() - the peer's words are gone with the NTB link.
 * @priv: the port.
 *
 * Scratchpads keep what the peer wrote until it writes again; received
 * messages are only a copy, which must not outlive the peer incarnation
 * that sent them.
 */
void ntbnet_mbox_forget(struct ntbnet_priv *priv)
{
	memset(priv->mbox.in, 0, sizeof(priv->mbox.in));
}

/* Take a pair the peer sent; false if none is complete. */
static bool ntbnet_mbox_recv(struct ntbnet_priv *priv)
{
	struct ntbnet_mbox *mb = &priv->mbox;
	struct ntb_dev *ntb = priv->ntb;
	int pidx;
	u32 val, tag;

	if (!(ntb_msg_read_sts(ntb) & mb->in1))
		return false;
	val = ntb_msg_read(ntb, &pidx, NTBNET_MSG_VAL);
	tag = ntb_msg_read(ntb, &pidx, NTBNET_MSG_IDX);
	ntb_msg_clear_sts(ntb, mb->in_bits);
	if ((tag & 0xffff0000u) != NTBNET_MSG_TAG ||
	    (tag & 0xffff) >= NTBNET_MBOX_WORDS) {
		mb->bad++;
		return true;
	}
	mb->in[tag & 0xffff] = val;
	mb->received++;
	return true;
}

/* Send the oldest queued word; false if the peer has not taken the last. */
static bool ntbnet_mbox_send(struct ntbnet_priv *priv)
{
	struct ntbnet_mbox *mb = &priv->mbox;
	struct ntb_dev *ntb = priv->ntb;
	u32 idx = mb->q[mb->head].idx;

	if (!mb->val_sent) {
		ntb_msg_clear_sts(ntb, mb->out0 | mb->out1);
		ntb_peer_msg_write(ntb, NTBNET_PIDX, NTBNET_MSG_VAL,
				   mb->q[mb->head].val);
		if (ntb_msg_read_sts(ntb) & mb->out0) {
			mb->busy++;
			return false;
		}
		mb->val_sent = true;
	}
	ntb_peer_msg_write(ntb, NTBNET_PIDX, NTBNET_MSG_IDX,
			   NTBNET_MSG_TAG | idx);
	if (ntb_msg_read_sts(ntb) & mb->out1) {
		ntb_msg_clear_sts(ntb, mb->out1);
		mb->busy++;
		return false;
	}
	mb->val_sent = false;
	mb->head = (mb->head + 1) % ARRAY_SIZE(mb->q);
	mb->count--;
	mb->sent++;
	return true;
}

/**
 * ntbnet_mbox_sync() - move messages both ways (message registers only).
 * @priv: the port.
 *
 * Return: true while words of ours wait for the peer to take the last
 * one: the caller comes back soon rather than after a heartbeat period.
 */
bool ntbnet_mbox_sync(struct ntbnet_priv *priv)
{
	struct ntbnet_mbox *mb = &priv->mbox;
	int i;

	if (!mb->msg)
		return false;
	for (i = 0; i < NTBNET_MSG_BURST && ntbnet_mbox_recv(priv); i++)
		;
	for (i = 0; i < NTBNET_MSG_BURST && mb->count; i++)
		if (!ntbnet_mbox_send(priv))
			break;
	return mb->count;
}

/**
 * ntbnet_mbox_event() - the peer sent a message (ntb_ctx_ops).
 * @ctx: the port.
 */
void ntbnet_mbox_event(void *ctx)
{
	ntbnet_link_kick(ctx);
}
