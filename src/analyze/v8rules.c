/* Chrome DevTools' rules for V8 heap snapshots, so that every number agrees
 * with the Memory panel.  The reference is chrome-devtools-frontend
 * 1.0.1705227, front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts;
 * the method each part follows is named in its comment.  We port the rules,
 * not the code: plain arrays, one pass each, no per-node objects.
 *
 * Strings: V8 writes each string once, so a string id stands for its text
 * (a file with duplicate strings still loads; its classes may split).
 * Where DevTools compares or measures JavaScript strings (interface names,
 * property order) we do it in UTF-16 code units, as JavaScript does. */
#include "config.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "heapsift/analyze.h"
#include "heapsift/xalloc.h"

/* JSHeapSnapshot.nodeFlags */
#define FLAG_PAGE_OBJECT 4

/* Class name origins: DevTools appends generated names to its string table
 * without looking for an equal string, so a generated "(system)" and a node
 * really named "(system)" are two classes.  The origin keeps them apart. */
enum origin {
	ORIGIN_RAW = 0,		/* the node's own name */
	ORIGIN_GENERATED = 1,	/* calculateObjectNames' getIndexForString */
	ORIGIN_INTERFACE = 2,	/* applyInterfaceDefinitions */
	ORIGIN_DETACHED = 3,	/* propagateDOMState's "Detached " prefix */
};

/* DOMLinkState */
enum { DOM_UNKNOWN = 0, DOM_ATTACHED = 1, DOM_DETACHED = 2 };

struct v8r {
	struct heap *h;
	int t_hidden, t_array, t_object, t_native, t_string, t_cons, t_sliced;
	int t_code, t_synthetic, t_closure, t_regexp;
	int e_element, e_hidden, e_internal, e_shortcut, e_weak, e_property;
	uint8_t *flags;
	uint8_t *wm_state;	/* per string: 0 unknown, 1 no WeakMap name, 2 is */
	/* generated names: text -> string id (getIndexForString's table) */
	uint32_t *gen_slots;
	size_t gen_cap, gen_count;
};

/* --- small helpers --------------------------------------------------------- */

static inline bool
str_is(const struct heap *h, uint32_t id, const char *lit, size_t n)
{
	return strtab_len(&h->strings, id) == n && memcmp(heap_str(h, id), lit, n) == 0;
}

#define NAME_IS(h, node, lit) str_is((h), (h)->node_name[(node)], lit, sizeof(lit) - 1)

static inline bool
type_is(const struct heap *h, uint32_t node, int t)
{
	return t >= 0 && heap_node_type(h, node) == (uint8_t)t;
}

static inline bool
etype_is(const struct heap *h, uint32_t e, int t)
{
	return t >= 0 && h->edge_type[e] == (uint8_t)t;
}

/* Decodes one code point of UTF-8; a byte that does not start a valid
 * sequence stands for itself. */
static inline uint32_t
utf8_next(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	uint32_t c = p[0];
	int extra;

	*pp = p + 1;
	if (c < 0x80)
		return c;
	if (c >= 0xc2 && c < 0xe0) {
		extra = 1;
		c &= 0x1f;
	} else if (c >= 0xe0 && c < 0xf0) {
		extra = 2;
		c &= 0x0f;
	} else if (c >= 0xf0 && c < 0xf5) {
		extra = 3;
		c &= 0x07;
	} else {
		return c;
	}
	if (end - (p + 1) < extra)
		return p[0];
	for (int i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return p[0];
		c = c << 6 | (p[i] & 0x3f);
	}
	*pp = p + 1 + extra;
	return c;
}

/* Length in UTF-16 code units (JavaScript's String.length). */
static size_t
utf16_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t len = 0;
	while (p < end) {
		uint32_t c = utf8_next(&p, end);
		len += c >= 0x10000 ? 2 : 1;
	}
	return len;
}

/* JavaScript's string comparison: by UTF-16 code units. */
static int
utf16_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	const unsigned char *p = (const unsigned char *)a, *pe = p + an;
	const unsigned char *q = (const unsigned char *)b, *qe = q + bn;

	while (p < pe && q < qe) {
		uint32_t x = utf8_next(&p, pe), y = utf8_next(&q, qe);
		uint32_t ux = x >= 0x10000 ? 0xd800 + ((x - 0x10000) >> 10) : x;
		uint32_t uy = y >= 0x10000 ? 0xd800 + ((y - 0x10000) >> 10) : y;
		if (ux != uy)
			return ux < uy ? -1 : 1;
		if (x != y)	/* same high surrogate: the low one decides */
			return x < y ? -1 : 1;
	}
	if (p < pe)
		return 1;
	if (q < qe)
		return -1;
	return 0;
}

static int
strid_cmp(const struct heap *h, uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	return utf16_cmp(heap_str(h, a), strtab_len(&h->strings, a), heap_str(h, b),
	                 strtab_len(&h->strings, b));
}


/* getIndexForString(): one string id per generated text. */
static uint32_t
gen_string(struct v8r *r, const char *s, size_t n)
{
	struct heap *h = r->h;
	size_t mask, i;
	uint32_t id;

	if ((r->gen_count + 1) * 2 > r->gen_cap) {
		size_t ncap = r->gen_cap ? r->gen_cap * 2 : 64;
		uint32_t *ns = xmallocarray(ncap, sizeof *ns);
		memset(ns, 0xff, ncap * sizeof *ns);
		for (size_t k = 0; k < r->gen_cap; k++) {
			uint32_t o = r->gen_slots[k];
			if (o == UINT32_MAX)
				continue;
			i = strtab_hash(heap_str(h, o), strtab_len(&h->strings, o)) & (ncap - 1);
			while (ns[i] != UINT32_MAX)
				i = (i + 1) & (ncap - 1);
			ns[i] = o;
		}
		free(r->gen_slots);
		r->gen_slots = ns;
		r->gen_cap = ncap;
	}
	mask = r->gen_cap - 1;
	i = strtab_hash(s, n) & mask;
	while ((id = r->gen_slots[i]) != UINT32_MAX) {
		if (str_is(h, id, s, n))
			return id;
		i = (i + 1) & mask;
	}
	id = strtab_add(&h->strings, s, n);
	r->gen_slots[i] = id;
	r->gen_count++;
	return id;
}

/* --- WeakMap ephemeron edge names ---------------------------------------------
 * HeapSnapshot.tryParseWeakMapEdgeName: the regular expression
 *   ^\d+(?<duplicatedPart> / part of key \(.*? @\d+\) -> value \(.*? @\d+\)
 *        pair in WeakMap \(table @(?<tableId>\d+)\))$
 * matched by a small backtracking matcher ('.' stops at line terminators). */

enum wm_tok { WM_DIGITS, WM_LIT, WM_ANY, WM_END };
struct wm_pat {
	enum wm_tok tok;
	const char *lit;
};

static const struct wm_pat wm_pattern[] = {
	{ WM_DIGITS, NULL },
	{ WM_LIT, " / part of key (" },
	{ WM_ANY, NULL },
	{ WM_LIT, " @" },
	{ WM_DIGITS, NULL },
	{ WM_LIT, ") -> value (" },
	{ WM_ANY, NULL },
	{ WM_LIT, " @" },
	{ WM_DIGITS, NULL },
	{ WM_LIT, ") pair in WeakMap (table @" },
	{ WM_DIGITS, NULL },
	{ WM_LIT, ")" },
	{ WM_END, NULL },
};

static bool
wm_line_terminator(const char *s, size_t i, size_t n)
{
	if (s[i] == '\n' || s[i] == '\r')
		return true;
	/* U+2028, U+2029 */
	return i + 2 < n + 0 && (unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
	       ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9);
}

