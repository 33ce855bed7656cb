#!/bin/bash
# Diffs and the CI gate: heapsift diff and heapsift check on three V8
# snapshots of a node program that retains N more objects of one class
# between each (grow.js), and on two recordings of a C program that leaks
# 10 and then 30 blocks (grow.c).  make check sets HEAPSIFT and top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
src=$top_srcdir/tests/diff
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=diff.sh
. "$top_srcdir/tests/lib.sh"

# --- V8: +1000 LeakedItem between each snapshot
if command -v node >/dev/null; then
	node "$src/grow.js" "$tmp" 1000 || fail "grow.js"
	"$HEAPSIFT" diff "$tmp/base.heapsnapshot" "$tmp/target.heapsnapshot" --format csv >"$tmp/d.csv" ||
		fail "diff of two snapshots"
	want "LeakedItem base count" "$(value "$tmp/d.csv" class LeakedItem base_count)" 1000
	want "LeakedItem count delta" "$(value "$tmp/d.csv" class LeakedItem count_delta)" 1000
	want "LeakedItem new objects (by id)" "$(value "$tmp/d.csv" class LeakedItem new_count)" 1000
	want "LeakedItem deleted objects" "$(value "$tmp/d.csv" class LeakedItem deleted_count)" 0
	want "LeakedItem size delta" "$(value "$tmp/d.csv" class LeakedItem size_delta)" \
		"$(value "$tmp/d.csv" class LeakedItem new_size)"
	want "the biggest growth first" "$(python3 -c 'import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))["class"])' "$tmp/d.csv")" LeakedItem
	# a class expands into its new objects (matched by id)
	"$HEAPSIFT" diff "$tmp/base.heapsnapshot" "$tmp/target.heapsnapshot" --depth 2 --top 3000 \
		--format csv >"$tmp/d2.csv" || fail "diff --depth 2"
	want "LeakedItem's new objects listed" "$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(sum(1 for r in rows if r["depth"] == "1" and r["class"].startswith("LeakedItem @")))
' "$tmp/d2.csv")" 1000
	# three dumps: the 1000 added between base and target, all still alive
	"$HEAPSIFT" diff "$tmp/base.heapsnapshot" "$tmp/target.heapsnapshot" "$tmp/final.heapsnapshot" \
		--format csv >"$tmp/l.csv" || fail "diff of three snapshots"
	want "leaks: LeakedItem count" "$(value "$tmp/l.csv" class LeakedItem count)" 1000
	want "leaks: LeakedItem size" "$(value "$tmp/l.csv" class LeakedItem size)" \
		"$(value "$tmp/d.csv" class LeakedItem new_size)"
	n=$((n + 1))
	case $(value "$tmp/l.csv" class LeakedItem retainers) in
	"Array[] <- "*) ;;
	*) fail "leaks: LeakedItem's path does not start at the array: $(value "$tmp/l.csv" class LeakedItem retainers)" ;;
	esac
	"$HEAPSIFT" check "$tmp/base.heapsnapshot" "$tmp/final.heapsnapshot" --class LeakedItem \
		--max-growth 50% >"$tmp/c.out"
	want "check: LeakedItem doubled, 50% allowed" "$?" 3
	n=$((n + 1))
	grep -q '^LeakedItem ' "$tmp/c.out" || fail "check names what grew: $(head -5 "$tmp/c.out")"
	"$HEAPSIFT" check "$tmp/base.heapsnapshot" "$tmp/final.heapsnapshot" --class LeakedItem \
		--max-growth 1M >/dev/null
	want "check: within 1 MiB" "$?" 0
else
	echo "node not installed: the V8 diffs skipped"
fi

