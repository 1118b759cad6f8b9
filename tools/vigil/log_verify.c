/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil log verify: replay, template-digest check and reference
 * verification of every entry, optionally resuming from a saved state so
 * that a growing list is verified one new part at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define MAX_REFS 16
#define STATE_FILE_MAX (64u << 20)
#define STATE_MAGIC "vigil-log-verify-state 1"

static const char verify_help[] =
	"Usage: vigil log verify [OPTION]... [FILE]\n"
	"Verify a binary measurement list (default " DEFAULT_MLIST "):\n"
	"replay it (see vigil log replay), check every stored template digest, and\n"
	"check each entry against references: its signature (ima-sig, ima-sigv2;\n"
	"the appended PKCS#7 of ima-modsig) with trusted keys, its digest against\n"
	"allowlists, keys it measured (ima-buf) against the allowlist's keyrings.\n"
	"\n"
	"References:\n"
	"  -k, --keys KEYS       trusted keys: certificates or public keys, a directory,\n"
	"                        or a comma-separated list of both\n"
	"      --allowlist FILE  sha256sum-style \"HEX  PATH\" lines (\"ALGO:HEX  PATH\"\n"
	"                        and BSD \"ALGO (PATH) = HEX\" too; repeatable)\n"
	"      --policy FILE     a Keylime runtime policy (JSON; repeatable)\n"
	"      --require-reference  entries nothing vouches for fail (implied by\n"
	"                        --allowlist and --policy)\n"
	"      --ignore-violations  violations do not fail\n"
	"\n"
	"PCRs and list:\n"
	"      --pcrs FILE       expected PCRs (see vigil log replay; repeatable);\n"
	"                        boot_aggregate entries are also checked against them\n"
	"      --tpm, --tcti CONF  read the expected PCRs from the TPM\n"
	"      --bank ALGO       replay this bank (repeatable)\n"
	"      --list-algo ALGO, --big-endian  how to read the list\n"
	"      --state FILE      resume from FILE if it exists (only the entries after\n"
	"                        it are read and checked) and save the new state to it\n"
	"\n"
	"Output:\n"
	"      --json            one JSON object on standard output\n"
	"  -q, --quiet           print failing entries and the result only\n"
	"  -v, --verbose         print every entry's verdict\n"
	"  -h, --help            show this help\n"
	"\n"
	"Verdicts: ok, excluded, no-reference, digest-mismatch, bad-signature,\n"
	"unknown-key, unsupported, violation; and template-digest-mismatch when the\n"
	"stored template digest does not match the entry.  A signature that fails\n"
	"still passes when an allowlist holds the entry's digest (as Keylime does).\n"
	"\n"
	"Exit status: 0 every entry passed (and the PCRs match, when given), 1 a\n"
	"failure, 2 an error (bad input, unreadable references or state).\n";

struct verify_opts {
	struct log_input in;
	struct log_pcrs pcrs;
	struct log_banks banks;
	const char *keys, *state;
	const char *allow[MAX_REFS], *policy[MAX_REFS];
	unsigned nallow, npolicy;
	bool json, quiet, verbose, ignore_violations, require_reference;
};

/* Identifies the last verified entry, to recognise the same list when resuming. */
struct last_entry {
	bool have;
	uint64_t index, offset;
	uint32_t size;
	size_t digest_len;
	uint8_t digest[VIGIL_MAX_DIGEST];
};

struct verify_ctx {
	struct verify_opts *o;
	struct vigil_keyset *keys;
	struct vigil_refdb *db;
	struct vigil_refcheck *rc;
	struct vigil_replay *rp;
	struct vigil_mlist_reader *r;
	uint64_t checked_now;
	bool have_tm; /* first template-digest mismatch, kept in the state */
	uint64_t tm_index, tm_offset;
	struct last_entry last; /* the last entry read, kept in the state */
	bool any_entry; /* JSON: an entry was written */
};

enum {
	OPT_KEYS = OPT_FIRST_CMD,
	OPT_ALLOWLIST,
	OPT_POLICY,
	OPT_STATE,
	OPT_REQUIRE_REFERENCE,
};

