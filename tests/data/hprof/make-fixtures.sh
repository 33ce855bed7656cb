#!/bin/bash
# Makes the hprof fixtures with a real JDK (Debian openjdk-17-jdk-headless):
#   leak.hprof.gz         jcmd GC.heap_dump -all=false of Leak.java, gzipped
#   leak.histo-before.txt jcmd GC.class_histogram right before the dump
#   leak.histo-after.txt  ... right after it (classes whose counts differ
#                         between the two changed because of the attach
#                         machinery itself and are not compared)
#   leak.histo-kept.txt   ... after the program went through the steps of
#                         the drop without dropping
#   leak.histo-dropped.txt ... after the program let go of Leak.CACHE: the
#                         bytes that vanished are what the map alone held
#   leak.expected         numbers derived from those (see below)
#   leak-dropped.hprof.gz a second dump after the drop (only with
#                         --second-dump: tests/cli/hprof.sh diffs the two)
# Usage: tests/data/hprof/make-fixtures.sh [--second-dump] [OUTDIR] (default: beside it)
# LEAK_JAVA_OPTS adds options to the JVM's command line (tests/cli/hprof.sh:
# the other object layouts, -XX:-UseCompressedOops and the like).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
second=0
if [ "${1:-}" = --second-dump ]; then
	second=1
	shift
fi
out=${1:-$here}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

javac -d "$work" "$here/Leak.java"
mkfifo "$work/in"
# shellcheck disable=SC2086
java -Xmx64m -XX:+UseG1GC ${LEAK_JAVA_OPTS:-} -cp "$work" Leak <"$work/in" >"$work/out" &
pid=$!
exec 3>"$work/in"
for _ in $(seq 100); do grep -q ready "$work/out" && break; sleep 0.1; done
jcmd "$pid" GC.class_histogram >"$work/histo-before.txt"
jcmd "$pid" GC.heap_dump -all=false "$work/leak.hprof" >/dev/null
jcmd "$pid" GC.class_histogram >"$work/histo-after.txt"
# the same steps once without the drop: what they create on first use is
# then in the histogram both before and after the drop
echo n >&3
for _ in $(seq 100); do grep -q noted "$work/out" && break; sleep 0.1; done
jcmd "$pid" GC.class_histogram >"$work/histo-kept.txt"
echo d >&3
for _ in $(seq 100); do grep -q dropped "$work/out" && break; sleep 0.1; done
jcmd "$pid" GC.class_histogram >"$work/histo-dropped.txt"
if [ "$second" = 1 ]; then
	jcmd "$pid" GC.heap_dump -all=false "$work/leak-dropped.hprof" >/dev/null
	gzip -9n <"$work/leak-dropped.hprof" >"$out/leak-dropped.hprof.gz"
fi
exec 3>&-
wait "$pid" || true

gzip -9n <"$work/leak.hprof" >"$out/leak.hprof.gz"
for h in before after kept dropped; do
	sed 1d "$work/histo-$h.txt" >"$out/leak.histo-$h.txt"	# line 1: the pid
done
# What the map alone held: per class, instances and bytes in the histogram
# before the drop minus those after it, over the classes the leak is
# made of (others move with the attach machinery).
python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def h(name):
    d = {}
    for line in open(f'{out}/leak.histo-{name}.txt'):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m:
            d[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return d
a, d = h('kept'), h('dropped')
classes = ['java.util.HashMap', '[Ljava.util.HashMap$Node;', 'java.util.HashMap$Node',
           'java.lang.Integer', 'Leak$LeakyItem', '[J']
total = 0
with open(f'{out}/leak.expected', 'w') as f:
    f.write('# what Leak.CACHE alone holds: histogram before the drop minus after it\n')
    for c in classes:
        n = a.get(c, (0, 0))[0] - d.get(c, (0, 0))[0]
        b = a.get(c, (0, 0))[1] - d.get(c, (0, 0))[1]
        total += b
        f.write(f'held\t{c}\t{n}\t{b}\n')
    f.write(f'map_retained\t{total}\n')
PY
cat "$out/leak.expected"
