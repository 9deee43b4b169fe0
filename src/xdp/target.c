/* The XDP target: what a generated program can hold, and the check that a plan's switch
 * part fits before anything is compiled or loaded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sonata/log.h"
#include "xdp/gen_int.h"

void sn_xdp_target_default(struct sn_xdp_target *t)
{
	/* NOTE: estimates, not kernel limits. An array map may hold 2^32 cells and the
	 * verifier accepts one million processed instructions; these bounds keep the
	 * generated program well inside both and its maps within 1 GiB. */
	t->max_cells = 1u << 22;
	t->max_map_bytes = 1ull << 30;
	t->max_columns = 12;
	t->max_streams = 64;
	t->max_probes = 16;
	t->max_filter_entries = 65536;
	t->frame_max = 9216;
}

void sn_xdp_opts_default(struct sn_xdp_opts *o)
{
	memset(o, 0, sizeof(*o));
	sn_xdp_target_default(&o->target);
	o->ring_bytes = 1u << 23;
}

static size_t op_width(const struct dp_op *o)
{
	size_t w = o->op->out.n > o->n_in ? o->op->out.n : o->n_in;

	if (o->op->kind == SN_OP_REDUCE)
		w = o->op->n_exprs + 1 > w ? o->op->n_exprs + 1 : w;
	return w;
}

void sx_layout_init(struct sx_layout *l, const struct sn_dp_runner *r,
		    const struct sn_xdp_target *t)
{
	size_t i, s, o;

	memset(l, 0, sizeof(*l));
	l->max_columns = 1;
	l->frame_max = t->frame_max;
	l->nlevels = r->set.n;
	for (i = 0; i < r->set.n; i++) {
		const struct dp_level *lv = r->by_eng[i];

		for (s = 0; s < lv->n_streams; s++) {
			const struct dp_stream *ds = &lv->streams[s];

			/* At most two entries per stream: an overflow and its taint report. */
			l->max_entries += 2;
			for (o = 0; o < ds->cut; o++)
				if (op_width(&ds->ops[o]) > l->max_columns)
					l->max_columns = (unsigned)op_width(&ds->ops[o]);
		}
	}
	if (l->max_entries == 0)
		l->max_entries = 1;
	l->ent_bytes = sizeof(struct sx_ent) + l->max_columns * sizeof(struct sx_val);
	l->frame_off = sizeof(struct sx_rec) + l->max_entries * l->ent_bytes;
}

static int check_expr(const struct sn_expr *e, char *why, size_t len)
{
	if (!e)
		return 0;
	if (e->kind == SN_EX_FIELD && !sx_field_parsed(e->field)) {
		snprintf(why, len, "field %s is not parsed by the XDP program",
			 sn_field_by_id(e->field)->name);
		return -E2BIG;
	}
	if (check_expr(e->a, why, len))
		return -E2BIG;
	return check_expr(e->b, why, len);
}

static int check_op(const struct dp_op *o, const struct sn_xdp_target *t, uint64_t *bytes,
		    char *why, size_t len)
{
	size_t j, nk;

	if (check_expr(o->op->pred, why, len))
		return -E2BIG;
	for (j = 0; j < o->op->n_exprs; j++)
		if (check_expr(o->op->exprs[j], why, len))
			return -E2BIG;
	for (j = 0; j < o->op->n_aggs; j++)
		if (check_expr(o->op->agg_args[j], why, len))
			return -E2BIG;
	if (op_width(o) > t->max_columns) {
		snprintf(why, len, "a tuple of %zu columns exceeds the %u the program holds",
			 op_width(o), t->max_columns);
		return -E2BIG;
	}
	if (!o->stateful)
		return 0;
	nk = o->op->kind == SN_OP_DISTINCT && o->op->n_exprs == 0 ? o->n_in : o->op->n_exprs;
	if (nk == 0 || nk > SX_MAX_KEYS) {
		snprintf(why, len, "a register key of %zu columns (1 to %d fit)", nk, SX_MAX_KEYS);
		return -E2BIG;
	}
	if (o->regs.cells > t->max_cells || o->regs.probes > t->max_probes) {
		snprintf(why, len, "a register array of %u cells and %u probes exceeds %u cells "
			 "or %u probes", o->regs.cells, o->regs.probes, t->max_cells,
			 t->max_probes);
		return -E2BIG;
	}
	*bytes += (uint64_t)o->regs.cells * (24 + nk * sizeof(struct sx_val));
	return 0;
}

int sn_xdp_check(const struct sn_dp_runner *r, const struct sn_xdp_target *t, char *why,
		 size_t len)
{
	uint64_t bytes = 0;
	size_t i, s, o, streams = 0;

	for (i = 0; i < r->set.n; i++) {
		const struct dp_level *lv = r->by_eng[i];

		if (lv->feeder >= 0 && r->opts.limits.filter_entries > t->max_filter_entries) {
			snprintf(why, len, "refinement filters of %u entries exceed %u",
				 r->opts.limits.filter_entries, t->max_filter_entries);
			return -E2BIG;
		}
		for (s = 0; s < lv->n_streams; s++, streams++)
			for (o = 0; o < lv->streams[s].cut; o++)
				if (check_op(&lv->streams[s].ops[o], t, &bytes, why, len))
					return -E2BIG;
	}
	if (streams > t->max_streams) {
		snprintf(why, len, "%zu streams exceed the %u one program holds", streams,
			 t->max_streams);
		return -E2BIG;
	}
	if (bytes > t->max_map_bytes) {
		snprintf(why, len, "register maps of %llu bytes exceed %llu",
			 (unsigned long long)bytes, (unsigned long long)t->max_map_bytes);
		return -E2BIG;
	}
	return 0;
}

int sn_xdp_generate(const struct sn_dp_runner *r, const struct sn_xdp_target *t, FILE *f)
{
	struct sx_layout lay;
	char why[256];

	if (sn_xdp_check(r, t, why, sizeof(why))) {
		sn_err("the plan does not fit the XDP target: %s; use a plan with fewer or "
		       "smaller switch tables (--plan filter-dp, or --dataplane model)", why);
		return -E2BIG;
	}
	sx_layout_init(&lay, r, t);
	return sx_generate(r, t, &lay, f);
}
