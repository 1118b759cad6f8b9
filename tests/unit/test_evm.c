/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * EVM data, HMACs and signatures, checked byte for byte against evmctl 1.4
 * where evmctl can produce the same thing.  Needs root for security.*
 * xattrs; comparisons whose prerequisites are missing are skipped loudly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include <vigil/evm.h>
#include <vigil/file.h>
#include <vigil/key.h>
#include <vigil/sig.h>
#include <vigil/xattr.h>

/* lib/fsattr.c: the libblkid path of vigil_fs_uuid, reachable only from here. */
int vigil_fs_uuid_blkid(dev_t dev, uint8_t uuid[16], struct vigil_error *err);

#define TEST_UUID_TEXT "01234567-89ab-cdef-0123-456789abcdef"
static const uint8_t test_uuid[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
				       0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static const uint8_t ima_value[] = { 0x04, 0x04, 0x01, 0x02, 0x03 };
/* A valid VFS_CAP_REVISION_2 value: the kernel refuses malformed capabilities. */
static const uint8_t caps_value[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x10 };

static char tmpdir[256];
static char datadir[1024];

#define SKIP(...)                                               \
	do {                                                    \
		fprintf(stderr, "SKIPPED (%s): ", __func__);    \
		fprintf(stderr, __VA_ARGS__);                   \
		fprintf(stderr, "\n");                          \
		skip();                                         \
	} while (0)

/* ---------------------------------------------------------------- helpers */

static void data_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", datadir, name);
}

