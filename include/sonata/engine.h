/* The exact stream processor: runs queries window by window over packets. */
#ifndef SONATA_ENGINE_H
#define SONATA_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sonata/packet.h"
#include "sonata/query.h"

struct sn_engine_opts {
	size_t max_keys;   /* live keys per query per window; 0 = no limit */
	uint64_t grace_ns; /* live: close a window this long after its end */
	bool profile;      /* time one packet in PROFILE_EVERY per query and operator */
};

/* One result row: the columns of the query's output schema. */
struct sn_row {
	const struct sn_query *query;
	uint64_t window_start_ns, window_end_ns;
	const struct sn_schema *schema;
	const struct sn_value *cols;
	bool incomplete; /* the key limit was reached in this window */
};

typedef void (*sn_row_fn)(const struct sn_row *row, void *arg);

struct sn_query_stats {
	uint64_t tuples_in;     /* packets that entered the query's streams */
	uint64_t rows_out;      /* result rows emitted */
	uint64_t windows;       /* windows closed */
	uint64_t incomplete_windows;
	uint64_t peak_keys;     /* most live keys held in one window */
};

struct sn_engine;

int sn_engine_new(struct sn_engine **out, const struct sn_query_set *set,
		  const struct sn_engine_opts *opts, sn_row_fn emit, void *arg);
/* Feed one decoded packet. Packets older than the open window (timestamps
 * that go backwards) count in the open window, and a packet of a window that
 * sn_engine_tick already closed counts in the window after it. */
int sn_engine_packet(struct sn_engine *eng, const struct sn_packet *pkt);
/* Live capture: close the windows that ended more than grace_ns before now. */
void sn_engine_tick(struct sn_engine *eng, uint64_t now_ns);
/* End of input: emit the last, partial windows. */
void sn_engine_flush(struct sn_engine *eng);
void sn_engine_query_stats(const struct sn_engine *eng, size_t query,
			   struct sn_query_stats *st);
void sn_engine_free(struct sn_engine *eng);
/* The first query with which query shares work (a distinct over the same
 * keys, looked up once for both), or query itself. A run that splits the
 * queries between engines loses that saving unless it keeps them together. */
size_t sn_engine_work_partner(const struct sn_engine *eng, size_t query);

/* Profile (sn_engine_opts.profile): times measured on one packet in
 * SN_PROFILE_EVERY and scaled to all packets, in nanoseconds. */
#define SN_PROFILE_EVERY 64
struct sn_query_profile {
	uint64_t packet_ns; /* per-packet work of the query, its shared filters included */
	uint64_t filter_ns; /* shared leading filters (a filter shared by several queries
			     * counts in the first one that tests it) */
	uint64_t close_ns;  /* closing windows, measured every time */
};
void sn_engine_query_profile(const struct sn_engine *eng, size_t query,
			     struct sn_query_profile *p);
/* Time spent in operator op of stream s itself, without the operators after it,
 * while packets arrive (a window close is counted in close_ns). */
uint64_t sn_engine_op_profile(const struct sn_engine *eng, size_t query, size_t s, size_t op);

/* Injection, for a switch model that runs the leading operators of some streams itself
 * (src/engine/inject.c). Call sn_engine_advance once per packet, then inject what reaches
 * the stream processor; do not call sn_engine_packet on the same engine. */
/* Close windows that ended before pkt and open the window of pkt in every query. */
void sn_engine_advance(struct sn_engine *eng, const struct sn_packet *pkt);
/* Push a tuple (cols in the input shape of operator op) or, with cols NULL, the packet pkt
 * (the one given to the last sn_engine_advance) into operator op of stream s of query q. */
int sn_engine_inject(struct sn_engine *eng, size_t q, size_t s, size_t op,
		     const struct sn_packet *pkt, const struct sn_value *cols);
/* Add a partial aggregate (the reduce's output shape: keys, then one value per aggregate)
 * into reduce operator op of stream s of query q; sum and count add up, min and max
 * combine. */
int sn_engine_inject_partial(struct sn_engine *eng, size_t q, size_t s, size_t op,
			     const struct sn_value *row);

#endif
