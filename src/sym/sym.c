/* sym: ELF modules (libelf), their separate debug files, symbol tables,
 * the answer cache and process maps; DWARF itself is dwarf.c.
 *
 * Answers follow llvm-symbolizer (the reference, REFERENCES.md): the
 * frames come from DWARF, and the outermost frame's function is the name
 * of the symbol (.symtab or .dynsym of the file itself, not of its debug
 * file) that covers the address, when there is one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "heapsift/xalloc.h"
#include "sym_int.h"

#define MAX_FRAMES 64

struct symbol {
	uint64_t addr, size;
	const char *name;
	const char *file;	/* a local symbol's STT_FILE, or NULL */
	uint32_t order;		/* .symtab first, then .dynsym, each in table order */
};

struct load_seg {
	uint64_t offset, vaddr, filesz;
};

struct cache_slot {
	uint64_t addr;
	const struct sym_frame *frames;	/* NULL: empty slot */
	uint32_t count;
};

struct sym_module {
	char *path;
	bool demangle;
	int fd, dfd;
	Elf *elf, *delf;	/* the file; its separate debug file */
	struct symbol *syms;	/* sorted by address, then size */
	uint32_t nsyms;
	struct load_seg *loads;
	uint32_t nloads;
	struct dw_index *dw;
	/* the DWARF's file (elf or delf), read on the first lookup: opening
	 * a module (to check its build ID, or a trace's every module) must
	 * not decompress and index DWARF no frame may need */
	Elf *dwelf;
	bool dw_tried;
	struct arena str;	/* names, paths, frames */
	struct cache_slot *cache;
	size_t cache_cap, cache_used;
};

/* --- demangling ------------------------------------------------------------ */

/* libstdc++'s Itanium demangler (the same code as libiberty's): declared
 * here because <cxxabi.h> is C++. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *n, int *status);

const char *
sym_demangle(struct arena *a, const char *name)
{
	int status = 0;
	char *out;
	const char *r;

	if (strncmp(name, "_Z", 2) != 0)
		return arena_strndup(a, name, strlen(name));
	out = __cxa_demangle(name, NULL, NULL, &status);
	if (out == NULL || status != 0) {
		free(out);
		return arena_strndup(a, name, strlen(name));
	}
	/* clone suffixes as LLVM's demangler writes them: "f() (.isra.0.cold)"
	 * for the GNU demangler's "f() [clone .isra.0] [clone .cold]" (the
	 * result is never longer) */
	{
		char *w = out;
		const char *p = out;
		while (*p) {
			if (strncmp(p, " [clone ", 8) == 0 && strchr(p + 8, ']')) {
				char *start = w;	/* " (" goes here once p is past it */
				w += 2;
				while (strncmp(p, " [clone ", 8) == 0 && strchr(p + 8, ']')) {
					const char *end = strchr(p + 8, ']');
					memmove(w, p + 8, (size_t)(end - (p + 8)));
					w += end - (p + 8);
					p = end + 1;
				}
				start[0] = ' ';
				start[1] = '(';
				*w++ = ')';
			} else {
				*w++ = *p++;
			}
		}
		*w = '\0';
	}
	r = arena_strndup(a, out, strlen(out));
	free(out);
	return r;
}

/* --- ELF ------------------------------------------------------------------- */

static uint64_t
rd_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
rd_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static Elf *
elf_open_fd(int fd)
{
	Elf *e;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		return NULL;
	}
	return e;
}

static const char *
section_name(Elf *e, Elf_Scn *scn, GElf_Shdr *sh)
{
	size_t shstrndx;
	if (gelf_getshdr(scn, sh) == NULL || elf_getshdrstrndx(e, &shstrndx) != 0)
		return NULL;
	return elf_strptr(e, shstrndx, sh->sh_name);
}

static Elf_Scn *
find_section(Elf *e, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		const char *n = section_name(e, scn, sh);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

static bool
has_dwarf(Elf *e)
{
	GElf_Shdr sh;
	return (find_section(e, ".debug_info", &sh) && sh.sh_type != SHT_NOBITS) ||
	       (find_section(e, ".zdebug_info", &sh) && sh.sh_type != SHT_NOBITS);
}

/* Compressed debug sections (SHF_COMPRESSED, or GNU .zdebug) are
 * decompressed in libelf's memory before libdwarf reads them. */
static void
decompress_sections(Elf *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		const char *n = section_name(e, scn, &sh);
		if (n == NULL || sh.sh_type == SHT_NOBITS)
			continue;
		if ((sh.sh_flags & SHF_COMPRESSED) && strncmp(n, ".debug_", 7) == 0)
			elf_compress(scn, 0, 0);
		else if (strncmp(n, ".zdebug_", 8) == 0)
			elf_compress_gnu(scn, 0, 0);
	}
}

