/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntbring.h - ntbnet wire format and ring library API.
 *
 * docs/protocol.md is the normative description; this header pins the
 * same layout in C. Nothing here depends on the kernel or libc except
 * through ntbring_compat.h.
 *
 * Each node exposes one inbound window that the peer writes into:
 *
 *   offset 0x000  struct ntbring_prod_line  ring peer->me, producer words
 *   offset 0x080  struct ntbring_cons_line  ring me->peer, consumer words
 *   offset 0x100  struct ntbring_hello      the peer's handshake and heartbeat
 *   offset 0x180  reserved (zero)
 *   offset 0x200  record array              ring peer->me
 *
 * so every word is written by exactly one side, through its outbound
 * window, and read only by the side whose memory holds it.
 *
 * API groups:
 *   geometry   ntbring_geom_check(), ntbring_nrec()
 *   producer   ntbring_tx_init(), ntbring_tx_reserve(), ntbring_tx_write(),
 *              ntbring_tx_commit(), ntbring_tx_publish(), ntbring_tx_free(),
 *              ntbring_tx_wait_space()
 *   consumer   ntbring_rx_init(), ntbring_rx_peek(), ntbring_rx_copy(),
 *              ntbring_rx_next(), ntbring_rx_release(), ntbring_rx_arm(),
 *              ntbring_rx_resync()
 *   handshake  ntbring_words_encode(), ntbring_words_decode(),
 *              ntbring_hello_encode(), ntbring_hello_decode(),
 *              ntbring_hello_write(), ntbring_hello_read()
 *
 * How a driver uses it (each struct is used by one context at a time; the
 * driver serialises, e.g. tx under the queue lock, rx in NAPI, and keeps
 * the tx and rx structs in separate cache lines: they run on different
 * CPUs, and false sharing between them costs as much as the ring):
 *
 *   tx, CPU copy:  reserve, write (once per fragment), commit; at the end
 *                  of a batch (!netdev_xmit_more()) publish, and ring the
 *                  DATA doorbell if it returns true.
 *   tx, DMA:       reserve with NTBRING_RESERVE_CONTIG, DMA the payload to
 *                  window offset NTBRING_OFF_RECS + slot.off[0]; in the
 *                  completion, in reservation order: commit, then publish
 *                  (and ring) once per completed batch.
 *   tx, flow:      after each frame, if ntbring_tx_free() < worst case,
 *                  publish, stop the queue, then ntbring_tx_wait_space();
 *                  true means space appeared meanwhile: wake the queue.
 *                  On the SPACE doorbell: if ntbring_tx_free() >= wake
 *                  threshold wake the queue, else wait_space again.
 *   rx (NAPI):     peek, copy out, next, up to the budget; -EBADMSG: count
 *                  by reason and go on, except NTBRING_BAD_INDEX (nothing
 *                  moved: stop this poll). At the end of the poll release
 *                  (ring SPACE if true). If the ring was found empty:
 *                  arm; true means more data arrived, poll again; false
 *                  means complete NAPI and wait for the DATA doorbell.
 */
#ifndef NTBRING_H
#define NTBRING_H

#include "ntbring_compat.h"

/* Geometry bounds (docs/protocol.md, "Geometry"). */
#define NTBRING_REC_SIZE_MIN	64u
#define NTBRING_REC_SIZE_MAX	16384u
#define NTBRING_REC_COUNT_MIN	2u
/* Record headers carry 16 index bits; laps must differ in them. */
#define NTBRING_REC_COUNT_MAX	32768u
#define NTBRING_MAX_LEN_LIMIT	262144u

/* Defaults, chosen from bench-ring measurements (docs/protocol.md). */
#define NTBRING_REC_SIZE_DEFAULT	256u
#define NTBRING_REC_COUNT_DEFAULT	16384u

#define NTBRING_CACHELINE	64u
#define NTBRING_LINE_SLOT	128u	/* two lines: no adjacent-line sharing */

/**
 * struct ntbring_prod_line - words written by the producer of a ring.
 * @in:       free-running index of the next record the producer will
 *            publish; records [out, in) hold published frames.
 * @space_tok: changes to a fresh value each time the producer blocks on
 *            a full ring; the consumer rings the "space" doorbell once
 *            per value, when its out index reaches @space_at.
 * @space_at: out index at which the blocked producer wants the doorbell.
 * @rsvd:     zero; pads the line to its 128-byte slot.
 *
 * Lives in the consumer's memory at window offset 0.
 */
