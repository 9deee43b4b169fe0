/* The field catalogue: names, types and layers of every packet field, and lookups. */
#include <stdint.h>
#include <string.h>

#include "sonata/fields.h"

#define ROW(fid, fname, falias, ftype, fbits, fflags, flayer, fdoc) \
	[fid] = { .id = fid, .name = fname, .aliases = falias, .type = ftype, .bits = fbits, \
		  .flags = fflags, .layer = flayer, .doc = fdoc }

#define SW SN_FF_SWITCH
#define MULTI SN_FF_MULTI
#define L_IP (SN_L_IP4 | SN_L_IP6)
#define L_L4 (SN_L_TCP | SN_L_UDP)
#define L_ICMP (SN_L_ICMP | SN_L_ICMP6)
#define L_ETHTYPE (SN_L_ETH | SN_L_SLL)

/* One row per enum sn_field_id, at the index of its id. A row's layer lists the
 * sn_layer bits of which a packet needs at least one (0: every packet). The
 * original Sonata names and the usual tshark names are aliases. */
static const struct sn_field_def field_table[SN_F_COUNT] = {
	ROW(SN_F_TS, "ts", "timestamp", SN_T_UINT, 32, 0, 0,
	    "capture time, whole seconds since the epoch"),
	ROW(SN_F_FRAME_LEN, "frame.len", "frame_len", SN_T_UINT, 32, 0, 0,
	    "bytes on the wire"),
	ROW(SN_F_ETH_TYPE, "eth.type", "ethernet.ethType eth.ethertype", SN_T_UINT, 16, SW,
	    L_ETHTYPE, "EtherType after any VLAN tags (or the cooked-capture protocol)"),
	ROW(SN_F_VLAN_ID, "vlan.id", "", SN_T_UINT, 12, SW, SN_L_VLAN,
	    "VLAN identifier of the outermost 802.1Q tag"),
	ROW(SN_F_MPLS_LABEL, "mpls.label", "", SN_T_UINT, 20, SW, SN_L_MPLS,
	    "outermost MPLS label"),
	ROW(SN_F_IP_VERSION, "ip.version", "", SN_T_UINT, 4, SW, L_IP, "IP version, 4 or 6"),
	ROW(SN_F_IP_SRC, "ip.src", "", SN_T_ADDR, 128, SW, L_IP,
	    "source address, IPv4 or IPv6"),
	ROW(SN_F_IP_DST, "ip.dst", "", SN_T_ADDR, 128, SW, L_IP,
	    "destination address, IPv4 or IPv6"),
	ROW(SN_F_IP_PROTO, "ip.proto", "ip.protocol", SN_T_UINT, 8, SW, L_IP,
	    "IPv4 protocol, or the IPv6 next header after extension headers"),
	ROW(SN_F_IP_TTL, "ip.ttl", "ip.hlim", SN_T_UINT, 8, SW, L_IP,
	    "IPv4 TTL or IPv6 hop limit"),
	ROW(SN_F_IP_LEN, "ip.len", "", SN_T_UINT, 16, SW, L_IP,
	    "IPv4 total length, or IPv6 payload length + 40, in bytes"),
	ROW(SN_F_IP_TOS, "ip.tos", "ip.dsfield", SN_T_UINT, 8, SW, L_IP,
	    "IPv4 TOS byte or IPv6 traffic class"),
	ROW(SN_F_IP_ID, "ip.id", "", SN_T_UINT, 32, SW, L_IP,
	    "IPv4 identification, or the IPv6 fragment header identification"),
	ROW(SN_F_IP_FRAG_OFF, "ip.frag_off", "ip.frag_offset", SN_T_UINT, 16, SW, L_IP,
	    "fragment offset in bytes (the wire field times 8)"),
	ROW(SN_F_IP_MF, "ip.mf", "ip.flags.mf", SN_T_UINT, 1, SW, L_IP,
	    "more-fragments flag, 0 or 1"),
	ROW(SN_F_IP_DF, "ip.df", "ip.flags.df", SN_T_UINT, 1, SW, SN_L_IP4,
	    "IPv4 don't-fragment flag, 0 or 1"),
	ROW(SN_F_IPV4_SRC, "ipv4.src", "ipv4.srcIP", SN_T_ADDR, 32, SW, SN_L_IP4,
	    "IPv4 source address"),
	ROW(SN_F_IPV4_DST, "ipv4.dst", "ipv4.dstIP", SN_T_ADDR, 32, SW, SN_L_IP4,
	    "IPv4 destination address"),
	ROW(SN_F_IPV4_PROTO, "ipv4.proto", "ipv4.protocol", SN_T_UINT, 8, SW, SN_L_IP4,
	    "IPv4 protocol number"),
	ROW(SN_F_IPV4_TTL, "ipv4.ttl", "", SN_T_UINT, 8, SW, SN_L_IP4, "IPv4 time to live"),
	ROW(SN_F_IPV4_LEN, "ipv4.len", "ipv4.totalLen", SN_T_UINT, 16, SW, SN_L_IP4,
	    "IPv4 total length in bytes"),
	ROW(SN_F_IPV4_IHL, "ipv4.ihl", "ip.hdr_len", SN_T_UINT, 8, SW, SN_L_IP4,
	    "IPv4 header length in bytes (the wire field times 4)"),
	ROW(SN_F_IPV4_TOS, "ipv4.tos", "ipv4.diffserv", SN_T_UINT, 8, SW, SN_L_IP4,
	    "IPv4 TOS byte (DSCP and ECN)"),
	ROW(SN_F_IPV4_ID, "ipv4.id", "ipv4.identification", SN_T_UINT, 16, SW, SN_L_IP4,
	    "IPv4 identification"),
	ROW(SN_F_IPV4_FRAG_OFF, "ipv4.frag_off", "ipv4.fragOffset", SN_T_UINT, 16, SW,
	    SN_L_IP4, "IPv4 fragment offset in bytes (the wire field times 8)"),
	ROW(SN_F_IPV6_SRC, "ipv6.src", "ipv6.srcIP", SN_T_ADDR, 128, SW, SN_L_IP6,
	    "IPv6 source address"),
	ROW(SN_F_IPV6_DST, "ipv6.dst", "ipv6.dstIP", SN_T_ADDR, 128, SW, SN_L_IP6,
	    "IPv6 destination address"),
	ROW(SN_F_IPV6_NEXT, "ipv6.next", "ipv6.nxt", SN_T_UINT, 8, SW, SN_L_IP6,
	    "IPv6 next header after extension headers"),
	ROW(SN_F_IPV6_HLIM, "ipv6.hlim", "ipv6.hop_limit", SN_T_UINT, 8, SW, SN_L_IP6,
	    "IPv6 hop limit"),
	ROW(SN_F_IPV6_PLEN, "ipv6.plen", "", SN_T_UINT, 16, SW, SN_L_IP6,
	    "IPv6 payload length in bytes"),
	ROW(SN_F_SPORT, "l4.sport", "sport", SN_T_UINT, 16, SW, L_L4,
	    "TCP or UDP source port"),
	ROW(SN_F_DPORT, "l4.dport", "dport", SN_T_UINT, 16, SW, L_L4,
	    "TCP or UDP destination port"),
	ROW(SN_F_TCP_SPORT, "tcp.sport", "tcp.srcport", SN_T_UINT, 16, SW, SN_L_TCP,
	    "TCP source port"),
	ROW(SN_F_TCP_DPORT, "tcp.dport", "tcp.dstport", SN_T_UINT, 16, SW, SN_L_TCP,
	    "TCP destination port"),
	ROW(SN_F_TCP_FLAGS, "tcp.flags", "", SN_T_UINT, 8, SW, SN_L_TCP,
	    "TCP flags byte: CWR ECE URG ACK PSH RST SYN FIN (SYN=2, ACK=16, FIN=1)"),
	ROW(SN_F_TCP_SEQ, "tcp.seq", "tcp.seqNo tcp.seq_raw", SN_T_UINT, 32, SW, SN_L_TCP,
	    "TCP sequence number as on the wire"),
	ROW(SN_F_TCP_ACK, "tcp.ack", "tcp.ackNo tcp.ack_raw", SN_T_UINT, 32, SW, SN_L_TCP,
	    "TCP acknowledgment number as on the wire"),
	ROW(SN_F_TCP_WINDOW, "tcp.window", "tcp.window_size_value", SN_T_UINT, 16, SW,
	    SN_L_TCP, "TCP window field, unscaled"),
	ROW(SN_F_TCP_HLEN, "tcp.hlen", "tcp.dataOffset tcp.hdr_len", SN_T_UINT, 8, SW,
	    SN_L_TCP, "TCP header length in bytes (the data offset field times 4)"),
	ROW(SN_F_UDP_SPORT, "udp.sport", "udp.srcport", SN_T_UINT, 16, SW, SN_L_UDP,
	    "UDP source port"),
	ROW(SN_F_UDP_DPORT, "udp.dport", "udp.dstport", SN_T_UINT, 16, SW, SN_L_UDP,
	    "UDP destination port"),
	ROW(SN_F_UDP_LEN, "udp.len", "udp.length", SN_T_UINT, 16, SW, SN_L_UDP,
	    "UDP length field in bytes, header included"),
	ROW(SN_F_ICMP_TYPE, "icmp.type", "icmpv6.type", SN_T_UINT, 8, SW, L_ICMP,
	    "ICMP or ICMPv6 type"),
	ROW(SN_F_ICMP_CODE, "icmp.code", "icmpv6.code", SN_T_UINT, 8, SW, L_ICMP,
	    "ICMP or ICMPv6 code"),
	ROW(SN_F_PAYLOAD, "payload", "", SN_T_BYTES, 0, 0, 0,
	    "transport payload bytes, for substring tests"),
	ROW(SN_F_PAYLOAD_LEN, "payload.len", "payload_len", SN_T_UINT, 32, 0, 0,
	    "transport payload length in bytes"),
	ROW(SN_F_DNS_ID, "dns.id", "", SN_T_UINT, 16, 0, SN_L_DNS, "DNS transaction id"),
	ROW(SN_F_DNS_QR, "dns.qr", "dns.flags.response", SN_T_UINT, 1, 0, SN_L_DNS,
	    "DNS response flag: 0 query, 1 response"),
	ROW(SN_F_DNS_OPCODE, "dns.opcode", "dns.flags.opcode", SN_T_UINT, 4, 0, SN_L_DNS,
	    "DNS opcode"),
	ROW(SN_F_DNS_AA, "dns.aa", "dns.flags.authoritative", SN_T_UINT, 1, 0, SN_L_DNS,
	    "DNS authoritative-answer flag"),
	ROW(SN_F_DNS_TC, "dns.tc", "dns.flags.truncated", SN_T_UINT, 1, 0, SN_L_DNS,
	    "DNS truncation flag"),
	ROW(SN_F_DNS_RD, "dns.rd", "dns.flags.recdesired", SN_T_UINT, 1, 0, SN_L_DNS,
	    "DNS recursion-desired flag"),
	ROW(SN_F_DNS_RA, "dns.ra", "dns.flags.recavail", SN_T_UINT, 1, 0, SN_L_DNS,
	    "DNS recursion-available flag"),
	ROW(SN_F_DNS_RCODE, "dns.rcode", "dns.flags.rcode", SN_T_UINT, 4, 0, SN_L_DNS,
	    "DNS response code"),
	ROW(SN_F_DNS_QDCOUNT, "dns.qdcount", "dns.count.queries", SN_T_UINT, 16, 0, SN_L_DNS,
	    "question count from the DNS header"),
	ROW(SN_F_DNS_ANCOUNT, "dns.ancount", "dns.count.answers", SN_T_UINT, 16, 0, SN_L_DNS,
	    "answer count from the DNS header"),
	ROW(SN_F_DNS_NSCOUNT, "dns.nscount", "dns.count.auth_rr", SN_T_UINT, 16, 0, SN_L_DNS,
	    "authority count from the DNS header"),
	ROW(SN_F_DNS_ARCOUNT, "dns.arcount", "dns.count.add_rr", SN_T_UINT, 16, 0, SN_L_DNS,
	    "additional count from the DNS header"),
	ROW(SN_F_DNS_QNAME, "dns.qname", "dns.qd.qname dns.qry.name", SN_T_STR, 0, 0,
	    SN_L_DNS, "first question name, lower case, no trailing dot (\".\" for the root)"),
	ROW(SN_F_DNS_QTYPE, "dns.qtype", "dns.qd.qtype dns.qry.type", SN_T_UINT, 16, 0,
	    SN_L_DNS, "first question type (1 A, 28 AAAA, 10 NULL, 16 TXT, ...)"),
	ROW(SN_F_DNS_QNAME_LEN, "dns.qname_len", "dns.qry.name.len", SN_T_UINT, 16, 0,
	    SN_L_DNS, "length of the dns.qname text in characters"),
	ROW(SN_F_DNS_RR_TYPE, "dns.rr.type", "dns.resp.type", SN_T_UINT, 16, MULTI, SN_L_DNS,
	    "type of each record of the answer, authority and additional sections"),
	ROW(SN_F_DNS_AN_TYPE, "dns.an.type", "", SN_T_UINT, 16, MULTI, SN_L_DNS,
	    "type of each answer record"),
	ROW(SN_F_DNS_AN_NAME, "dns.an.name", "dns.an.rrname", SN_T_STR, 0, MULTI, SN_L_DNS,
	    "owner name of each answer record"),
	ROW(SN_F_DNS_AN_TTL, "dns.an.ttl", "", SN_T_UINT, 32, MULTI, SN_L_DNS,
	    "TTL of each answer record, in seconds"),
	ROW(SN_F_DNS_AN_ADDR, "dns.an.addr", "dns.an.rdata", SN_T_ADDR, 128, MULTI, SN_L_DNS,
	    "address of each A or AAAA answer record (other types are skipped)"),
	ROW(SN_F_DNS_NS_TYPE, "dns.ns.type", "", SN_T_UINT, 16, MULTI, SN_L_DNS,
	    "type of each authority record"),
	ROW(SN_F_DNS_AR_TYPE, "dns.ar.type", "", SN_T_UINT, 16, MULTI, SN_L_DNS,
	    "type of each additional record (OPT is type 41)"),
};

