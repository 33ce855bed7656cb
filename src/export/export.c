#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/export.h"
#include "heapsift/xalloc.h"

void
export_opts_init(struct export_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = EXPORT_TEXT;
	o->depth = 1;
	o->sort = -1;
	o->desc = -1;
}

bool
export_format_parse(const char *s, enum export_format *out)
{
	static const struct { const char *name; enum export_format f; } fmts[] = {
		{ "text", EXPORT_TEXT }, { "csv", EXPORT_CSV }, { "tsv", EXPORT_TSV }, { "json", EXPORT_JSON },
	};
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
		if (strcmp(s, fmts[i].name) == 0) {
			*out = fmts[i].f;
			return true;
		}
	return false;
}

bool
export_sort_parse(const struct view *v, const char *s, struct export_opts *o)
{
	const char *colon = strchr(s, ':');
	char name[64];
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	int col;

	if (n >= sizeof name)
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	col = view_col_find(v, name);
	if (col < 0)
		return false;
	o->sort = col;
	o->desc = -1;
	if (colon) {
		if (strcmp(colon + 1, "asc") == 0)
			o->desc = 0;
		else if (strcmp(colon + 1, "desc") == 0)
			o->desc = 1;
		else
			return false;
	}
	return true;
}

/* --- cells --------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t k;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] < 0xe0)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] < 0xf5)
		k = 4;
	else
		return 0;
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

void
export_json_string(FILE *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	putc('"', out);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t k;
		switch (c) {
		case '"': fputs("\\\"", out); i++; continue;
		case '\\': fputs("\\\\", out); i++; continue;
		case '\b': fputs("\\b", out); i++; continue;
		case '\f': fputs("\\f", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		case '\r': fputs("\\r", out); i++; continue;
		case '\t': fputs("\\t", out); i++; continue;
		default: break;
		}
		if (c < 0x20) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		k = utf8_seq(p + i, n - i);
		if (k == 0) {
			fputs("\xef\xbf\xbd", out);	/* U+FFFD for a broken byte */
			i++;
			continue;
		}
		fwrite(p + i, 1, k, out);
		i += k;
	}
	putc('"', out);
}

static void
put_number(FILE *out, const struct cell *c)
{
	switch (c->type) {
	case COL_PERCENT:
		fprintf(out, "%.2f", c->d);
		break;
	case COL_INT:
		fprintf(out, "%" PRId64, c->i);
		break;
	default:
		fprintf(out, "%" PRIu64, c->u);
		break;
	}
}

static void
put_csv(FILE *out, const struct cell *c, char sep)
{
	if (c->empty)
		return;
	if (c->type == COL_ID && c->hex) {
		fprintf(out, "0x%" PRIx64, c->u);
		return;
	}
	if (c->type != COL_TEXT) {
		put_number(out, c);
		return;
	}
	if (sep == '\t') {
		/* TSV: no quoting; tab, newline and backslash escaped. */
		for (size_t i = 0; i < c->len; i++) {
			char ch = c->s[i];
			if (ch == '\t')
				fputs("\\t", out);
			else if (ch == '\n')
				fputs("\\n", out);
			else if (ch == '\r')
				fputs("\\r", out);
			else if (ch == '\\')
				fputs("\\\\", out);
			else
				putc(ch, out);
		}
		return;
	}
	/* CSV (RFC 4180): quote when needed, double the quotes. */
	if (c->len && strpbrk(c->s, ",\"\r\n") == NULL && c->s[0] != ' ' && c->s[c->len - 1] != ' ') {
		fwrite(c->s, 1, c->len, out);
		return;
	}
	putc('"', out);
	for (size_t i = 0; i < c->len; i++) {
		if (c->s[i] == '"')
			putc('"', out);
		putc(c->s[i], out);
	}
	putc('"', out);
}

static void
put_json(FILE *out, const struct cell *c)
{
	if (c->empty)
		fputs("null", out);
	else if (c->type == COL_TEXT)
		export_json_string(out, c->s, c->len);
	else
		put_number(out, c);
}

/* Text: number columns right-aligned in fixed widths, then the text
 * columns, the name last (indented by tree depth), so output can stream. */
