/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel keyrings: importing verification keys, reading secret payloads. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keyutils.h>
#include <openssl/crypto.h>

#include <vigil/key.h>
#include "internal.h"

static const struct {
	const char *name;
	key_serial_t id;
} special_keyrings[] = {
	{ "@t", KEY_SPEC_THREAD_KEYRING },
	{ "@p", KEY_SPEC_PROCESS_KEYRING },
	{ "@s", KEY_SPEC_SESSION_KEYRING },
	{ "@u", KEY_SPEC_USER_KEYRING },
	{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
	{ "@g", KEY_SPEC_GROUP_KEYRING },
};

static int find_named_keyring(const char *spec, const char *name, key_serial_t *id,
			      struct vigil_error *err)
{
	long found;

	if (!*name)
		return vigil_fail(err, VIGIL_ERR_INVALID, "keyring \"%s\" has no name", spec);
	found = keyctl_search(KEY_SPEC_SESSION_KEYRING, "keyring", name, 0);
	if (found < 0 && errno == ENOKEY)
		return vigil_fail(err, VIGIL_ERR_NO_DATA,
				  "no keyring named \"%s\" reachable from the session keyring",
				  name);
	if (found < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "searching for keyring \"%s\" failed",
					name);
	*id = (key_serial_t)found;
	return VIGIL_OK;
}

/* evmctl's convention: 0x... is hex, anything else decimal. */
static int parse_serial(const char *spec, key_serial_t *id, struct vigil_error *err)
{
	bool hex = spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X');
	char *end;
	long long v;

	errno = 0;
	v = strtoll(spec, &end, hex ? 16 : 10);
	if (errno || end == spec || *end || v == 0 || v < INT32_MIN || v > INT32_MAX)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "bad keyring \"%s\": expected a key serial, @u @s @us @t @p @g "
				  "or %%keyring:NAME", spec);
	*id = (key_serial_t)v;
	return VIGIL_OK;
}

static int parse_keyring(const char *spec, key_serial_t *id, struct vigil_error *err)
{
	size_t i;

	if (!spec || !*spec)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no keyring given");
	for (i = 0; i < sizeof(special_keyrings) / sizeof(special_keyrings[0]); i++) {
		if (strcmp(spec, special_keyrings[i].name) == 0) {
			*id = special_keyrings[i].id;
			return VIGIL_OK;
		}
	}
	if (strncmp(spec, "%keyring:", 9) == 0)
		return find_named_keyring(spec, spec + 9, id, err);
	if (strncmp(spec, "%:", 2) == 0)
		return find_named_keyring(spec, spec + 2, id, err);
	return parse_serial(spec, id, err);
}

static const char *import_hint(int e)
{
	switch (e) {
	case EBADMSG:
		return " (the kernel could not parse the certificate or its key algorithm)";
	case EKEYREJECTED:
		return " (the keyring accepts only keys signed by a trusted key)";
	case ENOENT:
	case ENOPKG:
		return " (the kernel lacks the key's public key algorithm)";
	case ENOKEY:
		return " (no such keyring)";
	default:
		return "";
	}
}

int vigil_keyring_import(const struct vigil_pubkey *key, const char *keyring,
			 int32_t *serial, struct vigil_error *err)
{
	const uint8_t *der;
	size_t len;
	key_serial_t ring, id;
	int rc;

	if (serial)
		*serial = 0;
	if (!key)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no key to import");
	/* The kernel has no parser for a bare SubjectPublicKeyInfo; evmctl needs a cert too. */
	if (!vigil_pubkey_is_cert(key))
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "%s: the kernel imports X.509 certificates, not bare public keys",
				  vigil_pubkey_source(key));
	if ((rc = parse_keyring(keyring, &ring, err)) != VIGIL_OK)
		return rc;
	if (vigil_pubkey_der(key, &der, &len) != VIGIL_OK)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s: no DER encoding",
				  vigil_pubkey_source(key));
	id = add_key("asymmetric", NULL, der, len, ring);
	if (id < 0) {
		int e = errno;

		rc = vigil_fail_errno(err, VIGIL_ERR_IO, "%s: adding to keyring %s failed",
				      vigil_pubkey_source(key), keyring);
		if (err) {
			size_t used = strnlen(err->msg, sizeof(err->msg));

			snprintf(err->msg + used, sizeof(err->msg) - used, "%s", import_hint(e));
		}
		return rc;
	}
	if (serial)
		*serial = id;
	return VIGIL_OK;
}

static int find_user_key(const char *description, key_serial_t *id, struct vigil_error *err)
{
	/* No callout: a missing key must not start /sbin/request-key. */
	long found = request_key("user", description, NULL, 0);

	if (found < 0 && errno == ENOKEY)
		found = keyctl_search(KEY_SPEC_USER_KEYRING, "user", description, 0);
	if (found < 0 && (errno == ENOKEY || errno == EKEYEXPIRED || errno == EKEYREVOKED))
		return vigil_fail_errno(err, VIGIL_ERR_NO_DATA, "no usable user key \"%s\"",
					description);
	if (found < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "looking up key \"%s\" failed",
					description);
	*id = (key_serial_t)found;
	return VIGIL_OK;
}

int vigil_keyring_read(const char *description, uint8_t *out, size_t cap, size_t *len,
		       struct vigil_error *err)
{
	key_serial_t id = 0;
	long n;
	int rc;

	*len = 0;
	if (!description || !*description)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no key description given");
	if ((rc = find_user_key(description, &id, err)) != VIGIL_OK)
		return rc;
	n = keyctl_read(id, (char *)out, cap);
	if (n < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "reading key \"%s\" (serial %d) failed",
					description, (int)id);
	/* keyctl_read reports the full size and copies only what fits. */
	if ((size_t)n > cap) {
		if (out)
			OPENSSL_cleanse(out, cap);
		return vigil_fail(err, VIGIL_ERR_TOO_BIG,
				  "key \"%s\" holds %ld bytes, more than the %zu-byte buffer",
				  description, n, cap);
	}
	*len = (size_t)n;
	return VIGIL_OK;
}
