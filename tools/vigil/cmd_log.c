/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil log: measurement lists (log show here; log replay and log verify
 * in their own files), and vigil boot-aggregate.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char log_help[] =
	"Usage: vigil log COMMAND [OPTION]... [FILE]\n"
	"Read IMA's binary measurement list (default " DEFAULT_MLIST ").\n"
	"\n"
	"Commands:\n"
	"  show     print the entries: a table, the kernel's ascii format (--ascii)\n"
	"           or JSON lines (--json)\n"
	"  replay   recompute the PCRs and compare them with expected values\n"
	"  verify   replay, then check every entry against signatures and allowlists\n"
	"\n"
	"See 'vigil log COMMAND --help' and vigil-log(1).\n";

int cmd_log(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("log", "no command: show, replay or verify");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cli_help(log_help);
	if (strcmp(argv[1], "show") == 0)
		return cmd_log_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return cmd_log_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_log_verify(argc - 1, argv + 1);
	return cli_usage("log", "unknown command '%s': show, replay or verify", argv[1]);
}

/* ---------------------------------------------------------------- log show */

static const char show_help[] =
	"Usage: vigil log show [OPTION]... [FILE]\n"
	"Print the entries of a binary measurement list (default\n"
	DEFAULT_MLIST ").\n"
	"\n"
	"Options:\n"
	"      --ascii           exactly as the kernel's ascii_runtime_measurements\n"
	"      --json            one JSON object per entry and line\n"
	"      --bank ALGO       show the template digests of bank ALGO (H_ALGO over\n"
	"                        the template data, as kernels >= 6.12 show them in\n"
	"                        ascii_runtime_measurements_ALGO) instead of the stored\n"
	"      --list-algo ALGO  algorithm of the stored template digests (default\n"
	"                        sha1, or ALGO for binary_runtime_measurements_ALGO)\n"
	"      --big-endian      the list's integers are big-endian\n"
	"  -v, --verbose         the table also shows the template digests\n"
	"  -h, --help            show this help\n"
	"\n"
	"The table shows each entry's index, PCR, template, file digest and name\n"
	"(backslash, control and DEL bytes escaped as \\\\ and \\xNN), then notes:\n"
	"[violation], the signature's type and keyid, buf and modsig sizes.\n"
	"\n"
	"Exit status: 0 the whole list was shown, 2 an error (a malformed or\n"
	"truncated list stops with the entry's index and byte offset).\n";

enum show_mode { SHOW_TABLE, SHOW_ASCII, SHOW_JSON };

struct show_opts {
	struct log_input in;
	struct log_banks bank; /* at most one */
	int mode;
	bool verbose;
	struct vigil_hash_ctx *ctx; /* for --bank */
};

/* The entry as bank algo shows it: H_algo over the template data, zeros for violations. */
static int rebank(struct show_opts *o, struct vigil_mlist_entry *e, struct vigil_error *err)
{
	struct vigil_digest d;
	int algo = o->bank.algos[0];
	int rc;

	if (e->violation) {
		e->digest_len = vigil_hash_by_id(algo)->digest_len;
		memset(e->digest, 0, e->digest_len);
	} else {
		if ((rc = vigil_mlist_template_hash(e, o->ctx, &d, err)) != VIGIL_OK)
			return rc;
		memcpy(e->digest, d.bytes, d.len);
		e->digest_len = d.len;
	}
	e->digest_algo = algo;
	return VIGIL_OK;
}

static void print_file_digest(FILE *f, const struct vigil_mlist_entry *e)
{
	if (!e->file_digest) {
		fputs("-", f);
		return;
	}
	if (e->digest_type == VIGIL_DIGEST_TYPE_VERITY)
		fputs("verity:", f);
	fprintf(f, "%s:", algo_name(e->file_algo));
	print_hex(f, e->file_digest, e->file_digest_len);
}

static void print_sig_note(const struct vigil_mlist_entry *e)
{
	struct vigil_xattr x;
	enum vigil_xattr_kind kind = e->sig[0] == VIGIL_EVM_XATTR_PORTABLE_DIGSIG ?
				     VIGIL_XATTR_EVM : VIGIL_XATTR_IMA;

	if (vigil_xattr_decode(e->sig, e->sig_len, kind, &x, NULL) != VIGIL_OK) {
		printf(" [sig: malformed, %u bytes]", e->sig_len);
		return;
	}
	printf(" [sig: %s v%u %s", vigil_xattr_type_name(x.type), x.sig_version,
	       algo_name(x.hash_algo));
	if (x.sig_version != 1)
		printf(" keyid %08x", x.keyid);
	putchar(']');
}