struct ntbring_prod_line {
	__le32 in;
	__le32 space_tok;
	__le32 space_at;
	__le32 rsvd[29];
};

/**
 * struct ntbring_cons_line - words written by the consumer of a ring.
 * @out:     free-running index of the next record the consumer will read;
 *           records before it may be overwritten by the producer.
 * @arm_tok: changes to a fresh value each time the consumer goes idle;
 *           the producer rings the "data" doorbell once per value.
 * @rsvd:    zero; pads the line to its 128-byte slot.
 *
 * Lives in the producer's memory at window offset 0x80.
 */
struct ntbring_cons_line {
	__le32 out;
	__le32 arm_tok;
	__le32 rsvd[30];
};

/**
 * struct ntbring_rec_hdr - header at the start of a frame's first record.
 * @len:   payload bytes that follow this header, contiguous across the
 *         frame's records (wrapping from the last record to record 0).
 *         The frame occupies ntbring_nrec(rec_size, len) records.
 * @seq:   low 16 bits of the free-running index of this record.
 * @flags: NTBRING_F_*; reserved bits must be zero.
 */
struct ntbring_rec_hdr {
	__le32 len;
	__le16 seq;
	__le16 flags;
};

/* Padding frame: skip it silently (used to keep frames contiguous). */
#define NTBRING_F_PAD		0x0001u
/* Bits reserved by this version; a frame using them is dropped. */
#define NTBRING_F_RESERVED	0x00feu
/* Bits whose meaning belongs to the driver, passed through unchanged. */
#define NTBRING_F_DRIVER	0xff00u

#define NTBRING_HDR_SIZE	8u

/**
 * struct ntbring_hello - the peer's handshake, in our window (section 9).
 * @magic:    NTBRING_HELLO_MAGIC.
 * @gen:      the writer's generation; 0 while the hello is rewritten.
 * @for_gen:  the reader's generation this hello answers.
 * @features: NTBRING_FEAT_* the writer offers.
 * @geom:     bits 7..0 log2(rec_size), 15..8 log2(rec_count) of the ring
 *            the writer receives on; bits 31..16 zero.
 * @max_len:  max_len of that ring.
 * @ack_gen:  the reader generation the writer has attached to, 0 if none.
 * @hb:       heartbeat, incremented by the writer every period.
 * @queues:   ring pairs the writer asks for (NTBRING_FEAT_MQ): it sized
 *            its receive rings for this many; 0 (a 2.0 writer) means 1.
 * @dbmap:    the doorbell bits the reader rings at the writer, one pair a
 *            queue (NTBRING_FEAT_DBMAP, 2.2): queue q in the half
 *            (q & 1) of word q / 2, bits 7..0 its data bit, 15..8 its
 *            space bit; halves of queues beyond @queues zero.
 * @rsvd:     zero.
 */
struct ntbring_hello {
	__le32 magic;
	__le32 gen;
	__le32 for_gen;
	__le32 features;
	__le32 geom;
	__le32 max_len;
	__le32 ack_gen;
	__le32 hb;
	__le32 queues;
	__le32 dbmap[8];
	__le32 rsvd[15];
};

/**
 * struct ntbring_win_hdr - the start of each node's inbound window.
 * @prod:  producer line of the ring the peer sends us.
 * @cons:  consumer line of the ring we send the peer.
 * @hello: the peer's handshake and heartbeat.
 * @rsvd:  zero.
 *
 * The record array of the ring the peer sends us follows at
 * NTBRING_OFF_RECS.
 */
struct ntbring_win_hdr {
	struct ntbring_prod_line prod;
	struct ntbring_cons_line cons;
	struct ntbring_hello hello;
	__le32 rsvd[32];
};

/* Window layout offsets. */
#define NTBRING_OFF_PROD	0x000u
#define NTBRING_OFF_CONS	0x080u
#define NTBRING_OFF_HELLO	0x100u
#define NTBRING_OFF_RECS	0x200u

static_assert(sizeof(struct ntbring_prod_line) == NTBRING_LINE_SLOT,
	      "producer line fills one slot");
