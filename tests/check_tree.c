/* Navigation state of a pane (tree.h): expand, collapse, cursor and
 * expansion kept by row id across re-sort and filter, search, history. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/load.h"
#include "heapsift/tree.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

/* root -> 3 Alpha, 2 Beta, 1 Gamma; each Alpha holds a string. */
static const char snap[] =
	"{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
	"\"node_types\":[[\"hidden\",\"string\",\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
	"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
	"\"edge_types\":[[\"element\",\"property\",\"internal\",\"weak\",\"shortcut\"],\"string_or_number\",\"node\"]},"
	"\"node_count\":10,\"edge_count\":9},"
	"\"nodes\":[3,0,1,0,6, 2,1,3,10,1, 2,1,5,20,1, 2,1,7,30,1, 2,2,9,100,0, 2,2,11,5,0, 2,3,13,7,0,"
	" 1,4,15,1,0, 1,4,17,2,0, 1,4,19,3,0],"
	"\"edges\":[1,5,5, 1,5,10, 1,5,15, 1,5,20, 1,5,25, 1,5,30, 1,6,35, 1,6,40, 1,6,45],"
	"\"strings\":[\"\",\"Alpha\",\"Beta\",\"Gamma\",\"str\",\"p\",\"s\"]}";

static struct heap *
heap_of(void)
{
	struct model m;
	struct hs_error err;
	error_clear(&err);
	ck_assert_int_eq(load_mem("t.heapsnapshot", snap, sizeof snap - 1, NULL, NULL, &m, &err), HS_OK);
	ck_assert_int_eq(analyze_heap(m.heap, NULL, &err), HS_OK);
	return m.heap;
}

static const char *
name_at(struct tree *t, size_t line)
{
	struct cell c;
	struct vrow r = t->lines[line].row;
	view_cell(t->view, &r, (size_t)view_col_find(t->view, "name"), &c);
	return c.s;
}

START_TEST(test_expand_collapse)
{
	struct heap *h = heap_of();
	struct view *v = view_new(&view_classes, h);
	struct tree t;

	tree_init(&t, v, 0, 0);
	/* classes by retained size: Beta 105, Alpha 60+strings, ... */
	ck_assert_uint_ge(t.n, 3);
	ck_assert_str_eq(name_at(&t, 0), "Beta");
	ck_assert(tree_has_children(&t, 0));
	tree_set_cursor(&t, 1, 10);
	tree_expand(&t, 0);	/* Beta's 2 instances below it */
	ck_assert(t.lines[0].expanded);
	ck_assert_uint_eq(t.lines[1].depth, 1);
	ck_assert_uint_eq(t.lines[2].depth, 1);
	ck_assert_uint_eq(t.lines[3].depth, 0);
	ck_assert_uint_eq(t.cursor, 3);	/* still on the same row */
	ck_assert_uint_eq(tree_parent(&t, 2), 0);
	tree_set_cursor(&t, 2, 10);
	tree_collapse(&t, 0);
	ck_assert_uint_eq(t.cursor, 0);	/* inside what closed: on the row */
	ck_assert(!t.lines[0].expanded);
	ck_assert_uint_eq(t.lines[1].depth, 0);
	tree_free(&t);
	view_free(v);
	heap_free(h);
}
END_TEST

START_TEST(test_sort_keeps_state)
{
	struct heap *h = heap_of();
	struct view *v = view_new(&view_classes, h);
	struct tree t;
	uint64_t alpha, cur;
	size_t i;

	tree_init(&t, v, 0, 0);
	for (i = 0; i < t.n && strcmp(name_at(&t, i), "Alpha") != 0; i++)
		;
	ck_assert_uint_lt(i, t.n);
	alpha = t.lines[i].row.id;
	tree_expand(&t, i);
	tree_set_cursor(&t, i + 2, 20);	/* the second Alpha instance */
	cur = t.lines[t.cursor].row.id;
	/* by name, ascending ("(string)" sorts before "Alpha"): Alpha still
	 * expanded, the cursor still on the same instance */
	tree_sort(&t, (size_t)view_col_find(v, "name"), false);
	ck_assert_str_eq(name_at(&t, 0), "(string)");
	ck_assert_str_eq(name_at(&t, 1), "Alpha");
	ck_assert_uint_eq(t.lines[1].row.id, alpha);
	ck_assert(t.lines[1].expanded);
	ck_assert_uint_eq(t.lines[t.cursor].row.id, cur);
	ck_assert_uint_eq(t.lines[t.cursor].depth, 1);
	/* and back: the cached sort, same state */
	tree_sort(&t, (size_t)view_col_find(v, "retained_size"), true);
	ck_assert_uint_eq(t.lines[t.cursor].row.id, cur);
	tree_free(&t);
	view_free(v);
	heap_free(h);
}
END_TEST

