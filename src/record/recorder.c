/* The allocation recorder: an LD_PRELOAD library that `heapsift record`
 * puts in front of a program.  It replaces the malloc family, takes each
 * allocation's stack (return addresses: libgcc's _Unwind_Backtrace, which
 * unwinds with the call frame information of every module, frame pointers
 * or not, behind a per-thread cache of verified stacks), and writes a trace (heapsift-trace(5)): blocks of events, each
 * block one zstd frame, stacks as a trie of (parent, return address) nodes
 * sent once each.
 *
 * The real allocator is glibc's, through its exported __libc_* entry
 * points, so there is no dlsym bootstrap.  A thread-local flag makes every
 * allocation the recorder itself causes (zstd, the unwinder's first call)
 * go straight through.  Events are appended under one mutex, taken after
 * the stack is unwound: the order in the file is the order in which the
 * allocator handed out and took back addresses.
 *
 * Only the process `heapsift record` started is recorded: children forked
 * by it stop recording (their copy of the buffer is dropped), programs it
 * executes are not recorded (HEAPSIFT_TRACE_PID names the one process).
 * The module list (each module's path, build ID, load bias and PT_LOAD
 * segments) is written at the start and after each dlopen and dlclose
 * that changed it; after a module was unloaded, stacks are sent anew.  exit() and returning from main flush through a destructor; _exit, abort,
 * SIGINT and SIGTERM (when the program has not taken them over) flush
 * first.  A block is written whenever 64 KiB of events are buffered and at
 * least every 100 ms of allocation activity, so after SIGKILL the file
 * holds everything up to its last complete block. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <malloc.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>
#include <zstd.h>

#include "heapsift/trace_format.h"

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

#define EXPORT __attribute__((visibility("default")))
/* the calling hook's CFA and return address (it keeps a frame pointer) */
#define HOOK_CFA ((uintptr_t)__builtin_frame_address(0) + 16)
#define HOOK_RA ((uintptr_t)__builtin_return_address(0))
#define MAX_FRAMES 128
#define BLOCK_RAW (64 << 10)

static __thread int in_hook __attribute__((tls_model("initial-exec")));

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int active;		/* recording */
static int fd = -1;
static ZSTD_CCtx *cctx;
static uint8_t *raw;		/* the block being filled */
static size_t rawlen;
static uint8_t *zbuf;
static size_t zcap;
static uint64_t last_addr;	/* per block: addresses are deltas */
static uint64_t last_time_us, block_time_us, start_us;
static uint64_t sample_bytes;	/* 0: every allocation */
static __thread uint64_t sample_left __attribute__((tls_model("initial-exec")));
static __thread uint64_t sample_rng __attribute__((tls_model("initial-exec")));
/* sampled mode: the addresses sampled and not yet freed, exactly (live,
 * under the lock), and how many of them fall in each slot of a hash
 * (sampled, read without the lock): the free of an address whose slot
 * counts none costs one load; the others look it up.  (Bits set when
 * taken and never cleared made every free of an address malloc had once
 * handed out for a sampled block take the lock and write an event.) */
#define SAMPLED_SLOTS (1u << 18)
static uint32_t *sampled;
static uintptr_t *live;		/* open addressing, 0: empty */
static size_t live_cap, live_n;
/* this library's code: the frames to leave off the top of each stack */
static uintptr_t self_lo, self_hi;

/* The stack trie: (parent id, return address) -> id, open addressing. */
struct tnode {
	uint64_t ip;
	uint32_t parent, id;	/* id 0: empty slot */
};
static struct tnode *trie;
static size_t trie_cap, trie_used;
static uint32_t next_id = 1;

static uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* --- writing ------------------------------------------------------------------- */

static void
write_all(const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			active = 0;	/* the disk is full, say: stop, quietly */
			return;
		}
		b += w;
		n -= (size_t)w;
	}
}

/* Writes the buffered events as one block: u32 compressed size, u32 raw
 * size (little-endian), the zstd frame. */
static void
flush_block(void)
{
	size_t z;
	uint8_t hdr[8];
	if (rawlen == 0 || fd < 0)
		return;
	z = ZSTD_compressCCtx(cctx, zbuf, zcap, raw, rawlen, 1);
	if (!ZSTD_isError(z)) {
		trace_put_u32le(hdr, (uint32_t)z);
		trace_put_u32le(hdr + 4, (uint32_t)rawlen);
		write_all(hdr, 8);
		write_all(zbuf, z);
	}
	rawlen = 0;
	last_addr = 0;
	block_time_us = last_time_us;
}

static void
need(size_t n)
{
	if (rawlen + n > BLOCK_RAW)
		flush_block();
}

static void
put_varint(uint64_t v)
{
	rawlen += trace_put_varint(raw + rawlen, v);
}

