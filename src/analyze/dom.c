/* Dominators, by an iterative algorithm over the join nodes (dom_iter,
 * below), or when that would take too long by Semi-NCA (Georgiadis,
 * "Linear-time algorithms for dominators and related problems", 2005; as
 * in LLVM's SemiNCAInfo): the
 * semidominators of Lengauer & Tarjan ("A fast algorithm for finding
 * dominators in a flowgraph", TOPLAS 1979; path compression, plain
 * linking), then each immediate dominator as the nearest common ancestor
 * of the DFS parent and the semidominator, walking up the DFS tree.
 * O(m log n), every loop iterative so that a 1,000,000-long chain needs no
 * deep stack.  Arrays are indexed by DFS number (1-based, 0 = none), which
 * keeps the hot loop's accesses local.  Compared with LT's buckets it needs
 * two arrays fewer: 5 words per node and one per retaining edge at the
 * peak (see dom_snca).
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
#include "heapsift/bits.h"
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
	uint32_t v;

	v = ++t->count;
	t->num[start] = v;
	t->vertex[v] = start;
	t->ancestor[v] = pnum;
	t->label[v] = heap_first_edge(h, start);
	while (v != pnum) {
		uint32_t node = t->vertex[v], e = t->label[v], end = heap_first_edge(h, node + 1);
		uint32_t next = t->ancestor[v];
		for (; e < end; e++) {
			uint32_t w;
			if (!bit_get(t->ret, e))
				continue;
			w = heap_edge_to(h, e);
			if (t->num[w] == 0) {
				uint32_t wn = ++t->count;
				t->num[w] = wn;
				t->vertex[wn] = w;
				t->ancestor[wn] = v;
				t->label[wn] = heap_first_edge(h, w);
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
	uint32_t lo = 0, hi = n, half = heap_first_edge(h, n) / 2;
	while (lo < hi) {
		uint32_t m = lo + (hi - lo) / 2;
		if (heap_first_edge(h, m) < half)
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
		for (uint32_t e = heap_first_edge(h, v), e_end = heap_first_edge(h, v + 1); e < e_end; e++) {
			uint32_t x;
			if (bit_get(p->ret, e) && (x = p->num[heap_edge_to(h, e)]) != 0)
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
		for (uint32_t e = heap_first_edge(h, v), e_end = heap_first_edge(h, v + 1); e < e_end; e++) {
			uint32_t x;
			if (bit_get(p->ret, e) && (x = p->num[heap_edge_to(h, e)]) != 0)
				p->pred[p->count[x]++] = w;
		}
	}
	return NULL;
}

static int
dom_snca(struct heap *h, const uint64_t *retaining, const uint64_t *has_in,
         uint8_t **order, struct progress *progress)
{
	const uint32_t n = h->node_count, r = h->root;
	struct lt t;
	uint32_t *pfirst, *pred, *dom, *idom;
	uint32_t cnt;

	memset(&t, 0, sizeof t);
	t.h = h;
	t.ret = retaining;
	progress_phase(progress, "dominators", n);

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
	free(h->idom_packed);
	h->idom_packed = NULL;
	h->idom = idom;
	{
		const unsigned ow = bits_width(n);
		uint8_t *packed = xmallocarray(bits_packed_bytes((size_t)n + 1, ow), 1);
		for (uint32_t w = 0; w <= n; w++)
			bits_packed_set(packed, ow, w, t.vertex[w]);
		free(t.vertex);
		*order = packed;
	}
	return HS_OK;
}

/* --- the iterative algorithm ---------------------------------------------------
 * Cooper, Harvey & Kennedy, "A Simple, Fast Dominance Algorithm" (2001):
 * visit the nodes in order until nothing changes, each node's dominator
 * being the nearest common ancestor, in the dominator tree built so far, of
 * its predecessors; "intersect" finds it by walking up from both, the one
 * with the larger number first.  The paper numbers in reverse postorder;
 * DFS preorder serves as well (a dominator is a DFS ancestor, so its
 * number is smaller, and each estimate stays on the DFS parent's chain),
 * and is known when a node is reached: no number is kept per node, only
 * the node of each number.  Cross edges then come from larger numbers, so
 * a round more is usual.
 *
 * Heap graphs suit it: most objects have a single retainer, and a node
 * with one predecessor is dominated by it — its DFS parent — once and for
 * all.  Only join nodes (two retaining edges in or more) are visited, and
 * only their predecessors are stored.  The arrays: the node of each number
 * (the order returned), the dominators by number (turned into idom in
 * place at the end), bits per node (visited, in-degrees), and for the
 * joins their numbers' ranks and their predecessors: 2 words a node and
 * about one per join edge, where Semi-NCA needs 5 a node and one per edge.
 *
 * The number of rounds is not bounded by the graph's size alone (the
 * paper's worst case is quadratic), so the work is counted, and past a
 * budget linear in the graph dom_compute() starts over with Semi-NCA.
 * Both give the same dominators: they are unique. */

