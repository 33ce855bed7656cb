/* tests/bench/record.sh: 10 million malloc/free pairs from 3 call sites. */
#include <stdlib.h>

static void *volatile sink;

__attribute__((noinline)) static void site_a(void) { void *p = malloc(16); sink = p; free(p); }
__attribute__((noinline)) static void site_b(void) { void *p = malloc(100); sink = p; free(p); }
__attribute__((noinline)) static void site_c(void) { void *p = malloc(1000); sink = p; free(p); }

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	for (long i = 0; i < n; i++) {
		switch (i % 3) {
		case 0: site_a(); break;
		case 1: site_b(); break;
		default: site_c(); break;
		}
	}
	return 0;
}
