#!/bin/bash
# valgrind massif files against ms_print (tests/data/massif/README.md): the
# committed fixtures, then, when valgrind is installed, fresh runs of the
# same programs under several massif options; malformed files.  make check
# sets HEAPSIFT and top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
data=$top_srcdir/tests/data/massif
src=$top_srcdir/tests/import/massif
cmp=$top_srcdir/tests/import/mscmp.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=massif.sh
. "$top_srcdir/tests/lib.sh"

# compare MASSIF MS_PRINT WHAT
compare() {
	n=$((n + 1))
	python3 "$cmp" "$HEAPSIFT" "$1" "$2" >"$tmp/cmp" 2>&1 ||
		fail "$3: heapsift differs from ms_print: $(head -20 "$tmp/cmp")"
}

# --- the committed fixtures
for f in alloc alloc-default vec; do
	compare "$data/$f.massif" "$data/$f.ms_print" "fixture $f"
done

# what alloc.c does, as the views say it
"$HEAPSIFT" export "$data/alloc.massif" --view callsites --format csv >"$tmp/cs.csv" ||
	fail "export callsites"
want "the inlined helper's call site" "$(value "$tmp/cs.csv" function inlined_alloc location)" \
	alloc.c:26
want "the inlined helper at the peak" "$(value "$tmp/cs.csv" function inlined_alloc peak_bytes)" \
	30000
want "strdup's call site (libc)" "$(value "$tmp/cs.csv" function strdup peak_bytes)" 35
"$HEAPSIFT" export "$data/alloc.massif" --format folded --sort peak_bytes >"$tmp/folded" ||
	fail "export folded"
want "the recursion: three frames at one address" \
	"$(grep -c '^main;recurse;recurse;recurse;leaf_alloc 7000$' "$tmp/folded")" 1
want "the inline chain: both functions" \
	"$(grep -c '^main;build_table;inlined_alloc 30000$' "$tmp/folded")" 1
"$HEAPSIFT" export "$data/alloc-default.massif" --view summary --format csv >"$tmp/sum.csv"
want "default massif: no leaked_bytes (the last snapshot is not detailed)" \
	"$(value "$tmp/sum.csv" name leaked_bytes value)" ""
want "default massif: peak_bytes" "$(value "$tmp/sum.csv" name peak_bytes value)" 147705
"$HEAPSIFT" export "$data/alloc-default.massif" --view callsites --format csv >"$tmp/cs.csv"
want "below massif's threshold: a pseudo-frame" \
	"$(value "$tmp/cs.csv" function "(below massif's threshold)" peak_bytes)" 705
"$HEAPSIFT" export "$data/alloc.massif" --view timeline --format csv >"$tmp/tl.csv"
want "timeline column: instructions" "$(head -1 "$tmp/tl.csv")" "time_i,heap_bytes"

# --- malformed files: a clear error with the line, exit status 2
bad() {
	local what=$1 file=$2 pattern=$3
	n=$((n + 1))
	"$HEAPSIFT" report "$file" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ "$rc" = 2 ] || fail "$what: exit status $rc, not 2"
	grep -Eq "$pattern" "$tmp/err" || fail "$what: error '$(cat "$tmp/err")', not /$pattern/"
}
head -c 3000 "$data/alloc.massif" >"$tmp/cut.massif"
bad "cut inside a tree" "$tmp/cut.massif" 'line [0-9]+: expected a heap tree line.*end of the file'
sed 's/^time_unit: i/time_unit: s/' "$data/alloc.massif" >"$tmp/unit.massif"
bad "unknown time unit" "$tmp/unit.massif" 'line 3: expected "time_unit: i\|ms\|B"'
sed '0,/^   n0: 10000 0x/s//   n0: 20000 0x/' "$data/alloc.massif" >"$tmp/sum.massif"
bad "children larger than their parent" "$tmp/sum.massif" \
	'line [0-9]+: its children hold 20000 bytes, more than its 10000'
sed '0,/^mem_heap_B=0/s//mem_heap_B=x/' "$data/alloc.massif" >"$tmp/field.massif"
bad "a field that is not a number" "$tmp/field.massif" 'line 8: expected "mem_heap_B=NUMBER"'
sed '0,/^heap_tree=detailed/s//heap_tree=full/' "$data/alloc.massif" >"$tmp/tree.massif"
bad "an unknown heap_tree" "$tmp/tree.massif" 'expected "heap_tree=empty\|detailed\|peak"'
printf 'desc: x\ntime_unit: i\n' >"$tmp/cmd.massif"
bad "no cmd: line" "$tmp/cmd.massif" 'line 2: expected "cmd:"'

# --- fresh runs (valgrind and ms_print as installed)
if command -v valgrind >/dev/null && command -v ms_print >/dev/null && command -v gcc >/dev/null; then
	gcc -O2 -g -o "$tmp/alloc" "$src/alloc.c" || fail "building alloc.c"
	# run PROG OPTIONS...: massif on PROG, ms_print, the comparison
	k=0
	run() {
		local prog=$1
		shift
		k=$((k + 1))
		(cd "$tmp" && valgrind -q --tool=massif --massif-out-file="run$k.massif" "$@" \
			"./$prog" >/dev/null) || { fail "valgrind $* ./$prog"; return; }
		ms_print --threshold=0 "$tmp/run$k.massif" >"$tmp/run$k.ms_print" ||
			{ fail "ms_print on $prog ($*)"; return; }
		compare "$tmp/run$k.massif" "$tmp/run$k.ms_print" "$prog under massif $*"
	}
	run alloc --detailed-freq=1 --threshold=0.0
	run alloc
	run alloc --time-unit=B --detailed-freq=1
	run alloc --time-unit=ms --detailed-freq=3 --threshold=5
	run alloc --peak-inaccuracy=0 --depth=3
	if command -v g++ >/dev/null; then
		g++ -O2 -g -o "$tmp/vec" "$src/vec.cc" || fail "building vec.cc"
		run vec --detailed-freq=1
		run vec
	fi
else
	echo "valgrind, ms_print or gcc not installed: fresh runs skipped"
fi

echo "massif.sh: $n checks, $failed failed"
[ "$failed" = 0 ]
