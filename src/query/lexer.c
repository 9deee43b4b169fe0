/* Lexer of the query language: one token at a time, in linear time. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

static const struct {
	const char *word;
	enum sq_tok kind;
} keywords[] = {
	{ "query", TK_QUERY },	     { "let", TK_LET },	      { "packets", TK_PACKETS },
	{ "filter", TK_FILTER },     { "where", TK_FILTER },  { "map", TK_MAP },
	{ "distinct", TK_DISTINCT }, { "reduce", TK_REDUCE }, { "join", TK_JOIN },
	{ "left", TK_LEFT },	     { "on", TK_ON },	      { "by", TK_BY },
	{ "and", TK_AND },	     { "or", TK_OR },	      { "not", TK_NOT },
	{ "in", TK_IN },	     { "contains", TK_CONTAINS }, { "previous", TK_PREVIOUS },
};

static const char *const tok_names[] = {
	[TK_EOF] = "end of file", [TK_IDENT] = "a name", [TK_NUMBER] = "a number",
	[TK_STRING] = "a string", [TK_ADDR] = "an address", [TK_LPAREN] = "'('",
	[TK_RPAREN] = "')'", [TK_LBRACE] = "'{'", [TK_RBRACE] = "'}'", [TK_COMMA] = "','",
	[TK_SEMI] = "';'", [TK_PIPE] = "'|'", [TK_ASSIGN] = "'='", [TK_EQ] = "'=='",
	[TK_NE] = "'!='", [TK_LT] = "'<'", [TK_LE] = "'<='", [TK_GT] = "'>'",
	[TK_GE] = "'>='", [TK_PLUS] = "'+'", [TK_MINUS] = "'-'", [TK_STAR] = "'*'",
	[TK_SLASH] = "'/'", [TK_PERCENT] = "'%'", [TK_AMP] = "'&'", [TK_QUERY] = "'query'",
	[TK_LET] = "'let'", [TK_PACKETS] = "'packets'", [TK_FILTER] = "'filter'",
	[TK_MAP] = "'map'", [TK_DISTINCT] = "'distinct'", [TK_REDUCE] = "'reduce'",
	[TK_JOIN] = "'join'", [TK_LEFT] = "'left'", [TK_ON] = "'on'", [TK_BY] = "'by'",
	[TK_AND] = "'and'", [TK_OR] = "'or'", [TK_NOT] = "'not'", [TK_IN] = "'in'",
	[TK_CONTAINS] = "'contains'", [TK_PREVIOUS] = "'previous'",
};

const char *sq_tok_name(enum sq_tok kind)
{
	return tok_names[kind];
}

static bool is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

static bool is_addr_char(char c)
{
	return isxdigit((unsigned char)c) || c == ':' || c == '.';
}

/* Skip blanks and comments, counting lines. */
static void skip_space(const struct sq_parser *p, struct sq_lexstate *st)
{
	while (st->pos < p->len) {
		char c = p->src[st->pos];

		if (c == '\n') {
			st->pos++;
			st->line++;
			st->line_start = st->pos;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			st->pos++;
		} else if (c == '#') {
			while (st->pos < p->len && p->src[st->pos] != '\n')
				st->pos++;
		} else {
			break;
		}
	}
}

static int lex_address(struct sq_parser *p, struct sq_token *t, size_t n)
{
	char text[64];

	if (n >= sizeof(text))
		return sq_error(p, t->pos, "invalid address; an address is at most %zu characters",
				sizeof(text) - 1);
	memcpy(text, p->src + t->pos, n);
	text[n] = '\0';
	if (sn_addr_parse(text, &t->addr) < 0)
		return sq_error(p, t->pos, "invalid address `%s`", text);
	t->kind = TK_ADDR;
	t->len = n;
	return 0;
}

static int lex_hex(struct sq_parser *p, struct sq_token *t)
{
	const char *s = p->src + t->pos;
	size_t n = 2, avail = p->len - t->pos;
	uint64_t v = 0;

	if (n >= avail || !isxdigit((unsigned char)s[n]))
		return sq_error(p, t->pos, "invalid hex number; expected digits after 0x");
	for (; n < avail && isxdigit((unsigned char)s[n]); n++) {
		unsigned d = isdigit((unsigned char)s[n]) ? (unsigned)(s[n] - '0')
							   : (unsigned)(tolower(s[n]) - 'a' + 10);

		if (v >> 60)
			return sq_error(p, t->pos, "number is out of range (max 0xffffffffffffffff)");
		v = v << 4 | d;
	}
	if (n < avail && is_ident_char(s[n]))
		return sq_error(p, t->pos + n, "invalid character '%c' in a hex number", s[n]);
	t->kind = TK_NUMBER;
	t->len = n;
	t->u = v;
	t->d = (double)v;
	return 0;
}

