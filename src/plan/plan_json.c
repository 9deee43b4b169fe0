/* Plan JSON: writer and reader (format in docs/planner.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "plan/plan_int.h"

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *level_json(const struct sn_level_plan *lp)
{
	json_t *o = json_object(), *stages = json_array(), *table_bits = json_array();

	for (unsigned t = 0; t < lp->ntables && t < SN_PLAN_MAX_TABLES; t++) {
		json_array_append_new(stages, u64(lp->stage[t]));
		json_array_append_new(table_bits, u64(lp->table_bits[t]));
	}
	json_object_set_new(o, "level", u64(lp->level));
	json_object_set_new(o, "used", json_boolean(lp->used));
	json_object_set_new(o, "from", u64(lp->from));
	json_object_set_new(o, "tables", u64(lp->ntables));
	json_object_set_new(o, "stages", stages);
	json_object_set_new(o, "tuples", u64(lp->tuples));
	json_object_set_new(o, "bits", u64(lp->bits));
	json_object_set_new(o, "table_bits", table_bits);
	return o;
}

static json_t *query_json(const struct sn_query_plan *q)
{
	json_t *o = json_object(), *levels = json_array();
	char chain[256];

	sn_plan_chain(q, chain, sizeof(chain));
	json_object_set_new(o, "name", json_string(q->name));
	json_object_set_new(o, "chain", json_string(chain));
	json_object_set_new(o, "tuples", u64(q->tuples));
	for (unsigned l = 0; l < q->nlevels && l < SN_PLAN_MAX_LEVELS; l++)
		json_array_append_new(levels, level_json(&q->level[l]));
	json_object_set_new(o, "levels", levels);
	return o;
}

static json_t *plan_json(const struct sn_plan *p)
{
	json_t *o = json_object(), *stages = json_array(), *queries = json_array();
	const struct sn_switch_limits *lim = &p->limits;

	json_object_set_new(o, "mode", json_string(sn_plan_mode_name(p->mode)));
	json_object_set_new(o, "status", json_string(sn_plan_status_name(p->status)));
	json_object_set_new(o, "solver", json_string(p->solver));
	json_object_set_new(o, "tuples", u64(p->tuples));
	json_object_set_new(o, "bound", json_real(p->bound));
	json_object_set_new(o, "gap", json_real(p->gap));
	json_object_set_new(o, "limits", json_pack("{s:o,s:o,s:o,s:o,s:o}",
		"stages", u64(lim->stages), "tables_per_stage", u64(lim->tables_per_stage),
		"bits_per_stage", u64(lim->bits_per_stage), "metadata_bits", u64(lim->metadata_bits),
		"filter_entries", u64(lim->filter_entries)));
	for (unsigned s = 0; s < p->stages_used && s < SN_PLAN_MAX_STAGES; s++)
		json_array_append_new(stages, json_pack("{s:o,s:o,s:o}", "stage", u64(s + 1),
							"tables", u64(p->tables_in_stage[s]),
							"bits", u64(p->bits_in_stage[s])));
	json_object_set_new(o, "stages_used", u64(p->stages_used));
	json_object_set_new(o, "stages", stages);
	for (size_t i = 0; i < p->nqueries; i++)
		json_array_append_new(queries, query_json(&p->query[i]));
	json_object_set_new(o, "queries", queries);
	return o;
}

int sn_plan_write_json(FILE *f, const struct sn_plan *p, char *err, size_t errlen)
{
	json_t *root = plan_json(p);
	int rc = 0;

	if (!root || json_dumpf(root, f, JSON_INDENT(2)) < 0 || fputc('\n', f) == EOF)
		rc = plan_error(err, errlen, -EIO, "cannot write the plan as JSON");
	json_decref(root);
	return rc;
}

struct preader {
	const char *name;
	char *err;
	size_t errlen;
};

static int pbad(const struct preader *r, const char *path, const char *what)
{
	return plan_error(r->err, r->errlen, -EINVAL, "%s: %s: %s", r->name, path, what);
}

static int unpack_err(const struct preader *r, const char *path, const json_error_t *je)
{
	return plan_error(r->err, r->errlen, -EINVAL, "%s: %s: %s", r->name, path, je->text);
}

static bool in_range(json_int_t v, json_int_t max)
{
	return v >= 0 && v <= max;
}

static int read_stages(const struct preader *r, json_t *arr, const char *path,
		       struct sn_level_plan *lp)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) != lp->ntables)
		return pbad(r, path, "stages must list one stage per table in the switch");
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || !in_range(json_integer_value(v), SN_PLAN_MAX_STAGES) ||
		    !json_integer_value(v))
			return pbad(r, path, "stage numbers must be 1 to 32");
		lp->stage[i] = (unsigned)json_integer_value(v);
	}
	return 0;
}

/* Optional "table_bits": register bits of each table in the switch. */
static int read_table_bits(const struct preader *r, json_t *arr, const char *path,
			   struct sn_level_plan *lp)
{
	size_t i;
	json_t *v;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) != lp->ntables)
		return pbad(r, path, "table_bits must list the bits of each table in the switch");
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || !in_range(json_integer_value(v), INT64_MAX))
			return pbad(r, path, "table_bits must be non-negative integers");
		if ((uint64_t)json_integer_value(v) > (1ull << 53))
			return pbad(r, path, "table_bits must be at most 2^53 bits");
		lp->table_bits[i] = (uint64_t)json_integer_value(v);
	}
	return 0;
}

