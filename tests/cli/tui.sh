#!/bin/bash
# Screen tests: the real binary inside tmux, keys sent with send-keys, the
# screen read with capture-pane, asserting what a person would see.
# make check sets HEAPSIFT and top_srcdir; without tmux the test is skipped.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
command -v tmux >/dev/null || { echo "tmux not installed: skipped"; exit 77; }
command -v zstd >/dev/null || { echo "zstd not installed: skipped"; exit 77; }
fixture="$top_srcdir/tests/data/v8/leak.heapsnapshot.zst"
sock="heapsift-test-$$"
failed=0
n=0

# fail MESSAGE: count a failure; say it in the log and, where make check
# opened fd 9 (AM_TESTS_FD_REDIRECT), on the console too, so that a CI
# transcript shows what failed and not only which script.
if { true >&9; } 2>/dev/null; then console=1; else console=0; fi
fail() {
	echo "FAIL: $*"
	[ "$console" = 1 ] && echo "tui.sh: FAIL: $*" >&9
	return 0
}

# The panes' commands run in this bash, whatever the user's login shell
# (nologin for service users) or SHELL says: bash, unlike dash, survives
# the Ctrl-C the viewer catches and goes on to print EXIT=130.
# Every terminal gets a server of its own: a new session sent to a server
# that kill-server has told to exit can land in it as it goes away, and
# then the screen stays empty (seen on CI, under load).
srv=0
tm() { SHELL="$BASH" tmux -L "$sock-$srv" "$@"; }
trap 'tm kill-server 2>/dev/null' EXIT
# fresh W H COMMAND: a new server with one W x H window running COMMAND
fresh() {
	tm kill-server 2>/dev/null
	srv=$((srv + 1))
	tm -f /dev/null new-session -d -s t -x "$1" -y "$2" "$3"
}

