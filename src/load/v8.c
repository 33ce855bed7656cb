/* V8 / Chrome .heapsnapshot loader.
 *
 * The file is one JSON object (format: v8/src/profiler/heap-snapshot-generator.cc,
 * HeapSnapshotJSONSerializer):
 *   {"snapshot":{"meta":{...},"node_count":N,"edge_count":M,...},
 *    "nodes":[...N*node_fields...], "edges":[...M*edge_fields...],
 *    "trace_function_infos":[...], "trace_tree":[...], "samples":[...],
 *    "locations":[...], "strings":[...]}
 * The field layout is read from snapshot.meta, never assumed (node 20 writes 7
 * node fields, older versions 5 or 6).  Edges are grouped by source node in
 * node order; to_node is an offset into the nodes array (index x field count);
 * name_or_index is an element index for "element" and "hidden" edges and a
 * string index otherwise.  Node 0 (or snapshot.root_index) is the root.
 *
 * No JSON tree is built: the small "snapshot" object is parsed into a tiny
 * DOM; the number arrays are parsed straight into the model; strings are
 * decoded once into the model's string table.  Top-level keys may come in any
 * order (sections that need the meta are parsed after it); unknown keys are
 * skipped.  Every count is checked against the bytes that can hold it before
 * anything is allocated, every index against what it indexes, and every error
 * says at which byte offset. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/arena.h"
#include "heapsift/heap_builder.h"
#include "heapsift/load.h"
#include "heapsift/xalloc.h"

#define V8_MAX_FIELDS 64
#define V8_MAX_DEPTH 64		/* nesting inside "snapshot" */
#define V8_WINDOW ((size_t)1 << 20)	/* numbers parsed between bounds checks */
#define V8_LAG ((size_t)2 << 20)	/* input kept mapped behind the cursor */
#define V8_RELEASE ((size_t)8 << 20)	/* given back in steps this big */

/* --- a tiny JSON DOM, for the "snapshot" object only --------------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	bool is_uint;		/* J_NUM: a non-negative integer below 2^53 */
	uint64_t u;
	const char *s;		/* J_STR (NUL-terminated) */
	size_t len;
	size_t n;		/* J_ARR, J_OBJ */
	struct jval *items;
	const char **keys;	/* J_OBJ */
	size_t offset;		/* where the value starts, for errors */
};

#define CHUNK_BYTES ((size_t)2 << 20)
#define MAX_CHUNKS 256

struct edge_chunk {
	const uint8_t *start, *end;	/* end: just after a ',', or after the ']' */
	uint32_t first, count;
	int r;
	struct hs_error err;
	uint32_t max_name;
};

struct edge_work {
	struct edge_chunk *c;
	size_t n;
	atomic_size_t next;
	const uint8_t *after;	/* just after the array's ']' */
};

struct v8p {
	const char *path;
	const uint8_t *base, *end;
	struct io *io;
	struct hs_error *err;
	struct progress *progress;	/* NULL in the worker thread */
	struct heap_builder *b;
	struct arena dom;
	atomic_int *stop;		/* set when one task fails or is cancelled */
	char desc[32];			/* describe()'s buffer */
	uint32_t max_name;		/* largest string index a node or edge names */

	/* meta */
	bool have_meta;
	uint32_t nf, ef, lf;
	int f_type, f_name, f_id, f_self, f_edges, f_detach;
	int e_type, e_name, e_to;
	int l_obj, l_script, l_line, l_col;
	uint32_t node_count, edge_count;
	uint32_t node_types, edge_types;
	uint32_t root;
	bool indexed[HEAP_MAX_TYPES];

	/* sections seen (offset of the value) */
	size_t off_nodes, off_edges, off_locations, off_strings;
	bool has_nodes, has_edges, has_locations, has_strings;
	bool done_locations, edges_done, edges_chunked;
	struct edge_work edge_work;
};

static inline size_t
off(const struct v8p *v, const uint8_t *p)
{
	return (size_t)(p - v->base);
}

static int
fail(struct v8p *v, const uint8_t *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct v8p *v, const uint8_t *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_at(v->err, HS_EINPUT, v->path, off(v, p), "%s", msg);
}

static inline bool
is_ws(uint8_t c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline const uint8_t *
skip_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

static const char *
describe(struct v8p *v, const uint8_t *p)
{
	if (p >= v->end)
		return "the end of the file";
	if (*p >= 0x20 && *p < 0x7f)
		snprintf(v->desc, sizeof v->desc, "'%c'", *p);
	else
		snprintf(v->desc, sizeof v->desc, "byte 0x%02x", *p);
	return v->desc;
}

/* --- strings --------------------------------------------------------------- */

static inline int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const uint8_t *
read_hex4(const uint8_t *p, const uint8_t *end, unsigned *out)
{
	unsigned u = 0;
	if (end - p < 4)
		return NULL;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return NULL;
		u = u << 4 | (unsigned)h;
	}
	*out = u;
	return p + 4;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the JSON string whose opening quote is at *pp into out (which has
 * room for the raw length: escapes only shrink).  Lone surrogates become
 * U+FFFD.  Returns the decoded length, or -1 after setting the error. */
static long
decode_string(struct v8p *v, const uint8_t **pp, const uint8_t *close, char *out)
{
	const uint8_t *p = *pp + 1, *end = v->end;
	size_t n = 0;

	/* No backslash before the closing quote: a plain copy. */
	if (memchr(p, '\\', (size_t)(close - p)) == NULL) {
		n = (size_t)(close - p);
		memcpy(out, p, n);
		*pp = close + 1;
		return (long)n;
	}
	while (p < end) {
		const uint8_t *q = p;
		while (q < end && *q != '"' && *q != '\\')
			q++;
		memcpy(out + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		p = q;
		if (p >= end)
			break;
		if (*p == '"') {
			*pp = p + 1;
			return (long)n;
		}
		/* backslash */
		if (p + 1 >= end)
			break;
		switch (p[1]) {
		case '"': out[n++] = '"'; p += 2; break;
		case '\\': out[n++] = '\\'; p += 2; break;
		case '/': out[n++] = '/'; p += 2; break;
		case 'b': out[n++] = '\b'; p += 2; break;
		case 'f': out[n++] = '\f'; p += 2; break;
		case 'n': out[n++] = '\n'; p += 2; break;
		case 'r': out[n++] = '\r'; p += 2; break;
		case 't': out[n++] = '\t'; p += 2; break;
		case 'u': {
			unsigned cp, lo;
			const uint8_t *r = read_hex4(p + 2, end, &cp);
			if (r == NULL) {
				fail(v, p, "bad \\u escape in a string");
				return -1;
			}
			p = r;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* A high surrogate: a low one must follow to make a pair. */
				const uint8_t *r2;
				if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
				    (r2 = read_hex4(p + 2, end, &lo)) != NULL &&
				    lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p = r2;
				} else {
					cp = 0xfffd;
				}
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			n += put_utf8(out + n, cp);
			break;
		}
		default:
			fail(v, p, "bad escape '\\%c' in a string", p[1] >= 0x20 && p[1] < 0x7f ? p[1] : '?');
			return -1;
		}
	}
	fail(v, *pp, "unterminated string");
	return -1;
}

/* Finds the closing quote of the string opening at p (returns NULL if none). */
static const uint8_t *
string_end(const uint8_t *p, const uint8_t *end)
{
	p++;
	for (;;) {
		const uint8_t *q = memchr(p, '"', (size_t)(end - p));
		const uint8_t *s;
		size_t bs = 0;
		if (q == NULL)
			return NULL;
		for (s = q; s > p && s[-1] == '\\'; s--)
			bs++;
		if (bs % 2 == 0)
			return q;
		p = q + 1;
	}
}

/* --- skipping any value (unknown keys, trace_tree...), iteratively -------- */

static const uint8_t *
skip_value(struct v8p *v, const uint8_t *p)
{
	const uint8_t *end = v->end;
	uint8_t *open = NULL;	/* the brackets open, innermost last */
	size_t depth = 0, cap = 0;

	do {
		p = skip_ws(p, end);
		if (p >= end) {
			fail(v, p, "unexpected end of file inside a value");
			goto bad;
		}
		switch (*p) {
		case '[':
		case '{':
			XGROW(open, cap, depth + 1);
			open[depth++] = *p == '[' ? ']' : '}';
			p++;
			continue;
		case ']':
		case '}':
			if (depth == 0 || open[depth - 1] != *p) {
				fail(v, p, "unexpected %s", describe(v, p));
				goto bad;
			}
			depth--;
			p++;
			break;
		case '"': {
			const uint8_t *q = string_end(p, end);
			if (q == NULL) {
				fail(v, p, "unterminated string");
				goto bad;
			}
			p = q + 1;
			break;
		}
		case ',':
		case ':':
			if (depth == 0) {
				fail(v, p, "unexpected %s", describe(v, p));
				goto bad;
			}
			p++;
			continue;
		default:
			if ((*p >= '0' && *p <= '9') || *p == '-' || (*p >= 'a' && *p <= 'z')) {
				while (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' ||
				                   *p == '.' || (*p >= 'a' && *p <= 'z') || *p == 'E'))
					p++;
				break;
			}
			fail(v, p, "unexpected %s", describe(v, p));
			goto bad;
		}
	} while (depth > 0);
	free(open);
	return p;
bad:
	free(open);
	return NULL;
}