static int make_file(const char *name, char *path, size_t cap)
{
	int fd;

	snprintf(path, cap, "%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "vigil\n", 6), 6);
	return fd;
}

static void set_x(int fd, const char *name, const void *value, size_t len)
{
	if (fsetxattr(fd, name, value, len, 0) != 0)
		fail_msg("fsetxattr %s: %s", name, strerror(errno));
}

static size_t get_x(const char *path, const char *name, uint8_t *buf, size_t cap)
{
	ssize_t n = getxattr(path, name, buf, cap);

	if (n < 0)
		fail_msg("getxattr %s %s: %s", path, name, strerror(errno));
	return (size_t)n;
}

/* First line of a command's output, without the newline; false if none. */
static bool cmd_line(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	bool ok;

	if (!p)
		return false;
	ok = fgets(out, (int)cap, p) != NULL;
	if (pclose(p) != 0)
		ok = false;
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok && out[0];
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool have_evmctl(void)
{
	return run("evmctl --version >/dev/null 2>&1") == 0;
}

/*
 * evmctl 1.4 `hmac` reads its key only from /etc/keys/evm-key-plain.  The
 * key is put there inside a private mount namespace, on an overlay over
 * /etc, so that the host's /etc is never touched.
 */
static int evmctl_hmac(const char *args, const char *file)
{
	char key[PATH_MAX];

	data_path(key, sizeof(key), "evm-hmac-key.bin");
	return run("d=$(mktemp -d %s/ovl.XXXXXX) && mkdir $d/up $d/work && "
		   "unshare -m --propagation private sh -c '"
		   "mount -t overlay overlay -o lowerdir=/etc,upperdir='$d'/up,workdir='$d'/work /etc"
		   " && mkdir -p /etc/keys && cp %s /etc/keys/evm-key-plain"
		   " && evmctl hmac %s %s' >/dev/null 2>&1; rc=$?; rm -rf $d; exit $rc",
		   tmpdir, key, args, file);
}

static struct vigil_evm_opts fixed_opts(void)
{
	struct vigil_evm_opts o;

	memset(&o, 0, sizeof(o));
	o.uuid_mode = VIGIL_EVM_UUID_NONE;
	o.have_ino = o.have_generation = o.have_uid = o.have_gid = o.have_mode = true;
	o.ino = 0x0102030405060708ull;
	o.generation = 0x11223344;
	o.uid = 0x55667788;
	o.gid = 0x99aabbcc;
	o.mode = 0x81a4;
	return o;
}

static void add_override(struct vigil_evm_opts *o, const char *name, const void *v, size_t len)
{
	assert_true(o->n_overrides < VIGIL_EVM_MAX_OVERRIDES);
	o->overrides[o->n_overrides].name = name;
	o->overrides[o->n_overrides].value = v;
	o->overrides[o->n_overrides].len = len;
	o->n_overrides++;
}

static struct vigil_evm_data *build(int fd, const struct vigil_evm_opts *o)
{
	struct vigil_evm_data *d = NULL;
	struct vigil_error err;

	if (vigil_evm_data_build(fd, o, &d, &err) != VIGIL_OK)
		fail_msg("vigil_evm_data_build: %s", err.msg);
	return d;
}

static uint8_t *read_key(const char *name, size_t *len)
{
	static uint8_t key[256];
	char path[PATH_MAX];
	FILE *f;

	data_path(path, sizeof(path), name);
	f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(key, 1, sizeof(key), f);
	fclose(f);
	return key;
}

static struct vigil_privkey *load_priv(const char *name)
{
	struct vigil_privkey *key = NULL;
	struct vigil_error err;
	char path[PATH_MAX];

	data_path(path, sizeof(path), name);
	if (vigil_privkey_load(path, NULL, &key, &err) != VIGIL_OK)
		fail_msg("vigil_privkey_load %s: %s", name, err.msg);
	return key;
}

static struct vigil_keyset *load_keys(const char *name)
{
	struct vigil_keyset *set = vigil_keyset_new();
	struct vigil_error err;
	char path[PATH_MAX];

	assert_non_null(set);
	data_path(path, sizeof(path), name);
	if (vigil_keyset_load(set, path, &err) != VIGIL_OK)
		fail_msg("vigil_keyset_load %s: %s", name, err.msg);
	return set;
}

static int setup(void **state)
{
	const char *d = getenv("VIGIL_TEST_DATA");

	(void)state;
	snprintf(datadir, sizeof(datadir), "%s", d ? d : "tests/data");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-evm-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char mnt[512];

	(void)state;
	/* A failed assertion in test_fs_uuid_loop leaves its mounts (in the private namespace). */
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
	umount2(mnt, MNT_DETACH);
	snprintf(mnt, sizeof(mnt), "%s/devovl", tmpdir);
	if (access(mnt, F_OK) == 0)
		umount2("/dev", MNT_DETACH);
	run("rm -rf '%s'", tmpdir);
	return 0;
}

/* ---------------------------------------------------------------- fsattr */

static void test_xattr_helpers(void **state)
{
	struct vigil_error err;
	char path[PATH_MAX], name[32];
	uint8_t buf[8];
	size_t len;
	int fd = make_file("helpers", path, sizeof(path));

	(void)state;
	assert_string_equal(vigil_xattr_name(NULL, "ima", name, sizeof(name)), "security.ima");
	assert_string_equal(vigil_xattr_name("user", "evm", name, sizeof(name)), "user.evm");
	assert_null(vigil_xattr_name("security", "ima", name, 12));

	assert_int_equal(vigil_getxattr(fd, "user.absent", buf, sizeof(buf), &len, &err),
			 VIGIL_ERR_NO_DATA);
	assert_int_equal(vigil_setxattr(fd, "user.x", "0123456789", 10, &err), VIGIL_OK);
	assert_int_equal(vigil_getxattr(fd, "user.x", buf, sizeof(buf), &len, &err),
			 VIGIL_ERR_TOO_BIG);
	assert_int_equal(vigil_removexattr(fd, "user.x", &err), VIGIL_OK);
	assert_int_equal(vigil_removexattr(fd, "user.x", &err), VIGIL_OK);
	assert_int_equal(vigil_getxattr(fd, "user.x", buf, sizeof(buf), &len, &err),
			 VIGIL_ERR_NO_DATA);
	close(fd);
}

static void test_parse_uuid(void **state)
{
	struct vigil_error err;
	uint8_t u[16];

	(void)state;
	assert_int_equal(vigil_parse_uuid(TEST_UUID_TEXT, u, &err), VIGIL_OK);
	assert_memory_equal(u, test_uuid, 16);
	assert_int_equal(vigil_parse_uuid("01234567-89AB-CDEF-0123-456789ABCDEF", u, &err), VIGIL_OK);
	assert_memory_equal(u, test_uuid, 16);
	assert_int_equal(vigil_parse_uuid("01234567-89ab-cdef-0123-456789abcde", u, &err),
			 VIGIL_ERR_INVALID);
	assert_int_equal(vigil_parse_uuid("01234567-89ab-cdef-0123-456789abcdef0", u, &err),
			 VIGIL_ERR_INVALID);
	assert_int_equal(vigil_parse_uuid("0123456789ab-cdef-0123-456789abcdef-", u, &err),
			 VIGIL_ERR_INVALID);
	assert_int_equal(vigil_parse_uuid("01234567-89ab-cdef-0123-456789abcdeg", u, &err),
			 VIGIL_ERR_INVALID);
	assert_int_equal(vigil_parse_uuid("", u, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_parse_uuid(NULL, u, &err), VIGIL_ERR_INVALID);
}

static void test_generation_matches_lsattr(void **state)
{
	struct vigil_error err;
	char path[PATH_MAX], line[PATH_MAX + 64];
	uint32_t gen = 0;
	int fd = make_file("generation", path, sizeof(path));

	(void)state;
	assert_int_equal(vigil_fs_generation(fd, &gen, &err), VIGIL_OK);
	snprintf(line, sizeof(line), "lsattr -v '%s' 2>/dev/null", path);
	if (!cmd_line(line, line, sizeof(line))) {
		close(fd);
		SKIP("lsattr -v gives nothing for %s", path);
	}
	assert_int_equal(strtoul(line, NULL, 10), gen);
	close(fd);

	/* tmpfs has no FS_IOC_GETVERSION: a clean error, not a zero. */
	fd = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		int rc = vigil_fs_generation(fd, &gen, &err);

		if (rc != VIGIL_OK) {
			assert_int_equal(rc, VIGIL_ERR_UNSUPPORTED);
			assert_non_null(strstr(err.msg, "FS_IOC_GETVERSION"));
		}
		close(fd);
	}
}

static void test_fs_uuid_of_tmp(void **state)
{
	struct vigil_error err;
	char path[PATH_MAX], cmd[256], text[128];
	uint8_t u[16], b[16];
	struct stat st;
	int fd = make_file("uuid", path, sizeof(path)), rc;

	(void)state;
	assert_int_equal(fstat(fd, &st), 0);
	rc = vigil_fs_uuid(fd, u, &err);
	close(fd);
	assert_true(rc == VIGIL_OK || rc == VIGIL_ERR_UNSUPPORTED);
	snprintf(cmd, sizeof(cmd), "blkid -s UUID -o value /dev/block/%u:%u 2>/dev/null",
		 major(st.st_dev), minor(st.st_dev));
	if (!cmd_line(cmd, text, sizeof(text)))
		SKIP("`%s` prints nothing here (no /dev/block or unreadable device), "
		     "so evmctl cannot get this UUID either; see test_fs_uuid_loop", cmd);
	assert_int_equal(rc, VIGIL_OK);
	assert_int_equal(vigil_parse_uuid(text, b, &err), VIGIL_OK);
	assert_memory_equal(u, b, 16);
}

static void test_fs_uuid_without_device(void **state)
{
	struct vigil_error err;
	uint8_t u[16];
	struct stat st;

	(void)state;
	/* A tmpfs has an anonymous device (major 0): no block device, no blkid answer. */
	if (stat("/dev/shm", &st) != 0 || major(st.st_dev) != 0)
		SKIP("/dev/shm is not on an anonymous-device filesystem");
	assert_int_equal(vigil_fs_uuid_blkid(st.st_dev, u, &err), VIGIL_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "no filesystem UUID"));
}

/*
 * evmctl finds the UUID by running blkid on /dev/block/MAJ:MIN.  Where that
 * directory is missing (containers), an overlay on /dev in this process's
 * private mount namespace supplies the link; then an `evmctl sign` without
 * --uuid must equal vigil's signature over the filesystem's UUID.
 */
static void evmctl_fs_uuid_signature(const char *path, const char *dev, dev_t devno)
{
	struct vigil_privkey *key;
	struct vigil_evm_opts o;
	struct vigil_evm_data *d;
	struct vigil_error err;
	uint8_t ours[VIGIL_XATTR_MAX], theirs[VIGIL_XATTR_MAX];
	char keypath[PATH_MAX], link[64];
	bool overlay = false;
	size_t n, m;
	int fd;

	if (!have_evmctl()) {
		fprintf(stderr, "SKIPPED part of %s: evmctl is not installed\n", __func__);
		return;
	}
	snprintf(link, sizeof(link), "/dev/block/%u:%u", major(devno), minor(devno));
	if (access(link, F_OK) != 0) {
		/* Never create anything in the real /dev: only in the overlay. */
		if (access("/dev/block", F_OK) == 0 ||
		    run("d='%s/devovl' && mkdir -p $d/u $d/w && mount -t overlay overlay "
			"-o lowerdir=/dev,upperdir=$d/u,workdir=$d/w /dev && mkdir /dev/block "
			"&& ln -s '%s' %s", tmpdir, dev, link) != 0) {
			fprintf(stderr, "SKIPPED part of %s: cannot provide %s\n", __func__, link);
			return;
		}
		overlay = true;
	}
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	set_x(fd, "security.ima", ima_value, sizeof(ima_value));
	data_path(keypath, sizeof(keypath), "rsa2048.pem");
	assert_int_equal(run("evmctl sign --key '%s' -a sha256 '%s' >/dev/null 2>&1", keypath,
			     path), 0);
	m = get_x(path, "security.evm", theirs, sizeof(theirs));

	memset(&o, 0, sizeof(o));
	key = load_priv("rsa2048.pem");
	d = build(fd, &o);
	assert_int_equal(vigil_evm_sign(d, key, VIGIL_HASH_SHA256, ours, sizeof(ours), &n, &err),
			 VIGIL_OK);
	vigil_evm_data_free(d);
	vigil_privkey_free(key);
	close(fd);
	assert_int_equal(n, m);
	assert_memory_equal(ours, theirs, n);
	if (overlay) {
		assert_int_equal(umount2("/dev", MNT_DETACH), 0);
		run("rm -rf '%s/devovl'", tmpdir);
	}
}

/*
 * An ext4 image with a known UUID, loop-mounted in a private mount
 * namespace: both the kernel's answer and libblkid's must be that UUID,
 * and so must blkid(8)'s.
 */
static void test_fs_uuid_loop(void **state)
{
	struct vigil_error err;
	char img[512], mnt[512], path[PATH_MAX], cmd[PATH_MAX + 64], dev[128];
	char text[128];
	uint8_t u[16];
	struct stat st;
	int fd;

	(void)state;
	if (geteuid() != 0)
		SKIP("needs root to mount");
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		SKIP("no private mount namespace: %s", strerror(errno));
	snprintf(img, sizeof(img), "%s/ext4.img", tmpdir);
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
	assert_int_equal(mkdir(mnt, 0755), 0);
	if (run("truncate -s 8M '%s' && mkfs.ext4 -q -U %s '%s' >/dev/null 2>&1", img,
		TEST_UUID_TEXT, img) != 0)
		SKIP("mkfs.ext4 unavailable");
	if (run("mount -o loop '%s' '%s' >/dev/null 2>&1", img, mnt) != 0)
		SKIP("cannot loop-mount an ext4 image here");
	snprintf(path, sizeof(path), "%s/f", mnt);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);

	assert_int_equal(vigil_fs_uuid(fd, u, &err), VIGIL_OK);
	assert_memory_equal(u, test_uuid, 16);
	memset(u, 0, sizeof(u));
	if (vigil_fs_uuid_blkid(st.st_dev, u, &err) != VIGIL_OK)
		fail_msg("libblkid: %s", err.msg);
	assert_memory_equal(u, test_uuid, 16);
	close(fd);

	snprintf(cmd, sizeof(cmd), "findmnt -n -o SOURCE '%s'", mnt);
	assert_true(cmd_line(cmd, dev, sizeof(dev)));
	snprintf(cmd, sizeof(cmd), "blkid -s UUID -o value '%s'", dev);
	assert_true(cmd_line(cmd, text, sizeof(text)));
	assert_string_equal(text, TEST_UUID_TEXT);

	evmctl_fs_uuid_signature(path, dev, st.st_dev);
	assert_int_equal(umount2(mnt, MNT_DETACH), 0);
}

