/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The measurement list, as the kernel keeps it in securityfs, but in the
 * run directory: binary_runtime_measurements (the kernel's binary format,
 * SHA-1 template digests), ascii_runtime_measurements, and software PCRs,
 * one bank per configured algorithm, each extended with the bank's own
 * template digest (as kernels >= 5.8 extend a TPM).  With a TPM (tpm.c),
 * its active banks join the configured ones, every entry is extended into
 * the TPM too, and the TPM must agree with the software PCRs at start-up.
 *
 * Crash safety: an entry is committed when the state file (entry count,
 * list size, PCR values) naming it has been renamed into place.  On start
 * the list is replayed and must reproduce the stored PCRs; bytes after the
 * last committed entry were never acknowledged (the open was still
 * waiting) and are cut off; anything else is refused unless --reset-log.
 * A commit is durable before the open is answered, so that a power loss
 * cannot leave a state naming entries the disk lost: the binary list is
 * fdatasync'ed, then the state written to a temporary, fsync'ed, renamed,
 * and the directory fsync'ed.  The pcrs-BANK files come last: they are
 * derived from the state, rewritten at every commit and at start-up.
 *
 * Order of one append: the entry is written to both lists (uncommitted),
 * the software PCRs are extended in memory, then the TPM, then the state
 * file commits it.  A failed TPM extend leaves the TPM as it was: the
 * entry is cut off again and the open denied (enforce).  Once the TPM has
 * the entry it is never taken back: a failed commit keeps it in memory,
 * to be committed with the next one (the open is still refused in enforce
 * mode); if vigild stops before that, the start-up finds the TPM one entry
 * ahead of the state and commits that entry (roll_forward).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vigild.h"

#define BIN_NAME "binary_runtime_measurements"
#define ASCII_NAME "ascii_runtime_measurements"
#define STATE_NAME "vigild.state"
#define STATE_MAGIC "vigild-mlog 1"
#define LIST_ALGO VIGIL_HASH_SHA1 /* template digests stored in the binary list */

struct bank {
	int algo;
	size_t len;
	uint8_t pcr[VIGIL_PCR_COUNT][VIGIL_MAX_DIGEST];
};

struct state {
	char boot_id[64];
	uint64_t entries, bytes;
	uint32_t used; /* PCRs extended at least once */
	unsigned nbanks;
	struct bank banks[VIGIL_MAX_BANKS];
};

static struct {
	int lock_fd;            /* flock()ed run_dir/vigild.lock: one writer */
	pthread_mutex_t lock;
	char dir[PATH_MAX];
	int bin_fd, ascii_fd;
	uint64_t ascii_bytes;
	struct state st;
	uint8_t *buf;
	size_t cap;
	unsigned pcr; /* the measurement PCR */
} ml = { .lock = PTHREAD_MUTEX_INITIALIZER, .bin_fd = -1, .ascii_fd = -1, .lock_fd = -1 };

/* run_dir is checked to leave room for every name (mlog_open). */
static void path_of(char *out, size_t cap, const char *dir, const char *name)
{
	if (snprintf(out, cap, "%s/%s", dir, name) >= (int)cap)
		out[0] = '\0';
}

static int read_boot_id(char out[64])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	strcpy(out, "unknown");
	if (fd < 0)
		return -1;
	n = read(fd, out, 63);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The rename of an entry of dir reaches the disk. */
static int sync_dir(const char *dir, struct vigil_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		vd_fail_errno(err, VIGIL_ERR_IO, "cannot sync the directory %s", dir);
		if (fd >= 0)
			close(fd);
		return VIGIL_ERR_IO;
	}
	close(fd);
	return VIGIL_OK;
}

