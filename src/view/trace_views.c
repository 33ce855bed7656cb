/* The views of an allocation trace: summary (its totals) and callsites
 * (the innermost source location of the stacks, with every measure). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/trace.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

/* --- summary ------------------------------------------------------------------- */

enum {
	T_FILE, T_FORMAT, T_COMPLETE, T_SAMPLE, T_DURATION, T_ALLOCATIONS, T_BYTES, T_TEMPORARY,
	T_FREES, T_PEAK, T_PEAK_TIME, T_LEAKED_BYTES, T_LEAKED, T_STACKS, T_SITES, T_UNMATCHED,
	T_COUNT
};

static const char *const tsummary_names[T_COUNT] = {
	[T_FILE] = "file",
	[T_FORMAT] = "format",
	[T_COMPLETE] = "complete",
	[T_SAMPLE] = "sample_bytes",
	[T_DURATION] = "duration_ms",
	[T_ALLOCATIONS] = "allocations",
	[T_BYTES] = "allocated_bytes",
	[T_TEMPORARY] = "temporary",
	[T_FREES] = "frees",
	[T_PEAK] = "peak_bytes",
	[T_PEAK_TIME] = "peak_ms",
	[T_LEAKED_BYTES] = "leaked_bytes",
	[T_LEAKED] = "leaked",
	[T_STACKS] = "stack_nodes",
	[T_SITES] = "call_sites",
	[T_UNMATCHED] = "unmatched_modules",
};

/* duration_ms and peak_ms in the trace's time unit (enum trace_time_unit) */
static const char *const duration_names[] = { "duration_ms", "duration_i", "duration_B" };
static const char *const peak_time_names[] = { "peak_ms", "peak_i", "peak_B" };

static const char *
tsummary_name(const struct trace *t, unsigned k)
{
	unsigned u = (unsigned)t->time_unit < 3 ? (unsigned)t->time_unit : 0;
	if (k == T_DURATION)
		return duration_names[u];
	if (k == T_PEAK_TIME)
		return peak_time_names[u];
	return tsummary_names[k];
}

static const struct view_col tsummary_cols[] = {
	{ "name", "Name", COL_TEXT, "what is counted" },
	{ "value", "Value", COL_COUNT, "the number (bytes for *_bytes rows)" },
};

/* Does the trace give summary row k?  Imported profiles lack some. */
static bool
tsummary_has(const struct trace *t, unsigned k)
{
	unsigned m = t->measures;
	switch (k) {
	case T_COMPLETE:
	case T_DURATION:
	case T_PEAK_TIME: return t->has_time;
	case T_ALLOCATIONS: return m & 1u << TRACE_ALLOCATIONS;
	case T_BYTES: return m & 1u << TRACE_BYTES;
	case T_TEMPORARY:
	case T_FREES: return m & 1u << TRACE_TEMPORARY;
	case T_PEAK: return (m & 1u << TRACE_PEAK) || t->peak_heap;
	case T_LEAKED_BYTES: return m & 1u << TRACE_LEAKED_BYTES;
	case T_LEAKED: return m & 1u << TRACE_LEAKED;
	/* modules whose file is another build or gone: traces that name
	 * modules by build ID */
	case T_UNMATCHED: return t->unmatched_count || strcmp(t->format, "trace") == 0;
	default: return true;
	}
}

/* rows: T_* keys; the importer's facts (trace_info) after the format as
 * T_COUNT + i */
static void
tsummary_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	if (parent)
		return;
	for (uint64_t k = 0; k < T_COUNT; k++) {
		if (tsummary_has(v->trace, (unsigned)k))
			vrows_push(out, k);
		if (k == T_FORMAT)
			for (uint32_t i = 0; i < v->trace->info_count; i++)
				vrows_push(out, T_COUNT + i);
	}
}

/* the measure a summary row counts, or -1 */
static int
tsummary_measure(uint64_t k)
{
	switch (k) {
	case T_ALLOCATIONS: return TRACE_ALLOCATIONS;
	case T_BYTES: return TRACE_BYTES;
	case T_TEMPORARY: return TRACE_TEMPORARY;
	case T_PEAK: return TRACE_PEAK;
	case T_LEAKED_BYTES: return TRACE_LEAKED_BYTES;
	case T_LEAKED: return TRACE_LEAKED;
	default: return -1;
	}
}

/* The measure columns (2 + enum trace_measure_kind in callsites, calltree
 * and callers) the trace gives, named as the file names them. */
