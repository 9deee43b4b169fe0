/* Unit tests for the field catalogue: table shape, names, suggestions and reads. */
#include "testutil.h"

#include <string.h>

#include "sonata/fields.h"

static void test_table_complete(void **state)
{
	unsigned i;

	for (i = 0; i < SN_F_COUNT; i++) {
		const struct sn_field_def *def = sn_field_by_id((enum sn_field_id)i);

		assert_non_null(def);
		assert_int_equal(def->id, i);
		assert_non_null(def->name);
		assert_non_null(def->aliases);
		assert_non_null(def->doc);
		assert_true(strlen(def->doc) > 0);
		assert_int_not_equal(def->type, SN_T_NONE);
	}
	assert_null(sn_field_by_id(SN_F_COUNT));
}

static void test_names_resolve(void **state)
{
	unsigned i;

	for (i = 0; i < SN_F_COUNT; i++) {
		const struct sn_field_def *def = sn_field_by_id((enum sn_field_id)i);
		char buf[256];
		char *tok, *save = NULL;

		assert_ptr_equal(sn_field_lookup(def->name), def);
		snprintf(buf, sizeof(buf), "%s", def->aliases);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			const struct sn_field_def *found = sn_field_lookup(tok);

			assert_non_null(found);
			assert_int_equal(found->id, def->id);
		}
	}
}

static void check_alias(const char *alias, enum sn_field_id id)
{
	const struct sn_field_def *def = sn_field_lookup(alias);

	assert_non_null(def);
	assert_int_equal(def->id, id);
}

static void test_sonata_aliases(void **state)
{
	check_alias("ipv4.srcIP", SN_F_IPV4_SRC);
	check_alias("ipv4.dstIP", SN_F_IPV4_DST);
	check_alias("ipv4.totalLen", SN_F_IPV4_LEN);
	check_alias("ipv4.protocol", SN_F_IPV4_PROTO);
	check_alias("ipv4.ttl", SN_F_IPV4_TTL);
	check_alias("ipv4.ihl", SN_F_IPV4_IHL);
	check_alias("ipv4.diffserv", SN_F_IPV4_TOS);
	check_alias("ipv4.identification", SN_F_IPV4_ID);
	check_alias("ipv4.fragOffset", SN_F_IPV4_FRAG_OFF);
	check_alias("tcp.sport", SN_F_TCP_SPORT);
	check_alias("tcp.dport", SN_F_TCP_DPORT);
	check_alias("tcp.seqNo", SN_F_TCP_SEQ);
	check_alias("tcp.ackNo", SN_F_TCP_ACK);
	check_alias("tcp.dataOffset", SN_F_TCP_HLEN);
	check_alias("tcp.flags", SN_F_TCP_FLAGS);
	check_alias("tcp.window", SN_F_TCP_WINDOW);
	check_alias("udp.sport", SN_F_UDP_SPORT);
	check_alias("udp.dport", SN_F_UDP_DPORT);
	check_alias("udp.len", SN_F_UDP_LEN);
	check_alias("dns.ancount", SN_F_DNS_ANCOUNT);
	check_alias("dns.an.rrname", SN_F_DNS_AN_NAME);
	check_alias("dns.an.ttl", SN_F_DNS_AN_TTL);
	check_alias("dns.an.rdata", SN_F_DNS_AN_ADDR);
	check_alias("dns.ns.type", SN_F_DNS_NS_TYPE);
	check_alias("dns.qd.qname", SN_F_DNS_QNAME);
	check_alias("payload", SN_F_PAYLOAD);
}

static void test_tshark_aliases(void **state)
{
	check_alias("ip.proto", SN_F_IP_PROTO);
	check_alias("ip.len", SN_F_IP_LEN);
	check_alias("tcp.srcport", SN_F_TCP_SPORT);
	check_alias("tcp.dstport", SN_F_TCP_DPORT);
	check_alias("udp.srcport", SN_F_UDP_SPORT);
	check_alias("udp.dstport", SN_F_UDP_DPORT);
	check_alias("dns.qry.name", SN_F_DNS_QNAME);
	check_alias("dns.qry.type", SN_F_DNS_QTYPE);
	check_alias("dns.flags.response", SN_F_DNS_QR);
	check_alias("ip.src", SN_F_IP_SRC);
	check_alias("l4.dport", SN_F_DPORT);
}

