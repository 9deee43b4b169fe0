/* The eleven attacks: defaults, a spawner per attack and the packets of each session. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gen/gen_impl.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_ECE 0x40
#define TH_CWR 0x80

/* A slowloris connection sends a header line this often: slowloris.py waits
 * 15 s between rounds; 10 s keeps one line inside a short attack. */
#define SLOWLORIS_LINE_US 10000000
#define ZORRO_BRUTE_SHARE 0.6     /* share of the zorro duration spent guessing logins */
#define SPREAD_DESTINATIONS 4096  /* distinct superspreader destinations before wrapping */

enum payload_id {
	P_NONE, P_SSH_LOGIN, P_SSH_REPLY, P_TELNET_LOGIN, P_TELNET_REPLY, P_ZORRO_CMD,
	P_ZORRO_OUT, P_HTTP_START, P_HTTP_LINE,
};

/* One packet of a scripted TCP session. */
struct script_pkt {
	uint8_t from_server;
	uint8_t flags;
	uint8_t payload;
};

#define S_END { 2, 0, 0 }
static const struct script_pkt s_conn[] = {
	{ 0, TH_SYN, 0 }, { 1, TH_SYN | TH_ACK, 0 }, { 0, TH_ACK, 0 },
	{ 0, TH_FIN | TH_ACK, 0 }, { 1, TH_FIN | TH_ACK, 0 }, { 0, TH_ACK, 0 }, S_END,
};
static const struct script_pkt s_ssh[] = {
	{ 0, TH_SYN, 0 }, { 1, TH_SYN | TH_ACK, 0 }, { 0, TH_ACK, 0 },
	{ 0, TH_PSH | TH_ACK, P_SSH_LOGIN }, { 1, TH_PSH | TH_ACK, P_SSH_REPLY },
	{ 0, TH_FIN | TH_ACK, 0 }, { 1, TH_FIN | TH_ACK, 0 }, { 0, TH_ACK, 0 }, S_END,
};
static const struct script_pkt s_probe[] = { { 0, TH_SYN, 0 }, S_END };
static const struct script_pkt s_scan[] = {
	{ 0, TH_SYN, 0 }, { 1, TH_RST | TH_ACK, 0 }, S_END,
};
static const struct script_pkt s_half_open[] = {
	{ 0, TH_SYN, 0 }, { 1, TH_SYN | TH_ACK, 0 }, { 0, TH_ACK, 0 }, S_END,
};
static const struct script_pkt s_telnet[] = {
	{ 0, TH_SYN, 0 }, { 1, TH_SYN | TH_ACK, 0 }, { 0, TH_ACK, 0 },
	{ 0, TH_PSH | TH_ACK, P_TELNET_LOGIN }, { 1, TH_PSH | TH_ACK, P_TELNET_REPLY },
	{ 0, TH_FIN | TH_ACK, 0 }, { 1, TH_FIN | TH_ACK, 0 }, { 0, TH_ACK, 0 }, S_END,
};
static const struct script_pkt s_zorro[] = {
	{ 0, TH_SYN, 0 }, { 1, TH_SYN | TH_ACK, 0 }, { 0, TH_ACK, 0 },
	{ 0, TH_PSH | TH_ACK, P_TELNET_LOGIN }, { 1, TH_PSH | TH_ACK, P_TELNET_REPLY },
	{ 0, TH_PSH | TH_ACK, P_ZORRO_CMD }, { 1, TH_PSH | TH_ACK, P_ZORRO_OUT },
	{ 0, TH_FIN | TH_ACK, 0 }, { 1, TH_FIN | TH_ACK, 0 }, { 0, TH_ACK, 0 }, S_END,
};
/* After its last entry a slowloris connection repeats the final two packets. */
static const struct script_pkt s_slowloris[] = {
	{ 0, TH_SYN, 0 }, { 1, TH_SYN | TH_ACK, 0 }, { 0, TH_ACK, 0 },
	{ 0, TH_PSH | TH_ACK, P_HTTP_START }, { 1, TH_ACK, 0 },
	{ 0, TH_PSH | TH_ACK, P_HTTP_LINE }, { 1, TH_ACK, 0 }, S_END,
};

