/* IP fragment reassembly: order, overlap, duplicates, IPv6, timeout. */
#include "testutil.h"

#include "decode_pkt.h"

#define SEC 1000000000ULL

static struct sn_decoder dec;
static struct sn_packet pkt;
static uint8_t buf[512];
static uint8_t datagram[48]; /* UDP header + 40 bytes, split 16 / 16 / 16 */

static int setup(void **state)
{
	udp_hdr(datagram, 7000, 8000, sizeof(datagram));
	for (uint32_t i = 8; i < sizeof(datagram); i++)
		datagram[i] = (uint8_t)i;
	return sn_decoder_init(&dec, NULL);
}

static int teardown(void **state)
{
	sn_decoder_free(&dec);
	return 0;
}

/* Decode IPv4 fragment `part` (0..2) of datagram with IP id. */
static enum sn_malformed frag4(uint16_t id, int part, uint64_t ts)
{
	uint16_t flags = (uint16_t)(part < 2 ? 0x2000 : 0) | (uint16_t)(part * 2);
	uint32_t n = ip4_hdr(buf, 20, 20 + 16, 17, 1, 2, id, flags);

	memcpy(buf + n, datagram + part * 16, 16);
	pkt.data = buf;
	pkt.caplen = n + 16;
	pkt.linktype = DLT_RAW;
	pkt.ts_ns = ts;
	return sn_decode(&dec, &pkt);
}

static void assert_reassembled(void)
{
	assert_true(sn_packet_has(&pkt, SN_L_IP4 | SN_L_FRAG | SN_L_REASM | SN_L_UDP));
	assert_int_equal(pkt.ip_len, 20 + sizeof(datagram));
	assert_int_equal(pkt.sport, 7000);
	assert_int_equal(pkt.dport, 8000);
	assert_int_equal(pkt.payload_len, 40);
	assert_memory_equal(pkt.payload, datagram + 8, 40);
}

static void assert_fragment_only(void)
{
	assert_true(sn_packet_has(&pkt, SN_L_IP4 | SN_L_FRAG));
	assert_false(pkt.layers & (SN_L_REASM | SN_L_UDP));
	assert_int_equal(pkt.sport, 0);
}

static void in_order(void **state)
{
	assert_int_equal(frag4(1, 0, SEC), SN_MAL_NONE);
	assert_fragment_only();
	assert_int_equal(frag4(1, 1, SEC), SN_MAL_NONE);
	assert_fragment_only();
	assert_int_equal(frag4(1, 2, SEC), SN_MAL_NONE);
	assert_reassembled();
}

static void out_of_order(void **state)
{
	assert_int_equal(frag4(2, 2, SEC), SN_MAL_NONE);
	assert_fragment_only();
	assert_int_equal(frag4(2, 0, SEC), SN_MAL_NONE);
	assert_fragment_only();
	assert_int_equal(frag4(2, 1, SEC), SN_MAL_NONE);
	assert_reassembled();
	assert_int_equal(pkt.frag_off, 16);
}

static void duplicate_ignored(void **state)
{
	assert_int_equal(frag4(3, 0, SEC), SN_MAL_NONE);
	assert_int_equal(frag4(3, 0, SEC), SN_MAL_NONE);
	assert_fragment_only();
	assert_int_equal(frag4(3, 1, SEC), SN_MAL_NONE);
	assert_int_equal(frag4(3, 2, SEC), SN_MAL_NONE);
	assert_reassembled();
}

static void overlap_differs(void **state)
{
	uint64_t before = dec.malformed[SN_MAL_FRAG_OVERLAP];
	uint32_t n;

	assert_int_equal(frag4(4, 0, SEC), SN_MAL_NONE);
	/* 16 bytes at offset 8 with other content overlap the first fragment. */
	n = ip4_hdr(buf, 20, 36, 17, 1, 2, 4, 0x2001);
	memset(buf + n, 0xff, 16);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_RAW, buf, n + 16), SN_MAL_FRAG_OVERLAP);
	assert_true(sn_packet_has(&pkt, SN_L_IP4 | SN_L_FRAG));
	assert_int_equal(dec.malformed[SN_MAL_FRAG_OVERLAP], before + 1);
	/* The datagram was dropped, so the rest cannot complete it. */
	assert_int_equal(frag4(4, 1, SEC), SN_MAL_NONE);
	assert_int_equal(frag4(4, 2, SEC), SN_MAL_NONE);
	assert_fragment_only();
}

static void oversized(void **state)
{
	uint32_t n = ip4_hdr(buf, 20, 36, 17, 1, 2, 5, 8190); /* offset 65520 + 16 bytes */

	memset(buf + n, 0, 16);
	assert_int_equal(decode_buf(&dec, &pkt, DLT_RAW, buf, n + 16), SN_MAL_FRAG_OVERLAP);
}

static void timeout_drops(void **state)
{
	assert_int_equal(frag4(6, 0, SEC), SN_MAL_NONE);
	assert_int_equal(frag4(6, 1, SEC), SN_MAL_NONE);
	assert_int_equal(frag4(6, 2, 32 * SEC), SN_MAL_NONE);
	assert_fragment_only();
}

static void ids_kept_apart(void **state)
{
	assert_int_equal(frag4(7, 0, SEC), SN_MAL_NONE);
	assert_int_equal(frag4(8, 1, SEC), SN_MAL_NONE);
	assert_int_equal(frag4(7, 2, SEC), SN_MAL_NONE);
	assert_fragment_only();
	assert_int_equal(frag4(7, 1, SEC), SN_MAL_NONE);
	assert_reassembled();
}

/* IPv6 fragment `part` of datagram, with a destination options header in front. */
static enum sn_malformed frag6(int part)
{
	uint32_t n = ip6_hdr(buf, 8 + 8 + 16, 60, 1, 2);

	memset(buf + n, 0, 8);
	buf[n] = 44; /* destination options, then the fragment header */
	n += 8;
	buf[n] = 17;
	buf[n + 1] = 0;
	put16(buf + n + 2, (uint16_t)(part * 16 | (part < 2 ? 1 : 0)));
	put32(buf + n + 4, 0x01020304);
	n += 8;
	memcpy(buf + n, datagram + part * 16, 16);
	return decode_buf(&dec, &pkt, DLT_RAW, buf, n + 16);
}

static void ip6_fragments(void **state)
{
	assert_int_equal(frag6(1), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_FRAG));
	assert_false(pkt.layers & SN_L_UDP);
	assert_int_equal(frag6(0), SN_MAL_NONE);
	assert_false(pkt.layers & SN_L_UDP);
	assert_int_equal(frag6(2), SN_MAL_NONE);
	assert_true(sn_packet_has(&pkt, SN_L_IP6 | SN_L_REASM | SN_L_UDP));
	assert_int_equal(pkt.ip_id, 0x01020304);
	assert_int_equal(pkt.ip_len, 40 + 8 + sizeof(datagram));
	assert_int_equal(pkt.proto, 17);
	assert_int_equal(pkt.sport, 7000);
	assert_int_equal(pkt.payload_len, 40);
	assert_memory_equal(pkt.payload, datagram + 8, 40);
}

static void table_full(void **state)
{
	/* More datagrams in flight than the table holds: the oldest are dropped. */
	for (uint16_t id = 100; id < 100 + 1100; id++)
		assert_int_equal(frag4(id, 0, 2 * SEC), SN_MAL_NONE);
	assert_int_equal(frag4(100, 1, 2 * SEC), SN_MAL_NONE);
	assert_int_equal(frag4(100, 2, 2 * SEC), SN_MAL_NONE);
	assert_fragment_only();
	assert_int_equal(frag4(1199, 1, 2 * SEC), SN_MAL_NONE);
	assert_int_equal(frag4(1199, 2, 2 * SEC), SN_MAL_NONE);
	assert_reassembled();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order),
		cmocka_unit_test(out_of_order),
		cmocka_unit_test(duplicate_ignored),
		cmocka_unit_test(overlap_differs),
		cmocka_unit_test(oversized),
		cmocka_unit_test(timeout_drops),
		cmocka_unit_test(ids_kept_apart),
		cmocka_unit_test(ip6_fragments),
		cmocka_unit_test(table_full),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
