#!/bin/bash
# gperftools (and jemalloc) heap profiles against google-pprof
# (tests/data/gperf/README.md): the committed profiles' totals, then, when
# google-perftools is installed, fresh profiles of tests/import/gperf/prof.c
# (tcmalloc's heap profiler, its sampled heap) compared function by
# function, the same profiles written as jemalloc writes them and with a
# "--- Memory map:" section, older sampling headers; malformed profiles.
# make check sets HEAPSIFT and top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
data=$top_srcdir/tests/data/gperf
src=$top_srcdir/tests/import/gperf
cmp=$top_srcdir/tests/import/gpcmp.py
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=gperf.sh
. "$top_srcdir/tests/lib.sh"

# compare WHAT ARGS...: gpcmp.py HEAPSIFT ARGS... (a variant of a profile
# compared whole is compared on two measures, one of each pair: pprof is slow)
compare() {
	local what=$1
	shift
	n=$((n + 1))
	if python3 "$cmp" "$HEAPSIFT" "$@" >"$tmp/cmp" 2>&1; then
		echo "$what: $(tail -1 "$tmp/cmp")"
	else
		fail "$what: heapsift differs from google-pprof: $(head -20 "$tmp/cmp")"
	fi
}

# --- the committed profiles: totals (the program is not there to symbolize)
compare "fixture prof.heap" --totals "$data/prof.pprof" "$data/prof.heap"
compare "fixture prof-sample.heap" --totals "$data/prof-sample.pprof" "$data/prof-sample.heap"
"$HEAPSIFT" export "$data/prof.heap" --view summary --format csv >"$tmp/sum.csv" ||
	fail "export summary"
want "format" "$(value "$tmp/sum.csv" name format value)" gperf
want "unsampled: no sample_bytes" "$(value "$tmp/sum.csv" name sample_bytes value)" 0
"$HEAPSIFT" export "$data/prof-sample.heap" --view summary --format csv >"$tmp/sum.csv"
want "heap_v2: sample_bytes" "$(value "$tmp/sum.csv" name sample_bytes value)" 16384
"$HEAPSIFT" export "$data/prof.heap" --view callsites --format csv >"$tmp/cs.csv"
want "columns named as pprof names them" "$(head -1 "$tmp/cs.csv")" \
	"function,location,alloc_objects,alloc_space,inuse_space,inuse_objects,module"

# --- malformed profiles: a clear error with the line, exit status 2
bad() {
	local what=$1 file=$2 pattern=$3
	n=$((n + 1))
	"$HEAPSIFT" report "$file" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ "$rc" = 2 ] || fail "$what: exit status $rc, not 2"
	grep -Eq "$pattern" "$tmp/err" || fail "$what: error '$(cat "$tmp/err")', not /$pattern/"
}
printf 'heap profile: 1: 2 [\n' >"$tmp/h.heap"
bad "a header cut short" "$tmp/h.heap" 'line 1: expected "heap profile: N: BYTES \[N: BYTES\] @ TYPE"'
sed '3s/\[/(/' "$data/prof.heap" >"$tmp/r.heap"
bad "a stack without its [" "$tmp/r.heap" 'line 3: expected a stack'
sed '2s/@ 0x/@ 0xzz/' "$data/prof.heap" >"$tmp/a.heap"
bad "an address that is not hexadecimal" "$tmp/a.heap" 'line 2: expected hexadecimal addresses'
printf 'desc: x\n' >"$tmp/d.heap"
n=$((n + 1))
"$HEAPSIFT" report --input-format gperf "$tmp/d.heap" >/dev/null 2>"$tmp/err"
grep -q 'line 1: expected "heap profile:' "$tmp/err" || fail "another format read as gperf: $(cat "$tmp/err")"