static void
trace_columns(struct view *v)
{
	const struct trace *t = v->trace;
	uint64_t keep = ~(uint64_t)0 & ~((uint64_t)TRACE_ALL_MEASURES << 2);
	keep |= (uint64_t)t->measures << 2;
	if (t->measures == TRACE_ALL_MEASURES && t->main_measure < 0)
		return;
	view_cols_keep(v, keep);
	for (size_t i = 0; i < v->ncols; i++) {
		unsigned oc = v->colmap[i];
		if (oc < 2 || oc >= 8)
			continue;
		if (t->measure_name[oc - 2])
			v->colbuf[i].name = v->colbuf[i].title = t->measure_name[oc - 2];
		if (t->main_measure >= 0 && oc - 2 == (unsigned)t->main_measure)
			v->default_sort = i;
	}
}

static void
tsummary_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct trace *t = v->trace;
	if (row->key >= T_COUNT) {
		const struct trace_info *in = &t->info[row->key - T_COUNT];
		if (col == 0)
			cell_text(v, out, in->name);
		else
			cell_u(out, strstr(in->name, "bytes") ? COL_BYTES : COL_COUNT, in->value);
		return;
	}
	if (col == 0) {
		/* a measure the file names (pprof's sample types, tracemalloc's
		 * size and count) is called so */
		int m = tsummary_measure(row->key);
		cell_text(v, out, m >= 0 && t->measure_name[m] ? t->measure_name[m]
		                                                : tsummary_name(t, (unsigned)row->key));
		return;
	}
	switch (row->key) {
	case T_FILE: cell_text(v, out, t->path); break;
	case T_FORMAT: cell_text(v, out, t->format ? t->format : "trace"); break;
	case T_COMPLETE: cell_text(v, out, t->complete ? "yes" : "no (cut short)"); break;
	case T_SAMPLE: cell_u(out, COL_BYTES, t->sample_bytes); break;
	case T_DURATION: cell_u(out, COL_COUNT, trace_time_shown(t, t->duration_us)); break;
	case T_ALLOCATIONS: cell_u(out, COL_COUNT, t->total.allocations); break;
	case T_BYTES: cell_u(out, COL_BYTES, t->total.bytes); break;
	case T_TEMPORARY: cell_u(out, COL_COUNT, t->total.temporary); break;
	case T_FREES: cell_u(out, COL_COUNT, t->frees); break;
	case T_PEAK: cell_u(out, COL_BYTES, t->peak_heap); break;
	case T_PEAK_TIME: cell_u(out, COL_COUNT, trace_time_shown(t, t->peak_time_us)); break;
	case T_LEAKED_BYTES: cell_u(out, COL_BYTES, t->total.leaked_bytes); break;
	case T_LEAKED: cell_u(out, COL_COUNT, t->total.leaked); break;
	case T_STACKS: cell_u(out, COL_COUNT, t->node_count - 1); break;
	case T_SITES: cell_u(out, COL_COUNT, t->site_count); break;
	case T_UNMATCHED: cell_u(out, COL_COUNT, t->unmatched_count); break;
	}
}

const struct view_ops view_trace_summary = {
	.name = "summary",
	.title = "Summary",
	.help = "totals: allocations, bytes, temporary, peak and when, leaked",
	.cols = tsummary_cols,
	.ncols = sizeof tsummary_cols / sizeof tsummary_cols[0],
	.default_sort = 0,
	.record = true,
	.children = tsummary_children,
	.cell = tsummary_cell,
};

/* --- callsites ----------------------------------------------------------------- */

enum {
	CS_FUNCTION, CS_LOCATION, CS_ALLOCATIONS, CS_BYTES, CS_TEMPORARY, CS_PEAK, CS_LEAKED_BYTES,
	CS_LEAKED, CS_MODULE
};

static const struct view_col callsites_cols[] = {
	[CS_FUNCTION] = { "function", "Function", COL_TEXT,
	                  "the function that called the allocator (the innermost, inline frames included)" },
	[CS_LOCATION] = { "location", "Location", COL_TEXT, "its file:line" },
	[CS_ALLOCATIONS] = { "allocations", "Allocs", COL_COUNT, "calls to allocation functions" },
	[CS_BYTES] = { "bytes", "Bytes", COL_BYTES, "bytes asked for" },
	[CS_TEMPORARY] = { "temporary", "Temporary", COL_COUNT,
	                   "allocations freed before any other allocation" },
	[CS_PEAK] = { "peak_bytes", "Peak", COL_BYTES, "bytes live at the moment of the peak" },
	[CS_LEAKED_BYTES] = { "leaked_bytes", "Leaked", COL_BYTES, "bytes live at the end" },
	[CS_LEAKED] = { "leaked", "Leaks", COL_COUNT, "allocations live at the end" },
	[CS_MODULE] = { "module", "Module", COL_TEXT, "the executable or library" },
};

