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
		for (k = 0; k < lp->ntables && k < SN_PLAN_MAX_TABLES; k++) {
			lv->plan_stage[k] = lp->stage[k];
			lv->plan_bits[k] = lp->table_bits[k];
		}
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

static bool feeds_a_level(const struct dp_query *dq, unsigned l)
{
	unsigned k;

	for (k = l + 1; k < dq->n; k++)
		if (dq->lv[k].feeder == (int)l)
			return true;
	return false;
}

/* Drop the levels before the last one that feed no level, directly or through others. No
 * output reads their rows, so they would only send tuples and hold switch tables. A fixed-ref
 * plan or a plan file can contain them, but the planner's sonata mode does not produce them. */
static void drop_dead_levels(struct dp_query *dq)
{
	unsigned l = 0, k;

	while (l + 1 < dq->n) {
		if (feeds_a_level(dq, l)) {
			l++;
			continue;
		}
		sn_info("query %s: level /%u feeds no other level, so it does not run",
			dq->q->name, dq->lv[l].level);
		memmove(&dq->lv[l], &dq->lv[l + 1], (dq->n - l - 1) * sizeof(dq->lv[0]));
		dq->n--;
		for (k = l; k < dq->n; k++)
			if (dq->lv[k].feeder > (int)l)
				dq->lv[k].feeder--;
		/* Its feeder may now feed nothing: look again from the start. */
		l = 0;
	}
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
	drop_dead_levels(dq);
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
	/* The last used level produces the result rows, so it keeps the whole key. */
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

/* Register bits of one cell of table t. */
static unsigned table_slot(const struct sn_query *q, const struct sn_dp_table *t)
{
	const struct sn_stream *st = &q->streams[t->stream];

	return dp_slot_bits(&st->ops[t->op], in_width(st, t->op),
			    t->op ? &st->ops[t->op - 1].out : &st->in);
}

/* Reserve, before any level is built, the cells the plan gives each table in its stage, so
 * that tables placed earlier cannot take the room the planner counted on for later ones. */
static void reserve_plan(struct sn_dp_runner *r)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t i, n, j;
	unsigned l;

	for (i = 0; i < r->n; i++) {
		const struct sn_query *q = r->qs[i].q;

		n = sn_dp_tables(q, t, SN_PLAN_MAX_TABLES);
		for (l = 0; l < r->qs[i].n; l++) {
			struct dp_level *lv = &r->qs[i].lv[l];

			for (j = 0; j < lv->ntables && j < n && r->stateless; j++) {
				unsigned slot = table_slot(q, &t[j]);
				uint32_t cells = 1;

				if (!lv->plan_stage[j] || !lv->plan_bits[j])
					continue;
				/* Bounded: a plan file may ask for any number of bits. */
				while (cells < (1u << 30) &&
				       (uint64_t)cells * 2 * slot <= lv->plan_bits[j])
					cells *= 2;
				if (!dp_pipeline_reserve(&r->pipe, lv->plan_stage[j], slot, cells))
					lv->reserved[j] = cells;
			}
		}
	}
}

static void release_reserved(struct sn_dp_runner *r, const struct sn_query *q,
			     struct dp_level *lv)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t n = sn_dp_tables(q, t, SN_PLAN_MAX_TABLES), j;

	for (j = 0; j < n; j++) {
		if (!lv->reserved[j])
			continue;
		dp_pipeline_release(&r->pipe, lv->plan_stage[j], table_slot(q, &t[j]),
				    lv->reserved[j]);
		lv->reserved[j] = 0;
	}
}

/* Last stage table j of the level may take: before the planned stage of the next table of
 * the same stream, so that table keeps its place. */
static unsigned last_stage_for(const struct sn_dp_runner *r, const struct dp_level *lv,
			       const struct sn_dp_table *t, size_t n, unsigned j)
{
	unsigned k;

	for (k = j + 1; k < n && k < lv->ntables; k++)
		if (t[k].stream == t[j].stream && lv->plan_stage[k])
			return lv->plan_stage[k] - 1;
	return r->pipe.lim.stages;
}

/*
 * Place table j with at least the cells reserved for it, and up to `cells`. The planner packs
 * tables into few stages and leaves others empty. So the table takes the stage where it gets
 * the most cells between its predecessor's stage and its successor's planned stage, and the
 * planned stage wins ties.
 */
static bool place_planned(struct sn_dp_runner *r, struct dp_level *lv,
			  const struct sn_dp_table *t, size_t n, unsigned j, unsigned prev,
			  unsigned slot, unsigned *stage, uint32_t *cells)
{
	uint32_t res = lv->reserved[j], want, best_cells, c;
	unsigned best = lv->plan_stage[j], s, last;

	if (!res)
		return false;
	dp_pipeline_release(&r->pipe, best, slot, res);
	lv->reserved[j] = 0;
	if (best <= prev)
		return false;
	want = r->opts.cells > res ? r->opts.cells : res;
	best_cells = dp_pipeline_fit(&r->pipe, best, slot, want, res);
	last = last_stage_for(r, lv, t, n, j);
	for (s = prev + 1; s <= last; s++) {
		c = dp_pipeline_fit(&r->pipe, s, slot, want, res);
		if (c > best_cells) {
			best = s;
			best_cells = c;
		}
	}
	if (!best_cells || dp_pipeline_place_at(&r->pipe, best, slot, want, res, cells))
		return false;
	*stage = best;
	return true;
}

/* Place the level's first ntables tables; returns how many fit. */
static unsigned place_tables(struct sn_dp_runner *r, const struct sn_query *q,
			     struct dp_level *lv, unsigned *stage, uint32_t *cells)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t n = sn_dp_tables(q, t, SN_PLAN_MAX_TABLES);
	unsigned j;

	for (j = 0; j < lv->ntables && j < n; j++) {
		unsigned slot = table_slot(q, &t[j]);
		unsigned prev = 0, k;

		for (k = 0; k < j; k++)
			if (t[k].stream == t[j].stream)
				prev = stage[k];
		if (!place_planned(r, lv, t, n, j, prev, slot, &stage[j], &cells[j]) &&
		    dp_pipeline_place(&r->pipe, prev, slot, r->opts.cells, r->opts.min_cells,
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
	release_reserved(r, q, lv);
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

/* Warn about each loaded query the plan lacks (it runs in the stream
 * processor only) and each plan entry that names no loaded query. */
static void warn_plan_mismatch(const struct sn_query_set *set, const struct sn_plan *plan)
{
	size_t i, j;

	if (!plan || plan->mode == SN_PLAN_ALL_SP)
		return;
	for (i = 0; i < set->n; i++) {
		if (!find_plan(plan, set->queries[i].name))
			sn_warn("query %s is not in the plan; it runs in the stream processor only",
				set->queries[i].name);
	}
	for (j = 0; j < plan->nqueries; j++) {
		for (i = 0; i < set->n; i++) {
			if (!strcmp(plan->query[j].name, set->queries[i].name))
				break;
		}
		if (i == set->n)
			sn_warn("the plan names query %s, which is not loaded; check -q and the "
				"plan file", plan->query[j].name);
	}
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
	warn_plan_mismatch(set, plan);
	for (i = 0; i < set->n && !rc; i++) {
		r->qs[i].q = &set->queries[i];
		rc = choose_levels(&r->qs[i], plan);
		make_chain(&r->qs[i]);
		total += r->qs[i].n;
	}
	if (rc)
		return rc;
	reserve_plan(r);
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
