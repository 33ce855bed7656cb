/* heapsift: parse the command line, dispatch.  Exit status: 0 success,
 * 1 usage error, 2 bad or unreadable input (man/heapsift.1, EXIT STATUS). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heapsift/analyze.h"
#include "heapsift/diff.h"
#include "heapsift/export.h"
#include "heapsift/heap.h"
#include "heapsift/load.h"
#include "heapsift/report.h"
#include "heapsift/sym.h"
#include "heapsift/trace.h"
#include "heapsift/xalloc.h"
#include "heapsift/tui.h"
#include "heapsift/view.h"

#define EXIT_USAGE 1
#define EXIT_INPUT 2

#define OPT_SAMPLE_INDEX 0x100	/* long options only: --sample-index */
#define OPT_DEBUG_DIR 0x101	/* --debug-dir */

static const char *progname = "heapsift";

static void
usage(FILE *out)
{
	fprintf(out,
	        "Usage: %s [OPTIONS] FILE\n"
	        "       %s report FILE [--top N] [--format text|json|csv]\n"
	        "       %s export FILE --view VIEW [--format text|csv|tsv|json] [--top N]\n"
	        "                 [--depth N] [--sort COLUMN[:asc|:desc]] [--object ID]\n"
	        "       %s diff BASE TARGET [--format text|csv|tsv|json] [--top N] [--sort COLUMN]\n"
	        "                 [--depth 2: each class's new objects]\n"
	        "       %s diff TRACE --from TIME --to TIME [...]\n"
	        "       %s diff BASE TARGET FINAL [...]\n"
	        "       %s check BASE TARGET --max-growth BYTES|PERCENT%% [--class PATTERN]\n"
	        "       %s record [-o FILE] [--sample BYTES] [--] CMD [ARGS...]\n"
	        "       %s symbolize -e FILE [-f] [-i] [-C] [-a] [--json] [--debug-dir DIR] [ADDR...]\n"
	        "       %s --help | --version\n"
	        "\n"
	        "Find what holds the memory in a heap dump.  On a terminal, FILE opens in an\n"
	        "interactive viewer (press ? there for the keys).\n"
	        "\n"
	        "Commands:\n"
	        "  report   summary, top classes and top objects by retained size\n"
	        "  export   one view's rows as text, CSV, TSV or JSON\n"
	        "  diff     what changed between two dumps (per class) or traces (per call site)\n"
	        "  check    exit status 3 when TARGET grew more than the limit over BASE (for CI)\n"
	        "  record   run CMD with the allocation recorder; the trace opens like a dump\n"
	        "  symbolize  addresses of an ELF file to functions, files and lines, inline\n"
	        "           frames too (addr2line's layout; see heapsift(1))\n"
	        "\n"
	        "Options:\n"
	        "  -f, --format FMT        output format (report: text, json, csv; export: also tsv)\n"
	        "  -n, --top N             rows per table or tree level (report default 20)\n"
	        "  -v, --view VIEW         export: the view to write\n"
	        "  -d, --depth N           export: tree levels to write (default 1)\n"
	        "  -s, --sort COL[:DIR]    export: sort by column COL, asc or desc\n"
	        "  -o, --object ID         export: the object of the retainers and inspect views\n"
	        "  -I, --input-format FMT  read FILE as FMT instead of recognising it\n"
	        "  -R, --reachable-only    classes count only objects a root reaches\n"
	        "      --sample-index T    pprof: the sample type to sort by first (a name like\n"
	        "                          alloc_space, or its index; default: the profile's,\n"
	        "                          inuse_space for heap profiles)\n"
	        "  -L, --java-layout R/H[/A] hprof: size objects with R-byte references, an\n"
	        "                          H-byte header (4/12, 8/16, 4/16, 8/12; 4/8: a 32-bit\n"
	        "                          VM) and A-byte alignment (8, 16); default: told\n"
	        "                          from the dump\n"
	        "  -q, --quiet             no progress on standard error\n"
	        "      --debug-dir DIR     traces: look for modules by build ID and for debug\n"
	        "                          files under DIR (default /usr/lib/debug)\n"
	        "  -a, --ascii             draw with ASCII only (default when the locale is not UTF-8)\n"
	        "  -k, --keys              the interactive keys\n"
	        "  -h, --help              this help\n"
	        "  -V, --version           the version\n"
	        "\n"
	        "Views:\n",
	        progname, progname, progname, progname, progname, progname, progname, progname,
	        progname, progname);
	for (size_t i = 0; heap_views[i]; i++)
		fprintf(out, "  %-12s %s\n", heap_views[i]->name, heap_views[i]->help);
	fprintf(out, "\nViews of allocation traces (heapsift record):\n");
	for (size_t i = 0; trace_views[i]; i++)
		fprintf(out, "  %-12s %s\n", trace_views[i]->name, trace_views[i]->help);
	fprintf(out, "\nInput formats (recognised by content; gzip and zstd are read too):\n");
	for (size_t i = 0; loaders[i]; i++)
		fprintf(out, "  %-12s %s\n", loaders[i]->name, loaders[i]->description);
	fprintf(out, "\nSee heapsift(1) for columns, keys and exit statuses.\n");
}

