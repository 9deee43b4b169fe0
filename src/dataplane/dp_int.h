/* Private structures of the switch model: register arrays, operators, stages, runner. */
#ifndef SONATA_DP_INT_H
#define SONATA_DP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sonata/dataplane.h"

/* A register array indexed by a hash of the key. Each cell stores the key beside its
 * value, so two keys never share a value: a key that finds no free cell among its probes
 * overflows instead. */
struct dp_regs {
	size_t n_keys;		/* values of one key */
	uint32_t cells;		/* a power of two */
	unsigned probes;
	struct sn_value *keys;	/* cells * n_keys */
	uint64_t *vals;
	uint8_t *used;
	uint32_t *order;	/* used cells, to clear only those */
	uint32_t n_used;
};

enum dp_lookup { DP_FOUND, DP_INSERTED, DP_OVERFLOW };

int dp_regs_init(struct dp_regs *r, size_t n_keys, uint32_t cells, unsigned probes);
void dp_regs_free(struct dp_regs *r);
void dp_regs_clear(struct dp_regs *r);
/* Find key or insert it with value 0; *val points at its value unless it overflowed. */
enum dp_lookup dp_regs_lookup(struct dp_regs *r, const struct sn_value *key, uint64_t **val);
/* Flag bits of the cell holding val: DP_CELL_USED, DP_CELL_TAINTED. */
uint8_t *dp_regs_flags(struct dp_regs *r, const uint64_t *val);

#define DP_CELL_USED 1u
/* An earlier operator sent some of this key's input to the SP (overflow), so the cell
 * reports every update: the switch alone cannot see the key's whole value. */
#define DP_CELL_TAINTED 2u
uint64_t dp_hash(const struct sn_value *v, size_t n);

/* Evaluate a switch expression on a packet (cols NULL) or a tuple; 0 when a field is
 * missing. Only expressions accepted by sn_dp_expr_ok. */
int dp_eval(const struct sn_expr *e, const struct sn_packet *pkt, const struct sn_value *cols,
	    struct sn_value *out);
bool dp_true(const struct sn_expr *e, const struct sn_packet *pkt, const struct sn_value *cols);

/* Outcome of a data-plane operator for one input. */
enum dp_verdict {
	DP_DROP,	/* nothing goes on */
	DP_PASS,	/* out holds the tuple for the next operator */
	DP_REPORT,	/* reduce: out holds a partial aggregate for the SP */
	DP_OVERFLOW_SP,	/* no register cell: the input goes to the SP at this operator */
};

/* One operator of a stream in the switch. */
struct dp_op {
	const struct sn_op *op;
	size_t n_in;		/* input tuple width; 0 for packets */
	bool stateful;
	bool fused;		/* reduce: a threshold filter follows and runs with it */
	uint64_t threshold;	/* report from this value on (0: every update) */
	struct dp_regs regs;
	struct sn_value *out;	/* output tuple */
	unsigned stage;		/* 1-based stage of a stateful operator */
	uint64_t bits;
	uint64_t in, passed;	/* tuples seen and tuples sent on (reports, overflow) */
	uint64_t overflow;	/* inputs sent to the SP for want of a free cell */
	uint64_t peak_keys;	/* most cells used in one window */
};

int dp_op_init(struct dp_op *o, const struct sn_op *op, const struct sn_op *next,
	       size_t n_in, uint32_t cells, unsigned probes);
void dp_op_free(struct dp_op *o);
void dp_op_reset(struct dp_op *o);
enum dp_verdict dp_op_run(struct dp_op *o, const struct sn_packet *pkt,
			  const struct sn_value *cols);
/* A reduce whose input partly bypassed it (overflow upstream): mark the key so it reports
 * every update from now on, and report the value it stored below the threshold. */
enum dp_verdict dp_op_taint(struct dp_op *o, const struct sn_packet *pkt,
			    const struct sn_value *cols);
/* Register bits of one cell: the key and the value. */
unsigned dp_slot_bits(const struct sn_op *op, size_t n_in, const struct sn_schema *in);
/* Threshold filter right after a reduce: sets *t and returns true. */
bool dp_threshold(const struct sn_op *reduce, const struct sn_op *filter, uint64_t *t);

/* Stage allocation over the whole pipeline. */
struct dp_pipeline {
	struct sn_switch_limits lim;
	unsigned tables[SN_PLAN_MAX_STAGES];
	uint64_t bits[SN_PLAN_MAX_STAGES];
	unsigned metadata;
	unsigned stages_used;
};

void dp_pipeline_init(struct dp_pipeline *p, const struct sn_switch_limits *lim);
/* Place a table of cells of slot_bits after stage `after` (0: anywhere). On success sets
 * *stage and *cells (halved until they fit, not below min_cells) and returns 0; -ENOSPC
 * when no stage has room. */
int dp_pipeline_place(struct dp_pipeline *p, unsigned after, unsigned slot_bits,
		      uint32_t want, uint32_t min_cells, unsigned *stage, uint32_t *cells);

/* Reserve cells of slot_bits in stage (1-based) for a table placed later. Returns 0, or
 * -ENOSPC when the stage has no table or bits left for them. */
int dp_pipeline_reserve(struct dp_pipeline *p, unsigned stage, unsigned slot_bits,
			uint32_t cells);
void dp_pipeline_release(struct dp_pipeline *p, unsigned stage, unsigned slot_bits,
			 uint32_t cells);
/* Cells up to want, at least min_cells, that a table could take in stage; 0: none. */
uint32_t dp_pipeline_fit(const struct dp_pipeline *p, unsigned stage, unsigned slot_bits,
			 uint32_t want, uint32_t min_cells);
/* Place a table in exactly this stage with the most cells up to want that fit, at least
 * min_cells. Returns 0 and sets *cells, or -ENOSPC. */
int dp_pipeline_place_at(struct dp_pipeline *p, unsigned stage, unsigned slot_bits,
			 uint32_t want, uint32_t min_cells, uint32_t *cells);

/* Width in bits of a tuple column, from the catalogue when it comes from a field. */
unsigned dp_type_bits(enum sn_type t);

/* refine.c: the query of a refinement level. Coarser than SN_DP_FINEST, the key field
 * becomes key/level wherever a map, distinct or reduce makes it a column; filters still
 * read the whole field. The copy shares everything else with orig. */
int dp_level_query(const struct sn_query *orig, enum sn_field_id key, unsigned level,
		   struct sn_query *out);
void dp_level_query_free(struct sn_query *copy, const struct sn_query *orig);
#endif
