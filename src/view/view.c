#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heapsift/analyze.h"
#include "heapsift/arena.h"
#include "heapsift/heap.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

const struct view_ops *const heap_views[] = {
	&view_summary,
	&view_classes,
	&view_dominators,
	&view_objects,
	NULL,
};

const struct view_ops *
view_find(const char *name)
{
	for (size_t i = 0; heap_views[i]; i++)
		if (strcmp(heap_views[i]->name, name) == 0)
			return heap_views[i];
	return NULL;
}

struct view *
view_new(const struct view_ops *ops, struct heap *h)
{
	struct view *v = xcalloc(1, sizeof *v);
	v->ops = ops;
	v->heap = h;
	if (ops->init)
		ops->init(v);
	return v;
}

void
view_free(struct view *v)
{
	if (v == NULL)
		return;
	if (v->ops->fini)
		v->ops->fini(v);
	free(v);
}

int
view_col_find(const struct view *v, const char *name)
{
	for (size_t i = 0; i < v->ops->ncols; i++)
		if (strcmp(v->ops->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

uint64_t
view_child_id(uint64_t parent_id, uint64_t key)
{
	uint64_t x = parent_id * 0x9e3779b97f4a7c15ULL ^ key;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x | 1;	/* never 0 */
}

void
vrows_push(struct vrows *r, uint64_t key)
{
	XGROW(r->v, r->cap, r->n + 1);
	r->v[r->n].key = key;
	r->v[r->n].id = key;
	r->n++;
}

void
vrows_clear(struct vrows *r)
{
	r->n = 0;
}

void
vrows_free(struct vrows *r)
{
	free(r->v);
	memset(r, 0, sizeof *r);
}

void
cell_textn(struct view *v, struct cell *c, const char *s, size_t n)
{
	memset(c, 0, sizeof *c);
	c->type = COL_TEXT;
	if (n >= sizeof v->text)
		n = sizeof v->text - 1;
	if (s != v->text)
		memmove(v->text, s, n);
	v->text[n] = '\0';
	c->s = v->text;
	c->len = n;
}

void
cell_text(struct view *v, struct cell *c, const char *s)
{
	cell_textn(v, c, s, strlen(s));
}

void
cell_u(struct cell *c, enum col_type t, uint64_t u)
{
	memset(c, 0, sizeof *c);
	c->type = t;
	c->u = u;
}

void
cell_i(struct cell *c, int64_t i)
{
	memset(c, 0, sizeof *c);
	c->type = COL_INT;
	c->i = i;
}

void
cell_pct(struct cell *c, double d)
{
	memset(c, 0, sizeof *c);
	c->type = COL_PERCENT;
	c->d = d;
}

void
view_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out)
{
	memset(out, 0, sizeof *out);
	out->type = v->ops->cols[col].type;
	v->ops->cell(v, row, col, out);
}

bool
view_has_children(struct view *v, const struct vrow *row)
{
	return v->ops->tree && v->ops->has_children && v->ops->has_children(v, row);
}

size_t
heap_display_name(const struct heap *h, uint32_t node, char *buf, size_t size)
{
	size_t n;
	if (h->rules == HEAP_RULES_V8)
		return v8rules_node_name(h, node, buf, size);
	n = strlen(heap_node_name(h, node));
	if (size == 0)
		return 0;
	if (n >= size)
		n = size - 1;
	memcpy(buf, heap_node_name(h, node), n);
	buf[n] = '\0';
	return n;
}

/* --- sorting ----------------------------------------------------------------- */

struct skey {
	bool empty;
	enum col_type type;
	uint64_t u;
	int64_t i;
	double d;
	const char *s;
	size_t len;
};

struct srow {
	struct skey a, b;
	struct vrow row;
};

struct sortctx {
	bool adesc, bdesc;
};

static int
skey_cmp(const struct skey *x, const struct skey *y, bool desc)
{
	int c = 0;
	/* Rows without a value go last, whatever the direction. */
	if (x->empty || y->empty)
		return x->empty == y->empty ? 0 : x->empty ? 1 : -1;
	switch (x->type) {
	case COL_TEXT: {
		size_t n = x->len < y->len ? x->len : y->len;
		c = memcmp(x->s, y->s, n);
		if (c == 0)
			c = x->len < y->len ? -1 : x->len > y->len;
		c = c < 0 ? -1 : c > 0;
		break;
	}
	case COL_PERCENT:
		c = x->d < y->d ? -1 : x->d > y->d;
		break;
	case COL_INT:
		c = x->i < y->i ? -1 : x->i > y->i;
		break;
	default:
		c = x->u < y->u ? -1 : x->u > y->u;
		break;
	}
	return desc ? -c : c;
}

static int
srow_cmp(const void *pa, const void *pb, void *pctx)
{
	const struct srow *x = pa, *y = pb;
	const struct sortctx *ctx = pctx;
	int c = skey_cmp(&x->a, &y->a, ctx->adesc);
	if (c)
		return c;
	c = skey_cmp(&x->b, &y->b, ctx->bdesc);
	if (c)
		return c;
	return x->row.key < y->row.key ? -1 : x->row.key > y->row.key;
}

static void
skey_fill(struct view *v, const struct vrow *row, size_t col, struct skey *k, struct arena *a)
{
	struct cell c;
	view_cell(v, row, col, &c);
	k->empty = c.empty;
	k->type = c.type;
	k->u = c.u;
	k->i = c.i;
	k->d = c.d;
	k->s = NULL;
	k->len = 0;
	if (c.type == COL_TEXT && !c.empty) {
		k->s = arena_strndup(a, c.s, c.len);
		k->len = c.len;
	}
}

/* Keeps the `limit` smallest rows (in srow_cmp order) in a max-heap. */
static void
heap_sift_down(struct srow *h, size_t n, size_t i, struct sortctx *ctx)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && srow_cmp(&h[l], &h[m], ctx) > 0)
			m = l;
		if (r < n && srow_cmp(&h[r], &h[m], ctx) > 0)
			m = r;
		if (m == i)
			return;
		struct srow t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static size_t
sort_rows(struct view *v, struct vrow *rows, size_t n, size_t col, bool desc, size_t limit)
{
	const struct view_ops *ops = v->ops;
	struct sortctx ctx = { desc, ops->default_desc };
	struct arena a;
	struct srow *s;
	size_t keep = limit && limit < n ? limit : n;

	if (n == 0)
		return 0;
	arena_init(&a);
	if (keep < n) {
		/* Top `limit` of many: a bounded heap, O(n log limit). */
		struct srow cur;
		size_t hn = 0;
		s = xmallocarray(keep, sizeof *s);
		for (size_t i = 0; i < n; i++) {
			cur.row = rows[i];
			skey_fill(v, &rows[i], col, &cur.a, &a);
			skey_fill(v, &rows[i], ops->default_sort, &cur.b, &a);
			if (hn < keep) {
				size_t j = hn++;
				s[j] = cur;
				while (j > 0 && srow_cmp(&s[(j - 1) / 2], &s[j], &ctx) < 0) {
					struct srow t = s[j];
					s[j] = s[(j - 1) / 2];
					s[(j - 1) / 2] = t;
					j = (j - 1) / 2;
				}
			} else if (srow_cmp(&cur, &s[0], &ctx) < 0) {
				s[0] = cur;
				heap_sift_down(s, hn, 0, &ctx);
			}
			/* Text keys of rejected rows stay in the arena until the end:
			 * bounded by the rows' text, freed below. */
		}
	} else {
		s = xmallocarray(n, sizeof *s);
		for (size_t i = 0; i < n; i++) {
			s[i].row = rows[i];
			skey_fill(v, &rows[i], col, &s[i].a, &a);
			skey_fill(v, &rows[i], ops->default_sort, &s[i].b, &a);
		}
	}
	qsort_r(s, keep, sizeof *s, srow_cmp, &ctx);
	for (size_t i = 0; i < keep; i++)
		rows[i] = s[i].row;
	free(s);
	arena_free(&a);
	return keep;
}

void
view_sort(struct view *v, struct vrow *rows, size_t n, size_t col, bool desc)
{
	sort_rows(v, rows, n, col, desc, 0);
}

static void
children_ids(struct view *v, const struct vrow *parent, struct vrows *out, size_t from)
{
	(void)v;
	for (size_t i = from; i < out->n; i++)
		out->v[i].id = parent ? view_child_id(parent->id, out->v[i].key) : out->v[i].key;
}

void
view_children(struct view *v, const struct vrow *parent, size_t col, bool desc,
              struct vrows *out)
{
	view_children_top(v, parent, col, desc, 0, out);
}

void
view_children_top(struct view *v, const struct vrow *parent, size_t col, bool desc,
                  size_t limit, struct vrows *out)
{
	size_t from = out->n;

	v->ops->children(v, parent, out);
	children_ids(v, parent, out, from);
	if (v->ops->record)
		return;	/* name/value rows keep their order */
	out->n = from + sort_rows(v, out->v + from, out->n - from, col, desc, limit);
}
