/* trace_builder: the trace model filled by importers (trace_builder.h).
 *
 * Events are measured as heaptrack_print measures them, the way the
 * recorder's loader does (src/load/trace.c): what each stack held at the
 * global peak is kept lazily by epochs (a new peak starts one; a stack's
 * live bytes are saved the first time they change in an epoch). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "heapsift/trace_builder.h"
#include "heapsift/xalloc.h"

struct handle {
	uint32_t first, count;
};

struct trace_builder {
	struct trace *t;
	size_t nodecap;
	/* (parent, ip, handle) -> node, open addressing */
	uint32_t *nhash;
	size_t nhash_cap;
	uint32_t *node_handle;
	/* interned strings (in t->strings) */
	const char **shash;
	size_t shash_cap, shash_n;
	struct handle *handles;
	size_t handle_count, handle_cap;
	/* events */
	uint64_t *cur, *cur_n, *saved;
	uint32_t *saved_epoch, epoch;
	uint64_t heap, time_us, tl_step, tl_end;
	bool peak_given, events;
};

struct trace_builder *
tb_new(const char *path, const char *format)
{
	struct trace_builder *b = xcalloc(1, sizeof *b);
	struct trace *t = xcalloc(1, sizeof *t);
	b->t = t;
	arena_init(&t->strings);
	t->path = xstrdup(path);
	t->format = format;
	t->measures = TRACE_ALL_MEASURES;
	t->main_measure = -1;
	t->timeline = xmallocarray(TRACE_TIMELINE_MAX, sizeof *t->timeline);
	b->tl_step = 1000;
	b->nodecap = 1024;
	t->parent = xmallocarray(b->nodecap, sizeof *t->parent);
	t->ip = xmallocarray(b->nodecap, sizeof *t->ip);
	t->node_m = xcalloc(b->nodecap, sizeof *t->node_m);
	b->node_handle = xmallocarray(b->nodecap, sizeof *b->node_handle);
	b->cur = xcalloc(b->nodecap, sizeof *b->cur);
	b->cur_n = xcalloc(b->nodecap, sizeof *b->cur_n);
	b->saved = xcalloc(b->nodecap, sizeof *b->saved);
	b->saved_epoch = xcalloc(b->nodecap, sizeof *b->saved_epoch);
	t->node_count = 1;
	t->parent[0] = 0;
	t->ip[0] = 0;
	b->node_handle[0] = TB_ADDRESS;
	return b;
}

void
tb_measures(struct trace_builder *b, unsigned mask, const char *const names[6])
{
	b->t->measures = mask & TRACE_ALL_MEASURES;
	for (int k = 0; k < 6; k++)
		b->t->measure_name[k] = names && names[k] ? arena_strndup(&b->t->strings, names[k],
		                                                            strlen(names[k]))
		                                          : NULL;
}

void
tb_main_measure(struct trace_builder *b, int kind)
{
	b->t->main_measure = kind >= 0 && kind < 6 ? kind : -1;
}

void
tb_has_time(struct trace_builder *b)
{
	b->t->has_time = true;
}

void
tb_time_unit(struct trace_builder *b, enum trace_time_unit unit)
{
	b->t->time_unit = unit;
}

void
tb_maps(struct trace_builder *b, struct sym_maps *maps)
{
	sym_maps_free(b->t->maps);
	b->t->maps = maps;
}

void
tb_info(struct trace_builder *b, const char *name, uint64_t value)
{
	struct trace *t = b->t;
	if (t->info_count == TRACE_INFO_MAX)
		return;
	t->info[t->info_count].name = arena_strndup(&t->strings, name, strlen(name));
	t->info[t->info_count++].value = value;
}

void
tb_sample_bytes(struct trace_builder *b, uint64_t bytes)
{
	b->t->sample_bytes = bytes;
}

/* --- frames ---------------------------------------------------------------------- */

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001B3ULL;
	return h;
}

static const char *
intern(struct trace_builder *b, const char *s)
{
	size_t mask, i;
	if (s == NULL)
		return "??";
	if ((b->shash_n + 1) * 2 > b->shash_cap) {
		const char **old = b->shash;
		size_t oldcap = b->shash_cap;
		b->shash_cap = oldcap ? oldcap * 2 : 1024;
		b->shash = xcalloc(b->shash_cap, sizeof *b->shash);
		for (size_t k = 0; k < oldcap; k++)
			if (old[k]) {
				mask = b->shash_cap - 1;
				for (i = str_hash(old[k]) & mask; b->shash[i]; i = (i + 1) & mask)
					;
				b->shash[i] = old[k];
			}
		free(old);
	}
	mask = b->shash_cap - 1;
	for (i = str_hash(s) & mask; b->shash[i]; i = (i + 1) & mask)
		if (strcmp(b->shash[i], s) == 0)
			return b->shash[i];
	b->shash_n++;
	return b->shash[i] = arena_strndup(&b->t->strings, s, strlen(s));
}

