/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quote bundle, JSON format "vigil-quote-bundle" version 1
 * (vigil-attest(1) documents it):
 *
 *   { "format": "vigil-quote-bundle", "version": 1,
 *     "quote": { "attest": B64, "signature": B64 },
 *     "pcrs": { "sha256": { "0": HEX, ..., "10": HEX }, "sha1": { "10": HEX } },
 *     "mlist": { "template_digest_algo": "sha1", "first_index": N,
 *                "first_offset": N, "data": B64 },          (optional)
 *     "eventlog": B64 }                                      (optional)
 *
 * Unknown members are ignored, so later versions may add some.
 */
#include <stdlib.h>
#include <string.h>

#include <vigil/attest.h>
#include <vigil/hash.h>

#include "attest_internal.h"
#include "internal.h"

#define BUNDLE_FORMAT "vigil-quote-bundle"

void vigil_bundle_release(struct vigil_bundle *b)
{
	if (!b)
		return;
	free(b->attest);
	free(b->signature);
	free(b->mlist);
	free(b->eventlog);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------ parse */

static int get_b64(json_object *obj, const char *key, const char *what, uint8_t **out,
		   size_t *len, struct vigil_error *err)
{
	json_object *v = attest_json_get(obj, key, json_type_string);

	if (!v)
		return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: %s: missing (a base64 string)",
				  what);
	return attest_b64_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v),
				 out, len, what, err);
}

/* "10": "HEX" members of one bank. */
static int parse_bank(struct vigil_pcr_bank *b, const char *bank, json_object *vals,
		      struct vigil_error *err)
{
	size_t dlen = vigil_hash_by_id(b->algo)->digest_len;

	json_object_object_foreach(vals, key, v) {
		char *end;
		unsigned long idx = strtoul(key, &end, 10);
		const char *hex = json_object_is_type(v, json_type_string) ?
					  json_object_get_string(v) : NULL;

		if (!*key || *end || idx >= VIGIL_PCR_COUNT || (key[0] == '0' && key[1]))
			return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: pcrs.%s: bad PCR index "
					  "\"%.32s\"", bank, key);
		if (!hex || strlen(hex) != 2 * dlen ||
		    vigil_unhex(hex, b->pcr[idx], dlen) != (long)dlen)
			return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: pcrs.%s.%lu: not a %zu-byte "
					  "hex digest", bank, idx, dlen);
		b->valid |= 1u << idx;
	}
	return VIGIL_OK;
}

static int parse_pcrs(struct vigil_bundle *b, json_object *root, struct vigil_error *err)
{
	json_object *pcrs = attest_json_get(root, "pcrs", json_type_object);

	vigil_pcrs_init(&b->pcrs);
	if (!pcrs)
		return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: pcrs: missing (an object)");
	json_object_object_foreach(pcrs, bank, vals) {
		const struct vigil_hash_info *h = vigil_hash_by_name(bank);
		struct vigil_pcr_bank *pb;
		int rc;

		if (!h || !json_object_is_type(vals, json_type_object))
			return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: pcrs.%.32s: %s", bank,
					  h ? "not an object" : "unknown bank");
		if (vigil_pcrs_find(&b->pcrs, h->id))
			return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: pcrs.%s: given twice", bank);
		if (!(pb = vigil_pcrs_bank(&b->pcrs, h->id, true)))
			return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: pcrs: more than %d banks",
					  VIGIL_MAX_BANKS);
		if ((rc = parse_bank(pb, bank, vals, err)) != VIGIL_OK)
			return rc;
	}
	return VIGIL_OK;
}

static int parse_mlist(struct vigil_bundle *b, json_object *ml, struct vigil_error *err)
{
	json_object *algo = attest_json_get(ml, "template_digest_algo", json_type_string);
	const struct vigil_hash_info *h = algo ? vigil_hash_by_name(json_object_get_string(algo)) : NULL;

	if (!h)
		return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: mlist.template_digest_algo: "
				  "missing or unknown");
	if (!attest_json_u64(ml, "first_index", &b->mlist_first_index) ||
	    !attest_json_u64(ml, "first_offset", &b->mlist_first_offset))
		return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: mlist.first_index and "
				  "first_offset: missing or not non-negative integers");
	if ((b->mlist_first_index == 0) != (b->mlist_first_offset == 0))
		return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: mlist: first_index %llu with "
				  "first_offset %llu", (unsigned long long)b->mlist_first_index,
				  (unsigned long long)b->mlist_first_offset);
	b->mlist_algo = h->id;
	b->have_mlist = true;
	return get_b64(ml, "data", "bundle: mlist.data", &b->mlist, &b->mlist_len, err);
}

