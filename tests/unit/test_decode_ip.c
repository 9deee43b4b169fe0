/* Decoder IP layers: IPv4 header checks and options, IPv6 extension headers, fragments. */
#include "testutil.h"

#include "decode_pkt.h"

static struct sn_decoder dec;
static struct sn_packet pkt;
static uint8_t buf[512];

static int setup(void **state)
{
	struct sn_decode_opts opts = { .reassemble = 0 };

	return sn_decoder_init(&dec, &opts);
}

static int teardown(void **state)
{
	sn_decoder_free(&dec);
	return 0;
}

static enum sn_malformed decode_raw(uint32_t len)
{
	return decode_buf(&dec, &pkt, DLT_RAW, buf, len);
}

static void ip4_fields(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 48, 6, 1, 2, 0x1234, 0x4000);

	n += tcp_hdr(buf + n, 1, 2, 0x18, 20);
	memcpy(buf + n, "abcdefgh", 8);
	assert_int_equal(decode_raw(n + 8), SN_MAL_NONE);
	assert_int_equal(pkt.ip_version, 4);
	assert_int_equal(pkt.src.family, 4);
	assert_int_equal(pkt.src.bytes[0], 10);
	assert_int_equal(pkt.src.bytes[4], 0);
	assert_int_equal(pkt.ttl, 64);
	assert_int_equal(pkt.tos, 0x10);
	assert_int_equal(pkt.ihl, 20);
	assert_int_equal(pkt.ip_len, 48);
	assert_int_equal(pkt.ip_id, 0x1234);
	assert_true(pkt.dont_frag);
	assert_false(pkt.more_frags);
	assert_int_equal(pkt.proto, 6);
	assert_int_equal(pkt.payload_len, 8);
	assert_memory_equal(pkt.payload, "abcdefgh", 8);
}

static void ip4_options(void **state)
{
	uint32_t n = ip4_hdr(buf, 24, 44, 17, 1, 2, 1, 0);

	n += udp_hdr(buf + n, 4000, 5000, 20);
	assert_int_equal(decode_raw(n + 12), SN_MAL_NONE);
	assert_int_equal(pkt.ihl, 24);
	assert_true(sn_packet_has(&pkt, SN_L_UDP));
	assert_int_equal(pkt.sport, 4000);
	assert_int_equal(pkt.dport, 5000);
	assert_int_equal(pkt.payload_len, 12);
}

static void ip4_hlen_short(void **state)
{
	ip4_hdr(buf, 20, 40, 6, 1, 2, 1, 0);
	buf[0] = 0x44; /* IHL 16 bytes */
	assert_int_equal(decode_raw(40), SN_MAL_IP4_HLEN);
	assert_false(pkt.layers & SN_L_IP4);
}

static void ip4_total_below_hlen(void **state)
{
	ip4_hdr(buf, 20, 12, 6, 1, 2, 1, 0);
	assert_int_equal(decode_raw(40), SN_MAL_IP4_LEN);
	assert_true(sn_packet_has(&pkt, SN_L_IP4));
	assert_false(pkt.layers & SN_L_TCP);
}

static void ip4_truncated(void **state)
{
	ip4_hdr(buf, 20, 40, 6, 1, 2, 1, 0);
	assert_int_equal(decode_raw(19), SN_MAL_IP4_TRUNC);
	assert_int_equal(pkt.layers, 0);
	ip4_hdr(buf, 60, 80, 6, 1, 2, 1, 0);
	assert_int_equal(decode_raw(40), SN_MAL_IP4_TRUNC);
	assert_int_equal(pkt.layers, 0);
}

static void ip4_cut_by_snaplen(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 1500, 6, 1, 2, 1, 0);

	n += tcp_hdr(buf + n, 1, 2, 0x10, 20);
	assert_int_equal(decode_raw(n + 10), SN_MAL_NONE);
	assert_int_equal(pkt.ip_len, 1500);
	assert_int_equal(pkt.payload_len, 10);
}

static void ip6_ext_chain(void **state)
{
	uint32_t n = ip6_hdr(buf, 8 + 8 + 16 + 8, 0, 1, 2);

	buf[n] = 43; /* hop-by-hop, 8 bytes, then routing */
	buf[n + 1] = 0;
	buf[n + 8] = 60; /* routing, 8 bytes, then destination options */
	buf[n + 9] = 0;
	buf[n + 16] = 17; /* destination options, 16 bytes, then UDP */
	buf[n + 17] = 1;
	n += 32;
	n += udp_hdr(buf + n, 5300, 9999, 8);
	assert_int_equal(decode_raw(n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_UDP));
	assert_int_equal(pkt.proto, 17);
	assert_int_equal(pkt.sport, 5300);
	assert_int_equal(pkt.dport, 9999);
	assert_int_equal(pkt.ip_len, 80);
	assert_int_equal(pkt.ttl, 63);
	assert_int_equal(pkt.tos, 2);
	assert_int_equal(pkt.dst.bytes[15], 2);
}

