/* Refinement: whether a query can be refined on an address key, and its coarse levels.
 *
 * A coarse level computes the query with the key cut to a prefix. It never misses a key the
 * finest level reports when every aggregate can only grow as keys merge (count, sum,
 * distinct count) and every later test is an at-least threshold on such a value. A
 * subtraction, a division, an at-most test, min or max break that guarantee, so queries
 * using them keep only their finest level. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_int.h"

#define MAX_COLS 256

/* Key columns of a stream's output, and whether an aggregate came before them. */
struct carry {
	bool col[MAX_COLS];
	size_t n;
	bool stateful;
};

struct analysis {
	const struct sn_query *q;
	enum sn_field_id key;
	struct carry *streams;
	char *why;
	size_t len;
};

static int fail(struct analysis *an, const struct sn_stream *st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct analysis *an, const struct sn_stream *st, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (an->why && an->len)
		snprintf(an->why, an->len, "stream %s: %s", st->name, msg);
	return -EINVAL;
}

/* Whether e reads a column holding the (masked) key. Packet fields are never masked, so
 * reading the key field itself is safe. */
static bool reads_key(const struct sn_expr *e, const struct carry *c)
{
	if (!e)
		return false;
	if (e->kind == SN_EX_COL && e->col >= 0 && (size_t)e->col < c->n && c->col[e->col])
		return true;
	return reads_key(e->a, c) || reads_key(e->b, c);
}

static bool has_previous(const struct sn_expr *e)
{
	if (!e)
		return false;
	return e->kind == SN_EX_IN_PREV || has_previous(e->a) || has_previous(e->b);
}

/* The key itself, or a prefix of it: it stays a key after masking to a coarser prefix. */
static bool pure_key(const struct analysis *an, const struct sn_expr *e, const struct carry *c)
{
	if (e->kind == SN_EX_MASK)
		return pure_key(an, e->a, c);
	if (e->kind == SN_EX_FIELD)
		return e->field == an->key;
	return e->kind == SN_EX_COL && (size_t)e->col < c->n && c->col[e->col];
}

/* A value that can only grow when keys merge: columns, constants and their sums. */
static bool monotone(const struct sn_expr *e)
{
	if (e->kind == SN_EX_COL || e->kind == SN_EX_CONST)
		return true;
	return e->kind == SN_EX_BINARY && e->op == SN_BIN_ADD && monotone(e->a) && monotone(e->b);
}

/* `value >= N`, `value > N` (or mirrored), or a conjunction of them. */
static bool at_least(const struct sn_expr *e)
{
	if (e->kind != SN_EX_BINARY)
		return false;
	if (e->op == SN_BIN_AND)
		return at_least(e->a) && at_least(e->b);
	if (e->op == SN_BIN_GE || e->op == SN_BIN_GT)
		return monotone(e->a) && e->b->kind == SN_EX_CONST;
	if (e->op == SN_BIN_LE || e->op == SN_BIN_LT)
		return monotone(e->b) && e->a->kind == SN_EX_CONST;
	return false;
}

static int check_filter(struct analysis *an, const struct sn_stream *st, const struct sn_op *op,
			const struct carry *c)
{
	if (has_previous(op->pred))
		return fail(an, st, "previous() depends on the exact keys of the last window");
	if (reads_key(op->pred, c))
		return fail(an, st, "a filter tests the key column, which a coarse level masks");
	if (c->stateful && !at_least(op->pred))
		return fail(an, st, "a filter after an aggregate is not an at-least threshold");
	return 0;
}

/* Keys of a map, distinct or reduce: mark the ones that carry the key. */
static int keys_carry(struct analysis *an, const struct sn_stream *st, struct sn_expr *const *ex,
		      size_t n, const struct carry *in, struct carry *out)
{
	size_t i;

	for (i = 0; i < n && i < MAX_COLS; i++) {
		if (has_previous(ex[i]))
			return fail(an, st, "previous() depends on the exact keys");
		out->col[i] = pure_key(an, ex[i], in);
		if (!out->col[i] && reads_key(ex[i], in))
			return fail(an, st, "a column computes a value from the key");
	}
	return 0;
}

static int check_map(struct analysis *an, const struct sn_stream *st, const struct sn_op *op,
		     struct carry *c)
{
	struct carry out = { .n = op->out.n, .stateful = c->stateful };
	size_t i;
	int rc = keys_carry(an, st, op->exprs, op->n_exprs, c, &out);

	for (i = 0; !rc && c->stateful && i < op->n_exprs; i++) {
		if (!op->out.cols[i].is_key && !monotone(op->exprs[i]))
			rc = fail(an, st, "column %s is not a sum of aggregates",
				  op->out.cols[i].name);
	}
	if (!rc)
		*c = out;
	return rc;
}