static const struct option verify_long[] = {
	{ "keys", required_argument, NULL, 'k' },
	{ "key", required_argument, NULL, 'k' },
	{ "allowlist", required_argument, NULL, OPT_ALLOWLIST },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "require-reference", no_argument, NULL, OPT_REQUIRE_REFERENCE },
	{ "ignore-violations", no_argument, NULL, OPT_IGNORE_VIOLATIONS },
	{ "pcrs", required_argument, NULL, OPT_PCRS },
	{ "tpm", no_argument, NULL, OPT_TPM },
	{ "tcti", required_argument, NULL, OPT_TCTI },
	{ "bank", required_argument, NULL, OPT_BANK },
	{ "list-algo", required_argument, NULL, OPT_LIST_ALGO },
	{ "big-endian", no_argument, NULL, OPT_BIG_ENDIAN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int add_ref(const char **list, unsigned *n, const char *path)
{
	if (*n == MAX_REFS)
		return cli_usage("log verify", "at most %d allowlists and %d policies", MAX_REFS,
				 MAX_REFS);
	list[(*n)++] = path;
	return 0;
}

static int verify_opt(struct verify_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 'h': return cli_help(verify_help), -1;
	case 'k': o->keys = arg; return 0;
	case 'q': o->quiet = true; return 0;
	case 'v': o->verbose = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_ALLOWLIST: return add_ref(o->allow, &o->nallow, arg);
	case OPT_POLICY: return add_ref(o->policy, &o->npolicy, arg);
	case OPT_STATE: o->state = arg; return 0;
	case OPT_REQUIRE_REFERENCE: o->require_reference = true; return 0;
	case OPT_IGNORE_VIOLATIONS: o->ignore_violations = true; return 0;
	}
	return cli_usage("log verify", "bad option");
}

static int verify_parse(int argc, char **argv, struct verify_opts *o)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, "k:qvh", verify_long, NULL)) != -1) {
		if ((r = log_common_opt("log verify", opt, optarg, &o->in, &o->pcrs, &o->banks))) {
			if (r < 0)
				return EXIT_USAGE;
			continue;
		}
		if ((r = verify_opt(o, opt, optarg)) != 0)
			return r;
	}
	if (argc - optind > 1)
		return cli_usage("log verify", "one list at a time");
	o->in.path = optind < argc ? argv[optind] : DEFAULT_MLIST;
	return 0;
}

/* ------------------------------------------------------------------ set-up */

static int load_refs(struct verify_ctx *c)
{
	struct verify_opts *o = c->o;
	struct vigil_error err = { 0 };
	unsigned flags = 0;

	if (o->keys && load_keyset("log verify", o->keys, &c->keys))
		return EXIT_USAGE;
	if (o->nallow || o->npolicy) {
		if (vigil_refdb_new(&c->db, &err) != VIGIL_OK)
			goto fail;
		for (unsigned i = 0; i < o->nallow; i++)
			if (vigil_refdb_load_path(c->db, o->allow[i], false, &err) != VIGIL_OK)
				goto fail;
		for (unsigned i = 0; i < o->npolicy; i++)
			if (vigil_refdb_load_path(c->db, o->policy[i], true, &err) != VIGIL_OK)
				goto fail;
	}
	if (o->require_reference || c->db)
		flags |= VIGIL_REFCHECK_REQUIRE_REFERENCE;
	if (o->ignore_violations)
		flags |= VIGIL_REFCHECK_IGNORE_VIOLATIONS;
	if (vigil_refcheck_new(c->db, c->keys, flags, &c->rc, &err) != VIGIL_OK)
		goto fail;
	if (o->pcrs.loaded)
		vigil_refcheck_set_pcrs(c->rc, &o->pcrs.pcrs);
	return 0;
fail:
	cli_error("log verify", "%s", err.msg);
	return EXIT_USAGE;
}

/* ------------------------------------------------------------------- state */

