"""Issue 15: a USB keyboard through xHCI (kernel/dev/xhci.cpp, with the
portable kernel/usb pieces). q35 without its PS/2 controller (i8042=off),
so the only keyboard is QEMU's usb-kbd on a qemu-xhci: the boot prints the
keyboard it attached, and keys sent through the monitor reach the shell as
the PS/2 keyboard's would, with shift, caps lock (and its LED report), Ctrl-C
ending the foreground program, and software key repeat (a key held for a
second repeats after half a second at about 30 per second: judged loosely,
in guest time). By UEFI, and by GRUB-EFI.

Then hubs and hot-plug: a keyboard behind QEMU's usb-hub (a full-speed hub
on a root port) types; a second keyboard plugged into the hub after boot
(`device_add`) is attached from the hub's status-change endpoint and types
once the first is unplugged (`device_del`); unplugging the hub drops it and
the keyboard behind it. On a controller with nothing plugged in at boot, a
device that is not a keyboard (usb-tablet) is enumerated and let go, and a
keyboard plugged in after boot types; after each unplug the driver's count
of DMA frames is back to what the controller alone holds (every frame a
device held, failure paths included, was returned).

Interrupts: the controller's events arrive by MSI-X (qemu-xhci has MSI-X
only) or MSI (nec-usb-xhci with msix=off), aimed at the boot CPU with a
device vector; the boot says which, /proc/interrupts counts them, and the
count grows while typing on the keyboard (read over COM1 before and after).
The hub and hot-plug cases run with interrupts too (attaches from the
interrupt's work; usb-hotplug with a second CPU online, which the interrupt
never reaches). With `xhci.poll=1`, or on a controller with neither MSI
nor MSI-X (nec-usb-xhci,msi=off,msix=off), the driver stays polled from
the timer tick, says so, and the keyboard still types. No case may see the
tick take events an interrupt missed."""
import re

from harness import Test
from keys import key, sendkeys

_USB = ["-device", "qemu-xhci,id=xhci", "-device", "usb-kbd,bus=xhci.0"]
_NO_PS2 = "q35,i8042=off"
_ATTACHED = r"usb: port \d+: keyboard 0627:0001 \(slot \d+, endpoint \d+\)"
_PROMPT = r"NyanOS> "
_RUNNING = r"xhci: running, dma_frames=\d+"


def _dma_back_to_controller(lines_with_counts):
    """A check: every line matching one of `lines_with_counts` (regexes with
    a dma_frames=N at the end) reports the count the controller alone had."""
    def check(result):
        running = re.search(r"xhci: running, dma_frames=(\d+)", result.output)
        if not running:
            return "no 'xhci: running' line"
        for pattern in lines_with_counts:
            found = re.findall(pattern + r".*dma_frames=(\d+)", result.output)
            if not found:
                return f"no line matching {pattern!r}"
            if found[-1] != running.group(1):
                return (f"{pattern!r}: dma_frames={found[-1]}, the controller alone holds "
                        f"{running.group(1)}")
        return None
    return check


_LOST = "events waited"
# The xHCI line of /proc/interrupts: its count in CPU 0's column.
_XHCI_COUNT = r"^ *\d+: +(\d+) .*MSI-edge  xhci\r?$"


def _interrupts_grew(minimum):
    """A check: the xhci count of /proc/interrupts, read twice, grew by at
    least `minimum` between the two reads, and no event waited for the tick."""
    def check(result):
        counts = [int(c) for c in re.findall(_XHCI_COUNT, result.output, re.M)]
        if len(counts) < 2:
            return f"/proc/interrupts showed the xhci line {len(counts)} time(s), not 2"
        if counts[-1] - counts[0] < minimum:
            return f"xhci interrupts went from {counts[0]} to {counts[-1]} while typing"
        if _LOST in result.output:
            return "the tick took events an interrupt missed"
        return None
    return check


def _no_interrupts(result):
    if re.search(_XHCI_COUNT, result.output, re.M):
        return "a polled controller has an xhci line in /proc/interrupts"
    return None


def _no_lost(check=None):
    """`check`, and that no event waited for the tick in interrupt mode."""
    def combined(result):
        if _LOST in result.output:
            return "the tick took events an interrupt missed"
        return check(result) if check else None
    return combined


def _read_interrupts():
    """Steps: cat /proc/interrupts over COM1 (not the keyboard, which would count)."""
    return [("send", "cat /proc/interrupts\r"), ("expect", r"^LOC: .*Local timer interrupts"),
            ("expect", r"^ERR: +0\r?$"), ("expect", _PROMPT)]


_MSI = ["-device", "nec-usb-xhci,id=xhci,msix=off", "-device", "usb-kbd,bus=xhci.0"]
_NO_MSI = ["-device", "nec-usb-xhci,id=xhci,msi=off,msix=off", "-device", "usb-kbd,bus=xhci.0"]
_HUB = ["-device", "qemu-xhci,id=xhci", "-device", "usb-hub,bus=xhci.0,port=1,id=hub",
        "-device", "usb-kbd,bus=xhci.0,port=1.1,id=k1"]
_EMPTY = ["-device", "qemu-xhci,id=xhci"]

