/* trace: heapsift record's allocation traces (heapsift-trace(5),
 * include/heapsift/trace_format.h) into the trace model, measured as
 * heaptrack_print measures: calls to allocation functions, bytes, temporary
 * allocations (freed before any other allocation), peak heap and what each
 * stack held at that moment, leaked at the end.
 *
 * One walk over the blocks.  What each stack held at the global peak is
 * kept lazily: a new peak starts an epoch, and a stack's live bytes are
 * saved the first time they change in an epoch, so that at the end each
 * stack's part of the last peak is its saved value if it changed since, or
 * its current one.  A block cut short at the end of the
 * file (the program was killed while writing) ends the trace; anything
 * else malformed is an error with its offset. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "heapsift/load.h"
#include "heapsift/trace.h"
#include "heapsift/trace_format.h"
#include "heapsift/xalloc.h"

#define MAX_NODES (1u << 30)

uint64_t trace_stop_us = UINT64_MAX;
const char *trace_debug_dir;

/* live allocations: address -> (node, size), open addressing with
 * backward-shift deletion */
struct live {
	uint64_t addr;	/* 0: empty */
	uint64_t size;
	uint32_t node;
};

struct lmap {
	struct live *s;
	size_t cap, n;
};

static size_t
lhash(uint64_t a)
{
	a ^= a >> 31;
	a *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(a ^ a >> 29);
}

static void lmap_put(struct lmap *m, uint64_t addr, uint64_t size, uint32_t node);

static void
lmap_grow(struct lmap *m)
{
	struct live *old = m->s;
	size_t oldcap = m->cap;
	m->cap = oldcap ? oldcap * 2 : 4096;
	m->s = xcalloc(m->cap, sizeof *m->s);
	m->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].addr)
			lmap_put(m, old[i].addr, old[i].size, old[i].node);
	free(old);
}

static struct live *
lmap_find(struct lmap *m, uint64_t addr)
{
	size_t mask, i;
	if (m->cap == 0)
		return NULL;
	mask = m->cap - 1;
	for (i = lhash(addr) & mask; m->s[i].addr; i = (i + 1) & mask)
		if (m->s[i].addr == addr)
			return &m->s[i];
	return NULL;
}

static void
lmap_put(struct lmap *m, uint64_t addr, uint64_t size, uint32_t node)
{
	size_t mask, i;
	if ((m->n + 1) * 4 > m->cap * 3)
		lmap_grow(m);
	mask = m->cap - 1;
	for (i = lhash(addr) & mask; m->s[i].addr && m->s[i].addr != addr; i = (i + 1) & mask)
		;
	if (m->s[i].addr == 0)
		m->n++;
	m->s[i] = (struct live){ addr, size, node };
}

static void
lmap_del(struct lmap *m, struct live *e)
{
	size_t mask = m->cap - 1, i = (size_t)(e - m->s), j = i;
	for (;;) {
		size_t k;
		j = (j + 1) & mask;
		if (m->s[j].addr == 0)
			break;
		k = lhash(m->s[j].addr) & mask;
		/* move j back to i unless its home lies cyclically in (i, j] */
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			m->s[i] = m->s[j];
			i = j;
		}
	}
	m->s[i].addr = 0;
	m->n--;
}

/* --- the walk ------------------------------------------------------------------ */

struct tl {
	const uint8_t *d;
	size_t size;
	const char *path;
	struct hs_error *err;
	struct trace *t;
	uint8_t *buf;		/* one block, decompressed */
	size_t bufcap;
	ZSTD_DCtx *dctx;
	size_t nodecap;
	struct lmap live;
	uint64_t heap, time_us;
	uint64_t last_alloc;	/* address of the latest allocation, 0 after a free */
	/* per stack: live bytes now, and at the last peak (epoch-tagged) */
	uint64_t *cur, *saved;
	uint32_t *saved_epoch, epoch;
	struct sym_maps *maps;
	uint32_t list;		/* the module list in force (0: none yet) */
	uint64_t tl_step;
	uint64_t tl_end;	/* where the last point's interval ends */
};

static int
bad(struct tl *l, uint64_t off, const char *what)
{
	return error_at(l->err, HS_EINPUT, l->path, off, "%s", what);
}

/* An event's error: off is its block's, at is where in the block's
 * events the event starts. */
static int
bad_event(struct tl *l, uint64_t off, size_t at, const char *what)
{
	return error_at(l->err, HS_EINPUT, l->path, off, "event at byte %zu of the block: %s", at,
	                what);
}

