#!/usr/bin/env bash
# `make test`: the host unit tests (doctest, under ASan and UBSan), the
# lock-annotation check, a short run of every fuzz target and the QEMU
# integration tests; with MATRIX=1 (make test-matrix) also the Linux ABI
# suite (user/linux) on the host's own Linux kernel, and the matrix cases. Prints each result, then one last line
# `N passed, N failed` summing them all; exits non-zero if anything failed.
#
# What counts: each doctest case one, the lock-annotation check
# (`make thread-safety`) one, each fuzz target one (a fuzz build that fails
# counts every target as failed), each case of the Linux ABI suite run on the
# host kernel one (matrix only), each QEMU test one.
#
# Called by `make test` (mk/run.mk), which passes MAKE, BUILD, FUZZ_TARGETS
# and FUZZ_TEST_SECONDS; the lock check and the fuzz build run as sub-makes,
# so a failure is counted here instead of ending `make test` before the total.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
FUZZ_TARGETS=${FUZZ_TARGETS:-$(ls test/fuzz/*_fuzz.cpp | sed 's|.*/||; s|_fuzz\.cpp$||' | sort | tr '\n' ' ')}
FUZZ_TEST_SECONDS=${FUZZ_TEST_SECONDS:-3}

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

echo "== lock annotations (clang -Wthread-safety)"
ts_log=$BUILD/test-logs/thread-safety.log
if $MAKE --no-print-directory BUILD="$BUILD" thread-safety >"$ts_log" 2>&1; then
  ts_passed=1 ts_failed=0
  tail -n 1 "$ts_log"
else
  ts_passed=0 ts_failed=1
  echo "thread-safety: FAIL (log $ts_log)"
  grep -E 'error|warning' "$ts_log" | head -n 20
fi

echo "== fuzz (${FUZZ_TEST_SECONDS}s per target)"
read -r -a fuzz_targets <<<"$FUZZ_TARGETS"
fuzz_log=$BUILD/test-logs/fuzz.log
if ! $MAKE --no-print-directory BUILD="$BUILD" fuzz-build fuzz-seeds >"$BUILD/test-logs/fuzz-build.log" 2>&1; then
  echo "fuzz: the build failed (log $BUILD/test-logs/fuzz-build.log)"
  grep -E 'error' "$BUILD/test-logs/fuzz-build.log" | head -n 20
  fuzz_passed=0
  fuzz_failed=${#fuzz_targets[@]}
  [[ $fuzz_failed -eq 0 ]] && fuzz_failed=1
else
  FUZZ_DIR=$BUILD/fuzz FUZZ_SECONDS=$FUZZ_TEST_SECONDS scripts/fuzz.sh "${fuzz_targets[@]}" 2>&1 |
    tee "$fuzz_log"
  fsum=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$fuzz_log" | tail -n 1)
  if [[ $fsum =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    fuzz_passed=${BASH_REMATCH[1]}
    fuzz_failed=${BASH_REMATCH[2]}
  else
    echo "the fuzz driver did not report a summary"
    fuzz_passed=0
    fuzz_failed=1
  fi
  # Guard against a target list that went missing: no targets is a failure, not a pass.
  if [[ $((fuzz_passed + fuzz_failed)) -eq 0 ]]; then
    echo "fuzz: no targets ran"
    fuzz_failed=1
  fi
fi

labi_passed=0
labi_failed=0
if [[ ${MATRIX:-0} == 1 ]]; then
  # The suite's own check against its specification, Linux itself: only in
  # the matrix, so that `make test` judges NyanOS and not the host's kernel.
  echo "== Linux ABI suite on this machine's Linux kernel (user/linux; Linux is its specification)"
  labi_log=$BUILD/test-logs/linux-abi.log
  "$BUILD/linux/bin/linux-abi-test" >"$labi_log" 2>&1
  grep -E '^(not ok|# )' "$labi_log" || true
  lsum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$labi_log" | tail -n 1)
  if [[ $lsum =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    labi_passed=${BASH_REMATCH[1]}
    labi_failed=${BASH_REMATCH[2]}
    echo "linux-abi-test: $lsum"
  else
    echo "linux-abi-test did not report a summary (log $labi_log)"
    labi_passed=0
    labi_failed=1
  fi
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

passed=$((host_passed + ts_passed + fuzz_passed + labi_passed + qemu_passed))
failed=$((host_failed + ts_failed + fuzz_failed + labi_failed + qemu_failed))
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