uint32_t
tb_frames(struct trace_builder *b, const struct sym_frame *f, uint32_t n, const char *module)
{
	struct trace *t = b->t;
	const char *mod = intern(b, module);
	if (n == 0)
		n = 1, f = &(struct sym_frame){ "??", "??", 0, 0 };
	if (t->frames_used + n > t->frames_cap) {
		size_t cap = t->frames_cap;
		XGROW(t->frames, cap, t->frames_used + n);
		t->frame_module = xreallocarray(t->frame_module, cap, sizeof *t->frame_module);
		t->frames_cap = cap;
	}
	for (uint32_t k = 0; k < n; k++) {
		t->frames[t->frames_used + k] = (struct sym_frame){
			intern(b, f[k].function), intern(b, f[k].file), f[k].line, f[k].discriminator
		};
		t->frame_module[t->frames_used + k] = mod;
	}
	XGROW(b->handles, b->handle_cap, b->handle_count + 1);
	b->handles[b->handle_count] = (struct handle){ (uint32_t)t->frames_used, n };
	t->frames_used += n;
	return (uint32_t)b->handle_count++;
}

/* --- nodes ----------------------------------------------------------------------- */

static uint64_t
node_hash(uint32_t parent, uint64_t ip, uint32_t handle)
{
	uint64_t h = ((uint64_t)parent << 32 | handle) ^ (ip * 0x9E3779B97F4A7C15ULL);
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	return h ^ (h >> 32);
}

static void
nhash_grow(struct trace_builder *b)
{
	struct trace *t = b->t;
	size_t mask;
	free(b->nhash);
	b->nhash_cap = b->nhash_cap ? b->nhash_cap * 2 : 4096;
	b->nhash = xmallocarray(b->nhash_cap, sizeof *b->nhash);
	memset(b->nhash, 0xff, b->nhash_cap * sizeof *b->nhash);
	mask = b->nhash_cap - 1;
	for (uint32_t n = 1; n < t->node_count; n++) {
		size_t i = node_hash(t->parent[n], t->ip[n], b->node_handle[n]) & mask;
		while (b->nhash[i] != UINT32_MAX)
			i = (i + 1) & mask;
		b->nhash[i] = n;
	}
}

uint32_t
tb_node(struct trace_builder *b, uint32_t parent, uint64_t ip, uint32_t handle)
{
	struct trace *t = b->t;
	size_t mask, i;
	uint32_t n;
	if (parent >= t->node_count)
		parent = TB_ROOT;
	if ((t->node_count + 1) * 2 > b->nhash_cap)
		nhash_grow(b);
	mask = b->nhash_cap - 1;
	for (i = node_hash(parent, ip, handle) & mask; (n = b->nhash[i]) != UINT32_MAX;
	     i = (i + 1) & mask)
		if (t->parent[n] == parent && t->ip[n] == ip && b->node_handle[n] == handle)
			return n;
	if (t->node_count >= TB_MAX_NODES)
		return TB_FULL;
	if (t->node_count == b->nodecap) {
		size_t cap = b->nodecap;
		XGROW(t->parent, cap, (size_t)t->node_count + 1);
		t->ip = xreallocarray(t->ip, cap, sizeof *t->ip);
		t->node_m = xreallocarray(t->node_m, cap, sizeof *t->node_m);
		b->node_handle = xreallocarray(b->node_handle, cap, sizeof *b->node_handle);
		b->cur = xreallocarray(b->cur, cap, sizeof *b->cur);
		b->cur_n = xreallocarray(b->cur_n, cap, sizeof *b->cur_n);
		b->saved = xreallocarray(b->saved, cap, sizeof *b->saved);
		b->saved_epoch = xreallocarray(b->saved_epoch, cap, sizeof *b->saved_epoch);
		b->nodecap = cap;
	}
	n = t->node_count++;
	t->parent[n] = parent;
	t->ip[n] = ip;
	b->node_handle[n] = handle < b->handle_count ? handle : TB_ADDRESS;
	memset(&t->node_m[n], 0, sizeof t->node_m[n]);
	b->cur[n] = b->cur_n[n] = b->saved[n] = 0;
	b->saved_epoch[n] = 0;
	b->nhash[i] = n;
	return n;
}

uint32_t
tb_node_count(const struct trace_builder *b)
{
	return b->t->node_count;
}

