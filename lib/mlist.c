/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The binary measurement list: a streaming reader (constant memory, one
 * entry at a time), template digests, the ascii rendering and a writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vigil/mlist.h>
#include "internal.h"

/*
 * One entry never exceeds its header (pcr, digest, name length, name, data
 * length) plus VIGIL_MLIST_ENTRY_MAX, so a buffer of twice that always
 * holds a whole entry, and large reads keep system calls rare.
 */
#define HEADER_MAX (4 + VIGIL_MAX_DIGEST + 4 + VIGIL_TEMPLATE_NAME_MAX + 4)
#define READ_BUF (2 * VIGIL_MLIST_ENTRY_MAX + HEADER_MAX)
#define LEGACY_DIGEST_LEN 20
#define LEGACY_NAME_PAD 256 /* IMA_EVENT_NAME_LEN_MAX + 1 */
#define TEMPLATE_CACHE 4

enum source { SRC_FD, SRC_FILE, SRC_MEM };

struct vigil_mlist_reader {
	enum source src;
	int fd;
	bool own_fd;
	FILE *fp;
	off_t base;       /* stream position of the list's first byte, -1 if unseekable */
	uint8_t *buf;     /* READ_BUF bytes, or the caller's memory */
	size_t cap, start, end;
	bool eof;
	uint64_t index, offset; /* of the next entry */
	int digest_algo;
	size_t digest_len;
	bool big_endian;
	int failed;
	struct vigil_template cache[TEMPLATE_CACHE];
	unsigned cached, cache_next;
};

/* ------------------------------------------------------------------ reader */

static int reader_new(enum source src, int digest_algo, unsigned flags,
		      struct vigil_mlist_reader **out, struct vigil_error *err)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(digest_algo);
	struct vigil_mlist_reader *r;

	*out = NULL;
	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown template digest algorithm id %d",
				  digest_algo);
	r = calloc(1, sizeof(*r));
	if (!r)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for a list reader");
	r->src = src;
	r->fd = -1;
	r->base = -1;
	r->digest_algo = digest_algo;
	r->digest_len = info->digest_len;
	r->big_endian = flags & VIGIL_MLIST_BIG_ENDIAN;
	if (src != SRC_MEM) {
		r->cap = READ_BUF;
		r->buf = malloc(r->cap);
		if (!r->buf) {
			free(r);
			return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for the read buffer");
		}
	}
	*out = r;
	return VIGIL_OK;
}

int vigil_mlist_reader_fd(int fd, int digest_algo, unsigned flags,
			  struct vigil_mlist_reader **out, struct vigil_error *err)
{
	int rc = reader_new(SRC_FD, digest_algo, flags, out, err);

	if (rc != VIGIL_OK)
		return rc;
	(*out)->fd = fd;
	(*out)->base = lseek(fd, 0, SEEK_CUR);
	return VIGIL_OK;
}

int vigil_mlist_reader_file(FILE *fp, int digest_algo, unsigned flags,
			    struct vigil_mlist_reader **out, struct vigil_error *err)
{
	int rc = reader_new(SRC_FILE, digest_algo, flags, out, err);

	if (rc != VIGIL_OK)
		return rc;
	(*out)->fp = fp;
	(*out)->base = ftello(fp);
	return VIGIL_OK;
}

