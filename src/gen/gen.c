/* Generator driver: options, the event loop over the flow heap, and per-packet counting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen/gen_impl.h"
#include "sonata/log.h"

#define GEN_DEFAULT_DURATION 60.0
#define GEN_TAIL_SECONDS 5.0 /* capture continues this long after the last attack */

void sn_gen_defaults(struct sn_gen_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->rate = 1000;
	opts->hosts = 200;
	opts->resolvers = 4;
	opts->zipf = 1.0;
	opts->seed = 1;
	opts->snaplen = 65535;
	opts->start_sec = 1700000000;
	for (int k = 0; k < SN_ATK_COUNT; k++)
		opts->attacks[k].start = -1;
}

void sn_gen_resolve(struct sn_gen_opts *opts)
{
	unsigned int slot = 0;
	double last_end = 0;

	if (!opts->servers)
		opts->servers = opts->hosts / 4 > 8 ? opts->hosts / 4 : 8;
	for (int k = 0; k < SN_ATK_COUNT; k++) {
		struct sn_gen_attack *a = &opts->attacks[k];

		if (!a->enabled)
			continue;
		atk_defaults((enum sn_attack_kind)k, slot++, a);
		if (a->start + a->duration > last_end)
			last_end = a->start + a->duration;
	}
	if (opts->duration <= 0 && !opts->packets) {
		opts->duration = GEN_DEFAULT_DURATION;
		if (last_end + GEN_TAIL_SECONDS > opts->duration)
			opts->duration = last_end + GEN_TAIL_SECONDS;
	}
}

const char *sn_gen_addr_str(uint32_t addr, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
	return buf;
}

/* Count SYNs and fragments of attack packets from the frame built in g->frame. */
static void count_attack(struct gen *g, struct sn_gen_attack_result *ar, uint32_t len)
{
	const uint8_t *ip = g->frame + 14;
	uint16_t frag = (uint16_t)(ip[6] << 8 | ip[7]);

	if (!ar->packets)
		ar->first_us = g->now;
	ar->last_us = g->now;
	ar->packets++;
	if (frag & 0x3fff)
		ar->fragments++;
	else if (ip[9] == 6 && len >= 14 + 20 + 20 && (ip[33] & 0x12) == 0x02)
		ar->syn++;
}

void gen_emit(struct gen *g, int attack, uint32_t len)
{
	uint32_t cap = len < g->opts->snaplen ? len : g->opts->snaplen;

	pcapw_write(&g->pw, g->now, g->frame, len);
	g->res->packets++;
	g->res->bytes += cap;
	g->res->end_us = g->now;
	if (attack < 0)
		g->res->bg_packets++;
	else
		count_attack(g, &g->res->attacks[attack], len);
}

/* Allocate a flow that sends its first packet at time t. The pool may move, so callers
 * fetch their own flow again by index afterwards. */
int gen_spawn(struct gen *g, uint64_t t, struct gen_flow **out, uint32_t *out_idx)
{
	int64_t idx = sched_alloc(&g->sched);
	struct gen_flow *f;

	if (idx < 0) {
		sn_err("cannot allocate flow state for more than %u concurrent flows",
		       g->sched.cap);
		return (int)idx;
	}
	f = &g->sched.pool[idx];
	memset(f, 0, sizeof(*f));
	f->t = t;
	sched_push(&g->sched, (uint32_t)idx);
	*out = f;
	if (out_idx)
		*out_idx = (uint32_t)idx;
	return 0;
}

static int step_flow(struct gen *g, uint32_t idx)
{
	struct gen_flow *f = &g->sched.pool[idx];

	switch (f->kind) {
	case FK_BG_SPAWN:
		return bg_spawn_step(g, idx);
	case FK_ATK_SPAWN:
		return atk_spawn_step(g, idx);
	case FK_ATK_SESSION:
		return atk_session_step(g, f);
	default:
		return bg_flow_step(g, f);
	}
}

static int add_spawners(struct gen *g)
{
	struct gen_flow *f;
	int err = gen_spawn(g, 0, &f, NULL);

	if (err)
		return err;
	f->kind = FK_BG_SPAWN;
	for (int k = 0; k < SN_ATK_COUNT; k++) {
		const struct sn_gen_attack *a = &g->opts->attacks[k];

		if (!a->enabled)
			continue;
		err = gen_spawn(g, (uint64_t)(a->start * US_PER_SEC), &f, NULL);
		if (err)
			return err;
		f->kind = FK_ATK_SPAWN;
		f->attack = (int8_t)k;
	}
	return 0;
}

