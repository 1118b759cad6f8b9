/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vigil policy simulate: the audit-mode step done ahead of time.  Every
 * regular file of the trees is put through the policy as the kernel's hooks
 * would ask about it (exec, exec-mmap, read), with the filesystem and owner
 * taken from the file itself; where an appraise rule applies, the file is
 * appraised as the kernel would appraise it today.  Only those files are
 * hashed: appraisal needs the hash, a measure decision does not, and hashing
 * every file of /usr would take minutes instead of seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "policy_cmd.h"

#define CMD "policy simulate"

static const char simulate_help[] =
	"Usage: vigil policy simulate (--policy FILE | --builtin NAMES) [OPTION]... TREE...\n"
	"Say, for every regular file under each TREE, what the policy would do with\n"
	"it and what appraisal would conclude today: the audit-mode step\n"
	"(ima_appraise=log) done ahead of time, without loading anything into the\n"
	"kernel.  Three accesses are simulated, as the kernel's hooks ask them:\n"
	"  exec  func=BPRM_CHECK, mask MAY_EXEC   (execve of the file)\n"
	"  mmap  func=MMAP_CHECK, mask MAY_EXEC   (mmap with PROT_EXEC: libraries)\n"
	"  read  func=FILE_CHECK, mask MAY_READ   (open for reading by --uid)\n"
	"Each access is matched with the file's filesystem magic (fstatfs), UUID\n"
	"(best effort), filesystem type (the file's mount in /proc/self/mountinfo)\n"
	"and owner, and a subject with uid, euid and suid --uid and gids --gid.\n"
	"LSM labels are not simulated: rules with subj_* or obj_* conditions never\n"
	"match.\n"
	"\n"
	"Where an appraise rule decides an access, the file is appraised: its\n"
	"security.ima is checked as 'vigil verify' would, a signature required if\n"
	"the deciding rule has appraise_type=imasig (or --require-sig); with an EVM\n"
	"key, security.evm is verified first, as the kernel does.  Only appraised\n"
	"files are read and hashed.  The verdict is one of signature-ok, hash-ok,\n"
	"or a failure: xattr-missing, signature-required (only a hash is there),\n"
	"hash-mismatch, signature-invalid, unknown-key, malformed, no-verity-digest,\n"
	"verity-required, evm-missing, evm-invalid.  Failing files are the ones\n"
	"ima_appraise=enforce would block.\n"
	"\n"
	"Output, one line a file, rule numbers being policy lines (for --builtin,\n"
	"lines of 'vigil policy show --builtin NAMES'):\n"
	"  PATH: exec[measure:12 appraise:20] mmap[measure:11] read[]: pass (signature-ok, keyid 1a2b3c4d)\n"
	"  PATH: exec[appraise:20] mmap[] read[]: BLOCKED (xattr-missing; CAUSE: MESSAGE)\n"
	"  PATH: exec[dont_measure:3] mmap[] read[]: not appraised\n"
	"then a summary: files measured on exec, mmap and read, appraised, would\n"
	"pass, would fail by verdict, and the list of files enforce mode would block.\n"
	"\n"
	"Policy and subject:\n"
	"  -P, --policy FILE      the policy to simulate (\"-\": standard input)\n"
	"  -b, --builtin NAMES    a built-in policy instead: tcb, ima_tcb, appraise_tcb,\n"
	"                         secure_boot, critical_data, joined with '|'\n"
	"      --uid N            the subject's uid, euid and suid (default 0: root,\n"
	"                         who also holds CAP_SETUID; others are assumed not to)\n"
	"      --gid N            the subject's gid, egid and sgid (default 0)\n"
	"\n"
	"Appraisal:\n"
	"  -k, --keys KEYS        public keys for IMA signatures: certificates or keys,\n"
	"                         a directory, or a comma-separated list (default\n"
	"                         " DEFAULT_PUBKEYS " when present)\n"
	"      --require-sig      as if every appraise rule had appraise_type=imasig\n"
	"      --evm-keys KEYS    verify security.evm; EVM signatures with these keys\n"
	"      --hmackey FILE     verify security.evm; HMACs with this key (32 to 128\n"
	"                         bytes), signatures with --evm-keys or else --keys\n"
	"      --keyring-key DESC the EVM HMAC key from the kernel keyring instead\n"
	"      --xattr-user       read user.ima and user.evm instead of security.*\n"
	"\n"
	"Files and output:\n"
	"  -x, --one-file-system  do not descend into other filesystems\n"
	"  -L, --list FILE        also simulate the paths listed in FILE, one a line\n"
	"                         (\"-\" reads standard input)\n"
	"  -0, --null             list entries are NUL-terminated (find -print0)\n"
	"  -j, --jobs N           worker threads (default: the number of online CPUs);\n"
	"                         the output is the same for any N\n"
	"  -q, --quiet            per-file lines only for blocked files and errors\n"
	"  -v, --verbose          also the filesystem and owner each decision used\n"
	"      --json             one JSON document on standard output (vigil-policy(1))\n"
	"  -h, --help             show this help\n"
	"Directories are always walked (-r is implied); symbolic links inside trees\n"
	"are not followed.\n"
	"\n"
	"Exit status: 0 nothing would be blocked, 1 enforce mode would block at\n"
	"least one file, 2 a usage error, an invalid policy, or a file that could\n"
	"not be examined.\n"
	"\n"
	"Examples:\n"
	"  vigil policy simulate --builtin 'tcb|appraise_tcb' -q /usr\n"
	"  vigil policy simulate -P /etc/ima/ima-policy -k /etc/keys/ --json /opt/app\n"
	"  vigil policy simulate -b tcb --uid 1000 ~/bin\n";

