/* Helpers for the capture tests: build pcap and pcapng files byte by byte. */
#ifndef SONATA_TEST_CAPTURE_FILES_H
#define SONATA_TEST_CAPTURE_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/capture.h"

struct tbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool big_endian;
};

static inline void tb_put(struct tbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->data = realloc(b->data, b->cap);
		if (!b->data)
			abort();
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void tb_u8(struct tbuf *b, uint8_t v)
{
	tb_put(b, &v, 1);
}

static inline void tb_u16(struct tbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	if (b->big_endian) {
		x[0] = (uint8_t)(v >> 8);
		x[1] = (uint8_t)v;
	}
	tb_put(b, x, 2);
}

static inline void tb_u32(struct tbuf *b, uint32_t v)
{
	if (b->big_endian) {
		tb_u16(b, (uint16_t)(v >> 16));
		tb_u16(b, (uint16_t)v);
	} else {
		tb_u16(b, (uint16_t)v);
		tb_u16(b, (uint16_t)(v >> 16));
	}
}

static inline void tb_pad4(struct tbuf *b)
{
	while (b->len % 4)
		tb_u8(b, 0);
}

static inline void tb_free(struct tbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Classic pcap file header: magic 0xa1b2c3d4 (us) or 0xa1b23c4d (ns). */
static inline void pcap_file_header(struct tbuf *b, uint32_t magic, uint32_t snaplen,
				    uint32_t linktype)
{
	tb_u32(b, magic);
	tb_u16(b, 2);
	tb_u16(b, 4);
	tb_u32(b, 0);
	tb_u32(b, 0);
	tb_u32(b, snaplen);
	tb_u32(b, linktype);
}

/* One record whose bytes are data[0..caplen), or a counting pattern when data is NULL. */
static inline void pcap_record(struct tbuf *b, uint32_t sec, uint32_t frac, const uint8_t *data,
			       uint32_t caplen, uint32_t wirelen)
{
	uint32_t i;

	tb_u32(b, sec);
	tb_u32(b, frac);
	tb_u32(b, caplen);
	tb_u32(b, wirelen);
	if (data) {
		tb_put(b, data, caplen);
		return;
	}
	for (i = 0; i < caplen; i++)
		tb_u8(b, (uint8_t)(i * 7 + caplen));
}

static inline void ng_section(struct tbuf *b)
{
	tb_u32(b, 0x0a0d0d0a);
	tb_u32(b, 28);
	tb_u32(b, 0x1a2b3c4d);
	tb_u16(b, 1);
	tb_u16(b, 0);
	tb_u32(b, 0xffffffff); /* section length unknown */
	tb_u32(b, 0xffffffff);
	tb_u32(b, 28);
}

/* Interface description; tsresol < 0 leaves the default (microseconds). */
static inline void ng_interface(struct tbuf *b, uint16_t linktype, uint32_t snaplen, int tsresol)
{
	uint32_t len = 20 + (tsresol >= 0 ? 12 : 0);

	tb_u32(b, 1);
	tb_u32(b, len);
	tb_u16(b, linktype);
	tb_u16(b, 0);
	tb_u32(b, snaplen);
	if (tsresol >= 0) {
		tb_u16(b, 9);
		tb_u16(b, 1);
		tb_u8(b, (uint8_t)tsresol);
		tb_pad4(b);
		tb_u32(b, 0); /* opt_endofopt */
	}
	tb_u32(b, len);
}

static inline void ng_enhanced(struct tbuf *b, uint32_t ifid, uint64_t ts, uint32_t caplen,
			       uint32_t wirelen, const uint8_t *data)
{
	uint32_t len = 32 + ((caplen + 3) & ~3u);
	uint32_t i;

	tb_u32(b, 6);
	tb_u32(b, len);
	tb_u32(b, ifid);
	tb_u32(b, (uint32_t)(ts >> 32));
	tb_u32(b, (uint32_t)ts);
	tb_u32(b, caplen);
	tb_u32(b, wirelen);
	for (i = 0; i < caplen; i++)
		tb_u8(b, data ? data[i] : (uint8_t)(i * 7 + caplen));
	tb_pad4(b);
	tb_u32(b, len);
}

static inline void ng_simple(struct tbuf *b, uint32_t wirelen)
{
	uint32_t len = 16 + ((wirelen + 3) & ~3u);
	uint32_t i;

	tb_u32(b, 3);
	tb_u32(b, len);
	tb_u32(b, wirelen);
	for (i = 0; i < wirelen; i++)
		tb_u8(b, (uint8_t)(i * 7 + wirelen));
	tb_pad4(b);
	tb_u32(b, len);
}

static inline char *write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char *path = malloc(4096);
	FILE *fp;

	snprintf(path, 4096, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp)
		abort();
	if (len && fwrite(data, 1, len, fp) != len)
		abort();
	fclose(fp);
	return path;
}

/* One packet as the tests compare it. */
struct got_pkt {
	uint64_t ts_ns;
	uint32_t caplen;
	uint32_t wirelen;
	int linktype;
	uint8_t first; /* first data byte, or 0 */
	uint8_t last;
};

/* Read every packet of paths into got (up to max); returns the packet count
 * and stores the last sn_source_next() result in *end. */
static inline size_t read_all(const char *const *paths, size_t n, int use_mmap, const char *filter,
			      struct got_pkt *got, size_t max, int *end, char *err, size_t errlen,
			      struct sn_capture_stats *st)
{
	struct sn_capture_opts opts = { .use_mmap = use_mmap, .filter = filter };
	struct sn_source *src;
	struct sn_packet pkt;
	size_t count = 0;
	int ret;

	ret = sn_source_open_files(&src, paths, n, &opts);
	if (ret < 0) {
		*end = ret;
		return 0;
	}
	while ((ret = sn_source_next(src, &pkt)) == 1) {
		if (count < max) {
			got[count].ts_ns = pkt.ts_ns;
			got[count].caplen = pkt.caplen;
			got[count].wirelen = pkt.wirelen;
			got[count].linktype = pkt.linktype;
			got[count].first = pkt.caplen ? pkt.data[0] : 0;
			got[count].last = pkt.caplen ? pkt.data[pkt.caplen - 1] : 0;
		}
		count++;
	}
	*end = ret;
	if (err)
		snprintf(err, errlen, "%s", sn_source_error(src));
	if (st)
		sn_source_stats(src, st);
	sn_source_close(src);
	return count;
}

#endif
