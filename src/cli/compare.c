/* sonata compare: run the five plan modes and the exact engine over one capture and print,
 * side by side, the load on the stream processor, the switch resources, the detection
 * delay, and precision and recall of the reported (query, key) pairs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run.h"
#include "sonata/dataplane.h"
#include "sonata/log.h"

#define N_MODES 5

/* Reported (query, key) pairs of one run, as text, sorted and unique at the end. */
struct pairs {
	char **v;
	size_t n, cap;
};

static void add_pair(const struct sn_row *row, void *arg)
{
	struct pairs *p = arg;
	char buf[1024], val[256];
	size_t at, i;

	at = (size_t)snprintf(buf, sizeof(buf), "%s", row->query->name);
	for (i = 0; i < row->schema->n && at < sizeof(buf); i++) {
		if (!row->schema->cols[i].is_key)
			continue;
		sn_value_format(&row->cols[i], val, sizeof(val));
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, " %s", val);
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		char **grown = realloc(p->v, cap * sizeof(*grown));

		if (!grown)
			return;
		p->v = grown;
		p->cap = cap;
	}
	p->v[p->n] = strdup(buf);
	if (p->v[p->n])
		p->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void pairs_unique(struct pairs *p)
{
	size_t i, n = 0;

	if (p->n == 0)
		return;
	qsort(p->v, p->n, sizeof(*p->v), cmp_str);
	for (i = 0; i < p->n; i++) {
		if (n && !strcmp(p->v[n - 1], p->v[i])) {
			free(p->v[i]);
			continue;
		}
		p->v[n++] = p->v[i];
	}
	p->n = n;
}

