/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_POLICY_H
#define VIGIL_POLICY_H

/*
 * The kernel's IMA policy language (Documentation/ABI/testing/ima_policy):
 * parse with the kernel's rules and per-func restrictions, print in the
 * kernel's canonical form, the kernel's built-in policies, matching with the
 * kernel's semantics, and lint warnings.  Nothing here prints or exits.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Actions: the kernel's values, so a DONT_ action is its DO action << 1. */
enum vigil_policy_action {
	VIGIL_POLICY_MEASURE = 0x0001,
	VIGIL_POLICY_DONT_MEASURE = 0x0002,
	VIGIL_POLICY_APPRAISE = 0x0004,
	VIGIL_POLICY_DONT_APPRAISE = 0x0008,
	VIGIL_POLICY_AUDIT = 0x0040,
	VIGIL_POLICY_HASH = 0x0100,
	VIGIL_POLICY_DONT_HASH = 0x0200,
};

/* The kernel's enum ima_hooks, same order and values. */
enum vigil_policy_func {
	VIGIL_FUNC_NONE = 0,
	VIGIL_FUNC_FILE_CHECK,
	VIGIL_FUNC_MMAP_CHECK,
	VIGIL_FUNC_MMAP_CHECK_REQPROT,
	VIGIL_FUNC_BPRM_CHECK,
	VIGIL_FUNC_CREDS_CHECK,
	VIGIL_FUNC_POST_SETATTR, /* the re-check after chmod/chown; never written in a policy */
	VIGIL_FUNC_MODULE_CHECK,
	VIGIL_FUNC_FIRMWARE_CHECK,
	VIGIL_FUNC_KEXEC_KERNEL_CHECK,
	VIGIL_FUNC_KEXEC_INITRAMFS_CHECK,
	VIGIL_FUNC_POLICY_CHECK,
	VIGIL_FUNC_KEXEC_CMDLINE,
	VIGIL_FUNC_KEY_CHECK,
	VIGIL_FUNC_CRITICAL_DATA,
	VIGIL_FUNC_SETXATTR_CHECK,
	VIGIL_FUNC_COUNT,
};

/* The kernel's MAY_* bits, for mask= and the requested access. */
#define VIGIL_MAY_EXEC 0x1u
#define VIGIL_MAY_WRITE 0x2u
#define VIGIL_MAY_READ 0x4u
#define VIGIL_MAY_APPEND 0x8u

/* Which conditions a rule has (struct vigil_policy_rule.conds). */
enum vigil_policy_cond {
	VIGIL_COND_FUNC = 1u << 0,
	VIGIL_COND_MASK = 1u << 1,   /* mask=X: the requested access is exactly X */
	VIGIL_COND_INMASK = 1u << 2, /* mask=^X: the requested access includes X */
	VIGIL_COND_FSMAGIC = 1u << 3,
	VIGIL_COND_FSNAME = 1u << 4,
	VIGIL_COND_FSUUID = 1u << 5,
	VIGIL_COND_UID = 1u << 6,
	VIGIL_COND_EUID = 1u << 7,
	VIGIL_COND_GID = 1u << 8,
	VIGIL_COND_EGID = 1u << 9,
	VIGIL_COND_FOWNER = 1u << 10,
	VIGIL_COND_FGROUP = 1u << 11,
	VIGIL_COND_LSM = 1u << 12, /* at least one lsm[] label */
	VIGIL_COND_KEYRINGS = 1u << 13,
	VIGIL_COND_LABEL = 1u << 14,
};

/* Which options a rule carries (struct vigil_policy_rule.opts). */
enum vigil_policy_opt {
	VIGIL_OPT_SIG_REQUIRED = 1u << 0, /* appraise_type=imasig, imasig|modsig or sigv3 */
	VIGIL_OPT_MODSIG = 1u << 1,       /* appraise_type=imasig|modsig */
	VIGIL_OPT_VERITY = 1u << 2,       /* digest_type=verity (with SIG_REQUIRED: sigv3) */
	VIGIL_OPT_CHECK_BLACKLIST = 1u << 3,
	VIGIL_OPT_ALGOS = 1u << 4,        /* appraise_algos= */
	VIGIL_OPT_PERMIT_DIRECTIO = 1u << 5,
	VIGIL_OPT_PCR = 1u << 6,
	VIGIL_OPT_TEMPLATE = 1u << 7,
};

/* LSM label slots, in the kernel's order (also its print order). */
enum vigil_policy_lsm {
	VIGIL_LSM_OBJ_USER,
	VIGIL_LSM_OBJ_ROLE,
	VIGIL_LSM_OBJ_TYPE,
	VIGIL_LSM_SUBJ_USER,
	VIGIL_LSM_SUBJ_ROLE,
	VIGIL_LSM_SUBJ_TYPE,
	VIGIL_LSM_COUNT,
};

