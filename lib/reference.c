/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reference digests for measurement-list entries: names (paths, keyring
 * names, ima-buf event names) with the digests allowed for them, loaded
 * from sha256sum-style files or Keylime runtime policies, plus the
 * policy's excludes, ignored keyrings and verification keys.
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include <vigil/reference.h>
#include "internal.h"
#include "reference_internal.h"

struct refdig {
	int8_t algo; /* always given: a bare digest takes its length's canonical one */
	uint8_t len;
	uint8_t bytes[VIGIL_MAX_DIGEST];
};

/* One name of one namespace; most have a single digest, kept inline. */
struct refname {
	char *name;
	uint32_t nlen, hash, ndig, cap;
	uint8_t ns;
	struct refdig first;
	struct refdig *more; /* digests after the first: ndig - 1 of cap */
};

struct alias {
	uint32_t keyid;                 /* as signatures name the key */
	const struct vigil_pubkey *key; /* in db->keys */
};

struct vigil_refdb {
	struct refname *names;
	size_t nnames, cap_names;
	uint32_t *slots; /* open addressing: index + 1 into names, 0 empty */
	size_t nslots;
	size_t counts[VIGIL_REF_NS_COUNT];
	regex_t *excludes;
	size_t nexcludes;
	char **ignored;
	size_t nignored;
	struct vigil_keyset *keys;
	struct alias *aliases;
	size_t naliases;
	EVP_MD_CTX *print; /* fingerprint of everything added */
};

/* ------------------------------------------------------------------ basics */

int vigil_refdb_new(struct vigil_refdb **out, struct vigil_error *err)
{
	struct vigil_refdb *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (!db)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for references");
	db->keys = vigil_keyset_new();
	db->print = EVP_MD_CTX_new();
	if (!db->keys || !db->print || !EVP_DigestInit_ex(db->print, EVP_sha256(), NULL)) {
		vigil_refdb_free(db);
		return vigil_fail_ssl(err, VIGIL_ERR_NOMEM, "cannot set up references");
	}
	*out = db;
	return VIGIL_OK;
}

void vigil_refdb_free(struct vigil_refdb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nnames; i++) {
		free(db->names[i].name);
		free(db->names[i].more);
	}
	free(db->names);
	free(db->slots);
	for (size_t i = 0; i < db->nexcludes; i++)
		regfree(&db->excludes[i]);
	free(db->excludes);
	for (size_t i = 0; i < db->nignored; i++)
		free(db->ignored[i]);
	free(db->ignored);
	vigil_keyset_free(db->keys);
	free(db->aliases);
	EVP_MD_CTX_free(db->print);
	free(db);
}

/* Every addition is fed to the fingerprint, tagged and length-prefixed. */
static void print_add(struct vigil_refdb *db, char tag, const void *p, size_t len)
{
	uint32_t n = (uint32_t)len;

	EVP_DigestUpdate(db->print, &tag, 1);
	EVP_DigestUpdate(db->print, &n, sizeof(n));
	EVP_DigestUpdate(db->print, p, len);
}

void vigil_refdb_fingerprint(const struct vigil_refdb *db, uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n = 32;

	memset(out, 0, 32);
	if (c && EVP_MD_CTX_copy_ex(c, db->print))
		EVP_DigestFinal_ex(c, out, &n);
	EVP_MD_CTX_free(c);
}

static uint32_t name_hash(int ns, const char *s, size_t len)
{
	uint32_t h = 2166136261u ^ (uint32_t)ns;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	/* FNV's low bits mix poorly for names differing in their last digits: avalanche. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

/* The slot holding (ns, name), or the empty slot where it would go. */
static uint32_t *find_slot(const struct vigil_refdb *db, int ns, const char *name, size_t len,
			   uint32_t h)
{
	size_t mask = db->nslots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct refname *n;

		if (db->slots[i] == 0)
			return &db->slots[i];
		n = &db->names[db->slots[i] - 1];
		if (n->hash == h && n->ns == ns && n->nlen == len && memcmp(n->name, name, len) == 0)
			return &db->slots[i];
	}
}