static_assert(sizeof(struct ntbring_cons_line) == NTBRING_LINE_SLOT,
	      "consumer line fills one slot");
static_assert(offsetof(struct ntbring_prod_line, in) == 0, "in at 0");
static_assert(offsetof(struct ntbring_prod_line, space_tok) == 4,
	      "space_tok at 4");
static_assert(offsetof(struct ntbring_prod_line, space_at) == 8,
	      "space_at at 8");
static_assert(offsetof(struct ntbring_cons_line, out) == 0, "out at 0");
static_assert(offsetof(struct ntbring_cons_line, arm_tok) == 4,
	      "arm_tok at 4");
static_assert(sizeof(struct ntbring_rec_hdr) == NTBRING_HDR_SIZE,
	      "record header is 8 bytes");
static_assert(offsetof(struct ntbring_rec_hdr, len) == 0, "len at 0");
static_assert(offsetof(struct ntbring_rec_hdr, seq) == 4, "seq at 4");
static_assert(offsetof(struct ntbring_rec_hdr, flags) == 6, "flags at 6");
static_assert(offsetof(struct ntbring_win_hdr, prod) == NTBRING_OFF_PROD,
	      "producer line first");
static_assert(offsetof(struct ntbring_win_hdr, cons) == NTBRING_OFF_CONS,
	      "consumer line second");
static_assert(offsetof(struct ntbring_win_hdr, hello) == NTBRING_OFF_HELLO,
	      "hello third");
static_assert(sizeof(struct ntbring_hello) == NTBRING_LINE_SLOT,
	      "hello fills one slot");
static_assert(sizeof(struct ntbring_win_hdr) == NTBRING_OFF_RECS,
	      "records follow the header");

/**
 * struct ntbring_geom - negotiated shape of one ring.
 * @rec_size:  bytes per record, a power of two in
 *             [NTBRING_REC_SIZE_MIN, NTBRING_REC_SIZE_MAX].
 * @rec_count: records, a power of two in
 *             [NTBRING_REC_COUNT_MIN, NTBRING_REC_COUNT_MAX].
 * @max_len:   largest payload the receiver accepts, 1..
 *             NTBRING_MAX_LEN_LIMIT, and such that a maximal frame takes
 *             at most half the records (so a padded frame always fits).
 */
struct ntbring_geom {
	u32 rec_size;
	u32 rec_count;
	u32 max_len;
};

/**
 * enum ntbring_bad - why a frame or index from the peer was rejected.
 * @NTBRING_BAD_NONE:  not rejected.
 * @NTBRING_BAD_INDEX: producer index more than rec_count ahead of the
 *                     released out index, or behind the read position.
 *                     Nothing is consumed; the condition persists until
 *                     the peer writes a sane index.
 * @NTBRING_BAD_SEQ:   header sequence does not match the record index
 *                     (stale or torn record).
 * @NTBRING_BAD_LEN:   length zero, or above the negotiated max_len.
 * @NTBRING_BAD_TRUNC: frame extends past the published producer index.
 * @NTBRING_BAD_FLAGS: reserved flag bits set.
 * @NTBRING_BAD_MAX:   number of reasons, for counter arrays.
 *
 * For every reason but NTBRING_BAD_INDEX the consumer drops everything
 * published so far (skips to the producer index): the bad header's length
 * cannot be trusted to find the next frame.
 */
enum ntbring_bad {
	NTBRING_BAD_NONE,
	NTBRING_BAD_INDEX,
	NTBRING_BAD_SEQ,
	NTBRING_BAD_LEN,
	NTBRING_BAD_TRUNC,
	NTBRING_BAD_FLAGS,
	NTBRING_BAD_MAX,
};

/**
 * struct ntbring_tx - producer state; private to the sending node.
 * @recs:      record array in peer memory (through the outbound window).
 * @pl:        producer line in peer memory.
 * @cl:        consumer line in local memory, written by the peer.
 * @shift:     log2(rec_size).
 * @mask:      rec_count - 1.
 * @count:     rec_count.
 * @max_len:   largest payload the peer accepts.
 * @head:      next record to reserve.
 * @committed: end of the last committed frame.
 * @pub:       producer index last written to the peer.
 * @out:       last validated consumer index.
 * @arm_seen:  last consumer arm token we rang the doorbell for.
 * @space_tok: our last space token.
 * @bad_out:   consumer index values rejected (peer bug or stale write);
 *             the caller may take and zero them.
 */
