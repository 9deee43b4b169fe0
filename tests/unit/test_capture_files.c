/* Capture files built by hand: byte orders, precisions, link types, pcapng, stdin. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "capture_files.h"

static char tmpdir[] = "/tmp/sn-capture-XXXXXX";

static int setup_dir(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static uint8_t pattern_last(uint32_t caplen)
{
	return (uint8_t)((caplen - 1) * 7 + caplen);
}

/* Two records: 1.000001 s with 60 bytes of 64, then 2.5 s with 90 bytes. */
static void check_two_records(const char *path, uint64_t ts1, uint64_t ts2, int linktype)
{
	const char *paths[] = { path };
	struct got_pkt got[4];
	int mode, end;
	size_t n;

	for (mode = 0; mode <= 1; mode++) {
		n = read_all(paths, 1, mode, NULL, got, 4, &end, NULL, 0, NULL);
		assert_int_equal(n, 2);
		assert_int_equal(end, 0);
		assert_int_equal(got[0].ts_ns, ts1);
		assert_int_equal(got[1].ts_ns, ts2);
		assert_int_equal(got[0].caplen, 60);
		assert_int_equal(got[0].wirelen, 64);
		assert_int_equal(got[1].caplen, 90);
		assert_int_equal(got[1].wirelen, 90);
		assert_int_equal(got[0].linktype, linktype);
		assert_int_equal(got[1].linktype, linktype);
		assert_int_equal(got[0].first, 60);
		assert_int_equal(got[0].last, pattern_last(60));
		assert_int_equal(got[1].last, pattern_last(90));
	}
}

static void write_classic(const char *name, bool big_endian, uint32_t magic, uint32_t linktype,
			  uint32_t frac1, uint32_t frac2, char **path)
{
	struct tbuf b = { .big_endian = big_endian };

	pcap_file_header(&b, magic, 65535, linktype);
	pcap_record(&b, 1, frac1, NULL, 60, 64);
	pcap_record(&b, 2, frac2, NULL, 90, 90);
	*path = write_file(tmpdir, name, b.data, b.len);
	tb_free(&b);
}

static void classic_micro_orders(void **state)
{
	char *le, *be;

	write_classic("le.pcap", false, 0xa1b2c3d4, 1, 1, 500000, &le);
	write_classic("be.pcap", true, 0xa1b2c3d4, 1, 1, 500000, &be);
	check_two_records(le, 1000001000ull, 2500000000ull, 1);
	check_two_records(be, 1000001000ull, 2500000000ull, 1);
	free(le);
	free(be);
}

static void classic_nano_orders(void **state)
{
	char *le, *be;

	write_classic("ns-le.pcap", false, 0xa1b23c4d, 1, 1, 999999999, &le);
	write_classic("ns-be.pcap", true, 0xa1b23c4d, 1, 1, 999999999, &be);
	check_two_records(le, 1000000001ull, 2999999999ull, 1);
	check_two_records(be, 1000000001ull, 2999999999ull, 1);
	free(le);
	free(be);
}

static void classic_link_types(void **state)
{
	/* File header value, then the DLT_ value libpcap reports for it. */
	static const int types[][2] = { { 113, 113 }, { 276, 276 }, { 101, 12 }, { 0, 0 },
					{ 12, 12 }, { 999, 999 } };
	char name[32], *path;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(name, sizeof(name), "lt%d.pcap", types[i][0]);
		write_classic(name, i % 2, 0xa1b2c3d4, (uint32_t)types[i][0], 7, 8, &path);
		check_two_records(path, 1000007000ull, 2000008000ull, types[i][1]);
		free(path);
	}
}

/* Ethernet interface in microseconds, raw IP in nanoseconds, and a third in 2^-10 s. */
static char *write_two_interfaces(const char *name, bool big_endian)
{
	struct tbuf b = { .big_endian = big_endian };
	char *path;

	ng_section(&b);
	ng_interface(&b, 1, 0, -1);
	ng_interface(&b, 101, 65535, 9);
	ng_interface(&b, 113, 0, 0x80 | 10);
	ng_enhanced(&b, 0, 1500000ull, 60, 64, NULL);         /* 1.5 s */
	ng_enhanced(&b, 1, 2000000123ull, 40, 40, NULL);      /* 2.000000123 s */
	ng_enhanced(&b, 2, 3ull * 1024 + 512, 20, 20, NULL);  /* 3.5 s */
	ng_simple(&b, 50);
	path = write_file(tmpdir, name, b.data, b.len);
	tb_free(&b);
	return path;
}

