#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "heapsift/xalloc.h"

static void __attribute__((noreturn))
xalloc_fail(const char *what, size_t a, size_t b)
{
	fprintf(stderr, "heapsift: %s: cannot allocate %zu x %zu bytes\n", what, a, b);
	abort();
}

/* Large arrays (the model's columns) are touched once each, end to end:
 * with 4 KiB pages that is a page fault per 4 KiB, which costs a quarter of
 * the run on a virtual machine.  Asking for transparent huge pages on the
 * 2 MiB-aligned inside of big blocks (glibc serves them with mmap, still
 * untouched) makes it one fault per 2 MiB.  Only where the system leaves THP
 * to madvise; a no-op elsewhere. */
#define HUGE_MIN ((size_t)4 << 20)
#define HUGE_ALIGN ((size_t)2 << 20)

static void
xalloc_huge(void *p, size_t size)
{
	uintptr_t start, end;
	if (size < HUGE_MIN)
		return;
	start = ((uintptr_t)p + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1);
	end = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_ALIGN - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		xalloc_fail("xmalloc", 1, size);
	xalloc_huge(p, size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (p == NULL)
		xalloc_fail("xcalloc", nmemb, size);
	if (SIZE_MAX / nmemb >= size)
		xalloc_huge(p, nmemb * size);
	return p;
}

void *
xmallocarray(size_t nmemb, size_t size)
{
	return xreallocarray(NULL, nmemb, size);
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (SIZE_MAX / nmemb < size)
		xalloc_fail("xreallocarray (overflow)", nmemb, size);
	p = realloc(ptr, nmemb * size);
	if (p == NULL)
		xalloc_fail("xreallocarray", nmemb, size);
	xalloc_huge(p, nmemb * size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	if (n == SIZE_MAX)
		xalloc_fail("xstrndup (overflow)", n, 1);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		xalloc_fail("xasprintf", 0, 0);
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
xgrow(void **ptr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	if (need <= *cap)
		return;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			xalloc_fail("xgrow (overflow)", need, size);
		ncap *= 2;
	}
	*ptr = xreallocarray(*ptr, ncap, size);
	*cap = ncap;
}

void
xalloc_trim(void)
{
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}
