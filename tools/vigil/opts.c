/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Option values and key material shared by the subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Worker threads beyond this gain nothing and only cost memory. */
#define MAX_JOBS 256

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* keep stderr after the results it refers to */
	fprintf(stderr, "vigil %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vigil %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vigil %s --help' for more information.\n", cmd);
	return EXIT_USAGE;
}

int cli_help(const char *text)
{
	fputs(text, stdout);
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}

const char *algo_name(int algo)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);

	return info ? info->name : "unknown";
}

int opt_algo(const char *cmd, const char *name, int *algo)
{
	const struct vigil_hash_info *info = vigil_hash_by_name(name);

	if (!info)
		return cli_usage(cmd, "unknown hash algorithm '%s'", name);
	if (!vigil_hash_available(info->id))
		return cli_usage(cmd, "unsupported hash algorithm '%s': OpenSSL here does not "
				 "provide it", name);
	*algo = info->id;
	return 0;
}

/* Accepts "1a2b3c4d" and "0x1a2b3c4d": exactly 4 bytes, as stored in signatures. */
int opt_keyid(const char *cmd, const char *hex, uint32_t *keyid)
{
	uint8_t b[4];
	const char *p = hex;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (strlen(p) != 8 || vigil_unhex(p, b, sizeof(b)) != 4)
		return cli_usage(cmd, "bad keyid '%s': want 8 hex digits", hex);
	*keyid = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return 0;
}

int opt_uint(const char *cmd, const char *what, const char *text, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	/* base 0: --mode 0100644 and --ino 0x10 read as a user means them */
	v = strtoull(text, &end, 0);
	if (errno || end == text || *end || text[0] == '-' || v > max)
		return cli_usage(cmd, "bad %s '%s': want a number up to %llu", what, text,
				 (unsigned long long)max);
	*out = v;
	return 0;
}

int opt_jobs(const char *cmd, const char *text, unsigned *jobs)
{
	uint64_t v;

	if (opt_uint(cmd, "job count", text, MAX_JOBS, &v))
		return EXIT_USAGE;
	if (v == 0)
		return cli_usage(cmd, "bad job count '%s': want 1 to %d", text, MAX_JOBS);
	*jobs = (unsigned)v;
	return 0;
}

int opt_uuid(const char *cmd, const char *text, uint8_t uuid[16])
{
	struct vigil_error err = { 0 };

	if (vigil_parse_uuid(text, uuid, &err) != VIGIL_OK)
		return cli_usage(cmd, "bad UUID '%s': %s", text, err.msg);
	return 0;
}

const char *opt_password(const char *given)
{
	return given ? given : getenv("EVMCTL_KEY_PASSWORD");
}

/* "private key FILE: why", without naming FILE twice when the library's message does. */
static void key_error(const char *cmd, const char *what, const char *path, const char *msg)
{
	size_t n = strlen(path);

	if (strncmp(msg, path, n) == 0 && msg[n] == ':')
		cli_error(cmd, "%s %s", what, msg);
	else
		cli_error(cmd, "%s %s: %s", what, path, msg);
}

int load_privkey(const char *cmd, const char *path, const char *password,
		 struct vigil_privkey **out)
{
	struct vigil_error err = { 0 };