static bool any_carry(const struct carry *c, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < MAX_COLS; i++)
		if (c->col[i])
			return true;
	return false;
}

static int check_stateful(struct analysis *an, const struct sn_stream *st,
			  const struct sn_op *op, struct carry *c)
{
	struct carry out = { .n = op->out.n, .stateful = true };
	size_t i, nk = op->n_exprs;
	int rc;

	if (op->kind == SN_OP_DISTINCT && nk == 0) {
		out = *c;
		out.stateful = true;
		nk = c->n;
	} else {
		rc = keys_carry(an, st, op->exprs, op->n_exprs, c, &out);
		if (rc)
			return rc;
	}
	if (!any_carry(&out, nk))
		return fail(an, st, "%s does not group by the key",
			    op->kind == SN_OP_REDUCE ? "a reduce" : "a distinct");
	for (i = 0; op->kind == SN_OP_REDUCE && i < op->n_aggs; i++) {
		if (op->aggs[i] != SN_AGG_SUM && op->aggs[i] != SN_AGG_COUNT)
			return fail(an, st, "min and max are not monotone under merging keys");
		if (reads_key(op->agg_args[i], c))
			return fail(an, st, "an aggregate reads the key");
	}
	*c = out;
	return 0;
}

static void copy_cols(struct carry *dst, size_t *at, const struct carry *src, const int *keys,
		      size_t nk)
{
	size_t i, k;

	for (i = 0; i < src->n; i++) {
		for (k = 0; k < nk && keys[k] != (int)i; k++)
			;
		if (k < nk)
			continue;
		if (*at < MAX_COLS)
			dst->col[*at] = src->col[i];
		(*at)++;
	}
}

static int join_carry(struct analysis *an, const struct sn_stream *st, struct carry *c)
{
	const struct carry *l = &an->streams[st->left], *r = &an->streams[st->right];
	size_t k, at = st->n_join_keys;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < st->n_join_keys && k < MAX_COLS; k++) {
		bool lc = l->col[st->left_keys[k]], rc = r->col[st->right_keys[k]];

		if (lc != rc)
			return fail(an, st, "the join matches the key with another column");
		c->col[k] = lc;
	}
	copy_cols(c, &at, l, st->left_keys, st->n_join_keys);
	copy_cols(c, &at, r, st->right_keys, st->n_join_keys);
	c->n = at;
	c->stateful = l->stateful || r->stateful;
	return 0;
}

static int check_stream(struct analysis *an, size_t s)
{
	const struct sn_stream *st = &an->q->streams[s];
	struct carry c;
	size_t i;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	if (st->source == SN_SRC_STREAM)
		c = an->streams[st->input];
	else if (st->source == SN_SRC_JOIN)
		rc = join_carry(an, st, &c);
	for (i = 0; !rc && i < st->n_ops; i++) {
		const struct sn_op *op = &st->ops[i];

		if (op->out.n > MAX_COLS)
			return fail(an, st, "too many columns");
		if (op->kind == SN_OP_FILTER)
			rc = check_filter(an, st, op, &c);
		else if (op->kind == SN_OP_MAP)
			rc = check_map(an, st, op, &c);
		else
			rc = check_stateful(an, st, op, &c);
	}
	an->streams[s] = c;
	return rc;
}

static int analyse(const struct sn_query *q, enum sn_field_id key, int *out_col, char *why,
		   size_t len)
{
	struct analysis an = { .q = q, .key = key, .why = why, .len = len };
	const struct sn_stream *last;
	const struct sn_schema *sch;
	size_t s;
	int rc = 0;

	if (q->n_streams == 0)
		return -EINVAL;
	an.streams = calloc(q->n_streams, sizeof(*an.streams));
	if (!an.streams)
		return -ENOMEM;
	for (s = 0; s < q->n_streams && !rc; s++)
		rc = check_stream(&an, s);
	last = &q->streams[q->n_streams - 1];
	sch = last->n_ops ? &last->ops[last->n_ops - 1].out : &last->in;
	for (s = 0; !rc && s < an.streams[q->n_streams - 1].n; s++) {
		if (an.streams[q->n_streams - 1].col[s] && s < sch->n && sch->cols[s].is_key)
			break;
	}
	if (!rc && !an.streams[q->n_streams - 1].stateful)
		rc = fail(&an, last, "no aggregate to refine");
	else if (!rc && s == an.streams[q->n_streams - 1].n)
		rc = fail(&an, last, "the output has no key column holding the key");
	if (!rc && out_col)
		*out_col = (int)s;
	free(an.streams);
	return rc;
}

