/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The evmctl personality: evmctl 1.4's command line, messages and exit
 * codes on top of libvigil, so that scripts written for ima-evm-utils keep
 * working.  This file parses the options and dispatches; the commands are
 * in evmctl_cmds.c, and the measurement-list ones in evmctl_log.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "evmctl.h"

/* The version scripts may test for: evmctl 1.4's feature set. */
#define EV_COMPAT_VERSION "1.4"

void ev_log(const struct ev_ctx *c, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > c->verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void ev_hexdump(FILE *fp, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(fp, "%02x", buf[i]);
	fputc('\n', fp);
}

const char *ev_next_arg(struct ev_ctx *c)
{
	if (c->next >= c->argc)
		return NULL;
	return c->argv[c->next++];
}

static int cmd_help(struct ev_ctx *c, const struct ev_command *cmd);
static int cmd_convert(struct ev_ctx *c, const struct ev_command *cmd);

static const struct ev_command commands[] = {
	{ "help", cmd_help, "<command>", NULL },
	{ "import", ev_cmd_import, "pubkey keyring",
	  "Import a public key (X.509 certificate) into a kernel keyring.\n" },
	{ "convert", cmd_convert, "key", "Not supported: v1 RSA keys.\n" },
	{ "sign", ev_cmd_sign,
	  "[-r] [--imahash | --imasig ] [--key key] [--pass [password] file",
	  "Sign file metadata.\n" },
	{ "verify", ev_cmd_verify, "file", "Verify EVM signature (for debugging).\n" },
	{ "ima_sign", ev_cmd_ima_sign, "[--sigfile] [--key key] [--pass [password] file",
	  "Make file content signature.\n" },
	{ "ima_verify", ev_cmd_ima_verify, "file", "Verify IMA signature (for debugging).\n" },
	{ "ima_setxattr", ev_cmd_ima_setxattr, "[--sigfile file]",
	  "Set IMA signature from sigfile\n" },
	{ "ima_hash", ev_cmd_ima_hash, "file", "Make file content hash.\n" },
	{ "ima_measurement", ev_cmd_ima_measurement,
	  "[--ignore-violations] [--verify-sig [--key key1, key2, ...]] "
	  "[--pcrs [hash-algorithm,]file [--pcrs hash-algorithm,file] ...] "
	  "[--verify-bank hash-algorithm] file",
	  "Verify measurement list (experimental).\n" },
	{ "ima_boot_aggregate", ev_cmd_ima_boot_aggregate,
	  "[--pcrs hash-algorithm,file] [TPM 1.2 BIOS event log]",
	  "Calculate per TPM bank boot_aggregate digests\n" },
	{ "ima_fix", ev_cmd_ima_fix, "[-t fdsxm] path",
	  "Recursively fix IMA/EVM xattrs in fix mode.\n" },
	{ "ima_clear", ev_cmd_ima_clear, "[-t fdsxm] path",
	  "Recursively remove IMA/EVM xattrs.\n" },
	{ "sign_hash", ev_cmd_sign_hash, "[--key key] [--pass [password]",
	  "Sign hashes from either shaXsum or \"fsverity digest\" (--veritysig) output.\n" },
	{ "hmac", ev_cmd_hmac, "[--imahash | --imasig ] [--hmackey file] file",
	  "Sign file metadata with HMAC using symmetric key (for testing purpose).\n" },
	{ NULL, NULL, NULL, NULL },
};

static void print_usage(const struct ev_command *cmd)
{
	printf("usage: %s %s\n", cmd->name, cmd->args ? cmd->args : "");
}

int ev_missing(const struct ev_ctx *c, const struct ev_command *cmd)
{
	ev_err(c, "Parameters missing\n");
	print_usage(cmd);
	return EV_ERROR;
}

static void usage(void)
{
	printf("Usage: evmctl [-v] <command> [OPTIONS]\n"
	       "(vigil's evmctl-compatible personality)\n"
	       "commands:\n"
	       " --version \n");
	for (const struct ev_command *cmd = commands; cmd->name; cmd++)
		printf(" %s %s\n", cmd->name, cmd->args);
	printf("\n"
	       "  -a, --hashalgo     sha1, sha224, sha256, sha384, sha512, sm3, ... (default: sha256)\n"
	       "  -s, --imasig       make IMA signature\n"
	       "  -d, --imahash      make IMA hash\n"
	       "  -f, --sigfile      also store the IMA signature in FILE.sig\n"
	       "      --xattr-user   store xattrs in user namespace (for testing purposes)\n"
	       "  -k, --key          signing key (default: " EV_DEFAULT_PRIVKEY ")\n"
	       "                     or, to verify, keys/certificates separated by commas\n"
	       "                     (default: " EV_DEFAULT_X509 ")\n"
	       "      --keyid n      overwrite signature keyid with a 32-bit value in hex\n"
	       "      --keyid-from-cert file\n"
	       "                     read keyid value from SKID of a x509 cert file\n"
	       "  -o, --portable     generate portable EVM signatures\n"
	       "  -p, --pass         password for encrypted signing key\n"
	       "  -r, --recursive    recurse into directories\n"
	       "  -t, --type         file types to fix 'fxm' (f: file)\n"
	       "                     x - skip fixing if both ima and evm xattrs exist\n"
	       "                     m - stay on the same filesystem (like 'find -xdev')\n"
	       "  -n                 print result to stdout instead of setting xattr\n"
	       "  -u, --uuid         use custom FS UUID for EVM (unspecified: from FS, empty: do not use)\n"
	       "      --smack        use extra SMACK xattrs for EVM\n"
	       "      --m32          force EVM hmac/signature for 32 bit target system\n"
	       "      --m64          force EVM hmac/signature for 64 bit target system\n"
	       "      --ino          use custom inode for EVM\n"
	       "      --uid          use custom UID for EVM\n"
	       "      --gid          use custom GID for EVM\n"
	       "      --mode         use custom Mode for EVM\n"
	       "      --generation   use custom Generation for EVM\n"
	       "      --ima          use custom IMA signature for EVM (hex)\n"
	       "      --selinux      use custom Selinux label for EVM\n"
	       "      --caps         use custom Capabilities for EVM (empty: do not use)\n"
	       "      --hmackey file EVM HMAC key (default: " EV_DEFAULT_HMACKEY ")\n"
	       "      --veritysig    sign_hash: make fs-verity (v3) signatures\n"
	       "      --verify-sig   verify measurement list signatures\n"
	       "      --ignore-violations ignore ToMToU measurement violations\n"
	       "      --pcrs [algo,]file  expected PCR values (\"PCR-NN: hex\" lines or\n"
	       "                     tpm2_pcrread output; algo defaults to sha1)\n"
	       "      --verify-bank[=algo] compare only this bank (default: sha256)\n"
	       "  -v                 increase verbosity level\n"
	       "  -h, --help         display this help and exit\n"
	       "\n"
	       "Environment variables:\n\n"
	       "EVMCTL_KEY_PASSWORD  : Private key password to use; do not use --pass option\n"
	       "\n");
}

static const struct ev_command *find_command(const char *name)
{
	for (const struct ev_command *cmd = commands; cmd->name; cmd++)
		if (strcasecmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

static int cmd_help(struct ev_ctx *c, const struct ev_command *cmd)
{
	const char *name = ev_next_arg(c);
	const struct ev_command *which;

	if (!name) {
		print_usage(cmd);
		return EV_OK;
	}
	which = find_command(name);
	if (!which || strcmp(which->name, name) != 0) {
		printf("invalid command: %s\n", name);
		return EV_ERROR;
	}
	print_usage(which);
	if (which->help)
		printf("%s", which->help);
	return EV_OK;
}

/* convert makes v1 (RSA, "user" key type) key blobs; vigil has no v1. */
static int cmd_convert(struct ev_ctx *c, const struct ev_command *cmd)
{
	(void)c;
	fprintf(stderr, "%s: signature format v1 keys are not supported by vigil\n", cmd->name);
	return EV_ERROR;
}

/*
 * evmctl's -p without a value: prompt on the terminal, without echo.  Not
 * from a pipe: stdin may carry sign_hash's input, and evmctl gives up
 * there too (then EVMCTL_KEY_PASSWORD applies).
 */
static char *prompt_password(void)
{
	struct termios saved, quiet;
	char *buf;

	if (tcgetattr(STDIN_FILENO, &saved) != 0) {
		perror("tcgetattr");
		return NULL;
	}
	if (!(buf = malloc(256)))
		return NULL;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	printf("PEM password: ");
	fflush(stdout);
	if (!fgets(buf, 256, stdin)) {
		free(buf);
		buf = NULL;
	} else {
		buf[strcspn(buf, "\r\n")] = '\0';
	}
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return buf;
}

/* --keyid: 32 bits of hex, not zero (zero means "unset" to evmctl). */
static bool parse_keyid(const char *text, uint32_t *keyid)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(text, &end, 16);
	if (errno || !*text || *end || v == 0 || v > UINT32_MAX)
		return false;
	*keyid = (uint32_t)v;
	return true;
}

enum {
	EVO_SMACK = 128, EVO_VERSION, EVO_INODE, EVO_UID, EVO_GID, EVO_MODE,
	EVO_GENERATION, EVO_IMA, EVO_SELINUX, EVO_CAPS, EVO_VERIFY_SIG, EVO_ENGINE,
	EVO_XATTR_USER, EVO_IGNORE_VIOLATIONS, EVO_PCRS, EVO_VERIFY_BANK, EVO_KEYID,
	EVO_KEYID_FROM_CERT, EVO_VERITYSIG, EVO_HMACKEY, EVO_RSA, EVO_M32, EVO_M64,
};

/* evmctl 1.4's long options (getopt also takes unique prefixes: --ino). */
static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "imasig", no_argument, NULL, 's' },
	{ "imahash", no_argument, NULL, 'd' },
	{ "hashalgo", required_argument, NULL, 'a' },
	{ "pass", optional_argument, NULL, 'p' },
	{ "sigfile", no_argument, NULL, 'f' },
	{ "uuid", optional_argument, NULL, 'u' },
	{ "rsa", no_argument, NULL, EVO_RSA },
	{ "key", required_argument, NULL, 'k' },
	{ "type", required_argument, NULL, 't' },
	{ "recursive", no_argument, NULL, 'r' },
	{ "m32", no_argument, NULL, EVO_M32 },
	{ "m64", no_argument, NULL, EVO_M64 },
	{ "portable", no_argument, NULL, 'o' },
	{ "smack", no_argument, NULL, EVO_SMACK },
	{ "version", no_argument, NULL, EVO_VERSION },
	{ "inode", required_argument, NULL, EVO_INODE },
	{ "uid", required_argument, NULL, EVO_UID },
	{ "gid", required_argument, NULL, EVO_GID },
	{ "mode", required_argument, NULL, EVO_MODE },
	{ "generation", required_argument, NULL, EVO_GENERATION },
	{ "ima", required_argument, NULL, EVO_IMA },
	{ "selinux", required_argument, NULL, EVO_SELINUX },
	{ "caps", optional_argument, NULL, EVO_CAPS },
	{ "verify-sig", no_argument, NULL, EVO_VERIFY_SIG },
	{ "engine", required_argument, NULL, EVO_ENGINE },
	{ "xattr-user", no_argument, NULL, EVO_XATTR_USER },
	{ "ignore-violations", no_argument, NULL, EVO_IGNORE_VIOLATIONS },
	{ "pcrs", required_argument, NULL, EVO_PCRS },
	{ "verify-bank", optional_argument, NULL, EVO_VERIFY_BANK },
	{ "keyid", required_argument, NULL, EVO_KEYID },
	{ "keyid-from-cert", required_argument, NULL, EVO_KEYID_FROM_CERT },
	{ "veritysig", no_argument, NULL, EVO_VERITYSIG },
	{ "hmackey", required_argument, NULL, EVO_HMACKEY },
	{ NULL, 0, NULL, 0 },
};

