#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "heapsift/io.h"

#define IO_CHUNK ((size_t)1 << 20)

const char *
io_codec_name(enum io_codec codec)
{
	switch (codec) {
	case IO_GZIP: return "gzip";
	case IO_ZSTD: return "zstd";
	default: return "plain";
	}
}

static enum io_codec
io_sniff(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return IO_GZIP;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return IO_ZSTD;
	return IO_PLAIN;
}

/* Output buffer in anonymous memory, grown with mremap so that io_release()
 * can drop consumed pages with madvise.  Spilling (fd >= 0), it is a
 * fixed buffer written to fd whenever it fills: flushed counts the bytes
 * written, and a write that fails (a full disk) sets failed. */
struct obuf {
	uint8_t *p;
	size_t len, cap;
	int fd;
	uint64_t flushed;
	uint64_t limit;		/* RLIMIT_FSIZE: a write past it would raise SIGXFSZ */
	bool failed;
	bool release_in;	/* the input is io_open's mapping: give its pages back */
};

#define SPILL_BUF (4 * IO_CHUNK)

static int
obuf_flush(struct obuf *o)
{
	size_t done = 0;
	if (o->len > o->limit - o->flushed) {
		o->failed = true;	/* (instead of being killed by SIGXFSZ) */
		return -1;
	}
	while (done < o->len) {
		ssize_t w = write(o->fd, o->p + done, o->len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->failed = true;
			return -1;
		}
		done += (size_t)w;
	}
	o->flushed += o->len;
	o->len = 0;
	return 0;
}

