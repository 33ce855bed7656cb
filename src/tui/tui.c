/* The interactive front end (ncursesw).
 *
 * Panes are trees over views (tree.h): drawing touches only the lines on
 * screen, expanding builds one level of children (sorted once and cached),
 * so no key costs time proportional to the dump.  Keys map to commands
 * through the table in keys.def; a command's handler returns what to do
 * next (redraw, quit) and the loop does it (htop's reactions).  The
 * terminal is restored on every way out: q, errors, SIGINT, SIGTERM, SIGHUP. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "heapsift/analyze.h"
#include "heapsift/heap.h"
#include "heapsift/diff.h"
#include "heapsift/load.h"
#include "heapsift/report.h"
#include "heapsift/trace.h"
#include "heapsift/tree.h"
#include "heapsift/tui.h"
#include "heapsift/view.h"
#include "heapsift/xalloc.h"

/* --- the key table ----------------------------------------------------------- */

enum cmd {
#define KEYDEF(name, keys, help, ...) CMD_##name,
#include "keys.def"
#undef KEYDEF
	CMD_COUNT,
	CMD_NONE = CMD_COUNT,
};

static const struct keyinfo {
	const char *keys, *help;
	const int *bind;	/* ends with 0 */
} keyinfo[CMD_COUNT] = {
#define KEYDEF(name, keys, help, ...) [CMD_##name] = { keys, help, (const int[]){ __VA_ARGS__, 0 } },
#include "keys.def"
#undef KEYDEF
};

void
tui_print_keys(FILE *out)
{
	for (int c = 0; c < CMD_COUNT; c++)
		fprintf(out, "%-16s %s\n", keyinfo[c].keys, keyinfo[c].help);
}

static enum cmd
key_command(int key)
{
	for (int c = 0; c < CMD_COUNT; c++)
		for (const int *b = keyinfo[c].bind; *b; b++)
			if (*b == key)
				return (enum cmd)c;
	return CMD_NONE;
}

/* What a command asks of the loop. */
enum {
	REACT_NONE = 0,
	REACT_DRAW = 1,
	REACT_QUIT = 2,
};

/* --- panes --------------------------------------------------------------------- */

/* Rows listed when a list is first shown; "... N more" lists the rest.
 * Bounds what one key costs however long a list is (DevTools pages its
 * lists too). */
#define TUI_PAGE 1000

enum pane_id { P_SUMMARY, P_CLASSES, P_DOMINATORS, P_RETAINERS, P_INSPECTOR, P_COUNT };

struct pane_def {
	const char *title;
	const struct view_ops *ops;
	/* the tree column: these view columns, joined */
	const char *tree_cols[2];
	/* the other columns, most important first (dropped from the end when
	 * the terminal is narrow) */
	const char *cols[8];
	bool exact;		/* sizes in bytes, not KiB/MiB */
	bool bar;		/* a bar of retained_percent */
};

static const struct pane_def pane_defs[P_COUNT] = {
	[P_SUMMARY] = { "Summary", &view_classes, { "name" },
	                { "retained_size", "retained_percent", "count", "shallow_size" }, false, true },
	[P_CLASSES] = { "Classes", &view_classes, { "name" },
	                { "retained_size", "count", "shallow_size", "retained_percent", "distance" },
	                false, false },
	[P_DOMINATORS] = { "Dominators", &view_dominators, { "name" },
	                   { "retained_size", "self_size", "parent_percent", "id", "type", "distance" },
	                   false, false },
	[P_RETAINERS] = { "Retainers", &view_retainers, { "edge", "name" },
	                  { "distance", "id", "retained_size", "self_size", "type" }, false, false },
	[P_INSPECTOR] = { "Inspector", &view_inspect, { "edge", "name" },
	                  { "self_size", "retained_size", "id", "type", "distance" }, true, false },
};

/* An allocation trace's panes (the same keys 1-5 pick them). */
enum trace_pane_id { T_SUMMARY, T_CALLSITES, T_CALLTREE, T_CALLERS, T_TIMELINE, T_COUNT };

static const struct pane_def trace_pane_defs[T_COUNT] = {
	[T_SUMMARY] = { "Summary", &view_trace_summary, { "name" }, { "value" }, true, false },
	[T_CALLSITES] = { "Call sites", &view_callsites, { "function" },
	                  { "peak_bytes", "leaked_bytes", "allocations", "temporary", "location", "bytes",
	                    "leaked" }, false, false },
	[T_CALLTREE] = { "Call tree", &view_calltree, { "function" },
	                 { "peak_bytes", "allocations", "leaked_bytes", "temporary", "location", "bytes" },
	                 false, false },
	[T_CALLERS] = { "Callers", &view_callers, { "function" },
	                { "peak_bytes", "allocations", "leaked_bytes", "temporary", "location", "bytes" },
	                false, false },
	[T_TIMELINE] = { "Timeline", &view_sizes, { "range" }, { "allocations", "bytes" }, true, false },
};

/* Two or three files: one Diff pane. */
static const struct pane_def diff_heap_pane[1] = {
	{ "Diff", &view_diff_heap, { "class" },
	  { "size_delta", "count_delta", "new_count", "deleted_count", "target_count", "base_count",
	    "target_size", "base_size" }, false, false },
};
static const struct pane_def diff_trace_pane[1] = {
	{ "Diff", &view_diff_trace, { "function" },
	  { "leaked_delta", "allocations_delta", "bytes_delta", "peak_delta", "location",
	    "target_leaked_bytes", "base_leaked_bytes" }, false, false },
};
static const struct pane_def diff_leaks_pane[1] = {
	{ "Leaks", &view_leaks, { "class" }, { "size", "count", "retainers" }, false, false },
};

struct pane {
	const struct pane_def *def;
	struct view *view;
	struct tree tree;
	bool ready;
	int tree_col[2];	/* view column indices, -1 if absent */
	int cols[8];
	int ncols;
};

struct tui {
	struct heap *h;		/* a heap dump, or NULL */
	struct trace *tr;	/* an allocation trace, or NULL */
	const struct pane_def *defs;	/* pane_defs, trace_pane_defs, or a diff's */
	int npanes;
	struct diff *diff;	/* two or three files, or NULL */
	const char *path;
	bool utf8, color;
	int rows, cols;
	struct pane panes[P_COUNT];
	int cur;
	struct history hist;
	char msg[256];
	bool help;
	/* search */
	char query[128];
	int search_mode;	/* 0 none, 1 lines of a pane, 2 objects */
	uint32_t *matches;
	size_t nmatches, imatch;
	uint64_t unsearched;	/* strings whose values the last search left out */
	FILE *keylog;
	struct timespec typed;	/* when a prompt's Enter came (key timing) */
	bool prompted;
	uint32_t suspect;	/* the leak suspect L shows next */
	int id_width;		/* "@" and the largest id's digits */
	int type_width;		/* the longest node type's name, up to 15 */
};

static int chart_rows(const struct tui *t);

/* --- signals --------------------------------------------------------------------- */

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int
signal_status(void)
{
	return got_signal == SIGINT ? 130 : got_signal == SIGTERM ? 143 : 129;
}

/* --- theme and text --------------------------------------------------------------- */

enum color { C_TITLE = 1, C_TAB, C_HEADER, C_NUMBER, C_DIM, C_EDGE, C_BAR, C_STATUS, C_ERROR };

static attr_t
attr_of(const struct tui *t, enum color c)
{
	if (!t->color) {
		switch (c) {
		case C_TITLE:
		case C_HEADER:
		case C_STATUS:
			return A_REVERSE;
		case C_TAB:
		case C_ERROR:
			return A_BOLD;
		default:
			return A_NORMAL;
		}
	}
	return COLOR_PAIR(c) | (c == C_TAB || c == C_TITLE ? A_BOLD : 0);
}

static void
theme_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");
	t->color = has_colors() && !(nc && *nc);
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(C_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(C_TAB, COLOR_YELLOW, COLOR_BLUE);
	init_pair(C_HEADER, COLOR_BLACK, COLOR_CYAN);
	init_pair(C_NUMBER, COLOR_CYAN, -1);
	init_pair(C_DIM, COLOR_BLUE, -1);
	init_pair(C_EDGE, COLOR_GREEN, -1);
	init_pair(C_BAR, COLOR_MAGENTA, -1);
	init_pair(C_STATUS, COLOR_BLACK, COLOR_WHITE);
	init_pair(C_ERROR, COLOR_RED, -1);
}