/* getopt has said what was wrong with the option. */
static int
try_help(void)
{
	fprintf(stderr, "Try '%s --help'.\n", progname);
	return EXIT_USAGE;
}

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", progname);
	return EXIT_USAGE;
}

static bool
parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	/* decimal, or hexadecimal with 0x (Java addresses as MAT shows them) */
	v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* --sort COL[:DIR] for v: a column as v shows it, or one of its view's
 * own names (a profile renames the measure columns after its sample
 * types: leaked_bytes is inuse_space, and both are accepted). */
static bool
sort_parse(const struct view *v, const char *s, struct export_opts *o)
{
	const struct view_ops *ops = v->ops;
	size_t n = strcspn(s, ":");
	if (export_sort_parse(v, s, o))
		return true;
	for (size_t i = 0; i < ops->ncols; i++)
		if (strlen(ops->cols[i].name) == n && strncmp(ops->cols[i].name, s, n) == 0)
			for (size_t c = 0; c < v->ncols; c++)
				if (v->colmap[c] == i) {
					char *name = xasprintf("%s%s", v->cols[c].name, s + n);
					bool ok = export_sort_parse(v, name, o);
					free(name);
					return ok;
				}
	return false;
}

/* The same before anything is loaded: a view's own column names. */
static bool
sort_parse_ops(const struct view_ops *ops, const char *s, struct export_opts *o)
{
	struct view probe = { .ops = ops, .cols = ops->cols, .ncols = ops->ncols };
	return export_sort_parse(&probe, s, o);
}

struct cli {
	const char *command;	/* NULL: open FILE */
	const char *file;
	const char *input_format;
	const char *format;
	const char *view;
	const char *sort;
	const char *object;
	unsigned long top, depth;
	bool top_set, depth_set, quiet, ascii, reachable_only;
};

/* A trace's modules whose frames are addresses, on standard error. */
static void
warn_unmatched(const struct trace *t)
{
	for (uint32_t k = 0; k < t->unmatched_count; k++) {
		const struct trace_module *u = &t->unmatched[k];
		if (k == 8) {
			fprintf(stderr, "%s: warning: %s: %" PRIu32 " more modules like these\n", progname,
			        t->path, t->unmatched_count - k);
			break;
		}
		if (u->changed)
			fprintf(stderr, "%s: warning: %s: %s is not the file that was recorded (its build ID "
			        "differs: rebuilt since?) and no file with build ID %s was found: its frames "
			        "are shown as addresses\n", progname, t->path, u->path, u->build_id);
		else if (u->build_id[0])
			fprintf(stderr, "%s: warning: %s: %s cannot be read and no file with build ID %s was "
			        "found: its frames are shown as addresses\n", progname, t->path, u->path,
			        u->build_id);
		else
			fprintf(stderr, "%s: warning: %s: %s cannot be read: its frames are shown as "
			        "addresses\n", progname, t->path, u->path);
	}
}

static int
load_and_analyse(const struct cli *c, struct model *m)
{
	struct hs_error err;
	struct progress prog = { 0 }, *pp = NULL;
	int r;

	error_clear(&err);
	if (getenv("HEAPSIFT_TIMES")) {
		prog.fn = progress_times;
		pp = &prog;
	} else if (!c->quiet && isatty(STDERR_FILENO)) {
		prog.fn = progress_stderr;
		pp = &prog;
	}
	r = load_file(c->file, c->input_format, pp, m, &err);
	if (r == HS_OK && m->kind == MODEL_HEAP) {
		m->heap->reachable_only = c->reachable_only;
		r = analyze_heap(m->heap, pp, &err);
	}
	if (pp)
		pp->fn(NULL, NULL, 0, 0);
	if (r != HS_OK) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		model_free(m);
		return EXIT_INPUT;
	}
	if (m->kind == MODEL_TRACE)
		warn_unmatched(m->trace);
	return 0;
}

static int
write_result(int r)
{
	if (r != 0 || fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing the output: %s\n", progname, strerror(errno));
		return EXIT_INPUT;
	}
	return 0;
}

static int
cmd_report(const struct cli *c)
{
	enum export_format f = EXPORT_TEXT;
	struct model m;
	int r;

	if (c->format && (!export_format_parse(c->format, &f) || f == EXPORT_TSV))
		return usage_error("report: --format must be text, json or csv, not '%s'", c->format);
	if (c->view || c->sort || c->depth_set || c->object)
		return usage_error("report: --view, --sort, --depth and --object belong to export");
	r = load_and_analyse(c, &m);
	if (r)
		return r;
	if (m.kind == MODEL_TRACE)
		r = report_write_trace(m.trace, f, c->top_set ? c->top : 20, stdout);
	else
		r = report_write(m.heap, f, c->top_set ? c->top : 20, stdout);
	model_free(&m);
	return write_result(r);
}

/* --format folded: an allocation trace's stacks for flame graphs, weighted
 * by the --sort measure (default: allocations, as heaptrack's, or the
 * file's main measure when it has no allocations). */
static int
cmd_export_folded(const struct cli *c)
{
	enum trace_measure_kind k = TRACE_ALLOCATIONS;
	struct model m;
	char names[256];
	int r;

	r = load_and_analyse(c, &m);
	if (r)
		return r;
	if (m.kind != MODEL_TRACE) {
		model_free(&m);
		return usage_error("export: --format folded is for allocation traces");
	}
	if (!trace_measure_pick(m.trace, c->sort, &k)) {
		r = usage_error("export --format folded: --sort wants one of the file's measures (%s), "
		                "not '%s'", trace_measure_list(m.trace, names, sizeof names),
		                c->sort ? c->sort : "");
		model_free(&m);
		return r;
	}
	r = trace_write_folded(m.trace, k, stdout);
	model_free(&m);
	return write_result(r);
}

static int
cmd_export(const struct cli *c)
{
	const struct view_ops *ops;
	struct export_opts o;
	struct model m;
	struct view *v;
	uint64_t object_id = 0;
	int r;

	export_opts_init(&o);
	if (c->format && strcmp(c->format, "folded") == 0)
		return cmd_export_folded(c);
	if (c->view == NULL)
		return usage_error("export: which view? (--view NAME; see --help)");
	ops = view_find(c->view);
	if (ops == NULL)
		ops = trace_view_find(c->view);
	if (ops == NULL)
		return usage_error("export: no view named '%s' (see --help)", c->view);
	if (c->format && !export_format_parse(c->format, &o.format))
		return usage_error("export: --format must be text, csv, tsv or json, not '%s'", c->format);
	if (c->top_set)
		o.top = c->top;
	if (c->depth_set) {
		if (c->depth == 0)
			return usage_error("export: --depth must be at least 1");
		o.depth = (unsigned)c->depth;
	}
	if (c->sort && view_find(c->view)) {
		/* Checked before loading: a typo should not cost a load (a
		 * trace's columns are known once it is loaded: a profile names
		 * its measures). */
		if (!sort_parse_ops(ops, c->sort, &o))
			return usage_error("export: view '%s' has no column '%s' (see heapsift(1))",
			                   ops->name, c->sort);
	}
	if (ops->needs_subject && c->object == NULL)
		return usage_error("export: view '%s' is about one object: give --object ID", ops->name);
	if (c->object) {
		const char *s = c->object[0] == '@' ? c->object + 1 : c->object;
		if (!ops->needs_subject)
			return usage_error("export: view '%s' takes no --object", ops->name);
		if (!parse_u64(s, &object_id))
			return usage_error("--object wants an object id (like 12345, @12345 or 0x3039), not '%s'",
			                   c->object);
	}
	r = load_and_analyse(c, &m);
	if (r)
		return r;
	if (m.kind == MODEL_TRACE) {
		/* the trace views of the same name (summary) */
		const struct view_ops *tops = trace_view_find(c->view);
		if (tops == NULL) {
			model_free(&m);
			return usage_error("export: view '%s' is for heap dumps; a trace has %s", c->view,
			                   "summary and callsites");
		}
		v = view_new_trace(tops, m.trace);
		if (c->sort && !sort_parse(v, c->sort, &o)) {
			view_free(v);
			model_free(&m);
			return usage_error("export: view '%s' has no column '%s' (see heapsift(1))",
			                   tops->name, c->sort);
		}
		r = export_view(v, &o, stdout);
		view_free(v);
		model_free(&m);
		return write_result(r);
	}
	if (view_find(c->view) == NULL) {
		model_free(&m);
		return usage_error("export: view '%s' is for allocation traces", c->view);
	}
	ops = view_find(c->view);
	v = view_new(ops, m.heap);
	if (ops->needs_subject) {
		v->subject = heap_find_id(m.heap, object_id);
		if (v->subject == HEAP_NONE) {
			char id[24];
			heap_format_id(m.heap, object_id, id, sizeof id);
			fprintf(stderr, "%s: %s has no object with id %s\n", progname, c->file, id);
			view_free(v);
			model_free(&m);
			return EXIT_USAGE;
		}
	}
	r = export_view(v, &o, stdout);
	view_free(v);
	model_free(&m);
	return write_result(r);
}

