/* DevTools' numbers on real and synthetic snapshots: for every node of
 * every fixture in tests/data/v8/MANIFEST, self size (after DevTools'
 * shallow-size transfer), retained size, immediate dominator and distance;
 * every class of the Summary; the totals and Statistics.  The expected
 * files were written by Chrome DevTools' own code (tests/oracle,
 * tests/data/v8/make-fixtures.sh). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/export.h"
#include "heapsift/heap.h"
#include "heapsift/load.h"
#include "heapsift/xalloc.h"

static char *
next_line(char **p)
{
	char *s = *p, *nl;
	if (s == NULL || *s == '\0')
		return NULL;
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static struct heap *
load_fixture(const char *name)
{
	char rel[256];
	struct model m;
	struct hs_error err;

	snprintf(rel, sizeof rel, "v8/%s.heapsnapshot.zst", name);
	error_clear(&err);
	ck_assert_msg(load_file(test_data(rel), NULL, NULL, &m, &err) == HS_OK, "%s", err.msg);
	ck_assert_int_eq(analyze_heap(m.heap, NULL, &err), HS_OK);
	return m.heap;
}

static void
check_objects(const char *name, const struct heap *h)
{
	char rel[256], *text, *p, *line;
	uint32_t n = 0, bad = 0;

	snprintf(rel, sizeof rel, "v8/%s.objects.tsv.zst", name);
	text = test_slurp(test_data(rel), NULL);
	ck_assert_msg(text != NULL, "cannot read %s", rel);
	p = text;
	line = next_line(&p);	/* header */
	ck_assert_ptr_nonnull(line);
	while ((line = next_line(&p)) != NULL) {
		uint64_t id, self, retained, idom;
		long long dist;
		ck_assert_msg(sscanf(line, "%" SCNu64 "\t%" SCNu64 "\t%" SCNu64 "\t%" SCNu64 "\t%lld", &id,
		                     &self, &retained, &idom, &dist) == 5,
		              "%s: bad line %u", rel, n);
		ck_assert_msg(n < h->node_count, "%s: more rows than nodes", name);
		if (heap_node_id(h, n) != id || heap_node_self(h, n) != self || heap_retained(h, n) != retained ||
		    heap_node_id(h, heap_idom(h, n)) != idom || heap_node_distance(h, n) != dist) {
			if (bad++ < 5)
				fprintf(stderr,
				        "%s: node %u: DevTools id %" PRIu64 " self %" PRIu64 " retained %" PRIu64
				        " idom %" PRIu64 " distance %lld; heapsift %" PRIu64 " %u %" PRIu64 " %" PRIu64 " %d\n",
				        name, n, id, self, retained, idom, dist, heap_node_id(h, n), heap_node_self(h, n),
				        heap_retained(h, n), heap_node_id(h, heap_idom(h, n)), heap_node_distance(h, n));
		}
		n++;
	}
	ck_assert_msg(bad == 0, "%s: %u of %u nodes differ from DevTools", name, bad, n);
	ck_assert_uint_eq(n, h->node_count);
	free(text);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
check_classes(const char *name, const struct heap *h)
{
	char rel[256], *text, *p, *line;
	char **want = NULL, **have = NULL;
	size_t nw = 0, nh = 0, cw = 0, ch = 0;

	snprintf(rel, sizeof rel, "v8/%s.classes.tsv.zst", name);
	text = test_slurp(test_data(rel), NULL);
	ck_assert_msg(text != NULL, "cannot read %s", rel);
	p = text;
	next_line(&p);
	while ((line = next_line(&p)) != NULL) {
		XGROW(want, cw, nw + 1);
		want[nw++] = line;
	}
	/* Ours, written the way the oracle writes them (JSON-escaped names). */
	for (uint32_t c = 0; c < h->class_count; c++) {
		const struct heap_class *k = &h->classes[c];
		char *buf = NULL, *esc = NULL;
		size_t len = 0, elen = 0;
		FILE *f;
		if (k->count == 0)
			continue;
		f = open_memstream(&esc, &elen);
		export_json_string(f, heap_str(h, k->name), strtab_len(&h->strings, k->name));
		fclose(f);
		esc[elen - 1] = '\0';	/* drop the quotes */
		f = open_memstream(&buf, &len);
		fprintf(f, "%s\t%u\t%" PRIu64 "\t%" PRIu64 "\t%d", esc + 1, k->count, k->shallow, k->retained,
		        k->distance);
		fclose(f);
		free(esc);
		XGROW(have, ch, nh + 1);
		have[nh++] = buf;
	}
	if (nw)
		qsort(want, nw, sizeof *want, cmp_str);
	if (nh)
		qsort(have, nh, sizeof *have, cmp_str);
	for (size_t i = 0, j = 0; i < nw || j < nh;) {
		int c = i == nw ? 1 : j == nh ? -1 : strcmp(want[i], have[j]);
		ck_assert_msg(c == 0, "%s: class %s '%s'", name, c < 0 ? "only in DevTools:" : "only in heapsift:",
		              c < 0 ? want[i] : have[j]);
		i++;
		j++;
	}
	for (size_t j = 0; j < nh; j++)
		free(have[j]);
	free(have);
	free(want);
	free(text);
}

