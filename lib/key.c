/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private and public key loading, and the keyids IMA/EVM signatures carry. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <vigil/hash.h>
#include <vigil/key.h>
#include "internal.h"
#include "key_internal.h"

/* Far above any real key or certificate file; keeps a wrong path cheap. */
#define KEY_FILE_MAX (1u << 20)
#define KEY_READ_START 4096u

struct vigil_privkey {
	EVP_PKEY *pkey;
	uint32_t keyid;
	char *source;
};

struct vigil_pubkey {
	EVP_PKEY *pkey;
	uint32_t keyid;
	bool is_cert;
	uint8_t *der;
	size_t der_len;
	char *source;
};

/* Buffers that may hold private key bytes: wiped before they are released. */
struct key_buf {
	uint8_t *data;
	size_t len, cap;
};

static void key_buf_free(struct key_buf *b)
{
	OPENSSL_clear_free(b->data, b->cap);
	memset(b, 0, sizeof(*b));
}

/* realloc would leave a copy of the old bytes behind unwiped. */
static int key_buf_grow(struct key_buf *b, size_t cap, const char *path,
			struct vigil_error *err)
{
	uint8_t *bigger = malloc(cap);

	if (!bigger)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "%s: out of memory reading the key", path);
	if (b->len)
		memcpy(bigger, b->data, b->len);
	OPENSSL_clear_free(b->data, b->cap);
	b->data = bigger;
	b->cap = cap;
	return VIGIL_OK;
}

static size_t initial_cap(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
	    (unsigned long long)st.st_size < KEY_FILE_MAX)
		return (size_t)st.st_size + 1; /* +1 so EOF is seen without growing */
	return KEY_READ_START;
}

static int read_fd(int fd, const char *path, struct key_buf *b, struct vigil_error *err)
{
	int rc;

	for (;;) {
		ssize_t n;

		if (b->len == b->cap) {
			if (b->cap > KEY_FILE_MAX)
				return vigil_fail(err, VIGIL_ERR_TOO_BIG,
						  "%s: larger than the %u-byte limit for key files",
						  path, KEY_FILE_MAX);
			rc = key_buf_grow(b, b->cap * 2 > KEY_FILE_MAX + 1 ? KEY_FILE_MAX + 1
									  : b->cap * 2,
					  path, err);
			if (rc != VIGIL_OK)
				return rc;
		}
		n = read(fd, b->data + b->len, b->cap - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: read failed", path);
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	if (b->len == 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s: empty file", path);
	return VIGIL_OK;
}

static int read_key_file(const char *path, struct key_buf *b, struct vigil_error *err)
{
	struct stat st;
	int fd, rc;

	memset(b, 0, sizeof(*b));
	if (!path || !*path)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no key file given");
	/* O_NONBLOCK: a FIFO must not hang the open; only regular files are read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot open", path);
	if (fstat(fd, &st) != 0) {
		rc = vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot stat", path);
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s: is a %s, not a regular key file",
				  path, S_ISDIR(st.st_mode) ? "directory" : "special file");
	}
	rc = key_buf_grow(b, initial_cap(fd), path, err);
	if (rc == VIGIL_OK)
		rc = read_fd(fd, path, b, err);
	close(fd);
	if (rc != VIGIL_OK)
		key_buf_free(b);
	return rc;
}

static bool looks_pem(const uint8_t *buf, size_t len)
{
	return memmem(buf, len, "-----BEGIN ", 11) != NULL;
}

enum vigil_key_type vigil_evp_key_type(const EVP_PKEY *pkey)
{
	char group[64];

	if (EVP_PKEY_is_a(pkey, "SM2"))
		return VIGIL_KEY_SM2;
	if (EVP_PKEY_is_a(pkey, "RSA"))
		return VIGIL_KEY_RSA;
	if (!EVP_PKEY_is_a(pkey, "EC"))
		return VIGIL_KEY_OTHER;
	/* An EC key on the SM2 curve would be signed as ECDSA, which no verifier accepts. */
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
					   sizeof(group), NULL) &&
	    strcmp(group, "SM2") == 0)
		return VIGIL_KEY_OTHER;
	return VIGIL_KEY_ECDSA;
}

/* ---- keyids ---- */

static int spki_keyid(const X509_PUBKEY *xpk, const char *src, uint32_t *keyid,
		      struct vigil_error *err)
{
	const unsigned char *bits = NULL;
	struct vigil_digest d;
	int len = 0, rc;

	if (!X509_PUBKEY_get0_param(NULL, &bits, &len, NULL, xpk) || !bits || len <= 0)
		return vigil_fail_ssl(err, VIGIL_ERR_INVALID, "%s: no subjectPublicKey", src);
	if ((rc = vigil_hash_buf(VIGIL_HASH_SHA1, bits, (size_t)len, &d, err)) != VIGIL_OK)
		return rc;
	*keyid = vigil_get_be32(d.bytes + d.len - 4);
	return VIGIL_OK;
}

static int pkey_keyid(EVP_PKEY *pkey, const char *src, uint32_t *keyid,
		      struct vigil_error *err)
{
	X509_PUBKEY *xpk = NULL;
	int rc;

	if (!X509_PUBKEY_set(&xpk, pkey))
		return vigil_fail_ssl(err, VIGIL_ERR_UNSUPPORTED,
				      "%s: cannot encode the public key", src);
	rc = spki_keyid(xpk, src, keyid, err);
	X509_PUBKEY_free(xpk);
	return rc;
}

/* *found tells whether the certificate has a SKID; a short one is an error. */
static int skid_keyid(X509 *cert, const char *src, uint32_t *keyid, bool *found,
		      struct vigil_error *err)
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(cert);
	int len;

	*found = false;
	ERR_clear_error(); /* extension caching may queue errors for unrelated extensions */
	if (!skid)
		return VIGIL_OK;
	len = ASN1_STRING_length(skid);
	if (len < 4)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: subject key identifier of %d bytes is shorter than a keyid",
				  src, len);
	*keyid = vigil_get_be32(ASN1_STRING_get0_data(skid) + len - 4);
	*found = true;
	return VIGIL_OK;
}

