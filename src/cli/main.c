/* sonata: command-line front end over libsonata. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "run", cmd_run, "run queries over capture files or a live interface" },
	{ "gen", cmd_gen, "generate a pcap of background traffic with labelled attacks" },
	{ "compare", cmd_compare, "compare plan modes on a capture against the exact engine" },
	{ "fields", cmd_fields, "list the packet fields queries can use" },
	{ "plan", cmd_plan, "plan switch tables and refinement levels from measured costs" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: sonata [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'sonata COMMAND --help' describes the options of one command.\n");
}

/* Run one subcommand. getopt names the program by argv[0] in its messages,
 * so it becomes "sonata run" and so on. Output that could not be written
 * turns a success into a failure, so scripts never take lost results for
 * complete ones. */
static int run_subcommand(const struct subcommand *cmd, int argc, char **argv)
{
	char name[64];
	int status;

	snprintf(name, sizeof(name), "sonata %s", cmd->name);
	argv[0] = name;
	status = cmd->fn(argc, argv);
	if (fflush(stdout) || ferror(stdout)) {
		if (status == 0)
			fprintf(stderr, "sonata %s: error: cannot write to standard output: %s\n",
				cmd->name, strerror(errno));
		return status ? status : 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("sonata %s\n", SONATA_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[1], subcommands[i].name))
			return run_subcommand(&subcommands[i], argc - 1, argv + 1);
	}
	fprintf(stderr, "sonata: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
