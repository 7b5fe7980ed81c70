#!/usr/bin/env bash
# What page-table isolation costs Debian 12's Linux 6.1 in the QEMU that
# `make bench` uses (TCG, q35, -cpu max, one CPU: no PCID, so every CR3
# write flushes the TLB, as in NyanOS with kpti=on): the Linux benchmarks
# (scripts/linux-bench-guest.sh) with `pti=off` and `pti=on`, once under
# -icount shift=0 (guest instructions; a CR3 write is one, the TLB refills
# it causes are invisible) and once without icount (TSC ticks of host time,
# where QEMU's refills of its software TLB after each CR3 write show).
# Prints every figure as `bench: linux61_NAME_CLOCK_pti_off|on VALUE UNIT`
# (CLOCK: icount or wall), then `bench: linux61_pti_CLOCK_ratio_NAME R ratio`
# (pti=on over pti=off).
# Wall-clock figures move with host load: run it on an idle machine.
#
#   scripts/linux61-pti-cost.sh BUILD_DIR      (make bench-linux61-pti)
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
out=$BUILD/linux61/pti-cost
mkdir -p "$out"
failed=0

run() {  # CLOCK(icount|wall) PTI(on|off)
  local icount=1
  [[ $1 == wall ]] && icount=0
  if ! LINUX61_CMDLINE="pti=$2" LINUX61_ICOUNT=$icount LINUX61_TAG="$1-pti-$2" \
    "$here"/linux61-bench.sh "$BUILD" >"$out/$1-$2.txt"; then
    echo "linux61-pti-cost: the $1 pti=$2 run failed" >&2
    failed=1
  fi
  grep -E '^linux61: (meltdown|pti)' "$out/$1-$2.txt" | sed "s/^/# $1 pti=$2: /" || true
}

for clock in icount wall; do
  run "$clock" off
  run "$clock" on
done

python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
line = re.compile(r"^bench: (\S+) (-?\d+) (\S+)$")
def figures(name):
    found = {}
    with open(f"{out}/{name}.txt") as f:
        for raw in f:
            m = line.match(raw.strip())
            if m:
                found[m.group(1)] = int(m.group(2))
    return found
for clock, unit in (("icount", "instructions"), ("wall", "ticks")):
    off, on = figures(f"{clock}-off"), figures(f"{clock}-on")
    for name in off:
        if name in on:
            short = name[len("linux_"):] if name.startswith("linux_") else name
            print(f"bench: linux61_{short}_{clock}_pti_off {off[name]} {unit}")
            print(f"bench: linux61_{short}_{clock}_pti_on {on[name]} {unit}")
            if off[name] > 0:
                print(f"bench: linux61_pti_{clock}_ratio_{short} {on[name] / off[name]:.2f} ratio")
PY
exit $failed
