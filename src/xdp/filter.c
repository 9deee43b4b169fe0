/* Refinement filters as map updates: the keys a level reported in window t go into the LPM
 * trie of the fed level for window t + 1. There are two tries, chosen by the parity of the
 * window number and shared by all levels (the level is part of the key). The program keeps
 * reading the current window's trie while user space fills the next one, so no program
 * reload is needed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "sonata/log.h"
#include "xdp/xdp_int.h"

/* Delete the keys slot installed; other levels share the trie. */
static int trie_clear(int fd, struct sx_keys *ks)
{
	size_t k;

	for (k = 0; k < ks->n; k++)
		if (bpf_map_delete_elem(fd, &ks->k[k]) && errno != ENOENT)
			return -errno;
	ks->n = 0;
	return 0;
}

static int trie_add(int fd, struct sx_keys *ks, size_t level, const struct sn_addr *a,
		    unsigned len)
{
	struct sx_lpm_key key, *grown;
	uint8_t one = 1;

	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 64;
		grown = realloc(ks->k, ks->cap * sizeof(*ks->k));
		if (!grown)
			return -ENOMEM;
		ks->k = grown;
	}
	memset(&key, 0, sizeof(key));
	key.prefixlen = 24 + len;
	key.data[0] = (uint8_t)(level >> 8);
	key.data[1] = (uint8_t)level;
	key.data[2] = a->family;
	memcpy(&key.data[3], a->bytes, 16);
	if (bpf_map_update_elem(fd, &key, &one, BPF_ANY))
		return -errno;
	ks->k[ks->n++] = key;
	return 0;
}

/* Install the filter of level i for window start, as install_filter in the model does. */
static int install(struct sn_xdp *x, size_t i, uint64_t start)
{
	struct dp_level *lv = x->r->by_eng[i];
	const struct dp_level *f = &lv->dq->lv[lv->feeder];
	uint64_t w = lv->dq->q->window_ns;
	uint32_t slot = (uint32_t)(i * 2 + (start / w) % 2);
	struct sx_fstate fs = { .win = start, .valid = 1 };
	int fd = x->trie_fd[slot], rc;
	size_t k;

	rc = trie_clear(fd, &x->installed[slot]);
	if (!rc && f->rep_valid && f->rep_window + w == start) {
		if (f->rep.full) {
			fs.pass_all = 1;
			lv->filter_full++;
		}
		for (k = 0; k < f->rep.n && !fs.pass_all && !rc; k++)
			rc = trie_add(fd, &x->installed[slot], i, &f->rep.addr[k],
				      f->rep.len[k]);
	}
	if (!rc && bpf_map_update_elem(x->fstate_fd, &slot, &fs, BPF_ANY))
		rc = -errno;
	if (rc) {
		sn_err("updating the refinement filter of query %s level /%u failed: %s",
		       lv->dq->q->name, lv->level, strerror(-rc));
		return rc;
	}
	x->filter_win[slot] = start;
	return 0;
}

int sx_filters_update(struct sn_xdp *x, uint64_t ts_ns, bool live)
{
	size_t i;
	int rc;

	for (i = 0; i < x->lay.nlevels; i++) {
		struct dp_level *lv = x->r->by_eng[i];
		uint64_t w = lv->dq->q->window_ns;
		uint64_t start = ts_ns / w * w;

		if (lv->feeder < 0)
			continue;
		/* The program keeps the latest window when packets go back in time. */
		if (x->user_win[i] != UINT64_MAX && start <= x->user_win[i])
			continue;
		if (!live)
			x->user_win[i] = start;
		if (x->filter_win[i * 2 + (start / w) % 2] == start)
			continue;
		rc = install(x, i, start);
		if (rc)
			return rc;
		if (live)
			x->user_win[i] = start;
	}
	return 0;
}
