/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The evmctl personality's ima_measurement and ima_boot_aggregate: evmctl
 * 1.4's options, messages (all on stderr but the boot aggregates) and exit
 * codes, over libvigil's list reader, replay and event log.  Where evmctl
 * accepts something unverified, vigil refuses instead; doc/vigil-evmctl.1
 * lists those differences.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vigil/eventlog.h>
#include <vigil/mlist.h>

#include "evmctl.h"
#include "log.h"

#define EV_LIST_PREFIX "binary_runtime_measurements_"
/* TPM 1.2 PCRs in sysfs, in the "PCR-NN: XX XX ..." form --pcrs also reads. */
static const char *const sysfs_pcrs[] = {
	"/sys/class/tpm/tpm0/device/pcrs",
	"/sys/class/tpm/tpm0/pcrs",
};

/* ---- expected PCR values ---- */

/*
 * Copies one bank's values into another.  evmctl reads a file given for
 * the wrong bank anyway, cutting or zero-padding each value to the bank's
 * size, so such a file mismatches rather than being refused.
 */
static void copy_bank(struct vigil_pcr_bank *dst, const struct vigil_pcr_bank *src)
{
	size_t dlen = vigil_hash_by_id(dst->algo)->digest_len;
	size_t slen = vigil_hash_by_id(src->algo)->digest_len;

	for (unsigned i = 0; i < VIGIL_PCR_COUNT; i++) {
		if (!(src->valid & (1u << i)))
			continue;
		memset(dst->pcr[i], 0, sizeof(dst->pcr[i]));
		memcpy(dst->pcr[i], src->pcr[i], slen < dlen ? slen : dlen);
		dst->valid |= 1u << i;
	}
}

/* The bank of file's values meant for algo: its own, else its only one. */
static const struct vigil_pcr_bank *file_bank(const struct ev_ctx *c, const struct vigil_pcrs *f,
					      int algo, const char *path)
{
	const struct vigil_pcr_bank *b = vigil_pcrs_find(f, algo);
	const char *want = vigil_hash_by_id(algo)->name;

	if (b)
		return b;
	if (f->nbanks != 1) {
		ev_err(c, "%s: no %s PCR values\n", path, want);
		return NULL;
	}
	b = &f->banks[0];
	/* same size (sm3 values read as sha256 ones): nothing is lost */
	if (vigil_hash_by_id(b->algo)->digest_len != vigil_hash_by_id(algo)->digest_len)
		ev_err(c, "warning: %s holds %s-sized values, cut or padded to the %s bank's "
			  "size (name the bank: --pcrs %s,%s)\n",
		       path, vigil_hash_by_id(b->algo)->name, want, vigil_hash_by_id(b->algo)->name,
		       path);
	return b;
}

/* One --pcrs "[algo,]file"; evmctl's bank is sha1 unless named. */
static int load_pcr_spec(const struct ev_ctx *c, const char *spec, struct vigil_pcrs *out)
{
	struct vigil_pcrs file;
	const char *comma = strchr(spec, ','), *path = comma ? comma + 1 : spec;
	const struct vigil_hash_info *info = vigil_hash_by_name("sha1");
	const struct vigil_pcr_bank *src;
	struct vigil_pcr_bank *dst;
	struct vigil_error err = { 0 };
	char name[32];

	if (comma) {
		snprintf(name, sizeof(name), "%.*s", (int)(comma - spec), spec);
		info = (size_t)(comma - spec) < sizeof(name) ? vigil_hash_by_name(name) : NULL;
		if (!info || !vigil_hash_available(info->id)) {
			ev_err(c, "Unknown algorithm '%s'\n", name);
			return EV_ERROR;
		}
	}
	vigil_pcrs_init(&file);
	if (vigil_pcrs_load(&file, path, -1, &err) != VIGIL_OK) {
		ev_err(c, "%s\n", err.msg);
		return EV_ERROR;
	}
	if (!(src = file_bank(c, &file, info->id, path)))
		return EV_ERROR;
	if (!(dst = vigil_pcrs_bank(out, info->id, true))) {
		ev_err(c, "Too many PCR banks\n");
		return EV_ERROR;
	}
	copy_bank(dst, src);
	return EV_OK;
}

