/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The verdict on each measurement-list entry: a violation, an excluded
 * name, a valid signature (sig field or appended PKCS#7) by a trusted key,
 * or a digest an allowlist holds for the name.  Keys measured into the
 * list (KEY_CHECK, ima-buf) become trusted when an allowlist vouches for
 * their digest, as Keylime does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <vigil/eventlog.h>
#include <vigil/reference.h>
#include <vigil/sig.h>
#include <vigil/xattr.h>
#include "internal.h"
#include "key_internal.h"
#include "reference_internal.h"

/* A key the list measured and the references allowed. */
struct learned {
	char *ring;
	uint8_t *der;
	size_t der_len;
};

struct vigil_refcheck {
	const struct vigil_refdb *db;
	const struct vigil_keyset *keys;
	unsigned flags;
	struct vigil_keyset *learned_keys;
	struct learned *learned;
	size_t nlearned;
	struct vigil_pcrs pcrs;
	bool have_pcrs;
	struct vigil_refcheck_stats stats;
};

static const char *const verdict_names[VIGIL_REF_VERDICTS] = {
	"ok", "excluded", "no-reference", "digest-mismatch", "bad-signature", "unknown-key",
	"unsupported", "violation",
};

const char *vigil_ref_verdict_name(int verdict)
{
	return verdict >= 0 && verdict < VIGIL_REF_VERDICTS ? verdict_names[verdict] : "unknown";
}

const char *vigil_ref_source_name(int source)
{
	static const char *const names[] = {
		"none", "signature", "modsig", "allowlist", "keyring", "ima-buf", "trusted-key",
		"boot-aggregate", "exclude",
	};

	return source >= 0 && source < (int)(sizeof(names) / sizeof(names[0])) ? names[source] :
										 "unknown";
}

int vigil_refcheck_new(const struct vigil_refdb *db, const struct vigil_keyset *keys,
		       unsigned flags, struct vigil_refcheck **out, struct vigil_error *err)
{
	struct vigil_refcheck *rc = calloc(1, sizeof(*rc));

	*out = NULL;
	if (!rc || !(rc->learned_keys = vigil_keyset_new())) {
		free(rc);
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for the reference checker");
	}
	rc->db = db;
	rc->keys = keys;
	rc->flags = flags;
	*out = rc;
	return VIGIL_OK;
}

void vigil_refcheck_free(struct vigil_refcheck *rc)
{
	if (!rc)
		return;
	for (size_t i = 0; i < rc->nlearned; i++) {
		free(rc->learned[i].ring);
		free(rc->learned[i].der);
	}
	free(rc->learned);
	vigil_keyset_free(rc->learned_keys);
	free(rc);
}

void vigil_refcheck_set_pcrs(struct vigil_refcheck *rc, const struct vigil_pcrs *pcrs)
{
	rc->pcrs = *pcrs;
	rc->have_pcrs = true;
}

void vigil_refcheck_get_stats(const struct vigil_refcheck *rc, struct vigil_refcheck_stats *out)
{
	*out = rc->stats;
}

static void set(struct vigil_ref_result *r, int verdict, int source, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set(struct vigil_ref_result *r, int verdict, int source, const char *fmt, ...)
{
	va_list ap;

	r->verdict = verdict;
	r->source = source;
	r->msg[0] = '\0';
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- signatures */

/* Tries one key set; the policy's may name keys by an alias keyid. */
static int verify_with(const struct vigil_keyset *set, const struct vigil_refdb *db,
		       const struct vigil_xattr *x, const struct vigil_digest *d,
		       struct vigil_error *err)
{
	const struct vigil_pubkey *alias = db && set == vigil_refdb_keys(db) ?
					   vigil_refdb_alias(db, x->keyid) : NULL;
	struct vigil_xattr copy = *x;

	if (!set || vigil_keyset_count(set) == 0)
		return VIGIL_ERR_UNKNOWN_KEY;
	if (alias)
		copy.keyid = vigil_pubkey_keyid(alias);
	return vigil_verify_sig(set, &copy, d, NULL, err);
}

static bool any_keys(const struct vigil_refcheck *rc)
{
	return (rc->keys && vigil_keyset_count(rc->keys)) ||
	       vigil_keyset_count(vigil_refdb_keys(rc->db)) || vigil_keyset_count(rc->learned_keys);
}

/* The trusted keys, the policy's, then the learned ones: the first that has the keyid decides. */
static int verify_any(const struct vigil_refcheck *rc, const struct vigil_xattr *x,
		      const struct vigil_digest *d, struct vigil_error *err)
{
	const struct vigil_keyset *sets[3] = { rc->keys, vigil_refdb_keys(rc->db),
					       rc->learned_keys };
	int code = VIGIL_ERR_UNKNOWN_KEY;

	for (int i = 0; i < 3 && code == VIGIL_ERR_UNKNOWN_KEY; i++)
		code = verify_with(sets[i], rc->db, x, d, err);
	return code;
}

/* Maps a library status to a verdict; <0 for errors that stop the check. */
static int sig_verdict(int code, struct vigil_ref_result *r, const char *what,
		       const struct vigil_error *e)
{
	switch (code) {
	case VIGIL_OK:
		return VIGIL_REF_OK;
	case VIGIL_ERR_UNKNOWN_KEY:
		snprintf(r->msg, sizeof(r->msg), "%s: unknown keyid %08x", what, r->keyid);
		return VIGIL_REF_UNKNOWN_KEY;
	case VIGIL_ERR_UNSUPPORTED:
		snprintf(r->msg, sizeof(r->msg), "%s: %.200s", what, e->msg);
		return VIGIL_REF_UNSUPPORTED;
	case VIGIL_ERR_NOMEM:
	case VIGIL_ERR_IO:
		return -1;
	default: /* bad signature, malformed, wrong key type */
		snprintf(r->msg, sizeof(r->msg), "%s: %.200s", what, e->msg);
		return VIGIL_REF_BAD_SIGNATURE;
	}
}

static bool entry_digest(const struct vigil_mlist_entry *e, struct vigil_digest *d)
{
	if (e->file_algo < 0 || !e->file_digest || e->file_digest_len > VIGIL_MAX_DIGEST)
		return false;
	d->algo = e->file_algo;
	d->len = e->file_digest_len;
	memcpy(d->bytes, e->file_digest, d->len);
	return true;
}

/* The sig field: -1 on errors, else a verdict (NO_REFERENCE: nothing to check). */
static int check_sig(const struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
		     struct vigil_ref_result *r, struct vigil_error *err)
{
	struct vigil_error e2 = { 0 };
	struct vigil_xattr x;
	struct vigil_digest d;
	int code;

	/* An EVM portable signature covers metadata the list does not hold. */
	if (e->sig_len == 0 || e->sig[0] == VIGIL_EVM_XATTR_PORTABLE_DIGSIG || !any_keys(rc))
		return VIGIL_REF_NO_REFERENCE;
	if (vigil_xattr_decode(e->sig, e->sig_len, VIGIL_XATTR_IMA, &x, &e2) != VIGIL_OK) {
		snprintf(r->msg, sizeof(r->msg), "malformed signature: %.200s", e2.msg);
		return VIGIL_REF_BAD_SIGNATURE;
	}
	r->have_keyid = x.sig_version != 1;
	r->keyid = x.keyid;
	if (!entry_digest(e, &d)) {
		snprintf(r->msg, sizeof(r->msg), "signature without a file digest");
		return VIGIL_REF_BAD_SIGNATURE;
	}
	if ((x.type == VIGIL_IMA_VERITY_DIGSIG) != (e->digest_type == VIGIL_DIGEST_TYPE_VERITY)) {
		snprintf(r->msg, sizeof(r->msg), "signature type 0x%02x does not fit a %s digest",
			 x.type, e->digest_type == VIGIL_DIGEST_TYPE_VERITY ? "verity" : "file");
		return VIGIL_REF_BAD_SIGNATURE;
	}
	code = verify_any(rc, &x, &d, &e2);
	if ((code = sig_verdict(code, r, "signature", &e2)) < 0)
		return vigil_fail(err, e2.code, "%s", e2.msg), -1;
	return code;
}

/* ------------------------------------------------------------------ modsig */

static const EVP_MD *signer_md(CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	return dig ? EVP_get_digestbyobj(dig->algorithm) : NULL;
}

/* Whether key is the signer: a certificate by issuer/serial or SKID, a bare key by keyid. */
static bool is_signer(CMS_SignerInfo *si, const struct vigil_pubkey *key)
{
	const uint8_t *der;
	size_t len;
	bool hit = false;

	if (vigil_pubkey_der(key, &der, &len) != 0)
		return false;
	if (vigil_pubkey_is_cert(key)) {
		X509 *x = d2i_X509(NULL, &der, (long)len);

		hit = x && CMS_SignerInfo_cert_cmp(si, x) == 0;
		X509_free(x);
	} else {
		ASN1_OCTET_STRING *skid = NULL;

		if (CMS_SignerInfo_get0_signer_id(si, &skid, NULL, NULL) == 1 && skid &&
		    ASN1_STRING_length(skid) >= 4) {
			const unsigned char *p = ASN1_STRING_get0_data(skid) +
						 ASN1_STRING_length(skid) - 4;

			hit = vigil_get_be32(p) == vigil_pubkey_keyid(key);
		}
	}
	return hit;
}

/* Signed attributes: messageDigest must be the digest; the signature covers the attributes. */
static int verify_attrs(CMS_SignerInfo *si, const struct vigil_pubkey *key,
			const struct vigil_digest *digest, struct vigil_error *err)
{
	ASN1_OCTET_STRING *md = CMS_signed_get0_data_by_OBJ(
		si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	const uint8_t *der;
	size_t len;
	X509 *x;
	int ok;

	if (!md || (size_t)ASN1_STRING_length(md) != digest->len ||
	    memcmp(ASN1_STRING_get0_data(md), digest->bytes, digest->len) != 0)
		return vigil_fail(err, VIGIL_ERR_BAD_SIGNATURE,
				  "the signed messageDigest is not the d-modsig digest");
	if (!vigil_pubkey_is_cert(key) || vigil_pubkey_der(key, &der, &len) != 0)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "signed attributes need the signer's certificate, not a bare key");
	if (!(x = d2i_X509(NULL, &der, (long)len)))
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "cannot decode the signer's certificate");
	CMS_SignerInfo_set1_signer_cert(si, x);
	ok = CMS_SignerInfo_verify(si);
	CMS_SignerInfo_set1_signer_cert(si, NULL);
	X509_free(x);
	if (ok != 1)
		return vigil_fail_ssl(err, VIGIL_ERR_BAD_SIGNATURE, "PKCS#7 signature does not verify");
	return VIGIL_OK;
}

/* No signed attributes: the signature is over the content's digest itself. */
static int verify_plain(CMS_SignerInfo *si, const struct vigil_pubkey *key, const EVP_MD *md,
			const struct vigil_digest *digest, struct vigil_error *err)
{
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	EVP_PKEY *pkey = vigil_pubkey_evp(key);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	int ok = 0;

	if (ctx && EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	    (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA ||
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1))
		ok = EVP_PKEY_verify(ctx, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig),
				     digest->bytes, digest->len);
	EVP_PKEY_CTX_free(ctx);
	if (ok != 1)
		return vigil_fail_ssl(err, VIGIL_ERR_BAD_SIGNATURE, "PKCS#7 signature does not verify");
	return VIGIL_OK;
}

static int modsig_signer(const struct vigil_keyset *keys, CMS_SignerInfo *si,
			 const struct vigil_pubkey **out)
{
	for (size_t i = 0; keys && i < vigil_keyset_count(keys); i++) {
		if (is_signer(si, vigil_keyset_at(keys, i))) {
			*out = vigil_keyset_at(keys, i);
			return VIGIL_OK;
		}
	}
	return VIGIL_ERR_UNKNOWN_KEY;
}

static int modsig_check(const struct vigil_keyset *keys, CMS_ContentInfo *cms,
			const struct vigil_digest *digest, const struct vigil_pubkey **used,
			struct vigil_error *err)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	const struct vigil_pubkey *key = NULL;
	CMS_SignerInfo *si;
	const EVP_MD *md;
	int rc;

	if (!sis || sk_CMS_SignerInfo_num(sis) != 1)
		return vigil_fail(err, VIGIL_ERR_INVALID, "modsig: want exactly one signer, not %d",
				  sis ? sk_CMS_SignerInfo_num(sis) : 0);
	si = sk_CMS_SignerInfo_value(sis, 0);
	md = signer_md(si);
	if (!md || EVP_MD_get_size(md) != (int)digest->len ||
	    (vigil_hash_md(digest->algo) &&
	     EVP_MD_get_type(md) != EVP_MD_get_type(vigil_hash_md(digest->algo))))
		return vigil_fail(err, VIGIL_ERR_BAD_SIGNATURE,
				  "modsig: the signer's digest algorithm is not that of d-modsig");
	if (modsig_signer(keys, si, &key) != VIGIL_OK)
		return vigil_fail(err, VIGIL_ERR_UNKNOWN_KEY, "modsig: no trusted key is the signer");
	rc = CMS_signed_get_attr_count(si) >= 0 ? verify_attrs(si, key, digest, err) :
						  verify_plain(si, key, md, digest, err);
	if (rc == VIGIL_OK && used)
		*used = key;
	return rc;
}

