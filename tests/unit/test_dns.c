/* Unit tests for the DNS message parser on hand-built messages and a real capture. */
#include "testutil.h"

#include <pcap/pcap.h>
#include <string.h>
#include <time.h>

#include "sonata/decode.h"
#include "sonata/value.h"

/* A DNS message under construction. */
struct msg {
	uint8_t b[70000];
	uint32_t len;
};

static struct msg m;
static struct sn_dns dns;

static void put8(struct msg *w, unsigned v)
{
	assert_true(w->len < sizeof(w->b));
	w->b[w->len++] = (uint8_t)v;
}

static void put16(struct msg *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v & 0xff);
}

static void put32(struct msg *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}

static void put_bytes(struct msg *w, const void *p, size_t n)
{
	assert_true(w->len + n <= sizeof(w->b));
	memcpy(w->b + w->len, p, n);
	w->len += (uint32_t)n;
}

/* Dotted text as uncompressed labels with the root byte ("" is the root). */
static void put_name(struct msg *w, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, ".");

		put8(w, (unsigned)n);
		put_bytes(w, text, n);
		text += n;
		if (*text == '.')
			text++;
	}
	put8(w, 0);
}

static void put_header(struct msg *w, unsigned flags, unsigned qd, unsigned an, unsigned ns,
		       unsigned ar)
{
	w->len = 0;
	put16(w, 0x1234);
	put16(w, flags);
	put16(w, qd);
	put16(w, an);
	put16(w, ns);
	put16(w, ar);
}

/* Type, class, TTL and rdlength of a record whose owner name was just written. */
static void put_rr_fixed(struct msg *w, unsigned type, uint32_t ttl, unsigned rdlen)
{
	put16(w, type);
	put16(w, 1);
	put32(w, ttl);
	put16(w, rdlen);
}

static enum sn_malformed parse(const struct msg *w)
{
	return sn_dns_parse(w->b, w->len, &dns);
}

static const char *rr_name(unsigned i)
{
	return dns.names + dns.rr[i].name_off;
}

static void test_query_simple(void **state)
{
	put_header(&m, 0x0100, 1, 0, 0, 0);
	put_name(&m, "WWW.Example.COM");
	put16(&m, 28);
	put16(&m, 1);

	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_int_equal(dns.id, 0x1234);
	assert_int_equal(dns.flags, 0x0100);
	assert_int_equal(dns.qdcount, 1);
	assert_true(dns.has_question);
	assert_string_equal(dns.qname, "www.example.com");
	assert_int_equal(dns.qname_len, 15);
	assert_int_equal(dns.qtype, 28);
	assert_int_equal(dns.qclass, 1);
	assert_int_equal(dns.n_rr, 0);
}

static void test_header_only(void **state)
{
	put_header(&m, 0x8180, 0, 0, 0, 0);

	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_false(dns.has_question);
	assert_string_equal(dns.qname, "");
	assert_int_equal(dns.n_rr, 0);
	assert_int_equal(sn_dns_parse(m.b, 11, &dns), SN_MAL_DNS_TRUNC);
	assert_int_equal(sn_dns_parse(m.b, 0, &dns), SN_MAL_DNS_TRUNC);
}

static void test_root_name(void **state)
{
	put_header(&m, 0, 1, 0, 0, 0);
	put_name(&m, "");
	put16(&m, 2);
	put16(&m, 1);

	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_string_equal(dns.qname, ".");
	assert_int_equal(dns.qname_len, 1);
}

/* A response with compressed names in all three sections:
 * question www.example.com A; answers: CNAME, A, AAAA; authority NS; additional A, OPT. */
