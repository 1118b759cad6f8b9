/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil verify: appraise files the way the kernel does.
 * vigil show: decode what they carry (lives here as the inspecting side of verify).
 */
#include <string.h>

#include "cli.h"

static const char verify_help[] =
	"Usage: vigil verify [OPTION]... PATH...\n"
	"Appraise files as the kernel's IMA would: read security.ima, hash the file\n"
	"with the algorithm it names, and compare the hash (types 0x01, 0x04) or\n"
	"verify the signature (0x03; 0x06 against the fs-verity digest) with the\n"
	"key whose keyid the signature carries.  With --evm, also verify\n"
	"security.evm (HMAC 0x02, signatures 0x03 and 0x05).\n"
	"\n"
	"Prints \"PATH: ok\", \"PATH: FAILED (CAUSE: MESSAGE)\" or \"PATH: ERROR (MESSAGE)\"\n"
	"per file and \"N files: N ok, N failed\" on standard error.  CAUSE is the\n"
	"kernel's word: missing-hash, invalid-hash, IMA-signature-required,\n"
	"invalid-signature, unknown-ima-data, missing-HMAC, invalid-HMAC...\n"
	"\n"
	"Keys:\n"
	"  -k, --key KEYS         public keys: certificates (DER or PEM) or bare public\n"
	"                         keys, a directory of them, or a comma-separated list\n"
	"                         of both (default " DEFAULT_PUBKEYS "; when that\n"
	"                         default is absent, no keys: signatures fail as\n"
	"                         unknown keyid)\n"
	"      --require-sig      a hash in security.ima is not enough: fail with\n"
	"                         IMA-signature-required (the policy's\n"
	"                         appraise_type=imasig)\n"
	"      --evm              also verify security.evm\n"
	"      --hmackey FILE     the EVM HMAC key (32 to 128 bytes) for HMAC values\n"
	"      --keyring-key DESC read the EVM HMAC key from the kernel keyring (a\n"
	"                         \"user\" key with description DESC)\n"
	"      --uuid UUID        with --evm: use this filesystem UUID in the EVM data\n"
	"      --no-uuid          with --evm: leave the UUID out (for values made\n"
	"                         without it)\n"
	"      --xattr-user       read user.ima and user.evm instead of security.*\n"
	"\n"
	"Files and output:\n"
	COMMON_HELP
	"\n"
	"Exit status: 0 every file verified, 1 at least one file failed verification,\n"
	"2 a usage error, keys that cannot be loaded, or a file that could not be\n"
	"checked (not found, unreadable, not a regular file).\n"
	"\n"
	"Examples:\n"
	"  vigil verify -k /etc/keys/x509_ima.der /usr/bin/ls\n"
	"  vigil verify -q -r -k /etc/keys/ --require-sig /usr\n"
	"  vigil verify --json --evm -k cert.der --hmackey evm.key -r /opt/app\n";

struct verify_ctx {
	struct report rep;
	struct vigil_keyset *keys;
	unsigned flags;
	bool evm;
	const uint8_t *hmac_key;
	size_t hmac_len;
	struct vigil_evm_opts evm_opts;
	char ima_name[64];
};

struct verify_res {
	bool have_ima;
	uint8_t type, evm_type;
	int algo;
	uint32_t keyid, evm_keyid;
	int ima_outcome, evm_outcome;
	const char *evm_cause;
	struct vigil_error evm_err;
};

static void verify_ima(struct verify_ctx *c, struct item *it, int fd, struct verify_res *r)
{
	uint8_t buf[CLI_XATTR_READ_MAX];
	struct vigil_ima_verdict v;
	size_t len = 0;
	int rc;

	rc = vigil_getxattr(fd, c->ima_name, buf, sizeof(buf), &len, &it->err);
	/* a filesystem without xattrs cannot hold one: as absent, as the kernel sees it */
	if (rc != VIGIL_OK && rc != VIGIL_ERR_NO_DATA && rc != VIGIL_ERR_UNSUPPORTED) {
		r->ima_outcome = ITEM_ERROR;
		return;
	}
	r->have_ima = rc == VIGIL_OK;
	vigil_error_clear(&it->err);
	rc = vigil_ima_appraise(fd, r->have_ima ? buf : NULL, len, c->keys, c->flags, &v,
				&it->err);
	r->type = v.xattr.type;
	r->algo = v.xattr.hash_algo;
	r->keyid = v.keyid;
	r->ima_outcome = check_outcome(rc);
	it->cause = v.cause ? v.cause : rc ? vigil_status_name(rc) : NULL;
}

