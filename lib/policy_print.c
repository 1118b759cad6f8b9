/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Spellings of the policy language and the canonical print form: the
 * kernel's ima_policy_show() order, so `vigil policy show` can be diffed
 * against /sys/kernel/security/ima/policy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/hash.h>
#include "internal.h"
#include "policy_internal.h"

/* The kernel's func_tokens[] (__ima_hooks order). */
static const char *const func_names[VIGIL_FUNC_COUNT] = {
	[VIGIL_FUNC_FILE_CHECK] = "FILE_CHECK",
	[VIGIL_FUNC_MMAP_CHECK] = "MMAP_CHECK",
	[VIGIL_FUNC_MMAP_CHECK_REQPROT] = "MMAP_CHECK_REQPROT",
	[VIGIL_FUNC_BPRM_CHECK] = "BPRM_CHECK",
	[VIGIL_FUNC_CREDS_CHECK] = "CREDS_CHECK",
	[VIGIL_FUNC_POST_SETATTR] = "POST_SETATTR",
	[VIGIL_FUNC_MODULE_CHECK] = "MODULE_CHECK",
	[VIGIL_FUNC_FIRMWARE_CHECK] = "FIRMWARE_CHECK",
	[VIGIL_FUNC_KEXEC_KERNEL_CHECK] = "KEXEC_KERNEL_CHECK",
	[VIGIL_FUNC_KEXEC_INITRAMFS_CHECK] = "KEXEC_INITRAMFS_CHECK",
	[VIGIL_FUNC_POLICY_CHECK] = "POLICY_CHECK",
	[VIGIL_FUNC_KEXEC_CMDLINE] = "KEXEC_CMDLINE",
	[VIGIL_FUNC_KEY_CHECK] = "KEY_CHECK",
	[VIGIL_FUNC_CRITICAL_DATA] = "CRITICAL_DATA",
	[VIGIL_FUNC_SETXATTR_CHECK] = "SETXATTR_CHECK",
};

const char *vigil_policy_func_name(int func)
{
	return func > 0 && func < VIGIL_FUNC_COUNT ? func_names[func] : NULL;
}

int vigil_policy_func_by_name(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "PATH_CHECK") == 0)
		return VIGIL_FUNC_FILE_CHECK;
	if (strcmp(name, "FILE_MMAP") == 0)
		return VIGIL_FUNC_MMAP_CHECK;
	for (int i = 1; i < VIGIL_FUNC_COUNT; i++)
		if (i != VIGIL_FUNC_POST_SETATTR && strcmp(name, func_names[i]) == 0)
			return i;
	return -1;
}

const char *vigil_policy_action_name(unsigned action)
{
	switch (action) {
	case VIGIL_POLICY_MEASURE: return "measure";
	case VIGIL_POLICY_DONT_MEASURE: return "dont_measure";
	case VIGIL_POLICY_APPRAISE: return "appraise";
	case VIGIL_POLICY_DONT_APPRAISE: return "dont_appraise";
	case VIGIL_POLICY_AUDIT: return "audit";
	case VIGIL_POLICY_HASH: return "hash";
	case VIGIL_POLICY_DONT_HASH: return "dont_hash";
	}
	return NULL;
}

/* ima_template.c builtin_templates[]: template= matches a name or a format. */
const struct policy_template policy_templates[] = {
	{ "ima", "d|n" },
	{ "ima-ng", "d-ng|n-ng" },
	{ "ima-sig", "d-ng|n-ng|sig" },
	{ "ima-ngv2", "d-ngv2|n-ng" },
	{ "ima-sigv2", "d-ngv2|n-ng|sig" },
	{ "ima-buf", "d-ng|n-ng|buf" },
	{ "ima-modsig", "d-ng|n-ng|sig|d-modsig|modsig" },
	{ "evm-sig", "d-ng|n-ng|evmsig|xattrnames|xattrlengths|xattrvalues|iuid|igid|imode" },
};
const size_t policy_ntemplates = sizeof(policy_templates) / sizeof(policy_templates[0]);

static bool same(const char *s, size_t len, const char *z)
{
	return strlen(z) == len && memcmp(s, z, len) == 0;
}

int policy_template_lookup(const char *s, size_t len)
{
	for (size_t i = 0; i < policy_ntemplates; i++)
		if (same(s, len, policy_templates[i].name) || same(s, len, policy_templates[i].fmt))
			return (int)i;
	return -1;
}

const char *vigil_policy_template_name(int id)
{
	return id >= 0 && (size_t)id < policy_ntemplates ? policy_templates[id].name : NULL;
}

static const char *const policy_lsm_names[VIGIL_LSM_COUNT] = {
	"obj_user", "obj_role", "obj_type", "subj_user", "subj_role", "subj_type",
};

/* ============================================================ buffer */

/* Growable text: printing a whole policy needs no length guess. */
struct policy_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void policy_buf_printf(struct policy_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void policy_buf_printf(struct policy_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!b->s || b->len + (size_t)n >= b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *s;

		while (cap <= b->len + (size_t)n)
			cap *= 2;
		if (!(s = realloc(b->s, cap))) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* ============================================================ printing */

struct printer {
	const struct vigil_policy *p;
	const struct vigil_policy_rule *r;
	struct policy_buf *b;
	bool kernel;
};

/* Every item is followed by one blank, as in ima_policy_show(); trimmed later if canonical. */
#define put(pr, ...) policy_buf_printf((pr)->b, __VA_ARGS__)

static const char *op_char(uint8_t op)
{
	return op == VIGIL_OP_GT ? ">" : op == VIGIL_OP_LT ? "<" : "=";
}

/* The kernel prints ids with %d, so ids above INT_MAX come out negative. */
static void put_id(struct printer *pr, const char *key, uint8_t op, uint32_t v)
{
	if (pr->kernel)
		put(pr, "%s%s%d ", key, op_char(op), (int)v);
	else
		put(pr, "%s%s%u ", key, op_char(op), v);
}

static void put_list(struct printer *pr, const char *key, struct vigil_policy_list l)
{
	put(pr, "%s=", key);
	for (uint32_t i = 0; i < l.count; i++)
		put(pr, "%s%s", i ? "|" : "",
		    vigil_policy_string(pr->p, vigil_policy_list_item(pr->p, l, i)));
	put(pr, " ");
}

static void put_mask(struct printer *pr)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = { { VIGIL_MAY_EXEC, "MAY_EXEC" },
		      { VIGIL_MAY_WRITE, "MAY_WRITE" },
		      { VIGIL_MAY_READ, "MAY_READ" },
		      { VIGIL_MAY_APPEND, "MAY_APPEND" } };
	const char *caret = pr->r->conds & VIGIL_COND_INMASK ? "^" : "";

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (pr->r->mask & order[i].bit)
			put(pr, "mask=%s%s", caret, order[i].name);
	put(pr, " ");
}

static void put_uuid(struct printer *pr)
{
	const uint8_t *u = pr->r->fsuuid;

	put(pr, "fsuuid=");
	for (int i = 0; i < 16; i++)
		put(pr, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
	put(pr, " ");
}

static void put_algos(struct printer *pr)
{
	int n = 0;

	put(pr, "appraise_algos=");
	for (int i = 0; i < VIGIL_HASH_ALGO_COUNT; i++)
		if (pr->r->algos & (1u << i))
			put(pr, "%s%s", n++ ? "," : "", vigil_hash_by_id(i)->name);
	put(pr, " ");
}

/* ima_policy_show() order: func mask fsmagic fsname keyrings label pcr fsuuid. */
static void put_hook_and_fs(struct printer *pr)
{
	const struct vigil_policy_rule *r = pr->r;

	if (r->conds & VIGIL_COND_FUNC)
		put(pr, "func=%s ", vigil_policy_func_name(r->func));
	if (r->conds & (VIGIL_COND_MASK | VIGIL_COND_INMASK))
		put_mask(pr);
	if (r->conds & VIGIL_COND_FSMAGIC)
		put(pr, "fsmagic=0x%llx ", (unsigned long long)r->fsmagic);
	if (r->conds & VIGIL_COND_FSNAME)
		put(pr, "fsname=%s ", vigil_policy_string(pr->p, r->fsname));
	if (r->conds & VIGIL_COND_KEYRINGS)
		put_list(pr, "keyrings", r->keyrings);
	if (r->conds & VIGIL_COND_LABEL)
		put_list(pr, "label", r->label);
	if (r->opts & VIGIL_OPT_PCR)
		put(pr, "pcr=%d ", r->pcr);
	if (r->conds & VIGIL_COND_FSUUID)
		put_uuid(pr);
}

static void put_ids(struct printer *pr)
{
	const struct vigil_policy_rule *r = pr->r;

	if (r->conds & VIGIL_COND_UID)
		put_id(pr, "uid", r->uid_op, r->uid);
	if (r->conds & VIGIL_COND_EUID)
		put_id(pr, "euid", r->uid_op, r->uid);
	if (r->conds & VIGIL_COND_GID)
		put_id(pr, "gid", r->gid_op, r->gid);
	if (r->conds & VIGIL_COND_EGID)
		put_id(pr, "egid", r->gid_op, r->gid);
	if (r->conds & VIGIL_COND_FOWNER)
		put_id(pr, "fowner", r->fowner_op, r->fowner);
	if (r->conds & VIGIL_COND_FGROUP)
		put_id(pr, "fgroup", r->fgroup_op, r->fgroup);
}

static void put_appraise_type(struct printer *pr)
{
	unsigned o = pr->r->opts;

	if (!(o & VIGIL_OPT_SIG_REQUIRED))
		return;
	if (o & VIGIL_OPT_VERITY)
		put(pr, "appraise_type=sigv3 ");
	else if (o & VIGIL_OPT_MODSIG)
		put(pr, "appraise_type=imasig|modsig ");
	else
		put(pr, "appraise_type=imasig ");
}

/*
 * The kernel prints digest_type after appraise_type, but parses sigv3 only
 * after digest_type: the canonical form swaps them so it parses back.
 */
static void put_options(struct printer *pr)
{
	const struct vigil_policy_rule *r = pr->r;
	bool verity = r->opts & VIGIL_OPT_VERITY;

	if (r->opts & VIGIL_OPT_ALGOS)
		put_algos(pr);
	for (int i = 0; i < VIGIL_LSM_COUNT; i++)
		if (r->lsm[i])
			put(pr, "%s=%s ", policy_lsm_names[i],
			    vigil_policy_string(pr->p, r->lsm[i]));
	if (r->opts & VIGIL_OPT_TEMPLATE)
		put(pr, "template=%s ", vigil_policy_template_name(r->template_id));
	if (verity && !pr->kernel)
		put(pr, "digest_type=verity ");
	put_appraise_type(pr);
	if (verity && pr->kernel)
		put(pr, "digest_type=verity ");
	if (r->opts & VIGIL_OPT_CHECK_BLACKLIST)
		put(pr, "appraise_flag=check_blacklist ");
	if (r->opts & VIGIL_OPT_PERMIT_DIRECTIO)
		put(pr, "permit_directio ");
}

static void print_rule(struct printer *pr)
{
	put(pr, "%s ", vigil_policy_action_name(pr->r->action));
	put_hook_and_fs(pr);
	put_ids(pr);
	put_options(pr);
	if (!pr->kernel && pr->b->len && pr->b->s[pr->b->len - 1] == ' ')
		pr->b->s[--pr->b->len] = '\0';
}

int vigil_policy_rule_print(const struct vigil_policy *p, size_t i, unsigned flags, char *buf,
			    size_t cap)
{
	struct policy_buf b = { 0 };
	struct printer pr = { p, vigil_policy_rule(p, i), &b, flags & VIGIL_POLICY_PRINT_KERNEL };
	int n;

	if (!pr.r)
		return -1;
	print_rule(&pr);
	if (b.oom) {
		free(b.s);
		return -1;
	}
	n = snprintf(buf, cap, "%s", b.s ? b.s : "");
	free(b.s);
	return n;
}

int vigil_policy_print(const struct vigil_policy *p, unsigned flags, char **out, size_t *len,
		       struct vigil_error *err)
{
	struct policy_buf b = { 0 };

	*out = NULL;
	policy_buf_printf(&b, "%s", "");
	for (size_t i = 0; p && i < p->nrules; i++) {
		struct printer pr = { p, &p->rules[i], &b, flags & VIGIL_POLICY_PRINT_KERNEL };

		print_rule(&pr);
		policy_buf_printf(&b, "\n");
	}
	if (b.oom) {
		free(b.s);
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory printing the policy");
	}
	*out = b.s;
	if (len)
		*len = b.len;
	return VIGIL_OK;
}