/* Writes at most width display columns of s (n bytes) at the cursor;
 * returns the columns used.  Control characters and bytes that are not
 * UTF-8 (or anything but ASCII in an ASCII terminal) show as '?'. */
static int
put_text(const struct tui *t, const char *s, size_t n, int width)
{
	mbstate_t st;
	int used = 0;
	size_t i = 0;

	memset(&st, 0, sizeof st);
	while (i < n && used < width) {
		unsigned char c = (unsigned char)s[i];
		wchar_t wc;
		size_t k;
		int w;
		if (c < 0x80) {
			addch(c < 0x20 || c == 0x7f ? '?' : c);
			used++;
			i++;
			continue;
		}
		if (!t->utf8) {
			addch('?');
			used++;
			i++;
			continue;
		}
		k = mbrtowc(&wc, s + i, n - i, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			addch('?');
			used++;
			i++;
			continue;
		}
		w = wcwidth(wc);
		if (w < 0) {
			addch('?');
			used++;
			i += k;
			continue;
		}
		if (used + w > width)
			break;
		addnstr(s + i, (int)k);
		used += w;
		i += k;
	}
	return used;
}

static int
put_str(const struct tui *t, const char *s, int width)
{
	return put_text(t, s, strlen(s), width);
}

static void
fill(int n)
{
	for (int i = 0; i < n; i++)
		addch(' ');
}

