/* Java HPROF heap dumps ("JAVA PROFILE 1.0.1/1.0.2/1.0.3", HotSpot and
 * Android/ART), read into the heap-graph model.
 *
 * Format (OpenJDK src/hotspot/share/services/heapDumper.cpp, ART's
 * hprof.cc): a NUL-terminated version string, u4 identifier size (4 or 8),
 * u8 timestamp, then records: u1 tag, u4 microseconds, u4 body length, body.
 * All numbers big-endian.  Heap data comes in HEAP DUMP (0x0C) or HEAP DUMP
 * SEGMENT (0x1C) records holding sub-records (roots, CLASS DUMP, INSTANCE
 * DUMP, OBJ ARRAY DUMP, PRIM ARRAY DUMP) whose lengths are implied by their
 * kind, so every one is parsed to find the next.
 *
 * The graph: node 0 is a synthetic "(GC roots)" with one child per root kind
 * present ("System Class", "Thread", "JNI Global"...), each holding its
 * roots.  Thread-local roots (Java and JNI locals, native stack, thread
 * block, JNI monitor) hang under their thread's object with the frame's
 * method and line when the stack traces are in the dump.  Then one node per
 * object in file order: instances (edges: their reference fields, named,
 * flattened over the superclass chain, class first), object arrays (edges:
 * their elements, indexed), primitive arrays, and classes (edges: statics,
 * <super>, <classloader>, <signers>, <protection domain>).  An instance's
 * reference to its own class is not an edge: classes are held by their
 * loaders and the system class roots, as in Eclipse MAT's dominator tree.
 * References to ids absent from the dump are dropped (real JDK dumps have
 * hundreds); a second object with an id already seen is ignored.
 *
 * Passes over the mapped file (each reads only what it needs):
 *   A  records: strings (located, decoded only when named), classes, stack
 *      frames and traces, roots; the span of object ids, and the ids
 *      themselves in a bitmap by chunks when they are 8-byte aligned;
 *   B  the id map (a bitmap with rank over the id span when it is small
 *      enough, else a sorted array) from pass A's chunks, and the layout
 *      vote (below) over a prefix of the file, until one layout leads
 *      clearly; the edges of that prefix, scaled to the file, are where
 *      pass D's edge arrays start (they grow if that is short).  Without
 *      the chunks, B walks the whole file: ids, votes, an upper bound of
 *      the edges (and once more for the votes with a sorted array);
 *   D  nodes (numbered in file order as they come) and edges (targets as
 *      ranks in the id map, turned into nodes at the end); the heap keeps
 *      the map when it is a small bitmap, and the nodes' ids as ranks in
 *      it (hb_id_map: objects in address order make few runs of ranks);
 *   E  the characters of java.lang.String values, for labels, from a
 *      compressed dump; a plain file's are read when shown (lazy_make), from
 *      where pass D saw each block of 64 nodes begin.
 *
 * Shallow sizes are HotSpot's object layout on x86_64 (man page, SIZES):
 * instance = align8(header + sum of field sizes over the hierarchy),
 * array = align8(array header + length x element size), with references of
 * 4 bytes and a 12-byte header under compressed oops and class pointers
 * (JDK 17's default below 32 GiB of heap).  The dump does not say which
 * layout the VM used, but it lists objects in address order within a
 * region, so the distance from one object's address to the next is the
 * first one's size: pass B counts, for each of the four layouts, how often
 * it predicts that distance exactly, and the best wins (pass_vote). */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapsift/heap.h"
#include "heapsift/bits.h"
#include "heapsift/heap_builder.h"
#include "heapsift/idmap.h"
#include "heapsift/load.h"
#include "heapsift/prefault.h"
#include "heapsift/xalloc.h"

#define NONE UINT32_MAX

enum {
	TAG_STRING = 0x01, TAG_LOAD_CLASS = 0x02, TAG_STACK_FRAME = 0x04,
	TAG_STACK_TRACE = 0x05, TAG_HEAP_DUMP = 0x0C, TAG_HEAP_DUMP_SEGMENT = 0x1C,
};

enum {
	SUB_ROOT_UNKNOWN = 0xFF, SUB_ROOT_JNI_GLOBAL = 0x01, SUB_ROOT_JNI_LOCAL = 0x02,
	SUB_ROOT_JAVA_FRAME = 0x03, SUB_ROOT_NATIVE_STACK = 0x04, SUB_ROOT_STICKY_CLASS = 0x05,
	SUB_ROOT_THREAD_BLOCK = 0x06, SUB_ROOT_MONITOR_USED = 0x07, SUB_ROOT_THREAD_OBJECT = 0x08,
	SUB_CLASS_DUMP = 0x20, SUB_INSTANCE_DUMP = 0x21, SUB_OBJ_ARRAY_DUMP = 0x22,
	SUB_PRIM_ARRAY_DUMP = 0x23,
	/* Android / ART */
	SUB_HEAP_DUMP_INFO = 0xFE, SUB_ROOT_INTERNED_STRING = 0x89, SUB_ROOT_FINALIZING = 0x8A,
	SUB_ROOT_DEBUGGER = 0x8B, SUB_ROOT_REFERENCE_CLEANUP = 0x8C, SUB_ROOT_VM_INTERNAL = 0x8D,
	SUB_ROOT_JNI_MONITOR = 0x8E, SUB_UNREACHABLE = 0x90, SUB_PRIM_ARRAY_NODATA = 0xC3,
};

enum { T_OBJECT = 2, T_BOOLEAN = 4, T_CHAR, T_FLOAT, T_DOUBLE, T_BYTE, T_SHORT, T_INT, T_LONG };

/* Root kinds, in the order their groups appear under (GC roots). */
static const struct root_kind {
	uint8_t tag;
	const char *name;
	bool thread_local;
} root_kinds[] = {
	{ SUB_ROOT_STICKY_CLASS, "System Class", false },
	{ SUB_ROOT_THREAD_OBJECT, "Thread", false },
	{ SUB_ROOT_JAVA_FRAME, "Java Local", true },
	{ SUB_ROOT_JNI_LOCAL, "JNI Local", true },
	{ SUB_ROOT_NATIVE_STACK, "Native Stack", true },
	{ SUB_ROOT_THREAD_BLOCK, "Thread Block", true },
	{ SUB_ROOT_JNI_MONITOR, "JNI Monitor", true },
	{ SUB_ROOT_JNI_GLOBAL, "JNI Global", false },
	{ SUB_ROOT_MONITOR_USED, "Busy Monitor", false },
	{ SUB_ROOT_INTERNED_STRING, "Interned String", false },
	{ SUB_ROOT_FINALIZING, "Finalizable", false },
	{ SUB_ROOT_DEBUGGER, "Debugger", false },
	{ SUB_ROOT_REFERENCE_CLEANUP, "Reference Cleanup", false },
	{ SUB_ROOT_VM_INTERNAL, "VM Internal", false },
	{ SUB_ROOT_UNKNOWN, "Unknown", false },
};
#define NKINDS (sizeof root_kinds / sizeof root_kinds[0])

/* --- a map from 64-bit ids to 32-bit values (open addressing) ------------ */

struct u64map {
	uint64_t *key;
	uint32_t *val;		/* NONE: empty slot */
	size_t mask, count;
};

static size_t
u64map_slot(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static void u64map_put(struct u64map *m, uint64_t k, uint32_t v);

static void
u64map_grow(struct u64map *m)
{
	struct u64map old = *m;
	size_t cap = old.key ? (old.mask + 1) * 2 : 64;
	m->key = xmallocarray(cap, sizeof *m->key);
	m->val = xmallocarray(cap, sizeof *m->val);
	memset(m->val, 0xff, cap * sizeof *m->val);
	m->mask = cap - 1;
	m->count = 0;
	if (old.key) {
		for (size_t i = 0; i <= old.mask; i++)
			if (old.val[i] != NONE)
				u64map_put(m, old.key[i], old.val[i]);
		free(old.key);
		free(old.val);
	}
}

/* Keeps the first value put for a key. */
static void
u64map_put(struct u64map *m, uint64_t k, uint32_t v)
{
	size_t i;
	if (m->key == NULL || (m->count + 1) * 4 > (m->mask + 1) * 3)
		u64map_grow(m);
	for (i = u64map_slot(k) & m->mask; m->val[i] != NONE; i = (i + 1) & m->mask)
		if (m->key[i] == k)
			return;
	m->key[i] = k;
	m->val[i] = v;
	m->count++;
}

static uint32_t
u64map_get(const struct u64map *m, uint64_t k)
{
	if (m->key == NULL)
		return NONE;
	for (size_t i = u64map_slot(k) & m->mask; m->val[i] != NONE; i = (i + 1) & m->mask)
		if (m->key[i] == k)
			return m->val[i];
	return NONE;
}

static void
u64map_free(struct u64map *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof *m);
}

/* --- the loader's state ----------------------------------------------------- */

struct hstring {
	uint64_t off;		/* of the bytes */
	uint32_t len;
	uint32_t sid;		/* interned, or NONE until needed */
};

#define NLAYOUTS 5	/* object layouts (layout_ref, layout_klass) */

/* The kinds of java.lang.ref.Reference: its referent is an edge typed
 * after the nearest of these classes up the instance's chain. */
enum { REF_SOFT, REF_WEAK, REF_PHANTOM, REF_FINAL, REF_KINDS };
static const struct {
	const char *cls, *edge;
} ref_kinds[REF_KINDS] = {
	{ "java.lang.ref.SoftReference", "soft reference" },
	{ "java.lang.ref.WeakReference", "weak reference" },
	{ "java.lang.ref.PhantomReference", "phantom reference" },
	{ "java.lang.ref.FinalReference", "final reference" },
};

struct hclass {
	uint64_t id, super, loader, signers, domain;
	uint64_t off;		/* of the CLASS DUMP sub-record's body */
	uint64_t statics_off;	/* of the static field count */
	uint64_t fields_off;	/* of the instance field count */
	uint32_t name;		/* string id (java name), NONE until resolved */
	uint16_t nstatics, nfields;
	/* flattened over the hierarchy (prepare_classes) */
	uint32_t payload;	/* bytes of field data an instance dump carries */
	uint32_t prim;		/* bytes of primitive fields */
	uint32_t nrefs;		/* reference fields the dump has, refs[ref_first ...] */
	uint32_t inj_refs;	/* and those HotSpot injects (in the size only) */
	uint32_t inj_ptrs;	/* pointer-sized fields HotSpot injects */
	uint32_t name_ref;	/* java.lang.Thread's name among the refs, or NONE */
	uint32_t referent_ref;	/* java.lang.ref.Reference's referent among them, or NONE */
	uint8_t ref_kind;	/* then which: REF_SOFT ... */
	uint32_t ref_first;	/* into refs[] */
	/* under a @Contended class (contended_classes): where that class's
	 * layout ends in each of the 4 layouts (layout_index), and the fields
	 * of the classes below it, laid out after it */
	bool cont;
	uint32_t cont_end[5];	/* (NLAYOUTS) */
	uint32_t below_prim, below_refs;
	uint32_t static_prim;	/* bytes of primitive statics */
	uint32_t static_nref;	/* static reference fields */
	/* another class of the same name has other reference fields: its
	 * instances' edges are listed (see struct ecodec) */
	bool shared;
};

struct href {
	uint32_t offset;	/* in the instance's field data */
	uint32_t name;		/* string id */
};

struct hroot {
	uint64_t id;
	uint32_t thread;	/* thread serial, or NONE */
	uint32_t frame;		/* frame number, or NONE */
	uint8_t kind;		/* index into root_kinds */
};

/* Where a thread-local root hangs: the thread's rank in the id map, and the
 * edge (its target a rank too, until finish_edges). */
struct hlocal {
	uint32_t thread;
	uint32_t target;
	uint32_t name;
};

/* A thread object, its name's (a String's) node, its class's name. */
struct tname {
	uint32_t thread, name, cls;
};

struct passc;
struct passd;

/* Where a plain file's String labels are read from (lazy_make). */
#define LF_WINDOW 8192

/* A class as lazy_values reads its instances and statics: its own
 * instance fields, then its statics, at fields[first...]. */
struct lf_class {
	uint64_t id;
	uint32_t super;		/* index in the table, or NONE */
	uint32_t first;
	uint16_t nfields, nstatics;
};

struct lf_field {
	uint32_t name;		/* string id */
	uint8_t type;
};

/* A primitive array's elements listed as values, at most; and any node's
 * values (a class of 65,535 statics, a long chain of superclasses). */
#define LF_VALUES_MAX 1000
#define LF_VALUES_ALL 65536

struct lazy_file {
	int fd;
	unsigned idsz;
	uint32_t base;		/* the first object node */
	uint64_t *block;	/* block k: where node max(64 k, base)'s sub-record is */
	uint32_t nblocks;
	uint64_t *seg;		/* the heap dump records' bodies: begin, end, ... */
	size_t nseg, capseg;	/* (pairs) */
	uint64_t *skip;		/* object sub-records that are no node, ascending */
	size_t nskip, capskip;
	bool has_string;	/* java.lang.String is known: labels */
	uint64_t string_class;	/* java.lang.String's class id */
	uint32_t value_off, coder_off;	/* in its instances' fields */
	bool has_coder;
	/* the classes' own fields, for values (lazy_values) */
	struct lf_class *cls;	/* sorted by id */
	uint32_t ncls;
	struct lf_field *fields;
	uint32_t nfields;
	uint32_t last_v;	/* the node lf_find found last, and where */
	uint64_t last_q;
	/* the values of the node lazy_values read last (the inspector asks a
	 * row's cells one by one): vals_n of them, for node vals_v */
	struct heap_value *vals;
	uint32_t vals_v, vals_n;
	uint32_t vals_edges;	/* while reading: the edges (reference fields) so far */
	size_t vals_cap;
	uint64_t win_off;	/* the window: win_len bytes of the file from win_off */
	size_t win_len;
	/* threads and their names' nodes, by thread node (hb_lazy_nodes) */
	struct tname *threads;
	uint32_t nthreads;
	uint8_t win[LF_WINDOW];
};


struct contended;

struct hp {
	const struct contended *contended;	/* the JDK's @Contended classes */
	const uint8_t *d;
	size_t size;
	const char *path;
	struct hs_error *err;
	struct progress *progress;
	struct io *io;		/* for giving back pages already read */
	struct heap_builder *b;
	unsigned idsz;
	size_t first_record;

	struct hstring *str;
	size_t nstr, capstr;
	struct u64map str_by_id;

	struct hclass *cls;
	size_t ncls, capcls;
	struct u64map cls_by_id;
	struct u64map name_by_class;	/* LOAD CLASS: class id -> string record */
	struct u64map class_by_serial;	/* LOAD CLASS: serial -> class id index */
	uint64_t *serial_class;		/* class ids by serial slot */
	size_t nserial, capserial;
	struct href *refs;
	size_t nrefs, caprefs;

	struct u64map frames;		/* frame id -> offset of its body (index) */
	uint64_t *frame_off;
	size_t nframes, capframes;
	struct u64map traces;		/* trace serial -> index */
	uint64_t *trace_off;
	size_t ntraces, captraces;
	struct u64map thread_trace;	/* thread serial -> trace serial */
	struct u64map thread_obj;	/* thread serial -> index into roots */

	struct hroot *roots;
	size_t nroots, caproots;

	uint64_t nobjects;		/* object sub-records */
	uint64_t min_id, max_id, id_bits;
	/* The ids pass A sees, as a bitmap in chunks of CHUNK_BITS bits (one
	 * per 8 bytes of heap: JDK ids are addresses), found by id >> 19:
	 * what pass B would index walking the file again.  Dropped (pass B
	 * then runs) for ids not 8-byte aligned or spread too thin. */
	struct u64map chunk_by_key;
	uint64_t **chunks, *chunk_key;
	size_t nchunks, capchunks;
	uint64_t last_key, *last_chunk;
	bool chunks_off;
	unsigned id_shift;	/* the ids' common alignment, log2 */
	/* String labels read when shown (plain files): what they need,
	 * filled by pass D; NULL when they are made while loading */
	struct lazy_file *lf;
	struct idmap *map;		/* own_map, or the heap's once it took it */
	struct idmap own_map;
	uint32_t *perm;			/* rank -> node, filled by pass D */
	uint64_t *rank_met;		/* bitset: the ranks pass D has met */
	struct prefault *pf;		/* faults pass D's arrays in ahead */
	uint32_t base;			/* first object node */
	uint32_t nodes;

	/* layout */
	unsigned ref_size, header, array_header;
	uint64_t votes[2 * NLAYOUTS];	/* layout h: [h] 8-byte aligned, [h + NLAYOUTS] 16 */
	bool align16;		/* -XX:ObjectAlignmentInBytes=16 */
	int forced_layout;

	uint32_t java_lang_class;	/* class index, or NONE */
	uint32_t string_class;		/* java.lang.String, or NONE */
	uint32_t string_value_off, string_coder_off;
	bool string_has_coder;

	struct passc *pc;
	struct passd *pd;
	const char *phase;
	bool heap_only;			/* pass A's second thread (pass_a) */

	int t_synthetic, t_instance, t_class, t_objarray, t_primarray;
	int e_field, e_element, e_static, e_internal, e_root;
	int e_ref[REF_KINDS];	/* a Reference's referent, by kind */
	uint32_t type_name[12];		/* "byte[]"... string ids */
	uint32_t s_empty;
	uint32_t s_super, s_loader, s_signers, s_domain;	/* class edges' names */
};

/* --- reading -------------------------------------------------------------- */

