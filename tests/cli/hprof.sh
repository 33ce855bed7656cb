#!/bin/bash
# Java heap dumps against the JDK's own numbers (tests/data/hprof/README):
# the committed fixture, then (when a JDK is installed) a fresh dump of the
# same program; malformed dumps.  make check sets HEAPSIFT and top_srcdir.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
data="$top_srcdir/tests/data/hprof"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=hprof.sh
. "$top_srcdir/tests/lib.sh"
# field FILE.csv COLUMN KEYCOLUMN KEY: value's arguments in another order
field() { value "$1" "$3" "$4" "$2"; }

# check_dump DIR: DIR/leak.hprof.gz against DIR's histograms and expectations
check_dump() {
	local dir=$1 what=$2 dump="$1/leak.hprof.gz" leak map item want got
	# every class: the instance count of jcmd GC.class_histogram, and the
	# bytes (HotSpot's layout; java.lang.Class mirrors aside)
	n=$((n + 1))
	"$HEAPSIFT" export "$dump" --view classes --format csv --top 1000000 >"$tmp/classes.csv" ||
		fail "$what: export classes"
	python3 "$top_srcdir/tests/java/histo-compare.py" --exact-min 99 --total-tol 0.5 \
		"$dir/leak.histo-before.txt" "$dir/leak.histo-after.txt" "$tmp/classes.csv" >"$tmp/cmp" ||
		fail "$what: classes differ from jcmd's histogram: $(cat "$tmp/cmp")"
	tail -1 "$tmp/cmp"
	# the static map Leak.CACHE retains what the JVM freed when it let go
	"$HEAPSIFT" export "$dump" --view objects --format csv --top 100000000 >"$tmp/objects.csv"
	leak=$(python3 - "$tmp/objects.csv" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding='utf-8')):
    if r['type'] == 'class' and r['name'] == 'Leak':
        print(r['id']); break
PY
)
	n=$((n + 1))
	if [ -z "$leak" ]; then
		fail "$what: no class object named Leak"
		return
	fi
	"$HEAPSIFT" export "$dump" --view inspect --object "$leak" --format csv >"$tmp/leak.csv"
	map=$(field "$tmp/leak.csv" id edge .CACHE)
	want=$(awk -F'\t' '$1 == "map_retained" { print $2 }' "$dir/leak.expected")
	got=$(field "$tmp/objects.csv" retained_size id "$map")
	n=$((n + 1))
	[ -n "$map" ] && [ "$got" = "$want" ] ||
		fail "$what: Leak.CACHE (@$map) retains '$got' bytes; the JVM freed $want without it"
	# a leak suspect: the class Leak, whose memory accumulates in the
	# map's table (Leak -> CACHE -> table, two steps down)
	n=$((n + 1))
	"$HEAPSIFT" export "$dump" --view inspect --object "$map" --format csv >"$tmp/map.csv"
	table=$(field "$tmp/map.csv" id edge .table)
	"$HEAPSIFT" report "$dump" --format json --top 1 >"$tmp/report.json"
	python3 - "$tmp/report.json" "$leak" "$table" <<'PY' ||
import json, sys
s = json.load(open(sys.argv[1]))['suspects']
want = {'name': 'Leak', 'kind': 'object', 'id': int(sys.argv[2], 0), 'accumulation_id': int(sys.argv[3], 0),
        'accumulation': 'java.util.HashMap$Node[]', 'depth': 2}
assert any(all(r[k] == v for k, v in want.items()) for r in s), s
PY
		fail "$what: no leak suspect Leak accumulated in the map's table @$table: $(head -c 600 "$tmp/report.json")"
	# a leaked item's retainers lead through the map and Leak.CACHE to a root
	item=$(field "$tmp/objects.csv" id class 'Leak$LeakyItem')
	"$HEAPSIFT" export "$dump" --view retainers --object "$item" --depth 12 --top 1 \
		--format csv >"$tmp/ret.csv"
	n=$((n + 1))
	python3 - "$tmp/ret.csv" <<'PY' || fail "$what: retainers of a LeakyItem: $(cat "$tmp/ret.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8')))
