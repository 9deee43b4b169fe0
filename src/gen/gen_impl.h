/* Internal interfaces of the traffic generator (src/gen). */
#ifndef SONATA_GEN_IMPL_H
#define SONATA_GEN_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sonata/gen.h"

#define US_PER_SEC 1000000ull

/* rng.c: xoshiro256** seeded through splitmix64. */
struct gen_rng {
	uint64_t s[4];
};

void rng_seed(struct gen_rng *r, uint64_t seed);
uint64_t rng_u64(struct gen_rng *r);
uint32_t rng_below(struct gen_rng *r, uint32_t n);
double rng_unit(struct gen_rng *r);
double rng_exp(struct gen_rng *r, double mean);
double rng_pareto(struct gen_rng *r, double xmin, double alpha);

/* Zipf sampler over ranks 0..n-1 with weight (rank + 1)^-s. */
struct gen_zipf {
	double *cdf;
	uint32_t n;
};

int zipf_init(struct gen_zipf *z, uint32_t n, double s);
uint32_t zipf_sample(struct gen_zipf *z, struct gen_rng *r);
void zipf_free(struct gen_zipf *z);

/* pcapw.c: classic pcap, microsecond timestamps, Ethernet link type. */
struct pcap_writer {
	FILE *fp;
	char *buf;
	uint32_t snaplen;
	uint64_t start_sec;
};

int pcapw_open(struct pcap_writer *w, const char *path, uint32_t snaplen, uint64_t start_sec);
void pcapw_write(struct pcap_writer *w, uint64_t t_us, const uint8_t *data, uint32_t len);
int pcapw_close(struct pcap_writer *w);

/* pkt.c: frame builders. Every builder returns the frame length. */
#define GEN_FRAME_MAX 65600
#define GEN_PATTERNS 8
#define GEN_PATTERN_LEN 1500

struct pkt_ip {
	uint32_t src, dst; /* host byte order */
	uint16_t id;
	uint8_t ttl;
	uint8_t proto;
};

struct pkt_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
};

/* Bulk payloads: fixed random bytes with precomputed checksum prefix sums. */
struct gen_patterns {
	uint8_t bytes[GEN_PATTERNS][GEN_PATTERN_LEN];
	uint32_t prefix[GEN_PATTERNS][GEN_PATTERN_LEN + 1];
};

void patterns_init(struct gen_patterns *p, struct gen_rng *r);
uint32_t csum_add(uint32_t sum, const uint8_t *data, size_t len);
uint32_t pkt_tcp(uint8_t *frame, const struct pkt_ip *ip, const struct pkt_tcp *tcp,
		 const uint8_t *pay, uint32_t paylen);
uint32_t pkt_tcp_pattern(uint8_t *frame, const struct pkt_ip *ip, const struct pkt_tcp *tcp,
			 const struct gen_patterns *p, unsigned int which, uint32_t paylen);
uint32_t pkt_udp(uint8_t *frame, const struct pkt_ip *ip, uint16_t sport, uint16_t dport,
		 const uint8_t *pay, uint32_t paylen);
uint32_t pkt_icmp_echo(uint8_t *frame, const struct pkt_ip *ip, int reply, uint16_t ident,
		       uint16_t seq, const uint8_t *pay, uint32_t paylen);
uint32_t pkt_udp_datagram(uint8_t *dgram, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport, const uint8_t *pay, uint32_t paylen);
uint32_t pkt_ip_fragment(uint8_t *frame, const struct pkt_ip *ip, const uint8_t *data,
			 uint32_t len, uint32_t offset, int more);

/* dns.c: DNS messages. */
#define DNS_TYPE_A 1
#define DNS_TYPE_NULL 10
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_RRSIG 46
#define DNS_TYPE_ANY 255

