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
		/* pprof heap profiles' names for them (src/load/pprof.c) */
		{ "alloc_objects", TRACE_ALLOCATIONS }, { "alloc_space", TRACE_BYTES },
		{ "inuse_space", TRACE_LEAKED_BYTES }, { "inuse_objects", TRACE_LEAKED },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i].name) == 0) {
			*k = names[i].k;
			return true;
		}
	return false;
}

static const char *const measure_names[6] = {
	"allocations", "bytes", "temporary", "peak_bytes", "leaked_bytes", "leaked",
};

bool
trace_measure_pick(const struct trace *t, const char *s, enum trace_measure_kind *k)
{
	int found = -1;
	enum trace_measure_kind alias;
	if (s == NULL) {
		/* a profile's own (pprof's --sample-index), else allocations */
		if (t->main_measure >= 0)
			found = t->main_measure;
		else if (t->measures & 1u << TRACE_ALLOCATIONS)
			found = TRACE_ALLOCATIONS;
		else
			for (int m = 5; m >= 0; m--)
				if (t->measures & 1u << m)
					found = m;
	} else {
		for (int m = 0; m < 6 && found < 0; m++)
			if (strcmp(s, measure_names[m]) == 0 ||
			    (t->measure_name[m] && strcmp(s, t->measure_name[m]) == 0))
				found = m;
		if (found < 0 && trace_measure_parse(s, &alias))
			found = (int)alias;
	}
	if (found < 0 || !(t->measures & 1u << found))
		return false;
	*k = (enum trace_measure_kind)found;
	return true;
}

const char *
trace_measure_list(const struct trace *t, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int m = 0; m < 6; m++)
		if (t->measures & 1u << m) {
			int n = snprintf(buf + o, size - o, "%s%s", o ? ", " : "",
			                 t->measure_name[m] ? t->measure_name[m] : measure_names[m]);
			if (n < 0 || (size_t)n >= size - o)
				break;
			o += (size_t)n;
		}
	return buf;
}

/* Stack i's path, root first, into buf (grown as needed); its length. */
static size_t
stack_path(struct trace *t, uint32_t i, uint32_t *path, char **buf, size_t *cap)
{
	uint32_t depth = 0;
	size_t len = 0;
	for (uint32_t n = i; n != 0 && depth < t->node_count; n = t->parent[n] < n ? t->parent[n] : 0)
		path[depth++] = n;
	while (depth-- > 0) {
		uint32_t nf;
		const struct sym_frame *fr = trace_frames(t, path[depth], &nf, NULL);
		for (uint32_t f = nf; f-- > 0;) {
			size_t l = strlen(fr[f].function);
			if (len + l + 2 > *cap) {
				*cap = (len + l + 2) * 2;
				*buf = xreallocarray(*buf, *cap, 1);
			}
			if (len)
				(*buf)[len++] = ';';
			for (size_t c = 0; c < l; c++) {
				char ch = fr[f].function[c];
				(*buf)[len++] = ch == ';' ? ':' : ch == '\n' ? ' ' : ch;
			}
		}
	}
	if (*cap == 0) {
		*cap = 16;
		*buf = xreallocarray(*buf, *cap, 1);
	}
	(*buf)[len] = '\0';
	return len;
}

struct fentry {
	char *path;
	int64_t w[2];
};

static int
fentry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fentry *)a)->path, ((const struct fentry *)b)->path);
}

int
trace_write_folded_diff(struct trace *base, struct trace *target, enum trace_measure_kind k,
                        FILE *out)
{
	struct trace *ts[2] = { base, target };
	struct fentry *e = NULL;
	size_t n = 0, cap = 0, hcap = 1024, bufcap = 0;
	uint32_t *slots;
	char *buf = NULL;

	for (int t = 0; t < 2; t++)
		hcap = hcap > (size_t)ts[t]->node_count * 4 ? hcap : (size_t)ts[t]->node_count * 4;
	while (hcap & (hcap - 1))
		hcap &= hcap - 1;
	hcap *= 2;
	slots = xmallocarray(hcap, sizeof *slots);
	memset(slots, 0xff, hcap * sizeof *slots);
	for (int t = 0; t < 2; t++) {
		uint32_t *path = xmallocarray(ts[t]->node_count ? ts[t]->node_count : 1, sizeof *path);
		for (uint32_t i = 1; i < ts[t]->node_count; i++) {
			uint64_t w = pick(&ts[t]->node_m[i], k), h = 0xcbf29ce484222325ULL;
			size_t j;
			if (w == 0)
				continue;
			stack_path(ts[t], i, path, &buf, &bufcap);
			for (const char *c = buf; *c; c++)
				h = (h ^ (unsigned char)*c) * 0x100000001B3ULL;
			for (j = h & (hcap - 1); slots[j] != UINT32_MAX && strcmp(e[slots[j]].path, buf) != 0;
			     j = (j + 1) & (hcap - 1))
				;
			if (slots[j] == UINT32_MAX) {
				if (n * 2 >= hcap)
					break;	/* cannot happen: hcap >= 4 x nodes */
				XGROW(e, cap, n + 1);
				e[n].path = xstrdup(buf);
				e[n].w[0] = e[n].w[1] = 0;
				slots[j] = (uint32_t)n++;
			}
			e[slots[j]].w[t] += (int64_t)w;
		}
		free(path);
	}
	free(slots);
	free(buf);
	if (n > 1)
		qsort(e, n, sizeof *e, fentry_cmp);
	for (size_t i = 0; i < n; i++) {
		if (e[i].w[1] != e[i].w[0])
			fprintf(out, "%s %" PRId64 "\n", e[i].path, e[i].w[1] - e[i].w[0]);
		free(e[i].path);
	}
	free(e);
	fflush(out);
	return ferror(out) ? -1 : 0;
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