/* --- the "snapshot" object ------------------------------------------------ */

static const uint8_t *parse_jval(struct v8p *v, const uint8_t *p, struct jval *out, int depth);

static const uint8_t *
parse_jstring(struct v8p *v, const uint8_t *p, struct jval *out)
{
	const uint8_t *q = string_end(p, v->end);
	char *buf;
	long n;

	if (q == NULL) {
		fail(v, p, "unterminated string");
		return NULL;
	}
	buf = arena_alloc_bytes(&v->dom, (size_t)(q - p));
	n = decode_string(v, &p, q, buf);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	out->type = J_STR;
	out->s = buf;
	out->len = (size_t)n;
	return p;
}

static const uint8_t *
parse_jnumber(struct v8p *v, const uint8_t *p, struct jval *out)
{
	const uint8_t *start = p, *end = v->end;
	bool neg = false, frac = false;
	uint64_t u = 0;
	int digits = 0;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	while (p < end && *p >= '0' && *p <= '9') {
		if (digits < 18)
			u = u * 10 + (uint64_t)(*p - '0');
		digits++;
		p++;
	}
	if (digits == 0) {
		fail(v, start, "bad number");
		return NULL;
	}
	if (p < end && *p == '.') {
		frac = true;
		p++;
		if (p >= end || *p < '0' || *p > '9') {
			fail(v, start, "bad number");
			return NULL;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		frac = true;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9') {
			fail(v, start, "bad number");
			return NULL;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	out->type = J_NUM;
	out->is_uint = !neg && !frac && digits <= 15;
	out->u = u;
	return p;
}

static const uint8_t *
parse_jcontainer(struct v8p *v, const uint8_t *p, struct jval *out, int depth)
{
	bool obj = *p == '{';
	uint8_t close = obj ? '}' : ']';
	size_t cap = 0;

	out->type = obj ? J_OBJ : J_ARR;
	out->n = 0;
	out->items = NULL;
	out->keys = NULL;
	p = skip_ws(p + 1, v->end);
	if (p < v->end && *p == close)
		return p + 1;
	for (;;) {
		struct jval key;
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct jval *ni = arena_alloc(&v->dom, ncap * sizeof *ni);
			const char **nk = obj ? arena_alloc(&v->dom, ncap * sizeof *nk) : NULL;
			if (out->n) {
				memcpy(ni, out->items, out->n * sizeof *ni);
				if (obj)
					memcpy(nk, out->keys, out->n * sizeof *nk);
			}
			out->items = ni;
			out->keys = nk;
			cap = ncap;
		}
		p = skip_ws(p, v->end);
		if (obj) {
			if (p >= v->end || *p != '"') {
				fail(v, p, "expected a key, found %s", describe(v, p));
				return NULL;
			}
			p = parse_jstring(v, p, &key);
			if (p == NULL)
				return NULL;
			out->keys[out->n] = key.s;
			p = skip_ws(p, v->end);
			if (p >= v->end || *p != ':') {
				fail(v, p, "expected ':', found %s", describe(v, p));
				return NULL;
			}
			p++;
		}
		p = parse_jval(v, p, &out->items[out->n], depth + 1);
		if (p == NULL)
			return NULL;
		out->n++;
		p = skip_ws(p, v->end);
		if (p < v->end && *p == ',') {
			p++;
			continue;
		}
		if (p < v->end && *p == close)
			return p + 1;
		fail(v, p, "expected ',' or '%c', found %s", close, describe(v, p));
		return NULL;
	}
}

static const uint8_t *
parse_jval(struct v8p *v, const uint8_t *p, struct jval *out, int depth)
{
	p = skip_ws(p, v->end);
	memset(out, 0, sizeof *out);
	out->offset = off(v, p);
	if (p >= v->end) {
		fail(v, p, "unexpected end of file");
		return NULL;
	}
	if (depth > V8_MAX_DEPTH) {
		fail(v, p, "nesting deeper than %d levels", V8_MAX_DEPTH);
		return NULL;
	}
	switch (*p) {
	case '{':
	case '[':
		return parse_jcontainer(v, p, out, depth);
	case '"':
		return parse_jstring(v, p, out);
	case 't':
		if (v->end - p >= 4 && memcmp(p, "true", 4) == 0) {
			out->type = J_BOOL;
			out->u = 1;
			return p + 4;
		}
		break;
	case 'f':
		if (v->end - p >= 5 && memcmp(p, "false", 5) == 0) {
			out->type = J_BOOL;
			return p + 5;
		}
		break;
	case 'n':
		if (v->end - p >= 4 && memcmp(p, "null", 4) == 0) {
			out->type = J_NULL;
			return p + 4;
		}
		break;
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return parse_jnumber(v, p, out);
		break;
	}
	fail(v, p, "unexpected %s", describe(v, p));
	return NULL;
}

static const struct jval *
jget(const struct jval *o, const char *key)
{
	if (o == NULL || o->type != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return &o->items[i];
	return NULL;
}

static int
jfind_str(const struct jval *arr, const char *s)
{
	for (size_t i = 0; i < arr->n; i++)
		if (arr->items[i].type == J_STR && strcmp(arr->items[i].s, s) == 0)
			return (int)i;
	return -1;
}

static int
meta_fields(struct v8p *v, const struct jval *meta, const char *key, bool required,
            const struct jval **out)
{
	const struct jval *f = jget(meta, key);
	*out = NULL;
	if (f == NULL) {
		if (!required)
			return HS_OK;
		return error_at(v->err, HS_EINPUT, v->path, meta->offset,
		                "snapshot.meta has no \"%s\"", key);
	}
	if (f->type != J_ARR || f->n == 0 || f->n > V8_MAX_FIELDS)
		return error_at(v->err, HS_EINPUT, v->path, f->offset,
		                "snapshot.meta.%s must be an array of 1 to %d field names", key,
		                V8_MAX_FIELDS);
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].type != J_STR)
			return error_at(v->err, HS_EINPUT, v->path, f->items[i].offset,
			                "snapshot.meta.%s[%zu] is not a string", key, i);
	*out = f;
	return HS_OK;
}