/* --- events ---------------------------------------------------------------------- */

static inline void
touch(struct trace_builder *b, uint32_t node)
{
	if (b->saved_epoch[node] != b->epoch) {
		b->saved[node] = b->cur[node];
		b->saved_epoch[node] = b->epoch;
	}
}

void
tb_time(struct trace_builder *b, uint64_t us)
{
	b->time_us = us;
	if (us > b->t->duration_us)
		b->t->duration_us = us;
}

void
tb_alloc(struct trace_builder *b, uint32_t node, uint64_t size)
{
	struct trace *t = b->t;
	unsigned k = size == 0 ? 0 : 64 - (unsigned)__builtin_clzll(size);
	if (node >= t->node_count)
		node = TB_ROOT;
	b->events = true;
	b->heap += size;
	touch(b, node);
	b->cur[node] += size;
	b->cur_n[node]++;
	t->node_m[node].allocations++;
	t->node_m[node].bytes += size;
	t->total.allocations++;
	t->total.bytes += size;
	t->size_count[k]++;
	t->size_bytes[k] += size;
	if (b->heap > t->peak_heap) {
		t->peak_heap = b->heap;
		t->peak_time_us = b->time_us;
		b->epoch++;
	}
	trace_timeline_add(t, &b->tl_step, &b->tl_end, b->time_us, b->heap);
}

void
tb_free(struct trace_builder *b, uint32_t node, uint64_t size, bool temporary)
{
	struct trace *t = b->t;
	if (node >= t->node_count)
		node = TB_ROOT;
	if (size > b->cur[node] || b->cur_n[node] == 0)
		return;	/* not allocated: the importer's file is inconsistent */
	t->frees++;
	if (temporary) {
		t->node_m[node].temporary++;
		t->total.temporary++;
	}
	b->heap -= size;
	touch(b, node);
	b->cur[node] -= size;
	b->cur_n[node]--;
	trace_timeline_add(t, &b->tl_step, &b->tl_end, b->time_us, b->heap);
}

void
tb_add(struct trace_builder *b, uint32_t node, const struct trace_measure *m)
{
	if (node >= b->t->node_count)
		node = TB_ROOT;
	trace_measure_add(&b->t->node_m[node], m);
	trace_measure_add(&b->t->total, m);
}

void
tb_point(struct trace_builder *b, uint64_t us, uint64_t heap)
{
	tb_time(b, us);
	if (!b->events && b->t->timeline_count == 0)
		b->tl_step = 1;
	trace_timeline_add(b->t, &b->tl_step, &b->tl_end, us, heap);
}

void
tb_peak(struct trace_builder *b, uint64_t heap, uint64_t us)
{
	b->t->peak_heap = heap;
	b->t->peak_time_us = us;
	b->peak_given = true;
}

void
tb_complete(struct trace_builder *b)
{
	b->t->complete = true;
}

/* --- the end --------------------------------------------------------------------- */

static void
tb_release(struct trace_builder *b)
{
	free(b->nhash);
	free(b->node_handle);
	free(b->shash);
	free(b->handles);
	free(b->cur);
	free(b->cur_n);
	free(b->saved);
	free(b->saved_epoch);
	free(b);
}

struct trace *
tb_finish(struct trace_builder *b)
{
	struct trace *t = b->t;
	/* from events: leaked is what is live at the end; each stack's part
	 * of the last peak its value then */
	if (b->events) {
		for (uint32_t i = 0; i < t->node_count; i++) {
			t->node_m[i].leaked_bytes += b->cur[i];
			t->node_m[i].leaked += b->cur_n[i];
			t->total.leaked_bytes += b->cur[i];
			t->total.leaked += b->cur_n[i];
			t->node_m[i].peak_bytes = b->saved_epoch[i] == b->epoch ? b->saved[i] : b->cur[i];
			t->total.peak_bytes += t->node_m[i].peak_bytes;
		}
	}
	t->frame_first = xmallocarray(t->node_count, sizeof *t->frame_first);
	t->frame_count = xcalloc(t->node_count, sizeof *t->frame_count);
	for (uint32_t i = 0; i < t->node_count; i++) {
		uint32_t h = b->node_handle[i];
		if (i > 0 && h != TB_ADDRESS) {
			t->frame_first[i] = b->handles[h].first;
			t->frame_count[i] = b->handles[h].count;
		} else {
			t->frame_first[i] = UINT32_MAX;
		}
	}
	tb_release(b);
	trace_make_sites(t);
	return t;
}

void
tb_abandon(struct trace_builder *b)
{
	trace_free(b->t);
	tb_release(b);
}