/* The data of section scn as libelf gives it, or NULL. */
static Elf_Data *
section_data(Elf_Scn *scn)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	return data && data->d_buf ? data : NULL;
}

static bool
build_id(Elf *e, const uint8_t **id, size_t *len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;
		if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_NOTE ||
		    (data = section_data(scn)) == NULL)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp((const char *)data->d_buf + noff, "GNU", 4) == 0 &&
			    nh.n_descsz > 0 && nh.n_descsz <= 64) {
				*id = (const uint8_t *)data->d_buf + doff;
				*len = nh.n_descsz;
				return true;
			}
		}
	}
	return false;
}

static int
sym_cmp(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The symbols llvm-symbolizer keeps (LLVM 14, SymbolizableObjectFile):
 * functions, data objects, ifuncs and untyped ones (assembly) of .symtab
 * and .dynsym, defined in a section; then one per address, the one with
 * the largest size, the last in the tables of those (llvm sorts by address
 * and size, stably, and keeps the last).  A local symbol remembers the
 * STT_FILE symbol before it, the file name shown when DWARF has none. */
static void
read_table(struct sym_module *m, Elf_Scn *scn, const GElf_Shdr *sh, size_t *cap)
{
	Elf_Data *data = section_data(scn);
	const char *file = NULL;
	size_t n;

	if (data == NULL || sh->sh_entsize == 0)
		return;
	n = data->d_size / sh->sh_entsize;
	for (size_t i = 1; i < n && i <= INT_MAX; i++) {
		GElf_Sym s;
		const char *name;
		int type;
		if (gelf_getsym(data, (int)i, &s) == NULL)
			break;
		type = GELF_ST_TYPE(s.st_info);
		name = elf_strptr(m->elf, sh->sh_link, s.st_name);
		if (type == STT_FILE) {
			file = name && name[0] ? name : NULL;
			continue;
		}
		if ((type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT &&
		     type != STT_NOTYPE) ||
		    s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS || s.st_shndx == SHN_COMMON)
			continue;
		if (name == NULL || name[0] == '\0')
			continue;
		if (m->nsyms >= UINT32_MAX - 1)
			break;
		XGROW(m->syms, *cap, (size_t)m->nsyms + 1);
		m->syms[m->nsyms] = (struct symbol){
			s.st_value, s.st_size, name,
			GELF_ST_BIND(s.st_info) == STB_LOCAL ? file : NULL, m->nsyms,
		};
		m->nsyms++;
	}
}

static void
read_symbols(struct sym_module *m)
{
	Elf_Scn *scn;
	GElf_Shdr sh;
	size_t cap = 0;
	uint32_t w = 0;

	for (int pass = 0; pass < 2; pass++)
		for (scn = elf_nextscn(m->elf, NULL); scn; scn = elf_nextscn(m->elf, scn))
			if (gelf_getshdr(scn, &sh) && sh.sh_type == (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM))
				read_table(m, scn, &sh, &cap);
	if (m->nsyms == 0)
		return;
	qsort(m->syms, m->nsyms, sizeof *m->syms, sym_cmp);
	for (uint32_t i = 0; i < m->nsyms; i++) {
		if (w > 0 && m->syms[w - 1].addr == m->syms[i].addr)
			w--;	/* the later one wins */
		m->syms[w++] = m->syms[i];
	}
	m->nsyms = w;
}

static void
read_loads(struct sym_module *m)
{
	size_t n;
	if (elf_getphdrnum(m->elf, &n) != 0 || n == 0 || n > 65536)
		return;
	m->loads = xmallocarray(n, sizeof *m->loads);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(m->elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			m->loads[m->nloads++] = (struct load_seg){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
	}
}

/* The name of the symbol that covers addr, as llvm-symbolizer picks it:
 * the last one (by address, then size) at or before addr, unless it has a
 * size and addr is past it. */
static const struct symbol *
symbol_at(const struct sym_module *m, uint64_t addr)
{
	uint32_t lo = 0, hi = m->nsyms;
	const struct symbol *s;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &m->syms[lo - 1];
	if (s->size != 0 && addr - s->addr >= s->size)
		return NULL;
	return s;
}

/* --- separate debug files ---------------------------------------------------- */

/* Files are opened O_NONBLOCK: a path a profile's mappings name may be a
 * FIFO, whose open would wait for a writer; it is refused as not regular.
 * (Reads of regular files ignore the flag.) */
static int
open_elf_file(const char *path, Elf **e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (*e = elf_open_fd(fd)) == NULL) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
same_build_id(Elf *a, Elf *b)
{
	const uint8_t *x, *y;
	size_t xl, yl;
	if (!build_id(a, &x, &xl))
		return true;	/* nothing to compare */
	return build_id(b, &y, &yl) && xl == yl && memcmp(x, y, xl) == 0;
}

static bool
file_crc(int fd, uint32_t *crc)
{
	uint8_t buf[1 << 16];
	uLong c = crc32(0L, Z_NULL, 0);
	ssize_t n;
	off_t off = 0;
	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		c = crc32(c, buf, (uInt)n);
		off += n;
	}
	*crc = (uint32_t)c;
	return n == 0;
}

/* Tries path as m's debug file; build_id_checked: path came from the
 * build id, else crc is the .gnu_debuglink checksum to match. */
static bool
try_debug(struct sym_module *m, const char *path, bool by_build_id, uint32_t crc)
{
	Elf *e = NULL;
	int fd = open_elf_file(path, &e);
	uint32_t c;
	if (fd < 0)
		return false;
	if (!has_dwarf(e) || (by_build_id && !same_build_id(m->elf, e)) ||
	    (!by_build_id && (!file_crc(fd, &c) || c != crc))) {
		elf_end(e);
		close(fd);
		return false;
	}
	m->dfd = fd;
	m->delf = e;
	return true;
}

/* DIR/.build-id/xx/rest<suffix> for a build ID of at least 2 bytes (at
 * most 64), or NULL. */
static char *
build_id_path(const char *debug_dir, const uint8_t *id, size_t len, const char *suffix)
{
	char hex[129];
	if (len < 2 || len > 64)
		return NULL;
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return xasprintf("%s/.build-id/%.2s/%s%s", debug_dir ? debug_dir : "/usr/lib/debug", hex,
	                 hex + 2, suffix);
}

static void
find_debug_file(struct sym_module *m, const char *debug_dir)
{
	const uint8_t *id;
	size_t idlen;
	GElf_Shdr sh;
	Elf_Scn *scn;
	char *p;

	if (debug_dir == NULL)
		debug_dir = "/usr/lib/debug";
	if (build_id(m->elf, &id, &idlen) && (p = build_id_path(debug_dir, id, idlen, ".debug"))) {
		bool found = try_debug(m, p, true, 0);
		free(p);
		if (found)
			return;
	}
	scn = find_section(m->elf, ".gnu_debuglink", &sh);
	if (scn && sh.sh_type != SHT_NOBITS) {
		Elf_Data *data = section_data(scn);
		const char *name;
		size_t len;
		uint32_t crc;
		char *dir, *slash, real[PATH_MAX];
		if (data == NULL)
			return;
		name = data->d_buf;
		len = strnlen(name, data->d_size);
		/* the name, NUL, padding to 4, then the CRC-32 (the file's byte order) */
		if (len == 0 || len >= data->d_size || ((len + 4) & ~(size_t)3) + 4 > data->d_size ||
		    memchr(name, '/', len))
			return;
		memcpy(&crc, (const uint8_t *)data->d_buf + ((len + 4) & ~(size_t)3), 4);
		if (elf_getident(m->elf, NULL)[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		                                             ? ELFDATA2LSB : ELFDATA2MSB))
			crc = __builtin_bswap32(crc);
		if (realpath(m->path, real) == NULL)
			snprintf(real, sizeof real, "%s", m->path);
		dir = xstrdup(real);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(dir, ".");
		for (int i = 0; i < 3; i++) {
			bool found;
			if (i == 0)
				p = xasprintf("%s/%.*s", dir, (int)len, name);
			else if (i == 1)
				p = xasprintf("%s/.debug/%.*s", dir, (int)len, name);
			else
				p = xasprintf("%s%s%s/%.*s", debug_dir, dir[0] == '/' ? "" : "/", dir,
				              (int)len, name);
			/* not the file itself */
			found = strcmp(p, real) != 0 && try_debug(m, p, false, crc);
			free(p);
			if (found)
				break;
		}
		free(dir);
	}
}

/* --- guarding libdwarf ------------------------------------------------------------ */

/* Debian 12's libdwarf (20210528) reads every .debug_rnglists and
 * .debug_loclists unit header when it first loads .debug_info, and a
 * malformed one makes it free memory twice (found by tests/fuzz/fuzz_sym).
 * So those headers are checked here first (DWARF 5, 7.28 and 7.29): units
 * that tile the section, version 5, address size 4 or 8, no segment
 * selector, an offset table that fits.  A file that fails gets no DWARF. */
static bool
list_section_ok(Elf *e, const char *name)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(e, name, &sh);
	Elf_Data *data;
	const uint8_t *p;
	size_t size, off = 0;
	bool big = elf_getident(e, NULL)[EI_DATA] == ELFDATA2MSB;

	if (scn == NULL || sh.sh_type == SHT_NOBITS)
		return true;
	if ((sh.sh_flags & SHF_COMPRESSED) || (data = section_data(scn)) == NULL)
		return false;	/* not decompressed: libdwarf would choke too */
	p = data->d_buf;
	size = data->d_size;
	while (off < size) {
		uint64_t len, count;
		size_t hdr = 4, osize = 4;
		uint16_t version;
#define RD(n, at) (big ? rd_be(p + (at), n) : rd_le(p + (at), n))
		if (size - off < 4)
			return false;
		len = RD(4, off);
		if (len == 0xffffffffu) {
			if (size - off < 12)
				return false;
			len = RD(8, off + 4);
			hdr = 12;
			osize = 8;
		} else if (len >= 0xfffffff0u) {
			return false;
		}
		if (len < 8 || len > size - off - hdr)
			return false;
		version = (uint16_t)RD(2, off + hdr);
		if (version != 5 || (p[off + hdr + 2] != 4 && p[off + hdr + 2] != 8) ||
		    p[off + hdr + 3] != 0)
			return false;
		count = RD(4, off + hdr + 4);
		if (count > (len - 8) / osize)
			return false;
		off += hdr + (size_t)len;
#undef RD
	}
	return true;
}

