/* Benign background: TCP connections, DNS lookups and pings between clients and servers.
 *
 * Every host may start at most BUDGET_PER_SEC new exchanges per second and a flow lasts at
 * most about two seconds, so in a window of W seconds a host meets at most
 * BUDGET_PER_SEC * (W + 3) distinct peers (24 for W = 3) and receives at most
 * BUDGET_PER_SEC * (W + 1) SYNs. That keeps the default background below the per-window
 * thresholds (40 and more) of the bundled detection queries. */
#include <math.h>
#include <stdio.h>

#include "gen/gen_impl.h"

#define BUDGET_PER_SEC 4
#define PICK_TRIES 32
#define FLOW_MAX_DATA 2000       /* server data packets of the largest flow */
#define FLOW_MAX_SPAN_US 1500000 /* data phase of a flow lasts at most this long */
#define MSS 1460

/* Shares of flow arrivals; the rest are TCP connections. */
#define SHARE_DNS 0.05
#define SHARE_ICMP 0.05
#define SHARE_TCP_DNS_FIRST 0.10 /* TCP connections that start with a DNS lookup */

enum tcp_step {
	T_DNS_QUERY, T_DNS_RESPONSE, T_SYN, T_SYNACK, T_ACK, T_REQUEST, T_DATA, T_FIN_C,
	T_FIN_S, T_LAST_ACK,
};

static uint32_t addr_in(uint32_t base, uint32_t i)
{
	return base + (i / 254) * 256 + i % 254 + 1; /* skip .0 and .255 of each /24 */
}

uint32_t bg_client_addr(uint32_t i)
{
	return addr_in(0x0a000000, i); /* 10.0.0.0/8 */
}

uint32_t bg_server_addr(uint32_t i)
{
	return addr_in(0xac100000, i); /* 172.16.0.0/12 */
}

uint32_t bg_resolver_addr(uint32_t i)
{
	return addr_in(0xc0a83500, i); /* 192.168.53.0/24 */
}

static uint32_t flow_data_packets(struct gen_rng *r)
{
	double x = rng_pareto(r, 2.0, 1.2);

	return x > FLOW_MAX_DATA ? FLOW_MAX_DATA : (uint32_t)x;
}

/* Expected packets per flow arrival, estimated from a fixed sample so that the background
 * reaches opts->rate on average. */
void bg_init_rates(struct gen *g)
{
	struct gen_rng r;
	double data = 0, tcp, per_flow;
	const int n = 20000;

	rng_seed(&r, 12345);
	for (int i = 0; i < n; i++) {
		double d = flow_data_packets(&r);

		data += d + (d + 1) / 2; /* server data plus client ACKs */
	}
	tcp = 3 + 1 + data / n + 3 + 2 * SHARE_TCP_DNS_FIRST;
	per_flow = SHARE_DNS * 2 + SHARE_ICMP * 5 + (1 - SHARE_DNS - SHARE_ICMP) * tcp;
	g->bg_flow_interval_us = per_flow * 1e6 / g->opts->rate;
}

static int budget_take(struct host_budget *b, uint64_t now)
{
	uint32_t sec = (uint32_t)(now / US_PER_SEC);

	if (b->second != sec) {
		b->second = sec;
		b->used = 0;
	}
	if (b->used >= BUDGET_PER_SEC)
		return 0;
	b->used++;
	return 1;
}

static uint32_t pick_client(struct gen *g)
{
	uint32_t n = g->opts->hosts, c = 0;

	for (int i = 0; i < PICK_TRIES; i++) {
		c = rng_below(&g->rng, n);
		if (budget_take(&g->client_budget[c], g->now))
			return c;
	}
	g->res->budget_overflows++;
	return c;
}

static uint32_t pick_server(struct gen *g)
{
	uint32_t s = 0;

	for (int i = 0; i < PICK_TRIES; i++) {
		s = zipf_sample(&g->zipf, &g->rng);
		if (budget_take(&g->server_budget[s], g->now))
			return s;
	}
	g->res->budget_overflows++;
	return s;
}

/* The client's resolver, or the next one with budget left; -1 when all are busy. */
static int pick_resolver(struct gen *g, uint32_t client)
{
	uint32_t n = g->opts->resolvers;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = (client + i) % n;

		if (budget_take(&g->resolver_budget[k], g->now))
			return (int)k;
	}
	return -1;
}

static uint32_t log_uniform_us(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	double x = lo * exp2(rng_unit(r) * log2((double)hi / lo));

	return (uint32_t)x;
}

