"""Page-table isolation (issue 16, docs/kpti.md) forced on with `kpti=on`
(QEMU's TCG CPUs report no Meltdown, so `auto` leaves it off).

- kpti-user-root-info-mem: while a user program spins, the QEMU monitor's
  `info mem` (the page tables the CPU is walking) shows the user root: of
  the kernel half only the trampoline set the kernel printed (`kpti: user
  root maps ...`: entry text, entry data), nothing of the direct map,
  the heap, kernel stacks or the rest of the kernel image.
- The in-guest isolation suite on 4 CPUs by UEFI and by GRUB-BIOS, the
  SMP stress, the busybox shell script on 4 CPUs by UEFI and by
  GRUB-BIOS, and NyanOS's interactive shell (`make run CMDLINE=kpti=on`),
  all with `kpti=on`. `make test-matrix` adds GRUB-EFI and one
  CPU."""
import re

from harness import SHELL_PROMPT, Test, shell_command
from cases.isolation import SUMMARY, INIT_OK, _all_passed
from cases.linux_busybox import DATA, _EXPECT as _BUSYBOX_EXPECT
from cases.smp_stress import OK as _STRESS_OK, _check as _stress_check

KPTI_ON = [r"mitigations: meltdown=kpti ", r"kpti: on: ", r"pcid: off"]

_RANGE = re.compile(r"kpti: user root maps 0x([0-9a-f]+)-0x([0-9a-f]+) ")
_INFO_MEM = re.compile(r"^([0-9a-f]{16})-([0-9a-f]{16}) [0-9a-f]{16} ([u-])([r-])([w-])", re.M)
_KERNEL_HALF = 0xffff800000000000
_PAGE = 0x1000


def _pages(ranges):
    pages = set()
    for lo, hi in ranges:
        pages.update(range(lo, hi, _PAGE))
    return pages


def _user_root_seen(result):
    allowed = _pages((int(a, 16), int(b, 16)) for a, b in _RANGE.findall(result.output))
    if not allowed:
        return "the kernel printed no user-root ranges"
    samples = 0
    for text in result.monitor_outputs:
        ranges = [(int(a, 16), int(b, 16), u) for a, b, u, _, _ in _INFO_MEM.findall(text)]
        user = [r for r in ranges if r[0] < _KERNEL_HALF]
        kernel = [r for r in ranges if r[0] >= _KERNEL_HALF]
        if not user or not kernel:
            continue
        # The process's kernel root maps the direct map (gigabytes); a user
        # root maps only the trampoline set.
        if sum(hi - lo for lo, hi, _ in kernel) > 64 << 20:
            continue
        samples += 1
        mapped = _pages((lo, hi) for lo, hi, _ in kernel)
        extra = sorted(mapped - allowed)
        if extra:
            return f"the user root maps kernel page {extra[0]:#x} outside the trampoline set"
        if mapped != allowed:
            return f"the user root lacks {len(allowed - mapped)} trampoline pages"
        if any(u == "u" for _, _, u in kernel):
            return "a kernel-half page is user-accessible"
    if not samples:
        return "no `info mem` sample caught the CPU on a user root"
    return None


_SPIN = 'kpti=on init=/bin/busybox -- sh -c "echo spinning; while :; do :; done"'

TESTS = [
    Test("kpti-user-root-info-mem", boot="grub-bios", cmdline=_SPIN, monitor=True, timeout=120,
         steps=[("expect", e) for e in KPTI_ON] +
         [("expect", r"kpti: user root kernel half: \d+ pages"), ("expect", r"spinning"),
          ("sleep", 1)] + [("monitor_output", "info mem")] * 6,
         check=_user_root_seen),
]


def _suite(name, boot, smp, matrix_only=False):
    return Test(name, boot=boot, smp=smp, mem="512M", machine="q35" if boot != "grub-bios" else "pc",
                cmdline="kpti=on init=/bin/testsuite",
                expect=KPTI_ON + [r"testsuite: \d+ cases", SUMMARY, INIT_OK], exit_code=1,
                check=_all_passed, timeout=600, matrix_only=matrix_only)


def _busybox(name, boot, smp, matrix_only=False):
    return Test(name, boot=boot, smp=smp, cmdline="kpti=on init=/bin/busybox -- sh /test/busybox/check.sh",
                initrd_extra=DATA, expect=KPTI_ON + _BUSYBOX_EXPECT, exit_code=1, timeout=180,
                matrix_only=matrix_only)


TESTS += [
    _suite("kpti-isolation-smp4-uefi", "uefi", 4),
    _suite("kpti-isolation-smp4-grub-bios", "grub-bios", 4),
    _busybox("kpti-busybox-smp4-uefi", "uefi", 4),
    _busybox("kpti-busybox-smp4-grub-bios", "grub-bios", 4),
    Test("kpti-smp-stress-uefi-4", smp=4, mem="512M", cmdline="kpti=on init=/bin/smp-stress",
         expect=KPTI_ON + [r"^smp: 4 cpus online\r?$", r"smp-stress: \d+ cpus online",
                           _STRESS_OK, INIT_OK],
         exit_code=1, check=_stress_check(4), timeout=300),
    # `make run CMDLINE=kpti=on`: NyanOS's shell, a program run from it, meminfo.
    Test("kpti-nyansh-grub-bios", boot="grub-bios", cmdline="kpti=on", timeout=120,
         steps=[("expect", e) for e in KPTI_ON] + [("expect", SHELL_PROMPT)] +
         shell_command("echo isolated", r"^isolated\r?$") +
         shell_command("meminfo", r"free_frames=\d+")),
    # The cross product, for `make test-matrix`.
    _suite("kpti-isolation-smp4-grub-efi", "grub-efi", 4, matrix_only=True),
    _suite("kpti-isolation-uefi", "uefi", 1, matrix_only=True),
    _busybox("kpti-busybox-smp4-grub-efi", "grub-efi", 4, matrix_only=True),
]
