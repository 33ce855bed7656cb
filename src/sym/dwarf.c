/* dwarf: the DWARF 4/5 index of one ELF file, through libdwarf (the
 * 20210528 API Debian 12 ships).
 *
 * Opening reads only the unit headers and each unit's address ranges
 * (DW_AT_low_pc/high_pc or DW_AT_ranges, .debug_ranges or .debug_rnglists).
 * A unit's line table and scopes are read when an address first falls in
 * it: the scopes are its subprograms with pc ranges and, under them, the
 * DW_TAG_inlined_subroutine tree (through lexical blocks).  A look-up is a
 * binary search for the unit, one for the subprogram, a scan of that
 * subprogram's inlined scopes for the deepest one holding the address, and
 * one for the line row.  Names follow DW_AT_abstract_origin and
 * DW_AT_specification, linkage name first, as llvm-symbolizer does.
 *
 * Every libdwarf error is taken as "no information here": a corrupt unit
 * loses its frames, never the process. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "heapsift/xalloc.h"
#include "sym_int.h"

#define NONE UINT32_MAX
#define MAX_DEPTH 128		/* DIE nesting followed; deeper is ignored */
#define MAX_CHAIN 64		/* inline frames reported per address */

struct range {
	uint64_t lo, hi;	/* [lo, hi) */
	uint32_t idx;		/* unit or scope */
};

struct row {
	uint64_t addr;
	uint32_t file, line, discriminator;
};

struct seq {
	uint64_t lo, hi;
	uint32_t first, count;	/* rows */
};

struct scope {
	Dwarf_Off die;
	uint32_t parent;	/* enclosing scope (inlined ones), or NONE */
	uint32_t first, end;	/* its descendants: [first, end) */
	bool expanded;		/* a subprogram's descendants read */
	uint32_t call_file, call_line;
	uint32_t first_range, nranges;
	uint16_t depth;
	const char *name;	/* resolved when first needed */
};

struct unit {
	Dwarf_Off die;
	uint16_t version;
	bool loaded;
	uint64_t base;		/* the unit's base address */
	const char **files;
	uint32_t file_base, nfiles;
	struct row *rows;
	uint32_t nrows;
	struct seq *seqs;
	uint32_t nseqs;
	struct scope *scopes;
	uint32_t nscopes, capscopes;
	struct range *sranges;	/* every scope's ranges, by scope */
	uint32_t nsranges, capsranges;
	struct range *top;	/* subprograms' ranges, sorted by lo */
	uint32_t ntop;
};

struct dw_index {
	Dwarf_Debug dbg;
	Dwarf_Error err;
	struct arena *str;
	bool demangle;
	struct unit *units;
	uint32_t nunits;
	struct range *ranges;	/* units' ranges, sorted by lo */
	uint32_t nranges;
};

