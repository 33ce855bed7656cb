/* pprof: Go pprof heap profiles (profile.proto, gzip-wrapped; io.c has
 * gunzipped them) into the allocation-trace model through its builder.
 *
 * The protobuf wire format is decoded strictly: varints of at most ten
 * bytes, lengths inside their message, the wire type profile.proto gives
 * each known field (packed or not for repeated numbers), no groups; every
 * string index inside the string table, every id non-zero and unique,
 * every sample with one value per sample type and known locations, as
 * go tool pprof checks them (its profile package, CheckValid).  Fields this
 * loader does not know are skipped, as protobuf readers do.
 *
 * Measures: the sample types alloc_objects, alloc_space, inuse_objects and
 * inuse_space (objects and space: legacy in-use profiles) are the trace's
 * allocations, bytes, leaked and leaked_bytes, shown under the profile's
 * names.  Values are taken as written: Go's runtime already scaled them by
 * its sampling rate, as go tool pprof shows them.  Other sample types (CPU,
 * goroutine, mutex profiles) are not allocations: such a profile is refused.
 *
 * Stacks: a sample's location_id[0] is the leaf; a location's line[0] is
 * the innermost (inlined) function, its last line the function the others
 * are inlined into, which is the builder's frame order.  A location with
 * addresses only is symbolized through its mapping (file, start, limit,
 * offset) with src/sym.  drop_frames and keep_frames prune the stacks as
 * go tool pprof prunes them (profile.Prune) before anything is counted. */
#include "config.h"

#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/load.h"
#include "heapsift/sym.h"
#include "heapsift/trace.h"
#include "heapsift/trace_builder.h"
#include "heapsift/xalloc.h"

const char *pprof_sample_index;

/* profile.proto's field numbers */
enum {
	P_SAMPLE_TYPE = 1, P_SAMPLE = 2, P_MAPPING = 3, P_LOCATION = 4, P_FUNCTION = 5,
	P_STRING_TABLE = 6, P_DROP_FRAMES = 7, P_KEEP_FRAMES = 8, P_TIME_NANOS = 9,
	P_DURATION_NANOS = 10, P_PERIOD_TYPE = 11, P_PERIOD = 12, P_COMMENT = 13,
	P_DEFAULT_SAMPLE_TYPE = 14,
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

struct field {
	uint64_t num;		/* field number */
	unsigned wt;		/* wire type */
	uint64_t v;		/* varint, fixed64 or fixed32 value */
	const uint8_t *p;	/* length-delimited: the bytes */
	size_t len;
	const uint8_t *at;	/* where the field starts (errors) */
};

struct span {
	const uint8_t *p;
	size_t len;
};

struct pfunc {
	uint64_t id;
	int64_t name, system_name, filename, start_line;
};

struct pmap {
	uint64_t id, start, limit, offset;
	int64_t filename, build_id;
};

struct pline {
	uint32_t func;		/* index into functions */
	int64_t line;
};

struct ploc {
	uint64_t id, mapping_id, address;
	uint32_t map;		/* index into mappings, or UINT32_MAX */
	uint32_t line_first, line_count;
	uint32_t skip;		/* lines pruned from the inside (drop_frames) */
	uint32_t handle;	/* the builder's frames, UINT32_MAX until needed */
	bool prune, prune_beneath;
	/* symbolized here: frames owned by the maps' modules */
	const struct sym_frame *sym;
	uint32_t sym_count;
	const char *sym_module;
};

/* id -> index, open addressing; ids are never 0 (0: an empty slot) */
struct idmap {
	uint64_t *key;
	uint32_t *val;
	size_t cap;
};

struct pp {
	const char *path;
	const uint8_t *base;
	struct hs_error *err;
	struct progress *progress;

	struct span *strs;
	size_t nstr, capstr;
	char **cstr;		/* NUL-terminated copies, made when needed */

	struct span *stypes, *samples, *maps_s, *locs_s, *funcs_s;
	size_t nstypes, capstypes, nsamples, capsamples, nmaps, capmaps, nlocs, caplocs, nfuncs,
	        capfuncs;
	struct span period_type;
	bool has_period_type;
	int64_t drop_frames, keep_frames, period, default_sample_type;

	int64_t (*stype)[2];	/* type, unit */
	struct pfunc *funcs;
	struct pmap *maps;
	struct ploc *locs;
	struct pline *lines;
	size_t nlines, caplines;
	struct idmap fidx, midx, lidx;

	int kind[64];		/* sample type -> enum trace_measure_kind, or -1 */
	struct sym_maps *sym;
	struct trace_builder *b;
};

/* --- the wire format ------------------------------------------------------------- */

static int
bad(struct pp *pp, const uint8_t *at, const char *what)
{
	return error_at(pp->err, HS_EINPUT, pp->path, (uint64_t)(at - pp->base),
	                "not a valid pprof profile: %s", what);
}

static int
varint(struct pp *pp, const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	const uint8_t *q = *p;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		uint8_t c;
		if (q >= end)
			return bad(pp, *p, "a number runs past the end of its message");
		c = *q++;
		if (shift == 63 && c > 1)
			return bad(pp, *p, "a number longer than 64 bits");
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*p = q;
			*out = v;
			return HS_OK;
		}
	}
	return bad(pp, *p, "a number longer than 64 bits");
}