static int
require_field(struct v8p *v, const struct jval *fields, const char *key, const char *name,
              int *out)
{
	*out = jfind_str(fields, name);
	if (*out < 0)
		return error_at(v->err, HS_EINPUT, v->path, fields->offset,
		                "snapshot.meta.%s has no \"%s\" field", key, name);
	return HS_OK;
}

/* The kind names: meta.X_types[offset of "type"] is an array of names. */
static int
meta_types(struct v8p *v, const struct jval *meta, const char *key, int type_field,
           const struct jval **out)
{
	const struct jval *t = jget(meta, key), *names;
	if (t == NULL || t->type != J_ARR || (size_t)type_field >= t->n)
		return error_at(v->err, HS_EINPUT, v->path, t ? t->offset : meta->offset,
		                "snapshot.meta.%s does not list the type names", key);
	names = &t->items[type_field];
	if (names->type != J_ARR || names->n == 0 || names->n > HEAP_MAX_TYPES)
		return error_at(v->err, HS_EINPUT, v->path, names->offset,
		                "snapshot.meta.%s[%d] must be an array of 1 to %d type names", key,
		                type_field, HEAP_MAX_TYPES);
	for (size_t i = 0; i < names->n; i++)
		if (names->items[i].type != J_STR)
			return error_at(v->err, HS_EINPUT, v->path, names->items[i].offset,
			                "snapshot.meta.%s[%d][%zu] is not a string", key, type_field, i);
	*out = names;
	return HS_OK;
}

static int
count_field(struct v8p *v, const struct jval *snap, const char *key, bool required,
            uint64_t *out)
{
	const struct jval *c = jget(snap, key);
	*out = 0;
	if (c == NULL) {
		if (!required)
			return HS_OK;
		return error_at(v->err, HS_EINPUT, v->path, snap->offset,
		                "snapshot has no \"%s\"", key);
	}
	if (c->type != J_NUM || !c->is_uint)
		return error_at(v->err, HS_EINPUT, v->path, c->offset,
		                "snapshot.%s is not a non-negative integer", key);
	*out = c->u;
	return HS_OK;
}

static int
parse_meta(struct v8p *v, const uint8_t *p, const uint8_t **after)
{
	struct jval snap;
	const struct jval *meta, *nfields, *efields, *lfields, *ntypes, *etypes;
	uint64_t nc, ec, root, extra;
	size_t remaining;
	int r;

	p = parse_jval(v, p, &snap, 0);
	if (p == NULL)
		return HS_EINPUT;
	*after = p;
	if (snap.type != J_OBJ)
		return error_at(v->err, HS_EINPUT, v->path, snap.offset,
		                "\"snapshot\" is not an object");
	meta = jget(&snap, "meta");
	if (meta == NULL || meta->type != J_OBJ)
		return error_at(v->err, HS_EINPUT, v->path, snap.offset,
		                "snapshot has no \"meta\" object");
	if ((r = meta_fields(v, meta, "node_fields", true, &nfields)) ||
	    (r = meta_fields(v, meta, "edge_fields", true, &efields)) ||
	    (r = meta_fields(v, meta, "location_fields", false, &lfields)))
		return r;
	v->nf = (uint32_t)nfields->n;
	v->ef = (uint32_t)efields->n;
	if ((r = require_field(v, nfields, "node_fields", "type", &v->f_type)) ||
	    (r = require_field(v, nfields, "node_fields", "name", &v->f_name)) ||
	    (r = require_field(v, nfields, "node_fields", "id", &v->f_id)) ||
	    (r = require_field(v, nfields, "node_fields", "self_size", &v->f_self)) ||
	    (r = require_field(v, nfields, "node_fields", "edge_count", &v->f_edges)) ||
	    (r = require_field(v, efields, "edge_fields", "type", &v->e_type)) ||
	    (r = require_field(v, efields, "edge_fields", "name_or_index", &v->e_name)) ||
	    (r = require_field(v, efields, "edge_fields", "to_node", &v->e_to)))
		return r;
	v->f_detach = jfind_str(nfields, "detachedness");
	if (lfields) {
		v->lf = (uint32_t)lfields->n;
		v->l_obj = jfind_str(lfields, "object_index");
		v->l_script = jfind_str(lfields, "script_id");
		v->l_line = jfind_str(lfields, "line");
		v->l_col = jfind_str(lfields, "column");
		if (v->l_obj < 0 || v->l_script < 0 || v->l_line < 0 || v->l_col < 0)
			return error_at(v->err, HS_EINPUT, v->path, lfields->offset,
			                "snapshot.meta.location_fields lacks object_index, script_id, line or column");
	}
	if ((r = meta_types(v, meta, "node_types", v->f_type, &ntypes)) ||
	    (r = meta_types(v, meta, "edge_types", v->e_type, &etypes)))
		return r;
	if ((r = count_field(v, &snap, "node_count", true, &nc)) ||
	    (r = count_field(v, &snap, "edge_count", true, &ec)) ||
	    (r = count_field(v, &snap, "root_index", false, &root)) ||
	    (r = count_field(v, &snap, "extra_native_bytes", false, &extra)))
		return r;

	/* Every number in the arrays takes at least two bytes (a digit and a
	 * separator), so the file's size bounds the counts (the arrays may
	 * come before the meta). */
	remaining = (size_t)(v->end - v->base);
	if (nc == 0 || nc >= UINT32_MAX || nc * v->nf > remaining / 2)
		return error_at(v->err, HS_EINPUT, v->path, jget(&snap, "node_count")->offset,
		                "node_count %" PRIu64 " is impossible: a file of %zu bytes holds at most %zu numbers",
		                nc, remaining, remaining / 2);
	if (ec >= UINT32_MAX || ec * v->ef > remaining / 2 ||
	    nc * v->nf + ec * v->ef > remaining / 2)
		return error_at(v->err, HS_EINPUT, v->path, jget(&snap, "edge_count")->offset,
		                "edge_count %" PRIu64 " is impossible: a file of %zu bytes holds at most %zu numbers",
		                ec, remaining, remaining / 2);
	if (root % v->nf != 0 || root / v->nf >= nc)
		return error_at(v->err, HS_EINPUT, v->path, jget(&snap, "root_index")->offset,
		                "root_index %" PRIu64 " is not the offset of a node", root);
	v->node_count = (uint32_t)nc;
	v->edge_count = (uint32_t)ec;
	v->root = (uint32_t)(root / v->nf);

	v->node_types = (uint32_t)ntypes->n;
	for (size_t i = 0; i < ntypes->n; i++)
		hb_node_type(v->b, ntypes->items[i].s);
	v->edge_types = (uint32_t)etypes->n;
	for (size_t i = 0; i < etypes->n; i++) {
		const char *t = etypes->items[i].s;
		/* DevTools: element and hidden edges are named by index. */
		v->indexed[i] = strcmp(t, "element") == 0 || strcmp(t, "hidden") == 0;
		hb_edge_type(v->b, t, v->indexed[i]);
	}
	hb_alloc(v->b, v->node_count, v->edge_count);
	if (v->f_detach >= 0)
		hb_alloc_detachedness(v->b);
	hb_root(v->b, v->root);
	hb_extra_native(v->b, extra);
	v->have_meta = true;
	return HS_OK;
}

