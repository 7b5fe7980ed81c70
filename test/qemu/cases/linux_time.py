"""The Linux time and system-information calls from a Linux program
(test/qemu/data/linux-time/time-check.c): a static Linux executable with no C
library, built with the host's gcc when this module loads, run as init. It
exits with 0 when every check passed, else with the number of the first that
failed (`init exited: N`; its messages go to fd 2 once the Linux personality
has write). The same binary passes on Linux itself (`make` it and run it on
the host; the clock-setting checks run only under NyanOS).

On one CPU by UEFI, and on two by GRUB-BIOS (affinity masks with two CPUs)."""
import os
import subprocess

from harness import BUILD, ROOT, Test

SOURCE = os.path.join(ROOT, "test", "qemu", "data", "linux-time", "time-check.c")
EXTRA = os.path.join(BUILD, "test-linux-time")
PROGRAM = os.path.join(EXTRA, "bin", "linux-time-check")
CFLAGS = ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-static", "-nostdlib",
          "-ffreestanding", "-fno-stack-protector", "-fno-pie", "-no-pie"]


def _compile():
    os.makedirs(os.path.dirname(PROGRAM), exist_ok=True)
    if os.path.exists(PROGRAM):
        os.remove(PROGRAM)  # never boot a stale binary
    cmd = ["gcc"] + CFLAGS + [SOURCE, "-o", PROGRAM]
    r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0 or not os.path.exists(PROGRAM):
        return f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout.decode(errors='replace')}"
    return None


COMPILE_ERROR = _compile()
if COMPILE_ERROR:
    print(f"linux_time.py: {COMPILE_ERROR}", flush=True)

_CMDLINE = "init=/bin/linux-time-check"
_EXPECT = [r"time: rtc ", r"init exited: 0\r?\n"]

TESTS = [
    Test("linux-time-uefi", cmdline=_CMDLINE, initrd_extra=EXTRA, expect=_EXPECT, exit_code=1),
    Test("linux-time-smp2-grub-bios", boot="grub-bios", smp=2, cmdline=_CMDLINE,
         initrd_extra=EXTRA, expect=_EXPECT, exit_code=1, timeout=60),
]

SUITE_CHECKS = [("linux-time-check-compiles", lambda results: COMPILE_ERROR)]
