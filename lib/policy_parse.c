/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IMA policy text -> rule list, with the kernel's acceptance rules
 * (security/integrity/ima/ima_policy.c: ima_parse_rule, ima_validate_rule).
 * Every invalid rule is reported (its first error, as the kernel stops at
 * it) and one invalid rule refuses the whole policy, as the kernel does.
 * Also owns the policy object the parser builds and the diagnostic list.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/hash.h>
#include "internal.h"
#include "policy_internal.h"

/* ======================================================== policy object */

static struct vigil_policy *policy_new(const char *source)
{
	struct vigil_policy *p = calloc(1, sizeof(*p));

	if (p && !(p->source = strdup(source ? source : "<policy>"))) {
		free(p);
		return NULL;
	}
	return p;
}

void vigil_policy_free(struct vigil_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p->hash);
	free(p->items);
	free(p->rules);
	free(p->source);
	free(p);
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return false;
	*arr = n;
	*cap = ncap;
	return true;
}

static int policy_add_rule(struct vigil_policy *p, const struct vigil_policy_rule *r)
{
	if (!grow((void **)&p->rules, &p->rulecap, p->nrules + 1, sizeof(*r)))
		return VIGIL_ERR_NOMEM;
	p->rules[p->nrules++] = *r;
	return VIGIL_OK;
}

static bool policy_add_item(struct vigil_policy *p, uint32_t id)
{
	if (!grow((void **)&p->items, &p->itemcap, p->nitems + 1, sizeof(*p->items)))
		return false;
	p->items[p->nitems++] = id;
	return true;
}

/*
 * Interning uses an open-addressed table of ids so a policy with many
 * distinct labels still parses in linear time.
 */
static uint32_t str_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static uint32_t find_id(const struct vigil_policy *p, const char *s, size_t len, size_t *slot)
{
	size_t mask = p->hashcap - 1, i;

	if (!p->hashcap)
		return 0;
	for (i = str_hash(s, len) & mask;; i = (i + 1) & mask) {
		uint32_t id = p->hash[i];

		if (!id || (strncmp(p->strs[id - 1], s, len) == 0 && !p->strs[id - 1][len]))
			break;
	}
	if (slot)
		*slot = i;
	return p->hash[i];
}

static bool rehash(struct vigil_policy *p)
{
	size_t ncap = p->hashcap ? p->hashcap * 2 : 64, slot;
	uint32_t *old = p->hash;

	if (!(p->hash = calloc(ncap, sizeof(*p->hash)))) {
		p->hash = old;
		return false;
	}
	free(old);
	p->hashcap = ncap;
	for (size_t i = 0; i < p->nstrs; i++) {
		find_id(p, p->strs[i], strlen(p->strs[i]), &slot);
		p->hash[slot] = (uint32_t)(i + 1);
	}
	return true;
}

/* Id of s[0..len), adding it; 0 on allocation failure. */
static uint32_t policy_intern_n(struct vigil_policy *p, const char *s, size_t len)
{
	size_t slot;
	uint32_t id;
	char *copy;

	if ((id = find_id(p, s, len, NULL)) != 0)
		return id;
	if ((p->nstrs + 1) * 2 > p->hashcap && !rehash(p))
		return 0;
	if (!grow((void **)&p->strs, &p->strcap, p->nstrs + 1, sizeof(*p->strs)) ||
	    !(copy = strndup(s, len)))
		return 0;
	p->strs[p->nstrs++] = copy;
	find_id(p, s, len, &slot);
	p->hash[slot] = (uint32_t)p->nstrs;
	return (uint32_t)p->nstrs;
}

uint32_t vigil_policy_intern(const struct vigil_policy *p, const char *s)
{
	uint32_t id;

	if (!p || !s)
		return VIGIL_POLICY_UNKNOWN_STRING;
	id = find_id(p, s, strlen(s), NULL);
	return id ? id : VIGIL_POLICY_UNKNOWN_STRING;
}

const char *vigil_policy_string(const struct vigil_policy *p, uint32_t id)
{
	if (!p || id == 0 || id > p->nstrs)
		return NULL;
	return p->strs[id - 1];
}

uint32_t vigil_policy_list_item(const struct vigil_policy *p, struct vigil_policy_list l,
				uint32_t i)
{
	if (!p || i >= l.count || (size_t)l.first + i >= p->nitems)
		return VIGIL_POLICY_NO_STRING;
	return p->items[l.first + i];
}

size_t vigil_policy_count(const struct vigil_policy *p)
{
	return p ? p->nrules : 0;
}

const struct vigil_policy_rule *vigil_policy_rule(const struct vigil_policy *p, size_t i)
{
	return p && i < p->nrules ? &p->rules[i] : NULL;
}

bool vigil_policy_fail_securely(const struct vigil_policy *p)
{
	return p && p->fail_securely;
}

static bool same_string(const struct vigil_policy *a, uint32_t ia, const struct vigil_policy *b,
			uint32_t ib)
{
	const char *sa = vigil_policy_string(a, ia), *sb = vigil_policy_string(b, ib);

	if (!sa || !sb)
		return sa == sb;
	return strcmp(sa, sb) == 0;
}

static bool same_list(const struct vigil_policy *a, struct vigil_policy_list la,
		      const struct vigil_policy *b, struct vigil_policy_list lb)
{
	if (la.count != lb.count)
		return false;
	for (uint32_t i = 0; i < la.count; i++)
		if (!same_string(a, vigil_policy_list_item(a, la, i), b,
				 vigil_policy_list_item(b, lb, i)))
			return false;
	return true;
}

