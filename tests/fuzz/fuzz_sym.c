/* libFuzzer target for the ELF/DWARF symbolizer: a mutated ELF file opened
 * from memory (symbols, program headers, DWARF units, line tables, scopes)
 * and symbolized at addresses taken from its own symbols and entry point
 * and from the input's first bytes.  Built with --enable-fuzzing (clang);
 * the corpus also replays in make check through replay.c. */
#include "config.h"

#include <gelf.h>
#include <string.h>

#include "heapsift/sym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sym_options o = { NULL, true };
	struct hs_error err;
	struct sym_module *m;
	uint64_t addr = 0, vaddr;

	error_clear(&err);
	m = sym_module_open_mem("fuzz.elf", data, size, &o, &err);
	if (m == NULL)
		return 0;
	/* the ELF header's entry point, its neighbours, and a few addresses
	 * spread over the low 64 KiB where small test programs live */
	if (size >= 32)
		memcpy(&addr, data + 24, 8);
	for (int k = -2; k <= 2; k++)
		sym_lookup(m, addr + (uint64_t)(int64_t)k);
	for (uint64_t a = 0x1000; a < 0x10000; a += 0x173)
		sym_lookup(m, a);
	sym_lookup(m, UINT64_MAX);
	sym_lookup(m, 0);
	if (sym_module_offset_to_vaddr(m, 0x1000, &vaddr))
		sym_lookup(m, vaddr);
	sym_module_close(m);
	return 0;
}
