/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_MLIST_H
#define VIGIL_MLIST_H

/*
 * IMA measurement lists: template descriptors, the binary list
 * (binary_runtime_measurements and the per-bank files of kernels >= 6.12),
 * its ascii rendering, and PCR replay.
 *
 * Entries handed out by a reader point into the reader's buffer and stay
 * valid until the next call on that reader.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <vigil/error.h>
#include <vigil/hash.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- templates */

#define VIGIL_TEMPLATE_MAX_FIELDS 15     /* the kernel's IMA_TEMPLATE_NUM_FIELDS_MAX */
#define VIGIL_TEMPLATE_NAME_MAX 255      /* longer template names are refused */
#define VIGIL_IMA_NAME_MAX 255           /* the "ima" template's name limit */
#define VIGIL_MLIST_ENTRY_MAX (1u << 20) /* one entry's template data; more is VIGIL_ERR_TOO_BIG */

enum vigil_field_id {
	VIGIL_FIELD_D,            /* 20-byte digest (16 for md5), no algorithm */
	VIGIL_FIELD_N,            /* name, at most 255 bytes */
	VIGIL_FIELD_D_NG,         /* "algo:" NUL digest */
	VIGIL_FIELD_D_NGV2,       /* "ima:algo:" or "verity:algo:" NUL digest */
	VIGIL_FIELD_N_NG,         /* name with its NUL */
	VIGIL_FIELD_SIG,          /* security.ima signature (0x03/0x06), EVM portable (0x05), or empty */
	VIGIL_FIELD_BUF,          /* raw buffer (keys, critical data, kexec command line) */
	VIGIL_FIELD_D_MODSIG,     /* d-ng shape, or empty */
	VIGIL_FIELD_MODSIG,       /* appended signature (PKCS#7), or empty */
	VIGIL_FIELD_EVMSIG,       /* security.evm portable signature (0x05), or empty */
	VIGIL_FIELD_XATTRNAMES,   /* '|'-separated names */
	VIGIL_FIELD_XATTRLENGTHS, /* u32 per xattr */
	VIGIL_FIELD_XATTRVALUES,  /* raw values */
	VIGIL_FIELD_IUID,         /* unsigned integer, list byte order */
	VIGIL_FIELD_IGID,
	VIGIL_FIELD_IMODE,
	VIGIL_FIELD_COUNT,
};

struct vigil_template {
	char name[VIGIL_TEMPLATE_NAME_MAX + 1]; /* as in the list: builtin name or format string */
	unsigned nfields;
	int fields[VIGIL_TEMPLATE_MAX_FIELDS]; /* enum vigil_field_id */
	/*
	 * Exactly "ima": no template data length, 'd' without a length, 'n'
	 * without its NUL, and a template digest over the name padded to 256.
	 */
	bool legacy;
};

/* Kernel field id ("d-ng") of an enum vigil_field_id; NULL if out of range. */
VIGIL_API const char *vigil_field_name(int id);
/* enum vigil_field_id of a kernel field id, or -1. */
VIGIL_API int vigil_field_by_name(const char *id, size_t len);

/*
 * Resolves a template name as found in a list: a builtin name ("ima-sig"),
 * a builtin's format ("d-ng|n-ng|sig"), or any valid format string (with
 * ima_template_fmt= the format itself is the name).
 * VIGIL_ERR_UNSUPPORTED for an unknown field, VIGIL_ERR_INVALID otherwise.
 */
VIGIL_API int vigil_template_lookup(const char *name, size_t len, struct vigil_template *out,
				    struct vigil_error *err);
/* The builtin template's format string, or NULL when name is not builtin. */
VIGIL_API const char *vigil_template_builtin_fmt(const char *name);

/* ------------------------------------------------------------------ entries */

struct vigil_field {
	int id; /* enum vigil_field_id */
	const uint8_t *data;
	uint32_t len;
};

