/* Internal state of `sonata run`, shared by its files. */
#ifndef SONATA_CLI_RUN_H
#define SONATA_CLI_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sonata/capture.h"
#include "sonata/dataplane.h"
#include "sonata/decode.h"
#include "sonata/engine.h"
#include "sonata/query.h"

enum run_format { RUN_FORMAT_JSON, RUN_FORMAT_TEXT };

struct run_config {
	const char **files;
	size_t n_files;
	const char *iface;
	const char **query_files;
	size_t n_query_files;
	struct sn_define *defs;
	char **def_names; /* owned copies of defs[i].name */
	size_t n_defs;
	const char *user;
	struct sn_capture_opts capture;
	struct sn_decode_opts decode;
	struct sn_engine_opts engine;
	enum run_format format;
	int summary;
	int progress;
	int verbosity;
	const char *plan; /* --plan MODE|FILE: run with the switch model (run_plan.c) */
	int xdp; /* --dataplane xdp: the plan's switch part as an XDP program (run_xdp.c) */
	int dataplane_set; /* --dataplane given */
	int xdp_mode; /* --xdp-mode: enum sn_xdp_mode, SN_XDP_AUTO when not given */
	const char *keep_generated; /* --keep-generated DIR */
	int threads; /* --threads N; 0: 2 on a machine with 2 or more cores */
};

struct run_output; /* row writer, see run_output.c */
struct sn_dp_runner;
struct sn_xdp;
struct run_threads;

struct run_state {
	const struct run_config *cfg;
	struct sn_query_set queries;
	struct sn_source *src;
	struct sn_decoder decoder;
	struct sn_engine *engine;
	struct run_output *out;
	struct sn_dp_runner *dp; /* with --plan: the switch model feeding its own engine */
	struct sn_xdp *xdp; /* with --dataplane xdp; dp is then its runner, owned by it */
	int xdp_error; /* first failure running a packet through the XDP program */
	int live;
	int progress_shown;
	uint64_t packets;
	uint64_t newest_ts_ns; /* latest packet timestamp seen */
	uint64_t late_packets; /* packets older than newest_ts_ns */
	uint64_t start_ns;
	uint64_t last_progress_ns;
	struct run_threads *threads; /* --threads above 1; engine is then group 0's */
};

void run_config_init(struct run_config *cfg);
void run_config_free(struct run_config *cfg);
/* compare.c: append -D NAME=VALUE to cfg, or a path to a growing list. Print the error of the
 * subcommand cmd and return -EINVAL or -ENOMEM. */
int run_config_add_define(struct run_config *cfg, const char *arg, const char *cmd);
int run_config_add_path(const char ***list, size_t *n, const char *path);
/* Load queries, open the input, create decoder and engine. Prints the error. */
int run_state_open(struct run_state *st, const struct run_config *cfg);
/* Returns -EIO when results could not be written. */
int run_state_close(struct run_state *st);

/* Row output, in the format of the configuration. */
int run_output_open(struct run_output **out, enum run_format format, FILE *stream);
void run_output_row(const struct sn_row *row, void *arg);
/* Returns -EIO when any row could not be written. */
int run_output_close(struct run_output *out);

/* run_xdp.c: parse --dataplane, --xdp-mode or --keep-generated (opt names the option);
 * check the combination (max-dp is the default plan of xdp); build st->xdp and st->dp (attached when live); feed the engine
 * from the ring buffer until *stop; print the XDP counts. Each prints its error. */
int run_xdp_parse(struct run_config *cfg, const char *opt, const char *arg);
int run_xdp_check(struct run_config *cfg);
int run_xdp_open(struct run_state *st);
int run_xdp_live(struct run_state *st, volatile sig_atomic_t *stop);
void run_xdp_summary(const struct run_state *st);

/* run_plan.c: build st->dp from cfg->plan (a mode or a plan JSON file). Prints the error. */
int run_plan_open(struct run_state *st);
/* Plan for spec (a mode name or a plan JSON file) over set; the sonata mode trains on files
 * first. Sets opts->limits from a plan file. Prints the error. */
int run_plan_build(const char *spec, const struct sn_query_set *set, const char *const *files,
		   size_t n_files, const struct sn_decode_opts *decode, struct sn_dp_opts *opts,
		   struct sn_plan *out);
void run_plan_summary(const struct run_state *st);

/* run_threads.c: with --threads N above 1, split the queries into N engines and start
 * the threads of groups 1 and up (each reads the input again); does nothing for one
 * thread or an input that cannot be read twice. Prints the error. */
int run_threads_open(struct run_state *st);
/* Write the rows every group has passed; called by the main thread between packets. */
#define RUN_POLL_PACKETS 4096
void run_threads_poll(struct run_state *st);
/* Flush st->engine, let the threads finish (at once when stopped) and write the
 * remaining rows. Returns -ENOMEM when a row could not be kept. */
int run_threads_finish(struct run_state *st, bool stopped);
void run_threads_close(struct run_state *st);
/* Statistics of query (index in st->queries), whichever engine runs it. */
void run_query_stats(const struct run_state *st, size_t query, struct sn_query_stats *qs);

void run_progress(struct run_state *st, int done);
void run_summary(const struct run_state *st);
/* --profile: time per query and operator, after the summary. */
void run_profile_summary(const struct run_state *st);
/* Warn about each query that reached --max-keys; run_summary includes it. */
void run_limit_warnings(const struct run_state *st);
uint64_t run_monotonic_ns(void);

#endif