/* --- number arrays -----------------------------------------------------------
 * Parsed window by window: a window ends right after the last ',' within
 * V8_WINDOW bytes (or at a ']'), so the loops inside need no bounds checks:
 * every loop stops at a ',' or ']', and reading stops at the first ']'.
 * The input is read once, front to back; pages behind the cursor are given
 * back as we go. */

struct numarr {
	const uint8_t *p, *wend;
	const uint8_t *limit;	/* windows end before it (a chunk's end) */
	const uint8_t *region;	/* where this array starts: release from here */
	size_t released;	/* bytes of the region given back */
	bool last;		/* the last number read was followed by ']' */
	const char *what;
};

static bool
na_open(struct v8p *v, struct numarr *a, const uint8_t *p, const char *what)
{
	p = skip_ws(p, v->end);
	if (p >= v->end || *p != '[') {
		fail(v, p, "\"%s\" is not an array (found %s)", what, describe(v, p));
		return false;
	}
	a->p = a->wend = p + 1;
	a->limit = v->end;
	a->region = p;
	a->released = 0;
	a->last = false;
	a->what = what;
	return true;
}

/* Gives back the region's pages more than V8_LAG behind the cursor; only
 * whole pages inside the region, so two threads never touch one page. */
static void
na_release(struct v8p *v, struct numarr *a)
{
	size_t done = (size_t)(a->p - a->region), from, to;
	const size_t pg = 4096;
	if (done < V8_LAG + a->released + V8_RELEASE)
		return;
	from = ((size_t)(a->region - v->base) + a->released + pg - 1) & ~(pg - 1);
	to = ((size_t)(a->region - v->base) + done - V8_LAG) & ~(pg - 1);
	if (to > from)
		io_release_range(v->io, from, to);
	a->released = done - V8_LAG;
}

static bool
na_window(struct v8p *v, struct numarr *a)
{
	size_t len = (size_t)(a->limit - a->p);
	size_t win = V8_WINDOW;
	const uint8_t *q;

	na_release(v, a);
	for (;;) {
		size_t n = len < win ? len : win;
		/* The last ',' is enough: a ']' before it stops the loops too,
		 * and reading stops at the ']'. */
		q = memrchr(a->p, ',', n);
		if (q) {
			a->wend = q + 1;
			return true;
		}
		q = memchr(a->p, ']', n);
		if (q) {
			a->wend = q + 1;
			return true;
		}
		if (n == len) {
			fail(v, a->p, "\"%s\": unterminated array (truncated file?)", a->what);
			return false;
		}
		win *= 2;	/* a long run of white space */
	}
}

static bool __attribute__((noinline))
na_bad(struct v8p *v, struct numarr *a, const uint8_t *p, const uint8_t *start)
{
	if (start && p - start > 15)
		fail(v, start, "\"%s\": number too large", a->what);
	else if (start)
		fail(v, p, "\"%s\": expected ',' or ']', found %s", a->what, describe(v, p));
	else if (*p == ']')
		fail(v, p, "\"%s\" ends before the count in snapshot.meta says (truncated?)", a->what);
	else
		fail(v, p, "\"%s\": expected an unsigned integer, found %s", a->what, describe(v, p));
	return false;
}

/* Reads one unsigned integer and the separator after it.  Returns false
 * after setting the error.  The common case (digits, then ',' perhaps after
 * a newline) takes a handful of instructions. */
static inline __attribute__((always_inline)) bool
na_read(struct v8p *v, struct numarr *a, uint64_t *out)
{
	const uint8_t *p = a->p, *start;
	uint64_t u;
	unsigned d;

	if (__builtin_expect(p >= a->wend, 0)) {
		if (!na_window(v, a))
			return false;
		p = a->p;
	}
	while (__builtin_expect(is_ws(*p), 0))
		p++;
	start = p;
	d = (unsigned)(*p - '0');
	if (__builtin_expect(d > 9, 0))
		return na_bad(v, a, p, NULL);
	u = d;
	p++;
	while ((d = (unsigned)(*p - '0')) <= 9) {
		u = u * 10 + d;
		p++;
	}
	if (__builtin_expect(p - start > 15, 0))
		return na_bad(v, a, p, start);
	while (__builtin_expect(is_ws(*p), 0))
		p++;
	if (__builtin_expect(*p == ',', 1)) {
		p++;
	} else if (*p == ']') {
		a->last = true;	/* stays on the bracket */
	} else {
		return na_bad(v, a, p, start);
	}
	*out = u;
	a->p = p;
	return true;
}

/* After the expected count: the array must close here. */
static bool
na_close(struct v8p *v, struct numarr *a, const char *expected)
{
	if (!a->last) {
		const uint8_t *p;
		if (a->p >= a->wend && !na_window(v, a))
			return false;
		p = skip_ws(a->p, a->wend);
		if (p >= a->wend || *p != ']') {
			fail(v, p, "\"%s\" has more than %s numbers", a->what, expected);
			return false;
		}
		a->p = p;
	}
	a->p++;
	return true;
}

static bool
should_stop(struct v8p *v, const uint8_t *p, const char *phase)
{
	if (atomic_load_explicit(v->stop, memory_order_relaxed))
		return true;
	if (v->progress &&
	    progress_update(v->progress, phase, off(v, p), (uint64_t)(v->end - v->base))) {
		error_set(v->err, HS_ECANCEL, v->path, "cancelled");
		return true;
	}
	return false;
}

