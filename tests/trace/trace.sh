#!/bin/bash
# Allocation traces: heapsift record on programs with known allocations
# (alloc-test.c, threads-test.c), real Debian programs whose output must
# not change, libraries loaded and unloaded (dl-reuse.c), a program rebuilt
# after its recording, fork, signals, cut, corrupt and malformed traces
# (tests/fuzz/trace-seeds.py), version 1 traces.  make check sets HEAPSIFT
# and top_srcdir; the recorder is found beside HEAPSIFT.
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
command -v gcc >/dev/null || { echo "gcc not installed: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
src=$top_srcdir/tests/trace
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=trace.sh
. "$top_srcdir/tests/lib.sh"

gcc -g -O1 -fno-optimize-sibling-calls -o "$tmp/alloc-test" "$src/alloc-test.c" &&
	gcc -g -O1 -fno-optimize-sibling-calls -pthread -o "$tmp/threads-test" "$src/threads-test.c" || {
	fail "building the test programs"
	exit 1
}

# --- sampled (--sample 65536): every sampled block's free is recorded, none
# other's: the estimates of bytes allocated and leaked within 10%
if gcc -g -O1 -o "$tmp/sample-test" "$src/sample-test.c"; then
	"$HEAPSIFT" record --sample 65536 -o "$tmp/s.trace" "$tmp/sample-test" 2>"$tmp/err"
	want "sample-test's exit status" "$?" 0
	"$HEAPSIFT" export "$tmp/s.trace" --view summary --format csv >"$tmp/ss.csv" 2>/dev/null
	for kv in allocated_bytes=200000000 leaked_bytes=100000000; do
		got=$(value "$tmp/ss.csv" name "${kv%%=*}" value)
		n=$((n + 1))
		awk -v g="${got:-0}" -v w="${kv#*=}" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= w / 10) }' ||
			fail "sampled ${kv%%=*}: $got, not within 10% of ${kv#*=}"
	done
	want "sampled: sample_bytes" "$(value "$tmp/ss.csv" name sample_bytes value)" 65536
else
	fail "building sample-test"
fi

# --- known allocations: every measure exact, the exit status passed through
"$HEAPSIFT" record -o "$tmp/a.trace" "$tmp/alloc-test" 2>"$tmp/err"
want "alloc-test's exit status through heapsift record" "$?" 3
"$HEAPSIFT" export "$tmp/a.trace" --view summary --format csv >"$tmp/sum.csv" ||
	fail "export summary"
for kv in complete=yes allocations=23 allocated_bytes=1055590 temporary=15 frees=17 \
	peak_bytes=1053576 leaked_bytes=5020 leaked=6; do
	want "summary ${kv%%=*}" "$(value "$tmp/sum.csv" name "${kv%%=*}" value)" "${kv#*=}"
done
"$HEAPSIFT" export "$tmp/a.trace" --view callsites --format csv >"$tmp/cs.csv" ||
	fail "export callsites"
# the leaks' call site is the inlined helper, at its malloc line
want "leaks' call site" "$(value "$tmp/cs.csv" leaked_bytes 5000 function)" make_buf
want "leaks' location" "$(value "$tmp/cs.csv" leaked_bytes 5000 location | sed 's|.*/||')" \
	alloc-test.c:12
want "temporary site" "$(value "$tmp/cs.csv" function temporary temporary)" 10
want "temporary site's line" "$(value "$tmp/cs.csv" function temporary location | sed 's|.*/||')" \
	alloc-test.c:28
want "peak site" "$(value "$tmp/cs.csv" function peak peak_bytes)" 1048576
want "not_temporary" "$(value "$tmp/cs.csv" function not_temporary temporary)" 0
want "not_temporary calls" "$(value "$tmp/cs.csv" function not_temporary allocations)" 2
# the trees, the timeline, the sizes and the flame-graph stacks
"$HEAPSIFT" export "$tmp/a.trace" --view calltree --depth 20 --top 0 --format csv >"$tmp/ct.csv" ||
	fail "export calltree"
