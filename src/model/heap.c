#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/bits.h"
#include "heapsift/heap.h"
#include "heapsift/idmap.h"
#include "heapsift/xalloc.h"

/* The types and names of the last node edge_src made: a view that lists a
 * node's edges asks for each in turn. */
struct heap_edge_cache {
	uint32_t node, first, count;
	size_t cap;
	uint8_t *types;
	uint32_t *names;
};

struct heap *
heap_new(const char *format, const char *path)
{
	struct heap *h = xcalloc(1, sizeof *h);
	h->format = format;
	h->path = xstrdup(path ? path : "<input>");
	h->root = 0;
	strtab_init(&h->strings);
	return h;
}

void
heap_free(struct heap *h)
{
	if (h == NULL)
		return;
	if (h->node_self != h->node_self_raw)	/* generic rules share them */
		free(h->node_self);
	free(h->path);
	free(h->node_type);
	free(h->type_odd_node);
	free(h->type_odd_type);
	free(h->node_name);
	free(h->node_id32);
	free(h->node_id64);
	free(h->node_self_raw);
	free(h->node_self8);
	free(h->self_big_node);
	free(h->self_big_size);
	free(h->first_edge);
	free(h->fe_off);
	free(h->fe_block);
	free(h->fe_wide);
	free(h->node_detachedness);
	free(h->edge_type);
	free(h->edge_name);
	free(h->edge_to);
	free(h->edge_packed);
	if (h->edge_src && h->edge_src->free)
		h->edge_src->free(h->edge_ctx);
	if (h->edge_cache) {
		free(h->edge_cache->types);
		free(h->edge_cache->names);
		free(h->edge_cache);
	}
	strtab_free(&h->strings);
	free(h->locations);
	free(h->label_node);
	free(h->label_str);
	free(h->lazy_nodes);
	free(h->soft_edges);
	if (h->lazy && h->lazy->free)
		h->lazy->free(h->lazy_ctx);
	free(h->suspects);
	free(h->node_class);
	free(h->node_class16);
	free(h->node_class_packed);
	free(h->classes);
	free(h->interfaces);
	free(h->interface_props);
	free(h->idom);
	free(h->idom_packed);
	free(h->retained32);
	free(h->retained_packed);
	free(h->retained64);
	free(h->distance);
	free(h->distance_packed);
	free(h->reach);
	free(h->dom_first);
	free(h->dom_child);
	free(h->ret_first);
	free(h->ret_edge);
	free(h->ret_src);
	free(h->by_id);
	if (h->id_map)
		idmap_free(h->id_map);
	free(h->id_map);
	free(h->id_head_ids);
	free(h->id_run_node);
	free(h->id_run_rank);
	free(h->id_run_by_rank);
	free(h);
}

int
heap_node_type_find(const struct heap *h, const char *name)
{
	for (uint32_t i = 0; i < h->node_type_count; i++)
		if (strcmp(h->node_type_names[i], name) == 0)
			return (int)i;
	return -1;
}

int
heap_edge_type_find(const struct heap *h, const char *name)
{
	for (uint32_t i = 0; i < h->edge_type_count; i++)
		if (strcmp(h->edge_type_names[i], name) == 0)
			return (int)i;
	return -1;
}

static const struct heap *sort_heap;

