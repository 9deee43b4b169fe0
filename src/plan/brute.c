/*
 * Exhaustive planner for tests and tiny inputs. It lists every configuration of each query
 * (levels used, feeder and number of switch tables per level), then searches combinations of
 * configurations across queries with branch and bound, checking the stage placement of every
 * partial combination.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_int.h"

/* Search nodes after which the brute force gives up with -E2BIG. */
#define BRUTE_MAX_NODES 50000000ULL

/* Stateful tables of one used level in the switch: their register bits, in pipeline order. */
struct chain {
	unsigned level_idx;	/* owner level, not part of the footprint */
	unsigned len;
	uint64_t bits[SN_PLAN_MAX_TABLES];
};

/* One configuration of one query. */
struct config {
	uint64_t cost;
	bool used[SN_PLAN_MAX_LEVELS];
	unsigned from[SN_PLAN_MAX_LEVELS];
	unsigned k[SN_PLAN_MAX_LEVELS];
	unsigned nchains;
	struct chain chain[SN_PLAN_MAX_LEVELS];	/* sorted, so equal footprints compare equal */
};

struct config_list {
	struct config *v;
	size_t n, cap;
};

struct enum_ctx {
	const struct sn_query_cost *q;
	const struct sn_switch_limits *lim;
	enum sn_plan_mode mode;
	struct config cur;
	struct config_list *out;
	int rc;
};

static int chain_cmp(const void *a, const void *b)
{
	const struct chain *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	for (unsigned i = 0; i < x->len; i++)
		if (x->bits[i] != y->bits[i])
			return x->bits[i] < y->bits[i] ? -1 : 1;
	return 0;
}

static bool feeds_something(const struct config *c, const struct sn_query_cost *q, unsigned j)
{
	for (unsigned l = j + 1; l < q->nlevels; l++)
		if (c->used[l] && c->from[l] == q->level[j])
			return true;
	return false;
}

/*
 * Keep a complete assignment if it is valid. A used level that feeds nothing and is not
 * forced only adds tuples and switch tables, so dropping such assignments keeps the optimum.
 */
static void emit(struct enum_ctx *e)
{
	const struct sn_query_cost *q = e->q;
	struct config c = e->cur;

	c.cost = 0;
	c.nchains = 0;
	for (unsigned l = 0; l < q->nlevels; l++) {
		const struct sn_transition_cost *tr;

		if (!c.used[l])
			continue;
		tr = sn_costs_find(q, c.from[l], q->level[l]);
		if (feeds_something(&c, q, l)) {
			if (!plan_keys_fit(tr, e->lim))
				return;
		} else if (!plan_level_forced(q, l, e->mode)) {
			return;
		}
		c.cost += plan_level_cost(tr, c.k[l]);
		if (!c.k[l])
			continue;
		c.chain[c.nchains].level_idx = l;
		c.chain[c.nchains].len = c.k[l];
		for (unsigned t = 0; t < c.k[l]; t++)
			c.chain[c.nchains].bits[t] = tr->table[t].bits;
		c.nchains++;
	}
	qsort(c.chain, c.nchains, sizeof(c.chain[0]), chain_cmp);
	if (e->out->n == e->out->cap) {
		size_t cap = e->out->cap ? 2 * e->out->cap : 64;
		struct config *v = realloc(e->out->v, cap * sizeof(*v));

		if (!v) {
			e->rc = -ENOMEM;
			return;
		}
		e->out->v = v;
		e->out->cap = cap;
	}
	e->out->v[e->out->n++] = c;
}

static void enum_level(struct enum_ctx *e, unsigned l)
{
	const struct sn_query_cost *q = e->q;
	unsigned maxk = plan_max_tables(q, e->mode);

	if (e->rc)
		return;
	if (l == q->nlevels) {
		emit(e);
		return;
	}
	if (!plan_level_forced(q, l, e->mode) || !plan_level_allowed(q, l, e->mode)) {
		e->cur.used[l] = false;
		enum_level(e, l + 1);
		if (!plan_level_allowed(q, l, e->mode))
			return;
	}
	e->cur.used[l] = true;
	for (unsigned f = 0; f <= l; f++) {
		unsigned from = f ? q->level[f - 1] : 0;

		if (f && !e->cur.used[f - 1])
			continue;
		if (!plan_feed_allowed(q, from, q->level[l], e->mode))
			continue;
		e->cur.from[l] = from;
		for (unsigned k = 0; k <= maxk; k++) {
			e->cur.k[l] = k;
			enum_level(e, l + 1);
		}
	}
	e->cur.used[l] = false;
	e->cur.from[l] = 0;
	e->cur.k[l] = 0;
}

