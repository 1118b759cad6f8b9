/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>

#include "internal.h"

const char *vigil_status_name(int code)
{
	switch (code) {
	case VIGIL_OK: return "ok";
	case VIGIL_ERR_INVALID: return "invalid";
	case VIGIL_ERR_UNSUPPORTED: return "unsupported";
	case VIGIL_ERR_IO: return "io-error";
	case VIGIL_ERR_NOMEM: return "out-of-memory";
	case VIGIL_ERR_CRYPTO: return "crypto-error";
	case VIGIL_ERR_BAD_SIGNATURE: return "bad-signature";
	case VIGIL_ERR_UNKNOWN_KEY: return "unknown-key";
	case VIGIL_ERR_NO_DATA: return "no-data";
	case VIGIL_ERR_MISMATCH: return "mismatch";
	case VIGIL_ERR_TOO_BIG: return "too-big";
	}
	return "unknown-status";
}

void vigil_error_clear(struct vigil_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

static int vfail(struct vigil_error *err, int code, int sys_errno, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->sys_errno = sys_errno;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

static void append(struct vigil_error *err, const char *sep, const char *text)
{
	size_t used = strnlen(err->msg, sizeof(err->msg));

	snprintf(err->msg + used, sizeof(err->msg) - used, "%s%s", sep, text);
}

int vigil_fail(struct vigil_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int vigil_fail_errno(struct vigil_error *err, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vfail(err, code, saved, fmt, ap);
	va_end(ap);
	if (err)
		append(err, ": ", strerror(saved));
	errno = saved;
	return code;
}

int vigil_fail_ssl(struct vigil_error *err, int code, const char *fmt, ...)
{
	unsigned long e;
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vfail(err, code, 0, fmt, ap);
	va_end(ap);
	/* Report the innermost reason; drain the rest so it cannot leak into later calls. */
	if ((e = ERR_peek_last_error()) != 0 && err) {
		ERR_error_string_n(e, buf, sizeof(buf));
		append(err, ": ", buf);
	}
	ERR_clear_error();
	return code;
}