# start W H: the viewer on the fixture in a fresh W x H terminal; the shell
# prints its exit status after it.
start() {
	fresh "$1" "$2" \
		"env LANG=C.UTF-8 TERM=xterm-256color $HEAPSIFT $fixture; echo EXIT=\$?; sleep 600"
	check "$1x$2: the viewer starts" 'Summary.*Classes'
}
screen() { tm capture-pane -t t -p; }
keys() { tm send-keys -t t "$@"; }
# wait_for REGEX: up to 10 s for the screen to show it (CI runs tests side by side)
wait_for() {
	for _ in $(seq 100); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
check() {	# check DESCRIPTION REGEX
	n=$((n + 1))
	if ! wait_for "$2"; then
		fail "$1 (no /$2/ on the screen:)"
		screen | sed 's/^/  | /'
		# the first failure's screen on the console as well
		[ "$console" = 1 ] && [ "$failed" -eq 0 ] && screen | sed 's/^/  | /' >&9
		failed=$((failed + 1))
	fi
}

# DevTools' top constructor of the fixture, from the expected file
top=$(zstd -dqc "$top_srcdir/tests/data/v8/leak.classes.tsv.zst" | sed -n 2p | cut -f1)

start 120 40
check "the Summary shows the totals" 'objects, .* edges, .* classes; total'
check "the Summary's first constructor is DevTools' top one ($top)" "^ $top +"
# the help overlay lists every key
keys '?'
check "help overlay" 'Keys \(any key closes'
while IFS= read -r line; do
	k=$(printf '%s' "${line:0:16}" | sed 's/ *$//')
	check "the help lists '$k'" "│ $k +[A-Za-z]"
done < <("$HEAPSIFT" --keys)
keys x
# a leaking object's retainers lead to a root: find the class, open it,
# take an instance, expand the shortest path
keys / LeakyItem Enter
check "search finds the class" "'LeakyItem'"
keys Enter
check "Enter opens the class in Classes" '▾ LeakyItem'
keys j p
check "p opens the Retainers of the instance" 'Retainers of LeakyItem @'
check "the shortest path reaches a root-held object (distance 1)" '\.handlers +global +1 '
# Backspace goes back to the instance in Classes
keys BSpace
check "Backspace returns to Classes" '▾ LeakyItem'
# sort and reverse
keys 2 s
check "s sorts by the next column" 'sorted by'
keys S
check "S reverses" 'sorted by .*(ascending|descending)'
# the inspector of an object found by id (the global object, from DevTools'
# expected numbers: the largest retained size after the root)
id=@$(zstd -dqc "$top_srcdir/tests/data/v8/leak.objects.tsv.zst" | sort -t"$(printf '\t')" -k3,3nr | sed -n 2p | cut -f1)
keys / "$id" Enter
check "/@id opens the Inspector" "Inside .* $id "
# q quits with status 0, and the terminal is back (no viewer on screen)
keys q
check "q exits with status 0" '^EXIT=0$'
n=$((n + 1))
if screen | grep -q 'Summary.*Classes.*Dominators'; then
	fail "the viewer is still on the screen after q"
	failed=$((failed + 1))
fi

# a small terminal still draws
start 60 20
check "60x20: tabs" '1 Summary'
check "60x20: rows" "^ $top "
check "60x20: status line" '/[0-9]+'
keys '?'
check "60x20: the help fits every key" ' q +quit'
keys x 3
check "60x20: dominators" '\(root\)'
keys q
check "60x20: q" '^EXIT=0$'

# Ctrl-C: the terminal is restored, status 130
start 80 24
keys C-c
check "Ctrl-C exits with 130" '^EXIT=130$'

# ASCII when the locale is not UTF-8, and NO_COLOR
fresh 100 30 \
	"env LANG=C LC_ALL=C NO_COLOR=1 $HEAPSIFT $fixture; echo EXIT=\$?; sleep 600"
check "ASCII: the viewer starts" '1 Summary'
keys 3
check "ASCII: markers are plain" '^ - \(root\)'
keys q
check "ASCII: q" '^EXIT=0$'

# An allocation trace: its own panes (tests/trace/alloc-test.c recorded)
if command -v gcc >/dev/null; then
	tdir=$(mktemp -d)
	gcc -g -O1 -fno-optimize-sibling-calls -o "$tdir/alloc-test" "$top_srcdir/tests/trace/alloc-test.c" &&
		"$HEAPSIFT" record -o "$tdir/a.trace" "$tdir/alloc-test" 2>/dev/null
	fresh 120 40 \
		"env LANG=C.UTF-8 TERM=xterm-256color $HEAPSIFT $tdir/a.trace; echo EXIT=\$?; sleep 600"
	check "trace: the panes" '1 Summary +2 Call sites +3 Call tree +4 Callers +5 Timeline'
	check "trace: the summary's allocated bytes" '^ allocated_bytes +1,055,590 *$'
	keys 2
	check "trace: call sites, the leak's inlined helper" '^ make_buf +4.88 KiB +4.88 KiB +5 '
	keys 3
	check "trace: the call tree from _start" '^ . _start '
	keys 4
	check "trace: callers, the biggest first" '^ . peak +1.00 MiB '
	keys 5
	check "trace: the timeline's chart" 'peak at [0-9]+ ms'
	keys r
	check "trace: object keys say why not" 'an allocation trace has no objects'
	keys q
	check "trace: q" '^EXIT=0$'
	# two traces: the Diff pane
	gcc -g -O1 -fno-optimize-sibling-calls -o "$tdir/grow" "$top_srcdir/tests/diff/grow.c" &&
		"$HEAPSIFT" record -o "$tdir/g10.trace" "$tdir/grow" 10 2>/dev/null &&
		"$HEAPSIFT" record -o "$tdir/g30.trace" "$tdir/grow" 30 2>/dev/null
	fresh 120 30 \
		"env LANG=C.UTF-8 TERM=xterm-256color $HEAPSIFT $tdir/g10.trace $tdir/g30.trace; echo EXIT=\$?; sleep 600"
	check "diff: one pane" '^ heapsift +1 Diff '
	check "diff: the growing call site first" '^ leak +1280 +20 '
	keys q
	check "diff: q" '^EXIT=0$'
	rm -rf "$tdir"
fi

# An imported profile: its own columns; one moment, so no chart
fresh 120 30 \
	"env LANG=C.UTF-8 TERM=xterm-256color $HEAPSIFT $top_srcdir/tests/data/pprof/base.pb.gz; echo EXIT=\$?; sleep 600"
check "pprof: the summary names the sample types" '^ inuse_space +[0-9,]+ *$'
keys 2
check "pprof: call sites, the sample types as columns, the index first" 'inuse_space. +alloc_objects +alloc_space +inuse_objects +Location'
keys 5
check "pprof: the timeline says there is none" 'No heap over time in this pprof file'
check "pprof: nor request sizes" 'No request sizes in this file'
keys q
check "pprof: q" '^EXIT=0$'

# A Java heap dump: the same panes; the numbers are jcmd's (1000 leaked
# items of 32 bytes, tests/data/hprof/leak.histo-before.txt) and the
# leak's path to a root runs through the static field Leak.CACHE.
# Uncompressed, so that the inspector shows the fields' values too.
jdir=$(mktemp -d)
gzip -dc "$top_srcdir/tests/data/hprof/leak.hprof.gz" >"$jdir/leak.hprof"
fresh 120 40 \
	"env LANG=C.UTF-8 TERM=xterm-256color $HEAPSIFT $jdir/leak.hprof; echo EXIT=\$?; sleep 600"
check "hprof: the summary" 'objects, .* edges, .* classes; total .*\(hprof\)'
check "hprof: classes, not constructors" 'Top classes by retained size'
check "hprof: what only soft or weak references hold" '; held only by soft/weak references: [0-9,]+ objects, '
check "hprof: the leak suspects" '^ Leak suspects: 3 \(L shows them\)'
keys L L L
check "hprof: L shows the suspects, Leak's memory accumulated in its map's table" \
	'suspect 3/3: Leak retains .* accumulated in java.util.HashMap\$Node\[\] \(L: next\)'
check "hprof: ... in the Dominators pane" '^ +. java.util.HashMap\$Node\[\] +201 KiB'
keys 2 / 'Leak$LeakyItem' Enter
check "hprof: jcmd's count and bytes of the leaked class" '^ . Leak\$LeakyItem +[0-9.]+ KiB +1,000 +31.2 KiB '
keys Enter j p
check "hprof: the shortest path runs through Leak.CACHE" '\.CACHE +Leak +[0-9]+ @'
keys BSpace i
check "hprof: the inspector of the leaked item" 'Inside Leak\$LeakyItem @0x[0-9a-f]+ \(instance\): shallow 32 bytes'
check "hprof: its fields' values (stamp = 1000 x id)" '^   \.stamp  [0-9]*000 +long$'
keys 2 / 'heapsift-worker' Enter
check "hprof: / finds a thread by its name" 'Inside java\.lang\.Thread "heapsift-worker" @0x'
keys 2 / 'latin1 text' Enter
check "hprof: ... and a string by its value" 'Inside "latin1 text" @0x[0-9a-f]+ \(instance\)'
keys q
check "hprof: q" '^EXIT=0$'
# ids as wide as the dump's: Java's are addresses, shown in hexadecimal as
# MAT shows them, 11 digits and more
python3 - "$jdir/wide.hprof" <<'PY'
import struct, sys
I = lambda v: struct.pack('>Q', v)
rec = lambda tag, body: struct.pack('>BII', tag, 0, len(body)) + body
cls, obj = 0x500000000, 0x500000010          # 21474836480, 21474836496
out = b'JAVA PROFILE 1.0.2\0' + struct.pack('>IQ', 8, 0)
out += rec(0x01, I(1) + b'Wide') + rec(0x02, struct.pack('>I', 1) + I(cls) + struct.pack('>I', 0) + I(1))
heap = b'\x20' + I(cls) + struct.pack('>I', 0) + I(0) * 6 + struct.pack('>IHHH', 0, 0, 0, 0)
heap += b'\xff' + I(obj) + b'\x21' + I(obj) + struct.pack('>I', 0) + I(cls) + struct.pack('>I', 0)
out += rec(0x1C, heap) + rec(0x2C, b'')
open(sys.argv[1], 'wb').write(out)
PY
fresh 120 20 \
	"env LANG=C.UTF-8 TERM=xterm-256color $HEAPSIFT $jdir/wide.hprof; echo EXIT=\$?; sleep 600"
keys 3
check "hprof: an 11-digit id shown whole, in hexadecimal" ' @0x500000000 +class'
keys / '@0x500000010' Enter
check "hprof: / finds an object by its hexadecimal address" 'Inside Wide @0x500000010 \(instance\)'
keys / '@21474836496' Enter
check "hprof: ... or its decimal one" 'object @21474836496'
keys q
check "hprof: q" '^EXIT=0$'
rm -rf "$jdir"

echo "tui: $n checks, $failed failed"
[ "$failed" -eq 0 ]
