/* Decoder entry points, counters and the layer dispatch between files. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "decode/decode_internal.h"
#include "sonata/log.h"

#define DNS_PORT 53

static const char *const malformed_names[SN_MAL_COUNT] = {
	[SN_MAL_NONE] = "not malformed",
	[SN_MAL_LINK_TRUNC] = "truncated link header",
	[SN_MAL_LINK_UNKNOWN] = "unsupported link type",
	[SN_MAL_VLAN_TRUNC] = "truncated VLAN tag",
	[SN_MAL_MPLS_TRUNC] = "truncated MPLS label stack",
	[SN_MAL_IP4_TRUNC] = "truncated IPv4 header",
	[SN_MAL_IP4_HLEN] = "IPv4 header length below 20 bytes",
	[SN_MAL_IP4_VERSION] = "invalid IP version field",
	[SN_MAL_IP4_LEN] = "IPv4 total length below the header length",
	[SN_MAL_IP6_TRUNC] = "truncated IPv6 header",
	[SN_MAL_IP6_EXT] = "IPv6 extension header past the packet end",
	[SN_MAL_TCP_TRUNC] = "truncated TCP header",
	[SN_MAL_TCP_HLEN] = "invalid TCP data offset",
	[SN_MAL_UDP_TRUNC] = "truncated UDP header",
	[SN_MAL_UDP_LEN] = "UDP length below 8 bytes",
	[SN_MAL_ICMP_TRUNC] = "truncated ICMP header",
	[SN_MAL_DNS_TRUNC] = "truncated DNS message",
	[SN_MAL_DNS_LABEL] = "invalid DNS label",
	[SN_MAL_DNS_POINTER] = "invalid DNS compression pointer",
	[SN_MAL_DNS_NAME_LEN] = "DNS name longer than 255 bytes",
	[SN_MAL_FRAG_OVERLAP] = "overlapping or oversized IP fragments",
};

const char *sn_malformed_name(enum sn_malformed reason)
{
	if ((unsigned int)reason >= SN_MAL_COUNT)
		return "unknown malformation";
	return malformed_names[reason];
}

int sn_decoder_init(struct sn_decoder *dec, const struct sn_decode_opts *opts)
{
	memset(dec, 0, offsetof(struct sn_decoder, dns));
	dec->opts.reassemble = opts ? opts->reassemble : 1;
	if (!dec->opts.reassemble)
		return 0;

	dec->reasm = sn_reasm_new();
	if (!dec->reasm) {
		sn_err("decoder: failed to allocate the IP reassembly table: %s",
		       strerror(ENOMEM));
		return -ENOMEM;
	}
	return 0;
}

void sn_decoder_free(struct sn_decoder *dec)
{
	if (!dec)
		return;
	sn_reasm_free(dec->reasm);
	dec->reasm = NULL;
}

/* Clear the fields the decoder sets; the capture fields before them stay.
 * Written as vector stores: the compiler turns a memset of this size into
 * `rep stos`, which costs more than the rest of decoding an Ethernet frame. */
static void reset_decoded(struct sn_packet *pkt)
{
	typedef uint64_t block __attribute__((vector_size(16), aligned(8), may_alias));
	enum {
		START = offsetof(struct sn_packet, layers),
		SIZE = sizeof(struct sn_packet) - START,
	};
	block *b = (block *)((char *)pkt + START);
	char *tail = (char *)pkt + START + SIZE / sizeof(block) * sizeof(block);

	_Static_assert(SIZE / sizeof(block) == 10, "reset_decoded: update the stores");
	b[0] = b[1] = b[2] = b[3] = b[4] = (block){ 0 };
	b[5] = b[6] = b[7] = b[8] = b[9] = (block){ 0 };
	memset(tail, 0, SIZE % sizeof(block));
}

static enum sn_malformed count(struct sn_decoder *dec, enum sn_malformed reason)
{
	dec->packets++;
	if (reason != SN_MAL_NONE) {
		dec->malformed[reason]++;
		dec->malformed_total++;
	}
	return reason;
}

enum sn_malformed sn_decode(struct sn_decoder *dec, struct sn_packet *pkt)
{
	reset_decoded(pkt);
	return count(dec, sn_decode_link(dec, pkt));
}

enum sn_malformed sn_decode_ip(struct sn_decoder *dec, struct sn_packet *pkt,
			       const uint8_t *data, uint32_t len)
{
	reset_decoded(pkt);
	return count(dec, sn_decode_l3(dec, pkt, data, len));
}

enum sn_malformed sn_decode_l3(struct sn_decoder *dec, struct sn_packet *pkt,
			       const uint8_t *data, uint32_t len)
{
	if (len < 1)
		return SN_MAL_IP4_TRUNC;

	switch (data[0] >> 4) {
	case 4:
		return sn_decode_ip4(dec, pkt, data, len);
	case 6:
		return sn_decode_ip6(dec, pkt, data, len);
	default:
		return SN_MAL_IP4_VERSION;
	}
}

enum sn_malformed sn_decode_l4(struct sn_decoder *dec, struct sn_packet *pkt, uint8_t proto,
			       const uint8_t *data, uint32_t len)
{
	switch (proto) {
	case SN_IPPROTO_TCP:
		return sn_decode_tcp(dec, pkt, data, len);
	case SN_IPPROTO_UDP:
		return sn_decode_udp(dec, pkt, data, len);
	case SN_IPPROTO_ICMP:
		return sn_decode_icmp(pkt, data, len, false);
	case SN_IPPROTO_ICMPV6:
		return sn_decode_icmp(pkt, data, len, true);
	default:
		/* Other protocols: the whole IP payload is the payload. */
		pkt->payload = data;
		pkt->payload_len = len;
		return SN_MAL_NONE;
	}
}

/* DNS is decoded on port 53 only; mDNS (5353) is left undecoded. */
enum sn_malformed sn_decode_dns(struct sn_decoder *dec, struct sn_packet *pkt,
				const uint8_t *msg, uint32_t len)
{
	enum sn_malformed reason;

	if (pkt->sport != DNS_PORT && pkt->dport != DNS_PORT)
		return SN_MAL_NONE;

	reason = sn_dns_parse(msg, len, &dec->dns);
	if (reason != SN_MAL_NONE)
		return reason;
	pkt->layers |= SN_L_DNS;
	pkt->dns = &dec->dns;
	return SN_MAL_NONE;
}
