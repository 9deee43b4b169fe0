/* Planner input and output: cost-file errors, limits, the plan JSON round trip, the CLI. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sonata/plan.h"
#include "testutil.h"

static int read_text(const char *text, struct sn_costs *c, char *err, size_t len)
{
	return sn_costs_read_buf(text, strlen(text), "t.json", c, err, len);
}

#define Q_HEAD "{\"queries\": [{\"name\": \"q1\", \"levels\": [16, 32], \"tables\": 1, "
#define T_OK "{\"in\": 10, \"bits\": 5, \"out\": 2}"

static void costs_valid_minimal(void **state)
{
	struct sn_costs c;
	char err[256];

	assert_int_equal(read_text(Q_HEAD "\"costs\": [{\"from\": 0, \"to\": 32, \"tables\": ["
				   T_OK "]}]}]}", &c, err, sizeof(err)), 0);
	assert_int_equal(c.nqueries, 1);
	assert_int_equal(c.query[0].nlevels, 2);
	assert_int_equal(c.query[0].trans[0].in, 10);
	assert_true(c.query[0].refine);
	assert_false(c.has_limits);
	sn_costs_free(&c);
}

/* Each invalid file fails with -EINVAL and a message naming the bad value. */
static void costs_invalid_named(void **state)
{
	static const struct {
		const char *text, *needle;
	} cases[] = {
		{ "{\"queries\": [", "t.json:1:" },
		{ "[]", "top level" },
		{ "{\"queries\": []}", "queries" },
		{ "{\"querys\": []}", "querys: unknown key" },
		{ Q_HEAD "\"costs\": [{\"from\": 0, \"to\": 32, \"tables\": [{\"in\": -1, \"bits\": 5, \"out\": 2}]}]}]}",
		  "queries[0].costs[0].tables[0].in" },
		{ Q_HEAD "\"costs\": [{\"from\": 0, \"to\": 24, \"tables\": [" T_OK "]}]}]}",
		  "0 -> 24" },
		{ Q_HEAD "\"costs\": [{\"from\": 32, \"to\": 16, \"tables\": [" T_OK "]}]}]}",
		  "coarse to fine" },
		{ Q_HEAD "\"costs\": [{\"from\": 0, \"to\": 32, \"tables\": []}]}]}",
		  "expected an array of 1 tables" },
		{ "{\"queries\": [{\"name\": \"q1\", \"levels\": [32, 16], \"tables\": 0, \"costs\": [{\"from\": 0, \"to\": 32, \"in\": 5}]}]}",
		  "ascending" },
		{ "{\"limits\": {\"stages\": 99}, \"queries\": []}", "limits.stages" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sn_costs c;
		char err[512] = "";

		assert_int_equal(read_text(cases[i].text, &c, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].needle))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].needle);
	}
}

static void costs_missing_file(void **state)
{
	struct sn_costs c;
	char err[256];

	assert_int_equal(sn_costs_read_file("tests/data/plan/none.json", &c, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "none.json"));
}

/* A finest level with no transition from a usable level has no plan. */
static void costs_infeasible(void **state)
{
	struct sn_costs c;
	struct sn_plan p;
	char err[512];

	assert_int_equal(read_text(Q_HEAD "\"costs\": [{\"from\": 0, \"to\": 16, \"tables\": ["
				   T_OK "]}, {\"from\": 16, \"to\": 32, \"tables\": [" T_OK
				   "]}]}]}", &c, err, sizeof(err)), 0);
	assert_int_equal(sn_plan_solve(&c, &c.limits, SN_PLAN_MAX_DP, 0, &p, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "q1"));
	assert_int_equal(sn_plan_solve_brute(&c, &c.limits, SN_PLAN_MAX_DP, 0, &p, err,
					     sizeof(err)), -ENOENT);
	sn_costs_free(&c);
}

