/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the policy_*.c sources; not installed. */
#ifndef VIGIL_POLICY_INTERNAL_H
#define VIGIL_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vigil/policy.h>

struct vigil_policy {
	struct vigil_policy_rule *rules;
	size_t nrules, rulecap;
	char **strs; /* id i + 1 is strs[i] */
	size_t nstrs, strcap;
	uint32_t *hash; /* open addressing over ids, 0 = empty */
	size_t hashcap;
	uint32_t *items; /* keyrings=/label= list members, as ids */
	size_t nitems, itemcap;
	char *source;
	bool fail_securely;
};

/* The kernel's uid_t/gid_t range: (uid_t)-1 is INVALID_UID and refused. */
#define POLICY_ID_MAX 0xfffffffeu
/* measured_pcrs is an unsigned long bitmap: pcr 0..63. */
#define POLICY_PCR_MAX 63

/* Templates the kernel builds in (ima_template.c): name and field format. */
struct policy_template {
	const char *name;
	const char *fmt;
};
extern const struct policy_template policy_templates[];
extern const size_t policy_ntemplates;
int policy_template_lookup(const char *s, size_t len);

/* Diagnostics: append one (false on allocation failure). */
bool policy_diag_add(struct vigil_policy_diags *d, unsigned line, unsigned col, int severity,
		     int code, int rule, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
int policy_diags_init(struct vigil_policy_diags *d, const char *file);

#endif
