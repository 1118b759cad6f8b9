/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The evmctl personality's commands.  Each does what evmctl 1.4's does,
 * with its messages (info lines on stderr, values as hex on stdout) and
 * its return values: EV_OK, EV_FAIL (exit 1), EV_ERROR (exit 125).  The
 * formats, hashing and signing are libvigil's; this file only composes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "evmctl.h"

#define EV_SIGFILE_MAX 65536  /* a .sig file: one xattr value, with room */

typedef int (*ev_file_fn)(struct ev_ctx *c, const char *path, const char *shown);

static void info_hex(const struct ev_ctx *c, const uint8_t *buf, size_t len)
{
	if (c->verbose >= EV_LOG_INFO)
		ev_hexdump(stderr, buf, len);
}

/* Regular files are opened for hashing, anything else only for xattrs. */
static int open_file(const struct ev_ctx *c, const char *path, const char *shown)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		ev_err(c, "Failed to open: %s (%s)\n", shown, strerror(errno));
	return fd;
}

/* IMA hashes only regular files, and evmctl does not follow symlinks. */
static int open_regular(const struct ev_ctx *c, const char *path, const char *shown)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		ev_err(c, "Failed to stat: %s (%s)\n", shown, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		ev_err(c, "Unsupported file type (0x%x)\n", (unsigned)(st.st_mode & S_IFMT));
		return -1;
	}
	return open_file(c, path, shown);
}

static const struct vigil_hash_info *hash_algo(const struct ev_ctx *c)
{
	const struct vigil_hash_info *info = vigil_hash_by_name(c->algo_name);

	if (!info)
		ev_err(c, "Unknown hash algo: %s\n", c->algo_name);
	return info;
}

/* evmctl returns 1 for a digest OpenSSL lacks, -1 for other failures. */
static int hash_failed(const struct ev_ctx *c, const struct vigil_error *err)
{
	ev_err(c, "%s\n", err->msg);
	return err->code == VIGIL_ERR_UNSUPPORTED ? EV_FAIL : EV_ERROR;
}

/* Whether the keyid came from a certificate in the key file (evmctl says so). */
static bool key_file_cert(const struct vigil_privkey *key, const char *path)
{
	uint32_t keyid;

	return vigil_keyid_from_cert(path, &keyid, NULL) == VIGIL_OK &&
	       keyid == vigil_privkey_keyid(key);
}

/* The signing key, loaded on first use as evmctl loads it per signature. */
static const struct vigil_privkey *signing_key(struct ev_ctx *c)
{
	const char *path = c->keyfile ? c->keyfile : EV_DEFAULT_PRIVKEY;
	struct vigil_error err = { 0 };

	if (c->key)
		goto loaded;
	if (strncmp(path, "pkcs11:", 7) == 0) {
		ev_err(c, "pkcs11 URIs are not supported by vigil: %s\n", path);
		return NULL;
	}
	if (vigil_privkey_load(path, c->keypass, &c->key, &err) != VIGIL_OK) {
		if (err.code == VIGIL_ERR_IO)
			ev_err(c, "Failed to open keyfile: %s\n", path);
		else
			ev_err(c, "Failed to PEM_read_PrivateKey key file: %s\n", path);
		ev_err(c, "%s\n", err.msg);
		return NULL;
	}
	if (c->have_keyid)
		vigil_privkey_set_keyid(c->key, c->keyid);
	else
		c->key_cert_keyid = key_file_cert(c->key, path);
loaded:
	/* evmctl reads the key, and says where the keyid came from, per signature */
	if (c->key_cert_keyid)
		ev_info(c, "keyid %04x (from %s)\n", vigil_privkey_keyid(c->key), path);
	return c->key;
}

static int set_xattr(const struct ev_ctx *c, int fd, const char *name, const uint8_t *value,
		     size_t len, const char *shown)
{
	struct vigil_error err = { 0 };

	if (vigil_setxattr(fd, name, value, len, &err) != VIGIL_OK) {
		ev_err(c, "setxattr failed: %s (%s)\n", shown, err.msg);
		return EV_ERROR;
	}
	return EV_OK;
}

/* Reads a small file whole (.sig files, the HMAC key). */
static int read_small(const struct ev_ctx *c, const char *path, uint8_t *buf, size_t cap,
		      size_t *len)
{
	FILE *fp = fopen(path, "rb");

	ev_info(c, "Reading to %s\n", path);
	if (!fp) {
		ev_err(c, "Failed to open: %s (%s)\n", path, strerror(errno));
		return EV_ERROR;
	}
	*len = fread(buf, 1, cap, fp);
	if (ferror(fp) || !feof(fp)) {
		ev_err(c, "Failed to read %s: %s\n", path, ferror(fp) ? strerror(errno)
								   : "too big");
		fclose(fp);
		return EV_ERROR;
	}
	fclose(fp);
	return EV_OK;
}

/* --sigfile: the raw xattr value in FILE.sig, next to the file. */
static int write_sigfile(const struct ev_ctx *c, const char *path, const char *shown,
			 const uint8_t *value, size_t len)
{
	size_t n = strlen(path) + 5;
	char *name = malloc(n);
	FILE *fp;
	int rc = EV_OK;

	if (!name)
		return EV_ERROR;
	snprintf(name, n, "%s.sig", path);
	ev_info(c, "Writing to %s.sig\n", shown);
	fp = fopen(name, "wb");
	if (!fp || fwrite(value, 1, len, fp) != len) {
		ev_err(c, "Failed to open: %s (%s)\n", name, strerror(errno));
		rc = EV_ERROR;
	}
	if (fp && fclose(fp) != 0 && rc == EV_OK) {
		ev_err(c, "Failed to write: %s (%s)\n", name, strerror(errno));
		rc = EV_ERROR;
	}
	free(name);
	return rc;
}

