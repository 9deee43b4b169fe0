/* Reduce: per-key aggregates held until the window closes. */
#include <errno.h>

#include "engine/engine_int.h"

static void aggregate(enum sn_agg agg, struct sn_value *acc, const struct sn_value *v, bool first)
{
	switch (agg) {
	case SN_AGG_SUM:
		acc->u += v->u;
		break;
	case SN_AGG_COUNT:
		acc->u++;
		break;
	case SN_AGG_MIN:
		if (first || v->u < acc->u)
			acc->u = v->u;
		break;
	case SN_AGG_MAX:
		if (first || v->u > acc->u)
			acc->u = v->u;
		break;
	}
}

int reduce_tuple(struct ectx *c, struct op_state *os, void *arg)
{
	const struct sn_op *op = os->op;
	struct sn_value *row;
	struct table_hint hint;
	bool first = false;
	size_t j;

	row = table_lookup(&os->table, os->scratch, &hint);
	if (!row) {
		if (!admit_key(c))
			return 0;
		row = table_insert_hint(&os->table, os->scratch, &hint);
		if (!row || (os->has_cred && cred_note_row(os)))
			return -ENOMEM;
		first = true;
	}
	for (j = 0; j < op->n_aggs; j++)
		aggregate(op->aggs[j], &row[os->n_keys + j], &os->scratch[os->n_keys + j], first);
	return 0;
}

int reduce_push(struct ectx *c, struct op_state *os, const struct sn_value *cols)
{
	return each_tuple(c, os, cols, reduce_tuple, NULL);
}
