/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil attest quote: TPM2_Quote over a PCR selection with the persisted
 * attestation key, the PCR values it covers, and the measurement list (or
 * its part from an entry on) and firmware event log, written as a quote
 * bundle (vigil-attest(1)).
 */
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "attest_cli.h"
#include "log.h"

#define QUOTE_TRIES 5

static const char quote_help[] =
	"Usage: vigil attest quote --nonce HEX --out BUNDLE [OPTION]...\n"
	"Quote PCRs with the attestation key and write a quote bundle: the TPMS_ATTEST,\n"
	"its signature, the quoted PCR values, the measurement list and the event log.\n"
	"\n"
	"  -n, --nonce HEX       the verifier's nonce, 1 to 64 bytes (qualifyingData)\n"
	"  -o, --out BUNDLE      where to write the bundle (\"-\": standard output)\n"
	"      --ak-handle H     the attestation key's persistent handle (default\n"
	"                        0x81010002, as vigil attest key makes it)\n"
	"      --pcrs SEL        PCRs to quote: BANK:N,N,...[+BANK:N,...]\n"
	"                        (default " ATTEST_DEFAULT_PCRS ")\n"
	"      --log FILE        the binary measurement list to include (e.g.\n"
	"                        " DEFAULT_MLIST ")\n"
	"      --list-algo ALGO  the algorithm of its stored template digests (default\n"
	"                        sha1; the bank for binary_runtime_measurements_BANK)\n"
	"      --since N         include the list from entry N on (for a verifier that\n"
	"                        verified entries 0 to N-1 before)\n"
	"      --eventlog FILE   the firmware event log to include (e.g.\n"
	"                        " DEFAULT_EVENTLOG ")\n"
	"      --tcti CONF       the TPM, as for vigil attest key\n"
	"  -h, --help            show this help\n"
	"\n"
	"The PCRs are read after the quote; when an extend came in between (their\n"
	"digest is not the quoted pcrDigest) the quote is taken again.  The list is\n"
	"read after the quote, so that it holds every quoted measurement; entries the\n"
	"kernel adds meanwhile are left by the verifier for the next quote.\n"
	"\n"
	"Exit status: 0 the bundle is written, 2 an error.\n";

struct quote_opts {
	const char *out, *tcti, *log, *eventlog;
	TPM2_HANDLE ak;
	uint8_t nonce[VIGIL_NONCE_MAX];
	size_t nonce_len;
	TPML_PCR_SELECTION sel;
	int list_algo;
	bool have_since;
	uint64_t since;
};

static const struct option quote_long[] = {
	{ "nonce", required_argument, NULL, 'n' },
	{ "out", required_argument, NULL, 'o' },
	{ "ak-handle", required_argument, NULL, OPT_ATT_AK_HANDLE },
	{ "pcrs", required_argument, NULL, OPT_ATT_PCRS },
	{ "log", required_argument, NULL, OPT_ATT_LOG },
	{ "list-algo", required_argument, NULL, OPT_ATT_LIST_ALGO },
	{ "since", required_argument, NULL, OPT_ATT_SINCE },
	{ "eventlog", required_argument, NULL, OPT_ATT_EVENTLOG },
	{ "tcti", required_argument, NULL, OPT_ATT_TCTI },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int quote_opt(struct quote_opts *o, int opt, const char *arg)
{
	static const char *cmd = "attest quote";

	switch (opt) {
	case 'h': return cli_help(quote_help), -1;
	case 'n': return attest_opt_nonce(cmd, arg, o->nonce, &o->nonce_len);
	case 'o': o->out = arg; return 0;
	case OPT_ATT_AK_HANDLE: return attest_opt_handle(cmd, arg, &o->ak);
	case OPT_ATT_PCRS: return attest_parse_pcrs(cmd, arg, &o->sel);
	case OPT_ATT_LOG: o->log = arg; return 0;
	case OPT_ATT_LIST_ALGO: return opt_algo(cmd, arg, &o->list_algo);
	case OPT_ATT_SINCE: o->have_since = true; return opt_uint(cmd, "entry index", arg, INT64_MAX, &o->since);
	case OPT_ATT_EVENTLOG: o->eventlog = arg; return 0;
	case OPT_ATT_TCTI: o->tcti = arg; return 0;
	}
	return cli_usage(cmd, "bad option");
}

static int quote_parse(int argc, char **argv, struct quote_opts *o)
{
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "n:o:h", quote_long, NULL)) != -1)
		if ((rc = quote_opt(o, opt, optarg)) != 0)
			return rc;
	if (optind < argc)
		return cli_usage("attest quote", "unexpected argument '%s'", argv[optind]);
	if (!o->nonce_len || !o->out)
		return cli_usage("attest quote", "--nonce and --out are required");
	if (o->have_since && !o->log)
		return cli_usage("attest quote", "--since needs --log");
	if (o->sel.count == 0)
		return attest_parse_pcrs("attest quote", ATTEST_DEFAULT_PCRS, &o->sel);
	return 0;
}

