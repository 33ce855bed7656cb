/* libFuzzer target for the Java HPROF loader, the analyses over what it
 * loads, and every view's export.  Built with --enable-fuzzing (clang);
 * its corpus also replays in make check through replay.c.
 *
 * The input is loaded twice: from memory (String labels made while
 * loading), then as a file, whose String labels are read from it when
 * shown (lazy_make in hprof.c): every node's name is asked for, and its
 * values (lazy_values).  From
 * memory pass A runs on one thread; the file's on two where it can be
 * split, whatever its size (hprof_parallel_min). */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_heap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.hprof", MFD_CLOEXEC);
	char path[64], buf[128];
	struct model m;
	struct hs_error err;

	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		error_clear(&err);
		if (load_file(path, "hprof", NULL, &m, &err) == HS_OK) {
			for (uint32_t v = 0; v < m.heap->node_count && v < 100000; v++) {
				struct heap_value val[4];
				uint32_t n = heap_node_values(m.heap, v, 0, NULL, 0);
				heap_display_name(m.heap, v, buf, sizeof buf);
				if (n)
					heap_node_values(m.heap, v, n > 4 ? n - 4 : 0, val, 4);
			}
			model_free(&m);
		}
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hprof_parallel_min = SIZE_MAX;
	fuzz_heap(data, size, "fuzz.hprof", "hprof");
	hprof_parallel_min = 0;
	fuzz_file(data, size);
	return 0;
}