START_TEST(test_filter)
{
	struct heap *h = heap_of();
	struct view *v = view_new(&view_classes, h);
	struct tree t;
	size_t all;

	tree_init(&t, v, 0, 0);
	all = t.n;
	tree_set_cursor(&t, 1, 10);
	tree_filter(&t, "alph");	/* case-insensitive */
	ck_assert_uint_eq(t.n, 1);
	ck_assert_str_eq(name_at(&t, 0), "Alpha");
	tree_expand(&t, 0);
	ck_assert_uint_eq(t.n, 4);
	tree_set_cursor(&t, 3, 10);
	tree_filter(&t, NULL);
	ck_assert_uint_eq(t.n, all + 3);	/* Alpha stays expanded */
	ck_assert_uint_eq(t.lines[t.cursor].depth, 1);
	tree_filter(&t, "nothing like it");
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(tree_cursor_row(&t));
	tree_free(&t);
	view_free(v);
	heap_free(h);
}
END_TEST

START_TEST(test_find)
{
	struct heap *h = heap_of();
	struct view *v = view_new(&view_classes, h);
	struct tree t;
	size_t a, g;

	tree_init(&t, v, 0, 0);
	a = tree_find(&t, "ALPHA", false);
	g = tree_find(&t, "gam", false);
	ck_assert_uint_ne(a, SIZE_MAX);
	ck_assert_str_eq(name_at(&t, a), "Alpha");
	ck_assert_str_eq(name_at(&t, g), "Gamma");
	/* from Gamma forward, "alpha" wraps around to Alpha */
	tree_set_cursor(&t, g, 10);
	ck_assert_uint_eq(tree_find(&t, "alpha", false), a);
	/* backward from the first line, the last line matches first */
	tree_set_cursor(&t, 0, 10);
	ck_assert_uint_eq(tree_find(&t, "", true), t.n - 1);
	ck_assert_uint_eq(tree_find(&t, "zzz", false), SIZE_MAX);
	tree_free(&t);
	view_free(v);
	heap_free(h);
}
END_TEST

START_TEST(test_dominators_and_limit)
{
	struct heap *h = heap_of();
	struct view *v = view_new(&view_dominators, h);
	struct tree t;

	tree_init(&t, v, 2, 0);	/* two children per row at most */
	ck_assert_uint_eq(t.n, 1);	/* the root */
	tree_expand(&t, 0);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_str_eq(name_at(&t, 1), "Beta");	/* largest first */
	tree_move(&t, 5, 2);
	ck_assert_uint_eq(t.cursor, 2);
	ck_assert_uint_eq(t.top, 1);	/* a window of 2 rows follows it */
	tree_move(&t, -10, 2);
	ck_assert_uint_eq(t.cursor, 0);
	ck_assert_uint_eq(t.top, 0);
	tree_free(&t);
	view_free(v);
	heap_free(h);
}
END_TEST

START_TEST(test_paging)
{
	struct heap *h = heap_of();
	struct view *v = view_new(&view_classes, h);
	struct tree t;
	size_t i;
	uint64_t more;

	tree_init(&t, v, 0, 2);	/* pages of two */
	ck_assert_uint_eq(t.n, 3);	/* two of the four classes, "... 2 more" */
	ck_assert(t.lines[2].more);
	ck_assert_uint_eq(t.lines[2].hidden, 2);
	ck_assert(!tree_has_children(&t, 2));
	tree_set_cursor(&t, 2, 10);
	ck_assert_ptr_null(tree_cursor_row(&t));	/* not a row */
	more = t.lines[2].row.id;
	/* the first page is the best of the whole list, in order */
	ck_assert_str_eq(name_at(&t, 0), "Beta");
	for (i = 0; i < 2 && strcmp(name_at(&t, i), "Alpha") != 0; i++)
		;
	ck_assert_uint_lt(i, 2);
	tree_expand(&t, i);	/* Alpha: 3 instances, a page and a more */
	ck_assert_uint_eq(t.n, 6);
	ck_assert(t.lines[i + 3].more);
	ck_assert_uint_eq(t.lines[i + 3].depth, 1);
	tree_expand(&t, i + 3);	/* Enter on the more line: all three */
	ck_assert_uint_eq(t.n, 6);
	ck_assert(!t.lines[i + 3].more);
	ck_assert_uint_eq(t.lines[i + 3].depth, 1);
	/* the top list's more line still there, then all of it */
	ck_assert(t.lines[t.n - 1].more);
	ck_assert_uint_eq(t.lines[t.n - 1].row.id, more);
	tree_more(&t, t.n - 1);
	ck_assert(!t.lines[t.n - 1].more);
	ck_assert_uint_eq(t.n, 4 + 3);
	/* a filter sees every top row */
	tree_free(&t);
	tree_init(&t, v, 0, 1);
	tree_filter(&t, "gamma");
	ck_assert_uint_eq(t.n, 1);
	ck_assert_str_eq(name_at(&t, 0), "Gamma");
	tree_free(&t);
	view_free(v);
	heap_free(h);
}
END_TEST

