/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IMA template descriptors and their fields: which fields a template has,
 * what shape each field's bytes must have, how the ascii list shows them,
 * and how the kernel builds field values.
 */
#include <stdio.h>
#include <string.h>

#include <vigil/mlist.h>
#include "internal.h"

#define FIELD_ID_MAX 16 /* the kernel's IMA_TEMPLATE_FIELD_ID_MAX_LEN */
#define ALGO_NAME_MAX 31
#define LEGACY_DIGEST_LEN 20 /* IMA_DIGEST_SIZE: 'd' and old violation digests */

static const char *const field_names[VIGIL_FIELD_COUNT] = {
	[VIGIL_FIELD_D] = "d",
	[VIGIL_FIELD_N] = "n",
	[VIGIL_FIELD_D_NG] = "d-ng",
	[VIGIL_FIELD_D_NGV2] = "d-ngv2",
	[VIGIL_FIELD_N_NG] = "n-ng",
	[VIGIL_FIELD_SIG] = "sig",
	[VIGIL_FIELD_BUF] = "buf",
	[VIGIL_FIELD_D_MODSIG] = "d-modsig",
	[VIGIL_FIELD_MODSIG] = "modsig",
	[VIGIL_FIELD_EVMSIG] = "evmsig",
	[VIGIL_FIELD_XATTRNAMES] = "xattrnames",
	[VIGIL_FIELD_XATTRLENGTHS] = "xattrlengths",
	[VIGIL_FIELD_XATTRVALUES] = "xattrvalues",
	[VIGIL_FIELD_IUID] = "iuid",
	[VIGIL_FIELD_IGID] = "igid",
	[VIGIL_FIELD_IMODE] = "imode",
};

static const struct {
	const char *name;
	const char *fmt;
} builtins[] = {
	{ "ima", "d|n" },
	{ "ima-ng", "d-ng|n-ng" },
	{ "ima-sig", "d-ng|n-ng|sig" },
	{ "ima-ngv2", "d-ngv2|n-ng" },
	{ "ima-sigv2", "d-ngv2|n-ng|sig" },
	{ "ima-buf", "d-ng|n-ng|buf" },
	{ "ima-modsig", "d-ng|n-ng|sig|d-modsig|modsig" },
	{ "evm-sig", "d-ng|n-ng|evmsig|xattrnames|xattrlengths|xattrvalues|iuid|igid|imode" },
};

/* How the kernel's ascii list shows a field (its field_show function). */
enum show_kind { SHOW_DIGEST, SHOW_DIGEST_ALGO, SHOW_STRING, SHOW_HEX, SHOW_UINT };

static enum show_kind field_show(int id)
{
	switch (id) {
	case VIGIL_FIELD_D:
		return SHOW_DIGEST;
	case VIGIL_FIELD_D_NG:
	case VIGIL_FIELD_D_NGV2:
	case VIGIL_FIELD_D_MODSIG:
		return SHOW_DIGEST_ALGO;
	case VIGIL_FIELD_N:
	case VIGIL_FIELD_N_NG:
	case VIGIL_FIELD_XATTRNAMES:
		return SHOW_STRING;
	case VIGIL_FIELD_IUID:
	case VIGIL_FIELD_IGID:
	case VIGIL_FIELD_IMODE:
		return SHOW_UINT;
	default:
		return SHOW_HEX;
	}
}

const char *vigil_field_name(int id)
{
	if (id < 0 || id >= VIGIL_FIELD_COUNT)
		return NULL;
	return field_names[id];
}

int vigil_field_by_name(const char *id, size_t len)
{
	for (int i = 0; i < VIGIL_FIELD_COUNT; i++)
		if (strlen(field_names[i]) == len && memcmp(field_names[i], id, len) == 0)
			return i;
	return -1;
}

const char *vigil_template_builtin_fmt(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return builtins[i].fmt;
	return NULL;
}

/* Template names come from untrusted lists: quote them printable. */
static void escape(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

static int unknown_field(const char *fmt, size_t len, const char *id, size_t idlen,
			 struct vigil_error *err)
{
	char tname[64], fname[40];

	escape(fmt, len < 40 ? len : 40, tname, sizeof(tname));
	escape(id, idlen < FIELD_ID_MAX ? idlen : FIELD_ID_MAX, fname, sizeof(fname));
	return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
			  "unknown template \"%s%s\" (no template field \"%s\")", tname,
			  len > 40 ? "..." : "", fname);
}

