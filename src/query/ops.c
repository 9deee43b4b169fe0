/* Operators: filter, map, distinct and reduce, each with its output schema.
 * Names inside an operator resolve against p->ctx, the operator's input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

static int push_expr(struct sn_expr ***arr, size_t *n, struct sn_expr *e)
{
	struct sn_expr **grown = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!grown) {
		sq_expr_free(e);
		return -ENOMEM;
	}
	grown[*n] = e;
	*arr = grown;
	(*n)++;
	return 0;
}

int sq_parse_filter(struct sq_parser *p, struct sn_op *op)
{
	char what[128];
	int rc = sq_parse_expr(p, &op->pred);

	if (rc)
		return rc;
	if (op->pred->type != SN_T_UINT) {
		sq_describe_is(p, op->pred, what, sizeof(what));
		return sq_error(p, sq_node_of(op->pred)->start,
				"filter needs a comparison or a number, but %s", what);
	}
	return sq_schema_copy(&op->out, p->ctx.cols);
}

/* An unnamed item or key takes the name of the field or column it reads. */
static int auto_name(struct sq_parser *p, const struct sn_expr *e, const char *what,
		     char *buf, size_t size)
{
	char text[64];
	const struct sq_node *n = sq_node_of(e);

	if (sq_expr_name(p, e, buf, size) == 0)
		return 0;
	sq_snippet(p, n->start, n->end, text, sizeof(text));
	return sq_error(p, n->start, "%s `%s` needs a name; write `NAME = %s`", what, text, text);
}

/* One keyed expression of distinct or reduce-by: a named field or column. */
static int parse_key(struct sq_parser *p, struct sn_op *op, struct sn_schema *out,
		     const char *what)
{
	char name[SQ_MAX_NAME + 1];
	struct sn_expr *e;
	int rc = sq_parse_expr(p, &e);

	if (rc)
		return rc;
	rc = push_expr(&op->exprs, &op->n_exprs, e);
	if (!rc)
		rc = auto_name(p, e, what, name, sizeof(name));
	if (!rc)
		rc = sq_add_col(p, out, name, e->type, true, sq_node_of(e)->start);
	return rc;
}

static int parse_item(struct sq_parser *p, struct sn_op *op)
{
	char name[SQ_MAX_NAME + 1];
	struct sq_token next;
	struct sn_expr *e;
	bool named = false;
	size_t pos = p->tok.pos;
	int rc = 0;

	if (p->tok.kind == TK_IDENT) {
		rc = sq_peek(p, &next);
		named = !rc && next.kind == TK_ASSIGN;
	}
	if (named) {
		rc = sq_ident(p, name, sizeof(name));
		if (!rc)
			rc = sq_advance(p);
	}
	if (!rc)
		rc = sq_parse_expr(p, &e);
	if (!rc)
		rc = push_expr(&op->exprs, &op->n_exprs, e);
	if (!rc && !named)
		rc = auto_name(p, e, "map item", name, sizeof(name));
	if (!rc)
		rc = sq_add_col(p, &op->out, name, e->type, sq_expr_is_key(p, e), pos);
	return rc;
}

int sq_parse_map(struct sq_parser *p, struct sn_op *op)
{
	int rc = parse_item(p, op);

	while (!rc && p->tok.kind == TK_COMMA) {
		rc = sq_advance(p);
		if (!rc)
			rc = parse_item(p, op);
	}
	return rc;
}

static bool ends_op(enum sq_tok kind)
{
	return kind == TK_PIPE || kind == TK_SEMI || kind == TK_RBRACE || kind == TK_EOF;
}

/* `distinct` alone keeps every column, all as keys. */
static int distinct_all(struct sq_parser *p, struct sn_op *op, const struct sq_token *at)
{
	const struct sn_schema *in = p->ctx.cols;
	struct sn_expr *e;
	size_t i;
	int rc = 0;

	if (p->ctx.packets)
		return sq_error(p, at->pos, "distinct on packets needs the fields to keep, e.g. `distinct ip.src`");
	for (i = 0; i < in->n && !rc; i++) {
		struct sq_node *n = calloc(1, sizeof(*n));

		if (!n)
			return -ENOMEM;
		e = &n->e;
		e->kind = SN_EX_COL;
		e->col = (int)i;
		e->type = in->cols[i].type;
		e->line = at->line;
		e->column = at->col;
		n->start = at->pos;
		n->end = at->pos + at->len;
		n->depth = 1;
		rc = push_expr(&op->exprs, &op->n_exprs, e);
		if (!rc)
			rc = sq_add_col(p, &op->out, in->cols[i].name, in->cols[i].type, true,
					at->pos);
	}
	return rc;
}

int sq_parse_distinct(struct sq_parser *p, struct sn_op *op, const struct sq_token *at)
{
	int rc;

	if (ends_op(p->tok.kind))
		return distinct_all(p, op, at);
	rc = parse_key(p, op, &op->out, "distinct key");
	while (!rc && p->tok.kind == TK_COMMA) {
		rc = sq_advance(p);
		if (!rc)
			rc = parse_key(p, op, &op->out, "distinct key");
	}
	return rc;
}

