/* Traffic generator: background traffic with labelled attacks, written as pcap. */
#ifndef SONATA_GEN_H
#define SONATA_GEN_H

#include <stdint.h>

/* The attack kinds, in the order that `--attack all` schedules them. */
enum sn_attack_kind {
	SN_ATK_NEW_TCP_CONNS = 0,
	SN_ATK_SSH_BRUTE_FORCE,
	SN_ATK_SUPERSPREADER,
	SN_ATK_PORT_SCAN,
	SN_ATK_DDOS,
	SN_ATK_SYN_FLOOD,
	SN_ATK_INCOMPLETE_FLOWS,
	SN_ATK_SLOWLORIS,
	SN_ATK_DNS_TUNNELING,
	SN_ATK_ZORRO,
	SN_ATK_DNS_REFLECTION,
	SN_ATK_COUNT
};

/* Settings of one attack. A zero address, start below 0, duration or rate of 0 and
 * sources of 0 mean "use the default" (see sn_gen_resolve). Addresses are IPv4 in
 * host byte order. Times are seconds after the capture start. */
struct sn_gen_attack {
	int enabled;
	uint32_t victim;
	uint32_t attacker; /* first attacker address; sources counts up from it */
	uint32_t sources;  /* distinct attacker addresses */
	double start;
	double duration;
	double rate;       /* packets per second, replies included */
};

/* Generator options. sn_gen_defaults fills every field. */
struct sn_gen_opts {
	const char *out_path;  /* OUT.pcap; the truth goes to OUT.truth.json */
	uint64_t packets;      /* stop after this many packets; 0: no limit */
	double duration;       /* seconds of capture; 0: derived from the attacks */
	double rate;           /* background packets per second */
	uint32_t hosts;        /* client hosts */
	uint32_t servers;      /* servers; 0: hosts / 4, at least 8 */
	uint32_t resolvers;    /* DNS resolvers */
	double zipf;           /* exponent of server popularity */
	uint64_t seed;
	uint32_t snaplen;
	uint64_t start_sec;    /* epoch seconds of the first timestamp */
	struct sn_gen_attack attacks[SN_ATK_COUNT];
};

/* Counts of one generated attack, as written to the truth file. */
struct sn_gen_attack_result {
	uint64_t packets;
	uint64_t syn;       /* packets with SYN set and ACK clear */
	uint64_t sessions;  /* connections, queries or probes started */
	uint64_t fragments; /* IP fragments (dns_reflection) */
	uint64_t first_us;  /* microseconds after the capture start */
	uint64_t last_us;
};

/* Counts and timing of one run. */
struct sn_gen_result {
	uint64_t packets;
	uint64_t bytes;           /* captured bytes, record headers excluded */
	uint64_t bg_packets;
	uint64_t bg_flows;
	uint64_t budget_overflows; /* background flows that exceeded a host's budget */
	uint64_t end_us;           /* time of the last packet after the start */
	double seconds;            /* wall-clock time of the run */
	struct sn_gen_attack_result attacks[SN_ATK_COUNT];
};

/* Name of an attack kind as used on the command line ("syn_flood"), or NULL. */
const char *sn_attack_name(enum sn_attack_kind kind);

/* Kind for a name, or -1 when the name is not one of the eleven. */
int sn_attack_parse(const char *name);

/* Fill opts with the default background and no attacks. */
void sn_gen_defaults(struct sn_gen_opts *opts);

/* Replace the "use the default" values of enabled attacks and of the duration
 * with concrete values. Enabled attacks without a start get consecutive,
 * non-overlapping slots. sn_gen_run calls it, and callers may call it to inspect the values. */
void sn_gen_resolve(struct sn_gen_opts *opts);

/* Write opts->out_path and its truth file. Returns 0 or a negative errno, and logs the
 * error with the failing value. res may be NULL. */
int sn_gen_run(struct sn_gen_opts *opts, struct sn_gen_result *res);

/* Format addr (host byte order) as dotted quad into buf of at least 16 bytes. */
const char *sn_gen_addr_str(uint32_t addr, char *buf);

#endif