static int
text_width(const struct view_col *col)
{
	int w;
	switch (col->type) {
	case COL_COUNT: w = 10; break;
	case COL_BYTES: w = 13; break;
	case COL_PERCENT: w = 7; break;
	case COL_ID: w = 11; break;
	case COL_INT: w = 10; break;
	default: w = 12; break;
	}
	if ((int)strlen(col->title) > w)
		w = (int)strlen(col->title);
	return w;
}

static int
name_col(const struct view *v)
{
	int c = view_col_find(v, "name");
	return c;
}

static void
put_text_cell(FILE *out, const struct cell *c, int width, bool last)
{
	char num[64];
	if (c->type == COL_TEXT) {
		if (c->empty && !last)
			fprintf(out, "%-*s", width, "");
		else if (c->empty)
			;
		else if (last)
			fwrite(c->s, 1, c->len, out);
		else
			fprintf(out, "%-*.*s", width, (int)c->len, c->s);
		return;
	}
	if (c->empty) {
		fprintf(out, "%*s", width, "");
		return;
	}
	switch (c->type) {
	case COL_PERCENT: snprintf(num, sizeof num, "%.2f", c->d); break;
	case COL_INT: snprintf(num, sizeof num, "%" PRId64, c->i); break;
	case COL_ID:
		if (c->hex) {
			snprintf(num, sizeof num, "0x%" PRIx64, c->u);
			break;
		}
		/* fall through */
	default: snprintf(num, sizeof num, "%" PRIu64, c->u); break;
	}
	fprintf(out, "%*s", width, num);
}

/* --- rows ------------------------------------------------------------------ */

struct exporter {
	struct view *v;
	const struct export_opts *o;
	FILE *out;
	size_t order[64];	/* text: column order */
	int width[64];		/* text: each view column's width */
	size_t ncols;
	int name;
};

static void
write_header(struct exporter *x)
{
	const struct view_ops *ops = x->v->ops;
	FILE *out = x->out;

	if (x->o->no_header)
		return;
	switch (x->o->format) {
	case EXPORT_CSV:
	case EXPORT_TSV: {
		char sep = x->o->format == EXPORT_CSV ? ',' : '\t';
		if (ops->tree)
			fprintf(out, "depth%c", sep);
		for (size_t i = 0; i < x->v->ncols; i++)
			fprintf(out, "%s%s", i ? (sep == ',' ? "," : "\t") : "", x->v->cols[i].name);
		putc('\n', out);
		break;
	}
	case EXPORT_TEXT:
		if (ops->record)
			break;
		for (size_t i = 0; i < x->ncols; i++) {
			const struct view_col *c = &x->v->cols[x->order[i]];
			bool last = i + 1 == x->ncols;
			if (i)
				fputs("  ", out);
			if (c->type != COL_TEXT)
				fprintf(out, "%*s", x->width[x->order[i]], c->title);
			else if (last)
				fputs(c->title, out);
			else
				fprintf(out, "%-*s", x->width[x->order[i]], c->title);
		}
		putc('\n', out);
		break;
	case EXPORT_JSON:
		break;
	}
}

static void
write_row(struct exporter *x, const struct vrow *row, unsigned depth, bool first)
{
	const struct view_ops *ops = x->v->ops;
	FILE *out = x->out;
	struct cell c;

	switch (x->o->format) {
	case EXPORT_CSV:
	case EXPORT_TSV: {
		char sep = x->o->format == EXPORT_CSV ? ',' : '\t';
		if (ops->tree)
			fprintf(out, "%u%c", depth, sep);
		for (size_t i = 0; i < x->v->ncols; i++) {
			if (i)
				putc(sep, out);
			view_cell(x->v, row, i, &c);
			put_csv(out, &c, sep);
		}
		putc('\n', out);
		break;
	}
	case EXPORT_TEXT:
		if (ops->record) {
			view_cell(x->v, row, 0, &c);
			fprintf(out, "%-24.*s", (int)c.len, c.s);
			view_cell(x->v, row, 1, &c);
			if (c.type == COL_TEXT)
				fwrite(c.s, 1, c.len, out);
			else
				put_number(out, &c);
			putc('\n', out);
			break;
		}
		for (size_t i = 0; i < x->ncols; i++) {
			size_t col = x->order[i];
			bool last = i + 1 == x->ncols;
			if (i)
				fputs("  ", out);
			if ((int)col == x->name && last)
				fprintf(out, "%*s", (int)(2 * depth), "");
			view_cell(x->v, row, col, &c);
			put_text_cell(out, &c, x->width[col], last);
		}
		putc('\n', out);
		break;
	case EXPORT_JSON:
		if (!first)
			putc(',', out);
		if (ops->record) {
			view_cell(x->v, row, 0, &c);
			fputs("\n ", out);
			export_json_string(out, c.s, c.len);
			putc(':', out);
			view_cell(x->v, row, 1, &c);
			put_json(out, &c);
			break;
		}
		fprintf(out, "\n%*s{", (int)depth, "");
		for (size_t i = 0; i < x->v->ncols; i++) {
			if (i)
				putc(',', out);
			fprintf(out, "\"%s\":", x->v->cols[i].name);
			view_cell(x->v, row, i, &c);
			put_json(out, &c);
		}
		/* the object is closed by the caller (children may follow) */
		break;
	}
}

