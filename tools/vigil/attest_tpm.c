/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the attest subcommands share: the TPM connection (tpm2-tss ESAPI
 * over the TCTI loader, chosen as tpm2-tools do), PCR selections and
 * reads, nonces and files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "attest_cli.h"

int attest_tpm_fail(const char *cmd, const char *what, TSS2_RC rc)
{
	cli_error(cmd, "TPM: %s: %s", what, Tss2_RC_Decode(rc));
	return EXIT_USAGE;
}

int attest_tpm_open(const char *cmd, const char *conf, struct attest_tpm *t)
{
	TSS2_RC rc;

	/* tss2 logs every failed attempt on stderr; vigil says what failed itself. */
	setenv("TSS2_LOG", "all+none", 0);
	if (!conf)
		conf = getenv("TPM2TOOLS_TCTI");
	if (!conf)
		conf = getenv("TCTI");
	if ((rc = Tss2_TctiLdr_Initialize(conf, &t->tcti)) != TSS2_RC_SUCCESS)
		return attest_tpm_fail(cmd, conf ? conf : "default TCTI", rc);
	if ((rc = Esys_Initialize(&t->esys, t->tcti, NULL)) != TSS2_RC_SUCCESS)
		return attest_tpm_fail(cmd, "Esys_Initialize", rc);
	return 0;
}

void attest_tpm_close(struct attest_tpm *t)
{
	if (t->esys)
		Esys_Finalize(&t->esys);
	if (t->tcti)
		Tss2_TctiLdr_Finalize(&t->tcti);
}

int attest_opt_handle(const char *cmd, const char *text, TPM2_HANDLE *out)
{
	uint64_t v;

	if (opt_uint(cmd, "handle", text, UINT32_MAX, &v))
		return EXIT_USAGE;
	if ((v >> 24) != (TPM2_HT_PERSISTENT))
		return cli_usage(cmd, "bad handle '%s': want a persistent handle 0x81000000 to "
				 "0x81ffffff", text);
	*out = (TPM2_HANDLE)v;
	return 0;
}

int attest_opt_nonce(const char *cmd, const char *hex, uint8_t *out, size_t *len)
{
	long n = strlen(hex) <= 2 * VIGIL_NONCE_MAX ? vigil_unhex(hex, out, VIGIL_NONCE_MAX) : -1;

	if (n <= 0 || (size_t)n * 2 != strlen(hex))
		return cli_usage(cmd, "bad nonce '%.40s': want 1 to %d bytes in hex", hex,
				 VIGIL_NONCE_MAX);
	*len = (size_t)n;
	return 0;
}

/* ------------------------------------------------------------- selections */

/* "0,1,10" into a selection's bitmap. */
static int parse_indexes(const char *cmd, const char *list, TPMS_PCR_SELECTION *s)
{
	const char *p = list;

	s->sizeofSelect = 3;
	while (*p) {
		char *end;
		unsigned long n = strtoul(p, &end, 10);

		if (end == p || n >= VIGIL_PCR_COUNT || (*end && *end != ','))
			return cli_usage(cmd, "bad PCR list '%s': want indexes 0-%d separated by ','",
					 list, VIGIL_PCR_COUNT - 1);
		s->pcrSelect[n / 8] |= (uint8_t)(1u << (n % 8));
		p = *end ? end + 1 : end;
	}
	return 0;
}

int attest_parse_pcrs(const char *cmd, const char *spec, TPML_PCR_SELECTION *out)
{
	char *copy = strdup(spec), *save = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!copy)
		return cli_usage(cmd, "out of memory");
	for (char *part = strtok_r(copy, "+", &save); part && !rc; part = strtok_r(NULL, "+", &save)) {
		char *colon = strchr(part, ':');
		const struct vigil_hash_info *h;
		uint16_t alg;

		if (colon)
			*colon = '\0';
		h = vigil_hash_by_name(part);
		alg = h ? vigil_hash_to_tpm_alg(h->id) : 0;
		if (!colon || !colon[1] || !alg)
			rc = cli_usage(cmd, "bad PCR selection '%s': want BANK:N,N,...[+BANK:...] "
				       "with a TPM bank (sha1, sha256, sha384, sha512, sm3)", spec);
		else if (out->count == VIGIL_ATTEST_MAX_SEL)
			rc = cli_usage(cmd, "at most %d banks in a selection", VIGIL_ATTEST_MAX_SEL);
		else {
			out->pcrSelections[out->count].hash = alg;
			rc = parse_indexes(cmd, colon + 1, &out->pcrSelections[out->count++]);
		}
	}
	if (!rc && out->count == 0)
		rc = cli_usage(cmd, "empty PCR selection");
	free(copy);
	return rc;
}

/* --------------------------------------------------------------- PCR reads */

static bool selection_empty(const TPMS_PCR_SELECTION *s)
{
	for (unsigned i = 0; i < s->sizeofSelect; i++)
		if (s->pcrSelect[i])
			return false;
	return true;
}

