/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_FILE_H
#define VIGIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Extended attributes and filesystem facts of an open file.  Attribute
 * names are full ("security.ima"); vigil_xattr_name() builds them from a
 * namespace ("security", or "user" as evmctl --xattr-user does for tests).
 */
VIGIL_API const char *vigil_xattr_name(const char *ns, const char *suffix, char *buf,
				       size_t cap);

/* VIGIL_ERR_NO_DATA when absent, VIGIL_ERR_TOO_BIG when over cap. */
VIGIL_API int vigil_getxattr(int fd, const char *name, uint8_t *buf, size_t cap, size_t *len,
			     struct vigil_error *err);
VIGIL_API int vigil_setxattr(int fd, const char *name, const void *value, size_t len,
			     struct vigil_error *err);
/* Absent is not an error. */
VIGIL_API int vigil_removexattr(int fd, const char *name, struct vigil_error *err);

/*
 * The filesystem's 16-byte UUID (what the kernel has in sb->s_uuid): from
 * FS_IOC_GETFSUUID where the kernel offers it, else via libblkid from
 * /dev/block/MAJ:MIN of st_dev (what evmctl asks blkid(8)).
 * VIGIL_ERR_UNSUPPORTED when neither knows one (tmpfs on old kernels, overlay...).
 */
VIGIL_API int vigil_fs_uuid(int fd, uint8_t uuid[16], struct vigil_error *err);
/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
VIGIL_API int vigil_parse_uuid(const char *text, uint8_t uuid[16], struct vigil_error *err);
/* The inode generation (FS_IOC_GETVERSION); VIGIL_ERR_UNSUPPORTED if the
 * filesystem has none, or for anything but regular files and directories. */
VIGIL_API int vigil_fs_generation(int fd, uint32_t *generation, struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif
