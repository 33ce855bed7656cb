/* libFuzzer target for the gperf loader (gperftools and jemalloc heap
 * profiles), its unsampling and the trace views' exports.  Built with
 * --enable-fuzzing (clang); its corpus also replays in make check through
 * replay.c.  The loader opens the files its mappings name: every '/' from
 * the first mappings marker on is made '_', so that none is opened (frames
 * stay addresses). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/export.h"
#include "heapsift/load.h"
#include "heapsift/trace.h"
#include "heapsift/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
marker(const uint8_t *data, size_t size, const char *m)
{
	const uint8_t *p = memmem(data, size, m, strlen(m));
	return p ? (size_t)(p - data) : size;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m;
	struct hs_error err;
	FILE *null;
	uint8_t *copy = malloc(size ? size : 1);
	size_t from;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	from = marker(copy, size, "MAPPED_LIBRARIES:");
	if (marker(copy, size, "--- Memory map:") < from)
		from = marker(copy, size, "--- Memory map:");
	for (size_t i = from; i < size; i++)
		if (copy[i] == '/')
			copy[i] = '_';
	error_clear(&err);
	if (load_mem("fuzz.heap", copy, size, "gperf", NULL, &m, &err) != HS_OK) {
		free(copy);
		return 0;
	}
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
		trace_write_folded(m.trace, TRACE_LEAKED_BYTES, null);
		fclose(null);
	}
	model_free(&m);
	free(copy);
	return 0;
}
