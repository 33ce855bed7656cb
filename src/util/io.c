#include "config.h"

#include <errno.h>
#include <fcntl.h>
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
	if (io->codec == IO_GZIP)
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
