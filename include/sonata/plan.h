/*
 * Query planner: cost model, switch limits and the joint plan for all queries.
 *
 * Each query is refined coarse to fine on one hierarchical key (ip.dst at /8, /16, /24, /32).
 * A level reports keys in window t that restrict the next level in window t+1. The planner
 * chooses, for all queries together, which levels each query uses, which level feeds which,
 * and how many leading stateful tables (distinct, reduce) of each level run in the switch. It
 * minimises the tuples sent to the stream processor under the per-stage switch limits.
 * docs/planner.md describes the cost-file and plan JSON formats and the integer program.
 */
#ifndef SONATA_PLAN_H
#define SONATA_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SN_PLAN_MAX_LEVELS 8	/* refinement levels per query, level 0 not counted */
#define SN_PLAN_MAX_TABLES 8	/* stateful tables per query */
#define SN_PLAN_MAX_TRANS 36	/* transitions (from, to): 8 levels and level 0 */
#define SN_PLAN_MAX_STAGES 32	/* upper bound accepted for sn_switch_limits.stages */
#define SN_PLAN_NAME_MAX 64	/* query name, including the terminating NUL */

/* Resources of one switch pipeline that the planner may use. */
struct sn_switch_limits {
	unsigned stages;		/* match-action stages */
	unsigned tables_per_stage;	/* stateful tables (register arrays) per stage */
	uint64_t bits_per_stage;	/* register bits per stage */
	unsigned metadata_bits;		/* per-packet metadata bits; not used by the planner */
	unsigned filter_entries;	/* LPM entries of one refinement filter table */
};

/* Fill *lim with the Tofino-class defaults documented in docs/planner.md. */
void sn_switch_limits_default(struct sn_switch_limits *lim);

/* Parse "stages=N,tables=N,bits=N,metadata=N,entries=N" (any subset, any order) into *lim,
 * keeping the fields not named. Returns 0 or -EINVAL with a message in err. */
int sn_switch_limits_parse(struct sn_switch_limits *lim, const char *spec,
			   char *err, size_t errlen);

/* Cost of one stateful table of a query at one transition, measured per window. */
struct sn_table_cost {
	uint64_t in;	/* tuples entering the table */
	uint64_t bits;	/* register bits the table needs */
	uint64_t out;	/* tuples to the stream processor if this is the last table in the switch */
};

/* Costs of a query at level `to` when level `from` (0: all traffic) restricts its input. */
struct sn_transition_cost {
	unsigned from, to;
	/* Tuples to the stream processor when no stateful table of this level runs in the
	 * switch. The cost-file reader sets it from table[0].in when the file omits it. */
	uint64_t in;
	/* Distinct keys this level reports per window, which must fit the next level's filter
	 * table (sn_switch_limits.filter_entries) when this level feeds another; 0: unknown,
	 * not checked. */
	uint64_t keys;
	struct sn_table_cost table[SN_PLAN_MAX_TABLES];
};

/* Costs of one query. A transition missing from trans[] is a feed the plan may not use. */
struct sn_query_cost {
	char name[SN_PLAN_NAME_MAX];
	unsigned nlevels;
	unsigned level[SN_PLAN_MAX_LEVELS];	/* ascending, 1..128; the last is the finest */
	unsigned ntables;			/* ordered stateful tables, 0..SN_PLAN_MAX_TABLES */
	/* False when the query's aggregates are not monotone, so a coarse level could drop keys
	 * the finest level would report: the plan then uses only the finest level, fed by 0. */
	bool refine;
	unsigned ntrans;
	struct sn_transition_cost trans[SN_PLAN_MAX_TRANS];
};

/* Input of the planner: the measured costs of every query and, optionally, switch limits. */
struct sn_costs {
	struct sn_query_cost *query;
	size_t nqueries;
	/* Packets per window the switch would mirror in all-sp mode; 0: unknown, and all-sp then
	 * costs the same as filter-dp. */
	uint64_t packets;
	bool has_limits;	/* the file named limits; they override the defaults */
	struct sn_switch_limits limits;
};

/* Append a copy of *q to c->query. Returns 0 or -ENOMEM. */
int sn_costs_add_query(struct sn_costs *c, const struct sn_query_cost *q);
/* Transition (from, to) of q, or NULL when q has none. */
const struct sn_transition_cost *sn_costs_find(const struct sn_query_cost *q,
					       unsigned from, unsigned to);
/* Check ranges, ordering and duplicates. Returns 0 or -EINVAL with a message in err. */
int sn_costs_validate(const struct sn_costs *c, char *err, size_t errlen);
void sn_costs_free(struct sn_costs *c);

/* Read and validate a cost file; errors name the file, line and column or the bad value.
 * Returns 0, -EINVAL (invalid content), -ENOMEM or a negative errno from opening the file. */
