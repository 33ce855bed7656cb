/* Private to src/sym: the DWARF index (dwarf.c) as sym.c uses it. */
#ifndef HEAPSIFT_SYM_INT_H
#define HEAPSIFT_SYM_INT_H

#include <gelf.h>
#include <libelf.h>

#include "heapsift/arena.h"
#include "heapsift/sym.h"

struct dw_index;

/* Builds the unit index of elf's DWARF (sections already decompressed).
 * NULL when the file has no usable DWARF. */
struct dw_index *dw_open(Elf *elf, bool demangle, struct arena *strings);
void dw_close(struct dw_index *d);

/* The DWARF frames of addr, innermost first, into out (at most max);
 * returns how many, 0 when no unit covers addr.  Strings live in the
 * arena given to dw_open. */
uint32_t dw_lookup(struct dw_index *d, uint64_t addr, struct sym_frame *out, uint32_t max);

/* Demangles an Itanium C++ name into the arena; other names unchanged. */

#endif
