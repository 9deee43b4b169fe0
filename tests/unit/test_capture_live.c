/* Live capture on a veth pair inside a network namespace made for the test. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "sonata/capture.h"

static char ns_name[64];
static int saved_ns = -1;
static int ns_ready;

/* Run "ip VERB NAME" for the namespace, or "ip -n NAME ARGS" inside it. */
static int ip_netns(const char *verb)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ip netns %s %s 2>/dev/null", verb, ns_name);
	return system(cmd);
}

static int ip_in_ns(const char *args)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ip -n %s %s", ns_name, args);
	return system(cmd);
}

/* Runs after failures too, so the namespace never outlives the test. */
static int teardown_ns(void **state)
{
	if (saved_ns >= 0) {
		if (setns(saved_ns, CLONE_NEWNET) != 0)
			perror("setns back");
		close(saved_ns);
		saved_ns = -1;
	}
	if (ns_ready)
		ip_netns("del");
	ns_ready = 0;
	return 0;
}

/* Create the namespace and the veth pair sn0 <-> sn1 in it, then enter it. */
static int setup_ns(void **state)
{
	char path[128];
	int fd = -1;

	if (geteuid() != 0) {
		printf("skipped: live capture needs root to create a network namespace\n");
		return 0;
	}
	snprintf(ns_name, sizeof(ns_name), "sn-test-%d", (int)getpid());
	if (ip_netns("add") != 0) {
		printf("skipped: cannot create network namespace %s\n", ns_name);
		return 0;
	}
	ns_ready = 1;
	if (ip_in_ns("link add sn0 type veth peer name sn1") != 0 ||
	    ip_in_ns("link set sn0 up") != 0 || ip_in_ns("link set sn1 up") != 0)
		goto fail;
	saved_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns_name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (saved_ns < 0 || fd < 0 || setns(fd, CLONE_NEWNET) != 0)
		goto fail;
	close(fd);
	return 0;

fail:
	/* cmocka skips the group teardown when the setup fails. */
	if (fd >= 0)
		close(fd);
	teardown_ns(state);
	return -1;
}

/* An Ethernet + IPv4 + UDP frame to the given destination port. */
static size_t udp_frame(uint8_t *f, uint16_t dport)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	f[6] = 0x02;
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 46;
	f[22] = 64;
	f[23] = 17;
	f[26] = 10, f[29] = 1;
	f[30] = 10, f[33] = 2;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	f[39] = 26;
	return 60;
}

static void send_frames(int count, uint16_t dport)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t frame[60];
	size_t len = udp_frame(frame, dport);
	int fd, i;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	sll.sll_ifindex = (int)if_nametoindex("sn0");
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	assert_true(sll.sll_ifindex > 0);
	for (i = 0; i < count; i++)
		assert_int_equal(sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)),
				 (ssize_t)len);
	close(fd);
}

static void live_veth_filter(void **state)
{
	struct sn_capture_opts opts = { .filter = "udp port 9999", .timeout_ms = 50 };
	struct sn_capture_stats st;
	struct sn_source *src;
	struct sn_packet pkt;
	time_t deadline;
	int got = 0, ret;

	if (!ns_ready)
		skip();
	assert_int_equal(sn_source_open_live(&src, "sn1", &opts), 0);
	assert_int_equal(sn_source_is_live(src), 1);
	assert_string_equal(sn_source_name(src), "sn1");
	assert_true(sn_source_fd(src) >= 0);
	assert_int_equal(sn_source_total_bytes(src), -1);
	send_frames(2, 53);
	send_frames(3, 9999);
	deadline = time(NULL) + 3;
	while (got < 3 && time(NULL) < deadline) {
		ret = sn_source_next(src, &pkt);
		if (ret == -EAGAIN)
			continue;
		assert_int_equal(ret, 1);
		assert_int_equal(pkt.linktype, 1);
		assert_int_equal(pkt.caplen, 60);
		assert_int_equal(pkt.wirelen, 60);
		assert_int_equal(pkt.data[37], 9999 & 0xff);
		assert_true(pkt.ts_ns > 1600000000ull * 1000000000ull);
		got++;
	}
	assert_int_equal(got, 3);
	sn_source_stats(src, &st);
	assert_int_equal(st.packets, 3);
	assert_int_equal(st.kernel_drops, 0);
	sn_source_break(src);
	assert_int_equal(sn_source_next(src, &pkt), 0);
	sn_source_close(src);
}

static void live_missing_interface(void **state)
{
	struct sn_source *src = NULL;

	if (!ns_ready)
		skip();
	assert_true(sn_source_open_live(&src, "sn-no-such0", NULL) < 0);
	assert_null(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(live_veth_filter),
		cmocka_unit_test(live_missing_interface),
	};

	return cmocka_run_group_tests(tests, setup_ns, teardown_ns);
}
