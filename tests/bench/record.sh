#!/bin/bash
# Recorder benchmark (issue 6): a program making N malloc/free pairs
# (default 10 million) from 3 call sites, run alone, under heaptrack, under
# heapsift record and under heapsift record --sample 524288, one after the
# other; then the traces loaded by heaptrack_print and by heapsift report.
# Prints wall times (the best of three, heaptrack's recording one),
# slowdowns and the loading ratio.  Targets: heapsift's
# slowdown at most a third of heaptrack's (exact), at most 1.5x sampled;
# loading at least 5x faster than heaptrack_print, both its own trace and
# heaptrack's file (issue 8: the same file, read by both).
# Usage: HEAPSIFT=./heapsift tests/bench/record.sh [N]
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${HEAPSIFT:=./heapsift}"
n=${1:-10000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -g -fno-optimize-sibling-calls -o "$work/prog" "$here/record-bench.c" || exit 1

# t CMD...: wall seconds
t() {
	local s e
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
}
# best CMD...: the best wall seconds of three runs (the short runs are noisy)
best() {
	local b x
	for _ in 1 2 3; do
		x=$(t "$@")
		if [ -z "${b:-}" ] || awk -v x="$x" -v b="$b" 'BEGIN { exit !(x < b) }'; then b=$x; fi
	done
	echo "$b"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

base=$(best "$work/prog" "$n")
hs=$(best "$HEAPSIFT" record -o "$work/hs.trace" "$work/prog" "$n")
hss=$(best "$HEAPSIFT" record --sample 524288 -o "$work/hss.trace" "$work/prog" "$n")
echo "program alone:            $base s"
echo "heapsift record:          $hs s ($(ratio "$hs" "$base")x)"
echo "heapsift record --sample: $hss s ($(ratio "$hss" "$base")x)"
if command -v heaptrack >/dev/null; then
	ht=$(t heaptrack -o "$work/ht" "$work/prog" "$n")
	echo "heaptrack:                $ht s ($(ratio "$ht" "$base")x)"
	htf=$(ls "$work"/ht.*zst "$work"/ht.gz 2>/dev/null | head -1)
	htp=$(best heaptrack_print -f "$htf")
	echo "slowdown ratio heapsift/heaptrack: $(awk -v a="$hs" -v b="$ht" -v c="$base" 'BEGIN { printf "%.2f", (a / c) / (b / c) }') (target <= 0.33)"
fi
hsl=$(best "$HEAPSIFT" report "$work/hs.trace")
echo "trace sizes: heapsift $(stat -c %s "$work/hs.trace") B$( [ -n "${htf:-}" ] && echo ", heaptrack $(stat -c %s "$htf") B")"
echo "loading: heapsift report $hsl s$( [ -n "${htp:-}" ] && echo "; heaptrack_print $htp s ($(ratio "$htp" "$hsl")x)")"
if [ -n "${htf:-}" ]; then
	hsh=$(best "$HEAPSIFT" report "$htf")
	echo "heaptrack's file: heapsift report $hsh s; heaptrack_print $htp s ($(ratio "$htp" "$hsh")x, target >= 5)"
fi
