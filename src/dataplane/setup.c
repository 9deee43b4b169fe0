/* Runner set-up: levels from the plan, stage allocation and the switch part of streams. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/log.h"
#include "dataplane/runner_int.h"

static const struct sn_query_plan *find_plan(const struct sn_plan *plan, const char *name)
{
	size_t i;

	for (i = 0; plan && i < plan->nqueries; i++)
		if (!strcmp(plan->query[i].name, name))
			return &plan->query[i];
	return NULL;
}

static void single_level(struct dp_query *dq, unsigned ntables)
{
	dq->n = 1;
	dq->lv[0].level = SN_DP_FINEST;
	dq->lv[0].feeder = -1;
	dq->lv[0].ntables = ntables;
	dq->lv[0].final = true;
}

/* Levels used by the plan, in plan order; a feeder must be a used level listed before. */
static int plan_levels(struct dp_query *dq, const struct sn_query_plan *qp)
{
	unsigned i, k;

	dq->n = 0;
	for (i = 0; i < qp->nlevels && i < SN_PLAN_MAX_LEVELS; i++) {
		const struct sn_level_plan *lp = &qp->level[i];
		struct dp_level *lv = &dq->lv[dq->n];

		if (!lp->used)
			continue;
		lv->level = lp->level;
		lv->ntables = lp->ntables;
		lv->feeder = -1;
		for (k = 0; lp->from && k < dq->n; k++)
			if (dq->lv[k].level == lp->from)
				lv->feeder = (int)k;
		if (lp->from && lv->feeder < 0) {
			sn_err("plan of query %s: level %u is fed by level %u, which is not used "
			       "before it; fix the plan file", dq->q->name, lp->level, lp->from);
			return -EINVAL;
		}
		dq->n++;
	}
	return 0;
}

static int choose_levels(struct dp_query *dq, const struct sn_plan *plan)
{
	const struct sn_query_plan *qp = find_plan(plan, dq->q->name);
	char why[200] = "";
	unsigned i;
	int rc;

	dq->key_col = -1;
	if (!qp || (plan && plan->mode == SN_PLAN_ALL_SP)) {
		single_level(dq, 0);
		return 0;
	}
	rc = plan_levels(dq, qp);
	if (rc)
		return rc;
	if (dq->n == 0) {
		single_level(dq, 0);
		return 0;
	}
	if (dq->n > 1 && sn_dp_refine_key(dq->q, &dq->key, why, sizeof(why))) {
		sn_warn("query %s: refinement is not sound (%s); running its finest level only",
			dq->q->name, why);
		dq->lv[0] = dq->lv[dq->n - 1];
		dq->lv[0].feeder = -1;
		dq->n = 1;
	}
	if (dq->n > 1)
		dq->key_col = sn_dp_refine_col(dq->q, dq->key);
	/* The last used level gives the answer, so it keeps the whole key. */
	dq->lv[dq->n - 1].level = SN_DP_FINEST;
	dq->lv[dq->n - 1].final = true;
	for (i = 0; i < dq->n; i++)
		if (dq->lv[i].feeder >= 0)
			dq->lv[dq->lv[i].feeder].feeds = true;
	return 0;
}

static void make_chain(struct dp_query *dq)
{
	size_t at = 0;
	unsigned i;

	at += (size_t)snprintf(dq->chain, sizeof(dq->chain), "0");
	for (i = 0; i < dq->n && at < sizeof(dq->chain); i++) {
		unsigned from = dq->lv[i].feeder < 0 ? 0 : dq->lv[dq->lv[i].feeder].level;
		unsigned prev = i ? dq->lv[i - 1].level : 0;

		if (from != prev)
			at += (size_t)snprintf(dq->chain + at, sizeof(dq->chain) - at, ", %u", from);
		at += (size_t)snprintf(dq->chain + at, sizeof(dq->chain) - at, " -> %u",
				       dq->lv[i].level);
	}
}

static size_t in_width(const struct sn_stream *st, size_t i)
{
	while (i > 0) {
		i--;
		if (st->ops[i].kind != SN_OP_FILTER)
			return st->ops[i].out.n;
	}
	return 0;
}

