/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy decisions with the kernel's semantics (ima_match_rules and
 * ima_match_policy).  Runs for every permission event, so it never
 * allocates and compares only integers: strings were interned at parse time.
 */
#include <string.h>

#include "internal.h"
#include "policy_internal.h"

static bool id_op(uint8_t op, uint32_t have, uint32_t rule)
{
	switch (op) {
	case VIGIL_OP_GT: return have > rule;
	case VIGIL_OP_LT: return have < rule;
	default: return have == rule;
	}
}

/* euid=/egid=: with the capability, the real and saved ids may match too. */
static bool eid_match(uint8_t op, uint32_t rule, bool cap, uint32_t eid, uint32_t sid,
		      uint32_t id)
{
	if (id_op(op, eid, rule))
		return true;
	return cap && (id_op(op, sid, rule) || id_op(op, id, rule));
}

/*
 * KEY_CHECK and CRITICAL_DATA rules look only at uid and the keyring or
 * label (ima_match_rule_data); gid= is accepted on them but not checked.
 */
static bool match_data(const struct vigil_policy *p, const struct vigil_policy_rule *r,
		       const struct vigil_policy_access *a)
{
	struct vigil_policy_list l = r->func == VIGIL_FUNC_KEY_CHECK ? r->keyrings : r->label;

	if (r->func != a->func)
		return false;
	if ((r->conds & VIGIL_COND_UID) && !id_op(r->uid_op, a->uid, r->uid))
		return false;
	if (!l.count)
		return true;
	for (uint32_t i = 0; i < l.count; i++)
		if (p->items[l.first + i] == a->func_data && a->func_data != VIGIL_POLICY_NO_STRING)
			return true;
	return false;
}

/* func and mask: the post-setattr re-check ignores both. */
static bool match_hook(const struct vigil_policy_rule *r, const struct vigil_policy_access *a)
{
	bool setattr = a->func == VIGIL_FUNC_POST_SETATTR;

	if ((r->conds & VIGIL_COND_FUNC) && r->func != a->func && !setattr)
		return false;
	if ((r->conds & VIGIL_COND_MASK) && r->mask != a->mask && !setattr)
		return false;
	if ((r->conds & VIGIL_COND_INMASK) && !(r->mask & a->mask) && !setattr)
		return false;
	return true;
}

static bool match_fs(const struct vigil_policy_rule *r, const struct vigil_policy_access *a)
{
	if ((r->conds & VIGIL_COND_FSMAGIC) && r->fsmagic != a->fsmagic)
		return false;
	if ((r->conds & VIGIL_COND_FSNAME) && r->fsname != a->fsname)
		return false;
	if ((r->conds & VIGIL_COND_FSUUID) && memcmp(r->fsuuid, a->fsuuid, sizeof(r->fsuuid)))
		return false;
	return true;
}

static bool match_ids(const struct vigil_policy_rule *r, const struct vigil_policy_access *a)
{
	unsigned c = r->conds;

	if ((c & VIGIL_COND_UID) && !id_op(r->uid_op, a->uid, r->uid))
		return false;
	if ((c & VIGIL_COND_EUID) &&
	    !eid_match(r->uid_op, r->uid, a->cap_setuid, a->euid, a->suid, a->uid))
		return false;
	if ((c & VIGIL_COND_GID) && !id_op(r->gid_op, a->gid, r->gid))
		return false;
	if ((c & VIGIL_COND_EGID) &&
	    !eid_match(r->gid_op, r->gid, a->cap_setgid, a->egid, a->sgid, a->gid))
		return false;
	if ((c & VIGIL_COND_FOWNER) && !id_op(r->fowner_op, a->fowner, r->fowner))
		return false;
	if ((c & VIGIL_COND_FGROUP) && !id_op(r->fgroup_op, a->fgroup, r->fgroup))
		return false;
	return true;
}

