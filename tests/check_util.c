/* util: string table, arena, errors, input decompression. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "check_suites.h"
#include "heapsift/arena.h"
#include "heapsift/error.h"
#include "heapsift/io.h"
#include "heapsift/prefault.h"
#include "heapsift/strtab.h"
#include "heapsift/xalloc.h"

START_TEST(test_strtab)
{
	struct strtab t;
	uint32_t a, b, c;
	char buf[32];

	strtab_init(&t);
	a = strtab_add(&t, "alpha", 5);
	b = strtab_add(&t, "alpha", 5);	/* add keeps duplicates */
	ck_assert_uint_ne(a, b);
	c = strtab_intern(&t, "alpha", 5);	/* the first of equals */
	ck_assert_uint_eq(c, a);
	ck_assert_uint_eq(strtab_find(&t, "beta", 4), STRTAB_NONE);
	c = strtab_intern_cstr(&t, "beta");
	ck_assert_uint_eq(strtab_find(&t, "beta", 4), c);
	/* embedded NUL and many strings (rehashing) */
	a = strtab_add(&t, "x\0y", 3);
	ck_assert_uint_eq(strtab_len(&t, a), 3);
	ck_assert_int_eq(memcmp(strtab_get(&t, a), "x\0y", 3), 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "s%d", i);
		strtab_intern_cstr(&t, buf);
	}
	ck_assert_uint_eq(strtab_find(&t, "s4999", 5), strtab_count(&t) - 1);
	strtab_truncate(&t, 2);
	ck_assert_uint_eq(strtab_count(&t), 2);
	ck_assert_uint_eq(strtab_find(&t, "beta", 4), STRTAB_NONE);
	ck_assert_uint_eq(strtab_find(&t, "alpha", 5), 0);
	strtab_free(&t);
}
END_TEST

START_TEST(test_arena)
{
	struct arena a;
	char *big, *s;
	arena_init(&a);
	for (int i = 0; i < 100000; i++) {
		uint64_t *p = arena_alloc(&a, sizeof *p);
		ck_assert_uint_eq((uintptr_t)p % 8, 0);
		*p = (uint64_t)i;
	}
	big = arena_alloc_bytes(&a, 3 << 20);	/* a block of its own */
	memset(big, 1, 3 << 20);
	s = arena_strndup(&a, "hello world", 5);
	ck_assert_str_eq(s, "hello");
	arena_free(&a);
}
END_TEST

START_TEST(test_error_format)
{
	struct hs_error e;
	error_clear(&e);
	ck_assert_int_eq(error_at(&e, HS_EINPUT, "f.heapsnapshot", 42, "bad %s", "thing"), HS_EINPUT);
	ck_assert_str_eq(e.msg, "f.heapsnapshot: offset 42: bad thing");
	/* the first error stays */
	error_at(&e, HS_EINPUT, "f", 1, "second");
	ck_assert_str_eq(e.msg, "f.heapsnapshot: offset 42: bad thing");
	error_clear(&e);
	error_set(&e, HS_EIO, "x", "gone");
	ck_assert_str_eq(e.msg, "x: gone");
	ck_assert_int_eq(e.status, HS_EIO);
}
END_TEST

static size_t
gz(const char *s, size_t n, unsigned char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)s;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return z.total_out;
}

START_TEST(test_io_codecs)
{
	const char *text = "{\"snapshot\": hello hello hello hello}";
	size_t n = strlen(text), zn;
	unsigned char buf[4096], two[8192];
	struct io io;
	struct hs_error err;

	/* plain */
	error_clear(&err);
	ck_assert_int_eq(io_open_mem(&io, "m", text, n, &err), HS_OK);
	ck_assert_int_eq(io.codec, IO_PLAIN);
	ck_assert_uint_eq(io.size, n);
	io_close(&io);
	/* gzip, and two members one after the other (gzip a b > c) */
	zn = gz(text, n, buf, sizeof buf);
	ck_assert_int_eq(io_open_mem(&io, "m.gz", buf, zn, &err), HS_OK);
	ck_assert_int_eq(io.codec, IO_GZIP);
	ck_assert_uint_eq(io.size, n);
	ck_assert_int_eq(memcmp(io.data, text, n), 0);
	io_close(&io);
	memcpy(two, buf, zn);
	memcpy(two + zn, buf, zn);
	ck_assert_int_eq(io_open_mem(&io, "m2.gz", two, 2 * zn, &err), HS_OK);
	ck_assert_uint_eq(io.size, 2 * n);
	io_close(&io);
	/* truncated gzip: an error with the offset, not a crash */
	ck_assert_int_eq(io_open_mem(&io, "t.gz", buf, zn - 5, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "t.gz: offset"));
	io_close(&io);
	/* zstd */
	error_clear(&err);
	zn = ZSTD_compress(buf, sizeof buf, text, n, 3);
	ck_assert(!ZSTD_isError(zn));
	ck_assert_int_eq(io_open_mem(&io, "m.zst", buf, zn, &err), HS_OK);
	ck_assert_int_eq(io.codec, IO_ZSTD);
	ck_assert_int_eq(memcmp(io.data, text, n), 0);
	io_close(&io);
	ck_assert_int_eq(io_open_mem(&io, "t.zst", buf, zn - 3, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "t.zst: offset"));
	io_close(&io);
	/* garbage after a gzip magic */
	error_clear(&err);
	memcpy(buf, "\x1f\x8b\x08\x00garbagegarbage", 18);
	ck_assert_int_eq(io_open_mem(&io, "g.gz", buf, 18, &err), HS_EINPUT);
	io_close(&io);
}
END_TEST