/* A MODULE event's fields after the tag, at *pos (< n): checked, then
 * handed to the module lists. */
static int
read_module(struct tl *l, const uint8_t *p, size_t n, size_t *pos, uint64_t off, size_t at)
{
	uint64_t bias, idlen, plen, nseg;
	uint8_t id[TRACE_BUILD_ID_MAX];
	char path[TRACE_PATH_MAX + 1];
#define MV(x) \
	do { \
		if (!trace_get_varint(p, n, pos, &(x))) \
			return bad_event(l, off, at, "a module cut short in a block"); \
	} while (0)
	MV(bias);
	MV(idlen);
	if (idlen > TRACE_BUILD_ID_MAX)
		return bad_event(l, off, at, "a module's build ID is longer than 64 bytes");
	if (idlen > n - *pos)
		return bad_event(l, off, at, "a module's build ID runs past its block");
	memcpy(id, p + *pos, (size_t)idlen);
	*pos += (size_t)idlen;
	MV(plen);
	if (plen == 0 || plen > TRACE_PATH_MAX)
		return bad_event(l, off, at, "a module's path is empty or longer than 4096 bytes");
	if (plen > n - *pos)
		return bad_event(l, off, at, "a module's path runs past its block");
	memcpy(path, p + *pos, (size_t)plen);
	path[plen] = '\0';
	if (strlen(path) != plen)
		return bad_event(l, off, at, "a module's path holds a NUL byte");
	*pos += (size_t)plen;
	MV(nseg);
	if (nseg == 0 || nseg > TRACE_SEGMENTS_MAX)
		return bad_event(l, off, at, "a module has no segment, or more than 256");
	if (l->list == 0)
		return bad_event(l, off, at, "a module outside a module list (no MAPS_BEGIN before it)");
	for (uint64_t k = 0; k < nseg; k++) {
		uint64_t vaddr, memsz, flags;
		MV(vaddr);
		MV(memsz);
		MV(flags);
		if (memsz > UINT64_MAX - vaddr || vaddr + memsz > UINT64_MAX - bias)
			return bad_event(l, off, at, "a module's segment ends past the address space");
		if (l->maps)
			sym_maps_add_module(l->maps, path, id, (size_t)idlen, bias, bias + vaddr,
			                    bias + vaddr + memsz);
	}
#undef MV
	return 0;
}

static void
timeline_add(struct tl *l)
{
	trace_timeline_add(l->t, &l->tl_step, &l->tl_end, l->time_us, l->heap);
}

static unsigned
size_bucket(uint64_t s)
{
	return s == 0 ? 0 : 64 - (unsigned)__builtin_clzll(s);
}

/* The allocation's weight in sampled traces: how many it stands for. */
static uint64_t
weight(const struct trace *t, uint64_t size)
{
	if (t->sample_bytes == 0 || size >= t->sample_bytes || size == 0)
		return 1;
	return (t->sample_bytes + size / 2) / size;
}

/* Before node's live bytes change: keep their value at the last peak. */
static inline void
touch(struct tl *l, uint32_t node)
{
	if (l->saved_epoch[node] != l->epoch) {
		l->saved[node] = l->cur[node];
		l->saved_epoch[node] = l->epoch;
	}
}

static void
do_free(struct tl *l, uint64_t addr)
{
	struct trace *t = l->t;
	struct live *e = lmap_find(&l->live, addr);
	if (e == NULL)
		return;	/* allocated before recording, or not sampled */
	{
		t->frees++;
		if (addr == l->last_alloc) {
			uint64_t w = weight(t, e->size);
			t->node_m[e->node].temporary += w;
			t->total.temporary += w;
		}
	}
	l->heap -= e->size;
	touch(l, e->node);
	l->cur[e->node] -= e->size;
	lmap_del(&l->live, e);
}

/* The slot of addr: its entry, or the empty slot where it goes. */
static struct live *
lmap_slot(struct lmap *m, uint64_t addr)
{
	size_t mask, i;
	if ((m->n + 1) * 4 > m->cap * 3)
		lmap_grow(m);
	mask = m->cap - 1;
	for (i = lhash(addr) & mask; m->s[i].addr && m->s[i].addr != addr; i = (i + 1) & mask)
		;
	return &m->s[i];
}

