#!/usr/bin/env bash
# Runs the Linux programs (user/linux) on the kernel the contract names as the
# specification: Debian 12's Linux 6.1, booted in QEMU (TCG) with a
# busybox initramfs whose /init runs /bin/linux-abi-test, the exec cases
# again with the fixture files the build ships (/test/linux), and a short
# pass of every /bin/linux-bench mode, then powers off. Prints the suite's
# TAP lines; the last line is the suite's `N passed, N failed`; exits 0 only
# if every case passed and every bench mode exited 0.
#
#   scripts/linux61-abi-test.sh BUILD_DIR      (make linux-abi-linux61)
#
# The kernel package is fetched once (scripts/linux61-kernel.sh: about 70 MB)
# into BUILD_DIR/linux61/. Extra suite arguments: LINUX_ABI_ARGS="--case X".
# SMP (default 2) and MEM (default 1G) size the machine.
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
dir=$BUILD/linux61
mkdir -p "$dir"

vmlinuz=$("$(dirname "$0")"/linux61-kernel.sh "$BUILD")

root=$dir/root
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,test/linux}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$BUILD"/linux/bin/linux-* "$root/bin/"
cp -p "$BUILD"/linux/fixtures/[!.]* "$root/test/linux/"
cat >"$root/init" <<EOF
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t tmpfs tmp /tmp
echo "linux61: kernel \$(/bin/busybox uname -r)"
/bin/linux-abi-test --timeout 120 ${LINUX_ABI_ARGS:-}
echo "linux61: suite exit \$?"
# The fixture files the build ships for NyanOS's ramdisk, as /test/linux.
/bin/linux-abi-test --fixtures /test/linux --case exec-eacces --case exec-enoexec \\
  --case exec-failure-keeps-caller --case exec-shebang-sh --case exec-shebang-args >/tmp/shipped.log
echo "linux61: shipped fixtures exit \$?"
/bin/busybox grep '^not ok' /tmp/shipped.log
for m in "fork-exit-wait 100" "fork-touch 5 16" "cow-break 16" "pipe-pingpong 1000" \\
         "fork-exec-busybox-true 20" "mmap-touch-munmap 16 3"; do
  /bin/linux-bench \$m
  echo "linux61: bench \$m exit \$?"
done
/bin/busybox poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$dir/initramfs.gz")

log=$dir/serial.log
rm -f "$log"
timeout 1200 qemu-system-x86_64 -accel tcg -cpu max -m "${MEM:-1G}" -smp "${SMP:-2}" \
  -kernel "$vmlinuz" -initrd "$dir/initramfs.gz" -append "console=ttyS0 quiet panic=-1" \
  -display none -serial "file:$log" -monitor none -net none -no-reboot >/dev/null 2>&1 || true

grep -E '^(ok|not ok|#|linux-abi-test:|linux61:)' "$log" || true
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | head -n 1 || true)
if [[ -z $summary ]]; then
  echo "linux61: the suite did not finish (log $log)"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$summary"
grep -q '^linux61: suite exit 0' "$log" || exit 1
grep -q '^linux61: shipped fixtures exit 0' "$log" || exit 1
if grep -E '^linux61: bench .* exit [1-9]' "$log" >/dev/null; then exit 1; fi
exit 0
