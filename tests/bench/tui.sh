#!/bin/bash
# Interactive latency: a scripted session on the benchmark snapshot in tmux,
# each key's handling-and-drawing time read from HEAPSIFT_KEYLOG.  Target: no
# key over 20 ms.  Run from the build directory after run.sh made the
# snapshot (or give one with --snapshot FILE).  Prints every key's time and
# the slowest; exits 0 (1 only if heapsift or tmux is missing).
#
# The session (the issue's): Dominators, collapse and expand the root, page
# down 50 times, re-sort twice, search a class, go to an object, show its
# retainers and the shortest path to a root, back.  Target: every key under
# 20 ms.  Then heavier extras, reported apart (their cost is proportional
# to a list, not to the dump): expanding classes of 63,600 and 190,000
# instances and re-sorting with them open.
set -u
snap=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heapsift-bench}/v8-bench-scale1.heapsnapshot
while [ $# -gt 0 ]; do
	case $1 in
	--snapshot) snap=$2; shift 2 ;;
	*) echo "usage: $0 [--snapshot FILE]" >&2; exit 2 ;;
	esac
done
hs=${HEAPSIFT:-./heapsift}
[ -x "$hs" ] || { echo "tui bench: no heapsift at $hs (set HEAPSIFT)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tui bench: tmux is needed" >&2; exit 1; }
[ -f "$snap" ] || { echo "tui bench: no snapshot $snap (run tests/bench/run.sh first)" >&2; exit 1; }

sock=heapsift-bench-$$
log=$(mktemp)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -f "$log"' EXIT
tmux -L "$sock" -f /dev/null new-session -d -s b -x 160 -y 50 \
	"env LANG=C.UTF-8 HEAPSIFT_KEYLOG=$log $hs $snap; sleep 600"
for _ in $(seq 300); do
	tmux -L "$sock" capture-pane -t b -p | grep -q 'Summary.*Classes' &&
		! tmux -L "$sock" capture-pane -t b -p | grep -q 'loading' && break
	sleep 0.1
done

# key ARGS...: sends one key (or a search) and waits until it is logged.
n=0
key() {
	n=$((n + 1))
	tmux -L "$sock" send-keys -t b "$@"
	for _ in $(seq 200); do
		[ "$(wc -l <"$log")" -ge "$n" ] && return 0
		sleep 0.02
	done
	echo "tui bench: key $* was not handled" >&2
}
search() {	# search TEXT: '/', the text, Enter (one logged key)
	n=$((n + 1))
	tmux -L "$sock" send-keys -t b / "$1" Enter
	for _ in $(seq 500); do
		[ "$(wc -l <"$log")" -ge "$n" ] && return 0
		sleep 0.02
	done
	echo "tui bench: search $1 was not handled" >&2
}

key 3
key h
key l
for _ in $(seq 50); do key NPage; done
key s
key S
search global
key r
key p
key BSpace
key i
key '?'
key x
session=$n
# extras
key 2
search Session
key Enter
key Enter
key j
key r
key BSpace
search '{sku'
key Enter
key s
key s
key q

echo "key                 ms"
awk -v s="$session" '{ printf "%-16s %8.2f%s\n", $2, $3, NR == s ? "\n-- extras --" : "" }' "$log"
awk -v s="$session" 'NR <= s { if ($3 > max) { max = $3; k = $2 } } END {
	printf "\nsession: slowest key %s, %.2f ms over %d keys (target: under 20 ms)\n", k, max, s }' "$log"
awk -v s="$session" 'NR > s { if ($3 > max) { max = $3; k = $2 } } END {
	printf "extras: slowest key %s, %.2f ms\n", k, max }' "$log"