static void test_lookup_exact(void **state)
{
	assert_null(sn_field_lookup("ipv4.srcip"));
	assert_null(sn_field_lookup("IP.SRC"));
	assert_null(sn_field_lookup("ip.sr"));
	assert_null(sn_field_lookup("ip.src "));
	assert_null(sn_field_lookup(""));
	assert_null(sn_field_lookup("ipv4"));
}

static void test_names_unique(void **state)
{
	unsigned i, j;

	for (i = 0; i < SN_F_COUNT; i++) {
		const char *a = sn_field_by_id((enum sn_field_id)i)->name;

		for (j = i + 1; j < SN_F_COUNT; j++)
			assert_string_not_equal(a, sn_field_by_id((enum sn_field_id)j)->name);
	}
}

static void test_suggest(void **state)
{
	const char *s = sn_field_suggest("ipv4.srcip");

	assert_non_null(s);
	assert_string_equal(s, "ipv4.src");
	assert_string_equal(sn_field_suggest("tcp.flag"), "tcp.flags");
	assert_string_equal(sn_field_suggest("dns.qnmae"), "dns.qname");
	assert_string_equal(sn_field_suggest("udp.dstprt"), "udp.dport");
	assert_null(sn_field_suggest("completely.unrelated.name"));
	assert_null(sn_field_suggest("x"));
	assert_null(sn_field_suggest(""));
}

static void test_flags(void **state)
{
	unsigned i;

	for (i = SN_F_DNS_ID; i < SN_F_COUNT; i++)
		assert_false(sn_field_by_id((enum sn_field_id)i)->flags & SN_FF_SWITCH);
	assert_false(sn_field_by_id(SN_F_PAYLOAD)->flags & SN_FF_SWITCH);
	assert_true(sn_field_by_id(SN_F_IPV4_SRC)->flags & SN_FF_SWITCH);
	assert_true(sn_field_by_id(SN_F_TCP_FLAGS)->flags & SN_FF_SWITCH);
	assert_true(sn_field_by_id(SN_F_UDP_DPORT)->flags & SN_FF_SWITCH);
	assert_true(sn_field_by_id(SN_F_DNS_AN_ADDR)->flags & SN_FF_MULTI);
	assert_true(sn_field_by_id(SN_F_DNS_RR_TYPE)->flags & SN_FF_MULTI);
	assert_false(sn_field_by_id(SN_F_DNS_QNAME)->flags & SN_FF_MULTI);
	assert_int_equal(sn_field_by_id(SN_F_IPV4_SRC)->bits, 32);
	assert_int_equal(sn_field_by_id(SN_F_TCP_FLAGS)->bits, 8);
}

static uint64_t get_u(const struct sn_packet *pkt, enum sn_field_id id)
{
	struct sn_value v;

	assert_int_equal(sn_field_get(pkt, id, 0, &v), 1);
	assert_int_equal(v.type, SN_T_UINT);
	return v.u;
}

static void assert_absent(const struct sn_packet *pkt, enum sn_field_id id)
{
	struct sn_value v;

	assert_int_equal(sn_field_get(pkt, id, 0, &v), 0);
}