/* --- modules ------------------------------------------------------------------ */

static struct sym_module *
module_init(struct sym_module *m, const struct sym_options *o, bool search)
{
	Elf *dwelf;
	read_symbols(m);
	read_loads(m);
	if (has_dwarf(m->elf))
		dwelf = m->elf;
	else if (search && (find_debug_file(m, o ? o->debug_dir : NULL), m->delf))
		dwelf = m->delf;
	else
		dwelf = NULL;
	m->dwelf = dwelf;
	return m;
}

/* The module's DWARF index, built on first use (NULL: none). */
static struct dw_index *
module_dwarf(struct sym_module *m)
{
	if (!m->dw_tried) {
		m->dw_tried = true;
		if (m->dwelf) {
			decompress_sections(m->dwelf);
			if (list_section_ok(m->dwelf, ".debug_rnglists") &&
			    list_section_ok(m->dwelf, ".debug_loclists"))
				m->dw = dw_open(m->dwelf, m->demangle, &m->str);
		}
	}
	return m->dw;
}

static struct sym_module *
module_new(const char *path, const struct sym_options *o)
{
	struct sym_module *m = xcalloc(1, sizeof *m);
	m->path = xstrdup(path);
	m->demangle = o && o->demangle;
	m->fd = m->dfd = -1;
	arena_init(&m->str);
	return m;
}

