/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil attest verify: a quote bundle checked by libvigil
 * (vigil_attest_verify) with an attestation key, a nonce, references and
 * a state file that makes the verification incremental.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest_cli.h"
#include "log.h"

#define MAX_REFS 16

static const char verify_help[] =
	"Usage: vigil attest verify --ak AK.pub --nonce HEX [OPTION]... BUNDLE\n"
	"Verify a quote bundle made by vigil attest quote.\n"
	"\n"
	"  -a, --ak FILE         the attestation key's public key (PEM or DER; vigil attest\n"
	"                        key writes it)\n"
	"  -n, --nonce HEX       the nonce this verifier gave for the quote\n"
	"      --policy FILE     a Keylime runtime policy (JSON; repeatable)\n"
	"      --allowlist FILE  sha256sum-style \"HEX  PATH\" lines (repeatable)\n"
	"  -k, --keys KEYS       trusted file-signing keys: certificates or public keys,\n"
	"                        a directory, or a comma-separated list of both\n"
	"      --require-reference  entries nothing vouches for fail (implied by\n"
	"                        --policy and --allowlist)\n"
	"      --ignore-violations  ToMToU and open-writers records do not fail\n"
	"      --state FILE      what earlier verifications established (created when\n"
	"                        absent, replaced atomically after a verification that\n"
	"                        holds): TPM clock and counters, the last nonce, the\n"
	"                        attestation key, and the list verified so far\n"
	"      --json            one JSON object on standard output\n"
	"  -q, --quiet           print nothing; the exit status tells\n"
	"  -h, --help            show this help\n"
	"\n"
	"Checks, in order (the first that fails is reported): the signature over the\n"
	"TPMS_ATTEST; its magic and type; extraData equal to the nonce, and not the\n"
	"nonce of the last verified quote; pcrDigest equal to the digest of the\n"
	"bundle's PCR values; with --state, the same attestation key, resetCount and\n"
	"restartCount not lower and, within one boot, the clock later than before;\n"
	"the event log replayed to the quoted PCRs 0-9; the list replayed, per bank,\n"
	"from the state's PCR values and entry (same boot) or from zero, each new\n"
	"entry's template digest and references (boot_aggregate against the quoted\n"
	"PCRs 0-9), and the replay's PCRs equal to the quoted ones.  Entries after\n"
	"the one whose replay gives the quoted PCRs were added after the quote: they\n"
	"are left unchecked for the next quote (entries_after_quote).\n"
	"\n"
	"Exit status: 0 everything holds, 1 something does not (the report names the\n"
	"first failing check, and the entry for list failures), 2 an error (bad\n"
	"arguments, unreadable key, references or state).\n";

struct verify_opts {
	const char *ak, *keys, *state, *bundle;
	const char *policy[MAX_REFS], *allow[MAX_REFS];
	unsigned npolicy, nallow;
	uint8_t nonce[VIGIL_NONCE_MAX];
	size_t nonce_len;
	bool json, quiet, require_reference, ignore_violations;
};

struct verify_ctx {
	struct vigil_pubkey *ak;
	struct vigil_keyset *keys;
	struct vigil_refdb *db;
	struct vigil_attest_refs refs;
	struct vigil_attest_state *st;
	struct vigil_bundle b;
	bool bundle_ok;
	struct vigil_error bundle_err;
};

static const struct option verify_long[] = {
	{ "ak", required_argument, NULL, 'a' },
	{ "nonce", required_argument, NULL, 'n' },
	{ "policy", required_argument, NULL, OPT_ATT_POLICY },
	{ "allowlist", required_argument, NULL, OPT_ATT_ALLOWLIST },
	{ "keys", required_argument, NULL, 'k' },
	{ "require-reference", no_argument, NULL, OPT_ATT_REQUIRE_REFERENCE },
	{ "ignore-violations", no_argument, NULL, OPT_ATT_IGNORE_VIOLATIONS },
	{ "state", required_argument, NULL, OPT_ATT_STATE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int add_ref(const char **list, unsigned *n, const char *path)
{
	if (*n == MAX_REFS)
		return cli_usage("attest verify", "at most %d policies and %d allowlists", MAX_REFS,
				 MAX_REFS);
	list[(*n)++] = path;
	return 0;
}

static int verify_opt(struct verify_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 'h': return cli_help(verify_help), -1;
	case 'a': o->ak = arg; return 0;
	case 'n': return attest_opt_nonce("attest verify", arg, o->nonce, &o->nonce_len);
	case 'k': o->keys = arg; return 0;
	case 'q': o->quiet = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_ATT_POLICY: return add_ref(o->policy, &o->npolicy, arg);
	case OPT_ATT_ALLOWLIST: return add_ref(o->allow, &o->nallow, arg);
	case OPT_ATT_STATE: o->state = arg; return 0;
	case OPT_ATT_REQUIRE_REFERENCE: o->require_reference = true; return 0;
	case OPT_ATT_IGNORE_VIOLATIONS: o->ignore_violations = true; return 0;
	}
	return cli_usage("attest verify", "bad option");
}

static int verify_parse(int argc, char **argv, struct verify_opts *o)
{
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "a:n:k:qh", verify_long, NULL)) != -1)
		if ((rc = verify_opt(o, opt, optarg)) != 0)
			return rc;
	if (argc - optind != 1)
		return cli_usage("attest verify", "one BUNDLE is required");
	if (!o->ak || !o->nonce_len)
		return cli_usage("attest verify", "--ak and --nonce are required");
	o->bundle = argv[optind];
	return 0;
}

