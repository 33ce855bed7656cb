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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/arena.h"
#include "heapsift/heap_builder.h"
#include "heapsift/load.h"

#define V8_MAX_FIELDS 64
#define V8_MAX_DEPTH 64		/* nesting inside "snapshot" */
#define V8_RELEASE_STEP ((size_t)32 << 20)

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

struct v8p {
	const char *path;
	const uint8_t *base, *end;
	struct io *io;
	struct hs_error *err;
	struct progress *progress;
	struct heap_builder b;
	struct arena dom;

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
	bool done_nodes, done_edges, done_locations;
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
describe(const struct v8p *v, const uint8_t *p)
{
	static char buf[32];
	if (p >= v->end)
		return "the end of the file";
	if (*p >= 0x20 && *p < 0x7f)
		snprintf(buf, sizeof buf, "'%c'", *p);
	else
		snprintf(buf, sizeof buf, "byte 0x%02x", *p);
	return buf;
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

	(void)close;
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
	size_t depth = 0;

	do {
		p = skip_ws(p, end);
		if (p >= end) {
			fail(v, p, "unexpected end of file inside a value");
			return NULL;
		}
		switch (*p) {
		case '[':
		case '{':
			depth++;
			p++;
			continue;
		case ']':
		case '}':
			if (depth == 0) {
				fail(v, p, "unexpected %s", describe(v, p));
				return NULL;
			}
			depth--;
			p++;
			break;
		case '"': {
			const uint8_t *q = string_end(p, end);
			if (q == NULL) {
				fail(v, p, "unterminated string");
				return NULL;
			}
			p = q + 1;
			break;
		}
		case ',':
		case ':':
			if (depth == 0) {
				fail(v, p, "unexpected %s", describe(v, p));
				return NULL;
			}
			p++;
			continue;
		default:
			if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' ||
			    *p == 'e' || *p == 'E' || (*p >= 'a' && *p <= 'z')) {
				while (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' ||
				                   *p == '.' || (*p >= 'a' && *p <= 'z') || *p == 'E'))
					p++;
				break;
			}
			fail(v, p, "unexpected %s", describe(v, p));
			return NULL;
		}
	} while (depth > 0);
	return p;
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
	 * separator), so the rest of the file bounds the counts. */
	remaining = (size_t)(v->end - p);
	if (nc == 0 || nc >= UINT32_MAX || nc * v->nf > remaining / 2)
		return error_at(v->err, HS_EINPUT, v->path, jget(&snap, "node_count")->offset,
		                "node_count %" PRIu64 " is impossible: the %zu bytes left in the file hold at most %zu numbers",
		                nc, remaining, remaining / 2);
	if (ec >= UINT32_MAX || ec * v->ef > remaining / 2 ||
	    nc * v->nf + ec * v->ef > remaining / 2)
		return error_at(v->err, HS_EINPUT, v->path, jget(&snap, "edge_count")->offset,
		                "edge_count %" PRIu64 " is impossible: the %zu bytes left in the file hold at most %zu numbers",
		                ec, remaining, remaining / 2);
	if (root % v->nf != 0 || root / v->nf >= nc)
		return error_at(v->err, HS_EINPUT, v->path, jget(&snap, "root_index")->offset,
		                "root_index %" PRIu64 " is not the offset of a node", root);
	v->node_count = (uint32_t)nc;
	v->edge_count = (uint32_t)ec;
	v->root = (uint32_t)(root / v->nf);

	v->node_types = (uint32_t)ntypes->n;
	for (size_t i = 0; i < ntypes->n; i++)
		hb_node_type(&v->b, ntypes->items[i].s);
	v->edge_types = (uint32_t)etypes->n;
	for (size_t i = 0; i < etypes->n; i++) {
		const char *t = etypes->items[i].s;
		/* DevTools: element and hidden edges are named by index. */
		v->indexed[i] = strcmp(t, "element") == 0 || strcmp(t, "hidden") == 0;
		hb_edge_type(&v->b, t, v->indexed[i]);
	}
	hb_alloc(&v->b, v->node_count, v->edge_count);
	if (v->f_detach >= 0)
		hb_alloc_detachedness(&v->b);
	hb_root(&v->b, v->root);
	hb_extra_native(&v->b, extra);
	v->have_meta = true;
	return HS_OK;
}

