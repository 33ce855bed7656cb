#!/bin/bash
# Makes the committed heaptrack fixture: tests/trace/alloc-test.c under
# heaptrack (Debian's heaptrack 1.4.0), and heaptrack_print's flame-graph
# stacks of that file for each cost type, the expected numbers of
# tests/import/heaptrack.sh.  Run from the top of the source tree.
set -eu
out=tests/data/heaptrack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -g -O1 -fno-optimize-sibling-calls -o "$tmp/alloc-test" tests/trace/alloc-test.c
heaptrack -o "$tmp/ht" "$tmp/alloc-test" >/dev/null 2>&1 || true
cp "$tmp"/ht.zst "$out/alloc-test.heaptrack.zst"
for c in allocations temporary peak leaked; do
	heaptrack_print -f "$out/alloc-test.heaptrack.zst" -F "$out/alloc-test.$c.folded" \
		--flamegraph-cost-type "$c" >/dev/null
done
heaptrack_print -f "$out/alloc-test.heaptrack.zst" | grep -E '^(calls to|temporary memory)' \
	>"$out/alloc-test.summary.txt"
