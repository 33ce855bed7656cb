# Shared by the test scripts (sourced; set NAME first): failures counted in
# $failed and shown on the console too when make check opened fd 9
# (AM_TESTS_FD_REDIRECT), so that a CI log says what failed.
failed=0
n=0
if { true >&9; } 2>/dev/null; then console=1; else console=0; fi

fail() {
	echo "FAIL: $*"
	[ "$console" = 1 ] && echo "${NAME:-test}: FAIL: $*" >&9
	failed=$((failed + 1))
	return 0
}

# want WHAT GOT EXPECTED
want() {
	n=$((n + 1))
	[ "$2" = "$3" ] || fail "$1: $2, not $3"
}

# value FILE.csv KEYCOLUMN KEY COLUMN: the COLUMN of the first row whose
# KEYCOLUMN is KEY (python3's csv reader: quoted fields)
value() {
	python3 - "$@" <<'PY'
import csv, sys
path, keycol, key, col = sys.argv[1:5]
for row in csv.DictReader(open(path, encoding='utf-8')):
    if row[keycol] == key:
        print(row[col]); break
PY
}