enum vigil_digest_type {
	VIGIL_DIGEST_TYPE_NONE = 0, /* d, d-ng: no type prefix */
	VIGIL_DIGEST_TYPE_IMA,      /* d-ngv2 "ima:" */
	VIGIL_DIGEST_TYPE_VERITY,   /* d-ngv2 "verity:" */
};

struct vigil_mlist_entry {
	uint64_t index;  /* 0-based position in the list */
	uint64_t offset; /* byte offset of the entry's first byte */
	uint32_t size;   /* bytes the entry takes in the list */
	uint32_t pcr;
	int digest_algo; /* algorithm of the stored template digest */
	size_t digest_len;
	uint8_t digest[VIGIL_MAX_DIGEST];
	bool violation;  /* all-zero template digest */
	bool big_endian; /* integers in the list are big-endian */

	const struct vigil_template *tmpl;
	const char *template_name; /* NUL-terminated */
	const uint8_t *raw;        /* the entry as stored, size bytes */
	const uint8_t *data;       /* template data as stored (for "ima": digest, u32, name) */
	uint32_t data_len;
	unsigned nfields;
	struct vigil_field fields[VIGIL_TEMPLATE_MAX_FIELDS];

	/* Decoded from the fields, for later verification. */
	int file_algo; /* enum vigil_hash_algo of the file digest, -1 without one */
	int digest_type; /* enum vigil_digest_type */
	const uint8_t *file_digest;
	size_t file_digest_len;
	const char *file_name; /* not NUL-terminated for "ima": use file_name_len */
	size_t file_name_len;
	const uint8_t *sig; /* the sig field (may be empty) */
	uint32_t sig_len;
	const uint8_t *buf; /* the buf field (ima-buf) */
	uint32_t buf_len;
};

/* Upper bound of a field's ascii rendering (no NUL). */
VIGIL_API size_t vigil_field_ascii_size(const struct vigil_field *f);
/*
 * A field as the kernel's ascii list shows it: digests "algo:hex", names
 * up to their NUL, integers in decimal, everything else hex.  Writes at most
 * vigil_field_ascii_size() bytes (no NUL); returns the count.
 */
VIGIL_API size_t vigil_field_ascii(const struct vigil_field *f, bool big_endian, char *out);

/* The entry's field of this id, or NULL. */
VIGIL_API const struct vigil_field *vigil_mlist_field(const struct vigil_mlist_entry *e, int id);

/*
 * Splits template data into the template's fields and checks each field's
 * shape; fills the field and decoded members of *e.  Used by the reader;
 * exposed for lists carried in other containers.  The caller sets
 * e->violation first (a zero template digest): only a violation may carry
 * the old kernels' 20-byte zero file digest.
 */
VIGIL_API int vigil_template_decode(const struct vigil_template *t, const uint8_t *data,
				    uint32_t len, bool big_endian, struct vigil_mlist_entry *e,
				    struct vigil_error *err);

/* ------------------------------------------------------------------- reader */

enum vigil_mlist_flags {
	/* Integers are big-endian: a big-endian kernel without ima_canonical_fmt. */
	VIGIL_MLIST_BIG_ENDIAN = 1u << 0,
};

struct vigil_mlist_reader;

/*
 * digest_algo is the algorithm of the stored template digests: sha1 for
 * binary_runtime_measurements, the bank for binary_runtime_measurements_<bank>.
 * A reader from an fd or FILE does not own it; from a path it does.
 */
VIGIL_API int vigil_mlist_reader_fd(int fd, int digest_algo, unsigned flags,
				    struct vigil_mlist_reader **out, struct vigil_error *err);
VIGIL_API int vigil_mlist_reader_file(FILE *fp, int digest_algo, unsigned flags,
				      struct vigil_mlist_reader **out, struct vigil_error *err);
VIGIL_API int vigil_mlist_reader_path(const char *path, int digest_algo, unsigned flags,
				      struct vigil_mlist_reader **out, struct vigil_error *err);
