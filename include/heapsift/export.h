/* export: writes a view (view.h) as text, CSV, TSV or JSON — the same rows
 * the TUI shows.  Trees are walked iteratively to the requested depth, each
 * level sorted and cut to the top N.  Borrows the view; writes to out. */
#ifndef HEAPSIFT_EXPORT_H
#define HEAPSIFT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "heapsift/view.h"

enum export_format { EXPORT_TEXT, EXPORT_CSV, EXPORT_TSV, EXPORT_JSON };

struct export_opts {
	enum export_format format;
	size_t top;		/* rows per level; 0: all */
	unsigned depth;		/* tree levels written; 1: top rows only */
	int sort;		/* column index; -1: the view's default */
	int desc;		/* -1: the column's natural order */
	bool no_header;		/* CSV/TSV/text: leave out the header line */
};

void export_opts_init(struct export_opts *o);
/* "csv" -> EXPORT_CSV...; false if unknown. */
bool export_format_parse(const char *s, enum export_format *out);
/* "retained_size", "name:asc", "count:desc" -> o->sort, o->desc; false if the
 * view has no such column. */
bool export_sort_parse(const struct view *v, const char *s, struct export_opts *o);

/* Writes the view.  Returns 0, or -1 on a write error (errno set). */
int export_view(struct view *v, const struct export_opts *o, FILE *out);

/* JSON string literal of s (n bytes), valid UTF-8 whatever s holds. */
void export_json_string(FILE *out, const char *s, size_t n);

#endif
