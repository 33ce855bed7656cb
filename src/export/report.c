#include "config.h"

#include <string.h>

#include "heapsift/analyze.h"
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
		fputs(",\"suspects\":", out);
		r |= section(h, &view_suspects, 0, format, 0, out);
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
		/* (the suspects last: scripts read the tables above by their
		 * place) */
		putc('\n', out);
		r |= section(h, &view_suspects, 0, format, 0, out);
		break;
	case EXPORT_TEXT:
		fputs("Summary\n", out);
		r |= section(h, &view_summary, 0, format, 0, out);
		if (h->suspect_count) {
			fprintf(out, "\nLeak suspects (retaining more than %d%%)\n", SUSPECT_PERCENT);
			r |= section(h, &view_suspects, 0, format, 0, out);
		} else {
			fprintf(out, "\nLeak suspects: none (no object or class retains more than %d%%)\n",
			        SUSPECT_PERCENT);
		}
		fprintf(out, "\nTop %zu %s by retained size\n", top,
		        h->rules == HEAP_RULES_V8 ? "constructors" : "classes");
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

/* The column of callsites (of its ops: trace_section maps it to the
 * view's) showing measure k, or -1 when the trace does not give it. */
static int
measure_col(struct trace *t, enum trace_measure_kind k)
{
	struct view *v = view_new_trace(&view_callsites, t);
	int col = -1;
	for (size_t i = 0; i < v->ncols; i++)
		if (v->colmap[i] == 2 + (unsigned)k)
			col = (int)v->colmap[i];
	view_free(v);
	return col;
}

/* heaptrack_print's sections: the call sites by peak, by calls, by
 * temporary allocations and by leaked bytes.  A profile that names its
 * measures (pprof's sample types) has a section per measure instead, its
 * main one first. */
int
report_write_trace(struct trace *t, enum export_format format, size_t top, FILE *out)
{
	static const struct {
		const char *key, *title;
		enum trace_measure_kind kind;
	} heaptrack[] = {
		{ "peak", "by peak contribution", TRACE_PEAK },
		{ "allocations", "by calls to allocation functions", TRACE_ALLOCATIONS },
		{ "temporary", "by temporary allocations", TRACE_TEMPORARY },
		{ "leaked", "by leaked bytes", TRACE_LEAKED_BYTES },
	};
	static const enum trace_measure_kind named_order[] = {
		TRACE_LEAKED_BYTES, TRACE_LEAKED, TRACE_BYTES, TRACE_ALLOCATIONS, TRACE_PEAK,
		TRACE_TEMPORARY,
	};
	struct {
		const char *key;
		char title[96];
		int col;
	} parts[6];
	static const char *const generic[6] = { "allocations", "bytes", "temporary", "peak_bytes",
		                                "leaked_bytes", "leaked" };
	size_t nparts = 0;
	bool named = false;
	int r = 0;

	for (int k = 0; k < 6; k++)
		named |= t->measure_name[k] != NULL;
	if (!named) {
		for (size_t i = 0; i < sizeof heaptrack / sizeof heaptrack[0]; i++) {
			int col = measure_col(t, heaptrack[i].kind);
			if (col < 0)
				continue;
			parts[nparts].key = heaptrack[i].key;
			snprintf(parts[nparts].title, sizeof parts[nparts].title, "%s", heaptrack[i].title);
			parts[nparts++].col = col;
		}
	} else {
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < sizeof named_order / sizeof named_order[0]; i++) {
				enum trace_measure_kind k = named_order[i];
				int col;
				const char *name;
				if ((pass == 0) != ((int)k == t->main_measure) ||
				    (col = measure_col(t, k)) < 0)
					continue;
				name = t->measure_name[k] ? t->measure_name[k] : generic[k];
				parts[nparts].key = name;
				snprintf(parts[nparts].title, sizeof parts[nparts].title, "by %s", name);
				parts[nparts++].col = col;
			}
	}

	switch (format) {
	case EXPORT_JSON:
		fputs("{\"summary\":", out);
		r |= trace_section(t, &view_trace_summary, -1, format, 0, out);
		for (size_t i = 0; i < nparts; i++) {
			fprintf(out, ",\"%s\":", parts[i].key);
			r |= trace_section(t, &view_callsites, parts[i].col, format, top, out);
		}
		fputs("}\n", out);
		break;
	case EXPORT_CSV:
	case EXPORT_TSV:
		r |= trace_section(t, &view_trace_summary, -1, format, 0, out);
		for (size_t i = 0; i < nparts; i++) {
			putc('\n', out);
			r |= trace_section(t, &view_callsites, parts[i].col, format, top, out);
		}
		break;
	case EXPORT_TEXT:
		fputs("Summary\n", out);
		r |= trace_section(t, &view_trace_summary, -1, format, 0, out);
		for (size_t i = 0; i < nparts; i++) {
			fprintf(out, "\nTop %zu call sites %s\n", top, parts[i].title);
			r |= trace_section(t, &view_callsites, parts[i].col, format, top, out);
		}
		break;
	}
	fflush(out);
	return r || ferror(out) ? -1 : 0;
}
