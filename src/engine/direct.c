/* Columns of the fast paths read straight from the packet into packed words
 * (the encoding of cset.c), skipping the typed values of the evaluator. A
 * column qualifies when it is ip.src, ip.dst, a single-valued unsigned field
 * or an unsigned constant. A packet whose value does not pack (IPv6, a huge
 * integer) is left to the typed path, so results never depend on this. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static bool direct_col(const struct enode *e, struct dcol *d)
{
	const struct sn_field_def *def;

	if (!e)
		return false;
	if (e->kind == SN_EX_CONST) {
		d->kind = DCOL_CONST;
		d->slot = HS_ZERO;
		d->tag = TAG_UINT | e->value.u;
		return e->value.type == SN_T_UINT && e->value.u < TAG_UINT;
	}
	if (e->kind != SN_EX_FIELD || e->multi)
		return false;
	if (e->field == SN_F_IP_SRC || e->field == SN_F_IP_DST) {
		d->kind = e->field == SN_F_IP_SRC ? DCOL_SRC : DCOL_DST;
		d->slot = e->field == SN_F_IP_SRC ? HS_SRC : HS_DST;
		d->tag = TAG_ADDR4;
		return true;
	}
	def = sn_field_by_id(e->field);
	d->kind = DCOL_UINT;
	d->field = e->field;
	d->slot = hslot_of(e->field);
	d->tag = TAG_UINT;
	return def && def->type == SN_T_UINT && !(def->flags & SN_FF_MULTI);
}

int direct_compile(struct enode *const *ex, size_t n, struct dkey **out)
{
	struct dkey *d;
	size_t i;

	*out = NULL;
	if (n == 0 || n > DIRECT_MAX_COLS)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->n = n;
	d->slotted = true;
	for (i = 0; i < n; i++) {
		if (!direct_col(ex[i], &d->col[i])) {
			free(d);
			return 0;
		}
		if (d->col[i].slot < 0)
			d->slotted = false;
		else
			d->need |= 1u << d->col[i].slot;
	}
	*out = d;
	return 0;
}

static inline int pack_addr(const struct sn_addr *a, uint64_t *w)
{
	uint32_t v;

	if (a->family != 4)
		return -1;
	memcpy(&v, a->bytes, 4);
	*w = TAG_ADDR4 | v;
	return 1;
}

int direct_read_fields(const struct sn_packet *pkt, const struct dkey *d, uint64_t *w)
{
	int packs = 1;
	uint64_t u;
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct dcol *col = &d->col[i];

		switch (col->kind) {
		case DCOL_SRC:
		case DCOL_DST:
			if (!(pkt->layers & (SN_L_IP4 | SN_L_IP6)))
				return 0;
			if (pack_addr(col->kind == DCOL_SRC ? &pkt->src : &pkt->dst, &w[i]) < 0)
				packs = -1;
			break;
		case DCOL_UINT:
			if (!pkt_uint(pkt, col->field, &u))
				return 0;
			if (u >= TAG_UINT)
				packs = -1;
			w[i] = TAG_UINT | u;
			break;
		case DCOL_CONST:
			w[i] = col->tag;
			break;
		}
	}
	return packs;
}