/* Outcome of one option: keep going, or exit now with a code. */
enum { EVO_CONTINUE = -1 };

static int opt_keyid_from_cert(struct ev_ctx *c, const char *path)
{
	struct vigil_error err = { 0 };

	if (vigil_keyid_from_cert(path, &c->keyid, &err) != VIGIL_OK) {
		ev_err(c, "read keyid: %s: %s\n", path, err.msg);
		ev_err(c, "Error reading keyid.\n");
		return 1;
	}
	ev_info(c, "keyid %04x (from %s)\n", c->keyid, path);
	c->have_keyid = true;
	return EVO_CONTINUE;
}

/* Options vigil does not implement: refuse rather than sign differently. */
static int opt_refused(const char *what)
{
	fprintf(stderr, "%s is not supported by vigil\n", what);
	return EV_EXIT_ERROR;
}

/* --pcrs "[algo,]file": kept as given, read by the command that uses it. */
static int opt_pcrs(struct ev_ctx *c, const char *spec)
{
	if (c->npcr_files == EV_MAX_PCR_FILES) {
		ev_err(c, "Too many --pcrs (at most %d)\n", EV_MAX_PCR_FILES);
		return EV_EXIT_ERROR;
	}
	c->pcr_files[c->npcr_files++] = spec;
	return EVO_CONTINUE;
}

