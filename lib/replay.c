/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCR replay of a measurement list: every bank, both ways a kernel may
 * extend a bank (per-bank template digests, or the SHA-1 one zero-padded),
 * comparison with expected PCRs, and a saved state to resume a growing list.
 */
/* The low-level SHA functions are deprecated in OpenSSL 3 but still there; see struct md. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

#include <vigil/mlist.h>
#include "internal.h"

#define PCRS_FILE_MAX (1u << 20)

#if !defined(OPENSSL_NO_DEPRECATED_3_0) && OPENSSL_VERSION_MAJOR < 4
#define FAST_SHA 1
#endif

/*
 * A digest for many small messages.  OpenSSL 3.0 frees and allocates the
 * provider context and looks for an ENGINE on every EVP_DigestInit, which
 * costs more than hashing an entry's hundred bytes; replay hashes several
 * times per entry, so SHA-1 and SHA-2 use the low-level functions.  Other
 * algorithms, and OpenSSL builds without them, go through EVP.
 */
struct md {
	int algo;
	size_t len;
	struct vigil_hash_ctx *evp; /* NULL on the fast path */
#ifdef FAST_SHA
	union {
		SHA_CTX sha1;
		SHA256_CTX sha256;
		SHA512_CTX sha512;
	} c;
#endif
};

struct bank_state {
	struct md md;
	int algo;
	size_t len;
	bool diverged; /* the two variants no longer hold the same values */
	uint8_t pcr[VIGIL_REPLAY_VARIANTS][VIGIL_PCR_COUNT][VIGIL_MAX_DIGEST];
};

struct vigil_replay {
	unsigned flags;
	unsigned nbanks;
	struct bank_state banks[VIGIL_MAX_BANKS];
	struct md check;  /* the list's digest algorithm, when no bank has it */
	bool have_check;
	struct vigil_replay_stats stats;
};

static bool fast_algo(int algo)
{
#ifdef FAST_SHA
	return algo == VIGIL_HASH_SHA1 || algo == VIGIL_HASH_SHA224 || algo == VIGIL_HASH_SHA256 ||
	       algo == VIGIL_HASH_SHA384 || algo == VIGIL_HASH_SHA512;
#else
	(void)algo;
	return false;
#endif
}

static int md_new(struct md *m, int algo, struct vigil_error *err)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);

	memset(m, 0, sizeof(*m));
	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d", algo);
	m->algo = algo;
	m->len = info->digest_len;
	if (fast_algo(algo))
		return VIGIL_OK;
	return vigil_hash_new(algo, &m->evp, err);
}

static void md_free(struct md *m)
{
	vigil_hash_free(m->evp);
	m->evp = NULL;
}

static int md_init(struct md *m, struct vigil_error *err)
{
	if (m->evp)
		return vigil_hash_reset(m->evp, err);
#ifdef FAST_SHA
	switch (m->algo) {
	case VIGIL_HASH_SHA1: SHA1_Init(&m->c.sha1); break;
	case VIGIL_HASH_SHA224: SHA224_Init(&m->c.sha256); break;
	case VIGIL_HASH_SHA256: SHA256_Init(&m->c.sha256); break;
	case VIGIL_HASH_SHA384: SHA384_Init(&m->c.sha512); break;
	default: SHA512_Init(&m->c.sha512); break;
	}
#endif
	return VIGIL_OK;
}

static int md_update(struct md *m, const void *p, size_t len, struct vigil_error *err)
{
	if (m->evp)
		return vigil_hash_update(m->evp, p, len, err);
#ifdef FAST_SHA
	switch (m->algo) {
	case VIGIL_HASH_SHA1: SHA1_Update(&m->c.sha1, p, len); break;
	case VIGIL_HASH_SHA224: SHA224_Update(&m->c.sha256, p, len); break;
	case VIGIL_HASH_SHA256: SHA256_Update(&m->c.sha256, p, len); break;
	case VIGIL_HASH_SHA384: SHA384_Update(&m->c.sha512, p, len); break;
	default: SHA512_Update(&m->c.sha512, p, len); break;
	}
#endif
	return VIGIL_OK;
}

/* Writes m->len bytes to out. */
static int md_final(struct md *m, uint8_t *out, struct vigil_error *err)
{
	struct vigil_digest d;
	int rc;

	if (m->evp) {
		if ((rc = vigil_hash_final(m->evp, &d, err)) == VIGIL_OK)
			memcpy(out, d.bytes, m->len);
		return rc;
	}
#ifdef FAST_SHA
	switch (m->algo) {
	case VIGIL_HASH_SHA1: SHA1_Final(out, &m->c.sha1); break;
	case VIGIL_HASH_SHA224: SHA224_Final(out, &m->c.sha256); break;
	case VIGIL_HASH_SHA256: SHA256_Final(out, &m->c.sha256); break;
	case VIGIL_HASH_SHA384: SHA384_Final(out, &m->c.sha512); break;
	default: SHA512_Final(out, &m->c.sha512); break;
	}
#endif
	return VIGIL_OK;
}

