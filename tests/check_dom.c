/* Dominators and retained sizes: hand-made graphs, a 1,000,000-long chain,
 * and random graphs checked against a brute-force reference. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/heap_builder.h"
#include "heapsift/xalloc.h"

START_TEST(test_diamond)
{
	/* 0 -> 1 -> 3, 0 -> 2 -> 3: nobody but the root holds 3 alone. */
	struct heap *h = tgraph(4, "0>1 0>2 1>3 2>3", (uint32_t[]){ 0, 10, 20, 40 });
	ck_assert_uint_eq(heap_idom(h, 0), 0);
	ck_assert_uint_eq(heap_idom(h, 1), 0);
	ck_assert_uint_eq(heap_idom(h, 2), 0);
	ck_assert_uint_eq(heap_idom(h, 3), 0);
	ck_assert_uint_eq(heap_retained(h, 0), 70);
	ck_assert_uint_eq(heap_retained(h, 1), 10);
	ck_assert_uint_eq(heap_retained(h, 3), 40);
	ck_assert_uint_eq(h->reach_count[HEAP_REACHABLE], 4);
	heap_free(h);
}
END_TEST

START_TEST(test_cycle)
{
	/* 0 -> 1 -> 2 -> 1: 1 dominates 2 despite the back edge. */
	struct heap *h = tgraph(3, "0>1 1>2 2>1", (uint32_t[]){ 0, 5, 7 });
	ck_assert_uint_eq(heap_idom(h, 1), 0);
	ck_assert_uint_eq(heap_idom(h, 2), 1);
	ck_assert_uint_eq(heap_retained(h, 1), 12);
	ck_assert_uint_eq(heap_retained(h, 2), 7);
	ck_assert_int_eq(heap_node_distance(h, 2), 2);
	heap_free(h);
}
END_TEST

START_TEST(test_self_loop)
{
	struct heap *h = tgraph(3, "0>1 1>1 1>2 2>2", NULL);
	ck_assert_uint_eq(heap_idom(h, 1), 0);
	ck_assert_uint_eq(heap_idom(h, 2), 1);
	ck_assert_uint_eq(heap_retained(h, 1), 2);
	ck_assert_uint_eq(heap_retained(h, 0), 3);
	heap_free(h);
}
END_TEST

START_TEST(test_unreachable_island)
{
	/* 2 <-> 3 is garbage that also points into the live 1: it is kept,
	 * reported, hangs under the root, and does not change 1's dominator. */
	struct heap *h = tgraph(5, "0>1 1>4 2>3 3>2 2>4 3>1", (uint32_t[]){ 0, 1, 100, 1000, 10 });
	ck_assert_uint_eq(heap_idom(h, 1), 0);
	ck_assert_uint_eq(heap_idom(h, 4), 1);
	ck_assert_uint_eq(heap_idom(h, 2), 0);
	ck_assert_uint_eq(heap_idom(h, 3), 0);
	ck_assert_uint_eq(heap_retained(h, 1), 11);
	ck_assert_uint_eq(heap_retained(h, 2), 100);
	ck_assert_uint_eq(heap_retained(h, 3), 1000);
	ck_assert_uint_eq(heap_retained(h, 0), 1111);
	ck_assert_int_eq(heap_node_reach(h, 2), HEAP_UNREACHABLE);
	ck_assert_int_eq(heap_node_reach(h, 3), HEAP_UNREACHABLE);
	ck_assert_uint_eq(h->reach_count[HEAP_UNREACHABLE], 2);
	ck_assert_uint_eq(h->reach_bytes[HEAP_UNREACHABLE], 1100);
	ck_assert_int_eq(heap_node_distance(h, 2), HEAP_NO_DISTANCE);
	heap_free(h);
}
END_TEST

START_TEST(test_orphan_subtree)
{
	/* 2 has no retainer at all: it becomes a child of the root with what
	 * it alone reaches (3), as DevTools does. */
	struct heap *h = tgraph(4, "0>1 2>3", (uint32_t[]){ 0, 1, 2, 4 });
	ck_assert_uint_eq(heap_idom(h, 2), 0);
	ck_assert_uint_eq(heap_idom(h, 3), 2);
	ck_assert_uint_eq(heap_retained(h, 2), 6);
	ck_assert_int_eq(heap_node_reach(h, 3), HEAP_UNREACHABLE);
	heap_free(h);
}
END_TEST

