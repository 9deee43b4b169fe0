/* Hash tables keyed by tuples of values, tuple lists and the string arena. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define ARENA_BLOCK 65536
#define TABLE_MIN_CAP 64

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

void arena_reset(struct arena *a)
{
	struct arena_block *b;

	for (b = a->head; b; b = b->next)
		b->used = 0;
	a->cur = a->head;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
	a->head = NULL;
	a->cur = NULL;
}

/* Find a block with room from the current one on, or append a new one. */
static struct arena_block *arena_block_for(struct arena *a, size_t len)
{
	struct arena_block *b, *last = NULL;
	size_t size = len > ARENA_BLOCK ? len : ARENA_BLOCK;

	for (b = a->cur; b; b = b->next) {
		if (b->size - b->used >= len) {
			a->cur = b;
			return b;
		}
		last = b;
	}
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->next = NULL;
	b->used = 0;
	b->size = size;
	if (last)
		last->next = b;
	else
		a->head = b;
	a->cur = b;
	return b;
}

int arena_own(struct arena *a, struct sn_value *v)
{
	struct arena_block *b;
	char *p;

	if (v->type != SN_T_STR && v->type != SN_T_BYTES)
		return 0;
	if (v->s.len == 0)
		return 0;
	b = arena_block_for(a, v->s.len);
	if (!b)
		return -ENOMEM;
	p = b->data + b->used;
	memcpy(p, v->s.ptr, v->s.len);
	b->used += v->s.len;
	v->s.ptr = p;
	return 0;
}

static inline bool is_text(const struct sn_value *v)
{
	return v->type == SN_T_STR || v->type == SN_T_BYTES;
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t text_hash(const char *p, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static inline uint64_t value_hash(const struct sn_value *v)
{
	uint64_t lo, hi;

	switch (v->type) {
	case SN_T_UINT:
		return v->u;
	case SN_T_ADDR:
		memcpy(&lo, v->addr.bytes, 8);
		memcpy(&hi, v->addr.bytes + 8, 8);
		return lo ^ (hi * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)v->addr.family << 48);
	case SN_T_STR:
	case SN_T_BYTES:
		return text_hash(v->s.ptr, v->s.len);
	case SN_T_NONE:
		break;
	}
	return 0;
}

uint64_t values_hash(const struct sn_value *v, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ value_hash(&v[i]) ^ ((uint64_t)v[i].type << 56)) * 0xff51afd7ed558ccdULL;
	h = mix64(h);
	return h ? h : 1;
}

static inline bool value_same(const struct sn_value *a, const struct sn_value *b)
{
	uint64_t a0, a1, b0, b1;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case SN_T_UINT:
		return a->u == b->u;
	case SN_T_ADDR:
		memcpy(&a0, a->addr.bytes, 8);
		memcpy(&a1, a->addr.bytes + 8, 8);
		memcpy(&b0, b->addr.bytes, 8);
		memcpy(&b1, b->addr.bytes + 8, 8);
		return a->addr.family == b->addr.family && a0 == b0 && a1 == b1;
	case SN_T_STR:
	case SN_T_BYTES:
		return a->s.len == b->s.len && (a->s.len == 0 ||
						memcmp(a->s.ptr, b->s.ptr, a->s.len) == 0);
	case SN_T_NONE:
		break;
	}
	return true;
}

static inline bool same_key(const struct sn_value *a, const struct sn_value *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!value_same(&a[i], &b[i]))
			return false;
	return true;
}

bool values_same(const struct sn_value *a, const struct sn_value *b, size_t n)
{
	return same_key(a, b, n);
}

static int table_alloc(struct table *t, size_t cap)
{
	t->hashes = calloc(cap, sizeof(*t->hashes));
	t->slots = calloc(cap * (t->width ? t->width : 1), sizeof(*t->slots));
	t->order = calloc(cap, sizeof(*t->order));
	if (!t->hashes || !t->slots || !t->order) {
		free(t->hashes);
		free(t->slots);
		free(t->order);
		return -ENOMEM;
	}
	t->cap = cap;
	return 0;
}