/* ---------------------------------------------------------------- EVM data */

static void test_misc_struct_layout(void **state)
{
	/* What the kernel and evmctl hash: struct h_misc with the target's long. */
	struct h_misc_native {
		unsigned long ino;
		uint32_t generation, uid, gid;
		uint16_t mode;
	} native;
	struct h_misc_32 {
		uint32_t ino, generation, uid, gid;
		uint16_t mode;
	} m32;
	struct vigil_evm_opts o = fixed_opts();
	struct vigil_evm_data *d;
	char path[PATH_MAX];
	const uint8_t *bytes;
	size_t len;
	int fd = make_file("misc", path, sizeof(path));
	static const uint8_t le64[24] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
					  0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55,
					  0xcc, 0xbb, 0xaa, 0x99, 0xa4, 0x81, 0, 0 };
	static const uint8_t le32[20] = { 0x08, 0x07, 0x06, 0x05, 0x44, 0x33, 0x22, 0x11,
					  0x88, 0x77, 0x66, 0x55, 0xcc, 0xbb, 0xaa, 0x99,
					  0xa4, 0x81, 0, 0 };
	const uint16_t probe = 1;

	(void)state;
	add_override(&o, "security.selinux", NULL, 0);
	add_override(&o, "security.apparmor", NULL, 0);
	add_override(&o, "security.ima", NULL, 0);
	add_override(&o, "security.capability", NULL, 0);

	memset(&native, 0, sizeof(native));
	native.ino = (unsigned long)o.ino;
	native.generation = o.generation;
	native.uid = o.uid;
	native.gid = o.gid;
	native.mode = o.mode;
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, sizeof(native));
	assert_memory_equal(bytes, &native, sizeof(native));
	assert_string_equal(vigil_evm_data_xattr_names(d), "");
	vigil_evm_data_free(d);

	o.word_bits = 32;
	memset(&m32, 0, sizeof(m32));
	m32.ino = (uint32_t)o.ino;
	m32.generation = o.generation;
	m32.uid = o.uid;
	m32.gid = o.gid;
	m32.mode = o.mode;
	assert_int_equal(sizeof(m32), 20);
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, 20);
	assert_memory_equal(bytes, &m32, 20);
	if (*(const uint8_t *)&probe == 1)
		assert_memory_equal(bytes, le32, 20);
	vigil_evm_data_free(d);

	o.word_bits = 64;
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, 24);
	if (*(const uint8_t *)&probe == 1)
		assert_memory_equal(bytes, le64, 24);
	vigil_evm_data_free(d);

	o.word_bits = 16;
	assert_int_equal(vigil_evm_data_build(fd, &o, &d, NULL), VIGIL_ERR_INVALID);
	assert_null(d);
	close(fd);
}