static uint64_t
json_number(const char *text, const char *key)
{
	char pat[64];
	const char *at;
	snprintf(pat, sizeof pat, "\"%s\":", key);
	at = strstr(text, pat);
	ck_assert_msg(at != NULL, "no %s in the stats", key);
	at += strlen(pat);
	while (*at == ' ')
		at++;
	return strtoull(at, NULL, 10);
}

static uint64_t
stat_of(const struct heap *h, const char *name)
{
	for (uint32_t i = 0; i < h->stat_count; i++)
		if (strcmp(h->stats[i].name, name) == 0)
			return h->stats[i].bytes;
	ck_abort_msg("no statistic %s", name);
	return 0;
}

static void
check_stats(const char *name, const struct heap *h)
{
	char rel[256], *text;
	const char *v8heap;

	snprintf(rel, sizeof rel, "v8/%s.stats.json", name);
	text = test_slurp(test_data(rel), NULL);
	ck_assert_msg(text != NULL, "cannot read %s", rel);
	ck_assert_uint_eq(json_number(text, "node_count"), h->node_count);
	ck_assert_uint_eq(json_number(text, "total_size"), h->total_size);
	ck_assert_uint_eq(json_number(text, "typedArrays"), stat_of(h, "typed_arrays"));
	v8heap = strstr(text, "\"v8heap\"");
	ck_assert_ptr_nonnull(v8heap);
	ck_assert_uint_eq(json_number(v8heap, "total"), stat_of(h, "v8heap"));
	ck_assert_uint_eq(json_number(v8heap, "code"), stat_of(h, "code"));
	ck_assert_uint_eq(json_number(v8heap, "jsArrays"), stat_of(h, "js_arrays"));
	ck_assert_uint_eq(json_number(v8heap, "strings"), stat_of(h, "strings"));
	ck_assert_uint_eq(json_number(v8heap, "system"), stat_of(h, "system"));
	ck_assert_uint_eq(json_number(strstr(text, "\"native\""), "total"), stat_of(h, "native"));
	free(text);
}

START_TEST(test_fixtures)
{
	char *manifest = test_slurp(test_data("v8/MANIFEST"), NULL), *p, *name;
	unsigned count = 0;

	ck_assert_msg(manifest != NULL, "tests/data/v8/MANIFEST is missing (top_srcdir=%s)",
	              getenv("top_srcdir") ? getenv("top_srcdir") : "(unset)");
	p = manifest;
	while ((name = next_line(&p)) != NULL) {
		struct heap *h;
		if (*name == '\0' || *name == '#')
			continue;
		h = load_fixture(name);
		check_objects(name, h);
		check_classes(name, h);
		check_stats(name, h);
		heap_free(h);
		count++;
	}
	ck_assert_uint_gt(count, 0);
	free(manifest);
}
END_TEST

/* The same with the dominators of the iterative algorithm (analyze.h),
 * which V8's rules do not use by default. */
static void
use_iterative(void)
{
	dom_method = DOM_ITERATIVE;
}

Suite *
suite_rules(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("devtools");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fixtures);
	suite_add_tcase(s, tc);
	tc = tcase_create("iterative-dominators");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, use_iterative, NULL);
	tcase_add_test(tc, test_fixtures);
	suite_add_tcase(s, tc);
	return s;
}