/* ---- recursion (-r, -t) ---- */

static bool is_dir_entry(int dfd, const struct dirent *de, unsigned char *type)
{
	struct stat st;

	*type = de->d_type;
	if (*type == DT_UNKNOWN && fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		*type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
	return *type == DT_DIR;
}

/*
 * evmctl's find(): regular files (or the -t types), depth first, in
 * directory order; a file's failure does not stop the walk nor change the
 * exit code.  Messages name the entry as evmctl's (which chdir()s) do.
 */
static int walk(struct ev_ctx *c, const char *dir, unsigned mask, ev_file_fn fn)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (c->fs_dev) {
		if (lstat(dir, &st) < 0) {
			ev_err(c, "Failed to stat: %s\n", dir);
			return EV_ERROR;
		}
		if (st.st_dev != c->fs_dev)
			return EV_OK;
	}
	d = opendir(dir);
	if (!d) {
		ev_err(c, "Failed to open directory %s\n", dir);
		return EV_ERROR;
	}
	while ((de = readdir(d))) {
		unsigned char type;
		char *child;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&child, "%s/%s", dir, de->d_name) < 0)
			break;
		if (is_dir_entry(dirfd(d), de, &type))
			walk(c, child, mask, fn);
		else if (type < 32 && (mask & (1u << type)))
			fn(c, child, de->d_name);
		free(child);
	}
	closedir(d);
	return EV_OK;
}

/* -t: f selects regular files, x and m change the walk; others are ignored. */
static int search_mask(struct ev_ctx *c, const char *path, unsigned *mask)
{
	struct stat st;

	*mask = 0;
	for (const char *t = c->search_type; *t; t++) {
		if (*t == 'f') {
			*mask |= 1u << DT_REG;
		} else if (*t == 'x') {
			c->check_xattr = true;
		} else if (*t == 'm') {
			if (lstat(path, &st) < 0) {
				ev_err(c, "Failed to stat: %s\n", path);
				return EV_ERROR;
			}
			c->fs_dev = st.st_dev;
		}
	}
	return EV_OK;
}

/* One path argument, walked with -r; evmctl ignores further arguments. */
static int do_cmd(struct ev_ctx *c, const struct ev_command *cmd, ev_file_fn fn)
{
	const char *path = ev_next_arg(c);
	unsigned mask = 1u << DT_REG;

	if (!path)
		return ev_missing(c, cmd);
	if (!c->recursive)
		return fn(c, path, path);
	if (c->search_type && search_mask(c, path, &mask) != EV_OK)
		return EV_ERROR;
	return walk(c, path, mask, fn);
}

/* ---- ima_hash, ima_sign ---- */

static int ima_hash_file(struct ev_ctx *c, const char *path, const char *shown)
{
	const struct vigil_hash_info *algo = hash_algo(c);
	struct vigil_error err = { 0 };
	uint8_t value[VIGIL_XATTR_MAX];
	size_t len;
	int fd, rc;

	if (!algo)
		return EV_ERROR;
	if ((fd = open_regular(c, path, shown)) < 0)
		return EV_ERROR;
	if (vigil_ima_hash_value(fd, algo->id, value, sizeof(value), &len, &err) != VIGIL_OK) {
		close(fd);
		return hash_failed(c, &err);
	}
	ev_info(c, "hash(%s): ", c->algo_name);
	ev_hexdump(stdout, value, len);
	rc = c->set_xattr ? set_xattr(c, fd, c->ima_xattr, value, len, shown) : EV_OK;
	close(fd);
	return rc;
}

/* Signs a digest as a security.ima value (type 0x03), with evmctl's messages. */
static int sign_digest(struct ev_ctx *c, const struct vigil_digest *digest, uint8_t *out,
		       size_t cap, size_t *len)
{
	const struct vigil_privkey *key;
	struct vigil_error err = { 0 };

	ev_info(c, "hash(%s): ", vigil_hash_by_id(digest->algo)->name);
	info_hex(c, digest->bytes, digest->len);
	if (!(key = signing_key(c)))
		return EV_ERROR;
	if (vigil_sign_v2(key, VIGIL_EVM_IMA_XATTR_DIGSIG, digest, out, cap, len, &err) !=
	    VIGIL_OK) {
		ev_err(c, "sign_hash_v2: signing failed: (%s)\n", err.msg);
		return EV_ERROR;
	}
	ev_info(c, "evm/ima signature: %zu bytes\n", *len - 1);
	return EV_OK;
}

static int ima_sign_fd(struct ev_ctx *c, int fd, const char *path, const char *shown)
{
	const struct vigil_hash_info *algo = hash_algo(c);
	struct vigil_error err = { 0 };
	struct vigil_digest digest;
	uint8_t value[VIGIL_XATTR_MAX];
	size_t len;
	int rc;

	if (!algo)
		return EV_ERROR;
	if (vigil_hash_fd(algo->id, fd, &digest, &err) != VIGIL_OK)
		return hash_failed(c, &err);
	if ((rc = sign_digest(c, &digest, value, sizeof(value), &len)) != EV_OK)
		return rc;
	ev_hexdump(stdout, value, len);
	if (c->sigfile && (rc = write_sigfile(c, path, shown, value, len)) != EV_OK)
		return rc;
	return c->set_xattr ? set_xattr(c, fd, c->ima_xattr, value, len, shown) : EV_OK;
}

