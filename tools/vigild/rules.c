/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy and the keys, loaded together and swapped together (SIGHUP),
 * so that no event is ever decided by a new policy with old keys.  Also
 * works out, once per load, which decisions depend on who opens a file:
 * only decisions that do not may be cached in the kernel as ignore marks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigild.h"

/* What the kernel boots with under ima_policy=tcb, plus exec appraisal. */
#define DEFAULT_EXTRA_RULE "appraise func=BPRM_CHECK appraise_type=imasig\n"

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vigild_rules *current;

int vfunc_of(int func)
{
	switch (func) {
	case VIGIL_FUNC_BPRM_CHECK: return VFUNC_BPRM;
	case VIGIL_FUNC_FILE_CHECK: return VFUNC_FILE;
	case VIGIL_FUNC_MMAP_CHECK:
	case VIGIL_FUNC_MMAP_CHECK_REQPROT: return VFUNC_MMAP;
	}
	return -1;
}

static void rules_free(struct vigild_rules *r)
{
	if (!r)
		return;
	vigil_policy_free(r->policy);
	vigil_keyset_free(r->keys);
	vigil_keyset_free(r->evm_keys);
	memset(r->evm_hmac, 0, sizeof(r->evm_hmac));
	free(r);
}

static void report_diags(const struct vigil_policy_diags *d, int min_severity)
{
	char line[512];

	for (size_t i = 0; i < d->count; i++) {
		if (d->items[i].severity < min_severity)
			continue;
		vigil_policy_diag_format(d, i, line, sizeof(line));
		vlog(d->items[i].severity == VIGIL_DIAG_ERROR ? VLOG_ERR : VLOG_WARN,
		     "vigild: policy: %s", line);
	}
}

static int parse_text(const char *text, const char *name, struct vigil_policy **out,
		      struct vigil_error *err)
{
	struct vigil_policy_diags diags = { 0 };
	int rc = vigil_policy_parse(text, strlen(text), name, out, &diags, err);

	if (rc != VIGIL_OK)
		report_diags(&diags, VIGIL_DIAG_ERROR);
	vigil_policy_diags_free(&diags);
	return rc;
}

/* tcb plus "appraise func=BPRM_CHECK appraise_type=imasig". */
static int default_policy(struct vigil_policy **out, struct vigil_error *err)
{
	struct vigil_policy *tcb = NULL;
	char *text = NULL, *all;
	size_t len = 0;
	int rc;

	if ((rc = vigil_policy_builtin("tcb", &tcb, err)) != VIGIL_OK)
		return rc;
	rc = vigil_policy_print(tcb, 0, &text, &len, err);
	vigil_policy_free(tcb);
	if (rc != VIGIL_OK)
		return rc;
	all = malloc(len + sizeof(DEFAULT_EXTRA_RULE) + 1);
	if (!all) {
		free(text);
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for the default policy");
	}
	snprintf(all, len + sizeof(DEFAULT_EXTRA_RULE) + 1, "%s\n%s", text, DEFAULT_EXTRA_RULE);
	free(text);
	rc = parse_text(all, "<default policy>", out, err);
	free(all);
	return rc;
}

static int load_policy(const struct vigild_config *c, struct vigil_policy **out,
		       struct vigil_error *err)
{
	struct vigil_policy_diags diags = { 0 };
	int rc;

	if (c->policy_builtin)
		return vigil_policy_builtin(c->policy_builtin, out, err);
	if (!c->policy)
		return default_policy(out, err);
	rc = vigil_policy_parse_file(c->policy, out, &diags, err);
	if (rc != VIGIL_OK)
		report_diags(&diags, VIGIL_DIAG_ERROR);
	vigil_policy_diags_free(&diags);
	return rc;
}

static int load_keys(const char *paths, const char *what, struct vigil_keyset **out,
		     struct vigil_error *err)
{
	int rc;

