#!/usr/bin/env bash
# Installs the Debian packages NyanOS needs to build, boot and test, when a
# tool is missing. Safe to run again: it only calls apt-get when something
# is absent. Uses sudo when not root.
set -euo pipefail

# tool-or-file  package
REQUIRED=(
  "/usr/include/efi/efi.h gnu-efi"
  "/usr/lib/crt0-efi-x86_64.o gnu-efi"
  "/usr/share/OVMF/OVMF_CODE_4M.fd ovmf"
  "qemu-system-x86_64 qemu-system-x86"
  "/usr/lib/grub/i386-pc/moddep.lst grub-pc-bin"
  "/usr/lib/grub/x86_64-efi/moddep.lst grub-efi-amd64-bin"
  "grub-mkrescue grub-common"
  "xorriso xorriso"
  "mformat mtools"
  "/usr/include/doctest/doctest.h doctest-dev"
  "/usr/share/consolefonts/Lat15-Terminus16.psf.gz console-setup-linux"
  "g++ g++"
  "clang clang"
  "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev"
  "ld.lld lld"
  "python3 python3"
  "gdb gdb"
  "/var/lib/dpkg/info/busybox-static.list busybox-static"
  "musl-gcc musl-tools"
)

missing=()
for entry in "${REQUIRED[@]}"; do
  what=${entry% *}
  pkg=${entry##* }
  if [[ $what == /* ]]; then
    [[ -e $what ]] && continue
  else
    command -v "$what" >/dev/null 2>&1 && continue
  fi
  missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

# De-duplicate.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "install-deps: installing ${missing[*]}" >&2

SUDO=
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
