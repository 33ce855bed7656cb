/* tracemalloc: Python's tracemalloc snapshots, the files
 * tracemalloc.Snapshot.dump() writes (a pickle, protocol 4 from Python 3.6
 * and 3.7, 5 from 3.8 on; 2 and 3 are read too), into the trace model.
 *
 * The pickle is run by a small, strict machine of its own: it knows only
 * the opcodes such files use (pickle_op below), builds plain values
 * (integers, strings, tuples, lists, dicts) and takes the two classes a
 * snapshot names, tracemalloc.Snapshot and tracemalloc._Traces, as tags:
 * nothing is looked up, imported or called.  Any other opcode, any other
 * global, a NEWOBJ with arguments, a BUILD of anything but a tagged object
 * with a dict is an error with its offset.  The stack, the marks and the
 * memo grow with what the file's own bytes push (memo indices must come in
 * order, as the pickler writes them); containers are walked by fixed code
 * for the snapshot's shape, never by recursion driven by the input.
 *
 * The snapshot's shape (CPython Lib/tracemalloc.py): a Snapshot whose
 * state is {'traces': _Traces, 'traceback_limit': int}; the _Traces's
 * state {'_traces': list (or tuple) of traces}; a trace is (domain, size,
 * frames, total_nframe) (3.9 on) or (domain, size, frames) (3.6 to 3.8);
 * frames a tuple of (filename, lineno), the most recent call first.
 *
 * The model: each trace is one memory block live when the snapshot was
 * taken, so its size goes to leaked_bytes and 1 to leaked, named "size"
 * and "count" as Snapshot.statistics() names them; stacks are the frames
 * from the oldest to the most recent, each frame labelled basename:line
 * (tracemalloc keeps no function names) with the file's full name and line
 * as its location.  Call sites are then statistics('lineno'), the stacks
 * statistics('traceback').  A trace of another domain than 0 (memory
 * tracked by tracemalloc.track(), e.g. numpy's) is counted as Python
 * counts it; its innermost frame's module says "domain N" (0: "python").
 * The summary tells the traceback limit and how many tracebacks it cut. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/load.h"
#include "heapsift/trace.h"
#include "heapsift/trace_builder.h"
#include "heapsift/xalloc.h"

/* --- values ------------------------------------------------------------------------ */

enum pk_kind {
	PK_UNSET,	/* a memo slot never written */
	PK_NONE, PK_BOOL, PK_INT, PK_STR, PK_TUPLE, PK_LIST, PK_DICT,
	PK_CLASS,	/* a global: x is the tag */
	PK_OBJ,		/* an instance made by NEWOBJ: x indexes objs */
};

enum { TAG_SNAPSHOT, TAG_TRACES };
static const char *const tag_names[] = { "Snapshot", "_Traces" };

/* A value: ints hold their value in x; strings their id; tuples their
 * items' offset in the pool and count in n; lists, dicts and objects their
 * index in their table. */
struct pv {
	uint8_t kind;
	uint32_t n;
	uint64_t x;
};

/* a list's items, or a dict's keys and values in turn */
struct seq {
	struct pv *v;
	size_t n, cap;
};

struct obj {
	uint32_t tag;
	bool built;
	struct pv state;
};

struct pstr {
	const char *s;	/* NUL-terminated copy */
	size_t len;
};

struct pk {
	const uint8_t *d;
	size_t size;
	const char *path;
	struct hs_error *err;
	struct progress *progress;
	int proto;

	struct pv *stack;
	size_t sn, scap;
	size_t *marks;		/* stack heights at MARK */
	size_t mn, mcap;
	struct pv *memo;
	size_t memon, memocap;
	struct pv *pool;	/* tuples' items */
	size_t pn, pcap;
	struct seq *lists, *dicts;
	size_t ln, lcap, dn, dcap;
	struct obj *objs;
	size_t on, ocap;
	struct pstr *strs;	/* interned */
	size_t strn, strcap;
	uint32_t *shash;
	size_t shcap;
	struct arena arena;
};