/* Opens path; with id (idlen bytes), only when that is its build ID (else
 * NULL with *other set), before reading anything else of it. */
static struct sym_module *
module_open(const char *path, const struct sym_options *o, const uint8_t *id, size_t idlen,
            bool *other, struct hs_error *err)
{
	struct sym_module *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* see open_elf_file */
	struct stat st;
	Elf *e;
	const uint8_t *fid;
	size_t flen;

	if (fd < 0) {
		error_set(err, HS_EIO, path, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		error_set(err, HS_EIO, path, "not a regular file");
		return NULL;
	}
	if ((e = elf_open_fd(fd)) == NULL) {
		close(fd);
		error_set(err, HS_EINPUT, path, "not an ELF file");
		return NULL;
	}
	if (id && (!build_id(e, &fid, &flen) || flen != idlen || memcmp(fid, id, idlen) != 0)) {
		elf_end(e);
		close(fd);
		*other = true;
		error_set(err, HS_EINPUT, path, "another build ID");
		return NULL;
	}
	m = module_new(path, o);
	m->fd = fd;
	m->elf = e;
	return module_init(m, o, true);
}

struct sym_module *
sym_module_open(const char *path, const struct sym_options *o, struct hs_error *err)
{
	return module_open(path, o, NULL, 0, NULL, err);
}

struct sym_module *
sym_module_open_mem(const char *name, const void *data, size_t size,
                    const struct sym_options *o, struct hs_error *err)
{
	struct sym_module *m;
	Elf *e;
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (e = elf_memory((char *)(uintptr_t)data, size)) == NULL) {
		error_set(err, HS_EINPUT, name, "not an ELF file");
		return NULL;
	}
	if (elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		error_set(err, HS_EINPUT, name, "not an ELF file");
		return NULL;
	}
	m = module_new(name, o);
	m->elf = e;
	return module_init(m, o, false);
}

