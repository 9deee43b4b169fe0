/* Internal interface between the packet source (source.c) and its readers. */
#ifndef SONATA_CAPTURE_INT_H
#define SONATA_CAPTURE_INT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "sonata/capture.h"
#include "sonata/packet.h"

/* Largest captured length accepted in a record, as libpcap 1.10 for most link types. */
#define SN_MAX_SNAPLEN 262144

struct sn_reader;

struct sn_reader_ops {
	/* Return 1 and fill the capture fields of pkt, 0 at the end of the
	 * input, or a negative errno with the message in the reader's err. */
	int (*next)(struct sn_reader *r, struct sn_packet *pkt);
	/* Byte offset of the next record, or -1 if unknown. */
	int64_t (*offset)(const struct sn_reader *r);
	void (*close)(struct sn_reader *r);
};

struct sn_reader {
	const struct sn_reader_ops *ops;
	const char *name; /* file or interface name, owned by the source */
	char *err;        /* message buffer, owned by the source */
	size_t err_size;
};

/* Format "NAME: message" into r->err and return -errnum. */
int sn_reader_fail(struct sn_reader *r, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Classic pcap magic numbers as read in the file's own byte order. */
#define SN_PCAP_MAGIC_US 0xa1b2c3d4u     /* microsecond timestamps */
#define SN_PCAP_MAGIC_NS 0xa1b23c4du     /* nanosecond timestamps */
#define SN_PCAP_MAGIC_KUZNETZOV 0xa1b2cd34u /* patched Linux format, 24-byte records */
#define SN_PCAP_MAGIC_NAVTEL 0xa12b3c4du
#define SN_PCAPNG_MAGIC 0x0a0d0d0au   /* section header block type */

/* Wrap fd in a read-only stream that first returns the prefix bytes already
 * read from it, so a format can be detected on pipes. ftello() on the stream
 * returns the capture offset. close_fd: close fd with the stream. */
FILE *sn_stream_open(int fd, const uint8_t *prefix, size_t prefix_len, int close_fd);

/* Readers. Each sets *out on success; the reader then owns fp or fd. */
int sn_mmap_pcap_open(struct sn_reader **out, struct sn_reader *proto, int fd, int64_t size);
int sn_pcap_file_open(struct sn_reader **out, struct sn_reader *proto, FILE *fp,
		      uint32_t magic);
int sn_pcapng_open(struct sn_reader **out, struct sn_reader *proto, FILE *fp);

/* Live capture reader and its extras. */
int sn_live_open(struct sn_reader **out, struct sn_reader *proto,
		 const struct sn_capture_opts *opts);
void sn_live_stats(struct sn_reader *r, struct sn_capture_stats *st);
void sn_live_break(struct sn_reader *r);
int sn_live_fd(const struct sn_reader *r);

/* Map a link type from a file header (LINKTYPE_*) to libpcap's DLT_* value
 * on this platform, as pcap_datalink() reports it. Only values that differ. */
static inline int sn_linktype_to_dlt(uint32_t linktype)
{
	switch (linktype) {
	case 100:
		return 11; /* DLT_ATM_RFC1483 */
	case 101:
		return 12; /* DLT_RAW */
	case 102:
		return 15; /* DLT_SLIP_BSDOS */
	case 103:
		return 16; /* DLT_PPP_BSDOS */
	case 106:
		return 19; /* DLT_ATM_CLIP */
	default:
		return (int)linktype;
	}
}

/* Read an unaligned field of a file in either byte order. */
static inline uint16_t sn_rd16(const uint8_t *p, int big_endian)
{
	if (big_endian)
		return (uint16_t)(p[0] << 8 | p[1]);
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t sn_rd32(const uint8_t *p, int big_endian)
{
	if (big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Set by sn_source_break (from a signal handler): blocking reads of standard
 * input give up instead of retrying after EINTR. */
extern volatile sig_atomic_t sn_capture_stop_requested;

#endif