/* Replaces dir/name with text through a temporary and rename(); durable: on disk. */
static int replace_file(const char *dir, const char *name, const char *text, size_t len,
			bool durable, struct vigil_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	bool bad;
	int fd;

	path_of(path, sizeof(path), dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot create %s", tmp);
	bad = write_all(fd, text, len) != 0 || (durable && fsync(fd) != 0);
	if (close(fd) != 0)
		bad = true;
	if (bad) {
		vd_fail_errno(err, VIGIL_ERR_IO, "cannot write %s", tmp);
		unlink(tmp);
		return VIGIL_ERR_IO;
	}
	if (rename(tmp, path) != 0) {
		vd_fail_errno(err, VIGIL_ERR_IO, "cannot rename %s", tmp);
		unlink(tmp);
		return VIGIL_ERR_IO;
	}
	return durable ? sync_dir(dir, err) : VIGIL_OK;
}

/* "PCR-NN: HEX", as sysfs and evmctl ima_measurement --pcrs read them. */
static size_t format_bank(const struct bank *b, char *out, size_t cap)
{
	char hex[2 * VIGIL_MAX_DIGEST + 1];
	size_t n = 0;

	for (int i = 0; i < VIGIL_PCR_COUNT && n < cap; i++) {
		vigil_hex(b->pcr[i], b->len, hex);
		for (char *h = hex; *h; h++)
			*h = (char)(*h >= 'a' ? *h - 32 : *h);
		n += (size_t)snprintf(out + n, cap - n, "PCR-%02d: %s\n", i, hex);
	}
	return n < cap ? n : cap;
}

static size_t format_state(const struct state *s, char *out, size_t cap)
{
	char hex[2 * VIGIL_MAX_DIGEST + 1];
	size_t n;

	n = (size_t)snprintf(out, cap, "%s\nboot_id %s\nentries %" PRIu64 "\nbytes %" PRIu64 "\n",
			     STATE_MAGIC, s->boot_id, s->entries, s->bytes);
	for (unsigned b = 0; b < s->nbanks && n < cap; b++)
		for (int i = 0; i < VIGIL_PCR_COUNT && n < cap; i++) {
			if (!(s->used & (1u << i)))
				continue;
			vigil_hex(s->banks[b].pcr[i], s->banks[b].len, hex);
			n += (size_t)snprintf(out + n, cap - n, "pcr %s %d %s\n",
					      vigil_hash_by_id(s->banks[b].algo)->name, i, hex);
		}
	return n < cap ? n : cap;
}

/* The state file, then one evmctl-style PCR file per bank. */
static int commit(const struct state *s, struct vigil_error *err)
{
	char text[VIGIL_MAX_BANKS * VIGIL_PCR_COUNT * 160 + 256], name[64];
	size_t n;
	int rc;

	/* The entries the state names are on disk before the state is. */
	if (ml.bin_fd >= 0 && fdatasync(ml.bin_fd) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot sync %s/%s", ml.dir, BIN_NAME);
	n = format_state(s, text, sizeof(text));
	if ((rc = replace_file(ml.dir, STATE_NAME, text, n, true, err)) != VIGIL_OK)
		return rc;
	for (unsigned b = 0; b < s->nbanks; b++) {
		snprintf(name, sizeof(name), "pcrs-%s", vigil_hash_by_id(s->banks[b].algo)->name);
		n = format_bank(&s->banks[b], text, sizeof(text));
		if ((rc = replace_file(ml.dir, name, text, n, false, err)) != VIGIL_OK)
			return rc;
	}
	return VIGIL_OK;
}

static struct bank *bank_of(struct state *s, int algo)
{
	for (unsigned b = 0; b < s->nbanks; b++)
		if (s->banks[b].algo == algo)
			return &s->banks[b];
	return NULL;
}

static int parse_pcr_line(struct state *s, const char *line, struct vigil_error *err)
{
	char algo[32], hex[2 * VIGIL_MAX_DIGEST + 2];
	const struct vigil_hash_info *h;
	struct bank *b;
	int idx;

	if (sscanf(line, "pcr %31s %d %129s", algo, &idx, hex) != 3 || idx < 0 ||
	    idx >= VIGIL_PCR_COUNT || !(h = vigil_hash_by_name(algo)) ||
	    !(b = bank_of(s, h->id)) || strlen(hex) != 2 * b->len ||
	    vigil_unhex(hex, b->pcr[idx], b->len) != (long)b->len)
		return vd_fail(err, VIGIL_ERR_INVALID, "%s/%s: bad line '%s' (or a bank not configured)",
			       ml.dir, STATE_NAME, line);
	s->used |= 1u << idx;
	return VIGIL_OK;
}

static int parse_state(struct state *s, char *text, struct vigil_error *err)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	int rc;

	if (!line || strcmp(line, STATE_MAGIC) != 0)
		return vd_fail(err, VIGIL_ERR_INVALID, "%s/%s: not a vigild state file", ml.dir,
			       STATE_NAME);
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (sscanf(line, "boot_id %63s", s->boot_id) == 1 ||
		    sscanf(line, "entries %" SCNu64, &s->entries) == 1 ||
		    sscanf(line, "bytes %" SCNu64, &s->bytes) == 1)
			continue;
		if ((rc = parse_pcr_line(s, line, err)) != VIGIL_OK)
			return rc;
	}
	return VIGIL_OK;
}

