/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entry points of the vigil command's subcommands. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

/* Native exit codes. */
enum {
	EXIT_VERIFY_FAILED = 1, /* ran, and at least one file failed */
	EXIT_USAGE = 2,         /* bad arguments, or an error that stopped the run */
};

/* Each takes argv with argv[0] = the subcommand name. */
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_evm(int argc, char **argv);
int cmd_keyid(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_clear(int argc, char **argv);

/*
 * The evmctl personality: argv as evmctl would get it (argv[0] "evmctl").
 * Returns evmctl's exit codes: 0 ok, 1 verification failed, 125 usage or
 * internal error.
 */
int evmctl_main(int argc, char **argv);

#endif
