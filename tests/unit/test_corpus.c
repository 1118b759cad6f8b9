/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Walks the malformed-input corpus (tests/corpus, written by make.sh) and
 * checks each input against its manifest line: exact status, message
 * substring, no crash.  Every file must be listed, so an input cannot be
 * added without saying what it must produce.
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

#include <vigil/key.h>
#include <vigil/xattr.h>

#define MAX_ENTRIES 512
#define CORPUS_MAX_INPUT (1u << 20)

struct entry {
	char name[128];
	char kind[16];
	char status[32];
	char msg[400];
};

struct manifest {
	char dir[1024];
	struct entry e[MAX_ENTRIES];
	size_t n;
};

static const char *corpus_root(void)
{
	static char fallback[1024];
	const char *env = getenv("VIGIL_CORPUS");
	const char *slash;

	if (env && *env)
		return env;
	/* Source-relative, for running the binary by hand without meson. */
	slash = strrchr(__FILE__, '/');
	snprintf(fallback, sizeof(fallback), "%.*s/../corpus",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	return fallback;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static void parse_line(struct manifest *m, char *line, unsigned lineno)
{
	struct entry *e = &m->e[m->n];
	int used = 0;

	if (sscanf(line, "%127s %15s %31s %n", e->name, e->kind, e->status, &used) != 3 ||
	    !used || !line[used])
		fail_msg("%s/EXPECT:%u: malformed line \"%s\"", m->dir, lineno, line);
	snprintf(e->msg, sizeof(e->msg), "%s", line + used);
	m->n++;
}

static struct manifest *load_manifest(const char *sub)
{
	struct manifest *m = calloc(1, sizeof(*m));
	char path[1100], line[1024];
	unsigned lineno = 0;
	FILE *f;

	assert_non_null(m);
	if (snprintf(m->dir, sizeof(m->dir), "%s/%s", corpus_root(), sub) >= (int)sizeof(m->dir))
		fail_msg("corpus path too long");
	snprintf(path, sizeof(path), "%s/EXPECT", m->dir);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (set VIGIL_CORPUS)", path);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		chomp(line);
		if (!line[0] || line[0] == '#')
			continue;
		assert_true(m->n < MAX_ENTRIES);
		parse_line(m, line, lineno);
	}
	fclose(f);
	assert_true(m->n > 0);
	return m;
}

static uint8_t *read_input(const struct manifest *m, const struct entry *e, size_t *len)
{
	char path[1200];
	uint8_t *buf = malloc(CORPUS_MAX_INPUT);
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/%s", m->dir, e->name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s is listed in EXPECT but cannot be opened", path);
	*len = fread(buf, 1, CORPUS_MAX_INPUT, f);
	assert_true(feof(f));
	fclose(f);
	return buf;
}

/* Returns 1 (and prints why) when the outcome differs from the manifest. */
static int mismatch(const char *dir, const struct entry *e, int rc, const struct vigil_error *err)
{
	const char *got = vigil_status_name(rc);
	bool msg_ok = strcmp(e->msg, "-") == 0 || (rc != VIGIL_OK && strstr(err->msg, e->msg));

	if (strcmp(got, e->status) == 0 && msg_ok && (rc == VIGIL_OK || err->code == rc))
		return 0;
	fprintf(stderr, "MISMATCH %s/%s (%s): got %s \"%s\", want %s \"%s\"\n", dir, e->name,
		e->kind, got, rc == VIGIL_OK ? "" : err->msg, e->status, e->msg);
	return 1;
}

