#!/bin/bash
# Python tracemalloc snapshots: heapsift's numbers against Python's own.
#
# Every pickle X made by tracemalloc-snap.py comes with what Python says of
# it (X.lineno, X.traceback, X.totals, X.top; NAME.compare for a pair):
#   callsites (size, count per file:line)   = snapshot.statistics('lineno')
#   folded stacks (--sort size, count)       = statistics('traceback')
#   summary size and count                   = their totals
#   callsites' first 10 sizes, sorted        = statistics('lineno')[:10]
#   heapsift diff NAME-1 NAME-2             = NAME-2.compare_to(NAME-1, 'lineno')
# First the committed fixture (tests/data/tracemalloc, no Python needed),
# then snapshots that python3 makes now (limits 10 and 1; more
# interpreters through TRACEMALLOC_PYTHONS="python3.8 python3.13 ..."),
# then hostile and broken pickles, which must be refused with a message.
# make check sets HEAPSIFT and top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
src=$top_srcdir/tests/import
data=$top_srcdir/tests/data/tracemalloc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=tracemalloc.sh
. "$top_srcdir/tests/lib.sh"

# cols FILE NAME...: the named columns of a TSV export, header dropped
cols() {
	awk -F'\t' -v want="${*:2}" '
		NR == 1 { k = split(want, w, " ")
		          for (i = 1; i <= k; i++) for (j = 1; j <= NF; j++) if ($j == w[i]) c[i] = j
		          for (i = 1; i <= k; i++) if (!(i in c)) { print "no column " w[i]; exit 1 }
		          next }
		{ line = $c[1]; for (i = 2; i <= k; i++) line = line "\t" $c[i]; print line }
	' "$1"
}

# same WHAT GOT EXPECTED: two files, compared sorted
same() {
	n=$((n + 1))
	LC_ALL=C sort "$2" >"$tmp/got.sorted"
	LC_ALL=C sort "$3" >"$tmp/want.sorted"
	if ! cmp -s "$tmp/got.sorted" "$tmp/want.sorted"; then
		fail "$1 ($(wc -l <"$tmp/want.sorted") expected lines)"
		diff "$tmp/want.sorted" "$tmp/got.sorted" | head -n 8
	fi
}

# folded FILE: "stack<TAB>size<TAB>count", stacks summed
folded() {
	{
		"$HEAPSIFT" export "$1" --format folded --sort size | sed 's/^/S /'
		"$HEAPSIFT" export "$1" --format folded --sort count | sed 's/^/C /'
	} | awk '{ w = $NF; k = substr($0, 3); sub(/ [0-9]+$/, "", k)
	           if (substr($0, 1, 1) == "S") s[k] += w; else c[k] += w; seen[k] = 1 }
	         END { for (k in seen) printf "%s\t%.0f\t%.0f\n", k, s[k], c[k] }'
}

# check_one X: one pickle against X.lineno, X.traceback, X.totals, X.top
check_one() {
	local x=$1 what
	what=$(basename "$x")
	if ! "$HEAPSIFT" export "$x" --view callsites --format tsv --top 0 >"$tmp/cs.tsv" 2>"$tmp/err"; then
		fail "$what: export callsites: $(cat "$tmp/err")"
		return
	fi
	cols "$tmp/cs.tsv" location size count >"$tmp/cs"
	same "$what: callsites = statistics('lineno')" "$tmp/cs" "$x.lineno"
	folded "$x" >"$tmp/tb"
	same "$what: stacks = statistics('traceback')" "$tmp/tb" "$x.traceback"
	"$HEAPSIFT" export "$x" --view summary --format tsv >"$tmp/sum.tsv" || fail "$what: export summary"
	grep -E '^(size|count)	' "$tmp/sum.tsv" >"$tmp/sum"
	same "$what: summary size and count = the totals" "$tmp/sum" "$x.totals"
	n=$((n + 1))
	"$HEAPSIFT" export "$x" --view callsites --format tsv --top 10 >"$tmp/top.tsv"
	cols "$tmp/top.tsv" size >"$tmp/top"
	cmp -s "$tmp/top" "$x.top" || fail "$what: the 10 largest call sites' sizes, in order"
}

