/* Data-plane operators: filters, maps, distinct and reduce on register arrays. The
 * expression semantics match the stream processor's (src/engine/eval.c) for the subset
 * the switch accepts, so a tuple computed here equals the one the engine would compute. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/fields.h"
#include "common/binop.h"
#include "dataplane/dp_int.h"

static bool in_prefix(const struct sn_expr *e, const struct sn_value *a)
{
	struct sn_addr masked, prefix;

	if (a->type != SN_T_ADDR || a->addr.family != e->value.addr.family)
		return false;
	masked = a->addr;
	prefix = e->value.addr;
	sn_addr_mask(&masked, e->bits);
	sn_addr_mask(&prefix, e->bits);
	return sn_addr_equal(&masked, &prefix);
}

static int eval_binary(const struct sn_expr *e, const struct sn_packet *pkt,
		       const struct sn_value *cols, struct sn_value *out)
{
	struct sn_value a, b;

	out->type = SN_T_UINT;
	if (e->op >= SN_BIN_EQ && e->op <= SN_BIN_GE) {
		out->u = dp_eval(e->a, pkt, cols, &a) && dp_eval(e->b, pkt, cols, &b) &&
			 sn_binop_compare(e->op, &a, &b);
		return 1;
	}
	if (e->op == SN_BIN_AND) {
		out->u = dp_true(e->a, pkt, cols) && dp_true(e->b, pkt, cols);
		return 1;
	}
	if (e->op == SN_BIN_OR) {
		out->u = dp_true(e->a, pkt, cols) || dp_true(e->b, pkt, cols);
		return 1;
	}
	if (!dp_eval(e->a, pkt, cols, &a) || !dp_eval(e->b, pkt, cols, &b))
		return 0;
	switch (e->op) {
	case SN_BIN_ADD:
	case SN_BIN_SUB:
	case SN_BIN_AND_BITS:
		out->u = sn_binop_arith(e->op, a.u, b.u);
		return 1;
	default:
		return 0;
	}
}

int dp_eval(const struct sn_expr *e, const struct sn_packet *pkt, const struct sn_value *cols,
	    struct sn_value *out)
{
	switch (e->kind) {
	case SN_EX_CONST:
		*out = e->value;
		return 1;
	case SN_EX_FIELD:
		return pkt ? sn_field_get(pkt, e->field, 0, out) : 0;
	case SN_EX_COL:
		if (!cols)
			return 0;
		*out = cols[e->col];
		return 1;
	case SN_EX_NOT:
		out->type = SN_T_UINT;
		out->u = !dp_true(e->a, pkt, cols);
		return 1;
	case SN_EX_BINARY:
		return eval_binary(e, pkt, cols, out);
	case SN_EX_MASK:
		if (!dp_eval(e->a, pkt, cols, out))
			return 0;
		if (out->type == SN_T_ADDR)
			sn_addr_mask(&out->addr, e->bits);
		return 1;
	case SN_EX_IN_PREFIX: {
		struct sn_value a;

		out->type = SN_T_UINT;
		out->u = dp_eval(e->a, pkt, cols, &a) && in_prefix(e, &a);
		return 1;
	}
	default:
		return 0;
	}
}

bool dp_true(const struct sn_expr *e, const struct sn_packet *pkt, const struct sn_value *cols)
{
	struct sn_value v;

	if (!dp_eval(e, pkt, cols, &v))
		return false;
	return v.type == SN_T_UINT ? v.u != 0 : true;
}

unsigned dp_type_bits(enum sn_type t)
{
	/* NOTE: addresses count as IPv4 (32 bits); an IPv6 key would need 128. Numbers count
	 * 32 bits, the widest header field the switch compares. */
	(void)t;
	return 32;
}

