/* Decoder transport layers: TCP, UDP, ICMP and ICMPv6 with quoted headers, DNS hand-off. */
#include "testutil.h"

#include "decode_pkt.h"

static struct sn_decoder dec;
static struct sn_packet pkt;
static uint8_t buf[512];

static int setup(void **state)
{
	return sn_decoder_init(&dec, NULL);
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

static void tcp_options_payload(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 20 + 32 + 5, 6, 1, 2, 1, 0);

	n += tcp_hdr(buf + n, 443, 50000, 0x18, 32);
	memcpy(buf + n, "hello", 5);
	assert_int_equal(decode_raw(n + 5), SN_MAL_NONE);
	assert_int_equal(pkt.tcp_hlen, 32);
	assert_int_equal(pkt.tcp_seq, 1000);
	assert_int_equal(pkt.tcp_ack, 2000);
	assert_int_equal(pkt.tcp_window, 512);
	assert_int_equal(pkt.payload_len, 5);
	assert_memory_equal(pkt.payload, "hello", 5);
}

static void tcp_offset_past_end(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 20 + 24, 6, 1, 2, 1, 0);

	n += tcp_hdr(buf + n, 1, 80, 0x02, 20);
	buf[20 + 12] = 15 << 4; /* 60-byte header in a 24-byte segment */
	assert_int_equal(decode_raw(n + 4), SN_MAL_TCP_HLEN);
	assert_true(sn_packet_has(&pkt, SN_L_TCP));
	assert_int_equal(pkt.dport, 80);
	assert_int_equal(pkt.payload_len, 0);
}

static void tcp_offset_short(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 40, 6, 1, 2, 1, 0);

	n += tcp_hdr(buf + n, 1, 80, 0x02, 20);
	buf[20 + 12] = 4 << 4;
	assert_int_equal(decode_raw(n), SN_MAL_TCP_HLEN);
}

static void tcp_truncated(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 40, 6, 1, 2, 1, 0);

	tcp_hdr(buf + n, 1, 80, 0x02, 20);
	assert_int_equal(decode_raw(n + 19), SN_MAL_TCP_TRUNC);
	assert_true(sn_packet_has(&pkt, SN_L_IP4));
	assert_false(pkt.layers & SN_L_TCP);
	assert_int_equal(pkt.sport, 0);
}

static void udp_len_short(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 36, 17, 1, 2, 1, 0);

	n += udp_hdr(buf + n, 1, 2, 7);
	assert_int_equal(decode_raw(n + 8), SN_MAL_UDP_LEN);
	assert_true(sn_packet_has(&pkt, SN_L_UDP));
	assert_int_equal(pkt.udp_len, 7);
}

static void udp_truncated(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 28, 17, 1, 2, 1, 0);

	assert_int_equal(decode_raw(n + 7), SN_MAL_UDP_TRUNC);
	assert_false(pkt.layers & SN_L_UDP);
}

static void udp_length_clips(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 20 + 30, 17, 1, 2, 1, 0);

	n += udp_hdr(buf + n, 1, 2, 20);
	assert_int_equal(decode_raw(n + 22), SN_MAL_NONE);
	assert_int_equal(pkt.udp_len, 20);
	assert_int_equal(pkt.payload_len, 12);
}

static void icmp_echo(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 20 + 8 + 4, 1, 1, 2, 1, 0);

	memset(buf + n, 0, 12);
	buf[n] = 8;
	assert_int_equal(decode_raw(n + 12), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_ICMP));
	assert_false(pkt.layers & SN_L_QUOTE);
	assert_int_equal(pkt.icmp_type, 8);
	assert_int_equal(pkt.payload_len, 4);
}

static void icmp_truncated(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 23, 1, 1, 2, 1, 0);

	assert_int_equal(decode_raw(n + 3), SN_MAL_ICMP_TRUNC);
	assert_false(pkt.layers & SN_L_ICMP);
}

/* ICMP unreachable from 10.0.0.9 quoting 10.0.0.2 -> 10.0.0.3 with a transport header. */
static uint32_t icmp_error(uint8_t proto)
{
	uint32_t n = ip4_hdr(buf, 20, 20 + 8 + 20 + 8, 1, 9, 2, 1, 0);

	memset(buf + n, 0, 8);
	buf[n] = 3;
	buf[n + 1] = 3;
	n += 8;
	n += ip4_hdr(buf + n, 20, 60, proto, 2, 3, 5, 0);
	put16(buf + n, 40000);
	put16(buf + n + 2, proto == 6 ? 80 : 53);
	put32(buf + n + 4, 0x02000000); /* a TCP sequence number, or UDP length/checksum */
	return n + 8;
}