static void init_tcp(struct gen *g, struct gen_flow *f, uint32_t client, uint32_t server)
{
	static const uint16_t ports[] = { 443, 443, 443, 443, 80, 80, 80, 8080, 993, 25 };
	int resolver = -1;

	f->kind = FK_BG_TCP;
	f->a = bg_client_addr(client);
	f->b = bg_server_addr(server);
	f->aux = server;
	f->pa = (uint16_t)(32768 + rng_below(&g->rng, 28000));
	f->pb = ports[rng_below(&g->rng, 10)];
	f->seq_a = (uint32_t)rng_u64(&g->rng);
	f->seq_b = (uint32_t)rng_u64(&g->rng);
	f->rtt = log_uniform_us(&g->rng, 1000, 80000);
	f->left = flow_data_packets(&g->rng);
	f->total = f->left;
	f->gap = FLOW_MAX_SPAN_US / f->left;
	if (f->gap > 2000)
		f->gap = 2000;
	f->pattern = (uint8_t)rng_below(&g->rng, GEN_PATTERNS);
	if (rng_unit(&g->rng) < SHARE_TCP_DNS_FIRST / (1 - SHARE_DNS - SHARE_ICMP))
		resolver = pick_resolver(g, client);
	f->dns_first = resolver >= 0;
	f->qtype = (uint16_t)(resolver < 0 ? 0 : resolver);
	f->step = f->dns_first ? T_DNS_QUERY : T_SYN;
}

static void init_dns(struct gen *g, struct gen_flow *f, uint32_t client)
{
	int resolver = pick_resolver(g, client);

	if (resolver < 0) {
		g->res->budget_overflows++;
		resolver = (int)(client % g->opts->resolvers);
	}
	f->kind = FK_BG_DNS;
	f->a = bg_client_addr(client);
	f->b = bg_resolver_addr((uint32_t)resolver);
	f->pa = (uint16_t)(32768 + rng_below(&g->rng, 28000));
	f->pb = 53;
	f->aux = zipf_sample(&g->zipf, &g->rng);
	f->qtype = rng_unit(&g->rng) < 0.7 ? DNS_TYPE_A : DNS_TYPE_AAAA;
	f->seq_a = rng_below(&g->rng, 65536); /* DNS id */
	f->rtt = log_uniform_us(&g->rng, 2000, 60000);
	f->step = 0;
}

static void init_icmp(struct gen *g, struct gen_flow *f, uint32_t client, uint32_t server)
{
	f->kind = FK_BG_ICMP;
	f->a = bg_client_addr(client);
	f->b = bg_server_addr(server);
	f->pa = (uint16_t)rng_below(&g->rng, 65536);
	f->left = 2 * (1 + rng_below(&g->rng, 4));
	f->rtt = log_uniform_us(&g->rng, 1000, 80000);
	f->step = 0;
}

/* Start one background flow and schedule the next arrival. */
int bg_spawn_step(struct gen *g, uint32_t idx)
{
	struct gen_flow *f;
	double u = rng_unit(&g->rng);
	uint32_t client, next;
	int err;

	err = gen_spawn(g, g->now, &f, NULL);
	if (err)
		return err;
	client = pick_client(g);
	if (u < SHARE_DNS)
		init_dns(g, f, client);
	else if (u < SHARE_DNS + SHARE_ICMP)
		init_icmp(g, f, client, pick_server(g));
	else
		init_tcp(g, f, client, pick_server(g));
	g->res->bg_flows++;
	next = (uint32_t)rng_exp(&g->rng, g->bg_flow_interval_us) + 1;
	g->sched.pool[idx].t = g->now + next;
	return 0;
}

static void tcp_emit(struct gen *g, struct gen_flow *f, int from_server, uint8_t flags,
		     uint32_t paylen)
{
	struct pkt_ip ip = { .id = g->ipid++, .ttl = from_server ? 56 : 64 };
	struct pkt_tcp t = { .flags = flags };
	uint32_t len;

	ip.src = from_server ? f->b : f->a;
	ip.dst = from_server ? f->a : f->b;
	t.sport = from_server ? f->pb : f->pa;
	t.dport = from_server ? f->pa : f->pb;
	t.seq = from_server ? f->seq_b : f->seq_a;
	t.ack = (flags & 0x10) ? (from_server ? f->seq_a : f->seq_b) : 0;
	len = pkt_tcp_pattern(g->frame, &ip, &t, g->pat, f->pattern, paylen);
	if (from_server)
		f->seq_b += paylen + ((flags & 0x03) ? 1 : 0);
	else
		f->seq_a += paylen + ((flags & 0x03) ? 1 : 0);
	gen_emit(g, -1, len);
}

