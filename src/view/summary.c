/* summary: the dump's totals as name/value rows (a JSON object). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "heapsift/heap.h"
#include "heapsift/view.h"

enum {
	S_FILE, S_FORMAT, S_OBJECTS, S_EDGES, S_STRINGS, S_CLASSES, S_TOTAL,
	S_REACHABLE_OBJECTS, S_REACHABLE_SIZE, S_WEAK_OBJECTS, S_WEAK_SIZE,
	S_UNREACHABLE_OBJECTS, S_UNREACHABLE_SIZE, S_EXTRA_NATIVE, S_LAYOUT, S_REFERENT_OBJECTS,
	S_REFERENT_SIZE, S_FIXED_COUNT
};

static const char *const summary_names[S_FIXED_COUNT] = {
	[S_FILE] = "file",
	[S_FORMAT] = "format",
	[S_OBJECTS] = "objects",
	[S_EDGES] = "edges",
	[S_STRINGS] = "strings",
	[S_CLASSES] = "classes",
	[S_TOTAL] = "total_size",
	[S_REACHABLE_OBJECTS] = "reachable_objects",
	[S_REACHABLE_SIZE] = "reachable_size",
	[S_WEAK_OBJECTS] = "weak_only_objects",
	[S_WEAK_SIZE] = "weak_only_size",
	[S_UNREACHABLE_OBJECTS] = "unreachable_objects",
	[S_UNREACHABLE_SIZE] = "unreachable_size",
	[S_EXTRA_NATIVE] = "extra_native_size",
	[S_LAYOUT] = "layout",
	[S_REFERENT_OBJECTS] = "referent_only_objects",
	[S_REFERENT_SIZE] = "referent_only_size",
};

static const struct view_col summary_cols[] = {
	{ "name", "Name", COL_TEXT, "what is counted" },
	{ "value", "Value", COL_COUNT, "the number (bytes for *_size rows)" },
};

static void
summary_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	if (parent)
		return;
	for (uint64_t k = 0; k < S_FIXED_COUNT + v->heap->stat_count; k++)
		if ((k != S_LAYOUT || v->heap->note) &&
		    ((k != S_REFERENT_OBJECTS && k != S_REFERENT_SIZE) || v->heap->soft_edges))
			vrows_push(out, k);
}

static void
summary_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct heap *h = v->heap;
	uint64_t k = row->key;
	uint32_t classes = 0;

	if (col == 0) {
		if (k < S_FIXED_COUNT) {
			cell_text(v, out, summary_names[k]);
		} else {
			char name[64];
			snprintf(name, sizeof name, "%s_size", h->stats[k - S_FIXED_COUNT].name);
			cell_text(v, out, name);
		}
		return;
	}
	switch (k) {
	case S_FILE: cell_text(v, out, h->path); break;
	case S_FORMAT: cell_text(v, out, h->format); break;
	case S_OBJECTS: cell_u(out, COL_COUNT, h->node_count); break;
	case S_EDGES: cell_u(out, COL_COUNT, h->edge_count); break;
	case S_STRINGS: cell_u(out, COL_COUNT, strtab_count(&h->strings)); break;
	case S_CLASSES:
		for (uint32_t c = 0; c < h->class_count; c++)
			classes += h->classes[c].count > 0;
		cell_u(out, COL_COUNT, classes);
		break;
	case S_TOTAL: cell_u(out, COL_BYTES, h->total_size); break;
	case S_REACHABLE_OBJECTS: cell_u(out, COL_COUNT, h->reach_count[HEAP_REACHABLE]); break;
	case S_REACHABLE_SIZE: cell_u(out, COL_BYTES, h->reach_bytes[HEAP_REACHABLE]); break;
	case S_WEAK_OBJECTS: cell_u(out, COL_COUNT, h->reach_count[HEAP_WEAK_ONLY]); break;
	case S_WEAK_SIZE: cell_u(out, COL_BYTES, h->reach_bytes[HEAP_WEAK_ONLY]); break;
	case S_UNREACHABLE_OBJECTS: cell_u(out, COL_COUNT, h->reach_count[HEAP_UNREACHABLE]); break;
	case S_UNREACHABLE_SIZE: cell_u(out, COL_BYTES, h->reach_bytes[HEAP_UNREACHABLE]); break;
	case S_EXTRA_NATIVE: cell_u(out, COL_BYTES, h->extra_native_bytes); break;
	case S_LAYOUT: cell_text(v, out, h->note ? h->note : ""); break;
	case S_REFERENT_OBJECTS: cell_u(out, COL_COUNT, h->referent_only_count); break;
	case S_REFERENT_SIZE: cell_u(out, COL_BYTES, h->referent_only_bytes); break;
	default:
		cell_u(out, COL_BYTES, h->stats[k - S_FIXED_COUNT].bytes);
		break;
	}
}

const struct view_ops view_summary = {
	.name = "summary",
	.title = "Summary",
	.help = "totals: objects, edges, total size, unreachable objects and bytes, statistics",
	.cols = summary_cols,
	.ncols = sizeof summary_cols / sizeof summary_cols[0],
	.default_sort = 0,
	.record = true,
	.children = summary_children,
	.cell = summary_cell,
};
