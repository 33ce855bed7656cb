#include "config.h"

#include <stdio.h>
#include <time.h>

#include "heapsift/progress.h"

bool
progress_phase(struct progress *p, const char *phase, uint64_t total)
{
	if (p == NULL || p->fn == NULL)
		return p && p->cancelled;
	p->last_phase = phase;
	p->next_at = total / 256;
	if (p->fn(p->ctx, phase, 0, total))
		p->cancelled = true;
	return p->cancelled;
}

bool
progress_update(struct progress *p, const char *phase, uint64_t done, uint64_t total)
{
	if (p == NULL || p->fn == NULL)
		return p && p->cancelled;
	if (phase != p->last_phase)
		return progress_phase(p, phase, total);
	if (done < p->next_at && done != total)
		return p->cancelled;
	p->next_at = done + (total / 256 ? total / 256 : 1);
	if (p->fn(p->ctx, phase, done, total))
		p->cancelled = true;
	return p->cancelled;
}

bool
progress_stderr(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	(void)ctx;
	if (phase == NULL) {	/* end of all phases: clear the line */
		fputs("\r\033[K", stderr);
		return false;
	}
	if (total)
		fprintf(stderr, "\r\033[K%s %3u%%", phase, (unsigned)(done * 100 / total));
	else
		fprintf(stderr, "\r\033[K%s", phase);
	fflush(stderr);
	return false;
}

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident and peak resident memory in MiB, from /proc/self/status. */
static void
rss_mib(double *rss, double *hwm, double *file)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	*rss = *hwm = *file = 0;
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f)) {
		unsigned long kb;
		if (sscanf(line, "VmRSS: %lu", &kb) == 1)
			*rss = (double)kb / 1024;
		else if (sscanf(line, "VmHWM: %lu", &kb) == 1)
			*hwm = (double)kb / 1024;
		else if (sscanf(line, "RssFile: %lu", &kb) == 1)
			*file = (double)kb / 1024;
	}
	fclose(f);
}

bool
progress_times(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	static double start, last, top;
	static const char *last_phase;
	double t = now_seconds();
	(void)ctx;
	(void)done;
	(void)total;
	if (start == 0)
		start = last = t;
	if (phase == last_phase)
		return false;
	if (last_phase || phase == NULL) {
		double rss, hwm, file;
		FILE *f;
		rss_mib(&rss, &hwm, &file);
		if (hwm > top)
			top = hwm;
		if (last_phase)
			fprintf(stderr, "heapsift: %-18s %7.3f s  rss %6.1f MiB (file %5.1f)  peak %6.1f MiB\n",
			        last_phase, t - last, rss, file, hwm);
		if (phase == NULL)
			fprintf(stderr, "heapsift: %-18s %7.3f s  rss %6.1f MiB (file %5.1f)  peak %6.1f MiB\n",
			        "total", t - start, rss, file, top);
		/* each phase's own peak: the kernel's mark starts again */
		if ((f = fopen("/proc/self/clear_refs", "w")) != NULL) {
			fputs("5", f);
			fclose(f);
		}
	}
	last_phase = phase;
	last = t;
	return false;
}
