/* Known allocations for tests/import/massif.sh (built with -O2 -g): from
 * several functions, one of them inlined (massif repeats its address on
 * two levels), a recursive one (the same address on consecutive levels,
 * not inlined), one from libc (strdup), small ones that fall below
 * massif's default threshold, and some freed before the end so that the
 * peak and the end differ. */
#include <stdlib.h>
#include <string.h>

static void *keep[256];
static int nkeep;
static void *volatile scratch_ptr;
static volatile int depth_seen;

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
	for (int i = 0; i < 20; i++)
		keep[nkeep++] = calloc(1, 24 + (size_t)i);
	keep[nkeep++] = strdup("a string of a few bytes, from libc");
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
	build_table();
	keep[nkeep++] = recurse(3);
	small_things();
	scratch();
	keep[nkeep++] = realloc(malloc(100), 5000);
	free(keep[0]);
	free(keep[1]);
	return 0;
}