/* ---- the accesses and the verdicts ---- */

enum { ACC_EXEC, ACC_MMAP, ACC_READ, ACC_COUNT };

static const struct {
	const char *name;
	int func;
	unsigned mask;
} accesses[ACC_COUNT] = {
	{ "exec", VIGIL_FUNC_BPRM_CHECK, VIGIL_MAY_EXEC },
	{ "mmap", VIGIL_FUNC_MMAP_CHECK, VIGIL_MAY_EXEC },
	{ "read", VIGIL_FUNC_FILE_CHECK, VIGIL_MAY_READ },
};

/* The measure and appraise pairs, the decisions reported. */
static const int pairs[] = { VIGIL_PAIR_MEASURE, VIGIL_PAIR_APPRAISE };
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

/*
 * Finer than the kernel's cause words, which call an unknown key and a
 * bad signature both invalid-signature: a user fixing a tree needs to know
 * whether to load a key or to re-sign.
 */
enum verdict {
	V_NONE, /* not appraised, or the appraisal could not be done */
	V_SIG_OK,
	V_HASH_OK,
	V_MISSING,
	V_FIRST_FAIL = V_MISSING,
	V_SIG_REQUIRED,
	V_HASH_MISMATCH,
	V_BAD_SIG,
	V_UNKNOWN_KEY,
	V_MALFORMED,
	V_NO_VERITY,
	V_VERITY_REQUIRED,
	V_EVM_MISSING,
	V_EVM_INVALID,
	V_COUNT,
};

static const char *const verdict_names[V_COUNT] = {
	"not-appraised",     "signature-ok",      "hash-ok",        "xattr-missing",
	"signature-required", "hash-mismatch",    "signature-invalid", "unknown-key",
	"malformed",         "no-verity-digest",  "verity-required", "evm-missing",
	"evm-invalid",
};

/* ---- filesystems: magic, UUID and type name, cached per (st_dev, magic) ---- */

struct mount_entry {
	uint64_t id;
	dev_t dev;
	char *fstype;
};

struct fs_entry {
	dev_t dev;
	uint64_t magic;
	uint8_t uuid[16];
	const char *name; /* the filesystem type, or NULL when no mount says */
	uint32_t name_id; /* name interned in the policy */
};

struct fs_cache {
	pthread_mutex_t mu;
	struct fs_entry *v;
	size_t n, cap;
	struct mount_entry *mounts;
	size_t nmounts;
};

/*
 * One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS] - TYPE
 * SOURCE SUPEROPTIONS".  TYPE is the kernel's s_type->name, which fsname=
 * compares, with ".SUBTYPE" appended for FUSE: that part is dropped.
 */
static bool mount_parse(char *line, struct mount_entry *m)
{
	char *sep = strstr(line, " - "), *type;
	unsigned long long id;
	unsigned maj, min;

	if (!sep || sscanf(line, "%llu %*u %u:%u", &id, &maj, &min) != 3)
		return false;
	type = sep + 3;
	type[strcspn(type, " .\n")] = '\0';
	m->id = id;
	m->dev = makedev(maj, min);
	m->fstype = strdup(type);
	return m->fstype != NULL;
}

/* Best effort: without mountinfo no file has an fsname, as if none matched. */
static void mounts_load(struct fs_cache *fc)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0, room = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		struct mount_entry m;

		if (fc->nmounts == room) {
			void *grown = realloc(fc->mounts, (room ? room * 2 : 64) * sizeof(m));

			if (!grown)
				break;
			fc->mounts = grown;
			room = room ? room * 2 : 64;
		}
		if (mount_parse(line, &m))
			fc->mounts[fc->nmounts++] = m;
	}
	free(line);
	fclose(f);
}