/* Reads the state file; VIGIL_ERR_NO_DATA when there is none. */
static int load_state(struct state *s, struct vigil_error *err)
{
	char path[PATH_MAX], text[VIGIL_MAX_BANKS * VIGIL_PCR_COUNT * 160 + 256];
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), ml.dir, STATE_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? VIGIL_ERR_NO_DATA
				       : vd_fail_errno(err, VIGIL_ERR_IO, "cannot open %s", path);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(text) - 1)
		return vd_fail(err, VIGIL_ERR_INVALID, "%s: unreadable or too big", path);
	text[n] = '\0';
	return parse_state(s, text, err);
}

static int replay_new(const struct state *s, struct vigil_replay **rp, struct vigil_error *err)
{
	int algos[VIGIL_MAX_BANKS];

	for (unsigned b = 0; b < s->nbanks; b++)
		algos[b] = s->banks[b].algo;
	return vigil_replay_new(algos, s->nbanks,
				VIGIL_REPLAY_CHECK_DIGESTS | VIGIL_REPLAY_PER_BANK_ONLY, rp, err);
}

/* The replayed PCRs must equal the stored ones, bank by bank. */
static int compare_replay(const struct vigil_replay *rp, const struct state *s,
			  struct vigil_error *err)
{
	struct vigil_replay_stats stats;
	struct vigil_pcrs got;

	vigil_replay_get_stats(rp, &stats);
	if (stats.pcr_mask != s->used)
		return vd_fail(err, VIGIL_ERR_MISMATCH,
			       "the list extends PCRs 0x%x but the state records 0x%x",
			       stats.pcr_mask, s->used);
	vigil_replay_pcrs(rp, VIGIL_REPLAY_PER_BANK, &got);
	for (unsigned b = 0; b < s->nbanks; b++) {
		const struct vigil_pcr_bank *g = vigil_pcrs_find(&got, s->banks[b].algo);

		for (int i = 0; i < VIGIL_PCR_COUNT; i++)
			if ((s->used & (1u << i)) &&
			    (!g || memcmp(g->pcr[i], s->banks[b].pcr[i], s->banks[b].len)))
				return vd_fail(err, VIGIL_ERR_MISMATCH,
					       "replaying the list gives another %s PCR-%02d than "
					       "the stored aggregate",
					       vigil_hash_by_id(s->banks[b].algo)->name, i);
	}
	return VIGIL_OK;
}

/* A list shorter than the committed size lost entries: say so plainly. */
static int check_size(const char *path, uint64_t bytes, struct vigil_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "%s", path);
	if ((uint64_t)st.st_size < bytes)
		return vd_fail(err, VIGIL_ERR_INVALID,
			       "%s: truncated: %lld bytes, the state records %" PRIu64, path,
			       (long long)st.st_size, bytes);
	return VIGIL_OK;
}

/* Replays the committed entries, writing the ascii list afresh as it goes. */
static int replay_list(const struct state *s, int ascii_fd, struct vigil_error *err)
{
	char path[PATH_MAX];
	struct vigil_mlist_reader *r = NULL;
	struct vigil_replay *rp = NULL;
	struct vigil_mlist_entry e;
	FILE *ascii = fdopen(dup(ascii_fd), "w");
	uint64_t i;
	int rc;

	path_of(path, sizeof(path), ml.dir, BIN_NAME);
	if (!ascii)
		return vd_fail_errno(err, VIGIL_ERR_IO, "ascii list");
	rc = check_size(path, s->bytes, err);
	if (rc == VIGIL_OK)
		rc = vigil_mlist_reader_path(path, LIST_ALGO, 0, &r, err);
	if (rc == VIGIL_OK)
		rc = replay_new(s, &rp, err);
	for (i = 0; rc == VIGIL_OK && i < s->entries; i++) {
		rc = vigil_mlist_next(r, &e, err);
		if (rc == 0)
			rc = vd_fail(err, VIGIL_ERR_INVALID,
				     "%s: truncated: %" PRIu64 " entries, the state records %" PRIu64,
				     path, i, s->entries);
		else if (rc == 1 && (rc = vigil_replay_extend(rp, &e, err)) == VIGIL_OK)
			rc = vigil_mlist_ascii_write(&e, ascii, err);
	}
	if (rc == VIGIL_OK && vigil_mlist_reader_offset(r) != s->bytes)
		rc = vd_fail(err, VIGIL_ERR_INVALID, "%s: %" PRIu64 " entries end at byte %" PRIu64
			     ", the state records %" PRIu64, path, s->entries,
			     vigil_mlist_reader_offset(r), s->bytes);
	if (rc == VIGIL_OK)
		rc = compare_replay(rp, s, err);
	if (fclose(ascii) != 0 && rc == VIGIL_OK)
		rc = vd_fail_errno(err, VIGIL_ERR_IO, "ascii list");
	vigil_replay_free(rp);
	vigil_mlist_reader_free(r);
	return rc;
}

