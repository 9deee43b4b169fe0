/* Engine on hand-built queries and packets: operators, windows, joins, limits. */
#include <stdarg.h>
#include <string.h>

#include "testutil.h"
#include "sonata/engine.h"
#include "sonata/output.h"

#define SEC 1000000000ull

/* Every allocation of a test, freed at its end. */
static void *allocs[4096];
static size_t n_allocs;

static void *talloc(size_t size)
{
	void *p = calloc(1, size);

	assert_non_null(p);
	assert_true(n_allocs < sizeof(allocs) / sizeof(allocs[0]));
	allocs[n_allocs++] = p;
	return p;
}

static void tfree_all(void)
{
	while (n_allocs)
		free(allocs[--n_allocs]);
}

static struct sn_expr *E(struct sn_expr init)
{
	struct sn_expr *e = talloc(sizeof(*e));

	*e = init;
	return e;
}

#define FIELD(f) E((struct sn_expr){ .kind = SN_EX_FIELD, .field = (f) })
#define COL(i) E((struct sn_expr){ .kind = SN_EX_COL, .col = (i) })
#define U(n) E((struct sn_expr){ .kind = SN_EX_CONST, .value = { .type = SN_T_UINT, .u = (n) } })
#define BIN(o, x, y) E((struct sn_expr){ .kind = SN_EX_BINARY, .op = (o), .a = (x), .b = (y) })
#define MASK(x, n) E((struct sn_expr){ .kind = SN_EX_MASK, .a = (x), .bits = (n) })
#define PREV(x, s) E((struct sn_expr){ .kind = SN_EX_IN_PREV, .a = (x), .stream = (s) })

static struct sn_value addr_value(const char *text)
{
	struct sn_value v = { .type = SN_T_ADDR };

	assert_int_equal(sn_addr_parse(text, &v.addr), 0);
	return v;
}

static struct sn_expr *in_prefix(struct sn_expr *a, const char *net, unsigned bits)
{
	return E((struct sn_expr){ .kind = SN_EX_IN_PREFIX, .a = a, .bits = bits,
				   .value = addr_value(net) });
}

static struct sn_expr *contains(struct sn_expr *a, const char *text)
{
	struct sn_value v = { .type = SN_T_STR };

	v.s.ptr = text;
	v.s.len = (uint32_t)strlen(text);
	return E((struct sn_expr){ .kind = SN_EX_CONTAINS, .a = a, .value = v });
}

/* Schema from "name:TYPE[k] ...": TYPE u (uint), a (address), s (string); k marks a key. */
static struct sn_schema S(const char *spec)
{
	struct sn_schema s = { .cols = talloc(16 * sizeof(struct sn_column)) };
	char *copy = talloc(strlen(spec) + 1), *tok, *save = NULL;

	strcpy(copy, spec);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(tok, ':');
		struct sn_column *c = &s.cols[s.n++];

		assert_non_null(colon);
		*colon = '\0';
		c->name = tok;
		c->type = SN_T_STR;
		if (colon[1] == 'u')
			c->type = SN_T_UINT;
		else if (colon[1] == 'a')
			c->type = SN_T_ADDR;
		c->is_key = colon[2] == 'k';
	}
	return s;
}

static struct sn_op FILTER(struct sn_expr *pred)
{
	return (struct sn_op){ .kind = SN_OP_FILTER, .pred = pred };
}

/* A map or distinct over n expressions. */
static struct sn_op OPX(enum sn_op_kind kind, const char *schema, size_t n, ...)
{
	struct sn_op op = { .kind = kind, .out = S(schema), .n_exprs = n };
	va_list ap;
	size_t i;

	op.exprs = talloc((n + 1) * sizeof(*op.exprs));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		op.exprs[i] = va_arg(ap, struct sn_expr *);
	va_end(ap);
	return op;
}

/* A reduce: n_keys key expressions, then n_aggs pairs of (enum sn_agg, argument). */
static struct sn_op REDUCE(const char *schema, size_t n_keys, size_t n_aggs, ...)
{
	struct sn_op op = { .kind = SN_OP_REDUCE, .out = S(schema), .n_exprs = n_keys,
			    .n_aggs = n_aggs };
	va_list ap;
	size_t i;

	op.exprs = talloc((n_keys + 1) * sizeof(*op.exprs));
	op.aggs = talloc((n_aggs + 1) * sizeof(*op.aggs));
	op.agg_args = talloc((n_aggs + 1) * sizeof(*op.agg_args));
	va_start(ap, n_aggs);
	for (i = 0; i < n_keys; i++)
		op.exprs[i] = va_arg(ap, struct sn_expr *);
	for (i = 0; i < n_aggs; i++) {
		op.aggs[i] = va_arg(ap, enum sn_agg);
		op.agg_args[i] = va_arg(ap, struct sn_expr *);
	}
	va_end(ap);
	return op;
}

