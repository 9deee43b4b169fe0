/* TCP header, payload, and DNS over TCP. */
#include "decode/decode_internal.h"

#define TCP_MIN_HLEN 20
#define DNS_TCP_PREFIX 2

/* DNS over TCP: a 2-byte length, then the message. Only a first message that
 * fits in this segment is parsed; messages split across segments are skipped. */
static enum sn_malformed decode_dns_tcp(struct sn_decoder *dec, struct sn_packet *pkt)
{
	uint32_t msg_len;

	if (pkt->payload_len < DNS_TCP_PREFIX)
		return SN_MAL_NONE;
	msg_len = sn_get16(pkt->payload);
	if (msg_len == 0 || msg_len > pkt->payload_len - DNS_TCP_PREFIX)
		return SN_MAL_NONE;
	return sn_decode_dns(dec, pkt, pkt->payload + DNS_TCP_PREFIX, msg_len);
}

enum sn_malformed sn_decode_tcp(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *p, uint32_t len)
{
	uint32_t hlen;

	if (len < TCP_MIN_HLEN)
		return SN_MAL_TCP_TRUNC;

	pkt->layers |= SN_L_TCP;
	pkt->sport = sn_get16(p);
	pkt->dport = sn_get16(p + 2);
	pkt->tcp_seq = sn_get32(p + 4);
	pkt->tcp_ack = sn_get32(p + 8);
	hlen = (uint32_t)(p[12] >> 4) * 4;
	pkt->tcp_hlen = (uint8_t)hlen;
	pkt->tcp_flags = p[13];
	pkt->tcp_window = sn_get16(p + 14);
	/* The fixed header stays decoded; only the payload is unknown. */
	if (hlen < TCP_MIN_HLEN || hlen > len)
		return SN_MAL_TCP_HLEN;

	pkt->payload = p + hlen;
	pkt->payload_len = len - hlen;
	return decode_dns_tcp(dec, pkt);
}
