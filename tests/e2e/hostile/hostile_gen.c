/* Writes the hostile captures of tests/e2e/hostile.sh, and lists the record
 * offsets of a classic pcap file so the script can cut one at chosen points.
 *
 * usage: hostile_gen CASE OUT.pcap   write the capture of one case
 *        hostile_gen offsets FILE    print the byte offset of every record
 *        hostile_gen flood OUT.pcap N   N SYNs in one second, each from its
 *                                       own source address counted up from 11.0.0.0
 *
 * Every capture is little-endian pcap 2.4 with microsecond timestamps. The
 * good packets are TCP SYNs from 10.0.0.1 to 10.0.0.2 port 80, one per
 * second from 1700000000 s, so a per-source count has one row per packet. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1700000000u
#define SNAP_DEFAULT 65535u
#define LINK_ETHERNET 1u
#define DNS_CHAIN_DEPTH 300

struct capture {
	FILE *f;
	uint32_t snaplen; /* written in the file header */
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void write_or_die(FILE *f, const void *buf, size_t n)
{
	if (fwrite(buf, 1, n, f) != n) {
		fprintf(stderr, "hostile_gen: write failed: %s\n", strerror(errno));
		exit(1);
	}
}

static void file_header(struct capture *c, uint32_t snaplen, uint32_t linktype)
{
	uint8_t h[24] = { 0 };

	le32(h, 0xa1b2c3d4u);
	h[4] = 2;
	h[6] = 4;
	le32(h + 16, snaplen);
	le32(h + 20, linktype);
	c->snaplen = snaplen;
	write_or_die(c->f, h, sizeof(h));
}

/* A record of caplen bytes from data, claiming wirelen bytes on the wire. */
static void record(struct capture *c, uint32_t sec, uint32_t usec, const uint8_t *data,
		   uint32_t caplen, uint32_t wirelen)
{
	uint8_t h[16];

	le32(h, sec);
	le32(h + 4, usec);
	le32(h + 8, caplen);
	le32(h + 12, wirelen);
	write_or_die(c->f, h, sizeof(h));
	write_or_die(c->f, data, caplen);
}

/* Ethernet and IPv4 headers from 10.0.0.src to 10.0.0.2; returns 34. */
static uint32_t eth_ip4(uint8_t *p, uint8_t src, uint8_t proto, uint32_t l4_len)
{
	memset(p, 0, 34);
	p[0] = 0x02;
	p[6] = 0x02;
	p[11] = 1;
	put16(p + 12, 0x0800);
	p[14] = 0x45;
	put16(p + 16, 20 + l4_len);
	p[22] = 64;
	p[23] = proto;
	put32(p + 26, 0x0a000000u | src);
	put32(p + 30, 0x0a000002u);
	return 34;
}

/* A TCP SYN to port 80 with the given data offset in 32-bit words. */
static uint32_t syn(uint8_t *p, uint8_t src, unsigned data_offset)
{
	uint32_t n = eth_ip4(p, src, 6, 20);
	uint8_t *t = p + n;

	memset(t, 0, 20);
	put16(t, 40000 + src);
	put16(t + 2, 80);
	put32(t + 4, 1);
	t[12] = (uint8_t)(data_offset << 4);
	t[13] = 0x02;
	put16(t + 14, 64240);
	return n + 20;
}

/* A UDP datagram to port 53 carrying msg. */
static uint32_t dns(uint8_t *p, const uint8_t *msg, uint32_t len)
{
	uint32_t n = eth_ip4(p, 1, 17, 8 + len);
	uint8_t *u = p + n;

	put16(u, 33333);
	put16(u + 2, 53);
	put16(u + 4, 8 + len);
	put16(u + 6, 0);
	memcpy(u + 8, msg, len);
	return n + 8 + len;
}

static void good(struct capture *c, uint32_t sec)
{
	uint8_t pkt[64];
	uint32_t n = syn(pkt, 1, 5);

	record(c, sec, 0, pkt, n, n);
}

/* A DNS query header claiming 65535 questions, with none after it. */
static uint32_t dns_count(uint8_t *p)
{
	uint8_t msg[12] = { 0x12, 0x34, 0x01, 0x00 };

	put16(msg + 4, 65535);
	return dns(p, msg, sizeof(msg));
}

/* DNS_CHAIN_DEPTH + 1 questions: the first is the root name, and each later
 * one is a compression pointer to the name of the question before it, so the
 * last name is at the end of a chain of DNS_CHAIN_DEPTH pointers. */
static uint32_t dns_chain(uint8_t *p)
{
	static uint8_t msg[12 + 5 + 6 * DNS_CHAIN_DEPTH] = { 0x12, 0x34, 0x01, 0x00 };
	uint32_t pos = 17, prev = 12;

	put16(msg + 4, DNS_CHAIN_DEPTH + 1);
	msg[12] = 0;
	put16(msg + 13, 1);
	put16(msg + 15, 1);
	for (int i = 0; i < DNS_CHAIN_DEPTH; i++) {
		put16(msg + pos, 0xc000 | prev);
		put16(msg + pos + 2, 1);
		put16(msg + pos + 4, 1);
		prev = pos;
		pos += 6;
	}
	return dns(p, msg, pos);
}

