/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy matching speed: decisions per second on a 30-rule policy, for an
 * access decided early, one decided late, and one no rule decides (the
 * whole list walked).  Prints numbers; asserts nothing.
 * Usage: policy_match_bench [seconds-per-case, default 1]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vigil/policy.h>

static const char policy_text[] =
	"dont_measure fsmagic=0x9fa0\n"
	"dont_measure fsmagic=0x62656572\n"
	"dont_measure fsmagic=0x64626720\n"
	"dont_measure fsmagic=0x1021994\n"
	"dont_measure fsmagic=0x1cd1\n"
	"dont_measure fsmagic=0x42494e4d\n"
	"dont_measure fsmagic=0x73636673\n"
	"dont_measure fsmagic=0xf97cff8c\n"
	"dont_measure fsmagic=0x27e0eb\n"
	"dont_measure fsmagic=0x63677270\n"
	"dont_measure obj_type=var_log_t\n"
	"dont_measure fsname=overlay\n"
	"measure func=MMAP_CHECK mask=MAY_EXEC\n"
	"measure func=BPRM_CHECK mask=MAY_EXEC\n"
	"measure func=FILE_CHECK mask=^MAY_READ euid=0\n"
	"measure func=FILE_CHECK mask=^MAY_READ uid=0\n"
	"measure func=FILE_CHECK fowner<1000 fsuuid=8bcbe394-4f13-4144-be8e-5aa9ea2ce2f6\n"
	"dont_appraise fsmagic=0x9fa0\n"
	"dont_appraise fsmagic=0x62656572\n"
	"dont_appraise fsmagic=0x1021994\n"
	"dont_appraise fsmagic=0x858458f6\n"
	"dont_appraise obj_type=tmp_t\n"
	"appraise func=BPRM_CHECK appraise_type=imasig\n"
	"appraise func=MMAP_CHECK appraise_type=imasig\n"
	"appraise func=FILE_CHECK fowner=0 fgroup<10\n"
	"appraise func=FILE_CHECK egid=0 subj_type=sysadm_t\n"
	"audit func=BPRM_CHECK fowner>999\n"
	"hash func=FILE_CHECK fsname=ext4\n"
	"dont_hash fsmagic=0x1021994\n"
	"audit func=FILE_CHECK uid>60000\n";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run(const struct vigil_policy *p, const struct vigil_policy_access *a, double secs,
		  int *rule_sink)
{
	struct vigil_policy_result r;
	unsigned long n = 0;
	double t0 = now(), t;

	do {
		for (int i = 0; i < 10000; i++) {
			vigil_policy_match(p, a, 0, &r);
			*rule_sink += r.pair[VIGIL_PAIR_MEASURE].rule;
		}
		n += 10000;
	} while ((t = now() - t0) < secs);
	return (double)n / t;
}

static void base(const struct vigil_policy *p, struct vigil_policy_access *a)
{
	memset(a, 0, sizeof(*a));
	a->func = VIGIL_FUNC_FILE_CHECK;
	a->mask = VIGIL_MAY_READ;
	a->fsmagic = 0xef53;
	a->fsname = vigil_policy_intern(p, "ext4");
	a->uid = a->euid = a->suid = a->gid = a->egid = a->sgid = 1000;
	a->fowner = a->fgroup = 1000;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	struct vigil_policy_access early, exec, none;
	struct vigil_policy *p;
	struct vigil_error err;
	int sink = 0;

	if (vigil_policy_parse(policy_text, strlen(policy_text), "bench", &p, NULL, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	base(p, &early);
	early.fsmagic = 0x9fa0; /* /proc: measure decided by rule 0 */
	base(p, &exec);
	exec.func = VIGIL_FUNC_BPRM_CHECK;
	exec.mask = VIGIL_MAY_EXEC;
	base(p, &none);
	none.fsname = VIGIL_POLICY_UNKNOWN_STRING; /* a user reading on xfs: walks all rules */
	none.fsmagic = 0x58465342;
	printf("policy: %zu rules\n", vigil_policy_count(p));
	printf("proc read (decided early):  %12.0f matches/s\n", run(p, &early, secs, &sink));
	printf("execve (typical):           %12.0f matches/s\n", run(p, &exec, secs, &sink));
	printf("user read (all rules walked): %10.0f matches/s\n", run(p, &none, secs, &sink));
	vigil_policy_free(p);
	return sink == 42; /* keeps the loop from being optimised away */
}