/* ------------------------------------------------------------------ quote */

/* The signature's hash (also that of pcrDigest), -1 for a scheme vigil does not know. */
static int sig_hash(const TPMT_SIGNATURE *s)
{
	switch (s->sigAlg) {
	case TPM2_ALG_RSASSA: return vigil_tpm_alg_to_hash(s->signature.rsassa.hash);
	case TPM2_ALG_RSAPSS: return vigil_tpm_alg_to_hash(s->signature.rsapss.hash);
	case TPM2_ALG_ECDSA: return vigil_tpm_alg_to_hash(s->signature.ecdsa.hash);
	}
	return -1;
}

/* true when the PCR values give the quote's pcrDigest (no extend came in between). */
static bool consistent(const struct vigil_bundle *b, int hash)
{
	struct vigil_quote_info q;
	struct vigil_digest d;

	return hash >= 0 && vigil_quote_parse(b->attest, b->attest_len, &q, NULL) == VIGIL_OK &&
	       vigil_quote_pcr_digest(&q, &b->pcrs, hash, &d, NULL) == VIGIL_OK &&
	       d.len == q.pcr_digest_len && memcmp(d.bytes, q.pcr_digest, d.len) == 0;
}

static int keep_quote(struct vigil_bundle *b, const TPM2B_ATTEST *att, const TPMT_SIGNATURE *sig)
{
	size_t off = 0;

	free(b->attest);
	free(b->signature);
	b->attest = malloc(att->size ? att->size : 1);
	b->signature = malloc(sizeof(TPMT_SIGNATURE));
	if (!b->attest || !b->signature)
		return cli_usage("attest quote", "out of memory");
	memcpy(b->attest, att->attestationData, att->size);
	b->attest_len = att->size;
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, b->signature, sizeof(TPMT_SIGNATURE), &off) !=
	    TSS2_RC_SUCCESS) {
		cli_error("attest quote", "cannot marshal the TPMT_SIGNATURE");
		return EXIT_USAGE;
	}
	b->signature_len = off;
	return 0;
}

static int quote_once(const struct quote_opts *o, struct attest_tpm *t, ESYS_TR ak,
		      struct vigil_bundle *b, int *hash)
{
	TPM2B_DATA qualifying = { .size = (UINT16)o->nonce_len };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL }; /* the key's own */
	TPM2B_ATTEST *att = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TSS2_RC rc;
	int r;

	memcpy(qualifying.buffer, o->nonce, o->nonce_len);
	rc = Esys_Quote(t->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying,
			&scheme, &o->sel, &att, &sig);
	if (rc != TSS2_RC_SUCCESS)
		return attest_tpm_fail("attest quote", "Esys_Quote", rc);
	*hash = sig_hash(sig);
	r = keep_quote(b, att, sig);
	Esys_Free(att);
	Esys_Free(sig);
	return r ? r : attest_read_pcrs("attest quote", t, &o->sel, &b->pcrs);
}

