/* Packet decoder: link layer to DNS, with malformed-packet counters. */
#ifndef SONATA_DECODE_H
#define SONATA_DECODE_H

#include <stdint.h>

#include "sonata/packet.h"

/* Why a packet could not be decoded in full. A malformed packet is data: the
 * decoder keeps every layer it read before the problem and counts the reason. */
enum sn_malformed {
	SN_MAL_NONE = 0,
	SN_MAL_LINK_TRUNC,      /* link header shorter than its fixed size */
	SN_MAL_LINK_UNKNOWN,    /* link type this decoder does not read */
	SN_MAL_VLAN_TRUNC,
	SN_MAL_MPLS_TRUNC,
	SN_MAL_IP4_TRUNC,       /* fewer than 20 bytes, or less than the header length */
	SN_MAL_IP4_HLEN,        /* header length field below 20 bytes */
	SN_MAL_IP4_VERSION,
	SN_MAL_IP4_LEN,         /* total length below the header length */
	SN_MAL_IP6_TRUNC,
	SN_MAL_IP6_EXT,         /* extension header chain runs past the packet */
	SN_MAL_TCP_TRUNC,
	SN_MAL_TCP_HLEN,        /* data offset below 20 or past the packet end */
	SN_MAL_UDP_TRUNC,
	SN_MAL_UDP_LEN,         /* length field below 8 */
	SN_MAL_ICMP_TRUNC,
	SN_MAL_DNS_TRUNC,       /* message ends inside a header, name or record */
	SN_MAL_DNS_LABEL,       /* bad label type or length */
	SN_MAL_DNS_POINTER,     /* compression pointer loop or pointer past the end */
	SN_MAL_DNS_NAME_LEN,    /* name longer than 255 bytes */
	SN_MAL_FRAG_OVERLAP,    /* IP fragments that overlap or exceed 65535 bytes */
	SN_MAL_COUNT
};

/* Name of a reason, for summaries: "truncated IPv4 header", ... */
const char *sn_malformed_name(enum sn_malformed reason);

struct sn_decode_opts {
	int reassemble; /* 1 (default): reassemble IP fragments as tshark does */
};

struct sn_reasm; /* IP fragment reassembly state (decode/reasm.c) */

struct sn_decoder {
	struct sn_decode_opts opts;
	uint64_t packets;
	uint64_t malformed[SN_MAL_COUNT];
	uint64_t malformed_total;
	struct sn_reasm *reasm;
	struct sn_dns dns; /* the DNS message of the current packet */
};

int sn_decoder_init(struct sn_decoder *dec, const struct sn_decode_opts *opts);
void sn_decoder_free(struct sn_decoder *dec);

/* Decode pkt->data (caplen bytes, link type pkt->linktype) into the fields of
 * pkt. Returns SN_MAL_NONE or the first malformation found; the fields of
 * the layers decoded before it stay valid. Pointers in pkt (payload, dns) stay
 * valid until the next call. */
enum sn_malformed sn_decode(struct sn_decoder *dec, struct sn_packet *pkt);

/* Decode an IP packet that starts at data (no link header). */
enum sn_malformed sn_decode_ip(struct sn_decoder *dec, struct sn_packet *pkt,
			       const uint8_t *data, uint32_t len);

/* Parse a DNS message into dns. Returns SN_MAL_NONE or the reason. */
enum sn_malformed sn_dns_parse(const uint8_t *msg, uint32_t len, struct sn_dns *dns);

#endif
