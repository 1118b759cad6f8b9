/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IMA policy engine: the corpus (good policies round-trip, bad ones give
 * exactly the listed errors), the seeds and kernel vectors, the built-ins,
 * a table of matching cases, and the lint checks.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vigil/policy.h>

/* ================================================================ helpers */

static const char *root(const char *env, const char *rel)
{
	static char buf[2][1024];
	static int which;
	const char *v = getenv(env);
	const char *slash = strrchr(__FILE__, '/');

	if (v && *v)
		return v;
	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%.*s/%s", slash ? (int)(slash - __FILE__) : 1,
		 slash ? __FILE__ : ".", rel);
	return buf[which];
}

static const char *corpus_dir(void)
{
	static char dir[1100];

	snprintf(dir, sizeof(dir), "%s/policy", root("VIGIL_CORPUS", "../corpus"));
	return dir;
}

static struct vigil_policy *parse_ok(const char *text)
{
	struct vigil_policy *p = NULL;
	struct vigil_error err;
	int rc = vigil_policy_parse(text, strlen(text), "test", &p, NULL, &err);

	if (rc != VIGIL_OK)
		fail_msg("policy did not parse: %s\n--\n%s", err.msg, text);
	return p;
}

static char *print(const struct vigil_policy *p, unsigned flags)
{
	struct vigil_error err;
	char *out = NULL;

	assert_int_equal(vigil_policy_print(p, flags, &out, NULL, &err), VIGIL_OK);
	return out;
}

/* print -> parse -> same rules -> print gives the same text */
static void round_trip(const struct vigil_policy *p, const char *what)
{
	struct vigil_policy *again = NULL;
	struct vigil_error err;
	char *t1 = print(p, 0), *t2;

	if (vigil_policy_parse(t1, strlen(t1), what, &again, NULL, &err) != VIGIL_OK)
		fail_msg("%s: printed policy does not parse: %s\n%s", what, err.msg, t1);
	if (!vigil_policy_equal(p, again))
		fail_msg("%s: printed policy parses to other rules:\n%s", what, t1);
	t2 = print(again, 0);
	if (strcmp(t1, t2))
		fail_msg("%s: print is not stable:\n%s--\n%s", what, t1, t2);
	assert_int_equal(vigil_policy_count(again), vigil_policy_count(p));
	free(t1);
	free(t2);
	vigil_policy_free(again);
}

/* ================================================================ corpus */

#define MAX_EXPECT 400

struct expect {
	char file[128];
	bool ok;
	unsigned rules, line, col;
	char text[300];
};

static size_t load_expect(struct expect *e)
{
	char path[1200], line[600];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/EXPECT", corpus_dir());
	if (!(f = fopen(path, "r")))
		fail_msg("cannot open %s (set VIGIL_CORPUS)", path);
	while (fgets(line, sizeof(line), f)) {
		int used = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		assert_true(n < MAX_EXPECT);
		memset(&e[n], 0, sizeof(e[n]));
		if (sscanf(line, "%127s ok %u", e[n].file, &e[n].rules) == 2) {
			e[n++].ok = true;
		} else if (sscanf(line, "%127s %u:%u %n", e[n].file, &e[n].line, &e[n].col,
				  &used) == 3 && used) {
			snprintf(e[n].text, sizeof(e[n].text), "%s", line + used);
			n++;
		} else {
			fail_msg("EXPECT: malformed line \"%s\"", line);
		}
	}
	fclose(f);
	return n;
}

static bool listed(const struct expect *e, size_t n, const char *file)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].file, file) == 0)
			return true;
	return false;
}

/* Every file of good/ and bad/ has a manifest line. */
static void check_all_listed(const struct expect *e, size_t n)
{
	static const char *const subs[] = { "good", "bad" };

	for (int s = 0; s < 2; s++) {
		char dir[1200], rel[300];
		struct dirent *de;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/%s", corpus_dir(), subs[s]);
		assert_non_null(d = opendir(dir));
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", subs[s], de->d_name);
			if (!listed(e, n, rel))
				fail_msg("%s is not in EXPECT", rel);
		}
		closedir(d);
	}
}

static int parse_corpus(const char *file, struct vigil_policy **p, struct vigil_policy_diags *d,
			struct vigil_error *err)
{
	char path[1400];

	snprintf(path, sizeof(path), "%s/%s", corpus_dir(), file);
	return vigil_policy_parse_file(path, p, d, err);
}

static void check_good(const struct expect *e)
{
	struct vigil_policy_diags d;
	struct vigil_policy *p;
	struct vigil_error err;

	if (parse_corpus(e->file, &p, &d, &err) != VIGIL_OK)
		fail_msg("%s: %s", e->file, err.msg);
	assert_int_equal(d.count, 0);
	if (vigil_policy_count(p) != e->rules)
		fail_msg("%s: %zu rules, want %u", e->file, vigil_policy_count(p), e->rules);
	round_trip(p, e->file);
	vigil_policy_diags_free(&d);
	vigil_policy_free(p);
}

/* The errors of one bad file: entries e[0..n) in order, nothing more. */
static void check_bad(const struct expect *e, size_t n)
{
	struct vigil_policy_diags d;
	struct vigil_policy *p = (void *)1;
	struct vigil_error err;
	char where[200];

	assert_int_equal(parse_corpus(e->file, &p, &d, &err), VIGIL_ERR_INVALID);
	assert_null(p);
	if (d.count != n)
		fail_msg("%s: %zu errors, EXPECT lists %zu", e->file, d.count, n);
	for (size_t i = 0; i < n; i++) {
		const struct vigil_policy_diag *g = &d.items[i];

		if (g->line != e[i].line || g->column != e[i].col || !strstr(g->msg, e[i].text))
			fail_msg("%s: error %zu is %u:%u \"%s\", want %u:%u \"%s\"", e->file, i,
				 g->line, g->column, g->msg, e[i].line, e[i].col, e[i].text);
		assert_int_equal(g->severity, VIGIL_DIAG_ERROR);
		assert_int_equal(g->rule, -1);
	}
	/* err names the first one as file:line:col */
	snprintf(where, sizeof(where), "%s:%u:%u: ", e->file, e[0].line, e[0].col);
	assert_non_null(strstr(err.msg, where));
	assert_int_equal(vigil_policy_diags_worst(&d), VIGIL_DIAG_ERROR);
	vigil_policy_diags_free(&d);
}

static void test_corpus(void **state)
{
	static struct expect e[MAX_EXPECT];
	size_t n = load_expect(e), good = 0, bad = 0;

	(void)state;
	check_all_listed(e, n);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		if (e[i].ok) {
			check_good(&e[i]);
			good++;
			i++;
			continue;
		}
		while (j < n && !e[j].ok && strcmp(e[j].file, e[i].file) == 0)
			j++;
		check_bad(&e[i], j - i);
		bad++;
		i = j;
	}
	assert_true(good >= 8);
	assert_true(bad >= 8);
}

