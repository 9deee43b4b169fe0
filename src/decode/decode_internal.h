/* Decoder internals shared by the files of src/decode: one decode step per layer. */
#ifndef SONATA_DECODE_INTERNAL_H
#define SONATA_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "sonata/decode.h"

/* IP protocol numbers and extension header types read by the decoder. */
#define SN_IPPROTO_HOPOPTS 0
#define SN_IPPROTO_ICMP 1
#define SN_IPPROTO_TCP 6
#define SN_IPPROTO_UDP 17
#define SN_IPPROTO_ROUTING 43
#define SN_IPPROTO_FRAGMENT 44
#define SN_IPPROTO_ESP 50
#define SN_IPPROTO_AH 51
#define SN_IPPROTO_ICMPV6 58
#define SN_IPPROTO_NONE 59
#define SN_IPPROTO_DSTOPTS 60
#define SN_IPPROTO_SCTP 132

#define SN_ETH_IP4 0x0800
#define SN_ETH_ARP 0x0806
#define SN_ETH_VLAN 0x8100
#define SN_ETH_IP6 0x86dd
#define SN_ETH_MPLS 0x8847
#define SN_ETH_MPLS_MC 0x8848
#define SN_ETH_QINQ 0x88a8
#define SN_ETH_QINQ_OLD 0x9100

static inline uint16_t sn_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t sn_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* link.c: the link header, then the IP layer through sn_decode_l3. */
enum sn_malformed sn_decode_link(struct sn_decoder *dec, struct sn_packet *pkt);

/* decode.c: dispatch on the IP version nibble, without resetting pkt. */
enum sn_malformed sn_decode_l3(struct sn_decoder *dec, struct sn_packet *pkt,
			       const uint8_t *data, uint32_t len);

/* decode.c: dispatch on the transport protocol number. */
enum sn_malformed sn_decode_l4(struct sn_decoder *dec, struct sn_packet *pkt, uint8_t proto,
			       const uint8_t *data, uint32_t len);

/* decode.c: parse a DNS message into dec->dns and point pkt->dns at it. */
enum sn_malformed sn_decode_dns(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *msg, uint32_t len);

enum sn_malformed sn_decode_ip4(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *data, uint32_t len);
enum sn_malformed sn_decode_ip6(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *data, uint32_t len);
enum sn_malformed sn_decode_tcp(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *data, uint32_t len);
enum sn_malformed sn_decode_udp(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *data, uint32_t len);
enum sn_malformed sn_decode_icmp(struct sn_packet *pkt, const uint8_t *data, uint32_t len,
				 bool v6);

/* ipv6.c: the result of walking an IPv6 extension header chain. */
struct sn_ip6_chain {
	uint8_t proto;      /* first header that is not an extension header */
	uint32_t off;       /* offset of that header from the start of the walk */
	bool frag;          /* a fragment header was found */
	uint32_t frag_hdr_end; /* offset just past the fragment header */
	uint16_t frag_off;  /* fragment offset in bytes */
	bool more_frags;
	uint32_t frag_id;
};

/* Walk the extension headers that start at data with type nh, stopping at a
 * fragment header whose fragment offset is not 0. Returns SN_MAL_IP6_EXT when
 * a header runs past len. */
enum sn_malformed sn_ip6_walk(uint8_t nh, const uint8_t *data, uint32_t len,
			      struct sn_ip6_chain *chain);

/* reasm.c: IP fragment reassembly. */
struct sn_reasm_key {
	uint8_t family;
	uint8_t proto; /* IPv4 only; 0 for IPv6 */
	uint32_t id;
	uint8_t src[16], dst[16];
};

struct sn_reasm *sn_reasm_new(void);
void sn_reasm_free(struct sn_reasm *r);

/* Add one fragment (its payload after the IP header). When it completes a
 * datagram, returns 1 and sets *out and *out_len to the reassembled payload,
 * valid until the next call. Returns 0 while the datagram is incomplete, or
 * a negative value after an overlap or a datagram beyond 65535 bytes; the
 * datagram is then dropped. */
int sn_reasm_add(struct sn_reasm *r, const struct sn_reasm_key *key, uint64_t ts_ns,
		 uint32_t off, bool more, const uint8_t *data, uint32_t len,
		 const uint8_t **out, uint32_t *out_len);

#endif
