/* tests/trace/trace.sh: heapsift record --sample.  200,000 blocks of 1000
 * bytes, every other one freed at once, so that malloc hands its address
 * to the next one, which is kept to the end: 200,000,000 bytes allocated,
 * 100,000,000 leaked; the leaked ones' addresses were often sampled blocks
 * freed just before. */
#include <stdlib.h>

static void *kept[100000];

int
main(void)
{
	for (int i = 0; i < 200000; i++) {
		void *p = malloc(1000);
		if (p == NULL)
			return 1;
		if (i % 2)
			kept[i / 2] = p;
		else
			free(p);
	}
	return kept[99999] ? 0 : 1;
}