static void verify_evm(struct verify_ctx *c, int fd, struct verify_res *r)
{
	struct vigil_evm_verdict v;
	int rc;

	rc = vigil_evm_verify(fd, &c->evm_opts, c->keys, c->hmac_key, c->hmac_len, &v,
			      &r->evm_err);
	r->evm_type = v.type;
	r->evm_keyid = v.keyid;
	r->evm_outcome = check_outcome(rc);
	r->evm_cause = v.cause ? v.cause : rc ? vigil_status_name(rc) : NULL;
}

/* The item carries the first problem; an EVM problem after an IMA one is appended. */
static int merge(struct item *it, struct verify_res *r)
{
	size_t used = strlen(it->err.msg);

	if (r->evm_outcome == ITEM_OK)
		return r->ima_outcome;
	if (r->ima_outcome == ITEM_OK) {
		it->err = r->evm_err;
		it->cause = r->evm_cause;
		return r->evm_outcome;
	}
	snprintf(it->err.msg + used, sizeof(it->err.msg) - used, "; %s: %s", r->evm_cause,
		 r->evm_err.msg);
	return r->ima_outcome > r->evm_outcome ? r->ima_outcome : r->evm_outcome;
}

static int verify_one(struct item *it, int fd, void *ctx)
{
	struct verify_ctx *c = ctx;
	struct verify_res *r = it->res;

	verify_ima(c, it, fd, r);
	if (c->evm)
		verify_evm(c, fd, r);
	return merge(it, r);
}

static void verify_report_json(struct verify_ctx *c, const struct item *it)
{
	const struct verify_res *r = it->res;

	report_json_open(&c->rep, it);
	if (r->have_ima) {
		json_kv_str(stdout, "type", vigil_xattr_type_name(r->type));
		if (vigil_hash_by_id(r->algo))
			json_kv_str(stdout, "algo", algo_name(r->algo));
		if (r->type == VIGIL_EVM_IMA_XATTR_DIGSIG || r->type == VIGIL_IMA_VERITY_DIGSIG)
			json_kv_keyid(stdout, "keyid", r->keyid);
	}
	if (c->evm) {
		fputs(",\"evm\":{\"status\":", stdout);
		json_str(stdout, r->evm_outcome == ITEM_OK ? "ok" :
			 r->evm_outcome == ITEM_FAILED ? "failed" : "error");
		if (r->evm_type)
			json_kv_str(stdout, "type", vigil_xattr_type_name(r->evm_type));
		if (r->evm_outcome != ITEM_OK) {
			json_kv_str(stdout, "cause", r->evm_cause);
			json_kv_str(stdout, "error", r->evm_err.msg);
		}
		putchar('}');
	}
	report_json_close();
}

/* -v: what made the file pass. */
static void verify_report_detail(const struct item *it)
{
	const struct verify_res *r = it->res;

	text_line_start(stdout, it->path);
	text_path(stdout, it->path);
	printf(": ok (%s %s", vigil_xattr_type_name(r->type), algo_name(r->algo));
	if (r->type == VIGIL_EVM_IMA_XATTR_DIGSIG || r->type == VIGIL_IMA_VERITY_DIGSIG)
		printf(", keyid %08x", r->keyid);
	if (r->evm_type)
		printf("; security.evm %s", vigil_xattr_type_name(r->evm_type));
	puts(")");
}

static void verify_report(const struct item *it, void *ctx)
{
	struct verify_ctx *c = ctx;

	if (c->rep.json)
		verify_report_json(c, it);
	else if (c->rep.verbose && !c->rep.quiet && it->outcome == ITEM_OK)
		verify_report_detail(it);
	else
		report_text_verdict(&c->rep, it);
}

