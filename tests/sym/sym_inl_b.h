/* Innermost static inline helpers.  sym_inl_a.h calls these, so at -O2 an
 * address inside one of them has an inline chain crossing three files:
 * sym_inl_b.h (here) <- sym_inl_a.h <- sym_body.h or symtest.c. */
#ifndef SYM_INL_B_H
#define SYM_INL_B_H

static inline unsigned sb_rotl(unsigned x, int r)
{
	r &= 31;
	return (x << r) | (x >> ((32 - r) & 31));
}

static inline int sb_clamp(int x, int lo, int hi)
{
	if (x < lo)
		return lo;
	if (x > hi)
		return hi;
	return x;
}

/* a loop inside an inline function */
static inline unsigned sb_sum(const unsigned *v, int n)
{
	unsigned s = 0;
	for (int i = 0; i < n; i++)
		s += v[i] ^ (unsigned)i;
	return s;
}

#endif
