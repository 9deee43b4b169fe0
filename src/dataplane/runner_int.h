/* Private state of the plan runner, shared by runner.c, setup.c and train.c. */
#ifndef SONATA_DP_RUNNER_INT_H
#define SONATA_DP_RUNNER_INT_H

#include "dataplane/dp_int.h"

/* A stream reading packets, with the operators the switch runs for it. */
struct dp_stream {
	size_t idx;		/* stream index in the query */
	size_t cut;		/* leading operators in the switch */
	struct dp_op *ops;	/* cut of them */
	uint64_t tuples_sp;	/* tuples of this stream sent to the SP */
};

struct dp_query;

/* One refinement level of a query: an engine query plus its switch part. */
struct dp_level {
	struct dp_query *dq;
	unsigned level;
	int feeder;		/* level index in dq->lv whose keys filter this one; -1: none */
	bool final;		/* its rows are the query's answer */
	bool feeds;		/* another level reads the keys it reports */
	unsigned ntables;	/* stateful tables in the switch */
	/* Stage (1-based) and register bits the plan gave each table (0: none given), and the
	 * cells reserved for it in that stage until the level is built. */
	unsigned plan_stage[SN_PLAN_MAX_TABLES];
	uint64_t plan_bits[SN_PLAN_MAX_TABLES];
	uint32_t reserved[SN_PLAN_MAX_TABLES];
	size_t eng_q;		/* index in the engine's query set */
	struct dp_stream *streams;
	size_t n_streams;
	/* keys reported in window rep_window, bounded by the filter table size */
	struct sn_lpm rep;
	uint64_t rep_window;
	bool rep_valid;
	/* refinement filter installed for window filter_window */
	struct sn_lpm filter;
	uint64_t filter_window;
	bool filter_set, pass_all;
	uint64_t win;
	bool win_open;
	uint64_t tuples_sp, overflow, windows, filter_full;
	uint64_t keys_peak;	/* most keys reported in one window */
	uint64_t bits;
	unsigned stages, metadata;
};

struct dp_query {
	const struct sn_query *q;
	enum sn_field_id key;
	int key_col;		/* output column holding the key; -1: no refinement */
	struct dp_level lv[SN_PLAN_MAX_LEVELS];
	unsigned n;
	char chain[64];
};

struct sn_dp_runner {
	struct sn_dp_opts opts;
	bool stateless;		/* stateless operators may run in the switch */
	struct dp_query *qs;
	size_t n;
	struct sn_query_set set;	/* engine queries, one per level */
	struct dp_level **by_eng;
	struct sn_engine *eng;
	struct dp_pipeline pipe;
	sn_row_fn emit;
	void *arg;
	uint64_t packets;
};

/* setup.c */
int dp_setup(struct sn_dp_runner *r, const struct sn_query_set *set, const struct sn_plan *plan);
void dp_teardown(struct sn_dp_runner *r);

#endif
