/* retainers: who holds an object.  The top rows are the edges into the
 * subject; each expands into the edges into its source, up to the roots.
 * A Java Reference's referent (heap_edge_soft) makes no path, as in MAT's
 * paths excluding weak and soft references: its row has no distance and
 * comes last.
 * A row's key is its slot in the reverse-edge index (ret_edge, ret_src):
 * edge and holder without a search
 * (a tree of paths: the same object may appear on several).  As in
 * DevTools, weak edges and the synthetic root's own edges are left out;
 * the nearest to a root come first. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "heapsift/analyze.h"
#include "heapsift/heap.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

enum { R_NAME, R_EDGE, R_EDGE_TYPE, R_TYPE, R_ID, R_DISTANCE, R_SHALLOW, R_RETAINED };

static const struct view_col retainers_cols[] = {
	[R_NAME] = { "name", "Retainer", COL_TEXT, "the object holding the reference" },
	[R_EDGE] = { "edge", "Edge", COL_TEXT, "the reference as written from the holder: .name, [index], {internal}, ->context" },
	[R_EDGE_TYPE] = { "edge_type", "Kind", COL_TEXT, "the edge type as the dump gives it" },
	[R_TYPE] = { "type", "Type", COL_TEXT, "the holder's node type" },
	[R_ID] = { "id", "Id", COL_ID, "the holder's id in the dump" },
	[R_DISTANCE] = { "distance", "Distance", COL_INT, "the holder's distance from a root (none through a Java Reference's referent)" },
	[R_SHALLOW] = { "self_size", "Shallow", COL_BYTES, "the holder's shallow size" },
	[R_RETAINED] = { "retained_size", "Retained", COL_BYTES, "the holder's retained size" },
};

/* priv: the weak edge type, looked up once (-1: none). */
struct retainers_priv {
	int weak;
};

static void
retainers_init(struct view *v)
{
	struct retainers_priv *p = xcalloc(1, sizeof *p);
	p->weak = heap_edge_type_find(v->heap, "weak");
	v->priv = p;
	/* The reverse index, once per heap (the TUI builds it while loading). */
	if (v->heap->ret_first == NULL)
		retainers_build(v->heap);
}

static void
retainers_fini(struct view *v)
{
	free(v->priv);
}

static bool
shown(const struct view *v, uint32_t e, uint32_t src)
{
	const struct retainers_priv *p = v->priv;
	return src != v->heap->root && (p->weak < 0 || heap_edge_type(v->heap, e) != (uint8_t)p->weak);
}

static void
retainers_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	const struct heap *h = v->heap;
	uint32_t node = parent ? h->ret_src[parent->key] : v->subject;

	if (node >= h->node_count)
		return;
	vrows_reserve(out, h->ret_first[node + 1] - h->ret_first[node]);
	for (uint32_t k = h->ret_first[node]; k < h->ret_first[node + 1]; k++)
		if (shown(v, h->ret_edge[k], h->ret_src[k]))
			vrows_push(out, k);
}

static bool
retainers_has_children(struct view *v, const struct vrow *row)
{
	const struct heap *h = v->heap;
	uint32_t node = h->ret_src[row->key];
	for (uint32_t k = h->ret_first[node]; k < h->ret_first[node + 1]; k++)
		if (shown(v, h->ret_edge[k], h->ret_src[k]))
			return true;
	return false;
}

static void
retainers_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct heap *h = v->heap;
	uint32_t e = h->ret_edge[row->key], src = h->ret_src[row->key];
	char buf[512];
	size_t n;

	switch (col) {
	case R_NAME:
		n = heap_display_name(h, src, buf, sizeof buf);
		cell_textn(v, out, buf, n);
		break;
	case R_EDGE:
		n = heap_edge_label(h, e, buf, sizeof buf);
		cell_textn(v, out, buf, n);
		break;
	case R_EDGE_TYPE: cell_text(v, out, h->edge_type_names[heap_edge_type(h, e)]); break;
	case R_TYPE: cell_text(v, out, heap_node_type_name(h, src)); break;
	case R_ID: cell_u(out, COL_ID, heap_node_id(h, src)); break;
	case R_DISTANCE:
		/* no distance (unreachable holders, a referent's path): no
		 * value, sorted last */
		if (heap_node_distance(h, src) < 0 || heap_edge_soft(h, e)) {
			out->type = COL_INT;
			out->empty = true;
		} else {
			cell_i(out, heap_node_distance(h, src));
		}
		break;
	case R_SHALLOW: cell_u(out, COL_BYTES, heap_node_self(h, src)); break;
	case R_RETAINED: cell_u(out, COL_BYTES, heap_retained(h, src)); break;
	}
}

static uint32_t
retainers_row_object(struct view *v, const struct vrow *row)
{
	return v->heap->ret_src[row->key];
}

const struct view_ops view_retainers = {
	.name = "retainers",
	.title = "Retainers",
	.help = "who holds an object (--object), up to the roots",
	.cols = retainers_cols,
	.ncols = sizeof retainers_cols / sizeof retainers_cols[0],
	.default_sort = R_DISTANCE,
	.default_desc = false,
	.tree = true,
	.needs_subject = true,
	.init = retainers_init,
	.fini = retainers_fini,
	.children = retainers_children,
	.has_children = retainers_has_children,
	.cell = retainers_cell,
	.row_object = retainers_row_object,
};
