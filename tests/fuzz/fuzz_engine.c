/* libFuzzer target: hostile packets, timestamps and window ticks through the
 * decoder and every bundled query (read from $SONATA_QUERY_DIR, default
 * queries/ under the current directory, as `make fuzz` runs it). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/decode.h"
#include "sonata/engine.h"
#include "sonata/log.h"
#include "sonata/output.h"
#include "sonata/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sn_query_set set;
static FILE *devnull;

static void emit(const struct sn_row *row, void *arg)
{
	(void)arg;
	sn_json_write_row(devnull, row);
}

static void load(void)
{
	static const struct sn_define defs[] = { { "threshold", 1 } };
	const char *qdir = getenv("SONATA_QUERY_DIR");
	char err[4096], path[4096];
	struct dirent *d;
	DIR *dir;

	if (!qdir || !*qdir)
		qdir = "queries";
	dir = opendir(qdir);
	if (!dir) {
		fprintf(stderr, "fuzz_engine: cannot open query directory %s\n", qdir);
		abort();
	}

	while (dir && (d = readdir(dir))) {
		if (!strstr(d->d_name, ".sq"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", qdir, d->d_name);
		if (sn_query_parse_file(&set, path, defs, 1, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
	}
	closedir(dir);
	devnull = fopen("/dev/null", "w");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = { 1, 12, 113, 276, 0 };
	struct sn_engine_opts opts = { .max_keys = 0, .grace_ns = 1000000000u };
	struct sn_decoder dec;
	struct sn_engine *eng;
	uint64_t ts = 1700000000ull * 1000000000ull;
	size_t pos = 0;

	if (!set.n) {
		sn_log_set_level(SN_LOG_ERROR);
		load();
	}
	if (size < 1)
		return 0;
	opts.max_keys = data[0] & 1 ? 0 : (size_t)(data[0] >> 1);
	pos = 1;
	if (sn_decoder_init(&dec, NULL))
		return 0;
	if (sn_engine_new(&eng, &set, &opts, emit, NULL)) {
		sn_decoder_free(&dec);
		return 0;
	}
	/* Records: link byte, time byte, 2-byte length, then the packet. */
	while (pos + 4 <= size) {
		struct sn_packet pkt = { 0 };
		uint8_t lb = data[pos], tb = data[pos + 1];
		size_t len = (size_t)data[pos + 2] << 8 | data[pos + 3];

		pos += 4;
		if (len > size - pos)
			len = size - pos;
		ts += (uint64_t)(tb & 0x7f) * 50000000ull;
		if (tb & 0x80)
			ts -= 3000000000ull; /* backwards */
		pkt.linktype = links[lb % 5];
		pkt.data = data + pos;
		pkt.caplen = (uint32_t)len;
		pkt.wirelen = (uint32_t)len + (lb >> 4);
		pkt.ts_ns = ts;
		sn_decode(&dec, &pkt);
		sn_engine_packet(eng, &pkt);
		if (lb & 8)
			sn_engine_tick(eng, ts + 2500000000ull);
		pos += len;
	}
	sn_engine_flush(eng);
	sn_engine_free(eng);
	sn_decoder_free(&dec);
	return 0;
}
