/* Zero-copy reader for classic pcap files: map the file and walk its records. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture_int.h"

#define FILE_HDR_LEN 24
#define REC_HDR_LEN 16
/* Pages already read are dropped from the mapping in steps of this size, so
 * the resident size stays flat however long the file is (they stay in the
 * page cache). */
#define RELEASE_STEP (16u << 20)
/* Pages ahead of the reader are mapped in steps of this size with one call,
 * rather than by a page fault every few records. */
#define POPULATE_STEP (4u << 20)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels refuse it, and faults do the work */
#endif

struct mmap_reader {
	struct sn_reader base;
	uint8_t *map; /* read-only mapping */
	size_t size;
	size_t pos;
	size_t released; /* bytes from the start no longer mapped in */
	size_t populated; /* bytes from the start mapped in ahead of time */
	int fd;
	bool big_endian;
	bool nano;
	uint32_t snaplen; /* effective limit on a record's captured length */
	int linktype;
};

static int parse_file_header(struct mmap_reader *m)
{
	uint32_t magic, snaplen;
	uint16_t major, minor;

	if (m->size < FILE_HDR_LEN)
		return sn_reader_fail(&m->base, EBADMSG,
				      "truncated file header: %d bytes needed, %zu present",
				      FILE_HDR_LEN, m->size);
	magic = sn_rd32(m->map, 0);
	m->big_endian = magic == __builtin_bswap32(SN_PCAP_MAGIC_US) ||
			magic == __builtin_bswap32(SN_PCAP_MAGIC_NS);
	magic = sn_rd32(m->map, m->big_endian);
	if (magic != SN_PCAP_MAGIC_US && magic != SN_PCAP_MAGIC_NS)
		return -ENOTSUP;
	m->nano = magic == SN_PCAP_MAGIC_NS;
	major = sn_rd16(m->map + 4, m->big_endian);
	minor = sn_rd16(m->map + 6, m->big_endian);
	/* Versions before 2.3 may swap caplen and len; libpcap reads those. */
	if (major != 2 || minor < 3)
		return -ENOTSUP;
	snaplen = sn_rd32(m->map + 16, m->big_endian);
	if (snaplen == 0 || snaplen > SN_MAX_SNAPLEN)
		snaplen = SN_MAX_SNAPLEN;
	m->snaplen = snaplen;
	m->linktype = sn_linktype_to_dlt(sn_rd32(m->map + 20, m->big_endian) & 0xffff);
	m->pos = FILE_HDR_LEN;
	return 0;
}

/* Drop the pages before the current record: no packet handed out earlier
 * is read again once the next one is asked for. */
static void release_read(struct mmap_reader *m)
{
	size_t upto = m->pos & ~(size_t)(RELEASE_STEP - 1);

	if (upto <= m->released)
		return;
	madvise(m->map + m->released, upto - m->released, MADV_DONTNEED);
	m->released = upto;
}

static void populate_ahead(struct mmap_reader *m)
{
	size_t len = m->size - m->populated < POPULATE_STEP ? m->size - m->populated
							     : POPULATE_STEP;

	if (len)
		madvise(m->map + m->populated, len, MADV_POPULATE_READ);
	m->populated += len;
}

static int mmap_next(struct sn_reader *r, struct sn_packet *pkt)
{
	struct mmap_reader *m = (struct mmap_reader *)r;
	const uint8_t *rec = m->map + m->pos;
	size_t left = m->size - m->pos;
	uint32_t sec, frac, caplen;

	if (left == 0)
		return 0;
	if (m->pos - m->released >= 2 * (size_t)RELEASE_STEP)
		release_read(m);
	if (m->pos + POPULATE_STEP / 2 > m->populated)
		populate_ahead(m);
	if (left < REC_HDR_LEN)
		return sn_reader_fail(r, EBADMSG,
				      "truncated record header at byte offset %zu: %d bytes needed, %zu remain",
				      m->pos, REC_HDR_LEN, left);
	sec = sn_rd32(rec, m->big_endian);
	frac = sn_rd32(rec + 4, m->big_endian);
	caplen = sn_rd32(rec + 8, m->big_endian);
	if (caplen > m->snaplen)
		return sn_reader_fail(r, EBADMSG,
				      "invalid record at byte offset %zu: captured length %u exceeds the file's snaplen %u",
				      m->pos, caplen, m->snaplen);
	if (caplen > left - REC_HDR_LEN)
		return sn_reader_fail(r, EBADMSG,
				      "truncated record at byte offset %zu: header says %u captured bytes, %zu remain",
				      m->pos, caplen, left - REC_HDR_LEN);

	pkt->ts_ns = (uint64_t)sec * 1000000000u + (uint64_t)frac * (m->nano ? 1 : 1000);
	pkt->caplen = caplen;
	pkt->wirelen = sn_rd32(rec + 12, m->big_endian);
	pkt->linktype = m->linktype;
	pkt->data = rec + REC_HDR_LEN;
	m->pos += REC_HDR_LEN + caplen;
	return 1;
}

static int64_t mmap_offset(const struct sn_reader *r)
{
	return (int64_t)((const struct mmap_reader *)r)->pos;
}

static void mmap_close(struct sn_reader *r)
{
	struct mmap_reader *m = (struct mmap_reader *)r;

	munmap(m->map, m->size);
	close(m->fd);
	free(m);
}

static const struct sn_reader_ops mmap_ops = {
	.next = mmap_next,
	.offset = mmap_offset,
	.close = mmap_close,
};

/* Returns -ENOTSUP, leaving fd open, for pcap variants this reader does not walk. */
int sn_mmap_pcap_open(struct sn_reader **out, struct sn_reader *proto, int fd, int64_t size)
{
	struct mmap_reader *m;
	void *map;
	int ret;

	if (size <= 0 || (uint64_t)size > SIZE_MAX)
		return -ENOTSUP;
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -ENOTSUP;
	madvise(map, (size_t)size, MADV_SEQUENTIAL);
	m = calloc(1, sizeof(*m));
	if (!m) {
		munmap(map, (size_t)size);
		return -ENOMEM;
	}
	m->base = *proto;
	m->base.ops = &mmap_ops;
	m->map = map;
	m->size = (size_t)size;
	m->fd = fd;
	ret = parse_file_header(m);
	if (ret < 0) {
		munmap(map, (size_t)size);
		free(m);
		return ret;
	}
	*out = &m->base;
	return 0;
}
