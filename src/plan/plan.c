/* Plan output for people: one line per used level, then the switch stages. */
#include <inttypes.h>
#include <stdio.h>

#include "plan/plan_int.h"

static void print_level(FILE *f, const struct sn_query_plan *q, const struct sn_level_plan *lp)
{
	char stages[8 * SN_PLAN_MAX_TABLES] = "-";
	size_t n = 0;

	for (unsigned t = 0; t < lp->ntables && n < sizeof(stages); t++)
		n += (size_t)snprintf(stages + n, sizeof(stages) - n, "%s%u", t ? "," : "",
				      lp->stage[t]);
	fprintf(f, "  %-16s %3u -> %-3u %6u  %-10s %12" PRIu64 " %12" PRIu64 "\n", q->name,
		lp->from, lp->level, lp->ntables, stages, lp->bits, lp->tuples);
}

void sn_plan_print(FILE *f, const struct sn_plan *p)
{
	char chain[256];

	fprintf(f, "mode %s, solver %s, %s", sn_plan_mode_name(p->mode), p->solver,
		sn_plan_status_name(p->status));
	if (p->status == SN_PLAN_TIME_LIMIT)
		fprintf(f, " (gap %.2f%%, bound %.0f)", 100 * p->gap, p->bound);
	fprintf(f, "\ntuples to the stream processor per window: %" PRIu64 "\n\n", p->tuples);
	fprintf(f, "  %-16s %-10s %6s  %-10s %12s %12s\n", "query", "level", "tables", "stages",
		"bits", "tuples");
	for (size_t i = 0; i < p->nqueries; i++)
		for (unsigned l = 0; l < p->query[i].nlevels; l++)
			if (p->query[i].level[l].used)
				print_level(f, &p->query[i], &p->query[i].level[l]);
	fprintf(f, "\n");
	for (size_t i = 0; i < p->nqueries; i++) {
		sn_plan_chain(&p->query[i], chain, sizeof(chain));
		fprintf(f, "  %-16s %s\n", p->query[i].name, chain);
	}
	fprintf(f, "\nswitch: %u of %u stages used\n", p->stages_used, p->limits.stages);
	for (unsigned s = 0; s < p->stages_used; s++)
		fprintf(f, "  stage %-3u %u/%u tables  %" PRIu64 "/%" PRIu64 " bits\n", s + 1,
			p->tables_in_stage[s], p->limits.tables_per_stage, p->bits_in_stage[s],
			p->limits.bits_per_stage);
}