const struct sn_field_def *sn_field_by_id(enum sn_field_id id)
{
	if ((unsigned)id >= SN_F_COUNT)
		return NULL;
	return &field_table[id];
}

/* True when the space-separated list contains name as a whole word. */
static int list_has(const char *list, const char *name, size_t len)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (n == len && memcmp(p, name, len) == 0)
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

const struct sn_field_def *sn_field_lookup(const char *name)
{
	size_t len = strlen(name);
	unsigned i;

	if (!len)
		return NULL;
	for (i = 0; i < SN_F_COUNT; i++) {
		const struct sn_field_def *def = &field_table[i];

		if (strcmp(def->name, name) == 0 || list_has(def->aliases, name, len))
			return def;
	}
	return NULL;
}

#define SUGGEST_MAX_LEN 64

/* Levenshtein distance between a (alen bytes) and b (blen bytes), both at
 * most SUGGEST_MAX_LEN long. */
static unsigned edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned row[SUGGEST_MAX_LEN + 1];
	size_t i, j;

	for (j = 0; j <= blen; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= alen; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (j = 1; j <= blen; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[blen];
}

/* Distance from name to the closest of the field's name and aliases. */
static unsigned field_distance(const struct sn_field_def *def, const char *name, size_t len)
{
	unsigned best = edit_distance(name, len, def->name, strlen(def->name));
	const char *p = def->aliases;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (n <= SUGGEST_MAX_LEN) {
			unsigned d = edit_distance(name, len, p, n);

			if (d < best)
				best = d;
		}
		p += n;
		p += strspn(p, " ");
	}
	return best;
}

