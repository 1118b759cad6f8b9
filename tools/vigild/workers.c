/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Worker threads and their bounded queue.  The fanotify reader only ever
 * calls workers_submit(), which never waits: hashing a large file on one
 * worker must not hold up the answers to vigild's own opens, nor the
 * other files' events.  Each worker registers its thread id before the
 * marks go on, so its own opens are allowed by the reader at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigild.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work;    /* a job was queued, or stopping */
	pthread_cond_t started; /* a worker registered itself */
	struct vigild_job *ring;
	unsigned cap, head, count;
	unsigned nthreads, nready;
	bool stopping;
	pthread_t threads[VIGILD_MAX_THREADS];
} q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.started = PTHREAD_COND_INITIALIZER,
};

/* Waits for a job; false when stopping and the queue is drained. */
static bool take(struct vigild_job *job)
{
	pthread_mutex_lock(&q.lock);
	while (q.count == 0 && !q.stopping)
		pthread_cond_wait(&q.work, &q.lock);
	if (q.count == 0) {
		pthread_mutex_unlock(&q.lock);
		return false;
	}
	*job = q.ring[q.head];
	q.head = (q.head + 1) % q.cap;
	q.count--;
	pthread_mutex_unlock(&q.lock);
	return true;
}

static void *worker(void *arg)
{
	struct vigild_job job;

	(void)arg;
	pthread_setname_np(pthread_self(), "vigild-worker"); /* for top -H, and tests */
	fan_register_self(gettid());
	pthread_mutex_lock(&q.lock);
	q.nready++;
	pthread_cond_signal(&q.started);
	pthread_mutex_unlock(&q.lock);
	while (take(&job))
		process_event(&job);
	/* The kernel may give this thread id to another process's thread. */
	fan_unregister_self(gettid());
	return NULL;
}

int workers_start(unsigned nworkers, unsigned queue_size, struct vigil_error *err)
{
	int rc;

	q.ring = calloc(queue_size, sizeof(*q.ring));
	if (!q.ring)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for a queue of %u", queue_size);
	q.cap = queue_size;
	for (q.nthreads = 0; q.nthreads < nworkers; q.nthreads++)
		if ((rc = pthread_create(&q.threads[q.nthreads], NULL, worker, NULL)) != 0) {
			errno = rc;
			return vd_fail_errno(err, VIGIL_ERR_IO, "cannot start worker %u", q.nthreads);
		}
	/* Every worker's tid must be known before the first mark. */
	pthread_mutex_lock(&q.lock);
	while (q.nready < q.nthreads)
		pthread_cond_wait(&q.started, &q.lock);
	pthread_mutex_unlock(&q.lock);
	return VIGIL_OK;
}

bool workers_submit(const struct vigild_job *job)
{
	bool ok;

	pthread_mutex_lock(&q.lock);
	ok = q.count < q.cap && !q.stopping;
	if (ok) {
		q.ring[(q.head + q.count) % q.cap] = *job;
		q.count++;
		pthread_cond_signal(&q.work);
	}
	pthread_mutex_unlock(&q.lock);
	return ok;
}

void workers_stop(void)
{
	pthread_mutex_lock(&q.lock);
	q.stopping = true;
	pthread_cond_broadcast(&q.work);
	pthread_mutex_unlock(&q.lock);
	for (unsigned i = 0; i < q.nthreads; i++)
		pthread_join(q.threads[i], NULL);
	q.nthreads = 0;
	free(q.ring);
	q.ring = NULL;
}

void workers_stats(unsigned *depth, unsigned *capacity, unsigned *nworkers)
{
	pthread_mutex_lock(&q.lock);
	*depth = q.count;
	*capacity = q.cap;
	*nworkers = q.nthreads;
	pthread_mutex_unlock(&q.lock);
}