static int long_only_opt(struct ev_ctx *c, int opt)
{
	switch (opt) {
	case EVO_SMACK: c->smack = true; break;
	case EVO_VERSION:
		printf("evmctl " EV_COMPAT_VERSION " (vigil " VIGIL_VERSION ")\n");
		return 0;
	case EVO_INODE: c->ino_str = optarg; break;
	case EVO_UID: c->uid_str = optarg; break;
	case EVO_GID: c->gid_str = optarg; break;
	case EVO_MODE: c->mode_str = optarg; break;
	case EVO_GENERATION: c->generation_str = optarg; break;
	case EVO_IMA: c->ima_str = optarg; break;
	case EVO_SELINUX: c->selinux_str = optarg; break;
	case EVO_CAPS: c->caps_str = optarg; c->caps_set = true; break;
	case EVO_XATTR_USER:
		c->ima_xattr = "user.ima";
		c->evm_xattr = "user.evm";
		break;
	case EVO_VERIFY_SIG: c->verify_sig = true; break;
	case EVO_IGNORE_VIOLATIONS: c->ignore_violations = true; break;
	case EVO_PCRS: return opt_pcrs(c, optarg);
	case EVO_VERIFY_BANK: c->verify_bank = optarg ? optarg : "sha256"; break;
	case EVO_ENGINE: return opt_refused("--engine");
	case EVO_RSA: return opt_refused("--rsa (signature format v1)");
	case EVO_M32: c->word_bits = 32; break;
	case EVO_M64: c->word_bits = 64; break;
	case EVO_KEYID:
		if (!parse_keyid(optarg, &c->keyid)) {
			ev_err(c, "Invalid keyid value.\n");
			return 1;
		}
		c->have_keyid = true;
		break;
	case EVO_KEYID_FROM_CERT: return opt_keyid_from_cert(c, optarg);
	case EVO_VERITYSIG: c->veritysig = true; break;
	case EVO_HMACKEY: c->hmackey = optarg; break;
	default:
		ev_err(c, "getopt() returned: %d (%c)\n", opt, opt);
	}
	return EVO_CONTINUE;
}