/* DW_DLV_OK; an error is freed and counts as no entry. */
static bool
ok(struct dw_index *d, int r)
{
	if (r == DW_DLV_ERROR && d->err) {
		dwarf_dealloc(d->dbg, d->err, DW_DLA_ERROR);
		d->err = NULL;
	}
	return r == DW_DLV_OK;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The range of sorted r[0..n) that holds addr: the last one starting at
 * or before it that still covers it (a few back, for overlaps). */
static const struct range *
range_find(const struct range *r, uint32_t n, uint64_t addr)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (r[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo, k = 0; i > 0 && k < 16; i--, k++)
		if (addr < r[i - 1].hi)
			return &r[i - 1];
	return NULL;
}

/* --- attributes ------------------------------------------------------------- */

static bool
attr_udata(struct dw_index *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Unsigned *v)
{
	Dwarf_Attribute a;
	bool r;
	Dwarf_Signed sv;
	if (!ok(d, dwarf_attr(die, at, &a, &d->err)))
		return false;
	r = ok(d, dwarf_formudata(a, v, &d->err));
	if (!r && ok(d, dwarf_formsdata(a, &sv, &d->err)) && sv >= 0) {
		/* DW_FORM_implicit_const (gcc 12's DW_AT_call_file): formudata
		 * of this libdwarf refuses it, formsdata reads it */
		*v = (Dwarf_Unsigned)sv;
		r = true;
	}
	dwarf_dealloc_attribute(a);
	return r;
}

/* The DIE offset an attribute refers to (DW_AT_abstract_origin...). */
static bool
attr_ref(struct dw_index *d, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *off)
{
	Dwarf_Attribute a;
	bool r;
	if (!ok(d, dwarf_attr(die, at, &a, &d->err)))
		return false;
	r = ok(d, dwarf_global_formref(a, off, &d->err));
	dwarf_dealloc_attribute(a);
	return r;
}

static const char *
attr_string(struct dw_index *d, Dwarf_Die die, Dwarf_Half at)
{
	char *s = NULL;
	if (!ok(d, dwarf_die_text(die, at, &s, &d->err)))
		return NULL;
	return s;	/* in the string section: libdwarf's */
}

typedef void (*range_fn)(void *ctx, uint64_t lo, uint64_t hi);

/* Calls fn for each pc range of die.  base: the unit's base address
 * (DWARF 4 .debug_ranges entries are relative to it). */
static void
die_ranges(struct dw_index *d, Dwarf_Die die, uint16_t version, uint64_t base, range_fn fn,
           void *ctx)
{
	Dwarf_Addr lo, hi;
	Dwarf_Half form;
	enum Dwarf_Form_Class cls;
	Dwarf_Attribute a;
	Dwarf_Unsigned off;

	/* low_pc and high_pc; a unit with DW_AT_ranges may have low_pc 0 (the
	 * base of its ranges) and no high_pc */
	if (ok(d, dwarf_lowpc(die, &lo, &d->err)) &&
	    ok(d, dwarf_highpc_b(die, &hi, &form, &cls, &d->err))) {
		if (cls == DW_FORM_CLASS_CONSTANT)
			hi += lo;
		if (hi > lo && lo != 0)
			fn(ctx, lo, hi);
		return;
	}
	if (!ok(d, dwarf_attr(die, DW_AT_ranges, &a, &d->err)))
		return;
	if (!ok(d, dwarf_whatform(a, &form, &d->err)) ||
	    (!ok(d, dwarf_formudata(a, &off, &d->err)) &&
	     !ok(d, dwarf_global_formref(a, (Dwarf_Off *)&off, &d->err)))) {
		dwarf_dealloc_attribute(a);
		return;
	}
	if (version >= 5) {
		Dwarf_Rnglists_Head head;
		Dwarf_Unsigned count = 0, global;
		if (ok(d, dwarf_rnglists_get_rle_head(a, form, off, &head, &count, &global,
		                                      &d->err))) {
			for (Dwarf_Unsigned i = 0; i < count; i++) {
				unsigned len, code;
				Dwarf_Unsigned raw1, raw2, c1, c2;
				Dwarf_Bool unavailable = 0;
				if (!ok(d, dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1,
				                                             &raw2, &unavailable, &c1,
				                                             &c2, &d->err)))
					break;
				if (unavailable || code == DW_RLE_end_of_list || code == DW_RLE_base_address ||
				    code == DW_RLE_base_addressx)
					continue;
				if (c2 > c1 && c1 != 0)
					fn(ctx, c1, c2);
			}
			dwarf_dealloc_rnglists_head(head);
		}
	} else {
		Dwarf_Ranges *r;
		Dwarf_Signed n;
		Dwarf_Unsigned bytes;
		Dwarf_Off real;
		if (ok(d, dwarf_get_ranges_b(d->dbg, off, die, &real, &r, &n, &bytes, &d->err))) {
			for (Dwarf_Signed i = 0; i < n; i++) {
				if (r[i].dwr_type == DW_RANGES_END)
					break;
				if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION) {
					base = r[i].dwr_addr2;
					continue;
				}
				lo = base + r[i].dwr_addr1;
				hi = base + r[i].dwr_addr2;
				if (hi > lo && lo != 0)
					fn(ctx, lo, hi);
			}
			dwarf_ranges_dealloc(d->dbg, r, n);
		}
	}
	dwarf_dealloc_attribute(a);
}

/* --- opening: units and their ranges ------------------------------------------- */

struct unit_ranges {
	struct dw_index *d;
	uint32_t unit;
	uint32_t cap;
};

static void
add_unit_range(void *ctx, uint64_t lo, uint64_t hi)
{
	struct unit_ranges *u = ctx;
	struct dw_index *d = u->d;
	size_t cap = u->cap;
	XGROW(d->ranges, cap, (size_t)d->nranges + 1);
	u->cap = (uint32_t)cap;
	d->ranges[d->nranges++] = (struct range){ lo, hi, u->unit };
}