path = [(r['edge'].lstrip('.'), r['name']) for r in rows]
want = [('value', 'java.util.HashMap$Node'), (None, 'java.util.HashMap$Node[]'),
        ('table', 'java.util.HashMap'), ('CACHE', 'Leak')]
for (we, wr), (e, r) in zip(want, path):
    if r != wr or (we and e != we):
        sys.exit(1)
if rows[-1]['type'] != 'synthetic':
    sys.exit(1)
PY
	# the worker thread's local (Leak.java: a StringBuilder, held while the
	# thread waits on line 41 of the lambda) hangs under its Thread object,
	# named after the thread, on an edge named after the frame, and the
	# Thread under the Thread roots
	n=$((n + 1))
	python3 - "$HEAPSIFT" "$dump" "$tmp/objects.csv" <<'PY' ||
import csv, io, subprocess, sys
heapsift, dump, objects = sys.argv[1:]
frame = '{<Java Local> in Leak.lambda$main$0 (Leak.java:41)}'
found = []
for o in csv.DictReader(open(objects, encoding='utf-8')):
    if o['type'] != 'instance' or o['class'] != 'java.lang.StringBuilder':
        continue
    out = subprocess.run([heapsift, 'export', dump, '--view', 'retainers', '--object', o['id'],
                          '--depth', '2', '--format', 'csv'], check=True, capture_output=True).stdout
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    for i, r in enumerate(rows):
        if r['edge'] == frame and r['edge_type'] == 'root' and \
           r['name'] == 'java.lang.Thread "heapsift-worker"':
            found.append((o['id'], rows[i + 1]['name'] if i + 1 < len(rows) else None))
assert [t for _, t in found] == ['Thread'], found
PY
		fail "$what: no StringBuilder held by the worker's frame at Leak.java:41"
	# a reference object's referent: typed after its kind (the JDK's own
	# soft references and WeakHashMap entries), named .referent
	n=$((n + 1))
	python3 - "$HEAPSIFT" "$dump" "$tmp/objects.csv" <<'PY' ||
import csv, io, subprocess, sys
heapsift, dump, objects = sys.argv[1:]
want = {'java.lang.ref.SoftReference': 'soft reference', 'java.util.WeakHashMap$Entry': 'weak reference'}
seen = {}
for o in csv.DictReader(open(objects, encoding='utf-8')):
    if o['type'] != 'instance' or o['class'] not in want or o['class'] in seen:
        continue
    out = subprocess.run([heapsift, 'export', dump, '--view', 'inspect', '--object', o['id'],
                          '--format', 'csv'], check=True, capture_output=True).stdout
    rows = [r for r in csv.DictReader(io.StringIO(out.decode())) if r['edge'] == '.referent']
    if rows:
        seen[o['class']] = rows[0]['edge_type']
assert seen == want, seen
PY
		fail "$what: referents not typed by their kind of reference"
	# what only referents reach: the reachable objects without a distance
	n=$((n + 1))
	"$HEAPSIFT" report "$dump" --format json --top 1 >"$tmp/report.json"
	python3 - "$tmp/report.json" "$tmp/objects.csv" <<'PY' ||
import csv, json, sys
s = json.load(open(sys.argv[1]))['summary']
rows = [r for r in csv.DictReader(open(sys.argv[2], encoding='utf-8'))
        if r['reach'] == 'reachable' and (r['distance'] == '' or int(r['distance']) < 0)]
want = (len(rows), sum(int(r['self_size']) for r in rows))
assert want[0] > 0 and (s['referent_only_objects'], s['referent_only_size']) == want, (s, want)
PY
		fail "$what: referent_only_* differ from the objects without a distance"
}

check_dump "$data" "fixture"

# Java ids are addresses, shown as MAT shows them; --object takes them so
n=$((n + 1))
msg=$("$HEAPSIFT" export "$data/leak.hprof.gz" --view inspect --object 0x1234 2>&1 >/dev/null)
[ "$msg" = "heapsift: $data/leak.hprof.gz has no object with id 0x1234" ] ||
	fail "an absent Java id: '$msg'"

