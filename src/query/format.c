/* Print a checked query back in the language. Parsing the output gives a
 * query that prints the same text again. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

#define INDENT "    "

struct out {
	char *buf;
	size_t size, off;
	bool truncated;
};

static void emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->off < o->size ? o->size - o->off : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->off : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->truncated = true;
		return;
	}
	if ((size_t)n >= room)
		o->truncated = true;
	o->off += (size_t)n;
}

/* Binding strength of each printed form, from loose to tight. */
enum prec {
	P_OR = 1, P_AND, P_NOT, P_CMP, P_IN, P_CONTAINS, P_ADD, P_MUL, P_AMP, P_NEG, P_ATOM,
};

static const char *const binop_text[] = {
	[SN_BIN_ADD] = "+",  [SN_BIN_SUB] = "-",  [SN_BIN_MUL] = "*",  [SN_BIN_DIV] = "/",
	[SN_BIN_MOD] = "%",  [SN_BIN_AND_BITS] = "&", [SN_BIN_EQ] = "==", [SN_BIN_NE] = "!=",
	[SN_BIN_LT] = "<",   [SN_BIN_LE] = "<=", [SN_BIN_GT] = ">",   [SN_BIN_GE] = ">=",
	[SN_BIN_AND] = "and", [SN_BIN_OR] = "or",
};

static enum prec binop_prec(enum sn_binop op)
{
	switch (op) {
	case SN_BIN_OR:
		return P_OR;
	case SN_BIN_AND:
		return P_AND;
	case SN_BIN_ADD:
	case SN_BIN_SUB:
		return P_ADD;
	case SN_BIN_MUL:
	case SN_BIN_DIV:
	case SN_BIN_MOD:
		return P_MUL;
	case SN_BIN_AND_BITS:
		return P_AMP;
	default:
		return P_CMP;
	}
}

static enum prec expr_prec(const struct sn_expr *e)
{
	switch (e->kind) {
	case SN_EX_BINARY:
		return binop_prec(e->op);
	case SN_EX_NOT:
		return P_NOT;
	case SN_EX_NEG:
		return P_NEG;
	case SN_EX_MASK:
		return P_MUL;
	case SN_EX_IN_PREFIX:
	case SN_EX_IN_PREV:
		return P_IN;
	case SN_EX_CONTAINS:
		return P_CONTAINS;
	default:
		return P_ATOM;
	}
}

static void emit_string(struct out *o, const char *s, size_t len)
{
	size_t i;

	emit(o, "\"");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			emit(o, "\\%c", c);
		else if (c == '\n')
			emit(o, "\\n");
		else if (c == '\t')
			emit(o, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			emit(o, "\\x%02x", c);
		else
			emit(o, "%c", c);
	}
	emit(o, "\"");
}

static void emit_value(struct out *o, const struct sn_value *v)
{
	char text[64];

	switch (v->type) {
	case SN_T_UINT:
		emit(o, "%llu", (unsigned long long)v->u);
		break;
	case SN_T_ADDR:
		sn_addr_format(&v->addr, text, sizeof(text));
		emit(o, "%s", text);
		break;
	default:
		emit_string(o, v->s.ptr, v->s.len);
		break;
	}
}

struct fmt_ctx {
	const struct sn_query *q;
	const struct sn_schema *in;
};

static void emit_expr(struct out *o, const struct fmt_ctx *c, const struct sn_expr *e,
		      enum prec min);