void
sym_module_close(struct sym_module *m)
{
	if (m == NULL)
		return;
	dw_close(m->dw);
	if (m->delf)
		elf_end(m->delf);
	if (m->dfd >= 0)
		close(m->dfd);
	if (m->elf)
		elf_end(m->elf);
	if (m->fd >= 0)
		close(m->fd);
	free(m->syms);
	free(m->loads);
	free(m->cache);
	free(m->path);
	arena_free(&m->str);
	free(m);
}

bool
sym_module_offset_to_vaddr(const struct sym_module *m, uint64_t off, uint64_t *vaddr)
{
	for (uint32_t i = 0; i < m->nloads; i++) {
		const struct load_seg *s = &m->loads[i];
		if (off >= s->offset && off - s->offset < s->filesz) {
			*vaddr = s->vaddr + (off - s->offset);
			return true;
		}
	}
	return false;
}

bool
sym_module_build_id(const struct sym_module *m, const uint8_t **id, size_t *len)
{
	return m->elf && build_id(m->elf, id, len);
}

/* --- look-up and cache --------------------------------------------------------- */

static size_t
cache_hash(uint64_t a)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	a ^= a >> 33;
	return (size_t)a;
}

static void
cache_put(struct sym_module *m, uint64_t addr, const struct sym_frame *f, uint32_t n)
{
	size_t mask, i;
	if (m->cache_used * 4 >= m->cache_cap * 3) {
		struct cache_slot *old = m->cache;
		size_t oldcap = m->cache_cap;
		m->cache_cap = oldcap ? oldcap * 2 : 1024;
		m->cache = xcalloc(m->cache_cap, sizeof *m->cache);
		m->cache_used = 0;
		for (size_t k = 0; k < oldcap; k++)
			if (old[k].frames)
				cache_put(m, old[k].addr, old[k].frames, old[k].count);
		free(old);
	}
	mask = m->cache_cap - 1;
	for (i = cache_hash(addr) & mask; m->cache[i].frames; i = (i + 1) & mask)
		;
	m->cache[i] = (struct cache_slot){ addr, f, n };
	m->cache_used++;
}

static const struct cache_slot *
cache_get(const struct sym_module *m, uint64_t addr)
{
	size_t mask, i;
	if (m->cache_cap == 0)
		return NULL;
	mask = m->cache_cap - 1;
	for (i = cache_hash(addr) & mask; m->cache[i].frames; i = (i + 1) & mask)
		if (m->cache[i].addr == addr)
			return &m->cache[i];
	return NULL;
}

struct sym_result
sym_lookup(struct sym_module *m, uint64_t addr)
{
	const struct cache_slot *c = cache_get(m, addr);
	struct sym_frame tmp[MAX_FRAMES], *f;
	const struct symbol *sym;
	uint32_t n = 0;

	if (c)
		return (struct sym_result){ c->frames, c->count };
	if (module_dwarf(m))
		n = dw_lookup(m->dw, addr, tmp, MAX_FRAMES);
	if (n == 0) {
		tmp[0] = (struct sym_frame){ "??", "??", 0, 0 };
		n = 1;
	}
	sym = symbol_at(m, addr);
	if (sym) {
		tmp[n - 1].function = m->demangle ? sym_demangle(&m->str, sym->name) : sym->name;
		if (sym->file && strcmp(tmp[n - 1].file, "??") == 0)
			tmp[n - 1].file = sym->file;
	}
	f = arena_alloc(&m->str, n * sizeof *f);
	memcpy(f, tmp, n * sizeof *f);
	cache_put(m, addr, f, n);
	return (struct sym_result){ f, n };
}

