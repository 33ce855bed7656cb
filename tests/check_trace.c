/* Suite "trace": the trace builder's measures (heaptrack_print's rules),
 * stacks and the views' columns for imported profiles. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/load.h"
#include "heapsift/trace_builder.h"
#include "heapsift/view.h"

/* main -> f -> (a) allocates; main -> g allocates. */
START_TEST(builder_events)
{
	struct trace_builder *b = tb_new("mem", "test");
	struct sym_frame fm = { "main", "m.c", 10, 0 }, ff = { "f", "m.c", 3, 0 },
	                 fg = { "g", "m.c", 5, 0 };
	uint32_t hm = tb_frames(b, &fm, 1, "prog"), hf = tb_frames(b, &ff, 1, "prog"),
	         hg = tb_frames(b, &fg, 1, "prog");
	uint32_t nm = tb_node(b, TB_ROOT, 0x100, hm);
	uint32_t nf = tb_node(b, nm, 0x200, hf);
	uint32_t ng = tb_node(b, nm, 0x300, hg);
	struct trace *t;

	ck_assert_uint_eq(tb_node(b, nm, 0x200, hf), nf);	/* found, not added */
	ck_assert_uint_eq(tb_node_count(b), 4);
	tb_has_time(b);
	tb_time(b, 1000);
	tb_alloc(b, nf, 100);
	tb_free(b, nf, 100, true);	/* temporary */
	tb_alloc(b, nf, 300);
	tb_alloc(b, ng, 50);		/* heap 350: the peak */
	tb_time(b, 2000);
	tb_free(b, nf, 300, false);
	tb_alloc(b, ng, 20);		/* heap 70 */
	t = tb_finish(b);

	ck_assert_uint_eq(t->total.allocations, 4);
	ck_assert_uint_eq(t->total.bytes, 470);
	ck_assert_uint_eq(t->total.temporary, 1);
	ck_assert_uint_eq(t->frees, 2);
	ck_assert_uint_eq(t->peak_heap, 350);
	ck_assert_uint_eq(t->peak_time_us, 1000);
	ck_assert_uint_eq(t->total.peak_bytes, 350);
	ck_assert_uint_eq(t->node_m[nf].peak_bytes, 300);
	ck_assert_uint_eq(t->node_m[ng].peak_bytes, 50);
	ck_assert_uint_eq(t->total.leaked_bytes, 70);
	ck_assert_uint_eq(t->total.leaked, 2);
	ck_assert_uint_eq(t->node_m[nf].leaked, 0);
	ck_assert_uint_eq(t->site_count, 2);
	for (uint32_t s = 0; s < t->site_count; s++) {
		const struct trace_site *st = &t->sites[s];
		if (strcmp(st->function, "f") == 0) {
			ck_assert_uint_eq(st->m.allocations, 2);
			ck_assert_uint_eq(st->line, 3);
			ck_assert_str_eq(st->module, "prog");
		} else {
			ck_assert_str_eq(st->function, "g");
			ck_assert_uint_eq(st->m.leaked_bytes, 70);
		}
	}
	trace_free(t);
}
END_TEST

/* A profile giving two measures under its own names: the views show
 * those columns only, named so, sorted by the main one. */
