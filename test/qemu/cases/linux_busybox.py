"""Debian's busybox-static (/bin/busybox in the ramdisk, unmodified) under the
Linux personality: a shell script of pipelines, command substitution, loops,
here-documents, exit codes and applets (ls, cat, wc, grep, sed, awk, sort,
md5sum, seq, head, tail, expr, uname) from test/qemu/data/busybox, which
exits with its number of failures; and the command line's own example,
`init=/bin/busybox -- sh -c "ls /bin | wc -l"` (double quotes group init's
arguments as on Linux). By UEFI, by GRUB-BIOS, and on 4 CPUs.

And `make run USERLAND=busybox` (the Makefile makes init a shell that starts
the interactive one with `setsid -c`, so it has the console as its terminal;
/bin/sh is a link to /bin/busybox, so argv[0] picks ash): the
interactive shell answers a command typed over COM1 and one typed on the PS/2
keyboard (busybox edits and echoes its own line in raw mode), a `cat` that
reads the console through the kernel's line discipline (canonical mode:
echo, erase, ^D), job control (^Z stops a job, bg and fg continue it, ^C
interrupts it; with `stty tostop` a background writer stops), line editing
and history work, vi edits and
saves a file in /tmp, a second shell started on /dev/ttyS0 takes the serial
line while the console shell keeps the keyboard (each terminal's ^C and
size its own), and the console shell's `exit 3` ends init with status 3."""
import os

from harness import ROOT, Test
from keys import sendkeys

# The Makefile's USERLAND_BUSYBOX_INIT.
_USERLAND_BUSYBOX = 'init=/bin/sh -- -c "setsid -c /bin/sh -l; exit $?"'
# ash's prompt as /etc/profile sets it for a login shell, root in /; busybox
# then asks the terminal where the cursor is (ESC [ 6 n), which nobody
# answers here.
_ASH_PROMPT = r"root@nyanos:/# "

DATA = os.path.join(ROOT, "test", "qemu", "data", "busybox")
_SCRIPT = "init=/bin/busybox -- sh /test/busybox/check.sh"
_EXPECT = [r"ok pipeline", r"busybox checks: 0 failed", r"init exited: 0\r?\n"]


def _quiet_kernel(result):
    # The script's shebang-less file is ENOEXEC to execve, which says
    # nothing on the console (Linux does not).
    if "exec ./noshebang" in result.output:
        return "the kernel printed about the ENOEXEC of ./noshebang"
    return None