int vigil_modsig_verify(const struct vigil_keyset *keys, const uint8_t *pkcs7, size_t len,
			const struct vigil_digest *digest, const struct vigil_pubkey **used,
			struct vigil_error *err)
{
	const unsigned char *p = pkcs7;
	CMS_ContentInfo *cms;
	int rc;

	if (used)
		*used = NULL;
	if (!pkcs7 || len == 0 || len > (1u << 20))
		return vigil_fail(err, VIGIL_ERR_INVALID, "modsig: empty or oversized");
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (!cms || p != pkcs7 + len || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		return vigil_fail_ssl(err, VIGIL_ERR_INVALID, "modsig: not a PKCS#7 SignedData");
	}
	rc = modsig_check(keys, cms, digest, used, err);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* The modsig field, against d-modsig: -1 on errors, else a verdict. */
static int check_modsig(const struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
			struct vigil_ref_result *r, struct vigil_error *err)
{
	const struct vigil_field *ms = vigil_mlist_field(e, VIGIL_FIELD_MODSIG);
	const struct vigil_field *dm = vigil_mlist_field(e, VIGIL_FIELD_D_MODSIG);
	const struct vigil_keyset *sets[3] = { rc->keys, vigil_refdb_keys(rc->db),
					       rc->learned_keys };
	const uint8_t *nul;
	const struct vigil_hash_info *info;
	struct vigil_digest d;
	struct vigil_error e2 = { 0 };
	int code = VIGIL_ERR_UNKNOWN_KEY;
	char name[32];

