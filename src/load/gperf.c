/* gperf: gperftools' and jemalloc's legacy text heap profiles into the
 * trace model, read as google-pprof reads them (its ReadHeapProfile).
 *
 * Format: optional "%warn ..." command lines, the header
 *   heap profile: INUSE_N: INUSE_B [ALLOC_N: ALLOC_B] @ TYPE[/PERIOD]
 * (TYPE "heapprofile" from tcmalloc's HEAPPROFILE and jemalloc without
 * sampling, "heap_v2/PERIOD" from tcmalloc's GetHeapSample and jemalloc's
 * lg_prof_sample, "heap" an older sampling), then one line per stack,
 *   INUSE_N: INUSE_B [ALLOC_N: ALLOC_B] @ ADDR ADDR ...
 * the innermost first, and a "MAPPED_LIBRARIES:" (or "--- Memory map:")
 * section holding the process's /proc/self/maps.  The header's totals are
 * not used (pprof sums the stacks).
 *
 * Sampled profiles are unsampled stack by stack, as pprof does: heap_v2,
 * each count and size times 1/(1 - exp(-(size/count)/PERIOD)); heap,
 * divided by (size/count)/(PERIOD/2) when that is below 1; no period:
 * 128 KiB.  (A sampled count of objects of 0 bytes, which pprof dies on,
 * is kept as read.)
 *
 * Stacks, as pprof builds them: addresses above 0x7fffffffffffffff are
 * dropped, and so are frames whose function is one of pprof's allocator
 * functions (malloc, tc_malloc, operator new... and anything matching
 * "TCMalloc" or "^tcmalloc::"; and the glibc names tcmalloc gives them
 * too, __libc_malloc...), wherever they are in the stack.  So frames are
 * symbolized when the profile is loaded, through its mappings, inline
 * frames expanded, with heapsift's DWARF symbolizer (sym.h).  Return
 * addresses are taken one byte back, but the first address of a stack as
 * it is (pprof's FixCallerAddresses, its CPU profiles' rule: that one is
 * where the program was).  In a heap profile the first is a return
 * address too (in the code that called the allocator, or in the allocator
 * when it sampled), so its line is the one after the call, and a call
 * that ends an inlined function (C++'s allocate(): "return ::operator
 * new(n)") counts for the function it was inlined into: pprof's numbers,
 * kept.
 *
 * Measures, named as pprof names them: inuse_objects and inuse_space
 * (leaked, leaked_bytes), alloc_objects and alloc_space (allocations,
 * bytes); inuse_space first.  A sampled stack's estimates lose their
 * fractions (pprof keeps them until it prints a sum, then drops them: a
 * sum of several stacks here may be less than pprof's by less than one
 * per stack). */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/load.h"
#include "heapsift/sym.h"
#include "heapsift/trace.h"
#include "heapsift/trace_builder.h"
#include "heapsift/xalloc.h"

#define DROP (UINT32_MAX - 1)	/* an allocator frame: left out of stacks */

struct record {
	double v[4];		/* inuse objects, bytes, alloc objects, bytes (unsampled) */
	uint64_t raw[4];	/* as read */
	size_t first;		/* its addresses in gp->addrs */
	uint32_t n;
};

struct hslot {
	uint64_t key;		/* address * 2 + (first of its stack) */
	uint32_t handle;	/* a frame, DROP, or EMPTY: a free slot */
};

#define EMPTY UINT32_MAX

struct gp {
	const char *base, *p, *end, *path;
	struct hs_error *err;
	const char *line;
	size_t len, off;
	uint32_t lineno;
	struct record *recs;
	size_t nrecs, caprecs;
	uint64_t *addrs;
	size_t naddrs, capaddrs;
	struct trace_builder *b;
	struct sym_maps *maps;
	struct hslot *hs;
	size_t hs_cap, hs_n;
	char *name;		/* scratch for short names */
	size_t name_cap;
};

/* --- lines ------------------------------------------------------------------------- */

