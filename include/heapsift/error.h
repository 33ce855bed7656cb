/* error: errors are values.  Loaders and analyses return a status and fill a
 * struct hs_error with "FILE: offset N: what is wrong"; only main.c and the
 * TUI decide to exit.  The caller owns the struct (usually on its stack). */
#ifndef HEAPSIFT_ERROR_H
#define HEAPSIFT_ERROR_H

#include <stdint.h>

enum hs_status {
	HS_OK = 0,
	HS_EINPUT = -1,		/* the input is malformed or unsupported */
	HS_EIO = -2,		/* the input cannot be read */
	HS_ECANCEL = -3,	/* the user cancelled (Ctrl-C while loading) */
};

struct hs_error {
	enum hs_status status;
	uint64_t offset;	/* error_at's offset; UINT64_MAX for error_set */
	char msg[1024];
};

/* "FILE: offset N: MESSAGE".  Returns status (so loaders can
 * `return error_at(...)`).  A second call does not overwrite the first. */
int error_at(struct hs_error *err, enum hs_status status, const char *file,
             uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* "FILE: MESSAGE" (file may be NULL: "MESSAGE"). */
int error_set(struct hs_error *err, enum hs_status status, const char *file,
              const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void error_clear(struct hs_error *err);

#endif
