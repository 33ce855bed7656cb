/* Program using libsym.so (compare.sh links it with -lsym at -O1, together
 * with its own copy of the generated code, symgen.c, compiled at -O1). */
#include <stdio.h>
#include <stdlib.h>
#include "sym.h"
#include "sym_inl_a.h"

struct sym_ctx *libsym_new(int n);
void libsym_free(struct sym_ctx *c);
int libsym_run(struct sym_ctx *c, int rounds);

static int local_rounds(int argc, char **argv)
{
	int r = argc > 1 ? atoi(argv[1]) : 2;

	return sb_clamp(r, 1, 100);
}

int main(int argc, char **argv)
{
	struct sym_ctx *c = libsym_new(16);

	if (!c)
		return 1;
	for (int i = 0; i < c->n; i++)
		c->v[i] = sb_rotl((unsigned)i * 2654435761u, i);
	int r = libsym_run(c, local_rounds(argc, argv));
	/* the program's own generated functions, not the library's */
	for (int i = 0; i < sym_table_len; i++)
		r += sym_table[i](c, r);
	printf("%d %u\n", r, sa_hash(c->v, c->n, 3));
	libsym_free(c);
	return 0;
}
