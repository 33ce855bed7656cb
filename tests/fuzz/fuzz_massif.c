/* libFuzzer target for the massif loader (valgrind massif files), its
 * trees and the trace views' exports.  Built with --enable-fuzzing (clang);
 * its corpus also replays in make check through replay.c. */
#include "config.h"

#include <stdio.h>

#include "heapsift/export.h"
#include "heapsift/load.h"
#include "heapsift/trace.h"
#include "heapsift/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m;
	struct hs_error err;
	FILE *null;

	error_clear(&err);
	if (load_mem("fuzz.massif", data, size, "massif", NULL, &m, &err) != HS_OK)
		return 0;
	if ((null = fopen("/dev/null", "w")) != NULL) {
		for (size_t i = 0; trace_views[i]; i++) {
			struct view *v = view_new_trace(trace_views[i], m.trace);
			struct export_opts o;
			export_opts_init(&o);
			o.format = (enum export_format)(i % 4);
			o.top = 50;
			o.depth = 8;
			export_view(v, &o, null);
			view_free(v);
		}
		trace_write_folded(m.trace, TRACE_PEAK, null);
		fclose(null);
	}
	model_free(&m);
	return 0;
}
