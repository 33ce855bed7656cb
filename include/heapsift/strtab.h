/* strtab: a table of byte strings named by dense 32-bit ids.
 * strtab_add() appends (ids follow insertion order, duplicates allowed);
 * strtab_intern() returns the id of an equal string if there is one.
 * Strings are NUL-terminated copies and may contain NUL bytes (their length
 * is kept).  The table owns every string; strtab_free() releases them. */
#ifndef HEAPSIFT_STRTAB_H
#define HEAPSIFT_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "heapsift/arena.h"

#define STRTAB_NONE UINT32_MAX

struct strtab {
	struct arena arena;
	const char **str;
	uint32_t *len;
	size_t count, cap;
	/* intern hash (built on first strtab_intern / strtab_find) */
	uint32_t *hash_slots;
	size_t hash_cap;
};

void strtab_init(struct strtab *t);
void strtab_free(struct strtab *t);

uint32_t strtab_add(struct strtab *t, const char *s, size_t n);
/* Adds a string the caller already copied into t->arena (no second copy). */
uint32_t strtab_add_owned(struct strtab *t, const char *s, size_t n);
uint32_t strtab_intern(struct strtab *t, const char *s, size_t n);
uint32_t strtab_intern_cstr(struct strtab *t, const char *s);
/* STRTAB_NONE when absent. */
uint32_t strtab_find(struct strtab *t, const char *s, size_t n);

static inline const char *
strtab_get(const struct strtab *t, uint32_t id)
{
	return t->str[id];
}

static inline uint32_t
strtab_len(const struct strtab *t, uint32_t id)
{
	return t->len[id];
}

static inline size_t
strtab_count(const struct strtab *t)
{
	return t->count;
}

uint64_t strtab_hash(const char *s, size_t n);

/* Drops the strings from id count on (their bytes stay in the arena). */
void strtab_truncate(struct strtab *t, size_t count);

#endif
