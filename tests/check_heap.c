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

Suite *
suite_heap(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("compact");
	tcase_add_test(tc, test_compact_sizes);
	tcase_add_test(tc, test_compact_sizes_out_of_order);
	suite_add_tcase(s, tc);
	return s;
}