/* --- process maps ------------------------------------------------------------ *
 * Every mapping is kept once with the span of module lists it was in
 * (first..last): a mapping added again in the next list, the same, only
 * lengthens its span.  Look-ups go through the mappings sorted by start,
 * with the greatest end so far beside each (they may overlap: different
 * lists). */

struct map_ent {
	uint64_t start, end;
	uint64_t base;		/* by_bias: the load bias; else the file offset of start */
	uint32_t module;	/* index into mods */
	uint32_t first, last;	/* the module lists it is in */
	bool by_bias;
};

struct map_mod {
	char *path;
	uint8_t id[SYM_BUILD_ID_MAX];
	uint32_t idlen;
	struct sym_module *m;
	char *file;		/* the file m was opened from, when not path */
	enum sym_map_state state;
};

struct sym_maps {
	struct sym_options opt;
	char *debug_dir;
	struct map_ent *ents;	/* in the order added */
	size_t n, cap;
	uint32_t *ehash;	/* entries by their mapping (the latest of each) */
	size_t ehcap;
	uint32_t *order;	/* entries by start */
	uint64_t *maxend;	/* the greatest end of order[0..i] */
	bool sorted;
	struct map_mod *mods;
	size_t nmods, capmods;
	uint32_t *mhash;	/* modules by path and build ID */
	size_t mhcap;
	uint32_t list;		/* the current module list */
};

struct sym_maps *
sym_maps_new(const struct sym_options *o)
{
	struct sym_maps *s = xcalloc(1, sizeof *s);
	if (o) {
		s->opt = *o;
		if (o->debug_dir)
			s->opt.debug_dir = s->debug_dir = xstrdup(o->debug_dir);
	}
	return s;
}

uint32_t
sym_maps_begin(struct sym_maps *s)
{
	if (s->list < UINT32_MAX - 1)
		s->list++;
	return s->list;
}

static size_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

static size_t
mod_hash(const char *path, const uint8_t *id, size_t idlen)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	while (*path)
		h = (h ^ (unsigned char)*path++) * 0x100000001B3ULL;
	for (size_t i = 0; i < idlen; i++)
		h = (h ^ id[i]) * 0x100000001B3ULL;
	return mix(h ^ idlen);
}

/* Open-addressing tables of indices (UINT32_MAX: empty), grown at 3/4. */
static void
idx_rehash(uint32_t **tab, size_t *cap, size_t used, size_t (*hash)(const struct sym_maps *, uint32_t),
           const struct sym_maps *s)
{
	size_t ncap;
	uint32_t *n;
	if ((used + 1) * 4 <= *cap * 3)
		return;
	ncap = *cap ? *cap * 2 : 256;
	n = xmallocarray(ncap, sizeof *n);
	memset(n, 0xff, ncap * sizeof *n);
	for (size_t i = 0; i < *cap; i++)
		if ((*tab)[i] != UINT32_MAX) {
			size_t j = hash(s, (*tab)[i]) & (ncap - 1);
			while (n[j] != UINT32_MAX)
				j = (j + 1) & (ncap - 1);
			n[j] = (*tab)[i];
		}
	free(*tab);
	*tab = n;
	*cap = ncap;
}

static size_t
mod_hash_at(const struct sym_maps *s, uint32_t k)
{
	return mod_hash(s->mods[k].path, s->mods[k].id, s->mods[k].idlen);
}

static size_t
ent_hash(uint64_t start, uint64_t end, uint64_t base, uint32_t module, bool by_bias)
{
	return mix(start * 0x9E3779B97F4A7C15ULL ^ end ^ mix(base + by_bias) ^ (uint64_t)module << 40);
}

static size_t
ent_hash_at(const struct sym_maps *s, uint32_t k)
{
	const struct map_ent *e = &s->ents[k];
	return ent_hash(e->start, e->end, e->base, e->module, e->by_bias);
}

