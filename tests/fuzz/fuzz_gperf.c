/* libFuzzer target for the gperf loader (gperftools and jemalloc heap
 * profiles), its unsampling and the trace views' exports.  Built with
 * --enable-fuzzing (clang); its corpus also replays in make check through
 * replay.c.  The loader opens the files its mappings name: every '/' from
 * the first mappings marker on is made '_', so that none is opened (frames
 * stay addresses). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_tracemodel.h"

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
	fuzz_trace_model(copy, size, "gperf");
	free(copy);
	return 0;
}
