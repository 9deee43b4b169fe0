/* The field catalogue: every packet field a query can read. */
#ifndef SONATA_FIELDS_H
#define SONATA_FIELDS_H

#include <stddef.h>

#include "sonata/packet.h"
#include "sonata/value.h"

enum sn_field_id {
	SN_F_TS,          /* packet timestamp, seconds */
	SN_F_FRAME_LEN,   /* bytes on the wire */
	SN_F_ETH_TYPE,
	SN_F_VLAN_ID,
	SN_F_MPLS_LABEL,
	SN_F_IP_VERSION,
	SN_F_IP_SRC,      /* ip.src: IPv4 or IPv6 */
	SN_F_IP_DST,
	SN_F_IP_PROTO,    /* ip.proto: IPv4 protocol or IPv6 last next-header */
	SN_F_IP_TTL,
	SN_F_IP_LEN,
	SN_F_IP_TOS,
	SN_F_IP_ID,
	SN_F_IP_FRAG_OFF,
	SN_F_IP_MF,
	SN_F_IP_DF,
	SN_F_IPV4_SRC,
	SN_F_IPV4_DST,
	SN_F_IPV4_PROTO,
	SN_F_IPV4_TTL,
	SN_F_IPV4_LEN,
	SN_F_IPV4_IHL,
	SN_F_IPV4_TOS,
	SN_F_IPV4_ID,
	SN_F_IPV4_FRAG_OFF,
	SN_F_IPV6_SRC,
	SN_F_IPV6_DST,
	SN_F_IPV6_NEXT,
	SN_F_IPV6_HLIM,
	SN_F_IPV6_PLEN,
	SN_F_SPORT,       /* l4.sport: TCP or UDP */
	SN_F_DPORT,
	SN_F_TCP_SPORT,
	SN_F_TCP_DPORT,
	SN_F_TCP_FLAGS,
	SN_F_TCP_SEQ,
	SN_F_TCP_ACK,
	SN_F_TCP_WINDOW,
	SN_F_TCP_HLEN,
	SN_F_UDP_SPORT,
	SN_F_UDP_DPORT,
	SN_F_UDP_LEN,
	SN_F_ICMP_TYPE,
	SN_F_ICMP_CODE,
	SN_F_PAYLOAD,
	SN_F_PAYLOAD_LEN,
	SN_F_DNS_ID,
	SN_F_DNS_QR,
	SN_F_DNS_OPCODE,
	SN_F_DNS_AA,
	SN_F_DNS_TC,
	SN_F_DNS_RD,
	SN_F_DNS_RA,
	SN_F_DNS_RCODE,
	SN_F_DNS_QDCOUNT,
	SN_F_DNS_ANCOUNT,
	SN_F_DNS_NSCOUNT,
	SN_F_DNS_ARCOUNT,
	SN_F_DNS_QNAME,
	SN_F_DNS_QTYPE,
	SN_F_DNS_QNAME_LEN,
	SN_F_DNS_RR_TYPE,   /* dns.rr.type: type of a record in any section (multi) */
	SN_F_DNS_AN_TYPE,   /* multi-valued: one value per answer record */
	SN_F_DNS_AN_NAME,
	SN_F_DNS_AN_TTL,
	SN_F_DNS_AN_ADDR,   /* A / AAAA data of answers */
	SN_F_DNS_NS_TYPE,
	SN_F_DNS_AR_TYPE,
	SN_F_COUNT
};

enum sn_field_flags {
	SN_FF_SWITCH = 1u << 0, /* a switch parser can extract it (goes to a data plane) */
	SN_FF_MULTI = 1u << 1,  /* zero or more values per packet (DNS records) */
};

struct sn_field_def {
	enum sn_field_id id;
	const char *name;     /* canonical name, e.g. "ipv4.src" */
	const char *aliases;  /* space-separated other names, e.g. "ipv4.srcIP" */
	enum sn_type type;
	unsigned bits;        /* width on the wire; 0 for variable-length text */
	unsigned flags;       /* enum sn_field_flags */
	uint32_t layer;       /* sn_layer bits, one of which a packet needs for the field */
	const char *doc;
};

const struct sn_field_def *sn_field_by_id(enum sn_field_id id);
/* Look a name or alias up; NULL when unknown. */
const struct sn_field_def *sn_field_lookup(const char *name);
/* The known name closest to an unknown one (edit distance), for messages. */
const char *sn_field_suggest(const char *name);

/* Read value number idx (0 for single-valued fields) of field id from a
 * decoded packet. Returns 1 and fills out, or 0 when the packet lacks it.
 * Strings point into the packet or its DNS message. */
int sn_field_get(const struct sn_packet *pkt, enum sn_field_id id, unsigned idx,
		 struct sn_value *out);

#endif
