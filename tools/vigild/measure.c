/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Template data of a measured file, field by field with the kernel's
 * encodings (ima_template_lib.c's rules, as formats.md and the vectors
 * describe them), then one entry appended to the list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "vigild.h"

#define LEGACY_NAME_MAX 255 /* the "ima" template's 'n' field */

/* The xattrs EVM protects, in the kernel's order (evm-sig's xattrnames). */
static const char *const evm_xattrs[] = {
	"security.selinux", "security.SMACK64", "security.SMACK64EXEC",
	"security.SMACK64TRANSMUTE", "security.SMACK64MMAP", "security.apparmor",
	"security.ima", "security.capability",
};
#define N_EVM_XATTRS (sizeof(evm_xattrs) / sizeof(evm_xattrs[0]))

/* Field values of one record; each malloc'ed, freed after the append. */
struct fields {
	struct vigil_mlist_record rec;
	uint8_t *owned[VIGIL_TEMPLATE_MAX_FIELDS];
};

static int put(struct fields *fl, unsigned i, int id, uint8_t *data, size_t len,
	       struct vigil_error *err)
{
	if (len > VIGIL_MLIST_ENTRY_MAX)
		return vd_fail(err, VIGIL_ERR_TOO_BIG, "field %s: %zu bytes", vigil_field_name(id),
			       len);
	fl->owned[i] = data;
	fl->rec.fields[i].id = id;
	fl->rec.fields[i].data = data;
	fl->rec.fields[i].len = (uint32_t)len;
	return VIGIL_OK;
}

static int put_copy(struct fields *fl, unsigned i, int id, const void *src, size_t len,
		    struct vigil_error *err)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for field %s",
			       vigil_field_name(id));
	if (len)
		memcpy(p, src, len);
	return put(fl, i, id, p, len, err);
}

/* 'd': SHA-1 (the legacy template has no algorithm); boot_aggregate zeros. */
static int field_d(const struct vigild_file_facts *f, struct fields *fl, unsigned i,
		   struct vigil_error *err)
{
	struct vigil_digest sha1 = { .algo = VIGIL_HASH_SHA1, .len = 20 };
	int rc;

	if (f->digest->algo == VIGIL_HASH_SHA1)
		sha1 = *f->digest;
	else if (f->fd >= 0 && (rc = vigil_hash_fd(VIGIL_HASH_SHA1, f->fd, &sha1, err)) != VIGIL_OK)
		return rc;
	return put_copy(fl, i, VIGIL_FIELD_D, sha1.bytes, 20, err);
}

static int field_digest(const struct vigild_file_facts *f, struct fields *fl, unsigned i, int id,
			struct vigil_error *err)
{
	uint8_t buf[64 + VIGIL_MAX_DIGEST];
	size_t len = 0;
	int rc;

	if (id == VIGIL_FIELD_D_NG)
		rc = vigil_field_encode_digest_ng(f->digest->algo, f->digest->bytes, f->digest->len,
						  buf, sizeof(buf), &len, err);
	else
		rc = vigil_field_encode_digest_ngv2(VIGIL_DIGEST_TYPE_IMA, f->digest->algo,
						    f->digest->bytes, f->digest->len, buf,
						    sizeof(buf), &len, err);
	return rc == VIGIL_OK ? put_copy(fl, i, id, buf, len, err) : rc;
}

/* The legacy 'n' falls back to the last component past 255 bytes. */
static int field_name(const struct vigild_file_facts *f, struct fields *fl, unsigned i, int id,
		      struct vigil_error *err)
{
	const char *name = f->path;
	size_t len = strlen(name), out_len = 0;
	bool legacy = id == VIGIL_FIELD_N;
	uint8_t *buf;
	int rc;

	if (legacy && len > LEGACY_NAME_MAX) {
		const char *slash = strrchr(name, '/');

		name = slash ? slash + 1 : name;
		len = strlen(name);
		if (len > LEGACY_NAME_MAX)
			len = LEGACY_NAME_MAX;
	}
	buf = malloc(len + 1);
	if (!buf)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for a name");
	rc = vigil_field_encode_name(name, len, !legacy, buf, len + 1, &out_len, err);
	if (rc != VIGIL_OK) {
		free(buf);
		return rc;
	}
	return put(fl, i, id, buf, out_len, err);
}

static bool is_signature(const uint8_t *v, size_t len)
{
	return len > 0 && (v[0] == VIGIL_EVM_IMA_XATTR_DIGSIG || v[0] == VIGIL_IMA_VERITY_DIGSIG);
}

/* security.evm when it is a portable signature (0x05), else empty. */
static int read_portable_evm(int fd, uint8_t *buf, size_t cap, size_t *len)
{
	ssize_t n;

	*len = 0;
	if (fd < 0)
		return 0;
	n = fgetxattr(fd, "security.evm", buf, cap);
	if (n > 0 && buf[0] == VIGIL_EVM_XATTR_PORTABLE_DIGSIG)
		*len = (size_t)n;
	return 0;
}

/* 'sig': an IMA signature; without one, the EVM portable signature (as the kernel). */
static int field_sig(const struct vigild_file_facts *f, struct fields *fl, unsigned i, int id,
		     struct vigil_error *err)
{
	uint8_t evm[VIGIL_XATTR_MAX];
	size_t len = 0;

