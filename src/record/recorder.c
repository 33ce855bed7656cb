/* The allocation recorder: an LD_PRELOAD library that `heapsift record`
 * puts in front of a program.  It replaces the malloc family, takes each
 * allocation's stack (return addresses, glibc's backtrace(), which unwinds
 * with the DWARF call frame information of every module, frame pointers or
 * not), and writes a trace (heapsift-trace(5)): blocks of events, each
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
 * exit() and returning from main flush through a destructor; _exit, abort,
 * SIGINT and SIGTERM (when the program has not taken them over) flush
 * first.  A block is written whenever 64 KiB of events are buffered and at
 * least every 100 ms of allocation activity, so after SIGKILL the file
 * holds everything up to its last complete block. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <malloc.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
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

/* The module list: /proc/self/maps' file-backed mappings. */
static void
put_maps(void)
{
	int m = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	char buf[8192], line[4096];
	size_t ll = 0;
	ssize_t n;
	if (m < 0)
		return;
	need(16);
	raw[rawlen++] = TRACE_EV_MAPS_BEGIN;
	put_time();
	while ((n = read(m, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			unsigned long long start, end, off;
			char perms[8];
			int pos = 0;
			if (buf[i] != '\n') {
				if (ll < sizeof line - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			ll = 0;
			if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off,
			           &pos) < 4 || pos == 0 || line[pos] != '/')
				continue;
			size_t plen = strlen(line + pos);
			need(48 + plen);
			raw[rawlen++] = TRACE_EV_MAP;
			put_varint(start);
			put_varint(end);
			put_varint(off);
			put_varint(plen);
			memcpy(raw + rawlen, line + pos, plen);
			rawlen += plen;
		}
	}
	close(m);
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

/* --- events ------------------------------------------------------------------- */

static void
record_free(void *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&lock);
	if (active) {
		need(16);
		raw[rawlen++] = TRACE_EV_FREE;
		put_addr((uint64_t)(uintptr_t)p);
	}
	pthread_mutex_unlock(&lock);
}

static __attribute__((noinline)) void
record_alloc(void *p, size_t size, uint8_t ev, void *old)
{
	void *ips[MAX_FRAMES];
	int n, k = 0;
	uint32_t id;

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
		sample_left = sample_bytes;
	}
	n = backtrace(ips, MAX_FRAMES);
	/* leave off this library's own frames (the hooks, inlined or not) */
	while (k < n && (uintptr_t)ips[k] >= self_lo && (uintptr_t)ips[k] < self_hi)
		k++;
	pthread_mutex_lock(&lock);
	if (!active) {
		pthread_mutex_unlock(&lock);
		return;
	}
	id = stack_id(ips + k, n - k);
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
	void *ips[4];

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
	backtrace(ips, 4);	/* loads the unwinder now, not inside a hook */
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&record_alloc);
	sample_bytes = sample ? strtoull(sample, NULL, 10) : 0;
	sample_left = sample_bytes;
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

EXPORT void *
malloc(size_t size)
{
	void *p = __libc_malloc(size);
	if (p && active && !in_hook) {
		in_hook = 1;
		record_alloc(p, size, TRACE_EV_ALLOC, NULL);
		in_hook = 0;
	}
	return p;
}

EXPORT void
free(void *p)
{
	if (p && active && !in_hook) {
		in_hook = 1;
		record_free(p);	/* before the address can be handed out again */
		in_hook = 0;
	}
	__libc_free(p);
}

EXPORT void *
calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);
	if (p && active && !in_hook) {
		in_hook = 1;
		record_alloc(p, n * size, TRACE_EV_ALLOC, NULL);
		in_hook = 0;
	}
	return p;
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
	if (p && active && !in_hook) {
		in_hook = 1;
		record_alloc(p, size, TRACE_EV_REALLOC, old);
		in_hook = 0;
	}
	return p;
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

static void *
aligned(size_t align, size_t size)
{
	void *p = __libc_memalign(align, size);
	if (p && active && !in_hook) {
		in_hook = 1;
		record_alloc(p, size, TRACE_EV_ALLOC, NULL);
		in_hook = 0;
	}
	return p;
}

EXPORT void *
memalign(size_t align, size_t size)
{
	return aligned(align, size);
}

EXPORT void *
aligned_alloc(size_t align, size_t size)
{
	return aligned(align, size);
}

EXPORT int
posix_memalign(void **out, size_t align, size_t size)
{
	void *p;
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = aligned(align, size);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

EXPORT void *
valloc(size_t size)
{
	void *p = __libc_valloc(size);
	if (p && active && !in_hook) {
		in_hook = 1;
		record_alloc(p, size, TRACE_EV_ALLOC, NULL);
		in_hook = 0;
	}
	return p;
}

EXPORT void *
pvalloc(size_t size)
{
	void *p = __libc_pvalloc(size);
	if (p && active && !in_hook) {
		in_hook = 1;
		record_alloc(p, size, TRACE_EV_ALLOC, NULL);
		in_hook = 0;
	}
	return p;
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