/* Comparison of uid/euid/gid/egid/fowner/fgroup. */
enum vigil_policy_op { VIGIL_OP_EQ, VIGIL_OP_GT, VIGIL_OP_LT };

/*
 * Strings (fsname, LSM labels, keyrings and label items) are interned at
 * parse time: a rule holds ids, 0 meaning "none", so matching compares
 * integers.  vigil_policy_string() gives the text back.
 */
#define VIGIL_POLICY_NO_STRING 0u
#define VIGIL_POLICY_UNKNOWN_STRING UINT32_MAX /* a string the policy never names */

/* A '|' list (keyrings=, label=): ids at [first, first + count) of the policy's items. */
struct vigil_policy_list {
	uint32_t first;
	uint32_t count;
};

struct vigil_policy_rule {
	unsigned action; /* one enum vigil_policy_action */
	unsigned conds;  /* enum vigil_policy_cond bits */
	unsigned opts;   /* enum vigil_policy_opt bits */
	int func;        /* enum vigil_policy_func; VIGIL_FUNC_NONE without func= */
	unsigned mask;   /* one VIGIL_MAY_* bit */
	uint64_t fsmagic;
	uint8_t fsuuid[16];
	/* As in the kernel, uid= and euid= share one value (so do gid= and egid=). */
	uint32_t uid, gid, fowner, fgroup;
	uint8_t uid_op, gid_op, fowner_op, fgroup_op; /* enum vigil_policy_op */
	uint32_t fsname;                /* interned */
	uint32_t lsm[VIGIL_LSM_COUNT];  /* interned; 0 = no condition */
	struct vigil_policy_list keyrings, label;
	int pcr;
	uint32_t algos;                 /* bit (1 << enum vigil_hash_algo) */
	int template_id;                /* vigil_policy_template_name(); -1 = none */
	unsigned line;                  /* 1-based line in the source */
};

struct vigil_policy;

/* ---- Diagnostics: parse errors and lint findings ---- */

enum vigil_policy_severity {
	VIGIL_DIAG_INFO = 1,
	VIGIL_DIAG_WARNING = 2,
	VIGIL_DIAG_ERROR = 3,
};

enum vigil_policy_diag_code {
	/* errors: the rule, and so the policy, is invalid */
	VIGIL_PE_UNKNOWN_TOKEN = 1,  /* unknown keyword, trailing '#', NUL byte, bad operator */
	VIGIL_PE_DUPLICATE,          /* a repeated action, condition or option */
	VIGIL_PE_BAD_VALUE,          /* bad number, hex, uuid, unknown func/mask/template/algo */
	VIGIL_PE_NOT_ALLOWED,        /* option/condition not allowed for this func or action */
	VIGIL_PE_MISSING,            /* no action; SETXATTR_CHECK without appraise_algos */
	VIGIL_PE_ORDER,              /* kernel order constraints (template, digest_type) */
	/* lint */
	VIGIL_LINT_SHADOWED = 100,   /* an earlier rule of the pair always decides first */
	VIGIL_LINT_NEVER_MATCHES,    /* contradictory conditions */
	VIGIL_LINT_PSEUDO_FS,        /* measures/appraises pseudo filesystems or tmpfs */
	VIGIL_LINT_APPRAISE_NO_SIG,  /* appraise exec/mmap without appraise_type=imasig */
	VIGIL_LINT_UNOBSERVABLE,     /* func the caller cannot observe (no fanotify event) */
	VIGIL_LINT_UNKNOWN_FSMAGIC,  /* fsmagic not a known filesystem */
	VIGIL_LINT_IGNORED,          /* accepted by the kernel but without effect */
	VIGIL_LINT_TEMPLATE,         /* template lacks a field the rule needs */
	VIGIL_LINT_EMPTY,            /* no rules at all */
};

struct vigil_policy_diag {
	unsigned line;    /* 1-based; 0 when not about one line */
	unsigned column;  /* 1-based byte column of the token; 0 for the whole rule */
	int severity;     /* enum vigil_policy_severity */
	int code;         /* enum vigil_policy_diag_code */
	int rule;         /* rule index (lint), -1 when the rule was not accepted */
	char msg[256];    /* "'token': why" */
};

struct vigil_policy_diags {
	char *file;       /* source name the lines refer to */
	size_t count;
	struct vigil_policy_diag *items;
};

VIGIL_API void vigil_policy_diags_free(struct vigil_policy_diags *d);
/* Highest severity present, 0 when empty (a CLI maps it to its exit code). */
VIGIL_API int vigil_policy_diags_worst(const struct vigil_policy_diags *d);
/* "file:line:col: error: msg" into buf (snprintf semantics). */
VIGIL_API int vigil_policy_diag_format(const struct vigil_policy_diags *d, size_t i,
				       char *buf, size_t cap);

/* ---- Parse ---- */

#define VIGIL_POLICY_MAX_BYTES (16u << 20)

/*
 * Parses a whole policy, one rule per line.  Like the kernel, a policy with
 * any invalid rule is refused whole: *out is NULL, VIGIL_ERR_INVALID is
 * returned, every invalid rule has a diag (first error of each), and err
 * holds the first one as "file:line:col: msg".  diags may be NULL; when
 * given it is (re)initialised and must be freed by the caller.
 * Comments: '#' as the first non-blank character of a line, as the kernel.
 */
VIGIL_API int vigil_policy_parse(const char *text, size_t len, const char *file,
				 struct vigil_policy **out, struct vigil_policy_diags *diags,
				 struct vigil_error *err);
/* Reads path then vigil_policy_parse() (VIGIL_ERR_IO, VIGIL_ERR_TOO_BIG). */
VIGIL_API int vigil_policy_parse_file(const char *path, struct vigil_policy **out,
				      struct vigil_policy_diags *diags, struct vigil_error *err);
VIGIL_API void vigil_policy_free(struct vigil_policy *p);

VIGIL_API size_t vigil_policy_count(const struct vigil_policy *p);
VIGIL_API const struct vigil_policy_rule *vigil_policy_rule(const struct vigil_policy *p,
							    size_t i);
/* The text of an interned id; NULL for 0 or an unknown id. */
VIGIL_API const char *vigil_policy_string(const struct vigil_policy *p, uint32_t id);
/* The id a policy gave s, VIGIL_POLICY_UNKNOWN_STRING if it never names s. */
VIGIL_API uint32_t vigil_policy_intern(const struct vigil_policy *p, const char *s);
/* Item i of a keyrings=/label= list, as an interned id. */
VIGIL_API uint32_t vigil_policy_list_item(const struct vigil_policy *p,
					  struct vigil_policy_list l, uint32_t i);
/* Same rules in the same order (line numbers and string ids aside). */
VIGIL_API bool vigil_policy_equal(const struct vigil_policy *a, const struct vigil_policy *b);

/* ---- Spellings ---- */

/* "FILE_CHECK" ...; NULL out of range or for VIGIL_FUNC_NONE. */
VIGIL_API const char *vigil_policy_func_name(int func);
/* Accepts the aliases PATH_CHECK and FILE_MMAP; -1 if unknown. */
VIGIL_API int vigil_policy_func_by_name(const char *name);
/* "measure" ...; NULL if not an action. */
VIGIL_API const char *vigil_policy_action_name(unsigned action);
/* Kernel built-in template names ("ima-ng"...); NULL out of range. */
VIGIL_API const char *vigil_policy_template_name(int id);

/* ---- Print ---- */

/*
 * Default: the kernel's ima_policy_show() order and spelling, one rule per
 * line, except that digest_type=verity is printed before appraise_type=
 * (the kernel prints it after, which neither it nor vigil would parse back)
 * and no trailing blank.  VIGIL_POLICY_PRINT_KERNEL gives the kernel's bytes
 * exactly (trailing blank, its order, ids with %d), for diffing against
 * /sys/kernel/security/ima/policy; it is not guaranteed to parse back.
 */
#define VIGIL_POLICY_PRINT_KERNEL 0x1u

/* *out is malloc'ed and NUL-terminated; *len (optional) excludes the NUL. */
VIGIL_API int vigil_policy_print(const struct vigil_policy *p, unsigned flags, char **out,
				 size_t *len, struct vigil_error *err);
/* One rule, no newline; snprintf semantics (returns the full length). */
VIGIL_API int vigil_policy_rule_print(const struct vigil_policy *p, size_t i, unsigned flags,
				      char *buf, size_t cap);

/* ---- Built-in policies (the kernel's ima_policy= and ima_tcb) ---- */

/*
 * names: '|'- or space-separated: tcb, ima_tcb, appraise_tcb, secure_boot,
 * critical_data, fail_securely (no rules; reported by
 * vigil_policy_fail_securely).  Rules come in the kernel's order, whatever
 * the order of the names; of tcb and ima_tcb the first named wins.
 */
VIGIL_API int vigil_policy_builtin(const char *names, struct vigil_policy **out,
				   struct vigil_error *err);
