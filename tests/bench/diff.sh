#!/bin/bash
# Diff benchmark (issue 7): heapsift diff of two big V8 snapshots against
# opening one (heapsift report), same run.  Target: at most 2x.
# Usage: HEAPSIFT=./heapsift tests/bench/diff.sh BASE.heapsnapshot [TARGET.heapsnapshot]
# (TARGET defaults to BASE: the same work, every id matched.)
set -u
: "${HEAPSIFT:=./heapsift}"
base=${1:?usage: tests/bench/diff.sh BASE [TARGET]}
target=${2:-$base}
"$HEAPSIFT" report "$base" --top 1 >/dev/null	# warm the page cache
best() {	# best of 3: "seconds KB"
	local b= r
	for _ in 1 2 3; do
		r=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null; } 2>&1 | tail -1)
		if [ -z "$b" ] || awk -v a="${r% *}" -v c="${b% *}" 'BEGIN { exit !(a < c) }'; then b=$r; fi
	done
	echo "$b"
}
one=$(best "$HEAPSIFT" report "$base" --top 20)
two=$(best "$HEAPSIFT" diff "$base" "$target" --top 20)
awk -v o="$one" -v t="$two" 'BEGIN {
	split(o, a, " "); split(t, b, " ")
	printf "open one (report): %.2f s, %.0f MB\ndiff of two:       %.2f s, %.0f MB\nratio: %.2fx (target <= 2x)\n",
		a[1], a[2] / 1024, b[1], b[2] / 1024, b[1] / a[1]
}'
