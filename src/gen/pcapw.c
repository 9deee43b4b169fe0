/* Classic pcap writer (microsecond timestamps, Ethernet) through a large stdio buffer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_impl.h"
#include "sonata/log.h"

#define PCAPW_BUFSZ (4u << 20)

struct pcap_file_header_v24 {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record_header {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t caplen;
	uint32_t len;
};

int pcapw_open(struct pcap_writer *w, const char *path, uint32_t snaplen, uint64_t start_sec)
{
	struct pcap_file_header_v24 fh = {
		.magic = 0xa1b2c3d4, /* written in host order; readers detect swapped files */
		.version_major = 2,
		.version_minor = 4,
		.snaplen = snaplen,
		.linktype = 1, /* LINKTYPE_ETHERNET */
	};
	int err;

	memset(w, 0, sizeof(*w));
	w->snaplen = snaplen;
	w->start_sec = start_sec;
	w->fp = fopen(path, "wb");
	if (!w->fp) {
		err = -errno;
		sn_err("cannot create '%s': %s", path, strerror(errno));
		return err;
	}
	w->buf = malloc(PCAPW_BUFSZ);
	if (w->buf)
		setvbuf(w->fp, w->buf, _IOFBF, PCAPW_BUFSZ);
	fwrite(&fh, sizeof(fh), 1, w->fp);
	return 0;
}

void pcapw_write(struct pcap_writer *w, uint64_t t_us, const uint8_t *data, uint32_t len)
{
	struct pcap_record_header rh;
	uint32_t caplen = len < w->snaplen ? len : w->snaplen;

	rh.ts_sec = (uint32_t)(w->start_sec + t_us / US_PER_SEC);
	rh.ts_usec = (uint32_t)(t_us % US_PER_SEC);
	rh.caplen = caplen;
	rh.len = len;
	fwrite(&rh, sizeof(rh), 1, w->fp);
	fwrite(data, 1, caplen, w->fp);
}

/* Flush and close. Returns 0 or a negative errno when a write failed. */
int pcapw_close(struct pcap_writer *w)
{
	int err = 0;

	if (!w->fp)
		return 0;
	if (ferror(w->fp))
		err = -EIO;
	if (fclose(w->fp) != 0 && !err)
		err = -errno;
	free(w->buf);
	w->fp = NULL;
	w->buf = NULL;
	return err;
}
