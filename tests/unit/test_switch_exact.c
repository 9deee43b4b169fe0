/* The switch model is exact: with max-dp (no refinement), every bundled query gives the
 * exact engine's rows on every real capture, with roomy and with tiny register arrays. */
#include <dirent.h>
#include <string.h>

#include "testutil.h"
#include "switch_util.h"

struct exact_case {
	uint32_t cells;
	unsigned probes;
	uint64_t overflow;	/* summed over queries and captures */
	uint64_t tuples_sp;
	uint64_t tables;
};

static void run_capture(const char *path, const struct sn_query_set *set,
			struct exact_case *c)
{
	struct rowlog want = { 0 }, got = { 0 };
	struct sn_dp_opts opts;
	struct sn_plan plan;
	struct sn_engine *eng;
	struct sn_dp_runner *dp;
	size_t q;

	sn_dp_opts_default(&opts);
	opts.limits.stages = 32;
	opts.limits.tables_per_stage = 64;
	opts.limits.bits_per_stage = UINT64_MAX / 4;
	opts.limits.metadata_bits = 1u << 30;
	opts.cells = c->cells;
	opts.min_cells = 1;
	opts.probes = c->probes;
	assert_int_equal(sn_dp_plan_mode(set, &opts, SN_PLAN_MAX_DP, &plan), 0);
	assert_int_equal(sn_engine_new(&eng, set, NULL, rowlog_add, &want), 0);
	assert_int_equal(sn_dp_new(&dp, set, &plan, &opts, rowlog_add, &got), 0);
	feed_file(path, eng, dp);
	assert_same_rows(&want, &got, path);
	for (q = 0; q < set->n; q++) {
		struct sn_dp_query_stats st;

		sn_dp_query_stats(dp, q, &st);
		c->overflow += st.overflow;
		c->tuples_sp += st.tuples_sp;
		c->tables += st.tables;
		assert_int_equal(st.delay, 0);
	}
	sn_dp_free(dp);
	sn_engine_free(eng);
	sn_plan_free(&plan);
	rowlog_free(&want);
	rowlog_free(&got);
}

static void run_all_traces(struct exact_case *c)
{
	struct sn_query_set set = { 0 };
	char dir[4096], path[4096 + 256];
	struct dirent *de;
	size_t files = 0;
	DIR *d;

	load_bundled(&set);
	assert_int_equal(set.n, 11);
	snprintf(dir, sizeof(dir), "%s", trace_path(""));
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');

		if (!dot || (strcmp(dot, ".pcap") && strcmp(dot, ".pcapng")))
			continue;
		snprintf(path, sizeof(path), "%s%s", dir, de->d_name);
		run_capture(path, &set, c);
		files++;
	}
	closedir(d);
	assert_true(files >= 16);
	sn_query_set_free(&set);
}

static void maxdp_roomy(void **state)
{
	struct exact_case c = { .cells = 16384, .probes = 16 };

	run_all_traces(&c);
	/* Every query but zorro's second stream has switch tables. */
	assert_true(c.tables > 0);
	assert_true(c.tuples_sp > 0);
}

static void maxdp_tiny_registers(void **state)
{
	struct exact_case c = { .cells = 8, .probes = 2 };

	run_all_traces(&c);
	/* Eight cells cannot hold a window of keys: overflow carries the rest. */
	assert_true(c.overflow > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(maxdp_roomy),
		cmocka_unit_test(maxdp_tiny_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