/* 1024-based units, said so: B, KiB, MiB, GiB, TiB. */
static void
human_size(uint64_t b, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	int u = 0;
	if (b < 1024) {
		snprintf(buf, size, "%" PRIu64 " B", b);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void
grouped(uint64_t v, char *buf, size_t size)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v), o = 0;
	for (int i = 0; i < n && (size_t)o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
}

/* --- panes: setup -------------------------------------------------------------------- */


/* The view's column for the ops' column called name, also when the file
 * renamed it (pprof's sample types, tracemalloc's size and count), or -1. */
static int
pane_col_find(const struct view *v, const char *name)
{
	int c = view_col_find(v, name);
	if (c >= 0)
		return c;
	for (size_t i = 0; i < v->ops->ncols; i++)
		if (strcmp(v->ops->cols[i].name, name) == 0)
			for (size_t j = 0; j < v->ncols; j++)
				if (v->colmap[j] == i)
					return (int)j;
	return -1;
}
/* A file with fewer measures (an imported profile): the column views sort
 * by first, then the other measures, then the text columns. */
static void
order_profile_cols(struct pane *p)
{
	int out[8], n = 0;
	for (int pass = 0; pass < 3; pass++)
		for (int k = 0; k < p->ncols; k++) {
			int c = p->cols[k];
			bool first = (size_t)c == p->view->default_sort,
			     text = p->view->cols[c].type == COL_TEXT;
			if (pass == 0 ? first : pass == 1 ? !first && !text : !first && text)
				out[n++] = c;
		}
	memcpy(p->cols, out, sizeof out[0] * (size_t)n);
}

static void
pane_setup(struct tui *t, int id, uint32_t subject)
{
	struct pane *p = &t->panes[id];
	const struct pane_def *d = &t->defs[id];

	if (p->ready) {
		tree_free(&p->tree);
		view_free(p->view);
	}
	p->def = d;
	p->view = t->diff ? view_new_diff(t->diff)
	          : t->h ? view_new(d->ops, t->h) : view_new_trace(d->ops, t->tr);
	p->view->subject = subject;
	p->view->flags = 0;
	tree_init(&p->tree, p->view, t->h && id == P_SUMMARY ? 50 : 0, TUI_PAGE);
	for (int k = 0; k < 2; k++)
		p->tree_col[k] = d->tree_cols[k] ? pane_col_find(p->view, d->tree_cols[k]) : -1;
	p->ncols = 0;
	for (int k = 0; k < 8 && d->cols[k]; k++) {
		int c = pane_col_find(p->view, d->cols[k]);
		if (c >= 0)
			p->cols[p->ncols++] = c;
	}
	if (t->tr && !t->diff && t->tr->measures != TRACE_ALL_MEASURES)
		order_profile_cols(p);
	if (t->h && id == P_DOMINATORS && p->tree.n)
		tree_expand(&p->tree, 0);	/* the root's children at once */
	p->ready = true;
}

static uint32_t
pane_subject(const struct tui *t, int id)
{
	return t->panes[id].ready ? t->panes[id].view->subject : HEAP_NONE;
}

static int
body_rows(const struct tui *t, int id)
{
	/* title, header, status; the summary has its totals above */
	int r = t->rows - 3 - (t->h && id == P_SUMMARY ? 4 : 0) -
	        (t->h && (id == P_INSPECTOR || id == P_RETAINERS) ? 1 : 0) -
	        (t->tr && id == T_TIMELINE ? chart_rows(t) : 0);
	return r < 1 ? 1 : r;
}

/* --- drawing ----------------------------------------------------------------------------- */

struct colfmt {
	int col;
	int width;
};

static int
col_width(const struct tui *t, const struct view_col *c)
{
	int w, title = (int)strlen(c->title) + 1;	/* room for the sort arrow */
	if (strcmp(c->name, "type") == 0 || strcmp(c->name, "edge_type") == 0)
		w = t->type_width;
	else
		switch (c->type) {
		case COL_COUNT: w = 10; break;
		case COL_BYTES: w = 10; break;
		case COL_PERCENT: w = 7; break;
		case COL_ID: w = t->id_width; break;
		case COL_INT: w = 8; break;
		default: w = 14; break;
		}
	return w > title ? w : title;
}

/* The columns that fit, and the tree column's width. */
static int
layout(const struct tui *t, const struct pane *p, struct colfmt *out, int *nout)
{
	int avail = t->cols, n = 0, bar = p->def->bar ? 12 : 0;
	int min_tree = 20;
	for (int k = 0; k < p->ncols; k++) {
		int w = col_width(t, &p->view->cols[p->cols[k]]);
		if (avail - (w + 1) - bar < min_tree)
			break;
		out[n].col = p->cols[k];
		out[n].width = w;
		avail -= w + 1;
		n++;
	}
	*nout = n;
	avail -= bar;
	return avail < 1 ? 1 : avail;
}

static void
format_cell(const struct tui *t, const struct pane *p, const struct cell *c, const struct view_col *vc,
            char *buf, size_t size)
{
	(void)t;
	buf[0] = '\0';
	if (c->empty)
		return;
	switch (c->type) {
	case COL_BYTES:
		if (p->def->exact)
			grouped(c->u, buf, size);
		else
			human_size(c->u, buf, size);
		break;
	case COL_COUNT:
		grouped(c->u, buf, size);
		break;
	case COL_PERCENT:
		snprintf(buf, size, "%.1f%%", c->d);
		break;
	case COL_ID:
		snprintf(buf, size, c->hex ? "@0x%" PRIx64 : "@%" PRIu64, c->u);
		break;
	case COL_INT:
		/* DevTools' way: no distance, or only from system roots: a dash */
		if (strcmp(vc->name, "distance") == 0 && (c->i < 0 || c->i >= HEAP_SYSTEM_DISTANCE))
			snprintf(buf, size, "-");
		else
			snprintf(buf, size, "%" PRId64, c->i);
		break;
	default:
		snprintf(buf, size, "%.*s", (int)c->len, c->s);
		break;
	}
}

static void
draw_bar(const struct tui *t, double pct, int width)
{
	static const char *const eighths[] = { "", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589" };
	int full, part, used = 0;
	double cells = pct / 100.0 * width;
	if (cells < 0)
		cells = 0;
	if (cells > width)
		cells = width;
	full = (int)cells;
	part = (int)((cells - full) * 8);
	attron(attr_of(t, C_BAR));
	for (int i = 0; i < full; i++, used++)
		addstr(t->utf8 ? "\u2588" : "#");
	if (part && used < width) {
		if (t->utf8)
			addstr(eighths[part]);
		else
			addch(part >= 4 ? '#' : '.');
		used++;
	}
	attroff(attr_of(t, C_BAR));
	fill(width - used);
}

static void
draw_title(struct tui *t)
{
	int x = 0;
	move(0, 0);
	attron(attr_of(t, C_TITLE));
	x += put_str(t, " heapsift ", t->cols);
	for (int i = 0; i < t->npanes && x < t->cols; i++) {
		char tab[32];
		snprintf(tab, sizeof tab, " %d %s ", i + 1, t->defs[i].title);
		if (i == t->cur) {
			attroff(attr_of(t, C_TITLE));
			attron(A_REVERSE | A_BOLD);
		}
		x += put_str(t, tab, t->cols - x);
		if (i == t->cur) {
			attroff(A_REVERSE | A_BOLD);
			attron(attr_of(t, C_TITLE));
		}
	}
	if (x < t->cols) {
		const char *base = strrchr(t->path, '/');
		base = base ? base + 1 : t->path;
		int len = (int)strlen(base) + 2;
		if (t->cols - x > len) {
			fill(t->cols - x - len);
			x = t->cols - len;
		}
		x += put_str(t, " ", t->cols - x);
		x += put_str(t, base, t->cols - x);
		fill(t->cols - x);
	}
	attroff(attr_of(t, C_TITLE));
}

static void
draw_header(struct tui *t, struct pane *p, int y, const struct colfmt *cf, int ncf, int tree_w)
{
	const char *arrow = t->utf8 ? (p->tree.desc ? "\u25bc" : "\u25b2") : (p->tree.desc ? "v" : "^");
	char title[64];
	int x = 0;

	move(y, 0);
	attron(attr_of(t, C_HEADER));
	snprintf(title, sizeof title, " %s%s", p->tree_col[0] >= 0 ? p->view->cols[p->tree_col[0]].title : "",
	         p->tree_col[1] >= 0 ? " / " : "");
	x += put_str(t, title, tree_w);
	if (p->tree_col[1] >= 0)
		x += put_str(t, p->view->cols[p->tree_col[1]].title, tree_w - x);
	if ((size_t)p->tree_col[0] == p->tree.col || (p->tree_col[1] >= 0 && (size_t)p->tree_col[1] == p->tree.col))
		x += put_str(t, arrow, tree_w - x);
	fill(tree_w - x);
	if (p->def->bar)
		fill(12);
	for (int k = 0; k < ncf; k++) {
		const struct view_col *c = &p->view->cols[cf[k].col];
		bool sorted = (size_t)cf[k].col == p->tree.col;
		int len = (int)strlen(c->title) + (sorted ? 1 : 0);
		addch(' ');
		fill(cf[k].width - len > 0 ? cf[k].width - len : 0);
		put_str(t, c->title, cf[k].width);
		if (sorted)
			put_str(t, arrow, 1);
	}
	x = getcurx(stdscr);
	fill(t->cols - x);
	attroff(attr_of(t, C_HEADER));
}

static void
draw_line(struct tui *t, struct pane *p, size_t i, int y, const struct colfmt *cf, int ncf, int tree_w)
{
	struct tline *l = &p->tree.lines[i];
	struct vrow row = l->row;
	const struct view_ops *ops = p->view->ops;
	bool sel = i == p->tree.cursor;
	char buf[256];
	struct cell c;
	int x = 0, indent = (int)l->depth * 2;

	move(y, 0);
	if (sel)
		attron(A_REVERSE);
	if (l->more) {
		char num[32];
		grouped(l->hidden, num, sizeof num);
		snprintf(buf, sizeof buf, "%s %s more (Enter lists them all)", t->utf8 ? "\u2026" : "...", num);
		fill(indent + 3);
		if (!sel)
			attron(attr_of(t, C_DIM));
		x = indent + 3 + put_str(t, buf, t->cols - indent - 3);
		if (!sel)
			attroff(attr_of(t, C_DIM));
		fill(t->cols - x);
		if (sel)
			attroff(A_REVERSE);
		return;
	}
	/* tree column: indentation, marker, the joined text columns */
	if (indent > tree_w / 2)
		indent = tree_w / 2;
	fill(indent + 1);
	x = indent + 1;
	if (ops->tree && (t->tr || p - t->panes != P_SUMMARY)) {
		const char *mark;
		if (l->expanded)
			mark = t->utf8 ? "\u25be " : "- ";
		else if (tree_has_children(&p->tree, i))
			mark = t->utf8 ? "\u25b8 " : "+ ";
		else
			mark = "  ";
		x += put_str(t, mark, tree_w - x);
	}
	for (int k = 0; k < 2 && p->tree_col[k] >= 0 && x < tree_w; k++) {
		view_cell(p->view, &row, (size_t)p->tree_col[k], &c);
		if (c.len == 0 && p->view->cols[p->tree_col[k]].type == COL_TEXT) {
			/* nameless: the root, or say so */
			uint32_t obj = view_row_object(p->view, &row);
			x += put_str(t, t->h && obj == t->h->root ? "(root)" : "(no name)", tree_w - x);
			continue;
		}
		if (k == 0 && p->tree_col[1] >= 0 && !sel)
			attron(attr_of(t, C_EDGE));
		x += put_text(t, c.s ? c.s : "", c.len, tree_w - x);
		if (k == 0 && p->tree_col[1] >= 0 && !sel)
			attroff(attr_of(t, C_EDGE));
		if (k == 0 && p->tree_col[1] >= 0)
			x += put_str(t, "  ", tree_w - x);
	}
	if (ops == &view_classes && p - t->panes != P_SUMMARY) {
		/* instances: their id after the name, as DevTools shows them */
		view_cell(p->view, &row, (size_t)view_col_find(p->view, "id"), &c);
		if (!c.empty) {
			snprintf(buf, sizeof buf, c.hex ? " @0x%" PRIx64 : " @%" PRIu64, c.u);
			if (!sel)
				attron(attr_of(t, C_DIM));
			x += put_str(t, buf, tree_w - x);
			if (!sel)
				attroff(attr_of(t, C_DIM));
		}
	}
	fill(tree_w - x);
	if (p->def->bar) {
		view_cell(p->view, &row, (size_t)view_col_find(p->view, "retained_percent"), &c);
		addch(' ');
		draw_bar(t, c.empty ? 0 : c.d, 10);
		addch(' ');
	}
	for (int k = 0; k < ncf; k++) {
		const struct view_col *vc = &p->view->cols[cf[k].col];
		int len;
		view_cell(p->view, &row, (size_t)cf[k].col, &c);
		format_cell(t, p, &c, vc, buf, sizeof buf);
		addch(' ');
		if (vc->type == COL_TEXT) {
			len = put_str(t, buf, cf[k].width);
			fill(cf[k].width - len);
		} else {
			len = (int)strlen(buf);
			if (len > cf[k].width)
				len = cf[k].width;
			fill(cf[k].width - len);
			if (!sel)
				attron(attr_of(t, vc->type == COL_ID ? C_DIM : C_NUMBER));
			put_text(t, buf, strlen(buf), cf[k].width);
			if (!sel)
				attroff(attr_of(t, vc->type == COL_ID ? C_DIM : C_NUMBER));
		}
	}
	x = getcurx(stdscr);
	if (x < t->cols && getcury(stdscr) == y)
		fill(t->cols - x);
	if (sel)
		attroff(A_REVERSE);
}

/* "java.util.HashMap", or "20 instances of Session". */
static void
suspect_name(const struct heap *h, const struct heap_suspect *s, char *buf, size_t size)
{
	if (s->is_class)
		snprintf(buf, size, "%u instances of %s", s->count, heap_str(h, h->classes[s->class_index].name));
	else
		heap_display_name(h, s->node, buf, size);
}

static void
draw_summary_totals(struct tui *t, int y)
{
	const struct heap *h = t->h;
	char a[32], b[32], c[32], d[32], line[256];
	uint32_t classes = 0;

	for (uint32_t k = 0; k < h->class_count; k++)
		classes += h->classes[k].count > 0;
	grouped(h->node_count, a, sizeof a);
	human_size(h->total_size, b, sizeof b);
	grouped(h->edge_count, c, sizeof c);
	grouped(classes, d, sizeof d);
	snprintf(line, sizeof line, " %s objects, %s edges, %s classes; total %s (%s)", a, c, d, b,
	         h->format);
	move(y, 0);
	put_str(t, line, t->cols);
	clrtoeol();
	grouped(h->reach_count[HEAP_UNREACHABLE], a, sizeof a);
	human_size(h->reach_bytes[HEAP_UNREACHABLE], b, sizeof b);
	grouped(h->soft_edges ? h->referent_only_count : h->reach_count[HEAP_WEAK_ONLY], c, sizeof c);
	human_size(h->soft_edges ? h->referent_only_bytes : h->reach_bytes[HEAP_WEAK_ONLY], d, sizeof d);
	snprintf(line, sizeof line, " unreachable: %s objects, %s; held only %s: %s objects, %s", a, b,
	         h->soft_edges ? "by soft/weak references" : "weakly", c, d);
	move(y + 1, 0);
	if (h->reach_count[HEAP_UNREACHABLE])
		attron(attr_of(t, C_ERROR));
	put_str(t, line, t->cols);
	if (h->reach_count[HEAP_UNREACHABLE])
		attroff(attr_of(t, C_ERROR));
	clrtoeol();
	move(y + 2, 0);
	if (h->suspect_count) {
		const struct heap_suspect *s = &h->suspects[0];
		char name[160];
		suspect_name(h, s, name, sizeof name);
		human_size(s->retained, b, sizeof b);
		snprintf(line, sizeof line, " Leak suspects: %u (L shows them); the largest, %s, retains %s (%.1f%%)",
		         h->suspect_count, name, b,
		         100.0 * (double)s->retained / (double)(h->total_size ? h->total_size : 1));
		attron(attr_of(t, C_ERROR));
		put_str(t, line, t->cols);
		attroff(attr_of(t, C_ERROR));
	}
	clrtoeol();
	move(y + 3, 0);
	attron(A_BOLD);
	put_str(t, h->rules == HEAP_RULES_V8
	           ? " Top constructors by retained size  (Enter: see its instances in Classes)"
	           : " Top classes by retained size  (Enter: see its instances in Classes)", t->cols);
	attroff(A_BOLD);
	clrtoeol();
}

static void
draw_subject(struct tui *t, struct pane *p, int y)
{
	const struct heap *h = t->h;
	uint32_t n = p->view->subject;
	char name[200], self[32], ret[32], id[24], line[512];

	move(y, 0);
	if (n == HEAP_NONE) {
		put_str(t, " No object selected: press r or i on an object, or search one with / @id.", t->cols);
		clrtoeol();
		return;
	}
	heap_display_name(h, n, name, sizeof name);
	grouped(heap_node_self(h, n), self, sizeof self);
	grouped(heap_retained(h, n), ret, sizeof ret);
	heap_format_id(h, heap_node_id(h, n), id, sizeof id);
	snprintf(line, sizeof line, " %s %s @%s (%s): shallow %s bytes, retained %s bytes",
	         p - t->panes == P_RETAINERS ? "Retainers of" : "Inside", name, id,
	         heap_node_type_name(h, n), self, ret);
	attron(A_BOLD);
	put_str(t, line, t->cols);
	attroff(A_BOLD);
	clrtoeol();
}

static void
draw_status(struct tui *t)
{
	struct pane *p = &t->panes[t->cur];
	char left[300], right[128];
	int x;

	if (t->msg[0])
		snprintf(left, sizeof left, " %s", t->msg);
	else
		snprintf(left, sizeof left, " %zu/%zu", p->tree.n ? p->tree.cursor + 1 : 0, p->tree.n);
	snprintf(right, sizeof right, t->h ? "sort %s  / search  r retainers  i inspect  ? help  q quit "
	                                   : "sort %s  s next  f filter  Tab panes  ? help  q quit ",
	         p->view->cols[p->tree.col].name);
	move(t->rows - 1, 0);
	attron(attr_of(t, C_STATUS));
	x = put_str(t, left, t->cols);
	if (t->cols - x > (int)strlen(right)) {
		fill(t->cols - x - (int)strlen(right));
		put_str(t, right, (int)strlen(right));
	} else {
		fill(t->cols - x);
	}
	attroff(attr_of(t, C_STATUS));
}

static void
box_draw(const struct tui *t, int y0, int x0, int hgt, int w)
{
	const char *h = t->utf8 ? "\u2500" : "-", *v = t->utf8 ? "\u2502" : "|";
	mvaddstr(y0, x0, t->utf8 ? "\u250c" : "+");
	for (int x = 1; x < w - 1; x++)
		addstr(h);
	addstr(t->utf8 ? "\u2510" : "+");
	for (int y = 1; y < hgt - 1; y++) {
		mvaddstr(y0 + y, x0, v);
		mvaddstr(y0 + y, x0 + w - 1, v);
	}
	mvaddstr(y0 + hgt - 1, x0, t->utf8 ? "\u2514" : "+");
	for (int x = 1; x < w - 1; x++)
		addstr(h);
	addstr(t->utf8 ? "\u2518" : "+");
}

/* Every key, in as many columns as the height needs. */
static void
draw_help(struct tui *t)
{
	int w = t->cols - 2 < 100 ? t->cols - 2 : 100, hgt, per_col, ncol, colw, y0, x0;
	int need = CMD_COUNT + 2;

	hgt = need < t->rows - 2 ? need : t->rows - 2;
	if (w < 20 || hgt < 4)
		return;
	per_col = hgt - 2;
	ncol = (CMD_COUNT + per_col - 1) / per_col;
	colw = (w - 2) / ncol;
	if (ncol == 1 && w > 80)
		w = 80, colw = w - 2;
	y0 = (t->rows - hgt) / 2;
	x0 = (t->cols - w) / 2;
	for (int y = 0; y < hgt; y++) {
		move(y0 + y, x0);
		fill(w);
	}
	/* Box characters written out, not the terminal's alternate character
	 * set, which not every terminal (or TERM setting) gets right. */
	attron(A_BOLD);
	box_draw(t, y0, x0, hgt, w);
	move(y0, x0 + 2);
	put_str(t, " Keys (any key closes; 1 KiB = 1024 bytes) ", w - 4);
	attroff(A_BOLD);
	for (int c = 0; c < CMD_COUNT; c++) {
		int col = c / per_col, row = c % per_col, x = x0 + 1 + col * colw, kw = 14;
		if (kw > colw / 2)
			kw = colw / 2;
		move(y0 + 1 + row, x + 1);
		attron(A_BOLD);
		put_str(t, keyinfo[c].keys, kw);
		attroff(A_BOLD);
		move(y0 + 1 + row, x + 1 + kw + 1);
		put_str(t, keyinfo[c].help, colw - kw - 3);
	}
}

/* --- the timeline chart --------------------------------------------------------- */

/* Rows the chart takes above the Timeline pane's size table. */
static int
chart_rows(const struct tui *t)
{
	int r = (t->rows - 4) * 2 / 3;
	return r < 4 ? 0 : r;
}

/* The heap over time: one column per time interval, its height the highest
 * heap in it, drawn with eighth blocks (or '#' without UTF-8); the peak and
 * the duration on the axes. */
static void
draw_chart(struct tui *t, int y0)
{
	static const char *const eighths[9] = { " ", "\u2581", "\u2582", "\u2583", "\u2584",
	                                         "\u2585", "\u2586", "\u2587", "\u2588" };
	const struct trace *tr = t->tr;
	int h = chart_rows(t) - 2, w = t->cols - 12;
	uint64_t span = tr->duration_us ? tr->duration_us : 1, top = tr->peak_heap ? tr->peak_heap : 1;
	uint64_t col[512];
	char buf[48];
	const char *unit;

	if (h < 2 || w < 10)
		return;
	if (!tr->has_time || tr->timeline_count == 0) {
		/* profiles (pprof, gperftools, tracemalloc) are one moment */
		attron(attr_of(t, C_DIM));
		snprintf(buf, sizeof buf, "No heap over time in this %s file.", tr->format);
		mvaddstr(y0, 2, buf);
		attroff(attr_of(t, C_DIM));
		return;
	}
	if (w > 512)
		w = 512;
	memset(col, 0, sizeof col);
	for (uint32_t i = 0; i < tr->timeline_count; i++) {
		uint64_t x = tr->timeline[i].time_us * (uint64_t)(w - 1) / span;
		if (x >= (uint64_t)w)
			x = (uint64_t)w - 1;
		if (tr->timeline[i].heap > col[x])
			col[x] = tr->timeline[i].heap;
	}
	/* between points the heap stays where it was */
	for (int x = 1; x < w; x++)
		if (col[x] == 0)
			col[x] = col[x - 1];
	human_size(top, buf, sizeof buf);
	mvaddstr(y0, 0, buf);
	mvaddstr(y0 + h - 1, 0, "0");
	for (int x = 0; x < w; x++) {
		/* the column's height in eighths of a row */
		uint64_t e = col[x] * (uint64_t)h * 8 / top;
		attron(attr_of(t, C_BAR));
		for (int r = 0; r < h; r++) {
			uint64_t have = e > (uint64_t)(h - 1 - r) * 8 ? e - (uint64_t)(h - 1 - r) * 8 : 0;
			if (have > 8)
				have = 8;
			move(y0 + r, 11 + x);
			if (t->utf8)
				addstr(eighths[have]);
			else
				addch(have >= 4 ? '#' : ' ');
		}
		attroff(attr_of(t, C_BAR));
	}
	unit = trace_time_unit_name(tr);
	snprintf(buf, sizeof buf, "%" PRIu64 " %s", trace_time_shown(tr, tr->duration_us), unit);
	mvaddstr(y0 + h, 11, tr->time_unit == TRACE_TIME_US ? "0 ms" : "0");
	mvaddstr(y0 + h, 11 + w - (int)strlen(buf), buf);
	attron(attr_of(t, C_DIM));
	snprintf(buf, sizeof buf, "peak at %" PRIu64 " %s", trace_time_shown(tr, tr->peak_time_us),
	         unit);
	mvaddstr(y0 + h + 1, 11, buf);
	attroff(attr_of(t, C_DIM));
}

static void
draw(struct tui *t)
{
	struct pane *p = &t->panes[t->cur];
	struct colfmt cf[8];
	int ncf, tree_w, y = 1, rows;

	getmaxyx(stdscr, t->rows, t->cols);
	erase();
	if (t->rows < 5 || t->cols < 30) {
		mvaddstr(0, 0, "heapsift: the terminal is too small");
		return;
	}
	draw_title(t);
	if (t->h && t->cur == P_SUMMARY) {
		draw_summary_totals(t, y);
		y += 4;
	}
	if (t->tr && t->cur == T_TIMELINE) {
		draw_chart(t, y);
		y += chart_rows(t);
	}
	if (t->h && (t->cur == P_RETAINERS || t->cur == P_INSPECTOR)) {
		draw_subject(t, p, y);
		y++;
	}
	tree_w = layout(t, p, cf, &ncf);
	draw_header(t, p, y, cf, ncf, tree_w);
	y++;
	rows = body_rows(t, t->cur);
	tree_set_cursor(&p->tree, p->tree.cursor, (size_t)rows);
	for (int r = 0; r < rows && p->tree.top + (size_t)r < p->tree.n; r++)
		draw_line(t, p, p->tree.top + (size_t)r, y + r, cf, ncf, tree_w);
	if (p->tree.n == 0 && rows > 0) {
		attron(attr_of(t, C_DIM));
		mvaddstr(y, 2, t->tr && t->cur == T_TIMELINE ? "No request sizes in this file."
		                                              : "Nothing to show.");
		attroff(attr_of(t, C_DIM));
	}
	draw_status(t);
	if (t->help)
		draw_help(t);
}

/* --- commands ------------------------------------------------------------------------------ */

static void
message(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
message(struct tui *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
}

static void
hist_push(struct tui *t)
{
	struct pane *p = &t->panes[t->cur];
	struct place pl = { t->cur, pane_subject(t, t->cur),
	                    p->tree.n ? p->tree.lines[p->tree.cursor].row.id : 0 };
	history_push(&t->hist, pl);
}

static void
open_subject(struct tui *t, int id, uint32_t node)
{
	hist_push(t);
	if (pane_subject(t, id) != node || !t->panes[id].ready)
		pane_setup(t, id, node);
	t->cur = id;
}

static uint32_t
selected_object(struct tui *t)
{
	struct pane *p = &t->panes[t->cur];
	return view_row_object(p->view, tree_cursor_row(&p->tree));
}

/* Expands, from the cursor, the retainer nearest to a root, again and
 * again: the shortest path from the object to a root. */
static void
shortest_path(struct tui *t)
{
	struct pane *p = &t->panes[t->cur];
	int dcol = view_col_find(p->view, "distance");
	size_t rows = (size_t)body_rows(t, t->cur);

	for (int step = 0; step < 10000 && p->tree.n; step++) {
		size_t line = p->tree.cursor, best = SIZE_MAX;
		int64_t best_d = INT64_MAX;
		uint32_t depth = p->tree.lines[line].depth;
		struct cell c;
		struct vrow row = p->tree.lines[line].row;

		if (p->tree.lines[line].more)
			break;
		view_cell(p->view, &row, (size_t)dcol, &c);
		/* A root's direct child (user roots at distance 1, system roots
		 * at HEAP_SYSTEM_DISTANCE + 1): done. */
		if (!c.empty && ((c.i >= 0 && c.i <= 1) || c.i == HEAP_SYSTEM_DISTANCE + 1))
			break;
		if (!tree_has_children(&p->tree, line))
			break;
		tree_expand(&p->tree, line);
		for (size_t i = line + 1; i < p->tree.n && p->tree.lines[i].depth > depth; i++) {
			if (p->tree.lines[i].depth != depth + 1 || p->tree.lines[i].more)
				continue;
			row = p->tree.lines[i].row;
			view_cell(p->view, &row, (size_t)dcol, &c);
			/* (no distance: an unreachable holder, a referent) */
			if (!c.empty && c.i >= 0 && c.i < best_d) {
				best_d = c.i;
				best = i;
			}
		}
		if (best == SIZE_MAX)
			break;
		tree_set_cursor(&p->tree, best, rows);
	}
}

/* L: the leak suspects one after another, each in the Dominators pane
 * with the path from the root down to where its memory accumulates (a
 * class's largest instance). */
static void
show_suspect(struct tui *t)
{
	const struct heap *h = t->h;
	const struct heap_suspect *s;
	struct pane *p = &t->panes[P_DOMINATORS];
	uint32_t *chain = NULL, n = 0, target, k, shown;
	size_t cap = 0, line, rows;
	char name[128], acc[128], size[32];

	if (h->suspect_count == 0) {
		message(t, "no leak suspect: no object or class retains more than %d%% of the heap",
		        SUSPECT_PERCENT);
		return;
	}
	shown = t->suspect++ % h->suspect_count;
	s = &h->suspects[shown];
	target = s->accumulation != HEAP_NONE ? s->accumulation : s->node;
	for (uint32_t v = target; n <= h->node_count; v = heap_idom(h, v)) {
		XGROW(chain, cap, (size_t)n + 1);
		chain[n++] = v;
		if (v == h->root)
			break;
	}
	hist_push(t);
	if (!p->ready)
		pane_setup(t, P_DOMINATORS, HEAP_NONE);
	t->cur = P_DOMINATORS;
	rows = (size_t)body_rows(t, P_DOMINATORS);
	for (line = 0; line < p->tree.n && p->tree.lines[line].row.key != h->root; line++)
		;
	/* down the chain (chain[n - 1] is the root), expanding each: a child
	 * past the first page of its parent's is fetched with the rest */
	for (k = n - 1; k-- > 0 && line < p->tree.n;) {
		uint32_t depth = p->tree.lines[line].depth;
		size_t found = SIZE_MAX;
		if (!p->tree.lines[line].expanded)
			tree_expand(&p->tree, line);
		for (int pass = 0; pass < 2 && found == SIZE_MAX; pass++) {
			size_t more = SIZE_MAX;
			for (size_t i = line + 1; i < p->tree.n && p->tree.lines[i].depth > depth; i++) {
				if (p->tree.lines[i].depth != depth + 1)
					continue;
				if (p->tree.lines[i].more)
					more = i;
				else if (p->tree.lines[i].row.key == chain[k])
					found = i;
			}
			if (found == SIZE_MAX && more != SIZE_MAX)
				tree_more(&p->tree, more);
		}
		if (found == SIZE_MAX)
			break;
		line = found;
	}
	free(chain);
	if (line < p->tree.n)
		tree_set_cursor(&p->tree, line, rows);
	suspect_name(h, s, name, sizeof name);
	human_size(s->retained, size, sizeof size);
	if (s->accumulation != HEAP_NONE && s->accumulation != s->node) {
		heap_display_name(h, s->accumulation, acc, sizeof acc);
		message(t, "suspect %u/%u: %s retains %s; accumulated in %s (L: next)", shown + 1,
		        h->suspect_count, name, size, acc);
	} else {
		message(t, "suspect %u/%u: %s retains %s%s (L: next)", shown + 1, h->suspect_count, name, size,
		        s->is_class ? "; its largest shown" : "");
	}
}

/* A line editor on the status line; false when cancelled (Esc). */
static bool
prompt(struct tui *t, const char *label, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	curs_set(1);
	for (;;) {
		int ch;
		move(t->rows - 1, 0);
		attron(attr_of(t, C_STATUS));
		put_str(t, label, t->cols);
		put_text(t, buf, n, t->cols - (int)strlen(label));
		fill(t->cols - getcurx(stdscr));
		attroff(attr_of(t, C_STATUS));
		move(t->rows - 1, (int)strlen(label) + (int)n < t->cols ? (int)strlen(label) + (int)n : t->cols - 1);
		refresh();
		ch = getch();
		if (got_signal || ch == 27) {
			curs_set(0);
			return false;
		}
		if (ch == ERR)
			continue;
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			/* the key's time starts now, not while the user types */
			clock_gettime(CLOCK_MONOTONIC, &t->typed);
			t->prompted = true;
			break;
		}
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0) {
			/* drop a whole UTF-8 character */
			do
				n--;
			while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80);
			buf[n] = '\0';
		} else if (ch >= 0x20 && ch < 0x100 && ch != 127 && n + 1 < size) {
			buf[n++] = (char)ch;
			buf[n] = '\0';
		}
	}
	curs_set(0);
	return true;
}

