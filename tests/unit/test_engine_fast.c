/* Engine fast paths: shared filters, shared distinct tables and the profile must
 * give the rows of the general path, on a real capture. */
#include <string.h>

#include "testutil.h"
#include "sonata/capture.h"
#include "sonata/decode.h"
#include "sonata/engine.h"
#include "sonata/output.h"

#define TRACE "stopddos_pkt.TCP.synflood.spoofed.pcap"

struct out {
	char *text;
	size_t len;
	FILE *f;
	const char *only; /* keep the rows of this query only */
};

static void collect(const struct sn_row *row, void *arg)
{
	struct out *o = arg;

	if (o->only && strcmp(row->query->name, o->only))
		return;
	assert_int_equal(sn_json_write_row(o->f, row), 0);
}

/* Run the queries of text over the trace; returns the rows of query `only`
 * (all when NULL) as JSON lines, and the stats of query `stat_q`. */
static char *run(const char *text, const char *only, const struct sn_engine_opts *opts,
		 size_t stat_q, struct sn_query_stats *st)
{
	const char *path = trace_path(TRACE);
	struct sn_query_set set = { 0 };
	struct out o = { .only = only };
	struct sn_decoder dec;
	struct sn_engine *eng;
	struct sn_source *src;
	struct sn_packet pkt;
	char err[1024];
	int ret;

	assert_int_equal(sn_query_parse_text(&set, "t.sq", text, strlen(text), NULL, 0, err,
					     sizeof(err)), 0);
	o.f = open_memstream(&o.text, &o.len);
	assert_non_null(o.f);
	assert_int_equal(sn_engine_new(&eng, &set, opts, collect, &o), 0);
	assert_int_equal(sn_decoder_init(&dec, NULL), 0);
	assert_int_equal(sn_source_open_files(&src, &path, 1, NULL), 0);
	memset(&pkt, 0, sizeof(pkt));
	while ((ret = sn_source_next(src, &pkt)) == 1) {
		sn_decode(&dec, &pkt);
		assert_int_equal(sn_engine_packet(eng, &pkt), 0);
	}
	assert_int_equal(ret, 0);
	sn_engine_flush(eng);
	if (st)
		sn_engine_query_stats(eng, stat_q, st);
	sn_source_close(src);
	sn_decoder_free(&dec);
	sn_engine_free(eng);
	sn_query_set_free(&set);
	fclose(o.f);
	return o.text;
}

/* Same key set in two orders, same window: the second shares the first's lookups. */
#define DDOS "query fan_in(window = 1) {\n" \
	"    packets | distinct ip.dst, ip.src | map ip.dst, n = 1 | reduce sum(n) by ip.dst\n" \
	"        | filter n >= 100\n}\n"
#define SPREAD "query fan_out(window = 1) {\n" \
	"    packets | distinct ip.src, ip.dst | map ip.src, n = 1 | reduce sum(n) by ip.src\n}\n"

static void check_shared(size_t max_keys)
{
	struct sn_engine_opts opts = { .max_keys = max_keys };
	struct sn_query_stats st_alone, st_both;
	char *in_alone = run(DDOS, NULL, &opts, 0, NULL);
	char *out_alone = run(SPREAD, NULL, &opts, 0, &st_alone);
	char *in_both = run(DDOS SPREAD, "fan_in", &opts, 0, NULL);
	char *out_both = run(DDOS SPREAD, "fan_out", &opts, 1, &st_both);

	assert_true(strlen(in_alone) > 0);
	assert_true(strlen(out_alone) > 0);
	assert_string_equal(in_both, in_alone);
	assert_string_equal(out_both, out_alone);
	assert_int_equal(st_both.rows_out, st_alone.rows_out);
	assert_int_equal(st_both.incomplete_windows, st_alone.incomplete_windows);
	if (max_keys)
		assert_true(st_both.incomplete_windows > 0);
	free(in_alone);
	free(out_alone);
	free(in_both);
	free(out_both);
}

static void shared_distinct(void **state)
{
	check_shared(0);
}

/* With a key limit the follower runs out of room first (its reduce keeps one
 * key per source); its rows must still be those it gives alone. */
static void shared_distinct_limited(void **state)
{
	check_shared(3000);
}

#define SYNS(name, test) "query " name "(window = 1) {\n    packets | filter " test "\n" \
	"        | map ip.dst, syns = 1 | reduce sum(syns) by ip.dst\n}\n"

/* The same test written as constants to fold, as a bare mask, and through
 * logic operators that keep the general evaluator. */
static void filter_forms(void **state)
{
	char *folded = run(SYNS("a", "tcp.flags & (SYN + ACK) == SYN"), NULL, NULL, 0, NULL);
	char *plain = run(SYNS("a", "tcp.flags & 18 == 2"), NULL, NULL, 0, NULL);
	char *logic = run(SYNS("a", "not (tcp.flags & ACK) and (tcp.flags & SYN) != 0"), NULL,
			  NULL, 0, NULL);
	char *prefix = run(SYNS("a", "ip.dst in 10.10.10.10/32 and tcp.flags & 18 == 2"), NULL,
			   NULL, 0, NULL);

	assert_true(strlen(folded) > 0);
	assert_non_null(strstr(folded, "\"syns\":"));
	assert_string_equal(plain, folded);
	assert_string_equal(logic, folded);
	assert_string_equal(prefix, folded);
	free(folded);
	free(plain);
	free(logic);
	free(prefix);
}

