/* The body of the heap loaders' libFuzzer targets: load data as one
 * format, analyse it, export every view.  Included by fuzz_FORMAT.c. */
#ifndef HEAPSIFT_FUZZ_HEAP_H
#define HEAPSIFT_FUZZ_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "heapsift/analyze.h"
#include "heapsift/export.h"
#include "heapsift/load.h"
#include "heapsift/view.h"

static int
fuzz_heap(const uint8_t *data, size_t size, const char *name, const char *format)
{
	struct model m;
	struct hs_error err;
	FILE *null;

	error_clear(&err);
	if (load_mem(name, data, size, format, NULL, &m, &err) != HS_OK)
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

#endif