static void build_response(struct msg *w)
{
	static const uint8_t v4[] = { 192, 0, 2, 7 };
	static const uint8_t v6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
	unsigned cname_off;

	put_header(w, 0x8180, 1, 3, 1, 2);
	put_name(w, "www.example.com"); /* offset 12; "example.com" at 16 */
	put16(w, 1);
	put16(w, 1);
	put16(w, 0xc00c); /* www.example.com CNAME web.example.com */
	put_rr_fixed(w, 5, 300, 6);
	cname_off = w->len;
	put8(w, 3);
	put_bytes(w, "web", 3);
	put16(w, 0xc010);
	put16(w, 0xc000 | cname_off); /* web.example.com A */
	put_rr_fixed(w, 1, 60, 4);
	put_bytes(w, v4, 4);
	put16(w, 0xc000 | cname_off); /* web.example.com AAAA */
	put_rr_fixed(w, 28, 61, 16);
	put_bytes(w, v6, 16);
	put16(w, 0xc010); /* example.com NS ns1.example.com */
	put_rr_fixed(w, 2, 3600, 6);
	put8(w, 3);
	put_bytes(w, "ns1", 3);
	put16(w, 0xc010);
	put16(w, 0xc000 | (w->len - 6)); /* ns1.example.com A */
	put_rr_fixed(w, 1, 3600, 4);
	put_bytes(w, v4, 4);
	put8(w, 0); /* OPT with a 4096-byte UDP size in the class field */
	put16(w, 41);
	put16(w, 4096);
	put32(w, 0);
	put16(w, 0);
}

