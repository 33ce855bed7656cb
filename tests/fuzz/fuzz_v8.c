/* libFuzzer target for the V8 snapshot loader, the analyses over what it
 * loads, and every view's export.  Built with --enable-fuzzing (clang);
 * its corpus also replays in make check through replay.c. */
#include "config.h"

#include "fuzz_heap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_heap(data, size, "fuzz.heapsnapshot", "v8");
}
