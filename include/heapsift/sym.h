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

/* The GNU build ID of the file (NT_GNU_BUILD_ID), pointing into the
 * module; false when it has none. */
bool sym_module_build_id(const struct sym_module *m, const uint8_t **id, size_t *len);

/* Runtime addresses of a process: its mappings to modules, opened once
 * each, over time.  Mappings come in module lists, each the whole list at
 * one moment (a profiler records one at the start and after each dlopen
 * and dlclose); a look-up names the list in force, so that a library
 * unloaded and another loaded at the same addresses are told apart.
 * Mappings added before the first sym_maps_begin() are list 0. */
struct sym_maps;
struct sym_maps *sym_maps_new(const struct sym_options *o);
/* Starts the next module list; returns its number (1, 2, ...). */
uint32_t sym_maps_begin(struct sym_maps *s);
/* A mapping as /proc/PID/maps lists it: [start, end) maps path from file
 * offset offset.  The file is taken as it is (no build ID to check). */
void sym_maps_add(struct sym_maps *s, uint64_t start, uint64_t end, uint64_t offset,
                  const char *path);
/* A loaded ELF module's segment [start, end): the file's address of a
 * runtime address is the address - bias.  build_id (id_len bytes, 0: none
 * recorded) is the file's as it was loaded: a file at path with another is
 * not used, and one with it is looked for under the debug directory
 * (DIR/.build-id/xx/rest.debug, then DIR/.build-id/xx/rest). */
#define SYM_BUILD_ID_MAX 64
void sym_maps_add_module(struct sym_maps *s, const char *path, const uint8_t *build_id,
                         size_t id_len, uint64_t bias, uint64_t start, uint64_t end);
/* Symbolizes a runtime address with module list `list` (the mapping of
 * that list that holds it; else of the first later list that has one, as
 * for code a library's constructors run before its list is written; else
 * of the last earlier one; UINT32_MAX: after every list).  count 0 when
 * no mapping holds it or its file cannot be used; then *module_path is
 * still set when known, and *file_addr (if not NULL) to the file's
 * address when known, else UINT64_MAX. */
struct sym_result sym_maps_lookup_in(struct sym_maps *s, uint64_t addr, uint32_t list,
                                     const char **module_path, uint64_t *file_addr);
/* The same with the latest list. */
struct sym_result sym_maps_lookup(struct sym_maps *s, uint64_t addr, const char **module_path);
/* Opens the module that holds addr (as sym_maps_lookup_in would) without
 * symbolizing, so that its state below is known. */
void sym_maps_touch(struct sym_maps *s, uint64_t addr, uint32_t list);

enum sym_map_state {
	SYM_MAP_UNTRIED,	/* not opened: no address looked up in it */
	SYM_MAP_FILE,		/* the file at its path (with the build ID recorded, if any) */
	SYM_MAP_BUILD_ID,	/* the file at its path is another or gone: the one with the
				 * recorded build ID, from the debug directory */
	SYM_MAP_CHANGED,	/* the file at its path has another build ID (rebuilt), and
				 * none with the recorded one was found: not symbolized */
	SYM_MAP_MISSING,	/* no usable file at its path (nor by build ID) */
};
struct sym_map_info {
	const char *path;	/* as recorded */
	const char *file;	/* the file it is symbolized with, or NULL */
	const uint8_t *build_id;	/* as recorded */
	size_t build_id_len;
	enum sym_map_state state;
};
size_t sym_maps_module_count(const struct sym_maps *s);
void sym_maps_module_info(const struct sym_maps *s, size_t k, struct sym_map_info *out);
void sym_maps_free(struct sym_maps *s);

/* A C++ name demangled (as llvm-symbolizer spells it) into a, or a copy
 * of name when it is not mangled. */
const char *sym_demangle(struct arena *a, const char *name);

#endif
