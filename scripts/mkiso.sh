#!/usr/bin/env bash
# mkiso.sh OUT.iso "CMDLINE" [INITRD]
# Builds the hybrid GRUB ISO (legacy BIOS and UEFI, from CD or from a USB
# stick written with dd): GRUB loads build/nyanos-loader by multiboot2 with
# CMDLINE as its command line, and kernel.elf and the ramdisk as modules.
# LOADER=, KERNEL= and BUILD= override where the binaries come from; INITRD
# defaults to $BUILD/initrd.tar. Tests use this to boot other command lines.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 OUT.iso \"CMDLINE\" [INITRD]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
out=$1
cmdline=$2
initrd=${3:-$BUILD/initrd.tar}
loader=${LOADER:-$BUILD/nyanos-loader}
kernel=${KERNEL:-$BUILD/kernel.elf}

for f in "$loader" "$kernel" "$initrd"; do
  [[ -f $f ]] || { echo "mkiso.sh: missing $f (run make first)" >&2; exit 1; }
done
if [[ $cmdline == *$'\n'* ]]; then
  echo "mkiso.sh: the command line may not contain a newline" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nyanos-iso.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/root
mkdir -p "$stage/boot/grub"
cp "$loader" "$stage/boot/nyanos-loader"
cp "$kernel" "$stage/boot/kernel.elf"
cp "$initrd" "$stage/boot/initrd.tar"

# GRUB's parser gives meaning to quotes, $, ;, &, |, <, >, braces, # and the
# backslash: escape each so the kernel gets the command line verbatim
# (whitespace runs collapse to one space, as GRUB splits words).
escaped=$(printf '%s' "$cmdline" | sed -e 's/[][\\"'"'"'$;&|<>{}()#`*?~]/\\&/g')
# For sed's replacement text: escape &, | and \ once more.
replacement=$(printf '%s' "$escaped" | sed -e 's/[&|\\]/\\&/g')
sed -e "s|@CMDLINE@|$replacement|" "$here/grub/grub.cfg" > "$stage/boot/grub/grub.cfg"

tmp="$out.tmp.$$"
if ! grub-mkrescue -o "$tmp" "$stage" > "$work/mkrescue.log" 2>&1; then
  cat "$work/mkrescue.log" >&2
  rm -f "$tmp"
  exit 1
fi
mv "$tmp" "$out"