static int ima_sign_file(struct ev_ctx *c, const char *path, const char *shown)
{
	int fd = open_regular(c, path, shown);
	int rc;

	if (fd < 0)
		return EV_ERROR;
	rc = ima_sign_fd(c, fd, path, shown);
	close(fd);
	return rc;
}

int ev_cmd_ima_hash(struct ev_ctx *c, const struct ev_command *cmd)
{
	return do_cmd(c, cmd, ima_hash_file);
}

int ev_cmd_ima_sign(struct ev_ctx *c, const struct ev_command *cmd)
{
	return do_cmd(c, cmd, ima_sign_file);
}

/* ---- keys for verification ---- */

void ev_report_unknown_key(struct ev_ctx *c, uint32_t keyid)
{
	size_t i, n = c->n_unknown;

	for (i = 0; i < n; i++)
		if (c->unknown_keyids[i] == keyid)
			return;
	if (n < sizeof(c->unknown_keyids) / sizeof(c->unknown_keyids[0]))
		c->unknown_keyids[c->n_unknown++] = keyid;
	ev_err(c, "key %zu: %x (unknown keyid)\n", vigil_keyset_count(c->keys) + n + 1, keyid);
}

static void load_one_pubkey(struct ev_ctx *c, const char *path)
{
	struct vigil_error err = { 0 };
	size_t before = vigil_keyset_count(c->keys);

	if (vigil_keyset_load(c->keys, path, &err) != VIGIL_OK) {
		/* evmctl is silent about a missing default key unless -v */
		if (err.code != VIGIL_ERR_IO || c->verbose > EV_LOG_INFO)
			ev_err(c, "%s\n", err.msg);
	}
	for (size_t i = before; i < vigil_keyset_count(c->keys); i++) {
		const struct vigil_pubkey *key = vigil_keyset_at(c->keys, i);

		ev_log(c, EV_LOG_DEBUG, "keyid: %x\n", vigil_pubkey_keyid(key));
		ev_info(c, "key %zu: %x %s\n", i + 1, vigil_pubkey_keyid(key),
			vigil_pubkey_source(key));
	}
}

/* -k for verification: certificates or public keys, separated by ", \t". */
int ev_load_pubkeys(struct ev_ctx *c)
{
	char *list, *rest, *path;

	if (c->keys)
		return EV_OK;
	if (!(c->keys = vigil_keyset_new()) ||
	    !(list = strdup(c->keyfile ? c->keyfile : EV_DEFAULT_X509))) {
		ev_err(c, "out of memory\n");
		return EV_ERROR;
	}
	rest = list;
	while ((path = strsep(&rest, ", \t")))
		if (*path)
			load_one_pubkey(c, path);
	free(list);
	return EV_OK;
}

/* How a signature check ended, in evmctl's words; EV_FAIL or EV_ERROR as asked. */
static int report_sig(struct ev_ctx *c, const char *shown, int code, uint32_t keyid,
		      const struct vigil_error *err, int unknown_rc)
{
	switch (code) {
	case VIGIL_OK:
		ev_info(c, "%s: verification is OK\n", shown);
		return EV_OK;
	case VIGIL_ERR_UNKNOWN_KEY:
		ev_report_unknown_key(c, keyid);
		ev_log(c, EV_LOG_DEBUG, "%s: verification failed: unknown keyid %x\n", shown,
		       keyid);
		return unknown_rc;
	case VIGIL_ERR_BAD_SIGNATURE:
		ev_err(c, "%s: verification failed: 0 (bad signature)\n", shown);
		return EV_FAIL;
	}
	ev_err(c, "%s: verification failed: %s\n", shown, err->msg);
	return unknown_rc;
}

/* ---- ima_verify ---- */

static int ima_value(struct ev_ctx *c, int fd, const char *path, const char *shown,
		     uint8_t *value, size_t cap, size_t *len)
{
	struct vigil_error err = { 0 };
	char *name;
	int rc;

	if (!c->sigfile) {
		if (vigil_getxattr(fd, c->ima_xattr, value, cap, len, &err) != VIGIL_OK) {
			ev_err(c, "getxattr failed: %s (%s)\n", shown, err.msg);
			return EV_FAIL;
		}
		return EV_OK;
	}
	if (asprintf(&name, "%s.sig", path) < 0)
		return EV_ERROR;
	rc = read_small(c, name, value, cap, len);
	free(name);
	if (rc != EV_OK)
		ev_err(c, "Failed reading: %s\n", shown);
	return rc == EV_OK ? EV_OK : EV_FAIL;
}

