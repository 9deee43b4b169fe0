/* Plans of the baseline modes, built without measured costs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_int.h"

static const unsigned ref_levels[] = { 8, 16, 24, SN_DP_FINEST };

static void finest_only(struct sn_query_plan *qp, unsigned ntables)
{
	qp->nlevels = 1;
	qp->level[0].level = SN_DP_FINEST;
	qp->level[0].used = true;
	qp->level[0].ntables = ntables;
}

static void all_levels(struct sn_query_plan *qp, unsigned ntables)
{
	unsigned i;

	qp->nlevels = sizeof(ref_levels) / sizeof(ref_levels[0]);
	for (i = 0; i < qp->nlevels; i++) {
		qp->level[i].level = ref_levels[i];
		qp->level[i].used = true;
		qp->level[i].from = i ? ref_levels[i - 1] : 0;
		qp->level[i].ntables = ntables;
	}
}

int sn_dp_plan_mode(const struct sn_query_set *set, const struct sn_dp_opts *opts,
		    enum sn_plan_mode mode, struct sn_plan *out)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	enum sn_field_id key;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (mode == SN_PLAN_SONATA || !sn_plan_mode_name(mode))
		return -EINVAL;
	out->mode = mode;
	out->limits = opts->limits;
	snprintf(out->solver, sizeof(out->solver), "greedy");
	out->query = calloc(set->n ? set->n : 1, sizeof(*out->query));
	if (!out->query)
		return -ENOMEM;
	out->nqueries = set->n;
	for (i = 0; i < set->n; i++) {
		const struct sn_query *q = &set->queries[i];
		struct sn_query_plan *qp = &out->query[i];
		unsigned n = (unsigned)sn_dp_tables(q, t, SN_PLAN_MAX_TABLES);

		snprintf(qp->name, sizeof(qp->name), "%s", q->name);
		if (mode == SN_PLAN_ALL_SP || mode == SN_PLAN_FILTER_DP)
			n = 0;
		if (mode == SN_PLAN_FIXED_REF && !sn_dp_refine_key(q, &key, NULL, 0))
			all_levels(qp, n);
		else
			finest_only(qp, n);
	}
	return 0;
}