/* The next field of the message [*p, end). */
static int
next_field(struct pp *pp, const uint8_t **p, const uint8_t *end, struct field *f)
{
	uint64_t key;
	int r;
	f->at = *p;
	if ((r = varint(pp, p, end, &key)) != HS_OK)
		return r;
	f->num = key >> 3;
	f->wt = (unsigned)(key & 7);
	if (f->num == 0 || f->num > 0x1fffffff)
		return bad(pp, f->at, "a field number out of range");
	switch (f->wt) {
	case WT_VARINT:
		return varint(pp, p, end, &f->v);
	case WT_I64:
		if (end - *p < 8)
			return bad(pp, f->at, "a 64-bit field runs past the end of its message");
		f->v = 0;
		for (int k = 7; k >= 0; k--)
			f->v = f->v << 8 | (*p)[k];
		*p += 8;
		return HS_OK;
	case WT_I32:
		if (end - *p < 4)
			return bad(pp, f->at, "a 32-bit field runs past the end of its message");
		f->v = (uint64_t)(*p)[0] | (uint64_t)(*p)[1] << 8 | (uint64_t)(*p)[2] << 16 |
		       (uint64_t)(*p)[3] << 24;
		*p += 4;
		return HS_OK;
	case WT_LEN:
		if ((r = varint(pp, p, end, &f->v)) != HS_OK)
			return r;
		if (f->v > (uint64_t)(end - *p))
			return bad(pp, f->at, "a field's length runs past the end of its message");
		f->p = *p;
		f->len = (size_t)f->v;
		*p += f->len;
		return HS_OK;
	case 3:
	case 4:
		return bad(pp, f->at, "a group (wire type 3 or 4), which profile.proto does not use");
	default:
		return bad(pp, f->at, "an unknown wire type");
	}
}

static int
want(struct pp *pp, const struct field *f, unsigned wt)
{
	if (f->wt == wt)
		return HS_OK;
	return error_at(pp->err, HS_EINPUT, pp->path, (uint64_t)(f->at - pp->base),
	                "not a valid pprof profile: field %" PRIu64 " has wire type %u, not %u",
	                f->num, f->wt, wt);
}

/* A repeated number: one varint, or packed (a length-delimited run). */
typedef int (*number_fn)(struct pp *pp, void *ctx, uint64_t v);

static int
numbers(struct pp *pp, const struct field *f, number_fn fn, void *ctx)
{
	int r;
	if (f->wt == WT_VARINT)
		return fn(pp, ctx, f->v);
	if (f->wt != WT_LEN)
		return want(pp, f, WT_LEN);
	for (const uint8_t *q = f->p, *end = f->p + f->len; q < end;) {
		uint64_t v;
		if ((r = varint(pp, &q, end, &v)) != HS_OK)
			return r;
		if ((r = fn(pp, ctx, v)) != HS_OK)
			return r;
	}
	return HS_OK;
}

static void
add_span(struct span **a, size_t *n, size_t *cap, const struct field *f)
{
	XGROW(*a, *cap, *n + 1);
	(*a)[(*n)++] = (struct span){ f->p, f->len };
}

/* --- ids and strings -------------------------------------------------------------- */

static uint64_t
id_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return id;
}

static void
idmap_init(struct idmap *m, size_t n)
{
	m->cap = 16;
	while (m->cap < n * 2)
		m->cap *= 2;
	m->key = xcalloc(m->cap, sizeof *m->key);
	m->val = xmallocarray(m->cap, sizeof *m->val);
}

/* Adds id (non-zero) for index i; false if it is there already. */
static bool
idmap_add(struct idmap *m, uint64_t id, uint32_t i)
{
	size_t mask = m->cap - 1;
	for (size_t h = id_hash(id) & mask;; h = (h + 1) & mask) {
		if (m->key[h] == 0) {
			m->key[h] = id;
			m->val[h] = i;
			return true;
		}
		if (m->key[h] == id)
			return false;
	}
}

static uint32_t
idmap_find(const struct idmap *m, uint64_t id)
{
	size_t mask = m->cap - 1;
	if (m->key == NULL || id == 0)
		return UINT32_MAX;
	for (size_t h = id_hash(id) & mask; m->key[h] != 0; h = (h + 1) & mask)
		if (m->key[h] == id)
			return m->val[h];
	return UINT32_MAX;
}

static int
check_str(struct pp *pp, const struct field *f, int64_t *out)
{
	if (f->wt != WT_VARINT)
		return want(pp, f, WT_VARINT);
	if (f->v >= pp->nstr)
		return error_at(pp->err, HS_EINPUT, pp->path, (uint64_t)(f->at - pp->base),
		                "not a valid pprof profile: string index %" PRIu64
		                " past the string table (%zu strings)", f->v, pp->nstr);
	*out = (int64_t)f->v;
	return HS_OK;
}

static const char *
str(struct pp *pp, int64_t i)
{
	if (i < 0 || (size_t)i >= pp->nstr)
		return "";
	if (pp->cstr[i] == NULL)
		pp->cstr[i] = xstrndup((const char *)pp->strs[i].p, pp->strs[i].len);
	return pp->cstr[i];
}