int dom_method = DOM_AUTO;
uint64_t dom_iter_budget;

#define DOM_GAVE_UP 1

struct dfs_frame {
	uint32_t node, next, num;	/* next: the next edge to follow */
};

/* DFS from start over retaining edges, numbering in preorder: what it newly
 * reaches takes *count + 1 ..., with vertex[] the node of a number and
 * dom[] the number of its DFS parent (start's: parent), both packed in dw
 * bits; seen marks every node reached. */
static void
iter_dfs(const struct heap *h, const uint64_t *ret, uint32_t start, uint32_t parent,
         uint64_t *seen, uint8_t *vertex, uint8_t *dom, unsigned dw, uint32_t *count,
         struct dfs_frame **stack, size_t *cap)
{
	size_t sp = 1;

	bit_set(seen, start);
	++*count;
	bits_packed_set(vertex, dw, *count, start);
	bits_packed_set(dom, dw, *count, parent);
	(*stack)[0].node = start;
	(*stack)[0].next = heap_first_edge(h, start);
	(*stack)[0].num = *count;
	while (sp > 0) {
		struct dfs_frame *f = &(*stack)[sp - 1];
		uint32_t v = f->node, e = f->next, end = heap_first_edge(h, v + 1), w, pnum;
		for (; e < end; e++)
			if (!bit_get(seen, heap_edge_to(h, e)) && bit_get(ret, e))
				break;
		if (e == end) {
			sp--;
			continue;
		}
		f->next = e + 1;
		pnum = f->num;
		w = heap_edge_to(h, e);
		bit_set(seen, w);
		++*count;
		bits_packed_set(vertex, dw, *count, w);
		bits_packed_set(dom, dw, *count, pnum);
		if (sp == *cap)
			XGROW(*stack, *cap, sp + 1);
		(*stack)[sp].node = w;
		(*stack)[sp].next = heap_first_edge(h, w);
		(*stack)[sp].num = *count;
		sp++;
	}
}

static inline uint32_t
rank_of(const uint64_t *bits, const uint32_t *dir, uint32_t i)
{
	uint64_t w = bits[i >> 6] & (((uint64_t)1 << (i & 63)) - 1);
	return dir[i >> 6] + bits_popcount64(w);
}

/* The rank directory of a bitmap of nwords words; returns the bits set. */
static uint32_t
rank_dir(const uint64_t *bits, size_t nwords, uint32_t *dir)
{
	uint32_t k = 0;

	for (size_t w = 0; w < nwords; w++) {
		dir[w] = k;
		k += bits_popcount64(bits[w]);
	}
	return k;
}

/* Everything below works on DFS numbers (1 = the root): dom[] and pred[]
 * hold numbers, so that "intersect" reads one array, and a dominator's
 * number is always below its node's. */
