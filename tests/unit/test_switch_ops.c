/* Data-plane building blocks: register probing, threshold crossing, window reset, the LPM
 * filter and what the partitioner refuses. */
#include <errno.h>
#include <string.h>

#include "testutil.h"
#include "sonata/dataplane.h"
#include "dataplane/dp_int.h"

static struct sn_value u(uint64_t v)
{
	struct sn_value x = { .type = SN_T_UINT, .u = v };

	return x;
}

static void regs_probe_overflow(void **state)
{
	struct dp_regs r;
	struct sn_value k;
	uint64_t *val;
	unsigned i, inserted = 0, overflow = 0;

	assert_int_equal(dp_regs_init(&r, 1, 4, 4), 0);
	for (i = 0; i < 6; i++) {
		k = u(i);
		enum dp_lookup l = dp_regs_lookup(&r, &k, &val);

		inserted += l == DP_INSERTED;
		overflow += l == DP_OVERFLOW;
	}
	/* Four cells, four probes: the first four keys fit, the rest overflow. */
	assert_int_equal(inserted, 4);
	assert_int_equal(overflow, 2);
	k = u(2);
	assert_int_equal(dp_regs_lookup(&r, &k, &val), DP_FOUND);
	dp_regs_clear(&r);
	assert_int_equal(r.n_used, 0);
	k = u(5);
	assert_int_equal(dp_regs_lookup(&r, &k, &val), DP_INSERTED);
	dp_regs_free(&r);
}

static struct sn_query_set parse(const char *text)
{
	struct sn_query_set set = { 0 };
	char err[1024];

	if (sn_query_parse_text(&set, "t.sq", text, strlen(text), NULL, 0, err, sizeof(err)))
		fail_msg("%s", err);
	return set;
}

static const char bytes_q[] =
	"query b(window = 1) {\n"
	"    packets | map ip.dst, b = ip.len | reduce sum(b) by ip.dst | filter b >= 100\n"
	"}\n";

/* Byte sums jump over the threshold: old < T <= new reports the whole value, then every
 * increment, so the sum of the reports is the total. */
static void reduce_threshold_bytes(void **state)
{
	struct sn_query_set set = parse(bytes_q);
	const struct sn_stream *st = &set.queries[0].streams[0];
	struct dp_op o;
	struct sn_value in[2];
	static const uint64_t lens[] = { 60, 30, 60, 40 };
	static const int verdict[] = { DP_DROP, DP_DROP, DP_REPORT, DP_REPORT };
	static const uint64_t sent[] = { 0, 0, 150, 40 };
	size_t i;

	assert_int_equal(st->n_ops, 3);
	assert_int_equal(dp_op_init(&o, &st->ops[1], &st->ops[2], 2, 16, 4), 0);
	assert_true(o.fused);
	assert_int_equal(o.threshold, 100);
	assert_int_equal(sn_addr_parse("10.0.0.1", &in[0].addr), 0);
	in[0].type = SN_T_ADDR;
	for (i = 0; i < 4; i++) {
		in[1] = u(lens[i]);
		assert_int_equal(dp_op_run(&o, NULL, in), verdict[i]);
		if (verdict[i] == DP_REPORT)
			assert_int_equal(o.out[1].u, sent[i]);
	}
	/* Window reset: the key starts again below the threshold. */
	dp_op_reset(&o);
	in[1] = u(99);
	assert_int_equal(dp_op_run(&o, NULL, in), DP_DROP);
	in[1] = u(1);
	assert_int_equal(dp_op_run(&o, NULL, in), DP_REPORT);
	assert_int_equal(o.out[1].u, 100);
	dp_op_free(&o);
	sn_query_set_free(&set);
}

static const char distinct_q[] =
	"query d(window = 1) {\n"
	"    packets | map ip.dst, ip.src | distinct ip.dst, ip.src\n"
	"        | map ip.dst, n = 1 | reduce sum(n) by ip.dst\n"
	"}\n";

static void distinct_first_sighting(void **state)
{
	struct sn_query_set set = parse(distinct_q);
	const struct sn_stream *st = &set.queries[0].streams[0];
	struct sn_value in[2];
	struct dp_op o;

	assert_int_equal(dp_op_init(&o, &st->ops[1], &st->ops[2], 2, 2, 1), 0);
	in[0].type = in[1].type = SN_T_ADDR;
	assert_int_equal(sn_addr_parse("10.0.0.1", &in[0].addr), 0);
	assert_int_equal(sn_addr_parse("10.0.0.2", &in[1].addr), 0);
	assert_int_equal(dp_op_run(&o, NULL, in), DP_PASS);
	assert_int_equal(dp_op_run(&o, NULL, in), DP_DROP);
	dp_op_free(&o);
	sn_query_set_free(&set);
}

static void lpm_longest(void **state)
{
	struct sn_lpm t;
	struct sn_addr a;

	sn_lpm_init(&t, 3);
	assert_int_equal(sn_addr_parse("10.0.0.0", &a), 0);
	assert_int_equal(sn_lpm_add(&t, &a, 8), 0);
	assert_int_equal(sn_addr_parse("10.1.0.0", &a), 0);
	assert_int_equal(sn_lpm_add(&t, &a, 16), 0);
	assert_int_equal(sn_lpm_add(&t, &a, 16), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(sn_addr_parse("10.1.2.3", &a), 0);
	assert_int_equal(sn_lpm_lookup(&t, &a), 16);
	assert_int_equal(sn_addr_parse("10.2.2.3", &a), 0);
	assert_int_equal(sn_lpm_lookup(&t, &a), 8);
	assert_int_equal(sn_addr_parse("11.2.2.3", &a), 0);
	assert_int_equal(sn_lpm_lookup(&t, &a), -1);
	assert_int_equal(sn_lpm_add(&t, &a, 24), 0);
	assert_int_equal(sn_addr_parse("12.0.0.0", &a), 0);
	assert_int_equal(sn_lpm_add(&t, &a, 24), -ENOSPC);
	assert_true(t.full);
	sn_lpm_free(&t);
}

static void partition_refuses(void **state)
{
	struct sn_query_set set = { 0 };
	char err[1024];
	size_t i;

	for (i = 0; i < 2; i++) {
		static const char *const files[] = { "queries/dns_tunneling.sq",
						     "queries/zorro.sq" };

		if (sn_query_parse_file(&set, files[i], NULL, 0, err, sizeof(err)))
			fail_msg("%s", err);
	}
	/* len(dns.qname) never goes to the switch: nothing runs there. */
	assert_false(sn_dp_op_ok(&set.queries[0], 0, 0));
	assert_int_equal(sn_dp_cut(&set.queries[0], 0, 8, true), 0);
	/* zorro: previous() and contains stop its second stream at once. */
	assert_int_equal(sn_dp_cut(&set.queries[1], 1, 8, true), 0);
	/* Its first stream: filter, map, reduce and the threshold filter. */
	assert_int_equal(sn_dp_cut(&set.queries[1], 0, 8, true), 4);
	assert_int_equal(sn_dp_cut(&set.queries[1], 0, 0, true), 2);
	assert_int_equal(sn_dp_cut(&set.queries[1], 0, 8, false), 0);
	sn_query_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(regs_probe_overflow),
		cmocka_unit_test(reduce_threshold_bytes),
		cmocka_unit_test(distinct_first_sighting),
		cmocka_unit_test(lpm_longest),
		cmocka_unit_test(partition_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
