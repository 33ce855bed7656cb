#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/tree.h"
#include "heapsift/xalloc.h"

/* --- the set of expanded ids (linear probing, backward-shift deletion) ---- */

#define EMPTY UINT64_MAX	/* the id UINT64_MAX is mapped to UINT64_MAX - 1 */

static inline uint64_t
set_key(uint64_t id)
{
	return id == EMPTY ? EMPTY - 1 : id;
}

static inline size_t
set_slot(uint64_t key, size_t cap)
{
	uint64_t x = key * 0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 17) & (cap - 1);
}

static bool
set_has(const struct idset *st, uint64_t id)
{
	uint64_t k = set_key(id);
	size_t i;
	if (st->cap == 0)
		return false;
	for (i = set_slot(k, st->cap); st->v[i] != EMPTY; i = (i + 1) & (st->cap - 1))
		if (st->v[i] == k)
			return true;
	return false;
}

static void
set_add(struct idset *st, uint64_t id)
{
	uint64_t k = set_key(id);
	size_t i;
	if ((st->count + 1) * 2 > st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		uint64_t *old = st->v;
		size_t oldcap = st->cap;
		st->v = xmallocarray(cap, sizeof *st->v);
		for (size_t j = 0; j < cap; j++)
			st->v[j] = EMPTY;
		st->cap = cap;
		st->count = 0;
		for (size_t j = 0; j < oldcap; j++)
			if (old[j] != EMPTY)
				set_add(st, old[j]);
		free(old);
	}
	for (i = set_slot(k, st->cap); st->v[i] != EMPTY; i = (i + 1) & (st->cap - 1))
		if (st->v[i] == k)
			return;
	st->v[i] = k;
	st->count++;
}