struct ntbring_tx {
	u8 __iomem *recs;
	struct ntbring_prod_line __iomem *pl;
	const struct ntbring_cons_line *cl;
	u32 shift;
	u32 mask;
	u32 count;
	u32 max_len;
	u32 head;
	u32 committed;
	u32 pub;
	u32 out;
	u32 arm_seen;
	u32 space_tok;
	u64 bad_out;
};

/**
 * struct ntbring_slot - a reserved frame being filled by the producer.
 * @start: ring index of the first record reserved (padding included).
 * @idx:   ring index of the frame's first record.
 * @end:   ring index after the frame's last record.
 * @len:   payload length.
 * @pos:   bytes of payload written so far by ntbring_tx_write().
 * @off:   byte offset of each payload piece from the start of the record
 *         array (add NTBRING_OFF_RECS for the window offset), for DMA.
 * @n:     bytes in each piece; @n[1] is 0 unless the payload wraps.
 */
struct ntbring_slot {
	u32 start;
	u32 idx;
	u32 end;
	u32 len;
	u32 pos;
	u32 off[2];
	u32 n[2];
};

/* ntbring_tx_reserve() flag: never wrap the payload (pad to record 0). */
#define NTBRING_RESERVE_CONTIG	0x1u

/**
 * struct ntbring_rx - consumer state; private to the receiving node.
 * @recs:     record array in local memory, written by the peer.
 * @pl:       producer line in local memory, written by the peer.
 * @cl:       consumer line in peer memory.
 * @shift:    log2(rec_size).
 * @mask:     rec_count - 1.
 * @count:    rec_count.
 * @max_len:  largest payload we accept.
 * @out:      next record to read.
 * @rel:      consumer index last written to the peer.
 * @in:       last validated producer index.
 * @arm_tok:  our last arm token.
 * @space_seen: last producer space token we rang the doorbell for.
 */
struct ntbring_rx {
	const u8 *recs;
	struct ntbring_prod_line *pl;
	struct ntbring_cons_line __iomem *cl;
	u32 shift;
	u32 mask;
	u32 count;
	u32 max_len;
	u32 out;
	u32 rel;
	u32 in;
	u32 arm_tok;
	u32 space_seen;
};

/**
 * struct ntbring_frame - a frame returned by ntbring_rx_peek().
 * @p:      payload pieces in local memory; @p[1] is NULL unless wrapped.
 * @n:      bytes in each piece.
 * @len:    payload length (n[0] + n[1]).
 * @flags:  header flags (only NTBRING_F_DRIVER bits can be set).
 * @idx:    ring index of the first record.
 * @nrec:   records the frame occupies (or skipped, when rejected).
 * @reason: why the frame was rejected, NTBRING_BAD_NONE if accepted.
 */
struct ntbring_frame {
	const u8 *p[2];
	u32 n[2];
	u32 len;
	u32 flags;
	u32 idx;
	u32 nrec;
	enum ntbring_bad reason;
};

/* ---- geometry ---- */

int ntbring_geom_check(const struct ntbring_geom *g);
u32 ntbring_nrec(u32 rec_size, u32 len);
u32 ntbring_area_size(const struct ntbring_geom *g);
u64 ntbring_mq_area_size(const struct ntbring_geom *g, u32 queues);
u32 ntbring_off_recs(const struct ntbring_geom *g, u32 q);
u32 ntbring_off_prod(const struct ntbring_geom *g, u32 queues, u32 q);
u32 ntbring_off_cons(const struct ntbring_geom *g, u32 queues, u32 q);

/* ---- producer ---- */

int ntbring_tx_init(struct ntbring_tx *tx, const struct ntbring_geom *g,
		    void __iomem *recs,
		    struct ntbring_prod_line __iomem *pl,
		    const struct ntbring_cons_line *cl, u32 start);
u32 ntbring_tx_free(struct ntbring_tx *tx);
int ntbring_tx_reserve(struct ntbring_tx *tx, u32 len, u32 flags,
		       u16 drv_flags, struct ntbring_slot *slot);
int ntbring_tx_write(struct ntbring_tx *tx, struct ntbring_slot *slot,
		     const void *src, u32 n);