struct atk_info {
	const char *name;
	double packets_per_session;
	double rate;
	uint32_t sources;
};

static const struct atk_info atk_table[SN_ATK_COUNT] = {
	[SN_ATK_NEW_TCP_CONNS] = { "new_tcp_conns", 6, 120, 1 },
	[SN_ATK_SSH_BRUTE_FORCE] = { "ssh_brute_force", 8, 160, 1 },
	[SN_ATK_SUPERSPREADER] = { "superspreader", 1, 100, 1 },
	[SN_ATK_PORT_SCAN] = { "port_scan", 2, 100, 1 },
	[SN_ATK_DDOS] = { "ddos", 1, 500, 200 },
	[SN_ATK_SYN_FLOOD] = { "syn_flood", 1, 1000, 1 },
	[SN_ATK_INCOMPLETE_FLOWS] = { "incomplete_flows", 3, 90, 1 },
	[SN_ATK_SLOWLORIS] = { "slowloris", 1, 150, 1 },
	[SN_ATK_DNS_TUNNELING] = { "dns_tunneling", 2, 100, 1 },
	[SN_ATK_ZORRO] = { "zorro", 8, 160, 64 },
	[SN_ATK_DNS_REFLECTION] = { "dns_reflection", 2, 400, 100 },
};

const char *sn_attack_name(enum sn_attack_kind kind)
{
	return (unsigned int)kind < SN_ATK_COUNT ? atk_table[kind].name : NULL;
}

int sn_attack_parse(const char *name)
{
	for (int k = 0; k < SN_ATK_COUNT; k++)
		if (!strcmp(name, atk_table[k].name))
			return k;
	return -1;
}

double atk_packets_per_session(enum sn_attack_kind kind)
{
	return atk_table[kind].packets_per_session;
}

/* Fill the unset fields of a: victims in 100.64.0.0/10, attackers in 198.18.0.0/15, one
 * 15-second slot per enabled attack, so that attacks share neither hosts nor time. */
void atk_defaults(enum sn_attack_kind kind, unsigned int slot, struct sn_gen_attack *a)
{
	if (!a->victim)
		a->victim = kind == SN_ATK_SUPERSPREADER ? 0x64410000 + (slot << 16)
							 : 0x64400000 + 10 + slot;
	if (!a->attacker)
		a->attacker = 0xc6120000 + (slot << 12) + 1;
	if (!a->sources)
		a->sources = atk_table[kind].sources;
	if (a->start < 0)
		a->start = 10.0 + 15.0 * slot;
	if (a->duration <= 0)
		a->duration = 10.0;
	if (a->rate <= 0)
		a->rate = atk_table[kind].rate;
}

static const struct script_pkt *script_of(enum sn_attack_kind kind, int keyword)
{
	switch (kind) {
	case SN_ATK_NEW_TCP_CONNS:
		return s_conn;
	case SN_ATK_SSH_BRUTE_FORCE:
		return s_ssh;
	case SN_ATK_SUPERSPREADER:
		return s_probe;
	case SN_ATK_PORT_SCAN:
		return s_scan;
	case SN_ATK_INCOMPLETE_FLOWS:
		return s_half_open;
	case SN_ATK_SLOWLORIS:
		return s_slowloris;
	case SN_ATK_ZORRO:
		return keyword ? s_zorro : s_telnet;
	default:
		return NULL;
	}
}

/* A source address that belongs to none of the generator's own ranges. */
static uint32_t spoofed_addr(struct gen_rng *r)
{
	for (;;) {
		uint32_t a = (uint32_t)rng_u64(r);
		uint8_t o = (uint8_t)(a >> 24);

		if (o == 0 || o == 10 || o == 100 || o == 127 || o >= 198)
			continue;
		if ((a & 0xfff00000) == 0xac100000 || (a & 0xff) == 0 || (a & 0xff) == 255)
			continue;
		return a;
	}
}