/*
 * Every --pcrs in order: a later file overwrites the PCRs it lists.  PCRs
 * a file leaves out are zero, as in evmctl, so they mismatch rather than
 * go unchecked.
 */
static int load_pcr_files(const struct ev_ctx *c, struct vigil_pcrs *out)
{
	vigil_pcrs_init(out);
	for (unsigned i = 0; i < c->npcr_files; i++)
		if (load_pcr_spec(c, c->pcr_files[i], out) != EV_OK)
			return EV_ERROR;
	for (unsigned i = 0; i < out->nbanks; i++)
		out->banks[i].valid = (1u << VIGIL_PCR_COUNT) - 1;
	return EV_OK;
}

/* A TPM 2.0 to ask: a device, or a TCTI named in the environment (simulator, tabrmd). */
static bool tpm2_present(void)
{
	return access("/dev/tpmrm0", F_OK) == 0 || access("/dev/tpm0", F_OK) == 0 ||
	       getenv("TPM2TOOLS_TCTI") || getenv("TCTI");
}

/* No --pcrs: the TPM, through sysfs (TPM 1.2) or tpm2-tss.  False if neither answers. */
static bool read_tpm(const char *cmd, struct vigil_pcrs *out)
{
	for (size_t i = 0; i < sizeof(sysfs_pcrs) / sizeof(sysfs_pcrs[0]); i++) {
		vigil_pcrs_init(out);
		if (access(sysfs_pcrs[i], R_OK) == 0 &&
		    vigil_pcrs_load(out, sysfs_pcrs[i], VIGIL_HASH_SHA1, NULL) == VIGIL_OK)
			return true;
	}
	vigil_pcrs_init(out);
	return tpm2_present() && log_tpm_read(cmd, NULL, out) == 0 && out->nbanks > 0;
}

/* --pcrs files, else the TPM; *have is false when there is nothing to compare with. */
static int expected_pcrs(const struct ev_ctx *c, const char *cmd, struct vigil_pcrs *out,
			 bool *have)
{
	*have = false;
	if (c->npcr_files) {
		if (load_pcr_files(c, out) != EV_OK)
			return EV_ERROR;
		*have = true;
		return EV_OK;
	}
	*have = read_tpm(cmd, out);
	return EV_OK;
}

/*
 * The banks vigil can hash, by ascending id: evmctl lists sha1 before
 * sha256.  A TPM may have banks OpenSSL cannot compute; they are left out.
 */
static unsigned sorted_banks(const struct vigil_pcrs *p, int *algos)
{
	unsigned n = 0;

	for (int id = 0; id < VIGIL_HASH_ALGO_COUNT && n < VIGIL_MAX_BANKS; id++)
		if (vigil_pcrs_find(p, id) && vigil_hash_available(id))
			algos[n++] = id;
	return n;
}

/* ---- ima_boot_aggregate ---- */

/* The PCRs a firmware event log (TPM 1.2 or crypto-agile) replays to. */
static int evlog_pcrs(const struct ev_ctx *c, const char *path, struct vigil_pcrs *out)
{
	struct vigil_error err = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = vigil_evlog_load(path, &buf, &len, &err);

	if (rc == VIGIL_OK)
		rc = vigil_evlog_replay(buf, len, out, NULL, &err);
	free(buf);
	if (rc != VIGIL_OK) {
		ev_err(c, "%s\n", err.msg);
		ev_err(c, "Failed reading the event log %s.\n", path);
		return EV_ERROR;
	}
	return EV_OK;
}

/* "algo:hex" per bank on stdout, as evmctl prints them. */
static int print_aggregates(const struct ev_ctx *c, const struct vigil_pcrs *p)
{
	int algos[VIGIL_MAX_BANKS];
	unsigned n = sorted_banks(p, algos);
	int rc = EV_OK;

	for (unsigned i = 0; i < n; i++) {
		struct vigil_error err = { 0 };
		struct vigil_digest d;
		char hex[2 * VIGIL_MAX_DIGEST + 1];

		if (vigil_boot_aggregate(p, algos[i], &d, &err) != VIGIL_OK) {
			ev_err(c, "%s\n", err.msg);
			rc = EV_ERROR;
			continue;
		}
		vigil_hex(d.bytes, d.len, hex);
		printf("%s:%s\n", vigil_hash_by_id(algos[i])->name, hex);
	}
	return rc;
}

