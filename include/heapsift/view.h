/* view: every pane is a view — given an analysed model, a tree of rows with
 * typed columns, children produced on demand.  The TUI draws views and the
 * exporters serialise the same views, so whatever a pane shows
 * `heapsift export --view NAME` writes.
 *
 * A row is a (key, id) pair.  The key is the view's own handle on what the
 * row shows (a node index, a class, an edge...).  The id is stable and unique
 * along the row's path (the same object can show up twice in a tree): top
 * rows take their key as id, children a hash of their parent's id and their
 * key.  Re-sorting and filtering keep ids, so the TUI restores cursor and
 * expansion by id (tmux mode-tree.c).
 *
 * Sorting: by one column, then the view's default column, then the row key,
 * so that output is deterministic (ncdu's dirlist_cmp tie-break chain).
 *
 * Ownership: a struct view borrows its model (which must outlive it) and owns
 * its private caches; view_free() releases them.  Row vectors belong to
 * whoever created them. */
#ifndef HEAPSIFT_VIEW_H
#define HEAPSIFT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct heap;
struct trace;
struct diff;

enum col_type {
	COL_TEXT,	/* string */
	COL_COUNT,	/* unsigned integer: objects, edges */
	COL_BYTES,	/* unsigned integer, bytes (the TUI shows KiB, MiB) */
	COL_PERCENT,	/* double, 0-100 */
	COL_ID,		/* unsigned integer: an object id from the dump */
	COL_INT,	/* signed integer (distance, depth) */
};

struct view_col {
	const char *name;	/* CSV header, JSON key, --sort NAME */
	const char *title;	/* column header on screen and in text output */
	enum col_type type;
	const char *help;	/* one line, for the man page */
};

struct cell {
	enum col_type type;
	bool empty;		/* no value (e.g. a distance that does not apply) */
	uint64_t u;		/* COUNT, BYTES, ID */
	bool hex;		/* ID: an address, 0x... but in JSON (heap_format_id) */
	int64_t i;		/* INT */
	double d;		/* PERCENT */
	const char *s;		/* TEXT: valid until the next cell() on this view */
	size_t len;
};

struct vrow {
	uint64_t key;
	uint64_t id;
};

struct vrows {
	struct vrow *v;
	size_t n, cap;
};

#define VIEW_MAX_COLS 32

struct view;

struct view_ops {
	const char *name;	/* CLI name: --view NAME */
	const char *title;	/* pane title */
	const char *help;	/* one line, for --help and the man page */
	const struct view_col *cols;
	size_t ncols;
	size_t default_sort;	/* column index */
	bool default_desc;
	bool tree;		/* rows can have children */
	bool record;		/* name/value rows: a JSON object, not an array */
	bool needs_subject;	/* about one object (struct view.subject) */

	/* Allocates view->priv (may be NULL when nothing is cached). */
	void (*init)(struct view *v);
	/* Optional, after init: the columns this view shows, when not all of
	 * cols (view_cols_keep); names may be changed in v->colbuf. */
	void (*columns)(struct view *v);
	void (*fini)(struct view *v);
	/* Appends the keys of parent's children (parent NULL: the top rows), in
	 * any order; ids are filled in by the caller. */
	void (*children)(struct view *v, const struct vrow *parent, struct vrows *out);
	/* (children may order its own data on first use: it is not const) */
	/* Optional, for views with very many rows: the top rows by index, so
	 * that picking the first N never lists them all.  key_at returns
	 * VIEW_SKIP for an index that is not a row (a filtered one). */
	size_t (*top_count)(struct view *v);
	uint64_t (*top_key_at)(struct view *v, size_t i);
	bool (*has_children)(struct view *v, const struct vrow *row);
	/* Optional: children() already lists parent's children in this order
	 * (ties broken as view_sort would), so no sort is needed. */
	bool (*children_sorted)(struct view *v, const struct vrow *parent, size_t col, bool desc);
	/* Optional, with children_sorted: only the first limit (0: all) of
	 * parent's children in that order; returns how many there are in all.
	 * So that opening a class of millions of instances costs a page. */
	size_t (*children_first)(struct view *v, const struct vrow *parent, size_t limit,
	                         struct vrows *out);
	void (*cell)(struct view *v, const struct vrow *row, size_t col, struct cell *out);
	/* The object (node index) a row stands for, or HEAP_NONE (a class, a
	 * summary line).  NULL: rows are not objects. */
	uint32_t (*row_object)(struct view *v, const struct vrow *row);
};

