/* report: `heapsift report` — the summary, the top classes / constructors
 * and the top objects by retained size, composed from the views of the same
 * names (so the numbers are the panes' and the exports').  Borrows the heap. */
#ifndef HEAPSIFT_REPORT_H
#define HEAPSIFT_REPORT_H

#include <stdio.h>

#include "heapsift/export.h"
#include "heapsift/heap.h"

/* format: text, csv or json; top: rows in each table.  0, or -1 on a write
 * error. */
int report_write(struct heap *h, enum export_format format, size_t top, FILE *out);

struct trace;
/* An allocation trace's report: its summary, then the top call sites by
 * peak, by calls, by temporary allocations and by leaked bytes. */
int report_write_trace(struct trace *t, enum export_format format, size_t top, FILE *out);

#endif
