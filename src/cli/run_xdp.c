/* sonata run --dataplane xdp: the plan's switch part as an XDP program. On a live interface
 * the program is attached and its ring buffer feeds the engine. On capture files each
 * packet runs through the program with BPF_PROG_TEST_RUN, so the results can be compared
 * with the software model's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/run.h"
#include "sonata/log.h"
#include "sonata/xdp.h"

#define POLL_MS 100

int run_xdp_parse(struct run_config *cfg, const char *opt, const char *arg)
{
	if (!strcmp(opt, "--dataplane")) {
		if (strcmp(arg, "model") && strcmp(arg, "xdp")) {
			fprintf(stderr, "sonata run: invalid --dataplane '%s': expected model or "
					"xdp\n", arg);
			return -EINVAL;
		}
		cfg->xdp = !strcmp(arg, "xdp");
		cfg->dataplane_set = 1;
		return 0;
	}
	if (!strcmp(opt, "--xdp-mode")) {
		if (!strcmp(arg, "native")) {
			cfg->xdp_mode = SN_XDP_NATIVE;
		} else if (!strcmp(arg, "generic")) {
			cfg->xdp_mode = SN_XDP_GENERIC;
		} else {
			fprintf(stderr, "sonata run: invalid --xdp-mode '%s': expected native or "
					"generic\n", arg);
			return -EINVAL;
		}
		return 0;
	}
	cfg->keep_generated = arg;
	return 0;
}

int run_xdp_check(struct run_config *cfg)
{
	if (!cfg->xdp && (cfg->xdp_mode != SN_XDP_AUTO || cfg->keep_generated)) {
		fprintf(stderr, "sonata run: --xdp-mode and --keep-generated need --dataplane "
				"xdp\n");
		return -EINVAL;
	}
	if (cfg->dataplane_set && !cfg->xdp && !cfg->plan) {
		fprintf(stderr, "sonata run: --dataplane model needs --plan MODE|FILE\n");
		return -EINVAL;
	}
	if (cfg->xdp && cfg->iface && cfg->user) {
		fprintf(stderr, "sonata run: -Z does not apply to --dataplane xdp: the program "
				"runs in the kernel and its maps stay open to this process\n");
		return -EINVAL;
	}
	if (cfg->xdp && cfg->iface && cfg->capture.filter) {
		fprintf(stderr, "sonata run: -f does not apply to --dataplane xdp, which reads "
				"every frame of the interface; filter in a query instead\n");
		return -EINVAL;
	}
	if (cfg->xdp && !cfg->plan)
		cfg->plan = "max-dp";
	return 0;
}

int run_xdp_open(struct run_state *st)
{
	const struct run_config *cfg = st->cfg;
	struct sn_xdp_opts xo;
	struct sn_dp_opts opts;
	struct sn_plan plan;
	int rc;

	sn_dp_opts_default(&opts);
	rc = run_plan_build(cfg->plan, &st->queries, cfg->files, cfg->n_files, &cfg->decode, &opts,
			    &plan);
	if (rc)
		return rc;
	sn_xdp_opts_default(&xo);
	xo.keep_dir = cfg->keep_generated;
	rc = sn_xdp_new(&st->xdp, &st->queries, &plan, &opts, &xo, run_output_row, st->out);
	sn_plan_free(&plan);
	if (rc)
		return rc;
	st->dp = sn_xdp_runner(st->xdp);
	if (!cfg->iface)
		return 0;
	rc = sn_xdp_attach(st->xdp, cfg->iface, (enum sn_xdp_mode)cfg->xdp_mode);
	if (rc)
		return rc;
	st->live = 1;
	return 0;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int run_xdp_live(struct run_state *st, volatile sig_atomic_t *stop)
{
	int rc;

	while (!*stop) {
		rc = sn_xdp_poll(st->xdp, POLL_MS, realtime_ns());
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "sonata: error: reading the XDP ring buffer failed: %s\n",
				strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void run_xdp_summary(const struct run_state *st)
{
	struct sn_xdp_stats xs;

	sn_xdp_stats(st->xdp, &xs);
	fprintf(stderr, "XDP data plane: %llu records, %llu tuples, %llu frames copied, "
		"%llu records lost (ring buffer full), %llu packets passed before their "
		"refinement filter, %llu frames cut to the copy limit\n",
		(unsigned long long)xs.records, (unsigned long long)xs.tuples,
		(unsigned long long)xs.frames, (unsigned long long)xs.lost,
		(unsigned long long)xs.filter_late, (unsigned long long)xs.truncated);
	if (xs.lost)
		fprintf(stderr, "sonata: warning: %llu XDP records were lost, so results may "
				"miss keys: raise the ring buffer size\n",
			(unsigned long long)xs.lost);
}
