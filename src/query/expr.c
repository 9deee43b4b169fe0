/* Expressions: precedence climbing with a type check at every node.
 * Precedence from low to high: or, and, not, comparison, in, contains,
 * + -, * / %, &, unary minus, atom. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

struct sq_node *sq_node_of(const struct sn_expr *e)
{
	return (struct sq_node *)((char *)(uintptr_t)e - offsetof(struct sq_node, e));
}

void sq_expr_free(struct sn_expr *e)
{
	if (!e)
		return;
	sq_expr_free(e->a);
	sq_expr_free(e->b);
	if (e->kind == SN_EX_CONST || e->kind == SN_EX_CONTAINS) {
		if (e->value.type == SN_T_STR || e->value.type == SN_T_BYTES)
			free((char *)(uintptr_t)e->value.s.ptr);
	}
	free(sq_node_of(e));
}

static struct sn_expr *node_new(enum sn_expr_kind kind, const struct sq_token *at)
{
	struct sq_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->e.kind = kind;
	n->e.line = at->line;
	n->e.column = at->col;
	n->start = at->pos;
	n->end = at->pos + at->len;
	n->depth = 1;
	return &n->e;
}

/* Hang children a and b under e (taking ownership), spanning from a's start
 * to the last consumed token, and enforce the depth limit. */
static int attach(struct sq_parser *p, struct sn_expr *e, struct sn_expr *a, struct sn_expr *b)
{
	struct sq_node *n = sq_node_of(e);
	unsigned d = 0;

	e->a = a;
	e->b = b;
	if (a) {
		d = sq_node_of(a)->depth;
		e->multi |= a->multi;
		if (sq_node_of(a)->start < n->start) {
			n->start = sq_node_of(a)->start;
			e->line = a->line;
			e->column = a->column;
		}
	}
	if (b) {
		if (sq_node_of(b)->depth > d)
			d = sq_node_of(b)->depth;
		e->multi |= b->multi;
	}
	n->depth = d + 1;
	if (p->prev_end > n->end)
		n->end = p->prev_end;
	if (n->depth > SQ_MAX_DEPTH)
		return sq_error(p, n->start, "expression is nested too deeply (max %d levels)",
				SQ_MAX_DEPTH);
	return 0;
}

static int enter(struct sq_parser *p)
{
	if (++p->nesting > SQ_MAX_DEPTH)
		return sq_error(p, p->tok.pos, "expression is nested too deeply (max %d levels)",
				SQ_MAX_DEPTH);
	return 0;
}

static int need_uint(struct sq_parser *p, const char *op, const struct sn_expr *e,
		     const char *want)
{
	char what[128];

	if (e->type == SN_T_UINT)
		return 0;
	sq_describe_is(p, e, what, sizeof(what));
	return sq_error(p, sq_node_of(e)->start, "`%s` needs %s, but %s", op, want, what);
}

static int parse_or(struct sq_parser *p, struct sn_expr **out);

struct binop_tok {
	enum sq_tok tok;
	enum sn_binop op;
	const char *text;
};

static const struct binop_tok binops[] = {
	{ TK_OR, SN_BIN_OR, "or" },	{ TK_AND, SN_BIN_AND, "and" },
	{ TK_EQ, SN_BIN_EQ, "==" },	{ TK_NE, SN_BIN_NE, "!=" },
	{ TK_LT, SN_BIN_LT, "<" },	{ TK_LE, SN_BIN_LE, "<=" },
	{ TK_GT, SN_BIN_GT, ">" },	{ TK_GE, SN_BIN_GE, ">=" },
	{ TK_PLUS, SN_BIN_ADD, "+" },	{ TK_MINUS, SN_BIN_SUB, "-" },
	{ TK_STAR, SN_BIN_MUL, "*" },	{ TK_SLASH, SN_BIN_DIV, "/" },
	{ TK_PERCENT, SN_BIN_MOD, "%" }, { TK_AMP, SN_BIN_AND_BITS, "&" },
};

static const struct binop_tok *binop_of(enum sq_tok tok)
{
	size_t i;

	for (i = 0; i < sizeof(binops) / sizeof(binops[0]); i++)
		if (binops[i].tok == tok)
			return &binops[i];
	return NULL;
}

static bool is_compare(enum sn_binop op)
{
	return op >= SN_BIN_EQ && op <= SN_BIN_GE;
}

