"""Issue 2: the UEFI path boots at several memory sizes and prints the
contract's boot line; the HHDM reaches the top of RAM."""
from harness import Test

BOOT_LINE = r'boot: path=uefi mem_usable_kib=(\d+) fb=(\d+x\d+|none) cmdline="([^"]*)"'


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


TESTS = [
    Test("uefi-boot-line", cmdline="hello=world quiet",
         expect=[BOOT_LINE.replace('([^"]*)', 'hello=world quiet'), r"layout: ", r"hhdm: top=0x[0-9a-f]+ ok"],
         exit_code=None),
    Test("uefi-128M", mem="128M", expect=[BOOT_LINE, r"hhdm: top=0x[0-9a-f]+ ok"],
         check=_usable_at_least(100 * 1024)),
    Test("uefi-4G", mem="4G", expect=[BOOT_LINE, r"hhdm: top=0x([0-9a-f]+) ok"],
         check=lambda r: _usable_at_least(3900 * 1024)(r) or _hhdm_above_4g(r)),
]