static int cert_keyid(X509 *cert, const char *src, uint32_t *keyid, struct vigil_error *err)
{
	bool found;
	int rc = skid_keyid(cert, src, keyid, &found, err);

	if (rc != VIGIL_OK || found)
		return rc;
	return spki_keyid(X509_get_X509_PUBKEY(cert), src, keyid, err);
}

/* ---- private keys ---- */

struct pass_ctx {
	const char *password;
	bool asked;
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_ctx *pc = u;
	size_t len;

	(void)rwflag;
	pc->asked = true;
	/* Without a password fail rather than let OpenSSL prompt on the terminal. */
	if (!pc->password || size < 0)
		return -1;
	len = strlen(pc->password);
	if (len > (size_t)size)
		return -1;
	memcpy(buf, pc->password, len);
	return (int)len;
}

static EVP_PKEY *decode_pem_private(const struct key_buf *b, struct pass_ctx *pc)
{
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	EVP_PKEY *pkey;

	if (!bio)
		return NULL;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, pc);
	BIO_free(bio);
	return pkey;
}

static EVP_PKEY *decode_der_private(const struct key_buf *b, struct pass_ctx *pc)
{
	EVP_PKEY *pkey = NULL;
	const unsigned char *p = b->data;
	size_t left = b->len;
	OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", NULL, NULL,
							      EVP_PKEY_KEYPAIR, NULL, NULL);

	if (!dctx)
		return NULL;
	if (OSSL_DECODER_CTX_set_pem_password_cb(dctx, pass_cb, pc))
		OSSL_DECODER_from_data(dctx, &p, &left);
	OSSL_DECODER_CTX_free(dctx);
	if (pkey && left != 0) { /* bytes after the key: not a DER key file */
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

/* True when the key holds its private half (a DER public key must not pass). */
static bool has_private(const EVP_PKEY *pkey)
{
	BIGNUM *bn = NULL;
	bool ok;

	if (EVP_PKEY_is_a(pkey, "RSA"))
		ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D, &bn);
	else if (EVP_PKEY_is_a(pkey, "EC") || EVP_PKEY_is_a(pkey, "SM2"))
		ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn);
	else
		return true; /* other types are refused when signing */
	BN_clear_free(bn);
	ERR_clear_error();
	return ok;
}

static int parse_public(const uint8_t *buf, size_t len, const char *src, X509 **cert,
			EVP_PKEY **pkey, struct vigil_error *err);