enum { OPT_REQUIRE_SIG = OPT_FIRST_CMD, OPT_EVM, OPT_HMACKEY, OPT_KEYRING_KEY };

static const struct option verify_long[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "require-sig", no_argument, NULL, OPT_REQUIRE_SIG },
	{ "evm", no_argument, NULL, OPT_EVM },
	{ "hmackey", required_argument, NULL, OPT_HMACKEY },
	{ "keyring-key", required_argument, NULL, OPT_KEYRING_KEY },
	EVM_UUID_LONG,
	{ "xattr-user", no_argument, NULL, OPT_XATTR_USER },
	COMMON_LONG,
	{ NULL, 0, NULL, 0 }
};

struct verify_args {
	const char *keys, *hmac_file, *hmac_desc, *ns;
};

static int verify_parse(int argc, char **argv, struct common_opts *co, struct verify_ctx *c,
			struct verify_args *a)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT "k:", verify_long, NULL)) != -1) {
		if ((r = common_opt(co, "verify", opt, optarg)) ||
		    (r = evm_opt(&c->evm_opts, "verify", opt, optarg))) {
			if (r < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'h': return cli_help(verify_help), -1;
		case 'k': a->keys = optarg; break;
		case OPT_REQUIRE_SIG: c->flags |= VIGIL_IMA_REQUIRE_SIG; break;
		case OPT_EVM: c->evm = true; break;
		case OPT_HMACKEY: a->hmac_file = optarg; break;
		case OPT_KEYRING_KEY: a->hmac_desc = optarg; break;
		case OPT_XATTR_USER: a->ns = "user"; break;
		default: return cli_usage("verify", "bad option");
		}
	}
	if ((a->hmac_file || a->hmac_desc || c->evm_opts.uuid_mode != VIGIL_EVM_UUID_FS) &&
	    !c->evm)
		return cli_usage("verify", "--hmackey, --keyring-key, --uuid and --no-uuid apply "
				 "to --evm");
	return common_need_paths(co, argc - optind);
}

int cmd_verify(int argc, char **argv)
{
	struct common_opts co = { .rep = { .cmd = "verify" } };
	struct verify_ctx c = { .flags = 0 };
	struct verify_args a = { .ns = "security" };
	struct walk_ops ops = { sizeof(struct verify_res), verify_one, verify_report, &c };
	uint8_t hmac[VIGIL_EVM_KEY_MAX];
	struct walk_stats st;
	int rc;

	if ((rc = verify_parse(argc, argv, &co, &c, &a)) != 0)
		return rc < 0 ? 0 : rc;
	vigil_xattr_name(a.ns, "ima", c.ima_name, sizeof(c.ima_name));
	c.evm_opts.xattr_ns = a.ns;
	if ((a.hmac_file || a.hmac_desc) &&
	    load_hmac_key("verify", a.hmac_file, a.hmac_desc, hmac, &c.hmac_len))
		return EXIT_USAGE;
	c.hmac_key = c.hmac_len ? hmac : NULL;
	if (load_keyset("verify", a.keys, &c.keys))
		return EXIT_USAGE;
	c.rep = co.rep;
	report_start(&c.rep);
	rc = walk_run("verify", &co.walk, argv + optind, argc - optind, &ops, &st);
	report_finish(&c.rep, &st, true);
	vigil_keyset_free(c.keys);
	memset(hmac, 0, sizeof(hmac));
	return report_exit(&c.rep, rc ? rc : walk_exit(&st));
}

/* ---- vigil show ---- */

static const char show_help[] =
	"Usage: vigil show [OPTION]... PATH...\n"
	"       vigil show --hex [--evm] VALUE...\n"
	"Decode the security.ima and security.evm attributes of files (or, with\n"
	"--hex, values given in hex as getfattr -e hex prints them) and print their\n"
	"type, hash algorithm, keyid, signature size and digest.  A malformed value\n"
	"is reported with what exactly is wrong in it.  \"vigil decode\" is the same.\n"
	"\n"
	"Options:\n"
	"      --hex              the arguments are hex values (an optional 0x prefix),\n"
	"                         decoded as security.ima values\n"
	"      --evm              with --hex: decode the values as security.evm\n"
	"      --xattr-user       read user.ima and user.evm instead of security.*\n"
	COMMON_HELP
	"\n"
	"With -v the whole value and the signature bytes are printed in hex too.\n"
	"Exit status: 0 every value decoded (absent attributes are not an error),\n"
	"1 a malformed value, 2 a usage error or a file that could not be read.\n"
	"\n"
	"Examples:\n"
	"  vigil show /usr/bin/ls\n"
	"  vigil show --hex 0x01da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
	"  vigil show --json -r /etc\n";

