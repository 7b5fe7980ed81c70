"""The framebuffer console (issue 2 item 4, issue 6 item 4), read back from
QEMU screendumps with test/qemu/screen.py (glyph-exact text recognition with
the embedded PSF font).

- The boot line appears on the screen exactly as on serial.
- Issue 3: a boot with -serial none and no isa-debug-exit device (like a
  real machine) does not hang: the boot line reaches the screen.
- A kernel panic is visible on the screen when there is no serial port.
- Issue 6 item 4: the shell is driven from the PS/2 keyboard (QEMU's
  sendkey: shift, caps lock, Ctrl-U, Ctrl-C, backspace, the up arrow) and
  from COM1 through a pipe; what it prints reaches both consoles.
- ANSI colours and the clear built-in, checked on the screen's pixels
  (test/qemu/data/fbcon/ansi.txt is cat'ed from the ramdisk).
"""
import os
import re

from harness import Test
from keys import key, sendkeys
import screen

BOOT_LINE = r'boot: path=uefi mem_usable_kib=\d+ fb=\d+x\d+ cmdline="[^"]*"'
INPUT_LINE = r"console: input from [a-z0-9 -]+"


def _dump(result, name):
    return os.path.join(result.logdir, f"{result.test.name}-{name}.ppm")


def _screen_text(result, name):
    path = _dump(result, name)
    if not os.path.exists(path):
        return None
    lines = screen.read_text(path)
    with open(path[:-4] + ".txt", "w") as f:  # next to the log, for a person
        f.write("\n".join(lines) + "\n")
    return lines


def _boot_line_on_screen(result):
    lines = _screen_text(result, "boot")
    if lines is None:
        return "no screendump"
    serial_line = result.matches[BOOT_LINE].group(0).decode()
    if serial_line not in lines:
        return f"the boot line {serial_line!r} is not on the screen: {lines[:3]!r}"
    serial_input = result.matches[INPUT_LINE].group(0).decode()
    if serial_input not in lines:
        return f"{serial_input!r} is not on the screen"
    if any("\ufffd" in line for line in lines):
        return "the screen holds cells that match no glyph of the font"
    # The cursor: exactly one cell filled with a single non-background colour
    # (an inverted blank), wherever the output has left it.
    font = screen.Font()
    used = max(i for i, line in enumerate(lines) if line)
    path = _dump(result, "boot")
    background = screen.cell_colours(path, len(lines[-1]) + 1, len(lines) - 1, font)
    blocks = []
    for row in range(min(used + 2, len(lines))):
        for column in range(len(lines[row]) + 2):
            colours = screen.cell_colours(path, column, row, font)
            if len(colours) == 1 and colours != background:
                blocks.append((column, row))
    if len(blocks) != 1:
        return f"expected one block cursor, found cells {blocks}"
    return None


def _first_screen_matching(result, names, regex):
    for name in names:
        lines = _screen_text(result, name)
        if lines is None:
            continue
        for line in lines:
            if re.search(regex, line):
                return line
    return None


DUMPS = ["t1", "t2", "t3", "t4"]


def _polled_steps(interval):
    steps = []
    for name in DUMPS:
        steps += [("sleep", interval), ("screendump", name)]
    return steps


def _headless_boot(result):
    if result.output:
        return f"serial output with -serial none: {result.output[:80]!r}"
    line = _first_screen_matching(result, DUMPS, BOOT_LINE.replace(r"fb=\d+x\d+", "fb=1280x800"))
    if not line:
        return "the boot line never reached the screen"
    if _first_screen_matching(result, DUMPS, r"PANIC"):
        return "the screen shows a PANIC"
    return None


def _panic_on_screen(result):
    line = _first_screen_matching(result, DUMPS, r"^PANIC: panic_test requested")
    return None if line else "no PANIC line on the screen"


