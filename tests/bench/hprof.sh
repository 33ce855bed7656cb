#!/bin/bash
# hprof benchmark: a Java program builds a heap of MILLIONS objects (default
# 15), jcmd dumps it, heapsift analyses it (report: read, graph, dominators,
# retained sizes, classes).  Prints the dump's size, the wall time, MB/s and
# peak RSS as a fraction of the dump.  Targets (issue 4): >= 200 MB/s,
# RSS <= 0.5 x dump.  The same process is also dumped with -gz=1 (gzip
# members of 1 MiB, inflated on every core), timed the same way.  The
# dumps are cached in ~/.cache/heapsift-bench.
# Then the peer, VisualVM's heap library (Debian's visualvm), on the same
# dump: the two ratios (PEER=0 leaves it out).
# Usage: HEAPSIFT=./heapsift tests/bench/hprof.sh [MILLIONS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${HEAPSIFT:=./heapsift}"
m=${1:-15}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/heapsift-bench
dump=$cache/bigheap-$m.hprof
mkdir -p "$cache"
if [ ! -s "$dump" ]; then
	work=$(mktemp -d)
	javac -d "$work" "$here/BigHeap.java"
	java -Xmx12g -XX:+UseParallelGC -cp "$work" BigHeap "$m" >"$work/out" &
	pid=$!
	for _ in $(seq 1200); do grep -q ready "$work/out" && break; sleep 0.5; done
	jcmd "$pid" GC.heap_dump -all=false "$dump.tmp" >/dev/null
	rm -f "$dump.gz"
	jcmd "$pid" GC.heap_dump -all=false -gz=1 "$dump.gz.tmp" >/dev/null
	kill "$pid"
	mv "$dump.tmp" "$dump"
	mv "$dump.gz.tmp" "$dump.gz"
	rm -rf "$work"
fi
size=$(stat -c %s "$dump")
# best of 3 after a warm-up run (the page cache): "seconds KiB"
best_of_3() {
	local best= r
	"$HEAPSIFT" report "$1" --top 1 >/dev/null
	for _ in 1 2 3; do
		r=$( { /usr/bin/time -f "%e %M" "$HEAPSIFT" report "$1" --top 5 >/dev/null; } 2>&1 | tail -1)
		if [ -z "$best" ] || awk -v a="${r% *}" -v b="${best% *}" 'BEGIN { exit !(a < b) }'; then best=$r; fi
	done
	echo "$best"
}
best=$(best_of_3 "$dump")
t=${best% *} rss=${best#* }
awk -v s="$size" -v t="$t" -v r="$rss" 'BEGIN {
	printf "dump %.0f MB; heapsift report: %.2f s (%.0f MB/s), peak RSS %.0f MB = %.2f x the dump\n",
		s / 1e6, t, s / 1e6 / t, r * 1024 / 1e6, r * 1024 / s
}'
if [ -s "$dump.gz" ]; then
	gbest=$(best_of_3 "$dump.gz")
	awk -v s="$size" -v z="$(stat -c %s "$dump.gz")" -v t="${gbest% *}" -v r="${gbest#* }" 'BEGIN {
		printf "jcmd -gz=1 dump %.0f MB (%.0f MB inflated); heapsift report: %.2f s (%.0f MB/s of the dump), peak RSS %.0f MB = %.2f x the dump\n",
			z / 1e6, s / 1e6, t, s / 1e6 / t, r * 1024 / 1e6, r * 1024 / s
	}'
fi

# The peer on the same dump: VisualVM's heap library (one run: it takes
# minutes).  It keeps what it computed in DUMP.hwcache and would read it
# back next time, so that goes before and after.
jar=/usr/share/visualvm/visualvm/modules/org-graalvm-visualvm-lib-jfluid-heap.jar
if [ "${PEER:-1}" = 0 ]; then
	exit 0
elif [ ! -f "$jar" ]; then
	echo "VisualVM not installed (apt-get install visualvm): no peer to compare with"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work" "$dump.hwcache"' EXIT
javac -cp "$jar" -d "$work" "$here/VisualVMPeer.java"
rm -rf "$dump.hwcache"
r=$( { /usr/bin/time -f "%e %M" java -cp "$jar:$work" VisualVMPeer "$dump" >"$work/out"; } 2>&1 | tail -1)
pt=${r% *} prss=${r#* }
awk -v s="$size" -v t="$pt" -v r="$prss" -v ht="$t" -v hr="$rss" 'BEGIN {
	printf "VisualVM 2.1 heap library: %.1f s (%.0f MB/s), peak RSS %.0f MB = %.2f x the dump\n",
		t, s / 1e6 / t, r * 1024 / 1e6, r * 1024 / s
	printf "heapsift / VisualVM: %.1fx faster, %.1fx less memory\n", t / ht, r / hr
}'
