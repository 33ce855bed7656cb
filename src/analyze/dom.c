/* Dominators: Semi-NCA (Georgiadis, "Linear-time algorithms for dominators
 * and related problems", 2005; as in LLVM's SemiNCAInfo): the
 * semidominators of Lengauer & Tarjan ("A fast algorithm for finding
 * dominators in a flowgraph", TOPLAS 1979; path compression, plain
 * linking), then each immediate dominator as the nearest common ancestor
 * of the DFS parent and the semidominator, walking up the DFS tree.
 * O(m log n), every loop iterative so that a 1,000,000-long chain needs no
 * deep stack.  Arrays are indexed by DFS number (1-based, 0 = none), which
 * keeps the hot loop's accesses local.  Compared with LT's buckets it needs
 * two arrays fewer: 5 words per node and one per retaining edge at the
 * peak (see dom_compute).
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

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/analyze.h"
#include "heapsift/xalloc.h"

struct lt {
	const struct heap *h;
	const uint64_t *ret;	/* retaining-edge bitset */
	uint32_t *num;		/* node -> DFS number */
	uint32_t *vertex;	/* DFS number -> node */
	/* The DFS tree parent until a vertex is linked, its forest ancestor
	 * after: vertices are linked in decreasing order, so "v is linked"
	 * is "v > lim". */
	uint32_t *ancestor;
	uint32_t lim;
	/* edge cursor during the DFS; smallest semidominator on the
	 * compressed path during the semidominator loop (lt_eval) */
	uint32_t *label;
	uint32_t count;
	uint32_t *stack;	/* compress() path */
	size_t stack_cap;
};

/* Iterative DFS from start (unnumbered), whose tree parent is pnum.  Edge
 * cursors live in label[] (indexed by number) until the DFS is over. */
