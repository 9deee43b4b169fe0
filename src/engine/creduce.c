/* Compact aggregates for the fast map-reduce path: keys packed as in cset.c
 * and integer aggregates, one run of words per slot. While packets arrive a
 * lookup reads one slot of (keys + aggregates) * 8 bytes; when the window
 * closes the rows move into the reduce's table, where the rest of the
 * pipeline reads them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define CRED_MIN_CAP 256

int cred_init(struct cred *r, unsigned n_keys, unsigned n_aggs, const enum sn_agg *aggs)
{
	unsigned j;

	memset(r, 0, sizeof(*r));
	r->nk = n_keys;
	r->stride = n_keys + n_aggs;
	r->add_only = true;
	for (j = 0; j < n_aggs; j++)
		if (aggs[j] != SN_AGG_SUM && aggs[j] != SN_AGG_COUNT)
			r->add_only = false;
	r->w = calloc((size_t)CRED_MIN_CAP * r->stride, sizeof(*r->w));
	r->order = calloc(CRED_MIN_CAP, sizeof(*r->order));
	if (!r->w || !r->order) {
		cred_free(r);
		return -ENOMEM;
	}
	r->cap = CRED_MIN_CAP;
	return 0;
}

void cred_free(struct cred *r)
{
	free(r->w);
	free(r->order);
	memset(r, 0, sizeof(*r));
}

static inline size_t cred_find(const struct cred *r, const uint64_t *k, bool *found)
{
	return words_find(r->w, r->stride, r->cap - 1, k, r->nk, found);
}

static int cred_grow(struct cred *r)
{
	struct cred old = *r;
	size_t i;
	bool found;

	r->w = calloc(old.cap * 2 * old.stride, sizeof(*r->w));
	r->order = calloc(old.cap * 2, sizeof(*r->order));
	if (!r->w || !r->order) {
		free(r->w);
		free(r->order);
		*r = old;
		return -ENOMEM;
	}
	r->cap = old.cap * 2;
	for (i = 0; i < old.count; i++) {
		const uint64_t *w = old.w + (size_t)old.order[i] * old.stride;
		size_t to = cred_find(r, w, &found);

		memcpy(r->w + to * r->stride, w, r->stride * sizeof(*w));
		r->order[i] = (uint32_t)to;
	}
	free(old.w);
	free(old.order);
	return 0;
}

static void fold(enum sn_agg agg, uint64_t *acc, uint64_t v, bool first)
{
	switch (agg) {
	case SN_AGG_SUM:
		*acc += v;
		break;
	case SN_AGG_COUNT:
		*acc += 1;
		break;
	case SN_AGG_MIN:
		if (first || v < *acc)
			*acc = v;
		break;
	case SN_AGG_MAX:
		if (first || v > *acc)
			*acc = v;
		break;
	}
}

/* Aggregate a tuple as reduce_tuple does. */
int cred_update(struct ectx *c, struct op_state *os, const uint64_t *k, const uint64_t *v)
{
	struct cred *r = &os->cred;
	const struct sn_op *op = os->op;
	bool found, first = false;
	size_t slot = cred_find(r, k, &found);
	uint64_t *w;
	size_t j;

	if (!found) {
		if (!admit_key(c))
			return 0;
		if ((r->count + 1) * 4 > r->cap * 3) {
			if (cred_grow(r))
				return -ENOMEM;
			slot = cred_find(r, k, &found);
		}
		/* An empty slot is all zeros (calloc, cred_clear, cred_flush). */
		w = r->w + slot * r->stride;
		memcpy(w, k, r->nk * sizeof(*k));
		r->order[r->count++] = (uint32_t)slot;
		first = true;
	}
	w = r->w + slot * r->stride + r->nk;
	if (r->add_only) {
		/* A count's argument is always 1. */
		for (j = 0; j < op->n_aggs; j++)
			w[j] += v[j];
		return 0;
	}
	for (j = 0; j < op->n_aggs; j++)
		fold(op->aggs[j], &w[j], v[j], first);
	return 0;
}

static void unpack(uint64_t w, struct sn_value *v)
{
	uint32_t a;

	memset(v, 0, sizeof(*v));
	if ((w & ~PACK_MASK) == TAG_UINT) {
		v->type = SN_T_UINT;
		v->u = w & PACK_MASK;
		return;
	}
	a = (uint32_t)w;
	v->type = SN_T_ADDR;
	v->addr.family = 4;
	memcpy(v->addr.bytes, &a, 4);
}

void cred_clear(struct cred *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		memset(r->w + (size_t)r->order[i] * r->stride, 0, r->stride * sizeof(*r->w));
	r->count = 0;
}

/* Combine a compact row into a row of the table already there for its key. */
static void combine(const struct sn_op *op, struct sn_value *row, const uint64_t *agg)
{
	size_t j;

	for (j = 0; j < op->n_aggs; j++) {
		uint64_t *acc = &row[op->n_exprs + j].u;

		if (op->aggs[j] == SN_AGG_SUM || op->aggs[j] == SN_AGG_COUNT)
			*acc += agg[j];
		else
			fold(op->aggs[j], acc, agg[j], false);
	}
}

/* Window close with nothing in the table: each compact row, in its order,
 * goes to op i + 1 of ss as a typed row, and its slot is emptied. */
int cred_emit(struct ectx *c, struct stream_state *ss, size_t i)
{
	struct op_state *os = &ss->ops[i];
	struct cred *r = &os->cred;
	struct sn_value *row = os->scratch;
	size_t n, j;
	int err = 0;

	for (n = 0; n < r->count && !err; n++) {
		uint64_t *w = r->w + (size_t)r->order[n] * r->stride;

		for (j = 0; j < r->nk; j++)
			unpack(w[j], &row[j]);
		for (j = 0; j < os->op->n_aggs; j++) {
			memset(&row[r->nk + j], 0, sizeof(row[r->nk + j]));
			row[r->nk + j].type = SN_T_UINT;
			row[r->nk + j].u = w[r->nk + j];
		}
		memset(w, 0, r->stride * sizeof(*w));
		err = stream_push(c, ss, i + 1, row);
	}
	/* On an error the rest of the window is dropped: empty their slots too. */
	for (; n < r->count; n++)
		memset(r->w + (size_t)r->order[n] * r->stride, 0, r->stride * sizeof(*r->w));
	r->count = 0;
	return err;
}

/* Window close: move the compact rows into the table, in their order. */
int cred_flush(struct op_state *os)
{
	struct cred *r = &os->cred;
	struct sn_value key[CSET_MAX_WORDS];
	struct table_hint hint;
	struct sn_value *row;
	size_t i, j;

	for (i = 0; i < r->count; i++) {
		uint64_t *w = r->w + (size_t)r->order[i] * r->stride;

		for (j = 0; j < r->nk; j++)
			unpack(w[j], &key[j]);
		row = table_lookup(&os->table, key, &hint);
		if (row) {
			combine(os->op, row, w + r->nk);
		} else {
			row = table_insert_hint(&os->table, key, &hint);
			if (!row)
				return -ENOMEM;
			for (j = 0; j < os->op->n_aggs; j++)
				row[r->nk + j].u = w[r->nk + j];
		}
		memset(w, 0, r->stride * sizeof(*w));
	}
	r->count = 0;
	return 0;
}