static void
put_addr(uint64_t a)
{
	put_varint(trace_zigzag((int64_t)(a - last_addr)));
	last_addr = a;
}

static void
put_time(void)
{
	uint64_t t = now_us() - start_us;
	put_varint(t - last_time_us < t ? t - last_time_us : 0);
	last_time_us = t;
}

/* --- the module list ------------------------------------------------------------ *
 * Each loaded module (dl_iterate_phdr) with its load bias, GNU build ID
 * (from its PT_NOTE segments, in memory) and PT_LOAD segments; its path is
 * the one /proc/self/maps gives the mapping of its first segment (the
 * kernel's: absolute, links resolved), else the loader's name.  A list is
 * taken outside the event lock (dl_iterate_phdr takes the loader's, under
 * which other threads' callbacks may allocate), under maps_lock so that
 * lists go into the trace in the order they were taken.  Its memory is the
 * real allocator's (in_hook is set); nothing of this runs per allocation. */
#define MOD_SEGS 16

struct rmod {
	uint64_t bias;
	uint64_t vaddr[MOD_SEGS], memsz[MOD_SEGS];
	uint8_t flags[MOD_SEGS];
	uint8_t id[TRACE_BUILD_ID_MAX];
	uint32_t idlen, nseg;
	size_t name, path, pathlen;	/* offsets into the list's strings; path 0: none */
};

struct mlist {
	struct rmod *m;
	size_t n, cap;
	char *s;	/* strings, from offset 1 */
	size_t slen, scap;
	unsigned long long subs;	/* dlpi_subs: modules unloaded so far */
	bool have_subs;
};

static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mlist lists[2];	/* the list being taken, the last one written */
static int cur_list;
static bool listed;		/* a list was written */

/* stack generations: a module was unloaded, so the same return address
 * may now be another module's code; stacks are then sent anew (the trie
 * emptied, the threads' caches dropped), so that the loader symbolizes
 * each stack node with the module list in force when it was sent */
static uint32_t stack_gen;

static bool
str_add(struct mlist *l, const char *p, size_t n, size_t *off)
{
	if (l->slen + n + 1 > l->scap) {
		size_t cap = l->scap ? l->scap : 4096;
		char *s;
		while (l->slen + n + 1 > cap)
			cap *= 2;
		if ((s = __libc_realloc(l->s, cap)) == NULL)
			return false;
		l->s = s;
		l->scap = cap;
	}
	if (l->slen == 0)
		l->s[l->slen++] = '\0';	/* offset 0: none */
	*off = l->slen;
	memcpy(l->s + l->slen, p, n);
	l->s[l->slen + n] = '\0';
	l->slen += n + 1;
	return true;
}

/* The GNU build ID among the notes at p (size bytes, notes aligned to
 * align), copied to m. */
static void
note_build_id(struct rmod *m, const uint8_t *p, size_t size, size_t align)
{
	size_t off = 0;
	while (size - off >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) nh;
		size_t name, desc, next;
		memcpy(&nh, p + off, sizeof nh);
		name = off + sizeof nh;
		desc = name + ((nh.n_namesz + align - 1) & ~(align - 1));
		next = desc + ((nh.n_descsz + align - 1) & ~(align - 1));
		if (nh.n_namesz > size || nh.n_descsz > size || next > size || next <= off)
			return;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(p + name, "GNU", 4) == 0 &&
		    nh.n_descsz > 0 && nh.n_descsz <= TRACE_BUILD_ID_MAX) {
			memcpy(m->id, p + desc, nh.n_descsz);
			m->idlen = nh.n_descsz;
			return;
		}
		off = next;
	}
}

/* dl_iterate_phdr callback: one module into the list */
static int
list_module(struct dl_phdr_info *info, size_t size, void *data)
{
	struct mlist *l = data;
	struct rmod *m;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		l->subs = info->dlpi_subs;
		l->have_subs = true;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct rmod *n = __libc_realloc(l->m, cap * sizeof *n);
		if (n == NULL)
			return 1;
		l->m = n;
		l->cap = cap;
	}
	m = &l->m[l->n];
	memset(m, 0, sizeof *m);
	m->bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && ph->p_memsz > 0 && m->nseg < MOD_SEGS) {
			m->vaddr[m->nseg] = ph->p_vaddr;
			m->memsz[m->nseg] = ph->p_memsz;
			m->flags[m->nseg] = (uint8_t)(ph->p_flags & (PF_R | PF_W | PF_X));
			m->nseg++;
		}
	}
	/* the notes, where a loaded segment holds them */
	for (int i = 0; i < info->dlpi_phnum && m->idlen == 0; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		for (int k = 0; k < info->dlpi_phnum; k++) {
			const ElfW(Phdr) *ld = &info->dlpi_phdr[k];
			if (ld->p_type == PT_LOAD && ph->p_vaddr >= ld->p_vaddr &&
			    ph->p_filesz <= ld->p_filesz && ph->p_vaddr - ld->p_vaddr <= ld->p_filesz - ph->p_filesz) {
				note_build_id(m, (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), ph->p_filesz,
				              ph->p_align == 8 ? 8 : 4);
				break;
			}
		}
	}
	if (m->nseg == 0 ||
	    !str_add(l, info->dlpi_name ? info->dlpi_name : "",
	             info->dlpi_name ? strlen(info->dlpi_name) : 0, &m->name))
		return 0;
	l->n++;
	return 0;
}