static struct sn_stream STREAM(const char *name, size_t n_ops, ...)
{
	struct sn_stream s = { .name = (char *)(uintptr_t)name, .source = SN_SRC_PACKETS,
			       .n_ops = n_ops };
	va_list ap;
	size_t i;

	s.ops = talloc((n_ops + 1) * sizeof(*s.ops));
	va_start(ap, n_ops);
	for (i = 0; i < n_ops; i++)
		s.ops[i] = va_arg(ap, struct sn_op);
	va_end(ap);
	return s;
}

/* A join on one key column of each side, followed by ops. */
static struct sn_stream JOIN(const char *name, enum sn_join_kind kind, int left, int lk,
			     int right, int rk, const char *in, struct sn_stream rest)
{
	rest.name = (char *)(uintptr_t)name;
	rest.source = SN_SRC_JOIN;
	rest.join = kind;
	rest.left = left;
	rest.right = right;
	rest.n_join_keys = 1;
	rest.left_keys = talloc(sizeof(int));
	rest.right_keys = talloc(sizeof(int));
	rest.left_keys[0] = lk;
	rest.right_keys[0] = rk;
	rest.in = S(in);
	return rest;
}

static struct sn_query_set *QUERY(const char *name, uint64_t window_ns, size_t n, ...)
{
	struct sn_query_set *set = talloc(sizeof(*set));
	struct sn_query *q = talloc(sizeof(*q));
	va_list ap;
	size_t i;

	q->name = (char *)(uintptr_t)name;
	q->window_ns = window_ns;
	q->n_streams = n;
	q->streams = talloc(n * sizeof(*q->streams));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		q->streams[i] = va_arg(ap, struct sn_stream);
	va_end(ap);
	set->queries = q;
	set->n = 1;
	return set;
}

/* Packets */

static struct sn_packet tcp_pkt(double ts, const char *src, const char *dst, uint16_t dport,
				uint8_t flags, uint16_t len)
{
	struct sn_packet p = { .ts_ns = (uint64_t)(ts * 1e9 + 0.5) };

	assert_int_equal(sn_addr_parse(src, &p.src), 0);
	assert_int_equal(sn_addr_parse(dst, &p.dst), 0);
	p.ip_version = p.src.family;
	p.layers = SN_L_ETH | SN_L_TCP | (p.src.family == 6 ? SN_L_IP6 : SN_L_IP4);
	p.proto = 6;
	p.sport = 40000;
	p.dport = dport;
	p.tcp_flags = flags;
	p.ip_len = len;
	return p;
}

static struct sn_packet syn(double ts, const char *src, const char *dst)
{
	return tcp_pkt(ts, src, dst, 80, SN_TCP_SYN, 60);
}

/* Runs */

struct run {
	char *text;
	size_t len;
	FILE *f;
	struct sn_engine *eng;
};

static void collect(const struct sn_row *row, void *arg)
{
	struct run *r = arg;

	assert_int_equal(sn_json_write_row(r->f, row), 0);
}

static void run_start(struct run *r, const struct sn_query_set *set, size_t max_keys,
		      uint64_t grace_ns)
{
	struct sn_engine_opts opts = { .max_keys = max_keys, .grace_ns = grace_ns };

	memset(r, 0, sizeof(*r));
	r->f = open_memstream(&r->text, &r->len);
	assert_non_null(r->f);
	assert_int_equal(sn_engine_new(&r->eng, set, &opts, collect, r), 0);
}

static void feed(struct run *r, const struct sn_packet *p)
{
	assert_int_equal(sn_engine_packet(r->eng, p), 0);
}

/* Output written so far. */
static const char *run_text(struct run *r)
{
	fflush(r->f);
	return r->text ? r->text : "";
}

static void run_end(struct run *r)
{
	sn_engine_free(r->eng);
	fclose(r->f);
	free(r->text);
	tfree_all();
}

#define ROW(q, ws, we, key, values) \
	"{\"query\": \"" q "\", \"window_start\": " ws ", \"window_end\": " we \
	", \"key\": {" key "}, \"values\": {" values "}}\n"

/* packets | filter tcp.flags & (SYN + ACK) == want | map host = FIELD, n = 1
 * | reduce sum(n) by host, with the schema of the reduce given. */
static struct sn_stream flag_count(const char *name, uint8_t want, enum sn_field_id host,
				   const char *schema)
{
	return STREAM(name, 3,
		FILTER(BIN(SN_BIN_EQ, BIN(SN_BIN_AND_BITS, FIELD(SN_F_TCP_FLAGS),
					  U(SN_TCP_SYN | SN_TCP_ACK)), U(want))),
		OPX(SN_OP_MAP, "host:ak n:u", 2, FIELD(host), U(1)),
		REDUCE(schema, 1, 1, COL(0), SN_AGG_SUM, COL(1)));
}

