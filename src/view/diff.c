/* The diff views: per class (heap dumps) and per call site (traces), each
 * measure in base and target and their signed difference. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "heapsift/diff.h"
#include "heapsift/heap.h"
#include "heapsift/trace.h"
#include "heapsift/view.h"

#define K_OBJECT ((uint64_t)1 << 62)	/* a new object's row: K_OBJECT | node */

static void
diff_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	if (parent)
		return;
	for (uint64_t k = 0; k < v->diff->row_count; k++)
		vrows_push(out, k);
}

static int64_t
delta(uint64_t a, uint64_t b)
{
	return b >= a ? (int64_t)(b - a) : -(int64_t)(a - b);
}

/* --- heaps ------------------------------------------------------------------------- */

enum { DH_CLASS, DH_BASE_COUNT, DH_TARGET_COUNT, DH_COUNT_DELTA, DH_BASE_SIZE, DH_TARGET_SIZE,
       DH_SIZE_DELTA, DH_NEW, DH_DELETED, DH_NEW_SIZE, DH_DELETED_SIZE };

static const struct view_col diff_heap_cols[] = {
	[DH_CLASS] = { "class", "Constructor", COL_TEXT,
	               "class or constructor (matched by name; V8 objects also by their constructor's location)" },
	[DH_BASE_COUNT] = { "base_count", "Base #", COL_COUNT, "instances in the base dump" },
	[DH_TARGET_COUNT] = { "target_count", "Target #", COL_COUNT, "instances in the target dump" },
	[DH_COUNT_DELTA] = { "count_delta", "# Delta", COL_INT,
	                     "target_count - base_count (V8: also new_count - deleted_count, DevTools' # Delta)" },
	[DH_BASE_SIZE] = { "base_size", "Base size", COL_BYTES, "their shallow sizes in the base" },
	[DH_TARGET_SIZE] = { "target_size", "Target size", COL_BYTES, "in the target" },
	[DH_SIZE_DELTA] = { "size_delta", "Size delta", COL_INT, "target_size - base_size, bytes" },
	[DH_NEW] = { "new_count", "# New", COL_COUNT,
	             "objects of the class in the target whose id the base's class does not have (V8)" },
	[DH_DELETED] = { "deleted_count", "# Deleted", COL_COUNT,
	                 "objects of the class in the base whose id the target's class does not have (V8)" },
	[DH_NEW_SIZE] = { "new_size", "Alloc. size", COL_BYTES, "shallow size of the new objects (V8)" },
	[DH_DELETED_SIZE] = { "deleted_size", "Freed size", COL_BYTES,
	                      "shallow size of the deleted objects (V8)" },
};

/* a class expands into its new objects (V8 pairs) */
static void
diff_heap_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	const struct diff *d = v->diff;
	if (parent == NULL) {
		diff_children(v, parent, out);
		return;
	}
	if ((parent->key & K_OBJECT) || d->new_first == NULL)
		return;
	for (uint32_t i = d->new_first[parent->key]; i < d->new_first[parent->key + 1]; i++)
		vrows_push(out, K_OBJECT | d->new_nodes[i]);
}

static bool
diff_heap_has_children(struct view *v, const struct vrow *row)
{
	const struct diff *d = v->diff;
	return !(row->key & K_OBJECT) && d->new_first &&
	       d->new_first[row->key + 1] > d->new_first[row->key];
}

static void
diff_object_cell(struct view *v, uint32_t n, size_t col, struct cell *out)
{
	const struct heap *h = v->diff->target;
	switch (col) {
	case DH_CLASS: {
		size_t len = heap_display_name(h, n, v->text, sizeof v->text - 24);
		v->text[len++] = ' ';
		v->text[len++] = '@';
		heap_format_id(h, heap_node_id(h, n), v->text + len, sizeof v->text - len);
		cell_text(v, out, v->text);
		break;
	}
	case DH_TARGET_SIZE: cell_u(out, COL_BYTES, heap_node_self(h, n)); break;
	case DH_SIZE_DELTA: cell_i(out, heap_node_self(h, n)); break;
	case DH_NEW_SIZE: cell_u(out, COL_BYTES, heap_node_self(h, n)); break;
	default:
		cell_u(out, COL_COUNT, 0);
		out->empty = true;
		break;
	}
}