/* /proc/self/maps, whole, into a buffer of the real allocator's; NULL
 * when it cannot be read. */
static char *
read_proc_maps(size_t *len)
{
	int f = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t cap = 16384, n = 0;
	char *b;
	ssize_t r;
	if (f < 0)
		return NULL;
	if ((b = __libc_malloc(cap)) == NULL) {
		close(f);
		return NULL;
	}
	for (;;) {
		if (n + 4096 > cap) {
			char *nb = __libc_realloc(b, cap * 2);
			if (nb == NULL)
				break;
			b = nb;
			cap *= 2;
		}
		r = read(f, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(f);
	b[n] = '\0';
	*len = n;
	return b;
}

/* A hexadecimal number at *p (advanced past it). */
static uint64_t
hex_at(const char **p, const char *end)
{
	uint64_t v = 0;
	for (; *p < end; (*p)++) {
		char c = **p;
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
		           : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
		if (d == 16)
			break;
		v = v << 4 | d;
	}
	return v;
}

/* The path of the file mapped at addr, from the maps text (lines "start-end
 * perms offset dev inode path"); its length, 0 when no file is. */
static size_t
maps_path(const char *maps, size_t len, uint64_t addr, const char **path)
{
	const char *p = maps, *end = maps + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *q = p;
		uint64_t start = hex_at(&q, e), stop;
		if (q < e && *q == '-') {
			q++;
			stop = hex_at(&q, e);
			if (addr >= start && addr < stop) {
				static const char deleted[] = " (deleted)";
				size_t n;
				for (int f = 0; f < 4; f++) {	/* perms, offset, dev, inode */
					while (q < e && *q == ' ')
						q++;
					while (q < e && *q != ' ')
						q++;
				}
				while (q < e && *q == ' ')
					q++;
				if (q == e || *q != '/')
					return 0;
				n = (size_t)(e - q);
				if (n > sizeof deleted - 1 &&
				    memcmp(q + n - (sizeof deleted - 1), deleted, sizeof deleted - 1) == 0)
					n -= sizeof deleted - 1;
				*path = q;
				return n;
			}
		}
		p = e + 1;
	}
	return 0;
}

/* Takes the module list into l; false when it could not. */
static bool
list_take(struct mlist *l)
{
	size_t mlen = 0;
	char *maps;
	l->n = 0;
	l->slen = 0;
	l->have_subs = false;
	dl_iterate_phdr(list_module, l);
	maps = read_proc_maps(&mlen);
	for (size_t i = 0; i < l->n; i++) {
		struct rmod *m = &l->m[i];
		const char *path = NULL;
		size_t n = maps ? maps_path(maps, mlen, m->bias + m->vaddr[0], &path) : 0;
		m->path = 0;
		if (n == 0 && l->s[m->name] == '/') {
			path = l->s + m->name;
			n = strlen(path);
		}
		if (n > 0 && n <= TRACE_PATH_MAX) {
			/* the strings may move: copy the name's out first */
			char tmp[TRACE_PATH_MAX];
			memcpy(tmp, path, n);
			if (!str_add(l, tmp, n, &m->path))
				m->path = 0;
			m->pathlen = n;
		}
	}
	__libc_free(maps);
	return l->n > 0;
}

static bool
module_same(const struct mlist *a, const struct rmod *x, const struct mlist *b, const struct rmod *y)
{
	return x->bias == y->bias && x->idlen == y->idlen && memcmp(x->id, y->id, x->idlen) == 0 &&
	       x->pathlen == y->pathlen && x->nseg == y->nseg &&
	       memcmp(a->s + x->path, b->s + y->path, x->pathlen) == 0 &&
	       memcmp(x->vaddr, y->vaddr, x->nseg * sizeof x->vaddr[0]) == 0 &&
	       memcmp(x->memsz, y->memsz, x->nseg * sizeof x->memsz[0]) == 0;
}

/* Whether a module of old is not in new: it was unloaded. */
static bool
list_lost(const struct mlist *old, const struct mlist *new)
{
	if (old->have_subs && new->have_subs && old->subs != new->subs)
		return true;
	for (size_t i = 0; i < old->n; i++) {
		size_t k = 0;
		if (old->m[i].path == 0)
			continue;
		while (k < new->n && !module_same(old, &old->m[i], new, &new->m[k]))
			k++;
		if (k == new->n)
			return true;
	}
	return false;
}

static bool
list_equal(const struct mlist *a, const struct mlist *b)
{
	if (a->n != b->n || a->have_subs != b->have_subs || a->subs != b->subs)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!module_same(a, &a->m[i], b, &b->m[i]))
			return false;
	return true;
}

