/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TPM2 quotes: TPMS_ATTEST and TPMT_SIGNATURE unmarshalled with tss2-mu,
 * the signature checked with OpenSSL, and the pcrDigest recomputed from
 * PCR values.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include <vigil/attest.h>
#include <vigil/eventlog.h>

#include "internal.h"
#include "key_internal.h"

static int copy_selection(struct vigil_quote_info *out, const TPML_PCR_SELECTION *sel,
			  struct vigil_error *err)
{
	if (sel->count > VIGIL_ATTEST_MAX_SEL)
		return vigil_fail(err, VIGIL_ERR_INVALID, "quote: %u PCR selections, at most %d",
				  sel->count, VIGIL_ATTEST_MAX_SEL);
	out->nsel = sel->count;
	for (UINT32 i = 0; i < sel->count; i++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];

		out->sel[i] = (struct vigil_quote_sel){ vigil_tpm_alg_to_hash(s->hash), s->hash, 0 };
		for (unsigned n = 0; n < VIGIL_PCR_COUNT && n / 8 < s->sizeofSelect; n++)
			if (s->pcrSelect[n / 8] & (1u << (n % 8)))
				out->sel[i].mask |= 1u << n;
		for (unsigned b = 3; b < s->sizeofSelect && b < sizeof(s->pcrSelect); b++)
			if (s->pcrSelect[b])
				return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
						  "quote: selects a PCR above %d", VIGIL_PCR_COUNT - 1);
	}
	return VIGIL_OK;
}

int vigil_quote_parse(const uint8_t *attest, size_t len, struct vigil_quote_info *out,
		      struct vigil_error *err)
{
	TPMS_ATTEST a;
	size_t off = 0;
	TSS2_RC rc;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	rc = Tss2_MU_TPMS_ATTEST_Unmarshal(attest, len, &off, &a);
	if (rc != TSS2_RC_SUCCESS)
		return vigil_fail(err, VIGIL_ERR_INVALID, "quote: TPMS_ATTEST does not unmarshal "
				  "(tss2-mu 0x%x)", rc);
	if (off != len)
		return vigil_fail(err, VIGIL_ERR_INVALID, "quote: %zu bytes after the TPMS_ATTEST",
				  len - off);
	out->magic = a.magic;
	out->type = a.type;
	out->clock = a.clockInfo.clock;
	out->reset_count = a.clockInfo.resetCount;
	out->restart_count = a.clockInfo.restartCount;
	out->safe = a.clockInfo.safe == TPM2_YES;
	out->firmware_version = a.firmwareVersion;
	if (a.extraData.size > sizeof(out->extra_data))
		return vigil_fail(err, VIGIL_ERR_INVALID, "quote: extraData of %u bytes",
				  a.extraData.size);
	memcpy(out->extra_data, a.extraData.buffer, a.extraData.size);
	out->extra_len = a.extraData.size;
	if (a.type != TPM2_ST_ATTEST_QUOTE)
		return VIGIL_OK; /* the caller reports the type */
	if (a.attested.quote.pcrDigest.size > sizeof(out->pcr_digest))
		return vigil_fail(err, VIGIL_ERR_INVALID, "quote: pcrDigest of %u bytes",
				  a.attested.quote.pcrDigest.size);
	memcpy(out->pcr_digest, a.attested.quote.pcrDigest.buffer, a.attested.quote.pcrDigest.size);
	out->pcr_digest_len = a.attested.quote.pcrDigest.size;
	return copy_selection(out, &a.attested.quote.pcrSelect, err);
}

/* ---------------------------------------------------------------- signature */

/* The DER ECDSA-Sig-Value of r and s; *der is OPENSSL_malloc'd. */
static int ecdsa_der(const TPMS_SIGNATURE_ECC *ecc, unsigned char **der, int *len,
		     struct vigil_error *err)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(ecc->signatureR.buffer, ecc->signatureR.size, NULL);
	BIGNUM *s = BN_bin2bn(ecc->signatureS.buffer, ecc->signatureS.size, NULL);

	*der = NULL;
	if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "quote: ECDSA signature");
	}
	*len = i2d_ECDSA_SIG(sig, der);
	ECDSA_SIG_free(sig);
	if (*len <= 0)
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "quote: ECDSA signature encoding");
	return VIGIL_OK;
}

static int verify_raw(EVP_PKEY *pkey, const EVP_MD *md, int padding, const uint8_t *msg,
		      size_t mlen, const unsigned char *sig, size_t slen, struct vigil_error *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	if (!ctx || EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) != 1 ||
	    (padding && EVP_PKEY_CTX_set_rsa_padding(pctx, padding) != 1) ||
	    (padding == RSA_PKCS1_PSS_PADDING &&
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1)) {
		EVP_MD_CTX_free(ctx);
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "quote: signature check set-up");
	}
	ok = EVP_DigestVerify(ctx, sig, slen, msg, mlen);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (ok != 1)
		return vigil_fail(err, VIGIL_ERR_BAD_SIGNATURE,
				  "quote: the signature does not verify with the attestation key");
	return VIGIL_OK;
}