TESTS = [
    Test("linux-busybox-uefi", cmdline=_SCRIPT, initrd_extra=DATA, expect=_EXPECT, exit_code=1,
         timeout=120, check=_quiet_kernel),
    Test("linux-busybox-grub-bios-smp4", boot="grub-bios", smp=4, cmdline=_SCRIPT,
         initrd_extra=DATA, expect=_EXPECT, exit_code=1, timeout=120, check=_quiet_kernel),
    Test("linux-busybox-interactive", cmdline=_USERLAND_BUSYBOX, monitor=True, timeout=120,
         steps=[("expect", r"BusyBox v[0-9.]+ .*built-in shell \(ash\)"), ("expect", _ASH_PROMPT),
                ("send", "echo $((6*7)) $(uname -s)\r"), ("expect", r"^42 Linux\r?$"),
                ("expect", _ASH_PROMPT),
                ("monitor", sendkeys("echo $((7*8)) keyboard\n")), ("expect", r"^56 keyboard\r?$"),
                ("expect", _ASH_PROMPT),
                # cat reads the console in canonical mode (ash restored it):
                # the kernel echoes the line, cat prints it, ^D ends it.
                ("send", "echo ready; cat\r"), ("expect", r"^ready\r?$"),
                ("send", "meow\x7fw\r"), ("expect", r"meow\x08 \x08w\r?\nmeow\r?\n"),
                ("send", "\x04"), ("expect", _ASH_PROMPT),
                # Job control: the shell has the console as its terminal,
                # so ^Z stops the foreground job and ^C interrupts one.
                ("send", "echo go; sleep 20\r"), ("expect", r"^go\r?$"), ("sleep", 1),
                ("send", "\x1a"), ("expect", r"\[1\]\+\s+Stopped\s+sleep 20"),
                ("expect", _ASH_PROMPT),
                ("send", "bg; fg\r"), ("expect", r"^sleep 20\r?$"), ("sleep", 1),
                ("send", "\x03"), ("expect", _ASH_PROMPT),
                ("send", "jobs; echo no-jobs\r"), ("expect", r"^no-jobs\r?$"),
                ("expect", _ASH_PROMPT),
                # Line editing and history (busybox's line editor, raw mode):
                # Left moves into the line, a typed character is inserted,
                # Up brings the last command back.
                ("send", "echo abd\x1b[Dc\r"), ("expect", r"^abcd\r?$"), ("expect", _ASH_PROMPT),
                ("send", "\x1b[A\r"), ("expect", r"^abcd\r?$"), ("expect", _ASH_PROMPT),
                # With TOSTOP a background job that writes to the terminal
                # stops (SIGTTOU); without it, it writes.
                ("send", "stty tostop; echo from-bg &\r"), ("expect", _ASH_PROMPT), ("sleep", 1),
                ("send", "jobs\r"), ("expect", r"Stopped \(tty output\)\s+echo from-bg"),
                ("send", "kill -9 %1; stty -tostop; echo no-stop &\r"), ("expect", r"no-stop\r?\n"),
                ("send", "wait; echo waited\r"), ("expect", r"^waited\r?$"),
                ("expect", _ASH_PROMPT),
                # vi edits a file of the writable root and saves it.
                ("send", "vi /tmp/v.txt\r"), ("sleep", 2),
                ("send", "ihello from vi\x1b"), ("sleep", 1), ("send", ":wq\r"),
                ("expect", _ASH_PROMPT),
                ("send", "cat /tmp/v.txt | grep vi | wc -l; cat /tmp/v.txt\r"),
                ("expect", r"^1\r?$"), ("expect", r"^hello from vi\r?$"),
                ("expect", _ASH_PROMPT),
                # Two terminals: a shell on ttyS0 with a session of its
                # own takes the serial line (its output goes there only),
                # while the console shell keeps the keyboard.
                ("send", "PS1='ttyS0# ' setsid -c sh </dev/ttyS0 >/dev/ttyS0 2>&1 &\r"),
                ("expect", r"^ttyS0# "), ("send", "tty; stty size; echo $((5*5))\r"),
                ("expect", r"^/dev/ttyS0\r?$"), ("expect", r"^24 80\r?$"),
                ("expect", r"^25\r?$"), ("expect", r"ttyS0# "),
                ("monitor", sendkeys("tty; stty size </dev/tty0\n")),
                ("expect", r"^/dev/console\r?$"), ("expect", r"^\d+ \d+\r?$"),
                # ^C on the serial line interrupts ttyS0's foreground job
                # only; the console shell still answers the keyboard.
                ("send", "sleep 20\r"), ("sleep", 1), ("send", "\x03"), ("expect", r"ttyS0# "),
                ("monitor", sendkeys("echo kb $((6*6))\n")), ("expect", r"^kb 36\r?$"),
                # When ttyS0's shell ends, the serial line feeds the
                # console again.
                ("send", "exit\r"), ("sleep", 1), ("send", "echo back $((7*7))\r"),
                ("expect", r"^back 49\r?$"), ("expect", _ASH_PROMPT),
                ("send", "exit 3\r"), ("expect", r"init exited: 3\r?\n")],
         exit_code=(3 << 1) | 1),
    Test("linux-busybox-ls-wc", cmdline='init=/bin/busybox -- sh -c "ls /bin | wc -l"',
         expect=[r"\n\d+\r?\n", r"init exited: 0\r?\n"], exit_code=1, timeout=120),
]
