/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Warnings about valid policies: what the kernel accepts but what cannot
 * do what its author meant.  Each check is one function; all are
 * conservative (a warning is only given when it is certain).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "policy_internal.h"

/* linux/magic.h and each filesystem's s_type->name; one magic can have several names. */
static const struct {
	uint64_t magic;
	const char *name;
} known_fs[] = {
	{ 0x9fa0, "proc" },           { 0x62656572, "sysfs" },
	{ 0x64626720, "debugfs" },    { 0x01021994, "tmpfs" },
	{ 0x01021994, "devtmpfs" },   { 0x1cd1, "devpts" },
	{ 0x42494e4d, "binfmt_misc" }, { 0x73636673, "securityfs" },
	{ 0xf97cff8c, "selinuxfs" },  { 0x43415d53, "smackfs" },
	{ 0x27e0eb, "cgroup" },       { 0x63677270, "cgroup2" },
	{ 0x6e736673, "nsfs" },       { 0xde5e81e4, "efivarfs" },
	{ 0x858458f6, "ramfs" },      { 0x858458f6, "rootfs" },
	{ 0x74726163, "tracefs" },    { 0xcafe4a11, "bpf" },
	{ 0x6165676c, "pstore" },     { 0x62656570, "configfs" },
	{ 0x19800202, "mqueue" },     { 0x958458f6, "hugetlbfs" },
	{ 0x0187, "autofs" },         { 0x65735543, "fusectl" },
	{ 0x5a3c69f0, "apparmorfs" }, { 0x50495045, "pipefs" },
	{ 0x534f434b, "sockfs" },     { 0x09041934, "anon_inodefs" },
	{ 0x6c6f6f70, "binder" },     { 0x50494446, "pidfs" },
	{ 0x67596969, "rpc_pipefs" }, { 0x6e667364, "nfsd" },
	{ 0xef53, "ext2" },           { 0xef53, "ext3" },
	{ 0xef53, "ext4" },           { 0x58465342, "xfs" },
	{ 0x9123683e, "btrfs" },      { 0xf2f52010, "f2fs" },
	{ 0xe0f5e1e2, "erofs" },      { 0x73717368, "squashfs" },
	{ 0x794c7630, "overlay" },    { 0x65735546, "fuse" },
	{ 0x65735546, "fuseblk" },    { 0x6969, "nfs" },
	{ 0x6969, "nfs4" },           { 0xff534d42, "cifs" },
	{ 0xfe534d42, "smb3" },       { 0x4d44, "vfat" },
	{ 0x4d44, "msdos" },          { 0x2011bab0, "exfat" },
	{ 0x5346544e, "ntfs" },       { 0x5346544e, "ntfs3" },
	{ 0x9660, "iso9660" },        { 0x15013346, "udf" },
	{ 0x72b6, "jffs2" },          { 0x24051905, "ubifs" },
	{ 0x28cd3d45, "cramfs" },     { 0x7275, "romfs" },
	{ 0x2fc12fc1, "zfs" },        { 0xca451a4e, "bcachefs" },
	{ 0x3434, "nilfs2" },         { 0x3153464a, "jfs" },
	{ 0x52654973, "reiserfs" },   { 0x482b, "hfsplus" },
	{ 0x4244, "hfs" },            { 0x01161970, "gfs2" },
	{ 0x7461636f, "ocfs2" },      { 0x00c36400, "ceph" },
	{ 0x01021997, "9p" },         { 0x786f4256, "vboxsf" },
	{ 0xf15f, "ecryptfs" },       { 0x5a4f4653, "zonefs" },
	{ 0x137f, "minix" },          { 0x138f, "minix" },
	{ 0x2468, "minix" },          { 0x2478, "minix" },
	{ 0x4d5a, "minix" },          { 0xabba1974, "xenfs" },
	{ 0x444d4142, "dmabuf" },     { 0x5345434d, "secretmem" },
	{ 0x9fa2, "usbdevfs" },       { 0x62646576, "bdev" },
	{ 0x7655821, "resctrl" },     { 0x00c0ffee, "hostfs" },
};
#define NKNOWN (sizeof(known_fs) / sizeof(known_fs[0]))

