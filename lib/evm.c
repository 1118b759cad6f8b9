/* SPDX-License-Identifier: GPL-2.0-or-later */
/* EVM: the protected data of a file, its HMAC, its signatures, and their verification. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <vigil/evm.h>
#include <vigil/file.h>
#include <vigil/sig.h>
#include "internal.h"

/* The kernel's XATTR_SIZE_MAX: no xattr value can be larger. */
#define EVM_VALUE_MAX 65536u
#define EVM_MISC_MAX 24u
#define EVM_UUID_LEN 16u
#define EVM_NAMES_MAX 256u

/*
 * The xattrs EVM protects, in the kernel's order.  The three SMACK extras
 * go in only on request, as evmctl does without --smack.
 */
static const struct evm_slot {
	const char *name;
	bool smack_extra;
} evm_slots[] = {
	{ "security.selinux", false },
	{ "security.SMACK64", false },
	{ "security.SMACK64EXEC", true },
	{ "security.SMACK64TRANSMUTE", true },
	{ "security.SMACK64MMAP", true },
	{ "security.apparmor", false },
	{ "security.ima", false },
	{ "security.capability", false },
};

#define EVM_SLOTS (sizeof(evm_slots) / sizeof(evm_slots[0]))
#define EVM_DATA_MAX (EVM_SLOTS * EVM_VALUE_MAX + EVM_MISC_MAX + EVM_UUID_LEN)

struct vigil_evm_data {
	uint8_t *bytes;
	size_t len, cap;
	bool portable;
	char names[EVM_NAMES_MAX];
};

static const struct vigil_evm_opts default_opts = { .uuid_mode = VIGIL_EVM_UUID_FS };

static bool is_ima_slot(const struct evm_slot *slot)
{
	return strcmp(slot->name, "security.ima") == 0;
}

static bool user_ns(const struct vigil_evm_opts *opts)
{
	return opts->xattr_ns && strcmp(opts->xattr_ns, "user") == 0;
}

static bool slot_in_use(const struct evm_slot *slot, const struct vigil_evm_opts *opts)
{
	return !slot->smack_extra || opts->smack;
}

static const struct vigil_evm_override *find_override(const struct vigil_evm_opts *opts,
							 const char *name)
{
	for (size_t i = 0; i < opts->n_overrides; i++)
		if (opts->overrides[i].name && strcmp(opts->overrides[i].name, name) == 0)
			return &opts->overrides[i];
	return NULL;
}

static int check_overrides(const struct vigil_evm_opts *opts, struct vigil_error *err)
{
	if (opts->n_overrides > VIGIL_EVM_MAX_OVERRIDES)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%zu EVM xattr overrides, at most %d",
				  opts->n_overrides, VIGIL_EVM_MAX_OVERRIDES);
	for (size_t i = 0; i < opts->n_overrides; i++) {
		const struct vigil_evm_override *o = &opts->overrides[i];
		size_t s;

		for (s = 0; s < EVM_SLOTS; s++)
			if (o->name && strcmp(o->name, evm_slots[s].name) == 0 &&
			    slot_in_use(&evm_slots[s], opts))
				break;
		if (s == EVM_SLOTS)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "override for %s: not an xattr EVM protects here",
					  o->name ? o->name : "(null)");
		if (o->value && o->len > EVM_VALUE_MAX)
			return vigil_fail(err, VIGIL_ERR_TOO_BIG,
					  "override for %s: %zu bytes, at most %u", o->name, o->len,
					  EVM_VALUE_MAX);
	}
	return VIGIL_OK;
}

static int check_opts(const struct vigil_evm_opts *opts, struct vigil_error *err)
{
	if (opts->word_bits != 0 && opts->word_bits != 32 && opts->word_bits != 64)
		return vigil_fail(err, VIGIL_ERR_INVALID, "word size %u: must be 32 or 64",
				  opts->word_bits);
	if (opts->xattr_ns && strcmp(opts->xattr_ns, "security") != 0 && !user_ns(opts))
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "xattr namespace \"%s\": must be security or user", opts->xattr_ns);
	if (opts->uuid_mode != VIGIL_EVM_UUID_FS && opts->uuid_mode != VIGIL_EVM_UUID_CUSTOM &&
	    opts->uuid_mode != VIGIL_EVM_UUID_NONE)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown UUID mode %d",
				  (int)opts->uuid_mode);
	return check_overrides(opts, err);
}

static int append(struct vigil_evm_data *d, const void *bytes, size_t len,
		  struct vigil_error *err)
{
	if (len > EVM_DATA_MAX - d->len)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "EVM data over %zu bytes",
				  (size_t)EVM_DATA_MAX);
	if (d->len + len > d->cap) {
		size_t cap = d->cap ? d->cap : 256;
		uint8_t *p;

		while (cap < d->len + len)
			cap *= 2;
		p = realloc(d->bytes, cap);
		if (!p)
			return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for EVM data");
		d->bytes = p;
		d->cap = cap;
	}
	if (len)
		memcpy(d->bytes + d->len, bytes, len);
	d->len += len;
	return VIGIL_OK;
}

