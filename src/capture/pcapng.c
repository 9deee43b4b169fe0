/* Reader for pcapng streams that gives each packet its own interface's link type.
 *
 * libpcap 1.10 stops with "an interface has a type N different from the type
 * of the first interface" when a file describes interfaces of different link
 * types, so pcapng files are read here: section header, interface description,
 * enhanced, simple and (obsolete) packet blocks, in either byte order. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture_int.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_PB 2u
#define BT_SPB 3u
#define BT_EPB 6u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
/* The largest block accepted; libpcap 1.10 uses the same bound. */
#define MAX_BLOCK_LEN (16u << 20)

#define OPT_END 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

struct pcapng_if {
	int linktype;
	uint32_t snaplen; /* 0 when the interface sets no limit */
	uint8_t tsresol;  /* if_tsresol: bit 7 set for 2^-n, clear for 10^-n */
	int64_t tsoffset; /* if_tsoffset in seconds */
};

struct pcapng_reader {
	struct sn_reader base;
	FILE *fp;
	int64_t pos;       /* offset of the next block */
	bool big_endian;   /* byte order of the current section */
	uint8_t *buf;      /* the current block */
	size_t buf_size;
	struct pcapng_if *ifs;
	uint32_t n_ifs;
	uint32_t ifs_cap;
};

/* Convert a timestamp in interface units to nanoseconds. */
static uint64_t ts_to_ns(const struct pcapng_if *intf, uint64_t ts)
{
	unsigned int exp = intf->tsresol & 0x7f;
	uint64_t ns;

	if (intf->tsresol & 0x80) {
		ns = (uint64_t)(((unsigned __int128)ts * 1000000000u) >> exp);
	} else if (exp <= 9) {
		ns = ts;
		for (; exp < 9; exp++)
			ns *= 10;
	} else {
		ns = ts;
		for (; exp > 9 && ns; exp--)
			ns /= 10;
	}
	return ns + (uint64_t)intf->tsoffset * 1000000000u;
}

static int read_exact(struct pcapng_reader *g, uint8_t *dst, size_t len, size_t *got)
{
	*got = fread(dst, 1, len, g->fp);
	if (*got == len)
		return 0;
	return ferror(g->fp) ? -EIO : -EBADMSG;
}

static int grow_buf(struct pcapng_reader *g, size_t len)
{
	uint8_t *nbuf;

	if (len <= g->buf_size)
		return 0;
	nbuf = realloc(g->buf, len);
	if (!nbuf)
		return -ENOMEM;
	g->buf = nbuf;
	g->buf_size = len;
	return 0;
}

/* Read the whole block at g->pos into g->buf. Returns its length, 0 at the
 * end of the stream, or a negative errno. A section header block also sets
 * the byte order for the blocks after it. */
static int read_block(struct pcapng_reader *g, uint32_t *type)
{
	uint8_t hdr[12];
	size_t got, hlen = 8;
	uint32_t len, trailing;
	int ret;

	ret = read_exact(g, hdr, 8, &got);
	if (ret < 0 && got == 0 && ret == -EBADMSG)
		return 0;
	if (ret < 0)
		return sn_reader_fail(&g->base, -ret,
				      "truncated block header at byte offset %lld: 8 bytes needed, %zu remain",
				      (long long)g->pos, got);
	*type = sn_rd32(hdr, g->big_endian);
	if (*type == BT_SHB) {
		ret = read_exact(g, hdr + 8, 4, &got);
		if (ret < 0)
			return sn_reader_fail(&g->base, -ret,
					      "truncated section header at byte offset %lld",
					      (long long)g->pos);
		if (sn_rd32(hdr + 8, 0) == BYTE_ORDER_MAGIC)
			g->big_endian = false;
		else if (sn_rd32(hdr + 8, 1) == BYTE_ORDER_MAGIC)
			g->big_endian = true;
		else
			return sn_reader_fail(&g->base, EBADMSG,
					      "invalid section header at byte offset %lld: byte-order magic 0x%08x",
					      (long long)g->pos, sn_rd32(hdr + 8, 1));
		hlen = 12;
	}
	len = sn_rd32(hdr + 4, g->big_endian);
	if (len < 12 || len % 4 != 0 || len > MAX_BLOCK_LEN || len < hlen + 4)
		return sn_reader_fail(&g->base, EBADMSG,
				      "invalid block at byte offset %lld: length %u is not a multiple of 4 between 12 and %u",
				      (long long)g->pos, len, MAX_BLOCK_LEN);
	ret = grow_buf(g, len);
	if (ret < 0)
		return sn_reader_fail(&g->base, -ret, "no memory for a %u-byte block", len);
	memcpy(g->buf, hdr, hlen);
	ret = read_exact(g, g->buf + hlen, len - hlen, &got);
	if (ret < 0)
		return sn_reader_fail(&g->base, -ret,
				      "truncated block at byte offset %lld: header says %u bytes, %zu remain",
				      (long long)g->pos, len, got + hlen);
	trailing = sn_rd32(g->buf + len - 4, g->big_endian);
	if (trailing != len)
		return sn_reader_fail(&g->base, EBADMSG,
				      "invalid block at byte offset %lld: trailing length %u differs from the leading length %u",
				      (long long)g->pos, trailing, len);
	return (int)len;
}