static int open_list(const char *name, int extra, struct vigil_error *err)
{
	char path[PATH_MAX];
	int fd;

	path_of(path, sizeof(path), ml.dir, name);
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | extra, 0644);
	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot open %s", path);
	return fd;
}

/* Cuts what follows the last committed entry (never acknowledged). */
static int cut_uncommitted(uint64_t bytes, struct vigil_error *err)
{
	struct stat st;

	if (fstat(ml.bin_fd, &st) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "%s/%s", ml.dir, BIN_NAME);
	if ((uint64_t)st.st_size > bytes) {
		vlog(VLOG_WARN, "vigild: %s/%s: dropping %lld bytes after the last committed entry",
		     ml.dir, BIN_NAME, (long long)st.st_size - (long long)bytes);
		if (ftruncate(ml.bin_fd, (off_t)bytes) != 0)
			return vd_fail_errno(err, VIGIL_ERR_IO, "%s/%s", ml.dir, BIN_NAME);
	}
	return VIGIL_OK;
}

/* Moves a previous list aside (another boot, or --reset-log). */
static void archive(const char *suffix)
{
	static const char *const names[] = { BIN_NAME, ASCII_NAME, STATE_NAME };
	char from[PATH_MAX], to[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_of(from, sizeof(from), ml.dir, names[i]);
		snprintf(to, sizeof(to), "%s.%s", from, suffix);
		if (rename(from, to) == 0)
			vlog(VLOG_INFO, "vigild: kept the previous %s as %s", names[i], to);
	}
}

static void add_bank(struct state *s, int algo)
{
	if (bank_of(s, algo) || s->nbanks == VIGIL_MAX_BANKS)
		return;
	s->banks[s->nbanks].algo = algo;
	s->banks[s->nbanks++].len = vigil_hash_by_id(algo)->digest_len;
}

/* The configured banks, then the TPM's active ones it lacks (the kernel extends them all). */
static int init_banks(struct state *s, const struct vigild_mlog_opts *o, const char *boot_id,
		      struct vigil_error *err)
{
	int tpm[VIGIL_MAX_BANKS];
	unsigned ntpm = tpm_banks(tpm, VIGIL_MAX_BANKS);

	memset(s, 0, sizeof(*s));
	snprintf(s->boot_id, sizeof(s->boot_id), "%s", boot_id);
	for (unsigned b = 0; b < o->nbanks; b++)
		add_bank(s, o->banks[b]);
	for (unsigned b = 0; b < ntpm; b++) {
		if (!bank_of(s, tpm[b]) && s->nbanks == VIGIL_MAX_BANKS)
			return vd_fail(err, VIGIL_ERR_TOO_BIG, "the TPM's %s bank and the "
				       "configured ones make more than %d banks",
				       vigil_hash_by_id(tpm[b])->name, VIGIL_MAX_BANKS);
		if (!bank_of(s, tpm[b]))
			vlog(VLOG_INFO, "vigild: the TPM's %s bank is kept in software too",
			     vigil_hash_by_id(tpm[b])->name);
		add_bank(s, tpm[b]);
	}
	return VIGIL_OK;
}

/* A list of this boot that replays to its stored aggregate: resume it. */
static int resume(struct state *s, struct vigil_error *err)
{
	char ascii[PATH_MAX], tmp[PATH_MAX + 8];
	int fd, rc;

	/* The ascii list is derived: rebuilt from the verified binary list. */
	path_of(ascii, sizeof(ascii), ml.dir, ASCII_NAME);
	snprintf(tmp, sizeof(tmp), "%s.tmp", ascii);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot create %s", tmp);
	rc = replay_list(s, fd, err);
	close(fd);
	if (rc == VIGIL_OK && rename(tmp, ascii) != 0)
		rc = vd_fail_errno(err, VIGIL_ERR_IO, "cannot rename %s", tmp);
	if (rc != VIGIL_OK) {
		unlink(tmp);
		return rc;
	}
	if ((ml.bin_fd = open_list(BIN_NAME, 0, err)) < 0 ||
	    (ml.ascii_fd = open_list(ASCII_NAME, 0, err)) < 0)
		return err->code;
	ml.ascii_bytes = (uint64_t)lseek(ml.ascii_fd, 0, SEEK_END);
	return VIGIL_OK;
}

