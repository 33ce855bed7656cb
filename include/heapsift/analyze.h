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

/* Reverse edges: ret_first/ret_edge/ret_src, a node's retainers in edge
 * order with their source nodes.
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

/* The order dom_compute() returns, packed (bits.h) in
 * bits_width(node_count) bits an entry: entry 0 is how many follow. */
static inline uint32_t
dom_order_get(const uint8_t *order, unsigned bits, uint32_t i)
{
	return bits_packed_get(order, bits, i);
}

/* Dominators over the edges set in `retaining`; has_in (node_count bits,
 * may be NULL) tells which nodes have a retaining edge into them.
 * Nodes the root does not reach that have no retaining edge into them are
 * treated as children of the root, with what they reach (DevTools' rule for
 * objects held only by weak edges); nodes still unreached (cycles of garbage)
 * get the root as their dominator.  Fills h->idom and returns in *order
 * the nodes in an order where a dominator precedes what it dominates, what
 * the root reaches first, for dom_retained() and reach_compute().
 * Iterative: no recursion however deep the graph. */
int dom_compute(struct heap *h, const uint64_t *retaining, const uint64_t *has_in,
                uint8_t **order, struct progress *progress);
/* The algorithm (for tests).  DOM_AUTO: Semi-NCA for V8's rules, else the
 * iterative one (Cooper, Harvey & Kennedy) over join nodes; DOM_ITERATIVE:
 * that one whatever the rules.  The iterative algorithm starts over with
 * Semi-NCA past dom_iter_budget steps (0: a budget linear in the graph). */
enum { DOM_AUTO, DOM_SEMI_NCA, DOM_ITERATIVE };
extern int dom_method;
extern uint64_t dom_iter_budget;
/* Retained sizes from idom and node_self, visiting nodes in the order
 * dom_compute() returned (a dominator before what it dominates); frees it.
 * 32-bit when the total fits in units of the sizes' common alignment. */
void dom_retained(struct heap *h, uint8_t *order);
/* Batch analyses (not h->interactive): the retained sizes and the classes'
 * retained sizes (classes_retained) in one walk of the dominator tree.
 * The order is freed first and the children, packed, take its place; the
 * children's index turns into the retained sizes: a word a node and the
 * packed children beside idom, where dom_retained() and the children index
 * take 3 words.  False (the order kept) when the retained sizes need 64
 * bits.  Needs the classes. */
bool dom_retained_classes(struct heap *h, uint8_t *order);

/* How suspects_find() reads the dominator children: the heap's index
 * (child NULL: dom_first/dom_child), or the batch walk's packed children
 * (cw bits each, count of them), grouped by dominator in node order. */
struct dom_kids {
	const uint8_t *child;
	unsigned cw;
	uint32_t count;
};

/* Leak suspects into h->suspects (Eclipse MAT's FindLeaksQuery, on the
 * dominator tree): the top dominators -- the root's dominator children,
 * through synthetic nodes (root groups), that a root reaches -- retaining
 * more than SUSPECT_PERCENT of the heap, then the classes whose other top
 * dominators together do; an object's accumulation point is reached from
 * it by following the child of the largest retained size while that keeps
 * SUSPECT_DROP or more of its parent's (at most SUSPECT_DEPTH steps).
 * Needs the retained sizes, reachability and classes. */
#define SUSPECT_PERCENT 10
#define SUSPECT_DROP 0.7
#define SUSPECT_DEPTH 1000
void suspects_find(struct heap *h, const struct dom_kids *k);

/* Dominator children CSR (dom_first/dom_child) from idom.  analyze_heap()
 * keeps it only for h->interactive (8 bytes a node);
 * dom_children_need() builds it when missing (the views that read it). */
void dom_children_build(struct heap *h);
void dom_children_need(struct heap *h);
void dom_children_drop(struct heap *h);

/* h->reach: reachable through retaining edges / only through weak ones /
 * not at all; and the counts and bytes of each.  order is dom_compute()'s
 * (the first reach_count[HEAP_REACHABLE] of it are what the root reaches). */
void reach_compute(struct heap *h, const uint8_t *order);

/* Class aggregates (DevTools Summary), in two halves that analyze_heap()
 * runs apart.  classes_retained: the retained size summed over instances
 * not dominated by another instance of the same class (needs
 * dom_first/dom_child).  classes_counts: count and shallow size of
 * instances with a non-zero shallow size, minimum distance (needs
 * distance). */
void classes_retained(struct heap *h);
void classes_counts(struct heap *h);

/* DevTools' rules (v8rules.c), step by step; analyze_heap() says which may
 * run at the same time.
 * v8rules_dom_state: "Detached" names of detached DOM nodes (renames nodes).
 * v8rules_retaining: the retaining-edge bitset (edge_count bits) and which
 *   nodes a retaining edge reaches (node_count bits); the caller frees both.
 *   Reads strings.
 * v8rules_shallow_sizes: node_self.
 * v8rules_distances: distance.
 * v8rules_class_names: node_class and classes (names; adds strings). */
void v8rules_dom_state(struct heap *h);
void v8rules_retaining(struct heap *h, uint64_t **retaining, uint64_t **has_in);
void v8rules_shallow_sizes(struct heap *h);
void v8rules_distances(struct heap *h);
void v8rules_class_names(struct heap *h);

/* DevTools' Comparison names the base's plain objects by the target's
 * interface definitions (aggregatesForDiff).  For each node of h: the
 * index of the definition of defs (a V8 heap whose classes are named) it
 * takes, defs->interface_count for a plain object that takes none (its
 * class is then its own name, "Object"), HEAP_NONE for any other node (its
 * class stays).  The caller frees the array. */
uint32_t *v8rules_interfaces_from(const struct heap *h, const struct heap *defs);

/* DevTools' Statistics (code, strings, JS arrays, typed arrays, system,
 * native); needs node_self and total_size. */
void v8rules_statistics(struct heap *h);

/* The name DevTools shows for a node: a concatenated string's text, a
 * plain object's '{a, b, ...}', the node's name otherwise.  Truncated to
 * size, NUL-terminated; returns the length written. */
size_t v8rules_node_name(const struct heap *h, uint32_t node, char *buf, size_t size);

/* Generic rules: every non-weak, non-self edge retains, sizes as given,
 * distances by BFS over them, a class per node name (unless the loader
 * gave classes). */
void generic_rules_retaining(struct heap *h, uint64_t **retaining, uint64_t **has_in);
void generic_rules_shallow_sizes(struct heap *h);
void generic_rules_distances(struct heap *h);
void generic_rules_class_names(struct heap *h);

#endif
