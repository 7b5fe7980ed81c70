"""SMP stress: /bin/smp-stress as init (user/bin/smp-stress.c, see
docs/isolation.md). It starts 2 x (CPUs online) workers at once, each doing
a fixed number of iterations of exec/exit/wait churn, first-touch faults with
sbrk grow/shrink, children killed by SIGSEGV, or killing a spinner that runs
on another CPU; every worker must pass, the free-frame count must come back
to its baseline exactly, and the work must have run on more than one CPU.
init exiting 0 makes QEMU exit with code 1.

`make test` runs it on 4 CPUs by UEFI; `make test-matrix` adds 2 and 8 CPUs
and the GRUB-BIOS path."""
import re

from harness import Test

OK = r"smp-stress: ok \((\d+) workers, (\d+) ops, (\d+) cpus used"
INIT_OK = r"init exited: 0"


def _check(n):
    def check(result):
        m = result.matches.get(OK)
        if not m:
            return "no ok line"
        workers, used = int(m.group(1)), int(m.group(3))
        if workers != max(4, 2 * n):
            return f"{workers} workers on {n} CPUs, expected {max(4, 2 * n)}"
        if used < 2:
            return f"the work ran on {used} CPU(s) of {n}"
        frames = re.search(r"smp-stress: free frames: baseline (\d+), after (\d+)", result.output)
        if not frames or frames.group(1) != frames.group(2):
            return f"free frames not back to the baseline: {frames and frames.group(0)!r}"
        return None
    return check


def _stress(name, n, boot="uefi", matrix_only=False):
    return Test(name, boot=boot, smp=n, mem="512M", cmdline="init=/bin/smp-stress",
                expect=[rf"^smp: {n} cpus online\r?$", r"smp-stress: \d+ cpus online", OK, INIT_OK],
                exit_code=1, check=_check(n), timeout=300, matrix_only=matrix_only)


TESTS = [
    _stress("smp-stress-uefi-4", 4),
    _stress("smp-stress-uefi-2", 2, matrix_only=True),
    _stress("smp-stress-uefi-8", 8, matrix_only=True),
    _stress("smp-stress-grub-bios-4", 4, boot="grub-bios", matrix_only=True),
    _stress("smp-stress-grub-bios-8", 8, boot="grub-bios", matrix_only=True),
]
