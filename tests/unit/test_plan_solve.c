/* Planner solvers: the reference test vectors in every mode, and GLPK against brute force. */
#include <errno.h>
#include <string.h>

#include "sonata/plan.h"
#include "testutil.h"

static void load(const char *name, struct sn_costs *c)
{
	char path[256], err[512];
	int rc;

	snprintf(path, sizeof(path), "tests/data/plan/%s", name);
	rc = sn_costs_read_file(path, c, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
}

static uint64_t solve(const struct sn_costs *c, enum sn_plan_mode mode, bool brute)
{
	struct sn_plan p;
	char err[512];
	uint64_t tuples;
	int rc;

	if (brute)
		rc = sn_plan_solve_brute(c, &c->limits, mode, 0, &p, err, sizeof(err));
	else
		rc = sn_plan_solve(c, &c->limits, mode, 0, &p, err, sizeof(err));
	if (rc)
		fail_msg("mode %s: %s", sn_plan_mode_name(mode), err);
	assert_int_equal(p.status, SN_PLAN_OPTIMAL);
	tuples = p.tuples;
	sn_plan_free(&p);
	return tuples;
}

/* Expected optimum per mode, in enum order: all-sp, filter-dp, max-dp, fixed-ref, sonata. */
static void check_modes(const char *file, const uint64_t want[5])
{
	struct sn_costs c;

	load(file, &c);
	for (int m = SN_PLAN_ALL_SP; m <= SN_PLAN_SONATA; m++) {
		assert_int_equal(solve(&c, (enum sn_plan_mode)m, false), want[m]);
		assert_int_equal(solve(&c, (enum sn_plan_mode)m, true), want[m]);
	}
	sn_costs_free(&c);
}

static void ref1_modes(void **state)
{
	static const uint64_t want[5] = { 1000, 1000, 1000, 80, 80 };

	check_modes("ref_test1.json", want);
}

static void ref2_modes(void **state)
{
	static const uint64_t want[5] = { 1800, 1800, 850, 850, 850 };

	check_modes("ref_test2.json", want);
}

static void ref3_modes(void **state)
{
	static const uint64_t want[5] = { 1900, 1900, 1070, 980, 200 };

	check_modes("ref_test3.json", want);
}

static void ref4_modes(void **state)
{
	static const uint64_t want[5] = { 1000, 1000, 1000, 900, 100 };

	check_modes("ref_test4.json", want);
}

/* Test 1: /32 alone cannot host its 110-bit table, so the plan is 0 -> 16 -> 32. */
static void ref1_plan_shape(void **state)
{
	struct sn_costs c;
	struct sn_plan p;
	char err[512], chain[128];

	load("ref_test1.json", &c);
	assert_int_equal(sn_plan_solve(&c, &c.limits, SN_PLAN_SONATA, 0, &p, err, sizeof(err)), 0);
	sn_plan_chain(&p.query[0], chain, sizeof(chain));
	assert_string_equal(chain, "0 -> 16 -> 32");
	assert_true(p.query[0].level[0].used);
	assert_int_equal(p.query[0].level[0].ntables, 2);
	assert_int_equal(p.query[0].level[1].from, 16);
	assert_int_equal(p.query[0].level[1].ntables, 2);
	assert_int_equal(p.query[0].level[1].tuples, 50);
	assert_true(p.query[0].level[0].stage[0] < p.query[0].level[0].stage[1]);
	assert_true(p.query[0].level[1].stage[0] < p.query[0].level[1].stage[1]);
	for (unsigned s = 0; s < p.stages_used; s++)
		assert_true(p.bits_in_stage[s] <= 100);
	sn_plan_free(&p);
	sn_costs_free(&c);
}

/* Test 3 in fixed-ref mode: query 2 feeds /16 from 0, skipping /8. */
static void ref3_fixed_ref_feeds(void **state)
{
	struct sn_costs c;
	struct sn_plan p;
	char err[512];

	load("ref_test3.json", &c);
	assert_int_equal(sn_plan_solve(&c, &c.limits, SN_PLAN_FIXED_REF, 0, &p, err,
				       sizeof(err)), 0);
	for (unsigned l = 0; l < 3; l++) {
		assert_true(p.query[0].level[l].used);
		assert_true(p.query[1].level[l].used);
	}
	assert_int_equal(p.query[1].level[1].from, 0);
	sn_plan_free(&p);
	sn_costs_free(&c);
}

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 16) % n;
}

/* A random instance: 1-3 queries, 1-4 levels, 1-3 tables, tight limits, some transitions
 * missing and some keys over the filter size. */
