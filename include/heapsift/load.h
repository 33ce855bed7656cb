/* load: the table of input formats (pahole's debug_fmt_ops).  Formats are
 * recognised by content, tried in table order; --format forces one.
 * A loader reads a struct io and fills a model through its builder; it knows
 * nothing else.  The model returned belongs to the caller (model_free). */
#ifndef HEAPSIFT_LOAD_H
#define HEAPSIFT_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapsift/error.h"
#include "heapsift/io.h"
#include "heapsift/progress.h"

struct heap;
struct trace;

enum model_kind { MODEL_NONE, MODEL_HEAP, MODEL_TRACE };

struct model {
	enum model_kind kind;
	struct heap *heap;
	struct trace *trace;
};

struct loader_ops {
	const char *name;		/* --format NAME */
	const char *description;	/* one line, for --help and the man page */
	/* Does data (the first bytes of the decompressed input) look like this
	 * format?  Must not read past size. */
	bool (*probe)(const uint8_t *data, size_t size);
	int (*load)(struct io *io, struct progress *progress, struct model *out,
	            struct hs_error *err);
	/* Reads the data in several passes and parts of it again after
	 * loading: a compressed file is decompressed into a temporary file
	 * (io_open_seekable), not into memory. */
	bool seekable;
};

extern const struct loader_ops *const loaders[];

const struct loader_ops *loader_find(const char *name);
const struct loader_ops *loader_probe(const uint8_t *data, size_t size);

/* Opens path, picks the format (or uses format_name if not NULL) and loads.
 * Returns HS_OK or an error status with err filled. */
int load_file(const char *path, const char *format_name, struct progress *progress,
              struct model *out, struct hs_error *err);
/* The same over memory (tests, fuzzers). */
int load_mem(const char *name, const void *data, size_t size, const char *format_name,
             struct progress *progress, struct model *out, struct hs_error *err);

void model_free(struct model *m);

/* Individual loaders. */
extern const struct loader_ops loader_v8;
extern const struct loader_ops loader_hprof;
extern const struct loader_ops loader_trace;
extern const struct loader_ops loader_heaptrack;
extern const struct loader_ops loader_massif;
extern const struct loader_ops loader_pprof;
extern const struct loader_ops loader_tracemalloc;
extern const struct loader_ops loader_gperf;
/* hprof: the object layout to size objects by (0-4, see hprof.c's
 * layout_ref; plus 5 for 16-byte alignment), or -1 to tell it from the
 * dump.  Set by --java-layout. */
extern int hprof_layout_force;
/* hprof: every node's edge types and names listed as they are, none made
 * from the classes' fields (tests compare the two). */
extern int hprof_edges_listed;
/* hprof: files of this many bytes or more are read by two threads in the
 * first pass, and the objects' arrays faulted in ahead by a second while
 * they are read (tests lower it to 0). */
extern size_t hprof_parallel_min;
/* hprof: where the last load's first pass gave the rest of the file to a
 * second thread, 0 if it did not (tests). */
extern size_t hprof_parallel_split;
/* traces: events after this many microseconds are not read (the trace as
 * it stood then; heapsift diff --from/--to).  UINT64_MAX: all. */
extern uint64_t trace_stop_us;
/* pprof: the sample type the views sort by first, as go tool pprof's
 * -sample_index takes it (a name, or an index); NULL: the profile's
 * default (inuse_space for Go heap profiles).  Set by --sample-index. */
extern const char *pprof_sample_index;
/* traces: where modules are looked for by build ID (DIR/.build-id/xx/rest.debug)
 * and separate debug files; NULL: /usr/lib/debug.  Set by --debug-dir. */
extern const char *trace_debug_dir;

#endif
