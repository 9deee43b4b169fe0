/* Longest-prefix-match filter table of a refinement level, with a bound on its entries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/dataplane.h"

void sn_lpm_init(struct sn_lpm *t, size_t max_entries)
{
	memset(t, 0, sizeof(*t));
	t->max = max_entries;
}

void sn_lpm_free(struct sn_lpm *t)
{
	free(t->addr);
	free(t->len);
	sn_lpm_init(t, 0);
}

void sn_lpm_clear(struct sn_lpm *t)
{
	t->n = 0;
	t->full = false;
}

/* Entries sort by length, longest first, then by family and address bytes. */
static int entry_cmp(const struct sn_addr *a, unsigned alen, const struct sn_addr *b,
		     unsigned blen)
{
	if (alen != blen)
		return alen > blen ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

/* Index of the first entry not before (a, len); *hit when it equals it. */
static size_t lower_bound(const struct sn_lpm *t, const struct sn_addr *a, unsigned len,
			  bool *hit)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (entry_cmp(&t->addr[mid], t->len[mid], a, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*hit = lo < t->n && entry_cmp(&t->addr[lo], t->len[lo], a, len) == 0;
	return lo;
}

static int grow(struct sn_lpm *t)
{
	size_t cap = t->cap ? t->cap * 2 : 16;
	struct sn_addr *addr = realloc(t->addr, cap * sizeof(*addr));
	unsigned char *len;

	if (!addr)
		return -ENOMEM;
	t->addr = addr;
	len = realloc(t->len, cap);
	if (!len)
		return -ENOMEM;
	t->len = len;
	t->cap = cap;
	return 0;
}

int sn_lpm_add(struct sn_lpm *t, const struct sn_addr *a, unsigned len)
{
	struct sn_addr key = *a;
	size_t pos;
	bool hit;

	if (len > 128)
		return -EINVAL;
	sn_addr_mask(&key, len);
	pos = lower_bound(t, &key, len, &hit);
	if (hit)
		return 0;
	if (t->max && t->n >= t->max) {
		t->full = true;
		return -ENOSPC;
	}
	if (t->n == t->cap && grow(t))
		return -ENOMEM;
	memmove(t->addr + pos + 1, t->addr + pos, (t->n - pos) * sizeof(*t->addr));
	memmove(t->len + pos + 1, t->len + pos, t->n - pos);
	t->addr[pos] = key;
	t->len[pos] = (unsigned char)len;
	t->n++;
	return 0;
}

int sn_lpm_lookup(const struct sn_lpm *t, const struct sn_addr *a)
{
	size_t i = 0;

	/* Try each prefix length present, longest first. */
	while (i < t->n) {
		unsigned len = t->len[i];
		struct sn_addr key = *a;
		bool hit;
		size_t pos;

		sn_addr_mask(&key, len);
		pos = lower_bound(t, &key, len, &hit);
		if (hit)
			return (int)len;
		while (pos < t->n && t->len[pos] == len)
			pos++;
		i = pos > i ? pos : i + 1;
	}
	return -1;
}
