/* diff: two dumps (or two traces) compared, row by row (diff.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/analyze.h"
#include "heapsift/diff.h"
#include "heapsift/heap.h"
#include "heapsift/trace.h"
#include "heapsift/xalloc.h"

/* rows by key (a string), open addressing */
struct rowmap {
	struct diff *d;
	uint32_t *slot;
	size_t cap, rowcap;
};

static size_t
hash_str(const char *s, const char *t)
{
	size_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001B3ULL;
	h = (h ^ 0xff) * 0x100000001B3ULL;
	for (; t && *t; t++)
		h = (h ^ (unsigned char)*t) * 0x100000001B3ULL;
	return h;
}

static struct diff_row *
row_of(struct rowmap *m, const char *name, const char *location)
{
	struct diff *d = m->d;
	size_t i;
	if ((size_t)d->row_count * 2 + 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		uint32_t *ns = xmallocarray(ncap, sizeof *ns);
		memset(ns, 0xff, ncap * sizeof *ns);
		for (uint32_t r = 0; r < d->row_count; r++) {
			size_t j = hash_str(d->rows[r].name, d->rows[r].location) & (ncap - 1);
			while (ns[j] != UINT32_MAX)
				j = (j + 1) & (ncap - 1);
			ns[j] = r;
		}
		free(m->slot);
		m->slot = ns;
		m->cap = ncap;
	}
	for (i = hash_str(name, location) & (m->cap - 1); m->slot[i] != UINT32_MAX; i = (i + 1) & (m->cap - 1)) {
		const struct diff_row *r = &d->rows[m->slot[i]];
		if (strcmp(r->name, name) == 0 &&
		    (r->location == location || (r->location && location && strcmp(r->location, location) == 0)))
			return &d->rows[m->slot[i]];
	}
	XGROW(d->rows, m->rowcap, (size_t)d->row_count + 1);
	memset(&d->rows[d->row_count], 0, sizeof d->rows[d->row_count]);
	d->rows[d->row_count].name = arena_strndup(&d->strings, name, strlen(name));
	d->rows[d->row_count].location = location ? arena_strndup(&d->strings, location, strlen(location)) : NULL;
	m->slot[i] = d->row_count;
	return &d->rows[d->row_count++];
}

static struct diff *
diff_new(const char *base_path, const char *target_path)
{
	struct diff *d = xcalloc(1, sizeof *d);
	arena_init(&d->strings);
	d->base_path = arena_strndup(&d->strings, base_path, strlen(base_path));
	d->target_path = arena_strndup(&d->strings, target_path, strlen(target_path));
	d->main_measure = -1;
	return d;
}

static const char *
class_name(const struct heap *h, uint32_t c)
{
	return heap_str(h, h->classes[c].name);
}

/* (id, node) pairs of h sorted by id: a radix sort, 16 bits a pass. */
static uint64_t *
sorted_ids(const struct heap *h, uint64_t **scratch)
{
	const uint32_t n = h->node_count;
	uint64_t *a = xmallocarray(n ? n : 1, sizeof *a), *b = xmallocarray(n ? n : 1, sizeof *b);
	uint64_t *ida = xmallocarray(n ? n : 1, sizeof *ida), *idb = xmallocarray(n ? n : 1, sizeof *idb);
	uint64_t maxid = 0;
	heap_node_ids(h, 0, n, ida);
	for (uint32_t i = 0; i < n; i++) {
		a[i] = i;
		if (ida[i] > maxid)
			maxid = ida[i];
	}
	for (unsigned shift = 0; shift < 64 && (maxid >> shift) != 0; shift += 16) {
		size_t count[65537] = { 0 };
		for (uint32_t i = 0; i < n; i++)
			count[(ida[i] >> shift & 0xffff) + 1]++;
		for (size_t k = 1; k <= 65536; k++)
			count[k] += count[k - 1];
		for (uint32_t i = 0; i < n; i++) {
			size_t to = count[ida[i] >> shift & 0xffff]++;
			b[to] = a[i];
			idb[to] = ida[i];
		}
		{ uint64_t *t = a; a = b; b = t; t = ida; ida = idb; idb = t; }
	}
	/* pack: id in the pairs' array, node in scratch */
	for (uint32_t i = 0; i < n; i++)
		b[i] = a[i];
	free(idb);
	*scratch = b;	/* nodes in id order */
	free(a);
	return ida;	/* ids ascending */
}