static int private_load_error(const struct key_buf *b, const char *path,
			      const struct pass_ctx *pc, struct vigil_error *err)
{
	X509 *cert = NULL;
	EVP_PKEY *pub = NULL;
	bool is_public;

	if (pc->asked && !pc->password)
		return vigil_fail_ssl(err, VIGIL_ERR_INVALID,
				      "%s: the private key is encrypted and no password was given",
				      path);
	if (pc->asked)
		return vigil_fail_ssl(err, VIGIL_ERR_INVALID,
				      "%s: cannot decrypt the private key (wrong password?)", path);
	if (looks_pem(b->data, b->len) && memmem(b->data, b->len, "PRIVATE KEY-----", 16))
		return vigil_fail_ssl(err, VIGIL_ERR_INVALID,
				      "%s: malformed or unsupported private key", path);
	ERR_clear_error();
	is_public = parse_public(b->data, b->len, path, &cert, &pub, NULL) == VIGIL_OK;
	X509_free(cert);
	EVP_PKEY_free(pub);
	ERR_clear_error();
	if (is_public)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: holds a certificate or public key, not a private key", path);
	return vigil_fail(err, VIGIL_ERR_INVALID,
			  "%s: not a private key (PEM PKCS#1, SEC1 or PKCS#8, or DER)", path);
}

/* evmctl takes the keyid from a certificate stored alongside the key. */
static int privkey_keyid(const struct key_buf *b, struct vigil_privkey *key,
			 struct vigil_error *err)
{
	BIO *bio;
	X509 *cert = NULL;
	bool found = false;
	int rc;

	if (looks_pem(b->data, b->len) && (bio = BIO_new_mem_buf(b->data, (int)b->len))) {
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	ERR_clear_error();
	/* Only a certificate of this very key may name it. */
	if (cert && EVP_PKEY_eq(X509_get0_pubkey(cert), key->pkey) == 1) {
		rc = skid_keyid(cert, key->source, &key->keyid, &found, err);
		X509_free(cert);
		if (rc != VIGIL_OK || found)
			return rc;
		cert = NULL;
	}
	X509_free(cert);
	ERR_clear_error();
	return pkey_keyid(key->pkey, key->source, &key->keyid, err);
}

static int privkey_from_buf(const struct key_buf *b, const char *path, const char *password,
			    struct vigil_privkey *key, struct vigil_error *err)
{
	struct pass_ctx pc = { password, false };

	key->pkey = looks_pem(b->data, b->len) ? decode_pem_private(b, &pc)
					       : decode_der_private(b, &pc);
	if (!key->pkey)
		return private_load_error(b, path, &pc, err);
	ERR_clear_error();
	if (!has_private(key->pkey))
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: holds a public key, not a private key", path);
	return privkey_keyid(b, key, err);
}

int vigil_privkey_load(const char *path, const char *password, struct vigil_privkey **out,
		       struct vigil_error *err)
{
	struct vigil_privkey *key;
	struct key_buf b;
	int rc;

	*out = NULL;
	if ((rc = read_key_file(path, &b, err)) != VIGIL_OK)
		return rc;
	key = calloc(1, sizeof(*key));
	if (!key || !(key->source = strdup(path))) {
		free(key);
		key_buf_free(&b);
		return vigil_fail(err, VIGIL_ERR_NOMEM, "%s: out of memory", path);
	}
	rc = privkey_from_buf(&b, path, password, key, err);
	key_buf_free(&b);
	if (rc != VIGIL_OK) {
		vigil_privkey_free(key);
		return rc;
	}
	*out = key;
	return VIGIL_OK;
}

void vigil_privkey_free(struct vigil_privkey *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey); /* OpenSSL clears the private numbers */
	free(key->source);
	free(key);
}

uint32_t vigil_privkey_keyid(const struct vigil_privkey *key)
{
	return key->keyid;
}

void vigil_privkey_set_keyid(struct vigil_privkey *key, uint32_t keyid)
{
	key->keyid = keyid;
}

enum vigil_key_type vigil_privkey_type(const struct vigil_privkey *key)
{
	return vigil_evp_key_type(key->pkey);
}

EVP_PKEY *vigil_privkey_evp(const struct vigil_privkey *key)
{
	return key->pkey;
}

const char *vigil_privkey_source(const struct vigil_privkey *key)
{
	return key->source;
}

/* ---- public keys ---- */

static bool is_cert_label(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0;
}

/* Decodes one PEM block's DER; 1 when it was a certificate or public key. */
static int decode_pem_block(const char *name, const unsigned char *der, long len, X509 **cert,
			    EVP_PKEY **pkey)
{
	const unsigned char *p = der;

	if (is_cert_label(name))
		*cert = d2i_X509(NULL, &p, len);
	else if (strcmp(name, PEM_STRING_PUBLIC) == 0)
		*pkey = d2i_PUBKEY(NULL, &p, len);
	else if (strcmp(name, PEM_STRING_RSA_PUBLIC) == 0)
		*pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
	else
		return 0;
	if ((*cert || *pkey) && p != der + len) {
		X509_free(*cert);
		EVP_PKEY_free(*pkey);
		*cert = NULL;
		*pkey = NULL;
	}
	return 1;
}