START_TEST(builder_profile_columns)
{
	static const char *const names[6] = { [TRACE_LEAKED_BYTES] = "inuse_space",
	                                      [TRACE_LEAKED] = "inuse_objects" };
	struct trace_builder *b = tb_new("mem", "pprof");
	struct sym_frame fr[2] = { { "inner", "x.go", 7, 0 }, { "outer", "x.go", 20, 0 } };
	uint32_t n = tb_node(b, TB_ROOT, 0x10, tb_frames(b, fr, 2, NULL));
	struct trace *t;
	struct view *v;

	tb_measures(b, 1u << TRACE_LEAKED_BYTES | 1u << TRACE_LEAKED, names);
	tb_main_measure(b, TRACE_LEAKED);
	tb_add(b, n, &(struct trace_measure){ .leaked_bytes = 4096, .leaked = 2 });
	t = tb_finish(b);
	ck_assert_uint_eq(t->site_count, 1);
	ck_assert_str_eq(t->sites[0].function, "inner");
	ck_assert_uint_eq(t->total.leaked_bytes, 4096);

	v = view_new_trace(trace_view_find("callsites"), t);
	ck_assert_uint_eq(v->ncols, 5);	/* function, location, the two, module */
	ck_assert_int_ge(view_col_find(v, "inuse_space"), 0);
	ck_assert_int_eq(view_col_find(v, "allocations"), -1);
	ck_assert_str_eq(v->cols[v->default_sort].name, "inuse_objects");
	{
		struct vrows rows = { 0 };
		struct cell c;
		view_children(v, NULL, v->default_sort, true, &rows);
		ck_assert_uint_eq(rows.n, 1);
		view_cell(v, &rows.v[0], (size_t)view_col_find(v, "inuse_space"), &c);
		ck_assert_uint_eq(c.u, 4096);
		free(rows.v);
	}
	view_free(v);
	trace_free(t);
}
END_TEST

/* massif: an inline chain (one address on two levels) is one frame with
 * its chain; a recursion (one address, the same frame again) two; a
 * node's own bytes are its stack's; below-threshold lines a pseudo-frame;
 * the peak tree and the last one; milliseconds converted. */
static const char massif_text[] =
	"desc: --detailed-freq=1\n"
	"cmd: ./t\n"
	"time_unit: ms\n"
	"#-----------\nsnapshot=0\n#-----------\ntime=0\nmem_heap_B=0\n"
	"mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=empty\n"
	"#-----------\nsnapshot=1\n#-----------\ntime=5\nmem_heap_B=1000\n"
	"mem_heap_extra_B=8\nmem_stacks_B=0\nheap_tree=peak\n"
	"n3: 1000 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	" n1: 600 0x10: g (t.c:3)\n"
	"  n1: 600 0x10: f (t.c:9)\n"
	"   n0: 600 0x20: main (t.c:20)\n"
	" n1: 300 0x30: r (t.c:5)\n"
	"  n2: 300 0x30: r (t.c:5)\n"
	"   n0: 200 0x20: main (t.c:21)\n"
	"   n0: 50 0x40: ??? (in /lib/x.so)\n"
	" n0: 100 in 2 places, all below massif's threshold (1.00%)\n"
	"#-----------\nsnapshot=2\n#-----------\ntime=5\nmem_heap_B=400\n"
	"mem_heap_extra_B=8\nmem_stacks_B=0\nheap_tree=detailed\n"
	"n1: 400 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
	" n1: 400 0x10: g (t.c:3)\n"
	"  n1: 400 0x10: f (t.c:9)\n"
	"   n0: 400 0x20: main (t.c:20)\n";

START_TEST(massif_trees)
{
	struct model m;
	struct hs_error err;
	struct trace *t;
	uint32_t count, inl = 0;
	const char *mod;

	error_clear(&err);
	ck_assert_int_eq(load_mem("t.massif", massif_text, sizeof massif_text - 1, NULL, NULL, &m,
	                          &err), HS_OK);
	t = m.trace;
	ck_assert_str_eq(t->format, "massif");
	ck_assert_uint_eq(t->measures, 1u << TRACE_PEAK | 1u << TRACE_LEAKED_BYTES);
	ck_assert_uint_eq(t->peak_heap, 1000);
	ck_assert_uint_eq(t->peak_time_us, 5000);
	ck_assert_uint_eq(t->total.peak_bytes, 1000);
	ck_assert_uint_eq(t->total.leaked_bytes, 400);
	ck_assert_uint_eq(t->timeline_count, 2);	/* two snapshots at 5 ms: one point */
	ck_assert_uint_eq(t->timeline[1].heap, 1000);
	/* nodes (outermost first): main g+f; main r r; ?? r r; r r; below */
	ck_assert_uint_eq(t->node_count, 12);
	for (uint32_t i = 1; i < t->node_count; i++) {
		const struct sym_frame *f = trace_frames(t, i, &count, &mod);
		if (strcmp(f[0].function, "g") == 0) {
			ck_assert_uint_eq(count, 2);
			ck_assert_str_eq(f[1].function, "f");
			ck_assert_uint_eq(f[1].line, 9);
			ck_assert_uint_eq(t->ip[i], 0x10);
			ck_assert_uint_eq(t->node_m[i].peak_bytes, 600);
			ck_assert_uint_eq(t->node_m[i].leaked_bytes, 400);
			inl++;
		} else if (strcmp(f[0].function, "??") == 0) {
			ck_assert_str_eq(mod, "/lib/x.so");
		} else {
			ck_assert_uint_eq(count, 1);
		}
	}
	ck_assert_uint_eq(inl, 1);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		ck_assert_int_eq(trace_write_folded(t, TRACE_PEAK, f), 0);
		fclose(f);
		ck_assert_str_eq(buf, "main;f;g 600\n"
		                      "r;r 50\n"
		                      "main;r;r 200\n"
		                      "??;r;r 50\n"
		                      "(below massif's threshold) 100\n");
		free(buf);
	}
	model_free(&m);
}
END_TEST

