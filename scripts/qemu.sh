#!/usr/bin/env bash
# The QEMU runner used by `make run`, `make debug`, the tests and the
# benchmarks. Configuration comes from the environment:
#   BOOT=uefi|grub-bios|grub-efi   which path (default uefi)
#   MEM=512M  SMP=1  MACHINE=q35  CPU=max
#   ACCEL=tcg         the -accel option (tcg,thread=multi: one host thread per CPU)
#   ESP=build/esp.img  ISO=build/nyanos.iso   the images to boot
#   SERIAL=stdio | file:PATH | none           where COM1 goes (default stdio)
#   HEADLESS=1        no window (also when $DISPLAY is unset)
#   DEBUG_EXIT=1      add isa-debug-exit (default 1; 0 = like a real machine)
#   MONITOR=PATH      an HMP monitor on a unix socket (for screendump)
#   GDB=1             start paused with the GDB stub on :1234
#   QEMU_EXTRA="..."  appended as is
# Extra arguments are appended too. QEMU's exit status is passed through.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
BOOT=${BOOT:-uefi}
MEM=${MEM:-512M}
SMP=${SMP:-1}
MACHINE=${MACHINE:-q35}
CPU=${CPU:-max}
ACCEL=${ACCEL:-tcg}
ESP=${ESP:-$BUILD/esp.img}
ISO=${ISO:-$BUILD/nyanos.iso}
SERIAL=${SERIAL:-stdio}
DEBUG_EXIT=${DEBUG_EXIT:-1}

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

args=(-accel "$ACCEL" -machine "$MACHINE" -cpu "$CPU" -m "$MEM" -smp "$SMP" -no-reboot -net none)

ovmf_vars=
trap '[[ -n $ovmf_vars ]] && rm -f "$ovmf_vars"' EXIT
ovmf() {
  # OVMF writes to its variable store: give every run its own copy.
  ovmf_vars=$(mktemp /tmp/nyanos-ovmf-vars.XXXXXX)
  cp "$OVMF_VARS" "$ovmf_vars"
  args+=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
         -drive "if=pflash,format=raw,file=$ovmf_vars")
}

case "$BOOT" in
  uefi)
    ovmf
    args+=(-drive "format=raw,file=$ESP,if=ide,media=disk,snapshot=on") ;;
  grub-bios)
    args+=(-cdrom "$ISO" -boot d) ;;
  grub-efi)
    ovmf
    args+=(-cdrom "$ISO") ;;
  *)
    echo "qemu.sh: unknown BOOT=$BOOT (uefi, grub-bios or grub-efi)" >&2
    exit 2 ;;
esac

case "$SERIAL" in
  none) args+=(-serial none) ;;
  *) args+=(-serial "$SERIAL") ;;
esac

if [[ ${HEADLESS:-} == 1 || -z ${DISPLAY:-} ]]; then
  args+=(-display none)
fi
[[ $DEBUG_EXIT == 1 ]] && args+=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
[[ -n ${MONITOR:-} ]] && args+=(-monitor "unix:$MONITOR,server,nowait")
[[ ${GDB:-} == 1 ]] && args+=(-s -S)

# shellcheck disable=SC2206
extra=(${QEMU_EXTRA:-})
set +e
qemu-system-x86_64 "${args[@]}" "${extra[@]}" "$@"
status=$?
exit $status
