/* Planner on trained costs: no level that feeds nothing, plans that survive their JSON form,
 * and a runner that skips dead levels of hand-written plans and reserves and spreads the
 * planned tables. */
#include <string.h>

#include "testutil.h"
#include "switch_util.h"

#define FLOOD "stopddos_pkt.TCP.synflood.spoofed.pcap"

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fail when a used level of qp other than the finest feeds no level. */
static void assert_no_dead_level(const struct sn_query_plan *qp)
{
	unsigned l, k;

	for (l = 0; l + 1 < qp->nlevels; l++) {
		bool feeds = false;

		if (!qp->level[l].used)
			continue;
		for (k = l + 1; k < qp->nlevels; k++)
			if (qp->level[k].used && qp->level[k].from == qp->level[l].level)
				feeds = true;
		if (!feeds)
			fail_msg("query %s: level %u is used but feeds no level", qp->name,
				 qp->level[l].level);
	}
}

/* Levels 16, 24, 32; the /24 level costs nothing, so a plan feeding it from /16 and leaving
 * it unused downstream ties with the optimum of 15. */
static void tie_costs(struct sn_costs *c)
{
	struct sn_query_cost q;
	static const unsigned tr[][3] = {
		{ 0, 16, 10 }, { 0, 24, 50 }, { 0, 32, 100 }, { 16, 24, 0 }, { 16, 32, 5 },
		{ 24, 32, 5 },
	};
	size_t i;

	memset(c, 0, sizeof(*c));
	memset(&q, 0, sizeof(q));
	snprintf(q.name, sizeof(q.name), "q");
	q.nlevels = 3;
	q.level[0] = 16;
	q.level[1] = 24;
	q.level[2] = 32;
	q.refine = true;
	for (i = 0; i < sizeof(tr) / sizeof(tr[0]); i++) {
		q.trans[q.ntrans].from = tr[i][0];
		q.trans[q.ntrans].to = tr[i][1];
		q.trans[q.ntrans].in = tr[i][2];
		q.trans[q.ntrans].keys = 1;
		q.ntrans++;
	}
	assert_int_equal(sn_costs_add_query(c, &q), 0);
	sn_switch_limits_default(&c->limits);
}

static void solve_tie(bool brute)
{
	struct sn_costs c;
	struct sn_plan p;
	char err[512];
	int rc;

	tie_costs(&c);
	if (brute)
		rc = sn_plan_solve_brute(&c, &c.limits, SN_PLAN_SONATA, 0, &p, err, sizeof(err));
	else
		rc = sn_plan_solve(&c, &c.limits, SN_PLAN_SONATA, 0, &p, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(p.tuples, 15);
	assert_true(p.query[0].level[0].used);
	assert_true(p.query[0].level[2].used);
	assert_no_dead_level(&p.query[0]);
	sn_plan_free(&p);
	sn_costs_free(&c);
}

static void ilp_tie_no_dead(void **state)
{
	solve_tie(false);
}

static void brute_tie_no_dead(void **state)
{
	solve_tie(true);
}

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 16) % n;
}

/* Two queries on levels 8, 16, 24, 32 with one table each and many zero costs, so that plans
 * with a level that feeds nothing often tie with the optimum. */
static void zero_costs(struct sn_costs *c)
{
	static const unsigned levels[4] = { 8, 16, 24, 32 };

	memset(c, 0, sizeof(*c));
	sn_switch_limits_default(&c->limits);
	for (unsigned qi = 0; qi < 2; qi++) {
		struct sn_query_cost q = { 0 };

		snprintf(q.name, sizeof(q.name), "q%u", qi);
		q.nlevels = 4;
		memcpy(q.level, levels, sizeof(levels));
		q.ntables = 1;
		q.refine = true;
		for (unsigned l = 0; l < 4; l++) {
			for (unsigned f = 0; f <= l; f++) {
				struct sn_transition_cost *tr = &q.trans[q.ntrans++];

				tr->from = f ? levels[f - 1] : 0;
				tr->to = levels[l];
				tr->in = rnd(3) ? 0 : rnd(20);
				tr->table[0].in = tr->in;
				tr->table[0].bits = 64;
				tr->table[0].out = tr->in ? rnd((uint32_t)tr->in) : 0;
			}
		}
		assert_int_equal(sn_costs_add_query(c, &q), 0);
	}
}