static int parse_fmt(const char *fmt, size_t len, struct vigil_template *t, struct vigil_error *err)
{
	size_t pos = 0;

	t->nfields = 0;
	for (;;) {
		const char *bar = memchr(fmt + pos, '|', len - pos);
		size_t flen = (bar ? (size_t)(bar - fmt) : len) - pos;
		int id = vigil_field_by_name(fmt + pos, flen);

		if (t->nfields == VIGIL_TEMPLATE_MAX_FIELDS)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "template format has more than %d fields",
					  VIGIL_TEMPLATE_MAX_FIELDS);
		if (id < 0)
			return unknown_field(fmt, len, fmt + pos, flen, err);
		t->fields[t->nfields++] = id;
		if (!bar)
			return VIGIL_OK;
		pos += flen + 1;
	}
}

int vigil_template_lookup(const char *name, size_t len, struct vigil_template *out,
			  struct vigil_error *err)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "empty template name");
	if (len > VIGIL_TEMPLATE_NAME_MAX)
		return vigil_fail(err, VIGIL_ERR_INVALID, "template name of %zu bytes exceeds %d",
				  len, VIGIL_TEMPLATE_NAME_MAX);
	if (memchr(name, '\0', len))
		return vigil_fail(err, VIGIL_ERR_INVALID, "template name contains a NUL byte");
	memcpy(out->name, name, len);
	/* As the kernel's lookup: a builtin's name or its format select it. */
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (strcmp(out->name, builtins[i].name) == 0 ||
		    strcmp(out->name, builtins[i].fmt) == 0) {
			out->legacy = strcmp(out->name, "ima") == 0;
			return parse_fmt(builtins[i].fmt, strlen(builtins[i].fmt), out, err);
		}
	}
	return parse_fmt(name, len, out, err);
}

/* ------------------------------------------------------------------ decode */

static int field_fail(struct vigil_error *err, unsigned idx, int id, const char *what)
{
	return vigil_fail(err, VIGIL_ERR_INVALID, "field %u (%s): %s", idx, field_names[id], what);
}

/*
 * Finds the algorithm named by p[0..len).  Kernel names are matched
 * exactly first: this runs for every entry, and strcasecmp over the table
 * showed in profiles.
 */
static const struct vigil_hash_info *algo_from(const uint8_t *p, size_t len)
{
	char name[ALGO_NAME_MAX + 1];

	if (len == 0 || len > ALGO_NAME_MAX)
		return NULL;
	for (int i = 0; i < VIGIL_HASH_ALGO_COUNT; i++) {
		const struct vigil_hash_info *info = vigil_hash_by_id(i);

		if (strnlen(info->name, len + 1) == len && memcmp(info->name, p, len) == 0)
			return info;
	}
	memcpy(name, p, len);
	name[len] = '\0';
	return vigil_hash_by_name(name);
}

/*
 * d-ng: "algo:" NUL digest; d-ngv2: "ima:algo:" or "verity:algo:" NUL
 * digest.  The digest has the algorithm's length, except the 20 zero bytes
 * older kernels wrote for violations whatever the algorithm: accepted only
 * in an entry whose template digest is zero (e->violation set by the caller).
 */
static int decode_digest_algo(const struct vigil_field *f, unsigned idx, bool typed,
			      struct vigil_mlist_entry *e, struct vigil_error *err)
{
	const uint8_t *nul = memchr(f->data, 0, f->len);
	const uint8_t *algo = f->data;
	const struct vigil_hash_info *info;
	size_t plen, alen, dlen;
	int type = VIGIL_DIGEST_TYPE_NONE;
	char msg[160];