static void show_table_row(const struct show_opts *o, const struct vigil_mlist_entry *e)
{
	const struct vigil_field *ms = vigil_mlist_field(e, VIGIL_FIELD_MODSIG);

	printf("%6llu %3u ", (unsigned long long)e->index, e->pcr);
	if (o->verbose || o->bank.n) {
		printf("%s:", algo_name(e->digest_algo));
		print_hex(stdout, e->digest, e->digest_len);
		putchar(' ');
	}
	printf("%-10s ", e->template_name);
	print_file_digest(stdout, e);
	putchar(' ');
	log_text_name(stdout, e->file_name ? e->file_name : "", e->file_name ? e->file_name_len : 0);
	if (e->violation)
		fputs(" [violation]", stdout);
	if (e->sig_len)
		print_sig_note(e);
	if (e->buf)
		printf(" [buf: %u bytes]", e->buf_len);
	if (ms && ms->len)
		printf(" [modsig: %u bytes]", ms->len);
	putchar('\n');
}

static void json_fields(const struct vigil_mlist_entry *e)
{
	fputs(",\"fields\":[", stdout);
	for (unsigned i = 0; i < e->nfields; i++) {
		const struct vigil_field *f = &e->fields[i];
		char *buf = malloc(vigil_field_ascii_size(f) + 1);
		size_t n;

		printf("%s{\"id\":\"%s\"", i ? "," : "", vigil_field_name(f->id));
		if (buf) {
			n = vigil_field_ascii(f, e->big_endian, buf);
			log_json_name(stdout, "value", buf, n);
		}
		putchar('}');
		free(buf);
	}
	putchar(']');
}

static void show_json_entry(const struct vigil_mlist_entry *e)
{
	printf("{\"index\":%llu", (unsigned long long)e->index);
	json_kv_uint(stdout, "offset", e->offset);
	json_kv_uint(stdout, "pcr", e->pcr);
	json_kv_str(stdout, "template", e->template_name);
	json_kv_str(stdout, "template_digest_algo", algo_name(e->digest_algo));
	json_kv_hex(stdout, "template_digest", e->digest, e->digest_len);
	json_kv_bool(stdout, "violation", e->violation);
	if (e->file_digest) {
		json_kv_str(stdout, "digest_algo", algo_name(e->file_algo));
		json_kv_hex(stdout, "digest", e->file_digest, e->file_digest_len);
		if (e->digest_type != VIGIL_DIGEST_TYPE_NONE)
			json_kv_str(stdout, "digest_type",
				    e->digest_type == VIGIL_DIGEST_TYPE_VERITY ? "verity" : "ima");
	}
	if (e->file_name)
		log_json_name(stdout, "name", e->file_name, e->file_name_len);
	if (e->sig_len)
		json_kv_hex(stdout, "sig", e->sig, e->sig_len);
	if (e->buf)
		json_kv_hex(stdout, "buf", e->buf, e->buf_len);
	json_fields(e);
	puts("}");
}

static int show_entry(struct show_opts *o, struct vigil_mlist_entry *e, struct vigil_error *err)
{
	int rc;

	if (o->bank.n && (rc = rebank(o, e, err)) != VIGIL_OK)
		return rc;
	if (o->mode == SHOW_ASCII)
		return vigil_mlist_ascii_write(e, stdout, err);
	if (o->mode == SHOW_JSON)
		show_json_entry(e);
	else
		show_table_row(o, e);
	return VIGIL_OK;
}

