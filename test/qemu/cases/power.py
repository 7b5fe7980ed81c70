"""Issue 6, item 5: power-off and reboot on machines without QEMU's
isa-debug-exit device, as on real hardware.

`poweroff_test` makes the kernel call power_off(0) right after boot: with no
debug-exit device it must find the FADT and the DSDT's \\_S5 values and enter
ACPI S5, which makes QEMU exit by itself with status 0. q35 (ICH9) and pc
(PIIX4) put the PM1 control block in different places, and the GRUB BIOS path
hands over an ACPI 1.0 RSDP (RSDT) where OVMF gives a v2 one (XSDT).

`reboot_test` makes it call reboot(): qemu.sh always passes -no-reboot, so
the reset makes QEMU exit with status 0 too.

`init-exit-acpi-s5` is the path users take: init exits, the kernel prints
`init exited: S` and powers off by ACPI S5."""
from harness import Test

NL = r"\r?\n"
# The boot-time summary power::init() prints, e.g.
# "power: ACPI S5 SLP_TYP=0/0 via PM1a_CNT io 0x604; reset register io 0xcf9=0xf"
PROBE = r"power: ACPI S5 SLP_TYP=\d/\d via PM1a_CNT (?:io|mem) 0x[0-9a-f]+;"
S5 = r"power: ACPI S5" + NL


def _did_not_halt(result):
    # Reaching the halt message means S5 failed even if QEMU was later killed.
    if "no way to power off" in result.output or "did not turn the machine off" in result.output:
        return "the kernel fell back to halting"
    return None


def _poweroff(name, **kw):
    return Test(name, cmdline="poweroff_test", debug_exit=False, exit_code=0, timeout=60,
                expect=[PROBE, S5], check=_did_not_halt, **kw)


def _reboot(name, how, **kw):
    return Test(name, cmdline="reboot_test", debug_exit=False, exit_code=0, timeout=60,
                expect=[r"power: reboot" + NL, how], **kw)


TESTS = [
    _poweroff("poweroff-acpi-s5-q35", machine="q35"),
    _poweroff("poweroff-acpi-s5-pc", machine="pc"),
    _poweroff("poweroff-acpi-s5-grub-bios", boot="grub-bios", machine="pc"),
    _poweroff("poweroff-acpi-s5-grub-bios-q35", boot="grub-bios", machine="q35", matrix_only=True),
    # The real path: init exits, the kernel prints the contract's line and
    # powers off by S5 (no debug-exit device, so QEMU's own status is 0).
    Test("init-exit-acpi-s5", cmdline="init=/bin/false", debug_exit=False, exit_code=0,
         timeout=60, expect=[r"init exited: 1" + NL, S5], check=_did_not_halt),
    # The shell's built-ins reach the same paths through the syscalls.
    Test("shell-reboot", debug_exit=False, exit_code=0, timeout=60,
         steps=[("expect", r"NyanOS> "), ("send", "reboot\n"), ("expect", r"power: reboot" + NL)]),
    Test("shell-poweroff-acpi-s5", boot="grub-bios", machine="pc", debug_exit=False, exit_code=0,
         timeout=60, check=_did_not_halt,
         steps=[("expect", r"NyanOS> "), ("send", "poweroff\n"), ("expect", S5)]),
    _reboot("reboot-q35", r"power: reboot via the ACPI reset register", machine="q35"),
    # PIIX4 has no ACPI reset register in QEMU's FADT: the 8042 does it.
    _reboot("reboot-pc", r"power: reboot via the keyboard controller", boot="grub-bios", machine="pc"),
]
