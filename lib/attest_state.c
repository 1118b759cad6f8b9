/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The attestation state, JSON format "vigil-attest-state" version 1:
 *
 *   { "format": "vigil-attest-state", "version": 1,
 *     "quote": null | { "clock": N, "reset_count": N, "restart_count": N,
 *                       "nonce": HEX, "ak_sha256": HEX },
 *     "mlist": null | { "next_index": N, "replay": TEXT, "refcheck": TEXT },
 *     "checksum": HEX }
 *
 * replay and refcheck are the library's own saved states (each with its
 * checksum); "checksum" is SHA-256 over the other members in a fixed
 * order, so a hand-edited or torn file is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/attest.h>
#include <vigil/hash.h>

#include "attest_internal.h"
#include "internal.h"

#define STATE_FORMAT "vigil-attest-state"
#define STATE_VERSION 1

int vigil_attest_state_new(struct vigil_attest_state **out, struct vigil_error *err)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "attestation state: out of memory");
	return VIGIL_OK;
}

void vigil_attest_state_free(struct vigil_attest_state *st)
{
	if (!st)
		return;
	free(st->replay);
	free(st->refcheck);
	free(st);
}

uint64_t vigil_attest_state_next_index(const struct vigil_attest_state *st)
{
	return st && st->replay ? st->next_index : 0;
}

/* SHA-256 over every member, in a fixed order, as hex. */
static int checksum(const struct vigil_attest_state *st, char hex[65], struct vigil_error *err)
{
	struct vigil_hash_ctx *ctx = NULL;
	struct vigil_digest d;
	char head[256];
	int n, rc;

	n = snprintf(head, sizeof(head), "%d %d %llu %lu %lu %zu %llu %zu %zu\n", STATE_VERSION,
		     st->have_quote, (unsigned long long)st->clock, (unsigned long)st->reset_count,
		     (unsigned long)st->restart_count, st->nonce_len,
		     (unsigned long long)st->next_index, st->replay ? strlen(st->replay) : 0,
		     st->refcheck ? strlen(st->refcheck) : 0);
	if ((rc = vigil_hash_new(VIGIL_HASH_SHA256, &ctx, err)) ||
	    (rc = vigil_hash_update(ctx, head, (size_t)n, err)) ||
	    (rc = vigil_hash_update(ctx, st->nonce, st->nonce_len, err)) ||
	    (rc = vigil_hash_update(ctx, st->ak_sha256, sizeof(st->ak_sha256), err)) ||
	    (st->replay && (rc = vigil_hash_update(ctx, st->replay, strlen(st->replay), err))) ||
	    (st->refcheck && (rc = vigil_hash_update(ctx, st->refcheck, strlen(st->refcheck), err))) ||
	    (rc = vigil_hash_final(ctx, &d, err))) {
		vigil_hash_free(ctx);
		return rc;
	}
	vigil_hash_free(ctx);
	vigil_hex(d.bytes, d.len, hex);
	return VIGIL_OK;
}

/* ------------------------------------------------------------------- load */

static int state_bad(struct vigil_error *err, const char *what)
{
	return vigil_fail(err, VIGIL_ERR_INVALID, "attestation state: %s", what);
}

static bool get_hex(json_object *obj, const char *key, uint8_t *out, size_t max, size_t *len)
{
	json_object *v = attest_json_get(obj, key, json_type_string);
	const char *s = v ? json_object_get_string(v) : NULL;
	long n;

	if (!s || strlen(s) > 2 * max)
		return false;
	if (!*s) {
		*len = 0;
		return true;
	}
	n = vigil_unhex(s, out, max);
	if (n <= 0 || (size_t)n * 2 != strlen(s))
		return false;
	*len = (size_t)n;
	return true;
}

static int load_quote(struct vigil_attest_state *st, json_object *q, struct vigil_error *err)
{
	uint64_t reset, restart;
	size_t aklen;

	if (!attest_json_u64(q, "clock", &st->clock) || !attest_json_u64(q, "reset_count", &reset) ||
	    !attest_json_u64(q, "restart_count", &restart) || reset > UINT32_MAX ||
	    restart > UINT32_MAX || !get_hex(q, "nonce", st->nonce, sizeof(st->nonce), &st->nonce_len) ||
	    !get_hex(q, "ak_sha256", st->ak_sha256, sizeof(st->ak_sha256), &aklen) || aklen != 32)
		return state_bad(err, "quote: a member is missing or malformed");
	st->reset_count = (uint32_t)reset;
	st->restart_count = (uint32_t)restart;
	st->have_quote = true;
	return VIGIL_OK;
}

