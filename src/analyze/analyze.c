#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/analyze.h"
#include "heapsift/xalloc.h"

static inline enum heap_reach
reach_get(const uint8_t *reach, uint32_t v)
{
	return (enum heap_reach)(reach[v >> 2] >> ((v & 3) * 2) & 3);
}

static inline void
reach_set(uint8_t *reach, uint32_t v, enum heap_reach r)
{
	unsigned sh = (v & 3) * 2;
	reach[v >> 2] = (uint8_t)((reach[v >> 2] & ~(3u << sh)) | (unsigned)r << sh);
}

void
reach_compute(struct heap *h, const uint8_t *order)
{
	const uint32_t n = h->node_count, k = h->reach_count[HEAP_REACHABLE];
	const unsigned ow = bits_width(n);
	uint8_t *reach = xmallocarray((size_t)n / 4 + 1, 1);
	uint32_t *queue = NULL;
	size_t head = 0, len = 0, cap = 0;

	/* The root's DFS over retaining edges numbered exactly the nodes it
	 * reaches: order[1..k] (dom_compute). */
	memset(reach, HEAP_UNREACHABLE * 0x55, (size_t)n / 4 + 1);
	for (uint32_t w = 1; w <= k; w++)
		reach_set(reach, dom_order_get(order, ow, w), HEAP_REACHABLE);
	/* Then what any edge reaches from them: one pass in node order, and a
	 * search from what it finds (usually little). */
	if (k < n) {
		for (uint32_t v = 0; v < n; v++) {
			if (reach_get(reach, v) != HEAP_REACHABLE)
				continue;
			for (uint32_t e = heap_first_edge(h, v), e_end = heap_first_edge(h, v + 1); e < e_end; e++) {
				uint32_t c = heap_edge_to(h, e);
				if (reach_get(reach, c) == HEAP_UNREACHABLE) {
					reach_set(reach, c, HEAP_WEAK_ONLY);
					XGROW(queue, cap, len + 1);
					queue[len++] = c;
				}
			}
		}
		while (head < len) {
			uint32_t v = queue[head++];
			for (uint32_t e = heap_first_edge(h, v), e_end = heap_first_edge(h, v + 1); e < e_end; e++) {
				uint32_t c = heap_edge_to(h, e);
				if (reach_get(reach, c) == HEAP_UNREACHABLE) {
					reach_set(reach, c, HEAP_WEAK_ONLY);
					XGROW(queue, cap, len + 1);
					queue[len++] = c;
				}
			}
		}
	}
	memset(h->reach_count, 0, sizeof h->reach_count);
	memset(h->reach_bytes, 0, sizeof h->reach_bytes);
	for (uint32_t v = 0; v < n; v++) {
		enum heap_reach r = reach_get(reach, v);
		h->reach_count[r]++;
		h->reach_bytes[r] += heap_node_self(h, v);
	}
	free(queue);
	free(h->reach);
	h->reach = reach;
}

void
generic_rules_retaining(struct heap *h, uint64_t **retaining, uint64_t **has_in)
{
	const uint32_t n = h->node_count;
	const int weak = heap_edge_type_find(h, "weak");
	uint64_t *bits = xcalloc(((size_t)h->edge_count + 63) / 64 + 1, sizeof *bits);
	uint64_t *in = xcalloc(((size_t)n + 63) / 64 + 1, sizeof *in);

	for (uint32_t v = 0; v < n; v++)
		for (uint32_t e = heap_first_edge(h, v), e_end = heap_first_edge(h, v + 1); e < e_end; e++)
			if ((weak < 0 || heap_edge_type(h, e) != (uint8_t)weak) && heap_edge_to(h, e) != v) {
				bit_set(bits, e);
				bit_set(in, heap_edge_to(h, e));
			}
	*retaining = bits;
	*has_in = in;
}

void
generic_rules_shallow_sizes(struct heap *h)
{
	/* the sizes as the file gives them: shared, not copied */
	if (h->node_self != h->node_self_raw)
		free(h->node_self);
	h->node_self = h->node_self_raw;
}