static int
cmp_by_id(const void *a, const void *b)
{
	uint64_t x = heap_node_id(sort_heap, *(const uint32_t *)a);
	uint64_t y = heap_node_id(sort_heap, *(const uint32_t *)b);
	if (x != y)
		return x < y ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* The run of node n: the last that starts at or before it. */
static uint32_t
run_of(const struct heap *h, uint32_t n)
{
	return bits_last_at_most(h->id_run_node, h->id_run_count, n);
}

static uint32_t
run_end(const struct heap *h, uint32_t k)
{
	return k + 1 < h->id_run_count ? h->id_run_node[k + 1] : h->node_count;
}

uint64_t
heap_node_id_ranked(const struct heap *h, uint32_t n)
{
	uint32_t k;
	if (n < h->id_head)
		return h->id_head_ids[n];
	k = run_of(h, n);
	return idmap_select(h->id_map, h->id_run_rank[k] + (n - h->id_run_node[k]));
}

void
heap_node_ids(const struct heap *h, uint32_t first, uint32_t count, uint64_t *out)
{
	uint32_t end = first + count, n = first;

	if (h->node_id32 || h->node_id64) {
		for (; n < end; n++)
			out[n - first] = heap_node_id(h, n);
		return;
	}
	for (; n < end && n < h->id_head; n++)
		out[n - first] = h->id_head_ids[n];
	while (n < end) {
		uint32_t k = run_of(h, n), stop = run_end(h, k);
		if (stop > end)
			stop = end;
		idmap_select_run(h->id_map, h->id_run_rank[k] + (n - h->id_run_node[k]), stop - n,
		                 out + (n - first));
		n = stop;
	}
}

/* heap_find_id by the runs: the node of id's rank. */
static uint32_t
find_ranked(const struct heap *h, uint64_t id)
{
	uint32_t r, lo = 0, hi = h->id_run_count, k;

	/* the head first: its nodes come before the runs' */
	for (uint32_t i = 0; i < h->id_head; i++)
		if (h->id_head_ids[i] == id)
			return i;
	r = idmap_rank(h->id_map, id);
	if (r == IDMAP_NONE || hi == 0)
		return HEAP_NONE;
	/* the last run (in rank order) that starts at or before r */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (h->id_run_rank[h->id_run_by_rank[mid]] <= r)
			lo = mid;
		else
			hi = mid;
	}
	k = h->id_run_by_rank[lo];
	if (r < h->id_run_rank[k] || r - h->id_run_rank[k] >= run_end(h, k) - h->id_run_node[k])
		return HEAP_NONE;	/* an object id no node has */
	return h->id_run_node[k] + (r - h->id_run_rank[k]);
}