static int
bad(struct hp *p, uint64_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
bad(struct hp *p, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_at(p->err, HS_EINPUT, p->path, off, "%s", msg);
}

static inline uint32_t
be32(const uint8_t *s)
{
	return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
}

static inline uint16_t
be16(const uint8_t *s)
{
	return (uint16_t)(s[0] << 8 | s[1]);
}

static inline uint64_t
be64(const uint8_t *s)
{
	return (uint64_t)be32(s) << 32 | be32(s + 4);
}

static inline uint64_t
rd_idn(unsigned idsz, const uint8_t *s)
{
	return idsz == 8 ? be64(s) : be32(s);
}

static inline uint64_t
rd_id(const struct hp *p, const uint8_t *s)
{
	return rd_idn(p->idsz, s);
}

/* Size of a value of basic type t with ids of idsz bytes; 0 for an
 * unknown type. */
static inline unsigned
basic_size(unsigned idsz, unsigned t)
{
	static const uint8_t sz[12] = { 0, 0, 0, 0, 1, 2, 4, 8, 1, 2, 4, 8 };
	if (t == T_OBJECT)
		return idsz;
	return t < 12 ? sz[t] : 0;
}

static inline unsigned
dump_size(const struct hp *p, unsigned t)
{
	return basic_size(p->idsz, t);
}

/* The body size of a sub-record whose size its tag tells (roots, heap
 * info), 0 for the others. */
static size_t
fixed_body(unsigned I, uint8_t tag)
{
	switch (tag) {
	case SUB_ROOT_UNKNOWN: case SUB_ROOT_STICKY_CLASS: case SUB_ROOT_MONITOR_USED:
	case SUB_ROOT_INTERNED_STRING: case SUB_ROOT_FINALIZING: case SUB_ROOT_DEBUGGER:
	case SUB_ROOT_REFERENCE_CLEANUP: case SUB_ROOT_VM_INTERNAL: case SUB_UNREACHABLE:
		return I;
	case SUB_ROOT_JNI_GLOBAL:
		return 2 * (size_t)I;
	case SUB_ROOT_NATIVE_STACK: case SUB_ROOT_THREAD_BLOCK:
		return I + 4;
	case SUB_ROOT_JNI_LOCAL: case SUB_ROOT_JAVA_FRAME: case SUB_ROOT_THREAD_OBJECT:
	case SUB_ROOT_JNI_MONITOR:
		return I + 8;
	case SUB_HEAP_DUMP_INFO:
		return 4 + (size_t)I;
	default:
		return 0;
	}
}

static const char *const prim_names[12] = {
	NULL, NULL, NULL, NULL, "boolean", "char", "float", "double", "byte", "short", "int", "long",
};

/* --- strings ------------------------------------------------------------------ */

/* Modified UTF-8 (STRING records) to UTF-8: surrogate pairs encoded one by
 * one become four-byte sequences, the two-byte NUL is dropped, anything not
 * well formed becomes '?'.  Never longer than the input. */
static size_t
mutf8_to_utf8(const uint8_t *s, size_t n, char *out)
{
	size_t i = 0, o = 0;
	while (i < n) {
		uint8_t c = s[i];
		if (c < 0x80) {
			out[o++] = (char)c;
			i++;
		} else if ((c & 0xE0) == 0xC0 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
			if (c == 0xC0 && s[i + 1] == 0x80) {
				i += 2;	/* NUL */
				continue;
			}
			if (c < 0xC2) {
				out[o++] = '?';
				i += 2;
				continue;
			}
			out[o++] = (char)c;
			out[o++] = (char)s[i + 1];
			i += 2;
		} else if ((c & 0xF0) == 0xE0 && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 &&
		           (s[i + 2] & 0xC0) == 0x80) {
			uint32_t u = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 |
			             (s[i + 2] & 0x3F);
			if (u >= 0xD800 && u <= 0xDBFF && i + 5 < n && s[i + 3] == 0xED &&
			    (s[i + 4] & 0xF0) == 0xB0 && (s[i + 5] & 0xC0) == 0x80) {
				uint32_t lo = 0xDC00 | (uint32_t)(s[i + 4] & 0x0F) << 6 | (s[i + 5] & 0x3F);
				uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				out[o++] = (char)(0xF0 | cp >> 18);
				out[o++] = (char)(0x80 | (cp >> 12 & 0x3F));
				out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
				out[o++] = (char)(0x80 | (cp & 0x3F));
				i += 6;
			} else if (u < 0x800 || (u >= 0xD800 && u <= 0xDFFF)) {
				out[o++] = '?';
				i += 3;
			} else {
				memcpy(out + o, s + i, 3);
				o += 3;
				i += 3;
			}
		} else if ((c & 0xF8) == 0xF0 && c <= 0xF4 && i + 3 < n && (s[i + 1] & 0xC0) == 0x80 &&
		           (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80) {
			memcpy(out + o, s + i, 4);
			o += 4;
			i += 4;
		} else {
			out[o++] = '?';
			i++;
		}
	}
	return o;
}

/* The interned string id of STRING record id sid, or of "" when the dump
 * has no such record. */
static uint32_t
string_get(struct hp *p, uint64_t id)
{
	uint32_t i = u64map_get(&p->str_by_id, id);
	struct hstring *s;
	char *buf;
	size_t n;

	if (i == NONE)
		return p->s_empty;
	s = &p->str[i];
	if (s->sid != NONE)
		return s->sid;
	buf = xmalloc((size_t)s->len + 1);
	n = mutf8_to_utf8(p->d + s->off, s->len, buf);
	s->sid = strtab_intern(&p->b->h->strings, buf, n);
	free(buf);
	return s->sid;
}

/* A class name as the VM spells it ("java/lang/String", "[[I",
 * "[Ljava/lang/Object;") as Java writes it ("java.lang.String", "int[][]",
 * "java.lang.Object[]"). */
static uint32_t
java_name(struct hp *p, const char *s, size_t n)
{
	size_t dims = 0, o = 0;
	char *buf;
	uint32_t sid;

	while (dims < n && s[dims] == '[')
		dims++;
	buf = xmalloc(n + 2 * dims + 16);
	if (dims) {
		const char *e = s + dims;
		size_t m = n - dims;
		static const char codes[] = "ZCFDBSIJ";
		const char *c = m == 1 ? strchr(codes, e[0]) : NULL;
		if (c && *c) {
			const char *pn = prim_names[4 + (c - codes)];
			o = strlen(pn);
			memcpy(buf, pn, o);
		} else {
			if (m >= 2 && e[0] == 'L' && e[m - 1] == ';') {
				e++;
				m -= 2;
			}
			memcpy(buf, e, m);
			o = m;
		}
	} else {
		memcpy(buf, s, n);
		o = n;
	}
	/* hidden classes (lambdas): the VM's "Foo$$Lambda$1+0x0800" is
	 * Class.getName()'s "Foo$$Lambda$1/0x0800"; '+' is in no other name */
	for (size_t i = 0; i < o; i++)
		if (buf[i] == '/')
			buf[i] = '.';
		else if (buf[i] == '+')
			buf[i] = '/';
	for (size_t i = 0; i < dims; i++) {
		buf[o++] = '[';
		buf[o++] = ']';
	}
	sid = strtab_intern(&p->b->h->strings, buf, o);
	free(buf);
	return sid;
}

static uint32_t
class_name(struct hp *p, struct hclass *c)
{
	if (c->name == NONE) {
		uint32_t si = u64map_get(&p->name_by_class, c->id);
		if (si == NONE || si >= p->nstr) {
			char buf[40];
			int n = snprintf(buf, sizeof buf, "class@0x%" PRIx64, c->id);
			c->name = strtab_intern(&p->b->h->strings, buf, (size_t)n);
		} else {
			struct hstring *s = &p->str[si];
			char *buf = xmalloc((size_t)s->len + 1);
			size_t n = mutf8_to_utf8(p->d + s->off, s->len, buf);
			c->name = java_name(p, buf, n);
			free(buf);
		}
	}
	return c->name;
}

/* --- pass A: records ---------------------------------------------------------- */

static int
add_root(struct hp *p, uint8_t tag, uint64_t id, uint32_t thread, uint32_t frame)
{
	unsigned k;
	for (k = 0; k < NKINDS && root_kinds[k].tag != tag; k++)
		;
	XGROW(p->roots, p->caproots, p->nroots + 1);
	p->roots[p->nroots].id = id;
	p->roots[p->nroots].thread = thread;
	p->roots[p->nroots].frame = frame;
	p->roots[p->nroots].kind = (uint8_t)k;
	if (tag == SUB_ROOT_THREAD_OBJECT && p->nroots < NONE)
		u64map_put(&p->thread_obj, thread, (uint32_t)p->nroots);
	p->nroots++;
	return HS_OK;
}

#define CHUNK_BITS 16
#define CHUNK_WORDS ((1u << CHUNK_BITS) / 64)

static void
chunks_drop(struct hp *p)
{
	for (size_t i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	free(p->chunk_key);
	u64map_free(&p->chunk_by_key);
	p->chunks = NULL;
	p->chunk_key = NULL;
	p->nchunks = p->capchunks = 0;
	p->last_chunk = NULL;
	p->chunks_off = true;
}

static void
chunk_note(struct hp *p, uint64_t id)
{
	uint64_t key = id >> (3 + CHUNK_BITS), bit = (id >> 3) & ((1u << CHUNK_BITS) - 1);
	uint64_t *c = p->last_chunk;

	if (id & 7) {
		chunks_drop(p);
		return;
	}
	if (c == NULL || key != p->last_key) {
		uint32_t i = u64map_get(&p->chunk_by_key, key);
		if (i == NONE) {
			/* as the id map: at most 16 bytes an object (and 64 MiB) */
			if ((p->nchunks + 1) * (CHUNK_WORDS * 8) > (64u << 20) + 16 * p->nobjects ||
			    p->nchunks >= NONE - 1) {
				chunks_drop(p);
				return;
			}
			if (p->nchunks == p->capchunks) {
				size_t cap = p->capchunks;
				XGROW(p->chunks, cap, p->nchunks + 1);
				XGROW(p->chunk_key, p->capchunks, p->nchunks + 1);
			}
			i = (uint32_t)p->nchunks++;
			p->chunks[i] = xcalloc(CHUNK_WORDS, sizeof **p->chunks);
			p->chunk_key[i] = key;
			u64map_put(&p->chunk_by_key, key, i);
		}
		c = p->chunks[i];
		p->last_key = key;
		p->last_chunk = c;
	}
	c[bit >> 6] |= 1ULL << (bit & 63);
}

/* The ids pass A saw into the id map (which idmap_init sized). */
static void
chunks_to_map(struct hp *p)
{
	for (size_t i = 0; i < p->nchunks; i++) {
		const uint64_t *c = p->chunks[i];
		uint64_t first = p->chunk_key[i] << (3 + CHUNK_BITS);
		for (uint32_t w = 0; w < CHUNK_WORDS; w++)
			for (uint64_t x = c[w]; x; x &= x - 1)
				idmap_add(p->map, first + (((uint64_t)w * 64 + (unsigned)__builtin_ctzll(x)) << 3));
	}
	chunks_drop(p);
}

static void
note_object(struct hp *p, uint64_t id)
{
	if (!p->chunks_off)
		chunk_note(p, id);
	if (p->nobjects == 0 || id < p->min_id)
		p->min_id = id;
	if (p->nobjects == 0 || id > p->max_id)
		p->max_id = id;
	p->id_bits |= id;
	p->nobjects++;
}

/* Parses a CLASS DUMP body at q (end e); returns the offset after it, 0 on
 * error.  With rec set, records the class. */
static size_t
class_dump(struct hp *p, size_t q, size_t e, bool rec)
{
	const unsigned I = p->idsz;
	const uint8_t *d = p->d;
	struct hclass c;
	uint16_t ncp;

	memset(&c, 0, sizeof c);
	if (e - q < 7 * (size_t)I + 8 + 2)
		return bad(p, q, "CLASS DUMP cut short"), 0;
	c.off = q;
	c.id = rd_id(p, d + q);
	c.super = rd_id(p, d + q + I + 4);
	c.loader = rd_id(p, d + q + 2 * I + 4);
	c.signers = rd_id(p, d + q + 3 * I + 4);
	c.domain = rd_id(p, d + q + 4 * I + 4);
	q += 7 * (size_t)I + 8;
	ncp = be16(d + q);
	q += 2;
	for (unsigned i = 0; i < ncp; i++) {
		unsigned sz;
		if (e - q < 3)
			return bad(p, q, "CLASS DUMP constant pool cut short"), 0;
		sz = dump_size(p, d[q + 2]);
		if (sz == 0)
			return bad(p, q + 2, "CLASS DUMP: constant pool entry of unknown type %u", d[q + 2]), 0;
		if (e - q - 3 < sz)
			return bad(p, q, "CLASS DUMP constant pool cut short"), 0;
		q += 3 + sz;
	}
	if (e - q < 2)
		return bad(p, q, "CLASS DUMP cut short before its static fields"), 0;
	c.statics_off = q;
	c.nstatics = be16(d + q);
	q += 2;
	for (unsigned i = 0; i < c.nstatics; i++) {
		unsigned sz;
		if (e - q < (size_t)I + 1)
			return bad(p, q, "CLASS DUMP static fields cut short"), 0;
		sz = dump_size(p, d[q + I]);
		if (sz == 0)
			return bad(p, q + I, "CLASS DUMP: static field of unknown type %u", d[q + I]), 0;
		if (e - q - I - 1 < sz)
			return bad(p, q, "CLASS DUMP static fields cut short"), 0;
		if (d[q + I] == T_OBJECT)
			c.static_nref++;
		else
			c.static_prim += sz;
		q += I + 1 + sz;
	}
	if (e - q < 2)
		return bad(p, q, "CLASS DUMP cut short before its instance fields"), 0;
	c.fields_off = q;
	c.nfields = be16(d + q);
	q += 2;
	if ((e - q) / (I + 1) < c.nfields)
		return bad(p, q, "CLASS DUMP: %u instance fields do not fit in the record", c.nfields), 0;
	for (unsigned i = 0; i < c.nfields; i++) {
		unsigned t = d[q + i * (I + 1) + I];
		if (dump_size(p, t) == 0)
			return bad(p, q + i * (I + 1) + I, "CLASS DUMP: instance field of unknown type %u", t), 0;
	}
	q += (size_t)c.nfields * (I + 1);
	if (rec) {
		c.name = NONE;
		c.ref_first = NONE;
		if (p->ncls >= NONE - 1)
			return bad(p, c.off, "too many classes"), 0;
		if (u64map_get(&p->cls_by_id, c.id) == NONE) {
			XGROW(p->cls, p->capcls, p->ncls + 1);
			p->cls[p->ncls] = c;
			u64map_put(&p->cls_by_id, c.id, (uint32_t)p->ncls);
			p->ncls++;
		}
		note_object(p, c.id);
	}
	return q;
}

/* Walks the sub-records of one heap dump record [q, e).  fn, when set, is
 * called for each object sub-record with its tag and offset (pass B to E);
 * pass A (fn NULL) records roots and classes. */
typedef int (*object_fn)(struct hp *p, uint8_t tag, size_t at, size_t body, size_t end);

static int
heap_records(struct hp *p, size_t q, size_t e, object_fn fn)
{
	const unsigned I = p->idsz;
	const uint8_t *d = p->d;

	while (q < e) {
		uint8_t tag = d[q];
		size_t at = q, need = 0;
		q++;
		switch (tag) {
		case SUB_CLASS_DUMP: {
			size_t r = class_dump(p, q, e, fn == NULL);
			if (r == 0)
				return p->err->status;
			if (fn) {
				int s = fn(p, tag, at, q, r);
				if (s)
					return s;
			}
			q = r;
			continue;
		}
		case SUB_INSTANCE_DUMP:
			if (e - q < 2 * (size_t)I + 8)
				return bad(p, at, "INSTANCE DUMP cut short");
			need = 2 * (size_t)I + 8;
			if (be32(d + q + 2 * I + 4) > e - q - need)
				return bad(p, at, "INSTANCE DUMP: %" PRIu32 " bytes of fields run past the record's end",
				           be32(d + q + 2 * I + 4));
			need += be32(d + q + 2 * I + 4);
			break;
		case SUB_OBJ_ARRAY_DUMP:
			if (e - q < 2 * (size_t)I + 8)
				return bad(p, at, "OBJ ARRAY DUMP cut short");
			need = 2 * (size_t)I + 8;
			if (be32(d + q + I + 4) > (e - q - need) / I)
				return bad(p, at, "OBJ ARRAY DUMP: %" PRIu32 " elements run past the record's end",
				           be32(d + q + I + 4));
			need += (size_t)be32(d + q + I + 4) * I;
			break;
		case SUB_PRIM_ARRAY_DUMP: case SUB_PRIM_ARRAY_NODATA: {
			unsigned t, sz;
			if (e - q < (size_t)I + 9)
				return bad(p, at, "PRIM ARRAY DUMP cut short");
			t = d[q + I + 8];
			sz = dump_size(p, t);
			if (sz == 0 || t == T_OBJECT)
				return bad(p, q + I + 8, "PRIM ARRAY DUMP: unknown element type %u", t);
			need = (size_t)I + 9;
			if (tag == SUB_PRIM_ARRAY_DUMP) {
				if (be32(d + q + I + 4) > (e - q - need) / sz)
					return bad(p, at, "PRIM ARRAY DUMP: %" PRIu32 " elements run past the record's end",
					           be32(d + q + I + 4));
				need += (size_t)be32(d + q + I + 4) * sz;
			}
			break;
		}
		default:
			need = fixed_body(I, tag);
			if (need == 0)
				return bad(p, at, "unknown heap dump sub-record tag 0x%02x", tag);
			break;
		}
		if (e - q < need)
			return bad(p, at, "heap dump sub-record 0x%02x cut short", tag);
		if (fn) {
			if (tag == SUB_INSTANCE_DUMP || tag == SUB_OBJ_ARRAY_DUMP ||
			    tag == SUB_PRIM_ARRAY_DUMP || tag == SUB_PRIM_ARRAY_NODATA) {
				int s = fn(p, tag, at, q, q + need);
				if (s)
					return s;
			}
		} else {
			switch (tag) {
			case SUB_INSTANCE_DUMP: case SUB_OBJ_ARRAY_DUMP: case SUB_PRIM_ARRAY_DUMP:
			case SUB_PRIM_ARRAY_NODATA:
				note_object(p, rd_id(p, d + q));
				break;
			case SUB_HEAP_DUMP_INFO: case SUB_UNREACHABLE:
				break;
			case SUB_ROOT_JNI_LOCAL: case SUB_ROOT_JAVA_FRAME: case SUB_ROOT_JNI_MONITOR:
			case SUB_ROOT_THREAD_OBJECT:
				add_root(p, tag, rd_id(p, d + q), be32(d + q + I), be32(d + q + I + 4));
				if (tag == SUB_ROOT_THREAD_OBJECT)
					u64map_put(&p->thread_trace, be32(d + q + I), be32(d + q + I + 4));
				break;
			case SUB_ROOT_NATIVE_STACK: case SUB_ROOT_THREAD_BLOCK:
				add_root(p, tag, rd_id(p, d + q), be32(d + q + I), NONE);
				break;
			default:
				add_root(p, tag, rd_id(p, d + q), NONE, NONE);
				break;
			}
		}
		q += need;
	}
	return HS_OK;
}

/* Pass A's second thread met a record other than a heap dump's: the main
 * thread reads its part of the file itself (see pass_a). */
#define WALK_FOREIGN 2

/* Visits every heap dump record of the records [from, to) (to: the end of
 * the file or of a record); pass A also reads the other records. */
static int
walk_range(struct hp *p, object_fn fn, size_t from, size_t to)
{
	const unsigned I = p->idsz;
	const uint8_t *d = p->d;
	size_t q = from, released = from & ~(size_t)4095;
	uint64_t next_report = 0;

	while (q < to) {
		uint8_t tag;
		size_t len, body;
		int s;

		if (p->size - q < 9)
			return bad(p, q, "record header cut short");
		tag = d[q];
		len = be32(d + q + 5);
		body = q + 9;
		if (len > p->size - body)
			return bad(p, q, "record of %zu bytes runs past the end of the file (%zu bytes)", len,
			           p->size);
		if (body >= next_report) {
			if (progress_update(p->progress, p->phase, body, p->size))
				return error_set(p->err, HS_ECANCEL, p->path, "cancelled");
			next_report = body + (16 << 20);
			/* Each pass reads the file front to back: give the pages
			 * behind back (a mapped file only: they come again from the
			 * page cache for the next pass, cheaply), so that the file
			 * does not add its size to the peak of memory. */
			if (p->io && io_file_backed(p->io) && q - released >= (8u << 20)) {
				size_t behind = q & ~(size_t)4095;
				io_release_range(p->io, released, behind);
				released = behind;
			}
		}
		if (p->heap_only && fn == NULL && (tag == TAG_STRING || tag == TAG_LOAD_CLASS ||
		                                   tag == TAG_STACK_FRAME || tag == TAG_STACK_TRACE))
			return WALK_FOREIGN;
		switch (tag) {
		case TAG_HEAP_DUMP: case TAG_HEAP_DUMP_SEGMENT:
			if (p->pd && p->lf) {
				struct lazy_file *lf = p->lf;
				XGROW(lf->seg, lf->capseg, 2 * lf->nseg + 2);
				lf->seg[2 * lf->nseg] = body;
				lf->seg[2 * lf->nseg + 1] = body + len;
				lf->nseg++;
			}
			s = heap_records(p, body, body + len, fn);
			if (s)
				return s;
			break;
		case TAG_STRING:
			if (fn)
				break;
			if (len < I)
				return bad(p, q, "STRING record shorter than an id");
			if (len - I > UINT32_MAX || p->nstr >= NONE - 1)
				return bad(p, q, "STRING record too long");
			XGROW(p->str, p->capstr, p->nstr + 1);
			p->str[p->nstr].off = body + I;
			p->str[p->nstr].len = (uint32_t)(len - I);
			p->str[p->nstr].sid = NONE;
			u64map_put(&p->str_by_id, rd_id(p, d + body), (uint32_t)p->nstr);
			p->nstr++;
			break;
		case TAG_LOAD_CLASS:
			if (fn)
				break;
			if (len < 8 + 2 * (size_t)I)
				return bad(p, q, "LOAD CLASS record cut short");
			{
				uint64_t cid = rd_id(p, d + body + 4);
				uint32_t si = u64map_get(&p->str_by_id, rd_id(p, d + body + 8 + I));
				if (si != NONE)
					u64map_put(&p->name_by_class, cid, si);
				XGROW(p->serial_class, p->capserial, p->nserial + 1);
				p->serial_class[p->nserial] = cid;
				if (p->nserial < NONE - 1)
					u64map_put(&p->class_by_serial, be32(d + body), (uint32_t)p->nserial);
				p->nserial++;
			}
			break;
		case TAG_STACK_FRAME:
			if (fn)
				break;
			if (len < 8 + 4 * (size_t)I)
				return bad(p, q, "STACK FRAME record cut short");
			XGROW(p->frame_off, p->capframes, p->nframes + 1);
			p->frame_off[p->nframes] = body;
			if (p->nframes < NONE - 1)
				u64map_put(&p->frames, rd_id(p, d + body), (uint32_t)p->nframes);
			p->nframes++;
			break;
		case TAG_STACK_TRACE:
			if (fn)
				break;
			if (len < 12 || (len - 12) / I < be32(d + body + 8))
				return bad(p, q, "STACK TRACE record cut short");
			XGROW(p->trace_off, p->captraces, p->ntraces + 1);
			p->trace_off[p->ntraces] = body;
			if (p->ntraces < NONE - 1)
				u64map_put(&p->traces, be32(d + body), (uint32_t)p->ntraces);
			p->ntraces++;
			break;
		default:
			break;	/* other records: skipped by their length */
		}
		q = body + len;
	}
	return HS_OK;
}

static int
walk(struct hp *p, object_fn fn)
{
	return walk_range(p, fn, p->first_record, p->size);
}

/* --- pass A on two threads ------------------------------------------------------ */

/* Files this big or more are read by two threads in pass A, and pass D's
 * arrays faulted in by a second (tests lower it). */
size_t hprof_parallel_min = (size_t)64 << 20;
size_t hprof_parallel_split;

/* The second thread takes the heap dump records from about the middle of
 * the file on, with a loader state of its own whose lists start empty; the
 * main thread reads the rest, then appends the second's lists to its own,
 * in file order, as if it had read on: the classes and roots after its own
 * (an id seen first in the first part keeps that class), the maps' keys it
 * lacks, the ids' chunks OR-ed.  On any error, or a record only the main
 * thread reads (strings, classes, stack traces: JDK dumps write them
 * first), the main thread drops what the second read and reads that part
 * itself, so that the error reported is the one a single thread finds. */
struct pass_a_half {
	struct hp p;
	struct hs_error err;
	size_t from;
	int status;
};

static void *
pass_a_run(void *arg)
{
	struct pass_a_half *h = arg;
	h->status = walk_range(&h->p, NULL, h->from, h->p.size);
	return NULL;
}

/* Where the second part begins: the first heap dump record from the middle
 * of the file on, if the records are whole up to the end and only heap
 * dump records follow it; 0 if none. */
static size_t
pass_a_split(const struct hp *p)
{
	size_t q = p->first_record, mid = p->first_record + (p->size - p->first_record) / 2, at = 0;
	size_t released = q & ~(size_t)4095;
	bool give_back = p->io && io_file_backed(p->io);

	while (q < p->size) {
		uint8_t tag;
		size_t len;
		if (p->size - q < 9)
			return 0;
		tag = p->d[q];
		len = be32(p->d + q + 5);
		if (len > p->size - q - 9)
			return 0;
		if (tag == TAG_STRING || tag == TAG_LOAD_CLASS || tag == TAG_STACK_FRAME ||
		    tag == TAG_STACK_TRACE)
			at = 0;
		else if (at == 0 && q >= mid && (tag == TAG_HEAP_DUMP || tag == TAG_HEAP_DUMP_SEGMENT))
			at = q;
		/* a page a record: a file freshly written (a decompressed dump)
		 * maps each in a large folio, the whole file by the end */
		if (give_back && q - released >= (16u << 20)) {
			io_release_range(p->io, released, q & ~(size_t)4095);
			released = q & ~(size_t)4095;
		}
		q += 9 + len;
	}
	if (give_back)
		io_release_range(p->io, released, p->size & ~(size_t)4095);
	return at;
}

static void
pass_a_merge(struct hp *p, struct hp *o)
{
	/* the ids: counts, bounds, chunks */
	if (o->nobjects) {
		if (p->nobjects == 0 || o->min_id < p->min_id)
			p->min_id = o->min_id;
		if (p->nobjects == 0 || o->max_id > p->max_id)
			p->max_id = o->max_id;
	}
	p->id_bits |= o->id_bits;
	p->nobjects += o->nobjects;
	if (o->chunks_off && !p->chunks_off)
		chunks_drop(p);
	if (!p->chunks_off) {
		for (size_t i = 0; i < o->nchunks; i++) {
			uint32_t j = u64map_get(&p->chunk_by_key, o->chunk_key[i]);
			if (j != NONE) {
				for (uint32_t w = 0; w < CHUNK_WORDS; w++)
					p->chunks[j][w] |= o->chunks[i][w];
				continue;
			}
			if (p->nchunks == p->capchunks) {
				size_t cap = p->capchunks;
				XGROW(p->chunks, cap, p->nchunks + 1);
				XGROW(p->chunk_key, p->capchunks, p->nchunks + 1);
			}
			p->chunks[p->nchunks] = o->chunks[i];
			o->chunks[i] = NULL;
			p->chunk_key[p->nchunks] = o->chunk_key[i];
			u64map_put(&p->chunk_by_key, o->chunk_key[i], (uint32_t)p->nchunks);
			p->nchunks++;
		}
		/* chunk_note's bound, on the whole */
		if (p->nchunks * (CHUNK_WORDS * 8) > (64u << 20) + 16 * p->nobjects ||
		    p->nchunks >= NONE - 1)
			chunks_drop(p);
	}
	chunks_drop(o);
	/* the classes, the roots, the threads' traces */
	for (size_t i = 0; i < o->ncls; i++) {
		if (u64map_get(&p->cls_by_id, o->cls[i].id) != NONE)
			continue;
		XGROW(p->cls, p->capcls, p->ncls + 1);
		p->cls[p->ncls] = o->cls[i];
		u64map_put(&p->cls_by_id, o->cls[i].id, (uint32_t)p->ncls);
		p->ncls++;
	}
	for (size_t i = 0; i < o->nroots; i++) {
		const struct hroot *r = &o->roots[i];
		XGROW(p->roots, p->caproots, p->nroots + 1);
		p->roots[p->nroots] = *r;
		if (r->kind < NKINDS && root_kinds[r->kind].tag == SUB_ROOT_THREAD_OBJECT &&
		    p->nroots < NONE)
			u64map_put(&p->thread_obj, r->thread, (uint32_t)p->nroots);
		p->nroots++;
	}
	if (o->thread_trace.key)
		for (size_t i = 0; i <= o->thread_trace.mask; i++)
			if (o->thread_trace.val[i] != NONE)
				u64map_put(&p->thread_trace, o->thread_trace.key[i], o->thread_trace.val[i]);
}

/* The second thread's state: nothing of its own yet. */
static void
pass_a_state(struct pass_a_half *h, const struct hp *p)
{
	struct hp *o = &h->p;
	memset(o, 0, sizeof *o);
	o->d = p->d;
	o->size = p->size;
	o->path = p->path;
	o->err = &h->err;
	o->io = p->io;
	o->b = p->b;
	o->idsz = p->idsz;
	o->first_record = p->first_record;
	o->phase = p->phase;
	o->heap_only = true;
}

static void
pass_a_free(struct hp *o)
{
	chunks_drop(o);
	free(o->cls);
	u64map_free(&o->cls_by_id);
	free(o->roots);
	u64map_free(&o->thread_obj);
	u64map_free(&o->thread_trace);
}

/* Pass A: the records, on two threads when the file is big. */
static int
pass_a(struct hp *p)
{
	struct pass_a_half h;
	pthread_t t;
	size_t at = p->size >= hprof_parallel_min ? pass_a_split(p) : 0;
	int s;

	hprof_parallel_split = at;
	if (at == 0)
		return walk(p, NULL);
	pass_a_state(&h, p);
	h.from = at;
	if (pthread_create(&t, NULL, pass_a_run, &h) != 0) {
		pass_a_free(&h.p);
		return walk(p, NULL);
	}
	s = walk_range(p, NULL, p->first_record, at);
	pthread_join(t, NULL);
	if (s == HS_OK && h.status == HS_OK)
		pass_a_merge(p, &h.p);
	pass_a_free(&h.p);
	if (s == HS_OK && h.status != HS_OK)
		s = walk_range(p, NULL, at, p->size);
	return s;
}

/* --- classes ------------------------------------------------------------------ */

static struct hclass *
class_of(struct hp *p, uint64_t id)
{
	uint32_t i = u64map_get(&p->cls_by_id, id);
	return i == NONE ? NULL : &p->cls[i];
}

/* Fields HotSpot (JDK 17, javaClasses.hpp *_INJECTED_FIELDS) adds to some
 * classes' instances; the dump does not list them, the object has them.
 * Bytes of primitive data, pointer-sized fields (intptr_t: 8 bytes, 4 on a
 * 32-bit VM) and references, inherited by subclasses. */
static const struct injected {
	const char *cls;
	uint8_t prim, ptrs, refs;
} injected_fields[] = {
	{ "java.lang.ClassLoader", 0, 1, 0 },		/* loader_data */
	{ "java.lang.Module", 0, 1, 0 },		/* module_entry */
	{ "java.lang.StackTraceElement", 0, 0, 1 },	/* declaringClassObject */
	{ "java.lang.StackFrameInfo", 2, 0, 0 },	/* version */
	{ "java.lang.invoke.MemberName", 0, 1, 0 },	/* vmindex */
	{ "java.lang.invoke.ResolvedMethodName", 0, 1, 1 },	/* vmtarget, vmholder */
	/* vmdependencies, last_cleanup (a long) */
	{ "java.lang.invoke.MethodHandleNatives$CallSiteContext", 8, 1, 0 },
	{ "java.security.ProtectionDomain", 1, 0, 0 },	/* impliesCreateAccessControlContext */
};

/* The JDK's classes with @Contended fields (all in java.base; the dump does
 * not carry annotations): each group of fields that HotSpot lays out between
 * 128-byte pads (ContendedPaddingWidth), and whether the class is contended
 * as a whole (a pad before its fields too).  JDK 17's, and those of the
 * JDKs whose Thread keeps its fields in a FieldHolder (19 and later; read
 * off JDK 25), where Thread has none. */
#define CONT_GROUPS 2
struct contended {
	const char *cls;
	bool whole;
	const char *groups[CONT_GROUPS][8];	/* field names, NULL after the last */
};
static const struct contended contended_classes[] = {
	{ "java.lang.Thread", false,
	  { { "threadLocalRandomSeed", "threadLocalRandomProbe", "threadLocalRandomSecondarySeed" } } },
	{ "java.util.concurrent.ForkJoinPool", false, { { "ctl" } } },
	{ "java.util.concurrent.ForkJoinPool$WorkQueue", false, { { "top", "source", "nsteals" } } },
	{ "java.util.concurrent.SubmissionPublisher$BufferedSubscription", true,
	  { { "demand", "waiting" } } },
	{ "java.util.concurrent.ConcurrentHashMap$CounterCell", true, { { NULL } } },
	{ "java.util.concurrent.Exchanger$Node", true, { { NULL } } },
	{ "java.util.concurrent.atomic.Striped64$Cell", true, { { NULL } } },
	{ NULL, false, { { NULL } } },
};
static const struct contended contended_classes_19[] = {
	{ "java.util.concurrent.ForkJoinPool", false, { { "ctl", "parallelism" } } },
	{ "java.util.concurrent.ForkJoinPool$WorkQueue", false,
	  { { "top", "phase", "stackPred", "source", "nsteals", "parking" } } },
	{ "java.util.concurrent.SubmissionPublisher$BufferedSubscription", true,
	  { { "demand", "waiting" } } },
	{ "java.util.concurrent.ConcurrentHashMap$CounterCell", true, { { NULL } } },
	{ "java.util.concurrent.Exchanger$Slot", true, { { NULL } } },
	{ "java.util.concurrent.atomic.Striped64$Cell", true, { { NULL } } },
	{ NULL, false, { { NULL } } },
};

/* The layouts: reference and class pointer sizes, after an 8-byte mark
 * word -- the four of a 64-bit VM, and a 32-bit VM's (4-byte ids): a
 * 4-byte mark word and class pointer, told by a class pointer size of 0. */
static const uint8_t layout_ref[NLAYOUTS] = { 4, 8, 4, 8, 4 };
static const uint8_t layout_klass[NLAYOUTS] = { 4, 8, 8, 4, 0 };
#define LAYOUT_32 4

/* The layouts, by reference and class pointer size (layout_ref/_klass). */
static inline unsigned
layout_index(unsigned ref, unsigned klass)
{
	if (klass == 0)
		return LAYOUT_32;
	return ref == 4 ? (klass == 4 ? 0 : 2) : (klass == 8 ? 1 : 3);
}

/* Fields being placed: where the last ends, and the holes alignment left
 * before it (first fit fills them). */
struct placer {
	uint64_t end;
	uint64_t hole[8][2];
	unsigned nholes;
};

static void
place(struct placer *pl, unsigned size, bool first_fit)
{
	uint64_t at;
	for (unsigned i = 0; first_fit && i < pl->nholes; i++) {
		at = (pl->hole[i][0] + size - 1) / size * size;
		if (at + size <= pl->hole[i][1]) {
			uint64_t a = pl->hole[i][0];
			pl->hole[i][0] = at + size;	/* the hole after it */
			if (at > a && pl->nholes < 8) {	/* and the one before */
				pl->hole[pl->nholes][0] = a;
				pl->hole[pl->nholes][1] = at;
				pl->nholes++;
			}
			return;
		}
	}
	at = (pl->end + size - 1) / size * size;
	if (at > pl->end && first_fit && pl->nholes < 8) {
		pl->hole[pl->nholes][0] = pl->end;
		pl->hole[pl->nholes][1] = at;
		pl->nholes++;
	}
	pl->end = at + size;
}

/* Fields sizes[0, n) (0: a reference, ref bytes), largest first and the
 * references after the primitives, as HotSpot orders a group. */
static void
place_all(struct placer *pl, const uint8_t *sizes, unsigned n, unsigned ref, bool first_fit)
{
	for (unsigned sz = 8; sz >= 1; sz /= 2)
		for (unsigned i = 0; i < n; i++)
			if (sizes[i] == sz)
				place(pl, sz, first_fit);
	for (unsigned i = 0; i < n; i++)
		if (sizes[i] == 0)
			place(pl, ref, first_fit);
}

/* Where a @Contended class's layout ends (JDK 17's FieldLayoutBuilder):
 * after the header and its superclasses' fields (above bytes), a pad when
 * it is contended as a whole, its other fields (first fit; after a pad,
 * one after another), then each group after a pad, one after another, and
 * a last pad.  group[i]: field i's group, -1 for none. */
static uint64_t
contended_end(unsigned header, uint64_t above, bool whole, const uint8_t *sizes, const int8_t *group,
              unsigned n, unsigned ref)
{
	struct placer pl = { .end = header + above };
	uint8_t g[256];
	unsigned k = 0;
	bool groups = false;

	if (whole)
		pl.end += 128;
	for (unsigned i = 0; i < n; i++)
		if (group[i] < 0)
			g[k++] = sizes[i];
	place_all(&pl, g, k, ref, !whole);
	for (int gi = 0; gi < CONT_GROUPS; gi++) {
		k = 0;
		for (unsigned i = 0; i < n; i++)
			if (group[i] == gi)
				g[k++] = sizes[i];
		if (k == 0)
			continue;
		pl.end += 128;
		pl.nholes = 0;
		place_all(&pl, g, k, ref, false);
		groups = true;
	}
	if (whole || groups)
		pl.end += 128;
	return pl.end;
}

/* Flattens a class's instance fields over its superclass chain: the field
 * data of an instance dump holds the class's own fields first, then its
 * superclass's, and so on.  Iterative over the chain; a chain that comes
 * back to a class is an error. */
static int
prepare_class(struct hp *p, struct hclass *c0)
{
	const unsigned I = p->idsz;
	uint32_t payload = 0, prim = 0, nrefs = 0, first = (uint32_t)p->nrefs, injected = 0;
	uint32_t name_ref = NONE, referent_ref = NONE, ptrs = 0;
	int kind = -1;
	size_t steps = 0;

	/* the nearest @Contended class up the chain: its fields' sizes and
	 * groups, and what lies below it */
	const struct contended *cc = NULL;
	uint8_t csize[256];
	int8_t cgroup[256];
	unsigned cn = 0;
	uint32_t below_prim = 0, below_refs = 0, own_prim = 0, own_refs = 0;

	for (struct hclass *c = c0; c; c = c->super ? class_of(p, c->super) : NULL) {
		size_t q = c->fields_off + 2;
		const char *cname = heap_str(p->b->h, class_name(p, c));
		bool thread = strcmp(cname, "java.lang.Thread") == 0;
		bool reference = strcmp(cname, "java.lang.ref.Reference") == 0;
		for (int k = 0; k < REF_KINDS && kind < 0; k++)
			if (strcmp(cname, ref_kinds[k].cls) == 0)
				kind = k;	/* the nearest of them up the chain */
		if (++steps > p->ncls)
			return bad(p, c0->off, "class 0x%" PRIx64 ": its superclass chain is a cycle", c0->id);
		bool contended = false;
		for (const struct contended *k = p->contended; cc == NULL && k->cls; k++)
			if (strcmp(cname, k->cls) == 0) {
				cc = k;
				contended = true;
				below_prim = prim;
				below_refs = nrefs;
			}
		for (size_t k = 0; k < sizeof injected_fields / sizeof injected_fields[0]; k++)
			if (strcmp(cname, injected_fields[k].cls) == 0) {
				prim += injected_fields[k].prim;
				ptrs += injected_fields[k].ptrs;
				nrefs += injected_fields[k].refs;
				injected += injected_fields[k].refs;
			}
		for (unsigned i = 0; i < c->nfields; i++, q += I + 1) {
			unsigned t = p->d[q + I];
			unsigned sz = dump_size(p, t);
			if (contended && cn < sizeof csize) {
				const char *fname = heap_str(p->b->h, string_get(p, rd_id(p, p->d + q)));
				cgroup[cn] = -1;
				for (int g = 0; g < CONT_GROUPS; g++)
					for (int k = 0; k < 8 && cc->groups[g][k]; k++)
						if (strcmp(fname, cc->groups[g][k]) == 0)
							cgroup[cn] = (int8_t)g;
				csize[cn++] = t == T_OBJECT ? 0 : (uint8_t)sz;
				if (t == T_OBJECT)
					own_refs++;
				else
					own_prim += sz;
			}
			if (t == T_OBJECT) {
				XGROW(p->refs, p->caprefs, p->nrefs + 1);
				p->refs[p->nrefs].offset = payload;
				p->refs[p->nrefs].name = string_get(p, rd_id(p, p->d + q));
				if (thread && name_ref == NONE &&
				    strcmp(heap_str(p->b->h, p->refs[p->nrefs].name), "name") == 0)
					name_ref = (uint32_t)(p->nrefs - first);	/* a thread's name */
				if (reference && referent_ref == NONE &&
				    strcmp(heap_str(p->b->h, p->refs[p->nrefs].name), "referent") == 0)
					referent_ref = (uint32_t)(p->nrefs - first);
				p->nrefs++;
				nrefs++;
			} else {
				prim += sz;
			}
			if (payload > UINT32_MAX - 16)
				return bad(p, c0->off, "class 0x%" PRIx64 ": too many fields", c0->id);
			payload += sz;
		}
	}
	c0->payload = payload;
	c0->prim = prim;
	/* the refs the dump has: an instance's edges come from refs[] alone */
	c0->nrefs = nrefs - injected;
	c0->inj_refs = injected;
	c0->inj_ptrs = ptrs;
	c0->name_ref = name_ref;
	c0->referent_ref = referent_ref;
	c0->ref_kind = (uint8_t)(kind < 0 ? REF_WEAK : kind);	/* Reference itself: weak */
	c0->cont = false;
	if (cc && cn < sizeof csize) {
		/* the contended class's superclasses' fields, taken as packed */
		uint32_t above_prim = prim - below_prim - own_prim, above_refs = nrefs - below_refs - own_refs;
		for (unsigned l = 0; l < NLAYOUTS; l++) {
			unsigned ref = layout_ref[l], klass = layout_klass[l];
			uint64_t end = contended_end(8 + klass, above_prim + (uint64_t)above_refs * ref, cc->whole,
			                             csize, cgroup, cn, ref);
			c0->cont_end[layout_index(ref, klass)] = (uint32_t)end;
		}
		c0->below_prim = below_prim;
		c0->below_refs = below_refs;
		c0->cont = true;
	}
	c0->ref_first = first;
	return HS_OK;
}

static int
prepare_classes(struct hp *p)
{
	/* which JDK's @Contended classes: a Thread with a FieldHolder is 19's
	 * or later */
	p->contended = contended_classes;
	for (size_t i = 0; i < p->ncls; i++) {
		struct hclass *c = &p->cls[i];
		size_t q = c->fields_off + 2;
		if (strcmp(heap_str(p->b->h, class_name(p, c)), "java.lang.Thread") != 0)
			continue;
		for (unsigned f = 0; f < c->nfields; f++, q += p->idsz + 1)
			if (strcmp(heap_str(p->b->h, string_get(p, rd_id(p, p->d + q))), "holder") == 0)
				p->contended = contended_classes_19;
	}
	for (size_t i = 0; i < p->ncls; i++) {
		int s = prepare_class(p, &p->cls[i]);
		if (s)
			return s;
	}
	p->java_lang_class = p->string_class = NONE;
	for (size_t i = 0; i < p->ncls; i++) {
		const char *n = heap_str(p->b->h, class_name(p, &p->cls[i]));
		if (strcmp(n, "java.lang.Class") == 0 && p->java_lang_class == NONE)
			p->java_lang_class = (uint32_t)i;
		if (strcmp(n, "java.lang.String") == 0 && p->string_class == NONE)
			p->string_class = (uint32_t)i;
	}
	/* java.lang.String's value and coder fields (JDK 9+: byte[] and a byte
	 * coder; before: char[]) */
	if (p->string_class != NONE) {
		struct hclass *c = &p->cls[p->string_class];
		size_t q = c->fields_off + 2;
		uint32_t off = 0;
		bool value = false;
		for (unsigned i = 0; i < c->nfields; i++, q += p->idsz + 1) {
			const char *fn = heap_str(p->b->h, string_get(p, rd_id(p, p->d + q)));
			unsigned t = p->d[q + p->idsz];
			if (strcmp(fn, "value") == 0 && t == T_OBJECT) {
				p->string_value_off = off;
				value = true;
			} else if (strcmp(fn, "coder") == 0 && t == T_BYTE) {
				p->string_coder_off = off;
				p->string_has_coder = true;
			}
			off += dump_size(p, t);
		}
		if (!value)
			p->string_class = NONE;
	}
	return HS_OK;
}

/* --- pass B: ids, edge bound, layout votes ------------------------------------ */

/* Nodes are numbered in file order (the first object of an id wins), but
 * pass D meets references before the objects they point to: it writes the
 * targets' ranks in the id map and numbers the objects as it meets them
 * (perm: rank -> node), then turns the ranks into nodes (finish_edges).
 * So no pass is needed just to number the objects.
 *
 * The votes count the first object of each id only: pass_ids knows it as it
 * adds the id to a bitmap; once the map is built (from pass A's chunks, or
 * sorted when ids spread too wide) pass_vote tells by a bitset of ranks
 * seen. */

struct passc {
	uint64_t edges;
	uint64_t prev_id;
	uint64_t prev_size[NLAYOUTS];
	bool prev;
	uint64_t *seen;		/* ranks seen, for pass_vote */
	/* pass_vote on a prefix (pass A filled the map): it stops once the
	 * layout is clear, and says where */
	bool prefix;
	uint64_t voted;
	size_t stopped_at;
	uint64_t strings, arrays;	/* Strings, byte[] and char[] voted on */
};


static inline uint64_t
align8(uint64_t x)
{
	return (x + 7) & ~(uint64_t)7;
}

/* HotSpot's size of an instance: header, fields, aligned to 8.  Under a
 * @Contended class (java.lang.Thread, ForkJoinPool...), that class's
 * layout with its pads (contended_end), then the fields of the classes
 * below it. */
static inline uint64_t
instance_size(const struct hclass *c, unsigned ref, unsigned klass)
{
	uint64_t ptrs = (uint64_t)c->inj_ptrs * (klass == 0 ? 4 : 8);	/* (32-bit: 4) */
	if (c->cont)
		return align8(c->cont_end[layout_index(ref, klass)] + (uint64_t)c->below_prim +
		              (uint64_t)c->below_refs * ref + ptrs);
	return align8(8 + klass + (uint64_t)c->prim + ptrs + (uint64_t)(c->nrefs + c->inj_refs) * ref);
}

static inline uint64_t
array_size(uint64_t n, unsigned esize, unsigned klass)
{
	if (klass == 0)		/* 32-bit: 12 bytes, 8-byte elements from 16 */
		return align8((esize == 8 ? 16 : 12) + n * esize);
	return align8((klass == 4 ? 16 : 24) + n * esize);
}

/* The edges and the layout votes of the first object of an id, in file
 * order; a later object with the same id breaks the chain of distances. */
static void
vote_object(struct hp *p, uint8_t tag, size_t body, bool first)
{
	struct passc *s = p->pc;
	const unsigned I = p->idsz;
	const uint8_t *d = p->d;
	uint64_t id = rd_id(p, d + body);
	uint64_t size[NLAYOUTS] = { 0 };
	bool sized = false;

	if (!first) {
		s->prev = false;
		return;	/* a second object with the same id */
	}
	switch (tag) {
	case SUB_CLASS_DUMP: {
		struct hclass *c = class_of(p, id);
		s->edges += 5 + (c ? c->static_nref : 0);
		break;
	}
	case SUB_INSTANCE_DUMP: {
		struct hclass *c = class_of(p, rd_id(p, d + body + I + 4));
		if (c && p->string_class != NONE && c == &p->cls[p->string_class])
			s->strings++;
		if (c) {
			s->edges += c->nrefs;
			for (int h = 0; h < NLAYOUTS; h++)
				size[h] = instance_size(c, layout_ref[h], layout_klass[h]);
			sized = true;
		}
		break;
	}
	case SUB_OBJ_ARRAY_DUMP: {
		uint32_t n = be32(d + body + I + 4);
		s->edges += n;
		for (int h = 0; h < NLAYOUTS; h++)
			size[h] = array_size(n, layout_ref[h], layout_klass[h]);
		sized = true;
		break;
	}
	default: {	/* primitive arrays */
		uint32_t n = be32(d + body + I + 4);
		unsigned es = dump_size(p, d[body + I + 8]);
		if (d[body + I + 8] == T_BYTE || d[body + I + 8] == T_CHAR)
			s->arrays++;
		for (int h = 0; h < NLAYOUTS; h++)
			size[h] = array_size(n, es, layout_klass[h]);
		sized = true;
		break;
	}
	}
	if (s->prev && id > s->prev_id) {
		uint64_t delta = id - s->prev_id;
		for (int h = 0; h < NLAYOUTS; h++) {
			if (s->prev_size[h] == delta)
				p->votes[h]++;
			if (((s->prev_size[h] + 15) & ~(uint64_t)15) == delta)
				p->votes[h + NLAYOUTS]++;	/* the same, 16-byte aligned */
		}
	}
	s->prev = sized;
	s->prev_id = id;
	memcpy(s->prev_size, size, sizeof size);
}

static int
pass_ids(struct hp *p, uint8_t tag, size_t at, size_t body, size_t end)
{
	bool first = idmap_add(p->map, rd_id(p, p->d + body));
	(void)at, (void)end;
	if (p->map->bits)
		vote_object(p, tag, body, first);
	return HS_OK;
}

#define WALK_STOP 1	/* an object_fn's "enough": walk() returns it */
#define VOTES_ENOUGH 1000000	/* objects voted before a prefix may stop */

/* The votes once the map is built (a sorted array, or a bitmap pass A
 * filled): over the whole file, or a prefix of it until one layout leads
 * clearly: by a sixteenth of the objects voted on, after a million.  (The
 * layouts agree on objects without references, so the leader's votes are
 * not always many times the next one's: on a JDK 17 dump of 18 M objects
 * 17.5 M against 8.7 M.) */
static int
pass_vote(struct hp *p, uint8_t tag, size_t at, size_t body, size_t end)
{
	struct passc *c = p->pc;
	uint32_t r = idmap_rank(p->map, rd_id(p, p->d + body));
	bool first = r != NONE && !(c->seen[r >> 6] >> (r & 63) & 1);
	(void)end;
	if (first)
		c->seen[r >> 6] |= 1ULL << (r & 63);
	vote_object(p, tag, body, first);
	if (c->prefix && ++c->voted >= VOTES_ENOUGH && (c->voted & 0xffff) == 0) {
		uint64_t best = 0, next = 0;
		for (int h = 0; h < 2 * NLAYOUTS; h++)
			if (p->votes[h] > best) {
				next = best;
				best = p->votes[h];
			} else if (p->votes[h] > next) {
				next = p->votes[h];
			}
		if (best - next >= c->voted / 16 && best - next >= 10000) {
			c->stopped_at = at;
			return WALK_STOP;
		}
	}
	return HS_OK;
}

/* --- pass D: nodes and edges ------------------------------------------------------- */

/* --- edge types and names, kept small ------------------------------------------
 * The heap keeps the edges' targets only (hb_edge_targets_only).  An
 * instance's edges are its non-null reference fields, in its class's
 * flattened field order; an object array's are its non-null elements in
 * index order.  So for each edge 4 bits say how many fields (elements)
 * were skipped since the last edge (GAP_BIG: the count is in a side table),
 * and the names come back from the class's fields (the index).  Other
 * nodes -- the roots' groups, class objects, threads with local roots,
 * instances of a class whose name another class with other reference
 * fields shares -- have their edges' types and names listed as they are:
 * few.  Half a byte an edge instead of 3 (a 16-bit name and a type). */
/* 4 bits an edge: the gaps are mostly 0 (dense arrays, fields in a row);
 * 15 and more go to the side table (measured on an 18 M-object dump: 38 of
 * 20 M edges). */
#define GAP_BITS 4
#define GAP_BIG 15

struct ecodec {
	uint8_t *gap;		/* GAP_BITS per edge, packed (unused for listed nodes') */
	uint32_t *big_edge, *big_gap;	/* gaps >= GAP_BIG, edges ascending */
	uint32_t nbig, capbig;
	uint32_t *x_node, *x_first;	/* listed nodes, ascending, and where */
	uint32_t nx, capx;
	uint8_t *x_type;
	uint32_t *x_name;
	uint32_t nxe, capxe;
	/* instance classes by java name (string id, ascending): the names of
	 * their reference fields, ref_name[ref_first ...] */
	struct elayout {
		uint32_t name, ref_first, nrefs;
		uint32_t referent;	/* the referent's place (NONE), */
		uint8_t referent_type;	/* and its edge type */
	} *lay;
	uint32_t nlay;
	uint32_t *ref_name;
	uint8_t t_instance, t_objarray, e_field, e_element;
	uint32_t s_empty;
};

int hprof_edges_listed;	/* tests: every node's edges listed */

static void
ecodec_free(void *ctx)
{
	struct ecodec *c = ctx;
	if (c == NULL)
		return;
	free(c->gap);
	free(c->big_edge);
	free(c->big_gap);
	free(c->x_node);
	free(c->x_first);
	free(c->x_type);
	free(c->x_name);
	free(c->lay);
	free(c->ref_name);
	free(c);
}

static void
ecodec_edges(void *ctx, const struct heap *h, uint32_t n, uint32_t first, uint32_t count,
             uint8_t *types, uint32_t *names)
{
	const struct ecodec *c = ctx;
	uint32_t k = bits_find(c->x_node, c->nx, n), j, type;
	const struct elayout *lay = NULL;
	uint64_t pos = 0;

	if (k != UINT32_MAX) {
		uint32_t at = c->x_first[k], end = k + 1 < c->nx ? c->x_first[k + 1] : c->nxe;
		for (uint32_t i = 0; i < count; i++) {
			types[i] = at + i < end ? c->x_type[at + i] : c->e_field;
			names[i] = at + i < end ? c->x_name[at + i] : c->s_empty;
		}
		return;
	}
	type = heap_node_type(h, n);
	if (type == c->t_instance) {
		uint32_t name = h->classes[heap_node_class(h, n)].name;
		uint32_t lo = 0, hi = c->nlay;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (c->lay[mid].name < name)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < c->nlay && c->lay[lo].name == name)
			lay = &c->lay[lo];
	}
	j = bits_lower_bound(c->big_edge, c->nbig, first);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t g = bits_packed_get(c->gap, GAP_BITS, first + i);
		if (g == GAP_BIG && j < c->nbig && c->big_edge[j] == first + i)
			g = c->big_gap[j++];
		pos += g;
		if (type == c->t_objarray) {
			types[i] = c->e_element;
			names[i] = (uint32_t)pos;
		} else {
			types[i] = lay && pos == lay->referent ? lay->referent_type : c->e_field;
			names[i] = lay && pos < lay->nrefs ? c->ref_name[lay->ref_first + pos] : c->s_empty;
		}
		pos++;
	}
}

static const struct heap_edge_source ecodec_source = { ecodec_edges, ecodec_free };

struct passd {
	uint32_t node;		/* next node expected */
	uint32_t edge;		/* next edge */
	uint32_t edge_cap;
	struct ecodec *ec;	/* the heap's (hb_edge_targets_only) */
	bool listed;		/* this node's edges go to the list */
	uint32_t next_pos;	/* the field (element) after the last edge's */
	struct hlocal *locals;	/* sorted by thread rank */
	size_t nlocals;
	uint64_t *threads;	/* bitset of the threads' ranks */
	/* java.lang.String instances and their value arrays (compressed
	 * dumps: plain ones read them when shown) */
	struct __attribute__((packed)) spair {	/* 9 bytes, not 12: 3 M Strings */
		uint32_t array, string;
		uint8_t coder;
	} *strings;
	size_t nstrings, capstrings;
	/* byte[] and char[] arrays (the candidates for String values), in
	 * node order, with the file offset of their record's body: pass E
	 * reads just these instead of walking the file again */
	struct __attribute__((packed)) sarray {	/* 12 bytes, not 16 */
		uint32_t node;
		uint64_t body;
	} *arrays;
	size_t narrays, caparrays;
	/* threads (instances of java.lang.Thread and below) and the rank
	 * (then node) of their name, in node order: labelled after it */
	struct tname *tnames;
	size_t ntnames, captnames;
	/* the referent edges (hb_soft_edges) */
	uint32_t *soft;
	size_t nsoft, capsoft;
};

/* More room for edges: the count pass B (or a prefix) gave is short. */
static bool
edges_grow(struct hp *p, struct passd *s)
{
	uint64_t cap = (uint64_t)s->edge_cap + s->edge_cap / 2 + (1u << 16);
	if (s->edge_cap >= NONE - 1)
		return false;
	prefault_stop(p->pf);	/* it would fault the old arrays in */
	p->pf = NULL;
	if (cap > NONE - 1)
		cap = NONE - 1;
	hb_edges_reserve(p->b, (uint32_t)cap);
	s->ec->gap = xreallocarray(s->ec->gap, bits_packed_bytes(cap, GAP_BITS), 1);
	s->edge_cap = (uint32_t)cap;
	return true;
}

/* The next node's edges: listed or not. */
static void
edges_begin(struct passd *s, uint32_t v, bool listed)
{
	struct ecodec *c = s->ec;
	s->listed = listed || hprof_edges_listed;
	s->next_pos = 0;
	if (!s->listed)
		return;
	if (c->nx == c->capx) {
		size_t cap = c->capx;
		XGROW(c->x_node, cap, (size_t)c->nx + 1);
		c->x_first = xreallocarray(c->x_first, cap, sizeof *c->x_first);
		c->capx = (uint32_t)cap;
	}
	c->x_node[c->nx] = v;
	c->x_first[c->nx] = c->nxe;
	c->nx++;
}

/* Edge e's type and name, or its position (field or element) past the
 * last edge's. */
static void
edge_note(struct passd *s, uint32_t e, int type, uint32_t name, uint32_t pos)
{
	struct ecodec *c = s->ec;
	uint32_t g;

	if (s->listed) {
		if (c->nxe == c->capxe) {
			size_t cap = c->capxe;
			if (cap >= NONE / 2)
				return;	/* more than 2^31 listed: named "" */
			XGROW(c->x_type, cap, (size_t)c->nxe + 1);
			c->x_name = xreallocarray(c->x_name, cap, sizeof *c->x_name);
			c->capxe = (uint32_t)cap;
		}
		c->x_type[c->nxe] = (uint8_t)type;
		c->x_name[c->nxe] = name;
		c->nxe++;
		return;
	}
	g = pos - s->next_pos;
	s->next_pos = pos + 1;
	if (g < GAP_BIG) {
		bits_packed_set(c->gap, GAP_BITS, e, g);
		return;
	}
	bits_packed_set(c->gap, GAP_BITS, e, GAP_BIG);
	if (c->nbig == c->capbig) {
		size_t cap = c->capbig;
		XGROW(c->big_edge, cap, (size_t)c->nbig + 1);
		c->big_gap = xreallocarray(c->big_gap, cap, sizeof *c->big_gap);
		c->capbig = (uint32_t)cap;
	}
	c->big_edge[c->nbig] = e;
	c->big_gap[c->nbig] = g;
	c->nbig++;
}

/* An edge; pos: its field's (element's) position, for nodes not listed. */
static inline void
edge(struct hp *p, struct passd *s, int type, uint32_t name, uint32_t to, uint32_t pos)
{
	if (s->edge < s->edge_cap || edges_grow(p, s)) {
		hb_edge(p->b, s->edge, (uint8_t)type, name, to);
		edge_note(s, s->edge, type, name, pos);
	}
	if (s->edge < NONE)
		s->edge++;
}

/* Appends the thread-local roots that hang under the object of rank r. */
static void
local_edges(struct hp *p, struct passd *s, uint32_t r)
{
	size_t lo = 0, hi = s->nlocals;
	if (!(s->threads[r >> 6] >> (r & 63) & 1))
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->locals[mid].thread < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->nlocals && s->locals[lo].thread == r; lo++)
		edge(p, s, p->e_root, s->locals[lo].name, s->locals[lo].target, 0);
}

