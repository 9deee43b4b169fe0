/* Text tables for people: one table per query, columns aligned. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/output.h"

#define CELL_MAX 1100 /* a DNS name in text form fits */

/* The rows of one query: cell texts, window start first, keys, then values. */
struct text_group {
	const struct sn_query *query;
	const struct sn_schema *schema;
	size_t n_cols;
	char **cells; /* n_rows * n_cols */
	bool *incomplete;
	size_t n_rows, cap;
};

struct sn_text_table {
	struct text_group *groups;
	size_t n, cap;
};

int sn_text_new(struct sn_text_table **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void group_clear(struct text_group *g)
{
	size_t i;

	for (i = 0; i < g->n_rows * g->n_cols; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->incomplete);
	memset(g, 0, sizeof(*g));
}

void sn_text_free(struct sn_text_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		group_clear(&t->groups[i]);
	free(t->groups);
	free(t);
}

static struct text_group *group_for(struct sn_text_table *t, const struct sn_row *row)
{
	struct text_group *g;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->groups[i].query == row->query && t->groups[i].schema == row->schema)
			return &t->groups[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct text_group *groups = realloc(t->groups, cap * sizeof(*groups));

		if (!groups)
			return NULL;
		t->groups = groups;
		t->cap = cap;
	}
	g = &t->groups[t->n++];
	memset(g, 0, sizeof(*g));
	g->query = row->query;
	g->schema = row->schema;
	g->n_cols = row->schema->n + 1;
	return g;
}

static int group_reserve(struct text_group *g)
{
	size_t cap;
	char **cells;
	bool *inc;

	if (g->n_rows < g->cap)
		return 0;
	cap = g->cap ? g->cap * 2 : 16;
	cells = realloc(g->cells, cap * g->n_cols * sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	g->cells = cells;
	inc = realloc(g->incomplete, cap * sizeof(*inc));
	if (!inc)
		return -ENOMEM;
	g->incomplete = inc;
	g->cap = cap;
	return 0;
}

/* Column k of the table: 0 is the window start, then keys, then values. */
static size_t schema_col(const struct sn_schema *s, size_t k)
{
	size_t i, seen = 0;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->n; i++)
			if (s->cols[i].is_key == (pass == 0) && ++seen == k)
				return i;
	return 0;
}

int sn_text_add(struct sn_text_table *t, const struct sn_row *row)
{
	struct text_group *g = group_for(t, row);
	char text[CELL_MAX];
	char **cells;
	size_t k;

	if (!g || group_reserve(g))
		return -ENOMEM;
	cells = g->cells + g->n_rows * g->n_cols;
	for (k = 0; k < g->n_cols; k++) {
		if (k == 0)
			sn_format_seconds(row->window_start_ns, text, sizeof(text));
		else
			sn_value_format(&row->cols[schema_col(row->schema, k)], text,
					sizeof(text));
		cells[k] = strdup(text);
		if (!cells[k]) {
			while (k > 0)
				free(cells[--k]);
			return -ENOMEM;
		}
	}
	g->incomplete[g->n_rows++] = row->incomplete;
	return 0;
}

static bool right_aligned(const struct text_group *g, size_t k)
{
	return k == 0 || g->schema->cols[schema_col(g->schema, k)].type == SN_T_UINT;
}

static const char *header(const struct text_group *g, size_t k)
{
	return k == 0 ? "window_start" : g->schema->cols[schema_col(g->schema, k)].name;
}

static void print_cell(FILE *f, const char *text, size_t width, bool right, bool last)
{
	if (right)
		fprintf(f, "%*s", (int)width, text);
	else if (last)
		fputs(text, f);
	else
		fprintf(f, "%-*s", (int)width, text);
}

static void print_group(FILE *f, const struct text_group *g)
{
	size_t *w = calloc(g->n_cols, sizeof(*w));
	size_t r, k;

	if (!w)
		return;
	for (k = 0; k < g->n_cols; k++) {
		w[k] = strlen(header(g, k));
		for (r = 0; r < g->n_rows; r++) {
			size_t len = strlen(g->cells[r * g->n_cols + k]);

			w[k] = len > w[k] ? len : w[k];
		}
	}
	fprintf(f, "query %s\n", g->query->name);
	for (k = 0; k < g->n_cols; k++) {
		fputs(k ? "  " : "", f);
		print_cell(f, header(g, k), w[k], right_aligned(g, k), k + 1 == g->n_cols);
	}
	putc('\n', f);
	for (r = 0; r < g->n_rows; r++) {
		for (k = 0; k < g->n_cols; k++) {
			fputs(k ? "  " : "", f);
			print_cell(f, g->cells[r * g->n_cols + k], w[k], right_aligned(g, k),
				   k + 1 == g->n_cols);
		}
		fputs(g->incomplete[r] ? "  (incomplete)\n" : "\n", f);
	}
	free(w);
}

int sn_text_print(struct sn_text_table *t, FILE *f)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (i)
			putc('\n', f);
		print_group(f, &t->groups[i]);
		group_clear(&t->groups[i]);
	}
	t->n = 0;
	return ferror(f) ? -EIO : 0;
}