static void
do_alloc(struct tl *l, uint32_t node, uint64_t size, uint64_t addr)
{
	struct trace *t = l->t;
	uint64_t heap;
	struct live *e = lmap_slot(&l->live, addr);
	if (e->addr) {	/* the free was lost (or raced the record): it is gone */
		l->heap -= e->size;
		touch(l, e->node);
		l->cur[e->node] -= e->size;
	} else {
		l->live.n++;
	}
	if (t->sample_bytes && size < t->sample_bytes)
		size = t->sample_bytes;	/* a sample stands for sample_bytes */
	*e = (struct live){ addr, size, node };
	heap = l->heap + size;	/* kept in a register: see the peak test below */
	l->heap = heap;
	touch(l, node);
	l->cur[node] += size;
	{
		uint64_t w = weight(t, size);
		unsigned b = size_bucket(size);
		t->node_m[node].allocations += w;
		t->node_m[node].bytes += size;
		t->total.allocations += w;
		t->total.bytes += size;
		t->size_count[b] += w;
		t->size_bytes[b] += size;
	}
	if (heap > t->peak_heap) {
		/* a new peak: every stack's value now is its part of it, saved
		 * when it next changes */
		t->peak_heap = heap;
		t->peak_time_us = l->time_us;
		l->epoch++;
	}
	timeline_add(l);
}

static int
walk_block(struct tl *l, const uint8_t *p, size_t n, uint64_t off)
{
	struct trace *t = l->t;
	size_t pos = 0;
	uint64_t addr = 0;
#define V(x) do { if (!trace_get_varint(p, n, &pos, &(x))) return bad_event(l, off, at, "event cut short in a block"); } while (0)
	while (pos < n) {
		size_t at = pos;
		uint8_t ev = p[pos++];
		uint64_t a, b, c, dt;
		switch (ev) {
		case TRACE_EV_STACK:
			V(a);
			V(b);
			if (a >= t->node_count)
				return bad_event(l, off, at, "a stack node's parent is not defined yet");
			if (t->node_count >= MAX_NODES)
				return bad_event(l, off, at, "more than 2^30 stack nodes");
			if (t->node_count == l->nodecap) {
				size_t cap = l->nodecap;
				XGROW(t->parent, cap, (size_t)t->node_count + 1);
				t->ip = xreallocarray(t->ip, cap, sizeof *t->ip);
				t->node_list = xreallocarray(t->node_list, cap, sizeof *t->node_list);
				t->node_m = xreallocarray(t->node_m, cap, sizeof *t->node_m);
				l->cur = xreallocarray(l->cur, cap, sizeof *l->cur);
				l->saved = xreallocarray(l->saved, cap, sizeof *l->saved);
				l->saved_epoch = xreallocarray(l->saved_epoch, cap, sizeof *l->saved_epoch);
				l->nodecap = cap;
			}
			t->parent[t->node_count] = (uint32_t)a;
			t->ip[t->node_count] = b;
			t->node_list[t->node_count] = l->list;
			memset(&t->node_m[t->node_count], 0, sizeof *t->node_m);
			l->cur[t->node_count] = l->saved[t->node_count] = 0;
			l->saved_epoch[t->node_count] = 0;
			t->node_count++;
			break;
		case TRACE_EV_ALLOC:
		case TRACE_EV_REALLOC: {
			uint64_t old = 0;
			if (ev == TRACE_EV_REALLOC) {
				V(a);
				old = addr + (uint64_t)trace_unzigzag(a);
				addr = old;
			}
			V(a);
			V(b);
			V(c);
			V(dt);
			addr += (uint64_t)trace_unzigzag(c);
			if (a >= t->node_count)
				return bad_event(l, off, at, "an allocation names a stack not defined yet");
			l->time_us += dt;
			if (l->time_us > trace_stop_us) {
				l->time_us -= dt;	/* the trace ends before this one */
				return 1;
			}
			if (ev == TRACE_EV_REALLOC)
				do_free(l, old);
			do_alloc(l, (uint32_t)a, b, addr);
			l->last_alloc = addr;
			break;
		}
		case TRACE_EV_FREE:
			V(a);
			addr += (uint64_t)trace_unzigzag(a);
			do_free(l, addr);
			l->last_alloc = 0;
			break;
		case TRACE_EV_MAPS_BEGIN:
			V(dt);
			l->time_us += dt;
			if (l->list == UINT32_MAX - 1)
				return bad_event(l, off, at, "more than 2^32 - 2 module lists");
			l->list = l->maps ? sym_maps_begin(l->maps) : l->list + 1;
			break;
		case TRACE_EV_MODULE: {
			int r = read_module(l, p, n, &pos, off, at);
			if (r)
				return r;
			break;
		}
		case TRACE_EV_MAP: {
			V(a);
			V(b);
			V(c);
			V(dt);	/* the path's length */
			if (dt > n - pos || dt > TRACE_PATH_MAX)
				return bad_event(l, off, at, "a mapping's path runs past its block");
			if (l->maps) {
				char path[TRACE_PATH_MAX + 1];
				memcpy(path, p + pos, (size_t)dt);
				path[dt] = '\0';
				sym_maps_add(l->maps, a, b, c, path);
			}
			pos += (size_t)dt;
			break;
		}
		case TRACE_EV_END:
			V(dt);
			l->time_us += dt;
			t->complete = true;
			break;
		default:
			return bad_event(l, off, at, "unknown event");
		}
	}
#undef V
	return 0;
}

