/* dominators: the dominator tree from the root; an object's children are the
 * objects it alone keeps alive. */
#include "config.h"

#include "heapsift/analyze.h"
#include "heapsift/heap.h"
#include "heapsift/view.h"

enum { D_NAME, D_TYPE, D_ID, D_SHALLOW, D_RETAINED, D_PERCENT, D_PARENT_PERCENT, D_DISTANCE };

static const struct view_col dominators_cols[] = {
	[D_NAME] = { "name", "Object", COL_TEXT, "the object's name (constructor, string value...)" },
	[D_TYPE] = { "type", "Type", COL_TEXT, "node type as the dump gives it" },
	[D_ID] = { "id", "Id", COL_ID, "the object's id in the dump" },
	[D_SHALLOW] = { "self_size", "Shallow", COL_BYTES, "the object's own size" },
	[D_RETAINED] = { "retained_size", "Retained", COL_BYTES,
	                 "what would be freed with the object: its size and all it dominates" },
	[D_PERCENT] = { "retained_percent", "%", COL_PERCENT, "retained size in percent of the total" },
	[D_PARENT_PERCENT] = { "parent_percent", "%Parent", COL_PERCENT,
	                       "retained size in percent of the dominator's" },
	[D_DISTANCE] = { "distance", "Distance", COL_INT, "shortest path from a root" },
};

/* The children's index, once per heap (the TUI keeps it from the analysis). */
static void
dominators_init(struct view *v)
{
	dom_children_need(v->heap);
}

static void
dominators_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	const struct heap *h = v->heap;
	uint32_t n;

	if (parent == NULL) {
		vrows_push(out, h->root);
		return;
	}
	n = (uint32_t)parent->key;
	for (uint32_t i = h->dom_first[n]; i < h->dom_first[n + 1]; i++)
		vrows_push(out, h->dom_child[i]);
}

static bool
dominators_has_children(struct view *v, const struct vrow *row)
{
	const struct heap *h = v->heap;
	uint32_t n = (uint32_t)row->key;
	return h->dom_first[n] != h->dom_first[n + 1];
}

static void
dominators_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct heap *h = v->heap;
	uint32_t n = (uint32_t)row->key;
	double total = h->total_size ? (double)h->total_size : 1;

	switch (col) {
	case D_NAME: {
		char buf[512];
		size_t len = heap_display_name(h, n, buf, sizeof buf);
		cell_textn(v, out, buf, len);
		break;
	}
	case D_TYPE: cell_text(v, out, heap_node_type_name(h, n)); break;
	case D_ID: cell_u(out, COL_ID, heap_node_id(h, n)); break;
	case D_SHALLOW: cell_u(out, COL_BYTES, heap_node_self(h, n)); break;
	case D_RETAINED: cell_u(out, COL_BYTES, heap_retained(h, n)); break;
	case D_PERCENT: cell_pct(out, 100.0 * (double)heap_retained(h, n) / total); break;
	case D_PARENT_PERCENT: {
		uint64_t p = heap_retained(h, heap_idom(h, n));
		cell_pct(out, p ? 100.0 * (double)heap_retained(h, n) / (double)p : 100.0);
		break;
	}
	case D_DISTANCE: cell_i(out, heap_node_distance(h, n)); break;
	}
}

static uint32_t
dominators_row_object(struct view *v, const struct vrow *row)
{
	(void)v;
	return (uint32_t)row->key;
}

const struct view_ops view_dominators = {
	.name = "dominators",
	.title = "Dominators",
	.help = "the dominator tree: each object under the one that alone keeps it alive",
	.cols = dominators_cols,
	.ncols = sizeof dominators_cols / sizeof dominators_cols[0],
	.default_sort = D_RETAINED,
	.default_desc = true,
	.tree = true,
	.init = dominators_init,
	.children = dominators_children,
	.has_children = dominators_has_children,
	.cell = dominators_cell,
	.row_object = dominators_row_object,
};
