/* Cost file: JSON reader and writer (format in docs/planner.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "plan/plan_int.h"

/* Reader position for messages: file name and the JSON path of the current object. */
struct reader {
	const char *name;
	char *err;
	size_t errlen;
};

static int bad(const struct reader *r, const char *path, const char *key, const char *what)
{
	return plan_error(r->err, r->errlen, -EINVAL, "%s: %s%s%s: %s", r->name, path,
			  *path ? "." : "", key, what);
}

/* Reject keys other than those in allowed (NULL-terminated): they are most likely typos. */
static int check_keys(const struct reader *r, json_t *obj, const char *path,
		      const char *const *allowed)
{
	const char *key;
	json_t *val;

	json_object_foreach(obj, key, val) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a)
			return bad(r, path, key, "unknown key");
	}
	return 0;
}

/* Largest cost or bit count a file may give: 2^53, so each value is exact
 * in GLPK's doubles and a sum of up to 1,024 of them fits in int64.
 * NOTE: larger files are not refused, so their totals may still be
 * inexact. */
#define SN_COST_MAX (1ull << 53)

/* Read obj[key] as a non-negative integer; a missing optional key leaves *v unchanged. */
static int get_u64(const struct reader *r, json_t *obj, const char *path, const char *key,
		   bool required, uint64_t max, uint64_t *v)
{
	json_t *j = json_object_get(obj, key);

	if (!j)
		return required ? bad(r, path, key, "missing") : 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    (uint64_t)json_integer_value(j) > max) {
		char what[96];

		snprintf(what, sizeof(what), "expected an integer from 0 to %llu",
			 (unsigned long long)max);
		return bad(r, path, key, what);
	}
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

static int get_uint(const struct reader *r, json_t *obj, const char *path, const char *key,
		    bool required, unsigned *v)
{
	uint64_t x = *v;
	int rc = get_u64(r, obj, path, key, required, UINT32_MAX, &x);

	*v = (unsigned)x;
	return rc;
}

static int read_limits(const struct reader *r, json_t *j, struct sn_costs *c)
{
	static const char *const keys[] = { "stages", "tables_per_stage", "bits_per_stage",
					    "metadata_bits", "filter_entries", NULL };
	struct sn_switch_limits *lim = &c->limits;
	int rc;

	if (!json_is_object(j))
		return bad(r, "", "limits", "expected an object");
	sn_switch_limits_default(lim);
	c->has_limits = true;
	rc = check_keys(r, j, "limits", keys);
	if (!rc)
		rc = get_uint(r, j, "limits", "stages", false, &lim->stages);
	if (!rc)
		rc = get_uint(r, j, "limits", "tables_per_stage", false, &lim->tables_per_stage);
	if (!rc)
		rc = get_u64(r, j, "limits", "bits_per_stage", false, SN_COST_MAX,
			     &lim->bits_per_stage);
	if (!rc)
		rc = get_uint(r, j, "limits", "metadata_bits", false, &lim->metadata_bits);
	if (!rc)
		rc = get_uint(r, j, "limits", "filter_entries", false, &lim->filter_entries);
	if (!rc && lim->stages > SN_PLAN_MAX_STAGES)
		rc = bad(r, "limits", "stages", "exceeds the maximum of 32");
	return rc;
}

static int read_table(const struct reader *r, json_t *j, const char *path,
		      struct sn_table_cost *t)
{
	static const char *const keys[] = { "in", "bits", "out", NULL };
	int rc;

	if (!json_is_object(j))
		return plan_error(r->err, r->errlen, -EINVAL, "%s: %s: expected an object",
				  r->name, path);
	rc = check_keys(r, j, path, keys);
	if (!rc)
		rc = get_u64(r, j, path, "in", true, SN_COST_MAX, &t->in);
	if (!rc)
		rc = get_u64(r, j, path, "bits", true, SN_COST_MAX, &t->bits);
	if (!rc)
		rc = get_u64(r, j, path, "out", true, SN_COST_MAX, &t->out);
	return rc;
}

static int read_tables(const struct reader *r, json_t *j, const char *path,
		       const struct sn_query_cost *q, struct sn_transition_cost *tr)
{
	json_t *tables = json_object_get(j, "tables");
	char sub[128];
	size_t i;
	json_t *t;

	if (!tables)
		tables = json_array();
	else
		json_incref(tables);
	if (!json_is_array(tables) || json_array_size(tables) != q->ntables) {
		json_decref(tables);
		return plan_error(r->err, r->errlen, -EINVAL,
				  "%s: %s.tables: expected an array of %u tables, one per stateful table of query %s",
				  r->name, path, q->ntables, q->name);
	}
	json_array_foreach(tables, i, t) {
		int rc;

		snprintf(sub, sizeof(sub), "%s.tables[%zu]", path, i);
		rc = read_table(r, t, sub, &tr->table[i]);
		if (rc < 0) {
			json_decref(tables);
			return rc;
		}
	}
	json_decref(tables);
	return 0;
}

