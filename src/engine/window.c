/* Tumbling windows: packet dispatch, window close, emission and stats. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/engine.h"
#include "sonata/log.h"
#include "engine/engine_int.h"

struct sort_ctx {
	const struct rowbuf *rows;
	const struct sn_schema *schema;
};

/* Order rows by their key columns, then by their values. */
static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *sc = arg;
	const struct sn_value *a = rowbuf_row(sc->rows, *(const uint32_t *)pa);
	const struct sn_value *b = rowbuf_row(sc->rows, *(const uint32_t *)pb);
	int pass, r;
	size_t k;

	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < sc->schema->n; k++) {
			if (sc->schema->cols[k].is_key != (pass == 0))
				continue;
			r = sn_value_compare(&a[k], &b[k]);
			if (r)
				return r;
		}
	}
	return 0;
}

static int emit_rows(struct sn_engine *eng, struct query_state *qs)
{
	struct stream_state *last = &qs->streams[qs->n_streams - 1];
	struct sort_ctx sc = { &last->out, last->out_schema };
	struct sn_row row;
	size_t i;

	if (last->out.n == 0)
		return 0;
	if (last->out.n > qs->sort_cap) {
		uint32_t *idx = realloc(qs->sort_idx, last->out.n * sizeof(*idx));

		if (!idx)
			return -ENOMEM;
		qs->sort_idx = idx;
		qs->sort_cap = last->out.n;
	}
	for (i = 0; i < last->out.n; i++)
		qs->sort_idx[i] = (uint32_t)i;
	qsort_r(qs->sort_idx, last->out.n, sizeof(*qs->sort_idx), row_cmp, &sc);
	memset(&row, 0, sizeof(row));
	row.query = qs->q;
	row.window_start_ns = qs->start;
	row.window_end_ns = qs->start + qs->q->window_ns;
	row.schema = last->out_schema;
	row.incomplete = qs->incomplete;
	for (i = 0; i < last->out.n; i++) {
		row.cols = rowbuf_row(&last->out, qs->sort_idx[i]);
		if (eng->emit)
			eng->emit(&row, eng->arg);
		qs->st.rows_out++;
	}
	return 0;
}

/* Keep the keys each previous() stream reported, for the next window only. */
static int record_prev(struct query_state *qs)
{
	size_t i, r;

	for (i = 0; i < qs->n_streams; i++) {
		struct stream_state *ss = &qs->streams[i];

		if (!ss->need_prev)
			continue;
		table_clear(&ss->prev);
		for (r = 0; r < ss->out.n; r++) {
			const struct sn_value *key = &rowbuf_row(&ss->out, r)[ss->prev_col];

			if (!table_find(&ss->prev, key) && !table_insert(&ss->prev, key))
				return -ENOMEM;
		}
	}
	qs->prev_valid = true;
	qs->prev_start = qs->start;
	return 0;
}

static void clear_prev(struct query_state *qs)
{
	size_t i;

	for (i = 0; i < qs->n_streams; i++)
		if (qs->streams[i].need_prev)
			table_clear(&qs->streams[i].prev);
	qs->prev_valid = false;
}

static void close_window(struct sn_engine *eng, struct query_state *qs)
{
	struct ectx c = { .eng = eng, .qs = qs };
	struct prof_mark m;
	size_t i;
	int err = 0;

	prof_begin(eng, &m);
	for (i = 0; i < qs->n_streams && !err; i++)
		err = stream_close(&c, &qs->streams[i]);
	if (!err)
		err = emit_rows(eng, qs);
	if (!err)
		err = record_prev(qs);
	if (err) {
		sn_err("query %s: window at %llu ns failed (%s); its rows are lost",
		       qs->q->name, (unsigned long long)qs->start, strerror(-err));
		clear_prev(qs);
	}
	qs->st.windows++;
	if (qs->incomplete)
		qs->st.incomplete_windows++;
	if (qs->live_keys > qs->st.peak_keys)
		qs->st.peak_keys = qs->live_keys;
	for (i = 0; i < qs->n_streams; i++)
		stream_reset(&qs->streams[i]);
	qs->live_keys = 0;
	qs->incomplete = false;
	qs->open = false;
	eng->span_hi = 0;
	if (eng->opts.profile)
		qs->prof_close_ns += prof_ticks() - m.t;
}

static void open_window(struct query_state *qs, uint64_t start)
{
	/* previous() sets carry only into the window right after theirs. */
	if (qs->prev_valid && qs->prev_start + qs->q->window_ns != start)
		clear_prev(qs);
	qs->start = start;
	qs->open = true;
}

/* The shared filters of ss, timed on a sampled packet. */
static bool pre_pass_timed(struct ectx *c, struct stream_state *ss)
{
	struct prof_mark m;
	bool pass;

	if (!c->prof)
		return stream_pre_pass(c, ss);
	prof_begin(c->eng, &m);
	pass = stream_pre_pass(c, ss);
	ss->prof_pre_ns += prof_end(c->eng, &m);
	return pass;
}