/* ========================================================= seeds, vectors */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool starts_with_action(const char *line)
{
	static const char *const actions[] = { "measure", "dont_measure", "appraise",
					       "dont_appraise", "audit", "hash", "dont_hash" };
	size_t n;

	line += strspn(line, " \t");
	n = strcspn(line, " \t");
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (n == strlen(actions[i]) && strncmp(line, actions[i], n) == 0)
			return true;
	return false;
}

struct seed_tally {
	unsigned ok, comment, audit, macro, unknown_func, other;
};

/* Each seed line that starts like a rule: valid, or refused for a documented reason. */
static void scan_seed(const char *path, struct seed_tally *t)
{
	char *text = slurp(path), *save = NULL;

	assert_non_null(text);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct vigil_policy_diags d;
		struct vigil_policy *p;
		struct vigil_error err;

		if (!starts_with_action(line))
			continue;
		if (vigil_policy_parse(line, strlen(line), path, &p, &d, &err) == VIGIL_OK) {
			t->ok++;
			vigil_policy_free(p);
		} else if (strstr(d.items[0].msg, "a comment must be on a line of its own")) {
			t->comment++;
		} else if (strstr(d.items[0].msg, "audit is not an option")) {
			t->audit++;
		} else if (strstr(d.items[0].msg, "_MAGIC is 0x")) {
			t->macro++;
		} else if (strstr(d.items[0].msg, "unknown func")) {
			t->unknown_func++;
		} else {
			print_message("undocumented failure: %s: %s\n", line, d.items[0].msg);
			t->other++;
		}
		vigil_policy_diags_free(&d);
	}
	free(text);
}

static void test_seeds(void **state)
{
	const char *shared = root("VIGIL_SHARED", "../../../shared");
	struct seed_tally s000 = { 0 }, s003 = { 0 };
	char path[1200];
	DIR *d;

	(void)state;
	snprintf(path, sizeof(path), "%s/seeds", shared);
	if (!(d = opendir(path))) {
		print_message("no seeds at %s; the corpus holds copies\n", path);
		skip();
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/seeds/000_db4f643ce5b1a95f.txt", shared);
	scan_seed(path, &s000);
	/* step 3: 6 rules with a trailing '# comment', 7 valid; step 7: "... audit" */
	assert_int_equal(s000.ok, 7);
	assert_int_equal(s000.comment, 6);
	assert_int_equal(s000.audit, 1);
	assert_int_equal(s000.other, 0);
	snprintf(path, sizeof(path), "%s/seeds/003_7c7dd44e0aba93fe.txt", shared);
	scan_seed(path, &s003);
	/* the 2.6.30-era page: fsmagic=PROC_SUPER_MAGIC ..., func=INODE_PERM */
	assert_int_equal(s003.ok, 15);
	assert_int_equal(s003.macro, 6);
	assert_int_equal(s003.unknown_func, 1);
	assert_int_equal(s003.other, 0);
}

static void test_vectors(void **state)
{
	static const struct {
		const char *dir;
		size_t rules;
	} v[] = { { "sig", 4 }, { "buf", 6 } };
	const char *shared = root("VIGIL_SHARED", "../../../shared");

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct vigil_policy *p;
		struct vigil_error err;
		char path[1200];
		FILE *f;

		snprintf(path, sizeof(path), "%s/vectors/%s/policy", shared, v[i].dir);
		if (!(f = fopen(path, "r"))) {
			print_message("no %s; the corpus holds a copy\n", path);
			continue;
		}
		fclose(f);
		if (vigil_policy_parse_file(path, &p, NULL, &err) != VIGIL_OK)
			fail_msg("%s", err.msg);
		assert_int_equal(vigil_policy_count(p), v[i].rules);
		round_trip(p, path);
		vigil_policy_free(p);
	}
}

/* ============================================================ built-ins */

#define DONT_LIST(a)                                                                  \
	a " fsmagic=0x9fa0\n" a " fsmagic=0x62656572\n" a " fsmagic=0x64626720\n" a     \
	" fsmagic=0x1021994\n" a " fsmagic=0x1cd1\n" a " fsmagic=0x42494e4d\n" a        \
	" fsmagic=0x73636673\n" a " fsmagic=0xf97cff8c\n" a " fsmagic=0x43415d53\n" a   \
	" fsmagic=0x27e0eb\n" a " fsmagic=0x63677270\n" a " fsmagic=0x6e736673\n" a     \
	" fsmagic=0xde5e81e4\n"

/* spec/policy.md and the kernel's rule tables, as ima_policy_show() prints them */
static const char tcb_text[] =
	DONT_LIST("dont_measure")
	"measure func=MMAP_CHECK mask=MAY_EXEC\n"
	"measure func=BPRM_CHECK mask=MAY_EXEC\n"
	"measure func=FILE_CHECK mask=^MAY_READ euid=0\n"
	"measure func=FILE_CHECK mask=^MAY_READ uid=0\n"
	"measure func=MODULE_CHECK\n"
	"measure func=FIRMWARE_CHECK\n"
	"measure func=POLICY_CHECK\n";

static const char ima_tcb_text[] =
	DONT_LIST("dont_measure")
	"measure func=MMAP_CHECK mask=MAY_EXEC\n"
	"measure func=BPRM_CHECK mask=MAY_EXEC\n"
	"measure func=FILE_CHECK mask=MAY_READ uid=0\n"
	"measure func=MODULE_CHECK\n"
	"measure func=FIRMWARE_CHECK\n";

static const char appraise_tcb_text[] =
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

static const char secure_boot_text[] =
	"appraise func=MODULE_CHECK appraise_type=imasig\n"
	"appraise func=FIRMWARE_CHECK appraise_type=imasig\n"
	"appraise func=KEXEC_KERNEL_CHECK appraise_type=imasig\n"
	"appraise func=POLICY_CHECK appraise_type=imasig\n";

static const char critical_data_text[] = "measure func=CRITICAL_DATA\n";

static void expect_builtin(const char *names, const char *want)
{
	struct vigil_policy *p;
	struct vigil_error err;
	char *got;

	if (vigil_policy_builtin(names, &p, &err) != VIGIL_OK)
		fail_msg("%s: %s", names, err.msg);
	got = print(p, 0);
	if (strcmp(got, want))
		fail_msg("ima_policy=%s prints\n%s\nwant\n%s", names, got, want);
	round_trip(p, names);
	free(got);
	vigil_policy_free(p);
}