int table_init(struct table *t, size_t n_keys, size_t width)
{
	memset(t, 0, sizeof(*t));
	t->n_keys = n_keys;
	t->width = width;
	return table_alloc(t, TABLE_MIN_CAP);
}

void table_free(struct table *t)
{
	free(t->hashes);
	free(t->slots);
	free(t->order);
	arena_free(&t->strings);
	memset(t, 0, sizeof(*t));
}

void table_clear(struct table *t)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		t->hashes[t->order[i]] = 0;
	t->count = 0;
	arena_reset(&t->strings);
}

/* Slot holding key, or the empty slot where it would go. */
static size_t table_probe(const struct table *t, const struct sn_value *key, uint64_t h)
{
	size_t mask = t->cap - 1;
	size_t i = (size_t)h & mask;

	while (t->hashes[i]) {
		if (t->hashes[i] == h && same_key(t->slots + i * t->width, key, t->n_keys))
			break;
		i = (i + 1) & mask;
	}
	return i;
}

struct sn_value *table_find(const struct table *t, const struct sn_value *key)
{
	uint64_t h = values_hash(key, t->n_keys);
	size_t i = table_probe(t, key, h);

	return t->hashes[i] ? t->slots + i * t->width : NULL;
}

/* Double the capacity and reinsert the rows in their insertion order. */
static int table_grow(struct table *t)
{
	struct table old = *t;
	size_t i;
	int err;

	err = table_alloc(t, old.cap * 2);
	if (err) {
		*t = old;
		return err;
	}
	for (i = 0; i < old.count; i++) {
		size_t from = old.order[i];
		uint64_t h = old.hashes[from];
		size_t to = table_probe(t, old.slots + from * old.width, h);

		t->hashes[to] = h;
		memcpy(t->slots + to * t->width, old.slots + from * old.width,
		       t->width * sizeof(*t->slots));
		t->order[i] = (uint32_t)to;
	}
	free(old.hashes);
	free(old.slots);
	free(old.order);
	return 0;
}

struct sn_value *table_lookup(const struct table *t, const struct sn_value *key,
			     struct table_hint *hint)
{
	hint->h = values_hash(key, t->n_keys);
	hint->slot = table_probe(t, key, hint->h);
	return t->hashes[hint->slot] ? t->slots + hint->slot * t->width : NULL;
}

struct sn_value *table_insert_hint(struct table *t, const struct sn_value *key,
				   const struct table_hint *hint)
{
	struct sn_value *row;
	size_t i = hint->slot, k;

	if ((t->count + 1) * 10 > t->cap * 7) {
		if (table_grow(t))
			return NULL;
		i = table_probe(t, key, hint->h);
	}
	row = t->slots + i * t->width;
	memcpy(row, key, t->n_keys * sizeof(*row));
	for (k = 0; k < t->n_keys; k++)
		if (is_text(&row[k]) && arena_own(&t->strings, &row[k]))
			return NULL;
	for (k = t->n_keys; k < t->width; k++) {
		row[k].type = SN_T_UINT;
		row[k].u = 0;
	}
	t->hashes[i] = hint->h;
	t->order[t->count++] = (uint32_t)i;
	return row;
}

struct sn_value *table_insert(struct table *t, const struct sn_value *key)
{
	struct table_hint hint;

	hint.h = values_hash(key, t->n_keys);
	hint.slot = table_probe(t, key, hint.h);
	return table_insert_hint(t, key, &hint);
}

int rowbuf_append(struct rowbuf *b, const struct sn_value *cols)
{
	struct sn_value *row;
	size_t k;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct sn_value *v = realloc(b->v, cap * (b->width ? b->width : 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	row = b->v + b->n * b->width;
	memcpy(row, cols, b->width * sizeof(*row));
	for (k = 0; k < b->width; k++)
		if (is_text(&row[k]) && arena_own(&b->strings, &row[k]))
			return -ENOMEM;
	b->n++;
	return 0;
}

void rowbuf_clear(struct rowbuf *b)
{
	b->n = 0;
	arena_reset(&b->strings);
}

void rowbuf_free(struct rowbuf *b)
{
	free(b->v);
	arena_free(&b->strings);
	memset(b, 0, sizeof(*b));
}
