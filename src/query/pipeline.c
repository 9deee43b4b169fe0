/* Pipelines: a source, then operators separated by '|'. A join inside a
 * pipeline ends the stream built so far, which becomes the join's left side. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

/* Stream under construction, with whether it still carries packets. */
struct build {
	struct sn_stream st;
	bool packets;
};

static void set_ctx(struct sq_parser *p, const struct build *b)
{
	p->ctx.cols = sq_stream_out(&b->st);
	p->ctx.packets = b->packets;
}

/* Move st to the end of the query's streams; st is emptied either way. */
static int push_stream(struct sq_parser *p, struct sn_stream *st, size_t pos, int *idx)
{
	struct sn_query *q = p->q;
	struct sn_stream *streams;
	struct sq_slot *slots;

	if (q->n_streams >= SQ_MAX_STREAMS) {
		sq_stream_free(st);
		return sq_error(p, pos, "too many streams in one query (max %d)", SQ_MAX_STREAMS);
	}
	slots = realloc(p->slots, (q->n_streams + 1) * sizeof(*slots));
	if (slots)
		p->slots = slots;
	streams = slots ? realloc(q->streams, (q->n_streams + 1) * sizeof(*streams)) : NULL;
	if (!streams) {
		sq_stream_free(st);
		return -ENOMEM;
	}
	q->streams = streams;
	streams[q->n_streams] = *st;
	slots[q->n_streams].used = false;
	slots[q->n_streams].pos = pos;
	memset(st, 0, sizeof(*st));
	*idx = (int)q->n_streams++;
	return 0;
}

static int let_index(struct sq_parser *p, const char *name, size_t pos)
{
	int idx = sq_find_let(p, name);

	if (idx < 0)
		return sq_error(p, pos, "unknown let `%s`; define it with `let %s = ...` before it is used",
				name, name);
	p->slots[idx].used = true;
	return idx;
}

/* After `[left] join`: the right side's name and the keys. */
static int parse_join_tail(struct sq_parser *p, struct build *b, int left, bool is_left)
{
	char name[SQ_MAX_NAME + 1];
	size_t pos = p->tok.pos;
	int rc = sq_ident(p, name, sizeof(name));

	if (rc)
		return rc;
	b->st.source = SN_SRC_JOIN;
	b->st.join = is_left ? SN_JOIN_LEFT : SN_JOIN_INNER;
	b->st.left = left;
	b->st.right = let_index(p, name, pos);
	if (b->st.right < 0)
		return b->st.right;
	b->packets = false;
	return sq_parse_join_keys(p, &b->st);
}

static int parse_join_kw(struct sq_parser *p, bool *is_left)
{
	int rc = 0;

	*is_left = p->tok.kind == TK_LEFT;
	if (*is_left)
		rc = sq_advance(p);
	return rc ? rc : sq_expect(p, TK_JOIN, NULL);
}

static int parse_source(struct sq_parser *p, struct build *b)
{
	char name[SQ_MAX_NAME + 1], found[96];
	size_t pos = p->tok.pos;
	bool is_left;
	int rc, idx;

	if (p->tok.kind == TK_PACKETS) {
		b->st.source = SN_SRC_PACKETS;
		b->packets = true;
		return sq_advance(p);
	}
	if (p->tok.kind != TK_IDENT)
		return sq_error(p, pos, "expected 'packets' or the name of a let but found %s",
				sq_token_desc(p, &p->tok, found, sizeof(found)));
	rc = sq_ident(p, name, sizeof(name));
	if (rc)
		return rc;
	idx = let_index(p, name, pos);
	if (idx < 0)
		return idx;
	if (p->tok.kind == TK_LEFT || p->tok.kind == TK_JOIN) {
		rc = parse_join_kw(p, &is_left);
		return rc ? rc : parse_join_tail(p, b, idx, is_left);
	}
	b->st.source = SN_SRC_STREAM;
	b->st.input = idx;
	return sq_schema_copy(&b->st.in, sq_stream_out(&p->q->streams[idx]));
}

