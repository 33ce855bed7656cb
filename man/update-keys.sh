#!/bin/sh
# Rewrites the KEYS section of man/heapsift.1 from the key table
# (src/tui/keys.def, printed by `heapsift --keys`).  tests/cli/run.sh fails
# when the two differ.  Usage: man/update-keys.sh [path/to/heapsift]
set -eu
bin=${1:-./heapsift}
man=$(dirname "$0")/heapsift.1
tmp=$(mktemp)
"$bin" --keys | awk '
	{
		keys = substr($0, 1, 16); sub(/ +$/, "", keys); gsub(/-/, "\\-", keys)
		help = substr($0, 18)
		printf ".TP\n.B %s\n%s%s.\n", keys, toupper(substr(help, 1, 1)), substr(help, 2)
	}' >"$tmp.keys"
awk -v keys="$tmp.keys" '
	/^\.SH KEYS$/ { print; while ((getline l < keys) > 0) print l; skip = 1; next }
	skip && /^\.PP$/ { skip = 0 }
	!skip { print }
' "$man" >"$tmp"
mv "$tmp" "$man"
rm -f "$tmp.keys"
