/* libFuzzer target for the massif loader (valgrind massif files), its
 * trees and the trace views' exports.  Built with --enable-fuzzing (clang);
 * its corpus also replays in make check through replay.c. */
#include "config.h"

#include "fuzz_tracemodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trace_model(data, size, "massif");
}
