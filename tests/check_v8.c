/* The V8 .heapsnapshot loader: layouts, escapes, section order, compressed
 * input, and a table of malformed inputs with the error each must give. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/heap.h"
#include "heapsift/load.h"
#include "heapsift/xalloc.h"

#define META5                                                                                     \
	"\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"          \
	"\"node_types\":[[\"hidden\",\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"]," \
	"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"                                    \
	"\"edge_types\":[[\"element\",\"property\",\"weak\"],\"string_or_number\",\"node\"]}"

/* root (synthetic) -.A-> A (object, 10 bytes) -[7]-> B (object, 20 bytes) */
static const char base[] =
	"{\"snapshot\":{" META5 ",\"node_count\":3,\"edge_count\":2},\n"
	"\"nodes\":[2,0,1,0,1\n,1,1,3,10,1\n,1,2,5,20,0],\n"
	"\"edges\":[1,1,5\n,0,7,10],\n"
	"\"strings\":[\"\",\"A\",\"B\"]}";

static int
load_str(const char *s, size_t n, const char *format, struct model *m, struct hs_error *err)
{
	error_clear(err);
	return load_mem("t.heapsnapshot", s, n, format, NULL, m, err);
}

static struct heap *
load_ok(const char *s)
{
	struct model m;
	struct hs_error err;
	int r = load_str(s, strlen(s), NULL, &m, &err);
	ck_assert_msg(r == HS_OK, "load failed: %s", err.msg);
	ck_assert_int_eq(m.kind, MODEL_HEAP);
	return m.heap;
}

/* s with the first occurrence of from replaced by to (caller frees). */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *out;
	ck_assert_msg(at != NULL, "'%s' not in the template", from);
	out = xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

START_TEST(test_base)
{
	struct heap *h = load_ok(base);
	char label[64];
	struct hs_error err;

	ck_assert_uint_eq(h->node_count, 3);
	ck_assert_uint_eq(h->edge_count, 2);
	ck_assert_str_eq(h->format, "v8");
	ck_assert_uint_eq(h->root, 0);
	ck_assert_str_eq(heap_node_name(h, 1), "A");
	ck_assert_str_eq(heap_node_type_name(h, 2), "object");
	ck_assert_uint_eq(heap_node_id(h, 2), 5);
	ck_assert_uint_eq(heap_node_self_raw(h, 2), 20);
	ck_assert_uint_eq(h->edge_to[0], 1);
	ck_assert_uint_eq(h->edge_to[1], 2);
	heap_edge_label(h, 0, label, sizeof label);
	ck_assert_str_eq(label, ".A");
	heap_edge_label(h, 1, label, sizeof label);
	ck_assert_str_eq(label, "[7]");
	ck_assert_uint_eq(heap_find_id(h, 3), 1);
	ck_assert_uint_eq(heap_find_id(h, 4), HEAP_NONE);
	error_clear(&err);
	ck_assert_int_eq(analyze_heap(h, NULL, &err), HS_OK);
	ck_assert_uint_eq(heap_retained(h, 1), 30);
	ck_assert_uint_eq(h->total_size, 30);
	heap_free(h);
}
END_TEST

START_TEST(test_layouts)
{
	/* The layout comes from meta: fields in another order, 7 fields with
	 * detachedness and trace_node_id, a root that is not node 0. */
	static const char reordered[] =
		"{\"snapshot\":{\"meta\":{\"node_fields\":[\"edge_count\",\"self_size\",\"id\",\"name\",\"type\"],"
		"\"node_types\":[\"number\",\"number\",\"number\",\"string\",[\"hidden\",\"object\",\"synthetic\"]],"
		"\"edge_fields\":[\"to_node\",\"type\",\"name_or_index\"],"
		"\"edge_types\":[\"node\",[\"element\",\"property\",\"weak\"],\"string_or_number\"]},"
		"\"node_count\":2,\"edge_count\":1},"
		"\"nodes\":[1,0,1,0,2, 0,16,3,1,1],\"edges\":[5,1,1],\"strings\":[\"\",\"A\"]}";
	static const char seven[] =
		"{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\",\"detachedness\"],"
		"\"node_types\":[[\"hidden\",\"object\",\"synthetic\",\"native\"],\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],"
		"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
		"\"edge_types\":[[\"element\",\"property\",\"weak\"],\"string_or_number\",\"node\"]},"
		"\"node_count\":2,\"edge_count\":1,\"trace_function_count\":0},"
		"\"nodes\":[2,0,1,0,1,0,0, 3,1,3,8,0,0,6],\"edges\":[1,1,7],\"strings\":[\"\",\"A\"]}";
	static const char rooted[] =
		"{\"snapshot\":{" META5 ",\"node_count\":2,\"edge_count\":1,\"root_index\":5},"
		"\"nodes\":[1,1,3,10,0, 2,0,1,0,1],\"edges\":[1,1,0],\"strings\":[\"\",\"A\"]}";
	struct heap *h;

	h = load_ok(reordered);
	ck_assert_uint_eq(heap_node_self_raw(h, 1), 16);
	ck_assert_str_eq(heap_node_type_name(h, 1), "object");
	ck_assert_uint_eq(h->edge_to[0], 1);
	heap_free(h);

	h = load_ok(seven);
	ck_assert_ptr_nonnull(h->node_detachedness);
	ck_assert_uint_eq(h->node_detachedness[1], 2);	/* 6 & 3 */
	heap_free(h);

	h = load_ok(rooted);
	ck_assert_uint_eq(h->root, 1);
	heap_free(h);
}
END_TEST

START_TEST(test_escapes)
{
	static const char snap[] =
		"{\"snapshot\":{" META5 ",\"node_count\":1,\"edge_count\":0},"
		"\"nodes\":[2,1,1,0,0],\"edges\":[],"
		"\"strings\":[\"\",\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u2603 \\ud83d\\ude00 lone \\ud800!\\udc00\"]}";
	struct heap *h = load_ok(snap);
	ck_assert_str_eq(heap_node_name(h, 0),
	                 "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80 lone \xef\xbf\xbd!\xef\xbf\xbd");
	heap_free(h);
}
END_TEST

START_TEST(test_order_and_unknown_keys)
{
	/* strings first, meta last, unknown keys of every shape, a BOM */
	static const char snap[] =
		"\xef\xbb\xbf {\"strings\":[\"\",\"A\",\"B\"], \"future\":{\"x\":[1,{\"y\":\"]}\"}],\"z\":null},"
		"\"nodes\":[2,0,1,0,1,1,1,3,10,1,1,2,5,20,0],\"trace_tree\":[1,[2,[3,[]]]],"
		"\"edges\":[1,1,5,0,7,10],\"samples\":[],\"locations\":[5,7,3,4],"
		"\"snapshot\":{" META5 ",\"node_count\":3,\"edge_count\":2,\"extra\":[true,false,-1.5e3]}}";
	static const char located[] =
		"{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
		"\"node_types\":[[\"hidden\",\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"],"
		"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
		"\"edge_types\":[[\"element\",\"property\",\"weak\"],\"string_or_number\",\"node\"],"
		"\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]},"
		"\"node_count\":3,\"edge_count\":2},"
		"\"nodes\":[2,0,1,0,1,1,1,3,10,1,1,2,5,20,0],\"edges\":[1,1,5,0,7,10],"
		"\"locations\":[5,7,3,4,10,7,3,9],\"strings\":[\"\",\"A\",\"B\"]}";
	struct heap *h = load_ok(snap);
	ck_assert_uint_eq(h->node_count, 3);
	ck_assert_str_eq(heap_node_name(h, 2), "B");
	ck_assert_uint_eq(h->location_count, 0);	/* no location_fields in meta */
	heap_free(h);

	h = load_ok(located);
	ck_assert_uint_eq(h->location_count, 2);
	ck_assert_uint_eq(h->locations[0].node, 1);
	ck_assert_uint_eq(h->locations[0].script_id, 7);
	ck_assert_uint_eq(h->locations[1].column, 9);
	heap_free(h);
}
END_TEST

START_TEST(test_gzip)
{
	unsigned char out[4096];
	z_stream z;
	struct model m;
	struct hs_error err;

	memset(&z, 0, sizeof z);
	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)base;
	z.avail_in = sizeof base - 1;
	z.next_out = out;
	z.avail_out = sizeof out;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	ck_assert_int_eq(load_str((const char *)out, z.total_out, NULL, &m, &err), HS_OK);
	ck_assert_uint_eq(m.heap->node_count, 3);
	model_free(&m);
}
END_TEST

START_TEST(test_every_prefix)
{
	/* A file cut anywhere is an error with an offset, never a crash. */
	size_t n = sizeof base - 1;
	for (size_t k = 0; k < n; k++) {
		struct model m;
		struct hs_error err;
		char *cut = xmalloc(k + 1);
		int r;
		memcpy(cut, base, k);
		r = load_str(cut, k, "v8", &m, &err);
		ck_assert_msg(r == HS_EINPUT, "prefix %zu: status %d (%s)", k, r, err.msg);
		ck_assert_msg(strstr(err.msg, "t.heapsnapshot: offset ") != NULL, "prefix %zu: '%s'", k,
		              err.msg);
		free(cut);
	}
}
END_TEST

struct bad {
	const char *from, *to;	/* edit of the base snapshot */
	const char *message;	/* expected in the error */
	const char *at;		/* the error's offset is where this text starts in the
				 * edited input (NULL: not checked) */
};

static const struct bad bad_inputs[] = {
	{ "\"node_count\":3", "\"node_count\":1000000000000", "node_count 1000000000000 is impossible", "1000000000000" },
	{ "\"node_count\":3", "\"node_count\":0", "node_count 0 is impossible", "0," },
	{ "\"edge_count\":2", "\"edge_count\":999999999", "edge_count 999999999 is impossible", "999999999" },
	{ "\"edge_count\":2", "\"edge_count\":3", "add up to 2, but edge_count is 3", NULL },
	{ "\"edge_count\":2", "\"edge_count\":1", "add up to 2, more than edge_count 1", "1,1,3,10,1\n" },
	{ "\"node_count\":3", "\"node_count\":2", "more than node_count", "1,2,5,20" },
	{ "0,7,10]", "0,7,6]", "to_node 6 is not the offset of a node", "0,7,6" },
	{ "0,7,10]", "0,7,15]", "to_node 15 is not the offset of a node", "0,7,15" },
	{ "1,2,5,20,0]", "7,2,5,20,0]", "node 2: type 7 is not one of the 3 node types", "7,2,5" },
	{ "1,2,5,20,0]", "1,9,5,20,0]", "node 2: name 9 is not a string index (there are 3 strings)", "9,5,20" },
	{ "[1,1,5", "[1,9,5", "edge 0: name 9 is not a string index", "9,5" },
	{ "[1,1,5", "[5,1,5", "edge 0: type 5 is not one of the 3 edge types", "5,1,5" },
	{ "1,2,5,20,0]", "1,2,5,-20,0]", "expected an unsigned integer, found '-'", "-20" },
	{ "1,2,5,20,0]", "1,2,5,2.5,0]", "expected ',' or ']', found '.'", ".5" },
	{ "1,2,5,20,0]", "1,2,5,12345678901234567890,0]", "number too large", "12345678901234567890" },
	{ "1,2,5,20,0]", "1,2,5,20,\"x\"]", "expected an unsigned integer, found '\"'", "\"x\"" },
	{ "\"B\"]", "\"B\\q\"]", "bad escape '\\q'", "\\q" },
	{ "\"B\"]", "\"B\\u12x4\"]", "bad \\u escape", "\\u12x4" },
	{ "\"B\"]}", "\"B]}", "unterminated string", "\"B]}" },
	{ ",\n\"strings\":[\"\",\"A\",\"B\"]", "", "no \"strings\" array", NULL },
	{ "\"nodes\"", "\"nodez\"", "no \"nodes\" array", NULL },
	{ "\"edges\"", "\"edgez\"", "no \"edges\" array", NULL },
	{ "\"node_fields\"", "\"node_fieldz\"", "snapshot.meta has no \"node_fields\"", NULL },
	{ "\"self_size\",", "\"size\",", "snapshot.meta.node_fields has no \"self_size\" field", NULL },
	{ "[[\"hidden\",\"object\",\"synthetic\"]", "[\"hidden\"", "snapshot.meta.node_types[0] must be an array of 1 to 64 type names", NULL },
	{ "\"node_types\":[[\"hidden\",\"object\",\"synthetic\"],\"string\",\"number\",\"number\",\"number\"]",
	  "\"node_types\":[]", "snapshot.meta.node_types does not list the type names", NULL },
	{ "\"node_count\":3", "\"node_count\":3.5", "snapshot.node_count is not a non-negative integer", "3.5" },
	{ "\"node_count\":3", "\"node_count\":\"3\"", "snapshot.node_count is not a non-negative integer", "\"3\"" },
	{ "\"edge_count\":2}", "\"edge_count\":2,\"root_index\":7}", "root_index 7 is not the offset of a node", "7}" },
	{ "\"nodes\":[", "\"nodes\":5,\"x\":[", "\"nodes\" is not an array", "5," },
	{ "\"strings\":[", "\"strings\":[1,", "\"strings\": expected a string, found '1'", "1,\"\",\"A\"" },
	{ "\"edges\":[", "\"edges\":[1,1,5\n,0,7,10],\"edges\":[", "\"edges\" appears twice", NULL },
	{ "{\"snapshot\"", "{\"snapshot\":{},\"snapshot\"", "snapshot has no \"meta\" object", NULL },
	{ "\"strings\":", "\"x\":[[[[[[}]]]]],\"strings\":", "unexpected '}'", "}]]]]]" },
	{ "\"nodes\":[2", "\"nodes\":[ 2", NULL, NULL },	/* white space is fine */
	{ "[2,0,1,0,1\n,", "[2,0,1,0,1\n,,", "expected an unsigned integer, found ','", ",1,1,3" },
	{ "\"strings\":[\"\",\"A\",\"B\"]}", "\"strings\":[\"\",\"A\",\"B\"]} trailing", NULL, NULL },
};

