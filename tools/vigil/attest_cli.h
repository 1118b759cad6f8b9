/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the vigil attest subcommands (key, quote, verify) share. */
#ifndef VIGIL_ATTEST_CLI_H
#define VIGIL_ATTEST_CLI_H

#include <sys/types.h>
#include <tss2/tss2_esys.h>

#include "cli.h"

#define ATTEST_DEFAULT_HANDLE 0x81010002u
#define ATTEST_DEFAULT_PCRS "sha256:0,1,2,3,4,5,6,7,8,9,10"
#define ATTEST_FILE_MAX (256u << 20) /* lists, event logs, states, bundles read */

/* Long-only options of the attest subcommands. */
enum {
	OPT_ATT_TCTI = OPT_FIRST_CMD + 60,
	OPT_ATT_OUT_PUBLIC,
	OPT_ATT_HANDLE,
	OPT_ATT_RSA,
	OPT_ATT_ECC,
	OPT_ATT_AK_HANDLE,
	OPT_ATT_NONCE,
	OPT_ATT_PCRS,
	OPT_ATT_LOG,
	OPT_ATT_LIST_ALGO,
	OPT_ATT_SINCE,
	OPT_ATT_EVENTLOG,
	OPT_ATT_OUT,
	OPT_ATT_AK,
	OPT_ATT_POLICY,
	OPT_ATT_ALLOWLIST,
	OPT_ATT_STATE,
	OPT_ATT_REQUIRE_REFERENCE,
	OPT_ATT_IGNORE_VIOLATIONS,
};

int cmd_attest_key(int argc, char **argv);
int cmd_attest_quote(int argc, char **argv);
int cmd_attest_verify(int argc, char **argv);

/* ---- attest_tpm.c ---- */

struct attest_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

/* Opens the TPM chosen by conf, else $TPM2TOOLS_TCTI, else $TCTI, else the loader's default. */
int attest_tpm_open(const char *cmd, const char *conf, struct attest_tpm *t);
void attest_tpm_close(struct attest_tpm *t);
/* "TPM: what: decoded rc" on stderr; returns EXIT_USAGE. */
int attest_tpm_fail(const char *cmd, const char *what, TSS2_RC rc);
/* A persistent handle 0x81000000-0x81ffffff. */
int attest_opt_handle(const char *cmd, const char *text, TPM2_HANDLE *out);
/* "sha256:0,1,10+sha1:10" into a selection. */
int attest_parse_pcrs(const char *cmd, const char *spec, TPML_PCR_SELECTION *out);
/* The selected PCRs' values; 0 or EXIT_USAGE. */
int attest_read_pcrs(const char *cmd, struct attest_tpm *t, const TPML_PCR_SELECTION *sel,
		     struct vigil_pcrs *out);
/* A whole file, at most ATTEST_FILE_MAX bytes; *len excludes the NUL added. */
int attest_read_file(const char *cmd, const char *what, const char *path, char **buf,
		     size_t *len);
/*
 * Writes buf to path atomically (a temporary file, synced, renamed over it),
 * created with mode (less the umask); "-" is standard output.
 */
int attest_write_file(const char *cmd, const char *path, const void *buf, size_t len,
		      mode_t mode);
/* Hex nonce of 1 to VIGIL_NONCE_MAX bytes. */
int attest_opt_nonce(const char *cmd, const char *hex, uint8_t *out, size_t *len);

#endif
