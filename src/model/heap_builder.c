#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/bits.h"
#include "heapsift/heap_builder.h"
#include "heapsift/idmap.h"
#include "heapsift/prefault.h"
#include "heapsift/xalloc.h"

void
hb_init(struct heap_builder *b, struct heap *h)
{
	memset(b, 0, sizeof *b);
	b->h = h;
}

void
hb_abort(struct heap_builder *b)
{
	heap_free(b->h);
	free(b->loc);
	free(b->class_of_name);
	memset(b, 0, sizeof *b);
}

int
hb_node_type(struct heap_builder *b, const char *name)
{
	struct heap *h = b->h;
	if (h->node_type_count >= HEAP_MAX_TYPES)
		return -1;
	/* Kept out of the string table: its ids are the loader's own. */
	h->node_type_names[h->node_type_count] =
		arena_strndup(&h->strings.arena, name, strlen(name));
	return (int)h->node_type_count++;
}

int
hb_edge_type(struct heap_builder *b, const char *name, bool indexed)
{
	struct heap *h = b->h;
	if (h->edge_type_count >= HEAP_MAX_TYPES)
		return -1;
	h->edge_type_names[h->edge_type_count] =
		arena_strndup(&h->strings.arena, name, strlen(name));
	h->edge_type_indexed[h->edge_type_count] = indexed;
	return (int)h->edge_type_count++;
}

void
hb_alloc(struct heap_builder *b, uint32_t nodes, uint32_t edges)
{
	struct heap *h = b->h;
	h->node_count = nodes;
	h->edge_count = edges;
	b->nodes_alloc = nodes;
	b->edges_alloc = edges;
	h->node_type = xmallocarray(nodes, sizeof *h->node_type);
	h->node_name = xmallocarray(nodes, sizeof *h->node_name);
	h->node_id32 = xcalloc(nodes, sizeof *h->node_id32);
	h->node_self_raw = xmallocarray(nodes, sizeof *h->node_self_raw);
	h->first_edge = xmallocarray((size_t)nodes + 1, sizeof *h->first_edge);
	h->edge_type = xmallocarray(edges, sizeof *h->edge_type);
	h->edge_name = xmallocarray(edges, sizeof *h->edge_name);
	h->edge_to = xmallocarray(edges, sizeof *h->edge_to);
}

void
hb_node_classes(struct heap_builder *b, size_t max_classes)
{
	struct heap *h = b->h;
	size_t n = b->nodes_alloc ? b->nodes_alloc : 1;
	free(h->node_name);
	h->node_name = NULL;
	free(h->node_type);	/* the classes' types, until two differ */
	h->node_type = NULL;
	if (max_classes <= (size_t)1 << 15) {
		/* 10 bits a node for a JDK's thousand classes, not 16 */
		h->class_bits = (uint8_t)bits_width(max_classes > 1 ? (uint32_t)max_classes - 1 : 1);
		h->node_class_packed = xcalloc(bits_packed_bytes(n, h->class_bits), 1);
	} else if (max_classes <= (size_t)UINT16_MAX + 1) {
		h->node_class16 = xcalloc(n, sizeof *h->node_class16);
	} else {
		h->node_class = xcalloc(n, sizeof *h->node_class);
	}
}

/* More classes than the packed width numbers: 16 bits a node from now on. */
static void
classes_unpack(struct heap_builder *b)
{
	struct heap *h = b->h;
	uint16_t *c16 = xmallocarray(b->nodes_alloc ? b->nodes_alloc : 1, sizeof *c16);
	for (uint32_t i = 0; i < b->nodes_alloc; i++)
		c16[i] = (uint16_t)bits_packed_get(h->node_class_packed, h->class_bits, i);
	free(h->node_class_packed);
	h->node_class_packed = NULL;
	h->node_class16 = c16;
}