want "calltree: main's inclusive calls" "$(value "$tmp/ct.csv" function main allocations)" 23
want "calltree: main's inclusive peak" "$(value "$tmp/ct.csv" function main peak_bytes)" 1053576
"$HEAPSIFT" export "$tmp/a.trace" --view callers --format csv >"$tmp/cr.csv" || fail "export callers"
want "callers: make_buf on top" "$(value "$tmp/cr.csv" function make_buf leaked_bytes)" 5000
"$HEAPSIFT" export "$tmp/a.trace" --view sizes --format csv >"$tmp/sz.csv" || fail "export sizes"
want "sizes: 64-127 bytes" "$(value "$tmp/sz.csv" min_size 64 allocations)" 11
want "sizes: 1 MiB" "$(value "$tmp/sz.csv" min_size 1048576 allocations)" 1
"$HEAPSIFT" export "$tmp/a.trace" --view timeline --format csv >"$tmp/tl.csv" || fail "export timeline"
n=$((n + 1))
python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and max(int(r["heap_bytes"]) for r in rows) == 1053576, rows
' "$tmp/tl.csv" || fail "timeline: its highest point is not the peak"
"$HEAPSIFT" export "$tmp/a.trace" --format folded --sort leaked_bytes >"$tmp/f.folded" ||
	fail "export --format folded"
want "folded: the leak's stack, root first, inline frame last" \
	"$(grep -o 'main;leak;make_buf [0-9]*$' "$tmp/f.folded")" "main;leak;make_buf 5000"
want "folded: only stacks that leak" "$(wc -l <"$tmp/f.folded")" 2

# JSON report with the summary keys
"$HEAPSIFT" report "$tmp/a.trace" --format json >"$tmp/r.json" || fail "report json"
n=$((n + 1))
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
assert s["allocations"] == 23 and s["temporary"] == 15, s
assert s["peak_bytes"] == 1053576 and s["leaked_bytes"] == 5020, s
assert r["peak"][0]["function"] == "peak", r["peak"][0]
' "$tmp/r.json" || fail "report --format json"

# --- the same program under heaptrack: heaptrack_print's numbers.  Its
# flame-graph stacks are summed over those under main: heaptrack also counts
# one allocation of its own (libstdc++'s exception pool, 72704 bytes, made
# by its preload library's dependencies before main) that heapsift's
# recorder does not cause.
if command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null; then
	heaptrack -o "$tmp/ht" "$tmp/alloc-test" >"$tmp/ht.log" 2>&1
	ht=$(ls "$tmp"/ht.*zst "$tmp"/ht.gz 2>/dev/null | head -1)
	if [ -z "$ht" ]; then
		fail "heaptrack wrote no data: $(tail -3 "$tmp/ht.log")"
	else
		for kv in allocations:allocations temporary:temporary peak:peak_bytes leaked:leaked_bytes; do
			heaptrack_print -f "$ht" -F "$tmp/ht.folded" --flamegraph-cost-type "${kv%%:*}" \
				>/dev/null 2>&1
			got=$(awk '/^main \(alloc-test\.c\)/ { s += $NF } END { print s + 0 }' "$tmp/ht.folded")
			want "heaptrack_print's ${kv%%:*} vs heapsift's ${kv#*:}" \
				"$(value "$tmp/sum.csv" name "${kv#*:}" value)" "$got"
		done
	fi
else
	echo "heaptrack not installed: the comparison with heaptrack_print skipped"
fi

# --- 8 threads x 200,000 allocations: no deadlock, exact per call site
if ! timeout 120 "$HEAPSIFT" record -o "$tmp/t.trace" "$tmp/threads-test" 2>"$tmp/err"; then
	fail "threads-test under the recorder: $(cat "$tmp/err")"
else
	"$HEAPSIFT" export "$tmp/t.trace" --view callsites --format csv --top 0 >"$tmp/tcs.csv"
	for line in 15 18 21; do
		got=$(python3 - "$tmp/tcs.csv" "$line" <<'PY'
import csv, sys
print(sum(int(r['allocations']) for r in csv.DictReader(open(sys.argv[1]))
          if r['location'].endswith('threads-test.c:' + sys.argv[2])))
PY
)
		case $line in 15) w=8 ;; *) w=800000 ;; esac
		want "threads-test.c:$line allocations" "$got" "$w"
	done
fi

# --- real programs: the same output with and without the recorder
printf 'pear\napple\nfig\n' >"$tmp/in"
sort "$tmp/in" >"$tmp/sort.plain"
"$HEAPSIFT" record -o "$tmp/s.trace" sort "$tmp/in" >"$tmp/sort.rec" 2>/dev/null
n=$((n + 1))
cmp -s "$tmp/sort.plain" "$tmp/sort.rec" || fail "sort's output changed under the recorder"
want "sort's trace" "$(value <("$HEAPSIFT" export "$tmp/s.trace" --view summary --format csv) \
	name complete value)" yes