static int
cmp_retained_desc(const void *a, const void *b, void *ctx)
{
	const struct heap *h = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (heap_retained(h, x) != heap_retained(h, y))
		return heap_retained(h, x) > heap_retained(h, y) ? -1 : 1;
	return x < y ? -1 : x > y;
}

static inline int
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive for ASCII letters, exact for the rest. */
static bool
contains_ci(const char *hay, size_t n, const char *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m && lower((unsigned char)hay[i + k]) == lower((unsigned char)needle[k]))
			k++;
		if (k == m)
			return true;
	}
	return false;
}

/* Objects whose name contains the query, largest retained size first.
 * Scans the string table (not the objects) and then the objects' names. */
#define SEARCH_STRINGS 300000	/* values read for a search, at most (0.3 s) */

/* Node n, when its label made from the dump has q and its name (in hit)
 * did not: a match. */
static void
match_lazy(struct tui *t, uint32_t n, const char *q, const uint64_t *hit, size_t *cap)
{
	const struct heap *h = t->h;
	char buf[256];
	size_t len = heap_node_lazy_label(h, n, buf, sizeof buf);

	if (len == SIZE_MAX || bit_get(hit, heap_node_name_id(h, n)) ||
	    !contains_ci(buf, len < sizeof buf ? len : sizeof buf - 1, q, strlen(q)))
		return;
	XGROW(t->matches, *cap, t->nmatches + 1);
	t->matches[t->nmatches++] = n;
}