static int
obuf_reserve(struct obuf *o, size_t extra)
{
	size_t ncap;
	void *np;

	if (o->cap - o->len >= extra)
		return 0;
	if (o->fd >= 0) {
		if (o->p == NULL) {
			o->p = malloc(SPILL_BUF);
			o->cap = SPILL_BUF;
			return o->p && extra <= SPILL_BUF ? 0 : -1;
		}
		return extra <= o->cap ? obuf_flush(o) : -1;
	}
	ncap = o->cap ? o->cap : 4 * IO_CHUNK;
	while (ncap - o->len < extra) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (o->p == NULL)
		np = mmap(NULL, ncap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		np = mremap(o->p, o->cap, ncap, MREMAP_MAYMOVE);
	if (np == MAP_FAILED)
		return -1;
	/* huge pages once the output is large: a fault per 2 MiB instead of
	 * per 4 KiB (a third of the time of decompressing a large text file
	 * went to page faults); not for small files, where the kernel would
	 * clear 2 MiB for a few bytes */
	if (ncap >= 16 * IO_CHUNK)
		madvise(np, ncap, MADV_HUGEPAGE);
	o->p = np;
	o->cap = ncap;
	return 0;
}

/* The compressed input's pages before used (a mapping of the file io_open
 * made) are not read again: given back, so that the compressed file does
 * not add its size to the peak of memory. */
static void
in_release(const struct obuf *o, const uint8_t *in, size_t used, size_t *released)
{
	size_t to = used & ~(size_t)4095;
	if (!o->release_in || to - *released < 8 * IO_CHUNK)
		return;
	madvise((uint8_t *)(uintptr_t)in + *released, to - *released, MADV_DONTNEED);
	*released = to;
}

static int
io_gunzip(struct io *io, const uint8_t *in, size_t n, struct obuf *o, struct hs_error *err)
{
	z_stream zs;
	int zr = Z_OK;
	size_t released = 0;

	memset(&zs, 0, sizeof zs);
	/* 15 + 32: zlib or gzip header, auto-detected. */
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return error_set(err, HS_EIO, io->path, "cannot initialise zlib");
	zs.next_in = (Bytef *)(uintptr_t)in;
	for (;;) {
		size_t avail_in_before;
		if (zs.avail_in == 0) {
			size_t left = n - (size_t)(zs.next_in - in);
			zs.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
		}
		if (obuf_reserve(o, IO_CHUNK) != 0) {
			inflateEnd(&zs);
			return error_set(err, HS_EIO, io->path, "out of memory while decompressing");
		}
		zs.next_out = o->p + o->len;
		zs.avail_out = (uInt)IO_CHUNK;
		avail_in_before = zs.avail_in;
		zr = inflate(&zs, Z_NO_FLUSH);
		o->len += IO_CHUNK - zs.avail_out;
		in_release(o, in, (size_t)(zs.next_in - in), &released);
		if (zr == Z_STREAM_END) {
			/* Concatenated gzip members (gzip a b > c) continue. */
			size_t used = (size_t)(zs.next_in - in);
			if (used < n && io_sniff(zs.next_in, n - used) == IO_GZIP) {
				inflateReset(&zs);
				continue;
			}
			break;
		}
		if (zr != Z_OK && !(zr == Z_BUF_ERROR && avail_in_before != 0)) {
			uint64_t off = (uint64_t)(zs.next_in - in);
			const char *m = zs.msg ? zs.msg : "corrupt or truncated data";
			inflateEnd(&zs);
			if (zr == Z_BUF_ERROR)
				m = "truncated compressed data";
			return error_at(err, HS_EINPUT, io->path, off, "gzip: %s", m);
		}
		if (zs.avail_in == 0 && (size_t)(zs.next_in - in) >= n && zs.avail_out != 0) {
			inflateEnd(&zs);
			return error_at(err, HS_EINPUT, io->path, n, "gzip: truncated compressed data");
		}
	}
	inflateEnd(&zs);
	return HS_OK;
}

static int
io_unzstd(struct io *io, const uint8_t *in, size_t n, struct obuf *o, struct hs_error *err)
{
	ZSTD_DStream *zs = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t r = 1, released = 0;

	if (zs == NULL || ZSTD_isError(ZSTD_initDStream(zs))) {
		ZSTD_freeDStream(zs);
		return error_set(err, HS_EIO, io->path, "cannot initialise zstd");
	}
	while (ib.pos < ib.size || r != 0) {
		ZSTD_outBuffer ob;
		size_t before = ib.pos;
		if (obuf_reserve(o, IO_CHUNK) != 0) {
			ZSTD_freeDStream(zs);
			return error_set(err, HS_EIO, io->path, "out of memory while decompressing");
		}
		ob.dst = o->p + o->len;
		ob.size = IO_CHUNK;
		ob.pos = 0;
		r = ZSTD_decompressStream(zs, &ob, &ib);
		o->len += ob.pos;
		in_release(o, in, ib.pos, &released);
		if (ZSTD_isError(r)) {
			ZSTD_freeDStream(zs);
			return error_at(err, HS_EINPUT, io->path, ib.pos, "zstd: %s",
			                ZSTD_getErrorName(r));
		}
		if (ib.pos == ib.size && ob.pos == 0 && before == ib.pos && r != 0) {
			ZSTD_freeDStream(zs);
			return error_at(err, HS_EINPUT, io->path, ib.pos,
			                "zstd: truncated compressed data");
		}
	}
	ZSTD_freeDStream(zs);
	return HS_OK;
}

/* --- HotSpot's compressed heap dumps, inflated on every core ---------------
 * jcmd GC.heap_dump -gz=N writes one gzip member per BLOCKSIZE bytes of
 * the dump (1 MiB), each independent of the others; the first members'
 * header has the comment "HPROF BLOCKSIZE=...", the others a plain one.
 * So the members' starts are the places that look like a member's header,
 * each member's trailer (the 4 bytes before the next start) says how many
 * bytes it makes, so where they go, and the threads inflate members into
 * the temporary file in any order.  Any surprise -- a member that does not
 * end exactly where the next one starts (a header-like run of compressed
 * bytes; a member whose header looks otherwise) or makes other than its
 * trailer says, a bad CRC -- and the file is inflated from the start in
 * one stream, as any gzip file, which also reports what is wrong. */

#define GZ_MEMBER_MAX ((size_t)64 << 20)	/* bytes one member may make */
#define GZ_THREADS_MAX 8

struct gzpar {
	const uint8_t *in;
	size_t *start;		/* count + 1: the members' starts, then n */
	uint64_t *out;		/* count + 1: where each member's bytes go */
	size_t count;
	size_t buf_size;	/* the largest member's bytes, + 1 to see a longer one */
	int fd;
	bool release_in;
	atomic_size_t next;
	atomic_bool failed;
};

/* Is the first member HotSpot's (its comment starts "HPROF BLOCKSIZE=")? */
static bool
gz_hotspot(const uint8_t *in, size_t n)
{
	static const char tag[] = "HPROF BLOCKSIZE=";
	return n >= 10 + sizeof tag && in[0] == 0x1f && in[1] == 0x8b && in[2] == 8 && in[3] == 0x10 &&
	       memcmp(in + 10, tag, sizeof tag - 1) == 0;
}

/* Does a member's header (as HotSpot writes them: no flags but a comment;
 * a known XFL and OS) start at p?  About one place in 2^41 of compressed
 * data does too: then the member around it does not end there, and the
 * whole file is inflated as one stream. */
static bool
gz_member_at(const uint8_t *p)
{
	return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 && (p[3] == 0 || p[3] == 0x10) &&
	       (p[8] == 0 || p[8] == 2 || p[8] == 4) && (p[9] <= 13 || p[9] == 255);
}

static void *
gz_worker(void *arg)
{
	struct gzpar *g = arg;
	z_stream zs;
	uint8_t *buf = malloc(g->buf_size);

	memset(&zs, 0, sizeof zs);
	if (buf == NULL || inflateInit2(&zs, 15 + 16) != Z_OK) {
		atomic_store(&g->failed, true);
		free(buf);
		return NULL;
	}
	while (!atomic_load(&g->failed)) {
		size_t i = atomic_fetch_add(&g->next, 1), len, done = 0, want;
		int zr;
		if (i >= g->count)
			break;
		len = g->start[i + 1] - g->start[i];
		want = (size_t)(g->out[i + 1] - g->out[i]);
		inflateReset(&zs);
		zs.next_in = (Bytef *)(uintptr_t)(g->in + g->start[i]);
		zs.avail_in = (uInt)len;
		zs.next_out = buf;
		zs.avail_out = (uInt)g->buf_size;
		zr = inflate(&zs, Z_FINISH);
		/* the whole member and nothing else; its CRC and ISIZE zlib checked */
		if (zr != Z_STREAM_END || zs.avail_in != 0 || zs.total_out != want) {
			atomic_store(&g->failed, true);
			break;
		}
		while (done < want) {
			ssize_t w = pwrite(g->fd, buf + done, want - done, (off_t)(g->out[i] + done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				atomic_store(&g->failed, true);
				break;
			}
			done += (size_t)w;
		}
		if (g->release_in) {
			/* the member's own pages: not read again */
			uintptr_t a = ((uintptr_t)(g->in + g->start[i]) + 4095) & ~(uintptr_t)4095;
			uintptr_t b = (uintptr_t)(g->in + g->start[i + 1]) & ~(uintptr_t)4095;
			if (b > a)
				madvise((void *)a, b - a, MADV_DONTNEED);
		}
	}
	inflateEnd(&zs);
	free(buf);
	return NULL;
}

/* Inflates a HotSpot dump's members on every core into fd; the bytes made
 * into *total, the members into *members.  0 done; 1 not such a file, or a
 * surprise: nothing kept (fd emptied), the caller inflates it as one
 * stream; -1 fd could not be emptied. */
static int
gz_parallel(const uint8_t *in, size_t n, int fd, bool release_in, uint64_t limit, uint64_t *total,
            size_t *members)
{
	struct gzpar g = { .in = in, .fd = fd, .release_in = release_in };
	size_t cap = 0, max = 0, released = 0;
	pthread_t t[GZ_THREADS_MAX];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int nt = cpus < 1 ? 1 : cpus > GZ_THREADS_MAX ? GZ_THREADS_MAX : (int)cpus, started = 0;
	int r = 1;

	if (!gz_hotspot(in, n))
		return 1;
	/* the members' starts; a real member (1 MiB of a dump) compresses to
	 * far more than 64 bytes: more starts than n / 64 are no HotSpot dump's */
	for (size_t p = 0; n >= 10 && p <= n - 10;) {
		const uint8_t *q = memmem(in + p, n - p, "\x1f\x8b\x08", 3);
		size_t at;
		if (q == NULL || (at = (size_t)(q - in)) > n - 10)
			break;
		if (!gz_member_at(q)) {
			p = at + 1;
			continue;
		}
		if (g.count + 2 > cap) {
			size_t ncap = cap ? 2 * cap : 1024;
			size_t *ns;
			if (ncap > n / 64 + 1024 || (ns = realloc(g.start, ncap * sizeof *ns)) == NULL)
				goto out;
			g.start = ns;
			cap = ncap;
		}
		g.start[g.count++] = at;
		p = at + 18;	/* a header and a trailer at least */
		if (release_in && at - released >= 8 * IO_CHUNK) {
			/* read again by the threads, from the page cache: not
			 * all resident at once */
			size_t to = at & ~(size_t)4095;
			madvise((uint8_t *)(uintptr_t)in + released, to - released, MADV_DONTNEED);
			released = to;
		}
	}
	if (g.count < 2)
		goto out;	/* one member: nothing to share */
	g.start[g.count] = n;
	if ((g.out = malloc((g.count + 1) * sizeof *g.out)) == NULL)
		goto out;
	g.out[0] = 0;
	for (size_t i = 0; i < g.count; i++) {
		const uint8_t *e = in + g.start[i + 1];
		size_t isize = (size_t)e[-4] | (size_t)e[-3] << 8 | (size_t)e[-2] << 16 | (size_t)e[-1] << 24;
		size_t len = g.start[i + 1] - g.start[i];
		/* zlib counts a member's input in 32 bits; deflate makes at most
		 * 1032 bytes of one, so a trailer that says more is wrong (and
		 * would only make the buffers large) */
		if (len > UINT32_MAX || isize > GZ_MEMBER_MAX || isize > len * 1032 || g.out[i] + isize > limit)
			goto out;
		if (isize > max)
			max = isize;
		g.out[i + 1] = g.out[i] + isize;
	}
	g.buf_size = max + 1;
	atomic_init(&g.next, 0);
	atomic_init(&g.failed, false);
	for (; started < nt - 1; started++)
		if (pthread_create(&t[started], NULL, gz_worker, &g) != 0)
			break;
	gz_worker(&g);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (!atomic_load(&g.failed)) {
		*total = g.out[g.count];
		*members = g.count;
		r = 0;
	}
out:
	if (r != 0 && ftruncate(fd, 0) != 0)
		r = -1;
	free(g.start);
	free(g.out);
	return r;
}

/* An unlinked temporary file in $TMPDIR (when set), else /var/tmp or
 * /tmp; -1 if none can be made. */
static int
spill_file(void)
{
	const char *tmpdir = getenv("TMPDIR");
	const char *dirs[2] = { "/var/tmp", "/tmp" };
	if (tmpdir && tmpdir[0]) {
		dirs[0] = tmpdir;
		dirs[1] = NULL;
	}
	for (size_t i = 0; i < 2; i++) {
		char path[4096];
		int fd;
		if (dirs[i] == NULL || dirs[i][0] == '\0')
			continue;
		fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		/* file systems without O_TMPFILE */
		if ((size_t)snprintf(path, sizeof path, "%s/heapsift-XXXXXX", dirs[i]) >= sizeof path)
			continue;
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0) {
			unlink(path);
			return fd;
		}
	}
	return -1;
}

/* Decompresses into a temporary file mapped as a plain file is: its pages
 * are the page cache's, and io_dup_fd gives loaders a descriptor to read
 * from later.  1: no file could be made or written (a full disk): the
 * caller decompresses into memory instead. */
static int
io_spill(struct io *io, const uint8_t *in, size_t n, struct hs_error *err)
{
	struct obuf o = { .fd = spill_file(), .release_in = true, .limit = UINT64_MAX };
	struct rlimit rl;
	void *m;
	int r;

	if (o.fd < 0)
		return 1;
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		o.limit = (uint64_t)rl.rlim_cur;
	if (io->codec == IO_GZIP && (r = gz_parallel(in, n, o.fd, o.release_in, o.limit, &o.flushed,
	                                                  &io->members)) <= 0)
		o.failed = r < 0;	/* (could not empty the file) */
	else if (io->codec == IO_GZIP)
		r = io_gunzip(io, in, n, &o, err);
	else
		r = io_unzstd(io, in, n, &o, err);
	if (r == HS_OK && o.len)
		obuf_flush(&o);
	free(o.p);
	if (o.failed || (r == HS_OK && o.flushed > SIZE_MAX)) {
		close(o.fd);
		error_clear(err);
		return 1;
	}
	if (r != HS_OK) {
		close(o.fd);
		return r;
	}
	m = o.flushed ? mmap(NULL, (size_t)o.flushed, PROT_READ, MAP_PRIVATE, o.fd, 0) : NULL;
	if (m == MAP_FAILED) {
		close(o.fd);
		return 1;
	}
	io->data = m ? m : (const void *)"";
	io->size = (size_t)o.flushed;
	io->map = m;
	io->map_size = (size_t)o.flushed;
	io->fd = m ? o.fd : -1;
	if (m == NULL)
		close(o.fd);
	return HS_OK;
}

/* in is io_open's mapping of the file when own_in (its pages may be given
 * back: a spill that failed gave some, they come again from the page
 * cache), the caller's memory otherwise. */
static int
io_decompress(struct io *io, const uint8_t *in, size_t n, bool spill, bool own_in,
              struct hs_error *err)
{
	struct obuf o = { .fd = -1, .release_in = own_in };
	int r;

	if (spill && (r = io_spill(io, in, n, err)) != 1)
		return r;
	io->members = 0;	/* (a spill that failed may have counted them) */
	if (io->codec == IO_GZIP)
		r = io_gunzip(io, in, n, &o, err);
	else
		r = io_unzstd(io, in, n, &o, err);
	if (r != HS_OK) {
		if (o.p)
			munmap(o.p, o.cap);
		return r;
	}
	if (o.p == NULL && obuf_reserve(&o, 1) != 0)
		return error_set(err, HS_EIO, io->path, "out of memory");
	io->data = o.p;
	io->size = o.len;
	io->map = o.p;
	io->map_size = o.cap;
	return HS_OK;
}

static int
io_open_spill(struct io *io, const char *path, bool spill, struct hs_error *err)
{
	struct stat st;
	void *m = NULL;
	int fd, r;

	memset(io, 0, sizeof *io);
	io->path = path;
	io->fd = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, HS_EIO, path, "%s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		r = errno;
		close(fd);
		return error_set(err, HS_EIO, path, "%s", strerror(r));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, HS_EIO, path, "not a regular file");
	}
	if (st.st_size > 0) {
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			r = errno;
			close(fd);
			return error_set(err, HS_EIO, path, "mmap: %s", strerror(r));
		}
	}
	io->codec = io_sniff(m, (size_t)st.st_size);
	if (io->codec == IO_PLAIN) {
		if (m)
			io->fd = fd;	/* kept for io_dup_fd */
		else
			close(fd);
		/* an empty file has no mapping: data still points somewhere, so
		 * that loaders may compute data + 0 */
		io->data = m ? m : (const void *)"";
		io->size = (size_t)st.st_size;
		io->map = m;
		io->map_size = (size_t)st.st_size;
		if (m)
			madvise(m, io->size, MADV_NORMAL);
		return HS_OK;
	}
	close(fd);
	madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	r = io_decompress(io, m, (size_t)st.st_size, spill, true, err);
	munmap(m, (size_t)st.st_size);
	return r;
}

