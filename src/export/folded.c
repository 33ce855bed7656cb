/* folded: an allocation trace as flame-graph stacks (Brendan Gregg's
 * folded format, as flamegraph.pl and speedscope read it): one line per
 * stack, its functions from the root to the allocating call separated by
 * ';' (inline frames in call order), a space, and its weight in the chosen
 * measure.  Stacks with weight 0 are left out. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/export.h"
#include "heapsift/trace.h"
#include "heapsift/xalloc.h"

static uint64_t
pick(const struct trace_measure *m, enum trace_measure_kind k)
{
	switch (k) {
	case TRACE_ALLOCATIONS: return m->allocations;
	case TRACE_BYTES: return m->bytes;
	case TRACE_TEMPORARY: return m->temporary;
	case TRACE_PEAK: return m->peak_bytes;
	case TRACE_LEAKED_BYTES: return m->leaked_bytes;
	case TRACE_LEAKED: return m->leaked;
	}
	return 0;
}

bool
trace_measure_parse(const char *s, enum trace_measure_kind *k)
{
	static const struct { const char *name; enum trace_measure_kind k; } names[] = {
		{ "allocations", TRACE_ALLOCATIONS }, { "bytes", TRACE_BYTES },
		{ "temporary", TRACE_TEMPORARY }, { "peak_bytes", TRACE_PEAK },
		{ "leaked_bytes", TRACE_LEAKED_BYTES }, { "leaked", TRACE_LEAKED },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i].name) == 0) {
			*k = names[i].k;
			return true;
		}
	return false;
}

int
trace_write_folded(struct trace *t, enum trace_measure_kind k, FILE *out)
{
	uint32_t *path = xmallocarray(t->node_count ? t->node_count : 1, sizeof *path);

	for (uint32_t i = 1; i < t->node_count; i++) {
		uint64_t w = pick(&t->node_m[i], k);
		uint32_t depth = 0;
		bool first = true;
		if (w == 0)
			continue;
		for (uint32_t n = i; n != 0 && depth < t->node_count; n = t->parent[n] < n ? t->parent[n] : 0)
			path[depth++] = n;
		while (depth-- > 0) {
			uint32_t n = path[depth];
			/* a node's frames are innermost first: its outermost first here */
			uint32_t nf;
			const struct sym_frame *fr = trace_frames(t, n, &nf, NULL);
			for (uint32_t f = nf; f-- > 0;) {
				const char *name = fr[f].function;
				if (!first)
					putc(';', out);
				first = false;
				/* ';' and spaces would break the line's fields */
				for (const char *c = name; *c; c++)
					putc(*c == ';' ? ':' : *c == '\n' ? ' ' : *c, out);
			}
		}
		fprintf(out, " %" PRIu64 "\n", w);
	}
	free(path);
	fflush(out);
	return ferror(out) ? -1 : 0;
}
