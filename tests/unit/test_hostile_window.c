/* Engine windows under hostile timing: late packets after a live window
 * closed, timestamps that go backwards, and the key limit. */
#include <string.h>

#include "testutil.h"
#include "decode_pkt.h"
#include "sonata/engine.h"
#include "sonata/query.h"
#include "sonata/value.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)
#define MAX_ROWS 64

static const char per_src[] =
	"query per_src(window = 1) {\n"
	"    packets | reduce count() by ip.src\n"
	"}\n";

/* One row per packet: no distinct or reduce bounds its rows. */
static const char per_packet[] =
	"query per_packet(window = 1) {\n"
	"    packets | map ip.src, count = ip.len\n"
	"}\n";

struct seen {
	size_t n;
	uint64_t start[MAX_ROWS];
	uint64_t count[MAX_ROWS];
	uint64_t src[MAX_ROWS];
	bool incomplete[MAX_ROWS];
};

struct fixture {
	struct sn_query_set set;
	struct sn_engine *eng;
	struct sn_decoder dec;
	struct seen seen;
};

static void collect(const struct sn_row *row, void *arg)
{
	struct seen *s = arg;
	char text[64];

	assert_true(s->n < MAX_ROWS);
	assert_int_equal(sn_addr_format(&row->cols[0].addr, text, sizeof(text)) > 0, 1);
	assert_non_null(strrchr(text, '.'));
	s->start[s->n] = row->window_start_ns;
	s->src[s->n] = strtoull(strrchr(text, '.') + 1, NULL, 10);
	s->count[s->n] = row->cols[1].u;
	s->incomplete[s->n] = row->incomplete;
	s->n++;
}

static void setup_query(struct fixture *f, const char *text, size_t max_keys)
{
	struct sn_engine_opts opts = { .max_keys = max_keys, .grace_ns = SEC };
	char err[512];

	memset(f, 0, sizeof(*f));
	assert_int_equal(sn_query_parse_text(&f->set, "t.sq", text, strlen(text), NULL, 0, err,
					     sizeof(err)), 0);
	assert_int_equal(sn_engine_new(&f->eng, &f->set, &opts, collect, &f->seen), 0);
	assert_int_equal(sn_decoder_init(&f->dec, NULL), 0);
}

static void setup_engine(struct fixture *f, size_t max_keys)
{
	setup_query(f, per_src, max_keys);
}

static void teardown_engine(struct fixture *f)
{
	sn_engine_free(f->eng);
	sn_decoder_free(&f->dec);
	sn_query_set_free(&f->set);
}

/* Feed an Ethernet/IPv4/UDP packet from 10.0.0.src at ts_ns. */
static void feed(struct fixture *f, uint8_t src, uint64_t ts_ns)
{
	uint8_t buf[64];
	struct sn_packet pkt = { 0 };
	uint32_t n = eth_hdr(buf, 0x0800);

	n += ip4_hdr(buf + n, 20, 28, 17, src, 2, 1, 0);
	memset(buf + n, 0, 8);
	put16(buf + n, 1000);
	put16(buf + n + 2, 2000);
	put16(buf + n + 4, 8);
	n += 8;
	pkt.data = buf;
	pkt.caplen = n;
	pkt.wirelen = n;
	pkt.linktype = DLT_EN10MB;
	pkt.ts_ns = ts_ns;
	assert_int_equal(sn_decode(&f->dec, &pkt), SN_MAL_NONE);
	assert_int_equal(sn_engine_packet(f->eng, &pkt), 0);
}

/* A packet of a window that a tick already closed counts in the next one,
 * so no window is emitted twice. */
static void late_after_tick(void **state)
{
	struct fixture f;
	struct sn_query_stats st;

	setup_engine(&f, 0);
	feed(&f, 1, T0 + SEC / 5);
	sn_engine_tick(f.eng, T0 + 2 * SEC + SEC / 10);
	assert_int_equal(f.seen.n, 1);
	feed(&f, 1, T0 + SEC / 2); /* late: its window closed */
	sn_engine_flush(f.eng);
	assert_int_equal(f.seen.n, 2);
	assert_int_equal(f.seen.start[0], T0);
	assert_int_equal(f.seen.count[0], 1);
	assert_int_equal(f.seen.start[1], T0 + SEC);
	assert_int_equal(f.seen.count[1], 1);
	sn_engine_query_stats(f.eng, 0, &st);
	assert_int_equal(st.windows, 2);
	assert_int_equal(st.tuples_in, 2);
	teardown_engine(&f);
}