/* The type of the file's own mount (statx's mount id), else of any mount of its device. */
static const char *mount_fstype(const struct fs_cache *fc, int fd, dev_t dev)
{
	size_t i;
#ifdef STATX_MNT_ID
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID))
		for (i = 0; i < fc->nmounts; i++)
			if (fc->mounts[i].id == stx.stx_mnt_id)
				return fc->mounts[i].fstype;
#else
	(void)fd;
#endif
	for (i = 0; i < fc->nmounts; i++)
		if (fc->mounts[i].dev == dev)
			return fc->mounts[i].fstype;
	return NULL;
}

static void fs_probe(struct fs_cache *fc, const struct vigil_policy *p, int fd,
		     struct fs_entry *e)
{
	struct vigil_error err = { 0 };

	/* no UUID known (tmpfs on old kernels, overlay ...): the kernel has zeros too */
	if (vigil_fs_uuid(fd, e->uuid, &err) != VIGIL_OK)
		memset(e->uuid, 0, sizeof(e->uuid));
	e->name = mount_fstype(fc, fd, e->dev);
	e->name_id = e->name ? vigil_policy_intern(p, e->name) : VIGIL_POLICY_NO_STRING;
}

/*
 * Keyed by magic too: an overlay file reports the st_dev of its layer but
 * the overlay's magic.  The probe runs under the lock, once per filesystem.
 */
static void fs_lookup(struct fs_cache *fc, const struct vigil_policy *p, int fd, dev_t dev,
		      uint64_t magic, struct fs_entry *out)
{
	size_t i;

	pthread_mutex_lock(&fc->mu);
	for (i = 0; i < fc->n; i++) {
		if (fc->v[i].dev == dev && fc->v[i].magic == magic) {
			*out = fc->v[i];
			pthread_mutex_unlock(&fc->mu);
			return;
		}
	}
	memset(out, 0, sizeof(*out));
	out->dev = dev;
	out->magic = magic;
	fs_probe(fc, p, fd, out);
	if (fc->n == fc->cap) {
		void *grown = realloc(fc->v, (fc->cap ? fc->cap * 2 : 16) * sizeof(*fc->v));

		if (grown) {
			fc->v = grown;
			fc->cap = fc->cap ? fc->cap * 2 : 16;
		}
	}
	if (fc->n < fc->cap) /* else probed again next time: slower, not wrong */
		fc->v[fc->n++] = *out;
	pthread_mutex_unlock(&fc->mu);
}

static void fs_cache_free(struct fs_cache *fc)
{
	for (size_t i = 0; i < fc->nmounts; i++)
		free(fc->mounts[i].fstype);
	free(fc->mounts);
	free(fc->v);
	pthread_mutex_destroy(&fc->mu);
}

/* ---- the run ---- */

struct sim_summary {
	unsigned long measured[ACC_COUNT], appraised, pass, fail, by_verdict[V_COUNT];
	char **blocked;
	size_t nblocked, cap;
};

struct sim_ctx {
	struct report rep;
	const struct vigil_policy *p;
	const char *source;
	uint32_t uid, gid;
	bool require_sig, evm;
	struct vigil_keyset *keys, *evm_keys;
	const uint8_t *hmac_key;
	size_t hmac_len;
	struct vigil_evm_opts evm_opts;
	char ima_name[64];
	struct fs_cache fs;
	struct sim_summary sum;
};

struct sim_res {
	bool possible[ACC_COUNT]; /* the access can happen at all */
	struct vigil_policy_result m[ACC_COUNT];
	uint64_t fsmagic;
	const char *fsname;
	uint32_t owner, group;
	bool appraised, require_sig, verity;
	int verdict;
	uint8_t type;   /* security.ima's type byte, 0 when absent */
	uint32_t keyid; /* signatures */
};

/*
 * Whether the subject may do it: the kernel checks permissions and noexec
 * before IMA's hooks run, so a file nobody can execute is never appraised
 * on exec.  Mode bits only: supplementary groups and ACLs are not known.
 */
static bool permitted(const struct stat *st, uint32_t uid, uint32_t gid, unsigned may)
{
	unsigned bit = may == VIGIL_MAY_EXEC ? 1 : 4, shift;

	if (uid == 0) /* CAP_DAC_OVERRIDE: any read; exec still needs one execute bit */
		return may == VIGIL_MAY_READ || (st->st_mode & 0111);
	shift = st->st_uid == uid ? 6 : st->st_gid == gid ? 3 : 0;
	return (st->st_mode >> shift) & bit;
}