static int load_mlist(struct vigil_attest_state *st, json_object *m, struct vigil_error *err)
{
	json_object *rp = attest_json_get(m, "replay", json_type_string);
	json_object *rc = attest_json_get(m, "refcheck", json_type_string);

	if (!attest_json_u64(m, "next_index", &st->next_index) || !rp || !rc)
		return state_bad(err, "mlist: a member is missing or malformed");
	st->replay = strdup(json_object_get_string(rp));
	st->refcheck = strdup(json_object_get_string(rc));
	if (!st->replay || !st->refcheck)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "attestation state: out of memory");
	return VIGIL_OK;
}

static int load_root(struct vigil_attest_state *st, json_object *root, struct vigil_error *err)
{
	json_object *fmt = attest_json_get(root, "format", json_type_string);
	json_object *q = attest_json_get(root, "quote", json_type_object);
	json_object *m = attest_json_get(root, "mlist", json_type_object);
	json_object *sum = attest_json_get(root, "checksum", json_type_string);
	uint64_t version;
	char hex[65];
	int rc;

	if (!fmt || strcmp(json_object_get_string(fmt), STATE_FORMAT) != 0)
		return state_bad(err, "format is not \"" STATE_FORMAT "\"");
	if (!attest_json_u64(root, "version", &version) || version != STATE_VERSION)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED, "attestation state: version is not %d",
				  STATE_VERSION);
	if ((q && (rc = load_quote(st, q, err))) || (m && (rc = load_mlist(st, m, err))))
		return rc;
	if ((rc = checksum(st, hex, err)))
		return rc;
	if (!sum || strcmp(json_object_get_string(sum), hex) != 0)
		return vigil_fail(err, VIGIL_ERR_MISMATCH, "attestation state: checksum mismatch "
				  "(edited or corrupted)");
	return VIGIL_OK;
}

int vigil_attest_state_load(const char *json, size_t len, struct vigil_attest_state **out,
			    struct vigil_error *err)
{
	json_object *root;
	int rc;

	*out = NULL;
	if ((rc = vigil_attest_state_new(out, err)))
		return rc;
	if (!(root = attest_json_parse(json, len, "attestation state", err)))
		rc = err ? err->code : VIGIL_ERR_INVALID;
	else
		rc = load_root(*out, root, err);
	json_object_put(root);
	if (rc) {
		vigil_attest_state_free(*out);
		*out = NULL;
	}
	return rc;
}

/* ------------------------------------------------------------------- save */

static bool add(json_object *obj, const char *key, json_object *v)
{
	return v && json_object_object_add(obj, key, v) == 0;
}

static bool add_hex(json_object *obj, const char *key, const uint8_t *b, size_t len)
{
	char hex[2 * VIGIL_NONCE_MAX + 1];

	vigil_hex(b, len, hex);
	return add(obj, key, json_object_new_string(hex));
}

static bool save_quote(const struct vigil_attest_state *st, json_object *root)
{
	json_object *q;

	if (!st->have_quote)
		return json_object_object_add(root, "quote", NULL) == 0;
	q = json_object_new_object();
	if (!add(root, "quote", q))
		return false;
	return add(q, "clock", json_object_new_int64((int64_t)st->clock)) &&
	       add(q, "reset_count", json_object_new_int64(st->reset_count)) &&
	       add(q, "restart_count", json_object_new_int64(st->restart_count)) &&
	       add_hex(q, "nonce", st->nonce, st->nonce_len) &&
	       add_hex(q, "ak_sha256", st->ak_sha256, sizeof(st->ak_sha256));
}

static bool save_mlist(const struct vigil_attest_state *st, json_object *root)
{
	json_object *m;

	if (!st->replay)
		return json_object_object_add(root, "mlist", NULL) == 0;
	m = json_object_new_object();
	if (!add(root, "mlist", m))
		return false;
	return add(m, "next_index", json_object_new_int64((int64_t)st->next_index)) &&
	       add(m, "replay", json_object_new_string(st->replay)) &&
	       add(m, "refcheck", json_object_new_string(st->refcheck ? st->refcheck : ""));
}

static bool save_root(const struct vigil_attest_state *st, json_object *root, const char *sum)
{
	return add(root, "format", json_object_new_string(STATE_FORMAT)) &&
	       add(root, "version", json_object_new_int(STATE_VERSION)) && save_quote(st, root) &&
	       save_mlist(st, root) && add(root, "checksum", json_object_new_string(sum));
}

int vigil_attest_state_save(const struct vigil_attest_state *st, char **json, size_t *len,
			    struct vigil_error *err)
{
	json_object *root;
	char sum[65];
	int rc;

	*json = NULL;
	if (st->clock > INT64_MAX || st->next_index > INT64_MAX)
		return state_bad(err, "counter out of range");
	if ((rc = checksum(st, sum, err)))
		return rc;
	root = json_object_new_object();
	if (root && save_root(st, root, sum))
		*json = attest_json_text(root, len);
	json_object_put(root);
	return *json ? VIGIL_OK : vigil_fail(err, VIGIL_ERR_NOMEM, "attestation state: out of memory");
}
