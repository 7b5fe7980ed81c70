"""Issue 15: a USB keyboard through xHCI (kernel/dev/xhci.cpp, with the
portable kernel/usb pieces). q35 without its PS/2 controller (i8042=off),
so the only keyboard is QEMU's usb-kbd on a qemu-xhci: the boot prints the
keyboard it attached, and keys sent through the monitor reach the shell as
the PS/2 keyboard's would, with shift, caps lock (and its LED report), Ctrl-C
ending the foreground program, and software key repeat (a key held for a
second repeats after half a second at about 30 per second: judged loosely,
in guest time). By UEFI, and by GRUB-EFI."""
from harness import Test
from keys import key, sendkeys

_USB = ["-device", "qemu-xhci,id=xhci", "-device", "usb-kbd,bus=xhci.0"]
_NO_PS2 = "q35,i8042=off"
_ATTACHED = r"usb: port \d+: keyboard 0627:0001 \(slot \d+, endpoint \d+\)"
_PROMPT = r"NyanOS> "

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
]