/* --- diff and check ------------------------------------------------------------ */

#define EXIT_GREW 3

struct loader_job {
	struct cli c;
	struct model m;
	int r;
};

static void *
load_job(void *arg)
{
	struct loader_job *j = arg;
	j->r = load_and_analyse(&j->c, &j->m);
	return NULL;
}

/* Loads n files (2 or 3) of one kind, all but the first on threads of
 * their own.  On failure nothing is left loaded. */
static int
load_models(char *const *files, int n, struct model *m)
{
	struct loader_job j[3];
	pthread_t th[3];
	bool threaded[3] = { false, false, false };
	int r = 0;

	memset(j, 0, sizeof j);
	for (int k = 0; k < n; k++) {
		/* no progress lines from loads running at once */
		j[k].c.quiet = true;
		j[k].c.file = files[k];
	}
	for (int k = 1; k < n; k++)
		threaded[k] = pthread_create(&th[k], NULL, load_job, &j[k]) == 0;
	load_job(&j[0]);
	for (int k = 1; k < n; k++) {
		if (threaded[k])
			pthread_join(th[k], NULL);
		else
			load_job(&j[k]);
	}
	for (int k = 0; k < n && r == 0; k++)
		r = j[k].r;
	for (int k = 1; k < n && r == 0; k++)
		if (j[k].m.kind != j[0].m.kind) {
			fprintf(stderr, "%s: %s and %s are not of one kind (a heap dump and a trace)\n",
			        progname, files[0], files[k]);
			r = EXIT_INPUT;
		}
	for (int k = 0; k < n; k++) {
		if (r && j[k].r == 0)
			model_free(&j[k].m);
		m[k] = j[k].m;
	}
	return r;
}

/* The diff of two loaded models of one kind. */
static struct diff *
diff_models(struct model m[2])
{
	return m[0].kind == MODEL_TRACE ? diff_traces(m[0].trace, m[1].trace)
	                                : diff_heaps(m[0].heap, m[1].heap);
}

/* 1500ms, 2.5s, 3m; a bare number is milliseconds.  In microseconds. */
static bool
parse_time(const char *s, uint64_t *us)
{
	char *end;
	double v;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return false;
	if (strcmp(end, "s") == 0)
		v *= 1e6;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		v *= 60e6;
	else if (strcmp(end, "ms") == 0 || *end == '\0')
		v *= 1e3;
	else if (strcmp(end, "us") == 0)
		;
	else
		return false;
	if (v > 1.8e19)
		return false;
	*us = (uint64_t)v;
	return true;
}

static int
cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "depth", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "sample-index", required_argument, NULL, OPT_SAMPLE_INDEX },
		{ "quiet", no_argument, NULL, 'q' },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_opts o;
	const char *sort = NULL;
	struct model m[3];
	struct diff *d = NULL;
	struct view *v;
	bool quiet = false, folded = false, moments;
	uint64_t top, from = UINT64_MAX, to = UINT64_MAX;
	int opt, r, nm;

	export_opts_init(&o);
	while ((opt = getopt_long(argc, argv, "F:T:d:f:n:s:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (!parse_u64(optarg, &top) || top == 0 || top > 64)
				return usage_error("diff: --depth wants 1 to 64, not '%s'", optarg);
			o.depth = (unsigned)top;
			break;
		case 'F':
		case 'T':
			if (!parse_time(optarg, opt == 'F' ? &from : &to))
				return usage_error("--%s wants a time since the start (like 1500ms, 2.5s, 3m), "
				                   "not '%s'", opt == 'F' ? "from" : "to", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "folded") == 0)
				folded = true;
			else if (!export_format_parse(optarg, &o.format))
				return usage_error("diff: --format must be text, csv, tsv, json or folded, "
				                   "not '%s'", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, &top))
				return usage_error("--top wants a number, not '%s'", optarg);
			o.top = (size_t)top;
			break;
		case 's': sort = optarg; break;
		case OPT_SAMPLE_INDEX:
			if (optarg[0] == '\0')
				return usage_error("--sample-index wants a sample type or its index");
			pprof_sample_index = optarg;
			break;
		case 'q': quiet = true; break;
		case OPT_DEBUG_DIR: trace_debug_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			return try_help();
		}
	}
	moments = from != UINT64_MAX || to != UINT64_MAX;
	nm = moments ? 2 : argc - optind;
	if (moments && argc - optind != 1)
		return usage_error("diff: --from and --to take one trace");
	if (!moments && nm != 2 && nm != 3)
		return usage_error("diff: two files (heapsift diff BASE TARGET), three (BASE TARGET "
		                   "FINAL), or one trace with --from and --to");
	if (moments) {
		/* one trace, as it stood at two moments */
		struct cli c;
		memset(&c, 0, sizeof c);
		c.quiet = quiet;
		c.file = argv[optind];
		if (from == UINT64_MAX)
			from = 0;
		if (to < from)
			return usage_error("diff: --to comes before --from");
		trace_stop_us = from;
		if ((r = load_and_analyse(&c, &m[0])) != 0)
			return r;
		trace_stop_us = to;
		r = load_and_analyse(&c, &m[1]);
		trace_stop_us = UINT64_MAX;
		if (r) {
			model_free(&m[0]);
			return r;
		}
		if (m[0].kind != MODEL_TRACE) {
			model_free(&m[0]);
			model_free(&m[1]);
			return usage_error("diff: --from and --to are for allocation traces");
		}
	} else if ((r = load_models(argv + optind, nm, m)) != 0) {
		return r;
	}
	if (nm == 3) {
		/* three dumps: what target added that final still has */
		d = m[0].kind == MODEL_HEAP ? diff_leaks(m[0].heap, m[1].heap, m[2].heap) : NULL;
		if (d == NULL) {
			fprintf(stderr, "%s: three dumps need objects that keep their ids from one dump to "
			        "the next: V8 snapshots of one process\n", progname);
			r = EXIT_INPUT;
			goto out;
		}
	} else {
		d = diff_models(m);
	}
	if (folded) {
		/* flame-graph stacks with signed weights: traces only */
		enum trace_measure_kind k = TRACE_ALLOCATIONS;
		char names[256];
		if (!d->traces)
			r = usage_error("diff: --format folded is for allocation traces");
		else if (!trace_measure_pick(m[1].trace, sort, &k) || !(m[0].trace->measures & 1u << k))
			r = usage_error("diff --format folded: --sort wants one of the files' measures (%s)",
			                trace_measure_list(m[1].trace, names, sizeof names));
		else
			r = write_result(trace_write_folded_diff(m[0].trace, m[1].trace, k, stdout));
		goto out;
	}
	v = view_new_diff(d);
	if (sort && !sort_parse(v, sort, &o))
		r = usage_error("diff: no column '%s' (see heapsift(1))", sort);
	else
		r = write_result(export_view(v, &o, stdout));
	view_free(v);
out:
	diff_free(d);
	for (int k = 0; k < nm; k++)
		model_free(&m[k]);
	return r;
}

/* SIZE[k|M|G] (1024-based) or PERCENT% */
static bool
parse_limit(const char *s, uint64_t *bytes, double *percent)
{
	char *end;
	double v;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return false;
	*percent = -1;
	if (strcmp(end, "%") == 0) {
		*percent = v;
		return true;
	}
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'M')
		v *= 1024 * 1024, end++;
	else if (*end == 'G')
		v *= 1024.0 * 1024 * 1024, end++;
	if (*end != '\0' || v > 1.8e19)
		return false;
	*bytes = (uint64_t)v;
	return true;
}

static int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-growth", required_argument, NULL, 'm' },
		{ "class", required_argument, NULL, 'c' },
		{ "sample-index", required_argument, NULL, OPT_SAMPLE_INDEX },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *limit = NULL, *pattern = NULL, *what;
	uint64_t max_bytes = 0, base = 0, target = 0;
	int k;
	double pct = -1;
	struct model m[2];
	struct diff *d;
	bool grew;
	int opt, r;
	int64_t growth;

	while ((opt = getopt_long(argc, argv, "m:c:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': limit = optarg; break;
		case 'c': pattern = optarg; break;
		case OPT_SAMPLE_INDEX:
			if (optarg[0] == '\0')
				return usage_error("--sample-index wants a sample type or its index");
			pprof_sample_index = optarg;
			break;
		case 'q': break;	/* the two loads print no progress anyway */
		case 'h': usage(stdout); return 0;
		default:
			return try_help();
		}
	}
	if (limit == NULL || !parse_limit(limit, &max_bytes, &pct))
		return usage_error("check: --max-growth wants bytes (like 1048576 or 10M) or a percentage "
		                   "(like 5%%)%s%s%s", limit ? ", not '" : "", limit ? limit : "",
		                   limit ? "'" : "");
	if (argc - optind != 2)
		return usage_error("check: two files (heapsift check BASE TARGET --max-growth LIMIT)");
	if ((r = load_models(argv + optind, 2, m)) != 0)
		return r;
	d = diff_models(m);
	k = d->traces ? 3 : 1;
	what = d->traces ? "peak" : pattern ? "classes matching" : "heap";
	/* heaps: the shallow sizes of the classes (all, or those whose name
	 * has the pattern); traces: the bytes live at the peak, or at the
	 * end when the files do not say (heap profiles: inuse_space,
	 * tracemalloc: size) */
	if (d->traces && !(d->measures & 1u << TRACE_PEAK)) {
		k = (d->measures & 1u << TRACE_LEAKED_BYTES) ? 2 : 1;
		what = d->measure_name[k == 2 ? TRACE_LEAKED_BYTES : TRACE_BYTES];
		if (what == NULL)
			what = k == 2 ? "leaked_bytes" : "bytes";
	}
	for (uint32_t i = 0; i < d->row_count; i++) {
		const struct diff_row *row = &d->rows[i];
		if (pattern && !strstr(row->name, pattern))
			continue;
		base += row->base[k];
		target += row->target[k];
	}
	growth = target >= base ? (int64_t)(target - base) : -(int64_t)(base - target);
	grew = pct >= 0 ? (growth > 0 && (base == 0 || (double)growth * 100.0 / (double)base > pct))
	                : growth > 0 && (uint64_t)growth > max_bytes;
	printf("%s: %" PRIu64 " -> %" PRIu64 " bytes (%+" PRId64 "%s%s), limit %s: %s\n",
	       what, base, target, growth,
	       pattern ? ", " : "", pattern ? pattern : "", limit, grew ? "GREW" : "ok");
	if (grew) {
		struct view *v = view_new_diff(d);
		struct export_opts o;
		export_opts_init(&o);
		o.top = 10;
		printf("\nWhat grew most:\n");
		export_view(v, &o, stdout);
		view_free(v);
	}
	diff_free(d);
	model_free(&m[0]);
	model_free(&m[1]);
	r = write_result(0);
	return r ? r : grew ? EXIT_GREW : 0;
}

/* --- record --------------------------------------------------------------- */

/* The recorder library: $HEAPSIFT_RECORDER, else beside this program (the
 * build tree), else where make install put it. */
static char *
recorder_path(void)
{
	const char *env = getenv("HEAPSIFT_RECORDER");
	char self[PATH_MAX], *slash, *p;
	ssize_t n;
	if (env && env[0])
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			p = xasprintf("%s/libheapsift-record.so", self);
			if (access(p, R_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(PKGLIBDIR "/libheapsift-record.so");
}

static int
cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "sample", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	uint64_t sample = 0;
	char *lib, *file;
	const char *base;
	pid_t pid;
	int opt, status;
	struct sigaction ign, old_int, old_quit;

	while ((opt = getopt_long(argc, argv, "+o:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': output = optarg; break;
		case 's':
			if (!parse_u64(optarg, &sample) || sample == 0 || sample > UINT32_MAX)
				return usage_error("--sample wants a number of bytes (1 to 4294967295), not '%s'",
				                   optarg);
			break;
		case 'h': usage(stdout); return 0;
		default:
			return try_help();
		}
	}
	if (optind >= argc)
		return usage_error("record: which program? (heapsift record [-o FILE] -- CMD [ARGS...])");
	lib = recorder_path();
	if (access(lib, R_OK) != 0) {
		fprintf(stderr, "%s: the recorder %s: %s\n", progname, lib, strerror(errno));
		free(lib);
		return EXIT_INPUT;
	}
	base = strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') + 1 : argv[optind];
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", progname, strerror(errno));
		free(lib);
		return EXIT_INPUT;
	}
	file = output ? xstrdup(output)
	              : xasprintf("heapsift.%s.%ld.trace", base, (long)(pid ? pid : getpid()));
	if (pid == 0) {
		const char *pre = getenv("LD_PRELOAD");
		char *preload = pre && pre[0] ? xasprintf("%s:%s", lib, pre) : xstrdup(lib);
		char num[32];
		setenv("LD_PRELOAD", preload, 1);
		setenv("HEAPSIFT_TRACE_FILE", file, 1);
		snprintf(num, sizeof num, "%ld", (long)getpid());
		setenv("HEAPSIFT_TRACE_PID", num, 1);
		snprintf(num, sizeof num, "%" PRIu64, sample);
		setenv("HEAPSIFT_TRACE_SAMPLE", num, 1);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "%s: %s: %s\n", progname, argv[optind], strerror(errno));
		_exit(127);
	}
	/* like system(): the program takes the terminal's signals */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	fprintf(stderr, "%s: trace written to %s\n", progname, file);
	free(lib);
	free(file);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_INPUT;
}

/* --- symbolize ------------------------------------------------------------ */

struct symcli {
	bool functions, inlines, addresses, json;
	const char *exe;
};

static void
print_frames(const struct symcli *c, uint64_t addr, struct sym_result r)
{
	uint32_t n = c->inlines ? r.count : 1;
	if (c->json) {
		printf("{\"address\":\"0x%" PRIx64 "\",\"module\":", addr);
		export_json_string(stdout, c->exe, strlen(c->exe));
		printf(",\"frames\":[");
		for (uint32_t k = 0; k < n; k++) {
			const struct sym_frame *f = &r.frames[k];
			printf("%s{\"function\":", k ? "," : "");
			export_json_string(stdout, f->function, strlen(f->function));
			printf(",\"file\":");
			export_json_string(stdout, f->file, strlen(f->file));
			printf(",\"line\":%" PRIu32, f->line);
			if (f->discriminator)
				printf(",\"discriminator\":%" PRIu32, f->discriminator);
			printf("}");
		}
		printf("]}\n");
		return;
	}
	if (c->addresses)
		printf("0x%016" PRIx64 "\n", addr);
	for (uint32_t k = 0; k < n; k++) {
		/* without -i, llvm-symbolizer's one frame: the innermost code's
		 * line, the covering function's name */
		const struct sym_frame *f = &r.frames[k];
		if (c->functions)
			puts(c->inlines ? f->function : r.frames[r.count - 1].function);
		printf("%s:%" PRIu32, f->file, f->line);
		if (f->discriminator)
			printf(" (discriminator %" PRIu32 ")", f->discriminator);
		putchar('\n');
	}
}

/* One address as addr2line takes it: hex, 0x optional.  Other input is
 * echoed, as llvm-symbolizer does, so that output stays in step. */
static void
symbolize_one(const struct symcli *c, struct sym_module *m, const char *text)
{
	const char *p = text;
	char *end;
	uint64_t addr;
	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	errno = 0;
	addr = strtoull(p, &end, 16);
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (end == p || *end != '\0' || errno != 0 || *p == '-' || *p == '+') {
		puts(text);
		return;
	}
	print_frames(c, addr, sym_lookup(m, addr));
}

