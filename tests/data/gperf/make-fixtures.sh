#!/bin/bash
# Makes the gperftools heap profile fixtures (Debian 12's google-perftools
# 2.10: libtcmalloc.so.4, google-pprof) from tests/import/gperf/prof.c,
# built with gcc -O2 -g:
#   prof.heap         tcmalloc's heap profiler at exit
#                     (LD_PRELOAD=libtcmalloc.so.4 HEAPPROFILE=prof)
#   prof-sample.heap  tcmalloc's sampled heap ("heap_v2/16384"): prof.c
#                     built with -DHEAP_SAMPLE, linked with sample.cc and
#                     -ltcmalloc, run with TCMALLOC_SAMPLE_PARAMETER=16384
#   NAME.pprof        google-pprof --text --show_bytes with each of
#                     --inuse_space, --inuse_objects, --alloc_space and
#                     --alloc_objects on NAME.heap and the program
# The programs are not kept: tests/import/gperf.sh compares the totals
# (which need no symbols) with the committed profiles, and everything on
# fresh ones.
# Usage: tests/data/gperf/make-fixtures.sh [OUTDIR] (default: beside it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../import/gperf
out=${1:-$here}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4

cd "$work"
gcc -O2 -g -o prof "$src/prof.c"
gcc -O2 -g -DHEAP_SAMPLE -c -o prof-sample.o "$src/prof.c"
g++ -O2 -g -c -o sample.o "$src/sample.cc"
g++ -o prof-sample prof-sample.o sample.o -ltcmalloc
HEAPPROFILE=$work/prof LD_PRELOAD=$tcmalloc ./prof 2>/dev/null
mv "$(ls prof.*.heap | tail -1)" prof.heap
HEAP_SAMPLE_FILE=prof-sample.heap TCMALLOC_SAMPLE_PARAMETER=16384 ./prof-sample
for name in prof prof-sample; do
	prog=$name
	for m in inuse_space inuse_objects alloc_space alloc_objects; do
		echo "# google-pprof --text --show_bytes --$m $prog $name.heap"
		google-pprof --text --show_bytes --$m "./$prog" "$name.heap" 2>/dev/null
	done >"$name.pprof"
	cp "$name.heap" "$name.pprof" "$out/"
done
