/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_REFERENCE_H
#define VIGIL_REFERENCE_H

/*
 * Verification of measurement-list entries against references: the
 * signatures the entries carry (ima-sig, ima-sigv2, ima-modsig), checked
 * with trusted keys; allowlists of digests (sha256sum-style files and
 * Keylime runtime policies); and keys measured into the list (ima-buf,
 * KEY_CHECK) that become trusted once an allowlist vouches for them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>
#include <vigil/hash.h>
#include <vigil/key.h>
#include <vigil/mlist.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_REF_FILE_MAX (1u << 30) /* bigger allowlists and policies are refused */

/* ------------------------------------------------------------ reference db */

/* The three kinds of names a runtime policy keys digests by. */
enum vigil_ref_ns {
	VIGIL_REF_NS_FILES = 0, /* file paths ("digests"; sha256sum lines) */
	VIGIL_REF_NS_KEYRINGS,  /* keyring names of KEY_CHECK entries ("keyrings") */
	VIGIL_REF_NS_BUF,       /* names of other ima-buf entries ("ima-buf") */
	VIGIL_REF_NS_COUNT,
};

/* Result of a digest look-up. */
enum vigil_ref_lookup {
	VIGIL_REF_FOUND = 0,    /* the name is listed with this digest */
	VIGIL_REF_UNLISTED,     /* the name is not listed */
	VIGIL_REF_OTHER_DIGEST, /* the name is listed, with other digests only */
};

struct vigil_refdb;

VIGIL_API int vigil_refdb_new(struct vigil_refdb **out, struct vigil_error *err);
VIGIL_API void vigil_refdb_free(struct vigil_refdb *db);

/*
 * A digest for a name.  algo -1 (sha256sum files and Keylime policies carry
 * no algorithm) means the canonical algorithm for the digest's length: md5,
 * sha1, sha224, sha256, sha384 or sha512; other lengths need an algorithm.
 * Spaces in the name become '_', as the kernel stores names.
 */
VIGIL_API int vigil_refdb_add(struct vigil_refdb *db, int ns, const char *name, size_t nlen,
			      int algo, const uint8_t *digest, size_t dlen,
			      struct vigil_error *err);
/*
 * An exclude: a POSIX extended regular expression matched from the start of
 * the name (as Keylime's re.match); "(?:", "\d", "\w" and "\s" outside
 * brackets are translated.
 */
VIGIL_API int vigil_refdb_add_exclude(struct vigil_refdb *db, const char *regex,
				      struct vigil_error *err);
/* Keys measured into this keyring are not checked ("*": any keyring). */
VIGIL_API int vigil_refdb_ignore_keyring(struct vigil_refdb *db, const char *name,
					 struct vigil_error *err);

/*
 * sha256sum-style lines "HEX  PATH" ("HEX *PATH", "algo:HEX  PATH", the
 * "\\" escaped form, and BSD "ALGO (PATH) = HEX").  The algorithm is the
 * prefix's, else any of the hex digest's length.  Blank lines and '#'
 * comments are skipped.  source names the text in messages.
 */
VIGIL_API int vigil_refdb_load_sums(struct vigil_refdb *db, const char *text, size_t len,
				    const char *source, struct vigil_error *err);
/*
 * A Keylime runtime policy (JSON, meta.version 1): digests, excludes,
 * keyrings, ima-buf, ima.ignored_keyrings and verification-keys.
 * "hashes" is read as "digests" (older allowlists).
 */
VIGIL_API int vigil_refdb_load_policy(struct vigil_refdb *db, const char *json, size_t len,
				      const char *source, struct vigil_error *err);
/* Reads a file and loads it as sums or, when policy is set, as a policy. */
VIGIL_API int vigil_refdb_load_path(struct vigil_refdb *db, const char *path, bool policy,
				    struct vigil_error *err);

VIGIL_API int vigil_refdb_lookup(const struct vigil_refdb *db, int ns, const char *name,
				 size_t nlen, int algo, const uint8_t *digest, size_t dlen);
VIGIL_API bool vigil_refdb_has_name(const struct vigil_refdb *db, int ns, const char *name,
				    size_t nlen);
VIGIL_API bool vigil_refdb_excluded(const struct vigil_refdb *db, const char *name, size_t nlen);
VIGIL_API bool vigil_refdb_keyring_ignored(const struct vigil_refdb *db, const char *name,
					   size_t nlen);
/* Digests held in a namespace. */
VIGIL_API size_t vigil_refdb_count(const struct vigil_refdb *db, int ns);
/* The policy's verification-keys (empty set when none). */
VIGIL_API const struct vigil_keyset *vigil_refdb_keys(const struct vigil_refdb *db);
/* SHA-256 over everything loaded, in order: tells one reference set from another. */
VIGIL_API void vigil_refdb_fingerprint(const struct vigil_refdb *db, uint8_t out[32]);

/* ----------------------------------------------------------------- verdicts */