/* The events of list l (the event lock held). */
static void
put_list(const struct mlist *l)
{
	need(16);
	raw[rawlen++] = TRACE_EV_MAPS_BEGIN;
	put_time();
	for (size_t i = 0; i < l->n; i++) {
		const struct rmod *m = &l->m[i];
		if (m->path == 0)
			continue;	/* no file (the vDSO) */
		need(64 + m->idlen + m->pathlen + (size_t)m->nseg * 24);
		raw[rawlen++] = TRACE_EV_MODULE;
		put_varint(m->bias);
		put_varint(m->idlen);
		memcpy(raw + rawlen, m->id, m->idlen);
		rawlen += m->idlen;
		put_varint(m->pathlen);
		memcpy(raw + rawlen, l->s + m->path, m->pathlen);
		rawlen += m->pathlen;
		put_varint(m->nseg);
		for (uint32_t k = 0; k < m->nseg; k++) {
			put_varint(m->vaddr[k]);
			put_varint(m->memsz[k]);
			put_varint(m->flags[k]);
		}
	}
}

static void stacks_reset(void);

/* Writes the module list when it changed (in_hook set; at the start,
 * before recording, and after each dlopen and dlclose). */
static void
put_maps(void)
{
	struct mlist *l;
	pthread_mutex_lock(&maps_lock);
	l = &lists[cur_list];
	if (list_take(l) && (!listed || !list_equal(l, &lists[!cur_list]))) {
		bool lost = listed && list_lost(&lists[!cur_list], l);
		pthread_mutex_lock(&lock);
		if (active || !listed) {
			put_list(l);
			if (lost)
				stacks_reset();
			listed = true;
			cur_list = !cur_list;
		}
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_unlock(&maps_lock);
}

/* --- stacks ------------------------------------------------------------------- */

static size_t
thash(uint32_t parent, uint64_t ip)
{
	uint64_t h = ip * 0x9E3779B97F4A7C15ULL ^ (uint64_t)parent * 0xC2B2AE3D27D4EB4FULL;
	return (size_t)(h ^ h >> 29);
}

static int
trie_grow(void)
{
	size_t ncap = trie_cap ? trie_cap * 2 : 1 << 14;
	struct tnode *n = __libc_calloc(ncap, sizeof *n);
	if (n == NULL)
		return -1;
	for (size_t i = 0; i < trie_cap; i++)
		if (trie[i].id) {
			size_t j = thash(trie[i].parent, trie[i].ip) & (ncap - 1);
			while (n[j].id)
				j = (j + 1) & (ncap - 1);
			n[j] = trie[i];
		}
	__libc_free(trie);
	trie = n;
	trie_cap = ncap;
	return 0;
}

/* The trie node of the stack ips[0..n) (innermost first), creating and
 * sending the missing ones outermost first. */
static uint32_t
stack_id(void *const *ips, int n)
{
	uint32_t parent = 0;
	for (int k = n - 1; k >= 0; k--) {
		uint64_t ip = (uint64_t)(uintptr_t)ips[k];
		size_t j;
		if ((trie_used + 1) * 2 > trie_cap && trie_grow() != 0)
			return parent;
		j = thash(parent, ip) & (trie_cap - 1);
		while (trie[j].id && (trie[j].parent != parent || trie[j].ip != ip))
			j = (j + 1) & (trie_cap - 1);
		if (trie[j].id == 0) {
			trie[j] = (struct tnode){ ip, parent, next_id++ };
			trie_used++;
			need(24);
			raw[rawlen++] = TRACE_EV_STACK;
			put_varint(parent);
			put_varint(ip);
		}
		parent = trie[j].id;
	}
	return parent;
}

/* A new stack generation (the event lock held): see stack_gen. */
static void
stacks_reset(void)
{
	memset(trie, 0, trie_cap * sizeof *trie);
	trie_used = 0;
	__atomic_store_n(&stack_gen, stack_gen + 1, __ATOMIC_RELAXED);
}

/* --- events ------------------------------------------------------------------- */

static size_t
sampled_bit(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 46);	/* 18 bits: SAMPLED_SLOTS */
}

/* The live sampled addresses (under the lock): linear probing from the
 * address's hash, deletion by backward shift. */
