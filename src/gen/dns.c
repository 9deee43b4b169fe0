/* DNS messages (RFC 1035): queries, answers and large signed responses for reflection. */
#include <string.h>

#include "gen/gen_impl.h"

#define DNS_HDR_LEN 12
#define DNS_CLASS_IN 1
#define DNS_NAME_PTR_QUESTION 0xc00c /* compression pointer to the question name */
#define RRSIG_SIG_LEN 256            /* an RSA-2048 signature */

static inline uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

/* Encode a dotted name as labels; labels longer than 63 bytes are cut to 63. */
static uint8_t *put_name(uint8_t *p, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		size_t k = n > 63 ? 63 : n;

		*p++ = (uint8_t)k;
		memcpy(p, name, k);
		p += k;
		name += n;
		if (*name == '.')
			name++;
	}
	*p++ = 0;
	return p;
}

static uint8_t *put_header(uint8_t *p, uint16_t id, uint16_t flags, uint16_t an, uint16_t ns)
{
	p = put16(p, id);
	p = put16(p, flags);
	p = put16(p, 1);
	p = put16(p, an);
	p = put16(p, ns);
	return put16(p, 0);
}

static uint8_t *put_question(uint8_t *p, const char *name, uint16_t qtype)
{
	p = put_name(p, name);
	p = put16(p, qtype);
	return put16(p, DNS_CLASS_IN);
}

uint32_t dns_query(uint8_t *msg, uint16_t id, const char *name, uint16_t qtype)
{
	uint8_t *p = put_header(msg, id, 0x0100, 0, 0); /* standard query, RD */

	p = put_question(p, name, qtype);
	return (uint32_t)(p - msg);
}

/* A response (QR, RD, RA) carrying count answers of qtype with the same rdata. */
uint32_t dns_answer(uint8_t *msg, uint16_t id, const char *name, uint16_t qtype,
		    const uint8_t *rdata, uint16_t rdlen, uint16_t count)
{
	uint8_t *p = put_header(msg, id, 0x8180, count, 0);

	p = put_question(p, name, qtype);
	for (uint16_t i = 0; i < count; i++) {
		p = put16(p, DNS_NAME_PTR_QUESTION);
		p = put16(p, qtype);
		p = put16(p, DNS_CLASS_IN);
		p = put32(p, 300);
		p = put16(p, rdlen);
		memcpy(p, rdata, rdlen);
		p += rdlen;
	}
	return (uint32_t)(p - msg);
}

/* One RRSIG record (RFC 4034 section 3.1) owned by the question name. */
static uint8_t *put_rrsig(uint8_t *p, const char *signer, uint16_t covered, struct gen_rng *r)
{
	uint8_t *rdlen_at, *rdata;

	p = put16(p, DNS_NAME_PTR_QUESTION);
	p = put16(p, DNS_TYPE_RRSIG);
	p = put16(p, DNS_CLASS_IN);
	p = put32(p, 3600);
	rdlen_at = p;
	p += 2;
	rdata = p;
	p = put16(p, covered);
	*p++ = 8; /* RSA/SHA-256 */
	*p++ = 2; /* labels of the owner name */
	p = put32(p, 3600);
	p = put32(p, 1702592000); /* signature expiration */
	p = put32(p, 1700000000); /* signature inception */
	p = put16(p, (uint16_t)rng_below(r, 65536));
	p = put_name(p, signer); /* RFC 4034 forbids compressing the signer name */
	for (int i = 0; i < RRSIG_SIG_LEN; i += 8) {
		uint64_t v = rng_u64(r);

		memcpy(p + i, &v, 8);
	}
	p += RRSIG_SIG_LEN;
	put16(rdlen_at, (uint16_t)(p - rdata));
	return p;
}

/* A response to an ANY query for name, about size bytes long, made of RRSIG records in
 * the answer section and one in the authority section. */
uint32_t dns_reflection(uint8_t *msg, uint16_t id, const char *name, uint32_t size,
			struct gen_rng *r)
{
	static const uint16_t covered[] = { DNS_TYPE_A, 2, 6, 15, DNS_TYPE_TXT, DNS_TYPE_AAAA,
					    48, 50, 51 };
	uint32_t per_rr = 12 + 18 + (uint32_t)strlen(name) + 2 + RRSIG_SIG_LEN;
	uint32_t n = size / per_rr;
	uint8_t *p;

	if (n < 2)
		n = 2;
	if (n > 40)
		n = 40;
	p = put_header(msg, id, 0x8180, (uint16_t)(n - 1), 1);
	p = put_question(p, name, DNS_TYPE_ANY);
	for (uint32_t i = 0; i + 1 < n; i++)
		p = put_rrsig(p, name, covered[i % (sizeof(covered) / sizeof(covered[0]))], r);
	p = put_rrsig(p, name, 2, r); /* authority: the NS set's signature */
	return (uint32_t)(p - msg);
}