static void
callsites_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	if (parent)
		return;
	for (uint64_t k = 0; k < v->trace->site_count; k++)
		if (!trace_measure_zero(&v->trace->sites[k].m))
			vrows_push(out, k);
}

static void
callsites_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct trace_site *s = &v->trace->sites[row->key];
	switch (col) {
	case CS_FUNCTION: cell_text(v, out, s->function); break;
	case CS_LOCATION:
		snprintf(v->text, sizeof v->text, "%s:%u", s->file, s->line);
		cell_text(v, out, v->text);
		break;
	case CS_ALLOCATIONS: cell_u(out, COL_COUNT, s->m.allocations); break;
	case CS_BYTES: cell_u(out, COL_BYTES, s->m.bytes); break;
	case CS_TEMPORARY: cell_u(out, COL_COUNT, s->m.temporary); break;
	case CS_PEAK: cell_u(out, COL_BYTES, s->m.peak_bytes); break;
	case CS_LEAKED_BYTES: cell_u(out, COL_BYTES, s->m.leaked_bytes); break;
	case CS_LEAKED: cell_u(out, COL_COUNT, s->m.leaked); break;
	case CS_MODULE: cell_text(v, out, s->module); break;
	}
}

const struct view_ops view_callsites = {
	.name = "callsites",
	.title = "Call sites",
	.help = "where allocations are made: calls, bytes, temporary, peak and leaked, per source line",
	.cols = callsites_cols,
	.ncols = sizeof callsites_cols / sizeof callsites_cols[0],
	.default_sort = CS_PEAK,
	.default_desc = true,
	.columns = trace_columns,
	.children = callsites_children,
	.cell = callsites_cell,
};

/* --- timeline and sizes ------------------------------------------------------------- */

static const struct view_col timeline_cols[] = {
	{ "time_ms", "Time ms", COL_COUNT, "milliseconds since the program started" },
	{ "heap_bytes", "Heap", COL_BYTES, "bytes live (the highest in the interval)" },
};

/* The time column in the trace's unit. */
static void
timeline_columns(struct view *v)
{
	static const struct view_col other[] = {
		[TRACE_TIME_INSTRUCTIONS] = { "time_i", "Time i", COL_COUNT,
		                              "instructions executed (massif's time unit i)" },
		[TRACE_TIME_BYTES] = { "time_B", "Time B", COL_COUNT,
		                       "bytes allocated and freed so far (massif's time unit B)" },
	};
	unsigned u = (unsigned)v->trace->time_unit;
	if (u == TRACE_TIME_US || u >= sizeof other / sizeof other[0])
		return;
	view_cols_keep(v, 3);
	v->colbuf[0] = other[u];
}

static void
timeline_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	if (parent)
		return;
	for (uint64_t k = 0; k < v->trace->timeline_count; k++)
		vrows_push(out, k);
}

static void
timeline_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct trace_point *p = &v->trace->timeline[row->key];
	if (col == 0)
		cell_u(out, COL_COUNT, trace_time_shown(v->trace, p->time_us));
	else
		cell_u(out, COL_BYTES, p->heap);
}

const struct view_ops view_timeline = {
	.name = "timeline",
	.title = "Timeline",
	.help = "heap size over time (at most 2048 points, each the highest of its interval)",
	.cols = timeline_cols,
	.ncols = sizeof timeline_cols / sizeof timeline_cols[0],
	.default_sort = 0,
	.columns = timeline_columns,
	.children = timeline_children,
	.cell = timeline_cell,
};

static const struct view_col sizes_cols[] = {
	{ "range", "Request size", COL_TEXT, "the bucket, as min-max bytes" },
	{ "min_size", "From", COL_BYTES, "the smallest request size of the bucket" },
	{ "max_size", "To", COL_BYTES, "the largest" },
	{ "allocations", "Allocs", COL_COUNT, "allocations of a size in the bucket" },
	{ "bytes", "Bytes", COL_BYTES, "bytes they asked for" },
};

static void
sizes_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	if (parent)
		return;
	for (uint64_t k = 0; k < 65; k++)
		if (v->trace->size_count[k])
			vrows_push(out, k);
}

