/* Refinement on a real SYN flood: every row the refined plan reports is an exact row, and
 * every exact row whose key was also reported in the windows of the refinement delay
 * before it is reported. */
#include <string.h>

#include "testutil.h"
#include "switch_util.h"

#define FLOOD "stopddos_pkt.TCP.synflood.spoofed.pcap"

/* "query start firstcol" of a logged row: the query, its window and its first key. */
static void row_key(const char *row, char *name, uint64_t *start, char *key)
{
	assert_int_equal(sscanf(row, "%63s %llu %255s", name, (unsigned long long *)start, key),
			 3);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* log must be sorted with cmp_line. */
static bool has_line(const struct rowlog *log, const char *line)
{
	return bsearch(&line, log->rows, log->n, sizeof(*log->rows), cmp_line) != NULL;
}

static bool has_row(const struct rowlog *log, const char *name, uint64_t start, const char *key)
{
	char prefix[512];
	size_t lo = 0, hi = log->n, len;

	len = (size_t)snprintf(prefix, sizeof(prefix), "%s %llu %s", name,
			       (unsigned long long)start, key);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(log->rows[mid], prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < log->n && !strncmp(log->rows[lo], prefix, len) &&
	       (log->rows[lo][len] == ' ' || log->rows[lo][len] == 0);
}

static void check_refined(const struct sn_query_set *set, const struct sn_plan *plan,
			  unsigned entries, uint64_t *filter_full, size_t *kept)
{
	const char *path = trace_path(FLOOD);
	struct rowlog want = { 0 }, got = { 0 };
	struct sn_dp_opts opts;
	struct sn_engine *eng;
	struct sn_dp_runner *dp;
	struct sn_dp_query_stats st;
	unsigned delay[16] = { 0 };
	size_t i, q;

	sn_dp_opts_default(&opts);
	opts.limits.stages = 32;
	opts.limits.tables_per_stage = 64;
	opts.limits.bits_per_stage = UINT64_MAX / 4;
	opts.limits.filter_entries = entries;
	assert_int_equal(sn_engine_new(&eng, set, NULL, rowlog_add, &want), 0);
	assert_int_equal(sn_dp_new(&dp, set, plan, &opts, rowlog_add, &got), 0);
	feed_file(path, eng, dp);
	qsort(want.rows, want.n, sizeof(*want.rows), cmp_line);
	qsort(got.rows, got.n, sizeof(*got.rows), cmp_line);
	for (q = 0; q < set->n && q < 16; q++) {
		sn_dp_query_stats(dp, q, &st);
		delay[q] = st.delay;
		*filter_full += st.filter_full;
	}
	/* Nothing false: each refined row is an exact row with the same values. */
	for (i = 0; i < got.n; i++)
		if (!has_line(&want, got.rows[i]))
			fail_msg("refined row not in the exact output: %s", got.rows[i]);
	/* Every attack that lasts through the delay is reported. */
	for (i = 0; i < want.n; i++) {
		char name[64], key[256];
		uint64_t start, w = 0;
		unsigned d, lasting = 1;

		row_key(want.rows[i], name, &start, key);
		for (q = 0; q < set->n; q++)
			if (!strcmp(set->queries[q].name, name))
				break;
		assert_true(q < set->n);
		w = set->queries[q].window_ns;
		for (d = 1; d <= delay[q]; d++)
			if (start < d * w || !has_row(&want, name, start - d * w, key))
				lasting = 0;
		if (!lasting)
			continue;
		if (!has_line(&got, want.rows[i]))
			fail_msg("lasting attack not reported: %s", want.rows[i]);
		(*kept)++;
	}
	sn_dp_free(dp);
	sn_engine_free(eng);
	rowlog_free(&want);
	rowlog_free(&got);
}

static const char flood_queries[] =
	"query ddos(threshold = 45, window = 1) {\n"
	"    packets | distinct ip.dst, ip.src | map ip.dst, sources = 1\n"
	"        | reduce sum(sources) by ip.dst | filter sources >= threshold\n"
	"}\n"
	"query syns(threshold = 40, window = 1) {\n"
	"    packets | filter tcp.flags & (SYN + ACK) == SYN | map ip.dst, n = 1\n"
	"        | reduce sum(n) by ip.dst | filter n >= threshold\n"
	"}\n"
	"query bytes(threshold = 100000, window = 1) {\n"
	"    packets | map ip.dst, b = ip.len | reduce sum(b) by ip.dst\n"
	"        | filter b >= threshold\n"
	"}\n";

/* Every spoofed source is reported, so a coarse level reports many prefixes. */
static const char spread_query[] =
	"query spread(threshold = 1, window = 1) {\n"
	"    packets | distinct ip.src, ip.dst | map ip.src, dsts = 1\n"
	"        | reduce sum(dsts) by ip.src | filter dsts >= threshold\n"
	"}\n";

static void load_text(struct sn_query_set *set, const char *text)
{
	char err[1024];

	if (sn_query_parse_text(set, "flood.sq", text, strlen(text), NULL, 0, err, sizeof(err)))
		fail_msg("%s", err);
}

static void load_flood(struct sn_query_set *set)
{
	load_text(set, flood_queries);
}

static void fixed_ref_flood(void **state)
{
	struct sn_query_set set = { 0 };
	struct sn_dp_opts opts;
	struct sn_plan plan;
	uint64_t full = 0;
	size_t kept = 0;

	load_flood(&set);
	sn_dp_opts_default(&opts);
	assert_int_equal(sn_dp_plan_mode(&set, &opts, SN_PLAN_FIXED_REF, &plan), 0);
	assert_int_equal(plan.query[0].nlevels, 4);
	check_refined(&set, &plan, 4096, &full, &kept);
	/* The flood on 10.10.10.10 fills 14 one-second windows, not all consecutive: the
	 * exact rows that outlast the delay of 3 windows, over the three queries. */
	assert_int_equal(kept, 14);
	assert_int_equal(full, 0);
	sn_plan_free(&plan);
	sn_query_set_free(&set);
}

/* One filter entry: a /8 level that reports more prefixes passes all traffic. */
static void tiny_filter_flood(void **state)
{
	struct sn_query_set set = { 0 };
	struct sn_dp_opts opts;
	struct sn_plan plan;
	uint64_t full = 0;
	size_t kept = 0;

	load_flood(&set);
	load_text(&set, spread_query);
	sn_dp_opts_default(&opts);
	assert_int_equal(sn_dp_plan_mode(&set, &opts, SN_PLAN_FIXED_REF, &plan), 0);
	check_refined(&set, &plan, 1, &full, &kept);
	/* The 14 rows above, plus spoofed sources seen in four windows in a row. */
	assert_true(kept >= 14);
	assert_true(full > 0);
	sn_plan_free(&plan);
	sn_query_set_free(&set);
}

/* Queries that are not monotone keep their finest level only. */
static void unsound_refuses(void **state)
{
	struct sn_query_set set = { 0 };
	enum sn_field_id key;
	char why[256];
	size_t q;

	load_bundled(&set);
	for (q = 0; q < set.n; q++) {
		const char *n = set.queries[q].name;
		int rc = sn_dp_refine_key(&set.queries[q], &key, why, sizeof(why));
		bool sound = !strcmp(n, "ddos") || !strcmp(n, "new_tcp_conns") ||
			     !strcmp(n, "port_scan") || !strcmp(n, "superspreader") ||
			     !strcmp(n, "ssh_brute_force") || !strcmp(n, "dns_reflection") ||
			     !strcmp(n, "dns_tunneling");

		if (sound != (rc == 0))
			fail_msg("query %s: refine_key returned %d (%s)", n, rc, why);
	}
	sn_query_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_ref_flood),
		cmocka_unit_test(tiny_filter_flood),
		cmocka_unit_test(unsound_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