static const enum sn_field_id candidates[] = {
	SN_F_IP_DST, SN_F_IP_SRC, SN_F_IPV4_DST, SN_F_IPV4_SRC, SN_F_IPV6_DST, SN_F_IPV6_SRC,
};

int sn_dp_refine_key(const struct sn_query *q, enum sn_field_id *key, char *why, size_t len)
{
	char first[200] = "";
	size_t i;

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		char msg[200] = "";

		if (!analyse(q, candidates[i], NULL, msg, sizeof(msg))) {
			*key = candidates[i];
			return 0;
		}
		/* Report why the first key that the query groups by could not be used. */
		if (!first[0] || strstr(first, "does not group by"))
			snprintf(first, sizeof(first), "%s", msg);
	}
	if (why && len)
		snprintf(why, len, "%s", first);
	return -EINVAL;
}

int sn_dp_refine_col(const struct sn_query *q, enum sn_field_id key)
{
	int col = -1;

	return analyse(q, key, &col, NULL, 0) ? -1 : col;
}

static struct sn_expr *mask_node(struct sn_expr *inner, unsigned level)
{
	struct sn_expr *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->kind = SN_EX_MASK;
	e->type = SN_T_ADDR;
	e->bits = level;
	e->a = inner;
	e->line = inner->line;
	e->column = inner->column;
	return e;
}

static bool is_key_field(const struct sn_expr *e, enum sn_field_id key)
{
	if (e->kind == SN_EX_MASK)
		return is_key_field(e->a, key);
	return e->kind == SN_EX_FIELD && e->field == key;
}

/* Copy op's expression list with the key items masked; *op keeps the copy. */
static int mask_items(struct sn_op *op, enum sn_field_id key, unsigned level)
{
	struct sn_expr **ex;
	size_t i;

	ex = calloc(op->n_exprs ? op->n_exprs : 1, sizeof(*ex));
	if (!ex)
		return -ENOMEM;
	for (i = 0; i < op->n_exprs; i++) {
		ex[i] = op->exprs[i];
		if (is_key_field(ex[i], key))
			ex[i] = mask_node(op->exprs[i], level);
		if (!ex[i]) {
			while (i--)
				if (ex[i] != op->exprs[i])
					free(ex[i]);
			free(ex);
			return -ENOMEM;
		}
	}
	op->exprs = ex;
	return 0;
}

static int mask_stream(struct sn_stream *st, enum sn_field_id key, unsigned level)
{
	struct sn_op *ops = calloc(st->n_ops ? st->n_ops : 1, sizeof(*ops));
	size_t i;
	int rc = 0;

	if (!ops)
		return -ENOMEM;
	memcpy(ops, st->ops, st->n_ops * sizeof(*ops));
	st->ops = ops;
	/* Fields are readable up to the first map, distinct or reduce, so only that one can
	 * make the key field a column. */
	for (i = 0; i < st->n_ops && !rc; i++) {
		if (ops[i].kind == SN_OP_FILTER)
			continue;
		rc = mask_items(&ops[i], key, level);
		break;
	}
	return rc;
}

int dp_level_query(const struct sn_query *orig, enum sn_field_id key, unsigned level,
		   struct sn_query *out)
{
	size_t s;
	int rc = 0;

	*out = *orig;
	if (level >= SN_DP_FINEST)
		return 0;
	out->streams = calloc(orig->n_streams, sizeof(*out->streams));
	if (!out->streams)
		return -ENOMEM;
	memcpy(out->streams, orig->streams, orig->n_streams * sizeof(*out->streams));
	for (s = 0; s < orig->n_streams && !rc; s++) {
		if (orig->streams[s].source == SN_SRC_PACKETS)
			rc = mask_stream(&out->streams[s], key, level);
	}
	if (rc)
		dp_level_query_free(out, orig);
	return rc;
}

void dp_level_query_free(struct sn_query *copy, const struct sn_query *orig)
{
	size_t s, i, k;

	if (!copy->streams || copy->streams == orig->streams)
		return;
	for (s = 0; s < orig->n_streams; s++) {
		struct sn_stream *st = &copy->streams[s];

		if (st->ops == orig->streams[s].ops)
			continue;
		for (i = 0; i < st->n_ops; i++) {
			const struct sn_op *o = &orig->streams[s].ops[i];

			if (st->ops[i].exprs == o->exprs)
				continue;
			for (k = 0; k < st->ops[i].n_exprs; k++)
				if (st->ops[i].exprs[k] != o->exprs[k])
					free(st->ops[i].exprs[k]);
			free(st->ops[i].exprs);
		}
		free(st->ops);
	}
	free(copy->streams);
	copy->streams = NULL;
}