struct pem_scan {
	bool saw_private;
	bool saw_bad;
};

/* The first certificate or public key block wins, as in evmctl. */
static void scan_pem(BIO *bio, X509 **cert, EVP_PKEY **pkey, struct pem_scan *scan)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len = 0;

	while (!*cert && !*pkey && PEM_read_bio(bio, &name, &header, &data, &len)) {
		if (decode_pem_block(name, data, len, cert, pkey)) {
			if (!*cert && !*pkey)
				scan->saw_bad = true;
		} else if (strstr(name, "PRIVATE KEY")) {
			scan->saw_private = true;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(data, (size_t)len);
		if (scan->saw_bad)
			break;
	}
}

static int parse_public_pem(const uint8_t *buf, size_t len, const char *src, X509 **cert,
			    EVP_PKEY **pkey, struct vigil_error *err)
{
	struct pem_scan scan = { false, false };
	BIO *bio = BIO_new_mem_buf(buf, (int)len);

	if (!bio)
		return vigil_fail_ssl(err, VIGIL_ERR_NOMEM, "%s: out of memory", src);
	scan_pem(bio, cert, pkey, &scan);
	BIO_free(bio);
	if (*cert || *pkey) {
		ERR_clear_error();
		return VIGIL_OK;
	}
	if (scan.saw_bad)
		return vigil_fail_ssl(err, VIGIL_ERR_INVALID,
				      "%s: malformed certificate or public key", src);
	ERR_clear_error();
	if (scan.saw_private)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s: holds a private key; a certificate or public key is needed",
				  src);
	return vigil_fail(err, VIGIL_ERR_INVALID,
			  "%s: no certificate or public key found in PEM data", src);
}

static int parse_public_der(const uint8_t *buf, size_t len, const char *src, X509 **cert,
			    EVP_PKEY **pkey, struct vigil_error *err)
{
	const unsigned char *p = buf;

	if (len > LONG_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: too large", src);
	*cert = d2i_X509(NULL, &p, (long)len);
	if (*cert && p == buf + len)
		goto ok;
	X509_free(*cert);
	*cert = NULL;
	p = buf;
	*pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (*pkey && p == buf + len)
		goto ok;
	EVP_PKEY_free(*pkey);
	*pkey = NULL;
	ERR_clear_error();
	return vigil_fail(err, VIGIL_ERR_INVALID,
			  "%s: not an X.509 certificate or public key (PEM or DER)", src);
ok:
	ERR_clear_error();
	return VIGIL_OK;
}

static int parse_public(const uint8_t *buf, size_t len, const char *src, X509 **cert,
			EVP_PKEY **pkey, struct vigil_error *err)
{
	*cert = NULL;
	*pkey = NULL;
	if (len > KEY_FILE_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG,
				  "%s: larger than the %u-byte limit for key files", src,
				  KEY_FILE_MAX);
	if (looks_pem(buf, len))
		return parse_public_pem(buf, len, src, cert, pkey, err);
	return parse_public_der(buf, len, src, cert, pkey, err);
}

static int der_of(struct vigil_pubkey *key, X509 *cert, struct vigil_error *err)
{
	unsigned char *der = NULL;
	int len = cert ? i2d_X509(cert, &der) : i2d_PUBKEY(key->pkey, &der);

	if (len <= 0)
		return vigil_fail_ssl(err, VIGIL_ERR_INVALID, "%s: cannot re-encode the key",
				      key->source);
	key->der = malloc((size_t)len);
	if (key->der) {
		memcpy(key->der, der, (size_t)len);
		key->der_len = (size_t)len;
	}
	OPENSSL_free(der);
	if (!key->der)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "%s: out of memory", key->source);
	return VIGIL_OK;
}

static int pubkey_fill(struct vigil_pubkey *key, X509 *cert, EVP_PKEY *pkey,
		       struct vigil_error *err)
{
	int rc;

	if (cert) {
		key->is_cert = true;
		key->pkey = X509_get_pubkey(cert);
		if (!key->pkey)
			return vigil_fail_ssl(err, VIGIL_ERR_UNSUPPORTED,
					      "%s: unsupported public key algorithm in certificate",
					      key->source);
		rc = cert_keyid(cert, key->source, &key->keyid, err);
	} else {
		key->pkey = pkey;
		EVP_PKEY_up_ref(pkey);
		rc = pkey_keyid(pkey, key->source, &key->keyid, err);
	}
	if (rc != VIGIL_OK)
		return rc;
	return der_of(key, cert, err);
}

static struct vigil_pubkey *pubkey_new(const char *source)
{
	struct vigil_pubkey *key = calloc(1, sizeof(*key));