# An uncompressed dump reads String values when they are shown (lazy
# labels), a compressed one while loading: the same names either way.
n=$((n + 1))
gzip -dc "$data/leak.hprof.gz" >"$tmp/plain.hprof"
"$HEAPSIFT" export "$tmp/plain.hprof" --view objects --format csv --top 100000000 >"$tmp/plain.csv"
"$HEAPSIFT" export "$data/leak.hprof.gz" --view objects --format csv --top 100000000 >"$tmp/gz.csv"
if ! cmp -s "$tmp/plain.csv" "$tmp/gz.csv"; then
	fail "plain and gzip'd dumps name objects differently: $(diff "$tmp/gz.csv" "$tmp/plain.csv" | head -4)"
fi
labels=$(grep -c '^0x[0-9a-f]*,instance,"""' "$tmp/plain.csv")
n=$((n + 1))
[ "$labels" -gt 1000 ] || fail "only $labels Strings shown with their value"

# Values read from an uncompressed dump (the inspector's rows among the
# references), against what Leak.java and java.util.HashMap make them:
# the map's size, threshold and load factor; each entry's hash (for an
# Integer under 65536, its own value), key and item (id, stamp = 1000 x id,
# a payload of 10 + id % 7 zeros); Leak.LEAKED; Leak$Inner.x; char[] {'h', 'i'}.
n=$((n + 1))
python3 - "$HEAPSIFT" "$tmp/plain.hprof" "$tmp/plain.csv" >"$tmp/values.out" 2>&1 <<'PY' ||
import csv, io, subprocess, sys
heapsift, dump, objects = sys.argv[1:]
def export(*args):
    out = subprocess.run([heapsift, 'export', dump, '--format', 'csv', '--top', '0', *args],
                         check=True, capture_output=True).stdout.decode()
    return list(csv.DictReader(io.StringIO(out)))
def inspect(oid, depth=1):
    return export('--view', 'inspect', '--object', oid, '--depth', str(depth))
def fields(rows):
    return {r['edge']: r for r in rows if r['depth'] == '0'}
objs = list(csv.DictReader(open(objects, encoding='utf-8')))
leak = next(r['id'] for r in objs if r['type'] == 'class' and r['name'] == 'Leak')
f = fields(inspect(leak))
assert f['.LEAKED']['name'] == '1000' and f['.LEAKED']['type'] == 'int', f['.LEAKED']
rows = inspect(f['.CACHE']['id'], 5)
m = fields(rows)
assert (m['.size']['name'], m['.threshold']['name'], m['.loadFactor']['name']) == ('1000', '1536', '0.75'), m
# in the class dumps' order: java.util.HashMap's fields, then AbstractMap's,
# each class's declared last first as JDK 17 writes them; the table (an
# edge) among the values
order = [r['edge'] for r in rows if r['depth'] == '0']
assert order == ['.loadFactor', '.threshold', '.modCount', '.size', '.entrySet', '.table',
                 '.values', '.keySet'], order
assert [r['index'] for r in rows if r['depth'] == '0'] == [str(i) for i in range(8)]
# the entries: depth 1 a Node, 2 its fields, 3 the item's and key's, 4 the payload's
seen, node, item, key = set(), None, None, None
def close():
    if node is None:
        return
    i = int(item['.id'])
    assert int(node['.hash']) == i and key == i, (node, key, item)
    assert item['.stamp'] == str(1000 * i) and item['payload'] == ['0'] * (10 + i % 7), item
    seen.add(i)
for r in rows:
    d, e = int(r['depth']), r['edge']
    if d == 1:
        close()
        node, item, key, under = {}, {'payload': []}, None, None
    elif d == 2:
        under = e
        if r['edge_type'] == 'value':
            node[e] = r['name']
    elif d == 3 and under == '.value' and r['edge_type'] == 'value':
        item[e] = r['name']
    elif d == 3 and under == '.key' and e == '.value':
        key = int(r['name'])
    elif d == 4 and under == '.value':
        item['payload'].append(r['name'])