/* The case named by only (or all of them for "malformed") between two good packets. */
static void malformed_packets(struct capture *c, const char *only)
{
	static uint8_t pkt[4096];
	uint32_t n = 0;
	int all = !strcmp(only, "malformed");

	good(c, T0);
	if (all || !strcmp(only, "ip4hlen")) {
		n = syn(pkt, 3, 5);
		pkt[14] = 0x44; /* IHL 4: a 16-byte header */
		record(c, T0 + 1, 0, pkt, n, n);
	}
	if (all || !strcmp(only, "tcpoff")) {
		n = syn(pkt, 4, 15); /* 60-byte TCP header in a 20-byte segment */
		record(c, T0 + 1, 1, pkt, n, n);
	}
	if (all || !strcmp(only, "dnscount")) {
		n = dns_count(pkt);
		record(c, T0 + 1, 2, pkt, n, n);
	}
	if (all || !strcmp(only, "dnschain")) {
		n = dns_chain(pkt);
		record(c, T0 + 1, 3, pkt, n, n);
	}
	good(c, T0 + 2);
}

/* A spoofed SYN flood: n packets spread over one second, n distinct sources. */
static void flood(struct capture *c, uint32_t n)
{
	uint8_t pkt[64];
	uint32_t len = syn(pkt, 1, 5);

	file_header(c, SNAP_DEFAULT, LINK_ETHERNET);
	for (uint32_t i = 0; i < n; i++) {
		put32(pkt + 26, 0x0b000000u + i);
		put16(pkt + 34, 1024 + i % 60000);
		record(c, T0, (uint32_t)((uint64_t)i * 1000000 / n), pkt, len, len);
	}
}

static int write_case(const char *name, struct capture *c)
{
	uint8_t pkt[64];
	uint32_t n = syn(pkt, 1, 5);

	if (!strcmp(name, "snap0") || !strcmp(name, "snapmax")) {
		file_header(c, name[4] == '0' ? 0 : 262144, LINK_ETHERNET);
		good(c, T0);
		good(c, T0 + 1);
	} else if (!strcmp(name, "oversnap")) {
		/* The second record holds 54 bytes in a file whose snaplen is 40. */
		file_header(c, 40, LINK_ETHERNET);
		record(c, T0, 0, pkt, 40, n);
		record(c, T0 + 1, 0, pkt, n, n);
		record(c, T0 + 2, 0, pkt, 40, n);
	} else if (!strcmp(name, "timestamps")) {
		/* Epoch zero, then forwards, then back to zero and to the middle. */
		file_header(c, SNAP_DEFAULT, LINK_ETHERNET);
		good(c, 0);
		good(c, T0);
		good(c, 0);
		good(c, T0 - 5);
		good(c, T0 + 1);
	} else if (!strcmp(name, "linktype")) {
		file_header(c, SNAP_DEFAULT, 65000);
		good(c, T0);
		good(c, T0 + 1);
	} else if (!strcmp(name, "malformed") || !strcmp(name, "ip4hlen") ||
		   !strcmp(name, "tcpoff") || !strcmp(name, "dnscount") ||
		   !strcmp(name, "dnschain")) {
		file_header(c, SNAP_DEFAULT, LINK_ETHERNET);
		malformed_packets(c, name);
	} else {
		fprintf(stderr, "hostile_gen: unknown case '%s'\n", name);
		return 2;
	}
	return 0;
}

/* Print the offset of each record of a little-endian microsecond pcap. */
static int list_offsets(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t h[24];
	long pos = 24;

	if (!f || fread(h, 1, 24, f) != 24 || h[0] != 0xd4 || h[1] != 0xc3) {
		fprintf(stderr, "hostile_gen: %s: not a little-endian pcap file\n", path);
		return 1;
	}
	while (fread(h, 1, 16, f) == 16) {
		uint32_t caplen = (uint32_t)h[8] | (uint32_t)h[9] << 8 |
				  (uint32_t)h[10] << 16 | (uint32_t)h[11] << 24;

		printf("%ld\n", pos);
		pos += 16 + (long)caplen;
		if (fseek(f, pos, SEEK_SET))
			break;
	}
	printf("%ld\n", pos); /* the end of the file */
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct capture c;
	int rc;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[1], "flood"))) {
		fprintf(stderr, "usage: hostile_gen CASE OUT.pcap | hostile_gen offsets FILE | "
				"hostile_gen flood OUT.pcap N\n");
		return 2;
	}
	if (!strcmp(argv[1], "offsets"))
		return list_offsets(argv[2]);
	c.f = fopen(argv[2], "wb");
	if (!c.f) {
		fprintf(stderr, "hostile_gen: cannot create %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	rc = 0;
	if (argc == 4)
		flood(&c, (uint32_t)strtoul(argv[3], NULL, 10));
	else
		rc = write_case(argv[1], &c);
	if (fclose(c.f)) {
		fprintf(stderr, "hostile_gen: write failed: %s\n", strerror(errno));
		return 1;
	}
	return rc;
}