unsigned dp_slot_bits(const struct sn_op *op, size_t n_in, const struct sn_schema *in)
{
	unsigned bits = 0;
	size_t i, n = op->n_exprs;

	if (op->kind == SN_OP_DISTINCT && n == 0) {
		for (i = 0; i < n_in && in; i++)
			bits += dp_type_bits(in->cols[i].type);
	}
	for (i = 0; i < n; i++)
		bits += dp_type_bits(op->out.cols[i].type);
	/* A distinct needs only the occupied bit; a reduce keeps a 32-bit value. */
	return bits + (op->kind == SN_OP_REDUCE ? SN_DP_VALUE_BITS : 1);
}

static bool const_uint(const struct sn_expr *e, uint64_t *v)
{
	if (e->kind != SN_EX_CONST || e->value.type != SN_T_UINT)
		return false;
	*v = e->value.u;
	return true;
}

bool dp_threshold(const struct sn_op *reduce, const struct sn_op *filter, uint64_t *t)
{
	const struct sn_expr *p;
	int col = (int)reduce->n_exprs;
	uint64_t c;

	if (!filter || filter->kind != SN_OP_FILTER || reduce->n_aggs != 1)
		return false;
	p = filter->pred;
	if (p->kind != SN_EX_BINARY)
		return false;
	if (p->a->kind == SN_EX_COL && p->a->col == col && const_uint(p->b, &c)) {
		if (p->op == SN_BIN_GE || (p->op == SN_BIN_GT && c < UINT64_MAX)) {
			*t = p->op == SN_BIN_GE ? c : c + 1;
			return true;
		}
	}
	if (p->b->kind == SN_EX_COL && p->b->col == col && const_uint(p->a, &c)) {
		if (p->op == SN_BIN_LE || (p->op == SN_BIN_LT && c < UINT64_MAX)) {
			*t = p->op == SN_BIN_LE ? c : c + 1;
			return true;
		}
	}
	return false;
}

int dp_op_init(struct dp_op *o, const struct sn_op *op, const struct sn_op *next,
	       size_t n_in, uint32_t cells, unsigned probes)
{
	size_t width = op->out.n > n_in ? op->out.n : n_in;
	size_t n_keys;

	memset(o, 0, sizeof(*o));
	o->op = op;
	o->n_in = n_in;
	o->out = calloc(width + 1, sizeof(*o->out));
	if (!o->out)
		return -ENOMEM;
	if (op->kind != SN_OP_DISTINCT && op->kind != SN_OP_REDUCE)
		return 0;
	o->stateful = true;
	if (op->kind == SN_OP_REDUCE)
		o->fused = dp_threshold(op, next, &o->threshold);
	n_keys = op->kind == SN_OP_DISTINCT && op->n_exprs == 0 ? n_in : op->n_exprs;
	return dp_regs_init(&o->regs, n_keys, cells, probes);
}

void dp_op_free(struct dp_op *o)
{
	free(o->out);
	if (o->stateful)
		dp_regs_free(&o->regs);
	memset(o, 0, sizeof(*o));
}

void dp_op_reset(struct dp_op *o)
{
	if (!o->stateful)
		return;
	if (o->regs.n_used > o->peak_keys)
		o->peak_keys = o->regs.n_used;
	dp_regs_clear(&o->regs);
}

static int eval_list(struct sn_expr *const *ex, size_t n, const struct sn_packet *pkt,
		     const struct sn_value *cols, struct sn_value *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!dp_eval(ex[i], pkt, cols, &out[i]))
			return 0;
	return 1;
}

/* Report a key when its value crosses the threshold (old < T <= new, so sums of bytes
 * work), with the whole value, and then every later increment, so that re-summing the
 * reports gives the exact total. A key first seen counts as below any threshold. */