close()
assert seen == set(range(1000)), f'{len(seen)} entries read'
inner = next(r['id'] for r in objs if r['type'] == 'instance' and r['class'] == 'Leak$Inner')
assert fields(inspect(inner))['.x']['name'] == '42'
chars = [r for r in objs if r['type'] == 'primitive array' and r['class'] == 'char[]']
assert any([x['name'] for x in inspect(c['id'])] == ["'h'", "'i'"] for c in chars), 'no char[] {h, i}'
PY
	fail "values of the plain dump: $(tail -3 "$tmp/values.out")"
# the gzip'd dump, decompressed to a temporary file, shows the same values
n=$((n + 1))
map=$(field "$tmp/leak.csv" id edge .CACHE)
"$HEAPSIFT" export "$tmp/plain.hprof" --view inspect --object "$map" --depth 5 --top 0 --format csv >"$tmp/v1.csv"
"$HEAPSIFT" export "$data/leak.hprof.gz" --view inspect --object "$map" --depth 5 --top 0 --format csv >"$tmp/v2.csv"
if ! cmp -s "$tmp/v1.csv" "$tmp/v2.csv" || ! grep -q '^0,[0-9]*,\.size,value,1000,int' "$tmp/v2.csv"; then
	fail "plain and gzip'd dumps show other values: $(diff "$tmp/v1.csv" "$tmp/v2.csv" | head -4)"
fi