/* H over the bytes the kernel hashes for the template digest. */
static int md_template(struct md *m, const struct vigil_mlist_entry *e, uint8_t *out,
		       struct vigil_error *err)
{
	struct vigil_field parts[3];
	unsigned n = vigil_mlist_template_parts(e, parts);
	int rc = md_init(m, err);

	for (unsigned i = 0; rc == VIGIL_OK && i < n; i++)
		rc = md_update(m, parts[i].data, parts[i].len, err);
	return rc == VIGIL_OK ? md_final(m, out, err) : rc;
}

/* -------------------------------------------------------------------- PCRs */

void vigil_pcrs_init(struct vigil_pcrs *p)
{
	memset(p, 0, sizeof(*p));
}

const struct vigil_pcr_bank *vigil_pcrs_find(const struct vigil_pcrs *p, int algo)
{
	for (unsigned i = 0; i < p->nbanks; i++)
		if (p->banks[i].algo == algo)
			return &p->banks[i];
	return NULL;
}

struct vigil_pcr_bank *vigil_pcrs_bank(struct vigil_pcrs *p, int algo, bool create)
{
	struct vigil_pcr_bank *b = (struct vigil_pcr_bank *)vigil_pcrs_find(p, algo);

	if (b || !create || p->nbanks == VIGIL_MAX_BANKS || !vigil_hash_by_id(algo))
		return b;
	b = &p->banks[p->nbanks++];
	memset(b, 0, sizeof(*b));
	b->algo = algo;
	return b;
}

/* Hex digits, spaces allowed between bytes (sysfs pcrs); returns bytes or -1. */
static long parse_hex_spaced(const char *s, size_t len, uint8_t *out, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		int hi, lo;

		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (i + 1 >= len || n == max)
			return -1;
		hi = vigil_hex_digit(s[i]);
		lo = vigil_hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return (long)n;
}

static bool parse_uint(const char *s, size_t len, unsigned long long max, unsigned long long *v)
{
	*v = 0;
	if (len == 0 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || d > max || *v > (max - d) / 10)
			return false;
		*v = *v * 10 + d;
	}
	return true;
}

/* PCR indexes may be written "07" in PCR-NN lines. */
static bool parse_index(const char *s, size_t len, unsigned *idx)
{
	unsigned long long v;

	while (len > 1 && s[0] == '0') {
		s++;
		len--;
	}
	if (!parse_uint(s, len, VIGIL_PCR_COUNT - 1, &v))
		return false;
	*idx = (unsigned)v;
	return true;
}

static int infer_algo(size_t len)
{
	switch (len) {
	case 20: return VIGIL_HASH_SHA1;
	case 32: return VIGIL_HASH_SHA256;
	case 48: return VIGIL_HASH_SHA384;
	case 64: return VIGIL_HASH_SHA512;
	}
	return -1;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r'))
		(*len)--;
}

struct pcr_parse {
	struct vigil_pcrs *pcrs;
	int algo;      /* from the caller, -1 to infer */
	int yaml_bank; /* current "sha256:" section, -1 */
	unsigned line;
};

static int store_pcr(struct pcr_parse *pp, int algo, unsigned idx, const uint8_t *v, size_t len,
		     struct vigil_error *err)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);
	struct vigil_pcr_bank *b;

	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "line %u: no bank has %zu-byte digests (name the bank)", pp->line, len);
	if (info->digest_len != len)
		return vigil_fail(err, VIGIL_ERR_INVALID, "line %u: %zu bytes for a %s PCR", pp->line,
				  len, info->name);
	b = vigil_pcrs_bank(pp->pcrs, algo, true);
	if (!b)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "line %u: more than %d banks", pp->line,
				  VIGIL_MAX_BANKS);
	memcpy(b->pcr[idx], v, len);
	b->valid |= 1u << idx;
	return VIGIL_OK;
}

/* "PCR-NN: HEX" */
static int parse_pcr_line(struct pcr_parse *pp, const char *s, size_t len, struct vigil_error *err)
{
	const char *colon = memchr(s, ':', len);
	uint8_t v[VIGIL_MAX_DIGEST];
	unsigned idx;
	long n;

	if (!colon || !parse_index(s + 4, (size_t)(colon - s) - 4, &idx))
		return vigil_fail(err, VIGIL_ERR_INVALID, "line %u: bad PCR index", pp->line);
	n = parse_hex_spaced(colon + 1, len - (size_t)(colon + 1 - s), v, sizeof(v));
	if (n <= 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "line %u: bad PCR value", pp->line);
	return store_pcr(pp, pp->algo >= 0 ? pp->algo : infer_algo((size_t)n), idx, v, (size_t)n,
			 err);
}

