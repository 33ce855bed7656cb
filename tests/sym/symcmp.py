#!/usr/bin/env python3
"""Compare two symbolizer outputs in the GNU layout of `addr2line -f -i -C -a`.

Usage: symcmp.py [options] REFERENCE TESTED

Both files hold, for each address, a line `0x<hex>` and then, for each frame
of its inline chain innermost first, a function line and a `file:line` line
(`??` and `??:0` when unknown).  Each file is parsed into per-address chains
of (function, file, line); an address matches when its whole chain is equal
in both files, after these normalisations (the reference is normally
llvm-symbolizer, and a correct symbolizer may legitimately differ from it in
these points only):

  - ` (discriminator N)` and a column (`file:line:col`) are dropped;
  - an unknown line (`?`, as addr2line prints it) is line 0;
  - paths go through os.path.normpath (`/a/./b/../c.h` is `/a/c.h`);
  - clone suffixes are stripped from function names: .cold, .part.N,
    .isra.N, .constprop.N, .lto_priv.N, in any combination, and their
    demangled forms ` [clone .cold]` (GNU) and ` (.cold)` (LLVM);
  - the GNU and LLVM demanglers' spellings of lambdas and unnamed types are
    made one (`{lambda(int)#1}` is `'lambda'(int)`, `{lambda(int)#2}` is
    `'lambda0'(int)`, `{unnamed type#1}` is `'unnamed'`, GNU's
    `operator< <T>` is LLVM's `operator<<T>`);
  - with --mangled FILE (the same reference run without demangling,
    `llvm-symbolizer --no-demangle`), a function name may also be any
    demangling of the reference's mangled name by the demanglers found
    (c++filt: GNU's, as libiberty and __cxa_demangle; llvm-cxxfilt: LLVM's),
    so that a symbolizer may use either demangler's spelling, and where
    llvm-symbolizer could not demangle a name (it prints it mangled) the
    GNU demangling is accepted;
  - for the OUTERMOST frame only, the function name may be any other name
    of the same address in the symbol listings (--aliases FILE, in the
    format of `nm`, `ADDRESS TYPE NAME`, or `nm -S`, `ADDRESS SIZE TYPE
    NAME`): names sharing an address are one function (malloc /
    __libc_malloc, the C1 and C2 constructors, __attribute__((alias)), or
    a DWARF name listed at its function's address).  Symbol versions
    (`@GLIBC_2.2.5`, `@@...`) are dropped from the listed names.  And where
    the reference's outermost function is `??`, a tested name is accepted
    when a sized symbol of that name in the listings holds the address:
    llvm-symbolizer does not read the .symtab of a separate debug file, a
    symbolizer that does knows more names.

An address counts as a mismatch when the chains differ, when it is missing
from the tested output (or only in the tested output), or when its block is
malformed (an odd number of lines).  With --strict the tested file must also
be in the exact layout: address lines `0x` and 16 lowercase hex digits,
location lines `FILE:LINE` with an optional ` (discriminator N)` and no
column, and no line before the first address; a block breaking this counts
as a mismatch too.

Prints the totals and the first mismatches side by side; exits 0 when
matched / total >= --min percent (default 99.9), 1 when not, 2 on bad usage
or unreadable input.
"""

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys

ADDR_RE = re.compile(r"^0x([0-9a-fA-F]+)$")
STRICT_ADDR_RE = re.compile(r"^0x[0-9a-f]{16}$")
STRICT_LOC_RE = re.compile(r"^.*:(\d+|\?)( \(discriminator \d+\))?$")
DISCR_RE = re.compile(r" \(discriminator \d+\)$")
LOC_COL_RE = re.compile(r"^(.*):(\d+|\?):(\d+|\?)$")
LOC_RE = re.compile(r"^(.*):(\d+|\?)$")
# clone suffixes, mangled (foo.constprop.0.isra.0) and demangled by GNU
# (`f(int) [clone .cold]`) or LLVM (`f(int) (.cold)`)
CLONE_RE = re.compile(r"(?:\.(?:cold|part\.\d+|isra\.\d+|constprop\.\d+|lto_priv\.\d+))+$")
CLONE_DEMANGLED_RE = re.compile(r"(?: \[clone \.[^\]]*\]| \(\.[A-Za-z_][\w.]*\))+$")
GNU_LAMBDA_RE = re.compile(r"\{lambda\(")
GNU_UNNAMED_RE = re.compile(r"\{unnamed type#(\d+)\}")
# GNU `operator< <char>(...)` (a template operator<), LLVM `operator<<char>`
GNU_OPERATOR_RE = re.compile(r"\boperator(<<?|>>?) <")
VERSION_RE = re.compile(r"@.*$")


