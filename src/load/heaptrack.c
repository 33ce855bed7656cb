/* heaptrack: the files heaptrack writes (after heaptrack_interpret; .zst,
 * .gz or plain), read into the trace model and measured as heaptrack_print
 * measures them.
 *
 * The file is lines of a mode character and hexadecimal fields:
 *   v HEAPTRACK_VERSION FILE_VERSION
 *   s [LENGTH] STRING         strings, numbered from 1 (LENGTH from version 3)
 *   i IP MODULE [FUNCTION [FILE LINE] [FUNCTION FILE LINE]...]
 *                             an instruction, numbered from 1; the frames
 *                             after the first are the functions it is
 *                             inlined into... read innermost first
 *   t IP PARENT               a stack: an instruction and its caller's stack,
 *                             numbered from 1 (0: none)
 *   a SIZE TRACE              an allocation kind, numbered from 0
 *   + KIND  - KIND            an allocation of that kind, its free
 *   c MILLISECONDS            the time
 *   X, I, R, A, #            command line, system info, RSS, attached, comments
 * Strings, instructions and stacks are referred to only after they are
 * defined; anything else is an error with its offset.
 *
 * heaptrack_print's rules: every '+' is a call to an allocation function;
 * a '-' is temporary when its kind is that of the latest '+' and no '-'
 * came since (heaptrack keeps the latest kind, and 0 after a free, so a
 * free of kind 0 after another free counts too: kept, to agree). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapsift/load.h"
#include "heapsift/sym.h"
#include "heapsift/trace_builder.h"
#include "heapsift/xalloc.h"

/* at most this many inline frames per instruction */
#define MAX_INLINE 64

struct kind {
	uint64_t size;
	uint32_t node;
};

struct ht {
	const char *p, *end, *base;
	const char *whole;	/* after the last newline: a line from there on is cut short */
	const char *path;
	struct hs_error *err;
	struct trace_builder *b;
	unsigned version;
	/* strings: offset and length in the file, numbered from 1 */
	const char **str;
	uint32_t *slen;
	const char **cstr;	/* NUL-terminated copies, made on first use */
	size_t nstr, capstr;
	uint32_t *ip_handle;	/* instruction -> frames handle */
	uint64_t *ip_addr;
	size_t nip, capip;
	uint32_t *trace_node;	/* stack -> builder node; [0] the root */
	size_t ntrace, captrace;
	struct kind *kinds;
	size_t nkind, capkind;
	uint64_t last_kind;
	struct arena scratch;
};

static int
bad(struct ht *h, const char *line, const char *what)
{
	return error_at(h->err, HS_EINPUT, h->path, (uint64_t)(line - h->base), "%s", what);
}

/* A hexadecimal field: skips one space, reads digits up to a space or the
 * end of the line.  False when there is none or it overflows. */
static inline bool
hex(struct ht *h, uint64_t *out)
{
	const char *p = h->p;
	uint64_t v = 0;
	unsigned n = 0;
	if (p < h->end && *p == ' ')
		p++;
	for (; p < h->end; p++, n++) {
		unsigned c = (unsigned char)*p, d;
		if (c - '0' < 10)
			d = c - '0';
		else if ((c | 0x20) - 'a' < 6)
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		if (n == 16)
			return false;
		v = v << 4 | d;
	}
	if (n == 0)
		return false;
	h->p = p;
	*out = v;
	return true;
}

static inline bool
at_eol(const struct ht *h)
{
	return h->p >= h->end || *h->p == '\n';
}

static const char *
string(struct ht *h, uint64_t idx)
{
	if (idx == 0 || idx > h->nstr)
		return NULL;
	if (h->cstr[idx - 1] == NULL)
		h->cstr[idx - 1] = arena_strndup(&h->scratch, h->str[idx - 1], h->slen[idx - 1]);
	return h->cstr[idx - 1];
}

static const char *
function_name(struct ht *h, uint64_t idx)
{
	const char *s = string(h, idx);
	if (s == NULL)
		return NULL;
	return strncmp(s, "_Z", 2) == 0 ? sym_demangle(&h->scratch, s) : s;
}