static bool
wm_match_at(const char *s, size_t n, size_t si, size_t ti)
{
	const struct wm_pat *t = &wm_pattern[ti];
	size_t k;

	switch (t->tok) {
	case WM_END:
		return si == n;
	case WM_LIT:
		k = strlen(t->lit);
		return n - si >= k && memcmp(s + si, t->lit, k) == 0 &&
		       wm_match_at(s, n, si + k, ti + 1);
	case WM_DIGITS:
		for (k = si; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		for (; k > si; k--)
			if (wm_match_at(s, n, k, ti + 1))
				return true;
		return false;
	case WM_ANY:
		for (k = si; k <= n; k++) {
			if (wm_match_at(s, n, k, ti + 1))
				return true;
			if (k < n && wm_line_terminator(s, k, n))
				return false;
		}
		return false;
	}
	return false;
}

/* Does the edge name (string id) match?  Sets the duplicated part (all after
 * the leading digits) and the table id. */
static bool
wm_parse(struct v8r *r, uint32_t id, size_t *dup_start, uint64_t *table_id)
{
	const struct heap *h = r->h;
	const char *s = heap_str(h, id);
	size_t n = strtab_len(&h->strings, id), i, j;

	if (r->wm_state[id] == 1)
		return false;
	if (r->wm_state[id] == 0) {
		bool m = n > 0 && s[0] >= '0' && s[0] <= '9' && wm_match_at(s, n, 0, 0);
		r->wm_state[id] = m ? 2 : 1;
		if (!m)
			return false;
	}
	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	*dup_start = i;
	/* The table id ends right before the final ')'. */
	j = n - 1;
	i = j;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	*table_id = 0;
	for (; i < j; i++)
		*table_id = *table_id * 10 + (uint64_t)(s[i] - '0');
	return true;
}

/* --- page-owned nodes (JSHeapSnapshot.markPageOwnedNodes) -------------------- */

static bool
is_document_dom_trees_root(const struct v8r *r, uint32_t node)
{
	return type_is(r->h, node, r->t_synthetic) && NAME_IS(r->h, node, "(Document DOM trees)");
}

/* isUserRoot() || isDocumentDOMTreesRoot() */
static bool
is_user_root(const struct v8r *r, uint32_t node)
{
	return !type_is(r->h, node, r->t_synthetic) || is_document_dom_trees_root(r, node);
}

static void
mark_page_owned(struct v8r *r)
{
	const struct heap *h = r->h;
	/* Each node is pushed at most once (flagged when pushed). */
	uint32_t *stack = xmallocarray((size_t)h->node_count + 1, sizeof *stack);
	size_t sp = 0;
	const uint32_t root = h->root;

	for (uint32_t e = h->first_edge[root]; e < h->first_edge[root + 1]; e++) {
		uint32_t t = h->edge_to[e];
		if (etype_is(h, e, r->e_element)) {
			if (!is_document_dom_trees_root(r, t))
				continue;
		} else if (!etype_is(h, e, r->e_shortcut)) {
			continue;
		}
		stack[sp++] = t;
		r->flags[t] |= FLAG_PAGE_OBJECT;
	}
	while (sp) {
		uint32_t v = stack[--sp];
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t c = h->edge_to[e];
			if (r->flags[c] & FLAG_PAGE_OBJECT)
				continue;
			if (etype_is(h, e, r->e_weak))
				continue;
			stack[sp++] = c;
			r->flags[c] |= FLAG_PAGE_OBJECT;
		}
	}
	free(stack);
}

/* --- retaining ("essential") edges (HeapSnapshot.computeIsEssentialEdge) ----- */

static uint64_t *
essential_edges(struct v8r *r, uint64_t **has_in_out)
{
	const struct heap *h = r->h;
	uint64_t *bits = xcalloc(((size_t)h->edge_count + 63) / 64 + 1, sizeof *bits);
	uint64_t *has_in = xcalloc(((size_t)h->node_count + 63) / 64 + 1, sizeof *has_in);
	const uint32_t root = h->root;

	for (uint32_t v = 0; v < h->node_count; v++) {
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t c = h->edge_to[e];
			if (etype_is(h, e, r->e_internal)) {
				/* The WeakMap table's edge to a value: the key's edge
				 * is the one that counts. */
				size_t dup;
				uint64_t table;
				if (wm_parse(r, h->edge_name[e], &dup, &table) && heap_node_id(h, v) == table)
					continue;
			}
			if (etype_is(h, e, r->e_weak))
				continue;
			if (v == c)
				continue;
			if (v != root) {
				/* Shortcuts only mean something at the root. */
				if (etype_is(h, e, r->e_shortcut))
					continue;
				/* Edges from objects the page does not own (the
				 * debugger's) into the page's do not retain. */
				if ((r->flags[c] & FLAG_PAGE_OBJECT) && !(r->flags[v] & FLAG_PAGE_OBJECT))
					continue;
			}
			bit_set(bits, e);
			bit_set(has_in, c);
		}
	}
	*has_in_out = has_in;
	return bits;
}

/* --- shallow sizes (JSHeapSnapshot.calculateShallowSizes) ----------------------
 * Hidden and array nodes (and native 'system / ExternalStringData') owned by a
 * single other node through non-weak edges give their size to that owner,
 * unless the owner is the root or synthetic.  Ownership is a fixpoint over
 * unvisited < one owner < several owners; its least solution does not depend
 * on visiting order.  Skipped for "expose internals" snapshots (no user
 * roots). */

#define OWNER_UNVISITED UINT32_MAX
#define OWNER_MULTIPLE (UINT32_MAX - 1)

static void
shallow_sizes(struct v8r *r)
{
	struct heap *h = r->h;
	const uint32_t n = h->node_count, root = h->root;
	uint32_t *self = xmallocarray(n, sizeof *self);
	uint32_t *owners, *work;
	size_t sp = 0;
	bool user_roots = false;

	memcpy(self, h->node_self_raw, (size_t)n * sizeof *self);
	h->node_self = self;
	for (uint32_t e = h->first_edge[root]; e < h->first_edge[root + 1]; e++)
		if (is_user_root(r, h->edge_to[e]))
			user_roots = true;
	if (!user_roots)
		return;

	owners = xmallocarray(n, sizeof *owners);
	work = xmallocarray(2 * (size_t)n + 1, sizeof *work);
	for (uint32_t i = 0; i < n; i++) {
		if (type_is(h, i, r->t_hidden) || type_is(h, i, r->t_array) ||
		    (type_is(h, i, r->t_native) && NAME_IS(h, i, "system / ExternalStringData"))) {
			owners[i] = OWNER_UNVISITED;
		} else {
			owners[i] = i;
			work[sp++] = i;
		}
	}
	while (sp) {
		uint32_t id = work[--sp];
		uint32_t owner = owners[id];
		for (uint32_t e = h->first_edge[id]; e < h->first_edge[id + 1]; e++) {
			uint32_t t = h->edge_to[e], o;
			if (etype_is(h, e, r->e_weak))
				continue;
			o = owners[t];
			if (o == OWNER_UNVISITED) {
				owners[t] = owner;
				work[sp++] = t;
			} else if (o == t || o == owner || o == OWNER_MULTIPLE) {
				/* owns itself, same owner, or already shared */
			} else {
				owners[t] = OWNER_MULTIPLE;
				work[sp++] = t;
			}
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t o = owners[i];
		if (o == OWNER_UNVISITED || o == OWNER_MULTIPLE || o == i)
			continue;
		if (type_is(h, o, r->t_synthetic) || o == root)
			continue;
		/* uint32 arithmetic, as DevTools' Uint32Array. */
		self[o] += self[i];
		self[i] = 0;
	}
	free(owners);
	free(work);
}

/* --- detached DOM state (HeapSnapshot.propagateDOMState) -------------------- */

static void
propagate_dom_state(struct v8r *r)
{
	struct heap *h = r->h;
	const uint32_t n = h->node_count;
	uint8_t *state = h->node_detachedness, *visited;
	uint32_t *attached, *detached, *renamed;
	size_t na = 0, nd = 0;

	if (state == NULL)
		return;
	visited = xcalloc(n, 1);
	attached = xmallocarray(n, sizeof *attached);
	detached = xmallocarray(n, sizeof *detached);
	/* old string id -> "Detached " + old, added once per old string */
	renamed = NULL;
	size_t nrenamed = 0, caprenamed = 0;

#define PROCESS(node, st)                                                      \
	do {                                                                   \
		uint32_t nn_ = (node);                                         \
		if (visited[nn_])                                              \
			break;                                                 \
		if (!type_is(h, nn_, r->t_native)) {                           \
			visited[nn_] = 1;                                      \
			break;                                                 \
		}                                                              \
		state[nn_] = (st);                                             \
		if ((st) == DOM_ATTACHED) {                                    \
			attached[na++] = nn_;                                  \
		} else if ((st) == DOM_DETACHED) {                             \
			uint32_t old_ = h->node_name[nn_], new_ = UINT32_MAX;  \
			for (size_t k_ = 0; k_ < nrenamed; k_ += 2)            \
				if (renamed[k_] == old_)                       \
					new_ = renamed[k_ + 1];                \
			if (new_ == UINT32_MAX) {                              \
				size_t l_ = strtab_len(&h->strings, old_);     \
				char *s_ = xmalloc(l_ + 9);                    \
				memcpy(s_, "Detached ", 9);                    \
				memcpy(s_ + 9, heap_str(h, old_), l_);          \
				new_ = strtab_add(&h->strings, s_, l_ + 9);    \
				free(s_);                                      \
				XGROW(renamed, caprenamed, nrenamed + 2);      \
				renamed[nrenamed++] = old_;                    \
				renamed[nrenamed++] = new_;                    \
			}                                                      \
			h->node_name[nn_] = new_;                              \
			detached[nd++] = nn_;                                  \
		}                                                              \
		visited[nn_] = 1;                                              \
	} while (0)

	for (uint32_t i = 0; i < n; i++)
		if (state[i] != DOM_UNKNOWN)
			PROCESS(i, state[i]);
	while (na) {
		uint32_t v = attached[--na];
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			if (etype_is(h, e, r->e_hidden) || etype_is(h, e, r->e_weak))
				continue;
			PROCESS(h->edge_to[e], DOM_ATTACHED);
		}
	}
	while (nd) {
		uint32_t v = detached[--nd];
		if (state[v] == DOM_ATTACHED)
			continue;
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			if (etype_is(h, e, r->e_hidden) || etype_is(h, e, r->e_weak))
				continue;
			PROCESS(h->edge_to[e], DOM_DETACHED);
		}
	}
