/* Private structures of the stream processor: tables, compiled expressions,
 * per-stream and per-query state. */
#ifndef SONATA_ENGINE_INT_H
#define SONATA_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sonata/engine.h"
#include "sonata/fields.h"
#include "sonata/query.h"
#include "sonata/value.h"

/* Bump allocator for the bytes of copied strings; reset keeps the blocks. */
struct arena_block;

struct arena {
	struct arena_block *head, *cur;
};

void arena_reset(struct arena *a);
void arena_free(struct arena *a);
/* Copy the text of a string or bytes value into the arena and point v at it. */
int arena_own(struct arena *a, struct sn_value *v);

/* Open-addressing hash table with linear probing. Each slot stores `width`
 * values: the first n_keys are the key, the rest belong to the caller. Rows
 * are also listed in insertion order so iteration and clearing touch only
 * used slots. */
struct table {
	size_t n_keys, width;
	size_t cap, count; /* cap is a power of two */
	uint64_t *hashes;  /* 0 marks an empty slot */
	struct sn_value *slots;
	uint32_t *order;   /* slot indexes in insertion order */
	struct arena strings;
};

int table_init(struct table *t, size_t n_keys, size_t width);
void table_free(struct table *t);
void table_clear(struct table *t);
/* The row whose key equals key, or NULL. */
struct sn_value *table_find(const struct table *t, const struct sn_value *key);
/* Insert a key known to be absent; its non-key values start as uint 0.
 * Strings of the key are copied. Returns the row or NULL when out of memory. */
struct sn_value *table_insert(struct table *t, const struct sn_value *key);

static inline struct sn_value *table_row(const struct table *t, size_t i)
{
	return t->slots + (size_t)t->order[i] * t->width;
}

/* One probe for a find followed by an insert: table_lookup fills hint, and
 * table_insert_hint, called next with the same absent key, reuses it. */
struct table_hint {
	uint64_t h;
	size_t slot;
};

struct sn_value *table_lookup(const struct table *t, const struct sn_value *key,
			      struct table_hint *hint);
struct sn_value *table_insert_hint(struct table *t, const struct sn_value *key,
				   const struct table_hint *hint);

uint64_t values_hash(const struct sn_value *v, size_t n);
bool values_same(const struct sn_value *a, const struct sn_value *b, size_t n);

/* A set of keys packed one word per column (cset.c), for distinct: only keys
 * whose columns are IPv4 addresses or integers below 2^56 fit. */
#define CSET_MAX_WORDS 4
/* A packed word: a tag in the top byte, then the value. */
#define PACK_MASK ((1ULL << 56) - 1)
#define TAG_UINT (1ULL << 56)
#define TAG_ADDR4 (2ULL << 56)

struct cset {
	uint64_t *w; /* cap slots of nw words; a first word of 0 marks an empty slot */
	size_t cap, count;
	unsigned nw;
};

