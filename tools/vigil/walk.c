/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The files a command works on, and the pool of threads that works on them.
 *
 * The main thread produces paths (arguments, then list entries; directories
 * walked with fts in name order) into a ring of slots; worker threads take
 * slots in order, open the file and run the command on it; the main thread
 * reports finished slots strictly in input order, so output is identical
 * for any -j and no line is ever written by two threads.  The ring is
 * bounded: the producer waits for the oldest slot to be reported before it
 * reuses it, so a million files cost no more memory than a hundred.
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Slots per worker: enough to keep every worker busy while one slow file holds the head. */
#define SLOTS_PER_JOB 16

struct slot {
	struct item it;
	bool follow; /* a path the user named: symbolic links are followed */
	bool preset; /* the producer already failed it (not found, a directory ...) */
	bool done;
};

struct pool {
	const char *cmd;
	const struct walk_opts *opts;
	const struct walk_ops *ops;
	struct walk_stats *stats;
	struct slot *slots;
	unsigned char *results;
	size_t cap;
	unsigned long head;  /* next slot to report */
	unsigned long next;  /* next slot for a worker */
	unsigned long tail;  /* next slot to fill */
	bool eof;
	pthread_mutex_t mu;
	pthread_cond_t work; /* a slot was filled, or the input ended */
	pthread_cond_t done; /* a slot was finished */
	pthread_t *threads;
	unsigned nthreads;
};

int item_errno(struct item *it, const char *what)
{
	int e = errno;

	it->err.code = VIGIL_ERR_IO;
	it->err.sys_errno = e;
	snprintf(it->err.msg, sizeof(it->err.msg), "%s: %s", what, strerror(e));
	it->outcome = ITEM_ERROR;
	return ITEM_ERROR;
}

int check_outcome(int code)
{
	if (code == VIGIL_OK)
		return ITEM_OK;
	if (code == VIGIL_ERR_IO || code == VIGIL_ERR_NOMEM || code == VIGIL_ERR_CRYPTO)
		return ITEM_ERROR;
	return ITEM_FAILED;
}

/* Fails a slot before any worker sees it: "what: strerror(e)", or just "what" when e is 0. */
static void preset_error(struct slot *s, int e, const char *what)
{
	if (e) {
		errno = e;
		item_errno(&s->it, what);
	} else {
		s->it.err.code = VIGIL_ERR_INVALID;
		snprintf(s->it.err.msg, sizeof(s->it.err.msg), "%s", what);
		s->it.outcome = ITEM_ERROR;
	}
	s->preset = true;
}