#undef PROCESS
	free(renamed);
	free(visited);
	free(attached);
	free(detached);
}

/* --- class table --------------------------------------------------------------- */

struct class_map {
	uint32_t *slots;
	size_t cap;
};

static uint64_t
class_hash(uint32_t name, uint8_t origin, const struct heap_location *loc)
{
	uint64_t x = (uint64_t)name * 0x9e3779b97f4a7c15ULL ^ origin;
	if (loc)
		x ^= ((uint64_t)loc->script_id << 40 ^ (uint64_t)loc->line << 20 ^ loc->column) *
		     0xff51afd7ed558ccdULL;
	return x ^ x >> 29;
}

static bool
loc_equal(const struct heap *h, uint32_t a, uint32_t b)
{
	if (a == HEAP_NONE || b == HEAP_NONE)
		return a == b;
	return h->locations[a].script_id == h->locations[b].script_id &&
	       h->locations[a].line == h->locations[b].line &&
	       h->locations[a].column == h->locations[b].column;
}

static uint32_t
class_get(struct heap *h, struct class_map *m, size_t *cap, uint32_t name, uint8_t origin,
          uint32_t loc)
{
	const struct heap_location *l = loc == HEAP_NONE ? NULL : &h->locations[loc];
	size_t i, mask;
	uint32_t c;

	if ((h->class_count + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		uint32_t *ns = xmallocarray(ncap, sizeof *ns);
		memset(ns, 0xff, ncap * sizeof *ns);
		for (uint32_t k = 0; k < h->class_count; k++) {
			const struct heap_class *hc = &h->classes[k];
			i = class_hash(hc->name, hc->origin,
			               hc->location == HEAP_NONE ? NULL : &h->locations[hc->location]) &
			    (ncap - 1);
			while (ns[i] != UINT32_MAX)
				i = (i + 1) & (ncap - 1);
			ns[i] = k;
		}
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	mask = m->cap - 1;
	i = class_hash(name, origin, l) & mask;
	while ((c = m->slots[i]) != UINT32_MAX) {
		const struct heap_class *hc = &h->classes[c];
		if (hc->name == name && hc->origin == origin && loc_equal(h, hc->location, loc))
			return c;
		i = (i + 1) & mask;
	}
	XGROW(h->classes, *cap, (size_t)h->class_count + 1);
	c = h->class_count++;
	memset(&h->classes[c], 0, sizeof h->classes[c]);
	h->classes[c].name = name;
	h->classes[c].origin = origin;
	h->classes[c].location = loc;
	m->slots[i] = c;
	return c;
}

/* --- interfaces of plain objects (inferInterfaceDefinitions,
 *     applyInterfaceDefinitions) ------------------------------------------------ */

#define MAX_INTERFACE_NAME_LENGTH 120
#define MIN_OBJECT_COUNT_PER_INTERFACE 2
#define MIN_OBJECT_PROPORTION_PER_INTERFACE 1000

struct sbuf {
	char *p;
	size_t len, cap;
	size_t u16;	/* length in UTF-16 units */
};

static void
sbuf_add(struct sbuf *b, const char *s, size_t n, size_t u16)
{
	XGROW(b->p, b->cap, b->len + n + 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	b->u16 += u16;
}

/* JSHeapSnapshotNode.formatPropertyName: names with , ' " { } are written as
 * a JSON string literal. */
static void
format_property(const struct heap *h, uint32_t id, struct sbuf *out)
{
	const char *s = heap_str(h, id);
	size_t n = strtab_len(&h->strings, id);

	out->len = 0;
	out->u16 = 0;
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '\'' || s[i] == '"' || s[i] == '{' || s[i] == '}';
	if (!quote) {
		sbuf_add(out, s, n, utf16_len(s, n));
		return;
	}
	sbuf_add(out, "\"", 1, 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sbuf_add(out, esc, 2, 2);
		} else if (c < 0x20) {
			const char *m = NULL;
			switch (c) {
			case '\b': m = "\\b"; break;
			case '\f': m = "\\f"; break;
			case '\n': m = "\\n"; break;
			case '\r': m = "\\r"; break;
			case '\t': m = "\\t"; break;
			}
			if (m) {
				sbuf_add(out, m, 2, 2);
			} else {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				sbuf_add(out, esc, 6, 6);
			}
		} else {
			size_t k = i + 1;
			while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
				k++;
			sbuf_add(out, s + i, k - i, utf16_len(s + i, k - i));
			i = k - 1;
		}
	}
	sbuf_add(out, "\"", 1, 1);
}

struct candidate {
	uint32_t name;		/* interface name, string id (added) */
	uint32_t count;
	uint32_t first_prop;	/* into props[] */
	uint32_t nprops;
	uint32_t order;
};

struct trie_node {
	uint32_t greatest;	/* string id of the greatest next property, or NONE */
	uint32_t match;		/* definition index, or NONE */
	uint32_t match_props;
};

struct trie_edge_map {
	/* (trie node, property string id) -> child trie node */
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, count;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint32_t
tmap_get(const struct trie_edge_map *m, uint32_t node, uint32_t prop)
{
	uint64_t key = (uint64_t)node << 32 | prop;
	size_t i, mask;
	if (m->cap == 0)
		return HEAP_NONE;
	mask = m->cap - 1;
	i = mix64(key) & mask;
	while (m->keys[i] != UINT64_MAX) {
		if (m->keys[i] == key)
			return m->vals[i];
		i = (i + 1) & mask;
	}
	return HEAP_NONE;
}

static void
tmap_put(struct trie_edge_map *m, uint32_t node, uint32_t prop, uint32_t child)
{
	size_t i, mask;
	if ((m->count + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		uint64_t *nk = xmallocarray(ncap, sizeof *nk);
		uint32_t *nv = xmallocarray(ncap, sizeof *nv);
		memset(nk, 0xff, ncap * sizeof *nk);
		for (size_t k = 0; k < m->cap; k++) {
			if (m->keys[k] == UINT64_MAX)
				continue;
			i = mix64(m->keys[k]) & (ncap - 1);
			while (nk[i] != UINT64_MAX)
				i = (i + 1) & (ncap - 1);
			nk[i] = m->keys[k];
			nv[i] = m->vals[k];
		}
		free(m->keys);
		free(m->vals);
		m->keys = nk;
		m->vals = nv;
		m->cap = ncap;
	}
	mask = m->cap - 1;
	i = mix64((uint64_t)node << 32 | prop) & mask;
	while (m->keys[i] != UINT64_MAX)
		i = (i + 1) & mask;
	m->keys[i] = (uint64_t)node << 32 | prop;
	m->vals[i] = child;
	m->count++;
}

static int
candidate_cmp(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;	/* most popular first */
	return x->order < y->order ? -1 : x->order > y->order;	/* stable */
}

static bool
is_plain_object(const struct v8r *r, uint32_t node)
{
	return type_is(r->h, node, r->t_object) && NAME_IS(r->h, node, "Object");
}

/* Property names of plain objects, each formatted and measured once, and
 * ranked by JavaScript's string order (UTF-16 code units; equal texts get
 * equal ranks), so that sorting and comparing them is integer work. */
struct pname {
	uint32_t id;		/* a string id with this text */
	uint32_t text, len;	/* formatted (formatPropertyName), in buf */
	uint32_t u16;		/* its length in UTF-16 units */
	uint32_t rank;
};

struct pcache {
	uint32_t *of;		/* string id -> index in names, or HEAP_NONE */
	size_t nstrings;
	struct pname *names;
	size_t n, cap;
	char *buf;
	size_t blen, bcap;
};

static uint32_t
pcache_get(struct pcache *pc, const struct heap *h, uint32_t id, struct sbuf *tmp)
{
	struct pname *p;
	if (pc->of[id] != HEAP_NONE)
		return pc->of[id];
	format_property(h, id, tmp);
	XGROW(pc->names, pc->cap, pc->n + 1);
	XGROW(pc->buf, pc->bcap, pc->blen + tmp->len + 1);
	p = &pc->names[pc->n];
	p->id = id;
	p->text = (uint32_t)pc->blen;
	p->len = (uint32_t)tmp->len;
	p->u16 = (uint32_t)tmp->u16;
	p->rank = 0;
	memcpy(pc->buf + pc->blen, tmp->p, tmp->len);
	pc->blen += tmp->len;
	pc->of[id] = (uint32_t)pc->n;
	return (uint32_t)pc->n++;
}

static int
pname_cmp_r(const void *a, const void *b, void *ctx)
{
	const struct heap *h = ctx;
	return strid_cmp(h, ((const struct pname *)a)->id, ((const struct pname *)b)->id);
}

/* Ranks the names: sorted once, equal texts sharing a rank. */
static void
pcache_rank(struct pcache *pc, const struct heap *h)
{
	struct pname *sorted;
	uint32_t rank = 0;
	if (pc->n == 0)
		return;
	sorted = xmallocarray(pc->n, sizeof *sorted);
	memcpy(sorted, pc->names, pc->n * sizeof *sorted);
	qsort_r(sorted, pc->n, sizeof *sorted, pname_cmp_r, (void *)(uintptr_t)h);
	for (size_t i = 0; i < pc->n; i++) {
		if (i > 0 && strid_cmp(h, sorted[i - 1].id, sorted[i].id) != 0)
			rank++;
		pc->names[pc->of[sorted[i].id]].rank = rank;
	}
	free(sorted);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void
sort_u32(uint32_t *v, size_t n)
{
	if (n > 16) {
		qsort(v, n, sizeof *v, u32_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* The property tree of applyInterfaceDefinitions: a trie over each
 * definition's sorted properties (as ranks), and the search for the best
 * definition an object's properties contain. */
struct itrie {
	struct trie_node *node;
	size_t n, cap;
	struct trie_edge_map map;
	uint32_t *states, *snap;	/* the search's scratch */
	size_t capstates, capsnap;
};

static void
itrie_init(struct itrie *t)
{
	memset(t, 0, sizeof *t);
	XGROW(t->node, t->cap, 1);
	t->node[0].greatest = HEAP_NONE;
	t->node[0].match = HEAP_NONE;
	t->node[0].match_props = 0;
	t->n = 1;
}

/* Definition d, its properties' ranks in dp (sorted here); an earlier
 * definition keeps a node it already named. */
static void
itrie_add(struct itrie *t, uint32_t d, uint32_t *dp, uint32_t np)
{
	uint32_t cur = 0;
	sort_u32(dp, np);
	for (uint32_t k = 0; k < np; k++) {
		uint32_t next = tmap_get(&t->map, cur, dp[k]);
		if (next == HEAP_NONE) {
			XGROW(t->node, t->cap, t->n + 1);
			next = (uint32_t)t->n++;
			t->node[next].greatest = HEAP_NONE;
			t->node[next].match = HEAP_NONE;
			t->node[next].match_props = 0;
			tmap_put(&t->map, cur, dp[k], next);
			if (t->node[cur].greatest == HEAP_NONE || t->node[cur].greatest < dp[k])
				t->node[cur].greatest = dp[k];
		}
		cur = next;
	}
	if (t->node[cur].match == HEAP_NONE) {
		t->node[cur].match = d;
		t->node[cur].match_props = np;
	}
}

/* The best definition whose properties an object with the sorted property
 * ranks op[0..nobj) has: most properties, then the earliest; HEAP_NONE if
 * none. */
static uint32_t
itrie_match(struct itrie *t, const uint32_t *op, size_t nobj)
{
	uint32_t best = HEAP_NONE, best_props = 0;
	size_t nstates;
#define BETTER(d, np)                                                          \
	do {                                                                   \
		if ((d) != HEAP_NONE &&                                        \
		    (best == HEAP_NONE || (np) > best_props ||                 \
		     ((np) == best_props && (d) < best))) {                    \
			best = (d);                                            \
			best_props = (np);                                     \
		}                                                              \
	} while (0)
	BETTER(t->node[0].match, t->node[0].match_props);
	XGROW(t->states, t->capstates, 1);
	t->states[0] = 0;
	nstates = 1;
	for (size_t k = 0; k < nobj && nstates; k++) {
		uint32_t prop = op[k];
		size_t nsnap = nstates;
		XGROW(t->snap, t->capsnap, nsnap);
		memcpy(t->snap, t->states, nsnap * sizeof *t->snap);
		for (size_t s = 0; s < nsnap; s++) {
			uint32_t st = t->snap[s], next;
			if (t->node[st].greatest == HEAP_NONE || prop >= t->node[st].greatest) {
				for (size_t q = 0; q < nstates; q++)
					if (t->states[q] == st) {
						t->states[q] = t->states[--nstates];
						break;
					}
			}
			next = tmap_get(&t->map, st, prop);
			if (next != HEAP_NONE) {
				bool have = false;
				for (size_t q = 0; q < nstates; q++)
					if (t->states[q] == next)
						have = true;
				if (!have) {
					XGROW(t->states, t->capstates, nstates + 1);
					t->states[nstates++] = next;
				}
				BETTER(t->node[next].match, t->node[next].match_props);
			}
		}
	}
#undef BETTER
	return best;
}

static void
itrie_free(struct itrie *t)
{
	free(t->node);
	free(t->map.keys);
	free(t->map.vals);
	free(t->states);
	free(t->snap);
}

/* Assigns interface classes to plain objects; others keep their class. */
static void
interfaces(struct v8r *r, uint32_t *node_class, struct class_map *cm, size_t *class_cap)
{
	struct heap *h = r->h;
	const uint32_t n = h->node_count;
	struct candidate *cand = NULL;
	size_t ncand = 0, capcand = 0;
	uint32_t *props = NULL;
	size_t nprops = 0, capprops = 0;
	uint32_t *cand_slots = NULL;	/* interface name text -> candidate */
	size_t cand_cap = 0;
	struct sbuf name = { 0 }, fmt = { 0 };
	uint64_t total = 0;
	struct itrie trie;
	uint32_t ndefs = 0;
	uint32_t *objprops = NULL;
	size_t capobj = 0;
	int proto_check = r->e_property;
	struct pcache pc = { 0 };
	uint32_t li;

	pc.nstrings = strtab_count(&h->strings);
	pc.of = xmallocarray(pc.nstrings ? pc.nstrings : 1, sizeof *pc.of);
	memset(pc.of, 0xff, pc.nstrings * sizeof *pc.of);

	/* 1. Candidates: the leading properties of every plain object.  As
	 * DevTools' allNodes(), from the root on: with a root_index past node
	 * 0, the nodes before it are not seen here (nor renamed below). */
	for (uint32_t v = h->root; v < n; v++) {
		size_t first = nprops, i, mask;
		uint32_t c;

		if (!is_plain_object(r, v))
			continue;
		total++;
		name.len = 0;
		name.u16 = 0;
		sbuf_add(&name, "{", 1, 1);
		bool full = false;
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t pn = h->edge_name[e];
			const struct pname *p;
			uint32_t k;
			if (!etype_is(h, e, proto_check))
				continue;
			/* every property name gets a rank (step 4 uses them all);
			 * pcache_get may move pc.names: index after the call */
			k = pcache_get(&pc, h, pn, &fmt);
			p = &pc.names[k];
			if (full || str_is(h, pn, "__proto__", 9))
				continue;
			if (name.u16 > 1 && name.u16 + p->u16 > MAX_INTERFACE_NAME_LENGTH) {
				full = true;
				continue;
			}
			if (name.u16 != 1)
				sbuf_add(&name, ", ", 2, 2);
			sbuf_add(&name, pc.buf + p->text, p->len, p->u16);
			XGROW(props, capprops, nprops + 1);
			props[nprops++] = pn;
		}
		if (nprops == first)
			continue;
		sbuf_add(&name, "}", 1, 1);
		/* find or add the candidate by its name's text */
		if ((ncand + 1) * 2 > cand_cap) {
			size_t ncap = cand_cap ? cand_cap * 2 : 256;
			free(cand_slots);
			cand_slots = xmallocarray(ncap, sizeof *cand_slots);
			memset(cand_slots, 0xff, ncap * sizeof *cand_slots);
			for (size_t k = 0; k < ncand; k++) {
				uint32_t id = cand[k].name;
				i = strtab_hash(heap_str(h, id), strtab_len(&h->strings, id)) & (ncap - 1);
				while (cand_slots[i] != UINT32_MAX)
					i = (i + 1) & (ncap - 1);
				cand_slots[i] = (uint32_t)k;
			}
			cand_cap = ncap;
		}
		mask = cand_cap - 1;
		i = strtab_hash(name.p, name.len) & mask;
		while ((c = cand_slots[i]) != UINT32_MAX) {
			if (str_is(h, cand[c].name, name.p, name.len))
				break;
			i = (i + 1) & mask;
		}
		if (c != UINT32_MAX) {
			cand[c].count++;
			nprops = first;	/* the first object's list is kept */
			continue;
		}
		XGROW(cand, capcand, ncand + 1);
		cand[ncand].name = strtab_add(&h->strings, name.p, name.len);
		cand[ncand].count = 1;
		cand[ncand].first_prop = (uint32_t)first;
		cand[ncand].nprops = (uint32_t)(nprops - first);
		cand[ncand].order = (uint32_t)ncand;
		cand_slots[i] = (uint32_t)ncand;
		ncand++;
	}
	free(cand_slots);

	pcache_rank(&pc, h);

	/* 2. The popular ones become definitions, most popular first. */
	if (ncand)
		qsort(cand, ncand, sizeof *cand, candidate_cmp);
	{
		double min_count = (double)total / MIN_OBJECT_PROPORTION_PER_INTERFACE;
		if (min_count < MIN_OBJECT_COUNT_PER_INTERFACE)
			min_count = MIN_OBJECT_COUNT_PER_INTERFACE;
		while (ndefs < ncand && (double)cand[ndefs].count >= min_count)
			ndefs++;
	}

	/* Kept for diffs: DevTools' Comparison names the base's plain objects
	 * by the target's definitions (v8rules_interfaces_from). */
	free(h->interfaces);
	free(h->interface_props);
	h->interfaces = xmallocarray(ndefs ? ndefs : 1, sizeof *h->interfaces);
	h->interface_props = NULL;
	h->interface_count = ndefs;
	{
		size_t np = 0, capnp = 0;
		for (uint32_t d = 0; d < ndefs; d++) {
			h->interfaces[d].name = cand[d].name;
			h->interfaces[d].first = (uint32_t)np;
			h->interfaces[d].count = cand[d].nprops;
			XGROW(h->interface_props, capnp, np + cand[d].nprops + 1);
			memcpy(h->interface_props + np, props + cand[d].first_prop,
			       cand[d].nprops * sizeof *props);
			np += cand[d].nprops;
		}
	}

	/* 3. A trie over each definition's sorted properties.  (Trie keys and
	 *    comparisons are ranks: equal ranks, equal texts.) */
	itrie_init(&trie);
	for (uint32_t d = 0; d < ndefs; d++) {
		uint32_t *dp = props + cand[d].first_prop;
		for (uint32_t k = 0; k < cand[d].nprops; k++)
			dp[k] = pc.names[pc.of[dp[k]]].rank;
		itrie_add(&trie, d, dp, cand[d].nprops);
	}

	/* 4. Every plain object takes the best definition it contains: most
	 *    properties, then the earliest definition. */
	if (ndefs == 0)
		goto out;
	li = 0;
	for (uint32_t v = h->root; v < n; v++) {
		size_t nobj = 0;
		uint32_t best;

		if (!is_plain_object(r, v))
			continue;
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			if (!etype_is(h, e, r->e_property))
				continue;
			XGROW(objprops, capobj, nobj + 1);
			objprops[nobj++] = pc.names[pc.of[h->edge_name[e]]].rank;
		}
		sort_u32(objprops, nobj);
		best = itrie_match(&trie, objprops, nobj);
		/* Objects are still told apart by location (classKeyInternal
		 * runs on the renamed class). */
		while (li < h->location_count && h->locations[li].node < v)
			li++;
		if (best != HEAP_NONE)
			node_class[v] = class_get(h, cm, class_cap, cand[best].name, ORIGIN_INTERFACE,
			                          li < h->location_count && h->locations[li].node == v ? li : HEAP_NONE);
	}
out:
	free(pc.of);
	free(pc.names);
	free(pc.buf);
	free(cand);
	free(props);
	free(name.p);
	free(fmt.p);
	itrie_free(&trie);
	free(objprops);
}

/* --- class names (HeapSnapshot.calculateObjectNames, classKeyInternal) -------- */

static void
class_names(struct v8r *r)
{
	struct heap *h = r->h;
	const uint32_t n = h->node_count;
	uint32_t *node_class = xmallocarray(n, sizeof *node_class);
	struct class_map cm = { NULL, 0 };
	size_t class_cap = 0;
	const uint32_t s_system = gen_string(r, "(system)", 8);
	const uint32_t s_code = gen_string(r, "(compiled code)", 15);
	const uint32_t s_function = gen_string(r, "Function", 8);
	const uint32_t s_regexp = gen_string(r, "RegExp", 6);
	uint32_t type_names[HEAP_MAX_TYPES];
	uint32_t type_class[HEAP_MAX_TYPES];
	/* The class of a node named by string id (its own name, no location):
	 * most nodes; the rest go through the hash. */
	const size_t nstr = strtab_count(&h->strings);
	uint32_t *raw_class = xmallocarray(nstr ? nstr : 1, sizeof *raw_class);
	uint32_t li = 0;

	memset(raw_class, 0xff, nstr * sizeof *raw_class);
	for (uint32_t t = 0; t < h->node_type_count; t++)
		type_names[t] = type_class[t] = HEAP_NONE;
	free(h->classes);
	h->classes = NULL;
	h->class_count = 0;

	for (uint32_t v = 0; v < n; v++) {
		uint8_t t = heap_node_type(h, v);
		uint32_t name, loc = HEAP_NONE;
		uint8_t origin = ORIGIN_GENERATED;

		if (type_class[t] != HEAP_NONE) {	/* classed by type alone */
			node_class[v] = type_class[t];
			continue;
		}
		if ((int)t == r->t_hidden) {
			name = s_system;
		} else if ((int)t == r->t_object || (int)t == r->t_native) {
			uint32_t raw = h->node_name[v];
			const char *s = heap_str(h, raw);
			size_t len = strtab_len(&h->strings, raw);
			const char *sp;
			if (len > 0 && s[0] == '<') {
				sp = memchr(s, ' ', len);
				if (sp) {
					char *trimmed = xmalloc((size_t)(sp - s) + 1);
					memcpy(trimmed, s, (size_t)(sp - s));
					trimmed[sp - s] = '>';
					name = gen_string(r, trimmed, (size_t)(sp - s) + 1);
					free(trimmed);
				} else {
					name = gen_string(r, s, len);
				}
			} else if (len >= 10 && memcmp(s, "Detached <", 10) == 0) {
				sp = memchr(s + 10, ' ', len - 10);
				if (sp) {
					char *trimmed = xmalloc((size_t)(sp - s) + 1);
					memcpy(trimmed, s, (size_t)(sp - s));
					trimmed[sp - s] = '>';
					name = gen_string(r, trimmed, (size_t)(sp - s) + 1);
					free(trimmed);
				} else {
					name = gen_string(r, s, len);
				}
			} else {
				/* A detached native node was renamed "Detached ..."
				 * by propagate_dom_state(), into a new string. */
				name = raw;
				origin = h->node_detachedness && h->node_detachedness[v] == DOM_DETACHED &&
				                 type_is(h, v, r->t_native)
				         ? ORIGIN_DETACHED
				         : ORIGIN_RAW;
			}
		} else if ((int)t == r->t_code) {
			name = s_code;
		} else if ((int)t == r->t_closure) {
			name = s_function;
		} else if ((int)t == r->t_regexp) {
			name = s_regexp;
		} else {
			if (type_names[t] == HEAP_NONE) {
				char *s = xasprintf("(%s)", h->node_type_names[t]);
				type_names[t] = gen_string(r, s, strlen(s));
				free(s);
			}
			name = type_names[t];
		}
		/* Objects are told apart by where their constructor is. */
		if ((int)t == r->t_object) {
			while (li < h->location_count && h->locations[li].node < v)
				li++;
			if (li < h->location_count && h->locations[li].node == v)
				loc = li;
		}
		if (origin == ORIGIN_RAW && loc == HEAP_NONE && name < nstr) {
			if (raw_class[name] == HEAP_NONE)
				raw_class[name] = class_get(h, &cm, &class_cap, name, origin, loc);
			node_class[v] = raw_class[name];
			continue;
		}
		node_class[v] = class_get(h, &cm, &class_cap, name, origin, loc);
		if ((int)t != r->t_object && (int)t != r->t_native)
			type_class[t] = node_class[v];
	}
	free(raw_class);
	h->node_class = node_class;
	interfaces(r, node_class, &cm, &class_cap);
	free(cm.slots);
}

/* --- distances (HeapSnapshot.calculateDistances, JSHeapSnapshot's filter) ---- */

struct dup_set {
	/* text of a WeakMap edge's duplicated part -> pending flag */
	const char **s;
	uint32_t *len;
	uint8_t *pending;
	size_t cap, count;
};

/* pendingEphemeronEdges: the first edge of a pair is skipped, the second
 * taken.  Returns true when this edge is to be skipped. */
static bool
dup_toggle(struct dup_set *d, const char *s, size_t n)
{
	size_t i, mask;
	if ((d->count + 1) * 2 > d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 256;
		const char **ns = xcalloc(ncap, sizeof *ns);
		uint32_t *nl = xcalloc(ncap, sizeof *nl);
		uint8_t *np = xcalloc(ncap, 1);
		for (size_t k = 0; k < d->cap; k++) {
			if (d->s[k] == NULL)
				continue;
			i = strtab_hash(d->s[k], d->len[k]) & (ncap - 1);
			while (ns[i])
				i = (i + 1) & (ncap - 1);
			ns[i] = d->s[k];
			nl[i] = d->len[k];
			np[i] = d->pending[k];
		}
		free(d->s);
		free(d->len);
		free(d->pending);
		d->s = ns;
		d->len = nl;
		d->pending = np;
		d->cap = ncap;
	}
	mask = d->cap - 1;
	i = strtab_hash(s, n) & mask;
	while (d->s[i]) {
		if (d->len[i] == n && memcmp(d->s[i], s, n) == 0) {
			d->pending[i] = !d->pending[i];
			return d->pending[i];	/* was pending: now taken */
		}
		i = (i + 1) & mask;
	}
	d->s[i] = s;
	d->len[i] = (uint32_t)n;
	d->pending[i] = 1;
	d->count++;
	return true;
}

/* JavaScript's parseInt(s, 10) for the descriptor-array rule.  Returns false
 * for NaN. */
static bool
js_parse_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	int64_t v = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
	                 s[i] == '\f' || s[i] == '\v'))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i >= n || s[i] < '0' || s[i] > '9')
		return false;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		if (v < INT64_MAX / 10 - 10)
			v = v * 10 + (s[i] - '0');
	*out = neg ? -v : v;
	return true;
}

/* The filter: true when the edge may set a distance. */
static bool
distance_filter(struct v8r *r, struct dup_set *d, uint32_t v, uint32_t e)
{
	const struct heap *h = r->h;
	bool named = !h->edge_type_indexed[h->edge_type[e]];

	if (type_is(h, v, r->t_hidden) && named &&
	    str_is(h, h->edge_name[e], "sloppy_function_map", 19) &&
	    NAME_IS(h, v, "system / NativeContext"))
		return false;
	if (type_is(h, v, r->t_array) && NAME_IS(h, v, "(map descriptors)")) {
		/* Descriptor arrays: skip the descriptor links (crbug.com/413608). */
		int64_t index;
		bool ok;
		if (named)
			ok = js_parse_int(heap_str(h, h->edge_name[e]),
			                  strtab_len(&h->strings, h->edge_name[e]), &index);
		else {
			index = h->edge_name[e];
			ok = true;
		}
		if (!ok)
			return true;	/* NaN < 2 is false, NaN % 3 !== 1 is true */
		return index < 2 || index % 3 != 1;
	}
	if (etype_is(h, e, r->e_internal)) {
		size_t dup;
		uint64_t table;
		if (wm_parse(r, h->edge_name[e], &dup, &table)) {
			uint32_t id = h->edge_name[e];
			if (dup_toggle(d, heap_str(h, id) + dup, strtab_len(&h->strings, id) - dup))
				return false;
		}
	}
	return true;
}

static size_t
bfs(struct v8r *r, struct dup_set *d, uint32_t *queue, size_t head, size_t len)
{
	const struct heap *h = r->h;
	int32_t *dist = h->distance;

	while (head < len) {
		uint32_t v = queue[head++];
		int32_t dv = dist[v] + 1;
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t c;
			if (etype_is(h, e, r->e_weak))
				continue;
			c = h->edge_to[e];
			if (dist[c] != HEAP_NO_DISTANCE)
				continue;
			if (!distance_filter(r, d, v, e))
				continue;
			dist[c] = dv;
			queue[len++] = c;
		}
	}
	return len;
}

static void
distances(struct v8r *r)
{
	struct heap *h = r->h;
	const uint32_t n = h->node_count, root = h->root;
	const uint32_t rootedges = heap_edge_count_of(h, root);
	uint32_t *queue = xmallocarray((size_t)n + rootedges + 1, sizeof *queue);
	struct dup_set d = { 0 };
	size_t len = 0;

	h->distance = xmallocarray(n, sizeof *h->distance);
	for (uint32_t v = 0; v < n; v++)
		h->distance[v] = HEAP_NO_DISTANCE;
	/* User roots (globals, DOM trees) first, at distance 1 ... */
	for (uint32_t e = h->first_edge[root]; e < h->first_edge[root + 1]; e++) {
		uint32_t c = h->edge_to[e];
		if (is_user_root(r, c)) {
			h->distance[c] = 1;
			queue[len++] = c;
		}
	}
	len = bfs(r, &d, queue, 0, len);
	/* ... then what only the system roots reach, far away. */
	h->distance[root] = len > 0 ? HEAP_SYSTEM_DISTANCE : 0;
	queue[0] = root;
	bfs(r, &d, queue, 0, 1);
	free(queue);
	free(d.s);
	free(d.len);
	free(d.pending);
}

/* --- statistics (JSHeapSnapshot.calculateStatistics) ------------------------- */

/* The elements store of a JS array: the target of its first internal edge
 * named "elements", or HEAP_NONE. */
static uint32_t
array_elements(const struct heap *h, uint32_t v, int e_internal)
{
	for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++)
		if (etype_is(h, e, e_internal) && str_is(h, h->edge_name[e], "elements", 8))
			return h->edge_to[e];
	return HEAP_NONE;
}