/* Comparisons on header fields are decided by a table (one-byte fields) or a
 * range test (the others), while `not (not ...)` keeps the general evaluator.
 * Both must agree for every operator at the edges of each field's values. */
static void flat_ranges(void **state)
{
	static const char *const fields[] = { "tcp.sport", "ip.proto", "tcp.flags & 18" };
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	static const char *const consts[] = {
		"0", "1", "2", "6", "255", "256", "1024", "65535", "65536", "18446744073709551615",
	};
	char flat[256], general[256];
	size_t f, o, k, nonempty = 0;

	for (f = 0; f < 3; f++) {
		for (o = 0; o < 6; o++) {
			for (k = 0; k < 10; k++) {
				char *a, *b;

				snprintf(flat, sizeof(flat), SYNS("a", "%s %s %s"), fields[f],
					 ops[o], consts[k]);
				snprintf(general, sizeof(general), SYNS("a", "not (not (%s %s %s))"),
					 fields[f], ops[o], consts[k]);
				a = run(flat, NULL, NULL, 0, NULL);
				b = run(general, NULL, NULL, 0, NULL);
				if (strcmp(a, b))
					fail_msg("%s %s %s: flat and general filters differ", fields[f],
						 ops[o], consts[k]);
				nonempty += a[0] != '\0';
				free(a);
				free(b);
			}
		}
	}
	/* Some tests pass packets and some pass none. */
	assert_true(nonempty > 20);
	assert_true(nonempty < 180);
}

/* Two queries sharing a filter conjunct each count what they count alone. */
static void shared_conjunct(void **state)
{
	char *alone = run(SYNS("a", "ip.proto == 6 and tcp.flags & 18 == 2"), NULL, NULL, 0,
			  NULL);
	char *both = run(SYNS("a", "ip.proto == 6 and tcp.flags & 18 == 2")
			 SYNS("b", "ip.proto == 6 and tcp.flags & 18 == 16"), "a", NULL, 0, NULL);

	assert_true(strlen(alone) > 0);
	assert_string_equal(both, alone);
	free(alone);
	free(both);
}

/* map | reduce packs IPv4 keys in a compact table until the window closes; a
 * filter between them keeps the general path. Both give the same rows, with
 * every kind of aggregate and with a key limit that cuts keys off. */
#define AGGS(between) "query a(window = 1) {\n    packets | filter ip.proto == 6\n" \
	"        | map ip.src, tcp.sport, len = ip.len" between "\n" \
	"        | reduce total = sum(len), small = min(len), big = max(len), n = count()\n" \
	"          by ip.src, tcp.sport\n}\n"

static void check_packed_reduce(size_t max_keys)
{
	struct sn_engine_opts opts = { .max_keys = max_keys };
	struct sn_query_stats st_fast, st_slow;
	char *fast = run(AGGS(""), NULL, &opts, 0, &st_fast);
	char *slow = run(AGGS(" | filter len > 0"), NULL, &opts, 0, &st_slow);

	assert_true(strlen(fast) > 0);
	assert_non_null(strstr(fast, "\"small\":"));
	assert_string_equal(fast, slow);
	assert_int_equal(st_fast.peak_keys, st_slow.peak_keys);
	assert_int_equal(st_fast.incomplete_windows, st_slow.incomplete_windows);
	if (max_keys)
		assert_true(st_fast.incomplete_windows > 0);
	free(fast);
	free(slow);
}

static void packed_reduce(void **state)
{
	check_packed_reduce(0);
}

static void packed_reduce_limited(void **state)
{
	check_packed_reduce(500);
}

/* Profiling changes no row, and asking about what does not exist gives 0. */
static void profile_rows(void **state)
{
	struct sn_engine_opts opts = { .profile = true };
	struct sn_query_stats st_plain, st_prof;
	char *plain = run(DDOS SPREAD, NULL, NULL, 0, &st_plain);
	char *prof = run(DDOS SPREAD, NULL, &opts, 0, &st_prof);

	assert_string_equal(prof, plain);
	assert_int_equal(st_prof.tuples_in, st_plain.tuples_in);
	assert_int_equal(st_prof.windows, st_plain.windows);
	free(plain);
	free(prof);
}

static void profile_bounds(void **state)
{
	struct sn_engine_opts opts = { .profile = true };
	struct sn_query_set set = { 0 };
	struct sn_query_profile p;
	struct sn_engine *eng;
	char err[1024];

	assert_int_equal(sn_query_parse_text(&set, "t.sq", DDOS, strlen(DDOS), NULL, 0, err,
					     sizeof(err)), 0);
	assert_int_equal(sn_engine_new(&eng, &set, &opts, NULL, NULL), 0);
	sn_engine_query_profile(eng, 5, &p);
	assert_int_equal(p.packet_ns, 0);
	assert_int_equal(p.close_ns, 0);
	assert_int_equal(sn_engine_op_profile(eng, 0, 0, 99), 0);
	assert_int_equal(sn_engine_op_profile(eng, 0, 7, 0), 0);
	assert_int_equal(sn_engine_op_profile(eng, 3, 0, 0), 0);
	sn_engine_free(eng);
	sn_query_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shared_distinct),
		cmocka_unit_test(shared_distinct_limited),
		cmocka_unit_test(filter_forms),
		cmocka_unit_test(flat_ranges),
		cmocka_unit_test(shared_conjunct),
		cmocka_unit_test(packed_reduce),
		cmocka_unit_test(packed_reduce_limited),
		cmocka_unit_test(profile_rows),
		cmocka_unit_test(profile_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