/* More classes than 16 bits can number: 4 bytes a node from now on. */
static void
classes_widen(struct heap_builder *b)
{
	struct heap *h = b->h;
	uint32_t *wide = xmallocarray(b->nodes_alloc ? b->nodes_alloc : 1, sizeof *wide);
	for (uint32_t i = 0; i < b->nodes_alloc; i++)
		wide[i] = h->node_class16[i];
	free(h->node_class16);
	h->node_class16 = NULL;
	h->node_class = wide;
}

/* Too many nodes of a type other than their class's, or out of order:
 * types per node from now on, those of the nodes given so far as they
 * were (nodes not given yet get garbage, as with any array before
 * hb_node). */
static void
types_per_node(struct heap_builder *b)
{
	struct heap *h = b->h;
	uint8_t *t = xmallocarray(b->nodes_alloc ? b->nodes_alloc : 1, sizeof *t);
	for (uint32_t i = 0; i < b->nodes_alloc; i++)
		t[i] = heap_node_type(h, i);
	h->node_type = t;
	free(h->type_odd_node);
	free(h->type_odd_type);
	h->type_odd_node = NULL;
	h->type_odd_type = NULL;
	h->type_odd_count = 0;
	for (uint32_t c = 0; c < h->class_count; c++)
		h->classes[c].odd = false;
}

void
hb_class_node(struct heap_builder *b, uint32_t i, uint8_t type, uint32_t name)
{
	struct heap *h = b->h;
	uint32_t c = hb_class_of_name(b, name);
	heap_set_node_class(h, i, c);
	if (h->node_type) {
		h->node_type[i] = type;
	} else if (h->classes[c].type == HEAP_TYPE_UNSET) {
		h->classes[c].type = type;
	} else if (h->classes[c].type != type) {
		uint32_t k = h->type_odd_count;
		if (k >= b->nodes_alloc / 64 + 64 || (k && h->type_odd_node[k - 1] >= i)) {
			types_per_node(b);
			h->node_type[i] = type;
			return;
		}
		if (k == b->type_odd_cap) {
			size_t cap = b->type_odd_cap;
			XGROW(h->type_odd_node, cap, (size_t)k + 1);
			h->type_odd_type = xreallocarray(h->type_odd_type, cap, sizeof *h->type_odd_type);
			b->type_odd_cap = cap;
		}
		h->type_odd_node[k] = i;
		h->type_odd_type[k] = type;
		h->type_odd_count++;
		h->classes[c].odd = true;
	}
}

uint32_t
hb_class_of_name(struct heap_builder *b, uint32_t name)
{
	struct heap *h = b->h;
	if (name >= b->class_of_name_cap) {
		size_t old = b->class_of_name_cap;
		XGROW(b->class_of_name, b->class_of_name_cap, (size_t)name + 1);
		memset(b->class_of_name + old, 0xff,
		       (b->class_of_name_cap - old) * sizeof *b->class_of_name);
	}
	if (b->class_of_name[name] == HEAP_NONE) {
		XGROW(h->classes, b->class_cap, (size_t)h->class_count + 1);
		memset(&h->classes[h->class_count], 0, sizeof *h->classes);
		h->classes[h->class_count].name = name;
		h->classes[h->class_count].location = HEAP_NONE;
		h->classes[h->class_count].type = HEAP_TYPE_UNSET;
		if (h->node_class_packed && h->class_count >> h->class_bits)
			classes_unpack(b);
		if (h->node_class16 && h->class_count > UINT16_MAX)
			classes_widen(b);
		b->class_of_name[name] = h->class_count++;
	}
	return b->class_of_name[name];
}

/* Classes numbered in the order their first node comes (hb_node may have
 * been called out of node order), as generic_rules_class_names does. */
