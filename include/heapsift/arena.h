/* arena: a bump allocator for data that lives as long as a model.
 * The arena owns every block it hands out; arena_free() releases them all. */
#ifndef HEAPSIFT_ARENA_H
#define HEAPSIFT_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	char *cur, *end;
	size_t total;		/* bytes allocated from the system */
};

void arena_init(struct arena *a);
/* size bytes aligned to 8; aborts on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);
/* size bytes, no alignment (strings). */
char *arena_alloc_bytes(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

#endif