static void
search_objects(struct tui *t, const char *q)
{
	struct heap *h = t->h;
	size_t ns = strtab_count(&h->strings), m = strlen(q), cap = 0;
	uint64_t *hit = xcalloc(ns / 64 + 1, sizeof *hit);
	bool any = false;

	free(t->matches);
	t->matches = NULL;
	t->nmatches = 0;
	for (size_t s = 0; s < ns; s++)
		if (contains_ci(strtab_get(&h->strings, (uint32_t)s), strtab_len(&h->strings, (uint32_t)s), q, m)) {
			hit[s / 64] |= (uint64_t)1 << (s % 64);
			any = true;
		}
	if (any)
		for (uint32_t n = 0; n < h->node_count; n++) {
			if (bit_get(hit, heap_node_name_id(h, n))) {
				XGROW(t->matches, cap, t->nmatches + 1);
				t->matches[t->nmatches++] = n;
			}
		}
	/* and the labels that stand for names: those kept (a Java string's
	 * value in a compressed dump, a class object's class, a thread's
	 * name), and the few made when shown for other nodes than strings (a
	 * thread's name read from the dump) */
	for (uint32_t i = 0; any && i < h->label_count; i++) {
		uint32_t n = h->label_node[i];
		if (bit_get(hit, h->label_str[i]) && !bit_get(hit, heap_node_name_id(h, n))) {
			XGROW(t->matches, cap, t->nmatches + 1);
			t->matches[t->nmatches++] = n;
		}
	}
	/* labels read from the dump when shown: a thread's name, and a Java
	 * string's value -- a read each, about a microsecond: not past
	 * SEARCH_STRINGS of them (then only the threads' and the kept ones) */
	t->unsearched = 0;
	for (uint32_t c = 0; h->lazy && c < h->class_count; c++)
		if (h->classes[c].name == h->lazy_name && h->classes[c].count > SEARCH_STRINGS)
			t->unsearched += h->classes[c].count;
	for (uint32_t n = 0; h->lazy && !t->unsearched && n < h->node_count; n++)
		if (heap_node_name_id(h, n) == h->lazy_name)
			match_lazy(t, n, q, hit, &cap);
	for (uint32_t i = 0; h->lazy && i < h->lazy_node_count; i++)
		match_lazy(t, h->lazy_nodes[i], q, hit, &cap);
	free(hit);
	if (t->nmatches > 1)
		qsort_r(t->matches, t->nmatches, sizeof *t->matches, cmp_retained_desc, h);
	t->imatch = 0;
}