/* After a tick, a packet older than an earlier closed window also moves
 * forward, and a packet of a later window still opens its own window. */
static void late_then_current(void **state)
{
	struct fixture f;

	setup_engine(&f, 0);
	feed(&f, 1, T0 + 3 * SEC);
	sn_engine_tick(f.eng, T0 + 5 * SEC);
	feed(&f, 2, T0 + SEC); /* two windows before the closed one */
	feed(&f, 3, T0 + 6 * SEC);
	sn_engine_flush(f.eng);
	assert_int_equal(f.seen.n, 3);
	assert_int_equal(f.seen.start[0], T0 + 3 * SEC);
	assert_int_equal(f.seen.src[0], 1);
	assert_int_equal(f.seen.start[1], T0 + 4 * SEC);
	assert_int_equal(f.seen.src[1], 2);
	assert_int_equal(f.seen.start[2], T0 + 6 * SEC);
	assert_int_equal(f.seen.src[2], 3);
	teardown_engine(&f);
}

/* Without ticks (files), a backwards timestamp counts in the open window. */
static void backwards_in_open(void **state)
{
	struct fixture f;

	setup_engine(&f, 0);
	feed(&f, 1, T0 + 2 * SEC);
	feed(&f, 1, 0);
	feed(&f, 1, T0);
	sn_engine_flush(f.eng);
	assert_int_equal(f.seen.n, 1);
	assert_int_equal(f.seen.start[0], T0 + 2 * SEC);
	assert_int_equal(f.seen.count[0], 3);
	teardown_engine(&f);
}

/* Past the key limit new keys are dropped and the window's rows are marked
 * incomplete; the keys already held keep counting. */
static void key_limit(void **state)
{
	struct fixture f;
	struct sn_query_stats st;
	size_t i;

	setup_engine(&f, 2);
	for (i = 1; i <= 5; i++)
		feed(&f, (uint8_t)i, T0);
	feed(&f, 1, T0);
	feed(&f, 9, T0 + SEC);
	sn_engine_flush(f.eng);
	assert_int_equal(f.seen.n, 3);
	assert_int_equal(f.seen.src[0], 1);
	assert_int_equal(f.seen.count[0], 2);
	assert_true(f.seen.incomplete[0]);
	assert_int_equal(f.seen.src[1], 2);
	assert_true(f.seen.incomplete[1]);
	assert_int_equal(f.seen.src[2], 9);
	assert_false(f.seen.incomplete[2]);
	sn_engine_query_stats(f.eng, 0, &st);
	assert_int_equal(st.incomplete_windows, 1);
	assert_int_equal(st.windows, 2);
	teardown_engine(&f);
}

/* Rows buffered per packet count against the key limit. */
static void per_packet_limit(void **state)
{
	struct fixture f;
	struct sn_query_stats st;
	size_t i;

	setup_query(&f, per_packet, 3);
	for (i = 1; i <= 10; i++)
		feed(&f, (uint8_t)i, T0);
	sn_engine_flush(f.eng);
	assert_int_equal(f.seen.n, 3);
	assert_int_equal(f.seen.src[0], 1);
	assert_int_equal(f.seen.count[0], 28);
	assert_true(f.seen.incomplete[0]);
	assert_int_equal(f.seen.src[2], 3);
	sn_engine_query_stats(f.eng, 0, &st);
	assert_int_equal(st.incomplete_windows, 1);
	assert_int_equal(st.tuples_in, 10);
	teardown_engine(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(late_after_tick),
		cmocka_unit_test(late_then_current),
		cmocka_unit_test(backwards_in_open),
		cmocka_unit_test(key_limit),
		cmocka_unit_test(per_packet_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
