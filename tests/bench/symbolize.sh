#!/bin/bash
# tests/bench/symbolize.sh: `heapsift symbolize` against llvm-symbolizer,
# GNU addr2line and elfutils' eu-addr2line on libc: the same addresses (5,000
# random instruction starts of libc's .text, fixed seed: the ones
# tests/sym/compare.sh checks) through each, with libc6-dbg's debug file
# found by build ID under /usr/lib/debug, all four in the same
# addr2line -f -i -C -a mode, reading the addresses on stdin.
#
# Usage: HEAPSIFT=./heapsift tests/bench/symbolize.sh [options]
# Options:
#   --runs N     timed runs per tool after one untimed warm-up (default 5)
#   --naddr N    addresses (default 5000)
#   --seed N     seed of the address sample (default 1)
#   --libc FILE  the library (default /lib/x86_64-linux-gnu/libc.so.6)
#   -h, --help   this text
# Environment: HEAPSIFT (default ./heapsift; when it is missing or has no
# working `symbolize`, its row says n/a).
# Prints, per tool, the median wall time and the median peak RSS of the
# runs (GNU time's %M), and both as ratios to llvm-symbolizer's; then a
# one-line `bench-summary key=value ...` for keeping records.  A tool that
# is not installed or fails is n/a.  Needs python3, objdump, GNU time.
# Exit status: 0 when heapsift ran, 1 when it did not, 2 on bad usage or a
# missing prerequisite (GNU time, libc, its debug file).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
usage() { sed -n '2,/^set -u/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
die() { local code=$1; shift; printf 'bench: error: %s\n' "$*" >&2; exit "$code"; }

runs=5 naddr=5000 seed=1 libc=/lib/x86_64-linux-gnu/libc.so.6
while [ $# -gt 0 ]; do
	case $1 in
	--runs) [ $# -ge 2 ] || die 2 "--runs needs a number"; runs=$2; shift ;;
	--naddr) [ $# -ge 2 ] || die 2 "--naddr needs a number"; naddr=$2; shift ;;
	--seed) [ $# -ge 2 ] || die 2 "--seed needs a number"; seed=$2; shift ;;
	--libc) [ $# -ge 2 ] || die 2 "--libc needs a file"; libc=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die 2 "unknown option '$1' (see --help)" ;;
	esac
	shift
done
for v in "$runs" "$naddr" "$seed"; do
	case $v in '' | *[!0-9]* | 0) die 2 "'$v' is not a positive number" ;; esac
done
hs=${HEAPSIFT:-./heapsift}
gtime=/usr/bin/time
"$gtime" -f '%M' -o /dev/null true 2>/dev/null || die 2 "GNU time is needed at $gtime (Debian: apt-get install time)"
command -v python3 >/dev/null || die 2 "python3 is needed"
command -v objdump >/dev/null || die 2 "objdump is needed (binutils)"
[ -f "$libc" ] || die 2 "no $libc"
id=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID:/ { print $3 }')
dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
if [ -z "$id" ] || [ ! -f "$dbg" ]; then
	die 2 "no debug file for $libc ($dbg): apt-get install libc6-dbg"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/heapsift-bench.XXXXXX") || die 2 "mktemp failed"
trap 'rm -rf "$work"' EXIT
python3 "$srcdir/tests/sym/pickaddr.py" "$libc" "$naddr" "$seed" >"$work/addr" 2>/dev/null ||
	die 2 "cannot take addresses from $libc"

llvm_sym=
for t in llvm-symbolizer llvm-symbolizer-14; do
	command -v "$t" >/dev/null && { llvm_sym=$t; break; }
done

# the tools, and for each the command (reads the addresses on stdin) in
# cmd_NAME, NAME with - as _ (run() reads it through a nameref)
names=(heapsift llvm-symbolizer addr2line eu-addr2line)
# shellcheck disable=SC2034
{
	cmd_heapsift=("$hs" symbolize -e "$libc" -f -i -C -a)
	cmd_llvm_symbolizer=("${llvm_sym:-llvm-symbolizer}" --output-style=GNU -f -i -C -a --obj="$libc")
	cmd_addr2line=(addr2line -f -i -C -a -e "$libc")
	cmd_eu_addr2line=(eu-addr2line -f -i -C -a -e "$libc")
}

# run NAME: one run of the tool; prints "WALL_SECONDS RSS_KIB", fails when
# the tool does, or prints nothing at all (its output is kept in $work/NAME.out)
run() {
	local -n c="cmd_${1//-/_}"
	local t0 t1
	t0=$EPOCHREALTIME
	"$gtime" -f '%M' -o "$work/$1.rss" "${c[@]}" <"$work/addr" >"$work/$1.out" 2>"$work/$1.err" || return 1
	t1=$EPOCHREALTIME
	[ -s "$work/$1.out" ] || return 1
	awk -v a="$t0" -v b="$t1" -v r="$(tail -1 "$work/$1.rss")" 'BEGIN { printf "%.4f %d\n", b - a, r }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "libc: $libc (debug file $dbg)"
echo "$(wc -l <"$work/addr") addresses (seed $seed), $runs timed runs per tool after a warm-up"
declare -A wall rss
for n in "${names[@]}"; do
	ok=1
	run "$n" >/dev/null || ok=0	# warm-up: page cache, debug file
	if [ "$ok" = 0 ]; then
		printf '%s: n/a (%s)\n' "$n" "$(head -c 200 "$work/$n.err" | head -1)" >&2
		continue
	fi
	: >"$work/$n.runs"
	for ((i = 0; i < runs; i++)); do
		run "$n" >>"$work/$n.runs" || { ok=0; break; }
	done
	[ "$ok" = 1 ] || { echo "$n: n/a (failed in a timed run)" >&2; continue; }
	# a sanity check only (tests/sym/compare.sh checks the answers)
	got=$(grep -c '^0x' "$work/$n.out")
	[ "$got" = "$(wc -l <"$work/addr")" ] ||
		echo "$n: note: $got address lines in its output for $(wc -l <"$work/addr") addresses" >&2
	wall[$n]=$(cut -d' ' -f1 "$work/$n.runs" | median)
	rss[$n]=$(cut -d' ' -f2 "$work/$n.runs" | median)
done

ref_w=${wall[llvm-symbolizer]:-}
ref_r=${rss[llvm-symbolizer]:-}
printf '\n%-16s %10s %10s %12s %12s\n' tool "wall s" "RSS MiB" "wall/llvm" "RSS/llvm"
summary="bench-summary naddr=$(wc -l <"$work/addr") runs=$runs"
for n in "${names[@]}"; do
	if [ -z "${wall[$n]:-}" ]; then
		printf '%-16s %10s %10s %12s %12s\n' "$n" n/a n/a n/a n/a
		summary+=" ${n}_wall=n/a ${n}_rss_mib=n/a"
		continue
	fi
	w=${wall[$n]} r=${rss[$n]}
	rw=n/a rr=n/a
	if [ -n "$ref_w" ]; then
		rw=$(awk -v a="$w" -v b="$ref_w" 'BEGIN { printf "%.2fx", a / b }')
		rr=$(awk -v a="$r" -v b="$ref_r" 'BEGIN { printf "%.2fx", a / b }')
	fi
	mib=$(awk -v r="$r" 'BEGIN { printf "%.1f", r / 1024 }')
	printf '%-16s %10.3f %10s %12s %12s\n' "$n" "$w" "$mib" "$rw" "$rr"
	summary+=" ${n}_wall=$w ${n}_rss_mib=$mib"
done
echo
echo "$summary"
[ -n "${wall[heapsift]:-}" ]
