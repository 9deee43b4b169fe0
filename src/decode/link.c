/* Link layers: Ethernet with VLAN tags and MPLS, Linux cooked, raw IP, null/loopback. */
#include <pcap/dlt.h>

#include "decode/decode_internal.h"
#include "sonata/log.h"

/* The file header value for raw IP; libpcap maps it to DLT_RAW when it reads a file. */
#define LINKTYPE_RAW 101

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define MPLS_HLEN 4
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define NULL_HLEN 4
#define PW_CW_LEN 4

/* BSD address family values for IPv6 in DLT_NULL headers (Linux uses 10). */
#define NULL_AF_INET 2
#define NULL_AF_INET6_LINUX 10
#define NULL_AF_INET6_BSD 24
#define NULL_AF_INET6_FREEBSD 28
#define NULL_AF_INET6_DARWIN 30

static enum sn_malformed decode_eth(struct sn_decoder *dec, struct sn_packet *pkt,
				    const uint8_t *p, uint32_t len);

/* MPLS labels; the payload type comes from the first nibble after the bottom label. */
static enum sn_malformed decode_mpls(struct sn_decoder *dec, struct sn_packet *pkt,
				     const uint8_t *p, uint32_t len)
{
	uint32_t entry;

	pkt->layers |= SN_L_MPLS;
	do {
		if (len < MPLS_HLEN)
			return SN_MAL_MPLS_TRUNC;
		entry = sn_get32(p);
		if (pkt->mpls_count == 0)
			pkt->mpls_label = entry >> 12;
		if (pkt->mpls_count < UINT8_MAX)
			pkt->mpls_count++;
		p += MPLS_HLEN;
		len -= MPLS_HLEN;
	} while (!(entry & 0x100));

	if (len < 1)
		return SN_MAL_NONE;
	switch (p[0] >> 4) {
	case 4:
	case 6:
		return sn_decode_l3(dec, pkt, p, len);
	case 0:
		/* An Ethernet pseudowire with its control word (RFC 4448); tshark
		 * 4.0 guesses the same way. */
		if (len < PW_CW_LEN)
			return SN_MAL_MPLS_TRUNC;
		return decode_eth(dec, pkt, p + PW_CW_LEN, len - PW_CW_LEN);
	default:
		/* Pseudowires without a control word are not decoded. */
		return SN_MAL_NONE;
	}
}

/* Decode from an EtherType: VLAN tags, MPLS, IP or ARP. */
static enum sn_malformed decode_ethertype(struct sn_decoder *dec, struct sn_packet *pkt,
					  uint16_t type, const uint8_t *p, uint32_t len)
{
	for (;;) {
		pkt->ethertype = type;
		switch (type) {
		case SN_ETH_VLAN:
		case SN_ETH_QINQ:
		case SN_ETH_QINQ_OLD:
			if (len < VLAN_HLEN)
				return SN_MAL_VLAN_TRUNC;
			pkt->layers |= SN_L_VLAN;
			if (pkt->vlan_count == 0)
				pkt->vlan_id = sn_get16(p) & 0x0fff;
			if (pkt->vlan_count < UINT8_MAX)
				pkt->vlan_count++;
			type = sn_get16(p + 2);
			p += VLAN_HLEN;
			len -= VLAN_HLEN;
			break;
		case SN_ETH_MPLS:
		case SN_ETH_MPLS_MC:
			return decode_mpls(dec, pkt, p, len);
		case SN_ETH_IP4:
		case SN_ETH_IP6:
			return sn_decode_l3(dec, pkt, p, len);
		case SN_ETH_ARP:
			pkt->layers |= SN_L_ARP;
			return SN_MAL_NONE;
		default:
			/* 802.3 length fields and other protocols end the decode here. */
			return SN_MAL_NONE;
		}
	}
}

