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
 * that go backwards) count in the open window. */
int sn_engine_packet(struct sn_engine *eng, const struct sn_packet *pkt);
/* Live capture: close the windows that ended more than grace_ns before now. */
void sn_engine_tick(struct sn_engine *eng, uint64_t now_ns);
/* End of input: emit the last, partial windows. */
void sn_engine_flush(struct sn_engine *eng);
void sn_engine_query_stats(const struct sn_engine *eng, size_t query,
			   struct sn_query_stats *st);
void sn_engine_free(struct sn_engine *eng);

#endif
