/* UDP header, payload, and DNS over UDP. */
#include "decode/decode_internal.h"

#define UDP_HLEN 8

enum sn_malformed sn_decode_udp(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *p, uint32_t len)
{
	uint32_t end;

	if (len < UDP_HLEN)
		return SN_MAL_UDP_TRUNC;

	pkt->layers |= SN_L_UDP;
	pkt->sport = sn_get16(p);
	pkt->dport = sn_get16(p + 2);
	pkt->udp_len = sn_get16(p + 4);
	if (pkt->udp_len < UDP_HLEN)
		return SN_MAL_UDP_LEN;

	/* A length beyond the data means a first fragment or a cut capture. */
	end = pkt->udp_len < len ? pkt->udp_len : len;
	pkt->payload = p + UDP_HLEN;
	pkt->payload_len = end - UDP_HLEN;
	return sn_decode_dns(dec, pkt, pkt->payload, pkt->payload_len);
}
