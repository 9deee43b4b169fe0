/* ICMP and ICMPv6, with the IP header and ports quoted by error messages. */
#include <string.h>

#include "decode/decode_internal.h"

#define ICMP_HLEN 8
#define ICMP_MIN_LEN 4 /* type, code and checksum */
#define IP4_MIN_HLEN 20
#define IP6_HLEN 40

static bool is_error(uint8_t type, bool v6)
{
	if (v6)
		return type >= 1 && type <= 4; /* unreachable, too big, time exceeded, parameter */

	switch (type) {
	case 3:  /* destination unreachable */
	case 4:  /* source quench */
	case 5:  /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		return true;
	default:
		return false;
	}
}

static bool has_ports(uint8_t proto)
{
	return proto == SN_IPPROTO_TCP || proto == SN_IPPROTO_UDP || proto == SN_IPPROTO_SCTP;
}

static void read_ports(struct sn_quote *q, const uint8_t *p, uint32_t len)
{
	if (!has_ports(q->proto) || len < 4)
		return;
	q->sport = sn_get16(p);
	q->dport = sn_get16(p + 2);
}

static bool quote_ip4(struct sn_quote *q, const uint8_t *p, uint32_t len)
{
	uint32_t hlen;

	if (len < IP4_MIN_HLEN || p[0] >> 4 != 4)
		return false;
	hlen = (uint32_t)(p[0] & 0x0f) * 4;
	if (hlen < IP4_MIN_HLEN || hlen > len)
		return false;

	q->proto = p[9];
	q->src.family = 4;
	memcpy(q->src.bytes, p + 12, 4);
	q->dst.family = 4;
	memcpy(q->dst.bytes, p + 16, 4);
	/* A later fragment quotes no transport header. */
	if ((sn_get16(p + 6) & 0x1fff) == 0)
		read_ports(q, p + hlen, len - hlen);
	return true;
}

static bool quote_ip6(struct sn_quote *q, const uint8_t *p, uint32_t len)
{
	struct sn_ip6_chain chain;

	if (len < IP6_HLEN || p[0] >> 4 != 6)
		return false;

	q->src.family = 6;
	memcpy(q->src.bytes, p + 8, 16);
	q->dst.family = 6;
	memcpy(q->dst.bytes, p + 24, 16);
	/* Quotes are often cut short, so a chain that runs past the quote is not an
	 * error: the last header type reached is kept as the protocol. */
	sn_ip6_walk(p[6], p + IP6_HLEN, len - IP6_HLEN, &chain);
	q->proto = chain.proto;
	if (!(chain.frag && chain.frag_off))
		read_ports(q, p + IP6_HLEN + chain.off, len - IP6_HLEN - chain.off);
	return true;
}

enum sn_malformed sn_decode_icmp(struct sn_packet *pkt, const uint8_t *p, uint32_t len,
				 bool v6)
{
	bool quoted;

	if (len < ICMP_MIN_LEN)
		return SN_MAL_ICMP_TRUNC;

	pkt->layers |= v6 ? SN_L_ICMP6 : SN_L_ICMP;
	pkt->icmp_type = p[0];
	pkt->icmp_code = p[1];
	if (len < ICMP_HLEN)
		return SN_MAL_ICMP_TRUNC;

	pkt->payload = p + ICMP_HLEN;
	pkt->payload_len = len - ICMP_HLEN;
	if (!is_error(pkt->icmp_type, v6))
		return SN_MAL_NONE;

	/* A quote that is too short or of the wrong version is left out. */
	if (v6)
		quoted = quote_ip6(&pkt->quote, pkt->payload, pkt->payload_len);
	else
		quoted = quote_ip4(&pkt->quote, pkt->payload, pkt->payload_len);
	if (quoted)
		pkt->layers |= SN_L_QUOTE;
	return SN_MAL_NONE;
}
