/* sonata run: read packets, decode them once, run every query, print rows. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run.h"
#include "sonata/dataplane.h"
#include "sonata/log.h"
#include "sonata/xdp.h"

static volatile sig_atomic_t stop_requested;
static struct sn_source *active_source;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (active_source)
		sn_source_break(active_source);
}

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: sonata run [OPTIONS] -r FILE... | -i IFACE\n\n"
		"Runs queries over packets and prints one JSON line per result row.\n\n"
		"input:\n"
		"  -r FILE          read a pcap or pcapng file; '-' is standard input;\n"
		"                   repeat to read several files as one stream\n"
		"  -i IFACE         capture live on an interface\n"
		"  -f FILTER        capture filter in tcpdump syntax (files and live)\n"
		"  -s SNAPLEN       live: bytes kept per packet (default 262144)\n"
		"  -p               live: do not put the interface in promiscuous mode\n"
		"  -Z USER          live: drop root privileges to USER after opening\n"
		"  --no-reassembly  decode IP fragments one by one instead of reassembling\n"
		"queries:\n"
		"  -q FILE          query file; repeat for several (default: every bundled query)\n"
		"  -D NAME=VALUE    set a query parameter, e.g. -D threshold=20 or\n"
		"                   -D ddos.threshold=20 for one query\n"
		"  --threads N      run the queries in N threads, 1 to 64 (default: 2 with 2\n"
		"                   or more cores and 64 MiB of files or more; always 1 for\n"
		"                   live capture, --plan, --profile and standard input); each\n"
		"                   thread reads and decodes the files itself\n"
		"  --max-keys N     live keys per query per window before rows are marked\n"
		"                   incomplete (default 2000000; 0: no limit)\n"
		"  --plan MODE|FILE run with the switch model: a mode (all-sp, filter-dp,\n"
		"                   max-dp, fixed-ref, sonata) or a plan from 'sonata plan\n"
		"                   --json'; files only (see docs/dataplane.md)\n"
		"  --dataplane DP   model (default with --plan) or xdp: the plan's switch part\n"
		"                   (max-dp without --plan) as an eBPF/XDP program, attached\n"
		"                   to -i IFACE, or run on each packet of -r FILE with\n"
		"                   BPF_PROG_TEST_RUN; needs root (see docs/xdp.md)\n"
		"  --xdp-mode MODE  native or generic (default: native, generic if the\n"
		"                   driver lacks XDP)\n"
		"  --keep-generated DIR  keep the generated BPF C, object and compiler log\n"
		"output:\n"
		"  --format FORMAT  json (default: one object per line) or text (a table)\n"
		"  --no-summary     do not print the run summary on standard error\n"
		"  --profile        add the time of each query and operator to the summary\n"
		"                   (sampled on 1 packet in 64, scaled to the engine's CPU time)\n"
		"  --no-progress    no progress bar, even on a terminal\n"
		"  -v               more log messages (repeat for debug)\n");
}

enum { OPT_FORMAT = 256, OPT_NO_SUMMARY, OPT_NO_PROGRESS, OPT_MAX_KEYS, OPT_NO_REASM,
       OPT_PLAN, OPT_PROFILE, OPT_DATAPLANE, OPT_XDP_MODE, OPT_KEEP_GEN,
       OPT_THREADS };

static int parse_define(const char *arg, struct sn_define *def, char **name)
{
	const char *eq = strchr(arg, '=');
	char *end;

	if (!eq || eq == arg) {
		fprintf(stderr, "sonata run: invalid -D '%s': expected NAME=VALUE, "
				"e.g. -D threshold=20\n", arg);
		return -EINVAL;
	}
	errno = 0;
	def->value = strtod(eq + 1, &end);
	if (errno || end == eq + 1 || *end) {
		fprintf(stderr, "sonata run: invalid -D '%s': '%s' is not a number\n", arg, eq + 1);
		return -EINVAL;
	}
	*name = strndup(arg, (size_t)(eq - arg));
	def->name = *name;
	return *name ? 0 : -ENOMEM;
}

static int parse_count(const char *opt, const char *arg, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *out < min || *out > max) {
		fprintf(stderr, "sonata run: invalid %s '%s': expected a number from %ld to %ld\n",
			opt, arg, min, max);
		return -EINVAL;
	}
	return 0;
}

static int add_string(const char ***list, size_t *n, const char *s)
{
	const char **grown = realloc(*list, (*n + 1) * sizeof(**list));

	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = s;
	*list = grown;
	return 0;
}

static int parse_run_option(struct run_config *cfg, int opt, const char *arg)
{
	struct sn_define def;
	long n;

	switch (opt) {
	case 'r':
		return add_string(&cfg->files, &cfg->n_files, arg);
	case 'q':
		return add_string(&cfg->query_files, &cfg->n_query_files, arg);
	case 'i':
		if (!*arg) {
			fprintf(stderr, "sonata run: invalid -i '': expected an interface name\n");
			return -EINVAL;
		}
		cfg->iface = arg;
		return 0;
	case 'f':
		cfg->capture.filter = arg;
		return 0;
	case 's':
		if (parse_count("-s", arg, 0, 262144, &n))
			return -EINVAL;
		cfg->capture.snaplen = (int)n;
		return 0;
	case 'p':
		cfg->capture.promisc = 0;
		return 0;
	case 'Z':
		cfg->user = arg;
		return 0;
	case 'D': {
		struct sn_define *grown;
		char **names, *name;

		if (parse_define(arg, &def, &name))
			return -EINVAL;
		grown = realloc(cfg->defs, (cfg->n_defs + 1) * sizeof(*grown));
		if (grown)
			cfg->defs = grown;
		names = realloc(cfg->def_names, (cfg->n_defs + 1) * sizeof(*names));
		if (names)
			cfg->def_names = names;
		if (!grown || !names) {
			free(name);
			return -ENOMEM;
		}
		cfg->defs[cfg->n_defs] = def;
		cfg->def_names[cfg->n_defs++] = name;
		return 0;
	}
	case 'v':
		cfg->verbosity++;
		return 0;
	case OPT_FORMAT:
		if (!strcmp(arg, "json"))
			cfg->format = RUN_FORMAT_JSON;
		else if (!strcmp(arg, "text"))
			cfg->format = RUN_FORMAT_TEXT;
		else {
			fprintf(stderr, "sonata run: invalid --format '%s': expected json or text\n",
				arg);
			return -EINVAL;
		}
		return 0;
	case OPT_NO_SUMMARY:
		cfg->summary = 0;
		return 0;
	case OPT_NO_PROGRESS:
		cfg->progress = 0;
		return 0;
	case OPT_MAX_KEYS:
		if (parse_count("--max-keys", arg, 0, LONG_MAX, &n))
			return -EINVAL;
		cfg->engine.max_keys = (size_t)n;
		return 0;
	case OPT_NO_REASM:
		cfg->decode.reassemble = 0;
		return 0;
	case OPT_PLAN:
		cfg->plan = arg;
		return 0;
	case OPT_PROFILE:
		cfg->engine.profile = true;
		return 0;
	case OPT_DATAPLANE:
		return run_xdp_parse(cfg, "--dataplane", arg);
	case OPT_XDP_MODE:
		return run_xdp_parse(cfg, "--xdp-mode", arg);
	case OPT_KEEP_GEN:
		return run_xdp_parse(cfg, "--keep-generated", arg);
	case OPT_THREADS:
		if (parse_count("--threads", arg, 1, 64, &n))
			return -EINVAL;
		cfg->threads = (int)n;
		return 0;
	default:
		return -EINVAL;
	}
}

static int parse_run_args(struct run_config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "no-summary", no_argument, NULL, OPT_NO_SUMMARY },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "max-keys", required_argument, NULL, OPT_MAX_KEYS },
		{ "no-reassembly", no_argument, NULL, OPT_NO_REASM },
		{ "plan", required_argument, NULL, OPT_PLAN },
		{ "profile", no_argument, NULL, OPT_PROFILE },
		{ "dataplane", required_argument, NULL, OPT_DATAPLANE },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "keep-generated", required_argument, NULL, OPT_KEEP_GEN },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hr:i:q:D:f:s:pZ:v", longopts, NULL)) != -1) {
		if (opt == 'h') {
			run_usage(stdout);
			return 1;
		}
		if (opt == '?' || parse_run_option(cfg, opt, optarg)) {
			run_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sonata run: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!cfg->n_files && !cfg->iface) {
		fprintf(stderr, "sonata run: no input: give -r FILE or -i IFACE\n");
		return -EINVAL;
	}
	if (cfg->n_files && cfg->iface) {
		fprintf(stderr, "sonata run: -r and -i cannot be combined\n");
		return -EINVAL;
	}
	return run_xdp_check(cfg);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static uint64_t wall_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Read, decode and run every packet until the input ends, fails or a signal
 * stops it. Returns 0, or a negative errno after a read error. */
