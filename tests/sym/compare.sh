#!/bin/bash
# Symbolizer test: `heapsift symbolize` against llvm-symbolizer, address by
# address, on programs compiled here and on libc.
#
# Builds the programs of tests/sym with the system's gcc/g++ (-g: DWARF 5
# with gcc 12) in a temporary directory, takes a fixed-seed random sample of
# the instruction starts in each binary's .text (objdump -d), symbolizes the
# sample with llvm-symbolizer (the reference) and with the command under
# test, both reading the addresses on stdin, and compares the two outputs
# with symcmp.py (whole inline chains; see its header for what it forgives).
# One PASS/FAIL line per binary; exit 0 only when every one passes, 77 when
# a tool is missing (gcc, g++, llvm-symbolizer, binutils, python3).
#
# The binaries, and what each one tests:
#   c-O0            symtest.c + symgen.c at -O0: plain line tables
#   c-O2            the same at -O2: inline chains across three files
#                   (sym_inl_b.h <- sym_inl_a.h <- sym_body.h), .cold parts,
#                   .constprop/.isra clones, a symbol alias
#   cxx-O2          sym_maps.cc at -O2: std::map / std::string code inlined
#                   from stl_tree.h, basic_string.h..., C++ names (-C)
#   cxx-dwarf4, c-dwarf4   cxx-O2 and c-O2 with -gdwarf-4 (.debug_ranges,
#                   1-based file numbers)
#   libsym.so       libsym.c + symgen.c, -fPIC -shared -O2
#   symuse          symuse.c + symgen.c at -O1, linked with libsym.so
#   cxx-buildid     cxx-O2 stripped (strip --strip-all), its debug file
#                   (objcopy --only-keep-debug) in DIR/.build-id/xx/rest.debug,
#                   DIR given with --debug-dir (llvm: --debug-file-directory)
#   c-debuglink     c-O2 linked without a build ID, stripped, found through
#                   .gnu_debuglink in .debug/ beside the binary
#   c-nodebug       c-O2 with strip --strip-debug: names from .symtab, ??:0
#   libsym-nodebug  libsym.so with strip --strip-all: names from .dynsym
#                   only (exported functions), ?? elsewhere, ??:0
#   libc            /lib/x86_64-linux-gnu/libc.so.6 with the libc6-dbg
#                   build-id debug file under /usr/lib/debug (skipped, with
#                   a message, when libc6-dbg is not installed)
#
# What counts as a match is symcmp.py's (see its header): whole chains, with
# discriminators, columns, clone suffixes (.cold, .isra.N...) and path
# spelling (normpath) forgiven.  Per binary this script also gives it
#   - the reference once more without demangling (--mangled), so that a
#     name may be spelt by GNU's demangler (libiberty, __cxa_demangle) as
#     well as by LLVM's;
#   - symbol listings (--aliases: nm -S of the binary and of its debug
#     file, raw and demangled both ways, and the names llvm-symbolizer
#     gives at each function symbol's address), so that the outermost frame
#     may name any symbol of the same address, and where llvm-symbolizer has
#     no name (it does not read a separate debug file's .symtab) a symbol
#     whose extent holds the address.
#
# The command under test is run as
#   CMD -e BINARY -f -i -C -a [--debug-dir DIR] <addresses >output
# where CMD is $SYM_UNDER_TEST (split on blanks) or else "$HEAPSIFT symbolize".
#
# Environment: HEAPSIFT, top_srcdir (set by make check); SYM_UNDER_TEST;
# SYM_NADDR (addresses per test binary, default 3000), SYM_LIBC_NADDR
# (5000), SYM_SEED (1), SYM_MIN (percentage that passes, 99.9), SYM_SHOW
# (mismatches printed per binary, 10), SYM_STRICT (1: the tested output
# must also be in the exact addr2line layout, see symcmp.py --strict;
# default 1 for heapsift, 0 when SYM_UNDER_TEST is set), SYM_LIBC (the libc
# to test), SYM_ONLY (a regular expression: run only the binaries whose
# name matches), SYM_TIMEOUT (seconds per symbolizer run, 120), SYM_KEEP=1
# (keep the work directory and print its name).
set -u
: "${HEAPSIFT:=./heapsift}" "${top_srcdir:=.}"
# absolute paths: the work happens in a temporary directory
abspath() { case $1 in /*) echo "$1" ;; */*) echo "$PWD/$1" ;; *) echo "$1" ;; esac; }
HEAPSIFT=$(abspath "$HEAPSIFT")
naddr=${SYM_NADDR:-3000}
libc_naddr=${SYM_LIBC_NADDR:-5000}
seed=${SYM_SEED:-1}
min=${SYM_MIN:-99.9}
show=${SYM_SHOW:-10}
only=${SYM_ONLY:-.}
tmo=${SYM_TIMEOUT:-120}
libc=$(abspath "${SYM_LIBC:-/lib/x86_64-linux-gnu/libc.so.6}")
if [ -n "${SYM_UNDER_TEST:-}" ]; then
	read -ra cmd <<<"$SYM_UNDER_TEST"
	cmd[0]=$(abspath "${cmd[0]}")
	strict=${SYM_STRICT:-0}
