/* Pipeline resources: stages, stateful tables per stage and register bits per stage. */
#include <errno.h>
#include <string.h>

#include "dataplane/dp_int.h"

void sn_dp_opts_default(struct sn_dp_opts *o)
{
	memset(o, 0, sizeof(*o));
	sn_switch_limits_default(&o->limits);
	o->cells = 65536;	/* the register size of Sonata's P4 code generator */
	o->min_cells = 256;
	o->probes = 4;
}

void dp_pipeline_init(struct dp_pipeline *p, const struct sn_switch_limits *lim)
{
	memset(p, 0, sizeof(*p));
	p->lim = *lim;
	if (p->lim.stages > SN_PLAN_MAX_STAGES)
		p->lim.stages = SN_PLAN_MAX_STAGES;
}

/* Largest power of two not above want whose cells fit in avail bits, or 0. */
static uint32_t fit_cells(uint64_t avail, unsigned slot_bits, uint32_t want, uint32_t min)
{
	uint32_t cells = want;

	while (cells && (uint64_t)cells * slot_bits > avail)
		cells >>= 1;
	return cells && cells >= min ? cells : 0;
}

int dp_pipeline_place(struct dp_pipeline *p, unsigned after, unsigned slot_bits,
		      uint32_t want, uint32_t min_cells, unsigned *stage, uint32_t *cells)
{
	unsigned s;

	for (s = after; s < p->lim.stages; s++) {
		uint64_t avail;
		uint32_t n;

		if (p->tables[s] >= p->lim.tables_per_stage)
			continue;
		avail = p->lim.bits_per_stage - p->bits[s];
		n = fit_cells(avail, slot_bits, want, min_cells ? min_cells : 1);
		if (!n)
			continue;
		p->tables[s]++;
		p->bits[s] += (uint64_t)n * slot_bits;
		if (s + 1 > p->stages_used)
			p->stages_used = s + 1;
		*stage = s + 1;
		*cells = n;
		return 0;
	}
	return -ENOSPC;
}

int dp_pipeline_reserve(struct dp_pipeline *p, unsigned stage, unsigned slot_bits,
			uint32_t cells)
{
	unsigned s = stage - 1;

	if (!stage || stage > p->lim.stages || p->tables[s] >= p->lim.tables_per_stage ||
	    (uint64_t)cells * slot_bits > p->lim.bits_per_stage - p->bits[s])
		return -ENOSPC;
	p->tables[s]++;
	p->bits[s] += (uint64_t)cells * slot_bits;
	return 0;
}

void dp_pipeline_release(struct dp_pipeline *p, unsigned stage, unsigned slot_bits,
			 uint32_t cells)
{
	p->tables[stage - 1]--;
	p->bits[stage - 1] -= (uint64_t)cells * slot_bits;
}

uint32_t dp_pipeline_fit(const struct dp_pipeline *p, unsigned stage, unsigned slot_bits,
			 uint32_t want, uint32_t min_cells)
{
	unsigned s = stage - 1;

	if (!stage || stage > p->lim.stages || p->tables[s] >= p->lim.tables_per_stage)
		return 0;
	return fit_cells(p->lim.bits_per_stage - p->bits[s], slot_bits, want,
			 min_cells ? min_cells : 1);
}

int dp_pipeline_place_at(struct dp_pipeline *p, unsigned stage, unsigned slot_bits,
			 uint32_t want, uint32_t min_cells, uint32_t *cells)
{
	unsigned s = stage - 1;
	uint32_t n = dp_pipeline_fit(p, stage, slot_bits, want, min_cells);

	if (!n)
		return -ENOSPC;
	p->tables[s]++;
	p->bits[s] += (uint64_t)n * slot_bits;
	if (stage > p->stages_used)
		p->stages_used = stage;
	*cells = n;
	return 0;
}