/* Per-packet metadata of the switch part: the widest tuple of each stream. */
static unsigned level_metadata(const struct sn_query *q, const size_t *cuts)
{
	unsigned bits = 0;
	size_t s, i;

	for (s = 0; s < q->n_streams; s++) {
		size_t widest = 0;

		for (i = 0; i < cuts[s]; i++)
			if (q->streams[s].ops[i].out.n > widest)
				widest = q->streams[s].ops[i].out.n;
		bits += (unsigned)widest * 32;
	}
	return bits;
}

/* Place the level's first ntables tables; returns how many fit. */
static unsigned place_tables(struct sn_dp_runner *r, const struct sn_query *q,
			     struct dp_level *lv, unsigned *stage, uint32_t *cells)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t n = sn_dp_tables(q, t, SN_PLAN_MAX_TABLES);
	unsigned j;

	for (j = 0; j < lv->ntables && j < n; j++) {
		const struct sn_stream *st = &q->streams[t[j].stream];
		const struct sn_op *op = &st->ops[t[j].op];
		unsigned slot = dp_slot_bits(op, in_width(st, t[j].op),
					     t[j].op ? &st->ops[t[j].op - 1].out : &st->in);
		unsigned prev = 0, k;

		for (k = 0; k < j; k++)
			if (t[k].stream == t[j].stream)
				prev = stage[k];
		if (dp_pipeline_place(&r->pipe, prev, slot, r->opts.cells, r->opts.min_cells,
				      &stage[j], &cells[j]))
			break;
		lv->bits += (uint64_t)cells[j] * slot;
		if (stage[j] > lv->stages)
			lv->stages = stage[j];
	}
	return j;
}

static int build_stream(struct sn_dp_runner *r, const struct sn_query *q, struct dp_level *lv,
			struct dp_stream *ds, size_t cut, const unsigned *stage,
			const uint32_t *cells)
{
	const struct sn_stream *st = &q->streams[ds->idx];
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t n = sn_dp_tables(q, t, SN_PLAN_MAX_TABLES);
	size_t i, j;
	int rc;

	ds->cut = cut;
	ds->ops = calloc(cut ? cut : 1, sizeof(*ds->ops));
	if (!ds->ops)
		return -ENOMEM;
	for (i = 0; i < cut; i++) {
		const struct sn_op *next = i + 1 < cut ? &st->ops[i + 1] : NULL;
		uint32_t c = 1;
		unsigned sg = 0;

		for (j = 0; j < n && j < lv->ntables; j++)
			if (t[j].stream == ds->idx && t[j].op == i) {
				c = cells[j];
				sg = stage[j];
			}
		rc = dp_op_init(&ds->ops[i], &st->ops[i], next, in_width(st, i), c,
				r->opts.probes);
		if (rc)
			return rc;
		ds->ops[i].stage = sg;
	}
	return 0;
}

static void level_cuts(const struct sn_query *q, unsigned ntables, bool in_switch,
		       size_t *cuts)
{
	size_t s;

	for (s = 0; s < q->n_streams; s++)
		cuts[s] = sn_dp_cut(q, s, ntables, in_switch);
}

/* Decide the cut of each stream: the plan's tables that fit, within the metadata budget. */
static void level_resources(struct sn_dp_runner *r, const struct sn_query *q,
			    struct dp_level *lv, size_t *cuts, unsigned *stage, uint32_t *cells)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t avail = sn_dp_tables(q, t, SN_PLAN_MAX_TABLES);
	bool in_switch = r->stateless;
	unsigned placed;

	if (!in_switch)
		lv->ntables = 0;
	if (lv->ntables > avail)
		lv->ntables = (unsigned)avail;
	level_cuts(q, lv->ntables, in_switch, cuts);
	lv->metadata = level_metadata(q, cuts);
	if (r->pipe.metadata + lv->metadata > r->opts.limits.metadata_bits) {
		sn_warn("query %s level /%u: its %u metadata bits do not fit in the switch; "
			"the level runs in the stream processor", q->name, lv->level,
			lv->metadata);
		in_switch = false;
		lv->ntables = 0;
		lv->metadata = 0;
		level_cuts(q, 0, false, cuts);
	}
	placed = place_tables(r, q, lv, stage, cells);
	if (placed < lv->ntables) {
		sn_info("query %s level /%u: %u of %u switch tables fit", q->name, lv->level,
			placed, lv->ntables);
		lv->ntables = placed;
		level_cuts(q, lv->ntables, in_switch, cuts);
		lv->metadata = in_switch ? level_metadata(q, cuts) : 0;
	}
	r->pipe.metadata += lv->metadata;
}

