/* Middle layer of static inline helpers: each calls into sym_inl_b.h. */
#ifndef SYM_INL_A_H
#define SYM_INL_A_H

#include "sym_inl_b.h"

static inline unsigned sa_mix(unsigned h, unsigned v)
{
	h ^= sb_rotl(v * 0xcc9e2d51u, 15);
	h = sb_rotl(h, 13);
	return h * 5 + 0xe6546b64u;
}

static inline unsigned sa_hash(const unsigned *v, int n, unsigned seed)
{
	unsigned h = seed;
	for (int i = 0; i < n; i++)
		h = sa_mix(h, v[i]);
	h ^= (unsigned)n;
	h ^= h >> 16;
	return h * 0x85ebca6bu;
}

static inline int sa_slot(const int *keys, int key)
{
	unsigned i = sa_mix(0, (unsigned)key) & 63;
	for (int probe = 0; probe < 64; probe++) {
		if (keys[i] == key || keys[i] == 0)
			return (int)i;
		i = (i + 1) & 63;
	}
	return -1;
}

static inline int sa_score(const unsigned *v, int n, int lo, int hi)
{
	return sb_clamp((int)(sb_sum(v, n) & 0xffff), lo, hi);
}

#endif
