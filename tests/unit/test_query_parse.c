/* Query parser: IR shape, types, roles, schemas, defines and format round trips. */
#include <errno.h>
#include <string.h>

#include "testutil.h"

#include "sonata/query.h"

static char err[4096];

/* Parse text into set and fail the test with the message on error. */
static void parse_ok(struct sn_query_set *set, const char *text, const struct sn_define *defs,
		     size_t n_defs)
{
	int rc = sn_query_parse_text(set, "t.sq", text, strlen(text), defs, n_defs, err,
				     sizeof(err));

	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
}

static const struct sn_query *one_query(struct sn_query_set *set, const char *text)
{
	memset(set, 0, sizeof(*set));
	parse_ok(set, text, NULL, 0);
	assert_int_equal(set->n, 1);
	return &set->queries[0];
}

/* The predicate of `packets | filter PRED | map ip.dst`. */
static const struct sn_expr *pred_of(struct sn_query_set *set, const char *pred)
{
	char text[1024];
	const struct sn_query *q;

	snprintf(text, sizeof(text), "query t() { packets | filter %s | map ip.dst }", pred);
	q = one_query(set, text);
	assert_int_equal(q->n_streams, 1);
	assert_int_equal(q->streams[0].n_ops, 2);
	assert_int_equal(q->streams[0].ops[0].kind, SN_OP_FILTER);
	return q->streams[0].ops[0].pred;
}

/* format -> parse -> format must give the same text. */
static void assert_round_trip(const struct sn_query_set *set)
{
	char a[8192], b[8192];
	size_t i;

	for (i = 0; i < set->n; i++) {
		struct sn_query_set again = { 0 };
		int n = sn_query_format(&set->queries[i], a, sizeof(a));

		assert_true(n > 0);
		parse_ok(&again, a, NULL, 0);
		assert_int_equal(again.n, 1);
		assert_true(sn_query_format(&again.queries[0], b, sizeof(b)) > 0);
		assert_string_equal(a, b);
		sn_query_set_free(&again);
	}
}

static const char syn_flood[] =
	"# syn_flood: hosts with many half-open connections.\n"
	"query syn_flood(threshold = 40, window = 3) {\n"
	"    let syns = packets\n"
	"        | filter tcp.flags & (SYN + ACK) == SYN\n"
	"        | map host = ip.dst, syns = 1\n"
	"        | reduce sum(syns) by host;\n"
	"    let synacks = packets\n"
	"        | filter tcp.flags & (SYN + ACK) == SYN + ACK\n"
	"        | map host = ip.src, synacks = 1\n"
	"        | reduce sum(synacks) by host;\n"
	"    let acks = packets\n"
	"        | filter tcp.flags & (SYN + ACK + RST + FIN) == ACK\n"
	"        | map host = ip.dst, acks = 1\n"
	"        | reduce sum(acks) by host;\n"
	"    syns left join synacks on host\n"
	"        | left join acks on host\n"
	"        | map host, half_open = syns + synacks - acks\n"
	"        | filter half_open >= threshold\n"
	"}\n"
	"\n"
	"query zorro(threshold = 40, window = 3) {\n"
	"    let brute = packets\n"
	"        | filter tcp.dport == 23\n"
	"        | distinct ip.dst, ip.src, ip.len\n"
	"        | map ip.dst, ip.len, count = 1\n"
	"        | reduce sum(count) by ip.dst, ip.len\n"
	"        | filter count >= threshold\n"
	"        | distinct ip.dst;\n"
	"    packets\n"
	"        | filter ip.dst in previous(brute) and payload contains \"zorro\"\n"
	"        | map ip.dst, count = 1\n"
	"        | reduce sum(count) by ip.dst\n"
	"}\n";