static enum sn_malformed decode_eth(struct sn_decoder *dec, struct sn_packet *pkt,
				    const uint8_t *p, uint32_t len)
{
	if (len < ETH_HLEN)
		return SN_MAL_LINK_TRUNC;
	pkt->layers |= SN_L_ETH;
	return decode_ethertype(dec, pkt, sn_get16(p + 12), p + ETH_HLEN, len - ETH_HLEN);
}

static enum sn_malformed decode_sll(struct sn_decoder *dec, struct sn_packet *pkt,
				    uint32_t hlen, uint32_t proto_off)
{
	if (pkt->caplen < hlen)
		return SN_MAL_LINK_TRUNC;
	pkt->layers |= SN_L_SLL;
	return decode_ethertype(dec, pkt, sn_get16(pkt->data + proto_off), pkt->data + hlen,
				pkt->caplen - hlen);
}

/* Raw IP with a fixed version, or either version told apart by the first nibble. */
static enum sn_malformed decode_raw(struct sn_decoder *dec, struct sn_packet *pkt, int version)
{
	const uint8_t *p = pkt->data;
	uint32_t len = pkt->caplen;

	if (len < 1)
		return SN_MAL_LINK_TRUNC;
	if (version && p[0] >> 4 != version)
		return SN_MAL_IP4_VERSION;
	pkt->ethertype = p[0] >> 4 == 6 ? SN_ETH_IP6 : SN_ETH_IP4;
	return sn_decode_l3(dec, pkt, p, len);
}

/* DLT_NULL stores the family in the capturing host's byte order, DLT_LOOP in
 * network byte order. Family values fit in 16 bits, so a value above 0xffff
 * read as big-endian means the header is little-endian. */
static enum sn_malformed decode_null(struct sn_decoder *dec, struct sn_packet *pkt, bool loop)
{
	uint32_t family;

	if (pkt->caplen < NULL_HLEN)
		return SN_MAL_LINK_TRUNC;
	family = sn_get32(pkt->data);
	if (!loop && family > 0xffff)
		family = __builtin_bswap32(family);

	switch (family) {
	case NULL_AF_INET:
		pkt->ethertype = SN_ETH_IP4;
		break;
	case NULL_AF_INET6_LINUX:
	case NULL_AF_INET6_BSD:
	case NULL_AF_INET6_FREEBSD:
	case NULL_AF_INET6_DARWIN:
		pkt->ethertype = SN_ETH_IP6;
		break;
	default:
		return SN_MAL_NONE;
	}
	return sn_decode_l3(dec, pkt, pkt->data + NULL_HLEN, pkt->caplen - NULL_HLEN);
}

enum sn_malformed sn_decode_link(struct sn_decoder *dec, struct sn_packet *pkt)
{
	switch (pkt->linktype) {
	case DLT_EN10MB:
		return decode_eth(dec, pkt, pkt->data, pkt->caplen);
	case DLT_LINUX_SLL:
		return decode_sll(dec, pkt, SLL_HLEN, 14);
	case DLT_LINUX_SLL2:
		return decode_sll(dec, pkt, SLL2_HLEN, 0);
	case DLT_RAW:
	case LINKTYPE_RAW:
		return decode_raw(dec, pkt, 0);
	case DLT_IPV4:
		return decode_raw(dec, pkt, 4);
	case DLT_IPV6:
		return decode_raw(dec, pkt, 6);
	case DLT_NULL:
		return decode_null(dec, pkt, false);
	case DLT_LOOP:
		return decode_null(dec, pkt, true);
	default:
		/* Once per decoder: the summary counts the packets. */
		if (!dec->malformed[SN_MAL_LINK_UNKNOWN])
			sn_warn("link type %d is not supported, so its packets are counted as "
				"malformed; sonata reads Ethernet, Linux cooked (SLL, SLL2), raw IP "
				"and BSD loopback captures", pkt->linktype);
		return SN_MAL_LINK_UNKNOWN;
	}
}
