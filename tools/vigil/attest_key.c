/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil attest key: an attestation key (a restricted signing key) created
 * as a primary of the endorsement hierarchy and made persistent, or the
 * one already at the handle; its public part written as a PEM
 * SubjectPublicKeyInfo that OpenSSL (and vigil attest verify) reads.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "attest_cli.h"

static const char key_help[] =
	"Usage: vigil attest key --out-public FILE [--rsa|--ecc] [--handle H] [--tcti CONF]\n"
	"Create an attestation key (AK) in the TPM, or use the one already persisted\n"
	"at the handle, and write its public part as PEM.\n"
	"\n"
	"  -o, --out-public FILE  where to write the public key (PEM SubjectPublicKeyInfo;\n"
	"                         \"-\" for standard output)\n"
	"      --rsa              RSA-2048 signing with RSASSA-PKCS1-v1_5 / SHA-256 (default)\n"
	"      --ecc              NIST P-256 signing with ECDSA / SHA-256\n"
	"      --handle H         persistent handle of the key (default 0x81010002)\n"
	"      --tcti CONF        the TPM: as tpm2-tools' --tcti (\"device:/dev/tpmrm0\",\n"
	"                         \"swtpm:host=127.0.0.1,port=2321\"); default $TPM2TOOLS_TCTI,\n"
	"                         then $TCTI, then the TCTI loader's default\n"
	"  -h, --help             show this help\n"
	"\n"
	"When the handle is free, the key is created with TPM2_CreatePrimary in the\n"
	"endorsement hierarchy (fixedTPM, fixedParent, sensitiveDataOrigin,\n"
	"userWithAuth, restricted, sign; empty auth) and persisted with\n"
	"TPM2_EvictControl under the owner hierarchy.  Both hierarchies must have an\n"
	"empty authorization value.  When the handle holds a key, it must be a\n"
	"restricted signing key, of the type asked for if --rsa or --ecc is given.\n"
	"\n"
	"Exit status: 0 the key is persisted and written, 2 an error.\n";

struct key_opts {
	const char *out, *tcti;
	TPM2_HANDLE handle;
	int type; /* TPM2_ALG_RSA, TPM2_ALG_ECC, or 0: RSA unless the handle holds ECC */
};

static const TPMA_OBJECT ak_attrs = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
				    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;

static TPM2B_PUBLIC ak_template(int type)
{
	TPM2B_PUBLIC t = { .publicArea = { .type = (TPMI_ALG_PUBLIC)type,
					   .nameAlg = TPM2_ALG_SHA256,
					   .objectAttributes = ak_attrs } };
	TPMU_PUBLIC_PARMS *p = &t.publicArea.parameters;

	if (type == TPM2_ALG_ECC) {
		p->eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		p->eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
		p->eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->eccDetail.kdf.scheme = TPM2_ALG_NULL;
	} else {
		p->rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
		p->rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
		p->rsaDetail.keyBits = 2048;
		p->rsaDetail.exponent = 0;
	}
	return t;
}

/* ------------------------------------------------------------ PEM export */

static bool push_rsa(const TPMT_PUBLIC *pub, OSSL_PARAM_BLD *bld, BIGNUM **bn)
{
	uint32_t e = pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;

	bn[0] = BN_bin2bn(pub->unique.rsa.buffer, pub->unique.rsa.size, NULL);
	bn[1] = BN_new();
	if (!bn[0] || !bn[1] || !BN_set_word(bn[1], e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn[0]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn[1]))
		return false;
	return true;
}

static bool push_ecc(const TPMT_PUBLIC *pub, OSSL_PARAM_BLD *bld, uint8_t *point)
{
	const TPMS_ECC_POINT *q = &pub->unique.ecc;

	if (pub->parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 || q->x.size != 32 ||
	    q->y.size != 32)
		return false;
	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, q->x.buffer, 32);
	memcpy(point + 33, q->y.buffer, 32);
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65))
		return false;
	return true;
}

/* The TPM public key as an OpenSSL key. */
static EVP_PKEY *to_pkey(const TPMT_PUBLIC *pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn[2] = { NULL, NULL };
	uint8_t point[65];
	bool rsa = pub->type == TPM2_ALG_RSA;

	if (bld && (rsa ? push_rsa(pub, bld, bn) : push_ecc(pub, bld, point)) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, rsa ? "RSA" : "EC", NULL)) &&
	    EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn[0]);
	BN_free(bn[1]);
	return pkey;
}

static int write_pem(const char *path, const TPMT_PUBLIC *pub)
{
	EVP_PKEY *pkey = to_pkey(pub);
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int rc = EXIT_USAGE;

	if (!pkey || !bio || PEM_write_bio_PUBKEY(bio, pkey) != 1 ||
	    (len = BIO_get_mem_data(bio, &data)) <= 0)
		cli_error("attest key", "cannot encode the public key");
	else
		rc = attest_write_file("attest key", path, data, (size_t)len, 0644);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return rc;
}

