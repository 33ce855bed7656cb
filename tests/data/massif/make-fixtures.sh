#!/bin/bash
# Makes the massif fixtures with valgrind (Debian's valgrind 3.19) from the
# programs in tests/import/massif, built with gcc -O2 -g:
#   alloc.massif            alloc.c under massif --detailed-freq=1
#                           --threshold=0.0 (every snapshot detailed, every
#                           stack shown)
#   alloc-default.massif    alloc.c under massif's defaults (a detailed
#                           snapshot in ten, stacks below 1% merged into
#                           "below massif's threshold" lines)
#   vec.massif              vec.cc (C++: libstdc++ frames, templated names)
#                           under --detailed-freq=1 --max-snapshots=10
#   NAME.ms_print           ms_print --threshold=0 NAME.massif: what
#                           tests/import/mscmp.py compares heapsift with
# Usage: tests/data/massif/make-fixtures.sh [OUTDIR] (default: beside it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../import/massif
out=${1:-$here}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gcc -O2 -g -o "$work/alloc" "$src/alloc.c"
g++ -O2 -g -o "$work/vec" "$src/vec.cc"
cd "$work"
massif() {
	local name=$1 prog=$2
	shift 2
	valgrind -q --tool=massif --massif-out-file="$name.massif" "$@" "./$prog"
	ms_print --threshold=0 "$name.massif" >"$name.ms_print"
	cp "$name.massif" "$name.ms_print" "$out/"
}
massif alloc alloc --detailed-freq=1 --threshold=0.0
massif alloc-default alloc
massif vec vec --detailed-freq=1 --max-snapshots=10