static int
dom_iter(struct heap *h, const uint64_t *retaining, const uint64_t *has_in,
         uint8_t **order, struct progress *progress)
{
	const uint32_t n = h->node_count, r = h->root;
	const size_t nwords = ((size_t)n + 63) / 64 + 1;
	uint64_t *seen, *once, *join, *jnum;
	uint32_t *jdir, *jidx, *pfirst, *pred;
	uint8_t *vertex, *dom;
	const unsigned dw = bits_width(n);
	uint8_t *idom;
	unsigned ibits;
	uint32_t cnt = 0, njoin, npred = 0;
	struct dfs_frame *stack;
	size_t cap = 1024, jwords;
	uint64_t work = 0, budget;
	bool changed, pass1 = true, skipped = false;
	int status = HS_OK;

	progress_phase(progress, "dominators", n);
	seen = xcalloc(nwords, sizeof *seen);
	vertex = xmallocarray(bits_packed_bytes((size_t)n + 1, dw), 1);
	dom = xmallocarray(bits_packed_bytes((size_t)n + 1, dw), 1);
	stack = xmallocarray(cap, sizeof *stack);

	/* The root's DFS, then those of the nodes no retaining edge reaches
	 * (rule 2), each numbered after the ones before it: the root is 1 and
	 * what it reaches comes first (reach_compute). */
	iter_dfs(h, retaining, r, 1, seen, vertex, dom, dw, &cnt, &stack, &cap);
	h->reach_count[HEAP_REACHABLE] = cnt;
	if (cnt < n)
		for (uint32_t v = 0; v < n; v++)
			if (!bit_get(seen, v) && !bit_get(has_in, v))
				iter_dfs(h, retaining, v, 1, seen, vertex, dom, dw, &cnt, &stack, &cap);
	free(stack);

	/* Join nodes: two retaining edges or more from numbered nodes (the
	 * root's own in-edges and self-loops do not count). */
	once = xcalloc(nwords, sizeof *once);
	join = xcalloc(nwords, sizeof *join);
	for (uint32_t v = 0; v < n; v++) {
		if (!bit_get(seen, v))
			continue;
		for (uint32_t e = heap_first_edge(h, v), end = heap_first_edge(h, v + 1); e < end; e++) {
			uint32_t w = heap_edge_to(h, e);
			if (w == v || w == r || !bit_get(seen, w) || !bit_get(retaining, e))
				continue;
			if (bit_get(once, w))
				bit_set(join, w);
			else
				bit_set(once, w);
		}
	}
	free(once);
	/* ... ranked by node (jdir), and by number (jnum; jidx takes one to
	 * the other): the predecessors' CSR, in number order. */
	jdir = xmallocarray(nwords, sizeof *jdir);
	njoin = rank_dir(join, nwords, jdir);
	jidx = xmallocarray(njoin ? njoin : 1, sizeof *jidx);
	jwords = ((size_t)cnt + 1 + 63) / 64 + 1;
	jnum = xcalloc(jwords, sizeof *jnum);
	for (uint32_t i = 1, k = 0; i <= cnt; i++) {
		uint32_t v = bits_packed_get(vertex, dw, i);
		if (bit_get(join, v)) {
			jidx[rank_of(join, jdir, v)] = k++;
			bit_set(jnum, i);
		}
	}
	pfirst = xcalloc((size_t)njoin + 1, sizeof *pfirst);
	for (uint32_t v = 0; v < n; v++) {
		if (!bit_get(seen, v))
			continue;
		for (uint32_t e = heap_first_edge(h, v), end = heap_first_edge(h, v + 1); e < end; e++) {
			uint32_t w = heap_edge_to(h, e);
			if (w != v && bit_get(join, w) && bit_get(retaining, e))
				pfirst[jidx[rank_of(join, jdir, w)]]++;
		}
	}
	for (uint32_t j = 0; j < njoin; j++) {
		uint32_t c = pfirst[j];
		pfirst[j] = npred;
		npred += c;
	}
	pfirst[njoin] = npred;
	pred = xmallocarray(npred ? npred : 1, sizeof *pred);
	for (uint32_t i = 1; i <= cnt; i++) {
		uint32_t v = bits_packed_get(vertex, dw, i);
		for (uint32_t e = heap_first_edge(h, v), end = heap_first_edge(h, v + 1); e < end; e++) {
			uint32_t w = heap_edge_to(h, e);
			if (w != v && bit_get(join, w) && bit_get(retaining, e))
				pred[pfirst[jidx[rank_of(join, jdir, w)]]++] = i;
		}
	}
	for (uint32_t j = njoin; j > 0; j--)
		pfirst[j] = pfirst[j - 1];
	pfirst[0] = 0;
	free(join);
	free(jdir);
	free(jidx);

	budget = dom_iter_budget ? dom_iter_budget
	                         : 64 * ((uint64_t)cnt + npred) + ((uint64_t)1 << 20);
	do {
		uint32_t j = 0;
		changed = false;
		for (size_t w = 0; w < jwords && status == HS_OK; w++) {
			for (uint64_t bits = jnum[w]; bits; bits &= bits - 1, j++) {
				uint32_t x = (uint32_t)(w * 64) + (uint32_t)__builtin_ctzll(bits);
				uint32_t d = 0;
				for (uint32_t q = pfirst[j]; q < pfirst[j + 1]; q++) {
					uint32_t a = pred[q], b = d;
					/* the first round knows only what comes before x */
					if (pass1 && a >= x) {
						skipped = true;
						continue;
					}
					if (a == x)
						continue;	/* a self-loop (V8's rules keep some) */
					if (b == 0) {
						d = a;
						continue;
					}
					while (a != b) {
						while (a > b) {
							a = bits_packed_get(dom, dw, a);
							work++;
						}
						while (b > a) {
							b = bits_packed_get(dom, dw, b);
							work++;
						}
					}
					d = a;
				}
				work += pfirst[j + 1] - pfirst[j];
				if (d != 0 && d != bits_packed_get(dom, dw, x)) {
					bits_packed_set(dom, dw, x, d);
					changed = true;
				}
				if ((j & 0xffff) == 0xffff) {
					if (progress_update(progress, "dominators", j, njoin))
						status = HS_ECANCEL;
					else if (work > budget)
						status = DOM_GAVE_UP;
				}
			}
		}
		/* what the first round left out needs another */
		if (pass1 && skipped)
			changed = true;
		pass1 = false;
		if (status == HS_OK && work > budget)
			status = DOM_GAVE_UP;
	} while (changed && status == HS_OK);
	free(pred);
	free(pfirst);
	free(jnum);
	if (status != HS_OK) {
		free(seen);
		free(vertex);
		free(dom);
		*order = NULL;
		return status;
	}
	/* Back to node indices.  The nodes nothing numbered reaches (rule 3)
	 * are dominated by the root and come last in the order.  (idom is a
	 * third array a node here, as the children are in the classes' walk:
	 * turning dom[] into it in place, cycle by cycle, took 2.5 s on 18 M
	 * nodes, each step two cache misses waiting on each other.) */
	xalloc_trim();	/* the joins' arrays: not resident under idom */
	ibits = bits_width(n - 1);
	idom = xmallocarray(bits_packed_bytes(n, ibits), 1);
	for (uint32_t i = 2; i <= cnt; i++)
		bits_packed_set(idom, ibits, bits_packed_get(vertex, dw, i),
		                bits_packed_get(vertex, dw, bits_packed_get(dom, dw, i)));
	bits_packed_set(idom, ibits, r, r);
	free(dom);
	if (cnt < n) {
		uint32_t m = cnt;
		for (uint32_t v = 0; v < n; v++)
			if (!bit_get(seen, v)) {
				bits_packed_set(vertex, dw, ++m, v);
				bits_packed_set(idom, ibits, v, r);
			}
	}
	free(seen);
	bits_packed_set(vertex, dw, 0, n);
	free(h->idom);
	free(h->idom_packed);
	h->idom = NULL;
	h->idom_packed = idom;
	h->idom_bits = (uint8_t)ibits;
	*order = vertex;
	return HS_OK;
}