START_TEST(test_io_files)
{
	struct io io;
	struct hs_error err;
	char path[] = "/tmp/heapsift-test-XXXXXX";
	int fd;

	error_clear(&err);
	ck_assert_int_eq(io_open(&io, "/nonexistent/file", &err), HS_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/file: "));
	io_close(&io);
	error_clear(&err);
	ck_assert_int_eq(io_open(&io, "/", &err), HS_EIO);
	io_close(&io);
	/* an empty file is fine for io (the loaders reject it) */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	error_clear(&err);
	ck_assert_int_eq(io_open(&io, path, &err), HS_OK);
	ck_assert_uint_eq(io.size, 0);
	io_close(&io);
	unlink(path);
}
END_TEST

/* A gzip file of n bytes of a pattern, at path; the pattern's byte i. */
static uint8_t
spill_byte(size_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

static void
spill_gz(const char *path, size_t n)
{
	gzFile g = gzopen(path, "wb1");
	uint8_t buf[65536];
	ck_assert_ptr_nonnull(g);
	for (size_t at = 0; at < n; at += sizeof buf) {
		size_t k = n - at < sizeof buf ? n - at : sizeof buf;
		for (size_t i = 0; i < k; i++)
			buf[i] = spill_byte(at + i);
		ck_assert_int_eq(gzwrite(g, buf, (unsigned)k), (int)k);
	}
	ck_assert_int_eq(gzclose(g), Z_OK);
}

static void
spill_check(struct io *io, size_t n, bool file)
{
	size_t bad = 0;
	ck_assert_uint_eq(io->size, n);
	ck_assert_int_eq(io->codec, IO_GZIP);
	for (size_t i = 0; i < n; i++)
		bad += io->data[i] != spill_byte(i);
	ck_assert_uint_eq(bad, 0);
	ck_assert_int_eq(io_file_backed(io), file);
	if (file) {
		int fd = io_dup_fd(io);
		uint8_t b[4];
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pread(fd, b, 4, (off_t)n - 4), 4);
		ck_assert_uint_eq(b[3], spill_byte(n - 1));
		close(fd);
	} else {
		ck_assert_int_eq(io_dup_fd(io), -1);
	}
}

/* io_open_seekable: a compressed file in a temporary file, or in memory
 * when no temporary file can be made or written. */
START_TEST(test_io_spill)
{
	const size_t n = (3u << 20) + 123;
	char path[] = "/tmp/heapsift-spill-XXXXXX";
	const char *old = getenv("TMPDIR");
	char *saved = old ? xstrdup(old) : NULL;
	struct io io;
	struct hs_error err;
	struct rlimit rl;
	uint8_t head[100];
	enum io_codec codec;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	spill_gz(path, n);
	ck_assert_uint_eq(io_head(path, head, sizeof head, &codec), sizeof head);
	ck_assert_int_eq(codec, IO_GZIP);
	ck_assert_uint_eq(head[99], spill_byte(99));

	error_clear(&err);
	ck_assert_int_eq(io_open_seekable(&io, path, &err), HS_OK);
	spill_check(&io, n, true);
	io_close(&io);
	/* io_open: memory */
	ck_assert_int_eq(io_open(&io, path, &err), HS_OK);
	spill_check(&io, n, false);
	io_close(&io);
	/* no place for a temporary file */
	setenv("TMPDIR", "/nonexistent/dir", 1);
	ck_assert_int_eq(io_open_seekable(&io, path, &err), HS_OK);
	spill_check(&io, n, false);
	io_close(&io);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	/* files of 1 MiB at most (ulimit -f): memory, and no SIGXFSZ (its
	 * default action would end the process) */
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	{
		struct rlimit small = { 1u << 20, rl.rlim_max };
		ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
		ck_assert_int_eq(io_open_seekable(&io, path, &err), HS_OK);
		spill_check(&io, n, false);
		io_close(&io);
		ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	}
	/* cut short: the error is the memory path's */
	ck_assert_int_eq(truncate(path, 100000), 0);
	error_clear(&err);
	ck_assert_int_eq(io_open_seekable(&io, path, &err), HS_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "gzip: truncated"));
	io_close(&io);
	unlink(path);
	free(saved);
}
END_TEST

