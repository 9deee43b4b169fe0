/* IPv6: fixed header, extension header chain, fragments and their reassembly. */
#include <string.h>

#include "decode/decode_internal.h"

#define IP6_HLEN 40
#define IP6_FRAG_HLEN 8
#define IP6_MAX_EXT 16 /* extension headers walked before giving up */
#define IP6_MAX_LEN 65535

static bool is_ext_header(uint8_t nh)
{
	switch (nh) {
	case SN_IPPROTO_HOPOPTS:
	case SN_IPPROTO_ROUTING:
	case SN_IPPROTO_FRAGMENT:
	case SN_IPPROTO_DSTOPTS:
	case SN_IPPROTO_AH:
		return true;
	default:
		return false;
	}
}

static void read_fragment_header(const uint8_t *p, struct sn_ip6_chain *chain)
{
	uint16_t offlg = sn_get16(p + 2);

	chain->frag_off = offlg & 0xfff8;
	chain->more_frags = offlg & 1;
	chain->frag_id = sn_get32(p + 4);
	/* An atomic fragment (offset 0, no more fragments) is a whole datagram. */
	chain->frag = chain->frag_off || chain->more_frags;
}

enum sn_malformed sn_ip6_walk(uint8_t nh, const uint8_t *data, uint32_t len,
			      struct sn_ip6_chain *chain)
{
	uint32_t off = 0, hlen;
	int n;

	memset(chain, 0, sizeof(*chain));
	for (n = 0; n < IP6_MAX_EXT && is_ext_header(nh); n++) {
		if (len - off < 2)
			goto trunc;
		if (nh == SN_IPPROTO_FRAGMENT)
			hlen = IP6_FRAG_HLEN;
		else if (nh == SN_IPPROTO_AH)
			hlen = ((uint32_t)data[off + 1] + 2) * 4;
		else
			hlen = ((uint32_t)data[off + 1] + 1) * 8;
		if (len - off < hlen)
			goto trunc;

		if (nh == SN_IPPROTO_FRAGMENT) {
			read_fragment_header(data + off, chain);
			chain->frag_hdr_end = off + hlen;
		}
		nh = data[off];
		off += hlen;
		/* Headers after the fragment header belong to the first fragment only. */
		if (chain->frag && chain->frag_off)
			break;
	}
	chain->proto = nh;
	chain->off = off;
	return SN_MAL_NONE;

trunc:
	chain->proto = nh;
	chain->off = off;
	return SN_MAL_IP6_EXT;
}

static void read_header(struct sn_packet *pkt, const uint8_t *p)
{
	uint32_t total = (uint32_t)sn_get16(p + 4) + IP6_HLEN;

	pkt->layers |= SN_L_IP6;
	pkt->ip_version = 6;
	pkt->tos = (uint8_t)(sn_get16(p) >> 4);
	pkt->ip_len = (uint16_t)(total < IP6_MAX_LEN ? total : IP6_MAX_LEN);
	pkt->ttl = p[7];
	pkt->src.family = 6;
	memcpy(pkt->src.bytes, p + 8, 16);
	pkt->dst.family = 6;
	memcpy(pkt->dst.bytes, p + 24, 16);
}

/* Reassemble the fragmentable part; the completed datagram may start with
 * more extension headers before the transport header. */
static enum sn_malformed reassemble(struct sn_decoder *dec, struct sn_packet *pkt,
				    const struct sn_ip6_chain *chain, const uint8_t *frag,
				    uint32_t len, uint8_t first_nh)
{
	struct sn_reasm_key key = { .family = 6, .id = chain->frag_id };
	struct sn_ip6_chain inner;
	const uint8_t *whole;
	uint32_t whole_len, unfrag_len, total;
	enum sn_malformed reason;
	int ret;

	memcpy(key.src, pkt->src.bytes, 16);
	memcpy(key.dst, pkt->dst.bytes, 16);
	ret = sn_reasm_add(dec->reasm, &key, pkt->ts_ns, chain->frag_off, chain->more_frags,
			   frag, len, &whole, &whole_len);
	if (ret < 0)
		return SN_MAL_FRAG_OVERLAP;
	if (ret == 0)
		return SN_MAL_NONE;

	pkt->layers |= SN_L_REASM;
	unfrag_len = IP6_HLEN + chain->frag_hdr_end - IP6_FRAG_HLEN;
	total = unfrag_len + whole_len;
	pkt->ip_len = (uint16_t)(total < IP6_MAX_LEN ? total : IP6_MAX_LEN);
	reason = sn_ip6_walk(first_nh, whole, whole_len, &inner);
	pkt->proto = inner.proto;
	if (reason != SN_MAL_NONE)
		return reason;
	return sn_decode_l4(dec, pkt, inner.proto, whole + inner.off, whole_len - inner.off);
}

enum sn_malformed sn_decode_ip6(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *p, uint32_t len)
{
	struct sn_ip6_chain chain;
	enum sn_malformed reason;
	uint32_t end, plen;
	bool cut = false;

	if (len < IP6_HLEN)
		return SN_MAL_IP6_TRUNC;
	if (p[0] >> 4 != 6)
		return SN_MAL_IP4_VERSION;

	read_header(pkt, p);
	plen = sn_get16(p + 4);
	/* NOTE: a payload length of 0 (a jumbogram or segmentation offload) is
	 * read as "up to the captured length". */
	end = plen ? IP6_HLEN + plen : len;
	if (end > len) {
		end = len;
		cut = true;
	}

	reason = sn_ip6_walk(p[6], p + IP6_HLEN, end - IP6_HLEN, &chain);
	pkt->proto = chain.proto;
	if (reason != SN_MAL_NONE)
		return reason;
	if (!chain.frag)
		return sn_decode_l4(dec, pkt, chain.proto, p + IP6_HLEN + chain.off,
				    end - IP6_HLEN - chain.off);

	pkt->layers |= SN_L_FRAG;
	pkt->ip_id = chain.frag_id;
	pkt->frag_off = chain.frag_off;
	pkt->more_frags = chain.more_frags;
	if (dec->opts.reassemble && dec->reasm) {
		if (cut)
			return SN_MAL_NONE;
		return reassemble(dec, pkt, &chain, p + IP6_HLEN + chain.frag_hdr_end,
				  end - IP6_HLEN - chain.frag_hdr_end,
				  p[IP6_HLEN + chain.frag_hdr_end - IP6_FRAG_HLEN]);
	}
	if (chain.frag_off)
		return SN_MAL_NONE;
	return sn_decode_l4(dec, pkt, chain.proto, p + IP6_HLEN + chain.off,
			    end - IP6_HLEN - chain.off);
}
