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
device held, failure paths included, was returned)."""
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


_HUB = ["-device", "qemu-xhci,id=xhci", "-device", "usb-hub,bus=xhci.0,port=1,id=hub",
        "-device", "usb-kbd,bus=xhci.0,port=1.1,id=k1"]
_EMPTY = ["-device", "qemu-xhci,id=xhci"]

TESTS = [
    Test("usb-keyboard-shell", machine=_NO_PS2, qemu_extra=_USB, monitor=True, timeout=120,
         steps=[("expect", r"console: input from com1\r?\n"), ("expect", _ATTACHED),
                ("expect", _PROMPT),
                ("monitor", sendkeys("echo Usb! 42\n")), ("expect", r"^Usb! 42\r?$"),
                ("expect", _PROMPT),
                ("monitor", sendkeys("echo ") + [key("caps_lock")] + sendkeys("abc") +
                 [key("caps_lock")] + sendkeys("d\n")),
                ("expect", r"^ABCd\r?$"), ("expect", _PROMPT),
                ("monitor", sendkeys("echo ") + ["sendkey x 1000"] + sendkeys("\n")),
                ("expect", r"^x{5,40}\r?$"), ("expect", _PROMPT),
                ("monitor", sendkeys("cat\n")), ("sleep", 1), ("monitor", [key("ctrl-c")]),
                ("expect", _PROMPT),
                ("monitor", sendkeys("echo after\n")), ("expect", r"^after\r?$")],
         exit_code=None),
    Test("usb-keyboard-grub-efi", boot="grub-efi", machine=_NO_PS2, qemu_extra=_USB, monitor=True,
         timeout=120,
         steps=[("expect", _ATTACHED), ("expect", _PROMPT),
                ("monitor", sendkeys("echo grub 56\n")), ("expect", r"^grub 56\r?$")],
         exit_code=None),
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
         check=_dma_back_to_controller([r"usb: port \d+: hub 0409:55aa detached"]),
         exit_code=None),
    Test("usb-hotplug", machine=_NO_PS2, qemu_extra=_EMPTY, monitor=True, timeout=120,
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
         check=_dma_back_to_controller([r"usb: port \d+: not used",
                                        r"usb: port \d+: keyboard 0627:0001 detached"]),
         exit_code=None),
]
