#!/usr/bin/env python3
"""Print a fixed-seed random sample of instruction start addresses.

Usage: pickaddr.py BINARY N [SEED]

Runs `objdump -d -j .text --no-show-raw-insn -w BINARY` and takes the
address of every instruction line in .text; prints N of them (all when
there are fewer), chosen with random.Random(SEED).sample (SEED default 1),
in that random order, one per line as 0x<hex>.  The count of instructions in
.text goes to stderr.  tests/sym/compare.sh and tests/bench/symbolize.sh
both use it, so that the same SEED and N give them the same addresses.
"""

import random
import re
import subprocess
import sys

INSN_RE = re.compile(rb"^ +([0-9a-f]+):\t", re.M)


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    binary, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) == 4 else 1
    try:
        dis = subprocess.run(["objdump", "-d", "-j", ".text", "--no-show-raw-insn", "-w", binary],
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.stderr.write("pickaddr: objdump %s: %s\n" % (binary, e))
        return 1
    addrs = [m.group(1).decode() for m in INSN_RE.finditer(dis)]
    sys.stderr.write("%d\n" % len(addrs))
    sample = addrs if len(addrs) <= n else random.Random(seed).sample(addrs, n)
    sys.stdout.write("".join("0x%s\n" % a for a in sample))
    return 0


if __name__ == "__main__":
    sys.exit(main())
