/* prefault: another thread faults in the pages of big arrays just ahead of
 * where the caller writes them.
 *
 * Here the first write to a fresh page costs more than the code that writes
 * it: the kernel clears the page, and on a virtual machine the host backs it
 * first (300 MB: 0.7 s on one thread, 0.36 s on two).  A loader that fills
 * arrays front to back while it parses hands that work to the idle core.
 * The thread only asks the kernel for the pages (MADV_POPULATE_WRITE): it
 * never writes, so the caller's writes race with nothing.  Where the kernel
 * lacks it (before Linux 5.14) or no thread can be made, nothing happens and
 * the caller faults its pages itself, as before. */
#ifndef HEAPSIFT_PREFAULT_H
#define HEAPSIFT_PREFAULT_H

#include <stddef.h>
#include <stdint.h>

#define PREFAULT_COUNTERS 4
/* How far ahead of the caller's counter a region is faulted in (or a
 * sixteenth of the region, if less); the thread steps on 2 MiB
 * boundaries, so at most 2 MiB more. */
#define PREFAULT_AHEAD ((size_t)4 << 20)

/* An array filled in proportion to one of the caller's counters: when the
 * counter is at c of total, the bytes up to size * c / total (and a few MiB
 * more) are faulted in. */
struct prefault_region {
	void *p;
	size_t size;
	unsigned counter;	/* < PREFAULT_COUNTERS */
	uint64_t total;
};

struct prefault;

/* Starts the thread on n regions (copied); NULL when it could not start. */
struct prefault *prefault_start(const struct prefault_region *regions, size_t n);

/* The caller's counter has reached done (cheap: call it every few
 * thousand writes).  pf may be NULL. */
void prefault_progress(struct prefault *pf, unsigned counter, uint64_t done);

/* Stops the thread, waits for it and frees pf (may be NULL). */
void prefault_stop(struct prefault *pf);

#endif
