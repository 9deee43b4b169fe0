/* Joins of two streams' window output on equal key columns. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define NO_ROW UINT32_MAX

static bool is_join_key(const int *keys, size_t n, size_t col)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i] >= 0 && (size_t)keys[i] == col)
			return true;
	return false;
}

static void gather_keys(const struct sn_value *row, const int *keys, size_t n,
			struct sn_value *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = row[keys[i]];
}

/* Index the right side's rows: key -> first row, join_next -> the following ones. */
static int index_right(struct stream_state *ss, const struct rowbuf *right)
{
	const struct sn_stream *s = ss->s;
	struct sn_value *key = ss->join_scratch;
	size_t r;

	if (right->n > ss->join_next_cap) {
		uint32_t *next = realloc(ss->join_next, right->n * sizeof(*next));

		if (!next)
			return -ENOMEM;
		ss->join_next = next;
		ss->join_next_cap = right->n;
	}
	table_clear(&ss->join_index);
	/* Walk backwards so each chain lists rows in their original order. */
	for (r = right->n; r > 0; r--) {
		struct sn_value *head;

		gather_keys(rowbuf_row(right, r - 1), s->right_keys, s->n_join_keys, key);
		head = table_find(&ss->join_index, key);
		if (!head) {
			head = table_insert(&ss->join_index, key);
			if (!head)
				return -ENOMEM;
			head[s->n_join_keys].u = NO_ROW;
		}
		ss->join_next[r - 1] = (uint32_t)head[s->n_join_keys].u;
		head[s->n_join_keys].u = r - 1;
	}
	return 0;
}

/* Write keys, the left's other columns, then the right's (zero when absent). */
static size_t build_row(const struct stream_state *ss, const struct stream_state *left,
			const struct stream_state *right, const struct sn_value *lrow,
			const struct sn_value *rrow, struct sn_value *out)
{
	const struct sn_stream *s = ss->s;
	size_t n = s->n_join_keys, col;

	gather_keys(lrow, s->left_keys, s->n_join_keys, out);
	for (col = 0; col < left->out_schema->n; col++)
		if (!is_join_key(s->left_keys, s->n_join_keys, col))
			out[n++] = lrow[col];
	for (col = 0; col < right->out_schema->n; col++) {
		if (is_join_key(s->right_keys, s->n_join_keys, col))
			continue;
		if (rrow) {
			out[n++] = rrow[col];
		} else {
			memset(&out[n], 0, sizeof(out[n]));
			out[n++].type = right->out_schema->cols[col].type;
		}
	}
	return n;
}

int join_run(struct ectx *c, struct stream_state *ss)
{
	const struct sn_stream *s = ss->s;
	struct stream_state *left = &c->qs->streams[s->left];
	struct stream_state *right = &c->qs->streams[s->right];
	struct sn_value *key = ss->join_scratch;
	struct sn_value *out;
	size_t r;
	int err;

	out = calloc(ss->s->in.n ? ss->s->in.n : 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	err = index_right(ss, &right->out);
	for (r = 0; r < left->out.n && !err; r++) {
		const struct sn_value *lrow = rowbuf_row(&left->out, r);
		const struct sn_value *head;
		uint32_t m;

		gather_keys(lrow, s->left_keys, s->n_join_keys, key);
		head = table_find(&ss->join_index, key);
		if (!head) {
			if (s->join == SN_JOIN_LEFT) {
				build_row(ss, left, right, lrow, NULL, out);
				err = stream_push(c, ss, 0, out);
			}
			continue;
		}
		m = (uint32_t)head[s->n_join_keys].u;
		for (; m != NO_ROW && !err; m = ss->join_next[m]) {
			build_row(ss, left, right, lrow, rowbuf_row(&right->out, m), out);
			err = stream_push(c, ss, 0, out);
		}
	}
	free(out);
	return err;
}
