/* The heap model's compact encodings (what hprof dumps use): sizes in a
 * byte a node with an overflow table, 16-bit classes, types kept per
 * class, ids as ranks in the id map, 16-bit first edges.  Each case also takes the fallback
 * and checks that the accessors give back exactly what was put in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/heap_builder.h"
#include "heapsift/idmap.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

/* A builder with one node type "object" and one edge type, nodes
 * allocated, no edges. */
static void
start(struct heap_builder *b, uint32_t nodes)
{
	hb_init(b, heap_new("test", "compact"));
	hb_rules(b, HEAP_RULES_GENERIC);
	hb_node_type(b, "object");
	hb_node_type(b, "array");
	hb_edge_type(b, "ref", false);
	hb_alloc(b, nodes, 0);
}

static struct heap *
finish(struct heap_builder *b)
{
	struct hs_error err;
	struct heap *h;
	error_clear(&err);
	h = hb_finish(b, &err);
	ck_assert_msg(h != NULL, "%s", err.msg);
	return h;
}

/* --- sizes ------------------------------------------------------------------ */

START_TEST(test_compact_sizes)
{
	/* multiples of 8 below 255 * 8 fit a byte; 2040 = 255 * 8 does not
	 * (255 marks the overflow), nor 12, nor 1 << 31 */
	static const uint32_t sizes[] = {
		0, 8, 16, 2032, 2040, 12, 1, 24, 4096, UINT32_MAX, 7, 2048, 8, (uint32_t)1 << 31,
	};
	const uint32_t n = sizeof sizes / sizeof sizes[0];
	struct heap_builder b;
	struct heap *h;
	uint32_t name;

	start(&b, n);
	hb_compact_sizes(&b);
	name = hb_string(&b, "x", 1);
	for (uint32_t i = 0; i < n; i++)
		hb_node(&b, i, 0, name, i + 1, sizes[i], 0);
	h = finish(&b);
	ck_assert_ptr_null(h->node_self_raw);
	ck_assert_ptr_nonnull(h->node_self8);
	ck_assert_uint_eq(h->self_big_count, 8);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(heap_node_self_raw(h, i), sizes[i]);
	/* the generic rules show the sizes as given */
	ck_assert_int_eq(analyze_heap(h, NULL, &(struct hs_error){ 0 }), HS_OK);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(heap_node_self(h, i), sizes[i]);
	heap_free(h);
}
END_TEST

START_TEST(test_compact_sizes_out_of_order)
{
	/* nodes given backwards, one twice: the overflow table stays sorted
	 * and the last size given wins */
	const uint32_t n = 50;
	struct heap_builder b;
	struct heap *h;
	uint32_t name;

	start(&b, n);
	hb_compact_sizes(&b);
	name = hb_string(&b, "x", 1);
	for (uint32_t i = n; i-- > 0;)
		hb_node(&b, i, 0, name, i + 1, i % 3 ? i * 8 : 4000 + i, 0);
	hb_self_big(&b, 3, 99);
	h = finish(&b);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(heap_node_self_raw(h, i), i == 3 ? 99 : i % 3 ? i * 8 : 4000 + i);
	for (uint32_t k = 1; k < h->self_big_count; k++)
		ck_assert_uint_lt(h->self_big_node[k - 1], h->self_big_node[k]);
	heap_free(h);
}
END_TEST


/* --- classes and types ------------------------------------------------------ */

/* n nodes named "c<i % names>", of type types[i % ntypes], with classes
 * given by the builder expecting max classes. */
static struct heap *
classed(uint32_t n, uint32_t names, size_t max, const uint8_t *types, uint32_t ntypes)
{
	struct heap_builder b;
	uint32_t *sid = xmallocarray(names, sizeof *sid);
	struct heap *h;

	start(&b, n);
	hb_node_classes(&b, max);
	for (uint32_t k = 0; k < names; k++) {
		char buf[16];
		sid[k] = hb_string(&b, buf, (size_t)snprintf(buf, sizeof buf, "c%u", k));
	}
	for (uint32_t i = 0; i < n; i++)
		hb_node(&b, i, types[i % ntypes], sid[i % names], i + 1, 8, 0);
	h = finish(&b);
	for (uint32_t i = 0; i < n; i++) {
		char buf[16];
		snprintf(buf, sizeof buf, "c%u", i % names);
		if (strcmp(heap_node_name(h, i), buf) != 0 || heap_node_type(h, i) != types[i % ntypes])
			ck_abort_msg("node %u: %s type %u", i, heap_node_name(h, i), heap_node_type(h, i));
		/* classes numbered in node order: one per name */
		if (heap_node_class(h, i) != i % names)
			ck_abort_msg("node %u: class %u", i, heap_node_class(h, i));
	}
	ck_assert_uint_eq(h->class_count, names);
	free(sid);
	return h;
}