/* tpm2_pcrread: "sha256:" starts a bank, "  10 : 0xHEX" gives a PCR. */
static int parse_yaml_line(struct pcr_parse *pp, const char *s, size_t len, struct vigil_error *err)
{
	const char *colon = memchr(s, ':', len);
	const char *v;
	uint8_t buf[VIGIL_MAX_DIGEST];
	size_t klen, vlen;
	unsigned idx;
	long n;

	if (!colon)
		return vigil_fail(err, VIGIL_ERR_INVALID, "line %u: not a PCR line", pp->line);
	klen = (size_t)(colon - s);
	v = colon + 1;
	vlen = len - klen - 1;
	trim(&s, &klen);
	trim(&v, &vlen);
	if (vlen == 0) {
		char name[32];
		const struct vigil_hash_info *info;

		if (klen == 4 && memcmp(s, "pcrs", 4) == 0)
			return VIGIL_OK;
		snprintf(name, sizeof(name), "%.*s", (int)(klen < 31 ? klen : 31), s);
		info = klen < 31 ? vigil_hash_by_name(name) : NULL;
		if (!info)
			return vigil_fail(err, VIGIL_ERR_INVALID, "line %u: unknown bank \"%s\"",
					  pp->line, name);
		pp->yaml_bank = info->id;
		return VIGIL_OK;
	}
	if (pp->yaml_bank < 0 || !parse_index(s, klen, &idx))
		return vigil_fail(err, VIGIL_ERR_INVALID, "line %u: not a PCR line", pp->line);
	if (vlen > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		v += 2;
		vlen -= 2;
	}
	n = parse_hex_spaced(v, vlen, buf, sizeof(buf));
	if (n <= 0)
		return vigil_fail(err, VIGIL_ERR_INVALID, "line %u: bad PCR value", pp->line);
	return store_pcr(pp, pp->yaml_bank, idx, buf, (size_t)n, err);
}

int vigil_pcrs_parse(struct vigil_pcrs *p, const char *text, size_t len, int algo,
		     struct vigil_error *err)
{
	struct pcr_parse pp = { p, algo, -1, 0 };
	size_t pos = 0;

	if (algo >= 0 && !vigil_hash_by_id(algo))
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d", algo);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		const char *s = text + pos;
		size_t l = (nl ? (size_t)(nl - s) : len - pos);
		int rc = VIGIL_OK;

		pos += l + 1;
		pp.line++;
		trim(&s, &l);
		if (l == 0 || s[0] == '#')
			continue;
		if (memchr(s, '\0', l))
			return vigil_fail(err, VIGIL_ERR_INVALID, "line %u: NUL byte", pp.line);
		if (l > 4 && memcmp(s, "PCR-", 4) == 0)
			rc = parse_pcr_line(&pp, s, l, err);
		else
			rc = parse_yaml_line(&pp, s, l, err);
		if (rc != VIGIL_OK)
			return rc;
	}
	return VIGIL_OK;
}

int vigil_pcrs_load(struct vigil_pcrs *p, const char *path, int algo, struct vigil_error *err)
{
	FILE *fp = fopen(path, "re");
	char *buf;
	size_t n;
	int rc;

	if (!fp)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot open", path);
	buf = malloc(PCRS_FILE_MAX + 1);
	if (!buf) {
		fclose(fp);
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for %s", path);
	}
	n = fread(buf, 1, PCRS_FILE_MAX + 1, fp);
	if (ferror(fp))
		rc = vigil_fail_errno(err, VIGIL_ERR_IO, "%s: read failed", path);
	else if (n > PCRS_FILE_MAX)
		rc = vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: more than %u bytes", path, PCRS_FILE_MAX);
	else if ((rc = vigil_pcrs_parse(p, buf, n, algo, err)) != VIGIL_OK) {
		char inner[VIGIL_ERROR_MSG_MAX];

		snprintf(inner, sizeof(inner), "%s", err ? err->msg : "");
		vigil_fail(err, rc, "%s: %s", path, inner);
	}
	free(buf);
	fclose(fp);
	return rc;
}

/* ------------------------------------------------------------------ replay */

static int bank_init(struct bank_state *b, int algo, struct vigil_error *err)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(algo);

	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d", algo);
	if (!vigil_hash_available(algo))
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "unsupported hash algorithm %s: not provided by OpenSSL", info->name);
	b->algo = algo;
	b->len = info->digest_len;
	return md_new(&b->md, algo, err);
}

int vigil_replay_new(const int *algos, size_t nalgos, unsigned flags, struct vigil_replay **out,
		     struct vigil_error *err)
{
	struct vigil_replay *rp;
	int rc;

