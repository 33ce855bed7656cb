/* classes: the histogram by class / constructor (DevTools' Summary).
 * A class expands into its instances, an instance into what it dominates. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/analyze.h"
#include "heapsift/heap.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

#define K_CLASS ((uint64_t)1 << 62)
#define K_INSTANCE ((uint64_t)2 << 62)
#define K_DOMINATED ((uint64_t)3 << 62)
#define K_KIND(k) ((k) & ((uint64_t)3 << 62))
#define K_INDEX(k) ((uint32_t)(k))

enum { C_NAME, C_COUNT, C_SHALLOW, C_RETAINED, C_PERCENT, C_DISTANCE, C_ID };

static const struct view_col classes_cols[] = {
	[C_NAME] = { "name", "Constructor", COL_TEXT, "class or constructor; for objects, their name" },
	[C_COUNT] = { "count", "Count", COL_COUNT, "instances (objects of non-zero shallow size)" },
	[C_SHALLOW] = { "shallow_size", "Shallow", COL_BYTES, "sum of the instances' shallow sizes" },
	[C_RETAINED] = { "retained_size", "Retained", COL_BYTES,
	                 "sum of the retained sizes of instances not dominated by another instance" },
	[C_PERCENT] = { "retained_percent", "%", COL_PERCENT, "retained size in percent of the total" },
	[C_DISTANCE] = { "distance", "Distance", COL_INT, "shortest path from a root (minimum over instances)" },
	[C_ID] = { "id", "Id", COL_ID, "the object's id in the dump (object rows)" },
};

struct classes_priv {
	uint32_t *first;	/* class -> first instance in nodes[] */
	uint32_t *nodes;
	uint32_t *sorted;	/* class -> how many of its instances lead, in order;
				 * the others follow in node order */
};

/* Sorts instances, largest retained size first, then by node (they come
 * in node order, and the radix sort is stable). */
static void
order_instances(const struct heap *h, uint32_t *v, size_t n)
{
	struct kv {
		uint64_t key;	/* ~retained: ascending is largest first */
		uint32_t node;
	} *a, *b, *from, *to;
	if (n < 2)
		return;
	a = xmallocarray(n, sizeof *a);
	b = xmallocarray(n, sizeof *b);
	for (size_t i = 0; i < n; i++) {
		a[i].key = ~heap_retained(h, v[i]);
		a[i].node = v[i];
	}
	from = a;
	to = b;
	for (int k = 0; k < 8; k++) {
		size_t count[256] = { 0 }, pos[256], sum = 0;
		bool trivial = false;
		for (size_t i = 0; i < n; i++)
			count[from[i].key >> (8 * k) & 0xff]++;
		for (int d = 0; d < 256; d++) {
			if (count[d] == n)
				trivial = true;
			pos[d] = sum;
			sum += count[d];
		}
		if (trivial)
			continue;
		for (size_t i = 0; i < n; i++)
			to[pos[from[i].key >> (8 * k) & 0xff]++] = from[i];
		struct kv *t = from;
		from = to;
		to = t;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = from[i].node;
	free(a);
	free(b);
}

/* (retained a, node a) comes before (retained b, node b): larger first */
static inline bool
inst_before(uint64_t ra, uint32_t a, uint64_t rb, uint32_t b)
{
	return ra > rb || (ra == rb && a < b);
}

struct ikv {
	uint64_t r;
	uint32_t node;
};

/* The heap's top is the worst it keeps (the last in order). */
static void
ikv_down(struct ikv *a, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && inst_before(a[m].r, a[m].node, a[l].r, a[l].node))
			m = l;
		if (r < n && inst_before(a[m].r, a[m].node, a[r].r, a[r].node))
			m = r;
		if (m == i)
			return;
		struct ikv t = a[i];
		a[i] = a[m];
		a[m] = t;
		i = m;
	}
}

/* Puts the largest need - from of v[from..n) (in node order) in order at
 * v[from..need), the rest after them still in node order: a bounded heap
 * finds the last one in, a stable partition moves them up.  O(n log k)
 * for k of them, so that the first page of a class of millions of
 * instances takes milliseconds, where sorting them all took a quarter of a
 * second.  Returns how many now lead in order (all, when most were asked). */