static void
classes_finish(struct heap_builder *b)
{
	struct heap *h = b->h;
	uint32_t *renum, next = 0;
	struct heap_class *cls;
	bool same = true;

	free(b->class_of_name);
	b->class_of_name = NULL;
	if (h->node_name || h->class_count == 0)
		return;
	renum = xmallocarray(h->class_count, sizeof *renum);
	memset(renum, 0xff, h->class_count * sizeof *renum);
	for (uint32_t v = 0; v < h->node_count; v++) {
		uint32_t c = heap_node_class(h, v);
		if (renum[c] == HEAP_NONE) {
			same = same && c == next;
			renum[c] = next++;
		}
	}
	if (!same || next != h->class_count) {
		cls = xmallocarray(next ? next : 1, sizeof *cls);
		for (uint32_t c = 0; c < h->class_count; c++)
			if (renum[c] != HEAP_NONE)
				cls[renum[c]] = h->classes[c];
		for (uint32_t v = 0; v < h->node_count; v++)
			heap_set_node_class(h, v, renum[heap_node_class(h, v)]);
		free(h->classes);
		h->classes = cls;
		h->class_count = next;
	}
	free(renum);
}

/* Leaves ids as ranks: the runs go, node_id32 comes back (packed as
 * hb_pack_ids said) with the ids of the nodes given so far.  The map
 * stays until hb_finish: the loader may still read it. */
static void
ids_unrank(struct heap_builder *b)
{
	struct heap *h = b->h;
	uint32_t given = b->id_next;
	uint64_t *ids = xmallocarray(given ? given : 1, sizeof *ids);

	heap_node_ids(h, 0, given, ids);
	free(h->id_head_ids);
	free(h->id_run_node);
	free(h->id_run_rank);
	h->id_head_ids = NULL;
	h->id_run_node = h->id_run_rank = NULL;
	h->id_head = h->id_run_count = 0;
	h->node_id32 = xcalloc(b->nodes_alloc ? b->nodes_alloc : 1, sizeof *h->node_id32);
	for (uint32_t i = 0; i < given; i++)
		hb_node_id_store(b, i, ids[i]);
	free(ids);
}

void
hb_wide_ids(struct heap_builder *b)
{
	struct heap *h = b->h;
	uint64_t *wide;
	if (h->node_id64)
		return;
	if (h->node_id32 == NULL)
		ids_unrank(b);
	/* Ids of nodes not added yet are garbage either way. */
	wide = xmallocarray(b->nodes_alloc, sizeof *wide);
	for (uint32_t i = 0; i < b->nodes_alloc; i++)
		wide[i] = heap_node_id(h, i);
	h->node_id64 = wide;
	free(h->node_id32);
	h->node_id32 = NULL;
	h->id_packed = false;
}

struct idmap *
hb_id_map(struct heap_builder *b, struct idmap *m)
{
	struct heap *h = b->h;
	if (h->node_id32 == NULL || m->bits == NULL || m->rank == NULL ||
	    idmap_bytes(m) > 4 * (size_t)b->nodes_alloc)
		return m;
	h->id_map = xmalloc(sizeof *h->id_map);
	*h->id_map = *m;
	memset(m, 0, sizeof *m);
	free(h->node_id32);
	h->node_id32 = NULL;
	b->id_next = 0;
	b->id_run_max = b->nodes_alloc / 16 + 256;
	return h->id_map;
}

void
hb_id_ranked(struct heap_builder *b, uint32_t i, uint64_t id)
{
	struct heap *h = b->h;
	uint32_t r;

	r = b->rank_hint_set ? b->rank_hint : IDMAP_NONE;
	b->rank_hint_set = false;
	if (i != b->id_next)
		goto unrank;	/* out of order */
	if (r == IDMAP_NONE)
		r = idmap_rank(h->id_map, id);
	if (r == IDMAP_NONE) {
		if (h->id_run_count)
			goto unrank;	/* not an object, after the objects began */
		XGROW(h->id_head_ids, b->id_head_cap, (size_t)h->id_head + 1);
		h->id_head_ids[h->id_head++] = id;
	} else if (h->id_run_count == 0 || r != b->id_last_rank + 1) {
		if (h->id_run_count >= b->id_run_max)
			goto unrank;
		if (h->id_run_count == b->id_run_cap) {
			size_t cap = b->id_run_cap;
			XGROW(h->id_run_node, cap, (size_t)h->id_run_count + 1);
			h->id_run_rank = xreallocarray(h->id_run_rank, cap, sizeof *h->id_run_rank);
			b->id_run_cap = cap;
		}
		h->id_run_node[h->id_run_count] = i;
		h->id_run_rank[h->id_run_count] = r;
		h->id_run_count++;
	}
	if (r != IDMAP_NONE)
		b->id_last_rank = r;
	b->id_next++;
	return;
unrank:
	ids_unrank(b);
	hb_node_id_store(b, i, id);
}