/* --- the profile's messages ------------------------------------------------------- */

static int
scan_profile(struct pp *pp, const uint8_t *p, const uint8_t *end)
{
	struct field f;
	int r;
	while (p < end) {
		if ((r = next_field(pp, &p, end, &f)) != HS_OK)
			return r;
		switch (f.num) {
		case P_SAMPLE_TYPE:
		case P_SAMPLE:
		case P_MAPPING:
		case P_LOCATION:
		case P_FUNCTION:
		case P_STRING_TABLE:
		case P_PERIOD_TYPE:
			if ((r = want(pp, &f, WT_LEN)) != HS_OK)
				return r;
			break;
		case P_DROP_FRAMES:
		case P_KEEP_FRAMES:
		case P_TIME_NANOS:
		case P_DURATION_NANOS:
		case P_PERIOD:
		case P_DEFAULT_SAMPLE_TYPE:
			if ((r = want(pp, &f, WT_VARINT)) != HS_OK)
				return r;
			break;
		case P_COMMENT:
			if (f.wt != WT_VARINT && (r = want(pp, &f, WT_LEN)) != HS_OK)
				return r;
			break;
		}
		switch (f.num) {
		case P_SAMPLE_TYPE: add_span(&pp->stypes, &pp->nstypes, &pp->capstypes, &f); break;
		case P_SAMPLE: add_span(&pp->samples, &pp->nsamples, &pp->capsamples, &f); break;
		case P_MAPPING: add_span(&pp->maps_s, &pp->nmaps, &pp->capmaps, &f); break;
		case P_LOCATION: add_span(&pp->locs_s, &pp->nlocs, &pp->caplocs, &f); break;
		case P_FUNCTION: add_span(&pp->funcs_s, &pp->nfuncs, &pp->capfuncs, &f); break;
		case P_STRING_TABLE:
			if (pp->nstr == 0 && f.len != 0)
				return bad(pp, f.at, "the string table's first string is not empty");
			add_span(&pp->strs, &pp->nstr, &pp->capstr, &f);
			break;
		case P_PERIOD_TYPE:
			pp->period_type = (struct span){ f.p, f.len };
			pp->has_period_type = true;
			break;
		case P_DROP_FRAMES: pp->drop_frames = (int64_t)f.v; break;
		case P_KEEP_FRAMES: pp->keep_frames = (int64_t)f.v; break;
		case P_PERIOD: pp->period = (int64_t)f.v; break;
		case P_DEFAULT_SAMPLE_TYPE: pp->default_sample_type = (int64_t)f.v; break;
		}
	}
	if (pp->nstr > UINT32_MAX || pp->nlocs >= UINT32_MAX || pp->nfuncs >= UINT32_MAX ||
	    pp->nmaps >= UINT32_MAX)
		return bad(pp, end, "more entries than heapsift reads");
	pp->cstr = xcalloc(pp->nstr ? pp->nstr : 1, sizeof *pp->cstr);
	return HS_OK;
}

/* The string indices of the profile itself (drop_frames...): checked now
 * that the whole string table is known. */
static int
check_profile_strings(struct pp *pp, const uint8_t *end)
{
	int64_t s[3] = { pp->drop_frames, pp->keep_frames, pp->default_sample_type };
	for (int k = 0; k < 3; k++)
		if (s[k] < 0 || (uint64_t)s[k] >= (pp->nstr ? pp->nstr : 1))
			return bad(pp, end, "a string index past the string table");
	return HS_OK;
}

static int
parse_value_type(struct pp *pp, const struct span *s, int64_t out[2])
{
	struct field f;
	int r;
	out[0] = out[1] = 0;
	for (const uint8_t *p = s->p, *end = s->p + s->len; p < end;) {
		if ((r = next_field(pp, &p, end, &f)) != HS_OK)
			return r;
		if ((f.num == 1 || f.num == 2) && (r = check_str(pp, &f, &out[f.num - 1])) != HS_OK)
			return r;
	}
	return HS_OK;
}

static int
parse_function(struct pp *pp, const struct span *s, struct pfunc *fn)
{
	struct field f;
	int r = HS_OK;
	memset(fn, 0, sizeof *fn);
	for (const uint8_t *p = s->p, *end = s->p + s->len; p < end && r == HS_OK;) {
		if ((r = next_field(pp, &p, end, &f)) != HS_OK)
			return r;
		switch (f.num) {
		case 1:
			if ((r = want(pp, &f, WT_VARINT)) == HS_OK)
				fn->id = f.v;
			break;
		case 2: r = check_str(pp, &f, &fn->name); break;
		case 3: r = check_str(pp, &f, &fn->system_name); break;
		case 4: r = check_str(pp, &f, &fn->filename); break;
		case 5:
			if ((r = want(pp, &f, WT_VARINT)) == HS_OK)
				fn->start_line = (int64_t)f.v;
			break;
		}
	}
	if (r == HS_OK && fn->id == 0)
		return bad(pp, s->p, "a function with the reserved id 0");
	return r;
}