# --- traces: 10 then 30 leaked blocks at one call site
if command -v gcc >/dev/null; then
	gcc -g -O1 -fno-optimize-sibling-calls -o "$tmp/grow" "$src/grow.c"
	"$HEAPSIFT" record -o "$tmp/a.trace" "$tmp/grow" 10 2>/dev/null
	"$HEAPSIFT" record -o "$tmp/b.trace" "$tmp/grow" 30 2>/dev/null
	"$HEAPSIFT" diff "$tmp/a.trace" "$tmp/b.trace" --format csv >"$tmp/t.csv" || fail "diff of two traces"
	want "trace diff: calls" "$(value "$tmp/t.csv" function leak allocations_delta)" 20
	want "trace diff: leaked bytes" "$(value "$tmp/t.csv" function leak leaked_delta)" 1280
	want "trace diff: the unchanged site" "$(value "$tmp/t.csv" function keep leaked_delta)" 0
	want "trace diff: location" "$(value "$tmp/t.csv" function leak location | sed 's|.*/||')" grow.c:5
	"$HEAPSIFT" diff "$tmp/a.trace" "$tmp/b.trace" --format folded --sort leaked_bytes >"$tmp/f.folded" ||
		fail "diff --format folded"
	want "folded diff: the leak's stack, +1280" "$(grep -o 'main;leak [-0-9]*$' "$tmp/f.folded")" "main;leak 1280"
	want "folded diff: only what changed" "$(wc -l <"$tmp/f.folded")" 1
	want "folded diff: shrinking is negative" \
		"$("$HEAPSIFT" diff "$tmp/b.trace" "$tmp/a.trace" --format folded | grep -o 'main;leak [-0-9]*$')" \
		"main;leak -20"
	"$HEAPSIFT" check "$tmp/a.trace" "$tmp/b.trace" --max-growth 1k >/dev/null
	want "check traces: 1280 bytes over 1 KiB" "$?" 3
	"$HEAPSIFT" check "$tmp/a.trace" "$tmp/b.trace" --max-growth 2k >/dev/null
	want "check traces: within 2 KiB" "$?" 0
	"$HEAPSIFT" check "$tmp/b.trace" "$tmp/a.trace" --max-growth 0 >/dev/null
	want "check: shrinking is not growth" "$?" 0
fi

# --- one trace at two moments: what the second phase added
if command -v gcc >/dev/null; then
	gcc -g -O1 -fno-optimize-sibling-calls -o "$tmp/phases" "$src/phases.c"
	"$HEAPSIFT" record -o "$tmp/p.trace" "$tmp/phases" 2>/dev/null
	"$HEAPSIFT" diff "$tmp/p.trace" --from 150ms --to 1m --format csv >"$tmp/p.csv" ||
		fail "diff --from --to"
	want "from/to: the late phase's calls" "$(value "$tmp/p.csv" function late allocations_delta)" 20
	want "from/to: its live bytes" "$(value "$tmp/p.csv" function late leaked_delta)" 4000
	want "from/to: the early phase, before" "$(value "$tmp/p.csv" function early base_allocations)" 10
	want "from/to: the early phase's delta" "$(value "$tmp/p.csv" function early allocations_delta)" 0
	"$HEAPSIFT" diff "$tmp/p.trace" --from 1s --to 150ms >/dev/null 2>&1
	want "from/to reversed" "$?" 1
fi

# --- usage and input errors
"$HEAPSIFT" diff "$tmp/a.trace" >/dev/null 2>&1
want "diff with one file" "$?" 1
"$HEAPSIFT" check "$tmp/a.trace" "$tmp/b.trace" >/dev/null 2>&1
want "check without a limit" "$?" 1
"$HEAPSIFT" check "$tmp/a.trace" "$tmp/b.trace" --max-growth lots >/dev/null 2>&1
want "check with a bad limit" "$?" 1
if [ -f "$tmp/base.heapsnapshot" ] && [ -f "$tmp/a.trace" ]; then
	"$HEAPSIFT" diff "$tmp/base.heapsnapshot" "$tmp/a.trace" >"$tmp/mix.out" 2>&1
	want "a dump and a trace" "$?" 2
	n=$((n + 1))
	grep -q 'not of one kind' "$tmp/mix.out" || fail "mixed kinds message: $(cat "$tmp/mix.out")"
fi

echo "diff: $n checks, $failed failed"
[ "$failed" -eq 0 ]