# (PYTHONMALLOC=malloc: every object through malloc, not pymalloc's arenas)
py='import json; d = {str(i): [i] * 3 for i in range(20000)}; print(len(json.dumps(d)))'
PYTHONMALLOC=malloc python3 -c "$py" >"$tmp/py.plain"
PYTHONMALLOC=malloc "$HEAPSIFT" record -o "$tmp/p.trace" python3 -c "$py" >"$tmp/py.rec" 2>/dev/null
n=$((n + 1))
cmp -s "$tmp/py.plain" "$tmp/py.rec" || fail "python3's output changed under the recorder"
n=$((n + 1))
[ "$(value <("$HEAPSIFT" export "$tmp/p.trace" --view summary --format csv) name allocations value)" -gt 20000 ] ||
	fail "python3's trace has too few allocations"

# --- dlopen: a library loaded later has its frames symbolized (libz's
# deflateInit allocates from inside libz)
printf '#include <dlfcn.h>\n#include <string.h>\nint main(void) { void *h = dlopen("libz.so.1", RTLD_NOW); typedef int (*f_t)(void *, int, const char *, int); char s[112]; memset(s, 0, sizeof s); f_t f = h ? (f_t)dlsym(h, "deflateInit_") : 0; return f ? f(s, 6, "1.2.13", (int)sizeof s) != 0 : 2; }\n' >"$tmp/dl.c"
if gcc -o "$tmp/dl" "$tmp/dl.c" -ldl 2>/dev/null; then
	"$HEAPSIFT" record -o "$tmp/dl.trace" "$tmp/dl" 2>/dev/null
	want "dlopen program's status" "$?" 0
	"$HEAPSIFT" export "$tmp/dl.trace" --view callsites --format csv >"$tmp/dl.csv"
	want "a dlopen'ed library's frames" "$(value "$tmp/dl.csv" function deflateInit2_ allocations)" 5
fi

# --- dlclose, then another library where the first was, through the same
# call path: each allocation named after its own library (the stacks are
# sent anew after an unload, each symbolized with the module list of its
# time), the constructors' too (they run before dlopen returns)
for l in a b; do
	case $l in a) ctor=333 ;; *) ctor=444 ;; esac
	gcc -g -O1 -fPIC -shared "-DLIB(x)=lib${l}_##x" -DCTOR_SIZE=$ctor -o "$tmp/lib$l.so" \
		"$src/dl-lib.c" || fail "building lib$l.so"
done
gcc -g -O1 -fno-optimize-sibling-calls -o "$tmp/dl-reuse" "$src/dl-reuse.c" -ldl ||
	fail "building dl-reuse"
where=$("$HEAPSIFT" record -o "$tmp/dlr.trace" "$tmp/dl-reuse" "$tmp/liba.so" "$tmp/libb.so" 2>/dev/null)
want "dl-reuse's status" "$?" 0
if [ "$where" != same ]; then
	echo "dl-reuse: libb.so was not loaded where liba.so was ($where): a weaker test"
fi
"$HEAPSIFT" export "$tmp/dlr.trace" --view callsites --format csv >"$tmp/dlr.csv"
want "library A's allocation" "$(value "$tmp/dlr.csv" bytes 1111 function)" liba_alloc
want "library B's allocation, where A was" "$(value "$tmp/dlr.csv" bytes 2222 function)" libb_alloc
want "library B's module" "$(value "$tmp/dlr.csv" bytes 2222 module)" "$tmp/libb.so"
want "library A's constructor" "$(value "$tmp/dlr.csv" bytes 333 function)" liba_init
want "library B's constructor" "$(value "$tmp/dlr.csv" bytes 444 function)" libb_init

# --- a program rebuilt after its recording (other code, so another build
# ID): its frames are addresses, never the new file's lines; a warning and
# the summary say so; with the recorded build's debug file under
# --debug-dir (DIR/.build-id/xx/rest.debug) the frames are right again
mkdir -p "$tmp/rb"
gcc -g -O1 -fno-optimize-sibling-calls -o "$tmp/rb/alloc-test" "$src/alloc-test.c"
"$HEAPSIFT" record -o "$tmp/rb.trace" "$tmp/rb/alloc-test" 2>/dev/null
id=$(readelf -n "$tmp/rb/alloc-test" | awk '/Build ID:/ { print $3 }')
mkdir -p "$tmp/dbg/.build-id/${id:0:2}"
objcopy --only-keep-debug "$tmp/rb/alloc-test" "$tmp/dbg/.build-id/${id:0:2}/${id:2}.debug"
{ printf 'static volatile int rebuilt = 1;\n/* rebuilt: every line two down */\n'; cat "$src/alloc-test.c"; } \
	>"$tmp/rb/alloc-test.c"