# check_set DIR NAME: the pickles of one run of tracemalloc-snap.py
check_set() {
	local d=$1 name=$2 x
	for x in "$d/$name"-*.pickle; do
		check_one "$x"
	done
	if "$HEAPSIFT" diff "$d/$name-1.pickle" "$d/$name-2.pickle" --format tsv --top 0 \
		>"$tmp/diff.tsv" 2>"$tmp/err"; then
		cols "$tmp/diff.tsv" location target_size size_delta target_count count_delta >"$tmp/diff"
		same "$name: diff = compare_to(..., 'lineno')" "$tmp/diff" "$d/$name.compare"
	else
		fail "$name: heapsift diff: $(cat "$tmp/err")"
	fi
	# the format is told by the content; the summary says what the file had
	n=$((n + 1))
	"$HEAPSIFT" export "$d/$name-2-p2.pickle" --view summary --format tsv >"$tmp/sum.tsv"
	grep -q '^format	tracemalloc$' "$tmp/sum.tsv" && grep -q '^pickle_protocol	2$' "$tmp/sum.tsv" ||
		fail "$name: the summary's format and protocol"
	n=$((n + 1))
	"$HEAPSIFT" export "$d/$name-dom.pickle" --view summary --format tsv >"$tmp/sum.tsv"
	grep -q '^other_domain_blocks	2$' "$tmp/sum.tsv" &&
		grep -q '^other_domain_bytes	5000000024$' "$tmp/sum.tsv" ||
		fail "$name: other domains in the summary"
}

# --- the committed fixture (made by tracemalloc-snap.py --fixture) ----------------------
check_set "$data" shop

# --- the comparison can fail -----------------------------------------------------------
for f in "$data"/shop-2.pickle*; do cp "$f" "$tmp/bad-2${f#"$data"/shop-2}"; done
sed '1s/	[0-9]*	/	1	/' "$data/shop-2.pickle.lineno" >"$tmp/bad-2.pickle.lineno"
before=$failed
check_one "$tmp/bad-2.pickle" >/dev/null 9>/dev/null
n=$((n + 1))
if [ "$failed" -eq "$before" ]; then
	fail "a wrong expected size went unnoticed"
else
	failed=$before
fi

# --- snapshots python3 makes now --------------------------------------------------------
seen=" "
for py in python3 ${TRACEMALLOC_PYTHONS:-}; do
	ver=$("$py" -c 'import sys, tracemalloc; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
		continue
	case $seen in *" $ver "*) continue ;; esac
	seen="$seen$ver "
	for limit in 10 1; do
		mkdir -p "$tmp/py$ver"
		if ! "$py" "$src/tracemalloc-snap.py" "$tmp/py$ver" "l$limit" "$limit" 2>"$tmp/err"; then
			fail "python $ver: tracemalloc-snap.py: $(cat "$tmp/err")"
			continue
		fi
		check_set "$tmp/py$ver" "l$limit"
	done
	n=$((n + 1))
	"$HEAPSIFT" export "$tmp/py$ver/l10-2.pickle" --view summary --format tsv >"$tmp/sum.tsv"
	if [ "${ver#3.}" -ge 9 ]; then
		# total_nframe: deep() recurses past the limit of 10
		t=$(awk -F'\t' '$1 == "truncated_tracebacks" { print $2 }' "$tmp/sum.tsv")
		[ "${t:-0}" -gt 0 ] || fail "python $ver: no truncated traceback counted"
	fi
	grep -q '^traceback_limit	10$' "$tmp/sum.tsv" || fail "python $ver: traceback_limit"
done
[ "$seen" = " " ] && echo "python3 not installed: live comparisons skipped"