static int
parse_mapping(struct pp *pp, const struct span *s, struct pmap *m)
{
	struct field f;
	int r = HS_OK;
	memset(m, 0, sizeof *m);
	for (const uint8_t *p = s->p, *end = s->p + s->len; p < end && r == HS_OK;) {
		if ((r = next_field(pp, &p, end, &f)) != HS_OK)
			return r;
		switch (f.num) {
		case 1:
		case 2:
		case 3:
		case 4:
		case 7:
		case 8:
		case 9:
		case 10:
			if ((r = want(pp, &f, WT_VARINT)) != HS_OK)
				break;
			if (f.num == 1)
				m->id = f.v;
			else if (f.num == 2)
				m->start = f.v;
			else if (f.num == 3)
				m->limit = f.v;
			else if (f.num == 4)
				m->offset = f.v;
			break;
		case 5: r = check_str(pp, &f, &m->filename); break;
		case 6: r = check_str(pp, &f, &m->build_id); break;
		}
	}
	if (r == HS_OK && m->id == 0)
		return bad(pp, s->p, "a mapping with the reserved id 0");
	return r;
}

static int
parse_line(struct pp *pp, const struct span *s, const uint8_t *at)
{
	struct field f;
	uint64_t fid = 0;
	int64_t line = 0;
	int r;
	for (const uint8_t *p = s->p, *end = s->p + s->len; p < end;) {
		if ((r = next_field(pp, &p, end, &f)) != HS_OK)
			return r;
		if (f.num == 1 || f.num == 2 || f.num == 3) {	/* 3: column, newer protos */
			if ((r = want(pp, &f, WT_VARINT)) != HS_OK)
				return r;
			if (f.num == 1)
				fid = f.v;
			else if (f.num == 2)
				line = (int64_t)f.v;
		}
	}
	XGROW(pp->lines, pp->caplines, pp->nlines + 1);
	pp->lines[pp->nlines].func = idmap_find(&pp->fidx, fid);
	pp->lines[pp->nlines].line = line;
	if (fid == 0 || pp->lines[pp->nlines].func == UINT32_MAX)
		return error_at(pp->err, HS_EINPUT, pp->path, (uint64_t)(at - pp->base),
		                "not a valid pprof profile: a location's line has %s function id %" PRIu64,
		                fid == 0 ? "no" : "an unknown", fid);
	pp->nlines++;
	return HS_OK;
}

static int
parse_location(struct pp *pp, const struct span *s, struct ploc *l)
{
	struct field f;
	int r = HS_OK;
	memset(l, 0, sizeof *l);
	l->handle = UINT32_MAX;
	l->line_first = (uint32_t)pp->nlines;
	for (const uint8_t *p = s->p, *end = s->p + s->len; p < end && r == HS_OK;) {
		if ((r = next_field(pp, &p, end, &f)) != HS_OK)
			return r;
		switch (f.num) {
		case 1:
		case 2:
		case 3:
		case 5:
			if ((r = want(pp, &f, WT_VARINT)) != HS_OK)
				break;
			if (f.num == 1)
				l->id = f.v;
			else if (f.num == 2)
				l->mapping_id = f.v;
			else if (f.num == 3)
				l->address = f.v;
			break;
		case 4:
			if ((r = want(pp, &f, WT_LEN)) == HS_OK) {
				if (pp->nlines >= UINT32_MAX - 1)
					return bad(pp, f.at, "more lines than heapsift reads");
				r = parse_line(pp, &(struct span){ f.p, f.len }, f.at);
			}
			break;
		}
	}
	if (r != HS_OK)
		return r;
	if (l->id == 0)
		return bad(pp, s->p, "a location with the reserved id 0");
	l->line_count = (uint32_t)pp->nlines - l->line_first;
	/* an unknown mapping id is no mapping, as go tool pprof takes it */
	l->map = l->mapping_id ? idmap_find(&pp->midx, l->mapping_id)
	                       : UINT32_MAX;
	return HS_OK;
}

static int
parse_tables(struct pp *pp)
{
	int r;
	pp->stype = xcalloc(pp->nstypes ? pp->nstypes : 1, sizeof *pp->stype);
	for (size_t i = 0; i < pp->nstypes; i++)
		if ((r = parse_value_type(pp, &pp->stypes[i], pp->stype[i])) != HS_OK)
			return r;

	pp->funcs = xcalloc(pp->nfuncs ? pp->nfuncs : 1, sizeof *pp->funcs);
	idmap_init(&pp->fidx, pp->nfuncs);
	for (size_t i = 0; i < pp->nfuncs; i++) {
		if ((r = parse_function(pp, &pp->funcs_s[i], &pp->funcs[i])) != HS_OK)
			return r;
		if (!idmap_add(&pp->fidx, pp->funcs[i].id, (uint32_t)i))
			return bad(pp, pp->funcs_s[i].p, "two functions with one id");
	}
	pp->maps = xcalloc(pp->nmaps ? pp->nmaps : 1, sizeof *pp->maps);
	idmap_init(&pp->midx, pp->nmaps);
	for (size_t i = 0; i < pp->nmaps; i++) {
		if ((r = parse_mapping(pp, &pp->maps_s[i], &pp->maps[i])) != HS_OK)
			return r;
		if (!idmap_add(&pp->midx, pp->maps[i].id, (uint32_t)i))
			return bad(pp, pp->maps_s[i].p, "two mappings with one id");
	}
	pp->locs = xcalloc(pp->nlocs ? pp->nlocs : 1, sizeof *pp->locs);
	idmap_init(&pp->lidx, pp->nlocs);
	for (size_t i = 0; i < pp->nlocs; i++) {
		if ((r = parse_location(pp, &pp->locs_s[i], &pp->locs[i])) != HS_OK)
			return r;
		if (!idmap_add(&pp->lidx, pp->locs[i].id, (uint32_t)i))
			return bad(pp, pp->locs_s[i].p, "two locations with one id");
	}
	return HS_OK;
}

