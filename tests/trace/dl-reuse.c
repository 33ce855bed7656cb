/* tests/trace/trace.sh: two libraries in turn at the same address, called
 * through one call path: dlopen A, allocate from it, dlclose it, then the
 * same for B, which the loader maps where A was.  Each allocation must be
 * named after the library that made it.  Prints "same" when B did land
 * where A was (else the test proves nothing). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static void *volatile keep;

__attribute__((noinline)) static void
call(void *(*f)(size_t), size_t n)
{
	keep = f(n);
	__asm__ volatile("");
}

__attribute__((noinline)) static void *
open_call(const char *lib, const char *sym, size_t n, void **base)
{
	void *h = dlopen(lib, RTLD_NOW);
	void *(*f)(size_t);
	Dl_info di;

	if (h == NULL || (f = (void *(*)(size_t))dlsym(h, sym)) == NULL || !dladdr((void *)f, &di)) {
		fprintf(stderr, "dl-reuse: %s: %s\n", lib, dlerror());
		exit(2);
	}
	*base = di.dli_fbase;
	call(f, n);
	return h;
}

int
main(int argc, char **argv)
{
	static const char *const sym[2] = { "liba_alloc", "libb_alloc" };
	void *base[2];

	if (argc != 3)
		return 2;
	for (int i = 0; i < 2; i++)	/* the same call path for both */
		dlclose(open_call(argv[1 + i], sym[i], 1111 * (size_t)(i + 1), &base[i]));
	printf("%s\n", base[0] == base[1] ? "same" : "moved");
	return 0;
}