static const struct refname *find_name(const struct vigil_refdb *db, int ns, const char *name,
				       size_t len)
{
	uint32_t *slot;

	if (!db || db->nslots == 0 || ns < 0 || ns >= VIGIL_REF_NS_COUNT)
		return NULL;
	slot = find_slot(db, ns, name, len, name_hash(ns, name, len));
	return *slot ? &db->names[*slot - 1] : NULL;
}

/* Keeps the table at most half full. */
static int grow_table(struct vigil_refdb *db, struct vigil_error *err)
{
	size_t n = db->nslots ? db->nslots * 2 : 1024;
	uint32_t *old = db->slots;
	size_t oldn = db->nslots;

	if (db->nnames + 1 <= db->nslots / 2)
		return VIGIL_OK;
	if (!(db->slots = calloc(n, sizeof(*db->slots)))) {
		db->slots = old;
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for references");
	}
	db->nslots = n;
	for (size_t i = 0; i < oldn; i++) {
		const struct refname *r;

		if (!old[i])
			continue;
		r = &db->names[old[i] - 1];
		*find_slot(db, r->ns, r->name, r->nlen, r->hash) = old[i];
	}
	free(old);
	return VIGIL_OK;
}

static int new_name(struct vigil_refdb *db, int ns, const char *name, size_t len, uint32_t h,
		    struct refname **out, struct vigil_error *err)
{
	struct refname *r;
	int rc;

	if ((rc = grow_table(db, err)) != VIGIL_OK)
		return rc;
	if (db->nnames == db->cap_names) {
		size_t cap = db->cap_names ? db->cap_names * 2 : 256;
		struct refname *p = realloc(db->names, cap * sizeof(*p));

		if (!p)
			return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for references");
		db->names = p;
		db->cap_names = cap;
	}
	r = &db->names[db->nnames];
	memset(r, 0, sizeof(*r));
	if (!(r->name = malloc(len ? len : 1)))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for references");
	memcpy(r->name, name, len);
	r->nlen = (uint32_t)len;
	r->hash = h;
	r->ns = (uint8_t)ns;
	*find_slot(db, ns, name, len, h) = (uint32_t)++db->nnames;
	*out = r;
	return VIGIL_OK;
}

static struct refdig *dig_at(struct refname *r, uint32_t i)
{
	return i == 0 ? &r->first : &r->more[i - 1];
}