static enum dp_verdict reduce_update(struct dp_op *o, uint64_t *val, bool inserted,
				     uint64_t inc)
{
	uint64_t old = *val, now = old + inc;
	size_t nk = o->op->n_exprs;
	bool tainted = *dp_regs_flags(&o->regs, val) & DP_CELL_TAINTED;
	bool below = !tainted && (inserted || old < o->threshold);

	*val = now;
	o->out[nk].type = SN_T_UINT;
	if (below && now >= o->threshold) {
		o->out[nk].u = now;
		return DP_REPORT;
	}
	if (!below && inc > 0) {
		o->out[nk].u = inc;
		return DP_REPORT;
	}
	return DP_DROP;
}

static enum dp_verdict run_reduce(struct dp_op *o, const struct sn_packet *pkt,
				  const struct sn_value *cols)
{
	const struct sn_op *op = o->op;
	struct sn_value arg;
	enum dp_lookup found;
	uint64_t *val, inc = 1;

	if (!eval_list(op->exprs, op->n_exprs, pkt, cols, o->out))
		return DP_DROP;
	if (op->aggs[0] == SN_AGG_SUM) {
		if (!op->agg_args[0] || !dp_eval(op->agg_args[0], pkt, cols, &arg))
			return DP_DROP;
		inc = arg.u;
	}
	found = dp_regs_lookup(&o->regs, o->out, &val);
	if (found == DP_OVERFLOW)
		return DP_OVERFLOW_SP;
	return reduce_update(o, val, found == DP_INSERTED, inc);
}

enum dp_verdict dp_op_taint(struct dp_op *o, const struct sn_packet *pkt,
			    const struct sn_value *cols)
{
	const struct sn_op *op = o->op;
	enum dp_lookup found;
	uint8_t *flags;
	uint64_t *val;

	if (op->kind != SN_OP_REDUCE || !eval_list(op->exprs, op->n_exprs, pkt, cols, o->out))
		return DP_DROP;
	found = dp_regs_lookup(&o->regs, o->out, &val);
	if (found == DP_OVERFLOW)
		return DP_DROP;
	flags = dp_regs_flags(&o->regs, val);
	if (*flags & DP_CELL_TAINTED)
		return DP_DROP;
	*flags |= DP_CELL_TAINTED;
	/* Above the threshold the key already reports every increment. */
	if (found == DP_INSERTED || *val == 0 || *val >= o->threshold)
		return DP_DROP;
	o->out[op->n_exprs].type = SN_T_UINT;
	o->out[op->n_exprs].u = *val;
	o->passed++;
	return DP_REPORT;
}

static enum dp_verdict run_distinct(struct dp_op *o, const struct sn_packet *pkt,
				    const struct sn_value *cols)
{
	uint64_t *val;

	if (o->op->n_exprs == 0)
		memcpy(o->out, cols, o->n_in * sizeof(*cols));
	else if (!eval_list(o->op->exprs, o->op->n_exprs, pkt, cols, o->out))
		return DP_DROP;
	switch (dp_regs_lookup(&o->regs, o->out, &val)) {
	case DP_INSERTED:
		*val = 1;
		return DP_PASS;
	case DP_OVERFLOW:
		return DP_OVERFLOW_SP;
	default:
		return DP_DROP;
	}
}

enum dp_verdict dp_op_run(struct dp_op *o, const struct sn_packet *pkt,
			  const struct sn_value *cols)
{
	enum dp_verdict v = DP_DROP;

	o->in++;
	switch (o->op->kind) {
	case SN_OP_FILTER:
		v = dp_true(o->op->pred, pkt, cols) ? DP_PASS : DP_DROP;
		break;
	case SN_OP_MAP:
		v = eval_list(o->op->exprs, o->op->n_exprs, pkt, cols, o->out) ? DP_PASS : DP_DROP;
		break;
	case SN_OP_DISTINCT:
		v = run_distinct(o, pkt, cols);
		break;
	case SN_OP_REDUCE:
		v = run_reduce(o, pkt, cols);
		break;
	}
	if (v != DP_DROP)
		o->passed++;
	if (v == DP_OVERFLOW_SP)
		o->overflow++;
	return v;
}