static int
parse_nodes(struct v8p *v, const uint8_t *p)
{
	struct numarr a;
	uint64_t f[V8_MAX_FIELDS];
	uint64_t edge_sum = 0;
	uint32_t max_name = 0;
	const uint32_t nf = v->nf, nt = v->node_types;
	const int ft = v->f_type, fn = v->f_name, fi = v->f_id, fs = v->f_self, fe = v->f_edges;
	const int fd = v->f_detach;

	if (!na_open(v, &a, p, "nodes"))
		return HS_EINPUT;
	for (uint32_t i = 0; i < v->node_count; i++) {
		const uint8_t *node_start = a.p;
		/* After a closing ']', the next read fails: no count check needed. */
		for (uint32_t j = 0; j < nf; j++)
			if (!na_read(v, &a, &f[j]))
				return HS_EINPUT;
		if (f[ft] >= nt)
			return fail(v, node_start, "node %" PRIu32 ": type %" PRIu64 " is not one of the %" PRIu32 " node types",
			            i, f[ft], nt);
		if (f[fn] >= UINT32_MAX || f[fs] > UINT32_MAX || f[fe] > UINT32_MAX)
			return fail(v, node_start, "node %" PRIu32 ": a field is out of range", i);
		edge_sum += f[fe];
		if (edge_sum > v->edge_count)
			return fail(v, node_start,
			            "node %" PRIu32 ": the edge counts of the nodes so far add up to %" PRIu64
			            ", more than edge_count %" PRIu32, i, edge_sum, v->edge_count);
		if (f[fn] > max_name)
			max_name = (uint32_t)f[fn];
		hb_node(v->b, i, (uint8_t)f[ft], (uint32_t)f[fn], f[fi], (uint32_t)f[fs], (uint32_t)f[fe]);
		if (fd >= 0)
			hb_detachedness(v->b, i, (uint8_t)(f[fd] & 3));
		if ((i & 0x3fff) == 0 && should_stop(v, a.p, "reading nodes"))
			return HS_ECANCEL;
	}
	if (!na_close(v, &a, "node_count x node fields"))
		return HS_EINPUT;
	if (edge_sum != v->edge_count)
		return fail(v, a.p, "the nodes' edge counts add up to %" PRIu64 ", but edge_count is %" PRIu32,
		            edge_sum, v->edge_count);
	v->max_name = max_name;
	return HS_OK;
}

/* Edges first .. first+count-1, whose numbers start at a->p. */
static int
parse_edge_range(struct v8p *v, struct numarr *a, uint32_t first, uint32_t count, uint32_t *max_out)
{
	uint64_t f[V8_MAX_FIELDS];
	uint32_t max_name = 0;
	const uint32_t ef = v->ef, et = v->edge_types, nf = v->nf;
	const uint64_t limit = (uint64_t)v->node_count * nf;
	const int ft = v->e_type, fn = v->e_name, fto = v->e_to;
	/* to / nf without a division: exact for 32-bit numerators. */
	const uint64_t inv = UINT64_MAX / nf + 1;

	for (uint32_t e = first; e < first + count; e++) {
		const uint8_t *edge_start = a->p;
		uint64_t to, q;
		for (uint32_t j = 0; j < ef; j++)
			if (!na_read(v, a, &f[j]))
				return HS_EINPUT;
		to = f[fto];
		if (f[ft] >= et)
			return fail(v, edge_start, "edge %" PRIu32 ": type %" PRIu64 " is not one of the %" PRIu32 " edge types",
			            e, f[ft], et);
#ifdef __SIZEOF_INT128__
		q = nf == 1 ? to : (uint64_t)(((unsigned __int128)to * inv) >> 64);
#else
		q = to / nf;
#endif
		if (to >= limit || q * nf != to)
			return fail(v, edge_start,
			            "edge %" PRIu32 ": to_node %" PRIu64 " is not the offset of a node (a multiple of %" PRIu32 " below %" PRIu64 ")",
			            e, to, nf, limit);
		if (f[fn] >= UINT32_MAX)
			return fail(v, edge_start, "edge %" PRIu32 ": name_or_index out of range", e);
		if (!v->indexed[f[ft]] && f[fn] > max_name)
			max_name = (uint32_t)f[fn];
		hb_edge(v->b, e, (uint8_t)f[ft], (uint32_t)f[fn], (uint32_t)q);
		if ((e & 0x3fff) == 0 && should_stop(v, a->p, "reading edges"))
			return HS_ECANCEL;
	}
	if (max_name > *max_out)
		*max_out = max_name;
	return HS_OK;
}

static int
parse_edges(struct v8p *v, const uint8_t *p, const uint8_t **after)
{
	struct numarr a;
	uint32_t max_name = 0;
	int r;

	if (!na_open(v, &a, p, "edges"))
		return HS_EINPUT;
	r = parse_edge_range(v, &a, 0, v->edge_count, &max_name);
	if (r != HS_OK)
		return r;
	if (!na_close(v, &a, "edge_count x edge fields"))
		return HS_EINPUT;
	if (max_name > v->max_name)
		v->max_name = max_name;
	if (after)
		*after = a.p;
	return HS_OK;
}

/* --- the edges in chunks, on both threads ---------------------------------------
 * The edges array is cut into chunks of whole edges, each knowing its first
 * edge: the separators before a cut are counted (a few milliseconds), and
 * each cut is moved forward to the start of an edge.  Chunks are taken from
 * a shared counter by this thread and by the worker once its own work is
 * done; errors are kept per chunk and the first in the file reported. */

/* Commas in [p, end), eight bytes at a time: each word adds 1 to the byte
 * lanes that hold a comma; the lanes are summed before they can overflow. */
static size_t
count_commas(const uint8_t *p, const uint8_t *end)
{
	const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
	size_t n = 0;
	while (p < end && ((uintptr_t)p & 7))
		n += *p++ == ',';
	while (end - p >= 8) {
		uint64_t acc = 0;
		for (int k = 0; k < 255 && end - p >= 8; k++, p += 8) {
			uint64_t w, x, t;
			memcpy(&w, p, 8);
			x = w ^ (ones * ',');	/* zero bytes where the commas are */
			t = ((x & low7) + low7) | x;	/* high bit clear exactly there */
			acc += (~t & ~low7) >> 7;
		}
		n += (size_t)((acc * ones) >> 56);
	}
	while (p < end)
		n += *p++ == ',';
	return n;
}

/* Plans the chunks; false (nothing planned) when the array's numbers do not
 * add up to edge_count edges: the serial parse then says where it breaks. */
