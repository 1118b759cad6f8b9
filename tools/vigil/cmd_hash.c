/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vigil hash: file hashes as IMA computes them; store them or check stored ones. */
#include <string.h>

#include "cli.h"

static const char hash_help[] =
	"Usage: vigil hash [OPTION]... PATH...\n"
	"Print the hash of each file as \"ALGO:HEX  PATH\" (the digest IMA computes:\n"
	"the same as sha256sum and its kin), store it in security.ima (--set), or\n"
	"check files against the hash stored there (--check).\n"
	"\n"
	"Options:\n"
	"  -a, --hashalgo ALGO    hash algorithm (default sha256): md5, sha1, sha224,\n"
	"                         sha256, sha384, sha512, sm3, sha3-256, sha3-384,\n"
	"                         sha3-512, rmd160, wp512 (as OpenSSL here provides)\n"
	"      --set              also write the hash to security.ima: type 0x04 with\n"
	"                         the algorithm byte (0x01 for md5 and sha1), exactly\n"
	"                         as evmctl ima_hash does\n"
	"      --check            compare each file with the hash in its security.ima,\n"
	"                         using the algorithm stored there; prints \"PATH: ok\"\n"
	"                         or \"PATH: FAILED (CAUSE: MESSAGE)\" and a summary on\n"
	"                         standard error\n"
	"      --xattr-user       use user.ima instead of security.ima\n"
	COMMON_HELP
	"\n"
	"Names holding a backslash, newline or carriage return are escaped, and\n"
	"their line starts with a backslash, as sha256sum does.\n"
	"Exit status: 0 success, 1 (--check) at least one file does not match or has\n"
	"no hash, 2 a usage error or a file that could not be read or changed.\n"
	"\n"
	"Examples:\n"
	"  vigil hash -r /usr/lib/firmware\n"
	"  vigil hash --set -a sha512 /usr/local/bin/tool\n"
	"  vigil hash --check -q -r /etc\n";

struct hash_ctx {
	struct report rep;
	int algo;
	bool set, check;
	char ima_name[64];
};

struct hash_res {
	struct vigil_digest digest;
};

/* --check: a stored hash is compared; a signature needs keys, which is verify's job. */
static int check_one(struct hash_ctx *c, struct item *it, int fd, struct hash_res *r)
{
	uint8_t buf[CLI_XATTR_READ_MAX];
	struct vigil_ima_verdict v;
	struct vigil_xattr x;
	size_t len = 0;
	int rc;

	rc = vigil_getxattr(fd, c->ima_name, buf, sizeof(buf), &len, &it->err);
	if (rc != VIGIL_OK && rc != VIGIL_ERR_NO_DATA && rc != VIGIL_ERR_UNSUPPORTED)
		return ITEM_ERROR;
	vigil_error_clear(&it->err);
	if (rc == VIGIL_OK && vigil_xattr_decode(buf, len, VIGIL_XATTR_IMA, &x, NULL) == VIGIL_OK &&
	    x.type != VIGIL_IMA_XATTR_DIGEST && x.type != VIGIL_IMA_XATTR_DIGEST_NG) {
		snprintf(it->err.msg, sizeof(it->err.msg), "%s holds a %s, not a hash: check "
			 "it with vigil verify", c->ima_name, vigil_xattr_type_name(x.type));
		it->err.code = VIGIL_ERR_INVALID;
		return ITEM_FAILED;
	}
	rc = vigil_ima_appraise(fd, rc == VIGIL_OK ? buf : NULL, len, NULL, 0, &v, &it->err);
	r->digest = v.digest;
	if (rc == VIGIL_OK)
		return ITEM_OK;
	it->cause = v.cause ? v.cause : vigil_status_name(rc);
	return check_outcome(rc);
}

static int hash_one(struct item *it, int fd, void *ctx)
{
	struct hash_ctx *c = ctx;
	struct hash_res *r = it->res;
	uint8_t value[VIGIL_XATTR_MAX];
	size_t len;

	if (c->check)
		return check_one(c, it, fd, r);
	if (vigil_hash_fd(c->algo, fd, &r->digest, &it->err) != VIGIL_OK)
		return ITEM_ERROR;
	if (!c->set)
		return ITEM_OK;
	if (vigil_xattr_encode_digest(&r->digest, value, sizeof(value), &len, &it->err) ||
	    vigil_setxattr(fd, c->ima_name, value, len, &it->err))
		return ITEM_ERROR;
	return ITEM_OK;
}

static void hash_report(const struct item *it, void *ctx)
{
	struct hash_ctx *c = ctx;
	const struct hash_res *r = it->res;

	if (c->rep.json) {
		report_json_open(&c->rep, it);
		if (r->digest.len) {
			json_kv_str(stdout, "algo", algo_name(r->digest.algo));
			json_kv_hex(stdout, "digest", r->digest.bytes, r->digest.len);
		}
		if (c->set && it->outcome == ITEM_OK)
			json_kv_bool(stdout, "written", true);
		report_json_close();
	} else if (c->check) {
		report_text_verdict(&c->rep, it);
	} else if (it->outcome != ITEM_OK) {
		report_text_error(&c->rep, it);
	} else if (!c->rep.quiet) {
		text_line_start(stdout, it->path);
		printf("%s:", algo_name(r->digest.algo));
		print_hex(stdout, r->digest.bytes, r->digest.len);
		fputs("  ", stdout);
		text_path(stdout, it->path);
		putchar('\n');
	}
}

enum { OPT_SET = OPT_FIRST_CMD, OPT_CHECK };

static const struct option hash_long[] = {
	{ "hashalgo", required_argument, NULL, 'a' },
	{ "set", no_argument, NULL, OPT_SET },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "xattr-user", no_argument, NULL, OPT_XATTR_USER },
	COMMON_LONG,
	{ NULL, 0, NULL, 0 }
};

int cmd_hash(int argc, char **argv)
{
	struct common_opts co = { .rep = { .cmd = "hash" } };
	struct hash_ctx c = { .algo = VIGIL_HASH_SHA256 };
	struct walk_ops ops = { sizeof(struct hash_res), hash_one, hash_report, &c };
	const char *ns = "security";
	bool algo_given = false;
	struct walk_stats st;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT "a:", hash_long, NULL)) != -1) {
		if ((rc = common_opt(&co, "hash", opt, optarg))) {
			if (rc < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'h': return cli_help(hash_help);
		case 'a':
			if (opt_algo("hash", optarg, &c.algo))
				return EXIT_USAGE;
			algo_given = true;
			break;
		case OPT_SET: c.set = true; break;
		case OPT_CHECK: c.check = true; break;
		case OPT_XATTR_USER: ns = "user"; break;
		default: return cli_usage("hash", "bad option");
		}
	}
	if (c.set && c.check)
		return cli_usage("hash", "--set and --check exclude each other");
	if (c.check && algo_given)
		return cli_usage("hash", "--check uses the algorithm stored with each hash: drop -a");
	if ((rc = common_need_paths(&co, argc - optind)))
		return rc;
	vigil_xattr_name(ns, "ima", c.ima_name, sizeof(c.ima_name));
	c.rep = co.rep;
	report_start(&c.rep);
	rc = walk_run("hash", &co.walk, argv + optind, argc - optind, &ops, &st);
	report_finish(&c.rep, &st, c.check);
	return report_exit(&c.rep, rc ? rc : walk_exit(&st));
}