# Most references late in the file: the count guessed from a prefix is
# short, the arrays grow (tests/java/make-long.py); the summary's counts
# and bytes are the generator's.
n=$((n + 1))
want=$(python3 "$top_srcdir/tests/java/make-long.py" "$tmp/long.hprof")
got=$("$HEAPSIFT" report "$tmp/long.hprof" --format json --top 1 | python3 -c '
import json, sys
s = json.load(sys.stdin)["summary"]
print(s["objects"], s["edges"], s["total_size"])')
[ "$got" = "$want" ] || fail "late references: objects, edges, bytes '$got', not '$want'"
rm -f "$tmp/long.hprof"

# Dumps no JDK 17 writes: JAVA PROFILE 1.0.1 with 4-byte ids, char[]
# Strings and names in modified UTF-8; Android's 1.0.3 with its own
# records and root kinds (tests/java/variants.py)
n=$((n + 1))
mkdir -p "$tmp/variants"
python3 "$top_srcdir/tests/java/variants.py" "$HEAPSIFT" "$tmp/variants" >"$tmp/cmp" ||
	fail "$(cat "$tmp/cmp")"

# a live JDK: the same program, dumped now
if command -v javac >/dev/null && command -v jcmd >/dev/null; then
	if bash "$data/make-fixtures.sh" --second-dump "$tmp/live" >/dev/null 2>"$tmp/live.err" ||
	   { mkdir -p "$tmp/live" &&
	     bash "$data/make-fixtures.sh" --second-dump "$tmp/live" >/dev/null 2>"$tmp/live.err"; }; then
		check_dump "$tmp/live" "live JDK $(java -version 2>&1 | head -1)"
		# the map dropped between the two dumps: the diff's deltas are
		# the histograms' (the classes the map is made of)
		"$HEAPSIFT" diff "$tmp/live/leak.hprof.gz" "$tmp/live/leak-dropped.hprof.gz" --format csv \
			--top 0 >"$tmp/diff.csv" || fail "diff of two live dumps"
		n=$((n + 1))
		if ! python3 - "$tmp/diff.csv" "$tmp/live/leak.expected" 2>"$tmp/diff.out" <<'PY'
import csv, sys
names = {'Leak$LeakyItem': 'Leak$LeakyItem', '[J': 'long[]', 'java.util.HashMap$Node': 'java.util.HashMap$Node'}
rows = {r['class']: r for r in csv.DictReader(open(sys.argv[1]))}
want = {}
for line in open(sys.argv[2]):
    f = line.split('\t')
    if f[0] == 'held' and f[1] in names:
        want[names[f[1]]] = (-int(f[2]), -int(f[3]))
bad = []
for cls, (n, b) in want.items():
    r = rows.get(cls)
    got = (int(r['count_delta']), int(r['size_delta'])) if r else None
    if got != (n, b):
        bad.append(f'{cls}: {got}, not {(n, b)}')
assert want and not bad, '; '.join(bad) or 'no classes to compare'
assert rows['Leak$LeakyItem']['new_count'] == '', 'hprof diffs have no id columns'
PY
		then
			fail "diff of two dumps: $(tail -1 "$tmp/diff.out")"
		fi
	else
		fail "make-fixtures.sh: $(cat "$tmp/live.err")"
	fi
	# The other object layouts: the layout told from the dump, and every
	# class's count and bytes jcmd's (references of 8 bytes, headers of 16).
	while IFS="|" read -r opts want; do
		rm -rf "$tmp/layout" && mkdir -p "$tmp/layout"
		n=$((n + 1))
		if ! LEAK_JAVA_OPTS=$opts bash "$data/make-fixtures.sh" "$tmp/layout" >/dev/null 2>"$tmp/live.err"; then
			fail "make-fixtures.sh with $opts: $(cat "$tmp/live.err")"
			continue
		fi
		got=$("$HEAPSIFT" report "$tmp/layout/leak.hprof.gz" --top 1 | sed -n 's/^layout  *//p')
		[ "$got" = "$want" ] || fail "$opts: layout '$got', not '$want'"
		n=$((n + 1))
		"$HEAPSIFT" export "$tmp/layout/leak.hprof.gz" --view classes --format csv --top 1000000 \
			>"$tmp/classes.csv" || fail "$opts: export classes"
		python3 "$top_srcdir/tests/java/histo-compare.py" --exact-min 99 --total-tol 0.5 \
			"$tmp/layout/leak.histo-before.txt" "$tmp/layout/leak.histo-after.txt" \
			"$tmp/classes.csv" >"$tmp/cmp" ||
			fail "$opts: classes differ from jcmd's histogram: $(cat "$tmp/cmp")"
		tail -1 "$tmp/cmp"
	done <<'EOF'
-XX:-UseCompressedOops|uncompressed oops, compressed class pointers
-XX:-UseCompressedClassPointers|compressed oops, uncompressed class pointers
-XX:-UseCompressedOops -XX:-UseCompressedClassPointers|uncompressed oops and class pointers
-XX:ObjectAlignmentInBytes=16|compressed oops and class pointers, 16-byte alignment
-XX:-UseCompressedOops -XX:ObjectAlignmentInBytes=16|uncompressed oops, compressed class pointers, 16-byte alignment
EOF
	# The classes HotSpot pads for @Contended (tests/java/Contended.java),
	# in every layout: their bytes jcmd's exactly.
	javac -d "$tmp/cont" "$top_srcdir/tests/java/Contended.java" 2>"$tmp/javac.err" ||
		fail "javac Contended.java: $(cat "$tmp/javac.err")"
	exact='java.lang.Thread,Contended$Worker,java.util.concurrent.ForkJoinPool'
	exact="$exact,java.util.concurrent.SubmissionPublisher\$BufferedSubscription"
	exact="$exact,java.util.concurrent.atomic.Striped64\$Cell"
	exact="$exact,java.util.concurrent.ConcurrentHashMap\$CounterCell"
	exact="$exact,java.util.concurrent.Exchanger\$Node"
	for opts in "" -XX:-UseCompressedOops -XX:-UseCompressedClassPointers \
		"-XX:-UseCompressedOops -XX:-UseCompressedClassPointers"; do
		n=$((n + 1))
		rm -f "$tmp/cont.fifo" && mkfifo "$tmp/cont.fifo"
		# shellcheck disable=SC2086
		java -Xmx64m $opts --add-opens java.base/java.util.concurrent=ALL-UNNAMED \
			--add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED \
			-cp "$tmp/cont" Contended <"$tmp/cont.fifo" >"$tmp/cont.out" 2>&1 &
		pid=$!
		exec 4>"$tmp/cont.fifo"
		for _ in $(seq 100); do grep -q ready "$tmp/cont.out" && break; sleep 0.1; done
		jcmd "$pid" GC.class_histogram | sed 1d >"$tmp/cont.before"
		jcmd "$pid" GC.heap_dump -all=false "$tmp/cont.hprof" >/dev/null
		jcmd "$pid" GC.class_histogram | sed 1d >"$tmp/cont.after"
		exec 4>&-
		wait "$pid" || true
		"$HEAPSIFT" export "$tmp/cont.hprof" --view classes --format csv --top 1000000 \
			>"$tmp/classes.csv" || fail "Contended $opts: export classes"
		python3 "$top_srcdir/tests/java/histo-compare.py" --exact-min 99 --total-tol 0.5 \
			--exact "$exact" "$tmp/cont.before" "$tmp/cont.after" "$tmp/classes.csv" >"$tmp/cmp" ||
			fail "Contended $opts: $(grep -v 'classes compared' "$tmp/cmp" | head -5)"
		rm -f "$tmp/cont.hprof"
	done
else
	echo "no JDK (javac, jcmd): the live part is skipped"
fi

# the same program on a 32-bit VM (4-byte ids, 8-byte headers): leak32/
check_dump "$data/leak32" "32-bit fixture"
n=$((n + 1))
got=$("$HEAPSIFT" report "$data/leak32/leak.hprof.gz" --top 1 | sed -n 's/^layout  *//p')
[ "$got" = "32-bit VM" ] || fail "32-bit fixture: layout '$got'"

# --java-layout: the detected layout by name gives the same classes; with
# /16 every object's size is a multiple of 16; others are refused
n=$((n + 1))
"$HEAPSIFT" export "$data/leak.hprof.gz" --view classes --format csv --top 0 >"$tmp/l0.csv"
"$HEAPSIFT" export "$data/leak.hprof.gz" --view classes --format csv --top 0 --java-layout 4/12 >"$tmp/l1.csv"
cmp -s "$tmp/l0.csv" "$tmp/l1.csv" || fail "--java-layout 4/12 changes the fixture's classes"
n=$((n + 1))
got=$("$HEAPSIFT" report "$data/leak.hprof.gz" --top 1 --java-layout 8/16/16 | sed -n 's/^layout  *//p')
[ "$got" = "uncompressed oops and class pointers, 16-byte alignment" ] || fail "--java-layout 8/16/16: '$got'"
n=$((n + 1))
"$HEAPSIFT" export "$data/leak.hprof.gz" --view objects --format tsv --top 0 --java-layout 4/12/16 |
	awk -F'\t' 'NR == 1 && $4 != "self_size" { bad++ } NR > 1 && $4 % 16 { bad++ } END { exit bad > 0 }' ||
	fail "--java-layout 4/12/16: sizes that are no multiple of 16"
n=$((n + 1))
"$HEAPSIFT" report "$data/leak.hprof.gz" --java-layout 4/13 >/dev/null 2>"$tmp/err"
st=$?
[ "$st" -eq 1 ] && grep -q 'java-layout wants' "$tmp/err" || fail "--java-layout 4/13: status $st, $(cat "$tmp/err")"

# malformed dumps: status 2 and "FILE: offset N: reason"
python3 "$top_srcdir/tests/java/make-bad.py" "$tmp/bad"
while IFS=$'\t' read -r f re; do
	n=$((n + 1))
	out=$("$HEAPSIFT" report "$tmp/bad/$f" 2>&1 >/dev/null)
	st=$?
	[ "$st" -eq 2 ] && printf '%s' "$out" | grep -Eq -- "$re" ||
		fail "$f: status $st, '$out' (wanted /$re/)"
done <"$tmp/bad/EXPECTED"
n=$((n + 1))
"$HEAPSIFT" report "$tmp/bad/good.hprof" >/dev/null || fail "a tiny valid dump does not load"

echo "hprof: $n checks, $failed failed"
[ "$failed" -eq 0 ]
