/* Per-packet dispatch, and the quick paths of the fast ops. Most packets of
 * a busy stream carry a key the window has already seen, so a distinct has
 * nothing to do and a reduce of sums adds to an existing row. Those cases
 * run here, inlined, on the header slots of preds_begin. Every other case (a
 * new key, a value that does not pack, a follower) takes stream_packet, which
 * would give the same result for these cases too. Profiled packets never
 * come here, because profiling turns off the span of window.c. */
#include <errno.h>
#include <stdlib.h>

#include "engine/engine_int.h"

struct quick_path {
	/* the key of the table probed, read from header slots. Its need covers
	 * every column the op reads, so a packet lacking one takes the full path. */
	struct dkey key;
	unsigned na;                         /* aggregates */
	unsigned agg_slot[DIRECT_MAX_COLS];  /* the argument: slot value + agg_add */
	uint64_t agg_add[DIRECT_MAX_COLS];
};

/* distinct K: K read from slots. */
static int quick_distinct(const struct op_state *os, struct quick_path **out)
{
	struct quick_path *q;

	if (!os->has_cset || !os->dkey || !os->dkey->slotted)
		return 0;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->key = *os->dkey;
	*out = q;
	return 0;
}

/* map | reduce of sums and counts, every map column read from slots. */
static int quick_map_reduce(const struct op_state *map, const struct op_state *red,
			    struct quick_path **out)
{
	struct quick_path *q;
	unsigned j;

	if (!red->has_cred || !red->cred.add_only || !map->dkey || !map->dkey->slotted ||
	    red->op->n_aggs > DIRECT_MAX_COLS)
		return 0;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->key = *map->dkey;
	q->key.n = red->n_keys;
	for (j = 0; j < red->n_keys; j++)
		q->key.col[j] = map->dkey->col[red->ex[j]->col];
	q->na = (unsigned)red->op->n_aggs;
	for (j = 0; j < q->na; j++) {
		const struct enode *e = red->ex[red->n_keys + j];
		const struct dcol *col = e ? &map->dkey->col[e->col] : NULL;

		/* A count adds 1, a constant its value, a field the slot's value. */
		q->agg_slot[j] = HS_ZERO;
		if (!col)
			q->agg_add[j] = 1;
		else if (col->kind == DCOL_CONST)
			q->agg_add[j] = col->tag & PACK_MASK;
		else
			q->agg_slot[j] = (unsigned)col->slot;
	}
	*out = q;
	return 0;
}

int quick_init(struct sn_engine *eng)
{
	size_t i;
	int err = 0;

	for (i = 0; i < eng->n_pstreams && !err; i++) {
		struct stream_state *ss = eng->pstreams[i].ss;
		const struct op_state *os = &ss->ops[ss->first_op];

		/* A follower's lookups depend on its leader's (see cset_distinct). */
		if (ss->leader)
			continue;
		if (ss->fast == FAST_DISTINCT)
			err = quick_distinct(os, &ss->quick);
		else if (ss->fast == FAST_MAP_REDUCE)
			err = quick_map_reduce(os, os + 1, &ss->quick);
	}
	return err;
}

/* Look the packet's key up in the distinct's set: 1 when it was there. */
static inline int quick_distinct_hit(struct sn_engine *eng, struct stream_state *ss)
{
	const struct cset *set = &ss->ops[ss->first_op].cset;
	uint64_t k[CSET_MAX_WORDS];
	bool found;

	/* A key that is missing or does not pack takes the full path. */
	if (direct_read(eng, NULL, &ss->quick->key, k) <= 0)
		return 0;
	words_find(set->w, set->nw, set->cap - 1, k, set->nw, &found);
	if (!found)
		return 0;
	/* As fast_distinct leaves it for an old key: followers skip the packet. */
	ss->share_gen = eng->gen;
	ss->share_skip = true;
	ss->share_added = false;
	return 1;
}

/* Add the packet to its key's row: 1 when the row existed, else 0 and nothing done. */
static inline int quick_reduce_hit(struct sn_engine *eng, struct stream_state *ss)
{
	const struct quick_path *q = ss->quick;
	struct cred *r = &ss->ops[ss->first_op + 1].cred;
	uint64_t k[CSET_MAX_WORDS], *w;
	bool found;
	size_t slot;
	unsigned j;

	if (direct_read(eng, NULL, &q->key, k) <= 0)
		return 0;
	slot = words_find(r->w, r->stride, r->cap - 1, k, r->nk, &found);
	if (!found)
		return 0;
	w = r->w + slot * r->stride + r->nk;
	for (j = 0; j < q->na; j++)
		w[j] += eng->hv[q->agg_slot[j]] + q->agg_add[j];
	return 1;
}

static inline int pstream_packet(struct ectx *c, const struct pkt_stream *ps)
{
	struct stream_state *ss = ps->ss;

	c->qs = ps->qs;
	if (!ps->flat_only && !stream_pre_pass(c, ss))
		return 0;
	if (ss->quick) {
		if (ss->fast == FAST_DISTINCT ? quick_distinct_hit(c->eng, ss)
					      : quick_reduce_hit(c->eng, ss))
			return 0;
	}
	return stream_packet(c, ss);
}

int streams_packet(struct sn_engine *eng, const struct sn_packet *pkt)
{
	struct ectx c = { .eng = eng, .pkt = pkt };
	uint64_t out = eng->pre_false, skip = 0, todo;
	size_t i;
	int err;

	if (eng->n_pstreams > 64) {
		for (i = 0; i < eng->n_pstreams; i++) {
			if (out & eng->pstreams[i].pre_mask)
				continue;
			err = pstream_packet(&c, &eng->pstreams[i]);
			if (err)
				return err;
		}
		return 0;
	}
	/* The streams left once those needing a failed flat filter are out. */
	while (out) {
		skip |= eng->needed_by[__builtin_ctzll(out)];
		out &= out - 1;
	}
	for (todo = eng->all_streams & ~skip; todo; todo &= todo - 1) {
		err = pstream_packet(&c, &eng->pstreams[__builtin_ctzll(todo)]);
		if (err)
			return err;
	}
	return 0;
}