void
v8rules_statistics(struct heap *h)
{
	const int t_hidden = heap_node_type_find(h, "hidden");
	const int t_native = heap_node_type_find(h, "native");
	const int t_code = heap_node_type_find(h, "code");
	const int t_string = heap_node_type_find(h, "string");
	const int t_cons = heap_node_type_find(h, "concatenated string");
	const int t_sliced = heap_node_type_find(h, "sliced string");
	const int e_internal = heap_edge_type_find(h, "internal");
	uint64_t native = h->extra_native_bytes, typed = 0, code = 0, strings = 0;
	uint64_t arrays = 0, system = 0;
	/* calculateArraySize counts an array's elements store when the store
	 * has a single retainer (any edge): count the edges into the stores. */
	uint8_t *refs = xcalloc(h->node_count, 1);	/* 0 none, 1 store, 2 store held once, 3 more */
	for (uint32_t v = 0; v < h->node_count; v++) {
		uint32_t t;
		if (!type_is(h, v, t_hidden) && !type_is(h, v, t_native) && !type_is(h, v, t_code) &&
		    !type_is(h, v, t_cons) && !type_is(h, v, t_sliced) && !type_is(h, v, t_string) &&
		    NAME_IS(h, v, "Array") && (t = array_elements(h, v, e_internal)) != HEAP_NONE)
			refs[t] = 1;
	}
	for (uint32_t e = 0; e < h->edge_count; e++) {
		uint8_t *c = &refs[h->edge_to[e]];
		if (*c && *c < 3)
			(*c)++;
	}

	for (uint32_t v = 0; v < h->node_count; v++) {
		uint64_t size = heap_node_self(h, v);
		if (type_is(h, v, t_hidden)) {
			system += size;
		} else if (type_is(h, v, t_native)) {
			native += size;
			if (NAME_IS(h, v, "system / JSArrayBufferData"))
				typed += size;
		} else if (type_is(h, v, t_code)) {
			code += size;
		} else if (type_is(h, v, t_cons) || type_is(h, v, t_sliced) || type_is(h, v, t_string)) {
			strings += size;
		} else if (NAME_IS(h, v, "Array")) {
			uint32_t t = array_elements(h, v, e_internal);
			arrays += heap_node_self(h, v);
			if (t != HEAP_NONE && refs[t] == 2)
				arrays += heap_node_self(h, t);
		}
	}
	free(refs);
	h->stat_count = 0;
#define STAT(n, b) do { h->stats[h->stat_count].name = (n); h->stats[h->stat_count].bytes = (b); h->stat_count++; } while (0)
	STAT("native", native);
	STAT("typed_arrays", typed);
	STAT("v8heap", h->total_size - native);
	STAT("code", code);
	STAT("strings", strings);
	STAT("js_arrays", arrays);
	STAT("system", system);
#undef STAT
}

