#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heapsift/idmap.h"
#include "heapsift/xalloc.h"

void
idmap_init(struct idmap *m, uint64_t min_id, uint64_t max_id, uint64_t id_bits, uint64_t count)
{
	uint64_t span, bits;
	unsigned shift = 0;

	memset(m, 0, sizeof *m);
	if (count == 0)
		return;
	/* the alignment common to all ids: the lowest bit set in any of them */
	while (shift < 6 && !(id_bits >> shift & 1))
		shift++;
	if (min_id & ((1ULL << shift) - 1))
		shift = 0;
	m->shift = shift;
	span = max_id - min_id;
	bits = (span >> shift) + 1;
	if (span < UINT64_MAX >> 1 && bits / 8 <= 16 * count + (1u << 20) &&
	    bits < ((uint64_t)1 << 40)) {
		m->base = min_id;
		m->words = (size_t)((bits + 63) / 64);
		m->bits = xcalloc(m->words + 8, sizeof *m->bits);
	} else {
		m->cap = (size_t)count;
		m->sorted = xmallocarray(m->cap, sizeof *m->sorted);
	}
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint32_t
idmap_build(struct idmap *m)
{
	uint64_t total = 0;
	if (m->bits) {
		size_t blocks = (m->words + 7) / 8;
		m->rank = xmallocarray(blocks + 1, sizeof *m->rank);
		m->wrank = xmallocarray(m->words ? m->words : 1, sizeof *m->wrank);
		for (size_t blk = 0; blk < blocks; blk++) {
			uint32_t in = 0;
			m->rank[blk] = (uint32_t)total;
			for (size_t w = blk * 8; w < blk * 8 + 8 && w < m->words; w++) {
				m->wrank[w] = (uint16_t)in;
				in += bits_popcount64(m->bits[w]);
			}
			total += in;
		}
		m->rank[blocks] = (uint32_t)total;
		return (uint32_t)total;
	}
	if (m->nsorted == 0)
		return 0;
	qsort(m->sorted, m->nsorted, sizeof *m->sorted, u64_cmp);
	{
		size_t o = 1;
		for (size_t i = 1; i < m->nsorted; i++)
			if (m->sorted[i] != m->sorted[o - 1])
				m->sorted[o++] = m->sorted[i];
		m->nsorted = o;
	}
	return (uint32_t)m->nsorted;
}

uint32_t
idmap_count(const struct idmap *m)
{
	if (m->bits)
		return m->rank ? m->rank[(m->words + 7) / 8] : 0;
	return (uint32_t)m->nsorted;
}

/* The position of the (r+1)-th bit set in x (r < popcount(x)). */
static unsigned
select64(uint64_t x, unsigned r)
{
	/* skip whole bytes, then bits */
	unsigned pos = 0;
	for (;;) {
		unsigned c = bits_popcount64(x & 0xff);
		if (r < c)
			break;
		r -= c;
		x >>= 8;
		pos += 8;
	}
	while (r--)
		x &= x - 1;
	return pos + (unsigned)__builtin_ctzll(x);
}

uint64_t
idmap_select(const struct idmap *m, uint32_t r)
{
	size_t lo = 0, hi, w;

	if (!m->bits)
		return m->sorted[r];
	/* the last block with fewer than r+1 ones before it: the rank directory
	 * is non-decreasing, rank[0] = 0 <= r */
	hi = (m->words + 7) / 8;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->rank[mid] <= r)
			lo = mid;
		else
			hi = mid;
	}
	r -= m->rank[lo];
	for (w = lo * 8;; w++) {
		uint32_t c = bits_popcount64(m->bits[w]);
		if (r < c)
			break;
		r -= c;
	}
	return m->base + (((uint64_t)w * 64 + select64(m->bits[w], r)) << m->shift);
}

void
idmap_select_run(const struct idmap *m, uint32_t r, uint32_t n, uint64_t *out)
{
	uint64_t id, pos, x;
	size_t w;

	if (n == 0)
		return;
	if (!m->bits) {
		memcpy(out, m->sorted + r, (size_t)n * sizeof *out);
		return;
	}
	id = idmap_select(m, r);
	pos = (id - m->base) >> m->shift;
	w = (size_t)(pos >> 6);
	/* the bits after the first one, word by word */
	x = m->bits[w] & ~((2ULL << (pos & 63)) - 1);
	out[0] = id;
	for (uint32_t i = 1; i < n; i++) {
		while (x == 0)
			x = m->bits[++w];
		out[i] = m->base + (((uint64_t)w * 64 + (unsigned)__builtin_ctzll(x)) << m->shift);
		x &= x - 1;
	}
}

size_t
idmap_bytes(const struct idmap *m)
{
	if (m->bits)
		return (m->words + 8) * sizeof *m->bits + ((m->words + 7) / 8 + 1) * sizeof *m->rank +
		       m->words * sizeof *m->wrank;
	return m->cap * sizeof *m->sorted;
}

void
idmap_free(struct idmap *m)
{
	free(m->bits);
	free(m->rank);
	free(m->wrank);
	free(m->sorted);
	memset(m, 0, sizeof *m);
}
