/* leak: a C program whose heap profile (gperftools' heap profiler, then
 * converted by go tool pprof -proto -symbolize=none) has locations with
 * addresses only: tests/import/pprof.sh checks that heapsift symbolizes
 * them as go tool pprof does.  Known amounts: some kept, some freed, one
 * function inlined into its caller. */
#include <stdlib.h>
#include <string.h>

void *kept[1000];	/* not static: the compiler must keep the stores */
int nkept;

static inline __attribute__((always_inline)) void *
make_record(size_t n)
{
	void *p = malloc(n);
	if (p)
		memset(p, 1, n);
	return p;
}

__attribute__((noinline)) static void
keep(int count, size_t size)
{
	for (int i = 0; i < count && nkept < 1000; i++)
		kept[nkept++] = make_record(size);
}

__attribute__((noinline)) static void
churn(int count, size_t size)
{
	for (int i = 0; i < count; i++) {
		char *p = malloc(size);
		if (p) {
			p[0] = (char)i;
			free(p);
		}
	}
}

__attribute__((noinline)) static void
table(int count)
{
	for (int i = 0; i < count && nkept < 1000; i++)
		kept[nkept++] = calloc(16, 32);
}

int
main(void)
{
	keep(100, 4000);
	churn(50, 10000);
	table(200);
	keep(20, 100000);
	/* the profile is written at exit: what is still allocated is in use */
	return 0;
}
