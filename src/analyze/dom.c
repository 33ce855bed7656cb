/* Dominators: Lengauer & Tarjan, "A fast algorithm for finding dominators
 * in a flowgraph" (TOPLAS 1979), the simple version (path compression, plain
 * linking): O(m log n), every loop iterative so that a 1,000,000-long chain
 * needs no deep stack.  Arrays are indexed by DFS number (1-based, 0 = none),
 * which keeps the hot loop's accesses local.
 *
 * Which nodes take part (DevTools' rules, HeapSnapshot.ts
 * calculateDominatorsAndRetainedSizes):
 *  1. DFS from the root over retaining edges, in edge order.
 *  2. Nodes still unvisited that have no retaining edge into them at all
 *     ("only weak retainers") become children of the root, in node order,
 *     each with a DFS of what it reaches.
 *  3. Nodes still unvisited (cycles of garbage, or what only such cycles
 *     reach) are given the root as immediate dominator.  DevTools numbers
 *     them as root children but never lets them lower a semidominator (their
 *     DFS numbers are larger than any other node's), which amounts to
 *     ignoring their out-edges: we leave them out of the computation.
 * Retained size = own size + retained sizes of the dominated, summed from the
 * leaves up in reverse DFS order (a dominator precedes what it dominates). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heapsift/analyze.h"
#include "heapsift/xalloc.h"

struct lt {
	const struct heap *h;
	const uint64_t *ret;	/* retaining-edge bitset */
	uint32_t *num;		/* node -> DFS number */
	uint32_t *vertex;	/* DFS number -> node */
	uint32_t *parent;	/* DFS tree parent (numbers) */
	uint32_t *label;	/* cursor during the DFS, label during LT */
	uint32_t count;
	uint32_t *stack;	/* compress() path */
	size_t stack_cap;
};

/* Iterative DFS from start (already unnumbered), whose tree parent is pnum.
 * Edge cursors live in label[] (indexed by number) until the DFS is over. */
static void
lt_dfs(struct lt *t, uint32_t start, uint32_t pnum)
{
	const struct heap *h = t->h;
	const uint32_t *first = h->first_edge, *to = h->edge_to;
	uint32_t v;

	v = ++t->count;
	t->num[start] = v;
	t->vertex[v] = start;
	t->parent[v] = pnum;
	t->label[v] = first[start];
	while (v != pnum) {
		uint32_t node = t->vertex[v], e = t->label[v], end = first[node + 1];
		uint32_t next = t->parent[v];
		for (; e < end; e++) {
			uint32_t w;
			if (!bit_get(t->ret, e))
				continue;
			w = to[e];
			if (t->num[w] == 0) {
				uint32_t wn = ++t->count;
				t->num[w] = wn;
				t->vertex[wn] = w;
				t->parent[wn] = v;
				t->label[wn] = first[w];
				next = wn;
				e++;
				break;
			}
		}
		t->label[v] = e;
		v = next;
	}
}

static bool
has_retaining_in_edge(const struct lt *t, uint32_t node)
{
	const struct heap *h = t->h;
	for (uint32_t k = h->ret_first[node]; k < h->ret_first[node + 1]; k++)
		if (bit_get(t->ret, h->ret_edge[k]))
			return true;
	return false;
}

/* Path compression along ancestor[], iteratively. */
static inline void
lt_compress(struct lt *t, uint32_t *ancestor, const uint32_t *semi, uint32_t v)
{
	size_t sp = 0;
	uint32_t *label = t->label;

	while (ancestor[ancestor[v]] != 0) {
		if (sp == t->stack_cap)
			XGROW(t->stack, t->stack_cap, sp + 1);
		t->stack[sp++] = v;
		v = ancestor[v];
	}
	while (sp > 0) {
		uint32_t w = t->stack[--sp];
		if (semi[label[ancestor[w]]] < semi[label[w]])
			label[w] = label[ancestor[w]];
		ancestor[w] = ancestor[ancestor[w]];
	}
}

static inline uint32_t
lt_eval(struct lt *t, uint32_t *ancestor, const uint32_t *semi, uint32_t v)
{
	if (ancestor[v] == 0)
		return v;
	lt_compress(t, ancestor, semi, v);
	return t->label[v];
}

