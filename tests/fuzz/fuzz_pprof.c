/* libFuzzer target for the pprof loader (Go heap profiles: the protobuf
 * decoder, the tables, pruning, the trace it builds), the trace views'
 * exports and the diff of a profile with itself.  Built with
 * --enable-fuzzing (clang); its corpus also replays in make check through
 * replay.c. */
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
	static const char *const indices[3] = { NULL, "alloc_objects", "1" };
	struct model m;
	struct hs_error err;
	FILE *null;

	error_clear(&err);
	pprof_sample_index = indices[size % 3];
	if (load_mem("fuzz.pb", data, size, "pprof", NULL, &m, &err) != HS_OK)
		return 0;
	if ((null = fopen("/dev/null", "w")) != NULL) {
		struct diff *d = diff_traces(m.trace, m.trace);
		struct view *v;
		struct export_opts o;
		for (size_t i = 0; trace_views[i]; i++) {
			v = view_new_trace(trace_views[i], m.trace);
			export_opts_init(&o);
			o.format = (enum export_format)(i % 4);
			o.top = 50;
			o.depth = 3;
			export_view(v, &o, null);
			view_free(v);
		}
		v = view_new_diff(d);
		export_opts_init(&o);
		export_view(v, &o, null);
		view_free(v);
		diff_free(d);
		trace_write_folded(m.trace, TRACE_LEAKED_BYTES, null);
		fclose(null);
	}
	model_free(&m);
	return 0;
}
