/* Pipelines: set-up of a stream's operators and the push of tuples through them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/log.h"
#include "engine/engine_int.h"

#define MULTI_MAX (SN_DNS_MAX_RR + 1)

static int compile_list(struct sn_expr *const *src, size_t n, struct enode **dst)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = enode_compile(src ? src[i] : NULL, &dst[i]);
		if (err)
			return err;
	}
	return 0;
}

static int op_init(struct op_state *os, const struct sn_op *op, size_t n_in)
{
	size_t n_scratch;
	size_t i;
	int err;

	os->op = op;
	os->n_in = n_in;
	if (op->kind == SN_OP_FILTER)
		return enode_compile(op->pred, &os->pred);
	os->n_ex = op->n_exprs;
	os->n_keys = op->n_exprs;
	if (op->kind == SN_OP_REDUCE)
		os->n_ex += op->n_aggs;
	if (op->kind == SN_OP_DISTINCT && op->n_exprs == 0) {
		os->all_cols = true;
		os->n_keys = n_in;
	}
	os->ex = calloc(os->n_ex ? os->n_ex : 1, sizeof(*os->ex));
	n_scratch = op->out.n > os->n_ex ? op->out.n : os->n_ex;
	n_scratch = n_scratch > n_in ? n_scratch : n_in;
	os->scratch = calloc(n_scratch ? n_scratch : 1, sizeof(*os->scratch));
	if (!os->ex || !os->scratch)
		return -ENOMEM;
	err = compile_list(op->exprs, op->n_exprs, os->ex);
	if (!err && op->kind == SN_OP_REDUCE)
		err = compile_list(op->agg_args, op->n_aggs, os->ex + op->n_exprs);
	if (err)
		return err;
	for (i = 0; i < os->n_ex; i++)
		if (os->ex[i] && os->ex[i]->multi)
			os->multi = true;
	if (op->kind == SN_OP_MAP)
		return 0;
	os->has_table = true;
	return table_init(&os->table, os->n_keys, os->n_ex > os->n_keys ? os->n_ex : os->n_keys);
}

static int join_init(struct stream_state *ss, const struct sn_query *q)
{
	const struct sn_stream *s = ss->s;
	size_t nk = s->n_join_keys;

	if (s->left < 0 || s->right < 0 || (size_t)s->left >= q->n_streams ||
	    (size_t)s->right >= q->n_streams || nk == 0) {
		sn_err("query %s: join stream %s has invalid sides or no keys", q->name, s->name);
		return -EINVAL;
	}
	ss->join_scratch = calloc(s->in.n + nk + 1, sizeof(*ss->join_scratch));
	if (!ss->join_scratch)
		return -ENOMEM;
	return table_init(&ss->join_index, nk, nk + 1);
}

int stream_init(struct stream_state *ss, const struct sn_query *q, size_t idx)
{
	const struct sn_stream *s = &q->streams[idx];
	size_t n_in = s->source == SN_SRC_PACKETS ? 0 : s->in.n;
	size_t i;
	int err;

	memset(ss, 0, sizeof(*ss));
	ss->s = s;
	ss->ops = calloc(s->n_ops ? s->n_ops : 1, sizeof(*ss->ops));
	if (!ss->ops)
		return -ENOMEM;
	ss->n_ops = s->n_ops;
	for (i = 0; i < s->n_ops; i++) {
		err = op_init(&ss->ops[i], &s->ops[i], n_in);
		if (err)
			return err;
		if (s->ops[i].kind != SN_OP_FILTER)
			n_in = s->ops[i].out.n;
	}
	/* A filter keeps the shape of its input. */
	ss->out_schema = &s->in;
	for (i = s->n_ops; i > 0 && s->ops[i - 1].kind == SN_OP_FILTER; i--)
		;
	if (i > 0)
		ss->out_schema = &s->ops[i - 1].out;
	ss->out.width = ss->out_schema->n;
	if (s->source == SN_SRC_JOIN)
		return join_init(ss, q);
	return 0;
}

void stream_free(struct stream_state *ss)
{
	size_t i, k;

	for (i = 0; ss->ops && i < ss->n_ops; i++) {
		struct op_state *os = &ss->ops[i];

		enode_free(os->pred);
		for (k = 0; os->ex && k < os->n_ex; k++)
			enode_free(os->ex[k]);
		free(os->ex);
		free(os->scratch);
		if (os->has_table)
			table_free(&os->table);
		if (os->has_cset)
			cset_free(&os->cset);
		if (os->has_cred)
			cred_free(&os->cred);
		free(os->dkey);
		free(os->mix);
	}
	free(ss->ops);
	rowbuf_free(&ss->out);
	if (ss->s && ss->s->source == SN_SRC_JOIN)
		table_free(&ss->join_index);
	free(ss->join_words);
	free(ss->join_next);
	free(ss->join_scratch);
	free(ss->pre);
	free(ss->quick);
	if (ss->need_prev)
		table_free(&ss->prev);
	memset(ss, 0, sizeof(*ss));
}

void stream_reset(struct stream_state *ss)
{
	size_t i;

	for (i = 0; i < ss->n_ops; i++) {
		if (ss->ops[i].has_table)
			table_clear(&ss->ops[i].table);
		if (ss->ops[i].has_cset)
			cset_clear(&ss->ops[i].cset);
		if (ss->ops[i].has_cred)
			cred_clear(&ss->ops[i].cred);
	}
	rowbuf_clear(&ss->out);
	if (ss->s->source == SN_SRC_JOIN)
		table_clear(&ss->join_index);
}