/* The opcodes of protocols 0 to 5 (Lib/pickletools.py), for messages. */
static const struct {
	uint8_t code;
	const char *name;
} op_names[] = {
	{ '(', "MARK" }, { '.', "STOP" }, { '0', "POP" }, { '1', "POP_MARK" }, { '2', "DUP" },
	{ 'F', "FLOAT" }, { 'I', "INT" }, { 'J', "BININT" }, { 'K', "BININT1" }, { 'L', "LONG" },
	{ 'M', "BININT2" }, { 'N', "NONE" }, { 'P', "PERSID" }, { 'Q', "BINPERSID" },
	{ 'R', "REDUCE" }, { 'S', "STRING" }, { 'T', "BINSTRING" }, { 'U', "SHORT_BINSTRING" },
	{ 'V', "UNICODE" }, { 'X', "BINUNICODE" }, { 'a', "APPEND" }, { 'b', "BUILD" },
	{ 'c', "GLOBAL" }, { 'd', "DICT" }, { '}', "EMPTY_DICT" }, { 'e', "APPENDS" },
	{ 'g', "GET" }, { 'h', "BINGET" }, { 'i', "INST" }, { 'j', "LONG_BINGET" }, { 'l', "LIST" },
	{ ']', "EMPTY_LIST" }, { 'o', "OBJ" }, { 'p', "PUT" }, { 'q', "BINPUT" },
	{ 'r', "LONG_BINPUT" }, { 's', "SETITEM" }, { 't', "TUPLE" }, { ')', "EMPTY_TUPLE" },
	{ 'u', "SETITEMS" }, { 'G', "BINFLOAT" }, { 0x80, "PROTO" }, { 0x81, "NEWOBJ" },
	{ 0x82, "EXT1" }, { 0x83, "EXT2" }, { 0x84, "EXT4" }, { 0x85, "TUPLE1" },
	{ 0x86, "TUPLE2" }, { 0x87, "TUPLE3" }, { 0x88, "NEWTRUE" }, { 0x89, "NEWFALSE" },
	{ 0x8a, "LONG1" }, { 0x8b, "LONG4" }, { 'B', "BINBYTES" }, { 'C', "SHORT_BINBYTES" },
	{ 0x8c, "SHORT_BINUNICODE" }, { 0x8d, "BINUNICODE8" }, { 0x8e, "BINBYTES8" },
	{ 0x8f, "EMPTY_SET" }, { 0x90, "ADDITEMS" }, { 0x91, "FROZENSET" }, { 0x92, "NEWOBJ_EX" },
	{ 0x93, "STACK_GLOBAL" }, { 0x94, "MEMOIZE" }, { 0x95, "FRAME" }, { 0x96, "BYTEARRAY8" },
	{ 0x97, "NEXT_BUFFER" }, { 0x98, "READONLY_BUFFER" },
};

static const char *
op_name(uint8_t c)
{
	for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
		if (op_names[i].code == c)
			return op_names[i].name;
	return NULL;
}

static int __attribute__((format(printf, 3, 4)))
bad(struct pk *p, size_t off, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_at(p->err, HS_EINPUT, p->path, off, "%s", msg);
}

/* The pickle ran but is not a snapshot: values have no offsets. */
static int __attribute__((format(printf, 2, 3)))
bad_shape(struct pk *p, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_set(p->err, HS_EINPUT, p->path, "not a tracemalloc snapshot: %s", msg);
}

static const char *
kind_name(uint8_t k)
{
	static const char *const names[] = { "nothing", "None", "a bool", "an int", "a str",
	                                     "a tuple", "a list", "a dict", "a class",
	                                     "an object" };
	return k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* --- strings ------------------------------------------------------------------------- */

static uint64_t
bytes_hash(const uint8_t *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001B3ULL;
	return h ^ n;
}

/* Python's pickles encode str as UTF-8 with lone surrogates let through
 * ('surrogatepass'): anything else is refused.  NUL too: no file name has
 * one. */
static bool
utf8_ok(const uint8_t *s, size_t n, size_t *at)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t len;
		uint32_t cp, min;
		*at = i;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			len = 2, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			len = 3, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			len = 4, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff)
			return false;
		i += len;
	}
	return true;
}

static uint32_t
intern_str(struct pk *p, const uint8_t *s, size_t n)
{
	uint64_t h = bytes_hash(s, n);
	size_t mask, i;
	uint32_t id;
	if ((p->strn + 1) * 2 > p->shcap) {
		free(p->shash);
		p->shcap = p->shcap ? p->shcap * 2 : 256;
		p->shash = xmallocarray(p->shcap, sizeof *p->shash);
		memset(p->shash, 0xff, p->shcap * sizeof *p->shash);
		mask = p->shcap - 1;
		for (uint32_t k = 0; k < p->strn; k++) {
			for (i = bytes_hash((const uint8_t *)p->strs[k].s, p->strs[k].len) & mask;
			     p->shash[i] != UINT32_MAX; i = (i + 1) & mask)
				;
			p->shash[i] = k;
		}
	}
	mask = p->shcap - 1;
	for (i = h & mask; (id = p->shash[i]) != UINT32_MAX; i = (i + 1) & mask)
		if (p->strs[id].len == n && memcmp(p->strs[id].s, s, n) == 0)
			return id;
	XGROW(p->strs, p->strcap, p->strn + 1);
	p->strs[p->strn].s = arena_strndup(&p->arena, (const char *)s, n);
	p->strs[p->strn].len = n;
	p->shash[i] = (uint32_t)p->strn;
	return (uint32_t)p->strn++;
}

static bool
str_is(const struct pk *p, const struct pv *v, const char *s)
{
	return v->kind == PK_STR && strcmp(p->strs[v->x].s, s) == 0;
}

