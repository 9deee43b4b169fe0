/* Frame builders: Ethernet II, IPv4, TCP, UDP and ICMP echo with correct checksums. */
#include <string.h>

#include "gen/gen_impl.h"

#define ETH_LEN 14
#define IP4_LEN 20
#define TCP_LEN 20
#define UDP_LEN 8
#define ICMP_ECHO_LEN 8
#define IP4_DF 0x4000
#define IP4_MF 0x2000

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Add the big-endian 16-bit words of data to sum; an odd last byte is padded with zero. */
uint32_t csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	uint64_t acc = sum;
	size_t i = 0;

	for (; i + 1 < len; i += 2)
		acc += (uint32_t)(data[i] << 8 | data[i + 1]);
	if (i < len)
		acc += (uint32_t)data[i] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void patterns_init(struct gen_patterns *p, struct gen_rng *r)
{
	for (int k = 0; k < GEN_PATTERNS; k++) {
		p->prefix[k][0] = 0;
		for (int i = 0; i < GEN_PATTERN_LEN; i++) {
			uint8_t b = (uint8_t)rng_u64(r);

			p->bytes[k][i] = b;
			p->prefix[k][i + 1] = p->prefix[k][i] + (i % 2 ? b : (uint32_t)b << 8);
		}
	}
}

/* Locally administered MAC addresses derived from the IP address: 02:00:a.b.c.d. */
static void put_eth(uint8_t *f, uint32_t src, uint32_t dst)
{
	f[0] = 0x02;
	f[1] = 0x00;
	put32(f + 2, dst);
	f[6] = 0x02;
	f[7] = 0x00;
	put32(f + 8, src);
	put16(f + 12, 0x0800);
}

static void put_ip(uint8_t *h, const struct pkt_ip *ip, uint32_t total, uint16_t frag)
{
	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, (uint16_t)total);
	put16(h + 4, ip->id);
	put16(h + 6, frag);
	h[8] = ip->ttl ? ip->ttl : 64;
	h[9] = ip->proto;
	put16(h + 10, 0);
	put32(h + 12, ip->src);
	put32(h + 16, ip->dst);
	put16(h + 10, csum_fold(csum_add(0, h, IP4_LEN)));
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

static void put_tcp_header(uint8_t *t, const struct pkt_tcp *tcp)
{
	put16(t, tcp->sport);
	put16(t + 2, tcp->dport);
	put32(t + 4, tcp->seq);
	put32(t + 8, tcp->ack);
	t[12] = (TCP_LEN / 4) << 4;
	t[13] = tcp->flags;
	put16(t + 14, tcp->window ? tcp->window : 64240);
	put16(t + 16, 0);
	put16(t + 18, 0);
}

static uint32_t finish_tcp(uint8_t *frame, const struct pkt_ip *ip, uint32_t paylen,
			   uint32_t paysum)
{
	uint8_t *t = frame + ETH_LEN + IP4_LEN;
	uint32_t sum = pseudo_sum(ip->src, ip->dst, 6, TCP_LEN + paylen);

	sum = csum_add(sum, t, TCP_LEN);
	sum += paysum & 0xffff;
	sum += paysum >> 16;
	put16(t + 16, csum_fold(sum));
	return ETH_LEN + IP4_LEN + TCP_LEN + paylen;
}

uint32_t pkt_tcp(uint8_t *frame, const struct pkt_ip *ip, const struct pkt_tcp *tcp,
		 const uint8_t *pay, uint32_t paylen)
{
	struct pkt_ip h = *ip;

	h.proto = 6;
	put_eth(frame, ip->src, ip->dst);
	put_ip(frame + ETH_LEN, &h, IP4_LEN + TCP_LEN + paylen, IP4_DF);
	put_tcp_header(frame + ETH_LEN + IP4_LEN, tcp);
	if (paylen)
		memcpy(frame + ETH_LEN + IP4_LEN + TCP_LEN, pay, paylen);
	return finish_tcp(frame, &h, paylen, csum_add(0, pay, paylen));
}

