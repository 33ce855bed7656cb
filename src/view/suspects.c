/* suspects: the leak suspects (analyze.h, suspects_find), largest first:
 * each an object or a class, what it retains, and where an object's
 * memory accumulates. */
#include "config.h"

#include "heapsift/heap.h"
#include "heapsift/view.h"

enum { U_NAME, U_KIND, U_COUNT, U_RETAINED, U_PERCENT, U_ID, U_ACC, U_ACC_ID, U_ACC_RETAINED, U_DEPTH };

static const struct view_col suspects_cols[] = {
	[U_NAME] = { "name", "Suspect", COL_TEXT, "the object's name, or the class's" },
	[U_KIND] = { "kind", "Kind", COL_TEXT,
	             "object (one retains the share alone) or class (its instances do together)" },
	[U_COUNT] = { "count", "Count", COL_COUNT, "1, or the class's instances that count" },
	[U_RETAINED] = { "retained_size", "Retained", COL_BYTES, "what freeing it, or them, would free" },
	[U_PERCENT] = { "retained_percent", "%", COL_PERCENT, "retained size in percent of the total" },
	[U_ID] = { "id", "Id", COL_ID, "the object's id (for a class: its largest instance's)" },
	[U_ACC] = { "accumulation", "Accumulated in", COL_TEXT,
	            "an object's accumulation point: where its retained size spreads over many children" },
	[U_ACC_ID] = { "accumulation_id", "Acc. id", COL_ID, "the accumulation point's id" },
	[U_ACC_RETAINED] = { "accumulation_size", "Acc. retained", COL_BYTES,
	                     "the accumulation point's retained size" },
	[U_DEPTH] = { "depth", "Depth", COL_INT, "dominator-tree steps from the suspect down to it" },
};

static void
suspects_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	if (parent)
		return;
	for (uint32_t i = 0; i < v->heap->suspect_count; i++)
		vrows_push(out, i);
}

/* A node's name, or its class's where it has none (V8's internal arrays). */
static void
name_cell(struct view *v, uint32_t node, struct cell *out)
{
	const struct heap *h = v->heap;
	char buf[512];
	size_t n = heap_display_name(h, node, buf, sizeof buf);
	uint32_t c = heap_node_class(h, node);

	if (n == 0 && c < h->class_count)
		cell_textn(v, out, heap_str(h, h->classes[c].name), strtab_len(&h->strings, h->classes[c].name));
	else
		cell_textn(v, out, buf, n);
}

static void
suspects_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct heap *h = v->heap;
	const struct heap_suspect *s = &h->suspects[row->key];
	double total = h->total_size ? (double)h->total_size : 1;

	/* the accumulation columns are empty where there is none */
	if (col >= U_ACC && s->accumulation == HEAP_NONE) {
		out->empty = true;
		return;
	}
	switch (col) {
	case U_NAME:
		if (!s->is_class) {
			name_cell(v, s->node, out);
		} else {
			cell_textn(v, out, heap_str(h, h->classes[s->class_index].name),
			           strtab_len(&h->strings, h->classes[s->class_index].name));
		}
		break;
	case U_KIND: cell_text(v, out, s->is_class ? "class" : "object"); break;
	case U_COUNT: cell_u(out, COL_COUNT, s->count); break;
	case U_RETAINED: cell_u(out, COL_BYTES, s->retained); break;
	case U_PERCENT: cell_pct(out, 100.0 * (double)s->retained / total); break;
	case U_ID: cell_u(out, COL_ID, heap_node_id(h, s->node)); break;
	case U_ACC: name_cell(v, s->accumulation, out); break;
	case U_ACC_ID: cell_u(out, COL_ID, heap_node_id(h, s->accumulation)); break;
	case U_ACC_RETAINED: cell_u(out, COL_BYTES, heap_retained(h, s->accumulation)); break;
	case U_DEPTH: cell_i(out, s->depth); break;
	}
}

static uint32_t
suspects_row_object(struct view *v, const struct vrow *row)
{
	return v->heap->suspects[row->key].node;
}

const struct view_ops view_suspects = {
	.name = "suspects",
	.title = "Suspects",
	.help = "leak suspects (as Eclipse MAT finds them) and where their memory accumulates",
	.cols = suspects_cols,
	.ncols = sizeof suspects_cols / sizeof suspects_cols[0],
	.default_sort = U_RETAINED,
	.default_desc = true,
	.children = suspects_children,
	.cell = suspects_cell,
	.row_object = suspects_row_object,
};