static int check_binary(struct sq_parser *p, const struct binop_tok *bt, struct sn_expr *e)
{
	char l[128], r[128];
	int rc;

	e->type = SN_T_UINT;
	if (is_compare(bt->op)) {
		if (e->a->type == e->b->type && e->a->type != SN_T_BYTES)
			return 0;
		sq_describe(p, e->a, l, sizeof(l));
		sq_describe(p, e->b, r, sizeof(r));
		if (e->a->type == SN_T_BYTES || e->b->type == SN_T_BYTES)
			return sq_error(p, sq_node_of(e)->start,
					"cannot compare %s with %s; test bytes with `contains`", l, r);
		return sq_error(p, sq_node_of(e)->start, "cannot compare %s with %s", l, r);
	}
	if (bt->op == SN_BIN_AND || bt->op == SN_BIN_OR) {
		rc = need_uint(p, bt->text, e->a, "numbers or comparisons");
		return rc ? rc : need_uint(p, bt->text, e->b, "numbers or comparisons");
	}
	rc = need_uint(p, bt->text, e->a, "numbers");
	return rc ? rc : need_uint(p, bt->text, e->b, "numbers");
}

static int make_binary(struct sq_parser *p, const struct binop_tok *bt,
		       const struct sq_token *at, struct sn_expr **a, struct sn_expr *b)
{
	struct sn_expr *e = node_new(SN_EX_BINARY, at);
	int rc;

	if (!e) {
		sq_expr_free(b);
		return -ENOMEM;
	}
	e->op = bt->op;
	rc = attach(p, e, *a, b);
	*a = e;
	return rc ? rc : check_binary(p, bt, e);
}

/* Turn `a / N` with an address a into a mask keeping N bits. */
static int make_mask(struct sq_parser *p, const struct sq_token *at, struct sn_expr **a,
		     struct sn_expr *b)
{
	const struct sn_field_def *def = NULL;
	unsigned max = 128;
	struct sn_expr *e;
	int rc;

	if ((*a)->kind == SN_EX_FIELD)
		def = sn_field_by_id((*a)->field);
	if (def && def->bits == 32)
		max = 32;
	if ((*a)->kind == SN_EX_CONST && (*a)->value.addr.family == 4)
		max = 32;
	if (b->kind != SN_EX_CONST || b->type != SN_T_UINT || b->value.u > max) {
		rc = sq_error(p, sq_node_of(b)->start,
			      "prefix length must be a number from 0 to %u", max);
		sq_expr_free(b);
		return rc;
	}
	e = node_new(SN_EX_MASK, at);
	if (!e) {
		sq_expr_free(b);
		return -ENOMEM;
	}
	e->bits = (unsigned)b->value.u;
	e->type = SN_T_ADDR;
	sq_expr_free(b);
	rc = attach(p, e, *a, NULL);
	*a = e;
	return rc;
}

typedef int (*parse_fn)(struct sq_parser *p, struct sn_expr **out);

/* One left-associative level: operand { op operand }. */
static int parse_level(struct sq_parser *p, struct sn_expr **out, parse_fn operand,
		       const enum sq_tok *toks)
{
	struct sn_expr *a = NULL, *b;
	int rc = operand(p, &a);

	while (!rc) {
		const struct binop_tok *bt = NULL;
		struct sq_token at = p->tok;
		size_t i;

		for (i = 0; toks[i] != TK_EOF; i++)
			if (p->tok.kind == toks[i])
				bt = binop_of(toks[i]);
		if (!bt)
			break;
		rc = sq_advance(p);
		if (rc)
			break;
		b = NULL;
		rc = operand(p, &b);
		if (rc) {
			sq_expr_free(b);
			break;
		}
		if (bt->op == SN_BIN_DIV && a->type == SN_T_ADDR)
			rc = make_mask(p, &at, &a, b);
		else
			rc = make_binary(p, bt, &at, &a, b);
	}
	*out = a;
	return rc;
}

static int parse_atom(struct sq_parser *p, struct sn_expr **out);