static bool dig_equal(const struct refdig *a, const struct refdig *b)
{
	return a->algo == b->algo && a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

static int push_digest(struct refname *r, const struct refdig *d, struct vigil_error *err)
{
	for (uint32_t i = 0; i < r->ndig; i++)
		if (dig_equal(dig_at(r, i), d))
			return VIGIL_OK; /* listed twice: once is enough */
	if (r->ndig >= 1 && r->ndig - 1 == r->cap) {
		uint32_t cap = r->cap ? r->cap * 2 : 2;
		struct refdig *p = realloc(r->more, cap * sizeof(*p));

		if (!p)
			return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for references");
		r->more = p;
		r->cap = cap;
	}
	*dig_at(r, r->ndig++) = *d;
	return VIGIL_OK;
}

/* The kernel stores names with spaces replaced: references follow. */
static char *normalise(const char *name, size_t len, char *small, size_t cap)
{
	char *s = len <= cap ? small : malloc(len ? len : 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		s[i] = name[i] == ' ' ? '_' : name[i];
	return s;
}

/*
 * The algorithm a digest without a prefix stands for (sha256sum files and
 * Keylime policies carry none): md5sum, sha1sum, sha224sum, sha256sum,
 * sha384sum or sha512sum by its length; -1 for other lengths.
 */
static int canonical_algo(size_t len)
{
	switch (len) {
	case 16: return VIGIL_HASH_MD5;
	case 20: return VIGIL_HASH_SHA1;
	case 28: return VIGIL_HASH_SHA224;
	case 32: return VIGIL_HASH_SHA256;
	case 48: return VIGIL_HASH_SHA384;
	case 64: return VIGIL_HASH_SHA512;
	}
	return -1;
}

int vigil_refdb_add(struct vigil_refdb *db, int ns, const char *name, size_t nlen, int algo,
		    const uint8_t *digest, size_t dlen, struct vigil_error *err)
{
	const struct vigil_hash_info *info;
	struct refdig d;
	char small[512], *s;
	struct refname *r = NULL;
	uint32_t *slot, h;
	int rc = VIGIL_OK;

	if (ns < 0 || ns >= VIGIL_REF_NS_COUNT)
		return vigil_fail(err, VIGIL_ERR_INVALID, "bad reference namespace %d", ns);
	/* Without a prefix: the canonical algorithm of the length, and only it. */
	if (algo < 0 && (algo = canonical_algo(dlen)) < 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%zu-byte digest without an algorithm "
				  "prefix fits no md5, sha1, sha224, sha256, sha384 or sha512 digest",
				  dlen);
	info = vigil_hash_by_id(algo);
	if (!info || info->digest_len != dlen || dlen > VIGIL_MAX_DIGEST)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%zu-byte digest fits no %s algorithm", dlen,
				  info ? info->name : "known");
	memset(&d, 0, sizeof(d));
	d.algo = (int8_t)algo;
	d.len = (uint8_t)dlen;
	if (nlen > UINT32_MAX / 2 || memchr(name, '\0', nlen))
		return vigil_fail(err, VIGIL_ERR_INVALID, "bad name (too long or with a NUL byte)");
	if (!(s = normalise(name, nlen, small, sizeof(small))))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for references");
	memcpy(d.bytes, digest, dlen);
	h = name_hash(ns, s, nlen);
	slot = db->nslots ? find_slot(db, ns, s, nlen, h) : NULL;
	if (slot && *slot)
		r = &db->names[*slot - 1];
	else
		rc = new_name(db, ns, s, nlen, h, &r, err);
	if (rc == VIGIL_OK && (rc = push_digest(r, &d, err)) == VIGIL_OK) {
		db->counts[ns]++;
		print_add(db, (char)('0' + ns), s, nlen);
		print_add(db, 'd', &d, sizeof(d.algo) + sizeof(d.len) + dlen);
	}
	if (s != small)
		free(s);
	return rc;
}

static bool dig_matches(const struct refdig *d, int algo, const uint8_t *digest, size_t dlen)
{
	return d->len == dlen && d->algo == algo &&
	       memcmp(d->bytes, digest, dlen) == 0;
}

int vigil_refdb_lookup(const struct vigil_refdb *db, int ns, const char *name, size_t nlen,
		       int algo, const uint8_t *digest, size_t dlen)
{
	const struct refname *r = find_name(db, ns, name, nlen);

	if (!r)
		return VIGIL_REF_UNLISTED;
	for (uint32_t i = 0; i < r->ndig; i++)
		if (dig_matches(dig_at((struct refname *)r, i), algo, digest, dlen))
			return VIGIL_REF_FOUND;
	return VIGIL_REF_OTHER_DIGEST;
}

bool vigil_refdb_has_name(const struct vigil_refdb *db, int ns, const char *name, size_t nlen)
{
	return find_name(db, ns, name, nlen) != NULL;
}

size_t vigil_refdb_count(const struct vigil_refdb *db, int ns)
{
	return db && ns >= 0 && ns < VIGIL_REF_NS_COUNT ? db->counts[ns] : 0;
}

const struct vigil_keyset *vigil_refdb_keys(const struct vigil_refdb *db)
{
	return db ? db->keys : NULL;
}

/* ---------------------------------------------------------------- excludes */

/* Python's shorthands that POSIX EREs lack, outside bracket expressions. */
static const char *translate(char c)
{
	switch (c) {
	case 'd': return "[0-9]";
	case 'w': return "[[:alnum:]_]";
	case 's': return "[[:space:]]";
	}
	return NULL;
}

static char *ere_from_python(const char *re)
{
	size_t n = strlen(re);
	char *out = malloc(n * 12 + 4), *o = out;
	bool bracket = false;

	if (!out)
		return NULL;
	*o++ = '^';
	*o++ = '(';
	for (size_t i = 0; i < n; i++) {
		if (!bracket && re[i] == '(' && re[i + 1] == '?' && re[i + 2] == ':') {
			*o++ = '(';
			i += 2;
		} else if (!bracket && re[i] == '\\' && translate(re[i + 1])) {
			o = stpcpy(o, translate(re[i + 1]));
			i++;
		} else if (re[i] == '\\' && re[i + 1]) {
			*o++ = re[i++];
			*o++ = re[i];
		} else {
			if (re[i] == '[' && !bracket)
				bracket = true;
			else if (re[i] == ']' && bracket && i > 0 && re[i - 1] != '[' &&
				 !(re[i - 1] == '^' && i > 1 && re[i - 2] == '['))
				bracket = false;
			*o++ = re[i];
		}
	}
	*o++ = ')';
	*o = '\0';
	return out;
}

int vigil_refdb_add_exclude(struct vigil_refdb *db, const char *regex, struct vigil_error *err)
{
	regex_t *p = realloc(db->excludes, (db->nexcludes + 1) * sizeof(*p));
	char *ere, msg[160];
	int rc;

	if (!p)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for excludes");
	db->excludes = p;
	if (!(ere = ere_from_python(regex)))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for excludes");
	rc = regcomp(&db->excludes[db->nexcludes], ere, REG_EXTENDED | REG_NOSUB);
	free(ere);
	if (rc != 0) {
		regerror(rc, &db->excludes[db->nexcludes], msg, sizeof(msg));
		regfree(&db->excludes[db->nexcludes]);
		return vigil_fail(err, VIGIL_ERR_INVALID, "exclude \"%s\": %s", regex, msg);
	}
	db->nexcludes++;
	print_add(db, 'x', regex, strlen(regex));
	return VIGIL_OK;
}

bool vigil_refdb_excluded(const struct vigil_refdb *db, const char *name, size_t nlen)
{
	char small[4096], *s;
	bool hit = false;

	if (!db || db->nexcludes == 0)
		return false;
	s = nlen < sizeof(small) ? small : malloc(nlen + 1);
	if (!s)
		return false;
	memcpy(s, name, nlen);
	s[nlen] = '\0';
	for (size_t i = 0; !hit && i < db->nexcludes; i++)
		hit = regexec(&db->excludes[i], s, 0, NULL, 0) == 0;
	if (s != small)
		free(s);
	return hit;
}

int vigil_refdb_ignore_keyring(struct vigil_refdb *db, const char *name, struct vigil_error *err)
{
	char **p = realloc(db->ignored, (db->nignored + 1) * sizeof(*p));

	if (!p)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	db->ignored = p;
	if (!(p[db->nignored] = strdup(name)))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	db->nignored++;
	print_add(db, 'i', name, strlen(name));
	return VIGIL_OK;
}

bool vigil_refdb_keyring_ignored(const struct vigil_refdb *db, const char *name, size_t nlen)
{
	for (size_t i = 0; db && i < db->nignored; i++)
		if (strcmp(db->ignored[i], "*") == 0 ||
		    (strlen(db->ignored[i]) == nlen && memcmp(db->ignored[i], name, nlen) == 0))
			return true;
	return false;
}

/* -------------------------------------------------------- sha256sum files */

/* Exactly len hex digits, even, at most VIGIL_MAX_DIGEST bytes; returns bytes or -1. */
static long parse_hex(const char *s, size_t len, uint8_t *out)
{
	if (len == 0 || len % 2 || len / 2 > VIGIL_MAX_DIGEST)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = vigil_hex_digit(s[i]), lo = vigil_hex_digit(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

/* "[algo:]HEX": *algo -1 without a prefix. */
static bool parse_digest(const char *s, size_t len, int *algo, uint8_t *out, size_t *dlen)
{
	const char *colon = memchr(s, ':', len);
	long n;

	*algo = -1;
	if (colon) {
		char name[32];
		const struct vigil_hash_info *info;
		size_t alen = (size_t)(colon - s);

		if (alen == 0 || alen >= sizeof(name))
			return false;
		memcpy(name, s, alen);
		name[alen] = '\0';
		if (!(info = vigil_hash_by_name(name)))
			return false;
		*algo = info->id;
		len -= alen + 1;
		s = colon + 1;
	}
	if ((n = parse_hex(s, len, out)) < 0)
		return false;
	*dlen = (size_t)n;
	return true;
}

/* coreutils' escaped names: "\\", "\n" and "\r"; in place, returns the new length or -1. */
static long unescape(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			s[o++] = s[i];
			continue;
		}
		if (++i == len)
			return -1;
		if (s[i] == '\\')
			s[o++] = '\\';
		else if (s[i] == 'n')
			s[o++] = '\n';
		else if (s[i] == 'r')
			s[o++] = '\r';
		else
			return -1;
	}
	return (long)o;
}

struct sums_line {
	char *name;
	size_t nlen;
	int algo;
	uint8_t digest[VIGIL_MAX_DIGEST];
	size_t dlen;
};

/* BSD form "SHA256 (NAME) = HEX". */
static bool parse_bsd(char *s, size_t len, struct sums_line *l)
{
	char *open = memchr(s, '(', len < 24 ? len : 24), algo[24];
	char *eq = NULL;

	for (size_t i = len; i >= 4 && !eq; i--)
		if (memcmp(s + i - 4, ") = ", 4) == 0)
			eq = s + i - 4;
	if (!open || open == s || open[-1] != ' ' || !eq || eq < open)
		return false;
	if ((size_t)(open - 1 - s) >= sizeof(algo))
		return false;
	for (size_t i = 0; s + i < open - 1; i++)
		algo[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	algo[open - 1 - s] = '\0';
	{
		const struct vigil_hash_info *info = vigil_hash_by_name(algo);
		long n = parse_hex(eq + 4, len - (size_t)(eq + 4 - s), l->digest);

		if (!info || n < 0 || (size_t)n != info->digest_len)
			return false;
		l->algo = info->id;
		l->dlen = (size_t)n;
	}
	l->name = open + 1;
	l->nlen = (size_t)(eq - open - 1);
	return true;
}

/* "HEX  NAME" or "HEX *NAME". */
static bool parse_gnu(char *s, size_t len, struct sums_line *l)
{
	char *sp = memchr(s, ' ', len);

	if (!sp || (size_t)(sp - s) + 2 > len || (sp[1] != ' ' && sp[1] != '*'))
		return false;
	if (!parse_digest(s, (size_t)(sp - s), &l->algo, l->digest, &l->dlen))
		return false;
	l->name = sp + 2;
	l->nlen = len - (size_t)(sp + 2 - s);
	return true;
}

static int sums_line(struct vigil_refdb *db, char *s, size_t len, const char *source,
		     unsigned line, struct vigil_error *err)
{
	struct sums_line l;
	bool escaped = len && s[0] == '\\';
	long n;
	int rc;

	if (escaped) {
		s++;
		len--;
	}
	if (!parse_gnu(s, len, &l) && !parse_bsd(s, len, &l))
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "%s line %u: not \"HEX  PATH\" (nor \"ALGO (PATH) = HEX\")", source,
				  line);
	if (escaped && (n = unescape(l.name, l.nlen)) >= 0)
		l.nlen = (size_t)n;
	else if (escaped)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s line %u: bad escape in the name",
				  source, line);
	if (l.nlen == 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s line %u: empty name", source, line);
	rc = vigil_refdb_add(db, VIGIL_REF_NS_FILES, l.name, l.nlen, l.algo, l.digest, l.dlen, err);
	if (rc != VIGIL_OK) {
		char inner[VIGIL_ERROR_MSG_MAX];

		snprintf(inner, sizeof(inner), "%s", err ? err->msg : "");
		return vigil_fail(err, rc, "%s line %u: %s", source, line, inner);
	}
	return VIGIL_OK;
}

int vigil_refdb_load_sums(struct vigil_refdb *db, const char *text, size_t len,
			  const char *source, struct vigil_error *err)
{
	char *copy = malloc(len + 1);
	size_t pos = 0;
	unsigned line = 0;
	int rc = VIGIL_OK;

	if (!copy)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for %s", source);
	memcpy(copy, text, len);
	while (rc == VIGIL_OK && pos < len) {
		char *s = copy + pos, *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos;

		pos += l + 1;
		line++;
		if (l && s[l - 1] == '\r')
			l--;
		if (l == 0 || s[0] == '#')
			continue;
		if (memchr(s, '\0', l))
			rc = vigil_fail(err, VIGIL_ERR_INVALID, "%s line %u: NUL byte", source, line);
		else
			rc = sums_line(db, s, l, source, line, err);
	}
	free(copy);
	return rc;
}

/* ----------------------------------------------------------------- policies */

static int policy_fail(struct vigil_error *err, const char *source, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int policy_fail(struct vigil_error *err, const char *source, const char *fmt, ...)
{
	char what[VIGIL_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return vigil_fail(err, VIGIL_ERR_INVALID, "%s: %s", source, what);
}

/* {name: ["hex", ...]} into namespace ns. */
static int load_digest_map(struct vigil_refdb *db, json_object *map, int ns, const char *key,
			   const char *source, struct vigil_error *err)
{
	if (!json_object_is_type(map, json_type_object))
		return policy_fail(err, source, "\"%s\" is not an object", key);
	json_object_object_foreach(map, name, list) {
		size_t n;

		if (!json_object_is_type(list, json_type_array))
			return policy_fail(err, source, "%s[\"%s\"] is not an array", key, name);
		n = json_object_array_length(list);
		for (size_t i = 0; i < n; i++) {
			json_object *v = json_object_array_get_idx(list, i);
			const char *hex = json_object_get_string(v);
			uint8_t d[VIGIL_MAX_DIGEST];
			size_t dlen;
			int algo, rc;

			if (!json_object_is_type(v, json_type_string) ||
			    !parse_digest(hex, strlen(hex), &algo, d, &dlen))
				return policy_fail(err, source, "%s[\"%s\"][%zu] is not a hex digest",
						   key, name, i);
			rc = vigil_refdb_add(db, ns, name, strlen(name), algo, d, dlen, err);
			if (rc != VIGIL_OK)
				return policy_fail(err, source, "%s[\"%s\"][%zu]: bad digest", key,
						   name, i);
		}
	}
	return VIGIL_OK;
}

static int load_strings(json_object *arr, const char *key, const char *source,
			int (*add)(struct vigil_refdb *, const char *, struct vigil_error *),
			struct vigil_refdb *db, struct vigil_error *err)
{
	size_t n;

	if (!json_object_is_type(arr, json_type_array))
		return policy_fail(err, source, "\"%s\" is not an array", key);
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		int rc;

		if (!json_object_is_type(v, json_type_string))
			return policy_fail(err, source, "%s[%zu] is not a string", key, i);
		if ((rc = add(db, json_object_get_string(v), err)) != VIGIL_OK) {
			char inner[VIGIL_ERROR_MSG_MAX];

			snprintf(inner, sizeof(inner), "%s", err ? err->msg : "");
			return vigil_fail(err, rc, "%s: %s[%zu]: %s", source, key, i, inner);
		}
	}
	return VIGIL_OK;
}

static json_object *parse_json(const char *text, size_t len, const char *source,
			       struct vigil_error *err)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj;
	size_t end;

	if (!tok) {
		vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for %s", source);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		policy_fail(err, source, "not JSON at byte %zu: %s", end,
			    e == json_tokener_continue ? "unexpected end" :
			    json_tokener_error_desc(e));
		json_object_put(obj);
		obj = NULL;
	}
	for (; obj && end < len; end++) {
		if (text[end] != ' ' && text[end] != '\n' && text[end] != '\t' && text[end] != '\r') {
			policy_fail(err, source, "trailing data at byte %zu", end);
			json_object_put(obj);
			obj = NULL;
		}
	}
	json_tokener_free(tok);
	return obj;
}