static void unit_load(struct dw_index *d, struct unit *u);

struct dw_index *
dw_open(Elf *elf, bool demangle, struct arena *strings)
{
	struct dw_index *d = xcalloc(1, sizeof *d);
	struct unit_ranges ur = { d, 0, 0 };
	size_t capunits = 0;

	d->str = strings;
	d->demangle = demangle;
	/* libdwarf records every allocation in a search tree so that
	 * dwarf_finish can free what its caller did not: a quarter of the
	 * look-up time.  Everything here is freed where it is used. */
	dwarf_set_de_alloc_flag(0);
	int r = dwarf_elf_init_b(elf, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &d->dbg, &d->err);
	if (r != DW_DLV_OK) {
		/* no DWARF, or none we can read */
		if (r == DW_DLV_ERROR && d->err)
			dwarf_dealloc(NULL, d->err, DW_DLA_ERROR);
		free(d);
		return NULL;
	}
	for (;;) {
		Dwarf_Unsigned hlen, typeoff, next;
		Dwarf_Half version, asize, lsize, esize, utype;
		Dwarf_Off abbrev;
		Dwarf_Sig8 sig;
		Dwarf_Die die;
		Dwarf_Half tag;
		Dwarf_Addr base = 0;
		Dwarf_Off off;
		uint32_t before;

		if (!ok(d, dwarf_next_cu_header_d(d->dbg, 1, &hlen, &version, &abbrev, &asize, &lsize,
		                                  &esize, &sig, &typeoff, &next, &utype, &d->err)))
			break;
		if (!ok(d, dwarf_siblingof_b(d->dbg, NULL, 1, &die, &d->err)))
			continue;
		if (!ok(d, dwarf_tag(die, &tag, &d->err)) ||
		    (tag != DW_TAG_compile_unit && tag != DW_TAG_partial_unit) ||
		    !ok(d, dwarf_dieoffset(die, &off, &d->err))) {
			dwarf_dealloc_die(die);
			continue;
		}
		XGROW(d->units, capunits, (size_t)d->nunits + 1);
		memset(&d->units[d->nunits], 0, sizeof *d->units);
		d->units[d->nunits].die = off;
		d->units[d->nunits].version = version;
		if (!ok(d, dwarf_lowpc(die, &base, &d->err)))
			base = 0;
		ur.unit = d->nunits;
		before = d->nranges;
		die_ranges(d, die, version, base, add_unit_range, &ur);
		dwarf_dealloc_die(die);
		d->nunits++;
		if (d->nranges == before) {
			/* no ranges on the unit (hand-written assembly, say): its
			 * line sequences tell where it is */
			struct unit *u = &d->units[d->nunits - 1];
			unit_load(d, u);
			for (uint32_t i = 0; i < u->nseqs; i++)
				add_unit_range(&ur, u->seqs[i].lo, u->seqs[i].hi);
		}
	}
	if (d->nunits == 0) {
		dw_close(d);
		return NULL;
	}
	if (d->nranges > 1)
		qsort(d->ranges, d->nranges, sizeof *d->ranges, range_cmp);
	return d;
}

static void
unit_free(struct unit *u)
{
	free(u->files);
	free(u->rows);
	free(u->seqs);
	free(u->scopes);
	free(u->sranges);
	free(u->top);
}

void
dw_close(struct dw_index *d)
{
	if (d == NULL)
		return;
	for (uint32_t i = 0; i < d->nunits; i++)
		unit_free(&d->units[i]);
	free(d->units);
	free(d->ranges);
	if (d->dbg) {
		Dwarf_Error e = NULL;
		dwarf_finish(d->dbg, &e);
	}
	free(d);
}

/* --- a unit's line table ---------------------------------------------------------- */