/* What tcb does not measure and appraise_tcb does not appraise (the kernel's lists). */
static const uint64_t measure_exempt[] = {
	0x9fa0, 0x62656572, 0x64626720, 0x01021994, 0x1cd1, 0x42494e4d, 0x73636673,
	0xf97cff8c, 0x43415d53, 0x27e0eb, 0x63677270, 0x6e736673, 0xde5e81e4,
};
static const uint64_t appraise_exempt[] = {
	0x9fa0, 0x62656572, 0x64626720, 0x01021994, 0x858458f6, 0x1cd1, 0x42494e4d,
	0x73636673, 0xf97cff8c, 0x43415d53, 0x6e736673, 0xde5e81e4, 0x27e0eb, 0x63677270,
};

static const char *fs_name(uint64_t magic)
{
	for (size_t i = 0; i < NKNOWN; i++)
		if (known_fs[i].magic == magic)
			return known_fs[i].name;
	return NULL;
}

struct lint {
	const struct vigil_policy *p;
	struct vigil_policy_diags *d;
	uint32_t observable;
	bool oom;
};

static void note(struct lint *l, size_t i, int severity, int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void note(struct lint *l, size_t i, int severity, int code, const char *fmt, ...)
{
	char msg[sizeof(((struct vigil_policy_diag *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!policy_diag_add(l->d, l->p->rules[i].line, 0, severity, code, (int)i, "%s", msg))
		l->oom = true;
}

static int pair_of(unsigned action)
{
	if (action & (VIGIL_POLICY_MEASURE | VIGIL_POLICY_DONT_MEASURE))
		return VIGIL_PAIR_MEASURE;
	if (action & (VIGIL_POLICY_APPRAISE | VIGIL_POLICY_DONT_APPRAISE))
		return VIGIL_PAIR_APPRAISE;
	return action == VIGIL_POLICY_AUDIT ? VIGIL_PAIR_AUDIT : VIGIL_PAIR_HASH;
}

static const char *const pair_names[] = { "measure", "appraise", "audit", "hash" };

static bool data_func(int func)
{
	return func == VIGIL_FUNC_KEY_CHECK || func == VIGIL_FUNC_CRITICAL_DATA;
}

/* ======================================================== rule covers */

/* Whether "x b_op b" implies "x a_op a" for every x. */
static bool id_implies(uint8_t a_op, uint32_t a, uint8_t b_op, uint32_t b)
{
	switch (a_op) {
	case VIGIL_OP_GT: return (b_op == VIGIL_OP_EQ && b > a) || (b_op == VIGIL_OP_GT && b >= a);
	case VIGIL_OP_LT: return (b_op == VIGIL_OP_EQ && b < a) || (b_op == VIGIL_OP_LT && b <= a);
	default: return b_op == VIGIL_OP_EQ && b == a;
	}
}

static bool covers_hook(const struct vigil_policy_rule *a, const struct vigil_policy_rule *b)
{
	bool bf = b->conds & VIGIL_COND_FUNC;

	if ((a->conds & VIGIL_COND_FUNC) && !(bf && b->func == a->func))
		return false;
	/* a rule without func= never matches KEY_CHECK / CRITICAL_DATA data */
	if (bf && data_func(b->func) && !(a->conds & VIGIL_COND_FUNC))
		return false;
	if ((a->conds & VIGIL_COND_MASK) && !((b->conds & VIGIL_COND_MASK) && b->mask == a->mask))
		return false;
	if ((a->conds & VIGIL_COND_INMASK) &&
	    !((b->conds & (VIGIL_COND_MASK | VIGIL_COND_INMASK)) && (b->mask & a->mask)))
		return false;
	return true;
}

static bool covers_fs(const struct vigil_policy_rule *a, const struct vigil_policy_rule *b)
{
	unsigned c = a->conds;

	if ((c & VIGIL_COND_FSMAGIC) &&
	    !((b->conds & VIGIL_COND_FSMAGIC) && b->fsmagic == a->fsmagic))
		return false;
	if ((c & VIGIL_COND_FSNAME) && !((b->conds & VIGIL_COND_FSNAME) && b->fsname == a->fsname))
		return false;
	if ((c & VIGIL_COND_FSUUID) &&
	    !((b->conds & VIGIL_COND_FSUUID) && !memcmp(b->fsuuid, a->fsuuid, 16)))
		return false;
	return true;
}

static bool covers_id(const struct vigil_policy_rule *a, const struct vigil_policy_rule *b,
		      unsigned cond, uint8_t a_op, uint32_t av, uint8_t b_op, uint32_t bv)
{
	if (!(a->conds & cond))
		return true;
	return (b->conds & cond) && id_implies(a_op, av, b_op, bv);
}

static bool covers_ids(const struct vigil_policy_rule *a, const struct vigil_policy_rule *b)
{
	return covers_id(a, b, VIGIL_COND_UID, a->uid_op, a->uid, b->uid_op, b->uid) &&
	       covers_id(a, b, VIGIL_COND_EUID, a->uid_op, a->uid, b->uid_op, b->uid) &&
	       covers_id(a, b, VIGIL_COND_GID, a->gid_op, a->gid, b->gid_op, b->gid) &&
	       covers_id(a, b, VIGIL_COND_EGID, a->gid_op, a->gid, b->gid_op, b->gid) &&
	       covers_id(a, b, VIGIL_COND_FOWNER, a->fowner_op, a->fowner, b->fowner_op,
			 b->fowner) &&
	       covers_id(a, b, VIGIL_COND_FGROUP, a->fgroup_op, a->fgroup, b->fgroup_op,
			 b->fgroup);
}

static bool in_list(const struct vigil_policy *p, struct vigil_policy_list l, uint32_t id)
{
	for (uint32_t i = 0; i < l.count; i++)
		if (vigil_policy_list_item(p, l, i) == id)
			return true;
	return false;
}

/* a's list (if any) contains every item of b's list (and b has one). */
static bool covers_list(const struct vigil_policy *p, struct vigil_policy_list a,
			struct vigil_policy_list b)
{
	if (!a.count)
		return true;
	if (!b.count)
		return false;
	for (uint32_t i = 0; i < b.count; i++)
		if (!in_list(p, a, vigil_policy_list_item(p, b, i)))
			return false;
	return true;
}

/* Rule a matches every access rule b matches (same policy). */
static bool covers(const struct vigil_policy *p, const struct vigil_policy_rule *a,
		   const struct vigil_policy_rule *b)
{
	if (!covers_hook(a, b) || !covers_fs(a, b) || !covers_ids(a, b))
		return false;
	for (int i = 0; i < VIGIL_LSM_COUNT; i++)
		if (a->lsm[i] && a->lsm[i] != b->lsm[i])
			return false;
	return covers_list(p, a->keyrings, b->keyrings) && covers_list(p, a->label, b->label);
}

/* ============================================================= checks */

static void check_shadowed(struct lint *l, size_t j)
{
	const struct vigil_policy_rule *b = &l->p->rules[j];
	char text[120];

	for (size_t i = 0; i < j; i++) {
		const struct vigil_policy_rule *a = &l->p->rules[i];

		if (pair_of(a->action) != pair_of(b->action) || !covers(l->p, a, b))
			continue;
		vigil_policy_rule_print(l->p, i, 0, text, sizeof(text));
		return note(l, j, VIGIL_DIAG_WARNING, VIGIL_LINT_SHADOWED,
			    "never takes effect: line %u (%s) decides %s first for every access this rule matches",
			    a->line, text, pair_names[pair_of(b->action)]);
	}
}

/* The mask each hook asks with: exec paths MAY_EXEC, kernel reads MAY_READ. */
static unsigned hook_mask(int func)
{
	switch (func) {
	case VIGIL_FUNC_BPRM_CHECK:
	case VIGIL_FUNC_MMAP_CHECK:
	case VIGIL_FUNC_MMAP_CHECK_REQPROT:
	case VIGIL_FUNC_CREDS_CHECK: return VIGIL_MAY_EXEC;
	case VIGIL_FUNC_MODULE_CHECK:
	case VIGIL_FUNC_FIRMWARE_CHECK:
	case VIGIL_FUNC_KEXEC_KERNEL_CHECK:
	case VIGIL_FUNC_KEXEC_INITRAMFS_CHECK:
	case VIGIL_FUNC_POLICY_CHECK: return VIGIL_MAY_READ;
	default: return 0;
	}
}

static bool mask_never(const struct vigil_policy_rule *r)
{
	unsigned m = r->conds & VIGIL_COND_FUNC ? hook_mask(r->func) : 0;

	if (!m || !(r->conds & (VIGIL_COND_MASK | VIGIL_COND_INMASK)))
		return false;
	return (r->conds & VIGIL_COND_MASK) ? r->mask != m : !(r->mask & m);
}

/* An id comparison no id satisfies: < 0, or > the largest valid id. */
static bool id_never(uint8_t op, uint32_t v)
{
	return (op == VIGIL_OP_LT && v == 0) || (op == VIGIL_OP_GT && v >= POLICY_ID_MAX);
}

static bool ids_never(const struct vigil_policy_rule *r)
{
	unsigned c = r->conds;

	return ((c & (VIGIL_COND_UID | VIGIL_COND_EUID)) && id_never(r->uid_op, r->uid)) ||
	       ((c & (VIGIL_COND_GID | VIGIL_COND_EGID)) && id_never(r->gid_op, r->gid)) ||
	       ((c & VIGIL_COND_FOWNER) && id_never(r->fowner_op, r->fowner)) ||
	       ((c & VIGIL_COND_FGROUP) && id_never(r->fgroup_op, r->fgroup));
}

/* fsname names a known filesystem whose magic is not fsmagic. */
static bool fs_never(const struct vigil_policy *p, const struct vigil_policy_rule *r)
{
	const char *name;
	bool known = false;

	if ((r->conds & (VIGIL_COND_FSMAGIC | VIGIL_COND_FSNAME)) !=
	    (VIGIL_COND_FSMAGIC | VIGIL_COND_FSNAME))
		return false;
	name = vigil_policy_string(p, r->fsname);
	for (size_t i = 0; i < NKNOWN; i++) {
		if (strcmp(known_fs[i].name, name))
			continue;
		if (known_fs[i].magic == r->fsmagic)
			return false;
		known = true;
	}
	return known;
}

static void check_never(struct lint *l, size_t i)
{
	const struct vigil_policy_rule *r = &l->p->rules[i];
	const char *fn = vigil_policy_func_name(r->func);

	if (mask_never(r))
		note(l, i, VIGIL_DIAG_WARNING, VIGIL_LINT_NEVER_MATCHES,
		     "never matches: func=%s always asks %s, which this mask excludes", fn,
		     hook_mask(r->func) == VIGIL_MAY_EXEC ? "MAY_EXEC" : "MAY_READ");
	else if (ids_never(r))
		note(l, i, VIGIL_DIAG_WARNING, VIGIL_LINT_NEVER_MATCHES,
		     "never matches: no id is below 0 or above %u", POLICY_ID_MAX);
	else if (fs_never(l->p, r))
		note(l, i, VIGIL_DIAG_WARNING, VIGIL_LINT_NEVER_MATCHES,
		     "never matches: fsname=%s is not the filesystem of fsmagic=0x%llx (%s)",
		     vigil_policy_string(l->p, r->fsname), (unsigned long long)r->fsmagic,
		     fs_name(r->fsmagic) ? fs_name(r->fsmagic) : "unknown");
}

/*
 * Hooks that fire for ordinary file use, where measuring /proc, /sys or
 * tmpfs costs: opens, execs and mmaps (a rule without func= included).
 */
static bool busy_hook(const struct vigil_policy_rule *r)
{
	if (!(r->conds & VIGIL_COND_FUNC))
		return true;
	switch (r->func) {
	case VIGIL_FUNC_FILE_CHECK:
	case VIGIL_FUNC_MMAP_CHECK:
	case VIGIL_FUNC_MMAP_CHECK_REQPROT:
	case VIGIL_FUNC_BPRM_CHECK:
	case VIGIL_FUNC_CREDS_CHECK: return true;
	default: return false;
	}
}

/* Does an earlier rule of the pair decide for files of this magic before rule j? */
static bool decided_before(const struct lint *l, size_t j, uint64_t magic)
{
	struct vigil_policy_rule t = l->p->rules[j];
	const char *name = fs_name(magic);

	t.conds |= VIGIL_COND_FSMAGIC | VIGIL_COND_FSNAME;
	t.fsmagic = magic;
	t.fsname = name ? vigil_policy_intern(l->p, name) : VIGIL_POLICY_UNKNOWN_STRING;
	for (size_t i = 0; i < j; i++)
		if (pair_of(l->p->rules[i].action) == pair_of(t.action) &&
		    covers(l->p, &l->p->rules[i], &t))
			return true;
	return false;
}

/* "policy too broad": a measure/appraise rule with no filesystem condition. */
static void check_pseudo_fs(struct lint *l, size_t j)
{
	const struct vigil_policy_rule *r = &l->p->rules[j];
	bool measure = r->action == VIGIL_POLICY_MEASURE;
	const uint64_t *list = measure ? measure_exempt : appraise_exempt;
	size_t n = measure ? sizeof(measure_exempt) / sizeof(measure_exempt[0])
			   : sizeof(appraise_exempt) / sizeof(appraise_exempt[0]);
	char names[200] = "";
	size_t used = 0, missing = 0;

	if ((!measure && r->action != VIGIL_POLICY_APPRAISE) || !busy_hook(r) ||
	    (r->conds & (VIGIL_COND_FSMAGIC | VIGIL_COND_FSNAME | VIGIL_COND_FSUUID)))
		return;
	for (size_t k = 0; k < n; k++) {
		if (decided_before(l, j, list[k]))
			continue;
		missing++;
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? " " : "", fs_name(list[k]));
	}
	if (missing)
		note(l, j, VIGIL_DIAG_WARNING, VIGIL_LINT_PSEUDO_FS,
		     "%s files on pseudo filesystems and tmpfs (%s): add dont_%s fsmagic= rules before it",
		     measure ? "measures" : "appraises", names, measure ? "measure" : "appraise");
}

static void check_appraise_sig(struct lint *l, size_t i)
{
	const struct vigil_policy_rule *r = &l->p->rules[i];

	if (r->action != VIGIL_POLICY_APPRAISE || !(r->conds & VIGIL_COND_FUNC) ||
	    (r->opts & VIGIL_OPT_SIG_REQUIRED))
		return;
	if (r->func == VIGIL_FUNC_BPRM_CHECK || r->func == VIGIL_FUNC_MMAP_CHECK ||
	    r->func == VIGIL_FUNC_MMAP_CHECK_REQPROT)
		note(l, i, VIGIL_DIAG_WARNING, VIGIL_LINT_APPRAISE_NO_SIG,
		     "appraise func=%s without appraise_type=imasig accepts a plain hash in security.ima, which whoever can write the file can rewrite too (unless EVM protects it)",
		     vigil_policy_func_name(r->func));
}

static void check_observable(struct lint *l, size_t i)
{
	const struct vigil_policy_rule *r = &l->p->rules[i];

	if ((r->conds & VIGIL_COND_FUNC) && !(l->observable & VIGIL_FUNC_BIT(r->func)))
		note(l, i, VIGIL_DIAG_WARNING, VIGIL_LINT_UNOBSERVABLE,
		     "func=%s is not observable here (vigild gets no event for this kernel hook): the rule never applies",
		     vigil_policy_func_name(r->func));
}

static void check_fsmagic(struct lint *l, size_t i)
{
	const struct vigil_policy_rule *r = &l->p->rules[i];

	if ((r->conds & VIGIL_COND_FSMAGIC) && !fs_name(r->fsmagic))
		note(l, i, VIGIL_DIAG_INFO, VIGIL_LINT_UNKNOWN_FSMAGIC,
		     "fsmagic=0x%llx is not a known filesystem magic (tmpfs is 0x1021994, proc 0x9fa0, sysfs 0x62656572)",
		     (unsigned long long)r->fsmagic);
}

/* Accepted by the kernel, without effect. */
static void check_ignored(struct lint *l, size_t i)
{
	const struct vigil_policy_rule *r = &l->p->rules[i];

	if (data_func(r->func) && (r->conds & VIGIL_COND_GID))
		note(l, i, VIGIL_DIAG_INFO, VIGIL_LINT_IGNORED,
		     "gid= is accepted but not checked on func=%s (only uid= is)",
		     vigil_policy_func_name(r->func));
	if (r->func != VIGIL_FUNC_SETXATTR_CHECK)
		return;
	for (size_t k = 0; k < i; k++)
		if (l->p->rules[k].func == VIGIL_FUNC_SETXATTR_CHECK)
			return note(l, i, VIGIL_DIAG_WARNING, VIGIL_LINT_IGNORED,
				    "ignored: only the first SETXATTR_CHECK rule (line %u) sets the allowed algorithms",
				    l->p->rules[k].line);
	if (r->conds & VIGIL_COND_LSM)
		note(l, i, VIGIL_DIAG_INFO, VIGIL_LINT_IGNORED,
		     "LSM conditions are not checked on func=SETXATTR_CHECK");
}

/* The kernel's own notice: verity measurements want the d-ngv2 field. */
static void check_template(struct lint *l, size_t i)
{
	const struct vigil_policy_rule *r = &l->p->rules[i];
	const char *fmt;

	if (r->action != VIGIL_POLICY_MEASURE || !(r->opts & VIGIL_OPT_VERITY))
		return;
	fmt = r->opts & VIGIL_OPT_TEMPLATE ? policy_templates[r->template_id].fmt : NULL;
	if (!fmt || !strstr(fmt, "d-ngv2"))
		note(l, i, VIGIL_DIAG_INFO, VIGIL_LINT_TEMPLATE,
		     "digest_type=verity measurements should use a template with d-ngv2 (template=ima-ngv2 or ima-sigv2)");
}

int vigil_policy_lint(const struct vigil_policy *p, uint32_t observable,
		      struct vigil_policy_diags *out, struct vigil_error *err)
{
	struct lint l = { p, out, observable, false };

	if (!p || !out)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no policy to lint");
	if (!out->file && policy_diags_init(out, p->source) != VIGIL_OK)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for lint results");
	if (!p->nrules && !policy_diag_add(out, 0, 0, VIGIL_DIAG_INFO, VIGIL_LINT_EMPTY, -1,
					   "the policy has no rules (the kernel refuses an empty policy)"))
		l.oom = true;
	for (size_t i = 0; i < p->nrules && !l.oom; i++) {
		check_observable(&l, i);
		check_never(&l, i);
		check_shadowed(&l, i);
		check_pseudo_fs(&l, i);
		check_appraise_sig(&l, i);
		check_fsmagic(&l, i);
		check_ignored(&l, i);
		check_template(&l, i);
	}
	if (l.oom)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for lint results");
	return VIGIL_OK;
}