static int add_policy_key(struct vigil_refdb *db, const char *b64, json_object *keyid,
			  const char *source, struct vigil_error *err)
{
	size_t blen = strlen(b64), pad = 0;
	unsigned char *der = malloc(blen / 4 * 3 + 3);
	struct vigil_pubkey *key = NULL;
	int n, rc;

	if (!der)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory");
	n = blen % 4 == 0 ? EVP_DecodeBlock(der, (const unsigned char *)b64, (int)blen) : -1;
	while (pad < 2 && blen > pad && b64[blen - 1 - pad] == '=')
		pad++;
	if (n < 0 || (size_t)n < pad) {
		free(der);
		return policy_fail(err, source, "verification-keys: a public key is not base64");
	}
	rc = vigil_pubkey_load_mem(der, (size_t)n - pad, "verification-keys", &key, err);
	if (rc == VIGIL_OK)
		print_add(db, 'k', der, (size_t)n - pad);
	free(der);
	if (rc != VIGIL_OK || (rc = vigil_keyset_add(db->keys, key, err)) != VIGIL_OK)
		return rc;
	/* Keylime may name a key by another keyid than its own (a certificate's SKID). */
	if (keyid && json_object_is_type(keyid, json_type_int) &&
	    (uint32_t)json_object_get_int64(keyid) != vigil_pubkey_keyid(key)) {
		struct alias *a = realloc(db->aliases, (db->naliases + 1) * sizeof(*a));
		uint32_t id = (uint32_t)json_object_get_int64(keyid);

		if (!a)
			return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory");
		db->aliases = a;
		a[db->naliases++] = (struct alias){ id, key };
		print_add(db, 'a', &id, sizeof(id));
	}
	return VIGIL_OK;
}

const struct vigil_pubkey *vigil_refdb_alias(const struct vigil_refdb *db, uint32_t keyid)
{
	for (size_t i = 0; db && i < db->naliases; i++)
		if (db->aliases[i].keyid == keyid)
			return db->aliases[i].key;
	return NULL;
}

/* One keyring: {"pubkeys": [base64 DER], "keyids": [int]}, or that as a JSON string. */
static int load_keyring(struct vigil_refdb *db, json_object *ring, const char *source,
			struct vigil_error *err)
{
	json_object *parsed = NULL, *keys = NULL, *ids = NULL;
	int rc = VIGIL_OK;

	if (json_object_is_type(ring, json_type_string)) {
		const char *s = json_object_get_string(ring);

		if (!(parsed = parse_json(s, strlen(s), source, err)))
			return VIGIL_ERR_INVALID;
		ring = parsed;
	}
	if (!json_object_is_type(ring, json_type_object) ||
	    !json_object_object_get_ex(ring, "pubkeys", &keys) ||
	    !json_object_is_type(keys, json_type_array))
		rc = policy_fail(err, source, "verification-keys: a keyring without \"pubkeys\"");
	json_object_object_get_ex(ring, "keyids", &ids);
	for (size_t i = 0; rc == VIGIL_OK && i < json_object_array_length(keys); i++) {
		json_object *k = json_object_array_get_idx(keys, i);
		json_object *id = ids && json_object_is_type(ids, json_type_array) ?
				  json_object_array_get_idx(ids, i) : NULL;

		if (!json_object_is_type(k, json_type_string))
			rc = policy_fail(err, source, "verification-keys: a key is not a string");
		else
			rc = add_policy_key(db, json_object_get_string(k), id, source, err);
	}
	json_object_put(parsed);
	return rc;
}