	*out = NULL;
	if (!paths)
		return VIGIL_OK;
	*out = vigil_keyset_new();
	if (!*out)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for %s", what);
	rc = vigil_keyset_load(*out, paths, err);
	if (rc != VIGIL_OK) {
		char msg[VIGIL_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return vd_fail(err, rc, "%s: %s", what, msg);
	}
	return VIGIL_OK;
}

static int load_hmac_key(const char *path, struct vigild_rules *r, struct vigil_error *err)
{
	uint8_t extra;
	ssize_t n;
	int fd;

	if (!path)
		return VIGIL_OK;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vd_fail_errno(err, VIGIL_ERR_IO, "evm_hmac_key %s", path);
	n = read(fd, r->evm_hmac, sizeof(r->evm_hmac));
	/* One more byte tells a key longer than the kernel's maximum. */
	if (n == (ssize_t)sizeof(r->evm_hmac) && read(fd, &extra, 1) == 1)
		n = -2;
	close(fd);
	if (n < VIGIL_EVM_KEY_MIN)
		return vd_fail(err, VIGIL_ERR_INVALID,
			       "evm_hmac_key %s: a key has %d to %d bytes", path,
			       VIGIL_EVM_KEY_MIN, VIGIL_EVM_KEY_MAX);
	r->evm_hmac_len = (size_t)n;
	return VIGIL_OK;
}

/* Whether a rule can decide an event of vfunc (no func= matches every func). */
static bool rule_reaches(const struct vigil_policy_rule *rule, int vfunc)
{
	return !(rule->conds & VIGIL_COND_FUNC) || vfunc_of(rule->func) == vfunc;
}

static void analyse(struct vigild_rules *r)
{
	const unsigned subject = VIGIL_COND_UID | VIGIL_COND_EUID | VIGIL_COND_GID |
				 VIGIL_COND_EGID;
	const unsigned does = VIGIL_POLICY_MEASURE | VIGIL_POLICY_APPRAISE | VIGIL_POLICY_AUDIT;

	for (size_t i = 0; i < vigil_policy_count(r->policy); i++) {
		const struct vigil_policy_rule *rule = vigil_policy_rule(r->policy, i);

		for (int f = 0; f < VFUNC_COUNT; f++) {
			if (!rule_reaches(rule, f))
				continue;
			/* LSM labels never match here (no LSM data), so they add no dependence. */
			if (rule->conds & subject)
				r->needs_subject[f] = true;
			if (rule->conds & (VIGIL_COND_MASK | VIGIL_COND_INMASK))
				r->needs_mask[f] = true;
			r->actions[f] |= rule->action & does;
		}
		if ((rule->action & does) && (rule->conds & VIGIL_COND_FUNC) &&
		    vfunc_of(rule->func) < 0)
			r->unobservable |= 1u << rule->func;
	}
}

int rules_load(const struct vigild_config *c, struct vigild_rules **out, struct vigil_error *err)
{
	struct vigild_rules *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for the rules");
	atomic_init(&r->refs, 1);
	if ((rc = load_policy(c, &r->policy, err)) != VIGIL_OK ||
	    (rc = load_keys(c->keys, "keys", &r->keys, err)) != VIGIL_OK ||
	    (rc = load_keys(c->evm_keys, "evm_keys", &r->evm_keys, err)) != VIGIL_OK ||
	    (rc = load_hmac_key(c->evm_hmac_key, r, err)) != VIGIL_OK) {
		rules_free(r);
		return rc;
	}
	r->evm = r->evm_keys || r->evm_hmac_len;
	analyse(r);
	*out = r;
	return VIGIL_OK;
}

struct vigild_rules *rules_get(void)
{
	struct vigild_rules *r;

	pthread_mutex_lock(&current_lock);
	r = current;
	if (r)
		atomic_fetch_add(&r->refs, 1);
	pthread_mutex_unlock(&current_lock);
	return r;
}

void rules_put(struct vigild_rules *r)
{
	if (r && atomic_fetch_sub(&r->refs, 1) == 1)
		rules_free(r);
}

static atomic_uint generation;

void rules_install(struct vigild_rules *r)
{
	struct vigild_rules *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = r;
	if (r)
		r->generation = atomic_fetch_add(&generation, 1) + 1;
	pthread_mutex_unlock(&current_lock);
	rules_put(old);
}

unsigned rules_generation(void)
{
	return atomic_load(&generation);
}