/* --- measures ----------------------------------------------------------------------- */

static const struct {
	const char *type;
	enum trace_measure_kind kind;
} heap_types[] = {
	{ "alloc_objects", TRACE_ALLOCATIONS },
	{ "alloc_space", TRACE_BYTES },
	{ "inuse_objects", TRACE_LEAKED },
	{ "inuse_space", TRACE_LEAKED_BYTES },
	/* legacy heap profiles without allocation counts: what is in use */
	{ "objects", TRACE_LEAKED },
	{ "space", TRACE_LEAKED_BYTES },
};

static void
type_list(struct pp *pp, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < pp->nstypes && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s/%s", i ? ", " : "",
		                      str(pp, pp->stype[i][0]), str(pp, pp->stype[i][1]));
}

/* go tool pprof's SampleIndexByName: a number, a type's name (inuse_X
 * also finds X), or by default the profile's default_sample_type, else the
 * last type. */
static int
sample_index(struct pp *pp, const char *want_si, size_t *out)
{
	char list[512];
	if (want_si == NULL || want_si[0] == '\0') {
		const char *dst = str(pp, pp->default_sample_type);
		*out = pp->nstypes - 1;
		for (size_t i = 0; dst[0] && i < pp->nstypes; i++)
			if (strcmp(str(pp, pp->stype[i][0]), dst) == 0) {
				*out = i;
				break;
			}
		return HS_OK;
	}
	if (want_si[0] >= '0' && want_si[0] <= '9') {
		char *end;
		unsigned long v = strtoul(want_si, &end, 10);
		if (*end == '\0') {
			if (v >= pp->nstypes)
				return error_set(pp->err, HS_EINPUT, pp->path,
				                 "--sample-index %s is outside the range [0..%zu]", want_si,
				                 pp->nstypes - 1);
			*out = v;
			return HS_OK;
		}
	}
	for (size_t i = 0; i < pp->nstypes; i++) {
		const char *t = str(pp, pp->stype[i][0]);
		if (strcmp(t, want_si) == 0 ||
		    (strncmp(want_si, "inuse_", 6) == 0 && strcmp(t, want_si + 6) == 0)) {
			*out = i;
			return HS_OK;
		}
	}
	type_list(pp, list, sizeof list);
	return error_set(pp->err, HS_EINPUT, pp->path,
	                 "--sample-index '%s': the profile's sample types are %s", want_si, list);
}

static int
measures(struct pp *pp)
{
	const char *names[6] = { NULL };
	unsigned mask = 0;
	size_t si = 0;
	char list[512];
	int r;

	if (pp->nstypes == 0)
		return error_set(pp->err, HS_EINPUT, pp->path,
		                 "not a valid pprof profile: it has no sample types");
	if (pp->nstypes > sizeof pp->kind / sizeof pp->kind[0])
		return error_set(pp->err, HS_EINPUT, pp->path,
		                 "a pprof profile with %zu sample types: heapsift reads at most %zu",
		                 pp->nstypes, sizeof pp->kind / sizeof pp->kind[0]);
	for (size_t i = 0; i < pp->nstypes; i++) {
		const char *t = str(pp, pp->stype[i][0]);
		pp->kind[i] = -1;
		for (size_t k = 0; k < sizeof heap_types / sizeof heap_types[0]; k++)
			if (strcmp(t, heap_types[k].type) == 0 && !(mask & 1u << heap_types[k].kind)) {
				pp->kind[i] = (int)heap_types[k].kind;
				mask |= 1u << heap_types[k].kind;
				names[heap_types[k].kind] = t;
			}
	}
	if (mask == 0) {
		type_list(pp, list, sizeof list);
		return error_set(pp->err, HS_EINPUT, pp->path,
		                 "not a heap profile: its sample types are %s (heapsift reads heap "
		                 "profiles: alloc_objects, alloc_space, inuse_objects, inuse_space)",
		                 list);
	}
	if ((r = sample_index(pp, pprof_sample_index, &si)) != HS_OK)
		return r;
	if (pp->kind[si] < 0) {
		if (pprof_sample_index && pprof_sample_index[0])
			return error_set(pp->err, HS_EINPUT, pp->path,
			                 "--sample-index %s: sample type '%s' is not a heap measure "
			                 "(alloc_objects, alloc_space, inuse_objects, inuse_space)",
			                 pprof_sample_index, str(pp, pp->stype[si][0]));
		for (size_t i = pp->nstypes; i-- > 0;)
			if (pp->kind[i] >= 0) {
				si = i;
				break;
			}
	}
	tb_measures(pp->b, mask, names);
	tb_main_measure(pp->b, pp->kind[si]);
	return HS_OK;
}

