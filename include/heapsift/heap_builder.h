/* heap_builder: how a loader fills a struct heap.  Loaders include this and
 * nothing else of the model.
 *
 * Call order:
 *   1. hb_init(b, heap_new(...))
 *   2. hb_node_type() / hb_edge_type(): declare the kinds, in index order.
 *   3. hb_alloc(b, nodes, edges): once; counts already checked against the
 *      input's size by the loader.
 *   4. hb_node() for nodes 0..nodes-1 in order, hb_edge() for edges
 *      0..edges-1 in order (any interleaving); edges are grouped by source in
 *      node order and their number per node is the edge_count given to
 *      hb_node().  hb_string() whenever (ids are dense from 0, in order).
 *   5. Optional: hb_root(), hb_location(), hb_detachedness(), hb_extra_native().
 *   6. hb_finish(): checks the whole (edge counts sum, targets in range,
 *      string ids valid) and returns the heap, or NULL with err filled.
 *      On failure the heap is freed.
 * The builder never reads the input; the loader reports offsets for what it
 * checks itself (preferable: every count and index as it parses).  The heap
 * belongs to the builder until hb_finish() hands it to the caller. */
#ifndef HEAPSIFT_HEAP_BUILDER_H
#define HEAPSIFT_HEAP_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapsift/error.h"
#include "heapsift/heap.h"

struct heap_builder {
	struct heap *h;
	uint32_t *class_of_name;	/* hb_node_classes: string id -> class */
	size_t class_of_name_cap, class_cap;
	uint32_t nodes_alloc, edges_alloc;
	uint64_t edge_sum;	/* sum of declared per-node edge counts */
	struct heap_location *loc;
	size_t label_cap;
	size_t loc_count, loc_cap;
	size_t self_big_cap;
	size_t type_odd_cap;
	/* ids as ranks (hb_id_map) */
	uint32_t id_next;		/* the node expected next */
	uint32_t id_last_rank;		/* of node id_next - 1 */
	uint32_t rank_hint;		/* hb_rank_hint: the next id's rank */
	bool rank_hint_set;
	uint32_t id_run_max;		/* more runs: back to packed ids */
	size_t id_head_cap, id_run_cap;
	bool checked;
	bool compact_first;	/* hb_compact_first_edges */
};

void hb_init(struct heap_builder *b, struct heap *h);
/* Abandons the build and frees the heap. */
void hb_abort(struct heap_builder *b);

/* Returns the new kind's index, or -1 past HEAP_MAX_TYPES. */
int hb_node_type(struct heap_builder *b, const char *name);
int hb_edge_type(struct heap_builder *b, const char *name, bool indexed);

void hb_alloc(struct heap_builder *b, uint32_t nodes, uint32_t edges);
/* Switches the ids to 64 bits (hb_node does it when an id needs it). */
void hb_wide_ids(struct heap_builder *b);
/* Stores ids as 32-bit offsets from base in units of 1 << shift (object
 * addresses: 4 bytes a node instead of 8); ids that do not fit widen all
 * ids to 64 bits.  Call after hb_alloc and before the first hb_node. */
void hb_pack_ids(struct heap_builder *b, uint64_t base, unsigned shift);
/* Offers the loader's map of its object ids (built: idmap_build).  When
 * it is a bitmap of at most 4 bytes a node, the heap takes it (*m is left
 * empty) and keeps each node's id as its rank in the map: the nodes that
 * are not objects (ids not in the map) first, then the objects, whose
 * ranks follow their node numbers in few runs (HotSpot writes objects in
 * address order; ranks in the map are address order).  Nodes must then
 * come in order; if they do not, or the runs are many (more than a
 * sixteenth of the nodes), hb_node goes back to the ids of hb_pack_ids.
 * Returns the map the loader reads from now on (the heap's, valid until
 * hb_finish, or m).  Call after hb_alloc and hb_pack_ids, before the
 * first hb_node. */
struct idmap *hb_id_map(struct heap_builder *b, struct idmap *m);
/* The loader knows the rank in the id map of the id it gives the next
 * hb_node() (it looked it up): saves the builder the same look-up. */
