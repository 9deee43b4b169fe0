/* Plan runner: each packet goes through the switch part of every query level, and what
 * reaches the stream processor is injected into the exact engine. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/log.h"
#include "dataplane/runner_int.h"

/* Keep the keys a feeding level reports, for the filter of the next window. */
static void record_key(struct dp_level *lv, const struct sn_row *row)
{
	const struct sn_value *v;
	int rc;

	if (lv->dq->key_col < 0 || (size_t)lv->dq->key_col >= row->schema->n)
		return;
	v = &row->cols[lv->dq->key_col];
	if (v->type != SN_T_ADDR)
		return;
	if (!lv->rep_valid || lv->rep_window != row->window_start_ns) {
		sn_lpm_clear(&lv->rep);
		lv->rep_window = row->window_start_ns;
		lv->rep_valid = true;
	}
	rc = sn_lpm_add(&lv->rep, &v->addr, lv->level);
	if (lv->rep.n > lv->keys_peak)
		lv->keys_peak = lv->rep.n;
	if (rc && rc != -ENOSPC)
		sn_warn("query %s level /%u: a reported key was lost (%s); the next window "
			"passes all traffic", lv->dq->q->name, lv->level, strerror(-rc));
	if (rc)
		lv->rep.full = true;
}

static void on_row(const struct sn_row *row, void *arg)
{
	struct sn_dp_runner *r = arg;
	size_t idx = (size_t)(row->query - r->set.queries);
	struct dp_level *lv;

	if (idx >= r->set.n)
		return;
	lv = r->by_eng[idx];
	if (lv->feeds)
		record_key(lv, row);
	if (lv->final && r->emit) {
		struct sn_row out = *row;

		out.query = lv->dq->q;
		r->emit(&out, r->arg);
	}
}

/* Install the keys the feeder reported in the window before `start`. When they did not fit
 * in the table, the level passes all traffic for this window, so no attack is lost. */
static void install_filter(struct dp_level *lv, uint64_t start, uint64_t window_ns)
{
	const struct dp_level *f = &lv->dq->lv[lv->feeder];
	size_t i;

	lv->filter_window = start;
	lv->filter_set = true;
	lv->pass_all = false;
	sn_lpm_clear(&lv->filter);
	if (!f->rep_valid || f->rep_window + window_ns != start)
		return;
	if (f->rep.full) {
		lv->pass_all = true;
		lv->filter_full++;
		return;
	}
	for (i = 0; i < f->rep.n; i++)
		sn_lpm_add(&lv->filter, &f->rep.addr[i], f->rep.len[i]);
}

static bool filter_pass(struct dp_level *lv, const struct sn_packet *pkt, uint64_t start)
{
	struct sn_value v;

	if (lv->feeder < 0)
		return true;
	if (!lv->filter_set || lv->filter_window != start)
		install_filter(lv, start, lv->dq->q->window_ns);
	if (lv->pass_all)
		return true;
	if (!sn_field_get(pkt, lv->dq->key, 0, &v) || v.type != SN_T_ADDR)
		return false;
	return sn_lpm_lookup(&lv->filter, &v.addr) >= 0;
}

static int to_sp(struct sn_dp_runner *r, struct dp_level *lv, struct dp_stream *ds,
		 size_t op, const struct sn_packet *pkt, const struct sn_value *cols)
{
	lv->tuples_sp++;
	ds->tuples_sp++;
	return sn_engine_inject(r->eng, lv->eng_q, ds->idx, op, pkt, cols);
}

/* The input of operator `at` went to the SP unaggregated: follow it through the stateless
 * operators after it to the next reduce and mark its key there. */
static int taint_downstream(struct sn_dp_runner *r, struct dp_level *lv, struct dp_stream *ds,
			    size_t at, const struct sn_packet *pkt)
{
	const struct sn_value *cols = ds->ops[at].out;
	size_t i;

	for (i = at + 1; i < ds->cut; i++) {
		struct dp_op *o = &ds->ops[i];

		if (o->op->kind == SN_OP_FILTER) {
			if (!dp_true(o->op->pred, pkt, cols))
				return 0;
			continue;
		}
		if (o->op->kind == SN_OP_MAP) {
			if (dp_op_run(o, pkt, cols) != DP_PASS)
				return 0;
			cols = o->out;
			continue;
		}
		if (o->op->kind != SN_OP_REDUCE || dp_op_taint(o, pkt, cols) != DP_REPORT)
			return 0;
		lv->tuples_sp++;
		ds->tuples_sp++;
		return sn_engine_inject_partial(r->eng, lv->eng_q, ds->idx, i, o->out);
	}
	return 0;
}

