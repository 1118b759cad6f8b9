/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vigil keyid and vigil import: looking at keys and handing them to the kernel. */
#include <string.h>

#include "cli.h"

static const char keyid_help[] =
	"Usage: vigil keyid [OPTION]... KEYFILE...\n"
	"Print \"KEYID  KEYFILE\" per key file: the 4-byte keyid (8 hex digits) that\n"
	"signatures made with the key carry, and under which the kernel looks the\n"
	"public key up (\"id:KEYID\" in its .ima and .evm keyrings).\n"
	"\n"
	"KEYFILE is a private key (PEM or DER; a PEM file that also holds a\n"
	"certificate takes the keyid from it, as evmctl does), a certificate (PEM or\n"
	"DER: the last 4 bytes of its Subject Key Identifier), or a bare public key\n"
	"(the last 4 bytes of SHA-1 over the subjectPublicKey bits).\n"
	"\n"
	"Options:\n"
	"  -p, --pass PASSWORD    password of encrypted private keys (default: the\n"
	"                         EVMCTL_KEY_PASSWORD environment variable)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 every key read, 2 a usage error or a file that is not a key.\n"
	"\n"
	"Example:\n"
	"  vigil keyid /etc/keys/privkey_evm.pem /etc/keys/x509_evm.der\n";

static const char import_help[] =
	"Usage: vigil import [OPTION]... CERT [KEYRING]\n"
	"Add the public key of CERT (an X.509 certificate, DER or PEM, as the\n"
	"kernel's asymmetric key type wants; or a bare public key) to a kernel\n"
	"keyring, and print the new key's serial number.  The kernel finds it by\n"
	"the keyid that signatures carry (see vigil keyid).\n"
	"\n"
	"KEYRING is a keyring serial number, a special keyring (@u @s @us @t @p @g),\n"
	"or %keyring:NAME, a keyring called NAME searched for from the session\n"
	"keyring (default " DEFAULT_IMPORT_KEYRING ").  The kernel's own .ima keyring\n"
	"usually accepts only keys signed by a key in its builtin or secondary\n"
	"trusted keyrings; test setups use a keyring of their own, e.g.\n"
	"  keyctl newring _ima @u\n"
	"\n"
	"Options:\n"
	"  -k, --keyring KEYRING  the keyring, instead of the second argument\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 the key was added, 2 a usage error, a file that is not a\n"
	"certificate or public key, or a keyring that refused the key.\n"
	"\n"
	"Example:\n"
	"  vigil import /etc/keys/x509_evm.der %keyring:_ima\n";

/* A private key first: a PEM file holding a key and its certificate is a private key. */
static int keyid_of(const char *path, const char *password, uint32_t *keyid)
{
	struct vigil_error perr = { 0 }, uerr = { 0 };
	struct vigil_privkey *priv;
	struct vigil_pubkey *pub;

	if (vigil_privkey_load(path, password, &priv, &perr) == VIGIL_OK) {
		*keyid = vigil_privkey_keyid(priv);
		vigil_privkey_free(priv);
		return 0;
	}
	if (vigil_pubkey_load(path, &pub, &uerr) == VIGIL_OK) {
		*keyid = vigil_pubkey_keyid(pub);
		vigil_pubkey_free(pub);
		return 0;
	}
	/*
	 * One message, for the kind of file it is: a private key that could
	 * not be decrypted says so; anything else is reported as not a
	 * certificate or public key, the broader of the two failures.
	 */
	cli_error("keyid", "%s", strstr(perr.msg, "password") ? perr.msg : uerr.msg);
	return EXIT_USAGE;
}

static const struct option keyid_long[] = {
	{ "pass", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int cmd_keyid(int argc, char **argv)
{
	const char *pass = NULL;
	uint32_t keyid;
	int opt, i, rc = 0;

	while ((opt = getopt_long(argc, argv, "p:h", keyid_long, NULL)) != -1) {
		switch (opt) {
		case 'h': return cli_help(keyid_help);
		case 'p': pass = optarg; break;
		default: return cli_usage("keyid", "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage("keyid", "no key files given");
	pass = opt_password(pass);
	for (i = optind; i < argc; i++) {
		if (keyid_of(argv[i], pass, &keyid)) {
			rc = EXIT_USAGE;
			continue;
		}
		printf("%08x  ", keyid);
		text_path(stdout, argv[i]);
		putchar('\n');
	}
	if (fflush(stdout) != 0)
		return EXIT_USAGE;
	return rc;
}

static const struct option import_long[] = {
	{ "keyring", required_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

int cmd_import(int argc, char **argv)
{
	const char *keyring = NULL;
	struct vigil_error err = { 0 };
	struct vigil_pubkey *key;
	int32_t serial;
	int opt;

	while ((opt = getopt_long(argc, argv, "k:h", import_long, NULL)) != -1) {
		switch (opt) {
		case 'h': return cli_help(import_help);
		case 'k': keyring = optarg; break;
		default: return cli_usage("import", "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage("import", "no certificate given");
	if (argc - optind > 2 || (keyring && argc - optind > 1))
		return cli_usage("import", "too many arguments");
	if (!keyring)
		keyring = argc - optind == 2 ? argv[optind + 1] : DEFAULT_IMPORT_KEYRING;
	if (vigil_pubkey_load(argv[optind], &key, &err) != VIGIL_OK) {
		cli_error("import", "%s", err.msg);
		return EXIT_USAGE;
	}
	if (vigil_keyring_import(key, keyring, &serial, &err) != VIGIL_OK) {
		cli_error("import", "%s", err.msg);
		vigil_pubkey_free(key);
		return EXIT_USAGE;
	}
	vigil_pubkey_free(key);
	printf("%d\n", serial);
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}
