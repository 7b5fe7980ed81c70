"""A kernel-half unmap racing CPUs that read the page
(kernel/debug/unmap_race_test.h): with `unmap_race_test` the boot CPU maps,
then unmaps, one kernel page 200 times while every other CPU reads it
through a load that may fault. Pass: no read that started after
unmap_kernel_pages returned succeeded, none found another round's marker,
and every other CPU read the page (each round waits for that).

`make test` runs it on 4 CPUs by UEFI; `make test-matrix` adds 8 CPUs and
the GRUB-BIOS path."""
import re

from harness import Test

CPU_LINE = (r"^unmap_race_test: cpu (\d+) reads=(\d+) faults=(\d+) violations=(\d+) "
            r"old_marker=(\d+)\r?$")
SUMMARY = (r"^unmap_race_test: rounds=(\d+) reads=(\d+) faults=(\d+) violations=(\d+) "
           r"cpus=(\d+)\r?$")
OK = r"^unmap_race_test: ok\r?$"
ROUNDS = 200
READS_AFTER_UNMAP = 8  # per toucher and round, each must fault


def _check(n):
    def check(result):
        m = result.matches[SUMMARY]
        rounds, reads, faults, violations, cpus = (int(g) for g in m.groups())
        if (rounds, violations, cpus) != (ROUNDS, 0, n):
            return f"rounds={rounds} violations={violations} cpus={cpus}"
        per_cpu = re.findall(CPU_LINE, result.output, re.M)
        if sorted(int(c[0]) for c in per_cpu) != list(range(1, n)):
            return f"toucher lines for cpus {[c[0] for c in per_cpu]}, expected 1..{n - 1}"
        for cpu, cpu_reads, cpu_faults, *_ in per_cpu:
            # Each round: at least one read while mapped, and every read
            # after the unmap returned faulted.
            if int(cpu_reads) < ROUNDS or int(cpu_faults) < ROUNDS * READS_AFTER_UNMAP:
                return f"cpu {cpu}: {cpu_reads} reads, {cpu_faults} faults in {ROUNDS} rounds"
        return None
    return check


# The test runs before init and boot goes on; the harness stops QEMU once the
# verdict is printed, so the case depends on nothing after it.
def _race(name, n, boot="uefi", matrix_only=False):
    return Test(name, boot=boot, smp=n, cmdline="unmap_race_test",
                expect=[rf"^smp: {n} cpus online\r?$", SUMMARY, OK], check=_check(n),
                timeout=120, matrix_only=matrix_only)


TESTS = [
    _race("unmap-race-uefi-4", 4),
    _race("unmap-race-uefi-8", 8, matrix_only=True),
    _race("unmap-race-grub-bios-4", 4, boot="grub-bios", matrix_only=True),
]