/* A suggestion may be a third of the name's length away, but at least 1 and at most 3
 * edits, so that short typos still get a suggestion and unrelated names do not. */
const char *sn_field_suggest(const char *name)
{
	size_t len = strlen(name);
	unsigned limit = (unsigned)(len / 3);
	unsigned best;
	const char *found = NULL;
	unsigned i;

	if (len == 0 || len > SUGGEST_MAX_LEN)
		return NULL;
	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	best = limit + 1;
	for (i = 0; i < SN_F_COUNT; i++) {
		unsigned d = field_distance(&field_table[i], name, len);

		if (d < best) {
			best = d;
			found = field_table[i].name;
		}
	}
	return found;
}

static void set_uint(struct sn_value *out, uint64_t u)
{
	memset(out, 0, sizeof(*out));
	out->type = SN_T_UINT;
	out->u = u;
}

static void set_addr(struct sn_value *out, const struct sn_addr *a)
{
	memset(out, 0, sizeof(*out));
	out->type = SN_T_ADDR;
	out->addr = *a;
}

static void set_text(struct sn_value *out, enum sn_type type, const void *ptr, size_t len)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	out->s.ptr = ptr;
	out->s.len = (uint32_t)len;
}

/* Fields of the link and network layers. The caller has checked the layer bits. */
static int get_net(const struct sn_packet *pkt, enum sn_field_id id, struct sn_value *out)
{
	switch (id) {
	case SN_F_ETH_TYPE:
		set_uint(out, pkt->ethertype);
		return 1;
	case SN_F_VLAN_ID:
		set_uint(out, pkt->vlan_id);
		return 1;
	case SN_F_MPLS_LABEL:
		set_uint(out, pkt->mpls_label);
		return 1;
	case SN_F_IP_VERSION:
		set_uint(out, pkt->ip_version);
		return 1;
	case SN_F_IP_SRC:
	case SN_F_IPV4_SRC:
	case SN_F_IPV6_SRC:
		set_addr(out, &pkt->src);
		return 1;
	case SN_F_IP_DST:
	case SN_F_IPV4_DST:
	case SN_F_IPV6_DST:
		set_addr(out, &pkt->dst);
		return 1;
	case SN_F_IP_PROTO:
	case SN_F_IPV4_PROTO:
	case SN_F_IPV6_NEXT:
		set_uint(out, pkt->proto);
		return 1;
	case SN_F_IP_TTL:
	case SN_F_IPV4_TTL:
	case SN_F_IPV6_HLIM:
		set_uint(out, pkt->ttl);
		return 1;
	case SN_F_IP_LEN:
	case SN_F_IPV4_LEN:
		set_uint(out, pkt->ip_len);
		return 1;
	case SN_F_IPV6_PLEN:
		set_uint(out, pkt->ip_len >= 40 ? pkt->ip_len - 40u : 0);
		return 1;
	case SN_F_IP_TOS:
	case SN_F_IPV4_TOS:
		set_uint(out, pkt->tos);
		return 1;
	case SN_F_IP_ID:
	case SN_F_IPV4_ID:
		set_uint(out, pkt->ip_id);
		return 1;
	case SN_F_IP_FRAG_OFF:
	case SN_F_IPV4_FRAG_OFF:
		set_uint(out, pkt->frag_off);
		return 1;
	case SN_F_IP_MF:
		set_uint(out, pkt->more_frags);
		return 1;
	case SN_F_IP_DF:
		set_uint(out, pkt->dont_frag);
		return 1;
	case SN_F_IPV4_IHL:
		set_uint(out, pkt->ihl);
		return 1;
	default:
		return 0;
	}
}

