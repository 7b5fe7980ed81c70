#!/usr/bin/env bash
# The Linux benchmarks of `make bench` (scripts/linux-bench-guest.sh) on
# Debian 12's Linux 6.1, the figures NyanOS's are compared with: the same
# /bin/linux-bench, /bin/linux-timeit, busybox and script, in a busybox
# initramfs, under the same QEMU as `make bench` (TCG, q35, -cpu max, 512 MiB,
# one CPU, -icount shift=0) with `norandmaps`. Prints the script's
# `bench: NAME VALUE instructions` lines; exits 0 if every run worked.
#
#   scripts/linux61-bench.sh BUILD_DIR      (make bench-linux61)
#
# LINUX61_CMDLINE="WORDS" adds kernel command-line words (e.g. `pti=on`);
# LINUX61_ICOUNT=0 boots without icount, so a tick is a TSC tick of host
# time (wall clock, for what icount cannot see: scripts/linux61-pti-cost.sh);
# LINUX61_TAG=NAME keeps that run's serial log apart (bench-NAME-serial.log).
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
vmlinuz=$("$here"/linux61-kernel.sh "$BUILD")
dir=$BUILD/linux61

root=$dir/bench-root
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,bench}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$BUILD"/linux/bin/linux-bench "$BUILD"/linux/bin/linux-timeit "$root/bin/"
cp "$here"/linux-bench-guest.sh "$root/bench/linux.sh"
cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t sysfs sys /sys
echo "linux61: kernel $(/bin/busybox uname -r)"
echo "linux61: meltdown $(/bin/busybox cat /sys/devices/system/cpu/vulnerabilities/meltdown)"
# Forced on (pti=on) where the CPU is not affected, sysfs still says "Not
# affected": the boot log says whether page-table isolation is on.
echo "linux61: pti $(/bin/busybox dmesg | /bin/busybox grep -i 'page tables isolation' || echo 'not mentioned')"
/bin/sh /bench/linux.sh
echo "linux61: bench exit $?"
/bin/busybox poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$dir/bench-initramfs.gz")

log=$dir/bench${LINUX61_TAG:+-$LINUX61_TAG}-serial.log
rm -f "$log"
icount=(-icount shift=0)
[[ ${LINUX61_ICOUNT:-1} == 0 ]] && icount=()
timeout 1800 qemu-system-x86_64 -accel tcg -machine q35 -cpu max -m 512M -smp 1 "${icount[@]}" \
  -kernel "$vmlinuz" -initrd "$dir/bench-initramfs.gz" \
  -append "console=ttyS0 quiet panic=-1 norandmaps ${LINUX61_CMDLINE:-}" \
  -display none -serial "file:$log" -monitor none -net none -no-reboot >/dev/null 2>&1 || true

grep -E '^(bench:|linux61:|linux-bench:)' "$log" || true
grep -q '^linux61: bench exit 0' "$log"