static void assert_addr(const struct sn_packet *pkt, enum sn_field_id id, const char *text)
{
	struct sn_value v;
	char buf[64];

	assert_int_equal(sn_field_get(pkt, id, 0, &v), 1);
	assert_int_equal(v.type, SN_T_ADDR);
	sn_addr_format(&v.addr, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void fill_ipv4(struct sn_packet *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->ts_ns = 1500000000123456789ull;
	pkt->wirelen = 74;
	pkt->layers = SN_L_ETH | SN_L_IP4;
	pkt->ethertype = 0x0800;
	pkt->ip_version = 4;
	assert_int_equal(sn_addr_parse("10.0.0.1", &pkt->src), 0);
	assert_int_equal(sn_addr_parse("192.0.2.9", &pkt->dst), 0);
	pkt->ttl = 64;
	pkt->tos = 0x10;
	pkt->ihl = 20;
	pkt->ip_len = 60;
	pkt->ip_id = 0x1234;
	pkt->dont_frag = true;
}

static void test_get_tcp(void **state)
{
	static const uint8_t data[] = "hello";
	struct sn_packet pkt;
	struct sn_value v;

	fill_ipv4(&pkt);
	pkt.layers |= SN_L_TCP;
	pkt.proto = 6;
	pkt.sport = 43210;
	pkt.dport = 80;
	pkt.tcp_flags = SN_TCP_SYN | SN_TCP_ACK;
	pkt.tcp_seq = 4000000000u;
	pkt.tcp_ack = 7;
	pkt.tcp_window = 65535;
	pkt.tcp_hlen = 40;
	pkt.payload = data;
	pkt.payload_len = 5;

	assert_int_equal(get_u(&pkt, SN_F_TS), 1500000000);
	assert_int_equal(get_u(&pkt, SN_F_FRAME_LEN), 74);
	assert_int_equal(get_u(&pkt, SN_F_ETH_TYPE), 0x0800);
	assert_int_equal(get_u(&pkt, SN_F_IP_VERSION), 4);
	assert_addr(&pkt, SN_F_IP_SRC, "10.0.0.1");
	assert_addr(&pkt, SN_F_IPV4_SRC, "10.0.0.1");
	assert_addr(&pkt, SN_F_IPV4_DST, "192.0.2.9");
	assert_int_equal(get_u(&pkt, SN_F_IP_PROTO), 6);
	assert_int_equal(get_u(&pkt, SN_F_IPV4_TTL), 64);
	assert_int_equal(get_u(&pkt, SN_F_IPV4_LEN), 60);
	assert_int_equal(get_u(&pkt, SN_F_IPV4_IHL), 20);
	assert_int_equal(get_u(&pkt, SN_F_IPV4_TOS), 0x10);
	assert_int_equal(get_u(&pkt, SN_F_IPV4_ID), 0x1234);
	assert_int_equal(get_u(&pkt, SN_F_IP_DF), 1);
	assert_int_equal(get_u(&pkt, SN_F_IP_MF), 0);
	assert_int_equal(get_u(&pkt, SN_F_SPORT), 43210);
	assert_int_equal(get_u(&pkt, SN_F_TCP_DPORT), 80);
	assert_int_equal(get_u(&pkt, SN_F_TCP_FLAGS), 18);
	assert_int_equal(get_u(&pkt, SN_F_TCP_SEQ), 4000000000u);
	assert_int_equal(get_u(&pkt, SN_F_TCP_ACK), 7);
	assert_int_equal(get_u(&pkt, SN_F_TCP_WINDOW), 65535);
	assert_int_equal(get_u(&pkt, SN_F_TCP_HLEN), 40);
	assert_int_equal(get_u(&pkt, SN_F_PAYLOAD_LEN), 5);
	assert_int_equal(sn_field_get(&pkt, SN_F_PAYLOAD, 0, &v), 1);
	assert_int_equal(v.type, SN_T_BYTES);
	assert_ptr_equal(v.s.ptr, data);
	assert_int_equal(v.s.len, 5);

	assert_absent(&pkt, SN_F_UDP_SPORT);
	assert_absent(&pkt, SN_F_UDP_LEN);
	assert_absent(&pkt, SN_F_IPV6_SRC);
	assert_absent(&pkt, SN_F_ICMP_TYPE);
	assert_absent(&pkt, SN_F_VLAN_ID);
	assert_absent(&pkt, SN_F_DNS_QNAME);
	assert_absent(&pkt, SN_F_DNS_AN_TYPE);
	assert_int_equal(sn_field_get(&pkt, SN_F_TCP_FLAGS, 1, &v), 0);
}

static void test_get_udp(void **state)
{
	struct sn_packet pkt;

	fill_ipv4(&pkt);
	pkt.layers |= SN_L_UDP;
	pkt.proto = 17;
	pkt.sport = 53;
	pkt.dport = 5353;
	pkt.udp_len = 40;

	assert_int_equal(get_u(&pkt, SN_F_UDP_SPORT), 53);
	assert_int_equal(get_u(&pkt, SN_F_UDP_DPORT), 5353);
	assert_int_equal(get_u(&pkt, SN_F_DPORT), 5353);
	assert_int_equal(get_u(&pkt, SN_F_UDP_LEN), 40);
	assert_absent(&pkt, SN_F_TCP_FLAGS);
	assert_absent(&pkt, SN_F_TCP_SPORT);
	assert_absent(&pkt, SN_F_PAYLOAD);
	assert_absent(&pkt, SN_F_DNS_ID);
}

static void test_get_ipv6(void **state)
{
	struct sn_packet pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.layers = SN_L_ETH | SN_L_IP6 | SN_L_UDP;
	pkt.ip_version = 6;
	assert_int_equal(sn_addr_parse("2001:db8::1", &pkt.src), 0);
	assert_int_equal(sn_addr_parse("ff02::fb", &pkt.dst), 0);
	pkt.proto = 17;
	pkt.ttl = 255;
	pkt.ip_len = 40 + 48;
	pkt.sport = 5353;

	assert_addr(&pkt, SN_F_IP_SRC, "2001:db8::1");
	assert_addr(&pkt, SN_F_IPV6_DST, "ff02::fb");
	assert_int_equal(get_u(&pkt, SN_F_IP_VERSION), 6);
	assert_int_equal(get_u(&pkt, SN_F_IPV6_NEXT), 17);
	assert_int_equal(get_u(&pkt, SN_F_IPV6_HLIM), 255);
	assert_int_equal(get_u(&pkt, SN_F_IPV6_PLEN), 48);
	assert_int_equal(get_u(&pkt, SN_F_IP_LEN), 88);
	assert_int_equal(get_u(&pkt, SN_F_SPORT), 5353);
	assert_absent(&pkt, SN_F_IPV4_SRC);
	assert_absent(&pkt, SN_F_IPV4_TTL);
	assert_absent(&pkt, SN_F_IP_DF);
	assert_absent(&pkt, SN_F_TCP_SPORT);
}

static struct sn_dns dns_msg;

static void fill_dns(struct sn_packet *pkt)
{
	static const char *names[] = { "a.example", "b.example", "ns.example", "" };
	struct sn_dns *dns = &dns_msg;
	struct {
		uint8_t section;
		uint16_t type;
		uint32_t ttl;
		const char *addr;
	} rrs[] = {
		{ SN_DNS_AN, 5, 300, NULL },
		{ SN_DNS_AN, 1, 60, "192.0.2.1" },
		{ SN_DNS_NS, 2, 3600, NULL },
		{ SN_DNS_AR, 41, 0, NULL },
	};
	unsigned i;

	fill_ipv4(pkt);
	pkt->layers |= SN_L_UDP | SN_L_DNS;
	memset(dns, 0, sizeof(*dns));
	dns->id = 0xbeef;
	dns->flags = 0x8580; /* QR, AA, RD, RA, rcode 0 */
	dns->qdcount = 1;
	dns->ancount = 2;
	dns->nscount = 1;
	dns->arcount = 1;
	dns->has_question = true;
	dns->qtype = 1;
	strcpy(dns->qname, "a.example");
	dns->qname_len = 9;
	for (i = 0; i < 4; i++) {
		struct sn_dns_rr *rr = &dns->rr[i];

		rr->section = rrs[i].section;
		rr->type = rrs[i].type;
		rr->ttl = rrs[i].ttl;
		rr->name_off = (uint16_t)dns->names_len;
		strcpy(dns->names + dns->names_len, names[i]);
		dns->names_len += (uint32_t)strlen(names[i]) + 1;
		if (rrs[i].addr)
			assert_int_equal(sn_addr_parse(rrs[i].addr, &rr->addr), 0);
	}
	dns->n_rr = 4;
	pkt->dns = dns;
}

static void test_get_dns_header(void **state)
{
	struct sn_packet pkt;
	struct sn_value v;

	fill_dns(&pkt);
	assert_int_equal(get_u(&pkt, SN_F_DNS_ID), 0xbeef);
	assert_int_equal(get_u(&pkt, SN_F_DNS_QR), 1);
	assert_int_equal(get_u(&pkt, SN_F_DNS_OPCODE), 0);
	assert_int_equal(get_u(&pkt, SN_F_DNS_AA), 1);
	assert_int_equal(get_u(&pkt, SN_F_DNS_TC), 0);
	assert_int_equal(get_u(&pkt, SN_F_DNS_RD), 1);
	assert_int_equal(get_u(&pkt, SN_F_DNS_RA), 1);
	assert_int_equal(get_u(&pkt, SN_F_DNS_RCODE), 0);
	assert_int_equal(get_u(&pkt, SN_F_DNS_ANCOUNT), 2);
	assert_int_equal(get_u(&pkt, SN_F_DNS_ARCOUNT), 1);
	assert_int_equal(get_u(&pkt, SN_F_DNS_QTYPE), 1);
	assert_int_equal(get_u(&pkt, SN_F_DNS_QNAME_LEN), 9);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_QNAME, 0, &v), 1);
	assert_int_equal(v.type, SN_T_STR);
	assert_int_equal(v.s.len, 9);
	assert_memory_equal(v.s.ptr, "a.example", 9);

	dns_msg.has_question = false;
	assert_absent(&pkt, SN_F_DNS_QNAME);
	assert_absent(&pkt, SN_F_DNS_QTYPE);
	assert_int_equal(get_u(&pkt, SN_F_DNS_ID), 0xbeef);

	pkt.layers &= ~(uint32_t)SN_L_DNS;
	assert_absent(&pkt, SN_F_DNS_ID);
}