static int handle_opt(struct ev_ctx *c, int opt)
{
	switch (opt) {
	case 'h': usage(); return 0;
	case 'v': c->verbose++; break;
	case 'd': c->imahash = true; break;
	case 's': c->imasig = true; break;
	case 'n': c->set_xattr = false; break;
	case 'a': c->algo_name = optarg; c->algo_given = true; break;
	case 'p':
		if (optarg) {
			c->keypass = optarg;
		} else {
			free(c->keypass_buf);
			c->keypass = c->keypass_buf = prompt_password();
		}
		break;
	case 'f': c->sigfile = true; break;
	case 'u':
		c->uuid_str = optarg;
		c->no_uuid = !optarg;
		break;
	case 'k': c->keyfile = optarg; break;
	case 'i': return opt_refused("-i (immutable EVM signatures)");
	case 'o': c->portable = true; break;
	case 't': c->search_type = optarg; break;
	case 'r': c->recursive = true; break;
	case '?': return 1; /* getopt printed why */
	default: return long_only_opt(c, opt);
	}
	return EVO_CONTINUE;
}

static int parse_options(struct ev_ctx *c, int argc, char **argv)
{
	int opt, rc;

	optind = 0; /* the native CLI may have run getopt before: start afresh */
	while ((opt = getopt_long(argc, argv, "hvnsda:op::fu::k:t:ri", long_opts, NULL)) != -1)
		if ((rc = handle_opt(c, opt)) != EVO_CONTINUE)
			return rc;
	if (!c->keypass)
		c->keypass = getenv("EVMCTL_KEY_PASSWORD");
	c->argc = argc;
	c->argv = argv;
	c->next = optind;
	return EVO_CONTINUE;
}

static int run_command(struct ev_ctx *c)
{
	const char *name = ev_next_arg(c);
	const struct ev_command *cmd;
	int rc;

	if (!name) {
		usage();
		return 0;
	}
	cmd = find_command(name);
	if (!cmd) {
		printf("Invalid command: %s\n", name);
		return EV_EXIT_ERROR;
	}
	rc = cmd->func(c, cmd);
	return rc < 0 ? EV_EXIT_ERROR : rc;
}

static void ctx_free(struct ev_ctx *c)
{
	vigil_privkey_free(c->key);
	vigil_keyset_free(c->keys);
	if (c->keypass_buf) {
		memset(c->keypass_buf, 0, strlen(c->keypass_buf));
		free(c->keypass_buf);
	}
}

int evmctl_main(int argc, char **argv)
{
	struct ev_ctx c = {
		.verbose = EV_LOG_INFO,
		.set_xattr = true,
		.algo_name = "sha256",
		.ima_xattr = "security.ima",
		.evm_xattr = "security.evm",
	};
	int rc = parse_options(&c, argc, argv);

	if (rc == EVO_CONTINUE)
		rc = run_command(&c);
	fflush(stdout);
	ctx_free(&c);
	return rc;
}
