/* Shared by the fuzz targets of the loaders that fill the trace model
 * (heapsift's own traces and the importers): loads the input as format
 * name and exports every trace view, in turn in each output format. */
#ifndef HEAPSIFT_FUZZ_TRACEMODEL_H
#define HEAPSIFT_FUZZ_TRACEMODEL_H

#include <stdio.h>

#include "heapsift/export.h"
#include "heapsift/load.h"
#include "heapsift/trace.h"
#include "heapsift/view.h"

static inline int
fuzz_trace_model(const uint8_t *data, size_t size, const char *name)
{
	struct model m;
	struct hs_error err;
	FILE *null;

	error_clear(&err);
	if (load_mem("fuzz.input", data, size, name, NULL, &m, &err) != HS_OK)
		return 0;
	if ((null = fopen("/dev/null", "w")) != NULL) {
		for (size_t i = 0; trace_views[i]; i++) {
			struct view *v = view_new_trace(trace_views[i], m.trace);
			struct export_opts o;
			export_opts_init(&o);
			o.format = (enum export_format)(i % 4);
			o.top = 50;
			export_view(v, &o, null);
			view_free(v);
		}
		trace_write_folded(m.trace, TRACE_PEAK, null);
		fclose(null);
	}
	model_free(&m);
	return 0;
}

#endif
