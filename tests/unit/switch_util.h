/* Helpers for the switch model tests: load queries, run a capture exactly and with a plan,
 * and record rows as text. */
#ifndef SONATA_TEST_SWITCH_UTIL_H
#define SONATA_TEST_SWITCH_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/capture.h"
#include "sonata/dataplane.h"
#include "sonata/decode.h"
#include "sonata/engine.h"

struct rowlog {
	char **rows;
	size_t n, cap;
};

static inline void rowlog_add(const struct sn_row *row, void *arg)
{
	struct rowlog *log = arg;
	char buf[2048], val[256];
	size_t at, i;

	at = (size_t)snprintf(buf, sizeof(buf), "%s %llu", row->query->name,
			      (unsigned long long)row->window_start_ns);
	for (i = 0; i < row->schema->n && at < sizeof(buf); i++) {
		sn_value_format(&row->cols[i], val, sizeof(val));
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, " %s=%s",
				       row->schema->cols[i].name, val);
	}
	if (log->n == log->cap) {
		log->cap = log->cap ? log->cap * 2 : 64;
		log->rows = realloc(log->rows, log->cap * sizeof(*log->rows));
		assert_non_null(log->rows);
	}
	log->rows[log->n] = strdup(buf);
	assert_non_null(log->rows[log->n]);
	log->n++;
}

static inline void rowlog_free(struct rowlog *log)
{
	size_t i;

	for (i = 0; i < log->n; i++)
		free(log->rows[i]);
	free(log->rows);
	memset(log, 0, sizeof(*log));
}

/* Load the eleven bundled query files from queries/. */
static inline void load_bundled(struct sn_query_set *set)
{
	static const char *const names[] = {
		"ddos", "dns_reflection", "dns_tunneling", "incomplete_flows", "new_tcp_conns",
		"port_scan", "slowloris", "ssh_brute_force", "superspreader", "syn_flood",
		"zorro",
	};
	char path[256], err[2048];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "queries/%s.sq", names[i]);
		if (sn_query_parse_file(set, path, NULL, 0, err, sizeof(err)))
			fail_msg("%s", err);
	}
}

/* Feed a capture file to the exact engine (eng) and to a runner (dp); either may be NULL. */
static inline void feed_file(const char *path, struct sn_engine *eng, struct sn_dp_runner *dp)
{
	struct sn_decoder dec;
	struct sn_source *src;
	struct sn_packet pkt;
	int ret;

	assert_int_equal(sn_decoder_init(&dec, NULL), 0);
	assert_int_equal(sn_source_open_files(&src, &path, 1, NULL), 0);
	memset(&pkt, 0, sizeof(pkt));
	while ((ret = sn_source_next(src, &pkt)) == 1) {
		sn_decode(&dec, &pkt);
		if (eng)
			assert_int_equal(sn_engine_packet(eng, &pkt), 0);
		if (dp)
			assert_int_equal(sn_dp_packet(dp, &pkt), 0);
	}
	assert_int_equal(ret, 0);
	if (eng)
		sn_engine_flush(eng);
	if (dp)
		sn_dp_flush(dp);
	sn_source_close(src);
	sn_decoder_free(&dec);
}

/* Assert two row logs are equal line by line, naming the first difference. */
static inline void assert_same_rows(const struct rowlog *want, const struct rowlog *got,
				    const char *what)
{
	size_t i;

	for (i = 0; i < want->n && i < got->n; i++) {
		if (strcmp(want->rows[i], got->rows[i]))
			fail_msg("%s: row %zu differs:\n  exact: %s\n  plan:  %s", what, i,
				 want->rows[i], got->rows[i]);
	}
	if (want->n != got->n)
		fail_msg("%s: %zu exact rows but %zu with the plan", what, want->n, got->n);
}

#endif