int vigil_mlist_reader_path(const char *path, int digest_algo, unsigned flags,
			    struct vigil_mlist_reader **out, struct vigil_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int rc;

	*out = NULL;
	if (fd < 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot open", path);
	rc = vigil_mlist_reader_fd(fd, digest_algo, flags, out, err);
	if (rc != VIGIL_OK) {
		close(fd);
		return rc;
	}
	(*out)->own_fd = true;
	return VIGIL_OK;
}

int vigil_mlist_reader_mem(const void *buf, size_t len, int digest_algo, unsigned flags,
			   struct vigil_mlist_reader **out, struct vigil_error *err)
{
	int rc = reader_new(SRC_MEM, digest_algo, flags, out, err);

	if (rc != VIGIL_OK)
		return rc;
	/* Never written through: SRC_MEM buffers are only read. */
	(*out)->buf = (uint8_t *)(uintptr_t)buf;
	(*out)->cap = (*out)->end = len;
	(*out)->eof = true;
	return VIGIL_OK;
}

void vigil_mlist_reader_free(struct vigil_mlist_reader *r)
{
	if (!r)
		return;
	if (r->src != SRC_MEM)
		free(r->buf);
	if (r->own_fd)
		close(r->fd);
	free(r);
}

uint64_t vigil_mlist_reader_index(const struct vigil_mlist_reader *r)
{
	return r->index;
}

uint64_t vigil_mlist_reader_offset(const struct vigil_mlist_reader *r)
{
	return r->offset;
}

static ssize_t read_some(struct vigil_mlist_reader *r, uint8_t *dst, size_t len)
{
	if (r->src == SRC_FILE) {
		size_t n;

		clearerr(r->fp); /* the end seen before may have moved */
		n = fread(dst, 1, len, r->fp);

		if (n == 0 && ferror(r->fp))
			return -1;
		return (ssize_t)n;
	}
	for (;;) {
		ssize_t n = read(r->fd, dst, len);

		if (n >= 0 || errno != EINTR)
			return n;
	}
}

/* Makes at least need bytes available from start, or all that is left. */
static int fill(struct vigil_mlist_reader *r, size_t need, struct vigil_error *err)
{
	if (r->end - r->start >= need || r->eof)
		return VIGIL_OK;
	if (need > r->cap)
		need = r->cap; /* a read of 0 bytes would look like the end */
	if (r->start + need > r->cap) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	while (r->end - r->start < need && !r->eof) {
		ssize_t n = read_some(r, r->buf + r->end, r->cap - r->end);

		if (n < 0)
			return vigil_fail_errno(err, VIGIL_ERR_IO, "reading the list at offset %llu failed",
						(unsigned long long)(r->offset + (r->end - r->start)));
		if (n == 0)
			r->eof = true;
		r->end += (size_t)n;
	}
	return VIGIL_OK;
}

static size_t avail(const struct vigil_mlist_reader *r)
{
	return r->end - r->start;
}

static int skip_bytes(struct vigil_mlist_reader *r, uint64_t count, struct vigil_error *err)
{
	while (count) {
		size_t n;
		int rc = fill(r, 1, err);

		if (rc != VIGIL_OK)
			return rc;
		if (avail(r) == 0)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "cannot resume: the list ends before offset %llu",
					  (unsigned long long)(r->offset + count));
		n = avail(r) < count ? avail(r) : (size_t)count;
		r->start += n;
		r->offset += n;
		count -= n;
	}
	return VIGIL_OK;
}

static int seek_stream(struct vigil_mlist_reader *r, uint64_t offset, struct vigil_error *err)
{
	off_t pos = r->base + (off_t)offset;
	bool ok = r->src == SRC_FILE ? fseeko(r->fp, pos, SEEK_SET) == 0
				     : lseek(r->fd, pos, SEEK_SET) == pos;

	if (!ok)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "cannot seek to offset %llu",
					(unsigned long long)offset);
	r->start = r->end = 0;
	r->eof = false;
	r->offset = offset;
	return VIGIL_OK;
}

int vigil_mlist_reader_seek(struct vigil_mlist_reader *r, uint64_t offset, uint64_t index,
			    struct vigil_error *err)
{
	int rc;

	if (r->failed)
		return vigil_fail(err, r->failed, "the list reader stopped after an error");
	if (r->src == SRC_MEM) {
		if (offset > r->end)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "cannot resume: offset %llu is past the %zu-byte list",
					  (unsigned long long)offset, r->end);
		r->start = (size_t)offset;
		r->offset = offset;
	} else if (r->base >= 0 && offset <= (uint64_t)INT64_MAX - (uint64_t)r->base) {
		if ((rc = seek_stream(r, offset, err)) != VIGIL_OK)
			return rc;
	} else if (offset >= r->offset) {
		if ((rc = skip_bytes(r, offset - r->offset, err)) != VIGIL_OK)
			return rc;
	} else {
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "cannot go back to offset %llu in an unseekable list",
				  (unsigned long long)offset);
	}
	r->index = index;
	return VIGIL_OK;
}

