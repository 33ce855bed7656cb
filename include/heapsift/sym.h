/* sym: addresses to functions, files and lines, inline frames included,
 * from ELF symbol tables (libelf) and DWARF 4/5 debug information
 * (libdwarf), the way llvm-symbolizer answers (REFERENCES.md).
 *
 * A module is one ELF file (executable, PIE or shared library) with the
 * debug information found for it: in the file itself, else in a separate
 * debug file (build-id directory, then .gnu_debuglink).  Its index is built
 * once, a compilation unit's lines and scopes when an address first falls
 * in it; look-ups are binary searches and their answers are cached.
 *
 * The module owns everything it returns; frames stay valid until
 * sym_module_close(). */
#ifndef HEAPSIFT_SYM_H
#define HEAPSIFT_SYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapsift/arena.h"
#include "heapsift/error.h"

struct sym_frame {
	const char *function;	/* "??" when unknown */
	const char *file;	/* "??" when unknown */
	uint32_t line;		/* 0 when unknown */
	uint32_t discriminator;	/* the line table's, or 0 */
};

/* One answer: frames[0] is the innermost (the code at the address),
 * frames[count - 1] the function the address is in. */
struct sym_result {
	const struct sym_frame *frames;
	uint32_t count;
};

struct sym_options {
	/* Where DIR/.build-id/xx/rest.debug and DIR/<dir of the file>/<link>
	 * are looked for; NULL: /usr/lib/debug. */
	const char *debug_dir;
	bool demangle;		/* C++ names demangled (addr2line -C) */
};

struct sym_module;

/* Opens path.  On failure fills err (HS_EIO: cannot read it; HS_EINPUT:
 * not an ELF file we can use) and returns NULL. */
struct sym_module *sym_module_open(const char *path, const struct sym_options *o,
                                   struct hs_error *err);
/* The same over an ELF image in memory (tests, fuzzers); data must
 * outlive the module.  No separate debug files are looked for. */
struct sym_module *sym_module_open_mem(const char *name, const void *data, size_t size,
                                       const struct sym_options *o, struct hs_error *err);
void sym_module_close(struct sym_module *m);

/* Symbolizes addr, an address of the file (its link-time virtual address).
 * Always answers: at least one frame, "??" where nothing is known. */
struct sym_result sym_lookup(struct sym_module *m, uint64_t addr);

/* The file's virtual address of file offset off, through its PT_LOAD
 * segments (for runtime addresses: runtime - map start + map offset).
 * Returns false when no segment maps off. */
bool sym_module_offset_to_vaddr(const struct sym_module *m, uint64_t off, uint64_t *vaddr);

/* Runtime addresses of a process: its mappings (as /proc/PID/maps lists
 * them) to modules, opened once each. */
struct sym_maps;
struct sym_maps *sym_maps_new(const struct sym_options *o);
void sym_maps_add(struct sym_maps *s, uint64_t start, uint64_t end, uint64_t offset,
                  const char *path);
/* Symbolizes a runtime address; count 0 when no mapping holds it or its
 * file cannot be opened (then *module_path is still set when known). */
struct sym_result sym_maps_lookup(struct sym_maps *s, uint64_t addr, const char **module_path);
void sym_maps_free(struct sym_maps *s);

/* A C++ name demangled (as llvm-symbolizer spells it) into a, or a copy
 * of name when it is not mangled. */
const char *sym_demangle(struct arena *a, const char *name);

#endif
