/* sonata run: configuration, query loading, opening the input. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/run.h"
#include "sonata/xdp.h"
#include "sonata/dataplane.h"
#include "sonata/log.h"

#define QUERY_EXT ".sq"
/* Default --max-keys: a ceiling so that a flood of distinct keys (spoofed
 * sources) cannot exhaust memory. A key costs about 200 bytes of table
 * memory (measured, see docs/hardening.md), so a query at the limit uses
 * about 400 MB. */
#define RUN_DEFAULT_MAX_KEYS 2000000

void run_config_init(struct run_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->capture.snaplen = 262144;
	cfg->capture.promisc = 1;
	cfg->capture.timeout_ms = 200;
	cfg->capture.use_mmap = 1;
	cfg->decode.reassemble = 1;
	cfg->engine.grace_ns = 1000000000u;
	cfg->engine.max_keys = RUN_DEFAULT_MAX_KEYS;
	cfg->format = RUN_FORMAT_JSON;
	cfg->summary = 1;
	cfg->progress = 1;
}

void run_config_free(struct run_config *cfg)
{
	for (size_t i = 0; i < cfg->n_defs; i++)
		free(cfg->def_names[i]);
	free(cfg->def_names);
	free(cfg->defs);
	free(cfg->files);
	free(cfg->query_files);
}

uint64_t run_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The bundled query directory: $SONATA_QUERY_DIR, else queries/ beside the
 * build directory of the running binary, else the installed share directory. */
static int find_query_dir(char *buf, size_t size)
{
	static const char *const rel[] = { "/../queries", "/../../queries",
					   "/../share/sonata/queries" };
	const char *env = getenv("SONATA_QUERY_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(buf, size, "%s%s", exe, rel[i]);
		if (access(buf, R_OK | X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int has_query_ext(const char *name)
{
	size_t n = strlen(name), e = strlen(QUERY_EXT);

	return n > e && !strcmp(name + n - e, QUERY_EXT);
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int filter_query_files(const struct dirent *d)
{
	return has_query_ext(d->d_name);
}

static int load_query_file(struct run_state *st, const char *path)
{
	char err[4096];
	int rc;

	rc = sn_query_parse_file(&st->queries, path, st->cfg->defs, st->cfg->n_defs, err,
				 sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	return rc;
}

static int load_bundled_queries(struct run_state *st)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent **names;
	int n, rc = 0;

	if (find_query_dir(dir, sizeof(dir))) {
		fprintf(stderr, "sonata: bundled queries not found: set SONATA_QUERY_DIR or "
				"give query files with -q\n");
		return -ENOENT;
	}
	n = scandir(dir, &names, filter_query_files, cmp_names);
	if (n < 0) {
		fprintf(stderr, "sonata: cannot read the query directory %s: %s: set "
				"SONATA_QUERY_DIR or give query files with -q\n", dir, strerror(errno));
		return -ENOENT;
	}
	if (n == 0) {
		free(names);
		fprintf(stderr, "sonata: no %s files in %s: give query files with -q\n",
			QUERY_EXT, dir);
		return -ENOENT;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!rc)
			rc = load_query_file(st, path);
		free(names[i]);
	}
	free(names);
	return rc;
}

static void log_queries(const struct sn_query_set *set)
{
	sn_info("%zu queries loaded", set->n);
	for (size_t i = 0; i < set->n; i++) {
		const struct sn_query *q = &set->queries[i];

		sn_debug("query %s from %s:%u: window %.3f s, %zu streams", q->name, q->file,
			 q->line, (double)q->window_ns / 1e9, q->n_streams);
	}
}

static int load_queries(struct run_state *st)
{
	const struct run_config *cfg = st->cfg;
	char err[4096];
	int rc = 0;

	if (!cfg->n_query_files)
		rc = load_bundled_queries(st);
	for (size_t i = 0; !rc && i < cfg->n_query_files; i++)
		rc = load_query_file(st, cfg->query_files[i]);
	if (rc)
		return rc;
	rc = sn_query_check_defines(&st->queries, cfg->defs, cfg->n_defs, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sonata run: %s\n", err);
		return rc;
	}
	log_queries(&st->queries);
	return 0;
}

/* Give up root after the interface is open, as tcpdump -Z does. */
static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		fprintf(stderr, "sonata run: -Z: user '%s' not found\n", user);
		return -ENOENT;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		fprintf(stderr, "sonata run: -Z: cannot switch to user '%s': %s\n", user,
			strerror(errno));
		return -EPERM;
	}
	sn_info("running as user %s (uid %u)", user, (unsigned)pw->pw_uid);
	return 0;
}

static int open_input(struct run_state *st)
{
	const struct run_config *cfg = st->cfg;
	int rc;

	if (cfg->iface) {
		rc = sn_source_open_live(&st->src, cfg->iface, &cfg->capture);
		st->live = 1;
	} else {
		rc = sn_source_open_files(&st->src, cfg->files, cfg->n_files, &cfg->capture);
	}
	if (rc) {
		/* The open functions log their own errors, except running out of memory. */
		if (rc == -ENOMEM)
			fprintf(stderr, "sonata: error: out of memory opening the input\n");
		return rc;
	}
	if (cfg->iface)
		sn_info("capturing on %s: snap length %d, %spromiscuous, filter '%s'", cfg->iface,
			cfg->capture.snaplen, cfg->capture.promisc ? "" : "not ",
			cfg->capture.filter ? cfg->capture.filter : "");
	else
		sn_info("reading %zu file%s, first %s", cfg->n_files, cfg->n_files > 1 ? "s" : "",
			cfg->files[0]);
	if (cfg->user)
		return drop_privileges(cfg->user);
	return 0;
}

int run_state_open(struct run_state *st, const struct run_config *cfg)
{
	int rc;

	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->start_ns = run_monotonic_ns();
	rc = load_queries(st);
	if (rc)
		return rc;
	rc = sn_decoder_init(&st->decoder, &cfg->decode);
	if (rc)
		return rc;
	rc = run_output_open(&st->out, cfg->format, stdout);
	if (rc)
		return rc;
	rc = sn_engine_new(&st->engine, &st->queries, &cfg->engine, run_output_row, st->out);
	if (rc) {
		fprintf(stderr, "sonata: cannot start the engine: %s\n", strerror(-rc));
		return rc;
	}
	if (cfg->xdp)
		rc = run_xdp_open(st);
	else
		rc = cfg->plan ? run_plan_open(st) : 0;
	if (rc)
		return rc;
	/* A live XDP run reads the program's ring buffer, not a capture. */
	return cfg->xdp && cfg->iface ? 0 : open_input(st);
}

int run_state_close(struct run_state *st)
{
	int rc = 0;

	run_threads_close(st);
	if (st->src)
		sn_source_close(st->src);
	if (st->engine)
		sn_engine_free(st->engine);
	if (st->xdp) {
		/* detaches the program, and frees st->dp, its runner */
		sn_xdp_free(st->xdp);
		st->dp = NULL;
	}
	sn_dp_free(st->dp);
	if (st->out)
		rc = run_output_close(st->out);
	sn_decoder_free(&st->decoder);
	sn_query_set_free(&st->queries);
	return rc;
}