static int
pass_nodes(struct hp *p, uint8_t tag, size_t at, size_t body, size_t end)
{
	struct passd *s = p->pd;
	const unsigned I = p->idsz;
	const uint8_t *d = p->d;
	const unsigned ref = p->ref_size, klass = p->header - 8;
	uint64_t id = rd_id(p, d + body);
	uint32_t rank = idmap_rank(p->map, id), v = s->node, e0 = s->edge, t;
	uint64_t self = 0;
	uint32_t name = p->s_empty;
	int type;

	if (rank == NONE || (p->rank_met[rank >> 6] >> (rank & 63) & 1)) {
		/* a duplicate id: the first object won */
		if (p->lf) {
			XGROW(p->lf->skip, p->lf->capskip, p->lf->nskip + 1);
			p->lf->skip[p->lf->nskip++] = at;
		}
		return HS_OK;
	}
	p->rank_met[rank >> 6] |= 1ULL << (rank & 63);
	p->perm[rank] = v;
	if ((v & 4095) == 0) {
		prefault_progress(p->pf, 0, v);
		prefault_progress(p->pf, 1, s->edge);
	}
	if (p->lf && ((v & 63) == 0 || v == p->base))
		p->lf->block[v >> 6] = at;
	{
		/* listed: class objects, threads with local roots, instances of
		 * a shared class name */
		bool listed = tag == SUB_CLASS_DUMP || (s->threads[rank >> 6] >> (rank & 63) & 1);
		if (tag == SUB_INSTANCE_DUMP && !listed) {
			const struct hclass *c = class_of(p, rd_id(p, d + body + I + 4));
			listed = c != NULL && c->shared;
		}
		edges_begin(s, v, listed);
	}
	switch (tag) {
	case SUB_CLASS_DUMP: {
		struct hclass *c = class_of(p, id);
		size_t q;
		type = p->t_class;
		if (c == NULL || c->off != body) {
			/* a second CLASS DUMP of a known id: a plain node */
			name = p->s_empty;
			break;
		}
		name = p->java_lang_class != NONE ? class_name(p, &p->cls[p->java_lang_class]) : class_name(p, c);
		hb_label(p->b, v, class_name(p, c));
		self = p->java_lang_class != NONE ? instance_size(&p->cls[p->java_lang_class], ref, klass) : 0;
		self = align8(self + c->static_prim + (uint64_t)c->static_nref * ref);
		if (c->super && (t = idmap_rank(p->map, c->super)) != NONE)
			edge(p, s, p->e_internal, p->s_super, t, 0);
		if (c->loader && (t = idmap_rank(p->map, c->loader)) != NONE)
			edge(p, s, p->e_internal, p->s_loader, t, 0);
		if (c->signers && (t = idmap_rank(p->map, c->signers)) != NONE)
			edge(p, s, p->e_internal, p->s_signers, t, 0);
		if (c->domain && (t = idmap_rank(p->map, c->domain)) != NONE)
			edge(p, s, p->e_internal, p->s_domain, t, 0);
		q = c->statics_off + 2;
		for (unsigned i = 0; i < c->nstatics; i++) {
			unsigned ty = d[q + I], sz = dump_size(p, ty);
			if (ty == T_OBJECT) {
				uint64_t r = rd_id(p, d + q + I + 1);
				if (r && (t = idmap_rank(p->map, r)) != NONE)
					edge(p, s, p->e_static, string_get(p, rd_id(p, d + q)), t, 0);
			}
			q += I + 1 + sz;
		}
		break;
	}
	case SUB_INSTANCE_DUMP: {
		uint64_t cid = rd_id(p, d + body + I + 4);
		struct hclass *c = class_of(p, cid);
		uint32_t nbytes = be32(d + body + 2 * I + 4);
		const uint8_t *f = d + body + 2 * I + 8;
		type = p->t_instance;
		if (c == NULL) {
			char buf[48];
			int n = snprintf(buf, sizeof buf, "class@0x%" PRIx64, cid);
			name = strtab_intern(&p->b->h->strings, buf, (size_t)n);
			self = align8(p->header + (uint64_t)nbytes);
			break;
		}
		name = class_name(p, c);
		if (nbytes < c->payload)
			return bad(p, at, "INSTANCE DUMP of 0x%" PRIx64 ": %" PRIu32
			           " bytes of fields, but its class %s declares %" PRIu32,
			           id, nbytes, heap_str(p->b->h, name), c->payload);
		self = instance_size(c, ref, klass);
		for (uint32_t i = 0; i < c->nrefs; i++) {
			const struct href *r = &p->refs[c->ref_first + i];
			uint64_t x = rd_id(p, f + r->offset);
			if (x == 0 || (t = idmap_rank(p->map, x)) == NONE)
				continue;
			if (i == c->referent_ref) {
				/* a Reference's referent: retains, makes no path */
				XGROW(s->soft, s->capsoft, s->nsoft + 1);
				s->soft[s->nsoft++] = s->edge;
				edge(p, s, p->e_ref[c->ref_kind], r->name, t, i);
			} else {
				edge(p, s, p->e_field, r->name, t, i);
			}
		}
		if (c->name_ref != NONE) {
			uint64_t x = rd_id(p, f + p->refs[c->ref_first + c->name_ref].offset);
			if (x && (t = idmap_rank(p->map, x)) != NONE) {
				XGROW(s->tnames, s->captnames, s->ntnames + 1);
				s->tnames[s->ntnames].thread = v;
				s->tnames[s->ntnames].name = t;
				s->tnames[s->ntnames].cls = class_name(p, c);
				s->ntnames++;
			}
		}
		if (!p->lf && p->string_class != NONE && c == &p->cls[p->string_class]) {
			uint64_t x = rd_id(p, f + p->string_value_off);
			if (x && (t = idmap_rank(p->map, x)) != NONE) {
				XGROW(s->strings, s->capstrings, s->nstrings + 1);
				s->strings[s->nstrings].array = t;
				s->strings[s->nstrings].string = v;
				s->strings[s->nstrings].coder =
					p->string_has_coder ? f[p->string_coder_off] : 0;
				s->nstrings++;
			}
		}
		break;
	}
	case SUB_OBJ_ARRAY_DUMP: {
		uint32_t n = be32(d + body + I + 4);
		uint64_t cid = rd_id(p, d + body + I + 8);
		struct hclass *c = class_of(p, cid);
		const uint8_t *el = d + body + 2 * I + 8;
		type = p->t_objarray;
		name = c ? class_name(p, c) : strtab_intern_cstr(&p->b->h->strings, "java.lang.Object[]");
		self = array_size(n, ref, klass);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t x = rd_id(p, el + (size_t)i * I);
			if (x && (t = idmap_rank(p->map, x)) != NONE)
				edge(p, s, p->e_element, i, t, i);
		}
		break;
	}
	default: {
		uint32_t n = be32(d + body + I + 4);
		unsigned et = d[body + I + 8];
		type = p->t_primarray;
		name = p->type_name[et];
		self = array_size(n, dump_size(p, et), klass);
		if (tag == SUB_PRIM_ARRAY_DUMP && (et == T_BYTE || et == T_CHAR) &&
		    p->string_class != NONE && !p->lf) {
			XGROW(s->arrays, s->caparrays, s->narrays + 1);
			s->arrays[s->narrays].node = v;
			s->arrays[s->narrays].body = body;
			s->narrays++;
		}
		break;
	}
	}
	(void)end;
	local_edges(p, s, rank);
	if (p->align16)
		self = (self + 15) & ~(uint64_t)15;
	if (self > UINT32_MAX)
		self = UINT32_MAX;
	hb_rank_hint(p->b, rank);
	hb_node(p->b, v, (uint8_t)type, name, id, (uint32_t)self, s->edge - e0);
	s->node++;
	return HS_OK;
}

