"""Issue 7: the in-guest isolation suite (/bin/testsuite, see
docs/isolation.md) as init. It runs every case in its own process and ends
with `N passed, N failed`; init exiting 0 makes QEMU exit with code 1.

`make test` runs it on each boot path once, each with a different memory
size and machine, so the three paths, 64 MiB and 4 GiB, pc and q35 are all
covered; `make test-matrix` runs the full product (boot path x 64M/4G x
pc/q35, except UEFI on pc) with --long (50,000 exec/exit/wait cycles; the default is 10,000)."""
from harness import Test

SUMMARY = r"\n(\d+) passed, (\d+) failed\r?\n"
INIT_OK = r"init exited: 0"


def _all_passed(result):
    m = result.matches.get(SUMMARY)
    if not m:
        return "no summary line"
    passed, failed = int(m.group(1)), int(m.group(2))
    if failed:
        bad = [line for line in result.output.splitlines() if line.startswith("not ok")]
        return f"{failed} failed: " + "; ".join(bad[:5])
    if passed < 60:
        return f"only {passed} cases ran"
    return None


def _suite(name, boot, mem, machine, long=False, matrix_only=False, timeout=600, smp=1,
           cpu="max"):
    cmdline = "init=/bin/testsuite" + (" -- --long" if long else "")
    return Test(name, boot=boot, mem=mem, machine=machine, cmdline=cmdline, smp=smp, cpu=cpu,
                expect=[r"testsuite: \d+ cases", SUMMARY, INIT_OK], exit_code=1,
                check=_all_passed, timeout=timeout, matrix_only=matrix_only)


TESTS = [
    # The cheap cover for `make test`: every boot path, both memory extremes,
    # both machines.
    _suite("isolation-uefi-512M-q35", "uefi", "512M", "q35"),
    _suite("isolation-grub-bios-64M-pc", "grub-bios", "64M", "pc"),
    _suite("isolation-grub-efi-4G-q35", "grub-efi", "4G", "q35"),
    # The same suite with every process free to run on any of four CPUs.
    _suite("isolation-smp4-uefi-512M-q35", "uefi", "512M", "q35", smp=4),
    _suite("isolation-smp4-grub-bios-512M-pc", "grub-bios", "512M", "pc", smp=4),
]

# A CPU without XSAVE or AVX (qemu64): the kernel saves FPU state with fxsave
# (ymm-private skips itself), on one CPU and on four.
TESTS += [
    _suite("isolation-qemu64-uefi-512M-q35", "uefi", "512M", "q35", cpu="qemu64",
           matrix_only=True),
    _suite("isolation-qemu64-smp4-uefi-512M-q35", "uefi", "512M", "q35", cpu="qemu64", smp=4,
           matrix_only=True),
]

# The full matrix with the long churn. OVMF here is built for q35 only... it
# boots on pc too, so every combination is listed.
TESTS += [
    _suite(f"isolation-long-{boot}-{mem}-{machine}", boot, mem, machine, long=True,
           matrix_only=True, timeout=1800)
    for boot in ("uefi", "grub-bios", "grub-efi")
    for mem in ("64M", "4G")
    for machine in ("pc", "q35")
]

# The suite on every boot path with 2 and 8 CPUs (4 runs in `make test`).
TESTS += [
    _suite(f"isolation-smp{n}-{boot}-512M-q35", boot, "512M", "q35", smp=n, matrix_only=True,
           timeout=900)
    for boot in ("uefi", "grub-bios", "grub-efi")
    for n in (2, 8)
]