static int
cmd_symbolize(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "exe", required_argument, NULL, 'e' },
		{ "functions", no_argument, NULL, 'f' },
		{ "inlines", no_argument, NULL, 'i' },
		{ "demangle", no_argument, NULL, 'C' },
		{ "addresses", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct symcli c = { 0 };
	struct sym_options o = { 0 };
	struct sym_module *m;
	struct hs_error err;
	int opt;

	while ((opt = getopt_long(argc, argv, "e:fiCajD:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e': c.exe = optarg; break;
		case 'f': c.functions = true; break;
		case 'i': c.inlines = true; break;
		case 'C': o.demangle = true; break;
		case 'a': c.addresses = true; break;
		case 'j': c.json = true; break;
		case 'D': o.debug_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			return try_help();
		}
	}
	if (c.exe == NULL)
		return usage_error("symbolize: which file? (-e FILE)");
	error_clear(&err);
	m = sym_module_open(c.exe, &o, &err);
	if (m == NULL) {
		fprintf(stderr, "%s: %s\n", progname, err.msg);
		return EXIT_INPUT;
	}
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			symbolize_one(&c, m, argv[i]);
	} else {
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		struct stat st;
		/* answers as they come when a program may wait for them on the
		 * other end of a pipe; not line by line from a file */
		bool interactive = fstat(0, &st) != 0 || !S_ISREG(st.st_mode);
		while ((len = getline(&line, &cap, stdin)) > 0) {
			if (line[len - 1] == '\n')
				line[--len] = '\0';
			symbolize_one(&c, m, line);
			if (interactive)
				fflush(stdout);
		}
		free(line);
	}
	sym_module_close(m);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", progname, strerror(errno));
		return EXIT_INPUT;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 'n' },
		{ "view", required_argument, NULL, 'v' },
		{ "depth", required_argument, NULL, 'd' },
		{ "sort", required_argument, NULL, 's' },
		{ "object", required_argument, NULL, 'o' },
		{ "input-format", required_argument, NULL, 'I' },
		{ "reachable-only", no_argument, NULL, 'R' },
		{ "java-layout", required_argument, NULL, 'L' },
		{ "sample-index", required_argument, NULL, OPT_SAMPLE_INDEX },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "keys", no_argument, NULL, 'k' },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c;
	int opt;

	/* The analyses allocate and free arrays of tens of MiB in turn.  Keep
	 * freed memory for the next one instead of giving it back to the
	 * system and taking fresh pages the kernel must clear again: faulting
	 * in zeroed pages was a quarter of the run time. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
	/* Few, large allocations: one arena for all threads, so that what one
	 * thread frees the other can reuse.  And big blocks from the heap, not
	 * a mapping each: a freed one serves again without the kernel zeroing
	 * fresh pages (an analysis frees and allocates arrays of a word per
	 * object in turn), and a load's arrays come in fewer faults: 3.3-3.4 s
	 * against 3.7-4.1 on an 18M-object dump, measured alternately; the
	 * peak grows by 6 MB (0.84 to 0.85 x that dump). */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_MAX, 0);

	memset(&c, 0, sizeof c);
	if (argc > 1 && strcmp(argv[1], "diff") == 0) {
		argv[1] = argv[0];
		return cmd_diff(argc - 1, argv + 1);
	}
	if (argc > 1 && strcmp(argv[1], "check") == 0) {
		argv[1] = argv[0];
		return cmd_check(argc - 1, argv + 1);
	}
	if (argc > 1 && strcmp(argv[1], "record") == 0) {
		argv[1] = argv[0];
		return cmd_record(argc - 1, argv + 1);
	}
	if (argc > 1 && strcmp(argv[1], "symbolize") == 0) {
		argv[1] = argv[0];
		return cmd_symbolize(argc - 1, argv + 1);
	}
	if (argc > 1 && (strcmp(argv[1], "report") == 0 || strcmp(argv[1], "export") == 0)) {
		c.command = argv[1];
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	while ((opt = getopt_long(argc, argv, "f:n:v:d:s:o:I:RL:qakhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': c.format = optarg; break;
		case 'v': c.view = optarg; break;
		case 's': c.sort = optarg; break;
		case 'o': c.object = optarg; break;
		case 'I': c.input_format = optarg; break;
		case 'q': c.quiet = true; break;
		case 'R': c.reachable_only = true; break;
		case 'L': {
			/* hprof.c's layouts in order, then the same aligned to 16 */
			static const char *const layouts[5] = { "4/12", "8/16", "4/16", "8/12", "4/8" };
			hprof_layout_force = -1;
			for (int k = 0; k < 5; k++) {
				size_t l = strlen(layouts[k]);
				if (strncmp(optarg, layouts[k], l) != 0)
					continue;
				if (optarg[l] == '\0' || strcmp(optarg + l, "/8") == 0)
					hprof_layout_force = k;
				else if (strcmp(optarg + l, "/16") == 0)
					hprof_layout_force = k + 5;
			}
			if (hprof_layout_force < 0)
				return usage_error("--java-layout wants 4/12, 8/16, 4/16, 8/12 or 4/8, and /16 "
				                   "for 16-byte alignment, not '%s'", optarg);
			break;
		}
		case 'a': c.ascii = true; break;
		case OPT_SAMPLE_INDEX:
			if (optarg[0] == '\0')
				return usage_error("--sample-index wants a sample type or its index");
			pprof_sample_index = optarg;
			break;
		case OPT_DEBUG_DIR: trace_debug_dir = optarg; break;
		case 'k':
			tui_print_keys(stdout);
			return 0;
		case 'n':
			if (!parse_count(optarg, ULONG_MAX / 2, &c.top))
				return usage_error("--top wants a number, not '%s'", optarg);
			c.top_set = true;
			break;
		case 'd':
			if (!parse_count(optarg, UINT_MAX, &c.depth))
				return usage_error("--depth wants a number, not '%s'", optarg);
			c.depth_set = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		default:
			return try_help();
		}
	}
	if (c.input_format && loader_find(c.input_format) == NULL)
		return usage_error("no input format named '%s' (see --help)", c.input_format);
	if (optind >= argc)
		return usage_error("which file?");
	if (optind + 1 < argc && (c.command || argc - optind > 3))
		return usage_error("one file at a time ('%s' is extra)", argv[optind + 1]);
	if (optind + 1 < argc) {
		/* two or three files: their diff, in the viewer or as text */
		if (c.format || c.view || c.sort || c.object || c.depth_set || c.top_set)
			return usage_error("with several files, use 'heapsift diff' for options");
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
			struct tui_opts o = { .path = argv[optind], .input_format = c.input_format,
			                      .ascii = c.ascii, .npaths = argc - optind };
			for (int k = 0; k < argc - optind; k++)
				o.paths[k] = argv[optind + k];
			return tui_main(&o);
		}
		fprintf(stderr, "%s: not a terminal, so no interactive viewer; here is the diff\n",
		        progname);
		argv[optind - 1] = argv[0];
		argc -= optind - 1;
		argv += optind - 1;
		optind = 0;	/* getopt starts again */
		return cmd_diff(argc, argv);
	}
	c.file = argv[optind];
	if (c.command && strcmp(c.command, "export") == 0)
		return cmd_export(&c);
	if (c.command)
		return cmd_report(&c);
	if (c.format || c.view || c.sort || c.object || c.depth_set || c.top_set)
		return usage_error("--format, --top, --view, --depth, --sort and --object go with report or export");
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		struct tui_opts o = { .path = c.file, .input_format = c.input_format, .ascii = c.ascii };
		return tui_main(&o);
	}
	/* No terminal: say so, and be useful anyway. */
	fprintf(stderr, "%s: not a terminal, so no interactive viewer; here is the report "
	                "(in scripts use '%s report' or '%s export')\n", progname, progname, progname);
	return cmd_report(&c);
}
