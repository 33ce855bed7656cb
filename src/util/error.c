#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heapsift/error.h"

void
error_clear(struct hs_error *err)
{
	err->status = HS_OK;
	err->offset = UINT64_MAX;
	err->msg[0] = '\0';
}

static int __attribute__((format(printf, 4, 0)))
error_vset(struct hs_error *err, enum hs_status status, const char *prefix,
           const char *fmt, va_list ap)
{
	size_t n;

	if (err == NULL)
		return status;
	if (err->status != HS_OK)	/* keep the first, most precise error */
		return err->status;
	err->status = status;
	err->offset = UINT64_MAX;
	n = (size_t)snprintf(err->msg, sizeof err->msg, "%s", prefix);
	if (n < sizeof err->msg)
		vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
	return status;
}

int
error_at(struct hs_error *err, enum hs_status status, const char *file,
         uint64_t offset, const char *fmt, ...)
{
	char prefix[512];
	va_list ap;
	int r;

	snprintf(prefix, sizeof prefix, "%s: offset %" PRIu64 ": ",
	         file ? file : "<input>", offset);
	va_start(ap, fmt);
	r = error_vset(err, status, prefix, fmt, ap);
	va_end(ap);
	if (err && err->status == status && err->offset == UINT64_MAX)
		err->offset = offset;
	return r;
}

int
error_set(struct hs_error *err, enum hs_status status, const char *file,
          const char *fmt, ...)
{
	char prefix[512];
	va_list ap;
	int r;

	prefix[0] = '\0';
	if (file)
		snprintf(prefix, sizeof prefix, "%s: ", file);
	va_start(ap, fmt);
	r = error_vset(err, status, prefix, fmt, ap);
	va_end(ap);
	return r;
}