static uint32_t
mod_find(struct sym_maps *s, const char *path, const uint8_t *id, size_t idlen)
{
	size_t j;
	uint32_t k;
	if (idlen > SYM_BUILD_ID_MAX)
		idlen = 0;	/* not a build ID we can use */
	idx_rehash(&s->mhash, &s->mhcap, s->nmods, mod_hash_at, s);
	for (j = mod_hash(path, id, idlen) & (s->mhcap - 1); (k = s->mhash[j]) != UINT32_MAX;
	     j = (j + 1) & (s->mhcap - 1))
		if (s->mods[k].idlen == idlen && (idlen == 0 || memcmp(s->mods[k].id, id, idlen) == 0) &&
		    strcmp(s->mods[k].path, path) == 0)
			return k;
	k = (uint32_t)s->nmods;
	XGROW(s->mods, s->capmods, s->nmods + 1);
	memset(&s->mods[k], 0, sizeof s->mods[k]);
	s->mods[k].path = xstrdup(path);
	if (idlen)
		memcpy(s->mods[k].id, id, idlen);
	s->mods[k].idlen = (uint32_t)idlen;
	s->nmods++;
	s->mhash[j] = k;
	return k;
}

static void
ent_add(struct sym_maps *s, uint64_t start, uint64_t end, uint64_t base, uint32_t module,
        bool by_bias)
{
	size_t j;
	uint32_t k;
	if (s->n >= UINT32_MAX - 1)
		return;
	idx_rehash(&s->ehash, &s->ehcap, s->n, ent_hash_at, s);
	for (j = ent_hash(start, end, base, module, by_bias) & (s->ehcap - 1);
	     (k = s->ehash[j]) != UINT32_MAX; j = (j + 1) & (s->ehcap - 1)) {
		struct map_ent *e = &s->ents[k];
		if (e->start == start && e->end == end && e->base == base && e->module == module &&
		    e->by_bias == by_bias)
			break;
	}
	if (k != UINT32_MAX && s->ents[k].last + 1 >= s->list) {
		s->ents[k].last = s->list;	/* still there */
		return;
	}
	/* new, or back after an absence: an entry of its own (the table names
	 * the latest) */
	XGROW(s->ents, s->cap, s->n + 1);
	s->ents[s->n] = (struct map_ent){ start, end, base, module, s->list, s->list, by_bias };
	s->ehash[j] = (uint32_t)s->n;
	s->n++;
	s->sorted = false;
}

void
sym_maps_add(struct sym_maps *s, uint64_t start, uint64_t end, uint64_t offset, const char *path)
{
	if (end <= start || path == NULL)
		return;
	ent_add(s, start, end, offset, mod_find(s, path, NULL, 0), false);
}

void
sym_maps_add_module(struct sym_maps *s, const char *path, const uint8_t *build_id, size_t id_len,
                    uint64_t bias, uint64_t start, uint64_t end)
{
	if (end <= start || path == NULL)
		return;
	ent_add(s, start, end, bias, mod_find(s, path, build_id, id_len), true);
}

struct start_idx {
	uint64_t start;
	uint32_t idx;
};