static void test_misc_from_the_inode(void **state)
{
	struct vigil_evm_opts o;
	struct vigil_evm_data *d;
	struct vigil_error err;
	char path[PATH_MAX];
	const uint8_t *bytes;
	uint32_t gen, v32;
	uint64_t v64;
	uint16_t mode;
	struct stat st;
	size_t len;
	int fd = make_file("inode", path, sizeof(path));

	(void)state;
	memset(&o, 0, sizeof(o));
	o.uuid_mode = VIGIL_EVM_UUID_NONE;
	o.word_bits = 64;
	assert_int_equal(fchmod(fd, 0640), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(vigil_fs_generation(fd, &gen, &err), VIGIL_OK);
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_true(len >= 24);
	bytes += len - 24;
	memcpy(&v64, bytes, 8);
	assert_int_equal(v64, st.st_ino);
	memcpy(&v32, bytes + 8, 4);
	assert_int_equal(v32, gen);
	memcpy(&v32, bytes + 12, 4);
	assert_int_equal(v32, st.st_uid);
	memcpy(&v32, bytes + 16, 4);
	assert_int_equal(v32, st.st_gid);
	memcpy(&mode, bytes + 20, 2);
	assert_int_equal(mode, S_IFREG | 0640);
	vigil_evm_data_free(d);
	close(fd);
}

/* Every protected xattr with a distinct value: order, SMACK extras, names. */
static void test_xattr_order(void **state)
{
	static const char *const names[] = {
		"security.selinux", "security.SMACK64", "security.SMACK64EXEC",
		"security.SMACK64TRANSMUTE", "security.SMACK64MMAP", "security.apparmor",
		"security.ima", "security.capability",
	};
	struct vigil_evm_opts o = fixed_opts();
	struct vigil_evm_data *d;
	char path[PATH_MAX];
	uint8_t expect[256];
	const uint8_t *bytes;
	size_t len, n = 0;
	int fd = make_file("order", path, sizeof(path));

	(void)state;
	/* Set in reverse so that the order cannot come from the filesystem's listing. */
	for (int i = 7; i >= 0; i--) {
		char v[8];

		if (i == 7) {
			set_x(fd, names[i], caps_value, sizeof(caps_value));
			continue;
		}
		snprintf(v, sizeof(v), "v%d", i);
		set_x(fd, names[i], v, strlen(v) + 1);
	}
	set_x(fd, "security.evm", "\x02junk", 5);
	set_x(fd, "user.ima", "U", 1);

	o.smack = true;
	d = build(fd, &o);
	for (int i = 0; i < 7; i++)
		n += (size_t)snprintf((char *)expect + n, sizeof(expect) - n, "v%d", i) + 1;
	memcpy(expect + n, caps_value, sizeof(caps_value));
	n += sizeof(caps_value);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, n + 24);
	assert_memory_equal(bytes, expect, n);
	assert_string_equal(vigil_evm_data_xattr_names(d),
			    "security.selinux|security.SMACK64|security.SMACK64EXEC|"
			    "security.SMACK64TRANSMUTE|security.SMACK64MMAP|security.apparmor|"
			    "security.ima|security.capability");
	vigil_evm_data_free(d);

	/* Without --smack the three extras are left out. */
	o.smack = false;
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, 3 + 3 + 3 + 3 + sizeof(caps_value) + 24);
	assert_memory_equal(bytes, "v0\0v1\0v5\0v6\0", 12);
	assert_string_equal(vigil_evm_data_xattr_names(d),
			    "security.selinux|security.SMACK64|security.apparmor|"
			    "security.ima|security.capability");
	vigil_evm_data_free(d);
	close(fd);
}

static void test_portable_and_uuid_modes(void **state)
{
	struct vigil_evm_opts o = fixed_opts();
	struct vigil_evm_data *d;
	struct vigil_error err;
	char path[PATH_MAX];
	const uint8_t *bytes;
	uint8_t fsuuid[16], zero[12];
	size_t len, base;
	int fd = make_file("portable", path, sizeof(path));

	(void)state;
	memset(zero, 0, sizeof(zero));
	/* Portable needs security.ima. */
	o.portable = true;
	assert_int_equal(vigil_evm_data_build(fd, &o, &d, &err), VIGIL_ERR_NO_DATA);
	assert_non_null(strstr(err.msg, "security.ima"));

	set_x(fd, "security.ima", ima_value, sizeof(ima_value));
	o.uuid_mode = VIGIL_EVM_UUID_CUSTOM;
	memcpy(o.uuid, test_uuid, 16);
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	/* ima, then ino and generation zeroed, no UUID even in CUSTOM mode. */
	assert_int_equal(len, sizeof(ima_value) + 24);
	assert_memory_equal(bytes + sizeof(ima_value), zero, 12);
	assert_int_equal(bytes[sizeof(ima_value) + 12], 0x88);
	vigil_evm_data_free(d);

	o.portable = false;
	o.uuid_mode = VIGIL_EVM_UUID_NONE;
	d = build(fd, &o);
	vigil_evm_data_bytes(d, &base);
	vigil_evm_data_free(d);
	assert_int_equal(base, sizeof(ima_value) + 24);

	o.uuid_mode = VIGIL_EVM_UUID_CUSTOM;
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, base + 16);
	assert_memory_equal(bytes + base, test_uuid, 16);
	vigil_evm_data_free(d);

	o.uuid_mode = VIGIL_EVM_UUID_FS;
	if (vigil_fs_uuid(fd, fsuuid, &err) != VIGIL_OK) {
		assert_int_equal(vigil_evm_data_build(fd, &o, &d, &err), VIGIL_ERR_UNSUPPORTED);
		close(fd);
		SKIP("no filesystem UUID for %s: %s", path, err.msg);
	}
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, base + 16);
	assert_memory_equal(bytes + base, fsuuid, 16);
	vigil_evm_data_free(d);
	close(fd);
}

