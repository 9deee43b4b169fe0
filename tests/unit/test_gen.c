/* Traffic generator: determinism, pcap validity, ground truth against the file's contents. */
#include "testutil.h"

#include <pcap/pcap.h>
#include <string.h>
#include <unistd.h>

#include "sonata/gen.h"

#define MAX_REC 400000

/* The header fields the checks need, decoded from one Ethernet/IPv4 frame. */
struct rec {
	uint64_t t_us;
	uint32_t src, dst;
	uint16_t sport, dport, frag;
	uint8_t proto, flags;
	uint32_t paylen;   /* transport payload bytes (IP payload for non-first fragments) */
	uint8_t zorro;     /* the payload contains "zorro" */
	uint8_t ip_ok;     /* IPv4 header checksum verifies */
	uint8_t l4_ok;     /* TCP, UDP or ICMP checksum verifies (1 for fragments) */
};

static struct rec *recs;
static size_t nrec;

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) << 16 | rd16(p + 2);
}

static uint16_t fold(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void decode(struct rec *r, const uint8_t *f, uint32_t len)
{
	const uint8_t *ip = f + 14, *l4 = ip + 20;
	uint32_t total = rd16(ip + 2), l4len = total - 20;
	uint32_t pseudo = (rd32(ip + 12) >> 16) + (rd32(ip + 12) & 0xffff) +
			  (rd32(ip + 16) >> 16) + (rd32(ip + 16) & 0xffff) + ip[9] + l4len;

	assert_int_equal(rd16(f + 12), 0x0800);
	assert_int_equal(len, 14 + total);
	r->src = rd32(ip + 12);
	r->dst = rd32(ip + 16);
	r->proto = ip[9];
	r->frag = (uint16_t)rd16(ip + 6);
	r->ip_ok = fold(0, ip, 20) == 0xffff;
	r->l4_ok = 1;
	r->paylen = l4len;
	if (r->frag & 0x1fff) /* only the first fragment carries the transport header */
		return;
	if (r->proto == 6) {
		r->sport = (uint16_t)rd16(l4);
		r->dport = (uint16_t)rd16(l4 + 2);
		r->flags = l4[13];
		r->paylen = l4len - 20;
		r->l4_ok = fold(pseudo, l4, l4len) == 0xffff;
	} else if (r->proto == 17) {
		r->sport = (uint16_t)rd16(l4);
		r->dport = (uint16_t)rd16(l4 + 2);
		r->paylen = l4len - 8;
		if (!(r->frag & 0x2000)) /* a first fragment cannot be verified alone */
			r->l4_ok = fold(pseudo, l4, l4len) == 0xffff;
	} else if (r->proto == 1) {
		r->l4_ok = fold(0, l4, l4len) == 0xffff;
	}
	r->zorro = memmem(l4, l4len, "zorro", 5) != NULL;
}

/* Read path with libpcap into recs; returns the packet count. */
static size_t load(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, errbuf);
	struct pcap_pkthdr *h;
	const u_char *data;

	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	nrec = 0;
	while (pcap_next_ex(p, &h, &data) == 1) {
		assert_true(nrec < MAX_REC);
		assert_int_equal(h->caplen, h->len);
		recs[nrec].t_us = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
		decode(&recs[nrec], data, h->caplen);
		nrec++;
	}
	pcap_close(p);
	return nrec;
}

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

static void run_gen(struct sn_gen_opts *o, struct sn_gen_result *r, const char *name)
{
	o->out_path = tmp_path(name);
	assert_int_equal(sn_gen_run(o, r), 0);
}

