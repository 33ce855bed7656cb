/* tests/diff/diff.sh: 10 allocations of 100 bytes at once, then, 300 ms
 * later, 20 of 200 bytes (for diff --from/--to on one trace). */
#include <stdlib.h>
#include <unistd.h>

static void *volatile sink;

__attribute__((noinline)) static void early(void) { for (int i = 0; i < 10; i++) sink = malloc(100); }
__attribute__((noinline)) static void late(void) { for (int i = 0; i < 20; i++) sink = malloc(200); }

int
main(void)
{
	early();
	usleep(300000);
	late();
	return 0;
}