/* --- pass E: string values ----------------------------------------------------------- */

#define LABEL_MAX 80	/* bytes of a string's value kept as its label */



/* Appends code point cp as UTF-8 (a lone surrogate as U+FFFD). */
static size_t
put_utf8(char *o, uint32_t cp)
{
	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Units of a string's value the label can show: reading more changes
 * nothing (each unit makes at least one byte; one more for a surrogate). */
#define LABEL_UNITS (LABEL_MAX + 2)
#define LABEL_BUF (LABEL_MAX + 16)

/* The label of a string: its value quoted, control characters escaped,
 * cut at LABEL_MAX bytes with an ellipsis, written into buf (LABEL_BUF
 * bytes, not terminated).  a holds n elements of basic type et (byte or
 * char), or at least LABEL_UNITS units of them. */
static size_t
label_format(char *buf, const uint8_t *a, uint32_t n, unsigned et, uint8_t coder)
{
	size_t o = 0;
	bool utf16 = et == T_CHAR || (et == T_BYTE && coder == 1);
	uint32_t units = utf16 ? (et == T_CHAR ? n : n / 2) : n;

	buf[o++] = '"';
	for (uint32_t i = 0; i < units; i++) {
		uint32_t cp;
		if (o > LABEL_MAX) {
			memcpy(buf + o, "\xe2\x80\xa6", 3);	/* ... */
			o += 3;
			break;
		}
		if (!utf16) {
			cp = a[i];
		} else if (et == T_CHAR) {
			cp = be16(a + 2 * (size_t)i);	/* char[]: big-endian in the dump */
		} else {
			/* JDK 9+ UTF16 coder: the VM's byte order, little-endian on x86 */
			cp = (uint32_t)a[2 * (size_t)i] | (uint32_t)a[2 * (size_t)i + 1] << 8;
		}
		if (utf16 && cp >= 0xD800 && cp <= 0xDBFF && i + 1 < units) {
			uint32_t lo = et == T_CHAR ? be16(a + 2 * (size_t)(i + 1))
			                           : ((uint32_t)a[2 * (size_t)(i + 1)] |
			                              (uint32_t)a[2 * (size_t)(i + 1) + 1] << 8);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			}
		}
		if (cp < 0x20 || cp == 0x7F) {
			static const char hex[] = "0123456789abcdef";
			buf[o++] = '\\';
			if (cp == '\n')
				buf[o++] = 'n';
			else if (cp == '\t')
				buf[o++] = 't';
			else if (cp == '\r')
				buf[o++] = 'r';
			else {
				buf[o++] = 'x';
				buf[o++] = hex[cp >> 4];
				buf[o++] = hex[cp & 15];
			}
		} else {
			o += put_utf8(buf + o, cp);
		}
	}
	buf[o++] = '"';
	return o;
}

