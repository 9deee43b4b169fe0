/*
 * Joint planner as an integer program, solved with GLPK's branch and cut.
 *
 * Binary y[q,l,f,k]: level l of query q is used, fed by f (0: all traffic, j+1: level index j),
 * with its k leading stateful tables in the switch. Binary z[q,l,f,t,s]: table t of that level
 * and feed sits in stage s. The objective sums the tuples each used level sends to the stream
 * processor; docs/planner.md lists the constraints.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glpk.h>

#include "plan/plan_int.h"

#define NL SN_PLAN_MAX_LEVELS
#define NF (SN_PLAN_MAX_LEVELS + 1)
#define NT SN_PLAN_MAX_TABLES

struct ilp {
	glp_prob *lp;
	const struct sn_costs *c;
	const struct sn_switch_limits *lim;
	enum sn_plan_mode mode;
	int *y;			/* column of y[q,l,f,k], 0 when the choice is not allowed */
	int *z;			/* column of z[q,l,f,t,s] */
	int *ind;		/* row buffer, 1-based as GLPK expects */
	double *val;
	int len, cap;
	double bound;		/* best bound seen by the branch-and-cut callback */
	bool bound_set;
};

static int *ycol(struct ilp *m, size_t q, unsigned l, unsigned f, unsigned k)
{
	return &m->y[((q * NL + l) * NF + f) * (NT + 1) + k];
}

static int *zcol(struct ilp *m, size_t q, unsigned l, unsigned f, unsigned t, unsigned s)
{
	return &m->z[(((q * NL + l) * NF + f) * NT + t) * m->lim->stages + (s - 1)];
}

static unsigned feed_level(const struct sn_query_cost *q, unsigned f)
{
	return f ? q->level[f - 1] : 0;
}

static int add_col(struct ilp *m, double cost)
{
	int j = glp_add_cols(m->lp, 1);

	glp_set_col_kind(m->lp, j, GLP_BV);
	glp_set_obj_coef(m->lp, j, cost);
	return j;
}

/* Row buffer: start, append a term (skipping absent columns), and commit with bounds. */
static void row_start(struct ilp *m)
{
	m->len = 0;
}

static void row_add(struct ilp *m, int col, double coef)
{
	if (!col || m->len + 1 >= m->cap)
		return;
	m->len++;
	m->ind[m->len] = col;
	m->val[m->len] = coef;
}

static void row_commit(struct ilp *m, int type, double lo, double hi)
{
	int i;

	if (!m->len)
		return;
	i = glp_add_rows(m->lp, 1);
	glp_set_row_bnds(m->lp, i, type, lo, hi);
	glp_set_mat_row(m->lp, i, m->len, m->ind, m->val);
}

static void add_level_cols(struct ilp *m, size_t qi, unsigned l)
{
	const struct sn_query_cost *q = &m->c->query[qi];
	unsigned maxk = plan_max_tables(q, m->mode);

	if (!plan_level_allowed(q, l, m->mode))
		return;
	for (unsigned f = 0; f <= l; f++) {
		const struct sn_transition_cost *tr;

		if (!plan_feed_allowed(q, feed_level(q, f), q->level[l], m->mode))
			continue;
		tr = sn_costs_find(q, feed_level(q, f), q->level[l]);
		for (unsigned k = 0; k <= maxk; k++)
			*ycol(m, qi, l, f, k) = add_col(m, (double)plan_level_cost(tr, k));
		for (unsigned t = 0; t < maxk; t++) {
			if (tr->table[t].bits > m->lim->bits_per_stage)
				continue;
			for (unsigned s = 1; s <= m->lim->stages; s++)
				*zcol(m, qi, l, f, t, s) = add_col(m, 0);
		}
	}
}

/* A level is used at most once (exactly once when forced), and only fed by a used level. */
static int add_use_rows(struct ilp *m, size_t qi, unsigned l, char *err, size_t errlen)
{
	const struct sn_query_cost *q = &m->c->query[qi];
	bool forced = plan_level_forced(q, l, m->mode);

	row_start(m);
	for (unsigned f = 0; f <= l; f++)
		for (unsigned k = 0; k <= NT; k++)
			row_add(m, *ycol(m, qi, l, f, k), 1);
	if (!m->len && forced)
		return plan_error(err, errlen, -ENOENT,
				  "no feasible plan in mode %s: query %s has no usable transition into level %u",
				  sn_plan_mode_name(m->mode), q->name, q->level[l]);
	row_commit(m, forced ? GLP_FX : GLP_UP, forced ? 1 : 0, 1);
	for (unsigned f = 1; f <= l; f++) {
		row_start(m);
		for (unsigned k = 0; k <= NT; k++)
			row_add(m, *ycol(m, qi, l, f, k), 1);
		if (!m->len)
			continue;
		for (unsigned g = 0; g < f; g++)
			for (unsigned k = 0; k <= NT; k++)
				row_add(m, *ycol(m, qi, f - 1, g, k), -1);
		row_commit(m, GLP_UP, 0, 0);
	}
	return 0;
}

