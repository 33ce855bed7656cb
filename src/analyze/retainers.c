/* Reverse edges, for dominators (predecessors) and the retainers view. */
#include "config.h"

#include <stdlib.h>

#include "heapsift/analyze.h"
#include "heapsift/xalloc.h"

void
retainers_build(struct heap *h)
{
	const uint32_t n = h->node_count, m = h->edge_count;
	uint32_t *first = xcalloc((size_t)n + 1, sizeof *first);
	uint32_t *edge = xmallocarray(m, sizeof *edge);
	uint32_t *src = xmallocarray(m, sizeof *src);
	uint32_t sum = 0;

	for (uint32_t e = 0; e < m; e++)
		first[heap_edge_to(h, e)]++;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = first[i];
		first[i] = sum;
		sum += c;
	}
	first[n] = sum;
	/* Fill in edge order; first[t] walks forward and is restored below. */
	for (uint32_t s = 0; s < n; s++) {
		for (uint32_t e = heap_first_edge(h, s), e_end = heap_first_edge(h, s + 1); e < e_end; e++) {
			uint32_t slot = first[heap_edge_to(h, e)]++;
			edge[slot] = e;
			src[slot] = s;
		}
	}
	for (uint32_t i = n; i > 0; i--)
		first[i] = first[i - 1];
	first[0] = 0;
	free(h->ret_first);
	free(h->ret_edge);
	free(h->ret_src);
	h->ret_first = first;
	h->ret_edge = edge;
	h->ret_src = src;
}
