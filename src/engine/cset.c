/* Compact key sets for distinct: keys of IPv4 addresses and integers packed
 * in one 64-bit word per column, in an open-addressing table of words alone.
 * A slot of a two-column key takes 16 bytes where a table row of typed
 * values takes 72, so a set of flows stays in the processor's caches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define CSET_MIN_CAP 256

int cset_init(struct cset *s, unsigned nw)
{
	memset(s, 0, sizeof(*s));
	s->w = calloc((size_t)CSET_MIN_CAP * nw, sizeof(*s->w));
	if (!s->w)
		return -ENOMEM;
	s->nw = nw;
	s->cap = CSET_MIN_CAP;
	return 0;
}

void cset_free(struct cset *s)
{
	free(s->w);
	memset(s, 0, sizeof(*s));
}

void cset_clear(struct cset *s)
{
	if (s->count)
		memset(s->w, 0, s->cap * s->nw * sizeof(*s->w));
	s->count = 0;
}

bool cset_encode(unsigned nw, const struct sn_value *key, uint64_t *out)
{
	unsigned i;

	for (i = 0; i < nw; i++) {
		const struct sn_value *v = &key[i];

		if (v->type == SN_T_UINT && v->u < TAG_UINT) {
			out[i] = TAG_UINT | v->u;
		} else if (v->type == SN_T_ADDR && v->addr.family == 4) {
			uint32_t a;

			memcpy(&a, v->addr.bytes, 4);
			out[i] = TAG_ADDR4 | a;
		} else {
			return false;
		}
	}
	return true;
}

static int cset_grow(struct cset *s)
{
	struct cset old = *s;
	size_t i;
	bool found;

	s->w = calloc(old.cap * 2 * old.nw, sizeof(*s->w));
	if (!s->w) {
		*s = old;
		return -ENOMEM;
	}
	s->cap = old.cap * 2;
	for (i = 0; i < old.cap; i++) {
		const uint64_t *w = old.w + i * old.nw;

		if (w[0])
			memcpy(s->w + cset_find(s, w, &found) * s->nw, w, s->nw * sizeof(*w));
	}
	free(old.w);
	return 0;
}

int cset_put(struct cset *s, const uint64_t *k, size_t slot)
{
	bool found;

	if ((s->count + 1) * 4 > s->cap * 3) {
		if (cset_grow(s))
			return -ENOMEM;
		slot = cset_find(s, k, &found);
	}
	memcpy(s->w + slot * s->nw, k, s->nw * sizeof(*k));
	s->count++;
	return 0;
}
