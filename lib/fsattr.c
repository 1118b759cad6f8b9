/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Extended attributes, filesystem UUIDs and inode generations of open files. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/fs.h>
#include <blkid/blkid.h>

#include <vigil/file.h>
#include "internal.h"

/*
 * FS_IOC_GETFSUUID (Linux 6.5, generic since 6.10) returns sb->s_uuid, the
 * very bytes the kernel mixes into EVM HMACs and signatures.  Older headers
 * lack it, so it is spelled out here.
 */
#ifndef FS_IOC_GETFSUUID
struct fsuuid2 {
	uint8_t len;
	uint8_t uuid[16];
};
#define FS_IOC_GETFSUUID _IOR(0x15, 0, struct fsuuid2)
#endif

/* Declared here rather than in a header: only the unit tests call it directly. */
int vigil_fs_uuid_blkid(dev_t dev, uint8_t uuid[16], struct vigil_error *err);

const char *vigil_xattr_name(const char *ns, const char *suffix, char *buf, size_t cap)
{
	int n;

	if (!suffix || !buf || cap == 0)
		return NULL;
	n = snprintf(buf, cap, "%s.%s", ns ? ns : "security", suffix);
	if (n < 0 || (size_t)n >= cap)
		return NULL;
	return buf;
}

static bool is_unsupported_errno(int e)
{
	return e == ENOTSUP || e == EOPNOTSUPP;
}

int vigil_getxattr(int fd, const char *name, uint8_t *buf, size_t cap, size_t *len,
		   struct vigil_error *err)
{
	ssize_t n;

	*len = 0;
	n = fgetxattr(fd, name, buf, cap);
	if (n >= 0) {
		*len = (size_t)n;
		return VIGIL_OK;
	}
	if (errno == ENODATA)
		return vigil_fail(err, VIGIL_ERR_NO_DATA, "%s: not present", name);
	if (errno == ERANGE)
		return vigil_fail(err, VIGIL_ERR_TOO_BIG, "%s: value larger than %zu bytes",
				  name, cap);
	if (is_unsupported_errno(errno))
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "%s: the filesystem has no xattr support for this name", name);
	return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot read", name);
}

int vigil_setxattr(int fd, const char *name, const void *value, size_t len,
		   struct vigil_error *err)
{
	if (fsetxattr(fd, name, value, len, 0) == 0)
		return VIGIL_OK;
	if (errno == E2BIG || errno == ERANGE || errno == ENOSPC)
		return vigil_fail_errno(err, VIGIL_ERR_TOO_BIG, "%s: cannot store %zu bytes",
					name, len);
	if (is_unsupported_errno(errno))
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "%s: the filesystem has no xattr support for this name", name);
	return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot write", name);
}

int vigil_removexattr(int fd, const char *name, struct vigil_error *err)
{
	if (fremovexattr(fd, name) == 0 || errno == ENODATA)
		return VIGIL_OK;
	if (is_unsupported_errno(errno))
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "%s: the filesystem has no xattr support for this name", name);
	return vigil_fail_errno(err, VIGIL_ERR_IO, "%s: cannot remove", name);
}

int vigil_parse_uuid(const char *text, uint8_t uuid[16], struct vigil_error *err)
{
	size_t i, out = 0;

	if (!text || strlen(text) != 36)
		goto bad;
	for (i = 0; i < 36; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				goto bad;
			continue;
		}
		hi = vigil_hex_digit(text[i]);
		lo = vigil_hex_digit(text[++i]);
		if (hi < 0 || lo < 0)
			goto bad;
		uuid[out++] = (uint8_t)(hi << 4 | lo);
	}
	return VIGIL_OK;
bad:
	return vigil_fail(err, VIGIL_ERR_INVALID,
			  "malformed UUID \"%.40s\": expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
			  text ? text : "");
}

/*
 * Only regular files and directories get filesystem ioctls: on a device
 * node the request would reach the device's driver instead.
 */
static bool ioctl_safe(const struct stat *st)
{
	return S_ISREG(st->st_mode) || S_ISDIR(st->st_mode);
}

static int uuid_from_kernel(int fd, uint8_t uuid[16])
{
	struct fsuuid2 u;

	memset(&u, 0, sizeof(u));
	if (ioctl(fd, FS_IOC_GETFSUUID, &u) != 0 || u.len != 16)
		return -1;
	memcpy(uuid, u.uuid, 16);
	return 0;
}

/* evmctl 1.4 asks `blkid` about /dev/block/MAJ:MIN; some systems have no /dev/block. */
static char *device_path(dev_t dev)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/block/%u:%u", major(dev), minor(dev));
	if (access(path, F_OK) == 0)
		return strdup(path);
	return blkid_devno_to_devname(dev);
}

static int probe_uuid(const char *path, dev_t dev, uint8_t uuid[16], struct vigil_error *err)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	const char *value = NULL;
	int rc;

	if (!pr)
		return vigil_fail_errno(err, VIGIL_ERR_UNSUPPORTED,
					"no filesystem UUID: cannot probe %s (device %u:%u)",
					path, major(dev), minor(dev));
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID);
	if (blkid_do_safeprobe(pr) != 0 || blkid_probe_lookup_value(pr, "UUID", &value, NULL) != 0)
		rc = vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				"no filesystem UUID found on %s (device %u:%u)", path,
				major(dev), minor(dev));
	else if (vigil_parse_uuid(value, uuid, NULL) != VIGIL_OK)
		rc = vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				"filesystem UUID \"%.40s\" on %s is not a 128-bit UUID", value, path);
	else
		rc = VIGIL_OK;
	blkid_free_probe(pr);
	return rc;
}

int vigil_fs_uuid_blkid(dev_t dev, uint8_t uuid[16], struct vigil_error *err)
{
	char *path = device_path(dev);
	int rc;

	if (!path)
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "no filesystem UUID: device %u:%u has no block device node "
				  "(tmpfs, overlay, network filesystem?); give the UUID explicitly",
				  major(dev), minor(dev));
	rc = probe_uuid(path, dev, uuid, err);
	free(path);
	return rc;
}

int vigil_fs_uuid(int fd, uint8_t uuid[16], struct vigil_error *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "fstat failed");
	/* The kernel's own answer first: it needs no access to the block device. */
	if (ioctl_safe(&st) && uuid_from_kernel(fd, uuid) == 0)
		return VIGIL_OK;
	return vigil_fs_uuid_blkid(st.st_dev, uuid, err);
}

int vigil_fs_generation(int fd, uint32_t *generation, struct vigil_error *err)
{
	/* Sized for the `long` the request number names; filesystems store an int at its start. */
	long buf = 0;
	struct stat st;

	*generation = 0;
	if (fstat(fd, &st) != 0)
		return vigil_fail_errno(err, VIGIL_ERR_IO, "fstat failed");
	if (!ioctl_safe(&st))
		return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
				  "inode generation is only read from regular files and directories");
	if (ioctl(fd, FS_IOC_GETVERSION, &buf) != 0) {
		if (errno == ENOTTY || errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS)
			return vigil_fail(err, VIGIL_ERR_UNSUPPORTED,
					  "the filesystem does not report inode generations "
					  "(FS_IOC_GETVERSION)");
		return vigil_fail_errno(err, VIGIL_ERR_IO, "FS_IOC_GETVERSION failed");
	}
	memcpy(generation, &buf, sizeof(*generation));
	return VIGIL_OK;
}