struct level {
	struct vrows rows;
	size_t i;
};

int
export_view(struct view *v, const struct export_opts *o, FILE *out)
{
	const struct view_ops *ops = v->ops;
	struct exporter x = { v, o, out, { 0 }, { 0 }, 0, -1 };
	size_t col = o->sort >= 0 ? (size_t)o->sort : v->default_sort;
	bool desc;
	struct level *stack = NULL;
	size_t sp = 0, cap = 0;
	unsigned depth_max = ops->tree ? (o->depth ? o->depth : 1) : 1;
	bool json = o->format == EXPORT_JSON;

	if (o->desc >= 0)
		desc = o->desc;
	else if (o->sort >= 0)
		desc = v->cols[col].type != COL_TEXT;
	else
		desc = v->default_desc;

	/* Text column order: the name last. */
	x.name = name_col(v);
	for (size_t i = 0; i < v->ncols && x.ncols < 64; i++)
		if ((int)i != x.name)
			x.order[x.ncols++] = i;
	if (x.name >= 0)
		x.order[x.ncols++] = (size_t)x.name;

	XGROW(stack, cap, 1);
	memset(&stack[0], 0, sizeof stack[0]);
	view_children_top(v, NULL, col, desc, o->top, &stack[0].rows);
	sp = 1;
	for (size_t i = 0; i < v->ncols && i < 64; i++)
		x.width[i] = text_width(&v->cols[i]);
	/* a flat table of a bounded number of rows: text columns as wide as
	 * their longest cell, so that long names and locations stay aligned */
	if (o->format == EXPORT_TEXT && depth_max == 1 && stack[0].rows.n <= 100000)
		for (size_t i = 0; i + 1 < x.ncols; i++) {
			size_t c = x.order[i];
			struct cell cell;
			if (v->cols[c].type != COL_TEXT)
				continue;
			for (size_t r = 0; r < stack[0].rows.n; r++) {
				view_cell(v, &stack[0].rows.v[r], c, &cell);
				if (!cell.empty && cell.len > (size_t)x.width[c])
					x.width[c] = cell.len > 200 ? 200 : (int)cell.len;
			}
		}
	write_header(&x);
	if (json)
		putc(ops->record ? '{' : '[', out);

	while (sp) {
		struct level *l = &stack[sp - 1];
		unsigned depth = (unsigned)(sp - 1);
		const struct vrow *row;
		bool first;

		if (l->i == l->rows.n) {
			vrows_free(&l->rows);
			sp--;
			if (json && sp > 0)
				fputs("]}", out);	/* children of the row below */
			continue;
		}
		row = &l->rows.v[l->i++];
		first = l->i == 1;
		write_row(&x, row, depth, first);
		if (depth + 1 < depth_max && view_has_children(v, row)) {
			struct vrow parent = *row;
			XGROW(stack, cap, sp + 1);
			l = &stack[sp];
			memset(l, 0, sizeof *l);
			view_children_top(v, &parent, col, desc, o->top, &l->rows);
			if (l->rows.n) {
				if (json)
					fputs(",\"children\":[", out);
				sp++;
				continue;
			}
			vrows_free(&l->rows);
		}
		if (json && !ops->record)
			putc('}', out);
	}
	free(stack);
	if (json)
		fputs(ops->record ? "\n}\n" : "\n]\n", out);
	fflush(out);
	return ferror(out) ? -1 : 0;
}
