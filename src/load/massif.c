/* massif: valgrind's massif output (massif.out.PID) into the trace model,
 * read as ms_print reads it.
 *
 * Format (valgrind coregrind/m_xtree.c, VG_(XT_massif_print); ms_print):
 * "desc:" lines, "cmd:", "time_unit: i|ms|B", then snapshots, each
 *   snapshot=N  time=T  mem_heap_B=  mem_heap_extra_B=  mem_stacks_B=
 *   heap_tree=empty|detailed|peak
 * (one per line, between "#-----------" comment lines) and, for detailed
 * and peak snapshots, a tree: one line per node, "nK: BYTES DESCRIPTION"
 * with K its number of children, which follow it depth first (the
 * indentation is cosmetic: ms_print reads the counts, and so do we).  The
 * root is the allocation functions; its children are the code that called
 * them, theirs the callers, and so on outwards ("0xADDR: function
 * (file:line)", "0xADDR: function (in /lib/x.so)", "0xADDR: ???").  An
 * address whose code is inlined is printed once per inline level, the same
 * address on consecutive lines (each "n1:" but the last); a node's
 * children below massif's --threshold are one line, "nK: BYTES in N
 * place(s), (all) below massif's threshold (1.00%)".
 *
 * Into the model: the stack of a node is its path from the root reversed
 * (outermost first); a node's own bytes (its bytes minus its children's)
 * belong to that stack: those that reached no deeper caller (the stack
 * ends there: main, or --depth).  Consecutive lines with the same address
 * are one frame with an inline chain when they are an inline expansion
 * (the upper line has one child, the same bytes, and the frame does not
 * repeat within the chain; a recursive call repeats its frame and is a
 * frame of its own).  A below-threshold line is a pseudo-frame, "(below
 * massif's threshold)", so that its bytes keep their place in the tree.
 *
 * Measures: peak_bytes from the peak snapshot's tree (its total is the
 * snapshot's mem_heap_B), leaked_bytes from the last snapshot's tree when
 * that snapshot is detailed (massif takes the last one at exit; with
 * --detailed-freq=1 every snapshot is detailed).  The timeline is each
 * snapshot's mem_heap_B (the useful heap: neither the allocator's extra
 * bytes nor the stacks) at its time, in the file's unit: milliseconds are
 * converted, instructions and bytes (massif's "i" and "B") are kept as
 * such (trace->time_unit).  Every tree is read and checked (as ms_print
 * does); the peak and last ones are read again to be added. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/load.h"
#include "heapsift/trace.h"
#include "heapsift/trace_builder.h"
#include "heapsift/xalloc.h"

#define NONE UINT32_MAX
/* Deeper trees are refused (massif's --depth is at most 200 callers; inline
 * levels add a few lines each). */
#define MAX_DEPTH 4096
#define BELOW_NAME "(below massif's threshold)"

struct mline {
	uint64_t bytes, child_sum, addr;
	uint32_t nchildren, parent;
	uint32_t head;		/* the first line of its inline chain */
	uint32_t lineno;
	size_t off;
	const char *text;	/* the description, after "0xADDR: " when it has one */
	size_t len;
	bool has_addr, below;
};

struct slot {
	uint32_t line, left;
};

struct hent {
	char *key;
	size_t len;
	uint32_t handle;
};

struct ms {
	const char *base, *p, *end, *path;
	struct hs_error *err;
	/* the current line */
	const char *line;
	size_t len, off;
	uint32_t lineno;
	/* the tree being read */
	struct mline *tree;
	size_t tree_n, tree_cap;
	struct slot *stack;
	size_t stack_cap;
	/* adding trees to the builder */
	struct trace_builder *b;
	struct hent *hs;
	size_t hs_cap, hs_n;
	char *key;
	size_t key_cap;
	uint32_t *tails;
	size_t tails_cap;
};

/* --- lines ------------------------------------------------------------------------- */

static int
bad(struct ms *m, size_t off, uint32_t lineno, const char *what)
{
	return error_at(m->err, HS_EINPUT, m->path, off, "line %" PRIu32 ": %s", lineno, what);
}

/* "line N: expected X, got "...": the line (up to 60 bytes) */
static int
expected(struct ms *m, const char *what)
{
	if (m->line == NULL)
		return error_at(m->err, HS_EINPUT, m->path, (uint64_t)(m->end - m->base),
		                "line %" PRIu32 ": expected %s, got the end of the file", m->lineno,
		                what);
	return error_at(m->err, HS_EINPUT, m->path, m->off, "line %" PRIu32 ": expected %s, got \"%.*s%s\"",
	                m->lineno, what, (int)(m->len > 60 ? 60 : m->len), m->line,
	                m->len > 60 ? "..." : "");
}