START_TEST(test_weak_only)
{
	/* 1 is held only weakly: not retained by the root's subtree, but
	 * attached under the root; reach says "weak". */
	struct heap *h = tgraph(4, "0~1 1>2 0>3 3~2", (uint32_t[]){ 0, 1, 2, 4 });
	ck_assert_uint_eq(heap_idom(h, 1), 0);
	ck_assert_uint_eq(heap_idom(h, 2), 1);
	ck_assert_uint_eq(heap_retained(h, 1), 3);
	ck_assert_uint_eq(heap_retained(h, 3), 4);
	ck_assert_int_eq(heap_node_reach(h, 1), HEAP_WEAK_ONLY);
	ck_assert_int_eq(heap_node_reach(h, 2), HEAP_WEAK_ONLY);
	ck_assert_int_eq(heap_node_reach(h, 3), HEAP_REACHABLE);
	ck_assert_uint_eq(h->reach_count[HEAP_WEAK_ONLY], 2);
	ck_assert_int_eq(heap_node_distance(h, 1), HEAP_NO_DISTANCE);
	heap_free(h);
}
END_TEST

START_TEST(test_weak_edge_does_not_dominate)
{
	struct heap *h = tgraph(3, "0>1 1>2 0~2", NULL);
	ck_assert_uint_eq(heap_idom(h, 2), 1);
	heap_free(h);
}
END_TEST

/* A chain of n nodes built directly (the text form would be 14 MB). */
static struct heap *
chain(uint32_t n)
{
	struct heap_builder b;
	struct hs_error err;
	struct heap *h;
	uint32_t name;

	hb_init(&b, heap_new("test", "chain"));
	hb_rules(&b, HEAP_RULES_GENERIC);
	hb_node_type(&b, "object");
	hb_edge_type(&b, "ref", false);
	hb_alloc(&b, n, n - 1);
	name = hb_string(&b, "link", 4);
	for (uint32_t i = 0; i < n; i++)
		hb_node(&b, i, 0, name, i, 8, i + 1 < n);
	for (uint32_t i = 0; i + 1 < n; i++)
		hb_edge(&b, i, 0, name, i + 1);
	error_clear(&err);
	h = hb_finish(&b, &err);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(analyze_heap(h, NULL, &err), HS_OK);
	return h;
}

START_TEST(test_million_chain)
{
	const uint32_t n = 1000000;
	struct heap *h = chain(n);
	for (uint32_t i = 1; i < n; i++)
		if (heap_idom(h, i) != i - 1)
			ck_abort_msg("idom[%u] = %u", i, heap_idom(h, i));
	ck_assert_uint_eq(heap_retained(h, 0), (uint64_t)8 * n);
	ck_assert_uint_eq(heap_retained(h, n / 2), (uint64_t)8 * (n - n / 2));
	ck_assert_int_eq(heap_node_distance(h, n - 1), (int)n - 1);
	ck_assert_uint_eq(h->classes[heap_node_class(h, 5)].retained, (uint64_t)8 * n);
	heap_free(h);
}
END_TEST

/* Packed ids: addresses as 32-bit offsets, small ids as they are, and an
 * id that does not fit (unaligned, below the base) widens them all. */
static void
packed(const uint64_t *ids, uint32_t n, bool wide)
{
	struct heap_builder b;
	struct hs_error err;
	struct heap *h;

	hb_init(&b, heap_new("test", "packed"));
	hb_rules(&b, HEAP_RULES_GENERIC);
	hb_node_type(&b, "object");
	hb_edge_type(&b, "ref", false);
	hb_alloc(&b, n, 0);
	hb_pack_ids(&b, 0x7f0000000ULL, 3);
	for (uint32_t i = 0; i < n; i++)
		hb_node(&b, i, 0, hb_string(&b, "x", 1), ids[i], 8, 0);
	error_clear(&err);
	h = hb_finish(&b, &err);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->node_id64 != NULL, wide);
	for (uint32_t i = 0; i < n; i++) {
		ck_assert_uint_eq(heap_node_id(h, i), ids[i]);
		ck_assert_uint_eq(heap_find_id(h, ids[i]), i);
	}
	ck_assert_uint_eq(heap_find_id(h, 0x7f0000000ULL + 4), HEAP_NONE);
	heap_free(h);
}

