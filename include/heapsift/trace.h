/* trace: the allocation-trace model (heapsift record's traces).
 *
 * Stacks are a trie: node i (1..node_count-1) is the return address ip[i]
 * called from node parent[i]'s frame; node 0 is the root (no frame).  An
 * allocation belongs to the node of its innermost frame.  Per node, the
 * measures of the allocations made exactly there; call sites (the
 * innermost source location of a stack, inline frames expanded) aggregate
 * them.  Frames are symbolized at load (src/sym).
 *
 * The loader fills everything; trace_free() releases it. */
#ifndef HEAPSIFT_TRACE_H
#define HEAPSIFT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "heapsift/arena.h"
#include "heapsift/sym.h"

/* The measures of a set of allocations. */
struct trace_measure {
	uint64_t allocations;	/* calls to allocation functions (realloc too) */
	uint64_t bytes;		/* bytes they asked for */
	uint64_t temporary;	/* freed before any other allocation */
	uint64_t peak_bytes;	/* live at the moment of the global peak */
	uint64_t leaked_bytes;	/* live at the end */
	uint64_t leaked;	/* allocations live at the end */
};

static inline void
trace_measure_add(struct trace_measure *d, const struct trace_measure *m)
{
	d->allocations += m->allocations;
	d->bytes += m->bytes;
	d->temporary += m->temporary;
	d->peak_bytes += m->peak_bytes;
	d->leaked_bytes += m->leaked_bytes;
	d->leaked += m->leaked;
}

static inline bool
trace_measure_zero(const struct trace_measure *m)
{
	return (m->allocations | m->bytes | m->temporary | m->peak_bytes | m->leaked_bytes |
	        m->leaked) == 0;
}

/* One source location: the innermost frame of a stack, or any frame. */
struct trace_site {
	const char *function, *file, *module;
	uint32_t line;
	struct trace_measure m;
};

/* What the trace's times count.  time_us, peak_time_us, duration_us and
 * the timeline's times are microseconds (shown as milliseconds) only for
 * TRACE_TIME_US; in the other units they are the file's numbers, shown as
 * given. */
enum trace_time_unit {
	TRACE_TIME_US,
	TRACE_TIME_INSTRUCTIONS,	/* instructions executed (massif's "i") */
	TRACE_TIME_BYTES,		/* bytes allocated and freed so far (massif's "B") */
};


/* A fact an importer gives that no measure holds (tracemalloc's traceback
 * limit, ...): a summary row after the format. */
struct trace_info {
	const char *name;
	uint64_t value;
};
#define TRACE_INFO_MAX 8

/* A module whose frames are not symbolized: the file at its recorded path
 * is another build (or is gone), and none with its build ID was found. */
struct trace_module {
	const char *path;
	const char *build_id;	/* hexadecimal, "" when none was recorded */
	bool changed;		/* the file is there with another build ID (else it is gone) */
};

struct trace_point {
	uint64_t time_us;
	uint64_t heap;		/* bytes live */
};

struct trace {
	char *path;
	const char *format;	/* the loader's name: "trace", "heaptrack", ... */
	/* the measures the file gives: bit (1u << enum trace_measure_kind);
	 * the others are zero and views leave them out */
	unsigned measures;
	/* a measure's column name when the file names it (pprof's sample
	 * types), else NULL */
	const char *measure_name[6];
	bool has_time;		/* events over time: a timeline, a peak time */
	enum trace_time_unit time_unit;
	/* the measure views sort by first (enum trace_measure_kind), or -1 */
	int main_measure;
	uint32_t version;	/* of the file format */
	uint64_t sample_bytes;	/* 0: every allocation was recorded */
	bool complete;		/* the END event: the program exited normally */
	struct trace_info info[TRACE_INFO_MAX];
	uint32_t info_count;

