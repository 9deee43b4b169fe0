/* `sonata plan`: choose refinement levels and switch tables for queries from measured costs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run.h"
#include "sonata/dataplane.h"
#include "sonata/log.h"
#include "sonata/plan.h"

enum plan_opt {
	O_COSTS = 'c', O_MODE = 'm', O_READ = 'r', O_QUERIES = 'q', O_DEFINE = 'D',
	O_VERBOSE = 'v', O_HELP = 'h', O_TIME = 256, O_JSON, O_LIMITS, O_SOLVER, O_WRITE_COSTS,
};

struct plan_args {
	const char *costs;
	const char *write_costs;
	struct run_config cfg;	/* captures, query files and defines of -r */
	enum sn_plan_mode mode;
	double time_limit;
	bool json;
	bool brute;
	bool limits_given;
	struct sn_switch_limits limits;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: sonata plan --costs FILE [options]\n"
		"       sonata plan -r CAPTURE... [-q QUERIES]... [-D NAME=VALUE]... [options]\n"
		"Choose, for all queries together, the refinement levels, which level feeds which,\n"
		"and the stateful tables each level runs in the switch, minimising the tuples sent\n"
		"to the stream processor per window.\n\n"
		"  -c, --costs FILE        cost file (JSON, see docs/planner.md)\n"
		"  -m, --mode MODE         all-sp, filter-dp, max-dp, fixed-ref or sonata (default)\n"
		"      --time-limit S      stop the solver after S seconds and report the gap\n"
		"                          (default 60, 0: no limit)\n"
		"      --limits SPEC       switch limits as stages=N,tables=N,bits=N,metadata=N,\n"
		"                          entries=N (tables and bits per stage; entries per\n"
		"                          refinement filter); overrides the cost file's limits\n"
		"      --solver NAME       glpk (default) or brute (exhaustive, small inputs only)\n"
		"      --json              print the plan as JSON instead of tables\n"
		"  -r, --read CAPTURE      measure the costs on this capture (repeatable) with the\n"
		"                          switch model, in place of --costs\n"
		"  -q, --queries FILE      query file for -r (repeatable; default: bundled queries)\n"
		"  -D, --define NAME=VALUE set a query parameter for -r\n"
		"      --write-costs FILE  with -r: also write the measured costs to FILE\n"
		"  -v, --verbose           log more (repeat for debug messages)\n"
		"  -h, --help              show this help\n");
}

static const struct option long_opts[] = {
	{ "costs", required_argument, NULL, O_COSTS },
	{ "mode", required_argument, NULL, O_MODE },
	{ "time-limit", required_argument, NULL, O_TIME },
	{ "limits", required_argument, NULL, O_LIMITS },
	{ "solver", required_argument, NULL, O_SOLVER },
	{ "json", no_argument, NULL, O_JSON },
	{ "read", required_argument, NULL, O_READ },
	{ "queries", required_argument, NULL, O_QUERIES },
	{ "define", required_argument, NULL, O_DEFINE },
	{ "write-costs", required_argument, NULL, O_WRITE_COSTS },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_time(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !(*out >= 0)) {
		fprintf(stderr, "sonata plan: invalid --time-limit '%s': expected seconds >= 0\n",
			s);
		return -EINVAL;
	}
	return 0;
}

static int parse_one(struct plan_args *a, int opt, const char *arg)
{
	char err[256];

	switch (opt) {
	case O_COSTS:
		a->costs = arg;
		return 0;
	case O_MODE:
		if (!sn_plan_mode_parse(arg, &a->mode))
			return 0;
		fprintf(stderr, "sonata plan: invalid --mode '%s': use all-sp, filter-dp, max-dp, fixed-ref or sonata\n",
			arg);
		return -EINVAL;
	case O_TIME:
		return parse_time(arg, &a->time_limit);
	case O_LIMITS:
		a->limits_given = true;
		if (!sn_switch_limits_parse(&a->limits, arg, err, sizeof(err)))
			return 0;
		fprintf(stderr, "sonata plan: %s\n", err);
		return -EINVAL;
	case O_SOLVER:
		a->brute = !strcmp(arg, "brute");
		if (a->brute || !strcmp(arg, "glpk"))
			return 0;
		fprintf(stderr, "sonata plan: invalid --solver '%s': use glpk or brute\n", arg);
		return -EINVAL;
	case O_JSON:
		a->json = true;
		return 0;
	case O_READ:
		if (!strcmp(arg, "-")) {
			fprintf(stderr, "sonata plan: -r reads capture files; standard input is not supported\n");
			return -EINVAL;
		}
		return run_config_add_path(&a->cfg.files, &a->cfg.n_files, arg);
	case O_QUERIES:
		return run_config_add_path(&a->cfg.query_files, &a->cfg.n_query_files, arg);
	case O_DEFINE:
		return run_config_add_define(&a->cfg, arg, "plan");
	case O_WRITE_COSTS:
		a->write_costs = arg;
		return 0;
	case O_VERBOSE:
		a->cfg.verbosity++;
		return 0;
	default:
		return -EINVAL;
	}
}