static void check_two_interfaces(const char *path)
{
	const char *paths[] = { path };
	struct got_pkt got[8];
	int mode, end;
	size_t n;

	for (mode = 0; mode <= 1; mode++) {
		n = read_all(paths, 1, mode, NULL, got, 8, &end, NULL, 0, NULL);
		assert_int_equal(n, 4);
		assert_int_equal(end, 0);
		assert_int_equal(got[0].linktype, 1);
		assert_int_equal(got[0].ts_ns, 1500000000ull);
		assert_int_equal(got[0].caplen, 60);
		assert_int_equal(got[0].wirelen, 64);
		assert_int_equal(got[0].last, pattern_last(60));
		assert_int_equal(got[1].linktype, 12);
		assert_int_equal(got[1].ts_ns, 2000000123ull);
		assert_int_equal(got[1].caplen, 40);
		assert_int_equal(got[1].first, 40);
		assert_int_equal(got[2].linktype, 113);
		assert_int_equal(got[2].ts_ns, 3500000000ull);
		assert_int_equal(got[3].linktype, 1);
		assert_int_equal(got[3].ts_ns, 0);
		assert_int_equal(got[3].caplen, 50);
		assert_int_equal(got[3].last, pattern_last(50));
	}
}

static void pcapng_two_interfaces(void **state)
{
	char *le = write_two_interfaces("two-le.pcapng", false);
	char *be = write_two_interfaces("two-be.pcapng", true);

	check_two_interfaces(le);
	check_two_interfaces(be);
	free(le);
	free(be);
}

/* The format comes from the magic, never the name. */
static void format_by_magic(void **state)
{
	char *ng = write_two_interfaces("really-pcapng.pcap", false);
	char *classic;

	write_classic("really-classic.pcapng", false, 0xa1b2c3d4, 1, 1, 500000, &classic);
	check_two_interfaces(ng);
	check_two_records(classic, 1000001000ull, 2500000000ull, 1);
	free(ng);
	free(classic);
}

static void several_files_one_stream(void **state)
{
	char *a, *b = write_two_interfaces("stream-b.pcapng", false), *c;
	struct sn_capture_opts opts = { .use_mmap = 1 };
	struct sn_packet pkt;
	struct sn_source *src;
	struct stat sa, sb, sc;
	int n = 0;

	write_classic("stream-a.pcap", false, 0xa1b2c3d4, 1, 1, 2, &a);
	write_classic("stream-c.pcap", true, 0xa1b23c4d, 101, 3, 4, &c);
	const char *paths[] = { a, b, c };

	assert_int_equal(stat(a, &sa), 0);
	assert_int_equal(stat(b, &sb), 0);
	assert_int_equal(stat(c, &sc), 0);
	assert_int_equal(sn_source_open_files(&src, paths, 3, &opts), 0);
	assert_int_equal(sn_source_total_bytes(src), sa.st_size + sb.st_size + sc.st_size);
	assert_int_equal(sn_source_bytes_done(src), 0);
	while (sn_source_next(src, &pkt) == 1) {
		if (n == 0)
			assert_string_equal(sn_source_name(src), a);
		if (n == 2)
			assert_string_equal(sn_source_name(src), b);
		if (n == 6)
			assert_string_equal(sn_source_name(src), c);
		if (n == 6)
			assert_int_equal(pkt.linktype, 12);
		n++;
	}
	assert_int_equal(n, 8);
	assert_int_equal(sn_source_bytes_done(src), sa.st_size + sb.st_size + sc.st_size);
	assert_int_equal(sn_source_is_live(src), 0);
	assert_int_equal(sn_source_fd(src), -1);
	assert_int_equal(sn_source_next(src, &pkt), 0);
	sn_source_close(src);
	free(a);
	free(b);
	free(c);
}

/* Read standard input with fd 0 replaced by fd; returns the packet count. */
static size_t read_stdin_from(int fd, int *end, int *linktype)
{
	const char *paths[] = { "-" };
	struct got_pkt got[8];
	int saved = dup(0);
	size_t n;

	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	n = read_all(paths, 1, 1, NULL, got, 8, end, NULL, 0, NULL);
	*linktype = n ? got[n - 1].linktype : -1;
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	return n;
}

/* Feed a file's bytes through a pipe from a child process. */
static int pipe_from_file(const char *path)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[512];
		ssize_t r;
		int in = open(path, O_RDONLY);

		close(fds[0]);
		while (in >= 0 && (r = read(in, buf, sizeof(buf))) > 0)
			if (write(fds[1], buf, (size_t)r) != r)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static void standard_input(void **state)
{
	char *classic, *ng = write_two_interfaces("stdin.pcapng", true);
	int end, linktype, status;
	size_t n;

	write_classic("stdin.pcap", true, 0xa1b23c4d, 101, 3, 4, &classic);
	n = read_stdin_from(pipe_from_file(classic), &end, &linktype);
	wait(&status);
	assert_int_equal(n, 2);
	assert_int_equal(end, 0);
	assert_int_equal(linktype, 12);
	n = read_stdin_from(pipe_from_file(ng), &end, &linktype);
	wait(&status);
	assert_int_equal(n, 4);
	assert_int_equal(end, 0);
	assert_int_equal(linktype, 1);
	n = read_stdin_from(open(classic, O_RDONLY), &end, &linktype);
	assert_int_equal(n, 2);
	assert_int_equal(end, 0);
	free(classic);
	free(ng);
}

