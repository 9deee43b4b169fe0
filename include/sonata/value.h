/* Typed values of packet fields and tuple columns. */
#ifndef SONATA_VALUE_H
#define SONATA_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sonata/packet.h"

enum sn_type {
	SN_T_NONE = 0,
	SN_T_UINT,  /* unsigned integer up to 64 bits (ports, lengths, counts, flags) */
	SN_T_ADDR,  /* IPv4 or IPv6 address */
	SN_T_STR,   /* text (DNS names) */
	SN_T_BYTES, /* raw bytes (payload); only for substring tests */
};

struct sn_value {
	enum sn_type type;
	union {
		uint64_t u;
		struct sn_addr addr;
		struct {
			const char *ptr; /* not NUL-terminated for SN_T_BYTES */
			uint32_t len;
		} s;
	};
};

const char *sn_type_name(enum sn_type type);

/* Format v as text: addresses in their usual notation, strings as they are.
 * Returns the length written (truncated to size - 1). */
int sn_value_format(const struct sn_value *v, char *buf, size_t size);
/* Format an address: dotted quad or RFC 5952 IPv6. */
int sn_addr_format(const struct sn_addr *a, char *buf, size_t size);
/* Parse "10.0.0.1" or "2001:db8::1". Returns 0 or -EINVAL. */
int sn_addr_parse(const char *text, struct sn_addr *out);
/* Keep the first bits of a, zero the rest. */
void sn_addr_mask(struct sn_addr *a, unsigned bits);
bool sn_addr_equal(const struct sn_addr *a, const struct sn_addr *b);
/* Order: -1, 0, 1; IPv4 before IPv6. */
int sn_value_compare(const struct sn_value *a, const struct sn_value *b);
bool sn_value_equal(const struct sn_value *a, const struct sn_value *b);

#endif