# --- hostile and broken pickles: refused with a message, exit status 2 -------------------
# refuse NAME EXPECTED-TEXT: the file $tmp/NAME must be refused saying so
refuse() {
	n=$((n + 1))
	"$HEAPSIFT" export "$tmp/$1" --view summary --format tsv >"$tmp/out" 2>"$tmp/err"
	local r=$?
	[ "$r" -eq 2 ] || fail "$1: exit status $r, not 2"
	grep -q -- "$2" "$tmp/err" || fail "$1: the message is '$(cat "$tmp/err")', not about '$2'"
}
proto5() { printf '\x80\x05\x8c\x0btracemalloc\x94\x8c\x08Snapshot\x94'; }
# os.system('true') by REDUCE after the snapshot's header
{ proto5; printf '\x8c\x02os\x8c\x06system\x93\x8c\x04true\x85R.'; } >"$tmp/reduce"
refuse reduce "os.system"
{ proto5; printf '\x93)\x81\x8c\x04true\x85R.'; } >"$tmp/reduce2"
refuse reduce2 "REDUCE"
# GLOBAL of protocol 2 naming something else
printf '\x80\x02ctracemalloc\nSnapshot\ncposix\nsystem\n.' >"$tmp/global"
refuse global "posix.system"
# deep nesting: a million MARKs, then an empty tuple a million times
{ proto5; head -c 1000000 /dev/zero | tr '\0' '('; printf '.'; } >"$tmp/marks"
refuse marks "MARK still open"
{ proto5; printf '\x93)\x81}(\x8c\x06tracesctracemalloc\n_Traces\n)\x81}\x8c\x07_traces])'
  head -c 1000000 /dev/zero | tr '\0' '\205'
  printf 'asb\x8c\x0ftraceback_limitK\x01ub.'; } >"$tmp/nest"
refuse nest "trace 0 is a tuple of another length"
# huge declared lengths
{ proto5; printf '\x8d\xff\xff\xff\xff\xff\xff\xff\x7f'; } >"$tmp/bigstr"
refuse bigstr "string of"
{ proto5; printf '\x95\xff\xff\xff\xff\xff\xff\xff\xff'; } >"$tmp/bigframe"
refuse bigframe "FRAME of"
# memo abuse: a write far beyond the file, a read of a slot never written
{ proto5; printf 'N\x72\xff\xff\xff\x7f.'; } >"$tmp/memo"
refuse memo "memo index"
{ proto5; printf '\x6a\x05\x00\x00\x00.'; } >"$tmp/memo2"
refuse memo2 "read before it is written"
# the real file, cut short, and with bytes after its STOP
head -c 3000 "$data/shop-2.pickle" >"$tmp/cut"
refuse cut "cut short"
{ cat "$data/shop-2.pickle"; printf 'x'; } >"$tmp/trailing"
refuse trailing "after the pickle's STOP"
# a trace that is not (domain, size, frames, total_nframe)
{ printf '\x80\x02ctracemalloc\nSnapshot\n)\x81}(\x8c\x06traces'
  printf 'ctracemalloc\n_Traces\n)\x81}\x8c\x07_traces](K\x00J\xff\xff\xff\xff)K\x00tasb'
  printf '\x8c\x0ftraceback_limitK\x01ub.'; } >"$tmp/negsize"
refuse negsize "trace 0 is not"
# invalid UTF-8 in a file name
{ proto5; printf '\x8c\x02\xc3\x28.'; } >"$tmp/utf8"
refuse utf8 "invalid UTF-8"
# --input-format tracemalloc on something else
printf 'not a pickle at all' >"$tmp/text"
n=$((n + 1))
"$HEAPSIFT" export -I tracemalloc "$tmp/text" --format tsv --view summary 2>"$tmp/err" &&
	fail "text: accepted"
grep -q "offset 0: not a pickle" "$tmp/err" || fail "text: the message is '$(cat "$tmp/err")'"
"$HEAPSIFT" --help 2>&1 | grep -q tracemalloc || fail "--help does not list tracemalloc"

echo "$n checks, $failed failed"
[ "$failed" -eq 0 ]
