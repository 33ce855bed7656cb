/* idmap: the set of a dump's object ids (addresses), and each id's rank in
 * it (its index in ascending order).
 *
 * Two forms, chosen by idmap_init from the ids' span: a bitmap over the
 * span at the ids' common alignment, with a rank directory (ones before
 * each 512-bit block), when that costs at most 16 bytes an object (JDK
 * heaps: one bit per 8 bytes of used heap); else a sorted array.
 *
 * Use: idmap_init, idmap_add for every id (any order, repeats allowed),
 * idmap_build once, then idmap_rank / idmap_select.  The map owns its
 * arrays; idmap_free releases them. */
#ifndef HEAPSIFT_IDMAP_H
#define HEAPSIFT_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapsift/bits.h"

#define IDMAP_NONE UINT32_MAX

struct idmap {
	uint64_t base;		/* the smallest id */
	unsigned shift;		/* log2 of the ids' common alignment (both forms) */
	/* bitmap with rank */
	uint64_t *bits;		/* words + 8 words (zero padding) */
	uint32_t *rank;		/* ones before each 512-bit block; blocks + 1 */
	uint16_t *wrank;	/* ones before each word within its block */
	size_t words;
	/* or a sorted array */
	uint64_t *sorted;
	size_t nsorted;
	size_t cap;
};

/* Sizes the map for count ids between min_id and max_id; id_bits is the OR
 * of them all (their common alignment).  count 0: an empty map. */
void idmap_init(struct idmap *m, uint64_t min_id, uint64_t max_id, uint64_t id_bits,
                uint64_t count);

/* Adds id (between the min and max given to idmap_init); with a bitmap,
 * returns whether it was not there yet (a sorted array cannot tell before
 * it is sorted: it returns true). */
static inline bool
idmap_add(struct idmap *m, uint64_t id)
{
	if (m->bits) {
		uint64_t b = (id - m->base) >> m->shift, bit = 1ULL << (b & 63);
		bool fresh = !(m->bits[b >> 6] & bit);
		m->bits[b >> 6] |= bit;
		return fresh;
	}
	if (m->nsorted < m->cap)
		m->sorted[m->nsorted++] = id;
	return true;
}

/* Builds the rank directory (or sorts and drops repeats); returns the
 * number of distinct ids. */
uint32_t idmap_build(struct idmap *m);

/* The rank of id among the ids, or IDMAP_NONE (after idmap_build).  O(1)
 * with a bitmap: two directory reads and a popcount. */
static inline uint32_t
idmap_rank(const struct idmap *m, uint64_t id)
{
	if (m->bits) {
		uint64_t b, w;
		uint32_t r;
		if (id < m->base)
			return IDMAP_NONE;
		b = id - m->base;
		if (b & ((1ULL << m->shift) - 1))
			return IDMAP_NONE;
		b >>= m->shift;
		w = b >> 6;
		if (w >= m->words || !(m->bits[w] >> (b & 63) & 1))
			return IDMAP_NONE;
		r = m->rank[w >> 3] + m->wrank[w];
		return r + bits_popcount64(m->bits[w] & ((1ULL << (b & 63)) - 1));
	} else {
		size_t lo = 0, hi = m->nsorted;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (m->sorted[mid] < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo < m->nsorted && m->sorted[lo] == id ? (uint32_t)lo : IDMAP_NONE;
	}
}

/* The number of distinct ids (after idmap_build). */
uint32_t idmap_count(const struct idmap *m);

/* The id of rank r (r < idmap_count): the inverse of idmap_rank.  With a
 * bitmap, a binary search over the rank directory, then popcounts within
 * the block: O(log blocks). */
uint64_t idmap_select(const struct idmap *m, uint32_t r);

/* Writes the ids of ranks r .. r+n-1 (all < idmap_count) into out, in one
 * scan over the bitmap: what idmap_select would give, faster. */
void idmap_select_run(const struct idmap *m, uint32_t r, uint32_t n, uint64_t *out);

/* Bytes the map holds. */
size_t idmap_bytes(const struct idmap *m);

void idmap_free(struct idmap *m);

#endif