static void test_overrides(void **state)
{
	struct vigil_evm_opts o = fixed_opts();
	struct vigil_evm_data *d;
	struct vigil_error err;
	char path[PATH_MAX];
	const uint8_t *bytes;
	size_t len;
	int fd = make_file("overrides", path, sizeof(path));
	static uint8_t big[65537];

	(void)state;
	set_x(fd, "security.ima", ima_value, sizeof(ima_value));
	set_x(fd, "security.capability", caps_value, sizeof(caps_value));
	add_override(&o, "security.selinux", "lbl", 4);      /* evmctl --selinux: with NUL */
	add_override(&o, "security.ima", "\x01\x02", 2);    /* evmctl --ima: hex decoded */
	add_override(&o, "security.capability", NULL, 0);   /* evmctl --caps: left out */
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, 4 + 2 + 24);
	assert_memory_equal(bytes, "lbl\0\x01\x02", 6);
	assert_string_equal(vigil_evm_data_xattr_names(d), "security.selinux|security.ima");
	vigil_evm_data_free(d);

	/* An override that stands for nothing EVM protects is a caller error. */
	o.n_overrides = 0;
	add_override(&o, "security.evm", "x", 1);
	assert_int_equal(vigil_evm_data_build(fd, &o, &d, &err), VIGIL_ERR_INVALID);
	o.n_overrides = 0;
	add_override(&o, "security.SMACK64EXEC", "x", 1);
	assert_int_equal(vigil_evm_data_build(fd, &o, &d, &err), VIGIL_ERR_INVALID);
	o.smack = true;
	d = build(fd, &o);
	vigil_evm_data_free(d);
	o.n_overrides = 0;
	add_override(&o, "security.selinux", big, sizeof(big));
	assert_int_equal(vigil_evm_data_build(fd, &o, &d, &err), VIGIL_ERR_TOO_BIG);
	o.n_overrides = VIGIL_EVM_MAX_OVERRIDES + 1;
	assert_int_equal(vigil_evm_data_build(fd, &o, &d, &err), VIGIL_ERR_INVALID);
	close(fd);
}

/* evmctl --xattr-user moves only security.evm, and security.ima of portable signatures. */
static void test_user_namespace(void **state)
{
	struct vigil_evm_opts o = fixed_opts();
	struct vigil_evm_data *d;
	struct vigil_error err;
	char path[PATH_MAX];
	const uint8_t *bytes;
	size_t len;
	int fd = make_file("userns", path, sizeof(path));

	(void)state;
	set_x(fd, "security.ima", "S", 1);
	set_x(fd, "user.ima", "U", 1);
	set_x(fd, "user.selinux", "X", 1);
	o.xattr_ns = "user";
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, 1 + 24);
	assert_int_equal(bytes[0], 'S');
	vigil_evm_data_free(d);

	o.portable = true;
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, 1 + 24);
	assert_int_equal(bytes[0], 'U');
	assert_string_equal(vigil_evm_data_xattr_names(d), "user.ima");
	vigil_evm_data_free(d);

	o.xattr_ns = "trusted";
	assert_int_equal(vigil_evm_data_build(fd, &o, &d, &err), VIGIL_ERR_INVALID);
	close(fd);
}

/* Eight values of the kernel's maximum size: the largest EVM data there can be. */
static void test_huge_values(void **state)
{
	static const char *const names[] = {
		"security.selinux", "security.SMACK64", "security.SMACK64EXEC",
		"security.SMACK64TRANSMUTE", "security.SMACK64MMAP", "security.apparmor",
		"security.ima",
	};
	struct vigil_evm_opts o = fixed_opts();
	struct vigil_evm_data *d;
	struct vigil_error err;
	uint8_t mac[VIGIL_EVM_HMAC_LEN], *big = malloc(65536);
	const uint8_t *bytes, *key;
	size_t len, keylen;
	int fd = open("/dev/shm", O_RDWR | O_TMPFILE, 0600);

	(void)state;
	assert_non_null(big);
	if (fd < 0 || fsetxattr(fd, names[0], "x", 1, 0) != 0) {
		free(big);
		SKIP("no tmpfs with security xattrs at /dev/shm");
	}
	memset(big, 'A', 65536);
	o.smack = true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		big[0] = (uint8_t)i;
		set_x(fd, names[i], big, 65536);
	}
	add_override(&o, "security.capability", big, 65536);
	d = build(fd, &o);
	bytes = vigil_evm_data_bytes(d, &len);
	assert_int_equal(len, 8 * 65536 + 24);
	assert_int_equal(bytes[6 * 65536], 6);
	key = read_key("evm-hmac-key.bin", &keylen);
	assert_int_equal(vigil_evm_hmac(d, key, keylen, mac, &err), VIGIL_OK);
	vigil_evm_data_free(d);

	/* tmpfs reports no inode generation: asked for, it is a clean error. */
	o.have_generation = false;
	assert_int_equal(vigil_evm_data_build(fd, &o, &d, &err), VIGIL_ERR_UNSUPPORTED);
	assert_null(d);
	free(big);
	close(fd);
}

/* ---------------------------------------------------------------- HMAC */