	if (!nul)
		return field_fail(err, idx, f->id, "no NUL after the algorithm prefix");
	plen = (size_t)(nul - f->data);
	if (plen < 2 || f->data[plen - 1] != ':')
		return field_fail(err, idx, f->id, "prefix does not end with ':'");
	if (typed) {
		const uint8_t *colon = memchr(f->data, ':', plen - 1);

		if (colon == f->data + 3 && memcmp(f->data, "ima", 3) == 0)
			type = VIGIL_DIGEST_TYPE_IMA;
		else if (colon == f->data + 6 && memcmp(f->data, "verity", 6) == 0)
			type = VIGIL_DIGEST_TYPE_VERITY;
		else
			return field_fail(err, idx, f->id, "digest type is neither ima nor verity");
		algo = colon + 1;
	}
	alen = (size_t)(f->data + plen - 1 - algo);
	info = algo_from(algo, alen);
	if (!info) {
		char shown[64];

		escape((const char *)algo, alen < 24 ? alen : 24, shown, sizeof(shown));
		snprintf(msg, sizeof(msg), "unknown hash algorithm \"%s\"", shown);
		return field_fail(err, idx, f->id, msg);
	}
	dlen = f->len - plen - 1;
	if (dlen != info->digest_len &&
	    !(e->violation && dlen == LEGACY_DIGEST_LEN && vigil_all_zero(nul + 1, dlen))) {
		snprintf(msg, sizeof(msg), "%s digest of %zu bytes, expected %zu", info->name, dlen,
			 info->digest_len);
		return field_fail(err, idx, f->id, msg);
	}
	if (f->id != VIGIL_FIELD_D_MODSIG) {
		e->file_algo = info->id;
		e->digest_type = type;
		e->file_digest = nul + 1;
		e->file_digest_len = dlen;
	}
	return VIGIL_OK;
}

/* A name: no NUL inside; with its NUL at the end except in "ima". */
static int decode_name(const struct vigil_field *f, unsigned idx, bool legacy,
		       struct vigil_mlist_entry *e, struct vigil_error *err)
{
	size_t nlen = f->len;

	if (legacy) {
		if (nlen > VIGIL_IMA_NAME_MAX)
			return field_fail(err, idx, f->id, "name longer than 255 bytes");
	} else {
		if (nlen == 0 || f->data[nlen - 1] != '\0')
			return field_fail(err, idx, f->id, "name is not NUL-terminated");
		nlen--;
	}
	if (memchr(f->data, '\0', nlen))
		return field_fail(err, idx, f->id, "name contains a NUL byte");
	e->file_name = (const char *)f->data;
	e->file_name_len = nlen;
	return VIGIL_OK;
}

static int decode_field(const struct vigil_field *f, unsigned idx, bool legacy,
			struct vigil_mlist_entry *e, struct vigil_error *err)
{
	switch (f->id) {
	case VIGIL_FIELD_D:
		if (f->len != LEGACY_DIGEST_LEN && f->len != 16)
			return field_fail(err, idx, f->id, "digest is neither 20 (sha1) nor 16 (md5) bytes");
		e->file_algo = f->len == 16 ? VIGIL_HASH_MD5 : VIGIL_HASH_SHA1;
		e->file_digest = f->data;
		e->file_digest_len = f->len;
		return VIGIL_OK;
	case VIGIL_FIELD_D_NG:
		return decode_digest_algo(f, idx, false, e, err);
	case VIGIL_FIELD_D_NGV2:
		return decode_digest_algo(f, idx, true, e, err);
	case VIGIL_FIELD_D_MODSIG:
		return f->len ? decode_digest_algo(f, idx, false, e, err) : VIGIL_OK;
	case VIGIL_FIELD_N:
	case VIGIL_FIELD_N_NG:
		return decode_name(f, idx, legacy, e, err);
	case VIGIL_FIELD_SIG:
		/* An IMA signature (v2 0x03, verity 0x06) or the EVM portable one. */
		if (f->len && f->data[0] != 0x03 && f->data[0] != 0x05 && f->data[0] != 0x06)
			return field_fail(err, idx, f->id, "not a signature (type byte)");
		e->sig = f->data;
		e->sig_len = f->len;
		return VIGIL_OK;
	case VIGIL_FIELD_EVMSIG:
		if (f->len && f->data[0] != 0x05)
			return field_fail(err, idx, f->id, "not an EVM portable signature");
		return VIGIL_OK;
	case VIGIL_FIELD_BUF:
		e->buf = f->data;
		e->buf_len = f->len;
		return VIGIL_OK;
	case VIGIL_FIELD_XATTRLENGTHS:
		if (f->len % 4)
			return field_fail(err, idx, f->id, "length is not a multiple of 4");
		return VIGIL_OK;
	case VIGIL_FIELD_IUID:
	case VIGIL_FIELD_IGID:
	case VIGIL_FIELD_IMODE:
		if (f->len != 0 && f->len != 1 && f->len != 2 && f->len != 4 && f->len != 8)
			return field_fail(err, idx, f->id, "integer of an odd size");
		return VIGIL_OK;
	default:
		return VIGIL_OK;
	}
}