static int take_quote(const struct quote_opts *o, struct vigil_bundle *b)
{
	struct attest_tpm t = { 0 };
	ESYS_TR ak = ESYS_TR_NONE;
	int rc, hash = -1;
	TSS2_RC trc;

	if ((rc = attest_tpm_open("attest quote", o->tcti, &t)))
		goto done;
	trc = Esys_TR_FromTPMPublic(t.esys, o->ak, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ak);
	if (trc != TSS2_RC_SUCCESS) {
		cli_error("attest quote", "no attestation key at handle 0x%08x (make one with vigil "
			  "attest key): %s", o->ak, Tss2_RC_Decode(trc));
		rc = EXIT_USAGE;
		goto done;
	}
	for (int i = 0; i < QUOTE_TRIES && !rc; i++) {
		rc = quote_once(o, &t, ak, b, &hash);
		if (!rc && consistent(b, hash))
			goto done;
	}
	if (!rc) {
		cli_error("attest quote", "the PCRs kept changing during %d quotes", QUOTE_TRIES);
		rc = EXIT_USAGE;
	}
done:
	if (ak != ESYS_TR_NONE)
		Esys_TR_Close(t.esys, &ak);
	attest_tpm_close(&t);
	return rc;
}

/* ------------------------------------------------------------------- logs */

/* Byte offset of entry N, by reading the entries before it. */
static int entry_offset(const struct quote_opts *o, const uint8_t *list, size_t len,
			uint64_t *offset)
{
	struct vigil_mlist_reader *r = NULL;
	struct vigil_mlist_entry e;
	struct vigil_error err = { 0 };
	int rc = vigil_mlist_reader_mem(list, len, o->list_algo, 0, &r, &err), got = 1;

	while (rc == VIGIL_OK && got == 1 && vigil_mlist_reader_index(r) < o->since)
		got = vigil_mlist_next(r, &e, &err);
	if (rc != VIGIL_OK || got < 0) {
		cli_error("attest quote", "%s: %s", o->log, err.msg);
		rc = EXIT_USAGE;
	} else if (vigil_mlist_reader_index(r) < o->since) {
		cli_error("attest quote", "%s: --since %llu, but the list has %llu entries", o->log,
			  (unsigned long long)o->since, (unsigned long long)vigil_mlist_reader_index(r));
		rc = EXIT_USAGE;
	} else {
		*offset = vigil_mlist_reader_offset(r);
	}
	vigil_mlist_reader_free(r);
	return rc;
}

static int add_list(const struct quote_opts *o, struct vigil_bundle *b)
{
	uint64_t offset = 0;
	char *list;
	size_t len;

	if (attest_read_file("attest quote", "list", o->log, &list, &len))
		return EXIT_USAGE;
	if (o->since && entry_offset(o, (const uint8_t *)list, len, &offset)) {
		free(list);
		return EXIT_USAGE;
	}
	memmove(list, list + offset, len - offset);
	b->mlist = (uint8_t *)list;
	b->mlist_len = len - offset;
	b->mlist_algo = o->list_algo;
	b->mlist_first_index = o->since;
	b->mlist_first_offset = offset;
	b->have_mlist = true;
	return 0;
}

static int add_eventlog(const struct quote_opts *o, struct vigil_bundle *b)
{
	struct vigil_error err = { 0 };

	if (vigil_evlog_load(o->eventlog, &b->eventlog, &b->eventlog_len, &err) != VIGIL_OK) {
		cli_error("attest quote", "%s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_attest_quote(int argc, char **argv)
{
	struct quote_opts o = { .ak = ATTEST_DEFAULT_HANDLE, .list_algo = VIGIL_HASH_SHA1 };
	struct vigil_bundle b = { .mlist_algo = -1 };
	struct vigil_error err = { 0 };
	char *json = NULL;
	size_t len = 0;
	int rc;

	if ((rc = quote_parse(argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = take_quote(&o, &b)) == 0 && (!o.log || (rc = add_list(&o, &b)) == 0) &&
	    (!o.eventlog || (rc = add_eventlog(&o, &b)) == 0)) {
		if (vigil_bundle_format(&b, &json, &len, &err) != VIGIL_OK) {
			cli_error("attest quote", "%s", err.msg);
			rc = EXIT_USAGE;
		} else {
			rc = attest_write_file("attest quote", o.out, json, len, 0644);
		}
	}
	free(json);
	vigil_bundle_release(&b);
	return rc;
}