static int read_level(const struct preader *r, json_t *j, const char *path,
		      struct sn_level_plan *lp)
{
	json_int_t level, from, tables, tuples, bits;
	int used, rc;
	json_t *stages, *table_bits = NULL;
	json_error_t je;

	if (json_unpack_ex(j, &je, JSON_STRICT, "{s:I,s:b,s:I,s:I,s:o,s:I,s:I,s?o}", "level",
			   &level, "used", &used, "from", &from, "tables", &tables, "stages",
			   &stages, "tuples", &tuples, "bits", &bits, "table_bits", &table_bits))
		return unpack_err(r, path, &je);
	if (!in_range(level, 128) || !in_range(from, 128) || !in_range(tuples, INT64_MAX) ||
	    !in_range(bits, INT64_MAX))
		return pbad(r, path, "level, from, tuples and bits must be non-negative, levels <= 128");
	if (!in_range(tables, SN_PLAN_MAX_TABLES))
		return pbad(r, path, "tables must be 0 to 8");
	lp->level = (unsigned)level;
	lp->used = used;
	lp->from = (unsigned)from;
	lp->ntables = (unsigned)tables;
	lp->tuples = (uint64_t)tuples;
	lp->bits = (uint64_t)bits;
	rc = read_stages(r, stages, path, lp);
	return rc ? rc : read_table_bits(r, table_bits, path, lp);
}

static int read_query(const struct preader *r, json_t *j, const char *path,
		      struct sn_query_plan *q)
{
	const char *name, *chain;
	json_int_t tuples;
	json_t *levels, *v;
	json_error_t je;
	char sub[64];
	size_t i;