static void emit_kind(struct out *o, const struct fmt_ctx *c, const struct sn_expr *e)
{
	enum prec p = expr_prec(e);

	switch (e->kind) {
	case SN_EX_CONST:
		emit_value(o, &e->value);
		break;
	case SN_EX_FIELD:
		emit(o, "%s", sn_field_by_id(e->field)->name);
		break;
	case SN_EX_COL:
		emit(o, "%s", c->in->cols[e->col].name);
		break;
	case SN_EX_NOT:
		emit(o, "not ");
		emit_expr(o, c, e->a, P_NOT);
		break;
	case SN_EX_NEG:
		emit(o, "-");
		emit_expr(o, c, e->a, P_NEG);
		break;
	case SN_EX_BINARY:
		emit_expr(o, c, e->a, p);
		emit(o, " %s ", binop_text[e->op]);
		emit_expr(o, c, e->b, (enum prec)(p + 1));
		break;
	case SN_EX_MASK:
		emit_expr(o, c, e->a, P_MUL);
		emit(o, "/%u", e->bits);
		break;
	case SN_EX_IN_PREFIX:
		emit_expr(o, c, e->a, P_CONTAINS);
		emit(o, " in ");
		emit_value(o, &e->value);
		emit(o, "/%u", e->bits);
		break;
	case SN_EX_IN_PREV:
		emit_expr(o, c, e->a, P_CONTAINS);
		emit(o, " in previous(%s)", c->q->streams[e->stream].name);
		break;
	case SN_EX_CONTAINS:
		emit_expr(o, c, e->a, P_ADD);
		emit(o, " contains ");
		emit_string(o, e->value.s.ptr, e->value.s.len);
		break;
	case SN_EX_LEN:
		emit(o, "len(");
		emit_expr(o, c, e->a, 0);
		emit(o, ")");
		break;
	}
}

static void emit_expr(struct out *o, const struct fmt_ctx *c, const struct sn_expr *e,
		      enum prec min)
{
	bool paren = expr_prec(e) < min;

	if (paren)
		emit(o, "(");
	emit_kind(o, c, e);
	if (paren)
		emit(o, ")");
}

/* The name an unnamed item would get when parsed back, or NULL. */
static const char *natural_name(const struct fmt_ctx *c, const struct sn_expr *e)
{
	while (e->kind == SN_EX_MASK)
		e = e->a;
	if (e->kind == SN_EX_FIELD)
		return sn_field_by_id(e->field)->name;
	if (e->kind == SN_EX_COL)
		return c->in->cols[e->col].name;
	return NULL;
}

/* True when e reads, maybe through masks, the field that name is an alias of. */
static bool is_alias_of(const struct sn_expr *e, const char *name)
{
	const struct sn_field_def *def;

	while (e->kind == SN_EX_MASK)
		e = e->a;
	if (e->kind != SN_EX_FIELD)
		return false;
	def = sn_field_lookup(name);
	return def && def->id == e->field;
}

/* A key written with the field alias its column is named after, so that
 * parsing it back gives the same column name. */
static void emit_alias(struct out *o, const struct sn_expr *e, const char *name)
{
	if (e->kind == SN_EX_MASK) {
		emit_alias(o, e->a, name);
		emit(o, "/%u", e->bits);
		return;
	}
	emit(o, "%s", name);
}

static void emit_key(struct out *o, const struct fmt_ctx *c, const char *name,
		     const struct sn_expr *e)
{
	if (is_alias_of(e, name))
		emit_alias(o, e, name);
	else
		emit_expr(o, c, e, 0);
}

static void emit_named(struct out *o, const struct fmt_ctx *c, const char *name,
		       const struct sn_expr *e)
{
	const char *natural = natural_name(c, e);

	if (is_alias_of(e, name)) {
		emit_alias(o, e, name);
		return;
	}
	if (!natural || strcmp(natural, name))
		emit(o, "%s = ", name);
	emit_expr(o, c, e, 0);
}

static const char *const agg_text[] = {
	[SN_AGG_SUM] = "sum", [SN_AGG_COUNT] = "count", [SN_AGG_MIN] = "min",
	[SN_AGG_MAX] = "max",
};

static void emit_reduce(struct out *o, const struct fmt_ctx *c, const struct sn_op *op)
{
	size_t i;

	emit(o, "reduce ");
	for (i = 0; i < op->n_aggs; i++) {
		const char *name = op->out.cols[op->n_exprs + i].name;
		const struct sn_expr *arg = op->agg_args[i];
		const char *natural = arg ? natural_name(c, arg) : "count";

		emit(o, "%s", i ? ", " : "");
		if (!natural || strcmp(natural, name))
			emit(o, "%s = ", name);
		emit(o, "%s(", agg_text[op->aggs[i]]);
		if (arg)
			emit_expr(o, c, arg, 0);
		emit(o, ")");
	}
	emit(o, " by ");
	for (i = 0; i < op->n_exprs; i++) {
		emit(o, "%s", i ? ", " : "");
		emit_key(o, c, op->out.cols[i].name, op->exprs[i]);
	}
}

