#!/bin/bash
# Command-line behaviour: exit statuses, messages, output formats.
# make check sets HEAPSIFT and top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
fixture="$top_srcdir/tests/data/v8/leak.heapsnapshot.zst"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
n=0

# fail MESSAGE: count a failure; say it in the log and, where make check
# opened fd 9 (AM_TESTS_FD_REDIRECT), on the console too, so that a CI
# transcript shows what failed and not only which script.
if { true >&9; } 2>/dev/null; then console=1; else console=0; fi
fail() {
	echo "FAIL: $*"
	[ "$console" = 1 ] && echo "run.sh: FAIL: $*" >&9
	return 0
}

# expect STATUS PATTERN CMD...: CMD exits with STATUS and its stdout+stderr
# matches the extended regex PATTERN.
expect() {
	local want=$1 pattern=$2 got
	shift 2
	n=$((n + 1))
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ] || ! grep -Eq -- "$pattern" "$tmp/out"; then
		fail "$* -> status $got (want $want), output:"
		head -5 "$tmp/out"
		echo "  (wanted /$pattern/)"
		failed=$((failed + 1))
	fi
}

# --help, --version, usage errors: status 1
expect 0 '^heapsift [0-9]+\.[0-9]+' "$HEAPSIFT" --version
expect 0 'Usage: .*heapsift' "$HEAPSIFT" --help
for view in summary classes dominators objects; do
	expect 0 "^  $view " "$HEAPSIFT" --help
done
expect 1 'which file' "$HEAPSIFT"
expect 1 'Try .heapsift --help' "$HEAPSIFT" --no-such-option
expect 1 'which view' "$HEAPSIFT" export "$fixture"
expect 1 "no view named 'nope'" "$HEAPSIFT" export "$fixture" --view nope
expect 1 "has no column 'nope'" "$HEAPSIFT" export "$fixture" --view classes --sort nope
expect 1 "has no column 'count:up'" "$HEAPSIFT" export "$fixture" --view classes --sort count:up
expect 1 'must be text, csv, tsv or json' "$HEAPSIFT" export "$fixture" --view classes --format xml
expect 1 'must be text, json or csv' "$HEAPSIFT" report "$fixture" --format tsv
expect 1 'wants a number' "$HEAPSIFT" report "$fixture" --top ten
expect 1 'at least 1' "$HEAPSIFT" export "$fixture" --view dominators --depth 0
expect 1 "no input format named 'nope'" "$HEAPSIFT" -I nope "$fixture"
expect 1 'one file at a time' "$HEAPSIFT" report a b
expect 1 'belong to export' "$HEAPSIFT" report "$fixture" --view classes

# unreadable or bad input: status 2, "FILE: offset N: reason"
expect 2 '^heapsift: /nonexistent/x.heapsnapshot: No such file or directory' \
	"$HEAPSIFT" report /nonexistent/x.heapsnapshot
expect 2 'not a regular file' "$HEAPSIFT" report /
: >"$tmp/empty"
expect 2 "$tmp/empty: offset 0: the file is empty" "$HEAPSIFT" report "$tmp/empty"
printf '{"snapshot":{"meta":{}}}' >"$tmp/bad.heapsnapshot"
expect 2 "bad.heapsnapshot: offset 20: snapshot.meta has no \"node_fields\"" "$HEAPSIFT" report "$tmp/bad.heapsnapshot"
printf '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["object"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["property"],"string_or_number","node"]},"node_count":2,"edge_count":1},"nodes":[0,0,1,0,1,0,0,3' >"$tmp/cut.heapsnapshot"
expect 2 'cut.heapsnapshot: offset [0-9]+: ' "$HEAPSIFT" report "$tmp/cut.heapsnapshot"
printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage' >"$tmp/bad.gz"
expect 2 'bad.gz: offset [0-9]+: gzip' "$HEAPSIFT" report "$tmp/bad.gz"