gcc -g -O1 -fno-optimize-sibling-calls -o "$tmp/rb/alloc-test" "$tmp/rb/alloc-test.c"
n=$((n + 1))
[ "$(readelf -n "$tmp/rb/alloc-test" | awk '/Build ID:/ { print $3 }')" != "$id" ] ||
	fail "the rebuilt program has the same build ID"
"$HEAPSIFT" export "$tmp/rb.trace" --view callsites --format csv >"$tmp/rb.csv" 2>"$tmp/rb.err"
want "a rebuilt program's trace loads" "$?" 0
n=$((n + 1))
grep -q "alloc-test.c:" "$tmp/rb.csv" && fail "frames symbolized with the rebuilt file: $(cat "$tmp/rb.csv")"
want "the leaks' site, as an address" \
	"$(value "$tmp/rb.csv" leaked_bytes 5000 function | sed 's/0x[0-9a-f]*$/ADDR/')" alloc-test+ADDR
want "the leaks' module" "$(value "$tmp/rb.csv" leaked_bytes 5000 module)" "$tmp/rb/alloc-test"
want "the warning" "$(cat "$tmp/rb.err")" "heapsift: warning: $tmp/rb.trace: $tmp/rb/alloc-test is not the file that was recorded (its build ID differs: rebuilt since?) and no file with build ID $id was found: its frames are shown as addresses"
want "the summary's unmatched_modules" \
	"$(value <("$HEAPSIFT" export "$tmp/rb.trace" --view summary --format csv 2>/dev/null) name unmatched_modules value)" 1
"$HEAPSIFT" export "$tmp/rb.trace" --view callsites --format csv --debug-dir "$tmp/dbg" \
	>"$tmp/rbd.csv" 2>"$tmp/rbd.err"
want "by build ID: the leaks' site" "$(value "$tmp/rbd.csv" leaked_bytes 5000 function)" make_buf
want "by build ID: the recorded build's line" \
	"$(value "$tmp/rbd.csv" leaked_bytes 5000 location | sed 's|.*/||')" alloc-test.c:12
want "by build ID: no warning" "$(cat "$tmp/rbd.err")" ""

# --- fork and exec: a shell whose children run sort; only the shell is
# recorded, the children's output is unchanged
"$HEAPSIFT" record -o "$tmp/f.trace" sh -c "sort '$tmp/in' | tr a-z A-Z" >"$tmp/fork.out" 2>/dev/null
want "fork+exec output" "$(tr '\n' ' ' <"$tmp/fork.out")" "APPLE FIG PEAR "
want "the shell's trace" "$(value <("$HEAPSIFT" export "$tmp/f.trace" --view summary --format csv) \
	name complete value)" yes

# --- C++: new and delete arrive through malloc and free; the call site is
# the code that called operator new
if command -v g++ >/dev/null; then
	printf 'int main() {\n\tint *p = new int[10];\n\tdelete[] p;\n\tint *q = new int[25];\n\treturn q == nullptr;\n}\n' >"$tmp/new.cc"
	g++ -g -O0 -o "$tmp/new" "$tmp/new.cc"
	"$HEAPSIFT" record -o "$tmp/new.trace" "$tmp/new" 2>/dev/null
	"$HEAPSIFT" export "$tmp/new.trace" --view callsites --format csv >"$tmp/new.csv"
	want "new: main's line 2" "$(value "$tmp/new.csv" bytes 40 location | sed 's|.*/||')" new.cc:2
	want "new: the leak at line 4" "$(value "$tmp/new.csv" location "$tmp/new.cc:4" leaked_bytes)" 100
fi

# --- fork without exec: the child's allocations are not in the trace, the
# parent's are, and both run to their end
printf '#include <stdlib.h>\n#include <sys/wait.h>\n#include <unistd.h>\nstatic void *volatile s;\nint main(void) { s = malloc(111); pid_t p = fork(); if (p == 0) { for (int i = 0; i < 50; i++) s = malloc(222); _exit(7); } int st; waitpid(p, &st, 0); s = malloc(333); return WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : 1; }\n' >"$tmp/fork.c"
gcc -o "$tmp/fork" "$tmp/fork.c"
"$HEAPSIFT" record -o "$tmp/fk.trace" "$tmp/fork" 2>/dev/null
want "fork: both ends ran" "$?" 0
"$HEAPSIFT" export "$tmp/fk.trace" --view sizes --format csv >"$tmp/fk.csv"
want "fork: the parent's allocations" "$(value "$tmp/fk.csv" range 64-127 allocations):$(value "$tmp/fk.csv" range 256-511 allocations)" "1:1"
want "fork: none of the child's" "$(value "$tmp/fk.csv" range 128-255 allocations)" ""