/* The next line (CR and trailing blanks cut); false at the end. */
static bool
next_line(struct gp *g)
{
	const char *s = g->p, *e;
	if (g->p >= g->end) {
		g->line = NULL;
		return false;
	}
	e = memchr(s, '\n', (size_t)(g->end - s));
	g->p = e ? e + 1 : g->end;
	if (e == NULL)
		e = g->end;
	while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	g->line = s;
	g->len = (size_t)(e - s);
	g->off = (size_t)(s - g->base);
	g->lineno++;
	return true;
}

static int
expected(struct gp *g, const char *what)
{
	return error_at(g->err, HS_EINPUT, g->path, g->off, "line %" PRIu32 ": expected %s, got \"%.*s%s\"",
	                g->lineno, what, (int)(g->len > 60 ? 60 : g->len), g->line,
	                g->len > 60 ? "..." : "");
}

static const char *
skip_blanks(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *
parse_u64(const char *s, const char *e, uint64_t *v)
{
	uint64_t x = 0;
	const char *q = s;
	for (; q < e && *q >= '0' && *q <= '9'; q++) {
		if (x > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			return NULL;
		x = x * 10 + (uint64_t)(*q - '0');
	}
	*v = x;
	return q > s ? q : NULL;
}

/* "N: B [N2: B2]" (pprof's counts); where it ends, or NULL. */
static const char *
parse_counts(const char *s, const char *e, uint64_t v[4])
{
	for (int k = 0; k < 4; k += 2) {
		s = skip_blanks(s, e);
		if (k == 2) {
			if (s == e || *s != '[')
				return NULL;
			s = skip_blanks(s + 1, e);
		}
		if ((s = parse_u64(s, e, &v[k])) == NULL || s == e || *s != ':')
			return NULL;
		s = skip_blanks(s + 1, e);
		if ((s = parse_u64(s, e, &v[k + 1])) == NULL)
			return NULL;
	}
	s = skip_blanks(s, e);
	return s < e && *s == ']' ? s + 1 : NULL;
}

/* --- unsampling (pprof's AdjustSamples, in ReadHeapProfile) --------------------------- */

static void
unsample(int algorithm, double adjustment, const uint64_t raw[4], double v[4])
{
	for (int k = 0; k < 4; k++)
		v[k] = (double)raw[k];
	if (algorithm == 0)
		return;
	for (int k = 0; k < 4; k += 2) {
		double ratio, scale;
		if (raw[k] == 0)
			continue;
		ratio = (v[k + 1] / v[k]) / adjustment;
		if (algorithm == 2 && ratio > 0) {
			scale = 1 / (1 - exp(-ratio));
			v[k] *= scale;
			v[k + 1] *= scale;
		} else if (algorithm == 1 && ratio < 1 && ratio > 0) {
			v[k] /= ratio;
			v[k + 1] /= ratio;
		}
	}
}

/* --- frames ------------------------------------------------------------------------ */

/* pprof's ShortFunctionName: no argument lists, no template arguments, no
 * leading return type. */
static const char *
short_name(struct gp *g, const char *fn)
{
	size_t n = strlen(fn), w;
	bool again;
	char *s;

	XGROW(g->name, g->name_cap, n + 1);
	s = g->name;
	memcpy(s, fn, n + 1);
	/* innermost (...) groups and a " const" after them, then <...>
	 * groups, until none is left */
	for (int pass = 0; pass < 2; pass++) {
		char open = pass == 0 ? '(' : '<', close = pass == 0 ? ')' : '>';
		do {
			size_t o = SIZE_MAX, c, j;
			again = false;
			/* a close with an open after the last close */
			for (c = 0; c < n; c++) {
				if (s[c] == open)
					o = c;
				else if (s[c] == close && o != SIZE_MAX)
					break;
				else if (s[c] == close)
					o = SIZE_MAX;
			}
			if (c == n)
				break;
			j = c + 1;
			if (pass == 0) {
				size_t k = j;
				while (k < n && (s[k] == ' ' || s[k] == '\t'))
					k++;
				if (n - k >= 5 && memcmp(s + k, "const", 5) == 0)
					j = k + 5;
			}
			memmove(s + o, s + j, n - j + 1);
			n -= j - o;
			again = true;
		} while (again);
	}
	/* "^.*\s+(\w+::)": from the last "WORD::" after a blank */
	for (w = n; w-- > 0;) {
		size_t k = w + 1, t;
		if (s[w] != ' ' && s[w] != '\t')
			continue;
		for (t = k; t < n && (s[t] == '_' || (s[t] >= '0' && s[t] <= '9') ||
		                      (s[t] >= 'a' && s[t] <= 'z') || (s[t] >= 'A' && s[t] <= 'Z'));
		     t++)
			;
		if (t > k && n - t >= 2 && s[t] == ':' && s[t + 1] == ':') {
			memmove(s, s + k, n - k + 1);
			break;
		}
	}
	return s;
}

/* pprof's RemoveUninterestingFrames for heap profiles. */
static bool
allocator_function(struct gp *g, const char *fn)
{
	static const char *const skip[] = {
		"calloc", "cfree", "malloc", "free", "memalign", "posix_memalign", "pvalloc",
		"valloc", "realloc", "tc_calloc", "tc_cfree", "tc_malloc", "tc_free", "tc_memalign",
		"tc_posix_memalign", "tc_pvalloc", "tc_valloc", "tc_realloc", "tc_new", "tc_delete",
		"tc_newarray", "tc_deletearray", "tc_new_nothrow", "tc_newarray_nothrow", "do_malloc",
		"::do_malloc", "::do_malloc_or_cpp_alloc", "DoSampledAllocation",
		"simple_alloc::allocate", "__malloc_alloc_template::allocate", "__builtin_delete",
		"__builtin_new", "__builtin_vec_delete", "__builtin_vec_new", "operator new",
		"operator new[]", "malloc_zone_malloc", "malloc_zone_calloc", "malloc_zone_valloc",
		"malloc_zone_realloc", "malloc_zone_memalign", "malloc_zone_free",
		"__start_google_malloc", "__stop_google_malloc", "__start_malloc_hook",
		"__stop_malloc_hook",
		/* the glibc names tcmalloc also gives those functions: the
		 * symbolizer may name an address by either */
		"__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_free", "__libc_cfree",
		"__libc_memalign", "__libc_valloc", "__libc_pvalloc", "__posix_memalign",
		"aligned_alloc",
	};
	const char *s = short_name(g, fn);
	if (strstr(s, "TCMalloc") || strncmp(s, "tcmalloc::", 10) == 0)
		return true;
	for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
		if (strcmp(s, skip[i]) == 0 || (s[0] == '_' && strcmp(s + 1, skip[i]) == 0))
			return true;
	return false;
}

static uint64_t
addr_hash(uint64_t a)
{
	a ^= a >> 31;
	a *= 0x9E3779B97F4A7C15ULL;
	return a ^ (a >> 29);
}

/* The frame handle of an address (first: its stack's first), or DROP. */
static uint32_t
frame_of(struct gp *g, uint64_t addr, bool first)
{
	uint64_t key = addr * 2 + first;
	size_t mask, i;
	struct sym_result r;
	const char *module = NULL;
	uint32_t h;

	if ((g->hs_n + 1) * 2 > g->hs_cap) {
		struct hslot *old = g->hs;
		size_t oldcap = g->hs_cap;
		g->hs_cap = oldcap ? oldcap * 2 : 1024;
		g->hs = xmallocarray(g->hs_cap, sizeof *g->hs);
		memset(g->hs, 0xff, g->hs_cap * sizeof *g->hs);
		mask = g->hs_cap - 1;
		for (size_t k = 0; k < oldcap; k++)
			if (old[k].handle != EMPTY) {
				for (i = addr_hash(old[k].key) & mask; g->hs[i].handle != EMPTY;
				     i = (i + 1) & mask)
					;
				g->hs[i] = old[k];
			}
		free(old);
	}
	mask = g->hs_cap - 1;
	for (i = addr_hash(key) & mask; g->hs[i].handle != EMPTY; i = (i + 1) & mask)
		if (g->hs[i].key == key)
			return g->hs[i].handle;

	/* return addresses: the call is the byte before (pprof's
	 * FixCallerAddresses: not for the first) */
	r = sym_maps_lookup(g->maps, first || addr == 0 ? addr : addr - 1, &module);
	if (r.count > 0 && allocator_function(g, r.frames[r.count - 1].function)) {
		h = DROP;
	} else if (r.count > 0) {
		h = tb_frames(g->b, r.frames, r.count, module);
	} else {
		char buf[24];
		snprintf(buf, sizeof buf, "0x%" PRIx64, addr);
		h = tb_frames(g->b, &(struct sym_frame){ buf, "??", 0, 0 }, 1, module);
	}
	g->hs[i] = (struct hslot){ key, h };
	g->hs_n++;
	return h;
}

/* --- the loader -------------------------------------------------------------------- */

static bool
starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

static bool
gperf_probe(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *e = s + size;
	/* pprof's "%warn" and other commands come first */
	for (int lines = 0; lines < 16 && s < e && *s == '%'; lines++) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		if (nl == NULL)
			return false;
		s = nl + 1;
	}
	/* jemalloc 4's format too, to refuse it by name */
	return starts(s, (size_t)(e - s), "heap profile:") || starts(s, (size_t)(e - s), "heap_v2/");
}

/* /proc/self/maps: "START-END PERMS OFFSET DEV INODE [PATH]" */
static void
map_line(struct gp *g, const char *s, const char *e, const char *build)
{
	uint64_t v[3] = { 0, 0, 0 };
	for (int k = 0; k < 3; k++) {
		const char *q = s;
		uint64_t x = 0;
		while (q < e && q - s < 16) {
			int d = *q >= '0' && *q <= '9' ? *q - '0'
			      : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
			      : *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;
			if (d < 0)
				break;
			x = x << 4 | (uint64_t)d;
			q++;
		}
		if (q == s)
			return;
		v[k] = x;
		if (k == 0) {
			if (q == e || *q != '-')
				return;
			s = q + 1;
		} else if (k == 1) {
			/* the permissions */
			for (s = skip_blanks(q, e); s < e && *s != ' ' && *s != '\t'; s++)
				;
			s = skip_blanks(s, e);
		} else {
			s = q;
		}
	}
	/* the device and the inode, then the path */
	for (int k = 0; k < 2; k++) {
		s = skip_blanks(s, e);
		while (s < e && *s != ' ' && *s != '\t')
			s++;
	}
	s = skip_blanks(s, e);
	if (s < e && *s == '/') {
		char *path = xstrndup(s, (size_t)(e - s));
		sym_maps_add(g->maps, v[0], v[1], v[2], path);
		free(path);
	} else if (build && build[0] == '/' && e - s > 6 && memcmp(s, "$build", 6) == 0) {
		/* "--- Memory map:" sections may name paths by "$build" */
		char *path = xasprintf("%s%.*s", build, (int)(e - s - 6), s + 6);
		sym_maps_add(g->maps, v[0], v[1], v[2], path);
		free(path);
	}
}

static void
read_maps(struct gp *g)
{
	char *build = NULL;
	while (next_line(g)) {
		const char *s = skip_blanks(g->line, g->line + g->len), *e = g->line + g->len;
		if (starts(s, (size_t)(e - s), "build=")) {
			free(build);
			build = xstrndup(s + 6, (size_t)(e - s - 6));
			continue;
		}
		map_line(g, s, e, build);
	}
	free(build);
}

static int
gperf_load(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	static const char *const names[6] = {
		[TRACE_ALLOCATIONS] = "alloc_objects", [TRACE_BYTES] = "alloc_space",
		[TRACE_LEAKED_BYTES] = "inuse_space", [TRACE_LEAKED] = "inuse_objects",
	};
	struct gp g;
	uint64_t hv[4];
	const char *s, *e;
	int algorithm = 0, r = 0;
	double adjustment = 0;
	size_t tl = 0;		/* the type's length */
	uint64_t period = 0;
	double (*acc)[4] = NULL;
	size_t acc_cap = 0;

	memset(&g, 0, sizeof g);
	g.base = g.p = (const char *)io->data;
	g.end = g.base + io->size;
	g.path = io->path;
	g.err = err;
	progress_phase(progress, "reading", io->size);

	/* the header, after pprof's commands */
	while (next_line(&g) && g.len > 0 && g.line[0] == '%')
		;
	if (g.line && starts(g.line, g.len, "heap_v2/"))
		return error_at(err, HS_EINPUT, io->path, g.off,
		                "line %" PRIu32 ": jemalloc's heap_v2 format (jemalloc 4 and later) is not "
		                "read, only the legacy \"heap profile:\" one",
		                g.lineno);
	if (g.line == NULL || !starts(g.line, g.len, "heap profile:") ||
	    (s = parse_counts(g.line + 13, g.line + g.len, hv)) == NULL)
		return g.line ? expected(&g, "\"heap profile: N: BYTES [N: BYTES] @ TYPE\"")
		              : error_at(err, HS_EINPUT, io->path, io->size,
		                         "expected \"heap profile:\", got the end of the file");
	e = g.line + g.len;
	s = skip_blanks(s, e);
	if (s < e && *s == '@') {
		/* "@ TYPE[/PERIOD]" */
		const char *type = skip_blanks(s + 1, e), *slash = memchr(type, '/', (size_t)(e - type));
		tl = (size_t)((slash ? slash : e) - type);
		if (slash)
			parse_u64(slash + 1, e, &period);
		if (tl > 0) {
			bool heap = memmem(type, tl, "heap", 4) != NULL;
			if ((tl == 11 && memcmp(type, "heapprofile", 11) == 0) || !heap) {
				algorithm = 0;
			} else if (memmem(type, tl, "_v2", 3)) {
				algorithm = 2;
				adjustment = (double)period;
			} else {
				algorithm = 1;
				adjustment = (double)period / 2;
			}
		}
	}
	if (tl == 0 && hv[0] == hv[2] && hv[1] == hv[3])
		algorithm = 1;	/* no type: an old sampled profile, as pprof guesses */
	if (algorithm > 0 && adjustment == 0)
		adjustment = 128 * 1024;

	/* the stacks, until the mappings */
	while (next_line(&g)) {
		struct record *rec;
		uint64_t raw[4];
		s = skip_blanks(g.line, g.line + g.len);
		e = g.line + g.len;
		if (s == e)
			continue;
		if (starts(s, (size_t)(e - s), "MAPPED_LIBRARIES:") ||
		    starts(s, (size_t)(e - s), "--- Memory map:"))
			break;
		if ((s = parse_counts(s, e, raw)) == NULL || (s = skip_blanks(s, e)) == e || *s != '@') {
			r = expected(&g, "a stack (\"N: BYTES [N: BYTES] @ ADDRESS...\")");
			goto fail;
		}
		XGROW(g.recs, g.caprecs, g.nrecs + 1);
		rec = &g.recs[g.nrecs++];
		memcpy(rec->raw, raw, sizeof raw);
		unsample(algorithm, adjustment, raw, rec->v);
		rec->first = g.naddrs;
		rec->n = 0;
		for (s = skip_blanks(s + 1, e); s < e; s = skip_blanks(s, e)) {
			uint64_t a = 0;
			const char *q = s;
			if (e - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
				q += 2;
			for (; q < e && *q != ' ' && *q != '\t'; q++) {
				int d = *q >= '0' && *q <= '9' ? *q - '0'
				      : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
				      : *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;
				if (d < 0 || a >> 60) {
					r = expected(&g, "hexadecimal addresses after '@'");
					goto fail;
				}
				a = a << 4 | (uint64_t)d;
			}
			s = q;
			if (a > 0x7fffffffffffffffULL)
				continue;	/* pprof drops these */
			XGROW(g.addrs, g.capaddrs, g.naddrs + 1);
			g.addrs[g.naddrs++] = a;
			if (++rec->n == UINT32_MAX) {
				r = expected(&g, "fewer addresses");
				goto fail;
			}
		}
		if (progress_update(progress, "reading", g.off, io->size)) {
			r = error_set(err, HS_ECANCEL, io->path, "cancelled");
			goto fail;
		}
	}
	g.maps = sym_maps_new(&(struct sym_options){ NULL, true });
	if (g.line)
		read_maps(&g);

	/* the stacks into the trie, symbolized */
	g.b = tb_new(io->path, "gperf");
	tb_measures(g.b, 1u << TRACE_ALLOCATIONS | 1u << TRACE_BYTES | 1u << TRACE_LEAKED_BYTES |
	                 1u << TRACE_LEAKED, names);
	tb_main_measure(g.b, TRACE_LEAKED_BYTES);
	if (algorithm > 0)
		tb_sample_bytes(g.b, (uint64_t)adjustment);
	progress_phase(progress, "symbolizing", g.nrecs);
	for (size_t i = 0; i < g.nrecs; i++) {
		const struct record *rec = &g.recs[i];
		uint32_t node = TB_ROOT;
		for (uint32_t k = rec->n; k-- > 0;) {
			uint64_t a = g.addrs[rec->first + k];
			uint32_t h = frame_of(&g, a, k == 0);
			if (h == DROP)
				continue;
			node = tb_node(g.b, node, a, h);
			if (node == TB_FULL) {
				r = error_set(err, HS_EINPUT, io->path, "too many stacks");
				goto fail;
			}
		}
		if (algorithm == 0) {
			tb_add(g.b, node, &(struct trace_measure){ .leaked = rec->raw[0],
			                                           .leaked_bytes = rec->raw[1],
			                                           .allocations = rec->raw[2],
			                                           .bytes = rec->raw[3] });
		} else {
			/* sampled: each stack's estimates summed, their fractions
			 * dropped once (as pprof prints its sums) */
			if (node >= acc_cap) {
				size_t old = acc_cap;
				XGROW(acc, acc_cap, (size_t)node + 1);
				memset(acc + old, 0, (acc_cap - old) * sizeof *acc);
			}
			for (int k = 0; k < 4; k++)
				acc[node][k] += rec->v[k];
		}
		if (progress_update(progress, "symbolizing", i, g.nrecs)) {
			r = error_set(err, HS_ECANCEL, io->path, "cancelled");
			goto fail;
		}
	}
	for (size_t n = 0; n < acc_cap; n++) {
		uint64_t v[4];
		for (int k = 0; k < 4; k++)
			v[k] = acc[n][k] < 0x1p63 ? (uint64_t)acc[n][k] : UINT64_MAX;
		if (v[0] | v[1] | v[2] | v[3])
			tb_add(g.b, (uint32_t)n, &(struct trace_measure){ .leaked = v[0],
			                                                   .leaked_bytes = v[1],
			                                                   .allocations = v[2],
			                                                   .bytes = v[3] });
	}
	out->kind = MODEL_TRACE;
	out->trace = tb_finish(g.b);
	g.b = NULL;
fail:
	if (g.b)
		tb_abandon(g.b);
	sym_maps_free(g.maps);
	free(acc);
	free(g.recs);
	free(g.addrs);
	free(g.hs);
	free(g.name);
	return r ? err->status : HS_OK;
}

const struct loader_ops loader_gperf = {
	.name = "gperf",
	.description = "gperftools' and jemalloc's heap profiles (\"heap profile:\"), as google-pprof reads them",
	.probe = gperf_probe,
	.load = gperf_load,
};