/* --- the machine ----------------------------------------------------------------------- */

static void
push(struct pk *p, struct pv v)
{
	XGROW(p->stack, p->scap, p->sn + 1);
	p->stack[p->sn++] = v;
}

/* the lowest stack slot the current opcode may pop */
static size_t
fence(const struct pk *p)
{
	return p->mn ? p->marks[p->mn - 1] : 0;
}

/* n values above the fence, or an error */
static bool
have(struct pk *p, size_t off, size_t n, const char *op)
{
	if (p->sn - fence(p) >= n)
		return true;
	bad(p, off, "%s: the pickle stack has %zu value%s here, it needs %zu", op,
	    p->sn - fence(p), p->sn - fence(p) == 1 ? "" : "s", n);
	return false;
}

static bool
pop_mark(struct pk *p, size_t off, const char *op, size_t *from)
{
	if (p->mn == 0) {
		bad(p, off, "%s without a MARK", op);
		return false;
	}
	*from = p->marks[--p->mn];
	return true;
}

static struct pv
new_tuple(struct pk *p, const struct pv *items, size_t n)
{
	struct pv t = { PK_TUPLE, (uint32_t)n, p->pn };
	if (n) {
		XGROW(p->pool, p->pcap, p->pn + n);
		memcpy(p->pool + p->pn, items, n * sizeof *items);
		p->pn += n;
	}
	return t;
}

static void
seq_add(struct seq *s, const struct pv *v, size_t n)
{
	if (n == 0)
		return;
	XGROW(s->v, s->cap, s->n + n);
	memcpy(s->v + s->n, v, n * sizeof *v);
	s->n += n;
}

static bool
set_global(struct pk *p, size_t off, const uint8_t *mod, size_t modlen, const uint8_t *name,
           size_t namelen)
{
	if (modlen == 11 && memcmp(mod, "tracemalloc", 11) == 0)
		for (uint32_t t = 0; t < 2; t++)
			if (namelen == strlen(tag_names[t]) && memcmp(name, tag_names[t], namelen) == 0) {
				push(p, (struct pv){ PK_CLASS, 0, t });
				return true;
			}
	bad(p, off, "the pickle names '%.*s.%.*s': only tracemalloc.Snapshot and "
	    "tracemalloc._Traces are allowed (this reader runs no code)", (int)(modlen > 200 ? 200 : modlen),
	    (const char *)mod, (int)(namelen > 200 ? 200 : namelen), (const char *)name);
	return false;
}