static void
show_match(struct tui *t)
{
	uint32_t n = t->matches[t->imatch];
	char name[80], id[24];
	heap_display_name(t->h, n, name, sizeof name);
	heap_format_id(t->h, heap_node_id(t->h, n), id, sizeof id);
	open_subject(t, P_INSPECTOR, n);
	message(t, "match %zu/%zu: %s @%s%s", t->imatch + 1, t->nmatches, name, id,
	        t->unsearched ? " (string values not searched: too many)" : "");
}

static void
search(struct tui *t)
{
	struct pane *p = &t->panes[t->cur];
	size_t rows = (size_t)body_rows(t, t->cur), line;
	char q[128];

	if (!prompt(t, "/", q, sizeof q) || q[0] == '\0') {
		t->msg[0] = '\0';
		return;
	}
	snprintf(t->query, sizeof t->query, "%s", q);
	if (q[0] == '@') {
		char *end;
		/* decimal, or hexadecimal after 0x (Java addresses) */
		bool hex = q[1] == '0' && (q[2] == 'x' || q[2] == 'X');
		unsigned long long id = strtoull(q + 1, &end, hex ? 16 : 10);
		uint32_t n = *end == '\0' && q[1] >= '0' && q[1] <= '9'
		             ? heap_find_id(t->h, id) : HEAP_NONE;
		if (n == HEAP_NONE) {
			message(t, "no object %s", q);
			return;
		}
		open_subject(t, P_INSPECTOR, n);
		message(t, "object %s", q);
		t->search_mode = 0;
		return;
	}
	line = tree_find(&p->tree, q, false);
	if (line != SIZE_MAX) {
		tree_set_cursor(&p->tree, line, rows);
		t->search_mode = 1;
		message(t, "'%s' (n next, N previous)", q);
		return;
	}
	search_objects(t, q);
	if (t->nmatches == 0) {
		if (t->unsearched)
			message(t, "'%s' not found (the values of %" PRIu64 " strings not searched: too many)", q,
			        t->unsearched);
		else
			message(t, "'%s' not found", q);
		t->search_mode = 0;
		return;
	}
	t->search_mode = 2;
	show_match(t);
}

