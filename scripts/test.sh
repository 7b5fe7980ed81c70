#!/usr/bin/env bash
# `make test`: the host unit tests (doctest, under ASan and UBSan) and the
# QEMU integration tests. Prints each result, then one last line
# `N passed, N failed` summing both; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

host_passed=0 host_failed=0
echo "== host tests (doctest, ASan+UBSan)"
host_log=$BUILD/test-logs/host.log
mkdir -p "$(dirname "$host_log")"
"$BUILD/host/nyanos-tests" --no-colors=true 2>&1 | tee "$host_log" | grep -E "ERROR|FAILED|test cases:|Status:" || true
summary=$(grep -E '^\[doctest\] test cases:' "$host_log" | tail -n 1)
if [[ $summary =~ ([0-9]+)\ passed.*\|\ *([0-9]+)\ failed ]]; then
  host_passed=${BASH_REMATCH[1]}
  host_failed=${BASH_REMATCH[2]}
else
  echo "host tests did not report a summary (crashed?)"
  host_failed=1
fi

echo "== QEMU tests"
qemu_log=$BUILD/test-logs/qemu.log
python3 test/qemu/harness.py 2>&1 | tee "$qemu_log"
qsum=$(grep -E '^qemu: [0-9]+ passed, [0-9]+ failed' "$qemu_log" | tail -n 1)
if [[ $qsum =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  qemu_passed=${BASH_REMATCH[1]}
  qemu_failed=${BASH_REMATCH[2]}
else
  echo "the QEMU harness did not report a summary"
  qemu_passed=0
  qemu_failed=1
fi

passed=$((host_passed + qemu_passed))
failed=$((host_failed + qemu_failed))
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