static int start_fresh(struct vigil_error *err)
{
	if ((ml.bin_fd = open_list(BIN_NAME, O_TRUNC, err)) < 0 ||
	    (ml.ascii_fd = open_list(ASCII_NAME, O_TRUNC, err)) < 0)
		return err->code;
	ml.ascii_bytes = 0;
	return commit(&ml.st, err);
}

static void close_lists(void)
{
	if (ml.bin_fd >= 0)
		close(ml.bin_fd);
	if (ml.ascii_fd >= 0)
		close(ml.ascii_fd);
	ml.bin_fd = ml.ascii_fd = -1;
}

/* A list without its state file cannot be checked: never overwrite it silently. */
static bool orphan_list(struct vigil_error *err)
{
	char path[PATH_MAX];
	struct stat st;

	path_of(path, sizeof(path), ml.dir, BIN_NAME);
	if (stat(path, &st) != 0 || st.st_size == 0)
		return false;
	vd_fail(err, VIGIL_ERR_INVALID, "%s has entries but %s/%s is missing", path, ml.dir,
		STATE_NAME);
	return true;
}

static int refuse(struct vigil_error *err, int rc)
{
	char why[VIGIL_ERROR_MSG_MAX];

	snprintf(why, sizeof(why), "%s", err->msg);
	return vd_fail(err, rc, "%s (refusing to start: the measurement list does not match its "
		       "stored state; --reset-log keeps it aside and starts a new list)", why);
}

static bool roll_forward(struct state *s);

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* The first bytes of a PCR in hex, for messages that must fit an error. */
static void short_hex(const uint8_t *p, size_t len, char out[20])
{
	vigil_hex(p, len < 8 ? len : 8, out);
	strcat(out, "..");
}

static int tpm_disagrees(const struct state *s, const struct bank *b, unsigned pcr,
			 const uint8_t *tpm, struct vigil_error *err)
{
	const char *name = vigil_hash_by_id(b->algo)->name;
	char have[20], want[20];

	short_hex(tpm, b->len, have);
	short_hex(b->pcr[pcr], b->len, want);
	if (s->entries == 0)
		return vd_fail(err, VIGIL_ERR_MISMATCH, "the TPM's %s PCR-%02u is %s, not zero: a "
			       "new measurement list starts from zero and can never agree with it "
			       "(something extended it before vigild; %s); restart the TPM "
			       "(reboot) or choose another tpm_pcr", name, pcr, have,
			       tpm_kernel_view());
	return vd_fail(err, VIGIL_ERR_MISMATCH, "the TPM's %s PCR-%02u is %s but the measurement "
		       "list in %s (%" PRIu64 " entries) replays to %s: %s; %s. Refusing to start: "
		       "the list cannot continue; --reset-log keeps it aside and starts a new one",
		       name, pcr, have, ml.dir, s->entries, want,
		       all_zero(tpm, b->len) ? "the TPM was reset since the list began (TPM "
		       "restart or reboot)" : "something else extended the TPM, or vigild stopped "
		       "between a TPM extend and its commit", tpm_kernel_view());
}

/* The TPM's PCRs equal the software ones in every bank they share. */
static int check_tpm(const struct state *s, struct vigil_error *err)
{
	uint32_t mask = s->used | (1u << ml.pcr);
	struct vigil_pcrs tpm;
	int rc;

	if (!tpm_enabled())
		return VIGIL_OK;
	if ((rc = tpm_read(mask, &tpm, err)) != VIGIL_OK)
		return rc;
	for (unsigned b = 0; b < s->nbanks; b++) {
		const struct vigil_pcr_bank *t = vigil_pcrs_find(&tpm, s->banks[b].algo);

		for (unsigned i = 0; t && i < VIGIL_PCR_COUNT; i++)
			if ((mask & (1u << i)) &&
			    memcmp(t->pcr[i], s->banks[b].pcr[i], s->banks[b].len) != 0)
				return tpm_disagrees(s, &s->banks[b], i, t->pcr[i], err);
	}
	return VIGIL_OK;
}

/*
 * Opens or resumes the list.  Returns 1 when the list is new (the caller
 * records boot_aggregate), 0 when resumed, < 0 on error.
 */
/*
 * One writer per list: a second vigild on the same run_dir would append
 * entries the first one's PCRs never saw.  The lock lives as long as the
 * process (its descriptor is never closed before exit).
 */