/* Like pkt_tcp with the first paylen bytes of a pattern; the checksum is O(1). */
uint32_t pkt_tcp_pattern(uint8_t *frame, const struct pkt_ip *ip, const struct pkt_tcp *tcp,
			 const struct gen_patterns *p, unsigned int which, uint32_t paylen)
{
	struct pkt_ip h = *ip;

	which %= GEN_PATTERNS;
	if (paylen > GEN_PATTERN_LEN)
		paylen = GEN_PATTERN_LEN;
	h.proto = 6;
	put_eth(frame, ip->src, ip->dst);
	put_ip(frame + ETH_LEN, &h, IP4_LEN + TCP_LEN + paylen, IP4_DF);
	put_tcp_header(frame + ETH_LEN + IP4_LEN, tcp);
	memcpy(frame + ETH_LEN + IP4_LEN + TCP_LEN, p->bytes[which], paylen);
	return finish_tcp(frame, &h, paylen, p->prefix[which][paylen]);
}

/* Build a UDP header and payload with its checksum into dgram; returns the UDP length. */
uint32_t pkt_udp_datagram(uint8_t *dgram, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport, const uint8_t *pay, uint32_t paylen)
{
	uint32_t len = UDP_LEN + paylen;
	uint16_t csum;

	put16(dgram, sport);
	put16(dgram + 2, dport);
	put16(dgram + 4, (uint16_t)len);
	put16(dgram + 6, 0);
	if (paylen && pay != dgram + UDP_LEN)
		memmove(dgram + UDP_LEN, pay, paylen);
	csum = csum_fold(csum_add(pseudo_sum(src, dst, 17, len), dgram, len));
	put16(dgram + 6, csum ? csum : 0xffff); /* 0 would mean "no checksum" */
	return len;
}

uint32_t pkt_udp(uint8_t *frame, const struct pkt_ip *ip, uint16_t sport, uint16_t dport,
		 const uint8_t *pay, uint32_t paylen)
{
	struct pkt_ip h = *ip;
	uint32_t len;

	h.proto = 17;
	put_eth(frame, ip->src, ip->dst);
	len = pkt_udp_datagram(frame + ETH_LEN + IP4_LEN, ip->src, ip->dst, sport, dport, pay,
			       paylen);
	put_ip(frame + ETH_LEN, &h, IP4_LEN + len, 0);
	return ETH_LEN + IP4_LEN + len;
}

uint32_t pkt_icmp_echo(uint8_t *frame, const struct pkt_ip *ip, int reply, uint16_t ident,
		       uint16_t seq, const uint8_t *pay, uint32_t paylen)
{
	struct pkt_ip h = *ip;
	uint8_t *c = frame + ETH_LEN + IP4_LEN;

	h.proto = 1;
	put_eth(frame, ip->src, ip->dst);
	put_ip(frame + ETH_LEN, &h, IP4_LEN + ICMP_ECHO_LEN + paylen, 0);
	c[0] = reply ? 0 : 8;
	c[1] = 0;
	put16(c + 2, 0);
	put16(c + 4, ident);
	put16(c + 6, seq);
	memcpy(c + ICMP_ECHO_LEN, pay, paylen);
	put16(c + 2, csum_fold(csum_add(0, c, ICMP_ECHO_LEN + paylen)));
	return ETH_LEN + IP4_LEN + ICMP_ECHO_LEN + paylen;
}

/* Frame len bytes of an IP payload that start at byte offset (a multiple of 8) as one
 * fragment; ip->proto must be set by the caller. */
uint32_t pkt_ip_fragment(uint8_t *frame, const struct pkt_ip *ip, const uint8_t *data,
			 uint32_t len, uint32_t offset, int more)
{
	uint16_t frag = (uint16_t)((offset / 8) | (more ? IP4_MF : 0));

	put_eth(frame, ip->src, ip->dst);
	put_ip(frame + ETH_LEN, ip, IP4_LEN + len, frag);
	memcpy(frame + ETH_LEN + IP4_LEN, data, len);
	return ETH_LEN + IP4_LEN + len;
}