	if (json_unpack_ex(j, &je, JSON_STRICT, "{s:s,s:s,s:I,s:o}", "name", &name,
			   "chain", &chain, "tuples", &tuples, "levels", &levels))
		return unpack_err(r, path, &je);
	if (!*name || strlen(name) >= sizeof(q->name))
		return pbad(r, path, "name must be 1 to 63 bytes");
	if (!in_range(tuples, INT64_MAX))
		return pbad(r, path, "tuples must be non-negative");
	if (!json_is_array(levels) || json_array_size(levels) > SN_PLAN_MAX_LEVELS)
		return pbad(r, path, "levels must be an array of at most 8 levels");
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->tuples = (uint64_t)tuples;
	q->nlevels = (unsigned)json_array_size(levels);
	json_array_foreach(levels, i, v) {
		int rc;

		snprintf(sub, sizeof(sub), "%s.levels[%zu]", path, i);
		rc = read_level(r, v, sub, &q->level[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_limits(const struct preader *r, json_t *j, struct sn_switch_limits *lim)
{
	json_int_t st, tb, bits, md, fe;
	json_error_t je;

	if (json_unpack_ex(j, &je, JSON_STRICT, "{s:I,s:I,s:I,s:I,s:I}", "stages", &st,
			   "tables_per_stage", &tb, "bits_per_stage", &bits, "metadata_bits", &md,
			   "filter_entries", &fe))
		return unpack_err(r, "limits", &je);
	if (!in_range(st, SN_PLAN_MAX_STAGES) || !in_range(tb, UINT32_MAX) ||
	    !in_range(bits, INT64_MAX) || !in_range(md, UINT32_MAX) || !in_range(fe, UINT32_MAX))
		return pbad(r, "limits", "value out of range");
	lim->stages = (unsigned)st;
	lim->tables_per_stage = (unsigned)tb;
	lim->bits_per_stage = (uint64_t)bits;
	lim->metadata_bits = (unsigned)md;
	lim->filter_entries = (unsigned)fe;
	return 0;
}

static int read_stage_totals(const struct preader *r, json_t *arr, struct sn_plan *p)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) != p->stages_used)
		return pbad(r, "stages", "expected one entry per used stage");
	json_array_foreach(arr, i, v) {
		json_int_t stage, tables, bits;
		json_error_t je;

		if (json_unpack_ex(v, &je, JSON_STRICT, "{s:I,s:I,s:I}", "stage", &stage,
				   "tables", &tables, "bits", &bits))
			return unpack_err(r, "stages", &je);
		if (stage != (json_int_t)i + 1 || !in_range(tables, UINT32_MAX) ||
		    !in_range(bits, INT64_MAX))
			return pbad(r, "stages", "entries must be stages 1, 2, ... with non-negative totals");
		p->tables_in_stage[i] = (unsigned)tables;
		p->bits_in_stage[i] = (uint64_t)bits;
	}
	return 0;
}

static int read_head(const struct preader *r, json_t *root, struct sn_plan *p,
		     json_t **limits, json_t **stages, json_t **queries)
{
	const char *mode, *status, *solver;
	json_int_t tuples, used;
	json_error_t je;

	if (json_unpack_ex(root, &je, JSON_STRICT, "{s:s,s:s,s:s,s:I,s:F,s:F,s:o,s:I,s:o,s:o}",
			   "mode", &mode, "status", &status, "solver", &solver, "tuples", &tuples,
			   "bound", &p->bound, "gap", &p->gap, "limits", limits,
			   "stages_used", &used, "stages", stages, "queries", queries))
		return unpack_err(r, "plan", &je);
	if (sn_plan_mode_parse(mode, &p->mode))
		return pbad(r, "mode", "unknown mode");
	if (!strcmp(status, "optimal"))
		p->status = SN_PLAN_OPTIMAL;
	else if (!strcmp(status, "time-limit"))
		p->status = SN_PLAN_TIME_LIMIT;
	else
		return pbad(r, "status", "expected optimal or time-limit");
	if (strlen(solver) >= sizeof(p->solver))
		return pbad(r, "solver", "name too long");
	snprintf(p->solver, sizeof(p->solver), "%s", solver);
	if (!in_range(tuples, INT64_MAX) || !in_range(used, SN_PLAN_MAX_STAGES))
		return pbad(r, "plan", "tuples or stages_used out of range");
	p->tuples = (uint64_t)tuples;
	p->stages_used = (unsigned)used;
	return 0;
}

static int read_plan(const struct preader *r, json_t *root, struct sn_plan *p)
{
	json_t *limits, *stages, *queries, *q;
	size_t i;
	int rc = read_head(r, root, p, &limits, &stages, &queries);

	if (!rc)
		rc = read_limits(r, limits, &p->limits);
	if (!rc)
		rc = read_stage_totals(r, stages, p);
	if (rc)
		return rc;
	if (!json_is_array(queries))
		return pbad(r, "queries", "expected an array");
	p->query = calloc(json_array_size(queries) + 1, sizeof(*p->query));
	if (!p->query)
		return plan_error(r->err, r->errlen, -ENOMEM, "out of memory");
	json_array_foreach(queries, i, q) {
		char path[32];

		snprintf(path, sizeof(path), "queries[%zu]", i);
		rc = read_query(r, q, path, &p->query[i]);
		if (rc)
			return rc;
		p->nqueries = i + 1;
	}
	return 0;
}

int sn_plan_read_json(const char *buf, size_t len, const char *name, struct sn_plan *out,
		      char *err, size_t errlen)
{
	struct preader r = { .name = name, .err = err, .errlen = errlen };
	json_error_t je;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return plan_error(err, errlen, -EINVAL, "%s:%d:%d: invalid JSON: %s", name,
				  je.line, je.column, je.text);
	rc = read_plan(&r, root, out);
	json_decref(root);
	if (rc)
		sn_plan_free(out);
	return rc;
}