uint32_t
heap_find_id(struct heap *h, uint64_t id)
{
	uint32_t lo = 0, hi = h->node_count;

	if (h->node_id32 == NULL && h->node_id64 == NULL && h->id_run_by_rank)
		return find_ranked(h, id);
	if (h->by_id == NULL) {
		h->by_id = xmallocarray(h->node_count, sizeof *h->by_id);
		for (uint32_t i = 0; i < h->node_count; i++)
			h->by_id[i] = i;
		sort_heap = h;
		qsort(h->by_id, h->node_count, sizeof *h->by_id, cmp_by_id);
		sort_heap = NULL;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (heap_node_id(h, h->by_id[mid]) < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->node_count && heap_node_id(h, h->by_id[lo]) == id)
		return h->by_id[lo];
	return HEAP_NONE;
}

uint8_t
heap_node_type_odd(const struct heap *h, uint32_t n)
{
	uint32_t i = bits_find(h->type_odd_node, h->type_odd_count, n);
	return i != UINT32_MAX ? h->type_odd_type[i] : h->classes[heap_node_class(h, n)].type;
}

uint32_t
heap_self_big(const struct heap *h, uint32_t n)
{
	uint32_t i = bits_find(h->self_big_node, h->self_big_count, n);
	/* every node marked HEAP_SELF_BIG has its entry (hb_node) */
	return i != UINT32_MAX ? h->self_big_size[i] : 0;
}

uint32_t
heap_edge_source(const struct heap *h, uint32_t e)
{
	/* Last node whose first edge is <= e (nodes without edges share it). */
	uint32_t lo = 0, hi = h->node_count;

	if (h->first_edge)
		return bits_last_at_most(h->first_edge, h->node_count, e);
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (heap_first_edge(h, mid) <= e)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

uint32_t
heap_edge_fetch(const struct heap *h, uint32_t e, uint8_t *type)
{
	struct heap_edge_cache *c = h->edge_cache;

	if (c == NULL || e < c->first || e - c->first >= c->count) {
		uint32_t n = heap_edge_source(h, e);
		uint32_t first = heap_first_edge(h, n), count = heap_first_edge(h, n + 1) - first;
		if (c == NULL) {
			/* the heap is const to its readers; the cache is not */
			c = xcalloc(1, sizeof *c);
			((struct heap *)(uintptr_t)h)->edge_cache = c;
		}
		if (count > c->cap) {
			free(c->types);
			free(c->names);
			c->types = xmallocarray(count, sizeof *c->types);
			c->names = xmallocarray(count, sizeof *c->names);
			c->cap = count;
		}
		h->edge_src->edges(h->edge_ctx, h, n, first, count, c->types, c->names);
		c->node = n;
		c->first = first;
		c->count = count;
	}
	*type = c->types[e - c->first];
	return c->names[e - c->first];
}

size_t
heap_edge_name(const struct heap *h, uint32_t e, char *buf, size_t size)
{
	int n;
	if (h->edge_type_indexed[heap_edge_type(h, e)])
		n = snprintf(buf, size, "%" PRIu32, heap_edge_name_id(h, e));
	else
		n = snprintf(buf, size, "%s", heap_str(h, heap_edge_name_id(h, e)));
	return n < 0 ? 0 : (size_t)n;
}

size_t
heap_edge_label(const struct heap *h, uint32_t e, char *buf, size_t size)
{
	const char *t = h->edge_type_names[heap_edge_type(h, e)];
	char name[256];
	int n;

	heap_edge_name(h, e, name, sizeof name);
	if (strcmp(t, "element") == 0)
		n = snprintf(buf, size, "[%s]", name);
	else if (strcmp(t, "context") == 0)
		n = snprintf(buf, size, "->%s", name);
	else if (strcmp(t, "weak") == 0)
		n = snprintf(buf, size, "[[%s]]", name);
	else if (strcmp(t, "property") == 0 || strcmp(t, "shortcut") == 0 ||
	         strcmp(t, "field") == 0 || strcmp(t, "static") == 0 || heap_edge_soft(h, e))
		n = strchr(name, ' ') ? snprintf(buf, size, "[\"%s\"]", name)
		                      : snprintf(buf, size, ".%s", name);
	else
		n = snprintf(buf, size, "{%s}", name);
	return n < 0 ? 0 : (size_t)n;
}

uint32_t
heap_node_label(const struct heap *h, uint32_t n)
{
	uint32_t i = bits_find(h->label_node, h->label_count, n);
	return i != UINT32_MAX ? h->label_str[i] : HEAP_NONE;
}

size_t
heap_node_lazy_label(const struct heap *h, uint32_t n, char *buf, size_t size)
{
	if (h->lazy == NULL || (heap_node_name_id(h, n) != h->lazy_name &&
	                        bits_find(h->lazy_nodes, h->lazy_node_count, n) == UINT32_MAX))
		return SIZE_MAX;
	return h->lazy->make(h->lazy_ctx, h, n, buf, size);
}

int
heap_format_id(const struct heap *h, uint64_t id, char *buf, size_t size)
{
	if (h && h->hex_ids)
		return snprintf(buf, size, "0x%" PRIx64, id);
	return snprintf(buf, size, "%" PRIu64, id);
}

uint64_t
heap_max_id(struct heap *h)
{
	uint64_t ids[4096], max = 0;

	if (h->max_id)
		return h->max_id - 1;
	for (uint32_t n = 0; n < h->node_count; n += 4096) {
		uint32_t k = h->node_count - n < 4096 ? h->node_count - n : 4096;
		heap_node_ids(h, n, k, ids);
		for (uint32_t i = 0; i < k; i++)
			if (ids[i] > max)
				max = ids[i];
	}
	h->max_id = max == UINT64_MAX ? max : max + 1;
	return max;
}

uint32_t
heap_node_values(const struct heap *h, uint32_t n, uint32_t first, struct heap_value *out, uint32_t max)
{
	if (h->lazy == NULL || h->lazy->values == NULL || n >= h->node_count)
		return 0;
	return h->lazy->values(h->lazy_ctx, h, n, first, out, max);
}