	*out = NULL;
	if (nalgos == 0 || nalgos > VIGIL_MAX_BANKS)
		return vigil_fail(err, VIGIL_ERR_INVALID, "replay needs 1 to %d banks, not %zu",
				  VIGIL_MAX_BANKS, nalgos);
	if ((flags & VIGIL_REPLAY_PER_BANK_ONLY) && (flags & VIGIL_REPLAY_PADDED_ONLY))
		return vigil_fail(err, VIGIL_ERR_INVALID, "per-bank-only and padded-only exclude each other");
	rp = calloc(1, sizeof(*rp));
	if (!rp)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for a replay");
	rp->flags = flags;
	rp->stats.list_digest_algo = -1;
	for (size_t i = 0; i < nalgos; i++) {
		struct bank_state *b = &rp->banks[i];

		for (size_t j = 0; j < i; j++)
			if (rp->banks[j].algo == algos[i]) {
				vigil_replay_free(rp);
				return vigil_fail(err, VIGIL_ERR_INVALID, "bank %s given twice",
						  vigil_hash_by_id(algos[i])->name);
			}
		if ((rc = bank_init(b, algos[i], err)) != VIGIL_OK) {
			vigil_replay_free(rp);
			return rc;
		}
		rp->nbanks++;
	}
	*out = rp;
	return VIGIL_OK;
}

void vigil_replay_free(struct vigil_replay *rp)
{
	if (!rp)
		return;
	for (unsigned i = 0; i < rp->nbanks; i++)
		md_free(&rp->banks[i].md);
	md_free(&rp->check);
	free(rp);
}

void vigil_replay_get_stats(const struct vigil_replay *rp, struct vigil_replay_stats *out)
{
	*out = rp->stats;
}

void vigil_replay_pcrs(const struct vigil_replay *rp, int variant, struct vigil_pcrs *out)
{
	vigil_pcrs_init(out);
	if (variant < 0 || variant >= VIGIL_REPLAY_VARIANTS)
		return;
	for (unsigned i = 0; i < rp->nbanks; i++) {
		struct vigil_pcr_bank *b = vigil_pcrs_bank(out, rp->banks[i].algo, true);

		if (!b)
			continue;
		memcpy(b->pcr, rp->banks[i].pcr[variant], sizeof(b->pcr));
		b->valid = rp->stats.pcr_mask;
	}
}

/* PCR = H(PCR || digest), both of the bank's size. */
static int extend(struct bank_state *b, uint8_t *pcr, const uint8_t *digest,
		  struct vigil_error *err)
{
	int rc = md_init(&b->md, err);

	if (rc == VIGIL_OK)
		rc = md_update(&b->md, pcr, b->len, err);
	if (rc == VIGIL_OK)
		rc = md_update(&b->md, digest, b->len, err);
	if (rc == VIGIL_OK)
		rc = md_final(&b->md, pcr, err);
	return rc;
}

/* Extends both variants; once while they still hold the same values and digests. */
static int extend_both(struct bank_state *b, unsigned idx, const uint8_t *per, const uint8_t *pad,
		       struct vigil_error *err)
{
	int rc;

	if (!b->diverged && memcmp(per, pad, b->len) == 0) {
		rc = extend(b, b->pcr[VIGIL_REPLAY_PER_BANK][idx], per, err);
		memcpy(b->pcr[VIGIL_REPLAY_PADDED][idx], b->pcr[VIGIL_REPLAY_PER_BANK][idx], b->len);
		return rc;
	}
	b->diverged = true;
	rc = extend(b, b->pcr[VIGIL_REPLAY_PER_BANK][idx], per, err);
	if (rc == VIGIL_OK)
		rc = extend(b, b->pcr[VIGIL_REPLAY_PADDED][idx], pad, err);
	return rc;
}

static int entry_error(const struct vigil_mlist_entry *e, int code, const char *what,
		       struct vigil_error *err)
{
	return vigil_fail(err, code, "entry %llu at offset %llu: %s", (unsigned long long)e->index,
			  (unsigned long long)e->offset, what);
}

static int check_order(struct vigil_replay *rp, const struct vigil_mlist_entry *e,
		       struct vigil_error *err)
{
	char what[160];

	if (e->pcr >= VIGIL_PCR_COUNT) {
		snprintf(what, sizeof(what), "PCR %u is out of range (0-%d)", e->pcr,
			 VIGIL_PCR_COUNT - 1);
		return entry_error(e, VIGIL_ERR_INVALID, what, err);
	}
	if (e->index != rp->stats.next_index || e->offset != rp->stats.next_offset) {
		snprintf(what, sizeof(what), "does not follow the replayed entries (next is %llu at offset %llu)",
			 (unsigned long long)rp->stats.next_index,
			 (unsigned long long)rp->stats.next_offset);
		return entry_error(e, VIGIL_ERR_INVALID, what, err);
	}
	if (rp->stats.list_digest_algo >= 0 && rp->stats.list_digest_algo != e->digest_algo)
		return entry_error(e, VIGIL_ERR_INVALID,
				   "template digest algorithm differs from the replayed entries", err);
	return VIGIL_OK;
}

static int extend_violation(struct vigil_replay *rp, const struct vigil_mlist_entry *e,
			    struct vigil_error *err)
{
	uint8_t v[VIGIL_MAX_DIGEST];

	/* The kernel extends 0xFF; evmctl without --ignore-violations zeros. */
	memset(v, (rp->flags & VIGIL_REPLAY_ZERO_VIOLATIONS) ? 0x00 : 0xff, sizeof(v));
	for (unsigned i = 0; i < rp->nbanks; i++) {
		int rc = extend_both(&rp->banks[i], e->pcr, v, v, err);

		if (rc != VIGIL_OK)
			return rc;
	}
	return VIGIL_OK;
}