void
hb_pack_ids(struct heap_builder *b, uint64_t base, unsigned shift)
{
	struct heap *h = b->h;
	if (h->node_id64 || shift > 31)
		return;
	h->id_packed = true;
	h->id_base = base;
	h->id_shift = (uint8_t)shift;
}

void
hb_compact_sizes(struct heap_builder *b)
{
	struct heap *h = b->h;
	free(h->node_self_raw);
	h->node_self_raw = NULL;
	h->node_self8 = xmallocarray(b->nodes_alloc ? b->nodes_alloc : 1, 1);
}

void
hb_self_big(struct heap_builder *b, uint32_t i, uint32_t self_size)
{
	struct heap *h = b->h;
	uint32_t at = h->self_big_count;

	h->node_self8[i] = HEAP_SELF_BIG;
	/* nodes mostly come in order: an append; else the place of i */
	if (at && h->self_big_node[at - 1] >= i) {
		uint32_t lo = bits_lower_bound(h->self_big_node, at, i);
		if (h->self_big_node[lo] == i) {	/* given again: the last wins */
			h->self_big_size[lo] = self_size;
			return;
		}
		at = lo;
	}
	if (h->self_big_count == b->self_big_cap) {
		size_t cap = b->self_big_cap;
		XGROW(h->self_big_node, cap, (size_t)h->self_big_count + 1);
		h->self_big_size = xreallocarray(h->self_big_size, cap, sizeof *h->self_big_size);
		b->self_big_cap = cap;
	}
	memmove(h->self_big_node + at + 1, h->self_big_node + at,
	        (h->self_big_count - at) * sizeof *h->self_big_node);
	memmove(h->self_big_size + at + 1, h->self_big_size + at,
	        (h->self_big_count - at) * sizeof *h->self_big_size);
	h->self_big_node[at] = i;
	h->self_big_size[at] = self_size;
	h->self_big_count++;
}

void
hb_alloc_detachedness(struct heap_builder *b)
{
	b->h->node_detachedness = xcalloc(b->nodes_alloc, 1);
}

char *
hb_string_buffer(struct heap_builder *b, size_t n)
{
	return arena_alloc_bytes(&b->h->strings.arena, n + 1);
}

uint32_t
hb_string_commit(struct heap_builder *b, char *buf, size_t n)
{
	buf[n] = '\0';
	return strtab_add_owned(&b->h->strings, buf, n);
}

size_t
hb_string_count(const struct heap_builder *b)
{
	return strtab_count(&b->h->strings);
}

void
hb_strings_reset(struct heap_builder *b)
{
	strtab_truncate(&b->h->strings, 0);
}

void
hb_root(struct heap_builder *b, uint32_t node)
{
	b->h->root = node;
}

void
hb_location(struct heap_builder *b, uint32_t node, uint32_t script_id,
            uint32_t line, uint32_t column)
{
	XGROW(b->loc, b->loc_cap, b->loc_count + 1);
	b->loc[b->loc_count].node = node;
	b->loc[b->loc_count].script_id = script_id;
	b->loc[b->loc_count].line = line;
	b->loc[b->loc_count].column = column;
	b->loc[b->loc_count].seq = (uint32_t)b->loc_count;
	b->loc_count++;
}

void
hb_extra_native(struct heap_builder *b, uint64_t bytes)
{
	b->h->extra_native_bytes = bytes;
}

void
hb_rules(struct heap_builder *b, enum heap_rules rules)
{
	b->h->rules = rules;
}

static int u64_cmp_asc(const void *a, const void *b);