/* Evaluate every expression of os into its scratch tuple; 0 if one is missing. */
static int eval_all(struct ectx *c, struct op_state *os, const struct sn_value *cols)
{
	size_t i;

	if (os->all_cols) {
		memcpy(os->scratch, cols, os->n_in * sizeof(*cols));
		return 1;
	}
	for (i = 0; i < os->n_ex; i++) {
		const struct enode *e = os->ex[i];

		if (!e) {
			os->scratch[i].type = SN_T_UINT;
			os->scratch[i].u = 1;
		} else if (e->kind == SN_EX_COL && cols) {
			os->scratch[i] = cols[e->col];
		} else if (e->kind == SN_EX_CONST) {
			os->scratch[i] = e->value;
		} else if (!eval(c, e, &os->scratch[i])) {
			return 0;
		}
	}
	return 1;
}

/* Run fn with the evaluation state saved, so the ops it calls cannot change it. */
static int call_saved(struct ectx *c, struct op_state *os,
		      int (*fn)(struct ectx *c, struct op_state *os, void *arg), void *arg)
{
	struct ectx saved = *c;
	int err = fn(c, os, arg);

	*c = saved;
	return err;
}

/* NOTE: several multi-valued fields in one op are read at the same value index
 * (zipped), not crossed. Fields that skip records, such as dns.an.addr, can
 * then pair with another record's name or type. */
int each_tuple(struct ectx *c, struct op_state *os, const struct sn_value *cols,
	       int (*fn)(struct ectx *c, struct op_state *os, void *arg), void *arg)
{
	unsigned idx;
	int err = 0;

	c->cols = cols;
	if (!os->multi)
		return eval_all(c, os, cols) ? call_saved(c, os, fn, arg) : 0;
	c->fixed = true;
	for (idx = 0; idx < MULTI_MAX && !err; idx++) {
		int ok;

		c->idx = idx;
		c->exhausted = false;
		c->multi_read = false;
		ok = eval_all(c, os, cols);
		if (c->exhausted)
			break;
		if (ok)
			err = call_saved(c, os, fn, arg);
		if (!c->multi_read)
			break;
	}
	c->fixed = false;
	c->idx = 0;
	return err;
}

struct next_op {
	struct stream_state *ss;
	size_t i;
};

static int push_scratch(struct ectx *c, struct op_state *os, void *arg)
{
	struct next_op *next = arg;

	return stream_push(c, next->ss, next->i, os->scratch);
}

/* True when a distinct or reduce of ss already counts its rows as keys. */
static bool has_keyed_op(const struct stream_state *ss)
{
	size_t i;

	for (i = 0; i < ss->n_ops; i++)
		if (ss->ops[i].op->kind == SN_OP_DISTINCT || ss->ops[i].op->kind == SN_OP_REDUCE)
			return true;
	return false;
}

static int push_op(struct ectx *c, struct stream_state *ss, size_t i, const struct sn_value *cols)
{
	struct op_state *os;
	struct next_op next = { ss, i + 1 };

	if (i == ss->n_ops) {
		if (!cols)
			return 0;
		/* A stream without distinct or reduce buffers one row per packet,
		 * so those rows count against the key limit too. */
		if (c->pkt && !has_keyed_op(ss) && !admit_key(c))
			return 0;
		return rowbuf_append(&ss->out, cols);
	}
	os = &ss->ops[i];
	c->cols = cols;
	switch (os->op->kind) {
	case SN_OP_FILTER:
		if (!eval_true(c, os->pred))
			return 0;
		return stream_push(c, ss, i + 1, cols);
	case SN_OP_MAP:
		return each_tuple(c, os, cols, push_scratch, &next);
	case SN_OP_DISTINCT:
		return distinct_push(c, ss, i, cols);
	case SN_OP_REDUCE:
		return reduce_push(c, os, cols);
	}
	return 0;
}

int stream_push(struct ectx *c, struct stream_state *ss, size_t i, const struct sn_value *cols)
{
	struct prof_mark m;
	int err;

	if (!c->prof || i >= ss->n_ops)
		return push_op(c, ss, i, cols);
	prof_begin(c->eng, &m);
	err = push_op(c, ss, i, cols);
	ss->ops[i].prof_ns += prof_end(c->eng, &m);
	return err;
}

int stream_close(struct ectx *c, struct stream_state *ss)
{
	const struct sn_stream *s = ss->s;
	size_t i, r;
	int err = 0;

	c->pkt = NULL;
	if (s->source == SN_SRC_STREAM) {
		const struct rowbuf *in = &c->qs->streams[s->input].out;

		for (r = 0; r < in->n && !err; r++)
			err = stream_push(c, ss, 0, rowbuf_row(in, r));
	} else if (s->source == SN_SRC_JOIN) {
		err = join_run(c, ss);
	}
	for (i = 0; i < ss->n_ops && !err; i++) {
		struct op_state *os = &ss->ops[i];

		if (os->op->kind != SN_OP_REDUCE)
			continue;
		if (os->has_cred) {
			err = cred_emit(c, ss, i);
			continue;
		}
		for (r = 0; r < os->table.count && !err; r++)
			err = stream_push(c, ss, i + 1, table_row(&os->table, r));
	}
	return err;
}
