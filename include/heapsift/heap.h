/* heap: the object-graph model (V8 heap snapshots, Java hprof dumps).
 *
 * Struct of arrays indexed by 32-bit node index; outgoing edges in CSR form
 * (edges of node n are first_edge[n] .. first_edge[n+1]-1, grouped by source
 * in node order, as V8 writes them).  Node and edge kinds are per-heap tables
 * of names, declared by the loader (V8 reads them from snapshot.meta).
 * Strings are interned once in `strings`.
 *
 * The loader fills the input part through heap_builder.h.  Analyses fill the
 * derived part (analyze.h); views read both.  The heap owns every array and
 * string; heap_free() releases them. */
#ifndef HEAPSIFT_HEAP_H
#define HEAPSIFT_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapsift/bits.h"
#include "heapsift/strtab.h"

struct idmap;
struct heap;
struct heap_edge_cache;

#define HEAP_NONE UINT32_MAX
#define HEAP_MAX_TYPES 64
#define HEAP_ID_SMALL 64	/* packed ids: smaller ids are kept as they are */
#define HEAP_TYPE_UNSET 255	/* heap_class.type before the class's first node */
#define HEAP_SELF_BIG 255	/* compact sizes: the size is in the overflow table */
/* Sentinel distances, as DevTools uses them. */
#define HEAP_NO_DISTANCE (-5)
#define HEAP_SYSTEM_DISTANCE 100000000

/* Reachability of a node from the root through retaining edges. */
enum heap_reach {
	HEAP_REACHABLE = 0,	/* a path of retaining edges from the root */
	HEAP_WEAK_ONLY = 1,	/* only through weak (non-retaining) edges */
	HEAP_UNREACHABLE = 2,	/* no path at all: garbage kept in the dump */
};

/* Which rule set the analyses apply (sizes, retaining edges, class names). */
enum heap_rules {
	HEAP_RULES_V8,		/* Chrome DevTools' rules (HeapSnapshot.ts) */
	HEAP_RULES_GENERIC,	/* every non-weak edge retains, sizes as given */
};

/* A script location (V8 "locations" section): where a constructor lives. */
struct heap_location {
	uint32_t node;
	uint32_t script_id, line, column;
	uint32_t seq;		/* order in the input (private) */
};

/* A value a node holds that is no reference: a Java object's primitive
 * field or static, a primitive array's element. */
struct heap_value {
	uint32_t name;		/* the field's name (a string id), or HEAP_NONE: an element */
	uint32_t index;		/* the element's index */
	const char *type;	/* "int", "boolean"...: static */
	char text[48];		/* the value as Java prints it */
	uint32_t edges_before;	/* how many of the node's edges come before it
				 * in the dump's order (a reference field that is
				 * an edge sits between the values) */
};

/* A leak suspect, as Eclipse MAT's leak suspects report finds them: an
 * object the root's (or a synthetic root group's) dominator tree children
 * include that alone retains more than a tenth of the heap, or a class
 * whose such objects, each below that, do together. */
struct heap_suspect {
	bool is_class;		/* a class's instances together, not one object */
	uint32_t node;		/* the object; for a class, its largest such instance */
	uint32_t class_index;	/* the object's class, or the class */
	uint32_t count;		/* 1, or how many of the class's instances */
	uint32_t accumulation;	/* an object's accumulation point, or HEAP_NONE */
	uint32_t depth;		/* dominator-tree steps from node to it */
	uint64_t retained;	/* the object's retained size, or the instances' */
};

/* Where lazy labels come from.  make() writes the label of node n into
 * buf (NUL-terminated, cut to size) and returns its length, or SIZE_MAX
 * when n has none or it cannot tell (the file changed, say).  values()
 * (optional) writes node n's values first .. first + max - 1 into out and
 * returns how many n has in all, 0 when none or it cannot tell.  One
 * thread at a time asks a heap's source. */
