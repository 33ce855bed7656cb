#!/usr/bin/env bash
# tests/bench/run.sh: heapsift against Chrome DevTools and memlab on one big
# V8 heap snapshot (~1.73 M nodes, ~138 MB), all three on the same file.
#
# How to run (after ./configure && make, from the build directory, in-tree or
# out of tree; it uses ./heapsift there and runs `make heapsift` first):
#     SRCDIR/tests/bench/run.sh              # the full benchmark, 1-2 minutes
#     SRCDIR/tests/bench/run.sh --quick      # smoke run on a small snapshot
#     HEAPSIFT=/path/to/heapsift SRCDIR/tests/bench/run.sh
# See tests/bench/README.md (also for a `make bench` target).
#
# Options:
#   --quick          small snapshot (SCALE 0.1, ~0.2 M nodes) for a smoke run
#   --regen          regenerate the snapshot even if it is cached
#   --snapshot FILE  benchmark FILE instead of the generated snapshot
#   --runs N         heapsift runs, the median is kept (default 3)
#   --no-devtools    skip the DevTools oracle
#   --no-memlab      skip memlab
#   -h, --help       this text
# Environment:
#   HEAPSIFT         the heapsift binary to measure
#   BENCH_CACHE      cache for the snapshot, memlab and its work directory
#                    (default ${XDG_CACHE_HOME:-$HOME/.cache}/heapsift-bench)
#   BENCH_SCALE      generator scale (default 1, or 0.1 with --quick)
#   BENCH_TIMEOUT    seconds allowed to each DevTools or memlab run (1200)
#   DTORACLE         where the DevTools oracle is built (/tmp/devtools-oracle)
#   DEVTOOLS_BUILD   the oracle's build.sh (default: the shared/ beside the
#                    source tree: SRCDIR/../shared/oracles/devtools/build.sh)
#   MEMLAB_VERSION   the memlab version to install (default 2.0.5)
# Needs: node and GNU time (/usr/bin/time); npm to install memlab.
# Exit status: 0 when heapsift ran (whatever the peers did or the ratios are);
# 1 when heapsift is missing, fails to build or fails; 2 on bad usage or a
# missing prerequisite (node, GNU time, the snapshot cannot be made).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$here/../.." && pwd)

usage() { sed -n '2,/^set -u/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
die() { local code=$1; shift; printf 'bench: error: %s\n' "$*" >&2; exit "$code"; }
note() { printf 'bench: %s\n' "$*" >&2; }
notes=()
later() { notes+=("$*"); note "$*"; }

quick=0 regen=0 snap_arg='' runs=3 do_dt=1 do_ml=1
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--regen) regen=1 ;;
	--snapshot) [ $# -ge 2 ] || die 2 "--snapshot needs a file"; snap_arg=$2; shift ;;
	--snapshot=*) snap_arg=${1#*=} ;;
	--runs) [ $# -ge 2 ] || die 2 "--runs needs a number"; runs=$2; shift ;;
	--runs=*) runs=${1#*=} ;;
	--no-devtools) do_dt=0 ;;
	--no-memlab) do_ml=0 ;;
	-h | --help) usage; exit 0 ;;
	*) die 2 "unknown option '$1' (see --help)" ;;
	esac
	shift
done
case $runs in '' | *[!0-9]* | 0) die 2 "--runs wants a positive number, not '$runs'" ;; esac

cache=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heapsift-bench}
if [ "$quick" = 1 ]; then scale=${BENCH_SCALE:-0.1}; else scale=${BENCH_SCALE:-1}; fi
tmo=${BENCH_TIMEOUT:-1200}
dtoracle=${DTORACLE:-/tmp/devtools-oracle}
memlab_version=${MEMLAB_VERSION:-2.0.5}
gtime=/usr/bin/time

# ---------------------------------------------------------------- checks
if ! { [ -x "$gtime" ] && "$gtime" -f '%e %M' -o /dev/null true 2>/dev/null; }; then
	die 2 "GNU time is needed at $gtime (Debian: apt-get install time)"
fi
have_node=1
command -v node >/dev/null 2>&1 || have_node=0
mkdir -p "$cache" || die 2 "cannot create the cache directory $cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/heapsift-bench.XXXXXX") || die 2 "mktemp failed"
trap 'rm -rf "$work"' EXIT

