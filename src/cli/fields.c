/* sonata fields: print the field catalogue. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sonata/fields.h"

static void fields_usage(FILE *out)
{
	fprintf(out, "usage: sonata fields [--help]\n\n"
		     "Lists every packet field a query can read: name, type, width in bits,\n"
		     "whether a switch data plane can parse it, aliases and meaning.\n");
}

int cmd_fields(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			fields_usage(stdout);
			return 0;
		}
		fprintf(stderr, "sonata fields: unexpected argument '%s'\n", argv[1]);
		fields_usage(stderr);
		return 2;
	}
	printf("%-18s %-6s %5s %-6s %s\n", "name", "type", "bits", "where", "meaning (aliases)");
	for (int id = 0; id < SN_F_COUNT; id++) {
		const struct sn_field_def *f = sn_field_by_id((enum sn_field_id)id);

		printf("%-18s %-6s %5u %-6s %s", f->name, sn_type_name(f->type), f->bits,
		       (f->flags & SN_FF_SWITCH) ? "switch" : "host", f->doc);
		if (f->aliases && *f->aliases)
			printf(" (%s)", f->aliases);
		if (f->flags & SN_FF_MULTI)
			printf(" [one value per record]");
		putchar('\n');
	}
	return 0;
}
