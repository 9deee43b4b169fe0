/* Reader for classic pcap through libpcap: pipes, standard input, old format
 * variants, and any file when mmap is off. */
#include <errno.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "capture/capture_int.h"

struct pcap_file_reader {
	struct sn_reader base;
	pcap_t *pcap;
	FILE *fp;
	int rec_hdr_len; /* bytes of a record header in this file variant */
	int linktype;
};

/* libpcap cuts a record longer than the file's snaplen down to the snaplen
 * and skips the rest, so a cut shows as more bytes consumed than returned. */
static int check_cut_record(struct pcap_file_reader *f, int64_t start, uint32_t caplen)
{
	int64_t end = ftello(f->fp);
	int64_t stored = end - start - f->rec_hdr_len;

	if (start < 0 || end < 0 || stored <= (int64_t)caplen)
		return 0;
	return sn_reader_fail(&f->base, EBADMSG,
			      "invalid record at byte offset %lld: captured length %lld exceeds the file's snaplen %d",
			      (long long)start, (long long)stored, pcap_snapshot(f->pcap));
}

static int pcap_file_next(struct sn_reader *r, struct sn_packet *pkt)
{
	struct pcap_file_reader *f = (struct pcap_file_reader *)r;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int64_t start = ftello(f->fp);
	int ret;

	ret = pcap_next_ex(f->pcap, &hdr, &data);
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1)
		return sn_reader_fail(r, ferror(f->fp) ? EIO : EBADMSG,
				      "invalid record at byte offset %lld: %s", (long long)start,
				      pcap_geterr(f->pcap));
	ret = check_cut_record(f, start, hdr->caplen);
	if (ret < 0)
		return ret;

	/* libpcap 1.10 stores the unsigned 32-bit seconds field in a signed one. */
	pkt->ts_ns = (uint64_t)(uint32_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;
	pkt->caplen = hdr->caplen;
	pkt->wirelen = hdr->len;
	pkt->linktype = f->linktype;
	pkt->data = data;
	return 1;
}

static int64_t pcap_file_offset(const struct sn_reader *r)
{
	return ftello(((const struct pcap_file_reader *)r)->fp);
}

static void pcap_file_close(struct sn_reader *r)
{
	struct pcap_file_reader *f = (struct pcap_file_reader *)r;

	pcap_close(f->pcap); /* closes f->fp too */
	free(f);
}

static const struct sn_reader_ops pcap_file_ops = {
	.next = pcap_file_next,
	.offset = pcap_file_offset,
	.close = pcap_file_close,
};

int sn_pcap_file_open(struct sn_reader **out, struct sn_reader *proto, FILE *fp, uint32_t magic)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_file_reader *f;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->base = *proto;
	f->base.ops = &pcap_file_ops;
	f->fp = fp;
	f->rec_hdr_len = magic == SN_PCAP_MAGIC_KUZNETZOV ? 24 : 16;
	f->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!f->pcap) {
		free(f);
		return sn_reader_fail(proto, EBADMSG, "%s", errbuf);
	}
	f->linktype = pcap_datalink(f->pcap);
	*out = &f->base;
	return 0;
}