int sn_costs_read_file(const char *path, struct sn_costs *out, char *err, size_t errlen);
/* Same, from a buffer of len bytes; name is used in messages. */
int sn_costs_read_buf(const char *buf, size_t len, const char *name, struct sn_costs *out,
		      char *err, size_t errlen);
int sn_costs_write_file(const char *path, const struct sn_costs *c, char *err, size_t errlen);

enum sn_plan_mode {
	SN_PLAN_ALL_SP,		/* nothing in the switch, finest level only */
	SN_PLAN_FILTER_DP,	/* stateless operators only, finest level only */
	SN_PLAN_MAX_DP,		/* as many stateful tables as fit, finest level only */
	SN_PLAN_FIXED_REF,	/* every level used, each fed by any earlier used level */
	SN_PLAN_SONATA,		/* free choice of levels, feeds and tables */
};

/* Mode name as on the command line ("all-sp", ...), or NULL for an invalid mode. */
const char *sn_plan_mode_name(enum sn_plan_mode mode);
/* Parse a mode name. Returns 0 or -EINVAL. */
int sn_plan_mode_parse(const char *name, enum sn_plan_mode *mode);

enum sn_plan_status {
	SN_PLAN_OPTIMAL,	/* proven optimal */
	SN_PLAN_TIME_LIMIT,	/* best plan found before the time limit; see gap */
};

const char *sn_plan_status_name(enum sn_plan_status status);

/* One level of a query in the plan. */
struct sn_level_plan {
	unsigned level;
	bool used;
	unsigned from;				/* feeding level, 0: all traffic */
	unsigned ntables;			/* leading stateful tables in the switch */
	unsigned stage[SN_PLAN_MAX_TABLES];	/* 1-based stage of each placed table */
	uint64_t tuples;			/* tuples to the stream processor per window */
	uint64_t bits;				/* register bits of the placed tables */
	/* Register bits of each placed table, which the switch model reserves in its stage;
	 * 0: not given (plans of the baseline modes, older plan files). */
	uint64_t table_bits[SN_PLAN_MAX_TABLES];
};

struct sn_query_plan {
	char name[SN_PLAN_NAME_MAX];
	unsigned nlevels;
	struct sn_level_plan level[SN_PLAN_MAX_LEVELS];	/* same order as the cost file */
	uint64_t tuples;
};

struct sn_plan {
	enum sn_plan_mode mode;
	enum sn_plan_status status;
	char solver[16];		/* "glpk" or "brute" */
	uint64_t tuples;		/* objective: tuples to the stream processor per window */
	double bound;			/* best lower bound on the objective */
	double gap;			/* relative gap (tuples - bound) / tuples; 0 when optimal */
	struct sn_switch_limits limits;
	unsigned stages_used;		/* highest stage holding a table, 0: none */
	unsigned tables_in_stage[SN_PLAN_MAX_STAGES];	/* index 0 is stage 1 */
	uint64_t bits_in_stage[SN_PLAN_MAX_STAGES];
	struct sn_query_plan *query;
	size_t nqueries;
};

/*
 * Solve with GLPK's branch and cut, stopping after time_limit_s seconds (<= 0: no limit).
 * On a time limit with a plan found, returns 0 with status SN_PLAN_TIME_LIMIT and the gap.
 * Returns -ENOENT when no plan satisfies the mode and limits (message in err), -ETIMEDOUT
 * when the limit passed before any plan was found, -EINVAL for invalid costs or limits,
 * -ENOMEM. *out must be released with sn_plan_free on success only.
 */
int sn_plan_solve(const struct sn_costs *c, const struct sn_switch_limits *lim,
		  enum sn_plan_mode mode, double time_limit_s, struct sn_plan *out,
		  char *err, size_t errlen);
/* Same contract, by exhaustive search; meant for tests and a few small queries. Returns
 * -E2BIG when the search space exceeds a fixed bound, and SN_PLAN_TIME_LIMIT is never set. */
int sn_plan_solve_brute(const struct sn_costs *c, const struct sn_switch_limits *lim,
			enum sn_plan_mode mode, double time_limit_s, struct sn_plan *out,
			char *err, size_t errlen);

void sn_plan_free(struct sn_plan *p);
/* Levels used by query q in order, as "0 -> 16 -> 32", into buf. */
void sn_plan_chain(const struct sn_query_plan *q, char *buf, size_t len);
/* Print the plan as tables for people. */
void sn_plan_print(FILE *f, const struct sn_plan *p);
int sn_plan_write_json(FILE *f, const struct sn_plan *p, char *err, size_t errlen);
/* Read a plan written by sn_plan_write_json. Returns 0, -EINVAL or -ENOMEM. */
int sn_plan_read_json(const char *buf, size_t len, const char *name, struct sn_plan *out,
		      char *err, size_t errlen);

#endif