static int lock_dir(struct vigil_error *err)
{
	char path[sizeof(ml.dir) + 16];
	int fd;

	if (ml.lock_fd >= 0)
		return VIGIL_OK;
	snprintf(path, sizeof(path), "%s/vigild.lock", ml.dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot open %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		if (e == EWOULDBLOCK)
			return vd_fail(err, VIGIL_ERR_INVALID, "%s: another vigild writes this "
				       "measurement list", path);
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot lock %s", path);
	}
	ml.lock_fd = fd;
	return VIGIL_OK;
}

int mlog_open(const struct vigild_mlog_opts *o, struct vigil_error *err)
{
	char boot_id[64], stamp[32];
	struct state old;
	int rc;

	if (strlen(o->run_dir) > sizeof(ml.dir) - 64)
		return vd_fail(err, VIGIL_ERR_TOO_BIG, "run_dir %s: path too long", o->run_dir);
	if (o->pcr >= VIGIL_PCR_COUNT)
		return vd_fail(err, VIGIL_ERR_INVALID, "PCR %u: there are %d", o->pcr,
			       VIGIL_PCR_COUNT);
	ml.pcr = o->pcr;
	snprintf(ml.dir, sizeof(ml.dir), "%s", o->run_dir);
	if (mkdir(ml.dir, 0755) != 0 && errno != EEXIST)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot create run_dir %s", ml.dir);
	if ((rc = lock_dir(err)) != VIGIL_OK)
		return rc;
	read_boot_id(boot_id);
	if ((rc = init_banks(&ml.st, o, boot_id, err)) != VIGIL_OK)
		return rc;
	old = ml.st;
	rc = load_state(&old, err);
	snprintf(stamp, sizeof(stamp), "old-%lld", (long long)time(NULL));
	if (rc == VIGIL_OK && strcmp(old.boot_id, boot_id) != 0) {
		vlog(VLOG_INFO, "vigild: the list in %s is from another boot: starting a new one",
		     ml.dir);
		archive(stamp);
	} else if (rc == VIGIL_OK && !o->reset) {
		ml.st = old;
		if ((rc = resume(&ml.st, err)) != VIGIL_OK) {
			close_lists();
			return refuse(err, rc);
		}
		rc = check_tpm(&ml.st, err);
		if (rc == VIGIL_ERR_MISMATCH && roll_forward(&ml.st))
			rc = VIGIL_OK;
		if (rc == VIGIL_OK)
			rc = cut_uncommitted(ml.st.bytes, err);
		/* pcrs-BANK files of a commit that stopped half-way are rewritten. */
		if (rc == VIGIL_OK)
			rc = commit(&ml.st, err);
		if (rc != VIGIL_OK)
			close_lists();
		return rc;
	} else if (rc == VIGIL_ERR_NO_DATA && !o->reset && orphan_list(err)) {
		return refuse(err, VIGIL_ERR_INVALID);
	} else if (rc != VIGIL_ERR_NO_DATA && !o->reset) {
		return refuse(err, rc);
	} else if (o->reset) {
		archive(stamp);
	}
	if ((rc = check_tpm(&ml.st, err)) != VIGIL_OK || (rc = start_fresh(err)) != VIGIL_OK)
		return rc;
	return 1;
}

static int ensure_buf(size_t len, struct vigil_error *err)
{
	uint8_t *grown;

	if (len <= ml.cap)
		return VIGIL_OK;
	grown = realloc(ml.buf, len);
	if (!grown)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for a list entry");
	ml.buf = grown;
	ml.cap = len;
	return VIGIL_OK;
}

/* What a bank is extended with: the same bytes go to the software PCR and the TPM. */
static int bank_digest(const struct vigil_mlist_entry *e, const struct bank *b,
		       struct vigil_digest *d, struct vigil_error *err)
{
	if (e->violation) {
		d->algo = b->algo;
		d->len = b->len;
		memset(d->bytes, 0xff, b->len); /* the kernel extends violations with all ones */
		return VIGIL_OK;
	}
	return vigil_mlist_template_digest(e, b->algo, d, err);
}

/* Extends the software PCRs; digests[b] gets what bank b was extended with. */
static int extend(struct state *s, const struct vigil_mlist_entry *e,
		  struct vigil_digest digests[VIGIL_MAX_BANKS], struct vigil_error *err)
{
	uint8_t both[2 * VIGIL_MAX_DIGEST];
	struct vigil_digest out;
	int rc;