/* A level whose reported keys overflow the filter table may not feed any other level. */
static void add_keys_rows(struct ilp *m, size_t qi, unsigned j)
{
	const struct sn_query_cost *q = &m->c->query[qi];

	for (unsigned g = 0; g <= j; g++) {
		const struct sn_transition_cost *tr = sn_costs_find(q, feed_level(q, g), q->level[j]);

		if (!tr || plan_keys_fit(tr, m->lim))
			continue;
		for (unsigned l = j + 1; l < q->nlevels; l++) {
			row_start(m);
			for (unsigned k = 0; k <= NT; k++) {
				row_add(m, *ycol(m, qi, j, g, k), 1);
				row_add(m, *ycol(m, qi, l, j + 1, k), 1);
			}
			row_commit(m, GLP_UP, 0, 1);
		}
	}
}

/*
 * A used level that is not forced must feed a finer level. A level that feeds nothing only
 * adds tuples and switch tables, but with a cost of 0 it could tie with the optimum, and a
 * runner would then run it for nothing. The brute-force solver drops such plans too.
 */
static void add_feeds_row(struct ilp *m, size_t qi, unsigned j)
{
	const struct sn_query_cost *q = &m->c->query[qi];

	if (j + 1 == q->nlevels || plan_level_forced(q, j, m->mode))
		return;
	row_start(m);
	for (unsigned g = 0; g <= j; g++)
		for (unsigned k = 0; k <= NT; k++)
			row_add(m, *ycol(m, qi, j, g, k), 1);
	if (!m->len)
		return;
	for (unsigned l = j + 1; l < q->nlevels; l++)
		for (unsigned k = 0; k <= NT; k++)
			row_add(m, *ycol(m, qi, l, j + 1, k), -1);
	row_commit(m, GLP_UP, 0, 0);
}

/* Table t is in exactly one stage iff k > t, and after the stage of table t - 1. */
static void add_table_rows(struct ilp *m, size_t qi, unsigned l, unsigned f)
{
	unsigned maxk = plan_max_tables(&m->c->query[qi], m->mode);

	for (unsigned t = 0; t < maxk; t++) {
		row_start(m);
		for (unsigned s = 1; s <= m->lim->stages; s++)
			row_add(m, *zcol(m, qi, l, f, t, s), 1);
		for (unsigned k = t + 1; k <= maxk; k++)
			row_add(m, *ycol(m, qi, l, f, k), -1);
		row_commit(m, GLP_FX, 0, 0);
		for (unsigned s = 1; t && s <= m->lim->stages; s++) {
			row_start(m);
			row_add(m, *zcol(m, qi, l, f, t, s), 1);
			if (!m->len)
				continue;
			for (unsigned p = 1; p < s; p++)
				row_add(m, *zcol(m, qi, l, f, t - 1, p), -1);
			row_commit(m, GLP_UP, 0, 0);
		}
	}
}

/* Per stage: at most tables_per_stage tables and bits_per_stage register bits. */
static void add_stage_rows(struct ilp *m, unsigned s, bool bits)
{
	row_start(m);
	for (size_t qi = 0; qi < m->c->nqueries; qi++) {
		const struct sn_query_cost *q = &m->c->query[qi];

		for (unsigned l = 0; l < q->nlevels; l++)
			for (unsigned f = 0; f <= l; f++) {
				const struct sn_transition_cost *tr =
					sn_costs_find(q, feed_level(q, f), q->level[l]);

				for (unsigned t = 0; tr && t < q->ntables; t++)
					row_add(m, *zcol(m, qi, l, f, t, s),
						bits ? (double)tr->table[t].bits : 1);
			}
	}
	if (bits)
		row_commit(m, GLP_UP, 0, (double)m->lim->bits_per_stage);
	else
		row_commit(m, GLP_UP, 0, m->lim->tables_per_stage);
}

static int build(struct ilp *m, char *err, size_t errlen)
{
	const struct sn_costs *c = m->c;
	int rc;

	glp_set_obj_dir(m->lp, GLP_MIN);
	for (size_t qi = 0; qi < c->nqueries; qi++)
		for (unsigned l = 0; l < c->query[qi].nlevels; l++)
			add_level_cols(m, qi, l);
	m->cap = glp_get_num_cols(m->lp) + 2;
	m->ind = calloc((size_t)m->cap, sizeof(*m->ind));
	m->val = calloc((size_t)m->cap, sizeof(*m->val));
	if (!m->ind || !m->val)
		return plan_error(err, errlen, -ENOMEM, "out of memory");
	for (size_t qi = 0; qi < c->nqueries; qi++) {
		for (unsigned l = 0; l < c->query[qi].nlevels; l++) {
			rc = add_use_rows(m, qi, l, err, errlen);
			if (rc)
				return rc;
			add_keys_rows(m, qi, l);
			add_feeds_row(m, qi, l);
			for (unsigned f = 0; f <= l; f++)
				add_table_rows(m, qi, l, f);
		}
	}
	for (unsigned s = 1; s <= m->lim->stages; s++) {
		add_stage_rows(m, s, false);
		add_stage_rows(m, s, true);
	}
	return 0;
}

/* The trivial plan: every forced level fed by all traffic, with no table in the switch. It is
 * feasible whenever those columns exist, so a time limit still yields a plan. */
static bool trivial_ok(struct ilp *m)
{
	for (size_t qi = 0; qi < m->c->nqueries; qi++) {
		const struct sn_query_cost *q = &m->c->query[qi];

		for (unsigned l = 0; l < q->nlevels; l++)
			if (plan_level_forced(q, l, m->mode) && !*ycol(m, qi, l, 0, 0))
				return false;
	}
	return true;
}

static void offer_trivial(struct ilp *m, glp_tree *tree)
{
	int n = glp_get_num_cols(m->lp);
	double *x;

	if (!trivial_ok(m))
		return;
	x = calloc((size_t)n + 1, sizeof(*x));
	if (!x)
		return;
	for (size_t qi = 0; qi < m->c->nqueries; qi++) {
		const struct sn_query_cost *q = &m->c->query[qi];

		for (unsigned l = 0; l < q->nlevels; l++)
			if (plan_level_forced(q, l, m->mode))
				x[*ycol(m, qi, l, 0, 0)] = 1;
	}
	glp_ios_heur_sol(tree, x);
	free(x);
}

/* Fill out with the trivial plan, for a time limit reached before branch and cut found one. */
static void use_trivial(struct ilp *m, struct sn_plan *out)
{
	for (size_t qi = 0; qi < out->nqueries; qi++) {
		const struct sn_query_cost *q = &m->c->query[qi];

		for (unsigned l = 0; l < q->nlevels; l++) {
			struct sn_level_plan *lp = &out->query[qi].level[l];

			lp->used = plan_level_forced(q, l, m->mode);
			lp->from = 0;
			lp->ntables = 0;
		}
	}
	plan_finish(out, m->c);
	out->status = SN_PLAN_TIME_LIMIT;
	out->bound = m->bound_set && m->bound < (double)out->tuples ? m->bound
								     : (double)out->tuples;
	out->gap = out->tuples ? ((double)out->tuples - out->bound) / (double)out->tuples : 0;
}