/* Compares what the rule means; ids are per policy so strings compare by text. */
static bool same_rule(const struct vigil_policy *a, const struct vigil_policy_rule *x,
		      const struct vigil_policy *b, const struct vigil_policy_rule *y)
{
	if (x->action != y->action || x->conds != y->conds || x->opts != y->opts ||
	    x->func != y->func || x->mask != y->mask || x->fsmagic != y->fsmagic ||
	    memcmp(x->fsuuid, y->fsuuid, sizeof(x->fsuuid)) || x->uid != y->uid ||
	    x->gid != y->gid || x->fowner != y->fowner || x->fgroup != y->fgroup ||
	    x->uid_op != y->uid_op || x->gid_op != y->gid_op || x->fowner_op != y->fowner_op ||
	    x->fgroup_op != y->fgroup_op || x->pcr != y->pcr || x->algos != y->algos ||
	    x->template_id != y->template_id || !same_string(a, x->fsname, b, y->fsname))
		return false;
	for (int i = 0; i < VIGIL_LSM_COUNT; i++)
		if (!same_string(a, x->lsm[i], b, y->lsm[i]))
			return false;
	return same_list(a, x->keyrings, b, y->keyrings) && same_list(a, x->label, b, y->label);
}

bool vigil_policy_equal(const struct vigil_policy *a, const struct vigil_policy *b)
{
	if (!a || !b || a->nrules != b->nrules)
		return a == b;
	for (size_t i = 0; i < a->nrules; i++)
		if (!same_rule(a, &a->rules[i], b, &b->rules[i]))
			return false;
	return true;
}

/* ========================================================== diagnostics */

int policy_diags_init(struct vigil_policy_diags *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = strdup(file ? file : "<policy>");
	return d->file ? VIGIL_OK : VIGIL_ERR_NOMEM;
}

void vigil_policy_diags_free(struct vigil_policy_diags *d)
{
	if (!d)
		return;
	free(d->file);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

bool policy_diag_add(struct vigil_policy_diags *d, unsigned line, unsigned col, int severity,
		     int code, int rule, const char *fmt, ...)
{
	struct vigil_policy_diag *g;
	size_t n = d->count;
	va_list ap;

	/*
	 * The capacity is implied by count (4, then each power of two), so the
	 * public struct needs no capacity field.
	 */
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		void *grown = realloc(d->items, (n ? n * 2 : 4) * sizeof(*d->items));

		if (!grown)
			return false;
		d->items = grown;
	}
	g = &d->items[d->count++];
	memset(g, 0, sizeof(*g));
	g->line = line;
	g->column = col;
	g->severity = severity;
	g->code = code;
	g->rule = rule;
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
	return true;
}

int vigil_policy_diags_worst(const struct vigil_policy_diags *d)
{
	int worst = 0;

	for (size_t i = 0; d && i < d->count; i++)
		if (d->items[i].severity > worst)
			worst = d->items[i].severity;
	return worst;
}

int vigil_policy_diag_format(const struct vigil_policy_diags *d, size_t i, char *buf, size_t cap)
{
	static const char *const sev[] = { "note", "info", "warning", "error" };
	const struct vigil_policy_diag *g;
	int s;

	if (!d || i >= d->count)
		return snprintf(buf, cap, "%s", "");
	g = &d->items[i];
	s = g->severity >= VIGIL_DIAG_INFO && g->severity <= VIGIL_DIAG_ERROR ? g->severity : 0;
	if (g->column)
		return snprintf(buf, cap, "%s:%u:%u: %s: %s", d->file, g->line, g->column, sev[s],
				g->msg);
	if (g->line)
		return snprintf(buf, cap, "%s:%u: %s: %s", d->file, g->line, sev[s], g->msg);
	return snprintf(buf, cap, "%s: %s: %s", d->file, sev[s], g->msg);
}

/* ============================================================== tokens */

/*
 * What a token brings to a rule, in the kernel's terms (its IMA_* flags),
 * so ima_validate_rule's per-func tables can be written down directly.
 */
enum feat {
	F_FUNC = 1u << 0,
	F_MASK = 1u << 1,
	F_FSMAGIC = 1u << 2,
	F_FSNAME = 1u << 3,
	F_FSUUID = 1u << 4,
	F_UID = 1u << 5,
	F_EUID = 1u << 6,
	F_GID = 1u << 7,
	F_EGID = 1u << 8,
	F_FOWNER = 1u << 9,
	F_FGROUP = 1u << 10,
	F_LSM = 1u << 11,
	F_KEYRINGS = 1u << 12,
	F_LABEL = 1u << 13,
	F_PCR = 1u << 14,
	F_SIG = 1u << 15,
	F_MODSIG = 1u << 16,
	F_VERITY = 1u << 17,
	F_BLACKLIST = 1u << 18,
	F_ALGOS = 1u << 19,
	F_DIRECTIO = 1u << 20,
	F_TEMPLATE = 1u << 21,
	F_ACTION = 1u << 22,
};

/* Slots for duplicate detection: uid/euid share one, as do gid/egid (kernel). */
enum slot {
	S_ACTION, S_FUNC, S_MASK, S_FSMAGIC, S_FSNAME, S_FSUUID, S_UID, S_GID, S_FOWNER,
	S_FGROUP, S_LSM0, S_LSM_LAST = S_LSM0 + VIGIL_LSM_COUNT - 1, S_KEYRINGS, S_LABEL,
	S_DIGEST_TYPE, S_APPRAISE_TYPE, S_APPRAISE_FLAG, S_ALGOS, S_DIRECTIO, S_PCR,
	S_TEMPLATE, S_COUNT
};

enum shape { BARE, EQ, CMP };

struct keyword {
	const char *name;
	uint8_t slot;
	uint8_t shape;
	unsigned arg; /* action value, cond bit, or LSM index */
};

