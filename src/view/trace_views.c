/* The views of an allocation trace: summary (its totals) and callsites
 * (the innermost source location of the stacks, with every measure). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "heapsift/trace.h"
#include "heapsift/view.h"

/* --- summary ------------------------------------------------------------------- */

enum {
	T_FILE, T_FORMAT, T_COMPLETE, T_SAMPLE, T_DURATION, T_ALLOCATIONS, T_BYTES, T_TEMPORARY,
	T_FREES, T_PEAK, T_PEAK_TIME, T_LEAKED_BYTES, T_LEAKED, T_STACKS, T_SITES, T_COUNT
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
};

static const struct view_col tsummary_cols[] = {
	{ "name", "Name", COL_TEXT, "what is counted" },
	{ "value", "Value", COL_COUNT, "the number (bytes for *_bytes rows)" },
};

static void
tsummary_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	(void)v;
	if (parent)
		return;
	for (uint64_t k = 0; k < T_COUNT; k++)
		vrows_push(out, k);
}

static void
tsummary_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct trace *t = v->trace;
	if (col == 0) {
		cell_text(v, out, tsummary_names[row->key]);
		return;
	}
	switch (row->key) {
	case T_FILE: cell_text(v, out, t->path); break;
	case T_FORMAT: cell_text(v, out, "trace"); break;
	case T_COMPLETE: cell_text(v, out, t->complete ? "yes" : "no (cut short)"); break;
	case T_SAMPLE: cell_u(out, COL_BYTES, t->sample_bytes); break;
	case T_DURATION: cell_u(out, COL_COUNT, t->duration_us / 1000); break;
	case T_ALLOCATIONS: cell_u(out, COL_COUNT, t->total.allocations); break;
	case T_BYTES: cell_u(out, COL_BYTES, t->total.bytes); break;
	case T_TEMPORARY: cell_u(out, COL_COUNT, t->total.temporary); break;
	case T_FREES: cell_u(out, COL_COUNT, t->frees); break;
	case T_PEAK: cell_u(out, COL_BYTES, t->peak_heap); break;
	case T_PEAK_TIME: cell_u(out, COL_COUNT, t->peak_time_us / 1000); break;
	case T_LEAKED_BYTES: cell_u(out, COL_BYTES, t->total.leaked_bytes); break;
	case T_LEAKED: cell_u(out, COL_COUNT, t->total.leaked); break;
	case T_STACKS: cell_u(out, COL_COUNT, t->node_count - 1); break;
	case T_SITES: cell_u(out, COL_COUNT, t->site_count); break;
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
		if (v->trace->sites[k].m.allocations)
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
	.children = callsites_children,
	.cell = callsites_cell,
};

const struct view_ops *const trace_views[] = {
	&view_trace_summary,
	&view_callsites,
	NULL,
};
