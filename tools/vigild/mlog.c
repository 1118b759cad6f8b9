/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The measurement list, as the kernel keeps it in securityfs, but in the
 * run directory: binary_runtime_measurements (the kernel's binary format,
 * SHA-1 template digests), ascii_runtime_measurements, and software PCRs,
 * one bank per configured algorithm, each extended with the bank's own
 * template digest (as kernels >= 5.8 extend a TPM).
 *
 * Crash safety: an entry is committed when the state file (entry count,
 * list size, PCR values) naming it has been renamed into place.  On start
 * the list is replayed and must reproduce the stored PCRs; bytes after the
 * last committed entry were never acknowledged (the open was still
 * waiting) and are cut off; anything else is refused unless --reset-log.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	pthread_mutex_t lock;
	char dir[PATH_MAX];
	int bin_fd, ascii_fd;
	uint64_t ascii_bytes;
	struct state st;
	uint8_t *buf;
	size_t cap;
} ml = { .lock = PTHREAD_MUTEX_INITIALIZER, .bin_fd = -1, .ascii_fd = -1 };

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

/* Replaces dir/name with text through a temporary and rename(). */
static int replace_file(const char *dir, const char *name, const char *text, size_t len,
			struct vigil_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int fd;

	path_of(path, sizeof(path), dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot create %s", tmp);
	if (write_all(fd, text, len) != 0 || close(fd) != 0) {
		vd_fail_errno(err, VIGIL_ERR_IO, "cannot write %s", tmp);
		unlink(tmp);
		return VIGIL_ERR_IO;
	}
	if (rename(tmp, path) != 0) {
		vd_fail_errno(err, VIGIL_ERR_IO, "cannot rename %s", tmp);
		unlink(tmp);
		return VIGIL_ERR_IO;
	}
	return VIGIL_OK;
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

	n = format_state(s, text, sizeof(text));
	if ((rc = replace_file(ml.dir, STATE_NAME, text, n, err)) != VIGIL_OK)
		return rc;
	for (unsigned b = 0; b < s->nbanks; b++) {
		snprintf(name, sizeof(name), "pcrs-%s", vigil_hash_by_id(s->banks[b].algo)->name);
		n = format_bank(&s->banks[b], text, sizeof(text));
		if ((rc = replace_file(ml.dir, name, text, n, err)) != VIGIL_OK)
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

static void init_banks(struct state *s, const struct vigild_mlog_opts *o, const char *boot_id)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->boot_id, sizeof(s->boot_id), "%s", boot_id);
	s->nbanks = o->nbanks;
	for (unsigned b = 0; b < o->nbanks; b++) {
		s->banks[b].algo = o->banks[b];
		s->banks[b].len = vigil_hash_by_id(o->banks[b])->digest_len;
	}
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
	if ((rc = cut_uncommitted(s->bytes, err)) != VIGIL_OK)
		return rc;
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

/*
 * Opens or resumes the list.  Returns 1 when the list is new (the caller
 * records boot_aggregate), 0 when resumed, < 0 on error.
 */
int mlog_open(const struct vigild_mlog_opts *o, struct vigil_error *err)
{
	char boot_id[64], stamp[32];
	struct state old;
	int rc;

	if (strlen(o->run_dir) > sizeof(ml.dir) - 64)
		return vd_fail(err, VIGIL_ERR_TOO_BIG, "run_dir %s: path too long", o->run_dir);
	snprintf(ml.dir, sizeof(ml.dir), "%s", o->run_dir);
	if (mkdir(ml.dir, 0755) != 0 && errno != EEXIST)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot create run_dir %s", ml.dir);
	read_boot_id(boot_id);
	init_banks(&ml.st, o, boot_id);
	old = ml.st;
	rc = load_state(&old, err);
	snprintf(stamp, sizeof(stamp), "old-%lld", (long long)time(NULL));
	if (rc == VIGIL_OK && strcmp(old.boot_id, boot_id) != 0) {
		vlog(VLOG_INFO, "vigild: the list in %s is from another boot: starting a new one",
		     ml.dir);
		archive(stamp);
	} else if (rc == VIGIL_OK && !o->reset) {
		ml.st = old;
		if ((rc = resume(&ml.st, err)) == VIGIL_OK)
			return 0;
		close_lists();
		return refuse(err, rc);
	} else if (rc == VIGIL_ERR_NO_DATA && !o->reset && orphan_list(err)) {
		return refuse(err, VIGIL_ERR_INVALID);
	} else if (rc != VIGIL_ERR_NO_DATA && !o->reset) {
		return refuse(err, rc);
	} else if (o->reset) {
		archive(stamp);
	}
	if ((rc = start_fresh(err)) != VIGIL_OK)
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

static int bank_digest(const struct vigil_mlist_entry *e, const struct bank *b, uint8_t *out,
		       struct vigil_error *err)
{
	struct vigil_digest d;
	int rc;

	if (e->violation) {
		memset(out, 0xff, b->len); /* the kernel extends violations with all ones */
		return VIGIL_OK;
	}
	if ((rc = vigil_mlist_template_digest(e, b->algo, &d, err)) != VIGIL_OK)
		return rc;
	memcpy(out, d.bytes, b->len);
	return VIGIL_OK;
}

static int extend(struct state *s, const struct vigil_mlist_entry *e, struct vigil_error *err)
{
	uint8_t digest[VIGIL_MAX_DIGEST], both[2 * VIGIL_MAX_DIGEST];
	struct vigil_digest out;
	int rc;

	for (unsigned b = 0; b < s->nbanks; b++) {
		struct bank *bk = &s->banks[b];

		if ((rc = bank_digest(e, bk, digest, err)) != VIGIL_OK)
			return rc;
		memcpy(both, bk->pcr[e->pcr], bk->len);
		memcpy(both + bk->len, digest, bk->len);
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

static int write_entry(const struct vigil_mlist_entry *e, size_t len, struct vigil_error *err)
{
	char *line;
	size_t cap = vigil_mlist_ascii_size(e), n = 0;
	int rc;

	if (write_all(ml.bin_fd, ml.buf, len) != 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot append to %s/%s", ml.dir, BIN_NAME);
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
	if (e->pcr == VIGILD_DEFAULT_PCR)
		metrics_inc(M_PCR10_EXTENDS);
	if (e->violation)
		metrics_inc(M_VIOLATIONS);
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
	if (rc == VIGIL_OK && (rc = write_entry(&e, len, err)) == VIGIL_OK &&
	    (rc = extend(&ml.st, &e, err)) == VIGIL_OK) {
		ml.st.entries++;
		ml.st.bytes += len;
		rc = commit(&ml.st, err);
	}
	if (rc != VIGIL_OK)
		roll_back(&before, ascii_before);
	else
		count_extends(&e);
	vigil_mlist_reader_free(r);
	pthread_mutex_unlock(&ml.lock);
	return rc;
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