/* partner[k][node]: the node of the other heap with the same id, or
 * HEAP_NONE.  One merge of the two id-sorted lists (heap_find_id's qsort
 * and binary searches cost twice as much on 1.7M-node snapshots). */
static void
match_ids(const struct heap *x, const struct heap *y, uint32_t *partner[2])
{
	uint64_t *nx, *ny;
	uint64_t *ix = sorted_ids(x, &nx), *iy = sorted_ids(y, &ny);
	uint32_t i = 0, j = 0;
	partner[0] = xmallocarray(x->node_count ? x->node_count : 1, sizeof *partner[0]);
	partner[1] = xmallocarray(y->node_count ? y->node_count : 1, sizeof *partner[1]);
	memset(partner[0], 0xff, (size_t)x->node_count * sizeof *partner[0]);
	memset(partner[1], 0xff, (size_t)y->node_count * sizeof *partner[1]);
	while (i < x->node_count && j < y->node_count) {
		if (ix[i] < iy[j]) {
			i++;
		} else if (ix[i] > iy[j]) {
			j++;
		} else {
			partner[0][nx[i]] = (uint32_t)ny[j];
			partner[1][ny[j]] = (uint32_t)nx[i];
			i++;
			j++;
		}
	}
	free(ix);
	free(iy);
	free(nx);
	free(ny);
}

/* DevTools' class key (classKeyInternal): the name and, for objects whose
 * constructor has a location, the location, written as "script,line,column"
 * into buf; NULL when there is none. */
static const char *
location_key(const struct heap *h, uint32_t loc, char *buf, size_t size)
{
	if (loc == HEAP_NONE)
		return NULL;
	snprintf(buf, size, "%" PRIu32 ",%" PRIu32 ",%" PRIu32, h->locations[loc].script_id,
	         h->locations[loc].line, h->locations[loc].column);
	return buf;
}

/* Row of heap class c (rows by DevTools' class key), through a cache. */
static uint32_t
class_row(struct rowmap *m, const struct heap *h, uint32_t c, uint32_t *cache)
{
	char loc[64];
	if (cache[c] == HEAP_NONE)
		cache[c] = (uint32_t)(row_of(m, class_name(h, c),
		                             location_key(h, h->classes[c].location, loc, sizeof loc)) -
		                      m->d->rows);
	return cache[c];
}

/* Classes by aggregate, matched by name (dumps without stable ids). */
static void
diff_by_class(struct rowmap *m, struct heap *hs[2])
{
	for (int k = 0; k < 2; k++)
		for (uint32_t c = 0; c < hs[k]->class_count; c++) {
			struct diff_row *r;
			if (hs[k]->classes[c].count == 0)
				continue;
			r = row_of(m, class_name(hs[k], c), NULL);
			(k ? r->target : r->base)[0] += hs[k]->classes[c].count;
			(k ? r->target : r->base)[1] += hs[k]->classes[c].shallow;
		}
}

/* V8 pairs, as DevTools' Comparison (HeapSnapshotDiffDataGrid): the base's
 * plain objects named by the target's interface definitions
 * (aggregatesForDiff), rows by class key, and within a class, objects
 * matched by node id (calculateDiffForClass): new = in the target's class
 * only, deleted = in the base's class only.  An object whose class changed
 * (a plain object that gained a property) is deleted from one class and
 * new in the other.  Objects of size zero are in no class.  Fills
 * row_of_new with (row, target node) pairs. */
