/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entry points of the vigil command's subcommands, and what they share. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <vigil/vigil.h>

/* Native exit codes. */
enum {
	EXIT_VERIFY_FAILED = 1, /* ran, and at least one file failed */
	EXIT_USAGE = 2,         /* bad arguments, or an error that stopped the run */
};

/* Each takes argv with argv[0] = the subcommand name. */
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_evm(int argc, char **argv);
int cmd_keyid(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_clear(int argc, char **argv);
int cmd_show(int argc, char **argv); /* in cmd_verify.c: the inspection side of verify */
int cmd_policy(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_boot_aggregate(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_attest(int argc, char **argv);

/*
 * The evmctl personality: argv as evmctl would get it (argv[0] "evmctl").
 * Returns evmctl's exit codes: 0 ok, 1 verification failed, 125 usage or
 * internal error.
 */
int evmctl_main(int argc, char **argv);

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.1.0"
#endif

#define DEFAULT_PRIVKEY "/etc/keys/privkey_evm.pem"
#define DEFAULT_PUBKEYS "/etc/keys/x509_evm.der"
#define DEFAULT_IMPORT_KEYRING "%keyring:.ima"
/* The kernel's XATTR_SIZE_MAX: no attribute value can be longer. */
#define CLI_XATTR_READ_MAX 65536

/* ---- opts.c: messages and option values ---- */

/* Long-only option codes shared by the subcommands. */
enum {
	OPT_JSON = 256,
	OPT_XATTR_USER,
	/* EVM options, parsed by evm_opt */
	OPT_UUID,
	OPT_NO_UUID,
	OPT_PORTABLE,
	OPT_GENERATION,
	OPT_INO,
	OPT_UID,
	OPT_GID,
	OPT_MODE,
	OPT_SMACK,
	OPT_FIRST_CMD = 300, /* subcommands number their own long-only options from here */
};

#define EVM_UUID_LONG \
	{ "uuid", required_argument, NULL, OPT_UUID }, \
	{ "no-uuid", no_argument, NULL, OPT_NO_UUID }
#define EVM_META_LONG \
	{ "generation", required_argument, NULL, OPT_GENERATION }, \
	{ "ino", required_argument, NULL, OPT_INO }, \
	{ "uid", required_argument, NULL, OPT_UID }, \
	{ "gid", required_argument, NULL, OPT_GID }, \
	{ "mode", required_argument, NULL, OPT_MODE }, \
	{ "smack", no_argument, NULL, OPT_SMACK }
/* 1 if opt was an EVM option (applied), 0 if not, -1 on a bad value. */
int evm_opt(struct vigil_evm_opts *o, const char *cmd, int opt, const char *arg);

/* "vigil CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As cli_error plus a hint to --help; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a help text on stdout; returns 0. */
int cli_help(const char *text);

int opt_algo(const char *cmd, const char *name, int *algo);
int opt_keyid(const char *cmd, const char *hex, uint32_t *keyid);
int opt_jobs(const char *cmd, const char *text, unsigned *jobs);
int opt_uint(const char *cmd, const char *what, const char *text, uint64_t max, uint64_t *out);
int opt_uuid(const char *cmd, const char *text, uint8_t uuid[16]);
/* -p if given, else $EVMCTL_KEY_PASSWORD, else NULL. */
const char *opt_password(const char *given);

/* Each prints its own error and returns 0 or EXIT_USAGE. */
int load_privkey(const char *cmd, const char *path, const char *password,
		 struct vigil_privkey **out);
/* The key's keyid is replaced by keyid_hex or the SKID of keyid_cert when given. */
int load_signing_key(const char *cmd, const char *path, const char *password,
		     const char *keyid_hex, const char *keyid_cert, struct vigil_privkey **out);
/* paths NULL: the default file, and an absent default gives an empty set. */
int load_keyset(const char *cmd, const char *paths, struct vigil_keyset **out);
/* From a file or, when desc is set, from the kernel keyring; 32..128 bytes. */
int load_hmac_key(const char *cmd, const char *file, const char *desc,
		  uint8_t key[VIGIL_EVM_KEY_MAX], size_t *len);

/* ---- walk.c: the files to work on, and the worker pool ---- */

enum outcome {
	ITEM_OK = 0,
	ITEM_FAILED = 1, /* checked, and the check failed */
	ITEM_ERROR = 2,  /* could not be checked or changed */
};

/* One file's passage through a command. */
struct item {
	const char *path;
	int outcome;
	const char *cause;      /* ITEM_FAILED: the kernel's cause words */
	struct vigil_error err; /* ITEM_FAILED and ITEM_ERROR: what happened */
	void *res;              /* the command's result, result_size zeroed bytes */
};

struct walk_opts {
	bool recursive;   /* -r: walk directories */
	bool one_fs;      /* -x: stay on the filesystem of each tree's root */
	bool null_sep;    /* -0: list entries are NUL-terminated */
	const char *list; /* -L: a file of paths, "-" for stdin */
	unsigned jobs;    /* -j: worker threads; 0 means the online CPUs */
};

struct walk_ops {
	size_t result_size;
	/* In a worker thread, with the file opened read-only; returns an outcome. */
	int (*process)(struct item *it, int fd, void *ctx);
	/* In the main thread, once per file, in input order. */
	void (*report)(const struct item *it, void *ctx);
	void *ctx;
};

struct walk_stats {
	unsigned long files, ok, failed, errors;
};

/* Runs every path (then every list entry) through ops; 0 or EXIT_USAGE for setup failures. */
int walk_run(const char *cmd, const struct walk_opts *opts, char *const *paths, int npaths,
	     const struct walk_ops *ops, struct walk_stats *stats);
/* 2 if any file had an error, else 1 if any failed, else 0. */
int walk_exit(const struct walk_stats *stats);
/* Fills it as an error with strerror(errno); returns ITEM_ERROR. */
int item_errno(struct item *it, const char *what);
/*
 * The outcome of a check that ended with library status code: I/O, memory
 * and OpenSSL trouble kept the file from being checked; every other status
 * is the check's verdict that the file fails.
 */
int check_outcome(int code);

/* ---- report.c: text and JSON output ---- */

struct report {
	const char *cmd;
	bool json, quiet, verbose;
	bool any; /* JSON: an item was written, so the next needs a comma */
};

/* Options every file-walking subcommand takes. */
struct common_opts {
	struct walk_opts walk;
	struct report rep;
};

#define COMMON_SHORT "rxL:0j:qvh"
#define COMMON_LONG \
	{ "recursive", no_argument, NULL, 'r' }, \
	{ "one-file-system", no_argument, NULL, 'x' }, \
	{ "list", required_argument, NULL, 'L' }, \
	{ "null", no_argument, NULL, '0' }, \
	{ "jobs", required_argument, NULL, 'j' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "json", no_argument, NULL, OPT_JSON }, \
	{ "help", no_argument, NULL, 'h' }
#define COMMON_HELP \
	"  -r, --recursive        walk directories; only regular files are processed,\n" \
	"                         symbolic links inside trees are not followed\n" \
	"  -x, --one-file-system  do not descend into other filesystems (with -r)\n" \
	"  -L, --list FILE        also process the paths listed in FILE, one a line\n" \
	"                         (\"-\" reads standard input)\n" \
	"  -0, --null             list entries are NUL-terminated (find -print0)\n" \
	"  -j, --jobs N           worker threads (default: the number of online CPUs)\n" \
	"  -q, --quiet            print only failures and errors\n" \
	"  -v, --verbose          say more about each file\n" \
	"      --json             one JSON document on standard output (see vigil(1))\n" \
	"  -h, --help             show this help\n"

/* 1 if opt was a common option (applied), 0 if not, -1 on a bad value. */
int common_opt(struct common_opts *c, const char *cmd, int opt, const char *arg);
/* Usage error unless paths or a list were given. */
int common_need_paths(const struct common_opts *c, int npaths);

void report_start(struct report *r);
/* Closes the JSON document (with a summary) or prints the text summary if wanted. */
void report_finish(struct report *r, const struct walk_stats *st, bool text_summary);
/* JSON: starts an item object (path, status, cause, error); close with report_json_close. */
void report_json_open(struct report *r, const struct item *it);
void report_json_close(void);
/* Text: "vigil CMD: PATH: message" on stderr. */
void report_text_error(const struct report *r, const struct item *it);
/* Text: "PATH: ok" / "PATH: FAILED (cause: message)" / "PATH: ERROR (message)". */
void report_text_verdict(const struct report *r, const struct item *it);
/* Exit status, turned into EXIT_USAGE when standard output could not be written. */
int report_exit(const struct report *r, int status);

/* Text-safe path: "\\" "\n" "\r" escaped; the caller writes a leading "\\" when escaped. */
void text_path(FILE *f, const char *path);
/* Starts a text line about path: the coreutils "\\" marker when the name is escaped. */
void text_line_start(FILE *f, const char *path);

/* JSON values; strings are escaped as described in vigil(1). */
void json_str(FILE *f, const char *s);
void json_kv_str(FILE *f, const char *key, const char *value);
void json_kv_hex(FILE *f, const char *key, const uint8_t *bytes, size_t len);
void json_kv_uint(FILE *f, const char *key, unsigned long long value);
void json_kv_bool(FILE *f, const char *key, bool value);
void json_kv_keyid(FILE *f, const char *key, uint32_t keyid);
void print_hex(FILE *f, const uint8_t *bytes, size_t len);

/* The kernel name of a hash algorithm id, or "unknown". */
const char *algo_name(int algo);

#endif
