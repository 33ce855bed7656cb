#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/arena.h"
#include "heapsift/xalloc.h"

#define ARENA_BLOCK ((size_t)1 << 20)

struct arena_block {
	struct arena_block *next;
	max_align_t data[];
};

void
arena_init(struct arena *a)
{
	memset(a, 0, sizeof *a);
}

static char *
arena_new_block(struct arena *a, size_t need)
{
	size_t size = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
	struct arena_block *b;

	if (size > SIZE_MAX - sizeof *b)
		xmalloc(SIZE_MAX);	/* aborts */
	b = xmalloc(sizeof *b + size);
	b->next = a->head;
	a->head = b;
	a->total += size;
	if (size == ARENA_BLOCK) {
		a->cur = (char *)b->data + need;
		a->end = (char *)b->data + size;
	}
	/* An oversized request gets a block of its own; the current block
	 * stays in use for later small requests. */
	return (char *)b->data;
}

char *
arena_alloc_bytes(struct arena *a, size_t size)
{
	char *p;
	if ((size_t)(a->end - a->cur) >= size) {
		p = a->cur;
		a->cur += size;
		return p;
	}
	return arena_new_block(a, size);
}

void *
arena_alloc(struct arena *a, size_t size)
{
	uintptr_t c = (uintptr_t)a->cur;
	size_t pad = (8 - (c & 7)) & 7;
	if (a->cur && (size_t)(a->end - a->cur) >= pad && (size_t)(a->end - a->cur) - pad >= size) {
		char *p = a->cur + pad;
		a->cur = p + size;
		return p;
	}
	return arena_new_block(a, size);
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc_bytes(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
arena_free(struct arena *a)
{
	struct arena_block *b = a->head, *next;
	while (b) {
		next = b->next;
		free(b);
		b = next;
	}
	arena_init(a);
}