	if (!ms || ms->len == 0 || !any_keys(rc))
		return VIGIL_REF_NO_REFERENCE;
	/* d-modsig is "algo:" NUL digest; the template decoder checked its shape. */
	if (!dm || dm->len == 0 || !(nul = memchr(dm->data, '\0', dm->len)) ||
	    (size_t)(nul - dm->data) < 2 || (size_t)(nul - dm->data) > sizeof(name)) {
		snprintf(r->msg, sizeof(r->msg), "modsig without a d-modsig digest");
		return VIGIL_REF_BAD_SIGNATURE;
	}
	memcpy(name, dm->data, (size_t)(nul - dm->data) - 1);
	name[nul - dm->data - 1] = '\0';
	info = vigil_hash_by_name(name);
	d.algo = info ? info->id : -1;
	d.len = dm->len - (size_t)(nul + 1 - dm->data);
	if (!info || d.len != info->digest_len)
		return snprintf(r->msg, sizeof(r->msg), "modsig: bad d-modsig"), VIGIL_REF_BAD_SIGNATURE;
	memcpy(d.bytes, nul + 1, d.len);
	for (int i = 0; i < 3 && code == VIGIL_ERR_UNKNOWN_KEY; i++)
		code = sets[i] ? vigil_modsig_verify(sets[i], ms->data, ms->len, &d, NULL, &e2) :
				 VIGIL_ERR_UNKNOWN_KEY;
	if (code == VIGIL_ERR_UNKNOWN_KEY) {
		snprintf(r->msg, sizeof(r->msg), "modsig: no trusted key is the PKCS#7 signer");
		return VIGIL_REF_UNKNOWN_KEY;
	}
	if ((code = sig_verdict(code, r, "modsig", &e2)) < 0)
		return vigil_fail(err, e2.code, "%s", e2.msg), -1;
	return code;
}

/* -------------------------------------------------------------- allowlists */

static int lookup_verdict(const struct vigil_refcheck *rc, int ns, const struct vigil_mlist_entry *e,
			  struct vigil_ref_result *r, int source)
{
	int look = vigil_refdb_lookup(rc->db, ns, e->file_name, e->file_name_len, e->file_algo,
				      e->file_digest, e->file_digest_len);