/* A tracemalloc snapshot of protocol 2, written by hand: two traces
 * sharing one traceback (memoized), the most recent frame first. */
static const char tm_snapshot[] =
	"\x80\x02" "ctracemalloc\nSnapshot\n" ")\x81}(" "\x8c\x06traces"
	"ctracemalloc\n_Traces\n" ")\x81}" "\x8c\x07_traces" "]("
	"(K\x00M\x00\x01(\x8c\x05/a.pyK\x03\x86\x8c\x05/b.pyK\x07\x86tq\x00K\x02t"
	"(K\x00K\x10h\x00K\x02t"
	"esb" "\x8c\x0ftraceback_limitK\x05" "ub.";

START_TEST(tracemalloc_load)
{
	struct model m;
	struct hs_error err;
	const struct sym_frame *f;
	uint32_t nf, leaf = 0;

	error_clear(&err);
	ck_assert_int_eq(load_mem("t.pickle", tm_snapshot, sizeof tm_snapshot - 1, NULL, NULL, &m,
	                          &err), HS_OK);
	ck_assert_str_eq(m.trace->format, "tracemalloc");
	ck_assert_uint_eq(m.trace->total.leaked_bytes, 256 + 16);
	ck_assert_uint_eq(m.trace->total.leaked, 2);
	ck_assert_uint_eq(m.trace->total.allocations, 0);
	ck_assert_uint_eq(m.trace->site_count, 1);
	ck_assert_str_eq(m.trace->sites[0].file, "/a.py");
	ck_assert_uint_eq(m.trace->sites[0].line, 3);
	ck_assert_str_eq(m.trace->sites[0].function, "a.py:3");
	ck_assert_str_eq(m.trace->measure_name[TRACE_LEAKED_BYTES], "size");
	/* root -> b.py:7 -> a.py:3 */
	ck_assert_uint_eq(m.trace->node_count, 3);
	for (uint32_t i = 1; i < m.trace->node_count; i++)
		if (m.trace->node_m[i].leaked)
			leaf = i;
	ck_assert_uint_eq(m.trace->node_m[leaf].leaked, 2);
	f = trace_frames(m.trace, m.trace->parent[leaf], &nf, NULL);
	ck_assert_uint_eq(nf, 1);
	ck_assert_str_eq(f[0].function, "b.py:7");
	ck_assert_uint_eq(m.trace->parent[m.trace->parent[leaf]], 0);
	/* protocol, limit, truncated and deepest (total_nframe), domains */
	ck_assert_uint_eq(m.trace->info_count, 6);
	ck_assert_str_eq(m.trace->info[1].name, "traceback_limit");
	ck_assert_uint_eq(m.trace->info[1].value, 5);
	ck_assert_str_eq(m.trace->info[2].name, "truncated_tracebacks");
	ck_assert_uint_eq(m.trace->info[2].value, 0);
	ck_assert_uint_eq(m.trace->info[3].value, 2);
	model_free(&m);
}
END_TEST