static int parse_root(struct vigil_bundle *b, json_object *root, struct vigil_error *err)
{
	json_object *fmt = attest_json_get(root, "format", json_type_string);
	json_object *quote = attest_json_get(root, "quote", json_type_object);
	json_object *ml = attest_json_get(root, "mlist", json_type_null);
	uint64_t version;
	int rc;

	if (!fmt || strcmp(json_object_get_string(fmt), BUNDLE_FORMAT) != 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: format is not \"" BUNDLE_FORMAT "\"");
	if (!attest_json_u64(root, "version", &version) || version != VIGIL_BUNDLE_VERSION)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED, "bundle: version is not %d",
				  VIGIL_BUNDLE_VERSION);
	if (!quote)
		return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: quote: missing (an object)");
	if ((rc = get_b64(quote, "attest", "bundle: quote.attest", &b->attest, &b->attest_len, err)) ||
	    (rc = get_b64(quote, "signature", "bundle: quote.signature", &b->signature,
			  &b->signature_len, err)) ||
	    (rc = parse_pcrs(b, root, err)))
		return rc;
	if (ml && !json_object_is_type(ml, json_type_null)) {
		if (!json_object_is_type(ml, json_type_object))
			return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: mlist: not an object");
		if ((rc = parse_mlist(b, ml, err)))
			return rc;
	}
	if (attest_json_get(root, "eventlog", json_type_string))
		return get_b64(root, "eventlog", "bundle: eventlog", &b->eventlog, &b->eventlog_len,
			       err);
	return VIGIL_OK;
}

int vigil_bundle_parse(const char *json, size_t len, struct vigil_bundle *out,
		       struct vigil_error *err)
{
	json_object *root;
	int rc;

	memset(out, 0, sizeof(*out));
	out->mlist_algo = -1;
	if (!(root = attest_json_parse(json, len, "bundle", err)))
		return err ? err->code : VIGIL_ERR_INVALID;
	rc = parse_root(out, root, err);
	json_object_put(root);
	if (rc != VIGIL_OK)
		vigil_bundle_release(out);
	return rc;
}

/* ----------------------------------------------------------------- format */

/* Adds key: base64 of bytes to obj; false on no memory. */
static bool put_b64(json_object *obj, const char *key, const uint8_t *bytes, size_t len)
{
	char *s = attest_b64_encode(bytes, len);
	json_object *v = s ? json_object_new_string(s) : NULL;

	free(s);
	return v && json_object_object_add(obj, key, v) == 0;
}

static bool put_hex(json_object *obj, const char *key, const uint8_t *bytes, size_t len)
{
	char hex[2 * VIGIL_MAX_DIGEST + 1];
	json_object *v;

	vigil_hex(bytes, len, hex);
	v = json_object_new_string(hex);
	return v && json_object_object_add(obj, key, v) == 0;
}

static json_object *format_pcrs(const struct vigil_pcrs *p)
{
	json_object *pcrs = json_object_new_object();

	for (unsigned i = 0; pcrs && i < p->nbanks; i++) {
		const struct vigil_pcr_bank *b = &p->banks[i];
		const struct vigil_hash_info *h = vigil_hash_by_id(b->algo);
		json_object *bank = json_object_new_object();
		bool ok = bank && json_object_object_add(pcrs, h->name, bank) == 0;

		for (unsigned n = 0; ok && n < VIGIL_PCR_COUNT; n++) {
			char key[4];

			snprintf(key, sizeof(key), "%u", n);
			if (b->valid & (1u << n))
				ok = put_hex(bank, key, b->pcr[n], h->digest_len);
		}
		if (!ok) {
			json_object_put(pcrs);
			return NULL;
		}
	}
	return pcrs;
}

static json_object *format_mlist(const struct vigil_bundle *b)
{
	json_object *ml = json_object_new_object();
	bool ok = ml &&
		  !json_object_object_add(ml, "template_digest_algo",
					  json_object_new_string(vigil_hash_by_id(b->mlist_algo)->name)) &&
		  !json_object_object_add(ml, "first_index",
					  json_object_new_int64((int64_t)b->mlist_first_index)) &&
		  !json_object_object_add(ml, "first_offset",
					  json_object_new_int64((int64_t)b->mlist_first_offset)) &&
		  put_b64(ml, "data", b->mlist, b->mlist_len);

	if (!ok) {
		json_object_put(ml);
		return NULL;
	}
	return ml;
}

static bool format_root(const struct vigil_bundle *b, json_object *root)
{
	json_object *quote = json_object_new_object(), *pcrs, *ml;

	if (json_object_object_add(root, "format", json_object_new_string(BUNDLE_FORMAT)) ||
	    json_object_object_add(root, "version", json_object_new_int(VIGIL_BUNDLE_VERSION)) ||
	    !quote || json_object_object_add(root, "quote", quote))
		return false;
	if (!put_b64(quote, "attest", b->attest, b->attest_len) ||
	    !put_b64(quote, "signature", b->signature, b->signature_len))
		return false;
	if (!(pcrs = format_pcrs(&b->pcrs)) || json_object_object_add(root, "pcrs", pcrs))
		return false;
	if (b->have_mlist && (!(ml = format_mlist(b)) || json_object_object_add(root, "mlist", ml)))
		return false;
	return !b->eventlog || put_b64(root, "eventlog", b->eventlog, b->eventlog_len);
}

int vigil_bundle_format(const struct vigil_bundle *b, char **json, size_t *len,
			struct vigil_error *err)
{
	json_object *root;

	*json = NULL;
	if (b->have_mlist && !vigil_hash_by_id(b->mlist_algo))
		return vigil_fail(err, VIGIL_ERR_INVALID, "bundle: unknown list digest algorithm");
	if (b->mlist_len > VIGIL_BUNDLE_MAX / 2 || b->eventlog_len > VIGIL_BUNDLE_MAX / 4)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "bundle: list or event log too big");
	root = json_object_new_object();
	if (root && format_root(b, root))
		*json = attest_json_text(root, len);
	json_object_put(root);
	return *json ? VIGIL_OK : vigil_fail(err, VIGIL_ERR_NOMEM, "bundle: out of memory");
}