void
hb_label(struct heap_builder *b, uint32_t n, uint32_t label)
{
	struct heap *h = b->h;
	if (h->label_count == b->label_cap) {
		size_t cap = b->label_cap;
		XGROW(h->label_node, cap, (size_t)h->label_count + 1);
		h->label_str = xreallocarray(h->label_str, cap, sizeof *h->label_str);
		b->label_cap = cap;
	}
	h->label_node[h->label_count] = n;
	h->label_str[h->label_count] = label;
	h->label_count++;
}

void
hb_lazy_labels(struct heap_builder *b, const struct heap_label_source *source, void *ctx,
               uint32_t name)
{
	struct heap *h = b->h;
	if (h->lazy && h->lazy->free)
		h->lazy->free(h->lazy_ctx);
	h->lazy = source;
	h->lazy_ctx = ctx;
	h->lazy_name = name;
}

void
hb_soft_edges(struct heap_builder *b, const uint32_t *edges, size_t n)
{
	struct heap *h = b->h;
	free(h->soft_edges);
	h->soft_edges = NULL;
	if (n == 0)
		return;
	h->soft_edges = xcalloc((size_t)h->edge_count / 64 + 1, sizeof *h->soft_edges);
	for (size_t i = 0; i < n; i++)
		if (edges[i] < h->edge_count)
			h->soft_edges[edges[i] >> 6] |= 1ULL << (edges[i] & 63);
}

void
hb_lazy_nodes(struct heap_builder *b, const uint32_t *nodes, uint32_t n)
{
	struct heap *h = b->h;
	free(h->lazy_nodes);
	h->lazy_nodes = n ? xmallocarray(n, sizeof *nodes) : NULL;
	if (n)
		memcpy(h->lazy_nodes, nodes, (size_t)n * sizeof *nodes);
	h->lazy_node_count = n;
}

void
hb_note(struct heap_builder *b, const char *note)
{
	b->h->note = note;
}

void
hb_edges_map(struct heap_builder *b, uint32_t from, uint32_t to, const uint32_t *map)
{
	struct heap *h = b->h;
	uint32_t *t = h->edge_to;
	if (to > b->edges_alloc)
		to = b->edges_alloc;
	if (t == NULL) {
		/* in place, a word at a time (bits.h) */
		struct bits_seq seq;
		if (from >= to)
			return;
		bits_seq_init_at(&seq, h->edge_packed, h->edge_bits, from);
		for (uint32_t e = from; e < to; e++)
			bits_seq_put(&seq, h->edge_bits, map[heap_edge_to(h, e)]);
		bits_seq_end(&seq);
		return;
	}
	for (uint32_t e = from; e < to; e++)
		t[e] = map[t[e]];
}

static size_t
packed_size(const struct heap *h, uint32_t cap)
{
	return bits_packed_bytes(cap, h->edge_bits);
}

void
hb_pack_edge_targets(struct heap_builder *b)
{
	struct heap *h = b->h;
	free(h->edge_to);
	h->edge_to = NULL;
	h->edge_bits = (uint8_t)bits_width(h->node_count ? h->node_count - 1 : 0);
	/* not cleared: a target written keeps its neighbours' bits, and a
	 * loader writes every edge it keeps (hb_edges_used cuts the rest) */
	h->edge_packed = xmallocarray(packed_size(h, b->edges_alloc), 1);
}

size_t
hb_prefault_regions(const struct heap_builder *b, struct prefault_region *out, size_t max,
                    unsigned nodes_counter, unsigned edges_counter)
{
	const struct heap *h = b->h;
	const size_t n = b->nodes_alloc, m = b->edges_alloc;
	const struct prefault_region all[] = {
		{ h->node_type, h->node_type ? n : 0, nodes_counter, n },
		{ h->node_name, h->node_name ? n * sizeof *h->node_name : 0, nodes_counter, n },
		{ h->node_class, h->node_class ? n * sizeof *h->node_class : 0, nodes_counter, n },
		{ h->node_class16, h->node_class16 ? n * sizeof *h->node_class16 : 0, nodes_counter, n },
		{ h->node_class_packed, h->node_class_packed ? bits_packed_bytes(n, h->class_bits) : 0,
		  nodes_counter, n },
		{ h->node_id32, h->node_id32 ? n * sizeof *h->node_id32 : 0, nodes_counter, n },
		{ h->node_self_raw, h->node_self_raw ? n * sizeof *h->node_self_raw : 0, nodes_counter, n },
		{ h->node_self8, h->node_self8 ? n : 0, nodes_counter, n },
		{ h->first_edge, h->first_edge ? (n + 1) * sizeof *h->first_edge : 0, nodes_counter, n },
		{ h->edge_to, h->edge_to ? m * sizeof *h->edge_to : 0, edges_counter, m },
		{ h->edge_packed, h->edge_packed ? packed_size(h, b->edges_alloc) : 0, edges_counter, m },
		{ h->edge_type, h->edge_type ? m : 0, edges_counter, m },
		{ h->edge_name, h->edge_name ? m * sizeof *h->edge_name : 0, edges_counter, m },
	};
	size_t k = 0;
	for (size_t i = 0; i < sizeof all / sizeof *all && k < max; i++)
		if (all[i].p && all[i].size)
			out[k++] = all[i];
	return k;
}

void
hb_compact_first_edges(struct heap_builder *b)
{
	b->compact_first = true;
}

/* first_edge (offsets) into fe_off / fe_block / fe_wide; frees it. */
static void
first_edges_compact(struct heap *h)
{
	const uint32_t n = h->node_count;
	const size_t blocks = ((size_t)n + 1 + 63) / 64;
	uint32_t wide = 0;
	size_t cap = 0;

	h->fe_off = xmallocarray((size_t)n + 1, sizeof *h->fe_off);
	h->fe_block = xmallocarray(blocks, sizeof *h->fe_block);
	for (size_t k = 0; k < blocks; k++) {
		uint32_t lo = (uint32_t)(k * 64), hi = lo + 63 > n ? n : lo + 63;
		uint32_t base = h->first_edge[lo];
		if (h->first_edge[hi] - base <= UINT16_MAX) {
			h->fe_block[k] = base;
			for (uint32_t v = lo; v <= hi; v++)
				h->fe_off[v] = (uint16_t)(h->first_edge[v] - base);
			continue;
		}
		XGROW(h->fe_wide, cap, ((size_t)wide + 1) * 64);
		for (uint32_t v = lo; v <= hi; v++) {
			h->fe_wide[(size_t)wide * 64 + (v - lo)] = h->first_edge[v];
			h->fe_off[v] = 0;
		}
		wide++;
		h->fe_block[k] = (uint64_t)wide << 32;
	}
	free(h->first_edge);
	h->first_edge = NULL;
}

void
hb_edge_targets_only(struct heap_builder *b, const struct heap_edge_source *source, void *ctx)
{
	struct heap *h = b->h;
	free(h->edge_type);
	free(h->edge_name);
	h->edge_type = NULL;
	h->edge_name = NULL;
	h->edge_src = source;
	h->edge_ctx = ctx;
}

void
hb_edges_reserve(struct heap_builder *b, uint32_t cap)
{
	struct heap *h = b->h;
	if (cap <= b->edges_alloc)
		return;
	if (h->edge_type)
		h->edge_type = xreallocarray(h->edge_type, cap, sizeof *h->edge_type);
	if (h->edge_name)
		h->edge_name = xreallocarray(h->edge_name, cap, sizeof *h->edge_name);
	if (h->edge_to) {
		h->edge_to = xreallocarray(h->edge_to, cap, sizeof *h->edge_to);
	} else {
		h->edge_packed = xreallocarray(h->edge_packed, packed_size(h, cap), 1);
	}
	h->edge_count = cap;
	b->edges_alloc = cap;
}

void
hb_edges_used(struct heap_builder *b, uint32_t used)
{
	struct heap *h = b->h;
	if (used >= h->edge_count)
		return;
	h->edge_count = used;
	b->edges_alloc = used;
	if (used == 0)
		used = 1;
	if (h->edge_type)
		h->edge_type = xreallocarray(h->edge_type, used, sizeof *h->edge_type);
	if (h->edge_name)
		h->edge_name = xreallocarray(h->edge_name, used, sizeof *h->edge_name);
	if (h->edge_to)
		h->edge_to = xreallocarray(h->edge_to, used, sizeof *h->edge_to);
	else
		h->edge_packed = xreallocarray(h->edge_packed, packed_size(h, used), 1);
}