static void callback(glp_tree *tree, void *info)
{
	struct ilp *m = info;
	int best;

	if (glp_ios_reason(tree) == GLP_IHEUR && glp_ios_curr_node(tree) == 1)
		offer_trivial(m, tree);
	best = glp_ios_best_node(tree);
	if (best && glp_ios_node_bound(tree, best) > m->bound) {
		m->bound = glp_ios_node_bound(tree, best);
		m->bound_set = true;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int ms_left(double start, double limit_s)
{
	double left;

	if (limit_s <= 0)
		return INT_MAX;
	left = (limit_s - (now_s() - start)) * 1000;
	if (left < 1)
		return 1;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static int relax(struct ilp *m, char *err, size_t errlen)
{
	glp_smcp smcp;
	int ret;

	/* Register bits (millions) and tuple counts share rows with 0/1 terms: without scaling,
	 * GLPK 5's primal simplex can fail an internal assertion and abort the process. */
	glp_scale_prob(m->lp, GLP_SF_AUTO);
	glp_init_smcp(&smcp);
	smcp.msg_lev = GLP_MSG_OFF;
	smcp.presolve = GLP_ON;
	ret = glp_simplex(m->lp, &smcp);
	if (ret == GLP_ENOPFS || glp_get_status(m->lp) == GLP_NOFEAS)
		return plan_error(err, errlen, -ENOENT,
				  "no feasible plan in mode %s under the switch limits",
				  sn_plan_mode_name(m->mode));
	if (ret || glp_get_status(m->lp) != GLP_OPT)
		return plan_error(err, errlen, -EIO,
				  "GLPK simplex failed on the LP relaxation (code %d)", ret);
	/* glp_intopt without its presolver needs an optimal basis in the problem object. */
	smcp.presolve = GLP_OFF;
	ret = glp_simplex(m->lp, &smcp);
	if (ret)
		return plan_error(err, errlen, -EIO, "GLPK simplex failed (code %d)", ret);
	/* The relaxation's optimum bounds every plan from below until branch and cut improves it. */
	m->bound = glp_get_obj_val(m->lp);
	m->bound_set = true;
	return 0;
}

/* Run branch and cut; set *timed_out when the time limit stopped it with a plan in hand. */
static int branch(struct ilp *m, double start, double limit_s, bool *timed_out,
		  char *err, size_t errlen)
{
	glp_iocp iocp;
	int ret, status;

	glp_init_iocp(&iocp);
	iocp.msg_lev = GLP_MSG_OFF;
	iocp.presolve = GLP_OFF;
	iocp.tm_lim = ms_left(start, limit_s);
	iocp.cb_func = callback;
	iocp.cb_info = m;
	ret = glp_intopt(m->lp, &iocp);
	status = glp_mip_status(m->lp);
	*timed_out = ret == GLP_ETMLIM;
	if (status == GLP_NOFEAS || ret == GLP_ENOPFS)
		return plan_error(err, errlen, -ENOENT,
				  "no feasible plan in mode %s under the switch limits",
				  sn_plan_mode_name(m->mode));
	if (*timed_out && status != GLP_FEAS && status != GLP_OPT)
		return plan_error(err, errlen, -ETIMEDOUT,
				  "time limit of %g s reached before any plan was found; raise --time-limit",
				  limit_s);
	if ((ret && ret != GLP_ETMLIM) || (status != GLP_OPT && status != GLP_FEAS))
		return plan_error(err, errlen, -EIO, "GLPK branch and cut failed (code %d)", ret);
	return 0;
}

static bool on(struct ilp *m, int col)
{
	return col && glp_mip_col_val(m->lp, col) > 0.5;
}

static void extract_level(struct ilp *m, size_t qi, unsigned l, struct sn_level_plan *lp)
{
	const struct sn_query_cost *q = &m->c->query[qi];

	for (unsigned f = 0; f <= l; f++) {
		for (unsigned k = 0; k <= NT; k++) {
			if (!on(m, *ycol(m, qi, l, f, k)))
				continue;
			lp->used = true;
			lp->from = feed_level(q, f);
			lp->ntables = k;
			for (unsigned t = 0; t < k; t++)
				for (unsigned s = 1; s <= m->lim->stages; s++)
					if (on(m, *zcol(m, qi, l, f, t, s)))
						lp->stage[t] = s;
			return;
		}
	}
}

static void extract(struct ilp *m, struct sn_plan *out, bool timed_out)
{
	for (size_t qi = 0; qi < out->nqueries; qi++)
		for (unsigned l = 0; l < out->query[qi].nlevels; l++)
			extract_level(m, qi, l, &out->query[qi].level[l]);
	plan_finish(out, m->c);
	out->status = timed_out ? SN_PLAN_TIME_LIMIT : SN_PLAN_OPTIMAL;
	out->bound = (double)out->tuples;
	if (timed_out && m->bound_set && m->bound < out->bound)
		out->bound = m->bound < 0 ? 0 : m->bound;
	out->gap = out->tuples ? ((double)out->tuples - out->bound) / (double)out->tuples : 0;
}

static int alloc_ilp(struct ilp *m, size_t nq, char *err, size_t errlen)
{
	m->lp = glp_create_prob();
	m->y = calloc(nq * NL * NF * (NT + 1), sizeof(*m->y));
	m->z = calloc(nq * NL * NF * NT * (m->lim->stages ? m->lim->stages : 1), sizeof(*m->z));
	if (!m->lp || !m->y || !m->z)
		return plan_error(err, errlen, -ENOMEM, "out of memory");
	return 0;
}

static void free_ilp(struct ilp *m)
{
	if (m->lp)
		glp_delete_prob(m->lp);
	free(m->y);
	free(m->z);
	free(m->ind);
	free(m->val);
}

int sn_plan_solve(const struct sn_costs *c, const struct sn_switch_limits *lim,
		  enum sn_plan_mode mode, double time_limit_s, struct sn_plan *out,
		  char *err, size_t errlen)
{
	struct ilp m = { .c = c, .lim = lim, .mode = mode };
	double start = now_s();
	bool timed_out = false;
	int rc = plan_check_input(c, lim, mode, err, errlen);

	if (rc)
		return rc;
	glp_term_out(GLP_OFF);
	rc = plan_init(out, c, lim, mode, "glpk");
	if (rc)
		return plan_error(err, errlen, rc, "out of memory");
	rc = alloc_ilp(&m, c->nqueries, err, errlen);
	if (!rc)
		rc = build(&m, err, errlen);
	if (!rc)
		rc = relax(&m, err, errlen);
	if (!rc)
		rc = branch(&m, start, time_limit_s, &timed_out, err, errlen);
	if (!rc) {
		extract(&m, out, timed_out);
	} else if (rc == -ETIMEDOUT && trivial_ok(&m)) {
		use_trivial(&m, out);
		rc = 0;
	}
	free_ilp(&m);
	if (rc)
		sn_plan_free(out);
	return rc;
}
