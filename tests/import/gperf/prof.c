/* Known allocations for tests/import/gperf.sh, built with -O2 -g: from
 * several functions, one of them inlined, a recursive one, one in libc
 * (strdup), calloc and realloc, many small blocks and some large ones,
 * some freed before the end.  Run under tcmalloc's heap profiler
 * (LD_PRELOAD=libtcmalloc.so.4 HEAPPROFILE=PREFIX: a profile at exit); or,
 * built with -DHEAP_SAMPLE and linked with sample.cc and -ltcmalloc, it
 * writes tcmalloc's sampled heap (GetHeapSample, "heap_v2") to the file
 * named by $HEAP_SAMPLE_FILE before it frees anything (after 32 MiB
 * allocated and freed: tcmalloc takes its first sample only after about
 * 16 MiB). */
#include <stdlib.h>
#include <string.h>

#ifdef HEAP_SAMPLE
void write_heap_sample(const char *path);
#endif

void *keep[4096];
int nkeep;
void *volatile scratch_ptr;
volatile int depth_seen;

__attribute__((noinline)) static void *
leaf_alloc(size_t n)
{
	void *p = malloc(n);
	memset(p, 1, n);
	return p;
}

static inline __attribute__((always_inline)) void *
inlined_alloc(size_t n)
{
	void *p = malloc(n);
	memset(p, 2, n);
	return p;
}

__attribute__((noinline)) static void *
recurse(int n)
{
	void *p;
	if (n == 0)
		return leaf_alloc(7000);
	p = recurse(n - 1);
	depth_seen++;	/* not a tail call */
	return p;
}

__attribute__((noinline)) static void
build_table(void)
{
	for (int i = 0; i < 4; i++)
		keep[nkeep++] = leaf_alloc(10000);
	keep[nkeep++] = inlined_alloc(30000);
}

__attribute__((noinline)) static void
small_things(void)
{
	for (int i = 0; i < 2000; i++)
		keep[nkeep++] = calloc(1, 24 + (size_t)(i % 40));
	keep[nkeep++] = strdup("a string of a few bytes, from libc");
}

__attribute__((noinline)) static void
big_blocks(void)
{
	for (int i = 0; i < 30; i++)
		keep[nkeep++] = leaf_alloc(65536 + (size_t)i * 4096);
}

__attribute__((noinline)) static void
scratch(void)
{
	void *p = leaf_alloc(50000);
	scratch_ptr = malloc(20000);
	memset(scratch_ptr, 3, 20000);
	free(scratch_ptr);
	free(p);
}

int
main(void)
{
#ifdef HEAP_SAMPLE
	for (int i = 0; i < 32768; i++) {
		scratch_ptr = malloc(1024);
		free(scratch_ptr);
	}
#endif
	build_table();
	keep[nkeep++] = recurse(3);
	small_things();
	big_blocks();
	scratch();
	keep[nkeep++] = realloc(malloc(100), 5000);
#ifdef HEAP_SAMPLE
	write_heap_sample(getenv("HEAP_SAMPLE_FILE"));
#endif
	free(keep[0]);
	free(keep[1]);
	for (int i = 10; i < 1000; i++)
		free(keep[i]);
	return 0;
}
