/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vigil evm sign|verify|hmac: security.evm on its own. */
#include <string.h>

#include "cli.h"

static const char evm_help[] =
	"Usage: vigil evm sign [OPTION]... PATH...\n"
	"       vigil evm verify [OPTION]... PATH...\n"
	"       vigil evm hmac --hmackey FILE [OPTION]... PATH...\n"
	"Create or check security.evm alone, leaving security.ima as it is.\n"
	"The EVM data covers the values of security.selinux, security.SMACK64,\n"
	"security.apparmor, security.ima and security.capability, the inode number,\n"
	"generation, uid, gid and mode, and the filesystem UUID.\n"
	"\n"
	"  sign    write an EVM signature (0x03, or portable 0x05)\n"
	"  verify  check security.evm: HMAC or signature\n"
	"  hmac    write an EVM HMAC (0x02) made with the EVM key\n"
	"\n"
	"Run \"vigil evm SUBCOMMAND --help\" for the options of each.\n";

#define EVM_DATA_HELP \
	"EVM data (what the kernel would see is the default for each):\n" \
	"      --uuid UUID        use this filesystem UUID\n" \
	"      --no-uuid          leave the UUID out\n" \
	"      --ino N            use this inode number\n" \
	"      --generation N     use this inode generation\n" \
	"      --uid N            use this owner uid\n" \
	"      --gid N            use this group gid\n" \
	"      --mode MODE        use this mode (octal with a leading 0; permission\n" \
	"                         bits alone are taken as a regular file's)\n" \
	"      --smack            include security.SMACK64EXEC, SMACK64TRANSMUTE and\n" \
	"                         SMACK64MMAP, as a kernel with Smack does\n" \
	"      --xattr-user       write and read user.evm instead of security.evm\n" \
	"                         (and cover user.ima in portable signatures)\n"

static const char evm_sign_help[] =
	"Usage: vigil evm sign [OPTION]... PATH...\n"
	"Write an EVM signature of each file's EVM data to security.evm: type 0x03,\n"
	"or 0x05 with --portable (no inode number, generation or UUID: it survives\n"
	"copying to another filesystem, and needs security.ima to be present).\n"
	"\n"
	"Key:\n"
	"  -k, --key FILE         private key (default " DEFAULT_PRIVKEY ")\n"
	"  -p, --pass PASSWORD    password of an encrypted key (default: the\n"
	"                         EVMCTL_KEY_PASSWORD environment variable)\n"
	"      --keyid HEX        store this keyid (8 hex digits) instead of the key's\n"
	"      --keyid-from-cert CERT\n"
	"                         take the keyid from CERT's Subject Key Identifier\n"
	"  -a, --hashalgo ALGO    hash of the EVM data (default sha256)\n"
	"      --portable         a portable signature (0x05)\n"
	"  -n, --print            change nothing: print \"PATH HEX\" per file\n"
	"\n"
	EVM_DATA_HELP
	"\n"
	"Files and output:\n"
	COMMON_HELP
	"\n"
	"Exit status: 0 every file signed, 2 a usage error or a file that could not\n"
	"be signed.\n"
	"\n"
	"Example:\n"
	"  vigil evm sign --portable -k /etc/keys/privkey_evm.pem -r /usr/bin\n";

static const char evm_verify_help[] =
	"Usage: vigil evm verify [OPTION]... PATH...\n"
	"Check security.evm of each file: an HMAC (0x02) with the EVM key, a\n"
	"signature (0x03, 0x05) with the public key its keyid names.  Prints\n"
	"\"PATH: ok\" or \"PATH: FAILED (CAUSE: MESSAGE)\" (CAUSE: missing-HMAC or\n"
	"invalid-HMAC, as the kernel says) and a summary on standard error.\n"
	"\n"
	"Keys:\n"
	"  -k, --key KEYS         certificates or public keys, a directory, or a comma\n"
	"                         list (default " DEFAULT_PUBKEYS ")\n"
	"      --hmackey FILE     the EVM HMAC key, 32 to 128 bytes\n"
	"      --keyring-key DESC read the EVM HMAC key from the kernel keyring\n"
	"\n"
	EVM_DATA_HELP
	"\n"
	"Files and output:\n"
	COMMON_HELP
	"\n"
	"Exit status: 0 every file verified, 1 at least one failed, 2 a usage error or\n"
	"a file that could not be checked.\n"
	"\n"
	"Example:\n"
	"  vigil evm verify -k /etc/keys/x509_evm.der --hmackey /etc/keys/evm.key -r /usr\n";

static const char evm_hmac_help[] =
	"Usage: vigil evm hmac (--hmackey FILE | --keyring-key DESC) [OPTION]... PATH...\n"
	"Write an EVM HMAC (type 0x02: HMAC-SHA1 of the EVM data with the EVM key\n"
	"zero-padded to 128 bytes) to security.evm, as the kernel computes it.\n"
	"\n"
	"Key:\n"
	"      --hmackey FILE     the EVM key, 32 to 128 bytes\n"
	"      --keyring-key DESC read the key from the kernel keyring (a \"user\" key)\n"
	"  -n, --print            change nothing: print \"PATH HEX\" per file\n"
	"\n"
	EVM_DATA_HELP
	"\n"
	"Files and output:\n"
	COMMON_HELP
	"\n"
	"Exit status: 0 every file done, 2 a usage error or a file that could not be\n"
	"changed.\n"
	"\n"
	"Example:\n"
	"  vigil evm hmac --hmackey /etc/keys/evm.key /usr/bin/tool\n";