struct heap_label_source {
	size_t (*make)(void *ctx, const struct heap *h, uint32_t n, char *buf, size_t size);
	uint32_t (*values)(void *ctx, const struct heap *h, uint32_t n, uint32_t first,
	                   struct heap_value *out, uint32_t max);
	void (*free)(void *ctx);
};

/* Where edge types and names come from when the heap keeps neither
 * (edge_type NULL): edges() writes those of node n's count edges, first ..
 * first + count - 1, into types and names (a string id, or an index for
 * index-named kinds). */
struct heap_edge_source {
	void (*edges)(void *ctx, const struct heap *h, uint32_t n, uint32_t first, uint32_t count,
	              uint8_t *types, uint32_t *names);
	void (*free)(void *ctx);
};

/* A V8 interface definition (DevTools' inferInterfaceDefinitions): the
 * class name, "{a, b}", of plain objects that have these properties. */
struct heap_interface {
	uint32_t name;		/* string id */
	uint32_t first, count;	/* its properties: interface_props[first ...] */
};

/* A class / constructor: the unit of the classes view. */
struct heap_class {
	uint32_t name;		/* string id */
	uint32_t location;	/* index into locations, or HEAP_NONE */
	uint8_t origin;		/* keeps DevTools' distinct keys apart, see v8rules.c */
	/* The node type of all its nodes when the heap keeps no node_type
	 * (classes given by the loader, hb_node_classes); HEAP_TYPE_UNSET
	 * before its first node. */
	uint8_t type;
	bool odd;		/* some of its nodes have another type: in type_odd */
	/* aggregates over instances (objects with a non-zero shallow size) */
	uint32_t count;
	uint64_t shallow;
	uint64_t retained;	/* over instances not dominated by another one */
	int32_t distance;	/* minimum over instances */
};

struct heap {
	char *path;		/* the file it came from */
	const char *format;	/* "v8", ... (static string) */
	enum heap_rules rules;
	bool hex_ids;		/* ids are addresses (Java): shown as 0x... */

	uint32_t node_count;
	uint32_t edge_count;
	uint32_t root;