/* buf must outlive the reader; entries point into it (no copy). */
VIGIL_API int vigil_mlist_reader_mem(const void *buf, size_t len, int digest_algo, unsigned flags,
				     struct vigil_mlist_reader **out, struct vigil_error *err);

/*
 * Positions the reader so that the next entry is number index at byte
 * offset (from a saved replay state).  Seeks when it can, reads otherwise.
 */
VIGIL_API int vigil_mlist_reader_seek(struct vigil_mlist_reader *r, uint64_t offset, uint64_t index,
				      struct vigil_error *err);

/*
 * Reads the next entry: 1 with *e filled, 0 at the end of the list, a
 * negative status on malformed input, with a message naming the entry's
 * index and byte offset.  After an error the reader stays failed.  After
 * 0, a later call on an fd or FILE reader reads again (a growing list).
 */
VIGIL_API int vigil_mlist_next(struct vigil_mlist_reader *r, struct vigil_mlist_entry *e,
			       struct vigil_error *err);

/* Index and byte offset of the next entry to be read. */
VIGIL_API uint64_t vigil_mlist_reader_index(const struct vigil_mlist_reader *r);
VIGIL_API uint64_t vigil_mlist_reader_offset(const struct vigil_mlist_reader *r);
VIGIL_API void vigil_mlist_reader_free(struct vigil_mlist_reader *r);

/* ----------------------------------------------------- digests, ascii, writer */

/*
 * The byte ranges the kernel hashes into the template digest, in order:
 * the template data, or for "ima" the digest, the name and the zeros that
 * pad it to 256 bytes.  Returns how many (at most 3); ids are -1.
 */
VIGIL_API unsigned vigil_mlist_template_parts(const struct vigil_mlist_entry *e,
					      struct vigil_field parts[3]);
/*
 * H_algo over the template data as the kernel hashes it (for "ima": digest
 * and name zero-padded to 256 bytes, without lengths).  ctx is a reusable
 * context of the wanted algorithm; it is reset here.
 */
VIGIL_API int vigil_mlist_template_hash(const struct vigil_mlist_entry *e,
					struct vigil_hash_ctx *ctx, struct vigil_digest *out,
					struct vigil_error *err);
/* As above, one shot. */
VIGIL_API int vigil_mlist_template_digest(const struct vigil_mlist_entry *e, int algo,
					  struct vigil_digest *out, struct vigil_error *err);
/*
 * Checks the stored template digest against the template data: equal to
 * H(data) with the stored digest's algorithm, or (per-bank files) the SHA-1
 * digest zero-padded.  Violations pass.  VIGIL_ERR_MISMATCH names the entry.
 */
VIGIL_API int vigil_mlist_check_digest(const struct vigil_mlist_entry *e,
				       struct vigil_error *err);

/* Upper bound of the ascii line's size, newline and NUL included. */
VIGIL_API size_t vigil_mlist_ascii_size(const struct vigil_mlist_entry *e);
/*
 * The entry as the kernel's ascii_runtime_measurements line, newline
 * included, NUL-terminated; *len excludes the NUL.  VIGIL_ERR_TOO_BIG if cap
 * is short.
 */
VIGIL_API int vigil_mlist_ascii(const struct vigil_mlist_entry *e, char *buf, size_t cap,
				size_t *len, struct vigil_error *err);
/* Streams the same line to fp. */
VIGIL_API int vigil_mlist_ascii_write(const struct vigil_mlist_entry *e, FILE *fp,
				      struct vigil_error *err);

/*
 * A new entry.  fields hold the values as stored, in template order; for
 * "ima" the 'd' value is 20 bytes and 'n' is the name without NUL.
 */
struct vigil_mlist_record {
	uint32_t pcr;
	const char *template_name;
	unsigned nfields;
	struct vigil_field fields[VIGIL_TEMPLATE_MAX_FIELDS];
	bool violation; /* store an all-zero template digest */
};