void
generic_rules_class_names(struct heap *h)
{
	const uint32_t n = h->node_count;
	uint32_t *by_name;
	size_t cap = 0;

	if (heap_has_node_class(h))
		return;	/* the loader knows the classes */
	/* One class per distinct node name. */
	by_name = xmallocarray(strtab_count(&h->strings), sizeof *by_name);
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

/* One level of a breadth-first search: a list while it is short, else a
 * bitmap (of which a search has at most 256 levels: each holds n / 256
 * nodes), so that the search needs no queue of a word a node. */
struct level {
	uint32_t *list;
	uint64_t *bits;		/* zero but while the level is in it */
	size_t len;
	bool in_bits;
};

static void
level_add(struct level *l, uint32_t v, size_t limit, size_t words)
{
	if (!l->in_bits) {
		if (l->len < limit) {
			l->list[l->len++] = v;
			return;
		}
		if (l->bits == NULL)
			l->bits = xcalloc(words, sizeof *l->bits);
		for (size_t i = 0; i < l->len; i++)
			bit_set(l->bits, l->list[i]);
		l->in_bits = true;
	}
	bit_set(l->bits, v);
}

/* The distances dist (n, packed in *dw bits, all ones for none) in full
 * bits instead. */
static uint8_t *
distances_widen(uint8_t *dist, uint32_t n, unsigned *dw, unsigned full)
{
	const uint32_t none = (uint32_t)(((uint64_t)1 << *dw) - 1);
	const uint32_t full_none = (uint32_t)(((uint64_t)1 << full) - 1);
	uint8_t *wide = xcalloc(bits_packed_bytes(n, full), 1);

	for (uint32_t v = 0; v < n; v++) {
		uint32_t d = bits_packed_get(dist, *dw, v);
		bits_packed_set(wide, full, v, d == none ? full_none : d);
	}
	free(dist);
	*dw = full;
	return wide;
}

void
generic_rules_distances(struct heap *h)
{
	const uint32_t n = h->node_count;
	const int weak = heap_edge_type_find(h, "weak");
	const size_t limit = (size_t)n / 256 + 4096, words = (size_t)n / 64 + 1;
	/* packed: a distance is below n, and all ones is "none"; in a byte
	 * while they are below 255 (heaps are shallow: 18 M Java objects
	 * within 30 steps), else in the bits n needs */
	const unsigned full = bits_width(n);
	unsigned dw = full < 8 ? full : 8;
	uint32_t none = (uint32_t)(((uint64_t)1 << dw) - 1);
	struct level a = { 0 }, b = { 0 }, *cur = &a, *next = &b;
	uint8_t *dist;

	free(h->distance);
	free(h->distance_packed);
	h->distance = NULL;
	dist = xmallocarray(bits_packed_bytes(n, dw), 1);
	memset(dist, 0xff, bits_packed_bytes(n, dw));
	a.list = xmallocarray(limit, sizeof *a.list);
	b.list = xmallocarray(limit, sizeof *b.list);
	bits_packed_set(dist, dw, h->root, 0);
	cur->list[cur->len++] = h->root;
	for (int32_t d = 1; cur->len || cur->in_bits; d++) {
		size_t i = 0, w = 0;
		uint64_t word = 0;
		for (;;) {
			uint32_t v;
			if (cur->in_bits) {
				while (word == 0 && w < words) {
					word = cur->bits[w];
					cur->bits[w++] = 0;
				}
				if (word == 0)
					break;
				v = (uint32_t)((w - 1) * 64 + (size_t)__builtin_ctzll(word));
				word &= word - 1;
			} else {
				if (i == cur->len)
					break;
				v = cur->list[i++];
			}
			for (uint32_t e = heap_first_edge(h, v), e_end = heap_first_edge(h, v + 1); e < e_end; e++) {
				uint32_t c = heap_edge_to(h, e);
				if ((weak >= 0 && heap_edge_type(h, e) == (uint8_t)weak) || heap_edge_soft(h, e) ||
				    bits_packed_get(dist, dw, c) != none)
					continue;
				if ((uint32_t)d == none) {
					dist = distances_widen(dist, n, &dw, full);
					none = (uint32_t)(((uint64_t)1 << dw) - 1);
				}
				bits_packed_set(dist, dw, c, (uint32_t)d);
				level_add(next, c, limit, words);
			}
		}
		cur->len = 0;
		cur->in_bits = false;
		{
			struct level *t = cur;
			cur = next;
			next = t;
		}
	}
	free(a.list);
	free(b.list);
	free(a.bits);
	free(b.bits);
	h->distance_packed = dist;
	h->distance_bits = (uint8_t)dw;
}

/* The reachable objects only a path through a Java referent reaches:
 * those the distances left without one (a pass in node order). */
static void
referent_only(struct heap *h)
{
	h->referent_only_count = 0;
	h->referent_only_bytes = 0;
	if (h->soft_edges == NULL || h->reach == NULL)
		return;
	for (uint32_t v = 0; v < h->node_count; v++)
		if (heap_node_reach(h, v) == HEAP_REACHABLE && heap_node_distance(h, v) < 0) {
			h->referent_only_count++;
			h->referent_only_bytes += heap_node_self(h, v);
		}
}

/* --- the pipeline ----------------------------------------------------------------
 * Two threads (the machines we run on have at least two cores):
 *
 *   main                                  side
 *   DOM state (renames nodes)
 *   retaining edges (reads strings)       shallow sizes
 *   dominators
 *   ---- wait for the side ----
 *   reachability, retained sizes          class names (add strings),
 *     (need shallow sizes)                  V8: distances
 *   ---- wait for the side ----
 *   dominator children, class retained sizes
 *   others: distances
 *   statistics, class counts
 *
 * Distances and class names wait until after the dominators so that their
 * arrays are not alive at the dominators' peak of memory (measured: 13 MiB
 * more on 1.7 M nodes, a third over DevTools' peak); see below for the
 * distances of other dumps.
 *
 * The side never runs while the main thread reads strings and adds them,
 * and each writes only its own arrays. */

struct side {
	struct heap *h;
	void (*steps[3])(struct heap *h);
	pthread_t thread;
	bool started;
};

static void *
side_run(void *arg)
{
	struct side *s = arg;
	bool times = getenv("HEAPSIFT_TIMES") != NULL;
	for (size_t i = 0; i < 3 && s->steps[i]; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		s->steps[i](s->h);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (times)
			fprintf(stderr, "heapsift:   (side step %zu: %.3f s)\n", i,
			        (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	}
	return NULL;
}

static void
side_start(struct side *s)
{
	s->started = pthread_create(&s->thread, NULL, side_run, s) == 0;
	if (!s->started)
		side_run(s);	/* no thread: run here */
}

static void
side_wait(struct side *s)
{
	if (s->started)
		pthread_join(s->thread, NULL);
	s->started = false;
}

int
analyze_heap(struct heap *h, struct progress *progress, struct hs_error *err)
{
	uint64_t *retaining = NULL, *has_in = NULL;
	uint8_t *order = NULL;
	bool v8 = h->rules == HEAP_RULES_V8;
	struct side side = { .h = h };
	int r;

	if (progress_phase(progress, "retaining edges", 0))
		return error_set(err, HS_ECANCEL, h->path, "cancelled");
	if (v8) {
		v8rules_dom_state(h);
		side.steps[0] = v8rules_shallow_sizes;
	} else {
		side.steps[0] = generic_rules_shallow_sizes;
	}
	side_start(&side);
	if (v8)
		v8rules_retaining(h, &retaining, &has_in);
	else
		generic_rules_retaining(h, &retaining, &has_in);
	r = dom_compute(h, retaining, has_in, &order, progress);
	free(has_in);
	side_wait(&side);
	xalloc_trim();
	if (r != HS_OK) {
		free(retaining);
		return error_set(err, HS_ECANCEL, h->path, "cancelled");
	}

	/* V8: distances beside the retained sizes (snapshots are small next to
	 * the memory at hand, time matters).  Others: after the class
	 * retained sizes, once the dominator children are gone, so that the
	 * distances and their queue (2 words a node) are never alive with
	 * the order and the children (measured on an 18 M-object dump: the
	 * peak falls by 4 words a node, for the 0.2 s they no longer
	 * overlap). */
	memset(side.steps, 0, sizeof side.steps);
	side.steps[0] = v8 ? v8rules_class_names : generic_rules_class_names;
	if (v8)
		side.steps[1] = v8rules_distances;
	side_start(&side);
	progress_phase(progress, "retained sizes", 0);
	free(retaining);
	reach_compute(h, order);
	if (!h->interactive) {
		/* one walk, without the children index (they are browsed) */
		side_wait(&side);
		progress_phase(progress, "classes", 0);
		if (dom_retained_classes(h, order)) {
			order = NULL;
			xalloc_trim();
		}
	}
	if (order) {
		dom_retained(h, order);
		side_wait(&side);
		dom_children_build(h);
		progress_phase(progress, "classes", 0);
		classes_retained(h);
		suspects_find(h, &(struct dom_kids){ .child = NULL });
		if (!h->interactive)
			dom_children_drop(h);
	}
	if (!v8) {
		progress_phase(progress, "distances", 0);
		generic_rules_distances(h);
		referent_only(h);
	}
	h->total_size = heap_retained(h, h->root) + h->extra_native_bytes;
	if (v8)
		v8rules_statistics(h);
	classes_counts(h);
	h->analysed = true;
	return HS_OK;
}