static void spec_joins(void **state)
{
	struct sn_query_set set = { 0 };
	const struct sn_query *q;
	const struct sn_stream *st;
	const struct sn_schema *out;

	parse_ok(&set, syn_flood, NULL, 0);
	assert_int_equal(set.n, 2);
	q = &set.queries[0];
	assert_string_equal(q->name, "syn_flood");
	assert_string_equal(q->file, "t.sq");
	assert_int_equal(q->line, 2);
	assert_int_equal(q->window_ns, 3000000000ULL);
	assert_int_equal(q->n_streams, 5);
	assert_string_equal(q->streams[0].name, "syns");
	assert_int_equal(q->streams[0].source, SN_SRC_PACKETS);
	assert_int_equal(q->streams[0].in.n, 0);
	/* The first join is a stream of its own, then joined with acks. */
	st = &q->streams[3];
	assert_int_equal(st->source, SN_SRC_JOIN);
	assert_int_equal(st->join, SN_JOIN_LEFT);
	assert_int_equal(st->left, 0);
	assert_int_equal(st->right, 1);
	assert_int_equal(st->n_join_keys, 1);
	assert_int_equal(st->left_keys[0], 0);
	assert_int_equal(st->right_keys[0], 0);
	assert_int_equal(st->in.n, 3);
	assert_string_equal(st->in.cols[0].name, "host");
	assert_true(st->in.cols[0].is_key);
	assert_string_equal(st->in.cols[1].name, "syns");
	assert_false(st->in.cols[1].is_key);
	assert_string_equal(st->in.cols[2].name, "synacks");
	st = &q->streams[4];
	assert_string_equal(st->name, "syn_flood");
	assert_int_equal(st->source, SN_SRC_JOIN);
	assert_int_equal(st->left, 3);
	assert_int_equal(st->right, 2);
	assert_int_equal(st->in.n, 4);
	assert_string_equal(st->in.cols[3].name, "acks");
	assert_int_equal(st->n_ops, 2);
	out = &st->ops[1].out;
	assert_int_equal(out->n, 2);
	assert_string_equal(out->cols[0].name, "host");
	assert_int_equal(out->cols[0].type, SN_T_ADDR);
	assert_true(out->cols[0].is_key);
	assert_string_equal(out->cols[1].name, "half_open");
	assert_int_equal(out->cols[1].type, SN_T_UINT);
	assert_false(out->cols[1].is_key);
	/* threshold is a constant */
	assert_int_equal(st->ops[1].pred->b->kind, SN_EX_CONST);
	assert_int_equal(st->ops[1].pred->b->value.u, 40);
	assert_round_trip(&set);
	sn_query_set_free(&set);
}

static void spec_previous(void **state)
{
	struct sn_query_set set = { 0 };
	const struct sn_query *q;
	const struct sn_expr *pred;

	parse_ok(&set, syn_flood, NULL, 0);
	q = &set.queries[1];
	assert_int_equal(q->n_streams, 2);
	assert_string_equal(q->streams[0].name, "brute");
	assert_int_equal(q->streams[0].n_ops, 6);
	assert_int_equal(q->streams[0].ops[5].kind, SN_OP_DISTINCT);
	pred = q->streams[1].ops[0].pred;
	assert_int_equal(pred->kind, SN_EX_BINARY);
	assert_int_equal(pred->op, SN_BIN_AND);
	assert_int_equal(pred->a->kind, SN_EX_IN_PREV);
	assert_int_equal(pred->a->stream, 0);
	assert_int_equal(pred->a->a->kind, SN_EX_FIELD);
	assert_int_equal(pred->a->a->field, SN_F_IP_DST);
	assert_int_equal(pred->b->kind, SN_EX_CONTAINS);
	assert_int_equal(pred->b->a->field, SN_F_PAYLOAD);
	assert_int_equal(pred->b->value.s.len, 5);
	assert_memory_equal(pred->b->value.s.ptr, "zorro", 5);
	assert_int_equal(pred->line, 30);
	assert_int_equal(pred->column, 18);
	sn_query_set_free(&set);
}