/* Types with an encoder must re-encode to the very bytes they came from. */
static int roundtrip_differs(const struct entry *e, const uint8_t *in, size_t len,
			     const struct vigil_xattr *x)
{
	uint8_t out[VIGIL_XATTR_MAX];
	struct vigil_error err;
	size_t olen = 0;
	int rc;

	if (x->type == VIGIL_IMA_XATTR_DIGEST_NG && x->digest.algo <= VIGIL_HASH_SHA1)
		return 0; /* legal but not canonical: evmctl would write 0x01 */
	if (x->type == VIGIL_IMA_XATTR_DIGEST || x->type == VIGIL_IMA_XATTR_DIGEST_NG)
		rc = vigil_xattr_encode_digest(&x->digest, out, sizeof(out), &olen, &err);
	else if (x->type == VIGIL_EVM_XATTR_HMAC)
		rc = vigil_xattr_encode_hmac(x->digest.bytes, out, sizeof(out), &olen, &err);
	else if (x->sig_version == 1)
		return 0; /* decoded for reports only, never written */
	else
		rc = vigil_xattr_encode_sig(x->type, x->sig_version, x->hash_algo, x->keyid,
					    x->sig, x->sig_len, out, sizeof(out), &olen, &err);
	if (rc == VIGIL_OK && olen == len && memcmp(out, in, len) == 0)
		return 0;
	fprintf(stderr, "ROUNDTRIP %s: re-encoding gave %d (%zu bytes) for %zu bytes\n",
		e->name, rc, olen, len);
	return 1;
}

static int check_xattr(const struct manifest *m, const struct entry *e)
{
	enum vigil_xattr_kind kind = VIGIL_XATTR_IMA;
	struct vigil_error err;
	struct vigil_xattr x;
	size_t len;
	uint8_t *buf;
	int rc, bad;

	if (strcmp(e->kind, "ima") == 0)
		kind = VIGIL_XATTR_IMA;
	else if (strcmp(e->kind, "evm") == 0)
		kind = VIGIL_XATTR_EVM;
	else
		fail_msg("%s: unknown kind %s", e->name, e->kind);
	buf = read_input(m, e, &len);
	vigil_error_clear(&err);
	rc = vigil_xattr_decode(buf, len, kind, &x, &err);
	bad = mismatch(m->dir, e, rc, &err);
	if (rc == VIGIL_OK)
		bad |= roundtrip_differs(e, buf, len, &x);
	free(buf);
	return bad;
}

static int check_key(const struct manifest *m, const struct entry *e)
{
	char path[1200];
	struct vigil_error err;
	int rc = VIGIL_OK;

	snprintf(path, sizeof(path), "%s/%s", m->dir, e->name);
	vigil_error_clear(&err);
	if (strcmp(e->kind, "privkey") == 0) {
		struct vigil_privkey *key = NULL;

		rc = vigil_privkey_load(path, NULL, &key, &err);
		vigil_privkey_free(key);
	} else if (strcmp(e->kind, "pubkey") == 0) {
		struct vigil_pubkey *key = NULL;

		rc = vigil_pubkey_load(path, &key, &err);
		vigil_pubkey_free(key);
	} else {
		fail_msg("%s: unknown kind %s", e->name, e->kind);
	}
	return mismatch(m->dir, e, rc, &err);
}

static bool listed(const struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].name, name) == 0)
			return true;
	return false;
}

/* Every file in the directory has a manifest line (and vice versa, by reading them). */
static int unlisted_files(const struct manifest *m)
{
	DIR *d = opendir(m->dir);
	struct dirent *de;
	int bad = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "EXPECT") == 0)
			continue;
		if (!listed(m, de->d_name)) {
			fprintf(stderr, "UNLISTED %s/%s: not in EXPECT\n", m->dir, de->d_name);
			bad++;
		}
	}
	closedir(d);
	return bad;
}

static void run_corpus(const char *sub, int (*check)(const struct manifest *,
						     const struct entry *))
{
	struct manifest *m = load_manifest(sub);
	int bad = unlisted_files(m);

	for (size_t i = 0; i < m->n; i++)
		bad += check(m, &m->e[i]);
	fprintf(stderr, "%s: %zu inputs, %d problem(s)\n", m->dir, m->n, bad);
	free(m);
	assert_int_equal(bad, 0);
}

static void test_xattr_corpus(void **state)
{
	(void)state;
	run_corpus("xattr", check_xattr);
}

static void test_key_corpus(void **state)
{
	(void)state;
	run_corpus("keys", check_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xattr_corpus),
		cmocka_unit_test(test_key_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