static const struct keyword keywords[] = {
	{ "measure", S_ACTION, BARE, VIGIL_POLICY_MEASURE },
	{ "dont_measure", S_ACTION, BARE, VIGIL_POLICY_DONT_MEASURE },
	{ "appraise", S_ACTION, BARE, VIGIL_POLICY_APPRAISE },
	{ "dont_appraise", S_ACTION, BARE, VIGIL_POLICY_DONT_APPRAISE },
	{ "audit", S_ACTION, BARE, VIGIL_POLICY_AUDIT },
	{ "hash", S_ACTION, BARE, VIGIL_POLICY_HASH },
	{ "dont_hash", S_ACTION, BARE, VIGIL_POLICY_DONT_HASH },
	{ "obj_user", S_LSM0 + VIGIL_LSM_OBJ_USER, EQ, VIGIL_LSM_OBJ_USER },
	{ "obj_role", S_LSM0 + VIGIL_LSM_OBJ_ROLE, EQ, VIGIL_LSM_OBJ_ROLE },
	{ "obj_type", S_LSM0 + VIGIL_LSM_OBJ_TYPE, EQ, VIGIL_LSM_OBJ_TYPE },
	{ "subj_user", S_LSM0 + VIGIL_LSM_SUBJ_USER, EQ, VIGIL_LSM_SUBJ_USER },
	{ "subj_role", S_LSM0 + VIGIL_LSM_SUBJ_ROLE, EQ, VIGIL_LSM_SUBJ_ROLE },
	{ "subj_type", S_LSM0 + VIGIL_LSM_SUBJ_TYPE, EQ, VIGIL_LSM_SUBJ_TYPE },
	{ "func", S_FUNC, EQ, 0 },
	{ "mask", S_MASK, EQ, 0 },
	{ "fsmagic", S_FSMAGIC, EQ, 0 },
	{ "fsname", S_FSNAME, EQ, 0 },
	{ "fsuuid", S_FSUUID, EQ, 0 },
	{ "uid", S_UID, CMP, VIGIL_COND_UID },
	{ "euid", S_UID, CMP, VIGIL_COND_EUID },
	{ "gid", S_GID, CMP, VIGIL_COND_GID },
	{ "egid", S_GID, CMP, VIGIL_COND_EGID },
	{ "fowner", S_FOWNER, CMP, VIGIL_COND_FOWNER },
	{ "fgroup", S_FGROUP, CMP, VIGIL_COND_FGROUP },
	{ "digest_type", S_DIGEST_TYPE, EQ, 0 },
	{ "appraise_type", S_APPRAISE_TYPE, EQ, 0 },
	{ "appraise_flag", S_APPRAISE_FLAG, EQ, 0 },
	{ "appraise_algos", S_ALGOS, EQ, 0 },
	{ "permit_directio", S_DIRECTIO, BARE, 0 },
	{ "pcr", S_PCR, EQ, 0 },
	{ "template", S_TEMPLATE, EQ, 0 },
	{ "keyrings", S_KEYRINGS, EQ, 0 },
	{ "label", S_LABEL, EQ, 0 },
};

struct token {
	const char *s; /* whole token, in the source text */
	size_t len;
	unsigned col;
	const struct keyword *kw;
	char op;       /* '=', '<', '>' or 0 */
	const char *val;
	size_t vlen;
	unsigned feat; /* enum feat bits it set */
};

struct rule_state {
	struct vigil_policy *p;
	struct vigil_policy_diags *diags;
	unsigned line;
	bool failed;
	bool oom;
	struct vigil_policy_rule r;
	struct token toks[S_COUNT]; /* accepted tokens, in order */
	size_t ntoks;
	int slot_tok[S_COUNT];      /* index in toks, -1 if unseen */
};

/* A token for a message: bounded, non-printables escaped (a '\r' from CRLF shows). */
static const char *show(const char *s, size_t len, char *buf, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 9 >= cap && i + 1 < len) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else if (c == '\r')
			o += (size_t)snprintf(buf + o, cap - o, "\\r");
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

#define SHOWCAP 72
#define SHOW(t, b) show((t)->s, (t)->len, (b), sizeof(b))

static void rule_fail(struct rule_state *st, unsigned col, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void rule_fail(struct rule_state *st, unsigned col, int code, const char *fmt, ...)
{
	char msg[sizeof(((struct vigil_policy_diag *)0)->msg)];
	va_list ap;

	st->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!policy_diag_add(st->diags, st->line, col, VIGIL_DIAG_ERROR, code, -1, "%s", msg))
		st->oom = true;
}

static bool val_is(const struct token *t, const char *s)
{
	return strlen(s) == t->vlen && memcmp(t->val, s, t->vlen) == 0;
}

/* ============================================================ values */

/*
 * kstrtoull(): optional '+', for base 16 an optional 0x when a digit
 * follows, then at least one digit, nothing after, no overflow.
 */
static bool parse_u64(const char *s, size_t n, unsigned base, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;

	if (i < n && s[i] == '+')
		i++;
	if (base == 16 && n - i > 2 && s[i] == '0' && (s[i + 1] | 0x20) == 'x' &&
	    vigil_hex_digit(s[i + 2]) >= 0)
		i += 2;
	if (i == n)
		return false;
	for (; i < n; i++) {
		int d = vigil_hex_digit(s[i]);

		if (d < 0 || (unsigned)d >= base || v > (UINT64_MAX - (unsigned)d) / base)
			return false;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return true;
}

/* uuid_parse(): exactly 8-4-4-4-12 hex digits. */
static bool parse_uuid(const char *s, size_t n, uint8_t out[16])
{
	size_t o = 0;

	if (n != 36)
		return false;
	for (size_t i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return false;
			continue;
		}
		if (vigil_hex_digit(s[i]) < 0 || vigil_hex_digit(s[i + 1]) < 0)
			return false;
		out[o++] = (uint8_t)(vigil_hex_digit(s[i]) << 4 | vigil_hex_digit(s[i + 1]));
		i += 2;
	}
	return true;
}

/* ============================================================ handlers */

static void on_action(struct rule_state *st, struct token *t)
{
	st->r.action = t->kw->arg;
	t->feat = F_ACTION;
}

static void on_func(struct rule_state *st, struct token *t)
{
	char buf[SHOWCAP];
	int f = -1;

	for (int i = 1; i < VIGIL_FUNC_COUNT && f < 0; i++)
		if (i != VIGIL_FUNC_POST_SETATTR && val_is(t, vigil_policy_func_name(i)))
			f = i;
	/* the kernel's backwards-compatible spellings */
	if (val_is(t, "PATH_CHECK"))
		f = VIGIL_FUNC_FILE_CHECK;
	else if (val_is(t, "FILE_MMAP"))
		f = VIGIL_FUNC_MMAP_CHECK;
	if (f < 0)
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE, "'%s': unknown func",
				 SHOW(t, buf));
	st->r.func = f;
	st->r.conds |= VIGIL_COND_FUNC;
	t->feat = F_FUNC;
}