static void
diff_by_id(struct rowmap *m, struct heap *base, struct heap *target, uint32_t **row_of_new, size_t *nnew)
{
	struct diff *d = m->d;
	struct heap *hs[2] = { base, target };
	uint32_t *row[2], *partner[2];
	uint32_t *iface = v8rules_interfaces_from(base, target);
	uint32_t *iface_row = xmallocarray((size_t)target->interface_count + 1, sizeof *iface_row);
	size_t capnew = 0;

	memset(iface_row, 0xff, ((size_t)target->interface_count + 1) * sizeof *iface_row);
	for (int k = 0; k < 2; k++) {
		struct heap *h = hs[k];
		uint32_t *cache = xmallocarray(h->class_count ? h->class_count : 1, sizeof *cache);
		memset(cache, 0xff, (size_t)h->class_count * sizeof *cache);
		row[k] = xmallocarray(h->node_count ? h->node_count : 1, sizeof *row[k]);
		for (uint32_t n = 0; n < h->node_count; n++) {
			uint32_t c = heap_node_class(h, n), i;
			struct diff_row *r;
			if (heap_node_self(h, n) == 0) {
				row[k][n] = HEAP_NONE;
				continue;
			}
			if (k == 0 && (i = iface[n]) != HEAP_NONE) {
				/* a plain object of the base: the target's name for
				 * it, or its own ("Object"); where its class has a
				 * location, that too */
				const char *name = i < target->interface_count
				                   ? heap_str(target, target->interfaces[i].name)
				                   : heap_node_name(h, n);
				char loc[64];
				if (h->classes[c].location != HEAP_NONE)
					row[k][n] = (uint32_t)(row_of(m, name, location_key(h, h->classes[c].location,
					                                                    loc, sizeof loc)) -
					                       d->rows);
				else if (iface_row[i] != HEAP_NONE)
					row[k][n] = iface_row[i];
				else
					row[k][n] = iface_row[i] = (uint32_t)(row_of(m, name, NULL) - d->rows);
			} else {
				row[k][n] = class_row(m, h, c, cache);
			}
			r = &d->rows[row[k][n]];
			(k ? r->target : r->base)[0]++;
			(k ? r->target : r->base)[1] += heap_node_self(h, n);
		}
		free(cache);
	}
	free(iface);
	free(iface_row);

	match_ids(base, target, partner);
	for (int k = 0; k < 2; k++) {
		struct heap *h = hs[k];
		for (uint32_t n = 0; n < h->node_count; n++) {
			uint32_t p = partner[k][n];
			struct diff_row *r;
			if (row[k][n] == HEAP_NONE || (p != HEAP_NONE && row[!k][p] == row[k][n]))
				continue;
			r = &d->rows[row[k][n]];
			if (k) {
				r->new_count++;
				r->new_size += heap_node_self(h, n);
				XGROW(*row_of_new, capnew, 2 * (*nnew + 1));
				(*row_of_new)[2 * *nnew] = row[k][n];
				(*row_of_new)[2 * *nnew + 1] = n;
				(*nnew)++;
			} else {
				r->deleted_count++;
				r->deleted_size += heap_node_self(h, n);
			}
		}
	}
	for (int k = 0; k < 2; k++) {
		free(row[k]);
		free(partner[k]);
	}
}

struct diff *
diff_heaps(struct heap *base, struct heap *target)
{
	struct diff *d = diff_new(base->path, target->path);
	struct rowmap m = { d, NULL, 0, 0 };
	struct heap *hs[2] = { base, target };
	uint32_t *row_of_new = NULL;
	size_t nnew = 0;

	/* V8 node ids stay with their objects from one snapshot to the next
	 * of the same process */
	d->by_id = base->rules == HEAP_RULES_V8 && target->rules == HEAP_RULES_V8;
	if (!d->by_id) {
		diff_by_class(&m, hs);
		free(m.slot);
		return d;
	}
	diff_by_id(&m, base, target, &row_of_new, &nnew);
	/* the new objects by row (counting sort; node order within a row) */
	d->target = target;
	d->new_first = xcalloc((size_t)d->row_count + 1, sizeof *d->new_first);
	d->new_nodes = xmallocarray(nnew ? nnew : 1, sizeof *d->new_nodes);
	for (size_t i = 0; i < nnew; i++)
		d->new_first[row_of_new[2 * i] + 1]++;
	for (uint32_t r = 0; r < d->row_count; r++)
		d->new_first[r + 1] += d->new_first[r];
	{
		uint32_t *fill = xmallocarray((size_t)d->row_count + 1, sizeof *fill);
		memcpy(fill, d->new_first, ((size_t)d->row_count + 1) * sizeof *fill);
		for (size_t i = 0; i < nnew; i++)
			d->new_nodes[fill[row_of_new[2 * i]]++] = row_of_new[2 * i + 1];
		free(fill);
	}
	free(row_of_new);
	free(m.slot);
	return d;
}