/* A gzip member of bytes [from, from + n) of the spill pattern, at level
 * (0: stored, so that its bytes show in the file), with HotSpot's first
 * header (comment "HPROF BLOCKSIZE=...") or a plain one; appended to out
 * at *len.  Where data is not NULL, its n bytes instead of the pattern. */
static void
member(uint8_t *out, size_t *len, size_t cap, size_t from, size_t n, int level, bool first,
       const uint8_t *data)
{
	z_stream z;
	gz_header h;
	uint8_t *in = xmalloc(n ? n : 1);

	for (size_t i = 0; i < n; i++)
		in[i] = data ? data[i] : spill_byte(from + i);
	memset(&z, 0, sizeof z);
	memset(&h, 0, sizeof h);
	h.os = 3;
	h.comment = (Bytef *)"HPROF BLOCKSIZE=1048576";
	ck_assert_int_eq(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	if (first)
		ck_assert_int_eq(deflateSetHeader(&z, &h), Z_OK);
	z.next_in = in;
	z.avail_in = (uInt)n;
	z.next_out = out + *len;
	z.avail_out = (uInt)(cap - *len);
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*len += z.total_out;
	deflateEnd(&z);
	free(in);
}

static void
write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *w = fopen(path, "wb");
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(fwrite(p, 1, len, w), len);
	ck_assert_int_eq(fclose(w), 0);
}

/* f[0, len) with f[at] ^ mask, opened seekable: an error whose message has
 * want; its offset.  f is left as it was. */
static uint64_t
open_bad(const char *path, uint8_t *f, size_t len, size_t at, uint8_t mask, const char *want)
{
	struct io io;
	struct hs_error err;

	f[at] ^= mask;
	write_file(path, f, len);
	f[at] ^= mask;
	error_clear(&err);
	ck_assert_int_eq(io_open_seekable(&io, path, &err), HS_EINPUT);
	ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
	io_close(&io);
	return err.offset;
}

/* HotSpot's compressed dumps (jcmd GC.heap_dump -gz=1): a gzip member per
 * MiB, inflated on every core; anything unexpected, one stream. */
START_TEST(test_io_members)
{
	const size_t mib = 1u << 20, n = 5 * mib + 777, cap = 2 * n + 65536;
	char path[] = "/tmp/heapsift-members-XXXXXX";
	uint8_t *f = xmalloc(cap), fake[4096];
	size_t len = 0, at, second = 0;
	struct io io;
	struct hs_error err;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	for (size_t from = 0; from < n; from += mib)
		member(f, &len, cap, from, n - from < mib ? n - from : mib, 1, from == 0, NULL);
	write_file(path, f, len);
	error_clear(&err);
	ck_assert_int_eq(io_open_seekable(&io, path, &err), HS_OK);
	ck_assert_uint_eq(io.members, 6);
	spill_check(&io, n, true);
	io_close(&io);
	/* into memory: one stream, the same bytes */
	ck_assert_int_eq(io_open(&io, path, &err), HS_OK);
	ck_assert_uint_eq(io.members, 0);
	spill_check(&io, n, false);
	io_close(&io);

	/* a member that looks like a member's header inside (stored, so its
	 * bytes are the file's): the member around it does not end there */
	for (size_t i = 0; i < sizeof fake; i++)
		fake[i] = spill_byte(n + i);
	memcpy(fake + 1000, "\x1f\x8b\x08\x00\0\0\0\0\x04\x03", 10);
	at = len;
	member(f, &len, cap, n, sizeof fake, 0, false, fake);
	ck_assert_ptr_nonnull(memmem(f + at, len - at, "\x1f\x8b\x08\x00\0\0\0\0\x04\x03", 10));
	write_file(path, f, len);
	ck_assert_int_eq(io_open_seekable(&io, path, &err), HS_OK);
	ck_assert_uint_eq(io.members, 0);
	ck_assert_uint_eq(io.size, n + sizeof fake);
	ck_assert_int_eq(memcmp(io.data + n, fake, sizeof fake), 0);
	io_close(&io);
	len = at;

	/* a member whose header does not look like HotSpot's (a name): the
	 * member before it does not end at a start */
	{
		size_t len2 = 0;
		uint8_t *g = xmalloc(cap);
		member(g, &len2, cap, 0, mib, 1, true, NULL);
		at = len2;
		member(g, &len2, cap, mib, mib, 1, false, NULL);
		ck_assert_uint_eq(g[at + 3], 0);
		g[at + 3] = 0x08;	/* FNAME: "" before the data */
		memmove(g + at + 11, g + at + 10, len2 - at - 10);
		g[at + 10] = 0;
		len2++;
		member(g, &len2, cap, 2 * mib, 1000, 1, false, NULL);
		write_file(path, g, len2);
		ck_assert_int_eq(io_open_seekable(&io, path, &err), HS_OK);
		ck_assert_uint_eq(io.members, 0);
		spill_check(&io, 2 * mib + 1000, true);
		io_close(&io);
		free(g);
	}

	/* the stream's errors: a member's trailer says another size; a byte of
	 * its data changed (its CRC, or its codes); cut short */
	for (size_t i = 1; i + 10 < len && !second; i++)
		if (memcmp(f + i, "\x1f\x8b\x08\x00", 4) == 0)
			second = i;
	ck_assert_uint_gt(second, 0);
	ck_assert_uint_eq(open_bad(path, f, len, second - 1, 0x01, "gzip: incorrect length check"), second);
	ck_assert_uint_le(open_bad(path, f, len, second - 5000, 0x40, "gzip: "), second);
	open_bad(path, f, len - 100, 0, 0, "gzip: truncated");
	unlink(path);
	free(f);
}
END_TEST