/* --- frames: symbolized and pruned ------------------------------------------------ */

static void
symbolize(struct pp *pp)
{
	for (size_t i = 0; i < pp->nlocs; i++) {
		struct ploc *l = &pp->locs[i];
		struct sym_result res;
		const char *file;
		if (l->line_count > 0 || l->map == UINT32_MAX)
			continue;
		file = str(pp, pp->maps[l->map].filename);
		if (file[0] == '\0' || file[0] == '[')	/* [vdso], [kernel.kallsyms] */
			continue;
		if (pp->sym == NULL) {
			pp->sym = sym_maps_new(&(struct sym_options){ NULL, true });
			for (size_t k = 0; k < pp->nmaps; k++) {
				const char *mf = str(pp, pp->maps[k].filename);
				if (mf[0] && mf[0] != '[')
					sym_maps_add(pp->sym, pp->maps[k].start, pp->maps[k].limit,
					             pp->maps[k].offset, mf);
			}
		}
		res = sym_maps_lookup(pp->sym, l->address, &l->sym_module);
		if (res.count > 0 && strcmp(res.frames[res.count - 1].function, "??") != 0) {
			l->sym = res.frames;
			l->sym_count = res.count;
		}
	}
}

static const char *
line_function(struct pp *pp, const struct ploc *l, uint32_t k)
{
	if (l->sym)
		return l->sym[k].function;
	if (l->line_count == 0)
		return "";
	{
		const struct pfunc *fn = &pp->funcs[pp->lines[l->line_first + k].func];
		const char *name = str(pp, fn->name);
		return name[0] ? name : str(pp, fn->system_name);
	}
}

static uint32_t
loc_lines(const struct ploc *l)
{
	return l->sym ? l->sym_count : l->line_count;
}

/* go tool pprof's simplifyFunc: the name without its argument list. */
static void
simplify(const char *name, char *buf, size_t size)
{
	const char *s = name[0] == '.' ? name + 1 : name, *cut = NULL;
	for (const char *q = s; *q && cut == NULL; q++) {
		if (strncmp(q, "(anonymous namespace)", 21) == 0)
			q += 20;
		else if (strncmp(q, "operator()", 10) == 0)
			q += 9;
		else if (*q == '(')
			cut = q;
	}
	snprintf(buf, size, "%.*s", (int)(cut ? (size_t)(cut - s) : strlen(s)), s);
}

/* profile.Prune with the profile's drop_frames and keep_frames: for each
 * location, the innermost line matching drop (and not keep) is cut with
 * everything inside it; samples lose the locations below. */
static void
prune_locations(struct pp *pp)
{
	const char *drop = str(pp, pp->drop_frames), *keep = str(pp, pp->keep_frames);
	regex_t rd, rk;
	bool has_keep = false;
	char *rx, name[1024];

	if (drop[0] == '\0')
		return;
	rx = xasprintf("^(%s)$", drop);
	/* go tool pprof ignores a drop_frames it cannot compile; so do we */
	if (regcomp(&rd, rx, REG_EXTENDED | REG_NOSUB) != 0) {
		free(rx);
		return;
	}
	free(rx);
	if (keep[0]) {
		rx = xasprintf("^(%s)$", keep);
		has_keep = regcomp(&rk, rx, REG_EXTENDED | REG_NOSUB) == 0;
		free(rx);
	}
	for (size_t i = 0; i < pp->nlocs; i++) {
		struct ploc *l = &pp->locs[i];
		uint32_t n = loc_lines(l);
		for (uint32_t k = n; k-- > 0;) {
			const char *fn = line_function(pp, l, k);
			if (fn[0] == '\0' || strcmp(fn, "??") == 0)
				continue;
			simplify(fn, name, sizeof name);
			if (regexec(&rd, name, 0, NULL, 0) == 0 &&
			    !(has_keep && regexec(&rk, name, 0, NULL, 0) == 0)) {
				l->prune_beneath = true;
				if (k == n - 1)
					l->prune = true;
				else
					l->skip = k + 1;
				break;
			}
		}
	}
	regfree(&rd);
	if (has_keep)
		regfree(&rk);
}

/* The builder's frames of location l (innermost first), made once. */
static uint32_t
loc_handle(struct pp *pp, struct ploc *l)
{
	struct sym_frame buf[64], *f = buf;
	uint32_t n = loc_lines(l) - l->skip;
	const char *module = NULL;
	char addr[32];

	if (l->handle != UINT32_MAX)
		return l->handle;
	if (l->map != UINT32_MAX) {
		module = str(pp, pp->maps[l->map].filename);
		if (module[0] == '\0')
			module = NULL;
	}
	if (n > sizeof buf / sizeof buf[0])
		f = xmallocarray(n, sizeof *f);
	if (l->sym) {
		memcpy(f, l->sym + l->skip, n * sizeof *f);
		if (l->sym_module)
			module = l->sym_module;
	} else {
		for (uint32_t k = 0; k < n; k++) {
			const struct pline *ln = &pp->lines[l->line_first + l->skip + k];
			const struct pfunc *fn = &pp->funcs[ln->func];
			const char *file = str(pp, fn->filename);
			f[k] = (struct sym_frame){ line_function(pp, l, l->skip + k), file[0] ? file : "??",
			                           ln->line > 0 && ln->line <= UINT32_MAX
			                                   ? (uint32_t)ln->line : 0, 0 };
			if (f[k].function[0] == '\0')
				f[k].function = "??";
		}
	}
	if (n == 0) {
		/* addresses only, and no symbols: the address stands for it */
		snprintf(addr, sizeof addr, "0x%" PRIx64, l->address);
		f[0] = (struct sym_frame){ addr, "??", 0, 0 };
		n = 1;
	}
	l->handle = tb_frames(pp->b, f, n, module);
	if (f != buf)
		free(f);
	return l->handle;
}

