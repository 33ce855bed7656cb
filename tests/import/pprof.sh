#!/bin/bash
# Go pprof heap profiles against go tool pprof's own reports: the committed
# fixture (tests/data/pprof, checked without Go), then, when Go is
# installed, fresh profiles of tests/import/pprof/alloc.go; a profile with
# addresses only (gperftools' heap profiler, converted by go tool pprof)
# symbolized against llvm-symbolizer; --sample-index; malformed profiles.
# make check sets HEAPSIFT and top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
data=$top_srcdir/tests/data/pprof
src=$top_srcdir/tests/import/pprof
compare="python3 $top_srcdir/tests/import/pprof-compare.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=pprof.sh
. "$top_srcdir/tests/lib.sh"
types="inuse_space inuse_objects alloc_space alloc_objects"
# check NAME CMD...: CMD succeeds (its output is printed)
check() {
	local what=$1
	shift
	n=$((n + 1))
	"$@" >"$tmp/check.out" 2>&1 || fail "$what: $(cat "$tmp/check.out")"
	sed 's/^/  /' "$tmp/check.out"
}

# check_profiles DIR: DIR/{base,target}.pb.gz against go tool pprof's
# reports DIR/{base,target,diff}.TYPE.top
check_profiles() {
	local dir=$1 what=$2 p si
	for p in base target; do
		"$HEAPSIFT" export "$dir/$p.pb.gz" --view callsites --format csv --top 0 \
			>"$tmp/$p.csv" || fail "$what: export $p"
		"$HEAPSIFT" export "$dir/$p.pb.gz" --view summary --format csv >"$tmp/$p.summary.csv" ||
			fail "$what: summary of $p"
		for si in $types; do
			check "$what: $p, $si" $compare top "$dir/$p.$si.top" "$tmp/$p.csv" "$si" \
				"$tmp/$p.summary.csv"
		done
	done
	# heapsift diff against go tool pprof -base: each function's change
	"$HEAPSIFT" diff "$dir/base.pb.gz" "$dir/target.pb.gz" --format csv --top 0 >"$tmp/diff.csv" ||
		fail "$what: diff"
	for si in $types; do
		check "$what: diff, $si" $compare top "$dir/diff.$si.top" "$tmp/diff.csv" "${si}_delta"
	done
}

# --- the committed fixture
check_profiles "$data" fixture

# the columns are the sample types; the main one sorts first
"$HEAPSIFT" export "$data/target.pb.gz" --view callsites --format csv --top 1 >"$tmp/cs.csv"
want "callsites columns" "$(head -1 "$tmp/cs.csv")" \
	"function,location,alloc_objects,alloc_space,inuse_space,inuse_objects,module"
want "sorted by inuse_space by default" "$(sed -n 2p "$tmp/cs.csv" | cut -d, -f1)" "main.buffer"
"$HEAPSIFT" export "$data/target.pb.gz" --view callsites --format csv --top 1 \
	--sample-index alloc_objects >"$tmp/cs.csv"
want "--sample-index alloc_objects sorts by it" "$(sed -n 2p "$tmp/cs.csv" | cut -d, -f1)" "main.link"
"$HEAPSIFT" export "$data/target.pb.gz" --view callsites --format csv --top 1 \
	--sample-index 1 >"$tmp/cs.csv"
want "--sample-index 1 is alloc_space" "$(sed -n 2p "$tmp/cs.csv" | cut -d, -f1)" "main.temporaries"
"$HEAPSIFT" export "$data/target.pb.gz" --view callsites --format csv --top 1 \
	--sort leaked:desc >"$tmp/cs.csv"
want "--sort by the view's own name for inuse_objects" "$(sed -n 2p "$tmp/cs.csv" | cut -d, -f1)" \
	"main.link"
"$HEAPSIFT" report "$data/target.pb.gz" --top 1 >"$tmp/report.txt" || fail "report"
want "report's first section" "$(grep -m1 '^Top ' "$tmp/report.txt")" "Top 1 call sites by inuse_space"
want "report's summary names the sample types" \
	"$(grep -c '^\(alloc_objects\|alloc_space\|inuse_objects\|inuse_space\) ' "$tmp/report.txt")" 4
# inlined functions keep their callers: main.buffer is inlined into
# main.keepBuffers (and main.fillTable) in the call tree
"$HEAPSIFT" export "$data/target.pb.gz" --view callers --depth 2 --top 0 --format csv \
	>"$tmp/callers.csv" || fail "callers"
n=$((n + 1))
grep -q '^1,main.keepBuffers,' "$tmp/callers.csv" ||
	fail "main.buffer's caller main.keepBuffers: $(head -5 "$tmp/callers.csv")"
