/* Decoder link layers: Ethernet, VLAN, MPLS, Linux cooked, raw IP, null/loopback, ARP. */
#include "testutil.h"

#include "decode_pkt.h"

static struct sn_decoder dec;
static struct sn_packet pkt;
static uint8_t buf[256];

static int setup(void **state)
{
	return sn_decoder_init(&dec, NULL);
}

static int teardown(void **state)
{
	sn_decoder_free(&dec);
	return 0;
}

/* IPv4 + TCP SYN 10.0.0.1:1234 -> 10.0.0.2:80 at p; returns its length. */
static uint32_t ip4_syn(uint8_t *p)
{
	uint32_t n = ip4_hdr(p, 20, 40, 6, 1, 2, 7, 0);

	return n + tcp_hdr(p + n, 1234, 80, 0x02, 20);
}

static void assert_syn_decoded(void)
{
	assert_true(sn_packet_has(&pkt, SN_L_IP4 | SN_L_TCP));
	assert_int_equal(pkt.ip_version, 4);
	assert_int_equal(pkt.src.bytes[3], 1);
	assert_int_equal(pkt.dst.bytes[3], 2);
	assert_int_equal(pkt.sport, 1234);
	assert_int_equal(pkt.dport, 80);
	assert_int_equal(pkt.tcp_flags, 0x02);
}

static void eth_ip4_tcp(void **state)
{
	uint32_t n = eth_hdr(buf, 0x0800);

	n += ip4_syn(buf + n);
	memset(buf + n, 0xee, 6); /* Ethernet padding up to 60 bytes */
	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, n + 6), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_ETH));
	assert_int_equal(pkt.ethertype, 0x0800);
	assert_syn_decoded();
	assert_int_equal(pkt.payload_len, 0);
	assert_int_equal(pkt.vlan_count, 0);
	assert_int_equal(pkt.mpls_count, 0);
}

static void vlan_stacked(void **state)
{
	uint32_t n = eth_hdr(buf, 0);

	n += vlan_hdr(buf + n, 0x88a8, 100, 0x8100);
	n += vlan_hdr(buf + n, 0x8100, 0x2000 | 200, 0x0800);
	n += ip4_syn(buf + n);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_ETH | SN_L_VLAN));
	assert_int_equal(pkt.vlan_count, 2);
	assert_int_equal(pkt.vlan_id, 100);
	assert_int_equal(pkt.ethertype, 0x0800);
	assert_syn_decoded();
}

static void vlan_truncated(void **state)
{
	uint32_t n = eth_hdr(buf, 0x8100);
	uint64_t before = dec.malformed[SN_MAL_VLAN_TRUNC];

	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, n + 2), SN_MAL_VLAN_TRUNC);
	assert_true(sn_packet_has(&pkt, SN_L_ETH));
	assert_false(pkt.layers & SN_L_VLAN);
	assert_int_equal(dec.malformed[SN_MAL_VLAN_TRUNC], before + 1);
}

static void mpls_two_labels(void **state)
{
	uint32_t n = eth_hdr(buf, 0x8847);

	put32(buf + n, 1000u << 12 | 64);               /* outer label, not bottom */
	put32(buf + n + 4, 2000u << 12 | 0x100 | 64);   /* bottom of stack */
	n += 8;
	n += ip4_syn(buf + n);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_MPLS));
	assert_int_equal(pkt.mpls_count, 2);
	assert_int_equal(pkt.mpls_label, 1000);
	assert_syn_decoded();
}

static void mpls_ip6(void **state)
{
	uint32_t n = eth_hdr(buf, 0x8847);

	put32(buf + n, 16u << 12 | 0x100 | 64);
	n += 4;
	n += ip6_hdr(buf + n, 8, 17, 1, 2);
	n += udp_hdr(buf + n, 1111, 2222, 8);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_MPLS | SN_L_IP6 | SN_L_UDP));
	assert_int_equal(pkt.mpls_count, 1);
	assert_int_equal(pkt.sport, 1111);
}

static void mpls_truncated(void **state)
{
	uint32_t n = eth_hdr(buf, 0x8847);

	put32(buf + n, 1000u << 12 | 64); /* no bottom-of-stack label follows */
	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, n + 6), SN_MAL_MPLS_TRUNC);
	assert_true(sn_packet_has(&pkt, SN_L_MPLS));
	assert_int_equal(pkt.mpls_count, 1);
	assert_false(pkt.layers & SN_L_IP4);
}

static void mpls_pseudowire(void **state)
{
	uint32_t n = eth_hdr(buf, 0x8847);

	put32(buf + n, 18u << 12 | 0x100 | 64);
	put32(buf + n + 4, 0); /* control word */
	n += 8;
	n += eth_hdr(buf + n, 0);
	n += vlan_hdr(buf + n, 0x8100, 5, 0x0800);
	n += ip4_syn(buf + n);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_MPLS | SN_L_VLAN));
	assert_int_equal(pkt.vlan_id, 5);
	assert_syn_decoded();
}

static void sll_v1(void **state)
{
	memset(buf, 0, 16);
	put16(buf + 14, 0x0800);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_LINUX_SLL, buf, 16 + ip4_syn(buf + 16)),
			 SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_SLL));
	assert_false(pkt.layers & SN_L_ETH);
	assert_syn_decoded();
}

static void sll_v2(void **state)
{
	memset(buf, 0, 20);
	put16(buf, 0x0800);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_LINUX_SLL2, buf, 20 + ip4_syn(buf + 20)),
			 SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_SLL));
	assert_syn_decoded();
}

