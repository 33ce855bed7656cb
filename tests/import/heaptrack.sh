#!/bin/bash
# heaptrack files: heapsift's numbers equal heaptrack_print's on the same
# file, for the committed fixture (tests/data/heaptrack, made by its
# make-fixture.sh) and, when heaptrack is installed, for files heaptrack
# writes now (a program with known allocations, 8 threads); errors for cut
# and malformed files.  make check sets HEAPSIFT and top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
data=$top_srcdir/tests/data/heaptrack
cmp_py=$top_srcdir/tests/import/folded-cmp.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=heaptrack.sh
. "$top_srcdir/tests/lib.sh"

# sval CSV KEY: the summary's value for KEY
sval() { value "$1" name "$2" value; }

# same FILE NAME DIR: heapsift's stacks of FILE equal heaptrack_print's
# (DIR/NAME.COST.folded) for every cost type
same() {
	local f=$1 name=$2 dir=$3 c m
	for cm in allocations:allocations temporary:temporary peak:peak_bytes leaked:leaked_bytes; do
		c=${cm%%:*} m=${cm#*:}
		"$HEAPSIFT" export "$f" --format folded --sort "$m" >"$tmp/hs.$c.folded" ||
			{ fail "$name: export --format folded --sort $m"; continue; }
		python3 "$cmp_py" "$dir/$name.$c.folded" "$tmp/hs.$c.folded" >"$tmp/diff" ||
			fail "$name: $c per stack differs from heaptrack_print's:
$(cat "$tmp/diff")"
	done
	"$HEAPSIFT" export "$f" --view summary --format csv >"$tmp/sum.csv" || fail "$name: summary"
	want_calls=$(awk '/^calls to allocation functions:/ { print $5 }' "$dir/$name.summary.txt")
	want_temp=$(awk '/^temporary memory allocations:/ { print $4 }' "$dir/$name.summary.txt")
	[ "$(sval "$tmp/sum.csv" allocations)" = "$want_calls" ] ||
		fail "$name: allocations $(sval "$tmp/sum.csv" allocations), heaptrack_print $want_calls"
	[ "$(sval "$tmp/sum.csv" temporary)" = "$want_temp" ] ||
		fail "$name: temporary $(sval "$tmp/sum.csv" temporary), heaptrack_print $want_temp"
	[ "$(sval "$tmp/sum.csv" format)" = heaptrack ] || fail "$name: not read as heaptrack"
}

# --- the committed fixture
same "$data/alloc-test.heaptrack.zst" alloc-test "$data"
# its call sites: the inlined helper's leaks at its own line
"$HEAPSIFT" export "$data/alloc-test.heaptrack.zst" --view callsites --format csv >"$tmp/cs.csv"
grep -q '^make_buf,.*alloc-test.c:12,5,5000,0,5000,5000,5,' "$tmp/cs.csv" ||
	fail "fixture: make_buf's call site: $(grep make_buf "$tmp/cs.csv")"

# --- files heaptrack writes now
if command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null &&
	command -v gcc >/dev/null; then
	src=$top_srcdir/tests/trace
	gcc -g -O1 -fno-optimize-sibling-calls -o "$tmp/alloc-test" "$src/alloc-test.c" &&
		gcc -g -O1 -fno-optimize-sibling-calls -pthread -o "$tmp/threads-test" \
			"$src/threads-test.c" || fail "building the test programs"
	for p in alloc-test threads-test; do
		heaptrack -o "$tmp/$p" "$tmp/$p" >"$tmp/$p.log" 2>&1
		f=$(ls "$tmp/$p".*zst "$tmp/$p".gz 2>/dev/null | head -1)
		[ -n "$f" ] || { fail "heaptrack wrote no file for $p: $(tail -2 "$tmp/$p.log")"; continue; }
		mkdir -p "$tmp/want"
		for c in allocations temporary peak leaked; do
			heaptrack_print -f "$f" -F "$tmp/want/$p.$c.folded" --flamegraph-cost-type "$c" \
				>/dev/null 2>&1
		done
		heaptrack_print -f "$f" 2>/dev/null |
			grep -E '^(calls to|temporary memory)' >"$tmp/want/$p.summary.txt"
		same "$f" "$p" "$tmp/want"
	done
	# two heaptrack files diff like two traces: the same program twice
	if [ -n "${f:-}" ]; then
		"$HEAPSIFT" diff "$data/alloc-test.heaptrack.zst" "$data/alloc-test.heaptrack.zst" \
			--format csv >"$tmp/d.csv" || fail "diff of two heaptrack files"
	fi
else
	echo "heaptrack not installed: only the committed fixture compared"
fi

# --- bad files: exit status 2, the file and the offset
plain=$tmp/plain
zstd -dc "$data/alloc-test.heaptrack.zst" >"$plain" 2>/dev/null ||
	python3 -c 'import sys' # zstd absent: the cases below use their own text
bad() {	# NAME TEXT EXPECTED-MESSAGE-PART
	printf '%b' "$2" >"$tmp/bad"
	"$HEAPSIFT" report "$tmp/bad" >/dev/null 2>"$tmp/err"
	local st=$?
	[ "$st" = 2 ] || fail "$1: exit status $st, not 2"
	grep -q "$tmp/bad: offset [0-9]*: .*$3" "$tmp/err" || fail "$1: message: $(cat "$tmp/err")"
}
bad "version 1" 'v 10000 1\n' 'version 1'
bad "undefined kind" 'v 10400 3\ns 4 main\n+ 0\n' 'kind not defined'
bad "undefined string" 'v 10400 3\ni 1000 5\n' 'module is not a string'
bad "undefined parent" 'v 10400 3\ns 1 m\ni 1000 1\nt 1 7\n' 'parent is not defined'
bad "not hexadecimal" 'v 10400 3\na zz 0\n' 'without size'
bad "inline frame cut" 'v 10400 3\ns 1 m\ni 1000 1 1 1 2 1\n' 'inline frame'
bad "overflowing number" 'v 10400 3\nc 11111111111111111\n' 'time line'
bad "stack before its instruction" 'v 10400 3\nt 1 0\n' 'instruction is not defined'
# a file cut in the middle of a line reads up to there (heaptrack_print too)
if [ -s "$plain" ]; then
	head -c $(($(stat -c %s "$plain") / 2)) "$plain" >"$tmp/cut"
	"$HEAPSIFT" export "$tmp/cut" --view summary --format csv >"$tmp/cut.csv" 2>"$tmp/err" ||
		fail "a cut heaptrack file: $(cat "$tmp/err")"
	[ "$(sval "$tmp/cut.csv" complete)" = "no (cut short)" ] ||
		fail "a cut heaptrack file is not said to be cut: $(sval "$tmp/cut.csv" complete)"
fi

[ "$failed" = 0 ] && echo "heaptrack.sh: all checks passed"
[ "$failed" = 0 ]