static void icmp_quotes_tcp(void **state)
{
	assert_int_equal(decode_raw(icmp_error(6)), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_ICMP | SN_L_QUOTE));
	assert_false(pkt.layers & SN_L_TCP);
	assert_int_equal(pkt.sport, 0);
	assert_int_equal(pkt.dport, 0);
	assert_int_equal(pkt.tcp_flags, 0);
	assert_int_equal(pkt.proto, 1);
	assert_int_equal(pkt.icmp_type, 3);
	assert_int_equal(pkt.icmp_code, 3);
	assert_int_equal(pkt.quote.proto, 6);
	assert_int_equal(pkt.quote.src.family, 4);
	assert_int_equal(pkt.quote.src.bytes[3], 2);
	assert_int_equal(pkt.quote.dst.bytes[3], 3);
	assert_int_equal(pkt.quote.sport, 40000);
	assert_int_equal(pkt.quote.dport, 80);
}

static void icmp_quotes_udp(void **state)
{
	assert_int_equal(decode_raw(icmp_error(17)), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_QUOTE));
	assert_false(pkt.layers & (SN_L_UDP | SN_L_DNS));
	assert_int_equal(pkt.sport, 0);
	assert_int_equal(pkt.quote.proto, 17);
	assert_int_equal(pkt.quote.sport, 40000);
	assert_int_equal(pkt.quote.dport, 53);
}

static void icmp_quote_short(void **state)
{
	uint32_t n = icmp_error(6);

	assert_int_equal(decode_raw(n - 6), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_QUOTE));
	assert_int_equal(pkt.quote.sport, 0);
	assert_int_equal(pkt.quote.dport, 0);
	assert_int_equal(decode_raw(n - 20), SN_MAL_NONE);
	assert_false(pkt.layers & SN_L_QUOTE);
}

static void icmp6_quotes_udp(void **state)
{
	uint32_t n = ip6_hdr(buf, 8 + 40 + 8, 58, 9, 2);

	memset(buf + n, 0, 8);
	buf[n] = 1; /* destination unreachable */
	buf[n + 1] = 4;
	n += 8;
	n += ip6_hdr(buf + n, 8, 17, 2, 3);
	n += udp_hdr(buf + n, 3333, 4444, 8);
	assert_int_equal(decode_raw(n), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_ICMP6 | SN_L_QUOTE));
	assert_false(pkt.layers & SN_L_UDP);
	assert_int_equal(pkt.icmp_type, 1);
	assert_int_equal(pkt.icmp_code, 4);
	assert_int_equal(pkt.quote.proto, 17);
	assert_int_equal(pkt.quote.src.family, 6);
	assert_int_equal(pkt.quote.dst.bytes[15], 3);
	assert_int_equal(pkt.quote.sport, 3333);
	assert_int_equal(pkt.quote.dport, 4444);
}

static void icmp6_echo_no_quote(void **state)
{
	uint32_t n = ip6_hdr(buf, 8, 58, 1, 2);

	memset(buf + n, 0, 8);
	buf[n] = 128;
	assert_int_equal(decode_raw(n + 8), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_ICMP6));
	assert_false(pkt.layers & SN_L_QUOTE);
	assert_int_equal(pkt.icmp_type, 128);
}

static void dns_malformed_counted(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 20 + 8 + 5, 17, 1, 2, 1, 0);
	uint64_t before = dec.malformed[SN_MAL_DNS_TRUNC];

	n += udp_hdr(buf + n, 53, 1024, 8 + 5);
	memset(buf + n, 0, 5); /* shorter than the 12-byte DNS header */
	assert_int_equal(decode_raw(n + 5), SN_MAL_DNS_TRUNC);
	assert_true(sn_packet_has(&pkt, SN_L_UDP));
	assert_false(pkt.layers & SN_L_DNS);
	assert_null(pkt.dns);
	assert_int_equal(dec.malformed[SN_MAL_DNS_TRUNC], before + 1);
}

static void dns_tcp_split_skipped(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 20 + 20 + 6, 6, 1, 2, 1, 0);

	n += tcp_hdr(buf + n, 53, 1024, 0x18, 20);
	put16(buf + n, 300); /* message continues in a later segment */
	memset(buf + n + 2, 0, 4);
	assert_int_equal(decode_raw(n + 6), SN_MAL_NONE);
	assert_false(pkt.layers & SN_L_DNS);
	assert_int_equal(pkt.payload_len, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tcp_options_payload),
		cmocka_unit_test(tcp_offset_past_end),
		cmocka_unit_test(tcp_offset_short),
		cmocka_unit_test(tcp_truncated),
		cmocka_unit_test(udp_len_short),
		cmocka_unit_test(udp_truncated),
		cmocka_unit_test(udp_length_clips),
		cmocka_unit_test(icmp_echo),
		cmocka_unit_test(icmp_truncated),
		cmocka_unit_test(icmp_quotes_tcp),
		cmocka_unit_test(icmp_quotes_udp),
		cmocka_unit_test(icmp_quote_short),
		cmocka_unit_test(icmp6_quotes_udp),
		cmocka_unit_test(icmp6_echo_no_quote),
		cmocka_unit_test(dns_malformed_counted),
		cmocka_unit_test(dns_tcp_split_skipped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