	/* Input: nodes */
	/* Index into node_type_names: read it with heap_node_type().  NULL
	 * when the loader gave classes (hb_node_classes): then a node's type
	 * is its class's (heap_class.type), but for the few nodes of another
	 * type (classes marked odd) listed in type_odd_node (ascending) with
	 * their type_odd_type. */
	uint8_t *node_type;
	uint32_t *type_odd_node;
	uint8_t *type_odd_type;
	uint32_t type_odd_count;
	/* String id of each node's name; NULL when the loader gave classes
	 * by name instead (hb_node_classes): then the name is its class's.
	 * Read it with heap_node_name_id(). */
	uint32_t *node_name;
	/* The dump's own object ids: 32-bit while they fit (V8's always do),
	 * 64-bit otherwise.  Packed ids (hprof addresses) are 32-bit too: an
	 * id below HEAP_ID_SMALL as itself, any other as HEAP_ID_SMALL +
	 * ((id - id_base) >> id_shift).  Read them with heap_node_id(). */
	uint32_t *node_id32;
	uint64_t *node_id64;
	bool id_packed;
	uint8_t id_shift;
	uint64_t id_base;
	uint64_t max_id;	/* heap_max_id's, once known (+1: 0 unknown) */
	/* Or, both NULL, ids as ranks in the dump's id map (hb_id_map): nodes
	 * 0 .. id_head-1 have theirs in id_head_ids; the others come in runs
	 * of consecutive ranks, run k from node id_run_node[k] (ascending) at
	 * rank id_run_rank[k]; a node's id is its rank's in id_map
	 * (idmap_select).  id_run_by_rank: the runs in rank order, for
	 * heap_find_id; NULL when ranks repeat (then by_id serves). */
	struct idmap *id_map;
	uint64_t *id_head_ids;
	uint32_t id_head;
	uint32_t *id_run_node, *id_run_rank, *id_run_by_rank;
	uint32_t id_run_count;
	/* Shallow size as in the file: read it with heap_node_self_raw().
	 * NULL when the loader asked for compact sizes (hb_compact_sizes):
	 * then node_self8 holds size / 8 when the size is a multiple of 8
	 * below HEAP_SELF_BIG * 8 (every Java size but huge arrays'), else
	 * HEAP_SELF_BIG and the size is in the overflow table, self_big_size
	 * of node self_big_node (nodes ascending). */
	uint32_t *node_self_raw;
	uint8_t *node_self8;
	uint32_t *self_big_node, *self_big_size;
	uint32_t self_big_count;
	/* node_count + 1 entries; NULL when compact (hb_compact_first_edges):
	 * then node n's first edge is fe_block[n >> 6]'s low 32 bits plus
	 * fe_off[n], but in a block whose edges span 65536 or more (a big
	 * array in it), where its 64 are in fe_wide from ((fe_block >> 32) -
	 * 1) * 64.  Read them with heap_first_edge(). */
	uint32_t *first_edge;
	uint16_t *fe_off;
	uint64_t *fe_block;
	uint32_t *fe_wide;
	uint8_t *node_detachedness;	/* V8 DOM link state, or NULL */
	/* Input: edges */
	uint8_t *edge_type;
	/* String id, or index for index-named kinds.  Read them with
	 * heap_edge_name_id(). */
	uint32_t *edge_name;
	/* Edge targets: 32-bit, or (edge_to NULL, hb_pack_edge_targets) in
	 * edge_bits bits each, packed from bit 0 of edge_packed (8 bytes of
	 * slack at its end).  Read them with heap_edge_to(). */
	uint32_t *edge_to;
	uint8_t *edge_packed;
	uint8_t edge_bits;
	/* Or, edge_type NULL, types and names made by edge_src (owning
	 * edge_ctx) node by node: read them with heap_edge_type() and
	 * heap_edge_name_id(), which keep the last node's (edge_cache: one
	 * thread at a time reads a heap's edge names). */
	const struct heap_edge_source *edge_src;
	void *edge_ctx;
	struct heap_edge_cache *edge_cache;
	/* Input: tables */
	struct strtab strings;
	uint32_t node_type_count, edge_type_count;
	const char *node_type_names[HEAP_MAX_TYPES];
	const char *edge_type_names[HEAP_MAX_TYPES];
	bool edge_type_indexed[HEAP_MAX_TYPES];	/* name_or_index is an index */
	struct heap_location *locations;	/* sorted by node */
	uint32_t location_count;
	uint64_t extra_native_bytes;
	/* Labels that replace a node's name on display (a Java string's value,
	 * a class object's class), sorted by node. */
	uint32_t *label_node, *label_str;
	uint32_t label_count;
	/* Edges that retain but make no path to a root (a bit an edge, or
	 * NULL): a Java Reference's referent.  Distances and the retainers
	 * leave them out, as Eclipse MAT's paths "excluding weak/soft
	 * references" do; the dominators count them, as MAT does. */
	uint64_t *soft_edges;
	/* Labels made when shown (a Java string's value, read from the dump)
	 * for the nodes named lazy_name (a string id): the source finds what
	 * it needs, the heap keeps nothing a node. */
	uint32_t lazy_name;
	uint32_t *lazy_nodes;	/* and these nodes (ascending; a Java thread's name) */
	uint32_t lazy_node_count;
	const struct heap_label_source *lazy;
	void *lazy_ctx;		/* owned: lazy->free(lazy_ctx) in heap_free */
	const char *note;	/* how sizes were computed (hprof layout), or NULL */

	/* Options of the analyses */
	bool reachable_only;	/* classes count only objects a root reaches */
	/* Browsed interactively (the TUI): the analyses and views build their
	 * indexes up front, not on a key (analyze_heap keeps the dominator
	 * children, the classes view its instances by class). */
	bool interactive;