START_TEST(test_packed_ids)
{
	const uint64_t fit[] = { 0, 3, 63, 0x7f0000000ULL, 0x7f0000008ULL, 0x7f0000000ULL + (8ULL << 31) };
	const uint64_t unaligned[] = { 0, 0x7f0000000ULL, 0x7f000000cULL, 0x7f0000010ULL };
	const uint64_t below[] = { 1, 0x7f0000000ULL, 0x100, 0x7f0000010ULL };
	const uint64_t far[] = { 0x7f0000000ULL, 0x7f0000000ULL + (8ULL << 32) };
	packed(fit, 6, false);
	packed(unaligned, 4, true);
	packed(below, 4, true);
	packed(far, 2, true);
}
END_TEST

/* --- random graphs against a brute-force reference ----------------------- */

struct ref {
	uint32_t idom[32];
	uint64_t retained[32];
};

/* DevTools' semantics, the slow and obvious way: the root reaches what it
 * reaches through retaining edges; nodes left with no retaining edge into
 * them become children of the root; the rest is garbage under the root
 * whose edges count for nothing.  Dominator sets by iteration. */
static void
reference(uint32_t n, const uint32_t *from, const uint32_t *to, const int *weak, uint32_t ne,
          const uint32_t *size, struct ref *out)
{
	uint32_t reach = 1, has_in = 0, dom[32];
	bool changed;

	for (uint32_t e = 0; e < ne; e++)
		if (!weak[e] && from[e] != to[e])
			has_in |= 1u << to[e];
	/* reachable from the root, then from the orphans */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			for (uint32_t v = 1; v < n; v++)
				if (!(reach >> v & 1) && !(has_in >> v & 1))
					reach |= 1u << v;
		do {
			changed = false;
			for (uint32_t e = 0; e < ne; e++)
				if (!weak[e] && (reach >> from[e] & 1) && !(reach >> to[e] & 1)) {
					reach |= 1u << to[e];
					changed = true;
				}
		} while (changed);
	}
	for (uint32_t v = 0; v < n; v++)
		dom[v] = v == 0 ? 1u : (n == 32 ? UINT32_MAX : (1u << n) - 1);
	do {
		changed = false;
		for (uint32_t v = 1; v < n; v++) {
			uint32_t d = n == 32 ? UINT32_MAX : (1u << n) - 1;
			bool any = false;
			if (!(reach >> v & 1))
				continue;
			if (!(has_in >> v & 1)) {
				d = dom[0];	/* the root's child */
				any = true;
			}
			for (uint32_t e = 0; e < ne; e++)
				if (to[e] == v && !weak[e] && from[e] != v && (reach >> from[e] & 1)) {
					d &= dom[from[e]];
					any = true;
				}
			if (!any)
				d = dom[0];
			d |= 1u << v;
			if (d != dom[v]) {
				dom[v] = d;
				changed = true;
			}
		}
	} while (changed);
	for (uint32_t v = 0; v < n; v++) {
		uint32_t best = 0, best_count = 0;
		out->idom[v] = 0;
		if (v == 0 || !(reach >> v & 1))
			continue;
		for (uint32_t u = 0; u < n; u++)
			if (u != v && (dom[v] >> u & 1) &&
			    (uint32_t)__builtin_popcount(dom[u]) > best_count) {
				best = u;
				best_count = (uint32_t)__builtin_popcount(dom[u]);
			}
		out->idom[v] = best;
	}
	for (uint32_t v = 0; v < n; v++) {
		out->retained[v] = 0;
		for (uint32_t u = 0; u < n; u++) {
			/* u is in v's subtree if v is on u's idom chain */
			uint32_t x = u;
			for (uint32_t k = 0; k <= n; k++) {
				if (x == v) {
					out->retained[v] += size[u];
					break;
				}
				if (x == 0)
					break;
				x = out->idom[x];
			}
		}
	}
}