static size_t
live_home(uintptr_t a)
{
	return (size_t)(((uint64_t)a * 0x9E3779B97F4A7C15ULL) >> 20) & (live_cap - 1);
}

static bool
live_put(uintptr_t a)
{
	size_t i = live_home(a);
	while (live[i] != 0) {
		if (live[i] == a)
			return false;
		i = (i + 1) & (live_cap - 1);
	}
	live[i] = a;
	live_n++;
	return true;
}

static void
live_add(void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (a == 0)
		return;
	if ((live_n + 1) * 2 > live_cap) {
		size_t oldcap = live_cap, ncap = live_cap ? live_cap * 2 : 1024;
		uintptr_t *old = live, *t = __libc_calloc(ncap, sizeof *t);
		if (t == NULL)
			return;	/* out of memory: this block's free goes unrecorded */
		live = t;
		live_cap = ncap;
		live_n = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				live_put(old[i]);
		__libc_free(old);
	}
	if (live_put(a))
		__atomic_add_fetch(&sampled[sampled_bit(p)], 1, __ATOMIC_RELAXED);
}

/* Removes p if it is a live sampled address; true when it was. */
static bool
live_remove(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	size_t i, j, h;
	if (a == 0 || live_cap == 0)
		return false;
	for (i = live_home(a); live[i] != a; i = (i + 1) & (live_cap - 1))
		if (live[i] == 0)
			return false;
	__atomic_sub_fetch(&sampled[sampled_bit(p)], 1, __ATOMIC_RELAXED);
	live_n--;
	/* backward shift: move up each entry whose home is not between */
	for (j = (i + 1) & (live_cap - 1); live[j] != 0; j = (j + 1) & (live_cap - 1)) {
		h = live_home(live[j]);
		if (((j - h) & (live_cap - 1)) >= ((j - i) & (live_cap - 1))) {
			live[i] = live[j];
			i = j;
		}
	}
	live[i] = 0;
	return true;
}

static void
record_free(void *p)
{
	if (p == NULL)
		return;
	if (sampled && __atomic_load_n(&sampled[sampled_bit(p)], __ATOMIC_RELAXED) == 0)
		return;	/* not a live sampled block */
	pthread_mutex_lock(&lock);
	if (sampled && !live_remove(p)) {
		pthread_mutex_unlock(&lock);
		return;	/* another address of the slot */
	}
	if (active) {
		need(16);
		raw[rawlen++] = TRACE_EV_FREE;
		put_addr((uint64_t)(uintptr_t)p);
	}
	pthread_mutex_unlock(&lock);
}

/* --- stacks, fast ------------------------------------------------------------------- *
 * Unwinding with the call frame information costs microseconds a frame.
 * Most allocations come again and again from the same call path, at the
 * same stack depth, so each thread keeps the last stacks it unwound, keyed
 * by where the hook's caller's return address sits (the hook's CFA) and
 * its value: with each frame's return address, the cache remembers the
 * stack slot it was read from (on x86_64 a frame's return address into its
 * caller is at its CFA - 8).  A hit needs every slot to hold the same
 * return address again: the same chain of calls.  The hooks keep a frame
 * pointer (-fno-omit-frame-pointer), which gives their CFA. */
#define CACHE_ENTRIES 64
#define CACHE_WAYS 4	/* entries a key may sit in: a few call paths that hash
			 * alike (addresses move with ASLR) must not evict
			 * each other, nor one call site's several callers */
#define CACHE_DEPTH 48

struct centry {
	uintptr_t cfa, ra;	/* the key; cfa 0: empty */
	uint32_t id, n;
	int32_t off[CACHE_DEPTH];	/* slot - cfa */
	uintptr_t val[CACHE_DEPTH];
};

static __thread struct centry *tcache __attribute__((tls_model("initial-exec")));
static __thread unsigned tcache_victim __attribute__((tls_model("initial-exec")));
static __thread uint32_t tcache_gen __attribute__((tls_model("initial-exec")));	/* its entries' */
static pthread_key_t tcache_key;

struct uw {
	uintptr_t ip[MAX_FRAMES];
	uintptr_t cfa[MAX_FRAMES];	/* each frame's stack pointer at its call */
	int n;
};

static _Unwind_Reason_Code
uw_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct uw *u = arg;
	if (u->n >= MAX_FRAMES)
		return _URC_END_OF_STACK;
	u->ip[u->n] = _Unwind_GetIP(ctx);
	u->cfa[u->n] = _Unwind_GetCFA(ctx);
	u->n++;
	return _URC_NO_REASON;
}

static bool
in_self(uintptr_t a)
{
	return a >= self_lo && a < self_hi;
}

