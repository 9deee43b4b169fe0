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
#include <stdlib.h>
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

/* The reduce column j of a chain: a word of the distinct's key or a
 * constant. Aggregates take constants only (the usual `n = 1`). */
static bool chain_col(struct stream_state *ss, const struct op_state *dis,
		      const struct op_state *map, const struct op_state *red, size_t j)
{
	const struct enode *e = red->ex[j], *me;
	bool key = j < red->n_keys;

	ss->chain_src[j] = -1;
	if (!e) {
		ss->chain_k[j] = 1;
		return !key;
	}
	me = map->ex[e->col];
	if (me && me->kind == SN_EX_COL && (size_t)me->col < dis->n_keys && key) {
		ss->chain_src[j] = me->col;
		return true;
	}
	if (!me || me->kind != SN_EX_CONST || me->value.type != SN_T_UINT ||
	    me->value.u >= TAG_UINT)
		return false;
	ss->chain_k[j] = key ? TAG_UINT | me->value.u : me->value.u;
	return true;
}

/* distinct K | map (columns of K, constants) | reduce: a new key of the
 * distinct goes into the reduce's compact rows at once (see chain_push). */
static int chain_init(struct stream_state *ss)
{
	size_t i = ss->first_op, j;
	struct op_state *dis = &ss->ops[i], *map, *red;

	if (!dis->has_cset || i + 2 >= ss->n_ops)
		return 0;
	map = &ss->ops[i + 1];
	red = &ss->ops[i + 2];
	if (map->op->kind != SN_OP_MAP || !plain_exprs(map) || red->op->kind != SN_OP_REDUCE ||
	    !plain_exprs(red) || !reduce_reads_cols(red) || red->n_keys == 0 ||
	    red->n_keys > CSET_MAX_WORDS || red->n_ex > DIRECT_MAX_COLS)
		return 0;
	for (j = 0; j < map->n_ex; j++) {
		const struct enode *me = map->ex[j];

		if (!me || !((me->kind == SN_EX_COL && (size_t)me->col < dis->n_keys) ||
			     me->kind == SN_EX_CONST))
			return 0;
	}
	for (j = 0; j < red->n_ex; j++)
		if (!chain_col(ss, dis, map, red, j))
			return 0;
	ss->chain = true;
	red->has_cred = true;
	return cred_init(&red->cred, (unsigned)red->n_keys, (unsigned)red->op->n_aggs,
			 red->op->aggs);
}

/* The aggregates read map columns that are unsigned fields or constants. */
static bool direct_aggs(const struct op_state *map, const struct op_state *red)
{
	size_t j;

	for (j = red->n_keys; j < red->n_ex; j++) {
		const struct enode *e = red->ex[j];

		if (e && map->dkey->col[e->col].kind != DCOL_UINT &&
		    map->dkey->col[e->col].kind != DCOL_CONST)
			return false;
	}
	return true;
}

static int init_distinct(struct stream_state *ss, struct op_state *os)
{
	int err;

	ss->fast = FAST_DISTINCT;
	if (os->n_keys == 0 || os->n_keys > CSET_MAX_WORDS)
		return 0;
	os->has_cset = true;
	err = cset_init(&os->cset, (unsigned)os->n_keys);
	if (!err)
		err = direct_compile(os->ex, os->n_ex, &os->dkey);
	return err ? err : chain_init(ss);
}

static int init_map_reduce(struct stream_state *ss, struct op_state *map, struct op_state *red)
{
	int err;

	ss->fast = FAST_MAP_REDUCE;
	if (red->n_keys == 0 || red->n_keys > CSET_MAX_WORDS)
		return 0;
	red->has_cred = true;
	err = cred_init(&red->cred, (unsigned)red->n_keys, (unsigned)red->op->n_aggs,
			red->op->aggs);
	if (!err && red->n_ex <= DIRECT_MAX_COLS)
		err = direct_compile(map->ex, map->n_ex, &map->dkey);
	if (!err && map->dkey && !direct_aggs(map, red)) {
		free(map->dkey);
		map->dkey = NULL;
	}
	return err;
}