static int config_cmp(const void *a, const void *b)
{
	const struct config *x = a, *y = b;

	return x->cost < y->cost ? -1 : x->cost > y->cost;
}

static bool same_footprint(const struct config *a, const struct config *b)
{
	if (a->nchains != b->nchains)
		return false;
	for (unsigned i = 0; i < a->nchains; i++)
		if (chain_cmp(&a->chain[i], &b->chain[i]))
			return false;
	return true;
}

/* Sort by cost and keep only the cheapest configuration of each switch footprint. */
static void prune_configs(struct config_list *list)
{
	size_t n = 0;

	if (!list->n)
		return;
	qsort(list->v, list->n, sizeof(list->v[0]), config_cmp);
	for (size_t i = 0; i < list->n; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (same_footprint(&list->v[j], &list->v[i]))
				break;
		if (j == n)
			list->v[n++] = list->v[i];
	}
	list->n = n;
}

static int enum_query(const struct sn_query_cost *q, const struct sn_switch_limits *lim,
		      enum sn_plan_mode mode, struct config_list *out)
{
	struct enum_ctx e = { .q = q, .lim = lim, .mode = mode, .out = out };

	enum_level(&e, 0);
	if (!e.rc)
		prune_configs(out);
	return e.rc;
}

struct search {
	const struct sn_switch_limits *lim;
	struct config_list *lists;
	size_t nq;
	size_t *pick;
	size_t *best_pick;
	uint64_t *min_rest;	/* min_rest[i]: cheapest cost of queries i.. together */
	uint64_t best;
	bool found;
	unsigned long long nodes;
	/* Placement scratch: chains of the current picks and the stage of each table. */
	const struct chain **ch;
	size_t *owner;		/* query of each chain */
	unsigned (*stage)[SN_PLAN_MAX_TABLES];
	unsigned nch;
	unsigned tables[SN_PLAN_MAX_STAGES];
	uint64_t bits[SN_PLAN_MAX_STAGES];
};

/* Place table ti of chain ci and all after it at stages >= first; true when all fit. */
static bool place(struct search *s, unsigned ci, unsigned ti, unsigned first)
{
	const struct chain *c;

	if (ci == s->nch)
		return true;
	c = s->ch[ci];
	if (ti == c->len)
		return place(s, ci + 1, 0, 1);
	for (unsigned st = first; st + (c->len - ti - 1) <= s->lim->stages; st++) {
		unsigned i = st - 1;

		if (s->tables[i] >= s->lim->tables_per_stage ||
		    c->bits[ti] > s->lim->bits_per_stage - s->bits[i])
			continue;
		s->tables[i]++;
		s->bits[i] += c->bits[ti];
		s->stage[ci][ti] = st;
		if (place(s, ci, ti + 1, st + 1))
			return true;
		s->tables[i]--;
		s->bits[i] -= c->bits[ti];
	}
	return false;
}

/* Whether the chains of queries 0..depth-1's picks fit the switch; fills s->stage. */
static bool fits(struct search *s, size_t depth)
{
	s->nch = 0;
	for (size_t q = 0; q < depth; q++) {
		const struct config *cf = &s->lists[q].v[s->pick[q]];

		for (unsigned i = 0; i < cf->nchains; i++) {
			s->owner[s->nch] = q;
			s->ch[s->nch++] = &cf->chain[i];
		}
	}
	memset(s->tables, 0, sizeof(s->tables));
	memset(s->bits, 0, sizeof(s->bits));
	return place(s, 0, 0, 1);
}

static int search_from(struct search *s, size_t qi, uint64_t cost)
{
	if (qi == s->nq) {
		s->best = cost;
		s->found = true;
		memcpy(s->best_pick, s->pick, s->nq * sizeof(*s->pick));
		return 0;
	}
	for (size_t i = 0; i < s->lists[qi].n; i++) {
		uint64_t c = cost + s->lists[qi].v[i].cost;
		int rc;

		/* Lists are sorted by cost, so no later pick can beat the best either. */
		if (s->found && c + (qi + 1 < s->nq ? s->min_rest[qi + 1] : 0) >= s->best)
			break;
		if (++s->nodes > BRUTE_MAX_NODES)
			return -E2BIG;
		s->pick[qi] = i;
		if (!fits(s, qi + 1))
			continue;
		rc = search_from(s, qi + 1, c);
		if (rc)
			return rc;
	}
	return 0;
}