int ev_cmd_ima_boot_aggregate(struct ev_ctx *c, const struct ev_command *cmd)
{
	struct vigil_pcrs pcrs;
	const char *log = ev_next_arg(c);
	bool have = true;

	if (log) {
		if (evlog_pcrs(c, log, &pcrs) != EV_OK)
			return EV_ERROR;
	} else if (expected_pcrs(c, cmd->name, &pcrs, &have) != EV_OK) {
		return EV_ERROR;
	}
	if (!have || pcrs.nbanks == 0) {
		ev_info(c, "Failed to read any TPM PCRs\n");
		return EV_ERROR;
	}
	return print_aggregates(c, &pcrs);
}

/* ---- ima_measurement: signatures ---- */

/* The entry's file name, NUL-terminated ("ima" names have no NUL). */
static void entry_name(const struct vigil_mlist_entry *e, char *out, size_t cap)
{
	size_t n = e->file_name ? strnlen(e->file_name, e->file_name_len) : 0;

	if (n >= cap)
		n = cap - 1;
	memcpy(out, e->file_name ? e->file_name : "", n);
	out[n] = '\0';
}

static void debug_digest(const struct ev_ctx *c, const struct vigil_digest *d)
{
	char hex[2 * VIGIL_MAX_DIGEST + 1];

	if (c->verbose <= EV_LOG_INFO || !vigil_hash_by_id(d->algo))
		return;
	vigil_hex(d->bytes, d->len, hex);
	ev_log(c, EV_LOG_DEBUG, "hash(%s): %s\n", vigil_hash_by_id(d->algo)->name, hex);
}

/* A signature check's outcome in evmctl's words; "OK" only with -v, as there. */
static void report(struct ev_ctx *c, const char *name, int code, uint32_t keyid,
		   const struct vigil_error *err)
{
	switch (code) {
	case VIGIL_OK:
		ev_log(c, EV_LOG_DEBUG, "%s: verification is OK\n", name);
		return;
	case VIGIL_ERR_UNKNOWN_KEY:
		ev_report_unknown_key(c, keyid);
		ev_log(c, EV_LOG_DEBUG, "%s: verification failed: unknown keyid %x\n", name, keyid);
		return;
	case VIGIL_ERR_BAD_SIGNATURE:
		ev_err(c, "%s: verification failed: 0 (bad signature)\n", name);
		return;
	}
	ev_err(c, "%s: verification failed: %s\n", name, err->msg);
}

/* --verify-sig: the signature against the file digest the list recorded. */
static void verify_listed(struct ev_ctx *c, const struct vigil_mlist_entry *e, const char *name)
{
	struct vigil_error err = { 0 };
	struct vigil_digest d = { .algo = e->file_algo };
	struct vigil_xattr x = { 0 };
	int rc;

	/* v2 signatures (0x03) and, for fs-verity digests, v3 (0x06) */
	if (e->sig[0] != VIGIL_EVM_IMA_XATTR_DIGSIG && e->sig[0] != VIGIL_IMA_VERITY_DIGSIG) {
		ev_err(c, "%s: xattr ima has no signature\n", name);
		return;
	}
	rc = vigil_xattr_decode(e->sig, e->sig_len, VIGIL_XATTR_IMA, &x, &err);
	if (rc == VIGIL_OK && (e->file_algo < 0 || e->file_digest_len > sizeof(d.bytes))) {
		rc = err.code = VIGIL_ERR_INVALID;
		snprintf(err.msg, sizeof(err.msg), "the entry has no file digest");
	}
	if (rc == VIGIL_OK) {
		d.len = e->file_digest_len;
		memcpy(d.bytes, e->file_digest, d.len);
		debug_digest(c, &d);
		rc = vigil_verify_sig(c->keys, &x, &d, NULL, &err);
	}
	report(c, name, rc, x.keyid, &err);
}

/*
 * Without --verify-sig evmctl checks an "ima-sig" signature against the
 * file of that name on this host, if there is one (only regular files,
 * symlinks not followed).  What it finds does not change the exit code.
 */