/* Prefixes a message with the entry's position; makes the reader fail from now on. */
static int entry_fail(struct vigil_mlist_reader *r, int code, const char *what,
		      struct vigil_error *err)
{
	r->failed = code;
	return vigil_fail(err, code, "entry %llu at offset %llu: %s",
			  (unsigned long long)r->index, (unsigned long long)r->offset, what);
}

static int entry_failf(struct vigil_mlist_reader *r, int code, struct vigil_error *err,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int entry_failf(struct vigil_mlist_reader *r, int code, struct vigil_error *err,
		       const char *fmt, ...)
{
	char what[VIGIL_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return entry_fail(r, code, what, err);
}

/* Templates repeat: resolve each distinct name once. */
static int template_for(struct vigil_mlist_reader *r, const char *name, uint32_t len,
			const struct vigil_template **out, struct vigil_error *err)
{
	struct vigil_template *slot;
	int rc;

	for (unsigned i = 0; i < r->cached; i++) {
		if (strlen(r->cache[i].name) == len && memcmp(r->cache[i].name, name, len) == 0) {
			*out = &r->cache[i];
			return VIGIL_OK;
		}
	}
	slot = &r->cache[r->cache_next];
	if ((rc = vigil_template_lookup(name, len, slot, err)) != VIGIL_OK) {
		memset(slot, 0, sizeof(*slot));
		return rc;
	}
	r->cache_next = (r->cache_next + 1) % TEMPLATE_CACHE;
	if (r->cached < TEMPLATE_CACHE)
		r->cached++;
	*out = slot;
	return VIGIL_OK;
}

/*
 * Ensures len bytes at pos (from the entry's start) are there.  A length
 * read from the list is named "<what> N exceeds the remaining M bytes"; a
 * fixed-size part (is_len false) "truncated <what>: M of N bytes".
 */
static int need(struct vigil_mlist_reader *r, size_t pos, uint64_t len, bool is_len,
		const char *what, struct vigil_error *err)
{
	int rc = fill(r, pos + len, err);
	size_t left;

	if (rc != VIGIL_OK) {
		r->failed = rc;
		return rc;
	}
	left = avail(r) > pos ? avail(r) - pos : 0;
	if (left >= len)
		return VIGIL_OK;
	if (!is_len)
		return entry_failf(r, VIGIL_ERR_INVALID, err, "truncated %s: %zu of %llu bytes",
				   what, left, (unsigned long long)len);
	return entry_failf(r, VIGIL_ERR_INVALID, err, "%s %llu exceeds the remaining %zu bytes",
			   what, (unsigned long long)len, left);
}

/* A length over the cap: truncated if the list ends first, else too big. */
static int over_cap(struct vigil_mlist_reader *r, size_t pos, uint32_t len, struct vigil_error *err)
{
	int rc = fill(r, r->cap, err);

	if (rc != VIGIL_OK) {
		r->failed = rc;
		return rc;
	}
	if (r->eof && avail(r) - pos < len)
		return entry_failf(r, VIGIL_ERR_INVALID, err,
				   "template data length %u exceeds the remaining %zu bytes", len,
				   avail(r) - pos);
	return entry_failf(r, VIGIL_ERR_TOO_BIG, err,
			   "template data length %u exceeds the %u-byte limit of one entry", len,
			   VIGIL_MLIST_ENTRY_MAX);
}

/* Locates the template data of the entry at start: *data_pos, *data_len. */
static int locate_data(struct vigil_mlist_reader *r, const struct vigil_template *t, size_t pos,
		       size_t *data_pos, uint32_t *data_len, struct vigil_error *err)
{
	const uint8_t *p;
	uint32_t len;
	int rc;

	if (t->legacy) {
		/* No data length: a 20-byte digest, then the name's length and the name. */
		if ((rc = need(r, pos, LEGACY_DIGEST_LEN + 4, false, "\"ima\" digest and name length", err)))
			return rc;
		len = vigil_get_u32(r->buf + r->start + pos + LEGACY_DIGEST_LEN, r->big_endian);
		if (len > VIGIL_IMA_NAME_MAX)
			return entry_failf(r, VIGIL_ERR_INVALID, err,
					   "\"ima\" name length %u exceeds %d", len, VIGIL_IMA_NAME_MAX);
		if ((rc = need(r, pos + LEGACY_DIGEST_LEN + 4, len, true, "\"ima\" name length", err)))
			return rc;
		*data_pos = pos;
		*data_len = LEGACY_DIGEST_LEN + 4 + len;
		return VIGIL_OK;
	}
	if ((rc = need(r, pos, 4, false, "template data length", err)))
		return rc;
	p = r->buf + r->start + pos;
	len = vigil_get_u32(p, r->big_endian);
	if (len > VIGIL_MLIST_ENTRY_MAX)
		return over_cap(r, pos + 4, len, err);
	if ((rc = need(r, pos + 4, len, true, "template data length", err)))
		return rc;
	*data_pos = pos + 4;
	*data_len = len;
	return VIGIL_OK;
}

static int parse_header(struct vigil_mlist_reader *r, struct vigil_mlist_entry *e,
			const struct vigil_template **t, size_t *pos, struct vigil_error *err)
{
	size_t hdr = 4 + r->digest_len + 4;
	const uint8_t *p = r->buf + r->start;
	struct vigil_error inner;
	uint32_t name_len;
	int rc;

	if (avail(r) < hdr)
		return entry_failf(r, VIGIL_ERR_INVALID, err,
				   "truncated entry header: %zu of %zu bytes", avail(r), hdr);
	e->pcr = vigil_get_u32(p, r->big_endian);
	memcpy(e->digest, p + 4, r->digest_len);
	name_len = vigil_get_u32(p + 4 + r->digest_len, r->big_endian);
	if (name_len == 0)
		return entry_fail(r, VIGIL_ERR_INVALID, "template name length 0", err);
	if (name_len > VIGIL_TEMPLATE_NAME_MAX)
		return entry_failf(r, VIGIL_ERR_INVALID, err, "template name length %u exceeds %d",
				   name_len, VIGIL_TEMPLATE_NAME_MAX);
	if ((rc = need(r, hdr, name_len, true, "template name length", err)))
		return rc;
	p = r->buf + r->start;
	if ((rc = template_for(r, (const char *)p + hdr, name_len, t, &inner)) != VIGIL_OK)
		return entry_fail(r, rc, inner.msg, err);
	*pos = hdr + name_len;
	return VIGIL_OK;
}

static void entry_init(const struct vigil_mlist_reader *r, struct vigil_mlist_entry *e)
{
	e->index = r->index;
	e->offset = r->offset;
	e->digest_algo = r->digest_algo;
	e->digest_len = r->digest_len;
	e->big_endian = r->big_endian;
}

int vigil_mlist_next(struct vigil_mlist_reader *r, struct vigil_mlist_entry *e,
		     struct vigil_error *err)
{
	const struct vigil_template *t = NULL;
	struct vigil_error inner;
	size_t pos = 0, data_pos = 0;
	uint32_t data_len = 0;
	int rc;

	if (r->failed)
		return vigil_fail(err, r->failed, "the list reader stopped after an error");
	/* A list may grow (securityfs): look again after an end seen earlier. */
	if (r->src != SRC_MEM && avail(r) == 0)
		r->eof = false;
	if ((rc = fill(r, 4 + r->digest_len + 4, err)) != VIGIL_OK)
		return r->failed = rc;
	if (avail(r) == 0)
		return 0;
	entry_init(r, e);
	if ((rc = parse_header(r, e, &t, &pos, err)) != VIGIL_OK)
		return rc;
	if ((rc = locate_data(r, t, pos, &data_pos, &data_len, err)) != VIGIL_OK)
		return rc;
	e->raw = r->buf + r->start;
	e->size = (uint32_t)(data_pos + data_len);
	/* Candidate violation: the template decoder accepts its short zero digest. */
	e->violation = vigil_all_zero(e->digest, e->digest_len);
	if (vigil_template_decode(t, e->raw + data_pos, data_len, r->big_endian, e, &inner))
		return entry_fail(r, inner.code, inner.msg, err);
	/*
	 * The kernel writes zeros into the file digest of a violation too.  A
	 * zero template digest over a real file digest is no violation: the
	 * entry is checked (and fails) like any other with a wrong digest.
	 */
	if (e->violation && e->file_digest && !vigil_all_zero(e->file_digest, e->file_digest_len))
		e->violation = false;
	r->start += e->size;
	r->offset += e->size;
	r->index++;
	return 1;
}

const struct vigil_field *vigil_mlist_field(const struct vigil_mlist_entry *e, int id)
{
	for (unsigned i = 0; i < e->nfields; i++)
		if (e->fields[i].id == id)
			return &e->fields[i];
	return NULL;
}

/* ---------------------------------------------------------------- digests */

unsigned vigil_mlist_template_parts(const struct vigil_mlist_entry *e, struct vigil_field parts[3])
{
	static const uint8_t zeros[LEGACY_NAME_PAD];
	const struct vigil_field *d = &e->fields[0], *n = &e->fields[1];

	if (!e->tmpl->legacy) {
		parts[0] = (struct vigil_field){ -1, e->data, e->data_len };
		return 1;
	}
	/* "ima": digest, then the name zero-padded to 256 bytes, no lengths. */
	parts[0] = (struct vigil_field){ -1, d->data, d->len };
	parts[1] = (struct vigil_field){ -1, n->data, n->len };
	parts[2] = (struct vigil_field){ -1, zeros, LEGACY_NAME_PAD - n->len };
	return 3;
}

int vigil_mlist_template_hash(const struct vigil_mlist_entry *e, struct vigil_hash_ctx *ctx,
			      struct vigil_digest *out, struct vigil_error *err)
{
	struct vigil_field parts[3];
	unsigned n = vigil_mlist_template_parts(e, parts);
	int rc = vigil_hash_reset(ctx, err);

	for (unsigned i = 0; rc == VIGIL_OK && i < n; i++)
		rc = vigil_hash_update(ctx, parts[i].data, parts[i].len, err);
	if (rc != VIGIL_OK)
		return rc;
	return vigil_hash_final(ctx, out, err);
}

int vigil_mlist_template_digest(const struct vigil_mlist_entry *e, int algo,
				struct vigil_digest *out, struct vigil_error *err)
{
	struct vigil_hash_ctx *ctx;
	int rc = vigil_hash_new(algo, &ctx, err);

	if (rc != VIGIL_OK)
		return rc;
	rc = vigil_mlist_template_hash(e, ctx, out, err);
	vigil_hash_free(ctx);
	return rc;
}

int vigil_mlist_check_digest(const struct vigil_mlist_entry *e, struct vigil_error *err)
{
	char stored[2 * VIGIL_MAX_DIGEST + 1], computed[2 * VIGIL_MAX_DIGEST + 1];
	struct vigil_digest d;
	int rc;

	if (e->violation)
		return VIGIL_OK;
	if ((rc = vigil_mlist_template_digest(e, e->digest_algo, &d, err)) != VIGIL_OK)
		return rc;
	if (d.len == e->digest_len && memcmp(d.bytes, e->digest, d.len) == 0)
		return VIGIL_OK;
	vigil_hex(d.bytes, d.len, computed);
	/* Per-bank files carry the padded SHA-1 digest for banks the kernel cannot hash. */
	if (e->digest_algo != VIGIL_HASH_SHA1 && e->digest_len > 20) {
		struct vigil_digest s;

		if ((rc = vigil_mlist_template_digest(e, VIGIL_HASH_SHA1, &s, err)) != VIGIL_OK)
			return rc;
		if (memcmp(s.bytes, e->digest, 20) == 0 && vigil_all_zero(e->digest + 20, e->digest_len - 20))
			return VIGIL_OK;
	}
	vigil_hex(e->digest, e->digest_len, stored);
	return vigil_fail(err, VIGIL_ERR_MISMATCH,
			  "entry %llu at offset %llu: template digest %s does not match the template data (%s %s)",
			  (unsigned long long)e->index, (unsigned long long)e->offset, stored,
			  vigil_hash_by_id(e->digest_algo)->name, computed);
}

/* ------------------------------------------------------------------- ascii */

size_t vigil_mlist_ascii_size(const struct vigil_mlist_entry *e)
{
	/* "%2d" of an int, space, hex digest, space, name, newline, NUL. */
	size_t n = 11 + 1 + 2 * e->digest_len + 1 + strlen(e->template_name) + 2;

	for (unsigned i = 0; i < e->nfields; i++)
		n += 1 + vigil_field_ascii_size(&e->fields[i]);
	return n;
}

/* out holds vigil_mlist_ascii_size() bytes. */
static size_t render(const struct vigil_mlist_entry *e, char *out)
{
	/* The kernel prints its int pcr with "%2d". */
	size_t o = (size_t)sprintf(out, "%2d ", (int)e->pcr);
	size_t nlen = strlen(e->template_name);

	vigil_hex(e->digest, e->digest_len, out + o);
	o += 2 * e->digest_len;
	out[o++] = ' ';
	memcpy(out + o, e->template_name, nlen);
	o += nlen;
	/* Every field is preceded by a space, even an empty one. */
	for (unsigned i = 0; i < e->nfields; i++) {
		out[o++] = ' ';
		o += vigil_field_ascii(&e->fields[i], e->big_endian, out + o);
	}
	out[o++] = '\n';
	out[o] = '\0';
	return o;
}

int vigil_mlist_ascii(const struct vigil_mlist_entry *e, char *buf, size_t cap, size_t *len,
		      struct vigil_error *err)
{
	size_t size = vigil_mlist_ascii_size(e);

	if (cap < size)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "the ascii line needs up to %zu bytes",
				  size);
	*len = render(e, buf);
	return VIGIL_OK;
}

int vigil_mlist_ascii_write(const struct vigil_mlist_entry *e, FILE *fp, struct vigil_error *err)
{
	char small[8192];
	size_t size = vigil_mlist_ascii_size(e), len;
	char *buf = size <= sizeof(small) ? small : malloc(size);
	int rc = VIGIL_OK;

	if (!buf)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for an ascii line");
	len = render(e, buf);
	if (fwrite(buf, 1, len, fp) != len)
		rc = vigil_fail_errno(err, VIGIL_ERR_IO, "writing the ascii list failed");
	if (buf != small)
		free(buf);
	return rc;
}

/* ------------------------------------------------------------------ writer */

void vigil_mlist_record_from_entry(const struct vigil_mlist_entry *e,
				   struct vigil_mlist_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->pcr = e->pcr;
	rec->template_name = e->template_name;
	rec->nfields = e->nfields;
	memcpy(rec->fields, e->fields, e->nfields * sizeof(e->fields[0]));
	rec->violation = e->violation;
}

/* Bytes of template data the record takes, if it can be stored at all. */
static int data_size(const struct vigil_template *t, const struct vigil_mlist_record *rec,
		     uint32_t *out, struct vigil_error *err)
{
	uint64_t n = 0;

	if (rec->nfields != t->nfields)
		return vigil_fail(err, VIGIL_ERR_INVALID, "template \"%s\" has %u fields, not %u",
				  t->name, t->nfields, rec->nfields);
	if (t->legacy) {
		if (rec->fields[0].len != LEGACY_DIGEST_LEN || rec->fields[1].len > VIGIL_IMA_NAME_MAX)
			return vigil_fail(err, VIGIL_ERR_INVALID,
					  "\"ima\" needs a 20-byte digest and a name of at most 255 bytes");
		*out = LEGACY_DIGEST_LEN + 4 + rec->fields[1].len;
		return VIGIL_OK;
	}
	for (unsigned i = 0; i < rec->nfields; i++)
		n += 4 + (uint64_t)rec->fields[i].len;
	if (n > VIGIL_MLIST_ENTRY_MAX)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG,
				  "template data of %llu bytes exceeds the %u-byte limit",
				  (unsigned long long)n, VIGIL_MLIST_ENTRY_MAX);
	*out = (uint32_t)n;
	return VIGIL_OK;
}

