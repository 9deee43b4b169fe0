/* Flow pool with a free list, and a binary min-heap of flows by next packet time. */
#include <errno.h>
#include <stdlib.h>

#include "gen/gen_impl.h"

#define SCHED_MAX_FLOWS (1u << 24)

int sched_init(struct gen_sched *s, uint32_t cap)
{
	s->cap = cap;
	s->used = 0;
	s->nfree = 0;
	s->pool = malloc(sizeof(*s->pool) * cap);
	s->heap = malloc(sizeof(*s->heap) * cap);
	s->free_list = malloc(sizeof(*s->free_list) * cap);
	if (!s->pool || !s->heap || !s->free_list) {
		sched_free(s);
		return -ENOMEM;
	}
	return 0;
}

void sched_free(struct gen_sched *s)
{
	free(s->pool);
	free(s->heap);
	free(s->free_list);
	s->pool = NULL;
	s->heap = NULL;
	s->free_list = NULL;
}

static int sched_grow(struct gen_sched *s)
{
	uint32_t cap = s->cap * 2;
	void *p;

	if (cap > SCHED_MAX_FLOWS)
		return -ENOMEM;
	p = realloc(s->pool, sizeof(*s->pool) * cap);
	if (!p)
		return -ENOMEM;
	s->pool = p;
	p = realloc(s->heap, sizeof(*s->heap) * cap);
	if (!p)
		return -ENOMEM;
	s->heap = p;
	p = realloc(s->free_list, sizeof(*s->free_list) * cap);
	if (!p)
		return -ENOMEM;
	s->free_list = p;
	for (uint32_t i = cap; i > s->cap; i--)
		s->free_list[s->nfree++] = i - 1;
	s->cap = cap;
	return 0;
}

int64_t sched_alloc(struct gen_sched *s)
{
	if (!s->nfree) {
		int err = sched_grow(s);

		if (err)
			return err;
	}
	return s->free_list[--s->nfree];
}

void sched_release(struct gen_sched *s, uint32_t idx)
{
	s->free_list[s->nfree++] = idx;
}

static inline uint64_t key(const struct gen_sched *s, uint32_t pos)
{
	return s->pool[s->heap[pos]].t;
}

void sched_push(struct gen_sched *s, uint32_t idx)
{
	uint32_t pos = s->used++;

	s->heap[pos] = idx;
	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (key(s, parent) <= key(s, pos))
			break;
		s->heap[pos] = s->heap[parent];
		s->heap[parent] = idx;
		pos = parent;
	}
}

/* Remove and return the flow with the earliest time; the heap must not be empty. */
uint32_t sched_pop(struct gen_sched *s)
{
	uint32_t top = s->heap[0];
	uint32_t pos = 0, n = --s->used;
	uint32_t last = s->heap[n];
	uint64_t k = s->pool[last].t;

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= n)
			break;
		if (child + 1 < n && key(s, child + 1) < key(s, child))
			child++;
		if (k <= key(s, child))
			break;
		s->heap[pos] = s->heap[child];
		pos = child;
	}
	if (n)
		s->heap[pos] = last;
	return top;
}