/* Sorts the labels by node (stable: the last given wins) and drops
 * duplicates and labels of nodes out of range. */
static void
labels_finish(struct heap *h)
{
	uint32_t n = h->label_count, o = 0, i = 1;
	uint64_t *pairs;
	if (n == 0)
		return;
	/* loaders mostly label in node order: then there is nothing to sort */
	while (i < n && h->label_node[i - 1] < h->label_node[i])
		i++;
	if (i == n) {
		while (n > 0 && h->label_node[n - 1] >= h->node_count)
			n--;
		h->label_count = n;
		return;
	}
	pairs = xmallocarray(n, sizeof *pairs);
	for (i = 0; i < n; i++)
		pairs[i] = (uint64_t)h->label_node[i] << 32 | i;
	qsort(pairs, n, sizeof *pairs, u64_cmp_asc);
	for (i = 0; i < n; i++) {
		uint32_t node = (uint32_t)(pairs[i] >> 32), at = (uint32_t)pairs[i];
		if (node >= h->node_count)
			continue;
		if (i + 1 < n && (uint32_t)(pairs[i + 1] >> 32) == node)
			continue;	/* a later label of the same node wins */
		pairs[o++] = (uint64_t)node << 32 | h->label_str[at];
	}
	for (i = 0; i < o; i++) {
		h->label_node[i] = (uint32_t)(pairs[i] >> 32);
		h->label_str[i] = (uint32_t)pairs[i];
	}
	h->label_count = o;
	free(pairs);
}

void
hb_checked(struct heap_builder *b)
{
	b->checked = true;
}

static int
u64_cmp_asc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int
loc_cmp(const void *a, const void *b)
{
	const struct heap_location *x = a, *y = b;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Ids as ranks: the runs in rank order for heap_find_id, when no two
 * runs share a rank; else the map only stays if it still serves. */
static void
ids_finish(struct heap_builder *b)
{
	struct heap *h = b->h;
	uint64_t *pairs;
	uint32_t n;
	bool apart = true;

	if (h->id_map == NULL)
		return;
	if (h->node_id32 == NULL && h->node_id64 == NULL && b->id_next != h->node_count)
		ids_unrank(b);	/* not every node given: keep what was */
	if (h->node_id32 || h->node_id64) {
		idmap_free(h->id_map);
		free(h->id_map);
		h->id_map = NULL;
		return;
	}
	n = h->id_run_count;
	if (n) {
		h->id_run_node = xreallocarray(h->id_run_node, n, sizeof *h->id_run_node);
		h->id_run_rank = xreallocarray(h->id_run_rank, n, sizeof *h->id_run_rank);
	}
	pairs = xmallocarray(n ? n : 1, sizeof *pairs);
	for (uint32_t k = 0; k < n; k++)
		pairs[k] = (uint64_t)h->id_run_rank[k] << 32 | k;
	qsort(pairs, n, sizeof *pairs, u64_cmp_asc);
	h->id_run_by_rank = xmallocarray(n ? n : 1, sizeof *h->id_run_by_rank);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t run = (uint32_t)pairs[k], end;
		h->id_run_by_rank[k] = run;
		end = run + 1 < n ? h->id_run_node[run + 1] : h->node_count;
		/* the next run in rank order must start past this one's end */
		if (k + 1 < n && h->id_run_rank[run] + (uint64_t)(end - h->id_run_node[run]) >
		                 (pairs[k + 1] >> 32))
			apart = false;
	}
	free(pairs);
	if (!apart) {	/* an id given twice: heap_find_id sorts (by_id) */
		free(h->id_run_by_rank);
		h->id_run_by_rank = NULL;
	}
}

