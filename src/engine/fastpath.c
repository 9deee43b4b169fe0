/* Packet fast paths: the usual shapes of a packet stream after its shared
 * filters, run without the general tuple plumbing.
 *
 *   distinct K...            each packet: one lookup, in the compact set
 *                            (cset.c) when the key packs, else in the table.
 *                            Only a key seen for the first time goes on.
 *   map K..., V... | reduce  each packet: the map's values, moved straight
 *                            into the reduce's columns and aggregated in the
 *                            compact rows (creduce.c) when the key packs.
 *
 * Both give the tuples and rows stream_push gives for these ops. Streams of
 * any other shape (multi-valued fields, filters on columns) take the
 * general path. */
#include <errno.h>
#include <string.h>

#include "engine/engine_int.h"

static bool plain_exprs(const struct op_state *os)
{
	return !os->multi && !os->all_cols;
}

/* The reduce reads only columns of the map's output (or counts). */
static bool reduce_reads_cols(const struct op_state *red)
{
	size_t i;

	for (i = 0; i < red->n_ex; i++)
		if (red->ex[i] && red->ex[i]->kind != SN_EX_COL)
			return false;
	return true;
}

int fast_init(struct stream_state *ss)
{
	size_t i = ss->first_op;
	struct op_state *os = &ss->ops[i];

	ss->fast = FAST_NONE;
	if (ss->s->source != SN_SRC_PACKETS || i >= ss->n_ops)
		return 0;
	if (os->op->kind == SN_OP_DISTINCT && plain_exprs(os)) {
		ss->fast = FAST_DISTINCT;
		if (os->n_keys == 0 || os->n_keys > CSET_MAX_WORDS)
			return 0;
		os->has_cset = true;
		return cset_init(&os->cset, (unsigned)os->n_keys);
	} else if (ss->ops[i].op->kind == SN_OP_MAP && plain_exprs(&ss->ops[i]) &&
		   i + 1 < ss->n_ops && ss->ops[i + 1].op->kind == SN_OP_REDUCE &&
		   plain_exprs(&ss->ops[i + 1]) && reduce_reads_cols(&ss->ops[i + 1])) {
		ss->fast = FAST_MAP_REDUCE;
		os = &ss->ops[i + 1];
		if (os->n_keys == 0 || os->n_keys > CSET_MAX_WORDS)
			return 0;
		os->has_cred = true;
		return cred_init(&os->cred, (unsigned)os->n_keys, (unsigned)os->op->n_aggs);
	}
	return 0;
}

/* A packet field into a typed value; the addresses and small integers that
 * keys are made of without the catalogue lookup. */
static inline int fast_field(struct ectx *c, const struct enode *e, struct sn_value *out)
{
	const struct sn_packet *pkt = c->pkt;

	switch (e->field) {
	case SN_F_IP_SRC:
	case SN_F_IP_DST:
		if (!(pkt->layers & (SN_L_IP4 | SN_L_IP6)))
			return 0;
		out->type = SN_T_ADDR;
		out->addr = e->field == SN_F_IP_SRC ? pkt->src : pkt->dst;
		return 1;
	default:
		return eval(c, e, out);
	}
}

/* The expressions of os evaluated on the packet alone; 0 when one is missing. */
static inline int eval_packet(struct ectx *c, struct op_state *os)
{
	size_t i;

	for (i = 0; i < os->n_ex; i++) {
		const struct enode *e = os->ex[i];
		struct sn_value *v = &os->scratch[i];

		if (!e) {
			v->type = SN_T_UINT;
			v->u = 1;
		} else if (e->kind == SN_EX_CONST) {
			*v = e->value;
		} else if (e->kind == SN_EX_FIELD && !e->multi) {
			if (!fast_field(c, e, v))
				return 0;
		} else if (!eval(c, e, v)) {
			return 0;
		}
	}
	return 1;
}

/* A key that packs lives in the compact set only (the table keeps the rest):
 * a new one goes on as the op's scratch tuple, which contains no strings. */
static int cset_distinct(struct ectx *c, struct stream_state *ss, size_t i, const uint64_t *k)
{
	struct op_state *os = &ss->ops[i];
	bool found;
	size_t slot = cset_find(&os->cset, k, &found);

	if (found)
		return 0;
	ss->share_skip = false;
	if (!admit_key(c))
		return 0;
	if (cset_put(&os->cset, k, slot))
		return -ENOMEM;
	return stream_push(c, ss, i + 1, os->scratch);
}