	if (e->pcr >= VIGIL_PCR_COUNT)
		return vd_fail(err, VIGIL_ERR_INVALID, "PCR %u: there are %d", e->pcr,
			       VIGIL_PCR_COUNT);
	for (unsigned b = 0; b < s->nbanks; b++) {
		struct bank *bk = &s->banks[b];

		if ((rc = bank_digest(e, bk, &digests[b], err)) != VIGIL_OK)
			return rc;
		if (digests[b].len != bk->len)
			return vd_fail(err, VIGIL_ERR_INVALID, "%s template digest of %zu bytes",
				       vigil_hash_by_id(bk->algo)->name, digests[b].len);
		memcpy(both, bk->pcr[e->pcr], bk->len);
		memcpy(both + bk->len, digests[b].bytes, bk->len);
		if ((rc = vigil_hash_buf(bk->algo, both, 2 * bk->len, &out, err)) != VIGIL_OK)
			return rc;
		memcpy(bk->pcr[e->pcr], out.bytes, bk->len);
	}
	s->used |= 1u << e->pcr;
	return VIGIL_OK;
}

/* Encodes rec and decodes it back: the entry the list will hold. */
static int encode(const struct vigil_mlist_record *rec, size_t *len, struct vigil_mlist_entry *e,
		  struct vigil_mlist_reader **r, struct vigil_error *err)
{
	int rc;

	if ((rc = vigil_mlist_encode(rec, LIST_ALGO, 0, NULL, 0, len, err)) != VIGIL_OK ||
	    (rc = ensure_buf(*len, err)) != VIGIL_OK ||
	    (rc = vigil_mlist_encode(rec, LIST_ALGO, 0, ml.buf, ml.cap, len, err)) != VIGIL_OK ||
	    (rc = vigil_mlist_reader_mem(ml.buf, *len, LIST_ALGO, 0, r, err)) != VIGIL_OK)
		return rc;
	rc = vigil_mlist_next(*r, e, err);
	if (rc == 1)
		return VIGIL_OK;
	return rc < 0 ? rc : vd_fail(err, VIGIL_ERR_INVALID, "an encoded entry does not decode");
}

static int write_ascii(const struct vigil_mlist_entry *e, struct vigil_error *err)
{
	char *line;
	size_t cap = vigil_mlist_ascii_size(e), n = 0;
	int rc;

	line = malloc(cap);
	if (!line)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for an ascii line");
	rc = vigil_mlist_ascii(e, line, cap, &n, err);
	if (rc == VIGIL_OK && write_all(ml.ascii_fd, line, n) != 0)
		rc = vd_fail_errno(err, VIGIL_ERR_IO, "cannot append to %s/%s", ml.dir, ASCII_NAME);
	free(line);
	if (rc == VIGIL_OK)
		ml.ascii_bytes += n;
	return rc;
}

