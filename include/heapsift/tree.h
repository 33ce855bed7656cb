/* tree: navigation state of a view as a pane shows it — which rows are
 * expanded, the flat list of lines on screen, the cursor, the sort — with no
 * curses, so that it can be tested alone.
 *
 * Lines are a flat array; expanding a row inserts its children after it,
 * collapsing removes them.  Expansion and the cursor are remembered by row
 * id (view.h), so re-sorting rebuilds the lines and puts both back.
 * Children lists are sorted once per (row, column, direction) and cached:
 * going back to an earlier sort costs nothing.  A tree borrows its view and
 * owns its lines and caches; tree_free() releases them. */
#ifndef HEAPSIFT_TREE_H
#define HEAPSIFT_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapsift/view.h"

struct tline {
	struct vrow row;	/* for a "more" line: key is the parent's id */
	uint32_t depth;
	bool expanded;
	bool more;		/* "... N more": hidden rows of a long list */
	int8_t has_children;	/* -1: not asked yet */
	uint32_t hidden;	/* more lines: how many rows are not listed */
};

/* A set of row ids (open addressing). */
struct idset {
	uint64_t *v;
	size_t count, cap;
};

struct tree_cache;

struct tree {
	struct view *view;
	struct tline *lines;
	size_t n, cap;
	size_t cursor;		/* line index (0 when n == 0) */
	size_t top;		/* first line on screen */
	size_t col;		/* sort column */
	bool desc;
	size_t limit;		/* children listed per row; 0: all */
	size_t page;		/* longer lists show this many and a "more"
				 * line until asked for all; 0: no paging */
	char *filter;		/* top rows whose name contains it; NULL: all */
	struct idset expanded;	/* expanded rows */
	struct idset full;	/* rows (EMPTY: the top) whose list is shown whole */
	struct tree_cache *cache;
};

/* limit: children listed per row (top rows included), no more; 0: all.
 * page: lists longer than this show their first page rows (best first, in
 * the sort order) and a "more" line; 0: no paging.  Paging bounds what one
 * key costs: the rest is not sorted or listed until asked for. */
void tree_init(struct tree *t, struct view *v, size_t limit, size_t page);
void tree_free(struct tree *t);

/* Rebuilds the lines from the top rows and the expanded set, and puts the
 * cursor back on the row it was on (or the nearest line). */
void tree_rebuild(struct tree *t);

bool tree_has_children(struct tree *t, size_t line);
/* On a "more" line: lists the whole list it stands for. */
void tree_more(struct tree *t, size_t line);
/* Expands / collapses the row at line (no-op when it cannot). */
void tree_expand(struct tree *t, size_t line);
void tree_collapse(struct tree *t, size_t line);
/* Line of the row's parent, or the line itself at depth 0. */
size_t tree_parent(const struct tree *t, size_t line);

/* Sorts by col (descending if desc), keeping expansion and cursor. */
void tree_sort(struct tree *t, size_t col, bool desc);

/* Moves the cursor by delta lines (clamped) and keeps it in a window of
 * rows lines starting at t->top. */
void tree_move(struct tree *t, long delta, size_t rows);
void tree_set_cursor(struct tree *t, size_t line, size_t rows);
/* Puts the cursor on the line showing id; false if none does. */
bool tree_select_id(struct tree *t, uint64_t id, size_t rows);

/* Keeps only the top rows whose name contains text (case-insensitively;
 * NULL or "" shows all again), keeping expansion and the cursor. */
void tree_filter(struct tree *t, const char *text);

/* The next line (after the cursor, wrapping; before it if backward) whose
 * name column contains needle, case-insensitively; SIZE_MAX if none. */
size_t tree_find(struct tree *t, const char *needle, bool backward);

/* The row under the cursor; NULL when none (or a "more" line). */
static inline const struct vrow *
tree_cursor_row(const struct tree *t)
{
	return t->n && !t->lines[t->cursor].more ? &t->lines[t->cursor].row : NULL;
}

/* Where a user was, to come back to it (Backspace): a pane, the object it
 * was about, the row under the cursor.  The history owns its entries. */
struct place {
	int pane;
	uint32_t subject;
	uint64_t row;
};

struct history {
	struct place *v;
	size_t n, cap, max;	/* max: oldest dropped beyond it (0: no limit) */
};

void history_push(struct history *h, struct place p);
/* false when empty */
bool history_pop(struct history *h, struct place *out);
void history_free(struct history *h);

#endif