static void init_session(struct gen *g, struct gen_flow *f, const struct sn_gen_attack *a,
			 enum sn_attack_kind kind, int keyword)
{
	uint32_t n = g->atk_cursor[kind]++;

	f->kind = FK_ATK_SESSION;
	f->attack = (int8_t)kind;
	f->step = 0;
	f->aux = keyword;
	f->a = a->attacker + (keyword ? 0 : n % a->sources);
	f->b = a->victim;
	f->pa = (uint16_t)(1024 + rng_below(&g->rng, 64000));
	f->pb = 80;
	f->seq_a = (uint32_t)rng_u64(&g->rng);
	f->seq_b = (uint32_t)rng_u64(&g->rng);
	f->rtt = 2000 + rng_below(&g->rng, 18000);
	f->qtype = 0;
	switch (kind) {
	case SN_ATK_SSH_BRUTE_FORCE:
		f->pb = 22;
		break;
	case SN_ATK_ZORRO:
		f->pb = 23;
		break;
	case SN_ATK_SUPERSPREADER:
		f->b = a->victim + 1 + n % SPREAD_DESTINATIONS;
		f->pb = 445;
		break;
	case SN_ATK_PORT_SCAN:
		f->pa = 40000;
		f->pb = (uint16_t)(1 + n % 65535);
		break;
	case SN_ATK_SYN_FLOOD:
		f->a = spoofed_addr(&g->rng);
		f->qtype = rng_below(&g->rng, 4) == 0 ? TH_ECE | TH_CWR : 0;
		break;
	case SN_ATK_DDOS:
		/* Ephemeral source ports, so that dissectors do not guess a protocol. */
		f->a = a->attacker + rng_below(&g->rng, a->sources);
		f->pa = (uint16_t)(49152 + rng_below(&g->rng, 16000));
		break;
	case SN_ATK_DNS_TUNNELING:
		f->pb = 53;
		f->qtype = rng_below(&g->rng, 2) ? DNS_TYPE_TXT : DNS_TYPE_NULL;
		break;
	case SN_ATK_DNS_REFLECTION:
		f->a = a->attacker + rng_below(&g->rng, a->sources);
		f->pa = 53;
		f->pb = 27015;
		f->qtype = (uint16_t)(rng_below(&g->rng, 2) ? 3000 : 900);
		break;
	default:
		break;
	}
}

/* Start one session of attack f->attack, or end the attack when its time is over. */
int atk_spawn_step(struct gen *g, uint32_t idx)
{
	struct gen_flow *spawner = &g->sched.pool[idx];
	enum sn_attack_kind kind = (enum sn_attack_kind)spawner->attack;
	const struct sn_gen_attack *a = &g->opts->attacks[kind];
	uint64_t end = (uint64_t)((a->start + a->duration) * US_PER_SEC);
	double interval = atk_table[kind].packets_per_session * US_PER_SEC / a->rate;
	int keyword = 0;
	struct gen_flow *f;
	int err;

	if (kind == SN_ATK_SLOWLORIS) {
		/* All connections open within the first fifth of the attack, at most 2 s. */
		double open_us = fmin(a->duration * 0.2, 2.0) * US_PER_SEC;

		interval = open_us / fmax(a->rate, 1.0);
		end = (uint64_t)(a->start * US_PER_SEC + open_us);
	}
	if (kind == SN_ATK_ZORRO) {
		end = (uint64_t)((a->start + ZORRO_BRUTE_SHARE * a->duration) * US_PER_SEC);
		keyword = g->now >= end;
	}
	if (g->now >= end && !keyword)
		return STEP_DONE;
	err = gen_spawn(g, g->now, &f, NULL);
	if (err)
		return err;
	init_session(g, f, a, kind, keyword);
	g->res->attacks[kind].sessions++;
	spawner = &g->sched.pool[idx];
	if (keyword)
		return STEP_DONE;
	spawner->t = g->now + (uint64_t)(interval * (0.9 + 0.2 * rng_unit(&g->rng))) + 1;
	if (kind == SN_ATK_ZORRO && spawner->t > end)
		spawner->t = end;
	return STEP_AGAIN;
}