int fast_init(struct stream_state *ss)
{
	size_t i = ss->first_op;
	struct op_state *os = &ss->ops[i];

	ss->fast = FAST_NONE;
	if (ss->s->source != SN_SRC_PACKETS || i >= ss->n_ops)
		return 0;
	if (os->op->kind == SN_OP_DISTINCT && plain_exprs(os))
		return init_distinct(ss, os);
	if (os->op->kind == SN_OP_MAP && plain_exprs(os) && i + 1 < ss->n_ops &&
	    ss->ops[i + 1].op->kind == SN_OP_REDUCE && plain_exprs(&ss->ops[i + 1]) &&
	    reduce_reads_cols(&ss->ops[i + 1]))
		return init_map_reduce(ss, os, &ss->ops[i + 1]);
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

/* A new key of a chain's distinct: the map and reduce after it, on words. */
static int chain_push(struct ectx *c, struct stream_state *ss, size_t i, const uint64_t *k)
{
	struct op_state *red = &ss->ops[i + 2];
	uint64_t rk[CSET_MAX_WORDS], v[DIRECT_MAX_COLS];
	size_t j;

	for (j = 0; j < red->n_ex; j++) {
		uint64_t w = ss->chain_src[j] >= 0 ? k[ss->chain_src[j]] : ss->chain_k[j];

		if (j < red->n_keys)
			rk[j] = w;
		else
			v[j - red->n_keys] = w;
	}
	return cred_update(c, red, rk, v);
}

/* A new key of a chain's distinct that did not pack (an IPv6 pair). The
 * reduce's key, built from some of its columns, may still pack. It must then
 * go to the compact rows like the others, because a key with rows in both
 * stores would count twice against --max-keys. */
static int chain_push_typed(struct ectx *c, struct stream_state *ss, size_t i,
			    const struct sn_value *cols)
{
	struct op_state *red = &ss->ops[i + 2];
	uint64_t rk[CSET_MAX_WORDS], v[DIRECT_MAX_COLS];
	size_t j;

	for (j = 0; j < red->n_ex; j++) {
		if (j >= red->n_keys)
			v[j - red->n_keys] = ss->chain_k[j];
		else if (ss->chain_src[j] < 0)
			rk[j] = ss->chain_k[j];
		else if (!cset_encode(1, &cols[ss->chain_src[j]], &rk[j]))
			return stream_push(c, ss, i + 1, cols);
	}
	return cred_update(c, red, rk, v);
}

/* Whether the leader of ss added this packet's key to its set. The key is
 * then new to ss as well, because ss gets the same packets. Only when the
 * leader's query rejected the key (--max-keys) does ss need its own set,
 * which contains the keys ss took on such packets and no others. */
static inline bool leader_added(const struct ectx *c, const struct stream_state *ss)
{
	return ss->leader && ss->leader->share_gen == c->eng->gen && ss->leader->share_added;
}

/* A key that packs lives in the compact set only (the table keeps the rest):
 * a new one goes on as the op's scratch tuple, which contains no strings.
 * With typed false the scratch tuple is not filled yet. */
static int cset_distinct(struct ectx *c, struct stream_state *ss, size_t i, const uint64_t *k,
			 bool typed)
{
	struct op_state *os = &ss->ops[i];
	bool found;
	size_t slot;

	if (leader_added(c, ss)) {
		if (!admit_key(c))
			return 0;
	} else {
		slot = cset_find(&os->cset, k, &found);
		if (found)
			return 0;
		ss->share_skip = false;
		if (!admit_key(c))
			return 0;
		if (cset_put(&os->cset, k, slot))
			return -ENOMEM;
		ss->share_added = true;
	}
	/* Also when profiling: every key of the reduce must take the same store. */
	if (ss->chain)
		return chain_push(c, ss, i, k);
	if (!typed && !eval_packet(c, os))
		return 0;
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
	ss->share_added = false;
	if (os->dkey) {
		int r = direct_read(c->eng, c->pkt, os->dkey, packed);

		if (r == 0)
			return 0;
		if (r > 0)
			return cset_distinct(c, ss, i, packed, false);
	}
	if (!eval_packet(c, os))
		return 0;
	if (os->has_cset && cset_encode(os->cset.nw, os->scratch, packed))
		return cset_distinct(c, ss, i, packed, true);
	if (table_lookup(&os->table, os->scratch, &hint))
		return 0;
	ss->share_skip = false;
	if (!admit_key(c))
		return 0;
	row = table_insert_hint(&os->table, os->scratch, &hint);
	if (!row)
		return -ENOMEM;
	if (ss->chain)
		return chain_push_typed(c, ss, i, row);
	return stream_push(c, ss, i + 1, row);
}

static inline int reduce_packed(struct ectx *c, struct op_state *red)
{
	uint64_t packed[CSET_MAX_WORDS], v[DIRECT_MAX_COLS];
	size_t j;

	if (!red->has_cred || red->op->n_aggs > DIRECT_MAX_COLS ||
	    !cset_encode(red->cred.nk, red->scratch, packed))
		return reduce_tuple(c, red, NULL);
	for (j = 0; j < red->op->n_aggs; j++)
		v[j] = red->scratch[red->n_keys + j].u;
	return cred_update(c, red, packed, v);
}

/* The map's columns read as packed words: 1 when done (*err set), 0 when
 * the packet needs the typed path. */
static int direct_map_reduce(struct ectx *c, struct op_state *map, struct op_state *red,
			     int *err)
{
	uint64_t w[DIRECT_MAX_COLS], k[CSET_MAX_WORDS], v[DIRECT_MAX_COLS];
	int r = direct_read(c->eng, c->pkt, map->dkey, w);
	size_t j;

	*err = 0;
	if (r < 0)
		return 0;
	if (r == 0)
		return 1;
	for (j = 0; j < red->n_keys; j++)
		k[j] = w[red->ex[j]->col];
	for (j = red->n_keys; j < red->n_ex; j++)
		v[j - red->n_keys] = red->ex[j] ? w[red->ex[j]->col] & PACK_MASK : 1;
	*err = cred_update(c, red, k, v);
	return 1;
}

static int fast_map_reduce(struct ectx *c, struct stream_state *ss, size_t i)
{
	struct op_state *map = &ss->ops[i], *red = &ss->ops[i + 1];
	size_t j;
	int err;

	if (map->dkey && !c->prof && direct_map_reduce(c, map, red, &err))
		return err;
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