static size_t file_bytes(const char *path, uint8_t **out)
{
	FILE *fp = fopen(path, "rb");
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	*out = malloc((size_t)n);
	assert_non_null(*out);
	assert_int_equal(fread(*out, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return (size_t)n;
}

static void gen_names(void **state)
{
	assert_int_equal(sn_attack_parse("zorro"), SN_ATK_ZORRO);
	assert_int_equal(sn_attack_parse("dns_reflection"), SN_ATK_DNS_REFLECTION);
	assert_int_equal(sn_attack_parse("zorr"), -1);
	assert_string_equal(sn_attack_name(SN_ATK_SYN_FLOOD), "syn_flood");
	assert_null(sn_attack_name(SN_ATK_COUNT));
}

static void gen_deterministic(void **state)
{
	struct sn_gen_opts o;
	uint8_t *a, *b, *c;
	size_t na, nb, nc;

	sn_gen_defaults(&o);
	o.packets = 20000;
	o.seed = 7;
	o.attacks[SN_ATK_DDOS].enabled = 1;
	o.attacks[SN_ATK_DDOS].start = 2;
	run_gen(&o, NULL, "d1.pcap");
	run_gen(&o, NULL, "d2.pcap");
	o.seed = 8;
	run_gen(&o, NULL, "d3.pcap");
	na = file_bytes(tmp_path("d1.pcap"), &a);
	nb = file_bytes(tmp_path("d2.pcap"), &b);
	nc = file_bytes(tmp_path("d3.pcap"), &c);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_true(na != nc || memcmp(a, c, na) != 0);
	free(a);
	free(b);
	free(c);
}

static void gen_readback(void **state)
{
	struct sn_gen_opts o;
	struct sn_gen_result r;
	size_t bad_ip = 0, bad_l4 = 0, backwards = 0;

	sn_gen_defaults(&o);
	o.packets = 30000;
	run_gen(&o, &r, "r.pcap");
	assert_int_equal(r.packets, 30000);
	assert_int_equal(load(tmp_path("r.pcap")), 30000);
	assert_int_equal(recs[0].t_us, 1700000000ull * 1000000);
	for (size_t i = 0; i < nrec; i++) {
		bad_ip += !recs[i].ip_ok;
		bad_l4 += !recs[i].l4_ok;
		backwards += i && recs[i].t_us < recs[i - 1].t_us;
	}
	assert_int_equal(bad_ip, 0);
	assert_int_equal(bad_l4, 0);
	assert_int_equal(backwards, 0);
}

static void gen_snaplen(void **state)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct sn_gen_opts o;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	size_t longer = 0, over = 0;

	sn_gen_defaults(&o);
	o.packets = 2000;
	o.snaplen = 96;
	run_gen(&o, NULL, "s.pcap");
	p = pcap_open_offline(tmp_path("s.pcap"), errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_snapshot(p), 96);
	while (pcap_next_ex(p, &h, &data) == 1) {
		over += h->caplen > 96;
		longer += h->len > h->caplen;
	}
	pcap_close(p);
	assert_int_equal(over, 0);
	assert_true(longer > 0);
}

/* Value of "key": after the entry of kind in the truth JSON. */
static double truth_num(const char *json, const char *kind, const char *key)
{
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), "\"kind\": \"%s\"", kind);
	at = strstr(json, pat);
	assert_non_null(at);
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	at = strstr(at, pat);
	assert_non_null(at);
	return strtod(at + strlen(pat), NULL);
}

struct span {
	uint32_t victim, attacker;
	uint64_t from, to;
	uint64_t packets, syn, sessions, fragments;
};

static struct span attack_span(const char *json, struct sn_gen_opts *o, int k)
{
	const char *name = sn_attack_name((enum sn_attack_kind)k);
	struct span s = { .victim = o->attacks[k].victim, .attacker = o->attacks[k].attacker };

	s.from = (uint64_t)(truth_num(json, name, "start") * 1e6 + 0.5);
	s.to = (uint64_t)(truth_num(json, name, "end") * 1e6 + 0.5);
	s.packets = (uint64_t)truth_num(json, name, "packets");
	s.syn = (uint64_t)truth_num(json, name, "syn");
	s.sessions = (uint64_t)truth_num(json, name, "sessions");
	s.fragments = (uint64_t)truth_num(json, name, "fragments");
	return s;
}