static uint32_t payload_bytes(struct gen *g, struct gen_flow *f, uint8_t id, uint8_t *out)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	int n = 0;

	switch (id) {
	case P_SSH_LOGIN: /* an encrypted password attempt: always 84 bytes */
		memcpy(out, g->pat->bytes[1] + (f->seq_a & 0xff), 84);
		return 84;
	case P_SSH_REPLY:
		memcpy(out, g->pat->bytes[2] + (f->seq_b & 0xff), 52);
		return 52;
	case P_TELNET_LOGIN: /* "root" and an 8-character password: always 32 bytes */
		n = snprintf((char *)out, 64, "login: root\r\npassword: ");
		for (int i = 0; i < 8; i++)
			out[n++] = (uint8_t)alnum[rng_below(&g->rng, 36)];
		out[n++] = '\r';
		out[n++] = '\n';
		return (uint32_t)n;
	case P_TELNET_REPLY:
		return (uint32_t)snprintf((char *)out, 64, "Login incorrect\r\n");
	case P_ZORRO_CMD:
		return (uint32_t)snprintf((char *)out, 64, "echo zorro\r\n");
	case P_ZORRO_OUT:
		return (uint32_t)snprintf((char *)out, 64, "zorro\r\n$ ");
	case P_HTTP_START:
		return (uint32_t)snprintf((char *)out, 64, "GET /?%u HTTP/1.1\r\n", f->seq_a % 9999);
	case P_HTTP_LINE:
		return (uint32_t)snprintf((char *)out, 64, "X-a: %u\r\n", rng_below(&g->rng, 5000));
	default:
		return 0;
	}
}

