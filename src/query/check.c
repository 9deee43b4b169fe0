/* Name resolution, column naming, key roles and schema building. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

static const struct {
	const char *name;
	uint64_t bit;
} tcp_flags[] = {
	{ "FIN", 0x01 }, { "SYN", 0x02 }, { "RST", 0x04 }, { "PSH", 0x08 },
	{ "ACK", 0x10 }, { "URG", 0x20 }, { "ECE", 0x40 }, { "CWR", 0x80 },
};

const char *sq_type_word(enum sn_type type)
{
	switch (type) {
	case SN_T_UINT:
		return "number";
	case SN_T_ADDR:
		return "address";
	case SN_T_STR:
		return "string";
	case SN_T_BYTES:
		return "bytes";
	case SN_T_NONE:
		break;
	}
	return "nothing";
}

const char *sq_type_article(enum sn_type type)
{
	switch (type) {
	case SN_T_UINT:
		return "a number";
	case SN_T_ADDR:
		return "an address";
	case SN_T_STR:
		return "a string";
	case SN_T_BYTES:
		return "bytes";
	case SN_T_NONE:
		break;
	}
	return "nothing";
}

/* "address ip.dst": the type, then the expression as written. */
void sq_describe(struct sq_parser *p, const struct sn_expr *e, char *buf, size_t size)
{
	const struct sq_node *n = sq_node_of(e);
	char text[64];

	sq_snippet(p, n->start, n->end, text, sizeof(text));
	snprintf(buf, size, "%s %s", sq_type_word(e->type), text);
}

/* "ip.dst is an address". */
void sq_describe_is(struct sq_parser *p, const struct sn_expr *e, char *buf, size_t size)
{
	const struct sq_node *n = sq_node_of(e);
	char text[64];

	sq_snippet(p, n->start, n->end, text, sizeof(text));
	snprintf(buf, size, "%s is %s", text, sq_type_article(e->type));
}

/* Column index of name in s, or -1. A field alias also finds a column named
 * after another name of the same field (ipv4.srcIP finds ipv4.src). */
int sq_find_col(const struct sn_schema *s, const char *name)
{
	const struct sn_field_def *def, *other;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->cols[i].name, name))
			return (int)i;
	if (!strchr(name, '.'))
		return -1;
	def = sn_field_lookup(name);
	if (!def)
		return -1;
	for (i = 0; i < s->n; i++) {
		if (!strchr(s->cols[i].name, '.'))
			continue;
		other = sn_field_lookup(s->cols[i].name);
		if (other && other->id == def->id)
			return (int)i;
	}
	return -1;
}

/* Index of the let-stream called name in the query being parsed, or -1. */
int sq_find_let(const struct sq_parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->q->n_streams; i++) {
		const struct sn_stream *st = &p->q->streams[i];

		if (!sq_stream_hidden(st) && !strcmp(st->name, name))
			return (int)i;
	}
	return -1;
}

static const struct sn_param *find_param(const struct sn_query *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->n_params; i++)
		if (!strcmp(q->params[i].name, name))
			return &q->params[i];
	return NULL;
}