static void
sizes_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	uint64_t k = row->key;
	uint64_t lo = k == 0 ? 0 : (uint64_t)1 << (k - 1);
	uint64_t hi = k == 0 ? 0 : k == 64 ? UINT64_MAX : ((uint64_t)1 << k) - 1;
	switch (col) {
	case 0:
		snprintf(v->text, sizeof v->text, "%" PRIu64 "-%" PRIu64, lo, hi);
		cell_text(v, out, v->text);
		break;
	case 1: cell_u(out, COL_BYTES, lo); break;
	case 2: cell_u(out, COL_BYTES, hi); break;
	case 3: cell_u(out, COL_COUNT, v->trace->size_count[k]); break;
	case 4: cell_u(out, COL_BYTES, v->trace->size_bytes[k]); break;
	}
}

const struct view_ops view_sizes = {
	.name = "sizes",
	.title = "Sizes",
	.help = "request sizes: allocations and bytes per power-of-two bucket",
	.cols = sizes_cols,
	.ncols = sizeof sizes_cols / sizeof sizes_cols[0],
	.default_sort = 1,
	.children = sizes_children,
	.cell = sizes_cell,
};

/* --- calltree (top-down) and callers (bottom-up) ------------------------------------ */

/* A tree of functions: the trie's frames, inline frames expanded, merged
 * by function name under each parent; measures inclusive. */
struct fnode {
	const char *function, *file;
	uint32_t line;		/* of the first frame merged in */
	uint32_t first, next;	/* children list */
	struct trace_measure m;
};

struct ftree {
	struct fnode *n;
	size_t count, cap;
};

static uint32_t
ftree_child(struct ftree *f, uint32_t parent, const struct sym_frame *fr)
{
	uint32_t c;
	for (c = f->n[parent].first; c; c = f->n[c].next)
		if (strcmp(f->n[c].function, fr->function) == 0)
			return c;
	XGROW(f->n, f->cap, f->count + 1);
	c = (uint32_t)f->count++;
	memset(&f->n[c], 0, sizeof f->n[c]);
	f->n[c].function = fr->function;
	f->n[c].file = fr->file;
	f->n[c].line = fr->line;
	f->n[c].next = f->n[parent].first;
	f->n[parent].first = c;
	return c;
}

/* top-down: node 0 the root; each trie node's frames, outermost first,
 * under its parent's last function */
static void
ftree_topdown(struct ftree *f, const struct trace *t)
{
	uint32_t *at = xmallocarray(t->node_count, sizeof *at);
	f->cap = 16;
	f->n = xcalloc(f->cap, sizeof *f->n);
	f->count = 1;
	at[0] = 0;
	for (uint32_t i = 1; i < t->node_count; i++) {
		uint32_t cur = at[t->parent[i] < i ? t->parent[i] : 0], nf;
		const struct sym_frame *fr = trace_frames((struct trace *)t, i, &nf, NULL);
		for (uint32_t k = nf; k-- > 0;)
			cur = ftree_child(f, cur, &fr[k]);
		at[i] = cur;
	}
	{
		/* inclusive measures: each trie node's own, added along its
		 * function-tree path up to the root */
		uint32_t *up = xmallocarray(f->count, sizeof *up);
		up[0] = UINT32_MAX;
		for (uint32_t p = 0; p < f->count; p++)
			for (uint32_t c = f->n[p].first; c; c = f->n[c].next)
				up[c] = p;
		for (uint32_t i = 1; i < t->node_count; i++) {
			if (trace_measure_zero(&t->node_m[i]))
				continue;
			for (uint32_t c = at[i]; c != UINT32_MAX && c != 0; c = up[c])
				trace_measure_add(&f->n[c].m, &t->node_m[i]);
			trace_measure_add(&f->n[0].m, &t->node_m[i]);
		}
		free(up);
	}
	free(at);
}

/* bottom-up: the innermost frames at the top, their callers below */
static void
ftree_bottomup(struct ftree *f, const struct trace *t)
{
	f->cap = 16;
	f->n = xcalloc(f->cap, sizeof *f->n);
	f->count = 1;
	for (uint32_t i = 1; i < t->node_count; i++) {
		uint32_t cur = 0;
		if (trace_measure_zero(&t->node_m[i]))
			continue;
		trace_measure_add(&f->n[0].m, &t->node_m[i]);
		for (uint32_t n = i; n != 0; n = t->parent[n] < n ? t->parent[n] : 0) {
			uint32_t nf;
			const struct sym_frame *fr = trace_frames((struct trace *)t, n, &nf, NULL);
			for (uint32_t k = 0; k < nf; k++) {
				cur = ftree_child(f, cur, &fr[k]);
				trace_measure_add(&f->n[cur].m, &t->node_m[i]);
			}
		}
	}
}

