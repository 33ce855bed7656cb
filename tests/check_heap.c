/* The heap model's compact encodings (what hprof dumps use): sizes in a
 * byte a node with an overflow table, 16-bit classes, types kept per
 * class, ids as ranks in the id map.  Each case also takes the fallback
 * and checks that the accessors give back exactly what was put in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/heap_builder.h"
#include "heapsift/idmap.h"
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
	struct heap *h = classed(1000, 300, 300, one, 1);
	ck_assert_ptr_nonnull(h->node_class16);
	ck_assert_ptr_null(h->node_class);
	/* every class has one type: none kept per node */
	ck_assert_ptr_null(h->node_type);
	ck_assert_uint_eq(h->classes[7].type, 1);
	heap_free(h);
}
END_TEST

START_TEST(test_classes_widen)
{
	/* 70000 names where 100 were expected: the 65537th class widens the
	 * classes to 32 bits, and the nodes before keep theirs */
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

Suite *
suite_heap(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("compact");
	tcase_add_test(tc, test_compact_sizes);
	tcase_add_test(tc, test_compact_sizes_out_of_order);
	tcase_add_test(tc, test_classes16);
	tcase_add_test(tc, test_classes_widen);
	tcase_add_test(tc, test_classes_wide_expected);
	tcase_add_test(tc, test_mixed_types);
	suite_add_tcase(s, tc);
	return s;
}
