/* Ownership of the query IR: freeing queries and small stream helpers. */
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

void sq_op_free(struct sn_op *op)
{
	size_t i;

	sq_expr_free(op->pred);
	for (i = 0; i < op->n_exprs; i++)
		sq_expr_free(op->exprs[i]);
	free(op->exprs);
	for (i = 0; i < op->n_aggs; i++)
		sq_expr_free(op->agg_args[i]);
	free(op->agg_args);
	free(op->aggs);
	sq_schema_free(&op->out);
}

void sq_stream_free(struct sn_stream *st)
{
	size_t i;

	for (i = 0; i < st->n_ops; i++)
		sq_op_free(&st->ops[i]);
	free(st->ops);
	free(st->name);
	free(st->left_keys);
	free(st->right_keys);
	sq_schema_free(&st->in);
	memset(st, 0, sizeof(*st));
}

void sq_query_free(struct sn_query *q)
{
	size_t i;

	for (i = 0; i < q->n_streams; i++)
		sq_stream_free(&q->streams[i]);
	free(q->streams);
	for (i = 0; i < q->n_params; i++)
		free(q->params[i].name);
	free(q->params);
	free(q->name);
	free(q->file);
	memset(q, 0, sizeof(*q));
}

void sn_query_set_free(struct sn_query_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		sq_query_free(&set->queries[i]);
	free(set->queries);
	set->queries = NULL;
	set->n = 0;
}

/* The tuple shape a stream produces: after its last operator. */
const struct sn_schema *sq_stream_out(const struct sn_stream *st)
{
	if (st->n_ops)
		return &st->ops[st->n_ops - 1].out;
	return &st->in;
}

/* Streams made for a join in the middle of a pipeline are named OWNER#N;
 * '#' cannot occur in a name written in the language. */
bool sq_stream_hidden(const struct sn_stream *st)
{
	return st->name && strchr(st->name, '#') != NULL;
}
