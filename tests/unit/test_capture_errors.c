/* Capture file errors: truncation, snaplen limits, files that are not captures. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "capture_files.h"

static char tmpdir[] = "/tmp/sn-capture-err-XXXXXX";

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

/* Read one file; returns the packet count, the end status and the message. */
static size_t read_one(const char *path, int use_mmap, int *end, char *err, size_t errlen)
{
	const char *paths[] = { path };
	struct got_pkt got[16];

	return read_all(paths, 1, use_mmap, NULL, got, 16, end, err, errlen, NULL);
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* Cut a three-record pcap at every length from the end of the file header:
 * a cut at a record boundary is a shorter valid file, any other cut is an
 * error naming the offset of the cut record, after the complete records. */
static void pcap_truncated_everywhere(void **state)
{
	static const uint32_t sizes[] = { 60, 1514, 33 };
	size_t starts[4], len, i, k;
	struct tbuf b = { 0 };
	char err[1024], expect[64], *path;
	int mode, end;
	size_t n;

	pcap_file_header(&b, 0xa1b2c3d4, 65535, 1);
	for (i = 0; i < 3; i++) {
		starts[i] = b.len;
		pcap_record(&b, 10 + (uint32_t)i, 0, NULL, sizes[i], sizes[i]);
	}
	starts[3] = b.len;
	for (len = 24; len < b.len; len++) {
		path = write_file(tmpdir, "cut.pcap", b.data, len);
		for (k = 0; starts[k + 1] <= len; k++)
			;
		for (mode = 0; mode <= 1; mode++) {
			n = read_one(path, mode, &end, err, sizeof(err));
			assert_int_equal(n, k);
			if (len == starts[k]) {
				assert_int_equal(end, 0);
				continue;
			}
			assert_true(end < 0);
			assert_contains(err, path);
			assert_contains(err, "truncated");
			snprintf(expect, sizeof(expect), "at byte offset %zu:", starts[k]);
			assert_contains(err, expect);
		}
		free(path);
	}
	tb_free(&b);
}

/* The message of the fast path states what the header promised. */
static void pcap_truncated_message(void **state)
{
	struct tbuf b = { 0 };
	char err[1024], expect[256], *path;
	int end;
	size_t n;

	pcap_file_header(&b, 0xa1b2c3d4, 65535, 1);
	pcap_record(&b, 1, 0, NULL, 100, 100);
	pcap_record(&b, 2, 0, NULL, 1514, 1514);
	path = write_file(tmpdir, "capture.pcap", b.data, b.len - 914);
	n = read_one(path, 1, &end, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_int_equal(end, -EBADMSG);
	snprintf(expect, sizeof(expect),
		 "%s: truncated record at byte offset 140: header says 1514 captured bytes, 600 remain",
		 path);
	assert_string_equal(err, expect);

	free(path);
	path = write_file(tmpdir, "capture.pcap", b.data, 24 + 116 + 5);
	n = read_one(path, 1, &end, err, sizeof(err));
	assert_int_equal(n, 1);
	snprintf(expect, sizeof(expect),
		 "%s: truncated record header at byte offset 140: 16 bytes needed, 5 remain", path);
	assert_string_equal(err, expect);
	free(path);
	tb_free(&b);
}

static void pcapng_truncated_everywhere(void **state)
{
	size_t starts[6], len, k;
	struct tbuf b = { 0 };
	char err[1024], expect[64], *path;
	int end;
	size_t n;

	ng_section(&b);
	ng_interface(&b, 1, 0, -1);
	starts[0] = b.len;
	ng_enhanced(&b, 0, 1, 60, 60, NULL);
	starts[1] = b.len;
	ng_enhanced(&b, 0, 2, 61, 70, NULL);
	starts[2] = b.len;
	ng_simple(&b, 30);
	starts[3] = b.len;
	for (len = starts[0]; len < b.len; len++) {
		path = write_file(tmpdir, "cut.pcapng", b.data, len);
		for (k = 0; starts[k + 1] <= len; k++)
			;
		n = read_one(path, 1, &end, err, sizeof(err));
		assert_int_equal(n, k);
		if (len == starts[k]) {
			assert_int_equal(end, 0);
		} else {
			assert_int_equal(end, -EBADMSG);
			assert_contains(err, path);
			assert_contains(err, "truncated block");
			snprintf(expect, sizeof(expect), "at byte offset %zu:", starts[k]);
			assert_contains(err, expect);
		}
		free(path);
	}
	tb_free(&b);
}

static void snaplen_zero_and_max(void **state)
{
	struct tbuf b = { 0 };
	struct got_pkt got[2];
	const char *paths[1];
	char *path;
	int mode, end;
	size_t n;

	pcap_file_header(&b, 0xa1b2c3d4, 0, 1);
	pcap_record(&b, 1, 0, NULL, 262144, 262144);
	path = write_file(tmpdir, "snap0.pcap", b.data, b.len);
	paths[0] = path;
	for (mode = 0; mode <= 1; mode++) {
		n = read_all(paths, 1, mode, NULL, got, 2, &end, NULL, 0, NULL);
		assert_int_equal(n, 1);
		assert_int_equal(end, 0);
		assert_int_equal(got[0].caplen, 262144);
	}
	free(path);
	tb_free(&b);

	pcap_file_header(&b, 0xa1b2c3d4, 262144, 1);
	pcap_record(&b, 1, 0, NULL, 1000, 1000);
	path = write_file(tmpdir, "snapmax.pcap", b.data, b.len);
	paths[0] = path;
	for (mode = 0; mode <= 1; mode++) {
		n = read_all(paths, 1, mode, NULL, got, 2, &end, NULL, 0, NULL);
		assert_int_equal(n, 1);
		assert_int_equal(end, 0);
		assert_int_equal(got[0].caplen, 1000);
	}
	free(path);
	tb_free(&b);
}

/* A record longer than the file's snaplen, or than 262144 bytes, is an error. */
static void record_over_snaplen(void **state)
{
	struct tbuf b = { 0 };
	char err[1024], expect[256], *path;
	int mode, end;
	size_t n;

	pcap_file_header(&b, 0xa1b2c3d4, 100, 1);
	pcap_record(&b, 1, 0, NULL, 100, 100);
	pcap_record(&b, 2, 0, NULL, 200, 200);
	pcap_record(&b, 3, 0, NULL, 50, 50);
	path = write_file(tmpdir, "oversnap.pcap", b.data, b.len);
	for (mode = 0; mode <= 1; mode++) {
		n = read_one(path, mode, &end, err, sizeof(err));
		assert_int_equal(n, 1);
		assert_int_equal(end, -EBADMSG);
		snprintf(expect, sizeof(expect),
			 "%s: invalid record at byte offset 140: captured length 200 exceeds the file's snaplen 100",
			 path);
		assert_string_equal(err, expect);
	}
	free(path);
	tb_free(&b);

	pcap_file_header(&b, 0xa1b2c3d4, 0, 1);
	pcap_record(&b, 1, 0, NULL, 262145, 262145);
	path = write_file(tmpdir, "overmax.pcap", b.data, b.len);
	for (mode = 0; mode <= 1; mode++) {
		n = read_one(path, mode, &end, err, sizeof(err));
		assert_int_equal(n, 0);
		assert_int_equal(end, -EBADMSG);
		assert_contains(err, "at byte offset 24:");
		assert_contains(err, "262144");
	}
	free(path);
	tb_free(&b);
}

static void caplen_over_wirelen(void **state)
{
	struct tbuf b = { 0 };
	struct got_pkt got[2];
	const char *paths[1];
	char *path;
	int mode, end;

	pcap_file_header(&b, 0xa1b2c3d4, 65535, 1);
	pcap_record(&b, 1, 0, NULL, 80, 60);
	path = write_file(tmpdir, "capwire.pcap", b.data, b.len);
	paths[0] = path;
	for (mode = 0; mode <= 1; mode++) {
		assert_int_equal(read_all(paths, 1, mode, NULL, got, 2, &end, NULL, 0, NULL), 1);
		assert_int_equal(end, 0);
		assert_int_equal(got[0].caplen, 80);
		assert_int_equal(got[0].wirelen, 60);
	}
	free(path);
	tb_free(&b);
}

static void not_a_capture(void **state)
{
	static const uint8_t junk[] = "GET / HTTP/1.1\r\n\r\n";
	char err[1024], expect[512], *path;
	int mode, end;

	for (mode = 0; mode <= 1; mode++) {
		path = write_file(tmpdir, "empty.pcap", "", 0);
		assert_int_equal(read_one(path, mode, &end, err, sizeof(err)), 0);
		assert_int_equal(end, -EINVAL);
		snprintf(expect, sizeof(expect), "%s: empty file, not a capture", path);
		assert_string_equal(err, expect);
		free(path);

		path = write_file(tmpdir, "junk.pcap", junk, sizeof(junk) - 1);
		assert_int_equal(read_one(path, mode, &end, err, sizeof(err)), 0);
		assert_int_equal(end, -EINVAL);
		snprintf(expect, sizeof(expect), "%s: not a pcap or pcapng file (magic 0x47455420)",
			 path);
		assert_string_equal(err, expect);
		free(path);

		assert_int_equal(read_one(tmpdir, mode, &end, err, sizeof(err)), 0);
		assert_int_equal(end, -EISDIR);
		snprintf(expect, sizeof(expect), "%s: is a directory", tmpdir);
		assert_string_equal(err, expect);

		snprintf(expect, sizeof(expect), "%s/missing.pcap", tmpdir);
		assert_int_equal(read_one(expect, mode, &end, err, sizeof(err)), 0);
		assert_int_equal(end, -ENOENT);
		assert_contains(err, "missing.pcap: No such file or directory");
	}
}

static void truncated_file_header(void **state)
{
	struct tbuf b = { 0 };
	char err[1024], *path;
	int mode, end;

	pcap_file_header(&b, 0xa1b2c3d4, 65535, 1);
	path = write_file(tmpdir, "short.pcap", b.data, 10);
	for (mode = 0; mode <= 1; mode++) {
		assert_int_equal(read_one(path, mode, &end, err, sizeof(err)), 0);
		assert_true(end < 0);
		assert_contains(err, path);
		assert_contains(err, "truncated");
	}
	free(path);
	tb_free(&b);
}

/* An error in a later file ends the stream after the earlier files' packets. */
static void error_in_second_file(void **state)
{
	struct tbuf b = { 0 };
	struct got_pkt got[8];
	char err[1024], *good, *bad;
	int end;
	size_t n;

	pcap_file_header(&b, 0xa1b2c3d4, 65535, 1);
	pcap_record(&b, 1, 0, NULL, 60, 60);
	pcap_record(&b, 2, 0, NULL, 60, 60);
	good = write_file(tmpdir, "good.pcap", b.data, b.len);
	bad = write_file(tmpdir, "bad.pcap", b.data, b.len - 1);
	const char *paths[] = { good, bad, good };

	n = read_all(paths, 3, 1, NULL, got, 8, &end, err, sizeof(err), NULL);
	assert_int_equal(n, 3);
	assert_int_equal(end, -EBADMSG);
	assert_contains(err, bad);
	assert_contains(err, "at byte offset 100:");
	free(good);
	free(bad);
	tb_free(&b);
}

static void pcapng_bad_interface(void **state)
{
	struct tbuf b = { 0 };
	char err[1024], *path;
	int end;

	ng_section(&b);
	ng_interface(&b, 1, 0, -1);
	ng_enhanced(&b, 0, 1, 10, 10, NULL);
	ng_enhanced(&b, 3, 2, 10, 10, NULL);
	path = write_file(tmpdir, "badif.pcapng", b.data, b.len);
	assert_int_equal(read_one(path, 1, &end, err, sizeof(err)), 1);
	assert_int_equal(end, -EBADMSG);
	assert_contains(err, "at byte offset 92:");
	assert_contains(err, "interface 3");
	free(path);
	tb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pcap_truncated_everywhere),
		cmocka_unit_test(pcap_truncated_message),
		cmocka_unit_test(pcapng_truncated_everywhere),
		cmocka_unit_test(snaplen_zero_and_max),
		cmocka_unit_test(record_over_snaplen),
		cmocka_unit_test(caplen_over_wirelen),
		cmocka_unit_test(not_a_capture),
		cmocka_unit_test(truncated_file_header),
		cmocka_unit_test(error_in_second_file),
		cmocka_unit_test(pcapng_bad_interface),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