/* The key type and the hash a TPMT_SIGNATURE uses; padding for RSA. */
static int sig_scheme(const TPMT_SIGNATURE *s, EVP_PKEY *pkey, int *algo, int *padding,
		      struct vigil_error *err)
{
	const char *want;
	uint16_t hash;

	switch (s->sigAlg) {
	case TPM2_ALG_RSASSA: want = "RSA"; hash = s->signature.rsassa.hash;
		*padding = RSA_PKCS1_PADDING; break;
	case TPM2_ALG_RSAPSS: want = "RSA"; hash = s->signature.rsapss.hash;
		*padding = RSA_PKCS1_PSS_PADDING; break;
	case TPM2_ALG_ECDSA: want = "EC"; hash = s->signature.ecdsa.hash; *padding = 0; break;
	default:
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED, "quote: signature algorithm 0x%04x",
				  s->sigAlg);
	}
	if (!EVP_PKEY_is_a(pkey, want))
		return vigil_fail(err, VIGIL_ERR_BAD_SIGNATURE, "quote: an %s signature, but the "
				  "attestation key is not %s", want, want);
	*algo = vigil_tpm_alg_to_hash(hash);
	if (*algo < 0 || !vigil_hash_md(*algo))
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED, "quote: signature hash 0x%04x", hash);
	return VIGIL_OK;
}

int vigil_quote_check_signature(const struct vigil_pubkey *ak, const uint8_t *attest,
				size_t attest_len, const uint8_t *sig, size_t sig_len,
				int *hash_algo, struct vigil_error *err)
{
	EVP_PKEY *pkey = vigil_pubkey_evp(ak);
	TPMT_SIGNATURE s;
	size_t off = 0;
	int algo = -1, padding = 0, rc, dlen = 0;
	unsigned char *der = NULL;

	memset(&s, 0, sizeof(s));
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig, sig_len, &off, &s) != TSS2_RC_SUCCESS ||
	    off != sig_len)
		return vigil_fail(err, VIGIL_ERR_BAD_SIGNATURE,
				  "quote: the TPMT_SIGNATURE does not unmarshal");
	if ((rc = sig_scheme(&s, pkey, &algo, &padding, err)) != VIGIL_OK)
		return rc;
	if (hash_algo)
		*hash_algo = algo;
	if (s.sigAlg != TPM2_ALG_ECDSA)
		return verify_raw(pkey, vigil_hash_md(algo), padding, attest, attest_len,
				  s.signature.rsassa.sig.buffer, s.signature.rsassa.sig.size, err);
	if ((rc = ecdsa_der(&s.signature.ecdsa, &der, &dlen, err)) != VIGIL_OK)
		return rc;
	rc = verify_raw(pkey, vigil_hash_md(algo), 0, attest, attest_len, der, (size_t)dlen, err);
	OPENSSL_free(der);
	return rc;
}

/* ---------------------------------------------------------------- pcrDigest */

int vigil_quote_pcr_digest(const struct vigil_quote_info *q, const struct vigil_pcrs *pcrs,
			   int hash_algo, struct vigil_digest *out, struct vigil_error *err)
{
	struct vigil_hash_ctx *ctx = NULL;
	int rc = vigil_hash_new(hash_algo, &ctx, err);

	for (unsigned i = 0; rc == VIGIL_OK && i < q->nsel; i++) {
		const struct vigil_pcr_bank *b = q->sel[i].algo >= 0 ?
							 vigil_pcrs_find(pcrs, q->sel[i].algo) : NULL;

		for (unsigned n = 0; rc == VIGIL_OK && n < VIGIL_PCR_COUNT; n++) {
			if (!(q->sel[i].mask & (1u << n)))
				continue;
			if (!b || !(b->valid & (1u << n))) {
				rc = vigil_fail(err, VIGIL_ERR_NO_DATA, "the bundle lacks the quoted "
						"PCR %u of bank %s", n, q->sel[i].algo >= 0 ?
						vigil_hash_by_id(q->sel[i].algo)->name : "(unknown)");
				break;
			}
			rc = vigil_hash_update(ctx, b->pcr[n],
					       vigil_hash_by_id(b->algo)->digest_len, err);
		}
	}
	if (rc == VIGIL_OK)
		rc = vigil_hash_final(ctx, out, err);
	vigil_hash_free(ctx);
	return rc;
}