static int ima_verify_file(struct ev_ctx *c, const char *path)
{
	struct vigil_error err = { 0 };
	struct vigil_ima_verdict v;
	uint8_t value[EV_SIGFILE_MAX];
	size_t len = 0;
	int fd = open_file(c, path, path);
	int rc;

	if (fd < 0)
		return EV_FAIL;
	rc = ima_value(c, fd, path, path, value, sizeof(value), &len);
	if (rc == EV_OK && (len == 0 || value[0] != VIGIL_EVM_IMA_XATTR_DIGSIG)) {
		ev_err(c, "%s: xattr ima has no signature\n", path);
		rc = EV_FAIL;
	}
	if (rc != EV_OK) {
		close(fd);
		return rc;
	}
	vigil_ima_appraise(fd, value, len, c->keys, VIGIL_IMA_REQUIRE_SIG, &v, &err);
	close(fd);
	if (c->verbose > EV_LOG_INFO && v.digest.len) {
		ev_info(c, "hash(%s): ", vigil_hash_by_id(v.digest.algo)->name);
		info_hex(c, v.digest.bytes, v.digest.len);
	}
	return report_sig(c, path, v.code, v.keyid, &err, EV_FAIL) == EV_OK ? EV_OK : EV_FAIL;
}

/* Every argument is a file; the exit code is 1 if any failed. */
int ev_cmd_ima_verify(struct ev_ctx *c, const struct ev_command *cmd)
{
	const char *file;
	int fails = 0;

	if (ev_load_pubkeys(c) != EV_OK)
		return EV_ERROR;
	if (!(file = ev_next_arg(c)))
		return ev_missing(c, cmd);
	do {
		if (ima_verify_file(c, file) != EV_OK)
			fails++;
	} while ((file = ev_next_arg(c)));
	return fails ? EV_FAIL : EV_OK;
}

/* ---- ima_setxattr, ima_clear, ima_fix ---- */

static int setxattr_from(const struct ev_ctx *c, const char *file, const char *sigpath)
{
	uint8_t *value = malloc(EV_SIGFILE_MAX);
	size_t len;
	int fd, rc = EV_ERROR;

	if (value && read_small(c, sigpath, value, EV_SIGFILE_MAX, &len) == EV_OK &&
	    (fd = open_file(c, file, file)) >= 0) {
		rc = set_xattr(c, fd, c->ima_xattr, value, len, file);
		close(fd);
	}
	free(value);
	return rc;
}

/* ima_setxattr [--sigfile SIGFILE] FILE: FILE.sig by default. */
int ev_cmd_ima_setxattr(struct ev_ctx *c, const struct ev_command *cmd)
{
	const char *sig = c->sigfile ? ev_next_arg(c) : NULL;
	const char *file = ev_next_arg(c);
	char *name;
	int rc;

	if (!file)
		return ev_missing(c, cmd);
	if (sig)
		return setxattr_from(c, file, sig);
	if (asprintf(&name, "%s.sig", file) < 0)
		return EV_ERROR;
	rc = setxattr_from(c, file, name);
	free(name);
	return rc;
}

/*
 * Works on the path, not an open file: opening a file the kernel appraises
 * may be refused, and is exactly what clearing its xattrs must not need.
 */
static int ima_clear_file(struct ev_ctx *c, const char *path, const char *shown)
{
	ev_info(c, "%s\n", shown);
	lremovexattr(path, c->ima_xattr);
	lremovexattr(path, c->evm_xattr);
	return EV_OK;
}

int ev_cmd_ima_clear(struct ev_ctx *c, const struct ev_command *cmd)
{
	return do_cmd(c, cmd, ima_clear_file);
}

/*
 * With the kernel's ima_appraise=fix, opening a file for reading makes it
 * (re)write security.ima; -t x skips files that have both xattrs, looked
 * up by path so as not to trigger that.
 */
static int ima_fix_file(struct ev_ctx *c, const char *path, const char *shown)
{
	int fd;

	ev_info(c, "%s\n", shown);
	if (c->check_xattr && lgetxattr(path, c->ima_xattr, NULL, 0) >= 0 &&
	    lgetxattr(path, c->evm_xattr, NULL, 0) >= 0)
		return EV_OK;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ev_err(c, "Failed to open file: %s: errno: %s (%d)\n", shown, strerror(errno),
		       errno);
		return EV_ERROR;
	}
	close(fd);
	return EV_OK;
}

int ev_cmd_ima_fix(struct ev_ctx *c, const struct ev_command *cmd)
{
	return do_cmd(c, cmd, ima_fix_file);
}

/* ---- EVM: sign, verify, hmac ---- */

/* Storage for the EVM options of one file, and what to print about them. */
struct evm_job {
	struct vigil_evm_opts o;
	uint8_t ima[VIGIL_XATTR_MAX];   /* --ima, or user.ima with --xattr-user */
	bool print_uuid;
};

static void add_override(struct evm_job *job, const char *name, const uint8_t *value,
			 size_t len)
{
	struct vigil_evm_override *ov = &job->o.overrides[job->o.n_overrides++];

	ov->name = name;
	ov->value = value;
	ov->len = len;
}

static unsigned long num(const char *text)
{
	return strtoul(text, NULL, 10);
}

/* --ino, --uid, --gid, --mode: decimal, as evmctl reads them. */
static void inode_overrides(const struct ev_ctx *c, struct evm_job *job)
{
	struct vigil_evm_opts *o = &job->o;

	if ((o->have_ino = c->ino_str != NULL))
		o->ino = num(c->ino_str);
	if ((o->have_uid = c->uid_str != NULL))
		o->uid = (uint32_t)num(c->uid_str);
	if ((o->have_gid = c->gid_str != NULL))
		o->gid = (uint32_t)num(c->gid_str);
	if ((o->have_mode = c->mode_str != NULL))
		o->mode = (uint16_t)num(c->mode_str);
}