static void add_name(struct vigil_evm_data *d, const char *name)
{
	size_t used = strlen(d->names);

	/* Cannot truncate: eight names of at most 25 characters fit. */
	snprintf(d->names + used, sizeof(d->names) - used, "%s%s", used ? "|" : "", name);
}

/*
 * Where a slot's value is read from.  With the user namespace this follows
 * evmctl --xattr-user exactly: only the portable signature's security.ima
 * moves to user.ima, every other protected xattr is still read from
 * security.* (the namespace otherwise only moves security.evm).
 */
static const char *read_name(const struct evm_slot *slot, const struct vigil_evm_opts *opts)
{
	if (user_ns(opts) && opts->portable && is_ima_slot(slot))
		return "user.ima";
	return slot->name;
}

/* Appends one slot's value if the file (or the caller) has one; *present says whether. */
static int add_slot(struct vigil_evm_data *d, int fd, const struct evm_slot *slot,
		    const struct vigil_evm_opts *opts, uint8_t *scratch, bool *present,
		    struct vigil_error *err)
{
	const struct vigil_evm_override *o = find_override(opts, slot->name);
	const char *name = read_name(slot, opts);
	size_t len = 0;
	int rc;

	*present = false;
	if (o) {
		if (!o->value)
			return VIGIL_OK;
		*present = true;
		add_name(d, slot->name);
		return append(d, o->value, o->len, err);
	}
	rc = vigil_getxattr(fd, name, scratch, EVM_VALUE_MAX, &len, err);
	/* A filesystem without xattrs has none of them: the kernel sees them as absent too. */
	if (rc == VIGIL_ERR_NO_DATA || rc == VIGIL_ERR_UNSUPPORTED) {
		vigil_error_clear(err);
		return VIGIL_OK;
	}
	if (rc != VIGIL_OK)
		return rc;
	*present = true;
	add_name(d, name);
	return append(d, scratch, len, err);
}

static int add_xattrs(struct vigil_evm_data *d, int fd, const struct vigil_evm_opts *opts,
		      struct vigil_error *err)
{
	uint8_t *scratch = malloc(EVM_VALUE_MAX);
	bool present, have_ima = false;
	int rc = VIGIL_OK;

	if (!scratch)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for an xattr value");
	for (size_t s = 0; s < EVM_SLOTS && rc == VIGIL_OK; s++) {
		if (!slot_in_use(&evm_slots[s], opts))
			continue;
		rc = add_slot(d, fd, &evm_slots[s], opts, scratch, &present, err);
		if (is_ima_slot(&evm_slots[s]))
			have_ima = present;
	}
	free(scratch);
	/* The kernel accepts 0x05 only over a file that has security.ima (as evmctl insists). */
	if (rc == VIGIL_OK && opts->portable && !have_ima)
		rc = vigil_fail(err, VIGIL_ERR_NO_DATA,
				"a portable EVM signature needs %s, which the file lacks",
				user_ns(opts) ? "user.ima" : "security.ima");
	return rc;
}

/*
 * The kernel's struct h_misc as laid out by the target: unsigned long ino,
 * then u32 generation, uid, gid, u16 mode, zero-padded to the alignment of
 * ino (24 bytes on 64-bit, 20 on 32-bit), native byte order.
 */
static size_t encode_misc(uint8_t out[EVM_MISC_MAX], unsigned bits, uint64_t ino,
			  uint32_t generation, uint32_t uid, uint32_t gid, uint16_t mode)
{
	size_t off;

	memset(out, 0, EVM_MISC_MAX);
	if (bits == 32) {
		uint32_t ino32 = (uint32_t)ino;

		memcpy(out, &ino32, sizeof(ino32));
		off = sizeof(ino32);
	} else {
		memcpy(out, &ino, sizeof(ino));
		off = sizeof(ino);
	}
	memcpy(out + off, &generation, 4);
	memcpy(out + off + 4, &uid, 4);
	memcpy(out + off + 8, &gid, 4);
	memcpy(out + off + 12, &mode, 2);
	return bits == 32 ? 20 : 24;
}

static int generation_of(int fd, const struct vigil_evm_opts *opts, uint32_t *generation,
			 struct vigil_error *err)
{
	*generation = 0;
	if (opts->portable)
		return VIGIL_OK;
	if (opts->have_generation) {
		*generation = opts->generation;
		return VIGIL_OK;
	}
	return vigil_fs_generation(fd, generation, err);
}

