/* The engine: tumbling windows per query, packet dispatch and window close. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/engine.h"
#include "sonata/log.h"
#include "engine/engine_int.h"

static void mark_prev(struct query_state *qs, const struct enode *n)
{
	if (!n)
		return;
	if (n->kind == SN_EX_IN_PREV && n->stream >= 0 && (size_t)n->stream < qs->n_streams)
		qs->streams[n->stream].need_prev = true;
	mark_prev(qs, n->a);
	mark_prev(qs, n->b);
}

/* Set up the key sets of the streams that some previous() reads. */
static int prev_init(struct query_state *qs)
{
	size_t i, k;
	int err;

	for (i = 0; i < qs->n_streams; i++) {
		struct stream_state *ss = &qs->streams[i];

		for (k = 0; k < ss->n_ops; k++) {
			size_t e;

			mark_prev(qs, ss->ops[k].pred);
			for (e = 0; e < ss->ops[k].n_ex; e++)
				mark_prev(qs, ss->ops[k].ex[e]);
		}
	}
	for (i = 0; i < qs->n_streams; i++) {
		struct stream_state *ss = &qs->streams[i];
		const struct sn_schema *sch = ss->out_schema;

		if (!ss->need_prev)
			continue;
		for (k = 0; k < sch->n && !sch->cols[k].is_key; k++)
			;
		ss->prev_col = k < sch->n ? (int)k : 0;
		if (sch->n == 0) {
			sn_err("query %s: previous(%s) reads a stream without columns",
			       qs->q->name, ss->s->name);
			return -EINVAL;
		}
		err = table_init(&ss->prev, 1, 1);
		if (err)
			return err;
	}
	return 0;
}

/* A join's input shape must be the keys plus both sides' other columns. */
static int check_join(struct query_state *qs, const struct stream_state *ss)
{
	const struct sn_stream *s = ss->s;
	size_t nk = s->n_join_keys;
	size_t ln = qs->streams[s->left].out_schema->n;
	size_t rn = qs->streams[s->right].out_schema->n;
	size_t i;

	for (i = 0; i < nk; i++) {
		if (s->left_keys[i] < 0 || (size_t)s->left_keys[i] >= ln ||
		    s->right_keys[i] < 0 || (size_t)s->right_keys[i] >= rn)
			goto bad;
	}
	if (ln < nk || rn < nk || s->in.n != ln + rn - nk)
		goto bad;
	return 0;
bad:
	sn_err("query %s: join stream %s has %zu input columns, which does not match "
	       "its sides (%zu and %zu columns, %zu keys)", qs->q->name, s->name, s->in.n,
	       ln, rn, nk);
	return -EINVAL;
}

static int query_init(struct query_state *qs, const struct sn_query *q)
{
	size_t i;
	int err;

	qs->q = q;
	if (q->window_ns == 0 || q->n_streams == 0) {
		sn_err("query %s: window length and streams are required", q->name);
		return -EINVAL;
	}
	qs->streams = calloc(q->n_streams, sizeof(*qs->streams));
	if (!qs->streams)
		return -ENOMEM;
	qs->n_streams = q->n_streams;
	for (i = 0; i < q->n_streams; i++) {
		err = stream_init(&qs->streams[i], q, i);
		if (err)
			return err;
		if (q->streams[i].source == SN_SRC_STREAM &&
		    (q->streams[i].input < 0 || (size_t)q->streams[i].input >= i)) {
			sn_err("query %s: stream %s reads stream %d, which does not come before it",
			       q->name, q->streams[i].name, q->streams[i].input);
			return -EINVAL;
		}
		if (q->streams[i].source == SN_SRC_JOIN &&
		    ((size_t)q->streams[i].left >= i || (size_t)q->streams[i].right >= i)) {
			sn_err("query %s: join stream %s reads a stream that does not come "
			       "before it", q->name, q->streams[i].name);
			return -EINVAL;
		}
		if (q->streams[i].source == SN_SRC_JOIN) {
			err = check_join(qs, &qs->streams[i]);
			if (err)
				return err;
		}
	}
	return prev_init(qs);
}

static void query_free(struct query_state *qs)
{
	size_t i;

	for (i = 0; qs->streams && i < qs->n_streams; i++)
		stream_free(&qs->streams[i]);
	free(qs->streams);
	free(qs->sort_idx);
}

int sn_engine_new(struct sn_engine **out, const struct sn_query_set *set,
		  const struct sn_engine_opts *opts, sn_row_fn emit, void *arg)
{
	struct sn_engine *eng;
	size_t i;
	int err = 0;

	*out = NULL;
	eng = calloc(1, sizeof(*eng));
	if (!eng)
		return -ENOMEM;
	if (opts)
		eng->opts = *opts;
	eng->emit = emit;
	eng->arg = arg;
	eng->qs = calloc(set->n ? set->n : 1, sizeof(*eng->qs));
	if (!eng->qs) {
		err = -ENOMEM;
		goto fail;
	}
	eng->n = set->n;
	for (i = 0; i < set->n && !err; i++)
		err = query_init(&eng->qs[i], &set->queries[i]);
	if (!err)
		err = preds_init(eng);
	if (!err && eng->opts.profile)
		prof_init(eng);
	if (err)
		goto fail;
	*out = eng;
	return 0;
fail:
	sn_engine_free(eng);
	return err;
}

void sn_engine_free(struct sn_engine *eng)
{
	size_t i;

	if (!eng)
		return;
	for (i = 0; eng->qs && i < eng->n; i++)
		query_free(&eng->qs[i]);
	free(eng->qs);
	preds_free(eng);
	free(eng);
}

size_t sn_engine_work_partner(const struct sn_engine *eng, size_t query)
{
	size_t best = query, i, l;

	for (i = 0; i < eng->n_pstreams; i++) {
		const struct stream_state *lead = eng->pstreams[i].ss->leader;

		if (eng->pstreams[i].qs != &eng->qs[query] || !lead)
			continue;
		for (l = 0; l < i; l++) {
			size_t q = (size_t)(eng->pstreams[l].qs - eng->qs);

			if (eng->pstreams[l].ss == lead && q < best)
				best = q;
		}
	}
	return best;
}