/* "ima": 20-byte digest, u32 name length, name; nothing else. */
static int split_legacy(const uint8_t *data, uint32_t len, bool be, struct vigil_mlist_entry *e,
			struct vigil_error *err)
{
	uint32_t nlen;

	if (len < LEGACY_DIGEST_LEN + 4)
		return vigil_fail(err, VIGIL_ERR_INVALID, "\"ima\" template data of %u bytes is truncated",
				  len);
	nlen = vigil_get_u32(data + LEGACY_DIGEST_LEN, be);
	if (nlen != len - LEGACY_DIGEST_LEN - 4)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "\"ima\" name length %u does not match the %u bytes left", nlen,
				  len - LEGACY_DIGEST_LEN - 4);
	e->fields[0] = (struct vigil_field){ VIGIL_FIELD_D, data, LEGACY_DIGEST_LEN };
	e->fields[1] = (struct vigil_field){ VIGIL_FIELD_N, data + LEGACY_DIGEST_LEN + 4, nlen };
	e->nfields = 2;
	return VIGIL_OK;
}

/* Every other template: u32 length then bytes, per field, filling the data exactly. */
static int split_fields(const struct vigil_template *t, const uint8_t *data, uint32_t len, bool be,
			struct vigil_mlist_entry *e, struct vigil_error *err)
{
	uint32_t pos = 0;

	for (unsigned i = 0; i < t->nfields; i++) {
		uint32_t flen;

		if (len - pos < 4)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "field %u (%s): length missing at template data byte %u", i,
					  field_names[t->fields[i]], pos);
		flen = vigil_get_u32(data + pos, be);
		pos += 4;
		if (flen > len - pos)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "field %u (%s): length %u exceeds the remaining %u bytes of template data",
					  i, field_names[t->fields[i]], flen, len - pos);
		e->fields[i] = (struct vigil_field){ t->fields[i], data + pos, flen };
		pos += flen;
	}
	e->nfields = t->nfields;
	if (pos != len)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%u bytes of template data follow the last field", len - pos);
	return VIGIL_OK;
}

int vigil_template_decode(const struct vigil_template *t, const uint8_t *data, uint32_t len,
			  bool big_endian, struct vigil_mlist_entry *e, struct vigil_error *err)
{
	int rc;

	e->tmpl = t;
	e->template_name = t->name;
	e->data = data;
	e->data_len = len;
	e->file_algo = -1;
	e->digest_type = VIGIL_DIGEST_TYPE_NONE;
	e->file_digest = NULL;
	e->file_digest_len = 0;
	e->file_name = NULL;
	e->file_name_len = 0;
	e->sig = e->buf = NULL;
	e->sig_len = e->buf_len = 0;
	e->nfields = 0;
	rc = t->legacy ? split_legacy(data, len, big_endian, e, err)
		       : split_fields(t, data, len, big_endian, e, err);
	for (unsigned i = 0; rc == VIGIL_OK && i < e->nfields; i++)
		rc = decode_field(&e->fields[i], i, t->legacy, e, err);
	return rc;
}

/* ------------------------------------------------------------------- ascii */

size_t vigil_field_ascii_size(const struct vigil_field *f)
{
	switch (field_show(f->id)) {
	case SHOW_STRING:
		return f->len;
	case SHOW_UINT:
		return 20;
	default:
		return 2 * (size_t)f->len; /* the algo prefix is shorter than its hex would be */
	}
}

static size_t show_uint(const struct vigil_field *f, bool be, char *out)
{
	uint64_t v = 0;

	if (f->len != 1 && f->len != 2 && f->len != 4 && f->len != 8)
		return 0; /* as the kernel: other sizes show nothing */
	for (uint32_t i = 0; i < f->len; i++) {
		uint8_t b = be ? f->data[i] : f->data[f->len - 1 - i];

		v = v << 8 | b;
	}
	return (size_t)sprintf(out, "%llu", (unsigned long long)v);
}