/* --- entry ------------------------------------------------------------------- */

static void
v8r_init(struct v8r *r, struct heap *h)
{
	memset(r, 0, sizeof *r);
	r->h = h;
	r->t_hidden = heap_node_type_find(h, "hidden");
	r->t_array = heap_node_type_find(h, "array");
	r->t_object = heap_node_type_find(h, "object");
	r->t_native = heap_node_type_find(h, "native");
	r->t_string = heap_node_type_find(h, "string");
	r->t_cons = heap_node_type_find(h, "concatenated string");
	r->t_sliced = heap_node_type_find(h, "sliced string");
	r->t_code = heap_node_type_find(h, "code");
	r->t_synthetic = heap_node_type_find(h, "synthetic");
	r->t_closure = heap_node_type_find(h, "closure");
	r->t_regexp = heap_node_type_find(h, "regexp");
	r->e_element = heap_edge_type_find(h, "element");
	r->e_hidden = heap_edge_type_find(h, "hidden");
	r->e_internal = heap_edge_type_find(h, "internal");
	r->e_shortcut = heap_edge_type_find(h, "shortcut");
	r->e_weak = heap_edge_type_find(h, "weak");
	r->e_property = heap_edge_type_find(h, "property");
	/* Edge names are the file's strings, all there before any is added. */
	r->wm_state = xcalloc(strtab_count(&h->strings) + 1, 1);
}

static void
v8r_fini(struct v8r *r)
{
	free(r->flags);
	free(r->wm_state);
	free(r->gen_slots);
}

/* The steps analyze_heap() runs, some on two threads at once: each has
 * its own struct v8r (type indices, WeakMap-name cache). */

void
v8rules_dom_state(struct heap *h)
{
	struct v8r r;
	v8r_init(&r, h);
	propagate_dom_state(&r);
	v8r_fini(&r);
}

void
v8rules_retaining(struct heap *h, uint64_t **retaining, uint64_t **has_in)
{
	struct v8r r;
	v8r_init(&r, h);
	r.flags = xcalloc(h->node_count, 1);
	mark_page_owned(&r);
	*retaining = essential_edges(&r, has_in);
	v8r_fini(&r);
}

void
v8rules_shallow_sizes(struct heap *h)
{
	struct v8r r;
	v8r_init(&r, h);
	shallow_sizes(&r);
	v8r_fini(&r);
}

void
v8rules_distances(struct heap *h)
{
	struct v8r r;
	v8r_init(&r, h);
	distances(&r);
	v8r_fini(&r);
}

void
v8rules_class_names(struct heap *h)
{
	struct v8r r;
	v8r_init(&r, h);
	class_names(&r);
	v8r_fini(&r);
}

/* --- another dump's interface definitions (aggregatesForDiff) ------------------ */

/* A property name's text, from either heap, for ranking. */
struct ptext {
	const char *s;
	uint32_t len;
	uint32_t idx;		/* a definition property (from) or a string id (of h) */
	uint8_t from;		/* 1: a property of defs' definitions */
};

static int
ptext_cmp(const void *a, const void *b)
{
	const struct ptext *x = a, *y = b;
	return utf16_cmp(x->s, x->len, y->s, y->len);
}

uint32_t *
v8rules_interfaces_from(const struct heap *h, const struct heap *defs)
{
	const uint32_t n = h->node_count;
	const int t_object = heap_node_type_find(h, "object");
	const int e_property = heap_edge_type_find(h, "property");
	const size_t nstr = strtab_count(&h->strings);
	const uint32_t nprops = defs->interface_count
	                        ? defs->interfaces[defs->interface_count - 1].first +
	                          defs->interfaces[defs->interface_count - 1].count
	                        : 0;
	uint32_t *out = xmallocarray(n ? n : 1, sizeof *out);
	uint32_t *hrank = xmallocarray(nstr ? nstr : 1, sizeof *hrank);
	uint32_t *drank = xmallocarray(nprops ? nprops : 1, sizeof *drank);
	struct ptext *texts = NULL;
	size_t ntexts = 0, captexts = 0, capobj = 0;
	uint32_t *objprops = NULL, rank = 0;
	struct itrie trie;

	memset(out, 0xff, (size_t)n * sizeof *out);
	memset(hrank, 0xff, nstr * sizeof *hrank);
#define PLAIN(v) (t_object >= 0 && heap_node_type(h, v) == (uint8_t)t_object && NAME_IS(h, v, "Object"))
	/* Rank the property names of both by JavaScript's order, equal texts
	 * equal ranks: the definitions' and those of h's plain objects (from
	 * the root on, as allNodes() goes). */
	for (uint32_t k = 0; k < nprops; k++) {
		uint32_t id = defs->interface_props[k];
		XGROW(texts, captexts, ntexts + 1);
		texts[ntexts++] = (struct ptext){ heap_str(defs, id), strtab_len(&defs->strings, id), k, 1 };
	}
	for (uint32_t v = h->root; v < n; v++) {
		if (!PLAIN(v))
			continue;
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			uint32_t id = h->edge_name[e];
			if (!etype_is(h, e, e_property) || hrank[id] != HEAP_NONE)
				continue;
			hrank[id] = 0;
			XGROW(texts, captexts, ntexts + 1);
			texts[ntexts++] = (struct ptext){ heap_str(h, id), strtab_len(&h->strings, id), id, 0 };
		}
	}
	if (ntexts)
		qsort(texts, ntexts, sizeof *texts, ptext_cmp);
	for (size_t i = 0; i < ntexts; i++) {
		if (i > 0 && ptext_cmp(&texts[i - 1], &texts[i]) != 0)
			rank++;
		(texts[i].from ? drank : hrank)[texts[i].idx] = rank;
	}
	free(texts);

	itrie_init(&trie);
	for (uint32_t d = 0; d < defs->interface_count; d++)
		itrie_add(&trie, d, drank + defs->interfaces[d].first, defs->interfaces[d].count);
	for (uint32_t v = h->root; v < n; v++) {
		size_t nobj = 0;
		uint32_t best;
		if (!PLAIN(v))
			continue;
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1]; e++) {
			if (!etype_is(h, e, e_property))
				continue;
			XGROW(objprops, capobj, nobj + 1);
			objprops[nobj++] = hrank[h->edge_name[e]];
		}
		sort_u32(objprops, nobj);
		best = itrie_match(&trie, objprops, nobj);
		out[v] = best == HEAP_NONE ? defs->interface_count : best;
	}
#undef PLAIN
	itrie_free(&trie);
	free(objprops);
	free(drank);
	free(hrank);
	return out;
}

/* --- display names (JSHeapSnapshotNode.name) ----------------------------------- */

static void
buf_put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/* A concatenated string's text: its 'first' and 'second' parts, depth first,
 * up to 1024 characters (consStringName). */
static size_t
cons_string_name(const struct heap *h, uint32_t node, int t_cons, int e_internal,
                 char *buf, size_t size)
{
	uint32_t *stack = xmallocarray(64, sizeof *stack);
	size_t sp = 0, cap = 64, len = 0, u16 = 0, steps = 0;

	buf[0] = '\0';
	stack[sp++] = node;
	/* Bounded: a hostile file may make the parts a cycle. */
	while (sp && u16 < 1024 && steps++ < 100000) {
		uint32_t v = stack[--sp], first = 0, second = 0;
		bool have_first = false, have_second = false;
		if (!type_is(h, v, t_cons)) {
			uint32_t id = h->node_name[v];
			buf_put(buf, size, &len, heap_str(h, id), strtab_len(&h->strings, id));
			u16 += utf16_len(heap_str(h, id), strtab_len(&h->strings, id));
			continue;
		}
		for (uint32_t e = h->first_edge[v]; e < h->first_edge[v + 1] && (!have_first || !have_second); e++) {
			if (!etype_is(h, e, e_internal))
				continue;
			if (!have_first && str_is(h, h->edge_name[e], "first", 5)) {
				first = h->edge_to[e];
				have_first = true;
			} else if (!have_second && str_is(h, h->edge_name[e], "second", 6)) {
				second = h->edge_to[e];
				have_second = true;
			}
		}
		/* A missing part is node 0, as in DevTools. */
		if (sp + 2 > cap)
			XGROW(stack, cap, sp + 2);
		stack[sp++] = second;
		stack[sp++] = first;
	}
	free(stack);
	return len;
}

/* '{a, b, ..., y, z}': property names from both ends (#plainObjectName). */
static size_t
plain_object_name(const struct heap *h, uint32_t node, int e_property, char *buf, size_t size)
{
	struct sbuf start = { 0 }, end = { 0 }, fmt = { 0 }, tmp = { 0 };
	int64_t from = h->first_edge[node], to = (int64_t)h->first_edge[node + 1] - 1;
	bool from_end = false;
	size_t len = 0;

	sbuf_add(&start, "{", 1, 1);
	sbuf_add(&end, "}", 1, 1);
	while (from <= to) {
		uint32_t e = (uint32_t)(from_end ? to : from);
		if (!etype_is(h, e, e_property) || str_is(h, h->edge_name[e], "__proto__", 9)) {
			if (from_end)
				to--;
			else
				from++;
			continue;
		}
		format_property(h, h->edge_name[e], &fmt);
		if (start.u16 > 1 && start.u16 + end.u16 + fmt.u16 > 100)
			break;
		if (from_end) {
			to--;
			tmp.len = 0;
			tmp.u16 = 0;
			sbuf_add(&tmp, fmt.p, fmt.len, fmt.u16);
			if (end.u16 > 1)
				sbuf_add(&tmp, ", ", 2, 2);
			sbuf_add(&tmp, end.p, end.len, end.u16);
			end.len = 0;
			end.u16 = 0;
			sbuf_add(&end, tmp.p, tmp.len, tmp.u16);
		} else {
			from++;
			if (start.u16 > 1)
				sbuf_add(&start, ", ", 2, 2);
			sbuf_add(&start, fmt.p, fmt.len, fmt.u16);
		}
		from_end = !from_end;
	}
	if (from <= to)
		sbuf_add(&start, ", \xe2\x80\xa6", 5, 3);
	if (end.u16 > 1)
		sbuf_add(&start, ", ", 2, 2);
	buf[0] = '\0';
	buf_put(buf, size, &len, start.p, start.len);
	buf_put(buf, size, &len, end.p, end.len);
	free(start.p);
	free(end.p);
	free(fmt.p);
	free(tmp.p);
	return len;
}

size_t
v8rules_node_name(const struct heap *h, uint32_t node, char *buf, size_t size)
{
	const int t_cons = heap_node_type_find(h, "concatenated string");
	const int t_object = heap_node_type_find(h, "object");
	size_t len = 0;

	if (size == 0)
		return 0;
	if (type_is(h, node, t_cons))
		return cons_string_name(h, node, t_cons, heap_edge_type_find(h, "internal"), buf, size);
	if (type_is(h, node, t_object) && NAME_IS(h, node, "Object"))
		return plain_object_name(h, node, heap_edge_type_find(h, "property"), buf, size);
	buf[0] = '\0';
	buf_put(buf, size, &len, heap_node_name(h, node), strtab_len(&h->strings, h->node_name[node]));
	return len;
}
