/* inspect: one object's references out, in the dump's order; each expands
 * into the references of its target. */
#include "config.h"

#include "heapsift/heap.h"
#include "heapsift/view.h"

enum { I_INDEX, I_EDGE, I_EDGE_TYPE, I_NAME, I_TYPE, I_ID, I_SHALLOW, I_RETAINED, I_DISTANCE };

static const struct view_col inspect_cols[] = {
	[I_INDEX] = { "index", "#", COL_COUNT, "position of the reference among the object's, from 0" },
	[I_EDGE] = { "edge", "Edge", COL_TEXT, "the reference: .name, [index], {internal}, ->context, [[weak]]" },
	[I_EDGE_TYPE] = { "edge_type", "Kind", COL_TEXT, "the edge type as the dump gives it" },
	[I_NAME] = { "name", "Value", COL_TEXT, "the target's name; a string's value (truncated)" },
	[I_TYPE] = { "type", "Type", COL_TEXT, "the target's node type" },
	[I_ID] = { "id", "Id", COL_ID, "the target's id in the dump" },
	[I_SHALLOW] = { "self_size", "Shallow", COL_BYTES, "the target's shallow size" },
	[I_RETAINED] = { "retained_size", "Retained", COL_BYTES, "the target's retained size" },
	[I_DISTANCE] = { "distance", "Distance", COL_INT, "the target's distance from a root" },
};

static void
inspect_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	const struct heap *h = v->heap;
	uint32_t node = parent ? heap_edge_to(h, (uint32_t)parent->key) : v->subject;

	if (node >= h->node_count)
		return;
	for (uint32_t e = heap_first_edge(h, node), e_end = heap_first_edge(h, node + 1); e < e_end; e++)
		vrows_push(out, e);
}

static bool
inspect_has_children(struct view *v, const struct vrow *row)
{
	const struct heap *h = v->heap;
	uint32_t node = heap_edge_to(h, (uint32_t)row->key);
	return heap_first_edge(h, node) != heap_first_edge(h, node + 1);
}

static void
inspect_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct heap *h = v->heap;
	uint32_t e = (uint32_t)row->key, t = heap_edge_to(h, e);
	char buf[512];
	size_t n;

	switch (col) {
	case I_INDEX: cell_u(out, COL_COUNT, e - heap_first_edge(h, heap_edge_source(h, e))); break;
	case I_EDGE:
		n = heap_edge_label(h, e, buf, sizeof buf);
		cell_textn(v, out, buf, n);
		break;
	case I_EDGE_TYPE: cell_text(v, out, h->edge_type_names[heap_edge_type(h, e)]); break;
	case I_NAME:
		n = heap_display_name(h, t, buf, sizeof buf);
		cell_textn(v, out, buf, n);
		break;
	case I_TYPE: cell_text(v, out, heap_node_type_name(h, t)); break;
	case I_ID: cell_u(out, COL_ID, heap_node_id(h, t)); break;
	case I_SHALLOW: cell_u(out, COL_BYTES, heap_node_self(h, t)); break;
	case I_RETAINED: cell_u(out, COL_BYTES, heap_retained(h, t)); break;
	case I_DISTANCE: cell_i(out, heap_node_distance(h, t)); break;
	}
}

static uint32_t
inspect_row_object(struct view *v, const struct vrow *row)
{
	return heap_edge_to(v->heap, (uint32_t)row->key);
}

const struct view_ops view_inspect = {
	.name = "inspect",
	.title = "Inspector",
	.help = "one object's references (--object), with names, types and exact sizes",
	.cols = inspect_cols,
	.ncols = sizeof inspect_cols / sizeof inspect_cols[0],
	.default_sort = I_INDEX,
	.default_desc = false,
	.tree = true,
	.needs_subject = true,
	.children = inspect_children,
	.has_children = inspect_has_children,
	.cell = inspect_cell,
	.row_object = inspect_row_object,
};
