/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's built-in policies (ima_policy=tcb|appraise_tcb|secure_boot|
 * critical_data, and the older ima_tcb), written as policy text so they go
 * through the same parser as any policy.  Rule tables and their order follow
 * ima_policy.c (dont_measure_rules, original/default_measurement_rules,
 * secure_boot_rules, default_appraise_rules, critical_data_rules) and
 * ima_init_policy().  Config-dependent rules (CONFIG_IMA_WRITE_POLICY,
 * CONFIG_IMA_APPRAISE_SIGNED_INIT, build_appraise_rules, arch rules) are
 * left out: they are not part of the named policies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "policy_internal.h"

/* Pseudo filesystems tcb does not measure, in dont_measure_rules[] order. */
#define TCB_DONT(a)                  \
	a " fsmagic=0x9fa0\n"        \
	a " fsmagic=0x62656572\n"    \
	a " fsmagic=0x64626720\n"    \
	a " fsmagic=0x1021994\n"     \
	a " fsmagic=0x1cd1\n"        \
	a " fsmagic=0x42494e4d\n"    \
	a " fsmagic=0x73636673\n"    \
	a " fsmagic=0xf97cff8c\n"    \
	a " fsmagic=0x43415d53\n"    \
	a " fsmagic=0x27e0eb\n"      \
	a " fsmagic=0x63677270\n"    \
	a " fsmagic=0x6e736673\n"    \
	a " fsmagic=0xde5e81e4\n"

static const char dont_measure_rules[] = TCB_DONT("dont_measure");

static const char original_measurement_rules[] =
	"measure func=MMAP_CHECK mask=MAY_EXEC\n"
	"measure func=BPRM_CHECK mask=MAY_EXEC\n"
	"measure func=FILE_CHECK mask=MAY_READ uid=0\n"
	"measure func=MODULE_CHECK\n"
	"measure func=FIRMWARE_CHECK\n";

static const char default_measurement_rules[] =
	"measure func=MMAP_CHECK mask=MAY_EXEC\n"
	"measure func=BPRM_CHECK mask=MAY_EXEC\n"
	"measure func=FILE_CHECK mask=^MAY_READ euid=0\n"
	"measure func=FILE_CHECK mask=^MAY_READ uid=0\n"
	"measure func=MODULE_CHECK\n"
	"measure func=FIRMWARE_CHECK\n"
	"measure func=POLICY_CHECK\n";

static const char secure_boot_rules[] =
	"appraise func=MODULE_CHECK appraise_type=imasig\n"
	"appraise func=FIRMWARE_CHECK appraise_type=imasig\n"
	"appraise func=KEXEC_KERNEL_CHECK appraise_type=imasig\n"
	"appraise func=POLICY_CHECK appraise_type=imasig\n";

/* default_appraise_rules[]: its own order (ramfs, nsfs and efivarfs before cgroup). */
static const char default_appraise_rules[] =
	"dont_appraise fsmagic=0x9fa0\n"
	"dont_appraise fsmagic=0x62656572\n"
	"dont_appraise fsmagic=0x64626720\n"
	"dont_appraise fsmagic=0x1021994\n"
	"dont_appraise fsmagic=0x858458f6\n"
	"dont_appraise fsmagic=0x1cd1\n"
	"dont_appraise fsmagic=0x42494e4d\n"
	"dont_appraise fsmagic=0x73636673\n"
	"dont_appraise fsmagic=0xf97cff8c\n"
	"dont_appraise fsmagic=0x43415d53\n"
	"dont_appraise fsmagic=0x6e736673\n"
	"dont_appraise fsmagic=0xde5e81e4\n"
	"dont_appraise fsmagic=0x27e0eb\n"
	"dont_appraise fsmagic=0x63677270\n"
	"appraise fowner=0\n";

static const char critical_data_rules[] = "measure func=CRITICAL_DATA\n";

enum tcb_kind { TCB_NONE, TCB_ORIGINAL, TCB_DEFAULT };

struct selection {
	enum tcb_kind tcb;
	bool appraise_tcb, secure_boot, critical_data, fail_securely;
};

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* One name; as the kernel, the first of tcb / ima_tcb wins. */
static int select_one(struct selection *sel, const char *s, size_t n, struct vigil_error *err)
{
	if (word_is(s, n, "tcb") || word_is(s, n, "ima_tcb")) {
		if (sel->tcb == TCB_NONE)
			sel->tcb = n == 3 ? TCB_DEFAULT : TCB_ORIGINAL;
	} else if (word_is(s, n, "appraise_tcb")) {
		sel->appraise_tcb = true;
	} else if (word_is(s, n, "secure_boot")) {
		sel->secure_boot = true;
	} else if (word_is(s, n, "critical_data")) {
		sel->critical_data = true;
	} else if (word_is(s, n, "fail_securely")) {
		sel->fail_securely = true;
	} else {
		return vigil_fail(err, VIGIL_ERR_INVALID,
				  "built-in policy \"%.*s\" not found (tcb, ima_tcb, appraise_tcb, secure_boot, critical_data, fail_securely)",
				  (int)(n > 64 ? 64 : n), s);
	}
	return VIGIL_OK;
}

static int select_all(const char *names, struct selection *sel, struct vigil_error *err)
{
	const char *s = names;
	int rc;

	while (*s) {
		size_t n = strcspn(s, " |\n");

		if (n && (rc = select_one(sel, s, n, err)) != VIGIL_OK)
			return rc;
		s += n;
		if (*s)
			s++;
	}
	return VIGIL_OK;
}

/* ima_init_policy() order: dont_measure, measurement, secure_boot, appraise, critical. */
static char *compose(const struct selection *sel)
{
	size_t cap = sizeof(dont_measure_rules) + sizeof(default_measurement_rules) +
		     sizeof(secure_boot_rules) + sizeof(default_appraise_rules) +
		     sizeof(critical_data_rules) + 1;
	char *t = calloc(1, cap);

	if (!t)
		return NULL;
	if (sel->tcb != TCB_NONE)
		strcat(t, dont_measure_rules);
	if (sel->tcb == TCB_ORIGINAL)
		strcat(t, original_measurement_rules);
	if (sel->tcb == TCB_DEFAULT)
		strcat(t, default_measurement_rules);
	if (sel->secure_boot)
		strcat(t, secure_boot_rules);
	if (sel->appraise_tcb)
		strcat(t, default_appraise_rules);
	if (sel->critical_data)
		strcat(t, critical_data_rules);
	return t;
}

int vigil_policy_builtin(const char *names, struct vigil_policy **out, struct vigil_error *err)
{
	struct selection sel = { 0 };
	char source[128];
	char *text;
	int rc;

	*out = NULL;
	if (!names)
		return vigil_fail(err, VIGIL_ERR_INVALID, "no built-in policy named");
	if ((rc = select_all(names, &sel, err)) != VIGIL_OK)
		return rc;
	if (!(text = compose(&sel)))
		return vigil_fail(err, VIGIL_ERR_NOMEM, "out of memory for a built-in policy");
	snprintf(source, sizeof(source), "ima_policy=%.100s", names);
	rc = vigil_policy_parse(text, strlen(text), source, out, NULL, err);
	free(text);
	if (rc == VIGIL_OK)
		(*out)->fail_securely = sel.fail_securely;
	return rc;
}
