/* bits: helpers over 64-bit words of bits and over ascending arrays of
 * 32-bit keys (the model's side tables, the analyses' bitsets).  Header
 * only; nothing to own. */
#ifndef HEAPSIFT_BITS_H
#define HEAPSIFT_BITS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bits set in x.  Not __builtin_popcountll: without -mpopcnt (the baseline
 * x86-64 target) gcc makes that a call to libgcc's table-driven routine,
 * 6% of a load's time in rank look-ups. */
static inline uint32_t
bits_popcount64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
	return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

/* The first i < n with a[i] >= key, or n: a over ascending keys. */
static inline uint32_t
bits_lower_bound(const uint32_t *a, uint32_t n, uint32_t key)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The last i < n with a[i] <= key, or 0 when there is none: the entry
 * (a run, a node's edges) that starts at or before key. */
static inline uint32_t
bits_last_at_most(const uint32_t *a, uint32_t n, uint32_t key)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (a[mid] <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

/* Where key is in ascending a, or UINT32_MAX.  O(log n). */
static inline uint32_t
bits_find(const uint32_t *a, uint32_t n, uint32_t key)
{
	uint32_t i = bits_lower_bound(a, n, key);
	return i < n && a[i] == key ? i : UINT32_MAX;
}

/* Packed arrays: element i, w bits wide (1 to 32), at bit i * w from p,
 * which has bits_packed_bytes(n, w) bytes (8 of slack for the unaligned
 * 64-bit reads).  A write keeps the other elements' bits, so the array
 * needs no clearing when every element is written. */
static inline size_t
bits_packed_bytes(size_t n, unsigned w)
{
	return (n * w + 7) / 8 + 8;
}

/* The fewest bits that hold every value up to max. */
static inline unsigned
bits_width(uint32_t max)
{
	unsigned w = 1;
	while (w < 32 && max >> w)
		w++;
	return w;
}

static inline uint32_t
bits_packed_get(const uint8_t *p, unsigned w, size_t i)
{
	uint64_t bit = (uint64_t)i * w, x;
	memcpy(&x, p + (bit >> 3), sizeof x);
	return (uint32_t)(x >> (bit & 7)) & (uint32_t)(((uint64_t)1 << w) - 1);
}

static inline void
bits_packed_set(uint8_t *p, unsigned w, size_t i, uint32_t v)
{
	uint64_t bit = (uint64_t)i * w, x, mask = (((uint64_t)1 << w) - 1) << (bit & 7);
	memcpy(&x, p + (bit >> 3), sizeof x);
	x = (x & ~mask) | ((uint64_t)v << (bit & 7) & mask);
	memcpy(p + (bit >> 3), &x, sizeof x);
}

/* Writing a packed array's elements in order from element 0: whole 32-bit
 * words at a time, where bits_packed_set's overlapping read-modify-writes
 * wait on each other (a stall an element).  The elements not written yet
 * may be read meanwhile (in place: each read before its element's write);
 * bits_seq_end writes the last bits. */
struct bits_seq {
	uint8_t *p;		/* where the next word goes */
	uint64_t acc;		/* the bits not written yet, from bit 0 */
	unsigned have;		/* how many (below 32) */
};

static inline void
bits_seq_init(struct bits_seq *s, uint8_t *p)
{
	s->p = p;
	s->acc = 0;
	s->have = 0;
}

/* The same from element i of p's w-bit elements: the bits before it in
 * its word are kept. */
static inline void
bits_seq_init_at(struct bits_seq *s, uint8_t *p, unsigned w, size_t i)
{
	uint64_t bit = (uint64_t)i * w;
	uint32_t word;
	s->p = p + (bit >> 5) * 4;
	s->have = (unsigned)(bit & 31);
	memcpy(&word, s->p, sizeof word);
	s->acc = s->have ? word & (((uint32_t)1 << s->have) - 1) : 0;
}

static inline void
bits_seq_put(struct bits_seq *s, unsigned w, uint32_t v)
{
	s->acc |= (uint64_t)v << s->have;
	s->have += w;
	if (s->have >= 32) {
		uint32_t word = (uint32_t)s->acc;
		memcpy(s->p, &word, sizeof word);
		s->p += sizeof word;
		s->acc >>= 32;
		s->have -= 32;
	}
}

static inline void
bits_seq_end(struct bits_seq *s)
{
	uint64_t x, mask = ((uint64_t)1 << s->have) - 1;
	memcpy(&x, s->p, sizeof x);
	x = (x & ~mask) | (s->acc & mask);
	memcpy(s->p, &x, sizeof x);
	s->have = 0;
	s->acc = 0;
}

#endif
