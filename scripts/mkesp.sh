#!/usr/bin/env bash
# mkesp.sh OUT.img BOOTX64.EFI kernel.elf initrd.tar cmdline.txt
# Builds a FAT ESP image that OVMF boots by itself: \EFI\BOOT\BOOTX64.EFI,
# plus \nyanos\{kernel.elf,initrd.tar,cmdline.txt} for the stub to read.
set -euo pipefail
out=$1 efi=$2 kernel=$3 initrd=$4 cmdline=$5

# Size: the payload plus slack, at least 34 MiB (FAT32's minimum cluster count).
payload=$(( $(stat -c %s "$efi") + $(stat -c %s "$kernel") + $(stat -c %s "$initrd") ))
mib=$(( payload / 1048576 + 8 ))
(( mib < 34 )) && mib=34

tmp="$out.tmp"
rm -f "$tmp"
truncate -s "${mib}M" "$tmp"
mformat -i "$tmp" -F ::
mmd -i "$tmp" ::/EFI ::/EFI/BOOT ::/nyanos
mcopy -i "$tmp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$tmp" "$kernel" ::/nyanos/kernel.elf
mcopy -i "$tmp" "$initrd" ::/nyanos/initrd.tar
mcopy -i "$tmp" "$cmdline" ::/nyanos/cmdline.txt
mv "$tmp" "$out"