/* A record with the template, pcr and fields of a parsed entry. */
VIGIL_API void vigil_mlist_record_from_entry(const struct vigil_mlist_entry *e,
					     struct vigil_mlist_record *rec);

/*
 * Serialises rec, storing its template digest computed with digest_algo.
 * With buf NULL only *len is set.  The encoding is validated by decoding it.
 */
VIGIL_API int vigil_mlist_encode(const struct vigil_mlist_record *rec, int digest_algo,
				 unsigned flags, uint8_t *buf, size_t cap, size_t *len,
				 struct vigil_error *err);

struct vigil_mlist_writer;
/* Appends entries to fp (not owned). */
VIGIL_API int vigil_mlist_writer_new(FILE *fp, int digest_algo, unsigned flags,
				     struct vigil_mlist_writer **out, struct vigil_error *err);
VIGIL_API int vigil_mlist_writer_append(struct vigil_mlist_writer *w,
					const struct vigil_mlist_record *rec,
					struct vigil_error *err);
VIGIL_API void vigil_mlist_writer_free(struct vigil_mlist_writer *w);

/* Field values as the kernel builds them; *len set, VIGIL_ERR_TOO_BIG if cap is short. */
VIGIL_API int vigil_field_encode_digest_ng(int algo, const uint8_t *digest, size_t dlen,
					   uint8_t *out, size_t cap, size_t *len,
					   struct vigil_error *err);
/* type is VIGIL_DIGEST_TYPE_IMA or VIGIL_DIGEST_TYPE_VERITY. */
VIGIL_API int vigil_field_encode_digest_ngv2(int type, int algo, const uint8_t *digest,
					     size_t dlen, uint8_t *out, size_t cap, size_t *len,
					     struct vigil_error *err);
/* Spaces become '_'; with_nul adds the NUL (n-ng, and 'n' outside "ima"). */
VIGIL_API int vigil_field_encode_name(const char *name, size_t nlen, bool with_nul, uint8_t *out,
				      size_t cap, size_t *len, struct vigil_error *err);
VIGIL_API void vigil_field_encode_u32(uint32_t v, bool big_endian, uint8_t out[4]);
VIGIL_API void vigil_field_encode_u16(uint16_t v, bool big_endian, uint8_t out[2]);

/* -------------------------------------------------------------------- PCRs */

#define VIGIL_PCR_COUNT 24
#define VIGIL_MAX_BANKS 8

struct vigil_pcr_bank {
	int algo;       /* enum vigil_hash_algo */
	uint32_t valid; /* bit i set: pcr[i] holds a value */
	uint8_t pcr[VIGIL_PCR_COUNT][VIGIL_MAX_DIGEST];
};

struct vigil_pcrs {
	unsigned nbanks;
	struct vigil_pcr_bank banks[VIGIL_MAX_BANKS];
};

VIGIL_API void vigil_pcrs_init(struct vigil_pcrs *p);
/* The bank of algo, created (all zero, nothing valid) when create is set; NULL if absent or full. */
VIGIL_API struct vigil_pcr_bank *vigil_pcrs_bank(struct vigil_pcrs *p, int algo, bool create);
VIGIL_API const struct vigil_pcr_bank *vigil_pcrs_find(const struct vigil_pcrs *p, int algo);

/*
 * Adds PCR values from text: "PCR-NN: HEX" lines (evmctl --pcrs, sysfs
 * pcrs with spaces between bytes), whose bank is algo or, with algo -1,
 * inferred from the digest length (20 sha1, 32 sha256, 48 sha384, 64
 * sha512); or tpm2_pcrread YAML ("sha256:" then "  10 : 0xHEX").
 */
VIGIL_API int vigil_pcrs_parse(struct vigil_pcrs *p, const char *text, size_t len, int algo,
			       struct vigil_error *err);
VIGIL_API int vigil_pcrs_load(struct vigil_pcrs *p, const char *path, int algo,
			      struct vigil_error *err);

/* ------------------------------------------------------------------ replay */

