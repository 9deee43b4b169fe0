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

/* The packed index: open addressing over slots of nk key words and one word
 * with the first row of the key, sized at least twice the right side's rows
 * so that it never fills. A slot whose first word is 0 is empty. */
static int words_reset(struct stream_state *ss, size_t rows)
{
	size_t nk = ss->s->n_join_keys, cap = 16;

	while (cap < rows * 2)
		cap *= 2;
	if (cap > ss->join_words_cap) {
		uint64_t *w = malloc(cap * (nk + 1) * sizeof(*w));

		if (!w)
			return -ENOMEM;
		free(ss->join_words);
		ss->join_words = w;
	}
	ss->join_words_cap = cap;
	memset(ss->join_words, 0, cap * (nk + 1) * sizeof(*ss->join_words));
	return 0;
}

/* The slot of packed key k: its own, or the empty one where it would go. */
static uint64_t *words_slot(const struct stream_state *ss, const uint64_t *k)
{
	unsigned nk = (unsigned)ss->s->n_join_keys;
	bool found;
	size_t i = words_find(ss->join_words, nk + 1, ss->join_words_cap - 1, k, nk, &found);

	return ss->join_words + i * (nk + 1);
}

/* The first right row of key, or NO_ROW; fills *slot for a packed key. */
static uint32_t first_row(struct stream_state *ss, const struct sn_value *key, uint64_t **slot)
{
	size_t nk = ss->s->n_join_keys;
	uint64_t packed[CSET_MAX_WORDS];
	const struct sn_value *head;

	*slot = NULL;
	if (nk <= CSET_MAX_WORDS && cset_encode((unsigned)nk, key, packed)) {
		*slot = words_slot(ss, packed);
		if (!(*slot)[0])
			memcpy(*slot, packed, nk * sizeof(*packed));
		return (*slot)[nk] ? (uint32_t)((*slot)[nk] - 1) : NO_ROW;
	}
	head = table_find(&ss->join_index, key);
	return head ? (uint32_t)head[nk].u : NO_ROW;
}

/* Make row r the first of its key (the packed slot, or a row of the table). */
static int set_first(struct stream_state *ss, const struct sn_value *key, uint64_t *slot,
		     size_t r)
{
	size_t nk = ss->s->n_join_keys;
	struct sn_value *head;

	if (slot) {
		slot[nk] = r + 1;
		return 0;
	}
	head = table_find(&ss->join_index, key);
	if (!head)
		head = table_insert(&ss->join_index, key);
	if (!head)
		return -ENOMEM;
	head[nk].u = r;
	return 0;
}

/* Index the right side's rows: key -> first row, join_next -> the following ones. */
static int index_right(struct stream_state *ss, const struct rowbuf *right)
{
	const struct sn_stream *s = ss->s;
	struct sn_value *key = ss->join_scratch;
	uint64_t *slot;
	size_t r;
	int err;

	if (right->n > ss->join_next_cap) {
		uint32_t *next = realloc(ss->join_next, right->n * sizeof(*next));

		if (!next)
			return -ENOMEM;
		ss->join_next = next;
		ss->join_next_cap = right->n;
	}
	table_clear(&ss->join_index);
	err = words_reset(ss, right->n);
	/* Walk backwards so each chain lists rows in their original order. */
	for (r = right->n; r > 0 && !err; r--) {
		gather_keys(rowbuf_row(right, r - 1), s->right_keys, s->n_join_keys, key);
		ss->join_next[r - 1] = first_row(ss, key, &slot);
		err = set_first(ss, key, slot, r - 1);
	}
	return err;
}

/* The first right row matching key, or NO_ROW; adds nothing to the index. */
static uint32_t lookup_row(struct stream_state *ss, const struct sn_value *key)
{
	size_t nk = ss->s->n_join_keys;
	uint64_t packed[CSET_MAX_WORDS];
	const struct sn_value *head;

	if (nk <= CSET_MAX_WORDS && cset_encode((unsigned)nk, key, packed)) {
		const uint64_t *w = words_slot(ss, packed);

		return w[0] && w[nk] ? (uint32_t)(w[nk] - 1) : NO_ROW;
	}
	head = table_find(&ss->join_index, key);
	return head ? (uint32_t)head[nk].u : NO_ROW;
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
		uint32_t m;

		gather_keys(lrow, s->left_keys, s->n_join_keys, key);
		m = lookup_row(ss, key);
		if (m == NO_ROW) {
			if (s->join == SN_JOIN_LEFT) {
				build_row(ss, left, right, lrow, NULL, out);
				err = stream_push(c, ss, 0, out);
			}
			continue;
		}
		for (; m != NO_ROW && !err; m = ss->join_next[m]) {
			build_row(ss, left, right, lrow, rowbuf_row(&right->out, m), out);
			err = stream_push(c, ss, 0, out);
		}
	}
	free(out);
	return err;
}
