/* Shared library for the symbolizer tests (-fPIC -shared -O2, with the
 * generated symgen.c): exported functions, hidden ones, a static function
 * named like one in symtest.c, an alias and a weak symbol.  symuse.c uses
 * it. */
#include <stdlib.h>
#include "sym.h"
#include "sym_inl_a.h"

#define HIDDEN __attribute__((visibility("hidden")))

static int helper(int x)
{
	return x < 1 ? 0 : (int)sb_rotl((unsigned)x, x) % 97 + helper(x - 9);
}

HIDDEN int libsym_hidden(const unsigned *v, int n)
{
	return sa_score(v, n, -5, 5000) + helper(n);
}

unsigned sym_checksum(const struct sym_ctx *c)
{
	return sa_hash(c->v, c->n, 11) ^ (unsigned)libsym_hidden(c->v, c->n);
}

/* exported under two names */
int sym_run(struct sym_ctx *c, int rounds)
{
	int r = 0;

	for (int k = 0; k < rounds; k++)
		for (int i = 0; i < sym_table_len; i++)
			r += sym_table[(i * 7 + k) % sym_table_len](c, r);
	return r + (int)sym_checksum(c);
}
int libsym_run(struct sym_ctx *c, int rounds) __attribute__((alias("sym_run")));

/* a weak definition a program could replace */
__attribute__((weak)) struct sym_ctx *libsym_new(int n)
{
	struct sym_ctx *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->v = calloc((size_t)(n > 0 ? n : 1), sizeof *c->v);
	c->n = c->v ? n : 0;
	return c;
}

void libsym_free(struct sym_ctx *c)
{
	if (c)
		free(c->v);
	free(c);
}