int
dom_compute(struct heap *h, const uint64_t *retaining, const uint64_t *has_in,
            uint8_t **order, struct progress *progress)
{
	uint64_t *own = NULL;
	int s;

	/* Which nodes have a retaining edge into them (rule 2), when the
	 * caller has not said. */
	if (has_in == NULL) {
		own = xcalloc(((size_t)h->node_count + 63) / 64 + 1, sizeof *own);
		for (uint32_t e = 0; e < h->edge_count; e++)
			if (bit_get(retaining, e))
				bit_set(own, heap_edge_to(h, e));
		has_in = own;
	}
	/* JS heaps are join-heavy: a quarter of V8's nodes have two retainers
	 * or more and cycles make the iterative algorithm take five rounds
	 * (measured on a 1.7 M-node snapshot: 0.18 s against Semi-NCA's
	 * 0.12); Java heaps are mostly trees (a tenth are joins, 0.19 s
	 * against 0.29 on 6 M objects) and need its smaller arrays. */
	if (dom_method == DOM_ITERATIVE ||
	    (dom_method == DOM_AUTO && h->rules != HEAP_RULES_V8)) {
		s = dom_iter(h, retaining, has_in, order, progress);
		if (s != DOM_GAVE_UP) {
			free(own);
			return s;
		}
		xalloc_trim();
	}
	s = dom_snca(h, retaining, has_in, order, progress);
	free(own);
	return s;
}

