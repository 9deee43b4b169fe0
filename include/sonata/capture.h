/* Packet sources: capture files (pcap, pcapng) and live interfaces. */
#ifndef SONATA_CAPTURE_H
#define SONATA_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "sonata/packet.h"

struct sn_capture_opts {
	const char *filter; /* capture filter in tcpdump syntax, or NULL */
	int snaplen;        /* live: bytes kept per packet (default 262144) */
	int promisc;        /* live: 1 to put the interface in promiscuous mode */
	int timeout_ms;     /* live: read timeout so idle links still return */
	int use_mmap;       /* files: 1 (default) to read classic pcap through mmap */
};

struct sn_capture_stats {
	uint64_t packets;       /* packets returned */
	uint64_t bytes;         /* captured bytes returned */
	uint64_t kernel_drops;  /* live: dropped by the kernel (pcap_stats ps_drop) */
	uint64_t iface_drops;   /* live: dropped by the interface (ps_ifdrop) */
	uint64_t filtered_out;  /* files: records rejected by the capture filter */
};

struct sn_source;

/* Open files read one after another as a single stream; "-" is standard input.
 * Each file is opened when the stream reaches it, so a missing or invalid file
 * is reported by sn_source_next(). On failure of either open, *out is NULL and
 * the message is logged with sn_err(). */
int sn_source_open_files(struct sn_source **out, const char *const *paths, size_t n,
			 const struct sn_capture_opts *opts);
int sn_source_open_live(struct sn_source **out, const char *iface,
			const struct sn_capture_opts *opts);

/* Read the next packet into pkt (capture fields only). Returns 1 for a packet,
 * 0 at the end of input, -EAGAIN when a live read timed out with no packet,
 * or a negative errno on error, with the message in sn_source_error(). A read
 * error ends the stream: packets returned before it stay valid results. */
int sn_source_next(struct sn_source *src, struct sn_packet *pkt);

/* Message of the last error: names the file and the byte offset. */
const char *sn_source_error(const struct sn_source *src);
/* Name of the file or interface being read. */
const char *sn_source_name(const struct sn_source *src);
int sn_source_is_live(const struct sn_source *src);
/* Byte offset of the next record in the current file, or -1 if unknown. */
int64_t sn_source_offset(const struct sn_source *src);
/* Size in bytes of all input files, or -1 (live, standard input). */
int64_t sn_source_total_bytes(const struct sn_source *src);
/* Bytes consumed so far over all files, for progress bars. */
int64_t sn_source_bytes_done(const struct sn_source *src);
void sn_source_stats(struct sn_source *src, struct sn_capture_stats *st);
/* Stop a blocking live read from a signal handler. */
void sn_source_break(struct sn_source *src);
/* File descriptor of a live source for poll(), or -1. */
int sn_source_fd(const struct sn_source *src);
void sn_source_close(struct sn_source *src);

#endif
