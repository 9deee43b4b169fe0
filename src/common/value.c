/* Typed field values: names, text form, address helpers and ordering. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sonata/value.h"

const char *sn_type_name(enum sn_type type)
{
	switch (type) {
	case SN_T_NONE:
		return "none";
	case SN_T_UINT:
		return "uint";
	case SN_T_ADDR:
		return "addr";
	case SN_T_STR:
		return "string";
	case SN_T_BYTES:
		return "bytes";
	}
	return "unknown";
}

/* snprintf result clamped to what was stored, so callers can append safely. */
static int clamp_len(int n, size_t size)
{
	if (n < 0 || size == 0)
		return 0;
	if ((size_t)n >= size)
		return (int)(size - 1);
	return n;
}

int sn_addr_format(const struct sn_addr *a, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];
	const char *res = NULL;

	if (a->family == 4)
		res = inet_ntop(AF_INET, a->bytes, text, sizeof(text));
	else if (a->family == 6)
		res = inet_ntop(AF_INET6, a->bytes, text, sizeof(text));
	if (!res)
		snprintf(text, sizeof(text), "-");
	return clamp_len(snprintf(buf, size, "%s", text), size);
}

int sn_addr_parse(const char *text, struct sn_addr *out)
{
	struct sn_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, a.bytes) == 1) {
		a.family = 4;
	} else if (inet_pton(AF_INET6, text, a.bytes) == 1) {
		a.family = 6;
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

void sn_addr_mask(struct sn_addr *a, unsigned bits)
{
	unsigned width = a->family == 6 ? 128 : 32;
	unsigned nbytes = width / 8;
	unsigned i;

	if (bits >= width)
		return;
	for (i = bits / 8; i < nbytes; i++) {
		unsigned keep = bits > i * 8 ? bits - i * 8 : 0;

		a->bytes[i] &= (uint8_t)(0xff00u >> keep);
	}
}

bool sn_addr_equal(const struct sn_addr *a, const struct sn_addr *b)
{
	unsigned n = a->family == 6 ? 16 : 4;

	if (a->family != b->family)
		return false;
	return memcmp(a->bytes, b->bytes, n) == 0;
}

/* Write bytes with printable ASCII as is and the rest as \xHH. */
static int format_bytes(const struct sn_value *v, char *buf, size_t size)
{
	size_t out = 0;
	uint32_t i;

	for (i = 0; i < v->s.len && out + 1 < size; i++) {
		uint8_t c = (uint8_t)v->s.ptr[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[out++] = (char)c;
			continue;
		}
		if (out + 5 > size)
			break;
		snprintf(buf + out, size - out, "\\x%02x", c);
		out += 4;
	}
	if (size)
		buf[out] = '\0';
	return (int)out;
}

int sn_value_format(const struct sn_value *v, char *buf, size_t size)
{
	switch (v->type) {
	case SN_T_UINT:
		return clamp_len(snprintf(buf, size, "%" PRIu64, v->u), size);
	case SN_T_ADDR:
		return sn_addr_format(&v->addr, buf, size);
	case SN_T_STR:
		return clamp_len(snprintf(buf, size, "%.*s", (int)v->s.len, v->s.ptr), size);
	case SN_T_BYTES:
		return format_bytes(v, buf, size);
	case SN_T_NONE:
		break;
	}
	return clamp_len(snprintf(buf, size, "-"), size);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_addr(const struct sn_addr *a, const struct sn_addr *b)
{
	size_t n = a->family == 6 ? 16 : 4;
	int r;

	if (a->family != b->family)
		return cmp_u64(a->family, b->family);
	r = memcmp(a->bytes, b->bytes, n);
	return r < 0 ? -1 : r > 0;
}

static int cmp_text(const struct sn_value *a, const struct sn_value *b)
{
	uint32_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
	int r = n ? memcmp(a->s.ptr, b->s.ptr, n) : 0;

	if (r)
		return r < 0 ? -1 : 1;
	return cmp_u64(a->s.len, b->s.len);
}

/* Values of different types order by type, so a sort never mixes them. */
int sn_value_compare(const struct sn_value *a, const struct sn_value *b)
{
	if (a->type != b->type)
		return cmp_u64(a->type, b->type);
	switch (a->type) {
	case SN_T_UINT:
		return cmp_u64(a->u, b->u);
	case SN_T_ADDR:
		return cmp_addr(&a->addr, &b->addr);
	case SN_T_STR:
	case SN_T_BYTES:
		return cmp_text(a, b);
	case SN_T_NONE:
		break;
	}
	return 0;
}

bool sn_value_equal(const struct sn_value *a, const struct sn_value *b)
{
	return sn_value_compare(a, b) == 0;
}
