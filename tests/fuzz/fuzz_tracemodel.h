/* Shared by the fuzz targets of the loaders that fill the trace model
 * (heapsift's own traces and the importers): loads the input as format
 * name and exports every trace view, in turn in each output format, the
 * folded stacks and the trace's diff with itself. */
#ifndef HEAPSIFT_FUZZ_TRACEMODEL_H
#define HEAPSIFT_FUZZ_TRACEMODEL_H

#include <stdio.h>

#include "heapsift/diff.h"
#include "heapsift/export.h"
#include "heapsift/load.h"
#include "heapsift/trace.h"
#include "heapsift/view.h"

static inline int
fuzz_trace_model(const uint8_t *data, size_t size, const char *name)
{
	struct model m;
	struct hs_error err;
	struct export_opts o;
	enum trace_measure_kind k;
	struct diff *d;
	struct view *v;
	FILE *null;

	error_clear(&err);
	if (load_mem("fuzz.input", data, size, name, NULL, &m, &err) != HS_OK)
		return 0;
	if ((null = fopen("/dev/null", "w")) != NULL) {
		for (size_t i = 0; trace_views[i]; i++) {
			v = view_new_trace(trace_views[i], m.trace);
			export_opts_init(&o);
			o.format = (enum export_format)(i % 4);
			o.top = 50;
			o.depth = 8;
			export_view(v, &o, null);
			view_free(v);
		}
		if (!trace_measure_pick(m.trace, NULL, &k))
			k = TRACE_PEAK;
		trace_write_folded(m.trace, k, null);
		d = diff_traces(m.trace, m.trace);
		v = view_new_diff(d);
		export_opts_init(&o);
		export_view(v, &o, null);
		view_free(v);
		diff_free(d);
		fclose(null);
	}
	model_free(&m);
	return 0;
}

#endif