static void pairs_free(struct pairs *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

/* Pairs of got that are also in want, per query when query is not NULL. */
static size_t common(const struct pairs *want, const struct pairs *got, const char *query,
		     size_t *n_want, size_t *n_got)
{
	size_t i, hits = 0, ql = query ? strlen(query) : 0;

	*n_want = *n_got = 0;
	for (i = 0; i < got->n; i++) {
		if (query && (strncmp(got->v[i], query, ql) || got->v[i][ql] != ' '))
			continue;
		(*n_got)++;
		if (want->n && bsearch(&got->v[i], want->v, want->n, sizeof(*want->v), cmp_str))
			hits++;
	}
	for (i = 0; i < want->n; i++)
		if (!query || (!strncmp(want->v[i], query, ql) && want->v[i][ql] == ' '))
			(*n_want)++;
	return hits;
}

struct compare_run {
	enum sn_plan_mode mode;
	struct sn_dp_runner *dp;
	struct pairs pairs;
};

static void feed_all(struct run_state *st, struct sn_engine *eng, struct compare_run *runs)
{
	struct sn_packet pkt;
	int rc, m;

	memset(&pkt, 0, sizeof(pkt));
	while ((rc = sn_source_next(st->src, &pkt)) == 1) {
		sn_decode(&st->decoder, &pkt);
		sn_engine_packet(eng, &pkt);
		for (m = 0; m < N_MODES; m++)
			sn_dp_packet(runs[m].dp, &pkt);
		st->packets++;
	}
	if (rc < 0)
		fprintf(stderr, "sonata compare: %s\n", sn_source_error(st->src));
	sn_engine_flush(eng);
	for (m = 0; m < N_MODES; m++)
		sn_dp_flush(runs[m].dp);
}

static void print_ratio(size_t num, size_t den)
{
	if (den)
		printf(" %9.3f", (double)num / (double)den);
	else
		printf(" %9s", "-");
}

static void print_query(const struct sn_query_set *set, size_t q, struct compare_run *runs,
			const struct pairs *exact)
{
	const char *name = set->queries[q].name;
	size_t nw, ng, hits;
	int m;

	printf("%s\n", name);
	printf("  %-10s %12s %10s %10s %7s %6s %9s %9s  %s\n", "mode", "tuples->SP", "overflow",
	       "bits", "stages", "delay", "precision", "recall", "levels");
	for (m = 0; m < N_MODES; m++) {
		struct sn_dp_query_stats st;

		sn_dp_query_stats(runs[m].dp, q, &st);
		hits = common(exact, &runs[m].pairs, name, &nw, &ng);
		printf("  %-10s %12llu %10llu %10llu %7u %6u", sn_plan_mode_name(runs[m].mode),
		       (unsigned long long)st.tuples_sp, (unsigned long long)st.overflow,
		       (unsigned long long)st.bits, st.stages, st.delay);
		print_ratio(hits, ng);
		print_ratio(hits, nw);
		printf("  %s%s\n", st.chain, st.filter_full ? " (filter full: passed all)" : "");
	}
}

static void print_reduction(uint64_t all_sp, uint64_t tuples)
{
	if (tuples)
		printf(" %11.1fx", (double)all_sp / (double)tuples);
	else
		printf(" %12s", all_sp ? "all" : "-");
}

/* One line per query with the tuples of every mode and the reduction of sonata against
 * all-sp, then the totals and each mode's reduction. */
static void print_totals(const struct sn_query_set *set, struct compare_run *runs,
			 uint64_t packets)
{
	uint64_t total[N_MODES] = { 0 };
	size_t q;
	int m;

	printf("\ntuples to the stream processor per query\n  %-18s", "query");
	for (m = 0; m < N_MODES; m++)
		printf(" %12s", sn_plan_mode_name(runs[m].mode));
	printf(" %12s\n", "reduction");
	for (q = 0; q < set->n; q++) {
		uint64_t t[N_MODES];

		printf("  %-18s", set->queries[q].name);
		for (m = 0; m < N_MODES; m++) {
			struct sn_dp_query_stats st;

			sn_dp_query_stats(runs[m].dp, q, &st);
			t[m] = st.tuples_sp;
			total[m] += t[m];
			printf(" %12llu", (unsigned long long)t[m]);
		}
		print_reduction(t[SN_PLAN_ALL_SP], t[SN_PLAN_SONATA]);
		printf("\n");
	}
	printf("  %-18s", "total");
	for (m = 0; m < N_MODES; m++)
		printf(" %12llu", (unsigned long long)total[m]);
	print_reduction(total[SN_PLAN_ALL_SP], total[SN_PLAN_SONATA]);
	printf("\n  %-18s", "reduction");
	for (m = 0; m < N_MODES; m++)
		print_reduction(total[SN_PLAN_ALL_SP], total[m]);
	printf("\nreduction: all-sp tuples / tuples of the mode (sonata in the last column).\n"
	       "Each query counts its own copy of a packet: mirroring each packet once for all\n"
	       "queries would send %llu.\n", (unsigned long long)packets);
}

static int compare_usage(FILE *out)
{
	fprintf(out,
		"usage: sonata compare -r FILE... [-q QUERIES]... [-D NAME=VALUE]...\n\n"
		"Runs every plan mode (all-sp, filter-dp, max-dp, fixed-ref, sonata) with the\n"
		"switch model and the exact engine over the capture, and prints per query: tuples\n"
		"sent to the stream processor, register overflow, switch bits and stages, the\n"
		"detection delay in windows, and precision and recall of the reported (query, key)\n"
		"pairs against the exact engine. A last table lists each query's tuples per mode,\n"
		"the totals, and the reduction against all-sp. The sonata mode trains on the same\n"
		"capture first.\n");
	return out == stdout ? 0 : 2;
}

int run_config_add_define(struct run_config *cfg, const char *arg, const char *cmd)
{
	const char *eq = strchr(arg, '=');
	struct sn_define *defs;
	char **names, *end;
	double v;

	if (!eq || eq == arg) {
		fprintf(stderr, "sonata %s: invalid -D '%s': expected NAME=VALUE\n", cmd, arg);
		return -EINVAL;
	}
	v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end) {
		fprintf(stderr, "sonata %s: invalid -D '%s': '%s' is not a number\n", cmd, arg,
			eq + 1);
		return -EINVAL;
	}
	defs = realloc(cfg->defs, (cfg->n_defs + 1) * sizeof(*defs));
	if (defs)
		cfg->defs = defs;
	names = realloc(cfg->def_names, (cfg->n_defs + 1) * sizeof(*names));
	if (names)
		cfg->def_names = names;
	if (!defs || !names)
		return -ENOMEM;
	names[cfg->n_defs] = strndup(arg, (size_t)(eq - arg));
	if (!names[cfg->n_defs])
		return -ENOMEM;
	defs[cfg->n_defs].name = names[cfg->n_defs];
	defs[cfg->n_defs++].value = v;
	return 0;
}

