/* libFuzzer target for the V8 snapshot loader, the analyses over what it
 * loads, and every view's export.  Built with --enable-fuzzing (clang);
 * its corpus also replays in make check through replay.c. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "heapsift/analyze.h"
#include "heapsift/export.h"
#include "heapsift/load.h"
#include "heapsift/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m;
	struct hs_error err;
	FILE *null;

	error_clear(&err);
	if (load_mem("fuzz.heapsnapshot", data, size, "v8", NULL, &m, &err) != HS_OK)
		return 0;
	if (analyze_heap(m.heap, NULL, &err) == HS_OK && (null = fopen("/dev/null", "w")) != NULL) {
		for (size_t i = 0; heap_views[i]; i++) {
			struct view *v = view_new(heap_views[i], m.heap);
			struct export_opts o;
			if (heap_views[i]->needs_subject)
				v->subject = (uint32_t)(size % m.heap->node_count);
			export_opts_init(&o);
			o.format = (enum export_format)(i % 4);
			o.depth = 4;
			o.top = 50;
			export_view(v, &o, null);
			view_free(v);
		}
		retainers_build(m.heap);
		fclose(null);
	}
	model_free(&m);
	return 0;
}