/* malformed: the line and what was expected */
START_TEST(massif_errors)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "desc: x\ncmd: y\ntime_unit: s\n", "line 3: expected \"time_unit: i|ms|B\"" },
		{ "desc: x\ncmd: y\ntime_unit: i\nsnapshot=0\ntime=0\nmem_heap_B=1\n"
		  "mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=peak\nn1: 1 x\n",
		  "line 10: expected a heap tree line" },
		{ "desc: x\ncmd: y\ntime_unit: i\nsnapshot=0\ntime=0\nmem_heap_B=1\n"
		  "mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=peak\nn1: 1 x\n n0: 2 0x1: f\n",
		  "line 10: its children hold 2 bytes, more than its 1" },
		{ "desc: x\ncmd: y\ntime_unit: i\nsnapshot=0\ntime=-1\n",
		  "line 5: expected \"time=NUMBER\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct model m;
		struct hs_error err;
		error_clear(&err);
		ck_assert_int_eq(load_mem("bad.massif", cases[i].text, strlen(cases[i].text), NULL,
		                          NULL, &m, &err), HS_EINPUT);
		ck_assert_msg(strstr(err.msg, cases[i].msg), "case %zu: %s", i, err.msg);
	}
}
END_TEST

/* Cut anywhere, the snapshot is refused with a message; a REDUCE in its
 * place is refused at its offset. */
START_TEST(tracemalloc_refuse)
{
	char buf[sizeof tm_snapshot];
	struct model m;
	struct hs_error err;

	for (size_t n = 0; n + 1 < sizeof tm_snapshot; n++) {
		error_clear(&err);
		ck_assert_int_eq(load_mem("t.pickle", tm_snapshot, n, "tracemalloc", NULL, &m, &err),
		                 HS_EINPUT);
		ck_assert(err.msg[0] != '\0');
	}
	memcpy(buf, tm_snapshot, sizeof buf);
	buf[sizeof tm_snapshot - 3] = 'R';	/* BUILD of the Snapshot -> REDUCE */
	error_clear(&err);
	ck_assert_int_eq(load_mem("t.pickle", buf, sizeof buf - 1, NULL, NULL, &m, &err), HS_EINPUT);
	ck_assert_uint_eq(err.offset, sizeof tm_snapshot - 3);
	ck_assert_ptr_nonnull(strstr(err.msg, "REDUCE"));
}
END_TEST

/* gperf: pprof's unsampling of heap_v2 (1 / (1 - exp(-(size/count) /
 * period)), each stack's estimates summed then truncated), the same stack
 * twice is one, pprof's names for the measures; no mappings: frames are
 * their addresses; addresses above 0x7fffffffffffffff dropped. */