static uint32_t
string_label(struct hp *p, const uint8_t *a, uint32_t n, unsigned et, uint8_t coder)
{
	char buf[LABEL_BUF];
	return strtab_intern(&p->b->h->strings, buf, label_format(buf, a, n, et, coder));
}

/* Lazy labels of a plain file: a String's value is read when the String is
 * shown, not while loading (3 M Strings: 0.8 s and ~100 MB of labels
 * saved), and nothing is kept a String.  Nodes are numbered in file order:
 * pass D notes where each block of 64 nodes begins, and a node's record is
 * found from there by stepping over the sub-records before it (the objects
 * that are no node, duplicates, are listed).  The String's record gives its
 * value's id and coder, the value is its edge to the node of that id, and
 * that node's record the characters.  The file may have changed since:
 * every read is checked again. */
/* n bytes of the file from off (n <= LF_WINDOW), or NULL past its end. */
static const uint8_t *
lf_get(struct lazy_file *lf, uint64_t off, size_t n)
{
	ssize_t got;

	if (off >= lf->win_off && off - lf->win_off <= lf->win_len &&
	    lf->win_len - (off - lf->win_off) >= n)
		return lf->win + (off - lf->win_off);
	if (off > (uint64_t)INT64_MAX - LF_WINDOW)
		return NULL;
	got = pread(lf->fd, lf->win, LF_WINDOW, (off_t)off);
	lf->win_off = off;
	lf->win_len = got > 0 ? (size_t)got : 0;
	return lf->win_len >= n ? lf->win : NULL;
}