/* A JSON string holding {name: keyring} (Keylime encodes it once or twice), or the object. */
static int load_verification_keys(struct vigil_refdb *db, json_object *v, const char *source,
				  struct vigil_error *err)
{
	json_object *parsed = NULL;
	int rc = VIGIL_OK;

	for (int depth = 0; depth < 2 && json_object_is_type(v, json_type_string); depth++) {
		const char *s = json_object_get_string(v);
		json_object *next;

		if (!*s)
			break;
		if (!(next = parse_json(s, strlen(s), source, err))) {
			json_object_put(parsed);
			return VIGIL_ERR_INVALID;
		}
		json_object_put(parsed);
		parsed = v = next;
	}
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, name, ring) {
			(void)name;
			if ((rc = load_keyring(db, ring, source, err)) != VIGIL_OK)
				break;
		}
	} else if (!json_object_is_type(v, json_type_string) &&
		   !json_object_is_type(v, json_type_null)) {
		rc = policy_fail(err, source, "\"verification-keys\" is neither a string nor an object");
	}
	json_object_put(parsed);
	return rc;
}

static int load_ima_section(struct vigil_refdb *db, json_object *ima, const char *source,
			    struct vigil_error *err)
{
	json_object *v;

	if (!json_object_is_type(ima, json_type_object))
		return policy_fail(err, source, "\"ima\" is not an object");
	if (json_object_object_get_ex(ima, "ignored_keyrings", &v)) {
		int rc = load_strings(v, "ima.ignored_keyrings", source, vigil_refdb_ignore_keyring,
				      db, err);
		if (rc != VIGIL_OK)
			return rc;
	}
	if (json_object_object_get_ex(ima, "log_hash_alg", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	     !vigil_hash_by_name(json_object_get_string(v))))
		return policy_fail(err, source, "ima.log_hash_alg is not a known hash algorithm");
	return VIGIL_OK;
}