/* Copy the best picks and their stage placement into the plan. */
static void fill_plan(struct search *s, struct sn_plan *out)
{
	memcpy(s->pick, s->best_pick, s->nq * sizeof(*s->pick));
	fits(s, s->nq);
	for (size_t q = 0; q < s->nq; q++) {
		const struct config *cf = &s->lists[q].v[s->pick[q]];
		struct sn_query_plan *qp = &out->query[q];

		for (unsigned l = 0; l < qp->nlevels; l++) {
			qp->level[l].used = cf->used[l];
			qp->level[l].from = cf->used[l] ? cf->from[l] : 0;
			qp->level[l].ntables = cf->used[l] ? cf->k[l] : 0;
		}
	}
	for (unsigned i = 0; i < s->nch; i++) {
		const struct chain *c = s->ch[i];

		memcpy(out->query[s->owner[i]].level[c->level_idx].stage, s->stage[i],
		       sizeof(s->stage[i]));
	}
}

static int alloc_search(struct search *s, size_t nq)
{
	s->nq = nq;
	s->lists = calloc(nq, sizeof(*s->lists));
	s->pick = calloc(nq, sizeof(*s->pick));
	s->best_pick = calloc(nq, sizeof(*s->best_pick));
	s->min_rest = calloc(nq, sizeof(*s->min_rest));
	s->ch = calloc(nq * SN_PLAN_MAX_LEVELS, sizeof(*s->ch));
	s->owner = calloc(nq * SN_PLAN_MAX_LEVELS, sizeof(*s->owner));
	s->stage = calloc(nq * SN_PLAN_MAX_LEVELS, sizeof(*s->stage));
	if (!s->lists || !s->pick || !s->best_pick || !s->min_rest || !s->ch || !s->owner ||
	    !s->stage)
		return -ENOMEM;
	return 0;
}

static void free_search(struct search *s)
{
	for (size_t i = 0; s->lists && i < s->nq; i++)
		free(s->lists[i].v);
	free(s->lists);
	free(s->pick);
	free(s->best_pick);
	free(s->min_rest);
	free(s->ch);
	free(s->owner);
	free(s->stage);
}

static int run_search(struct search *s, const struct sn_costs *c, enum sn_plan_mode mode,
		      char *err, size_t errlen)
{
	int rc;

	for (size_t q = 0; q < c->nqueries; q++) {
		rc = enum_query(&c->query[q], s->lim, mode, &s->lists[q]);
		if (rc)
			return plan_error(err, errlen, rc, "out of memory");
		if (!s->lists[q].n)
			return plan_error(err, errlen, -ENOENT,
					  "no feasible plan in mode %s: query %s has no usable chain of transitions to level %u",
					  sn_plan_mode_name(mode), c->query[q].name,
					  c->query[q].level[c->query[q].nlevels - 1]);
	}
	for (size_t q = c->nqueries; q-- > 0;)
		s->min_rest[q] = s->lists[q].v[0].cost +
				 (q + 1 < c->nqueries ? s->min_rest[q + 1] : 0);
	rc = search_from(s, 0, 0);
	if (rc == -E2BIG)
		return plan_error(err, errlen, rc,
				  "too many combinations for the exhaustive search; use the ILP solver");
	if (!s->found)
		return plan_error(err, errlen, -ENOENT,
				  "no feasible plan in mode %s under the switch limits",
				  sn_plan_mode_name(mode));
	return 0;
}

int sn_plan_solve_brute(const struct sn_costs *c, const struct sn_switch_limits *lim,
			enum sn_plan_mode mode, double time_limit_s, struct sn_plan *out,
			char *err, size_t errlen)
{
	struct search s = { .lim = lim };
	int rc = plan_check_input(c, lim, mode, err, errlen);

	if (rc)
		return rc;
	rc = plan_init(out, c, lim, mode, "brute");
	if (!rc)
		rc = alloc_search(&s, c->nqueries);
	if (rc) {
		plan_error(err, errlen, rc, "out of memory");
		goto out;
	}
	rc = run_search(&s, c, mode, err, errlen);
	if (rc)
		goto out;
	fill_plan(&s, out);
	plan_finish(out, c);
	out->bound = (double)out->tuples;
out:
	free_search(&s);
	if (rc)
		sn_plan_free(out);
	return rc;
}