int
io_open(struct io *io, const char *path, struct hs_error *err)
{
	return io_open_spill(io, path, false, err);
}

int
io_open_seekable(struct io *io, const char *path, struct hs_error *err)
{
	return io_open_spill(io, path, true, err);
}

size_t
io_head(const char *path, uint8_t *buf, size_t size, enum io_codec *codec)
{
	uint8_t in[65536];
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*codec = IO_PLAIN;
	if (fd < 0)
		return 0;
	n = read(fd, in, sizeof in);
	close(fd);
	if (n <= 0)
		return 0;
	*codec = io_sniff(in, (size_t)n);
	if (*codec == IO_PLAIN) {
		got = (size_t)n < size ? (size_t)n : size;
		memcpy(buf, in, got);
	} else if (*codec == IO_GZIP) {
		z_stream zs;
		memset(&zs, 0, sizeof zs);
		if (inflateInit2(&zs, 15 + 32) != Z_OK)
			return 0;
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		zs.next_out = buf;
		zs.avail_out = (uInt)size;
		inflate(&zs, Z_SYNC_FLUSH);
		got = size - zs.avail_out;
		inflateEnd(&zs);
	} else {
		ZSTD_DStream *zs = ZSTD_createDStream();
		ZSTD_inBuffer ib = { in, (size_t)n, 0 };
		ZSTD_outBuffer ob = { buf, size, 0 };
		if (zs == NULL || ZSTD_isError(ZSTD_initDStream(zs))) {
			ZSTD_freeDStream(zs);
			return 0;
		}
		while (ob.pos < ob.size && ib.pos < ib.size) {
			size_t before = ib.pos + ob.pos;
			if (ZSTD_isError(ZSTD_decompressStream(zs, &ob, &ib)) || ib.pos + ob.pos == before)
				break;
		}
		got = ob.pos;
		ZSTD_freeDStream(zs);
	}
	return got;
}

