/* Builders of hand-made packets for the decoder tests. Each writes one header
 * at p and returns its length. Checksums are left 0: the decoder ignores them. */
#ifndef SONATA_DECODE_PKT_H
#define SONATA_DECODE_PKT_H

#include <stdint.h>
#include <string.h>

#include <pcap/dlt.h>

#include "sonata/decode.h"

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline uint32_t eth_hdr(uint8_t *p, uint16_t ethertype)
{
	memset(p, 0, 12);
	p[0] = 0x02;
	p[6] = 0x02;
	p[11] = 1;
	put16(p + 12, ethertype);
	return 14;
}

/* 802.1Q or 802.1ad tag: TPID then VLAN id, then the next EtherType. */
static inline uint32_t vlan_hdr(uint8_t *p, uint16_t tpid, uint16_t vid, uint16_t next)
{
	put16(p - 2, tpid); /* overwrites the EtherType of the header before */
	put16(p, vid);
	put16(p + 2, next);
	return 4;
}

/* IPv4 header of hlen bytes (options filled with NOP), addresses 10.0.0.src / 10.0.0.dst. */
static inline uint32_t ip4_hdr(uint8_t *p, uint8_t hlen, uint16_t total, uint8_t proto,
			       uint8_t src, uint8_t dst, uint16_t id, uint16_t frag)
{
	memset(p, 1, hlen); /* NOP options */
	p[0] = (uint8_t)(0x40 | hlen / 4);
	p[1] = 0x10;
	put16(p + 2, total);
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put16(p + 10, 0);
	put32(p + 12, 0x0a000000u | src);
	put32(p + 16, 0x0a000000u | dst);
	return hlen;
}

/* IPv6 header, addresses 2001:db8::src / 2001:db8::dst. */
static inline uint32_t ip6_hdr(uint8_t *p, uint16_t plen, uint8_t nh, uint8_t src, uint8_t dst)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[1] = 0x20; /* traffic class 2 */
	put16(p + 4, plen);
	p[6] = nh;
	p[7] = 63;
	put16(p + 8, 0x2001);
	put16(p + 10, 0x0db8);
	p[23] = src;
	put16(p + 24, 0x2001);
	put16(p + 26, 0x0db8);
	p[39] = dst;
	return 40;
}

static inline uint32_t tcp_hdr(uint8_t *p, uint16_t sport, uint16_t dport, uint8_t flags,
			       uint8_t doff)
{
	memset(p, 0, 20);
	put16(p, sport);
	put16(p + 2, dport);
	put32(p + 4, 1000);
	put32(p + 8, 2000);
	p[12] = (uint8_t)(doff / 4 << 4);
	p[13] = flags;
	put16(p + 14, 512);
	if (doff > 20)
		memset(p + 20, 1, doff - 20u);
	return doff;
}

static inline uint32_t udp_hdr(uint8_t *p, uint16_t sport, uint16_t dport, uint16_t len)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, len);
	put16(p + 6, 0);
	return 8;
}

/* Decode len bytes of buf with linktype; pkt keeps pointing into buf. */
static inline enum sn_malformed decode_buf(struct sn_decoder *dec, struct sn_packet *pkt,
					   int linktype, const uint8_t *buf, uint32_t len)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = buf;
	pkt->caplen = len;
	pkt->wirelen = len;
	pkt->linktype = linktype;
	return sn_decode(dec, pkt);
}

#endif