	/* ima-buf names absent from their own section are looked up as files. */
	if (ns != VIGIL_REF_NS_FILES && look == VIGIL_REF_UNLISTED &&
	    !vigil_refdb_has_name(rc->db, ns, e->file_name, e->file_name_len))
		look = vigil_refdb_lookup(rc->db, VIGIL_REF_NS_FILES, e->file_name,
					  e->file_name_len, e->file_algo, e->file_digest,
					  e->file_digest_len);
	if (look == VIGIL_REF_FOUND)
		set(r, VIGIL_REF_OK, source, NULL);
	else if (look == VIGIL_REF_OTHER_DIGEST)
		set(r, VIGIL_REF_DIGEST_MISMATCH, source, "the references list other digests for the name");
	else
		set(r, VIGIL_REF_NO_REFERENCE, VIGIL_REF_SRC_NONE, rc->db ? "not in the references" :
			"no references given");
	return r->verdict;
}

static bool is_boot_aggregate(const struct vigil_mlist_entry *e)
{
	return e->file_name_len == 14 && memcmp(e->file_name, "boot_aggregate", 14) == 0;
}

/*
 * Without a TPM the kernel (and vigild) records boot_aggregate as zeros, and
 * the boot PCRs read as zeros.  That pair is consistent; a zero aggregate next
 * to non-zero boot PCRs is not, and falls through to the mismatch.
 */
static bool no_tpm_boot(const struct vigil_pcrs *pcrs, const struct vigil_mlist_entry *e)
{
	const struct vigil_pcr_bank *bank = vigil_pcrs_find(pcrs, e->file_algo);
	const struct vigil_hash_info *info = vigil_hash_by_id(e->file_algo);
	int last = e->file_algo == VIGIL_HASH_SHA1 ? 7 : 9;

	if (!bank || !info || !vigil_all_zero(e->file_digest, e->file_digest_len))
		return false;
	for (int i = 0; i <= last; i++)
		if (!vigil_all_zero(bank->pcr[i], info->digest_len))
			return false;
	return true;
}

/* 1 when decided from the PCRs, 0 when they cannot tell (no such bank, PCRs missing). */
static int check_boot_aggregate(const struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
				struct vigil_ref_result *r)
{
	struct vigil_digest d;
	char hex[2 * VIGIL_MAX_DIGEST + 1];

	if (!rc->have_pcrs || e->file_algo < 0 ||
	    vigil_boot_aggregate(&rc->pcrs, e->file_algo, &d, NULL) != VIGIL_OK)
		return 0;
	if (no_tpm_boot(&rc->pcrs, e)) {
		set(r, VIGIL_REF_OK, VIGIL_REF_SRC_BOOT_AGGREGATE, NULL);
		return 1;
	}
	if (d.len == e->file_digest_len && memcmp(d.bytes, e->file_digest, d.len) == 0) {
		set(r, VIGIL_REF_OK, VIGIL_REF_SRC_BOOT_AGGREGATE, NULL);
		return 1;
	}
	vigil_hex(d.bytes, d.len, hex);
	set(r, VIGIL_REF_DIGEST_MISMATCH, VIGIL_REF_SRC_BOOT_AGGREGATE,
	    "the given %s PCRs give boot_aggregate %s", vigil_hash_by_id(d.algo)->name, hex);
	return 1;
}

/* ----------------------------------------------------------- measured keys */

static bool same_der(const struct vigil_pubkey *k, const uint8_t *der, size_t len)
{
	const uint8_t *kd;
	size_t kl;

	return vigil_pubkey_der(k, &kd, &kl) == 0 && kl == len && memcmp(kd, der, len) == 0;
}

static bool in_set(const struct vigil_keyset *set, const uint8_t *der, size_t len)
{
	for (size_t i = 0; set && i < vigil_keyset_count(set); i++)
		if (same_der(vigil_keyset_at(set, i), der, len))
			return true;
	return false;
}

static int learn(struct vigil_refcheck *rc, const char *ring, size_t rlen, const uint8_t *der,
		 size_t len, struct vigil_error *err)
{
	struct learned *l;
	struct vigil_pubkey *key;
	int code;

	if (in_set(rc->learned_keys, der, len))
		return VIGIL_OK;
	if (!(l = realloc(rc->learned, (rc->nlearned + 1) * sizeof(*l))))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for learned keys");
	rc->learned = l;
	l += rc->nlearned;
	l->ring = strndup(ring, rlen);
	l->der = malloc(len);
	l->der_len = len;
	if (!l->ring || !l->der) {
		free(l->ring);
		free(l->der);
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for learned keys");
	}
	memcpy(l->der, der, len);
	if ((code = vigil_pubkey_load_mem(der, len, l->ring, &key, err)) != VIGIL_OK ||
	    (code = vigil_keyset_add(rc->learned_keys, key, err)) != VIGIL_OK) {
		free(l->ring);
		free(l->der);
		return code;
	}
	rc->nlearned++;
	rc->stats.learned_keys++;
	return VIGIL_OK;
}

/*
 * buf must hash to the entry's digest, whatever it holds.  A digest that
 * cannot be computed (no digest field, a hash OpenSSL lacks) proves nothing:
 * such an entry is not checked further, and never teaches a key.
 */
static bool buf_matches(const struct vigil_mlist_entry *e, struct vigil_ref_result *r)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(e->file_algo);
	struct vigil_digest d;

