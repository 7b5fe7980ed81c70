"""The Linux ABI suite (user/linux/abi-test, musl-gcc -static; every case
passes on Linux itself) under the Linux personality: the cases the kernel
passes today (test/qemu/data/linux-abi/test/linux-abi/run.sh lists them and
says what the others wait for), one child per case, with busybox's shell
as init. On every boot path: by the UEFI stub on one CPU, by GRUB-BIOS on
4 and by GRUB-EFI on 2."""
import os

from harness import ROOT, Test

DATA = os.path.join(ROOT, "test", "qemu", "data", "linux-abi")
_CMDLINE = "init=/bin/busybox -- sh /test/linux-abi/run.sh"
_EXPECT = [r"ok 1 - cow-global", r"linux-abi: first 0 second 0 third 0 fourth 0 fifth 0 sixth 0",
           r"init exited: 0\r?\n"]

TESTS = [
    Test("linux-abi-uefi", cmdline=_CMDLINE, initrd_extra=DATA, expect=_EXPECT, exit_code=1,
         timeout=300),
    Test("linux-abi-grub-bios-smp4", boot="grub-bios", smp=4, cmdline=_CMDLINE,
         initrd_extra=DATA, expect=_EXPECT, exit_code=1, timeout=300),
    Test("linux-abi-grub-efi-smp2", boot="grub-efi", smp=2, cmdline=_CMDLINE,
         initrd_extra=DATA, expect=_EXPECT, exit_code=1, timeout=300),
]
