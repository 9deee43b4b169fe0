/* Live capture from a network interface through libpcap. */
#include <errno.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "capture/capture_int.h"

#define DEFAULT_TIMEOUT_MS 100

struct live_reader {
	struct sn_reader base;
	pcap_t *pcap;
	int linktype;
	int nano; /* 1 when libpcap delivers nanosecond timestamps */
};

static int live_next(struct sn_reader *r, struct sn_packet *pkt)
{
	struct live_reader *l = (struct live_reader *)r;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int ret;

	ret = pcap_next_ex(l->pcap, &hdr, &data);
	if (ret == 0)
		return -EAGAIN;
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1)
		return sn_reader_fail(r, EIO, "capture failed: %s", pcap_geterr(l->pcap));
	pkt->ts_ns = (uint64_t)hdr->ts.tv_sec * 1000000000u +
		     (uint64_t)hdr->ts.tv_usec * (l->nano ? 1 : 1000);
	pkt->caplen = hdr->caplen;
	pkt->wirelen = hdr->len;
	pkt->linktype = l->linktype;
	pkt->data = data;
	return 1;
}

static int64_t live_offset(const struct sn_reader *r)
{
	return -1;
}

static void live_close(struct sn_reader *r)
{
	struct live_reader *l = (struct live_reader *)r;

	pcap_close(l->pcap);
	free(l);
}

static const struct sn_reader_ops live_ops = {
	.next = live_next,
	.offset = live_offset,
	.close = live_close,
};

static int set_filter(struct live_reader *l, const char *filter)
{
	struct bpf_program prog;
	int ret;

	if (pcap_compile(l->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return sn_reader_fail(&l->base, EINVAL, "invalid capture filter \"%s\": %s",
				      filter, pcap_geterr(l->pcap));
	ret = pcap_setfilter(l->pcap, &prog);
	pcap_freecode(&prog);
	if (ret < 0)
		return sn_reader_fail(&l->base, EIO, "cannot set capture filter \"%s\": %s", filter,
				      pcap_geterr(l->pcap));
	return 0;
}

/* Map a pcap_activate() status to an errno for the caller. */
static int activate_errno(int status)
{
	switch (status) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return ENODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		return ENETDOWN;
	default:
		return EIO;
	}
}

static int configure(struct live_reader *l, const struct sn_capture_opts *opts)
{
	int snaplen = opts->snaplen > 0 ? opts->snaplen : SN_MAX_SNAPLEN;
	int timeout = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	int status;

	pcap_set_snaplen(l->pcap, snaplen);
	pcap_set_promisc(l->pcap, opts->promisc ? 1 : 0);
	pcap_set_timeout(l->pcap, timeout);
	pcap_set_immediate_mode(l->pcap, 1);
	/* Not every platform offers nanosecond stamps; the precision is read back below. */
	pcap_set_tstamp_precision(l->pcap, PCAP_TSTAMP_PRECISION_NANO);
	status = pcap_activate(l->pcap);
	if (status < 0) {
		const char *msg = pcap_geterr(l->pcap);

		if (!msg[0])
			msg = pcap_statustostr(status);
		return sn_reader_fail(&l->base, activate_errno(status), "cannot capture: %s", msg);
	}
	l->nano = pcap_get_tstamp_precision(l->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	l->linktype = pcap_datalink(l->pcap);
	if (opts->filter && *opts->filter)
		return set_filter(l, opts->filter);
	return 0;
}

int sn_live_open(struct sn_reader **out, struct sn_reader *proto,
		 const struct sn_capture_opts *opts)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct live_reader *l;
	int ret;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->base = *proto;
	l->base.ops = &live_ops;
	l->pcap = pcap_create(proto->name, errbuf);
	if (!l->pcap) {
		free(l);
		return sn_reader_fail(proto, ENODEV, "cannot open interface: %s", errbuf);
	}
	ret = configure(l, opts);
	if (ret < 0) {
		pcap_close(l->pcap);
		free(l);
		return ret;
	}
	*out = &l->base;
	return 0;
}

void sn_live_stats(struct sn_reader *r, struct sn_capture_stats *st)
{
	struct live_reader *l = (struct live_reader *)r;
	struct pcap_stat ps;

	if (pcap_stats(l->pcap, &ps) < 0)
		return;
	st->kernel_drops = ps.ps_drop;
	st->iface_drops = ps.ps_ifdrop;
}

/* Safe in a signal handler: pcap_breakloop() (libpcap 1.10) only sets a flag and, on Linux,
 * writes to an eventfd that wakes the poll() inside pcap_next_ex(). */
void sn_live_break(struct sn_reader *r)
{
	pcap_breakloop(((struct live_reader *)r)->pcap);
}

int sn_live_fd(const struct sn_reader *r)
{
	return pcap_get_selectable_fd(((const struct live_reader *)r)->pcap);
}