	/* Derived (analyze.h) */
	bool analysed;
	/* Shallow size as shown (after the size rules): read it with
	 * heap_node_self().  The generic rules share node_self_raw: NULL with
	 * compact sizes, which are then the sizes shown. */
	uint32_t *node_self;
	/* Index into classes: read it with heap_node_class().  16-bit
	 * (node_class16, node_class NULL) when the loader expects fewer than
	 * 65536 classes (hb_node_classes) and they stay so few. */
	uint32_t *node_class;
	uint16_t *node_class16;
	/* Or packed (bits.h) in class_bits bits while the classes are fewer
	 * than the loader said and fit 15 bits (both others NULL). */
	uint8_t *node_class_packed;
	uint8_t class_bits;
	struct heap_class *classes;
	uint32_t class_count;
	/* V8: the interface definitions, most popular first (v8rules.c) */
	struct heap_interface *interfaces;
	uint32_t interface_count;
	uint32_t *interface_props;	/* string ids */
	/* Immediate dominators (idom[root] == root): 32-bit, or packed in
	 * idom_bits bits (bits.h; the iterative algorithm's).  Read them with
	 * heap_idom(). */
	uint32_t *idom;
	uint8_t *idom_packed;
	uint8_t idom_bits;
	/* Retained sizes: 32-bit in units of 1 << retained_shift (the sizes'
	 * common alignment: 8 for Java) when the total fits, or packed
	 * (bits.h) in retained_bits bits in those units (the batch walk's,
	 * dom_retained_classes), else 64-bit.  Read them with
	 * heap_retained(). */
	uint32_t *retained32;
	uint8_t *retained_packed;
	uint64_t *retained64;
	uint8_t retained_shift, retained_bits;
	/* Distances from the root: 32-bit, or packed (bits.h) in
	 * distance_bits bits, all ones for HEAP_NO_DISTANCE (the generic
	 * rules').  Read them with heap_node_distance(). */
	int32_t *distance;
	uint8_t *distance_packed;
	uint8_t distance_bits;
	/* enum heap_reach, 2 bits a node (4 a byte, the first in the low
	 * bits): read it with heap_node_reach() */
	uint8_t *reach;
	uint32_t *dom_first, *dom_child;	/* dominator children, CSR */
	/* Leak suspects (suspects_find), largest first */
	struct heap_suspect *suspects;
	uint32_t suspect_count;
	uint32_t *ret_first, *ret_edge;		/* reverse edges, CSR (lazy) */
	uint32_t *ret_src;			/* source node of ret_edge[i] */
	/* totals */
	uint64_t total_size;		/* sum of node_self (+ extra native bytes) */
	uint32_t reach_count[3];
	uint64_t reach_bytes[3];
	/* of the reachable, those only a path through a referent reaches
	 * (soft_edges: no distance); with soft_edges only */
	uint32_t referent_only_count;
	uint64_t referent_only_bytes;
	/* Format-specific totals (DevTools' Statistics for V8), in bytes. */
	struct heap_stat {
		const char *name;	/* static string, a JSON key */
		uint64_t bytes;
	} stats[16];
	uint32_t stat_count;

	/* private */
	uint32_t *by_id;		/* node indices sorted by node_id, lazily */
};

struct heap *heap_new(const char *format, const char *path);
void heap_free(struct heap *h);

static inline const char *
heap_str(const struct heap *h, uint32_t id)
{
	return strtab_get(&h->strings, id);
}

/* Edge e's target node. */
static inline uint32_t
heap_edge_to(const struct heap *h, uint32_t e)
{
	if (h->edge_to)
		return h->edge_to[e];
	return bits_packed_get(h->edge_packed, h->edge_bits, e);
}

/* Node n's distance from the root, or HEAP_NO_DISTANCE. */
static inline int32_t
heap_node_distance(const struct heap *h, uint32_t n)
{
	uint32_t d;

	if (h->distance)
		return h->distance[n];
	d = bits_packed_get(h->distance_packed, h->distance_bits, n);
	return d == (uint32_t)(((uint64_t)1 << h->distance_bits) - 1) ? HEAP_NO_DISTANCE : (int32_t)d;
}

/* Node n's immediate dominator. */
static inline uint32_t
heap_idom(const struct heap *h, uint32_t n)
{
	if (h->idom)
		return h->idom[n];
	return bits_packed_get(h->idom_packed, h->idom_bits, n);
}