static size_t
order_prefix(const struct heap *h, uint32_t *v, size_t from, size_t need, size_t n)
{
	size_t k = need - from, hn = 0, w = from, nr = 0;
	struct ikv *hp;
	uint32_t *rest;

	if (k == 0)
		return from;
	if (k * 8 >= n - from) {
		order_instances(h, v + from, n - from);
		return n;
	}
	hp = xmallocarray(k, sizeof *hp);
	for (size_t i = from; i < n; i++) {
		uint64_t r = heap_retained(h, v[i]);
		if (hn < k) {
			size_t j = hn++;
			hp[j] = (struct ikv){ r, v[i] };
			while (j > 0 && inst_before(hp[(j - 1) / 2].r, hp[(j - 1) / 2].node, hp[j].r, hp[j].node)) {
				struct ikv t = hp[j];
				hp[j] = hp[(j - 1) / 2];
				hp[(j - 1) / 2] = t;
				j = (j - 1) / 2;
			}
		} else if (inst_before(r, v[i], hp[0].r, hp[0].node)) {
			hp[0] = (struct ikv){ r, v[i] };
			ikv_down(hp, hn, 0);
		}
	}
	/* hp[0] is the k-th: it and those before it go first */
	rest = xmallocarray(n - from - k + 1, sizeof *rest);
	for (size_t i = from; i < n; i++) {
		uint64_t r = heap_retained(h, v[i]);
		if (inst_before(hp[0].r, hp[0].node, r, v[i]))
			rest[nr++] = v[i];
		else
			v[w++] = v[i];	/* w <= i */
	}
	memcpy(v + w, rest, nr * sizeof *rest);
	free(rest);
	free(hp);
	order_instances(h, v + from, k);
	return need;
}

static struct classes_priv *classes_instances(struct view *v);

/* Class c's instances, the first need of them in order. */
static uint32_t *
class_ordered(struct view *v, uint32_t c, size_t need)
{
	const struct heap *h = v->heap;
	struct classes_priv *p = classes_instances(v);
	size_t n = p->first[c + 1] - p->first[c];

	if (need > n)
		need = n;
	if (p->sorted[c] < need)
		p->sorted[c] = (uint32_t)order_prefix(h, p->nodes + p->first[c], p->sorted[c], need, n);
	return p->nodes + p->first[c];
}

static void
classes_init(struct view *v)
{
	v->priv = xcalloc(1, sizeof(struct classes_priv));
	if (v->heap->interactive)
		classes_instances(v);
}

/* Instances by class, built when the view is made for the TUI, else the
 * first time a class is opened (O(n), a word per instance: not for a
 * report that lists the classes alone); and the dominator children, for
 * what an instance dominates. */
static struct classes_priv *
classes_instances(struct view *v)
{
	const struct heap *h = v->heap;
	struct classes_priv *p = v->priv;
	uint32_t sum = 0;

	if (p->first)
		return p;
	dom_children_need(v->heap);
	p->first = xcalloc((size_t)h->class_count + 1, sizeof *p->first);
	for (uint32_t n = 0; n < h->node_count; n++)
		if (heap_node_self(h, n))
			p->first[heap_node_class(h, n)]++;
	for (uint32_t c = 0; c < h->class_count; c++) {
		uint32_t k = p->first[c];
		p->first[c] = sum;
		sum += k;
	}
	p->first[h->class_count] = sum;
	p->nodes = xmallocarray(sum ? sum : 1, sizeof *p->nodes);
	for (uint32_t n = 0; n < h->node_count; n++)
		if (heap_node_self(h, n))
			p->nodes[p->first[heap_node_class(h, n)]++] = n;
	for (uint32_t c = h->class_count; c > 0; c--)
		p->first[c] = p->first[c - 1];
	p->first[0] = 0;
	p->sorted = xcalloc(h->class_count ? h->class_count : 1, sizeof *p->sorted);
	return p;
}

static void
classes_fini(struct view *v)
{
	struct classes_priv *p = v->priv;
	free(p->first);
	free(p->nodes);
	free(p->sorted);
	free(p);
}

static void
classes_children(struct view *v, const struct vrow *parent, struct vrows *out)
{
	const struct heap *h = v->heap;
	struct classes_priv *p;

	if (parent == NULL) {
		for (uint32_t c = 0; c < h->class_count; c++)
			if (h->classes[c].count)
				vrows_push(out, K_CLASS | c);
		return;
	}
	p = classes_instances(v);
	if (K_KIND(parent->key) == K_CLASS) {
		uint32_t c = K_INDEX(parent->key), n = p->first[c + 1] - p->first[c];
		const uint32_t *inst = class_ordered(v, c, n);
		vrows_reserve(out, n);
		for (uint32_t i = 0; i < n; i++)
			vrows_push(out, K_INSTANCE | inst[i]);
	} else {
		uint32_t n = K_INDEX(parent->key);
		for (uint32_t i = h->dom_first[n]; i < h->dom_first[n + 1]; i++)
			vrows_push(out, K_DOMINATED | h->dom_child[i]);
	}
}