static void ops_each_kind(void **state)
{
	struct sn_query_set set;
	const struct sn_query *q = one_query(&set,
		"query t() {\n"
		"  packets\n"
		"  | filter ip.proto == 6\n"
		"  | map ip.dst, ip.src, n = ip.len * 2\n"
		"  | distinct ip.dst, n\n"
		"  | reduce total = sum(n), c = count(), lo = min(n), max(n) by ip.dst\n"
		"}\n");
	const struct sn_stream *st = &q->streams[0];
	const struct sn_op *op;

	assert_int_equal(st->n_ops, 4);
	assert_int_equal(st->ops[0].kind, SN_OP_FILTER);
	assert_int_equal(st->ops[0].out.n, 0);
	assert_int_equal(st->ops[0].line, 3);
	assert_int_equal(st->ops[0].column, 5);
	op = &st->ops[1];
	assert_int_equal(op->kind, SN_OP_MAP);
	assert_int_equal(op->n_exprs, 3);
	assert_int_equal(op->out.n, 3);
	assert_true(op->out.cols[0].is_key);
	assert_true(op->out.cols[1].is_key);
	assert_false(op->out.cols[2].is_key);
	assert_int_equal(op->exprs[2]->kind, SN_EX_BINARY);
	op = &st->ops[2];
	assert_int_equal(op->kind, SN_OP_DISTINCT);
	assert_int_equal(op->exprs[1]->kind, SN_EX_COL);
	assert_int_equal(op->exprs[1]->col, 2);
	assert_true(op->out.cols[1].is_key);
	op = &st->ops[3];
	assert_int_equal(op->kind, SN_OP_REDUCE);
	assert_int_equal(op->n_exprs, 1);
	assert_int_equal(op->n_aggs, 4);
	assert_int_equal(op->aggs[0], SN_AGG_SUM);
	assert_int_equal(op->aggs[1], SN_AGG_COUNT);
	assert_null(op->agg_args[1]);
	assert_int_equal(op->aggs[2], SN_AGG_MIN);
	assert_int_equal(op->aggs[3], SN_AGG_MAX);
	assert_int_equal(op->out.n, 5);
	assert_string_equal(op->out.cols[0].name, "ip.dst");
	assert_true(op->out.cols[0].is_key);
	assert_string_equal(op->out.cols[1].name, "total");
	assert_string_equal(op->out.cols[2].name, "c");
	assert_string_equal(op->out.cols[3].name, "lo");
	assert_string_equal(op->out.cols[4].name, "n");
	assert_false(op->out.cols[4].is_key);
	assert_round_trip(&set);
	sn_query_set_free(&set);
}

static void distinct_all_columns(void **state)
{
	struct sn_query_set set;
	const struct sn_query *q = one_query(&set,
		"query t() { packets | map ip.dst, n = 1 | distinct | where n > 0 }");
	const struct sn_op *op = &q->streams[0].ops[1];

	assert_int_equal(op->kind, SN_OP_DISTINCT);
	assert_int_equal(op->n_exprs, 2);
	assert_true(op->out.cols[0].is_key);
	assert_true(op->out.cols[1].is_key);
	assert_int_equal(q->streams[0].ops[2].kind, SN_OP_FILTER);
	sn_query_set_free(&set);
}

static void precedence_levels(void **state)
{
	struct sn_query_set set;
	const struct sn_expr *e;

	/* or < and < not < comparison */
	e = pred_of(&set, "ip.len == 1 or not ip.len == 2 and ip.ttl > 3");
	assert_int_equal(e->op, SN_BIN_OR);
	assert_int_equal(e->a->op, SN_BIN_EQ);
	assert_int_equal(e->b->op, SN_BIN_AND);
	assert_int_equal(e->b->a->kind, SN_EX_NOT);
	assert_int_equal(e->b->a->a->op, SN_BIN_EQ);
	sn_query_set_free(&set);

	/* comparison < + < * < & < unary minus */
	e = pred_of(&set, "1 + 2 * 3 & -4 == 5");
	assert_int_equal(e->op, SN_BIN_EQ);
	assert_int_equal(e->a->op, SN_BIN_ADD);
	assert_int_equal(e->a->b->op, SN_BIN_MUL);
	assert_int_equal(e->a->b->b->op, SN_BIN_AND_BITS);
	assert_int_equal(e->a->b->b->b->kind, SN_EX_NEG);
	sn_query_set_free(&set);

	/* left associativity and parentheses */
	e = pred_of(&set, "10 - 2 - 3 == (10 - (2 - 3))");
	assert_int_equal(e->a->op, SN_BIN_SUB);
	assert_int_equal(e->a->a->op, SN_BIN_SUB);
	assert_int_equal(e->b->b->op, SN_BIN_SUB);
	assert_int_equal(e->b->b->kind, SN_EX_BINARY);
	sn_query_set_free(&set);

	/* in and contains bind tighter than comparison */
	e = pred_of(&set, "ip.dst in 10.0.0.0/8 == payload contains \"x\"");
	assert_int_equal(e->op, SN_BIN_EQ);
	assert_int_equal(e->a->kind, SN_EX_IN_PREFIX);
	assert_int_equal(e->b->kind, SN_EX_CONTAINS);
	assert_int_equal(e->type, SN_T_UINT);
	sn_query_set_free(&set);
}

