/* progress: long phases (reading, graph, dominators...) report through a
 * callback that the front end provides: batch mode prints to stderr when it
 * is a terminal, the TUI draws a bar.  The callback may ask to cancel.
 * A NULL struct progress pointer is allowed everywhere and means "silent". */
#ifndef HEAPSIFT_PROGRESS_H
#define HEAPSIFT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	/* Called with the phase name and done/total (total 0: unknown).
	 * Returns true to cancel the operation. */
	bool (*fn)(void *ctx, const char *phase, uint64_t done, uint64_t total);
	void *ctx;
	/* private: rate limiting */
	const char *last_phase;
	uint64_t next_at;
	bool cancelled;
};

/* Reports; cheap when called often (calls fn at most ~every 1/256 of total
 * and on every phase change).  Returns true when the user cancelled. */
bool progress_update(struct progress *p, const char *phase, uint64_t done, uint64_t total);
/* Starts a phase (always reported). */
bool progress_phase(struct progress *p, const char *phase, uint64_t total);

static inline bool
progress_cancelled(const struct progress *p)
{
	return p && p->cancelled;
}

/* The batch front end's callback: "phase NN%" on stderr, a CR-updated line. */
bool progress_stderr(void *ctx, const char *phase, uint64_t done, uint64_t total);

/* HEAPSIFT_TIMES: prints each phase's wall time on stderr when the next
 * phase starts (and the total when called with phase NULL). */
bool progress_times(void *ctx, const char *phase, uint64_t done, uint64_t total);

#endif