uint32_t dns_query(uint8_t *msg, uint16_t id, const char *name, uint16_t qtype);
uint32_t dns_answer(uint8_t *msg, uint16_t id, const char *name, uint16_t qtype,
		    const uint8_t *rdata, uint16_t rdlen, uint16_t count);
uint32_t dns_reflection(uint8_t *msg, uint16_t id, const char *name, uint32_t size,
			struct gen_rng *r);

/* sched.c: flow pool and binary heap ordered by next packet time. */
enum flow_kind {
	FK_BG_SPAWN,
	FK_BG_TCP,
	FK_BG_DNS,
	FK_BG_ICMP,
	FK_ATK_SPAWN,
	FK_ATK_SESSION,
};

struct gen_flow {
	uint64_t t;       /* next packet, microseconds after the capture start */
	uint8_t kind;     /* enum flow_kind */
	int8_t attack;    /* enum sn_attack_kind of attack flows */
	uint8_t pattern;
	uint8_t dns_first; /* background TCP flow begins with a DNS lookup */
	uint16_t step;
	uint16_t qtype;
	uint32_t a, b;    /* initiator (client, attacker) and responder addresses */
	uint16_t pa, pb;  /* their ports */
	uint32_t seq_a, seq_b;
	uint32_t left;    /* packets still to send in the current phase */
	uint32_t total;
	uint32_t rtt;     /* microseconds */
	uint32_t gap;     /* microseconds between data packets */
	uint32_t aux;
};

struct gen_sched {
	struct gen_flow *pool;
	uint32_t *heap;
	uint32_t *free_list;
	uint32_t cap, used, nfree;
};

int sched_init(struct gen_sched *s, uint32_t cap);
void sched_free(struct gen_sched *s);
/* Allocate a flow slot. Returns its index or -ENOMEM; the pool may move. */
int64_t sched_alloc(struct gen_sched *s);
void sched_release(struct gen_sched *s, uint32_t idx);
void sched_push(struct gen_sched *s, uint32_t idx);
uint32_t sched_pop(struct gen_sched *s);

/* Per-second connection budget of one host (see background.c). */
struct host_budget {
	uint32_t second;
	uint16_t used;
};

/* gen.c: the run state shared by the flow steps. */
struct gen {
	struct sn_gen_opts *opts;
	struct sn_gen_result *res;
	struct gen_rng rng;
	struct gen_zipf zipf;
	struct gen_sched sched;
	struct pcap_writer pw;
	struct gen_patterns *pat;
	struct host_budget *client_budget, *server_budget, *resolver_budget;
	uint8_t *frame;
	uint8_t *scratch;   /* DNS messages and UDP datagrams before framing */
	uint64_t now;
	uint16_t ipid;
	double bg_flow_interval_us;
	uint32_t bg_packets_per_flow_x100;
	uint32_t atk_cursor[SN_ATK_COUNT];
	int err;
};

/* Write one frame at g->now; attack < 0 is background. */
void gen_emit(struct gen *g, int attack, uint32_t len);
int gen_spawn(struct gen *g, uint64_t t, struct gen_flow **out, uint32_t *out_idx);

/* background.c */
void bg_init_rates(struct gen *g);
int bg_spawn_step(struct gen *g, uint32_t idx);
int bg_flow_step(struct gen *g, struct gen_flow *f);
uint32_t bg_client_addr(uint32_t i);
uint32_t bg_server_addr(uint32_t i);
uint32_t bg_resolver_addr(uint32_t i);

/* attacks.c */
double atk_packets_per_session(enum sn_attack_kind kind);
int atk_spawn_step(struct gen *g, uint32_t idx);
int atk_session_step(struct gen *g, struct gen_flow *f);
void atk_defaults(enum sn_attack_kind kind, unsigned int slot, struct sn_gen_attack *a);

/* truth.c */
int truth_write(const struct sn_gen_opts *opts, const struct sn_gen_result *res);

/* Return values of the step functions. */
#define STEP_AGAIN 0
#define STEP_DONE 1

#endif