struct heap *
hb_finish(struct heap_builder *b, struct hs_error *err)
{
	struct heap *h = b->h;
	const char *path = h->path;
	uint64_t sum = 0;
	size_t nstr = strtab_count(&h->strings);

	if (h->node_count == 0) {
		error_set(err, HS_EINPUT, path, "the dump has no objects");
		goto fail;
	}
	if (b->edge_sum != h->edge_count) {
		error_set(err, HS_EINPUT, path,
		          "the nodes' edge counts add up to %" PRIu64 ", but there are %" PRIu32 " edges",
		          b->edge_sum, h->edge_count);
		goto fail;
	}
	if (h->root >= h->node_count) {
		error_set(err, HS_EINPUT, path, "root node %" PRIu32 " out of range", h->root);
		goto fail;
	}
	/* Edge counts -> CSR offsets. */
	for (uint32_t i = 0; i < h->node_count; i++) {
		uint32_t c = h->first_edge[i];
		h->first_edge[i] = (uint32_t)sum;
		sum += c;
	}
	h->first_edge[h->node_count] = (uint32_t)sum;
	if (b->compact_first)
		first_edges_compact(h);
	/* Checks the loader may have skipped; cheap compared to loading. */
	for (uint32_t i = 0; i < h->node_count && !b->checked; i++) {
		if (heap_node_type(h, i) >= h->node_type_count) {
			error_set(err, HS_EINPUT, path, "node %" PRIu32 " has unknown type %u", i,
			          heap_node_type(h, i));
			goto fail;
		}
		if (h->node_name && h->node_name[i] >= nstr) {
			error_set(err, HS_EINPUT, path,
			          "node %" PRIu32 " names string %" PRIu32 ", but there are only %zu strings",
			          i, h->node_name[i], nstr);
			goto fail;
		}
	}
	for (uint32_t e = 0; e < h->edge_count && !b->checked; e++) {
		if (h->edge_type == NULL) {
			/* the source's types and names: its loader checked them */
			if (heap_edge_to(h, e) >= h->node_count) {
				error_set(err, HS_EINPUT, path, "edge %" PRIu32 " points to node %" PRIu32
				          ", past the last node", e, heap_edge_to(h, e));
				goto fail;
			}
			continue;
		}
		if (h->edge_type[e] >= h->edge_type_count) {
			error_set(err, HS_EINPUT, path, "edge %" PRIu32 " has unknown type %u", e,
			          h->edge_type[e]);
			goto fail;
		}
		if (heap_edge_to(h, e) >= h->node_count) {
			error_set(err, HS_EINPUT, path, "edge %" PRIu32 " points to node %" PRIu32
			          ", past the last node", e, heap_edge_to(h, e));
			goto fail;
		}
		if (!h->edge_type_indexed[h->edge_type[e]] && heap_edge_name_id(h, e) >= nstr) {
			error_set(err, HS_EINPUT, path,
			          "edge %" PRIu32 " names string %" PRIu32 ", but there are only %zu strings",
			          e, heap_edge_name_id(h, e), nstr);
			goto fail;
		}
	}
	if (b->loc_count) {
		size_t w = 0;
		bool sorted = true;
		for (size_t i = 1; i < b->loc_count && sorted; i++)
			sorted = loc_cmp(&b->loc[i - 1], &b->loc[i]) <= 0;
		if (!sorted)	/* V8 writes them in node order */
			qsort(b->loc, b->loc_count, sizeof *b->loc, loc_cmp);
		/* DevTools keeps the last location given for a node: keep one. */
		for (size_t i = 0; i < b->loc_count; i++) {
			if (b->loc[i].node >= h->node_count)
				continue;
			if (w && b->loc[w - 1].node == b->loc[i].node)
				b->loc[w - 1] = b->loc[i];
			else
				b->loc[w++] = b->loc[i];
		}
		h->locations = b->loc;
		h->location_count = (uint32_t)w;
		b->loc = NULL;
	}
	classes_finish(b);
	labels_finish(h);
	ids_finish(b);
	b->h = NULL;
	return h;
fail:
	hb_abort(b);
	return NULL;
}