/* --- samples ------------------------------------------------------------------------ */

struct sample {
	uint32_t *loc;
	size_t nloc, caploc;
	int64_t *val;
	size_t nval, capval;
	struct pp *pp;
	const uint8_t *at;
};

static int
sample_loc(struct pp *pp, void *ctx, uint64_t id)
{
	struct sample *s = ctx;
	uint32_t i = idmap_find(&pp->lidx, id);
	if (i == UINT32_MAX)
		return error_at(pp->err, HS_EINPUT, pp->path, (uint64_t)(s->at - pp->base),
		                "not a valid pprof profile: a sample's location id %" PRIu64
		                " is not in the location table", id);
	XGROW(s->loc, s->caploc, s->nloc + 1);
	s->loc[s->nloc++] = i;
	return HS_OK;
}

static int
sample_val(struct pp *pp, void *ctx, uint64_t v)
{
	struct sample *s = ctx;
	if ((int64_t)v < 0)
		return error_at(pp->err, HS_EINPUT, pp->path, (uint64_t)(s->at - pp->base),
		                "a negative sample value (%" PRId64 "): a difference of two profiles "
		                "(go tool pprof -base), not a heap profile; heapsift diff compares two",
		                (int64_t)v);
	XGROW(s->val, s->capval, s->nval + 1);
	s->val[s->nval++] = (int64_t)v;
	return HS_OK;
}

static int
check_label(struct pp *pp, const struct span *sp)
{
	struct field f;
	int64_t s;
	int r;
	for (const uint8_t *p = sp->p, *end = sp->p + sp->len; p < end;) {
		if ((r = next_field(pp, &p, end, &f)) != HS_OK)
			return r;
		if (f.num == 1 || f.num == 2 || f.num == 4)
			r = check_str(pp, &f, &s);
		else if (f.num == 3)
			r = want(pp, &f, WT_VARINT);
		if (r != HS_OK)
			return r;
	}
	return HS_OK;
}

static int
one_sample(struct pp *pp, const struct span *sp, struct sample *s)
{
	struct field f;
	struct trace_measure m;
	uint64_t *mv[6] = { &m.allocations, &m.bytes, &m.temporary, &m.peak_bytes, &m.leaked_bytes,
		            &m.leaked };
	uint32_t node = TB_ROOT;
	size_t first;
	bool user = false, any = false;
	int r;

	s->nloc = s->nval = 0;
	s->at = sp->p;
	for (const uint8_t *p = sp->p, *end = sp->p + sp->len; p < end;) {
		if ((r = next_field(pp, &p, end, &f)) != HS_OK)
			return r;
		if (f.num == 1)
			r = numbers(pp, &f, sample_loc, s);
		else if (f.num == 2)
			r = numbers(pp, &f, sample_val, s);
		else if (f.num == 3)
			r = f.wt == WT_LEN ? check_label(pp, &(struct span){ f.p, f.len })
			                   : want(pp, &f, WT_LEN);
		if (r != HS_OK)
			return r;
	}
	if (s->nval != pp->nstypes)
		return error_at(pp->err, HS_EINPUT, pp->path, (uint64_t)(sp->p - pp->base),
		                "not a valid pprof profile: a sample has %zu values for %zu sample types",
		                s->nval, pp->nstypes);
	memset(&m, 0, sizeof m);
	for (size_t k = 0; k < s->nval; k++)
		if (pp->kind[k] >= 0 && s->val[k] != 0) {
			*mv[pp->kind[k]] = (uint64_t)s->val[k];
			any = true;
		}
	if (!any)
		return HS_OK;
	/* Prune: from the root, past the first location that stays, the first
	 * pruned one ends the stack (or, cut, is its leaf). */
	first = 0;
	for (size_t i = s->nloc; i-- > 0;) {
		const struct ploc *l = &pp->locs[s->loc[i]];
		if (!l->prune && !l->prune_beneath) {
			user = true;
			continue;
		}
		if (!user)
			continue;
		first = l->prune ? i + 1 : i;
		break;
	}
	for (size_t i = s->nloc; i-- > first;) {
		struct ploc *l = &pp->locs[s->loc[i]];
		node = tb_node(pp->b, node, l->address, loc_handle(pp, l));
		if (node == TB_FULL)
			return error_set(pp->err, HS_EINPUT, pp->path,
			                 "more distinct stacks than heapsift holds (%u)", TB_MAX_NODES);
	}
	tb_add(pp->b, node, &m);
	return HS_OK;
}