static void
lt_dfs(struct lt *t, uint32_t start, uint32_t pnum)
{
	const struct heap *h = t->h;
	const uint32_t *first = h->first_edge, *to = h->edge_to;
	uint32_t v;

	v = ++t->count;
	t->num[start] = v;
	t->vertex[v] = start;
	t->ancestor[v] = pnum;
	t->label[v] = first[start];
	while (v != pnum) {
		uint32_t node = t->vertex[v], e = t->label[v], end = first[node + 1];
		uint32_t next = t->ancestor[v];
		for (; e < end; e++) {
			uint32_t w;
			if (!bit_get(t->ret, e))
				continue;
			w = to[e];
			if (t->num[w] == 0) {
				uint32_t wn = ++t->count;
				t->num[w] = wn;
				t->vertex[wn] = w;
				t->ancestor[wn] = v;
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

/* The smallest semidominator on the forest path from linked vertex v up to
 * (not including) its unlinked forest root, compressing the path.  label[]
 * holds semidominator numbers (not vertices): label[v] is the smallest on
 * the compressed path from v. */
static inline uint32_t
lt_eval(struct lt *t, uint32_t v)
{
	size_t sp = 0;
	uint32_t *label = t->label, *ancestor = t->ancestor;
	const uint32_t lim = t->lim, v0 = v;

	if (ancestor[v] <= lim)
		return label[v];
	while (ancestor[v] > lim) {
		if (sp == t->stack_cap)
			XGROW(t->stack, t->stack_cap, sp + 1);
		t->stack[sp++] = v;
		v = ancestor[v];
	}
	while (sp > 0) {
		uint32_t w = t->stack[--sp], a = ancestor[w];
		if (label[a] < label[w])
			label[w] = label[a];
		ancestor[w] = ancestor[a];
	}
	return label[v0];
}

/* Half of the predecessor building: nodes [from, to). */
struct pred_half {
	const struct heap *h;
	const uint64_t *ret;
	const uint32_t *num;
	uint32_t from, to;
	uint32_t *count;	/* per target number: predecessors, then cursor */
	uint32_t *pred;
};

/* Where to cut the nodes so that each half has about half the edges. */
static uint32_t
pred_split(const struct heap *h, uint32_t n)
{
	uint32_t lo = 0, hi = n, half = h->first_edge[n] / 2;
	while (lo < hi) {
		uint32_t m = lo + (hi - lo) / 2;
		if (h->first_edge[m] < half)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

static void *
pred_count(void *arg)
{
	struct pred_half *p = arg;
	const struct heap *h = p->h;
	for (uint32_t v = p->from; v < p->to; v++) {
		if (p->num[v] == 0)
			continue;
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t x;
			if (bit_get(p->ret, e) && (x = p->num[h->edge_to[e]]) != 0)
				p->count[x]++;
		}
	}
	return NULL;
}

static void *
pred_fill(void *arg)
{
	struct pred_half *p = arg;
	const struct heap *h = p->h;
	for (uint32_t v = p->from; v < p->to; v++) {
		uint32_t w = p->num[v];
		if (w == 0)
			continue;
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t x;
			if (bit_get(p->ret, e) && (x = p->num[h->edge_to[e]]) != 0)
				p->pred[p->count[x]++] = w;
		}
	}
	return NULL;
}

int
dom_compute(struct heap *h, const uint64_t *retaining, const uint64_t *has_in_given,
            uint32_t **order, struct progress *progress)
{
	const uint32_t n = h->node_count, r = h->root;
	const size_t nwords = ((size_t)n + 63) / 64 + 1;
	struct lt t;
	uint64_t *has_in = (uint64_t *)(uintptr_t)has_in_given;
	uint32_t *pfirst, *pred, *dom, *idom;
	uint32_t cnt;

	memset(&t, 0, sizeof t);
	t.h = h;
	t.ret = retaining;
	progress_phase(progress, "dominators", n);

	/* Which nodes have a retaining edge into them (rule 2). */
	if (has_in_given == NULL) {
		has_in = xcalloc(nwords, sizeof *has_in);
		for (uint32_t e = 0; e < h->edge_count; e++)
			if (bit_get(retaining, e))
				bit_set(has_in, h->edge_to[e]);
	}

	t.num = xcalloc(n, sizeof *t.num);
	t.vertex = xmallocarray((size_t)n + 1, sizeof *t.vertex);
	t.ancestor = xmallocarray((size_t)n + 1, sizeof *t.ancestor);
	t.label = xmallocarray((size_t)n + 1, sizeof *t.label);
	lt_dfs(&t, r, 0);
	h->reach_count[HEAP_REACHABLE] = t.count;	/* the root's DFS: reach_compute() */
	if (t.count < n)
		for (uint32_t v = 0; v < n; v++)
			if (t.num[v] == 0 && !bit_get(has_in, v))
				lt_dfs(&t, v, 1);
	cnt = t.count;
	free(t.label);	/* the edge cursors */
	t.label = NULL;
	if (has_in_given == NULL)
		free(has_in);

	/* Predecessors by DFS number, over retaining edges between numbered
	 * nodes (edges from unreached garbage are left out: see above).  The
	 * edges are read in node order, front to back, in two halves on two
	 * threads: each counts into its own array, which then becomes its
	 * cursor (the first half's predecessors of a vertex before the
	 * second's; the order does not matter to the algorithm).  After the
	 * fill the second half's cursor of w is where w's predecessors end:
	 * shifted by one, the offsets.  Peak: num, vertex, ancestor, the two
	 * cursors, pred. */
	{
		struct pred_half half[2];
		pthread_t thread;
		bool threaded;
		uint32_t mid = pred_split(h, n), sum = 0;

		for (int k = 0; k < 2; k++) {
			half[k].h = h;
			half[k].ret = retaining;
			half[k].num = t.num;
			half[k].from = k ? mid : 0;
			half[k].to = k ? n : mid;
			half[k].count = xcalloc((size_t)cnt + 2, sizeof *half[k].count);
			half[k].pred = NULL;
		}
		threaded = pthread_create(&thread, NULL, pred_count, &half[1]) == 0;
		if (!threaded)
			pred_count(&half[1]);
		pred_count(&half[0]);
		if (threaded)
			pthread_join(thread, NULL);
		/* each half's cursor starts where its entries go */
		for (uint32_t w = 0; w <= cnt; w++) {
			uint32_t c0 = half[0].count[w], c1 = half[1].count[w];
			half[0].count[w] = sum;
			half[1].count[w] = sum + c0;
			sum += c0 + c1;
		}
		pred = xmallocarray(sum ? sum : 1, sizeof *pred);
		half[0].pred = half[1].pred = pred;
		threaded = pthread_create(&thread, NULL, pred_fill, &half[1]) == 0;
		if (!threaded)
			pred_fill(&half[1]);
		pred_fill(&half[0]);
		if (threaded)
			pthread_join(thread, NULL);
		free(half[0].count);
		pfirst = half[1].count;
		for (uint32_t w = cnt + 1; w > 0; w--)
			pfirst[w] = pfirst[w - 1];
		pfirst[0] = 0;
	}
	free(t.num);
	t.num = NULL;

	/* dom: the DFS parent for now (ancestor[] is compressed below). */
	dom = xmallocarray((size_t)cnt + 1, sizeof *dom);
	memcpy(dom, t.ancestor, ((size_t)cnt + 1) * sizeof *dom);
	t.label = xmallocarray((size_t)cnt + 1, sizeof *t.label);

	/* Semidominators, from the last vertex up.  sdom(w) = the smallest of
	 * its predecessors' numbers below w and of eval() of those above
	 * (linked).  The parent is a predecessor below w, so it is where the
	 * minimum starts; a vertex with no retaining edge in at all (none in
	 * pred[], rule 2) keeps the parent it got from its DFS, the root.
	 * w's predecessors are not read again: the first slot keeps sdom(w)
	 * for the second loop. */
	for (uint32_t w = cnt; w >= 2; w--) {
		uint32_t sw = t.ancestor[w];	/* w is not linked yet */

		t.lim = w;
		for (uint32_t k = pfirst[w]; k < pfirst[w + 1]; k++) {
			uint32_t v = pred[k];
			uint32_t u = v <= w ? v : lt_eval(&t, v);
			if (u < sw)
				sw = u;
		}
		t.label[w] = sw;
		if (pfirst[w] < pfirst[w + 1])
			pred[pfirst[w]] = sw;
		if ((w & 0xffff) == 0 && progress_update(progress, "dominators", cnt - w, cnt))
			break;
	}
	free(t.ancestor);
	free(t.stack);
	free(t.label);
	if (progress_cancelled(progress)) {
		free(pfirst);
		free(pred);
		free(dom);
		free(t.vertex);
		*order = NULL;
		return HS_ECANCEL;
	}
	/* Immediate dominators: idom(w) is the nearest ancestor of w's parent
	 * in the dominator tree whose number is at most sdom(w); vertices
	 * above w are done when w comes. */
	dom[1] = 1;
	for (uint32_t w = 2; w <= cnt; w++) {
		uint32_t sw = pfirst[w] < pfirst[w + 1] ? pred[pfirst[w]] : 1;
		uint32_t d = dom[w];
		while (d > sw)
			d = dom[d];
		dom[w] = d;
	}
	free(pfirst);
	free(pred);

	/* Back to node indices; vertex[] becomes the order for dom_retained(),
	 * with the unnumbered (rule 3) at the end. */
	idom = xmallocarray(n, sizeof *idom);
	for (uint32_t v = 0; v < n; v++)
		idom[v] = HEAP_NONE;
	for (uint32_t w = 1; w <= cnt; w++)
		idom[t.vertex[w]] = t.vertex[dom[w]];
	free(dom);
	t.vertex = xreallocarray(t.vertex, (size_t)n + 1, sizeof *t.vertex);
	if (cnt < n) {
		uint32_t k = cnt;
		for (uint32_t v = 0; v < n; v++)
			if (idom[v] == HEAP_NONE) {
				idom[v] = r;
				t.vertex[++k] = v;
			}
	}
	idom[r] = r;
	t.vertex[0] = n;	/* the count, for dom_retained() */
	free(h->idom);
	h->idom = idom;
	*order = t.vertex;
	return HS_OK;
}

void
dom_retained(struct heap *h, uint32_t *order)
{
	const uint32_t n = order[0];
	uint64_t *retained = xmallocarray(h->node_count, sizeof *retained);

	for (uint32_t v = 0; v < h->node_count; v++)
		retained[v] = heap_node_self(h, v);
	/* order[1] is the root; a dominator always comes before what it
	 * dominates, so from the end up each node's sum is complete when it
	 * is added to its dominator's. */
	for (uint32_t w = n; w >= 2; w--) {
		uint32_t v = order[w];
		retained[h->idom[v]] += retained[v];
	}
	free(order);
	free(h->retained);
	h->retained = retained;
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