static void ilp_zero_costs_no_dead(void **state)
{
	rng_state = 4;
	for (int i = 0; i < 60; i++) {
		struct sn_costs c;
		struct sn_plan p;
		char err[512];

		zero_costs(&c);
		if (sn_plan_solve(&c, &c.limits, SN_PLAN_SONATA, 0, &p, err, sizeof(err)))
			fail_msg("case %d: %s", i, err);
		for (size_t q = 0; q < p.nqueries; q++)
			assert_no_dead_level(&p.query[q]);
		sn_plan_free(&p);
		sn_costs_free(&c);
	}
}

static void train_flood(struct sn_query_set *set, struct sn_costs *costs)
{
	const char *path = trace_path(FLOOD);
	struct sn_dp_opts opts;
	char err[1024];

	sn_dp_opts_default(&opts);
	if (sn_train(set, &path, 1, NULL, &opts, costs, err, sizeof(err)))
		fail_msg("%s", err);
}

/* Write p as JSON and read it back, as `sonata plan --json` and `run --plan FILE` do. */
static void json_round_trip(const struct sn_plan *p, struct sn_plan *back)
{
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(sn_plan_write_json(f, p, err, sizeof(err)), 0);
	assert_int_equal(fclose(f), 0);
	if (sn_plan_read_json(buf, len, "plan.json", back, err, sizeof(err)))
		fail_msg("%s", err);
	free(buf);
}

static size_t rows_of(const struct rowlog *log, const char *name)
{
	size_t i, n = 0, len = strlen(name);

	for (i = 0; i < log->n; i++)
		if (!strncmp(log->rows[i], name, len) && log->rows[i][len] == ' ')
			n++;
	return n;
}

/* The SYN flood capture: every level of the trained sonata plan feeds a level or is the
 * finest. Run from its JSON form, the plan reports only exact rows, and all the exact rows of
 * the queries without refinement delay. */
static void flood_trained_plan(void **state)
{
	struct sn_query_set set = { 0 };
	struct rowlog want = { 0 }, got = { 0 };
	struct sn_dp_query_stats st;
	struct sn_costs costs;
	struct sn_plan plan, back;
	struct sn_dp_runner *dp;
	struct sn_engine *eng;
	struct sn_dp_opts opts;
	char err[512];
	size_t i, q;

	load_bundled(&set);
	train_flood(&set, &costs);
	assert_int_equal(costs.nqueries, set.n);
	assert_true(costs.packets > 0);
	if (sn_plan_solve(&costs, &costs.limits, SN_PLAN_SONATA, 60, &plan, err, sizeof(err)))
		fail_msg("%s", err);
	for (q = 0; q < plan.nqueries; q++)
		assert_no_dead_level(&plan.query[q]);
	json_round_trip(&plan, &back);
	assert_int_equal(back.tuples, plan.tuples);
	assert_int_equal(back.nqueries, plan.nqueries);

	sn_dp_opts_default(&opts);
	opts.limits = back.limits;
	assert_int_equal(sn_engine_new(&eng, &set, NULL, rowlog_add, &want), 0);
	assert_int_equal(sn_dp_new(&dp, &set, &back, &opts, rowlog_add, &got), 0);
	feed_file(trace_path(FLOOD), eng, dp);
	qsort(want.rows, want.n, sizeof(*want.rows), cmp_line);
	qsort(got.rows, got.n, sizeof(*got.rows), cmp_line);
	assert_true(want.n > 0);
	for (i = 0; i < got.n; i++)
		if (!bsearch(&got.rows[i], want.rows, want.n, sizeof(*want.rows), cmp_line))
			fail_msg("plan row not in the exact output: %s", got.rows[i]);
	for (q = 0; q < set.n; q++) {
		const char *name = set.queries[q].name;

		sn_dp_query_stats(dp, q, &st);
		assert_int_equal(st.rows, rows_of(&got, name));
		assert_true(st.windows > 0);
		if (st.delay == 0 && rows_of(&want, name) != rows_of(&got, name))
			fail_msg("query %s (no refinement delay): %zu exact rows, %zu with the plan",
				 name, rows_of(&want, name), rows_of(&got, name));
	}
	sn_dp_free(dp);
	sn_engine_free(eng);
	rowlog_free(&want);
	rowlog_free(&got);
	sn_plan_free(&back);
	sn_plan_free(&plan);
	sn_costs_free(&costs);
	sn_query_set_free(&set);
}

