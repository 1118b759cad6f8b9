/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON and base64 helpers of the quote bundle and the attestation state.
 * Base64 is OpenSSL's; the strictness (padding, no whitespace, exact
 * length) is checked here because EVP_DecodeBlock accepts more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "attest_internal.h"
#include "internal.h"

json_object *attest_json_parse(const char *text, size_t len, const char *source,
			       struct vigil_error *err)
{
	json_tokener *tok;
	json_object *obj;
	size_t end;

	if (len > VIGIL_BUNDLE_MAX) {
		vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: %zu bytes, more than %u", source, len,
			   VIGIL_BUNDLE_MAX);
		return NULL;
	}
	if (!(tok = json_tokener_new())) {
		vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for %s", source);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		vigil_fail(err, VIGIL_ERR_INVALID, "%s: not JSON at byte %zu: %s", source, end,
			   e == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(e));
		json_object_put(obj);
		obj = NULL;
	}
	while (obj && end < len && strchr(" \t\r\n", text[end]) && text[end])
		end++;
	if (obj && end < len) {
		vigil_fail(err, VIGIL_ERR_INVALID, "%s: trailing data at byte %zu", source, end);
		json_object_put(obj);
		obj = NULL;
	}
	if (obj && !json_object_is_type(obj, json_type_object)) {
		vigil_fail(err, VIGIL_ERR_INVALID, "%s: not a JSON object", source);
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

char *attest_json_text(json_object *obj, size_t *len)
{
	size_t n = 0;
	const char *s = json_object_to_json_string_length(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	char *out = s ? malloc(n + 2) : NULL;

	if (!out)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	*len = n + 1;
	return out;
}

char *attest_b64_encode(const uint8_t *bytes, size_t len)
{
	size_t cap;
	char *out;

	if (len > VIGIL_BUNDLE_MAX || len > INT32_MAX / 4 * 3)
		return NULL;
	cap = (len + 2) / 3 * 4 + 1;
	if (!(out = malloc(cap)))
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, bytes, (int)len);
	return out;
}

static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int attest_b64_decode(const char *text, size_t tlen, uint8_t **out, size_t *len,
		      const char *what, struct vigil_error *err)
{
	size_t pad = 0;
	uint8_t *buf;
	int n;

	*out = NULL;
	*len = 0;
	if (tlen % 4 != 0 || tlen > (size_t)INT32_MAX)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s: base64 of %zu characters (not a "
				  "multiple of 4)", what, tlen);
	while (pad < 2 && pad < tlen && text[tlen - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < tlen - pad; i++)
		if (!b64_char(text[i]))
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "%s: not base64 at character %zu", what, i);
	if (!(buf = malloc(tlen / 4 * 3 + 1)))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "%s: out of memory", what);
	n = tlen ? EVP_DecodeBlock(buf, (const unsigned char *)text, (int)tlen) : 0;
	if (n < 0 || (size_t)n < pad) {
		free(buf);
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s: bad base64", what);
	}
	*out = buf;
	*len = (size_t)n - pad;
	return VIGIL_OK;
}

json_object *attest_json_get(json_object *obj, const char *key, json_type type)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	if (type != json_type_null && !json_object_is_type(v, type))
		return NULL;
	return v;
}

bool attest_json_u64(json_object *obj, const char *key, uint64_t *out)
{
	json_object *v = attest_json_get(obj, key, json_type_int);
	int64_t n;

	if (!v)
		return false;
	errno = 0;
	n = json_object_get_int64(v);
	if (n < 0 || errno)
		return false;
	*out = (uint64_t)n;
	return true;
}