	if (vigil_privkey_load(path, password, out, &err) != VIGIL_OK) {
		key_error(cmd, "private key", path, err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

int load_signing_key(const char *cmd, const char *path, const char *password,
		     const char *keyid_hex, const char *keyid_cert, struct vigil_privkey **out)
{
	struct vigil_error err = { 0 };
	uint32_t keyid;

	if (keyid_hex && keyid_cert)
		return cli_usage(cmd, "--keyid and --keyid-from-cert exclude each other");
	if (keyid_hex && opt_keyid(cmd, keyid_hex, &keyid))
		return EXIT_USAGE;
	if (keyid_cert && vigil_keyid_from_cert(keyid_cert, &keyid, &err) != VIGIL_OK) {
		key_error(cmd, "--keyid-from-cert", keyid_cert, err.msg);
		return EXIT_USAGE;
	}
	if (load_privkey(cmd, path, password, out))
		return EXIT_USAGE;
	if (keyid_hex || keyid_cert)
		vigil_privkey_set_keyid(*out, keyid);
	return 0;
}

int load_keyset(const char *cmd, const char *paths, struct vigil_keyset **out)
{
	struct vigil_error err = { 0 };
	struct vigil_keyset *set = vigil_keyset_new();
	struct stat st;

	if (!set) {
		cli_error(cmd, "out of memory for the key set");
		return EXIT_USAGE;
	}
	/*
	 * Without -k, an absent default is no error: files carrying only a
	 * hash can be checked without keys, and a signature then fails as
	 * unknown-key with its keyid, which says what is missing.
	 */
	if (!paths && stat(DEFAULT_PUBKEYS, &st) < 0 && errno == ENOENT) {
		*out = set;
		return 0;
	}
	if (vigil_keyset_load(set, paths ? paths : DEFAULT_PUBKEYS, &err) != VIGIL_OK) {
		key_error(cmd, "public keys", paths ? paths : DEFAULT_PUBKEYS, err.msg);
		vigil_keyset_free(set);
		return EXIT_USAGE;
	}
	*out = set;
	return 0;
}

static int read_key_file(const char *cmd, const char *file, uint8_t *key, size_t *len)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		cli_error(cmd, "cannot open HMAC key %s: %s", file, strerror(errno));
		return EXIT_USAGE;
	}
	/* One byte more than allowed tells an over-long key from a full one. */
	n = read(fd, key, VIGIL_EVM_KEY_MAX + 1);
	close(fd);
	if (n < 0) {
		cli_error(cmd, "cannot read HMAC key %s: %s", file, strerror(errno));
		return EXIT_USAGE;
	}
	*len = (size_t)n;
	return 0;
}

int load_hmac_key(const char *cmd, const char *file, const char *desc,
		  uint8_t key[VIGIL_EVM_KEY_MAX], size_t *len)
{
	struct vigil_error err = { 0 };
	uint8_t buf[VIGIL_EVM_KEY_MAX + 1];

	if (file && desc)
		return cli_usage(cmd, "--hmackey and --keyring-key exclude each other");
	if (desc) {
		if (vigil_keyring_read(desc, buf, sizeof(buf), len, &err) != VIGIL_OK) {
			cli_error(cmd, "cannot read HMAC key '%s' from the keyring: %s", desc,
				  err.msg);
			return EXIT_USAGE;
		}
	} else if (read_key_file(cmd, file, buf, len)) {
		return EXIT_USAGE;
	}
	if (*len < VIGIL_EVM_KEY_MIN || *len > VIGIL_EVM_KEY_MAX) {
		if (*len > VIGIL_EVM_KEY_MAX)
			cli_error(cmd, "HMAC key %s: longer than %d bytes", desc ? desc : file,
				  VIGIL_EVM_KEY_MAX);
		else
			cli_error(cmd, "HMAC key %s: %zu bytes, want %d to %d", desc ? desc : file,
				  *len, VIGIL_EVM_KEY_MIN, VIGIL_EVM_KEY_MAX);
		memset(buf, 0, sizeof(buf));
		return EXIT_USAGE;
	}
	memcpy(key, buf, *len);
	memset(buf, 0, sizeof(buf));
	return 0;
}

int common_opt(struct common_opts *c, const char *cmd, int opt, const char *arg)
{
	switch (opt) {
	case 'r': c->walk.recursive = true; return 1;
	case 'x': c->walk.one_fs = true; return 1;
	case 'L': c->walk.list = arg; return 1;
	case '0': c->walk.null_sep = true; return 1;
	case 'j': return opt_jobs(cmd, arg, &c->walk.jobs) ? -1 : 1;
	case 'q': c->rep.quiet = true; return 1;
	case 'v': c->rep.verbose = true; return 1;
	case OPT_JSON: c->rep.json = true; return 1;
	}
	return 0;
}

int common_need_paths(const struct common_opts *c, int npaths)
{
	if (npaths == 0 && !c->walk.list)
		return cli_usage(c->rep.cmd, "no files given");
	if (c->walk.null_sep && !c->walk.list)
		return cli_usage(c->rep.cmd, "-0 applies to a list: give -L FILE");
	return 0;
}

int evm_opt(struct vigil_evm_opts *o, const char *cmd, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case OPT_UUID:
		if (o->uuid_mode == VIGIL_EVM_UUID_NONE)
			return cli_usage(cmd, "--uuid and --no-uuid exclude each other"), -1;
		o->uuid_mode = VIGIL_EVM_UUID_CUSTOM;
		return opt_uuid(cmd, arg, o->uuid) ? -1 : 1;
	case OPT_NO_UUID:
		if (o->uuid_mode == VIGIL_EVM_UUID_CUSTOM)
			return cli_usage(cmd, "--uuid and --no-uuid exclude each other"), -1;
		o->uuid_mode = VIGIL_EVM_UUID_NONE;
		return 1;
	case OPT_PORTABLE: o->portable = true; return 1;
	case OPT_SMACK: o->smack = true; return 1;
	case OPT_INO:
		if (opt_uint(cmd, "inode number", arg, UINT64_MAX, &v))
			return -1;
		o->ino = v;
		o->have_ino = true;
		return 1;
	case OPT_GENERATION:
		if (opt_uint(cmd, "generation", arg, UINT32_MAX, &v))
			return -1;
		o->generation = (uint32_t)v;
		o->have_generation = true;
		return 1;
	case OPT_UID:
		if (opt_uint(cmd, "uid", arg, UINT32_MAX, &v))
			return -1;
		o->uid = (uint32_t)v;
		o->have_uid = true;
		return 1;
	case OPT_GID:
		if (opt_uint(cmd, "gid", arg, UINT32_MAX, &v))
			return -1;
		o->gid = (uint32_t)v;
		o->have_gid = true;
		return 1;
	case OPT_MODE:
		if (opt_uint(cmd, "mode", arg, UINT16_MAX, &v))
			return -1;
		/* vigil only handles regular files: permission bits alone get S_IFREG */
		o->mode = (uint16_t)(v <= 07777 ? (v | S_IFREG) : v);
		o->have_mode = true;
		return 1;
	}
	return 0;
}
