/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by libvigil's sources; not installed. */
#ifndef VIGIL_INTERNAL_H
#define VIGIL_INTERNAL_H

#include <stdbool.h>
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

/* A measurement-list u32: little-endian, or big-endian for canonical lists on BE hosts. */
static inline uint32_t vigil_get_u32(const uint8_t *p, bool big_endian)
{
	if (big_endian)
		return vigil_get_be32(p);
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Value of one hex digit, or -1. */
static inline int vigil_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline bool vigil_all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

#endif