static int parse_unary(struct sq_parser *p, struct sn_expr **out)
{
	struct sq_token at = p->tok;
	struct sn_expr *a = NULL, *e;
	int rc;

	if (p->tok.kind != TK_MINUS)
		return parse_atom(p, out);
	rc = enter(p);
	if (!rc)
		rc = sq_advance(p);
	if (!rc)
		rc = parse_unary(p, &a);
	p->nesting--;
	if (rc) {
		*out = a;
		return rc;
	}
	e = node_new(SN_EX_NEG, &at);
	if (!e) {
		*out = a;
		return -ENOMEM;
	}
	e->type = SN_T_UINT;
	*out = e;
	rc = attach(p, e, a, NULL);
	return rc ? rc : need_uint(p, "-", a, "a number");
}

static const enum sq_tok amp_toks[] = { TK_AMP, TK_EOF };
static const enum sq_tok mul_toks[] = { TK_STAR, TK_SLASH, TK_PERCENT, TK_EOF };
static const enum sq_tok add_toks[] = { TK_PLUS, TK_MINUS, TK_EOF };
static const enum sq_tok cmp_toks[] = { TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_EOF };
static const enum sq_tok and_toks[] = { TK_AND, TK_EOF };
static const enum sq_tok or_toks[] = { TK_OR, TK_EOF };

static int parse_amp(struct sq_parser *p, struct sn_expr **out)
{
	return parse_level(p, out, parse_unary, amp_toks);
}

static int parse_mul(struct sq_parser *p, struct sn_expr **out)
{
	return parse_level(p, out, parse_amp, mul_toks);
}

static int parse_add(struct sq_parser *p, struct sn_expr **out)
{
	return parse_level(p, out, parse_mul, add_toks);
}

static int parse_contains(struct sq_parser *p, struct sn_expr **out)
{
	struct sq_token at;
	struct sn_expr *e;
	char what[128];
	char *text = NULL;
	uint32_t len = 0;
	int rc = parse_add(p, out);

	if (rc || p->tok.kind != TK_CONTAINS)
		return rc;
	at = p->tok;
	rc = sq_advance(p);
	if (rc)
		return rc;
	if (p->tok.kind != TK_STRING)
		return sq_expect(p, TK_STRING, "a string after `contains`");
	rc = sq_string_value(p, &p->tok, &text, &len);
	if (!rc)
		rc = sq_advance(p);
	e = rc ? NULL : node_new(SN_EX_CONTAINS, &at);
	if (!e) {
		free(text);
		return rc ? rc : -ENOMEM;
	}
	e->type = SN_T_UINT;
	e->value.type = SN_T_STR;
	e->value.s.ptr = text;
	e->value.s.len = len;
	rc = attach(p, e, *out, NULL);
	*out = e;
	if (rc || e->a->type == SN_T_STR || e->a->type == SN_T_BYTES)
		return rc;
	sq_describe_is(p, e->a, what, sizeof(what));
	return sq_error(p, sq_node_of(e)->start,
			"`contains` needs a string or bytes on the left, but %s", what);
}

/* `in previous(NAME)`: NAME must be a let whose rows have one key column. */
static int parse_in_previous(struct sq_parser *p, struct sn_expr *e)
{
	const struct sn_schema *s;
	struct sq_token name_tok;
	char name[SQ_MAX_NAME + 1], what[128];
	int rc, idx, key = -1;
	size_t i, keys = 0;

	rc = sq_advance(p);
	if (!rc)
		rc = sq_expect(p, TK_LPAREN, "'(' after `previous`");
	name_tok = p->tok;
	if (!rc)
		rc = sq_ident(p, name, sizeof(name));
	if (!rc)
		rc = sq_expect(p, TK_RPAREN, NULL);
	if (rc)
		return rc;
	idx = sq_find_let(p, name);
	if (idx < 0)
		return sq_error(p, name_tok.pos, "unknown let `%s`; define it with `let %s = ...` before this query part",
				name, name);
	p->slots[idx].used = true;
	s = sq_stream_out(&p->q->streams[idx]);
	for (i = 0; i < s->n; i++) {
		if (s->cols[i].is_key) {
			keys++;
			key = (int)i;
		}
	}
	if (keys != 1)
		return sq_error(p, name_tok.pos, "previous(%s) needs a let with exactly one key column, but `%s` has %zu",
				name, name, keys);
	e->kind = SN_EX_IN_PREV;
	e->stream = idx;
	if (s->cols[key].type == e->a->type)
		return 0;
	sq_describe(p, e->a, what, sizeof(what));
	return sq_error(p, sq_node_of(e)->start, "cannot look up %s in previous(%s): its key `%s` is %s",
			what, name, s->cols[key].name, sq_type_article(s->cols[key].type));
}

/* `in ADDRESS[/N]`: the left side must be an address. */
static int parse_in_prefix(struct sq_parser *p, struct sn_expr *e)
{
	struct sq_token addr = p->tok;
	unsigned max;
	char what[128];
	int rc;

	if (addr.kind != TK_ADDR)
		return sq_expect(p, TK_ADDR, "an address prefix or previous(...) after `in`");
	max = addr.addr.family == 4 ? 32 : 128;
	rc = sq_advance(p);
	e->bits = max;
	if (!rc && p->tok.kind == TK_SLASH) {
		rc = sq_advance(p);
		if (!rc && (p->tok.kind != TK_NUMBER || p->tok.frac || p->tok.u > max))
			return sq_error(p, p->tok.pos, "prefix length must be a number from 0 to %u",
					max);
		e->bits = (unsigned)p->tok.u;
		if (!rc)
			rc = sq_advance(p);
	}
	if (rc)
		return rc;
	e->kind = SN_EX_IN_PREFIX;
	e->value.type = SN_T_ADDR;
	e->value.addr = addr.addr;
	sn_addr_mask(&e->value.addr, e->bits);
	sq_node_of(e)->end = p->prev_end;
	if (e->a->type == SN_T_ADDR)
		return 0;
	sq_describe_is(p, e->a, what, sizeof(what));
	return sq_error(p, sq_node_of(e)->start, "`in` with a prefix needs an address on the left, but %s",
			what);
}

static int parse_in(struct sq_parser *p, struct sn_expr **out)
{
	struct sq_token at;
	struct sn_expr *e;
	int rc = parse_contains(p, out);

	if (rc || p->tok.kind != TK_IN)
		return rc;
	at = p->tok;
	rc = sq_advance(p);
	if (rc)
		return rc;
	e = node_new(SN_EX_IN_PREFIX, &at);
	if (!e)
		return -ENOMEM;
	e->type = SN_T_UINT;
	rc = attach(p, e, *out, NULL);
	*out = e;
	if (rc)
		return rc;
	if (p->tok.kind == TK_PREVIOUS)
		return parse_in_previous(p, e);
	return parse_in_prefix(p, e);
}

static int parse_cmp(struct sq_parser *p, struct sn_expr **out)
{
	return parse_level(p, out, parse_in, cmp_toks);
}

static int parse_not(struct sq_parser *p, struct sn_expr **out)
{
	struct sq_token at = p->tok;
	struct sn_expr *a = NULL, *e;
	int rc;

	if (p->tok.kind != TK_NOT)
		return parse_cmp(p, out);
	rc = enter(p);
	if (!rc)
		rc = sq_advance(p);
	if (!rc)
		rc = parse_not(p, &a);
	p->nesting--;
	if (rc) {
		*out = a;
		return rc;
	}
	e = node_new(SN_EX_NOT, &at);
	if (!e) {
		*out = a;
		return -ENOMEM;
	}
	e->type = SN_T_UINT;
	*out = e;
	rc = attach(p, e, a, NULL);
	return rc ? rc : need_uint(p, "not", a, "a number or comparison");
}

static int parse_and(struct sq_parser *p, struct sn_expr **out)
{
	return parse_level(p, out, parse_not, and_toks);
}

static int parse_or(struct sq_parser *p, struct sn_expr **out)
{
	return parse_level(p, out, parse_and, or_toks);
}

static int parse_number(struct sq_parser *p, struct sn_expr **out)
{
	struct sn_expr *e;

	if (p->tok.frac)
		return sq_error(p, p->tok.pos, "expected a whole number; fractions are only allowed in query parameters");
	e = node_new(SN_EX_CONST, &p->tok);
	if (!e)
		return -ENOMEM;
	e->type = SN_T_UINT;
	e->value.type = SN_T_UINT;
	e->value.u = p->tok.u;
	*out = e;
	return sq_advance(p);
}