static int in_span(const struct rec *r, const struct span *s)
{
	return r->t_us >= s->from && r->t_us <= s->to;
}

static int is_syn(const struct rec *r)
{
	return r->proto == 6 && !(r->frag & 0x3fff) && (r->flags & 0x12) == 0x02;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t count_distinct(uint32_t *v, size_t n)
{
	size_t d = 0;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < n; i++)
		d += !i || v[i] != v[i - 1];
	return d;
}

static char *truth;
static struct sn_gen_opts all_opts;

static int setup_all(void **state)
{
	struct sn_gen_opts *o = &all_opts;
	uint8_t *json;
	size_t n;

	sn_gen_defaults(o);
	o->rate = 300;
	for (int k = 0; k < SN_ATK_COUNT; k++)
		o->attacks[k].enabled = 1;
	o->out_path = tmp_path("all.pcap");
	if (sn_gen_run(o, NULL))
		return -1;
	n = file_bytes(tmp_path("all.truth.json"), &json);
	truth = realloc(json, n + 1);
	truth[n] = '\0';
	load(tmp_path("all.pcap"));
	return 0;
}

static int teardown_all(void **state)
{
	free(truth);
	return 0;
}

/* Every attack: the packets touching its victim (or sent by the superspreader) are
 * exactly the truth's packets, and they all fall inside the truth's time span. */
static void gen_truth_packets(void **state)
{
	for (int k = 0; k < SN_ATK_COUNT; k++) {
		struct span s = attack_span(truth, &all_opts, k);
		uint64_t n = 0, outside = 0;

		for (size_t i = 0; i < nrec; i++) {
			const struct rec *r = &recs[i];
			int mine = k == SN_ATK_SUPERSPREADER
					   ? r->src == s.attacker
					   : r->src == s.victim || r->dst == s.victim;

			n += mine;
			outside += mine && !in_span(r, &s);
		}
		assert_true(s.packets > 0);
		assert_int_equal(n, s.packets);
		assert_int_equal(outside, 0);
	}
}

static uint64_t syns_to(uint32_t victim, const struct span *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < nrec; i++)
		n += is_syn(&recs[i]) && recs[i].dst == victim && in_span(&recs[i], s);
	return n;
}

static void gen_truth_syns(void **state)
{
	static const int kinds[] = { SN_ATK_NEW_TCP_CONNS, SN_ATK_SSH_BRUTE_FORCE,
				     SN_ATK_PORT_SCAN, SN_ATK_SYN_FLOOD,
				     SN_ATK_INCOMPLETE_FLOWS, SN_ATK_SLOWLORIS, SN_ATK_ZORRO };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct span s = attack_span(truth, &all_opts, kinds[i]);

		assert_int_equal(syns_to(s.victim, &s), s.syn);
		assert_int_equal(s.syn, s.sessions);
	}
}

static void gen_syn_flood_shape(void **state)
{
	struct span s = attack_span(truth, &all_opts, SN_ATK_SYN_FLOOD);
	uint32_t *src = malloc(sizeof(*src) * nrec);
	size_t n = 0, ecn = 0, acks = 0;

	for (size_t i = 0; i < nrec; i++) {
		if (recs[i].dst != s.victim)
			continue;
		src[n++] = recs[i].src;
		ecn += (recs[i].flags & 0xc0) == 0xc0;
		acks += (recs[i].flags & 0x10) != 0;
	}
	assert_true(ecn > 0);
	assert_true(ecn < n);
	assert_int_equal(acks, 0);
	assert_true(count_distinct(src, n) > n * 9 / 10);
	free(src);
}

