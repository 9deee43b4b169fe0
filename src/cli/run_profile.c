/* sonata run --profile: where the engine spends its time, per query and operator. */
#include <stdio.h>

#include "cli/run.h"

static const char *const op_names[] = {
	[SN_OP_FILTER] = "filter",
	[SN_OP_MAP] = "map",
	[SN_OP_DISTINCT] = "distinct",
	[SN_OP_REDUCE] = "reduce",
};

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void profile_ops(const struct run_state *st, size_t q)
{
	const struct sn_query *query = &st->queries.queries[q];

	for (size_t s = 0; s < query->n_streams; s++) {
		const struct sn_stream *stream = &query->streams[s];

		for (size_t op = 0; op < stream->n_ops; op++) {
			uint64_t ns = sn_engine_op_profile(st->engine, q, s, op);

			if (ns == 0)
				continue;
			fprintf(stderr, "    %-16s op %zu %-8s %10.1f ms  (line %u)\n", stream->name,
				op + 1, op_names[stream->ops[op].kind], ms(ns),
				stream->ops[op].line);
		}
	}
}

void run_profile_summary(const struct run_state *st)
{
	struct sn_query_profile p;
	uint64_t total = 0;

	if (!st->engine)
		return;
	fprintf(stderr, "profile (per-packet times sampled on 1 packet in %d, scaled to the "
			"engine's total):\n", SN_PROFILE_EVERY);
	fprintf(stderr, "  %-20s %12s %12s %12s\n", "query", "packets ms", "filters ms",
		"windows ms");
	for (size_t q = 0; q < st->queries.n; q++) {
		sn_engine_query_profile(st->engine, q, &p);
		total += p.packet_ns + p.close_ns;
		fprintf(stderr, "  %-20s %12.1f %12.1f %12.1f\n", st->queries.queries[q].name,
			ms(p.packet_ns), ms(p.filter_ns), ms(p.close_ns));
		profile_ops(st, q);
	}
	fprintf(stderr, "  engine total %.1f ms; the rest of the run is reading, decoding and "
			"output\n", ms(total));
}
