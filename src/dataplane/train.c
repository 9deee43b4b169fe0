/* Training: measure, on a capture, the costs the planner needs. For every level pair
 * (from, to) one runner executes level `from` on all traffic and level `to` behind its
 * filter with every switchable table placed; counters at each table then give the tuples
 * the stream processor would receive for every cut point. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/capture.h"
#include "sonata/log.h"
#include "dataplane/runner_int.h"

#define N_LEVELS 4
static const unsigned levels[N_LEVELS] = { 8, 16, 24, SN_DP_FINEST };

struct trans_run {
	unsigned from, to;
	struct sn_query_set set;	/* shallow copies of the queries that use the pair */
	size_t *orig;			/* index of each in the caller's set */
	struct sn_plan plan;
	struct sn_dp_runner *r;
};

static uint64_t per_window(uint64_t total, uint64_t windows)
{
	return windows ? (total + windows - 1) / windows : total;
}

static void add_level(struct sn_query_plan *qp, unsigned level, unsigned from, unsigned nt)
{
	struct sn_level_plan *lp = &qp->level[qp->nlevels++];

	lp->level = level;
	lp->used = true;
	lp->from = from;
	lp->ntables = nt;
}

/* Levels from (on all traffic), to (behind from) and, when to is coarse, the finest level
 * behind it, so that `to` is measured as a feeding level. */
static void trans_plan(struct sn_query_plan *qp, const struct sn_query *q, unsigned from,
		       unsigned to)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	unsigned nt = (unsigned)sn_dp_tables(q, t, SN_PLAN_MAX_TABLES);

	snprintf(qp->name, sizeof(qp->name), "%s", q->name);
	if (from)
		add_level(qp, from, 0, 0);
	add_level(qp, to, from, nt);
	if (to != SN_DP_FINEST)
		add_level(qp, SN_DP_FINEST, to, 0);
}

static int trans_init(struct trans_run *tr, const struct sn_query_set *set, const bool *refine,
		      const struct sn_dp_opts *opts)
{
	size_t i, n = 0;

	tr->set.queries = calloc(set->n ? set->n : 1, sizeof(*tr->set.queries));
	tr->orig = calloc(set->n ? set->n : 1, sizeof(*tr->orig));
	tr->plan.query = calloc(set->n ? set->n : 1, sizeof(*tr->plan.query));
	if (!tr->set.queries || !tr->orig || !tr->plan.query)
		return -ENOMEM;
	tr->plan.mode = SN_PLAN_SONATA;
	for (i = 0; i < set->n; i++) {
		if (!refine[i] && (tr->from || tr->to != SN_DP_FINEST))
			continue;
		tr->set.queries[n] = set->queries[i];
		tr->orig[n] = i;
		trans_plan(&tr->plan.query[n], &set->queries[i], tr->from, tr->to);
		n++;
	}
	tr->set.n = n;
	tr->plan.nqueries = n;
	return n ? sn_dp_new(&tr->r, &tr->set, &tr->plan, opts, NULL, NULL) : 0;
}

static void trans_free(struct trans_run *tr)
{
	sn_dp_free(tr->r);
	free(tr->set.queries);
	free(tr->orig);
	sn_plan_free(&tr->plan);
}

static const struct dp_level *level_of(const struct dp_query *dq, unsigned to)
{
	unsigned l;

	for (l = 0; l < dq->n; l++)
		if (dq->lv[l].level == to)
			return &dq->lv[l];
	return NULL;
}

static const struct dp_op *op_at(const struct dp_level *lv, size_t stream, size_t op,
				 const struct dp_stream **ds)
{
	size_t s;

	for (s = 0; s < lv->n_streams; s++) {
		if (lv->streams[s].idx != stream)
			continue;
		*ds = &lv->streams[s];
		return op < lv->streams[s].cut ? &lv->streams[s].ops[op] : NULL;
	}
	return NULL;
}