static inline void
hb_rank_hint(struct heap_builder *b, uint32_t rank)
{
	b->rank_hint = rank;
	b->rank_hint_set = true;
}
/* hb_node's way to an id as a rank. */
void hb_id_ranked(struct heap_builder *b, uint32_t i, uint64_t id);
void hb_alloc_detachedness(struct heap_builder *b);
/* Stores the shallow sizes in a byte a node (size / 8), with an overflow
 * table for sizes that are not a multiple of 8 or not below 255 * 8 (see
 * struct heap): for dumps whose sizes are mostly small multiples of 8
 * (Java).  Call after hb_alloc and before the first hb_node. */
void hb_compact_sizes(struct heap_builder *b);
/* The heap keeps its first edges in 16 bits (see struct heap): 2 bytes a
 * node instead of 4.  Any time before hb_finish. */
void hb_compact_first_edges(struct heap_builder *b);
/* hb_node's way to an overflow entry (any node order). */
void hb_self_big(struct heap_builder *b, uint32_t i, uint32_t self_size);

/* Nodes get one class per distinct name (as the generic rules would give
 * them), numbered in node order, and the heap keeps only the class of
 * each node: its name is its class's (4 bytes a node less).  The class
 * takes 2 bytes a node when max_classes (what the loader expects at
 * most) is below 65536, widened to 4 if more come after all.  Node types
 * are kept per class (a byte a node less): a class's type is its first
 * node's, and the nodes of another type are listed apart while they are
 * few (a 64th of the nodes: HotSpot dumps the primitive types' mirrors,
 * int.class..., as instances of java.lang.Class, whose other nodes are
 * class dumps) and come in node order; else types go per node.  Call
 * after hb_alloc and before the first hb_node. */
void hb_node_classes(struct heap_builder *b, size_t max_classes);
uint32_t hb_class_of_name(struct heap_builder *b, uint32_t name);
/* hb_node's way for nodes with classes: class and type of node i. */
void hb_class_node(struct heap_builder *b, uint32_t i, uint8_t type, uint32_t name);

/* hb_node's id: as it is, packed, as a rank (hb_id_map) or widened. */
static inline void
hb_node_id_store(struct heap_builder *b, uint32_t i, uint64_t id)
{
	struct heap *h = b->h;
	if (h->node_id64)
		h->node_id64[i] = id;
	else if (h->node_id32 == NULL)
		hb_id_ranked(b, i, id);
	else if (!h->id_packed && id <= UINT32_MAX)
		h->node_id32[i] = (uint32_t)id;
	else if (h->id_packed && id < HEAP_ID_SMALL)
		h->node_id32[i] = (uint32_t)id;
	else if (h->id_packed && id >= h->id_base &&
	         ((id - h->id_base) & ((1ULL << h->id_shift) - 1)) == 0 &&
	         (id - h->id_base) >> h->id_shift <= UINT32_MAX - HEAP_ID_SMALL)
		h->node_id32[i] = HEAP_ID_SMALL + (uint32_t)((id - h->id_base) >> h->id_shift);
	else {
		hb_wide_ids(b);
		h->node_id64[i] = id;
	}
}

static inline void
hb_node(struct heap_builder *b, uint32_t i, uint8_t type, uint32_t name,
        uint64_t id, uint32_t self_size, uint32_t edge_count)
{
	struct heap *h = b->h;
	if (h->node_name) {
		h->node_type[i] = type;
		h->node_name[i] = name;
	} else {
		hb_class_node(b, i, type, name);
	}
	hb_node_id_store(b, i, id);
	if (h->node_self_raw)
		h->node_self_raw[i] = self_size;
	else if ((self_size & 7) == 0 && self_size < 8 * HEAP_SELF_BIG)
		h->node_self8[i] = (uint8_t)(self_size >> 3);
	else
		hb_self_big(b, i, self_size);
	h->first_edge[i] = edge_count;	/* turned into offsets by hb_finish */
	b->edge_sum += edge_count;
}

/* The arrays hb_node and hb_edge fill, nodes in order and edges in order,
 * as prefault regions: the node arrays follow counter nodes_counter (to
 * the nodes allocated), the edge arrays edges_counter.  Returns how many
 * were written to out (at most max). */
struct prefault_region;
size_t hb_prefault_regions(const struct heap_builder *b, struct prefault_region *out, size_t max,
                           unsigned nodes_counter, unsigned edges_counter);

