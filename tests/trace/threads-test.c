/* 8 threads x 200,000 allocations (half of them freed at once, half kept
 * until the thread ends), for tests/trace/trace.sh: exact totals, no
 * deadlock. */
#include <pthread.h>
#include <stdlib.h>

#define THREADS 8
#define PER_THREAD 200000

static void *volatile sink;

static void *
work(void *arg)
{
	void **keep = malloc(PER_THREAD / 2 * sizeof *keep);	/* 1 each, 800000 bytes */
	(void)arg;
	for (int i = 0; i < PER_THREAD; i += 2) {
		void *p = malloc(16);
		sink = p;
		free(p);
		keep[i / 2] = malloc(32);
	}
	for (int i = 0; i < PER_THREAD / 2; i++)
		free(keep[i]);
	free(keep);
	return NULL;
}

int
main(void)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, work, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	return 0;
}