/* A join in the middle of a pipeline: close the stream so far as a hidden
 * stream named OWNER#N and start a join stream with it on the left. */
static int split_for_join(struct sq_parser *p, struct build *b, const char *owner, size_t pos)
{
	char name[SQ_MAX_NAME + 16];
	bool is_left;
	int rc, idx;

	if (b->packets)
		return sq_error(p, pos, "join needs rows with columns; put a map, distinct or reduce before it");
	rc = parse_join_kw(p, &is_left);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "%s#%u", owner, ++p->hidden);
	b->st.name = strdup(name);
	if (!b->st.name)
		return -ENOMEM;
	rc = push_stream(p, &b->st, pos, &idx);
	if (rc)
		return rc;
	p->slots[idx].used = true;
	return parse_join_tail(p, b, idx, is_left);
}

static int add_op(struct sq_parser *p, struct build *b, struct sn_op *op)
{
	struct sn_op *ops;

	if (b->st.n_ops >= SQ_MAX_OPS)
		return sq_error(p, p->tok.pos, "too many operators in one pipeline (max %d)",
				SQ_MAX_OPS);
	ops = realloc(b->st.ops, (b->st.n_ops + 1) * sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	b->st.ops = ops;
	ops[b->st.n_ops++] = *op;
	memset(op, 0, sizeof(*op));
	return 0;
}

static int parse_op_body(struct sq_parser *p, struct build *b, struct sn_op *op,
			 const struct sq_token *at)
{
	char found[96];

	switch (at->kind) {
	case TK_FILTER:
		op->kind = SN_OP_FILTER;
		return sq_parse_filter(p, op);
	case TK_MAP:
		op->kind = SN_OP_MAP;
		b->packets = false;
		return sq_parse_map(p, op);
	case TK_DISTINCT:
		op->kind = SN_OP_DISTINCT;
		b->packets = false;
		return sq_parse_distinct(p, op, at);
	case TK_REDUCE:
		op->kind = SN_OP_REDUCE;
		b->packets = false;
		return sq_parse_reduce(p, op);
	default:
		return sq_error(p, at->pos, "expected an operator (filter, map, distinct, reduce or join) but found %s",
				sq_token_desc(p, at, found, sizeof(found)));
	}
}

static int parse_op(struct sq_parser *p, struct build *b, const char *owner)
{
	struct sq_token at = p->tok;
	struct sn_op op;
	int rc;

	if (at.kind == TK_LEFT || at.kind == TK_JOIN)
		return split_for_join(p, b, owner, at.pos);
	memset(&op, 0, sizeof(op));
	op.line = at.line;
	op.column = at.col;
	set_ctx(p, b);
	rc = at.kind >= TK_FILTER && at.kind <= TK_REDUCE ? sq_advance(p) : 0;
	if (!rc)
		rc = parse_op_body(p, b, &op, &at);
	if (!rc)
		rc = add_op(p, b, &op);
	if (rc)
		sq_op_free(&op);
	return rc;
}

/* Parse a pipeline owned by a let or the query and append it (and any
 * hidden join streams) to the query; *idx is the new stream's index. */
int sq_parse_pipeline(struct sq_parser *p, const char *owner, bool *packets, int *idx)
{
	struct build b;
	size_t pos = p->tok.pos;
	int rc;

	memset(&b, 0, sizeof(b));
	rc = parse_source(p, &b);
	while (!rc && p->tok.kind == TK_PIPE) {
		rc = sq_advance(p);
		if (!rc)
			rc = parse_op(p, &b, owner);
	}
	if (!rc) {
		b.st.name = strdup(owner);
		rc = b.st.name ? push_stream(p, &b.st, pos, idx) : -ENOMEM;
	}
	sq_stream_free(&b.st);
	*packets = b.packets;
	return rc;
}