enum evm_mode { EVM_SIGN, EVM_VERIFY, EVM_HMAC };

struct evm_ctx {
	enum evm_mode mode;
	const char *name; /* "evm sign" ... for messages */
	struct common_opts co;
	struct vigil_evm_opts eo;
	const char *key, *pass, *keyid, *keyid_cert, *keys, *hmac_file, *hmac_desc;
	int algo;
	bool print;
	struct vigil_privkey *priv;
	struct vigil_keyset *set;
	uint8_t hmac[VIGIL_EVM_KEY_MAX];
	size_t hmac_len;
	char evm_name[64];
};

struct evm_res {
	uint8_t value[VIGIL_XATTR_MAX];
	size_t len;
	uint8_t type;
	uint32_t keyid;
};

static int evm_write_one(struct item *it, int fd, struct evm_ctx *c, struct evm_res *r)
{
	struct vigil_evm_data *data;
	uint8_t mac[VIGIL_EVM_HMAC_LEN];
	int rc;

	if (vigil_evm_data_build(fd, &c->eo, &data, &it->err) != VIGIL_OK)
		return ITEM_ERROR;
	if (c->mode == EVM_SIGN) {
		rc = vigil_evm_sign(data, c->priv, c->algo, r->value, sizeof(r->value), &r->len,
				    &it->err);
	} else {
		rc = vigil_evm_hmac(data, c->hmac, c->hmac_len, mac, &it->err);
		if (rc == VIGIL_OK)
			rc = vigil_xattr_encode_hmac(mac, r->value, sizeof(r->value), &r->len,
						     &it->err);
	}
	vigil_evm_data_free(data);
	if (rc != VIGIL_OK)
		return ITEM_ERROR;
	if (!c->print && vigil_setxattr(fd, c->evm_name, r->value, r->len, &it->err))
		return ITEM_ERROR;
	return ITEM_OK;
}

static int evm_one(struct item *it, int fd, void *ctx)
{
	struct evm_ctx *c = ctx;
	struct evm_res *r = it->res;
	struct vigil_evm_verdict v;
	int rc;

	if (c->mode != EVM_VERIFY)
		return evm_write_one(it, fd, c, r);
	rc = vigil_evm_verify(fd, &c->eo, c->set, c->hmac_len ? c->hmac : NULL, c->hmac_len,
			      &v, &it->err);
	r->type = v.type;
	r->keyid = v.keyid;
	if (rc == VIGIL_OK)
		return ITEM_OK;
	it->cause = v.cause ? v.cause : vigil_status_name(rc);
	return check_outcome(rc);
}

static void evm_report_json(struct evm_ctx *c, const struct item *it)
{
	const struct evm_res *r = it->res;

	report_json_open(&c->co.rep, it);
	if (r->len) {
		json_kv_hex(stdout, "evm", r->value, r->len);
		json_kv_bool(stdout, "written", !c->print);
	}
	if (r->type)
		json_kv_str(stdout, "type", vigil_xattr_type_name(r->type));
	if (r->type == VIGIL_EVM_IMA_XATTR_DIGSIG || r->type == VIGIL_EVM_XATTR_PORTABLE_DIGSIG)
		json_kv_keyid(stdout, "keyid", r->keyid);
	report_json_close();
}

static void evm_report(const struct item *it, void *ctx)
{
	struct evm_ctx *c = ctx;
	const struct evm_res *r = it->res;

	if (c->co.rep.json) {
		evm_report_json(c, it);
	} else if (c->mode == EVM_VERIFY) {
		report_text_verdict(&c->co.rep, it);
	} else if (it->outcome != ITEM_OK) {
		report_text_error(&c->co.rep, it);
	} else if (c->print || c->co.rep.verbose) {
		text_line_start(stdout, it->path);
		text_path(stdout, it->path);
		if (c->print) {
			putchar(' ');
			print_hex(stdout, r->value, r->len);
			putchar('\n');
		} else {
			printf(": %s written\n", c->evm_name);
		}
	}
}

enum { OPT_KEYID = OPT_FIRST_CMD, OPT_KEYID_CERT, OPT_HMACKEY, OPT_KEYRING_KEY };

#define EVM_COMMON_LONG \
	EVM_UUID_LONG, EVM_META_LONG, \
	{ "xattr-user", no_argument, NULL, OPT_XATTR_USER }, \
	COMMON_LONG, \
	{ NULL, 0, NULL, 0 }

static const struct option sign_long[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "pass", required_argument, NULL, 'p' },
	{ "keyid", required_argument, NULL, OPT_KEYID },
	{ "keyid-from-cert", required_argument, NULL, OPT_KEYID_CERT },
	{ "hashalgo", required_argument, NULL, 'a' },
	{ "portable", no_argument, NULL, OPT_PORTABLE },
	{ "print", no_argument, NULL, 'n' },
	EVM_COMMON_LONG
};

