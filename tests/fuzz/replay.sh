#!/bin/sh
# make check: replay every fuzz target's corpus (tests/fuzz/corpus/TARGET).
set -e
: "${top_srcdir:=.}" "${top_builddir:=.}"
for target in v8 hprof sym trace heaptrack massif pprof tracemalloc gperf; do
	"$top_builddir/tests/fuzz/replay_$target" "$top_srcdir/tests/fuzz/corpus/$target"
done