static int check_digest(struct vigil_replay *rp, const struct vigil_mlist_entry *e,
			const uint8_t *computed, struct vigil_error *err)
{
	uint8_t d[VIGIL_MAX_DIGEST];
	int rc;

	if (!computed) {
		if (!rp->have_check) {
			if ((rc = md_new(&rp->check, e->digest_algo, err)) != VIGIL_OK)
				return rc;
			rp->have_check = true;
		}
		if ((rc = md_template(&rp->check, e, d, err)) != VIGIL_OK)
			return rc;
		computed = d;
	}
	if (memcmp(computed, e->digest, e->digest_len) == 0)
		return VIGIL_OK;
	/* The slow path also accepts a padded SHA-1 digest in a per-bank file. */
	rc = vigil_mlist_check_digest(e, err);
	if (rc == VIGIL_ERR_MISMATCH)
		rp->stats.digest_mismatches++;
	return rc;
}

/*
 * Extends a measured entry into every bank.  The bank of the stored
 * digest's algorithm yields H(template data) for the digest check.
 */
static int extend_entry(struct vigil_replay *rp, const struct vigil_mlist_entry *e,
			uint8_t *computed, bool *have, struct vigil_error *err)
{
	for (unsigned i = 0; i < rp->nbanks; i++) {
		struct bank_state *b = &rp->banks[i];
		uint8_t pad[VIGIL_MAX_DIGEST] = { 0 }, d[VIGIL_MAX_DIGEST];
		int rc;

		memcpy(pad, e->digest, e->digest_len <= b->len ? e->digest_len : 0);
		if (rp->flags & VIGIL_REPLAY_PADDED_ONLY) {
			rc = extend_both(b, e->pcr, pad, pad, err);
		} else {
			if ((rc = md_template(&b->md, e, d, err)) != VIGIL_OK)
				return rc;
			/* A stored digest longer than the bank cannot be padded into it. */
			if ((rp->flags & VIGIL_REPLAY_PER_BANK_ONLY) || e->digest_len > b->len)
				memcpy(pad, d, b->len);
			rc = extend_both(b, e->pcr, d, pad, err);
			if (b->algo == e->digest_algo) {
				memcpy(computed, d, b->len);
				*have = true;
			}
		}
		if (rc != VIGIL_OK)
			return rc;
	}
	return VIGIL_OK;
}

int vigil_replay_extend(struct vigil_replay *rp, const struct vigil_mlist_entry *e,
			struct vigil_error *err)
{
	uint8_t computed[VIGIL_MAX_DIGEST];
	bool have = false;
	int rc;

	if ((rc = check_order(rp, e, err)) != VIGIL_OK)
		return rc;
	if (e->violation)
		rc = extend_violation(rp, e, err);
	else
		rc = extend_entry(rp, e, computed, &have, err);
	if (rc != VIGIL_OK)
		return rc;
	rp->stats.list_digest_algo = e->digest_algo;
	rp->stats.entries++;
	rp->stats.violations += e->violation;
	rp->stats.pcr_mask |= 1u << e->pcr;
	rp->stats.next_index = e->index + 1;
	rp->stats.next_offset = e->offset + e->size;
	if (e->violation || !(rp->flags & VIGIL_REPLAY_CHECK_DIGESTS))
		return VIGIL_OK;
	return check_digest(rp, e, have ? computed : NULL, err);
}

/* ----------------------------------------------------------------- compare */

static uint32_t differing(const struct bank_state *b, int variant, const struct vigil_pcr_bank *x,
			  uint32_t mask)
{
	uint32_t diff = 0;

	for (unsigned i = 0; i < VIGIL_PCR_COUNT; i++)
		if ((mask & (1u << i)) && memcmp(b->pcr[variant][i], x->pcr[i], b->len) != 0)
			diff |= 1u << i;
	return diff;
}

static void compare_bank(const struct vigil_replay *rp, const struct bank_state *b,
			 const struct vigil_pcrs *expected, struct vigil_replay_bank_result *r)
{
	const struct vigil_pcr_bank *x = vigil_pcrs_find(expected, b->algo);
	uint32_t mask = rp->stats.pcr_mask, per, pad;

	r->algo = b->algo;
	r->status = VIGIL_BANK_UNCHECKED;
	r->variant = -1;
	r->mismatch_mask = 0;
	if (!x || mask == 0 || (x->valid & mask) != mask)
		return;
	per = differing(b, VIGIL_REPLAY_PER_BANK, x, mask);
	pad = differing(b, VIGIL_REPLAY_PADDED, x, mask);
	r->status = VIGIL_BANK_MATCH;
	if (per == 0)
		r->variant = VIGIL_REPLAY_PER_BANK;
	else if (pad == 0)
		r->variant = VIGIL_REPLAY_PADDED;
	else {
		r->status = VIGIL_BANK_MISMATCH;
		/* PCRs that match in neither; else (mixed) those of the per-bank variant. */
		r->mismatch_mask = (per & pad) ? (per & pad) : per;
	}
}

