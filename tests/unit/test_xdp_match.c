/* The XDP program against the switch model: every capture, all bundled queries in one
 * program, packet by packet through BPF_PROG_TEST_RUN. Each packet must send the same
 * number of tuples per level and stream as the model, with the same columns, and the
 * reported rows must be equal. Needs root (CI runs as root). */
#include "testutil.h"
#include "switch_util.h"

#include "sonata/xdp.h"
#include "xdp/xdp_int.h"

#include <unistd.h>

#define MAX_ENT 256

struct tapped {
	struct sx_ent e[MAX_ENT];
	struct sn_value cols[MAX_ENT][16];
	size_t n;
};

static void tap(const struct sx_ent *e, const struct sn_value *cols, void *arg)
{
	struct tapped *t = arg;

	assert_true(t->n < MAX_ENT);
	t->e[t->n] = *e;
	memcpy(t->cols[t->n], cols, (e->ncols < 16 ? e->ncols : 16) * sizeof(*cols));
	t->n++;
}

/* Columns the model computed for entry e of this packet. */
static const struct sn_value *model_cols(const struct dp_stream *ds, const struct sx_ent *e)
{
	size_t j = e->op;

	if (e->kind == SX_PARTIAL)
		return ds->ops[j].out;
	while (j > 0) {
		j--;
		if (ds->ops[j].op->kind != SN_OP_FILTER)
			return ds->ops[j].out;
	}
	return NULL;
}

static void check_packet(struct sn_dp_runner *m, struct sn_dp_runner *xr, uint64_t **before,
			 const struct tapped *t, uint64_t pkt_no, const char *file)
{
	size_t i, s, k, c;

	for (i = 0; i < m->set.n; i++) {
		for (s = 0; s < m->by_eng[i]->n_streams; s++) {
			struct dp_stream *ds = &m->by_eng[i]->streams[s];
			uint64_t want = ds->tuples_sp - before[i][s];
			uint64_t got = xr->by_eng[i]->streams[s].tuples_sp;

			before[i][s] = ds->tuples_sp;
			if (want != got)
				fail_msg("%s packet %llu: query %s stream %zu: model sent %llu "
					 "tuples, XDP %llu", file, (unsigned long long)pkt_no,
					 m->by_eng[i]->dq->q->name, ds->idx,
					 (unsigned long long)want, (unsigned long long)got);
			xr->by_eng[i]->streams[s].tuples_sp = 0;
		}
	}
	for (k = 0; k < t->n; k++) {
		const struct sx_ent *e = &t->e[k];
		const struct dp_level *lv = m->by_eng[e->q];
		const struct sn_value *want = NULL;

		for (s = 0; s < lv->n_streams; s++)
			if (lv->streams[s].idx == e->s)
				want = model_cols(&lv->streams[s], e);
		if (e->kind == SX_PACKET)
			continue;
		assert_non_null(want);
		for (c = 0; c < e->ncols; c++)
			if (!sn_value_equal(&want[c], &t->cols[k][c]))
				fail_msg("%s packet %llu: query %s op %u column %zu differs",
					 file, (unsigned long long)pkt_no, lv->dq->q->name,
					 e->op, c);
	}
}

static void run_trace(const char *name, enum sn_plan_mode mode, const char *dir)
{
	struct sn_xdp_opts xo;
	struct sn_query_set set = { 0 };
	struct rowlog want = { 0 }, got = { 0 };
	struct sn_dp_runner *m;
	struct sn_xdp *x;
	struct sn_plan plan;
	struct sn_dp_opts opts;
	struct tapped t;
	struct sn_decoder dec;
	struct sn_source *src;
	struct sn_packet pkt;
	const char *path = trace_path(name);
	uint64_t **before, n = 0;
	size_t i;
	int ret;

	load_bundled(&set);
	sn_dp_opts_default(&opts);
	opts.cells = 4096;
	assert_int_equal(sn_dp_plan_mode(&set, &opts, mode, &plan), 0);
	assert_int_equal(sn_dp_new(&m, &set, &plan, &opts, rowlog_add, &want), 0);
	sn_xdp_opts_default(&xo);
	xo.keep_dir = dir;
	assert_int_equal(sn_xdp_new(&x, &set, &plan, &opts, &xo, rowlog_add, &got), 0);
	x->tap = tap;
	x->tap_arg = &t;
	before = calloc(m->set.n, sizeof(*before));
	assert_non_null(before);
	for (i = 0; i < m->set.n; i++) {
		before[i] = calloc(m->by_eng[i]->n_streams + 1, sizeof(**before));
		assert_non_null(before[i]);
	}
	assert_int_equal(sn_decoder_init(&dec, NULL), 0);
	assert_int_equal(sn_source_open_files(&src, &path, 1, NULL), 0);
	memset(&pkt, 0, sizeof(pkt));
	while ((ret = sn_source_next(src, &pkt)) == 1) {
		t.n = 0;
		assert_int_equal(sn_xdp_test_frame(x, pkt.data, pkt.caplen, pkt.ts_ns), 0);
		sn_decode(&dec, &pkt);
		assert_int_equal(sn_dp_packet(m, &pkt), 0);
		check_packet(m, x->r, before, &t, ++n, name);
	}
	assert_int_equal(ret, 0);
	assert_true(n > 0);
	sn_dp_flush(m);
	sn_xdp_flush(x);
	assert_same_rows(&want, &got, name);
	sn_source_close(src);
	sn_decoder_free(&dec);
	for (i = 0; i < m->set.n; i++)
		free(before[i]);
	free(before);
	sn_xdp_free(x);
	sn_dp_free(m);
	sn_plan_free(&plan);
	rowlog_free(&want);
	rowlog_free(&got);
	sn_query_set_free(&set);
}

static const char *const traces[] = {
	"elastic_dns-tunnel-iodine.pcap", "esnet_masscan_tcp_0_1000.pcap",
	"esnet_nmap_80_all.pcap", "id2t_hydra-1_tasks.pcap", "id2t_mirai_botnet.pcap",
	"id2t_reference_telnet.pcap", "kihy_slowloris.pcap", "ndpi_synscan.pcap",
	"sgr_hs-tcp_synPingSweepRand.pcapng", "slips_test7-malicious.pcap",
	"sonata_campus_dns_1min.pcap", "stopddos_amp.dns.RRSIG.fragmented.pcap",
	"stopddos_pkt.TCP.synflood.spoofed.pcap", "tcpreplay_test.pcap",
	"zeek_ftp_bruteforce.pcap", "zeek_sshguess.pcap",
};

/* Every capture, one compiler run: the program is the same for all of them, and a kept
 * directory reuses its object. */
static void run_mode(enum sn_plan_mode mode)
{
	char dir[] = "/tmp/sonata-xdp-test-XXXXXX", path[64];
	static const char *const files[] = { "sonata_xdp.c", "sonata_xdp.o", "clang.log" };
	size_t i;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
		run_trace(traces[i], mode, dir);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
}

static void test_maxdp_traces(void **state)
{
	(void)state;
	run_mode(SN_PLAN_MAX_DP);
}

static void test_fixedref_traces(void **state)
{
	(void)state;
	run_mode(SN_PLAN_FIXED_REF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maxdp_traces),
		cmocka_unit_test(test_fixedref_traces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