static void
set_del(struct idset *st, uint64_t id)
{
	uint64_t k = set_key(id);
	size_t mask = st->cap - 1, i, j;
	if (st->cap == 0)
		return;
	for (i = set_slot(k, st->cap); st->v[i] != k; i = (i + 1) & mask)
		if (st->v[i] == EMPTY)
			return;
	/* Shift later members of the run back into the hole. */
	j = i;
	for (;;) {
		size_t home;
		j = (j + 1) & mask;
		if (st->v[j] == EMPTY)
			break;
		home = set_slot(st->v[j], st->cap);
		/* Move j to i if its home is not in (i, j] cyclically. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			st->v[i] = st->v[j];
			i = j;
		}
	}
	st->v[i] = EMPTY;
	st->count--;
}

/* --- sorted children, cached per (parent, column, direction) -------------- */

struct centry {
	uint64_t parent;	/* parent id, or EMPTY for the top rows */
	size_t col;
	bool desc;
	bool paged;		/* rows holds the first page of total */
	size_t total;
	struct vrows rows;
};

struct tree_cache {
	struct centry *e;
	size_t n, cap;		/* open addressing; cap a power of two */
};

static size_t
cache_slot(uint64_t parent, size_t col, bool desc, size_t cap)
{
	uint64_t x = (parent ^ ((uint64_t)col << 1 | desc)) * 0xff51afd7ed558ccdULL;
	return (size_t)(x >> 21) & (cap - 1);
}

static struct centry *
cache_get(struct tree *t, const struct vrow *parent)
{
	struct tree_cache *c = t->cache;
	uint64_t pid = parent ? parent->id : EMPTY;
	size_t i;
	struct centry *e;

	if ((c->n + 1) * 2 > c->cap) {
		struct centry *old = c->e;
		size_t oldcap = c->cap;
		c->cap = c->cap ? c->cap * 2 : 64;
		c->e = xcalloc(c->cap, sizeof *c->e);
		for (size_t k = 0; k < oldcap; k++) {
			if (old[k].rows.v == NULL)
				continue;
			i = cache_slot(old[k].parent, old[k].col, old[k].desc, c->cap);
			while (c->e[i].rows.v != NULL)
				i = (i + 1) & (c->cap - 1);
			c->e[i] = old[k];
		}
		free(old);
	}
	/* a filter looks through all the top rows, not the first page */
	bool whole = t->page == 0 || set_has(&t->full, pid) || (parent == NULL && t->filter);
	size_t limit = t->limit;
	i = cache_slot(pid, t->col, t->desc, c->cap);
	for (; c->e[i].rows.v != NULL; i = (i + 1) & (c->cap - 1)) {
		e = &c->e[i];
		if (e->parent == pid && e->col == t->col && e->desc == t->desc) {
			if (e->paged && whole) {	/* asked for all since */
				vrows_clear(&e->rows);
				goto fill;
			}
			return e;
		}
	}
	e = &c->e[i];
	e->parent = pid;
	e->col = t->col;
	e->desc = t->desc;
	memset(&e->rows, 0, sizeof e->rows);
	c->n++;
fill:
	if (!whole && (limit == 0 || limit > t->page))
		limit = t->page;
	e->total = view_children_top(t->view, parent, t->col, t->desc, limit, &e->rows);
	/* a hard limit (t->limit) is not paging: no "more" line for it */
	e->paged = !whole && e->rows.n < e->total && limit == t->page;
	if (e->rows.v == NULL)
		e->rows.v = xmalloc(1);	/* marks the slot used even when empty */
	return e;
}

/* --- lines ------------------------------------------------------------------- */

void
tree_init(struct tree *t, struct view *v, size_t limit, size_t page)
{
	memset(t, 0, sizeof *t);
	t->view = v;
	t->limit = limit;
	t->page = page;
	t->col = v->default_sort;
	t->desc = v->default_desc;
	t->cache = xcalloc(1, sizeof *t->cache);
	tree_rebuild(t);
}

void
tree_free(struct tree *t)
{
	if (t->cache) {
		for (size_t i = 0; i < t->cache->cap; i++)
			free(t->cache->e[i].rows.v);
		free(t->cache->e);
		free(t->cache);
	}
	free(t->lines);
	free(t->expanded.v);
	free(t->full.v);
	free(t->filter);
	memset(t, 0, sizeof *t);
}

void
tree_more(struct tree *t, size_t line)
{
	if (line >= t->n || !t->lines[line].more)
		return;
	set_add(&t->full, t->lines[line].row.key);
	tree_rebuild(t);	/* the cursor stays at this position: the next row */
}

void
tree_filter(struct tree *t, const char *text)
{
	free(t->filter);
	t->filter = text && *text ? xstrdup(text) : NULL;
	tree_rebuild(t);
}

/* Appends the rows of parent's children (and, depth first, of those
 * expanded) to out, iteratively. */
struct frame {
	struct vrows rows;	/* a copy: the cache may move its entries, not the rows */
	size_t i;
	uint32_t depth;
	uint64_t parent;	/* parent id (EMPTY: the top) */
	size_t hidden;		/* rows past the page, for the "more" line */
	bool more_done;
};

/* The id of a "more" line: derived from its parent's, never a row's. */
static uint64_t
more_id(uint64_t parent)
{
	return view_child_id(parent, UINT64_MAX - 1) ^ 0x5a5a5a5a5a5a5a5aULL;
}

static void
frame_set(struct frame *f, const struct centry *e, uint32_t depth, uint64_t parent)
{
	f->rows = e->rows;
	f->i = 0;
	f->depth = depth;
	f->parent = parent;
	f->hidden = e->paged ? e->total - e->rows.n : 0;
	f->more_done = false;
}

static bool contains_ci(const char *hay, size_t n, const char *needle);

static bool
filtered_out(struct tree *t, const struct vrow *row)
{
	int col;
	struct cell c;
	struct vrow r = *row;
	if (t->filter == NULL || (col = view_col_find(t->view, "name")) < 0)
		return false;
	view_cell(t->view, &r, (size_t)col, &c);
	return c.empty || !contains_ci(c.s, c.len, t->filter);
}

static void
emit_subtree(struct tree *t, const struct vrow *parent, uint32_t depth, struct tline **out,
             size_t *n, size_t *cap)
{
	struct frame *stack = NULL;
	size_t sp = 0, scap = 0;

	XGROW(stack, scap, 1);
	frame_set(&stack[0], cache_get(t, parent), depth, parent ? parent->id : EMPTY);
	sp = 1;
	while (sp) {
		struct frame *f = &stack[sp - 1];
		struct tline *l;
		if (f->i == f->rows.n) {
			if (f->hidden && !f->more_done) {
				XGROW(*out, *cap, *n + 1);
				l = &(*out)[(*n)++];
				memset(l, 0, sizeof *l);
				l->more = true;
				l->hidden = f->hidden > UINT32_MAX ? UINT32_MAX : (uint32_t)f->hidden;
				l->row.key = f->parent;
				l->row.id = more_id(f->parent);
				l->depth = f->depth;
				l->has_children = 0;
				f->more_done = true;
				continue;
			}
			sp--;
			continue;
		}
		if (sp == 1 && parent == NULL && filtered_out(t, &f->rows.v[f->i])) {
			f->i++;
			continue;
		}
		XGROW(*out, *cap, *n + 1);
		l = &(*out)[(*n)++];
		l->row = f->rows.v[f->i++];
		l->depth = f->depth;
		l->expanded = false;
		l->more = false;
		l->hidden = 0;
		l->has_children = -1;
		if (t->view->ops->tree && set_has(&t->expanded, l->row.id)) {
			struct vrow row = l->row;
			if (view_has_children(t->view, &row)) {
				uint32_t d = f->depth + 1;
				l->expanded = true;
				l->has_children = 1;
				XGROW(stack, scap, sp + 1);
				frame_set(&stack[sp], cache_get(t, &row), d, row.id);
				sp++;
			}
		}
	}
	free(stack);
}

void
tree_rebuild(struct tree *t)
{
	uint64_t cur = t->n ? t->lines[t->cursor].row.id : 0;
	bool had = t->n != 0;
	size_t old_cursor = t->cursor;

	t->n = 0;
	emit_subtree(t, NULL, 0, &t->lines, &t->n, &t->cap);
	t->cursor = 0;
	if (had) {
		size_t i;
		for (i = 0; i < t->n; i++)
			if (t->lines[i].row.id == cur)
				break;
		t->cursor = i < t->n ? i : (old_cursor < t->n ? old_cursor : (t->n ? t->n - 1 : 0));
	}
	if (t->top > t->cursor)
		t->top = t->cursor;
}

bool
tree_has_children(struct tree *t, size_t line)
{
	struct tline *l;
	if (line >= t->n || !t->view->ops->tree || t->lines[line].more)
		return false;
	l = &t->lines[line];
	if (l->has_children < 0) {
		struct vrow row = l->row;
		l->has_children = view_has_children(t->view, &row) ? 1 : 0;
	}
	return l->has_children == 1;
}

void
tree_expand(struct tree *t, size_t line)
{
	struct tline *sub = NULL;
	size_t n = 0, cap = 0;
	struct vrow row;
	uint32_t depth;

	if (line < t->n && t->lines[line].more) {
		tree_more(t, line);
		return;
	}
	if (line >= t->n || t->lines[line].expanded || !tree_has_children(t, line))
		return;
	row = t->lines[line].row;
	depth = t->lines[line].depth;
	set_add(&t->expanded, row.id);
	t->lines[line].expanded = true;
	emit_subtree(t, &row, depth + 1, &sub, &n, &cap);
	if (n == 0) {
		free(sub);
		return;
	}
	XGROW(t->lines, t->cap, t->n + n);
	memmove(&t->lines[line + 1 + n], &t->lines[line + 1], (t->n - line - 1) * sizeof *t->lines);
	memcpy(&t->lines[line + 1], sub, n * sizeof *sub);
	t->n += n;
	if (t->cursor > line)
		t->cursor += n;
	free(sub);
}

void
tree_collapse(struct tree *t, size_t line)
{
	size_t end;
	uint32_t depth;

	if (line >= t->n || !t->lines[line].expanded)
		return;
	depth = t->lines[line].depth;
	set_del(&t->expanded, t->lines[line].row.id);
	t->lines[line].expanded = false;
	for (end = line + 1; end < t->n && t->lines[end].depth > depth; end++)
		;
	memmove(&t->lines[line + 1], &t->lines[end], (t->n - end) * sizeof *t->lines);
	if (t->cursor >= end)
		t->cursor -= end - line - 1;
	else if (t->cursor > line)
		t->cursor = line;
	t->n -= end - line - 1;
	if (t->top > t->cursor)
		t->top = t->cursor;
}

size_t
tree_parent(const struct tree *t, size_t line)
{
	uint32_t depth;
	if (line >= t->n || t->lines[line].depth == 0)
		return line;
	depth = t->lines[line].depth;
	while (line > 0 && t->lines[line].depth >= depth)
		line--;
	return line;
}

void
tree_sort(struct tree *t, size_t col, bool desc)
{
	if (col >= t->view->ncols)
		return;
	t->col = col;
	t->desc = desc;
	tree_rebuild(t);
}

void
tree_set_cursor(struct tree *t, size_t line, size_t rows)
{
	if (t->n == 0) {
		t->cursor = t->top = 0;
		return;
	}
	if (line >= t->n)
		line = t->n - 1;
	t->cursor = line;
	if (rows == 0)
		rows = 1;
	if (t->cursor < t->top)
		t->top = t->cursor;
	else if (t->cursor >= t->top + rows)
		t->top = t->cursor - rows + 1;
	if (t->top + rows > t->n)
		t->top = t->n > rows ? t->n - rows : 0;
}

void
tree_move(struct tree *t, long delta, size_t rows)
{
	size_t line;
	if (delta < 0)
		line = (size_t)-delta > t->cursor ? 0 : t->cursor - (size_t)-delta;
	else
		line = t->cursor + (size_t)delta;
	tree_set_cursor(t, line, rows);
}

bool
tree_select_id(struct tree *t, uint64_t id, size_t rows)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->lines[i].row.id == id) {
			tree_set_cursor(t, i, rows);
			return true;
		}
	return false;
}

