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

/* sort: the callsites ops' column, mapped to the view's (a file that
 * lacks some measures shows fewer columns) */
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
	o.sort = -1;
	for (size_t i = 0; sort >= 0 && i < v->ncols; i++)
		if (v->colmap[i] == (unsigned)sort)
			o.sort = (int)i;
	r = export_view(v, &o, out);
	view_free(v);
	return r;
}

/* heaptrack_print's sections: the call sites by peak, by calls, by
 * temporary allocations and by leaked bytes; of those the trace gives
 * (an imported profile: by each of its measures, named as it names them). */
int
report_write_trace(struct trace *t, enum export_format format, size_t top, FILE *out)
{
	static const struct {
		const char *key, *title;
		int measure;
	} parts[] = {
		{ "peak", "by peak contribution", TRACE_PEAK },
		{ "allocations", "by calls to allocation functions", TRACE_ALLOCATIONS },
		{ "temporary", "by temporary allocations", TRACE_TEMPORARY },
		{ "leaked", "by leaked bytes", TRACE_LEAKED_BYTES },
		{ "leaks", "by leaked allocations", TRACE_LEAKED },
		{ "bytes", "by bytes allocated", TRACE_BYTES },
	};
	bool all = t->measures == TRACE_ALL_MEASURES;
	int r = 0;

	if (format == EXPORT_JSON)
		fputs("{\"summary\":", out);
	else if (format == EXPORT_TEXT)
		fputs("Summary\n", out);
	r |= trace_section(t, &view_trace_summary, -1, format, 0, out);
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		int m = parts[i].measure;
		const char *name = t->measure_name[m];
		/* the recorder's traces: heaptrack_print's four */
		if (all ? i >= 4 : !(t->measures & 1u << m))
			continue;
		switch (format) {
		case EXPORT_JSON: fprintf(out, ",\"%s\":", name ? name : parts[i].key); break;
		case EXPORT_CSV:
		case EXPORT_TSV: putc('\n', out); break;
		case EXPORT_TEXT:
			if (name)
				fprintf(out, "\nTop %zu call sites by %s\n", top, name);
			else
				fprintf(out, "\nTop %zu call sites %s\n", top, parts[i].title);
			break;
		}
		/* callsites' measure columns follow function and location */
		r |= trace_section(t, &view_callsites, 2 + m, format, top, out);
	}
	if (format == EXPORT_JSON)
		fputs("}\n", out);
	fflush(out);
	return r || ferror(out) ? -1 : 0;
}