/* The inode generation evmctl hashes: its ioctl for regular files, else 0. */
static int evm_generation(const struct ev_ctx *c, int fd, bool use_opt, struct evm_job *job)
{
	struct vigil_error err = { 0 };
	uint32_t generation = 0;
	struct stat st;

	if (use_opt && c->generation_str) {
		generation = (uint32_t)num(c->generation_str);
	} else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		   vigil_fs_generation(fd, &generation, &err) != VIGIL_OK) {
		ev_err(c, "ioctl() failed: %s\n", err.msg);
		return EV_ERROR;
	}
	job->o.have_generation = true;
	job->o.generation = generation;
	ev_info(c, "generation: %u\n", generation);
	return EV_OK;
}

/* -u: none; -uUUID: that one; neither: the filesystem's (not for portable). */
static int evm_uuid(const struct ev_ctx *c, int fd, struct evm_job *job)
{
	struct vigil_error err = { 0 };

	job->o.uuid_mode = VIGIL_EVM_UUID_NONE;
	if (job->o.portable || c->no_uuid)
		return EV_OK;
	if (c->uuid_str) {
		if (vigil_parse_uuid(c->uuid_str, job->o.uuid, &err) != VIGIL_OK) {
			ev_err(c, "wrong UUID format\n");
			return EV_ERROR;
		}
	} else if (vigil_fs_uuid(fd, job->o.uuid, &err) != VIGIL_OK) {
		ev_err(c, "Failed to read UUID. Root access might require. (%s)\n", err.msg);
		return EV_ERROR;
	}
	job->o.uuid_mode = VIGIL_EVM_UUID_CUSTOM;
	job->print_uuid = true;
	return EV_OK;
}

/*
 * The security.ima that goes into the EVM data: --ima, else the file's.
 * A portable signature needs one; with --xattr-user evmctl reads it from
 * user.ima (the other xattrs always come from security.*).
 */
static int evm_ima_value(const struct ev_ctx *c, int fd, struct evm_job *job)
{
	struct vigil_error err = { 0 };
	size_t len;
	long n;

	if (c->ima_str) {
		n = vigil_unhex(c->ima_str, job->ima, sizeof(job->ima));
		if (n < 0) {
			ev_err(c, "invalid --ima value: %s\n", c->ima_str);
			return EV_ERROR;
		}
		add_override(job, "security.ima", job->ima, (size_t)n);
		return EV_OK;
	}
	if (!job->o.portable)
		return EV_OK;
	if (vigil_getxattr(fd, c->ima_xattr, job->ima, sizeof(job->ima), &len, &err) !=
	    VIGIL_OK) {
		ev_err(c, "EVM portable sig: %s required\n", c->ima_xattr);
		return EV_ERROR;
	}
	if (strcmp(c->ima_xattr, "security.ima") != 0)
		add_override(job, "security.ima", job->ima, len);
	return EV_OK;
}

/* --selinux (with its NUL, as evmctl hashes it) and --caps (raw text). */
static void label_overrides(const struct ev_ctx *c, struct evm_job *job)
{
	if (c->selinux_str)
		add_override(job, "security.selinux", (const uint8_t *)c->selinux_str,
			     strlen(c->selinux_str) + 1);
	if (c->caps_set)
		add_override(job, "security.capability", (const uint8_t *)c->caps_str,
			     c->caps_str ? strlen(c->caps_str) : 0);
}

/* Options for signing and verifying: all of evmctl's EVM options apply. */
static int evm_sig_job(const struct ev_ctx *c, int fd, bool portable, struct evm_job *job)
{
	memset(job, 0, sizeof(*job));
	job->o.portable = portable;
	job->o.smack = c->smack;
	job->o.word_bits = c->word_bits;
	inode_overrides(c, job);
	label_overrides(c, job);
	if (evm_generation(c, fd, true, job) != EV_OK || evm_ima_value(c, fd, job) != EV_OK)
		return EV_ERROR;
	return evm_uuid(c, fd, job);
}

/* evmctl 1.4's hmac takes none of those options but --smack and --m32/64, and no UUID. */
static int evm_hmac_job(const struct ev_ctx *c, int fd, struct evm_job *job)
{
	memset(job, 0, sizeof(*job));
	job->o.smack = c->smack;
	job->o.word_bits = c->word_bits;
	job->o.uuid_mode = VIGIL_EVM_UUID_NONE;
	return evm_generation(c, fd, false, job);
}

static bool name_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *short_name = strchr(name, '.') + 1;
	size_t sn = strlen(short_name);

	for (const char *p = list; p && *p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL) {
		size_t len = strcspn(p, "|");

		if ((len == n && memcmp(p, name, n) == 0) ||
		    (len == sn && memcmp(p, short_name, sn) == 0))
			return true;
	}
	return false;
}

static long value_size(int fd, const struct evm_job *job, const char *name)
{
	for (size_t i = 0; i < job->o.n_overrides; i++)
		if (strcmp(job->o.overrides[i].name, name) == 0)
			return (long)job->o.overrides[i].len;
	return (long)fgetxattr(fd, name, NULL, 0);
}

/* A portable signature's security.ima may have come from user.ima. */
static const char *shown_name(const struct ev_ctx *c, const struct evm_job *job,
			      const char *name)
{
	if (job->o.portable && !c->ima_str && strcmp(name, "security.ima") == 0)
		return c->ima_xattr;
	return name;
}