static int fast_distinct(struct ectx *c, struct stream_state *ss, size_t i)
{
	struct op_state *os = &ss->ops[i];
	uint64_t packed[CSET_MAX_WORDS];
	struct table_hint hint;
	struct sn_value *row;

	/* Until the key turns out new, the follower can skip this packet. */
	ss->share_gen = c->eng->gen;
	ss->share_skip = true;
	if (!eval_packet(c, os))
		return 0;
	if (os->has_cset && cset_encode(os->cset.nw, os->scratch, packed))
		return cset_distinct(c, ss, i, packed);
	if (table_lookup(&os->table, os->scratch, &hint))
		return 0;
	ss->share_skip = false;
	if (!admit_key(c))
		return 0;
	row = table_insert_hint(&os->table, os->scratch, &hint);
	if (!row)
		return -ENOMEM;
	return stream_push(c, ss, i + 1, row);
}

static inline int reduce_packed(struct ectx *c, struct op_state *red)
{
	uint64_t packed[CSET_MAX_WORDS];

	if (red->has_cred && cset_encode(red->cred.nk, red->scratch, packed))
		return cred_update(c, red, packed);
	return reduce_tuple(c, red, NULL);
}

static int fast_map_reduce(struct ectx *c, struct stream_state *ss, size_t i)
{
	struct op_state *map = &ss->ops[i], *red = &ss->ops[i + 1];
	size_t j;

	if (!eval_packet(c, map))
		return 0;
	for (j = 0; j < red->n_ex; j++) {
		if (red->ex[j]) {
			red->scratch[j] = map->scratch[red->ex[j]->col];
		} else {
			red->scratch[j].type = SN_T_UINT;
			red->scratch[j].u = 1;
		}
	}
	if (c->prof) {
		struct prof_mark m;
		int err;

		prof_begin(c->eng, &m);
		err = reduce_packed(c, red);
		red->prof_ns += prof_end(c->eng, &m);
		return err;
	}
	return reduce_packed(c, red);
}

static int fast_timed(struct ectx *c, struct stream_state *ss)
{
	struct op_state *os = &ss->ops[ss->first_op];
	struct prof_mark m;
	int err;

	prof_begin(c->eng, &m);
	if (ss->fast == FAST_DISTINCT)
		err = fast_distinct(c, ss, ss->first_op);
	else
		err = fast_map_reduce(c, ss, ss->first_op);
	os->prof_ns += prof_end(c->eng, &m);
	return err;
}

static bool same_list(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* Each expression of a has an equal one in b (the keys, in any order). */
static bool same_keys(const struct op_state *a, const struct op_state *b)
{
	size_t i, j;

	if (a->n_ex != b->n_ex)
		return false;
	for (i = 0; i < a->n_ex; i++) {
		for (j = 0; j < b->n_ex && !enode_same(a->ex[i], b->ex[j]); j++)
			;
		if (j == b->n_ex)
			return false;
	}
	return true;
}

static bool can_lead(const struct pkt_stream *l, const struct pkt_stream *f)
{
	const struct stream_state *ls = l->ss, *fs = f->ss;

	return ls->fast == FAST_DISTINCT && !ls->leader && fs->fast == FAST_DISTINCT &&
	       l->qs->q->window_ns == f->qs->q->window_ns && ls->first_op == fs->first_op &&
	       same_list(ls->pre, ls->n_pre, fs->pre, fs->n_pre) &&
	       same_keys(&ls->ops[ls->first_op], &fs->ops[fs->first_op]) &&
	       same_keys(&fs->ops[fs->first_op], &ls->ops[ls->first_op]);
}

/* Pair each distinct with an earlier one that keeps the same key set over the
 * same packets and windows. Both see every packet in the same windows, so a
 * key is in the follower's table whenever it is in the leader's, unless the
 * follower hit --max-keys, after which it admits no key in that window. */
void share_init(struct sn_engine *eng)
{
	size_t f, l;

	for (f = 0; f < eng->n_pstreams; f++) {
		for (l = 0; l < f; l++) {
			if (can_lead(&eng->pstreams[l], &eng->pstreams[f])) {
				eng->pstreams[f].ss->leader = eng->pstreams[l].ss;
				eng->pstreams[l].ss->is_leader = true;
				break;
			}
		}
	}
}

int stream_packet(struct ectx *c, struct stream_state *ss)
{
	c->cols = NULL;
	/* The leader's table contains the same keys as ours (see share_init): when it
	 * had this packet's key, or the packet lacks a key field, so do we. */
	if (ss->leader && ss->leader->share_gen == c->eng->gen && ss->leader->share_skip)
		return 0;
	if (c->prof && ss->fast != FAST_NONE)
		return fast_timed(c, ss);
	switch (ss->fast) {
	case FAST_DISTINCT:
		return fast_distinct(c, ss, ss->first_op);
	case FAST_MAP_REDUCE:
		return fast_map_reduce(c, ss, ss->first_op);
	default:
		return stream_push(c, ss, ss->first_op, NULL);
	}
}
