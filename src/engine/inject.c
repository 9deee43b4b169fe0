/* Injection: a switch model feeds tuples into the middle of a stream's operators. */
#include <errno.h>

#include "sonata/engine.h"
#include "engine/engine_int.h"

/* Same rule as opening a window for a packet: previous() sets carry only into the window
 * right after theirs. */
static void open_at(struct query_state *qs, uint64_t ts_ns)
{
	uint64_t w = qs->q->window_ns;
	uint64_t start = ts_ns / w * w;
	size_t i;

	if (qs->prev_valid && qs->prev_start + w != start) {
		for (i = 0; i < qs->n_streams; i++)
			if (qs->streams[i].need_prev)
				table_clear(&qs->streams[i].prev);
		qs->prev_valid = false;
	}
	qs->start = start;
	qs->open = true;
}

void sn_engine_advance(struct sn_engine *eng, const struct sn_packet *pkt)
{
	uint64_t grace = eng->opts.grace_ns;
	size_t i;

	eng->gen++;
	/* A packet of a later window closes the open one, as in sn_engine_packet. */
	eng->opts.grace_ns = 0;
	sn_engine_tick(eng, pkt->ts_ns);
	eng->opts.grace_ns = grace;
	for (i = 0; i < eng->n; i++) {
		if (!eng->qs[i].open)
			open_at(&eng->qs[i], pkt->ts_ns);
		eng->qs[i].st.tuples_in++;
	}
}

static struct stream_state *find_stream(struct sn_engine *eng, size_t q, size_t s, size_t op)
{
	struct query_state *qs;

	if (q >= eng->n || !eng->qs[q].open)
		return NULL;
	qs = &eng->qs[q];
	if (s >= qs->n_streams || op > qs->streams[s].n_ops)
		return NULL;
	return &qs->streams[s];
}

int sn_engine_inject(struct sn_engine *eng, size_t q, size_t s, size_t op,
		     const struct sn_packet *pkt, const struct sn_value *cols)
{
	struct stream_state *ss = find_stream(eng, q, s, op);
	struct ectx c = { .eng = eng, .pkt = pkt };

	if (!ss || (!cols && !pkt))
		return -EINVAL;
	c.qs = &eng->qs[q];
	/* The stream's leading filters run as shared predicates before first_op; the switch
	 * ran some of them already with the same result, so running them all is exact. */
	if (!cols && op < ss->first_op) {
		if (!stream_pre_pass(&c, ss))
			return 0;
		op = ss->first_op;
	}
	return stream_push(&c, ss, op, cols);
}

static void combine(enum sn_agg agg, struct sn_value *acc, const struct sn_value *v, bool first)
{
	if (first || agg == SN_AGG_SUM || agg == SN_AGG_COUNT) {
		acc->type = SN_T_UINT;
		acc->u = first ? v->u : acc->u + v->u;
		return;
	}
	if ((agg == SN_AGG_MIN && v->u < acc->u) || (agg == SN_AGG_MAX && v->u > acc->u))
		acc->u = v->u;
}

int sn_engine_inject_partial(struct sn_engine *eng, size_t q, size_t s, size_t op,
			     const struct sn_value *row)
{
	struct stream_state *ss = find_stream(eng, q, s, op);
	struct ectx c = { .eng = eng };
	struct op_state *os;
	struct sn_value *acc;
	bool first = false;
	size_t j;

	if (!ss || op >= ss->n_ops || ss->ops[op].op->kind != SN_OP_REDUCE)
		return -EINVAL;
	c.qs = &eng->qs[q];
	os = &ss->ops[op];
	acc = table_find(&os->table, row);
	if (!acc) {
		if (!admit_key(&c))
			return 0;
		acc = table_insert(&os->table, row);
		if (!acc || (os->has_cred && cred_note_row(os)))
			return -ENOMEM;
		first = true;
	}
	for (j = 0; j < os->op->n_aggs; j++)
		combine(os->op->aggs[j], &acc[os->n_keys + j], &row[os->n_keys + j], first);
	return 0;
}