/* evmctl's account of what went into the EVM data. */
static void print_evm_data(const struct ev_ctx *c, int fd, const struct evm_job *job,
			   const struct vigil_evm_data *data)
{
	static const char *const names[] = {
		"security.selinux", "security.SMACK64", "security.SMACK64EXEC",
		"security.SMACK64TRANSMUTE", "security.SMACK64MMAP", "security.apparmor",
		"security.ima", "security.capability",
	};
	const char *list = vigil_evm_data_xattr_names(data);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!c->smack && i >= 2 && i <= 4)
			continue;
		/* --caps without a value leaves it out, silently as evmctl does */
		if (c->caps_set && !c->caps_str && i == 7)
			continue;
		if (name_listed(list, names[i]))
			ev_info(c, "name: %s, size: %ld\n", shown_name(c, job, names[i]),
				value_size(fd, job, names[i]));
		else
			ev_info(c, "no xattr: %s\n", names[i]);
	}
	if (job->print_uuid) {
		ev_info(c, "uuid: ");
		info_hex(c, job->o.uuid, sizeof(job->o.uuid));
	}
}

static int evm_build(const struct ev_ctx *c, int fd, const struct evm_job *job,
		     struct vigil_evm_data **data)
{
	struct vigil_error err = { 0 };

	if (vigil_evm_data_build(fd, &job->o, data, &err) != VIGIL_OK) {
		ev_err(c, "%s\n", err.msg);
		return EV_ERROR;
	}
	print_evm_data(c, fd, job, *data);
	return EV_OK;
}

static int evm_digest(const struct ev_ctx *c, const struct vigil_evm_data *data, int algo,
		      struct vigil_digest *digest)
{
	struct vigil_error err = { 0 };
	const uint8_t *bytes;
	size_t len;

	bytes = vigil_evm_data_bytes(data, &len);
	if (vigil_hash_buf(algo, bytes, len, digest, &err) != VIGIL_OK)
		return hash_failed(c, &err);
	return EV_OK;
}

static int evm_sign_fd(struct ev_ctx *c, int fd, const char *shown)
{
	const struct vigil_hash_info *algo = hash_algo(c);
	struct vigil_evm_data *data = NULL;
	struct vigil_error err = { 0 };
	const struct vigil_privkey *key;
	struct vigil_digest digest;
	uint8_t value[VIGIL_XATTR_MAX];
	struct evm_job job;
	size_t len;
	int rc;

	if (!algo || evm_sig_job(c, fd, c->portable, &job) != EV_OK)
		return EV_ERROR;
	if ((rc = evm_build(c, fd, &job, &data)) != EV_OK ||
	    (rc = evm_digest(c, data, algo->id, &digest)) != EV_OK)
		goto out;
	ev_info(c, "hash(%s): ", c->algo_name);
	info_hex(c, digest.bytes, digest.len);
	rc = EV_ERROR;
	if (!(key = signing_key(c)))
		goto out;
	if (vigil_evm_sign(data, key, algo->id, value, sizeof(value), &len, &err) != VIGIL_OK) {
		ev_err(c, "sign_hash_v2: signing failed: (%s)\n", err.msg);
		goto out;
	}
	ev_info(c, "evm/ima signature: %zu bytes\n", len - 1);
	ev_hexdump(stdout, value, len);
	rc = c->set_xattr ? set_xattr(c, fd, c->evm_xattr, value, len, shown) : EV_OK;
out:
	vigil_evm_data_free(data);
	return rc;
}

/* --imasig and --imahash first write security.ima, which EVM then covers. */
static int ima_first(struct ev_ctx *c, const char *path, const char *shown)
{
	int rc;

	if (c->imasig && (rc = ima_sign_file(c, path, shown)) != EV_OK)
		return rc;
	if (c->imahash && (rc = ima_hash_file(c, path, shown)) != EV_OK)
		return rc;
	return EV_OK;
}

static int sign_file(struct ev_ctx *c, const char *path, const char *shown)
{
	int fd, rc;

	if ((rc = ima_first(c, path, shown)) != EV_OK)
		return rc;
	if ((fd = open_file(c, path, shown)) < 0)
		return EV_ERROR;
	rc = evm_sign_fd(c, fd, shown);
	close(fd);
	return rc;
}

int ev_cmd_sign(struct ev_ctx *c, const struct ev_command *cmd)
{
	return do_cmd(c, cmd, sign_file);
}

/* security.evm must hold a signature (evmctl's verify does not do HMACs). */
static int evm_sig_value(const struct ev_ctx *c, int fd, const char *shown, uint8_t *value,
			 size_t cap, struct vigil_xattr *x)
{
	struct vigil_error err = { 0 };
	size_t len;

	if (vigil_getxattr(fd, c->evm_xattr, value, cap, &len, &err) != VIGIL_OK) {
		ev_err(c, "getxattr failed: %s (%s)\n", shown, err.msg);
		return EV_ERROR;
	}
	if (value[0] != VIGIL_EVM_IMA_XATTR_DIGSIG &&
	    value[0] != VIGIL_EVM_XATTR_PORTABLE_DIGSIG) {
		ev_err(c, "%s has no signature\n", c->evm_xattr);
		return EV_ERROR;
	}
	if (value[0] == VIGIL_EVM_XATTR_PORTABLE_DIGSIG && (len < 2 || value[1] != 2)) {
		ev_err(c, "Portable sig: invalid type\n");
		return EV_ERROR;
	}
	if (vigil_xattr_decode(value, len, VIGIL_XATTR_EVM, x, &err) != VIGIL_OK) {
		ev_err(c, "%s: verification failed: %s\n", shown, err.msg);
		return EV_ERROR;
	}
	return EV_OK;
}