	if (!info || !e->file_digest) {
		set(r, VIGIL_REF_UNSUPPORTED, VIGIL_REF_SRC_NONE,
		    "buf without a file digest of a known algorithm");
		return false;
	}
	if (!vigil_hash_available(e->file_algo) ||
	    vigil_hash_buf(e->file_algo, e->buf, e->buf_len, &d, NULL) != VIGIL_OK) {
		set(r, VIGIL_REF_UNSUPPORTED, VIGIL_REF_SRC_NONE,
		    "cannot compute the %s digest of buf", info->name);
		return false;
	}
	if (d.len == e->file_digest_len && memcmp(d.bytes, e->file_digest, d.len) == 0)
		return true;
	set(r, VIGIL_REF_DIGEST_MISMATCH, VIGIL_REF_SRC_NONE,
	    "buf does not hash to the entry's %s digest", vigil_hash_by_id(e->file_algo)->name);
	return false;
}

/* A measured key: trusted when the references allow its digest under the keyring's name. */
static int check_key(struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
		     struct vigil_ref_result *r, struct vigil_error *err)
{
	if (vigil_refdb_keyring_ignored(rc->db, e->file_name, e->file_name_len)) {
		set(r, VIGIL_REF_EXCLUDED, VIGIL_REF_SRC_EXCLUDE, "keyring ignored by the policy");
		return VIGIL_OK;
	}
	if (lookup_verdict(rc, VIGIL_REF_NS_KEYRINGS, e, r, VIGIL_REF_SRC_KEYRING) == VIGIL_REF_OK) {
		r->key_learned = !in_set(rc->learned_keys, e->buf, e->buf_len);
		return learn(rc, e->file_name, e->file_name_len, e->buf, e->buf_len, err);
	}
	if (r->verdict == VIGIL_REF_NO_REFERENCE && in_set(rc->keys, e->buf, e->buf_len))
		set(r, VIGIL_REF_OK, VIGIL_REF_SRC_TRUSTED_KEY, NULL);
	return VIGIL_OK;
}

static int check_buf(struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
		     struct vigil_ref_result *r, struct vigil_error *err)
{
	struct vigil_pubkey *key = NULL;

	if (!buf_matches(e, r))
		return VIGIL_OK;
	/* Only DER (a SEQUENCE) is tried: KEY_CHECK measures certificates so. */
	if (e->buf_len > 0 && e->buf[0] == 0x30 &&
	    vigil_pubkey_load_mem(e->buf, e->buf_len, "ima-buf", &key, NULL) == VIGIL_OK) {
		vigil_pubkey_free(key);
		return check_key(rc, e, r, err);
	}
	lookup_verdict(rc, VIGIL_REF_NS_BUF, e, r, VIGIL_REF_SRC_BUF);
	return VIGIL_OK;
}

/* ------------------------------------------------------------------ entries */

/* Signatures first; failing those, the allowlist may still vouch (as in Keylime). */
static int check_file(struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
		      struct vigil_ref_result *r, struct vigil_error *err)
{
	struct vigil_ref_result sig = *r;
	int v = check_modsig(rc, e, &sig, err);

	if (v < 0)
		return err ? err->code : VIGIL_ERR_CRYPTO;
	if (v == VIGIL_REF_OK)
		return set(r, VIGIL_REF_OK, VIGIL_REF_SRC_MODSIG, NULL), VIGIL_OK;
	if (v == VIGIL_REF_NO_REFERENCE) {
		sig = *r;
		if ((v = check_sig(rc, e, &sig, err)) < 0)
			return err ? err->code : VIGIL_ERR_CRYPTO;
		if (v == VIGIL_REF_OK) {
			*r = sig;
			return set(r, VIGIL_REF_OK, VIGIL_REF_SRC_SIGNATURE, NULL), VIGIL_OK;
		}
	}
	if (is_boot_aggregate(e) && check_boot_aggregate(rc, e, r))
		return VIGIL_OK;
	lookup_verdict(rc, VIGIL_REF_NS_FILES, e, r, VIGIL_REF_SRC_ALLOWLIST);
	if (r->verdict == VIGIL_REF_OK) {
		r->have_keyid = sig.have_keyid;
		r->keyid = sig.keyid;
		return VIGIL_OK;
	}
	if (v != VIGIL_REF_NO_REFERENCE) { /* the signature's failure says more */
		char other[96];

		snprintf(other, sizeof(other), "%s", r->verdict == VIGIL_REF_NO_REFERENCE ? "" :
			 "; the references list other digests");
		*r = sig;
		r->verdict = v;
		r->source = v == VIGIL_REF_OK ? VIGIL_REF_SRC_SIGNATURE : VIGIL_REF_SRC_NONE;
		strncat(r->msg, other, sizeof(r->msg) - strlen(r->msg) - 1);
	} else if (e->sig_len && e->sig[0] == VIGIL_EVM_XATTR_PORTABLE_DIGSIG &&
		   r->verdict == VIGIL_REF_NO_REFERENCE) {
		snprintf(r->msg, sizeof(r->msg), "no IMA signature (the sig field holds an EVM "
			 "portable signature, over metadata the list lacks)");
	}
	return VIGIL_OK;
}