/* Opens without blocking on FIFOs and refuses anything but a regular file. */
static int open_regular(struct slot *s)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	struct stat st;
	int fd;

	if (!s->follow)
		flags |= O_NOFOLLOW; /* it was a regular file when walked: a link now is a race */
	fd = open(s->it.path, flags);
	if (fd < 0) {
		item_errno(&s->it, "cannot open");
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		item_errno(&s->it, "cannot stat");
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		/* it was one when walked: it has been replaced since */
		preset_error(s, 0, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

static void run_slot(struct pool *p, struct slot *s)
{
	int fd;

	if (s->preset)
		return;
	fd = open_regular(s);
	if (fd < 0)
		return;
	s->it.outcome = p->ops->process(&s->it, fd, p->ops->ctx);
	close(fd);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct slot *s;

		while (p->next == p->tail && !p->eof)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->next == p->tail)
			break;
		s = &p->slots[p->next++ % p->cap];
		pthread_mutex_unlock(&p->mu);
		run_slot(p, s);
		pthread_mutex_lock(&p->mu);
		s->done = true;
		pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void count(struct walk_stats *st, int outcome)
{
	st->files++;
	if (outcome == ITEM_OK)
		st->ok++;
	else if (outcome == ITEM_FAILED)
		st->failed++;
	else
		st->errors++;
}

/* Called with the lock held; reports the head slot once it is done. */
static void report_head(struct pool *p)
{
	struct slot *s = &p->slots[p->head % p->cap];

	while (!s->done)
		pthread_cond_wait(&p->done, &p->mu);
	/* Workers never touch a done slot: report without holding them up. */
	pthread_mutex_unlock(&p->mu);
	p->ops->report(&s->it, p->ops->ctx);
	count(p->stats, s->it.outcome);
	free((char *)s->it.path);
	s->it.path = NULL;
	pthread_mutex_lock(&p->mu);
	p->head++;
}

static struct slot *claim_slot(struct pool *p, char *path, bool follow)
{
	struct slot *s;
	void *res;

	pthread_mutex_lock(&p->mu);
	while (p->tail - p->head == p->cap)
		report_head(p);
	s = &p->slots[p->tail % p->cap];
	res = p->results + (p->tail % p->cap) * p->ops->result_size;
	memset(res, 0, p->ops->result_size);
	memset(s, 0, sizeof(*s));
	s->it.path = path;
	s->it.res = res;
	s->follow = follow;
	pthread_mutex_unlock(&p->mu);
	return s;
}

/* Hands a claimed slot to the workers, or runs it here without them. */
static void submit_slot(struct pool *p, struct slot *s)
{
	if (p->nthreads == 0) {
		run_slot(p, s);
		s->done = true;
	}
	pthread_mutex_lock(&p->mu);
	p->tail++;
	if (p->nthreads)
		pthread_cond_signal(&p->work);
	while (p->head < p->tail && p->slots[p->head % p->cap].done)
		report_head(p);
	pthread_mutex_unlock(&p->mu);
}

/* path is copied; what != NULL queues it as already failed (see preset_error). */
static void submit(struct pool *p, const char *path, bool follow, int e, const char *what)
{
	char *copy = strdup(path);
	struct slot *s;

	if (!copy) {
		cli_error(p->cmd, "out of memory");
		exit(EXIT_USAGE);
	}
	s = claim_slot(p, copy, follow);
	if (what)
		preset_error(s, e, what);
	submit_slot(p, s);
}

static int by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

static void walk_tree(struct pool *p, const char *root)
{
	char *roots[] = { (char *)root, NULL };
	int flags = FTS_PHYSICAL | FTS_NOCHDIR | FTS_COMFOLLOW;
	FTSENT *e;
	FTS *fts;

	if (p->opts->one_fs)
		flags |= FTS_XDEV;
	fts = fts_open(roots, flags, by_name);
	if (!fts) {
		submit(p, root, true, errno, "cannot walk");
		return;
	}
	for (;;) {
		errno = 0; /* fts_read leaves it 0 at the normal end */
		if (!(e = fts_read(fts)))
			break;
		switch (e->fts_info) {
		case FTS_F:
			submit(p, e->fts_path, e->fts_level == FTS_ROOTLEVEL, 0, NULL);
			break;
		case FTS_DNR:
			submit(p, e->fts_path, false, e->fts_errno, "cannot read directory");
			break;
		case FTS_NS: /* typically a file removed while the tree was walked */
		case FTS_ERR:
			submit(p, e->fts_path, false, e->fts_errno, "cannot stat");
			break;
		case FTS_DC:
			submit(p, e->fts_path, false, 0, "directory cycle");
			break;
		default:
			break; /* directories themselves, links, devices, sockets, FIFOs */
		}
	}
	if (errno)
		submit(p, root, true, errno, "walk stopped");
	fts_close(fts);
}

/* A path the user named: a file, or with -r a tree. */
static void walk_root(struct pool *p, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		submit(p, path, true, errno, "cannot stat");
	} else if (S_ISDIR(st.st_mode)) {
		if (p->opts->recursive)
			walk_tree(p, path);
		else
			submit(p, path, true, 0, "is a directory (use -r to walk it)");
	} else if (!S_ISREG(st.st_mode)) {
		submit(p, path, true, 0, "not a regular file");
	} else {
		submit(p, path, true, 0, NULL);
	}
}

static int walk_list(struct pool *p)
{
	const char *name = p->opts->list;
	bool is_stdin = strcmp(name, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(name, "re");
	int sep = p->opts->null_sep ? '\0' : '\n';
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (!f) {
		cli_error(p->cmd, "cannot open list %s: %s", name, strerror(errno));
		return EXIT_USAGE;
	}
	while ((n = getdelim(&line, &cap, sep, f)) > 0) {
		if (line[n - 1] == sep)
			line[--n] = '\0';
		if (n > 0)
			walk_root(p, line);
	}
	if (ferror(f)) {
		cli_error(p->cmd, "cannot read list %s: %s", name, strerror(errno));
		rc = EXIT_USAGE;
	}
	free(line);
	if (!is_stdin)
		fclose(f);
	return rc;
}

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

static int pool_init(struct pool *p, unsigned jobs)
{
	unsigned i;

	/* One job runs in the main thread: no threads, same order, same output. */
	p->nthreads = jobs > 1 ? jobs : 0;
	p->cap = (size_t)(jobs > 1 ? jobs : 1) * SLOTS_PER_JOB;
	p->slots = calloc(p->cap, sizeof(*p->slots));
	p->results = calloc(p->cap, p->ops->result_size ? p->ops->result_size : 1);
	p->threads = calloc(p->nthreads ? p->nthreads : 1, sizeof(*p->threads));
	if (!p->slots || !p->results || !p->threads)
		return -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (i = 0; i < p->nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
			p->nthreads = i; /* run with those that started */
			break;
		}
	}
	return 0;
}

static void pool_finish(struct pool *p)
{
	unsigned i;

	pthread_mutex_lock(&p->mu);
	p->eof = true;
	pthread_cond_broadcast(&p->work);
	while (p->head < p->tail)
		report_head(p);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
}

int walk_run(const char *cmd, const struct walk_opts *opts, char *const *paths, int npaths,
	     const struct walk_ops *ops, struct walk_stats *stats)
{
	struct pool p = { .cmd = cmd, .opts = opts, .ops = ops, .stats = stats };
	int rc = 0, i;

	memset(stats, 0, sizeof(*stats));
	if (pool_init(&p, opts->jobs ? opts->jobs : default_jobs()) < 0) {
		cli_error(cmd, "out of memory for the work queue");
		free(p.slots);
		free(p.results);
		free(p.threads);
		return EXIT_USAGE;
	}
	for (i = 0; i < npaths; i++)
		walk_root(&p, paths[i]);
	if (opts->list)
		rc = walk_list(&p);
	pool_finish(&p);
	free(p.slots);
	free(p.results);
	free(p.threads);
	return rc;
}

int walk_exit(const struct walk_stats *stats)
{
	if (stats->errors)
		return EXIT_USAGE;
	return stats->failed ? EXIT_VERIFY_FAILED : 0;
}
