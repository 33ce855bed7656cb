#include "config.h"

#include <string.h>

#include "heapsift/report.h"
#include "heapsift/trace.h"
#include "heapsift/view.h"

static int
section(struct heap *h, const struct view_ops *ops, unsigned flags, enum export_format format,
        size_t top, FILE *out)
{
	struct view *v = view_new(ops, h);
	struct export_opts o;
	int r;

	v->flags = flags;
	export_opts_init(&o);
	o.format = format;
	o.top = top;
	r = export_view(v, &o, out);
	view_free(v);
	return r;
}

int
report_write(struct heap *h, enum export_format format, size_t top, FILE *out)
{
	int r = 0;

	switch (format) {
	case EXPORT_JSON:
		/* One object; the views' JSON are its members. */
		fputs("{\"summary\":", out);
		r |= section(h, &view_summary, 0, format, 0, out);
		fputs(",\"classes\":", out);
		r |= section(h, &view_classes, 0, format, top, out);
		fputs(",\"objects\":", out);
		r |= section(h, &view_objects, VIEW_SKIP_SYNTHETIC, format, top, out);
		fputs("}\n", out);
		break;
	case EXPORT_CSV:
	case EXPORT_TSV:
		/* The three tables one after another, an empty line between. */
		r |= section(h, &view_summary, 0, format, 0, out);
		putc('\n', out);
		r |= section(h, &view_classes, 0, format, top, out);
		putc('\n', out);
		r |= section(h, &view_objects, VIEW_SKIP_SYNTHETIC, format, top, out);
		break;
	case EXPORT_TEXT:
		fputs("Summary\n", out);
		r |= section(h, &view_summary, 0, format, 0, out);
		fprintf(out, "\nTop %zu constructors by retained size\n", top);
		r |= section(h, &view_classes, 0, format, top, out);
		fprintf(out, "\nTop %zu objects by retained size\n", top);
		r |= section(h, &view_objects, VIEW_SKIP_SYNTHETIC, format, top, out);
		break;
	}
	fflush(out);
	return r || ferror(out) ? -1 : 0;
}

static int
trace_section(struct trace *t, const struct view_ops *ops, int sort, enum export_format format,
              size_t top, FILE *out)
{
	struct view *v = view_new_trace(ops, t);
	struct export_opts o;
	int r;

	export_opts_init(&o);
	o.format = format;
	o.top = top;
	/* sort is the ops' column; the view may show fewer */
	for (size_t i = 0; sort >= 0 && i < v->ncols; i++)
		if (v->colmap[i] == (unsigned)sort)
			o.sort = (int)i;
	r = export_view(v, &o, out);
	view_free(v);
	return r;
}

/* heaptrack_print's sections: the call sites by peak, by calls, by
 * temporary allocations and by leaked bytes (those the trace gives). */
int
report_write_trace(struct trace *t, enum export_format format, size_t top, FILE *out)
{
	static const struct {
		const char *key, *title;
		int col;
	} parts[] = {
		{ "peak", "by peak contribution", 5 },
		{ "allocations", "by calls to allocation functions", 2 },
		{ "temporary", "by temporary allocations", 4 },
		{ "leaked", "by leaked bytes", 6 },
	};
	int r = 0;

	switch (format) {
	case EXPORT_JSON:
		fputs("{\"summary\":", out);
		r |= trace_section(t, &view_trace_summary, -1, format, 0, out);
		for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
			if (!(t->measures & 1u << (parts[i].col - 2)))
				continue;
			fprintf(out, ",\"%s\":", parts[i].key);
			r |= trace_section(t, &view_callsites, parts[i].col, format, top, out);
		}
		fputs("}\n", out);
		break;
	case EXPORT_CSV:
	case EXPORT_TSV:
		r |= trace_section(t, &view_trace_summary, -1, format, 0, out);
		for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
			if (!(t->measures & 1u << (parts[i].col - 2)))
				continue;
			putc('\n', out);
			r |= trace_section(t, &view_callsites, parts[i].col, format, top, out);
		}
		break;
	case EXPORT_TEXT:
		fputs("Summary\n", out);
		r |= trace_section(t, &view_trace_summary, -1, format, 0, out);
		for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
			if (!(t->measures & 1u << (parts[i].col - 2)))
				continue;
			fprintf(out, "\nTop %zu call sites %s\n", top, parts[i].title);
			r |= trace_section(t, &view_callsites, parts[i].col, format, top, out);
		}
		break;
	}
	fflush(out);
	return r || ferror(out) ? -1 : 0;
}