static int run_loop(struct gen *g)
{
	const struct sn_gen_opts *o = g->opts;
	uint64_t end_us = o->duration > 0 ? (uint64_t)(o->duration * US_PER_SEC) : UINT64_MAX;

	while (g->sched.used) {
		uint32_t idx;
		int r;

		if (o->packets && g->res->packets >= o->packets)
			break;
		if (g->sched.pool[g->sched.heap[0]].t >= end_us)
			break;
		idx = sched_pop(&g->sched);
		g->now = g->sched.pool[idx].t;
		r = step_flow(g, idx);
		if (r < 0)
			return r;
		if (r == STEP_DONE)
			sched_release(&g->sched, idx);
		else
			sched_push(&g->sched, idx);
	}
	return 0;
}

static int check_opts(const struct sn_gen_opts *o)
{
	if (!o->out_path || !*o->out_path) {
		sn_err("missing output file: give one with -o OUT.pcap");
		return -EINVAL;
	}
	if (o->rate <= 0 || o->hosts == 0 || o->resolvers == 0 || o->snaplen < 64) {
		sn_err("invalid background: rate %g, hosts %u, resolvers %u, snaplen %u "
		       "(rate and counts must be positive, snaplen at least 64)",
		       o->rate, o->hosts, o->resolvers, o->snaplen);
		return -EINVAL;
	}
	if (o->hosts > 4000000 || o->servers > 1000000 || o->resolvers > 254) {
		sn_err("too many hosts (%u, max 4000000), servers (%u, max 1000000) or "
		       "resolvers (%u, max 254)", o->hosts, o->servers, o->resolvers);
		return -EINVAL;
	}
	for (int k = 0; k < SN_ATK_COUNT; k++) {
		const struct sn_gen_attack *a = &o->attacks[k];

		if (a->enabled && (a->sources > 4000 || a->rate > 1e7)) {
			sn_err("invalid %s settings: sources %u (max 4000), rate %g (max 1e7)",
			       sn_attack_name((enum sn_attack_kind)k), a->sources, a->rate);
			return -EINVAL;
		}
	}
	return 0;
}

static int gen_setup(struct gen *g)
{
	const struct sn_gen_opts *o = g->opts;
	int err;

	g->pat = malloc(sizeof(*g->pat));
	g->frame = malloc(GEN_FRAME_MAX);
	g->scratch = malloc(GEN_FRAME_MAX);
	g->client_budget = calloc(o->hosts, sizeof(*g->client_budget));
	g->server_budget = calloc(o->servers, sizeof(*g->server_budget));
	g->resolver_budget = calloc(o->resolvers, sizeof(*g->resolver_budget));
	if (!g->pat || !g->frame || !g->scratch || !g->client_budget || !g->server_budget ||
	    !g->resolver_budget)
		return -ENOMEM;
	rng_seed(&g->rng, o->seed);
	patterns_init(g->pat, &g->rng);
	err = zipf_init(&g->zipf, o->servers, o->zipf);
	if (err)
		return err;
	err = sched_init(&g->sched, 4096);
	if (err)
		return err;
	bg_init_rates(g);
	return add_spawners(g);
}

static void gen_teardown(struct gen *g)
{
	sched_free(&g->sched);
	zipf_free(&g->zipf);
	free(g->pat);
	free(g->frame);
	free(g->scratch);
	free(g->client_budget);
	free(g->server_budget);
	free(g->resolver_budget);
}

int sn_gen_run(struct sn_gen_opts *opts, struct sn_gen_result *res)
{
	struct sn_gen_result local;
	struct gen g = { .opts = opts };
	struct timespec t0, t1;
	int err, cerr;

	sn_gen_resolve(opts);
	err = check_opts(opts);
	if (err)
		return err;
	g.res = res ? res : &local;
	memset(g.res, 0, sizeof(*g.res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = pcapw_open(&g.pw, opts->out_path, opts->snaplen, opts->start_sec);
	if (err)
		return err;
	err = gen_setup(&g);
	if (err == -ENOMEM)
		sn_err("out of memory while setting up %u hosts and %u servers", opts->hosts,
		       opts->servers);
	if (!err)
		err = run_loop(&g);
	cerr = pcapw_close(&g.pw);
	if (cerr && !err) {
		sn_err("writing '%s' failed: %s", opts->out_path, strerror(-cerr));
		err = cerr;
	}
	gen_teardown(&g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	g.res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (!err)
		err = truth_write(opts, g.res);
	return err;
}