static void sim_possible(const struct sim_ctx *c, const struct stat *st,
			 const struct statfs *sfs, struct sim_res *r)
{
	bool noexec = sfs->f_flags & ST_NOEXEC;
	bool read = permitted(st, c->uid, c->gid, VIGIL_MAY_READ);

	r->possible[ACC_EXEC] = !noexec && permitted(st, c->uid, c->gid, VIGIL_MAY_EXEC);
	r->possible[ACC_MMAP] = !noexec && read; /* a mapping needs the file open for reading */
	r->possible[ACC_READ] = read;
}

/* The access the hooks would present for this file; the func and mask are set per access. */
static int sim_access(struct sim_ctx *c, struct item *it, int fd, struct sim_res *r,
		      struct vigil_policy_access *a)
{
	struct fs_entry fs;
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return item_errno(it, "cannot stat");
	if (fstatfs(fd, &sfs) < 0)
		return item_errno(it, "cannot statfs");
	/* f_type is a signed word; s_magic, which fsmagic= compares, is unsigned */
	fs_lookup(&c->fs, c->p, fd, st.st_dev, (unsigned long)sfs.f_type, &fs);
	memset(a, 0, sizeof(*a));
	a->fsmagic = fs.magic;
	memcpy(a->fsuuid, fs.uuid, sizeof(a->fsuuid));
	a->fsname = fs.name_id;
	a->fowner = st.st_uid;
	a->fgroup = st.st_gid;
	a->uid = a->euid = a->suid = c->uid;
	a->gid = a->egid = a->sgid = c->gid;
	a->cap_setuid = a->cap_setgid = c->uid == 0;
	sim_possible(c, &st, &sfs, r);
	r->fsmagic = fs.magic;
	r->fsname = fs.name;
	r->owner = st.st_uid;
	r->group = st.st_gid;
	return ITEM_OK;
}

/*
 * The decisions.  As in the kernel, the options of the deciding rules are
 * or'ed, and a file has one appraisal: it is as strict as the strictest
 * access (passing with a signature required implies passing without).
 */
static void sim_decide(const struct sim_ctx *c, struct vigil_policy_access *a,
		       struct sim_res *r)
{
	for (int k = 0; k < ACC_COUNT; k++) {
		struct vigil_policy_result *m = &r->m[k];

		if (!r->possible[k])
			continue;
		a->func = accesses[k].func;
		a->mask = accesses[k].mask;
		vigil_policy_match(c->p, a, VIGIL_POLICY_MEASURE | VIGIL_POLICY_APPRAISE, m);
		if (!(m->actions & VIGIL_POLICY_APPRAISE))
			continue;
		r->appraised = true;
		if (c->require_sig || (m->opts & VIGIL_OPT_SIG_REQUIRED))
			r->require_sig = true;
		if ((m->opts & VIGIL_OPT_VERITY) && (m->opts & VIGIL_OPT_SIG_REQUIRED))
			r->verity = true;
	}
}

static bool is_digest(uint8_t type)
{
	return type == VIGIL_IMA_XATTR_DIGEST || type == VIGIL_IMA_XATTR_DIGEST_NG;
}

/* vigil_ima_appraise's status as a verdict; V_NONE when the file could not be checked. */
static int classify(int rc, bool present, uint8_t type)
{
	switch (rc) {
	case VIGIL_OK:
		return is_digest(type) ? V_HASH_OK : V_SIG_OK;
	case VIGIL_ERR_NO_DATA:
		if (!present)
			return V_MISSING;
		return type == VIGIL_IMA_VERITY_DIGSIG ? V_NO_VERITY : V_SIG_REQUIRED;
	case VIGIL_ERR_MISMATCH: return V_HASH_MISMATCH;
	case VIGIL_ERR_BAD_SIGNATURE: return V_BAD_SIG;
	case VIGIL_ERR_UNKNOWN_KEY: return V_UNKNOWN_KEY;
	case VIGIL_ERR_UNSUPPORTED:
		return type == VIGIL_IMA_VERITY_DIGSIG ? V_NO_VERITY : V_MALFORMED;
	case VIGIL_ERR_INVALID:
	case VIGIL_ERR_TOO_BIG: return V_MALFORMED;
	}
	return V_NONE;
}

static int sim_fail(struct item *it, struct sim_res *r, int verdict, const char *cause)
{
	r->verdict = verdict;
	it->cause = cause;
	return ITEM_FAILED;
}