# folded stacks weighted by the main sample type
"$HEAPSIFT" export "$data/target.pb.gz" --format folded >"$tmp/f.folded" || fail "folded"
want "folded: inuse_space in all" "$(awk '{ s += $NF } END { print s }' "$tmp/f.folded")" \
	"$(awk -F, '$1 == "inuse_space" { print $2 }' "$tmp/target.summary.csv")"
# check: heap profiles grow by inuse_space
"$HEAPSIFT" check "$data/base.pb.gz" "$data/target.pb.gz" --max-growth 100% >"$tmp/check.txt"
want "check: inuse_space grew more than 100%" "$?" 3
want "check names the measure" "$(head -1 "$tmp/check.txt" | cut -d: -f1)" inuse_space

# --- sample indices and malformed profiles
"$HEAPSIFT" report "$data/target.pb.gz" --sample-index cpu >"$tmp/err" 2>&1
want "unknown --sample-index" "$?" 2
n=$((n + 1))
grep -q "sample types are alloc_objects/count, alloc_space/bytes" "$tmp/err" ||
	fail "unknown --sample-index message: $(cat "$tmp/err")"
"$HEAPSIFT" report "$data/target.pb.gz" --sample-index 4 >"$tmp/err" 2>&1
want "--sample-index out of range" "$?" 2
"$HEAPSIFT" report "$data/goroutine.pb.gz" >"$tmp/err" 2>&1
want "a goroutine profile" "$?" 2
n=$((n + 1))
grep -q "not a heap profile: its sample types are goroutine/count" "$tmp/err" ||
	fail "goroutine profile message: $(cat "$tmp/err")"
# bad: NAME EXPECTED-MESSAGE: heapsift says so about $tmp/bad (read as pprof)
bad() {
	"$HEAPSIFT" report --input-format pprof "$tmp/bad" >"$tmp/err" 2>&1
	want "$1: exit status" "$?" 2
	n=$((n + 1))
	grep -q "$2" "$tmp/err" || fail "$1: $(cat "$tmp/err")"
}
# pb FILE EXPR: the protobuf EXPR (Python, with f(num, value), where value
# is a number or bytes) written to FILE
pb() {
	python3 - "$@" <<'PY'
import sys
def v(n):
    out = b''
    while True:
        out += bytes([n & 0x7f | (0x80 if n > 0x7f else 0)])
        n >>= 7
        if not n:
            return out
def f(num, val):
    if isinstance(val, int):
        return v(num << 3) + v(val)
    return v(num << 3 | 2) + v(len(val)) + val
strings = f(6, b'') + f(6, b'inuse_space') + f(6, b'bytes')
heap = f(1, f(1, 1) + f(2, 2)) + strings
open(sys.argv[1], 'wb').write(eval(sys.argv[2]))
PY
}
gzip -dc "$data/target.pb.gz" >"$tmp/target.pb"
head -c 3000 "$tmp/target.pb" >"$tmp/bad"
bad "cut short" "not a valid pprof profile: .*past the end"
pb "$tmp/bad" "f(1, f(1, 1) + f(2, 5)) + strings"
bad "string index past the table" "string index 5 past the string table (3 strings)"
pb "$tmp/bad" "heap + bytes([0x0b, 0x08, 0x01, 0x0c])"
bad "a group" "wire type 3 or 4"
pb "$tmp/bad" "heap + f(2, f(1, 7) + f(2, 5))"
bad "unknown location" "location id 7 is not in the location table"
pb "$tmp/bad" "heap + f(2, f(2, v(5) + v(6)))"
bad "two values, one type" "a sample has 2 values for 1 sample types"
pb "$tmp/bad" "heap + f(4, f(1, 1) + f(4, f(1, 9))) + f(2, f(1, 1) + f(2, 5))"
bad "unknown function" "a location's line has an unknown function id 9"
pb "$tmp/bad" "heap + f(2, f(1, 1) + f(2, 5)) + f(4, f(1, 1)) + f(4, f(1, 1))"
bad "two locations, one id" "two locations with one id"
pb "$tmp/bad" "heap + f(2, f(2, v(5)) + f(3, 1))"
bad "a label that is not a message" "field 3 has wire type 0, not 2"
pb "$tmp/bad" "heap + f(2, f(2, v(2**64 - 5)))"
bad "a negative value" "a negative sample value (-5)"
pb "$tmp/bad" "heap + bytes([0x10]) + bytes([0xff] * 10) + bytes([0x01])"
bad "a varint of 11 bytes" "a number longer than 64 bits"
pb "$tmp/bad" "heap + f(2, b'') + v(5 << 3 | 2) + v(1000) + b'x'"
bad "a length past the end" "length runs past the end"
pb "$tmp/bad" "f(6, b'x')"
bad "first string not empty" "first string is not empty"
pb "$tmp/bad" "b''"
bad "empty" "it has no sample types"
# gperftools' text heap profile: the gperf loader's, not pprof's
printf 'heap profile:    1:     8 [     1:     8] @ heapprofile\n' >"$tmp/bad"
"$HEAPSIFT" export "$tmp/bad" --view summary --format csv >"$tmp/err" 2>&1
want "gperftools' text is not recognised as pprof" "$(grep '^format,' "$tmp/err")" "format,gperf"

