/* trace: helpers shared by the trace loader and the trace builder. */
#include "config.h"

#include "heapsift/trace.h"

/* The timeline keeps at most TRACE_TIMELINE_MAX points, each the highest
 * heap of its interval of *step microseconds; when full, the intervals
 * double and neighbours merge. */
void
trace_timeline_add(struct trace *t, uint64_t *step, uint64_t *end, uint64_t time_us,
                   uint64_t heap)
{
	struct trace_point *last = t->timeline_count ? &t->timeline[t->timeline_count - 1] : NULL;
	if (last && time_us < *end) {
		if (heap > last->heap)
			last->heap = heap;	/* a bucket keeps its highest point */
		return;
	}
	if (t->timeline_count == TRACE_TIMELINE_MAX) {
		uint32_t w = 0;
		*step *= 2;
		for (uint32_t i = 0; i < t->timeline_count; i++) {
			if (w && t->timeline[w - 1].time_us / *step == t->timeline[i].time_us / *step) {
				if (t->timeline[i].heap > t->timeline[w - 1].heap)
					t->timeline[w - 1].heap = t->timeline[i].heap;
			} else {
				t->timeline[w++] = t->timeline[i];
			}
		}
		t->timeline_count = w;
	}
	t->timeline[t->timeline_count++] = (struct trace_point){ time_us, heap };
	*end = (time_us / *step + 1) * *step;
}

const char *
trace_time_unit_name(const struct trace *t)
{
	switch (t->time_unit) {
	case TRACE_TIME_INSTRUCTIONS: return "i";
	case TRACE_TIME_BYTES: return "B";
	case TRACE_TIME_US: break;
	}
	return "ms";
}
