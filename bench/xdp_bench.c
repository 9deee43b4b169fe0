/* Cost per packet of the generated XDP program for the eleven bundled queries (max-dp),
 * measured by the kernel with BPF_PROG_TEST_RUN, beside the software switch model on the
 * same packets. Usage: xdp_bench REPEAT CAPTURE...; one line per capture:
 *   capture packets xdp_once_ns xdp_repeat_ns model_ns
 * xdp_once_ns: each packet run once, in capture order (registers evolve as in a run);
 * xdp_repeat_ns: SAMPLES packets spread over the capture, each run REPEAT times in a row
 * (the kernel's average; a run with REPEAT > 1 swaps the kernel's XDP dispatcher twice,
 * which takes milliseconds of wall time, hence the sample);
 * model_ns: decode plus the switch model and its engine, per packet, in user space.
 * Build: see bench/xdp_bench.sh. Needs root. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sonata/capture.h"
#include "sonata/xdp.h"
#include "xdp/xdp_int.h"

static const char *const queries[] = {
	"ddos", "dns_reflection", "dns_tunneling", "incomplete_flows", "new_tcp_conns",
	"port_scan", "slowloris", "ssh_brute_force", "superspreader", "syn_flood", "zorro",
};

static void no_row(const struct sn_row *row, void *arg)
{
	(void)row;
	(void)arg;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int load_queries(struct sn_query_set *set)
{
	char path[256], err[2048];
	size_t i;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		snprintf(path, sizeof(path), "queries/%s.sq", queries[i]);
		if (sn_query_parse_file(set, path, NULL, 0, err, sizeof(err))) {
			fprintf(stderr, "xdp_bench: %s\n", err);
			return -EINVAL;
		}
	}
	return 0;
}

#define SAMPLES 64

static uint64_t count_packets(const char *path)
{
	struct sn_source *src;
	struct sn_packet pkt;
	uint64_t n = 0;

	if (sn_source_open_files(&src, &path, 1, NULL))
		return 0;
	while (sn_source_next(src, &pkt) == 1)
		n++;
	sn_source_close(src);
	return n;
}

/* Run every packet of path through the program once, in order, and SAMPLES of them
 * repeat times each. */
static int bench_xdp(struct sn_xdp *x, const char *path, unsigned repeat, double *once,
		     double *rep, uint64_t *n)
{
	uint64_t stride = count_packets(path) / SAMPLES, sampled = 0;
	struct sn_source *src;
	struct sn_packet pkt;
	struct sx_cfg c;
	uint64_t sum1 = 0, sumr = 0;
	uint32_t zero = 0;
	int rc;

	if (sn_source_open_files(&src, &path, 1, NULL))
		return -EIO;
	*n = 0;
	while ((rc = sn_source_next(src, &pkt)) == 1) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt.data,
			    .data_size_in = pkt.caplen, .repeat = 1);

		if (bpf_map_lookup_elem(x->cfg_fd, &zero, &c))
			break;
		c.fixed_ts = pkt.ts_ns ? pkt.ts_ns : 1;
		if (bpf_map_update_elem(x->cfg_fd, &zero, &c, BPF_ANY) ||
		    bpf_prog_test_run_opts(x->prog_fd, &o))
			break;
		sum1 += o.duration;
		if (stride == 0 || *n % stride == 0) {
			o.repeat = repeat;
			if (bpf_prog_test_run_opts(x->prog_fd, &o))
				break;
			sumr += o.duration;
			sampled++;
		}
		/* the records only make room in the ring buffer here */
		ring_buffer__consume(x->ring);
		(*n)++;
	}
	sn_source_close(src);
	if (rc != 0 || *n == 0 || sampled == 0)
		return -EIO;
	*once = (double)sum1 / (double)*n;
	*rep = (double)sumr / (double)sampled;
	return 0;
}

static int bench_model(const struct sn_query_set *set, const struct sn_plan *plan,
		       const struct sn_dp_opts *opts, const char *path, double *ns)
{
	struct sn_dp_runner *r;
	struct sn_decoder dec;
	struct sn_source *src;
	struct sn_packet pkt;
	uint64_t t = 0, t0, n = 0;
	int rc;

	if (sn_dp_new(&r, set, plan, opts, no_row, NULL))
		return -EINVAL;
	if (sn_decoder_init(&dec, NULL) || sn_source_open_files(&src, &path, 1, NULL))
		return -EIO;
	while ((rc = sn_source_next(src, &pkt)) == 1) {
		t0 = mono_ns();
		sn_decode(&dec, &pkt);
		sn_dp_packet(r, &pkt);
		t += mono_ns() - t0;
		n++;
	}
	sn_source_close(src);
	sn_decoder_free(&dec);
	sn_dp_free(r);
	*ns = n ? (double)t / (double)n : 0;
	return rc;
}

int main(int argc, char **argv)
{
	struct sn_query_set set = { 0 };
	struct sn_dp_opts opts;
	struct sn_plan plan;
	unsigned repeat;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: xdp_bench REPEAT CAPTURE...\n");
		return 2;
	}
	repeat = (unsigned)atoi(argv[1]);
	if (repeat < 1 || load_queries(&set))
		return 2;
	sn_dp_opts_default(&opts);
	if (sn_dp_plan_mode(&set, &opts, SN_PLAN_MAX_DP, &plan))
		return 1;
	for (i = 2; i < argc; i++) {
		struct sn_xdp *x;
		double once, rep, model;
		uint64_t n;
		const char *base = strrchr(argv[i], '/');

		if (sn_xdp_new(&x, &set, &plan, &opts, NULL, no_row, NULL))
			return 1;
		if (bench_xdp(x, argv[i], repeat, &once, &rep, &n) ||
		    bench_model(&set, &plan, &opts, argv[i], &model)) {
			fprintf(stderr, "xdp_bench: %s failed\n", argv[i]);
			sn_xdp_free(x);
			return 1;
		}
		printf("%s %llu %.0f %.0f %.0f\n", base ? base + 1 : argv[i],
		       (unsigned long long)n, once, rep, model);
		sn_xdp_free(x);
	}
	sn_plan_free(&plan);
	sn_query_set_free(&set);
	return 0;
}
