/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exec_loop N FILE...: fork + execve N times, waiting for each child, and
 * print the wall time and the CPU time (user + system, of this process and
 * its children) per exec: "N execs in S s (U us/exec), cpu C us/exec".
 * On a shared machine the wall time also counts waiting for a CPU; the CPU
 * time does not, which makes it the steadier of the two.  With several FILEs
 * the i-th exec runs FILE[i % count], so a list of distinct copies gives
 * one first exec per file (a cold cache).  The children get no arguments
 * but their own name, the caller's environment and stdout on /dev/null.
 *
 * Any child that does not exit 0 (a refused exec: 126 and the errno is
 * printed) stops the loop with status 1, so a denial never passes for a
 * fast exec.  Built by bench/exec.sh with plain cc; not part of vigil.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double timeval_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* User + system time of this process and of its waited-for children. */
static double cpu_seconds(void)
{
	struct rusage self, children;

	if (getrusage(RUSAGE_SELF, &self) != 0 || getrusage(RUSAGE_CHILDREN, &children) != 0)
		return 0;
	return timeval_seconds(self.ru_utime) + timeval_seconds(self.ru_stime) +
	       timeval_seconds(children.ru_utime) + timeval_seconds(children.ru_stime);
}

/* The child: stdout to /dev/null, then the exec; reports why it failed. */
static void run_child(const char *file, int devnull)
{
	char *argv[] = { (char *)file, NULL };

	if (dup2(devnull, STDOUT_FILENO) < 0)
		_exit(125);
	execve(file, argv, environ);
	fprintf(stderr, "exec_loop: execve %s: %s\n", file, strerror(errno));
	_exit(126);
}

/* One fork + execve + wait; 0 when the child exited 0. */
static int exec_once(const char *file, int devnull)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "exec_loop: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0)
		run_child(file, devnull);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "exec_loop: waitpid: %s\n", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "exec_loop: %s: %s %d\n", file,
		WIFEXITED(status) ? "exit status" : "killed by signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -1;
}

static long parse_count(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > INT_MAX)
		return -1;
	return n;
}

int main(int argc, char **argv)
{
	long n, i;
	int devnull;
	double start, cpu_start, secs, cpu;

	if (argc < 3 || (n = parse_count(argv[1])) < 0) {
		fprintf(stderr, "usage: exec_loop N FILE... (N: 1 to %d execs)\n", INT_MAX);
		return 2;
	}
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0) {
		fprintf(stderr, "exec_loop: /dev/null: %s\n", strerror(errno));
		return 1;
	}
	cpu_start = cpu_seconds();
	start = now_seconds();
	for (i = 0; i < n; i++)
		if (exec_once(argv[2 + i % (argc - 2)], devnull) != 0)
			return 1;
	secs = now_seconds() - start;
	cpu = cpu_seconds() - cpu_start;
	printf("%ld execs in %.6f s (%.2f us/exec), cpu %.2f us/exec\n", n, secs,
	       secs * 1e6 / (double)n, cpu * 1e6 / (double)n);
	return 0;
}