/* A label part the access lacks (0: no LSM) never equals a rule's id (>= 1). */
static bool match_lsm(const struct vigil_policy_rule *r, const struct vigil_policy_access *a)
{
	if (!(r->conds & VIGIL_COND_LSM))
		return true;
	for (int i = 0; i < VIGIL_LSM_COUNT; i++)
		if (r->lsm[i] && r->lsm[i] != a->lsm[i])
			return false;
	return true;
}

static bool matches(const struct vigil_policy *p, const struct vigil_policy_rule *r,
		    const struct vigil_policy_access *a)
{
	if ((r->conds & VIGIL_COND_FUNC) && r->func != a->func &&
	    a->func != VIGIL_FUNC_POST_SETATTR)
		return false;
	if (a->func == VIGIL_FUNC_KEY_CHECK || a->func == VIGIL_FUNC_CRITICAL_DATA)
		return match_data(p, r, a);
	return match_hook(r, a) && match_fs(r, a) && match_ids(r, a) && match_lsm(r, a);
}

bool vigil_policy_rule_matches(const struct vigil_policy *p, size_t i,
			       const struct vigil_policy_access *a)
{
	return p && a && i < p->nrules && matches(p, &p->rules[i], a);
}

static int pair_of(unsigned action)
{
	switch (action) {
	case VIGIL_POLICY_MEASURE:
	case VIGIL_POLICY_DONT_MEASURE: return VIGIL_PAIR_MEASURE;
	case VIGIL_POLICY_APPRAISE:
	case VIGIL_POLICY_DONT_APPRAISE: return VIGIL_PAIR_APPRAISE;
	case VIGIL_POLICY_AUDIT: return VIGIL_PAIR_AUDIT;
	default: return VIGIL_PAIR_HASH;
	}
}

#define DO_ACTIONS \
	(VIGIL_POLICY_MEASURE | VIGIL_POLICY_APPRAISE | VIGIL_POLICY_AUDIT | VIGIL_POLICY_HASH)
#define CARRIED_OPTS                                                                      \
	(VIGIL_OPT_SIG_REQUIRED | VIGIL_OPT_MODSIG | VIGIL_OPT_VERITY |                   \
	 VIGIL_OPT_CHECK_BLACKLIST | VIGIL_OPT_PERMIT_DIRECTIO)

/* What a deciding rule carries into the result (ima_match_policy). */
static void take(struct vigil_policy_result *out, const struct vigil_policy_rule *r, int idx)
{
	struct vigil_policy_decision *d = &out->pair[pair_of(r->action)];

	d->rule = idx;
	d->applies = (r->action & DO_ACTIONS) != 0;
	if (d->applies)
		out->actions |= r->action;
	out->opts |= r->opts & CARRIED_OPTS;
	if (r->opts & VIGIL_OPT_PCR)
		out->pcr = r->pcr;
	if (r->opts & VIGIL_OPT_TEMPLATE)
		out->template_id = r->template_id;
	if (r->action == VIGIL_POLICY_APPRAISE && (r->opts & VIGIL_OPT_ALGOS))
		out->algos = r->algos;
}

/*
 * actmask holds both actions of every undecided pair (DO | DO << 1, as the
 * kernel): a matching rule clears its pair, so later rules of that pair
 * are skipped before their conditions are even looked at.
 */
int vigil_policy_match(const struct vigil_policy *p, const struct vigil_policy_access *a,
		       unsigned want, struct vigil_policy_result *out)
{
	unsigned flags = (want ? want : DO_ACTIONS) & DO_ACTIONS;
	unsigned actmask = flags | flags << 1;
	int decided = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < VIGIL_PAIR_COUNT; i++)
		out->pair[i].rule = -1;
	out->pcr = -1;
	out->template_id = -1;
	for (size_t i = 0; p && a && i < p->nrules && actmask; i++) {
		const struct vigil_policy_rule *r = &p->rules[i];
		unsigned pair_bits;

		if (!(r->action & actmask) || !matches(p, r, a))
			continue;
		take(out, r, (int)i);
		decided++;
		pair_bits = r->action & DO_ACTIONS ? r->action | r->action << 1
						   : r->action | r->action >> 1;
		actmask &= ~pair_bits;
	}
	return decided;
}
