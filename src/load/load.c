#include "config.h"

#include <string.h>

#include "heapsift/heap.h"
#include "heapsift/load.h"
#include "heapsift/trace.h"

const struct loader_ops *const loaders[] = {
	&loader_v8,
	&loader_hprof,
	&loader_trace,
	&loader_heaptrack,
	&loader_massif,
	&loader_pprof,
	&loader_tracemalloc,
	&loader_gperf,
	NULL,
};

const struct loader_ops *
loader_find(const char *name)
{
	for (size_t i = 0; loaders[i]; i++)
		if (strcmp(loaders[i]->name, name) == 0)
			return loaders[i];
	return NULL;
}

const struct loader_ops *
loader_probe(const uint8_t *data, size_t size)
{
	for (size_t i = 0; loaders[i]; i++)
		if (loaders[i]->probe(data, size))
			return loaders[i];
	return NULL;
}

static int
load_io(struct io *io, const char *format_name, struct progress *progress,
        struct model *out, struct hs_error *err)
{
	const struct loader_ops *ops;

	if (format_name) {
		ops = loader_find(format_name);
		if (ops == NULL)
			return error_set(err, HS_EINPUT, NULL, "unknown format '%s'", format_name);
	} else {
		if (io->size == 0)
			return error_at(err, HS_EINPUT, io->path, 0, "the file is empty");
		ops = loader_probe(io->data, io->size);
		if (ops == NULL)
			return error_at(err, HS_EINPUT, io->path, 0,
			                "not a format heapsift reads (see --help for the list)");
	}
	return ops->load(io, progress, out, err);
}

int
load_file(const char *path, const char *format_name, struct progress *progress,
          struct model *out, struct hs_error *err)
{
	struct io io;
	int r;

	const struct loader_ops *ops = format_name ? loader_find(format_name) : NULL;
	enum io_codec codec = IO_PLAIN;
	uint8_t head[4096];

	memset(out, 0, sizeof *out);
	progress_phase(progress, "reading", 0);
	/* a compressed file's loader, from the start of its data: one that
	 * reads it again and again gets it in a temporary file */
	if (ops == NULL) {
		size_t n = io_head(path, head, sizeof head, &codec);
		if (codec != IO_PLAIN && n)
			ops = loader_probe(head, n);
	}
	if (ops && ops->seekable)
		r = io_open_seekable(&io, path, err);
	else
		r = io_open(&io, path, err);
	if (r == HS_OK)
		r = load_io(&io, format_name, progress, out, err);
	io_close(&io);
	return r;
}

int
load_mem(const char *name, const void *data, size_t size, const char *format_name,
         struct progress *progress, struct model *out, struct hs_error *err)
{
	struct io io;
	int r;

	memset(out, 0, sizeof *out);
	r = io_open_mem(&io, name, data, size, err);
	if (r == HS_OK)
		r = load_io(&io, format_name, progress, out, err);
	io_close(&io);
	return r;
}

void
model_free(struct model *m)
{
	if (m->kind == MODEL_HEAP)
		heap_free(m->heap);
	else if (m->kind == MODEL_TRACE)
		trace_free(m->trace);
	memset(m, 0, sizeof *m);
}