size_t vigil_field_ascii(const struct vigil_field *f, bool big_endian, char *out)
{
	const uint8_t *nul;
	size_t plen;

	if (f->len == 0)
		return 0;
	switch (field_show(f->id)) {
	case SHOW_STRING:
		nul = memchr(f->data, 0, f->len);
		plen = nul ? (size_t)(nul - f->data) : f->len;
		memcpy(out, f->data, plen);
		return plen;
	case SHOW_UINT:
		return show_uint(f, big_endian, out);
	case SHOW_DIGEST_ALGO:
		/* The prefix up to its NUL ("sha256:"), then the digest after it. */
		nul = memchr(f->data, 0, f->len);
		if (!nul)
			break;
		plen = (size_t)(nul - f->data);
		memcpy(out, f->data, plen);
		vigil_hex(nul + 1, f->len - plen - 1, out + plen);
		return plen + 2 * (f->len - plen - 1);
	default:
		break;
	}
	vigil_hex(f->data, f->len, out);
	return 2 * (size_t)f->len;
}

/* ------------------------------------------------------------------ encode */

static int put_prefixed(const char *prefix, int algo, const uint8_t *digest, size_t dlen,
			uint8_t *out, size_t cap, size_t *len, struct vigil_error *err)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);
	size_t plen;

	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d", algo);
	if (dlen != info->digest_len)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s digest of %zu bytes, expected %zu",
				  info->name, dlen, info->digest_len);
	plen = strlen(prefix) + strlen(info->name) + 1;
	*len = plen + 1 + dlen;
	if (*len > cap)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "digest field needs %zu bytes", *len);
	snprintf((char *)out, cap, "%s%s:", prefix, info->name);
	out[plen] = '\0';
	memcpy(out + plen + 1, digest, dlen);
	return VIGIL_OK;
}

int vigil_field_encode_digest_ng(int algo, const uint8_t *digest, size_t dlen, uint8_t *out,
				 size_t cap, size_t *len, struct vigil_error *err)
{
	return put_prefixed("", algo, digest, dlen, out, cap, len, err);
}

int vigil_field_encode_digest_ngv2(int type, int algo, const uint8_t *digest, size_t dlen,
				   uint8_t *out, size_t cap, size_t *len, struct vigil_error *err)
{
	if (type == VIGIL_DIGEST_TYPE_IMA)
		return put_prefixed("ima:", algo, digest, dlen, out, cap, len, err);
	if (type == VIGIL_DIGEST_TYPE_VERITY)
		return put_prefixed("verity:", algo, digest, dlen, out, cap, len, err);
	return vigil_fail(err, VIGIL_ERR_INVALID, "digest type %d is neither ima nor verity", type);
}

int vigil_field_encode_name(const char *name, size_t nlen, bool with_nul, uint8_t *out,
			    size_t cap, size_t *len, struct vigil_error *err)
{
	if (memchr(name, '\0', nlen))
		return vigil_fail(err, VIGIL_ERR_INVALID, "name contains a NUL byte");
	*len = nlen + (with_nul ? 1 : 0);
	if (*len > cap)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "name field needs %zu bytes", *len);
	/* The kernel stores '_' for ' ' so that ascii lines split on spaces. */
	for (size_t i = 0; i < nlen; i++)
		out[i] = name[i] == ' ' ? '_' : (uint8_t)name[i];
	if (with_nul)
		out[nlen] = '\0';
	return VIGIL_OK;
}

void vigil_field_encode_u32(uint32_t v, bool big_endian, uint8_t out[4])
{
	if (big_endian) {
		vigil_put_be32(out, v);
		return;
	}
	out[0] = (uint8_t)v;
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)(v >> 16);
	out[3] = (uint8_t)(v >> 24);
}

void vigil_field_encode_u16(uint16_t v, bool big_endian, uint8_t out[2])
{
	if (big_endian) {
		vigil_put_be16(out, v);
		return;
	}
	out[0] = (uint8_t)v;
	out[1] = (uint8_t)(v >> 8);
}