static int read_transition(const struct reader *r, json_t *j, const char *path,
			   const struct sn_query_cost *q, struct sn_transition_cost *tr)
{
	static const char *const keys[] = { "from", "to", "in", "keys", "tables", NULL };
	int rc;

	if (!json_is_object(j))
		return plan_error(r->err, r->errlen, -EINVAL, "%s: %s: expected an object",
				  r->name, path);
	rc = check_keys(r, j, path, keys);
	if (!rc)
		rc = get_uint(r, j, path, "from", true, &tr->from);
	if (!rc)
		rc = get_uint(r, j, path, "to", true, &tr->to);
	if (!rc)
		rc = get_u64(r, j, path, "keys", false, SN_COST_MAX, &tr->keys);
	if (!rc)
		rc = read_tables(r, j, path, q, tr);
	if (rc)
		return rc;
	if (!json_object_get(j, "in") && !q->ntables)
		return bad(r, path, "in", "missing, and required when the query has no tables");
	tr->in = q->ntables ? tr->table[0].in : 0;
	return get_u64(r, j, path, "in", false, SN_COST_MAX, &tr->in);
}

static int read_levels(const struct reader *r, json_t *j, const char *path,
		       struct sn_query_cost *q)
{
	json_t *lv = json_object_get(j, "levels");
	size_t i;
	json_t *v;

	if (!json_is_array(lv) || !json_array_size(lv) ||
	    json_array_size(lv) > SN_PLAN_MAX_LEVELS)
		return bad(r, path, "levels", "expected an array of 1 to 8 levels");
	json_array_foreach(lv, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 128)
			return bad(r, path, "levels", "expected levels from 1 to 128");
		q->level[i] = (unsigned)json_integer_value(v);
	}
	q->nlevels = (unsigned)json_array_size(lv);
	return 0;
}

static int read_name(const struct reader *r, json_t *j, const char *path,
		     struct sn_query_cost *q)
{
	json_t *name = json_object_get(j, "name");

	if (!json_is_string(name) || !json_string_length(name))
		return bad(r, path, "name", "expected a non-empty string");
	if (json_string_length(name) >= sizeof(q->name))
		return bad(r, path, "name", "longer than 63 bytes");
	memcpy(q->name, json_string_value(name), json_string_length(name) + 1);
	return 0;
}

static int read_query_head(const struct reader *r, json_t *j, const char *path,
			   struct sn_query_cost *q)
{
	static const char *const keys[] = { "name", "levels", "tables", "refine", "costs", NULL };
	json_t *refine = json_object_get(j, "refine");
	int rc;

	if (!json_is_object(j))
		return plan_error(r->err, r->errlen, -EINVAL, "%s: %s: expected an object",
				  r->name, path);
	rc = check_keys(r, j, path, keys);
	if (!rc)
		rc = read_name(r, j, path, q);
	if (!rc)
		rc = read_levels(r, j, path, q);
	if (!rc)
		rc = get_uint(r, j, path, "tables", true, &q->ntables);
	if (!rc && q->ntables > SN_PLAN_MAX_TABLES)
		rc = bad(r, path, "tables", "more than 8 stateful tables");
	if (rc)
		return rc;
	if (refine && !json_is_boolean(refine))
		return bad(r, path, "refine", "expected true or false");
	q->refine = !refine || json_is_true(refine);
	return 0;
}

static int read_query(const struct reader *r, json_t *j, const char *path,
		      struct sn_query_cost *q)
{
	json_t *costs, *t;
	char sub[96];
	size_t i;
	int rc = read_query_head(r, j, path, q);

	if (rc)
		return rc;
	costs = json_object_get(j, "costs");
	if (!json_is_array(costs) || !json_array_size(costs))
		return bad(r, path, "costs", "expected a non-empty array of transitions");
	if (json_array_size(costs) > SN_PLAN_MAX_TRANS)
		return bad(r, path, "costs", "more than 36 transitions");
	json_array_foreach(costs, i, t) {
		snprintf(sub, sizeof(sub), "%s.costs[%zu]", path, i);
		rc = read_transition(r, t, sub, q, &q->trans[i]);
		if (rc)
			return rc;
	}
	q->ntrans = (unsigned)json_array_size(costs);
	return 0;
}

