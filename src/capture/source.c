/* Packet source: capture files read in order as one stream, or a live interface. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture/capture_int.h"
#include "sonata/capture.h"
#include "sonata/log.h"

/* The capture filter compiled for one link type. */
struct link_filter {
	int linktype;
	bool usable; /* false when libpcap cannot compile the filter for it */
	struct bpf_program prog;
};

struct sn_source {
	char **paths;
	size_t n_paths;
	size_t next_path;
	bool live;
	char *live_name;
	char *filter;
	int use_mmap;
	struct sn_reader *reader;
	const char *name;         /* current file or interface */
	int status;               /* 0 while reading, 1 at the end, or a negative errno */
	volatile sig_atomic_t stop;
	int64_t total_bytes;
	int64_t done_bytes;       /* bytes of the files already finished */
	struct sn_capture_stats stats;
	struct link_filter *filters;
	size_t n_filters;
	char err[1024];
};

int sn_reader_fail(struct sn_reader *r, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->err, r->err_size, "%s: ", r->name);
	if (n < 0 || (size_t)n >= r->err_size)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->err_size - (size_t)n, fmt, ap);
	va_end(ap);
	return -errnum;
}

static struct sn_reader make_proto(struct sn_source *src)
{
	struct sn_reader proto = {
		.name = src->name,
		.err = src->err,
		.err_size = sizeof(src->err),
	};

	return proto;
}

