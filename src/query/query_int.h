/* Private interface of the query front end: tokens, parser state and the
 * checks shared by the parser files. */
#ifndef SONATA_QUERY_INT_H
#define SONATA_QUERY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sonata/query.h"

/* Limits that keep hostile input linear in time and bounded in stack use. */
#define SQ_MAX_DEPTH 256      /* expression tree depth and parser nesting */
#define SQ_MAX_NAME 128       /* bytes in an identifier */
#define SQ_MAX_COLS 256       /* columns in one schema */
#define SQ_MAX_STREAMS 256    /* streams (lets and joins) in one query */
#define SQ_MAX_OPS 1024       /* operators in one stream */
#define SQ_MAX_PARAMS 64      /* parameters of one query */
#define SQ_MAX_QUERIES 4096   /* queries in one set */

enum sq_tok {
	TK_EOF,
	TK_IDENT,
	TK_NUMBER,
	TK_STRING,
	TK_ADDR,
	TK_LPAREN, TK_RPAREN, TK_LBRACE, TK_RBRACE, TK_COMMA, TK_SEMI, TK_PIPE,
	TK_ASSIGN, TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
	TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_AMP,
	/* keywords */
	TK_QUERY, TK_LET, TK_PACKETS, TK_FILTER, TK_MAP, TK_DISTINCT, TK_REDUCE,
	TK_JOIN, TK_LEFT, TK_ON, TK_BY, TK_AND, TK_OR, TK_NOT, TK_IN, TK_CONTAINS,
	TK_PREVIOUS,
};

struct sq_token {
	enum sq_tok kind;
	size_t pos, len;      /* bytes of the source text */
	unsigned line, col;   /* 1-based */
	uint64_t u;           /* TK_NUMBER: whole value */
	double d;             /* TK_NUMBER: value, also for decimals */
	bool frac;            /* TK_NUMBER: written with a fraction (0.5) */
	struct sn_addr addr;  /* TK_ADDR */
};

struct sq_lexstate {
	size_t pos;
	unsigned line;
	size_t line_start;
};

/* A private wrapper around each expression node: the source span for
 * messages and the tree depth, which is capped at SQ_MAX_DEPTH. */
struct sq_node {
	struct sn_expr e;
	size_t start, end;
	unsigned depth;
};

/* The tuple shape that names resolve against while parsing an operator. */
struct sq_ctx {
	const struct sn_schema *cols; /* current columns; n == 0 on packets */
	bool packets;                 /* the stream still carries packets */
};

/* Parser bookkeeping for one stream of the query being parsed. */
struct sq_slot {
	bool used;   /* read by a later stream */
	size_t pos;  /* where its pipeline starts, for messages */
};

struct sq_parser {
	const char *file;
	const char *src;
	size_t len;
	struct sq_lexstate lx;   /* position after the current token */
	struct sq_token tok;     /* current token */
	size_t prev_end;         /* end offset of the last consumed token */
	unsigned nesting;
	char *err;
	size_t errlen;
	const struct sn_define *defs;
	size_t n_defs;
	const struct sn_query_set *set;  /* queries loaded before this text */
	const struct sn_query_set *done; /* queries parsed from this text */
	struct sn_query *q;              /* query being parsed */
	struct sq_slot *slots;           /* per stream of q */
	unsigned hidden;                 /* count of generated join streams */
	struct sq_ctx ctx;
};

/* diag.c */
int sq_error(struct sq_parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *sq_token_desc(const struct sq_parser *p, const struct sq_token *t,
			  char *buf, size_t size);
const char *sq_snippet(const struct sq_parser *p, size_t start, size_t end,
		       char *buf, size_t size);

/* lexer.c */
int sq_lex(struct sq_parser *p, struct sq_lexstate *st, struct sq_token *t);
int sq_advance(struct sq_parser *p);
int sq_peek(struct sq_parser *p, struct sq_token *t);
int sq_expect(struct sq_parser *p, enum sq_tok kind, const char *what);
int sq_string_value(struct sq_parser *p, const struct sq_token *t, char **out,
		    uint32_t *len);
int sq_ident(struct sq_parser *p, char *buf, size_t size);
bool sq_tok_is(const struct sq_parser *p, const char *word);
const char *sq_tok_name(enum sq_tok kind);

/* expr.c */
int sq_parse_expr(struct sq_parser *p, struct sn_expr **out);
struct sq_node *sq_node_of(const struct sn_expr *e);
void sq_expr_free(struct sn_expr *e);

/* check.c */
int sq_resolve_name(struct sq_parser *p, const struct sq_token *t, struct sn_expr **out);
int sq_find_col(const struct sn_schema *s, const char *name);
int sq_find_let(const struct sq_parser *p, const char *name);
int sq_expr_name(struct sq_parser *p, const struct sn_expr *e, char *buf, size_t size);
bool sq_expr_is_key(const struct sq_parser *p, const struct sn_expr *e);
int sq_add_col(struct sq_parser *p, struct sn_schema *s, const char *name,
	       enum sn_type type, bool is_key, size_t pos);
int sq_schema_copy(struct sn_schema *dst, const struct sn_schema *src);
void sq_schema_free(struct sn_schema *s);
const char *sq_type_word(enum sn_type type);
const char *sq_type_article(enum sn_type type);
void sq_describe(struct sq_parser *p, const struct sn_expr *e, char *buf, size_t size);
void sq_describe_is(struct sq_parser *p, const struct sn_expr *e, char *buf, size_t size);

/* join.c */
int sq_parse_join_keys(struct sq_parser *p, struct sn_stream *st);

/* ops.c */
int sq_parse_filter(struct sq_parser *p, struct sn_op *op);
int sq_parse_map(struct sq_parser *p, struct sn_op *op);
int sq_parse_distinct(struct sq_parser *p, struct sn_op *op, const struct sq_token *at);
int sq_parse_reduce(struct sq_parser *p, struct sn_op *op);

/* pipeline.c */
int sq_parse_pipeline(struct sq_parser *p, const char *owner, bool *packets, int *idx);

/* ir.c */
void sq_op_free(struct sn_op *op);
void sq_stream_free(struct sn_stream *st);
void sq_query_free(struct sn_query *q);
const struct sn_schema *sq_stream_out(const struct sn_stream *st);
bool sq_stream_hidden(const struct sn_stream *st);

#endif