static int parse_args(struct plan_args *a, int argc, char **argv)
{
	int opt;

	sn_switch_limits_default(&a->limits);
	a->mode = SN_PLAN_SONATA;
	a->time_limit = 60;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:m:r:q:D:vh", long_opts, NULL)) != -1) {
		if (opt == O_HELP) {
			usage(stdout);
			return 1;
		}
		if (parse_one(a, opt, optarg) < 0)
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "sonata plan: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (a->costs && a->cfg.n_files) {
		fprintf(stderr, "sonata plan: give either --costs FILE or -r CAPTURE, not both\n");
		return -EINVAL;
	}
	if (!a->cfg.n_files && (a->cfg.n_query_files || a->cfg.n_defs || a->write_costs)) {
		fprintf(stderr, "sonata plan: -q, -D and --write-costs need -r CAPTURE\n");
		return -EINVAL;
	}
	return 0;
}

/* Measure the costs of the queries on the captures of -r with the switch model. */
static int train_costs(struct plan_args *a, struct sn_costs *costs)
{
	struct sn_dp_opts opts;
	struct run_state st;
	char err[1024];
	int rc;

	rc = run_state_open(&st, &a->cfg);
	if (!rc) {
		sn_dp_opts_default(&opts);
		opts.limits = a->limits;
		rc = sn_train(&st.queries, a->cfg.files, a->cfg.n_files, &a->cfg.decode, &opts,
			      costs, err, sizeof(err));
		if (rc)
			fprintf(stderr, "sonata plan: %s\n", err);
	}
	run_state_close(&st);
	if (rc || !a->write_costs)
		return rc;
	rc = sn_costs_write_file(a->write_costs, costs, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sonata plan: %s\n", err);
		sn_costs_free(costs);
	}
	return rc;
}

/* The file's limits apply unless --limits was given; --limits starts from the defaults. */
static void pick_limits(struct plan_args *a, const struct sn_costs *c)
{
	if (!a->limits_given && c->has_limits)
		a->limits = c->limits;
}

static int solve_and_print(struct plan_args *a, const struct sn_costs *c)
{
	struct sn_plan plan;
	char err[512];
	int rc;

	if (a->brute)
		rc = sn_plan_solve_brute(c, &a->limits, a->mode, a->time_limit, &plan, err,
					 sizeof(err));
	else
		rc = sn_plan_solve(c, &a->limits, a->mode, a->time_limit, &plan, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sonata plan: %s\n", err);
		return 1;
	}
	if (a->json)
		rc = sn_plan_write_json(stdout, &plan, err, sizeof(err));
	else
		sn_plan_print(stdout, &plan);
	sn_plan_free(&plan);
	if (rc) {
		fprintf(stderr, "sonata plan: %s\n", err);
		return 1;
	}
	return 0;
}

static int plan_main(struct plan_args *a)
{
	struct sn_costs costs;
	char err[512];
	int rc;

	if (a->cfg.n_files) {
		sn_log_set_level(a->cfg.verbosity > 1 ? SN_LOG_DEBUG :
				 a->cfg.verbosity ? SN_LOG_INFO : SN_LOG_WARN);
		if (train_costs(a, &costs))
			return 1;
	} else if (!a->costs) {
		fprintf(stderr, "sonata plan: missing --costs FILE or -r CAPTURE\n");
		usage(stderr);
		return 2;
	} else if (sn_costs_read_file(a->costs, &costs, err, sizeof(err))) {
		fprintf(stderr, "sonata plan: %s\n", err);
		return 1;
	} else {
		pick_limits(a, &costs);
	}
	rc = solve_and_print(a, &costs);
	sn_costs_free(&costs);
	return rc;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_args a = { 0 };
	int rc;

	run_config_init(&a.cfg);
	rc = parse_args(&a, argc, argv);
	if (!rc)
		rc = plan_main(&a);
	else
		rc = rc > 0 ? 0 : 2;
	run_config_free(&a.cfg);
	return rc;
}