TESTS = [
    Test("usb-keyboard-shell", machine=_NO_PS2, qemu_extra=_USB, monitor=True, timeout=120,
         steps=[("expect", r"console: input from com1\r?\n"), ("expect", _ATTACHED),
                ("expect", r"xhci: interrupts msi-x vector 0x[4-9a-d][0-9a-f] cpu 0\r?\n"),
                ("expect", _PROMPT)] + _read_interrupts() + [
                ("monitor", sendkeys("echo Usb! 42\n")), ("expect", r"^Usb! 42\r?$"),
                ("expect", _PROMPT)] + _read_interrupts() + [
                ("monitor", sendkeys("echo ") + [key("caps_lock")] + sendkeys("abc") +
                 [key("caps_lock")] + sendkeys("d\n")),
                ("expect", r"^ABCd\r?$"), ("expect", _PROMPT),
                ("monitor", sendkeys("echo ") + ["sendkey x 1000"] + sendkeys("\n")),
                ("expect", r"^x{5,40}\r?$"), ("expect", _PROMPT),
                ("monitor", sendkeys("cat\n")), ("sleep", 1), ("monitor", [key("ctrl-c")]),
                ("expect", _PROMPT),
                ("monitor", sendkeys("echo after\n")), ("expect", r"^after\r?$")],
         check=_interrupts_grew(20), exit_code=None),
    # MSI (no MSI-X) by GRUB-EFI.
    Test("usb-keyboard-grub-efi", boot="grub-efi", machine=_NO_PS2, qemu_extra=_MSI, monitor=True,
         timeout=120,
         steps=[("expect", _ATTACHED),
                ("expect", r"xhci: interrupts msi vector 0x[4-9a-d][0-9a-f] cpu 0\r?\n"),
                ("expect", _PROMPT)] + _read_interrupts() + [
                ("monitor", sendkeys("echo grub 56\n")), ("expect", r"^grub 56\r?$"),
                ("expect", _PROMPT)] + _read_interrupts(),
         check=_interrupts_grew(10), exit_code=None),
    # Polled: forced on the command line, and for want of MSI and MSI-X.
    Test("usb-keyboard-polled", cmdline="xhci.poll=1", machine=_NO_PS2, qemu_extra=_USB,
         monitor=True, timeout=120,
         steps=[("expect", _ATTACHED), ("expect", r"xhci: interrupts polled \(xhci\.poll=1\)"),
                ("expect", _PROMPT),
                ("monitor", sendkeys("echo Polled 7\n")), ("expect", r"^Polled 7\r?$"),
                ("expect", _PROMPT)] + _read_interrupts(),
         check=_no_interrupts, exit_code=None),
    Test("usb-keyboard-no-msi", boot="grub-bios", machine=_NO_PS2, qemu_extra=_NO_MSI,
         monitor=True, timeout=120,
         steps=[("expect", _ATTACHED), ("expect", r"xhci: interrupts polled \(no msi\)"),
                ("expect", _PROMPT),
                ("monitor", sendkeys("echo no msi 8\n")), ("expect", r"^no msi 8\r?$"),
                ("expect", _PROMPT)] + _read_interrupts(),
         check=_no_interrupts, exit_code=None),
    Test("usb-hub-keyboard", machine=_NO_PS2, qemu_extra=_HUB, monitor=True, timeout=120,
         steps=[("expect", _RUNNING),
                ("expect", r"usb: port \d+: hub 0409:55aa with 8 ports \(slot \d+\)"),
                ("expect", r"usb: port \d+\.1: keyboard 0627:0001 \(slot \d+, endpoint \d+\)"),
                ("expect", _PROMPT),
                ("monitor", sendkeys("echo Hub! 1\n")), ("expect", r"^Hub! 1\r?$"),
                ("expect", _PROMPT),
                ("monitor", "device_add usb-kbd,id=k2,bus=xhci.0,port=1.3"),
                ("expect", r"usb: port \d+\.3: keyboard 0627:0001 \(slot \d+, endpoint \d+\)"),
                ("monitor", "device_del k1"),
                ("expect", r"usb: port \d+\.1: keyboard 0627:0001 detached \(unplugged; "
                           r"slot \d+ disabled\)"),
                ("sleep", 1),
                ("monitor", sendkeys("echo second 2\n")), ("expect", r"^second 2\r?$"),
                ("expect", _PROMPT),
                ("monitor", "device_del hub"),
                ("expect", r"usb: port \d+\.3: keyboard 0627:0001 detached \(its hub went; "
                           r"slot \d+ disabled\)"),
                ("expect", r"usb: port \d+: hub 0409:55aa detached \(unplugged; "
                           r"slot \d+ disabled\), dma_frames=\d+")],
         check=_no_lost(_dma_back_to_controller([r"usb: port \d+: hub 0409:55aa detached"])),
         exit_code=None),
    Test("usb-hotplug", machine=_NO_PS2, qemu_extra=_EMPTY, monitor=True, timeout=120, smp=2,
         steps=[("expect", _RUNNING), ("expect", _PROMPT),
                ("monitor", "device_add usb-tablet,id=t1,bus=xhci.0"),
                ("expect", r"is neither a boot keyboard nor a hub; left alone"),
                ("expect", r"usb: port \d+: not used, dma_frames=\d+"),
                ("monitor", "device_add usb-kbd,id=k1,bus=xhci.0"),
                ("expect", _ATTACHED), ("sleep", 1),
                ("monitor", sendkeys("echo Plugged 3\n")), ("expect", r"^Plugged 3\r?$"),
                ("expect", _PROMPT),
                ("monitor", "device_del k1"),
                ("expect", r"usb: port \d+: keyboard 0627:0001 detached \(unplugged; "
                           r"slot \d+ disabled\), dma_frames=\d+")],
         check=_no_lost(_dma_back_to_controller([r"usb: port \d+: not used",
                                                 r"usb: port \d+: keyboard 0627:0001 detached"])),
         exit_code=None),
]