/* The first entry of the key's set of CACHE_WAYS. */
static size_t
chash(uintptr_t cfa, uintptr_t ra)
{
	uint64_t h = (cfa ^ ra * 0x9E3779B97F4A7C15ULL) * 0xff51afd7ed558ccdULL;
	return (size_t)(h >> 58) % (CACHE_ENTRIES / CACHE_WAYS) * CACHE_WAYS;
}

static void
tcache_free(void *p)
{
	__libc_free(p);
}

/* The stack's trie id from the cache, or 0; gen: the stack generation
 * now (entries of another are dropped). */
static uint32_t
cache_find(uintptr_t cfa, uintptr_t ra, uint32_t gen)
{
	const struct centry *set;
	if (tcache == NULL || cfa == 0)
		return 0;
	if (tcache_gen != gen) {
		memset(tcache, 0, CACHE_ENTRIES * sizeof *tcache);
		tcache_gen = gen;
		return 0;
	}
	set = &tcache[chash(cfa, ra)];
	for (unsigned w = 0; w < CACHE_WAYS; w++) {
		const struct centry *e = &set[w];
		uint32_t i = 0;
		if (e->cfa != cfa || e->ra != ra)
			continue;
		while (i < e->n && *(const uintptr_t *)(cfa + (intptr_t)e->off[i]) == e->val[i])
			i++;
		if (i == e->n)
			return e->id;
	}
	return 0;
}

/* Remembers stack u (frames k.. are the program's) as id, where it can be
 * verified again: every slot found, in order up the stack (the event lock
 * held: id is of generation stack_gen). */
static void
cache_put(const struct uw *u, int k, uintptr_t cfa, uintptr_t ra, uint32_t id)
{
	struct centry *e;
	int n = u->n - k;
	if (cfa == 0 || k == 0 || n <= 0 || n > CACHE_DEPTH || u->n >= MAX_FRAMES ||
	    u->ip[k] != ra || u->cfa[k] != cfa)
		return;
	if (tcache == NULL) {
		tcache = __libc_calloc(CACHE_ENTRIES, sizeof *tcache);
		if (tcache == NULL)
			return;
		pthread_setspecific(tcache_key, tcache);
		tcache_gen = stack_gen;
	}
	if (tcache_gen != stack_gen) {
		memset(tcache, 0, CACHE_ENTRIES * sizeof *tcache);
		tcache_gen = stack_gen;
	}
	/* an empty way of the set, else the next in turn */
	e = &tcache[chash(cfa, ra)];
	{
		unsigned w = 0;
		while (w < CACHE_WAYS && e[w].cfa != 0)
			w++;
		e += w < CACHE_WAYS ? w : tcache_victim++ % CACHE_WAYS;
	}
	e->cfa = 0;
	for (int j = 0; j < n; j++) {
		/* frame k+j's return address sits below the CFA of the frame it
		 * returns from, which is frame k+j's stack pointer: what
		 * _Unwind_GetCFA gives for frame k+j */
		uintptr_t slot = u->cfa[k + j] - 8;
		if (*(const uintptr_t *)slot != u->ip[k + j] || slot - cfa + 8 > INT32_MAX ||
		    (j > 0 && slot <= (uintptr_t)(cfa + (intptr_t)e->off[j - 1])))
			return;	/* not a plain call chain (a signal frame, say) */
		e->off[j] = (int32_t)(slot - cfa);
		e->val[j] = u->ip[k + j];
	}
	e->n = (uint32_t)n;
	e->id = id;
	e->ra = ra;
	e->cfa = cfa;
}

/* The bytes to the next sample: random, uniform in [1, 2 x sample_bytes],
 * so sample_bytes on average.  A fixed interval aliases with periodic
 * allocation patterns: 1000-byte blocks, every other one kept, sampled
 * every 66th -- always a kept one -- made all the estimate leaked.
 * (xorshift64*, per thread, seeded from the thread's own address.) */
static uint64_t
sample_interval(void)
{
	uint64_t x = sample_rng;
	if (x == 0)
		x = (uint64_t)(uintptr_t)&sample_rng * 0x9E3779B97F4A7C15ULL | 1;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	sample_rng = x;
	return 1 + (x * 0x2545F4914F6CDD1DULL >> 11) % (2 * sample_bytes);
}