/* The whole file; *text NULL when it does not exist yet. */
static int state_read(const char *path, char **text, size_t *len)
{
	FILE *fp = fopen(path, "re");
	char *buf;

	*text = NULL;
	if (!fp && errno == ENOENT)
		return 0;
	if (!fp) {
		cli_error("log verify", "state %s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	buf = malloc(STATE_FILE_MAX + 1);
	*len = buf ? fread(buf, 1, STATE_FILE_MAX + 1, fp) : 0;
	if (!buf || ferror(fp) || *len > STATE_FILE_MAX) {
		cli_error("log verify", "state %s: %s", path, !buf ? "out of memory" :
			  ferror(fp) ? strerror(errno) : "too big");
		free(buf);
		fclose(fp);
		return EXIT_USAGE;
	}
	fclose(fp);
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

struct state_parts {
	const char *replay, *ref;
	size_t replay_len, ref_len;
};

/* "KEY N\n" then N bytes; advances *p. */
static bool take_part(const char **p, const char *end, const char *key, const char **part,
		      size_t *len)
{
	size_t k = strlen(key);
	char *e;
	unsigned long long n;

	if ((size_t)(end - *p) <= k + 1 || memcmp(*p, key, k) != 0 || (*p)[k] != ' ')
		return false;
	n = strtoull(*p + k + 1, &e, 10);
	if (e == *p + k + 1 || *e != '\n' || n > (unsigned long long)(end - e - 1))
		return false;
	*part = e + 1;
	*len = (size_t)n;
	*p = e + 1 + n;
	return true;
}

static bool parse_tm(struct verify_ctx *c, const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	unsigned long long i, o;
	char line[96];

	if (!nl || (size_t)(nl - *p) >= sizeof(line))
		return false;
	memcpy(line, *p, (size_t)(nl - *p));
	line[nl - *p] = '\0';
	*p = nl + 1;
	if (strcmp(line, "template-mismatch none") == 0)
		return true;
	if (sscanf(line, "template-mismatch %llu %llu", &i, &o) != 2)
		return false;
	c->have_tm = true;
	c->tm_index = i;
	c->tm_offset = o;
	return true;
}

/* "last none" or "last INDEX OFFSET SIZE HEXDIGEST". */
static bool parse_last(struct verify_ctx *c, const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	unsigned long long i, o;
	unsigned size;
	char line[256], hex[2 * VIGIL_MAX_DIGEST + 2];
	uint8_t d[VIGIL_MAX_DIGEST];
	long n;

	if (!nl || (size_t)(nl - *p) >= sizeof(line))
		return false;
	memcpy(line, *p, (size_t)(nl - *p));
	line[nl - *p] = '\0';
	*p = nl + 1;
	if (strcmp(line, "last none") == 0)
		return true;
	if (sscanf(line, "last %llu %llu %u %129s", &i, &o, &size, hex) != 4 ||
	    (n = vigil_unhex(hex, d, sizeof(d))) <= 0)
		return false;
	c->last = (struct last_entry){ true, i, o, size, (size_t)n, { 0 } };
	memcpy(c->last.digest, d, (size_t)n);
	return true;
}

/* Checks the outer checksum and splits the state into its parts. */
static int state_split(struct verify_ctx *c, const char *text, size_t len, struct state_parts *sp)
{
	static const char sum_key[] = "checksum sha256 ";
	size_t sum_line = sizeof(sum_key) - 1 + 65, magic = strlen(STATE_MAGIC);
	const char *p = text, *end;
	struct vigil_digest d;
	char hex[65];

	if (len < sum_line + magic + 1 || memcmp(text, STATE_MAGIC "\n", magic + 1) != 0)
		return -1;
	end = text + len - sum_line;
	if (memcmp(end, sum_key, sizeof(sum_key) - 1) != 0 || text[len - 1] != '\n' ||
	    vigil_hash_buf(VIGIL_HASH_SHA256, text, (size_t)(end - text), &d, NULL) != VIGIL_OK)
		return -1;
	vigil_hex(d.bytes, d.len, hex);
	if (memcmp(hex, end + sizeof(sum_key) - 1, 64) != 0)
		return -2;
	p += magic + 1;
	if (!parse_tm(c, &p, end) || !parse_last(c, &p, end) || !take_part(&p, end, "replay", &sp->replay, &sp->replay_len) ||
	    !take_part(&p, end, "refcheck", &sp->ref, &sp->ref_len) || p != end)
		return -1;
	return 0;
}

/* The banks of a resumed replay; --bank, if given, must name the same. */
static int check_banks(const struct verify_ctx *c)
{
	struct vigil_pcrs p;
	const struct log_banks *b = &c->o->banks;

	if (b->n == 0)
		return 0;
	vigil_replay_pcrs(c->rp, VIGIL_REPLAY_PER_BANK, &p);
	for (unsigned i = 0; i < b->n; i++)
		if (!vigil_pcrs_find(&p, b->algos[i]) || p.nbanks != b->n)
			return cli_usage("log verify", "--bank differs from the banks of the state "
					 "(remove the state to start over)");
	return 0;
}

static int state_load(struct verify_ctx *c, const char *text, size_t len)
{
	struct vigil_error err = { 0 };
	struct state_parts sp;
	int rc = state_split(c, text, len, &sp);

	if (rc < 0) {
		cli_error("log verify", "state %s: %s", c->o->state, rc == -2 ?
			  "checksum mismatch (truncated or corrupted)" : "not a vigil log verify state");
		return EXIT_USAGE;
	}
	if (vigil_replay_load(sp.replay, sp.replay_len, &c->rp, &err) != VIGIL_OK ||
	    vigil_refcheck_load(c->rc, sp.ref, sp.ref_len, &err) != VIGIL_OK) {
		cli_error("log verify", "state %s: %s", c->o->state, err.msg);
		return EXIT_USAGE;
	}
	return check_banks(c);
}

static bool same_entry(const struct last_entry *l, const struct vigil_mlist_entry *e)
{
	return e->index == l->index && e->offset == l->offset && e->size == l->size &&
	       e->digest_len == l->digest_len && memcmp(e->digest, l->digest, l->digest_len) == 0;
}

/*
 * Positions the reader after the state's entries, having read the last of
 * them again: a list that no longer holds it is from another boot.
 */
static int resume(struct verify_ctx *c, const struct vigil_replay_stats *st)
{
	const struct last_entry *l = &c->last;
	struct vigil_error err = { 0 };
	struct vigil_mlist_entry e;
	int rc;

	if (st->entries == 0)
		return 0;
	if (!l->have || l->index + 1 != st->next_index || l->offset + l->size != st->next_offset) {
		cli_error("log verify", "state %s: inconsistent last entry", c->o->state);
		return EXIT_USAGE;
	}
	if (vigil_mlist_reader_seek(c->r, l->offset, l->index, &err) != VIGIL_OK ||
	    (rc = vigil_mlist_next(c->r, &e, &err)) < 0) {
		cli_error("log verify", "%s: cannot resume at entry %llu, offset %llu: %s",
			  c->o->in.path, (unsigned long long)l->index,
			  (unsigned long long)l->offset, err.msg);
		return EXIT_USAGE;
	}
	if (rc == 0 || !same_entry(l, &e)) {
		cli_error("log verify", "%s does not hold the state's last entry %llu at offset %llu "
			  "(another boot, or another list): remove %s to start over", c->o->in.path,
			  (unsigned long long)l->index, (unsigned long long)l->offset, c->o->state);
		return EXIT_USAGE;
	}
	return 0;
}

static int start_replay(struct verify_ctx *c)
{
	struct vigil_error err = { 0 };
	struct vigil_replay_stats st;
	char *text = NULL;
	size_t len = 0;
	int rc = 0;

	if (c->o->state && (rc = state_read(c->o->state, &text, &len)))
		return rc;
	if (text) {
		rc = state_load(c, text, len);
		free(text);
		if (rc)
			return rc;
		vigil_replay_get_stats(c->rp, &st);
		return resume(c, &st);
	}
	log_default_banks(&c->o->banks, &c->o->pcrs);
	if (vigil_replay_new(c->o->banks.algos, c->o->banks.n, VIGIL_REPLAY_CHECK_DIGESTS, &c->rp,
			     &err) != VIGIL_OK) {
		cli_error("log verify", "%s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

static char *state_text(const struct verify_ctx *c, size_t *len)
{
	struct vigil_error err = { 0 };
	size_t rl = 0, fl = 0, cap;
	char *rtext = NULL, *ftext = NULL, *out = NULL;
	struct vigil_digest d;
	char hex[65];
	int n;

	if (vigil_replay_save(c->rp, NULL, 0, &rl, &err) || !(rtext = malloc(rl + 1)) ||
	    vigil_replay_save(c->rp, rtext, rl + 1, &rl, &err) ||
	    vigil_refcheck_save(c->rc, NULL, 0, &fl, &err) || !(ftext = malloc(fl + 1)) ||
	    vigil_refcheck_save(c->rc, ftext, fl + 1, &fl, &err) ||
	    !(out = malloc(cap = rl + fl + 1024))) {
		cli_error("log verify", "cannot save the state: %s", err.msg[0] ? err.msg : "out of memory");
		goto done;
	}
	if (c->have_tm)
		n = snprintf(out, cap, STATE_MAGIC "\ntemplate-mismatch %llu %llu\n",
			     (unsigned long long)c->tm_index, (unsigned long long)c->tm_offset);
	else
		n = snprintf(out, cap, STATE_MAGIC "\ntemplate-mismatch none\n");
	if (c->last.have) {
		char hex[2 * VIGIL_MAX_DIGEST + 1];

		vigil_hex(c->last.digest, c->last.digest_len, hex);
		n += snprintf(out + n, cap - (size_t)n, "last %llu %llu %u %s\n",
			      (unsigned long long)c->last.index, (unsigned long long)c->last.offset,
			      c->last.size, hex);
	} else {
		n += snprintf(out + n, cap - (size_t)n, "last none\n");
	}
	n += snprintf(out + n, cap - (size_t)n, "replay %zu\n%s", rl, rtext);
	n += snprintf(out + n, cap - (size_t)n, "refcheck %zu\n%s", fl, ftext);
	vigil_hash_buf(VIGIL_HASH_SHA256, out, (size_t)n, &d, NULL);
	vigil_hex(d.bytes, d.len, hex);
	n += snprintf(out + n, cap - (size_t)n, "checksum sha256 %s\n", hex);
	*len = (size_t)n;
done:
	free(rtext);
	free(ftext);
	return out;
}

/* Written next to the old state and renamed over it: a crash leaves one or the other. */
static int state_save(const struct verify_ctx *c)
{
	size_t len = 0, plen = strlen(c->o->state) + 8;
	char *text = state_text(c, &len), *tmp = malloc(plen);
	int fd = -1, rc = EXIT_USAGE;

	if (!text || !tmp)
		goto done;
	snprintf(tmp, plen, "%s.new", c->o->state);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0 ||
	    close(fd) != 0 || rename(tmp, c->o->state) != 0) {
		cli_error("log verify", "cannot save the state to %s: %s", c->o->state,
			  strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	free(text);
	free(tmp);
	return rc;
}

/* ---------------------------------------------------------------- entries */

/* Library messages about an entry start with its position, which the line already shows. */
static const char *without_position(const struct vigil_mlist_entry *e, const char *msg)
{
	char prefix[64];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "entry %llu at offset %llu: ",
				    (unsigned long long)e->index, (unsigned long long)e->offset);

	return strncmp(msg, prefix, n) == 0 ? msg + n : msg;
}

static void entry_text(const struct vigil_mlist_entry *e, const char *verdict, const char *via,
		       const char *msg, const struct vigil_ref_result *r)
{
	printf("entry %llu (offset %llu) ", (unsigned long long)e->index,
	       (unsigned long long)e->offset);
	log_text_name(stdout, e->file_name ? e->file_name : "", e->file_name ? e->file_name_len : 0);
	printf(": %s", verdict);
	if (via && strcmp(via, "none") != 0 && strcmp(via, "exclude") != 0)
		printf(" via %s", via);
	if (r && r->have_keyid && r->verdict == VIGIL_REF_OK)
		printf(" (keyid %08x)", r->keyid);
	if (msg && *msg)
		printf(" (%s)", without_position(e, msg));
	putchar('\n');
}

static void entry_json(struct verify_ctx *c, const struct vigil_mlist_entry *e, const char *verdict,
		       const char *via, const char *msg, bool failed, const struct vigil_ref_result *r)
{
	printf("%s\n{\"index\":%llu", c->any_entry ? "," : "", (unsigned long long)e->index);
	c->any_entry = true;
	json_kv_uint(stdout, "offset", e->offset);
	json_kv_str(stdout, "template", e->template_name);
	if (e->file_name)
		log_json_name(stdout, "name", e->file_name, e->file_name_len);
	if (e->file_digest) {
		json_kv_str(stdout, "digest_algo", algo_name(e->file_algo));
		json_kv_hex(stdout, "digest", e->file_digest, e->file_digest_len);
	}
	json_kv_str(stdout, "verdict", verdict);
	if (via)
		json_kv_str(stdout, "source", via);
	if (r && r->have_keyid)
		json_kv_keyid(stdout, "keyid", r->keyid);
	if (r && r->key_learned)
		json_kv_bool(stdout, "key_learned", true);
	if (msg && *msg)
		json_kv_str(stdout, "message", msg);
	json_kv_bool(stdout, "failed", failed);
	putchar('}');
}

static void report_entry(struct verify_ctx *c, const struct vigil_mlist_entry *e,
			 const struct vigil_ref_result *r)
{
	const char *via = vigil_ref_source_name(r->source);

	if (!r->failed && !c->o->verbose)
		return;
	if (c->o->json)
		entry_json(c, e, vigil_ref_verdict_name(r->verdict), via, r->msg, r->failed, r);
	else
		entry_text(e, vigil_ref_verdict_name(r->verdict), via, r->msg, r);
}

static void template_mismatch(struct verify_ctx *c, const struct vigil_mlist_entry *e,
			      const struct vigil_error *err)
{
	if (!c->have_tm) {
		c->have_tm = true;
		c->tm_index = e->index;
		c->tm_offset = e->offset;
	}
	if (c->o->json)
		entry_json(c, e, "template-digest-mismatch", NULL, err->msg, true, NULL);
	else
		entry_text(e, "template-digest-mismatch", NULL, err->msg, NULL);
}

static int verify_one(struct verify_ctx *c, const struct vigil_mlist_entry *e)
{
	struct vigil_error err = { 0 };
	struct vigil_ref_result r;
	int rc = vigil_replay_extend(c->rp, e, &err);

	if (rc == VIGIL_ERR_MISMATCH)
		template_mismatch(c, e, &err);
	else if (rc != VIGIL_OK)
		goto fail;
	if ((rc = vigil_refcheck_entry(c->rc, e, &r, &err)) != VIGIL_OK)
		goto fail;
	c->checked_now++;
	c->last = (struct last_entry){ true, e->index, e->offset, e->size, e->digest_len, { 0 } };
	memcpy(c->last.digest, e->digest, e->digest_len);
	report_entry(c, e, &r);
	return 0;
fail:
	cli_error("log verify", "%s: %s", c->o->in.path, err.msg);
	return EXIT_USAGE;
}

static int verify_entries(struct verify_ctx *c)
{
	struct vigil_mlist_entry e;
	struct vigil_error err = { 0 };
	int rc;

	while ((rc = vigil_mlist_next(c->r, &e, &err)) == 1)
		if (verify_one(c, &e))
			return EXIT_USAGE;
	if (rc < 0) {
		cli_error("log verify", "%s: %s", c->o->in.path, err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---------------------------------------------------------------- summary */

struct outcome_info {
	struct vigil_refcheck_stats rs;
	struct vigil_replay_stats st;
	struct replay_report rr;
	bool have_first;
	uint64_t first_index, first_offset;
	const char *first_verdict;
	int status;
};

static void first_failure(const struct verify_ctx *c, struct outcome_info *oi)
{
	oi->have_first = oi->rs.have_first || c->have_tm;
	if (oi->rs.have_first && (!c->have_tm || oi->rs.first_index <= c->tm_index)) {
		oi->first_index = oi->rs.first_index;
		oi->first_offset = oi->rs.first_offset;
		oi->first_verdict = vigil_ref_verdict_name(oi->rs.first_verdict);
	} else if (c->have_tm) {
		oi->first_index = c->tm_index;
		oi->first_offset = c->tm_offset;
		oi->first_verdict = "template-digest-mismatch";
	}
}

static void summary_text(const struct verify_ctx *c, const struct outcome_info *oi)
{
	if (!c->o->quiet) {
		printf("entries: %llu (%llu checked now)\nverdicts:", (unsigned long long)oi->rs.entries,
		       (unsigned long long)c->checked_now);
		for (int v = 0; v < VIGIL_REF_VERDICTS; v++)
			printf("%s %s %llu", v ? "," : "", vigil_ref_verdict_name(v),
			       (unsigned long long)oi->rs.verdicts[v]);
		printf("\ntemplate digests: %llu mismatch%s\nkeys learned from the list: %llu\n",
		       (unsigned long long)oi->st.digest_mismatches,
		       oi->st.digest_mismatches == 1 ? "" : "es",
		       (unsigned long long)oi->rs.learned_keys);
		log_print_pcrs_text(&oi->rr);
	}
	if (!oi->rr.expected && !c->o->quiet)
		puts("PCRs: not checked (no --pcrs or --tpm)");
	else if (oi->rr.expected && oi->rr.cmp == VIGIL_OK && !c->o->quiet)
		puts("PCRs: match");
	else if (oi->rr.expected && oi->rr.cmp != VIGIL_OK)
		printf("PCRs: %s (%s)\n", oi->rr.cmp == VIGIL_ERR_MISMATCH ? "MISMATCH" : "ERROR",
		       oi->rr.err.msg);
	if (oi->have_first)
		printf("first failure: entry %llu at offset %llu: %s\n",
		       (unsigned long long)oi->first_index, (unsigned long long)oi->first_offset,
		       oi->first_verdict);
	printf("result: %s\n", oi->status == 0 ? "ok" : oi->status == 1 ? "FAILED" : "ERROR");
}

static void summary_json(const struct verify_ctx *c, const struct outcome_info *oi)
{
	fputs("\n],\"summary\":{", stdout);
	printf("\"entries\":%llu", (unsigned long long)oi->rs.entries);
	json_kv_uint(stdout, "checked_now", c->checked_now);
	json_kv_uint(stdout, "failures", oi->rs.failures + oi->st.digest_mismatches);
	json_kv_uint(stdout, "template_digest_mismatches", oi->st.digest_mismatches);
	json_kv_uint(stdout, "learned_keys", oi->rs.learned_keys);
	fputs(",\"verdicts\":{", stdout);
	for (int v = 0; v < VIGIL_REF_VERDICTS; v++)
		printf("%s\"%s\":%llu", v ? "," : "", vigil_ref_verdict_name(v),
		       (unsigned long long)oi->rs.verdicts[v]);
	putchar('}');
	if (oi->have_first) {
		printf(",\"first_failure\":{\"index\":%llu", (unsigned long long)oi->first_index);
		json_kv_uint(stdout, "offset", oi->first_offset);
		json_kv_str(stdout, "verdict", oi->first_verdict);
		putchar('}');
	} else {
		fputs(",\"first_failure\":null", stdout);
	}
	putchar('}');
	log_print_pcrs_json(&oi->rr);
	json_kv_str(stdout, "result", oi->status == 0 ? "ok" : oi->status == 1 ? "failed" : "error");
	puts("}");
}

static int finish(struct verify_ctx *c)
{
	struct outcome_info oi = { .rr = { .rp = c->rp } };

	oi.rr.expected = c->o->pcrs.loaded ? &c->o->pcrs.pcrs : NULL;
	vigil_refcheck_get_stats(c->rc, &oi.rs);
	vigil_replay_get_stats(c->rp, &oi.st);
	log_compare(&oi.rr);
	first_failure(c, &oi);
	if (oi.rr.expected && oi.rr.cmp != VIGIL_OK && oi.rr.cmp != VIGIL_ERR_MISMATCH)
		oi.status = EXIT_USAGE;
	else
		oi.status = oi.rs.failures || oi.st.digest_mismatches ||
			    oi.rr.cmp == VIGIL_ERR_MISMATCH ? EXIT_VERIFY_FAILED : 0;
	if (c->o->state && state_save(c))
		oi.status = EXIT_USAGE;
	if (c->o->json)
		summary_json(c, &oi);
	else
		summary_text(c, &oi);
	return oi.status;
}

static int verify_run(struct verify_ctx *c)
{
	int rc;

	if ((rc = log_open("log verify", &c->o->in, &c->r)) || (rc = start_replay(c)))
		return rc;
	if (c->o->json) {
		fputs("{\"command\":\"log verify\"", stdout);
		json_kv_str(stdout, "file", c->o->in.path);
		fputs(",\"entries\":[", stdout);
	}
	if ((rc = verify_entries(c))) {
		if (c->o->json)
			puts("\n]}");
		return rc;
	}
	return finish(c);
}

int cmd_log_verify(int argc, char **argv)
{
	struct verify_opts o = { .in = { .list_algo = -1 } };
	struct verify_ctx c = { .o = &o };
	struct report rep = { .cmd = "log verify" };
	int rc;

	if ((rc = verify_parse(argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = log_load_pcrs("log verify", &o.pcrs)) == 0 && (rc = load_refs(&c)) == 0)
		rc = verify_run(&c);
	vigil_mlist_reader_free(c.r);
	vigil_replay_free(c.rp);
	vigil_refcheck_free(c.rc);
	vigil_refdb_free(c.db);
	vigil_keyset_free(c.keys);
	return report_exit(&rep, rc);
}
