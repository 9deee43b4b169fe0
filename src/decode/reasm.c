/* IP fragment reassembly: a fixed table of datagrams in flight, each with a
 * bitmap of the 8-byte units received. Bounds: REASM_SLOTS datagrams (the
 * oldest is dropped to make room), REASM_TIMEOUT_NS of packet time, and
 * 65535 bytes of payload per datagram. */
#include <stdlib.h>
#include <string.h>

#include "decode/decode_internal.h"

#define REASM_SLOTS 1024
#define REASM_BUCKETS 2048 /* power of two */
#define REASM_TIMEOUT_NS (30ULL * 1000000000ULL)
#define REASM_MAX_LEN 65535
#define REASM_UNITS ((REASM_MAX_LEN + 8) / 8)
#define NIL (-1)

struct frag_slot {
	struct sn_reasm_key key;
	uint64_t first_ts;
	int hnext;         /* next slot in the hash bucket, or the free list */
	int older, newer;  /* age list, oldest first */
	bool have_last;    /* the fragment without "more fragments" arrived */
	uint32_t total;    /* payload length, known once have_last */
	uint32_t max_end;  /* highest byte end received */
	uint32_t units_set;
	uint32_t cap;
	uint8_t *buf;      /* kept across reuse of the slot */
	uint64_t units[REASM_UNITS / 64];
};

struct sn_reasm {
	int buckets[REASM_BUCKETS];
	int oldest, newest, free_head;
	uint8_t *out; /* the last completed datagram */
	uint32_t out_cap;
	struct frag_slot slots[REASM_SLOTS];
};

struct sn_reasm *sn_reasm_new(void)
{
	struct sn_reasm *r = calloc(1, sizeof(*r));
	int i;

	if (!r)
		return NULL;
	for (i = 0; i < REASM_BUCKETS; i++)
		r->buckets[i] = NIL;
	for (i = 0; i < REASM_SLOTS; i++)
		r->slots[i].hnext = i + 1 < REASM_SLOTS ? i + 1 : NIL;
	r->free_head = 0;
	r->oldest = NIL;
	r->newest = NIL;
	return r;
}

void sn_reasm_free(struct sn_reasm *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < REASM_SLOTS; i++)
		free(r->slots[i].buf);
	free(r->out);
	free(r);
}

static uint32_t hash_key(const struct sn_reasm_key *k)
{
	uint32_t h = 2166136261u ^ k->id ^ (uint32_t)k->proto << 24 ^ k->family;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ k->src[i] ^ (uint32_t)k->dst[i] << 8) * 16777619u;
	return h & (REASM_BUCKETS - 1);
}

static bool same_key(const struct sn_reasm_key *a, const struct sn_reasm_key *b)
{
	return a->family == b->family && a->proto == b->proto && a->id == b->id &&
	       !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16);
}

static void release(struct sn_reasm *r, int i)
{
	struct frag_slot *s = &r->slots[i];
	int *link = &r->buckets[hash_key(&s->key)];

	while (*link != i)
		link = &r->slots[*link].hnext;
	*link = s->hnext;

	if (s->older != NIL)
		r->slots[s->older].newer = s->newer;
	else
		r->oldest = s->newer;
	if (s->newer != NIL)
		r->slots[s->newer].older = s->older;
	else
		r->newest = s->older;

	s->hnext = r->free_head;
	r->free_head = i;
}

static void expire(struct sn_reasm *r, uint64_t now)
{
	while (r->oldest != NIL && r->slots[r->oldest].first_ts + REASM_TIMEOUT_NS < now)
		release(r, r->oldest);
}

static int lookup(struct sn_reasm *r, const struct sn_reasm_key *key, uint32_t h)
{
	int i;

	for (i = r->buckets[h]; i != NIL; i = r->slots[i].hnext)
		if (same_key(&r->slots[i].key, key))
			return i;
	return NIL;
}