START_TEST(test_random_graphs)
{
	unsigned seed = 12345;
	for (int iter = 0; iter < 3000; iter++) {
		uint32_t n = 2 + (uint32_t)(rand_r(&seed) % 20);
		uint32_t ne = (uint32_t)(rand_r(&seed) % (3 * n));
		uint32_t from[96], to[96], size[32];
		int weak[96];
		char spec[2048];
		size_t len = 0;
		struct heap *h;
		struct ref ref;

		for (uint32_t v = 0; v < n; v++)
			size[v] = (uint32_t)(rand_r(&seed) % 100);
		for (uint32_t e = 0; e < ne; e++) {
			from[e] = (uint32_t)(rand_r(&seed) % n);
			to[e] = (uint32_t)(rand_r(&seed) % n);
			weak[e] = rand_r(&seed) % 5 == 0;
			len += (size_t)snprintf(spec + len, sizeof spec - len, "%u%c%u ", from[e],
			                        weak[e] ? '~' : '>', to[e]);
		}
		spec[len] = '\0';
		h = tgraph(n, spec, size);
		reference(n, from, to, weak, ne, size, &ref);
		for (uint32_t v = 0; v < n; v++) {
			ck_assert_msg(heap_idom(h, v) == ref.idom[v], "graph %d (%s): idom[%u] = %u, expected %u",
			              iter, spec, v, heap_idom(h, v), ref.idom[v]);
			ck_assert_msg(heap_retained(h, v) == ref.retained[v],
			              "graph %d (%s): retained[%u] = %lu, expected %lu", iter, spec, v,
			              (unsigned long)heap_retained(h, v), (unsigned long)ref.retained[v]);
		}
		heap_free(h);
	}
}
END_TEST

START_TEST(test_dominator_children)
{
	struct heap *h = tgraph(6, "0>1 0>2 1>3 1>4 2>5 4>5", NULL);
	/* built on demand outside the TUI */
	ck_assert_ptr_null(h->dom_first);
	dom_children_need(h);
	/* children of 1: 3 and 4; of 0: 1, 2 and 5 */
	ck_assert_uint_eq(h->dom_first[2] - h->dom_first[1], 2);
	ck_assert_uint_eq(h->dom_first[1] - h->dom_first[0], 3);
	ck_assert_uint_eq(h->dom_first[6] - h->dom_first[5], 0);
	retainers_build(h);
	/* 5 is retained by 2 and 4, in edge order */
	ck_assert_uint_eq(h->ret_first[6] - h->ret_first[5], 2);
	ck_assert_uint_eq(heap_edge_source(h, h->ret_edge[h->ret_first[5]]), 2);
	ck_assert_uint_eq(heap_edge_source(h, h->ret_edge[h->ret_first[5] + 1]), 4);
	ck_assert_uint_eq(h->ret_src[h->ret_first[5]], 2);
	ck_assert_uint_eq(h->ret_src[h->ret_first[5] + 1], 4);
	heap_free(h);
}
END_TEST

/* Retained sizes are 32-bit in units of the sizes' alignment while the
 * total fits (packed in the bits the total needs after the batch walk,
 * which tgraph's analyses are), 64-bit otherwise; either way exact. */
START_TEST(test_retained_widths)
{
	static const uint32_t one[40] = { 1 };	/* the root's size alone */
	struct heap *h = tgraph(3, "0>1 0>2", (uint32_t[]){ 8, 0x80000000u, 0x80000000u });
	ck_assert_ptr_nonnull(h->retained_packed);
	ck_assert_uint_eq(h->retained_shift, 3);
	ck_assert_uint_eq(h->retained_bits, 30);
	ck_assert_uint_eq(heap_retained(h, 0), 0x100000008ULL);
	ck_assert_uint_eq(heap_retained(h, 2), 0x80000000ULL);
	heap_free(h);
	h = tgraph(3, "0>1 0>2", (uint32_t[]){ 1, 0xC0000001u, 0xC0000001u });
	ck_assert_ptr_nonnull(h->retained64);
	ck_assert_uint_eq(heap_retained(h, 0), 0x180000003ULL);
	ck_assert_uint_eq(heap_retained(h, 1), 0xC0000001ULL);
	heap_free(h);
	h = tgraph(3, "0>1 1>2", (uint32_t[]){ 3, 5, 7 });
	ck_assert_ptr_nonnull(h->retained_packed);
	ck_assert_uint_eq(h->retained_shift, 0);
	ck_assert_uint_eq(h->retained_bits, 4);
	ck_assert_uint_eq(heap_retained(h, 0), 15);
	ck_assert_uint_eq(heap_retained(h, 1), 12);
	heap_free(h);
	/* the offsets of the children need more bits than the sizes */
	h = tgraph(40, "0>1 0>2 0>3 0>4 0>5 0>6 0>7 0>8 0>9 0>10 0>11 0>12 0>13 0>14 0>15 0>16 "
	               "0>17 0>18 0>19 0>20 0>21 0>22 0>23 0>24 0>25 0>26 0>27 0>28 0>29 0>30 "
	               "0>31 0>32 0>33 0>34 0>35 0>36 0>37 0>38 0>39", one);
	ck_assert_ptr_nonnull(h->retained_packed);
	ck_assert_uint_eq(h->retained_bits, bits_width(40));
	ck_assert_uint_eq(heap_retained(h, 0), 1);
	ck_assert_uint_eq(heap_retained(h, 39), 0);
	heap_free(h);
}
END_TEST

/* ne random edges among n nodes appended to spec (cap bytes, len used),
 * mostly forward and local so that paths are long, a tenth weak; returns
 * the new length. */
static size_t
random_edges(unsigned *seed, uint32_t n, uint32_t ne, char *spec, size_t cap, size_t len)
{
	for (uint32_t e = 0; e < ne; e++) {
		uint32_t from = (uint32_t)(rand_r(seed) % n), to;
		if (rand_r(seed) % 4)
			to = (from + 1 + (uint32_t)(rand_r(seed) % 8)) % n;
		else
			to = (uint32_t)(rand_r(seed) % n);
		len += (size_t)snprintf(spec + len, cap - len, "%u%c%u ", from,
		                        rand_r(seed) % 10 == 0 ? '~' : '>', to);
	}
	return len;
}

/* The two algorithms agree on larger random graphs: clusters with many
 * cycles and joins, some weak edges, garbage. */
START_TEST(test_algorithms_agree)
{
	unsigned seed = 777;
	for (int iter = 0; iter < 40; iter++) {
		uint32_t n = 200 + (uint32_t)(rand_r(&seed) % 3000);
		uint32_t ne = n + (uint32_t)(rand_r(&seed) % (2 * n));
		size_t cap = (size_t)ne * 24 + 1, len = 0;
		char *spec = xmalloc(cap);
		struct heap *a, *b;

		len = random_edges(&seed, n, ne, spec, cap, len);
		dom_method = DOM_AUTO;
		a = tgraph(n, spec, NULL);
		dom_method = DOM_SEMI_NCA;
		b = tgraph(n, spec, NULL);
		for (uint32_t v = 0; v < n; v++) {
			ck_assert_msg(heap_idom(a, v) == heap_idom(b, v), "graph %d: idom[%u] = %u, Semi-NCA %u",
			              iter, v, heap_idom(a, v), heap_idom(b, v));
			ck_assert_uint_eq(heap_retained(a, v), heap_retained(b, v));
		}
		ck_assert_uint_eq(a->reach_count[HEAP_REACHABLE], b->reach_count[HEAP_REACHABLE]);
		heap_free(a);
		heap_free(b);
		free(spec);
	}
}
END_TEST

/* Outside the TUI the retained sizes and the classes' come from one walk
 * of the dominator tree (dom_retained_classes); in it, from the order and
 * the children index.  Both agree, and with the obvious definition: a
 * class retains what its instances do, less what one instance retains of
 * another's. */
START_TEST(test_batch_walk_agrees)
{
	unsigned seed = 4242;
	for (int iter = 0; iter < 30; iter++) {
		uint32_t n = 100 + (uint32_t)(rand_r(&seed) % 2000);
		uint32_t ne = n / 4 + (uint32_t)(rand_r(&seed) % n);
		size_t cap = ((size_t)ne + n) * 24 + 1, len = 0;
		char *spec = xmalloc(cap);
		uint32_t *size = xmallocarray(n, sizeof *size), *cls = xmallocarray(n, sizeof *cls);
		struct heap *a, *b;

		for (uint32_t v = 0; v < n; v++) {
			size[v] = rand_r(&seed) % 7 == 0 ? 0 : 8 * (1 + (uint32_t)(rand_r(&seed) % 50));
			cls[v] = (uint32_t)(rand_r(&seed) % 6);
		}
		/* a tree (so that the dominator tree branches), and more */
		for (uint32_t v = 1; v < n; v++)
			len += (size_t)snprintf(spec + len, cap - len, "%u>%u ",
			                        (uint32_t)(rand_r(&seed) % v), v);
		len = random_edges(&seed, n, ne, spec, cap, len);
		a = tgraph_ex(n, spec, size, cls, false);
		b = tgraph_ex(n, spec, size, cls, true);
		ck_assert_ptr_null(a->dom_first);
		ck_assert_ptr_nonnull(b->dom_first);
		ck_assert_uint_eq(a->class_count, b->class_count);
		for (uint32_t v = 0; v < n; v++) {
			ck_assert_uint_eq(heap_idom(a, v), heap_idom(b, v));
			ck_assert_uint_eq(heap_retained(a, v), heap_retained(b, v));
			ck_assert_int_eq(heap_node_distance(a, v), heap_node_distance(b, v));
		}
		for (uint32_t c = 0; c < a->class_count; c++) {
			uint64_t want = 0;
			/* instances with no instance of their class above them */
			for (uint32_t v = 0; v < n; v++) {
				uint32_t x = v;
				bool top = heap_node_self(a, v) != 0 && heap_node_class(a, v) == c;
				while (top && x != a->root) {
					x = heap_idom(a, x);
					if (heap_node_self(a, x) != 0 && heap_node_class(a, x) == c)
						top = false;
				}
				if (top)
					want += heap_retained(a, v);
			}
			ck_assert_msg(a->classes[c].retained == want && b->classes[c].retained == want,
			              "graph %d class %u: %lu and %lu, expected %lu", iter, c,
			              (unsigned long)a->classes[c].retained,
			              (unsigned long)b->classes[c].retained, (unsigned long)want);
			ck_assert_uint_eq(a->classes[c].count, b->classes[c].count);
			ck_assert_int_eq(a->classes[c].distance, b->classes[c].distance);
		}
		/* the suspects: found through the walk's children, and the index's */
		ck_assert_uint_eq(a->suspect_count, b->suspect_count);
		for (uint32_t i = 0; i < a->suspect_count; i++)
			ck_assert_msg(memcmp(&a->suspects[i], &b->suspects[i], sizeof a->suspects[i]) == 0,
			              "graph %d suspect %u differs", iter, i);
		heap_free(a);
		heap_free(b);
		free(spec);
		free(size);
		free(cls);
	}
}
END_TEST

/* Leak suspects (suspects.c) on a graph whose answer is worked out by hand:
 *   1 (A) -> 2 -> 3 -> 4..13: A retains 230, 2 keeps 220 of it (96%), 3 210
 *     (95%), each of 4..13 20 of 210 (10%): A's memory accumulates in 3,
 *     two steps down;
 *   14..33: 20 objects of one class held by the root, 15 each: 300
 *     together, a class suspect;
 *   34: 40 alone, no suspect; 35: 500 of garbage, no suspect;
 *   36 (G) -> 37 -> 38..47 (30 each), G -> 48 (200), G -> 49..53 (10
 *     each): G retains 570, its largest child 37 310 (54%): G accumulates
 *     in itself, but 37 and 48 are suspects themselves: G is looked
 *     through, and they are suspects in its place (37 accumulated in
 *     itself, 48 too); 49..53 (50) are no class suspect.
 * 10% of 1640 is 164.  Both walks (batch and browsed) find the same. */