static bool fails(const struct vigil_refcheck *rc, int verdict)
{
	switch (verdict) {
	case VIGIL_REF_OK:
	case VIGIL_REF_EXCLUDED:
		return false;
	case VIGIL_REF_VIOLATION:
		return !(rc->flags & VIGIL_REFCHECK_IGNORE_VIOLATIONS);
	case VIGIL_REF_NO_REFERENCE:
	case VIGIL_REF_UNSUPPORTED:
		return rc->flags & VIGIL_REFCHECK_REQUIRE_REFERENCE;
	default:
		return true;
	}
}

static void count(struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
		  struct vigil_ref_result *r)
{
	struct vigil_refcheck_stats *s = &rc->stats;

	r->failed = fails(rc, r->verdict);
	s->entries++;
	s->verdicts[r->verdict]++;
	if (!r->failed)
		return;
	s->failures++;
	if (!s->have_first) {
		s->have_first = true;
		s->first_index = e->index;
		s->first_offset = e->offset;
		s->first_verdict = r->verdict;
	}
}

int vigil_refcheck_entry(struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
			 struct vigil_ref_result *r, struct vigil_error *err)
{
	int code = VIGIL_OK;

	memset(r, 0, sizeof(*r));
	set(r, VIGIL_REF_NO_REFERENCE, VIGIL_REF_SRC_NONE, NULL);
	if (e->violation)
		set(r, VIGIL_REF_VIOLATION, VIGIL_REF_SRC_NONE,
		    "a file was measured while open for write (ToMToU or open-writers)");
	else if (e->file_name && vigil_refdb_excluded(rc->db, e->file_name, e->file_name_len))
		set(r, VIGIL_REF_EXCLUDED, VIGIL_REF_SRC_EXCLUDE, NULL);
	else if (e->buf)
		code = check_buf(rc, e, r, err);
	else
		code = check_file(rc, e, r, err);
	if (code != VIGIL_OK)
		return code;
	if (r->verdict == VIGIL_REF_NO_REFERENCE && !r->msg[0])
		snprintf(r->msg, sizeof(r->msg), "%s", rc->db ? "not in the references" :
			 e->sig_len ? "no trusted keys given" : "no signature, no references");
	count(rc, e, r);
	return VIGIL_OK;
}

/* ------------------------------------------------------------- saved state */

#define STATE_MAGIC "vigil-refcheck-state 1"
#define STATE_MAX (16u << 20)

/* What the verdicts depend on: flags, the references, the trusted keys. */
static void fingerprint(const struct vigil_refcheck *rc, char hex[65])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t d[32] = { 0 };
	unsigned n = 32;

	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
		uint32_t flags = rc->flags;

		EVP_DigestUpdate(c, &flags, sizeof(flags));
		if (rc->db) {
			vigil_refdb_fingerprint(rc->db, d);
			EVP_DigestUpdate(c, d, sizeof(d));
		}
		for (size_t i = 0; rc->keys && i < vigil_keyset_count(rc->keys); i++) {
			const uint8_t *der;
			size_t len;

			if (vigil_pubkey_der(vigil_keyset_at(rc->keys, i), &der, &len) == 0)
				EVP_DigestUpdate(c, der, len);
		}
		EVP_DigestFinal_ex(c, d, &n);
	}
	EVP_MD_CTX_free(c);
	vigil_hex(d, 32, hex);
}

struct text {
	char *buf;
	size_t len, cap;
	bool full;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len)
		t->full = true;
	else
		t->len += (size_t)n;
}

static void put_hex(struct text *t, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len && !t->full; i++)
		put(t, "%02x", p[i]);
}

static int sum_hex(const char *text, size_t len, char hex[65], struct vigil_error *err)
{
	struct vigil_digest d;
	int code = vigil_hash_buf(VIGIL_HASH_SHA256, text, len, &d, err);

	if (code == VIGIL_OK)
		vigil_hex(d.bytes, d.len, hex);
	return code;
}

static void put_body(const struct vigil_refcheck *rc, struct text *t)
{
	const struct vigil_refcheck_stats *s = &rc->stats;
	char print[65];

	fingerprint(rc, print);
	put(t, STATE_MAGIC "\nconfig %s\nentries %llu\nfailures %llu\nverdicts", print,
	    (unsigned long long)s->entries, (unsigned long long)s->failures);
	for (int i = 0; i < VIGIL_REF_VERDICTS; i++)
		put(t, " %llu", (unsigned long long)s->verdicts[i]);
	if (s->have_first)
		put(t, "\nfirst %llu %llu %d\n", (unsigned long long)s->first_index,
		    (unsigned long long)s->first_offset, s->first_verdict);
	else
		put(t, "\nfirst none\n");
	put(t, "keys %zu\n", rc->nlearned);
	for (size_t i = 0; i < rc->nlearned; i++) {
		put(t, "key ");
		put_hex(t, (const uint8_t *)rc->learned[i].ring, strlen(rc->learned[i].ring));
		put(t, " ");
		put_hex(t, rc->learned[i].der, rc->learned[i].der_len);
		put(t, "\n");
	}
}