static void on_mask(struct rule_state *st, struct token *t)
{
	static const struct {
		const char *name;
		unsigned bit;
	} masks[] = { { "MAY_EXEC", VIGIL_MAY_EXEC },
		      { "MAY_WRITE", VIGIL_MAY_WRITE },
		      { "MAY_READ", VIGIL_MAY_READ },
		      { "MAY_APPEND", VIGIL_MAY_APPEND } };
	bool incl = t->vlen && t->val[0] == '^';
	struct token name = *t;
	char buf[SHOWCAP];

	name.val += incl;
	name.vlen -= incl;
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		if (val_is(&name, masks[i].name)) {
			st->r.mask = masks[i].bit;
			st->r.conds |= incl ? VIGIL_COND_INMASK : VIGIL_COND_MASK;
			t->feat = F_MASK;
			return;
		}
	}
	rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
		  "'%s': unknown mask (MAY_READ, MAY_WRITE, MAY_APPEND or MAY_EXEC, '^' for \"includes\")",
		  SHOW(t, buf));
}

/* Old documents write the kernel's macro names; the kernel wants the number. */
static const char *magic_hint(const struct token *t)
{
	static const struct {
		const char *macro, *hint;
	} names[] = {
		{ "PROC_SUPER_MAGIC", " (PROC_SUPER_MAGIC is 0x9fa0)" },
		{ "SYSFS_MAGIC", " (SYSFS_MAGIC is 0x62656572)" },
		{ "DEBUGFS_MAGIC", " (DEBUGFS_MAGIC is 0x64626720)" },
		{ "TMPFS_MAGIC", " (TMPFS_MAGIC is 0x1021994)" },
		{ "RAMFS_MAGIC", " (RAMFS_MAGIC is 0x858458f6)" },
		{ "DEVPTS_SUPER_MAGIC", " (DEVPTS_SUPER_MAGIC is 0x1cd1)" },
		{ "BINFMTFS_MAGIC", " (BINFMTFS_MAGIC is 0x42494e4d)" },
		{ "SECURITYFS_MAGIC", " (SECURITYFS_MAGIC is 0x73636673)" },
		{ "SELINUX_MAGIC", " (SELINUX_MAGIC is 0xf97cff8c)" },
		{ "SMACK_MAGIC", " (SMACK_MAGIC is 0x43415d53)" },
		{ "CGROUP_SUPER_MAGIC", " (CGROUP_SUPER_MAGIC is 0x27e0eb)" },
		{ "CGROUP2_SUPER_MAGIC", " (CGROUP2_SUPER_MAGIC is 0x63677270)" },
		{ "NSFS_MAGIC", " (NSFS_MAGIC is 0x6e736673)" },
		{ "EFIVARFS_MAGIC", " (EFIVARFS_MAGIC is 0xde5e81e4)" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (val_is(t, names[i].macro))
			return names[i].hint;
	return "";
}

static void on_fsmagic(struct rule_state *st, struct token *t)
{
	char buf[SHOWCAP];

	if (!parse_u64(t->val, t->vlen, 16, &st->r.fsmagic))
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE, "'%s': bad hex number%s",
				 SHOW(t, buf), magic_hint(t));
	st->r.conds |= VIGIL_COND_FSMAGIC;
	t->feat = F_FSMAGIC;
}

static void on_fsuuid(struct rule_state *st, struct token *t)
{
	char buf[SHOWCAP];

	if (!parse_uuid(t->val, t->vlen, st->r.fsuuid))
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
				 "'%s': bad uuid (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
				 SHOW(t, buf));
	st->r.conds |= VIGIL_COND_FSUUID;
	t->feat = F_FSUUID;
}

static uint32_t intern_val(struct rule_state *st, const char *s, size_t n)
{
	uint32_t id = policy_intern_n(st->p, s, n);

	if (!id) {
		st->oom = true;
		st->failed = true;
	}
	return id;
}

static void on_fsname(struct rule_state *st, struct token *t)
{
	st->r.fsname = intern_val(st, t->val, t->vlen);
	st->r.conds |= VIGIL_COND_FSNAME;
	t->feat = F_FSNAME;
}

static void on_lsm(struct rule_state *st, struct token *t)
{
	st->r.lsm[t->kw->arg] = intern_val(st, t->val, t->vlen);
	st->r.conds |= VIGIL_COND_LSM;
	t->feat = F_LSM;
}

/* uid/euid/gid/egid/fowner/fgroup: decimal, a valid kuid/kgid (not (uid_t)-1). */
static void on_id(struct rule_state *st, struct token *t)
{
	uint8_t op = t->op == '>' ? VIGIL_OP_GT : t->op == '<' ? VIGIL_OP_LT : VIGIL_OP_EQ;
	unsigned cond = t->kw->arg;
	char buf[SHOWCAP];
	uint64_t v;

	if (!parse_u64(t->val, t->vlen, 10, &v))
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE, "'%s': bad number", SHOW(t, buf));
	if (v > POLICY_ID_MAX)
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
				 "'%s': id out of range (0-%u)", SHOW(t, buf), POLICY_ID_MAX);
	st->r.conds |= cond;
	if (cond & (VIGIL_COND_UID | VIGIL_COND_EUID)) {
		st->r.uid = (uint32_t)v;
		st->r.uid_op = op;
		t->feat = cond == VIGIL_COND_UID ? F_UID : F_EUID;
	} else if (cond & (VIGIL_COND_GID | VIGIL_COND_EGID)) {
		st->r.gid = (uint32_t)v;
		st->r.gid_op = op;
		t->feat = cond == VIGIL_COND_GID ? F_GID : F_EGID;
	} else if (cond == VIGIL_COND_FOWNER) {
		st->r.fowner = (uint32_t)v;
		st->r.fowner_op = op;
		t->feat = F_FOWNER;
	} else {
		st->r.fgroup = (uint32_t)v;
		st->r.fgroup_op = op;
		t->feat = F_FGROUP;
	}
}