/* Pages of [p, p + size) resident now. */
static size_t
resident_pages(void *p, size_t size)
{
	size_t n = size / 4096, k = 0;
	unsigned char *v = xmalloc(n);
	ck_assert_int_eq(mincore(p, size, v), 0);
	for (size_t i = 0; i < n; i++)
		k += v[i] & 1;
	free(v);
	return k;
}

/* Waits (10 s at most) until the first want pages of p are resident. */
static bool
wait_resident(void *p, size_t want)
{
	for (int i = 0; i < 10000; i++) {
		struct timespec ts = { 0, 1000000 };
		if (resident_pages(p, want * 4096) == want)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

START_TEST(test_prefault)
{
	const size_t size = (size_t)64 << 20, pages = size / 4096;
	const size_t ahead = (PREFAULT_AHEAD + ((size_t)2 << 20)) / 4096;
	uint8_t *a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct prefault_region r = { a, size, 1, 1000 };
	struct prefault *pf;
	bool populate;

	ck_assert_ptr_ne(a, MAP_FAILED);
	ck_assert_ptr_ne(probe, MAP_FAILED);
	populate = madvise(probe, 4096, 23 /* MADV_POPULATE_WRITE */) == 0;
	munmap(probe, 4096);

	/* no-ops without a thread; nothing to fault, no thread */
	prefault_progress(NULL, 0, 1);
	prefault_stop(NULL);
	ck_assert_ptr_null(prefault_start(&r, 0));
	{
		struct prefault_region bad[2] = { { NULL, size, 0, 1 }, { a, 100, 0, 1 } };
		ck_assert_ptr_null(prefault_start(bad, 2));	/* no whole page */
	}

	a[0] = 7;	/* what is there stays */
	pf = prefault_start(&r, 1);
	ck_assert_ptr_nonnull(pf);
	if (populate) {
		/* the counter at 0: the first PREFAULT_AHEAD bytes only */
		ck_assert(wait_resident(a, PREFAULT_AHEAD / 4096));
		ck_assert_uint_le(resident_pages(a, size), ahead + 1);
	}
	/* the caller writes while the thread faults in */
	for (size_t i = 1; i < size / 2; i += 4093)
		a[i] = (uint8_t)i;
	prefault_progress(pf, 1, 500);
	prefault_progress(pf, 0, 1000);		/* another counter: no effect */
	if (populate) {
		ck_assert(wait_resident(a, pages / 2 + PREFAULT_AHEAD / 4096));
		ck_assert_uint_le(resident_pages(a, size), pages / 2 + ahead + 1);
	}
	prefault_progress(pf, 1, 5000);		/* past the total: all of it */
	if (populate)
		ck_assert(wait_resident(a, pages));
	prefault_stop(pf);
	ck_assert_uint_eq(a[0], 7);
	for (size_t i = 1; i < size / 2; i += 4093)
		ck_assert_uint_eq(a[i], (uint8_t)i);
	for (size_t i = size / 2; i < size; i += 4093)
		ck_assert_uint_eq(a[i], 0);
	munmap(a, size);
}
END_TEST

Suite *
suite_util(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");
	tcase_add_test(tc, test_strtab);
	tcase_add_test(tc, test_arena);
	tcase_add_test(tc, test_error_format);
	tcase_add_test(tc, test_io_codecs);
	tcase_add_test(tc, test_io_files);
	tcase_add_test(tc, test_io_spill);
	tcase_add_test(tc, test_io_members);
	tcase_add_test(tc, test_prefault);
	suite_add_tcase(s, tc);
	return s;
}
