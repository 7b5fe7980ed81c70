"""SMP bring-up: the application processors come online, are set up like the
boot CPU, and idle without disturbing anything.

- with -smp 4, the UEFI path and the GRUB-BIOS path print the contract's
  `smp: 4 cpus online` and init still runs to `init exited: 0` (on GRUB-BIOS
  the shell, driven over COM1, runs programs and the scheduler still
  preempts and sleeps with the APs parked);
- `nosmp` keeps one CPU: no `smp:` line at all;
- no AP is reported as set up unlike the boot CPU (its CR0, CR4 and EFER
  are compared with the boot CPU's) or as not starting;
- matrix: -smp 1 (no smp line), 2 and 8 on every boot path, 8 CPUs in
  128 MiB, the legacy 8259 path, -machine pc, a CPU model without SMEP,
  SMAP and UMIP, and ACPI power-off with the APs halted.
"""
import re

from harness import SHELL_PROMPT as PROMPT, Test, shell_command as run

ECHO_INIT = "init=/bin/echo -- smp-hello"
ECHO_DONE = [r"smp-hello\r?\n", r"init exited: 0"]


def online(n):
    return rf"^smp: {n} cpus online\r?$"


def _no_complaints(result):
    for line in result.output.splitlines():
        if line.startswith("smp:") and not re.match(r"smp: \d+ cpus online", line):
            return f"unexpected smp line: {line.strip()!r}"
    return None


def _no_smp_line(result):
    if re.search(r"^smp:", result.output, re.M):
        line = re.search(r"^smp:.*$", result.output, re.M).group(0)
        return f"one CPU but an smp line: {line.strip()!r}"
    return None


def _online(name, n, boot="uefi", **kw):
    kw.setdefault("cmdline", ECHO_INIT)
    kw.setdefault("expect", [online(n)] + ECHO_DONE)
    kw.setdefault("timeout", 120 if boot == "grub-efi" else 90)
    kw.setdefault("exit_code", 1)
    return Test(name, boot=boot, smp=n, check=_no_complaints, **kw)


def _one_cpu(name, boot="uefi", smp=1, cmdline=ECHO_INIT, **kw):
    return Test(name, boot=boot, smp=smp, cmdline=cmdline, expect=ECHO_DONE, exit_code=1,
                check=_no_smp_line, timeout=120 if boot == "grub-efi" else 90, **kw)


SHELL_STEPS = (
    [("expect", online(4)), ("expect", PROMPT)]
    + run("hello a b", r"argv\[2\]=b")
    + run("spin 1000 &")
    + run("sleeper 200", r"sleeper slept \d+ ms")
    + [("expect", r"spin 1000 ms done")]
    + run("meminfo", r"free_frames=\d+")
    + [("send", "exit 0\r"), ("expect", r"init exited: 0")]
)

TESTS = [
    _online("smp-uefi-4", 4),
    Test("smp-grub-bios-4-shell", boot="grub-bios", smp=4, steps=SHELL_STEPS, exit_code=1,
         check=_no_complaints, timeout=90),
    _one_cpu("smp-nosmp", smp=4, cmdline="nosmp " + ECHO_INIT),
    # The matrix: CPU counts on every boot path, and the corners.
    _one_cpu("smp-uefi-1", matrix_only=True),
    _online("smp-uefi-2", 2, matrix_only=True),
    _online("smp-uefi-8", 8, matrix_only=True),
    _one_cpu("smp-grub-bios-1", boot="grub-bios", matrix_only=True),
    _online("smp-grub-bios-2", 2, boot="grub-bios", matrix_only=True),
    _online("smp-grub-bios-8", 8, boot="grub-bios", matrix_only=True),
    _online("smp-grub-bios-pc-4", 4, boot="grub-bios", machine="pc", matrix_only=True),
    _one_cpu("smp-grub-efi-1", boot="grub-efi", matrix_only=True),
    _online("smp-grub-efi-4", 4, boot="grub-efi", matrix_only=True),
    _online("smp-grub-efi-8", 8, boot="grub-efi", matrix_only=True),
    _online("smp-uefi-8-128M", 8, mem="128M", matrix_only=True),
    _online("smp-uefi-2-qemu64", 2, cpu="qemu64", matrix_only=True),  # no SMEP/SMAP/UMIP
    _online("smp-uefi-4-noioapic", 4, cmdline="noioapic " + ECHO_INIT, matrix_only=True),
    # No isa-debug-exit: init's exit powers off by ACPI S5 with the APs halted.
    _online("smp-uefi-4-acpi-s5", 4, debug_exit=False,
            expect=[online(4)] + ECHO_DONE + [r"power: ACPI S5\r?\n"], exit_code=0,
            matrix_only=True),
]