enum vigil_ref_verdict {
	VIGIL_REF_OK = 0,          /* a reference vouches for the entry */
	VIGIL_REF_EXCLUDED,        /* the policy excludes the name (or ignores the keyring) */
	VIGIL_REF_NO_REFERENCE,    /* nothing vouches for the entry */
	VIGIL_REF_DIGEST_MISMATCH, /* the name is listed with other digests, or buf != its digest */
	VIGIL_REF_BAD_SIGNATURE,   /* the signature does not verify (or is malformed) */
	VIGIL_REF_UNKNOWN_KEY,     /* no trusted key has the signature's keyid */
	VIGIL_REF_UNSUPPORTED,     /* a reference vigil cannot check (v1 signature, ...) */
	VIGIL_REF_VIOLATION,       /* a ToMToU or open-writers record: nothing was measured */
	VIGIL_REF_VERDICTS,
};

/* What vouched for an entry (or what failed). */
enum vigil_ref_source {
	VIGIL_REF_SRC_NONE = 0,
	VIGIL_REF_SRC_SIGNATURE,      /* the sig field, a trusted key */
	VIGIL_REF_SRC_MODSIG,         /* the appended (PKCS#7) signature */
	VIGIL_REF_SRC_ALLOWLIST,      /* a file digest listed for the path */
	VIGIL_REF_SRC_KEYRING,        /* a measured key whose digest is listed */
	VIGIL_REF_SRC_BUF,            /* an ima-buf digest listed for the name */
	VIGIL_REF_SRC_TRUSTED_KEY,    /* a measured key that is one of the trusted keys */
	VIGIL_REF_SRC_BOOT_AGGREGATE, /* equal to the boot_aggregate of the given PCRs */
	VIGIL_REF_SRC_EXCLUDE,
};

/* "ok", "excluded", "no-reference", "digest-mismatch", "bad-signature", ... */
VIGIL_API const char *vigil_ref_verdict_name(int verdict);
VIGIL_API const char *vigil_ref_source_name(int source);

/* ------------------------------------------------------------------ checker */

enum vigil_refcheck_flags {
	/* Entries nothing vouches for fail (set it when the allowlist is meant to be complete). */
	VIGIL_REFCHECK_REQUIRE_REFERENCE = 1u << 0,
	/* Violations do not fail. */
	VIGIL_REFCHECK_IGNORE_VIOLATIONS = 1u << 1,
};

struct vigil_ref_result {
	int verdict; /* enum vigil_ref_verdict */
	int source;  /* enum vigil_ref_source */
	bool failed; /* the verdict fails under the checker's flags */
	bool have_keyid;
	uint32_t keyid;   /* the signature's keyid */
	bool key_learned; /* the entry's key became trusted */
	char msg[256];    /* why, for failures and notes */
};

struct vigil_refcheck_stats {
	uint64_t entries;  /* checked, including those of a loaded state */
	uint64_t failures;
	uint64_t verdicts[VIGIL_REF_VERDICTS];
	bool have_first;   /* the first failing entry: */
	uint64_t first_index, first_offset;
	int first_verdict;
	uint64_t learned_keys;
};

struct vigil_refcheck;

/*
 * db and keys (trusted keys) may be NULL; both must outlive the checker.
 * Signatures are checked with keys, the policy's verification-keys and
 * the keys learned from the list.
 */
VIGIL_API int vigil_refcheck_new(const struct vigil_refdb *db, const struct vigil_keyset *keys,
				 unsigned flags, struct vigil_refcheck **out,
				 struct vigil_error *err);
VIGIL_API void vigil_refcheck_free(struct vigil_refcheck *rc);
/* PCRs (copied) against which boot_aggregate entries are checked. */
VIGIL_API void vigil_refcheck_set_pcrs(struct vigil_refcheck *rc, const struct vigil_pcrs *pcrs);

/*
 * Checks one entry; entries must come in list order (learned keys apply to
 * the entries after them).  VIGIL_OK with *res filled, or an error that
 * kept the entry from being checked (memory, OpenSSL).
 */
VIGIL_API int vigil_refcheck_entry(struct vigil_refcheck *rc, const struct vigil_mlist_entry *e,
				   struct vigil_ref_result *res, struct vigil_error *err);
VIGIL_API void vigil_refcheck_get_stats(const struct vigil_refcheck *rc,
					struct vigil_refcheck_stats *out);

/*
 * Saved state (counters and learned keys) to resume a growing list: text
 * with a version, a fingerprint of the references (keys, db, flags) and a
 * SHA-256 checksum.  Loading into a checker built with other references is
 * VIGIL_ERR_MISMATCH.  With buf NULL only *len is set.
 */
VIGIL_API int vigil_refcheck_save(const struct vigil_refcheck *rc, char *buf, size_t cap,
				  size_t *len, struct vigil_error *err);
VIGIL_API int vigil_refcheck_load(struct vigil_refcheck *rc, const char *text, size_t len,
				  struct vigil_error *err);

/*
 * Verifies an appended signature (the PKCS#7 of ima-modsig's modsig
 * field) over digest (its d-modsig): with or without signed attributes,
 * signer found among keys by subject key identifier or issuer and serial.
 */
VIGIL_API int vigil_modsig_verify(const struct vigil_keyset *keys, const uint8_t *pkcs7,
				  size_t len, const struct vigil_digest *digest,
				  const struct vigil_pubkey **used, struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif
