/* xalloc: allocation that cannot fail.  On out-of-memory or when a size
 * computation overflows, the process prints a message and aborts (tmux's
 * xmalloc.c contract).  Callers own what these return and free it with free(). */
#ifndef HEAPSIFT_XALLOC_H
#define HEAPSIFT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xmallocarray(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows *ptr (of *cap elements of size) so that it holds at least need
 * elements, doubling.  Aborts on overflow. */
void xgrow(void **ptr, size_t *cap, size_t need, size_t size);

#define XGROW(p, cap, need) xgrow((void **)&(p), &(cap), (need), sizeof(*(p)))

/* Gives the pages of freed memory back to the system (glibc keeps what is
 * freed below 32 MiB in its heap: tens of MB after a big load).  Call
 * between phases; a no-op where malloc_trim() does not exist. */
void xalloc_trim(void);

#endif
