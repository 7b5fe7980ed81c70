#!/usr/bin/env bash
# Prints the path of Debian 12's Linux 6.1 kernel image (the Linux
# personality's specification), fetching it once with `apt-get download`
# (about 70 MB) into BUILD_DIR/linux61/ and unpacking it there.
#
#   scripts/linux61-kernel.sh BUILD_DIR
#
# Used by scripts/linux61-abi-test.sh and scripts/linux61-bench.sh.
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
dir=$BUILD/linux61
mkdir -p "$dir"

vmlinuz=$(ls "$dir"/x/boot/vmlinuz-6.1.* 2>/dev/null | head -n 1 || true)
if [[ -z $vmlinuz ]]; then
  # linux-image-amd64 depends on the current 6.1 image package.
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6\.1/ {print $2; exit}')
  if [[ -z $pkg ]]; then
    SUDO=; [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6\.1/ {print $2; exit}')
  fi
  [[ -n $pkg ]] || { echo "linux61: no linux-image-6.1 package found" >&2; exit 2; }
  echo "linux61: downloading $pkg" >&2
  (cd "$dir" && rm -f ./*.deb && apt-get download "$pkg" >&2)
  rm -rf "$dir/x" && dpkg-deb -x "$dir"/*.deb "$dir/x"
  vmlinuz=$(ls "$dir"/x/boot/vmlinuz-6.1.* | head -n 1)
fi
echo "$vmlinuz"