static uint64_t
le(const uint8_t *b, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static bool
memo_put(struct pk *p, size_t off, uint64_t idx)
{
	if (p->sn <= fence(p))
		return bad(p, off, "a memo write with nothing on the pickle stack"), false;
	/* Python's pickler numbers the memo from 0 up, each new entry the
	 * next: an index past the next one cannot come from it (and would
	 * make the memo as large as the index says) */
	if (idx > p->memon)
		return bad(p, off, "memo index %" PRIu64 " skips past the memo's %zu entries", idx,
		           p->memon), false;
	if (idx == p->memon) {
		XGROW(p->memo, p->memocap, p->memon + 1);
		p->memon++;
	}
	p->memo[idx] = p->stack[p->sn - 1];
	return true;
}

/* Runs the pickle; the one value it leaves is *top. */
static int
run(struct pk *p, struct pv *top)
{
	const uint8_t *d = p->d;
	size_t pos = 0, size = p->size, next_report = 1u << 20;

	if (size < 2 || d[0] != 0x80)
		return bad(p, 0, "not a pickle of protocol 2 or later (tracemalloc snapshots "
		           "start with PROTO)");
	while (pos < size) {
		size_t off = pos, from, n;
		uint8_t op = d[pos++];
		size_t left = size - pos;
		uint64_t u;

		if (pos >= next_report) {
			if (progress_update(p->progress, "reading", pos, size))
				return error_set(p->err, HS_ECANCEL, p->path, "cancelled");
			next_report = pos + (1u << 20);
		}
#define NEED(k)                                                                            \
	do {                                                                                   \
		if (left < (k))                                                                    \
			return bad(p, off, "%s cut short by the end of the file", op_name(op));        \
	} while (0)
#define HAVE(k)                                                                            \
	do {                                                                                   \
		if (!have(p, off, (k), op_name(op)))                                               \
			return HS_EINPUT;                                                              \
	} while (0)
		switch (op) {
		case 0x80:	/* PROTO */
			NEED(1);
			if (off != 0)
				return bad(p, off, "PROTO after the start of the pickle");
			p->proto = d[pos++];
			if (p->proto < 2 || p->proto > 5)
				return bad(p, off, "pickle protocol %d: tracemalloc snapshots are 2 to 5",
				           p->proto);
			break;
		case 0x95:	/* FRAME: a length, the opcodes follow */
			NEED(8);
			u = le(d + pos, 8);
			pos += 8;
			if (u > size - pos)
				return bad(p, off, "FRAME of %" PRIu64 " bytes, but %zu are left (the file is "
				           "cut short?)", u, size - pos);
			break;
		case '.':	/* STOP */
			if (p->mn)
				return bad(p, off, "STOP with a MARK still open");
			if (p->sn != 1)
				return bad(p, off, "STOP with %zu values on the pickle stack, not 1", p->sn);
			if (pos != size)
				return bad(p, pos, "%zu bytes after the pickle's STOP", size - pos);
			*top = p->stack[0];
			return HS_OK;
		case '(':	/* MARK */
			XGROW(p->marks, p->mcap, p->mn + 1);
			p->marks[p->mn++] = p->sn;
			break;
		case 'N':
			push(p, (struct pv){ PK_NONE, 0, 0 });
			break;
		case 0x88:
		case 0x89:
			push(p, (struct pv){ PK_BOOL, 0, op == 0x88 });
			break;
		case 'J':	/* BININT: signed 32 bits */
			NEED(4);
			push(p, (struct pv){ PK_INT, 0, (uint64_t)(int64_t)(int32_t)(uint32_t)le(d + pos, 4) });
			pos += 4;
			break;
		case 'K':
			NEED(1);
			push(p, (struct pv){ PK_INT, 0, d[pos++] });
			break;
		case 'M':
			NEED(2);
			push(p, (struct pv){ PK_INT, 0, le(d + pos, 2) });
			pos += 2;
			break;
		case 0x8a:	/* LONG1: n bytes, two's complement, little-endian */
			NEED(1);
			n = d[pos++];
			NEED(1 + n);
			if (n > 8)
				return bad(p, off, "an integer of %zu bytes: more than 64 bits", n);
			u = le(d + pos, n);
			if (n > 0 && n < 8 && (d[pos + n - 1] & 0x80))
				u |= ~(uint64_t)0 << (8 * n);	/* sign-extend */
			pos += n;
			push(p, (struct pv){ PK_INT, 0, u });
			break;
		case 0x8c:	/* SHORT_BINUNICODE */
		case 'X':	/* BINUNICODE */
		case 0x8d: {	/* BINUNICODE8 */
			size_t w = op == 0x8c ? 1 : op == 'X' ? 4 : 8, at;
			NEED(w);
			u = le(d + pos, w);
			pos += w;
			if (u > size - pos)
				return bad(p, off, "a string of %" PRIu64 " bytes, but %zu are left (the file "
				           "is cut short?)", u, size - pos);
			if (!utf8_ok(d + pos, (size_t)u, &at))
				return bad(p, pos + at, "%s in a string",
				           d[pos + at] ? "invalid UTF-8" : "a NUL character");
			push(p, (struct pv){ PK_STR, 0, intern_str(p, d + pos, (size_t)u) });
			pos += (size_t)u;
			break;
		}
		case ')':
			push(p, new_tuple(p, NULL, 0));
			break;
		case 0x85:
		case 0x86:
		case 0x87: {	/* TUPLE1-3 */
			struct pv t;
			n = (size_t)(op - 0x84);
			HAVE(n);
			t = new_tuple(p, p->stack + p->sn - n, n);
			p->sn -= n;
			push(p, t);
			break;
		}
		case 't': {
			struct pv t;
			if (!pop_mark(p, off, "TUPLE", &from))
				return HS_EINPUT;
			if (p->sn - from > UINT32_MAX)
				return bad(p, off, "a tuple of more than 2^32 items");
			t = new_tuple(p, p->sn > from ? p->stack + from : NULL, p->sn - from);
			p->sn = from;
			push(p, t);
			break;
		}
		case ']':
			XGROW(p->lists, p->lcap, p->ln + 1);
			memset(&p->lists[p->ln], 0, sizeof p->lists[p->ln]);
			push(p, (struct pv){ PK_LIST, 0, p->ln++ });
			break;
		case '}':
			XGROW(p->dicts, p->dcap, p->dn + 1);
			memset(&p->dicts[p->dn], 0, sizeof p->dicts[p->dn]);
			push(p, (struct pv){ PK_DICT, 0, p->dn++ });
			break;
		case 'a':	/* APPEND */
			HAVE(2);
			if (p->stack[p->sn - 2].kind != PK_LIST)
				return bad(p, off, "APPEND to %s, not a list", kind_name(p->stack[p->sn - 2].kind));
			seq_add(&p->lists[p->stack[p->sn - 2].x], &p->stack[p->sn - 1], 1);
			p->sn--;
			break;
		case 'e':	/* APPENDS */
			if (!pop_mark(p, off, "APPENDS", &from))
				return HS_EINPUT;
			if (from == 0 || from <= fence(p))
				return bad(p, off, "APPENDS with no list below its MARK");
			if (p->stack[from - 1].kind != PK_LIST)
				return bad(p, off, "APPENDS to %s, not a list", kind_name(p->stack[from - 1].kind));
			seq_add(&p->lists[p->stack[from - 1].x], p->stack + from, p->sn - from);
			p->sn = from;
			break;
		case 's':	/* SETITEM */
			HAVE(3);
			if (p->stack[p->sn - 3].kind != PK_DICT)
				return bad(p, off, "SETITEM on %s, not a dict", kind_name(p->stack[p->sn - 3].kind));
			seq_add(&p->dicts[p->stack[p->sn - 3].x], &p->stack[p->sn - 2], 2);
			p->sn -= 2;
			break;
		case 'u':	/* SETITEMS */
			if (!pop_mark(p, off, "SETITEMS", &from))
				return HS_EINPUT;
			if (from == 0 || from <= fence(p))
				return bad(p, off, "SETITEMS with no dict below its MARK");
			if (p->stack[from - 1].kind != PK_DICT)
				return bad(p, off, "SETITEMS on %s, not a dict", kind_name(p->stack[from - 1].kind));
			if ((p->sn - from) % 2)
				return bad(p, off, "SETITEMS with a key and no value");
			seq_add(&p->dicts[p->stack[from - 1].x], p->stack + from, p->sn - from);
			p->sn = from;
			break;
		case 'c': {	/* GLOBAL "module\nname\n" */
			const uint8_t *mod = d + pos, *nl1, *name, *nl2;
			nl1 = memchr(mod, '\n', left);
			if (nl1 == NULL)
				return bad(p, off, "GLOBAL cut short by the end of the file");
			name = nl1 + 1;
			nl2 = memchr(name, '\n', (size_t)(d + size - name));
			if (nl2 == NULL)
				return bad(p, off, "GLOBAL cut short by the end of the file");
			if (!set_global(p, off, mod, (size_t)(nl1 - mod), name, (size_t)(nl2 - name)))
				return HS_EINPUT;
			pos = (size_t)(nl2 + 1 - d);
			break;
		}
		case 0x93: {	/* STACK_GLOBAL */
			const struct pv *m, *nm;
			HAVE(2);
			m = &p->stack[p->sn - 2];
			nm = &p->stack[p->sn - 1];
			if (m->kind != PK_STR || nm->kind != PK_STR)
				return bad(p, off, "STACK_GLOBAL of %s and %s, not two strings",
				           kind_name(m->kind), kind_name(nm->kind));
			{
				const struct pstr *ms = &p->strs[m->x], *ns = &p->strs[nm->x];
				p->sn -= 2;
				if (!set_global(p, off, (const uint8_t *)ms->s, ms->len, (const uint8_t *)ns->s,
				                ns->len))
					return HS_EINPUT;
			}
			break;
		}
		case 0x81: {	/* NEWOBJ: cls.__new__(cls, *args), here a tagged empty object */
			const struct pv *cls, *args;
			HAVE(2);
			cls = &p->stack[p->sn - 2];
			args = &p->stack[p->sn - 1];
			if (cls->kind != PK_CLASS)
				return bad(p, off, "NEWOBJ of %s, not tracemalloc's class", kind_name(cls->kind));
			if (args->kind != PK_TUPLE || args->n != 0)
				return bad(p, off, "NEWOBJ with arguments: tracemalloc's objects have none");
			XGROW(p->objs, p->ocap, p->on + 1);
			p->objs[p->on] = (struct obj){ (uint32_t)cls->x, false, { PK_NONE, 0, 0 } };
			p->sn -= 2;
			push(p, (struct pv){ PK_OBJ, 0, p->on++ });
			break;
		}
		case 'b': {	/* BUILD: obj.__dict__.update(state) */
			const struct pv *o, *st;
			HAVE(2);
			o = &p->stack[p->sn - 2];
			st = &p->stack[p->sn - 1];
			if (o->kind != PK_OBJ)
				return bad(p, off, "BUILD of %s, not a tracemalloc object", kind_name(o->kind));
			if (st->kind != PK_DICT)
				return bad(p, off, "BUILD with %s, not a dict", kind_name(st->kind));
			if (p->objs[o->x].built)
				return bad(p, off, "BUILD of an object already built");
			p->objs[o->x].built = true;
			p->objs[o->x].state = *st;
			p->sn--;
			break;
		}
		case 0x94:	/* MEMOIZE */
			if (!memo_put(p, off, p->memon))
				return HS_EINPUT;
			break;
		case 'q':
		case 'r':	/* BINPUT, LONG_BINPUT */
			n = op == 'q' ? 1 : 4;
			NEED(n);
			u = le(d + pos, n);
			pos += n;
			if (!memo_put(p, off, u))
				return HS_EINPUT;
			break;
		case 'h':
		case 'j':	/* BINGET, LONG_BINGET */
			n = op == 'h' ? 1 : 4;
			NEED(n);
			u = le(d + pos, n);
			pos += n;
			if (u >= p->memon || p->memo[u].kind == PK_UNSET)
				return bad(p, off, "memo %" PRIu64 " read before it is written", u);
			push(p, p->memo[u]);
			break;
		default:
			if (op_name(op))
				return bad(p, off, "pickle opcode %s (0x%02x) is not allowed in a tracemalloc "
				           "snapshot: this reader runs no code and reads only the opcodes "
				           "Snapshot.dump() writes", op_name(op), op);
			return bad(p, off, "0x%02x is not a pickle opcode", op);
		}
#undef NEED
#undef HAVE
	}
	return bad(p, size, "the pickle ends without STOP (the file is cut short)");
}

/* --- the snapshot ---------------------------------------------------------------------- */

/* dict d's value for the string key, or NULL */
static const struct pv *
dict_get(const struct pk *p, const struct pv *d, const char *key)
{
	const struct seq *s = &p->dicts[d->x];
	const struct pv *found = NULL;
	for (size_t i = 0; i + 1 < s->n; i += 2)
		if (str_is(p, &s->v[i], key))
			found = &s->v[i + 1];	/* the last one wins, as in Python */
	return found;
}

/* the state of an object of class tag, or NULL */
static const struct pv *
object_state(const struct pk *p, const struct pv *v, uint32_t tag)
{
	if (v->kind != PK_OBJ || p->objs[v->x].tag != tag || !p->objs[v->x].built)
		return NULL;
	return &p->objs[v->x].state;
}

static bool
int_in(const struct pv *v, int64_t lo, int64_t hi, int64_t *out)
{
	if (v->kind != PK_INT || (int64_t)v->x < lo || (int64_t)v->x > hi)
		return false;
	*out = (int64_t)v->x;
	return true;
}

/* (a, b) -> u32, open addressing */
struct kmap {
	uint64_t *k;	/* pairs */
	uint32_t *v;
	size_t cap, n;
};

static size_t
kmap_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL) * 0xBF58476D1CE4E5B9ULL;
	return (size_t)(h ^ h >> 31);
}