static void limits_parse(void **state)
{
	struct sn_switch_limits lim;
	char err[256];

	sn_switch_limits_default(&lim);
	assert_int_equal(lim.stages, 12);
	assert_int_equal(lim.filter_entries, 64);
	assert_int_equal(sn_switch_limits_parse(&lim, "stages=3,bits=100", err, sizeof(err)), 0);
	assert_int_equal(lim.stages, 3);
	assert_int_equal(lim.bits_per_stage, 100);
	assert_int_equal(lim.tables_per_stage, 4);
	assert_int_equal(sn_switch_limits_parse(&lim, "stage=3", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "stage"));
	assert_int_equal(sn_switch_limits_parse(&lim, "bits=x", err, sizeof(err)), -EINVAL);
	assert_int_equal(sn_switch_limits_parse(&lim, "stages=33", err, sizeof(err)), -EINVAL);
}

/* Writing a plan as JSON and reading it back keeps every field. */
static void plan_json_round_trip(void **state)
{
	struct sn_costs c;
	struct sn_plan p, back;
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(sn_costs_read_file("tests/data/plan/ref_test3.json", &c, err,
					    sizeof(err)), 0);
	assert_int_equal(sn_plan_solve(&c, &c.limits, SN_PLAN_FIXED_REF, 0, &p, err,
				       sizeof(err)), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(sn_plan_write_json(f, &p, err, sizeof(err)), 0);
	fclose(f);
	assert_int_equal(sn_plan_read_json(buf, len, "plan.json", &back, err, sizeof(err)), 0);
	assert_int_equal(back.tuples, 980);
	assert_int_equal(back.mode, SN_PLAN_FIXED_REF);
	assert_int_equal(back.status, SN_PLAN_OPTIMAL);
	assert_string_equal(back.solver, "glpk");
	assert_int_equal(back.stages_used, p.stages_used);
	assert_memory_equal(&back.limits, &p.limits, sizeof(p.limits));
	assert_memory_equal(back.bits_in_stage, p.bits_in_stage, sizeof(p.bits_in_stage));
	assert_int_equal(back.nqueries, 2);
	assert_memory_equal(back.query, p.query, 2 * sizeof(*p.query));
	sn_plan_free(&back);
	assert_int_equal(sn_plan_read_json("{\"mode\": 1}", 11, "bad.json", &back, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad.json"));
	free(buf);
	sn_plan_free(&p);
	sn_costs_free(&c);
}

/* Writing costs and reading them back gives the same optimum. */
static void costs_write_read(void **state)
{
	struct sn_costs c, back;
	char err[512], path[] = "/tmp/sonata_plan_costsXXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sn_costs_read_file("tests/data/plan/ref_test3.json", &c, err,
					    sizeof(err)), 0);
	assert_int_equal(sn_costs_write_file(path, &c, err, sizeof(err)), 0);
	assert_int_equal(sn_costs_read_file(path, &back, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(back.nqueries, c.nqueries);
	assert_memory_equal(back.query, c.query, c.nqueries * sizeof(*c.query));
	assert_memory_equal(&back.limits, &c.limits, sizeof(c.limits));
	sn_costs_free(&back);
	sn_costs_free(&c);
}

/* `sonata plan` prints the optimum of reference test 1 and rejects a bad mode. */
static void cli_plan(void **state)
{
	char cmd[4400], out[4096];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s plan --costs tests/data/plan/ref_test1.json --json",
		 sonata_bin());
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(out, "\"tuples\": 80,"));
	assert_non_null(strstr(out, "\"chain\": \"0 -> 16 -> 32\""));
	snprintf(cmd, sizeof(cmd), "%s plan --costs tests/data/plan/ref_test1.json --mode x 2>/dev/null",
		 sonata_bin());
	assert_int_equal(WEXITSTATUS(system(cmd)), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(costs_valid_minimal),
		cmocka_unit_test(costs_invalid_named),
		cmocka_unit_test(costs_missing_file),
		cmocka_unit_test(costs_infeasible),
		cmocka_unit_test(limits_parse),
		cmocka_unit_test(plan_json_round_trip),
		cmocka_unit_test(costs_write_read),
		cmocka_unit_test(cli_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
