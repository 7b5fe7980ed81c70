"""Issue 2: the UEFI path boots at several memory sizes and prints the
contract's boot line; the HHDM reaches the top of RAM. The `mitigations:`
line says which speculative-execution weaknesses the CPU has (TCG's default
CPU, and a Skylake at 128M, which turns page-table isolation on).

The wall clock (kernel/dev/rtc.cpp): the kernel reads the CMOS RTC and prints
`time: rtc YYYY-MM-DD hh:mm:ss UTC epoch=N`, where N must be that date's Unix
time (Python's calendar.timegm) and, with QEMU's default RTC (the host's UTC
time), within an hour of the host's clock: on the UEFI path (uefi-boot-line),
GRUB-BIOS and GRUB-EFI. `-rtc base=1999-12-31T23:59:58` checks that the
century comes from the century register the ACPI FADT names (19xx, not the
20xx assumed without one). QEMU's RTC cannot go past 2038 (base=2100-...
reads back as 1964), so 2100 is left to the host tests.
"""
import calendar
import time

from harness import Test

BOOT_LINE = r'boot: path=uefi mem_usable_kib=(\d+) fb=(\d+x\d+|none) cmdline="([^"]*)"'
TIME_LINE = r"time: rtc (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) UTC epoch=(\d+)\r?\n"


def _time_line(expected_epoch=None, slack=3600):
    """The printed date and epoch agree; the epoch is within `slack` seconds
    of `expected_epoch` (default: the host's clock now)."""
    def check(result):
        m = result.matches[TIME_LINE]
        fields = tuple(int(g) for g in m.groups()[:6])
        epoch = int(m.group(7))
        if calendar.timegm(fields + (0, 0, 0)) != epoch:
            return f"time line date {fields} is not epoch {epoch}"
        want = time.time() if expected_epoch is None else expected_epoch
        if abs(epoch - want) > slack:
            return f"RTC epoch {epoch} is {epoch - want:+.0f} s from the expected {want:.0f}"
        return None
    return check


def _usable_at_least(kib):
    def check(result):
        m = result.matches[BOOT_LINE]
        usable = int(m.group(1))
        return None if usable >= kib else f"mem_usable_kib={usable}, expected >= {kib}"
    return check


def _hhdm_above_4g(result):
    m = result.matches[r"hhdm: top=0x([0-9a-f]+) ok"]
    top = int(m.group(1), 16)
    return None if top > (4 << 30) else f"highest usable byte {top:#x} is not above 4 GiB"


# The speculation line (lib/cpu_vulnerabilities.h): TCG's default CPU
# ("max": AMD's vendor) has Spectre only, answered with retpolines and the
# return-buffer fill (TCG reports no IBPB); a Skylake has Meltdown and MDS
# too: `kpti=auto` (the default) turns page-table isolation on for it, VERW
# answers MDS (without TCG's MD_CLEAR), and the entry's swapgs fences
# answer SWAPGS.
_MITIGATIONS_MAX = (r"mitigations: meltdown=not-affected spectre_v2=retpoline,rsb "
                    r"mds=not-affected swapgs=not-affected")
_MITIGATIONS_SKYLAKE = (r"mitigations: meltdown=kpti spectre_v2=retpoline,rsb "
                        r"mds=verw-no-microcode swapgs=lfence")

TESTS = [
    Test("uefi-boot-line", cmdline="hello=world quiet",
         expect=[BOOT_LINE.replace('([^"]*)', 'hello=world quiet'), r"layout: ", _MITIGATIONS_MAX,
                 r"hhdm: top=0x[0-9a-f]+ ok", TIME_LINE],
         exit_code=None, check=_time_line()),
    # An Intel Skylake as TCG models it: every weakness but TAA applies.
    Test("uefi-128M", mem="128M", qemu_extra=["-cpu", "Skylake-Client"],
         expect=[BOOT_LINE, _MITIGATIONS_SKYLAKE, r"hhdm: top=0x[0-9a-f]+ ok", r"kpti: on: "],
         check=_usable_at_least(100 * 1024)),
    Test("uefi-4G", mem="4G", expect=[BOOT_LINE, r"hhdm: top=0x([0-9a-f]+) ok"],
         check=lambda r: _usable_at_least(3900 * 1024)(r) or _hhdm_above_4g(r)),
    Test("rtc-century-grub-bios", boot="grub-bios", qemu_extra=["-rtc", "base=1999-12-31T23:59:58"],
         expect=[TIME_LINE], check=_time_line(946684798, slack=30), timeout=60),
    Test("rtc-grub-efi", boot="grub-efi", expect=[TIME_LINE], check=_time_line(), timeout=120,
         matrix_only=True),
]