static void prefix_v4_v6(void **state)
{
	struct sn_query_set set;
	const struct sn_expr *e;

	e = pred_of(&set, "ip.src in 10.1.2.3/8");
	assert_int_equal(e->kind, SN_EX_IN_PREFIX);
	assert_int_equal(e->bits, 8);
	assert_int_equal(e->value.type, SN_T_ADDR);
	assert_int_equal(e->value.addr.family, 4);
	assert_int_equal(e->value.addr.bytes[0], 10);
	assert_int_equal(e->value.addr.bytes[1], 0); /* masked to the prefix */
	sn_query_set_free(&set);

	e = pred_of(&set, "ip.src in 2001:db8::/32");
	assert_int_equal(e->bits, 32);
	assert_int_equal(e->value.addr.family, 6);
	assert_int_equal(e->value.addr.bytes[0], 0x20);
	assert_int_equal(e->value.addr.bytes[3], 0xb8);
	sn_query_set_free(&set);

	e = pred_of(&set, "ip.dst == ::1");
	assert_int_equal(e->b->kind, SN_EX_CONST);
	assert_int_equal(e->b->value.addr.family, 6);
	assert_int_equal(e->b->value.addr.bytes[15], 1);
	sn_query_set_free(&set);

	e = pred_of(&set, "ip.dst in 192.168.1.7");
	assert_int_equal(e->bits, 32);
	sn_query_set_free(&set);
}

static void mask_column_name(void **state)
{
	struct sn_query_set set;
	const struct sn_query *q = one_query(&set,
		"query t() { packets | map ip.dst/24, ipv6.src/64 | reduce count() by ip.dst }");
	const struct sn_op *op = &q->streams[0].ops[0];

	assert_int_equal(op->exprs[0]->kind, SN_EX_MASK);
	assert_int_equal(op->exprs[0]->bits, 24);
	assert_int_equal(op->exprs[0]->type, SN_T_ADDR);
	assert_string_equal(op->out.cols[0].name, "ip.dst");
	assert_true(op->out.cols[0].is_key);
	assert_string_equal(op->out.cols[1].name, "ipv6.src");
	assert_int_equal(op->exprs[1]->bits, 64);
	assert_string_equal(q->streams[0].ops[1].out.cols[1].name, "count");
	assert_round_trip(&set);
	sn_query_set_free(&set);
}

static void hex_numbers(void **state)
{
	struct sn_query_set set;
	const struct sn_expr *e;

	e = pred_of(&set, "tcp.flags == 0x1F");
	assert_int_equal(e->b->value.u, 31);
	sn_query_set_free(&set);
	e = pred_of(&set, "tcp.seq != 0xffffffffffffffff");
	assert_true(e->b->value.u == UINT64_MAX);
	sn_query_set_free(&set);
	e = pred_of(&set, "tcp.seq != 18446744073709551615");
	assert_true(e->b->value.u == UINT64_MAX);
	sn_query_set_free(&set);
}

