/* libFuzzer target: parse arbitrary query text. A query that parses must
 * format, parse back and format to the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sonata/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct sn_query *q)
{
	static char a[1 << 16], b[1 << 16];
	struct sn_query_set again = { 0 };
	char err[512];

	if (sn_query_format(q, a, sizeof(a)) < 0)
		return;
	if (sn_query_parse_text(&again, "fmt.sq", a, strlen(a), NULL, 0, err, sizeof(err))) {
		fprintf(stderr, "formatted query fails to parse:\n%s\n%s\n", a, err);
		abort();
	}
	if (sn_query_format(&again.queries[0], b, sizeof(b)) < 0 || strcmp(a, b)) {
		fprintf(stderr, "format round trip differs:\n%s\n---\n%s\n", a, b);
		abort();
	}
	sn_query_set_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sn_define defs[] = { { "threshold", 3 }, { "q.window", 0.5 } };
	struct sn_query_set set = { 0 };
	char err[1024];
	size_t i;

	if (sn_query_parse_text(&set, "fuzz.sq", (const char *)data, size, defs, 2, err,
				sizeof(err)) == 0) {
		for (i = 0; i < set.n; i++)
			check_round_trip(&set.queries[i]);
		sn_query_check_defines(&set, defs, 2, err, sizeof(err));
	}
	sn_query_set_free(&set);
	return 0;
}
