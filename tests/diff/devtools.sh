#!/bin/bash
# heapsift diff against Chrome DevTools' Comparison: for each pair of V8
# snapshots in tests/data/v8/diff/PAIRS (three snapshots of one node
# process), every class's new, deleted, count delta, new size, deleted size,
# size delta, and each side's count and size must equal what DevTools' own
# code computed (NAME.devtools.tsv, written by dt-diff.mjs; see the README
# there and tests/diff/devtools-compare.py).  make check sets HEAPSIFT and
# top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
for tool in python3 zstd tar; do
	command -v "$tool" >/dev/null || { echo "$tool not installed: skipped"; exit 77; }
done
data=$top_srcdir/tests/data/v8/diff
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=devtools.sh
. "$top_srcdir/tests/lib.sh"

zstd -q -d --long=27 -c "$data/snapshots.tar.zst" | tar -x -C "$tmp" || fail "cannot unpack the snapshots"
while read -r name base target; do
	n=$((n + 1))
	echo "--- $name: $base -> $target"
	if ! "$HEAPSIFT" diff -q "$tmp/$base.heapsnapshot" "$tmp/$target.heapsnapshot" --format csv \
		>"$tmp/$name.csv"; then
		fail "$name: heapsift diff failed"
		continue
	fi
	python3 "$top_srcdir/tests/diff/devtools-compare.py" "$data/$name.devtools.tsv" "$tmp/$name.csv" \
		>"$tmp/$name.out"
	status=$?
	cat "$tmp/$name.out"
	[ "$status" -eq 0 ] || fail "$name: heapsift differs from DevTools' Comparison: $(tail -1 "$tmp/$name.out")"
done <"$data/PAIRS"
[ "$n" -gt 0 ] || fail "no pairs in $data/PAIRS"

echo "devtools: $n pairs, $failed failed"
[ "$failed" -eq 0 ]
