/* libFuzzer target: the packet decoder, DNS included, on every link type.
 * The first input byte picks the link type; the rest is the packet. */
#include <stddef.h>
#include <stdint.h>

#include "sonata/decode.h"
#include "sonata/fields.h"

static const int link_types[] = { 1, 0, 12, 101, 108, 113, 228, 229, 276 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sn_decoder dec;
	static int ready;
	struct sn_packet pkt = { 0 };
	struct sn_value v;

	if (size < 1)
		return 0;
	if (!ready) {
		struct sn_decode_opts opts = { .reassemble = 1 };

		if (sn_decoder_init(&dec, &opts))
			return 0;
		ready = 1;
	}
	pkt.linktype = link_types[data[0] % (sizeof(link_types) / sizeof(link_types[0]))];
	pkt.data = data + 1;
	pkt.caplen = (uint32_t)(size - 1);
	pkt.wirelen = pkt.caplen;
	pkt.ts_ns = (uint64_t)data[0] * 1000000000u;
	sn_decode(&dec, &pkt);
	/* Read every field, so the field accessors see hostile packets too. */
	for (int id = 0; id < SN_F_COUNT; id++) {
		for (unsigned idx = 0; idx < 80; idx++) {
			if (!sn_field_get(&pkt, (enum sn_field_id)id, idx, &v))
				break;
		}
	}
	return 0;
}