# --- SIGKILL: the trace is readable up to its last complete block
printf '#include <stdlib.h>\n#include <unistd.h>\nstatic void *volatile s;\nint main(void) { for (;;) { for (int i = 0; i < 1000; i++) s = malloc(64); usleep(10000); } }\n' >"$tmp/spin.c"
gcc -o "$tmp/spin" "$tmp/spin.c"
"$HEAPSIFT" record -o "$tmp/kill.trace" "$tmp/spin" 2>/dev/null &
rec=$!
sleep 1.5
pkill -KILL -x spin	# the program, not heapsift record
wait "$rec"
want "SIGKILL status" "$?" 137
"$HEAPSIFT" export "$tmp/kill.trace" --view summary --format csv >"$tmp/kill.csv" 2>&1
want "a killed program's trace loads" "$?" 0
want "a killed program's trace is marked" "$(value "$tmp/kill.csv" name complete value)" "no (cut short)"
n=$((n + 1))
[ "$(value "$tmp/kill.csv" name allocations value)" -ge 10000 ] ||
	fail "a killed program's trace has too few allocations: $(cat "$tmp/kill.csv")"

# --- SIGTERM: the status says so and the trace was flushed
printf '#include <signal.h>\n#include <stdlib.h>\nint main(void) { void *volatile p = malloc(10); (void)p; raise(SIGTERM); return 0; }\n' >"$tmp/sig.c"
gcc -o "$tmp/sig" "$tmp/sig.c"
"$HEAPSIFT" record -o "$tmp/k.trace" "$tmp/sig" 2>/dev/null
want "SIGTERM status" "$?" 143
want "trace after SIGTERM" "$(value <("$HEAPSIFT" export "$tmp/k.trace" --view summary --format csv) \
	name complete value)" yes

# --- cut and corrupt traces
size=$(stat -c %s "$tmp/t.trace")
head -c $((size - 100)) "$tmp/t.trace" >"$tmp/cut.trace"
"$HEAPSIFT" export "$tmp/cut.trace" --view summary --format csv >"$tmp/cut.csv" 2>&1
want "a cut trace loads" "$?" 0
want "a cut trace is marked" "$(value "$tmp/cut.csv" name complete value)" "no (cut short)"
{ head -c 16 "$tmp/a.trace"; printf '\x10\x00\x00\x00\x20\x00\x00\x00garbagegarbage!!'; } >"$tmp/bad.trace"
"$HEAPSIFT" report "$tmp/bad.trace" >"$tmp/bad.out" 2>&1
want "a corrupt block's status" "$?" 2
n=$((n + 1))
grep -q 'bad.trace: offset 16: block does not decompress' "$tmp/bad.out" ||
	fail "corrupt block message: $(cat "$tmp/bad.out")"

# --- traces written event by event (tests/fuzz/trace-seeds.py): each
# malformed one refused with its offset and reason (status 2), the valid
# ones of both versions loaded
python3 "$top_srcdir/tests/fuzz/trace-seeds.py" "$tmp/seeds" || fail "trace-seeds.py"
while IFS=$'\t' read -r f st msg; do
	"$HEAPSIFT" report "$tmp/seeds/$f" >/dev/null 2>"$tmp/seed.err"
	want "$f: status" "$?" "$st"
	if [ -n "$msg" ]; then
		want "$f: message" "$(cat "$tmp/seed.err")" "heapsift: $tmp/seeds/$f: $msg"
	fi
done <"$tmp/seeds/expect.tsv"
"$HEAPSIFT" export "$tmp/seeds/v2-modules.trace" --view callsites --format csv >"$tmp/sd.csv" 2>/dev/null
want "seed: the first list's library" "$(value "$tmp/sd.csv" bytes 300 function)" libseed.so+0x1234
want "seed: the second list's, at the same address" "$(value "$tmp/sd.csv" bytes 64 function)" \
	libother.so+0x1234
want "seed: unmatched modules" "$(value <("$HEAPSIFT" export "$tmp/seeds/v2-modules.trace" \
	--view summary --format csv 2>/dev/null) name unmatched_modules value)" 3
"$HEAPSIFT" export "$tmp/seeds/v1-maps.trace" --view summary --format csv >"$tmp/v1.csv" 2>/dev/null
want "version 1: allocations" "$(value "$tmp/v1.csv" name allocations value)" 2
want "version 1: leaked_bytes" "$(value "$tmp/v1.csv" name leaked_bytes value)" 20

echo "trace: $n checks, $failed failed"
[ "$failed" -eq 0 ]