/* cfa, ra: the hook's CFA and return address (0 when not known). */
static __attribute__((noinline)) void
record_alloc(void *p, size_t size, uint8_t ev, void *old, uintptr_t cfa, uintptr_t ra)
{
	struct uw u;
	int k = 0;
	uint32_t id, gen;
	void *ips[MAX_FRAMES];

	if (sample_bytes) {
		/* sampled by bytes, as tcmalloc and Go do: a countdown per thread,
		 * the allocation that crosses it is taken (the loader scales each
		 * by sample_bytes / size when smaller) */
		if (size < sample_left) {
			sample_left -= size;
			if (ev == TRACE_EV_REALLOC)
				record_free(old);	/* the old block, if it was taken */
			return;
		}
		sample_left = sample_interval();
	}
	if (in_self(ra))
		cfa = 0;	/* called from another hook: no cache */
	gen = __atomic_load_n(&stack_gen, __ATOMIC_RELAXED);
	id = cache_find(cfa, ra, gen);
unwind:
	if (id == 0) {
		k = 0;
		u.n = 0;
		_Unwind_Backtrace(uw_frame, &u);
		while (u.n > 0 && u.ip[u.n - 1] == 0)
			u.n--;	/* the end of the chain (the thread's first frame) */
		/* leave off this library's own frames (the hooks, inlined or not) */
		while (k < u.n && in_self(u.ip[k]))
			k++;
		for (int j = k; j < u.n; j++)
			ips[j - k] = (void *)u.ip[j];
	}
	pthread_mutex_lock(&lock);
	if (!active) {
		pthread_mutex_unlock(&lock);
		return;
	}
	if (id != 0 && gen != stack_gen) {
		/* a module was unloaded meanwhile: the cached id may be of a
		 * stack through it */
		pthread_mutex_unlock(&lock);
		id = 0;
		goto unwind;
	}
	if (id == 0) {
		id = stack_id(ips, u.n - k);
		cache_put(&u, k, cfa, ra, id);
	}
	if (sampled) {
		if (ev == TRACE_EV_REALLOC)
			live_remove(old);	/* the event frees it, sampled or not */
		live_add(p);
	}
	need(64);
	raw[rawlen++] = ev;
	if (ev == TRACE_EV_REALLOC)
		put_addr((uint64_t)(uintptr_t)old);
	put_varint(id);
	put_varint(size);
	put_addr((uint64_t)(uintptr_t)p);
	put_time();
	if (last_time_us - block_time_us >= 100000)
		flush_block();
	pthread_mutex_unlock(&lock);
}

/* --- start and end ---------------------------------------------------------------- */

static void
finish(void)
{
	if (pthread_mutex_trylock(&lock) != 0)
		return;	/* interrupted inside the recorder: the blocks written stay */
	if (active) {
		need(16);
		raw[rawlen++] = TRACE_EV_END;
		put_time();
		flush_block();
		active = 0;
	}
	pthread_mutex_unlock(&lock);
}

static void
on_fatal_signal(int sig)
{
	in_hook = 1;
	finish();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
atfork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void
atfork_parent(void)
{
	pthread_mutex_unlock(&lock);
}

static void
atfork_child(void)
{
	/* the child's copy of the buffer is the parent's to write */
	active = 0;
	rawlen = 0;
	if (fd >= 0)
		close(fd);
	fd = -1;
	pthread_mutex_unlock(&lock);
}

/* dl_iterate_phdr callback: the executable segment holding this code */
static int
find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t here = (uintptr_t)data;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && here >= lo &&
		    here < lo + ph->p_memsz) {
			self_lo = lo;
			self_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

__attribute__((constructor)) static void
recorder_init(void)
{
	const char *path = getenv("HEAPSIFT_TRACE_FILE");
	const char *pid = getenv("HEAPSIFT_TRACE_PID");
	const char *sample = getenv("HEAPSIFT_TRACE_SAMPLE");
	uint8_t hdr[TRACE_HEADER_SIZE];

	if (path == NULL || pid == NULL || strtol(pid, NULL, 10) != (long)getpid())
		return;
	in_hook = 1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	raw = __libc_malloc(BLOCK_RAW);
	zcap = ZSTD_compressBound(BLOCK_RAW);
	zbuf = __libc_malloc(zcap);
	cctx = ZSTD_createCCtx();
	if (fd < 0 || raw == NULL || zbuf == NULL || cctx == NULL || trie_grow() != 0) {
		in_hook = 0;
		return;
	}
	{
		/* the unwinder's first use sets things up: now, not in a hook */
		struct uw u0;
		u0.n = 0;
		_Unwind_Backtrace(uw_frame, &u0);
	}
	pthread_key_create(&tcache_key, tcache_free);
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&record_alloc);
	sample_bytes = sample ? strtoull(sample, NULL, 10) : 0;
	sample_left = sample_bytes;
	if (sample_bytes)
		sampled = __libc_calloc(SAMPLED_SLOTS, sizeof *sampled);
	start_us = now_us();
	trace_header(hdr, sample_bytes);
	write_all(hdr, sizeof hdr);
	put_maps();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	/* SIGINT and SIGTERM flush first, where the program left them at
	 * their default (a handler of its own replaces ours) */
	for (int s = 0; s < 2; s++) {
		int sig = s ? SIGTERM : SIGINT;
		struct sigaction old;
		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_fatal_signal;
			sigemptyset(&sa.sa_mask);
			sigaction(sig, &sa, NULL);
		}
	}
	active = 1;
	in_hook = 0;
}