/* Walks every complete block. */
static int
walk(struct tl *l)
{
	size_t off = TRACE_HEADER_SIZE;
	while (off < l->size) {
		uint32_t csize, rsize;
		size_t got;
		int r;
		if (l->size - off < 8)
			break;	/* cut in a block header: the end */
		csize = trace_get_u32le(l->d + off);
		rsize = trace_get_u32le(l->d + off + 4);
		if (rsize > TRACE_BLOCK_MAX || rsize == 0 || csize == 0)
			return bad(l, off, "block size out of range");
		if (csize > l->size - off - 8)
			break;	/* the last block, cut short: the end */
		if (rsize > l->bufcap) {
			free(l->buf);
			l->bufcap = rsize;
			l->buf = xmalloc(rsize);
		}
		got = ZSTD_decompressDCtx(l->dctx, l->buf, rsize, l->d + off + 8, csize);
		if (ZSTD_isError(got) || got != rsize)
			return bad(l, off, "block does not decompress to its size");
		r = walk_block(l, l->buf, rsize, off);
		if (r)
			return r;
		off += 8 + (size_t)csize;
	}
	return 0;
}

/* --- symbols and call sites ----------------------------------------------------- */

const struct sym_frame *
trace_frames(struct trace *t, uint32_t i, uint32_t *count, const char **module)
{
	if (i == 0 || i >= t->node_count) {
		*count = 0;
		if (module)
			*module = "??";
		return t->frames;
	}
	if (t->frame_first[i] == UINT32_MAX) {
		struct sym_result r = { NULL, 0 };
		const char *mod = NULL;
		uint64_t at = UINT64_MAX;
		struct sym_frame one;
		/* return addresses: the call is the instruction before */
		if (t->maps)
			r = sym_maps_lookup_in(t->maps, t->ip[i] - 1, trace_node_list(t, i), &mod, &at);
		if (r.count == 0) {
			/* the address: in the module's file when known (what to give
			 * heapsift symbolize -e with the right file), else at run time */
			char buf[96];
			if (mod && at != UINT64_MAX) {
				const char *base = strrchr(mod, '/');
				snprintf(buf, sizeof buf, "%.64s+0x%" PRIx64, base ? base + 1 : mod, at + 1);
			} else {
				snprintf(buf, sizeof buf, "0x%" PRIx64, t->ip[i]);
			}
			one = (struct sym_frame){ arena_strndup(&t->strings, buf, strlen(buf)), "??", 0, 0 };
			r.frames = &one;
			r.count = 1;
		}
		if (t->frames_used + r.count > t->frames_cap) {
			size_t cap = t->frames_cap;
			XGROW(t->frames, cap, t->frames_used + r.count);
			t->frame_module = xreallocarray(t->frame_module, cap, sizeof *t->frame_module);
			t->frames_cap = cap;
		}
		for (uint32_t k = 0; k < r.count; k++) {
			t->frames[t->frames_used + k] = r.frames[k];
			t->frame_module[t->frames_used + k] = mod ? mod : "??";
		}
		t->frame_first[i] = (uint32_t)t->frames_used;
		t->frame_count[i] = r.count;
		t->frames_used += r.count;
	}
	*count = t->frame_count[i];
	if (module)
		*module = t->frame_module[t->frame_first[i]];
	return t->frames + t->frame_first[i];
}

static size_t
str_hash(const char *s, size_t h)
{
	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001B3ULL;
	return h;
}

/* C++'s operator new is an allocation function too: a call site is the
 * first frame that is not in one (the whole stack's, if all are). */
