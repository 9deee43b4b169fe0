/* sonata run: progress bar and the run summary on standard error. */
#include <stdio.h>
#include <unistd.h>

#include "cli/run.h"

#define PROGRESS_INTERVAL_NS 200000000u
#define BAR_WIDTH 30

/* Draw or clear the progress bar; only for files read on a terminal. */
void run_progress(struct run_state *st, int done)
{
	int64_t total, now_bytes;
	uint64_t now = run_monotonic_ns();
	int filled;

	if (!st->cfg->progress || st->live || !isatty(STDERR_FILENO))
		return;
	if (done) {
		if (st->progress_shown)
			fprintf(stderr, "\r%*s\r", BAR_WIDTH + 40, "");
		return;
	}
	if (now - st->last_progress_ns < PROGRESS_INTERVAL_NS)
		return;
	total = sn_source_total_bytes(st->src);
	now_bytes = sn_source_bytes_done(st->src);
	if (total <= 0 || now_bytes < 0)
		return;
	st->last_progress_ns = now;
	st->progress_shown = 1;
	filled = (int)(BAR_WIDTH * now_bytes / total);
	fprintf(stderr, "\r[%.*s%*s] %3d%% %llu packets", filled,
		"##############################", BAR_WIDTH - filled, "",
		(int)(100 * now_bytes / total), (unsigned long long)st->packets);
}

static void summary_malformed(const struct sn_decoder *dec)
{
	for (int r = 1; r < SN_MAL_COUNT; r++) {
		if (dec->malformed[r])
			fprintf(stderr, "  malformed: %-40s %llu\n",
				sn_malformed_name((enum sn_malformed)r),
				(unsigned long long)dec->malformed[r]);
	}
}

static void summary_queries(const struct run_state *st)
{
	struct sn_query_stats qs;

	/* With --plan the switch model's engine runs the queries: run_plan_summary reports. */
	if (st->dp)
		return;
	fprintf(stderr, "  %-20s %12s %8s %8s %10s\n", "query", "tuples", "rows", "windows",
		"incomplete");
	for (size_t i = 0; i < st->queries.n; i++) {
		run_query_stats(st, i, &qs);
		fprintf(stderr, "  %-20s %12llu %8llu %8llu %10llu\n", st->queries.queries[i].name,
			(unsigned long long)qs.tuples_in, (unsigned long long)qs.rows_out,
			(unsigned long long)qs.windows, (unsigned long long)qs.incomplete_windows);
	}
}

void run_limit_warnings(const struct run_state *st)
{
	struct sn_query_stats qs;

	for (size_t i = 0; i < st->queries.n; i++) {
		run_query_stats(st, i, &qs);
		if (qs.incomplete_windows)
			fprintf(stderr, "sonata: warning: query %s reached --max-keys %zu in %llu "
					"window%s; its rows there are marked incomplete: raise "
					"--max-keys\n",
				st->queries.queries[i].name, st->cfg->engine.max_keys,
				(unsigned long long)qs.incomplete_windows,
				qs.incomplete_windows == 1 ? "" : "s");
	}
}

void run_summary(const struct run_state *st)
{
	struct sn_capture_stats cs;
	double secs = (double)(run_monotonic_ns() - st->start_ns) / 1e9;
	const struct sn_decoder *dec = &st->decoder;

	char from[300];

	sn_source_stats(st->src, &cs);
	if (st->cfg->n_files > 1)
		snprintf(from, sizeof(from), "%zu files", st->cfg->n_files);
	else
		snprintf(from, sizeof(from), "%s", sn_source_name(st->src));
	fprintf(stderr, "sonata: %llu packets read from %s in %.2f s (%.0f packets/s)\n",
		(unsigned long long)cs.packets, from, secs,
		secs > 0 ? (double)cs.packets / secs : 0.0);
	fprintf(stderr, "  decoded %llu, malformed %llu\n",
		(unsigned long long)(dec->packets - dec->malformed_total),
		(unsigned long long)dec->malformed_total);
	summary_malformed(dec);
	if (st->live)
		fprintf(stderr, "  dropped by the kernel %llu, by the interface %llu\n",
			(unsigned long long)cs.kernel_drops, (unsigned long long)cs.iface_drops);
	if (st->late_packets)
		fprintf(stderr, "  timestamps going backwards %llu (counted in the window open "
				"at the time)\n", (unsigned long long)st->late_packets);
	if (cs.filtered_out)
		fprintf(stderr, "  rejected by the capture filter %llu\n",
			(unsigned long long)cs.filtered_out);
	summary_queries(st);
	if (st->cfg->engine.profile)
		run_profile_summary(st);
}
