/* One unit of generated code: compare.sh writes symgen.c, which includes
 * this file once per SYM_ID (0, 1, 2, ...), so every inclusion defines a new
 * set of functions (fold_N, classify_N, ..., sym_entry_N) from the same
 * lines.  The constants depend on SYM_ID so that the optimizer makes
 * different code of each copy.  At -O2 the static functions are inlined,
 * cloned (.isra, .constprop, .part) or split into .cold parts. */
#ifndef SYM_ID
#error "define SYM_ID before including sym_body.h"
#endif

#include <stdlib.h>
#include "sym.h"
#include "sym_inl_a.h"

#define SYM_CAT2(a, b) a##b
#define SYM_CAT(a, b) SYM_CAT2(a, b)
#define SYM_NAME(prefix) SYM_CAT(prefix, SYM_ID)

/* a loop over an inline chain: sa_hash -> sa_mix -> sb_rotl */
static unsigned SYM_NAME(fold_)(const unsigned *v, int n)
{
	unsigned h = 0;
	for (int round = 0; round < 1 + SYM_ID % 3; round++)
		h ^= sa_hash(v, n, h + SYM_ID);
	return h;
}

/* a switch, different cases live per copy */
static int SYM_NAME(classify_)(int x)
{
	switch ((x + SYM_ID) & 7) {
	case 0:
		return sb_clamp(x, -SYM_ID, 100 + SYM_ID);
	case 1:
		return x * (SYM_ID + 3);
	case 2:
		return (int)sb_rotl((unsigned)x, SYM_ID);
	case 3:
		return x - SYM_ID * 17;
	case 5:
		return x / (SYM_ID + 1);
	default:
		return x ^ 0x5a5a;
	}
}

/* an unlikely path that ends in abort(): gcc moves it to a .cold part of
 * the function it is inlined into (sym_entry_N.cold) */
static void SYM_NAME(check_)(const struct sym_ctx *c, int x)
{
	if (__builtin_expect(x > 1000000 + SYM_ID || c->n < 0, 0))
		abort();
}

/* big loops on two fields of *c, with a parameter that is the same
 * constant at every call: gcc clones it as scan_N.isra.0 or
 * scan_N.constprop.0 (or both) */
static long SYM_NAME(scan_)(const struct sym_ctx *c, int lo, int step)
{
	long s = 0;

	for (int i = lo; i < c->n; i += step)
		s += (long)sb_rotl(c->v[i], i + SYM_ID) - i;
	for (int i = 0; i < c->n; i++)
		s ^= (long)sa_mix((unsigned)s, c->v[i]) << (i & 7);
	for (int i = c->n - 1; i >= lo; i--)
		s += sb_clamp((int)c->v[i], -SYM_ID, 1 << 20) % (step + 7);
	return s;
}

/* a cheap early return before a big body: a candidate for partial
 * inlining (lookup_N.part.0) */
static int SYM_NAME(lookup_)(struct sym_ctx *c, int key)
{
	if (key == 0)
		return -1;
	int s = sa_slot(c->keys, key + SYM_ID);
	if (s < 0)
		return -2;
	if (c->keys[s] == 0)
		c->keys[s] = key + SYM_ID;
	for (int i = 0; i < c->n; i++)
		c->v[i] += (unsigned)(s * (SYM_ID + 1));
	for (int i = 0; i < c->n; i++)
		c->v[i] ^= c->v[(i + s) % c->n] >> 3;
	c->acc += sa_score(c->v, c->n, -SYM_ID, 4096);
	return s;
}

int SYM_NAME(sym_entry_)(struct sym_ctx *c, int x)
{
	int r = 0;

	SYM_NAME(check_)(c, x);
	for (int i = 0; i < 4 + SYM_ID % 5; i++) {
		r += SYM_NAME(classify_)(x + i);
		if (r & 1)
			r += SYM_NAME(lookup_)(c, r & 0xfff);
	}
	r += SYM_NAME(lookup_)(c, x & 0xff);
	r += SYM_NAME(lookup_)(c, (x >> 8) & 0xff);
	c->acc += SYM_NAME(scan_)(c, x & 3, 2);
	c->acc += (long)SYM_NAME(fold_)(c->v, c->n);
	return r + (int)SYM_NAME(scan_)(c, 1, 2);
}

#undef SYM_NAME
#undef SYM_CAT
#undef SYM_CAT2
