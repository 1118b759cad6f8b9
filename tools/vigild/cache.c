/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-inode state, the kernel's iint: what was measured, what appraisal
 * concluded, keyed by device and inode and valid while the content stamp
 * (mtime, ctime, size) is unchanged.  ctime also moves when security.ima
 * is set or removed, so a relabelled file is appraised again.
 *
 * Writes through a shared mapping change mtime too (page_mkwrite), so the
 * stamp catches what the kernel's ignore marks miss; FAN_CLOSE_WRITE only
 * has to drop the ignore mark so that the next open is seen.
 *
 * One worker at a time works on an inode (the kernel holds iint->mutex):
 * a second event for the same file waits and then reuses the result, so
 * an exec storm measures a binary once.  The table lock is never held
 * across I/O.  Bounded: the least recently used idle entry is dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "vigild.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* an entry stopped being busy */
	struct vigild_iint **buckets;
	size_t nbuckets;     /* power of two */
	size_t count, max;
	uint64_t hits, misses; /* for vigil status: entries found unchanged, or not */
	struct vigild_iint lru; /* sentinel: lru.lru_next is the most recent */
} c = { .lock = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER };

static size_t bucket_of(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h >> 17) & (c.nbuckets - 1);
}

int cache_init(unsigned max_entries, struct vigil_error *err)
{
	c.nbuckets = 64;
	while (c.nbuckets < max_entries)
		c.nbuckets <<= 1;
	c.buckets = calloc(c.nbuckets, sizeof(*c.buckets));
	if (!c.buckets)
		return vd_fail(err, VIGIL_ERR_NOMEM, "out of memory for the inode cache");
	c.max = max_entries;
	c.lru.lru_next = c.lru.lru_prev = &c.lru;
	return VIGIL_OK;
}

static void lru_unlink(struct vigild_iint *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push_front(struct vigild_iint *e)
{
	e->lru_next = c.lru.lru_next;
	e->lru_prev = &c.lru;
	c.lru.lru_next->lru_prev = e;
	c.lru.lru_next = e;
}

static struct vigild_iint *lookup(dev_t dev, ino_t ino)
{
	for (struct vigild_iint *e = c.buckets[bucket_of(dev, ino)]; e; e = e->hnext)
		if (e->dev == dev && e->ino == ino)
			return e;
	return NULL;
}

static void unhash(struct vigild_iint *e)
{
	struct vigild_iint **pp = &c.buckets[bucket_of(e->dev, e->ino)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(e);
	c.count--;
}

/* Drops the least recently used idle entry; busy ones are skipped. */
static void evict_one(void)
{
	for (struct vigild_iint *e = c.lru.lru_prev; e != &c.lru; e = e->lru_prev)
		if (!e->busy) {
			unhash(e);
			free(e);
			return;
		}
}

static struct vigild_iint *insert(dev_t dev, ino_t ino, const struct vigild_stamp *st)
{
	struct vigild_iint *e;
	size_t b;

	if (c.count >= c.max)
		evict_one();
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->dev = dev;
	e->ino = ino;
	e->stamp = *st;
	b = bucket_of(dev, ino);
	e->hnext = c.buckets[b];
	c.buckets[b] = e;
	lru_push_front(e);
	c.count++;
	return e;
}

static bool same_stamp(const struct vigild_stamp *a, const struct vigild_stamp *b)
{
	return a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->size == b->size;
}

/* New content: nothing measured or appraised yet. */
static void reset(struct vigild_iint *e, const struct vigild_stamp *st)
{
	e->stamp = *st;
	e->measured_pcrs = 0;
	e->audited = false;
	memset(e->appraised, 0, sizeof(e->appraised));
}

struct vigild_iint *cache_acquire(dev_t dev, ino_t ino, const struct vigild_stamp *st)
{
	struct vigild_iint *e;

	pthread_mutex_lock(&c.lock);
	while ((e = lookup(dev, ino)) && e->busy)
		pthread_cond_wait(&c.idle, &c.lock);
	if (e && same_stamp(&e->stamp, st))
		c.hits++;
	else
		c.misses++;
	if (!e)
		e = insert(dev, ino, st);
	else if (!same_stamp(&e->stamp, st))
		reset(e, st);
	if (e) {
		e->busy = true;
		lru_unlink(e);
		lru_push_front(e);
	}
	pthread_mutex_unlock(&c.lock);
	return e;
}

bool cache_must_measure(dev_t dev, ino_t ino)
{
	struct vigild_iint *e;
	bool must;

	pthread_mutex_lock(&c.lock);
	e = lookup(dev, ino);
	must = e && e->must_measure;
	pthread_mutex_unlock(&c.lock);
	return must;
}

void cache_release(struct vigild_iint *e, const struct vigild_stamp *st)
{
	pthread_mutex_lock(&c.lock);
	e->stamp = *st; /* after fix mode's own write */
	if (e->drop_appraisals)
		memset(e->appraised, 0, sizeof(e->appraised));
	e->drop_appraisals = false;
	e->busy = false;
	pthread_cond_broadcast(&c.idle);
	pthread_mutex_unlock(&c.lock);
}

void cache_forget_appraisals(void)
{
	pthread_mutex_lock(&c.lock);
	for (struct vigild_iint *e = c.lru.lru_next; e != &c.lru; e = e->lru_next) {
		memset(e->appraised, 0, sizeof(e->appraised));
		e->drop_appraisals = e->busy; /* decided with the old rules */
	}
	pthread_mutex_unlock(&c.lock);
}

void cache_free(void)
{
	struct vigild_iint *e, *next;

	pthread_mutex_lock(&c.lock);
	for (e = c.lru.lru_next; e && e != &c.lru; e = next) {
		next = e->lru_next;
		free(e);
	}
	free(c.buckets);
	c.buckets = NULL;
	c.count = 0;
	c.lru.lru_next = c.lru.lru_prev = &c.lru;
	pthread_mutex_unlock(&c.lock);
}

void cache_stats(struct vigild_cache_stats *out)
{
	pthread_mutex_lock(&c.lock);
	out->entries = c.count;
	out->capacity = c.max;
	out->hits = c.hits;
	out->misses = c.misses;
	pthread_mutex_unlock(&c.lock);
}