static void put_data(const struct vigil_template *t, const struct vigil_mlist_record *rec,
		     bool be, uint8_t *p)
{
	for (unsigned i = 0; i < rec->nfields; i++) {
		const struct vigil_field *f = &rec->fields[i];

		/* "ima" stores its digest without a length. */
		if (!(t->legacy && i == 0)) {
			vigil_field_encode_u32(f->len, be, p);
			p += 4;
		}
		if (f->len)
			memcpy(p, f->data, f->len);
		p += f->len;
	}
}

int vigil_mlist_encode(const struct vigil_mlist_record *rec, int digest_algo, unsigned flags,
		       uint8_t *buf, size_t cap, size_t *len, struct vigil_error *err)
{
	const struct vigil_hash_info *info = vigil_hash_by_id(digest_algo);
	bool be = flags & VIGIL_MLIST_BIG_ENDIAN;
	struct vigil_mlist_entry e;
	struct vigil_template t;
	struct vigil_digest d;
	size_t nlen, data_pos;
	uint32_t dlen = 0;
	uint8_t *p;
	int rc;

	if (!info)
		return vigil_fail(err, VIGIL_ERR_INVALID, "unknown hash algorithm id %d", digest_algo);
	if (!rec->template_name)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no template name");
	nlen = strlen(rec->template_name);
	if ((rc = vigil_template_lookup(rec->template_name, nlen, &t, err)) != VIGIL_OK)
		return rc;
	if ((rc = data_size(&t, rec, &dlen, err)) != VIGIL_OK)
		return rc;
	data_pos = 4 + info->digest_len + 4 + nlen + (t.legacy ? 0 : 4);
	*len = data_pos + dlen;
	if (!buf)
		return VIGIL_OK;
	if (cap < *len)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "the entry needs %zu bytes", *len);
	vigil_field_encode_u32(rec->pcr, be, buf);
	memset(buf + 4, 0, info->digest_len);
	p = buf + 4 + info->digest_len;
	vigil_field_encode_u32((uint32_t)nlen, be, p);
	memcpy(p + 4, rec->template_name, nlen);
	if (!t.legacy)
		vigil_field_encode_u32(dlen, be, p + 4 + nlen);
	put_data(&t, rec, be, buf + data_pos);
	/* Decoding what was written checks every field's shape. */
	memset(&e, 0, sizeof(e));
	e.violation = rec->violation;
	if ((rc = vigil_template_decode(&t, buf + data_pos, dlen, be, &e, err)) != VIGIL_OK)
		return rc;
	if (rec->violation)
		return VIGIL_OK;
	if ((rc = vigil_mlist_template_digest(&e, digest_algo, &d, err)) != VIGIL_OK)
		return rc;
	memcpy(buf + 4, d.bytes, d.len);
	return VIGIL_OK;
}

struct vigil_mlist_writer {
	FILE *fp;
	int digest_algo;
	unsigned flags;
	uint8_t *buf;
	size_t cap;
};

int vigil_mlist_writer_new(FILE *fp, int digest_algo, unsigned flags,
			   struct vigil_mlist_writer **out, struct vigil_error *err)
{
	struct vigil_mlist_writer *w;

	*out = NULL;
	if (!vigil_hash_available(digest_algo))
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "template digest algorithm id %d is not available", digest_algo);
	w = calloc(1, sizeof(*w));
	if (!w)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for a list writer");
	w->fp = fp;
	w->digest_algo = digest_algo;
	w->flags = flags;
	*out = w;
	return VIGIL_OK;
}

int vigil_mlist_writer_append(struct vigil_mlist_writer *w, const struct vigil_mlist_record *rec,
			      struct vigil_error *err)
{
	size_t len = 0;
	int rc = vigil_mlist_encode(rec, w->digest_algo, w->flags, NULL, 0, &len, err);

	if (rc != VIGIL_OK)
		return rc;
	if (len > w->cap) {
		uint8_t *nb = realloc(w->buf, len);

		if (!nb)
			return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for an entry");
		w->buf = nb;
		w->cap = len;
	}
	rc = vigil_mlist_encode(rec, w->digest_algo, w->flags, w->buf, w->cap, &len, err);
	if (rc != VIGIL_OK)
		return rc;
	if (fwrite(w->buf, 1, len, w->fp) != len)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "writing the list failed");
	return VIGIL_OK;
}

void vigil_mlist_writer_free(struct vigil_mlist_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}