/* keyrings= / label=: '|'-separated, no empty item (ima_alloc_rule_opt_list). */
static void on_list(struct rule_state *st, struct token *t)
{
	bool keyrings = t->kw->slot == S_KEYRINGS;
	struct vigil_policy_list l = { (uint32_t)st->p->nitems, 0 };
	const char *s = t->val, *end = t->val + t->vlen;
	char buf[SHOWCAP];

	for (;;) {
		const char *bar = memchr(s, '|', (size_t)(end - s));
		const char *e = bar ? bar : end;
		uint32_t id;

		if (e == s)
			return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
					 "'%s': empty item in the '|' list", SHOW(t, buf));
		if (!(id = intern_val(st, s, (size_t)(e - s))) || !policy_add_item(st->p, id)) {
			st->oom = st->failed = true;
			return;
		}
		l.count++;
		if (!bar)
			break;
		s = bar + 1;
	}
	if (keyrings)
		st->r.keyrings = l;
	else
		st->r.label = l;
	st->r.conds |= keyrings ? VIGIL_COND_KEYRINGS : VIGIL_COND_LABEL;
	t->feat = keyrings ? F_KEYRINGS : F_LABEL;
}

/* The kernel requires digest_type=verity before any appraise_type. */
static void on_digest_type(struct rule_state *st, struct token *t)
{
	char buf[SHOWCAP];

	if (st->r.opts & VIGIL_OPT_SIG_REQUIRED)
		return rule_fail(st, t->col, VIGIL_PE_ORDER,
				 "'%s': digest_type must come before appraise_type", SHOW(t, buf));
	if (!val_is(t, "verity"))
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
				 "'%s': unknown digest_type (verity)", SHOW(t, buf));
	st->r.opts |= VIGIL_OPT_VERITY;
	t->feat = F_VERITY;
}

static void on_appraise_type(struct rule_state *st, struct token *t)
{
	bool verity = st->r.opts & VIGIL_OPT_VERITY;
	char buf[SHOWCAP];

	if (val_is(t, "sigv3")) {
		if (!verity)
			return rule_fail(st, t->col, VIGIL_PE_ORDER,
					 "'%s': sigv3 needs digest_type=verity before it",
					 SHOW(t, buf));
		st->r.opts |= VIGIL_OPT_SIG_REQUIRED;
		t->feat = F_SIG;
		return;
	}
	if (!val_is(t, "imasig") && !val_is(t, "imasig|modsig"))
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
				 "'%s': unknown appraise_type (imasig, imasig|modsig or sigv3)",
				 SHOW(t, buf));
	if (verity)
		return rule_fail(st, t->col, VIGIL_PE_NOT_ALLOWED,
				 "'%s': with digest_type=verity the appraise_type is sigv3",
				 SHOW(t, buf));
	st->r.opts |= VIGIL_OPT_SIG_REQUIRED;
	t->feat = F_SIG;
	if (t->vlen > 6) {
		st->r.opts |= VIGIL_OPT_MODSIG;
		t->feat |= F_MODSIG;
	}
}

/* The kernel accepts any value containing "blacklist" (strstr). */
static void on_appraise_flag(struct rule_state *st, struct token *t)
{
	char buf[SHOWCAP];

	if (!memmem(t->val, t->vlen, "blacklist", 9))
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
				 "'%s': unknown appraise_flag (check_blacklist)", SHOW(t, buf));
	st->r.opts |= VIGIL_OPT_CHECK_BLACKLIST;
	t->feat = F_BLACKLIST;
}

static int algo_id(const char *s, size_t n)
{
	for (int i = 0; i < VIGIL_HASH_ALGO_COUNT; i++) {
		const char *name = vigil_hash_by_id(i)->name;

		if (strlen(name) == n && memcmp(name, s, n) == 0)
			return i;
	}
	return -1;
}

/* Comma-separated kernel hash names (hash_algo_name[], exact). */
static void on_algos(struct rule_state *st, struct token *t)
{
	const char *s = t->val, *end = t->val + t->vlen;
	char buf[SHOWCAP], item[SHOWCAP];

	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;
		int id = algo_id(s, (size_t)(e - s));

		if (e == s)
			return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
					 "'%s': empty item in the ',' list", SHOW(t, buf));
		if (id < 0)
			return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
					 "'%s': unknown hash algorithm '%s'", SHOW(t, buf),
					 show(s, (size_t)(e - s), item, sizeof(item)));
		st->r.algos |= 1u << id;
		if (!comma)
			break;
		s = comma + 1;
	}
	st->r.opts |= VIGIL_OPT_ALGOS;
	t->feat = F_ALGOS;
}

static void on_directio(struct rule_state *st, struct token *t)
{
	st->r.opts |= VIGIL_OPT_PERMIT_DIRECTIO;
	t->feat = F_DIRECTIO;
}

/* kstrtoint(): an optional sign is allowed; the range check does the rest. */
static void on_pcr(struct rule_state *st, struct token *t)
{
	bool neg = t->vlen && t->val[0] == '-';
	char buf[SHOWCAP];
	uint64_t v;

	if (!parse_u64(t->val + neg, t->vlen - neg, 10, &v))
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE, "'%s': bad number", SHOW(t, buf));
	if ((neg && v) || v > POLICY_PCR_MAX)
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE, "'%s': pcr out of range (0-%d)",
				 SHOW(t, buf), POLICY_PCR_MAX);
	st->r.pcr = (int)v;
	st->r.opts |= VIGIL_OPT_PCR;
	t->feat = F_PCR;
}

/* The kernel checks the action when it meets template=, so measure must precede it. */
static void on_template(struct rule_state *st, struct token *t)
{
	char buf[SHOWCAP];
	int id;

	if (st->r.action != VIGIL_POLICY_MEASURE)
		return rule_fail(st, t->col, VIGIL_PE_ORDER,
				 "'%s': template is only allowed after the action measure",
				 SHOW(t, buf));
	if ((id = policy_template_lookup(t->val, t->vlen)) < 0)
		return rule_fail(st, t->col, VIGIL_PE_BAD_VALUE,
				 "'%s': unknown template (ima, ima-ng, ima-ngv2, ima-sig, ima-sigv2, ima-buf, ima-modsig, evm-sig)",
				 SHOW(t, buf));
	st->r.template_id = id;
	st->r.opts |= VIGIL_OPT_TEMPLATE;
	t->feat = F_TEMPLATE;
}

