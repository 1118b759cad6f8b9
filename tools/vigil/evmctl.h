/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The evmctl personality's shared state.  evmctl keeps its options in
 * globals; here they live in one struct that evmctl.c fills from the
 * command line and evmctl_cmds.c and evmctl_log.c read.
 */
#ifndef VIGIL_EVMCTL_H
#define VIGIL_EVMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <vigil/vigil.h>

/* evmctl's syslog-style levels: info lines show by default, debug with -v. */
enum { EV_LOG_ERR = 3, EV_LOG_INFO = 6, EV_LOG_DEBUG = 7 };

/* What a command returns, as evmctl's do: main turns a negative into 125. */
enum { EV_OK = 0, EV_FAIL = 1, EV_ERROR = -1 };

#define EV_EXIT_ERROR 125

#define EV_DEFAULT_PRIVKEY "/etc/keys/privkey_evm.pem"
#define EV_DEFAULT_X509 "/etc/keys/x509_evm.der"
#define EV_DEFAULT_HMACKEY "/etc/keys/evm-key-plain"

#define EV_MAX_PCR_FILES 16     /* --pcrs given more often is refused */

struct ev_ctx {
	int verbose;
	bool set_xattr;         /* false with -n */
	bool imahash, imasig;   /* -d, -s: for sign and hmac */
	bool sigfile;           /* -f */
	bool recursive;         /* -r */
	bool veritysig;         /* sign_hash --veritysig */
	const char *algo_name;  /* -a, as given */
	bool algo_given;
	const char *keyfile;    /* -k; NULL: the command's default */
	const char *keypass;    /* -p or EVMCTL_KEY_PASSWORD */
	char *keypass_buf;      /* a prompted password, freed at exit */
	bool have_keyid;        /* --keyid, --keyid-from-cert */
	uint32_t keyid;
	const char *search_type; /* -t */
	const char *hmackey;    /* --hmackey (vigil extension) */
	const char *ima_xattr;  /* "security.ima", or "user.ima" with --xattr-user */
	const char *evm_xattr;

	/* EVM data, as evmctl's --uuid, --ino, ... */
	bool portable, smack;
	unsigned word_bits;     /* --m32/--m64 */
	bool no_uuid;           /* -u without a value */
	const char *uuid_str;
	const char *ino_str, *uid_str, *gid_str, *mode_str, *generation_str;
	const char *ima_str, *selinux_str, *caps_str;
	bool caps_set;

	/* ima_measurement, ima_boot_aggregate */
	bool verify_sig;        /* --verify-sig: check sig fields against the list's digests */
	bool ignore_violations; /* extend violations with 0xFF, as the kernel does */
	const char *pcr_files[EV_MAX_PCR_FILES]; /* --pcrs "[algo,]file", in order */
	unsigned npcr_files;
	const char *verify_bank; /* --verify-bank[=algo]; "sha256" without a value */

	/* -t flags for the recursion */
	bool check_xattr;       /* x: skip files with both xattrs */
	dev_t fs_dev;           /* m: stay on this filesystem (0: any) */

	/* the rest of the command line */
	int argc;
	char **argv;
	int next;

	/* loaded once, on first use */
	struct vigil_privkey *key;
	bool key_cert_keyid;    /* the key file's certificate gave the keyid */
	struct vigil_keyset *keys;
	uint32_t unknown_keyids[16]; /* reported once each, as evmctl does */
	size_t n_unknown;
};

/* Logging to stderr by level, as evmctl's log_info/log_err. */
void ev_log(const struct ev_ctx *c, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define ev_info(c, ...) ev_log((c), EV_LOG_INFO, __VA_ARGS__)
#define ev_err(c, ...) ev_log((c), EV_LOG_ERR, __VA_ARGS__)
/* Lower-case hex and a newline to fp. */
void ev_hexdump(FILE *fp, const uint8_t *buf, size_t len);
/* The next non-option argument, or NULL. */
const char *ev_next_arg(struct ev_ctx *c);

/* One command of the table; its func returns EV_OK, EV_FAIL or EV_ERROR. */
struct ev_command {
	const char *name;
	int (*func)(struct ev_ctx *c, const struct ev_command *cmd);
	const char *args;
	const char *help;
};
/* "Parameters missing" and the command's usage, then EV_ERROR. */
int ev_missing(const struct ev_ctx *c, const struct ev_command *cmd);

int ev_cmd_ima_hash(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_ima_sign(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_ima_verify(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_ima_setxattr(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_ima_clear(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_ima_fix(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_sign(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_verify(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_hmac(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_sign_hash(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_import(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_ima_measurement(struct ev_ctx *c, const struct ev_command *cmd);
int ev_cmd_ima_boot_aggregate(struct ev_ctx *c, const struct ev_command *cmd);

/* Shared by ima_verify (evmctl_cmds.c) and ima_measurement (evmctl_log.c). */
/* -k (or the default certificate) into c->keys, once; EV_OK or EV_ERROR. */
int ev_load_pubkeys(struct ev_ctx *c);
/* "key N: KEYID (unknown keyid)", once per keyid, as evmctl says it. */
void ev_report_unknown_key(struct ev_ctx *c, uint32_t keyid);

#endif