# symbolize: usage errors 1, files it cannot use 2, a cut ELF file falls
# back to "??", an argument that is not an address is echoed
expect 1 'symbolize: which file' "$HEAPSIFT" symbolize 0x1000
expect 1 'Try .heapsift --help' "$HEAPSIFT" symbolize -e "$HEAPSIFT" --no-such-option
expect 2 '^heapsift: /nonexistent/prog: No such file or directory' \
	"$HEAPSIFT" symbolize -e /nonexistent/prog 0x1000
expect 2 'not a regular file' "$HEAPSIFT" symbolize -e / 0x1000
expect 2 "$tmp/bad.heapsnapshot: not an ELF file" "$HEAPSIFT" symbolize -e "$tmp/bad.heapsnapshot" 0x1000
head -c 3000 "$HEAPSIFT" >"$tmp/cut.elf"
expect 0 '^0x0000000000001000$' "$HEAPSIFT" symbolize -e "$tmp/cut.elf" -a -f 0x1000
expect 0 '^\?\?:0$' "$HEAPSIFT" symbolize -e "$tmp/cut.elf" 0x1000
expect 0 '^not-an-address$' "$HEAPSIFT" symbolize -e "$HEAPSIFT" not-an-address
expect 0 '"function":"main"' "$HEAPSIFT" symbolize -e "$HEAPSIFT" --json \
	"$(nm "$HEAPSIFT" 2>/dev/null | awk '$3 == "main" { print $1 }')"

# without a terminal, FILE alone gives a hint and the report
expect 0 'not a terminal, so no interactive viewer' "$HEAPSIFT" "$fixture"
expect 0 '^Top 20 constructors' "$HEAPSIFT" "$fixture"
expect 1 'go with report or export' "$HEAPSIFT" "$fixture" --top 3
expect 0 '^Down j +next row' "$HEAPSIFT" --keys

# output on a real snapshot
# Leak suspects on the bundled example (data/examples/leak.js): the app's
# memory accumulates in the backing table of the Map its module names
# requestLog, which nothing ever deletes from
n=$((n + 1))
ex="$top_srcdir/data/examples/leak.heapsnapshot.zst"
if ! python3 - "$HEAPSIFT" "$ex" <<'PY'
import csv, io, subprocess, sys
hs, ex = sys.argv[1:]
def rows(*args):
    out = subprocess.run([hs, 'export', ex, '--format', 'csv', '--top', '0', *args], check=True,
                         capture_output=True).stdout.decode()
    return list(csv.DictReader(io.StringIO(out)))
sus = [r for r in rows('--view', 'suspects') if r['kind'] == 'object']
assert sus and sus[0]['accumulation_id'], sus
objs = {r['id']: r for r in rows('--view', 'objects')}
table = objs[sus[0]['accumulation_id']]
owner = objs[table['dominator_id']]
assert owner['name'] == 'Map', owner
holders = rows('--view', 'inspect', '--object', owner['dominator_id'])
assert any(r['edge'] == '->requestLog' and r['id'] == owner['id'] for r in holders), holders
PY
then
	fail "the example's leak suspect does not accumulate in requestLog's table"
	failed=$((failed + 1))
fi
expect 0 '^Summary' "$HEAPSIFT" report "$fixture"
expect 0 'LeakyItem' "$HEAPSIFT" report "$fixture" --top 10
expect 0 '^name,value' "$HEAPSIFT" report "$fixture" --format csv
expect 0 '^depth,name,count,shallow_size,retained_size,retained_percent,distance,id$' \
	"$HEAPSIFT" export "$fixture" --view classes --format csv
expect 0 '^id,type,name,self_size,raw_self_size,retained_size,dominator_id,distance' \
	"$HEAPSIFT" export "$fixture" --view objects --format csv --top 3
