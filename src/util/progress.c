#include "config.h"

#include <stdio.h>

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