static int
start_cmp(const void *a, const void *b)
{
	const struct start_idx *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
maps_sort(struct sym_maps *s)
{
	struct start_idx *t = xmallocarray(s->n ? s->n : 1, sizeof *t);
	free(s->order);
	free(s->maxend);
	s->order = xmallocarray(s->n ? s->n : 1, sizeof *s->order);
	s->maxend = xmallocarray(s->n ? s->n : 1, sizeof *s->maxend);
	for (size_t i = 0; i < s->n; i++)
		t[i] = (struct start_idx){ s->ents[i].start, (uint32_t)i };
	qsort(t, s->n, sizeof *t, start_cmp);
	for (size_t i = 0; i < s->n; i++) {
		uint64_t e = s->ents[t[i].idx].end;
		s->order[i] = t[i].idx;
		s->maxend[i] = i > 0 && s->maxend[i - 1] > e ? s->maxend[i - 1] : e;
	}
	free(t);
	s->sorted = true;
}

/* The mapping that holds addr for list, or NULL. */
static const struct map_ent *
maps_find(struct sym_maps *s, uint64_t addr, uint32_t list)
{
	const struct map_ent *now = NULL, *later = NULL, *earlier = NULL;
	size_t lo = 0, hi;
	if (!s->sorted)
		maps_sort(s);
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->ents[s->order[mid]].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* every mapping that starts at or before addr and may reach past it,
	 * the latest start first */
	for (size_t i = lo; i-- > 0 && s->maxend[i] > addr;) {
		const struct map_ent *e = &s->ents[s->order[i]];
		if (addr >= e->end)
			continue;
		if (e->first <= list && list <= e->last) {
			if (now == NULL)
				now = e;
		} else if (e->first > list) {
			if (later == NULL || e->first < later->first)
				later = e;
		} else if (earlier == NULL || e->last > earlier->last) {
			earlier = e;
		}
	}
	return now ? now : later ? later : earlier;
}

/* Opens mm: the file at its path when it is the one recorded, else the one
 * with its build ID under the debug directory. */
static void
mod_open(struct sym_maps *s, struct map_mod *mm)
{
	struct hs_error err;
	bool other = false;

	error_clear(&err);
	mm->m = module_open(mm->path, &s->opt, mm->idlen ? mm->id : NULL, mm->idlen, &other, &err);
	if (mm->m || mm->idlen == 0) {
		mm->state = mm->m ? SYM_MAP_FILE : SYM_MAP_MISSING;
		return;
	}
	mm->state = other ? SYM_MAP_CHANGED : SYM_MAP_MISSING;
	for (int k = 0; k < 2; k++) {
		char *p = build_id_path(s->opt.debug_dir, mm->id, mm->idlen, k == 0 ? ".debug" : "");
		bool ignored = false;
		if (p == NULL)
			return;
		error_clear(&err);
		mm->m = module_open(p, &s->opt, mm->id, mm->idlen, &ignored, &err);
		if (mm->m) {
			mm->file = p;
			mm->state = SYM_MAP_BUILD_ID;
			return;
		}
		free(p);
	}
}

static struct map_mod *
maps_module(struct sym_maps *s, const struct map_ent *e)
{
	struct map_mod *mm = &s->mods[e->module];
	if (mm->state == SYM_MAP_UNTRIED)
		mod_open(s, mm);
	return mm;
}

struct sym_result
sym_maps_lookup_in(struct sym_maps *s, uint64_t addr, uint32_t list, const char **module_path,
                   uint64_t *file_addr)
{
	const struct map_ent *e = maps_find(s, addr, list);
	struct map_mod *mm;
	uint64_t vaddr = UINT64_MAX;

	*module_path = NULL;
	if (file_addr)
		*file_addr = UINT64_MAX;
	if (e == NULL)
		return (struct sym_result){ NULL, 0 };
	mm = maps_module(s, e);
	*module_path = mm->path;
	if (e->by_bias)
		vaddr = addr - e->base;
	else if (mm->m == NULL || !sym_module_offset_to_vaddr(mm->m, addr - e->start + e->base, &vaddr))
		vaddr = UINT64_MAX;
	if (file_addr)
		*file_addr = vaddr;
	if (mm->m == NULL || vaddr == UINT64_MAX)
		return (struct sym_result){ NULL, 0 };
	return sym_lookup(mm->m, vaddr);
}

struct sym_result
sym_maps_lookup(struct sym_maps *s, uint64_t addr, const char **module_path)
{
	return sym_maps_lookup_in(s, addr, s->list, module_path, NULL);
}

void
sym_maps_touch(struct sym_maps *s, uint64_t addr, uint32_t list)
{
	const struct map_ent *e = maps_find(s, addr, list);
	if (e)
		maps_module(s, e);
}

size_t
sym_maps_module_count(const struct sym_maps *s)
{
	return s->nmods;
}

void
sym_maps_module_info(const struct sym_maps *s, size_t k, struct sym_map_info *out)
{
	const struct map_mod *mm = &s->mods[k];
	out->path = mm->path;
	out->file = mm->m == NULL ? NULL : mm->file ? mm->file : mm->path;
	out->build_id = mm->id;
	out->build_id_len = mm->idlen;
	out->state = mm->state;
}

void
sym_maps_free(struct sym_maps *s)
{
	if (s == NULL)
		return;
	for (size_t k = 0; k < s->nmods; k++) {
		sym_module_close(s->mods[k].m);
		free(s->mods[k].path);
		free(s->mods[k].file);
	}
	free(s->mods);
	free(s->mhash);
	free(s->ents);
	free(s->ehash);
	free(s->order);
	free(s->maxend);
	free(s->debug_dir);
	free(s);
}