static int parse_string(struct sq_parser *p, struct sn_expr **out)
{
	struct sn_expr *e;
	char *text;
	uint32_t len;
	int rc = sq_string_value(p, &p->tok, &text, &len);

	if (rc)
		return rc;
	e = node_new(SN_EX_CONST, &p->tok);
	if (!e) {
		free(text);
		return -ENOMEM;
	}
	e->type = SN_T_STR;
	e->value.type = SN_T_STR;
	e->value.s.ptr = text;
	e->value.s.len = len;
	*out = e;
	return sq_advance(p);
}

static int parse_address(struct sq_parser *p, struct sn_expr **out)
{
	struct sn_expr *e = node_new(SN_EX_CONST, &p->tok);

	if (!e)
		return -ENOMEM;
	e->type = SN_T_ADDR;
	e->value.type = SN_T_ADDR;
	e->value.addr = p->tok.addr;
	*out = e;
	return sq_advance(p);
}

static int parse_len(struct sq_parser *p, struct sn_expr **out)
{
	struct sq_token at = p->tok;
	struct sn_expr *a = NULL, *e;
	char what[128];
	int rc = enter(p);

	if (!rc)
		rc = sq_advance(p);
	if (!rc)
		rc = sq_expect(p, TK_LPAREN, NULL);
	if (!rc)
		rc = parse_or(p, &a);
	if (!rc)
		rc = sq_expect(p, TK_RPAREN, NULL);
	p->nesting--;
	if (rc) {
		*out = a;
		return rc;
	}
	e = node_new(SN_EX_LEN, &at);
	if (!e) {
		*out = a;
		return -ENOMEM;
	}
	e->type = SN_T_UINT;
	*out = e;
	rc = attach(p, e, a, NULL);
	if (rc || a->type == SN_T_STR || a->type == SN_T_BYTES)
		return rc;
	sq_describe_is(p, a, what, sizeof(what));
	return sq_error(p, sq_node_of(a)->start, "len() needs a string or bytes, but %s", what);
}

static int parse_name(struct sq_parser *p, struct sn_expr **out)
{
	struct sq_token next;
	char name[SQ_MAX_NAME + 1];
	int rc = sq_peek(p, &next);

	if (rc)
		return rc;
	if (next.kind != TK_LPAREN)
		return sq_resolve_name(p, &p->tok, out);
	if (sq_tok_is(p, "len"))
		return parse_len(p, out);
	memcpy(name, p->src + p->tok.pos, p->tok.len);
	name[p->tok.len] = '\0';
	if (!strcmp(name, "sum") || !strcmp(name, "min") || !strcmp(name, "max") ||
	    !strcmp(name, "count"))
		return sq_error(p, p->tok.pos, "%s() is an aggregate; use it in `reduce`", name);
	return sq_error(p, p->tok.pos, "unknown function `%s`; the only function in expressions is len()",
			name);
}

static int parse_paren(struct sq_parser *p, struct sn_expr **out)
{
	size_t start = p->tok.pos;
	int rc = enter(p);

	if (!rc)
		rc = sq_advance(p);
	if (!rc)
		rc = parse_or(p, out);
	if (!rc)
		rc = sq_expect(p, TK_RPAREN, "')'");
	p->nesting--;
	if (!rc) {
		/* The span includes the parentheses so messages quote them. */
		sq_node_of(*out)->start = start;
		sq_node_of(*out)->end = p->prev_end;
	}
	return rc;
}

static int parse_atom(struct sq_parser *p, struct sn_expr **out)
{
	char found[96];

	switch (p->tok.kind) {
	case TK_NUMBER:
		return parse_number(p, out);
	case TK_STRING:
		return parse_string(p, out);
	case TK_ADDR:
		return parse_address(p, out);
	case TK_IDENT:
		return parse_name(p, out);
	case TK_LPAREN:
		return parse_paren(p, out);
	case TK_PREVIOUS:
		return sq_error(p, p->tok.pos, "previous(...) can only follow `in`");
	default:
		return sq_error(p, p->tok.pos, "expected an expression but found %s",
				sq_token_desc(p, &p->tok, found, sizeof(found)));
	}
}

/* Parse one expression; on failure *out is NULL and everything is freed. */
int sq_parse_expr(struct sq_parser *p, struct sn_expr **out)
{
	struct sn_expr *e = NULL;
	int rc;

	p->nesting = 0;
	rc = parse_or(p, &e);
	if (rc) {
		sq_expr_free(e);
		e = NULL;
	}
	*out = e;
	return rc;
}
