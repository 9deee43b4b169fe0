/* Query files: queries, parameters with their -D overrides, lets and the
 * checks that need a whole query (unused lets, the output's shape). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

#define NS_PER_SEC 1e9

static const struct sn_query *find_query(const struct sn_query_set *set, const char *name)
{
	size_t i;

	for (i = 0; set && i < set->n; i++)
		if (!strcmp(set->queries[i].name, name))
			return &set->queries[i];
	return NULL;
}

/* A define applies to a parameter by its name, or by QUERY.NAME. */
static bool define_for(const struct sn_define *d, const char *query, const char *param,
		       bool scoped)
{
	size_t qlen = strlen(query);

	if (!scoped)
		return !strcmp(d->name, param);
	return !strncmp(d->name, query, qlen) && d->name[qlen] == '.' &&
	       !strcmp(d->name + qlen + 1, param);
}

/* Apply -D values: global ones first, so that QUERY.NAME ones win. */
static bool apply_defines(const struct sq_parser *p, struct sn_param *pr)
{
	bool set = false;
	int scoped;
	size_t i;

	for (scoped = 0; scoped < 2; scoped++) {
		for (i = 0; i < p->n_defs; i++) {
			if (define_for(&p->defs[i], p->q->name, pr->name, scoped)) {
				pr->value = p->defs[i].value;
				set = true;
			}
		}
	}
	return set;
}

static int set_window(struct sq_parser *p, const struct sn_param *pr, size_t pos, bool defined)
{
	const char *by = defined ? " (set by -D)" : "";
	double ns = pr->value * NS_PER_SEC;

	if (!(pr->value > 0))
		return sq_error(p, pos, "window must be more than 0 seconds, but it is %g%s",
				pr->value, by);
	if (!(ns < 9.2e18))
		return sq_error(p, pos, "window of %g seconds is too long%s", pr->value, by);
	if (llround(ns) < 1)
		return sq_error(p, pos, "window of %g seconds is shorter than 1 ns%s", pr->value, by);
	p->q->window_ns = (uint64_t)llround(ns);
	return 0;
}