static void gen_port_scan_ports(void **state)
{
	struct span s = attack_span(truth, &all_opts, SN_ATK_PORT_SCAN);
	uint32_t *ports = malloc(sizeof(*ports) * nrec);
	size_t n = 0, rst = 0;

	for (size_t i = 0; i < nrec; i++) {
		if (recs[i].src == s.attacker && recs[i].dst == s.victim)
			ports[n++] = recs[i].dport;
		rst += recs[i].src == s.victim && (recs[i].flags & 0x04);
	}
	assert_int_equal(count_distinct(ports, n), s.sessions);
	assert_int_equal(rst, s.sessions);
	assert_true(s.sessions >= 40);
	free(ports);
}

static void gen_spreader_and_ddos(void **state)
{
	struct span sp = attack_span(truth, &all_opts, SN_ATK_SUPERSPREADER);
	struct span dd = attack_span(truth, &all_opts, SN_ATK_DDOS);
	uint32_t *dst = malloc(sizeof(*dst) * nrec), *src = malloc(sizeof(*src) * nrec);
	size_t nd = 0, ns = 0;

	for (size_t i = 0; i < nrec; i++) {
		if (recs[i].src == sp.attacker)
			dst[nd++] = recs[i].dst;
		if (recs[i].dst == dd.victim)
			src[ns++] = recs[i].src;
	}
	assert_int_equal(count_distinct(dst, nd), sp.sessions);
	assert_int_equal(count_distinct(src, ns), 200);
	free(dst);
	free(src);
}

/* ssh_brute_force and zorro: every login attempt has the same size. */
static void gen_brute_force_sizes(void **state)
{
	static const int kinds[] = { SN_ATK_SSH_BRUTE_FORCE, SN_ATK_ZORRO };

	for (size_t k = 0; k < 2; k++) {
		struct span s = attack_span(truth, &all_opts, kinds[k]);
		uint32_t *sizes = malloc(sizeof(*sizes) * nrec);
		uint32_t *srcs = malloc(sizeof(*srcs) * nrec);
		size_t n = 0, fins = 0, zorro = 0;

		for (size_t i = 0; i < nrec; i++) {
			const struct rec *r = &recs[i];

			if (r->dst != s.victim)
				continue;
			fins += (r->flags & 0x01) != 0;
			zorro += r->zorro;
			if (r->paylen && !r->zorro && (r->flags & 0x08)) {
				srcs[n] = r->src;
				sizes[n++] = r->paylen;
			}
		}
		assert_int_equal(n, s.sessions);
		assert_int_equal(fins, s.sessions);
		assert_int_equal(count_distinct(sizes, n), 1);
		if (kinds[k] == SN_ATK_ZORRO) {
			assert_int_equal(zorro, 1);
			assert_int_equal(count_distinct(srcs, n), 64);
		}
		free(sizes);
		free(srcs);
	}
}

static void gen_never_closed(void **state)
{
	static const int kinds[] = { SN_ATK_INCOMPLETE_FLOWS, SN_ATK_SLOWLORIS };

	for (size_t k = 0; k < 2; k++) {
		struct span s = attack_span(truth, &all_opts, kinds[k]);
		uint64_t fins = 0, bytes = 0;

		for (size_t i = 0; i < nrec; i++) {
			if (recs[i].dst != s.victim && recs[i].src != s.victim)
				continue;
			fins += (recs[i].flags & 0x05) != 0;
			if (recs[i].dst == s.victim)
				bytes += recs[i].paylen;
		}
		assert_int_equal(fins, 0);
		if (kinds[k] == SN_ATK_SLOWLORIS)
			assert_true(bytes / s.sessions < 200);
	}
}