/* Node n's first edge (n == node_count: the edge count). */
static inline uint32_t
heap_first_edge(const struct heap *h, uint32_t n)
{
	uint64_t b;

	if (h->first_edge)
		return h->first_edge[n];
	b = h->fe_block[n >> 6];
	if (b >> 32)
		return h->fe_wide[((b >> 32) - 1) * 64 + (n & 63)];
	return (uint32_t)b + h->fe_off[n];
}

/* heap_node_id of a heap whose ids are ranks: O(log runs + log blocks). */
uint64_t heap_node_id_ranked(const struct heap *h, uint32_t n);

/* The dump's own object id of node n. */
static inline uint64_t
heap_node_id(const struct heap *h, uint32_t n)
{
	uint32_t r;

	if (h->node_id64)
		return h->node_id64[n];
	if (h->node_id32 == NULL)
		return heap_node_id_ranked(h, n);
	r = h->node_id32[n];
	if (!h->id_packed || r < HEAP_ID_SMALL)
		return r;
	return h->id_base + ((uint64_t)(r - HEAP_ID_SMALL) << h->id_shift);
}

/* Edge e's type and name from edge_src (through the one-node cache). */
uint32_t heap_edge_fetch(const struct heap *h, uint32_t e, uint8_t *type);

static inline uint32_t
heap_edge_name_id(const struct heap *h, uint32_t e)
{
	uint8_t t;

	if (h->edge_name)
		return h->edge_name[e];
	return heap_edge_fetch(h, e, &t);
}

/* Does edge e retain without making a path (soft_edges)? */
static inline bool
heap_edge_soft(const struct heap *h, uint32_t e)
{
	return h->soft_edges && (h->soft_edges[e >> 6] >> (e & 63) & 1);
}

/* Edge e's type: an index into edge_type_names. */
static inline uint8_t
heap_edge_type(const struct heap *h, uint32_t e)
{
	uint8_t t;

	if (h->edge_type)
		return h->edge_type[e];
	heap_edge_fetch(h, e, &t);
	return t;
}

static inline enum heap_reach
heap_node_reach(const struct heap *h, uint32_t n)
{
	return (enum heap_reach)(h->reach[n >> 2] >> ((n & 3) * 2) & 3);
}

static inline uint64_t
heap_retained(const struct heap *h, uint32_t n)
{
	if (h->retained32)
		return (uint64_t)h->retained32[n] << h->retained_shift;
	if (h->retained_packed)
		return (uint64_t)bits_packed_get(h->retained_packed, h->retained_bits, n)
		       << h->retained_shift;
	return h->retained64[n];
}

/* The size of a node whose compact size is HEAP_SELF_BIG: O(log big). */
uint32_t heap_self_big(const struct heap *h, uint32_t n);

static inline uint32_t
heap_self_compact(const struct heap *h, uint32_t n)
{
	uint8_t s = h->node_self8[n];
	return s != HEAP_SELF_BIG ? (uint32_t)s * 8 : heap_self_big(h, n);
}

/* Shallow size of node n as the file gives it. */
static inline uint32_t
heap_node_self_raw(const struct heap *h, uint32_t n)
{
	return h->node_self_raw ? h->node_self_raw[n] : heap_self_compact(h, n);
}

/* Shallow size of node n as shown (after the size rules: analysed heaps). */
static inline uint32_t
heap_node_self(const struct heap *h, uint32_t n)
{
	return h->node_self ? h->node_self[n] : heap_self_compact(h, n);
}

/* Class of node n (index into classes), once there are classes. */
static inline uint32_t
heap_node_class(const struct heap *h, uint32_t n)
{
	if (h->node_class)
		return h->node_class[n];
	if (h->node_class16)
		return h->node_class16[n];
	return bits_packed_get(h->node_class_packed, h->class_bits, n);
}

/* Whether the nodes have classes yet (given by the loader, or analysed). */
static inline bool
heap_has_node_class(const struct heap *h)
{
	return h->node_class != NULL || h->node_class16 != NULL || h->node_class_packed != NULL;
}