/* EVM before IMA, as the kernel: a forged security.ima is not worth hashing for. */
static int sim_evm(struct sim_ctx *c, struct item *it, int fd, struct sim_res *r)
{
	struct vigil_evm_verdict v;
	int rc = vigil_evm_verify(fd, &c->evm_opts, c->evm_keys, c->hmac_key, c->hmac_len, &v,
				  &it->err);

	if (check_outcome(rc) != ITEM_FAILED)
		return check_outcome(rc);
	return sim_fail(it, r, rc == VIGIL_ERR_NO_DATA ? V_EVM_MISSING : V_EVM_INVALID,
			v.cause ? v.cause : vigil_status_name(rc));
}

static int sim_ima(struct sim_ctx *c, struct item *it, int fd, const uint8_t *value,
		   size_t len, struct sim_res *r)
{
	unsigned flags = r->require_sig ? VIGIL_IMA_REQUIRE_SIG : 0;
	struct vigil_ima_verdict v;
	int rc;

	rc = vigil_ima_appraise(fd, len ? value : NULL, len, c->keys, flags, &v, &it->err);
	r->keyid = v.keyid;
	r->verdict = classify(rc, len != 0, r->type);
	if (r->verdict == V_NONE)
		return ITEM_ERROR;
	if (r->verdict < V_FIRST_FAIL)
		return ITEM_OK;
	/* the kernel's word when sigv3 is asked and nothing is there */
	it->cause = !len && r->verity ? "verity-signature-required" :
		    v.cause ? v.cause : vigil_status_name(rc);
	return ITEM_FAILED;
}

static int sim_appraise(struct sim_ctx *c, struct item *it, int fd, struct sim_res *r)
{
	uint8_t buf[CLI_XATTR_READ_MAX];
	size_t len = 0;
	int rc;

	rc = vigil_getxattr(fd, c->ima_name, buf, sizeof(buf), &len, &it->err);
	/* a filesystem without xattrs cannot hold one: absent, as the kernel sees it */
	if (rc != VIGIL_OK && rc != VIGIL_ERR_NO_DATA && rc != VIGIL_ERR_UNSUPPORTED)
		return ITEM_ERROR;
	vigil_error_clear(&it->err);
	if (rc != VIGIL_OK)
		len = 0;
	r->type = len ? buf[0] : 0;
	/* an absent security.ima fails before EVM is asked, as in the kernel */
	if (len && c->evm && (rc = sim_evm(c, it, fd, r)) != ITEM_OK)
		return rc;
	if (len && r->verity && r->type != VIGIL_IMA_VERITY_DIGSIG) {
		snprintf(it->err.msg, sizeof(it->err.msg), "security.ima is type 0x%02x, but the "
			 "rule asks for an fs-verity signature (appraise_type=sigv3)", r->type);
		it->err.code = VIGIL_ERR_NO_DATA;
		return sim_fail(it, r, V_VERITY_REQUIRED, "verity-signature-required");
	}
	return sim_ima(c, it, fd, buf, len, r);
}

static int sim_one(struct item *it, int fd, void *ctx)
{
	struct sim_ctx *c = ctx;
	struct sim_res *r = it->res;
	struct vigil_policy_access a;

	if (sim_access(c, it, fd, r, &a) != ITEM_OK)
		return ITEM_ERROR;
	sim_decide(c, &a, r);
	return r->appraised ? sim_appraise(c, it, fd, r) : ITEM_OK;
}

/* ---- reporting, in the main thread and in input order ---- */

static void sim_count(struct sim_ctx *c, const struct item *it)
{
	struct sim_summary *s = &c->sum;
	const struct sim_res *r = it->res;
	char *copy;

	if (it->outcome == ITEM_ERROR)
		return;
	for (int k = 0; k < ACC_COUNT; k++)
		s->measured[k] += r->possible[k] && (r->m[k].actions & VIGIL_POLICY_MEASURE);
	if (!r->appraised)
		return;
	s->appraised++;
	s->by_verdict[r->verdict]++;
	if (it->outcome == ITEM_OK) {
		s->pass++;
		return;
	}
	s->fail++;
	if (s->nblocked == s->cap) {
		void *grown = realloc(s->blocked, (s->cap ? s->cap * 2 : 64) * sizeof(char *));

		if (!grown)
			goto oom;
		s->blocked = grown;
		s->cap = s->cap ? s->cap * 2 : 64;
	}
	if (!(copy = strdup(it->path)))
		goto oom;
	s->blocked[s->nblocked++] = copy;
	return;
oom:
	cli_error(CMD, "out of memory for the list of blocked files");
	exit(EXIT_USAGE);
}