static int read_root(const struct reader *r, json_t *root, struct sn_costs *out)
{
	static const char *const keys[] = { "packets", "limits", "queries", NULL };
	json_t *queries, *j;
	size_t i;
	int rc;

	if (!json_is_object(root))
		return plan_error(r->err, r->errlen, -EINVAL,
				  "%s: expected a JSON object at the top level", r->name);
	rc = check_keys(r, root, "", keys);
	if (!rc)
		rc = get_u64(r, root, "", "packets", false, SN_COST_MAX, &out->packets);
	if (!rc && json_object_get(root, "limits"))
		rc = read_limits(r, json_object_get(root, "limits"), out);
	if (rc)
		return rc;
	queries = json_object_get(root, "queries");
	if (!json_is_array(queries) || !json_array_size(queries))
		return bad(r, "", "queries", "expected a non-empty array");
	json_array_foreach(queries, i, j) {
		struct sn_query_cost *q = calloc(1, sizeof(*q));
		char path[32];

		if (!q)
			return plan_error(r->err, r->errlen, -ENOMEM, "out of memory");
		snprintf(path, sizeof(path), "queries[%zu]", i);
		rc = read_query(r, j, path, q);
		if (!rc)
			rc = sn_costs_add_query(out, q);
		free(q);
		if (rc)
			return rc == -ENOMEM ? plan_error(r->err, r->errlen, rc, "out of memory") : rc;
	}
	return 0;
}

int sn_costs_read_buf(const char *buf, size_t len, const char *name, struct sn_costs *out,
		      char *err, size_t errlen)
{
	struct reader r = { .name = name, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return plan_error(err, errlen, -EINVAL, "%s:%d:%d: invalid JSON: %s", name,
				  jerr.line, jerr.column, jerr.text);
	rc = read_root(&r, root, out);
	json_decref(root);
	if (!rc) {
		char why[256];

		rc = sn_costs_validate(out, why, sizeof(why));
		if (rc)
			plan_error(err, errlen, rc, "%s: %s", name, why);
	}
	if (rc)
		sn_costs_free(out);
	return rc;
}

int sn_costs_read_file(const char *path, struct sn_costs *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!f)
		return plan_error(err, errlen, -errno, "%s: cannot open cost file: %s", path,
				  strerror(errno));
	rc = 0;
	for (;;) {
		char *grown = realloc(buf, len + 65536);
		size_t n;

		if (!grown) {
			rc = plan_error(err, errlen, -ENOMEM, "out of memory");
			goto out;
		}
		buf = grown;
		n = fread(buf + len, 1, 65536, f);
		len += n;
		if (n < 65536)
			break;
	}
	if (ferror(f)) {
		rc = plan_error(err, errlen, -EIO, "%s: read failed", path);
		goto out;
	}
	rc = sn_costs_read_buf(buf, len, path, out, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *limits_json(const struct sn_switch_limits *lim)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "stages", (json_int_t)lim->stages,
			 "tables_per_stage", (json_int_t)lim->tables_per_stage,
			 "bits_per_stage", (json_int_t)lim->bits_per_stage,
			 "metadata_bits", (json_int_t)lim->metadata_bits,
			 "filter_entries", (json_int_t)lim->filter_entries);
}

static json_t *transition_json(const struct sn_query_cost *q, const struct sn_transition_cost *tr)
{
	json_t *o = json_object(), *tables = json_array();

	json_object_set_new(o, "from", u64(tr->from));
	json_object_set_new(o, "to", u64(tr->to));
	json_object_set_new(o, "in", u64(tr->in));
	if (tr->keys)
		json_object_set_new(o, "keys", u64(tr->keys));
	for (unsigned t = 0; t < q->ntables; t++)
		json_array_append_new(tables, json_pack("{s:o,s:o,s:o}",
							"in", u64(tr->table[t].in),
							"bits", u64(tr->table[t].bits),
							"out", u64(tr->table[t].out)));
	json_object_set_new(o, "tables", tables);
	return o;
}

static json_t *query_json(const struct sn_query_cost *q)
{
	json_t *o = json_object(), *levels = json_array(), *costs = json_array();

	json_object_set_new(o, "name", json_string(q->name));
	for (unsigned l = 0; l < q->nlevels; l++)
		json_array_append_new(levels, u64(q->level[l]));
	json_object_set_new(o, "levels", levels);
	json_object_set_new(o, "tables", u64(q->ntables));
	json_object_set_new(o, "refine", json_boolean(q->refine));
	for (unsigned i = 0; i < q->ntrans; i++)
		json_array_append_new(costs, transition_json(q, &q->trans[i]));
	json_object_set_new(o, "costs", costs);
	return o;
}

int sn_costs_write_file(const char *path, const struct sn_costs *c, char *err, size_t errlen)
{
	json_t *root = json_object(), *queries = json_array();
	int rc = 0;

	if (c->packets)
		json_object_set_new(root, "packets", u64(c->packets));
	if (c->has_limits)
		json_object_set_new(root, "limits", limits_json(&c->limits));
	for (size_t i = 0; i < c->nqueries; i++)
		json_array_append_new(queries, query_json(&c->query[i]));
	json_object_set_new(root, "queries", queries);
	if (json_dump_file(root, path, JSON_INDENT(2)) < 0)
		rc = plan_error(err, errlen, -EIO, "%s: cannot write cost file", path);
	json_decref(root);
	return rc;
}