static void flag_constants(void **state)
{
	static const struct {
		const char *name;
		uint64_t bit;
	} flags[] = {
		{ "FIN", 1 }, { "SYN", 2 }, { "RST", 4 }, { "PSH", 8 },
		{ "ACK", 16 }, { "URG", 32 }, { "ECE", 64 }, { "CWR", 128 },
	};
	struct sn_query_set set;
	char pred[64];
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const struct sn_expr *e;

		snprintf(pred, sizeof(pred), "tcp.flags & %s", flags[i].name);
		e = pred_of(&set, pred);
		assert_int_equal(e->op, SN_BIN_AND_BITS);
		assert_int_equal(e->b->kind, SN_EX_CONST);
		assert_int_equal(e->b->value.u, flags[i].bit);
		sn_query_set_free(&set);
	}
}

static void alias_fields(void **state)
{
	struct sn_query_set set;
	const struct sn_query *q = one_query(&set,
		"query t() { packets | map ipv4.srcIP, n = 1 | reduce sum(n) by ipv4.src }");
	const struct sn_op *op = &q->streams[0].ops[0];

	assert_int_equal(op->exprs[0]->kind, SN_EX_FIELD);
	assert_int_equal(op->exprs[0]->field, SN_F_IPV4_SRC);
	assert_string_equal(op->out.cols[0].name, "ipv4.srcIP");
	/* The canonical name finds the column named after the alias. */
	op = &q->streams[0].ops[1];
	assert_int_equal(op->exprs[0]->kind, SN_EX_COL);
	assert_int_equal(op->exprs[0]->col, 0);
	assert_round_trip(&set);
	sn_query_set_free(&set);
}

static void multi_fields(void **state)
{
	struct sn_query_set set;
	const struct sn_expr *e = pred_of(&set, "dns.an.type == 46 or ip.len > 3");

	assert_true(e->multi);
	assert_true(e->a->multi);
	assert_true(e->a->a->multi);
	assert_false(e->b->multi);
	assert_int_equal(e->a->a->field, SN_F_DNS_AN_TYPE);
	sn_query_set_free(&set);
}

static void string_ops(void **state)
{
	struct sn_query_set set;
	const struct sn_expr *e;

	e = pred_of(&set, "dns.qname == \"a\\\"b\\\\c\\n\\t\\x41\" and len(dns.qname) > 3");
	assert_int_equal(e->a->b->kind, SN_EX_CONST);
	assert_int_equal(e->a->b->type, SN_T_STR);
	assert_int_equal(e->a->b->value.s.len, 8);
	assert_memory_equal(e->a->b->value.s.ptr, "a\"b\\c\n\tA", 8);
	assert_int_equal(e->b->a->kind, SN_EX_LEN);
	assert_int_equal(e->b->a->type, SN_T_UINT);
	sn_query_set_free(&set);
}

static const char two_queries[] =
	"query a(threshold = 5, window = 2) { packets | map ip.dst, n = 1"
	" | reduce sum(n) by ip.dst | filter n > threshold }\n"
	"query b(threshold = 6) { packets | map ip.dst, n = 1"
	" | reduce sum(n) by ip.dst | filter n > threshold }\n";

static uint64_t threshold_of(const struct sn_query *q)
{
	return q->streams[0].ops[2].pred->b->value.u;
}

static void defines_global_scoped(void **state)
{
	const struct sn_define defs[] = {
		{ "b.threshold", 7 }, { "threshold", 20 }, { "a.window", 0.25 },
	};
	struct sn_query_set set = { 0 };

	parse_ok(&set, two_queries, defs, 3);
	assert_int_equal(threshold_of(&set.queries[0]), 20);
	assert_int_equal(threshold_of(&set.queries[1]), 7);
	assert_true(set.queries[0].params[0].value == 20);
	assert_int_equal(set.queries[0].window_ns, 250000000ULL);
	assert_int_equal(set.queries[1].window_ns, 1000000000ULL);
	assert_int_equal(sn_query_check_defines(&set, defs, 3, err, sizeof(err)), 0);
	sn_query_set_free(&set);
}