static void feed_all(struct run *r, const struct sn_packet *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		feed(r, &p[i]);
}

static void filter_map_reduce(void **state)
{
	struct sn_packet arp = { .ts_ns = 100 * SEC, .layers = SN_L_ETH | SN_L_ARP };
	struct sn_packet p[] = {
		syn(100.1, "1.1.1.1", "10.0.0.2"),
		syn(100.2, "1.1.1.2", "10.0.0.1"),
		syn(100.3, "1.1.1.3", "10.0.0.1"),
		tcp_pkt(100.4, "1.1.1.3", "10.0.0.1", 80, SN_TCP_ACK, 40),
		tcp_pkt(100.5, "10.0.0.1", "1.1.1.3", 80, SN_TCP_SYN | SN_TCP_ACK, 40),
	};
	struct sn_query_stats st;
	struct run r;

	run_start(&r, QUERY("q", SEC, 1, flag_count("syns", SN_TCP_SYN, SN_F_IP_DST,
						       "host:ak syns:u")), 0, 0);
	feed(&r, &arp);
	feed_all(&r, p, 5);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("q", "100", "101", "\"host\": \"10.0.0.1\"", "\"syns\": 2")
		ROW("q", "100", "101", "\"host\": \"10.0.0.2\"", "\"syns\": 1"));
	sn_engine_query_stats(r.eng, 0, &st);
	assert_int_equal(st.tuples_in, 6);
	assert_int_equal(st.rows_out, 2);
	assert_int_equal(st.windows, 1);
	assert_int_equal(st.incomplete_windows, 0);
	assert_int_equal(st.peak_keys, 2);
	run_end(&r);
}

/* reduce count(), sum, min, max of ip.len by ip.dst straight from packets */
static void reduce_aggregates(void **state)
{
	struct sn_packet p[] = {
		tcp_pkt(7.0, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK, 100),
		tcp_pkt(7.1, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK, 40),
		tcp_pkt(7.2, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK, 1500),
		tcp_pkt(7.3, "1.1.1.1", "10.0.0.9", 80, SN_TCP_ACK, 60),
	};
	struct run r;

	run_start(&r, QUERY("agg", SEC, 1, STREAM("agg", 1,
		REDUCE("ip.dst:ak count:u bytes:u low:u high:u", 1, 4, FIELD(SN_F_IP_DST),
		       SN_AGG_COUNT, NULL, SN_AGG_SUM, FIELD(SN_F_IP_LEN),
		       SN_AGG_MIN, FIELD(SN_F_IP_LEN), SN_AGG_MAX, FIELD(SN_F_IP_LEN)))), 0, 0);
	feed_all(&r, p, 4);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("agg", "7", "8", "\"ip.dst\": \"10.0.0.1\"",
		    "\"count\": 3, \"bytes\": 1640, \"low\": 40, \"high\": 1500")
		ROW("agg", "7", "8", "\"ip.dst\": \"10.0.0.9\"",
		    "\"count\": 1, \"bytes\": 60, \"low\": 60, \"high\": 60"));
	run_end(&r);
}

/* distinct ip.dst, ip.src | map ip.dst, n = 1 | reduce sum(n) by ip.dst
 * | filter n >= 2: distinct sources per destination, above a threshold */
static void distinct_reduce_threshold(void **state)
{
	struct sn_packet p[] = {
		syn(1.0, "1.1.1.1", "10.0.0.1"),
		syn(1.1, "1.1.1.1", "10.0.0.1"),
		syn(1.2, "1.1.1.1", "10.0.0.1"),
		syn(1.3, "1.1.1.2", "10.0.0.1"),
		syn(1.4, "1.1.1.1", "10.0.0.2"),
		syn(1.5, "1.1.1.1", "10.0.0.2"),
		syn(1.6, "1.1.1.5", "10.0.0.3"),
		syn(1.7, "1.1.1.6", "10.0.0.3"),
		syn(1.8, "1.1.1.7", "10.0.0.3"),
	};
	struct run r;

	run_start(&r, QUERY("d", SEC, 1, STREAM("d", 4,
		OPX(SN_OP_DISTINCT, "ip.dst:ak ip.src:ak", 2, FIELD(SN_F_IP_DST),
		    FIELD(SN_F_IP_SRC)),
		OPX(SN_OP_MAP, "ip.dst:ak n:u", 2, COL(0), U(1)),
		REDUCE("ip.dst:ak n:u", 1, 1, COL(0), SN_AGG_SUM, COL(1)),
		FILTER(BIN(SN_BIN_GE, COL(1), U(2))))), 0, 0);
	feed_all(&r, p, 9);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("d", "1", "2", "\"ip.dst\": \"10.0.0.1\"", "\"n\": 2")
		ROW("d", "1", "2", "\"ip.dst\": \"10.0.0.3\"", "\"n\": 3"));
	run_end(&r);
}