/* ------------------------------------------------------------------ inputs */

static int load_refs(const struct verify_opts *o, struct verify_ctx *c)
{
	struct vigil_error err = { 0 };

	if (o->keys && load_keyset("attest verify", o->keys, &c->keys))
		return EXIT_USAGE;
	if (o->npolicy || o->nallow) {
		if (vigil_refdb_new(&c->db, &err) != VIGIL_OK)
			goto fail;
		for (unsigned i = 0; i < o->npolicy; i++)
			if (vigil_refdb_load_path(c->db, o->policy[i], true, &err) != VIGIL_OK)
				goto fail;
		for (unsigned i = 0; i < o->nallow; i++)
			if (vigil_refdb_load_path(c->db, o->allow[i], false, &err) != VIGIL_OK)
				goto fail;
	}
	c->refs = (struct vigil_attest_refs){ .db = c->db, .keys = c->keys };
	if (o->require_reference || c->db)
		c->refs.flags |= VIGIL_REFCHECK_REQUIRE_REFERENCE;
	if (o->ignore_violations)
		c->refs.flags |= VIGIL_REFCHECK_IGNORE_VIOLATIONS;
	return 0;
fail:
	cli_error("attest verify", "%s", err.msg);
	return EXIT_USAGE;
}

static int load_state(const struct verify_opts *o, struct verify_ctx *c)
{
	struct vigil_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!o->state)
		return 0;
	if (access(o->state, F_OK) != 0 && errno == ENOENT)
		rc = vigil_attest_state_new(&c->st, &err);
	else if (attest_read_file("attest verify", "state", o->state, &text, &len))
		return EXIT_USAGE;
	else
		rc = vigil_attest_state_load(text, len, &c->st, &err);
	free(text);
	if (rc != VIGIL_OK) {
		cli_error("attest verify", "state %s: %s (remove it to start over)", o->state, err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

static int load_inputs(const struct verify_opts *o, struct verify_ctx *c)
{
	struct vigil_error err = { 0 };
	char *text = NULL;
	size_t len = 0;

	if (vigil_pubkey_load(o->ak, &c->ak, &err) != VIGIL_OK) {
		cli_error("attest verify", "attestation key %s: %s", o->ak, err.msg);
		return EXIT_USAGE;
	}
	if (load_refs(o, c) || load_state(o, c) ||
	    attest_read_file("attest verify", "bundle", o->bundle, &text, &len))
		return EXIT_USAGE;
	/* A malformed bundle is a failed verification, not a usage error. */
	c->bundle_ok = vigil_bundle_parse(text, len, &c->b, &c->bundle_err) == VIGIL_OK;
	free(text);
	return 0;
}

/* ------------------------------------------------------------------ report */

static void failure_json(const struct vigil_attest_failure *f)
{
	fputs(",\"failure\":{", stdout);
	printf("\"check\":");
	json_str(stdout, f->check);
	if (f->have_entry) {
		json_kv_uint(stdout, "index", f->index);
		json_kv_uint(stdout, "offset", f->offset);
		if (f->path_len)
			log_json_name(stdout, "path", f->path, f->path_len);
	}
	if (f->bank >= 0)
		json_kv_str(stdout, "bank", algo_name(f->bank));
	if (f->pcr >= 0)
		json_kv_uint(stdout, "pcr", (unsigned)f->pcr);
	json_kv_str(stdout, "reason", f->reason);
	putchar('}');
}

static void report_json(const struct vigil_attest_result *r)
{
	printf("{\"command\":\"attest verify\",\"ok\":%s", r->ok ? "true" : "false");
	if (!r->ok)
		failure_json(&r->failure);
	if (r->quote_parsed) {
		fputs(",\"quote\":{", stdout);
		printf("\"clock\":%llu", (unsigned long long)r->quote.clock);
		json_kv_uint(stdout, "reset_count", r->quote.reset_count);
		json_kv_uint(stdout, "restart_count", r->quote.restart_count);
		json_kv_bool(stdout, "safe", r->quote.safe);
		json_kv_uint(stdout, "pcrs_quoted", r->pcrs_quoted);
		putchar('}');
	}
	printf(",\"eventlog_checked\":%s", r->eventlog_checked ? "true" : "false");
	printf(",\"mlist\":{\"checked\":%s", r->mlist_checked ? "true" : "false");
	json_kv_uint(stdout, "entries_checked", r->entries_checked);
	json_kv_uint(stdout, "next_index", r->next_index);
	json_kv_uint(stdout, "entries_after_quote", r->entries_after_quote);
	puts("}}");
}

static void report_text(const struct vigil_attest_result *r)
{
	const struct vigil_attest_failure *f = &r->failure;

	if (r->ok) {
		printf("ok: quote verified (clock %llu, resetCount %u, restartCount %u, %u PCRs)",
		       (unsigned long long)r->quote.clock, r->quote.reset_count,
		       r->quote.restart_count, r->pcrs_quoted);
		if (r->eventlog_checked)
			fputs("; event log matches", stdout);
		if (r->mlist_checked)
			printf("; %llu list entries checked, next entry %llu",
			       (unsigned long long)r->entries_checked, (unsigned long long)r->next_index);
		if (r->entries_after_quote)
			printf(" (%llu entries added after the quote: left for the next)",
			       (unsigned long long)r->entries_after_quote);
		putchar('\n');
		return;
	}
	printf("FAILED: %s", f->check);
	if (f->have_entry) {
		printf(" (entry %llu at offset %llu", (unsigned long long)f->index,
		       (unsigned long long)f->offset);
		if (f->path_len) {
			fputs(", ", stdout);
			log_text_name(stdout, f->path, f->path_len);
		}
		putchar(')');
	}
	if (f->pcr >= 0 && f->bank >= 0)
		printf(" (%s PCR %d)", algo_name(f->bank), f->pcr);
	printf(": %s\n", f->reason);
}

/* ------------------------------------------------------------------ command */

static int save_state(const struct verify_opts *o, const struct verify_ctx *c)
{
	struct vigil_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (vigil_attest_state_save(c->st, &text, &len, &err) != VIGIL_OK) {
		cli_error("attest verify", "state: %s", err.msg);
		return EXIT_USAGE;
	}
	rc = attest_write_file("attest verify", o->state, text, len, 0600);
	free(text);
	return rc;
}

static int verify_run(const struct verify_opts *o, struct verify_ctx *c)
{
	struct vigil_attest_result r;
	struct vigil_error err = { 0 };
	int rc = 0;

	if (!c->bundle_ok) {
		memset(&r, 0, sizeof(r));
		r.failure = (struct vigil_attest_failure){ .check = "bundle", .pcr = -1, .bank = -1 };
		snprintf(r.failure.reason, sizeof(r.failure.reason), "%s", c->bundle_err.msg);
	} else if (vigil_attest_verify(c->ak, o->nonce, o->nonce_len, &c->b, &c->refs, c->st, &r,
				       &err) != VIGIL_OK) {
		cli_error("attest verify", "%s", err.msg);
		return EXIT_USAGE;
	}
	if (r.ok && o->state)
		rc = save_state(o, c);
	if (o->json)
		report_json(&r);
	else if (!o->quiet)
		report_text(&r);
	return rc ? rc : r.ok ? 0 : EXIT_VERIFY_FAILED;
}

int cmd_attest_verify(int argc, char **argv)
{
	struct verify_opts o = { 0 };
	struct verify_ctx c = { 0 };
	struct report rep = { .cmd = "attest verify" };
	int rc;

	if ((rc = verify_parse(argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = load_inputs(&o, &c)) == 0)
		rc = verify_run(&o, &c);
	vigil_bundle_release(&c.b);
	vigil_attest_state_free(c.st);
	vigil_refdb_free(c.db);
	vigil_keyset_free(c.keys);
	vigil_pubkey_free(c.ak);
	return report_exit(&rep, rc);
}
