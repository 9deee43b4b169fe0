/* Distinct: each key passes once per window, at its first sighting. */
#include <errno.h>

#include "engine/engine_int.h"

bool admit_key(struct ectx *c)
{
	size_t max = c->eng->opts.max_keys;

	if (max && c->qs->live_keys >= max) {
		c->qs->incomplete = true;
		return false;
	}
	c->qs->live_keys++;
	return true;
}

struct distinct_next {
	struct stream_state *ss;
	size_t i;
};

static int distinct_tuple(struct ectx *c, struct op_state *os, void *arg)
{
	struct distinct_next *next = arg;
	uint64_t packed[CSET_MAX_WORDS];
	struct sn_value *row;
	struct table_hint hint;
	bool found;
	size_t slot;

	/* Keys that pack live in the compact set of the fast path (fastpath.c). */
	if (os->has_cset && cset_encode(os->cset.nw, os->scratch, packed)) {
		slot = cset_find(&os->cset, packed, &found);
		if (found || !admit_key(c))
			return 0;
		if (cset_put(&os->cset, packed, slot))
			return -ENOMEM;
		return stream_push(c, next->ss, next->i + 1, os->scratch);
	}

	if (table_lookup(&os->table, os->scratch, &hint))
		return 0;
	if (!admit_key(c))
		return 0;
	row = table_insert_hint(&os->table, os->scratch, &hint);
	if (!row)
		return -ENOMEM;
	/* Streaming: the first sighting goes on to the next operator now. */
	return stream_push(c, next->ss, next->i + 1, row);
}

int distinct_push(struct ectx *c, struct stream_state *ss, size_t i, const struct sn_value *cols)
{
	struct distinct_next next = { ss, i };

	return each_tuple(c, &ss->ops[i], cols, distinct_tuple, &next);
}
