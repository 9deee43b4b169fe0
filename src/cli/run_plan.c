/* sonata run --plan: build the plan and the switch model runner, and report its counts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run.h"
#include "sonata/dataplane.h"

#define SOLVE_SECONDS 60.0

static int read_all(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *b, *grown;

	if (!f)
		return -errno;
	b = malloc(cap);
	while (b) {
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
		grown = realloc(b, cap * 2);
		if (!grown) {
			free(b);
			b = NULL;
			break;
		}
		b = grown;
		cap *= 2;
	}
	fclose(f);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*len = n;
	return 0;
}

static int plan_from_file(const char *path, struct sn_dp_opts *opts, struct sn_plan *out)
{
	char err[1024], *buf = NULL;
	size_t len = 0;
	int rc = read_all(path, &buf, &len);

	if (rc) {
		fprintf(stderr, "sonata: --plan '%s' is neither a mode (all-sp, filter-dp, max-dp, "
				"fixed-ref, sonata) nor a readable plan file: %s\n", path,
			strerror(-rc));
		return rc;
	}
	rc = sn_plan_read_json(buf, len, path, out, err, sizeof(err));
	free(buf);
	if (rc) {
		fprintf(stderr, "sonata: %s\n", err);
		return rc;
	}
	if (out->limits.stages)
		opts->limits = out->limits;
	return 0;
}

static int plan_sonata(const struct sn_query_set *set, const char *const *files, size_t n_files,
		       const struct sn_decode_opts *decode, const struct sn_dp_opts *opts,
		       struct sn_plan *out)
{
	struct sn_costs costs;
	char err[1024];
	size_t i;
	int rc;

	for (i = 0; i < n_files; i++) {
		if (!strcmp(files[i], "-")) {
			fprintf(stderr, "sonata: the sonata plan mode reads the capture twice "
					"(training, then the run), so it cannot read standard input\n");
			return -EINVAL;
		}
	}
	rc = sn_train(set, files, n_files, decode, opts, &costs, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sonata: %s\n", err);
		return rc;
	}
	rc = sn_plan_solve(&costs, &opts->limits, SN_PLAN_SONATA, SOLVE_SECONDS, out, err,
			   sizeof(err));
	if (rc)
		fprintf(stderr, "sonata: planning failed: %s\n", err);
	sn_costs_free(&costs);
	return rc;
}

int run_plan_build(const char *spec, const struct sn_query_set *set, const char *const *files,
		   size_t n_files, const struct sn_decode_opts *decode, struct sn_dp_opts *opts,
		   struct sn_plan *out)
{
	enum sn_plan_mode mode;

	memset(out, 0, sizeof(*out));
	if (sn_plan_mode_parse(spec, &mode))
		return plan_from_file(spec, opts, out);
	if (mode == SN_PLAN_SONATA)
		return plan_sonata(set, files, n_files, decode, opts, out);
	return sn_dp_plan_mode(set, opts, mode, out);
}

int run_plan_open(struct run_state *st)
{
	const struct run_config *cfg = st->cfg;
	struct sn_dp_opts opts;
	struct sn_plan plan;
	int rc;

	if (cfg->iface) {
		fprintf(stderr, "sonata run: --plan runs on capture files (-r), not live\n");
		return -EINVAL;
	}
	sn_dp_opts_default(&opts);
	rc = run_plan_build(cfg->plan, &st->queries, cfg->files, cfg->n_files, &cfg->decode,
			    &opts, &plan);
	if (rc)
		return rc;
	rc = sn_dp_new(&st->dp, &st->queries, &plan, &opts, run_output_row, st->out);
	sn_plan_free(&plan);
	if (rc)
		fprintf(stderr, "sonata: cannot build the switch model for the plan: %s\n",
			strerror(-rc));
	return rc;
}

void run_plan_summary(const struct run_state *st)
{
	size_t q;

	fprintf(stderr, "switch model (--plan %s):\n", st->cfg->plan);
	fprintf(stderr, "  %-18s %-24s %10s %8s %8s %9s %9s %6s %6s\n", "query", "levels",
		"to SP", "rows", "windows", "overflow", "bits", "stages", "delay");
	for (q = 0; q < st->queries.n; q++) {
		struct sn_dp_query_stats ds;

		sn_dp_query_stats(st->dp, q, &ds);
		fprintf(stderr, "  %-18s %-24s %10llu %8llu %8llu %9llu %9llu %6u %6u\n",
			st->queries.queries[q].name, ds.chain, (unsigned long long)ds.tuples_sp,
			(unsigned long long)ds.rows, (unsigned long long)ds.windows,
			(unsigned long long)ds.overflow, (unsigned long long)ds.bits, ds.stages,
			ds.delay);
		if (ds.filter_full)
			fprintf(stderr, "  %-18s %llu windows passed all traffic: the coarse level "
					"reported more keys than the filter table holds\n", "",
				(unsigned long long)ds.filter_full);
	}
}