/* The rule that decided pair k of an access, or NULL. */
static const struct vigil_policy_rule *decider(const struct sim_ctx *c,
					       const struct vigil_policy_result *m, int pair)
{
	return m->pair[pair].rule < 0 ? NULL : vigil_policy_rule(c->p, (size_t)m->pair[pair].rule);
}

static void text_decisions(const struct sim_ctx *c, const struct sim_res *r)
{
	for (int k = 0; k < ACC_COUNT; k++) {
		const char *sep = "";

		printf(" %s[", accesses[k].name);
		if (!r->possible[k])
			putchar('-');
		for (size_t j = 0; j < NPAIRS && r->possible[k]; j++) {
			const struct vigil_policy_rule *rule = decider(c, &r->m[k], pairs[j]);

			if (rule) {
				printf("%s%s:%u", sep, vigil_policy_action_name(rule->action),
				       rule->line);
				sep = " ";
			}
		}
		putchar(']');
	}
}

static void text_verdict(const struct item *it, const struct sim_res *r)
{
	if (!r->appraised)
		fputs(": not appraised", stdout);
	else if (it->outcome == ITEM_FAILED)
		printf(": BLOCKED (%s; %s: %s)", verdict_names[r->verdict], it->cause,
		       it->err.msg);
	else if (r->verdict == V_SIG_OK)
		printf(": pass (signature-ok, keyid %08x)", r->keyid);
	else
		printf(": pass (%s)", verdict_names[r->verdict]);
}

static void sim_text(const struct sim_ctx *c, const struct item *it)
{
	const struct sim_res *r = it->res;

	if (it->outcome == ITEM_ERROR) {
		report_text_verdict(&c->rep, it);
		return;
	}
	if (c->rep.quiet && it->outcome == ITEM_OK)
		return;
	text_line_start(stdout, it->path);
	text_path(stdout, it->path);
	putchar(':');
	text_decisions(c, r);
	text_verdict(it, r);
	if (c->rep.verbose)
		printf(" [fs %s fsmagic 0x%llx, owner %u:%u]", r->fsname ? r->fsname : "?",
		       (unsigned long long)r->fsmagic, r->owner, r->group);
	putchar('\n');
}

static void json_decisions(const struct sim_ctx *c, const struct sim_res *r)
{
	for (int k = 0; k < ACC_COUNT; k++) {
		const char *sep = "";

		printf(",\"%s\":", accesses[k].name);
		if (!r->possible[k]) {
			fputs("null", stdout);
			continue;
		}
		putchar('{');
		for (size_t j = 0; j < NPAIRS; j++) {
			const struct vigil_policy_rule *rule = decider(c, &r->m[k], pairs[j]);

			if (rule) {
				printf("%s\"%s\":%u", sep, vigil_policy_action_name(rule->action),
				       rule->line);
				sep = ",";
			}
		}
		putchar('}');
	}
}

static void sim_json(struct sim_ctx *c, const struct item *it)
{
	const struct sim_res *r = it->res;

	report_json_open(&c->rep, it);
	if (it->outcome != ITEM_ERROR) {
		if (r->fsname)
			json_kv_str(stdout, "fsname", r->fsname);
		printf(",\"fsmagic\":\"0x%llx\"", (unsigned long long)r->fsmagic);
		json_kv_uint(stdout, "owner", r->owner);
		json_kv_uint(stdout, "group", r->group);
		json_decisions(c, r);
		json_kv_bool(stdout, "appraised", r->appraised);
	}
	if (r->appraised && r->verdict != V_NONE) {
		json_kv_bool(stdout, "require_sig", r->require_sig);
		json_kv_str(stdout, "verdict", verdict_names[r->verdict]);
		if (r->type)
			json_kv_str(stdout, "type", vigil_xattr_type_name(r->type));
		if (r->verdict == V_SIG_OK || r->verdict == V_BAD_SIG || r->verdict == V_UNKNOWN_KEY)
			json_kv_keyid(stdout, "keyid", r->keyid);
	}
	json_kv_bool(stdout, "blocked", it->outcome == ITEM_FAILED);
	report_json_close();
}

static void sim_report(const struct item *it, void *ctx)
{
	struct sim_ctx *c = ctx;

	sim_count(c, it);
	if (c->rep.json)
		sim_json(c, it);
	else
		sim_text(c, it);
}

