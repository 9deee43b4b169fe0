/* DNS message parser (RFC 1035 section 4): header, question and resource records. */
#include <string.h>

#include "sonata/decode.h"

#define DNS_HEADER_LEN 12
#define DNS_RR_FIXED_LEN 10    /* type, class, TTL and rdlength after the owner name */
#define DNS_NAME_WIRE_MAX 255  /* RFC 1035 3.1: labels, length bytes and root byte */
#define DNS_MAX_JUMPS 128      /* a 255-byte name contains at most 127 labels */
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28

/* Text form of a name being decoded into a caller's buffer. */
struct name_text {
	char *buf;
	size_t size;
	size_t len;
};

static void text_put(struct name_text *t, const char *s, size_t n)
{
	if (t->len + n >= t->size)
		n = t->len + 1 < t->size ? t->size - 1 - t->len : 0;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* Append one label: letters in lower case, "\." for a dot inside the label, "\\" for a
 * backslash and "\DDD" (decimal) for a space, a control byte or a byte above 0x7e. */
static void text_put_label(struct name_text *t, const uint8_t *label, unsigned n)
{
	unsigned i;

	if (t->len)
		text_put(t, ".", 1);
	for (i = 0; i < n; i++) {
		uint8_t c = label[i];
		char esc[5];

		if (c >= 'A' && c <= 'Z') {
			esc[0] = (char)(c - 'A' + 'a');
			text_put(t, esc, 1);
		} else if (c == '.' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			text_put(t, esc, 2);
		} else if (c > 0x20 && c < 0x7f) {
			esc[0] = (char)c;
			text_put(t, esc, 1);
		} else {
			esc[0] = '\\';
			esc[1] = (char)('0' + c / 100);
			esc[2] = (char)('0' + c / 10 % 10);
			esc[3] = (char)('0' + c % 10);
			text_put(t, esc, 4);
		}
	}
}

/* Decode the name at *pos into text ("." for the root) and move *pos past it in the
 * message. Each compression pointer must point before the start of the name or of the
 * previous pointer's target, so pointers cannot loop, and a name may follow at most
 * DNS_MAX_JUMPS of them. */
static enum sn_malformed read_name(const uint8_t *msg, uint32_t len, uint32_t *pos,
				   struct name_text *t)
{
	uint32_t p = *pos, limit = *pos;
	unsigned wire = 1, jumps = 0;
	int jumped = 0;

	t->len = 0;
	t->buf[0] = '\0';
	for (;;) {
		uint8_t b;

		if (p >= len)
			return SN_MAL_DNS_TRUNC;
		b = msg[p];
		if (b == 0)
			break;
		if ((b & 0xc0) == 0xc0) {
			uint32_t target;

			if (p + 1 >= len)
				return SN_MAL_DNS_TRUNC;
			target = (uint32_t)(b & 0x3f) << 8 | msg[p + 1];
			if (!jumped)
				*pos = p + 2;
			jumped = 1;
			if (target >= limit || ++jumps > DNS_MAX_JUMPS)
				return SN_MAL_DNS_POINTER;
			p = target;
			limit = target;
			continue;
		}
		if (b & 0xc0)
			return SN_MAL_DNS_LABEL;
		if (len - p - 1 < b)
			return SN_MAL_DNS_TRUNC;
		wire += 1u + b;
		if (wire > DNS_NAME_WIRE_MAX)
			return SN_MAL_DNS_NAME_LEN;
		text_put_label(t, msg + p + 1, b);
		p += 1u + b;
	}
	if (!jumped)
		*pos = p + 1;
	if (t->len == 0)
		text_put(t, ".", 1);
	return SN_MAL_NONE;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Parse one question and keep it in dns when it is the first. */
static enum sn_malformed read_question(const uint8_t *msg, uint32_t len, uint32_t *pos,
				       struct sn_dns *dns)
{
	char scratch[SN_DNS_NAME_MAX];
	struct name_text t = { scratch, sizeof(scratch), 0 };
	enum sn_malformed reason;

	if (!dns->has_question)
		t.buf = dns->qname;
	reason = read_name(msg, len, pos, &t);
	if (reason == SN_MAL_NONE && len - *pos < 4)
		reason = SN_MAL_DNS_TRUNC;
	if (reason != SN_MAL_NONE) {
		if (!dns->has_question)
			dns->qname[0] = '\0';
		return reason;
	}
	if (!dns->has_question) {
		dns->has_question = true;
		dns->qname_len = (uint16_t)t.len;
		dns->qtype = get16(msg + *pos);
		dns->qclass = get16(msg + *pos + 2);
	}
	*pos += 4;
	return SN_MAL_NONE;
}

/* Copy an owner name into dns->names and return its offset there.
 * NOTE: names share SN_DNS_MAX_RR * 256 bytes, so a message whose kept owner names
 * are longer than 256 characters on average gets its last names cut short. */
static uint16_t store_name(struct sn_dns *dns, const struct name_text *t)
{
	size_t room = sizeof(dns->names) - dns->names_len;
	size_t n = t->len;

	if (room == 0)
		return (uint16_t)(sizeof(dns->names) - 1);
	if (n >= room)
		n = room - 1;
	memcpy(dns->names + dns->names_len, t->buf, n);
	dns->names[dns->names_len + n] = '\0';
	dns->names_len += (uint32_t)n + 1;
	return (uint16_t)(dns->names_len - n - 1);
}

static void keep_record(struct sn_dns *dns, uint8_t section, const uint8_t *fixed,
			const uint8_t *rdata, const struct name_text *t)
{
	struct sn_dns_rr *rr = &dns->rr[dns->n_rr++];

	memset(rr, 0, sizeof(*rr));
	rr->section = section;
	rr->type = get16(fixed);
	rr->rclass = get16(fixed + 2);
	rr->ttl = get32(fixed + 4);
	rr->rdlen = get16(fixed + 8);
	if (rr->type == DNS_TYPE_A && rr->rdlen == 4) {
		rr->addr.family = 4;
		memcpy(rr->addr.bytes, rdata, 4);
	} else if (rr->type == DNS_TYPE_AAAA && rr->rdlen == 16) {
		rr->addr.family = 6;
		memcpy(rr->addr.bytes, rdata, 16);
	}
	rr->name_off = store_name(dns, t);
}

/* Parse one resource record. It is kept in dns->rr while there is room and counted in
 * dns->rr_skipped after that. */
static enum sn_malformed read_record(const uint8_t *msg, uint32_t len, uint32_t *pos,
				     uint8_t section, struct sn_dns *dns)
{
	char name[SN_DNS_NAME_MAX];
	struct name_text t = { name, sizeof(name), 0 };
	enum sn_malformed reason;
	const uint8_t *fixed;
	uint16_t rdlen;

	reason = read_name(msg, len, pos, &t);
	if (reason != SN_MAL_NONE)
		return reason;
	if (len - *pos < DNS_RR_FIXED_LEN)
		return SN_MAL_DNS_TRUNC;
	fixed = msg + *pos;
	rdlen = get16(fixed + 8);
	*pos += DNS_RR_FIXED_LEN;
	if (len - *pos < rdlen)
		return SN_MAL_DNS_TRUNC;
	if (dns->n_rr < SN_DNS_MAX_RR)
		keep_record(dns, section, fixed, msg + *pos, &t);
	else
		dns->rr_skipped++;
	*pos += rdlen;
	return SN_MAL_NONE;
}

static void reset(struct sn_dns *dns)
{
	dns->has_question = false;
	dns->qtype = 0;
	dns->qclass = 0;
	dns->qname_len = 0;
	dns->qname[0] = '\0';
	dns->n_rr = 0;
	dns->rr_skipped = 0;
	dns->names_len = 0;
}

/* A question takes at least 5 bytes and a record 11, so a count larger than the message
 * allows ends in SN_MAL_DNS_TRUNC after one pass over the bytes that are there. */
enum sn_malformed sn_dns_parse(const uint8_t *msg, uint32_t len, struct sn_dns *dns)
{
	static const uint8_t sections[] = { SN_DNS_AN, SN_DNS_NS, SN_DNS_AR };
	enum sn_malformed reason;
	uint32_t pos = DNS_HEADER_LEN;
	unsigned counts[3], s, i;

	reset(dns);
	if (len < DNS_HEADER_LEN)
		return SN_MAL_DNS_TRUNC;
	dns->id = get16(msg);
	dns->flags = get16(msg + 2);
	dns->qdcount = get16(msg + 4);
	dns->ancount = get16(msg + 6);
	dns->nscount = get16(msg + 8);
	dns->arcount = get16(msg + 10);
	for (i = 0; i < dns->qdcount; i++) {
		reason = read_question(msg, len, &pos, dns);
		if (reason != SN_MAL_NONE)
			return reason;
	}
	counts[0] = dns->ancount;
	counts[1] = dns->nscount;
	counts[2] = dns->arcount;
	for (s = 0; s < 3; s++) {
		for (i = 0; i < counts[s]; i++) {
			reason = read_record(msg, len, &pos, sections[s], dns);
			if (reason != SN_MAL_NONE)
				return reason;
		}
	}
	return SN_MAL_NONE;
}