VIGIL_API bool vigil_policy_fail_securely(const struct vigil_policy *p);

/* ---- Match ---- */

/* One access to decide, as the kernel's ima_match_policy() sees it. */
struct vigil_policy_access {
	int func;         /* VIGIL_FUNC_*; VIGIL_FUNC_POST_SETATTR for the setattr re-check */
	unsigned mask;    /* requested VIGIL_MAY_* bits */
	/* the file's filesystem and inode */
	uint64_t fsmagic;
	uint8_t fsuuid[16];
	uint32_t fsname;  /* vigil_policy_intern(p, "ext4") */
	uint32_t fowner;  /* i_uid */
	uint32_t fgroup;  /* i_gid */
	/* the subject */
	uint32_t uid, euid, suid;
	uint32_t gid, egid, sgid;
	bool cap_setuid;  /* euid= then also matches uid and suid */
	bool cap_setgid;  /* egid= then also matches gid and sgid */
	/*
	 * LSM label parts, interned (vigil_policy_intern).  0 means no LSM
	 * (or no such part): a rule with that label condition never matches.
	 */
	uint32_t lsm[VIGIL_LSM_COUNT];
	/* KEY_CHECK: the keyring; CRITICAL_DATA: the label (interned, 0 = none) */
	uint32_t func_data;
};

enum vigil_policy_pair {
	VIGIL_PAIR_MEASURE,
	VIGIL_PAIR_APPRAISE,
	VIGIL_PAIR_AUDIT,
	VIGIL_PAIR_HASH,
	VIGIL_PAIR_COUNT,
};

struct vigil_policy_decision {
	int rule;      /* index of the deciding rule, -1 when no rule decided */
	bool applies;  /* the deciding rule is the DO action (measure, appraise, audit, hash) */
};

struct vigil_policy_result {
	struct vigil_policy_decision pair[VIGIL_PAIR_COUNT];
	/*
	 * VIGIL_POLICY_MEASURE|APPRAISE|AUDIT|HASH that apply.  (The kernel
	 * also drops HASH when an appraise rule matches after the hash rule:
	 * appraisal keeps the hash itself.  That is left to the caller.)
	 */
	unsigned actions;
	unsigned opts;    /* VIGIL_OPT_SIG_REQUIRED|MODSIG|VERITY|CHECK_BLACKLIST|PERMIT_DIRECTIO
			     of the deciding rules (or'ed, as the kernel) */
	int pcr;          /* -1: the default (10) */
	int template_id;  /* -1: the default template */
	uint32_t algos;   /* appraise_algos of the deciding appraise rule; 0 = any */
};

/*
 * want: the VIGIL_POLICY_MEASURE|APPRAISE|AUDIT|HASH pairs to decide (0 = all).
 * Rules are walked in order; each pair is decided by the first matching rule
 * of that pair; the walk stops when every wanted pair is decided.  Never
 * allocates.  Returns the number of pairs decided.
 */
VIGIL_API int vigil_policy_match(const struct vigil_policy *p,
				 const struct vigil_policy_access *a, unsigned want,
				 struct vigil_policy_result *out);
/* Whether rule i's conditions match (kernel ima_match_rules). */
VIGIL_API bool vigil_policy_rule_matches(const struct vigil_policy *p, size_t i,
					 const struct vigil_policy_access *a);

/* ---- Lint ---- */

#define VIGIL_FUNC_BIT(f) (1u << (f))
/* What vigild sees through fanotify (runtime.md); MMAP_CHECK needs FAN_PRE_ACCESS. */
#define VIGIL_POLICY_FUNCS_FANOTIFY                                                    \
	(VIGIL_FUNC_BIT(VIGIL_FUNC_FILE_CHECK) | VIGIL_FUNC_BIT(VIGIL_FUNC_BPRM_CHECK) | \
	 VIGIL_FUNC_BIT(VIGIL_FUNC_MMAP_CHECK) | VIGIL_FUNC_BIT(VIGIL_FUNC_POST_SETATTR))
#define VIGIL_POLICY_FUNCS_ALL 0xffffffffu

/*
 * Warnings and notes about a valid policy, appended to *out (initialised if
 * out->items is NULL): shadowed rules, rules that can never match, broad
 * measure/appraise rules reaching pseudo filesystems and tmpfs, exec/mmap
 * appraisal without signatures, funcs outside `observable` (a set of
 * VIGIL_FUNC_BIT), unknown fsmagic, options the kernel ignores.
 */
VIGIL_API int vigil_policy_lint(const struct vigil_policy *p, uint32_t observable,
				struct vigil_policy_diags *out, struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif
