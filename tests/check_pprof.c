/* Suite "pprof": the pprof loader on profiles written here field by field:
 * ids that are not dense, inline lines, the sample types as measures and
 * --sample-index, drop_frames, and malformed protobufs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/load.h"
#include "heapsift/trace.h"

/* --- a protobuf writer -------------------------------------------------------------- */

struct pb {
	uint8_t b[4096];
	size_t n;
};

static void
pv(struct pb *p, uint64_t v)
{
	do {
		ck_assert_uint_lt(p->n, sizeof p->b);
		p->b[p->n++] = (uint8_t)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
}

static void
pu(struct pb *p, unsigned num, uint64_t v)
{
	pv(p, (uint64_t)num << 3);
	pv(p, v);
}

static void
pbytes(struct pb *p, unsigned num, const void *d, size_t n)
{
	pv(p, (uint64_t)num << 3 | 2);
	pv(p, n);
	ck_assert_uint_le(p->n + n, sizeof p->b);
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
pm(struct pb *p, unsigned num, const struct pb *m)
{
	pbytes(p, num, m->b, m->n);
}

static void
ps(struct pb *p, unsigned num, const char *s)
{
	pbytes(p, num, s, strlen(s));
}

/* string indices of the table every profile here has */
enum { S_EMPTY, S_AO, S_COUNT, S_AS, S_BYTES, S_IO, S_IS, S_MAIN, S_F, S_G, S_NEW, S_FILE,
       S_DROP, S_SPACE, S_OBJECTS, S_CPU, S_NS, S_N };
static const char *const strings[S_N] = {
	"", "alloc_objects", "count", "alloc_space", "bytes", "inuse_objects", "inuse_space",
	"main", "f", "g", "operator new(unsigned long)", "x.c", "malloc|operator new.*", "space",
	"objects", "cpu", "nanoseconds",
};

static void
string_table(struct pb *p)
{
	for (int i = 0; i < S_N; i++)
		ps(p, 6, strings[i]);
}

static void
value_type(struct pb *p, unsigned num, uint64_t type, uint64_t unit)
{
	struct pb m = { .n = 0 };
	pu(&m, 1, type);
	pu(&m, 2, unit);
	pm(p, num, &m);
}

static void
heap_types(struct pb *p)
{
	value_type(p, 1, S_AO, S_COUNT);
	value_type(p, 1, S_AS, S_BYTES);
	value_type(p, 1, S_IO, S_COUNT);
	value_type(p, 1, S_IS, S_BYTES);
}

static void
function(struct pb *p, uint64_t id, uint64_t name)
{
	struct pb m = { .n = 0 };
	pu(&m, 1, id);
	pu(&m, 2, name);
	pu(&m, 4, S_FILE);
	pm(p, 5, &m);
}

/* a location with lines (function id, line) innermost first */
static void
location(struct pb *p, uint64_t id, uint64_t addr, int nlines, const uint64_t (*lines)[2])
{
	struct pb m = { .n = 0 };
	pu(&m, 1, id);
	pu(&m, 3, addr);
	for (int k = 0; k < nlines; k++) {
		struct pb l = { .n = 0 };
		pu(&l, 1, lines[k][0]);
		pu(&l, 2, lines[k][1]);
		pm(&m, 4, &l);
	}
	pm(p, 4, &m);
}

/* a sample: location ids leaf first (packed), values (packed) */
static void
sample(struct pb *p, int nloc, const uint64_t *locs, int nval, const int64_t *vals)
{
	struct pb m = { .n = 0 }, a = { .n = 0 }, v = { .n = 0 };
	for (int k = 0; k < nloc; k++)
		pv(&a, locs[k]);
	for (int k = 0; k < nval; k++)
		pv(&v, (uint64_t)vals[k]);
	pm(&m, 1, &a);
	pm(&m, 2, &v);
	pm(p, 2, &m);
}

/* main (id 70) -> g (id 90) with f (id 80) inlined into it at x.c:3,
 * allocating; main -> operator new (id 5); ids far from dense. */
static void
profile(struct pb *p, bool drop)
{
	static const uint64_t l_main[1][2] = { { 70, 20 } }, l_fg[2][2] = { { 80, 3 }, { 90, 9 } },
	                      l_new[1][2] = { { 5, 0 } };
	static const uint64_t s1[2] = { 2000, 1000 }, s2[2] = { 3000, 1000 };
	static const int64_t v1[4] = { 4, 400, 1, 100 }, v2[4] = { 10, 1000, 2, 200 };
	memset(p, 0, sizeof *p);
	heap_types(p);
	sample(p, 2, s1, 4, v1);
	sample(p, 2, s2, 4, v2);
	location(p, 1000, 0x1000, 1, l_main);
	location(p, 2000, 0x2000, 2, l_fg);
	location(p, 3000, 0x3000, 1, l_new);
	function(p, 70, S_MAIN);
	function(p, 80, S_F);
	function(p, 90, S_G);
	function(p, 5, S_NEW);
	string_table(p);
	if (drop)
		pu(p, 7, S_DROP);
}

static int
load_pb(const struct pb *p, const char *si, struct model *m, struct hs_error *err)
{
	int r;
	error_clear(err);
	pprof_sample_index = si;
	r = load_mem("test.pb", p->b, p->n, "pprof", NULL, m, err);
	pprof_sample_index = NULL;
	return r;
}

static const struct trace_site *
site(const struct trace *t, const char *fn)
{
	for (uint32_t s = 0; s < t->site_count; s++)
		if (strcmp(t->sites[s].function, fn) == 0)
			return &t->sites[s];
	return NULL;
}

START_TEST(measures_and_stacks)
{
	struct pb p;
	struct model m;
	struct hs_error err;
	const struct trace_site *s;
	struct trace *t;

	profile(&p, false);
	ck_assert(loader_probe(p.b, p.n) != NULL);
	ck_assert_str_eq(loader_probe(p.b, p.n)->name, "pprof");
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_OK);
	t = m.trace;
	ck_assert_str_eq(t->format, "pprof");
	ck_assert_uint_eq(t->measures, 1u << TRACE_ALLOCATIONS | 1u << TRACE_BYTES |
	                  1u << TRACE_LEAKED | 1u << TRACE_LEAKED_BYTES);
	ck_assert_str_eq(t->measure_name[TRACE_ALLOCATIONS], "alloc_objects");
	ck_assert_str_eq(t->measure_name[TRACE_BYTES], "alloc_space");
	ck_assert_str_eq(t->measure_name[TRACE_LEAKED], "inuse_objects");
	ck_assert_str_eq(t->measure_name[TRACE_LEAKED_BYTES], "inuse_space");
	ck_assert_int_eq(t->main_measure, TRACE_LEAKED_BYTES);	/* the last type */
	ck_assert_uint_eq(t->total.allocations, 14);
	ck_assert_uint_eq(t->total.bytes, 1400);
	ck_assert_uint_eq(t->total.leaked, 3);
	ck_assert_uint_eq(t->total.leaked_bytes, 300);
	/* the inlined f is the call site, at its own line */
	s = site(t, "f");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->file, "x.c");
	ck_assert_uint_eq(s->line, 3);
	ck_assert_uint_eq(s->m.allocations, 4);
	ck_assert_uint_eq(s->m.leaked_bytes, 100);
	/* operator new is an allocation function: the call site is main's
	 * line, as in heapsift's own traces */
	ck_assert_ptr_null(site(t, "operator new(unsigned long)"));
	ck_assert_uint_eq(site(t, "main")->m.bytes, 1000);
	/* nodes: main, then the (f in g) location and operator new below it */
	ck_assert_uint_eq(t->node_count, 4);
	ck_assert_uint_eq(t->parent[2], 1);
	ck_assert_uint_eq(t->ip[1], 0x1000);
	{
		uint32_t n;
		const struct sym_frame *f = trace_frames(t, 2, &n, NULL);
		ck_assert_uint_eq(n, 2);
		ck_assert_str_eq(f[0].function, "f");
		ck_assert_str_eq(f[1].function, "g");
		ck_assert_uint_eq(f[1].line, 9);
	}
	model_free(&m);
}
END_TEST

START_TEST(drop_frames)
{
	struct pb p;
	struct model m;
	struct hs_error err;
	const struct trace_site *s;

	profile(&p, true);
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_OK);
	/* operator new is pruned: main made those allocations */
	ck_assert_uint_eq(m.trace->node_count, 3);
	ck_assert_ptr_null(site(m.trace, "operator new(unsigned long)"));
	s = site(m.trace, "main");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->m.bytes, 1000);
	ck_assert_uint_eq(m.trace->total.bytes, 1400);
	model_free(&m);
}
END_TEST

START_TEST(sample_index)
{
	static const struct {
		const char *si;
		int kind;
	} ok[] = {
		{ "alloc_objects", TRACE_ALLOCATIONS }, { "1", TRACE_BYTES }, { "inuse_objects", TRACE_LEAKED },
		{ "3", TRACE_LEAKED_BYTES },
	};
	struct pb p;
	struct model m;
	struct hs_error err;

	profile(&p, false);
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_int_eq(load_pb(&p, ok[i].si, &m, &err), HS_OK);
		ck_assert_int_eq(m.trace->main_measure, ok[i].kind);
		model_free(&m);
	}
	ck_assert_int_eq(load_pb(&p, "4", &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "outside the range [0..3]"));
	ck_assert_int_eq(load_pb(&p, "cpu", &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "alloc_objects/count, alloc_space/bytes"));
	/* default_sample_type */
	pu(&p, 14, S_AS);
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_OK);
	ck_assert_int_eq(m.trace->main_measure, TRACE_BYTES);
	model_free(&m);
}
END_TEST

/* legacy in-use profiles (objects, space): inuse_space finds space; a CPU
 * profile is refused */
START_TEST(other_types)
{
	static const uint64_t locs[1] = { 1 }, l_main[1][2] = { { 1, 2 } };
	static const int64_t v[2] = { 3, 300 };
	struct pb p = { .n = 0 };
	struct model m;
	struct hs_error err;

	value_type(&p, 1, S_OBJECTS, S_COUNT);
	value_type(&p, 1, S_SPACE, S_BYTES);
	sample(&p, 1, locs, 2, v);
	location(&p, 1, 0x10, 1, l_main);
	function(&p, 1, S_MAIN);
	string_table(&p);
	ck_assert_int_eq(load_pb(&p, "inuse_objects", &m, &err), HS_OK);
	ck_assert_int_eq(m.trace->main_measure, TRACE_LEAKED);
	ck_assert_str_eq(m.trace->measure_name[TRACE_LEAKED_BYTES], "space");
	ck_assert_uint_eq(m.trace->total.leaked_bytes, 300);
	ck_assert_uint_eq(m.trace->measures, 1u << TRACE_LEAKED | 1u << TRACE_LEAKED_BYTES);
	model_free(&m);

	memset(&p, 0, sizeof p);
	value_type(&p, 1, S_CPU, S_NS);
	string_table(&p);
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a heap profile: its sample types are cpu/nanoseconds"));
}
END_TEST

START_TEST(malformed)
{
	struct pb p, q;
	struct model m;
	struct hs_error err;

	/* every prefix of a good profile is refused or read, never more */
	profile(&p, true);
	for (size_t n = 0; n < p.n; n++) {
		q = p;
		q.n = n;
		if (load_pb(&q, NULL, &m, &err) == HS_OK)
			model_free(&m);
	}
	/* a duplicate function id */
	profile(&p, false);
	function(&p, 80, S_F);
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "two functions with one id"));
	/* a string index past the table */
	profile(&p, false);
	value_type(&p, 11, S_N, S_BYTES);
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "string index 17 past the string table"));
	/* a known field with the wrong wire type */
	profile(&p, false);
	pu(&p, 4, 7);
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "field 4 has wire type 0, not 2"));
	/* a fixed64 (wire type 1) where the profile has none: skipped */
	profile(&p, false);
	pv(&p, 99u << 3 | 1);
	for (int k = 0; k < 8; k++)
		p.b[p.n++] = 0;
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_OK);
	model_free(&m);
	/* wire type 7 */
	profile(&p, false);
	pv(&p, 99u << 3 | 7);
	ck_assert_int_eq(load_pb(&p, NULL, &m, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown wire type"));
}
END_TEST

Suite *
suite_pprof(void)
{
	Suite *s = suite_create("pprof");
	TCase *tc = tcase_create("proto");
	tcase_add_test(tc, measures_and_stacks);
	tcase_add_test(tc, drop_frames);
	tcase_add_test(tc, sample_index);
	tcase_add_test(tc, other_types);
	tcase_add_test(tc, malformed);
	suite_add_tcase(s, tc);
	return s;
}