START_TEST(test_classes16)
{
	static const uint8_t one[] = { 1 };
	/* 300 expected: packed in 9 bits */
	struct heap *h = classed(1000, 300, 300, one, 1);
	ck_assert_ptr_nonnull(h->node_class_packed);
	ck_assert_uint_eq(h->class_bits, 9);
	ck_assert_ptr_null(h->node_class16);
	ck_assert_ptr_null(h->node_class);
	/* every class has one type: none kept per node */
	ck_assert_ptr_null(h->node_type);
	ck_assert_uint_eq(h->classes[7].type, 1);
	heap_free(h);
	/* 40000 expected: 16 bits */
	h = classed(1000, 300, 40000, one, 1);
	ck_assert_ptr_nonnull(h->node_class16);
	heap_free(h);
	/* 100 expected (7 bits), 300 come: the 129th class unpacks them to
	 * 16 bits, and the nodes before keep theirs */
	h = classed(1000, 300, 100, one, 1);
	ck_assert_ptr_null(h->node_class_packed);
	ck_assert_ptr_nonnull(h->node_class16);
	heap_free(h);
}
END_TEST

START_TEST(test_classes_widen)
{
	/* 70000 names where 100 were expected: the 129th class unpacks the
	 * classes to 16 bits, the 65537th widens them to 32, and the nodes
	 * before keep theirs */
	static const uint8_t one[] = { 0 };
	struct heap *h = classed(140000, 70000, 100, one, 1);
	ck_assert_ptr_null(h->node_class16);
	ck_assert_ptr_nonnull(h->node_class);
	ck_assert_uint_eq(heap_node_class(h, 69999), 69999);
	heap_free(h);
}
END_TEST

START_TEST(test_classes_wide_expected)
{
	static const uint8_t one[] = { 0 };
	struct heap *h = classed(10, 10, 100000, one, 1);
	ck_assert_ptr_nonnull(h->node_class);
	heap_free(h);
}
END_TEST