static bool
allocator_frame(const char *fn)
{
	return strncmp(fn, "operator new", 12) == 0 || strncmp(fn, "_Znwm", 5) == 0 ||
	       strncmp(fn, "_Znam", 5) == 0;
}

static struct sym_frame
site_frame(struct trace *t, uint32_t i, const char **module)
{
	struct sym_frame first = { "??", "??", 0, 0 };
	const char *first_mod = "??";
	for (uint32_t node = i, hops = 0; node != 0 && hops < 64; hops++) {
		uint32_t n;
		const char *mod;
		const struct sym_frame *f = trace_frames(t, node, &n, &mod);
		if (hops == 0 && n > 0) {
			first = f[0];
			first_mod = mod;
		}
		for (uint32_t k = 0; k < n; k++)
			if (!allocator_frame(f[k].function)) {
				*module = mod;
				return f[k];
			}
		node = t->parent[node] < node ? t->parent[node] : 0;
	}
	*module = first_mod;
	return first;
}

/* Call sites: the innermost frames of the stacks that allocated, merged
 * by function, file and line.  Only those nodes are symbolized now. */
void
trace_make_sites(struct trace *t)
{
	size_t capsites = 0, hcap = 1024;
	uint32_t *htab;

	if (t->frame_first == NULL) {	/* the builder may have set frames */
		t->frame_first = xmallocarray(t->node_count, sizeof *t->frame_first);
		t->frame_count = xcalloc(t->node_count, sizeof *t->frame_count);
		memset(t->frame_first, 0xff, t->node_count * sizeof *t->frame_first);
	}
	t->node_site = xmallocarray(t->node_count, sizeof *t->node_site);
	while (hcap < (size_t)t->node_count * 2)
		hcap *= 2;
	htab = xmallocarray(hcap, sizeof *htab);
	memset(htab, 0xff, hcap * sizeof *htab);
	for (uint32_t i = 0; i < t->node_count; i++) {
		struct sym_frame f;
		const char *module;
		uint32_t s;
		size_t h;
		t->node_site[i] = UINT32_MAX;
		if (i == 0 || trace_measure_zero(&t->node_m[i]))
			continue;
		f = site_frame(t, i, &module);
		h = str_hash(f.function, str_hash(f.file, f.line));
		for (h &= hcap - 1; (s = htab[h]) != UINT32_MAX; h = (h + 1) & (hcap - 1))
			if (t->sites[s].line == f.line && strcmp(t->sites[s].function, f.function) == 0 &&
			    strcmp(t->sites[s].file, f.file) == 0)
				break;
		if (s == UINT32_MAX) {
			s = t->site_count++;
			XGROW(t->sites, capsites, t->site_count);
			memset(&t->sites[s], 0, sizeof t->sites[s]);
			t->sites[s].function = f.function;
			t->sites[s].file = f.file;
			t->sites[s].line = f.line;
			t->sites[s].module = module;
			htab[h] = s;
		}
		t->node_site[i] = s;
		trace_measure_add(&t->sites[s].m, &t->node_m[i]);
	}
	free(htab);
}

/* The modules of the stacks that cannot be symbolized: every stack's
 * module is opened (and its build ID checked) now, so that the summary
 * says it whatever views are shown. */
static void
find_unmatched(struct trace *t)
{
	size_t n = sym_maps_module_count(t->maps), cap = 0;
	for (uint32_t i = 1; i < t->node_count; i++)
		sym_maps_touch(t->maps, t->ip[i] - 1, trace_node_list(t, i));
	for (size_t k = 0; k < n; k++) {
		struct sym_map_info info;
		char hex[2 * TRACE_BUILD_ID_MAX + 1];
		sym_maps_module_info(t->maps, k, &info);
		if (info.state != SYM_MAP_CHANGED && info.state != SYM_MAP_MISSING)
			continue;
		for (size_t b = 0; b < info.build_id_len; b++)
			snprintf(hex + 2 * b, 3, "%02x", info.build_id[b]);
		hex[2 * info.build_id_len] = '\0';
		XGROW(t->unmatched, cap, (size_t)t->unmatched_count + 1);
		t->unmatched[t->unmatched_count++] = (struct trace_module){
			arena_strndup(&t->strings, info.path, strlen(info.path)),
			arena_strndup(&t->strings, hex, strlen(hex)),
			info.state == SYM_MAP_CHANGED,
		};
	}
}

/* --- the loader ---------------------------------------------------------------- */

