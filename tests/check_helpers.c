#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "heapsift/analyze.h"
#include "heapsift/heap_builder.h"
#include "heapsift/io.h"
#include "heapsift/xalloc.h"

struct tedge {
	uint32_t from, to;
	int weak;
	uint32_t seq;
};

static int
tedge_cmp(const void *a, const void *b)
{
	const struct tedge *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct heap *
tgraph(uint32_t n, const char *spec, const uint32_t *sizes)
{
	return tgraph_ex(n, spec, sizes, NULL, false);
}

struct heap *
tgraph_ex(uint32_t n, const char *spec, const uint32_t *sizes, const uint32_t *cls,
          bool interactive)
{
	struct heap_builder b;
	struct hs_error err;
	struct tedge *edges = NULL;
	size_t ne = 0, cap = 0;
	uint32_t *count = xcalloc(n, sizeof *count);
	const char *p = spec;
	struct heap *h;
	uint32_t name;

	while (*p) {
		unsigned long a, c;
		char op;
		char *end;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		a = strtoul(p, &end, 10);
		op = *end;
		c = strtoul(end + 1, &end, 10);
		ck_assert_msg(op == '>' || op == '~', "bad graph spec at '%s'", p);
		ck_assert_uint_lt(a, n);
		ck_assert_uint_lt(c, n);
		XGROW(edges, cap, ne + 1);
		edges[ne].from = (uint32_t)a;
		edges[ne].to = (uint32_t)c;
		edges[ne].weak = op == '~';
		edges[ne].seq = (uint32_t)ne;
		ne++;
		count[a]++;
		p = end;
	}
	if (ne)
		qsort(edges, ne, sizeof *edges, tedge_cmp);

	hb_init(&b, heap_new("test", "graph"));
	hb_rules(&b, HEAP_RULES_GENERIC);
	hb_node_type(&b, "object");
	hb_edge_type(&b, "ref", false);
	hb_edge_type(&b, "weak", false);
	hb_alloc(&b, n, (uint32_t)ne);
	name = hb_string(&b, "node", 4);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t nm = name;
		if (cls) {
			char buf[32];
			int len = snprintf(buf, sizeof buf, "c%u", cls[i]);
			nm = strtab_intern(&b.h->strings, buf, (size_t)len);
		}
		hb_node(&b, i, 0, nm, (uint64_t)i + 1, sizes ? sizes[i] : 1, count[i]);
	}
	for (size_t e = 0; e < ne; e++)
		hb_edge(&b, (uint32_t)e, edges[e].weak ? 1 : 0, name, edges[e].to);
	error_clear(&err);
	h = hb_finish(&b, &err);
	ck_assert_msg(h != NULL, "%s", err.msg);
	h->interactive = interactive;
	ck_assert_int_eq(analyze_heap(h, NULL, &err), HS_OK);
	free(edges);
	free(count);
	return h;
}

const char *
test_data(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("top_srcdir");
	snprintf(buf, sizeof buf, "%s/tests/data/%s", top ? top : ".", rel);
	return buf;
}

char *
test_slurp(const char *path, size_t *len)
{
	struct io io;
	struct hs_error err;
	char *s;

	error_clear(&err);
	if (io_open(&io, path, &err) != HS_OK) {
		io_close(&io);
		return NULL;
	}
	s = xmalloc(io.size + 1);
	memcpy(s, io.data, io.size);
	s[io.size] = '\0';
	if (len)
		*len = io.size;
	io_close(&io);
	return s;
}