static int add_misc(struct vigil_evm_data *d, int fd, const struct vigil_evm_opts *opts,
		    struct vigil_error *err)
{
	unsigned bits = opts->word_bits ? opts->word_bits : (unsigned)(8 * sizeof(unsigned long));
	uint8_t misc[EVM_MISC_MAX];
	uint32_t generation;
	uint64_t ino;
	struct stat st;
	size_t len;
	int rc;

	if (fstat(fd, &st) != 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "fstat failed");
	if ((rc = generation_of(fd, opts, &generation, err)) != VIGIL_OK)
		return rc;
	ino = opts->portable ? 0 : opts->have_ino ? opts->ino : (uint64_t)st.st_ino;
	len = encode_misc(misc, bits, ino, generation,
			  opts->have_uid ? opts->uid : (uint32_t)st.st_uid,
			  opts->have_gid ? opts->gid : (uint32_t)st.st_gid,
			  opts->have_mode ? opts->mode : (uint16_t)st.st_mode);
	return append(d, misc, len, err);
}

static int add_uuid(struct vigil_evm_data *d, int fd, const struct vigil_evm_opts *opts,
		    struct vigil_error *err)
{
	uint8_t uuid[EVM_UUID_LEN];
	int rc;

	if (opts->portable || opts->uuid_mode == VIGIL_EVM_UUID_NONE)
		return VIGIL_OK;
	if (opts->uuid_mode == VIGIL_EVM_UUID_CUSTOM)
		return append(d, opts->uuid, EVM_UUID_LEN, err);
	if ((rc = vigil_fs_uuid(fd, uuid, err)) != VIGIL_OK)
		return rc;
	return append(d, uuid, EVM_UUID_LEN, err);
}

int vigil_evm_data_build(int fd, const struct vigil_evm_opts *opts,
			 struct vigil_evm_data **out, struct vigil_error *err)
{
	struct vigil_evm_data *d;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &default_opts;
	if ((rc = check_opts(opts, err)) != VIGIL_OK)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for EVM data");
	d->portable = opts->portable;
	rc = add_xattrs(d, fd, opts, err);
	if (rc == VIGIL_OK)
		rc = add_misc(d, fd, opts, err);
	if (rc == VIGIL_OK)
		rc = add_uuid(d, fd, opts, err);
	if (rc != VIGIL_OK) {
		vigil_evm_data_free(d);
		return rc;
	}
	*out = d;
	return VIGIL_OK;
}

const uint8_t *vigil_evm_data_bytes(const struct vigil_evm_data *data, size_t *len)
{
	*len = data->len;
	return data->bytes;
}

const char *vigil_evm_data_xattr_names(const struct vigil_evm_data *data)
{
	return data->names;
}

void vigil_evm_data_free(struct vigil_evm_data *data)
{
	if (!data)
		return;
	free(data->bytes);
	free(data);
}

int vigil_evm_hmac(const struct vigil_evm_data *data, const uint8_t *key, size_t keylen,
		   uint8_t out[VIGIL_EVM_HMAC_LEN], struct vigil_error *err)
{
	/* The kernel keys hmac(sha1) with its whole 128-byte key buffer, zero-filled past the key. */
	uint8_t padded[VIGIL_EVM_KEY_MAX];
	const EVP_MD *md = vigil_hash_md(VIGIL_HASH_SHA1);
	unsigned int len = 0;
	bool ok;

	if (!key || keylen < VIGIL_EVM_KEY_MIN || keylen > VIGIL_EVM_KEY_MAX)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "EVM HMAC key of %zu bytes: must be %d to %d bytes", key ? keylen : 0,
				  VIGIL_EVM_KEY_MIN, VIGIL_EVM_KEY_MAX);
	if (!md)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED, "SHA-1 is not available from OpenSSL");
	memset(padded, 0, sizeof(padded));
	memcpy(padded, key, keylen);
	ok = HMAC(md, padded, sizeof(padded), data->bytes, data->len, out, &len) != NULL &&
	     len == VIGIL_EVM_HMAC_LEN;
	OPENSSL_cleanse(padded, sizeof(padded));
	if (!ok)
		return vigil_fail_ssl(err, VIGIL_ERR_CRYPTO, "HMAC-SHA1 failed");
	return VIGIL_OK;
}

int vigil_evm_sign(const struct vigil_evm_data *data, const struct vigil_privkey *key,
		   int algo, uint8_t *out, size_t cap, size_t *out_len, struct vigil_error *err)
{
	struct vigil_digest digest;
	int rc;

	*out_len = 0;
	if ((rc = vigil_hash_buf(algo, data->bytes, data->len, &digest, err)) != VIGIL_OK)
		return rc;
	return vigil_sign_v2(key, data->portable ? VIGIL_EVM_XATTR_PORTABLE_DIGSIG
						 : VIGIL_EVM_IMA_XATTR_DIGSIG,
			     &digest, out, cap, out_len, err);
}

static int verify_hmac(int fd, const struct vigil_evm_opts *opts, const struct vigil_xattr *x,
		       const uint8_t *key, size_t keylen, struct vigil_error *err)
{
	struct vigil_evm_opts o = *opts;
	struct vigil_evm_data *data;
	uint8_t mac[VIGIL_EVM_HMAC_LEN];
	int rc;

	if (!key)
		return vigil_fail(err, VIGIL_ERR_UNKNOWN_KEY,
				  "security.evm holds an HMAC but no EVM HMAC key was given");
	o.portable = false;
	if ((rc = vigil_evm_data_build(fd, &o, &data, err)) != VIGIL_OK)
		return rc;
	rc = vigil_evm_hmac(data, key, keylen, mac, err);
	vigil_evm_data_free(data);
	if (rc != VIGIL_OK)
		return rc;
	if (x->digest.len != VIGIL_EVM_HMAC_LEN ||
	    CRYPTO_memcmp(mac, x->digest.bytes, VIGIL_EVM_HMAC_LEN) != 0)
		rc = vigil_fail(err, VIGIL_ERR_MISMATCH, "the HMAC does not match the file's EVM data");
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

static int verify_signature(int fd, const struct vigil_evm_opts *opts,
			    const struct vigil_xattr *x, const struct vigil_keyset *keys,
			    struct vigil_error *err)
{
	struct vigil_evm_opts o = *opts;
	struct vigil_evm_data *data;
	struct vigil_digest digest;
	int rc;

	if (!keys)
		return vigil_fail(err, VIGIL_ERR_UNKNOWN_KEY,
				  "security.evm holds a signature but no public keys were given");
	o.portable = x->type == VIGIL_EVM_XATTR_PORTABLE_DIGSIG;
	if ((rc = vigil_evm_data_build(fd, &o, &data, err)) != VIGIL_OK)
		return rc;
	rc = vigil_hash_buf(x->hash_algo, data->bytes, data->len, &digest, err);
	vigil_evm_data_free(data);
	if (rc != VIGIL_OK)
		return rc;
	return vigil_verify_sig(keys, x, &digest, NULL, err);
}

/*
 * The kernel's words (ima_appraise.c): "missing-HMAC" when security.evm is
 * absent, "invalid-fail-immutable" when a portable signature does not
 * verify (INTEGRITY_FAIL_IMMUTABLE, Linux 5.12 on), "invalid-HMAC" for
 * every other EVM failure, other signatures included.
 */
static int settle(struct vigil_evm_verdict *verdict, int code, const char *cause)
{
	verdict->code = code;
	verdict->cause = code == VIGIL_OK ? NULL : cause;
	return code;
}

int vigil_evm_verify(int fd, const struct vigil_evm_opts *opts,
		     const struct vigil_keyset *keys, const uint8_t *hmac_key,
		     size_t hmac_keylen, struct vigil_evm_verdict *verdict,
		     struct vigil_error *err)
{
	uint8_t value[VIGIL_XATTR_MAX];
	char name[64];
	struct vigil_xattr x;
	size_t len = 0;
	int rc;

	memset(verdict, 0, sizeof(*verdict));
	if (!opts)
		opts = &default_opts;
	if ((rc = check_opts(opts, err)) != VIGIL_OK)
		return settle(verdict, rc, "invalid-HMAC");
	vigil_xattr_name(user_ns(opts) ? "user" : "security", "evm", name, sizeof(name));
	rc = vigil_getxattr(fd, name, value, sizeof(value), &len, err);
	if (rc == VIGIL_ERR_NO_DATA)
		return settle(verdict, rc, "missing-HMAC");
	if (rc == VIGIL_OK)
		rc = vigil_xattr_decode(value, len, VIGIL_XATTR_EVM, &x, err);
	/* The kernel tries to verify a portable signature with a whole header, whatever it says. */
	if (rc != VIGIL_OK && len >= VIGIL_SIG_V2_HDR_LEN &&
	    value[0] == VIGIL_EVM_XATTR_PORTABLE_DIGSIG)
		return settle(verdict, rc, "invalid-fail-immutable");
	if (rc != VIGIL_OK)
		return settle(verdict, rc, "invalid-HMAC");
	verdict->type = x.type;
	if (x.type == VIGIL_EVM_XATTR_HMAC) {
		rc = verify_hmac(fd, opts, &x, hmac_key, hmac_keylen, err);
	} else {
		verdict->keyid = x.keyid;
		rc = verify_signature(fd, opts, &x, keys, err);
		if (x.type == VIGIL_EVM_XATTR_PORTABLE_DIGSIG)
			return settle(verdict, rc, "invalid-fail-immutable");
	}
	return settle(verdict, rc, "invalid-HMAC");
}
