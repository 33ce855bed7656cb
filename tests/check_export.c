/* Views and exporters: rows, ids, sorting, top and depth, and each format's
 * quoting rules. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/export.h"
#include "heapsift/load.h"
#include "heapsift/report.h"
#include "heapsift/view.h"

/* root -> "a,\"b\"\nc" (string, 10) -> two hidden arrays; root -> {x}
 * objects of class Foo; everything small enough to check by hand. */
static const char snap[] =
	"{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
	"\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
	"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
	"\"edge_types\":[[\"element\",\"property\",\"internal\",\"weak\",\"shortcut\"],\"string_or_number\",\"node\"]},"
	"\"node_count\":6,\"edge_count\":6},"
	"\"nodes\":[4,0,1,0,4, 2,1,3,10,1, 3,2,5,100,1, 3,2,7,50,0, 1,3,9,40,0, 3,4,11,5,0],"
	"\"edges\":[4,2,5, 1,5,10, 1,6,15, 1,7,25, 2,6,20, 1,7,15],"
	"\"strings\":[\"\",\"a,\\\"b\\\"\\nc\",\"Foo\",\"(x)\",\"Bar\",\"s\",\"f\",\"g\"]}";

static struct heap *
heap_of_snap(void)
{
	struct model m;
	struct hs_error err;
	error_clear(&err);
	ck_assert_int_eq(load_mem("e.heapsnapshot", snap, sizeof snap - 1, NULL, NULL, &m, &err), HS_OK);
	ck_assert_int_eq(analyze_heap(m.heap, NULL, &err), HS_OK);
	return m.heap;
}

static char *
run_export(struct heap *h, const char *view, enum export_format f, size_t top, unsigned depth,
           const char *sort)
{
	struct view *v = view_new(view_find(view), h);
	struct export_opts o;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	export_opts_init(&o);
	o.format = f;
	o.top = top;
	o.depth = depth;
	if (sort)
		ck_assert(export_sort_parse(v, sort, &o));
	ck_assert_int_eq(export_view(v, &o, out), 0);
	fclose(out);
	view_free(v);
	return buf;
}

static unsigned
lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(test_csv_quoting)
{
	struct heap *h = heap_of_snap();
	char *out = run_export(h, "objects", EXPORT_CSV, 0, 1, "id:asc");
	/* a name with a comma, quotes and a newline is one quoted field; the
	 * string owns the hidden array alone, so its size moved to it */
	ck_assert_ptr_nonnull(strstr(out, "\n3,string,\"a,\"\"b\"\"\nc\",50,10,"));
	ck_assert_ptr_nonnull(strstr(out, "id,type,name,self_size,raw_self_size,retained_size,dominator_id,distance"));
	free(out);
	out = run_export(h, "objects", EXPORT_TSV, 0, 1, "id:asc");
	ck_assert_ptr_nonnull(strstr(out, "\n3\tstring\ta,\"b\"\\nc\t50\t10\t"));
	free(out);
	heap_free(h);
}
END_TEST

START_TEST(test_json)
{
	struct heap *h = heap_of_snap();
	char *out = run_export(h, "dominators", EXPORT_JSON, 0, 3, NULL);
	ck_assert_ptr_nonnull(strstr(out, "\"name\":\"a,\\\"b\\\"\\nc\""));
	ck_assert_ptr_nonnull(strstr(out, "\"children\":["));
	ck_assert_int_eq(out[0], '[');
	free(out);
	out = run_export(h, "summary", EXPORT_JSON, 0, 1, NULL);
	ck_assert_int_eq(out[0], '{');
	ck_assert_ptr_nonnull(strstr(out, "\"objects\":6"));
	ck_assert_ptr_nonnull(strstr(out, "\"format\":\"v8\""));
	free(out);
	heap_free(h);
}
END_TEST

