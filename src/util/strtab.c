#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heapsift/strtab.h"
#include "heapsift/xalloc.h"

void
strtab_init(struct strtab *t)
{
	memset(t, 0, sizeof *t);
	arena_init(&t->arena);
}

void
strtab_free(struct strtab *t)
{
	arena_free(&t->arena);
	free(t->str);
	free(t->len);
	free(t->hash_slots);
	memset(t, 0, sizeof *t);
}

/* FNV-1a, 64-bit: short strings dominate and it needs no tables. */
uint64_t
strtab_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void strtab_hash_insert(struct strtab *t, uint32_t id);

uint32_t
strtab_add_owned(struct strtab *t, const char *s, size_t n)
{
	uint32_t id;
	if (t->count >= UINT32_MAX - 1 || n > UINT32_MAX)
		xmalloc(SIZE_MAX);	/* aborts: callers check counts first */
	if (t->count == t->cap) {
		size_t c1 = t->cap, c2 = t->cap;
		XGROW(t->str, c1, t->count + 1);
		XGROW(t->len, c2, t->count + 1);
		t->cap = c1;
	}
	id = (uint32_t)t->count++;
	t->str[id] = s;
	t->len[id] = (uint32_t)n;
	if (t->hash_slots)
		strtab_hash_insert(t, id);
	return id;
}

uint32_t
strtab_add(struct strtab *t, const char *s, size_t n)
{
	return strtab_add_owned(t, arena_strndup(&t->arena, s, n), n);
}

static void
strtab_hash_insert(struct strtab *t, uint32_t id)
{
	size_t mask, i;
	if ((t->count + 1) * 2 > t->hash_cap) {
		size_t cap = t->hash_cap ? t->hash_cap * 2 : 1024;
		while (cap < (t->count + 1) * 2)
			cap *= 2;
		free(t->hash_slots);
		t->hash_slots = xmallocarray(cap, sizeof *t->hash_slots);
		memset(t->hash_slots, 0xff, cap * sizeof *t->hash_slots);
		t->hash_cap = cap;
		mask = cap - 1;
		/* Re-insert all ids below this one; the first of equal strings
		 * wins (lowest id). */
		for (uint32_t j = 0; j < id; j++) {
			i = strtab_hash(t->str[j], t->len[j]) & mask;
			while (t->hash_slots[i] != STRTAB_NONE) {
				uint32_t o = t->hash_slots[i];
				if (t->len[o] == t->len[j] && memcmp(t->str[o], t->str[j], t->len[j]) == 0)
					break;
				i = (i + 1) & mask;
			}
			if (t->hash_slots[i] == STRTAB_NONE)
				t->hash_slots[i] = j;
		}
	}
	mask = t->hash_cap - 1;
	i = strtab_hash(t->str[id], t->len[id]) & mask;
	while (t->hash_slots[i] != STRTAB_NONE) {
		uint32_t o = t->hash_slots[i];
		if (t->len[o] == t->len[id] && memcmp(t->str[o], t->str[id], t->len[id]) == 0)
			return;
		i = (i + 1) & mask;
	}
	t->hash_slots[i] = id;
}

uint32_t
strtab_find(struct strtab *t, const char *s, size_t n)
{
	size_t mask, i;
	if (t->hash_slots == NULL) {
		if (t->count == 0)
			return STRTAB_NONE;
		/* Build the index lazily: strings added before the first look-up. */
		strtab_hash_insert(t, (uint32_t)(t->count - 1));
	}
	mask = t->hash_cap - 1;
	i = strtab_hash(s, n) & mask;
	while (t->hash_slots[i] != STRTAB_NONE) {
		uint32_t o = t->hash_slots[i];
		if (t->len[o] == n && memcmp(t->str[o], s, n) == 0)
			return o;
		i = (i + 1) & mask;
	}
	return STRTAB_NONE;
}

uint32_t
strtab_intern(struct strtab *t, const char *s, size_t n)
{
	uint32_t id = strtab_find(t, s, n);
	if (id != STRTAB_NONE)
		return id;
	id = strtab_add(t, s, n);
	if (t->hash_slots == NULL)
		strtab_hash_insert(t, id);
	return id;
}

uint32_t
strtab_intern_cstr(struct strtab *t, const char *s)
{
	return strtab_intern(t, s, strlen(s));
}

void
strtab_truncate(struct strtab *t, size_t count)
{
	if (count >= t->count)
		return;
	t->count = count;
	free(t->hash_slots);	/* rebuilt on the next look-up */
	t->hash_slots = NULL;
	t->hash_cap = 0;
}
