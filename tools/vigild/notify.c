/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd's readiness protocol without libsystemd: one datagram with
 * "READY=1" (or "RELOADING=1", "STOPPING=1", "WATCHDOG=1") to the
 * AF_UNIX socket named by $NOTIFY_SOCKET ('@' = abstract namespace).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vigild.h"

void notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    (len = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		vlog(VLOG_DEBUG, "vigild: sd_notify %s failed", state);
	close(fd);
}

uint64_t notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");

	if (!usec || (pid && atol(pid) != (long)getpid()))
		return 0;
	return strtoull(usec, NULL, 10);
}
