/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the attestation sources (bundle, state, verify) share; not installed. */
#ifndef VIGIL_ATTEST_INTERNAL_H
#define VIGIL_ATTEST_INTERNAL_H

#include <json-c/json.h>
#include <vigil/attest.h>

/* A JSON object from text (all of it), or NULL with err naming source and byte. */
json_object *attest_json_parse(const char *text, size_t len, const char *source,
			       struct vigil_error *err);
/* Compact JSON text of obj (no "\/" escapes), malloc'd; NULL on no memory. */
char *attest_json_text(json_object *obj, size_t *len);

/* Base64 without line breaks, malloc'd and NUL-terminated; NULL on no memory. */
char *attest_b64_encode(const uint8_t *bytes, size_t len);
/* Strict base64 (padded, no whitespace) into a malloc'd buffer; what names it in errors. */
int attest_b64_decode(const char *text, size_t tlen, uint8_t **out, size_t *len,
		      const char *what, struct vigil_error *err);

/* Member key of obj of the given type, or NULL (type json_type_null: any type). */
json_object *attest_json_get(json_object *obj, const char *key, json_type type);
/* A non-negative integer member; false if absent, not an integer or negative. */
bool attest_json_u64(json_object *obj, const char *key, uint64_t *out);

/* What vigil_attest_state holds (attest_state.c reads and writes it, attest.c uses it). */
struct vigil_attest_state {
	bool have_quote; /* a quote was verified: the members below are set */
	uint64_t clock;
	uint32_t reset_count, restart_count;
	uint8_t nonce[VIGIL_NONCE_MAX];
	size_t nonce_len;
	uint8_t ak_sha256[32]; /* SHA-256 of the attestation key's SubjectPublicKeyInfo */
	uint64_t next_index;   /* of the list verified so far */
	char *replay;          /* vigil_replay_save text; NULL: no list verified this boot */
	char *refcheck;        /* vigil_refcheck_save text, with replay */
};

#endif