static void verify_local(struct ev_ctx *c, const struct vigil_mlist_entry *e, const char *name)
{
	struct vigil_error err = { 0 };
	struct vigil_ima_verdict v;
	struct stat st;
	int fd;

	if (e->sig[0] != VIGIL_EVM_IMA_XATTR_DIGSIG) {
		ev_err(c, "%s: xattr ima has no signature\n", name);
		return;
	}
	if (lstat(name, &st) < 0) {
		ev_err(c, "Failed to stat: %s\n", name);
		return;
	}
	/* never opened unless regular: the list names paths of the measured system */
	if (!S_ISREG(st.st_mode)) {
		ev_err(c, "Unsupported file type (0x%x)\n", (unsigned)(st.st_mode & S_IFMT));
		return;
	}
	fd = open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ev_err(c, "Failed to open: %s (%s)\n", name, fd < 0 ? strerror(errno) : "replaced");
		if (fd >= 0)
			close(fd);
		return;
	}
	vigil_ima_appraise(fd, e->sig, e->sig_len, c->keys, VIGIL_IMA_REQUIRE_SIG, &v, &err);
	close(fd);
	if (v.digest.len)
		debug_digest(c, &v.digest);
	report(c, name, v.code, v.keyid, &err);
}

/*
 * evmctl looks only at the sig field of the template named "ima-sig";
 * with --verify-sig vigil checks the sig field of every template that has
 * one (ima-sigv2, ima-modsig, custom formats).  The exit code stays
 * evmctl's: signature results never change it.
 */
static void check_sig(struct ev_ctx *c, const struct vigil_mlist_entry *e)
{
	char name[4097];

	if (!e->sig || e->sig_len == 0)
		return;
	entry_name(e, name, sizeof(name));
	if (c->verify_sig)
		verify_listed(c, e, name);
	else if (strcmp(e->template_name, "ima-sig") == 0)
		verify_local(c, e, name);
}

/* ---- ima_measurement: replay ---- */

struct measure {
	struct vigil_mlist_reader *r;
	struct vigil_replay *rp;
	struct vigil_pcrs cmp; /* the expected values of the banks compared */
	bool have;             /* some expected values to compare with */
	bool matched;          /* the PCRs equalled a replay of the list's first entries */
	bool padded;           /* some bank matched only with padded SHA-1 digests */
	uint64_t entries;
	uint64_t bad_digests;  /* template digests that differ from their data */
};

/* binary_runtime_measurements_<bank> (kernels >= 6.12) store that bank's digests. */
static int list_algo(const char *path)
{
	const char *base = strrchr(path, '/');
	const struct vigil_hash_info *info;

	base = base ? base + 1 : path;
	if (strncmp(base, EV_LIST_PREFIX, strlen(EV_LIST_PREFIX)) != 0)
		return VIGIL_HASH_SHA1;
	info = vigil_hash_by_name(base + strlen(EV_LIST_PREFIX));
	return info ? info->id : VIGIL_HASH_SHA1;
}

static void copy_into(struct vigil_pcrs *out, const struct vigil_pcr_bank *b)
{
	struct vigil_pcr_bank *d = vigil_pcrs_bank(out, b->algo, true);

	if (d)
		*d = *b;
}

/*
 * The banks to compare: every expected bank vigil can hash, or the one
 * --verify-bank names.  evmctl falls back to sha256 for a bank it lacks
 * and reports a match when that has no values either; vigil fails.
 */
static int compare_set(const struct ev_ctx *c, const struct vigil_pcrs *all, struct vigil_pcrs *out)
{
	const struct vigil_hash_info *info;
	const struct vigil_pcr_bank *b;

	vigil_pcrs_init(out);
	if (!c->verify_bank) {
		for (unsigned i = 0; i < all->nbanks; i++)
			if (vigil_hash_available(all->banks[i].algo))
				copy_into(out, &all->banks[i]);
		return EV_OK;
	}
	if (!(info = vigil_hash_by_name(c->verify_bank))) {
		ev_err(c, "Unknown hash algo: %s\n", c->verify_bank);
		return EV_ERROR;
	}
	if (!(b = vigil_pcrs_find(all, info->id)) || !vigil_hash_available(info->id)) {
		ev_err(c, "No %s PCR values to verify the list with\n", info->name);
		return EV_FAIL;
	}
	copy_into(out, b);
	return EV_OK;
}

static int open_list(const struct ev_ctx *c, const char *file, struct measure *m)
{
	if (vigil_mlist_reader_path(file, list_algo(file), 0, &m->r, NULL) != VIGIL_OK) {
		ev_err(c, "Failed to open measurement file: %s\n", file);
		return EV_ERROR;
	}
	return EV_OK;
}

