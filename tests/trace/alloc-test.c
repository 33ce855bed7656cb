/* A program with known allocations, for tests/trace/trace.sh: every count
 * below is what heapsift (and heaptrack) must find.  Built at -O1 with no
 * sibling calls, so that each allocation's caller keeps its frame. */
#include <stdlib.h>
#include <string.h>

static void *volatile sink;	/* keeps the compiler from dropping allocations */

static inline void *
make_buf(size_t n)
{
	void *p = malloc(n);	/* the call site of the leaks: make_buf, this line */
	memset(p, 1, n);
	return p;
}

__attribute__((noinline)) static void
leak(void)
{
	for (int i = 0; i < 5; i++)
		sink = make_buf(1000);	/* 5 leaks, 5000 bytes */
}

__attribute__((noinline)) static void
temporary(void)
{
	for (int i = 0; i < 10; i++) {
		char *p = malloc(100);	/* 10 temporary allocations */
		sink = p;
		free(p);
	}
}

__attribute__((noinline)) static void
not_temporary(void)
{
	char *a = malloc(200), *b = malloc(300);	/* freed after another allocation */
	sink = a;
	sink = b;
	free(a);
	free(b);
}

__attribute__((noinline)) static void
peak(void)
{
	char *big = malloc(1 << 20);	/* the peak: 5000 + 1 MiB live */
	memset(big, 0, 1 << 20);
	sink = big;
	free(big);
}

__attribute__((noinline)) static void
others(void)
{
	void *p, *q;
	char *r = malloc(10);	/* realloc: a call too; frees r, which was the latest */
	r = realloc(r, 20);	/* leaked: 20 bytes */
	sink = r;
	p = calloc(4, 25);
	sink = p;
	free(p);
	if (posix_memalign(&q, 64, 128) == 0) {
		sink = q;
		free(q);
	}
	q = aligned_alloc(64, 256);
	sink = q;
	free(q);
}

int
main(int argc, char **argv)
{
	(void)argv;
	leak();
	peak();
	temporary();
	not_temporary();
	others();
	return argc > 1 ? 0 : 3;	/* the status goes through heapsift record */
}