static int mismatch_error(const struct vigil_replay *rp, const struct bank_state *b,
			  const struct vigil_replay_bank_result *r, const struct vigil_pcrs *expected,
			  struct vigil_error *err)
{
	const struct vigil_pcr_bank *x = vigil_pcrs_find(expected, b->algo);
	char per[2 * VIGIL_MAX_DIGEST + 1], pad[2 * VIGIL_MAX_DIGEST + 1], want[2 * VIGIL_MAX_DIGEST + 1];
	unsigned idx = (unsigned)__builtin_ctz(r->mismatch_mask);

	(void)rp;
	vigil_hex(b->pcr[VIGIL_REPLAY_PER_BANK][idx], b->len, per);
	vigil_hex(b->pcr[VIGIL_REPLAY_PADDED][idx], b->len, pad);
	vigil_hex(x->pcr[idx], b->len, want);
	return vigil_fail(err, VIGIL_ERR_MISMATCH,
			  "%s PCR %u: replayed %s (per-bank) / %s (padded), expected %s",
			  vigil_hash_by_id(b->algo)->name, idx, per, pad, want);
}

int vigil_replay_compare(const struct vigil_replay *rp, const struct vigil_pcrs *expected,
			 struct vigil_replay_result *res, struct vigil_error *err)
{
	struct vigil_replay_result local;
	int first_bad = -1;
	unsigned checked = 0;

	if (!res)
		res = &local;
	res->nbanks = rp->nbanks;
	for (unsigned i = 0; i < rp->nbanks; i++) {
		compare_bank(rp, &rp->banks[i], expected, &res->banks[i]);
		if (res->banks[i].status != VIGIL_BANK_UNCHECKED)
			checked++;
		if (res->banks[i].status == VIGIL_BANK_MISMATCH && first_bad < 0)
			first_bad = (int)i;
	}
	if (first_bad >= 0)
		return mismatch_error(rp, &rp->banks[first_bad], &res->banks[first_bad], expected, err);
	if (checked == 0)
		return vigil_fail(err, VIGIL_ERR_NO_DATA,
				  "no expected values for the PCRs of the replayed banks");
	return VIGIL_OK;
}

/* ------------------------------------------------------------- saved state */

/*
 * A text state, one item a line, in a fixed order.  The trailing SHA-256
 * catches truncation and corruption; it is no protection against someone
 * who can rewrite the file (keep it where only the verifier writes).
 */
#define STATE_MAGIC "vigil-replay-state 1"
#define STATE_MAX (64u * 1024)
#define KNOWN_FLAGS (VIGIL_REPLAY_CHECK_DIGESTS | VIGIL_REPLAY_ZERO_VIOLATIONS | \
		     VIGIL_REPLAY_PER_BANK_ONLY | VIGIL_REPLAY_PADDED_ONLY)

struct text {
	char *buf;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - t->len - 1;
}

static void put_hex(struct text *t, const uint8_t *p, size_t len)
{
	char hex[2 * VIGIL_MAX_DIGEST + 1];

	vigil_hex(p, len, hex);
	put(t, "%s", hex);
}

static void put_bank(struct text *t, const struct bank_state *b, uint32_t mask)
{
	put(t, "bank %s %d\n", vigil_hash_by_id(b->algo)->name, b->diverged ? 1 : 0);
	for (unsigned i = 0; i < VIGIL_PCR_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		put(t, "pcr %u ", i);
		put_hex(t, b->pcr[VIGIL_REPLAY_PER_BANK][i], b->len);
		put(t, " ");
		put_hex(t, b->pcr[VIGIL_REPLAY_PADDED][i], b->len);
		put(t, "\n");
	}
}

static int checksum(const char *text, size_t len, char hex[2 * 32 + 1], struct vigil_error *err)
{
	struct vigil_digest d;
	int rc = vigil_hash_buf(VIGIL_HASH_SHA256, text, len, &d, err);

	if (rc == VIGIL_OK)
		vigil_hex(d.bytes, d.len, hex);
	return rc;
}

int vigil_replay_save(const struct vigil_replay *rp, char *buf, size_t cap, size_t *len,
		      struct vigil_error *err)
{
	const struct vigil_replay_stats *s = &rp->stats;
	struct text t = { malloc(STATE_MAX), 0, STATE_MAX };
	char sum[2 * 32 + 1];
	int rc;