/* A decimal number: digits with at most one fraction part (0.5). */
static int lex_decimal(struct sq_parser *p, struct sq_token *t, size_t n)
{
	const char *s = p->src + t->pos;
	size_t i, dots = 0;
	uint64_t v = 0;
	char text[64];

	for (i = 0; i < n; i++)
		dots += s[i] == '.';
	if (dots == 3)
		return lex_address(p, t, n);
	if (dots > 1 || s[n - 1] == '.')
		return sq_error(p, t->pos, "invalid number; expected digits, a decimal such as 0.5 or an IPv4 address");
	t->kind = TK_NUMBER;
	t->len = n;
	if (dots == 1) {
		if (n >= sizeof(text))
			return sq_error(p, t->pos, "number has too many digits (max %zu)",
					sizeof(text) - 1);
		memcpy(text, s, n);
		text[n] = '\0';
		t->d = strtod(text, NULL);
		t->frac = true;
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return sq_error(p, t->pos, "number is out of range (max 18446744073709551615)");
		v = v * 10 + d;
	}
	t->u = v;
	t->d = (double)v;
	return 0;
}

/* Numbers, IPv4 and IPv6 addresses. IPv6 is recognised by its colons, which
 * appear nowhere else in the language. */
static bool lex_numeric(struct sq_parser *p, struct sq_token *t, int *rc)
{
	const char *s = p->src + t->pos;
	size_t avail = p->len - t->pos, n = 0, digits = 0;
	bool colon = false;

	while (n < avail && is_addr_char(s[n])) {
		colon |= s[n] == ':';
		n++;
	}
	if (colon) {
		*rc = lex_address(p, t, n);
		return true;
	}
	if (!isdigit((unsigned char)s[0]))
		return false;
	if (avail > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		*rc = lex_hex(p, t);
		return true;
	}
	while (digits < avail && (isdigit((unsigned char)s[digits]) || s[digits] == '.'))
		digits++;
	if (digits < avail && is_ident_char(s[digits])) {
		*rc = sq_error(p, t->pos + digits, "invalid character '%c' in a number",
			       s[digits]);
		return true;
	}
	*rc = lex_decimal(p, t, digits);
	return true;
}

/* Find the closing quote; the value is decoded later by sq_string_value. */
static int lex_string(struct sq_parser *p, struct sq_token *t)
{
	size_t i = t->pos + 1;

	while (i < p->len && p->src[i] != '"' && p->src[i] != '\n') {
		if (p->src[i] == '\\' && i + 1 < p->len && p->src[i + 1] != '\n')
			i++;
		i++;
	}
	if (i >= p->len || p->src[i] != '"')
		return sq_error(p, t->pos, "unterminated string; add the closing '\"' on the same line");
	t->kind = TK_STRING;
	t->len = i + 1 - t->pos;
	return 0;
}

static int lex_ident(struct sq_parser *p, struct sq_token *t)
{
	const char *s = p->src + t->pos;
	size_t n = 0, avail = p->len - t->pos, i;

	while (n < avail && is_ident_char(s[n]))
		n++;
	if (n > SQ_MAX_NAME)
		return sq_error(p, t->pos, "name is too long (%zu bytes, max %d)", n, SQ_MAX_NAME);
	t->kind = TK_IDENT;
	t->len = n;
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, s, n) == 0) {
			t->kind = keywords[i].kind;
			break;
		}
	}
	return 0;
}

static bool two(const char *s, size_t avail, char a, char b)
{
	return avail >= 2 && s[0] == a && s[1] == b;
}

static int lex_punct(struct sq_parser *p, struct sq_token *t)
{
	const char *s = p->src + t->pos;
	size_t avail = p->len - t->pos;
	static const char singles[] = "(){},;|=<>+-*/%&";
	static const enum sq_tok kinds[] = {
		TK_LPAREN, TK_RPAREN, TK_LBRACE, TK_RBRACE, TK_COMMA, TK_SEMI, TK_PIPE,
		TK_ASSIGN, TK_LT, TK_GT, TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT,
		TK_AMP,
	};
	const char *hit;

	t->len = 2;
	if (two(s, avail, '=', '='))
		t->kind = TK_EQ;
	else if (two(s, avail, '!', '='))
		t->kind = TK_NE;
	else if (two(s, avail, '<', '='))
		t->kind = TK_LE;
	else if (two(s, avail, '>', '='))
		t->kind = TK_GE;
	else
		t->len = 1;
	if (t->len == 2)
		return 0;
	hit = s[0] ? strchr(singles, s[0]) : NULL;
	if (!hit) {
		if (isprint((unsigned char)s[0]))
			return sq_error(p, t->pos, "unexpected character '%c'", s[0]);
		return sq_error(p, t->pos, "unexpected byte 0x%02x", (unsigned char)s[0]);
	}
	t->kind = kinds[hit - singles];
	return 0;
}

