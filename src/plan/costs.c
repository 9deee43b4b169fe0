/* Cost model: the per-query cost tables, their checks, and the cost-file reader and writer. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "plan/plan_int.h"

int sn_costs_add_query(struct sn_costs *c, const struct sn_query_cost *q)
{
	struct sn_query_cost *grown = realloc(c->query, (c->nqueries + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	c->query = grown;
	c->query[c->nqueries++] = *q;
	return 0;
}

const struct sn_transition_cost *sn_costs_find(const struct sn_query_cost *q,
					       unsigned from, unsigned to)
{
	for (unsigned i = 0; i < q->ntrans && i < SN_PLAN_MAX_TRANS; i++)
		if (q->trans[i].from == from && q->trans[i].to == to)
			return &q->trans[i];
	return NULL;
}

void sn_costs_free(struct sn_costs *c)
{
	free(c->query);
	c->query = NULL;
	c->nqueries = 0;
}

static bool has_level(const struct sn_query_cost *q, unsigned level)
{
	for (unsigned i = 0; i < q->nlevels; i++)
		if (q->level[i] == level)
			return true;
	return false;
}

static int validate_levels(const struct sn_query_cost *q, char *err, size_t errlen)
{
	if (!q->nlevels || q->nlevels > SN_PLAN_MAX_LEVELS)
		return plan_error(err, errlen, -EINVAL,
				  "query %s: %u levels, expected 1 to %d", q->name, q->nlevels,
				  SN_PLAN_MAX_LEVELS);
	for (unsigned i = 0; i < q->nlevels; i++) {
		if (q->level[i] < 1 || q->level[i] > 128)
			return plan_error(err, errlen, -EINVAL,
					  "query %s: level %u is out of range 1..128", q->name,
					  q->level[i]);
		if (i && q->level[i] <= q->level[i - 1])
			return plan_error(err, errlen, -EINVAL,
					  "query %s: levels must be strictly ascending, got %u after %u",
					  q->name, q->level[i], q->level[i - 1]);
	}
	if (q->ntables > SN_PLAN_MAX_TABLES)
		return plan_error(err, errlen, -EINVAL, "query %s: %u stateful tables, maximum %d",
				  q->name, q->ntables, SN_PLAN_MAX_TABLES);
	return 0;
}

static int validate_trans(const struct sn_query_cost *q, unsigned i, char *err, size_t errlen)
{
	const struct sn_transition_cost *tr = &q->trans[i];

	if (!has_level(q, tr->to))
		return plan_error(err, errlen, -EINVAL,
				  "query %s: transition %u -> %u leads to a level not in its levels",
				  q->name, tr->from, tr->to);
	if (tr->from && !has_level(q, tr->from))
		return plan_error(err, errlen, -EINVAL,
				  "query %s: transition %u -> %u starts at a level not in its levels",
				  q->name, tr->from, tr->to);
	if (tr->from >= tr->to)
		return plan_error(err, errlen, -EINVAL,
				  "query %s: transition %u -> %u must go from coarse to fine",
				  q->name, tr->from, tr->to);
	for (unsigned j = 0; j < i; j++)
		if (q->trans[j].from == tr->from && q->trans[j].to == tr->to)
			return plan_error(err, errlen, -EINVAL,
					  "query %s: transition %u -> %u is given twice",
					  q->name, tr->from, tr->to);
	return 0;
}

static int validate_query(const struct sn_costs *c, size_t qi, char *err, size_t errlen)
{
	const struct sn_query_cost *q = &c->query[qi];
	int rc;

	if (!q->name[0] || !memchr(q->name, '\0', sizeof(q->name)))
		return plan_error(err, errlen, -EINVAL, "query %zu: missing or too long name", qi);
	for (size_t j = 0; j < qi; j++)
		if (!strcmp(c->query[j].name, q->name))
			return plan_error(err, errlen, -EINVAL, "query name %s is used twice",
					  q->name);
	rc = validate_levels(q, err, errlen);
	if (rc < 0)
		return rc;
	if (q->ntrans > SN_PLAN_MAX_TRANS)
		return plan_error(err, errlen, -EINVAL, "query %s: %u transitions, maximum %d",
				  q->name, q->ntrans, SN_PLAN_MAX_TRANS);
	for (unsigned i = 0; i < q->ntrans; i++) {
		rc = validate_trans(q, i, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sn_costs_validate(const struct sn_costs *c, char *err, size_t errlen)
{
	if (!c->nqueries)
		return plan_error(err, errlen, -EINVAL, "no queries in the costs");
	for (size_t i = 0; i < c->nqueries; i++) {
		int rc = validate_query(c, i, err, errlen);

		if (rc < 0)
			return rc;
	}
	return 0;
}
