/* C test program for the symbolizer: compiled at -O0 and at -O2 with the
 * generated symgen.c (compare.sh).  Hand-written shapes here: recursion,
 * loops around inline chains from sym_inl_a.h / sym_inl_b.h, a function
 * pointer table, a symbol alias, a static function whose name is also used
 * in libsym.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sym.h"
#include "sym_inl_a.h"

/* same name as a static function in libsym.c */
static int helper(int x)
{
	return x > 3 ? helper(x / 2) + x % 3 : x;
}

static unsigned fib_mod(unsigned n)
{
	if (n < 2)
		return n;
	return (fib_mod(n - 1) + fib_mod(n - 2)) % 1000003u;
}

/* two names at one address: the symbol table has both, DWARF one */
unsigned sym_checksum(const struct sym_ctx *c)
{
	unsigned h = sa_hash(c->v, c->n, 7);
	for (int i = 0; i < 64; i++)
		h = sa_mix(h, (unsigned)c->keys[i]);
	return h ^ (unsigned)c->acc;
}
unsigned sym_checksum_alias(const struct sym_ctx *c)
	__attribute__((alias("sym_checksum")));

static void fill(struct sym_ctx *c, unsigned seed)
{
	for (int i = 0; i < c->n; i++) {
		seed = seed * 1103515245u + 12345u;
		c->v[i] = sb_rotl(seed, i);
	}
	memset(c->keys, 0, sizeof c->keys);
}

int sym_run(struct sym_ctx *c, int rounds)
{
	int r = 0;

	for (int k = 0; k < rounds; k++) {
		for (int i = 0; i < sym_table_len; i++) {
			r += sym_table[i](c, r & 0xffff);
			if (sa_score(c->v, c->n, 0, 9) == 7)
				r ^= helper(r & 0xff);
		}
	}
	return r;
}

int main(int argc, char **argv)
{
	struct sym_ctx c;
	int rounds = argc > 1 ? atoi(argv[1]) : 1;

	c.n = 32;
	c.v = calloc((size_t)c.n, sizeof *c.v);
	if (!c.v)
		return 1;
	c.acc = 0;
	fill(&c, (unsigned)rounds);
	int r = sym_run(&c, rounds);
	printf("%d %u %u\n", r, sym_checksum_alias(&c), fib_mod(20));
	free(c.v);
	return 0;
}