START_TEST(test_top_depth_sort)
{
	struct heap *h = heap_of_snap();
	char *out;

	/* objects: 6 rows + header (+ the newline inside a quoted name);
	 * --top 2 keeps the two largest retained */
	out = run_export(h, "objects", EXPORT_CSV, 0, 1, NULL);
	ck_assert_uint_eq(lines(out), 8);
	free(out);
	out = run_export(h, "objects", EXPORT_CSV, 2, 1, NULL);
	ck_assert_uint_eq(lines(out), 3);
	ck_assert_ptr_nonnull(strstr(out, "\n1,synthetic,"));	/* the root retains all */
	free(out);
	out = run_export(h, "objects", EXPORT_CSV, 1, 1, "self_size:asc");
	ck_assert_ptr_nonnull(strstr(out, "\n1,synthetic,\"\",0,"));	/* ties: retained */
	free(out);
	/* dominators: depth 1 is the root alone */
	out = run_export(h, "dominators", EXPORT_CSV, 0, 1, NULL);
	ck_assert_uint_eq(lines(out), 2);
	ck_assert_ptr_nonnull(strstr(out, "depth,name,type,id,"));
	free(out);
	out = run_export(h, "dominators", EXPORT_TEXT, 0, 10, NULL);
	ck_assert_ptr_nonnull(strstr(out, "Retained"));
	free(out);
	heap_free(h);
}
END_TEST

START_TEST(test_sort_parse)
{
	struct heap *h = heap_of_snap();
	struct view *v = view_new(&view_classes, h);
	struct export_opts o;

	export_opts_init(&o);
	ck_assert(export_sort_parse(v, "count", &o));
	ck_assert_int_eq(o.sort, view_col_find(v, "count"));
	ck_assert_int_eq(o.desc, -1);
	ck_assert(export_sort_parse(v, "name:asc", &o));
	ck_assert_int_eq(o.desc, 0);
	ck_assert(export_sort_parse(v, "name:desc", &o));
	ck_assert_int_eq(o.desc, 1);
	ck_assert(!export_sort_parse(v, "name:up", &o));
	ck_assert(!export_sort_parse(v, "nosuch", &o));
	view_free(v);
	heap_free(h);
}
END_TEST

START_TEST(test_row_ids)
{
	struct heap *h = heap_of_snap();
	struct view *v = view_new(&view_classes, h);
	struct vrows top = { 0 }, kids = { 0 }, again = { 0 };

	view_children(v, NULL, 3, true, &top);
	ck_assert_uint_gt(top.n, 0);
	for (size_t i = 0; i < top.n; i++)
		ck_assert_uint_eq(top.v[i].id, top.v[i].key);
	view_children(v, &top.v[0], 3, true, &kids);
	for (size_t i = 0; i < kids.n; i++) {
		ck_assert_uint_ne(kids.v[i].id, kids.v[i].key);
		ck_assert_uint_eq(kids.v[i].id, view_child_id(top.v[0].id, kids.v[i].key));
	}
	/* another sort keeps the ids */
	view_children(v, &top.v[0], 0, false, &again);
	ck_assert_uint_eq(again.n, kids.n);
	for (size_t i = 0; i < again.n; i++) {
		bool found = false;
		for (size_t j = 0; j < kids.n; j++)
			found |= again.v[i].id == kids.v[j].id && again.v[i].key == kids.v[j].key;
		ck_assert(found);
	}
	vrows_free(&top);
	vrows_free(&kids);
	vrows_free(&again);
	view_free(v);
	heap_free(h);
}
END_TEST

START_TEST(test_report)
{
	struct heap *h = heap_of_snap();
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	ck_assert_int_eq(report_write(h, EXPORT_JSON, 3, out), 0);
	fclose(out);
	ck_assert_int_eq(buf[0], '{');
	ck_assert_ptr_nonnull(strstr(buf, "\"summary\":{"));
	ck_assert_ptr_nonnull(strstr(buf, "\"classes\":["));
	ck_assert_ptr_nonnull(strstr(buf, "\"objects\":["));
	/* synthetic nodes are not among the top objects */
	ck_assert_ptr_null(strstr(buf, "\"type\":\"synthetic\""));
	free(buf);
	heap_free(h);
}
END_TEST

Suite *
suite_export(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");
	tcase_add_test(tc, test_csv_quoting);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_top_depth_sort);
	tcase_add_test(tc, test_sort_parse);
	tcase_add_test(tc, test_row_ids);
	tcase_add_test(tc, test_report);
	suite_add_tcase(s, tc);
	return s;
}