/* Fields of the transport layer and the payload. */
static int get_transport(const struct sn_packet *pkt, enum sn_field_id id,
			 struct sn_value *out)
{
	switch (id) {
	case SN_F_SPORT:
	case SN_F_TCP_SPORT:
	case SN_F_UDP_SPORT:
		set_uint(out, pkt->sport);
		return 1;
	case SN_F_DPORT:
	case SN_F_TCP_DPORT:
	case SN_F_UDP_DPORT:
		set_uint(out, pkt->dport);
		return 1;
	case SN_F_TCP_FLAGS:
		set_uint(out, pkt->tcp_flags);
		return 1;
	case SN_F_TCP_SEQ:
		set_uint(out, pkt->tcp_seq);
		return 1;
	case SN_F_TCP_ACK:
		set_uint(out, pkt->tcp_ack);
		return 1;
	case SN_F_TCP_WINDOW:
		set_uint(out, pkt->tcp_window);
		return 1;
	case SN_F_TCP_HLEN:
		set_uint(out, pkt->tcp_hlen);
		return 1;
	case SN_F_UDP_LEN:
		set_uint(out, pkt->udp_len);
		return 1;
	case SN_F_ICMP_TYPE:
		set_uint(out, pkt->icmp_type);
		return 1;
	case SN_F_ICMP_CODE:
		set_uint(out, pkt->icmp_code);
		return 1;
	case SN_F_PAYLOAD:
		if (!pkt->payload)
			return 0;
		set_text(out, SN_T_BYTES, pkt->payload, pkt->payload_len);
		return 1;
	case SN_F_PAYLOAD_LEN:
		if (!pkt->payload)
			return 0;
		set_uint(out, pkt->payload_len);
		return 1;
	default:
		return 0;
	}
}

