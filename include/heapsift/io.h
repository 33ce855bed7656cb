/* io: a whole input file as one contiguous, read-only byte range.
 * Plain files are mmap'd; gzip and zstd files (recognised by their magic
 * bytes, whatever their name) are decompressed into anonymous memory that
 * grows with the data actually decompressed, never with a declared size,
 * or (io_open_seekable) into an unlinked temporary file mapped as a plain
 * file is.  The struct io owns the bytes; io_close() releases them. */
#ifndef HEAPSIFT_IO_H
#define HEAPSIFT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapsift/error.h"

enum io_codec { IO_PLAIN, IO_GZIP, IO_ZSTD };

struct io {
	const char *path;	/* borrowed from the caller, used in errors */
	const uint8_t *data;
	size_t size;
	enum io_codec codec;
	size_t members;		/* gzip members inflated on every core at once
				 * (a HotSpot dump's); 0: as one stream */
	/* private */
	void *map;
	size_t map_size;
	size_t released;	/* bytes before this offset were given back */
	int fd;			/* the mapped file's descriptor, or -1 */
};

/* Opens path.  On failure fills err (status HS_EIO or HS_EINPUT) and returns
 * it; *io is then empty and io_close() is still safe. */
int io_open(struct io *io, const char *path, struct hs_error *err);
/* The same, but a compressed file goes into an unlinked temporary file in
 * $TMPDIR if set, else /var/tmp or /tmp (memory if none can be made or the
 * disk fills), a HotSpot dump's gzip members inflated on every core:
 * for loaders that read the data in several passes and parts of it again
 * later (io_dup_fd), so that what they give back is the page cache's. */
int io_open_seekable(struct io *io, const char *path, struct hs_error *err);
/* Up to size bytes of the start of path, decompressed (for picking a
 * loader before opening); how many, 0 on any error.  *codec says how the
 * file is stored. */
size_t io_head(const char *path, uint8_t *buf, size_t size, enum io_codec *codec);

/* Same over a caller-owned memory range (tests, fuzzers); compressed data is
 * decompressed into memory owned by *io.  The range must outlive *io when it
 * is not compressed. */
int io_open_mem(struct io *io, const char *name, const void *data, size_t size,
                struct hs_error *err);

/* Tells the kernel the bytes before offset will not be read again, so that a
 * streaming parser's resident memory stays small.  Optional. */
void io_release(struct io *io, size_t offset);
/* The same for the page-aligned range [from, to); keeps no state, so
 * threads may release disjoint ranges concurrently. */
void io_release_range(struct io *io, size_t from, size_t to);

/* A descriptor of the mapped file (a dup, the caller's to close): a plain
 * file's own, or the temporary file of io_open_seekable; for reading parts
 * of it after io_close().  -1 for input decompressed into memory or
 * given in memory. */
int io_dup_fd(const struct io *io);

/* Are the bytes a mapped file's (a plain file, or io_open_seekable's
 * temporary file)?  Then pages given back come again from the page cache
 * when read again, cheaply; memory's would be gone. */
bool io_file_backed(const struct io *io);

void io_close(struct io *io);

const char *io_codec_name(enum io_codec codec);

#endif
