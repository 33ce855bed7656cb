/* libFuzzer target for the tracemalloc loader (src/load/tracemalloc.c):
 * its pickle machine, the snapshot's shape, the trace views' exports, the
 * folded stacks and a diff of the snapshot with itself.  Built with
 * --enable-fuzzing (clang); its corpus (real dumps of protocols 2 to 5,
 * hostile pickles) also replays in make check through replay.c. */
#include "config.h"

#include "fuzz_tracemodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trace_model(data, size, "tracemalloc");
}