/* The length of the CLASS DUMP at q, tag included; 0 when it makes no
 * sense. */
static uint64_t
lf_class_len(struct lazy_file *lf, uint64_t q)
{
	const unsigned I = lf->idsz;
	uint64_t o = q + 1 + 7 * (uint64_t)I + 8;
	const uint8_t *s;
	unsigned n, sz;

	/* constant pool (index, type, value), statics (name, type, value) */
	for (int part = 0; part < 2; part++) {
		const unsigned head = part ? I + 1 : 3;
		if ((s = lf_get(lf, o, 2)) == NULL)
			return 0;
		n = be16(s);
		o += 2;
		for (unsigned i = 0; i < n; i++) {
			if ((s = lf_get(lf, o, head)) == NULL || (sz = basic_size(I, s[head - 1])) == 0)
				return 0;
			o += head + sz;
		}
	}
	/* instance fields: name, type */
	if ((s = lf_get(lf, o, 2)) == NULL)
		return 0;
	return o + 2 + (uint64_t)be16(s) * (I + 1) - q;
}

/* The length of the sub-record at q, tag included, and its tag; 0 when it
 * does not end by e or makes no sense. */
static uint64_t
lf_sublen(struct lazy_file *lf, uint64_t q, uint64_t e, uint8_t *tag)
{
	const unsigned I = lf->idsz;
	const uint8_t *s = lf_get(lf, q, 1);
	uint64_t len;
	unsigned sz;

	if (s == NULL)
		return 0;
	*tag = s[0];
	switch (*tag) {
	case SUB_CLASS_DUMP:
		len = lf_class_len(lf, q);
		break;
	case SUB_INSTANCE_DUMP:
		if ((s = lf_get(lf, q, 2 * I + 9)) == NULL)
			return 0;
		len = 2 * I + 9 + (uint64_t)be32(s + 2 * I + 5);
		break;
	case SUB_OBJ_ARRAY_DUMP:
		if ((s = lf_get(lf, q, 2 * I + 9)) == NULL)
			return 0;
		len = 2 * I + 9 + (uint64_t)be32(s + I + 5) * I;
		break;
	case SUB_PRIM_ARRAY_DUMP: case SUB_PRIM_ARRAY_NODATA:
		if ((s = lf_get(lf, q, I + 10)) == NULL)
			return 0;
		sz = basic_size(I, s[I + 9]);
		if (sz == 0 || s[I + 9] == T_OBJECT)
			return 0;
		len = I + 10 + (*tag == SUB_PRIM_ARRAY_DUMP ? (uint64_t)be32(s + I + 5) * sz : 0);
		break;
	default:
		len = fixed_body(I, *tag);
		if (len == 0)
			return 0;
		len++;
		break;
	}
	return q < e && len <= e - q ? len : 0;
}