/* One attribute's value, copied out of the worker's buffer. */
struct shown {
	int rc;                        /* VIGIL_OK, VIGIL_ERR_NO_DATA, or the failure */
	size_t len;                    /* the value's whole length */
	uint8_t raw[VIGIL_XATTR_MAX];  /* its first bytes */
	struct vigil_xattr x;          /* x.sig points into raw, or is NULL if cut off */
	struct vigil_error err;
};

struct show_res {
	struct shown ima, evm;
};

struct show_ctx {
	struct report rep;
	char ima_name[64], evm_name[64];
	bool hex, hex_evm; /* --hex: only the one kind of value is shown */
};

static void show_decode(const uint8_t *buf, size_t len, enum vigil_xattr_kind kind,
			struct shown *s)
{
	size_t keep = len < sizeof(s->raw) ? len : sizeof(s->raw);

	s->len = len;
	memcpy(s->raw, buf, keep);
	s->rc = vigil_xattr_decode(buf, len, kind, &s->x, &s->err);
	if (s->rc == VIGIL_OK && s->x.sig) {
		size_t off = (size_t)(s->x.sig - buf);

		s->x.sig = off + s->x.sig_len <= keep ? s->raw + off : NULL;
	}
}

static void show_read(int fd, const char *name, enum vigil_xattr_kind kind, struct shown *s)
{
	uint8_t buf[CLI_XATTR_READ_MAX];
	size_t len = 0;

	s->rc = vigil_getxattr(fd, name, buf, sizeof(buf), &len, &s->err);
	if (s->rc == VIGIL_OK)
		show_decode(buf, len, kind, s);
}

/* Malformed is a failed check; anything else that went wrong kept us from looking. */
static int shown_outcome(const struct shown *s)
{
	if (s->rc == VIGIL_OK || s->rc == VIGIL_ERR_NO_DATA)
		return ITEM_OK;
	if (s->rc == VIGIL_ERR_INVALID || s->rc == VIGIL_ERR_UNSUPPORTED ||
	    s->rc == VIGIL_ERR_TOO_BIG)
		return ITEM_FAILED;
	return ITEM_ERROR;
}

static int show_one(struct item *it, int fd, void *ctx)
{
	struct show_ctx *c = ctx;
	struct show_res *r = it->res;
	int a, b;

	show_read(fd, c->ima_name, VIGIL_XATTR_IMA, &r->ima);
	show_read(fd, c->evm_name, VIGIL_XATTR_EVM, &r->evm);
	a = shown_outcome(&r->ima);
	b = shown_outcome(&r->evm);
	it->err = a != ITEM_OK ? r->ima.err : r->evm.err;
	if (a == ITEM_FAILED || b == ITEM_FAILED)
		it->cause = "malformed";
	return a > b ? a : b;
}

static bool is_sig(uint8_t type)
{
	return type == VIGIL_EVM_IMA_XATTR_DIGSIG || type == VIGIL_EVM_XATTR_PORTABLE_DIGSIG ||
	       type == VIGIL_IMA_VERITY_DIGSIG;
}

static void show_text_sig(const struct vigil_xattr *x)
{
	if (x->sig_version == 1) {
		printf(" v1 (deprecated), algo %s, keyid ", algo_name(x->hash_algo));
		print_hex(stdout, x->keyid_v1, sizeof(x->keyid_v1));
		printf(", timestamp %u, sig_size %zu", x->timestamp_v1, x->sig_len);
		return;
	}
	printf(" v%u, algo %s, keyid %08x, sig_size %zu", x->sig_version,
	       algo_name(x->hash_algo), x->keyid, x->sig_len);
}

#define MALFORMED_SHOWN 32