static uint32_t *
kmap_slot(struct kmap *m, uint64_t a, uint64_t b, bool *fresh)
{
	size_t mask, i;
	if ((m->n + 1) * 2 > m->cap) {
		uint64_t *ok = m->k;
		uint32_t *ov = m->v;
		size_t oc = m->cap;
		m->cap = oc ? oc * 2 : 1024;
		m->k = xmallocarray(m->cap, 2 * sizeof *m->k);
		m->v = xmallocarray(m->cap, sizeof *m->v);
		memset(m->v, 0xff, m->cap * sizeof *m->v);
		mask = m->cap - 1;
		for (size_t j = 0; j < oc; j++) {
			if (ov[j] == UINT32_MAX)
				continue;
			for (i = kmap_hash(ok[2 * j], ok[2 * j + 1]) & mask; m->v[i] != UINT32_MAX;
			     i = (i + 1) & mask)
				;
			m->k[2 * i] = ok[2 * j];
			m->k[2 * i + 1] = ok[2 * j + 1];
			m->v[i] = ov[j];
		}
		free(ok);
		free(ov);
	}
	mask = m->cap - 1;
	for (i = kmap_hash(a, b) & mask; m->v[i] != UINT32_MAX; i = (i + 1) & mask)
		if (m->k[2 * i] == a && m->k[2 * i + 1] == b) {
			*fresh = false;
			return &m->v[i];
		}
	m->k[2 * i] = a;
	m->k[2 * i + 1] = b;
	m->n++;
	*fresh = true;
	return &m->v[i];
}