static void dispatch(struct rule_state *st, struct token *t)
{
	switch (t->kw->slot) {
	case S_ACTION: return on_action(st, t);
	case S_FUNC: return on_func(st, t);
	case S_MASK: return on_mask(st, t);
	case S_FSMAGIC: return on_fsmagic(st, t);
	case S_FSNAME: return on_fsname(st, t);
	case S_FSUUID: return on_fsuuid(st, t);
	case S_UID: case S_GID: case S_FOWNER: case S_FGROUP: return on_id(st, t);
	case S_KEYRINGS: case S_LABEL: return on_list(st, t);
	case S_DIGEST_TYPE: return on_digest_type(st, t);
	case S_APPRAISE_TYPE: return on_appraise_type(st, t);
	case S_APPRAISE_FLAG: return on_appraise_flag(st, t);
	case S_ALGOS: return on_algos(st, t);
	case S_DIRECTIO: return on_directio(st, t);
	case S_PCR: return on_pcr(st, t);
	case S_TEMPLATE: return on_template(st, t);
	default: return on_lsm(st, t);
	}
}

/* ============================================================ lexing */

static const struct keyword *find_keyword(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].name) == n && memcmp(keywords[i].name, s, n) == 0)
			return &keywords[i];
	return NULL;
}

static size_t op_at(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != '=' && s[i] != '<' && s[i] != '>')
		i++;
	return i;
}

/* Splits "key<op>value" at the first '=', '<' or '>' (the kernel's match_token patterns). */
static void split(struct token *t)
{
	size_t k = op_at(t->s, t->len);

	t->kw = find_keyword(t->s, k);
	t->op = k < t->len ? t->s[k] : 0;
	t->val = t->op ? t->s + k + 1 : NULL;
	t->vlen = t->op ? t->len - k - 1 : 0;
}

static const char *const shape_hint[] = { "", "=", "=, < or >" };

/* The token is a known keyword written the way the kernel accepts it. */
static bool check_shape(struct rule_state *st, struct token *t)
{
	const struct keyword *kw = t->kw;
	char buf[SHOWCAP];

	if (kw->shape == BARE && t->op)
		rule_fail(st, t->col, VIGIL_PE_UNKNOWN_TOKEN, "'%s': %s takes no value",
			  SHOW(t, buf), kw->name);
	else if (kw->shape != BARE && !t->op)
		rule_fail(st, t->col, VIGIL_PE_UNKNOWN_TOKEN, "'%s': %s needs a value (%s%s...)",
			  SHOW(t, buf), kw->name, kw->name, kw->shape == CMP ? "{=,<,>}" : "=");
	else if (kw->shape == EQ && t->op != '=')
		rule_fail(st, t->col, VIGIL_PE_UNKNOWN_TOKEN, "'%s': %s takes %s only",
			  SHOW(t, buf), kw->name, shape_hint[EQ]);
	else if (kw->shape != BARE && t->vlen == 0)
		rule_fail(st, t->col, VIGIL_PE_BAD_VALUE, "'%s': missing value", SHOW(t, buf));
	return !st->failed;
}

static void fail_duplicate(struct rule_state *st, const struct token *t, const struct token *prev)
{
	char buf[SHOWCAP], pbuf[SHOWCAP];

	if (t->kw->slot == S_ACTION)
		rule_fail(st, t->col, VIGIL_PE_DUPLICATE,
			  "'%s': a rule takes one action and this one has '%s' at column %u%s",
			  SHOW(t, buf), SHOW(prev, pbuf), prev->col,
			  t->kw->arg == VIGIL_POLICY_AUDIT
			  ? " (audit is not an option: for log-only appraisal boot with ima_appraise=log)"
			  : "");
	else if (t->kw == prev->kw)
		rule_fail(st, t->col, VIGIL_PE_DUPLICATE, "'%s': duplicate %s (first at column %u)",
			  SHOW(t, buf), t->kw->name, prev->col);
	else
		rule_fail(st, t->col, VIGIL_PE_DUPLICATE,
			  "'%s': conflicts with '%s' at column %u: a rule takes one of %s and %s",
			  SHOW(t, buf), SHOW(prev, pbuf), prev->col, prev->kw->name, t->kw->name);
}

/* Classifies one blank-separated token and applies it to the rule. */
static void take_token(struct rule_state *st, struct token *t)
{
	char buf[SHOWCAP];
	int prev;

	if (memchr(t->s, '\0', t->len))
		return rule_fail(st, t->col, VIGIL_PE_UNKNOWN_TOKEN, "'%s': NUL byte in a rule",
				 SHOW(t, buf));
	if (t->s[0] == '#')
		return rule_fail(st, t->col, VIGIL_PE_UNKNOWN_TOKEN,
				 "'%s': a comment must be on a line of its own (the kernel rejects '#' after a rule)",
				 SHOW(t, buf));
	split(t);
	if (!t->kw)
		return rule_fail(st, t->col, VIGIL_PE_UNKNOWN_TOKEN, "'%s': unknown token",
				 SHOW(t, buf));
	if (!check_shape(st, t))
		return;
	if ((prev = st->slot_tok[t->kw->slot]) >= 0)
		return fail_duplicate(st, t, &st->toks[prev]);
	dispatch(st, t);
	if (st->failed)
		return;
	st->slot_tok[t->kw->slot] = (int)st->ntoks;
	st->toks[st->ntoks++] = *t;
}

/* ========================================================== validation */

#define F_FILE_CONDS                                                                  \
	(F_FUNC | F_MASK | F_FSMAGIC | F_FSNAME | F_FSUUID | F_UID | F_EUID | F_GID | \
	 F_EGID | F_FOWNER | F_FGROUP | F_LSM)
#define A_ALL                                                                         \
	(VIGIL_POLICY_MEASURE | VIGIL_POLICY_DONT_MEASURE | VIGIL_POLICY_APPRAISE |   \
	 VIGIL_POLICY_DONT_APPRAISE | VIGIL_POLICY_AUDIT | VIGIL_POLICY_HASH |        \
	 VIGIL_POLICY_DONT_HASH)