int ntbring_tx_commit(struct ntbring_tx *tx, const struct ntbring_slot *slot);
bool ntbring_tx_publish(struct ntbring_tx *tx);
bool ntbring_tx_wait_space(struct ntbring_tx *tx, u32 nrec);

/* ---- consumer ---- */

int ntbring_rx_init(struct ntbring_rx *rx, const struct ntbring_geom *g,
		    const void *recs, struct ntbring_prod_line *pl,
		    struct ntbring_cons_line __iomem *cl, u32 start);
int ntbring_rx_peek(struct ntbring_rx *rx, struct ntbring_frame *f);
u32 ntbring_rx_copy(const struct ntbring_frame *f, void *dst, u32 off, u32 n);
void ntbring_rx_next(struct ntbring_rx *rx, const struct ntbring_frame *f);
bool ntbring_rx_release(struct ntbring_rx *rx);
bool ntbring_rx_arm(struct ntbring_rx *rx);
u32 ntbring_rx_resync(struct ntbring_rx *rx);
const char *ntbring_bad_name(enum ntbring_bad reason);

/* ---- handshake (docs/protocol.md, section 9) ---- */

/* 1.x wrote this into the first scratchpad and its version into the second. */
#define NTBRING_MAGIC_V1	0x4e54424eu	/* "NTBN" */
#define NTBRING_ID_MAGIC	0x4e42u		/* "NB", top half of the ID word */
#define NTBRING_HELLO_MAGIC	0x4e42484cu	/* "NBHL" */
#define NTBRING_VERSION_MAJOR	2u
#define NTBRING_VERSION_MINOR	2u
/* Features understood by this library; the link uses the AND of both. */
#define NTBRING_FEAT_CONTIG	0x00000001u	/* sender pads, never wraps */
#define NTBRING_FEAT_MQ		0x00000002u	/* several ring pairs (2.1) */
#define NTBRING_FEAT_DBMAP	0x00000004u	/* doorbell bits a queue (2.2) */
#define NTBRING_FEAT_KNOWN	0x00000007u

/*
 * Words of the mailbox: scratchpads 0..2 (written into the peer's, read
 * from our own), or, on NTBs without scratchpads, message registers.
 */
enum ntbring_word {
	NTBRING_W_ID,		/* ID_MAGIC << 16 | major << 8 | minor */
	NTBRING_W_WIN,		/* bytes of the writer's inbound window */
	NTBRING_W_GEN,		/* writer's generation, 0 = none; written last */
	NTBRING_W_COUNT,	/* the words every NTB carries */
	/*
	 * NTBs that translate on the outbound side only: the DMA address of
	 * the writer's inbound buffer, which the reader programs into its
	 * outbound window; written before GEN.
	 */
	NTBRING_W_ADDR_LO = NTBRING_W_COUNT,
	NTBRING_W_ADDR_HI,
	NTBRING_W_MAX,
};

/* Index of each word of struct ntbring_hello, as u32s. */
enum ntbring_hello_word {
	NTBRING_H_MAGIC,
	NTBRING_H_GEN,
	NTBRING_H_FOR_GEN,
	NTBRING_H_FEATURES,
	NTBRING_H_GEOM,
	NTBRING_H_MAXLEN,
	NTBRING_H_ACK_GEN,
	NTBRING_H_HB,
	NTBRING_H_QUEUES,
	NTBRING_H_DBMAP,	/* first of NTBRING_H_DBMAP_WORDS */
	NTBRING_H_COUNT = NTBRING_H_DBMAP + 8,
};

#define NTBRING_H_DBMAP_WORDS	(NTBRING_H_COUNT - NTBRING_H_DBMAP)

static_assert(offsetof(struct ntbring_hello, gen) == 4 * NTBRING_H_GEN,
	      "hello gen");
static_assert(offsetof(struct ntbring_hello, ack_gen) ==
	      4 * NTBRING_H_ACK_GEN, "hello ack_gen");
static_assert(offsetof(struct ntbring_hello, hb) == 4 * NTBRING_H_HB,
	      "hello hb");
static_assert(offsetof(struct ntbring_hello, queues) ==
	      4 * NTBRING_H_QUEUES, "hello queues");
static_assert(offsetof(struct ntbring_hello, dbmap) ==
	      4 * NTBRING_H_DBMAP, "hello dbmap");

