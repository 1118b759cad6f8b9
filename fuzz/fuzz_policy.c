/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy fuzzer.  Input: policy text.  Whatever parses must print, parse
 * back to the same rules, and print identically, so the printer can never
 * emit what the parser reads differently; lint and matching must not crash
 * on any valid policy.  A refused policy must say where and why.  The same
 * bytes are also tried as built-in policy names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/policy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static void check_refusal(int rc, const struct vigil_policy_diags *d,
			  const struct vigil_error *err)
{
	require(rc == VIGIL_ERR_INVALID);
	require(d->count > 0 && err->msg[0]);
	for (size_t i = 0; i < d->count; i++)
		require(d->items[i].line > 0 && d->items[i].severity == VIGIL_DIAG_ERROR &&
			d->items[i].msg[0]);
}

static void round_trip(const struct vigil_policy *p)
{
	struct vigil_policy *again = NULL;
	struct vigil_error err;
	char *t1 = NULL, *t2 = NULL;
	size_t l1 = 0, l2 = 0;

	require(vigil_policy_print(p, 0, &t1, &l1, &err) == VIGIL_OK);
	require(vigil_policy_parse(t1, l1, "printed", &again, NULL, &err) == VIGIL_OK);
	require(vigil_policy_equal(p, again));
	require(vigil_policy_print(again, 0, &t2, &l2, &err) == VIGIL_OK);
	require(l1 == l2 && memcmp(t1, t2, l1) == 0);
	free(t1);
	free(t2);
	vigil_policy_free(again);
	require(vigil_policy_print(p, VIGIL_POLICY_PRINT_KERNEL, &t1, &l1, &err) == VIGIL_OK);
	free(t1);
}

/* An access built from the input, with strings the policy may name. */
static void exercise(const struct vigil_policy *p, const uint8_t *data, size_t size)
{
	struct vigil_policy_diags d = { 0 };
	struct vigil_policy_access a = { 0 };
	struct vigil_policy_result r;
	struct vigil_error err;
	uint8_t b[16] = { 0 };

	memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
	require(vigil_policy_lint(p, b[0] & 1 ? VIGIL_POLICY_FUNCS_FANOTIFY
					      : VIGIL_POLICY_FUNCS_ALL, &d, &err) == VIGIL_OK);
	vigil_policy_diags_free(&d);
	a.func = b[1] % VIGIL_FUNC_COUNT;
	a.mask = b[2] & 0xf;
	a.uid = b[3];
	a.euid = b[4];
	a.fowner = b[5];
	a.cap_setuid = b[6] & 1;
	for (int i = 0; i < VIGIL_LSM_COUNT; i++)
		a.lsm[i] = b[7 + i] % 4;
	a.fsname = b[13] % 4;
	a.func_data = b[14] % 4;
	require(vigil_policy_match(p, &a, b[15], &r) >= 0);
	for (int i = 0; i < VIGIL_PAIR_COUNT; i++)
		require(r.pair[i].rule < (int)vigil_policy_count(p));
}

static void try_builtin(const uint8_t *data, size_t size)
{
	struct vigil_policy *p = NULL;
	struct vigil_error err;
	char names[128];

	if (size >= sizeof(names) || memchr(data, 0, size))
		return;
	memcpy(names, data, size);
	names[size] = '\0';
	if (vigil_policy_builtin(names, &p, &err) == VIGIL_OK) {
		round_trip(p);
		vigil_policy_free(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vigil_policy_diags d;
	struct vigil_policy *p = NULL;
	struct vigil_error err;
	int rc = vigil_policy_parse((const char *)data, size, "fuzz", &p, &d, &err);

	if (rc != VIGIL_OK) {
		check_refusal(rc, &d, &err);
		require(p == NULL);
	} else {
		require(d.count == 0);
		round_trip(p);
		exercise(p, data, size);
		vigil_policy_free(p);
	}
	vigil_policy_diags_free(&d);
	try_builtin(data, size);
	return 0;
}