/* Read up to 4 bytes; a stream is consumed, a regular file is left at offset 0. */
static ssize_t read_magic(int fd, bool regular, uint8_t magic[4])
{
	size_t got = 0;
	ssize_t n;

	if (regular)
		return pread(fd, magic, 4, 0);
	while (got < 4) {
		n = read(fd, magic + got, 4 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static bool is_classic_magic(uint32_t magic)
{
	return magic == SN_PCAP_MAGIC_US || magic == SN_PCAP_MAGIC_NS ||
	       magic == SN_PCAP_MAGIC_KUZNETZOV || magic == SN_PCAP_MAGIC_NAVTEL;
}

/* Check the file's magic number, never its name, and set *magic to the
 * byte-order-independent value. *got returns the bytes read. */
static int check_magic(struct sn_reader *proto, int fd, bool regular, uint8_t bytes[4],
		       ssize_t *got, uint32_t *magic)
{
	*got = read_magic(fd, regular, bytes);
	if (*got < 0)
		return sn_reader_fail(proto, errno, "read failed: %s", strerror(errno));
	if (*got == 0)
		return sn_reader_fail(proto, EINVAL, "empty file, not a capture");
	if (*got < 4)
		return sn_reader_fail(proto, EINVAL,
				      "not a pcap or pcapng file (only %zd bytes)", *got);
	*magic = sn_rd32(bytes, 0);
	if (!is_classic_magic(*magic) && is_classic_magic(__builtin_bswap32(*magic)))
		*magic = __builtin_bswap32(*magic);
	if (*magic != SN_PCAPNG_MAGIC && !is_classic_magic(*magic))
		return sn_reader_fail(proto, EINVAL, "not a pcap or pcapng file (magic 0x%08x)",
				      sn_rd32(bytes, 1));
	return 0;
}

/* Open the reader for fd's format. Takes fd: it is closed on failure and
 * with the reader, unless owns_fd is false (standard input). */
static int open_reader(struct sn_source *src, int fd, const struct stat *st, bool owns_fd)
{
	struct sn_reader proto = make_proto(src);
	bool regular = S_ISREG(st->st_mode);
	uint8_t magic_bytes[4];
	uint32_t magic = 0;
	ssize_t got = 0;
	FILE *fp;
	int ret;

	ret = check_magic(&proto, fd, regular, magic_bytes, &got, &magic);
	if (ret < 0)
		goto out_fd;
	if (magic != SN_PCAPNG_MAGIC && regular && src->use_mmap) {
		ret = sn_mmap_pcap_open(&src->reader, &proto, fd, st->st_size);
		if (ret == 0)
			return 0;
		if (ret != -ENOTSUP)
			goto out_fd;
	}
	fp = sn_stream_open(fd, magic_bytes, regular ? 0 : (size_t)got, owns_fd);
	if (!fp) {
		ret = sn_reader_fail(&proto, errno, "cannot create a stream: %s", strerror(errno));
		goto out_fd;
	}
	if (magic == SN_PCAPNG_MAGIC)
		ret = sn_pcapng_open(&src->reader, &proto, fp);
	else
		ret = sn_pcap_file_open(&src->reader, &proto, fp, magic);
	if (ret < 0)
		fclose(fp);
	return ret;

out_fd:
	if (owns_fd)
		close(fd);
	return ret;
}

static int open_path(struct sn_source *src, const char *path)
{
	struct sn_reader proto;
	bool is_stdin = strcmp(path, "-") == 0;
	struct stat st;
	int fd;

	src->name = is_stdin ? "standard input" : path;
	proto = make_proto(src);
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sn_reader_fail(&proto, errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		int err = errno;

		if (!is_stdin)
			close(fd);
		return sn_reader_fail(&proto, err, "%s", strerror(err));
	}
	if (S_ISDIR(st.st_mode)) {
		if (!is_stdin)
			close(fd);
		return sn_reader_fail(&proto, EISDIR, "is a directory");
	}
	/* Standard input is always streamed, even when redirected from a file. */
	if (is_stdin)
		st.st_mode = (st.st_mode & ~(mode_t)S_IFMT) | S_IFIFO;
	return open_reader(src, fd, &st, !is_stdin);
}

/* Compile the capture filter for a link type the first time it appears. */
static struct link_filter *filter_for(struct sn_source *src, int linktype)
{
	struct link_filter *lf;
	pcap_t *dead;
	size_t i;

	for (i = 0; i < src->n_filters; i++)
		if (src->filters[i].linktype == linktype)
			return &src->filters[i];
	lf = realloc(src->filters, (src->n_filters + 1) * sizeof(*lf));
	if (!lf)
		return NULL;
	src->filters = lf;
	lf = &src->filters[src->n_filters++];
	memset(lf, 0, sizeof(*lf));
	lf->linktype = linktype;
	dead = pcap_open_dead(linktype, SN_MAX_SNAPLEN);
	if (!dead)
		return lf;
	lf->usable = pcap_compile(dead, &lf->prog, src->filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (!lf->usable)
		sn_warn("%s: capture filter \"%s\" does not apply to link type %d (%s); its packets are dropped",
			src->name, src->filter, linktype, pcap_geterr(dead));
	pcap_close(dead);
	return lf;
}

/* Returns 1 when pkt passes the filter, 0 when it does not, or -ENOMEM. */
static int filter_match(struct sn_source *src, const struct sn_packet *pkt)
{
	struct link_filter *lf = filter_for(src, pkt->linktype);
	struct pcap_pkthdr hdr = { .caplen = pkt->caplen, .len = pkt->wirelen };

	if (!lf) {
		snprintf(src->err, sizeof(src->err), "%s: no memory for the capture filter",
			 src->name);
		return -ENOMEM;
	}
	if (!lf->usable)
		return 0;
	return pcap_offline_filter(&lf->prog, &hdr, pkt->data) != 0;
}

static void free_filters(struct sn_source *src)
{
	size_t i;

	for (i = 0; i < src->n_filters; i++)
		if (src->filters[i].usable)
			pcap_freecode(&src->filters[i].prog);
	free(src->filters);
	src->filters = NULL;
	src->n_filters = 0;
}

/* Check the filter syntax once at open time, for Ethernet. */
static int validate_filter(const char *filter)
{
	struct bpf_program prog;
	pcap_t *dead;
	int ret = 0;

	dead = pcap_open_dead(DLT_EN10MB, SN_MAX_SNAPLEN);
	if (!dead)
		return -ENOMEM;
	if (pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		sn_err("invalid capture filter \"%s\": %s", filter, pcap_geterr(dead));
		ret = -EINVAL;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(dead);
	return ret;
}

static int64_t sum_file_sizes(const char *const *paths, size_t n)
{
	int64_t total = 0;
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) < 0 || !S_ISREG(st.st_mode))
			return -1;
		total += st.st_size;
	}
	return total;
}

static struct sn_source *alloc_source(const struct sn_capture_opts *opts)
{
	struct sn_source *src = calloc(1, sizeof(*src));

	if (!src)
		return NULL;
	src->use_mmap = opts ? opts->use_mmap : 1;
	if (opts && opts->filter && *opts->filter) {
		src->filter = strdup(opts->filter);
		if (!src->filter) {
			free(src);
			return NULL;
		}
	}
	return src;
}

int sn_source_open_files(struct sn_source **out, const char *const *paths, size_t n,
			 const struct sn_capture_opts *opts)
{
	struct sn_source *src;
	size_t i;
	int ret;

	*out = NULL;
	if (n == 0 || !paths)
		return -EINVAL;
	if (opts && opts->filter && *opts->filter) {
		ret = validate_filter(opts->filter);
		if (ret < 0)
			return ret;
	}
	src = alloc_source(opts);
	if (!src)
		return -ENOMEM;
	src->paths = calloc(n, sizeof(*src->paths));
	if (!src->paths)
		goto nomem;
	for (i = 0; i < n; i++) {
		src->paths[i] = strdup(paths[i]);
		if (!src->paths[i])
			goto nomem;
		src->n_paths++;
	}
	src->name = strcmp(paths[0], "-") ? src->paths[0] : "standard input";
	src->total_bytes = sum_file_sizes(paths, n);
	*out = src;
	return 0;

nomem:
	sn_source_close(src);
	return -ENOMEM;
}

int sn_source_open_live(struct sn_source **out, const char *iface,
			const struct sn_capture_opts *opts)
{
	static const struct sn_capture_opts defaults = { .use_mmap = 1 };
	struct sn_reader proto;
	struct sn_source *src;
	int ret;

	*out = NULL;
	if (!iface || !*iface)
		return -EINVAL;
	src = alloc_source(opts);
	if (!src)
		return -ENOMEM;
	src->live = true;
	src->live_name = strdup(iface);
	if (!src->live_name) {
		sn_source_close(src);
		return -ENOMEM;
	}
	src->name = src->live_name;
	src->total_bytes = -1;
	proto = make_proto(src);
	ret = sn_live_open(&src->reader, &proto, opts ? opts : &defaults);
	if (ret < 0) {
		sn_err("%s", src->err);
		sn_source_close(src);
		return ret;
	}
	*out = src;
	return 0;
}

static void close_reader(struct sn_source *src)
{
	if (!src->reader)
		return;
	if (!src->live) {
		int64_t off = src->reader->ops->offset(src->reader);

		if (off > 0)
			src->done_bytes += off;
	}
	src->reader->ops->close(src->reader);
	src->reader = NULL;
}

/* End the stream: status is 1 at the end of input or a negative errno. */
static int finish(struct sn_source *src, int status)
{
	close_reader(src);
	src->status = status;
	return status < 0 ? status : 0;
}

/* Returns 1 with a packet, 0 at the end of all files, or a negative errno. */
static int next_from_files(struct sn_source *src, struct sn_packet *pkt)
{
	int ret;

	for (;;) {
		if (!src->reader) {
			if (src->next_path == src->n_paths)
				return 0;
			ret = open_path(src, src->paths[src->next_path++]);
			if (ret < 0)
				return ret;
		}
		ret = src->reader->ops->next(src->reader, pkt);
		if (ret == 0) {
			close_reader(src);
			continue;
		}
		if (ret < 0 || !src->filter)
			return ret;
		ret = filter_match(src, pkt);
		if (ret != 0)
			return ret;
		src->stats.filtered_out++;
	}
}

int sn_source_next(struct sn_source *src, struct sn_packet *pkt)
{
	int ret;

	if (src->status)
		return src->status < 0 ? src->status : 0;
	if (src->stop)
		return finish(src, 1);
	if (src->live) {
		ret = src->reader->ops->next(src->reader, pkt);
		if (ret == -EAGAIN)
			return ret;
	} else {
		ret = next_from_files(src, pkt);
	}
	if (ret <= 0)
		return finish(src, ret < 0 ? ret : 1);
	src->stats.packets++;
	src->stats.bytes += pkt->caplen;
	return 1;
}

const char *sn_source_error(const struct sn_source *src)
{
	return src->err;
}

const char *sn_source_name(const struct sn_source *src)
{
	return src->name;
}

int sn_source_is_live(const struct sn_source *src)
{
	return src->live;
}

int64_t sn_source_offset(const struct sn_source *src)
{
	if (!src->reader)
		return -1;
	return src->reader->ops->offset(src->reader);
}

int64_t sn_source_total_bytes(const struct sn_source *src)
{
	return src->total_bytes;
}

int64_t sn_source_bytes_done(const struct sn_source *src)
{
	int64_t off = sn_source_offset(src);

	return src->done_bytes + (off > 0 ? off : 0);
}

void sn_source_stats(struct sn_source *src, struct sn_capture_stats *st)
{
	*st = src->stats;
	if (src->live && src->reader)
		sn_live_stats(src->reader, st);
}

volatile sig_atomic_t sn_capture_stop_requested;

void sn_source_break(struct sn_source *src)
{
	sn_capture_stop_requested = 1;
	src->stop = 1;
	if (src->live && src->reader)
		sn_live_break(src->reader);
}

int sn_source_fd(const struct sn_source *src)
{
	if (!src->live || !src->reader)
		return -1;
	return sn_live_fd(src->reader);
}

void sn_source_close(struct sn_source *src)
{
	size_t i;

	if (!src)
		return;
	close_reader(src);
	free_filters(src);
	for (i = 0; i < src->n_paths; i++)
		free(src->paths[i]);
	free(src->paths);
	free(src->live_name);
	free(src->filter);
	free(src);
}