	uint32_t node_count;
	uint32_t *parent;
	uint64_t *ip;
	uint32_t *node_list;		/* the module list in force when it was sent
					 * (NULL: the latest list for every node) */
	struct trace_measure *node_m;	/* made exactly at the node */
	uint32_t *node_site;		/* its call site (UINT32_MAX: none) */
	/* frames of node i, symbolized when first asked for (trace_frames):
	 * frames[frame_first[i] .. + frame_count[i]), innermost first */
	uint32_t *frame_first, *frame_count;
	struct sym_frame *frames;
	const char **frame_module;
	size_t frames_used, frames_cap;

	struct trace_site *sites;
	uint32_t site_count;

	struct trace_measure total;
	uint64_t frees;
	uint64_t peak_heap, peak_time_us, duration_us;
	struct trace_point *timeline;	/* heap size over time, at most ~2000 points */
	uint32_t timeline_count;
	/* request sizes: histogram over powers of two (bucket k: sizes in
	 * [2^(k-1), 2^k), bucket 0: size 0) */
	uint64_t size_count[65], size_bytes[65];

	/* modules of the stacks whose frames are addresses */
	struct trace_module *unmatched;
	uint32_t unmatched_count;

	struct arena strings;
	struct sym_maps *maps;	/* owns the frames' strings */
};

void trace_free(struct trace *t);

/* For loaders and the builder: call sites from the node measures (after
 * every node is added); a timeline point (step and end: the caller's
 * state, step starting at 1000). */
void trace_make_sites(struct trace *t);
void trace_timeline_add(struct trace *t, uint64_t *step, uint64_t *end, uint64_t time_us,
                        uint64_t heap);
#define TRACE_TIMELINE_MAX 2048

/* A time of t as views show it (milliseconds, or the file's own unit), and
 * the name of that unit ("ms", "i", "B"). */
static inline uint64_t
trace_time_shown(const struct trace *t, uint64_t time)
{
	return t->time_unit == TRACE_TIME_US ? time / 1000 : time;
}
const char *trace_time_unit_name(const struct trace *t);
#define TRACE_ALL_MEASURES 0x3fu

/* The module list node i is symbolized with (sym_maps_lookup_in). */
static inline uint32_t
trace_node_list(const struct trace *t, uint32_t i)
{
	return t->node_list ? t->node_list[i] : UINT32_MAX;
}

/* Node i's frames (its return address symbolized, inline frames expanded,
 * innermost first), symbolized on first use; *module gets the file.  A
 * frame of a module that cannot be symbolized is its address: the
 * module's name and the file's address ("prog+0x1139"), else the runtime
 * address ("0x55d0c2a4f139").
 * Valid until the next call (the array may move). */
const struct sym_frame *trace_frames(struct trace *t, uint32_t node, uint32_t *count,
                                     const char **module);

/* Flame-graph stacks (src/export/folded.c). */
enum trace_measure_kind {
	TRACE_ALLOCATIONS, TRACE_BYTES, TRACE_TEMPORARY, TRACE_PEAK, TRACE_LEAKED_BYTES, TRACE_LEAKED,
};
/* "allocations", "bytes", "temporary", "peak_bytes", "leaked_bytes", "leaked"
 * (and pprof's alloc_objects, alloc_space, inuse_space, inuse_objects) */
bool trace_measure_parse(const char *s, enum trace_measure_kind *k);
/* The measure to weigh stacks by: s, a measure's name above or the name
 * the trace's file gives it, or (s NULL) allocations when the trace has
 * them, else its main measure.  False when the trace lacks it. */
bool trace_measure_pick(const struct trace *t, const char *s, enum trace_measure_kind *k);
/* The trace's measures by their names, ", "-separated, into buf. */
const char *trace_measure_list(const struct trace *t, char *buf, size_t size);
/* One line per stack with a non-zero weight: its functions root first,
 * ';'-separated, a space, the weight.  0, or -1 on a write error. */
int trace_write_folded(struct trace *t, enum trace_measure_kind k, FILE *out);
/* The same for two traces: stacks matched by their functions, each with
 * target's weight minus base's (signed), those that differ only. */
int trace_write_folded_diff(struct trace *base, struct trace *target, enum trace_measure_kind k,
                            FILE *out);

#endif