/*
 * Several ring pairs (NTBRING_FEAT_MQ, protocol 2.1). A window is laid
 * out for the count its owner announced (n) with its owner's geometry:
 * queue 0 exactly as in 2.0 (lines at NTBRING_OFF_PROD/CONS, records at
 * NTBRING_OFF_RECS), so a 2.0 peer that sees only queue 0 finds it where
 * it looks; queue q's records follow, at NTBRING_OFF_RECS + q * ring
 * bytes; after the last ring, the lines of queues 1..n-1, one
 * NTBRING_QLINES_STRIDE each (producer line, then consumer line at +0x80).
 */
#define NTBRING_QUEUES_MAX	16u
#define NTBRING_QLINES_STRIDE	0x100u

/* Doorbell bits a map can name: 0..63, as ntb_db_valid_mask() has them. */
#define NTBRING_DB_BITS		64u

/**
 * struct ntbring_dbmap - doorbell bits the peer rings at one side.
 * @data:  for queue q, the bit rung when frames were published on the
 *         ring this side receives on.
 * @space: for queue q, the bit rung when records of the ring this side
 *         sends on were released.
 *
 * Both bit numbers, below NTBRING_DB_BITS, in the doorbell register of
 * the side that owns the map; queues may share bits.
 */
struct ntbring_dbmap {
	u8 data[NTBRING_QUEUES_MAX];
	u8 space[NTBRING_QUEUES_MAX];
};

static_assert(NTBRING_H_DBMAP_WORDS * 2 == NTBRING_QUEUES_MAX,
	      "a half word a queue");

/**
 * struct ntbring_hs - one side's handshake: its words and its hello.
 * @version:  (major << 16) | minor.
 * @features: NTBRING_FEAT_* offered.
 * @rx:       geometry of the ring this side receives on (in its window).
 * @win_size: bytes of this side's inbound window the peer may write.
 * @peer_gen: the peer generation this side has attached to, 0 if none
 *            (the hello's ack_gen).
 * @gen:      this side's generation, never 0.
 * @queues:   ring pairs this side asks for, 1..NTBRING_QUEUES_MAX; its
 *            receive rings are sized for that many.
 * @db:       the doorbell bits the other side rings at this one, for
 *            @queues queues (NTBRING_FEAT_DBMAP; all zero without it).
 */
struct ntbring_hs {
	u32 version;
	u32 features;
	struct ntbring_geom rx;
	u32 win_size;
	u32 peer_gen;
	u32 gen;
	u32 queues;
	struct ntbring_dbmap db;
};

/**
 * enum ntbring_hs_err - why a peer's words or hello were not accepted.
 * @NTBRING_HS_OK:       valid.
 * @NTBRING_HS_NOT_READY: generation 0, magic missing, or (hello) not yet
 *                       written for this pair of generations: wait.
 * @NTBRING_HS_VERSION:  incompatible major version; refuse the link.
 * @NTBRING_HS_GEOM:     window or geometry outside the bounds.
 * @NTBRING_HS_TORN:     generation changed while reading; read again.
 */
enum ntbring_hs_err {
	NTBRING_HS_OK,
	NTBRING_HS_NOT_READY,
	NTBRING_HS_VERSION,
	NTBRING_HS_GEOM,
	NTBRING_HS_TORN,
};

void ntbring_words_encode(const struct ntbring_hs *hs,
			  u32 w[NTBRING_W_COUNT]);
enum ntbring_hs_err ntbring_words_decode(const u32 w[NTBRING_W_COUNT],
					 u32 gen_again, struct ntbring_hs *hs);
void ntbring_hello_encode(const struct ntbring_hs *hs, u32 for_gen, u32 hb,
			  u32 h[NTBRING_H_COUNT]);
enum ntbring_hs_err ntbring_hello_decode(const u32 h[NTBRING_H_COUNT],
					 u32 gen_again, u32 my_gen,
					 struct ntbring_hs *hs);
void ntbring_hello_write(struct ntbring_hello __iomem *hello,
			 const u32 h[NTBRING_H_COUNT]);
u32 ntbring_hello_read(const struct ntbring_hello *hello,
		       u32 h[NTBRING_H_COUNT]);
u32 ntbring_start_index(u32 tx_gen, u32 rx_gen);

#endif /* NTBRING_H */
