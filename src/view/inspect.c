/* inspect: one object's references out, in the dump's order; each expands
 * into the references of its target.  Between them, where the dump says,
 * come the values the object holds that are no references, where the dump
 * keeps them (a Java object's primitive and null fields, a class's
 * primitive statics, a primitive array's elements: heap_node_values), so
 * that a Java object's fields read in the order of its class dump. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "heapsift/heap.h"
#include "heapsift/view.h"

enum { I_INDEX, I_EDGE, I_EDGE_TYPE, I_NAME, I_TYPE, I_ID, I_SHALLOW, I_RETAINED, I_DISTANCE };

static const struct view_col inspect_cols[] = {
	[I_INDEX] = { "index", "#", COL_COUNT, "position among the object's references and values, in the dump's order, from 0" },
	[I_EDGE] = { "edge", "Edge", COL_TEXT, "the reference: .name, [index], {internal}, ->context, [[weak]]; or the value's field .name or element [index]" },
	[I_EDGE_TYPE] = { "edge_type", "Kind", COL_TEXT, "the edge type as the dump gives it; value for a value" },
	[I_NAME] = { "name", "Value", COL_TEXT, "the target's name; a string's value (truncated); a value as Java prints it" },
	[I_TYPE] = { "type", "Type", COL_TEXT, "the target's node type; a value's Java type (int, boolean...)" },
	[I_ID] = { "id", "Id", COL_ID, "the target's id in the dump" },
	[I_SHALLOW] = { "self_size", "Shallow", COL_BYTES, "the target's shallow size" },
	[I_RETAINED] = { "retained_size", "Retained", COL_BYTES, "the target's retained size" },
	[I_DISTANCE] = { "distance", "Distance", COL_INT, "the target's distance from a root" },
};

/* Row keys: an edge's index, or a value's: VALUE_KEY | node << 24 | i. */
#define VALUE_KEY (1ULL << 63)
#define VALUE_MAX ((1U << 24) - 1)

static uint32_t
key_node(uint64_t key)
{
	return (uint32_t)(key >> 24);
}

static uint32_t
node_values(const struct heap *h, uint32_t node)
{
	uint32_t nv = heap_node_values(h, node, 0, NULL, 0);
	return nv < VALUE_MAX ? nv : VALUE_MAX;
}

/* How many edges of node come before its value i (the dump's order). */
static uint32_t
value_edges_before(const struct heap *h, uint32_t node, uint32_t i)
{
	struct heap_value val;
	uint32_t ne = heap_edge_count_of(h, node);

	if (heap_node_values(h, node, i, &val, 1) <= i)
		return ne;	/* the dump changed since */
	return val.edges_before < ne ? val.edges_before : ne;
}

/* Edge k of node's position among its references and values: k plus the
 * values before it (their edges_before ascend, so a binary search). */
static uint64_t
edge_position(const struct heap *h, uint32_t node, uint32_t k)
{
	uint32_t lo = 0, hi = node_values(h, node);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (value_edges_before(h, node, mid) <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint64_t)k + lo;
}

static void
inspect_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	const struct heap *h = v->heap;
	uint32_t node = parent ? heap_edge_to(h, (uint32_t)parent->key) : v->subject;
	uint32_t e, e_end, nv;

	if (node >= h->node_count)
		return;
	e = heap_first_edge(h, node);
	e_end = heap_first_edge(h, node + 1);
	nv = node_values(h, node);
	for (uint32_t i = 0; i < nv; i++) {
		struct heap_value val;
		if (heap_node_values(h, node, i, &val, 1) > i)
			for (; e < e_end && e - heap_first_edge(h, node) < val.edges_before; e++)
				vrows_push(out, e);
		vrows_push(out, VALUE_KEY | (uint64_t)node << 24 | i);
	}
	for (; e < e_end; e++)
		vrows_push(out, e);
}

static bool
inspect_has_children(struct view *v, const struct vrow *row)
{
	const struct heap *h = v->heap;
	uint32_t node;

	if (row->key & VALUE_KEY)
		return false;
	node = heap_edge_to(h, (uint32_t)row->key);
	return heap_first_edge(h, node) != heap_first_edge(h, node + 1) ||
	       heap_node_values(h, node, 0, NULL, 0) != 0;
}

static void
value_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct heap *h = v->heap;
	uint32_t node = key_node(row->key), i = (uint32_t)(row->key & VALUE_MAX);
	struct heap_value val;
	char buf[512];
	int n;

	if (col == I_INDEX) {
		cell_u(out, COL_COUNT, value_edges_before(h, node, i) + (uint64_t)i);
		return;
	}
	if (col != I_EDGE && col != I_EDGE_TYPE && col != I_NAME && col != I_TYPE) {
		out->empty = true;
		return;
	}
	if (heap_node_values(h, node, i, &val, 1) <= i) {
		out->empty = true;	/* the dump changed since */
		return;
	}
	switch (col) {
	case I_EDGE:
		if (val.name == HEAP_NONE)
			n = snprintf(buf, sizeof buf, "[%" PRIu32 "]", val.index);
		else
			n = snprintf(buf, sizeof buf, ".%s", heap_str(h, val.name));
		cell_textn(v, out, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
		break;
	case I_EDGE_TYPE: cell_text(v, out, "value"); break;
	case I_NAME: cell_text(v, out, val.text); break;
	case I_TYPE: cell_text(v, out, val.type); break;
	}
}

static void
inspect_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct heap *h = v->heap;
	uint32_t e = (uint32_t)row->key, t;
	char buf[512];
	size_t n;

	if (row->key & VALUE_KEY) {
		value_cell(v, row, col, out);
		return;
	}
	t = heap_edge_to(h, e);
	switch (col) {
	case I_INDEX: {
		uint32_t src = heap_edge_source(h, e);
		cell_u(out, COL_COUNT, edge_position(h, src, e - heap_first_edge(h, src)));
		break;
	}
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
	if (row->key & VALUE_KEY)
		return HEAP_NONE;
	return heap_edge_to(v->heap, (uint32_t)row->key);
}

const struct view_ops view_inspect = {
	.name = "inspect",
	.title = "Inspector",
	.help = "one object's references and values (--object), with names, types and sizes",
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
