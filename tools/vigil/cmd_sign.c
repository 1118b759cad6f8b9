/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vigil sign: security.ima signatures (or hashes), optionally security.evm too. */
#include <string.h>

#include "cli.h"

static const char sign_help[] =
	"Usage: vigil sign [OPTION]... PATH...\n"
	"Sign files for IMA appraisal: write a version 2 signature (type 0x03) of\n"
	"each file's hash to security.ima.  With --evm, also write an EVM signature\n"
	"of the file's metadata to security.evm; it is computed after security.ima\n"
	"is written, so that it covers the new value.\n"
	"\n"
	"Key:\n"
	"  -k, --key FILE         private key, PEM or DER, PKCS#1, SEC1 or PKCS#8,\n"
	"                         RSA, ECDSA or SM2 (default " DEFAULT_PRIVKEY ");\n"
	"                         loaded once and shared by all worker threads\n"
	"  -p, --pass PASSWORD    password of an encrypted key (default: the\n"
	"                         EVMCTL_KEY_PASSWORD environment variable)\n"
	"      --keyid HEX        store this keyid (8 hex digits) in the signatures\n"
	"                         instead of the key's own\n"
	"      --keyid-from-cert CERT\n"
	"                         store the last 4 bytes of CERT's Subject Key\n"
	"                         Identifier as the keyid\n"
	"\n"
	"What is written:\n"
	"  -a, --hashalgo ALGO    hash algorithm (default sha256): sha1, sha224, sha256,\n"
	"                         sha384, sha512, sm3, sha3-256, sha3-384, sha3-512...\n"
	"      --hash-only        write the file's hash (type 0x04, or 0x01 for md5 and\n"
	"                         sha1) instead of a signature; needs no key unless\n"
	"                         --evm is given\n"
	"      --evm              also write an EVM signature (type 0x03) to security.evm\n"
	"      --portable         with --evm: a portable EVM signature (type 0x05),\n"
	"                         without inode number, generation and UUID\n"
	"      --uuid UUID        with --evm: use this filesystem UUID in the EVM data\n"
	"      --no-uuid          with --evm: leave the UUID out of the EVM data\n"
	"  -n, --print            change nothing: print \"PATH HEX\" per file, HEX the\n"
	"                         security.ima value; with --evm a third field holds\n"
	"                         the security.evm value\n"
	"      --xattr-user       use user.ima and user.evm instead of security.ima and\n"
	"                         security.evm (tests without CAP_SYS_ADMIN)\n"
	"\n"
	"Files and output:\n"
	COMMON_HELP
	"\n"
	"Nothing is printed for a file signed without error unless -v or -n is given.\n"
	"Exit status: 0 every file signed, 2 a usage error, a key that cannot be\n"
	"loaded, or at least one file that could not be signed (each is reported on\n"
	"standard error with its path, and the others are still signed).\n"
	"\n"
	"Examples:\n"
	"  vigil sign -k /etc/keys/privkey_evm.pem -r /usr/bin\n"
	"  find /opt/app -type f -print0 | vigil sign -k key.pem -L - -0\n"
	"  vigil sign --evm --portable -k key.pem -a sha384 /usr/sbin/tool\n";

struct sign_ctx {
	struct report rep;
	struct vigil_privkey *key;
	int algo;
	bool hash_only, evm, print;
	struct vigil_evm_opts evm_opts;
	char ima_name[64], evm_name[64];
};

struct sign_res {
	uint8_t ima[VIGIL_XATTR_MAX];
	size_t ima_len;
	uint8_t evm[VIGIL_XATTR_MAX];
	size_t evm_len;
};

/*
 * Signs the EVM data; with --print the new security.ima stands in for the
 * one not written.  Overrides are keyed by the security.* slot name, and
 * with --xattr-user the library (like evmctl) reads user.ima only for
 * portable signatures: elsewhere the value we would write is not the one
 * the EVM data covers, so it must not be substituted either.
 */
static int sign_evm(struct sign_ctx *c, struct item *it, int fd, struct sign_res *r)
{
	struct vigil_evm_opts o = c->evm_opts;
	bool user = strcmp(o.xattr_ns, "user") == 0;
	struct vigil_evm_data *data;
	int rc;

	if (c->print && (!user || o.portable)) {
		o.overrides[0] = (struct vigil_evm_override){ "security.ima", r->ima, r->ima_len };
		o.n_overrides = 1;
	}
	if (vigil_evm_data_build(fd, &o, &data, &it->err) != VIGIL_OK)
		return ITEM_ERROR;
	rc = vigil_evm_sign(data, c->key, c->algo, r->evm, sizeof(r->evm), &r->evm_len,
			    &it->err);
	vigil_evm_data_free(data);
	if (rc != VIGIL_OK)
		return ITEM_ERROR;
	if (!c->print && vigil_setxattr(fd, c->evm_name, r->evm, r->evm_len, &it->err))
		return ITEM_ERROR;
	return ITEM_OK;
}

static int sign_one(struct item *it, int fd, void *ctx)
{
	struct sign_ctx *c = ctx;
	struct sign_res *r = it->res;
	int rc;

	if (c->hash_only)
		rc = vigil_ima_hash_value(fd, c->algo, r->ima, sizeof(r->ima), &r->ima_len,
					  &it->err);
	else
		rc = vigil_ima_sign_value(fd, c->key, c->algo, r->ima, sizeof(r->ima),
					  &r->ima_len, &it->err);
	if (rc != VIGIL_OK)
		return ITEM_ERROR;
	if (!c->print && vigil_setxattr(fd, c->ima_name, r->ima, r->ima_len, &it->err))
		return ITEM_ERROR;
	return c->evm ? sign_evm(c, it, fd, r) : ITEM_OK;
}