static int
samples(struct pp *pp)
{
	struct sample s = { .pp = pp };
	int r = HS_OK;
	progress_phase(pp->progress, "samples", pp->nsamples);
	for (size_t i = 0; i < pp->nsamples && r == HS_OK; i++) {
		if (progress_update(pp->progress, "samples", i, pp->nsamples)) {
			r = error_set(pp->err, HS_ECANCEL, pp->path, "cancelled");
			break;
		}
		r = one_sample(pp, &pp->samples[i], &s);
	}
	free(s.loc);
	free(s.val);
	return r;
}

/* --- the loader --------------------------------------------------------------------- */

/* A profile as Go's runtime or pprof writes it: its first fields are known
 * ones of the right wire types, within the data, and a sample type among
 * them is a ValueType of two string indices.  Other formats fail early: a
 * V8 snapshot's '{' is a group, hprof's "JAVA" a string where a number
 * goes, text a wrong wire type or a runaway length. */
static bool
pprof_probe(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	bool sample_type = false;
	int fields = 0;
	struct hs_error err;
	struct pp pp = { .path = "", .base = data, .err = &err };

	error_clear(&err);
	if (size < 8 || (data[0] != 0x0a && data[0] != 0x5a))	/* sample_type or period_type */
		return false;
	while (p < end && fields < 24 && p - data < 65536) {
		struct field f;
		if (next_field(&pp, &p, end, &f) != HS_OK || f.num > P_DEFAULT_SAMPLE_TYPE)
			return false;
		switch (f.num) {
		case P_SAMPLE_TYPE:
		case P_PERIOD_TYPE: {
			/* a ValueType: fields 1 and 2, small varints */
			int n = 0;
			for (const uint8_t *q = f.p, *qe = f.p + f.len; q < qe; n++) {
				struct field g;
				if (f.wt != WT_LEN || next_field(&pp, &q, qe, &g) != HS_OK ||
				    (g.num != 1 && g.num != 2) || g.wt != WT_VARINT || g.v > (1u << 30))
					return false;
			}
			if (f.wt != WT_LEN || n == 0)
				return false;
			if (f.num == P_SAMPLE_TYPE)
				sample_type = true;
			break;
		}
		case P_SAMPLE:
		case P_MAPPING:
		case P_LOCATION:
		case P_FUNCTION:
		case P_STRING_TABLE:
			if (f.wt != WT_LEN)
				return false;
			break;
		case P_COMMENT:
			if (f.wt != WT_VARINT && f.wt != WT_LEN)
				return false;
			break;
		default:
			if (f.wt != WT_VARINT)
				return false;
		}
		fields++;
	}
	return sample_type && fields >= 3;
}

static void
pp_free(struct pp *pp)
{
	for (size_t i = 0; pp->cstr && i < pp->nstr; i++)
		free(pp->cstr[i]);
	free(pp->cstr);
	free(pp->strs);
	free(pp->stypes);
	free(pp->samples);
	free(pp->maps_s);
	free(pp->locs_s);
	free(pp->funcs_s);
	free(pp->stype);
	free(pp->funcs);
	free(pp->maps);
	free(pp->locs);
	free(pp->lines);
	free(pp->fidx.key);
	free(pp->fidx.val);
	free(pp->midx.key);
	free(pp->midx.val);
	free(pp->lidx.key);
	free(pp->lidx.val);
	sym_maps_free(pp->sym);
}

static int
pprof_load(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	struct pp pp;
	const uint8_t *end = io->data + io->size;
	int r;

	memset(&pp, 0, sizeof pp);
	pp.path = io->path;
	pp.base = io->data;
	pp.err = err;
	pp.progress = progress;
	progress_phase(progress, "parsing", io->size);
	pp.b = tb_new(io->path, "pprof");
	if ((r = scan_profile(&pp, io->data, end)) != HS_OK ||
	    (r = check_profile_strings(&pp, end)) != HS_OK || (r = parse_tables(&pp)) != HS_OK ||
	    (r = measures(&pp)) != HS_OK)
		goto fail;
	if (pp.has_period_type) {
		int64_t pt[2];
		if ((r = parse_value_type(&pp, &pp.period_type, pt)) != HS_OK)
			goto fail;
		/* heap profiles: one sample per this many bytes allocated */
		if (strcmp(str(&pp, pt[1]), "bytes") == 0 && pp.period > 1)
			tb_sample_bytes(pp.b, (uint64_t)pp.period);
	}
	symbolize(&pp);
	prune_locations(&pp);
	if ((r = samples(&pp)) != HS_OK)
		goto fail;
	out->kind = MODEL_TRACE;
	out->trace = tb_finish(pp.b);
	pp_free(&pp);
	return HS_OK;
fail:
	tb_abandon(pp.b);
	pp_free(&pp);
	return r;
}

const struct loader_ops loader_pprof = {
	.name = "pprof",
	.description = "Go pprof heap profiles (profile.proto, usually gzipped: go tool pprof's input)",
	.probe = pprof_probe,
	.load = pprof_load,
};