static int new_replay(const struct ev_ctx *c, const char *file, struct measure *m)
{
	unsigned flags = VIGIL_REPLAY_CHECK_DIGESTS;
	int algos[VIGIL_MAX_BANKS];
	struct vigil_error err = { 0 };
	unsigned n;

	/* evmctl extends violations with zeros unless told to ignore them */
	if (!c->ignore_violations)
		flags |= VIGIL_REPLAY_ZERO_VIOLATIONS;
	/* nothing to compare: replay the list's own bank, for the digest check */
	if ((n = sorted_banks(&m->cmp, algos)) == 0)
		algos[n++] = list_algo(file);
	if (vigil_replay_new(algos, n, flags, &m->rp, &err) != VIGIL_OK) {
		ev_err(c, "%s\n", err.msg);
		return EV_ERROR;
	}
	return EV_OK;
}

static void print_pcr(const struct ev_ctx *c, int algo, unsigned idx, const uint8_t *calc,
		      const uint8_t *tpm)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);
	char hex[2 * VIGIL_MAX_DIGEST + 1];

	vigil_hex(calc, info->digest_len, hex);
	ev_log(c, EV_LOG_DEBUG, "%s: PCRAgg  %u: %s\n", info->name, idx, hex);
	vigil_hex(tpm, info->digest_len, hex);
	ev_log(c, EV_LOG_DEBUG, "%s: TPM PCR-%u: %s\n", info->name, idx, hex);
}

/*
 * -v: each compared PCR, calculated and expected.  At a match, as evmctl
 * says it; otherwise the final values of the per-bank replay (evmctl
 * prints every entry's with -v -v).
 */
static void print_pcrs(const struct ev_ctx *c, const struct measure *m,
		       const struct vigil_replay_result *res)
{
	struct vigil_replay_stats st;
	struct vigil_pcrs calc[VIGIL_REPLAY_VARIANTS];

	if (c->verbose <= EV_LOG_INFO)
		return;
	vigil_replay_get_stats(m->rp, &st);
	for (int v = 0; v < VIGIL_REPLAY_VARIANTS; v++)
		vigil_replay_pcrs(m->rp, v, &calc[v]);
	for (unsigned b = 0; b < res->nbanks; b++) {
		const struct vigil_replay_bank_result *r = &res->banks[b];
		int v = r->variant >= 0 ? r->variant : VIGIL_REPLAY_PER_BANK;
		const struct vigil_pcr_bank *got = vigil_pcrs_find(&calc[v], r->algo);
		const struct vigil_pcr_bank *want = vigil_pcrs_find(&m->cmp, r->algo);

		for (unsigned i = 0; got && want && i < VIGIL_PCR_COUNT; i++) {
			if (!(st.pcr_mask & (1u << i)))
				continue;
			print_pcr(c, r->algo, i, got->pcr[i], want->pcr[i]);
			if (r->status == VIGIL_BANK_MATCH)
				ev_log(c, EV_LOG_DEBUG, "%s PCR-%u: succeed at entry %llu\n",
				       vigil_hash_by_id(r->algo)->name, i,
				       (unsigned long long)st.entries);
			else
				ev_log(c, EV_LOG_DEBUG, "%s: PCRAgg %u does not match TPM PCR-%u\n",
				       vigil_hash_by_id(r->algo)->name, i, i);
		}
	}
}

/*
 * evmctl reads the PCRs before the list, so the list may have grown
 * since: it matches when the PCRs equal the replay of some first entries,
 * and reads no further (later entries are not in the PCRs).
 */
static void try_match(const struct ev_ctx *c, struct measure *m)
{
	struct vigil_replay_result res;

	if (vigil_replay_compare(m->rp, &m->cmp, &res, NULL) != VIGIL_OK)
		return;
	m->matched = true;
	for (unsigned i = 0; i < res.nbanks; i++)
		if (res.banks[i].status == VIGIL_BANK_MATCH && res.banks[i].variant == VIGIL_REPLAY_PADDED)
			m->padded = true;
	print_pcrs(c, m, &res);
}

/*
 * -v: the entry as the kernel's ascii list shows it, less the trailing
 * blanks of empty fields (which evmctl does not print).
 */