enum { FT_FUNCTION, FT_LOCATION, FT_ALLOCATIONS, FT_BYTES, FT_TEMPORARY, FT_PEAK, FT_LEAKED_BYTES,
       FT_LEAKED };

static const struct view_col ftree_cols[] = {
	[FT_FUNCTION] = { "function", "Function", COL_TEXT, "the function (inline frames are their own rows)" },
	[FT_LOCATION] = { "location", "Location", COL_TEXT, "file:line of its first frame seen" },
	[FT_ALLOCATIONS] = { "allocations", "Allocs", COL_COUNT, "calls to allocation functions below it (inclusive)" },
	[FT_BYTES] = { "bytes", "Bytes", COL_BYTES, "bytes asked for (inclusive)" },
	[FT_TEMPORARY] = { "temporary", "Temporary", COL_COUNT, "temporary allocations (inclusive)" },
	[FT_PEAK] = { "peak_bytes", "Peak", COL_BYTES, "bytes live at the peak (inclusive)" },
	[FT_LEAKED_BYTES] = { "leaked_bytes", "Leaked", COL_BYTES, "bytes live at the end (inclusive)" },
	[FT_LEAKED] = { "leaked", "Leaks", COL_COUNT, "allocations live at the end (inclusive)" },
};

static void
calltree_init(struct view *v)
{
	struct ftree *f = xcalloc(1, sizeof *f);
	ftree_topdown(f, v->trace);
	v->priv = f;
}

static void
callers_init(struct view *v)
{
	struct ftree *f = xcalloc(1, sizeof *f);
	ftree_bottomup(f, v->trace);
	v->priv = f;
}

static void
ftree_fini(struct view *v)
{
	struct ftree *f = v->priv;
	if (f)
		free(f->n);
	free(f);
}

static void
ftree_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	const struct ftree *f = v->priv;
	for (uint32_t c = f->n[parent ? (uint32_t)parent->key : 0].first; c; c = f->n[c].next)
		if (!trace_measure_zero(&f->n[c].m))
			vrows_push(out, c);
}

static bool
ftree_has_children(struct view *v, const struct vrow *row)
{
	const struct ftree *f = v->priv;
	return f->n[row->key].first != 0;
}

static void
ftree_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct ftree *f = v->priv;
	const struct fnode *n = &f->n[row->key];
	switch (col) {
	case FT_FUNCTION: cell_text(v, out, n->function); break;
	case FT_LOCATION:
		snprintf(v->text, sizeof v->text, "%s:%u", n->file, n->line);
		cell_text(v, out, v->text);
		break;
	case FT_ALLOCATIONS: cell_u(out, COL_COUNT, n->m.allocations); break;
	case FT_BYTES: cell_u(out, COL_BYTES, n->m.bytes); break;
	case FT_TEMPORARY: cell_u(out, COL_COUNT, n->m.temporary); break;
	case FT_PEAK: cell_u(out, COL_BYTES, n->m.peak_bytes); break;
	case FT_LEAKED_BYTES: cell_u(out, COL_BYTES, n->m.leaked_bytes); break;
	case FT_LEAKED: cell_u(out, COL_COUNT, n->m.leaked); break;
	}
}

const struct view_ops view_calltree = {
	.name = "calltree",
	.title = "Call tree",
	.help = "top-down: from main (and the threads' start) to the allocating calls, inclusive measures",
	.cols = ftree_cols,
	.ncols = sizeof ftree_cols / sizeof ftree_cols[0],
	.default_sort = FT_PEAK,
	.default_desc = true,
	.tree = true,
	.init = calltree_init,
	.columns = trace_columns,
	.fini = ftree_fini,
	.children = ftree_children,
	.has_children = ftree_has_children,
	.cell = ftree_cell,
};

const struct view_ops view_callers = {
	.name = "callers",
	.title = "Callers",
	.help = "bottom-up: the allocating functions, then who called them, inclusive measures",
	.cols = ftree_cols,
	.ncols = sizeof ftree_cols / sizeof ftree_cols[0],
	.default_sort = FT_PEAK,
	.default_desc = true,
	.tree = true,
	.init = callers_init,
	.columns = trace_columns,
	.fini = ftree_fini,
	.children = ftree_children,
	.has_children = ftree_has_children,
	.cell = ftree_cell,
};

const struct view_ops *const trace_views[] = {
	&view_trace_summary,
	&view_callsites,
	&view_calltree,
	&view_callers,
	&view_timeline,
	&view_sizes,
	NULL,
};