/* --- number arrays --------------------------------------------------------- */

/* The array opening at p ends at the first ']' (number arrays nest nothing),
 * which then serves as a sentinel: the loops below stop at it without
 * comparing against the end of the buffer. */
static const uint8_t *
array_open(struct v8p *v, const uint8_t *p, const char *what, const uint8_t **close)
{
	p = skip_ws(p, v->end);
	if (p >= v->end || *p != '[') {
		fail(v, p, "\"%s\" is not an array (found %s)", what, describe(v, p));
		return NULL;
	}
	*close = memchr(p, ']', (size_t)(v->end - p));
	if (*close == NULL) {
		fail(v, p, "\"%s\": unterminated array (truncated file?)", what);
		return NULL;
	}
	return p + 1;
}

/* Reads one unsigned integer and the separator after it.  *last is set when
 * the separator was the closing bracket.  Returns NULL after setting err. */
static inline const uint8_t *
read_uint(struct v8p *v, const uint8_t *p, const char *what, uint64_t *out, bool *last)
{
	uint64_t u;
	const uint8_t *start;

	while (is_ws(*p))
		p++;
	start = p;
	if ((unsigned)(*p - '0') > 9) {
		if (*p == ']')
			fail(v, p, "\"%s\" ends early", what);
		else
			fail(v, p, "\"%s\": expected an unsigned integer, found %s", what, describe(v, p));
		return NULL;
	}
	u = (uint64_t)(*p++ - '0');
	while ((unsigned)(*p - '0') <= 9) {
		u = u * 10 + (uint64_t)(*p++ - '0');
		if (p - start > 15) {
			fail(v, start, "\"%s\": number too large", what);
			return NULL;
		}
	}
	while (is_ws(*p))
		p++;
	if (*p == ',') {
		*last = false;
	} else if (*p == ']') {
		*last = true;
		*out = u;
		return p;	/* stays on the bracket */
	} else {
		fail(v, p, "\"%s\": expected ',' or ']', found %s", what, describe(v, p));
		return NULL;
	}
	*out = u;
	return p + 1;
}

static bool
release_and_report(struct v8p *v, const uint8_t *p, const char *phase)
{
	io_release(v->io, off(v, p) > V8_RELEASE_STEP ? off(v, p) - V8_RELEASE_STEP : 0);
	return progress_update(v->progress, phase, off(v, p), (uint64_t)(v->end - v->base));
}

static int
parse_nodes(struct v8p *v, const uint8_t *p)
{
	const uint8_t *close, *node_start;
	uint64_t f[V8_MAX_FIELDS];
	uint64_t edge_sum = 0;
	bool last = false;
	const uint32_t nf = v->nf, nt = v->node_types;

	p = array_open(v, p, "nodes", &close);
	if (p == NULL)
		return HS_EINPUT;
	for (uint32_t i = 0; i < v->node_count; i++) {
		node_start = p;
		for (uint32_t j = 0; j < nf; j++) {
			if (last)
				return fail(v, p, "\"nodes\" has %" PRIu64 " numbers, node_count says %" PRIu64,
				            (uint64_t)i * nf + j, (uint64_t)v->node_count * nf);
			p = read_uint(v, p, "nodes", &f[j], &last);
			if (p == NULL)
				return HS_EINPUT;
		}
		if (f[v->f_type] >= nt)
			return fail(v, node_start, "node %" PRIu32 ": type %" PRIu64 " is not one of the %" PRIu32 " node types",
			            i, f[v->f_type], nt);
		if (f[v->f_name] >= UINT32_MAX || f[v->f_self] > UINT32_MAX ||
		    f[v->f_edges] > UINT32_MAX)
			return fail(v, node_start, "node %" PRIu32 ": a field is out of range", i);
		edge_sum += f[v->f_edges];
		if (edge_sum > v->edge_count)
			return fail(v, node_start,
			            "node %" PRIu32 ": the edge counts of the nodes so far add up to %" PRIu64
			            ", more than edge_count %" PRIu32, i, edge_sum, v->edge_count);
		hb_node(&v->b, i, (uint8_t)f[v->f_type], (uint32_t)f[v->f_name], f[v->f_id],
		        (uint32_t)f[v->f_self], (uint32_t)f[v->f_edges]);
		if (v->f_detach >= 0)
			hb_detachedness(&v->b, i, (uint8_t)(f[v->f_detach] & 3));
		if ((i & 0xffff) == 0 && release_and_report(v, p, "reading nodes"))
			return error_set(v->err, HS_ECANCEL, v->path, "cancelled");
	}
	if (!last) {
		p = skip_ws(p, close + 1);
		if (*p != ']')
			return fail(v, p, "\"nodes\" has more than node_count x %" PRIu32 " = %" PRIu64 " numbers",
			            nf, (uint64_t)v->node_count * nf);
	}
	if (edge_sum != v->edge_count)
		return fail(v, p, "the nodes' edge counts add up to %" PRIu64 ", but edge_count is %" PRIu32,
		            edge_sum, v->edge_count);
	v->done_nodes = true;
	return HS_OK;
}

