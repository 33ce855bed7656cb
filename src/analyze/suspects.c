/* Leak suspects: Eclipse MAT's leak suspects report (FindLeaksQuery), on
 * our dominator tree.  The top dominators are the objects nothing but a
 * root keeps alive: the root's dominator children, looking through the
 * synthetic nodes (Java's root groups, V8's "(GC roots)"), that a root
 * reaches (garbage and objects held only weakly are no leak).  One that
 * alone retains more than SUSPECT_PERCENT of the heap is a suspect; the
 * others are summed by class, and a class whose sum is more than that is
 * one (a thousand sessions of 0.1% each).  From an object suspect the
 * memory is followed down the dominator tree, to the child that retains
 * the most, while that child keeps SUSPECT_DROP of its parent's retained
 * size: where it drops is the accumulation point, the object whose many
 * children hold the memory (a map's table, a list's array).
 *
 * Unlike MAT, an accumulation point one of whose children retains more than
 * the threshold itself is looked through as the synthetic nodes are: its
 * children are top dominators in the suspect's place.  Node's global object
 * dominates nearly all of a snapshot, spread over a few modules: MAT's
 * rules would name it alone, accumulated in itself; these name what leaks
 * inside one of them. */
#include "config.h"

#include <stdlib.h>

#include "heapsift/analyze.h"
#include "heapsift/bits.h"
#include "heapsift/heap.h"
#include "heapsift/xalloc.h"

static uint32_t
kid(const struct heap *h, const struct dom_kids *k, uint32_t i)
{
	return k->child ? bits_packed_get(k->child, k->cw, i) : h->dom_child[i];
}

/* Where v's children are, [*lo, *hi): the heap's index, or a binary search
 * of the groups (in the order of their dominators) for v's. */
static void
kids_of(const struct heap *h, const struct dom_kids *k, uint32_t v, uint32_t *lo, uint32_t *hi)
{
	uint32_t a = 0, b;

	if (k->child == NULL) {
		*lo = h->dom_first[v];
		*hi = h->dom_first[v + 1];
		return;
	}
	for (b = k->count; a < b;) {
		uint32_t mid = a + (b - a) / 2;
		if (heap_idom(h, kid(h, k, mid)) < v)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	for (b = k->count; a < b;) {
		uint32_t mid = a + (b - a) / 2;
		if (heap_idom(h, kid(h, k, mid)) <= v)
			a = mid + 1;
		else
			b = mid;
	}
	*hi = a;
}

/* The accumulation point below v, or HEAP_NONE past SUSPECT_DEPTH steps;
 * *largest: what its largest child retains. */
static uint32_t
accumulation(const struct heap *h, const struct dom_kids *k, uint32_t v, uint32_t *depth,
             uint64_t *largest)
{
	uint64_t r = heap_retained(h, v);

	for (*depth = 0; *depth < SUSPECT_DEPTH; (*depth)++) {
		uint32_t lo, hi, best = HEAP_NONE;
		uint64_t br = 0;
		kids_of(h, k, v, &lo, &hi);
		for (uint32_t i = lo; i < hi; i++) {
			uint32_t c = kid(h, k, i);
			uint64_t cr = heap_retained(h, c);
			if (best == HEAP_NONE || cr > br || (cr == br && c < best)) {
				best = c;
				br = cr;
			}
		}
		*largest = br;
		if (best == HEAP_NONE || (double)br < SUSPECT_DROP * (double)r)
			return v;
		v = best;
		r = br;
	}
	return HEAP_NONE;
}

static int
suspect_cmp(const void *a, const void *b)
{
	const struct heap_suspect *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained > y->retained ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

void
suspects_find(struct heap *h, const struct dom_kids *k)
{
	const uint64_t total = heap_retained(h, h->root) + h->extra_native_bytes;
	const uint64_t threshold = total / 100 * SUSPECT_PERCENT + total % 100 * SUSPECT_PERCENT / 100;
	const int synthetic = heap_node_type_find(h, "synthetic");
	struct cls {
		uint64_t retained, biggest_retained;
		uint32_t count, biggest;
	} *cls = xcalloc(h->class_count ? h->class_count : 1, sizeof *cls);
	uint32_t *stack = NULL, sp = 0;
	size_t scap = 0, cap = 0;

	free(h->suspects);
	h->suspects = NULL;
	h->suspect_count = 0;
	if (h->node_count == 0)
		goto out;
	/* the top dominators, through the synthetic nodes from the root, and
	 * through the accumulation points that hold other suspects */
	XGROW(stack, scap, 1);
	stack[sp++] = h->root;
	while (sp) {
		uint32_t v = stack[--sp], lo, hi;
		kids_of(h, k, v, &lo, &hi);
		for (uint32_t i = lo; i < hi; i++) {
			uint32_t c = kid(h, k, i), ci;
			uint64_t r;
			if (synthetic >= 0 && heap_node_type(h, c) == (unsigned)synthetic) {
				XGROW(stack, scap, (size_t)sp + 1);
				stack[sp++] = c;
				continue;
			}
			if (heap_node_reach(h, c) != HEAP_REACHABLE)
				continue;
			r = heap_retained(h, c);
			ci = heap_node_class(h, c);
			if (r > threshold) {
				uint32_t depth, acc;
				uint64_t largest = 0;
				acc = accumulation(h, k, c, &depth, &largest);
				if (acc != HEAP_NONE && largest > threshold) {
					/* its memory spreads over children of which some
					 * are suspects themselves: look through it */
					XGROW(stack, scap, (size_t)sp + 1);
					stack[sp++] = acc;
					continue;
				}
				XGROW(h->suspects, cap, (size_t)h->suspect_count + 1);
				h->suspects[h->suspect_count++] = (struct heap_suspect){
					.node = c, .class_index = ci, .count = 1, .retained = r,
					.accumulation = acc, .depth = depth,
				};
			} else if (ci < h->class_count) {
				cls[ci].retained += r;
				cls[ci].count++;
				if (cls[ci].count == 1 || r > cls[ci].biggest_retained ||
				    (r == cls[ci].biggest_retained && c < cls[ci].biggest)) {
					cls[ci].biggest = c;
					cls[ci].biggest_retained = r;
				}
			}
		}
	}
	for (uint32_t c = 0; c < h->class_count; c++)
		if (cls[c].retained > threshold) {
			XGROW(h->suspects, cap, (size_t)h->suspect_count + 1);
			h->suspects[h->suspect_count++] = (struct heap_suspect){
				.is_class = true, .node = cls[c].biggest, .class_index = c, .count = cls[c].count,
				.retained = cls[c].retained, .accumulation = HEAP_NONE,
			};
		}
	if (h->suspect_count > 1)
		qsort(h->suspects, h->suspect_count, sizeof *h->suspects, suspect_cmp);
out:
	free(stack);
	free(cls);
}
