/* Decoded packet: the fields that telemetry queries read, filled by the decoder. */
#ifndef SONATA_PACKET_H
#define SONATA_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bits of sn_packet.layers: which headers the decoder found. */
enum sn_layer {
	SN_L_ETH = 1u << 0,
	SN_L_VLAN = 1u << 1,  /* one or more 802.1Q / 802.1ad tags */
	SN_L_MPLS = 1u << 2,  /* one or more MPLS labels */
	SN_L_SLL = 1u << 3,   /* Linux cooked capture v1 or v2 */
	SN_L_IP4 = 1u << 4,
	SN_L_IP6 = 1u << 5,
	SN_L_FRAG = 1u << 6,  /* the IP packet is a fragment */
	SN_L_REASM = 1u << 7, /* this packet completed a reassembled datagram */
	SN_L_TCP = 1u << 8,
	SN_L_UDP = 1u << 9,
	SN_L_ICMP = 1u << 10,
	SN_L_ICMP6 = 1u << 11,
	SN_L_DNS = 1u << 12,
	SN_L_QUOTE = 1u << 13, /* an ICMP error quoting an IP header (see sn_packet.quote) */
	SN_L_ARP = 1u << 14,
};

/* An IP address of either family; IPv4 uses bytes 0..3 and leaves the rest zero. */
struct sn_addr {
	uint8_t family; /* 4 or 6; 0 when absent */
	uint8_t bytes[16];
};

/* TCP flag bits of the flags byte. */
#define SN_TCP_FIN 0x01
#define SN_TCP_SYN 0x02
#define SN_TCP_RST 0x04
#define SN_TCP_PSH 0x08
#define SN_TCP_ACK 0x10
#define SN_TCP_URG 0x20
#define SN_TCP_ECE 0x40
#define SN_TCP_CWR 0x80

/* DNS resource record sections. */
enum sn_dns_section { SN_DNS_AN = 1, SN_DNS_NS = 2, SN_DNS_AR = 3 };

#define SN_DNS_NAME_MAX 1024 /* text form, with \DDD escapes for odd bytes */
#define SN_DNS_MAX_RR 64     /* records kept per message; the rest are counted */

struct sn_dns_rr {
	uint8_t section; /* enum sn_dns_section */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	struct sn_addr addr; /* A / AAAA data; family 0 for other types */
	uint16_t name_off;   /* offset of the owner name in sn_dns.names */
};

struct sn_dns {
	uint16_t id;
	uint16_t flags; /* QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode as on the wire */
	uint16_t qdcount, ancount, nscount, arcount;
	bool has_question;
	uint16_t qtype, qclass;
	uint16_t qname_len;
	char qname[SN_DNS_NAME_MAX];
	uint16_t n_rr;       /* records in rr[] */
	uint16_t rr_skipped; /* records parsed but not kept (beyond SN_DNS_MAX_RR) */
	struct sn_dns_rr rr[SN_DNS_MAX_RR];
	uint32_t names_len;
	char names[SN_DNS_MAX_RR * 256]; /* NUL-terminated owner names of rr[] */
};

/* Header of the packet quoted inside an ICMP or ICMPv6 error. */
struct sn_quote {
	uint8_t proto;
	struct sn_addr src, dst;
	uint16_t sport, dport; /* 0 when the quote is too short to hold them */
};

struct sn_packet {
	/* Set by the capture layer. */
	uint64_t ts_ns;    /* capture time, nanoseconds since the epoch */
	uint32_t caplen;   /* bytes in data */
	uint32_t wirelen;  /* bytes on the wire */
	int linktype;      /* DLT_* value of the interface */
	const uint8_t *data;

	/* Set by the decoder. */
	uint32_t layers; /* enum sn_layer bits */
	uint16_t ethertype;
	uint8_t vlan_count;
	uint16_t vlan_id;  /* outermost tag */
	uint8_t mpls_count;
	uint32_t mpls_label; /* outermost label */

	uint8_t ip_version; /* 4, 6 or 0 */
	struct sn_addr src, dst;
	uint8_t proto;      /* transport protocol after IPv6 extension headers */
	uint8_t ttl;        /* TTL or hop limit */
	uint8_t tos;        /* IPv4 TOS or IPv6 traffic class */
	uint8_t ihl;        /* IPv4 header length in bytes (options included) */
	uint16_t ip_len;    /* IPv4 total length; IPv6 payload length + 40 */
	uint32_t ip_id;     /* IPv4 identification or IPv6 fragment identification */
	uint16_t frag_off;  /* fragment offset in bytes */
	bool more_frags;
	bool dont_frag;

	uint16_t sport, dport;
	uint8_t tcp_flags;   /* the whole flags byte: CWR ECE URG ACK PSH RST SYN FIN */
	uint8_t tcp_hlen;    /* data offset in bytes */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_window;
	uint16_t udp_len;
	uint8_t icmp_type, icmp_code;
	struct sn_quote quote; /* valid when layers has SN_L_QUOTE */

	const uint8_t *payload; /* L4 payload (the reassembled one for SN_L_REASM) */
	uint32_t payload_len;

	struct sn_dns *dns; /* valid when layers has SN_L_DNS; owned by the decoder */
};

static inline bool sn_packet_has(const struct sn_packet *pkt, uint32_t layers)
{
	return (pkt->layers & layers) == layers;
}

#endif
