#!/bin/sh
# Regenerates the diff pairs in this directory (README.md): runs gen.js
# (one node process, three snapshots s0 s1 s2), runs Chrome DevTools' own
# Comparison on each pair listed in PAIRS (dt-diff.mjs) into NAME.devtools.tsv,
# and packs the three snapshots into snapshots.tar.zst.
#
#   sh tests/data/v8/diff/make-pairs.sh
#
# Needs node (made with node 20), zstd, tar, and the DevTools oracle in
# $DTORACLE (default /tmp/devtools-oracle); build it with
#   bash ../shared/oracles/devtools/build.sh
# run from the repository's top directory.  A run gives new snapshots (a few
# ids node derives from addresses differ), and expected files that follow them.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
DTORACLE=${DTORACLE:-/tmp/devtools-oracle}
NODE=${NODE:-node}
export DTORACLE

if [ ! -s "$DTORACLE/devtools-hs.mjs" ]; then
	echo "make-pairs.sh: no DevTools oracle in $DTORACLE (see the comment at the top)" >&2
	exit 1
fi
for tool in "$NODE" zstd tar; do
	command -v "$tool" >/dev/null 2>&1 || { echo "make-pairs.sh: $tool not found" >&2; exit 1; }
done
case $("$NODE" --version) in
v20.*) ;;
*) echo "make-pairs.sh: warning: the pairs were made with node 20, this is $("$NODE" --version)" >&2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# --predictable and fixed seeds keep node's heap as repeatable as it goes.
(cd "$tmp" && "$NODE" --predictable --hash-seed=1 --random-seed=1 "$here/gen.js" "$tmp")
while read -r name base target; do
	"$NODE" "$here/dt-diff.mjs" "$tmp/$base.heapsnapshot" "$tmp/$target.heapsnapshot" \
		"$here/$name.devtools.tsv"
	chmod 644 "$here/$name.devtools.tsv"
done <"$here/PAIRS"

# One archive: zstd's long window finds what the three have in common.
(cd "$tmp" && chmod 644 s0.heapsnapshot s1.heapsnapshot s2.heapsnapshot &&
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
		-cf snapshots.tar s0.heapsnapshot s1.heapsnapshot s2.heapsnapshot)
zstd -q -f -19 --long=27 "$tmp/snapshots.tar" -o "$here/snapshots.tar.zst"
chmod 644 "$here/snapshots.tar.zst"
ls -l "$here/snapshots.tar.zst" "$here"/*.devtools.tsv