static void show_entry(const struct ev_ctx *c, const struct vigil_mlist_entry *e)
{
	size_t cap, len = 0;
	char *line;

	if (c->verbose <= EV_LOG_INFO)
		return;
	cap = vigil_mlist_ascii_size(e);
	if (!(line = malloc(cap)))
		return;
	if (vigil_mlist_ascii(e, line, cap, &len, NULL) == VIGIL_OK) {
		while (len > 1 && line[len - 2] == ' ')
			len--;
		line[len - 1] = '\n';
		fwrite(line, 1, len, stderr);
	}
	free(line);
}

/* Each entry: extend, check its template digest and signature, try a match. */
static int replay_list(struct ev_ctx *c, struct measure *m)
{
	struct vigil_mlist_entry e;
	struct vigil_error err = { 0 };
	int rc;

	while ((rc = vigil_mlist_next(m->r, &e, &err)) == 1) {
		show_entry(c, &e);
		rc = vigil_replay_extend(m->rp, &e, &err);
		if (rc == VIGIL_ERR_MISMATCH) {
			m->bad_digests++;
			ev_log(c, EV_LOG_DEBUG, "%s\n", err.msg);
		} else if (rc != VIGIL_OK) {
			break;
		}
		m->entries++;
		check_sig(c, &e);
		if (!m->have)
			continue;
		try_match(c, m);
		if (m->matched)
			break;
	}
	if (rc >= 0)
		return EV_OK;
	/*
	 * evmctl: 1 for a malformed entry after good ones, 125 when the
	 * file cannot be read or not even its first entry can
	 */
	ev_err(c, "%s\n", err.msg);
	return err.code == VIGIL_ERR_IO || m->entries == 0 ? EV_ERROR : EV_FAIL;
}

static void print_mismatch(const struct ev_ctx *c, const struct measure *m)
{
	struct vigil_replay_result res;

	vigil_replay_compare(m->rp, &m->cmp, &res, NULL);
	print_pcrs(c, m, &res);
}

static int verdict(const struct ev_ctx *c, const struct measure *m)
{
	int rc = EV_OK;

	if (!m->have) {
		/* evmctl's list-only mode: signatures and template digests */
		ev_info(c, "Failed to read any TPM PCRs\n");
	} else if (m->matched) {
		ev_info(c, m->padded ? "Matched SHA1 padded TPM digest(s).\n"
				     : "Matched per TPM bank calculated digest(s).\n");
	} else {
		print_mismatch(c, m);
		ev_info(c, "Failed to match per TPM bank or SHA1 padded TPM digest(s).\n");
		/* evmctl: an empty list is an error, not a mismatch */
		rc = m->entries ? EV_FAIL : EV_ERROR;
	}
	if (m->bad_digests) {
		ev_err(c, "Failed to verify template data digest.\n");
		rc = rc == EV_OK ? EV_FAIL : rc;
	}
	return rc;
}

static int measure(struct ev_ctx *c, const char *file, struct measure *m)
{
	struct vigil_pcrs all;
	int rc;

	if (open_list(c, file, m) != EV_OK || ev_load_pubkeys(c) != EV_OK)
		return EV_ERROR;
	/* the PCRs before the entries: then every measurement they hold is in the list */
	if (expected_pcrs(c, "ima_measurement", &all, &m->have) != EV_OK)
		return EV_ERROR;
	if (m->have && (rc = compare_set(c, &all, &m->cmp)) != EV_OK)
		return rc;
	if ((rc = new_replay(c, file, m)) != EV_OK)
		return rc;
	if ((rc = replay_list(c, m)) != EV_OK)
		return rc;
	return verdict(c, m);
}

int ev_cmd_ima_measurement(struct ev_ctx *c, const struct ev_command *cmd)
{
	struct measure *m;
	const char *file = ev_next_arg(c);
	int rc;

	if (!file)
		return ev_missing(c, cmd);
	/* the replay state holds several PCR sets: on the heap */
	if (!(m = calloc(1, sizeof(*m)))) {
		ev_err(c, "out of memory\n");
		return EV_ERROR;
	}
	rc = measure(c, file, m);
	vigil_replay_free(m->rp);
	vigil_mlist_reader_free(m->r);
	free(m);
	return rc;
}