/* Where node v's sub-record is, or UINT64_MAX. */
static uint64_t
lf_find(struct lazy_file *lf, uint32_t v)
{
	const uint32_t k = v >> 6;
	uint32_t at;
	uint64_t q;
	size_t sg, sk, lo, hi;

	if (v < lf->base || k >= lf->nblocks)
		return UINT64_MAX;
	if (v == lf->last_v && lf->last_q != UINT64_MAX)
		return lf->last_q;	/* the inspector asks a row's values cell by cell */
	at = k == lf->base >> 6 ? lf->base : k << 6;
	q = lf->block[k];
	/* its heap dump record: the last to begin at q or before */
	for (lo = 0, hi = lf->nseg; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		if (lf->seg[2 * mid] <= q)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return UINT64_MAX;
	sg = lo - 1;
	/* the first object that is no node from q on */
	for (lo = 0, hi = lf->nskip; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		if (lf->skip[mid] < q)
			lo = mid + 1;
		else
			hi = mid;
	}
	sk = lo;
	for (;;) {
		uint64_t len;
		uint8_t tag;
		if (q >= lf->seg[2 * sg + 1]) {
			if (++sg == lf->nseg)
				return UINT64_MAX;
			q = lf->seg[2 * sg];
			continue;
		}
		len = lf_sublen(lf, q, lf->seg[2 * sg + 1], &tag);
		if (len == 0)
			return UINT64_MAX;
		if (tag == SUB_CLASS_DUMP || tag == SUB_INSTANCE_DUMP || tag == SUB_OBJ_ARRAY_DUMP ||
		    tag == SUB_PRIM_ARRAY_DUMP || tag == SUB_PRIM_ARRAY_NODATA) {
			if (sk < lf->nskip && lf->skip[sk] == q) {
				sk++;
			} else if (at++ == v) {
				lf->last_v = v;
				lf->last_q = q;
				return q;
			}
		}
		q += len;
	}
}

/* The label of a byte[] or char[] node a as a String's value with coder
 * (label_format), read from the file; SIZE_MAX for any other node. */
static size_t
lazy_chars(struct lazy_file *lf, const struct heap *h, uint32_t a, uint8_t coder, char *out, size_t size)
{
	const unsigned I = lf->idsz;
	const uint8_t *s;
	char buf[LABEL_BUF];
	uint64_t q = lf_find(lf, a);
	uint32_t n, bytes;
	unsigned et;
	size_t len;

	if (q == UINT64_MAX || (s = lf_get(lf, q, I + 10)) == NULL || s[0] != SUB_PRIM_ARRAY_DUMP ||
	    rd_idn(I, s + 1) != heap_node_id(h, a))
		return SIZE_MAX;
	n = be32(s + I + 5);
	et = s[I + 9];
	if (et != T_BYTE && et != T_CHAR)
		return SIZE_MAX;
	bytes = et == T_CHAR ? (n > LABEL_UNITS ? LABEL_UNITS : n) * 2
	                         : (n > 2 * LABEL_UNITS ? 2 * LABEL_UNITS : n);
	if ((s = lf_get(lf, q + I + 10, bytes)) == NULL)
		return SIZE_MAX;	/* shorter than when it was loaded */
	len = label_format(buf, s, et == T_CHAR ? bytes / 2 : bytes, et, coder);
	if (size == 0)
		return len;
	if (len >= size)
		len = size - 1;
	memcpy(out, buf, len);
	out[len] = '\0';
	return len;
}

static size_t
lazy_string(struct lazy_file *lf, const struct heap *h, uint32_t v, char *out, size_t size)
{
	const unsigned I = lf->idsz;
	const uint8_t *s;
	uint64_t q = lf_find(lf, v), value;
	uint32_t n, a = HEAP_NONE;
	uint8_t coder = 0;

	/* the String: an instance of java.lang.String with v's id */
	if (!lf->has_string || q == UINT64_MAX || (s = lf_get(lf, q, 2 * I + 9)) == NULL || s[0] != SUB_INSTANCE_DUMP ||
	    rd_idn(I, s + 1) != heap_node_id(h, v) || rd_idn(I, s + I + 5) != lf->string_class)
		return SIZE_MAX;
	n = be32(s + 2 * I + 5);	/* its fields' bytes */
	q += 2 * I + 9;
	if ((uint64_t)lf->value_off + I > n || (lf->has_coder && lf->coder_off >= n))
		return SIZE_MAX;
	if (lf->has_coder) {
		if ((s = lf_get(lf, q + lf->coder_off, 1)) == NULL)
			return SIZE_MAX;
		coder = s[0];
	}
	if ((s = lf_get(lf, q + lf->value_off, I)) == NULL)
		return SIZE_MAX;
	value = rd_idn(I, s);
	/* its value: the edge to the node of that id, a byte[] or char[] */
	for (uint32_t e = heap_first_edge(h, v), end = heap_first_edge(h, v + 1); e < end; e++)
		if (heap_node_id(h, heap_edge_to(h, e)) == value) {
			a = heap_edge_to(h, e);
			break;
		}
	if (a == HEAP_NONE)
		return SIZE_MAX;
	return lazy_chars(lf, h, a, coder, out, size);
}

static int
tname_cmp(const void *a, const void *b)
{
	const struct tname *x = a, *y = b;
	return (x->thread > y->thread) - (x->thread < y->thread);
}

/* "java.lang.Thread \"main\"": a thread's class and its name's label (""
 * past size; SIZE_MAX when the name has none).  name_label: the String's. */
static size_t
thread_label(const char *cls, const char *name_label, size_t name_len, char *out, size_t size)
{
	size_t cl = strlen(cls), len = cl + 1 + name_len;
	if (size == 0)
		return len;
	if (len >= size)
		len = size - 1;
	snprintf(out, size, "%s %.*s", cls, (int)name_len, name_label);
	return len;
}

/* The heap's make(): a String's value, or a thread's name. */
static size_t
lazy_make(void *ctx, const struct heap *h, uint32_t v, char *out, size_t size)
{
	struct lazy_file *lf = ctx;
	struct tname key = { .thread = v }, *t;
	char name[LABEL_BUF];
	size_t n;

	t = lf->nthreads ? bsearch(&key, lf->threads, lf->nthreads, sizeof key, tname_cmp) : NULL;
	if (t == NULL)
		return lazy_string(lf, h, v, out, size);
	/* a String (JDK 9 and later), or a char[] (JDK 8's Thread.name) */
	if ((n = lazy_string(lf, h, t->name, name, sizeof name)) == SIZE_MAX &&
	    (n = lazy_chars(lf, h, t->name, 0, name, sizeof name)) == SIZE_MAX)
		return SIZE_MAX;
	return thread_label(heap_str(h, t->cls), name, n, out, size);
}

/* The threads pass D saw: labelled when shown, as strings are. */
static void
lf_threads(struct lazy_file *lf, struct heap_builder *b, struct passd *s)
{
	uint32_t *nodes;
	if (s->ntnames == 0 || s->ntnames > NONE)
		return;
	qsort(s->tnames, s->ntnames, sizeof *s->tnames, tname_cmp);
	nodes = xmallocarray(s->ntnames, sizeof *nodes);
	for (size_t i = 0; i < s->ntnames; i++)
		nodes[i] = s->tnames[i].thread;
	hb_lazy_nodes(b, nodes, (uint32_t)s->ntnames);
	free(nodes);
	lf->threads = s->tnames;
	lf->nthreads = (uint32_t)s->ntnames;
	s->tnames = NULL;
	s->ntnames = 0;
}

/* A float or double as Java's Float.toString and Double.toString write
 * it: the fewest digits that read back to the same number, in plain
 * notation from 10^-3 up to 10^7 ("0.1", "100.0"), else as "1.0E10". */
static void
java_double(char *out, size_t size, double x, bool is_float)
{
	char e[48], dig[24];
	size_t nd = 0, o = 0;
	int exp;
	const char *c;

	if (x != x) {
		snprintf(out, size, "NaN");
		return;
	}
	if (x - x != 0) {
		snprintf(out, size, "%sInfinity", x < 0 ? "-" : "");
		return;
	}
	if (x == 0) {
		snprintf(out, size, "%s0.0", signbit(x) ? "-" : "");
		return;
	}
	/* Java (Double.toString's rules): of the shortest decimals that read
	 * back to x, the closest; where one digit does, the closest of one or
	 * two digits (Float.MIN_VALUE is 1.4E-45, not 1.0E-45).  %.*e rounds
	 * correctly, so the closest of a length is the one it writes. */
	for (int prec = 2; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, x);
		if (is_float ? (float)strtod(e, NULL) == (float)x : strtod(e, NULL) == x)
			break;
	}
	/* e: [-]d[.ddd]e[+-]XX */
	for (c = e; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9' && nd < sizeof dig)
			dig[nd++] = *c;
	exp = *c ? atoi(c + 1) : 0;
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	char buf[64];
	if (x < 0)
		buf[o++] = '-';
	if (exp >= -3 && exp < 7) {
		if (exp < 0) {
			buf[o++] = '0';
			buf[o++] = '.';
			for (int k = -1; k > exp; k--)
				buf[o++] = '0';
			for (size_t k = 0; k < nd; k++)
				buf[o++] = dig[k];
		} else {
			for (int k = 0; k <= exp; k++)
				buf[o++] = (size_t)k < nd ? dig[k] : '0';
			buf[o++] = '.';
			if ((size_t)exp + 1 >= nd)
				buf[o++] = '0';
			for (size_t k = (size_t)exp + 1; k < nd; k++)
				buf[o++] = dig[k];
		}
		buf[o] = '\0';
	} else {
		buf[o++] = dig[0];
		buf[o++] = '.';
		if (nd == 1)
			buf[o++] = '0';
		for (size_t k = 1; k < nd; k++)
			buf[o++] = dig[k];
		snprintf(buf + o, sizeof buf - o, "E%d", exp);
	}
	snprintf(out, size, "%s", buf);
}

/* Values: a field's or element's bytes as Java prints them. */
static void
value_format(char *out, size_t size, const uint8_t *b, unsigned t)
{
	switch (t) {
	case T_BOOLEAN: snprintf(out, size, "%s", b[0] ? "true" : "false"); break;
	case T_BYTE: snprintf(out, size, "%d", (int8_t)b[0]); break;
	case T_SHORT: snprintf(out, size, "%d", (int16_t)be16(b)); break;
	case T_INT: snprintf(out, size, "%" PRId32, (int32_t)be32(b)); break;
	case T_LONG: snprintf(out, size, "%" PRId64, (int64_t)be64(b)); break;
	case T_CHAR: {
		uint32_t c = be16(b);
		char u[8];
		if (c < 0x20 || c == 0x7F || (c >= 0xD800 && c <= 0xDFFF) || c == '\\' || c == '\'') {
			snprintf(out, size, "'\\u%04" PRIx32 "'", c);
		} else {
			u[put_utf8(u, c)] = '\0';
			snprintf(out, size, "'%s'", u);
		}
		break;
	}
	case T_FLOAT: {
		uint32_t w = be32(b);
		float f;
		memcpy(&f, &w, sizeof f);
		java_double(out, size, f, true);
		break;
	}
	case T_DOUBLE: {
		uint64_t w = be64(b);
		double x;
		memcpy(&x, &w, sizeof x);
		java_double(out, size, x, false);
		break;
	}
	default: snprintf(out, size, "?"); break;
	}
}

static const struct lf_class *
lf_class_find(const struct lazy_file *lf, uint64_t id)
{
	size_t lo = 0, hi = lf->ncls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lf->cls[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < lf->ncls && lf->cls[lo].id == id ? &lf->cls[lo] : NULL;
}

/* Room for value k of the node being read (lazy_values), or NULL past
 * LF_VALUES_ALL. */
static struct heap_value *
lf_slot(struct lazy_file *lf, uint32_t k)
{
	if (k >= LF_VALUES_ALL)
		return NULL;
	XGROW(lf->vals, lf->vals_cap, (size_t)k + 1);
	return &lf->vals[k];
}

/* A primitive value: the size bytes at off of the file, or "?" past its
 * end; value *k, *k counted. */
static void
lf_value(struct lazy_file *lf, uint32_t *k, uint32_t name, unsigned t, uint64_t off, bool inside)
{
	const uint8_t *b;
	struct heap_value *o = lf_slot(lf, *k);

	if (o == NULL)
		return;
	(*k)++;
	o->name = name;
	o->index = *k - 1;
	o->edges_before = lf->vals_edges;
	o->type = prim_names[t];
	if (inside && (b = lf_get(lf, off, basic_size(lf->idsz, t))) != NULL)
		value_format(o->text, sizeof o->text, b, t);
	else
		snprintf(o->text, sizeof o->text, "?");
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The ids node v's edges lead to, sorted, into *ids (the caller frees). */
static uint32_t
edge_ids(const struct heap *h, uint32_t v, uint64_t **ids)
{
	uint32_t e0 = heap_first_edge(h, v), n = heap_first_edge(h, v + 1) - e0;
	*ids = xmallocarray(n ? n : 1, sizeof **ids);
	for (uint32_t i = 0; i < n; i++)
		(*ids)[i] = heap_node_id(h, heap_edge_to(h, e0 + i));
	qsort(*ids, n, sizeof **ids, u64_cmp);
	return n;
}

/* A reference field is a value when it is no edge: null, or an id the
 * dump does not have (the loader drops those references). */
static bool
ref_value(struct lazy_file *lf, uint64_t off, bool inside, const uint64_t *ids, uint32_t nids,
          char *text, size_t size)
{
	const uint8_t *b;
	uint64_t id;

	if (!inside || (b = lf_get(lf, off, lf->idsz)) == NULL) {
		snprintf(text, size, "?");
		return true;
	}
	id = rd_idn(lf->idsz, b);
	if (id == 0) {
		snprintf(text, size, "null");
		return true;
	}
	if (bsearch(&id, ids, nids, sizeof *ids, u64_cmp))
		return false;
	snprintf(text, size, "0x%" PRIx64 " (not in the dump)", id);
	return true;
}

/* A reference field's value (ref_value), if it is one: value *k. */
static void
lf_ref(struct lazy_file *lf, uint32_t *k, uint32_t name, uint64_t off, bool inside, const uint64_t *ids,
       uint32_t nids)
{
	char text[sizeof lf->vals->text];
	struct heap_value *o;

	if (*k >= LF_VALUES_ALL)
		return;
	if (!ref_value(lf, off, inside, ids, nids, text, sizeof text)) {
		lf->vals_edges++;	/* an edge, not a value */
		return;
	}
	if ((o = lf_slot(lf, *k)) == NULL)
		return;
	o->name = name;
	o->index = *k;
	o->edges_before = lf->vals_edges;
	o->type = "object";
	memcpy(o->text, text, sizeof text);
	(*k)++;
}

/* Node v's values read from the file into lf->vals: an instance's fields
 * (class first, then its superclasses, as the dump lays them out), a
 * class's statics -- the primitive ones, and the references that are no
 * edge (null, or not in the dump) -- and a primitive array's first
 * LF_VALUES_MAX elements; LF_VALUES_ALL at most.  How many. */
static uint32_t
lf_values(struct lazy_file *lf, const struct heap *h, uint32_t v)
{
	const unsigned I = lf->idsz;
	const uint8_t *s;
	const struct lf_class *c;
	uint64_t q = lf_find(lf, v), data, *ids;
	uint32_t k = 0, n, nids;
	unsigned t, sz;

	if (q == UINT64_MAX || (s = lf_get(lf, q, 1 + I)) == NULL || rd_idn(I, s + 1) != heap_node_id(h, v))
		return 0;
	lf->vals_edges = 0;
	switch (s[0]) {
	case SUB_INSTANCE_DUMP: {
		uint32_t nbytes, off = 0, steps = 0;
		if ((s = lf_get(lf, q, 2 * I + 9)) == NULL)
			return 0;
		nbytes = be32(s + 2 * I + 5);
		data = q + 2 * I + 9;
		c = lf_class_find(lf, rd_idn(I, s + I + 5));
		nids = edge_ids(h, v, &ids);
		for (; c && steps++ <= lf->ncls && k < LF_VALUES_ALL;
		     c = c->super == NONE ? NULL : &lf->cls[c->super]) {
			for (uint32_t i = 0; i < c->nfields && k < LF_VALUES_ALL; i++) {
				t = lf->fields[c->first + i].type;
				sz = basic_size(I, t);
				if (t == T_OBJECT)
					lf_ref(lf, &k, lf->fields[c->first + i].name, data + off, off + sz <= nbytes, ids,
					       nids);
				else
					lf_value(lf, &k, lf->fields[c->first + i].name, t, data + off,
					         off + sz <= nbytes);
				off += sz;
			}
		}
		free(ids);
		return k;
	}
	case SUB_PRIM_ARRAY_DUMP:
		if ((s = lf_get(lf, q, I + 10)) == NULL)
			return 0;
		n = be32(s + I + 5);
		t = s[I + 9];
		if ((sz = basic_size(I, t)) == 0 || t == T_OBJECT)
			return 0;
		if (n > LF_VALUES_MAX)
			n = LF_VALUES_MAX;
		for (uint32_t i = 0; i < n; i++)
			lf_value(lf, &k, HEAP_NONE, t, q + I + 10 + (uint64_t)i * sz, true);
		return k;
	case SUB_CLASS_DUMP: {
		uint64_t o = q + 1 + 7 * (uint64_t)I + 8;
		if ((c = lf_class_find(lf, heap_node_id(h, v))) == NULL)
			return 0;
		/* past the constant pool (index, type, value) */
		if ((s = lf_get(lf, o, 2)) == NULL)
			return 0;
		n = be16(s);
		o += 2;
		for (uint32_t i = 0; i < n; i++, o += 3 + sz)
			if ((s = lf_get(lf, o, 3)) == NULL || (sz = basic_size(I, s[2])) == 0)
				return 0;
		if ((s = lf_get(lf, o, 2)) == NULL || be16(s) != c->nstatics)
			return 0;
		o += 2;
		nids = edge_ids(h, v, &ids);
		for (uint32_t i = 0; i < c->nstatics; i++) {
			const struct lf_field *f = &lf->fields[c->first + c->nfields + i];
			sz = basic_size(I, f->type);
			if (f->type == T_OBJECT)
				lf_ref(lf, &k, f->name, o + I + 1, true, ids, nids);
			else
				lf_value(lf, &k, f->name, f->type, o + I + 1, true);
			o += I + 1 + sz;
		}
		free(ids);
		/* a class's own edges (<super>, <classloader>...) come before
		 * its statics' */
		nids -= nids < lf->vals_edges ? nids : lf->vals_edges;
		for (uint32_t i = 0; i < k; i++)
			lf->vals[i].edges_before += nids;
		return k;
	}
	default:
		return 0;
	}
}

/* The heap's values(): read a node's once, then from lf->vals while the
 * same node is asked for (the inspector asks a row's cells one by one). */
static uint32_t
lazy_values(void *ctx, const struct heap *h, uint32_t v, uint32_t first, struct heap_value *out,
            uint32_t max)
{
	struct lazy_file *lf = ctx;

	if (v != lf->vals_v) {
		lf->vals_n = lf_values(lf, h, v);
		lf->vals_v = v;
	}
	for (uint32_t i = first; i < lf->vals_n && i - first < max; i++)
		out[i - first] = lf->vals[i];
	return lf->vals_n;
}

static void
lazy_free(void *ctx)
{
	struct lazy_file *lf = ctx;
	if (lf == NULL)
		return;
	close(lf->fd);
	free(lf->block);
	free(lf->seg);
	free(lf->skip);
	free(lf->cls);
	free(lf->fields);
	free(lf->vals);
	free(lf->threads);
	free(lf);
}

static const struct heap_label_source lazy_source = {
	.make = lazy_make, .values = lazy_values, .free = lazy_free,
};

static int
lf_class_cmp(const void *a, const void *b)
{
	const struct lf_class *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* The classes' own instance fields and statics, for lazy_values: names
 * interned now (the STRING records are not kept), values read when
 * shown.  Pass A checked that every class's fields fit its record. */
static void
lf_classes(struct hp *p)
{
	struct lazy_file *lf = p->lf;
	const unsigned I = p->idsz;
	uint64_t total = 0;
	uint32_t nf = 0;

	for (size_t i = 0; i < p->ncls; i++)
		total += (uint64_t)p->cls[i].nfields + p->cls[i].nstatics;
	if (p->ncls == 0 || total >= NONE)
		return;
	lf->cls = xmallocarray(p->ncls, sizeof *lf->cls);
	lf->fields = xmallocarray((size_t)total + 1, sizeof *lf->fields);
	for (size_t i = 0; i < p->ncls; i++) {
		const struct hclass *c = &p->cls[i];
		struct lf_class *o = &lf->cls[i];
		size_t q = c->fields_off + 2;
		o->id = c->id;
		o->super = NONE;
		o->first = nf;
		o->nfields = c->nfields;
		o->nstatics = c->nstatics;
		for (unsigned j = 0; j < c->nfields; j++, q += I + 1) {
			lf->fields[nf].name = string_get(p, rd_id(p, p->d + q));
			lf->fields[nf++].type = p->d[q + I];
		}
		q = c->statics_off + 2;
		for (unsigned j = 0; j < c->nstatics; j++) {
			unsigned t = p->d[q + I];
			lf->fields[nf].name = string_get(p, rd_id(p, p->d + q));
			lf->fields[nf++].type = (uint8_t)t;
			q += I + 1 + dump_size(p, t);
		}
	}
	lf->ncls = (uint32_t)p->ncls;
	lf->nfields = nf;
	qsort(lf->cls, lf->ncls, sizeof *lf->cls, lf_class_cmp);
	for (uint32_t i = 0; i < lf->ncls; i++) {
		const struct hclass *c = class_of(p, lf->cls[i].id);
		const struct lf_class *sup = c && c->super ? lf_class_find(lf, c->super) : NULL;
		if (sup)
			lf->cls[i].super = (uint32_t)(sup - lf->cls);
	}
}

/* The entry of s->arrays for node v, or NULL; hint is where the last one
 * was found (a String's value usually follows the String). */
static const struct sarray *
find_array(const struct passd *s, uint32_t v, size_t *hint)
{
	size_t lo = 0, hi = s->narrays, h = *hint;
	if (h < s->narrays && s->arrays[h].node <= v) {
		if (s->arrays[h].node == v)
			return &s->arrays[h];
		lo = h + 1;
		if (lo < s->narrays && s->arrays[lo].node == v) {
			*hint = lo;
			return &s->arrays[lo];
		}
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->arrays[mid].node < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->narrays || s->arrays[lo].node != v)
		return NULL;
	*hint = lo;
	return &s->arrays[lo];
}

/* Labels every String whose value is a byte[] or char[] pass D saw, in
 * String order (node order, so the labels need no sorting), touching only
 * those arrays' pages. */
static void
label_strings(struct hp *p, struct passd *s)
{
	const unsigned I = p->idsz;
	const uint8_t *d = p->d;
	size_t hint = 0, released = p->first_record & ~(size_t)4095;

	for (size_t i = 0; i < s->nstrings; i++) {
		const struct spair *sp = &s->strings[i];
		const struct sarray *a = find_array(s, sp->array, &hint);
		if (a == NULL)
			continue;	/* not a byte[] or char[]: no label */
		/* mostly file order: the pages behind go back, as in walk() */
		if (p->io && io_file_backed(p->io) && a->body > released &&
		    a->body - released >= (64u << 20)) {
			size_t to = a->body & ~(size_t)4095;
			io_release_range(p->io, released, to);
			released = to;
		}
		/* pass A checked the record: id, serial, length, type, data */
		hb_label(p->b, sp->string,
		         string_label(p, d + a->body + I + 9, be32(d + a->body + I + 4),
		                      d[a->body + I + 8], sp->coder));
	}
}

/* Labels the threads pass D saw after their names' labels, which
 * label_strings gave from label first on, in String (node) order, or
 * their names' char[]. */
static void
label_threads(struct hp *p, struct passd *s, uint32_t first)
{
	const struct heap *h = p->b->h;
	const uint32_t end = h->label_count;	/* (the threads' come after) */
	for (size_t i = 0; i < s->ntnames; i++) {
		uint32_t lo = first, hi = end, id;
		char buf[LABEL_BUF + 512];
		const char *nl;
		size_t n;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (h->label_node[mid] < s->tnames[i].name)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < end && h->label_node[lo] == s->tnames[i].name) {
			nl = heap_str(h, h->label_str[lo]);
		} else {
			/* no String: a char[] (JDK 8's Thread.name), or nothing */
			size_t hint = 0;
			const struct sarray *a = find_array(s, s->tnames[i].name, &hint);
			if (a == NULL)
				continue;
			nl = heap_str(h, string_label(p, p->d + a->body + p->idsz + 9,
			                              be32(p->d + a->body + p->idsz + 4),
			                              p->d[a->body + p->idsz + 8], 0));
		}
		n = thread_label(heap_str(h, s->tnames[i].cls), nl, strlen(nl), buf, sizeof buf);
		id = strtab_intern(&p->b->h->strings, buf, n);
		hb_label(p->b, s->tnames[i].thread, id);
	}
}

/* --- roots ------------------------------------------------------------------------- */

/* "<Java Local> in Class.method (File.java:12)" for a root in frame number
 * frame of thread serial thread, as far as the stack traces tell. */
static uint32_t
local_name(struct hp *p, const struct hroot *r)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "<%s>", root_kinds[r->kind].name);
	uint32_t ts = u64map_get(&p->thread_trace, r->thread);
	uint32_t ti = ts == NONE ? NONE : u64map_get(&p->traces, ts);

	if (ti != NONE && r->frame != NONE) {
		const uint8_t *t = p->d + p->trace_off[ti];
		uint32_t nf = be32(t + 8);
		if (r->frame < nf) {
			uint32_t fi = u64map_get(&p->frames, rd_id(p, t + 12 + (size_t)r->frame * p->idsz));
			if (fi != NONE) {
				const uint8_t *f = p->d + p->frame_off[fi];
				const unsigned I = p->idsz;
				const char *method = heap_str(p->b->h, string_get(p, rd_id(p, f + I)));
				const char *file = heap_str(p->b->h, string_get(p, rd_id(p, f + 3 * I)));
				uint32_t serial = be32(f + 4 * I);
				int32_t line = (int32_t)be32(f + 4 * I + 4);
				uint32_t ci = u64map_get(&p->class_by_serial, serial);
				const char *cls = "?";
				struct hclass *c = ci == NONE ? NULL : class_of(p, p->serial_class[ci]);
				char where[32] = "";
				if (c)
					cls = heap_str(p->b->h, class_name(p, c));
				if (line > 0)
					snprintf(where, sizeof where, ":%" PRId32, line);
				else if (line == -3)
					snprintf(where, sizeof where, ", native");
				n += snprintf(buf + n, sizeof buf - (size_t)n, " in %s.%s (%s%s)", cls, method,
				              *file ? file : "unknown source", where);
			}
		}
	}
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	return strtab_intern(&p->b->h->strings, buf, (size_t)n);
}

static int
hlocal_cmp(const void *a, const void *b)
{
	const struct hlocal *x = a, *y = b;
	return x->thread < y->thread ? -1 : x->thread > y->thread;
}

/* --- the loader ----------------------------------------------------------------------- */

static bool
probe_hprof(const uint8_t *data, size_t size)
{
	return size >= 13 && memcmp(data, "JAVA PROFILE ", 13) == 0;
}

static int
read_header(struct hp *p)
{
	const uint8_t *nul = memchr(p->d, 0, p->size < 64 ? p->size : 64);
	size_t vlen;
	if (nul == NULL)
		return bad(p, 0, "no NUL after the HPROF version string");
	vlen = (size_t)(nul - p->d);
	if (!(vlen == 18 && (memcmp(p->d, "JAVA PROFILE 1.0.1", 18) == 0 ||
	                     memcmp(p->d, "JAVA PROFILE 1.0.2", 18) == 0 ||
	                     memcmp(p->d, "JAVA PROFILE 1.0.3", 18) == 0)))
		return bad(p, 0, "unknown HPROF version '%.*s'", (int)vlen, (const char *)p->d);
	if (p->size - vlen - 1 < 12)
		return bad(p, vlen + 1, "header cut short");
	p->idsz = be32(p->d + vlen + 1);
	if (p->idsz != 4 && p->idsz != 8)
		return bad(p, vlen + 1, "identifier size %u (only 4 and 8 exist)", p->idsz);
	p->first_record = vlen + 1 + 12;
	return HS_OK;
}

static void
declare_types(struct hp *p)
{
	struct heap_builder *b = p->b;
	p->t_synthetic = hb_node_type(b, "synthetic");
	p->t_instance = hb_node_type(b, "instance");
	p->t_class = hb_node_type(b, "class");
	p->t_objarray = hb_node_type(b, "object array");
	p->t_primarray = hb_node_type(b, "primitive array");
	p->e_field = hb_edge_type(b, "field", false);
	p->e_element = hb_edge_type(b, "element", true);
	p->e_static = hb_edge_type(b, "static", false);
	p->e_internal = hb_edge_type(b, "internal", false);
	p->e_root = hb_edge_type(b, "root", false);
	for (int k = 0; k < REF_KINDS; k++)
		p->e_ref[k] = hb_edge_type(b, ref_kinds[k].edge, false);
	p->s_empty = strtab_intern(&b->h->strings, "", 0);
	p->s_super = strtab_intern_cstr(&b->h->strings, "<super>");
	p->s_loader = strtab_intern_cstr(&b->h->strings, "<classloader>");
	p->s_signers = strtab_intern_cstr(&b->h->strings, "<signers>");
	p->s_domain = strtab_intern_cstr(&b->h->strings, "<protection domain>");
	for (unsigned t = 4; t < 12; t++) {
		char buf[16];
		int n = snprintf(buf, sizeof buf, "%s[]", prim_names[t]);
		p->type_name[t] = strtab_intern(&b->h->strings, buf, (size_t)n);
	}
}

static void
hp_free(struct hp *p)
{
	chunks_drop(p);
	free(p->str);
	u64map_free(&p->str_by_id);
	free(p->cls);
	u64map_free(&p->cls_by_id);
	u64map_free(&p->name_by_class);
	u64map_free(&p->class_by_serial);
	free(p->serial_class);
	free(p->refs);
	u64map_free(&p->frames);
	free(p->frame_off);
	u64map_free(&p->traces);
	free(p->trace_off);
	u64map_free(&p->thread_trace);
	u64map_free(&p->thread_obj);
	free(p->roots);
	idmap_free(&p->own_map);
	free(p->perm);
	free(p->rank_met);
	lazy_free(p->lf);
}

int
hprof_layout_force = -1;	/* set by --java-layout; -1: detect */

static int
elayout_cmp(const void *a, const void *b)
{
	const struct elayout *x = a, *y = b;
	if (x->name != y->name)
		return x->name < y->name ? -1 : 1;
	return x->ref_first < y->ref_first ? -1 : x->ref_first > y->ref_first;
}

/* The instance classes' reference fields by java name, for ecodec_edges;
 * classes sharing a name with other reference fields marked shared. */
static void
ecodec_layouts(struct hp *p, struct ecodec *c)
{
	uint32_t w = 0;

	c->ref_name = xmallocarray(p->nrefs ? p->nrefs : 1, sizeof *c->ref_name);
	for (size_t i = 0; i < p->nrefs; i++)
		c->ref_name[i] = p->refs[i].name;
	c->lay = xmallocarray(p->ncls ? p->ncls : 1, sizeof *c->lay);
	for (size_t i = 0; i < p->ncls; i++) {
		c->lay[i].name = class_name(p, &p->cls[i]);
		c->lay[i].ref_first = p->cls[i].ref_first;
		c->lay[i].nrefs = p->cls[i].nrefs;
		c->lay[i].referent = p->cls[i].referent_ref;
		c->lay[i].referent_type = (uint8_t)p->e_ref[p->cls[i].ref_kind];
	}
	qsort(c->lay, p->ncls, sizeof *c->lay, elayout_cmp);
	for (size_t i = 0; i < p->ncls;) {
		size_t j = i + 1;
		bool same = true;
		for (; j < p->ncls && c->lay[j].name == c->lay[i].name; j++) {
			const struct elayout *a = &c->lay[i], *b = &c->lay[j];
			if (a->nrefs != b->nrefs || a->referent != b->referent ||
			    (a->referent != NONE && a->referent_type != b->referent_type))
				same = false;
			for (uint32_t k = 0; same && k < a->nrefs; k++)
				same = c->ref_name[a->ref_first + k] == c->ref_name[b->ref_first + k];
		}
		if (!same)
			for (size_t k = 0; k < p->ncls; k++)
				if (class_name(p, &p->cls[k]) == c->lay[i].name)
					p->cls[k].shared = true;
		c->lay[w++] = c->lay[i];
		i = j;
	}
	c->nlay = w;
}

static int
load_hprof(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	struct hp p;
	struct heap_builder b;
	struct passc pc;
	struct passd pd;
	uint32_t ngroups = 0, group_node[NKINDS], distinct;
	uint32_t group_count[NKINDS];
	uint64_t edge_bound;
	uint32_t ranked;
	int s;

	memset(&p, 0, sizeof p);
	memset(&pd, 0, sizeof pd);
	p.d = io->data;
	p.size = io->size;
	p.path = io->path;
	p.err = err;
	p.progress = progress;
	p.io = io;
	p.b = &b;
	hb_init(&b, heap_new("hprof", io->path));
	hb_rules(&b, HEAP_RULES_GENERIC);
	b.h->hex_ids = true;	/* ids are addresses, shown as MAT does */
	declare_types(&p);

	p.phase = "reading";
	s = read_header(&p);
	if (s == HS_OK)
		s = pass_a(&p);
	if (s == HS_OK)
		s = prepare_classes(&p);
	if (s)
		goto fail;
	if (p.nobjects > (uint64_t)NONE - 64 - NKINDS) {
		s = bad(&p, 0, "%" PRIu64 " objects: more than heapsift can index", p.nobjects);
		goto fail;
	}

	/* pass B: the id map, the edge bound, the layout votes */
	p.phase = "indexing objects";
	progress_phase(progress, p.phase, p.size);
	p.map = &p.own_map;
	idmap_init(p.map, p.min_id, p.max_id, p.id_bits, p.nobjects);
	p.id_shift = p.map->shift;
	memset(&pc, 0, sizeof pc);
	p.pc = &pc;
	if (p.map->bits && !p.chunks_off) {
		/* pass A saw the ids: they go into the map, and a prefix of the
		 * file gives the votes (and an edge count to start from) */
		chunks_to_map(&p);
		distinct = idmap_build(p.map);
		pc.seen = xcalloc((size_t)distinct / 64 + 1, sizeof *pc.seen);
		pc.prefix = true;
		s = walk(&p, pass_vote);
		free(pc.seen);
		pc.seen = NULL;
		if (s == WALK_STOP)
			s = HS_OK;
		else
			pc.stopped_at = 0;	/* it read the whole file */
		if (s)
			goto fail;
	} else {
		chunks_drop(&p);
		s = walk(&p, pass_ids);
		if (s)
			goto fail;
		distinct = idmap_build(p.map);
		if (p.map->sorted) {
			pc.seen = xcalloc((size_t)distinct / 64 + 1, sizeof *pc.seen);
			s = walk(&p, pass_vote);
			free(pc.seen);
			pc.seen = NULL;
			if (s)
				goto fail;
		}
	}
	p.pc = NULL;

	/* root groups: node 0 is (GC roots), then one node per kind present */
	memset(group_count, 0, sizeof group_count);
	for (size_t i = 0; i < p.nroots; i++)
		if (p.roots[i].kind < NKINDS)
			group_count[p.roots[i].kind]++;
	for (unsigned k = 0; k < NKINDS; k++)
		group_node[k] = group_count[k] ? 1 + ngroups++ : NONE;
	p.base = 1 + ngroups;
	p.nodes = p.base + distinct;
	/* not cleared: pass D sets every rank's node (a rank met twice is a
	 * duplicate id, told by the bitset) */
	p.perm = xmallocarray((size_t)distinct + 1, sizeof *p.perm);
	p.rank_met = xcalloc((size_t)distinct / 64 + 1, sizeof *p.rank_met);
	if (hprof_layout_force >= 0 && hprof_layout_force < 2 * NLAYOUTS) {
		p.forced_layout = hprof_layout_force % NLAYOUTS;
		p.align16 = hprof_layout_force >= NLAYOUTS;
	} else {
		/* a 64-bit VM writes 8-byte ids; 4-byte ids are a 32-bit VM's
		 * (or Android's, laid out alike): only the alignment to tell */
		int lo = p.idsz == 4 ? LAYOUT_32 : 0, hi = p.idsz == 4 ? LAYOUT_32 : LAYOUT_32 - 1, best = lo;
		for (int a = 0; a < 2; a++)
			for (int h = lo; h <= hi; h++)
				if (p.votes[h + a * NLAYOUTS] > p.votes[best])
					best = h + a * NLAYOUTS;
		p.forced_layout = best % NLAYOUTS;
		p.align16 = best >= NLAYOUTS;
	}
	p.ref_size = layout_ref[p.forced_layout];
	p.header = 8 + layout_klass[p.forced_layout];

	/* thread-local roots under their threads; the others under their group
	 * (targets and threads as ranks: see pass B) */
	pd.locals = xmallocarray(p.nroots + 1, sizeof *pd.locals);
	pd.threads = xcalloc((size_t)distinct / 64 + 1, sizeof *pd.threads);
	for (size_t i = 0; i < p.nroots; i++) {
		const struct hroot *r = &p.roots[i];
		uint32_t target = idmap_rank(p.map, r->id), ti, tn;
		if (target == NONE || r->kind >= NKINDS || !root_kinds[r->kind].thread_local)
			continue;
		ti = u64map_get(&p.thread_obj, r->thread);
		tn = ti == NONE ? NONE : idmap_rank(p.map, p.roots[ti].id);
		if (tn == NONE)
			continue;	/* stays under its group */
		pd.locals[pd.nlocals].thread = tn;
		pd.locals[pd.nlocals].target = target;
		pd.locals[pd.nlocals].name = local_name(&p, r);
		pd.threads[tn >> 6] |= 1ULL << (tn & 63);
		pd.nlocals++;
	}
	qsort(pd.locals, pd.nlocals, sizeof *pd.locals, hlocal_cmp);

	/* The edges of the objects voted on, and for a prefix as many again
	 * per byte for the rest (pass D grows the arrays if that is short);
	 * the same for the Strings and their arrays, whose lists grow in
	 * pass D (a list grown by doubling leaves holes in the heap). */
	edge_bound = pc.edges;
	if (pc.stopped_at > 0) {
		double rest = (double)(p.size - pc.stopped_at) / (double)pc.stopped_at;
		edge_bound += (uint64_t)((double)pc.edges * rest) + 1024;
		pc.strings += (uint64_t)((double)pc.strings * rest * 1.05);
		pc.arrays += (uint64_t)((double)pc.arrays * rest * 1.05);
	}
	{
		/* a plain file: the Strings' labels and the objects' values come
		 * from it when shown */
		int fd = io_dup_fd(io);
		if (fd >= 0) {
			p.lf = xcalloc(1, sizeof *p.lf);
			p.lf->fd = fd;
			p.lf->idsz = p.idsz;
			p.lf->base = p.base;
			p.lf->nblocks = (uint32_t)(((uint64_t)p.nodes + 63) / 64);
			p.lf->block = xmallocarray(p.lf->nblocks, sizeof *p.lf->block);
			p.lf->last_q = UINT64_MAX;
			p.lf->vals_v = NONE;
			if (p.string_class != NONE) {
				p.lf->has_string = true;
				p.lf->string_class = p.cls[p.string_class].id;
				p.lf->value_off = p.string_value_off;
				p.lf->coder_off = p.string_coder_off;
				p.lf->has_coder = p.string_has_coder;
			}
			lf_classes(&p);
		}
	}
	if (p.string_class != NONE && !p.lf) {
		pd.capstrings = (size_t)(pc.strings < p.nobjects ? pc.strings : p.nobjects) + 16;
		pd.caparrays = (size_t)(pc.arrays < p.nobjects ? pc.arrays : p.nobjects) + 16;
		pd.strings = xmallocarray(pd.capstrings, sizeof *pd.strings);
		pd.arrays = xmallocarray(pd.caparrays, sizeof *pd.arrays);
	}
	edge_bound += p.nroots + ngroups + pd.nlocals;
	if (edge_bound > NONE - 1)
		edge_bound = NONE - 1;
	hb_alloc(&b, p.nodes, (uint32_t)edge_bound);
	/* a Java object's name is its class's: the dump's classes, the
	 * primitive arrays, the synthetic nodes (and a few more classes only
	 * named: the builder widens the classes if they are many) */
	hb_node_classes(&b, p.ncls + 16 + NKINDS + 1);
	hb_compact_sizes(&b);	/* Java sizes are multiples of 8 */
	hb_compact_first_edges(&b);
	hb_pack_edge_targets(&b);	/* 25 bits a target for 18 M objects */
	/* edge types and names from the fields: 4 bits an edge (ecodec) */
	pd.ec = xcalloc(1, sizeof *pd.ec);
	pd.ec->gap = xmallocarray(bits_packed_bytes(edge_bound, GAP_BITS), 1);
	pd.ec->t_instance = (uint8_t)p.t_instance;
	pd.ec->t_objarray = (uint8_t)p.t_objarray;
	pd.ec->e_field = (uint8_t)p.e_field;
	pd.ec->e_element = (uint8_t)p.e_element;
	pd.ec->s_empty = p.s_empty;
	hb_edge_targets_only(&b, &ecodec_source, pd.ec);
	ecodec_layouts(&p, pd.ec);
	if (p.nobjects)
		hb_pack_ids(&b, p.min_id, p.id_shift);
	/* the heap keeps the map: ids as ranks in it (4 bytes a node less),
	 * or declines it (ids packed), and pass D reads the map it says */
	p.map = hb_id_map(&b, p.map);
	pd.edge_cap = (uint32_t)edge_bound;

	/* (GC roots) and the groups */
	edges_begin(&pd, 0, true);
	for (unsigned k = 0; k < NKINDS; k++)
		if (group_node[k] != NONE)
			edge(&p, &pd, p.e_root, strtab_intern_cstr(&b.h->strings, root_kinds[k].name),
			     group_node[k], 0);
	hb_node(&b, 0, (uint8_t)p.t_synthetic, strtab_intern_cstr(&b.h->strings, "(GC roots)"), 0, 0,
	        pd.edge);
	ranked = pd.edge;	/* from here on, edge targets are ranks */
	for (unsigned k = 0; k < NKINDS; k++) {
		uint32_t e0 = pd.edge, idx = 0;
		if (group_node[k] == NONE)
			continue;
		edges_begin(&pd, group_node[k], true);
		for (size_t i = 0; i < p.nroots; i++) {
			const struct hroot *r = &p.roots[i];
			uint32_t target, ti;
			if (r->kind != k || (target = idmap_rank(p.map, r->id)) == NONE)
				continue;
			if (root_kinds[k].thread_local) {
				ti = u64map_get(&p.thread_obj, r->thread);
				if (ti != NONE && idmap_rank(p.map, p.roots[ti].id) != NONE)
					continue;	/* under its thread */
			}
			edge(&p, &pd, p.e_element, idx++, target, 0);
		}
		hb_node(&b, group_node[k], (uint8_t)p.t_synthetic,
		        strtab_intern_cstr(&b.h->strings, root_kinds[k].name),
		        group_node[k], 0, pd.edge - e0);
	}
	hb_root(&b, 0);

	/* pass D */
	p.phase = "reading objects";
	progress_phase(progress, p.phase, p.size);
	pd.node = p.base;
	p.pd = &pd;
	{
		/* the arrays pass D fills, faulted in on the other core */
		struct prefault_region r[16];
		size_t nr = hb_prefault_regions(&b, r, 14, 0, 1);
		r[nr++] = (struct prefault_region){ p.perm, ((size_t)distinct + 1) * sizeof *p.perm, 0,
		                                    p.nodes };
		r[nr++] = (struct prefault_region){ pd.ec->gap, bits_packed_bytes(edge_bound, GAP_BITS), 1,
		                                    edge_bound };
		p.pf = p.size >= hprof_parallel_min ? prefault_start(r, nr) : NULL;
	}
	s = walk(&p, pass_nodes);
	prefault_stop(p.pf);
	p.pf = NULL;
	p.pd = NULL;
	if (s)
		goto fail;
	if (pd.edge > pd.edge_cap) {
		s = bad(&p, 0, "more than %" PRIu32 " references: more than heapsift can index", pd.edge_cap);
		goto fail;
	}
	if (pd.node != p.nodes) {
		s = bad(&p, 0, "the objects changed between passes (internal error)");
		goto fail;
	}
	/* ranks -> nodes: every rank has its node now */
	hb_edges_map(&b, ranked, pd.edge, p.perm);
	for (size_t i = 0; i < pd.nstrings; i++)
		pd.strings[i].array = p.perm[pd.strings[i].array];
	for (size_t i = 0; i < pd.ntnames; i++)
		pd.tnames[i].name = p.perm[pd.tnames[i].name];
	/* the ranks' nodes are not read again: pass E's labels take their
	 * place (given back, so that what comes next reuses the pages) */
	free(p.perm);
	p.perm = NULL;
	free(p.rank_met);
	p.rank_met = NULL;
	xalloc_trim();
	hb_edges_used(&b, pd.edge);
	hb_soft_edges(&b, pd.soft, pd.nsoft);
	free(pd.soft);
	pd.soft = NULL;

	/* pass E: labels of strings and threads, now or when shown */
	if (p.lf) {
		lf_threads(p.lf, &b, &pd);
		hb_lazy_labels(&b, &lazy_source, p.lf,
		               p.string_class != NONE ? class_name(&p, &p.cls[p.string_class]) : HEAP_NONE);
		p.lf = NULL;
	} else {
		uint32_t first = b.h->label_count;
		if (pd.nstrings) {
			p.phase = "reading strings";
			progress_phase(progress, p.phase, p.size);
			label_strings(&p, &pd);
		}
		label_threads(&p, &pd, first);
	}
	free(pd.tnames);
	pd.tnames = NULL;
	free(pd.strings);
	free(pd.arrays);
	pd.arrays = NULL;
	free(pd.locals);
	free(pd.threads);
	pd.strings = NULL;
	pd.locals = NULL;
	pd.threads = NULL;
	{
		static const char *const layout_name[2 * NLAYOUTS] = {
			"compressed oops and class pointers", "uncompressed oops and class pointers",
			"compressed oops, uncompressed class pointers",
			"uncompressed oops, compressed class pointers", "32-bit VM",
			"compressed oops and class pointers, 16-byte alignment",
			"uncompressed oops and class pointers, 16-byte alignment",
			"compressed oops, uncompressed class pointers, 16-byte alignment",
			"uncompressed oops, compressed class pointers, 16-byte alignment",
			"32-bit VM, 16-byte alignment",
		};
		hb_note(&b, layout_name[p.forced_layout + (p.align16 ? NLAYOUTS : 0)]);
	}
	hp_free(&p);
	xalloc_trim();	/* the passes' arrays: not resident under what hb_finish makes */
	hb_checked(&b);
	out->heap = hb_finish(&b, err);
	xalloc_trim();	/* the passes' growing arrays, freed */
	if (out->heap == NULL)
		return err->status;
	out->kind = MODEL_HEAP;
	return HS_OK;
fail:
	free(pd.soft);
	free(pd.strings);
	free(pd.tnames);
	free(pd.arrays);
	free(pd.locals);
	free(pd.threads);
	hp_free(&p);
	hb_abort(&b);
	return s;
}

const struct loader_ops loader_hprof = {
	.name = "hprof",
	.description = "Java HPROF heap dump (jcmd GC.heap_dump, jmap, Android)",
	.probe = probe_hprof,
	.load = load_hprof,
	.seekable = true,
};