static void ip6_ah(void **state)
{
	uint32_t n = ip6_hdr(buf, 24 + 20, 51, 1, 2);

	memset(buf + n, 0, 24);
	buf[n] = 6;     /* AH then TCP */
	buf[n + 1] = 4; /* (4 + 2) * 4 = 24 bytes */
	n += 24;
	n += tcp_hdr(buf + n, 22, 40000, 0x12, 20);
	assert_int_equal(decode_raw(n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_TCP));
	assert_int_equal(pkt.tcp_flags, 0x12);
}

static void ip6_esp_stops(void **state)
{
	uint32_t n = ip6_hdr(buf, 16, 50, 1, 2);

	memset(buf + n, 0xab, 16);
	assert_int_equal(decode_raw(n + 16), SN_MAL_NONE);
	assert_int_equal(pkt.proto, 50);
	assert_false(pkt.layers & (SN_L_TCP | SN_L_UDP));
	assert_int_equal(pkt.payload_len, 16);
}

static void ip6_chain_past_end(void **state)
{
	uint32_t n = ip6_hdr(buf, 16, 0, 1, 2);

	buf[n] = 60;
	buf[n + 1] = 0;
	buf[n + 8] = 17;
	buf[n + 9] = 2; /* 24 bytes, but only 8 remain */
	assert_int_equal(decode_raw(n + 16), SN_MAL_IP6_EXT);
	assert_true(sn_packet_has(&pkt, SN_L_IP6));
	assert_false(pkt.layers & SN_L_UDP);
}

static void ip6_truncated(void **state)
{
	ip6_hdr(buf, 0, 17, 1, 2);
	assert_int_equal(decode_raw(39), SN_MAL_IP6_TRUNC);
	assert_int_equal(pkt.layers, 0);
}

static void ip4_fragments_no_reasm(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 20 + 16, 17, 1, 2, 77, 0x2000);

	n += udp_hdr(buf + n, 5300, 1024, 100);
	assert_int_equal(decode_raw(n + 8), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP4 | SN_L_FRAG | SN_L_UDP));
	assert_true(pkt.more_frags);
	assert_int_equal(pkt.frag_off, 0);
	assert_int_equal(pkt.sport, 5300);
	assert_int_equal(pkt.payload_len, 8);

	n = ip4_hdr(buf, 20, 20 + 16, 17, 1, 2, 77, 2);
	memset(buf + n, 0, 16);
	assert_int_equal(decode_raw(n + 16), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP4 | SN_L_FRAG));
	assert_false(pkt.layers & SN_L_UDP);
	assert_int_equal(pkt.frag_off, 16);
	assert_int_equal(pkt.proto, 17);
	assert_int_equal(pkt.sport, 0);
}

static void ip6_fragment_no_reasm(void **state)
{
	uint32_t n = ip6_hdr(buf, 8 + 16, 44, 1, 2);

	buf[n] = 17;
	buf[n + 1] = 0;
	put16(buf + n + 2, 0x0001); /* offset 0, more fragments */
	put32(buf + n + 4, 0xdeadbeef);
	n += 8;
	n += udp_hdr(buf + n, 5300, 1024, 200);
	assert_int_equal(decode_raw(n + 8), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_FRAG | SN_L_UDP));
	assert_int_equal(pkt.ip_id, 0xdeadbeef);
	assert_int_equal(pkt.sport, 5300);

	put16(buf + 40 + 2, 0x0010); /* offset 16 */
	assert_int_equal(decode_raw(n + 8), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_FRAG));
	assert_false(pkt.layers & SN_L_UDP);
	assert_int_equal(pkt.frag_off, 16);
	assert_int_equal(pkt.proto, 17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ip4_fields),
		cmocka_unit_test(ip4_options),
		cmocka_unit_test(ip4_hlen_short),
		cmocka_unit_test(ip4_total_below_hlen),
		cmocka_unit_test(ip4_truncated),
		cmocka_unit_test(ip4_cut_by_snaplen),
		cmocka_unit_test(ip6_ext_chain),
		cmocka_unit_test(ip6_ah),
		cmocka_unit_test(ip6_esp_stops),
		cmocka_unit_test(ip6_chain_past_end),
		cmocka_unit_test(ip6_truncated),
		cmocka_unit_test(ip4_fragments_no_reasm),
		cmocka_unit_test(ip6_fragment_no_reasm),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
