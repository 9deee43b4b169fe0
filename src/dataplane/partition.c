/* Partitioning: which operators the switch supports and where a stream is cut. */
#include <string.h>

#include "sonata/fields.h"
#include "dataplane/dp_int.h"

static bool type_ok(enum sn_type t)
{
	return t == SN_T_UINT || t == SN_T_ADDR || t == SN_T_NONE;
}

static bool field_ok(enum sn_field_id id)
{
	const struct sn_field_def *def = sn_field_by_id(id);

	return def && (def->flags & SN_FF_SWITCH) && !(def->flags & SN_FF_MULTI);
}

/* A PISA ALU adds, subtracts, masks and compares; it has no multiply or divide. */
static bool binop_ok(enum sn_binop op)
{
	switch (op) {
	case SN_BIN_MUL:
	case SN_BIN_DIV:
	case SN_BIN_MOD:
		return false;
	default:
		return true;
	}
}

bool sn_dp_expr_ok(const struct sn_expr *e)
{
	if (!e)
		return true;
	if (!type_ok(e->type) || e->multi)
		return false;
	switch (e->kind) {
	case SN_EX_CONST:
	case SN_EX_COL:
		return true;
	case SN_EX_FIELD:
		return field_ok(e->field);
	case SN_EX_NOT:
	case SN_EX_MASK:
	case SN_EX_IN_PREFIX:
		return sn_dp_expr_ok(e->a);
	case SN_EX_BINARY:
		return binop_ok(e->op) && sn_dp_expr_ok(e->a) && sn_dp_expr_ok(e->b);
	default:
		/* len(), contains, previous() and negation stay in the stream processor. */
		return false;
	}
}

static bool exprs_ok(struct sn_expr *const *ex, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!sn_dp_expr_ok(ex[i]))
			return false;
	return true;
}

/* Whether op alone can run in the switch, ignoring what comes before it. */
static bool op_alone_ok(const struct sn_op *op)
{
	switch (op->kind) {
	case SN_OP_FILTER:
		return sn_dp_expr_ok(op->pred);
	case SN_OP_MAP:
	case SN_OP_DISTINCT:
		return exprs_ok(op->exprs, op->n_exprs);
	case SN_OP_REDUCE:
		if (op->n_aggs != 1 || !exprs_ok(op->exprs, op->n_exprs))
			return false;
		if (op->aggs[0] == SN_AGG_COUNT)
			return true;
		return op->aggs[0] == SN_AGG_SUM && sn_dp_expr_ok(op->agg_args[0]);
	}
	return false;
}

bool sn_dp_op_ok(const struct sn_query *q, size_t s, size_t i)
{
	const struct sn_stream *st;
	size_t k;
	uint64_t t;

	if (s >= q->n_streams || q->streams[s].source != SN_SRC_PACKETS)
		return false;
	st = &q->streams[s];
	if (i >= st->n_ops)
		return false;
	for (k = 0; k <= i; k++) {
		if (!op_alone_ok(&st->ops[k]))
			return false;
		if (st->ops[k].kind != SN_OP_REDUCE || k == i)
			continue;
		/* After a reduce the switch sends increments: only its threshold follows. */
		return k + 1 == i && dp_threshold(&st->ops[k], &st->ops[i], &t);
	}
	return true;
}

/* Each stream has at most one distinct and one reduce after it in the switch, because overflow at
 * a distinct is repaired by marking the key in the reduce that follows, which a second
 * distinct between them would defeat. */
size_t sn_dp_tables(const struct sn_query *q, struct sn_dp_table *out, size_t max)
{
	size_t n = 0, s, i;

	for (s = 0; s < q->n_streams; s++) {
		const struct sn_stream *st = &q->streams[s];
		bool distinct = false;

		for (i = 0; i < st->n_ops && sn_dp_op_ok(q, s, i); i++) {
			enum sn_op_kind kind = st->ops[i].kind;

			if (kind != SN_OP_DISTINCT && kind != SN_OP_REDUCE)
				continue;
			if (kind == SN_OP_DISTINCT && distinct)
				break;
			distinct = distinct || kind == SN_OP_DISTINCT;
			if (n < max) {
				out[n].stream = s;
				out[n].op = i;
			}
			n++;
			if (kind == SN_OP_REDUCE)
				break;
		}
	}
	return n < max ? n : max;
}

static bool table_placed(const struct sn_dp_table *t, size_t n, unsigned ntables, size_t s,
			 size_t op)
{
	size_t k;

	for (k = 0; k < n && k < ntables; k++)
		if (t[k].stream == s && t[k].op == op)
			return true;
	return false;
}

size_t sn_dp_cut(const struct sn_query *q, size_t s, unsigned ntables, bool stateless)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t n, i, cut = 0;
	const struct sn_stream *st;

	if (!stateless || s >= q->n_streams)
		return 0;
	st = &q->streams[s];
	n = sn_dp_tables(q, t, SN_PLAN_MAX_TABLES);
	for (i = 0; i < st->n_ops && sn_dp_op_ok(q, s, i); i++) {
		enum sn_op_kind kind = st->ops[i].kind;

		if (kind == SN_OP_FILTER || kind == SN_OP_MAP) {
			cut = i + 1;
			continue;
		}
		if (!table_placed(t, n, ntables, s, i))
			break;
		cut = i + 1;
		if (kind == SN_OP_REDUCE) {
			if (sn_dp_op_ok(q, s, i + 1))
				cut = i + 2;
			break;
		}
	}
	return cut;
}