static int
line_string(struct ht *h, const char *line)
{
	const char *s;
	size_t n;
	if (h->version >= 3) {
		uint64_t len;
		if (!hex(h, &len) || h->p >= h->end || *h->p != ' ')
			return bad(h, line, "a string without its length");
		s = h->p + 1;
		if (len > (uint64_t)(h->end - s))
			return 1;	/* cut short: the end */
		if (len > UINT32_MAX)
			return bad(h, line, "a string longer than 4 GiB");
		n = (size_t)len;
		h->p = s + n;
	} else {
		s = h->p < h->end && *h->p == ' ' ? h->p + 1 : h->p;
		h->p = s;
		while (h->p < h->end && *h->p != '\n')
			h->p++;
		n = (size_t)(h->p - s);
	}
	if (h->nstr == h->capstr) {
		size_t cap = h->capstr;
		XGROW(h->str, cap, h->nstr + 1);
		h->slen = xreallocarray(h->slen, cap, sizeof *h->slen);
		h->cstr = xreallocarray(h->cstr, cap, sizeof *h->cstr);
		h->capstr = cap;
	}
	h->str[h->nstr] = s;
	h->slen[h->nstr] = (uint32_t)n;
	h->cstr[h->nstr] = NULL;
	h->nstr++;
	return 0;
}

static int
line_ip(struct ht *h, const char *line)
{
	struct sym_frame f[MAX_INLINE + 1];
	uint64_t ip, mod, fn, file, ln;
	uint32_t n = 0;
	const char *module;

	if (!hex(h, &ip) || !hex(h, &mod))
		return bad(h, line, "an instruction line without address and module");
	if (mod > h->nstr)
		return bad(h, line, "an instruction's module is not a string defined before");
	module = mod ? string(h, mod) : NULL;
	f[0] = (struct sym_frame){ NULL, NULL, 0, 0 };
	if (!at_eol(h)) {
		if (!hex(h, &fn) || fn > h->nstr)
			return bad(h, line, "an instruction's function is not a string defined before");
		f[0].function = fn ? function_name(h, fn) : NULL;
		if (!at_eol(h)) {
			if (!hex(h, &file) || !hex(h, &ln) || file > h->nstr || ln > UINT32_MAX)
				return bad(h, line, "an instruction's file or line is out of range");
			f[0].file = file ? string(h, file) : NULL;
			f[0].line = (uint32_t)ln;
		}
	}
	n = 1;
	while (!at_eol(h)) {
		if (n > MAX_INLINE)
			return bad(h, line, "more inline frames than heapsift reads (64)");
		if (!hex(h, &fn) || !hex(h, &file) || !hex(h, &ln) || fn > h->nstr ||
		    file > h->nstr || ln > UINT32_MAX)
			return bad(h, line, "an inline frame is not a function, file and line");
		f[n++] = (struct sym_frame){ fn ? function_name(h, fn) : NULL,
			                     file ? string(h, file) : NULL, (uint32_t)ln, 0 };
	}
	if (f[0].function == NULL) {
		/* heaptrack could not name it: the address, as heaptrack_print
		 * shows unresolved functions */
		char buf[32];
		snprintf(buf, sizeof buf, "0x%" PRIx64, ip);
		f[0].function = arena_strndup(&h->scratch, buf, strlen(buf));
	}
	if (h->nip == h->capip) {
		size_t cap = h->capip;
		XGROW(h->ip_handle, cap, h->nip + 1);
		h->ip_addr = xreallocarray(h->ip_addr, cap, sizeof *h->ip_addr);
		h->capip = cap;
	}
	h->ip_handle[h->nip] = tb_frames(h->b, f, n, module);
	h->ip_addr[h->nip++] = ip;
	return 0;
}

static int
line_trace(struct ht *h, const char *line)
{
	uint64_t ip, parent;
	uint32_t node;
	if (!hex(h, &ip) || !hex(h, &parent))
		return bad(h, line, "a stack line without instruction and parent");
	if (ip == 0 || ip > h->nip)
		return bad(h, line, "a stack's instruction is not defined before");
	if (parent >= h->ntrace)
		return bad(h, line, "a stack's parent is not defined before");
	node = tb_node(h->b, h->trace_node[parent], h->ip_addr[ip - 1], h->ip_handle[ip - 1]);
	if (node == TB_FULL)
		return bad(h, line, "too many stacks");
	XGROW(h->trace_node, h->captrace, h->ntrace + 1);
	h->trace_node[h->ntrace++] = node;
	return 0;
}