else
	cmd=("$HEAPSIFT" symbolize)
	strict=${SYM_STRICT:-1}
fi

# --- prerequisites: skip (77) when the toolchain or the reference is missing
for t in gcc g++ python3 objdump objcopy strip nm readelf c++filt timeout; do
	command -v "$t" >/dev/null || { echo "$t not installed: skipped"; exit 77; }
done
src=$(cd "$top_srcdir/tests/sym" && pwd) || exit 1
# the interpreter itself, not a version manager's shim (pyenv's costs 0.5 s
# a start, and python runs twice per binary)
py=$(python3 -c 'import sys; print(sys.executable)') && [ -x "$py" ] || py=python3
llvm_sym=
for t in llvm-symbolizer llvm-symbolizer-14; do
	command -v "$t" >/dev/null && { llvm_sym=$t; break; }
done
[ -n "$llvm_sym" ] || { echo "llvm-symbolizer not installed (Debian: llvm): skipped"; exit 77; }
# demanglers for the symbol listings (symcmp.py --aliases): c++filt is
# GNU's; LLVM's too when it is there, llvm-symbolizer's names being
# LLVM-demangled
cxxfilt_llvm=
for t in llvm-cxxfilt llvm-cxxfilt-14; do
	command -v "$t" >/dev/null && { cxxfilt_llvm=$t; break; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/heapsift-sym.XXXXXX") || exit 1
if [ "${SYM_KEEP:-0}" = 1 ]; then
	echo "work directory: $work (kept)"
else
	trap 'rm -rf "$work"' EXIT
fi
cd "$work" || exit 1

NAME=compare.sh
. "$src/../lib.sh"
passed=0

command -v "${cmd[0]}" >/dev/null || {
	fail "the command under test, ${cmd[0]}, is not there (set HEAPSIFT or SYM_UNDER_TEST)"
	exit 1
}

# --- build.  symgen.c: sym_body.h included once per SYM_ID (24 copies,
# about 300 instructions each at -O2), and the table of their entries.
ncopies=24
{
	echo "/* generated by tests/sym/compare.sh */"
	echo '#include "sym.h"'
	for ((i = 0; i < ncopies; i++)); do
		printf '#define SYM_ID %d\n#include "sym_body.h"\n#undef SYM_ID\n' "$i"
	done
	echo 'const sym_fn sym_table[] = {'
	for ((i = 0; i < ncopies; i++)); do printf '\tsym_entry_%d,\n' "$i"; done
	printf '};\nconst int sym_table_len = %d;\n' "$ncopies"
} >symgen.c

# Compiler jobs run two at a time (the C++ one is the slowest, ~3 s);
# each one's output goes to build.log.
cc=(gcc -g -std=c11 -Wall -I"$src")
jobs_failed=0
bg() { "$@" >>build.log 2>&1 & }
waitall() {
	local p
	for p in $(jobs -p); do wait "$p" || jobs_failed=1; done
}
bg g++ -g -O2 -I"$src" "$src/sym_maps.cc" -o cxx-O2
bg "${cc[@]}" -O0 "$src/symtest.c" symgen.c -o c-O0
waitall
# DWARF 4: .debug_ranges, 1-based file numbers, no file register defect
bg g++ -gdwarf-4 -O2 -I"$src" "$src/sym_maps.cc" -o cxx-dwarf4
bg "${cc[@]}" -gdwarf-4 -O2 "$src/symtest.c" symgen.c -o c-dwarf4
waitall
bg "${cc[@]}" -O2 -fPIC -c symgen.c -o symgen-O2.o
bg "${cc[@]}" -O1 -c symgen.c -o symgen-O1.o
waitall
bg "${cc[@]}" -O2 -fPIC "$src/symtest.c" symgen-O2.o -o c-O2
bg "${cc[@]}" -O2 -fPIC -shared "$src/libsym.c" symgen-O2.o -o libsym.so
waitall
bg "${cc[@]}" -O1 "$src/symuse.c" symgen-O1.o -L. -lsym -o symuse
# debuglink: no build ID, so that only .gnu_debuglink can find the file
bg "${cc[@]}" -O2 -fPIC -Wl,--build-id=none "$src/symtest.c" symgen-O2.o -o c-debuglink.full
waitall
if [ "$jobs_failed" != 0 ]; then
	fail "building the test programs:"
	sed 's/^/  | /' build.log
	exit 1
fi

# the stripped variants
variants() {
	mkdir -p debug dl/.debug &&
	# build ID: the debug file as DIR/.build-id/xx/rest.debug
	cp cxx-O2 cxx-buildid &&
	objcopy --only-keep-debug cxx-buildid cxx-buildid.debug &&
	strip --strip-all cxx-buildid &&
	id=$(readelf -n cxx-buildid | awk '/Build ID:/ { print $3 }') &&
	[ -n "$id" ] &&
	mkdir -p "debug/.build-id/${id:0:2}" &&
	mv cxx-buildid.debug "debug/.build-id/${id:0:2}/${id:2}.debug" &&
	# debuglink: the CRC in .gnu_debuglink is computed from the file named
	objcopy --only-keep-debug c-debuglink.full dl/.debug/c-debuglink.debug &&
	strip --strip-all -o dl/c-debuglink c-debuglink.full &&
	objcopy --add-gnu-debuglink=dl/.debug/c-debuglink.debug dl/c-debuglink &&
	# no debug information at all
	strip --strip-debug -o c-nodebug c-O2 &&
	strip --strip-all -o libsym-nodebug.so libsym.so
}
variants >>build.log 2>&1 || {
	fail "making the stripped variants:"
	sed 's/^/  | /' build.log
	exit 1
}

# --- helpers
# pick BINARY N: N instruction starts of BINARY's .text, fixed-seed random
# sample (all of them when there are fewer), as 0x... lines; their count in
# .text goes to stderr (pickaddr.py, also used by tests/bench/symbolize.sh)
pick() { "$py" "$src/pickaddr.py" "$1" "$2" "$seed"; }

# aliases FILE...: nm -S listings of FILEs' defined symbols (static and
# dynamic), raw, GNU-demangled and LLVM-demangled, for symcmp.py --aliases;
# the raw ones also in $d/aliases.raw
aliases() {
	local f
	for f in "$@"; do
		nm -S --defined-only "$f" 2>/dev/null
		nm -S -D --defined-only "$f" 2>/dev/null
	done >"$d/aliases.raw"
	cat "$d/aliases.raw"
	c++filt <"$d/aliases.raw"
	[ -n "$cxxfilt_llvm" ] && "$cxxfilt_llvm" <"$d/aliases.raw"
	return 0
}

# outermost: from GNU-layout output, "ADDRESS T NAME" for each address's
# outermost frame (its last function line), unless that is ??
outermost() {
	awk '/^0x[0-9a-fA-F]+$/ { if (a != "" && f != "??") print a, "T", f; a = $0; n = 0; next }
		{ if (n++ % 2 == 0) f = $0 }
		END { if (a != "" && f != "??") print a, "T", f }'
}

# check NAME BINARY DEBUG-DIR|- ALIAS-FILE...: one binary through both
# symbolizers, compared
check() {
	local name=$1 bin=$2 dbg=$3 n=$naddr
	shift 3
	[[ $name =~ $only ]] || return 0
	[ "$name" = libc ] && n=$libc_naddr
	local d=$work/out/$name
	mkdir -p "$d"
	local ref_opt=() cmd_opt=()
	if [ "$dbg" != - ]; then
		ref_opt=(--debug-file-directory="$dbg")
		cmd_opt=(--debug-dir "$dbg")
	fi
	local total
	total=$(pick "$bin" "$n" 2>&1 >"$d/addr")
	local count
	count=$(wc -l <"$d/addr")
	if [ "$count" -lt 2000 ] && [ "$name" != libc ] && [ "$n" -ge 2000 ]; then
		echo "note: $name has only $count instructions in .text"
	fi
	aliases "$@" >"$d/aliases"
	# and the names llvm-symbolizer itself gives at the functions'
	# addresses: where it reads no symbol table (a stripped binary), the
	# DWARF name ("step<3>"), which makes it an alias of the debug file's
	# symbols there ("long (anonymous namespace)::step<3>(...)")
	awk '$2 ~ /^[tTwWi]$/ || $3 ~ /^[tTwWi]$/ { print "0x" $1 }' "$d/aliases.raw" |
		sort -u >"$d/starts"
	timeout "$tmo" "$llvm_sym" --output-style=GNU -f -i -C -a --obj="$bin" \
		"${ref_opt[@]}" <"$d/starts" 2>/dev/null | outermost >>"$d/aliases"
	# the reference, and the same without demangling (symcmp.py --mangled:
	# GNU's demangling of a name is accepted as well as LLVM's)
	if ! timeout "$tmo" "$llvm_sym" --output-style=GNU -f -i -C -a --obj="$bin" \
		"${ref_opt[@]}" <"$d/addr" >"$d/ref" 2>"$d/ref.err" ||
		! timeout "$tmo" "$llvm_sym" --output-style=GNU -f -i -a --no-demangle \
			--obj="$bin" "${ref_opt[@]}" <"$d/addr" >"$d/ref.mangled" 2>>"$d/ref.err"; then
		fail "$name: $llvm_sym failed:"
		sed 's/^/  | /' "$d/ref.err" | head -5
		return
	fi
	local t0=$SECONDS rc
	timeout "$tmo" "${cmd[@]}" -e "$bin" -f -i -C -a "${cmd_opt[@]}" \
		<"$d/addr" >"$d/out" 2>"$d/err"
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$name: '${cmd[*]} -e $bin -f -i -C -a${cmd_opt[*]:+ ${cmd_opt[*]}}' exited with $rc$([ "$rc" = 124 ] && echo " (timed out after ${tmo}s)"):"
		sed 's/^/  | /' "$d/err" | head -10
		[ "$console" = 1 ] && sed 's/^/  | /' "$d/err" | head -5 >&9
		return
	fi
	local opts=(--min "$min" --show "$show" --label "$name" --aliases "$d/aliases"
		--mangled "$d/ref.mangled")
	[ "$strict" = 1 ] && opts+=(--strict)
	"$py" "$src/symcmp.py" "${opts[@]}" "$d/ref" "$d/out" >"$d/report"
	rc=$?
	local summary
	summary=$(head -1 "$d/report")
	summary=${summary#"$name: "}
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		echo "PASS: $name ($count of $total instructions; $summary; $((SECONDS - t0)) s)"
		[ "$(wc -l <"$d/report")" -gt 1 ] && sed -n '2,$p' "$d/report" | sed 's/^/  | /'
	else
		fail "$name ($count of $total instructions; $summary; $((SECONDS - t0)) s)"
		sed -n '2,$p' "$d/report" | sed 's/^/  | /'
		[ "$console" = 1 ] && sed -n '2,40p' "$d/report" | cut -c1-200 | sed 's/^/  | /' >&9
	fi
}

echo "testing: ${cmd[*]} -e BINARY -f -i -C -a (strict layout: $strict); reference: $llvm_sym"
dbgfile=$work/debug/.build-id/${id:0:2}/${id:2}.debug
check c-O0 c-O0 - c-O0
check c-O2 c-O2 - c-O2
check cxx-O2 cxx-O2 - cxx-O2
check cxx-dwarf4 cxx-dwarf4 - cxx-dwarf4
check c-dwarf4 c-dwarf4 - c-dwarf4
check libsym.so libsym.so - libsym.so
check symuse symuse - symuse
check cxx-buildid cxx-buildid "$work/debug" cxx-buildid "$dbgfile"
check c-debuglink dl/c-debuglink - dl/c-debuglink dl/.debug/c-debuglink.debug
check c-nodebug c-nodebug - c-nodebug
check libsym-nodebug libsym-nodebug.so - libsym-nodebug.so

# libc with Debian's libc6-dbg: the debug file is found by build ID under
# the default /usr/lib/debug, so neither side gets a debug directory
if [[ libc =~ $only ]]; then
	lid=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID:/ { print $3 }')
	ldbg=/usr/lib/debug/.build-id/${lid:0:2}/${lid:2}.debug
	if [ ! -f "$libc" ]; then
		echo "SKIP: libc ($libc not found)"
	elif [ -z "$lid" ] || [ ! -f "$ldbg" ]; then
		echo "SKIP: libc (no debug file $ldbg: apt-get install libc6-dbg)"
	else
		check libc "$libc" - "$libc" "$ldbg"
	fi
fi

echo "symbolize: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
