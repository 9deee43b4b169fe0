/* Helpers shared by the planner's solvers, readers and writers. */
#ifndef SONATA_PLAN_INT_H
#define SONATA_PLAN_INT_H

#include <stdarg.h>

#include "sonata/plan.h"

/* Format a message into err (which may be NULL) and return rc. */
int plan_error(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Validate costs, limits and mode together before solving. Returns 0 or -EINVAL. */
int plan_check_input(const struct sn_costs *c, const struct sn_switch_limits *lim,
		     enum sn_plan_mode mode, char *err, size_t errlen);

/* Whether level index li of q may be used, and whether it must be, in this mode. */
bool plan_level_allowed(const struct sn_query_cost *q, unsigned li, enum sn_plan_mode mode);
bool plan_level_forced(const struct sn_query_cost *q, unsigned li, enum sn_plan_mode mode);
/* Number of leading stateful tables of q the mode lets the switch run. */
unsigned plan_max_tables(const struct sn_query_cost *q, enum sn_plan_mode mode);
/* Whether level `to` of q may be fed by level `from` (0: all traffic) in this mode. This
 * checks that the transition exists and that `from` is an allowed level, not that it is used. */
bool plan_feed_allowed(const struct sn_query_cost *q, unsigned from, unsigned to,
		       enum sn_plan_mode mode);
/* Whether the keys a level reports through tr fit the next level's filter table. */
bool plan_keys_fit(const struct sn_transition_cost *tr, const struct sn_switch_limits *lim);
/* Tuples to the stream processor from tr when its k leading tables run in the switch. */
uint64_t plan_level_cost(const struct sn_transition_cost *tr, unsigned k);

/* Allocate out->query for every query of c with all levels unused. Returns 0 or -ENOMEM. */
int plan_init(struct sn_plan *out, const struct sn_costs *c, const struct sn_switch_limits *lim,
	      enum sn_plan_mode mode, const char *solver);
/* Fill tuples and bits of each used level and the totals from the level choices. */
void plan_finish(struct sn_plan *p, const struct sn_costs *c);

#endif