static const char *
join_path(struct arena *a, const char *dir, const char *name)
{
	size_t dl, nl;
	char *s;
	if (name == NULL)
		return "??";
	if (name[0] == '/' || dir == NULL || dir[0] == '\0')
		return arena_strndup(a, name, strlen(name));
	dl = strlen(dir);
	nl = strlen(name);
	s = arena_alloc_bytes(a, dl + nl + 2);
	memcpy(s, dir, dl);
	s[dl] = '/';
	memcpy(s + dl + 1, name, nl + 1);
	return s;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int
seq_cmp(const void *a, const void *b)
{
	const struct seq *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void
unit_lines(struct dw_index *d, struct unit *u, Dwarf_Die cu)
{
	Dwarf_Unsigned version;
	Dwarf_Small tables;
	Dwarf_Line_Context ctx;
	Dwarf_Line *lines;
	Dwarf_Signed nlines, base, count, end;
	const char *comp_dir = NULL;
	size_t caprows = 0, capseqs = 0;
	bool in_seq = false, leading = false;

	if (!ok(d, dwarf_srclines_b(cu, &version, &tables, &ctx, &d->err)))
		return;
	if (!ok(d, dwarf_srclines_comp_dir(ctx, &comp_dir, &d->err)))
		comp_dir = NULL;
	/* the file table: indices base .. end-1 (0-based in DWARF 5, 1-based before) */
	if (ok(d, dwarf_srclines_files_indexes(ctx, &base, &count, &end, &d->err)) && base >= 0 &&
	    end > base && end - base < (1 << 24)) {
		u->file_base = (uint32_t)base;
		u->nfiles = (uint32_t)(end - base);
		u->files = xmallocarray(u->nfiles, sizeof *u->files);
		for (Dwarf_Signed i = base; i < end; i++) {
			const char *name = NULL, *dir = NULL;
			Dwarf_Unsigned diri = 0, mtime, len;
			Dwarf_Form_Data16 *md5;
			if (!ok(d, dwarf_srclines_files_data_b(ctx, i, &name, &diri, &mtime, &len, &md5,
			                                       &d->err))) {
				u->files[i - base] = "??";
				continue;
			}
			if (version >= 5) {
				if (!ok(d, dwarf_srclines_include_dir_data(ctx, (Dwarf_Signed)diri, &dir,
				                                           &d->err)))
					dir = NULL;
			} else if (diri == 0) {
				dir = comp_dir;
			} else if (!ok(d, dwarf_srclines_include_dir_data(ctx, (Dwarf_Signed)diri, &dir,
			                                                  &d->err))) {
				dir = NULL;
			}
			if (dir && dir[0] != '/' && comp_dir)
				dir = join_path(d->str, comp_dir, dir);
			u->files[i - base] = join_path(d->str, dir, name);
		}
	}
	if (!ok(d, dwarf_srclines_from_linecontext(ctx, &lines, &nlines, &d->err)))
		nlines = 0;
	for (Dwarf_Signed i = 0; i < nlines; i++) {
		Dwarf_Addr addr;
		Dwarf_Unsigned line, file, isa, disc = 0;
		Dwarf_Bool endseq = 0, pend, ebegin;
		if (!ok(d, dwarf_lineaddr(lines[i], &addr, &d->err)) ||
		    !ok(d, dwarf_lineno(lines[i], &line, &d->err)) ||
		    !ok(d, dwarf_line_srcfileno(lines[i], &file, &d->err)) ||
		    !ok(d, dwarf_lineendsequence(lines[i], &endseq, &d->err)))
			break;
		if (!in_seq) {
			XGROW(u->seqs, capseqs, (size_t)u->nseqs + 1);
			u->seqs[u->nseqs] = (struct seq){ addr, addr, u->nrows, 0 };
			in_seq = true;
			leading = true;
		}
#if HAVE_LIBDWARF_FILE_REGISTER_BUG
		/* libdwarf before 0.5.0 starts a DWARF 5 line program's file
		 * register at 0, not 1 (DWARF 5, 6.2.2): rows before the
		 * sequence's first DW_LNS_set_file say file 0 where the program
		 * means 1.  configure tells which libdwarf this is. */
		if (version >= 5 && leading) {
			if (file == 0)
				file = 1;
			else
				leading = false;
		}
#else
		(void)leading;
#endif
		if (endseq) {
			u->seqs[u->nseqs].hi = addr;
			u->seqs[u->nseqs].count = u->nrows - u->seqs[u->nseqs].first;
			if (u->seqs[u->nseqs].count && addr > u->seqs[u->nseqs].lo &&
			    u->seqs[u->nseqs].lo != 0)
				u->nseqs++;
			else
				u->nrows = u->seqs[u->nseqs].first;	/* empty or discarded */
			in_seq = false;
			continue;
		}
		if (!ok(d, dwarf_prologue_end_etc(lines[i], &pend, &ebegin, &isa, &disc, &d->err)))
			disc = 0;
		XGROW(u->rows, caprows, (size_t)u->nrows + 1);
		u->rows[u->nrows++] = (struct row){
			addr, (uint32_t)file, line > UINT32_MAX ? UINT32_MAX : (uint32_t)line,
			disc > UINT32_MAX ? UINT32_MAX : (uint32_t)disc,
		};
	}
	if (in_seq)	/* no end_sequence: not a sequence */
		u->nrows = u->seqs[u->nseqs].first;
	dwarf_srclines_dealloc_b(ctx);
	for (uint32_t i = 0; i < u->nseqs; i++) {
		const struct seq *s = &u->seqs[i];
		for (uint32_t j = s->first + 1; j < s->first + s->count; j++)
			if (u->rows[j].addr < u->rows[j - 1].addr) {
				/* rows out of address order: sorted, keeping equal ones in order */
				struct row *r = u->rows + s->first;
				for (uint32_t k = 1; k < s->count; k++) {
					struct row x = r[k];
					uint32_t m = k;
					while (m > 0 && row_cmp(&r[m - 1], &x) > 0) {
						r[m] = r[m - 1];
						m--;
					}
					r[m] = x;
				}
				break;
			}
	}
	if (u->nseqs > 1)
		qsort(u->seqs, u->nseqs, sizeof *u->seqs, seq_cmp);
}

static const char *
unit_file(const struct unit *u, uint64_t f)
{
	if (f < u->file_base || f - u->file_base >= u->nfiles)
		return "??";
	return u->files[f - u->file_base];
}

/* The row for addr: in the sequence that holds it, the last row at or
 * before addr. */
static const struct row *
unit_row(const struct unit *u, uint64_t addr)
{
	uint32_t lo = 0, hi = u->nseqs;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (u->seqs[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo, k = 0; i > 0 && k < 16; i--, k++) {
		const struct seq *s = &u->seqs[i - 1];
		const struct row *r = u->rows + s->first;
		uint32_t a = 0, b = s->count;
		if (addr >= s->hi)
			continue;
		while (a < b) {
			uint32_t mid = a + (b - a) / 2;
			if (r[mid].addr <= addr)
				a = mid + 1;
			else
				b = mid;
		}
		if (a > 0)
			return &r[a - 1];
	}
	return NULL;
}

/* --- a unit's scopes ----------------------------------------------------------- */

struct scope_ranges {
	struct dw_index *d;
	struct unit *u;
	uint32_t scope;
};

static void
add_scope_range(void *ctx, uint64_t lo, uint64_t hi)
{
	struct scope_ranges *s = ctx;
	struct unit *u = s->u;
	size_t cap = u->capsranges;
	XGROW(u->sranges, cap, (size_t)u->nsranges + 1);
	u->capsranges = (uint32_t)cap;
	u->sranges[u->nsranges++] = (struct range){ lo, hi, s->scope };
	u->scopes[s->scope].nranges++;
}

/* Adds the scopes among die's children (and deeper), parent being the
 * scope they are inlined into (NONE at the top).  top_only: the unit's
 * subprograms, not what is inside them (expand() reads that). */
static void
walk_children(struct dw_index *d, struct unit *u, Dwarf_Die die, uint32_t parent, uint64_t base,
              unsigned depth, bool top_only)
{
	Dwarf_Die child, next;

	if (depth > MAX_DEPTH || !ok(d, dwarf_child(die, &child, &d->err)))
		return;
	for (;;) {
		Dwarf_Half tag;
		if (ok(d, dwarf_tag(child, &tag, &d->err))) {
			switch (tag) {
			case DW_TAG_subprogram:
			case DW_TAG_inlined_subroutine: {
				size_t cap = u->capscopes;
				uint32_t s = u->nscopes;
				Dwarf_Unsigned v;
				struct scope_ranges sr = { d, u, s };
				XGROW(u->scopes, cap, (size_t)s + 1);
				u->capscopes = (uint32_t)cap;
				memset(&u->scopes[s], 0, sizeof u->scopes[s]);
				/* a subprogram is where a chain ends, whatever encloses it */
				u->scopes[s].parent = tag == DW_TAG_subprogram ? NONE : parent;
				u->scopes[s].depth = (uint16_t)(tag == DW_TAG_subprogram || parent == NONE
				                                ? 0 : u->scopes[parent].depth + 1);
				u->scopes[s].first_range = u->nsranges;
				if (!ok(d, dwarf_dieoffset(child, &u->scopes[s].die, &d->err)))
					break;
				u->nscopes++;
				die_ranges(d, child, u->version, base, add_scope_range, &sr);
				if (u->scopes[s].nranges == 0) {
					/* no code: a declaration or an abstract instance */
					u->nscopes--;
					break;
				}
				if (tag == DW_TAG_inlined_subroutine) {
					if (attr_udata(d, child, DW_AT_call_file, &v))
						u->scopes[s].call_file = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
					else
						u->scopes[s].call_file = NONE;
					if (attr_udata(d, child, DW_AT_call_line, &v))
						u->scopes[s].call_line = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
				}
				if (top_only) {
					/* its inlined scopes are read when an address falls in it */
					u->scopes[s].first = u->scopes[s].end = u->nscopes;
					break;
				}
				u->scopes[s].first = u->nscopes;
				u->scopes[s].expanded = true;
				walk_children(d, u, child, s, base, depth + 1, false);
				u->scopes[s].end = u->nscopes;
				break;
			}
			case DW_TAG_lexical_block:
			case DW_TAG_try_block:
			case DW_TAG_catch_block:
				if (!top_only)
					walk_children(d, u, child, parent, base, depth + 1, false);
				break;
			case DW_TAG_namespace:
			case DW_TAG_module:
				walk_children(d, u, child, parent, base, depth + 1, top_only);
				break;
			default:
				break;	/* types, variables...: no code below */
			}
		}
		if (!ok(d, dwarf_siblingof_b(d->dbg, child, 1, &next, &d->err))) {
			dwarf_dealloc_die(child);
			return;
		}
		dwarf_dealloc_die(child);
		child = next;
	}
}

/* (Re)builds the unit's sorted subprogram ranges. */
static void
unit_top(struct unit *u)
{
	uint32_t ntop = 0;
	free(u->top);
	u->ntop = 0;
	for (uint32_t i = 0; i < u->nsranges; i++)
		ntop += u->scopes[u->sranges[i].idx].depth == 0;
	u->top = xmallocarray(ntop ? ntop : 1, sizeof *u->top);
	for (uint32_t i = 0; i < u->nsranges; i++)
		if (u->scopes[u->sranges[i].idx].depth == 0)
			u->top[u->ntop++] = u->sranges[i];
	if (u->ntop > 1)
		qsort(u->top, u->ntop, sizeof *u->top, range_cmp);
}

static void
unit_load(struct dw_index *d, struct unit *u)
{
	Dwarf_Die cu;
	Dwarf_Addr base = 0;

	if (u->loaded)
		return;
	u->loaded = true;
	if (!ok(d, dwarf_offdie_b(d->dbg, u->die, 1, &cu, &d->err)))
		return;
	unit_lines(d, u, cu);
	if (!ok(d, dwarf_lowpc(cu, &base, &d->err)))
		base = 0;
	u->base = base;
	walk_children(d, u, cu, NONE, base, 0, true);
	dwarf_dealloc_die(cu);
	unit_top(u);
}

/* Reads the inlined scopes of subprogram s (appended to the unit's
 * scopes: its descendants are [first, end)). */
static void
expand(struct dw_index *d, struct unit *u, uint32_t s)
{
	Dwarf_Die die;
	uint32_t before = u->nscopes;
	bool nested = false;

	u->scopes[s].expanded = true;
	if (!ok(d, dwarf_offdie_b(d->dbg, u->scopes[s].die, 1, &die, &d->err)))
		return;
	u->scopes[s].first = u->nscopes;
	walk_children(d, u, die, s, u->base, 1, false);
	u->scopes[s].end = u->nscopes;
	dwarf_dealloc_die(die);
	/* a subprogram defined inside it (GNU C nested functions) is a
	 * subprogram of its own */
	for (uint32_t i = before; i < u->nscopes && !nested; i++)
		nested = u->scopes[i].depth == 0;
	if (nested)
		unit_top(u);
}

/* --- names ------------------------------------------------------------------- */

/* The name of the subprogram at DIE offset off as llvm-symbolizer gives it:
 * the linkage name (DW_AT_linkage_name, DW_AT_MIPS_linkage_name) found
 * through DW_AT_abstract_origin and DW_AT_specification, demangled; else
 * DW_AT_name found the same way. */
static const char *
die_name(struct dw_index *d, Dwarf_Off off)
{
	static const Dwarf_Half kinds[2][2] = {
		{ DW_AT_linkage_name, DW_AT_MIPS_linkage_name },
		{ DW_AT_name, DW_AT_name },
	};
	for (int k = 0; k < 2; k++) {
		Dwarf_Off at = off;
		for (int hop = 0; hop < 8; hop++) {
			Dwarf_Die die;
			const char *s;
			Dwarf_Off next;
			if (!ok(d, dwarf_offdie_b(d->dbg, at, 1, &die, &d->err)))
				break;
			s = attr_string(d, die, kinds[k][0]);
			if (s == NULL)
				s = attr_string(d, die, kinds[k][1]);
			if (s) {
				dwarf_dealloc_die(die);
				if (k == 0 && d->demangle)
					return sym_demangle(d->str, s);
				return arena_strndup(d->str, s, strlen(s));
			}
			if (!attr_ref(d, die, DW_AT_abstract_origin, &next) &&
			    !attr_ref(d, die, DW_AT_specification, &next)) {
				dwarf_dealloc_die(die);
				break;
			}
			dwarf_dealloc_die(die);
			at = next;
		}
	}
	return "??";
}

static const char *
scope_name(struct dw_index *d, struct scope *s)
{
	if (s->name == NULL)
		s->name = die_name(d, s->die);
	return s->name;
}

/* --- look-up ----------------------------------------------------------------- */

uint32_t
dw_lookup(struct dw_index *d, uint64_t addr, struct sym_frame *out, uint32_t max)
{
	const struct range *r = range_find(d->ranges, d->nranges, addr);
	const struct row *row;
	struct unit *u;
	uint32_t chain[MAX_CHAIN], n = 0, best = NONE;

	if (r == NULL || max == 0)
		return 0;
	u = &d->units[r->idx];
	unit_load(d, u);
	row = unit_row(u, addr);
	r = range_find(u->top, u->ntop, addr);
	if (r) {
		/* the deepest inlined scope under the subprogram that holds addr */
		uint32_t first, end;
		best = r->idx;
		if (!u->scopes[best].expanded)
			expand(d, u, best);	/* may move u->top: r is stale now */
		first = u->scopes[best].first;
		end = u->scopes[best].end;
		for (uint32_t s = first; s < end; s++) {
			const struct scope *sc = &u->scopes[s];
			if (sc->depth <= (best == NONE ? 0 : u->scopes[best].depth) || sc->depth == 0)
				continue;
			for (uint32_t k = 0; k < sc->nranges; k++) {
				const struct range *x = &u->sranges[sc->first_range + k];
				if (x->lo <= addr && addr < x->hi) {
					best = s;
					break;
				}
			}
		}
	}
	for (uint32_t s = best; s != NONE && n < MAX_CHAIN; s = u->scopes[s].parent)
		chain[n++] = s;
	if (n == 0) {
		out[0].function = "??";
		out[0].file = row ? unit_file(u, row->file) : "??";
		out[0].line = row ? row->line : 0;
		out[0].discriminator = row ? row->discriminator : 0;
		return 1;
	}
	if (n > max)
		n = max;
	/* frame 0: the innermost scope, at the line table's row; frame k:
	 * the scope it is inlined into, at the call site */
	for (uint32_t k = 0; k < n; k++) {
		struct scope *sc = &u->scopes[chain[k]];
		out[k].function = scope_name(d, sc);
		out[k].discriminator = 0;
		if (k == 0) {
			out[k].file = row ? unit_file(u, row->file) : "??";
			out[k].line = row ? row->line : 0;
			out[k].discriminator = row ? row->discriminator : 0;
		} else {
			const struct scope *inner = &u->scopes[chain[k - 1]];
			out[k].file = inner->call_file == NONE ? "??" : unit_file(u, inner->call_file);
			out[k].line = inner->call_line;
		}
	}
	return n;
}