# measure OUT ERR CMD...: runs CMD with stdout to OUT and stderr to ERR under
# GNU time; sets rc, wall (s) and rss (KiB, peak resident set size).
measure() {
	local out=$1 err=$2
	shift 2
	"$gtime" -f '%e %M' -o "$work/time" "$@" >"$out" 2>"$err"
	rc=$?
	wall='' rss=''
	read -r wall rss < <(tail -n 1 "$work/time" 2>/dev/null) || true
	case $wall in '' | *[!0-9.]*) wall=0 ;; esac
	case $rss in '' | *[!0-9]*) rss=0 ;; esac
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
minimum() { printf '%s\n' "$@" | sort -g | head -n 1; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }

# ---------------------------------------------------------------- heapsift
hs=''
if [ -n "${HEAPSIFT:-}" ]; then
	hs=$HEAPSIFT
	case $hs in */*) ;; *) hs=$(command -v "$hs") || die 1 "HEAPSIFT=$HEAPSIFT: not found" ;; esac
	[ -x "$hs" ] || die 1 "HEAPSIFT=$HEAPSIFT is not an executable file"
elif [ -f Makefile ] && grep -q '^PACKAGE_NAME = heapsift' Makefile; then
	note "building heapsift in $(pwd) (make heapsift)"
	make -s heapsift >"$work/make.log" 2>&1 || {
		tail -n 30 "$work/make.log" >&2
		die 1 "make heapsift failed in $(pwd)"
	}
	hs=$(pwd)/heapsift
elif [ -x ./heapsift ]; then
	hs=$(pwd)/heapsift
elif [ -x "$srcdir/heapsift" ]; then
	hs=$srcdir/heapsift
elif command -v heapsift >/dev/null 2>&1; then
	hs=$(command -v heapsift)
else
	die 1 "heapsift not found: run this from the build directory after ./configure && make, or set HEAPSIFT=/path/to/heapsift"
fi
[ -x "$hs" ] || die 1 "$hs is not executable"
hs_version=$("$hs" --version 2>/dev/null | head -n 1)

# ---------------------------------------------------------------- snapshot
if [ -n "$snap_arg" ]; then
	snap=$snap_arg
	[ -r "$snap" ] || die 2 "cannot read the snapshot $snap"
else
	gen=$here/make-snapshot.js
	snap=$cache/v8-bench-scale$scale.heapsnapshot
	if [ "$regen" = 1 ] || [ ! -s "$snap" ] || [ "$gen" -nt "$snap" ]; then
		[ "$have_node" = 1 ] || die 2 "node is needed to make the snapshot (Debian: apt-get install nodejs)"
		note "making the snapshot (scale $scale) in $snap ..."
		rm -f "$snap"
		measure "$work/gen.out" "$work/gen.err" node --max-old-space-size=8000 "$gen" "$snap.part" "$scale"
		if [ "$rc" != 0 ] || [ ! -s "$snap.part" ]; then
			rm -f "$snap.part"
			tail -n 20 "$work/gen.err" >&2
			die 2 "the snapshot generator failed (exit $rc)"
		fi
		mv "$snap.part" "$snap"
		note "snapshot made in $wall s"
	fi
fi
snap_bytes=$(stat -c %s "$snap")

echo "== heapsift benchmark: V8 heap snapshot"
echo "date      $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine   $(nproc) cores, $(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "node      $([ "$have_node" = 1 ] && node --version || echo 'not found')"
echo "heapsift  $hs ($hs_version)"
echo "load avg  $(loadavg) (at start)"
case $(loadavg) in [1-9]* | 0.[5-9]*) later "the machine is busy (load $(loadavg)): timings will be noisy" ;; esac

# ---------------------------------------------------------------- heapsift runs
# One untimed run first: a snapshot node has just written is still being
# written back, and its first reader pays for it (0.77 s where the next
# runs take 0.5 s); the peers, which come after, read it warm as well.
"$hs" report "$snap" --top 1 >/dev/null 2>&1 || true
hs_walls=() hs_rsss=()
for i in $(seq 1 "$runs"); do
	measure "$work/hs.out" "$work/hs.err" "$hs" report "$snap" --top 20
	if [ "$rc" != 0 ]; then
		tail -n 20 "$work/hs.err" >&2
		die 1 "heapsift report failed (exit $rc) on $snap"
	fi
	hs_walls+=("$wall") hs_rsss+=("$rss")
	note "heapsift run $i: $wall s, $((rss / 1024)) MiB"
done
hs_wall=$(median "${hs_walls[@]}")
hs_rss=$(median "${hs_rsss[@]}")
hs_nodes=$(awk '$1 == "objects" {print $2; exit}' "$work/hs.out")
HEAPSIFT_TIMES=1 "$hs" report "$snap" --top 20 >/dev/null 2>"$work/hs.times" ||
	die 1 "heapsift report failed with HEAPSIFT_TIMES=1"

# ---------------------------------------------------------------- DevTools
dt_ok=0 dt_pp='' dt_wall='' dt_rss='' dt_nodes=''
if [ "$do_dt" = 1 ]; then
	if [ "$have_node" = 0 ]; then
		later "DevTools skipped: node not found"
	else
		if [ ! -s "$dtoracle/devtools-hs.mjs" ] || [ ! -s "$dtoracle/dt-run.mjs" ]; then
			build=${DEVTOOLS_BUILD:-$srcdir/../shared/oracles/devtools/build.sh}
			if [ -f "$build" ] && command -v npm >/dev/null 2>&1; then
				note "building the DevTools oracle in $dtoracle ($build) ..."
				DTORACLE=$dtoracle timeout "$tmo" bash "$build" >"$work/dtbuild.log" 2>&1 ||
					tail -n 10 "$work/dtbuild.log" >&2
			fi
		fi
		if [ ! -s "$dtoracle/devtools-hs.mjs" ] || [ ! -s "$dtoracle/dt-run.mjs" ]; then
			later "DevTools skipped: no oracle in $dtoracle (build it with DTORACLE=$dtoracle bash shared/oracles/devtools/build.sh; needs npm)"
		else
			dt_pps=() dt_walls=() dt_rsss=()
			for i in 1 2; do
				measure "$work/dt.out" "$work/dt.err" timeout "$tmo" node "$dtoracle/dt-run.mjs" "$snap"
				line=$(grep -m1 '^parse [0-9]* ms, process [0-9]* ms' "$work/dt.err")
				if [ "$rc" != 0 ] || [ -z "$line" ]; then
					tail -n 5 "$work/dt.err" >&2
					later "DevTools run $i failed (exit $rc)"
					continue
				fi
				read -r p q n < <(awk -F'[ ,]+' '{print $2, $5, $8}' <<<"$line")
				dt_pps+=("$(calc '%.3f' "($p + $q) / 1000")") dt_walls+=("$wall") dt_rsss+=("$rss")
				dt_nodes=$n
				note "DevTools run $i: parse $p ms + process $q ms, wall $wall s, $((rss / 1024)) MiB"
			done
			if [ "${#dt_pps[@]}" -gt 0 ]; then
				dt_ok=1
				dt_pp=$(minimum "${dt_pps[@]}")
				dt_wall=$(minimum "${dt_walls[@]}")
				dt_rss=$(minimum "${dt_rsss[@]}")
			fi
		fi
	fi
fi

# ---------------------------------------------------------------- memlab
ml_ok=0 ml_wall='' ml_rss=''
if [ "$do_ml" = 1 ]; then
	mldir=$cache/memlab
	mlbin=$mldir/node_modules/memlab/bin/memlab
	if [ "$have_node" = 0 ]; then
		later "memlab skipped: node not found"
	else
		if [ ! -f "$mlbin" ]; then
			if command -v npm >/dev/null 2>&1; then
				note "installing memlab@$memlab_version in $mldir ..."
				mkdir -p "$mldir"
				[ -f "$mldir/package.json" ] || echo '{"name": "heapsift-bench-memlab", "private": true}' >"$mldir/package.json"
				PUPPETEER_SKIP_DOWNLOAD=1 timeout "$tmo" npm install --prefix "$mldir" --ignore-scripts \
					--no-audit --no-fund --loglevel=error "memlab@$memlab_version" >"$work/npm.log" 2>&1 ||
					tail -n 10 "$work/npm.log" >&2
			fi
		fi
		if [ ! -f "$mlbin" ]; then
			later "memlab skipped: could not install memlab@$memlab_version in $mldir (needs npm and the npm registry)"
		else
			# Through node, not the bin script: its shebang passes options
			# to env (`#!/usr/bin/env node --expose-gc ...`), which loops here.
			measure "$work/ml.out" "$work/ml.err" timeout "$tmo" node --expose-gc --max-old-space-size=4096 \
				"$mlbin" analyze object-size --snapshot "$snap" --work-dir "$cache/memlab-work"
			if [ "$rc" != 0 ] || ! grep -q '@[0-9]' "$work/ml.out"; then
				tail -n 5 "$work/ml.err" "$work/ml.out" >&2
				later "memlab failed (exit $rc): left out"
			else
				ml_ok=1 ml_wall=$wall ml_rss=$rss
				note "memlab: wall $wall s, $((rss / 1024)) MiB"
			fi
		fi
	fi
fi

# ---------------------------------------------------------------- report
nodes=${hs_nodes:-$dt_nodes}
echo "snapshot  $snap"
echo "          $(calc '%.1f MB (%.1f MiB)' "$snap_bytes / 1e6, $snap_bytes / 1048576"), ${nodes:-?} nodes"
if [ -n "$hs_nodes" ] && [ -n "$dt_nodes" ] && [ "$hs_nodes" != "$dt_nodes" ]; then
	later "node counts differ: heapsift $hs_nodes, DevTools $dt_nodes"
fi
echo "load avg  $(loadavg) (at end)"
echo
printf '%-34s %9s %12s %18s\n' tool 'wall s' 'peak RSS MiB' 'parse+process s'
printf '%-34s %9s %12s %18s\n' "heapsift report (median of $runs)" "$hs_wall" "$((hs_rss / 1024))" -
if [ "$dt_ok" = 1 ]; then
	printf '%-34s %9s %12s %18s\n' "DevTools (best of ${#dt_pps[@]})" "$dt_wall" "$((dt_rss / 1024))" "$dt_pp"
else
	printf '%-34s %9s %12s %18s\n' DevTools - - skipped
fi
if [ "$ml_ok" = 1 ]; then
	printf '%-34s %9s %12s %18s\n' 'memlab analyze object-size (1)' "$ml_wall" "$((ml_rss / 1024))" -
else
	printf '%-34s %9s %12s %18s\n' memlab - - skipped
fi
echo
echo "ratios (heapsift's time is its wall time, median)"
zero() { awk "BEGIN { exit !($1 <= 0) }"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo 'NOT met'; fi; }
if zero "$hs_wall"; then hs_t=0.01; else hs_t=$hs_wall; fi
summary="bench-summary scale=$scale bytes=$snap_bytes nodes=${nodes:-?} hs_wall=$hs_wall hs_rss_mib=$((hs_rss / 1024))"
if [ "$dt_ok" = 1 ]; then
	r_pp=$(calc '%.1f' "$dt_pp / $hs_t")
	r_wall=$(calc '%.1f' "$dt_wall / $hs_t")
	r_rss=$(calc '%.3f' "$hs_rss / $dt_rss")
	printf '  %-44s %8s x   (target >= 15x: %s)\n' 'DevTools parse+process / heapsift wall' "$r_pp" "$(verdict "$r_pp >= 15")"
	printf '  %-44s %8s x\n' 'DevTools wall / heapsift wall' "$r_wall"
	printf '  %-44s %8s     (target <= 1/3: %s)\n' 'heapsift peak RSS / DevTools peak RSS' "$r_rss" "$(verdict "$r_rss <= 1/3")"
	summary+=" dt_pp=$dt_pp dt_wall=$dt_wall dt_rss_mib=$((dt_rss / 1024)) dt_pp_ratio=$r_pp dt_wall_ratio=$r_wall rss_ratio=$r_rss"
fi
if [ "$ml_ok" = 1 ]; then
	m_wall=$(calc '%.1f' "$ml_wall / $hs_t")
	m_rss=$(calc '%.3f' "$hs_rss / $ml_rss")
	printf '  %-44s %8s x\n' 'memlab wall / heapsift wall' "$m_wall"
	printf '  %-44s %8s\n' 'heapsift peak RSS / memlab peak RSS' "$m_rss"
	summary+=" ml_wall=$ml_wall ml_rss_mib=$((ml_rss / 1024)) ml_wall_ratio=$m_wall ml_rss_ratio=$m_rss"
fi
[ "$dt_ok" = 1 ] || [ "$ml_ok" = 1 ] || echo "  (none: no peer ran)"
echo
echo "heapsift phases (one more run, HEAPSIFT_TIMES=1)"
if grep -q '^heapsift: ' "$work/hs.times"; then
	grep '^heapsift: ' "$work/hs.times" | sed 's/^heapsift: /  /'
else
	echo "  (HEAPSIFT_TIMES=1 printed no timings)"
fi
if [ "${#notes[@]}" -gt 0 ]; then
	echo
	echo "notes"
	printf '  %s\n' "${notes[@]}"
fi
echo
echo "$summary"
exit 0
