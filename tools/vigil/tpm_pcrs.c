/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCR values read from a TPM 2.0 through tpm2-tss (ESAPI over the TCTI
 * loader), for vigil log replay/verify --tpm and boot-aggregate --tpm.
 * The TCTI is chosen as tpm2-tools do: --tcti, $TPM2TOOLS_TCTI, $TCTI,
 * else the loader's default (device, then tabrmd, then simulator).
 */
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "log.h"

struct tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

static int tpm_fail(const char *cmd, const char *what, TSS2_RC rc)
{
	cli_error(cmd, "TPM: %s: %s", what, Tss2_RC_Decode(rc));
	return EXIT_USAGE;
}

static int tpm_open(const char *cmd, const char *conf, struct tpm *t)
{
	TSS2_RC rc;

	/* tss2 logs every failed attempt on stderr; vigil says what failed itself. */
	setenv("TSS2_LOG", "all+none", 0);
	if (!conf)
		conf = getenv("TPM2TOOLS_TCTI");
	if (!conf)
		conf = getenv("TCTI");
	if ((rc = Tss2_TctiLdr_Initialize(conf, &t->tcti)) != TSS2_RC_SUCCESS)
		return tpm_fail(cmd, conf ? conf : "default TCTI", rc);
	if ((rc = Esys_Initialize(&t->esys, t->tcti, NULL)) != TSS2_RC_SUCCESS)
		return tpm_fail(cmd, "Esys_Initialize", rc);
	return 0;
}

static void tpm_close(struct tpm *t)
{
	if (t->esys)
		Esys_Finalize(&t->esys);
	if (t->tcti)
		Tss2_TctiLdr_Finalize(&t->tcti);
}

/* The banks the TPM has allocated (with at least one PCR selected). */
static int tpm_banks(const char *cmd, struct tpm *t, TPML_PCR_SELECTION **out)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;

	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_PCRS, 0,
				1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(cmd, "reading the PCR banks", rc);
	*out = malloc(sizeof(**out));
	if (!*out) {
		Esys_Free(cap);
		cli_error(cmd, "out of memory");
		return EXIT_USAGE;
	}
	**out = cap->data.assignedPCR;
	Esys_Free(cap);
	return 0;
}

/* Stores the values the TPM returned for the PCRs set in got; clears them in want. */
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

static bool selection_empty(const TPMS_PCR_SELECTION *s)
{
	for (unsigned i = 0; i < s->sizeofSelect; i++)
		if (s->pcrSelect[i])
			return false;
	return true;
}

/* A TPM returns at most 8 PCRs a call: ask again for the rest. */
static int read_bank(const char *cmd, struct tpm *t, const TPMS_PCR_SELECTION *sel,
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
			return tpm_fail(cmd, "Esys_PCR_Read", rc);
		bad = got->count != 1 || vals->count == 0 ||
		      store(cmd, b, &got->pcrSelections[0], vals, &want.pcrSelections[0]);
		Esys_Free(got);
		Esys_Free(vals);
		if (bad) {
			cli_error(cmd, "TPM: %s bank: incomplete PCR read", algo_name(b->algo));
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int read_all(const char *cmd, struct tpm *t, const TPML_PCR_SELECTION *banks,
		    struct vigil_pcrs *out)
{
	for (UINT32 i = 0; i < banks->count; i++) {
		const TPMS_PCR_SELECTION *s = &banks->pcrSelections[i];
		int algo = vigil_tpm_alg_to_hash(s->hash);
		struct vigil_pcr_bank *b;

		if (algo < 0 || selection_empty(s))
			continue; /* a bank vigil cannot name, or one without PCRs */
		if (!(b = vigil_pcrs_bank(out, algo, true))) {
			cli_error(cmd, "TPM: more than %d banks", VIGIL_MAX_BANKS);
			return EXIT_USAGE;
		}
		if (read_bank(cmd, t, s, b))
			return EXIT_USAGE;
	}
	return 0;
}

int log_tpm_read(const char *cmd, const char *tcti, struct vigil_pcrs *out)
{
	struct tpm t = { 0 };
	TPML_PCR_SELECTION *banks = NULL;
	int rc = tpm_open(cmd, tcti, &t);

	if (rc == 0 && (rc = tpm_banks(cmd, &t, &banks)) == 0)
		rc = read_all(cmd, &t, banks, out);
	free(banks);
	tpm_close(&t);
	return rc;
}