/* The sizes' total and their common alignment, as a shift. */
static uint64_t
self_total(const struct heap *h, unsigned *shift)
{
	uint64_t total = 0, bits = 0;
	unsigned sh = 0;

	for (uint32_t v = 0; v < h->node_count; v++) {
		total += heap_node_self(h, v);
		bits |= heap_node_self(h, v);
	}
	while (sh < 32 && bits && !(bits >> sh & 1))
		sh++;
	*shift = sh;
	return total;
}

/* No retained sizes yet; the next are in units of 1 << shift. */
static void
retained_reset(struct heap *h, unsigned shift)
{
	free(h->retained32);
	free(h->retained_packed);
	free(h->retained64);
	h->retained32 = NULL;
	h->retained_packed = NULL;
	h->retained64 = NULL;
	h->retained_shift = (uint8_t)shift;
}

void
dom_retained(struct heap *h, uint8_t *order)
{
	const unsigned ow = bits_width(h->node_count);
	const uint32_t n = dom_order_get(order, ow, 0), count = h->node_count;
	unsigned shift;
	uint64_t total = self_total(h, &shift);

	retained_reset(h, shift);
	/* order[1] is the root; a dominator always comes before what it
	 * dominates, so from the end up each node's sum is complete when it
	 * is added to its dominator's.  No sum exceeds the total. */
	if (total >> shift <= UINT32_MAX) {
		uint32_t *retained = xmallocarray(count, sizeof *retained);
		for (uint32_t v = 0; v < count; v++)
			retained[v] = heap_node_self(h, v) >> shift;
		for (uint32_t w = n; w >= 2; w--) {
			uint32_t v = dom_order_get(order, ow, w);
			retained[heap_idom(h, v)] += retained[v];
		}
		h->retained32 = retained;
	} else {
		uint64_t *retained = xmallocarray(count, sizeof *retained);
		h->retained_shift = 0;
		for (uint32_t v = 0; v < count; v++)
			retained[v] = heap_node_self(h, v);
		for (uint32_t w = n; w >= 2; w--) {
			uint32_t v = dom_order_get(order, ow, w);
			retained[heap_idom(h, v)] += retained[v];
		}
		h->retained64 = retained;
	}
	free(order);
}

/* The dominator children grouped by dominator, each group in node order,
 * into child (packed in cw bits: bits.h), and in first (n + 1 entries in
 * fw bits) where v's begin; returns how many there are. */
static uint32_t
children_fill(const struct heap *h, uint8_t *first, unsigned fw, uint8_t *child, unsigned cw)
{
	const uint32_t n = h->node_count;
	uint32_t sum = 0;

	/* counts, then where each group ends ... */
	memset(first, 0, bits_packed_bytes((size_t)n + 1, fw));
	for (uint32_t v = 0; v < n; v++)
		if (v != h->root) {
			uint32_t d = heap_idom(h, v);
			bits_packed_set(first, fw, d, bits_packed_get(first, fw, d) + 1);
		}
	{
		struct bits_seq seq;
		bits_seq_init(&seq, first);
		for (uint32_t v = 0; v < n; v++) {
			sum += bits_packed_get(first, fw, v);
			bits_seq_put(&seq, fw, sum);
		}
		bits_seq_put(&seq, fw, sum);
		bits_seq_end(&seq);
	}
	/* ... filled from the back, the last node first: each end moves back
	 * to where its group begins */
	for (uint32_t v = n; v-- > 0;)
		if (v != h->root) {
			uint32_t d = heap_idom(h, v), at = bits_packed_get(first, fw, d) - 1;
			bits_packed_set(child, cw, at, v);
			bits_packed_set(first, fw, d, at);
		}
	return sum;
}

