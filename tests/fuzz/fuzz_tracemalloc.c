/* libFuzzer target for the tracemalloc loader (src/load/tracemalloc.c):
 * its pickle machine, the snapshot's shape, the trace views' exports, the
 * folded stacks and a diff of the snapshot with itself.  Built with
 * --enable-fuzzing (clang); its corpus (real dumps of protocols 2 to 5,
 * hostile pickles) also replays in make check through replay.c. */
#include "config.h"

#include <stdio.h>

#include "heapsift/diff.h"
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
	if (load_mem("fuzz.pickle", data, size, "tracemalloc", NULL, &m, &err) != HS_OK)
		return 0;
	if ((null = fopen("/dev/null", "w")) != NULL) {
		struct diff *d = diff_traces(m.trace, m.trace);
		struct view *v;
		for (size_t i = 0; trace_views[i]; i++) {
			struct export_opts o;
			v = view_new_trace(trace_views[i], m.trace);
			export_opts_init(&o);
			o.format = (enum export_format)(i % 4);
			o.top = 50;
			export_view(v, &o, null);
			view_free(v);
		}
		trace_write_folded(m.trace, TRACE_LEAKED_BYTES, null);
		v = view_new_diff(d);
		{
			struct export_opts o;
			export_opts_init(&o);
			export_view(v, &o, null);
		}
		view_free(v);
		diff_free(d);
		fclose(null);
	}
	model_free(&m);
	return 0;
}