struct diff *
diff_traces(struct trace *base, struct trace *target)
{
	struct diff *d = diff_new(base->path, target->path);
	struct rowmap m = { d, NULL, 0, 0 };
	struct trace *ts[2] = { base, target };

	d->traces = true;
	d->measures = base->measures & target->measures;
	for (int k = 0; k < 6; k++)
		if (base->measure_name[k] && target->measure_name[k] &&
		    strcmp(base->measure_name[k], target->measure_name[k]) == 0)
			d->measure_name[k] = arena_strndup(&d->strings, target->measure_name[k],
			                                   strlen(target->measure_name[k]));
	d->main_measure = target->main_measure == base->main_measure ? target->main_measure : -1;
	for (int k = 0; k < 2; k++)
		for (uint32_t s = 0; s < ts[k]->site_count; s++) {
			const struct trace_site *site = &ts[k]->sites[s];
			char loc[4096];
			struct diff_row *r;
			uint64_t *v;
			snprintf(loc, sizeof loc, "%s:%" PRIu32, site->file, site->line);
			r = row_of(&m, site->function, loc);
			v = k ? r->target : r->base;
			v[0] += site->m.allocations;
			v[1] += site->m.bytes;
			v[2] += site->m.leaked_bytes;
			v[3] += site->m.peak_bytes;
			v[4] += site->m.leaked;
		}
	free(m.slot);
	return d;
}

/* The shape of v's shortest retainer path in h: class and edge of each hop
 * towards the root (element indices as []), written into buf. */
static void
path_shape(struct heap *h, uint32_t v, char *buf, size_t size)
{
	size_t o = 0;
	int weak = heap_edge_type_find(h, "weak");
	buf[0] = '\0';
	for (int hop = 0; hop < 12 && v != h->root; hop++) {
		uint32_t best = UINT32_MAX, from = HEAP_NONE;
		char label[128];
		int32_t d = heap_node_distance(h, v);
		/* a retainer one step closer to the root, not through a weak edge */
		for (uint32_t i = h->ret_first[v]; i < h->ret_first[v + 1]; i++) {
			uint32_t e = h->ret_edge[i], u = h->ret_src[i];
			if ((weak >= 0 && heap_edge_type(h, e) == weak) || heap_node_distance(h, u) < 0 ||
			    heap_node_distance(h, u) >= d)
				continue;
			if (best == UINT32_MAX || heap_node_distance(h, u) < heap_node_distance(h, from)) {
				best = e;
				from = u;
			}
		}
		if (best == UINT32_MAX)
			break;
		heap_edge_label(h, best, label, sizeof label);
		if (label[0] == '[')
			strcpy(label, "[]");
		o += (size_t)snprintf(buf + o, o < size ? size - o : 0, "%s%s%s", o ? " <- " : "",
		                      heap_str(h, h->classes[heap_node_class(h, from)].name), label);
		if (o >= size)
			break;
		v = from;
	}
}

struct diff *
diff_leaks(struct heap *base, struct heap *target, struct heap *final)
{
	struct diff *d;
	struct rowmap m;
	char path[1024];

	if (base->rules != HEAP_RULES_V8 || target->rules != HEAP_RULES_V8 ||
	    final->rules != HEAP_RULES_V8)
		return NULL;
	d = diff_new(base->path, target->path);
	m = (struct rowmap){ d, NULL, 0, 0 };
	d->leaks = true;
	d->by_id = true;
	if (final->ret_first == NULL)
		retainers_build(final);
	for (uint32_t n = 0; n < target->node_count; n++) {
		uint64_t id;
		uint32_t f;
		struct diff_row *r;
		if (heap_node_self(target, n) == 0)
			continue;
		id = heap_node_id(target, n);
		if (heap_find_id(base, id) != HEAP_NONE || (f = heap_find_id(final, id)) == HEAP_NONE ||
		    heap_node_self(final, f) == 0)
			continue;
		path_shape(final, f, path, sizeof path);
		r = row_of(&m, heap_str(final, final->classes[heap_node_class(final, f)].name), path);
		r->target[0]++;
		r->target[1] += heap_node_self(final, f);
	}
	free(m.slot);
	return d;
}

void
diff_free(struct diff *d)
{
	if (d == NULL)
		return;
	free(d->new_first);
	free(d->new_nodes);
	free(d->rows);
	arena_free(&d->strings);
	free(d);
}