#define VIEW_SKIP UINT64_MAX

/* view flags */
#define VIEW_SKIP_SYNTHETIC 0x1	/* objects: leave out the root and synthetic nodes */

struct view {
	const struct view_ops *ops;
	struct heap *heap;	/* a heap view's model */
	struct trace *trace;	/* a trace view's model */
	struct diff *diff;	/* a diff view's */
	void *priv;
	unsigned flags;
	uint32_t subject;	/* the object of retainers/inspect; HEAP_NONE if none */
	/* the columns shown: ops->cols, or some of them (ops->columns);
	 * column indices everywhere are into these; cell() gets colmap[i] */
	const struct view_col *cols;
	size_t ncols;
	size_t default_sort;
	bool default_desc;
	uint8_t colmap[VIEW_MAX_COLS];
	struct view_col colbuf[VIEW_MAX_COLS];
	char text[1024];	/* scratch for TEXT cells */
};

/* For ops->columns: show only the columns whose bit is set in keep (bit i:
 * ops->cols[i]), copied to v->colbuf.  The default sort follows its
 * column, or becomes the first kept numeric one. */
void view_cols_keep(struct view *v, uint64_t keep);

extern const struct view_ops *const heap_views[];
extern const struct view_ops *const trace_views[];

const struct view_ops *view_find(const char *name);
const struct view_ops *trace_view_find(const char *name);

/* Creates a view over an analysed heap. */
struct view *view_new(const struct view_ops *ops, struct heap *h);
/* Creates a view over a loaded trace. */
struct view *view_new_trace(const struct view_ops *ops, struct trace *t);
/* The diff view of d (heaps or traces). */
struct view *view_new_diff(struct diff *d);
void view_free(struct view *v);

/* Column index by name, or -1. */
int view_col_find(const struct view *v, const char *name);

/* Children of parent (NULL: top rows) with their ids, sorted by column col
 * (descending if desc). */
void view_children(struct view *v, const struct vrow *parent, size_t col, bool desc,
                   struct vrows *out);
/* The same, keeping only the first limit rows (0: all); O(n log limit).
 * Returns how many children there are in all. */
size_t view_children_top(struct view *v, const struct vrow *parent, size_t col, bool desc,
                         size_t limit, struct vrows *out);
bool view_has_children(struct view *v, const struct vrow *row);
void view_cell(struct view *v, const struct vrow *row, size_t col, struct cell *out);
uint32_t view_row_object(struct view *v, const struct vrow *row);

/* Sorts rows in place (the tie-break chain above). */
void view_sort(struct view *v, struct vrow *rows, size_t n, size_t col, bool desc);

uint64_t view_child_id(uint64_t parent_id, uint64_t key);

void vrows_push(struct vrows *r, uint64_t key);
void vrows_reserve(struct vrows *r, size_t extra);
void vrows_clear(struct vrows *r);
void vrows_free(struct vrows *r);

/* Cell helpers for view implementations. */
void cell_text(struct view *v, struct cell *c, const char *s);
void cell_textn(struct view *v, struct cell *c, const char *s, size_t n);
void cell_u(struct cell *c, enum col_type t, uint64_t u);
void cell_i(struct cell *c, int64_t i);
void cell_pct(struct cell *c, double d);

/* Shared by the heap views. */
size_t heap_display_name(const struct heap *h, uint32_t node, char *buf, size_t size);

/* Individual views. */
extern const struct view_ops view_summary;
extern const struct view_ops view_classes;
extern const struct view_ops view_dominators;
extern const struct view_ops view_objects;
extern const struct view_ops view_retainers;
extern const struct view_ops view_inspect;
extern const struct view_ops view_suspects;
extern const struct view_ops view_trace_summary;
extern const struct view_ops view_callsites;
extern const struct view_ops view_calltree;
extern const struct view_ops view_callers;
extern const struct view_ops view_timeline;
extern const struct view_ops view_sizes;
extern const struct view_ops view_diff_heap;
extern const struct view_ops view_diff_trace;
extern const struct view_ops view_leaks;

#endif