static int check_meta(json_object *top, const char *source, struct vigil_error *err)
{
	json_object *meta, *version;

	if (!json_object_object_get_ex(top, "meta", &meta))
		return VIGIL_OK;
	if (!json_object_is_type(meta, json_type_object) ||
	    !json_object_object_get_ex(meta, "version", &version) ||
	    !json_object_is_type(version, json_type_int))
		return policy_fail(err, source, "\"meta\" has no integer \"version\"");
	if (json_object_get_int64(version) != 1)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "%s: runtime policy version %lld (vigil reads version 1)", source,
				  (long long)json_object_get_int64(version));
	return VIGIL_OK;
}

static int load_policy_object(struct vigil_refdb *db, json_object *top, const char *source,
			      struct vigil_error *err)
{
	static const struct { const char *key; int ns; } maps[] = {
		{ "digests", VIGIL_REF_NS_FILES },
		{ "hashes", VIGIL_REF_NS_FILES },
		{ "keyrings", VIGIL_REF_NS_KEYRINGS },
		{ "ima-buf", VIGIL_REF_NS_BUF },
	};
	json_object *v;
	int rc;

	if (!json_object_is_type(top, json_type_object))
		return policy_fail(err, source, "not a JSON object");
	if ((rc = check_meta(top, source, err)) != VIGIL_OK)
		return rc;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (json_object_object_get_ex(top, maps[i].key, &v) && !json_object_is_type(v, json_type_null) &&
		    (rc = load_digest_map(db, v, maps[i].ns, maps[i].key, source, err)) != VIGIL_OK)
			return rc;
	if (json_object_object_get_ex(top, "excludes", &v) &&
	    (rc = load_strings(v, "excludes", source, vigil_refdb_add_exclude, db, err)) != VIGIL_OK)
		return rc;
	if (json_object_object_get_ex(top, "ima", &v) &&
	    (rc = load_ima_section(db, v, source, err)) != VIGIL_OK)
		return rc;
	if (json_object_object_get_ex(top, "verification-keys", &v))
		return load_verification_keys(db, v, source, err);
	return VIGIL_OK;
}