static void sll_truncated(void **state)
{
	assert_int_equal(decode_buf(&dec, &pkt, DLT_LINUX_SLL2, buf, 19), SN_MAL_LINK_TRUNC);
	assert_int_equal(pkt.layers, 0);
}

static void raw_ip(void **state)
{
	uint32_t n = ip4_syn(buf);

	assert_int_equal(decode_buf(&dec, &pkt, DLT_RAW, buf, n), SN_MAL_NONE);
	assert_syn_decoded();
	assert_int_equal(pkt.ethertype, 0x0800);
	assert_int_equal(decode_buf(&dec, &pkt, 101, buf, n), SN_MAL_NONE);
	assert_syn_decoded();
	assert_int_equal(decode_buf(&dec, &pkt, DLT_IPV4, buf, n), SN_MAL_NONE);
	assert_syn_decoded();
}

static void raw_ip6(void **state)
{
	uint32_t n = ip6_hdr(buf, 8, 17, 1, 2);

	n += udp_hdr(buf + n, 5000, 6000, 8);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_IPV6, buf, n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_UDP));
	assert_int_equal(pkt.ethertype, 0x86dd);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_RAW, buf, n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_UDP));
}

static void raw_version_mismatch(void **state)
{
	uint32_t n = ip4_syn(buf);

	assert_int_equal(decode_buf(&dec, &pkt, DLT_IPV6, buf, n), SN_MAL_IP4_VERSION);
	assert_false(pkt.layers & SN_L_IP4);
	buf[0] = 0x55;
	assert_int_equal(decode_buf(&dec, &pkt, DLT_RAW, buf, n), SN_MAL_IP4_VERSION);
}

static void null_host_order(void **state)
{
	buf[0] = 2; /* AF_INET, little-endian host */
	buf[1] = buf[2] = buf[3] = 0;
	assert_int_equal(decode_buf(&dec, &pkt, DLT_NULL, buf, 4 + ip4_syn(buf + 4)),
			 SN_MAL_NONE);
	assert_syn_decoded();
	put32(buf, 2); /* AF_INET, big-endian host */
	assert_int_equal(decode_buf(&dec, &pkt, DLT_NULL, buf, 4 + ip4_syn(buf + 4)),
			 SN_MAL_NONE);
	assert_syn_decoded();
}

static void null_ip6_families(void **state)
{
	uint32_t n = 4 + ip6_hdr(buf + 4, 8, 17, 1, 2);

	n += udp_hdr(buf + n, 1, 2, 8);
	buf[0] = 30; /* AF_INET6 on macOS, little-endian */
	buf[1] = buf[2] = buf[3] = 0;
	assert_int_equal(decode_buf(&dec, &pkt, DLT_NULL, buf, n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_UDP));
	put32(buf, 24); /* AF_INET6 on OpenBSD, network order */
	assert_int_equal(decode_buf(&dec, &pkt, DLT_LOOP, buf, n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_UDP));
}

static void loop_network_order(void **state)
{
	buf[0] = 2; /* read in network order: 0x02000000, not a known family */
	buf[1] = buf[2] = buf[3] = 0;
	assert_int_equal(decode_buf(&dec, &pkt, DLT_LOOP, buf, 4 + ip4_syn(buf + 4)),
			 SN_MAL_NONE);
	assert_false(pkt.layers & SN_L_IP4);
}

static void arp_flagged(void **state)
{
	uint32_t n = eth_hdr(buf, 0x0806);

	memset(buf + n, 0, 28);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, n + 28), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_ETH | SN_L_ARP));
	assert_int_equal(pkt.ip_version, 0);
}

static void eth_truncated(void **state)
{
	uint64_t total = dec.malformed_total;

	assert_int_equal(decode_buf(&dec, &pkt, DLT_EN10MB, buf, 13), SN_MAL_LINK_TRUNC);
	assert_int_equal(pkt.layers, 0);
	assert_int_equal(dec.malformed_total, total + 1);
}

static void link_unknown(void **state)
{
	uint64_t before = dec.malformed[SN_MAL_LINK_UNKNOWN];
	uint64_t packets = dec.packets;

	assert_int_equal(decode_buf(&dec, &pkt, 147, buf, 60), SN_MAL_LINK_UNKNOWN);
	assert_int_equal(dec.malformed[SN_MAL_LINK_UNKNOWN], before + 1);
	assert_int_equal(dec.packets, packets + 1);
}

static void malformed_names(void **state)
{
	assert_string_equal(sn_malformed_name(SN_MAL_IP4_TRUNC), "truncated IPv4 header");
	assert_string_equal(sn_malformed_name(SN_MAL_COUNT), "unknown malformation");
	for (int i = 0; i < SN_MAL_COUNT; i++)
		assert_non_null(sn_malformed_name((enum sn_malformed)i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eth_ip4_tcp),
		cmocka_unit_test(vlan_stacked),
		cmocka_unit_test(vlan_truncated),
		cmocka_unit_test(mpls_two_labels),
		cmocka_unit_test(mpls_ip6),
		cmocka_unit_test(mpls_truncated),
		cmocka_unit_test(mpls_pseudowire),
		cmocka_unit_test(sll_v1),
		cmocka_unit_test(sll_v2),
		cmocka_unit_test(sll_truncated),
		cmocka_unit_test(raw_ip),
		cmocka_unit_test(raw_ip6),
		cmocka_unit_test(raw_version_mismatch),
		cmocka_unit_test(null_host_order),
		cmocka_unit_test(null_ip6_families),
		cmocka_unit_test(loop_network_order),
		cmocka_unit_test(arp_flagged),
		cmocka_unit_test(eth_truncated),
		cmocka_unit_test(link_unknown),
		cmocka_unit_test(malformed_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