static int
parse_edges(struct v8p *v, const uint8_t *p)
{
	const uint8_t *close, *edge_start;
	uint64_t f[V8_MAX_FIELDS];
	bool last = v->edge_count == 0;
	const uint32_t ef = v->ef, et = v->edge_types, nf = v->nf;
	const uint64_t limit = (uint64_t)v->node_count * nf;

	p = array_open(v, p, "edges", &close);
	if (p == NULL)
		return HS_EINPUT;
	for (uint32_t e = 0; e < v->edge_count; e++) {
		uint64_t to;
		edge_start = p;
		for (uint32_t j = 0; j < ef; j++) {
			if (last)
				return fail(v, p, "\"edges\" has %" PRIu64 " numbers, edge_count says %" PRIu64,
				            (uint64_t)e * ef + j, (uint64_t)v->edge_count * ef);
			p = read_uint(v, p, "edges", &f[j], &last);
			if (p == NULL)
				return HS_EINPUT;
		}
		to = f[v->e_to];
		if (f[v->e_type] >= et)
			return fail(v, edge_start, "edge %" PRIu32 ": type %" PRIu64 " is not one of the %" PRIu32 " edge types",
			            e, f[v->e_type], et);
		if (to % nf != 0 || to >= limit)
			return fail(v, edge_start,
			            "edge %" PRIu32 ": to_node %" PRIu64 " is not the offset of a node (a multiple of %" PRIu32 " below %" PRIu64 ")",
			            e, to, nf, limit);
		if (f[v->e_name] >= UINT32_MAX)
			return fail(v, edge_start, "edge %" PRIu32 ": name_or_index out of range", e);
		hb_edge(&v->b, e, (uint8_t)f[v->e_type], (uint32_t)f[v->e_name], (uint32_t)(to / nf));
		if ((e & 0xffff) == 0 && release_and_report(v, p, "reading edges"))
			return error_set(v->err, HS_ECANCEL, v->path, "cancelled");
	}
	p = skip_ws(p, close + 1);
	if (*p != ']')
		return fail(v, p, "\"edges\" has more than edge_count x %" PRIu32 " = %" PRIu64 " numbers",
		            ef, (uint64_t)v->edge_count * ef);
	v->done_edges = true;
	return HS_OK;
}

static int
parse_locations(struct v8p *v, const uint8_t *p)
{
	const uint8_t *close, *start;
	uint64_t f[V8_MAX_FIELDS];
	bool last;

	if (v->lf == 0)
		return HS_OK;	/* no location_fields in meta: nothing to interpret */
	p = array_open(v, p, "locations", &close);
	if (p == NULL)
		return HS_EINPUT;
	p = skip_ws(p, close + 1);
	last = *p == ']';
	while (!last) {
		start = p;
		for (uint32_t j = 0; j < v->lf; j++) {
			if (last)
				return fail(v, p, "\"locations\" ends in the middle of an entry");
			p = read_uint(v, p, "locations", &f[j], &last);
			if (p == NULL)
				return HS_EINPUT;
		}
		if (f[v->l_obj] % v->nf != 0 || f[v->l_obj] / v->nf >= v->node_count)
			return fail(v, start, "location: object_index %" PRIu64 " is not the offset of a node",
			            f[v->l_obj]);
		if (f[v->l_script] > UINT32_MAX || f[v->l_line] > UINT32_MAX || f[v->l_col] > UINT32_MAX)
			return fail(v, start, "location: a field is out of range");
		hb_location(&v->b, (uint32_t)(f[v->l_obj] / v->nf), (uint32_t)f[v->l_script],
		            (uint32_t)f[v->l_line], (uint32_t)f[v->l_col]);
	}
	v->done_locations = true;
	return HS_OK;
}