__attribute__((destructor)) static void
recorder_fini(void)
{
	in_hook = 1;
	finish();
}

/* --- the allocator's entry points ------------------------------------------------- */

/* Sampled mode's fast paths: an allocation the countdown passes over and
 * the free of an address never sampled cost a subtraction or a bit test. */
static inline bool
skip_sampled(size_t size)
{
	if (sample_bytes && size < sample_left) {
		sample_left -= size;
		return true;
	}
	return false;
}

static inline bool
never_sampled(const void *p)
{
	size_t b;
	if (sampled == NULL)
		return false;
	b = sampled_bit(p);
	return __atomic_load_n(&sampled[b], __ATOMIC_RELAXED) == 0;
}

/* Every allocating hook ends here: p, from the real allocator, is recorded
 * unless the recorder itself asked for it.  cfa and ra are the exported
 * hook's (HOOK_CFA, HOOK_RA, evaluated there). */
static __attribute__((always_inline)) inline void *
allocated(void *p, size_t size, uint8_t ev, void *old, uintptr_t cfa, uintptr_t ra)
{
	if (p && active && !in_hook) {
		in_hook = 1;
		record_alloc(p, size, ev, old, cfa, ra);
		in_hook = 0;
	}
	return p;
}

EXPORT void *
malloc(size_t size)
{
	void *p = __libc_malloc(size);
	if (skip_sampled(size))
		return p;
	return allocated(p, size, TRACE_EV_ALLOC, NULL, HOOK_CFA, HOOK_RA);
}

EXPORT void
free(void *p)
{
	if (p && active && !in_hook && !never_sampled(p)) {
		in_hook = 1;
		record_free(p);	/* before the address can be handed out again */
		in_hook = 0;
	}
	__libc_free(p);
}

EXPORT void *
calloc(size_t n, size_t size)
{
	return allocated(__libc_calloc(n, size), n * size, TRACE_EV_ALLOC, NULL, HOOK_CFA, HOOK_RA);
}

EXPORT void *
realloc(void *old, size_t size)
{
	void *p;
	if (old == NULL)
		return malloc(size);
	if (size == 0) {
		free(old);
		return NULL;
	}
	p = __libc_realloc(old, size);
	return allocated(p, size, TRACE_EV_REALLOC, old, HOOK_CFA, HOOK_RA);
}

EXPORT void *
reallocarray(void *old, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, total);
}

EXPORT void *
memalign(size_t align, size_t size)
{
	return allocated(__libc_memalign(align, size), size, TRACE_EV_ALLOC, NULL, HOOK_CFA, HOOK_RA);
}

EXPORT void *
aligned_alloc(size_t align, size_t size)
{
	return allocated(__libc_memalign(align, size), size, TRACE_EV_ALLOC, NULL, HOOK_CFA, HOOK_RA);
}

EXPORT int
posix_memalign(void **out, size_t align, size_t size)
{
	void *p;
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = allocated(__libc_memalign(align, size), size, TRACE_EV_ALLOC, NULL, HOOK_CFA, HOOK_RA);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

EXPORT void *
valloc(size_t size)
{
	return allocated(__libc_valloc(size), size, TRACE_EV_ALLOC, NULL, HOOK_CFA, HOOK_RA);
}

EXPORT void *
pvalloc(size_t size)
{
	return allocated(__libc_pvalloc(size), size, TRACE_EV_ALLOC, NULL, HOOK_CFA, HOOK_RA);
}

/* A library loaded or unloaded: the module list goes into the trace again,
 * so that frames in libraries loaded later can be symbolized, and those of
 * a library loaded where an unloaded one was are told apart. */
static void
maps_changed(void)
{
	if (!active || in_hook)
		return;
	in_hook = 1;
	put_maps();
	in_hook = 0;
}

EXPORT void *
dlopen(const char *file, int mode)
{
	static void *(*real)(const char *, int);
	void *h;
	if (real == NULL)
		real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	if (real == NULL)
		return NULL;
	h = real(file, mode);
	if (h)
		maps_changed();
	return h;
}

EXPORT int
dlclose(void *handle)
{
	static int (*real)(void *);
	int r;
	if (real == NULL)
		real = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	if (real == NULL)
		return -1;
	r = real(handle);
	if (r == 0)
		maps_changed();
	return r;
}

EXPORT void
_exit(int status)
{
	in_hook = 1;
	finish();
	_Exit(status);
}

EXPORT void
abort(void)
{
	in_hook = 1;
	finish();
	signal(SIGABRT, SIG_DFL);
	raise(SIGABRT);
	_Exit(127);
}
