/* Profile: the times the engine samples, scaled to every packet. */
#include <string.h>
#include <time.h>

#include "engine/engine_int.h"

/* CPU time of the calling thread. Ticks of the cycle counter also run while
 * the thread waits for a core, so they are turned into CPU time rather than
 * wall time, and on a busy machine the profile still adds up to CPU time.
 * NOTE: this assumes the thread that created the engine runs it, as
 * sonata run does with --profile (one thread). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Measure what an empty timed region costs, and start the clocks. */
void prof_init(struct sn_engine *eng)
{
	uint64_t best = UINT64_MAX;
	struct prof_mark m;
	int i;

	eng->prof_ovh = 0;
	for (i = 0; i < 1000; i++) {
		uint64_t t;

		prof_begin(eng, &m);
		t = prof_end(eng, &m);
		if (t < best)
			best = t;
	}
	eng->prof_ovh = best;
	eng->prof_pairs = 0;
	eng->prof_t0 = prof_ticks();
	eng->prof_ns0 = cpu_ns();
}

static double ns_per_tick(const struct sn_engine *eng)
{
	uint64_t ticks = prof_ticks() - eng->prof_t0;
	uint64_t ns = cpu_ns() - eng->prof_ns0;

	return ticks ? (double)ns / (double)ticks : 0.0;
}

/* Ticks measured on the sampled packets of qs, extrapolated to all packets. */
static double extrapolate(const struct sn_engine *eng, const struct query_state *qs,
			  uint64_t ticks)
{
	if (!qs->prof_samples)
		return 0.0;
	return (double)ticks * (double)eng->prof_packets / (double)qs->prof_samples;
}

/* The sampled times overstate the cost: a sampled packet takes the slow path
 * with its timers, and the timers cost more than the empty pair subtracted.
 * So the per-packet times of all queries are scaled to add up to the time
 * the engine measurably spent on packets (its calls less the window closes),
 * and they keep only their proportions. */
static double correction(const struct sn_engine *eng)
{
	double sampled = 0.0, closes = 0.0, spent;
	size_t q;

	for (q = 0; q < eng->n; q++) {
		sampled += extrapolate(eng, &eng->qs[q], eng->qs[q].prof_ns);
		closes += (double)eng->qs[q].prof_close_ns;
	}
	spent = (double)eng->prof_engine_ticks - closes;
	return sampled > 0.0 && spent > 0.0 ? spent / sampled : 1.0;
}

/* Ticks of the sampled packets of qs as nanoseconds over all packets. */
static uint64_t scale(const struct sn_engine *eng, const struct query_state *qs, uint64_t ticks)
{
	return (uint64_t)(extrapolate(eng, qs, ticks) * correction(eng) * ns_per_tick(eng));
}

void sn_engine_query_profile(const struct sn_engine *eng, size_t query,
			     struct sn_query_profile *p)
{
	const struct query_state *qs;
	size_t s;

	memset(p, 0, sizeof(*p));
	if (query >= eng->n)
		return;
	qs = &eng->qs[query];
	p->packet_ns = scale(eng, qs, qs->prof_ns);
	for (s = 0; s < qs->n_streams; s++)
		p->filter_ns += scale(eng, qs, qs->streams[s].prof_pre_ns);
	p->close_ns = (uint64_t)((double)qs->prof_close_ns * ns_per_tick(eng));
}

uint64_t sn_engine_op_profile(const struct sn_engine *eng, size_t query, size_t s, size_t op)
{
	const struct query_state *qs;
	const struct stream_state *ss;
	uint64_t self, next;

	if (query >= eng->n || s >= eng->qs[query].n_streams)
		return 0;
	qs = &eng->qs[query];
	ss = &qs->streams[s];
	if (op >= ss->n_ops)
		return 0;
	self = ss->ops[op].prof_ns;
	next = op + 1 < ss->n_ops ? ss->ops[op + 1].prof_ns : 0;
	return scale(eng, qs, self > next ? self - next : 0);
}