static int
parse_strings(struct v8p *v, const uint8_t *p, const uint8_t **after)
{
	const uint8_t *end = v->end;
	size_t count = 0;

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
		buf = hb_string_buffer(&v->b, (size_t)(q - p));
		n = decode_string(v, &p, q, buf);
		if (n < 0)
			return HS_EINPUT;
		hb_string_commit(&v->b, buf, (size_t)n);
		count++;
		if ((count & 0xffff) == 0 && release_and_report(v, p, "reading strings"))
			return error_set(v->err, HS_ECANCEL, v->path, "cancelled");
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

/* String ids can only be checked once "strings" is read (it comes last). */
static int
check_names(struct v8p *v)
{
	const struct heap *h = v->b.h;
	size_t ns = hb_string_count(&v->b);

	/* The string table holds exactly the file's strings, in file order. */
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
	return (size_t)(end - p) >= 10 && memcmp(p, "\"snapshot\"", 10) == 0;
}

static int
v8_parse(struct v8p *v)
{
	const uint8_t *p = v->base, *end = v->end;
	int r;

	if (end - p >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return fail(v, p, "not a heap snapshot: expected '{', found %s", describe(v, p));
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return fail(v, p, "empty object: not a heap snapshot");
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
			if (*has)
				return fail(v, key - 1, "\"%.*s\" appears twice", (int)klen, key);
			*has = true;
			*o = off(v, p);
			if (v->have_meta) {
				r = KEY("nodes") ? parse_nodes(v, p) : KEY("edges") ? parse_edges(v, p)
				                                                   : parse_locations(v, p);
				if (r)
					return r;
			}
			/* Number arrays nest nothing: skip to the bracket. */
			if (*p == '[') {
				const uint8_t *c = memchr(p, ']', (size_t)(end - p));
				if (c == NULL)
					return fail(v, p, "\"%.*s\": unterminated array (truncated file?)", (int)klen, key);
				p = c + 1;
			} else {
				return fail(v, p, "\"%.*s\" is not an array (found %s)", (int)klen, key, describe(v, p));
			}
		} else if (KEY("strings")) {
			if (v->has_strings)
				return fail(v, key - 1, "\"strings\" appears twice");
			v->has_strings = true;
			v->off_strings = off(v, p);
			r = parse_strings(v, p, &p);
			if (r)
				return r;
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
			break;
		return fail(v, p, "expected ',' or '}', found %s", describe(v, p));
	}
	if (!v->have_meta)
		return fail(v, p, "no \"snapshot\" object with the meta data");
	if (!v->has_nodes)
		return fail(v, p, "no \"nodes\" array");
	if (!v->has_edges)
		return fail(v, p, "no \"edges\" array");
	if (!v->has_strings)
		return fail(v, p, "no \"strings\" array");
	/* Sections that came before the meta. */
	if (!v->done_nodes && (r = parse_nodes(v, v->base + v->off_nodes)))
		return r;
	if (!v->done_edges && (r = parse_edges(v, v->base + v->off_edges)))
		return r;
	if (v->has_locations && !v->done_locations &&
	    (r = parse_locations(v, v->base + v->off_locations)))
		return r;
	return HS_OK;
}

static int
load_v8(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	struct v8p v;
	struct heap *h;
	int r;

	memset(&v, 0, sizeof v);
	v.path = io->path;
	v.base = io->data;
	v.end = io->data + io->size;
	v.io = io;
	v.err = err;
	v.progress = progress;
	arena_init(&v.dom);
	hb_init(&v.b, heap_new("v8", io->path));
	hb_rules(&v.b, HEAP_RULES_V8);
	progress_phase(progress, "reading", io->size);

	r = v8_parse(&v);
	if (r == HS_OK)
		r = check_names(&v);
	arena_free(&v.dom);
	if (r != HS_OK) {
		hb_abort(&v.b);
		return r;
	}
	h = hb_finish(&v.b, err);
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