START_TEST(test_mixed_types)
{
	/* 40 nodes of 5 names, types cycling over 3: the nodes whose type is
	 * not their class's (its first node's) are few, listed apart */
	static const uint8_t types[] = { 0, 1, 0 };
	static const uint8_t late[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct heap *h = classed(40, 5, 5, types, 3);
	ck_assert_ptr_null(h->node_type);
	ck_assert_uint_gt(h->type_odd_count, 0);
	heap_free(h);
	/* one node differing, the very last */
	h = classed(10, 1, 5, late, 10);
	ck_assert_ptr_null(h->node_type);
	ck_assert_uint_eq(h->type_odd_count, 1);
	ck_assert_str_eq(heap_node_type_name(h, 9), "array");
	ck_assert_str_eq(heap_node_type_name(h, 8), "object");
	heap_free(h);
	/* 10000 nodes, two thirds odd: past a 64th of the nodes, the types
	 * go per node (those given before from the classes and the list) */
	h = classed(10000, 5, 5, types, 3);
	ck_assert_ptr_nonnull(h->node_type);
	ck_assert_uint_eq(h->type_odd_count, 0);
	heap_free(h);
}
END_TEST

/* --- ids as ranks ------------------------------------------------------------- */

#define BASE 0x7f0000000ULL

/* The id map of ids[0 .. n-1] (any order, repeats allowed). */
static void
map_of(struct idmap *m, const uint64_t *ids, uint32_t n)
{
	uint64_t lo = UINT64_MAX, hi = 0, bits = 0;
	for (uint32_t i = 0; i < n; i++) {
		lo = ids[i] < lo ? ids[i] : lo;
		hi = ids[i] > hi ? ids[i] : hi;
		bits |= ids[i];
	}
	idmap_init(m, lo, hi, bits, n);
	for (uint32_t i = 0; i < n; i++)
		idmap_add(m, ids[i]);
	idmap_build(m);
}

/* Sorted ids with gaps: a dense stretch, a gap of several 512-bit blocks,
 * every third slot, a lone far one.  Returns how many. */
static uint32_t
gappy(uint64_t *ids)
{
	uint32_t n = 0;
	for (uint64_t k = 0; k < 700; k++)
		ids[n++] = BASE + 8 * k;
	for (uint64_t k = 0; k < 3000; k++)
		ids[n++] = BASE + 8 * (5000 + 3 * k);
	ids[n++] = BASE + 8 * 40001;
	return n;
}

START_TEST(test_idmap_select)
{
	uint64_t ids[4000], got[4000];
	uint32_t n = gappy(ids);
	struct idmap m;

	map_of(&m, ids, n);
	ck_assert_ptr_nonnull(m.bits);
	ck_assert_uint_eq(idmap_count(&m), n);
	for (uint32_t r = 0; r < n; r++) {
		if (idmap_select(&m, r) != ids[r] || idmap_rank(&m, ids[r]) != r)
			ck_abort_msg("rank %u: select %llx, id %llx", r,
			             (unsigned long long)idmap_select(&m, r), (unsigned long long)ids[r]);
	}
	ck_assert_uint_eq(idmap_rank(&m, BASE + 8), 1);
	ck_assert_uint_eq(idmap_rank(&m, BASE + 8 * 701), IDMAP_NONE);
	ck_assert_uint_eq(idmap_rank(&m, BASE + 4), IDMAP_NONE);
	for (uint32_t r = 0; r < n; r += 97) {
		uint32_t len = n - r < 1500 ? n - r : 1500;
		idmap_select_run(&m, r, len, got);
		for (uint32_t i = 0; i < len; i++)
			ck_assert_uint_eq(got[i], ids[r + i]);
	}
	idmap_free(&m);
}
END_TEST

/* A heap whose nodes have ids want[0 .. n-1], given forwards or
 * backwards, with the id map of objs[0 .. nobj-1] offered to the builder.
 * Checks heap_node_id, heap_node_ids and heap_find_id (the first node of
 * an id) against what was given. */
static struct heap *
ranked(const uint64_t *objs, uint32_t nobj, const uint64_t *want, uint32_t n, bool backwards)
{
	struct heap_builder b;
	struct idmap m, *use;
	struct heap *h;
	uint32_t name;
	uint64_t *got = xmallocarray(n, sizeof *got);

	map_of(&m, objs, nobj);
	start(&b, n);
	hb_pack_ids(&b, m.base, m.shift);
	use = hb_id_map(&b, &m);
	name = hb_string(&b, "x", 1);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = backwards ? n - 1 - k : k;
		/* the map the loader reads stays valid until hb_finish */
		ck_assert_uint_eq(idmap_rank(use, objs[i % nobj]) == IDMAP_NONE, false);
		hb_node(&b, i, 0, name, want[i], 8, 0);
	}
	h = finish(&b);
	idmap_free(&m);
	heap_node_ids(h, 0, n, got);
	for (uint32_t i = 0; i < n; i++) {
		if (heap_node_id(h, i) != want[i] || got[i] != want[i])
			ck_abort_msg("node %u: id %llx / %llx, want %llx", i,
			             (unsigned long long)heap_node_id(h, i), (unsigned long long)got[i],
			             (unsigned long long)want[i]);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t first = 0;
		while (want[first] != want[i])
			first++;
		if (heap_find_id(h, want[i]) != first)
			ck_abort_msg("find %llx: %u, want %u", (unsigned long long)want[i],
			             heap_find_id(h, want[i]), first);
	}
	ck_assert_uint_eq(heap_find_id(h, BASE + 4), HEAP_NONE);
	ck_assert_uint_eq(heap_find_id(h, BASE + 8 * 701), HEAP_NONE);
	ck_assert_uint_eq(heap_find_id(h, BASE + 8 * 50000), HEAP_NONE);
	ck_assert_uint_eq(heap_find_id(h, 1000), HEAP_NONE);
	free(got);
	return h;
}

/* head synthetic nodes (ids head-1 .. 0), then the objects ids[order[i]] */
static uint32_t
nodes_of(uint64_t *want, uint32_t head, const uint64_t *ids, const uint32_t *order, uint32_t n)
{
	for (uint32_t i = 0; i < head; i++)
		want[i] = head - 1 - i;
	for (uint32_t i = 0; i < n; i++)
		want[head + i] = ids[order[i]];
	return head + n;
}