static const struct option show_long[] = {
	{ "ascii", no_argument, NULL, 'a' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "bank", required_argument, NULL, OPT_BANK },
	{ "list-algo", required_argument, NULL, OPT_LIST_ALGO },
	{ "big-endian", no_argument, NULL, OPT_BIG_ENDIAN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int show_parse(int argc, char **argv, struct show_opts *o)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, "vh", show_long, NULL)) != -1) {
		if ((r = log_common_opt("log show", opt, optarg, &o->in, NULL, &o->bank))) {
			if (r < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'h': return cli_help(show_help), -1;
		case 'a': o->mode = SHOW_ASCII; break;
		case OPT_JSON: o->mode = SHOW_JSON; break;
		case 'v': o->verbose = true; break;
		default: return cli_usage("log show", "bad option");
		}
	}
	if (o->bank.n > 1)
		return cli_usage("log show", "one --bank at a time");
	if (argc - optind > 1)
		return cli_usage("log show", "one list at a time");
	o->in.path = optind < argc ? argv[optind] : DEFAULT_MLIST;
	return 0;
}

static int show_all(struct show_opts *o, struct vigil_mlist_reader *r)
{
	struct vigil_mlist_entry e;
	struct vigil_error err = { 0 };
	int rc;

	if (o->mode == SHOW_TABLE)
		printf(o->verbose || o->bank.n ? " INDEX PCR TEMPLATE-DIGEST TEMPLATE FILE-DIGEST NAME\n" :
		       " INDEX PCR TEMPLATE   FILE-DIGEST NAME\n");
	while ((rc = vigil_mlist_next(r, &e, &err)) == 1)
		if ((rc = show_entry(o, &e, &err)) != VIGIL_OK)
			break;
	if (rc < 0) {
		cli_error("log show", "%s: %s", o->in.path, err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_log_show(int argc, char **argv)
{
	struct show_opts o = { .in = { .list_algo = -1 } };
	struct vigil_mlist_reader *r = NULL;
	struct vigil_error err = { 0 };
	struct report rep = { .cmd = "log show" };
	int rc;

	if ((rc = show_parse(argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if (o.bank.n && vigil_hash_new(o.bank.algos[0], &o.ctx, &err) != VIGIL_OK) {
		cli_error("log show", "%s", err.msg);
		return EXIT_USAGE;
	}
	if ((rc = log_open("log show", &o.in, &r)) == 0)
		rc = show_all(&o, r);
	vigil_mlist_reader_free(r);
	vigil_hash_free(o.ctx);
	return report_exit(&rep, rc);
}

/* ---------------------------------------------------------- boot-aggregate */

static const char ba_help[] =
	"Usage: vigil boot-aggregate [--eventlog FILE | --pcrs FILE... | --tpm] [OPTION]...\n"
	"Compute IMA's boot_aggregate, the file digest of the first entry of the\n"
	"measurement list: H(PCR0 || ... || PCR7) for sha1, H(PCR0 || ... || PCR9) for\n"
	"the other banks.  Printed as ALGO:HEX, as evmctl ima_boot_aggregate does.\n"
	"\n"
	"Options:\n"
	"      --eventlog FILE   replay the firmware's TCG event log (default\n"
	"                        " DEFAULT_EVENTLOG ")\n"
	"      --pcrs FILE       PCR values: \"PCR-NN: HEX\" lines or tpm2_pcrread output;\n"
	"                        \"ALGO,FILE\" names the bank (repeatable)\n"
	"      --tpm             read the PCRs from the TPM (tpm2-tss)\n"
	"      --tcti CONF       the TCTI for --tpm\n"
	"      --bank ALGO       the bank to use (repeatable: one line each)\n"
	"      --all             every bank that has the PCRs\n"
	"      --hash-algo ALGO  IMA's hash algorithm (ima_hash=; default sha256): the\n"
	"                        kernel uses that bank if the TPM has it, else sha256,\n"
	"                        else sha1, which is the default choice here\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 printed, 2 an error (unreadable input, a bank or PCR missing).\n";

enum { OPT_EVENTLOG = OPT_FIRST_CMD, OPT_ALL, OPT_HASH_ALGO };

static const struct option ba_long[] = {
	{ "eventlog", required_argument, NULL, OPT_EVENTLOG },
	{ "pcrs", required_argument, NULL, OPT_PCRS },
	{ "tpm", no_argument, NULL, OPT_TPM },
	{ "tcti", required_argument, NULL, OPT_TCTI },
	{ "bank", required_argument, NULL, OPT_BANK },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "hash-algo", required_argument, NULL, OPT_HASH_ALGO },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct ba_opts {
	struct log_input unused;
	struct log_pcrs pcrs;
	struct log_banks banks;
	const char *eventlog;
	bool all;
	int ima_hash;
};

static int ba_parse(int argc, char **argv, struct ba_opts *o)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, "h", ba_long, NULL)) != -1) {
		if ((r = log_common_opt("boot-aggregate", opt, optarg, &o->unused, &o->pcrs, &o->banks))) {
			if (r < 0)
				return EXIT_USAGE;
			continue;
		}
		switch (opt) {
		case 'h': return cli_help(ba_help), -1;
		case OPT_EVENTLOG: o->eventlog = optarg; break;
		case OPT_ALL: o->all = true; break;
		case OPT_HASH_ALGO:
			if (opt_algo("boot-aggregate", optarg, &o->ima_hash))
				return EXIT_USAGE;
			break;
		default: return cli_usage("boot-aggregate", "bad option");
		}
	}
	if (optind < argc)
		return cli_usage("boot-aggregate", "unexpected argument '%s'", argv[optind]);
	if (o->eventlog && (o->pcrs.nfiles || o->pcrs.tpm))
		return cli_usage("boot-aggregate", "--eventlog excludes --pcrs and --tpm");
	if (o->all && o->banks.n)
		return cli_usage("boot-aggregate", "--all excludes --bank");
	if (!o->eventlog && !o->pcrs.nfiles && !o->pcrs.tpm)
		o->eventlog = DEFAULT_EVENTLOG;
	return 0;
}

static int ba_eventlog(const char *path, struct vigil_pcrs *pcrs)
{
	struct vigil_error err = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = vigil_evlog_load(path, &buf, &len, &err);

	if (rc == VIGIL_OK)
		rc = vigil_evlog_replay(buf, len, pcrs, NULL, &err);
	free(buf);
	if (rc != VIGIL_OK) {
		cli_error("boot-aggregate", "%s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

static int ba_print(const struct vigil_pcrs *pcrs, int algo)
{
	struct vigil_error err = { 0 };
	struct vigil_digest d;

	if (vigil_boot_aggregate(pcrs, algo, &d, &err) != VIGIL_OK) {
		cli_error("boot-aggregate", "%s bank: %s", algo_name(algo), err.msg);
		return EXIT_USAGE;
	}
	printf("%s:", algo_name(algo));
	print_hex(stdout, d.bytes, d.len);
	putchar('\n');
	return 0;
}

/* --all: the banks that have what the aggregate needs. */
static int ba_all(const struct vigil_pcrs *pcrs)
{
	struct vigil_digest d;
	int printed = 0;

	for (unsigned i = 0; i < pcrs->nbanks; i++) {
		int algo = pcrs->banks[i].algo;

		if (vigil_hash_available(algo) && vigil_boot_aggregate(pcrs, algo, &d, NULL) == VIGIL_OK)
			printed += ba_print(pcrs, algo) == 0;
	}
	if (printed)
		return 0;
	cli_error("boot-aggregate", "no bank holds PCRs 0-7 (sha1) or 0-9");
	return EXIT_USAGE;
}

int cmd_boot_aggregate(int argc, char **argv)
{
	struct ba_opts o = { .ima_hash = VIGIL_HASH_SHA256 };
	struct report rep = { .cmd = "boot-aggregate" };
	int rc, algo;

	if ((rc = ba_parse(argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if (o.eventlog) {
		if (ba_eventlog(o.eventlog, &o.pcrs.pcrs))
			return EXIT_USAGE;
	} else if (log_load_pcrs("boot-aggregate", &o.pcrs)) {
		return EXIT_USAGE;
	}
	if (o.all)
		return report_exit(&rep, ba_all(&o.pcrs.pcrs));
	if (o.banks.n == 0) {
		if ((algo = vigil_boot_aggregate_bank(&o.pcrs.pcrs, o.ima_hash)) < 0) {
			cli_error("boot-aggregate", "no sha1 or sha256 bank, nor one of %s",
				  algo_name(o.ima_hash));
			return EXIT_USAGE;
		}
		o.banks.algos[o.banks.n++] = algo;
	}
	for (unsigned i = 0; i < o.banks.n && rc == 0; i++)
		rc = ba_print(&o.pcrs.pcrs, o.banks.algos[i]);
	return report_exit(&rep, rc);
}