static int query_packet(struct sn_engine *eng, struct query_state *qs,
			const struct sn_packet *pkt, bool sample)
{
	uint64_t w = qs->q->window_ns;
	uint64_t start;
	struct ectx c = { .eng = eng, .qs = qs, .pkt = pkt, .prof = sample };
	struct prof_mark m = { 0, 0 };
	size_t i;
	int err = 0;

	/* Most packets fall in the open window: no division for them. */
	if (qs->open && pkt->ts_ns - qs->start < w)
		goto push;
	start = pkt->ts_ns / w * w;
	if (qs->open && start > qs->start)
		close_window(eng, qs);
	/* A closed window never reopens, because its rows are already out: a
	 * late packet (live, after sn_engine_tick) opens the next window instead.
	 * qs->start still names the last closed window here. */
	if (!qs->open && qs->st.windows && start <= qs->start)
		start = qs->start + w;
	if (!qs->open)
		open_window(qs, start);
push:
	/* A sampled packet times the query's work on it, not a window it closes. */
	if (sample) {
		qs->prof_samples++;
		prof_begin(eng, &m);
	}
	qs->st.tuples_in++;
	for (i = 0; i < qs->n_streams; i++) {
		struct stream_state *ss = &qs->streams[i];

		if (ss->s->source != SN_SRC_PACKETS || !pre_pass_timed(&c, ss))
			continue;
		err = stream_packet(&c, ss);
		if (err)
			break;
	}
	if (sample)
		qs->prof_ns += prof_end(eng, &m);
	return err;
}

/* The time span in which every query has its window open, or an empty one. */
static void update_span(struct sn_engine *eng)
{
	size_t i;

	eng->span_lo = 0;
	eng->span_hi = UINT64_MAX;
	for (i = 0; i < eng->n; i++) {
		const struct query_state *qs = &eng->qs[i];

		if (!qs->open || eng->opts.profile) {
			eng->span_hi = 0;
			return;
		}
		if (qs->start > eng->span_lo)
			eng->span_lo = qs->start;
		if (qs->start + qs->q->window_ns < eng->span_hi)
			eng->span_hi = qs->start + qs->q->window_ns;
	}
}

/* A packet inside every open window: what query_packet does, for all
 * queries at once, minus the window checks. */
static int span_packet(struct sn_engine *eng, const struct sn_packet *pkt)
{
	eng->span_packets++;
	preds_begin(eng, pkt);
	return streams_packet(eng, pkt);
}

static int all_queries_packet(struct sn_engine *eng, const struct sn_packet *pkt)
{
	size_t timed = eng->n;
	size_t i;
	int err;

	/* One packet in SN_PROFILE_EVERY is timed, in one query at a time: timers
	 * nested in other queries' work would add their own cost to it. */
	if (eng->opts.profile && eng->prof_packets++ % SN_PROFILE_EVERY == 0 && eng->n)
		timed = (size_t)(eng->prof_packets / SN_PROFILE_EVERY % eng->n);
	for (i = 0; i < eng->n; i++) {
		err = query_packet(eng, &eng->qs[i], pkt, i == timed);
		if (err)
			return err;
	}
	update_span(eng);
	return 0;
}

int sn_engine_packet(struct sn_engine *eng, const struct sn_packet *pkt)
{
	uint64_t t0;
	int err;

	eng->gen++;
	if (pkt->ts_ns >= eng->span_lo && pkt->ts_ns < eng->span_hi)
		return span_packet(eng, pkt);
	if (!eng->opts.profile)
		return all_queries_packet(eng, pkt);
	t0 = prof_ticks();
	err = all_queries_packet(eng, pkt);
	eng->prof_engine_ticks += prof_ticks() - t0;
	return err;
}

void sn_engine_tick(struct sn_engine *eng, uint64_t now_ns)
{
	uint64_t t0 = prof_ticks();
	size_t i;

	for (i = 0; i < eng->n; i++) {
		struct query_state *qs = &eng->qs[i];

		if (qs->open && now_ns >= qs->start + qs->q->window_ns + eng->opts.grace_ns)
			close_window(eng, qs);
	}
	eng->prof_engine_ticks += prof_ticks() - t0;
}

void sn_engine_flush(struct sn_engine *eng)
{
	uint64_t t0 = prof_ticks();
	size_t i;

	for (i = 0; i < eng->n; i++)
		if (eng->qs[i].open)
			close_window(eng, &eng->qs[i]);
	/* The profile subtracts every window close from the engine's time. */
	eng->prof_engine_ticks += prof_ticks() - t0;
}

void sn_engine_query_stats(const struct sn_engine *eng, size_t query,
			   struct sn_query_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (query < eng->n) {
		*st = eng->qs[query].st;
		st->tuples_in += eng->span_packets;
	}
}