static int write_entry(const struct vigil_mlist_entry *e, size_t len, struct vigil_error *err)
{
	if (write_all(ml.bin_fd, ml.buf, len) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot append to %s/%s", ml.dir, BIN_NAME);
	return write_ascii(e, err);
}

/* The entry written after the committed ones, as a list's first entry; 1 when complete. */
static int next_uncommitted(const struct state *s, struct vigil_mlist_reader **r,
			    struct vigil_mlist_entry *e, struct vigil_error *err)
{
	struct stat st;
	size_t len;

	if (fstat(ml.bin_fd, &st) != 0 || (uint64_t)st.st_size <= s->bytes)
		return 0;
	len = (uint64_t)st.st_size - s->bytes > VIGIL_MLIST_ENTRY_MAX + 4096u
	      ? VIGIL_MLIST_ENTRY_MAX + 4096u : (size_t)((uint64_t)st.st_size - s->bytes);
	if (ensure_buf(len, err) != VIGIL_OK ||
	    pread(ml.bin_fd, ml.buf, len, (off_t)s->bytes) != (ssize_t)len ||
	    vigil_mlist_reader_mem(ml.buf, len, LIST_ALGO, 0, r, err) != VIGIL_OK)
		return 0;
	return vigil_mlist_next(*r, e, err);
}

/*
 * A stop between a TPM extend and its commit leaves the TPM one entry
 * ahead, that entry written after the committed ones: when the TPM agrees
 * with the list plus that entry (its stored template digest checked too),
 * commit it.  True when it did.
 */
static bool roll_forward(struct state *s)
{
	struct vigil_digest digests[VIGIL_MAX_BANKS], sha1;
	struct vigil_error err = { 0 };
	struct vigil_mlist_reader *r = NULL;
	struct vigil_mlist_entry e;
	struct state next = *s;
	bool ok = false;

	if (tpm_enabled() && next_uncommitted(s, &r, &e, &err) == 1 &&
	    (e.violation || (vigil_mlist_template_digest(&e, LIST_ALGO, &sha1, &err) == VIGIL_OK &&
			     sha1.len == e.digest_len && !memcmp(sha1.bytes, e.digest, sha1.len))) &&
	    extend(&next, &e, digests, &err) == VIGIL_OK) {
		next.entries++;
		next.bytes += e.size;
		ok = check_tpm(&next, &err) == VIGIL_OK && write_ascii(&e, &err) == VIGIL_OK &&
		     commit(&next, &err) == VIGIL_OK;
	}
	vigil_mlist_reader_free(r);
	if (ok) {
		vlog(VLOG_WARN, "vigild: %s/%s: entry %" PRIu64 " was in the TPM but not committed "
		     "(vigild stopped in between): committed it now", ml.dir, BIN_NAME, s->entries);
		*s = next;
	}
	return ok;
}

/* Puts the files and PCRs back as they were before a failed append. */
static void roll_back(const struct state *before, uint64_t ascii_bytes)
{
	if (ftruncate(ml.bin_fd, (off_t)before->bytes) != 0 ||
	    ftruncate(ml.ascii_fd, (off_t)ascii_bytes) != 0)
		vlog(VLOG_ERR, "vigild: cannot roll back a failed append in %s: %s", ml.dir,
		     strerror(errno));
	ml.st = *before;
	ml.ascii_bytes = ascii_bytes;
}

static void count_extends(const struct vigil_mlist_entry *e)
{
	metrics_set(M_MEASUREMENTS, ml.st.entries);
	if (e->pcr == ml.pcr)
		metrics_inc(M_PCR10_EXTENDS);
	if (e->violation)
		metrics_inc(M_VIOLATIONS);
}

/* Software PCRs and the TPM: after this the entry cannot be taken back. */
static int extend_all(const struct vigil_mlist_entry *e, struct vigil_error *err)
{
	struct vigil_digest digests[VIGIL_MAX_BANKS];
	int rc;

	if ((rc = extend(&ml.st, e, digests, err)) != VIGIL_OK)
		return rc;
	if (tpm_enabled())
		return tpm_extend(e->pcr, digests, ml.st.nbanks, err);
	return VIGIL_OK;
}

int mlog_append(const struct vigil_mlist_record *rec, struct vigil_error *err)
{
	struct vigil_mlist_reader *r = NULL;
	struct vigil_mlist_entry e;
	struct state before;
	uint64_t ascii_before;
	size_t len = 0;
	int rc;

	pthread_mutex_lock(&ml.lock);
	before = ml.st;
	ascii_before = ml.ascii_bytes;
	rc = encode(rec, &len, &e, &r, err);
	if (rc == VIGIL_OK && (rc = write_entry(&e, len, err)) == VIGIL_OK)
		rc = extend_all(&e, err);
	if (rc == VIGIL_OK) {
		ml.st.entries++;
		ml.st.bytes += len;
		rc = commit(&ml.st, err);
	}
	/* Once the TPM has it, the entry stays even if the commit failed (the next retries). */
	if (rc != VIGIL_OK && !(tpm_enabled() && ml.st.entries > before.entries))
		roll_back(&before, ascii_before);
	else
		count_extends(&e);
	vigil_mlist_reader_free(r);
	pthread_mutex_unlock(&ml.lock);
	return rc;
}

unsigned mlog_pcr(void)
{
	return ml.pcr;
}

uint64_t mlog_count(void)
{
	uint64_t n;

	pthread_mutex_lock(&ml.lock);
	n = ml.st.entries;
	pthread_mutex_unlock(&ml.lock);
	return n;
}

void mlog_close(void)
{
	pthread_mutex_lock(&ml.lock);
	close_lists();
	free(ml.buf);
	ml.buf = NULL;
	ml.cap = 0;
	pthread_mutex_unlock(&ml.lock);
}

int mlog_status(const char *run_dir, struct vigil_error *err)
{
	char path[PATH_MAX], text[VIGIL_MAX_BANKS * VIGIL_PCR_COUNT * 160 + 256];
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), run_dir, STATE_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "no measurement list state: %s", path);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot read %s", path);
	text[n] = '\0';
	printf("run_dir %s\n%s", run_dir, strchr(text, '\n') ? strchr(text, '\n') + 1 : text);
	return VIGIL_OK;
}