# --- fresh profiles (google-perftools as installed)
if command -v google-pprof >/dev/null && [ -e "$tcmalloc" ] && command -v gcc >/dev/null; then
	gcc -O2 -g -o "$tmp/prof" "$src/prof.c" || fail "building prof.c"
	# tcmalloc's heap profiler: one profile per 1 MB allocated and one at exit
	HEAPPROFILE=$tmp/hp HEAP_PROFILE_ALLOCATION_INTERVAL=1000000 LD_PRELOAD=$tcmalloc \
		"$tmp/prof" 2>"$tmp/hp.log" || fail "prof under the heap profiler: $(cat "$tmp/hp.log")"
	last=$(ls "$tmp"/hp.*.heap 2>/dev/null | tail -1)
	want "the last profile is written at exit" \
		"$(grep -c "Dumping heap profile to $last (Exiting" "$tmp/hp.log")" 1
	compare "the heap profiler, at exit" "$tmp/prof" "$last"
	compare "the heap profiler, first profile" "$tmp/prof" "$tmp/hp.0001.heap" \
		inuse_space alloc_objects
	# what prof.c does, as the views say it
	"$HEAPSIFT" export "$last" --view callsites --format csv >"$tmp/cs.csv"
	want "the inlined helper's call site" \
		"$(value "$tmp/cs.csv" function inlined_alloc inuse_space)" 30000
	want "strdup's (libc's) call site" "$(value "$tmp/cs.csv" function strdup inuse_space)" 35
	# jemalloc's layout (no indentation, a blank line before the maps), and
	# a "--- Memory map:" section
	python3 - "$last" "$tmp/je.heap" "$tmp/mm.heap" <<'PY'
import sys
text = open(sys.argv[1]).read()
head, maps = text.split("MAPPED_LIBRARIES:\n", 1)
lines = [l.strip() for l in head.split("\n") if l.strip()]
open(sys.argv[2], "w").write(lines[0] + "\n" + "\n".join(lines[1:]) +
                             "\n\nMAPPED_LIBRARIES:\n" + maps)
open(sys.argv[3], "w").write(head + "--- Memory map: ---\n" + maps)
PY
	compare "jemalloc's layout" "$tmp/prof" "$tmp/je.heap" \
		inuse_space alloc_objects
	compare "a --- Memory map: section" "$tmp/prof" "$tmp/mm.heap" \
		inuse_space alloc_objects
	# tcmalloc's sampled heap, and the same samples under older headers
	if command -v g++ >/dev/null && [ -e /usr/include/gperftools/malloc_extension.h ]; then
		gcc -O2 -g -DHEAP_SAMPLE -c -o "$tmp/prof-sample.o" "$src/prof.c" &&
			g++ -O2 -g -c -o "$tmp/sample.o" "$src/sample.cc" &&
			g++ -o "$tmp/prof-sample" "$tmp/prof-sample.o" "$tmp/sample.o" -ltcmalloc ||
			fail "building prof.c with sample.cc"
		HEAP_SAMPLE_FILE=$tmp/s.heap TCMALLOC_SAMPLE_PARAMETER=16384 "$tmp/prof-sample" ||
			fail "prof-sample"
		n=$((n + 1))
		[ "$(grep -c ' @ 0x' "$tmp/s.heap")" -gt 10 ] ||
			fail "tcmalloc took too few samples: $(head -1 "$tmp/s.heap")"
		compare "heap_v2 (tcmalloc's sampled heap)" "$tmp/prof-sample" "$tmp/s.heap"
		sed '1s|@ heap_v2/16384|@ heap/32768|' "$tmp/s.heap" >"$tmp/v1.heap"
		compare "heap (sampling version 1)" "$tmp/prof-sample" "$tmp/v1.heap" \
			inuse_space alloc_objects
		sed '1s| @ heap_v2/16384||' "$tmp/s.heap" >"$tmp/old.heap"
		compare "no type (an old sampled profile: 128 KiB)" "$tmp/prof-sample" "$tmp/old.heap" \
			inuse_space alloc_objects
		"$HEAPSIFT" export "$tmp/s.heap" --view callsites --format csv >"$tmp/cs.csv"
		want "tcmalloc's own frames left out" "$(grep -c -i 'tcmalloc\|calloc' "$tmp/cs.csv")" 0
	else
		echo "g++ or libgoogle-perftools-dev not installed: sampled profiles skipped"
	fi
	# C++: libstdc++'s frames, inlined allocators
	if command -v g++ >/dev/null; then
		g++ -O2 -g -o "$tmp/vec" "$top_srcdir/tests/import/massif/vec.cc" || fail "building vec.cc"
		HEAPPROFILE=$tmp/vec LD_PRELOAD=$tcmalloc "$tmp/vec" 2>/dev/null || fail "vec"
		compare "C++ (vec.cc)" "$tmp/vec" "$(ls "$tmp"/vec.*.heap | tail -1)"
	fi
else
	echo "google-pprof, $tcmalloc or gcc not installed: fresh profiles skipped"
fi

echo "gperf.sh: $n checks, $failed failed"
[ "$failed" = 0 ]