static void random_costs(struct sn_costs *c)
{
	static const unsigned all_levels[4] = { 8, 16, 24, 32 };
	unsigned nq = 1 + rnd(3);

	memset(c, 0, sizeof(*c));
	c->limits.stages = 1 + rnd(3);
	c->limits.tables_per_stage = 1 + rnd(2);
	c->limits.bits_per_stage = 60 + rnd(80);
	c->limits.filter_entries = 50;
	for (unsigned qi = 0; qi < nq; qi++) {
		struct sn_query_cost q = { 0 };
		unsigned nl = 1 + rnd(4);

		snprintf(q.name, sizeof(q.name), "q%u", qi);
		q.nlevels = nl;
		for (unsigned l = 0; l < nl; l++)
			q.level[l] = all_levels[4 - nl + l];
		q.ntables = 1 + rnd(3);
		q.refine = rnd(5) != 0;
		for (unsigned l = 0; l < nl; l++) {
			for (unsigned f = 0; f <= l; f++) {
				struct sn_transition_cost *tr = &q.trans[q.ntrans];
				uint64_t n = 100 + rnd(900);

				if (f != 0 && rnd(4) == 0)
					continue;
				tr->from = f ? q.level[f - 1] : 0;
				tr->to = q.level[l];
				tr->in = n;
				tr->keys = rnd(3) ? 0 : rnd(100);
				for (unsigned t = 0; t < q.ntables; t++) {
					tr->table[t].in = n;
					tr->table[t].bits = 10 + rnd(70);
					n = n * (1 + rnd(9)) / 10;
					tr->table[t].out = n;
				}
				q.ntrans++;
			}
		}
		assert_int_equal(sn_costs_add_query(c, &q), 0);
	}
}

/* The ILP's optimum equals the exhaustive search's on random small instances. */
static void random_ilp_brute(void **state)
{
	int solved = 0;

	rng_state = 20180820;
	for (int i = 0; i < 40; i++) {
		struct sn_costs c;

		random_costs(&c);
		for (int m = SN_PLAN_ALL_SP; m <= SN_PLAN_SONATA; m++) {
			struct sn_plan a, b;
			char ea[512], eb[512];
			int ra = sn_plan_solve(&c, &c.limits, m, 0, &a, ea, sizeof(ea));
			int rb = sn_plan_solve_brute(&c, &c.limits, m, 0, &b, eb, sizeof(eb));

			if (ra != rb)
				fail_msg("case %d mode %d: glpk %d (%s), brute %d (%s)", i, m, ra,
					 ra ? ea : "", rb, rb ? eb : "");
			if (ra)
				continue;
			solved++;
			if (a.tuples != b.tuples)
				fail_msg("case %d mode %d: glpk %llu, brute %llu", i, m,
					 (unsigned long long)a.tuples, (unsigned long long)b.tuples);
			for (unsigned s = 0; s < a.stages_used; s++) {
				assert_true(a.tables_in_stage[s] <= c.limits.tables_per_stage);
				assert_true(a.bits_in_stage[s] <= c.limits.bits_per_stage);
			}
			sn_plan_free(&a);
			sn_plan_free(&b);
		}
		sn_costs_free(&c);
	}
	/* Most cases must be feasible, or the comparison proves little. */
	assert_true(solved >= 150);
}

/* A larger instance with a 1 ms limit still returns a plan, with its status and gap. */
static void time_limit_reported(void **state)
{
	struct sn_costs c = { 0 };
	struct sn_plan p;
	char err[512];
	int rc;

	rng_state = 7;
	for (int i = 0; i < 12; i++) {
		struct sn_costs one;

		random_costs(&one);
		for (size_t q = 0; q < one.nqueries; q++) {
			snprintf(one.query[q].name, sizeof(one.query[q].name), "q%d_%zu", i, q);
			assert_int_equal(sn_costs_add_query(&c, &one.query[q]), 0);
		}
		sn_costs_free(&one);
	}
	c.limits.stages = 12;
	c.limits.tables_per_stage = 3;
	c.limits.bits_per_stage = 150;
	rc = sn_plan_solve(&c, &c.limits, SN_PLAN_SONATA, 0.001, &p, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_true(p.status == SN_PLAN_OPTIMAL || p.status == SN_PLAN_TIME_LIMIT);
	assert_true(p.bound <= (double)p.tuples);
	if (p.status == SN_PLAN_TIME_LIMIT)
		assert_true(p.gap > 0);
	else
		assert_true(p.gap == 0);
	sn_plan_free(&p);
	sn_costs_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ref1_modes),
		cmocka_unit_test(ref2_modes),
		cmocka_unit_test(ref3_modes),
		cmocka_unit_test(ref4_modes),
		cmocka_unit_test(ref1_plan_shape),
		cmocka_unit_test(ref3_fixed_ref_feeds),
		cmocka_unit_test(random_ilp_brute),
		cmocka_unit_test(time_limit_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