static void
kmap_free(struct kmap *m)
{
	free(m->k);
	free(m->v);
}

struct snap {
	struct trace_builder *b;
	struct kmap frames;	/* (file id, line | leaf domain << 32 | 1 << 63) -> handle */
	struct kmap stacks;	/* (frames tuple's pool offset, domain) -> leaf node */
	char label[512];
	char module[32];
};

/* the handle of frame (file, line); leaf frames of other domains than 0
 * are told apart by their module */
static int
frame_handle(struct pk *p, struct snap *s, size_t i, const struct pv *fr, bool leaf,
             uint32_t domain, uint32_t *h)
{
	const struct pv *it;
	const struct pstr *file;
	int64_t line;
	uint64_t dkey;
	uint32_t *slot;
	bool fresh;

	if (fr->kind != PK_TUPLE || fr->n != 2)
		return bad_shape(p, "trace %zu: a frame is %s, not a (filename, lineno) tuple", i,
		           fr->kind == PK_TUPLE ? "a tuple of another length" : kind_name(fr->kind));
	it = &p->pool[fr->x];
	if (it[0].kind != PK_STR)
		return bad_shape(p, "trace %zu: a frame's filename is %s, not a str", i,
		                 kind_name(it[0].kind));
	if (!int_in(&it[1], 0, UINT32_MAX, &line))
		return bad_shape(p, "trace %zu: a frame's lineno is %s", i,
		                 it[1].kind == PK_INT ? "out of range" : "not an int");
	dkey = (uint64_t)line | (leaf && domain ? (uint64_t)domain << 32 | 1ull << 63 : 0);
	slot = kmap_slot(&s->frames, it[0].x, dkey, &fresh);
	if (fresh) {
		const char *base;
		struct sym_frame f;
		file = &p->strs[it[0].x];
		base = file->s;
		for (const char *c = file->s; *c; c++)
			if ((*c == '/' || *c == '\\') && c[1])
				base = c + 1;
		snprintf(s->label, sizeof s->label, "%s:%" PRId64, base, line);
		if (leaf && domain)
			snprintf(s->module, sizeof s->module, "domain %" PRIu32, domain);
		else
			strcpy(s->module, "python");
		f = (struct sym_frame){ s->label, file->s, (uint32_t)line, 0 };
		*slot = tb_frames(s->b, &f, 1, s->module);
	}
	*h = *slot;
	return HS_OK;
}