/* Tuples to the SP from stream s when the first k tables of the query are in the switch. */
static uint64_t stream_sp(const struct dp_level *lv, const struct sn_dp_table *t, size_t nt,
			  size_t s, size_t k)
{
	const struct dp_stream *ds = NULL;
	uint64_t overflow = 0;
	size_t j;

	for (j = 0; j < nt; j++) {
		const struct dp_op *o;

		if (t[j].stream != lv->streams[s].idx)
			continue;
		o = op_at(lv, t[j].stream, t[j].op, &ds);
		if (!o)
			break;
		if (j >= k)
			return o->in + overflow;
		overflow += o->overflow;
	}
	return lv->streams[s].tuples_sp;
}

static uint64_t query_sp(const struct dp_level *lv, const struct sn_dp_table *t, size_t nt,
			 size_t k)
{
	uint64_t sum = 0;
	size_t s;

	for (s = 0; s < lv->n_streams; s++)
		sum += stream_sp(lv, t, nt, s, k);
	return sum;
}

/* Register bits a table needs: cells for four times its peak keys, a power of two, but no more
 * than the cells it was measured with. Bounded probing needs free cells: in `sonata compare`
 * on a generated capture, superspreader's planned tables sent 804 inputs to the stream
 * processor for want of a cell when sized for twice the peak, and 63 when sized for four
 * times. */
static uint64_t table_bits(const struct sn_query *q, const struct sn_dp_table *t,
			   const struct dp_op *o)
{
	const struct sn_stream *st = &q->streams[t->stream];
	const struct sn_schema *in = t->op ? &st->ops[t->op - 1].out : &st->in;
	uint64_t cells = 1;

	while (cells < 4 * o->peak_keys && cells < o->regs.cells)
		cells <<= 1;
	return cells * dp_slot_bits(o->op, o->n_in, in);
}

static void fill_trans(struct sn_transition_cost *tc, const struct trans_run *tr, size_t i)
{
	const struct dp_query *dq = &tr->r->qs[i];
	const struct dp_level *lv = level_of(dq, tr->to);
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t nt = sn_dp_tables(dq->q, t, SN_PLAN_MAX_TABLES), j;
	const struct dp_stream *ds;

	tc->from = tr->from;
	tc->to = tr->to;
	if (!lv)
		return;
	tc->in = per_window(query_sp(lv, t, nt, 0), lv->windows);
	tc->keys = lv->final ? 0 : lv->keys_peak;
	for (j = 0; j < nt && j < lv->ntables; j++) {
		const struct dp_op *o = op_at(lv, t[j].stream, t[j].op, &ds);

		if (!o)
			break;
		tc->table[j].in = per_window(o->in, lv->windows);
		tc->table[j].out = per_window(query_sp(lv, t, nt, j + 1), lv->windows);
		tc->table[j].bits = table_bits(dq->q, &t[j], o);
	}
}

static int feed(struct trans_run *tr, size_t n, const char *const *files, size_t n_files,
		const struct sn_decode_opts *decode, uint64_t *packets, char *err, size_t errlen)
{
	struct sn_decoder dec;
	struct sn_source *src = NULL;
	struct sn_packet pkt;
	size_t i;
	int rc;

	rc = sn_decoder_init(&dec, decode);
	if (rc)
		return rc;
	rc = sn_source_open_files(&src, files, n_files, NULL);
	if (rc) {
		snprintf(err, errlen, "training: %s", src ? sn_source_error(src) : strerror(-rc));
		goto out;
	}
	memset(&pkt, 0, sizeof(pkt));
	while ((rc = sn_source_next(src, &pkt)) == 1) {
		sn_decode(&dec, &pkt);
		(*packets)++;
		for (i = 0; i < n && rc == 1; i++)
			if (tr[i].r && sn_dp_packet(tr[i].r, &pkt))
				rc = -EIO;
	}
	if (rc < 0)
		snprintf(err, errlen, "training: %s", sn_source_error(src));
	for (i = 0; i < n; i++)
		if (tr[i].r)
			sn_dp_flush(tr[i].r);
out:
	if (src)
		sn_source_close(src);
	sn_decoder_free(&dec);
	return rc < 0 ? rc : 0;
}