int
io_open_mem(struct io *io, const char *name, const void *data, size_t size,
            struct hs_error *err)
{
	memset(io, 0, sizeof *io);
	io->path = name;
	io->fd = -1;
	if (data == NULL)
		data = "";	/* as io_open: data is never NULL */
	io->codec = io_sniff(data, size);
	if (io->codec == IO_PLAIN) {
		io->data = data;
		io->size = size;
		return HS_OK;
	}
	return io_decompress(io, data, size, false, false, err);
}

void
io_release(struct io *io, size_t offset)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t end;

	if (io->map == NULL || pg <= 0)
		return;
	if (offset > io->size)
		offset = io->size;
	end = offset & ~((size_t)pg - 1);
	if (end <= io->released)
		return;
	madvise((uint8_t *)io->map + io->released, end - io->released, MADV_DONTNEED);
	io->released = end;
}

void
io_release_range(struct io *io, size_t from, size_t to)
{
	if (io->map == NULL || to <= from || to > io->map_size)
		return;
	madvise((uint8_t *)io->map + from, to - from, MADV_DONTNEED);
}

int
io_dup_fd(const struct io *io)
{
	if (io->map == NULL || io->fd < 0)
		return -1;
	return fcntl(io->fd, F_DUPFD_CLOEXEC, 0);
}

bool
io_file_backed(const struct io *io)
{
	return io->map != NULL && io->fd >= 0;
}

void
io_close(struct io *io)
{
	if (io->map && io->fd >= 0)
		close(io->fd);
	if (io->map)
		munmap(io->map, io->map_size);
	memset(io, 0, sizeof *io);
}