static void dns_emit(struct gen *g, uint32_t client, uint32_t resolver, uint16_t cport,
		     uint16_t id, uint32_t server, uint16_t qtype, int response)
{
	struct pkt_ip ip = { .id = g->ipid++ };
	uint8_t rdata[16] = { 0x20, 0x01, 0x0d, 0xb8 }; /* 2001:db8::/32 for AAAA */
	char name[48];
	uint32_t mlen, len;

	snprintf(name, sizeof(name), "s%u.example.com", server);
	if (!response) {
		mlen = dns_query(g->scratch, id, name, qtype);
	} else {
		uint32_t addr = bg_server_addr(server);

		if (qtype == DNS_TYPE_A) {
			for (int i = 0; i < 4; i++)
				rdata[i] = (uint8_t)(addr >> (24 - 8 * i));
		} else {
			for (int i = 0; i < 4; i++)
				rdata[12 + i] = (uint8_t)(addr >> (24 - 8 * i));
		}
		mlen = dns_answer(g->scratch, id, name, qtype, rdata,
				  qtype == DNS_TYPE_A ? 4 : 16, 1);
	}
	ip.src = response ? resolver : client;
	ip.dst = response ? client : resolver;
	len = pkt_udp(g->frame, &ip, response ? 53 : cport, response ? cport : 53, g->scratch,
		      mlen);
	gen_emit(g, -1, len);
}

static uint32_t request_size(const struct gen_flow *f)
{
	return 120 + (f->seq_b % 480); /* 120..599 bytes, fixed per flow */
}

static int tcp_data_step(struct gen *g, struct gen_flow *f)
{
	if (f->aux == 2 || (!f->left && f->aux)) {
		tcp_emit(g, f, 0, 0x10, 0);
		f->aux = 0;
	} else {
		uint32_t size = f->left > 1 ? MSS : 1 + (f->seq_a % MSS);

		tcp_emit(g, f, 1, f->left > 1 ? 0x10 : 0x18, size);
		f->left--;
		f->aux++;
	}
	if (!f->left && !f->aux)
		f->step = T_FIN_C;
	f->t = g->now + f->gap / 2 + rng_below(&g->rng, f->gap);
	return STEP_AGAIN;
}

static int tcp_step(struct gen *g, struct gen_flow *f)
{
	uint32_t half = f->rtt / 2;
	uint32_t resolver = bg_resolver_addr(f->qtype);

	switch (f->step) {
	case T_DNS_QUERY:
		dns_emit(g, f->a, resolver, f->pa, (uint16_t)f->seq_b, f->aux, DNS_TYPE_A, 0);
		break;
	case T_DNS_RESPONSE:
		dns_emit(g, f->a, resolver, f->pa, (uint16_t)f->seq_b, f->aux, DNS_TYPE_A, 1);
		f->pa++; /* the connection uses the next ephemeral port */
		break;
	case T_SYN:
		tcp_emit(g, f, 0, 0x02, 0);
		break;
	case T_SYNACK:
		tcp_emit(g, f, 1, 0x12, 0);
		break;
	case T_ACK:
		tcp_emit(g, f, 0, 0x10, 0);
		break;
	case T_REQUEST:
		tcp_emit(g, f, 0, 0x18, request_size(f));
		f->aux = 0;
		break;
	case T_DATA:
		return tcp_data_step(g, f);
	case T_FIN_C:
		tcp_emit(g, f, 0, 0x11, 0);
		break;
	case T_FIN_S:
		tcp_emit(g, f, 1, 0x11, 0);
		break;
	default:
		tcp_emit(g, f, 0, 0x10, 0);
		return STEP_DONE;
	}
	f->step++;
	f->t = g->now + (f->step == T_ACK || f->step == T_DATA ? 50 : half) +
	       rng_below(&g->rng, half / 4 + 1);
	return STEP_AGAIN;
}

static int dns_step(struct gen *g, struct gen_flow *f)
{
	dns_emit(g, f->a, f->b, f->pa, (uint16_t)f->seq_a, f->aux, f->qtype, f->step);
	if (f->step++)
		return STEP_DONE;
	f->t = g->now + f->rtt;
	return STEP_AGAIN;
}

static int icmp_step(struct gen *g, struct gen_flow *f)
{
	struct pkt_ip ip = { .id = g->ipid++ };
	int reply = f->step & 1;
	uint32_t len;

	ip.src = reply ? f->b : f->a;
	ip.dst = reply ? f->a : f->b;
	len = pkt_icmp_echo(g->frame, &ip, reply, f->pa, (uint16_t)(f->step / 2 + 1),
			    g->pat->bytes[0], 56);
	gen_emit(g, -1, len);
	if (++f->step >= f->left)
		return STEP_DONE;
	f->t = g->now + (reply ? 200000 : f->rtt);
	return STEP_AGAIN;
}

int bg_flow_step(struct gen *g, struct gen_flow *f)
{
	switch (f->kind) {
	case FK_BG_TCP:
		return tcp_step(g, f);
	case FK_BG_DNS:
		return dns_step(g, f);
	default:
		return icmp_step(g, f);
	}
}