static inline bool words_equal(const uint64_t *a, const uint64_t *b, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The hash of a packed key of n words (cset and cred). */
static inline size_t packed_hash(const uint64_t *k, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	unsigned i;

	for (i = 0; i < n; i++)
		h = (h ^ k[i]) * 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	return (size_t)h;
}

/* Linear probing over slots of stride words whose first n are the key.
 * Returns the slot of k, or the empty slot where it would go, and sets
 * *found accordingly. Inlined with n constant so the key compare unrolls. */
static inline __attribute__((always_inline)) size_t
words_probe(const uint64_t *base, size_t stride, size_t mask, const uint64_t *k, unsigned n,
	    bool *found)
{
	size_t i = packed_hash(k, n) & mask;

	for (;;) {
		const uint64_t *w = base + i * stride;

		if (!w[0]) {
			*found = false;
			return i;
		}
		if (words_equal(w, k, n)) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static inline size_t words_find(const uint64_t *base, size_t stride, size_t mask,
				const uint64_t *k, unsigned n, bool *found)
{
	switch (n) {
	case 1:
		return words_probe(base, stride, mask, k, 1, found);
	case 2:
		return words_probe(base, stride, mask, k, 2, found);
	case 3:
		return words_probe(base, stride, mask, k, 3, found);
	default:
		return words_probe(base, stride, mask, k, n, found);
	}
}

int cset_init(struct cset *s, unsigned nw);
void cset_free(struct cset *s);
void cset_clear(struct cset *s);
/* Pack the nw columns of key into out; false when a column does not fit. */
bool cset_encode(unsigned nw, const struct sn_value *key, uint64_t *out);
static inline size_t cset_find(const struct cset *s, const uint64_t *k, bool *found)
{
	return words_find(s->w, s->nw, s->cap - 1, k, s->nw, found);
}

/* Add k, absent, at the slot cset_find gave. */
int cset_put(struct cset *s, const uint64_t *k, size_t slot);

/* Compact aggregates (creduce.c) for the fast map-reduce path: packed keys
 * (as in cset) followed by the integer aggregates, rows in insertion order. */
struct cred {
	uint64_t *w;
	uint32_t *order;
	size_t cap, count;
	unsigned nk, stride; /* key words, words per slot */
	bool add_only;       /* every aggregate is a sum or a count */
};

struct op_state;
struct ectx;

/* Header values of the current packet that filters and keys read most,
 * taken once per packet (upred.c: preds_begin). HS_ZERO is always 0. */
enum hslot {
	HS_ZERO, HS_SRC, HS_DST, HS_PROTO, HS_FLAGS, HS_TSPORT, HS_TDPORT, HS_USPORT,
	HS_UDPORT, HS_PLEN, HS_DNS_QR, N_HSLOTS
};

/* The slot of an unsigned field, or -1. */
int hslot_of(enum sn_field_id f);

/* direct.c: columns of a packet op read straight into packed words, without
 * typed values: addresses, unsigned fields and constants. */
#define DIRECT_MAX_COLS 8

enum dcol_kind { DCOL_SRC, DCOL_DST, DCOL_UINT, DCOL_CONST };

struct dcol {
	enum dcol_kind kind;
	enum sn_field_id field; /* DCOL_UINT */
	int slot;               /* its header slot, -1 for a field without one */
	uint64_t tag;           /* the word is tag | the slot's value */
};

struct dkey {
	size_t n;
	uint32_t need; /* bits of the slots read */
	bool slotted;  /* every column is a slot (constants read HS_ZERO) */
	struct dcol col[DIRECT_MAX_COLS];
};

struct enode;
struct sn_engine;
/* *out NULL (and 0 returned) when some expression is of another kind. */
int direct_compile(struct enode *const *ex, size_t n, struct dkey **out);
/* 1 with every column packed into w; 0 when the packet lacks a field; -1
 * when a value does not pack (an IPv6 address, an integer of 2^56 or more). */
int direct_read_fields(const struct sn_packet *pkt, const struct dkey *d, uint64_t *w);

int cred_init(struct cred *r, unsigned n_keys, unsigned n_aggs, const enum sn_agg *aggs);
void cred_free(struct cred *r);
void cred_clear(struct cred *r);
/* Aggregate one tuple: packed keys k, the aggregates' argument values v. */
int cred_update(struct ectx *c, struct op_state *os, const uint64_t *k, const uint64_t *v);
/* Record that the table of os, a reduce with compact rows, has just gained
 * a row (a key that does not pack), for cred_emit's order. */
int cred_note_row(struct op_state *os);
struct stream_state;
/* Window close: push the rows of op i of ss, compact and typed, on to op
 * i + 1 in the order their keys were first seen. */
int cred_emit(struct ectx *c, struct stream_state *ss, size_t i);

/* Growable list of tuples (a stream's output in one window). */
struct rowbuf {
	struct sn_value *v;
	size_t n, cap, width;
	struct arena strings;
};

int rowbuf_append(struct rowbuf *b, const struct sn_value *cols);
void rowbuf_clear(struct rowbuf *b);
void rowbuf_free(struct rowbuf *b);

static inline const struct sn_value *rowbuf_row(const struct rowbuf *b, size_t i)
{
	return b->v + i * b->width;
}

/* An expression copied from the query with what evaluation needs precomputed. */
struct enode {
	enum sn_expr_kind kind;
	enum sn_binop op;
	bool multi; /* this node or one below reads a multi-valued field */
	struct sn_value value;
	enum sn_field_id field;
	int col;
	unsigned bits;
	int stream;
	struct enode *a, *b;
};

struct query_state;

/* Evaluation context: the packet while one is being processed (NULL at
 * window close), the current tuple, and the value index for multi fields. */
struct ectx {
	struct sn_engine *eng;
	struct query_state *qs;
	const struct sn_packet *pkt;
	const struct sn_value *cols;
	bool prof;          /* time the ops: this packet is sampled for the profile */
	unsigned idx;       /* value index read from multi-valued fields */
	bool fixed;         /* idx is set by a caller that walks the values */
	bool exhausted;     /* a multi field had no value at idx */
	bool multi_read;    /* a multi field was read */
};

int enode_compile(const struct sn_expr *e, struct enode **out);
void enode_free(struct enode *n);
/* Evaluate n; returns 1 with *out set, or 0 when a field is missing. */
int eval(struct ectx *c, const struct enode *n, struct sn_value *out);
/* Evaluate a predicate: true when present and nonzero. */
bool eval_true(struct ectx *c, const struct enode *n);

struct op_state {
	const struct sn_op *op;
	struct enode *pred;  /* filter */
	/* map and distinct: the output columns; reduce: the keys, then one
	 * argument per aggregate (NULL for count). */
	struct enode **ex;
	size_t n_ex;
	size_t n_keys;       /* distinct, reduce: leading key columns of the tuple */
	bool multi;
	bool all_cols;       /* distinct without expressions: the whole input tuple */
	size_t n_in;         /* input tuple width */
	struct sn_value *scratch;
	struct table table;  /* distinct, reduce */
	bool has_table;
	struct cset cset;    /* fast distinct: the keys that pack, instead of table */
	bool has_cset;
	struct cred cred;    /* fast reduce: rows whose keys pack, until the close */
	bool has_cred;
	/* with cred: for each table row, the compact rows added before it */
	uint32_t *mix;
	size_t mix_cap;
	struct dkey *dkey;   /* fast ops: the columns read straight from the packet */
	uint64_t prof_ns;    /* sampled packets: time in this op and the ops after it */
};

enum fast_kind { FAST_NONE, FAST_DISTINCT, FAST_MAP_REDUCE };

struct stream_state {
	const struct sn_stream *s;
	struct op_state *ops;
	size_t n_ops;
	const struct sn_schema *out_schema;
	struct rowbuf out;
	/* join source: index of the right side's rows by their join keys */
	struct table join_index;     /* keys that do not pack */
	uint64_t *join_words;        /* keys that pack: nk words, then the first row */
	size_t join_words_cap;       /* slots */
	uint32_t *join_next;
	size_t join_next_cap;
	struct sn_value *join_scratch;
	/* packets: shared filters the packet must pass first, as indexes into
	 * sn_engine.preds; ops from first_op on run per packet as usual */
	uint32_t *pre;
	size_t n_pre;
	uint64_t pre_mask; /* bits of the pre filters (those below 64) */
	bool pre_slow;     /* some pre filter has no bit */
	size_t first_op;
	enum fast_kind fast; /* fastpath.c: how packets enter op first_op */
	/* FAST_DISTINCT streams of the same keys, filters and window length share
	 * their lookups: the follower skips a packet whose key the leader (an
	 * earlier stream) already held, or could not read */
	const struct stream_state *leader;
	bool is_leader;
	/* FAST_DISTINCT followed by a map and a reduce fed from the distinct's
	 * packed key: the reduce's columns, taken from the key words (chain_src)
	 * or constant (chain_src -1, value chain_k) */
	bool chain;
	int chain_src[DIRECT_MAX_COLS];
	uint64_t chain_k[DIRECT_MAX_COLS];
	/* quick.c: the lookup of a key already present, done inline */
	struct quick_path *quick;
	bool share_skip;   /* leader: the key of packet share_gen was old or missing */
	bool share_added;  /* leader: it was new and went into the compact set */
	uint64_t share_gen;
	uint64_t prof_pre_ns; /* sampled packets: time in the shared filters */
	/* previous(): the key column of the output and the keys of the last window */
	bool need_prev;
	int prev_col;
	struct table prev;
};

struct query_state {
	const struct sn_query *q;
	struct stream_state *streams;
	size_t n_streams;
	bool open;
	uint64_t start;
	bool prev_valid;
	uint64_t prev_start; /* window the previous() sets were recorded in */
	size_t live_keys;
	bool incomplete;
	struct sn_query_stats st;
	uint32_t *sort_idx;
	size_t sort_cap;
	uint64_t prof_ns;       /* sampled packets: ticks in the query */
	uint64_t prof_samples;  /* packets sampled for this query */
	uint64_t prof_close_ns; /* every window close, in ticks */
};

struct pkt_stream {
	struct query_state *qs;
	struct stream_state *ss;
	uint64_t pre_mask; /* ss->pre_mask */
	bool flat_only;    /* every pre filter of ss is flat: pre_false alone decides */
};

/* A packet filter shared by streams (upred.c): evaluated at most once per
 * packet (see sn_engine.pre_true). */
struct unode;

struct shared_pred {
	const struct enode *expr;
	struct unode *code;
};

/* A shared filter of the form `field & mask op k` on a field of the packet
 * header: all of them are tested together at the start of each packet. */
struct flat_pred {
	uint64_t mask, k;
	unsigned slot; /* which header slot */
	unsigned idx;  /* its bit in pre_true and pre_false */
	enum sn_binop op;
	/* the test as a range: holds when (value & mask) - lo <= span, or,
	 * with inv set, when it does not */
	uint64_t lo, span;
	bool inv;
};

struct sn_engine {
	struct query_state *qs;
	size_t n;
	struct sn_engine_opts opts;
	sn_row_fn emit;
	void *arg;
	/* single-valued fields read from the current packet */
	uint64_t gen;
	uint64_t cache_gen[SN_F_COUNT];
	int cache_has[SN_F_COUNT];
	struct sn_value cache[SN_F_COUNT];
	struct shared_pred *preds;
	size_t n_preds;
	/* results of shared filters 0..63 for the packet of generation pre_gen */
	uint64_t pre_true, pre_false;
	uint64_t pre_gen;
	struct flat_pred *flat; /* those not in byte_held */
	size_t n_flat;
	uint64_t flat_bits;
	/* flat filters on the one-byte slots, as the bits that hold for each
	 * value of the slot; byte_slots lists the slots that have some */
	uint64_t (*byte_held)[256];
	uint32_t byte_slots;
	/* the packet streams that need each shared filter (the first 64 streams
	 * and filters), and all of those streams */
	uint64_t needed_by[64];
	uint64_t all_streams;
	/* header slots of the packet of generation pre_gen: values, which are
	 * present, which are present but do not pack (IPv6 addresses) */
	uint64_t hv[N_HSLOTS];
	uint32_t hv_have, hv_wide;
	/* Every stream that reads packets, in query order, and the span of time
	 * in which every query's window is open: a packet inside it needs no
	 * window work and goes straight to the streams (window.c). */
	struct pkt_stream *pstreams;
	size_t n_pstreams;
	uint64_t span_lo, span_hi;
	uint64_t span_packets; /* packets that took that way */
	/* profile: packets seen, timer pairs run, what an empty timed region costs,
	 * and the clocks at creation to turn ticks into nanoseconds */
	uint64_t prof_packets, prof_pairs, prof_ovh;
	uint64_t prof_engine_ticks; /* packets, ticks and flushes, window closes included */
	uint64_t prof_t0, prof_ns0;
};

/* profile.c: timed regions in ticks of the cycle counter, less the cost of
 * the timer pairs they hold */
struct prof_mark {
	uint64_t t, pairs;
};

static inline uint64_t prof_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static inline void prof_begin(const struct sn_engine *eng, struct prof_mark *m)
{
	m->pairs = eng->prof_pairs;
	m->t = prof_ticks();
}

/* A region longer than this was descheduled or interrupted: it counts 0. */
#define PROF_MAX_TICKS (1u << 17)

static inline uint64_t prof_end(struct sn_engine *eng, const struct prof_mark *m)
{
	uint64_t t = prof_ticks() - m->t;
	uint64_t cost = (eng->prof_pairs - m->pairs + 1) * eng->prof_ovh;

	eng->prof_pairs++;
	return t > cost && t < PROF_MAX_TICKS ? t - cost : 0;
}

void prof_init(struct sn_engine *eng);

/* stream.c */
int stream_init(struct stream_state *ss, const struct sn_query *q, size_t idx);
void stream_free(struct stream_state *ss);
void stream_reset(struct stream_state *ss);
/* Push a tuple (or, with cols NULL, the packet of c) into op i of ss. */
int stream_push(struct ectx *c, struct stream_state *ss, size_t i, const struct sn_value *cols);
/* Finish the window: feed stream and join sources, then run blocking ops. */
int stream_close(struct ectx *c, struct stream_state *ss);
/* Call fn once per tuple of ex (once per value index when multi). */
int each_tuple(struct ectx *c, struct op_state *os, const struct sn_value *cols,
	       int (*fn)(struct ectx *c, struct op_state *os, void *arg), void *arg);

/* distinct.c and reduce.c */
int distinct_push(struct ectx *c, struct stream_state *ss, size_t i, const struct sn_value *cols);
int reduce_push(struct ectx *c, struct op_state *os, const struct sn_value *cols);
/* Aggregate the tuple in os->scratch into its row. */
int reduce_tuple(struct ectx *c, struct op_state *os, void *arg);

/* fastpath.c */
int fast_init(struct stream_state *ss);
void share_init(struct sn_engine *eng);
/* Push the packet of c through ss from its first op after the shared filters. */
int stream_packet(struct ectx *c, struct stream_state *ss);
/* quick.c: every packet stream, after preds_begin, for a packet that needs
 * no window work (window.c: span_packet). */
int streams_packet(struct sn_engine *eng, const struct sn_packet *pkt);
/* Set up the quick paths of the packet streams (after share_init). */
int quick_init(struct sn_engine *eng);
/* Whether the query may admit one more key; marks the window incomplete if not. */
bool admit_key(struct ectx *c);

/* A single-valued unsigned field of the packet: 1 with *v set, 0 when the
 * packet lacks it. The usual filter and key fields are read directly. */
static inline int pkt_uint(const struct sn_packet *pkt, enum sn_field_id f, uint64_t *v)
{
	struct sn_value val;

	switch (f) {
	case SN_F_IP_PROTO:
		if (!(pkt->layers & (SN_L_IP4 | SN_L_IP6)))
			return 0;
		*v = pkt->proto;
		return 1;
	case SN_F_TCP_FLAGS:
		if (!(pkt->layers & SN_L_TCP))
			return 0;
		*v = pkt->tcp_flags;
		return 1;
	case SN_F_TCP_SPORT:
		if (!(pkt->layers & SN_L_TCP))
			return 0;
		*v = pkt->sport;
		return 1;
	case SN_F_TCP_DPORT:
		if (!(pkt->layers & SN_L_TCP))
			return 0;
		*v = pkt->dport;
		return 1;
	case SN_F_UDP_SPORT:
		if (!(pkt->layers & SN_L_UDP))
			return 0;
		*v = pkt->sport;
		return 1;
	case SN_F_PAYLOAD_LEN:
		if (!pkt->payload)
			return 0;
		*v = pkt->payload_len;
		return 1;
	case SN_F_DNS_QR:
		if (!(pkt->layers & SN_L_DNS) || !pkt->dns)
			return 0;
		*v = pkt->dns->flags >> 15 & 1;
		return 1;
	default:
		if (!sn_field_get(pkt, f, 0, &val))
			return 0;
		*v = val.u;
		return 1;
	}
}

/* upred.c: compiled packet filters */
int unode_compile(const struct enode *n, struct unode **out);
bool enode_same(const struct enode *a, const struct enode *b);
void unode_free(struct unode *u);
bool utrue(struct ectx *c, const struct unode *u);
int preds_init(struct sn_engine *eng);
void preds_free(struct sn_engine *eng);
/* Whether the packet of c passes the shared leading filters of ss. */
bool stream_pre_eval(struct ectx *c, const struct stream_state *ss);

/* Start the shared filters' results for a new packet: the flat ones are
 * all tested now, the others when a stream first needs them. */
void preds_begin(struct sn_engine *eng, const struct sn_packet *pkt);

static inline bool stream_pre_pass(struct ectx *c, const struct stream_state *ss)
{
	struct sn_engine *eng = c->eng;

	if (eng->pre_gen != eng->gen)
		preds_begin(eng, c->pkt);
	if (eng->pre_false & ss->pre_mask)
		return false;
	if (!ss->pre_slow && (eng->pre_true & ss->pre_mask) == ss->pre_mask)
		return true;
	return stream_pre_eval(c, ss);
}

/* Read d from the header slots of the current packet of eng (see
 * direct_read_fields for the return values). */
static inline int direct_read(const struct sn_engine *eng, const struct sn_packet *pkt,
			      const struct dkey *d, uint64_t *w)
{
	size_t i;

	if (!d->slotted)
		return direct_read_fields(pkt, d, w);
	if ((eng->hv_have & d->need) != d->need)
		return 0;
	if (eng->hv_wide & d->need)
		return -1;
	for (i = 0; i < d->n; i++)
		w[i] = d->col[i].tag | eng->hv[d->col[i].slot];
	return 1;
}

/* join.c */
int join_run(struct ectx *c, struct stream_state *ss);

#endif