static struct sn_query_set *count_by_dst(const char *name, uint64_t window_ns)
{
	return QUERY(name, window_ns, 1, STREAM(name, 1,
		REDUCE("ip.dst:ak count:u", 1, 1, FIELD(SN_F_IP_DST), SN_AGG_COUNT, NULL)));
}

/* 2 s windows aligned to even seconds; empty windows give no rows. */
static void window_alignment(void **state)
{
	struct sn_packet p[] = {
		syn(100.0, "1.1.1.1", "10.0.0.1"),
		syn(101.999, "1.1.1.1", "10.0.0.1"),
		syn(102.0, "1.1.1.1", "10.0.0.1"),
		syn(105.5, "1.1.1.1", "10.0.0.1"),
	};
	struct sn_query_stats st;
	struct run r;

	run_start(&r, count_by_dst("w", 2 * SEC), 0, 0);
	feed_all(&r, p, 4);
	assert_string_equal(run_text(&r),
		ROW("w", "100", "102", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 2")
		ROW("w", "102", "104", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 1"));
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("w", "100", "102", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 2")
		ROW("w", "102", "104", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 1")
		ROW("w", "104", "106", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 1"));
	sn_engine_query_stats(r.eng, 0, &st);
	assert_int_equal(st.windows, 3);
	assert_int_equal(st.rows_out, 3);
	run_end(&r);
}

/* Half-second windows print fractional seconds. */
static void window_fraction(void **state)
{
	struct sn_packet p = syn(100.7, "1.1.1.1", "10.0.0.1");
	struct run r;

	run_start(&r, count_by_dst("h", SEC / 2), 0, 0);
	feed(&r, &p);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("h", "100.5", "101", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 1"));
	run_end(&r);
}

/* A packet older than the open window counts in the open window. */
static void window_backwards(void **state)
{
	struct sn_packet p[] = {
		syn(100.5, "1.1.1.1", "10.0.0.1"),
		syn(101.2, "1.1.1.1", "10.0.0.1"),
		syn(100.9, "1.1.1.1", "10.0.0.1"),
	};
	struct run r;

	run_start(&r, count_by_dst("b", SEC), 0, 0);
	feed_all(&r, p, 3);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("b", "100", "101", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 1")
		ROW("b", "101", "102", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 2"));
	run_end(&r);
}

/* tick closes a window only once its end plus the grace time has passed. */
static void window_tick_grace(void **state)
{
	struct sn_packet p = syn(100.2, "1.1.1.1", "10.0.0.1");
	struct run r;

	run_start(&r, count_by_dst("t", SEC), 0, SEC / 2);
	feed(&r, &p);
	sn_engine_tick(r.eng, 101 * SEC);
	assert_string_equal(run_text(&r), "");
	sn_engine_tick(r.eng, 101 * SEC + SEC / 2 - 1);
	assert_string_equal(run_text(&r), "");
	sn_engine_tick(r.eng, 101 * SEC + SEC / 2);
	assert_string_equal(run_text(&r),
		ROW("t", "100", "101", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 1"));
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("t", "100", "101", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 1"));
	run_end(&r);
}

/* syns [left] join synacks on host | map host, d = syns - synacks */
static struct sn_query_set *join_query(enum sn_join_kind kind)
{
	return QUERY("j", SEC, 3,
		flag_count("syns", SN_TCP_SYN, SN_F_IP_DST, "host:ak syns:u"),
		flag_count("synacks", SN_TCP_SYN | SN_TCP_ACK, SN_F_IP_SRC, "host:ak synacks:u"),
		JOIN("j", kind, 0, 0, 1, 0, "host:ak syns:u synacks:u",
		     STREAM("j", 1, OPX(SN_OP_MAP, "host:ak d:u", 2, COL(0),
					BIN(SN_BIN_SUB, COL(1), COL(2))))));
}

static const struct sn_packet *join_packets(void)
{
	static struct sn_packet p[6];

	p[0] = syn(5.0, "1.1.1.1", "10.0.0.1");
	p[1] = syn(5.1, "1.1.1.2", "10.0.0.1");
	p[2] = syn(5.2, "1.1.1.3", "10.0.0.1");
	p[3] = tcp_pkt(5.3, "10.0.0.1", "1.1.1.1", 80, SN_TCP_SYN | SN_TCP_ACK, 40);
	p[4] = syn(5.4, "1.1.1.1", "10.0.0.2");
	p[5] = syn(5.5, "1.1.1.2", "10.0.0.2");
	return p;
}

static void join_inner(void **state)
{
	struct run r;

	run_start(&r, join_query(SN_JOIN_INNER), 0, 0);
	feed_all(&r, join_packets(), 6);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("j", "5", "6", "\"host\": \"10.0.0.1\"", "\"d\": 2"));
	run_end(&r);
}

static void join_left(void **state)
{
	struct run r;

	run_start(&r, join_query(SN_JOIN_LEFT), 0, 0);
	feed_all(&r, join_packets(), 6);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("j", "5", "6", "\"host\": \"10.0.0.1\"", "\"d\": 2")
		ROW("j", "5", "6", "\"host\": \"10.0.0.2\"", "\"d\": 2"));
	run_end(&r);
}

/* IPv4 keys go into the packed index of the join and IPv6 keys into its
 * typed table. A key of each kind in one window must find its own rows. */
static void join_mixed_families(void **state)
{
	struct sn_packet p[] = {
		syn(7.0, "1.1.1.1", "10.0.0.1"),
		syn(7.1, "2001:db8::9", "2001:db8::1"),
		syn(7.2, "2001:db8::8", "2001:db8::1"),
		tcp_pkt(7.3, "2001:db8::1", "2001:db8::9", 80, SN_TCP_SYN | SN_TCP_ACK, 40),
		tcp_pkt(7.4, "10.0.0.1", "1.1.1.1", 80, SN_TCP_SYN | SN_TCP_ACK, 40),
		tcp_pkt(7.5, "10.0.0.1", "1.1.1.1", 80, SN_TCP_SYN | SN_TCP_ACK, 40),
		syn(7.6, "1.1.1.1", "10.0.0.2"),
		tcp_pkt(7.7, "2001:db8::2", "1.1.1.1", 80, SN_TCP_SYN | SN_TCP_ACK, 40),
	};
	struct run r;

	run_start(&r, join_query(SN_JOIN_LEFT), 0, 0);
	feed_all(&r, p, 8);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("j", "7", "8", "\"host\": \"10.0.0.1\"", "\"d\": 0")
		ROW("j", "7", "8", "\"host\": \"10.0.0.2\"", "\"d\": 1")
		ROW("j", "7", "8", "\"host\": \"2001:db8::1\"", "\"d\": 1"));
	run_end(&r);
}

/* distinct | map | reduce with IPv4 pairs in the compact rows and IPv6 pairs
 * in the typed table: both halves of a window add up under one key each. */
static void chain_mixed_families(void **state)
{
	struct sn_packet p[] = {
		syn(3.0, "1.1.1.1", "10.0.0.1"),
		syn(3.1, "1.1.1.2", "10.0.0.1"),
		syn(3.2, "1.1.1.2", "10.0.0.1"),
		syn(3.3, "2001:db8::9", "2001:db8::1"),
		syn(3.4, "2001:db8::8", "2001:db8::1"),
		syn(3.5, "2001:db8::8", "2001:db8::1"),
		syn(3.6, "2001:db8::7", "2001:db8::1"),
		syn(4.0, "1.1.1.1", "10.0.0.1"),
	};
	struct run r;

	run_start(&r, QUERY("c", SEC, 1, STREAM("c", 3,
		OPX(SN_OP_DISTINCT, "ip.dst:ak ip.src:ak", 2, FIELD(SN_F_IP_DST),
		    FIELD(SN_F_IP_SRC)),
		OPX(SN_OP_MAP, "ip.dst:ak n:u", 2, COL(0), U(1)),
		REDUCE("ip.dst:ak n:u", 1, 1, COL(0), SN_AGG_SUM, COL(1)))), 0, 0);
	feed_all(&r, p, 8);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("c", "3", "4", "\"ip.dst\": \"10.0.0.1\"", "\"n\": 2")
		ROW("c", "3", "4", "\"ip.dst\": \"2001:db8::1\"", "\"n\": 3")
		ROW("c", "4", "5", "\"ip.dst\": \"10.0.0.1\"", "\"n\": 1"));
	run_end(&r);
}

/* distinct (ip.src, ip.proto) | map ip.proto, n = 1 | reduce by ip.proto:
 * the IPv4 and the IPv6 sources give one reduce key, which must count once
 * against the key limit, wherever its distinct keys were stored. */
static void chain_mixed_key_limit(void **state)
{
	struct sn_packet p[] = {
		syn(5.0, "1.1.1.1", "10.0.0.1"),
		syn(5.1, "2001:db8::1", "2001:db8::ff"),
		syn(5.2, "1.1.1.2", "10.0.0.1"),
		syn(5.3, "2001:db8::2", "2001:db8::ff"),
	};
	struct sn_query_stats st;
	struct run r;

	/* 4 distinct keys and 1 reduce key: a limit of 5 cuts nothing. */
	run_start(&r, QUERY("k", SEC, 1, STREAM("k", 3,
		OPX(SN_OP_DISTINCT, "ip.src:ak ip.proto:u", 2, FIELD(SN_F_IP_SRC),
		    FIELD(SN_F_IP_PROTO)),
		OPX(SN_OP_MAP, "ip.proto:uk n:u", 2, COL(1), U(1)),
		REDUCE("ip.proto:uk n:u", 1, 1, COL(0), SN_AGG_SUM, COL(1)))), 5, 0);
	feed_all(&r, p, 4);
	sn_engine_flush(r.eng);
	sn_engine_query_stats(r.eng, 0, &st);
	assert_string_equal(run_text(&r), ROW("k", "5", "6", "\"ip.proto\": 6", "\"n\": 4"));
	assert_int_equal(st.incomplete_windows, 0);
	assert_int_equal(st.peak_keys, 5);
	run_end(&r);
}

/* let telnet = packets | filter tcp.dport == 23 | distinct ip.dst;
 * packets | filter ip.dst in previous(telnet) | reduce count() by ip.dst */
static struct sn_query_set *prev_query(void)
{
	return QUERY("p", SEC, 2,
		STREAM("telnet", 2, FILTER(BIN(SN_BIN_EQ, FIELD(SN_F_TCP_DPORT), U(23))),
		       OPX(SN_OP_DISTINCT, "ip.dst:ak", 1, FIELD(SN_F_IP_DST))),
		STREAM("p", 2, FILTER(PREV(FIELD(SN_F_IP_DST), 0)),
		       REDUCE("ip.dst:ak count:u", 1, 1, FIELD(SN_F_IP_DST), SN_AGG_COUNT, NULL)));
}

static void previous_next_window(void **state)
{
	struct sn_packet p[] = {
		tcp_pkt(10.1, "1.1.1.1", "10.0.0.1", 23, SN_TCP_SYN, 40),
		tcp_pkt(10.2, "1.1.1.1", "10.0.0.2", 80, SN_TCP_SYN, 40),
		tcp_pkt(11.1, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK, 40),
		tcp_pkt(11.2, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK, 40),
		tcp_pkt(11.3, "1.1.1.1", "10.0.0.2", 80, SN_TCP_ACK, 40),
		tcp_pkt(12.1, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK, 40),
	};
	struct run r;

	run_start(&r, prev_query(), 0, 0);
	feed_all(&r, p, 6);
	sn_engine_flush(r.eng);
	/* 10.0.0.1 was a telnet target in window 10, so window 11 counts it; window
	 * 11 had no telnet packet, so window 12 counts nothing. */
	assert_string_equal(run_text(&r),
		ROW("p", "11", "12", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 2"));
	run_end(&r);
}

static void previous_cleared_by_gap(void **state)
{
	struct sn_packet p[] = {
		tcp_pkt(10.1, "1.1.1.1", "10.0.0.1", 23, SN_TCP_SYN, 40),
		tcp_pkt(12.1, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK, 40),
		tcp_pkt(12.2, "1.1.1.1", "10.0.0.1", 23, SN_TCP_ACK, 40),
		tcp_pkt(13.1, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK, 40),
	};
	struct run r;

	run_start(&r, prev_query(), 0, 0);
	feed_all(&r, p, 4);
	sn_engine_flush(r.eng);
	/* Window 11 had no packets: the keys of window 10 do not reach window 12. */
	assert_string_equal(run_text(&r),
		ROW("p", "13", "14", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 1"));
	run_end(&r);
}

/* A DNS response with answers: CNAME, A 192.0.2.1, A 192.0.2.2 */
static struct sn_dns dns_msg;

static struct sn_packet dns_pkt(double ts, const char *qname, unsigned n_answers)
{
	struct sn_packet p = tcp_pkt(ts, "8.8.8.8", "10.0.0.1", 53, 0, 100);
	static const char *const addrs[] = { NULL, "192.0.2.1", "192.0.2.2" };
	unsigned i;

	memset(&dns_msg, 0, sizeof(dns_msg));
	p.layers = SN_L_ETH | SN_L_IP4 | SN_L_UDP | SN_L_DNS;
	p.proto = 17;
	p.sport = 53;
	p.dns = &dns_msg;
	dns_msg.flags = 0x8180;
	dns_msg.has_question = true;
	dns_msg.qdcount = 1;
	dns_msg.ancount = (uint16_t)n_answers;
	snprintf(dns_msg.qname, sizeof(dns_msg.qname), "%s", qname);
	dns_msg.qname_len = (uint16_t)strlen(dns_msg.qname);
	for (i = 0; i < n_answers && i < 3; i++) {
		struct sn_dns_rr *rr = &dns_msg.rr[i];

		rr->section = SN_DNS_AN;
		rr->type = addrs[i] ? 1 : 5;
		rr->ttl = 300;
		if (addrs[i])
			assert_int_equal(sn_addr_parse(addrs[i], &rr->addr), 0);
	}
	dns_msg.n_rr = (uint16_t)(n_answers < 3 ? n_answers : 3);
	return p;
}

/* filter dns.an.type == 5 | reduce count() by dns.an.addr: one tuple per A record */
static void dns_multi_values(void **state)
{
	struct sn_expr *an_type = FIELD(SN_F_DNS_AN_TYPE), *an_addr = FIELD(SN_F_DNS_AN_ADDR);
	struct sn_packet p;
	struct run r;

	an_type->multi = true;
	an_addr->multi = true;
	run_start(&r, QUERY("dns", SEC, 1, STREAM("dns", 2,
		FILTER(BIN(SN_BIN_EQ, an_type, U(5))),
		REDUCE("dns.an.addr:ak count:u", 1, 1, an_addr, SN_AGG_COUNT, NULL))), 0, 0);
	p = dns_pkt(3.0, "example.com", 3);
	feed(&r, &p);
	p = dns_pkt(3.1, "example.com", 3);
	feed(&r, &p);
	p = dns_pkt(3.2, "example.com", 0);
	feed(&r, &p);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("dns", "3", "4", "\"dns.an.addr\": \"192.0.2.1\"", "\"count\": 2")
		ROW("dns", "3", "4", "\"dns.an.addr\": \"192.0.2.2\"", "\"count\": 2"));
	run_end(&r);
}

/* reduce count() by dns.qname, with names copied out of each packet */
static void string_keys(void **state)
{
	struct sn_packet p;
	struct run r;

	run_start(&r, QUERY("names", SEC, 1, STREAM("names", 2,
		FILTER(contains(FIELD(SN_F_DNS_QNAME), "ex")),
		REDUCE("dns.qname:sk count:u", 1, 1, FIELD(SN_F_DNS_QNAME), SN_AGG_COUNT, NULL))),
		0, 0);
	p = dns_pkt(3.0, "zz.example.com", 0);
	feed(&r, &p);
	p = dns_pkt(3.1, "a\"b.example", 0);
	feed(&r, &p);
	p = dns_pkt(3.2, "zz.example.com", 0);
	feed(&r, &p);
	p = dns_pkt(3.3, "other.org", 0);
	feed(&r, &p);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("names", "3", "4", "\"dns.qname\": \"a\\\"b.example\"", "\"count\": 1")
		ROW("names", "3", "4", "\"dns.qname\": \"zz.example.com\"", "\"count\": 2"));
	run_end(&r);
}

static void ipv6_keys(void **state)
{
	struct sn_packet p[] = {
		syn(9.0, "2001:db8::1", "2001:db8::ff"),
		syn(9.1, "2001:db8::1", "2001:db8::ff"),
		syn(9.2, "1.1.1.1", "10.0.0.1"),
		syn(9.3, "::1", "2001:db8::ff"),
	};
	struct run r;

	run_start(&r, QUERY("v6", SEC, 1, STREAM("v6", 1,
		REDUCE("ip.src:ak count:u", 1, 1, FIELD(SN_F_IP_SRC), SN_AGG_COUNT, NULL))), 0, 0);
	feed_all(&r, p, 4);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("v6", "9", "10", "\"ip.src\": \"1.1.1.1\"", "\"count\": 1")
		ROW("v6", "9", "10", "\"ip.src\": \"::1\"", "\"count\": 1")
		ROW("v6", "9", "10", "\"ip.src\": \"2001:db8::1\"", "\"count\": 2"));
	run_end(&r);
}

/* filter ip.src in 10.0.0.0/8 | map ip.dst/24 | reduce count() by ip.dst */
static void prefix_masks(void **state)
{
	struct sn_packet p[] = {
		syn(9.0, "10.1.1.1", "192.0.2.7"),
		syn(9.1, "10.2.2.2", "192.0.2.200"),
		syn(9.2, "11.0.0.1", "192.0.2.9"),
		syn(9.3, "10.0.0.1", "198.51.100.1"),
	};
	struct run r;

	run_start(&r, QUERY("m", SEC, 1, STREAM("m", 3,
		FILTER(in_prefix(FIELD(SN_F_IP_SRC), "10.0.0.0", 8)),
		OPX(SN_OP_MAP, "ip.dst:ak", 1, MASK(FIELD(SN_F_IP_DST), 24)),
		REDUCE("ip.dst:ak count:u", 1, 1, COL(0), SN_AGG_COUNT, NULL))), 0, 0);
	feed_all(&r, p, 4);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		ROW("m", "9", "10", "\"ip.dst\": \"192.0.2.0\"", "\"count\": 2")
		ROW("m", "9", "10", "\"ip.dst\": \"198.51.100.0\"", "\"count\": 1"));
	run_end(&r);
}

#define INCOMPLETE(q, ws, we, key, values) \
	"{\"query\": \"" q "\", \"window_start\": " ws ", \"window_end\": " we \
	", \"key\": {" key "}, \"values\": {" values "}, \"incomplete\": true}\n"

/* map ip.src, n = 1 | reduce sum(n) by ip.src | distinct ip.src: IPv4 sources
 * sit in the compact rows and IPv6 ones in the typed table until the close,
 * yet the distinct after the reduce must see them in the order they were
 * first seen, and keep the first source when the key limit cuts it short. */
static void reduce_close_order(void **state)
{
	struct sn_packet p[] = {
		syn(4.0, "1.1.1.1", "10.0.0.1"),
		syn(4.1, "2001:db8::1", "2001:db8::ff"),
		syn(4.2, "1.1.1.2", "10.0.0.1"),
		syn(4.3, "1.1.1.1", "10.0.0.1"),
	};
	struct sn_query_stats st;
	struct run r;

	/* 3 reduce keys and room for 1 more: the distinct keeps one source. */
	run_start(&r, QUERY("o", SEC, 1, STREAM("o", 3,
		OPX(SN_OP_MAP, "ip.src:ak n:u", 2, FIELD(SN_F_IP_SRC), U(1)),
		REDUCE("ip.src:ak n:u", 1, 1, COL(0), SN_AGG_SUM, COL(1)),
		OPX(SN_OP_DISTINCT, "ip.src:ak", 1, COL(0)))), 4, 0);
	feed_all(&r, p, 4);
	sn_engine_flush(r.eng);
	sn_engine_query_stats(r.eng, 0, &st);
	assert_string_equal(run_text(&r), INCOMPLETE("o", "4", "5", "\"ip.src\": \"1.1.1.1\"", ""));
	assert_int_equal(st.incomplete_windows, 1);
	run_end(&r);
}

/* With max_keys 2, a third host is not admitted but known hosts still count. */
static void key_limit(void **state)
{
	struct sn_packet p[] = {
		syn(1.0, "1.1.1.1", "10.0.0.1"),
		syn(1.1, "1.1.1.1", "10.0.0.2"),
		syn(1.2, "1.1.1.1", "10.0.0.3"),
		syn(1.3, "1.1.1.1", "10.0.0.1"),
		syn(2.0, "1.1.1.1", "10.0.0.3"),
	};
	struct sn_query_stats st;
	struct run r;

	run_start(&r, count_by_dst("k", SEC), 2, 0);
	feed_all(&r, p, 5);
	sn_engine_flush(r.eng);
	assert_string_equal(run_text(&r),
		INCOMPLETE("k", "1", "2", "\"ip.dst\": \"10.0.0.1\"", "\"count\": 2")
		INCOMPLETE("k", "1", "2", "\"ip.dst\": \"10.0.0.2\"", "\"count\": 1")
		ROW("k", "2", "3", "\"ip.dst\": \"10.0.0.3\"", "\"count\": 1"));
	sn_engine_query_stats(r.eng, 0, &st);
	assert_int_equal(st.windows, 2);
	assert_int_equal(st.incomplete_windows, 1);
	assert_int_equal(st.peak_keys, 2);
	assert_int_equal(st.rows_out, 3);
	assert_int_equal(st.tuples_in, 5);
	run_end(&r);
}

/* Many keys make the table grow several times; every count must survive. */
static void table_growth(void **state)
{
	struct sn_packet p;
	char dst[32];
	const char *text, *line;
	unsigned i, rows = 0;
	struct run r;

	run_start(&r, count_by_dst("g", SEC), 0, 0);
	for (i = 0; i < 3000; i++) {
		snprintf(dst, sizeof(dst), "10.0.%u.%u", i / 250, i % 250);
		p = syn(1.0, "1.1.1.1", dst);
		feed(&r, &p);
		feed(&r, &p);
	}
	sn_engine_flush(r.eng);
	text = run_text(&r);
	for (line = text; (line = strstr(line, "\"count\": 2}")); line++)
		rows++;
	assert_int_equal(rows, 3000);
	assert_null(strstr(text, "\"count\": 1}"));
	run_end(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(filter_map_reduce),
		cmocka_unit_test(reduce_aggregates),
		cmocka_unit_test(distinct_reduce_threshold),
		cmocka_unit_test(window_alignment),
		cmocka_unit_test(window_fraction),
		cmocka_unit_test(window_backwards),
		cmocka_unit_test(window_tick_grace),
		cmocka_unit_test(join_inner),
		cmocka_unit_test(join_left),
		cmocka_unit_test(join_mixed_families),
		cmocka_unit_test(chain_mixed_families),
		cmocka_unit_test(chain_mixed_key_limit),
		cmocka_unit_test(previous_next_window),
		cmocka_unit_test(previous_cleared_by_gap),
		cmocka_unit_test(dns_multi_values),
		cmocka_unit_test(string_keys),
		cmocka_unit_test(ipv6_keys),
		cmocka_unit_test(prefix_masks),
		cmocka_unit_test(key_limit),
		cmocka_unit_test(reduce_close_order),
		cmocka_unit_test(table_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