# --- fresh profiles from the Go toolchain installed here
if command -v go >/dev/null; then
	if bash "$data/make-fixtures.sh" "$tmp/go" >"$tmp/go.log" 2>&1; then
		echo "$(cat "$tmp/go/go-version.txt"):"
		check_profiles "$tmp/go" "fresh"
	else
		fail "make-fixtures.sh: $(tail -5 "$tmp/go.log")"
	fi
else
	echo "go not installed: only the committed profiles checked"
fi

# --- addresses only: a C program under gperftools' heap profiler, its
# profile converted (not symbolized) by go tool pprof, symbolized by
# heapsift as llvm-symbolizer symbolizes it
tcmalloc=
for f in /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4 /usr/lib/*/libtcmalloc.so.4 \
	/usr/lib64/libtcmalloc.so.4 /usr/lib/libtcmalloc.so.4; do
	[ -f "$f" ] && { tcmalloc=$f; break; }
done
if [ -n "$tcmalloc" ] && command -v go >/dev/null && command -v cc >/dev/null &&
	command -v llvm-symbolizer >/dev/null; then
	mkdir -p "$tmp/c" "$tmp/home"
	cc -g -O2 -o "$tmp/c/leak" "$src/leak.c" || fail "cc leak.c"
	HEAPPROFILE="$tmp/c/hp" LD_PRELOAD="$tcmalloc" "$tmp/c/leak" 2>/dev/null
	export HOME="$tmp/home" PPROF_TMPDIR="$tmp/home"
	go tool pprof -symbolize=none -proto "$tmp/c/hp.0001.heap" >"$tmp/c/addr.pb.gz" 2>/dev/null ||
		fail "go tool pprof -proto"
	go tool pprof -symbolize=none -raw "$tmp/c/addr.pb.gz" >"$tmp/c/raw.txt" 2>/dev/null
	n=$((n + 1))
	grep -q 'M=1 *$' "$tmp/c/raw.txt" || fail "the converted profile has functions: $(head "$tmp/c/raw.txt")"
	"$HEAPSIFT" export "$tmp/c/addr.pb.gz" --view callsites --format csv --top 0 >"$tmp/c/cs.csv" ||
		fail "export the address-only profile"
	"$HEAPSIFT" export "$tmp/c/addr.pb.gz" --view summary --format csv >"$tmp/c/summary.csv"
	k=0
	for si in alloc_objects alloc_space inuse_objects inuse_space; do
		check "addresses: $si" $compare raw "$tmp/c/raw.txt" $k "$tmp/c/cs.csv" $si
		k=$((k + 1))
		go tool pprof -top -nodecount=1000000 -nodefraction=0 -unit=B -symbolize=none \
			-sample_index=$si "$tmp/c/addr.pb.gz" >"$tmp/c/$si.top" 2>/dev/null
		want "addresses: $si total" \
			"$(sed -n 's/.* of \([0-9]*\)B total$/\1/p' "$tmp/c/$si.top")" \
			"$(awk -F, -v k=$si '$1 == k { print $2 }' "$tmp/c/summary.csv")"
	done
	# the amounts leak.c allocates: make_record (inlined into keep) keeps
	# 100 x 4000 and 20 x 100000 bytes; churn frees its 50 x 10000
	want "addresses: make_record in use" \
		"$(awk -F, '$1 == "make_record" { print $5 "/" $6 }' "$tmp/c/cs.csv")" "2400000/120"
	want "addresses: make_record's line" \
		"$(awk -F, '$1 == "make_record" { n = split($2, p, "/"); print p[n] }' "$tmp/c/cs.csv")" \
		"leak.c:15"
	want "addresses: churn allocated" \
		"$(awk -F, '$1 ~ /^churn/ { print $3 "/" $4 "/" $5 }' "$tmp/c/cs.csv")" "50/500000/0"
	"$HEAPSIFT" export "$tmp/c/addr.pb.gz" --view calltree --depth 8 --top 0 --format csv \
		>"$tmp/c/tree.csv"
	n=$((n + 1))
	grep -q '^[0-9]*,make_record,' "$tmp/c/tree.csv" &&
		grep -q '^[0-9]*,keep,' "$tmp/c/tree.csv" ||
		fail "addresses: the inline frame make_record under keep: $(cat "$tmp/c/tree.csv")"
else
	echo "gperftools' libtcmalloc, go, cc or llvm-symbolizer missing: address-only profiles skipped"
fi

echo "pprof: $n checks, $failed failed"
[ "$failed" -eq 0 ]