static int evm_verify_fd(struct ev_ctx *c, int fd, const char *shown)
{
	struct vigil_evm_data *data = NULL;
	struct vigil_error err = { 0 };
	uint8_t value[VIGIL_XATTR_MAX];
	struct vigil_digest digest;
	struct vigil_xattr x;
	struct evm_job job;
	int rc;

	if (evm_sig_value(c, fd, shown, value, sizeof(value), &x) != EV_OK)
		return EV_ERROR;
	if (evm_sig_job(c, fd, c->portable || x.type == VIGIL_EVM_XATTR_PORTABLE_DIGSIG,
			&job) != EV_OK)
		return EV_ERROR;
	if ((rc = evm_build(c, fd, &job, &data)) != EV_OK ||
	    (rc = evm_digest(c, data, x.hash_algo, &digest)) != EV_OK)
		goto out;
	if (c->verbose > EV_LOG_INFO) {
		ev_info(c, "hash(%s): ", vigil_hash_by_id(x.hash_algo)->name);
		info_hex(c, digest.bytes, digest.len);
	}
	rc = vigil_verify_sig(c->keys, &x, &digest, NULL, &err);
	rc = report_sig(c, shown, rc, x.keyid, &err, EV_ERROR);
out:
	vigil_evm_data_free(data);
	return rc;
}

/* One file; a bad signature exits 1, anything else that fails 125. */
int ev_cmd_verify(struct ev_ctx *c, const struct ev_command *cmd)
{
	const char *file = ev_next_arg(c);
	int fd, rc;

	if (!file)
		return ev_missing(c, cmd);
	if (ev_load_pubkeys(c) != EV_OK)
		return EV_ERROR;
	if ((fd = open_file(c, file, file)) < 0)
		return EV_ERROR;
	rc = evm_verify_fd(c, fd, file);
	close(fd);
	return rc;
}

static int read_hmac_key(const struct ev_ctx *c, uint8_t *key, size_t *len)
{
	const char *path = c->hmackey ? c->hmackey : EV_DEFAULT_HMACKEY;
	uint8_t buf[VIGIL_EVM_KEY_MAX + 1];

	if (read_small(c, path, buf, sizeof(buf), len) != EV_OK) {
		ev_err(c, "Failed to read a key: %s\n", path);
		return EV_ERROR;
	}
	if (*len > VIGIL_EVM_KEY_MAX) {
		ev_err(c, "key is too long: %zu\n", *len);
		return EV_ERROR;
	}
	memcpy(key, buf, *len);
	memset(buf, 0, sizeof(buf));
	return EV_OK;
}

/*
 * The kernel's EVM HMAC is HMAC-SHA1 whatever -a says; evmctl 1.4 used -a's
 * algorithm (sha256 by default), which no kernel accepts.
 */
static int hmac_fd(struct ev_ctx *c, int fd, const char *shown, const uint8_t *key,
		   size_t keylen)
{
	struct vigil_evm_data *data = NULL;
	struct vigil_error err = { 0 };
	uint8_t hmac[VIGIL_EVM_HMAC_LEN], value[1 + VIGIL_EVM_HMAC_LEN];
	struct evm_job job;
	size_t len;
	int rc;

	if (evm_hmac_job(c, fd, &job) != EV_OK || evm_build(c, fd, &job, &data) != EV_OK)
		return EV_ERROR;
	rc = EV_ERROR;
	if (vigil_evm_hmac(data, key, keylen, hmac, &err) != VIGIL_OK ||
	    vigil_xattr_encode_hmac(hmac, value, sizeof(value), &len, &err) != VIGIL_OK) {
		ev_err(c, "%s\n", err.msg);
		goto out;
	}
	ev_info(c, "hmac: ");
	info_hex(c, hmac, sizeof(hmac));
	rc = c->set_xattr ? set_xattr(c, fd, c->evm_xattr, value, len, shown) : EV_OK;
out:
	vigil_evm_data_free(data);
	return rc;
}

int ev_cmd_hmac(struct ev_ctx *c, const struct ev_command *cmd)
{
	const char *file = ev_next_arg(c);
	uint8_t key[VIGIL_EVM_KEY_MAX];
	size_t keylen;
	int fd, rc;

	if (!file)
		return ev_missing(c, cmd);
	if ((rc = ima_first(c, file, file)) != EV_OK)
		return rc;
	if (c->algo_given && strcmp(c->algo_name, "sha1") != 0)
		ev_err(c, "note: EVM HMACs are HMAC-SHA1; -a %s applies to --imasig/--imahash only\n",
		       c->algo_name);
	if (read_hmac_key(c, key, &keylen) != EV_OK)
		return EV_ERROR;
	if ((fd = open_file(c, file, file)) < 0) {
		rc = EV_ERROR;
	} else {
		rc = hmac_fd(c, fd, file, key, keylen);
		close(fd);
	}
	memset(key, 0, sizeof(key));
	return rc;
}

/* ---- sign_hash ---- */

/* Hex up to the first ", \t" of text into a digest; false if not hex. */
static bool parse_hex_digest(const char *text, int algo, struct vigil_digest *digest)
{
	char hex[2 * VIGIL_MAX_DIGEST + 1];
	size_t n = strcspn(text, ", \t");
	long len;

	if (n == 0 || n >= sizeof(hex))
		return false;
	memcpy(hex, text, n);
	hex[n] = '\0';
	len = vigil_unhex(hex, digest->bytes, sizeof(digest->bytes));
	if (len <= 0)
		return false;
	digest->algo = algo;
	digest->len = (size_t)len;
	return true;
}