static void emit_op(struct out *o, const struct fmt_ctx *c, const struct sn_op *op)
{
	size_t i;

	emit(o, "\n" INDENT INDENT "| ");
	switch (op->kind) {
	case SN_OP_FILTER:
		emit(o, "filter ");
		emit_expr(o, c, op->pred, 0);
		break;
	case SN_OP_MAP:
		emit(o, "map ");
		for (i = 0; i < op->n_exprs; i++) {
			emit(o, "%s", i ? ", " : "");
			emit_named(o, c, op->out.cols[i].name, op->exprs[i]);
		}
		break;
	case SN_OP_DISTINCT:
		emit(o, "distinct");
		for (i = 0; i < op->n_exprs; i++) {
			emit(o, "%s", i ? ", " : " ");
			emit_key(o, c, op->out.cols[i].name, op->exprs[i]);
		}
		break;
	case SN_OP_REDUCE:
		emit_reduce(o, c, op);
		break;
	}
}

static void emit_join(struct out *o, const struct sn_query *q, const struct sn_stream *st)
{
	const struct sn_schema *left = sq_stream_out(&q->streams[st->left]);
	size_t i;

	emit(o, "%sjoin %s on ", st->join == SN_JOIN_LEFT ? "left " : "",
	     q->streams[st->right].name);
	for (i = 0; i < st->n_join_keys; i++)
		emit(o, "%s%s", i ? ", " : "", left->cols[st->left_keys[i]].name);
}

static void emit_pipeline(struct out *o, const struct sn_query *q, const struct sn_stream *st,
			  unsigned depth)
{
	struct fmt_ctx c = { .q = q, .in = &st->in };
	size_t i;

	if (st->source == SN_SRC_PACKETS) {
		emit(o, "packets");
	} else if (st->source == SN_SRC_STREAM) {
		emit(o, "%s", q->streams[st->input].name);
	} else if (sq_stream_hidden(&q->streams[st->left]) && depth < SQ_MAX_STREAMS) {
		emit_pipeline(o, q, &q->streams[st->left], depth + 1);
		emit(o, "\n" INDENT INDENT "| ");
		emit_join(o, q, st);
	} else {
		emit(o, "%s ", q->streams[st->left].name);
		emit_join(o, q, st);
	}
	for (i = 0; i < st->n_ops; i++) {
		emit_op(o, &c, &st->ops[i]);
		c.in = &st->ops[i].out;
	}
}

/* Shortest plain decimal (no exponent, which the lexer does not accept)
 * that reads back as the same double. */
static void emit_number(struct out *o, double v)
{
	char text[400];
	int digits;

	if (v >= 0 && v < 18446744073709551616.0 && v == (double)(uint64_t)v) {
		emit(o, "%.0f", v);
		return;
	}
	for (digits = 1; digits < 62; digits++) {
		snprintf(text, sizeof(text), "%.*f", digits, v);
		if (strtod(text, NULL) == v)
			break;
	}
	/* NOTE: a -D value too small or too large for 62 decimals prints
	 * rounded, so it does not read back exactly. */
	emit(o, "%s", text);
}

/* Returns the length written, or -ENOSPC when buf was too small (it then
 * contains the beginning of the text). */
int sn_query_format(const struct sn_query *q, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };
	size_t i;

	if (size)
		buf[0] = '\0';
	emit(&o, "query %s(", q->name);
	for (i = 0; i < q->n_params; i++) {
		emit(&o, "%s%s = ", i ? ", " : "", q->params[i].name);
		emit_number(&o, q->params[i].value);
	}
	emit(&o, ") {\n");
	for (i = 0; i < q->n_streams; i++) {
		const struct sn_stream *st = &q->streams[i];
		bool last = i + 1 == q->n_streams;

		if (sq_stream_hidden(st))
			continue;
		emit(&o, INDENT "%s", last ? "" : "let ");
		if (!last)
			emit(&o, "%s = ", st->name);
		emit_pipeline(&o, q, st, 0);
		emit(&o, "%s\n", last ? "" : ";");
	}
	emit(&o, "}\n");
	if (o.truncated)
		return -ENOSPC;
	return (int)o.off;
}