static int run_loop(struct run_state *st)
{
	struct sn_packet pkt;
	int rc;

	for (;;) {
		if (stop_requested)
			return 0;
		rc = sn_source_next(st->src, &pkt);
		if (rc == 0)
			return 0;
		if (rc == -EAGAIN || rc == -EINTR) {
			sn_engine_tick(st->engine, wall_clock_ns());
			continue;
		}
		if (rc < 0)
			return stop_requested ? 0 : rc;
		if (pkt.ts_ns < st->newest_ts_ns)
			st->late_packets++;
		else
			st->newest_ts_ns = pkt.ts_ns;
		sn_decode(&st->decoder, &pkt);
		if (st->xdp) {
			rc = sn_xdp_test_frame(st->xdp, pkt.data, pkt.caplen, pkt.ts_ns);
			if (rc < 0) {
				fprintf(stderr, "sonata: error: running packet %llu through the "
						"XDP program failed: %s\n",
					(unsigned long long)st->packets + 1, strerror(-rc));
				st->xdp_error = rc;
				return 0;
			}
		} else if (st->dp) {
			sn_dp_packet(st->dp, &pkt);
		} else {
			sn_engine_packet(st->engine, &pkt);
		}
		if ((++st->packets & 0xffff) == 0)
			run_progress(st, 0);
		if (st->threads && (st->packets & (RUN_POLL_PACKETS - 1)) == 0)
			run_threads_poll(st);
		if (st->live && (st->packets & 0xff) == 0)
			sn_engine_tick(st->engine, wall_clock_ns());
	}
}

