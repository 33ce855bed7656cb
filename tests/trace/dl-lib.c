/* A library for tests/trace/dl-reuse.c, built twice: LIB(x) names its
 * functions (liba_x, libb_x) and CTOR_SIZE sets what its constructor
 * allocates.  Both builds have the same layout, so that one loaded where
 * the other was has the same return addresses in the same places. */
#include <stdlib.h>

static void *volatile keep;

__attribute__((constructor)) static void
LIB(init)(void)
{
	keep = malloc(CTOR_SIZE);	/* before dlopen returns */
}

void *
LIB(alloc)(size_t n)
{
	return malloc(n);
}