/* ------------------------------------------------------------------- TPM */

static int check_existing(const struct key_opts *o, const TPMT_PUBLIC *pub)
{
	if ((pub->objectAttributes & (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT |
				      TPMA_OBJECT_DECRYPT)) !=
	    (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT) ||
	    (pub->type != TPM2_ALG_RSA && pub->type != TPM2_ALG_ECC)) {
		cli_error("attest key", "handle 0x%08x holds a key that is not a restricted RSA or "
			  "ECC signing key", o->handle);
		return EXIT_USAGE;
	}
	if (o->type && o->type != pub->type) {
		cli_error("attest key", "handle 0x%08x holds an %s key; evict it (tpm2_evictcontrol) "
			  "to create another", o->handle, pub->type == TPM2_ALG_RSA ? "RSA" : "ECC");
		return EXIT_USAGE;
	}
	return 0;
}

/* 1 when the handle holds a key (its public part in *out), 0 when free. */
static int load_existing(const struct key_opts *o, struct attest_tpm *t, TPM2B_PUBLIC **out)
{
	ESYS_TR obj;
	TSS2_RC rc = Esys_TR_FromTPMPublic(t->esys, o->handle, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, &obj);

	if (rc != TSS2_RC_SUCCESS)
		return 0; /* nothing there (TPM_RC_HANDLE) */
	rc = Esys_ReadPublic(t->esys, obj, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, out, NULL,
			     NULL);
	Esys_TR_Close(t->esys, &obj);
	if (rc != TSS2_RC_SUCCESS)
		return -attest_tpm_fail("attest key", "Esys_ReadPublic", rc);
	return 1;
}

static int create_ak(const struct key_opts *o, struct attest_tpm *t, TPM2B_PUBLIC **out)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl = ak_template(o->type ? o->type : TPM2_ALG_RSA);
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation_pcrs = { 0 };
	ESYS_TR obj = ESYS_TR_NONE, persisted = ESYS_TR_NONE;
	TSS2_RC rc;

	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sens, &tmpl, &outside, &creation_pcrs, &obj, out,
				NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return attest_tpm_fail("attest key", "creating the key (Esys_CreatePrimary)", rc);
	rc = Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, o->handle, &persisted);
	Esys_FlushContext(t->esys, obj);
	if (rc != TSS2_RC_SUCCESS)
		return attest_tpm_fail("attest key", "persisting the key (Esys_EvictControl)", rc);
	Esys_TR_Close(t->esys, &persisted);
	return 0;
}

/* --------------------------------------------------------------- command */

static const struct option key_long[] = {
	{ "out-public", required_argument, NULL, 'o' },
	{ "rsa", no_argument, NULL, OPT_ATT_RSA },
	{ "ecc", no_argument, NULL, OPT_ATT_ECC },
	{ "handle", required_argument, NULL, OPT_ATT_HANDLE },
	{ "tcti", required_argument, NULL, OPT_ATT_TCTI },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int key_parse(int argc, char **argv, struct key_opts *o)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "o:h", key_long, NULL)) != -1) {
		switch (opt) {
		case 'h': return cli_help(key_help), -1;
		case 'o': o->out = optarg; break;
		case OPT_ATT_RSA: o->type = TPM2_ALG_RSA; break;
		case OPT_ATT_ECC: o->type = TPM2_ALG_ECC; break;
		case OPT_ATT_TCTI: o->tcti = optarg; break;
		case OPT_ATT_HANDLE:
			if (attest_opt_handle("attest key", optarg, &o->handle))
				return EXIT_USAGE;
			break;
		default: return cli_usage("attest key", "bad option");
		}
	}
	if (optind < argc)
		return cli_usage("attest key", "unexpected argument '%s'", argv[optind]);
	if (!o->out)
		return cli_usage("attest key", "--out-public is required");
	return 0;
}

int cmd_attest_key(int argc, char **argv)
{
	struct key_opts o = { .handle = ATTEST_DEFAULT_HANDLE };
	struct attest_tpm t = { 0 };
	TPM2B_PUBLIC *pub = NULL;
	int rc;

	if ((rc = key_parse(argc, argv, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = attest_tpm_open("attest key", o.tcti, &t)) == 0) {
		rc = load_existing(&o, &t, &pub);
		if (rc == 1)
			rc = check_existing(&o, &pub->publicArea);
		else if (rc == 0)
			rc = create_ak(&o, &t, &pub);
		else
			rc = -rc;
	}
	if (rc == 0)
		rc = write_pem(o.out, &pub->publicArea);
	Esys_Free(pub);
	attest_tpm_close(&t);
	return rc;
}