	if (key && !(key->source = strdup(source))) {
		free(key);
		return NULL;
	}
	return key;
}

int vigil_pubkey_load_mem(const void *buf, size_t len, const char *source,
			  struct vigil_pubkey **out, struct vigil_error *err)
{
	struct vigil_pubkey *key;
	X509 *cert;
	EVP_PKEY *pkey;
	int rc;

	*out = NULL;
	if (!source)
		source = "<memory>";
	if (!buf || len == 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s: empty key data", source);
	if ((rc = parse_public(buf, len, source, &cert, &pkey, err)) != VIGIL_OK)
		return rc;
	key = pubkey_new(source);
	if (!key)
		rc = vigil_fail(err, VIGIL_ERR_NOMEM, "%s: out of memory", source);
	else
		rc = pubkey_fill(key, cert, pkey, err);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	if (rc != VIGIL_OK) {
		vigil_pubkey_free(key);
		return rc;
	}
	*out = key;
	return VIGIL_OK;
}

int vigil_pubkey_load(const char *path, struct vigil_pubkey **out, struct vigil_error *err)
{
	struct key_buf b;
	int rc;

	*out = NULL;
	if ((rc = read_key_file(path, &b, err)) != VIGIL_OK)
		return rc;
	rc = vigil_pubkey_load_mem(b.data, b.len, path, out, err);
	key_buf_free(&b);
	return rc;
}

void vigil_pubkey_free(struct vigil_pubkey *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key->der);
	free(key->source);
	free(key);
}

uint32_t vigil_pubkey_keyid(const struct vigil_pubkey *key)
{
	return key->keyid;
}

enum vigil_key_type vigil_pubkey_type(const struct vigil_pubkey *key)
{
	return vigil_evp_key_type(key->pkey);
}

const char *vigil_pubkey_source(const struct vigil_pubkey *key)
{
	return key->source;
}

int vigil_pubkey_der(const struct vigil_pubkey *key, const uint8_t **der, size_t *len)
{
	if (!key || !key->der)
		return VIGIL_ERR_INVALID;
	*der = key->der;
	*len = key->der_len;
	return VIGIL_OK;
}

bool vigil_pubkey_is_cert(const struct vigil_pubkey *key)
{
	return key->is_cert;
}

EVP_PKEY *vigil_pubkey_evp(const struct vigil_pubkey *key)
{
	return key->pkey;
}

int vigil_privkey_public(const struct vigil_privkey *key, struct vigil_pubkey **out,
			 struct vigil_error *err)
{
	struct vigil_pubkey *pub;
	unsigned char *der = NULL;
	const unsigned char *p;
	int len, rc = VIGIL_OK;

	*out = NULL;
	/* A copy through DER leaves no private numbers in the public object. */
	len = i2d_PUBKEY(key->pkey, &der);
	if (len <= 0)
		return vigil_fail_ssl(err, VIGIL_ERR_UNSUPPORTED,
				      "%s: cannot encode the public key", key->source);
	pub = pubkey_new(key->source);
	if (!pub) {
		OPENSSL_free(der);
		return vigil_fail(err, VIGIL_ERR_NOMEM, "%s: out of memory", key->source);
	}
	p = der;
	pub->pkey = d2i_PUBKEY(NULL, &p, len);
	if (!pub->pkey)
		rc = vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "%s: cannot decode the public key",
				    key->source);
	else
		rc = der_of(pub, NULL, err);
	OPENSSL_free(der);
	if (rc != VIGIL_OK) {
		vigil_pubkey_free(pub);
		return rc;
	}
	pub->keyid = key->keyid;
	*out = pub;
	return VIGIL_OK;
}

int vigil_keyid_from_cert(const char *path, uint32_t *keyid, struct vigil_error *err)
{
	struct key_buf b;
	X509 *cert;
	EVP_PKEY *pkey;
	bool found = false;
	int rc;

	if ((rc = read_key_file(path, &b, err)) != VIGIL_OK)
		return rc;
	rc = parse_public(b.data, b.len, path, &cert, &pkey, err);
	key_buf_free(&b);
	if (rc != VIGIL_OK)
		return rc;
	if (!cert)
		rc = vigil_fail(err, VIGIL_ERR_INVALID,
				"%s: a bare public key has no subject key identifier; "
				"an X.509 certificate is needed", path);
	else if ((rc = skid_keyid(cert, path, keyid, &found, err)) == VIGIL_OK && !found)
		rc = vigil_fail(err, VIGIL_ERR_INVALID,
				"%s: certificate has no subject key identifier", path);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return rc;
}