static void parse_if_options(struct pcapng_reader *g, struct pcapng_if *intf, const uint8_t *opt,
			     size_t len)
{
	while (len >= 4) {
		uint16_t code = sn_rd16(opt, g->big_endian);
		uint16_t olen = sn_rd16(opt + 2, g->big_endian);
		size_t padded = 4 + (((size_t)olen + 3) & ~(size_t)3);

		if (code == OPT_END || padded > len)
			break;
		if (code == OPT_IF_TSRESOL && olen == 1)
			intf->tsresol = opt[4];
		if (code == OPT_IF_TSOFFSET && olen == 8) {
			uint64_t first = sn_rd32(opt + 4, g->big_endian);
			uint64_t second = sn_rd32(opt + 8, g->big_endian);
			uint64_t v = g->big_endian ? first << 32 | second : second << 32 | first;

			intf->tsoffset = (int64_t)v;
		}
		opt += padded;
		len -= padded;
	}
}

static int add_interface(struct pcapng_reader *g, const uint8_t *blk, uint32_t len)
{
	struct pcapng_if *intf;

	if (len < 20)
		return sn_reader_fail(&g->base, EBADMSG,
				      "invalid interface description at byte offset %lld: %u bytes, 20 needed",
				      (long long)g->pos, len);
	if (g->n_ifs == g->ifs_cap) {
		uint32_t cap = g->ifs_cap ? g->ifs_cap * 2 : 4;
		struct pcapng_if *n = realloc(g->ifs, cap * sizeof(*n));

		if (!n)
			return sn_reader_fail(&g->base, ENOMEM, "no memory for %u interfaces", cap);
		g->ifs = n;
		g->ifs_cap = cap;
	}
	intf = &g->ifs[g->n_ifs++];
	intf->linktype = sn_linktype_to_dlt(sn_rd16(blk + 8, g->big_endian));
	intf->snaplen = sn_rd32(blk + 12, g->big_endian);
	intf->tsresol = 6;
	intf->tsoffset = 0;
	parse_if_options(g, intf, blk + 16, len - 20);
	return 0;
}

static int parse_section(struct pcapng_reader *g, const uint8_t *blk, uint32_t len)
{
	uint16_t major;

	if (len < 28)
		return sn_reader_fail(&g->base, EBADMSG,
				      "invalid section header at byte offset %lld: %u bytes, 28 needed",
				      (long long)g->pos, len);
	major = sn_rd16(blk + 12, g->big_endian);
	if (major != 1)
		return sn_reader_fail(&g->base, EBADMSG,
				      "unsupported pcapng version %u.%u at byte offset %lld",
				      major, sn_rd16(blk + 14, g->big_endian), (long long)g->pos);
	g->n_ifs = 0; /* interface ids are local to a section */
	return 0;
}

static int check_caplen(struct pcapng_reader *g, const struct pcapng_if *intf, uint32_t caplen,
			uint32_t room)
{
	uint32_t limit = intf->snaplen && intf->snaplen < SN_MAX_SNAPLEN ? intf->snaplen :
									     SN_MAX_SNAPLEN;

	if (caplen > limit)
		return sn_reader_fail(&g->base, EBADMSG,
				      "invalid record at byte offset %lld: captured length %u exceeds the interface's snaplen %u",
				      (long long)g->pos, caplen, limit);
	if (caplen > room)
		return sn_reader_fail(&g->base, EBADMSG,
				      "invalid record at byte offset %lld: captured length %u exceeds the %u bytes of its block",
				      (long long)g->pos, caplen, room);
	return 0;
}

