/* libFuzzer target for the pprof loader (Go heap profiles: the protobuf
 * decoder, the tables, pruning, the trace it builds), the trace views'
 * exports and the diff of a profile with itself.  Built with
 * --enable-fuzzing (clang); its corpus also replays in make check through
 * replay.c. */
#include "config.h"

#include "fuzz_tracemodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const indices[3] = { NULL, "alloc_objects", "1" };
	pprof_sample_index = indices[size % 3];
	return fuzz_trace_model(data, size, "pprof");
}