START_TEST(test_ranked_ids)
{
	/* objects in chunks of address order, the chunks shuffled: one run
	 * per chunk */
	static const uint32_t cut[] = { 0, 5, 300, 301, 702, 2000, 3700, 3701 };
	static const uint32_t chunk_order[] = { 3, 0, 6, 2, 5, 1, 4 };
	uint64_t ids[4000], want[4010];
	uint32_t n = gappy(ids), order[4000], o = 0;
	struct heap *h;

	ck_assert_uint_eq(n, cut[7]);
	for (uint32_t c = 0; c < 7; c++)
		for (uint32_t i = cut[chunk_order[c]]; i < cut[chunk_order[c] + 1]; i++)
			order[o++] = i;
	h = ranked(ids, n, want, nodes_of(want, 4, ids, order, n), false);
	ck_assert_ptr_null(h->node_id32);
	ck_assert_ptr_null(h->node_id64);
	ck_assert_ptr_nonnull(h->id_map);
	ck_assert_ptr_nonnull(h->id_run_by_rank);
	ck_assert_uint_eq(h->id_head, 4);
	ck_assert_uint_eq(h->id_run_count, 7);
	heap_free(h);
}
END_TEST

START_TEST(test_ranked_ids_fallbacks)
{
	uint64_t ids[4000], want[4010];
	uint32_t n = gappy(ids), order[4000], nodes;
	struct heap *h;

	/* a random order: about a run a node, more than a 16th of them */
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	for (uint32_t i = n - 1, x = 12345; i > 0; i--) {
		uint32_t j, t;
		x = x * 1103515245u + 12345u;
		j = (x >> 8) % (i + 1);
		t = order[i], order[i] = order[j], order[j] = t;
	}
	h = ranked(ids, n, want, nodes_of(want, 3, ids, order, n), false);
	ck_assert_ptr_nonnull(h->node_id32);
	ck_assert_ptr_null(h->id_map);
	heap_free(h);

	/* in address order, but nodes given backwards */
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	nodes = nodes_of(want, 3, ids, order, n);
	h = ranked(ids, n, want, nodes, true);
	ck_assert_ptr_nonnull(h->node_id32);
	heap_free(h);

	/* an id not in the map after the objects began */
	want[1000] = 9;
	h = ranked(ids, n, want, nodes, false);
	ck_assert_ptr_nonnull(h->node_id32);
	heap_free(h);

	/* an object twice: its runs overlap in rank, heap_find_id sorts
	 * (and finds the first node) */
	want[1000] = ids[5];
	h = ranked(ids, n, want, nodes, false);
	ck_assert_ptr_null(h->node_id32);
	ck_assert_ptr_null(h->id_run_by_rank);
	heap_free(h);

	/* an id that packs into no 32 bits, after the fallback: wide ids */
	want[1000] = 9;
	want[2000] = BASE - 8;	/* below the base */
	h = ranked(ids, n, want, nodes, false);
	ck_assert_ptr_nonnull(h->node_id64);
	heap_free(h);
}
END_TEST

START_TEST(test_ranked_ids_declined)
{
	/* ids too far apart for a bitmap: a sorted array, which the heap
	 * declines (8 bytes an id): ids stay packed, or wide */
	uint64_t ids[3] = { BASE, BASE + ((uint64_t)1 << 50), BASE + 8 }, want[5];
	uint32_t order[3] = { 0, 2, 1 };
	struct heap *h = ranked(ids, 3, want, nodes_of(want, 2, ids, order, 3), false);
	ck_assert_ptr_null(h->id_map);
	ck_assert(h->node_id32 != NULL || h->node_id64 != NULL);
	heap_free(h);
}
END_TEST

/* --- lazy labels ---------------------------------------------------------- */

static size_t
echo_node(void *ctx, const struct heap *h, uint32_t n, char *buf, size_t size)
{
	int k;
	(void)h;
	if (n % 3 == 2)
		return SIZE_MAX;	/* the source has none for this one */
	k = snprintf(buf, size, "%s %u", (const char *)ctx, n);
	return k < 0 ? SIZE_MAX : (size_t)k;
}

static const struct heap_label_source echo_source = { .make = echo_node };