START_TEST(test_suspects)
{
	char spec[2048];
	size_t len = 0;
	uint32_t size[54], cls[54];

	len += (size_t)snprintf(spec + len, sizeof spec - len, "0>1 1>2 2>3 0>34 0>36 36>37 36>48 ");
	for (uint32_t v = 4; v <= 13; v++)
		len += (size_t)snprintf(spec + len, sizeof spec - len, "3>%u ", v);
	for (uint32_t v = 14; v <= 33; v++)
		len += (size_t)snprintf(spec + len, sizeof spec - len, "0>%u ", v);
	for (uint32_t v = 38; v <= 47; v++)
		len += (size_t)snprintf(spec + len, sizeof spec - len, "37>%u ", v);
	for (uint32_t v = 49; v <= 53; v++)
		len += (size_t)snprintf(spec + len, sizeof spec - len, "36>%u ", v);
	for (uint32_t v = 0; v < 54; v++) {
		size[v] = v == 0 ? 0 : v <= 3 ? 10 : v <= 13 ? 20 : v <= 33 ? 15 : v == 34 ? 40 :
		          v == 35 ? 500 : v <= 37 ? 10 : v <= 47 ? 30 : v == 48 ? 200 : 10;
		cls[v] = v == 0 ? 0 : v <= 3 ? v : v <= 13 ? 4 : v <= 33 ? 5 : v <= 35 ? v - 28 :
		         v <= 37 ? v - 28 : v <= 47 ? 10 : v == 48 ? 11 : 12;
	}
	for (int browsed = 0; browsed < 2; browsed++) {
		struct heap *h = tgraph_ex(54, spec, size, cls, browsed);
		const struct heap_suspect *s = h->suspects;
		ck_assert_uint_eq(heap_retained(h, 0), 1640);
		ck_assert_uint_eq(heap_retained(h, 36), 570);
		ck_assert_uint_eq(h->suspect_count, 4);
		/* 37: 310, accumulated in itself */
		ck_assert(!s[0].is_class);
		ck_assert_uint_eq(s[0].node, 37);
		ck_assert_uint_eq(s[0].retained, 310);
		ck_assert_uint_eq(s[0].accumulation, 37);
		ck_assert_uint_eq(s[0].depth, 0);
		/* the class of 14..33: 300 */
		ck_assert(s[1].is_class);
		ck_assert_uint_eq(s[1].count, 20);
		ck_assert_uint_eq(s[1].retained, 300);
		ck_assert_uint_eq(s[1].node, 14);	/* the first of equals */
		ck_assert_uint_eq(s[1].accumulation, HEAP_NONE);
		ck_assert_str_eq(heap_str(h, h->classes[s[1].class_index].name), "c5");
		/* A: 230, accumulated two steps down in 3 */
		ck_assert(!s[2].is_class);
		ck_assert_uint_eq(s[2].node, 1);
		ck_assert_uint_eq(s[2].retained, 230);
		ck_assert_uint_eq(s[2].accumulation, 3);
		ck_assert_uint_eq(s[2].depth, 2);
		/* 48: 200, no children */
		ck_assert_uint_eq(s[3].node, 48);
		ck_assert_uint_eq(s[3].accumulation, 48);
		heap_free(h);
	}
}
END_TEST

/* A chain whose last node holds nearly all: no drop down to it, so the
 * accumulation point is the last node, when it is within SUSPECT_DEPTH
 * steps; beyond, none (as MAT, which gives none). */
START_TEST(test_suspect_chain)
{
	for (uint32_t n = SUSPECT_DEPTH; n <= SUSPECT_DEPTH + 2; n += 2) {
		size_t cap = (size_t)n * 16 + 16, len = 0;
		char *spec = xmalloc(cap);
		uint32_t *size = xmallocarray(n, sizeof *size);
		struct heap *h;
		for (uint32_t v = 0; v + 1 < n; v++)
			len += (size_t)snprintf(spec + len, cap - len, "%u>%u ", v, v + 1);
		for (uint32_t v = 0; v < n; v++)
			size[v] = v + 1 < n ? 1 : 1000;	/* the last holds it all */
		h = tgraph(n, spec, size);
		free(size);
		ck_assert_uint_eq(h->suspect_count, 1);
		ck_assert_uint_eq(h->suspects[0].node, 1);
		if (n - 2 < SUSPECT_DEPTH) {
			/* n - 2 steps from node 1 to the last, which has no child */
			ck_assert_uint_eq(h->suspects[0].accumulation, n - 1);
			ck_assert_uint_eq(h->suspects[0].depth, n - 2);
		} else {
			ck_assert_uint_eq(h->suspects[0].accumulation, HEAP_NONE);
		}
		heap_free(h);
		free(spec);
	}
}
END_TEST