static void gen_dns_attacks(void **state)
{
	struct span tun = attack_span(truth, &all_opts, SN_ATK_DNS_TUNNELING);
	struct span ref = attack_span(truth, &all_opts, SN_ATK_DNS_REFLECTION);
	uint64_t queries = 0, answers = 0, frags = 0, firsts = 0, from_victim = 0, whole = 0;

	for (size_t i = 0; i < nrec; i++) {
		const struct rec *r = &recs[i];

		queries += r->src == tun.attacker && r->dport == 53;
		answers += r->dst == tun.attacker && r->sport == 53;
		from_victim += r->src == ref.victim;
		if (r->dst != ref.victim)
			continue;
		frags += (r->frag & 0x3fff) != 0;
		firsts += (r->frag & 0x3fff) == 0x2000 && r->sport == 53;
		whole += !(r->frag & 0x3fff) && r->sport == 53;
	}
	assert_int_equal(queries, tun.sessions);
	assert_int_equal(answers, tun.sessions);
	assert_int_equal(frags, ref.fragments);
	assert_true(firsts > 0);
	assert_true(whole > 0);
	assert_int_equal(firsts + whole, ref.sessions);
	assert_int_equal(from_victim, 0);
}

/* Per 3-second window: no host receives 40 SYNs, and no host talks to 40 peers. */
static void gen_background_benign(void **state)
{
	struct sn_gen_opts o;
	uint32_t *pairs = malloc(sizeof(*pairs) * MAX_REC);
	uint64_t *keys;
	size_t worst_syn = 0, worst_peers = 0;

	sn_gen_defaults(&o);
	o.duration = 30;
	run_gen(&o, NULL, "bg.pcap");
	load(tmp_path("bg.pcap"));
	keys = malloc(sizeof(*keys) * nrec * 2);
	for (uint64_t w = 0; w < 10; w++) {
		uint64_t lo = (1700000000ull + 3 * w) * 1000000, hi = lo + 3000000;
		size_t ns = 0, nk = 0;

		for (size_t i = 0; i < nrec; i++) {
			const struct rec *r = &recs[i];

			if (r->t_us < lo || r->t_us >= hi)
				continue;
			if (is_syn(r))
				pairs[ns++] = r->dst;
			keys[nk++] = (uint64_t)r->src << 32 | r->dst;
			keys[nk++] = (uint64_t)r->dst << 32 | r->src;
		}
		qsort(pairs, ns, sizeof(*pairs), cmp_u32);
		for (size_t i = 0, run = 0; i < ns; i++) {
			run = i && pairs[i] == pairs[i - 1] ? run + 1 : 1;
			worst_syn = run > worst_syn ? run : worst_syn;
		}
		qsort(keys, nk, sizeof(*keys), cmp_u64);
		for (size_t i = 0, run = 0; i < nk; i++) {
			if (i && keys[i] == keys[i - 1])
				continue;
			run = i && keys[i] >> 32 == keys[i - 1] >> 32 ? run + 1 : 1;
			worst_peers = run > worst_peers ? run : worst_peers;
		}
	}
	assert_true(worst_syn > 0);
	assert_true(worst_syn < 40);
	assert_true(worst_peers < 40);
	free(keys);
	free(pairs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gen_names),
		cmocka_unit_test(gen_deterministic),
		cmocka_unit_test(gen_readback),
		cmocka_unit_test(gen_snaplen),
		cmocka_unit_test(gen_background_benign),
	};
	const struct CMUnitTest attack_tests[] = {
		cmocka_unit_test(gen_truth_packets),
		cmocka_unit_test(gen_truth_syns),
		cmocka_unit_test(gen_syn_flood_shape),
		cmocka_unit_test(gen_port_scan_ports),
		cmocka_unit_test(gen_spreader_and_ddos),
		cmocka_unit_test(gen_brute_force_sizes),
		cmocka_unit_test(gen_never_closed),
		cmocka_unit_test(gen_dns_attacks),
	};
	int failed;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sonata_gen_XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	recs = malloc(sizeof(*recs) * MAX_REC);
	failed = cmocka_run_group_tests_name("gen", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("gen_attacks", attack_tests, setup_all,
					      teardown_all);
	free(recs);
	if (!failed) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	return failed;
}