enum vigil_replay_flags {
	/* Check each stored template digest against its template data. */
	VIGIL_REPLAY_CHECK_DIGESTS = 1u << 0,
	/* Extend violations with zeros (evmctl without --ignore-violations), not 0xFF. */
	VIGIL_REPLAY_ZERO_VIOLATIONS = 1u << 1,
	/* Only one way of extending non-matching banks (default: both, detected). */
	VIGIL_REPLAY_PER_BANK_ONLY = 1u << 2,
	VIGIL_REPLAY_PADDED_ONLY = 1u << 3,
};

/* How a bank was extended. */
enum vigil_replay_variant {
	VIGIL_REPLAY_PER_BANK = 0, /* H_bank(template data) */
	VIGIL_REPLAY_PADDED = 1,   /* the stored digest zero-padded to the bank size */
	VIGIL_REPLAY_VARIANTS = 2,
};

struct vigil_replay;

/* Replays into the given banks (e.g. sha1 and sha256); each must be computable. */
VIGIL_API int vigil_replay_new(const int *algos, size_t nalgos, unsigned flags,
			       struct vigil_replay **out, struct vigil_error *err);
/*
 * Extends the entry into every bank.  Entries must come in list order.
 * VIGIL_ERR_MISMATCH: the stored template digest is wrong (PCRs were
 * extended with the stored digest anyway; the replay may go on).
 */
VIGIL_API int vigil_replay_extend(struct vigil_replay *rp, const struct vigil_mlist_entry *e,
				  struct vigil_error *err);

struct vigil_replay_stats {
	uint64_t entries;           /* replayed, including those of a resumed state */
	uint64_t violations;
	uint64_t digest_mismatches; /* with VIGIL_REPLAY_CHECK_DIGESTS */
	uint64_t next_index;        /* where to resume */
	uint64_t next_offset;
	uint32_t pcr_mask;          /* PCRs extended by entries */
	int list_digest_algo;       /* stored digest algorithm of the list, -1 before any entry */
};
VIGIL_API void vigil_replay_get_stats(const struct vigil_replay *rp, struct vigil_replay_stats *out);

/* The replayed PCRs of one variant (only PCRs in pcr_mask are valid). */
VIGIL_API void vigil_replay_pcrs(const struct vigil_replay *rp, int variant, struct vigil_pcrs *out);

enum vigil_bank_status {
	VIGIL_BANK_UNCHECKED = 0, /* no expected value for some PCR used */
	VIGIL_BANK_MATCH,
	VIGIL_BANK_MISMATCH,
};

struct vigil_replay_bank_result {
	int algo;
	int status;            /* enum vigil_bank_status */
	int variant;           /* the variant that matched, -1 */
	uint32_t mismatch_mask; /* PCRs that match in no variant */
};

struct vigil_replay_result {
	unsigned nbanks;
	struct vigil_replay_bank_result banks[VIGIL_MAX_BANKS];
};

/*
 * Compares with expected PCRs.  VIGIL_OK when at least one bank was checked
 * and every checked bank matched in some variant; VIGIL_ERR_MISMATCH (naming
 * bank and PCR) or VIGIL_ERR_NO_DATA (nothing to compare) otherwise.
 */
VIGIL_API int vigil_replay_compare(const struct vigil_replay *rp, const struct vigil_pcrs *expected,
				   struct vigil_replay_result *res, struct vigil_error *err);

/*
 * Saved state, to resume replaying a growing list: a short text with a
 * version and a SHA-256 checksum.  With buf NULL only *len is set.
 */
VIGIL_API int vigil_replay_save(const struct vigil_replay *rp, char *buf, size_t cap, size_t *len,
				struct vigil_error *err);
VIGIL_API int vigil_replay_load(const char *text, size_t len, struct vigil_replay **out,
				struct vigil_error *err);
VIGIL_API void vigil_replay_free(struct vigil_replay *rp);

#ifdef __cplusplus
}
#endif
#endif