static int
walk(struct ht *h, struct progress *progress)
{
	uint64_t a, c;
	unsigned long lines = 0;
	while (h->p < h->end) {
		const char *line = h->p;
		char mode = *h->p++;
		int r = 0;
		if (line >= h->whole)
			return 1;	/* the last line, cut short (heaptrack was killed) */
		switch (mode) {
		case '+':
			if (!hex(h, &a) || a >= h->nkind)
				return bad(h, line, "an allocation of a kind not defined before");
			tb_alloc(h->b, h->kinds[a].node, h->kinds[a].size);
			h->last_kind = a;
			break;
		case '-': {
			bool temporary;
			if (!hex(h, &a) || a >= h->nkind)
				return bad(h, line, "a free of a kind not defined before");
			temporary = h->last_kind == a;
			h->last_kind = 0;
			tb_free(h->b, h->kinds[a].node, h->kinds[a].size, temporary);
			break;
		}
		case 'a':
			if (!hex(h, &a) || !hex(h, &c))
				return bad(h, line, "an allocation kind without size and stack");
			if (c >= h->ntrace)
				return bad(h, line, "an allocation kind's stack is not defined before");
			XGROW(h->kinds, h->capkind, h->nkind + 1);
			h->kinds[h->nkind++] = (struct kind){ a, h->trace_node[c] };
			break;
		case 't': r = line_trace(h, line); break;
		case 'i': r = line_ip(h, line); break;
		case 's': r = line_string(h, line); break;
		case 'c':
			if (!hex(h, &a))
				return bad(h, line, "a time line without its time");
			if (a > UINT64_MAX / 1000)
				return bad(h, line, "a time out of range");
			if (a * 1000 > trace_stop_us)
				return 0;	/* the trace as it stood then (diff --from/--to) */
			tb_time(h->b, a * 1000);
			break;
		case 'v':
			return bad(h, line, "a second version line");
		case '\n':
			h->p--;	/* an empty line */
			break;
		default:	/* X, I, R, A, #, and modes of later versions */
			break;
		}
		if (r)
			return r;	/* an error, or 1: cut short */
		while (h->p < h->end && *h->p != '\n')
			h->p++;
		h->p++;
		if ((++lines & 0xffff) == 0 && progress &&
		    progress_update(progress, "reading", (uint64_t)(h->p - h->base),
		                    (uint64_t)(h->end - h->base)))
			return error_set(h->err, HS_ECANCEL, h->path, "cancelled");
	}
	return 0;
}

static bool
heaptrack_probe(const uint8_t *data, size_t size)
{
	/* "v 10400 3\n" (heaptrack 1.4.0, file version 3) */
	size_t i = 2;
	if (size < 6 || data[0] != 'v' || data[1] != ' ')
		return false;
	while (i < size && i < 20 && ((data[i] >= '0' && data[i] <= '9') || (data[i] >= 'a' && data[i] <= 'f')))
		i++;
	return i > 2 && i + 2 < size && data[i] == ' ' && data[i + 1] >= '0' && data[i + 1] <= '9';
}

static int
heaptrack_load(struct io *io, struct progress *progress, struct model *out, struct hs_error *err)
{
	struct ht h;
	uint64_t hv, fv;
	int r;

	memset(&h, 0, sizeof h);
	h.base = h.p = (const char *)io->data;
	h.end = h.base + io->size;
	h.path = io->path;
	h.err = err;
	h.p++;	/* the "v" */
	if (!heaptrack_probe(io->data, io->size) || !hex(&h, &hv) || !hex(&h, &fv))
		return error_at(err, HS_EINPUT, io->path, 0, "not a heaptrack file (no \"v\" line)");
	if (fv < 2 || fv > 3)
		return error_at(err, HS_EINPUT, io->path, 0,
		                "heaptrack file version %" PRIu64 ": heapsift reads versions 2 and 3 "
		                "(heaptrack 1.1 and later)", fv);
	arena_init(&h.scratch);
	h.version = (unsigned)fv;
	h.b = tb_new(io->path, "heaptrack");
	tb_measures(h.b, TRACE_ALL_MEASURES, NULL);
	tb_has_time(h.b);
	h.trace_node = xmallocarray(1, sizeof *h.trace_node);
	h.captrace = 1;
	h.trace_node[0] = TB_ROOT;
	h.ntrace = 1;
	progress_phase(progress, "reading", io->size);
	{
		const char *nl = memrchr(h.base, '\n', (size_t)(h.end - h.base));
		h.whole = nl ? nl + 1 : h.base;
	}
	r = walk(&h, progress);
	if (r >= 0) {
		if (r == 0)
			tb_complete(h.b);
		r = 0;
		out->kind = MODEL_TRACE;
		out->trace = tb_finish(h.b);	/* (it copied the strings it keeps) */
	} else {
		tb_abandon(h.b);
	}
	free(h.str);
	free(h.slen);
	free(h.cstr);
	free(h.ip_handle);
	free(h.ip_addr);
	free(h.trace_node);
	free(h.kinds);
	arena_free(&h.scratch);
	return r ? err->status : HS_OK;
}

const struct loader_ops loader_heaptrack = {
	.name = "heaptrack",
	.description = "heaptrack's files (heaptrack -o FILE PROG; .zst, .gz or plain)",
	.probe = heaptrack_probe,
	.load = heaptrack_load,
};
