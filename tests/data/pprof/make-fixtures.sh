#!/bin/bash
# Makes the pprof fixtures (README.md) with the Go toolchain (Debian's
# golang-go): heap profiles of tests/import/pprof/alloc.go and
# go tool pprof's reports of them.
#
#   tests/data/pprof/make-fixtures.sh [OUTDIR]     (default: this directory)
#
# tests/import/pprof.sh runs it into a temporary directory to compare
# heapsift with the Go toolchain installed there.  Nothing is written to
# $HOME: the build cache, GOPATH and HOME are inside a temporary directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../import/pprof" && pwd)
out=${1:-$here}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work" GOCACHE="$work/gocache" GOPATH="$work/gopath" GO111MODULE=off GOFLAGS= \
	GOTOOLCHAIN=local
# go tool pprof must not symbolize or fetch anything
export PPROF_BINARY_PATH="$work/none" PPROF_TMPDIR="$work"

cp "$src/alloc.go" "$work/"
(cd "$work" && go build -trimpath -o alloc alloc.go)
(cd "$work" && ./alloc base.pb.gz target.pb.gz goroutine.pb.gz)
cp "$work/base.pb.gz" "$work/target.pb.gz" "$work/goroutine.pb.gz" "$out/"

# the reports: every function's flat value in bytes or objects, nothing
# dropped for being small
top() {
	go tool pprof -top -nodecount=1000000 -nodefraction=0 -edgefraction=0 -unit=B "$@" 2>/dev/null
}
for si in inuse_space inuse_objects alloc_space alloc_objects; do
	for p in base target; do
		top -sample_index="$si" "$out/$p.pb.gz" >"$out/$p.$si.top"
	done
	top -sample_index="$si" -base "$out/base.pb.gz" "$out/target.pb.gz" >"$out/diff.$si.top"
done
go version >"$out/go-version.txt"
