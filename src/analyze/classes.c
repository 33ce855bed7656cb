/* Class aggregates, as DevTools' Summary computes them
 * (HeapSnapshot.buildAggregates, calculateClassesRetainedSize). */
#include "config.h"

#include <stdlib.h>

#include "heapsift/analyze.h"
#include "heapsift/xalloc.h"

void
classes_counts(struct heap *h)
{
	const uint32_t n = h->node_count;

	for (uint32_t c = 0; c < h->class_count; c++) {
		h->classes[c].count = 0;
		h->classes[c].shallow = 0;
		h->classes[c].distance = INT32_MAX;
	}
	/* Objects of size zero (after the size rules) are not instances. */
	for (uint32_t v = 0; v < n; v++) {
		struct heap_class *c;
		if (heap_node_self(h, v) == 0)
			continue;
		if (h->reachable_only && h->reach && heap_node_reach(h, v) == HEAP_UNREACHABLE)
			continue;	/* --reachable-only */
		c = &h->classes[heap_node_class(h, v)];
		c->count++;
		c->shallow += heap_node_self(h, v);
		/* DevTools' minimum takes in unreachable objects' -5; for other
		 * dumps a class's distance is its nearest reachable instance's */
		if (heap_node_distance(h, v) < c->distance &&
		    (h->rules == HEAP_RULES_V8 || heap_node_distance(h, v) >= 0))
			c->distance = heap_node_distance(h, v);
	}
}

void
classes_retained(struct heap *h)
{
	uint8_t *seen;
	struct frame {
		uint32_t node, next;
		uint8_t marked;
	} *stack;
	size_t sp = 0, cap = 1024;

	for (uint32_t c = 0; c < h->class_count; c++)
		h->classes[c].retained = 0;
	/* Retained size of a class: over the dominator tree, the instances with
	 * no instance of the same class above them.  Iterative DFS; a class is
	 * "seen" while the walk is below one of its instances. */
	seen = xcalloc(h->class_count ? h->class_count : 1, 1);
	stack = xmallocarray(cap, sizeof *stack);
	stack[sp].node = h->root;
	stack[sp].next = h->dom_first[h->root];
	stack[sp].marked = 0;
	/* The root counts like any node (V8's has no size, others may). */
	if (heap_node_self(h, h->root) != 0) {
		h->classes[heap_node_class(h, h->root)].retained += heap_retained(h, h->root);
		if (h->dom_first[h->root] != h->dom_first[h->root + 1]) {
			seen[heap_node_class(h, h->root)] = 1;
			stack[sp].marked = 1;
		}
	}
	sp++;
	while (sp) {
		struct frame *f = &stack[sp - 1];
		uint32_t child;
		if (f->next == h->dom_first[f->node + 1]) {
			if (f->marked)
				seen[heap_node_class(h, f->node)] = 0;
			sp--;
			continue;
		}
		child = h->dom_child[f->next++];
		if (sp == cap)
			XGROW(stack, cap, sp + 1);
		f = &stack[sp++];
		f->node = child;
		f->next = h->dom_first[child];
		f->marked = 0;
		if (heap_node_self(h, child) != 0 && !seen[heap_node_class(h, child)]) {
			h->classes[heap_node_class(h, child)].retained += heap_retained(h, child);
			if (h->dom_first[child] != h->dom_first[child + 1]) {
				seen[heap_node_class(h, child)] = 1;
				f->marked = 1;
			}
		}
	}
	free(stack);
	free(seen);
}
