#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "heapsift/prefault.h"
#include "heapsift/xalloc.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14; glibc 2.36's headers lack it */
#endif

/* Faulted in a step at a time, on the 2 MiB boundaries of transparent huge
 * pages (xalloc asks for them), this far ahead of the caller. */
#define STEP ((size_t)2 << 20)
#define AHEAD PREFAULT_AHEAD
#define PAGE ((uintptr_t)4096)

struct pregion {
	uintptr_t begin, end;	/* whole pages inside the array */
	uintptr_t done;		/* faulted in below this */
	unsigned counter;
	uint64_t total;
	size_t size;
};

struct prefault {
	pthread_t thread;
	_Atomic uint64_t count[PREFAULT_COUNTERS];
	atomic_bool stop;
	struct pregion *r;
	size_t n;
};

/* Where region r should be faulted in up to, for the counters now. */
static uintptr_t
want(struct prefault *pf, const struct pregion *r)
{
	uint64_t c = atomic_load_explicit(&pf->count[r->counter], memory_order_relaxed);
	double part = r->total ? (double)c / (double)r->total : 1.0;
	uintptr_t w;
	if (part > 1.0)
		part = 1.0;
	/* a sixteenth of the array at most: what is faulted in past the
	 * caller's last write when it stops short of its estimate stays
	 * resident until the array is freed */
	w = r->begin + (uintptr_t)(part * (double)r->size) +
	    (r->size / 16 < AHEAD ? r->size / 16 : AHEAD);
	return w > r->end || w < r->begin ? r->end : w;
}

static void *
prefault_run(void *arg)
{
	struct prefault *pf = arg;

	while (!atomic_load_explicit(&pf->stop, memory_order_relaxed)) {
		bool left = false, worked = false;
		for (size_t i = 0; i < pf->n; i++) {
			struct pregion *r = &pf->r[i];
			uintptr_t to;
			if (r->done >= r->end)
				continue;
			left = true;
			if (want(pf, r) <= r->done)
				continue;
			to = (r->done + STEP) & ~(uintptr_t)(STEP - 1);
			if (to > r->end)
				to = r->end;
			if (madvise((void *)r->done, to - r->done, MADV_POPULATE_WRITE) != 0 &&
			    errno != EINTR && errno != EAGAIN) {
				/* not supported, or no memory: the writer faults */
				r->done = r->end;
				continue;
			}
			r->done = to;
			worked = true;
		}
		if (!left)
			break;
		if (!worked) {
			struct timespec ts = { 0, 200000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

struct prefault *
prefault_start(const struct prefault_region *regions, size_t n)
{
	struct prefault *pf = xcalloc(1, sizeof *pf);
	pf->r = xcalloc(n ? n : 1, sizeof *pf->r);
	for (size_t i = 0; i < n; i++) {
		const struct prefault_region *g = &regions[i];
		struct pregion *r = &pf->r[pf->n];
		uintptr_t b = ((uintptr_t)g->p + PAGE - 1) & ~(PAGE - 1);
		uintptr_t e = ((uintptr_t)g->p + g->size) & ~(PAGE - 1);
		if (g->p == NULL || e <= b || g->counter >= PREFAULT_COUNTERS)
			continue;
		r->begin = r->done = b;
		r->end = e;
		r->size = e - b;
		r->counter = g->counter;
		r->total = g->total;
		pf->n++;
	}
	for (unsigned c = 0; c < PREFAULT_COUNTERS; c++)
		atomic_init(&pf->count[c], 0);
	atomic_init(&pf->stop, false);
	if (pf->n == 0 || pthread_create(&pf->thread, NULL, prefault_run, pf) != 0) {
		free(pf->r);
		free(pf);
		return NULL;
	}
	return pf;
}

void
prefault_progress(struct prefault *pf, unsigned counter, uint64_t done)
{
	if (pf && counter < PREFAULT_COUNTERS)
		atomic_store_explicit(&pf->count[counter], done, memory_order_relaxed);
}

void
prefault_stop(struct prefault *pf)
{
	if (pf == NULL)
		return;
	atomic_store_explicit(&pf->stop, true, memory_order_relaxed);
	pthread_join(pf->thread, NULL);
	free(pf->r);
	free(pf);
}
