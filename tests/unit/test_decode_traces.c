/* Decoder counts on the real captures, read with libpcap, against tshark 4.0 figures. */
#include <string.h>

#include <pcap/pcap.h>

#include "testutil.h"

#include "sonata/decode.h"

#define MAX_PORTS 65536

struct counts {
	uint64_t packets, malformed;
	uint64_t vlan, mpls, ip6, frag, reasm, quote;
	uint64_t syn;     /* pure SYN: flags byte 0x02 */
	uint64_t syn_ack; /* SYN and ACK set */
	uint64_t syn_no_ack;
	uint64_t udp_sport53;
	uint64_t dns_resp, dns_resp4, dns_resp6; /* UDP source port 53, DNS QR set */
	uint64_t syn_dports, syn_dsts; /* distinct destination ports and hosts of pure SYNs */
};

static uint8_t port_seen[MAX_PORTS];
static uint8_t host_seen[256];

static void count_tcp(struct counts *c, const struct sn_packet *pkt)
{
	if (pkt->tcp_flags == SN_TCP_SYN) {
		c->syn++;
		c->syn_dports += !port_seen[pkt->dport];
		port_seen[pkt->dport] = 1;
		c->syn_dsts += !host_seen[pkt->dst.bytes[3]];
		host_seen[pkt->dst.bytes[3]] = 1;
	}
	if ((pkt->tcp_flags & (SN_TCP_SYN | SN_TCP_ACK)) == (SN_TCP_SYN | SN_TCP_ACK))
		c->syn_ack++;
	if ((pkt->tcp_flags & (SN_TCP_SYN | SN_TCP_ACK)) == SN_TCP_SYN)
		c->syn_no_ack++;
}

static void count_udp(struct counts *c, const struct sn_packet *pkt)
{
	if (pkt->sport != 53)
		return;
	c->udp_sport53++;
	if (!sn_packet_has(pkt, SN_L_DNS) || !(pkt->dns->flags & 0x8000))
		return;
	c->dns_resp++;
	if (pkt->ip_version == 4)
		c->dns_resp4++;
	else
		c->dns_resp6++;
}

static void count_packet(struct counts *c, const struct sn_packet *pkt)
{
	c->vlan += !!(pkt->layers & SN_L_VLAN);
	c->mpls += !!(pkt->layers & SN_L_MPLS);
	c->ip6 += !!(pkt->layers & SN_L_IP6);
	c->frag += !!(pkt->layers & SN_L_FRAG);
	c->reasm += !!(pkt->layers & SN_L_REASM);
	c->quote += !!(pkt->layers & SN_L_QUOTE);
	if (pkt->layers & SN_L_TCP)
		count_tcp(c, pkt);
	if (pkt->layers & SN_L_UDP)
		count_udp(c, pkt);
}

static void decode_trace(const char *name, int reassemble, struct counts *c)
{
	struct sn_decode_opts opts = { .reassemble = reassemble };
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	struct sn_decoder dec;
	struct sn_packet pkt;
	const u_char *data;
	pcap_t *pcap;

	memset(c, 0, sizeof(*c));
	memset(port_seen, 0, sizeof(port_seen));
	memset(host_seen, 0, sizeof(host_seen));
	memset(&pkt, 0, sizeof(pkt));
	pcap = pcap_open_offline_with_tstamp_precision(trace_path(name),
						       PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pcap)
		fail_msg("cannot open %s: %s", name, errbuf);
	assert_int_equal(sn_decoder_init(&dec, &opts), 0);
	pkt.linktype = pcap_datalink(pcap);

	while (pcap_next_ex(pcap, &hdr, &data) == 1) {
		pkt.data = data;
		pkt.caplen = hdr->caplen;
		pkt.wirelen = hdr->len;
		pkt.ts_ns = (uint64_t)hdr->ts.tv_sec * 1000000000ULL + (uint64_t)hdr->ts.tv_usec;
		sn_decode(&dec, &pkt);
		count_packet(c, &pkt);
	}
	c->packets = dec.packets;
	c->malformed = dec.malformed_total;
	sn_decoder_free(&dec);
	pcap_close(pcap);
}

static void synflood(void **state)
{
	struct counts c;

	decode_trace("stopddos_pkt.TCP.synflood.spoofed.pcap", 1, &c);
	assert_int_equal(c.packets, 37841);
	assert_int_equal(c.syn, 37841);
	assert_int_equal(c.syn_dports, 1);
	assert_true(port_seen[25565]);
	assert_int_equal(c.syn_dsts, 1);
	assert_true(host_seen[10]);
	assert_int_equal(c.malformed, 0);
}