static void defines_unknown(void **state)
{
	const struct sn_define bad[] = { { "treshold", 3 } };
	const struct sn_define scoped[] = { { "c.threshold", 3 } };
	struct sn_query_set set = { 0 };

	parse_ok(&set, two_queries, NULL, 0);
	assert_int_equal(sn_query_check_defines(&set, bad, 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "-D treshold: no loaded query has a parameter `treshold` "
			    "(known parameters: a.threshold, a.window, b.threshold)");
	assert_int_equal(sn_query_check_defines(&set, scoped, 1, err, sizeof(err)), -EINVAL);
	sn_query_set_free(&set);
}

static void window_default(void **state)
{
	struct sn_query_set set;
	const struct sn_query *q = one_query(&set, "query t() { packets | map ip.dst }");

	assert_int_equal(q->window_ns, 1000000000ULL);
	assert_int_equal(q->n_params, 0);
	sn_query_set_free(&set);
	q = one_query(&set, "query t(window = 0.5) { packets | map ip.dst }");
	assert_int_equal(q->window_ns, 500000000ULL);
	sn_query_set_free(&set);
}

static void stream_source_ok(void **state)
{
	struct sn_query_set set;
	const struct sn_query *q = one_query(&set,
		"query t() { let a = packets | map k = ip.dst, v = ip.len;\n"
		"  let b = packets | map k = ip.dst, w = 1 | reduce sum(w) by k;\n"
		"  a | filter v > 3 | join b on k | map k, v, w }");

	assert_int_equal(q->n_streams, 4);
	assert_int_equal(q->streams[2].source, SN_SRC_STREAM);
	assert_int_equal(q->streams[2].input, 0);
	assert_int_equal(q->streams[2].in.n, 2);
	assert_int_equal(q->streams[3].source, SN_SRC_JOIN);
	assert_int_equal(q->streams[3].join, SN_JOIN_INNER);
	assert_int_equal(q->streams[3].left, 2);
	assert_int_equal(q->streams[3].right, 1);
	assert_round_trip(&set);
	sn_query_set_free(&set);
}

static void set_appends(void **state)
{
	struct sn_query_set set = { 0 };

	parse_ok(&set, "query a() { packets | map ip.dst }", NULL, 0);
	parse_ok(&set, "query b() { packets | map ip.src }", NULL, 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(sn_query_parse_text(&set, "c.sq", "query a() { packets | map ip.src }",
					     34, NULL, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(set.n, 2);
	sn_query_set_free(&set);
}

static void golden_queries(void **state)
{
	static const char *const files[] = {
		"tests/golden/queries/syn_flood.sq",
		"tests/golden/queries/telnet_zorro.sq",
		"tests/golden/queries/dns_prefixes.sq",
	};
	struct sn_query_set set = { 0 };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int rc = sn_query_parse_file(&set, files[i], NULL, 0, err, sizeof(err));

		if (rc)
			print_error("%s\n", err);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(set.n, 4);
	assert_int_equal(set.queries[2].window_ns, 500000000ULL);
	assert_true(set.queries[2].streams[0].ops[1].exprs[1]->multi);
	assert_round_trip(&set);
	sn_query_set_free(&set);
}

static void format_small_buffer(void **state)
{
	struct sn_query_set set;
	const struct sn_query *q = one_query(&set, "query t() { packets | map ip.dst }");
	char buf[16];

	assert_int_equal(sn_query_format(q, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	sn_query_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_joins),
		cmocka_unit_test(spec_previous),
		cmocka_unit_test(ops_each_kind),
		cmocka_unit_test(distinct_all_columns),
		cmocka_unit_test(precedence_levels),
		cmocka_unit_test(prefix_v4_v6),
		cmocka_unit_test(mask_column_name),
		cmocka_unit_test(hex_numbers),
		cmocka_unit_test(flag_constants),
		cmocka_unit_test(alias_fields),
		cmocka_unit_test(multi_fields),
		cmocka_unit_test(string_ops),
		cmocka_unit_test(defines_global_scoped),
		cmocka_unit_test(defines_unknown),
		cmocka_unit_test(window_default),
		cmocka_unit_test(stream_source_ok),
		cmocka_unit_test(set_appends),
		cmocka_unit_test(golden_queries),
		cmocka_unit_test(format_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