static void summary_text(const struct sim_ctx *c, const struct walk_stats *st)
{
	const struct sim_summary *s = &c->sum;
	const char *sep = " (";

	printf("\nSummary: %lu file%s, %lu error%s\n", st->files, st->files == 1 ? "" : "s",
	       st->errors, st->errors == 1 ? "" : "s");
	printf("  measured: on exec %lu, on mmap %lu, on read %lu\n", s->measured[ACC_EXEC],
	       s->measured[ACC_MMAP], s->measured[ACC_READ]);
	printf("  appraised: %lu: would pass %lu, would fail %lu", s->appraised, s->pass, s->fail);
	for (int v = V_FIRST_FAIL; v < V_COUNT; v++) {
		if (s->by_verdict[v]) {
			printf("%s%s %lu", sep, verdict_names[v], s->by_verdict[v]);
			sep = ", ";
		}
	}
	puts(*sep == ',' ? ")" : "");
	printf("ima_appraise=enforce would block %zu file%s%s\n", s->nblocked,
	       s->nblocked == 1 ? "" : "s", s->nblocked ? ":" : "");
	for (size_t i = 0; i < s->nblocked; i++) {
		fputs("  ", stdout);
		text_line_start(stdout, s->blocked[i]);
		text_path(stdout, s->blocked[i]);
		putchar('\n');
	}
}

static void summary_json(const struct sim_ctx *c, const struct walk_stats *st)
{
	const struct sim_summary *s = &c->sum;
	const char *sep = "";

	printf("\n],\"summary\":{\"files\":%lu,\"ok\":%lu,\"failed\":%lu,\"errors\":%lu,"
	       "\"measured\":{\"exec\":%lu,\"mmap\":%lu,\"read\":%lu},\"appraised\":%lu,"
	       "\"pass\":%lu,\"fail\":%lu,\"fail_by_verdict\":{", st->files, st->ok, st->failed,
	       st->errors, s->measured[ACC_EXEC], s->measured[ACC_MMAP], s->measured[ACC_READ],
	       s->appraised, s->pass, s->fail);
	for (int v = V_FIRST_FAIL; v < V_COUNT; v++) {
		if (s->by_verdict[v]) {
			printf("%s\"%s\":%lu", sep, verdict_names[v], s->by_verdict[v]);
			sep = ",";
		}
	}
	fputs("}},\"blocked\":[", stdout);
	for (size_t i = 0; i < s->nblocked; i++) {
		if (i)
			putchar(',');
		json_str(stdout, s->blocked[i]);
	}
	puts("]}");
}

/* ---- options ---- */

enum {
	OPT_UID_SUBJ = OPT_FIRST_CMD,
	OPT_GID_SUBJ,
	OPT_REQUIRE_SIG,
	OPT_EVM_KEYS,
	OPT_HMACKEY,
	OPT_KEYRING_KEY,
};

static const struct option sim_long[] = {
	{ "policy", required_argument, NULL, 'P' },
	{ "builtin", required_argument, NULL, 'b' },
	{ "uid", required_argument, NULL, OPT_UID_SUBJ },
	{ "gid", required_argument, NULL, OPT_GID_SUBJ },
	{ "keys", required_argument, NULL, 'k' },
	{ "key", required_argument, NULL, 'k' }, /* as verify spells it */
	{ "require-sig", no_argument, NULL, OPT_REQUIRE_SIG },
	{ "evm-keys", required_argument, NULL, OPT_EVM_KEYS },
	{ "hmackey", required_argument, NULL, OPT_HMACKEY },
	{ "keyring-key", required_argument, NULL, OPT_KEYRING_KEY },
	{ "xattr-user", no_argument, NULL, OPT_XATTR_USER },
	COMMON_LONG,
	{ NULL, 0, NULL, 0 }
};

struct sim_args {
	const char *policy, *builtin, *keys, *evm_keys, *hmac_file, *hmac_desc, *ns;
};

/* --uid and --gid: the kernel's id range, (uid_t)-1 being no id. */
static int opt_id(const char *what, const char *arg, uint32_t *out)
{
	uint64_t v;

	if (opt_uint(CMD, what, arg, 0xfffffffeu, &v))
		return -1;
	*out = (uint32_t)v;
	return 1;
}

static int sim_opt(struct sim_ctx *c, struct sim_args *a, int opt, const char *arg)
{
	switch (opt) {
	case 'P': a->policy = arg; return 1;
	case 'b': a->builtin = arg; return 1;
	case 'k': a->keys = arg; return 1;
	case OPT_UID_SUBJ: return opt_id("uid", arg, &c->uid);
	case OPT_GID_SUBJ: return opt_id("gid", arg, &c->gid);
	case OPT_REQUIRE_SIG: c->require_sig = true; return 1;
	case OPT_EVM_KEYS: a->evm_keys = arg; return 1;
	case OPT_HMACKEY: a->hmac_file = arg; return 1;
	case OPT_KEYRING_KEY: a->hmac_desc = arg; return 1;
	case OPT_XATTR_USER: a->ns = "user"; return 1;
	}
	return 0;
}