START_TEST(gperf_profiles)
{
	static const char v2[] =
		"%warn a command\n"
		"heap profile: 2: 2000 [4: 4000] @ heap_v2/1000\n"
		"   1:   1000 [   2:   2000] @ 0x10 0x20\n"
		"   1:   1000 [   2:   2000] @ 0x10 0x20\n"
		"\nMAPPED_LIBRARIES:\n";
	static const char plain[] =
		"heap profile: 3: 300 [5: 500] @ heapprofile\n"
		"1: 100 [2: 200] @ 0x10 0x20\n"
		"2: 200 [3: 300] @ 0xffffffffff600000\n"
		"--- Memory map: ---\n"
		"00400000-00401000 r-xp 00000000 00:00 1\n";
	static const char edge[] =
		"heap profile: 1: 2 [3: 4] @ heap_v2/100\n"
		"1: 0 [3: 0] @ 0x7fffffffffffffff 0x7fffffffffffffff\n"
		"2: 5 [3: 7] @ 0x7fffffffffffffff 0x7fffffffffffffff\n";
	struct model m;
	struct hs_error err;
	struct trace *t;
	uint32_t count;
	const struct sym_frame *f;

	error_clear(&err);
	ck_assert_int_eq(load_mem("v2.heap", v2, sizeof v2 - 1, NULL, NULL, &m, &err), HS_OK);
	t = m.trace;
	ck_assert_str_eq(t->format, "gperf");
	ck_assert_uint_eq(t->sample_bytes, 1000);
	ck_assert_str_eq(t->measure_name[TRACE_LEAKED_BYTES], "inuse_space");
	ck_assert_str_eq(t->measure_name[TRACE_ALLOCATIONS], "alloc_objects");
	ck_assert_int_eq(t->main_measure, TRACE_LEAKED_BYTES);
	/* 1000 * 1.5819767... twice */
	ck_assert_uint_eq(t->total.leaked_bytes, 3163);
	ck_assert_uint_eq(t->total.leaked, 3);
	ck_assert_uint_eq(t->total.bytes, 6327);
	ck_assert_uint_eq(t->total.allocations, 6);
	ck_assert_uint_eq(t->node_count, 3);	/* root, 0x20, 0x10 */
	f = trace_frames(t, 2, &count, NULL);
	ck_assert_uint_eq(count, 1);
	ck_assert_str_eq(f[0].function, "0x10");
	ck_assert_uint_eq(t->parent[2], 1);
	model_free(&m);

	ck_assert_int_eq(load_mem("p.heap", plain, sizeof plain - 1, NULL, NULL, &m, &err), HS_OK);
	t = m.trace;
	ck_assert_uint_eq(t->sample_bytes, 0);
	ck_assert_uint_eq(t->total.leaked_bytes, 300);
	ck_assert_uint_eq(t->total.allocations, 5);
	ck_assert_uint_eq(t->node_m[0].leaked_bytes, 200);	/* its frame dropped */
	ck_assert_uint_eq(t->node_m[2].bytes, 200);
	model_free(&m);

	/* the highest address kept (its hash key is all ones), and a sampled
	 * count of 0-byte objects, kept as read (pprof divides by zero) */
	ck_assert_int_eq(load_mem("z.heap", edge, sizeof edge - 1, NULL, NULL, &m, &err), HS_OK);
	t = m.trace;
	ck_assert_uint_eq(t->node_count, 3);	/* root, the address as a caller, as the first */
	ck_assert_uint_eq(t->total.leaked, 1 + 81);
	ck_assert_uint_eq(t->total.leaked_bytes, 202);
	ck_assert_uint_eq(t->total.allocations, 3 + 130);
	ck_assert_uint_eq(t->total.bytes, 303);
	model_free(&m);
}
END_TEST

START_TEST(gperf_errors)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "heap profile: 1: 2\n", "line 1: expected \"heap profile: N: BYTES [N: BYTES] @ TYPE\"" },
		{ "heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] 0x1\n",
		  "line 2: expected a stack" },
		{ "heap profile: 1: 2 [3: 4] @ heapprofile\n\n1: 2 [3: 4] @ 0x1 0xg\n",
		  "line 3: expected hexadecimal addresses" },
		{ "heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] @ 0x12345678123456789\n",
		  "line 2: expected hexadecimal addresses" },
		{ "%warn x\n", "expected \"heap profile:\", got the end of the file" },
		{ "heap_v2/524288\n  t*: 1: 2 [0: 0]\n", "line 1: jemalloc's heap_v2 format" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct model m;
		struct hs_error err;
		error_clear(&err);
		ck_assert_int_eq(load_mem("bad.heap", cases[i].text, strlen(cases[i].text), "gperf",
		                          NULL, &m, &err), HS_EINPUT);
		ck_assert_msg(strstr(err.msg, cases[i].msg), "case %zu: %s", i, err.msg);
	}
}
END_TEST

Suite *
suite_trace(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("builder");
	tcase_add_test(tc, builder_events);
	tcase_add_test(tc, builder_profile_columns);
	suite_add_tcase(s, tc);
	tc = tcase_create("massif");
	tcase_add_test(tc, massif_trees);
	tcase_add_test(tc, massif_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("tracemalloc");
	tcase_add_test(tc, tracemalloc_load);
	tcase_add_test(tc, tracemalloc_refuse);
	suite_add_tcase(s, tc);
	tc = tcase_create("gperf");
	tcase_add_test(tc, gperf_profiles);
	tcase_add_test(tc, gperf_errors);
	suite_add_tcase(s, tc);
	return s;
}