/* Fields of the DNS header and question. */
static int get_dns_header(const struct sn_dns *dns, enum sn_field_id id, struct sn_value *out)
{
	switch (id) {
	case SN_F_DNS_ID:
		set_uint(out, dns->id);
		return 1;
	case SN_F_DNS_QR:
		set_uint(out, dns->flags >> 15 & 1);
		return 1;
	case SN_F_DNS_OPCODE:
		set_uint(out, dns->flags >> 11 & 0xf);
		return 1;
	case SN_F_DNS_AA:
		set_uint(out, dns->flags >> 10 & 1);
		return 1;
	case SN_F_DNS_TC:
		set_uint(out, dns->flags >> 9 & 1);
		return 1;
	case SN_F_DNS_RD:
		set_uint(out, dns->flags >> 8 & 1);
		return 1;
	case SN_F_DNS_RA:
		set_uint(out, dns->flags >> 7 & 1);
		return 1;
	case SN_F_DNS_RCODE:
		set_uint(out, dns->flags & 0xf);
		return 1;
	case SN_F_DNS_QDCOUNT:
		set_uint(out, dns->qdcount);
		return 1;
	case SN_F_DNS_ANCOUNT:
		set_uint(out, dns->ancount);
		return 1;
	case SN_F_DNS_NSCOUNT:
		set_uint(out, dns->nscount);
		return 1;
	case SN_F_DNS_ARCOUNT:
		set_uint(out, dns->arcount);
		return 1;
	default:
		break;
	}
	if (!dns->has_question)
		return 0;
	if (id == SN_F_DNS_QNAME)
		set_text(out, SN_T_STR, dns->qname, strnlen(dns->qname, sizeof(dns->qname)));
	else if (id == SN_F_DNS_QTYPE)
		set_uint(out, dns->qtype);
	else if (id == SN_F_DNS_QNAME_LEN)
		set_uint(out, strnlen(dns->qname, sizeof(dns->qname)));
	else
		return 0;
	return 1;
}