static int build_level(struct sn_dp_runner *r, struct dp_level *lv)
{
	const struct sn_query *q = &r->set.queries[lv->eng_q];
	unsigned stage[SN_PLAN_MAX_TABLES] = { 0 };
	uint32_t cells[SN_PLAN_MAX_TABLES] = { 0 };
	size_t *cuts;
	size_t s, k = 0;
	int rc = 0;

	cuts = calloc(q->n_streams ? q->n_streams : 1, sizeof(*cuts));
	if (!cuts)
		return -ENOMEM;
	level_resources(r, q, lv, cuts, stage, cells);
	for (s = 0; s < q->n_streams; s++)
		if (q->streams[s].source == SN_SRC_PACKETS)
			lv->n_streams++;
	lv->streams = calloc(lv->n_streams ? lv->n_streams : 1, sizeof(*lv->streams));
	if (!lv->streams)
		rc = -ENOMEM;
	for (s = 0; s < q->n_streams && !rc; s++) {
		if (q->streams[s].source != SN_SRC_PACKETS)
			continue;
		lv->streams[k].idx = s;
		rc = build_stream(r, q, lv, &lv->streams[k++], cuts[s], stage, cells);
	}
	free(cuts);
	sn_lpm_init(&lv->rep, r->opts.limits.filter_entries);
	sn_lpm_init(&lv->filter, 0);
	return rc;
}

int dp_setup(struct sn_dp_runner *r, const struct sn_query_set *set, const struct sn_plan *plan)
{
	size_t i, k = 0, total = 0;
	unsigned l;
	int rc = 0;

	r->qs = calloc(set->n ? set->n : 1, sizeof(*r->qs));
	if (!r->qs)
		return -ENOMEM;
	r->n = set->n;
	for (i = 0; i < set->n && !rc; i++) {
		r->qs[i].q = &set->queries[i];
		rc = choose_levels(&r->qs[i], plan);
		make_chain(&r->qs[i]);
		total += r->qs[i].n;
	}
	if (rc)
		return rc;
	r->set.queries = calloc(total ? total : 1, sizeof(*r->set.queries));
	r->by_eng = calloc(total ? total : 1, sizeof(*r->by_eng));
	if (!r->set.queries || !r->by_eng)
		return -ENOMEM;
	for (i = 0; i < r->n && !rc; i++) {
		struct dp_query *dq = &r->qs[i];

		for (l = 0; l < dq->n && !rc; l++) {
			dq->lv[l].dq = dq;
			dq->lv[l].eng_q = k;
			r->by_eng[k] = &dq->lv[l];
			rc = dp_level_query(dq->q, dq->key, dq->n > 1 ? dq->lv[l].level : SN_DP_FINEST,
					    &r->set.queries[k]);
			if (!rc)
				r->set.n = ++k;
			if (!rc)
				rc = build_level(r, &dq->lv[l]);
		}
	}
	return rc;
}

void dp_teardown(struct sn_dp_runner *r)
{
	size_t i, s, o;

	for (i = 0; r->by_eng && i < r->set.n; i++) {
		struct dp_level *lv = r->by_eng[i];

		for (s = 0; s < lv->n_streams; s++) {
			for (o = 0; lv->streams[s].ops && o < lv->streams[s].cut; o++)
				dp_op_free(&lv->streams[s].ops[o]);
			free(lv->streams[s].ops);
		}
		free(lv->streams);
		sn_lpm_free(&lv->rep);
		sn_lpm_free(&lv->filter);
		dp_level_query_free(&r->set.queries[i], lv->dq->q);
	}
	free(r->set.queries);
	free(r->by_eng);
	free(r->qs);
}