static void test_get_dns_records(void **state)
{
	struct sn_packet pkt;
	struct sn_value v;
	char buf[64];

	fill_dns(&pkt);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_AN_TYPE, 0, &v), 1);
	assert_int_equal(v.u, 5);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_AN_TYPE, 1, &v), 1);
	assert_int_equal(v.u, 1);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_AN_TYPE, 2, &v), 0);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_AN_TTL, 1, &v), 1);
	assert_int_equal(v.u, 60);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_AN_NAME, 1, &v), 1);
	assert_int_equal(v.type, SN_T_STR);
	assert_int_equal(v.s.len, 9);
	assert_memory_equal(v.s.ptr, "b.example", 9);

	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_AN_ADDR, 0, &v), 1);
	assert_int_equal(v.type, SN_T_ADDR);
	sn_addr_format(&v.addr, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_AN_ADDR, 1, &v), 0);

	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_NS_TYPE, 0, &v), 1);
	assert_int_equal(v.u, 2);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_NS_TYPE, 1, &v), 0);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_AR_TYPE, 0, &v), 1);
	assert_int_equal(v.u, 41);

	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_RR_TYPE, 2, &v), 1);
	assert_int_equal(v.u, 2);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_RR_TYPE, 3, &v), 1);
	assert_int_equal(v.u, 41);
	assert_int_equal(sn_field_get(&pkt, SN_F_DNS_RR_TYPE, 4, &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_names_resolve),
		cmocka_unit_test(test_sonata_aliases),
		cmocka_unit_test(test_tshark_aliases),
		cmocka_unit_test(test_lookup_exact),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_get_tcp),
		cmocka_unit_test(test_get_udp),
		cmocka_unit_test(test_get_ipv6),
		cmocka_unit_test(test_get_dns_header),
		cmocka_unit_test(test_get_dns_records),
	};

	return cmocka_run_group_tests_name("fields", tests, NULL, NULL);
}