/* The source is asked for the nodes of the name given, and only those. */
START_TEST(test_lazy_by_name)
{
	const uint32_t n = 12;
	struct heap_builder b;
	struct heap *h;
	uint32_t s_name, o_name;
	char buf[32];

	start(&b, n);
	s_name = hb_string(&b, "s", 1);
	o_name = hb_string(&b, "o", 1);
	hb_lazy_labels(&b, &echo_source, (void *)"str", s_name);
	for (uint32_t i = 0; i < n; i++)
		hb_node(&b, i, 0, i % 2 ? s_name : o_name, i + 1, 8, 0);
	h = finish(&b);
	for (uint32_t i = 0; i < n; i++) {
		size_t len = heap_node_lazy_label(h, i, buf, sizeof buf);
		if (i % 2 == 0 || i % 3 == 2) {
			ck_assert_uint_eq(len, SIZE_MAX);
		} else {
			char want[32];
			snprintf(want, sizeof want, "str %u", i);
			ck_assert_uint_eq(len, strlen(want));
			ck_assert_str_eq(buf, want);
		}
		/* shown: the label, or the name when there is none */
		heap_display_name(h, i, buf, sizeof buf);
		if (i % 2 == 0 || i % 3 == 2)
			ck_assert_str_eq(buf, i % 2 ? "s" : "o");
		else
			ck_assert_str_ne(buf, "s");
	}
	heap_free(h);
}
END_TEST

/* --- first edges -------------------------------------------------------------- */

/* 16-bit first edges: blocks of 64 nodes whose firsts span less than 65536
 * are relative to the block, the others wide: a node of 70000 edges in
 * block 1; block 2's firsts span 65535 exactly, block 3's 65536; the last
 * block ends at the edge count. */
START_TEST(test_compact_first_edges)
{
	const uint32_t n = 300;
	uint32_t *count = xmallocarray(n, sizeof *count), *want = xmallocarray(n + 1, sizeof *want);
	uint32_t total = 0;

	for (uint32_t i = 0; i < n; i++)
		count[i] = i % 7;
	count[70] = 70000;
	for (uint32_t blk = 2; blk <= 3; blk++) {
		uint32_t span = 0;
		for (uint32_t i = blk * 64 + 1; i < blk * 64 + 63; i++)
			span += count[i];
		count[blk * 64] = (blk == 2 ? 65535 : 65536) - span;
	}
	for (uint32_t i = 0; i <= n; i++) {
		want[i] = total;
		if (i < n)
			total += count[i];
	}
	for (int compact = 0; compact < 2; compact++) {
		struct heap_builder b;
		struct heap *h;
		uint32_t name, to = 0;

		hb_init(&b, heap_new("test", "compact"));
		hb_rules(&b, HEAP_RULES_GENERIC);
		hb_node_type(&b, "object");
		hb_edge_type(&b, "ref", false);
		hb_alloc(&b, n, total);
		if (compact)
			hb_compact_first_edges(&b);
		name = hb_string(&b, "x", 1);
		for (uint32_t i = 0; i < n; i++)
			hb_node(&b, i, 0, name, i + 1, 8, count[i]);
		for (uint32_t e = 0; e < total; e++) {
			hb_edge(&b, e, 0, name, to);
			to = (to + 1) % n;
		}
		h = finish(&b);
		ck_assert(compact ? h->first_edge == NULL : h->first_edge != NULL);
		for (uint32_t i = 0; i <= n; i++)
			ck_assert_uint_eq(heap_first_edge(h, i), want[i]);
		for (uint32_t i = 0; i < n; i++) {
			ck_assert_uint_eq(heap_edge_count_of(h, i), count[i]);
			if (count[i]) {
				ck_assert_uint_eq(heap_edge_source(h, want[i]), i);
				ck_assert_uint_eq(heap_edge_source(h, want[i + 1] - 1), i);
			}
		}
		if (compact) {
			ck_assert_uint_eq(h->fe_block[0] >> 32, 0);
			ck_assert_uint_ne(h->fe_block[1] >> 32, 0);
			ck_assert_uint_eq(h->fe_block[2] >> 32, 0);
			ck_assert_uint_ne(h->fe_block[3] >> 32, 0);
		}
		heap_free(h);
	}
	free(count);
	free(want);
}
END_TEST

/* --- packed targets ---------------------------------------------------------------- */

/* Targets in the fewest bits that hold every node: widths around byte and
 * word boundaries, every target up to the largest, written in order, then
 * more room (hb_edges_reserve), then mapped (hb_edges_map) and cut to
 * what was used (hb_edges_used). */