/* 0 to run, -1 after --help, EXIT_USAGE. */
static int sim_parse(int argc, char **argv, struct common_opts *co, struct sim_ctx *c,
		     struct sim_args *a)
{
	int opt, r;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT "P:b:k:", sim_long, NULL)) != -1) {
		if ((r = common_opt(co, CMD, opt, optarg)) || (r = sim_opt(c, a, opt, optarg))) {
			if (r < 0)
				return EXIT_USAGE;
			continue;
		}
		if (opt == 'h')
			return cli_help(simulate_help) ? EXIT_USAGE : -1;
		return cli_usage(CMD, "bad option");
	}
	if (!a->policy == !a->builtin)
		return cli_usage(CMD, "give the policy: --policy FILE or --builtin NAMES (one)");
	if (a->hmac_file && a->hmac_desc)
		return cli_usage(CMD, "--hmackey and --keyring-key exclude each other");
	co->walk.recursive = true;
	return common_need_paths(co, argc - optind);
}

/* Keys and the HMAC key; 0 or EXIT_USAGE. */
static int sim_keys(struct sim_ctx *c, const struct sim_args *a, uint8_t *hmac)
{
	if (load_keyset(CMD, a->keys, &c->keys))
		return EXIT_USAGE;
	c->evm = a->evm_keys || a->hmac_file || a->hmac_desc;
	if ((a->hmac_file || a->hmac_desc) &&
	    load_hmac_key(CMD, a->hmac_file, a->hmac_desc, hmac, &c->hmac_len))
		return EXIT_USAGE;
	c->hmac_key = c->hmac_len ? hmac : NULL;
	if (a->evm_keys)
		return load_keyset(CMD, a->evm_keys, &c->evm_keys);
	c->evm_keys = c->keys;
	return 0;
}

static void sim_start(struct sim_ctx *c)
{
	if (!c->rep.json)
		return;
	printf("{\"command\":\"%s\",\"policy\":", CMD);
	json_str(stdout, c->source);
	printf(",\"uid\":%u,\"gid\":%u,\"files\":[", c->uid, c->gid);
}

static void sim_free(struct sim_ctx *c, struct vigil_policy *p)
{
	for (size_t i = 0; i < c->sum.nblocked; i++)
		free(c->sum.blocked[i]);
	free(c->sum.blocked);
	if (c->evm_keys != c->keys)
		vigil_keyset_free(c->evm_keys);
	vigil_keyset_free(c->keys);
	fs_cache_free(&c->fs);
	vigil_policy_free(p);
}

int policy_simulate(int argc, char **argv)
{
	struct common_opts co = { .rep = { .cmd = CMD } };
	struct sim_ctx c = { .uid = 0 };
	struct sim_args a = { .ns = "security" };
	struct walk_ops ops = { sizeof(struct sim_res), sim_one, sim_report, &c };
	uint8_t hmac[VIGIL_EVM_KEY_MAX];
	struct vigil_policy *p = NULL;
	struct walk_stats st;
	int rc;

	if ((rc = sim_parse(argc, argv, &co, &c, &a)) != 0)
		return rc < 0 ? 0 : rc;
	if (policy_load(CMD, a.policy, a.builtin, &p))
		return EXIT_USAGE;
	pthread_mutex_init(&c.fs.mu, NULL);
	c.p = p;
	c.source = a.policy ? a.policy : a.builtin;
	vigil_xattr_name(a.ns, "ima", c.ima_name, sizeof(c.ima_name));
	c.evm_opts.xattr_ns = a.ns;
	if (sim_keys(&c, &a, hmac)) {
		memset(hmac, 0, sizeof(hmac));
		sim_free(&c, p);
		return EXIT_USAGE;
	}
	mounts_load(&c.fs);
	c.rep = co.rep;
	sim_start(&c);
	rc = walk_run(CMD, &co.walk, argv + optind, argc - optind, &ops, &st);
	if (c.rep.json)
		summary_json(&c, &st);
	else
		summary_text(&c, &st);
	memset(hmac, 0, sizeof(hmac));
	sim_free(&c, p);
	return report_exit(&co.rep, rc ? rc : walk_exit(&st));
}