/* A sha*sum line: "hexdigest  path", signed as it is with -a's algorithm. */
static int sign_hash_line(struct ev_ctx *c, const char *line, uint8_t *out, size_t cap,
			  size_t *len)
{
	const struct vigil_hash_info *algo = hash_algo(c);
	struct vigil_digest digest;

	if (!algo)
		return EV_ERROR;
	if (!parse_hex_digest(line, algo->id, &digest)) {
		ev_err(c, "Invalid hash: %s\n", line);
		return EV_ERROR;
	}
	return sign_digest(c, &digest, out, cap, len);
}

/* An "fsverity digest" line: "algo:hexdigest path", signed as v3 (0x06). */
static int sign_verity_line(struct ev_ctx *c, const char *line, uint8_t *out, size_t cap,
			    size_t *len)
{
	const struct vigil_hash_info *algo;
	const struct vigil_privkey *key;
	struct vigil_error err = { 0 };
	struct vigil_digest digest;
	const char *colon = strchr(line, ':');
	char name[16];

	if (!colon || colon == line || (size_t)(colon - line) >= sizeof(name)) {
		ev_err(c, "Missing/invalid fsverity hash algorithm\n");
		return EV_FAIL;
	}
	memcpy(name, line, (size_t)(colon - line));
	name[colon - line] = '\0';
	if (!(algo = vigil_hash_by_name(name))) {
		ev_err(c, "Hash algorithm %s not supported\n", name);
		return EV_FAIL;
	}
	if (!parse_hex_digest(colon + 1, algo->id, &digest)) {
		ev_err(c, "Missing fsverity hash\n");
		return EV_FAIL;
	}
	if (!(key = signing_key(c)))
		return EV_ERROR;
	if (vigil_sign_v3(key, &digest, out, cap, len, &err) != VIGIL_OK) {
		ev_err(c, "sign_hash_v3: signing failed: (%s)\n", err.msg);
		return EV_ERROR;
	}
	return EV_OK;
}

/*
 * Reads lines on stdin and writes each back with " <hex of the xattr
 * value>" appended.  A bad fsverity line is skipped, as evmctl does; a
 * signing failure stops the run.
 */
int ev_cmd_sign_hash(struct ev_ctx *c, const struct ev_command *cmd)
{
	uint8_t value[VIGIL_XATTR_MAX];
	char *line = NULL;
	size_t cap = 0, len;
	ssize_t n;
	bool signed_any = false;
	int rc = EV_OK;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		rc = c->veritysig ? sign_verity_line(c, line, value, sizeof(value), &len)
				  : sign_hash_line(c, line, value, sizeof(value), &len);
		if (rc == EV_FAIL)
			continue;
		if (rc != EV_OK)
			break;
		signed_any = true;
		fwrite(line, 1, (size_t)n, stdout);
		fputc(' ', stdout);
		ev_hexdump(stdout, value, len);
	}
	free(line);
	if (rc == EV_ERROR)
		return rc;
	return signed_any ? EV_OK : ev_missing(c, cmd);
}

/* ---- import ---- */

/* The keyring id evmctl reports: "@u" and friends, or a number (0x for hex). */
static long keyring_number(const char *ring, char *text, size_t cap)
{
	static const char *const specials[] = { "@t", "@p", "@s", "@u", "@us", "@g" };
	long id;

	if (ring[0] == '@') {
		snprintf(text, cap, "%s", ring);
		for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
			if (strcmp(ring, specials[i]) == 0)
				return -(long)(i + 1);
		return 0;
	}
	if (ring[0] == '%') {
		snprintf(text, cap, "%s", ring);
		return 0;
	}
	id = (long)(int32_t)strtoul(ring, NULL, strncmp(ring, "0x", 2) == 0 ? 16 : 10);
	snprintf(text, cap, "%ld", id);
	return id;
}

/* Adds a certificate to a keyring as the kernel's "asymmetric" key type. */
int ev_cmd_import(struct ev_ctx *c, const struct ev_command *cmd)
{
	const char *inkey = ev_next_arg(c);
	const char *ring = inkey ? ev_next_arg(c) : NULL;
	struct vigil_error err = { 0 };
	struct vigil_pubkey *key;
	char ring_text[64];
	int32_t serial;
	long id;
	int rc;

	(void)cmd;
	if (!inkey)
		inkey = EV_DEFAULT_X509;
	id = keyring_number(ring ? ring : "@u", ring_text, sizeof(ring_text));
	if (vigil_pubkey_load(inkey, &key, &err) != VIGIL_OK) {
		ev_err(c, "%s\n", err.msg);
		return EV_FAIL;
	}
	ev_info(c, "Reading to %s\n", inkey);
	ev_info(c, "Importing public key %x from file %s into keyring %ld\n",
		vigil_pubkey_keyid(key), inkey, id);
	rc = vigil_keyring_import(key, ring_text, &serial, &err);
	vigil_pubkey_free(key);
	if (rc != VIGIL_OK) {
		ev_err(c, "add_key failed: %s\n", err.msg);
		return EV_ERROR;
	}
	ev_info(c, "keyid: %d\n", serial);
	printf("%d\n", serial);
	return EV_OK;
}