START_TEST(test_packed_targets)
{
	static const uint32_t sizes[] = { 1, 2, 3, 255, 256, 257, 65537, 140000 };
	unsigned seed = 99;

	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		const uint32_t n = sizes[k], ne = 2 * n + 20, half = ne / 2;
		uint32_t *want = xmallocarray(ne, sizeof *want), *map = xmallocarray(n, sizeof *map);
		struct heap_builder b;
		struct heap *h;
		uint32_t name;

		for (uint32_t e = 0; e < ne; e++)
			want[e] = e % 5 == 0 ? n - 1 : (uint32_t)rand_r(&seed) % n;
		for (uint32_t v = 0; v < n; v++)
			map[v] = n - 1 - v;
		start(&b, n);
		hb_edges_reserve(&b, half);
		hb_pack_edge_targets(&b);
		hb_edges_reserve(&b, ne + 100);
		name = hb_string(&b, "x", 1);
		for (uint32_t v = 0; v < n; v++)
			hb_node(&b, v, 0, name, v + 1, 8, v == 0 ? ne : 0);
		for (uint32_t e = 0; e < ne; e++)
			hb_edge(&b, e, 0, name, want[e]);
		/* the second half mapped, as a loader turns ranks into nodes */
		hb_edges_map(&b, half, ne, map);
		hb_edges_used(&b, ne);
		h = finish(&b);
		ck_assert_ptr_null(h->edge_to);
		for (uint32_t e = 0; e < ne; e++)
			ck_assert_uint_eq(heap_edge_to(h, e), e < half ? want[e] : map[want[e]]);
		/* the fewest bits: the largest node fits, and not in one fewer */
		ck_assert_uint_lt((uint64_t)n - 1, (uint64_t)1 << h->edge_bits);
		ck_assert(h->edge_bits == 1 || (n - 1) >> (h->edge_bits - 1) == 1);
		heap_free(h);
		free(want);
		free(map);
	}
}
END_TEST

/* bits_seq writes what bits_packed_set would, whatever the width, in
 * place over values still to be read (a running sum, as children_fill
 * does), and keeps the bits after the last element; started at an
 * element (hb_edges_map), the bits before it too. */
START_TEST(test_bits_seq)
{
	for (unsigned w = 1; w <= 32; w++) {
		const uint32_t n = 1000, mask = (uint32_t)(((uint64_t)1 << w) - 1);
		size_t bytes = bits_packed_bytes(n + 1, w);
		uint8_t *p = xmalloc(bytes);
		struct bits_seq seq;
		uint32_t sum = 0, want = 0;

		memset(p, 0, bytes);
		for (uint32_t i = 0; i < n; i++)
			bits_packed_set(p, w, i, (i * 2654435761u) & mask & 3);
		bits_packed_set(p, w, n, mask);	/* after the last written */
		bits_seq_init(&seq, p);
		for (uint32_t i = 0; i < n; i++) {
			sum += bits_packed_get(p, w, i);
			bits_seq_put(&seq, w, sum & mask);
		}
		bits_seq_end(&seq);
		for (uint32_t i = 0; i < n; i++) {
			want += (i * 2654435761u) & mask & 3;
			ck_assert_uint_eq(bits_packed_get(p, w, i), want & mask);
		}
		ck_assert_uint_eq(bits_packed_get(p, w, n), mask);
		/* from element 37 on (bits_seq_init_at), the ones before kept */
		bits_seq_init_at(&seq, p, w, 37);
		for (uint32_t i = 37; i < n; i++)
			bits_seq_put(&seq, w, i & mask);
		bits_seq_end(&seq);
		want = 0;
		for (uint32_t i = 0; i < n; i++) {
			want += (i * 2654435761u) & mask & 3;
			ck_assert_uint_eq(bits_packed_get(p, w, i), (i < 37 ? want & mask : i & mask));
		}
		ck_assert_uint_eq(bits_packed_get(p, w, n), mask);
		free(p);
	}
}
END_TEST

Suite *
suite_heap(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("compact");

	tcase_set_timeout(tc, 60);	/* sanitizers: several times slower */
	tcase_add_test(tc, test_compact_sizes);
	tcase_add_test(tc, test_compact_first_edges);
	tcase_add_test(tc, test_packed_targets);
	tcase_add_test(tc, test_compact_sizes_out_of_order);
	tcase_add_test(tc, test_classes16);
	tcase_add_test(tc, test_classes_widen);
	tcase_add_test(tc, test_classes_wide_expected);
	tcase_add_test(tc, test_mixed_types);
	tcase_add_test(tc, test_idmap_select);
	tcase_add_test(tc, test_ranked_ids);
	tcase_add_test(tc, test_ranked_ids_fallbacks);
	tcase_add_test(tc, test_ranked_ids_declined);
	tcase_add_test(tc, test_lazy_by_name);
	tcase_add_test(tc, test_bits_seq);
	suite_add_tcase(s, tc);
	return s;
}
