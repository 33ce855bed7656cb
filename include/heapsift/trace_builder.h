/* trace_builder: how importers (heaptrack, massif, pprof, gperftools,
 * tracemalloc) fill the allocation-trace model (trace.h).
 *
 * Call order:
 *   b = tb_new(path, format)
 *   tb_measures(b, mask, names)          which measures the file gives
 *   tb_maps(b, maps)                     optional: runtime addresses to symbolize
 *   tb_info(b, name, value)              optional: facts for the summary
 *   then, in any order:
 *     tb_frames(...)                     a frame with its inline chain -> handle
 *     tb_node(b, parent, ip, handle)     a stack: find or add a child
 *     tb_time / tb_alloc / tb_free       events over time (measured as
 *                                        heaptrack_print measures them)
 *     tb_add                             measures given as such (profiles)
 *     tb_point, tb_peak                  heap over time given as such
 *   t = tb_finish(b)                     the trace; b is freed
 * or tb_abandon(b) on an error.
 *
 * Ownership: strings passed in are copied; maps passed to tb_maps belong
 * to the trace from then on.  Nodes are numbered from 1 (0 is the root,
 * TB_ROOT) in the order they are added. */
#ifndef HEAPSIFT_TRACE_BUILDER_H
#define HEAPSIFT_TRACE_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

#include "heapsift/trace.h"

#define TB_ROOT 0u
/* tb_node's frame handle for a frame known only by its address: it is
 * symbolized through the maps given to tb_maps (or shown as the address). */
#define TB_ADDRESS UINT32_MAX
/* More nodes than this are refused (tb_node returns TB_FULL). */
#define TB_MAX_NODES (1u << 28)
#define TB_FULL UINT32_MAX

struct trace_builder;

struct trace_builder *tb_new(const char *path, const char *format);

/* mask: bits (1u << TRACE_ALLOCATIONS) ... (1u << TRACE_LEAKED) of the
 * measures the file gives (the others are hidden in views); names[k], if
 * names and names[k] are not NULL, is measure k's column name (pprof's
 * sample types). */
void tb_measures(struct trace_builder *b, unsigned mask, const char *const names[6]);
/* The measure views sort by first (enum trace_measure_kind; -1: theirs). */
void tb_main_measure(struct trace_builder *b, int kind);
/* The trace's events carry time (a timeline, a peak time). */
void tb_has_time(struct trace_builder *b);
/* The unit of the times given (default: microseconds). */
void tb_time_unit(struct trace_builder *b, enum trace_time_unit unit);
void tb_maps(struct trace_builder *b, struct sym_maps *maps);
/* A fact for the summary (name copied; at most TRACE_INFO_MAX, the
 * others are dropped). */
void tb_info(struct trace_builder *b, const char *name, uint64_t value);
/* Allocations stand for this many bytes each when sampled (0: all). */
void tb_sample_bytes(struct trace_builder *b, uint64_t bytes);

/* A frame and the frames it is inlined into: f[0] innermost, n >= 1.
 * module may be NULL.  Returns a handle for tb_node. */
uint32_t tb_frames(struct trace_builder *b, const struct sym_frame *f, uint32_t n,
                   const char *module);
/* The child of parent for the frame (ip, handle): found if it exists,
 * added otherwise.  TB_FULL when the limit is reached. */
uint32_t tb_node(struct trace_builder *b, uint32_t parent, uint64_t ip, uint32_t handle);
uint32_t tb_node_count(const struct trace_builder *b);

/* Events, in file order.  An allocation of size bytes by node; its free
 * (temporary: the importer's rule said no other allocation came between). */
void tb_time(struct trace_builder *b, uint64_t us);
void tb_alloc(struct trace_builder *b, uint32_t node, uint64_t size);
void tb_free(struct trace_builder *b, uint32_t node, uint64_t size, bool temporary);

/* Measures given by the file, added to node's and to the totals. */
void tb_add(struct trace_builder *b, uint32_t node, const struct trace_measure *m);
/* A point of the timeline (heap bytes at a time), in time order.  Points
 * given as such (no events) are each kept, those at the same time merged
 * (the highest), until TRACE_TIMELINE_MAX; then neighbours merge. */
void tb_point(struct trace_builder *b, uint64_t us, uint64_t heap);
/* The peak heap and when, when the file says so. */
void tb_peak(struct trace_builder *b, uint64_t heap, uint64_t us);
/* The file was complete (the program's end was recorded). */
void tb_complete(struct trace_builder *b);

struct trace *tb_finish(struct trace_builder *b);
void tb_abandon(struct trace_builder *b);

#endif
