/* Subcommands of the sonata command-line tool, one file each. */
#ifndef SONATA_CLI_H
#define SONATA_CLI_H

/* Each returns the process exit status: 0 success, 1 failure, 2 usage error.
 * argv[0] is the subcommand name. */
int cmd_run(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_fields(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plan(int argc, char **argv);

#endif