static void script_emit(struct gen *g, struct gen_flow *f, const struct script_pkt *p)
{
	struct pkt_ip ip = { .id = g->ipid++, .ttl = p->from_server ? 60 : 64 };
	struct pkt_tcp t = { .flags = p->flags };
	uint8_t pay[96];
	uint32_t paylen = payload_bytes(g, f, p->payload, pay), len;
	uint32_t *seq = p->from_server ? &f->seq_b : &f->seq_a;

	if (f->attack == SN_ATK_SYN_FLOOD)
		t.flags |= (uint8_t)f->qtype;
	ip.src = p->from_server ? f->b : f->a;
	ip.dst = p->from_server ? f->a : f->b;
	t.sport = p->from_server ? f->pb : f->pa;
	t.dport = p->from_server ? f->pa : f->pb;
	t.seq = *seq;
	t.ack = (p->flags & TH_ACK) ? (p->from_server ? f->seq_a : f->seq_b) : 0;
	len = pkt_tcp(g->frame, &ip, &t, pay, paylen);
	*seq += paylen + ((p->flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	gen_emit(g, f->attack, len);
}

static int script_step(struct gen *g, struct gen_flow *f)
{
	const struct script_pkt *s = script_of((enum sn_attack_kind)f->attack, (int)f->aux);
	const struct sn_gen_attack *a = &g->opts->attacks[f->attack];

	script_emit(g, f, &s[f->step]);
	f->step++;
	if (s[f->step].from_server != 2) {
		f->t = g->now + f->rtt / 2;
		return STEP_AGAIN;
	}
	if (f->attack != SN_ATK_SLOWLORIS)
		return STEP_DONE;
	/* Slowloris: keep trickling header lines until the attack ends, never close. */
	f->step -= 2;
	f->t = g->now + SLOWLORIS_LINE_US - f->rtt / 2;
	if (f->t >= (uint64_t)((a->start + a->duration) * US_PER_SEC))
		return STEP_DONE;
	return STEP_AGAIN;
}

/* Three labels of 50-63 base32 characters: like iodine, the tunnel fills the
 * name close to the 255-byte limit with encoded data. */
static void tunnel_name(struct gen *g, char *name)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint32_t i = 0;

	for (int label = 0; label < 3; label++) {
		uint32_t n = 50 + rng_below(&g->rng, 14);

		if (label)
			name[i++] = '.';
		for (uint32_t j = 0; j < n; j++)
			name[i++] = b32[rng_below(&g->rng, 32)];
	}
	memcpy(name + i, ".t.tunnel.example", sizeof(".t.tunnel.example"));
}

static int tunnel_step(struct gen *g, struct gen_flow *f)
{
	struct pkt_ip ip = { .id = g->ipid++ };
	char name[256];
	uint8_t rdata[200];
	uint32_t mlen, len;
	uint16_t id = (uint16_t)f->seq_a;

	/* The name is drawn again for the response from a copy of the query's state. */
	if (!f->step)
		f->seq_b = (uint32_t)rng_u64(&g->rng);
	{
		struct gen_rng saved = g->rng;

		rng_seed(&g->rng, f->seq_b);
		tunnel_name(g, name);
		for (int i = 1; i < 160; i++)
			rdata[i] = (uint8_t)('a' + rng_below(&g->rng, 26));
		g->rng = saved;
	}
	rdata[0] = 159; /* one TXT character-string of 159 bytes */
	if (!f->step)
		mlen = dns_query(g->scratch, id, name, f->qtype);
	else
		mlen = dns_answer(g->scratch, id, name, f->qtype, rdata, 160, 1);
	ip.src = f->step ? f->b : f->a;
	ip.dst = f->step ? f->a : f->b;
	len = pkt_udp(g->frame, &ip, f->step ? 53 : f->pa, f->step ? f->pa : 53, g->scratch, mlen);
	gen_emit(g, f->attack, len);
	if (f->step++)
		return STEP_DONE;
	f->t = g->now + f->rtt;
	return STEP_AGAIN;
}

/* A large response, cut into 1480-byte IP fragments when it exceeds a 1500-byte MTU. */
static int reflection_step(struct gen *g, struct gen_flow *f)
{
	struct pkt_ip ip = { .id = (uint16_t)f->seq_b, .proto = 17, .src = f->a, .dst = f->b };
	uint8_t *dgram = g->scratch;
	uint32_t dlen, off = f->aux, chunk, len, mlen;
	struct gen_rng local;

	/* Other flows reuse the scratch buffer between two fragments, so every step builds
	 * the same datagram again from the session's own random state. */
	rng_seed(&local, f->seq_b);
	mlen = dns_reflection(dgram + 8, (uint16_t)f->seq_a, "example.org", f->qtype, &local);
	dlen = pkt_udp_datagram(dgram, f->a, f->b, f->pa, f->pb, dgram + 8, mlen);
	chunk = dlen - off > 1480 ? 1480 : dlen - off;
	if (!off && chunk == dlen) {
		ip.proto = 17;
		len = pkt_udp(g->frame, &ip, f->pa, f->pb, dgram + 8, dlen - 8);
	} else {
		len = pkt_ip_fragment(g->frame, &ip, dgram + off, chunk, off, off + chunk < dlen);
	}
	gen_emit(g, f->attack, len);
	f->aux = off + chunk;
	f->step++;
	if (f->aux >= dlen)
		return STEP_DONE;
	f->t = g->now + 5;
	return STEP_AGAIN;
}

static int udp_flood_step(struct gen *g, struct gen_flow *f)
{
	struct pkt_ip ip = { .id = g->ipid++, .src = f->a, .dst = f->b };
	uint32_t paylen = 64 + (f->seq_a % 448);
	uint32_t len = pkt_udp(g->frame, &ip, f->pa, f->pb, g->pat->bytes[3], paylen);

	gen_emit(g, f->attack, len);
	return STEP_DONE;
}

int atk_session_step(struct gen *g, struct gen_flow *f)
{
	switch (f->attack) {
	case SN_ATK_DDOS:
		return udp_flood_step(g, f);
	case SN_ATK_DNS_TUNNELING:
		return tunnel_step(g, f);
	case SN_ATK_DNS_REFLECTION:
		return reflection_step(g, f);
	case SN_ATK_SYN_FLOOD:
		script_emit(g, f, &s_probe[0]);
		return STEP_DONE;
	default:
		return script_step(g, f);
	}
}