int
dom_compute(struct heap *h, const uint64_t *retaining, struct progress *progress)
{
	const uint32_t n = h->node_count, r = h->root;
	struct lt t;
	uint32_t *semi, *ancestor, *dom, *bhead, *bnext, *idom;
	uint64_t *retained;

	memset(&t, 0, sizeof t);
	t.h = h;
	t.ret = retaining;
	t.num = xcalloc(n, sizeof *t.num);
	t.vertex = xmallocarray((size_t)n + 1, sizeof *t.vertex);
	t.parent = xmallocarray((size_t)n + 1, sizeof *t.parent);
	t.label = xmallocarray((size_t)n + 1, sizeof *t.label);

	progress_phase(progress, "dominators", n);
	lt_dfs(&t, r, 0);
	if (t.count < n) {
		for (uint32_t v = 0; v < n; v++)
			if (t.num[v] == 0 && !has_retaining_in_edge(&t, v))
				lt_dfs(&t, v, 1);
	}
	const uint32_t cnt = t.count;

	semi = xmallocarray((size_t)cnt + 1, sizeof *semi);
	ancestor = xcalloc((size_t)n + 1, sizeof *ancestor);	/* becomes idom */
	dom = xcalloc((size_t)cnt + 1, sizeof *dom);
	bhead = xcalloc((size_t)cnt + 1, sizeof *bhead);
	bnext = xmallocarray((size_t)cnt + 1, sizeof *bnext);
	for (uint32_t i = 0; i <= cnt; i++) {
		semi[i] = i;
		t.label[i] = i;
	}

	for (uint32_t w = cnt; w >= 2; w--) {
		const uint32_t wnode = t.vertex[w];
		const uint32_t pw = t.parent[w];
		bool orphan = true;

		for (uint32_t k = h->ret_first[wnode]; k < h->ret_first[wnode + 1]; k++) {
			uint32_t v, u;
			if (!bit_get(retaining, h->ret_edge[k]))
				continue;
			orphan = false;
			v = t.num[h->ret_src[k]];
			if (v == 0)
				continue;	/* from unreached garbage: see above */
			u = lt_eval(&t, ancestor, semi, v);
			if (semi[u] < semi[w])
				semi[w] = semi[u];
		}
		if (orphan)
			semi[w] = 1;	/* a child of the root (rule 2) */
		bnext[w] = bhead[semi[w]];
		bhead[semi[w]] = w;
		ancestor[w] = pw;	/* link */
		for (uint32_t v = bhead[pw]; v != 0; v = bnext[v]) {
			uint32_t u = lt_eval(&t, ancestor, semi, v);
			dom[v] = semi[u] < semi[v] ? u : pw;
		}
		bhead[pw] = 0;
		if ((w & 0xffff) == 0 && progress_update(progress, "dominators", cnt - w, n))
			break;
	}
	free(bhead);
	free(bnext);
	free(t.stack);
	if (progress_cancelled(progress)) {
		free(semi);
		free(ancestor);
		free(dom);
		free(t.num);
		free(t.vertex);
		free(t.parent);
		free(t.label);
		return HS_ECANCEL;
	}
	dom[1] = 1;
	for (uint32_t w = 2; w <= cnt; w++)
		if (dom[w] != semi[w])
			dom[w] = dom[dom[w]];
	free(semi);
	free(t.label);
	free(t.parent);

	/* Back to node indices; ancestor[] is free now and becomes idom. */
	idom = xreallocarray(ancestor, n, sizeof *idom);
	for (uint32_t v = 0; v < n; v++)
		idom[v] = r;	/* rule 3 for the unnumbered */
	for (uint32_t w = 1; w <= cnt; w++)
		idom[t.vertex[w]] = t.vertex[dom[w]];
	idom[r] = r;
	free(dom);

	retained = xmallocarray(n, sizeof *retained);
	for (uint32_t v = 0; v < n; v++)
		retained[v] = h->node_self[v];
	for (uint32_t w = cnt; w >= 2; w--) {
		uint32_t v = t.vertex[w];
		retained[idom[v]] += retained[v];
	}
	if (cnt < n)
		for (uint32_t v = 0; v < n; v++)
			if (t.num[v] == 0)
				retained[r] += retained[v];
	free(t.num);
	free(t.vertex);

	free(h->idom);
	free(h->retained);
	h->idom = idom;
	h->retained = retained;
	return HS_OK;
}

void
dom_children_build(struct heap *h)
{
	const uint32_t n = h->node_count, r = h->root;
	uint32_t *first = xcalloc((size_t)n + 1, sizeof *first);
	uint32_t *child = xmallocarray(n, sizeof *child);
	uint32_t sum = 0;

	for (uint32_t v = 0; v < n; v++)
		if (v != r)
			first[h->idom[v]]++;
	for (uint32_t v = 0; v < n; v++) {
		uint32_t c = first[v];
		first[v] = sum;
		sum += c;
	}
	first[n] = sum;
	for (uint32_t v = 0; v < n; v++)
		if (v != r)
			child[first[h->idom[v]]++] = v;
	for (uint32_t v = n; v > 0; v--)
		first[v] = first[v - 1];
	first[0] = 0;
	free(h->dom_first);
	free(h->dom_child);
	h->dom_first = first;
	h->dom_child = child;
}
