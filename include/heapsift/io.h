/* io: a whole input file as one contiguous, read-only byte range.
 * Plain files are mmap'd; gzip and zstd files (recognised by their magic
 * bytes, whatever their name) are decompressed into anonymous memory that
 * grows with the data actually decompressed, never with a declared size.
 * The struct io owns the bytes; io_close() releases them. */
#ifndef HEAPSIFT_IO_H
#define HEAPSIFT_IO_H

#include <stddef.h>
#include <stdint.h>

#include "heapsift/error.h"

enum io_codec { IO_PLAIN, IO_GZIP, IO_ZSTD };

struct io {
	const char *path;	/* borrowed from the caller, used in errors */
	const uint8_t *data;
	size_t size;
	enum io_codec codec;
	/* private */
	void *map;
	size_t map_size;
	size_t released;	/* bytes before this offset were given back */
	int fd;			/* a plain file's descriptor, or -1 */
};

/* Opens path.  On failure fills err (status HS_EIO or HS_EINPUT) and returns
 * it; *io is then empty and io_close() is still safe. */
int io_open(struct io *io, const char *path, struct hs_error *err);

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

/* A descriptor of a plain file's own open file (a dup, the caller's to
 * close), for reading parts of it after io_close(); -1 for compressed or
 * in-memory input. */
int io_dup_fd(const struct io *io);

void io_close(struct io *io);

const char *io_codec_name(enum io_codec codec);

#endif
