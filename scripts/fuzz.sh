#!/usr/bin/env bash
# Runs libFuzzer targets for a bounded time each (called by `make fuzz`).
#   FUZZ_DIR=build/fuzz FUZZ_SECONDS=20 scripts/fuzz.sh elf_validate elf_load ...
# Each target NAME runs as $FUZZ_DIR/bin/NAME over its working corpus
# $FUZZ_DIR/corpus/NAME (kept across runs) plus the seeds for its input kind.
# Prints one line per target and `fuzz: N passed, N failed`; exits 1 if any
# target crashed (the input is in $FUZZ_DIR/artifacts/NAME/, the log next to it).
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

seeds_for() {
  case $1 in
    elf_*) echo "$FUZZ_DIR/seeds/elf" ;;
    ramdisk) echo "$FUZZ_DIR/seeds/ramdisk" ;;
    multiboot2) echo "$FUZZ_DIR/seeds/multiboot2" ;;
    usb_descriptors) echo "$FUZZ_DIR/seeds/usb" ;;
    *) echo "" ;;
  esac
}

passed=0 failed=0
for name in "$@"; do
  bin=$FUZZ_DIR/bin/$name
  corpus=$FUZZ_DIR/corpus/$name
  artifacts=$FUZZ_DIR/artifacts/$name
  log=$FUZZ_DIR/logs/$name.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  seeds=$(seeds_for "$name")
  # -rss_limit_mb: the ELF loader's arena is 4 MiB; anything near 2 GiB is a bug.
  "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" $seeds >"$log" 2>&1
  rc=$?
  runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
  if [[ $rc -eq 0 ]]; then
    echo "fuzz: ok   $name (${runs:-?} runs, cov ${cov:-?}, ${FUZZ_SECONDS}s)"
    passed=$((passed + 1))
  else
    echo "fuzz: FAIL $name (exit $rc); log $log, inputs in $artifacts/"
    grep -E 'ERROR: |FUZZ_CHECK|panicked|SUMMARY' "$log" | head -n 5 | sed 's/^/    /'
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