#define A_MEASURE (VIGIL_POLICY_MEASURE | VIGIL_POLICY_DONT_MEASURE)
#define F_APPRAISE_ONLY (F_SIG | F_MODSIG | F_BLACKLIST | F_ALGOS)

/* ima_validate_rule(): what each func allows (template= is not a flag there). */
struct func_limits {
	unsigned actions;
	unsigned feats;
	const char *actions_text;
};

static const struct func_limits limits_file = {
	A_ALL, F_ACTION | F_FILE_CONDS | F_PCR | F_SIG | F_DIRECTIO | F_ALGOS | F_VERITY |
	F_TEMPLATE, NULL
};
static const struct func_limits limits_kernel_read = {
	A_ALL, F_ACTION | F_FILE_CONDS | F_PCR | F_SIG | F_DIRECTIO | F_MODSIG | F_BLACKLIST |
	F_ALGOS | F_TEMPLATE, NULL
};
static const struct func_limits limits_cmdline = {
	A_MEASURE, F_ACTION | (F_FILE_CONDS & ~F_MASK) | F_PCR | F_TEMPLATE,
	"measure and dont_measure"
};
static const struct func_limits limits_key = {
	A_MEASURE, F_ACTION | F_FUNC | F_UID | F_GID | F_PCR | F_KEYRINGS | F_TEMPLATE,
	"measure and dont_measure"
};
static const struct func_limits limits_critical = {
	A_MEASURE, F_ACTION | F_FUNC | F_UID | F_GID | F_PCR | F_LABEL | F_TEMPLATE,
	"measure and dont_measure"
};
/* The kernel does not look at LSM conditions on SETXATTR_CHECK; it accepts them. */
static const struct func_limits limits_setxattr = {
	VIGIL_POLICY_APPRAISE, F_ACTION | F_FUNC | F_ALGOS | F_LSM, "appraise"
};

static const struct func_limits *limits_for(int func)
{
	switch (func) {
	case VIGIL_FUNC_MODULE_CHECK:
	case VIGIL_FUNC_KEXEC_KERNEL_CHECK:
	case VIGIL_FUNC_KEXEC_INITRAMFS_CHECK: return &limits_kernel_read;
	case VIGIL_FUNC_KEXEC_CMDLINE: return &limits_cmdline;
	case VIGIL_FUNC_KEY_CHECK: return &limits_key;
	case VIGIL_FUNC_CRITICAL_DATA: return &limits_critical;
	case VIGIL_FUNC_SETXATTR_CHECK: return &limits_setxattr;
	default: return &limits_file;
	}
}

/* The first accepted token, in rule order, that set any of feats. */
static const struct token *first_with(const struct rule_state *st, unsigned feats)
{
	for (size_t i = 0; i < st->ntoks; i++)
		if (st->toks[i].feat & feats)
			return &st->toks[i];
	return NULL;
}

static const struct token *slot_token(const struct rule_state *st, int slot)
{
	return st->slot_tok[slot] >= 0 ? &st->toks[st->slot_tok[slot]] : NULL;
}

static void fail_feature(struct rule_state *st, const struct token *t)
{
	const char *fn = vigil_policy_func_name(st->r.func);
	char buf[SHOWCAP];

	if (t->feat & F_KEYRINGS)
		rule_fail(st, t->col, VIGIL_PE_NOT_ALLOWED, "'%s': keyrings needs func=KEY_CHECK",
			  SHOW(t, buf));
	else if (t->feat & F_LABEL)
		rule_fail(st, t->col, VIGIL_PE_NOT_ALLOWED, "'%s': label needs func=CRITICAL_DATA",
			  SHOW(t, buf));
	else if (t->feat & (F_MODSIG | F_BLACKLIST) && !(limits_for(st->r.func)->feats & F_MODSIG))
		rule_fail(st, t->col, VIGIL_PE_NOT_ALLOWED,
			  "'%s': only allowed with func=MODULE_CHECK, KEXEC_KERNEL_CHECK or KEXEC_INITRAMFS_CHECK",
			  SHOW(t, buf));
	else
		rule_fail(st, t->col, VIGIL_PE_NOT_ALLOWED, "'%s': not allowed with func=%s",
			  SHOW(t, buf), fn ? fn : "(none)");
}

/* Per-func restrictions, in ima_validate_rule()'s order. */
static void validate_func(struct rule_state *st)
{
	const struct func_limits *lim = limits_for(st->r.func);
	const struct token *func = slot_token(st, S_FUNC), *t;
	char buf[SHOWCAP];

	if (!(st->r.action & lim->actions))
		return rule_fail(st, slot_token(st, S_ACTION)->col, VIGIL_PE_NOT_ALLOWED,
				 "'%s': func=%s allows only %s",
				 SHOW(slot_token(st, S_ACTION), buf),
				 vigil_policy_func_name(st->r.func), lim->actions_text);
	if (st->r.func == VIGIL_FUNC_SETXATTR_CHECK && !(st->r.opts & VIGIL_OPT_ALGOS))
		return rule_fail(st, func->col, VIGIL_PE_MISSING,
				 "'%s': SETXATTR_CHECK needs appraise_algos=", SHOW(func, buf));
	if ((t = first_with(st, ~lim->feats)) != NULL)
		fail_feature(st, t);
}