static void masscan_vlan(void **state)
{
	struct counts c;

	decode_trace("esnet_masscan_tcp_0_1000.pcap", 1, &c);
	assert_int_equal(c.packets, 1005);
	assert_int_equal(c.vlan, 1005);
	assert_int_equal(c.syn, 1001);
	assert_int_equal(c.syn_dports, 1001);
	assert_int_equal(c.syn_ack, 0);
}

static void tcpreplay_mix(void **state)
{
	struct counts c;

	decode_trace("tcpreplay_test.pcap", 1, &c);
	assert_int_equal(c.packets, 179);
	assert_int_equal(c.mpls, 16);
	assert_int_equal(c.vlan, 10); /* inside Ethernet pseudowires over MPLS */
	assert_int_equal(c.ip6, 10);
	assert_int_equal(c.syn, 6);
	assert_int_equal(c.syn_ack, 6);
	assert_int_equal(c.malformed, 0);
}

static void ndpi_synscan(void **state)
{
	struct counts c;

	decode_trace("ndpi_synscan.pcap", 1, &c);
	assert_int_equal(c.syn, 1994);
	assert_int_equal(c.syn_dports, 1000);
	assert_int_equal(c.syn_ack, 12);
}

static void nmap_quotes(void **state)
{
	struct counts c;

	decode_trace("esnet_nmap_80_all.pcap", 1, &c);
	assert_int_equal(c.packets, 431);
	assert_int_equal(c.syn_no_ack, 35);
	assert_int_equal(c.syn_ack, 35);
	assert_int_equal(c.quote, 6);
}

/* tshark's 636 "SYN without ACK" adds 2 SYNs quoted in ICMP errors and counts
 * 1 SYN with ECE and CWR set: 633 pure SYNs + 1 + 2. */
static void slips_scan(void **state)
{
	struct counts c;

	decode_trace("slips_test7-malicious.pcap", 1, &c);
	assert_int_equal(c.packets, 2000);
	assert_int_equal(c.syn, 633);
	assert_int_equal(c.syn_no_ack, 634);
	assert_int_equal(c.syn_ack, 2);
	assert_int_equal(c.ip6, 61);
}

static void sgr_sweep(void **state)
{
	struct counts c;

	decode_trace("sgr_hs-tcp_synPingSweepRand.pcapng", 1, &c);
	assert_int_equal(c.packets, 513);
	assert_int_equal(c.syn, 511);
	assert_int_equal(c.syn_dsts, 256);
	assert_int_equal(c.syn_dports, 1);
}

static void amp_reassembled(void **state)
{
	struct counts c;

	decode_trace("stopddos_amp.dns.RRSIG.fragmented.pcap", 1, &c);
	assert_int_equal(c.packets, 4412);
	assert_int_equal(c.frag, 1209);
	assert_int_equal(c.reasm, 338);
	assert_int_equal(c.udp_sport53, 402);
	assert_int_equal(c.dns_resp, 402);
	assert_int_equal(c.dns_resp4, 398);
	assert_int_equal(c.dns_resp6, 4);
	assert_int_equal(c.malformed, 0);
}

static void amp_fragments(void **state)
{
	struct counts c;

	decode_trace("stopddos_amp.dns.RRSIG.fragmented.pcap", 0, &c);
	assert_int_equal(c.frag, 1209);
	assert_int_equal(c.reasm, 0);
	assert_int_equal(c.udp_sport53, 547);
}

static void campus_dns_malformed(void **state)
{
	struct counts c;

	decode_trace("sonata_campus_dns_1min.pcap", 1, &c);
	assert_int_equal(c.packets, 33265);
	assert_int_equal(c.dns_resp, 0);
	assert_int_equal(c.malformed, 16); /* tshark marks 16 frames malformed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(synflood),
		cmocka_unit_test(masscan_vlan),
		cmocka_unit_test(tcpreplay_mix),
		cmocka_unit_test(ndpi_synscan),
		cmocka_unit_test(nmap_quotes),
		cmocka_unit_test(slips_scan),
		cmocka_unit_test(sgr_sweep),
		cmocka_unit_test(amp_reassembled),
		cmocka_unit_test(amp_fragments),
		cmocka_unit_test(campus_dns_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