static int run_stream(struct sn_dp_runner *r, struct dp_level *lv, struct dp_stream *ds,
		      const struct sn_packet *pkt)
{
	const struct sn_value *cols = NULL;
	size_t i;

	for (i = 0; i < ds->cut; i++) {
		struct dp_op *o = &ds->ops[i];

		switch (dp_op_run(o, pkt, cols)) {
		case DP_DROP:
			return 0;
		case DP_PASS:
			if (o->op->kind != SN_OP_FILTER)
				cols = o->out;
			break;
		case DP_REPORT:
			lv->tuples_sp++;
			ds->tuples_sp++;
			return sn_engine_inject_partial(r->eng, lv->eng_q, ds->idx, i, o->out);
		case DP_OVERFLOW_SP:
			/* No free cell: the stream processor runs this operator on the input. */
			lv->overflow++;
			if (to_sp(r, lv, ds, i, pkt, cols))
				return -EIO;
			return o->op->kind == SN_OP_DISTINCT ? taint_downstream(r, lv, ds, i, pkt)
							      : 0;
		}
	}
	return to_sp(r, lv, ds, ds->cut, pkt, cols);
}

static void reset_level(struct dp_level *lv)
{
	size_t s, i;

	for (s = 0; s < lv->n_streams; s++)
		for (i = 0; i < lv->streams[s].cut; i++)
			dp_op_reset(&lv->streams[s].ops[i]);
}

static int run_level(struct sn_dp_runner *r, struct dp_level *lv, const struct sn_packet *pkt)
{
	uint64_t w = lv->dq->q->window_ns;
	uint64_t start = pkt->ts_ns / w * w;
	size_t s;
	int rc = 0;

	/* Switch state resets at every window boundary; older packets count in the open
	 * window, as in the engine. */
	if (!lv->win_open || start > lv->win) {
		reset_level(lv);
		lv->win = start;
		lv->win_open = true;
		lv->windows++;
	}
	if (!filter_pass(lv, pkt, lv->win))
		return 0;
	for (s = 0; s < lv->n_streams && !rc; s++)
		rc = run_stream(r, lv, &lv->streams[s], pkt);
	return rc;
}

int sn_dp_packet(struct sn_dp_runner *r, const struct sn_packet *pkt)
{
	size_t i;
	int rc;

	r->packets++;
	sn_engine_advance(r->eng, pkt);
	for (i = 0; i < r->set.n; i++) {
		rc = run_level(r, r->by_eng[i], pkt);
		if (rc)
			return rc;
	}
	return 0;
}

void sn_dp_flush(struct sn_dp_runner *r)
{
	size_t i;

	sn_engine_flush(r->eng);
	for (i = 0; i < r->set.n; i++)
		reset_level(r->by_eng[i]);
}

int sn_dp_new(struct sn_dp_runner **out, const struct sn_query_set *set,
	      const struct sn_plan *plan, const struct sn_dp_opts *opts, sn_row_fn emit,
	      void *arg)
{
	struct sn_engine_opts eo = { 0 };
	struct sn_dp_runner *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (opts)
		r->opts = *opts;
	else
		sn_dp_opts_default(&r->opts);
	r->stateless = !plan || plan->mode != SN_PLAN_ALL_SP;
	r->emit = emit;
	r->arg = arg;
	dp_pipeline_init(&r->pipe, &r->opts.limits);
	rc = dp_setup(r, set, plan);
	if (!rc)
		rc = sn_engine_new(&r->eng, &r->set, &eo, on_row, r);
	if (rc) {
		sn_dp_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void sn_dp_free(struct sn_dp_runner *r)
{
	if (!r)
		return;
	sn_engine_free(r->eng);
	dp_teardown(r);
	free(r);
}

uint64_t sn_dp_packets(const struct sn_dp_runner *r)
{
	return r->packets;
}

/* Levels in the longest feeding chain that ends at the final level, minus one. */
static unsigned delay_of(const struct dp_query *dq)
{
	int l = (int)dq->n - 1;
	unsigned d = 0;

	while (l >= 0 && dq->lv[l].feeder >= 0 && d < SN_PLAN_MAX_LEVELS) {
		l = dq->lv[l].feeder;
		d++;
	}
	return d;
}

void sn_dp_query_stats(const struct sn_dp_runner *r, size_t query, struct sn_dp_query_stats *st)
{
	const struct dp_query *dq;
	unsigned l;
	size_t s, i;

	memset(st, 0, sizeof(*st));
	if (query >= r->n)
		return;
	dq = &r->qs[query];
	for (l = 0; l < dq->n; l++) {
		const struct dp_level *lv = &dq->lv[l];

		st->tuples_sp += lv->tuples_sp;
		st->overflow += lv->overflow;
		st->filter_full += lv->filter_full;
		st->bits += lv->bits;
		st->metadata_bits += lv->metadata;
		if (lv->stages > st->stages)
			st->stages = lv->stages;
		for (s = 0; s < lv->n_streams; s++)
			for (i = 0; i < lv->streams[s].cut; i++)
				st->tables += lv->streams[s].ops[i].stateful;
		if (lv->final) {
			struct sn_query_stats qs;

			sn_engine_query_stats(r->eng, lv->eng_q, &qs);
			st->windows = lv->windows;
			st->rows = qs.rows_out;
		}
	}
	st->delay = delay_of(dq);
	snprintf(st->chain, sizeof(st->chain), "%s", dq->chain);
}