/* Whether record rr is one that field id walks over. */
static int rr_matches(const struct sn_dns_rr *rr, enum sn_field_id id)
{
	switch (id) {
	case SN_F_DNS_RR_TYPE:
		return 1;
	case SN_F_DNS_AN_TYPE:
	case SN_F_DNS_AN_NAME:
	case SN_F_DNS_AN_TTL:
		return rr->section == SN_DNS_AN;
	case SN_F_DNS_AN_ADDR:
		return rr->section == SN_DNS_AN && rr->addr.family != 0;
	case SN_F_DNS_NS_TYPE:
		return rr->section == SN_DNS_NS;
	case SN_F_DNS_AR_TYPE:
		return rr->section == SN_DNS_AR;
	default:
		return 0;
	}
}

/* Value number idx of a per-record field, counting only the records it walks. */
static int get_dns_rr(const struct sn_dns *dns, enum sn_field_id id, unsigned idx,
		      struct sn_value *out)
{
	const struct sn_dns_rr *rr = NULL;
	unsigned i, seen = 0;

	for (i = 0; i < dns->n_rr && i < SN_DNS_MAX_RR; i++) {
		if (!rr_matches(&dns->rr[i], id))
			continue;
		if (seen++ == idx) {
			rr = &dns->rr[i];
			break;
		}
	}
	if (!rr)
		return 0;
	if (id == SN_F_DNS_AN_NAME) {
		size_t off = rr->name_off < sizeof(dns->names) ? rr->name_off : sizeof(dns->names);

		set_text(out, SN_T_STR, dns->names + off,
			 strnlen(dns->names + off, sizeof(dns->names) - off));
	} else if (id == SN_F_DNS_AN_TTL) {
		set_uint(out, rr->ttl);
	} else if (id == SN_F_DNS_AN_ADDR) {
		set_addr(out, &rr->addr);
	} else {
		set_uint(out, rr->type);
	}
	return 1;
}

int sn_field_get(const struct sn_packet *pkt, enum sn_field_id id, unsigned idx,
		 struct sn_value *out)
{
	const struct sn_field_def *def = sn_field_by_id(id);

	if (!def)
		return 0;
	if (def->layer && !(pkt->layers & def->layer))
		return 0;
	if (def->flags & SN_FF_MULTI)
		return pkt->dns ? get_dns_rr(pkt->dns, id, idx, out) : 0;
	if (idx != 0)
		return 0;
	if (id == SN_F_TS) {
		set_uint(out, pkt->ts_ns / 1000000000u);
		return 1;
	}
	if (id == SN_F_FRAME_LEN) {
		set_uint(out, pkt->wirelen);
		return 1;
	}
	if (id >= SN_F_DNS_ID)
		return pkt->dns ? get_dns_header(pkt->dns, id, out) : 0;
	if (id >= SN_F_SPORT)
		return get_transport(pkt, id, out);
	return get_net(pkt, id, out);
}
