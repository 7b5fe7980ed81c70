"""Debian's busybox-static (/bin/busybox in the ramdisk, unmodified) under the
Linux personality: a shell script of pipelines, command substitution, loops,
here-documents, exit codes and applets (ls, cat, wc, grep, sed, awk, sort,
md5sum, seq, head, tail, expr, uname) from test/qemu/data/busybox, which
exits with its number of failures; and the command line's own example,
`init=/bin/busybox -- sh -c "ls /bin | wc -l"` (double quotes group init's
arguments as on Linux). By UEFI, by GRUB-BIOS, and on 4 CPUs."""
import os

from harness import ROOT, Test

DATA = os.path.join(ROOT, "test", "qemu", "data", "busybox")
_SCRIPT = "init=/bin/busybox -- sh /test/busybox/check.sh"
_EXPECT = [r"ok pipeline", r"busybox checks: 0 failed", r"init exited: 0\r?\n"]

TESTS = [
    Test("linux-busybox-uefi", cmdline=_SCRIPT, initrd_extra=DATA, expect=_EXPECT, exit_code=1,
         timeout=120),
    Test("linux-busybox-grub-bios-smp4", boot="grub-bios", smp=4, cmdline=_SCRIPT,
         initrd_extra=DATA, expect=_EXPECT, exit_code=1, timeout=120),
    Test("linux-busybox-ls-wc", cmdline='init=/bin/busybox -- sh -c "ls /bin | wc -l"',
         expect=[r"\n\d+\r?\n", r"init exited: 0\r?\n"], exit_code=1, timeout=120),
]