static int create(struct sn_reasm *r, const struct sn_reasm_key *key, uint32_t h,
		  uint64_t now)
{
	struct frag_slot *s;
	int i;

	if (r->free_head == NIL)
		release(r, r->oldest); /* full: drop the oldest datagram */
	i = r->free_head;
	s = &r->slots[i];
	r->free_head = s->hnext;

	s->key = *key;
	s->first_ts = now;
	s->have_last = false;
	s->total = 0;
	s->max_end = 0;
	s->units_set = 0;
	memset(s->units, 0, sizeof(s->units));

	s->hnext = r->buckets[h];
	r->buckets[h] = i;
	s->older = r->newest;
	s->newer = NIL;
	if (r->newest != NIL)
		r->slots[r->newest].newer = i;
	else
		r->oldest = i;
	r->newest = i;
	return i;
}

static bool unit_isset(const struct frag_slot *s, uint32_t u)
{
	return s->units[u / 64] >> (u % 64) & 1;
}

/* Compare the bytes already held in [off, end) with data; duplicates are fine. */
static bool overlap_differs(const struct frag_slot *s, uint32_t off, uint32_t end,
			    const uint8_t *data)
{
	uint32_t u, from, to;

	for (u = off / 8; u < (end + 7) / 8; u++) {
		if (!unit_isset(s, u))
			continue;
		from = u * 8 > off ? u * 8 : off;
		to = u * 8 + 8 < end ? u * 8 + 8 : end;
		if (memcmp(s->buf + from, data + (from - off), to - from))
			return true;
	}
	return false;
}

static int grow(struct frag_slot *s, uint32_t end)
{
	uint32_t cap = s->cap ? s->cap : 2048;
	uint8_t *buf;

	if (end <= s->cap)
		return 0;
	while (cap < end)
		cap *= 2;
	if (cap > REASM_MAX_LEN + 1)
		cap = REASM_MAX_LEN + 1;
	buf = realloc(s->buf, cap);
	if (!buf)
		return -1;
	s->buf = buf;
	s->cap = cap;
	return 0;
}

/* Check a fragment against the datagram's known end; false means drop it. */
static bool fits(struct frag_slot *s, uint32_t end, bool more)
{
	if (more)
		return !s->have_last || end <= s->total;
	if (s->have_last)
		return end == s->total;
	if (s->max_end > end)
		return false;
	s->have_last = true;
	s->total = end;
	return true;
}

static void store(struct frag_slot *s, uint32_t off, uint32_t end, const uint8_t *data)
{
	uint32_t u;

	memcpy(s->buf + off, data, end - off);
	for (u = off / 8; u < (end + 7) / 8; u++) {
		if (unit_isset(s, u))
			continue;
		s->units[u / 64] |= 1ULL << (u % 64);
		s->units_set++;
	}
	if (end > s->max_end)
		s->max_end = end;
}

/* Hand the completed buffer over to r->out, so the slot can be reused now. */
static void complete(struct sn_reasm *r, int i, const uint8_t **out, uint32_t *out_len)
{
	struct frag_slot *s = &r->slots[i];
	uint8_t *buf = r->out;
	uint32_t cap = r->out_cap;

	r->out = s->buf;
	r->out_cap = s->cap;
	s->buf = buf;
	s->cap = cap;
	*out = r->out;
	*out_len = s->total;
	release(r, i);
}

int sn_reasm_add(struct sn_reasm *r, const struct sn_reasm_key *key, uint64_t ts_ns,
		 uint32_t off, bool more, const uint8_t *data, uint32_t len,
		 const uint8_t **out, uint32_t *out_len)
{
	uint32_t h = hash_key(key), end = off + len;
	struct frag_slot *s;
	int i;

	expire(r, ts_ns);
	i = lookup(r, key, h);
	if (end > REASM_MAX_LEN) {
		if (i != NIL)
			release(r, i);
		return -1;
	}
	/* NOTE: a middle fragment whose length is not a multiple of 8 leaves a
	 * gap no offset can fill, so it is not stored and its datagram times out. */
	if (more && (len == 0 || len % 8))
		return 0;

	if (i == NIL)
		i = create(r, key, h, ts_ns);
	s = &r->slots[i];
	if (!fits(s, end, more) || overlap_differs(s, off, end, data)) {
		release(r, i);
		return -1;
	}
	if (grow(s, end) < 0) {
		release(r, i);
		return 0;
	}
	store(s, off, end, data);

	if (!s->have_last || s->units_set != (s->total + 7) / 8)
		return 0;
	complete(r, i, out, out_len);
	return 1;
}