static void
search_again(struct tui *t, bool backward)
{
	struct pane *p = &t->panes[t->cur];
	if (t->search_mode == 1) {
		size_t line = tree_find(&p->tree, t->query, backward);
		if (line == SIZE_MAX)
			message(t, "'%s' not found", t->query);
		else
			tree_set_cursor(&p->tree, line, (size_t)body_rows(t, t->cur));
	} else if (t->search_mode == 2 && t->nmatches) {
		t->imatch = backward ? (t->imatch + t->nmatches - 1) % t->nmatches : (t->imatch + 1) % t->nmatches;
		show_match(t);
	} else {
		message(t, "no search yet: press /");
	}
}

static void
switch_pane(struct tui *t, int id)
{
	t->cur = (id + t->npanes) % t->npanes;
}

static int
command(struct tui *t, enum cmd c)
{
	struct pane *p = &t->panes[t->cur];
	struct tree *tr = &p->tree;
	size_t rows = (size_t)body_rows(t, t->cur);
	uint32_t obj;

	if (t->help && c != CMD_QUIT) {
		t->help = false;
		return REACT_DRAW;
	}
	if (c != CMD_SEARCH_NEXT && c != CMD_SEARCH_PREV)
		t->msg[0] = '\0';
	switch (c) {
	case CMD_DOWN: tree_move(tr, 1, rows); break;
	case CMD_UP: tree_move(tr, -1, rows); break;
	case CMD_PAGE_DOWN:
		tree_move(tr, (long)rows, rows);
		break;
	case CMD_PAGE_UP:
		tree_move(tr, -(long)rows, rows);
		break;
	case CMD_HOME: tree_set_cursor(tr, 0, rows); break;
	case CMD_END: tree_set_cursor(tr, tr->n ? tr->n - 1 : 0, rows); break;
	case CMD_EXPAND:
		if (tr->n == 0)
			break;
		if (tr->lines[tr->cursor].more) {
			tree_more(tr, tr->cursor);
		} else if (t->h && t->cur == P_SUMMARY) {
			/* to the class in the Classes pane, expanded */
			struct pane *cp = &t->panes[P_CLASSES];
			uint64_t id = tr->lines[tr->cursor].row.id;
			hist_push(t);
			t->cur = P_CLASSES;
			if (tree_select_id(&cp->tree, id, (size_t)body_rows(t, P_CLASSES)))
				tree_expand(&cp->tree, cp->tree.cursor);
		} else if (tr->lines[tr->cursor].expanded) {
			tree_move(tr, 1, rows);
		} else if (tree_has_children(tr, tr->cursor)) {
			tree_expand(tr, tr->cursor);
		}
		break;
	case CMD_COLLAPSE:
		if (tr->n == 0)
			break;
		if (tr->lines[tr->cursor].expanded && !tr->lines[tr->cursor].more)
			tree_collapse(tr, tr->cursor);
		else
			tree_set_cursor(tr, tree_parent(tr, tr->cursor), rows);
		break;
	case CMD_NEXT_PANE: switch_pane(t, t->cur + 1); break;
	case CMD_PREV_PANE: switch_pane(t, t->cur - 1); break;
	case CMD_PANE1: switch_pane(t, P_SUMMARY); break;
	case CMD_PANE2: switch_pane(t, P_CLASSES); break;
	case CMD_PANE3: switch_pane(t, P_DOMINATORS); break;
	case CMD_PANE4: switch_pane(t, P_RETAINERS); break;
	case CMD_PANE5: switch_pane(t, P_INSPECTOR); break;
	case CMD_SUSPECT:
		if (t->h == NULL)
			message(t, t->diff ? "a diff has no objects: that key is for one heap dump"
			                   : "an allocation trace has no objects: that key is for heap dumps");
		else
			show_suspect(t);
		break;
	case CMD_RETAINERS:
	case CMD_INSPECT:
	case CMD_PATH:
	case CMD_SEARCH:
	case CMD_SEARCH_NEXT:
	case CMD_SEARCH_PREV:
		if (t->h == NULL) {
			message(t, t->diff ? "a diff has no objects: that key is for one heap dump"
			                   : "an allocation trace has no objects: that key is for heap dumps");
			break;
		}
		if (c == CMD_PATH)
			goto path;
		if (c == CMD_SEARCH) {
			search(t);
			break;
		}
		if (c == CMD_SEARCH_NEXT || c == CMD_SEARCH_PREV) {
			search_again(t, c == CMD_SEARCH_PREV);
			break;
		}
		obj = selected_object(t);
		if (obj == HEAP_NONE) {
			message(t, t->cur == P_INSPECTOR ? "select an object first (a value is not one)"
			                                 : "select an object first (a class is not one: Enter lists its instances)");
			break;
		}
		open_subject(t, c == CMD_RETAINERS ? P_RETAINERS : P_INSPECTOR, obj);
		break;
	path:
		if (t->cur != P_RETAINERS) {
			obj = selected_object(t);
			if (obj == HEAP_NONE) {
				message(t, "select an object first");
				break;
			}
			open_subject(t, P_RETAINERS, obj);
		}
		shortest_path(t);
		break;
	case CMD_SORT:
		tree_sort(tr, (tr->col + 1) % p->view->ncols,
		          p->view->cols[(tr->col + 1) % p->view->ncols].type != COL_TEXT);
		message(t, "sorted by %s", p->view->cols[tr->col].title);
		break;
	case CMD_REVERSE:
		tree_sort(tr, tr->col, !tr->desc);
		message(t, "sorted by %s, %s", p->view->cols[tr->col].title,
		        tr->desc ? "descending" : "ascending");
		break;
	case CMD_BACK: {
		struct place pl;
		if (!history_pop(&t->hist, &pl)) {
			message(t, "nothing to go back to");
			break;
		}
		if (t->panes[pl.pane].ready && pane_subject(t, pl.pane) != pl.subject)
			pane_setup(t, pl.pane, pl.subject);
		t->cur = pl.pane;
		tree_select_id(&t->panes[pl.pane].tree, pl.row, (size_t)body_rows(t, pl.pane));
		break;
	}
	case CMD_FILTER: {
		char q[128];
		if (!prompt(t, "filter: ", q, sizeof q))
			break;
		tree_filter(tr, q);
		if (q[0])
			message(t, "showing %zu rows with '%s' (f then Enter shows all)", tr->n, q);
		break;
	}
	case CMD_HELP: t->help = true; break;
	case CMD_REDRAW: clearok(curscr, TRUE); break;
	case CMD_QUIT: return REACT_QUIT;
	case CMD_COUNT: break;
	}
	return REACT_DRAW;
}

static int
mouse(struct tui *t)
{
	MEVENT ev;
	struct pane *p = &t->panes[t->cur];
	size_t rows = (size_t)body_rows(t, t->cur);
	int first = 2 + (t->h && t->cur == P_SUMMARY ? 4 : 0) +
	            (t->h && (t->cur == P_INSPECTOR || t->cur == P_RETAINERS) ? 1 : 0) +
	            (t->tr && t->cur == T_TIMELINE ? chart_rows(t) : 0);

	if (getmouse(&ev) != OK)
		return REACT_NONE;
	if (ev.bstate & BUTTON4_PRESSED) {	/* wheel up */
		tree_move(&p->tree, -3, rows);
		return REACT_DRAW;
	}
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED) {
		tree_move(&p->tree, 3, rows);
		return REACT_DRAW;
	}
#endif
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return REACT_NONE;
	if (ev.y == 0) {
		/* the tabs: " heapsift " then " N Title " each */
		int x = 10;
		for (int i = 0; i < t->npanes; i++) {
			int w = (int)strlen(t->defs[i].title) + 4;
			if (ev.x >= x && ev.x < x + w) {
				switch_pane(t, i);
				return REACT_DRAW;
			}
			x += w;
		}
		return REACT_NONE;
	}
	if (ev.y >= first && ev.y < first + (int)rows && p->tree.top + (size_t)(ev.y - first) < p->tree.n) {
		tree_set_cursor(&p->tree, p->tree.top + (size_t)(ev.y - first), rows);
		if (ev.bstate & BUTTON1_DOUBLE_CLICKED)
			return command(t, p->tree.lines[p->tree.cursor].expanded ? CMD_COLLAPSE : CMD_EXPAND);
		return REACT_DRAW;
	}
	return REACT_NONE;
}

/* --- loading ----------------------------------------------------------------------------- */