PROMPT = r"NyanOS> "
CAPS = key("caps_lock")
KEYBOARD_STEPS = [
    ("expect", PROMPT),
    ("monitor", sendkeys("echo Hello, World!\n")),
    ("expect", r"\nHello, World!\r?\n"),
    # Caps Lock turns letters upper case; Shift undoes it; digits stay.
    ("monitor", sendkeys("echo ") + [CAPS] + sendkeys("abc Xy 1") + [CAPS] + sendkeys(" z\n")),
    ("expect", r"\nABC xY 1 z\r?\n"),
    ("monitor", sendkeys("garbage") + [key("ctrl-u")] + sendkeys("echo killed line\n")),
    ("expect", r"\nkilled line\r?\n"),
    ("monitor", sendkeys("junk") + [key("ctrl-c")]),
    ("expect", r"\^C"),
    ("monitor", sendkeys("echo abX\bc\n")),
    ("expect", r"\nabc\r?\n"),
    ("monitor", [key("up"), key("ret")]),  # history: the last line again
    ("expect", r"\nabc\r?\n"),
    ("send", "echo from serial\r"),
    ("expect", r"\nfrom serial\r?\n"),
    ("expect", PROMPT),
    ("sleep", 0.5),
    ("screendump", "keyboard"),
]


def _keyboard_on_screen(result):
    lines = _screen_text(result, "keyboard")
    if lines is None:
        return "no screendump"
    for want in ["NyanOS> echo Hello, World!", "Hello, World!", "ABC xY 1 z", "killed line",
                 "NyanOS> junk^C", "abc", "from serial"]:
        if want not in lines:
            return f"{want!r} is not a line on the screen"
    return None


DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "fbcon")
BLACK, RED, GREEN, BRIGHT_BLUE, GREY = (0, 0, 0), (0xaa, 0, 0), (0, 0xaa, 0), (0x55, 0x55, 0xff), (
    0xaa, 0xaa, 0xaa)


def _colours_and_clear(result):
    lines = _screen_text(result, "ansi")
    if lines is None:
        return "no screendump"
    if lines[0] != "NyanOS> cat /ansi.txt" or any(line.startswith("boot:") for line in lines):
        return f"the screen was not cleared before the command: {lines[:2]!r}"
    if lines[1] != "RED GREEN-BG BRIGHT plain":
        return f"row 1 reads {lines[1]!r}"
    path = _dump(result, "ansi")
    expected = {0: {BLACK, RED}, 4: {GREEN, GREY}, 13: {BLACK, BRIGHT_BLUE}, 20: {BLACK, GREY}}
    for column, colours in expected.items():
        got = screen.cell_colours(path, column, 1)
        if got != colours:
            return f"cell {column} of row 1 has colours {sorted(got)}, expected {sorted(colours)}"
    return None


TESTS = [
    Test("fbcon-ansi-colours-and-clear", monitor=True, initrd_extra=DATA,
         steps=[("expect", PROMPT), ("send", "echo before\r"), ("expect", r"\nbefore"),
                ("send", "clear\r"), ("expect", PROMPT), ("send", "cat /ansi.txt\r"),
                ("expect", r"plain\r?\n"), ("expect", PROMPT), ("sleep", 0.5),
                ("screendump", "ansi")],
         check=_colours_and_clear, timeout=90),
    Test("fbcon-keyboard-and-serial-shell", monitor=True, steps=KEYBOARD_STEPS,
         check=_keyboard_on_screen, timeout=90),
    Test("fbcon-boot-line", debug_exit=False, monitor=True,
         steps=[("expect", BOOT_LINE), ("expect", INPUT_LINE), ("sleep", 0.5),
                ("screendump", "boot")],
         check=_boot_line_on_screen, timeout=60),
    Test("fbcon-no-serial-no-debug-exit", serial=False, debug_exit=False, monitor=True,
         steps=_polled_steps(5), check=_headless_boot, timeout=60),
    Test("fbcon-panic-no-serial", cmdline="panic_test", serial=False, debug_exit=False,
         monitor=True, steps=_polled_steps(5), check=_panic_on_screen, timeout=60),
]