int vigil_refdb_load_policy(struct vigil_refdb *db, const char *json, size_t len,
			    const char *source, struct vigil_error *err)
{
	json_object *top;
	int rc;

	if (len > VIGIL_REF_FILE_MAX || len > INT32_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: more than %u bytes", source,
				  VIGIL_REF_FILE_MAX);
	if (!(top = parse_json(json, len, source, err)))
		return err ? err->code : VIGIL_ERR_INVALID;
	rc = load_policy_object(db, top, source, err);
	json_object_put(top);
	return rc;
}

/* ------------------------------------------------------------------- files */

static int read_file(const char *path, char **out, size_t *len, struct vigil_error *err)
{
	FILE *fp = fopen(path, "re");
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL;
	int rc = VIGIL_OK;

	if (!fp)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot open", path);
	for (;;) {
		char *p;

		if (n == cap || !buf) {
			cap = buf ? cap * 2 : cap;
			if (cap > (size_t)VIGIL_REF_FILE_MAX + 1)
				cap = (size_t)VIGIL_REF_FILE_MAX + 1;
			if (!(p = realloc(buf, cap))) {
				rc = vigil_fail(err, VIGIL_ERR_NOMEM, "%s: out of memory", path);
				break;
			}
			buf = p;
		}
		n += fread(buf + n, 1, cap - n, fp);
		if (ferror(fp)) {
			rc = vigil_fail_errno(err, VIGIL_ERR_IO, "%s: read failed", path);
			break;
		}
		if (n > VIGIL_REF_FILE_MAX) {
			rc = vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: more than %u bytes", path,
					VIGIL_REF_FILE_MAX);
			break;
		}
		if (feof(fp))
			break;
	}
	fclose(fp);
	if (rc != VIGIL_OK) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return VIGIL_OK;
}

int vigil_refdb_load_path(struct vigil_refdb *db, const char *path, bool policy,
			  struct vigil_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_file(path, &text, &len, err);

	if (rc != VIGIL_OK)
		return rc;
	rc = policy ? vigil_refdb_load_policy(db, text, len, path, err) :
		      vigil_refdb_load_sums(db, text, len, path, err);
	free(text);
	return rc;
}