static const struct {
	const char *name;
	enum sn_agg agg;
} agg_names[] = {
	{ "sum", SN_AGG_SUM }, { "min", SN_AGG_MIN }, { "max", SN_AGG_MAX },
	{ "count", SN_AGG_COUNT },
};

/* An aggregate's column, kept until the keys are known. */
struct agg_col {
	char name[SQ_MAX_NAME + 1];
	size_t pos;
};

static int push_agg(struct sn_op *op, enum sn_agg agg, struct sn_expr *arg)
{
	enum sn_agg *aggs = realloc(op->aggs, (op->n_aggs + 1) * sizeof(*aggs));
	struct sn_expr **args;

	if (!aggs) {
		sq_expr_free(arg);
		return -ENOMEM;
	}
	op->aggs = aggs;
	args = realloc(op->agg_args, (op->n_aggs + 1) * sizeof(*args));
	if (!args) {
		sq_expr_free(arg);
		return -ENOMEM;
	}
	op->agg_args = args;
	aggs[op->n_aggs] = agg;
	args[op->n_aggs] = arg;
	op->n_aggs++;
	return 0;
}

static int agg_kind(struct sq_parser *p, enum sn_agg *agg)
{
	char found[96];
	struct sq_token next;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(agg_names) / sizeof(agg_names[0]); i++) {
		if (!sq_tok_is(p, agg_names[i].name))
			continue;
		rc = sq_peek(p, &next);
		if (rc)
			return rc;
		if (next.kind != TK_LPAREN)
			break;
		*agg = agg_names[i].agg;
		return 0;
	}
	return sq_error(p, p->tok.pos, "expected an aggregate (sum, min, max or count) but found %s",
			sq_token_desc(p, &p->tok, found, sizeof(found)));
}

static int agg_arg(struct sq_parser *p, enum sn_agg agg, const char *fn, struct sn_expr **arg)
{
	char what[128];
	int rc = sq_expect(p, TK_LPAREN, NULL);

	*arg = NULL;
	if (!rc && agg != SN_AGG_COUNT)
		rc = sq_parse_expr(p, arg);
	if (!rc && *arg && (*arg)->type != SN_T_UINT) {
		sq_describe_is(p, *arg, what, sizeof(what));
		rc = sq_error(p, sq_node_of(*arg)->start, "%s needs a number, but %s", fn, what);
	}
	if (!rc)
		rc = sq_expect(p, TK_RPAREN, agg == SN_AGG_COUNT ? "')'; count() takes no argument" : NULL);
	if (rc) {
		sq_expr_free(*arg);
		*arg = NULL;
	}
	return rc;
}

static int parse_agg(struct sq_parser *p, struct sn_op *op, struct agg_col *col)
{
	struct sq_token next;
	struct sn_expr *arg;
	enum sn_agg agg = SN_AGG_COUNT;
	char fn[8];
	bool named = false;
	int rc = 0;

	col->pos = p->tok.pos;
	if (p->tok.kind == TK_IDENT) {
		rc = sq_peek(p, &next);
		named = !rc && next.kind == TK_ASSIGN;
	}
	if (named) {
		rc = sq_ident(p, col->name, sizeof(col->name));
		if (!rc)
			rc = sq_advance(p);
	}
	if (!rc)
		rc = agg_kind(p, &agg);
	if (rc)
		return rc;
	memcpy(fn, p->src + p->tok.pos, p->tok.len);
	fn[p->tok.len] = '\0';
	rc = sq_advance(p);
	if (!rc)
		rc = agg_arg(p, agg, fn, &arg);
	if (rc)
		return rc;
	rc = push_agg(op, agg, arg);
	if (rc || named)
		return rc;
	if (!arg) {
		strcpy(col->name, "count");
		return 0;
	}
	return auto_name(p, arg, "aggregate", col->name, sizeof(col->name));
}

/* reduce AGG {, AGG} by KEY {, KEY}: keys first in the output, then one
 * value column per aggregate. */
int sq_parse_reduce(struct sq_parser *p, struct sn_op *op)
{
	struct agg_col *cols = NULL, *grown;
	size_t n = 0, i;
	int rc = 0;

	do {
		if (n && (rc = sq_advance(p)))
			break;
		if (n >= SQ_MAX_COLS) {
			rc = sq_error(p, p->tok.pos, "too many aggregates (max %d)", SQ_MAX_COLS);
			break;
		}
		grown = realloc(cols, (n + 1) * sizeof(*cols));
		if (!grown) {
			rc = -ENOMEM;
			break;
		}
		cols = grown;
		rc = parse_agg(p, op, &cols[n++]);
	} while (!rc && p->tok.kind == TK_COMMA);
	if (!rc)
		rc = sq_expect(p, TK_BY, "',' or 'by' and the group keys");
	if (!rc)
		rc = parse_key(p, op, &op->out, "reduce key");
	while (!rc && p->tok.kind == TK_COMMA) {
		rc = sq_advance(p);
		if (!rc)
			rc = parse_key(p, op, &op->out, "reduce key");
	}
	for (i = 0; i < n && !rc; i++)
		rc = sq_add_col(p, &op->out, cols[i].name, SN_T_UINT, false, cols[i].pos);
	free(cols);
	return rc;
}
