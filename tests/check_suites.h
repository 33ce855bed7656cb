/* The Check runner's suites and their shared helpers. */
#ifndef HEAPSIFT_CHECK_SUITES_H
#define HEAPSIFT_CHECK_SUITES_H

#include <check.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "heapsift/heap.h"

Suite *suite_util(void);
Suite *suite_dom(void);
Suite *suite_v8(void);
Suite *suite_rules(void);
Suite *suite_export(void);
Suite *suite_tree(void);
Suite *suite_sym(void);
Suite *suite_trace(void);
Suite *suite_pprof(void);
Suite *suite_heap(void);
Suite *suite_hprof(void);

/* A heap built from a small description, analysed with the generic rules:
 * nodes 0..n-1 (0 is the root), each of size sizes[i] (or 1 when sizes is
 * NULL); edges "a>b" (retaining) and "a~b" (weak), separated by spaces. */
struct heap *tgraph(uint32_t n, const char *edges, const uint32_t *sizes);
/* The same with node i named "c<cls[i]>" (its class; all "node" when cls
 * is NULL), analysed as for the TUI when interactive. */
struct heap *tgraph_ex(uint32_t n, const char *edges, const uint32_t *sizes, const uint32_t *cls,
                       bool interactive);

/* Path of a file under the source tree's tests/data (top_srcdir from the
 * environment, as make check sets it).  Static buffer. */
const char *test_data(const char *rel);

/* The whole file (decompressed if gzip or zstd), NUL-terminated; NULL if
 * unreadable.  Caller frees. */
char *test_slurp(const char *path, size_t *len);

#endif