int vigil_refcheck_save(const struct vigil_refcheck *rc, char *buf, size_t cap, size_t *len,
			struct vigil_error *err)
{
	struct text t = { malloc(STATE_MAX), 0, STATE_MAX, false };
	char sum[65];
	int code;

	if (!t.buf)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for the verification state");
	put_body(rc, &t);
	if (t.full)
		code = vigil_fail(err, VIGIL_ERR_TOO_BIG, "verification state over %u bytes", STATE_MAX);
	else if ((code = sum_hex(t.buf, t.len, sum, err)) == VIGIL_OK)
		put(&t, "checksum sha256 %s\n", sum);
	if (code == VIGIL_OK && t.full)
		code = vigil_fail(err, VIGIL_ERR_TOO_BIG, "verification state over %u bytes", STATE_MAX);
	if (code == VIGIL_OK) {
		*len = t.len;
		if (buf && cap <= t.len)
			code = vigil_fail(err, VIGIL_ERR_TOO_BIG, "the verification state needs %zu bytes",
					  t.len + 1);
		else if (buf)
			memcpy(buf, t.buf, t.len + 1);
	}
	free(t.buf);
	return code;
}

/* ------------------------------------------------------------ state loading */

struct cursor {
	const char *p, *end;
	unsigned line;
};

/* The next line as a NUL-terminated copy in out (cap bytes); false at the end or if longer. */
static bool next_line(struct cursor *c, char *out, size_t cap)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	size_t len;

	if (!nl || (len = (size_t)(nl - c->p)) >= cap)
		return false;
	memcpy(out, c->p, len);
	out[len] = '\0';
	c->p = nl + 1;
	c->line++;
	return true;
}

static int state_fail(const struct cursor *c, const char *what, struct vigil_error *err)
{
	return vigil_fail(err, VIGIL_ERR_INVALID, "verification state line %u: %s", c->line, what);
}

static bool parse_u64(const char *s, uint64_t *v, const char **end)
{
	char *e;

	if (*s < '0' || *s > '9')
		return false;
	*v = strtoull(s, &e, 10);
	*end = e;
	return true;
}

static bool keyed_u64(const char *line, const char *key, uint64_t *v)
{
	size_t k = strlen(key);
	const char *end;

	return strncmp(line, key, k) == 0 && line[k] == ' ' && parse_u64(line + k + 1, v, &end) &&
	       *end == '\0';
}

static int parse_counters(struct cursor *c, struct vigil_refcheck_stats *s, char *line, size_t cap,
			  struct vigil_error *err)
{
	const char *p;
	uint64_t sum = 0, v;

	if (!next_line(c, line, cap) || !keyed_u64(line, "entries", &s->entries) ||
	    !next_line(c, line, cap) || !keyed_u64(line, "failures", &s->failures))
		return state_fail(c, "bad counter", err);
	if (!next_line(c, line, cap) || strncmp(line, "verdicts", 8) != 0)
		return state_fail(c, "bad verdicts", err);
	p = line + 8;
	for (int i = 0; i < VIGIL_REF_VERDICTS; i++) {
		if (*p != ' ' || !parse_u64(p + 1, &s->verdicts[i], &p))
			return state_fail(c, "bad verdicts", err);
		sum += s->verdicts[i];
	}
	if (*p || sum != s->entries || s->failures > s->entries)
		return state_fail(c, "inconsistent verdict counts", err);
	if (!next_line(c, line, cap))
		return state_fail(c, "no first-failure line", err);
	if (strcmp(line, "first none") == 0)
		return s->failures ? state_fail(c, "failures without a first one", err) : VIGIL_OK;
	if (strncmp(line, "first ", 6) != 0 || !parse_u64(line + 6, &s->first_index, &p) ||
	    *p != ' ' || !parse_u64(p + 1, &s->first_offset, &p) || *p != ' ' ||
	    !parse_u64(p + 1, &v, &p) || *p || v >= VIGIL_REF_VERDICTS || !s->failures)
		return state_fail(c, "bad first-failure line", err);
	s->have_first = true;
	s->first_verdict = (int)v;
	return VIGIL_OK;
}

static long unhex_into(const char *s, size_t n, uint8_t *out)
{
	if (n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		char b[3] = { s[i], s[i + 1], 0 };
		char *e;
		unsigned long v = strtoul(b, &e, 16);

		if (*e || !((b[0] >= '0' && b[0] <= '9') || (b[0] >= 'a' && b[0] <= 'f')))
			return -1;
		out[i / 2] = (uint8_t)v;
	}
	return (long)(n / 2);
}

/*
 * A saved key is trusted again only if the references still vouch for it as
 * check_key() required: its DER hashes to a digest listed for its keyring.
 * The state's checksum detects damage, not forgery.
 */
static bool key_vouched(const struct vigil_refcheck *rc, const char *ring, size_t rlen,
			const uint8_t *der, size_t len)
{
	if (!rc->db || vigil_refdb_keyring_ignored(rc->db, ring, rlen))
		return false;
	for (int a = 0; a < VIGIL_HASH_ALGO_COUNT; a++) {
		struct vigil_digest d;

		if (!vigil_hash_available(a) || vigil_hash_buf(a, der, len, &d, NULL) != VIGIL_OK)
			continue;
		if (vigil_refdb_lookup(rc->db, VIGIL_REF_NS_KEYRINGS, ring, rlen, a, d.bytes,
				       d.len) == VIGIL_REF_FOUND)
			return true;
	}
	return false;
}