static const struct pcapng_if *find_interface(struct pcapng_reader *g, uint32_t id)
{
	if (id < g->n_ifs)
		return &g->ifs[id];
	sn_reader_fail(&g->base, EBADMSG,
		       "invalid record at byte offset %lld: interface %u, but the section describes %u",
		       (long long)g->pos, id, g->n_ifs);
	return NULL;
}

/* Enhanced (type 6) and obsolete packet (type 2) blocks share one layout
 * after the interface id: timestamp high, low, caplen, wirelen, data. */
static int parse_packet(struct pcapng_reader *g, uint32_t type, uint32_t len,
			struct sn_packet *pkt)
{
	const uint8_t *b = g->buf;
	const struct pcapng_if *intf;
	uint32_t id, caplen;
	uint64_t ts;
	int ret;

	if (len < 32)
		return sn_reader_fail(&g->base, EBADMSG,
				      "invalid record at byte offset %lld: %u-byte packet block, 32 needed",
				      (long long)g->pos, len);
	id = type == BT_EPB ? sn_rd32(b + 8, g->big_endian) : sn_rd16(b + 8, g->big_endian);
	intf = find_interface(g, id);
	if (!intf)
		return -EBADMSG;
	caplen = sn_rd32(b + 20, g->big_endian);
	ret = check_caplen(g, intf, caplen, len - 32);
	if (ret < 0)
		return ret;
	ts = (uint64_t)sn_rd32(b + 12, g->big_endian) << 32 | sn_rd32(b + 16, g->big_endian);
	pkt->ts_ns = ts_to_ns(intf, ts);
	pkt->caplen = caplen;
	pkt->wirelen = sn_rd32(b + 24, g->big_endian);
	pkt->linktype = intf->linktype;
	pkt->data = b + 28;
	return 1;
}

/* A simple packet block has no timestamp and belongs to the first interface. */
static int parse_simple(struct pcapng_reader *g, uint32_t len, struct sn_packet *pkt)
{
	const struct pcapng_if *intf;
	uint32_t wirelen, caplen;

	if (len < 16)
		return sn_reader_fail(&g->base, EBADMSG,
				      "invalid record at byte offset %lld: %u-byte simple packet block, 16 needed",
				      (long long)g->pos, len);
	intf = find_interface(g, 0);
	if (!intf)
		return -EBADMSG;
	wirelen = sn_rd32(g->buf + 8, g->big_endian);
	caplen = wirelen;
	if (intf->snaplen && caplen > intf->snaplen)
		caplen = intf->snaplen;
	if (caplen > len - 16)
		caplen = len - 16;
	pkt->ts_ns = 0;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->linktype = intf->linktype;
	pkt->data = g->buf + 12;
	return 1;
}

static int dispatch_block(struct pcapng_reader *g, uint32_t type, uint32_t len,
			  struct sn_packet *pkt)
{
	switch (type) {
	case BT_SHB:
		return parse_section(g, g->buf, len);
	case BT_IDB:
		return add_interface(g, g->buf, len);
	case BT_EPB:
	case BT_PB:
		return parse_packet(g, type, len, pkt);
	case BT_SPB:
		return parse_simple(g, len, pkt);
	default:
		return 0; /* statistics, name resolution, custom blocks: not needed */
	}
}

static int pcapng_next(struct sn_reader *r, struct sn_packet *pkt)
{
	struct pcapng_reader *g = (struct pcapng_reader *)r;
	uint32_t type = 0;
	int len, ret;

	for (;;) {
		len = read_block(g, &type);
		if (len <= 0)
			return len;
		ret = dispatch_block(g, type, (uint32_t)len, pkt);
		if (ret < 0)
			return ret;
		g->pos += len;
		if (ret == 1)
			return 1;
	}
}

static int64_t pcapng_offset(const struct sn_reader *r)
{
	return ((const struct pcapng_reader *)r)->pos;
}

static void pcapng_close(struct sn_reader *r)
{
	struct pcapng_reader *g = (struct pcapng_reader *)r;

	fclose(g->fp);
	free(g->buf);
	free(g->ifs);
	free(g);
}

static const struct sn_reader_ops pcapng_ops = {
	.next = pcapng_next,
	.offset = pcapng_offset,
	.close = pcapng_close,
};

int sn_pcapng_open(struct sn_reader **out, struct sn_reader *proto, FILE *fp)
{
	struct pcapng_reader *g;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->base = *proto;
	g->base.ops = &pcapng_ops;
	g->fp = fp;
	*out = &g->base;
	return 0;
}