/* The decoder's messages start with the attribute's name, which the line already shows. */
static const char *without_prefix(const char *msg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(msg, name, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ' ? msg + n + 2 : msg;
}

static void show_text_value(const char *name, const struct shown *s, bool verbose)
{
	size_t n = s->len < sizeof(s->raw) ? s->len : sizeof(s->raw);

	printf("  %s: ", name);
	if (s->rc == VIGIL_ERR_NO_DATA) {
		puts("absent");
		return;
	}
	if (s->rc != VIGIL_OK && s->len == 0) {
		printf("ERROR (%s)\n", s->err.msg);
		return;
	}
	if (s->rc != VIGIL_OK) {
		/* enough bytes to recognise the header, unless all are asked for */
		if (!verbose && n > MALFORMED_SHOWN)
			n = MALFORMED_SHOWN;
		printf("MALFORMED: %s (%zu byte%s: ", without_prefix(s->err.msg, name), s->len,
		       s->len == 1 ? "" : "s");
		print_hex(stdout, s->raw, n);
		puts(n < s->len ? "...)" : ")");
		return;
	}
	printf("0x%02x %s", s->x.type, vigil_xattr_type_name(s->x.type));
	if (is_sig(s->x.type)) {
		show_text_sig(&s->x);
	} else {
		printf(", algo %s, %s ", algo_name(s->x.digest.algo),
		       s->x.type == VIGIL_EVM_XATTR_HMAC ? "hmac" : "digest");
		print_hex(stdout, s->x.digest.bytes, s->x.digest.len);
	}
	putchar('\n');
	if (!verbose)
		return;
	printf("    value: ");
	print_hex(stdout, s->raw, n);
	if (is_sig(s->x.type) && s->x.sig) {
		printf("\n    signature: ");
		print_hex(stdout, s->x.sig, s->x.sig_len);
	}
	putchar('\n');
}

static void show_json_value(const char *key, const struct shown *s)
{
	size_t n = s->len < sizeof(s->raw) ? s->len : sizeof(s->raw);

	printf(",\"%s\":{\"present\":%s", key, s->rc == VIGIL_ERR_NO_DATA ? "false" : "true");
	if (s->rc == VIGIL_ERR_NO_DATA) {
		putchar('}');
		return;
	}
	if (s->len) {
		json_kv_uint(stdout, "length", s->len);
		json_kv_hex(stdout, "value", s->raw, n);
	}
	if (s->rc != VIGIL_OK) {
		json_kv_str(stdout, "error", s->err.msg);
		putchar('}');
		return;
	}
	json_kv_uint(stdout, "type", s->x.type);
	json_kv_str(stdout, "type_name", vigil_xattr_type_name(s->x.type));
	if (is_sig(s->x.type)) {
		json_kv_uint(stdout, "version", s->x.sig_version);
		json_kv_str(stdout, "algo", algo_name(s->x.hash_algo));
		if (s->x.sig_version == 1)
			json_kv_hex(stdout, "keyid", s->x.keyid_v1, sizeof(s->x.keyid_v1));
		else
			json_kv_keyid(stdout, "keyid", s->x.keyid);
		json_kv_uint(stdout, "sig_size", s->x.sig_len);
		if (s->x.sig)
			json_kv_hex(stdout, "signature", s->x.sig, s->x.sig_len);
	} else {
		json_kv_str(stdout, "algo", algo_name(s->x.digest.algo));
		json_kv_hex(stdout, "digest", s->x.digest.bytes, s->x.digest.len);
	}
	putchar('}');
}

static void show_report(const struct item *it, void *ctx)
{
	struct show_ctx *c = ctx;
	const struct show_res *r = it->res;

	if (c->rep.json) {
		report_json_open(&c->rep, it);
		if (it->outcome != ITEM_ERROR || r->ima.len || r->evm.len) {
			if (!c->hex || !c->hex_evm)
				show_json_value("ima", &r->ima);
			if (!c->hex || c->hex_evm)
				show_json_value("evm", &r->evm);
		}
		report_json_close();
		return;
	}
	if (it->outcome == ITEM_ERROR && !r->ima.len && !r->evm.len) {
		report_text_error(&c->rep, it);
		return;
	}
	if (c->rep.quiet && it->outcome == ITEM_OK)
		return;
	text_line_start(stdout, it->path);
	text_path(stdout, it->path);
	puts(":");
	if (!c->hex || !c->hex_evm)
		show_text_value(c->ima_name, &r->ima, c->rep.verbose);
	if (!c->hex || c->hex_evm)
		show_text_value(c->evm_name, &r->evm, c->rep.verbose);
}

/* --hex: each argument is a value; reported through the same item path as files. */
static int show_hex(struct show_ctx *c, char **values, int n)
{
	bool evm = c->hex_evm;
	struct walk_stats st = { 0 };
	static uint8_t buf[CLI_XATTR_READ_MAX];
	struct show_res r;
	int i;

	report_start(&c->rep);
	for (i = 0; i < n; i++) {
		struct item it = { .path = values[i], .res = &r };
		struct shown *s = evm ? &r.evm : &r.ima;
		const char *hex = values[i];
		long len;

		memset(&r, 0, sizeof(r));
		r.ima.rc = r.evm.rc = VIGIL_ERR_NO_DATA;
		if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
			hex += 2;
		len = vigil_unhex(hex, buf, sizeof(buf));
		if (len <= 0) {
			it.outcome = ITEM_ERROR;
			it.err.code = VIGIL_ERR_INVALID;
			snprintf(it.err.msg, sizeof(it.err.msg), "not a hex value (an even number "
				 "of hex digits, at most %d bytes)", CLI_XATTR_READ_MAX);
			r.ima.rc = r.evm.rc = VIGIL_OK;
		} else {
			show_decode(buf, (size_t)len, evm ? VIGIL_XATTR_EVM : VIGIL_XATTR_IMA, s);
			it.outcome = shown_outcome(s);
			it.err = s->err;
			it.cause = it.outcome ? "malformed" : NULL;
		}
		show_report(&it, c);
		st.files++;
		st.ok += it.outcome == ITEM_OK;
		st.failed += it.outcome == ITEM_FAILED;
		st.errors += it.outcome == ITEM_ERROR;
	}
	report_finish(&c->rep, &st, false);
	return report_exit(&c->rep, walk_exit(&st));
}

enum { OPT_HEX = OPT_FIRST_CMD, OPT_SHOW_EVM };

static const struct option show_long[] = {
	{ "hex", no_argument, NULL, OPT_HEX },
	{ "evm", no_argument, NULL, OPT_SHOW_EVM },
	{ "xattr-user", no_argument, NULL, OPT_XATTR_USER },
	COMMON_LONG,
	{ NULL, 0, NULL, 0 }
};

int cmd_show(int argc, char **argv)
{
	struct common_opts co = { .rep = { .cmd = "show" } };
	struct show_ctx c = { .rep = { .cmd = "show" } };
	struct walk_ops ops = { sizeof(struct show_res), show_one, show_report, &c };
	const char *ns = "security";
	struct walk_stats st;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT, show_long, NULL)) != -1) {
		if ((rc = common_opt(&co, "show", opt, optarg))) {
			if (rc < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'h': return cli_help(show_help);
		case OPT_HEX: c.hex = true; break;
		case OPT_SHOW_EVM: c.hex_evm = true; break;
		case OPT_XATTR_USER: ns = "user"; break;
		default: return cli_usage("show", "bad option");
		}
	}
	vigil_xattr_name(ns, "ima", c.ima_name, sizeof(c.ima_name));
	vigil_xattr_name(ns, "evm", c.evm_name, sizeof(c.evm_name));
	c.rep = co.rep;
	if (c.hex_evm && !c.hex)
		return cli_usage("show", "--evm applies to --hex: files show both attributes");
	if (c.hex) {
		if (optind >= argc)
			return cli_usage("show", "no values given");
		return show_hex(&c, argv + optind, argc - optind);
	}
	if ((rc = common_need_paths(&co, argc - optind)))
		return rc;
	report_start(&c.rep);
	rc = walk_run("show", &co.walk, argv + optind, argc - optind, &ops, &st);
	report_finish(&c.rep, &st, false);
	return report_exit(&c.rep, rc ? rc : walk_exit(&st));
}