static void sign_report_json(struct sign_ctx *c, const struct item *it)
{
	const struct sign_res *r = it->res;

	report_json_open(&c->rep, it);
	if (it->outcome == ITEM_OK) {
		json_kv_str(stdout, "algo", algo_name(c->algo));
		if (c->key && !c->hash_only)
			json_kv_keyid(stdout, "keyid", vigil_privkey_keyid(c->key));
		json_kv_hex(stdout, "ima", r->ima, r->ima_len);
		if (c->evm)
			json_kv_hex(stdout, "evm", r->evm, r->evm_len);
		json_kv_bool(stdout, "written", !c->print);
	}
	report_json_close();
}

static void sign_report(const struct item *it, void *ctx)
{
	struct sign_ctx *c = ctx;
	const struct sign_res *r = it->res;

	if (c->rep.json) {
		sign_report_json(c, it);
		return;
	}
	if (it->outcome != ITEM_OK) {
		report_text_error(&c->rep, it);
		return;
	}
	if (!c->print && !c->rep.verbose)
		return;
	text_line_start(stdout, it->path);
	text_path(stdout, it->path);
	if (!c->print) {
		printf(": %s %s%s\n", c->ima_name, c->hash_only ? "hash" : "signature",
		       c->evm ? ", security.evm signature" : "");
		return;
	}
	putchar(' ');
	print_hex(stdout, r->ima, r->ima_len);
	if (c->evm) {
		putchar(' ');
		print_hex(stdout, r->evm, r->evm_len);
	}
	putchar('\n');
}

enum { OPT_KEYID = OPT_FIRST_CMD, OPT_KEYID_CERT, OPT_HASH_ONLY, OPT_EVM };

static const struct option sign_long[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "pass", required_argument, NULL, 'p' },
	{ "hashalgo", required_argument, NULL, 'a' },
	{ "keyid", required_argument, NULL, OPT_KEYID },
	{ "keyid-from-cert", required_argument, NULL, OPT_KEYID_CERT },
	{ "hash-only", no_argument, NULL, OPT_HASH_ONLY },
	{ "evm", no_argument, NULL, OPT_EVM },
	{ "portable", no_argument, NULL, OPT_PORTABLE },
	EVM_UUID_LONG,
	{ "print", no_argument, NULL, 'n' },
	{ "xattr-user", no_argument, NULL, OPT_XATTR_USER },
	COMMON_LONG,
	{ NULL, 0, NULL, 0 }
};

struct sign_args {
	const char *key, *pass, *keyid, *keyid_cert;
	const char *ns;
};

static int sign_parse(int argc, char **argv, struct common_opts *co, struct sign_ctx *c,
		      struct sign_args *a)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT "k:p:a:n", sign_long, NULL)) != -1) {
		if ((r = common_opt(co, "sign", opt, optarg)) || (r = evm_opt(&c->evm_opts, "sign",
									     opt, optarg))) {
			if (r < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'h': return cli_help(sign_help), -1;
		case 'k': a->key = optarg; break;
		case 'p': a->pass = optarg; break;
		case 'a': if (opt_algo("sign", optarg, &c->algo)) return EXIT_USAGE; break;
		case OPT_KEYID: a->keyid = optarg; break;
		case OPT_KEYID_CERT: a->keyid_cert = optarg; break;
		case OPT_HASH_ONLY: c->hash_only = true; break;
		case OPT_EVM: c->evm = true; break;
		case 'n': c->print = true; break;
		case OPT_XATTR_USER: a->ns = "user"; break;
		default: return cli_usage("sign", "bad option");
		}
	}
	if ((c->evm_opts.portable || c->evm_opts.uuid_mode != VIGIL_EVM_UUID_FS) && !c->evm)
		return cli_usage("sign", "--portable, --uuid and --no-uuid apply to --evm");
	return common_need_paths(co, argc - optind);
}

int cmd_sign(int argc, char **argv)
{
	struct common_opts co = { .rep = { .cmd = "sign" } };
	struct sign_ctx c = { .algo = VIGIL_HASH_SHA256 };
	struct sign_args a = { .key = DEFAULT_PRIVKEY, .ns = "security" };
	struct walk_ops ops = { sizeof(struct sign_res), sign_one, sign_report, &c };
	struct walk_stats st;
	int rc;

	if ((rc = sign_parse(argc, argv, &co, &c, &a)) != 0)
		return rc < 0 ? 0 : rc;
	vigil_xattr_name(a.ns, "ima", c.ima_name, sizeof(c.ima_name));
	vigil_xattr_name(a.ns, "evm", c.evm_name, sizeof(c.evm_name));
	c.evm_opts.xattr_ns = a.ns;
	if ((!c.hash_only || c.evm) &&
	    load_signing_key("sign", a.key, opt_password(a.pass), a.keyid, a.keyid_cert, &c.key))
		return EXIT_USAGE;
	c.rep = co.rep;
	report_start(&c.rep);
	rc = walk_run("sign", &co.walk, argv + optind, argc - optind, &ops, &st);
	report_finish(&c.rep, &st, false);
	vigil_privkey_free(c.key);
	return report_exit(&c.rep, rc ? rc : walk_exit(&st));
}