static void list_cols(const struct sn_schema *s, char *buf, size_t size)
{
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < s->n && off + 1 < size; i++) {
		n = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", s->cols[i].name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

static struct sn_expr *name_node(enum sn_expr_kind kind, const struct sq_token *t)
{
	struct sq_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->e.kind = kind;
	n->e.line = t->line;
	n->e.column = t->col;
	n->start = t->pos;
	n->end = t->pos + t->len;
	n->depth = 1;
	return &n->e;
}

static int const_node(const struct sq_token *t, uint64_t v, struct sn_expr **out)
{
	struct sn_expr *e = name_node(SN_EX_CONST, t);

	if (!e)
		return -ENOMEM;
	e->type = SN_T_UINT;
	e->value.type = SN_T_UINT;
	e->value.u = v;
	*out = e;
	return 0;
}

static int param_node(struct sq_parser *p, const struct sq_token *t, const struct sn_param *pr,
		      struct sn_expr **out)
{
	if (pr->value < 0 || pr->value != floor(pr->value) || pr->value >= 18446744073709551616.0)
		return sq_error(p, t->pos, "parameter `%s` is %g, but expressions need a whole number "
				"from 0 to 18446744073709551615", pr->name, pr->value);
	return const_node(t, (uint64_t)pr->value, out);
}

static int unknown_name(struct sq_parser *p, const struct sq_token *t, const char *name)
{
	const char *hint = sn_field_suggest(name);
	char cols[256];

	if (!p->ctx.packets) {
		list_cols(p->ctx.cols, cols, sizeof(cols));
		if (hint)
			return sq_error(p, t->pos, "unknown name `%s`; did you mean `%s`? (columns: %s)",
					name, hint, cols);
		return sq_error(p, t->pos, "unknown name `%s`; it is not a column or parameter (columns: %s)",
				name, cols);
	}
	if (hint)
		return sq_error(p, t->pos, "unknown field `%s`; did you mean `%s`?", name, hint);
	if (strchr(name, '.'))
		return sq_error(p, t->pos, "unknown field `%s`; `sonata fields` lists the fields",
				name);
	return sq_error(p, t->pos, "unknown name `%s`; it is not a parameter or a packet field",
			name);
}

/* Resolve an identifier: a column, then a parameter, then a TCP flag name,
 * then a packet field (only while the stream still carries packets). */
int sq_resolve_name(struct sq_parser *p, const struct sq_token *t, struct sn_expr **out)
{
	const struct sn_field_def *def;
	const struct sn_param *pr;
	char name[SQ_MAX_NAME + 1], cols[256];
	struct sn_expr *e;
	size_t i;
	int col;

	memcpy(name, p->src + t->pos, t->len);
	name[t->len] = '\0';
	col = p->ctx.packets ? -1 : sq_find_col(p->ctx.cols, name);
	if (col >= 0) {
		e = name_node(SN_EX_COL, t);
		if (!e)
			return -ENOMEM;
		e->col = col;
		e->type = p->ctx.cols->cols[col].type;
		*out = e;
		return sq_advance(p);
	}
	pr = find_param(p->q, name);
	if (pr)
		return param_node(p, t, pr, out) ?: sq_advance(p);
	for (i = 0; i < sizeof(tcp_flags) / sizeof(tcp_flags[0]); i++)
		if (!strcmp(name, tcp_flags[i].name))
			return const_node(t, tcp_flags[i].bit, out) ?: sq_advance(p);
	def = sn_field_lookup(name);
	if (!def)
		return unknown_name(p, t, name);
	if (!p->ctx.packets) {
		list_cols(p->ctx.cols, cols, sizeof(cols));
		return sq_error(p, t->pos, "`%s` is not a column here (columns: %s)", name, cols);
	}
	e = name_node(SN_EX_FIELD, t);
	if (!e)
		return -ENOMEM;
	e->field = def->id;
	e->type = def->type;
	e->multi = (def->flags & SN_FF_MULTI) != 0;
	*out = e;
	return sq_advance(p);
}

/* The column name an unnamed item takes: the field or column it reads,
 * also through a mask (ip.dst/24 is named ip.dst). Returns -1 when the
 * expression has no natural name. */
int sq_expr_name(struct sq_parser *p, const struct sn_expr *e, char *buf, size_t size)
{
	const struct sq_node *n;
	size_t len;

	while (e->kind == SN_EX_MASK)
		e = e->a;
	if (e->kind == SN_EX_COL) {
		snprintf(buf, size, "%s", p->ctx.cols->cols[e->col].name);
		return 0;
	}
	if (e->kind != SN_EX_FIELD)
		return -1;
	n = sq_node_of(e);
	len = n->end - n->start;
	if (len >= size || p->src[n->start] == '(') {
		snprintf(buf, size, "%s", sn_field_by_id(e->field)->name);
		return 0;
	}
	memcpy(buf, p->src + n->start, len);
	buf[len] = '\0';
	return 0;
}

/* A key is a bare field, a key column, or a mask of one of those. */
bool sq_expr_is_key(const struct sq_parser *p, const struct sn_expr *e)
{
	while (e->kind == SN_EX_MASK)
		e = e->a;
	if (e->kind == SN_EX_FIELD)
		return true;
	if (e->kind == SN_EX_COL)
		return p->ctx.cols->cols[e->col].is_key;
	return false;
}

/* Append a column to s, rejecting duplicates and parameter names. */
int sq_add_col(struct sq_parser *p, struct sn_schema *s, const char *name, enum sn_type type,
	       bool is_key, size_t pos)
{
	struct sn_column *cols;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->cols[i].name, name))
			return sq_error(p, pos, "duplicate column `%s`; give one of them another name",
					name);
	if (find_param(p->q, name))
		return sq_error(p, pos, "column `%s` has the name of a parameter; rename the column",
				name);
	if (s->n >= SQ_MAX_COLS)
		return sq_error(p, pos, "too many columns (max %d)", SQ_MAX_COLS);
	cols = realloc(s->cols, (s->n + 1) * sizeof(*cols));
	if (!cols)
		return -ENOMEM;
	s->cols = cols;
	cols[s->n].name = strdup(name);
	if (!cols[s->n].name)
		return -ENOMEM;
	cols[s->n].type = type;
	cols[s->n].is_key = is_key;
	s->n++;
	return 0;
}

int sq_schema_copy(struct sn_schema *dst, const struct sn_schema *src)
{
	size_t i;

	dst->n = 0;
	dst->cols = NULL;
	if (!src->n)
		return 0;
	dst->cols = calloc(src->n, sizeof(*dst->cols));
	if (!dst->cols)
		return -ENOMEM;
	for (i = 0; i < src->n; i++) {
		dst->cols[i] = src->cols[i];
		dst->cols[i].name = strdup(src->cols[i].name);
		if (!dst->cols[i].name) {
			dst->n = i;
			sq_schema_free(dst);
			return -ENOMEM;
		}
	}
	dst->n = src->n;
	return 0;
}

void sq_schema_free(struct sn_schema *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->cols[i].name);
	free(s->cols);
	s->cols = NULL;
	s->n = 0;
}
