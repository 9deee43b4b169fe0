/* Queries: the checked, typed form the parser produces and the engine runs.
 * The language itself is described in docs/language.md. */
#ifndef SONATA_QUERY_H
#define SONATA_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sonata/fields.h"
#include "sonata/value.h"

enum sn_expr_kind {
	SN_EX_CONST,     /* value */
	SN_EX_FIELD,     /* packet field `field`; only in ops that read packets */
	SN_EX_COL,       /* column `col` of the current tuple */
	SN_EX_NOT,       /* logical not of a */
	SN_EX_NEG,       /* arithmetic minus of a */
	SN_EX_BINARY,    /* a op b */
	SN_EX_MASK,      /* address a with only its first `bits` kept: ip.dst/24 */
	SN_EX_IN_PREFIX, /* address a within prefix value/bits: ip.dst in 10.0.0.0/8 */
	SN_EX_CONTAINS,  /* string or bytes a contains the text value */
	SN_EX_IN_PREV,   /* a among the keys stream `stream` reported in the previous window */
	SN_EX_LEN,       /* length of string or bytes a */
};

enum sn_binop {
	SN_BIN_ADD, SN_BIN_SUB, SN_BIN_MUL, SN_BIN_DIV, SN_BIN_MOD, SN_BIN_AND_BITS,
	SN_BIN_EQ, SN_BIN_NE, SN_BIN_LT, SN_BIN_LE, SN_BIN_GT, SN_BIN_GE,
	SN_BIN_AND, SN_BIN_OR,
};

struct sn_expr {
	enum sn_expr_kind kind;
	enum sn_binop op;       /* SN_EX_BINARY */
	enum sn_type type;      /* result type; comparisons and logic give SN_T_UINT 0/1 */
	bool multi;             /* reads a multi-valued field (SN_FF_MULTI) */
	struct sn_value value;  /* SN_EX_CONST, SN_EX_IN_PREFIX, SN_EX_CONTAINS; strings owned */
	enum sn_field_id field; /* SN_EX_FIELD */
	int col;                /* SN_EX_COL */
	unsigned bits;          /* SN_EX_MASK, SN_EX_IN_PREFIX */
	int stream;             /* SN_EX_IN_PREV: index into sn_query.streams */
	struct sn_expr *a, *b;
	unsigned line, column;  /* position in the query file */
};

struct sn_column {
	char *name;
	enum sn_type type;
	bool is_key; /* keys identify a row; values are numbers computed for it */
};

struct sn_schema {
	struct sn_column *cols;
	size_t n;
};

enum sn_op_kind { SN_OP_FILTER, SN_OP_MAP, SN_OP_DISTINCT, SN_OP_REDUCE };
enum sn_agg { SN_AGG_SUM, SN_AGG_COUNT, SN_AGG_MIN, SN_AGG_MAX };

struct sn_op {
	enum sn_op_kind kind;
	struct sn_expr *pred;    /* filter */
	/* map: one expression per output column, in schema order.
	 * distinct: the key expressions (output = those columns).
	 * reduce: the group-by key expressions, output first in the schema. */
	struct sn_expr **exprs;
	size_t n_exprs;
	/* reduce: one aggregate per value column, output after the keys. */
	enum sn_agg *aggs;
	struct sn_expr **agg_args; /* NULL entry for count() */
	size_t n_aggs;
	struct sn_schema out;      /* tuple shape after this op */
	unsigned line, column;
};

enum sn_source_kind { SN_SRC_PACKETS, SN_SRC_STREAM, SN_SRC_JOIN };
enum sn_join_kind { SN_JOIN_INNER, SN_JOIN_LEFT };

/* A pipeline: a source, then operators applied in order. */
struct sn_stream {
	char *name;              /* let-name, or the query name for the output stream */
	enum sn_source_kind source;
	int input;               /* SN_SRC_STREAM: index of the input stream */
	/* SN_SRC_JOIN: left and right stream indexes, and the key columns that
	 * must be equal; output = keys, then left's values, then right's values.
	 * A left join gives 0 to the right values of keys the right side lacks. */
	int left, right;
	enum sn_join_kind join;
	size_t n_join_keys;
	int *left_keys, *right_keys; /* column indexes on each side */
	struct sn_schema in;     /* shape at the source; n == 0 for packets */
	struct sn_op *ops;
	size_t n_ops;
};

struct sn_param {
	char *name;
	double value;
};

struct sn_query {
	char *name;
	char *file;            /* file the query came from */
	unsigned line;
	uint64_t window_ns;    /* tumbling window length */
	struct sn_param *params;
	size_t n_params;
	/* Streams in dependency order: a stream's inputs come before it. The last
	 * one is the query's output. */
	struct sn_stream *streams;
	size_t n_streams;
};

struct sn_query_set {
	struct sn_query *queries;
	size_t n;
};

/* -D name=value, or -D query.name=value for one query. */
struct sn_define {
	const char *name;
	double value;
};

/* Parse and check a query file, appending its queries to set. On error
 * returns a negative errno and writes a message naming file, line and column,
 * with the line and a caret, to err. Every define must name a parameter of
 * some query in the set (checked by sn_query_check_defines). */
int sn_query_parse_file(struct sn_query_set *set, const char *path,
			const struct sn_define *defs, size_t n_defs, char *err, size_t errlen);
int sn_query_parse_text(struct sn_query_set *set, const char *name, const char *text,
			size_t len, const struct sn_define *defs, size_t n_defs, char *err,
			size_t errlen);
/* Fail with a message for a define that names no parameter of any query. */
int sn_query_check_defines(const struct sn_query_set *set, const struct sn_define *defs,
			   size_t n_defs, char *err, size_t errlen);
void sn_query_set_free(struct sn_query_set *set);

/* Print a query back in the language (for `sonata explain` and tests).
 * Returns the length written, or -ENOSPC when the text did not fit. */
int sn_query_format(const struct sn_query *q, char *buf, size_t size);

#endif
