/* objects: one row per object, flat. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heapsift/heap.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

enum { O_ID, O_TYPE, O_NAME, O_SELF, O_RAW_SELF, O_RETAINED, O_DOMINATOR, O_DISTANCE, O_CLASS, O_REACH };

static const struct view_col objects_cols[] = {
	[O_ID] = { "id", "Id", COL_ID, "the object's id in the dump" },
	[O_TYPE] = { "type", "Type", COL_TEXT, "node type as the dump gives it" },
	[O_NAME] = { "name", "Name", COL_TEXT, "the object's name (constructor, string value...)" },
	[O_SELF] = { "self_size", "Shallow", COL_BYTES, "shallow size as DevTools shows it (after moving hidden and array sizes to their owner)" },
	[O_RAW_SELF] = { "raw_self_size", "Raw", COL_BYTES, "shallow size as written in the dump" },
	[O_RETAINED] = { "retained_size", "Retained", COL_BYTES, "the object's size and all it dominates" },
	[O_DOMINATOR] = { "dominator_id", "Dominator", COL_ID, "id of the immediate dominator (the root's own id for the root)" },
	[O_DISTANCE] = { "distance", "Distance", COL_INT, "shortest path from a root as DevTools counts it (-5: none; 100000000 and more: reached from system roots only)" },
	[O_CLASS] = { "class", "Class", COL_TEXT, "the class / constructor it is counted under" },
	[O_REACH] = { "reach", "Reach", COL_TEXT, "reachable, weak (only through weak edges) or unreachable" },
};

/* priv: the synthetic node type, looked up once (-1: none). */
struct objects_priv {
	int synthetic;
};

static void
objects_init(struct view *v)
{
	struct objects_priv *p = xcalloc(1, sizeof *p);
	p->synthetic = heap_node_type_find(v->heap, "synthetic");
	v->priv = p;
}

static void
objects_fini(struct view *v)
{
	free(v->priv);
}

static bool
objects_skip(const struct view *v, uint32_t n)
{
	const struct objects_priv *p = v->priv;
	const struct heap *h = v->heap;
	return (v->flags & VIEW_SKIP_SYNTHETIC) &&
	       (n == h->root || (p->synthetic >= 0 && heap_node_type(h, n) == (uint8_t)p->synthetic));
}

static void
objects_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	if (parent)
		return;
	for (uint32_t n = 0; n < v->heap->node_count; n++)
		if (!objects_skip(v, n))
			vrows_push(out, n);
}

static size_t
objects_top_count(struct view *v)
{
	return v->heap->node_count;
}

static uint64_t
objects_top_key_at(struct view *v, size_t i)
{
	return objects_skip(v, (uint32_t)i) ? VIEW_SKIP : i;
}

static void
objects_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	static const char *const reach[] = { "reachable", "weak", "unreachable" };
	const struct heap *h = v->heap;
	uint32_t n = (uint32_t)row->key;

	switch (col) {
	case O_ID: cell_u(out, COL_ID, heap_node_id(h, n)); break;
	case O_TYPE: cell_text(v, out, heap_node_type_name(h, n)); break;
	case O_NAME: {
		char buf[512];
		size_t len = heap_display_name(h, n, buf, sizeof buf);
		cell_textn(v, out, buf, len);
		break;
	}
	case O_SELF: cell_u(out, COL_BYTES, heap_node_self(h, n)); break;
	case O_RAW_SELF: cell_u(out, COL_BYTES, heap_node_self_raw(h, n)); break;
	case O_RETAINED: cell_u(out, COL_BYTES, heap_retained(h, n)); break;
	case O_DOMINATOR: cell_u(out, COL_ID, heap_node_id(h, heap_idom(h, n))); break;
	case O_DISTANCE: cell_i(out, heap_node_distance(h, n)); break;
	case O_CLASS: {
		uint32_t cn = h->classes[heap_node_class(h, n)].name;
		cell_textn(v, out, heap_str(h, cn), strtab_len(&h->strings, cn));
		break;
	}
	case O_REACH: cell_text(v, out, reach[heap_node_reach(h, n)]); break;
	}
}

static uint32_t
objects_row_object(struct view *v, const struct vrow *row)
{
	(void)v;
	return (uint32_t)row->key;
}

const struct view_ops view_objects = {
	.name = "objects",
	.title = "Objects",
	.help = "one row per object: id, type, name, sizes, dominator, distance",
	.cols = objects_cols,
	.ncols = sizeof objects_cols / sizeof objects_cols[0],
	.default_sort = O_RETAINED,
	.default_desc = true,
	.init = objects_init,
	.fini = objects_fini,
	.children = objects_children,
	.top_count = objects_top_count,
	.top_key_at = objects_top_key_at,
	.cell = objects_cell,
	.row_object = objects_row_object,
};