static int parse_param(struct sq_parser *p)
{
	struct sn_query *q = p->q;
	struct sn_param *pr;
	char name[SQ_MAX_NAME + 1];
	size_t pos = p->tok.pos, i;
	bool defined;
	int rc = sq_ident(p, name, sizeof(name));

	if (rc)
		return rc;
	for (i = 0; i < q->n_params; i++)
		if (!strcmp(q->params[i].name, name))
			return sq_error(p, pos, "duplicate parameter `%s`", name);
	if (q->n_params >= SQ_MAX_PARAMS)
		return sq_error(p, pos, "too many parameters (max %d)", SQ_MAX_PARAMS);
	rc = sq_expect(p, TK_ASSIGN, "'=' and a number");
	if (!rc && p->tok.kind != TK_NUMBER)
		rc = sq_expect(p, TK_NUMBER, "a number for the parameter");
	if (rc)
		return rc;
	pr = realloc(q->params, (q->n_params + 1) * sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	q->params = pr;
	pr += q->n_params;
	pr->name = strdup(name);
	if (!pr->name)
		return -ENOMEM;
	q->n_params++;
	pr->value = p->tok.frac ? p->tok.d : (double)p->tok.u;
	defined = apply_defines(p, pr);
	rc = sq_advance(p);
	if (!rc && !strcmp(name, "window"))
		rc = set_window(p, pr, pos, defined);
	return rc;
}

static int parse_params(struct sq_parser *p)
{
	int rc = sq_expect(p, TK_LPAREN, "'(' and the parameters");

	if (rc || p->tok.kind == TK_RPAREN)
		return rc ? rc : sq_advance(p);
	rc = parse_param(p);
	while (!rc && p->tok.kind == TK_COMMA) {
		rc = sq_advance(p);
		if (!rc)
			rc = parse_param(p);
	}
	return rc ? rc : sq_expect(p, TK_RPAREN, "',' or ')'");
}

static int parse_let(struct sq_parser *p)
{
	char name[SQ_MAX_NAME + 1];
	size_t pos;
	bool packets;
	int rc, idx;

	rc = sq_advance(p);
	pos = p->tok.pos;
	if (!rc)
		rc = sq_ident(p, name, sizeof(name));
	if (rc)
		return rc;
	if (sq_find_let(p, name) >= 0)
		return sq_error(p, pos, "duplicate let `%s` in query `%s`", name, p->q->name);
	rc = sq_expect(p, TK_ASSIGN, "'=' and a pipeline");
	if (!rc)
		rc = sq_parse_pipeline(p, name, &packets, &idx);
	if (rc)
		return rc;
	p->slots[idx].pos = pos;
	if (packets)
		return sq_error(p, pos, "let `%s` ends in a stream of raw packets; end it with a map, distinct or reduce so its rows have columns",
				name);
	return sq_expect(p, TK_SEMI, "'|' or ';'");
}

static int check_unused(struct sq_parser *p)
{
	const struct sn_query *q = p->q;
	size_t i;

	for (i = 0; i + 1 < q->n_streams; i++)
		if (!p->slots[i].used)
			return sq_error(p, p->slots[i].pos, "let `%s` is never used; remove it or use it",
					q->streams[i].name);
	return 0;
}

static int parse_body(struct sq_parser *p)
{
	size_t pos;
	bool packets;
	int rc, idx;

	rc = sq_expect(p, TK_LBRACE, "'{' and the query body");
	while (!rc && p->tok.kind == TK_LET)
		rc = parse_let(p);
	pos = p->tok.pos;
	if (!rc)
		rc = sq_parse_pipeline(p, p->q->name, &packets, &idx);
	if (!rc)
		rc = sq_expect(p, TK_RBRACE, "'|' or '}'");
	if (!rc && packets)
		rc = sq_error(p, pos, "query `%s` ends in a stream of raw packets; end it with a map, distinct or reduce so its rows have columns",
			      p->q->name);
	return rc ? rc : check_unused(p);
}

static int parse_query(struct sq_parser *p)
{
	const struct sn_query *dup;
	char name[SQ_MAX_NAME + 1];
	size_t pos;
	int rc = sq_expect(p, TK_QUERY, "'query'");

	pos = p->tok.pos;
	if (!rc)
		rc = sq_ident(p, name, sizeof(name));
	if (rc)
		return rc;
	dup = find_query(p->set, name);
	if (!dup)
		dup = find_query(p->done, name);
	if (dup)
		return sq_error(p, pos, "duplicate query `%s`; the first one is at %s:%u", name,
				dup->file, dup->line);
	p->q->name = strdup(name);
	p->q->file = strdup(p->file);
	if (!p->q->name || !p->q->file)
		return -ENOMEM;
	p->q->window_ns = (uint64_t)NS_PER_SEC;
	rc = parse_params(p);
	return rc ? rc : parse_body(p);
}

static int append_query(struct sn_query_set *set, struct sn_query *q)
{
	struct sn_query *grown = realloc(set->queries, (set->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	set->queries = grown;
	grown[set->n++] = *q;
	memset(q, 0, sizeof(*q));
	return 0;
}

static int parse_all(struct sq_parser *p, struct sn_query_set *done)
{
	struct sn_query q;
	int rc = sq_advance(p);

	if (!rc && p->tok.kind == TK_EOF)
		return sq_error(p, 0, "no query in this file; write `query NAME() { ... }`");
	while (!rc && p->tok.kind != TK_EOF) {
		if ((p->set ? p->set->n : 0) + done->n >= SQ_MAX_QUERIES)
			return sq_error(p, p->tok.pos, "too many queries (max %d)", SQ_MAX_QUERIES);
		memset(&q, 0, sizeof(q));
		p->q = &q;
		p->hidden = 0;
		q.line = p->tok.line;
		rc = parse_query(p);
		free(p->slots);
		p->slots = NULL;
		if (!rc)
			rc = append_query(done, &q);
		sq_query_free(&q);
	}
	return rc;
}

int sn_query_parse_text(struct sn_query_set *set, const char *name, const char *text,
			size_t len, const struct sn_define *defs, size_t n_defs, char *err,
			size_t errlen)
{
	struct sn_query_set done = { 0 };
	struct sq_parser p;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	p.file = name ? name : "<query>";
	p.src = text;
	p.len = len;
	p.lx.line = 1;
	p.err = err;
	p.errlen = errlen;
	p.defs = defs;
	p.n_defs = n_defs;
	p.set = set;
	p.done = &done;
	if (err && errlen)
		err[0] = '\0';
	rc = parse_all(&p, &done);
	if (!rc && done.n) {
		struct sn_query *grown = realloc(set->queries,
						 (set->n + done.n) * sizeof(*grown));

		if (grown) {
			set->queries = grown;
			memcpy(grown + set->n, done.queries, done.n * sizeof(*grown));
			set->n += done.n;
			done.n = 0;
		} else {
			rc = -ENOMEM;
		}
	}
	if (rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory while parsing queries", p.file);
	for (i = 0; i < done.n; i++)
		sq_query_free(&done.queries[i]);
	free(done.queries);
	return rc;
}
