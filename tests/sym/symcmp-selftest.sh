#!/bin/bash
# Self-test of symcmp.py: hand-written reference / tested pairs that must
# match (what the comparator forgives) and pairs that must not (that it can
# fail at all: a wrong line, file or inlined function, a missing address, a
# malformed block, the threshold).  make check sets top_srcdir.
set -u
: "${top_srcdir:=.}"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
symcmp=$top_srcdir/tests/sym/symcmp.py
# the interpreter itself, not a version manager's shim (0.5 s a start)
py=$(python3 -c 'import sys; print(sys.executable)') && [ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NAME=symcmp-selftest.sh
. "$top_srcdir/tests/lib.sh"

# expect pass|fail DESCRIPTION [SYMCMP-OPTIONS...]: compares $tmp/ref with
# $tmp/got (written by the caller just before) and checks the exit status
expect() {
	local want=$1 what=$2 rc
	shift 2
	n=$((n + 1))
	"$py" "$symcmp" "$@" "$tmp/ref" "$tmp/got" >"$tmp/log" 2>&1
	rc=$?
	if [ "$want" = pass ] && [ "$rc" != 0 ]; then
		fail "should match: $what (exit $rc)"
		sed 's/^/  | /' "$tmp/log"
	elif [ "$want" = fail ] && [ "$rc" != 1 ]; then
		fail "should not match: $what (exit $rc)"
		sed 's/^/  | /' "$tmp/log"
	fi
}
ref() { cat >"$tmp/ref"; }
got() { cat >"$tmp/got"; }

# --- pairs that must match

ref <<'EOF'
0x1139
sb_rotl
/src/sym_inl_b.h:9
main
/src/prog.c:12
EOF
cp "$tmp/ref" "$tmp/got"
expect pass "identical outputs"

got <<'EOF'
0x0000000000001139
sb_rotl
/src/sym_inl_b.h:9:12 (discriminator 3)
main
/src/./lib/../prog.c:12
EOF
expect pass "address width, column, discriminator, ./ and .. in paths"

ref <<'EOF'
0x10
??
??:0
0x20
f
/src/a.c:0
EOF
got <<'EOF'
0x0000000000000010
??
??:?
0x0000000000000020
f
/src/a.c:?
EOF
expect pass "an unknown line: ? is 0"

ref <<'EOF'
0x40
scan_3.constprop.0.isra.0
/src/body.h:40
0x50
g.cold
/src/g.c:4
0x60
h.part.0
/src/h.c:7
0x70
Foo::bar(int) (.cold)
/src/foo.cc:9
0x80
k.lto_priv.0
/src/k.c:1
EOF
got <<'EOF'
0x0000000000000040
scan_3
/src/body.h:40
0x0000000000000050
g
/src/g.c:4
0x0000000000000060
h
/src/h.c:7
0x0000000000000070
Foo::bar(int) [clone .cold]
/src/foo.cc:9
0x0000000000000080
k
/src/k.c:1
EOF
expect pass "clone suffixes (.constprop.N.isra.N, .cold, .part.N, [clone .cold] / (.cold), .lto_priv.N)"

ref <<'EOF'
0x9a0f0
malloc
./malloc/./malloc/malloc.c:3287
0x9a200
_int_free
./malloc/./malloc/malloc.c:4400
__libc_free
./malloc/./malloc/malloc.c:3350
EOF
got <<'EOF'
0x000000000009a0f0
__libc_malloc
./malloc/./malloc/malloc.c:3287
0x000000000009a200
_int_free
./malloc/./malloc/malloc.c:4400
free
./malloc/./malloc/malloc.c:3350
EOF
cat >"$tmp/aliases" <<'EOF'
000000000009a0f0 T malloc@@GLIBC_2.2.5
000000000009a0f0 0000000000000120 T __libc_malloc
000000000009a1e0 T free@@GLIBC_2.2.5
000000000009a1e0 t __libc_free
EOF
expect pass "outermost frame: another name of the same address (nm and nm -S lines, symbol versions)" \
	--aliases "$tmp/aliases"

ref <<'EOF'
0x1778c6
??
??:0
EOF
got <<'EOF'
0x00000000001778c6
__multf3
??:0
EOF
cat >"$tmp/aliases" <<'EOF'
0000000000177840 0000000000000aca t __multf3
EOF
expect pass "outermost ?? in the reference, a symbol holding the address in the tested output" \
	--aliases "$tmp/aliases"

ref <<'EOF'
0x2000
main::'lambda'(int)::operator()(int) const
/src/m.cc:5
main::'lambda0'(int)::operator()(int) const
/src/m.cc:6
bool A::operator<<int>()
/src/a.h:3
main
/src/m.cc:9
EOF
got <<'EOF'
0x0000000000002000
main::{lambda(int)#1}::operator()(int) const
/src/m.cc:5
main::{lambda(int)#2}::operator()(int) const
/src/m.cc:6
bool A::operator< <int>()
/src/a.h:3
main
/src/m.cc:9
EOF
expect pass "GNU and LLVM demangler spellings (lambdas, operator< <T>)"

if command -v c++filt >/dev/null; then
	# llvm-symbolizer 14 leaves some names mangled; GNU demangles them
	ref <<'EOF'
0x3000
_ZN3foo3barEv
/src/foo.cc:2
main
/src/foo.cc:8
EOF
	got <<'EOF'
0x0000000000003000
foo::bar()
/src/foo.cc:2
main
/src/foo.cc:8
EOF
	expect pass "a name the reference left mangled, demangled by the tested side"

	# --mangled: the same reference without demangling; GNU's demangling of
	# a local class of a function template drops the return type LLVM prints
	ref <<'EOF'
0x3100
int __gnu_cxx::__stoa<long, int, char, int>(long (*)(char const*, char**, int), char const*, char const*, unsigned long*, int)::_Save_errno::~_Save_errno()
/usr/include/c++/12/ext/string_conversions.h:67
main
/src/foo.cc:8
EOF
	cat >"$tmp/mangled" <<'EOF'
0x3100
_ZZN9__gnu_cxx6__stoaIliciJiEEET0_PFT_PKT1_PPS3_DpT2_EPKcS5_PmS9_EN11_Save_errnoD2Ev
/usr/include/c++/12/ext/string_conversions.h:67
main
/src/foo.cc:8
EOF
	got <<'EOF'
0x0000000000003100
__gnu_cxx::__stoa<long, int, char, int>(long (*)(char const*, char**, int), char const*, char const*, unsigned long*, int)::_Save_errno::~_Save_errno()
/usr/include/c++/12/ext/string_conversions.h:67
main
/src/foo.cc:8
EOF
	# (GNU's spelling of the pack differs again: accept whatever c++filt says)
	"$py" - "$tmp/got" <<'PY'
import subprocess, sys
d = subprocess.run(["c++filt"], input="_ZZN9__gnu_cxx6__stoaIliciJiEEET0_PFT_PKT1_PPS3_DpT2_EPKcS5_PmS9_EN11_Save_errnoD2Ev\n",
                   capture_output=True, text=True).stdout.strip()
lines = open(sys.argv[1]).read().splitlines()
lines[1] = d
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
	expect pass "--mangled: GNU's demangling of the reference's mangled name" --mangled "$tmp/mangled"
	expect fail "without --mangled: GNU's and LLVM's demangling differ there"
fi

# the threshold: 999 of 1000 is 99.9 %
for i in $(seq 1000); do printf '0x%x\nf\n/src/f.c:%d\n' "$i" "$i"; done >"$tmp/ref"
sed '3s/:1$/:2/' "$tmp/ref" >"$tmp/got"
expect pass "999 of 1000 at --min 99.9"

# --- pairs that must not match

sed '3s/:1$/:2/; 6s/:2$/:3/' "$tmp/ref" >"$tmp/got"
expect fail "998 of 1000 at --min 99.9"
expect pass "998 of 1000 at --min 99.8" --min 99.8

ref <<'EOF'
0x1139
sb_rotl
/src/sym_inl_b.h:9
main
/src/prog.c:12
EOF
got <<'EOF'
0x1139
sb_rotl
/src/sym_inl_b.h:10
main
/src/prog.c:12
EOF
expect fail "a different line"

got <<'EOF'
0x1139
sb_rotl
/src/prog.c:9
main
/src/prog.c:12
EOF
expect fail "a different file (binutils' DWARF 5 file-index defect)"

got <<'EOF'
0x1139
sb_clamp
/src/sym_inl_b.h:9
main
/src/prog.c:12
EOF
expect fail "a different inlined function"

got <<'EOF'
0x1139
main
/src/prog.c:12
EOF
expect fail "an inline frame missing"

got <<'EOF'
0x1139
sb_rotl
/src/sym_inl_b.h:9
sa_mix
/src/sym_inl_a.h:9
main
/src/prog.c:12
EOF
expect fail "an inline frame too many"

got <<'EOF'
0x1139
sb_rotl
/src/sym_inl_b.h:9
main
EOF
expect fail "an odd number of lines after the address"

: >"$tmp/got"
expect fail "empty tested output"

ref <<'EOF'
0x10
f
/src/f.c:1
0x20
g
/src/f.c:2
EOF
got <<'EOF'
0x0000000000000010
f
/src/f.c:1
EOF
expect fail "an address missing from the tested output" --min 50.1

got <<'EOF'
0x0000000000000010
f
/src/f.c:1
0x0000000000000020
g
/src/f.c:2
0x0000000000000030
h
/src/f.c:3
EOF
expect fail "an address only in the tested output" --min 70

ref <<'EOF'
0x9a200
_int_free
./malloc/./malloc/malloc.c:4400
__libc_free
./malloc/./malloc/malloc.c:3350
EOF
got <<'EOF'
0x000000000009a200
__libc_free
./malloc/./malloc/malloc.c:4400
__libc_free
./malloc/./malloc/malloc.c:3350
EOF
cat >"$tmp/aliases" <<'EOF'
000000000009a1e0 T free@@GLIBC_2.2.5
000000000009a1e0 t __libc_free
0000000000099000 t _int_free
EOF
expect fail "an inner frame is not the outermost: no aliases there" --aliases "$tmp/aliases"

ref <<'EOF'
0x9a0f0
malloc
./malloc/./malloc/malloc.c:3287
EOF
got <<'EOF'
0x000000000009a0f0
calloc
./malloc/./malloc/malloc.c:3287
EOF
cat >"$tmp/aliases" <<'EOF'
000000000009a0f0 T malloc@@GLIBC_2.2.5
000000000009b000 T calloc@@GLIBC_2.2.5
EOF
expect fail "names of different addresses are not aliases" --aliases "$tmp/aliases"

ref <<'EOF'
0x178400
??
??:0
EOF
got <<'EOF'
0x0000000000178400
__multf3
??:0
EOF
cat >"$tmp/aliases" <<'EOF'
0000000000177840 0000000000000aca t __multf3
EOF
expect fail "outermost ?? in the reference, the tested name's symbol ends before the address" \
	--aliases "$tmp/aliases"

# --strict: the exact addr2line layout
ref <<'EOF'
0x1139
main
/src/prog.c:12
EOF
got <<'EOF'
0x1139
main
/src/prog.c:12
EOF
expect pass "short address line without --strict"
expect fail "--strict: short address line" --strict
got <<'EOF'
0x0000000000001139
main
/src/prog.c:12:5
EOF
expect fail "--strict: a column" --strict
got <<'EOF'
0x0000000000001139
main
/src/prog.c:12 (discriminator 2)
EOF
expect pass "--strict: discriminator allowed" --strict
got <<'EOF'
warming up
0x0000000000001139
main
/src/prog.c:12
EOF
expect fail "--strict: a line before the first address" --strict

echo "symcmp-selftest: $n checks, $failed failed"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
