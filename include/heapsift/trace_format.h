/* trace_format: heapsift's allocation trace file (heapsift-trace(5)), the
 * constants and encoders the recorder and the loader share.
 *
 * File: a 16-byte header ("HSTRACE1", u32 version, u32 sample bytes, both
 * little-endian), then blocks: u32 compressed size, u32 raw size, one zstd
 * frame of that many bytes holding raw-size bytes of events.  A block
 * decodes on its own: addresses are deltas from the previous one in the
 * same block (starting at 0); stack ids and times run over the whole file.
 *
 * Events (a tag byte, then LEB128 varints; "z" marks a zigzag delta):
 *   STACK   parent ip          the next stack node (ids from 1; parent 0 is
 *                              the root): ip called from parent's frame
 *   ALLOC   stack size z:addr dt
 *   REALLOC z:old stack size z:addr dt   old is freed, addr allocated
 *   FREE    z:addr
 *   MAPS_BEGIN dt              a new module list follows (it replaces the last)
 *   MAP     start end offset len path    one file-backed mapping (version 1)
 *   END     dt                 the program ended normally
 *   MODULE  bias idlen id[idlen] len path nseg {vaddr memsz flags}*nseg
 *                              one loaded ELF module (version 2): its load
 *                              bias, GNU build ID, path and PT_LOAD segments
 * dt: microseconds since the previous timed event (the first since start).
 * A stack node is symbolized with the module list in force when it was
 * sent; the recorder sends stacks anew after a module was unloaded. */
#ifndef HEAPSIFT_TRACE_FORMAT_H
#define HEAPSIFT_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TRACE_MAGIC "HSTRACE1"
#define TRACE_VERSION 2
#define TRACE_VERSION_MIN 1	/* the oldest the loader reads */
#define TRACE_PATH_MAX 4096	/* bytes of a module's path */
#define TRACE_BUILD_ID_MAX 64	/* bytes of a build ID */
#define TRACE_SEGMENTS_MAX 256	/* segments of a module */
#define TRACE_HEADER_SIZE 16
#define TRACE_BLOCK_MAX (1u << 20)	/* raw bytes a block may hold */

enum {
	TRACE_EV_STACK = 1,
	TRACE_EV_ALLOC = 2,
	TRACE_EV_REALLOC = 3,
	TRACE_EV_FREE = 4,
	TRACE_EV_MAPS_BEGIN = 5,
	TRACE_EV_MAP = 6,
	TRACE_EV_END = 7,
	TRACE_EV_MODULE = 8,
};

static inline void
trace_put_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t
trace_get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline size_t
trace_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Reads a varint at *pos (< end); returns 0 on a cut or overlong one. */
static inline int
trace_get_varint(const uint8_t *p, size_t end, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;
		if (*pos >= end)
			return 0;
		b = p[(*pos)++];
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 1;
		}
	}
	return 0;
}

static inline uint64_t
trace_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t
trace_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline void
trace_header(uint8_t *h, uint64_t sample_bytes)
{
	memcpy(h, TRACE_MAGIC, 8);
	trace_put_u32le(h + 8, TRACE_VERSION);
	trace_put_u32le(h + 12, sample_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)sample_bytes);
}

#endif