static size_t make_pairs(struct trans_run *tr)
{
	size_t n = 0, a, b;

	for (b = 0; b < N_LEVELS; b++) {
		tr[n].from = 0;
		tr[n++].to = levels[b];
		for (a = 0; a < b; a++) {
			tr[n].from = levels[a];
			tr[n++].to = levels[b];
		}
	}
	return n;
}

static int fill_costs(const struct sn_query_set *set, const bool *refine, struct trans_run *tr,
		      size_t n_tr, struct sn_costs *out)
{
	struct sn_dp_table t[SN_PLAN_MAX_TABLES];
	size_t i, k, j;
	int rc = 0;

	for (i = 0; i < set->n && !rc; i++) {
		struct sn_query_cost qc;

		memset(&qc, 0, sizeof(qc));
		snprintf(qc.name, sizeof(qc.name), "%s", set->queries[i].name);
		qc.refine = refine[i];
		qc.ntables = (unsigned)sn_dp_tables(&set->queries[i], t, SN_PLAN_MAX_TABLES);
		qc.nlevels = refine[i] ? N_LEVELS : 1;
		for (j = 0; j < qc.nlevels; j++)
			qc.level[j] = refine[i] ? levels[j] : SN_DP_FINEST;
		for (k = 0; k < n_tr; k++) {
			for (j = 0; tr[k].r && j < tr[k].set.n; j++) {
				if (tr[k].orig[j] != i || qc.ntrans >= SN_PLAN_MAX_TRANS)
					continue;
				fill_trans(&qc.trans[qc.ntrans++], &tr[k], j);
			}
		}
		rc = sn_costs_add_query(out, &qc);
	}
	return rc;
}

int sn_train(const struct sn_query_set *set, const char *const *files, size_t n_files,
	     const struct sn_decode_opts *decode, const struct sn_dp_opts *opts,
	     struct sn_costs *out, char *err, size_t errlen)
{
	struct trans_run tr[N_LEVELS * (N_LEVELS + 1) / 2];
	struct sn_dp_opts roomy = *opts;
	enum sn_field_id key;
	uint64_t packets = 0, windows = 0;
	size_t n_tr, i;
	bool *refine;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(tr, 0, sizeof(tr));
	refine = calloc(set->n ? set->n : 1, sizeof(*refine));
	if (!refine)
		return -ENOMEM;
	for (i = 0; i < set->n; i++)
		refine[i] = !sn_dp_refine_key(&set->queries[i], &key, NULL, 0);
	/* Measure what each table needs, not what fits: the planner applies the limits. */
	roomy.limits.stages = SN_PLAN_MAX_STAGES;
	roomy.limits.tables_per_stage = 1024;
	roomy.limits.bits_per_stage = UINT64_MAX / 4;
	roomy.limits.metadata_bits = UINT32_MAX;
	roomy.limits.filter_entries = 0;
	n_tr = make_pairs(tr);
	for (i = 0; i < n_tr && !rc; i++)
		rc = trans_init(&tr[i], set, refine, &roomy);
	if (rc)
		snprintf(err, errlen, "training: cannot set up the switch model (%s)",
			 strerror(-rc));
	if (!rc)
		rc = feed(tr, n_tr, files, n_files, decode, &packets, err, errlen);
	if (!rc)
		rc = fill_costs(set, refine, tr, n_tr, out);
	if (!rc && tr[0].r && tr[0].r->n)
		windows = tr[0].r->qs[0].lv[0].windows;
	out->packets = per_window(packets, windows);
	out->limits = opts->limits;
	for (i = 0; i < n_tr; i++)
		trans_free(&tr[i]);
	free(refine);
	if (rc)
		sn_costs_free(out);
	return rc;
}