if [ "$("$HEAPSIFT" export "$fixture" --view objects --format csv --top 5 | wc -l)" -ne 6 ]; then
	fail "--top 5 did not give 5 rows"
	failed=$((failed + 1))
fi
if command -v python3 >/dev/null; then
	for view in summary classes dominators objects; do
		n=$((n + 1))
		if ! "$HEAPSIFT" export "$fixture" --view "$view" --format json --depth 3 --top 5 |
			python3 -m json.tool >/dev/null; then
			fail "export --view $view --format json is not JSON"
			failed=$((failed + 1))
		fi
	done
	n=$((n + 1))
	if ! "$HEAPSIFT" report "$fixture" --format json | python3 -m json.tool >/dev/null; then
		fail "report --format json is not JSON"
		failed=$((failed + 1))
	fi
fi
# a full disk is an error, not a silent truncation
if [ -w /dev/full ]; then
	n=$((n + 1))
	"$HEAPSIFT" export "$fixture" --view objects >/dev/full 2>"$tmp/err"
	st=$?
	if [ "$st" -ne 2 ] || ! grep -q 'writing the output' "$tmp/err"; then
		fail "writing to /dev/full: status $st"
		failed=$((failed + 1))
	fi
fi

# the man page documents every view, column, option and summary row, and is
# lint-clean
man="$top_srcdir/man/heapsift.1"
for view in summary classes dominators objects; do
	header=$("$HEAPSIFT" export "$fixture" --view "$view" --format csv --top 1 | head -n 1)
	for col in ${header//,/ } $view; do
		n=$((n + 1))
		if ! grep -qw -- "$col" "$man"; then
			fail "man page does not mention '$col' (view $view)"
			failed=$((failed + 1))
		fi
	done
done
for row in $("$HEAPSIFT" export "$fixture" --view summary --format tsv | cut -f1); do
	n=$((n + 1))
	grep -qw -- "$row" "$man" || { fail "man page lacks summary row '$row'"; failed=$((failed + 1)); }
done
for opt in $("$HEAPSIFT" --help | grep -oE -- '--[a-z-]+' | sort -u); do
	n=$((n + 1))
	# as groff writes it: every hyphen escaped
	grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$man" ||
		{ fail "man page lacks option $opt"; failed=$((failed + 1)); }
done
# every key of the key table, in the man page's KEYS section
while IFS= read -r line; do
	n=$((n + 1))
	k=$(printf '%s' "${line:0:16}" | sed 's/ *$//; s/-/\\-/g')
	if ! grep -qxF ".B $k" "$man"; then
		fail "man page lacks key '$k'"
		failed=$((failed + 1))
	fi
done < <("$HEAPSIFT" --keys)
# text tables: a long location (tracemalloc's full file names) widens its
# column, so every row's last column starts where its title does
n=$((n + 1))
"$HEAPSIFT" export "$top_srcdir/tests/data/tracemalloc/shop-1.pickle" --view callsites \
	--sort count --top 20 >"$tmp/text" 2>&1
cols=$(awk 'NR == 1 { c = index($0, "Module") } NR > 1 { print (length($0) == c + 5) }' \
	"$tmp/text" | sort -u | tr -d '\n')
grep -q 'json/encoder.py' "$tmp/text" && [ "$cols" = 1 ] ||
	{ fail "text export: columns out of line:"; sed 's/^/  | /' "$tmp/text"; failed=$((failed + 1)); }

if command -v groff >/dev/null; then
	n=$((n + 1))
	out=$(groff -man -ww -z "$man" 2>&1)
	[ -z "$out" ] || { fail "groff warns: $out"; failed=$((failed + 1)); }
fi
if command -v mandoc >/dev/null; then
	n=$((n + 1))
	out=$(mandoc -T lint "$man" 2>&1)
	[ -z "$out" ] || { fail "mandoc warns: $out"; failed=$((failed + 1)); }
fi

echo "cli: $n checks, $failed failed"
[ "$failed" -eq 0 ]