/* the leaf node of a traceback (frames: the most recent first) */
static int
stack_node(struct pk *p, struct snap *s, size_t i, const struct pv *frames, uint32_t domain,
           uint32_t *leaf)
{
	uint32_t *slot, node = TB_ROOT;
	bool fresh;
	slot = kmap_slot(&s->stacks, frames->x, domain, &fresh);
	if (!fresh) {
		*leaf = *slot;
		return HS_OK;
	}
	*slot = TB_ROOT;
	if (frames->n == 0) {
		/* tracemalloc writes <unknown>:0 when there is no frame; a file
		 * with none at all gets that frame */
		static const struct sym_frame unknown = { "<unknown>:0", "<unknown>", 0, 0 };
		if (domain)
			snprintf(s->module, sizeof s->module, "domain %" PRIu32, domain);
		else
			strcpy(s->module, "python");
		node = tb_node(s->b, TB_ROOT, 0, tb_frames(s->b, &unknown, 1, s->module));
	}
	for (uint32_t k = frames->n; k-- > 0;) {
		uint32_t h = 0;
		int r = frame_handle(p, s, i, &p->pool[frames->x + k], k == 0, domain, &h);
		if (r != HS_OK)
			return r;
		node = tb_node(s->b, node, 0, h);
		if (node == TB_FULL)
			return bad_shape(p, "more than %u stack nodes", TB_MAX_NODES);
	}
	*leaf = *slot = node;
	return HS_OK;
}

