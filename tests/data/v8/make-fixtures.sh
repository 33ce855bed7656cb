#!/bin/sh
# Regenerates the V8 fixtures in this directory: makes the snapshots (real
# ones with node, synthetic ones with gen/synth.js), runs Chrome DevTools'
# own heap snapshot code on each (tests/oracle/devtools-dump.mjs) for the
# expected numbers, compresses everything with zstd -19 and writes MANIFEST.
#
#   sh tests/data/v8/make-fixtures.sh [NAME...]    (default: all fixtures)
#
# Needs node (the fixtures were made with node 20), zstd, and the DevTools
# oracle in $DTORACLE (default /tmp/devtools-oracle).  Build the oracle with
#   bash ../shared/oracles/devtools/build.sh
# run from the repository's top directory (i.e. /work/shared/oracles/...).
# Running it again gives the same files for the synthetic fixtures; the real
# ones differ in a few ids node derives from addresses, and the expected
# files follow them.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
DTORACLE=${DTORACLE:-/tmp/devtools-oracle}
NODE=${NODE:-node}
export DTORACLE

if [ ! -s "$DTORACLE/devtools-hs.mjs" ]; then
	echo "make-fixtures.sh: no DevTools oracle in $DTORACLE." >&2
	echo "Build it with: bash $top/../shared/oracles/devtools/build.sh (or set DTORACLE)" >&2
	exit 1
fi
for tool in "$NODE" zstd; do
	command -v "$tool" >/dev/null 2>&1 || { echo "make-fixtures.sh: $tool not found" >&2; exit 1; }
done
case $("$NODE" --version) in
v20.*) ;;
*) echo "make-fixtures.sh: warning: the fixtures were made with node 20, this is $("$NODE" --version)" >&2 ;;
esac

# Real snapshots, from node programs; then the synthetic ones.
REAL="leak plain chain"
SYNTH=$("$NODE" -e 'console.log(Object.keys(require(process.argv[1]).fixtures).join(" "))' "$here/gen/synth.js")
ALL="$REAL $SYNTH"
want=${*:-$ALL}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for name in $want; do
	case " $ALL " in
	*" $name "*) ;;
	*) echo "make-fixtures.sh: no fixture named $name" >&2; exit 1 ;;
	esac
	case " $REAL " in
	*" $name "*)
		# --predictable and fixed seeds keep node's heap as repeatable as it goes.
		(cd "$tmp" && "$NODE" --predictable --hash-seed=1 --random-seed=1 \
			"$here/gen/$name.js" "$tmp/$name.heapsnapshot")
		;;
	*)
		"$NODE" "$here/gen/synth.js" "$tmp" "$name"
		;;
	esac
	# The oracle reads NAME.oracle.heapsnapshot when there is one: the same
	# JSON value in the key order DevTools' loader needs (see gen/synth.js).
	in=$tmp/$name.heapsnapshot
	[ -f "$tmp/$name.oracle.heapsnapshot" ] && in=$tmp/$name.oracle.heapsnapshot
	"$NODE" "$top/tests/oracle/devtools-dump.mjs" "$in" "$tmp/$name"
	zstd -q -f -19 "$tmp/$name.heapsnapshot" -o "$here/$name.heapsnapshot.zst"
	zstd -q -f -19 "$tmp/$name.objects.tsv" -o "$here/$name.objects.tsv.zst"
	zstd -q -f -19 "$tmp/$name.classes.tsv" -o "$here/$name.classes.tsv.zst"
	cp "$tmp/$name.stats.json" "$here/$name.stats.json"
	chmod 644 "$here/$name.heapsnapshot.zst" "$here/$name.objects.tsv.zst" \
		"$here/$name.classes.tsv.zst" "$here/$name.stats.json"
	echo "$name: $(sed -n 's/^ "node_count": *\([0-9]*\).*/\1/p' "$here/$name.stats.json") nodes"
done

for name in $ALL; do echo "$name"; done >"$here/MANIFEST"

# Size limits: 1 MB a file, 8 MB in all.
status=0
for f in "$here"/*; do
	[ -f "$f" ] || continue
	if [ "$(wc -c <"$f")" -gt 1048576 ]; then
		echo "make-fixtures.sh: $f is over 1 MB" >&2
		status=1
	fi
done
total=$(du -sk "$here" | cut -f1)
if [ "$total" -gt 8192 ]; then
	echo "make-fixtures.sh: $here holds ${total} KB, over 8 MB" >&2
	status=1
fi
exit $status
