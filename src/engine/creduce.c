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
		/* An empty slot is all zeros (calloc, cred_clear, cred_emit). */
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

int cred_note_row(struct op_state *os)
{
	size_t k = os->table.count - 1;

	if (k >= os->mix_cap) {
		size_t cap = os->mix_cap ? 2 * os->mix_cap : 64;
		uint32_t *grown = realloc(os->mix, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		os->mix = grown;
		os->mix_cap = cap;
	}
	os->mix[k] = (uint32_t)os->cred.count;
	return 0;
}

/* Compact row n as a typed row in row; its slot is emptied. */
static void take_row(struct op_state *os, size_t n, struct sn_value *row)
{
	struct cred *r = &os->cred;
	uint64_t *w = r->w + (size_t)r->order[n] * r->stride;
	size_t j;

	for (j = 0; j < r->nk; j++)
		unpack(w[j], &row[j]);
	for (j = 0; j < os->op->n_aggs; j++) {
		memset(&row[r->nk + j], 0, sizeof(row[r->nk + j]));
		row[r->nk + j].type = SN_T_UINT;
		row[r->nk + j].u = w[r->nk + j];
	}
	memset(w, 0, r->stride * sizeof(*w));
}

/* Window close: the rows of the compact store and of the table go on to op
 * i + 1 of ss in the order their keys were first seen, as one table would
 * give them. No key is in both stores, because a key goes to the table only
 * when it does not pack or when the compact store is not used at all
 * (injected tuples). Every compact slot is emptied. */
int cred_emit(struct ectx *c, struct stream_state *ss, size_t i)
{
	struct op_state *os = &ss->ops[i];
	struct cred *r = &os->cred;
	const struct table *t = &os->table;
	size_t n = 0, k = 0;
	int err = 0;

	while ((n < r->count || k < t->count) && !err) {
		if (k < t->count && (n == r->count || os->mix[k] <= n)) {
			err = stream_push(c, ss, i + 1, table_row(t, k++));
			continue;
		}
		take_row(os, n++, os->scratch);
		err = stream_push(c, ss, i + 1, os->scratch);
	}
	/* On an error the rest of the window is dropped: empty their slots too. */
	for (; n < r->count; n++)
		memset(r->w + (size_t)r->order[n] * r->stride, 0, r->stride * sizeof(*r->w));
	r->count = 0;
	return err;
}
