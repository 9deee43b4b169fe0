/* Engine end to end on a real capture: read, decode, run a parsed query. */
#include <string.h>

#include "testutil.h"
#include "sonata/capture.h"
#include "sonata/decode.h"
#include "sonata/engine.h"

struct syn_totals {
	uint64_t victim;  /* SYNs counted for 10.10.10.10 over all windows */
	uint64_t other;   /* SYNs counted for any other host */
	uint64_t rows;
	uint64_t last_start;
	int ordered;      /* windows arrived in increasing order */
	uint64_t first_start, first_count;
};

static void add_row(const struct sn_row *row, void *arg)
{
	struct syn_totals *t = arg;
	struct sn_addr victim;

	assert_int_equal(sn_addr_parse("10.10.10.10", &victim), 0);
	if (sn_addr_equal(&row->cols[0].addr, &victim))
		t->victim += row->cols[1].u;
	else
		t->other += row->cols[1].u;
	if (!t->rows) {
		t->first_start = row->window_start_ns;
		t->first_count = row->cols[1].u;
	}
	if (t->rows && row->window_start_ns <= t->last_start)
		t->ordered = 0;
	t->last_start = row->window_start_ns;
	t->rows++;
}

static const char syn_text[] =
	"query syns(window = 1) {\n"
	"    packets | filter tcp.flags & (SYN + ACK) == SYN\n"
	"        | map host = ip.dst, syns = 1 | reduce sum(syns) by host\n"
	"}\n";

static void synflood_total(void **state)
{
	const char *path = trace_path("stopddos_pkt.TCP.synflood.spoofed.pcap");
	struct syn_totals totals = { .ordered = 1 };
	struct sn_query_set set = { 0 };
	struct sn_query_stats st;
	struct sn_decoder dec;
	struct sn_engine *eng;
	struct sn_source *src;
	struct sn_packet pkt;
	char err[1024];
	int ret;

	assert_int_equal(sn_query_parse_text(&set, "syns.sq", syn_text, strlen(syn_text), NULL,
					     0, err, sizeof(err)), 0);
	assert_int_equal(sn_engine_new(&eng, &set, NULL, add_row, &totals), 0);
	assert_int_equal(sn_decoder_init(&dec, NULL), 0);
	assert_int_equal(sn_source_open_files(&src, &path, 1, NULL), 0);
	memset(&pkt, 0, sizeof(pkt));
	while ((ret = sn_source_next(src, &pkt)) == 1) {
		sn_decode(&dec, &pkt);
		assert_int_equal(sn_engine_packet(eng, &pkt), 0);
	}
	assert_int_equal(ret, 0);
	sn_engine_flush(eng);
	sn_engine_query_stats(eng, 0, &st);

	assert_int_equal(totals.victim, 37841);
	assert_int_equal(totals.other, 0);
	assert_true(totals.ordered);
	/* Packets fall in 14 distinct seconds (tcpdump -tt), the first holding 22,322. */
	assert_int_equal(st.windows, 14);
	assert_int_equal(totals.first_start, 1619605821ull * 1000000000ull);
	assert_int_equal(totals.first_count, 22322);
	assert_int_equal(totals.rows, st.windows);
	assert_int_equal(st.rows_out, totals.rows);
	assert_int_equal(st.tuples_in, 37841);
	assert_int_equal(st.peak_keys, 1);

	sn_source_close(src);
	sn_decoder_free(&dec);
	sn_engine_free(eng);
	sn_query_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(synflood_total),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
