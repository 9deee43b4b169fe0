/* Expression evaluation on packets and tuples. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/binop.h"
#include "engine/engine_int.h"

/* Bound on the values walked for one multi-valued comparison; a DNS message
 * keeps at most SN_DNS_MAX_RR records. */
#define MULTI_MAX (SN_DNS_MAX_RR + 1)

static bool field_is_multi(enum sn_field_id id)
{
	const struct sn_field_def *def = sn_field_by_id(id);

	return def && (def->flags & SN_FF_MULTI);
}

int enode_compile(const struct sn_expr *e, struct enode **out)
{
	struct enode *n;
	int err;

	*out = NULL;
	if (!e)
		return 0;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->kind = e->kind;
	n->op = e->op;
	n->value = e->value;
	n->field = e->field;
	n->col = e->col;
	n->bits = e->bits;
	n->stream = e->stream;
	err = enode_compile(e->a, &n->a);
	if (!err)
		err = enode_compile(e->b, &n->b);
	if (err) {
		enode_free(n);
		return err;
	}
	n->multi = (n->a && n->a->multi) || (n->b && n->b->multi);
	if (e->kind == SN_EX_FIELD)
		n->multi = e->multi || field_is_multi(e->field);
	if (e->kind == SN_EX_IN_PREFIX && n->value.type == SN_T_ADDR)
		sn_addr_mask(&n->value.addr, n->bits);
	*out = n;
	return 0;
}

void enode_free(struct enode *n)
{
	if (!n)
		return;
	enode_free(n->a);
	enode_free(n->b);
	free(n);
}

static int eval_field(struct ectx *c, const struct enode *n, struct sn_value *out)
{
	struct sn_engine *eng = c->eng;
	int has;

	if (!c->pkt)
		return 0;
	if (n->multi) {
		c->multi_read = true;
		has = sn_field_get(c->pkt, n->field, c->fixed ? c->idx : 0, out);
		if (!has)
			c->exhausted = true;
		return has;
	}
	if (eng->cache_gen[n->field] != eng->gen) {
		eng->cache_gen[n->field] = eng->gen;
		eng->cache_has[n->field] = sn_field_get(c->pkt, n->field, 0,
							&eng->cache[n->field]);
	}
	if (eng->cache_has[n->field])
		*out = eng->cache[n->field];
	return eng->cache_has[n->field];
}

static bool in_prefix(const struct enode *n, const struct sn_value *a)
{
	struct sn_addr masked;

	if (a->type != SN_T_ADDR || a->addr.family != n->value.addr.family)
		return false;
	masked = a->addr;
	sn_addr_mask(&masked, n->bits);
	return sn_addr_equal(&masked, &n->value.addr);
}

static bool contains(const struct enode *n, const struct sn_value *a)
{
	if (a->type != SN_T_STR && a->type != SN_T_BYTES)
		return false;
	if (n->value.s.len == 0)
		return true;
	return memmem(a->s.ptr, a->s.len, n->value.s.ptr, n->value.s.len) != NULL;
}

static bool in_previous(struct ectx *c, const struct enode *n, const struct sn_value *a)
{
	struct stream_state *ss;

	if (n->stream < 0 || (size_t)n->stream >= c->qs->n_streams)
		return false;
	ss = &c->qs->streams[n->stream];
	return ss->need_prev && ss->prev.count && table_find(&ss->prev, a) != NULL;
}

/* A test on one value: comparison, prefix, substring or previous(). */
static bool test_once(struct ectx *c, const struct enode *n)
{
	struct sn_value a, b;

	if (!eval(c, n->a, &a))
		return false;
	switch (n->kind) {
	case SN_EX_BINARY:
		if (!eval(c, n->b, &b))
			return false;
		return sn_binop_compare(n->op, &a, &b);
	case SN_EX_IN_PREFIX:
		return in_prefix(n, &a);
	case SN_EX_CONTAINS:
		return contains(n, &a);
	case SN_EX_IN_PREV:
		return in_previous(c, n, &a);
	default:
		return false;
	}
}

/* A test that reads a multi-valued field is true when any value passes. */
static bool test_any(struct ectx *c, const struct enode *n)
{
	unsigned idx;
	bool hit = false;

	if (!n->multi || c->fixed)
		return test_once(c, n);
	c->fixed = true;
	for (idx = 0; idx < MULTI_MAX && !hit; idx++) {
		c->idx = idx;
		c->exhausted = false;
		c->multi_read = false;
		hit = test_once(c, n);
		if (c->exhausted || !c->multi_read)
			break;
	}
	c->fixed = false;
	c->idx = 0;
	return hit;
}

static bool is_comparison(enum sn_binop op)
{
	return op >= SN_BIN_EQ && op <= SN_BIN_GE;
}

static int eval_binary(struct ectx *c, const struct enode *n, struct sn_value *out)
{
	struct sn_value a, b;

	out->type = SN_T_UINT;
	if (is_comparison(n->op)) {
		out->u = test_any(c, n);
		return 1;
	}
	if (n->op == SN_BIN_AND) {
		out->u = eval_true(c, n->a) && eval_true(c, n->b);
		return 1;
	}
	if (n->op == SN_BIN_OR) {
		out->u = eval_true(c, n->a) || eval_true(c, n->b);
		return 1;
	}
	if (!eval(c, n->a, &a) || !eval(c, n->b, &b))
		return 0;
	out->u = sn_binop_arith(n->op, a.u, b.u);
	return 1;
}

static int eval_len(struct ectx *c, const struct enode *n, struct sn_value *out)
{
	struct sn_value a;

	if (!eval(c, n->a, &a))
		return 0;
	out->type = SN_T_UINT;
	out->u = (a.type == SN_T_STR || a.type == SN_T_BYTES) ? a.s.len : 0;
	return 1;
}

int eval(struct ectx *c, const struct enode *n, struct sn_value *out)
{
	switch (n->kind) {
	case SN_EX_CONST:
		*out = n->value;
		return 1;
	case SN_EX_FIELD:
		return eval_field(c, n, out);
	case SN_EX_COL:
		if (!c->cols)
			return 0;
		*out = c->cols[n->col];
		return 1;
	case SN_EX_NOT:
		out->type = SN_T_UINT;
		out->u = !eval_true(c, n->a);
		return 1;
	case SN_EX_NEG:
		/* 0 - a, which stops at 0 like every subtraction. */
		if (!eval(c, n->a, out))
			return 0;
		out->u = 0;
		return 1;
	case SN_EX_BINARY:
		return eval_binary(c, n, out);
	case SN_EX_MASK:
		if (!eval(c, n->a, out))
			return 0;
		if (out->type == SN_T_ADDR)
			sn_addr_mask(&out->addr, n->bits);
		return 1;
	case SN_EX_IN_PREFIX:
	case SN_EX_CONTAINS:
	case SN_EX_IN_PREV:
		out->type = SN_T_UINT;
		out->u = test_any(c, n);
		return 1;
	case SN_EX_LEN:
		return eval_len(c, n, out);
	}
	return 0;
}

bool eval_true(struct ectx *c, const struct enode *n)
{
	struct sn_value v;

	if (!eval(c, n, &v))
		return false;
	if (v.type == SN_T_UINT)
		return v.u != 0;
	return true;
}