int cmd_run(int argc, char **argv)
{
	struct run_config cfg;
	struct run_state st;
	int rc, lost = 0, status = 1;

	run_config_init(&cfg);
	rc = parse_run_args(&cfg, argc, argv);
	if (rc) {
		run_config_free(&cfg);
		return rc > 0 ? 0 : 2;
	}
	sn_log_set_level(cfg.verbosity >= 2 ? SN_LOG_DEBUG
			 : cfg.verbosity == 1 ? SN_LOG_INFO : SN_LOG_WARN);
	if (run_state_open(&st, &cfg) || run_threads_open(&st)) {
		run_state_close(&st);
		goto out;
	}
	active_source = st.src;
	install_signals();
	if (st.xdp && cfg.iface)
		rc = run_xdp_live(&st, &stop_requested);
	else
		rc = run_loop(&st);
	active_source = NULL;
	if (st.xdp)
		sn_xdp_detach(st.xdp);
	if (st.xdp)
		sn_xdp_flush(st.xdp);
	else if (st.dp)
		sn_dp_flush(st.dp);
	if (st.threads)
		lost = run_threads_finish(&st, stop_requested);
	else
		sn_engine_flush(st.engine);
	/* A live XDP run has no capture source: the XDP summary reports its input. */
	if (st.src)
		run_progress(&st, 1);
	if (rc < 0 && st.src)
		fprintf(stderr, "sonata: error: %s%s\n", sn_source_error(st.src),
			cfg.n_files > 1 ? " (the files after it were not read)" : "");
	/* An input that failed before its first packet gets the error alone. */
	if (cfg.summary && st.src && !(rc < 0 && st.packets == 0))
		run_summary(&st);
	/* Like tcpdump, an interrupted run still exits 0, so state that it was
	 * cut short: its rows do not cover the whole input. */
	if (stop_requested && !st.live)
		fprintf(stderr, "sonata: interrupted by a signal: the rows cover the packets "
				"read before it\n");
	if (cfg.summary && st.dp)
		run_plan_summary(&st);
	if (cfg.summary && st.xdp)
		run_xdp_summary(&st);
	/* The key limit warning shows even with --no-summary: rows were cut. */
	run_limit_warnings(&st);
	status = rc < 0 || st.xdp_error || lost ? 1 : 0;
	if (run_state_close(&st))
		status = 1;
out:
	run_config_free(&cfg);
	return status;
}