static int parse_key(struct vigil_refcheck *rc, struct cursor *c, const char *line,
		     struct vigil_error *err)
{
	const char *sp = strncmp(line, "key ", 4) == 0 ? strchr(line + 4, ' ') : NULL;
	size_t rn, dn;
	uint8_t *buf;
	long r, d;
	int code;

	if (!sp)
		return state_fail(c, "bad key line", err);
	rn = (size_t)(sp - line - 4);
	dn = strlen(sp + 1);
	if (!(buf = malloc(rn / 2 + dn / 2 + 2)))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	r = unhex_into(line + 4, rn, buf);
	d = r >= 0 ? unhex_into(sp + 1, dn, buf + r + 1) : -1;
	if (r <= 0 || d <= 0 || memchr(buf, '\0', (size_t)r)) {
		free(buf);
		return state_fail(c, "bad key line", err);
	}
	buf[r] = '\0';
	if (!key_vouched(rc, (const char *)buf, (size_t)r, buf + r + 1, (size_t)d)) {
		char ring[64];

		snprintf(ring, sizeof(ring), "%.60s", (const char *)buf);
		for (char *q = ring; *q; q++)
			if (*q < 0x20 || *q > 0x7e)
				*q = '?';
		free(buf);
		return vigil_fail(err, VIGIL_ERR_INVALID, "verification state line %u: the key "
				  "saved for keyring \"%s\" is not listed in the references' keyrings",
				  c->line, ring);
	}
	code = learn(rc, (const char *)buf, (size_t)r, buf + r + 1, (size_t)d, err);
	free(buf);
	return code;
}

static int verify_sum(const char *text, size_t len, size_t *body, struct vigil_error *err)
{
	static const char key[] = "checksum sha256 ";
	size_t line = sizeof(key) - 1 + 64 + 1;
	char sum[65];
	int code;

	if (len < line || text[len - 1] != '\n' || memcmp(text + len - line, key, sizeof(key) - 1))
		return vigil_fail(err, VIGIL_ERR_INVALID, "verification state: no checksum line");
	*body = len - line;
	if ((code = sum_hex(text, *body, sum, err)) != VIGIL_OK)
		return code;
	if (memcmp(sum, text + len - 65, 64) != 0)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "verification state: checksum mismatch (truncated or corrupted)");
	return VIGIL_OK;
}

static int parse_state(struct vigil_refcheck *rc, struct cursor *c, char *line, size_t cap,
		       struct vigil_refcheck_stats *s, struct vigil_error *err)
{
	char print[65];
	uint64_t nkeys;
	int code;

	if (!next_line(c, line, cap) || strcmp(line, STATE_MAGIC) != 0)
		return state_fail(c, "not a vigil verification state of version 1", err);
	fingerprint(rc, print);
	if (!next_line(c, line, cap) || strncmp(line, "config ", 7) != 0)
		return state_fail(c, "no config line", err);
	if (strcmp(line + 7, print) != 0)
		return vigil_fail(err, VIGIL_ERR_MISMATCH, "the verification state was saved with "
				  "other references (keys, allowlists, policy or flags)");
	if ((code = parse_counters(c, s, line, cap, err)) != VIGIL_OK)
		return code;
	if (!next_line(c, line, cap) || !keyed_u64(line, "keys", &nkeys))
		return state_fail(c, "bad key count", err);
	for (uint64_t i = 0; i < nkeys; i++) {
		if (!next_line(c, line, cap))
			return state_fail(c, "missing key line", err);
		if ((code = parse_key(rc, c, line, err)) != VIGIL_OK)
			return code;
	}
	if (c->p != c->end)
		return state_fail(c, "unexpected lines before the checksum", err);
	s->learned_keys = nkeys;
	return VIGIL_OK;
}

int vigil_refcheck_load(struct vigil_refcheck *rc, const char *text, size_t len,
			struct vigil_error *err)
{
	struct vigil_refcheck_stats s = { 0 };
	struct cursor c;
	size_t body = 0;
	char *line;
	int code;

	if (len > STATE_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "verification state over %u bytes", STATE_MAX);
	if (rc->stats.entries || rc->nlearned)
		return vigil_fail(err, VIGIL_ERR_INVALID, "load a state into a fresh checker only");
	if (memchr(text, '\0', len))
		return vigil_fail(err, VIGIL_ERR_INVALID, "verification state: NUL byte");
	if ((code = verify_sum(text, len, &body, err)) != VIGIL_OK)
		return code;
	if (!(line = malloc(len + 1)))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	c = (struct cursor){ text, text + body, 0 };
	code = parse_state(rc, &c, line, len + 1, &s, err);
	free(line);
	if (code == VIGIL_OK && s.learned_keys != rc->nlearned)
		code = vigil_fail(err, VIGIL_ERR_INVALID, "verification state: a key is listed twice");
	if (code != VIGIL_OK) {
		/* Back to fresh: learned keys of a rejected state must not stay trusted. */
		for (size_t i = 0; i < rc->nlearned; i++) {
			free(rc->learned[i].ring);
			free(rc->learned[i].der);
		}
		rc->nlearned = 0;
		vigil_keyset_free(rc->learned_keys);
		rc->learned_keys = vigil_keyset_new();
		return code;
	}
	rc->stats = s;
	return VIGIL_OK;
}