def die(msg):
    sys.stderr.write("symcmp: %s\n" % msg)
    sys.exit(2)


@functools.lru_cache(maxsize=None)
def norm_function(name):
    """A function name with clone suffixes and demangler style removed."""
    if name == "??":
        return name
    prev = None
    while prev != name:
        prev = name
        name = CLONE_DEMANGLED_RE.sub("", name)
        name = CLONE_RE.sub("", name)
    if "{" in name:
        name = gnu_to_llvm_lambdas(name)
    if "operator" in name:
        name = GNU_OPERATOR_RE.sub(r"operator\1<", name)
    return name


def gnu_to_llvm_lambdas(name):
    """GNU `{lambda(ARGS)#N}` -> LLVM `'lambda'(ARGS)` (N=1) or
    `'lambda{N-2}'(ARGS)`; `{unnamed type#N}` likewise -> `'unnamed'...`."""
    name = GNU_UNNAMED_RE.sub(
        lambda m: "'unnamed%s'" % ("" if m.group(1) == "1" else int(m.group(1)) - 2), name)
    out = []
    i = 0
    while True:
        m = GNU_LAMBDA_RE.search(name, i)
        if not m:
            out.append(name[i:])
            break
        out.append(name[i:m.start()])
        # the parameter list: balanced parentheses from m.end() - 1
        j, depth = m.end() - 1, 0
        while j < len(name):
            if name[j] == "(":
                depth += 1
            elif name[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        args = name[m.end() - 1:j + 1]
        tail = re.match(r"#(\d+)\}", name[j + 1:])
        if not tail:
            out.append(name[m.start():j + 1])
            i = j + 1
            continue
        n = int(tail.group(1))
        out.append("'lambda%s'%s" % ("" if n == 1 else n - 2, args))
        i = j + 1 + tail.end()
    return "".join(out)


@functools.lru_cache(maxsize=None)
def norm_location(loc):
    """`file:line[:col][ (discriminator N)]` -> (normalised file, line)."""
    loc = DISCR_RE.sub("", loc)
    m = LOC_COL_RE.match(loc) or LOC_RE.match(loc)
    if not m:
        return (loc, -1)  # unparsable: kept whole, so it cannot match
    path, line = m.group(1), m.group(2)
    line = 0 if line == "?" else int(line)
    if path != "??" and path:
        path = os.path.normpath(path)
    return (path, line)


class Output:
    """One symbolizer output: address -> chain of (function, file, line),
    or None for a malformed block; problems: address -> why it is bad."""

    def __init__(self, path, strict=False):
        self.chains = {}
        self.raw = {}
        self.problems = {}
        self.stray = []
        self.duplicates = 0
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            die(e)
        blocks = []
        for line in lines:
            m = ADDR_RE.match(line)
            if m:
                blocks.append((int(m.group(1), 16), line, []))
            elif blocks:
                blocks[-1][2].append(line)
            else:
                self.stray.append(line)
        for addr, addr_line, body in blocks:
            problem = None
            if len(body) < 2 or len(body) % 2:
                problem = "%d lines after the address line, not a positive even number" % len(body)
            elif strict:
                if not STRICT_ADDR_RE.match(addr_line):
                    problem = "address line %r is not 0x + 16 lowercase hex digits" % addr_line
                else:
                    for loc in body[1::2]:
                        if not STRICT_LOC_RE.match(loc) or LOC_COL_RE.match(DISCR_RE.sub("", loc)):
                            problem = "location line %r is not FILE:LINE" % loc
                            break
            chain = None
            if problem is None:
                chain = tuple((body[k], ) + norm_location(body[k + 1]) for k in range(0, len(body), 2))
            if addr in self.raw:
                self.duplicates += 1
                if self.raw[addr] == body:
                    continue
                problem = problem or "address given twice with different answers"
            self.raw[addr] = body
            self.chains[addr] = chain
            if problem:
                self.problems[addr] = problem


NM_RE = re.compile(r"^(?:0x)?([0-9a-fA-F]+) (?:([0-9a-fA-F]+) )?([A-Za-z?-]) (.+)$")


class Aliases:
    """Names sharing an address, and the extent of sized symbols, from
    listings in the format of nm (`ADDR TYPE NAME`) or nm -S
    (`ADDR SIZE TYPE NAME`); other lines (undefined symbols) are skipped."""

    def __init__(self, paths):
        self.addrs = {}  # normalised name -> set of addresses
        self.extents = {}  # normalised name -> set of (start, size), size > 0
        for path in paths:
            try:
                f = open(path, encoding="utf-8", errors="replace")
            except OSError as e:
                die(e)
            with f:
                for line in f:
                    m = NM_RE.match(line.rstrip("\n"))
                    if not m:
                        continue
                    a = int(m.group(1), 16)
                    name = norm_function(VERSION_RE.sub("", m.group(4)))
                    self.addrs.setdefault(name, set()).add(a)
                    if m.group(2) and int(m.group(2), 16) > 0:
                        self.extents.setdefault(name, set()).add((a, int(m.group(2), 16)))

    def same(self, a, b):
        sa = self.addrs.get(a)
        sb = self.addrs.get(b)
        return bool(sa and sb and sa & sb)

    def covers(self, name, addr):
        """Is there a sized symbol NAME whose extent holds ADDR?"""
        return any(s <= addr < s + z for s, z in self.extents.get(name, ()))


def demangle_all(names, commands):
    """{mangled name: set of its demanglings}, one batch per demangler."""
    names = sorted(names)
    out = {n: set() for n in names}
    if not names:
        return out
    for cmd in commands:
        try:
            res = subprocess.run([cmd], input="\n".join(names) + "\n", capture_output=True,
                                 text=True, errors="replace", check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            sys.stderr.write("symcmp: %s: %s\n" % (cmd, e))
            continue
        lines = res.stdout.splitlines()
        if len(lines) != len(names):
            sys.stderr.write("symcmp: %s gave %d lines for %d names: not used\n"
                             % (cmd, len(lines), len(names)))
            continue
        for n, d in zip(names, lines):
            out[n].add(d)
    return out


def alternatives(ref, mangled, demanglers):
    """address -> per frame, the set of accepted normalised function names:
    the reference's, and the demanglings of the mangled reference's."""
    alts = {}
    pending = []
    wanted = set()
    for addr, chain in ref.chains.items():
        mchain = mangled.chains.get(addr) if mangled else None
        if chain is None:
            continue
        sets = [{norm_function(f[0])} for f in chain]
        for i, f in enumerate(chain):
            if f[0].startswith("_Z"):  # the reference could not demangle it
                wanted.add(f[0])
                pending.append((sets[i], f[0]))
        if mchain is not None and len(mchain) == len(chain):
            for i, f in enumerate(mchain):
                sets[i].add(norm_function(f[0]))
                if f[0].startswith("_Z"):
                    wanted.add(f[0])
                    pending.append((sets[i], f[0]))
        alts[addr] = sets
    dem = demangle_all(wanted, demanglers)
    for st, name in pending:
        st.update(norm_function(d) for d in dem[name])
    return alts


def frames_equal(ref, got, names, outermost, aliases, addr):
    """names: the accepted normalised function names of the reference frame"""
    if ref[1:] != got[1:]:
        return False
    fg = norm_function(got[0])
    if fg in names:
        return True
    if not outermost:
        return False
    if any(aliases.same(fr, fg) for fr in names):
        return True
    # the reference knows no function here, the tested side names a symbol
    # whose extent holds the address (from a listing of a separate debug
    # file's .symtab, which llvm-symbolizer does not read)
    return "??" in names and aliases.covers(fg, addr)


def chains_equal(ref, got, aliases, alts=None, addr=-1):
    if ref is None or got is None or len(ref) != len(got):
        return False
    if alts is None:
        alts = [{norm_function(f[0])} for f in ref]
    last = len(ref) - 1
    return all(frames_equal(r, g, alts[i], i == last, aliases, addr)
               for i, (r, g) in enumerate(zip(ref, got)))


def side_by_side(addr, ref_out, got_out, why, width, alts=None):
    """The two blocks of one address in two columns, differing rows marked."""
    rows = ["0x%016x  %s" % (addr, why)]
    left = ref_out.raw.get(addr)
    right = got_out.raw.get(addr)
    left = ["(missing)"] if left is None else left
    right = ["(missing)"] if right is None else right
    for k in range(max(len(left), len(right))):
        a = left[k] if k < len(left) else ""
        b = right[k] if k < len(right) else ""
        if k % 2:
            same = norm_location(a) == norm_location(b)
        elif alts and k // 2 < len(alts):
            same = norm_function(b) in alts[k // 2]
        else:
            same = norm_function(a) == norm_function(b)
        mark = " " if same else "*"
        if len(a) > width:
            rows.append("  %s %s" % (mark, a))
            rows.append("  %s %-*s | %s" % (mark, width, "", b))
        else:
            rows.append("  %s %-*s | %s" % (mark, width, a, b))
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(
        description="Compare symbolizer outputs (addr2line -f -i -C -a layout).",
        epilog="Exit status: 0 when the match percentage reaches --min, 1 when not, 2 on errors.")
    ap.add_argument("reference")
    ap.add_argument("tested")
    ap.add_argument("--aliases", action="append", default=[], metavar="FILE",
                    help="nm-style listing of names sharing an address (repeatable)")
    ap.add_argument("--mangled", metavar="FILE",
                    help="the reference without demangling (llvm-symbolizer --no-demangle)")
    ap.add_argument("--demangler", action="append", metavar="CMD",
                    help="demangler filter for --mangled names (repeatable; default: "
                    "c++filt and llvm-cxxfilt[-14], those installed)")
    ap.add_argument("--min", type=float, default=99.9, metavar="PCT",
                    help="lowest match percentage that passes (default 99.9)")
    ap.add_argument("--show", type=int, default=10, metavar="N",
                    help="mismatches to print (default 10)")
    ap.add_argument("--strict", action="store_true",
                    help="also require the exact addr2line layout in the tested file")
    ap.add_argument("--label", default="", help="name printed in the summary line")
    ap.add_argument("--width", type=int, default=60, help="width of the reference column")
    args = ap.parse_args()

    ref = Output(args.reference)
    got = Output(args.tested, strict=args.strict)
    aliases = Aliases(args.aliases)
    mangled = Output(args.mangled) if args.mangled else None
    demanglers = args.demangler
    if demanglers is None:
        demanglers = [c for c in ("c++filt", "llvm-cxxfilt") if shutil.which(c)]
        if "llvm-cxxfilt" not in demanglers and shutil.which("llvm-cxxfilt-14"):
            demanglers.append("llvm-cxxfilt-14")
    alts = alternatives(ref, mangled, demanglers)

    order = list(ref.raw) + [a for a in got.raw if a not in ref.raw]
    mismatches = []
    matched = 0
    for addr in order:
        if addr not in got.raw:
            why = "missing from the tested output"
        elif addr not in ref.raw:
            why = "only in the tested output"
        elif addr in ref.problems:
            why = "reference block malformed: " + ref.problems[addr]
        elif addr in got.problems:
            why = "tested block malformed: " + got.problems[addr]
        elif chains_equal(ref.chains[addr], got.chains[addr], aliases, alts.get(addr), addr):
            matched += 1
            continue
        else:
            why = "chains differ"
        mismatches.append((addr, why))

    total = len(order)
    pct = 100.0 * matched / total if total else 0.0
    label = args.label + ": " if args.label else ""
    print("%stotal %d, matched %d, %.3f%% (need %.3f%%)" % (label, total, matched, pct, args.min))
    notes = []
    if got.stray:
        notes.append("%d line(s) before the first address in the tested output, first: %r"
                     % (len(got.stray), got.stray[0]))
    if ref.stray:
        notes.append("%d line(s) before the first address in the reference" % len(ref.stray))
    for note in notes:
        print("note: " + note)
    if mismatches and args.show > 0:
        print("first %d of %d mismatches (reference | tested, * marks differing lines):"
              % (min(args.show, len(mismatches)), len(mismatches)))
        for addr, why in mismatches[:args.show]:
            print(side_by_side(addr, ref, got, why, args.width, alts.get(addr)))
    ok = total > 0 and pct >= args.min and not (args.strict and got.stray)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