struct load_screen {
	struct tui *t;
	struct timespec start;
};

static double
elapsed(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static bool
load_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	struct load_screen *ls = ctx;
	struct tui *t = ls->t;
	int w, y, x;
	char line[256];

	if (phase == NULL)
		return false;
	getmaxyx(stdscr, t->rows, t->cols);
	w = t->cols > 64 ? 60 : t->cols - 4;
	y = t->rows / 2 - 2;
	x = (t->cols - w) / 2;
	erase();
	if (w > 10 && y >= 0) {
		snprintf(line, sizeof line, "heapsift: loading %s", t->path);
		move(y, x);
		attron(A_BOLD);
		put_str(t, line, w);
		attroff(A_BOLD);
		snprintf(line, sizeof line, "%s%s  %.1f s  (Ctrl-C cancels)", phase,
		         total ? "" : "...", elapsed(&ls->start));
		move(y + 1, x);
		put_str(t, line, w);
		move(y + 2, x);
		draw_bar(t, total ? 100.0 * (double)done / (double)total : 0, w);
	}
	refresh();
	return got_signal != 0;
}

/* --- main -------------------------------------------------------------------------------- */

static void
keylog(struct tui *t, int key, enum cmd c, const struct timespec *start)
{
	if (t->keylog == NULL)
		return;
	if (t->prompted)
		start = &t->typed;
	t->prompted = false;
	/* "code command ms", the command named by its first key */
	fprintf(t->keylog, "%d %.*s %.3f\n", key,
	        c < CMD_COUNT ? (int)strcspn(keyinfo[c].keys, " ") : 1,
	        c < CMD_COUNT ? keyinfo[c].keys : "-", elapsed(start) * 1000.0);
	fflush(t->keylog);
}

int
tui_main(const struct tui_opts *opts)
{
	struct tui t;
	struct model m, more[2];
	struct hs_error err;
	struct progress prog;
	struct load_screen ls;
	int status = 0, r, nmore = 0;
	const char *codeset, *logpath;

	memset(&t, 0, sizeof t);
	t.path = opts->path;
	t.hist.max = 1000;
	setlocale(LC_ALL, "");
	codeset = nl_langinfo(CODESET);
	t.utf8 = !opts->ascii && codeset && strcmp(codeset, "UTF-8") == 0;
	logpath = getenv("HEAPSIFT_KEYLOG");
	if (logpath && *logpath)
		t.keylog = fopen(logpath, "a");

	signals_install();
	if (initscr() == NULL) {
		fprintf(stderr, "heapsift: cannot set up the terminal\n");
		return 2;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	theme_init(&t);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
	                  | BUTTON5_PRESSED
#endif
	          ,
	          NULL);
	mouseinterval(200);
	set_escdelay(25);

	/* Load, drawing progress; Ctrl-C cancels. */
	memset(&prog, 0, sizeof prog);
	ls.t = &t;
	clock_gettime(CLOCK_MONOTONIC, &ls.start);
	prog.fn = load_progress;
	prog.ctx = &ls;
	error_clear(&err);
	r = load_file(opts->path, opts->input_format, &prog, &m, &err);
	if (r == HS_OK && m.kind == MODEL_HEAP) {
		m.heap->interactive = true;
		r = analyze_heap(m.heap, &prog, &err);
	}
	if (r == HS_OK && !got_signal && m.kind == MODEL_HEAP) {
		progress_phase(&prog, "retainers", 0);
		retainers_build(m.heap);	/* for the Retainers pane: now, not on a key */
	}
	if (r != HS_OK || got_signal) {
		endwin();
		if (got_signal || r == HS_ECANCEL) {
			fprintf(stderr, "heapsift: cancelled\n");
			status = got_signal ? signal_status() : 130;
		} else {
			fprintf(stderr, "heapsift: %s\n", err.msg);
			status = 2;
		}
		if (r == HS_OK)
			model_free(&m);
		if (t.keylog)
			fclose(t.keylog);
		return status;
	}
	t.h = m.kind == MODEL_HEAP ? m.heap : NULL;
	t.tr = m.kind == MODEL_TRACE ? m.trace : NULL;
	t.defs = t.h ? pane_defs : trace_pane_defs;
	t.npanes = P_COUNT;
	if (opts->npaths >= 2) {
		/* the other files, then their diff */
		for (int k = 1; k < opts->npaths && k < 3; k++) {
			error_clear(&err);
			r = load_file(opts->paths[k], opts->input_format, &prog, &more[k - 1], &err);
			if (r == HS_OK && more[k - 1].kind == MODEL_HEAP) {
				more[k - 1].heap->interactive = true;
				r = analyze_heap(more[k - 1].heap, &prog, &err);
			}
			if (r != HS_OK || got_signal || more[k - 1].kind != m.kind) {
				endwin();
				if (r == HS_OK && !got_signal)
					fprintf(stderr, "heapsift: %s and %s are not of one kind\n", opts->paths[0],
					        opts->paths[k]);
				else
					fprintf(stderr, "heapsift: %s\n", got_signal ? "cancelled" : err.msg);
				model_free(&m);
				for (int j = 0; j < k; j++)
					model_free(&more[j]);
				return got_signal ? signal_status() : 2;
			}
			nmore = k;
		}
		if (opts->npaths == 3)
			t.diff = m.kind == MODEL_HEAP ? diff_leaks(m.heap, more[0].heap, more[1].heap) : NULL;
		else
			t.diff = m.kind == MODEL_HEAP ? diff_heaps(m.heap, more[0].heap)
			                              : diff_traces(m.trace, more[0].trace);
		if (t.diff == NULL) {
			endwin();
			fprintf(stderr, "heapsift: three dumps need V8 snapshots of one process\n");
			model_free(&m);
			for (int j = 0; j < nmore; j++)
				model_free(&more[j]);
			return 2;
		}
		t.defs = t.diff->leaks ? diff_leaks_pane : t.diff->traces ? diff_trace_pane : diff_heap_pane;
		t.npanes = 1;
		t.h = NULL;
		t.tr = NULL;
	}
	/* ids as wide as the largest (Java's are addresses: 11 digits and
	 * more), node types as wide as their names */
	{
		struct heap *ih = t.h ? t.h : t.diff ? t.diff->target : NULL;
		char digits[24];
		t.id_width = ih ? 1 + heap_format_id(ih, heap_max_id(ih), digits, sizeof digits) : 11;
		if (t.id_width < 6)
			t.id_width = 6;
		/* "primitive array" whole; V8's "concatenated string" cut */
		t.type_width = 12;
		for (uint32_t k = 0; ih && k < ih->node_type_count; k++) {
			int len = ih->node_type_names[k] ? (int)strlen(ih->node_type_names[k]) : 0;
			if (len > t.type_width)
				t.type_width = len > 15 ? 15 : len;
		}
	}
	for (int i = 0; i < t.npanes; i++)
		pane_setup(&t, i, HEAP_NONE);
	t.cur = P_SUMMARY;
	timeout(250);	/* wake up now and then to see signals */

	draw(&t);
	refresh();
	for (;;) {
		struct timespec start;
		int key = getch(), react = REACT_NONE;
		enum cmd c = CMD_NONE;

		if (got_signal) {
			status = signal_status();
			break;
		}
		if (key == ERR)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &start);
		if (key == KEY_RESIZE) {
			react = REACT_DRAW;
		} else if (key == KEY_MOUSE) {
			react = mouse(&t);
		} else {
			c = key_command(key);
			if (c != CMD_NONE)
				react = command(&t, c);
			else if (t.help)
				react = (t.help = false, REACT_DRAW);
		}
		if (react & REACT_QUIT) {
			keylog(&t, key, c, &start);
			break;
		}
		if (react & REACT_DRAW) {
			draw(&t);
			refresh();
		}
		keylog(&t, key, c, &start);
	}
	endwin();
	for (int i = 0; i < t.npanes; i++)
		if (t.panes[i].ready) {
			tree_free(&t.panes[i].tree);
			view_free(t.panes[i].view);
		}
	history_free(&t.hist);
	free(t.matches);
	if (t.keylog)
		fclose(t.keylog);
	diff_free(t.diff);
	model_free(&m);
	for (int j = 0; j < nmore; j++)
		model_free(&more[j]);
	return status;
}
