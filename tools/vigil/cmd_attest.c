/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vigil attest: TPM 2.0 remote attestation (key, quote, verify). */
#include <string.h>

#include "attest_cli.h"

static const char attest_help[] =
	"Usage: vigil attest COMMAND [OPTION]...\n"
	"TPM 2.0 remote attestation of the measurement list.\n"
	"\n"
	"Commands:\n"
	"  key     create (or find) the attestation key and write its public part\n"
	"  quote   quote PCRs with it and write a quote bundle with the logs\n"
	"  verify  verify a quote bundle: signature, nonce, PCRs, clock, the event log\n"
	"          and the measurement list against references, incrementally\n"
	"\n"
	"On the attested host:\n"
	"  vigil attest key --out-public ak.pub\n"
	"  vigil attest quote --nonce $NONCE --log " "/sys/kernel/security/ima/"
	"binary_runtime_measurements \\\n"
	"      --eventlog /sys/kernel/security/tpm0/binary_bios_measurements --out q.json\n"
	"On the verifier, with a fresh random nonce for every quote:\n"
	"  vigil attest verify --ak ak.pub --nonce $NONCE --policy runtime-policy.json \\\n"
	"      --state host.state q.json\n"
	"\n"
	"The TPM is chosen by --tcti, else $TPM2TOOLS_TCTI, else $TCTI, as with\n"
	"tpm2-tools.  `vigil attest COMMAND --help` describes each command;\n"
	"vigil-attest(1) also documents the bundle and state formats.\n";

int cmd_attest(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {
		{ "key", cmd_attest_key },
		{ "quote", cmd_attest_quote },
		{ "verify", cmd_attest_verify },
	};

	if (argc < 2)
		return cli_usage("attest", "a command is required: key, quote or verify");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return cli_help(attest_help);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	return cli_usage("attest", "unknown command '%s': want key, quote or verify", argv[1]);
}
