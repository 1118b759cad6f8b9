/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages go to stderr, one line each, written with a single write() so
 * that lines from worker threads never interleave.  Under systemd stderr is
 * the journal; the "<N>" prefix gives it the syslog priority.
 *
 * Once the daemon runs, a worker must never wait on its log: a stalled
 * journal would then hold up every open on the marked filesystems.  Lines
 * go to a bounded ring that a logger thread writes out; when the ring is
 * full a line is dropped and counted, and the count is written later.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigild.h"

#define RING_LINES 512
#define LINE_MAX_LEN 2048

static int max_level = VLOG_INFO;
static bool syslog_prefix;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	pthread_t thread;
	bool running, stopping;
	char (*line)[LINE_MAX_LEN];
	size_t len[RING_LINES];
	unsigned head, count;
	unsigned long dropped;
} ring = { .lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER };

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

static void write_line(const char *line, size_t n)
{
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}

/* False when the ring is not running (start-up, shutdown): write directly. */
static bool enqueue(const char *line, size_t n)
{
	bool queued = false;

	pthread_mutex_lock(&ring.lock);
	if (ring.running && !ring.stopping) {
		queued = true;
		if (ring.count == RING_LINES) {
			ring.dropped++;
		} else {
			unsigned slot = (ring.head + ring.count) % RING_LINES;

			memcpy(ring.line[slot], line, n);
			ring.len[slot] = n;
			ring.count++;
			pthread_cond_signal(&ring.ready);
		}
	}
	pthread_mutex_unlock(&ring.lock);
	return queued;
}

static void report_dropped(unsigned long dropped)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "%svigild: %lu log lines dropped (stderr was too slow)\n",
			 syslog_prefix ? "<4>" : "", dropped);

	write_line(msg, (size_t)n);
}

static void *logger(void *arg)
{
	static char out[LINE_MAX_LEN];
	unsigned long dropped;
	size_t n;

	(void)arg;
	fan_register_self(gettid());
	pthread_mutex_lock(&ring.lock);
	for (;;) {
		while (ring.count == 0 && !ring.dropped && !ring.stopping)
			pthread_cond_wait(&ring.ready, &ring.lock);
		if (ring.count == 0 && !ring.dropped)
			break; /* stopping, and everything is out */
		dropped = ring.dropped;
		ring.dropped = 0;
		n = 0;
		if (ring.count) {
			n = ring.len[ring.head];
			memcpy(out, ring.line[ring.head], n);
			ring.head = (ring.head + 1) % RING_LINES;
			ring.count--;
		}
		pthread_mutex_unlock(&ring.lock);
		if (dropped)
			report_dropped(dropped);
		if (n)
			write_line(out, n);
		pthread_mutex_lock(&ring.lock);
	}
	pthread_mutex_unlock(&ring.lock);
	fan_unregister_self(gettid());
	return NULL;
}

int vlog_async_start(struct vigil_error *err)
{
	int rc;

	pthread_mutex_lock(&ring.lock);
	if (ring.running) {
		pthread_mutex_unlock(&ring.lock);
		return VIGIL_OK;
	}
	ring.line = calloc(RING_LINES, sizeof(*ring.line));
	if (!ring.line) {
		pthread_mutex_unlock(&ring.lock);
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for the log ring");
	}
	ring.stopping = false;
	ring.running = true;
	if ((rc = pthread_create(&ring.thread, NULL, logger, NULL)) != 0) {
		ring.running = false;
		free(ring.line);
		ring.line = NULL;
		pthread_mutex_unlock(&ring.lock);
		errno = rc;
		return vd_fail_errno(err, VIGIL_ERR_IO, "cannot start the logger thread");
	}
	pthread_mutex_unlock(&ring.lock);
	return VIGIL_OK;
}

/* Writes out what is queued; later lines go straight to stderr again. */
void vlog_async_stop(void)
{
	pthread_mutex_lock(&ring.lock);
	if (!ring.running) {
		pthread_mutex_unlock(&ring.lock);
		return;
	}
	ring.stopping = true;
	pthread_cond_signal(&ring.ready);
	pthread_mutex_unlock(&ring.lock);
	pthread_join(ring.thread, NULL);
	pthread_mutex_lock(&ring.lock);
	ring.running = false;
	free(ring.line);
	ring.line = NULL;
	pthread_mutex_unlock(&ring.lock);
}

void vlog(int level, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
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
	if (!enqueue(line, n))
		write_line(line, n);
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