	if (id == VIGIL_FIELD_SIG && f->ima && is_signature(f->ima, f->ima_len))
		return put_copy(fl, i, id, f->ima, f->ima_len, err);
	read_portable_evm(f->fd, evm, sizeof(evm), &len);
	return put_copy(fl, i, id, evm, len, err);
}

/* xattrnames, xattrlengths, xattrvalues of the EVM-protected xattrs present. */
static int field_xattrs(const struct vigild_file_facts *f, struct fields *fl, unsigned i, int id,
			struct vigil_error *err)
{
	uint8_t value[65536], *out = NULL;
	size_t used = 0, cap = 0;

	for (size_t x = 0; f->fd >= 0 && x < N_EVM_XATTRS; x++) {
		ssize_t n = fgetxattr(f->fd, evm_xattrs[x], value, sizeof(value));
		size_t add;
		uint8_t *grown;

		if (n < 0)
			continue;
		add = id == VIGIL_FIELD_XATTRNAMES ? strlen(evm_xattrs[x]) + 1
			: id == VIGIL_FIELD_XATTRLENGTHS ? 4 : (size_t)n;
		if (!(grown = realloc(out, cap = used + add + 1))) {
			free(out);
			return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for xattrs");
		}
		out = grown;
		if (id == VIGIL_FIELD_XATTRNAMES)
			used += (size_t)sprintf((char *)out + used, "%s%s", used ? "|" : "",
						evm_xattrs[x]);
		else if (id == VIGIL_FIELD_XATTRLENGTHS)
			vigil_field_encode_u32((uint32_t)n, false, out + used), used += 4;
		else
			memcpy(out + used, value, (size_t)n), used += (size_t)n;
	}
	if (!out)
		return put_copy(fl, i, id, "", 0, err);
	return put(fl, i, id, out, used, err);
}

static int field_inode(const struct vigild_file_facts *f, struct fields *fl, unsigned i, int id,
		       struct vigil_error *err)
{
	uint8_t b[4];

	if (!f->st)
		return put_copy(fl, i, id, b, 0, err);
	if (id == VIGIL_FIELD_IMODE) {
		vigil_field_encode_u16((uint16_t)f->st->st_mode, false, b);
		return put_copy(fl, i, id, b, 2, err);
	}
	vigil_field_encode_u32(id == VIGIL_FIELD_IUID ? f->st->st_uid : f->st->st_gid, false, b);
	return put_copy(fl, i, id, b, 4, err);
}

static int build_field(const struct vigild_file_facts *f, struct fields *fl, unsigned i, int id,
		       struct vigil_error *err)
{
	switch (id) {
	case VIGIL_FIELD_D: return field_d(f, fl, i, err);
	case VIGIL_FIELD_D_NG:
	case VIGIL_FIELD_D_NGV2: return field_digest(f, fl, i, id, err);
	case VIGIL_FIELD_N:
	case VIGIL_FIELD_N_NG: return field_name(f, fl, i, id, err);
	case VIGIL_FIELD_SIG:
	case VIGIL_FIELD_EVMSIG: return field_sig(f, fl, i, id, err);
	case VIGIL_FIELD_XATTRNAMES:
	case VIGIL_FIELD_XATTRLENGTHS:
	case VIGIL_FIELD_XATTRVALUES: return field_xattrs(f, fl, i, id, err);
	case VIGIL_FIELD_IUID:
	case VIGIL_FIELD_IGID:
	case VIGIL_FIELD_IMODE: return field_inode(f, fl, i, id, err);
	}
	/* buf, d-modsig, modsig: nothing a file open carries. */
	return put_copy(fl, i, id, "", 0, err);
}

static int measure_record(const struct vigild_file_facts *f, const char *template_name, int pcr,
			  bool violation, struct vigil_error *err)
{
	struct vigil_template t;
	struct fields fl;
	int rc;

	memset(&fl, 0, sizeof(fl));
	if ((rc = vigil_template_lookup(template_name, strlen(template_name), &t, err)) != VIGIL_OK)
		return rc;
	fl.rec.pcr = (uint32_t)pcr;
	fl.rec.violation = violation;
	fl.rec.template_name = t.name;
	for (unsigned i = 0; i < t.nfields && rc == VIGIL_OK; i++) {
		rc = build_field(f, &fl, i, t.fields[i], err);
		fl.rec.nfields = i + 1;
	}
	if (rc == VIGIL_OK)
		rc = mlog_append(&fl.rec, err);
	for (unsigned i = 0; i < VIGIL_TEMPLATE_MAX_FIELDS; i++)
		free(fl.owned[i]);
	return rc;
}

int measure_file(const struct vigild_file_facts *f, const char *template_name, int pcr,
		 struct vigil_error *err)
{
	return measure_record(f, template_name, pcr, false, err);
}

/*
 * The kernel's ima_add_violation(): the current default template, not a
 * rule's; every digest zero (the list's template digest too, which the
 * PCRs see as all ones); nothing read from the file.
 */
int measure_violation(const char *path, const char *template_name, int hash_algo,
		      struct vigil_error *err)
{
	const struct vigil_hash_info *h = vigil_hash_by_id(hash_algo);
	struct vigil_digest zero = { .algo = hash_algo, .len = h ? h->digest_len : 0 };
	struct vigild_file_facts f = { .fd = -1, .path = path, .digest = &zero };

	return measure_record(&f, template_name, (int)mlog_pcr(), true, err);
}