/* Key, data and answer taken from an `evmctl -v hmac -a sha1` run (see its hmac_misc dump). */
static void test_hmac_known_answer(void **state)
{
	static const uint8_t answer[20] = { 0x29, 0x8c, 0x75, 0x47, 0x65, 0x07, 0x41, 0x35,
					    0xfe, 0xf7, 0x77, 0xc7, 0x46, 0x0a, 0x48, 0xb5,
					    0x78, 0xd7, 0x09, 0xb4 };
	static const uint8_t ima[5] = { 0x04, 0x01, 0x02, 0x03, 0x04 };
	struct vigil_evm_opts o = fixed_opts();
	struct vigil_evm_data *d;
	struct vigil_error err;
	uint8_t mac[VIGIL_EVM_HMAC_LEN], longkey[130];
	const uint8_t *key;
	char path[PATH_MAX];
	size_t keylen;
	int fd = make_file("kat", path, sizeof(path));

	(void)state;
	o.word_bits = 64;
	o.ino = 0xa721e8;
	o.generation = 4281664419u;
	o.uid = o.gid = 0;
	o.mode = 0x81a4;
	add_override(&o, "security.selinux", NULL, 0);
	add_override(&o, "security.apparmor", NULL, 0);
	add_override(&o, "security.ima", ima, sizeof(ima));
	add_override(&o, "security.capability", NULL, 0);
	d = build(fd, &o);
	key = read_key("evm-hmac-key.bin", &keylen);
	assert_int_equal(keylen, 64);
	assert_int_equal(vigil_evm_hmac(d, key, keylen, mac, &err), VIGIL_OK);
	assert_memory_equal(mac, answer, 20);

	memset(longkey, 7, sizeof(longkey));
	assert_int_equal(vigil_evm_hmac(d, longkey, 31, mac, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_evm_hmac(d, longkey, 129, mac, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_evm_hmac(d, NULL, 64, mac, &err), VIGIL_ERR_INVALID);
	assert_int_equal(vigil_evm_hmac(d, longkey, 32, mac, &err), VIGIL_OK);
	assert_int_equal(vigil_evm_hmac(d, longkey, 128, mac, &err), VIGIL_OK);
	vigil_evm_data_free(d);
	close(fd);
}

/*
 * `evmctl hmac -a sha1 FILE` (key: /etc/keys/evm-key-plain) writes
 * security.evm = 0x02 + HMAC-SHA1 over the EVM data *without* a UUID,
 * whatever -u says; --m32 and --smack do apply.
 */
static void test_hmac_matches_evmctl(void **state)
{
	static const struct {
		const char *args;
		unsigned bits;
		bool smack;
	} cases[] = {
		{ "-a sha1", 0, false },
		{ "-a sha1 --m32", 32, false },
		{ "-a sha1 --smack", 0, true },
	};
	struct vigil_evm_opts o;
	struct vigil_evm_data *d;
	struct vigil_error err;
	uint8_t mac[VIGIL_EVM_HMAC_LEN], ours[64], theirs[64];
	const uint8_t *key;
	char path[PATH_MAX];
	size_t keylen, n, m;
	int fd = make_file("hmac-evmctl", path, sizeof(path));

	(void)state;
	if (!have_evmctl()) {
		close(fd);
		SKIP("evmctl is not installed");
	}
	set_x(fd, "security.ima", ima_value, sizeof(ima_value));
	set_x(fd, "security.selinux", "system_u:object_r:bin_t:s0", 27);
	set_x(fd, "security.SMACK64EXEC", "exec", 4);
	set_x(fd, "security.capability", caps_value, sizeof(caps_value));
	key = read_key("evm-hmac-key.bin", &keylen);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (evmctl_hmac(cases[i].args, path) != 0) {
			close(fd);
			SKIP("cannot run evmctl hmac with /etc/keys/evm-key-plain in a private "
			     "mount namespace (unshare -m + overlay on /etc)");
		}
		m = get_x(path, "security.evm", theirs, sizeof(theirs));
		memset(&o, 0, sizeof(o));
		o.uuid_mode = VIGIL_EVM_UUID_NONE;
		o.word_bits = cases[i].bits;
		o.smack = cases[i].smack;
		d = build(fd, &o);
		assert_int_equal(vigil_evm_hmac(d, key, keylen, mac, &err), VIGIL_OK);
		vigil_evm_data_free(d);
		assert_int_equal(vigil_xattr_encode_hmac(mac, ours, sizeof(ours), &n, &err),
				 VIGIL_OK);
		assert_int_equal(n, 21);
		assert_int_equal(m, n);
		assert_memory_equal(ours, theirs, n);
	}
	close(fd);
}

static void expect_verdict(int fd, const struct vigil_evm_opts *o, const uint8_t *key,
			   size_t keylen, int code, const char *cause)
{
	struct vigil_evm_verdict v;
	struct vigil_error err;

	assert_int_equal(vigil_evm_verify(fd, o, NULL, key, keylen, &v, &err), code);
	assert_int_equal(v.code, code);
	if (cause)
		assert_string_equal(v.cause, cause);
	else
		assert_null(v.cause);
}

static void write_hmac(int fd, const struct vigil_evm_opts *o, const uint8_t *key,
		       size_t keylen)
{
	struct vigil_evm_data *d = build(fd, o);
	uint8_t mac[VIGIL_EVM_HMAC_LEN], value[32];
	struct vigil_error err;
	size_t n;

	assert_int_equal(vigil_evm_hmac(d, key, keylen, mac, &err), VIGIL_OK);
	vigil_evm_data_free(d);
	assert_int_equal(vigil_xattr_encode_hmac(mac, value, sizeof(value), &n, &err), VIGIL_OK);
	assert_int_equal(vigil_setxattr(fd, "security.evm", value, n, &err), VIGIL_OK);
}

static void test_hmac_verify(void **state)
{
	struct vigil_evm_opts o;
	struct vigil_evm_verdict v;
	struct vigil_error err;
	uint8_t wrong[64];
	const uint8_t *key;
	char path[PATH_MAX];
	size_t keylen;
	int fd = make_file("hmac-verify", path, sizeof(path));

	(void)state;
	memset(&o, 0, sizeof(o));
	o.uuid_mode = VIGIL_EVM_UUID_CUSTOM;
	memcpy(o.uuid, test_uuid, 16);
	key = read_key("evm-hmac-key.bin", &keylen);
	set_x(fd, "security.ima", ima_value, sizeof(ima_value));

	expect_verdict(fd, &o, key, keylen, VIGIL_ERR_NO_DATA, "missing-HMAC");
	write_hmac(fd, &o, key, keylen);
	expect_verdict(fd, &o, key, keylen, VIGIL_OK, NULL);
	assert_int_equal(vigil_evm_verify(fd, &o, NULL, key, keylen, &v, &err), VIGIL_OK);
	assert_int_equal(v.type, VIGIL_EVM_XATTR_HMAC);

	/* The UUID is part of the data: another one must not verify. */
	o.uuid[0] ^= 1;
	expect_verdict(fd, &o, key, keylen, VIGIL_ERR_MISMATCH, "invalid-HMAC");
	o.uuid[0] ^= 1;

	memcpy(wrong, key, 64);
	wrong[63] ^= 0x80;
	expect_verdict(fd, &o, wrong, 64, VIGIL_ERR_MISMATCH, "invalid-HMAC");
	expect_verdict(fd, &o, NULL, 0, VIGIL_ERR_UNKNOWN_KEY, "invalid-HMAC");

	set_x(fd, "security.ima", "\x04\x04\x01\x02\x04", 5);
	expect_verdict(fd, &o, key, keylen, VIGIL_ERR_MISMATCH, "invalid-HMAC");
	set_x(fd, "security.ima", ima_value, sizeof(ima_value));
	expect_verdict(fd, &o, key, keylen, VIGIL_OK, NULL);

	assert_int_equal(fchmod(fd, 0600), 0);
	expect_verdict(fd, &o, key, keylen, VIGIL_ERR_MISMATCH, "invalid-HMAC");
	assert_int_equal(fchmod(fd, 0644), 0);
	expect_verdict(fd, &o, key, keylen, VIGIL_OK, NULL);

	/* A truncated HMAC is malformed, not merely wrong. */
	set_x(fd, "security.evm", "\x02\x01\x02\x03", 4);
	expect_verdict(fd, &o, key, keylen, VIGIL_ERR_INVALID, "invalid-HMAC");

	assert_int_equal(vigil_removexattr(fd, "security.evm", &err), VIGIL_OK);
	expect_verdict(fd, &o, key, keylen, VIGIL_ERR_NO_DATA, "missing-HMAC");

	/* The filesystem's own UUID, when there is one to be had. */
	o.uuid_mode = VIGIL_EVM_UUID_FS;
	if (vigil_fs_uuid(fd, o.uuid, &err) == VIGIL_OK) {
		write_hmac(fd, &o, key, keylen);
		expect_verdict(fd, &o, key, keylen, VIGIL_OK, NULL);
	}
	close(fd);
}

/* ---------------------------------------------------------------- signatures */

/*
 * `evmctl sign --key K -a ALGO [--portable] --uuid=U FILE` writes only
 * security.evm (without --imasig/--imahash); RSA PKCS#1 v1.5 is
 * deterministic, so vigil must write the very same bytes.
 */
static void test_rsa_signature_matches_evmctl(void **state)
{
	static const struct {
		const char *args;
		int algo;
		bool portable;
		unsigned bits;
		bool smack;
	} cases[] = {
		{ "-a sha256", VIGIL_HASH_SHA256, false, 0, false },
		{ "-a sha256 --portable", VIGIL_HASH_SHA256, true, 0, false },
		{ "-a sha1 --m32", VIGIL_HASH_SHA1, false, 32, false },
		{ "-a sha512 --smack --m64", VIGIL_HASH_SHA512, false, 64, true },
	};
	struct vigil_privkey *key;
	struct vigil_evm_opts o;
	struct vigil_evm_data *d;
	struct vigil_error err;
	uint8_t ours[VIGIL_XATTR_MAX], theirs[VIGIL_XATTR_MAX];
	char path[PATH_MAX], keypath[PATH_MAX];
	size_t n, m;
	int fd = make_file("sign-evmctl", path, sizeof(path));

	(void)state;
	if (!have_evmctl()) {
		close(fd);
		SKIP("evmctl is not installed");
	}
	set_x(fd, "security.ima", ima_value, sizeof(ima_value));
	set_x(fd, "security.selinux", "system_u:object_r:bin_t:s0", 27);
	set_x(fd, "security.SMACK64MMAP", "mmap", 4);
	key = load_priv("rsa2048.pem");
	data_path(keypath, sizeof(keypath), "rsa2048.pem");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(run("evmctl sign --key '%s' %s --uuid=%s '%s' >/dev/null 2>&1",
				     keypath, cases[i].args, TEST_UUID_TEXT, path), 0);
		m = get_x(path, "security.evm", theirs, sizeof(theirs));
		memset(&o, 0, sizeof(o));
		o.uuid_mode = VIGIL_EVM_UUID_CUSTOM;
		memcpy(o.uuid, test_uuid, 16);
		o.portable = cases[i].portable;
		o.word_bits = cases[i].bits;
		o.smack = cases[i].smack;
		d = build(fd, &o);
		if (vigil_evm_sign(d, key, cases[i].algo, ours, sizeof(ours), &n, &err) != VIGIL_OK)
			fail_msg("vigil_evm_sign: %s", err.msg);
		vigil_evm_data_free(d);
		assert_int_equal(ours[0], cases[i].portable ? 0x05 : 0x03);
		assert_int_equal(n, m);
		assert_memory_equal(ours, theirs, n);
	}
	vigil_privkey_free(key);
	close(fd);
}

