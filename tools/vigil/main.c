/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vigil command: the native subcommands, or evmctl when called as evmctl. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "sign", cmd_sign, "write IMA (and EVM) signatures or hashes to files" },
	{ "verify", cmd_verify, "appraise files as the kernel would: hash, signature, EVM" },
	{ "hash", cmd_hash, "print, store (--set) or check (--check) file hashes" },
	{ "evm", cmd_evm, "EVM only: evm sign, evm verify, evm hmac" },
	{ "show", cmd_show, "decode the security.ima and security.evm of files or values" },
	{ "keyid", cmd_keyid, "print the keyid signatures made with or for a key carry" },
	{ "import", cmd_import, "add a public key or certificate to a kernel keyring" },
	{ "clear", cmd_clear, "remove security.ima and security.evm from files" },
	{ "policy", cmd_policy, "IMA policies: policy check, policy show, policy simulate" },
	{ "log", cmd_log, "measurement lists: log show, log replay, log verify" },
	{ "status", cmd_status, "ask a running vigild for its mode, marks, counters and queue" },
	{ "attest", cmd_attest, "TPM attestation: attest key, attest quote, attest verify" },
	{ "boot-aggregate", cmd_boot_aggregate, "compute boot_aggregate from PCRs or the firmware event log" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int usage(FILE *f)
{
	size_t i;

	fputs("Usage: vigil COMMAND [OPTION]... [PATH]...\n"
	      "       vigil evmctl [EVMCTL ARGUMENTS]   (also: run as 'evmctl' or 'vigil-evmctl')\n"
	      "\n"
	      "Linux IMA/EVM tooling: sign files for appraisal, verify them as the kernel\n"
	      "would, and inspect their security.ima and security.evm attributes.\n"
	      "\n"
	      "Commands:\n", f);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("  decode   the same as show\n"
	      "  help     show the help of a command: vigil help COMMAND\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n"
	      "\n"
	      "Exit status: 0 all files ok, 1 verification failed for at least one file,\n"
	      "2 a usage error or an error that kept a file from being processed.\n"
	      "See vigil(1) for the details of each command.\n", f);
	return f == stdout ? 0 : EXIT_USAGE;
}

static const struct command *find(const char *name)
{
	size_t i;

	if (strcmp(name, "decode") == 0)
		name = "show";
	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* "vigil help evm sign" runs "evm sign --help". */
static int help(int argc, char **argv)
{
	char *args[4] = { NULL };
	const struct command *c;
	int n = 0;

	if (argc < 3)
		return usage(stdout);
	c = find(argv[2]);
	if (!c) {
		fprintf(stderr, "vigil: unknown command '%s'\n", argv[2]);
		return EXIT_USAGE;
	}
	args[n++] = argv[2];
	if (argc > 3)
		args[n++] = argv[3];
	args[n++] = "--help";
	return c->run(n, args);
}

static bool is_evmctl_name(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	return strcmp(base, "evmctl") == 0 || strcmp(base, "vigil-evmctl") == 0;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc > 0 && is_evmctl_name(argv[0]))
		return evmctl_main(argc, argv);
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "evmctl") == 0)
		return evmctl_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("vigil %s\n", VIGIL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc, argv);
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "vigil: unknown command '%s'\nTry 'vigil --help'.\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
