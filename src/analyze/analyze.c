#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heapsift/analyze.h"
#include "heapsift/xalloc.h"

void
reach_compute(struct heap *h, const uint64_t *retaining)
{
	const uint32_t n = h->node_count;
	uint32_t *queue = xmallocarray(n, sizeof *queue);
	uint8_t *reach = xmallocarray(n, 1);
	size_t head, len;

	memset(reach, HEAP_UNREACHABLE, n);
	/* Through retaining edges from the root ... */
	head = len = 0;
	reach[h->root] = HEAP_REACHABLE;
	queue[len++] = h->root;
	while (head < len) {
		uint32_t v = queue[head++];
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t c = h->edge_to[e];
			if (reach[c] == HEAP_UNREACHABLE && bit_get(retaining, e)) {
				reach[c] = HEAP_REACHABLE;
				queue[len++] = c;
			}
		}
	}
	/* ... then through any edge from what that reached. */
	head = 0;
	while (head < len) {
		uint32_t v = queue[head++];
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t c = h->edge_to[e];
			if (reach[c] == HEAP_UNREACHABLE) {
				reach[c] = HEAP_WEAK_ONLY;
				queue[len++] = c;
			}
		}
	}
	memset(h->reach_count, 0, sizeof h->reach_count);
	memset(h->reach_bytes, 0, sizeof h->reach_bytes);
	for (uint32_t v = 0; v < n; v++) {
		h->reach_count[reach[v]]++;
		h->reach_bytes[reach[v]] += h->node_self[v];
	}
	free(queue);
	free(h->reach);
	h->reach = reach;
}

int
generic_rules_retaining(struct heap *h, uint64_t **retaining, struct progress *progress)
{
	const uint32_t n = h->node_count;
	const int weak = heap_edge_type_find(h, "weak");
	uint64_t *bits = xcalloc(((size_t)h->edge_count + 63) / 64 + 1, sizeof *bits);

	progress_phase(progress, "retaining edges", 0);
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++)
			if ((weak < 0 || h->edge_type[e] != (uint8_t)weak) && h->edge_to[e] != v)
				bit_set(bits, e);
	*retaining = bits;
	free(h->node_self);
	h->node_self = xmallocarray(n, sizeof *h->node_self);
	memcpy(h->node_self, h->node_self_raw, (size_t)n * sizeof *h->node_self);
	return progress_cancelled(progress) ? HS_ECANCEL : HS_OK;
}

int
generic_rules_classes(struct heap *h, struct progress *progress)
{
	const uint32_t n = h->node_count;
	const int weak = heap_edge_type_find(h, "weak");
	uint32_t *queue;
	size_t head = 0, len = 0;

	if (h->node_class == NULL) {
		/* One class per distinct node name. */
		uint32_t *by_name = xmallocarray(strtab_count(&h->strings), sizeof *by_name);
		size_t cap = 0;
		memset(by_name, 0xff, strtab_count(&h->strings) * sizeof *by_name);
		h->node_class = xmallocarray(n, sizeof *h->node_class);
		for (uint32_t v = 0; v < n; v++) {
			uint32_t nm = h->node_name[v];
			if (by_name[nm] == HEAP_NONE) {
				XGROW(h->classes, cap, (size_t)h->class_count + 1);
				memset(&h->classes[h->class_count], 0, sizeof *h->classes);
				h->classes[h->class_count].name = nm;
				h->classes[h->class_count].location = HEAP_NONE;
				by_name[nm] = h->class_count++;
			}
			h->node_class[v] = by_name[nm];
		}
		free(by_name);
	}

	progress_phase(progress, "distances", 0);
	h->distance = xmallocarray(n, sizeof *h->distance);
	queue = xmallocarray(n, sizeof *queue);
	for (uint32_t v = 0; v < n; v++)
		h->distance[v] = HEAP_NO_DISTANCE;
	h->distance[h->root] = 0;
	queue[len++] = h->root;
	while (head < len) {
		uint32_t v = queue[head++];
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t c = h->edge_to[e];
			if ((weak >= 0 && h->edge_type[e] == (uint8_t)weak) ||
			    h->distance[c] != HEAP_NO_DISTANCE)
				continue;
			h->distance[c] = h->distance[v] + 1;
			queue[len++] = c;
		}
	}
	free(queue);
	return progress_cancelled(progress) ? HS_ECANCEL : HS_OK;
}

int
analyze_heap(struct heap *h, struct progress *progress, struct hs_error *err)
{
	uint64_t *retaining = NULL;
	bool v8 = h->rules == HEAP_RULES_V8;
	int r;

	r = v8 ? v8rules_retaining(h, &retaining, progress)
	       : generic_rules_retaining(h, &retaining, progress);
	if (r == HS_OK)
		r = dom_compute(h, retaining, progress);
	if (r == HS_OK) {
		reach_compute(h, retaining);
		free(retaining);
		retaining = NULL;
		r = v8 ? v8rules_classes(h, progress) : generic_rules_classes(h, progress);
	}
	free(retaining);
	if (r != HS_OK)
		return error_set(err, HS_ECANCEL, h->path, "cancelled");
	progress_phase(progress, "classes", 0);
	dom_children_build(h);
	h->total_size = h->retained[h->root] + h->extra_native_bytes;
	if (v8)
		v8rules_statistics(h);
	classes_aggregate(h);
	h->analysed = true;
	return HS_OK;
}
