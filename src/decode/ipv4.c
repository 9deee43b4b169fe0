/* IPv4: header, options, fragments and their reassembly. */
#include <string.h>

#include "decode/decode_internal.h"

#define IP4_MIN_HLEN 20
#define IP4_MAX_LEN 65535
#define IP4_DF 0x4000
#define IP4_MF 0x2000
#define IP4_OFFMASK 0x1fff

static void read_header(struct sn_packet *pkt, const uint8_t *p)
{
	uint16_t frag = sn_get16(p + 6);

	pkt->layers |= SN_L_IP4;
	pkt->ip_version = 4;
	pkt->tos = p[1];
	pkt->ip_len = sn_get16(p + 2);
	pkt->ip_id = sn_get16(p + 4);
	pkt->dont_frag = frag & IP4_DF;
	pkt->more_frags = frag & IP4_MF;
	pkt->frag_off = (uint16_t)((frag & IP4_OFFMASK) * 8);
	pkt->ttl = p[8];
	pkt->proto = p[9];
	pkt->src.family = 4;
	memcpy(pkt->src.bytes, p + 12, 4);
	pkt->dst.family = 4;
	memcpy(pkt->dst.bytes, p + 16, 4);
}

/* Feed a fragment to the reassembly table; decode the datagram it completes. */
static enum sn_malformed reassemble(struct sn_decoder *dec, struct sn_packet *pkt,
				    const uint8_t *data, uint32_t len)
{
	struct sn_reasm_key key = { .family = 4, .proto = pkt->proto, .id = pkt->ip_id };
	const uint8_t *whole;
	uint32_t whole_len, total;
	int ret;

	memcpy(key.src, pkt->src.bytes, 4);
	memcpy(key.dst, pkt->dst.bytes, 4);
	ret = sn_reasm_add(dec->reasm, &key, pkt->ts_ns, pkt->frag_off, pkt->more_frags,
			   data, len, &whole, &whole_len);
	if (ret < 0)
		return SN_MAL_FRAG_OVERLAP;
	if (ret == 0)
		return SN_MAL_NONE;

	pkt->layers |= SN_L_REASM;
	total = pkt->ihl + whole_len;
	pkt->ip_len = (uint16_t)(total < IP4_MAX_LEN ? total : IP4_MAX_LEN);
	return sn_decode_l4(dec, pkt, pkt->proto, whole, whole_len);
}

enum sn_malformed sn_decode_ip4(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *p, uint32_t len)
{
	uint32_t hlen, end;
	bool cut = false;

	if (len < IP4_MIN_HLEN)
		return SN_MAL_IP4_TRUNC;
	if (p[0] >> 4 != 4)
		return SN_MAL_IP4_VERSION;
	hlen = (uint32_t)(p[0] & 0x0f) * 4;
	if (hlen < IP4_MIN_HLEN)
		return SN_MAL_IP4_HLEN;
	if (len < hlen)
		return SN_MAL_IP4_TRUNC;

	read_header(pkt, p);
	pkt->ihl = (uint8_t)hlen;
	end = pkt->ip_len;
	/* NOTE: a total length of 0 is taken as TCP segmentation offload on the
	 * capturing host (tshark does the same) and the captured length is used. */
	if (end == 0)
		end = len;
	else if (end < hlen)
		return SN_MAL_IP4_LEN;
	if (end > len) {
		end = len; /* cut by the snapshot length */
		cut = true;
	}

	/* Tested on the header rather than on the fields just stored. */
	if (sn_get16(p + 6) & (IP4_MF | IP4_OFFMASK)) {
		pkt->layers |= SN_L_FRAG;
		/* A fragment cut by the snapshot length cannot be reassembled. */
		if (dec->opts.reassemble && dec->reasm)
			return cut ? SN_MAL_NONE : reassemble(dec, pkt, p + hlen, end - hlen);
		if (pkt->frag_off)
			return SN_MAL_NONE; /* a later fragment carries no transport header */
	}
	return sn_decode_l4(dec, pkt, pkt->proto, p + hlen, end - hlen);
}
