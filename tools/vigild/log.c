/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages go to stderr, one line each, written with a single write() so
 * that lines from worker threads never interleave.  Under systemd stderr is
 * the journal; the "<N>" prefix gives it the syslog priority.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigild.h"

static int max_level = VLOG_INFO;
static bool syslog_prefix;

void vlog_set_level(int level)
{
	max_level = level;
	/* journald reads "<N>" as the priority of the line. */
	syslog_prefix = getenv("JOURNAL_STREAM") != NULL;
}

bool vlog_enabled(int level)
{
	return level <= max_level;
}

static int priority(int level)
{
	static const int prio[] = { 3, 4, 6, 7 }; /* err, warning, info, debug */

	return prio[level < 0 ? 0 : level > VLOG_DEBUG ? VLOG_DEBUG : level];
}

void vlog(int level, const char *fmt, ...)
{
	char line[2048];
	size_t n = 0;
	va_list ap;
	int w;

	if (!vlog_enabled(level))
		return;
	if (syslog_prefix)
		n = (size_t)snprintf(line, sizeof(line), "<%d>", priority(level));
	va_start(ap, fmt);
	w = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	n += (size_t)w;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2; /* truncated: still one line */
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}

static int vfill(struct vigil_error *err, int code, int sys_errno, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->sys_errno = sys_errno;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int vd_fail(struct vigil_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfill(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int vd_fail_errno(struct vigil_error *err, int code, const char *fmt, ...)
{
	int saved = errno;
	size_t used;
	va_list ap;

	va_start(ap, fmt);
	vfill(err, code, saved, fmt, ap);
	va_end(ap);
	if (err) {
		used = strnlen(err->msg, sizeof(err->msg));
		snprintf(err->msg + used, sizeof(err->msg) - used, ": %s", strerror(saved));
	}
	errno = saved;
	return code;
}
