#!/usr/bin/env bash
# The busybox conformance sweep (test/sweep/sweep.sh: command lines over
# files, processes, signals, /proc and ash, each printed with its output and
# exit status) on NyanOS and on Debian's Linux 6.1 (the Linux personality's
# specification), both in QEMU (TCG) from the same ramdisk, then a diff of
# the two transcripts after normalising what legitimately differs (pids,
# times, inode numbers, sizes of memory, kernel and CPU names).
#
#   scripts/linux-sweep.sh BUILD_DIR      (make linux-sweep)
#
# Writes BUILD_DIR/sweep/{nyanos,linux61}.{log,txt} and diff.txt; prints the
# diff and exits 0 only if there is none. The Linux kernel package is fetched
# once (scripts/linux61-kernel.sh). SMP (default 2) and MEM (default 1G) size
# both machines. Not part of `make test`: differences are triaged by hand
# (each fixed one gets a regression check in the ABI suite or the busybox
# QEMU test).
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
dir=$BUILD/sweep
rm -rf "$dir" && mkdir -p "$dir"

vmlinuz=$("$here"/scripts/linux61-kernel.sh "$BUILD")

# One root for both kernels: NyanOS's ramdisk (busybox, its applet links,
# /etc) plus the sweep.
root=$dir/root
mkdir -p "$root"
tar -xf "$BUILD/initrd.tar" -C "$root"
mkdir -p "$root/test/sweep"
cp "$here/test/sweep/sweep.sh" "$root/test/sweep/"

# NyanOS: the sweep's shell is init (pid 1), as on Linux below.
(cd "$root" && tar --format=ustar --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name \
  -cf "$dir/initrd.tar" $(ls -A))
echo "init=/bin/busybox -- sh /test/sweep/sweep.sh" >"$dir/cmdline.txt"
"$here"/scripts/mkesp.sh "$dir/esp.img" "$BUILD/BOOTX64.EFI" "$BUILD/kernel.elf" \
  "$dir/initrd.tar" "$dir/cmdline.txt" >/dev/null

# Linux: /init mounts what NyanOS provides itself (/proc, /dev with its
# /dev/fd links) and becomes the sweep's shell; the sweep powers off at its
# end when SWEEP_POWEROFF is set.
mkdir -p "$root"/{dev,proc,sys}
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
for f in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 stderr:/proc/self/fd/2; do
  [ -e /dev/${f%%:*} ] || /bin/busybox ln -s ${f#*:} /dev/${f%%:*}
done
export SWEEP_POWEROFF=1
exec /bin/busybox sh /test/sweep/sweep.sh
EOF
chmod +x "$root/init"
(cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$dir/initramfs.gz")

BUILD=$BUILD ESP="$dir/esp.img" SMP=${SMP:-2} MEM=${MEM:-1G} HEADLESS=1 \
  SERIAL="file:$dir/nyanos.log" timeout 1200 "$here"/scripts/qemu.sh >/dev/null 2>&1 &
nyanos=$!
timeout 1200 qemu-system-x86_64 -accel tcg -cpu max -m "${MEM:-1G}" -smp "${SMP:-2}" \
  -kernel "$vmlinuz" -initrd "$dir/initramfs.gz" -append "console=ttyS0 quiet panic=-1" \
  -display none -serial "file:$dir/linux61.log" -monitor none -net none -no-reboot \
  >/dev/null 2>&1 || true
wait "$nyanos" || true

# The transcript: from the first command line to the sweep's end, with what
# legitimately differs normalised.
normalise() {
  tr -d '\r' <"$1" | sed -n '/^== /,/^sweep: done/p' | sed -E \
    -e 's/\b[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?( [+-][0-9]{4})?\b/DATETIME/g' \
    -e 's/\b[0-9]{2}:[0-9]{2}:[0-9]{2}\b/TIME/g' \
    -e 's/^(== .*)$/\1/'
}
normalise "$dir/nyanos.log" >"$dir/nyanos.txt"
normalise "$dir/linux61.log" >"$dir/linux61.txt"
for f in nyanos linux61; do
  grep -q '^sweep: done' "$dir/$f.txt" || echo "linux-sweep: the $f run did not finish ($dir/$f.log)"
done
if diff -u "$dir/linux61.txt" "$dir/nyanos.txt" >"$dir/diff.txt"; then
  echo "linux-sweep: $(grep -c '^== ' "$dir/nyanos.txt") command lines, no difference"
  exit 0
fi
cat "$dir/diff.txt"
echo "linux-sweep: $(grep -c '^[-+][^-+]' "$dir/diff.txt") lines differ (linux61 -, nyanos +)"
exit 1