/* Read the token at st into t and move st past it. */
int sq_lex(struct sq_parser *p, struct sq_lexstate *st, struct sq_token *t)
{
	int rc = 0;
	char c;

	skip_space(p, st);
	memset(t, 0, sizeof(*t));
	t->pos = st->pos;
	t->line = st->line;
	t->col = (unsigned)(st->pos - st->line_start + 1);
	if (st->pos >= p->len) {
		t->kind = TK_EOF;
		return 0;
	}
	c = p->src[st->pos];
	if (c == '"')
		rc = lex_string(p, t);
	else if (lex_numeric(p, t, &rc))
		;
	else if (is_ident_start(c))
		rc = lex_ident(p, t);
	else
		rc = lex_punct(p, t);
	if (rc < 0)
		return rc;
	st->pos += t->len;
	return 0;
}

int sq_advance(struct sq_parser *p)
{
	p->prev_end = p->tok.pos + p->tok.len;
	return sq_lex(p, &p->lx, &p->tok);
}

int sq_peek(struct sq_parser *p, struct sq_token *t)
{
	struct sq_lexstate st = p->lx;

	return sq_lex(p, &st, t);
}

/* Consume a token of the given kind, or fail naming what was expected. */
int sq_expect(struct sq_parser *p, enum sq_tok kind, const char *what)
{
	char found[96];

	if (p->tok.kind == kind)
		return sq_advance(p);
	return sq_error(p, p->tok.pos, "expected %s but found %s", what ? what : tok_names[kind],
			sq_token_desc(p, &p->tok, found, sizeof(found)));
}

/* Copy the current identifier into buf and consume it. */
int sq_ident(struct sq_parser *p, char *buf, size_t size)
{
	int rc;

	if (p->tok.kind != TK_IDENT)
		return sq_expect(p, TK_IDENT, NULL);
	if (p->tok.len >= size)
		return sq_error(p, p->tok.pos, "name is too long");
	memcpy(buf, p->src + p->tok.pos, p->tok.len);
	buf[p->tok.len] = '\0';
	rc = sq_advance(p);
	return rc;
}

bool sq_tok_is(const struct sq_parser *p, const char *word)
{
	size_t n = strlen(word);

	return p->tok.kind == TK_IDENT && p->tok.len == n &&
	       memcmp(p->src + p->tok.pos, word, n) == 0;
}

static int hex_digit(char c)
{
	if (isdigit((unsigned char)c))
		return c - '0';
	if (isxdigit((unsigned char)c))
		return tolower((unsigned char)c) - 'a' + 10;
	return -1;
}

/* Decode the escapes of a string token into a new NUL-terminated buffer. */
int sq_string_value(struct sq_parser *p, const struct sq_token *t, char **out, uint32_t *len)
{
	const char *s = p->src + t->pos + 1;
	size_t n = t->len - 2, i, o = 0;
	char *buf;
	int hi, lo;

	if (n > UINT32_MAX - 1)
		return sq_error(p, t->pos, "string is too long (max 4 GiB)");
	buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] != '\\') {
			buf[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'n':
			buf[o++] = '\n';
			break;
		case 't':
			buf[o++] = '\t';
			break;
		case '"':
		case '\\':
			buf[o++] = s[i];
			break;
		case 'x':
			hi = i + 1 < n ? hex_digit(s[i + 1]) : -1;
			lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
			if (hi >= 0 && lo >= 0) {
				buf[o++] = (char)(hi << 4 | lo);
				i += 2;
				break;
			}
			free(buf);
			return sq_error(p, t->pos + i, "invalid escape; \\x needs two hex digits");
		default:
			free(buf);
			return sq_error(p, t->pos + i, "invalid escape `\\%c`; use \\\" \\\\ \\n \\t or \\xHH",
					isprint((unsigned char)s[i]) ? s[i] : '?');
		}
	}
	buf[o] = '\0';
	*out = buf;
	*len = (uint32_t)o;
	return 0;
}