static bool
plan_edges(struct v8p *v, const uint8_t *p, struct edge_work *w)
{
	const uint8_t *open = skip_ws(p, v->end), *close, *start;
	const uint8_t *cut[MAX_CHUNKS + 1];
	uint64_t val[MAX_CHUNKS + 1], total;
	size_t len, k, m = 0;
	const uint32_t ef = v->ef;

	if (open >= v->end || *open != '[')
		return false;
	close = memchr(open, ']', (size_t)(v->end - open));
	if (close == NULL)
		return false;
	start = open + 1;
	len = (size_t)(close - start);
	k = len / CHUNK_BYTES + 1;
	if (k > MAX_CHUNKS)
		k = MAX_CHUNKS;
	/* cuts just after a comma, and the values before each */
	cut[m] = start;
	val[m++] = 0;
	for (size_t i = 1; i < k; i++) {
		const uint8_t *x = start + i * (len / k), *c;
		if (x <= cut[m - 1])
			continue;
		c = memchr(x, ',', (size_t)(close - x));
		if (c == NULL)
			break;
		val[m] = val[m - 1] + count_commas(cut[m - 1], c + 1);
		cut[m++] = c + 1;
	}
	total = val[m - 1] + count_commas(cut[m - 1], close) + (v->edge_count ? 1 : 0);
	if (total != (uint64_t)v->edge_count * ef)
		return false;
	/* move each cut forward to the start of an edge */
	for (size_t i = 1; i < m; i++) {
		while (val[i] % ef) {
			const uint8_t *c = memchr(cut[i], ',', (size_t)(close - cut[i]));
			if (c == NULL)
				return false;
			cut[i] = c + 1;
			val[i]++;
		}
	}
	cut[m] = close + 1;
	val[m] = total;
	w->after = close + 1;
	/* The planning mapped the array's pages: give them back; the parsers
	 * map them again piece by piece (from the page cache). */
	io_release_range(v->io, ((size_t)(start - v->base) + 4095) & ~(size_t)4095,
	                 (size_t)(close - v->base) & ~(size_t)4095);
	w->c = xcalloc(m, sizeof *w->c);
	w->n = 0;
	for (size_t i = 0; i < m; i++) {
		struct edge_chunk *c = &w->c[w->n];
		if (val[i + 1] <= val[i] && i + 1 < m)
			continue;	/* two cuts met */
		c->start = cut[i];
		c->end = cut[i + 1];
		c->first = (uint32_t)(val[i] / ef);
		c->count = (uint32_t)((val[i + 1] - val[i]) / ef);
		w->n++;
	}
	atomic_store(&w->next, 0);
	return true;
}

/* Parses chunks until there are none left; vv is the calling thread's
 * parser state (its own error and progress). */
static void
run_edge_chunks(struct v8p *vv, struct edge_work *w)
{
	size_t i;
	while ((i = atomic_fetch_add(&w->next, 1)) < w->n) {
		struct edge_chunk *c = &w->c[i];
		struct v8p v = *vv;
		struct numarr a;
		size_t from, to;

		error_clear(&c->err);
		v.err = &c->err;
		memset(&a, 0, sizeof a);
		a.p = a.wend = c->start;
		a.limit = c->end;
		a.region = c->start;
		a.what = "edges";
		c->r = parse_edge_range(&v, &a, c->first, c->count, &c->max_name);
		if (c->r == HS_OK && i + 1 == w->n && !na_close(&v, &a, "edge_count x edge fields"))
			c->r = HS_EINPUT;
		/* the chunk's own pages: done with them */
		from = ((size_t)(c->start - v.base) + 4095) & ~(size_t)4095;
		to = (size_t)(c->end - v.base) & ~(size_t)4095;
		io_release_range(v.io, from, to);
	}
}

/* After both threads are done: the largest name and the first error in
 * the file (chunks are in file order), or HS_OK. */
static int
finish_edge_chunks(struct v8p *v, struct edge_work *w, struct hs_error *err)
{
	for (size_t i = 0; i < w->n; i++) {
		struct edge_chunk *c = &w->c[i];
		if (c->r != HS_OK) {
			*err = c->err;
			return c->r;
		}
		if (c->max_name > v->max_name)
			v->max_name = c->max_name;
	}
	return HS_OK;
}

static int
parse_locations(struct v8p *v, const uint8_t *p)
{
	struct numarr a;
	uint64_t f[V8_MAX_FIELDS];

	if (v->lf == 0)
		return HS_OK;	/* no location_fields in meta: nothing to interpret */
	if (!na_open(v, &a, p, "locations"))
		return HS_EINPUT;
	if (!na_window(v, &a))
		return HS_EINPUT;
	a.p = skip_ws(a.p, a.wend);
	a.last = *a.p == ']';
	while (!a.last) {
		const uint8_t *start = a.p;
		for (uint32_t j = 0; j < v->lf; j++) {
			if (a.last)
				return fail(v, a.p, "\"locations\" ends in the middle of an entry");
			if (!na_read(v, &a, &f[j]))
				return HS_EINPUT;
		}
		if (f[v->l_obj] % v->nf != 0 || f[v->l_obj] / v->nf >= v->node_count)
			return fail(v, start, "location: object_index %" PRIu64 " is not the offset of a node",
			            f[v->l_obj]);
		if (f[v->l_script] > UINT32_MAX || f[v->l_line] > UINT32_MAX || f[v->l_col] > UINT32_MAX)
			return fail(v, start, "location: a field is out of range");
		hb_location(v->b, (uint32_t)(f[v->l_obj] / v->nf), (uint32_t)f[v->l_script],
		            (uint32_t)f[v->l_line], (uint32_t)f[v->l_col]);
	}
	v->done_locations = true;
	return HS_OK;
}

static int
parse_strings(struct v8p *v, const uint8_t *p, const uint8_t **after)
{
	const uint8_t *end = v->end, *region = p;
	size_t count = 0, released = 0;

	p = skip_ws(p, end);
	if (p >= end || *p != '[')
		return fail(v, p, "\"strings\" is not an array (found %s)", describe(v, p));
	p = skip_ws(p + 1, end);
	if (p < end && *p == ']') {
		*after = p + 1;
		return HS_OK;
	}
	for (;;) {
		const uint8_t *q;
		char *buf;
		long n;

		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			return fail(v, p, "\"strings\": expected a string, found %s", describe(v, p));
		q = string_end(p, end);
		if (q == NULL)
			return fail(v, p, "\"strings\": unterminated string (truncated file?)");
		if (count >= UINT32_MAX - 16)
			return fail(v, p, "too many strings");
		buf = hb_string_buffer(v->b, (size_t)(q - p));
		n = decode_string(v, &p, q, buf);
		if (n < 0)
			return HS_EINPUT;
		hb_string_commit(v->b, buf, (size_t)n);
		count++;
		if ((count & 0x3fff) == 0) {
			size_t done = (size_t)(p - region);
			if (done > released + V8_LAG + V8_WINDOW) {
				size_t from = ((size_t)(region - v->base) + released + 4095) & ~(size_t)4095;
				size_t to = ((size_t)(region - v->base) + done - V8_LAG) & ~(size_t)4095;
				if (to > from)
					io_release_range(v->io, from, to);
				released = done - V8_LAG;
			}
			if (should_stop(v, p, "reading strings"))
				return HS_ECANCEL;
		}
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == ']')
			break;
		return fail(v, p, "\"strings\": expected ',' or ']', found %s", describe(v, p));
	}
	*after = p + 1;
	return HS_OK;
}

/* Offset of the k-th number of the array opening at p: error paths only. */
static const uint8_t *
nth_number(struct v8p *v, const uint8_t *p, uint64_t k)
{
	p = skip_ws(p, v->end);
	if (p < v->end && *p == '[')
		p++;
	for (;;) {
		p = skip_ws(p, v->end);
		if (k == 0 || p >= v->end)
			return p;
		while (p < v->end && *p >= '0' && *p <= '9')
			p++;
		p = skip_ws(p, v->end);
		if (p < v->end && *p == ',')
			p++;
		k--;
	}
}

/* String ids can only be checked once "strings" is read (it comes last).
 * The parsers kept the largest one; find the culprit only if it is bad. */
static int
check_names(struct v8p *v, uint32_t max_name)
{
	const struct heap *h = v->b->h;
	size_t ns = hb_string_count(v->b);

	/* The string table holds exactly the file's strings, in file order. */
	if (max_name < ns)
		return HS_OK;
	for (uint32_t i = 0; i < h->node_count; i++)
		if (h->node_name[i] >= ns)
			return fail(v, nth_number(v, v->base + v->off_nodes, (uint64_t)i * v->nf + (uint64_t)v->f_name),
			            "node %" PRIu32 ": name %" PRIu32 " is not a string index (there are %zu strings)",
			            i, h->node_name[i], ns);
	for (uint32_t e = 0; e < h->edge_count; e++)
		if (!v->indexed[h->edge_type[e]] && h->edge_name[e] >= ns)
			return fail(v, nth_number(v, v->base + v->off_edges, (uint64_t)e * v->ef + (uint64_t)v->e_name),
			            "edge %" PRIu32 ": name %" PRIu32 " is not a string index (there are %zu strings)",
			            e, h->edge_name[e], ns);
	return HS_OK;
}

static bool
v8_probe(const uint8_t *data, size_t size)
{
	size_t n = size < 4096 ? size : 4096;
	const uint8_t *p = data, *end = data + n;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return false;
	p = skip_ws(p + 1, end);
	/* V8 writes "snapshot" first; accept the other sections first too,
	 * or any first key when the meta's node_fields show up early. */
	return ((size_t)(end - p) >= 10 && memcmp(p, "\"snapshot\"", 10) == 0) ||
	       ((size_t)(end - p) >= 7 && memcmp(p, "\"nodes\"", 7) == 0) ||
	       ((size_t)(end - p) >= 7 && memcmp(p, "\"edges\"", 7) == 0) ||
	       ((size_t)(end - p) >= 9 && memcmp(p, "\"strings\"", 9) == 0) ||
	       memmem(data, size < ((size_t)1 << 20) ? size : (size_t)1 << 20, "\"node_fields\"", 13) != NULL;
}

/* Skips a number array (it nests nothing). */
static const uint8_t *
skip_numbers(struct v8p *v, const uint8_t *p, const char *what)
{
	const uint8_t *c;
	if (p >= v->end || *p != '[') {
		fail(v, p, "\"%s\" is not an array (found %s)", what, describe(v, p));
		return NULL;
	}
	c = memchr(p, ']', (size_t)(v->end - p));
	if (c == NULL) {
		fail(v, p, "\"%s\": unterminated array (truncated file?)", what);
		return NULL;
	}
	return c + 1;
}

/* Where the "strings" value starts, found from the end of the file: V8
 * writes it last.  A quote can only be bare (not \") outside strings, and
 * a string followed by ':' is a key, so the last bare `"strings"` before a
 * ':' is the key (or one in a nested object after it: the main thread's
 * walk checks the guess).  NULL if there is none. */
static const uint8_t *
find_strings_value(struct v8p *v)
{
	const uint8_t *base = v->base, *q = v->end;

	/* Back from the end, each '[' (rarer than quotes in the strings): is
	 * it the value of a "strings" key? */
	while (q > base) {
		const uint8_t *b = memrchr(base, '[', (size_t)(q - base)), *k;
		if (b == NULL)
			return NULL;
		q = b;
		k = b;
		while (k > base && is_ws(k[-1]))
			k--;
		if (k == base || k[-1] != ':')
			continue;
		k--;
		while (k > base && is_ws(k[-1]))
			k--;
		if (k - base >= 9 && memcmp(k - 9, "\"strings\"", 9) == 0)
			return b;
	}
	return NULL;
}

/* The worker thread: the nodes, then the strings where find_strings_value()
 * says they are.  The main thread meanwhile skips the nodes, reads the
 * edges and the rest, and checks the guess when it meets the "strings" key.
 * The two fill different parts of the model. */
struct worker {
	struct v8p v;
	struct hs_error err;
	pthread_t thread;
	bool started, threaded, joined;
	/* the edge chunks, when the main thread has planned them */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct edge_work *edges;
	bool edges_final;	/* set with or without edges: stop waiting */
	int r;			/* the nodes */
	const uint8_t *strings;	/* where the worker read the strings, or NULL */
	const uint8_t *strings_end;
	int rs;			/* the strings */
	struct hs_error serr;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct v8p *v = &w->v;

	/* On an error the main thread goes on too: the error reported is the
	 * first in the file, whichever thread meets it first in time. */
	w->r = parse_nodes(v, v->base + v->off_nodes);
	if (w->r != HS_OK)
		return NULL;
	w->strings = find_strings_value(v);
	if (w->strings) {
		v->err = &w->serr;
		w->rs = parse_strings(v, w->strings, &w->strings_end);
	}
	if (w->threaded) {
		struct edge_work *ew;
		pthread_mutex_lock(&w->mu);
		while (!w->edges_final)
			pthread_cond_wait(&w->cv, &w->mu);
		ew = w->edges;
		pthread_mutex_unlock(&w->mu);
		if (ew)
			run_edge_chunks(v, ew);
	}
	return NULL;
}

/* Tells the worker whether there are edge chunks to help with. */
static void
worker_offer_edges(struct worker *w, struct edge_work *ew)
{
	if (!w->started || !w->threaded)
		return;
	pthread_mutex_lock(&w->mu);
	if (!w->edges_final) {
		w->edges = ew;
		w->edges_final = true;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
}

static void
worker_start(struct v8p *v, struct worker *w)
{
	memset(w, 0, sizeof *w);
	w->v = *v;
	w->v.err = &w->err;
	w->v.progress = NULL;
	error_clear(&w->err);
	error_clear(&w->serr);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->started = true;
	w->threaded = true;
	if (pthread_create(&w->thread, NULL, worker_run, w) != 0) {
		w->threaded = false;
		worker_run(w);
	}
}

static void
worker_join(struct worker *w)
{
	worker_offer_edges(w, NULL);	/* no-op if already offered */
	if (w->started && w->threaded && !w->joined)
		pthread_join(w->thread, NULL);
	if (w->started && !w->joined) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
	}
	w->joined = true;
}

/* Walks the top-level object from p (just after '{'): parses "snapshot",
 * starts the worker on "nodes", parses "edges", takes the worker's strings
 * (or parses them here if its guess was wrong), records "locations". */
static int
scan_top(struct v8p *v, struct worker *w, const uint8_t *p)
{
	const uint8_t *end = v->end;
	int r;

	for (;;) {
		const uint8_t *kq, *key;
		size_t klen;

		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			return fail(v, p, "expected a key, found %s", describe(v, p));
		kq = string_end(p, end);
		if (kq == NULL)
			return fail(v, p, "unterminated key");
		key = p + 1;
		klen = (size_t)(kq - key);
		p = skip_ws(kq + 1, end);
		if (p >= end || *p != ':')
			return fail(v, p, "expected ':', found %s", describe(v, p));
		p = skip_ws(p + 1, end);
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(key, s, klen) == 0)
		if (KEY("snapshot")) {
			if (v->have_meta)
				return fail(v, key - 1, "\"snapshot\" appears twice");
			r = parse_meta(v, p, &p);
			if (r)
				return r;
		} else if (KEY("nodes") || KEY("edges") || KEY("locations")) {
			size_t *o = KEY("nodes") ? &v->off_nodes : KEY("edges") ? &v->off_edges : &v->off_locations;
			bool *has = KEY("nodes") ? &v->has_nodes : KEY("edges") ? &v->has_edges : &v->has_locations;
			const char *what = KEY("nodes") ? "nodes" : KEY("edges") ? "edges" : "locations";
			if (*has)
				return fail(v, key - 1, "\"%s\" appears twice", what);
			*has = true;
			*o = off(v, p);
			if (KEY("nodes") && v->have_meta && !w->started)
				worker_start(v, w);
			if (KEY("edges") && v->have_meta && w->started && w->threaded &&
			    plan_edges(v, p, &v->edge_work)) {
				/* both threads; the results are collected in v8_parse */
				worker_offer_edges(w, &v->edge_work);
				run_edge_chunks(v, &v->edge_work);
				v->edges_done = v->edges_chunked = true;
				p = v->edge_work.after;
			} else if (KEY("edges") && v->have_meta) {
				r = parse_edges(v, p, &p);
				if (r)
					return r;
				v->edges_done = true;
			} else {
				p = skip_numbers(v, p, what);
				if (p == NULL)
					return HS_EINPUT;
			}
		} else if (KEY("strings")) {
			if (v->has_strings)
				return fail(v, key - 1, "\"strings\" appears twice");
			v->has_strings = true;
			v->off_strings = off(v, p);
			if (w->started) {
				worker_join(w);
				if (w->r != HS_OK)
					return HS_OK;	/* v8_parse reports the nodes' error */
			}
			if (w->started && w->strings == p) {
				/* The worker read them. */
				if (w->rs != HS_OK) {
					*v->err = w->serr;
					return w->rs;
				}
				p = w->strings_end;
			} else {
				if (w->started && w->strings)
					hb_strings_reset(v->b);	/* it read something else */
				w->strings = NULL;
				r = parse_strings(v, p, &p);
				if (r)
					return r;
			}
		} else {
			/* trace_function_infos, trace_tree, samples, scopes...: not used */
			p = skip_value(v, p);
			if (p == NULL)
				return HS_EINPUT;
		}
#undef KEY
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			return HS_OK;
		return fail(v, p, "expected ',' or '}', found %s", describe(v, p));
	}
}

static int
v8_parse(struct v8p *v)
{
	const uint8_t *p = v->base, *end = v->end;
	struct worker w;
	uint32_t max_name;
	int r;

	memset(&w, 0, sizeof w);
	if (end - p >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return fail(v, p, "not a heap snapshot: expected '{', found %s", describe(v, p));
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return fail(v, p, "empty object: not a heap snapshot");
	r = scan_top(v, &w, p);
	if (r == HS_ECANCEL)
		atomic_store(v->stop, 1);
	/* Otherwise let the worker finish, so that the error reported is the
	 * first in the file whichever thread met it, not the first in time. */
	worker_join(&w);
	if (r == HS_ECANCEL || (w.started && w.r == HS_ECANCEL))
		return error_set(v->err, HS_ECANCEL, v->path, "cancelled");
	{
		struct hs_error first = *v->err;
		int rf = r;
		if (w.started && w.r != HS_OK && (rf == HS_OK || w.err.offset < first.offset)) {
			first = w.err;
			rf = w.r;
		}
		if (v->edges_chunked) {
			struct hs_error ce;
			int rc;
			error_clear(&ce);
			rc = finish_edge_chunks(v, &v->edge_work, &ce);
			free(v->edge_work.c);
			v->edge_work.c = NULL;
			if (rc == HS_ECANCEL)
				return error_set(v->err, HS_ECANCEL, v->path, "cancelled");
			if (rc != HS_OK && (rf == HS_OK || ce.offset < first.offset)) {
				first = ce;
				rf = rc;
			}
		}
		if (rf != HS_OK) {
			*v->err = first;
			return rf;
		}
	}
	if (w.started && w.strings && !v->has_strings)
		hb_strings_reset(v->b);
	if (!v->have_meta)
		return fail(v, end, "no \"snapshot\" object with the meta data");
	if (!v->has_nodes)
		return fail(v, end, "no \"nodes\" array");
	if (!v->has_edges)
		return fail(v, end, "no \"edges\" array");
	if (!v->has_strings)
		return fail(v, end, "no \"strings\" array");
	/* Sections that came before the meta, read now. */
	if (!w.started && (r = parse_nodes(v, v->base + v->off_nodes)))
		return r;
	max_name = v->max_name;
	if (w.started && w.v.max_name > max_name)
		max_name = w.v.max_name;
	if (!v->edges_done) {
		uint32_t nodes_max = max_name;
		if ((r = parse_edges(v, v->base + v->off_edges, NULL)))
			return r;
		if (nodes_max > v->max_name)
			v->max_name = nodes_max;
		max_name = v->max_name;
	}
	if (v->has_locations && (r = parse_locations(v, v->base + v->off_locations)))
		return r;
	return check_names(v, max_name);
}

static int
load_v8(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	struct heap_builder b;
	struct v8p v;
	struct heap *h;
	atomic_int stop = 0;
	int r;

	memset(&v, 0, sizeof v);
	v.path = io->path;
	v.base = io->data;
	v.end = io->data + io->size;
	v.io = io;
	v.err = err;
	v.progress = progress;
	v.stop = &stop;
	v.b = &b;
	arena_init(&v.dom);
	hb_init(&b, heap_new("v8", io->path));
	hb_rules(&b, HEAP_RULES_V8);
	progress_phase(progress, "reading", io->size);

	r = v8_parse(&v);
	arena_free(&v.dom);
	if (r != HS_OK) {
		hb_abort(&b);
		return r;
	}
	hb_checked(&b);	/* every type, name and target was checked above */
	h = hb_finish(&b, err);
	if (h == NULL)
		return HS_EINPUT;
	out->kind = MODEL_HEAP;
	out->heap = h;
	return HS_OK;
}

const struct loader_ops loader_v8 = {
	.name = "v8",
	.description = "V8 heap snapshot (.heapsnapshot from Node.js or Chrome), plain, gzip or zstd",
	.probe = v8_probe,
	.load = load_v8,
};
