/* Profile: the times the engine samples, scaled to every packet. */
#include <string.h>
#include <time.h>

#include "engine/engine_int.h"

uint64_t prof_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t scale(const struct sn_engine *eng, uint64_t ns)
{
	if (!eng->prof_sampled)
		return 0;
	return (uint64_t)((double)ns * (double)eng->prof_packets / (double)eng->prof_sampled);
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
	p->packet_ns = scale(eng, qs->prof_ns);
	for (s = 0; s < qs->n_streams; s++)
		p->filter_ns += scale(eng, qs->streams[s].prof_pre_ns);
	p->close_ns = qs->prof_close_ns;
}

uint64_t sn_engine_op_profile(const struct sn_engine *eng, size_t query, size_t s, size_t op)
{
	const struct stream_state *ss;
	uint64_t self, next;

	if (query >= eng->n || s >= eng->qs[query].n_streams)
		return 0;
	ss = &eng->qs[query].streams[s];
	if (op >= ss->n_ops)
		return 0;
	self = ss->ops[op].prof_ns;
	next = op + 1 < ss->n_ops ? ss->ops[op + 1].prof_ns : 0;
	return scale(eng, self > next ? self - next : 0);
}