/* The next line that is neither blank nor a comment (ms_print's get_line);
 * false at the end. */
static bool
next_line(struct ms *m)
{
	while (m->p < m->end) {
		const char *s = m->p, *e = memchr(s, '\n', (size_t)(m->end - s)), *q;
		m->p = e ? e + 1 : m->end;
		if (e == NULL)
			e = m->end;
		m->lineno++;
		while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		for (q = s; q < e && (*q == ' ' || *q == '\t'); q++)
			;
		if (q == e || *q == '#')
			continue;
		m->line = s;
		m->len = (size_t)(e - s);
		m->off = (size_t)(s - m->base);
		return true;
	}
	m->line = NULL;
	m->len = 0;
	return false;
}

static bool
starts(const struct ms *m, const char *prefix)
{
	size_t n = strlen(prefix);
	return m->line && m->len >= n && memcmp(m->line, prefix, n) == 0;
}

/* Decimal digits at s (at most e): the number, and where it ends. */
static bool
parse_u64(const char *s, const char *e, uint64_t *v, const char **stop)
{
	uint64_t x = 0;
	const char *q = s;
	for (; q < e && *q >= '0' && *q <= '9'; q++) {
		if (x > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*q - '0');
	}
	*v = x;
	*stop = q;
	return q > s;
}

/* "name=NUMBER" */
static int
field(struct ms *m, const char *name, uint64_t *v)
{
	char what[64];
	const char *stop;
	size_t n = strlen(name);
	snprintf(what, sizeof what, "\"%s=NUMBER\"", name);
	if (!starts(m, name) || m->len <= n || m->line[n] != '=' ||
	    !parse_u64(m->line + n + 1, m->line + m->len, v, &stop) || stop != m->line + m->len)
		return expected(m, what);
	return 0;
}

/* --- trees ------------------------------------------------------------------------- */

/* "nK: BYTES DESCRIPTION" into a new tree line. */
static int
tree_line(struct ms *m, uint32_t parent)
{
	const char *s = m->line, *e, *q;
	uint64_t k, bytes;
	struct mline *l;

	if (m->line == NULL)
		return expected(m, "a heap tree line (\"nK: BYTES ...\")");
	e = m->line + m->len;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (s == e || *s != 'n' || !parse_u64(s + 1, e, &k, &q) || q == e || *q != ':' ||
	    k > UINT32_MAX)
		return expected(m, "a heap tree line (\"nK: BYTES ...\")");
	for (s = q + 1; s < e && (*s == ' ' || *s == '\t'); s++)
		;
	if (!parse_u64(s, e, &bytes, &q))
		return expected(m, "a heap tree line (\"nK: BYTES ...\")");
	for (s = q; s < e && (*s == ' ' || *s == '\t'); s++)
		;
	XGROW(m->tree, m->tree_cap, m->tree_n + 1);
	l = &m->tree[m->tree_n];
	memset(l, 0, sizeof *l);
	l->bytes = bytes;
	l->nchildren = (uint32_t)k;
	l->parent = parent;
	l->head = (uint32_t)m->tree_n;
	l->lineno = m->lineno;
	l->off = m->off;
	/* "0xADDR: rest" */
	if (e - s > 3 && s[0] == '0' && s[1] == 'x') {
		uint64_t a = 0;
		const char *h = s + 2;
		for (; h < e && h - s < 18; h++) {
			int d = *h >= '0' && *h <= '9' ? *h - '0'
			      : *h >= 'a' && *h <= 'f' ? *h - 'a' + 10
			      : *h >= 'A' && *h <= 'F' ? *h - 'A' + 10 : -1;
			if (d < 0)
				break;
			a = a << 4 | (uint64_t)d;
		}
		if (h > s + 2 && h < e && *h == ':') {
			l->has_addr = true;
			l->addr = a;
			for (s = h + 1; s < e && *s == ' '; s++)
				;
		}
	}
	if (!l->has_addr && e - s > 3 && memcmp(s, "in ", 3) == 0 && memmem(s, (size_t)(e - s), "below", 5))
		l->below = true;
	l->text = s;
	l->len = (size_t)(e - s);
	m->tree_n++;
	return 0;
}

/* Does line c continue its parent's inline chain? */
static bool
inline_of_parent(const struct ms *m, uint32_t c)
{
	const struct mline *l = &m->tree[c], *p;
	if (l->parent == 0 || l->parent == NONE)
		return false;
	p = &m->tree[l->parent];
	if (!l->has_addr || !p->has_addr || l->addr != p->addr || p->nchildren != 1 ||
	    l->bytes != p->bytes)
		return false;
	for (uint32_t x = l->parent;; x = m->tree[x].parent) {
		const struct mline *g = &m->tree[x];
		if (g->len == l->len && memcmp(g->text, l->text, l->len) == 0)
			return false;	/* the frame again: recursion */
		if (x == p->head)
			break;
	}
	return true;
}

/* Reads the tree that starts at the current line into m->tree (depth first,
 * the root first). */
static int
read_tree(struct ms *m)
{
	size_t sp = 0;
	int r;

	m->tree_n = 0;
	if ((r = tree_line(m, NONE)) != 0)
		return r;
	XGROW(m->stack, m->stack_cap, 1);
	m->stack[sp++] = (struct slot){ 0, m->tree[0].nchildren };
	while (sp > 0) {
		struct slot *top = &m->stack[sp - 1];
		uint32_t c, t = top->line;
		if (top->left == 0) {
			const struct mline *l = &m->tree[t];
			if (l->child_sum > l->bytes) {
				char what[128];
				snprintf(what, sizeof what,
				         "its children hold %" PRIu64 " bytes, more than its %" PRIu64,
				         l->child_sum, l->bytes);
				return bad(m, l->off, l->lineno, what);
			}
			sp--;
			continue;
		}
		top->left--;
		if (sp >= MAX_DEPTH)
			return bad(m, m->off, m->lineno, "the heap tree is deeper than 4096 levels");
		if (m->tree_n >= NONE - 1)
			return bad(m, m->off, m->lineno, "the heap tree has too many nodes");
		next_line(m);
		if ((r = tree_line(m, t)) != 0)
			return r;
		c = (uint32_t)m->tree_n - 1;
		if (m->tree[t].child_sum + m->tree[c].bytes < m->tree[t].child_sum)
			return bad(m, m->off, m->lineno, "bytes overflow");
		m->tree[t].child_sum += m->tree[c].bytes;
		if (inline_of_parent(m, c))
			m->tree[c].head = m->tree[t].head;
		XGROW(m->stack, m->stack_cap, sp + 1);
		m->stack[sp++] = (struct slot){ c, m->tree[c].nchildren };
	}
	return 0;
}

/* --- adding a tree to the builder -------------------------------------------------- */

static uint64_t
key_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001B3ULL;
	return h;
}

/* function (file:line), function (in module), or just function */
static void
parse_frame(const char *s, size_t n, struct sym_frame *f, char **fn, char **file, char **module)
{
	size_t fl = n;
	*file = *module = NULL;
	f->line = 0;
	f->discriminator = 0;
	if (n > 0 && s[n - 1] == ')') {
		size_t i = n - 1;
		int depth = 0;
		for (;; i--) {
			if (s[i] == ')')
				depth++;
			else if (s[i] == '(' && --depth == 0)
				break;
			if (i == 0)
				break;
		}
		if (depth == 0 && i > 0 && s[i - 1] == ' ') {
			const char *g = s + i + 1;
			size_t gl = n - i - 2, c = gl;
			if (gl > 3 && memcmp(g, "in ", 3) == 0) {
				*module = xstrndup(g + 3, gl - 3);
				fl = i - 1;
			} else {
				while (c > 0 && g[c - 1] >= '0' && g[c - 1] <= '9')
					c--;
				if (c > 1 && c < gl && g[c - 1] == ':') {
					uint64_t line = 0;
					for (size_t k = c; k < gl && line < UINT32_MAX; k++)
						line = line * 10 + (uint64_t)(g[k] - '0');
					f->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
					*file = xstrndup(g, c - 1);
					fl = i - 1;
				}
			}
		}
	}
	while (fl > 0 && s[fl - 1] == ' ')
		fl--;
	*fn = fl == 3 && memcmp(s, "???", 3) == 0 ? xstrdup("??") : xstrndup(s, fl);
	f->function = *fn;
	f->file = *file ? *file : "??";
}

/* The frame handle of the chain head..tail (one line unless inlined). */
static uint32_t
chain_handle(struct ms *m, uint32_t head, uint32_t tail)
{
	size_t klen = 0, mask, i;
	uint32_t n = 0, handle;
	struct hent *h;

	/* the key: the address and each line's description */
	for (uint32_t x = tail;; x = m->tree[x].parent) {
		const struct mline *l = &m->tree[x];
		XGROW(m->key, m->key_cap, klen + l->len + 24);
		if (l->below) {
			klen += (size_t)snprintf(m->key + klen, 24, "below");
		} else {
			klen += (size_t)snprintf(m->key + klen, 24, "%d:%" PRIx64 "\n", l->has_addr,
			                         l->addr);
			memcpy(m->key + klen, l->text, l->len);
			klen += l->len;
		}
		m->key[klen++] = '\n';
		n++;
		if (x == head)
			break;
	}
	if ((m->hs_n + 1) * 2 > m->hs_cap) {
		struct hent *old = m->hs;
		size_t oldcap = m->hs_cap;
		m->hs_cap = oldcap ? oldcap * 2 : 256;
		m->hs = xcalloc(m->hs_cap, sizeof *m->hs);
		for (size_t k = 0; k < oldcap; k++)
			if (old[k].key) {
				mask = m->hs_cap - 1;
				for (i = key_hash(old[k].key, old[k].len) & mask; m->hs[i].key;
				     i = (i + 1) & mask)
					;
				m->hs[i] = old[k];
			}
		free(old);
	}
	mask = m->hs_cap - 1;
	for (i = key_hash(m->key, klen) & mask; (h = &m->hs[i])->key; i = (i + 1) & mask)
		if (h->len == klen && memcmp(h->key, m->key, klen) == 0)
			return h->handle;

	if (m->tree[tail].below) {
		struct sym_frame f = { BELOW_NAME, "??", 0, 0 };
		handle = tb_frames(m->b, &f, 1, NULL);
	} else {
		struct sym_frame *f = xmallocarray(n, sizeof *f);
		char **strs = xcalloc((size_t)n * 3, sizeof *strs);
		const char *module = NULL;
		uint32_t k = n;
		/* innermost first: head is the inlined code, tail its function */
		for (uint32_t x = tail;; x = m->tree[x].parent) {
			const struct mline *l = &m->tree[x];
			k--;
			parse_frame(l->text, l->len, &f[k], &strs[3 * k], &strs[3 * k + 1],
			            &strs[3 * k + 2]);
			if (strs[3 * k + 2])
				module = strs[3 * k + 2];
			if (x == head)
				break;
		}
		handle = tb_frames(m->b, f, n, module);
		for (size_t j = 0; j < (size_t)n * 3; j++)
			free(strs[j]);
		free(strs);
		free(f);
	}
	h->key = xmalloc(klen);
	memcpy(h->key, m->key, klen);
	h->len = klen;
	h->handle = handle;
	m->hs_n++;
	return handle;
}

/* Each line's own bytes to its stack: peak (true) or leaked. */
static int
add_tree(struct ms *m, bool peak)
{
	for (uint32_t i = 0; i < m->tree_n; i++) {
		const struct mline *l = &m->tree[i];
		struct trace_measure tm;
		uint64_t own = l->bytes - l->child_sum;
		uint32_t node = TB_ROOT;
		size_t nt = 0;
		if (own == 0)
			continue;
		/* the chains from this line (the outermost) to the root's child */
		for (uint32_t x = i; x != 0; x = m->tree[m->tree[x].head].parent) {
			XGROW(m->tails, m->tails_cap, nt + 1);
			m->tails[nt++] = x;
		}
		for (size_t k = 0; k < nt; k++) {
			uint32_t t = m->tails[k], h = m->tree[t].head;
			uint64_t ip = m->tree[t].has_addr ? m->tree[t].addr : 0;
			node = tb_node(m->b, node, ip, chain_handle(m, h, t));
			if (node == TB_FULL)
				return bad(m, l->off, l->lineno, "too many stacks");
		}
		memset(&tm, 0, sizeof tm);
		if (peak)
			tm.peak_bytes = own;
		else
			tm.leaked_bytes = own;
		tb_add(m->b, node, &tm);
	}
	return 0;
}

/* --- the loader -------------------------------------------------------------------- */

static bool
massif_probe(const uint8_t *data, size_t size)
{
	return size >= 5 && memcmp(data, "desc:", 5) == 0;
}

struct spot {
	const char *p;		/* the tree's first line */
	uint32_t lineno;	/* the line before it */
	bool set;
};

static int
reread(struct ms *m, const struct spot *s, bool peak)
{
	int r;
	m->p = s->p;
	m->lineno = s->lineno;
	next_line(m);
	if ((r = read_tree(m)) != 0)
		return r;
	return add_tree(m, peak);
}

static int
massif_load(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	struct ms m;
	struct spot peak = { 0 }, last = { 0 };
	uint64_t peak_heap = 0, peak_time = 0, max_heap = 0, max_time = 0;
	enum trace_time_unit unit;
	bool ms_unit = false, last_detailed = false;
	const char *u;
	size_t ul;
	int r = 0;

	memset(&m, 0, sizeof m);
	m.base = m.p = (const char *)io->data;
	m.end = m.base + io->size;
	m.path = io->path;
	m.err = err;
	progress_phase(progress, "reading", io->size);

	/* the header */
	next_line(&m);
	if (!starts(&m, "desc:"))
		return expected(&m, "\"desc:\"");
	while (starts(&m, "desc:"))
		next_line(&m);
	if (!starts(&m, "cmd:"))
		return expected(&m, "\"cmd:\"");
	next_line(&m);
	if (!starts(&m, "time_unit:"))
		return expected(&m, "\"time_unit: i|ms|B\"");
	for (u = m.line + 10, ul = m.len - 10; ul > 0 && (*u == ' ' || *u == '\t'); u++, ul--)
		;
	if (ul == 1 && *u == 'i')
		unit = TRACE_TIME_INSTRUCTIONS;
	else if (ul == 1 && *u == 'B')
		unit = TRACE_TIME_BYTES;
	else if (ul == 2 && memcmp(u, "ms", 2) == 0)
		unit = TRACE_TIME_US, ms_unit = true;
	else
		return expected(&m, "\"time_unit: i|ms|B\"");

	m.b = tb_new(io->path, "massif");
	tb_has_time(m.b);
	tb_time_unit(m.b, unit);
	tb_complete(m.b);

	/* the snapshots */
	while (next_line(&m)) {
		static const char *const names[] = { "snapshot", "time", "mem_heap_B",
		                                     "mem_heap_extra_B", "mem_stacks_B" };
		uint64_t v[5], time, heap;
		const char *tree;
		for (size_t k = 0; k < 5; k++) {
			if (k > 0)
				next_line(&m);
			if ((r = field(&m, names[k], &v[k])) != 0)
				goto fail;
		}
		time = v[1];
		heap = v[2];
		next_line(&m);
		if (!starts(&m, "heap_tree=")) {
			r = expected(&m, "\"heap_tree=empty|detailed|peak\"");
			goto fail;
		}
		tree = m.line + 10;
		if (ms_unit) {
			if (time > UINT64_MAX / 1000) {
				r = bad(&m, m.off, m.lineno, "the time is too large");
				goto fail;
			}
			time *= 1000;
		}
		tb_point(m.b, time, heap);
		if (heap > max_heap)
			max_heap = heap, max_time = time;
		last_detailed = false;
		if (m.len - 10 == 5 && memcmp(tree, "empty", 5) == 0)
			continue;
		if (!(m.len - 10 == 8 && memcmp(tree, "detailed", 8) == 0) &&
		    !(m.len - 10 == 4 && memcmp(tree, "peak", 4) == 0)) {
			r = expected(&m, "\"heap_tree=empty|detailed|peak\"");
			goto fail;
		}
		last_detailed = true;
		last = (struct spot){ m.p, m.lineno, true };
		if (m.len - 10 == 4) {
			peak = last;
			peak_heap = heap;
			peak_time = time;
		}
		next_line(&m);
		if ((r = read_tree(&m)) != 0)
			goto fail;
		if (progress_update(progress, "reading", (uint64_t)(m.p - m.base), io->size)) {
			r = error_set(err, HS_ECANCEL, io->path, "cancelled");
			goto fail;
		}
	}

	tb_measures(m.b, (peak.set ? 1u << TRACE_PEAK : 0) |
	                 (last_detailed ? 1u << TRACE_LEAKED_BYTES : 0), NULL);
	tb_main_measure(m.b, peak.set ? TRACE_PEAK : last_detailed ? TRACE_LEAKED_BYTES : -1);
	if (peak.set)
		tb_peak(m.b, peak_heap, peak_time);
	else
		tb_peak(m.b, max_heap, max_time);
	if (peak.set && (r = reread(&m, &peak, true)) != 0)
		goto fail;
	if (last_detailed && (r = reread(&m, &last, false)) != 0)
		goto fail;

	out->kind = MODEL_TRACE;
	out->trace = tb_finish(m.b);
	m.b = NULL;
fail:
	if (m.b)
		tb_abandon(m.b);
	for (size_t i = 0; i < m.hs_cap; i++)
		free(m.hs[i].key);
	free(m.hs);
	free(m.key);
	free(m.tails);
	free(m.tree);
	free(m.stack);
	return r ? err->status : HS_OK;
}

const struct loader_ops loader_massif = {
	.name = "massif",
	.description = "valgrind massif's output (massif.out.PID), read as ms_print reads it",
	.probe = massif_probe,
	.load = massif_load,
};