static void assert_rr_addr(unsigned i, const char *text)
{
	char buf[64];

	sn_addr_format(&dns.rr[i].addr, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void test_response_sections(void **state)
{
	build_response(&m);
	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_string_equal(dns.qname, "www.example.com");
	assert_int_equal(dns.ancount, 3);
	assert_int_equal(dns.nscount, 1);
	assert_int_equal(dns.arcount, 2);
	assert_int_equal(dns.n_rr, 6);
	assert_int_equal(dns.rr_skipped, 0);

	assert_int_equal(dns.rr[0].section, SN_DNS_AN);
	assert_int_equal(dns.rr[0].type, 5);
	assert_int_equal(dns.rr[0].ttl, 300);
	assert_int_equal(dns.rr[0].rdlen, 6);
	assert_int_equal(dns.rr[0].addr.family, 0);
	assert_string_equal(rr_name(0), "www.example.com");

	assert_int_equal(dns.rr[1].type, 1);
	assert_int_equal(dns.rr[1].rclass, 1);
	assert_int_equal(dns.rr[1].addr.family, 4);
	assert_rr_addr(1, "192.0.2.7");
	assert_string_equal(rr_name(1), "web.example.com");

	assert_int_equal(dns.rr[2].type, 28);
	assert_int_equal(dns.rr[2].ttl, 61);
	assert_int_equal(dns.rr[2].addr.family, 6);
	assert_rr_addr(2, "2001:db8::9");

	assert_int_equal(dns.rr[3].section, SN_DNS_NS);
	assert_int_equal(dns.rr[3].type, 2);
	assert_string_equal(rr_name(3), "example.com");

	assert_int_equal(dns.rr[4].section, SN_DNS_AR);
	assert_string_equal(rr_name(4), "ns1.example.com");
	assert_rr_addr(4, "192.0.2.7");

	assert_int_equal(dns.rr[5].section, SN_DNS_AR);
	assert_int_equal(dns.rr[5].type, 41);
	assert_int_equal(dns.rr[5].rclass, 4096);
	assert_string_equal(rr_name(5), ".");
}

/* Every cut of a valid message is a truncation, and no cut reads past its end:
 * each cut is parsed from a heap copy of exactly that size (checked under ASan). */
static void test_truncate_every_offset(void **state)
{
	uint32_t cut;

	build_response(&m);
	for (cut = 0; cut < m.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		assert_non_null(copy);
		memcpy(copy, m.b, cut);
		assert_int_equal(sn_dns_parse(copy, cut, &dns), SN_MAL_DNS_TRUNC);
		free(copy);
	}
	assert_int_equal(parse(&m), SN_MAL_NONE);
}

static void test_truncated_keeps_question(void **state)
{
	build_response(&m);
	assert_int_equal(sn_dns_parse(m.b, m.len - 1, &dns), SN_MAL_DNS_TRUNC);
	assert_true(dns.has_question);
	assert_string_equal(dns.qname, "www.example.com");
	assert_int_equal(dns.n_rr, 5);
}

static void test_pointer_self(void **state)
{
	put_header(&m, 0, 1, 0, 0, 0);
	put16(&m, 0xc00c);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(parse(&m), SN_MAL_DNS_POINTER);
}

static void test_pointer_forward(void **state)
{
	put_header(&m, 0, 1, 0, 0, 0);
	put16(&m, 0xc00e); /* points just past itself, at a valid name */
	put_name(&m, "a");
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(parse(&m), SN_MAL_DNS_POINTER);
}

static void test_pointer_past_end(void **state)
{
	put_header(&m, 0, 0, 1, 0, 0);
	put16(&m, 0xffff);
	put_rr_fixed(&m, 1, 0, 0);
	assert_int_equal(parse(&m), SN_MAL_DNS_POINTER);
}

/* A loop through a label: "a" then a pointer back to the "a" label. */
static void test_pointer_loop(void **state)
{
	put_header(&m, 0, 0, 2, 0, 0);
	put_name(&m, "x"); /* owner of record 1, at 12 */
	put_rr_fixed(&m, 10, 0, 4);
	put8(&m, 1); /* rdata at 25: label "a" then a pointer to 25 */
	put8(&m, 'a');
	put16(&m, 0xc000 | 25);
	put16(&m, 0xc000 | 27); /* record 2 owner: the pointer inside the rdata */
	put_rr_fixed(&m, 1, 0, 0);
	assert_int_equal(parse(&m), SN_MAL_DNS_POINTER);
}

/* Record 1 carries in its rdata a chain of `depth` pointers, each pointing to the
 * previous one and the first to "a" at offset 12; record 2's owner is the last pointer. */
static void build_chain(struct msg *w, unsigned depth)
{
	unsigned k, base;

	put_header(w, 0, 0, 2, 0, 0);
	put_name(w, "a");
	put_rr_fixed(w, 10, 0, 2 * depth);
	base = w->len;
	put16(w, 0xc00c);
	for (k = 1; k < depth; k++)
		put16(w, 0xc000 | (base + 2 * (k - 1)));
	put16(w, 0xc000 | (base + 2 * (depth - 1)));
	put_rr_fixed(w, 1, 0, 0);
}

static void test_pointer_chain(void **state)
{
	build_chain(&m, 100);
	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_int_equal(dns.n_rr, 2);
	assert_string_equal(rr_name(1), "a");

	build_chain(&m, 300);
	assert_int_equal(parse(&m), SN_MAL_DNS_POINTER);
}

static void test_label_types(void **state)
{
	put_header(&m, 0, 1, 0, 0, 0);
	put8(&m, 0x40);
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(parse(&m), SN_MAL_DNS_LABEL);

	m.b[12] = 0x80;
	assert_int_equal(parse(&m), SN_MAL_DNS_LABEL);

	m.b[12] = 0x41; /* extended label type with a length-like low part */
	assert_int_equal(parse(&m), SN_MAL_DNS_LABEL);
}

/* A name of `wire` bytes: labels of 63 bytes and one shorter, then the root byte.
 * The label bytes are `fill`, or letters when fill is 0. */
static void put_filled_name(struct msg *w, unsigned wire, unsigned fill)
{
	unsigned left = wire - 1;

	while (left) {
		unsigned n = left > 64 ? 63 : left - 1;

		put8(w, n);
		for (unsigned i = 0; i < n; i++)
			put8(w, fill ? fill : 'a' + i % 26);
		left -= n + 1;
	}
	put8(w, 0);
}

static void put_long_name(struct msg *w, unsigned wire)
{
	put_filled_name(w, wire, 0);
}

static void test_name_length_limit(void **state)
{
	put_header(&m, 0, 1, 0, 0, 0);
	put_long_name(&m, 255);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(m.len, 12 + 255 + 4);
	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_int_equal(dns.qname_len, 253);
	assert_int_equal(strlen(dns.qname), 253);

	put_header(&m, 0, 1, 0, 0, 0);
	put_long_name(&m, 256);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(m.len, 12 + 256 + 4);
	assert_int_equal(parse(&m), SN_MAL_DNS_NAME_LEN);
}

/* The limit counts the bytes of the name after following pointers. */
static void test_name_length_compressed(void **state)
{
	put_header(&m, 0, 1, 1, 0, 0);
	put_long_name(&m, 250); /* question at 12 */
	put16(&m, 1);
	put16(&m, 1);
	put8(&m, 4);
	put_bytes(&m, "abcd", 4);
	put16(&m, 0xc00c); /* 5 + 250 = 255 bytes */
	put_rr_fixed(&m, 1, 0, 0);
	assert_int_equal(parse(&m), SN_MAL_NONE);

	put_header(&m, 0, 1, 1, 0, 0);
	put_long_name(&m, 250);
	put16(&m, 1);
	put16(&m, 1);
	put8(&m, 5);
	put_bytes(&m, "abcde", 5);
	put16(&m, 0xc00c); /* 6 + 250 = 256 bytes */
	put_rr_fixed(&m, 1, 0, 0);
	assert_int_equal(parse(&m), SN_MAL_DNS_NAME_LEN);
}

static void test_name_escapes(void **state)
{
	static const uint8_t label[] = { 'A', '.', 'b', '\\', ' ', 0, 0xff, '~', '-' };

	put_header(&m, 0, 1, 0, 0, 0);
	put8(&m, sizeof(label));
	put_bytes(&m, label, sizeof(label));
	put_name(&m, "Sea");
	put16(&m, 16);
	put16(&m, 1);
	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_string_equal(dns.qname, "a\\.b\\\\\\032\\000\\255~-.sea");
	assert_int_equal(dns.qname_len, strlen("a\\.b\\\\\\032\\000\\255~-.sea"));
}

static void test_count_65535_fast(void **state)
{
	struct timespec t0, t1;
	double ms;

	put_header(&m, 0, 65535, 0, 0, 0);
	assert_int_equal(parse(&m), SN_MAL_DNS_TRUNC);

	put_header(&m, 0, 1, 65535, 65535, 65535);
	put_name(&m, "a");
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(parse(&m), SN_MAL_DNS_TRUNC);
	assert_true(dns.has_question);

	/* 65535 answers announced, 5000 present, each owner a pointer to the question. */
	put_header(&m, 0, 1, 65535, 0, 0);
	put_name(&m, "a");
	put16(&m, 1);
	put16(&m, 1);
	for (unsigned i = 0; i < 5000; i++) {
		put16(&m, 0xc00c);
		put_rr_fixed(&m, 1, 0, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(parse(&m), SN_MAL_DNS_TRUNC);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms < 200.0);
	assert_int_equal(dns.n_rr, SN_DNS_MAX_RR);
	assert_int_equal(dns.rr_skipped, 5000 - SN_DNS_MAX_RR);
}

static void test_records_beyond_max(void **state)
{
	put_header(&m, 0x8180, 1, 70, 0, 0);
	put_name(&m, "many.example");
	put16(&m, 1);
	put16(&m, 1);
	for (unsigned i = 0; i < 70; i++) {
		put16(&m, 0xc00c);
		put_rr_fixed(&m, 1, i, 4);
		put32(&m, 0x0a000000u | i);
	}
	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_int_equal(dns.n_rr, SN_DNS_MAX_RR);
	assert_int_equal(dns.rr_skipped, 70 - SN_DNS_MAX_RR);
	assert_int_equal(dns.rr[63].ttl, 63);
	assert_rr_addr(63, "10.0.0.63");
	assert_string_equal(rr_name(63), "many.example");

	/* A bad record past the kept ones still fails the message. */
	m.b[m.len - 16] = 0x80;
	assert_int_equal(parse(&m), SN_MAL_DNS_LABEL);
}

static void test_address_rdlen_mismatch(void **state)
{
	put_header(&m, 0x8180, 0, 2, 0, 0);
	put_name(&m, "a");
	put_rr_fixed(&m, 1, 0, 5); /* A with 5 bytes of data */
	put_bytes(&m, "\1\2\3\4\5", 5);
	put_name(&m, "b");
	put_rr_fixed(&m, 28, 0, 4); /* AAAA with 4 bytes */
	put_bytes(&m, "\1\2\3\4", 4);
	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_int_equal(dns.rr[0].addr.family, 0);
	assert_int_equal(dns.rr[1].addr.family, 0);
	assert_int_equal(dns.rr[1].rdlen, 4);
}

static void test_names_buffer_full(void **state)
{
	put_header(&m, 0x8180, 0, SN_DNS_MAX_RR, 0, 0);
	for (unsigned i = 0; i < SN_DNS_MAX_RR; i++) {
		put_filled_name(&m, 255, 0x01); /* every byte becomes "\001" */
		put_rr_fixed(&m, 1, 0, 0);
	}
	assert_int_equal(parse(&m), SN_MAL_NONE);
	assert_int_equal(dns.n_rr, SN_DNS_MAX_RR);
	assert_int_equal(dns.names_len, sizeof(dns.names));
	assert_int_equal(dns.rr[0].name_off, 0);
	assert_int_equal(strlen(rr_name(0)), 250 * 4 + 3);
	assert_int_equal(strncmp(rr_name(0), "\\001\\001", 8), 0);
	assert_int_equal(strlen(rr_name(SN_DNS_MAX_RR - 1)), 0);
}

/* Iodine tunnel capture: Ethernet, IPv4 and UDP skipped by hand. */
static void test_iodine_trace(void **state)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(trace_path("elastic_dns-tunnel-iodine.pcap"), errbuf);
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned queries = 0, responses = 0, null_queries = 0, under_sea = 0, bad = 0;
	size_t longest = 0;

	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &d) == 1) {
		unsigned ihl;
		size_t n;

		if (h->caplen < 14 + 20 + 8 || d[12] != 0x08 || d[13] != 0x00 || d[23] != 17)
			continue;
		ihl = (d[14] & 0x0f) * 4u;
		if (h->caplen < 14 + ihl + 8)
			continue;
		if (sn_dns_parse(d + 14 + ihl + 8, h->caplen - 14 - ihl - 8, &dns) != SN_MAL_NONE) {
			bad++;
			continue;
		}
		if (dns.flags & 0x8000) {
			responses++;
		} else {
			queries++;
			null_queries += dns.qtype == 10;
		}
		n = strlen(dns.qname);
		if (n >= 10 && strcmp(dns.qname + n - 10, "pirate.sea") == 0)
			under_sea++;
		if (n > longest)
			longest = n;
	}
	pcap_close(p);
	assert_int_equal(bad, 0);
	assert_int_equal(queries, 222);
	assert_int_equal(responses, 212);
	assert_int_equal(null_queries, 222);
	assert_int_equal(under_sea, 434);
	assert_true(longest > 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_simple),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_root_name),
		cmocka_unit_test(test_response_sections),
		cmocka_unit_test(test_truncate_every_offset),
		cmocka_unit_test(test_truncated_keeps_question),
		cmocka_unit_test(test_pointer_self),
		cmocka_unit_test(test_pointer_forward),
		cmocka_unit_test(test_pointer_past_end),
		cmocka_unit_test(test_pointer_loop),
		cmocka_unit_test(test_pointer_chain),
		cmocka_unit_test(test_label_types),
		cmocka_unit_test(test_name_length_limit),
		cmocka_unit_test(test_name_length_compressed),
		cmocka_unit_test(test_name_escapes),
		cmocka_unit_test(test_count_65535_fast),
		cmocka_unit_test(test_records_beyond_max),
		cmocka_unit_test(test_address_rdlen_mismatch),
		cmocka_unit_test(test_names_buffer_full),
		cmocka_unit_test(test_iodine_trace),
	};

	return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