/* Distances: levels wider than the search keeps in a list (n / 256 + 4096
 * nodes) go to a bitmap, and a deep chain needs as many levels; they are
 * kept in a byte each until one is 255, then in the bits n needs, the
 * nodes without one (the last, reached by a weak edge alone) kept so. */
START_TEST(test_distances_wide_and_deep)
{
	const uint32_t wide = 10000, deep = 5000, n = 2 + 2 * wide + deep;
	size_t cap = (size_t)n * 24, len = 0;
	char *spec = xmalloc(cap);
	struct heap *h;

	for (uint32_t i = 0; i < wide; i++)
		len += (size_t)snprintf(spec + len, cap - len, "0>%u %u>%u ", 1 + i, 1 + i,
		                        1 + wide + i);
	len += (size_t)snprintf(spec + len, cap - len, "%u>%u ", wide, 1 + 2 * wide);
	for (uint32_t i = 1; i < deep; i++)
		len += (size_t)snprintf(spec + len, cap - len, "%u>%u ", 2 * wide + i, 2 * wide + i + 1);
	/* a weak shortcut does not count */
	snprintf(spec + len, cap - len, "0~%u 0~%u", n - 2, n - 1);
	h = tgraph(n, spec, NULL);
	ck_assert_uint_eq(h->distance_bits, bits_width(n));
	ck_assert_int_eq(heap_node_distance(h, n - 1), HEAP_NO_DISTANCE);
	ck_assert_int_eq(heap_node_distance(h, 0), 0);
	for (uint32_t i = 0; i < wide; i++) {
		ck_assert_int_eq(heap_node_distance(h, 1 + i), 1);
		ck_assert_int_eq(heap_node_distance(h, 1 + wide + i), 2);
	}
	for (uint32_t i = 0; i < deep; i++)
		ck_assert_int_eq(heap_node_distance(h, 1 + 2 * wide + i), (int)(2 + i));
	heap_free(h);

	/* 254 levels: a byte each */
	len = 0;
	for (uint32_t i = 0; i < 254; i++)
		len += (size_t)snprintf(spec + len, cap - len, "%u>%u ", i, i + 1);
	snprintf(spec + len, cap - len, "0~300");
	h = tgraph(301, spec, NULL);
	ck_assert_uint_eq(h->distance_bits, 8);
	ck_assert_int_eq(heap_node_distance(h, 254), 254);
	ck_assert_int_eq(heap_node_distance(h, 300), HEAP_NO_DISTANCE);
	heap_free(h);
	free(spec);
}
END_TEST

/* The tests of the "graphs" case again with Semi-NCA alone, and with the
 * iterative algorithm giving up at once (it starts over with Semi-NCA). */
static void
use_semi_nca(void)
{
	dom_method = DOM_SEMI_NCA;
}

static void
give_up_at_once(void)
{
	dom_method = DOM_AUTO;
	dom_iter_budget = 1;
}

static void
add_graph_tests(TCase *tc)
{
	tcase_add_test(tc, test_diamond);
	tcase_add_test(tc, test_cycle);
	tcase_add_test(tc, test_self_loop);
	tcase_add_test(tc, test_unreachable_island);
	tcase_add_test(tc, test_orphan_subtree);
	tcase_add_test(tc, test_weak_only);
	tcase_add_test(tc, test_weak_edge_does_not_dominate);
	tcase_add_test(tc, test_million_chain);
	tcase_add_test(tc, test_random_graphs);
	tcase_add_test(tc, test_dominator_children);
}

Suite *
suite_dom(void)
{
	Suite *s = suite_create("dom");
	TCase *tc = tcase_create("graphs");

	tcase_set_timeout(tc, 120);
	add_graph_tests(tc);
	tcase_add_test(tc, test_packed_ids);
	tcase_add_test(tc, test_algorithms_agree);
	tcase_add_test(tc, test_retained_widths);
	tcase_add_test(tc, test_batch_walk_agrees);
	tcase_add_test(tc, test_suspects);
	tcase_add_test(tc, test_suspect_chain);
	tcase_add_test(tc, test_distances_wide_and_deep);
	suite_add_tcase(s, tc);
	tc = tcase_create("semi-nca");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, use_semi_nca, NULL);
	add_graph_tests(tc);
	suite_add_tcase(s, tc);
	tc = tcase_create("fallback");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, give_up_at_once, NULL);
	add_graph_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}