static const char syn_query[] =
	"query syns(threshold = 40, window = 1) {\n"
	"    packets | filter tcp.flags & (SYN + ACK) == SYN | map ip.dst, n = 1\n"
	"        | reduce sum(n) by ip.dst | filter n >= threshold\n"
	"}\n";

static void add_level(struct sn_query_plan *qp, unsigned level, unsigned from)
{
	struct sn_level_plan *lp = &qp->level[qp->nlevels++];

	lp->level = level;
	lp->used = true;
	lp->from = from;
	lp->ntables = 1;
}

/* Run a hand-written plan of the syns query and return its chain and delay. */
static void run_hand_plan(const unsigned (*lv)[2], size_t n, char *chain, size_t len,
			  unsigned *delay, size_t *rows)
{
	struct sn_query_set set = { 0 };
	struct sn_query_plan qp;
	struct sn_plan plan;
	struct sn_dp_query_stats st;
	struct sn_dp_runner *dp;
	struct rowlog got = { 0 };
	char err[512];
	size_t i;

	if (sn_query_parse_text(&set, "syns.sq", syn_query, strlen(syn_query), NULL, 0, err,
				sizeof(err)))
		fail_msg("%s", err);
	memset(&plan, 0, sizeof(plan));
	memset(&qp, 0, sizeof(qp));
	snprintf(qp.name, sizeof(qp.name), "syns");
	for (i = 0; i < n; i++)
		add_level(&qp, lv[i][0], lv[i][1]);
	plan.mode = SN_PLAN_SONATA;
	plan.query = &qp;
	plan.nqueries = 1;
	assert_int_equal(sn_dp_new(&dp, &set, &plan, NULL, rowlog_add, &got), 0);
	feed_file(trace_path(FLOOD), NULL, dp);
	sn_dp_query_stats(dp, 0, &st);
	snprintf(chain, len, "%s", st.chain);
	*delay = st.delay;
	*rows = got.n;
	sn_dp_free(dp);
	rowlog_free(&got);
	sn_query_set_free(&set);
}

/* Level /24 is fed by /16 but feeds nothing: the runner drops it. */
static void runner_skips_dead(void **state)
{
	static const unsigned dead[][2] = { { 16, 0 }, { 24, 16 }, { 32, 16 } };
	static const unsigned live[][2] = { { 16, 0 }, { 32, 16 } };
	char chain[64];
	unsigned delay;
	size_t rows_dead, rows_live;

	run_hand_plan(dead, 3, chain, sizeof(chain), &delay, &rows_dead);
	assert_string_equal(chain, "0 -> 16 -> 32");
	assert_int_equal(delay, 1);
	run_hand_plan(live, 2, chain, sizeof(chain), &delay, &rows_live);
	assert_int_equal(rows_dead, rows_live);
	assert_true(rows_live > 0);
}

/* /8 -> /16 leads nowhere once /16 is dropped, so both go. */
static void runner_skips_dead_chain(void **state)
{
	static const unsigned lv[][2] = { { 8, 0 }, { 16, 8 }, { 24, 0 }, { 32, 24 } };
	char chain[64];
	unsigned delay;
	size_t rows;

	run_hand_plan(lv, 4, chain, sizeof(chain), &delay, &rows);
	assert_string_equal(chain, "0 -> 24 -> 32");
	assert_int_equal(delay, 1);
}

static const char two_queries[] =
	"query syns(threshold = 40, window = 1) {\n"
	"    packets | filter tcp.flags & (SYN + ACK) == SYN | map ip.dst, n = 1\n"
	"        | reduce sum(n) by ip.dst | filter n >= threshold\n"
	"}\n"
	"query pkts(threshold = 40, window = 1) {\n"
	"    packets | map ip.dst, n = 1 | reduce sum(n) by ip.dst | filter n >= threshold\n"
	"}\n";

