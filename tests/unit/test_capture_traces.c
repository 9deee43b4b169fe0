/* The real captures: packet counts, and the mmap and libpcap paths agree. */
#include <string.h>

#include <pcap/pcap.h>

#include "testutil.h"
#include "sonata/capture.h"

struct trace {
	const char *name;
	uint64_t packets; /* verified with capinfos and tshark */
	int linktype;
};

static const struct trace traces[] = {
	{ "elastic_dns-tunnel-iodine.pcap", 438, 1 },
	{ "esnet_masscan_tcp_0_1000.pcap", 1005, 1 },
	{ "esnet_nmap_80_all.pcap", 431, 1 },
	{ "id2t_hydra-1_tasks.pcap", 2486, 1 },
	{ "id2t_mirai_botnet.pcap", 648, 1 },
	{ "id2t_reference_telnet.pcap", 272, 1 },
	{ "kihy_slowloris.pcap", 3754, 1 },
	{ "ndpi_synscan.pcap", 2011, 1 },
	{ "sgr_hs-tcp_synPingSweepRand.pcapng", 513, 1 },
	{ "slips_test7-malicious.pcap", 2000, 1 },
	{ "sonata_campus_dns_1min.pcap", 33265, 1 },
	{ "stopddos_amp.dns.RRSIG.fragmented.pcap", 4412, 1 },
	{ "stopddos_pkt.TCP.synflood.spoofed.pcap", 37841, 1 },
	{ "tcpreplay_test.pcap", 179, 1 },
	{ "zeek_ftp_bruteforce.pcap", 606, 1 },
	{ "zeek_sshguess.pcap", 431, 1 },
};

static struct sn_source *open_trace(const char *path, int use_mmap)
{
	struct sn_capture_opts opts = { .use_mmap = use_mmap };
	const char *paths[] = { path };
	struct sn_source *src = NULL;

	assert_int_equal(sn_source_open_files(&src, paths, 1, &opts), 0);
	return src;
}

/* Read both paths in lockstep and compare every field and byte. */
static void mmap_matches_libpcap(void **state)
{
	struct sn_packet a, b;
	size_t i;

	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		char path[4096];
		struct sn_source *fast, *slow;
		struct sn_capture_stats st;
		uint64_t n = 0;
		int ra, rb;

		snprintf(path, sizeof(path), "%s", trace_path(traces[i].name));
		fast = open_trace(path, 1);
		slow = open_trace(path, 0);
		for (;;) {
			ra = sn_source_next(fast, &a);
			rb = sn_source_next(slow, &b);
			assert_int_equal(ra, rb);
			if (ra != 1)
				break;
			assert_int_equal(a.ts_ns, b.ts_ns);
			assert_int_equal(a.caplen, b.caplen);
			assert_int_equal(a.wirelen, b.wirelen);
			assert_int_equal(a.linktype, b.linktype);
			assert_memory_equal(a.data, b.data, a.caplen);
			assert_int_equal(a.linktype, traces[i].linktype);
			n++;
		}
		if (ra != 0)
			fail_msg("%s: %s", traces[i].name, sn_source_error(fast));
		if (n != traces[i].packets)
			fail_msg("%s: %llu packets, expected %llu", traces[i].name,
				 (unsigned long long)n, (unsigned long long)traces[i].packets);
		sn_source_stats(fast, &st);
		assert_int_equal(st.packets, traces[i].packets);
		assert_int_equal(sn_source_bytes_done(fast), sn_source_total_bytes(fast));
		assert_int_equal(sn_source_bytes_done(slow), sn_source_total_bytes(slow));
		sn_source_close(fast);
		sn_source_close(slow);
	}
}

/* pcapng goes through sonata's own reader: compare it with libpcap itself. */
static void pcapng_matches_libpcap(void **state)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	const char *path = trace_path("id2t_hydra-1_tasks.pcap");
	struct sn_source *src = open_trace(path, 1);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct sn_packet pkt;
	uint64_t n = 0, prev = 0, backwards = 0;
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(p);
	while (pcap_next_ex(p, &hdr, &data) == 1) {
		assert_int_equal(sn_source_next(src, &pkt), 1);
		uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;

		assert_int_equal(pkt.ts_ns, ts);
		assert_int_equal(pkt.caplen, hdr->caplen);
		assert_int_equal(pkt.wirelen, hdr->len);
		assert_int_equal(pkt.linktype, pcap_datalink(p));
		assert_memory_equal(pkt.data, data, hdr->caplen);
		if (pkt.ts_ns < prev)
			backwards++;
		prev = pkt.ts_ns;
		n++;
	}
	assert_int_equal(sn_source_next(src, &pkt), 0);
	assert_int_equal(n, 2486);
	/* Timestamps start at 1970 and go backwards once, unchanged by the reader. */
	assert_true(backwards >= 1);
	pcap_close(p);
	sn_source_close(src);
}

/* All shared captures as one stream. */
static void all_traces_one_stream(void **state)
{
	const size_t count = sizeof(traces) / sizeof(traces[0]);
	static char names[sizeof(traces) / sizeof(traces[0])][4096];
	const char *paths[sizeof(traces) / sizeof(traces[0])];
	struct sn_source *src;
	struct sn_packet pkt;
	uint64_t n = 0, expect = 0;
	size_t i;

	for (i = 0; i < count; i++) {
		snprintf(names[i], sizeof(names[i]), "%s", trace_path(traces[i].name));
		paths[i] = names[i];
		expect += traces[i].packets;
	}
	assert_int_equal(sn_source_open_files(&src, paths, count, NULL), 0);
	while (sn_source_next(src, &pkt) == 1)
		n++;
	assert_int_equal(n, expect);
	assert_string_equal(sn_source_error(src), "");
	assert_int_equal(sn_source_bytes_done(src), sn_source_total_bytes(src));
	sn_source_close(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mmap_matches_libpcap),
		cmocka_unit_test(pcapng_matches_libpcap),
		cmocka_unit_test(all_traces_one_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