/* Edge types and names kept by the loader, not the heap: hb_edge stores
 * the targets alone and source makes the rest when asked (the heap takes
 * ctx: source->free frees it, also when the build is abandoned).  Call
 * after hb_alloc, before the first hb_edge. */
void hb_edge_targets_only(struct heap_builder *b, const struct heap_edge_source *source,
                          void *ctx);

/* The heap keeps its edge targets in the fewest bits that hold every node
 * (see struct heap): call after hb_alloc, before the first hb_edge. */
void hb_pack_edge_targets(struct heap_builder *b);

/* Edge e's target in packed form (hb_pack_edge_targets). */
static inline void
hb_edge_to_packed(struct heap *h, uint32_t e, uint32_t to)
{
	bits_packed_set(h->edge_packed, h->edge_bits, e, to);
}

static inline void
hb_edge(struct heap_builder *b, uint32_t e, uint8_t type, uint32_t name_or_index,
        uint32_t to)
{
	struct heap *h = b->h;
	if (h->edge_to)
		h->edge_to[e] = to;
	else
		hb_edge_to_packed(h, e, to);
	if (h->edge_type == NULL)
		return;
	h->edge_type[e] = type;
	h->edge_name[e] = name_or_index;
}

static inline void
hb_detachedness(struct heap_builder *b, uint32_t i, uint8_t state)
{
	b->h->node_detachedness[i] = state;
}

static inline uint32_t
hb_string(struct heap_builder *b, const char *s, size_t n)
{
	return strtab_add(&b->h->strings, s, n);
}

/* For loaders that decode strings in place: allocate n+1 bytes owned by the
 * heap, write them, then hb_string_commit(). */
char *hb_string_buffer(struct heap_builder *b, size_t n);
uint32_t hb_string_commit(struct heap_builder *b, char *buf, size_t n);
size_t hb_string_count(const struct heap_builder *b);
/* Forgets the strings added so far (ids start again from 0). */
void hb_strings_reset(struct heap_builder *b);

void hb_root(struct heap_builder *b, uint32_t node);
void hb_location(struct heap_builder *b, uint32_t node, uint32_t script_id,
                 uint32_t line, uint32_t column);
void hb_extra_native(struct heap_builder *b, uint64_t bytes);
void hb_rules(struct heap_builder *b, enum heap_rules rules);
/* Node n is shown as string label instead of its name (any order; the last
 * label given to a node wins). */
void hb_label(struct heap_builder *b, uint32_t n, uint32_t label);
/* A static string saying how the sizes were computed (summary "layout"). */
void hb_note(struct heap_builder *b, const char *note);
/* Lazy labels: source makes those of the nodes named name (a string id)
 * when they are shown.  The heap takes ctx (source->free frees it, also
 * when the build is abandoned). */
void hb_lazy_labels(struct heap_builder *b, const struct heap_label_source *source, void *ctx,
                    uint32_t name);
/* The edges edges[0, n) retain but make no path (heap.h's soft_edges);
 * after hb_edges_used.  Edges past the count are ignored. */
void hb_soft_edges(struct heap_builder *b, const uint32_t *edges, size_t n);

/* More nodes the lazy source labels, whatever their name: nodes[0, n)
 * ascending (copied). */
void hb_lazy_nodes(struct heap_builder *b, const uint32_t *nodes, uint32_t n);
/* Replaces the target t of edges from .. to-1 by map[t] (for loaders that
 * meet references before they number their targets); map has an entry
 * for every such t. */
void hb_edges_map(struct heap_builder *b, uint32_t from, uint32_t to, const uint32_t *map);
/* More edges than hb_alloc() was told (for loaders that start from an
 * estimate): room for edges 0..cap-1, before hb_edges_used() says how
 * many there were. */
void hb_edges_reserve(struct heap_builder *b, uint32_t cap);
/* Fewer edges than hb_alloc() was told: only the first used are kept
 * (for loaders that know an upper bound in advance). */
void hb_edges_used(struct heap_builder *b, uint32_t used);

/* The loader checked every node type and name, edge type, name and target
 * itself (with offsets): hb_finish() need not go over them again. */
void hb_checked(struct heap_builder *b);

/* Validates and hands the heap over (see the call order above). */
struct heap *hb_finish(struct heap_builder *b, struct hs_error *err);

#endif