START_TEST(test_bad_inputs)
{
	for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
		const struct bad *b = &bad_inputs[i];
		char *s = replace(base, b->from, b->to);
		struct model m;
		struct hs_error err;
		int r = load_str(s, strlen(s), NULL, &m, &err);

		if (b->message == NULL) {
			ck_assert_msg(r == HS_OK, "case %zu: %s", i, err.msg);
			model_free(&m);
			free(s);
			continue;
		}
		ck_assert_msg(r == HS_EINPUT, "case %zu (%s): status %d, '%s'", i, b->message, r, err.msg);
		ck_assert_msg(strstr(err.msg, b->message) != NULL, "case %zu: expected '%s' in '%s'", i,
		              b->message, err.msg);
		ck_assert_msg(strncmp(err.msg, "t.heapsnapshot: ", 16) == 0, "case %zu: '%s'", i, err.msg);
		if (b->at) {
			const char *at = strstr(s, b->at);
			char want[64];
			ck_assert_ptr_nonnull(at);
			snprintf(want, sizeof want, "offset %zu: ", (size_t)(at - s));
			ck_assert_msg(strstr(err.msg, want) != NULL, "case %zu: expected '%s' in '%s'", i, want,
			              err.msg);
		}
		free(s);
	}
}
END_TEST

START_TEST(test_not_a_snapshot)
{
	struct model m;
	struct hs_error err;
	char *deep;

	ck_assert_int_eq(load_str("", 0, NULL, &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "the file is empty"));
	ck_assert_int_eq(load_str("x", 1, NULL, &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a format heapsift reads"));
	ck_assert_int_eq(load_str("{}", 2, "v8", &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty object"));
	ck_assert_int_eq(load_str("[1,2]", 5, "v8", &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "offset 0: not a heap snapshot"));
	ck_assert_int_eq(load_str("JAVA PROFILE", 12, NULL, &m, &err), HS_EINPUT);
	ck_assert_int_eq(load_str("{}", 2, "nosuch", &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown format 'nosuch'"));

	/* deep nesting: in the meta it is refused, elsewhere skipped; no stack
	 * is spent on it either way */
	deep = xmalloc(300000);
	memset(deep, '[', 100000);
	memset(deep + 100000, ']', 100000);
	deep[200000] = '\0';
	{
		char *s = xasprintf("{\"snapshot\":{\"meta\":%s}}", deep);
		ck_assert_int_eq(load_str(s, strlen(s), NULL, &m, &err), HS_EINPUT);
		ck_assert_ptr_nonnull(strstr(err.msg, "nesting deeper than"));
		free(s);
		s = replace(base, "\"strings\":", "");
		free(s);
		s = xasprintf("{\"x\":%s,%s", deep, base + 1);
		ck_assert_int_eq(load_str(s, strlen(s), "v8", &m, &err), HS_OK);
		model_free(&m);
		free(s);
	}
	free(deep);
}
END_TEST

START_TEST(test_many_fields)
{
	/* 65 node fields is past the limit; a type list past 64 names too. */
	char fields[2048] = "[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"";
	struct model m;
	struct hs_error err;
	char *s, *t;
	for (int i = 5; i < 65; i++)
		snprintf(fields + strlen(fields), sizeof fields - strlen(fields), ",\"f%d\"", i);
	strcat(fields, "]");
	t = xasprintf("%s%s", "\"node_fields\":", fields);
	s = replace(base, "\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"]", t);
	ck_assert_int_eq(load_str(s, strlen(s), NULL, &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "must be an array of 1 to 64 field names"));
	free(s);
	free(t);
}
END_TEST

Suite *
suite_v8(void)
{
	Suite *s = suite_create("v8");
	TCase *tc = tcase_create("loader");
	tcase_add_test(tc, test_base);
	tcase_add_test(tc, test_layouts);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_order_and_unknown_keys);
	tcase_add_test(tc, test_gzip);
	tcase_add_test(tc, test_every_prefix);
	tcase_add_test(tc, test_bad_inputs);
	tcase_add_test(tc, test_not_a_snapshot);
	tcase_add_test(tc, test_many_fields);
	suite_add_tcase(s, tc);
	return s;
}