/* Stores the PCRs the TPM returned and clears them from want. */
static int store(const char *cmd, struct vigil_pcr_bank *b, const TPMS_PCR_SELECTION *got,
		 const TPML_DIGEST *vals, TPMS_PCR_SELECTION *want)
{
	size_t len = vigil_hash_by_id(b->algo)->digest_len;
	uint32_t n = 0;

	for (unsigned i = 0; i < VIGIL_PCR_COUNT && i / 8 < got->sizeofSelect; i++) {
		if (!(got->pcrSelect[i / 8] & (1u << (i % 8))))
			continue;
		if (n >= vals->count || vals->digests[n].size != len) {
			cli_error(cmd, "TPM: PCR %u of %s: unexpected reply", i, algo_name(b->algo));
			return EXIT_USAGE;
		}
		memcpy(b->pcr[i], vals->digests[n++].buffer, len);
		b->valid |= 1u << i;
		want->pcrSelect[i / 8] &= (uint8_t)~(1u << (i % 8));
	}
	return 0;
}

/* A TPM returns at most 8 PCRs a call: ask again for the rest. */
static int read_selection(const char *cmd, struct attest_tpm *t, const TPMS_PCR_SELECTION *sel,
			  struct vigil_pcr_bank *b)
{
	TPML_PCR_SELECTION want = { .count = 1, .pcrSelections = { *sel } };

	while (!selection_empty(&want.pcrSelections[0])) {
		TPML_PCR_SELECTION *got = NULL;
		TPML_DIGEST *vals = NULL;
		UINT32 counter;
		TSS2_RC rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &want,
					   &counter, &got, &vals);
		int bad;

		if (rc != TSS2_RC_SUCCESS)
			return attest_tpm_fail(cmd, "Esys_PCR_Read", rc);
		/* An unallocated bank or PCR comes back empty: stop rather than loop. */
		bad = got->count != 1 || vals->count == 0 ||
		      store(cmd, b, &got->pcrSelections[0], vals, &want.pcrSelections[0]);
		Esys_Free(got);
		Esys_Free(vals);
		if (bad) {
			cli_error(cmd, "TPM: %s bank: the TPM does not return every selected PCR",
				  algo_name(b->algo));
			return EXIT_USAGE;
		}
	}
	return 0;
}

int attest_read_pcrs(const char *cmd, struct attest_tpm *t, const TPML_PCR_SELECTION *sel,
		     struct vigil_pcrs *out)
{
	vigil_pcrs_init(out);
	for (UINT32 i = 0; i < sel->count; i++) {
		int algo = vigil_tpm_alg_to_hash(sel->pcrSelections[i].hash);
		struct vigil_pcr_bank *b = algo >= 0 ? vigil_pcrs_bank(out, algo, true) : NULL;

		if (!b) {
			cli_error(cmd, "PCR bank 0x%04x: unknown, or too many banks",
				  sel->pcrSelections[i].hash);
			return EXIT_USAGE;
		}
		if (read_selection(cmd, t, &sel->pcrSelections[i], b))
			return EXIT_USAGE;
	}
	return 0;
}

/* ------------------------------------------------------------------ files */

/* Reads fp to its end into a growing buffer; -1 with errno, or -2 when too big. */
static int slurp(FILE *fp, char **buf, size_t *len)
{
	size_t cap = 0, n = 0, got;
	char *b = NULL;

	do {
		if (n + 1 >= cap) {
			char *nb;

			if (cap > ATTEST_FILE_MAX) {
				free(b);
				return -2;
			}
			cap = cap ? cap * 2 : 1 << 16;
			if (!(nb = realloc(b, cap))) {
				free(b);
				return -1;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n - 1, fp);
		n += got;
	} while (got);
	if (ferror(fp)) {
		free(b);
		return -1;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int attest_read_file(const char *cmd, const char *what, const char *path, char **buf,
		     size_t *len)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	int rc;

	*buf = NULL;
	if (!fp) {
		cli_error(cmd, "%s %s: %s", what, path, strerror(errno));
		return EXIT_USAGE;
	}
	rc = slurp(fp, buf, len);
	if (rc)
		cli_error(cmd, "%s %s: %s", what, path, rc == -2 ? "too big" : strerror(errno));
	if (fp != stdin)
		fclose(fp);
	return rc ? EXIT_USAGE : 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int attest_write_file(const char *cmd, const char *path, const void *buf, size_t len,
		      mode_t mode)
{
	size_t plen = strlen(path) + 16;
	char *tmp;
	bool ok;
	int fd;

	if (strcmp(path, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
			cli_error(cmd, "standard output: %s", strerror(errno));
			return EXIT_USAGE;
		}
		return 0;
	}
	if (!(tmp = malloc(plen)))
		return cli_usage(cmd, "out of memory");
	snprintf(tmp, plen, "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ok = fd >= 0 && write_all(fd, buf, len) == 0 && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok) {
		cli_error(cmd, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	}
	free(tmp);
	return ok ? 0 : EXIT_USAGE;
}