/* Two tables of the two queries, both planned in stage 1 with 1024 cells, in stages of 4096
 * cells of 64 bits; return each table's stage and bits. */
static void place_two(unsigned stages, unsigned stage[2], uint64_t bits[2], struct rowlog *want,
		      struct rowlog *got)
{
	struct sn_query_set set = { 0 };
	struct sn_query_plan qp[2];
	struct sn_plan plan;
	struct sn_dp_query_stats st;
	struct sn_dp_runner *dp;
	struct sn_dp_opts opts;
	struct sn_engine *eng;
	char err[512];
	size_t i;

	if (sn_query_parse_text(&set, "two.sq", two_queries, strlen(two_queries), NULL, 0, err,
				sizeof(err)))
		fail_msg("%s", err);
	memset(&plan, 0, sizeof(plan));
	memset(qp, 0, sizeof(qp));
	for (i = 0; i < 2; i++) {
		snprintf(qp[i].name, sizeof(qp[i].name), "%s", set.queries[i].name);
		add_level(&qp[i], 32, 0);
		qp[i].level[0].stage[0] = 1;
		qp[i].level[0].table_bits[0] = 1024 * 64;
	}
	plan.mode = SN_PLAN_SONATA;
	plan.query = qp;
	plan.nqueries = 2;
	sn_dp_opts_default(&opts);
	opts.limits.stages = stages;
	opts.limits.bits_per_stage = 4096 * 64;
	assert_int_equal(sn_engine_new(&eng, &set, NULL, rowlog_add, want), 0);
	assert_int_equal(sn_dp_new(&dp, &set, &plan, &opts, rowlog_add, got), 0);
	for (i = 0; i < 2; i++) {
		sn_dp_query_stats(dp, i, &st);
		assert_int_equal(st.tables, 1);
		stage[i] = st.stages;
		bits[i] = st.bits;
	}
	feed_file(trace_path(FLOOD), eng, dp);
	qsort(want->rows, want->n, sizeof(*want->rows), cmp_line);
	qsort(got->rows, got->n, sizeof(*got->rows), cmp_line);
	sn_dp_free(dp);
	sn_engine_free(eng);
	sn_query_set_free(&set);
}

/* One stage: the first table must leave the second its reserved room, so each grows to 2048
 * cells, and both run with exact rows. */
static void runner_reserves_plan(void **state)
{
	struct rowlog want = { 0 }, got = { 0 };
	unsigned stage[2];
	uint64_t bits[2];

	place_two(1, stage, bits, &want, &got);
	assert_int_equal(stage[0], 1);
	assert_int_equal(stage[1], 1);
	assert_int_equal(bits[0], 2048 * 64);
	assert_int_equal(bits[1], 2048 * 64);
	assert_true(want.n > 0);
	assert_same_rows(&want, &got, "two planned tables in one stage");
	rowlog_free(&want);
	rowlog_free(&got);
}

/* Two stages: the first table moves to the empty stage 2, so both get the whole 4096 cells. */
static void runner_spreads_plan(void **state)
{
	struct rowlog want = { 0 }, got = { 0 };
	unsigned stage[2];
	uint64_t bits[2];

	place_two(2, stage, bits, &want, &got);
	assert_int_equal(stage[0], 2);
	assert_int_equal(stage[1], 1);
	assert_int_equal(bits[0], 4096 * 64);
	assert_int_equal(bits[1], 4096 * 64);
	assert_same_rows(&want, &got, "two planned tables spread over two stages");
	rowlog_free(&want);
	rowlog_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ilp_tie_no_dead),
		cmocka_unit_test(brute_tie_no_dead),
		cmocka_unit_test(ilp_zero_costs_no_dead),
		cmocka_unit_test(flood_trained_plan),
		cmocka_unit_test(runner_skips_dead),
		cmocka_unit_test(runner_skips_dead_chain),
		cmocka_unit_test(runner_reserves_plan),
		cmocka_unit_test(runner_spreads_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
