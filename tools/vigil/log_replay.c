/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vigil log replay: recompute the PCRs a measurement list extended and compare. */
#include <string.h>

#include "log.h"

static const char replay_help[] =
	"Usage: vigil log replay [OPTION]... [FILE]\n"
	"Replay a binary measurement list (default " DEFAULT_MLIST ")\n"
	"into PCR banks, checking every stored template digest against its template\n"
	"data, and print each PCR the list extended.  With --pcrs (or --tpm), compare\n"
	"with the expected values: a bank matches when every PCR does, extended with\n"
	"per-bank template digests (H_bank over the template data, kernels >= 5.8)\n"
	"or with the SHA-1 template digests zero-padded (older kernels; banks the\n"
	"kernel could not hash).\n"
	"\n"
	"Options:\n"
	"      --pcrs FILE       expected PCRs: \"PCR-NN: HEX\" lines (sysfs, evmctl) or\n"
	"                        tpm2_pcrread output; \"ALGO,FILE\" names the bank, else\n"
	"                        it follows from the digest length (repeatable)\n"
	"      --tpm             read the expected PCRs from the TPM (tpm2-tss)\n"
	"      --tcti CONF       the TCTI for --tpm (default: $TPM2TOOLS_TCTI, $TCTI,\n"
	"                        else the tss2 default)\n"
	"      --bank ALGO       replay this bank (repeatable; default: the banks of\n"
	"                        --pcrs, else sha1 and sha256)\n"
	"      --ignore-violations  violations (ToMToU, open-writers) do not fail\n"
	"      --list-algo ALGO  algorithm of the stored template digests (default\n"
	"                        sha1, or ALGO for binary_runtime_measurements_ALGO)\n"
	"      --big-endian      the list's integers are big-endian\n"
	"      --json            one JSON object on standard output\n"
	"  -q, --quiet           print only problems\n"
	"  -h, --help            show this help\n"
	"\n"
	"Violations extend every bank with 0xFF as the kernel does; the list is\n"
	"still reported failed unless --ignore-violations, as files were measured\n"
	"while open for write (evmctl's exit status agrees).\n"
	"\n"
	"Exit status: 0 the PCRs match (or, without expected values, the list is\n"
	"well-formed and every template digest checks), 1 a PCR or template digest\n"
	"mismatch or an unignored violation, 2 an error (a malformed or truncated\n"
	"list is reported with the entry's index and byte offset).\n";

struct replay_opts {
	struct log_input in;
	struct log_pcrs pcrs;
	struct log_banks banks;
	bool ignore_violations, json, quiet;
};

struct replay_run {
	uint64_t mismatches, violations;
	bool have_mm, have_viol;
	uint64_t mm_index, mm_offset, viol_index, viol_offset;
};

static const struct option replay_long[] = {
	{ "pcrs", required_argument, NULL, OPT_PCRS },
	{ "tpm", no_argument, NULL, OPT_TPM },
	{ "tcti", required_argument, NULL, OPT_TCTI },
	{ "bank", required_argument, NULL, OPT_BANK },
	{ "ignore-violations", no_argument, NULL, OPT_IGNORE_VIOLATIONS },
	{ "list-algo", required_argument, NULL, OPT_LIST_ALGO },
	{ "big-endian", no_argument, NULL, OPT_BIG_ENDIAN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int replay_parse(int argc, char **argv, struct replay_opts *o)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, "qh", replay_long, NULL)) != -1) {
		if ((r = log_common_opt("log replay", opt, optarg, &o->in, &o->pcrs, &o->banks))) {
			if (r < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'h': return cli_help(replay_help), -1;
		case 'q': o->quiet = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_IGNORE_VIOLATIONS: o->ignore_violations = true; break;
		default: return cli_usage("log replay", "bad option");
		}
	}
	if (argc - optind > 1)
		return cli_usage("log replay", "one list at a time");
	o->in.path = optind < argc ? argv[optind] : DEFAULT_MLIST;
	return 0;
}

/* A template digest that does not match its data: reported as it is found. */
static void note_mismatch(const struct replay_opts *o, struct replay_run *run,
			  const struct vigil_mlist_entry *e, const struct vigil_error *err)
{
	if (!run->have_mm) {
		run->have_mm = true;
		run->mm_index = e->index;
		run->mm_offset = e->offset;
	}
	if (o->json) {
		printf("%s{\"index\":%llu", run->mismatches ? "," : "", (unsigned long long)e->index);
		json_kv_uint(stdout, "offset", e->offset);
		json_kv_str(stdout, "error", err->msg);
		putchar('}');
	} else {
		printf("%s\n", err->msg);
	}
	run->mismatches++;
}

static int replay_entries(const struct replay_opts *o, struct vigil_mlist_reader *r,
			  struct vigil_replay *rp, struct replay_run *run)
{
	struct vigil_mlist_entry e;
	struct vigil_error err = { 0 };
	int rc;

