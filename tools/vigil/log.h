/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the measurement-list subcommands (vigil log ..., boot-aggregate) share. */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include "cli.h"

#define DEFAULT_MLIST "/sys/kernel/security/ima/binary_runtime_measurements"
#define DEFAULT_EVENTLOG "/sys/kernel/security/tpm0/binary_bios_measurements"
#define LOG_MAX_PCR_FILES 16

/* Long-only options the log subcommands share (numbered after OPT_FIRST_CMD). */
enum {
	OPT_LIST_ALGO = OPT_FIRST_CMD + 40,
	OPT_BIG_ENDIAN,
	OPT_PCRS,
	OPT_BANK,
	OPT_IGNORE_VIOLATIONS,
	OPT_TPM,
	OPT_TCTI,
};

/* How to read the list, from --list-algo and --big-endian. */
struct log_input {
	const char *path; /* "-" is standard input */
	int list_algo;    /* -1: from the file name's _ALGO suffix, else sha1 */
	unsigned flags;   /* VIGIL_MLIST_BIG_ENDIAN */
};

/* Expected PCRs from --pcrs files (and --tpm). */
struct log_pcrs {
	const char *files[LOG_MAX_PCR_FILES];
	unsigned nfiles;
	bool tpm;
	const char *tcti;
	bool loaded;
	struct vigil_pcrs pcrs;
};

/* Banks from --bank. */
struct log_banks {
	int algos[VIGIL_MAX_BANKS];
	unsigned n;
};

/* 1 if opt was one of the shared options (applied), 0 if not, -1 on a bad value. */
int log_common_opt(const char *cmd, int opt, const char *arg, struct log_input *in,
		   struct log_pcrs *pcrs, struct log_banks *banks);

/* Opens the list; prints the error and returns EXIT_USAGE on failure. */
int log_open(const char *cmd, const struct log_input *in, struct vigil_mlist_reader **out);
/* The stored template-digest algorithm the list will be read with. */
int log_list_algo(const struct log_input *in);
/* Loads --pcrs ("FILE" or "ALGO,FILE") and --tpm into p->pcrs; 0 or EXIT_USAGE. */
int log_load_pcrs(const char *cmd, struct log_pcrs *p);
/* The banks to replay: --bank, else those of the expected PCRs, else sha1 and sha256. */
void log_default_banks(struct log_banks *b, const struct log_pcrs *p);

/* A list name, escaped for a text line: "\\", "\xNN" for control and non-ASCII bytes... */
void log_text_name(FILE *f, const char *name, size_t len);
/* As a JSON string (plus "name_hex" when it is not plain printable ASCII). */
void log_json_name(FILE *f, const char *key, const char *name, size_t len);

/* Replay results: per bank and PCR, as text or as a JSON value "pcrs":{...}. */
struct replay_report {
	const struct vigil_replay *rp;
	const struct vigil_pcrs *expected; /* NULL without --pcrs */
	struct vigil_replay_result res;
	int cmp;                           /* vigil_replay_compare status */
	struct vigil_error err;
};
void log_compare(struct replay_report *rr);
void log_print_pcrs_text(const struct replay_report *rr);
void log_print_pcrs_json(const struct replay_report *rr);

int cmd_log_show(int argc, char **argv);
int cmd_log_replay(int argc, char **argv);
int cmd_log_verify(int argc, char **argv);

/* TPM PCRs through tpm2-tss (tpm_pcrs.c); 0 or EXIT_USAGE with a message. */
int log_tpm_read(const char *cmd, const char *tcti, struct vigil_pcrs *out);

#endif