static bool
trace_probe(const uint8_t *data, size_t size)
{
	return size >= 8 && memcmp(data, TRACE_MAGIC, 8) == 0;
}

static int
trace_load(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	struct trace *t;
	struct tl l;
	uint32_t version;
	int r;

	(void)progress;
	if (io->size < TRACE_HEADER_SIZE)
		return error_at(err, HS_EINPUT, io->path, io->size, "the trace header is cut short");
	version = trace_get_u32le(io->data + 8);
	if (version < TRACE_VERSION_MIN || version > TRACE_VERSION)
		return error_at(err, HS_EINPUT, io->path, 8,
		                "trace version %" PRIu32 ": this heapsift reads versions %d to %d", version,
		                TRACE_VERSION_MIN, TRACE_VERSION);
	t = xcalloc(1, sizeof *t);
	arena_init(&t->strings);
	t->path = xstrdup(io->path);
	t->format = "trace";
	t->measures = TRACE_ALL_MEASURES;
	t->has_time = true;
	t->main_measure = -1;
	t->version = version;
	t->sample_bytes = trace_get_u32le(io->data + 12);
	memset(&l, 0, sizeof l);
	l.d = io->data;
	l.size = io->size;
	l.path = io->path;
	l.err = err;
	l.t = t;
	l.dctx = ZSTD_createDCtx();
	l.maps = sym_maps_new(&(struct sym_options){ trace_debug_dir, true });
	l.tl_step = 1000;
	t->timeline = xmallocarray(TRACE_TIMELINE_MAX, sizeof *t->timeline);
	/* node 0: the root */
	l.nodecap = 1024;
	t->parent = xmallocarray(l.nodecap, sizeof *t->parent);
	t->ip = xmallocarray(l.nodecap, sizeof *t->ip);
	t->node_list = xmallocarray(l.nodecap, sizeof *t->node_list);
	t->node_m = xcalloc(l.nodecap, sizeof *t->node_m);
	l.cur = xcalloc(l.nodecap, sizeof *l.cur);
	l.saved = xcalloc(l.nodecap, sizeof *l.saved);
	l.saved_epoch = xcalloc(l.nodecap, sizeof *l.saved_epoch);
	t->node_count = 1;
	t->parent[0] = 0;
	t->ip[0] = 0;
	t->node_list[0] = 0;

	r = walk(&l);
	if (r < 0)
		goto fail;
	t->duration_us = l.time_us;
	/* leaked: what is live at the end */
	for (size_t i = 0; i < l.live.cap; i++) {
		const struct live *e = &l.live.s[i];
		uint64_t w;
		if (e->addr == 0)
			continue;
		w = weight(t, e->size);
		t->node_m[e->node].leaked += w;
		t->node_m[e->node].leaked_bytes += e->size;
		t->total.leaked += w;
		t->total.leaked_bytes += e->size;
	}
	/* each stack's part of the last peak */
	for (uint32_t i = 1; i < t->node_count; i++) {
		uint64_t at_peak = l.saved_epoch[i] == l.epoch ? l.saved[i] : l.cur[i];
		t->node_m[i].peak_bytes = at_peak;
		t->total.peak_bytes += at_peak;
	}
	t->maps = l.maps;
	trace_make_sites(t);
	find_unmatched(t);
	free(l.cur);
	free(l.saved);
	free(l.saved_epoch);
	free(l.live.s);
	free(l.buf);
	ZSTD_freeDCtx(l.dctx);
	out->kind = MODEL_TRACE;
	out->trace = t;
	return HS_OK;
fail:
	free(l.cur);
	free(l.saved);
	free(l.saved_epoch);
	free(l.live.s);
	free(l.buf);
	ZSTD_freeDCtx(l.dctx);
	sym_maps_free(l.maps);
	trace_free(t);
	return err->status;
}

void
trace_free(struct trace *t)
{
	if (t == NULL)
		return;
	free(t->path);
	free(t->parent);
	free(t->ip);
	free(t->node_list);
	free(t->node_m);
	free(t->node_site);
	free(t->frame_first);
	free(t->frame_count);
	free(t->frames);
	free(t->frame_module);
	free(t->sites);
	free(t->timeline);
	free(t->unmatched);
	sym_maps_free(t->maps);
	arena_free(&t->strings);
	free(t);
}

const struct loader_ops loader_trace = {
	.name = "trace",
	.description = "heapsift record's allocation traces (heapsift-trace(5))",
	.probe = trace_probe,
	.load = trace_load,
};