static char *concat(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static void test_builtins(void **state)
{
	struct vigil_policy *p = (void *)1;
	struct vigil_error err;
	char *want, *kern;

	(void)state;
	expect_builtin("tcb", tcb_text);
	expect_builtin("ima_tcb", ima_tcb_text);
	expect_builtin("appraise_tcb", appraise_tcb_text);
	expect_builtin("secure_boot", secure_boot_text);
	expect_builtin("critical_data", critical_data_text);
	/* kernel order whatever the order of the names */
	want = concat(tcb_text, appraise_tcb_text, "");
	expect_builtin("tcb|appraise_tcb", want);
	expect_builtin("appraise_tcb|tcb", want);
	expect_builtin("appraise_tcb tcb", want);
	free(want);
	want = concat(tcb_text, secure_boot_text, appraise_tcb_text);
	kern = concat(want, critical_data_text, "");
	expect_builtin("critical_data|appraise_tcb|secure_boot|tcb", kern);
	free(want);
	free(kern);
	/* the first of tcb and ima_tcb wins */
	expect_builtin("ima_tcb|tcb", ima_tcb_text);
	expect_builtin("tcb|ima_tcb", tcb_text);
	expect_builtin("", "");

	assert_int_equal(vigil_policy_builtin("tcb|fail_securely", &p, &err), VIGIL_OK);
	assert_true(vigil_policy_fail_securely(p));
	/* the kernel's bytes: a blank after every item */
	kern = print(p, VIGIL_POLICY_PRINT_KERNEL);
	assert_int_equal(strncmp(kern, "dont_measure fsmagic=0x9fa0 \n", 29), 0);
	assert_non_null(strstr(kern, "\nmeasure func=FILE_CHECK mask=^MAY_READ euid=0 \n"));
	free(kern);
	vigil_policy_free(p);
	assert_int_equal(vigil_policy_builtin("tcb|nonsense", &p, &err), VIGIL_ERR_INVALID);
	assert_null(p);
	assert_non_null(strstr(err.msg, "\"nonsense\" not found"));
	assert_int_equal(vigil_policy_builtin(NULL, &p, &err), VIGIL_ERR_INVALID);
}

/* ============================================================ printing */

static void expect_print(const char *in, unsigned flags, const char *want)
{
	struct vigil_policy *p = parse_ok(in);
	char *got = print(p, flags);

	if (strcmp(got, want))
		fail_msg("%s\nprints\n%s\nwant\n%s", in, got, want);
	free(got);
	vigil_policy_free(p);
}

static void test_print(void **state)
{
	(void)state;
	/* canonical order and spelling whatever the input order */
	expect_print("measure template=ima-sig uid>5 fsmagic=0X01021994 func=PATH_CHECK\n", 0,
		     "measure func=FILE_CHECK fsmagic=0x1021994 uid>5 template=ima-sig\n");
	expect_print("appraise permit_directio obj_type=t subj_user=u appraise_type=imasig fowner<3 "
		     "mask=^MAY_EXEC fsuuid=8BCBE394-4F13-4144-BE8E-5AA9EA2CE2F6 fsname=ext4\n", 0,
		     "appraise mask=^MAY_EXEC fsname=ext4 fsuuid=8bcbe394-4f13-4144-be8e-5aa9ea2ce2f6 "
		     "fowner<3 obj_type=t subj_user=u appraise_type=imasig permit_directio\n");
	expect_print("measure func=KEY_CHECK template=d-ng|n-ng|buf keyrings=.ima|_evm pcr=11\n", 0,
		     "measure func=KEY_CHECK keyrings=.ima|_evm pcr=11 template=ima-buf\n");
	expect_print("appraise func=SETXATTR_CHECK appraise_algos=sha512,sha1,sha256,sha1\n", 0,
		     "appraise func=SETXATTR_CHECK appraise_algos=sha1,sha256,sha512\n");
	expect_print("appraise func=MODULE_CHECK appraise_flag=blacklist appraise_type=imasig|modsig\n",
		     0, "appraise func=MODULE_CHECK appraise_type=imasig|modsig "
		     "appraise_flag=check_blacklist\n");
	/* sigv3: digest_type first so it parses back; the kernel prints it after */
	expect_print("appraise func=BPRM_CHECK digest_type=verity appraise_type=sigv3\n", 0,
		     "appraise func=BPRM_CHECK digest_type=verity appraise_type=sigv3\n");
	expect_print("appraise func=BPRM_CHECK digest_type=verity appraise_type=sigv3\n",
		     VIGIL_POLICY_PRINT_KERNEL,
		     "appraise func=BPRM_CHECK appraise_type=sigv3 digest_type=verity \n");
	/* the kernel prints ids with %d */
	expect_print("measure fowner=4294967294\n", 0, "measure fowner=4294967294\n");
	expect_print("measure fowner=4294967294\n", VIGIL_POLICY_PRINT_KERNEL, "measure fowner=-2 \n");
	expect_print("audit\n", VIGIL_POLICY_PRINT_KERNEL, "audit \n");
	expect_print("measure uid=+007 pcr=-0 fsmagic=+0\n", 0, "measure fsmagic=0x0 pcr=0 uid=7\n");
}

static void test_rule_print_api(void **state)
{
	struct vigil_policy *p = parse_ok("measure func=BPRM_CHECK mask=MAY_EXEC\n");
	char small[8];

	(void)state;
	assert_int_equal(vigil_policy_rule_print(p, 0, 0, small, sizeof(small)),
			 (int)strlen("measure func=BPRM_CHECK mask=MAY_EXEC"));
	assert_string_equal(small, "measure");
	assert_int_equal(vigil_policy_rule_print(p, 1, 0, small, sizeof(small)), -1);
	vigil_policy_free(p);
}

/* ============================================================ matching */

/*
 * An access in a few words: func=NAME mask=RWXA fsmagic=HEX fsuuid=U
 * fsname=S fowner= fgroup= uid= euid= suid= gid= egid= sgid= cap_setuid
 * cap_setgid obj_user=.. subj_type=.. data=S.  Unset: FILE_CHECK, MAY_READ,
 * ext4 (0xef53, uuid UUID1, "ext4"), owner 0:0, subject 1000 everywhere.
 */
#define UUID1 "8bcbe394-4f13-4144-be8e-5aa9ea2ce2f6"
#define UUID2 "00000000-0000-0000-0000-000000000001"

static void set_uuid(uint8_t out[16], const char *s)
{
	for (int i = 0, o = 0; s[i] && o < 16; i++) {
		if (s[i] == '-')
			continue;
		sscanf(s + i, "%2hhx", &out[o++]);
		i++;
	}
}

static unsigned mask_of(const char *s)
{
	unsigned m = 0;

	for (; *s; s++)
		m |= *s == 'R' ? VIGIL_MAY_READ : *s == 'W' ? VIGIL_MAY_WRITE :
		     *s == 'X' ? VIGIL_MAY_EXEC : *s == 'A' ? VIGIL_MAY_APPEND : 0;
	return m;
}

static bool set_lsm(const struct vigil_policy *p, struct vigil_policy_access *a, const char *k,
		    const char *v)
{
	static const char *const names[] = { "obj_user", "obj_role", "obj_type",
					     "subj_user", "subj_role", "subj_type" };

	for (int i = 0; i < VIGIL_LSM_COUNT; i++)
		if (strcmp(k, names[i]) == 0) {
			a->lsm[i] = vigil_policy_intern(p, v);
			return true;
		}
	return false;
}

static bool set_id(struct vigil_policy_access *a, const char *k, const char *v)
{
	static const struct {
		const char *name;
		size_t off;
	} ids[] = {
		{ "uid", offsetof(struct vigil_policy_access, uid) },
		{ "euid", offsetof(struct vigil_policy_access, euid) },
		{ "suid", offsetof(struct vigil_policy_access, suid) },
		{ "gid", offsetof(struct vigil_policy_access, gid) },
		{ "egid", offsetof(struct vigil_policy_access, egid) },
		{ "sgid", offsetof(struct vigil_policy_access, sgid) },
		{ "fowner", offsetof(struct vigil_policy_access, fowner) },
		{ "fgroup", offsetof(struct vigil_policy_access, fgroup) },
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (strcmp(k, ids[i].name) == 0) {
			*(uint32_t *)((char *)a + ids[i].off) = (uint32_t)strtoul(v, NULL, 0);
			return true;
		}
	return false;
}

static void set_word(const struct vigil_policy *p, struct vigil_policy_access *a, char *w)
{
	char *v = strchr(w, '=');

	if (strcmp(w, "cap_setuid") == 0)
		a->cap_setuid = true;
	else if (strcmp(w, "cap_setgid") == 0)
		a->cap_setgid = true;
	else if (!v)
		fail_msg("bad access word %s", w);
	else if ((*v++ = '\0', strcmp(w, "func")) == 0)
		a->func = strcmp(v, "POST_SETATTR") == 0 ? VIGIL_FUNC_POST_SETATTR
							 : vigil_policy_func_by_name(v);
	else if (strcmp(w, "mask") == 0)
		a->mask = mask_of(v);
	else if (strcmp(w, "fsmagic") == 0)
		a->fsmagic = strtoull(v, NULL, 16);
	else if (strcmp(w, "fsuuid") == 0)
		set_uuid(a->fsuuid, v);
	else if (strcmp(w, "fsname") == 0)
		a->fsname = *v ? vigil_policy_intern(p, v) : VIGIL_POLICY_NO_STRING;
	else if (strcmp(w, "data") == 0)
		a->func_data = vigil_policy_intern(p, v);
	else if (!set_id(a, w, v) && !set_lsm(p, a, w, v))
		fail_msg("bad access word %s", w);
}

static void make_access(const struct vigil_policy *p, const char *words,
			struct vigil_policy_access *a)
{
	char buf[256], *save = NULL;

	memset(a, 0, sizeof(*a));
	a->func = VIGIL_FUNC_FILE_CHECK;
	a->mask = VIGIL_MAY_READ;
	a->fsmagic = 0xef53;
	set_uuid(a->fsuuid, UUID1);
	a->fsname = vigil_policy_intern(p, "ext4");
	a->uid = a->euid = a->suid = a->gid = a->egid = a->sgid = 1000;
	snprintf(buf, sizeof(buf), "%s", words);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		set_word(p, a, w);
}

struct match_case {
	const char *rule;
	const char *access;
	bool match;
};

static const struct match_case match_cases[] = {
	/* func, aliases, and the post-setattr re-check that ignores func and mask */
	{ "measure func=BPRM_CHECK", "func=BPRM_CHECK mask=X", true },
	{ "measure func=BPRM_CHECK", "func=FILE_CHECK", false },
	{ "measure func=BPRM_CHECK", "func=POST_SETATTR mask=", true },
	{ "measure func=FILE_CHECK", "func=POST_SETATTR mask=", true },
	{ "measure func=PATH_CHECK", "func=FILE_CHECK", true },
	{ "measure func=FILE_MMAP", "func=MMAP_CHECK mask=X", true },
	{ "measure func=MMAP_CHECK", "func=MMAP_CHECK_REQPROT mask=X", false },
	{ "measure func=MMAP_CHECK_REQPROT", "func=MMAP_CHECK_REQPROT mask=X", true },
	{ "measure func=CREDS_CHECK", "func=CREDS_CHECK mask=X", true },
	{ "measure", "func=MODULE_CHECK", true },
	/* mask=X is exact, mask=^X includes */
	{ "measure mask=MAY_READ", "mask=R", true },
	{ "measure mask=MAY_READ", "mask=RW", false },
	{ "measure mask=MAY_READ", "mask=W", false },
	{ "measure mask=^MAY_READ", "mask=R", true },
	{ "measure mask=^MAY_READ", "mask=RW", true },
	{ "measure mask=^MAY_READ", "mask=RA", true },
	{ "measure mask=^MAY_READ", "mask=W", false },
	{ "measure mask=^MAY_WRITE", "mask=WA", true },
	{ "measure mask=MAY_APPEND", "mask=A", true },
	{ "measure mask=MAY_APPEND", "mask=WA", false },
	{ "measure mask=MAY_EXEC", "func=POST_SETATTR mask=", true },
	{ "measure mask=^MAY_EXEC", "func=BPRM_CHECK mask=X", true },
	/* filesystem */
	{ "measure fsmagic=0xef53", "", true },
	{ "measure fsmagic=0xef53", "fsmagic=9fa0", false },
	{ "measure fsname=ext4", "", true },
	{ "measure fsname=ext4", "fsname=xfs", false },
	{ "measure fsname=ext4", "fsname=", false },
	{ "measure fsuuid=" UUID1, "", true },
	{ "measure fsuuid=" UUID1, "fsuuid=" UUID2, false },
	/* uid with its three operators */
	{ "measure uid=0", "uid=0", true },
	{ "measure uid=0", "uid=1", false },
	{ "measure uid<1000", "uid=999", true },
	{ "measure uid<1000", "uid=1000", false },
	{ "measure uid>1000", "uid=1001", true },
	{ "measure uid>1000", "uid=1000", false },
	{ "measure uid=0", "euid=0", false },
	/* euid: the real and saved uid count only with CAP_SETUID */
	{ "measure euid=0", "euid=0", true },
	{ "measure euid=0", "uid=0", false },
	{ "measure euid=0", "uid=0 cap_setuid", true },
	{ "measure euid=0", "suid=0 cap_setuid", true },
	{ "measure euid=0", "suid=0", false },
	{ "measure euid=0", "uid=0 cap_setgid", false },
	{ "measure euid>999", "euid=1000", true },
	{ "measure euid<1000", "euid=1000 uid=5 cap_setuid", true },
	/* gid and egid, likewise with CAP_SETGID */
	{ "measure gid=5", "gid=5", true },
	{ "measure gid=5", "egid=5", false },
	{ "measure gid<5", "gid=4", true },
	{ "measure gid>5", "gid=5", false },
	{ "measure egid=0", "egid=0", true },
	{ "measure egid=0", "gid=0", false },
	{ "measure egid=0", "gid=0 cap_setgid", true },
	{ "measure egid=0", "sgid=0 cap_setgid", true },
	{ "measure egid=0", "sgid=0 cap_setuid", false },
	/* file owner and group */
	{ "measure fowner=0", "", true },
	{ "measure fowner=0", "fowner=1", false },
	{ "measure fowner<1000", "fowner=999", true },
	{ "measure fowner>1000", "fowner=1000", false },
	{ "measure fgroup=0", "", true },
	{ "measure fgroup=0", "fgroup=100", false },
	{ "measure fgroup<100", "fgroup=99", true },
	{ "measure fgroup>100", "fgroup=101", true },
	/* LSM labels: an absent LSM (0) never matches */
	{ "measure obj_type=bin_t", "obj_type=bin_t", true },
	{ "measure obj_type=bin_t", "obj_type=etc_t", false },
	{ "measure obj_type=bin_t", "", false },
	{ "dont_measure obj_type=bin_t", "", false },
	{ "measure subj_user=system_u", "subj_user=system_u", true },
	{ "measure subj_user=system_u", "obj_user=system_u", false },
	{ "measure subj_role=r obj_role=o", "subj_role=r obj_role=o", true },
	{ "measure subj_role=r obj_role=o", "subj_role=r", false },
	{ "measure obj_user=u subj_type=t", "obj_user=u subj_type=t", true },
	/* KEY_CHECK / CRITICAL_DATA look at uid and the keyring or label only */
	{ "measure func=KEY_CHECK keyrings=.ima|_evm", "func=KEY_CHECK data=.ima", true },
	{ "measure func=KEY_CHECK keyrings=.ima|_evm", "func=KEY_CHECK data=_evm", true },
	{ "measure func=KEY_CHECK keyrings=.ima|_evm", "func=KEY_CHECK data=.other", false },
	{ "measure func=KEY_CHECK keyrings=.ima|_evm", "func=KEY_CHECK", false },
	{ "measure func=KEY_CHECK", "func=KEY_CHECK", true },
	{ "measure func=KEY_CHECK uid=0", "func=KEY_CHECK", false },
	{ "measure func=KEY_CHECK gid=5", "func=KEY_CHECK", true },
	{ "measure", "func=KEY_CHECK data=.ima", false },
	{ "measure", "func=CRITICAL_DATA data=selinux", false },
	{ "measure func=CRITICAL_DATA label=selinux", "func=CRITICAL_DATA data=selinux", true },
	{ "measure func=CRITICAL_DATA label=selinux", "func=CRITICAL_DATA data=kernel_version",
	  false },
	{ "measure func=CRITICAL_DATA", "func=KEY_CHECK", false },
	/* several conditions: all must hold */
	{ "measure func=FILE_CHECK mask=^MAY_READ euid=0", "mask=RW euid=0", true },
	{ "measure func=FILE_CHECK mask=^MAY_READ euid=0", "mask=W euid=0", false },
	{ "measure func=FILE_CHECK mask=^MAY_READ euid=0", "func=BPRM_CHECK euid=0", false },
	{ "appraise fowner=0 fsmagic=0xef53 obj_type=bin_t",
	  "obj_type=bin_t fowner=0", true },
	{ "appraise fowner=0 fsmagic=0xef53 obj_type=bin_t",
	  "obj_type=bin_t fowner=0 fsmagic=1021994", false },
};

static void test_match_table(void **state)
{
	size_t n = sizeof(match_cases) / sizeof(match_cases[0]);

	(void)state;
	assert_true(n >= 60);
	for (size_t i = 0; i < n; i++) {
		struct vigil_policy *p = parse_ok(match_cases[i].rule);
		struct vigil_policy_access a;
		struct vigil_policy_result res;
		bool got;

		make_access(p, match_cases[i].access, &a);
		got = vigil_policy_rule_matches(p, 0, &a);
		if (got != match_cases[i].match)
			fail_msg("case %zu: '%s' with {%s}: %s, want %s", i, match_cases[i].rule,
				 match_cases[i].access, got ? "match" : "no match",
				 match_cases[i].match ? "match" : "no match");
		/* the policy walk agrees with the rule test */
		vigil_policy_match(p, &a, 0, &res);
		assert_int_equal(res.pair[0].rule == 0 || res.pair[1].rule == 0, got);
		vigil_policy_free(p);
	}
}

static void expect_pair(const struct vigil_policy_result *r, int pair, int rule, bool applies)
{
	if (r->pair[pair].rule != rule || r->pair[pair].applies != applies)
		fail_msg("pair %d: rule %d applies %d, want rule %d applies %d", pair,
			 r->pair[pair].rule, r->pair[pair].applies, rule, applies);
}

static void decide(const struct vigil_policy *p, const char *words, unsigned want,
		   struct vigil_policy_result *r)
{
	struct vigil_policy_access a;

	make_access(p, words, &a);
	vigil_policy_match(p, &a, want, r);
}

/* tcb: 13 dont_measure, then MMAP(13) BPRM(14) FILE euid(15) FILE uid(16) ... */
static void test_match_tcb(void **state)
{
	struct vigil_policy_result r;
	struct vigil_policy *p;
	struct vigil_error err;

	(void)state;
	assert_int_equal(vigil_policy_builtin("tcb|appraise_tcb", &p, &err), VIGIL_OK);
	decide(p, "func=BPRM_CHECK mask=X", 0, &r);
	expect_pair(&r, VIGIL_PAIR_MEASURE, 14, true);
	expect_pair(&r, VIGIL_PAIR_APPRAISE, 34, true); /* appraise fowner=0 */
	expect_pair(&r, VIGIL_PAIR_AUDIT, -1, false);
	assert_int_equal(r.actions, VIGIL_POLICY_MEASURE | VIGIL_POLICY_APPRAISE);
	decide(p, "func=BPRM_CHECK mask=X fsmagic=9fa0", 0, &r);
	expect_pair(&r, VIGIL_PAIR_MEASURE, 0, false);
	expect_pair(&r, VIGIL_PAIR_APPRAISE, 20, false);
	assert_int_equal(r.actions, 0);
	decide(p, "mask=R euid=0", 0, &r); /* a setuid-root program reads */
	expect_pair(&r, VIGIL_PAIR_MEASURE, 15, true);
	decide(p, "mask=R uid=0", 0, &r); /* root dropped euid, no CAP_SETUID */
	expect_pair(&r, VIGIL_PAIR_MEASURE, 16, true);
	decide(p, "mask=W uid=0 euid=0", 0, &r); /* ^MAY_READ: a write-only open is not */
	expect_pair(&r, VIGIL_PAIR_MEASURE, -1, false);
	decide(p, "mask=R fowner=1000", 0, &r); /* a user reading a user's file */
	expect_pair(&r, VIGIL_PAIR_MEASURE, -1, false);
	expect_pair(&r, VIGIL_PAIR_APPRAISE, -1, false);
	decide(p, "func=POST_SETATTR mask= fsmagic=1021994", VIGIL_POLICY_APPRAISE, &r);
	expect_pair(&r, VIGIL_PAIR_APPRAISE, 23, false); /* tmpfs */
	expect_pair(&r, VIGIL_PAIR_MEASURE, -1, false);  /* not asked */
	vigil_policy_free(p);
}

static const char pairs_policy[] =
	"dont_measure fsmagic=0x9fa0 permit_directio\n"              /* 0 */
	"measure func=BPRM_CHECK pcr=11 template=ima-sig\n"          /* 1 */
	"measure pcr=12\n"                                           /* 2 */
	"appraise func=BPRM_CHECK appraise_type=imasig\n"            /* 3 */
	"appraise fowner=0 appraise_algos=sha256,sha512\n"           /* 4 */
	"dont_appraise\n"                                            /* 5 */
	"audit func=BPRM_CHECK\n"                                    /* 6 */
	"audit\n"                                                    /* 7 */
	"dont_hash fsmagic=0x1021994\n"                              /* 8 */
	"hash\n"                                                     /* 9 */
	"appraise func=FILE_CHECK digest_type=verity appraise_type=sigv3\n"; /* 10 */

static void test_match_pairs(void **state)
{
	struct vigil_policy *p = parse_ok(pairs_policy);
	struct vigil_policy_result r;

	(void)state;
	/* each pair decided by its first matching rule; options of the deciding rules */
	decide(p, "func=BPRM_CHECK mask=X", 0, &r);
	expect_pair(&r, VIGIL_PAIR_MEASURE, 1, true);
	expect_pair(&r, VIGIL_PAIR_APPRAISE, 3, true);
	expect_pair(&r, VIGIL_PAIR_AUDIT, 6, true);
	expect_pair(&r, VIGIL_PAIR_HASH, 9, true);
	assert_int_equal(r.pcr, 11);
	assert_string_equal(vigil_policy_template_name(r.template_id), "ima-sig");
	assert_int_equal(r.opts, VIGIL_OPT_SIG_REQUIRED);
	assert_int_equal(r.algos, 0);
	assert_int_equal(r.actions, VIGIL_POLICY_MEASURE | VIGIL_POLICY_APPRAISE |
				    VIGIL_POLICY_AUDIT | VIGIL_POLICY_HASH);
	/* a later rule of a decided pair carries nothing (pcr 12 not taken) */
	decide(p, "mask=R fowner=0", 0, &r);
	expect_pair(&r, VIGIL_PAIR_MEASURE, 2, true);
	expect_pair(&r, VIGIL_PAIR_APPRAISE, 4, true);
	expect_pair(&r, VIGIL_PAIR_AUDIT, 7, true);
	assert_int_equal(r.pcr, 12);
	assert_int_equal(r.template_id, -1);
	assert_int_equal(r.algos, (1u << 4) | (1u << 6));
	assert_int_equal(r.opts, 0);
	/* dont_ rules decide too, and their options are or'ed in like the kernel */
	decide(p, "fsmagic=9fa0 fowner=5", 0, &r);
	expect_pair(&r, VIGIL_PAIR_MEASURE, 0, false);
	expect_pair(&r, VIGIL_PAIR_APPRAISE, 5, false);
	assert_int_equal(r.opts, VIGIL_OPT_PERMIT_DIRECTIO);
	assert_int_equal(r.pcr, -1);
	decide(p, "fsmagic=1021994 fowner=5", 0, &r);
	expect_pair(&r, VIGIL_PAIR_HASH, 8, false);
	/* only the wanted pairs are decided; the walk stops when they are */
	decide(p, "func=BPRM_CHECK mask=X", VIGIL_POLICY_APPRAISE, &r);
	expect_pair(&r, VIGIL_PAIR_APPRAISE, 3, true);
	expect_pair(&r, VIGIL_PAIR_MEASURE, -1, false);
	expect_pair(&r, VIGIL_PAIR_HASH, -1, false);
	assert_int_equal(r.pcr, -1);
	decide(p, "func=BPRM_CHECK mask=X", VIGIL_POLICY_HASH | VIGIL_POLICY_AUDIT, &r);
	expect_pair(&r, VIGIL_PAIR_AUDIT, 6, true);
	expect_pair(&r, VIGIL_PAIR_HASH, 9, true);
	vigil_policy_free(p);

	/* sigv3 and verity come through */
	p = parse_ok("appraise func=FILE_CHECK digest_type=verity appraise_type=sigv3\n");
	decide(p, "", VIGIL_POLICY_APPRAISE, &r);
	assert_int_equal(r.opts, VIGIL_OPT_SIG_REQUIRED | VIGIL_OPT_VERITY);
	{
		struct vigil_policy_access a;

		make_access(p, "", &a);
		assert_int_equal(vigil_policy_match(p, &a, 0, &r), 1);
		assert_int_equal(vigil_policy_match(NULL, &a, 0, &r), 0);
		assert_int_equal(r.pair[0].rule, -1);
	}
	vigil_policy_free(p);
}

/* ================================================================ lint */

static struct vigil_policy_diags lint(const char *text, uint32_t observable)
{
	struct vigil_policy_diags d = { 0 };
	struct vigil_policy *p = parse_ok(text);
	struct vigil_error err;

	assert_int_equal(vigil_policy_lint(p, observable, &d, &err), VIGIL_OK);
	vigil_policy_free(p);
	return d;
}

/* text's lint has exactly one finding of code (at line, with msg) among others of other codes */
static void expect_lint(const char *text, uint32_t obs, int code, unsigned line, const char *msg)
{
	struct vigil_policy_diags d = lint(text, obs);
	int found = 0;

	for (size_t i = 0; i < d.count; i++) {
		if (d.items[i].code != code)
			continue;
		found++;
		if (d.items[i].line != line || !strstr(d.items[i].msg, msg))
			fail_msg("lint %d: line %u \"%s\", want line %u \"%s\"\n%s", code,
				 d.items[i].line, d.items[i].msg, line, msg, text);
	}
	if (found != 1)
		fail_msg("lint %d found %d times, want once in\n%s", code, found, text);
	vigil_policy_diags_free(&d);
}

static void expect_no_lint(const char *text, uint32_t obs, int code)
{
	struct vigil_policy_diags d = lint(text, obs);

	for (size_t i = 0; i < d.count; i++)
		if (code == 0 || d.items[i].code == code)
			fail_msg("unexpected lint %d at line %u: %s\n%s", d.items[i].code,
				 d.items[i].line, d.items[i].msg, text);
	vigil_policy_diags_free(&d);
}

#define ALL VIGIL_POLICY_FUNCS_ALL

/* The seed's step 3 without its trailing comments: 0xabc5 is not tmpfs. */
static const char seed_broad[] =
	"dont_measure fsmagic=0x9fa0\n"
	"dont_measure fsmagic=0x62656572\n"
	"dont_measure fsmagic=0x64626720\n"
	"dont_measure fsmagic=0xabc5\n"
	"dont_measure fsmagic=0x1cd1\n"
	"dont_measure fsmagic=0x72b6\n"
	"dont_measure obj_type=dm_verity_t\n"
	"measure func=BPRM_CHECK mask=MAY_EXEC\n";

static void test_lint_shadow(void **state)
{
	(void)state;
	expect_lint("measure func=BPRM_CHECK\nmeasure func=BPRM_CHECK mask=MAY_EXEC\n", ALL,
		    VIGIL_LINT_SHADOWED, 2, "line 1 (measure func=BPRM_CHECK) decides measure");
	expect_lint("dont_appraise fsmagic=0x9fa0\nappraise fsmagic=0x9fa0 fowner=0\n", ALL,
		    VIGIL_LINT_SHADOWED, 2, "decides appraise");
	expect_lint("measure uid<1000\nmeasure uid=5 func=FILE_CHECK\n", ALL,
		    VIGIL_LINT_SHADOWED, 2, "line 1");
	expect_lint("measure uid>10\nmeasure uid>20\n", ALL, VIGIL_LINT_SHADOWED, 2, "line 1");
	expect_lint("measure mask=^MAY_READ\nmeasure mask=MAY_READ\n", ALL, VIGIL_LINT_SHADOWED,
		    2, "line 1");
	expect_lint("measure func=KEY_CHECK keyrings=a|b\nmeasure func=KEY_CHECK keyrings=b\n",
		    ALL, VIGIL_LINT_SHADOWED, 2, "line 1");
	expect_lint("audit obj_type=t\naudit obj_type=t fowner=0\n", ALL, VIGIL_LINT_SHADOWED, 2,
		    "decides audit");
	expect_no_lint("measure uid<1000\nmeasure uid=1000\n", ALL, VIGIL_LINT_SHADOWED);
	expect_no_lint("measure uid=0\nmeasure euid=0\n", ALL, VIGIL_LINT_SHADOWED);
	expect_no_lint("measure mask=MAY_READ\nmeasure mask=^MAY_READ\n", ALL, VIGIL_LINT_SHADOWED);
	expect_no_lint("dont_appraise fsmagic=0x9fa0\nmeasure fsmagic=0x9fa0\n", ALL,
		       VIGIL_LINT_SHADOWED);
	expect_no_lint("measure\nmeasure func=KEY_CHECK\n", ALL, VIGIL_LINT_SHADOWED);
	expect_no_lint("measure func=KEY_CHECK keyrings=b\nmeasure func=KEY_CHECK keyrings=a|b\n",
		       ALL, VIGIL_LINT_SHADOWED);
	expect_no_lint("measure obj_type=a\nmeasure obj_type=b\n", ALL, VIGIL_LINT_SHADOWED);
}

static void test_lint_never(void **state)
{
	(void)state;
	expect_lint("measure func=BPRM_CHECK mask=MAY_READ\n", ALL, VIGIL_LINT_NEVER_MATCHES, 1,
		    "func=BPRM_CHECK always asks MAY_EXEC");
	expect_lint("appraise func=MODULE_CHECK mask=^MAY_EXEC\n", ALL, VIGIL_LINT_NEVER_MATCHES,
		    1, "always asks MAY_READ");
	expect_lint("measure fowner<0\n", ALL, VIGIL_LINT_NEVER_MATCHES, 1, "below 0");
	expect_lint("measure egid>4294967294\n", ALL, VIGIL_LINT_NEVER_MATCHES, 1, "above");
	expect_lint("measure fsmagic=0x9fa0 fsname=ext4\n", ALL, VIGIL_LINT_NEVER_MATCHES, 1,
		    "fsname=ext4 is not the filesystem of fsmagic=0x9fa0 (proc)");
	expect_no_lint("measure fsmagic=0xef53 fsname=ext3\n", ALL, VIGIL_LINT_NEVER_MATCHES);
	expect_no_lint("measure func=BPRM_CHECK mask=^MAY_EXEC\n", ALL, VIGIL_LINT_NEVER_MATCHES);
	expect_no_lint("measure func=FILE_CHECK mask=MAY_EXEC\n", ALL, VIGIL_LINT_NEVER_MATCHES);
}

static void test_lint_broad(void **state)
{
	(void)state;
	/* the seed's "policy too broad: measures tmpfs" */
	expect_lint(seed_broad, ALL, VIGIL_LINT_PSEUDO_FS, 8, "tmpfs");
	expect_lint(seed_broad, ALL, VIGIL_LINT_UNKNOWN_FSMAGIC, 4, "fsmagic=0xabc5");
	expect_lint("measure func=FILE_CHECK\n", ALL, VIGIL_LINT_PSEUDO_FS, 1,
		    "(proc sysfs debugfs tmpfs");
	expect_lint("appraise func=BPRM_CHECK appraise_type=imasig\n", ALL, VIGIL_LINT_PSEUDO_FS,
		    1, "appraises files");
	expect_lint("dont_measure fsname=proc\nmeasure\n", ALL, VIGIL_LINT_PSEUDO_FS, 2,
		    "(sysfs debugfs");
	/* exempt for this func only: the BPRM rule is still too broad */
	expect_lint("dont_measure func=FILE_CHECK fsmagic=0x1021994\nmeasure func=BPRM_CHECK\n",
		    ALL, VIGIL_LINT_PSEUDO_FS, 2, "tmpfs");
	expect_no_lint("measure fsuuid=" UUID1 "\nmeasure fsmagic=0x1021994\n", ALL,
		       VIGIL_LINT_PSEUDO_FS);
	expect_no_lint("measure func=MODULE_CHECK\n", ALL, VIGIL_LINT_PSEUDO_FS);
}

static void test_lint_other(void **state)
{
	(void)state;
	expect_lint("appraise func=BPRM_CHECK\n", ALL, VIGIL_LINT_APPRAISE_NO_SIG, 1,
		    "without appraise_type=imasig");
	expect_lint("appraise func=MMAP_CHECK fsuuid=" UUID1 "\n", ALL,
		    VIGIL_LINT_APPRAISE_NO_SIG, 1, "MMAP_CHECK");
	expect_no_lint("appraise func=BPRM_CHECK appraise_type=imasig\n", ALL,
		       VIGIL_LINT_APPRAISE_NO_SIG);
	expect_no_lint("appraise func=FILE_CHECK\n", ALL, VIGIL_LINT_APPRAISE_NO_SIG);
	expect_lint("measure func=MODULE_CHECK\n", VIGIL_POLICY_FUNCS_FANOTIFY,
		    VIGIL_LINT_UNOBSERVABLE, 1, "func=MODULE_CHECK is not observable");
	expect_no_lint("measure func=MODULE_CHECK\n", ALL, VIGIL_LINT_UNOBSERVABLE);
	expect_no_lint("measure func=BPRM_CHECK fsuuid=" UUID1 "\n", VIGIL_POLICY_FUNCS_FANOTIFY,
		       0);
	expect_lint("measure func=KEY_CHECK gid=5\n", ALL, VIGIL_LINT_IGNORED, 1,
		    "gid= is accepted but not checked");
	expect_lint("appraise func=SETXATTR_CHECK appraise_algos=sha256\n"
		    "appraise func=SETXATTR_CHECK appraise_algos=sha512\n", ALL,
		    VIGIL_LINT_IGNORED, 2, "only the first SETXATTR_CHECK rule (line 1)");
	expect_lint("measure func=FILE_CHECK fsuuid=" UUID1 " digest_type=verity\n", ALL,
		    VIGIL_LINT_TEMPLATE, 1, "d-ngv2");
	expect_no_lint("measure func=FILE_CHECK fsuuid=" UUID1
		       " digest_type=verity template=ima-ngv2\n", ALL, 0);
	expect_lint("# nothing\n", ALL, VIGIL_LINT_EMPTY, 0, "no rules");
}

/* The kernel's own policies are clean (apart from hooks the caller cannot see). */
static void test_lint_builtins(void **state)
{
	static const char *const names[] = { "tcb", "ima_tcb", "appraise_tcb", "secure_boot",
					     "critical_data", "tcb|appraise_tcb|secure_boot" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct vigil_policy_diags d = { 0 };
		struct vigil_policy *p;
		struct vigil_error err;
		char buf[600];

		assert_int_equal(vigil_policy_builtin(names[i], &p, &err), VIGIL_OK);
		assert_int_equal(vigil_policy_lint(p, ALL, &d, &err), VIGIL_OK);
		if (d.count) {
			vigil_policy_diag_format(&d, 0, buf, sizeof(buf));
			fail_msg("%s: %s", names[i], buf);
		}
		assert_int_equal(vigil_policy_diags_worst(&d), 0);
		vigil_policy_diags_free(&d);
		vigil_policy_free(p);
	}
}

/* ================================================================= api */

static void test_api(void **state)
{
	struct vigil_policy_diags d;
	struct vigil_policy *p = (void *)1, *q;
	struct vigil_error err;
	char buf[300];

	(void)state;
	/* an empty policy is valid text (the lint says the kernel refuses it) */
	assert_int_equal(vigil_policy_parse(NULL, 0, NULL, &p, NULL, &err), VIGIL_OK);
	assert_int_equal(vigil_policy_count(p), 0);
	vigil_policy_free(p);
	assert_int_equal(vigil_policy_parse("x", VIGIL_POLICY_MAX_BYTES + 1, "big", &p, NULL, &err),
			 VIGIL_ERR_TOO_BIG);
	assert_null(p);
	assert_int_equal(vigil_policy_parse_file("/nonexistent/policy", &p, &d, &err),
			 VIGIL_ERR_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/policy"));
	vigil_policy_diags_free(&d);

	/* every invalid rule is reported; err summarises */
	{
		const char *t = "measure x\nmeasure\nmeasure y\n";

		assert_int_equal(vigil_policy_parse(t, strlen(t), "f", &p, &d, &err),
				 VIGIL_ERR_INVALID);
	}
	assert_int_equal(d.count, 2);
	assert_string_equal(err.msg, "f:1:9: error: 'x': unknown token (and 1 more invalid rules)");
	assert_int_equal(vigil_policy_diag_format(&d, 1, buf, sizeof(buf)) > 0, 1);
	assert_string_equal(buf, "f:3:9: error: 'y': unknown token");
	vigil_policy_diags_free(&d);
	/* many errors grow the list */
	{
		char text[4000] = "";

		for (int i = 0; i < 100; i++)
			strcat(text, "bogus\n");
		assert_int_equal(vigil_policy_parse(text, strlen(text), "f", &p, &d, &err),
				 VIGIL_ERR_INVALID);
		assert_int_equal(d.count, 100);
		assert_int_equal(d.items[99].line, 100);
		vigil_policy_diags_free(&d);
	}

	/* strings */
	p = parse_ok("measure fsname=ext4 obj_type=bin_t\nmeasure func=KEY_CHECK keyrings=a|b\n");
	assert_int_equal(vigil_policy_intern(p, "nope"), VIGIL_POLICY_UNKNOWN_STRING);
	assert_string_equal(vigil_policy_string(p, vigil_policy_intern(p, "ext4")), "ext4");
	assert_int_equal(vigil_policy_rule(p, 0)->fsname, vigil_policy_intern(p, "ext4"));
	assert_null(vigil_policy_string(p, 0));
	assert_null(vigil_policy_string(p, 99));
	assert_string_equal(vigil_policy_string(p, vigil_policy_list_item(
						      p, vigil_policy_rule(p, 1)->keyrings, 1)),
			    "b");
	assert_int_equal(vigil_policy_list_item(p, vigil_policy_rule(p, 1)->keyrings, 2), 0);
	assert_null(vigil_policy_rule(p, 2));
	assert_int_equal(vigil_policy_rule(p, 1)->line, 2);
	q = parse_ok("measure fsname=ext4 obj_type=bin_t\nmeasure func=KEY_CHECK keyrings=a|c\n");
	assert_false(vigil_policy_equal(p, q));
	vigil_policy_free(q);
	/* other lines, other token order, other string ids: the same rules */
	q = parse_ok("# ids differ, rules do not\n\nmeasure obj_type=bin_t fsname=ext4\n"
		     "  measure keyrings=a|b func=KEY_CHECK\n");
	assert_int_not_equal(vigil_policy_intern(q, "ext4"), vigil_policy_intern(p, "ext4"));
	assert_true(vigil_policy_equal(p, q));
	vigil_policy_free(q);
	vigil_policy_free(p);
	/* many distinct strings (the intern table grows) */
	{
		static char text[200000];
		size_t n = 0;

		for (int i = 0; i < 3000; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "measure obj_type=t%d\n", i);
		p = parse_ok(text);
		assert_int_equal(vigil_policy_count(p), 3000);
		assert_string_equal(vigil_policy_string(p, vigil_policy_intern(p, "t2999")), "t2999");
		round_trip(p, "many strings");
		vigil_policy_free(p);
	}

	/* spellings */
	assert_string_equal(vigil_policy_func_name(VIGIL_FUNC_SETXATTR_CHECK), "SETXATTR_CHECK");
	assert_null(vigil_policy_func_name(VIGIL_FUNC_NONE));
	assert_null(vigil_policy_func_name(VIGIL_FUNC_COUNT));
	assert_int_equal(vigil_policy_func_by_name("PATH_CHECK"), VIGIL_FUNC_FILE_CHECK);
	assert_int_equal(vigil_policy_func_by_name("FILE_MMAP"), VIGIL_FUNC_MMAP_CHECK);
	assert_int_equal(vigil_policy_func_by_name("POST_SETATTR"), -1);
	assert_int_equal(vigil_policy_func_by_name(NULL), -1);
	assert_string_equal(vigil_policy_action_name(VIGIL_POLICY_DONT_HASH), "dont_hash");
	assert_null(vigil_policy_action_name(0x80));
	assert_string_equal(vigil_policy_template_name(0), "ima");
	assert_null(vigil_policy_template_name(-1));
	assert_null(vigil_policy_template_name(100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_rule_print_api),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_match_tcb),
		cmocka_unit_test(test_match_pairs),
		cmocka_unit_test(test_lint_shadow),
		cmocka_unit_test(test_lint_never),
		cmocka_unit_test(test_lint_broad),
		cmocka_unit_test(test_lint_other),
		cmocka_unit_test(test_lint_builtins),
		cmocka_unit_test(test_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
