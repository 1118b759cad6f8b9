/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel's ima_rdwr_violation_check() knows from the inode's
 * counters, found from userspace:
 *
 *  - open writers: a read lease is refused while anyone has the file open
 *    for writing (the same inode_is_open_for_write() test), so trying one
 *    on the event's descriptor and dropping it at once answers without a
 *    scan.  A writer opening in that instant breaks the lease, which costs
 *    it microseconds and sends vigild a SIGIO that vigild ignores.
 *  - readers (for ToMToU): there is no such cheap test, so the open
 *    descriptors (/proc/PID/fdinfo: inode, mount, flags; O_PATH ones read
 *    nothing) and mappings (/proc/PID/maps) of every process are looked
 *    at, without touching the files themselves (a stat could hang on a
 *    FUSE file).  This runs only when a file measured for reading is
 *    opened for writing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vigild.h"

bool violations_open_for_write(int fd)
{
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
		fcntl(fd, F_SETLEASE, F_UNLCK);
		return false;
	}
	/* EAGAIN is the answer; anything else (no lease support) tells nothing. */
	return errno == EAGAIN;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The mount ids of dev's filesystem (every mount of it): fdinfo names the mount. */
struct mounts {
	unsigned long ids[64];
	unsigned n;
};

static void mounts_of(dev_t dev, struct mounts *m)
{
	char line[4096];
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	unsigned long id, parent;
	unsigned maj, min;

	m->n = 0;
	if (!fp)
		return;
	while (m->n < sizeof(m->ids) / sizeof(m->ids[0]) && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%lu %lu %u:%u", &id, &parent, &maj, &min) == 4 &&
		    makedev(maj, min) == dev)
			m->ids[m->n++] = id;
	fclose(fp);
}

static bool mount_of_dev(const struct mounts *m, unsigned long id)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->ids[i] == id)
			return true;
	return false;
}

static bool field(const char *buf, const char *key, const char *fmt, void *out)
{
	const char *p = strstr(buf, key);

	return p && sscanf(p + strlen(key), fmt, out) == 1;
}

/* One descriptor open for reading (not O_PATH: it reads nothing) on the inode? */
static bool fdinfo_reads(int dirfd, const char *name, const struct mounts *m, ino_t ino)
{
	char buf[512];
	unsigned long long fino;
	unsigned long mnt;
	unsigned flags;
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return field(buf, "\nino:", "%llu", &fino) && fino == ino &&
	       field(buf, "\nmnt_id:", "%lu", &mnt) && mount_of_dev(m, mnt) &&
	       field(buf, "\nflags:", "%o", &flags) && !(flags & O_PATH) &&
	       (flags & O_ACCMODE) != O_WRONLY;
}

static bool fds_read(int pid_dirfd, const struct mounts *m, ino_t ino)
{
	int infofd = openat(pid_dirfd, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *d;
	bool found = false;
	DIR *dir;

	if (infofd < 0)
		return false;
	if (!(dir = fdopendir(infofd))) {
		close(infofd);
		return false;
	}
	while (!found && (d = readdir(dir)))
		found = is_number(d->d_name) && fdinfo_reads(dirfd(dir), d->d_name, m, ino);
	closedir(dir);
	return found;
}

/* A mapping keeps the file open for reading after its descriptor is closed. */
static bool maps_read(int pid_dirfd, dev_t dev, ino_t ino)
{
	char line[1024];
	unsigned long long mino;
	unsigned maj, min;
	bool found = false;
	int fd = openat(pid_dirfd, "maps", O_RDONLY | O_CLOEXEC);
	FILE *fp;

	if (fd < 0)
		return false;
	if (!(fp = fdopen(fd, "re"))) {
		close(fd);
		return false;
	}
	while (!found && fgets(line, sizeof(line), fp))
		found = sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &mino) == 3 &&
			mino == ino && makedev(maj, min) == dev;
	fclose(fp);
	return found;
}

bool violations_has_readers(dev_t dev, ino_t ino)
{
	struct mounts m;
	char self[16];
	struct dirent *d;
	bool found = false;
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;

	if (procfd < 0)
		return false;
	if (!(dir = fdopendir(procfd))) {
		close(procfd);
		return false;
	}
	mounts_of(dev, &m);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	while (!found && (d = readdir(dir))) {
		int pid_dirfd;

		if (!is_number(d->d_name) || !strcmp(d->d_name, self))
			continue;
		pid_dirfd = openat(dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pid_dirfd < 0)
			continue;
		found = fds_read(pid_dirfd, &m, ino) || maps_read(pid_dirfd, dev, ino);
		close(pid_dirfd);
	}
	closedir(dir);
	return found;
}