static void validate(struct rule_state *st)
{
	const struct token *t;
	char buf[SHOWCAP];

	if (!st->r.action)
		return rule_fail(st, st->toks[0].col, VIGIL_PE_MISSING,
				 "rule has no action (measure, dont_measure, appraise, dont_appraise, audit, hash or dont_hash)");
	if (st->r.action != VIGIL_POLICY_MEASURE && (t = first_with(st, F_PCR)))
		return rule_fail(st, t->col, VIGIL_PE_NOT_ALLOWED,
				 "'%s': pcr is only allowed on measure rules", SHOW(t, buf));
	if (st->r.action != VIGIL_POLICY_APPRAISE && (t = first_with(st, F_APPRAISE_ONLY)))
		return rule_fail(st, t->col, VIGIL_PE_NOT_ALLOWED,
				 "'%s': only allowed on appraise rules", SHOW(t, buf));
	validate_func(st);
	if (st->failed)
		return;
	if ((st->r.opts & VIGIL_OPT_CHECK_BLACKLIST) && !(st->r.opts & VIGIL_OPT_MODSIG))
		return rule_fail(st, slot_token(st, S_APPRAISE_FLAG)->col, VIGIL_PE_MISSING,
				 "'%s': needs appraise_type=imasig|modsig",
				 SHOW(slot_token(st, S_APPRAISE_FLAG), buf));
	if (st->r.action == VIGIL_POLICY_APPRAISE && (st->r.opts & VIGIL_OPT_VERITY) &&
	    !(st->r.opts & VIGIL_OPT_SIG_REQUIRED))
		return rule_fail(st, slot_token(st, S_DIGEST_TYPE)->col, VIGIL_PE_MISSING,
				 "'%s': an appraise rule with digest_type=verity needs appraise_type=sigv3",
				 SHOW(slot_token(st, S_DIGEST_TYPE), buf));
}

/* ============================================================== lines */

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One non-comment line: tokens until the first error, then validation. */
static void parse_rule(struct rule_state *st, const char *line, size_t len)
{
	size_t i = 0;

	/* The kernel splits on '\n' only: a CR would end up inside the last token. */
	if (line[len - 1] == '\r')
		return rule_fail(st, (unsigned)len, VIGIL_PE_UNKNOWN_TOKEN,
				 "carriage return at the end of the line (CRLF line ends?): the kernel rejects it");

	while (!st->failed) {
		struct token t = { 0 };

		while (i < len && blank(line[i]))
			i++;
		if (i == len)
			break;
		t.s = line + i;
		t.col = (unsigned)i + 1;
		while (i < len && !blank(line[i]))
			i++;
		t.len = (size_t)(line + i - t.s);
		take_token(st, &t);
	}
	if (!st->failed)
		validate(st);
}

static int parse_line(struct vigil_policy *p, struct vigil_policy_diags *d, const char *line,
		      size_t len, unsigned lineno)
{
	struct rule_state st = { .p = p, .diags = d, .line = lineno };
	size_t i = 0;

	while (i < len && blank(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return VIGIL_OK;
	for (int s = 0; s < S_COUNT; s++)
		st.slot_tok[s] = -1;
	st.r.template_id = -1;
	st.r.line = lineno;
	parse_rule(&st, line, len);
	if (st.oom)
		return VIGIL_ERR_NOMEM;
	if (st.failed)
		return VIGIL_OK;
	return policy_add_rule(p, &st.r);
}

static int parse_text(struct vigil_policy *p, struct vigil_policy_diags *d, const char *text,
		      size_t len)
{
	unsigned lineno = 0;
	size_t pos = 0;
	int rc;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		if ((rc = parse_line(p, d, text + pos, end - pos, ++lineno)) != VIGIL_OK)
			return rc;
		pos = end + 1;
	}
	return VIGIL_OK;
}

static int refuse(struct vigil_policy_diags *d, struct vigil_error *err)
{
	char first[VIGIL_ERROR_MSG_MAX];

	vigil_policy_diag_format(d, 0, first, sizeof(first));
	if (d->count == 1)
		return vigil_fail(err, VIGIL_ERR_INVALID, "%s", first);
	return vigil_fail(err, VIGIL_ERR_INVALID, "%s (and %zu more invalid rules)", first,
			  d->count - 1);
}

int vigil_policy_parse(const char *text, size_t len, const char *file, struct vigil_policy **out,
		       struct vigil_policy_diags *diags, struct vigil_error *err)
{
	struct vigil_policy_diags local;
	struct vigil_policy_diags *d = diags ? diags : &local;
	struct vigil_policy *p = NULL;
	int rc;

	*out = NULL;
	if (!file)
		file = "<policy>";
	if ((rc = policy_diags_init(d, file)) != VIGIL_OK)
		return vigil_fail(err, rc, "out of memory for policy diagnostics");
	if (len > VIGIL_POLICY_MAX_BYTES)
		rc = vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: policy larger than %u bytes", file,
				VIGIL_POLICY_MAX_BYTES);
	else if (!(p = policy_new(file)))
		rc = vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for a policy");
	else if ((rc = parse_text(p, d, text ? text : "", text ? len : 0)) != VIGIL_OK)
		vigil_fail(err, rc, "%s: out of memory while parsing the policy", file);
	else if (d->count)
		rc = refuse(d, err);
	if (rc == VIGIL_OK)
		*out = p;
	else
		vigil_policy_free(p);
	if (!diags)
		vigil_policy_diags_free(&local);
	return rc;
}

static int read_all(FILE *f, const char *path, char **buf, size_t *len, struct vigil_error *err)
{
	size_t cap = 1 << 16, n = 0, got;
	char *b = malloc(cap);

	if (!b)
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory reading %s", path);
	do {
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);

			if (!nb) {
				free(b);
				return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory reading %s",
						  path);
			}
			b = nb;
		}
		n += got = fread(b + n, 1, cap - n, f);
	} while (got && n <= VIGIL_POLICY_MAX_BYTES);
	if (ferror(f) || n > VIGIL_POLICY_MAX_BYTES) {
		free(b);
		if (n > VIGIL_POLICY_MAX_BYTES)
			return vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: policy larger than %u bytes",
					  path, VIGIL_POLICY_MAX_BYTES);
		return vigil_fail_errno(err, VIGIL_ERR_IO, "cannot read %s", path);
	}
	*buf = b;
	*len = n;
	return VIGIL_OK;
}

int vigil_policy_parse_file(const char *path, struct vigil_policy **out,
			    struct vigil_policy_diags *diags, struct vigil_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	FILE *f;

	*out = NULL;
	if (diags)
		memset(diags, 0, sizeof(*diags));
	if (!(f = fopen(path, "re")))
		return vigil_fail_errno(err, VIGIL_ERR_IO, "cannot open %s", path);
	rc = read_all(f, path, &text, &len, err);
	fclose(f);
	if (rc != VIGIL_OK)
		return rc;
	rc = vigil_policy_parse(text, len, path, out, diags, err);
	free(text);
	return rc;
}
