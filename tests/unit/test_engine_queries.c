/* Engine on parsed query texts: the language's own examples, run on hand-built packets. */
#include <string.h>

#include "testutil.h"
#include "sonata/engine.h"
#include "sonata/output.h"

#define SEC 1000000000ull

struct run {
	struct sn_query_set set;
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

static void run_start(struct run *r, const char *query_text)
{
	char err[2048] = "";
	int ret;

	memset(r, 0, sizeof(*r));
	ret = sn_query_parse_text(&r->set, "test.sq", query_text, strlen(query_text), NULL, 0,
				  err, sizeof(err));
	if (ret)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(ret, 0);
	r->f = open_memstream(&r->text, &r->len);
	assert_non_null(r->f);
	assert_int_equal(sn_engine_new(&r->eng, &r->set, NULL, collect, r), 0);
}

static const char *run_finish(struct run *r)
{
	sn_engine_flush(r->eng);
	fflush(r->f);
	return r->text ? r->text : "";
}

static void run_end(struct run *r)
{
	sn_engine_free(r->eng);
	fclose(r->f);
	free(r->text);
	sn_query_set_free(&r->set);
}

static struct sn_packet tcp_pkt(double ts, const char *src, const char *dst, uint16_t dport,
				uint8_t flags)
{
	struct sn_packet p = { .ts_ns = (uint64_t)(ts * 1e9 + 0.5) };

	assert_int_equal(sn_addr_parse(src, &p.src), 0);
	assert_int_equal(sn_addr_parse(dst, &p.dst), 0);
	p.ip_version = 4;
	p.layers = SN_L_ETH | SN_L_IP4 | SN_L_TCP;
	p.proto = 6;
	p.sport = 40000;
	p.dport = dport;
	p.tcp_flags = flags;
	p.ip_len = 40;
	return p;
}

static void feed(struct run *r, struct sn_packet p)
{
	assert_int_equal(sn_engine_packet(r->eng, &p), 0);
}

static const char syn_flood_text[] =
	"query syn_flood(threshold = 2, window = 3) {\n"
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
	"}\n";

/* Two left joins: hosts without SYN-ACKs or ACKs keep their SYN count. */
static void syn_flood_joins(void **state)
{
	struct run r;

	run_start(&r, syn_flood_text);
	/* 10.0.0.1: 3 SYN, 1 SYN-ACK, 2 ACK -> 2; 10.0.0.2: 2 SYN -> 2; 10.0.0.3: 1 SYN -> 1 */
	feed(&r, tcp_pkt(300.0, "1.1.1.1", "10.0.0.1", 80, SN_TCP_SYN));
	feed(&r, tcp_pkt(300.1, "1.1.1.2", "10.0.0.1", 80, SN_TCP_SYN));
	feed(&r, tcp_pkt(300.2, "1.1.1.3", "10.0.0.1", 80, SN_TCP_SYN));
	feed(&r, tcp_pkt(300.3, "10.0.0.1", "1.1.1.1", 40000, SN_TCP_SYN | SN_TCP_ACK));
	feed(&r, tcp_pkt(300.4, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK));
	feed(&r, tcp_pkt(300.5, "1.1.1.1", "10.0.0.1", 80, SN_TCP_ACK));
	feed(&r, tcp_pkt(301.0, "1.1.1.1", "10.0.0.2", 80, SN_TCP_SYN));
	feed(&r, tcp_pkt(302.9, "1.1.1.2", "10.0.0.2", 80, SN_TCP_SYN));
	feed(&r, tcp_pkt(302.0, "1.1.1.2", "10.0.0.3", 80, SN_TCP_SYN));
	assert_string_equal(run_finish(&r),
		"{\"query\": \"syn_flood\", \"window_start\": 300, \"window_end\": 303, "
		"\"key\": {\"host\": \"10.0.0.1\"}, \"values\": {\"half_open\": 2}}\n"
		"{\"query\": \"syn_flood\", \"window_start\": 300, \"window_end\": 303, "
		"\"key\": {\"host\": \"10.0.0.2\"}, \"values\": {\"half_open\": 2}}\n");
	run_end(&r);
}

static const char zorro_text[] =
	"query zorro(threshold = 2, window = 1) {\n"
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

static struct sn_packet with_payload(struct sn_packet p, const char *text)
{
	p.payload = (const uint8_t *)text;
	p.payload_len = (uint32_t)strlen(text);
	return p;
}

/* Telnet brute force in one window, then "zorro" payloads in the next. */
static void zorro_previous(void **state)
{
	struct run r;

	run_start(&r, zorro_text);
	feed(&r, tcp_pkt(50.1, "1.1.1.1", "10.0.0.1", 23, SN_TCP_SYN));
	feed(&r, tcp_pkt(50.2, "1.1.1.2", "10.0.0.1", 23, SN_TCP_SYN));
	feed(&r, tcp_pkt(50.3, "1.1.1.2", "10.0.0.1", 23, SN_TCP_SYN));
	feed(&r, tcp_pkt(50.4, "1.1.1.1", "10.0.0.2", 23, SN_TCP_SYN));
	feed(&r, with_payload(tcp_pkt(50.5, "1.1.1.1", "10.0.0.1", 23, SN_TCP_ACK), "zorro"));
	feed(&r, with_payload(tcp_pkt(51.1, "1.1.1.1", "10.0.0.1", 23, SN_TCP_ACK), "I am zorro"));
	feed(&r, with_payload(tcp_pkt(51.2, "1.1.1.1", "10.0.0.1", 23, SN_TCP_ACK), "zorr"));
	feed(&r, with_payload(tcp_pkt(51.3, "1.1.1.1", "10.0.0.2", 23, SN_TCP_ACK), "zorro"));
	feed(&r, with_payload(tcp_pkt(51.4, "1.1.1.1", "10.0.0.1", 23, SN_TCP_ACK), "zorro!"));
	assert_string_equal(run_finish(&r),
		"{\"query\": \"zorro\", \"window_start\": 51, \"window_end\": 52, "
		"\"key\": {\"ip.dst\": \"10.0.0.1\"}, \"values\": {\"count\": 2}}\n");
	run_end(&r);
}

/* Two queries with different windows run side by side over one packet stream. */
static void two_queries(void **state)
{
	struct run r;

	run_start(&r,
		"query a(window = 1) { packets | reduce n = count() by ip.dst }\n"
		"query b(window = 2) { packets | filter tcp.dport == 80 | distinct ip.src }\n");
	feed(&r, tcp_pkt(10.5, "1.1.1.1", "10.0.0.1", 80, SN_TCP_SYN));
	feed(&r, tcp_pkt(11.5, "1.1.1.2", "10.0.0.1", 22, SN_TCP_SYN));
	feed(&r, tcp_pkt(11.6, "1.1.1.1", "10.0.0.1", 80, SN_TCP_SYN));
	assert_string_equal(run_finish(&r),
		"{\"query\": \"a\", \"window_start\": 10, \"window_end\": 11, "
		"\"key\": {\"ip.dst\": \"10.0.0.1\"}, \"values\": {\"n\": 1}}\n"
		"{\"query\": \"a\", \"window_start\": 11, \"window_end\": 12, "
		"\"key\": {\"ip.dst\": \"10.0.0.1\"}, \"values\": {\"n\": 2}}\n"
		"{\"query\": \"b\", \"window_start\": 10, \"window_end\": 12, "
		"\"key\": {\"ip.src\": \"1.1.1.1\"}, \"values\": {}}\n");
	run_end(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syn_flood_joins),
		cmocka_unit_test(zorro_previous),
		cmocka_unit_test(two_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