/* A class of many instances opened a page at a time (classes_children_first:
 * only the page is put in order, the rest when asked) lists them as one
 * sort of all would: largest retained size first, ties by node. */
static int
by_retained(const void *a, const void *b, void *ctx)
{
	const struct heap *h = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t rx = heap_retained(h, x), ry = heap_retained(h, y);
	if (rx != ry)
		return rx > ry ? -1 : 1;
	return x < y ? -1 : x > y;
}

START_TEST(test_class_pages)
{
	const uint32_t n = 5000;
	size_t cap = 1 << 20, len = 0;
	char *js = xmalloc(cap);
	struct model m;
	struct hs_error err;
	struct heap *h;
	struct view *v;
	struct vrows top = { 0 };
	struct vrow cls = { 0, 0 };
	uint32_t *want = xmallocarray(n, sizeof *want), k = 0;
	int col;

	len += (size_t)snprintf(js + len, cap - len,
		"{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
		"\"node_types\":[[\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
		"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
		"\"edge_types\":[[\"element\",\"property\"],\"string_or_number\",\"node\"]},"
		"\"node_count\":%u,\"edge_count\":%u},\"nodes\":[1,0,1,0,%u", n + 1, n, n);
	for (uint32_t i = 0; i < n; i++)
		len += (size_t)snprintf(js + len, cap - len, ",0,1,%u,%u,0", 3 + 2 * i, 1 + (i * 7919u) % 97);
	len += (size_t)snprintf(js + len, cap - len, "],\"edges\":[");
	for (uint32_t i = 0; i < n; i++)
		len += (size_t)snprintf(js + len, cap - len, "%s0,%u,%u", i ? "," : "", i, 5 * (i + 1));
	len += (size_t)snprintf(js + len, cap - len, "],\"strings\":[\"\",\"Item\"]}");
	ck_assert_uint_lt(len, cap);
	error_clear(&err);
	ck_assert_int_eq(load_mem("t.heapsnapshot", js, len, NULL, NULL, &m, &err), HS_OK);
	h = m.heap;
	ck_assert_int_eq(analyze_heap(h, NULL, &err), HS_OK);
	for (uint32_t i = 1; i <= n; i++)
		want[k++] = i;
	qsort_r(want, n, sizeof *want, by_retained, h);

	v = view_new(&view_classes, h);
	col = view_col_find(v, "retained_size");
	view_children(v, NULL, (size_t)col, true, &top);
	for (size_t i = 0; i < top.n; i++) {
		struct cell c;
		view_cell(v, &top.v[i], (size_t)view_col_find(v, "name"), &c);
		if (c.len == 4 && memcmp(c.s, "Item", 4) == 0)
			cls = top.v[i];
	}
	ck_assert_uint_ne(cls.id, 0);
	/* pages of growing size on the same view, then all, then a fresh
	 * view's whole list at once */
	for (int round = 0; round < 2; round++) {
		static const size_t limits[] = { 1, 7, 100, 99, 1000, 0 };
		for (size_t li = round ? 5 : 0; li < sizeof limits / sizeof limits[0]; li++) {
			struct vrows out = { 0 };
			size_t total = view_children_top(v, &cls, (size_t)col, true, limits[li], &out);
			size_t expect = limits[li] ? limits[li] : n;
			ck_assert_uint_eq(total, n);
			ck_assert_uint_eq(out.n, expect);
			for (size_t i = 0; i < out.n; i++)
				ck_assert_msg(view_row_object(v, &out.v[i]) == want[i],
				              "limit %zu, row %zu: node %u, not %u", limits[li], i,
				              view_row_object(v, &out.v[i]), want[i]);
			vrows_free(&out);
		}
		view_free(v);
		v = view_new(&view_classes, h);
	}
	view_free(v);
	vrows_free(&top);
	heap_free(h);
	free(want);
	free(js);
}
END_TEST

START_TEST(test_history)
{
	struct history hs = { 0 };
	struct place p;
	hs.max = 3;
	for (int i = 0; i < 5; i++)
		history_push(&hs, (struct place){ i, (uint32_t)i * 10, (uint64_t)i * 100 });
	ck_assert_uint_eq(hs.n, 3);	/* the oldest two dropped */
	ck_assert(history_pop(&hs, &p));
	ck_assert_int_eq(p.pane, 4);
	ck_assert_uint_eq(p.row, 400);
	ck_assert(history_pop(&hs, &p));
	ck_assert(history_pop(&hs, &p));
	ck_assert_int_eq(p.pane, 2);
	ck_assert(!history_pop(&hs, &p));
	history_free(&hs);
}
END_TEST

Suite *
suite_tree(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = tcase_create("navigation");
	tcase_add_test(tc, test_expand_collapse);
	tcase_add_test(tc, test_sort_keeps_state);
	tcase_add_test(tc, test_filter);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_dominators_and_limit);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_class_pages);
	tcase_add_test(tc, test_history);
	suite_add_tcase(s, tc);
	return s;
}