bool
dom_retained_classes(struct heap *h, uint8_t *order)
{
	const uint32_t n = h->node_count, r = h->root;
	const unsigned cw = bits_width(n ? n - 1 : 0);
	unsigned fw;
	uint32_t sum = 0;
	uint8_t *seen, *child, *first;
	struct wframe {
		uint32_t node, next, sum;
		bool top;	/* an instance with none of its class above */
	} *stack;
	size_t sp = 0, cap = 1024;
	unsigned shift;
	uint64_t total = self_total(h, &shift);

	if (total >> shift > UINT32_MAX)
		return false;
	retained_reset(h, shift);
	for (uint32_t c = 0; c < h->class_count; c++)
		h->classes[c].retained = 0;

	/* The children, grouped by dominator (packed, in the order's place:
	 * it is given back first): first[v] is where v's begin.  Where they
	 * end is where the next child has another dominator, so that first[v]
	 * is not read once v is done, and takes v's retained size: packed in
	 * the bits the larger of the two needs (18 M Java objects: 27). */
	free(order);
	xalloc_trim();
	fw = bits_width(n);
	if (bits_width((uint32_t)(total >> shift)) > fw)
		fw = bits_width((uint32_t)(total >> shift));
	child = xmallocarray(bits_packed_bytes(n, cw), 1);
	first = xmallocarray(bits_packed_bytes((size_t)n + 1, fw), 1);
	sum = children_fill(h, first, fw, child, cw);

	/* Depth first: a node's retained size is complete when it is left; a
	 * class is "seen" while the walk is below one of its instances, as in
	 * classes_retained(). */
	seen = xcalloc(h->class_count ? h->class_count : 1, 1);
	stack = xmallocarray(cap, sizeof *stack);
	stack[0].node = r;
	stack[0].next = bits_packed_get(first, fw, r);
	stack[0].sum = (uint32_t)(heap_node_self(h, r) >> shift);
	stack[0].top = heap_node_self(h, r) != 0;
	if (stack[0].top)
		seen[heap_node_class(h, r)] = 1;
	sp = 1;
	while (sp) {
		struct wframe *f = &stack[sp - 1];
		uint32_t c;
		if (f->next == sum || heap_idom(h, bits_packed_get(child, cw, f->next)) != f->node) {
			uint32_t v = f->node;
			bits_packed_set(first, fw, v, f->sum);
			if (f->top) {
				seen[heap_node_class(h, v)] = 0;
				h->classes[heap_node_class(h, v)].retained += (uint64_t)f->sum << shift;
			}
			sp--;
			if (sp)
				stack[sp - 1].sum += f->sum;
			continue;
		}
		c = bits_packed_get(child, cw, f->next++);
		if (sp == cap)
			XGROW(stack, cap, sp + 1);
		f = &stack[sp++];
		f->node = c;
		f->next = bits_packed_get(first, fw, c);
		f->sum = (uint32_t)(heap_node_self(h, c) >> shift);
		f->top = heap_node_self(h, c) != 0 && !seen[heap_node_class(h, c)];
		if (f->top)
			seen[heap_node_class(h, c)] = 1;
	}
	free(stack);
	free(seen);
	h->retained_packed = first;
	h->retained_bits = (uint8_t)fw;
	/* the children are at hand: the suspects' accumulation points */
	suspects_find(h, &(struct dom_kids){ .child = child, .cw = cw, .count = sum });
	free(child);
	return true;
}

void
dom_children_build(struct heap *h)
{
	const uint32_t n = h->node_count;
	/* 32-bit arrays, through the packed accessors (their 8 bytes of
	 * slack at the end) */
	uint8_t *first = xmallocarray(bits_packed_bytes((size_t)n + 1, 32), 1);
	uint8_t *child = xmallocarray(bits_packed_bytes(n, 32), 1);

	children_fill(h, first, 32, child, 32);
	free(h->dom_first);
	free(h->dom_child);
	h->dom_first = (uint32_t *)(void *)first;
	h->dom_child = (uint32_t *)(void *)child;
}

void
dom_children_need(struct heap *h)
{
	if (h->dom_first == NULL)
		dom_children_build(h);
}

void
dom_children_drop(struct heap *h)
{
	free(h->dom_first);
	free(h->dom_child);
	h->dom_first = h->dom_child = NULL;
}