int run_config_add_path(const char ***list, size_t *n, const char *s)
{
	const char **grown = realloc(*list, (*n + 1) * sizeof(**list));

	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = s;
	*list = grown;
	return 0;
}

static int parse_compare_args(struct run_config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc = 0;

	optind = 1;
	while (!rc && (opt = getopt_long(argc, argv, "hr:q:D:v", longopts, NULL)) != -1) {
		if (opt == 'h')
			return 1;
		if (opt == 'r')
			rc = run_config_add_path(&cfg->files, &cfg->n_files, optarg);
		else if (opt == 'q')
			rc = run_config_add_path(&cfg->query_files, &cfg->n_query_files, optarg);
		else if (opt == 'D')
			rc = run_config_add_define(cfg, optarg, "compare");
		else if (opt == 'v')
			cfg->verbosity++;
		else
			rc = -EINVAL;
	}
	if (!rc && (optind < argc || !cfg->n_files)) {
		fprintf(stderr, "sonata compare: give the capture with -r FILE\n");
		rc = -EINVAL;
	}
	return rc;
}

static int make_runs(struct run_state *st, struct compare_run *runs, struct pairs *pairs)
{
	const struct run_config *cfg = st->cfg;
	struct sn_dp_opts opts;
	struct sn_plan plan;
	int m, rc = 0;

	for (m = 0; m < N_MODES && !rc; m++) {
		runs[m].mode = (enum sn_plan_mode)m;
		sn_dp_opts_default(&opts);
		rc = run_plan_build(sn_plan_mode_name(runs[m].mode), &st->queries, cfg->files,
				    cfg->n_files, &cfg->decode, &opts, &plan);
		if (rc)
			break;
		rc = sn_dp_new(&runs[m].dp, &st->queries, &plan, &opts, add_pair, &pairs[m]);
		sn_plan_free(&plan);
	}
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_run runs[N_MODES];
	struct pairs pairs[N_MODES], exact = { 0 };
	struct sn_engine *eng = NULL;
	struct run_config cfg;
	struct run_state st;
	int rc, m, status = 1;
	size_t q, nw, ng, hits;

	memset(runs, 0, sizeof(runs));
	memset(pairs, 0, sizeof(pairs));
	run_config_init(&cfg);
	cfg.engine.max_keys = 0;
	rc = parse_compare_args(&cfg, argc, argv);
	if (rc) {
		run_config_free(&cfg);
		return compare_usage(rc > 0 ? stdout : stderr);
	}
	sn_log_set_level(cfg.verbosity ? SN_LOG_INFO : SN_LOG_WARN);
	rc = run_state_open(&st, &cfg);
	if (!rc)
		rc = sn_engine_new(&eng, &st.queries, NULL, add_pair, &exact);
	if (!rc)
		rc = make_runs(&st, runs, pairs);
	if (rc)
		goto out;
	feed_all(&st, eng, runs);
	pairs_unique(&exact);
	for (m = 0; m < N_MODES; m++) {
		pairs_unique(&pairs[m]);
		runs[m].pairs = pairs[m];
	}
	printf("%llu packets; %zu (query, key) pairs reported by the exact engine\n\n",
	       (unsigned long long)st.packets, exact.n);
	for (q = 0; q < st.queries.n; q++)
		print_query(&st.queries, q, runs, &exact);
	print_totals(&st.queries, runs, st.packets);
	printf("\nall queries: precision / recall\n");
	for (m = 0; m < N_MODES; m++) {
		hits = common(&exact, &runs[m].pairs, NULL, &nw, &ng);
		printf("  %-10s", sn_plan_mode_name(runs[m].mode));
		print_ratio(hits, ng);
		print_ratio(hits, nw);
		printf("\n");
	}
	status = 0;
out:
	for (m = 0; m < N_MODES; m++) {
		sn_dp_free(runs[m].dp);
		pairs_free(&pairs[m]);
	}
	pairs_free(&exact);
	sn_engine_free(eng);
	run_state_close(&st);
	run_config_free(&cfg);
	return status;
}
