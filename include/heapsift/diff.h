/* diff: what changed between two dumps of the same kind: per class for
 * heap dumps (counts and shallow sizes; for V8, rows by DevTools' class key
 * and the objects new and deleted, matched by node id within a class as
 * DevTools' Comparison matches them), per call site for allocation traces
 * (frames matched by function, file and line, not by address, as pprof
 * -base matches them).
 *
 * diff_new borrows both models (analysed heaps, loaded traces) for the
 * diff's life; diff_free releases what it made. */
#ifndef HEAPSIFT_DIFF_H
#define HEAPSIFT_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "heapsift/arena.h"

struct heap;
struct trace;

struct diff_row {
	const char *name;	/* class, or function */
	const char *location;	/* call site's file:line; a V8 class's
				 * "script,line,column"; or NULL */
	/* heaps: [0] count, [1] shallow bytes; traces: [0] allocations,
	 * [1] bytes, [2] leaked bytes, [3] peak bytes, [4] leaked allocations */
	uint64_t base[5], target[5];
	/* heaps matched by object id (V8): objects in the target's class
	 * whose id the base's class does not have, and the other way round,
	 * and their bytes */
	uint64_t new_count, new_size, deleted_count, deleted_size;
};

struct diff {
	bool traces;		/* rows are call sites */
	bool leaks;		/* three dumps: rows are (class, retainer path)
				 * clusters, target[0] objects of target[1] bytes */
	bool by_id;		/* new/deleted are known (V8 node ids) */
	/* traces: the measures both give (bit (1u << enum trace_measure_kind)),
	 * their names when both files name them alike (pprof's sample types,
	 * tracemalloc's size and count; NULL: their own names), and the one to
	 * sort by first (-1: the view's) */
	unsigned measures;
	const char *measure_name[6];
	int main_measure;
	const char *base_path, *target_path;
	struct diff_row *rows;
	uint32_t row_count;
	/* V8 pairs: each row's new objects (target node indices), CSR by row */
	struct heap *target;
	uint32_t *new_first, *new_nodes;
	struct arena strings;
};

struct diff *diff_heaps(struct heap *base, struct heap *target);
struct diff *diff_traces(struct trace *base, struct trace *target);
/* memlab's find-leaks: objects in target that base does not have and final
 * still has (matched by V8 node id), grouped by class and by the shape of
 * their shortest retainer path in final.  NULL when the dumps have no
 * stable ids (not V8). */
struct diff *diff_leaks(struct heap *base, struct heap *target, struct heap *final);
void diff_free(struct diff *d);

#endif