/* Sets the class of node n; c must fit the classes' width (the builder
 * widens them first). */
static inline void
heap_set_node_class(struct heap *h, uint32_t n, uint32_t c)
{
	if (h->node_class)
		h->node_class[n] = c;
	else if (h->node_class16)
		h->node_class16[n] = (uint16_t)c;
	else
		bits_packed_set(h->node_class_packed, h->class_bits, n, c);
}

/* The type of node n of an odd class: O(log odd nodes). */
uint8_t heap_node_type_odd(const struct heap *h, uint32_t n);

/* Type of node n: index into node_type_names. */
static inline uint8_t
heap_node_type(const struct heap *h, uint32_t n)
{
	const struct heap_class *c;
	if (h->node_type)
		return h->node_type[n];
	c = &h->classes[heap_node_class(h, n)];
	return c->odd ? heap_node_type_odd(h, n) : c->type;
}

static inline uint32_t
heap_node_name_id(const struct heap *h, uint32_t n)
{
	return h->node_name ? h->node_name[n] : h->classes[heap_node_class(h, n)].name;
}

static inline const char *
heap_node_name(const struct heap *h, uint32_t n)
{
	return heap_str(h, heap_node_name_id(h, n));
}

static inline const char *
heap_node_type_name(const struct heap *h, uint32_t n)
{
	return h->node_type_names[heap_node_type(h, n)];
}

static inline uint32_t
heap_edge_count_of(const struct heap *h, uint32_t n)
{
	return heap_first_edge(h, n + 1) - heap_first_edge(h, n);
}

/* The label of node n (a string id), or HEAP_NONE.  O(log labels). */
uint32_t heap_node_label(const struct heap *h, uint32_t n);
/* The lazy label of node n written into buf, its length; SIZE_MAX when n
 * has none.  What the source costs (hprof: a few reads of the file). */
size_t heap_node_lazy_label(const struct heap *h, uint32_t n, char *buf, size_t size);
/* Node n's values (struct heap_value) first .. first + max - 1 into out;
 * returns how many it has in all (max 0: only counts).  0 when the dump
 * keeps none or the source cannot read them (hprof: an uncompressed
 * dump's, read from it). */
uint32_t heap_node_values(const struct heap *h, uint32_t n, uint32_t first, struct heap_value *out,
                          uint32_t max);

/* Type index by name, or -1 when the dump declares no such kind. */
int heap_node_type_find(const struct heap *h, const char *name);
int heap_edge_type_find(const struct heap *h, const char *name);

/* The node whose own object id is id (the first such node), or
 * HEAP_NONE.  With ids as ranks, O(log runs); else O(log n) after the
 * first call builds a sorted index (O(n log n), once). */
uint32_t heap_find_id(struct heap *h, uint64_t id);

/* The ids of nodes first .. first+count-1 into out: heap_node_id's, in
 * one pass (cheaper per node when the ids are ranks). */
void heap_node_ids(const struct heap *h, uint32_t first, uint32_t count, uint64_t *out);
/* The largest node id (how wide an id column must be): O(n) the first
 * time, then kept. */
uint64_t heap_max_id(struct heap *h);
/* An id as people see it in the dump's own tools: "0x" and hexadecimal
 * for addresses (MAT's way), decimal otherwise.  snprintf's return. */
int heap_format_id(const struct heap *h, uint64_t id, char *buf, size_t size);

/* Source node of edge e: O(log n) search in first_edge. */
uint32_t heap_edge_source(const struct heap *h, uint32_t e);

/* An edge's name as DevTools prints it: "[3]" for elements, ".name" for
 * properties...  Writes into buf (NUL-terminated, truncated to size). */
size_t heap_edge_label(const struct heap *h, uint32_t e, char *buf, size_t size);
/* The plain name: the string, or the index in decimal. */
size_t heap_edge_name(const struct heap *h, uint32_t e, char *buf, size_t size);

#endif
