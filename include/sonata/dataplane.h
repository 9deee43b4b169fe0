/*
 * Switch data plane model: the part of each query that a PISA switch runs before the stream
 * processor, refinement of queries coarse to fine on one address key, and the runner that
 * executes a plan over packets with the exact engine doing the rest. docs/dataplane.md
 * describes the model, its resources and what stays exact.
 */
#ifndef SONATA_DATAPLANE_H
#define SONATA_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sonata/decode.h"
#include "sonata/engine.h"
#include "sonata/fields.h"
#include "sonata/plan.h"
#include "sonata/query.h"

#define SN_DP_FINEST 32		/* the finest refinement level: the unmasked key */
#define SN_DP_VALUE_BITS 32	/* width of one register value (counter or sum) */

/* Options of the switch model. */
struct sn_dp_opts {
	struct sn_switch_limits limits;
	uint32_t cells;		/* cells requested per register array, a power of two */
	uint32_t min_cells;	/* fewer cells than this left in a stage: the table does not fit */
	unsigned probes;	/* slots tried per key before the key overflows to the SP */
};

/* Fill *o with the defaults: Tofino-class limits, 65,536 cells, 4 probes. */
void sn_dp_opts_default(struct sn_dp_opts *o);

/* Whether the switch can evaluate expression e: constants, parsed header fields with
 * SN_FF_SWITCH, columns, comparisons, bit-and, add, subtract, masks and prefix tests. */
bool sn_dp_expr_ok(const struct sn_expr *e);
/* Whether operator i of stream s can run in the switch, given the operators before it. */
bool sn_dp_op_ok(const struct sn_query *q, size_t s, size_t i);

/* A stateful operator (register array) the switch can hold: operator op of stream. */
struct sn_dp_table {
	size_t stream, op;
};

/* List the stateful operators of q that the switch can hold, in plan order: streams reading
 * packets in order, each up to its first operator the switch cannot run, and never past a
 * reduce. Returns how many (at most max). */
size_t sn_dp_tables(const struct sn_query *q, struct sn_dp_table *out, size_t max);
/* Operators of stream s that run in the switch when the first ntables tables of q are
 * placed; stateless false puts nothing in the switch (all-sp). */
size_t sn_dp_cut(const struct sn_query *q, size_t s, unsigned ntables, bool stateless);

/* Find the key q can be refined on (ip.dst, ip.src or their v4/v6 forms). Returns 0 and sets
 * *key, or -EINVAL with the reason in why when refinement is not sound for q. */
int sn_dp_refine_key(const struct sn_query *q, enum sn_field_id *key, char *why, size_t len);
/* Output column of q that carries the refinement key, or -1. */
int sn_dp_refine_col(const struct sn_query *q, enum sn_field_id key);

/* Longest-prefix-match table of address prefixes, with a bound on its entries. */
struct sn_lpm {
	struct sn_addr *addr;	/* masked prefixes, sorted by (len, address) */
	unsigned char *len;
	size_t n, cap, max;	/* max entries; 0: no bound */
	bool full;		/* an insert was rejected because max entries were held */
};

void sn_lpm_init(struct sn_lpm *t, size_t max_entries);
void sn_lpm_free(struct sn_lpm *t);
void sn_lpm_clear(struct sn_lpm *t);
/* Insert prefix a/len. Returns 0 (also for a duplicate), -ENOSPC when full, -ENOMEM. */
int sn_lpm_add(struct sn_lpm *t, const struct sn_addr *a, unsigned len);
/* Length of the longest prefix matching a, or -1 when none does. */
int sn_lpm_lookup(const struct sn_lpm *t, const struct sn_addr *a);

/* Counts of one query of a data-plane run. */
struct sn_dp_query_stats {
	uint64_t tuples_sp;	/* tuples sent to the stream processor, overflow included */
	uint64_t overflow;	/* keys that found no free register cell */
	uint64_t windows;	/* windows of the finest level */
	uint64_t rows;		/* rows of the finest level, the query's answer */
	uint64_t filter_full;	/* level windows whose filter fell back to pass-all */
	uint64_t bits;		/* register bits of the switch tables, all levels */
	unsigned stages;	/* highest stage holding one of the query's tables */
	unsigned tables;	/* tables in the switch, all levels */
	unsigned delay;		/* extra detection delay in windows (used levels - 1) */
	unsigned metadata_bits;	/* per-packet metadata of the query's switch part */
	char chain[64];		/* levels used, "0 -> 16 -> 32" */
};

struct sn_dp_runner;

/* Build a runner for plan over set: rows of the finest level of each query go to emit.
 * Queries missing from plan run all in the stream processor. Returns 0, -EINVAL or
 * -ENOMEM; messages are logged. */
int sn_dp_new(struct sn_dp_runner **out, const struct sn_query_set *set,
	      const struct sn_plan *plan, const struct sn_dp_opts *opts, sn_row_fn emit,
	      void *arg);
/* Run one decoded packet through the switch model and the stream processor. */
int sn_dp_packet(struct sn_dp_runner *r, const struct sn_packet *pkt);
/* End of input: close the last windows. */
void sn_dp_flush(struct sn_dp_runner *r);
void sn_dp_query_stats(const struct sn_dp_runner *r, size_t query, struct sn_dp_query_stats *st);
/* Packets the runner has seen and windows closed (max over queries). */
uint64_t sn_dp_packets(const struct sn_dp_runner *r);
void sn_dp_free(struct sn_dp_runner *r);

/* Build the plan of a baseline mode without measured costs: all-sp, filter-dp, max-dp
 * (finest level, as many tables as fit) or fixed-ref (levels 8, 16, 24, 32 chained where
 * refinement is sound, as many tables as fit). SN_PLAN_SONATA needs costs: -EINVAL.
 * Release with sn_plan_free. */
int sn_dp_plan_mode(const struct sn_query_set *set, const struct sn_dp_opts *opts,
		    enum sn_plan_mode mode, struct sn_plan *out);

/* Measure costs on capture files: per query, per level pair (from, to) and per number of
 * switch tables, the tuples to the SP and the register bits, averaged over windows, with
 * the switch model of opts. Fills out (release with sn_costs_free). Returns 0 or a negative
 * errno with a message in err. */
int sn_train(const struct sn_query_set *set, const char *const *files, size_t n_files,
	     const struct sn_decode_opts *decode, const struct sn_dp_opts *opts,
	     struct sn_costs *out, char *err, size_t errlen);

#endif
