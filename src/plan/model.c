/* Semantics shared by both solvers: what each mode allows and what a plan costs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_int.h"

int plan_error(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static const char *const mode_names[] = {
	[SN_PLAN_ALL_SP] = "all-sp",
	[SN_PLAN_FILTER_DP] = "filter-dp",
	[SN_PLAN_MAX_DP] = "max-dp",
	[SN_PLAN_FIXED_REF] = "fixed-ref",
	[SN_PLAN_SONATA] = "sonata",
};

const char *sn_plan_mode_name(enum sn_plan_mode mode)
{
	if ((unsigned)mode >= sizeof(mode_names) / sizeof(mode_names[0]))
		return NULL;
	return mode_names[mode];
}

int sn_plan_mode_parse(const char *name, enum sn_plan_mode *mode)
{
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(name, mode_names[i])) {
			*mode = (enum sn_plan_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sn_plan_status_name(enum sn_plan_status status)
{
	return status == SN_PLAN_OPTIMAL ? "optimal" : "time-limit";
}

int plan_check_input(const struct sn_costs *c, const struct sn_switch_limits *lim,
		     enum sn_plan_mode mode, char *err, size_t errlen)
{
	if (!sn_plan_mode_name(mode))
		return plan_error(err, errlen, -EINVAL, "invalid planner mode %d", (int)mode);
	if (lim->stages > SN_PLAN_MAX_STAGES)
		return plan_error(err, errlen, -EINVAL, "stages=%u exceeds the maximum of %d",
				  lim->stages, SN_PLAN_MAX_STAGES);
	return sn_costs_validate(c, err, errlen);
}

static bool finest_only(const struct sn_query_cost *q, enum sn_plan_mode mode)
{
	return !q->refine || mode == SN_PLAN_ALL_SP || mode == SN_PLAN_FILTER_DP ||
	       mode == SN_PLAN_MAX_DP;
}

bool plan_level_allowed(const struct sn_query_cost *q, unsigned li, enum sn_plan_mode mode)
{
	return li + 1 == q->nlevels || !finest_only(q, mode);
}

bool plan_level_forced(const struct sn_query_cost *q, unsigned li, enum sn_plan_mode mode)
{
	if (li + 1 == q->nlevels)
		return true;
	return mode == SN_PLAN_FIXED_REF && q->refine;
}

unsigned plan_max_tables(const struct sn_query_cost *q, enum sn_plan_mode mode)
{
	if (mode == SN_PLAN_ALL_SP || mode == SN_PLAN_FILTER_DP)
		return 0;
	return q->ntables;
}

bool plan_feed_allowed(const struct sn_query_cost *q, unsigned from, unsigned to,
		       enum sn_plan_mode mode)
{
	if (!sn_costs_find(q, from, to))
		return false;
	if (from == 0)
		return true;
	for (unsigned i = 0; i < q->nlevels; i++)
		if (q->level[i] == from)
			return plan_level_allowed(q, i, mode);
	return false;
}

bool plan_keys_fit(const struct sn_transition_cost *tr, const struct sn_switch_limits *lim)
{
	return !tr->keys || !lim->filter_entries || tr->keys <= lim->filter_entries;
}

uint64_t plan_level_cost(const struct sn_transition_cost *tr, unsigned k)
{
	return k ? tr->table[k - 1].out : tr->in;
}

int plan_init(struct sn_plan *out, const struct sn_costs *c, const struct sn_switch_limits *lim,
	      enum sn_plan_mode mode, const char *solver)
{
	memset(out, 0, sizeof(*out));
	out->mode = mode;
	out->status = SN_PLAN_OPTIMAL;
	out->limits = *lim;
	snprintf(out->solver, sizeof(out->solver), "%s", solver);
	out->query = calloc(c->nqueries ? c->nqueries : 1, sizeof(*out->query));
	if (!out->query)
		return -ENOMEM;
	out->nqueries = c->nqueries;
	for (size_t i = 0; i < c->nqueries; i++) {
		const struct sn_query_cost *q = &c->query[i];
		struct sn_query_plan *qp = &out->query[i];

		memcpy(qp->name, q->name, sizeof(qp->name));
		qp->nlevels = q->nlevels;
		for (unsigned l = 0; l < q->nlevels; l++)
			qp->level[l].level = q->level[l];
	}
	return 0;
}

static void finish_level(struct sn_plan *p, const struct sn_query_cost *q,
			 struct sn_level_plan *lp)
{
	const struct sn_transition_cost *tr = sn_costs_find(q, lp->from, lp->level);

	lp->tuples = 0;
	lp->bits = 0;
	if (!lp->used || !tr)
		return;
	lp->tuples = plan_level_cost(tr, lp->ntables);
	for (unsigned t = 0; t < lp->ntables; t++) {
		unsigned s = lp->stage[t];

		lp->bits += tr->table[t].bits;
		lp->table_bits[t] = tr->table[t].bits;
		if (s < 1 || s > SN_PLAN_MAX_STAGES)
			continue;
		p->tables_in_stage[s - 1]++;
		p->bits_in_stage[s - 1] += tr->table[t].bits;
		if (s > p->stages_used)
			p->stages_used = s;
	}
}

void plan_finish(struct sn_plan *p, const struct sn_costs *c)
{
	memset(p->tables_in_stage, 0, sizeof(p->tables_in_stage));
	memset(p->bits_in_stage, 0, sizeof(p->bits_in_stage));
	p->stages_used = 0;
	p->tuples = 0;
	for (size_t i = 0; i < p->nqueries; i++) {
		struct sn_query_plan *qp = &p->query[i];

		qp->tuples = 0;
		for (unsigned l = 0; l < qp->nlevels; l++) {
			finish_level(p, &c->query[i], &qp->level[l]);
			qp->tuples += qp->level[l].tuples;
		}
		p->tuples += qp->tuples;
	}
	/* All-SP mirrors every packet once, whatever the queries. */
	if (p->mode == SN_PLAN_ALL_SP && c->packets)
		p->tuples = c->packets;
}

void sn_plan_free(struct sn_plan *p)
{
	free(p->query);
	p->query = NULL;
	p->nqueries = 0;
}

/* A chain prints as "0 -> 8 -> 32". A level fed by a level other than the previous one
 * printed (fixed-ref mode) starts a new segment: "0 -> 8 -> 16, 0 -> 32". */
void sn_plan_chain(const struct sn_query_plan *q, char *buf, size_t len)
{
	unsigned last = 0;
	size_t n = (size_t)snprintf(buf, len, "0");

	for (unsigned l = 0; l < q->nlevels && n < len; l++) {
		const struct sn_level_plan *lp = &q->level[l];

		if (!lp->used)
			continue;
		if (lp->from == last)
			n += (size_t)snprintf(buf + n, len - n, " -> %u", lp->level);
		else
			n += (size_t)snprintf(buf + n, len - n, ", %u -> %u", lp->from, lp->level);
		last = lp->level;
	}
}
