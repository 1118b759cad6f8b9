/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VIGIL_ERROR_H
#define VIGIL_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_API __attribute__((visibility("default")))

/*
 * Every fallible libvigil call returns VIGIL_OK or one of these negative
 * codes, and when given a struct vigil_error fills it with a message naming
 * what failed and where.  The library never prints and never exits.
 */
enum vigil_status {
	VIGIL_OK = 0,
	VIGIL_ERR_INVALID = -1,       /* malformed input: xattr, key, argument */
	VIGIL_ERR_UNSUPPORTED = -2,   /* valid but not supported (algorithm, type) */
	VIGIL_ERR_IO = -3,            /* system call failed; errno is in sys_errno */
	VIGIL_ERR_NOMEM = -4,
	VIGIL_ERR_CRYPTO = -5,        /* OpenSSL failed for a reason not of the input */
	VIGIL_ERR_BAD_SIGNATURE = -6, /* signature does not verify */
	VIGIL_ERR_UNKNOWN_KEY = -7,   /* no key with the signature's keyid */
	VIGIL_ERR_NO_DATA = -8,       /* the xattr (or other item) is absent */
	VIGIL_ERR_MISMATCH = -9,      /* digest or HMAC differs from the stored one */
	VIGIL_ERR_TOO_BIG = -10,      /* input over a documented bound */
};

#define VIGIL_ERROR_MSG_MAX 512

struct vigil_error {
	int code;
	int sys_errno;
	char msg[VIGIL_ERROR_MSG_MAX];
};

/* Stable short name of a status code ("bad-signature", ...). */
VIGIL_API const char *vigil_status_name(int code);

/* Clears *err (safe on NULL). */
VIGIL_API void vigil_error_clear(struct vigil_error *err);

#ifdef __cplusplus
}
#endif
#endif