static void sign_with_vigil(int fd, const char *keyname, bool portable, int algo)
{
	struct vigil_privkey *key = load_priv(keyname);
	struct vigil_evm_opts o;
	struct vigil_evm_data *d;
	struct vigil_error err;
	uint8_t sig[VIGIL_XATTR_MAX];
	size_t n;

	memset(&o, 0, sizeof(o));
	o.uuid_mode = VIGIL_EVM_UUID_CUSTOM;
	memcpy(o.uuid, test_uuid, 16);
	o.portable = portable;
	d = build(fd, &o);
	if (vigil_evm_sign(d, key, algo, sig, sizeof(sig), &n, &err) != VIGIL_OK)
		fail_msg("vigil_evm_sign: %s", err.msg);
	vigil_evm_data_free(d);
	vigil_privkey_free(key);
	assert_int_equal(vigil_setxattr(fd, "security.evm", sig, n, &err), VIGIL_OK);
}

static int verify_with_vigil(int fd, const char *certname, bool portable_hint,
			     struct vigil_evm_verdict *v)
{
	struct vigil_keyset *keys = load_keys(certname);
	struct vigil_evm_opts o;
	struct vigil_error err;
	int rc;

	memset(&o, 0, sizeof(o));
	o.uuid_mode = VIGIL_EVM_UUID_CUSTOM;
	memcpy(o.uuid, test_uuid, 16);
	o.portable = portable_hint; /* must not matter: the xattr type decides */
	rc = vigil_evm_verify(fd, &o, keys, NULL, 0, v, &err);
	vigil_keyset_free(keys);
	return rc;
}

/* Each tool accepts what the other signed, RSA and ECDSA, portable or not. */
static void test_signatures_cross_verify(void **state)
{
	static const struct {
		const char *key, *cert;
	} keys[] = {
		{ "rsa2048.pem", "rsa2048-cert.der" },
		{ "ec-p256.pem", "ec-p256-cert.der" },
	};
	struct vigil_evm_verdict v;
	char path[PATH_MAX], kp[PATH_MAX], cp[PATH_MAX];
	int fd = make_file("cross", path, sizeof(path));

	(void)state;
	if (!have_evmctl()) {
		close(fd);
		SKIP("evmctl is not installed");
	}
	set_x(fd, "security.ima", ima_value, sizeof(ima_value));
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		data_path(kp, sizeof(kp), keys[k].key);
		data_path(cp, sizeof(cp), keys[k].cert);
		for (int portable = 0; portable <= 1; portable++) {
			/* vigil signs, evmctl verifies. */
			sign_with_vigil(fd, keys[k].key, portable, VIGIL_HASH_SHA256);
			assert_int_equal(run("evmctl verify --key '%s' --uuid=%s '%s' >/dev/null 2>&1",
					     cp, TEST_UUID_TEXT, path), 0);
			/* ... and rejects it once the mode changes. */
			assert_int_equal(fchmod(fd, 0600), 0);
			assert_int_not_equal(run("evmctl verify --key '%s' --uuid=%s '%s' "
						 ">/dev/null 2>&1", cp, TEST_UUID_TEXT, path), 0);
			assert_int_equal(fchmod(fd, 0644), 0);

			/* evmctl signs, vigil verifies. */
			assert_int_equal(run("evmctl sign --key '%s' -a sha256 %s --uuid=%s '%s' "
					     ">/dev/null 2>&1", kp, portable ? "--portable" : "",
					     TEST_UUID_TEXT, path), 0);
			assert_int_equal(verify_with_vigil(fd, keys[k].cert, !portable, &v), VIGIL_OK);
			assert_int_equal(v.type, portable ? 0x05 : 0x03);
			assert_null(v.cause);
			assert_int_equal(fchmod(fd, 0600), 0);
			assert_int_equal(verify_with_vigil(fd, keys[k].cert, false, &v),
					 VIGIL_ERR_BAD_SIGNATURE);
			assert_string_equal(v.cause, portable ? "invalid-fail-immutable"
							      : "invalid-HMAC");
			assert_int_equal(fchmod(fd, 0644), 0);
		}
	}
	close(fd);
}

static void test_signature_verify_failures(void **state)
{
	struct vigil_evm_verdict v;
	struct vigil_error err;
	char path[PATH_MAX];
	int fd = make_file("sigfail", path, sizeof(path));

	(void)state;
	set_x(fd, "security.ima", ima_value, sizeof(ima_value));
	sign_with_vigil(fd, "rsa2048.pem", false, VIGIL_HASH_SHA256);
	assert_int_equal(verify_with_vigil(fd, "rsa2048-cert.der", false, &v), VIGIL_OK);
	assert_int_equal(v.type, 0x03);

	/* Portable signatures do not cover the inode number or the generation. */
	sign_with_vigil(fd, "rsa2048.pem", true, VIGIL_HASH_SHA256);
	assert_int_equal(verify_with_vigil(fd, "rsa2048-cert.der", false, &v), VIGIL_OK);
	assert_int_equal(v.type, 0x05);

	/* A portable signature that does not verify: the kernel's INTEGRITY_FAIL_IMMUTABLE. */
	assert_int_equal(verify_with_vigil(fd, "rsa-other-cert.der", false, &v),
			 VIGIL_ERR_UNKNOWN_KEY);
	assert_string_equal(v.cause, "invalid-fail-immutable");
	assert_int_equal(vigil_evm_verify(fd, NULL, NULL, NULL, 0, &v, &err),
			 VIGIL_ERR_UNKNOWN_KEY);

	set_x(fd, "security.ima", "\x04\x04\x09", 3);
	assert_int_equal(verify_with_vigil(fd, "rsa2048-cert.der", false, &v),
			 VIGIL_ERR_BAD_SIGNATURE);
	assert_string_equal(v.cause, "invalid-fail-immutable");

	/* A portable signature over a file that lost security.ima. */
	assert_int_equal(fremovexattr(fd, "security.ima"), 0);
	assert_int_not_equal(verify_with_vigil(fd, "rsa2048-cert.der", false, &v), VIGIL_OK);
	assert_string_equal(v.cause, "invalid-fail-immutable");

	/* An immutable (non-portable) signature that does not verify: invalid-HMAC. */
	sign_with_vigil(fd, "rsa2048.pem", false, VIGIL_HASH_SHA256);
	assert_int_equal(verify_with_vigil(fd, "rsa-other-cert.der", false, &v),
			 VIGIL_ERR_UNKNOWN_KEY);
	assert_string_equal(v.cause, "invalid-HMAC");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xattr_helpers),
		cmocka_unit_test(test_parse_uuid),
		cmocka_unit_test(test_generation_matches_lsattr),
		cmocka_unit_test(test_fs_uuid_of_tmp),
		cmocka_unit_test(test_fs_uuid_without_device),
		cmocka_unit_test(test_misc_struct_layout),
		cmocka_unit_test(test_misc_from_the_inode),
		cmocka_unit_test(test_xattr_order),
		cmocka_unit_test(test_portable_and_uuid_modes),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_user_namespace),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_hmac_known_answer),
		cmocka_unit_test(test_hmac_matches_evmctl),
		cmocka_unit_test(test_hmac_verify),
		cmocka_unit_test(test_rsa_signature_matches_evmctl),
		cmocka_unit_test(test_signatures_cross_verify),
		cmocka_unit_test(test_signature_verify_failures),
		/* Last: it moves the whole process into a private mount namespace. */
		cmocka_unit_test(test_fs_uuid_loop),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_evm: needs root for security.* xattrs; skipping\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