static int
read_snapshot(struct pk *p, const struct pv *top, struct trace_builder *b)
{
	static const char *const names[6] = { [TRACE_LEAKED_BYTES] = "size", [TRACE_LEAKED] = "count" };
	const struct pv *st, *traces, *tst, *list, *limit, *items;
	struct snap s;
	size_t count;
	int64_t lim;
	uint64_t truncated = 0, max_total = 0, other_n = 0, other_bytes = 0;
	bool has_total = false;
	int r = HS_OK;

	if ((st = object_state(p, top, TAG_SNAPSHOT)) == NULL)
		return bad_shape(p, "the pickle holds %s, not a built tracemalloc.Snapshot",
		           top->kind == PK_OBJ ? "another object" : kind_name(top->kind));
	if ((traces = dict_get(p, st, "traces")) == NULL)
		return bad_shape(p, "the Snapshot has no 'traces'");
	if ((limit = dict_get(p, st, "traceback_limit")) == NULL || !int_in(limit, 0, INT32_MAX, &lim))
		return bad_shape(p, "the Snapshot's 'traceback_limit' is %s",
		                 limit ? "not an int of 0 to 2^31-1" : "missing");
	if ((tst = object_state(p, traces, TAG_TRACES)) == NULL)
		return bad_shape(p, "the Snapshot's 'traces' is not a built tracemalloc._Traces");
	if ((list = dict_get(p, tst, "_traces")) == NULL)
		return bad_shape(p, "the _Traces has no '_traces'");
	if (list->kind == PK_LIST) {
		items = p->lists[list->x].v;
		count = p->lists[list->x].n;
	} else if (list->kind == PK_TUPLE) {
		items = list->n ? p->pool + list->x : NULL;
		count = list->n;
	} else {
		return bad_shape(p, "the traces are %s, not a list", kind_name(list->kind));
	}

	memset(&s, 0, sizeof s);
	s.b = b;
	tb_measures(b, 1u << TRACE_LEAKED_BYTES | 1u << TRACE_LEAKED, names);
	tb_main_measure(b, TRACE_LEAKED_BYTES);
	progress_phase(p->progress, "stacks", count);
	for (size_t i = 0; i < count; i++) {
		const struct pv *tr = &items[i], *it;
		int64_t domain, size, total = -1;
		uint32_t leaf = TB_ROOT;
		if ((i & 0xffff) == 0 && progress_update(p->progress, "stacks", i, count)) {
			r = error_set(p->err, HS_ECANCEL, p->path, "cancelled");
			break;
		}
		if (tr->kind != PK_TUPLE || (tr->n != 3 && tr->n != 4)) {
			r = bad_shape(p, "trace %zu is %s, not (domain, size, frames[, total_nframe])", i,
			        tr->kind == PK_TUPLE ? "a tuple of another length" : kind_name(tr->kind));
			break;
		}
		it = &p->pool[tr->x];
		if (!int_in(&it[0], 0, UINT32_MAX, &domain) || !int_in(&it[1], 0, INT64_MAX, &size) ||
		    it[2].kind != PK_TUPLE || (tr->n == 4 && !int_in(&it[3], 0, UINT32_MAX, &total))) {
			r = bad_shape(p, "trace %zu is not (domain, size, frames[, total_nframe]) of "
			              "unsigned ints and a tuple", i);
			break;
		}
		if ((r = stack_node(p, &s, i, &it[2], (uint32_t)domain, &leaf)) != HS_OK)
			break;
		tb_add(b, leaf, &(struct trace_measure){ .leaked_bytes = (uint64_t)size, .leaked = 1 });
		if (total >= 0) {
			has_total = true;
			if ((uint64_t)total > it[2].n)
				truncated++;
			if ((uint64_t)total > max_total)
				max_total = (uint64_t)total;
		}
		if (domain) {
			other_n++;
			other_bytes += (uint64_t)size;
		}
	}
	if (r == HS_OK) {
		tb_info(b, "pickle_protocol", (uint64_t)p->proto);
		tb_info(b, "traceback_limit", (uint64_t)lim);
		if (has_total) {
			tb_info(b, "truncated_tracebacks", truncated);
			tb_info(b, "deepest_traceback", max_total);
		}
		tb_info(b, "other_domain_blocks", other_n);
		tb_info(b, "other_domain_bytes", other_bytes);
	}
	kmap_free(&s.frames);
	kmap_free(&s.stacks);
	return r;
}

/* --- the loader ------------------------------------------------------------------------ */

/* PROTO 2-5, then the Snapshot's global within the first bytes: GLOBAL
 * "ctracemalloc\nSnapshot\n" (2, 3) or the strings 'tracemalloc' and
 * 'Snapshot' for STACK_GLOBAL (4, 5), after a FRAME. */
static bool
tracemalloc_probe(const uint8_t *data, size_t size)
{
	size_t n = size < 64 ? size : 64, i;
	if (n < 4 || data[0] != 0x80 || data[1] < 2 || data[1] > 5)
		return false;
	if (data[1] <= 3)
		return n >= 2 + 22 && memcmp(data + 2, "ctracemalloc\nSnapshot\n", 22) == 0;
	for (i = 2; i + 13 <= n && memcmp(data + i, "\x8c\x0btracemalloc", 13) != 0; i++)
		;
	for (i += 13; i + 10 <= n && memcmp(data + i, "\x8c\x08Snapshot", 10) != 0; i++)
		;
	return i + 10 <= n;
}

static void
pk_free(struct pk *p)
{
	for (size_t i = 0; i < p->ln; i++)
		free(p->lists[i].v);
	for (size_t i = 0; i < p->dn; i++)
		free(p->dicts[i].v);
	free(p->lists);
	free(p->dicts);
	free(p->objs);
	free(p->stack);
	free(p->marks);
	free(p->memo);
	free(p->pool);
	free(p->strs);
	free(p->shash);
	arena_free(&p->arena);
}

static int
tracemalloc_load(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	struct pk p;
	struct pv top = { PK_NONE, 0, 0 };
	struct trace_builder *b;
	int r;

	memset(&p, 0, sizeof p);
	p.d = io->data;
	p.size = io->size;
	p.path = io->path;
	p.err = err;
	p.progress = progress;
	arena_init(&p.arena);
	progress_phase(progress, "reading", io->size);
	r = run(&p, &top);
	if (r == HS_OK) {
		b = tb_new(io->path, "tracemalloc");
		r = read_snapshot(&p, &top, b);
		if (r == HS_OK) {
			out->kind = MODEL_TRACE;
			out->trace = tb_finish(b);
		} else {
			tb_abandon(b);
		}
	}
	pk_free(&p);
	return r;
}

const struct loader_ops loader_tracemalloc = {
	.name = "tracemalloc",
	.description = "Python tracemalloc snapshots (Snapshot.dump()), read without running them",
	.probe = tracemalloc_probe,
	.load = tracemalloc_load,
};
