/* Register arrays: hash-indexed cells with the key stored beside the value. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_int.h"

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint64_t dp_hash(const struct sn_value *v, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t i, b;

	for (i = 0; i < n; i++) {
		h = mix(h ^ (uint64_t)v[i].type);
		if (v[i].type == SN_T_ADDR) {
			h = mix(h ^ v[i].addr.family);
			for (b = 0; b < 16; b += 8) {
				uint64_t w;

				memcpy(&w, v[i].addr.bytes + b, 8);
				h = mix(h ^ w);
			}
		} else {
			h = mix(h ^ v[i].u);
		}
	}
	return h;
}

int dp_regs_init(struct dp_regs *r, size_t n_keys, uint32_t cells, unsigned probes)
{
	memset(r, 0, sizeof(*r));
	if (cells == 0 || (cells & (cells - 1)) || probes == 0)
		return -EINVAL;
	r->n_keys = n_keys;
	r->cells = cells;
	r->probes = probes < cells ? probes : cells;
	r->keys = calloc((size_t)cells * (n_keys ? n_keys : 1), sizeof(*r->keys));
	r->vals = calloc(cells, sizeof(*r->vals));
	r->used = calloc(cells, 1);
	r->order = calloc(cells, sizeof(*r->order));
	if (!r->keys || !r->vals || !r->used || !r->order) {
		dp_regs_free(r);
		return -ENOMEM;
	}
	return 0;
}

void dp_regs_free(struct dp_regs *r)
{
	free(r->keys);
	free(r->vals);
	free(r->used);
	free(r->order);
	memset(r, 0, sizeof(*r));
}

void dp_regs_clear(struct dp_regs *r)
{
	uint32_t i;

	for (i = 0; i < r->n_used; i++) {
		r->used[r->order[i]] = 0;
		r->vals[r->order[i]] = 0;
	}
	r->n_used = 0;
}

static bool key_equal(const struct sn_value *a, const struct sn_value *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!sn_value_equal(&a[i], &b[i]))
			return false;
	return true;
}

/* Linear probing over a bounded number of cells, as a switch would read one cell per
 * probe (each probe costs a register access in hardware). */
enum dp_lookup dp_regs_lookup(struct dp_regs *r, const struct sn_value *key, uint64_t **val)
{
	uint32_t mask = r->cells - 1;
	uint32_t idx = (uint32_t)dp_hash(key, r->n_keys) & mask;
	unsigned p;

	*val = NULL;
	for (p = 0; p < r->probes; p++, idx = (idx + 1) & mask) {
		struct sn_value *cell = r->keys + (size_t)idx * r->n_keys;

		if (!r->used[idx]) {
			memcpy(cell, key, r->n_keys * sizeof(*key));
			r->used[idx] = 1;
			r->vals[idx] = 0;
			r->order[r->n_used++] = idx;
			*val = &r->vals[idx];
			return DP_INSERTED;
		}
		if (key_equal(cell, key, r->n_keys)) {
			*val = &r->vals[idx];
			return DP_FOUND;
		}
	}
	return DP_OVERFLOW;
}

uint8_t *dp_regs_flags(struct dp_regs *r, const uint64_t *val)
{
	return &r->used[val - r->vals];
}