	if (!t.buf)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for the replay state");
	put(&t, STATE_MAGIC "\nflags %u\nlist-digest %s\n", rp->flags,
	    s->list_digest_algo >= 0 ? vigil_hash_by_id(s->list_digest_algo)->name : "none");
	put(&t, "entries %llu\nviolations %llu\ndigest-mismatches %llu\n",
	    (unsigned long long)s->entries, (unsigned long long)s->violations,
	    (unsigned long long)s->digest_mismatches);
	put(&t, "next-index %llu\nnext-offset %llu\npcr-mask %08x\nbanks %u\n",
	    (unsigned long long)s->next_index, (unsigned long long)s->next_offset, s->pcr_mask,
	    rp->nbanks);
	for (unsigned i = 0; i < rp->nbanks; i++)
		put_bank(&t, &rp->banks[i], s->pcr_mask);
	if ((rc = checksum(t.buf, t.len, sum, err)) == VIGIL_OK) {
		put(&t, "checksum sha256 %s\n", sum);
		*len = t.len;
		if (buf && cap <= t.len)
			rc = vigil_fail(err, VIGIL_ERR_TOO_BIG, "the replay state needs %zu bytes",
					t.len + 1);
		else if (buf)
			memcpy(buf, t.buf, t.len + 1);
	}
	free(t.buf);
	return rc;
}

struct cursor {
	const char *p, *end;
	unsigned line;
};

/* The next line, without its '\n'; every line must end with one. */
static bool next_line(struct cursor *c, const char **s, size_t *len)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));

	if (!nl)
		return false;
	*s = c->p;
	*len = (size_t)(nl - c->p);
	c->p = nl + 1;
	c->line++;
	return true;
}

/* "key value" with nothing else: *v points at value. */
static bool keyed(struct cursor *c, const char *key, const char **v, size_t *vlen)
{
	size_t klen = strlen(key), len;
	const char *s;

	if (!next_line(c, &s, &len) || len <= klen + 1 || memcmp(s, key, klen) != 0 ||
	    s[klen] != ' ')
		return false;
	*v = s + klen + 1;
	*vlen = len - klen - 1;
	return true;
}

static bool keyed_u64(struct cursor *c, const char *key, uint64_t *out)
{
	unsigned long long v;
	const char *s;
	size_t len;

	if (!keyed(c, key, &s, &len) || !parse_uint(s, len, UINT64_MAX, &v))
		return false;
	*out = v;
	return true;
}

