/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by libvigil's sources; not installed. */
#ifndef VIGIL_INTERNAL_H
#define VIGIL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <vigil/error.h>

/* Fills err (if non-NULL) and returns code. */
int vigil_fail(struct vigil_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As vigil_fail, with strerror(errno) appended and errno kept in sys_errno. */
int vigil_fail_errno(struct vigil_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As vigil_fail, with OpenSSL's error queue appended (and drained). */
int vigil_fail_ssl(struct vigil_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The OpenSSL digest for a kernel hash id, fetched once; NULL if unavailable. */
const EVP_MD *vigil_hash_md(int algo);

static inline uint32_t vigil_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t vigil_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void vigil_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void vigil_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

#endif