static bool
contains_ci(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (m == 0)
		return true;
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m && tolower((unsigned char)hay[i + k]) == tolower((unsigned char)needle[k]))
			k++;
		if (k == m)
			return true;
	}
	return false;
}

size_t
tree_find(struct tree *t, const char *needle, bool backward)
{
	int col = view_col_find(t->view, "name");
	if (t->n == 0 || col < 0)
		return SIZE_MAX;
	for (size_t k = 1; k <= t->n; k++) {
		size_t i = backward ? (t->cursor + t->n - k) % t->n : (t->cursor + k) % t->n;
		struct cell c;
		struct vrow row = t->lines[i].row;
		if (t->lines[i].more)
			continue;
		view_cell(t->view, &row, (size_t)col, &c);
		if (!c.empty && contains_ci(c.s, c.len, needle))
			return i;
	}
	return SIZE_MAX;
}

void
history_push(struct history *h, struct place p)
{
	if (h->max && h->n == h->max) {
		memmove(h->v, h->v + 1, (h->n - 1) * sizeof *h->v);
		h->n--;
	}
	XGROW(h->v, h->cap, h->n + 1);
	h->v[h->n++] = p;
}

bool
history_pop(struct history *h, struct place *out)
{
	if (h->n == 0)
		return false;
	*out = h->v[--h->n];
	return true;
}

void
history_free(struct history *h)
{
	free(h->v);
	memset(h, 0, sizeof *h);
}