	while ((rc = vigil_mlist_next(r, &e, &err)) == 1) {
		if (e.violation && !run->have_viol) {
			run->have_viol = true;
			run->viol_index = e.index;
			run->viol_offset = e.offset;
		}
		run->violations += e.violation;
		rc = vigil_replay_extend(rp, &e, &err);
		if (rc == VIGIL_ERR_MISMATCH)
			note_mismatch(o, run, &e, &err);
		else if (rc != VIGIL_OK)
			break;
	}
	if (rc < 0) {
		if (o->json)
			fputs("]}\n", stdout);
		cli_error("log replay", "%s: %s", o->in.path, err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

static int replay_exit(const struct replay_opts *o, const struct replay_run *run,
		       const struct replay_report *rr)
{
	if (rr->expected && rr->cmp != VIGIL_OK && rr->cmp != VIGIL_ERR_MISMATCH)
		return EXIT_USAGE; /* nothing could be compared */
	if (run->mismatches || rr->cmp == VIGIL_ERR_MISMATCH)
		return EXIT_VERIFY_FAILED;
	return run->violations && !o->ignore_violations ? EXIT_VERIFY_FAILED : 0;
}

static void replay_text(const struct replay_opts *o, const struct replay_run *run,
			const struct replay_report *rr, const struct vigil_replay_stats *st)
{
	if (!o->quiet) {
		printf("%llu entries replayed, %llu violation%s, %llu template digest mismatch%s\n",
		       (unsigned long long)st->entries, (unsigned long long)run->violations,
		       run->violations == 1 ? "" : "s", (unsigned long long)run->mismatches,
		       run->mismatches == 1 ? "" : "es");
		log_print_pcrs_text(rr);
	}
	if (run->have_mm)
		printf("template digest mismatch: first at entry %llu, offset %llu\n",
		       (unsigned long long)run->mm_index, (unsigned long long)run->mm_offset);
	if (run->violations && !o->ignore_violations)
		printf("violations: first at entry %llu, offset %llu (files measured while open "
		       "for write; --ignore-violations accepts them)\n",
		       (unsigned long long)run->viol_index, (unsigned long long)run->viol_offset);
	if (rr->expected && rr->cmp == VIGIL_ERR_MISMATCH)
		printf("PCRs: MISMATCH (%s)\n", rr->err.msg);
	else if (rr->expected && rr->cmp == VIGIL_OK && !o->quiet)
		puts("PCRs: match");
	else if (rr->expected && rr->cmp != VIGIL_OK)
		cli_error("log replay", "%s", rr->err.msg);
}

static void replay_json(const struct replay_run *run, const struct replay_report *rr,
			const struct vigil_replay_stats *st, int status)
{
	putchar(']');
	json_kv_uint(stdout, "entries", st->entries);
	json_kv_uint(stdout, "violations", run->violations);
	json_kv_uint(stdout, "digest_mismatch_count", run->mismatches);
	log_print_pcrs_json(rr);
	json_kv_str(stdout, "result", status == 0 ? "ok" : status == 1 ? "failed" : "error");
	puts("}");
}

static int replay_run(struct replay_opts *o, struct vigil_mlist_reader *r, struct vigil_replay *rp)
{
	struct replay_run run = { 0 };
	struct replay_report rr = { .rp = rp, .expected = o->pcrs.loaded ? &o->pcrs.pcrs : NULL };
	struct vigil_replay_stats st;
	int status;

	if (o->json) {
		fputs("{\"command\":\"log replay\"", stdout);
		json_kv_str(stdout, "file", o->in.path);
		fputs(",\"digest_mismatches\":[", stdout);
	}
	if (replay_entries(o, r, rp, &run))
		return EXIT_USAGE;
	vigil_replay_get_stats(rp, &st);
	log_compare(&rr);
	status = replay_exit(o, &run, &rr);
	if (o->json)
		replay_json(&run, &rr, &st, status);
	else
		replay_text(o, &run, &rr, &st);
	return status;
}

int cmd_log_replay(int argc, char **argv)
{
	struct replay_opts o = { .in = { .list_algo = -1 } };
	struct vigil_mlist_reader *r = NULL;
	struct vigil_replay *rp = NULL;
	struct vigil_error err = { 0 };
	struct report rep = { .cmd = "log replay" };
	int rc;

	if ((rc = replay_parse(argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if (log_load_pcrs("log replay", &o.pcrs))
		return EXIT_USAGE;
	log_default_banks(&o.banks, &o.pcrs);
	if (vigil_replay_new(o.banks.algos, o.banks.n, VIGIL_REPLAY_CHECK_DIGESTS, &rp, &err)) {
		cli_error("log replay", "%s", err.msg);
		return EXIT_USAGE;
	}
	rc = log_open("log replay", &o.in, &r);
	if (rc == 0)
		rc = replay_run(&o, r, rp);
	vigil_mlist_reader_free(r);
	vigil_replay_free(rp);
	return report_exit(&rep, rc);
}
