/* Packet fast paths: the usual shapes of a packet stream after its shared
 * filters, run without the general tuple plumbing.
 *
 *   distinct K...            each packet: one table lookup; only a key seen
 *                            for the first time goes on through stream_push
 *   map K..., V... | reduce  each packet: the map's values, moved straight
 *                            into the reduce's key and argument columns
 *
 * Both do what stream_push does for these ops, tuple for tuple; streams of
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

void fast_init(struct stream_state *ss)
{
	size_t i = ss->first_op;

	ss->fast = FAST_NONE;
	if (ss->s->source != SN_SRC_PACKETS || i >= ss->n_ops)
		return;
	if (ss->ops[i].op->kind == SN_OP_DISTINCT && plain_exprs(&ss->ops[i])) {
		ss->fast = FAST_DISTINCT;
	} else if (ss->ops[i].op->kind == SN_OP_MAP && plain_exprs(&ss->ops[i]) &&
		   i + 1 < ss->n_ops && ss->ops[i + 1].op->kind == SN_OP_REDUCE &&
		   plain_exprs(&ss->ops[i + 1]) && reduce_reads_cols(&ss->ops[i + 1])) {
		ss->fast = FAST_MAP_REDUCE;
	}
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

static int fast_distinct(struct ectx *c, struct stream_state *ss, size_t i)
{
	struct op_state *os = &ss->ops[i];
	struct table_hint hint;
	struct sn_value *row;

	if (!eval_packet(c, os))
		return 0;
	if (table_lookup(&os->table, os->scratch, &hint))
		return 0;
	if (!admit_key(c))
		return 0;
	row = table_insert_hint(&os->table, os->scratch, &hint);
	if (!row)
		return -ENOMEM;
	return stream_push(c, ss, i + 1, row);
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
		err = reduce_tuple(c, red, NULL);
		red->prof_ns += prof_end(c->eng, &m);
		return err;
	}
	return reduce_tuple(c, red, NULL);
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

int stream_packet(struct ectx *c, struct stream_state *ss)
{
	c->cols = NULL;
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
