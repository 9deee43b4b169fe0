/* Joins: the `on` key list and the joined tuple shape. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "query/query_int.h"

static int side_col(struct sq_parser *p, const struct sn_stream *side, const char *key,
		    size_t pos)
{
	const struct sn_schema *s = sq_stream_out(side);
	int col = sq_find_col(s, key);

	if (col < 0)
		return sq_error(p, pos, "join key `%s` is not a column of `%s`", key, side->name);
	if (!s->cols[col].is_key)
		return sq_error(p, pos, "join key `%s` must be a key column of `%s`, but it is a value",
				key, side->name);
	return col;
}

static bool in_list(const int *list, size_t n, int v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static bool has_name(const struct sn_schema *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->cols[i].name, name))
			return true;
	return false;
}

/* Append the columns of one side that are not join keys. */
static int add_rest(struct sq_parser *p, struct sn_stream *st, const struct sn_stream *side,
		    const int *keys, size_t pos)
{
	const struct sn_schema *s = sq_stream_out(side);
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (in_list(keys, st->n_join_keys, (int)i))
			continue;
		if (has_name(&st->in, s->cols[i].name))
			return sq_error(p, pos, "both sides of the join have a column `%s`; rename one with a map",
					s->cols[i].name);
		if (sq_add_col(p, &st->in, s->cols[i].name, s->cols[i].type, s->cols[i].is_key,
			       pos))
			return -EINVAL;
	}
	return 0;
}

static int add_key(struct sq_parser *p, struct sn_stream *st, const char *key, size_t pos)
{
	const struct sn_stream *l = &p->q->streams[st->left];
	const struct sn_stream *r = &p->q->streams[st->right];
	int lc = side_col(p, l, key, pos), rc;
	int *keys;

	if (lc < 0)
		return lc;
	rc = side_col(p, r, key, pos);
	if (rc < 0)
		return rc;
	if (in_list(st->left_keys, st->n_join_keys, lc))
		return sq_error(p, pos, "join key `%s` is listed twice", key);
	if (sq_stream_out(l)->cols[lc].type != sq_stream_out(r)->cols[rc].type)
		return sq_error(p, pos, "join key `%s` is %s in `%s` but %s in `%s`", key,
				sq_type_article(sq_stream_out(l)->cols[lc].type), l->name,
				sq_type_article(sq_stream_out(r)->cols[rc].type), r->name);
	keys = realloc(st->left_keys, (st->n_join_keys + 1) * sizeof(int));
	if (!keys)
		return -ENOMEM;
	st->left_keys = keys;
	keys = realloc(st->right_keys, (st->n_join_keys + 1) * sizeof(int));
	if (!keys)
		return -ENOMEM;
	st->right_keys = keys;
	st->left_keys[st->n_join_keys] = lc;
	st->right_keys[st->n_join_keys] = rc;
	st->n_join_keys++;
	return sq_add_col(p, &st->in, sq_stream_out(l)->cols[lc].name,
			  sq_stream_out(l)->cols[lc].type, true, pos);
}

/* Parse `on KEY {, KEY}` for st, whose left, right and join are set, and
 * build its input schema: keys, then left's other columns, then right's. */
int sq_parse_join_keys(struct sq_parser *p, struct sn_stream *st)
{
	char key[SQ_MAX_NAME + 1];
	size_t pos = p->tok.pos;
	int rc = sq_expect(p, TK_ON, "'on' and the join keys");

	while (!rc) {
		pos = p->tok.pos;
		rc = sq_ident(p, key, sizeof(key));
		if (!rc)
			rc = add_key(p, st, key, pos);
		if (rc || p->tok.kind != TK_COMMA)
			break;
		rc = sq_advance(p);
	}
	if (!rc)
		rc = add_rest(p, st, &p->q->streams[st->left], st->left_keys, pos);
	if (!rc)
		rc = add_rest(p, st, &p->q->streams[st->right], st->right_keys, pos);
	return rc;
}