/* Exactly 2*len lower-case hex digits. */
static bool strict_hex(const char *s, size_t slen, uint8_t *out, size_t len)
{
	if (slen != 2 * len)
		return false;
	for (size_t i = 0; i < slen; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return parse_hex_spaced(s, slen, out, len) == (long)len;
}

static bool parse_algo(const char *s, size_t len, int *algo)
{
	char name[32];
	const struct vigil_hash_info *info;

	if (len == 0 || len >= sizeof(name))
		return false;
	memcpy(name, s, len);
	name[len] = '\0';
	info = vigil_hash_by_name(name);
	if (!info || strcmp(info->name, name) != 0)
		return false;
	*algo = info->id;
	return true;
}

static bool parse_pcr_state(struct cursor *c, struct bank_state *b, unsigned idx)
{
	char prefix[16];
	const char *s;
	size_t len, plen = (size_t)snprintf(prefix, sizeof(prefix), "pcr %u ", idx);

	if (!next_line(c, &s, &len) || len != plen + 4 * b->len + 1 || memcmp(s, prefix, plen) != 0 ||
	    s[plen + 2 * b->len] != ' ')
		return false;
	return strict_hex(s + plen, 2 * b->len, b->pcr[VIGIL_REPLAY_PER_BANK][idx], b->len) &&
	       strict_hex(s + plen + 2 * b->len + 1, 2 * b->len, b->pcr[VIGIL_REPLAY_PADDED][idx],
			  b->len);
}

/* "bank NAME 0|1" */
static bool parse_bank_head(struct cursor *c, int *algo, bool *diverged)
{
	const char *s, *sp;
	size_t len;

	if (!keyed(c, "bank", &s, &len) || !(sp = memchr(s, ' ', len)) ||
	    (size_t)(sp - s) + 2 != len || (sp[1] != '0' && sp[1] != '1'))
		return false;
	*diverged = sp[1] == '1';
	return parse_algo(s, (size_t)(sp - s), algo);
}

static int state_fail(const struct cursor *c, const char *what, struct vigil_error *err)
{
	return vigil_fail(err, VIGIL_ERR_INVALID, "replay state line %u: %s", c->line, what);
}

static int parse_header(struct cursor *c, unsigned *flags, struct vigil_replay_stats *s,
			unsigned *nbanks, struct vigil_error *err)
{
	const char *v;
	size_t len;
	uint64_t n;
	uint8_t mask[4];

	if (!next_line(c, &v, &len) || len != strlen(STATE_MAGIC) || memcmp(v, STATE_MAGIC, len))
		return state_fail(c, "not a vigil replay state of version 1", err);
	if (!keyed_u64(c, "flags", &n) || (n & ~(uint64_t)KNOWN_FLAGS) ||
	    ((n & VIGIL_REPLAY_PER_BANK_ONLY) && (n & VIGIL_REPLAY_PADDED_ONLY)))
		return state_fail(c, "bad flags", err);
	*flags = (unsigned)n;
	if (!keyed(c, "list-digest", &v, &len))
		return state_fail(c, "bad list-digest", err);
	s->list_digest_algo = -1;
	if (!(len == 4 && memcmp(v, "none", 4) == 0) && !parse_algo(v, len, &s->list_digest_algo))
		return state_fail(c, "bad list-digest", err);
	if (!keyed_u64(c, "entries", &s->entries) || !keyed_u64(c, "violations", &s->violations) ||
	    !keyed_u64(c, "digest-mismatches", &s->digest_mismatches) ||
	    !keyed_u64(c, "next-index", &s->next_index) ||
	    !keyed_u64(c, "next-offset", &s->next_offset))
		return state_fail(c, "bad counter", err);
	if (!keyed(c, "pcr-mask", &v, &len) || !strict_hex(v, len, mask, 4))
		return state_fail(c, "bad pcr-mask", err);
	s->pcr_mask = vigil_get_be32(mask);
	if (!keyed_u64(c, "banks", &n) || n == 0 || n > VIGIL_MAX_BANKS)
		return state_fail(c, "bad bank count", err);
	*nbanks = (unsigned)n;
	return VIGIL_OK;
}

/* The counters must describe a replay that could have happened. */
static bool consistent(const struct vigil_replay_stats *s)
{
	if (s->pcr_mask >> VIGIL_PCR_COUNT)
		return false;
	if (s->next_index != s->entries || s->violations > s->entries ||
	    s->digest_mismatches > s->entries)
		return false;
	if (s->entries == 0)
		return s->next_offset == 0 && s->pcr_mask == 0 && s->list_digest_algo < 0;
	return s->pcr_mask != 0 && s->list_digest_algo >= 0 && s->next_offset >= s->entries;
}

static int parse_banks(struct cursor *c, struct vigil_replay *rp, unsigned nbanks,
		       struct vigil_error *err)
{
	for (unsigned i = 0; i < nbanks; i++) {
		int algo, rc;
		bool diverged;
		struct bank_state *b = &rp->banks[i];

		if (!parse_bank_head(c, &algo, &diverged))
			return state_fail(c, "bad bank line", err);
		for (unsigned j = 0; j < i; j++)
			if (rp->banks[j].algo == algo)
				return state_fail(c, "bank given twice", err);
		if ((rc = bank_init(b, algo, err)) != VIGIL_OK)
			return rc;
		b->diverged = diverged;
		rp->nbanks++;
		for (unsigned k = 0; k < VIGIL_PCR_COUNT; k++)
			if ((rp->stats.pcr_mask & (1u << k)) && !parse_pcr_state(c, b, k))
				return state_fail(c, "bad pcr line", err);
	}
	return VIGIL_OK;
}

/* Verifies the final "checksum sha256 HEX" line; *body_len is what precedes it. */
static int verify_checksum(const char *text, size_t len, size_t *body_len, struct vigil_error *err)
{
	static const char key[] = "checksum sha256 ";
	size_t line = sizeof(key) - 1 + 64 + 1;
	char sum[65];
	int rc;

	if (len < line || text[len - 1] != '\n' || memcmp(text + len - line, key, sizeof(key) - 1) ||
	    (len > line && text[len - line - 1] != '\n'))
		return vigil_fail(err, VIGIL_ERR_INVALID, "replay state: no checksum line at the end");
	*body_len = len - line;
	if ((rc = checksum(text, *body_len, sum, err)) != VIGIL_OK)
		return rc;
	if (memcmp(sum, text + len - 65, 64) != 0)
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "replay state: checksum mismatch (truncated or corrupted)");
	return VIGIL_OK;
}

int vigil_replay_load(const char *text, size_t len, struct vigil_replay **out,
		      struct vigil_error *err)
{
	struct vigil_replay *rp;
	struct cursor c;
	size_t body = 0;
	unsigned nbanks = 0;
	int rc;

	*out = NULL;
	if (len > STATE_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "replay state of %zu bytes is too big", len);
	if (memchr(text, '\0', len))
		return vigil_fail(err, VIGIL_ERR_INVALID, "replay state: NUL byte");
	if ((rc = verify_checksum(text, len, &body, err)) != VIGIL_OK)
		return rc;
	if (!(rp = calloc(1, sizeof(*rp))))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for a replay");
	c = (struct cursor){ text, text + body, 0 };
	rc = parse_header(&c, &rp->flags, &rp->stats, &nbanks, err);
	if (rc == VIGIL_OK && !consistent(&rp->stats))
		rc = state_fail(&c, "inconsistent counters", err);
	if (rc == VIGIL_OK)
		rc = parse_banks(&c, rp, nbanks, err);
	if (rc == VIGIL_OK && c.p != c.end)
		rc = state_fail(&c, "unexpected lines before the checksum", err);
	if (rc != VIGIL_OK) {
		vigil_replay_free(rp);
		return rc;
	}
	*out = rp;
	return VIGIL_OK;
}