/* Ethernet + IPv4 + 20-byte transport header with the given protocol. */
static void ip_frame(uint8_t *f, uint8_t proto)
{
	memset(f, 0, 54);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 40;
	f[22] = 64;
	f[23] = proto;
}

static void capture_filter_files(void **state)
{
	struct tbuf b = { 0 };
	struct sn_capture_stats st;
	uint8_t tcp[54], udp[54];
	const char *paths[1];
	struct got_pkt got[4];
	int mode, end;
	char *path;
	size_t n;

	ip_frame(tcp, 6);
	ip_frame(udp, 17);
	pcap_file_header(&b, 0xa1b2c3d4, 65535, 1);
	pcap_record(&b, 1, 0, tcp, 54, 54);
	pcap_record(&b, 2, 0, udp, 54, 54);
	pcap_record(&b, 3, 0, tcp, 54, 54);
	path = write_file(tmpdir, "filter.pcap", b.data, b.len);
	paths[0] = path;
	for (mode = 0; mode <= 1; mode++) {
		n = read_all(paths, 1, mode, "tcp", got, 4, &end, NULL, 0, &st);
		assert_int_equal(n, 2);
		assert_int_equal(end, 0);
		assert_int_equal(got[1].ts_ns, 3000000000ull);
		assert_int_equal(st.filtered_out, 1);
		assert_int_equal(st.packets, 2);
		assert_int_equal(st.bytes, 108);
	}
	tb_free(&b);
	free(path);
}

/* A filter on a pcapng file is compiled for each packet's own link type. */
static void capture_filter_per_link(void **state)
{
	struct tbuf b = { 0 };
	struct sn_capture_stats st;
	uint8_t eth[54];
	const char *paths[1];
	struct got_pkt got[4];
	int end;
	char *path;
	size_t n;

	ip_frame(eth, 6);
	ng_section(&b);
	ng_interface(&b, 1, 0, -1);
	ng_interface(&b, 101, 0, -1);
	ng_enhanced(&b, 0, 1, 54, 54, eth);
	ng_enhanced(&b, 1, 2, 40, 40, eth + 14);
	ng_enhanced(&b, 1, 3, 4, 4, (const uint8_t *)"\x60\0\0\0");
	path = write_file(tmpdir, "filter.pcapng", b.data, b.len);
	paths[0] = path;
	n = read_all(paths, 1, 1, "ip and tcp", got, 4, &end, NULL, 0, &st);
	assert_int_equal(n, 2);
	assert_int_equal(end, 0);
	assert_int_equal(got[0].linktype, 1);
	assert_int_equal(got[1].linktype, 12);
	assert_int_equal(st.filtered_out, 1);
	tb_free(&b);
	free(path);
}

static void invalid_filter(void **state)
{
	struct sn_capture_opts opts = { .use_mmap = 1, .filter = "tcp port" };
	const char *paths[] = { "x.pcap" };
	struct sn_source *src = (struct sn_source *)1;

	assert_int_equal(sn_source_open_files(&src, paths, 1, &opts), -EINVAL);
	assert_null(src);
}

/* Zero and backwards timestamps come out as stored. */
static void timestamps_unchanged(void **state)
{
	struct tbuf b = { 0 };
	const char *paths[1];
	struct got_pkt got[4];
	int mode, end;
	char *path;
	size_t n;

	pcap_file_header(&b, 0xa1b2c3d4, 65535, 1);
	pcap_record(&b, 0, 0, NULL, 10, 10);
	pcap_record(&b, 100, 5, NULL, 10, 10);
	pcap_record(&b, 99, 999999, NULL, 10, 10);
	pcap_record(&b, 0xfffffff0u, 0, NULL, 10, 10);
	path = write_file(tmpdir, "times.pcap", b.data, b.len);
	paths[0] = path;
	for (mode = 0; mode <= 1; mode++) {
		n = read_all(paths, 1, mode, NULL, got, 4, &end, NULL, 0, NULL);
		assert_int_equal(n, 4);
		assert_int_equal(got[0].ts_ns, 0);
		assert_int_equal(got[1].ts_ns, 100000005000ull);
		assert_int_equal(got[2].ts_ns, 99999999000ull);
		assert_int_equal(got[3].ts_ns, 0xfffffff0ull * 1000000000ull);
	}
	tb_free(&b);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classic_micro_orders),
		cmocka_unit_test(classic_nano_orders),
		cmocka_unit_test(classic_link_types),
		cmocka_unit_test(pcapng_two_interfaces),
		cmocka_unit_test(format_by_magic),
		cmocka_unit_test(several_files_one_stream),
		cmocka_unit_test(standard_input),
		cmocka_unit_test(capture_filter_files),
		cmocka_unit_test(capture_filter_per_link),
		cmocka_unit_test(invalid_filter),
		cmocka_unit_test(timestamps_unchanged),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
