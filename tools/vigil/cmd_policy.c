/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil policy: check (validate as the kernel would, then lint), show (the
 * canonical or the kernel's exact form), simulate (in policy_simulate.c).
 * The policy language itself is libvigil's; this file only reads, reports
 * and maps findings to exit codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "policy_cmd.h"

static const char policy_help[] =
	"Usage: vigil policy check [OPTION]... FILE...\n"
	"       vigil policy show [--kernel] FILE | --builtin NAME[|NAME...]\n"
	"       vigil policy simulate --policy FILE | --builtin NAMES [OPTION]... TREE...\n"
	"Work with IMA policies written in the kernel's policy language (the text\n"
	"written to /sys/kernel/security/ima/policy, and what vigild loads).\n"
	"\n"
	"Commands:\n"
	"  check     validate policies exactly as the kernel parses them, reporting\n"
	"            every invalid rule with FILE:LINE:COLUMN, then warn about rules\n"
	"            that cannot do what they seem to (shadowed, never matching, too\n"
	"            broad, unsigned appraisal of executables, unobservable hooks)\n"
	"  show      print a policy, or the kernel's built-in ones (tcb, appraise_tcb,\n"
	"            ...), in canonical form or as the kernel's policy file shows it\n"
	"  simulate  walk trees and say, file by file, which rules would measure and\n"
	"            appraise it on exec, exec-mmap and read, what appraisal would\n"
	"            conclude today, and which files enforcing appraisal would block\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n"
	"\n"
	"Run 'vigil policy COMMAND --help' for the options of a command.\n"
	"See vigil-policy(1) for the details.\n";

/* ---- reading policies ---- */

/* Reads all of fd, at most VIGIL_POLICY_MAX_BYTES + 1 bytes (one more tells "too big"). */
static int read_all(int fd, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t got;

	if (!buf)
		return -1;
	for (;;) {
		if (n == cap) {
			char *grown;

			if (cap > VIGIL_POLICY_MAX_BYTES)
				break;
			cap *= 2;
			if (!(grown = realloc(buf, cap + 1))) {
				free(buf);
				return -1;
			}
			buf = grown;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* The name diagnostics use for path. */
static const char *source_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* Prints its own error; 0 or EXIT_USAGE. */
static int policy_read(const char *cmd, const char *path, char **text, size_t *len)
{
	bool in = strcmp(path, "-") == 0;
	int fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int rc = fd < 0 ? -1 : read_all(fd, text, len);
	int e = errno;

	if (fd >= 0 && !in)
		close(fd);
	if (rc < 0) {
		cli_error(cmd, "cannot read %s: %s", source_name(path), strerror(e));
		return EXIT_USAGE;
	}
	if (*len > VIGIL_POLICY_MAX_BYTES) {
		cli_error(cmd, "%s: larger than %u bytes: not a policy", source_name(path),
			  VIGIL_POLICY_MAX_BYTES);
		free(*text);
		return EXIT_USAGE;
	}
	return 0;
}

static void print_diags_brief(FILE *f, const struct vigil_policy_diags *d)
{
	char line[VIGIL_ERROR_MSG_MAX + 1024];

	for (size_t i = 0; i < d->count; i++) {
		vigil_policy_diag_format(d, i, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
}

/* Parses FILE; on VIGIL_ERR_INVALID the diagnostics stay in d for the caller. */
static int parse_source(const char *cmd, const char *path, const char *text, size_t len,
			struct vigil_policy **out, struct vigil_policy_diags *d)
{
	struct vigil_error err = { 0 };
	int rc = vigil_policy_parse(text, len, source_name(path), out, d, &err);

	if (rc != VIGIL_OK && rc != VIGIL_ERR_INVALID)
		cli_error(cmd, "%s", err.msg);
	return rc;
}

int policy_load(const char *cmd, const char *file, const char *builtin,
		struct vigil_policy **out)
{
	struct vigil_policy_diags d = { 0 };
	struct vigil_error err = { 0 };
	char *text;
	size_t len;
	int rc;

	if (builtin) {
		if (vigil_policy_builtin(builtin, out, &err) == VIGIL_OK)
			return 0;
		return cli_usage(cmd, "%s", err.msg);
	}
	if (policy_read(cmd, file, &text, &len))
		return EXIT_USAGE;
	rc = parse_source(cmd, file, text, len, out, &d);
	if (rc == VIGIL_ERR_INVALID) {
		fflush(stdout);
		print_diags_brief(stderr, &d);
		fprintf(stderr, "vigil %s: %s: invalid policy (%zu rule%s rejected): refused whole, "
			"as the kernel would\n", cmd, source_name(file), d.count,
			d.count == 1 ? "" : "s");
	}
	vigil_policy_diags_free(&d);
	free(text);
	return rc == VIGIL_OK ? 0 : EXIT_USAGE;
}

/* ---- vigil policy check ---- */

static const char check_help[] =
	"Usage: vigil policy check [OPTION]... FILE...\n"
	"Validate IMA policy files as the kernel parses them, then lint them.\n"
	"FILE \"-\" reads standard input.\n"
	"\n"
	"Validation follows the kernel: one rule a line, '#' only at the start of a\n"
	"line, every keyword, value and per-func restriction checked.  Like the\n"
	"kernel, a policy with any invalid rule is refused whole; check reports every\n"
	"invalid rule (the first problem of each) as\n"
	"  FILE:LINE:COLUMN: error: 'TOKEN': why\n"
	"followed by the line with a caret under the token.\n"
	"\n"
	"A valid policy is then linted; findings are warnings, or notes (\"info\")\n"
	"that do not change the exit status:\n"
	"  - rules that can never match (contradictory conditions, a func that never\n"
	"    asks the rule's mask, an fsname that is not the fsmagic's filesystem)\n"
	"  - rules shadowed by an earlier rule of the same action pair that always\n"
	"    decides first\n"
	"  - measure or appraise rules that reach pseudo filesystems or tmpfs (proc,\n"
	"    sysfs, tmpfs, ...: the \"policy too broad\" mistake)\n"
	"  - appraisal of executables (BPRM_CHECK, MMAP_CHECK) without\n"
	"    appraise_type=imasig, which a rewritten hash defeats\n"
	"  - funcs the observer cannot see (see --observable)\n"
	"  - notes: unknown fsmagic values, options the kernel accepts but ignores,\n"
	"    templates lacking a field the rule needs, an empty policy\n"
	"\n"
	"Options:\n"
	"      --observable SET   the funcs that will be enforced, for the\n"
	"                         unobservable-func warning: \"fanotify\" (default: what\n"
	"                         vigild sees: FILE_CHECK, BPRM_CHECK, MMAP_CHECK),\n"
	"                         \"all\" (the kernel's IMA sees every func), or a\n"
	"                         comma-separated list of those words and func names\n"
	"  -q, --quiet            only the diagnostics, one line each: no source lines\n"
	"                         and no per-file summary\n"
	"      --json             one JSON document on standard output\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 every policy is valid and clean (notes allowed), 1 valid but\n"
	"with warnings, 2 a policy is invalid, a file cannot be read, or a usage\n"
	"error.\n"
	"\n"
	"Examples:\n"
	"  vigil policy check /etc/ima/ima-policy\n"
	"  vigil policy check --observable all --json my.policy\n"
	"  vigil policy show --builtin tcb | vigil policy check -\n";

struct check_opts {
	uint32_t observable;
	bool json, quiet;
	bool any; /* JSON: a policy was written */
};

struct check_counts {
	unsigned long policies, clean, warned, invalid, unreadable;
};

/* Line starts of a policy text, to quote the line a diagnostic is about. */
struct source {
	const char *text;
	size_t len;
	size_t *starts;
	size_t nlines;
};

static int source_index(struct source *s, const char *text, size_t len)
{
	size_t n = 1, i;

	s->text = text;
	s->len = len;
	for (i = 0; i < len; i++)
		n += text[i] == '\n';
	if (!(s->starts = malloc(n * sizeof(*s->starts))))
		return -1;
	s->starts[0] = 0;
	s->nlines = 1;
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			s->starts[s->nlines++] = i + 1;
	return 0;
}

/* "   12 | rule" and, under the column, "      |     ^". */
static void quote_line(const struct source *s, unsigned line, unsigned col)
{
	size_t start, end, i;

	if (!line || line > s->nlines)
		return;
	start = s->starts[line - 1];
	end = line < s->nlines ? s->starts[line] - 1 : s->len;
	printf("%5u | ", line);
	/* control bytes (a NUL, the CR of CRLF) would garble the terminal */
	for (i = start; i < end; i++)
		putchar((unsigned char)s->text[i] < 0x20 && s->text[i] != '\t' ? '?' :
			s->text[i] == 0x7f ? '?' : s->text[i]);
	putchar('\n');
	if (!col)
		return;
	fputs("      | ", stdout);
	/* tabs kept and UTF-8 continuation bytes skipped, so the caret lines up */
	for (i = start; i < start + col - 1 && i < end; i++)
		if (((unsigned char)s->text[i] & 0xc0) != 0x80)
			putchar(s->text[i] == '\t' ? '\t' : ' ');
	puts("^");
}

static int by_line(const void *a, const void *b, void *arg)
{
	const struct vigil_policy_diags *d = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (d->items[i].line != d->items[j].line)
		return d->items[i].line < d->items[j].line ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Diagnostics in line order (lint reports by rule, not always by line). */
static size_t *sorted_diags(const struct vigil_policy_diags *d)
{
	size_t *order = malloc((d->count ? d->count : 1) * sizeof(*order));

	if (!order)
		return NULL;
	for (size_t i = 0; i < d->count; i++)
		order[i] = i;
	qsort_r(order, d->count, sizeof(*order), by_line, (void *)d);
	return order;
}

static const char *diag_code_name(int code)
{
	switch (code) {
	case VIGIL_PE_UNKNOWN_TOKEN: return "unknown-token";
	case VIGIL_PE_DUPLICATE: return "duplicate";
	case VIGIL_PE_BAD_VALUE: return "bad-value";
	case VIGIL_PE_NOT_ALLOWED: return "not-allowed";
	case VIGIL_PE_MISSING: return "missing";
	case VIGIL_PE_ORDER: return "order";
	case VIGIL_LINT_SHADOWED: return "shadowed";
	case VIGIL_LINT_NEVER_MATCHES: return "never-matches";
	case VIGIL_LINT_PSEUDO_FS: return "pseudo-fs";
	case VIGIL_LINT_APPRAISE_NO_SIG: return "appraise-without-signature";
	case VIGIL_LINT_UNOBSERVABLE: return "unobservable";
	case VIGIL_LINT_UNKNOWN_FSMAGIC: return "unknown-fsmagic";
	case VIGIL_LINT_IGNORED: return "ignored";
	case VIGIL_LINT_TEMPLATE: return "template";
	case VIGIL_LINT_EMPTY: return "empty";
	}
	return "other";
}

static const char *severity_name(int s)
{
	return s == VIGIL_DIAG_ERROR ? "error" : s == VIGIL_DIAG_WARNING ? "warning" : "info";
}

static unsigned count_severity(const struct vigil_policy_diags *d, int severity)
{
	unsigned n = 0;

	for (size_t i = 0; i < d->count; i++)
		n += d->items[i].severity == severity;
	return n;
}

/* ---- check: reporting one policy ---- */

struct checked {
	const char *name;
	const struct vigil_policy_diags *d;
	const struct source *src;
	size_t rules;
	bool invalid;
};

static const char *plural(unsigned long n)
{
	return n == 1 ? "" : "s";
}

static void check_text_summary(const struct checked *c)
{
	unsigned w = count_severity(c->d, VIGIL_DIAG_WARNING);
	unsigned n = count_severity(c->d, VIGIL_DIAG_INFO);

	if (c->invalid) {
		printf("%s: invalid: %zu rule%s rejected; the policy is refused whole (the "
		       "kernel would load none of it)\n", c->name, c->d->count,
		       plural(c->d->count));
		return;
	}
	printf("%s: %zu rule%s", c->name, c->rules, plural(c->rules));
	if (!w && !n)
		puts(": ok");
	else
		printf(", %u warning%s, %u note%s\n", w, plural(w), n, plural(n));
}

static void check_text(const struct check_opts *o, const struct checked *c)
{
	char line[VIGIL_ERROR_MSG_MAX + 1024];
	size_t *order = sorted_diags(c->d);

	for (size_t k = 0; k < c->d->count; k++) {
		size_t i = order ? order[k] : k;

		vigil_policy_diag_format(c->d, i, line, sizeof(line));
		puts(line);
		if (!o->quiet && c->src)
			quote_line(c->src, c->d->items[i].line, c->d->items[i].column);
	}
	free(order);
	if (!o->quiet)
		check_text_summary(c);
}

static void check_json_diag(const struct vigil_policy_diag *g)
{
	printf("{\"line\":%u,\"column\":%u", g->line, g->column);
	json_kv_str(stdout, "severity", severity_name(g->severity));
	json_kv_str(stdout, "code", diag_code_name(g->code));
	json_kv_str(stdout, "message", g->msg);
	putchar('}');
}

static void check_json(struct check_opts *o, const struct checked *c, const char *status)
{
	size_t *order = c->d ? sorted_diags(c->d) : NULL;

	printf("%s\n{\"file\":", o->any ? "," : "");
	o->any = true;
	json_str(stdout, c->name);
	json_kv_str(stdout, "status", status);
	if (c->d) {
		if (!c->invalid)
			json_kv_uint(stdout, "rules", c->rules);
		json_kv_uint(stdout, "errors", count_severity(c->d, VIGIL_DIAG_ERROR));
		json_kv_uint(stdout, "warnings", count_severity(c->d, VIGIL_DIAG_WARNING));
		json_kv_uint(stdout, "notes", count_severity(c->d, VIGIL_DIAG_INFO));
		fputs(",\"diagnostics\":[", stdout);
		for (size_t k = 0; k < c->d->count; k++) {
			if (k)
				putchar(',');
			check_json_diag(&c->d->items[order ? order[k] : k]);
		}
		putchar(']');
	}
	putchar('}');
	free(order);
}

/* ---- check: one policy ---- */

/* Lints a valid policy into d; 0 or EXIT_USAGE. */
static int lint(const struct check_opts *o, const struct vigil_policy *p,
		struct vigil_policy_diags *d)
{
	struct vigil_error err = { 0 };

	if (vigil_policy_lint(p, o->observable, d, &err) != VIGIL_OK) {
		cli_error("policy check", "%s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

static int check_unreadable(struct check_opts *o, struct check_counts *n, const char *path)
{
	struct checked c = { .name = source_name(path) };

	n->unreadable++;
	if (o->json)
		check_json(o, &c, "error");
	return EXIT_USAGE;
}

/* The exit status for this policy: 0, 1 or 2. */
static int check_one(struct check_opts *o, struct check_counts *n, const char *path)
{
	struct vigil_policy_diags d = { 0 };
	struct vigil_policy *p = NULL;
	struct source src = { 0 };
	struct checked c = { .name = source_name(path), .d = &d };
	const char *status;
	char *text;
	size_t len;
	int rc, worst;

	if (policy_read("policy check", path, &text, &len))
		return check_unreadable(o, n, path);
	rc = parse_source("policy check", path, text, len, &p, &d);
	if ((rc != VIGIL_OK && rc != VIGIL_ERR_INVALID) || (p && lint(o, p, &d))) {
		vigil_policy_free(p);
		vigil_policy_diags_free(&d);
		free(text);
		return check_unreadable(o, n, path);
	}
	c.invalid = rc == VIGIL_ERR_INVALID;
	c.rules = p ? vigil_policy_count(p) : 0;
	c.src = source_index(&src, text, len) == 0 ? &src : NULL;
	worst = vigil_policy_diags_worst(&d);
	rc = c.invalid ? 2 : worst >= VIGIL_DIAG_WARNING ? 1 : 0;
	status = rc == 2 ? "invalid" : rc == 1 ? "warnings" : "clean";
	if (o->json)
		check_json(o, &c, status);
	else
		check_text(o, &c);
	n->invalid += rc == 2;
	n->warned += rc == 1;
	n->clean += rc == 0;
	free(src.starts);
	vigil_policy_free(p);
	vigil_policy_diags_free(&d);
	free(text);
	return rc;
}

/* "fanotify", "all" and func names, comma-separated. */
static int parse_observable(const char *arg, uint32_t *set)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int rc = 0, func;

	if (!copy)
		return cli_usage("policy check", "out of memory");
	*set = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "fanotify") == 0)
			*set |= VIGIL_POLICY_FUNCS_FANOTIFY;
		else if (strcmp(tok, "all") == 0)
			*set |= VIGIL_POLICY_FUNCS_ALL;
		else if ((func = vigil_policy_func_by_name(tok)) > VIGIL_FUNC_NONE)
			*set |= VIGIL_FUNC_BIT(func);
		else
			rc = cli_usage("policy check", "bad --observable '%s': want fanotify, all or "
				       "func names (FILE_CHECK, MODULE_CHECK, ...)", tok);
	}
	free(copy);
	if (!rc && !*set)
		rc = cli_usage("policy check", "empty --observable");
	return rc;
}

enum { OPT_OBSERVABLE = OPT_FIRST_CMD, OPT_BUILTIN, OPT_KERNEL };

static const struct option check_long[] = {
	{ "observable", required_argument, NULL, OPT_OBSERVABLE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* 0 to run, -1 after --help, EXIT_USAGE. */
static int check_parse(int argc, char **argv, struct check_opts *o)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "qh", check_long, NULL)) != -1) {
		switch (opt) {
		case 'h': return cli_help(check_help) ? EXIT_USAGE : -1;
		case 'q': o->quiet = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_OBSERVABLE:
			if (parse_observable(optarg, &o->observable))
				return EXIT_USAGE;
			break;
		default: return cli_usage("policy check", "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage("policy check", "no policy files given");
	return 0;
}

static void check_json_finish(const struct check_counts *n)
{
	printf("\n],\"summary\":{\"policies\":%lu,\"clean\":%lu,\"warnings\":%lu,"
	       "\"invalid\":%lu,\"errors\":%lu}}\n", n->policies, n->clean, n->warned,
	       n->invalid, n->unreadable);
}

static int policy_check(int argc, char **argv)
{
	struct check_opts o = { .observable = VIGIL_POLICY_FUNCS_FANOTIFY };
	struct report rep = { .cmd = "policy check" };
	struct check_counts n = { 0 };
	int rc, worst = 0, i;

	if ((rc = check_parse(argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if (o.json)
		fputs("{\"command\":\"policy check\",\"policies\":[", stdout);
	for (i = optind; i < argc; i++, n.policies++) {
		rc = check_one(&o, &n, argv[i]);
		worst = rc > worst ? rc : worst;
	}
	if (o.json)
		check_json_finish(&n);
	return report_exit(&rep, worst);
}

/* ---- vigil policy show ---- */

static const char show_help[] =
	"Usage: vigil policy show [--kernel] FILE\n"
	"       vigil policy show [--kernel] --builtin NAME[|NAME...]\n"
	"Print a policy in canonical form: one rule a line, the kernel's order of\n"
	"conditions and options, numbers spelt as the kernel prints them, comments\n"
	"and blank lines dropped.  The output parses back to the same rules.  FILE\n"
	"\"-\" reads standard input; an invalid policy is reported as by\n"
	"'vigil policy check' and nothing is printed.\n"
	"\n"
	"Options:\n"
	"  -b, --builtin NAMES  a built-in policy, as the kernel's ima_policy= boot\n"
	"                       parameter names them: tcb, ima_tcb, appraise_tcb,\n"
	"                       secure_boot, critical_data, fail_securely (no rules);\n"
	"                       several joined by '|' (\"tcb|appraise_tcb\") give the\n"
	"                       rules in the kernel's order\n"
	"  -K, --kernel         the exact bytes the kernel's\n"
	"                       /sys/kernel/security/ima/policy shows for the policy\n"
	"                       (a blank before each newline, its own option order),\n"
	"                       to diff against a running system; not guaranteed to\n"
	"                       parse back\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 printed, 2 an invalid or unreadable policy or a usage error.\n"
	"\n"
	"Examples:\n"
	"  vigil policy show --builtin 'tcb|appraise_tcb'\n"
	"  vigil policy show --kernel /etc/ima/ima-policy | diff - /sys/kernel/security/ima/policy\n";

static const struct option show_long[] = {
	{ "builtin", required_argument, NULL, 'b' },
	{ "kernel", no_argument, NULL, 'K' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int show_print(const struct vigil_policy *p, unsigned flags)
{
	struct report rep = { .cmd = "policy show" };
	struct vigil_error err = { 0 };
	char *out;
	size_t len;

	if (vigil_policy_print(p, flags, &out, &len, &err) != VIGIL_OK) {
		cli_error("policy show", "%s", err.msg);
		return EXIT_USAGE;
	}
	fwrite(out, 1, len, stdout);
	free(out);
	return report_exit(&rep, 0);
}

static int policy_show(int argc, char **argv)
{
	const char *builtin = NULL, *file = NULL;
	struct vigil_policy *p;
	unsigned flags = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "b:Kh", show_long, NULL)) != -1) {
		switch (opt) {
		case 'h': return cli_help(show_help);
		case 'b': builtin = optarg; break;
		case 'K': flags |= VIGIL_POLICY_PRINT_KERNEL; break;
		default: return cli_usage("policy show", "bad option");
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		return cli_usage("policy show", "one policy at a time");
	if (!file == !builtin)
		return cli_usage("policy show", "give a policy FILE (\"-\" for standard input) or "
				 "--builtin NAMES, not both");
	if (policy_load("policy show", file, builtin, &p))
		return EXIT_USAGE;
	rc = show_print(p, flags);
	vigil_policy_free(p);
	return rc;
}

/* ---- dispatch ---- */

int cmd_policy(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		fputs("vigil policy: no command given\n", stderr);
		fputs(policy_help, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)
		return cli_help(policy_help);
	if (strcmp(sub, "check") == 0)
		return policy_check(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return policy_show(argc - 1, argv + 1);
	if (strcmp(sub, "simulate") == 0)
		return policy_simulate(argc - 1, argv + 1);
	fprintf(stderr, "vigil policy: unknown command '%s'\n", sub);
	fputs(policy_help, stderr);
	return EXIT_USAGE;
}
