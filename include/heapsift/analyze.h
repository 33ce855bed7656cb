/* analyze: derived data of a heap graph — sizes as shown, classes, distances,
 * dominators, retained sizes, reachability and class aggregates.  Results go
 * into the derived part of struct heap (heap.h), which owns them.
 *
 * Rule sets (struct heap.rules):
 *   HEAP_RULES_V8       Chrome DevTools' (chrome-devtools-frontend
 *                       1.0.1705227, HeapSnapshot.ts): which edges retain,
 *                       shallow sizes of hidden/array nodes moved to their
 *                       single owner, class names, distances; v8rules.c.
 *   HEAP_RULES_GENERIC  every non-weak edge retains, sizes as given. */
#ifndef HEAPSIFT_ANALYZE_H
#define HEAPSIFT_ANALYZE_H

#include <stdint.h>

#include "heapsift/error.h"
#include "heapsift/heap.h"
#include "heapsift/progress.h"

/* Runs every analysis.  HS_OK, or HS_ECANCEL when progress cancelled. */
int analyze_heap(struct heap *h, struct progress *progress, struct hs_error *err);

/* The pieces, in the order analyze_heap() runs them. */

/* Reverse edges: ret_first/ret_edge, a node's retainers in edge order.
 * Built on first use (the retainers pane); report and export never need it. */
void retainers_build(struct heap *h);

/* Bit e of a bitset of edge_count bits. */
static inline int
bit_get(const uint64_t *bits, uint32_t i)
{
	return (int)(bits[i >> 6] >> (i & 63) & 1);
}

static inline void
bit_set(uint64_t *bits, uint32_t i)
{
	bits[i >> 6] |= (uint64_t)1 << (i & 63);
}

/* Dominators over the edges set in `retaining`.
 * Nodes the root does not reach that have no retaining edge into them are
 * treated as children of the root, with what they reach (DevTools' rule for
 * objects held only by weak edges); nodes still unreached (cycles of garbage)
 * get the root as their dominator.  Fills h->idom and h->retained (summed
 * from h->node_self).  Iterative: no recursion however deep the graph. */
int dom_compute(struct heap *h, const uint64_t *retaining, struct progress *progress);

/* Dominator children CSR (dom_first/dom_child) from idom. */
void dom_children_build(struct heap *h);

/* h->reach: reachable through retaining edges / only through weak ones /
 * not at all; and the counts and bytes of each. */
void reach_compute(struct heap *h, const uint64_t *retaining);

/* Class aggregates (DevTools Summary): count and shallow size of instances
 * with a non-zero shallow size, minimum distance, and retained size summed
 * over instances not dominated by another instance of the same class. */
void classes_aggregate(struct heap *h);

/* DevTools' rules, see v8rules.c, in two parts so that the dominator
 * computation runs with the fewest arrays alive.
 * v8rules_retaining: the "Detached" names, the retaining-edge bitset
 *   (edge_count bits, caller frees) and node_self.
 * v8rules_classes: distance, node_class and classes (names only). */
int v8rules_retaining(struct heap *h, uint64_t **retaining, struct progress *progress);
int v8rules_classes(struct heap *h, struct progress *progress);

/* DevTools' Statistics (code, strings, JS arrays, typed arrays, system,
 * native); needs node_self and total_size. */
void v8rules_statistics(struct heap *h);

/* The name DevTools shows for a node: a concatenated string's text, a
 * plain object's '{a, b, ...}', the node's name otherwise.  Truncated to
 * size, NUL-terminated; returns the length written. */
size_t v8rules_node_name(const struct heap *h, uint32_t node, char *buf, size_t size);

/* Generic rules: every non-weak, non-self edge retains, sizes as given;
 * then BFS distances and a class per node name. */
int generic_rules_retaining(struct heap *h, uint64_t **retaining, struct progress *progress);
int generic_rules_classes(struct heap *h, struct progress *progress);

#endif