static void
diff_heap_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct diff *d = v->diff;
	const struct diff_row *r;
	if (row->key & K_OBJECT) {
		diff_object_cell(v, (uint32_t)row->key, col, out);
		return;
	}
	r = &d->rows[row->key];
	switch (col) {
	case DH_CLASS: cell_text(v, out, r->name); break;
	case DH_BASE_COUNT: cell_u(out, COL_COUNT, r->base[0]); break;
	case DH_TARGET_COUNT: cell_u(out, COL_COUNT, r->target[0]); break;
	case DH_COUNT_DELTA: cell_i(out, delta(r->base[0], r->target[0])); break;
	case DH_BASE_SIZE: cell_u(out, COL_BYTES, r->base[1]); break;
	case DH_TARGET_SIZE: cell_u(out, COL_BYTES, r->target[1]); break;
	case DH_SIZE_DELTA: cell_i(out, delta(r->base[1], r->target[1])); break;
	case DH_NEW: cell_u(out, COL_COUNT, r->new_count); out->empty = !d->by_id; break;
	case DH_DELETED: cell_u(out, COL_COUNT, r->deleted_count); out->empty = !d->by_id; break;
	case DH_NEW_SIZE: cell_u(out, COL_BYTES, r->new_size); out->empty = !d->by_id; break;
	case DH_DELETED_SIZE: cell_u(out, COL_BYTES, r->deleted_size); out->empty = !d->by_id; break;
	}
}

/* Java dumps (matched by name only) have classes, not constructors. */
static void
diff_heap_columns(struct view *v)
{
	if (v->diff == NULL || v->diff->by_id)
		return;	/* (view_new_diff calls again with the diff) */
	view_cols_keep(v, (UINT64_C(1) << v->ops->ncols) - 1);
	v->colbuf[DH_CLASS].title = "Class";
}

const struct view_ops view_diff_heap = {
	.name = "diff",
	.title = "Diff",
	.help = "two dumps: per class, counts and sizes in each and their deltas (V8: new and deleted objects)",
	.cols = diff_heap_cols,
	.ncols = sizeof diff_heap_cols / sizeof diff_heap_cols[0],
	.default_sort = DH_SIZE_DELTA,
	.default_desc = true,
	.tree = true,
	.columns = diff_heap_columns,
	.children = diff_heap_children,
	.has_children = diff_heap_has_children,
	.cell = diff_heap_cell,
};

/* --- traces ------------------------------------------------------------------------ */

enum { DT_FUNCTION, DT_LOCATION, DT_BASE_ALLOCS, DT_TARGET_ALLOCS, DT_ALLOCS_DELTA, DT_BASE_BYTES,
       DT_TARGET_BYTES, DT_BYTES_DELTA, DT_BASE_LEAKED, DT_TARGET_LEAKED, DT_LEAKED_DELTA,
       DT_BASE_PEAK, DT_TARGET_PEAK, DT_PEAK_DELTA, DT_BASE_LEAKS, DT_TARGET_LEAKS, DT_LEAKS_DELTA };

static const struct view_col diff_trace_cols[] = {
	[DT_FUNCTION] = { "function", "Function", COL_TEXT, "the call site's function" },
	[DT_LOCATION] = { "location", "Location", COL_TEXT, "its file:line (sites are matched by both)" },
	[DT_BASE_ALLOCS] = { "base_allocations", "Base allocs", COL_COUNT, "calls in the base trace" },
	[DT_TARGET_ALLOCS] = { "target_allocations", "Target allocs", COL_COUNT, "in the target" },
	[DT_ALLOCS_DELTA] = { "allocations_delta", "Allocs delta", COL_INT, "target - base" },
	[DT_BASE_BYTES] = { "base_bytes", "Base bytes", COL_BYTES, "bytes allocated in the base" },
	[DT_TARGET_BYTES] = { "target_bytes", "Target bytes", COL_BYTES, "in the target" },
	[DT_BYTES_DELTA] = { "bytes_delta", "Bytes delta", COL_INT, "target - base" },
	[DT_BASE_LEAKED] = { "base_leaked_bytes", "Base leaked", COL_BYTES, "live at the base's end" },
	[DT_TARGET_LEAKED] = { "target_leaked_bytes", "Target leaked", COL_BYTES, "live at the target's end" },
	[DT_LEAKED_DELTA] = { "leaked_delta", "Leaked delta", COL_INT, "target - base" },
	[DT_BASE_PEAK] = { "base_peak_bytes", "Base peak", COL_BYTES, "live at the base's peak" },
	[DT_TARGET_PEAK] = { "target_peak_bytes", "Target peak", COL_BYTES, "live at the target's peak" },
	[DT_PEAK_DELTA] = { "peak_delta", "Peak delta", COL_INT, "target - base" },
	[DT_BASE_LEAKS] = { "base_leaked", "Base leaks", COL_COUNT, "allocations live at the base's end" },
	[DT_TARGET_LEAKS] = { "target_leaked", "Target leaks", COL_COUNT,
	                      "allocations live at the target's end" },
	[DT_LEAKS_DELTA] = { "leaked_count_delta", "Leaks delta", COL_INT, "target - base" },
};

/* The measure of each group of three columns (base, target, delta), from
 * DT_BASE_ALLOCS on, and its slot in diff_row. */
static const struct {
	enum trace_measure_kind kind;
	int slot;
} dt_groups[] = {
	{ TRACE_ALLOCATIONS, 0 }, { TRACE_BYTES, 1 }, { TRACE_LEAKED_BYTES, 2 }, { TRACE_PEAK, 3 },
	{ TRACE_LEAKED, 4 },
};

/* The groups of the measures both traces give, named as the files name
 * them (pprof's sample types: base_inuse_space, inuse_space_delta...). */
static void
diff_trace_columns(struct view *v)
{
	const struct diff *d = v->diff;
	uint64_t keep = 1u << DT_FUNCTION | 1u << DT_LOCATION;
	if (d == NULL)
		return;	/* view_new_diff calls again with the diff */
	for (size_t g = 0; g < sizeof dt_groups / sizeof dt_groups[0]; g++)
		if (d->measures & 1u << dt_groups[g].kind)
			keep |= (uint64_t)7 << (DT_BASE_ALLOCS + 3 * g);
	view_cols_keep(v, keep);
	for (size_t i = 0; i < v->ncols; i++) {
		unsigned oc = v->colmap[i], g, part;
		const char *name;
		struct arena *a = &v->diff->strings;
		char buf[256];
		if (oc < DT_BASE_ALLOCS)
			continue;
		g = (oc - DT_BASE_ALLOCS) / 3;
		part = (oc - DT_BASE_ALLOCS) % 3;
		if (d->main_measure >= 0 && (int)dt_groups[g].kind == d->main_measure && part == 2)
			v->default_sort = i;
		if ((name = d->measure_name[dt_groups[g].kind]) == NULL)
			continue;
		snprintf(buf, sizeof buf, part == 0 ? "base_%s" : part == 1 ? "target_%s" : "%s_delta",
		         name);
		v->colbuf[i].name = arena_strndup(a, buf, strlen(buf));
		snprintf(buf, sizeof buf, part == 0 ? "Base %s" : part == 1 ? "Target %s" : "%s delta",
		         name);
		v->colbuf[i].title = arena_strndup(a, buf, strlen(buf));
	}
}

static void
diff_trace_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct diff_row *r = &v->diff->rows[row->key];
	switch (col) {
	case DT_FUNCTION: cell_text(v, out, r->name); break;
	case DT_LOCATION: cell_text(v, out, r->location ? r->location : ""); break;
	case DT_BASE_ALLOCS: cell_u(out, COL_COUNT, r->base[0]); break;
	case DT_TARGET_ALLOCS: cell_u(out, COL_COUNT, r->target[0]); break;
	case DT_ALLOCS_DELTA: cell_i(out, delta(r->base[0], r->target[0])); break;
	case DT_BASE_BYTES: cell_u(out, COL_BYTES, r->base[1]); break;
	case DT_TARGET_BYTES: cell_u(out, COL_BYTES, r->target[1]); break;
	case DT_BYTES_DELTA: cell_i(out, delta(r->base[1], r->target[1])); break;
	case DT_BASE_LEAKED: cell_u(out, COL_BYTES, r->base[2]); break;
	case DT_TARGET_LEAKED: cell_u(out, COL_BYTES, r->target[2]); break;
	case DT_LEAKED_DELTA: cell_i(out, delta(r->base[2], r->target[2])); break;
	case DT_BASE_PEAK: cell_u(out, COL_BYTES, r->base[3]); break;
	case DT_TARGET_PEAK: cell_u(out, COL_BYTES, r->target[3]); break;
	case DT_PEAK_DELTA: cell_i(out, delta(r->base[3], r->target[3])); break;
	case DT_BASE_LEAKS: cell_u(out, COL_COUNT, r->base[4]); break;
	case DT_TARGET_LEAKS: cell_u(out, COL_COUNT, r->target[4]); break;
	case DT_LEAKS_DELTA: cell_i(out, delta(r->base[4], r->target[4])); break;
	}
}

const struct view_ops view_diff_trace = {
	.name = "diff",
	.title = "Diff",
	.help = "two traces: per call site, allocations, bytes, leaked and peak in each and their deltas",
	.cols = diff_trace_cols,
	.ncols = sizeof diff_trace_cols / sizeof diff_trace_cols[0],
	.default_sort = DT_LEAKED_DELTA,
	.default_desc = true,
	.columns = diff_trace_columns,
	.children = diff_children,
	.cell = diff_trace_cell,
};

/* --- leaks (three dumps) ------------------------------------------------------------ */

static const struct view_col leaks_cols[] = {
	{ "class", "Constructor", COL_TEXT, "class of the leaked objects" },
	{ "count", "Count", COL_COUNT, "objects new in target and still alive in final" },
	{ "size", "Size", COL_BYTES, "their shallow size in final" },
	{ "retainers", "Retainer path", COL_TEXT,
	  "the shape of their shortest retainer path in final: class and edge of each step to the root" },
};

static void
leaks_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct diff_row *r = &v->diff->rows[row->key];
	switch (col) {
	case 0: cell_text(v, out, r->name); break;
	case 1: cell_u(out, COL_COUNT, r->target[0]); break;
	case 2: cell_u(out, COL_BYTES, r->target[1]); break;
	case 3: cell_text(v, out, r->location ? r->location : ""); break;
	}
}

const struct view_ops view_leaks = {
	.name = "leaks",
	.title = "Leaks",
	.help = "three dumps: objects new in target and alive in final, by class and retainer path",
	.cols = leaks_cols,
	.ncols = sizeof leaks_cols / sizeof leaks_cols[0],
	.default_sort = 2,
	.default_desc = true,
	.children = diff_children,
	.cell = leaks_cell,
};

struct view *
view_new_diff(struct diff *d)
{
	struct view *v = view_new_trace(d->leaks ? &view_leaks : d->traces ? &view_diff_trace
	                                                                    : &view_diff_heap, NULL);
	v->diff = d;
	if (v->ops->columns)
		v->ops->columns(v);
	return v;
}