/* A class's instances are listed largest retained first (ordered on first
 * use), ties by node: the default order. */
static bool
classes_children_sorted(struct view *v, const struct vrow *parent, size_t col, bool desc)
{
	(void)v;
	return parent && K_KIND(parent->key) == K_CLASS && col == C_RETAINED && desc;
}

static size_t
classes_children_first(struct view *v, const struct vrow *parent, size_t limit, struct vrows *out)
{
	struct classes_priv *p = classes_instances(v);
	uint32_t c = K_INDEX(parent->key), n = p->first[c + 1] - p->first[c];
	size_t k = limit && limit < n ? limit : n;
	const uint32_t *inst = class_ordered(v, c, k);

	vrows_reserve(out, k);
	for (size_t i = 0; i < k; i++)
		vrows_push(out, K_INSTANCE | inst[i]);
	return n;
}

static bool
classes_has_children(struct view *v, const struct vrow *row)
{
	const struct heap *h = v->heap;
	uint32_t i = K_INDEX(row->key);
	if (K_KIND(row->key) == K_CLASS)
		return h->classes[i].count > 0;
	return h->dom_first[i] != h->dom_first[i + 1];
}

static void
classes_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	const struct heap *h = v->heap;
	uint32_t i = K_INDEX(row->key);
	double total = h->total_size ? (double)h->total_size : 1;

	if (K_KIND(row->key) == K_CLASS) {
		const struct heap_class *c = &h->classes[i];
		switch (col) {
		case C_NAME: cell_textn(v, out, heap_str(h, c->name), strtab_len(&h->strings, c->name)); break;
		case C_COUNT: cell_u(out, COL_COUNT, c->count); break;
		case C_SHALLOW: cell_u(out, COL_BYTES, c->shallow); break;
		case C_RETAINED: cell_u(out, COL_BYTES, c->retained); break;
		case C_PERCENT: cell_pct(out, 100.0 * (double)c->retained / total); break;
		case C_DISTANCE: cell_i(out, c->distance); break;
		default: out->empty = true; break;
		}
		return;
	}
	switch (col) {
	case C_NAME: {
		char buf[512];
		size_t n = heap_display_name(h, i, buf, sizeof buf);
		cell_textn(v, out, buf, n);
		break;
	}
	case C_COUNT: out->empty = true; break;
	case C_SHALLOW: cell_u(out, COL_BYTES, heap_node_self(h, i)); break;
	case C_RETAINED: cell_u(out, COL_BYTES, heap_retained(h, i)); break;
	case C_PERCENT: cell_pct(out, 100.0 * (double)heap_retained(h, i) / total); break;
	case C_DISTANCE: cell_i(out, heap_node_distance(h, i)); break;
	case C_ID: cell_u(out, COL_ID, heap_node_id(h, i)); break;
	}
}

/* Java dumps have classes, not constructors: the name column says so. */
static void
classes_columns(struct view *v)
{
	if (v->heap->rules == HEAP_RULES_V8)
		return;
	view_cols_keep(v, (UINT64_C(1) << v->ops->ncols) - 1);
	v->colbuf[C_NAME].title = "Class";
}

static uint32_t
classes_row_object(struct view *v, const struct vrow *row)
{
	(void)v;
	return K_KIND(row->key) == K_CLASS ? HEAP_NONE : K_INDEX(row->key);
}

const struct view_ops view_classes = {
	.name = "classes",
	.title = "Classes",
	.help = "objects grouped by class / constructor: count, shallow and retained size",
	.cols = classes_cols,
	.ncols = sizeof classes_cols / sizeof classes_cols[0],
	.default_sort = C_RETAINED,
	.default_desc = true,
	.tree = true,
	.init = classes_init,
	.fini = classes_fini,
	.columns = classes_columns,
	.children = classes_children,
	.has_children = classes_has_children,
	.children_sorted = classes_children_sorted,
	.children_first = classes_children_first,
	.cell = classes_cell,
	.row_object = classes_row_object,
};