static const struct option verify_long[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "hmackey", required_argument, NULL, OPT_HMACKEY },
	{ "keyring-key", required_argument, NULL, OPT_KEYRING_KEY },
	EVM_COMMON_LONG
};

static const struct option hmac_long[] = {
	{ "hmackey", required_argument, NULL, OPT_HMACKEY },
	{ "keyring-key", required_argument, NULL, OPT_KEYRING_KEY },
	{ "print", no_argument, NULL, 'n' },
	EVM_COMMON_LONG
};

static const struct {
	const char *name, *help, *shortopts;
	const struct option *longopts;
} modes[] = {
	[EVM_SIGN] = { "evm sign", evm_sign_help, COMMON_SHORT "k:p:a:n", sign_long },
	[EVM_VERIFY] = { "evm verify", evm_verify_help, COMMON_SHORT "k:", verify_long },
	[EVM_HMAC] = { "evm hmac", evm_hmac_help, COMMON_SHORT "n", hmac_long },
};

/* Options the tables do not offer never reach here: getopt rejects them per mode. */
static int evm_option(struct evm_ctx *c, int opt, const char *arg)
{
	switch (opt) {
	case 'k':
		if (c->mode == EVM_SIGN)
			c->key = arg;
		else
			c->keys = arg;
		return 0;
	case 'p': c->pass = arg; return 0;
	case 'a': return opt_algo(c->name, arg, &c->algo);
	case 'n': c->print = true; return 0;
	case OPT_KEYID: c->keyid = arg; return 0;
	case OPT_KEYID_CERT: c->keyid_cert = arg; return 0;
	case OPT_HMACKEY: c->hmac_file = arg; return 0;
	case OPT_KEYRING_KEY: c->hmac_desc = arg; return 0;
	case OPT_XATTR_USER: c->eo.xattr_ns = "user"; return 0;
	}
	return cli_usage(c->name, "bad option");
}

static int evm_parse(struct evm_ctx *c, int argc, char **argv)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, modes[c->mode].shortopts, modes[c->mode].longopts,
				  NULL)) != -1) {
		if ((r = common_opt(&c->co, c->name, opt, optarg)) ||
		    (r = evm_opt(&c->eo, c->name, opt, optarg))) {
			if (r < 0)
				return EXIT_USAGE;
			continue;
		}
		if (opt == 'h')
			return cli_help(modes[c->mode].help), -1;
		if (evm_option(c, opt, optarg))
			return EXIT_USAGE;
	}
	if (c->mode == EVM_HMAC && !c->hmac_file && !c->hmac_desc)
		return cli_usage(c->name, "give the EVM key: --hmackey FILE or --keyring-key DESC");
	return common_need_paths(&c->co, argc - optind);
}

static int evm_load(struct evm_ctx *c)
{
	if (c->mode == EVM_SIGN)
		return load_signing_key(c->name, c->key, opt_password(c->pass), c->keyid,
					c->keyid_cert, &c->priv);
	if ((c->hmac_file || c->hmac_desc) &&
	    load_hmac_key(c->name, c->hmac_file, c->hmac_desc, c->hmac, &c->hmac_len))
		return EXIT_USAGE;
	if (c->mode == EVM_VERIFY)
		return load_keyset(c->name, c->keys, &c->set);
	return 0;
}

static int evm_run(enum evm_mode mode, int argc, char **argv)
{
	struct evm_ctx c = { .mode = mode, .name = modes[mode].name, .key = DEFAULT_PRIVKEY,
			     .algo = VIGIL_HASH_SHA256 };
	struct walk_ops ops = { sizeof(struct evm_res), evm_one, evm_report, &c };
	struct walk_stats st;
	int rc;

	c.co.rep.cmd = c.name;
	c.eo.xattr_ns = "security";
	if ((rc = evm_parse(&c, argc, argv)) != 0)
		return rc < 0 ? 0 : rc;
	vigil_xattr_name(c.eo.xattr_ns, "evm", c.evm_name, sizeof(c.evm_name));
	if (evm_load(&c))
		return EXIT_USAGE;
	report_start(&c.co.rep);
	rc = walk_run(c.name, &c.co.walk, argv + optind, argc - optind, &ops, &st);
	report_finish(&c.co.rep, &st, mode == EVM_VERIFY);
	vigil_privkey_free(c.priv);
	vigil_keyset_free(c.set);
	memset(c.hmac, 0, sizeof(c.hmac));
	return report_exit(&c.co.rep, rc ? rc : walk_exit(&st));
}

int cmd_evm(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("evm", "give a subcommand: sign, verify or hmac");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cli_help(evm_help);
	if (strcmp(argv[1], "sign") == 0)
		return evm_run(EVM_SIGN, argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return evm_run(EVM_VERIFY, argc - 1, argv + 1);
	if (strcmp(argv[1], "hmac") == 0)
		return evm_run(EVM_HMAC, argc - 1, argv + 1);
	return cli_usage("evm", "unknown subcommand '%s': sign, verify or hmac", argv[1]);
}
