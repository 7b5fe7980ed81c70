"""Issue 6 items 3 and 7: the shell's built-ins and job control, driven over
COM1 in one boot.

- `echo` (with quoting), `hi`, `ls` of / and /bin, `cat` of a ramdisk file
  (the ELF corpus index, /test/elf/cases.txt) and of a missing one;
- `ps` prints pid, parent, state and pages owned for every process;
- `kill PID` ends a background sleeper (`wait` reports it killed by SIGKILL),
  after which `ps` no longer lists it;
- Ctrl-C (0x03 on the serial line) kills the foreground `spin` through the
  kernel's foreground process (SYS_SET_FOREGROUND) long before it would end;
- `meminfo` reports the same free_frames before and after a second round of
  all of the above (the first round warms up the shell's own heap).

Pids are deterministic in one boot: the shell is 1 and every program run
takes the next one, so the test knows which pid to kill."""
import re

from harness import SHELL_PROMPT as PROMPT, Test, shell_command as run

SPIN_MS = 60000


def ps_row(pid, parent, state, name):
    return rf"^ *{pid} +{parent} +{state} +(\d+) {re.escape(name)}\r?$"


def one_round(n, sleeper_pid):
    """Every check once; round n marks its ps listings with `echo` so the
    final check can find them."""
    return (
        run("echo one  two 'three  four' \"five\"", r"^one two three  four five\r?$")
        + run("hi", r"Hi! I'm NyanOS =\^\.\^=")
        + run("ls /", r"^bin\r?$", r"^test\r?$")
        + run("ls /bin", r"^echo\r?$", r"^hello\r?$", r"^nyansh\r?$", r"^sh\r?$", r"^spin\r?$")
        + run("cat /test/elf/cases.txt", r"^valid\.elf Ok\r?$",
              r"^bad-magic\.elf BadMagic\r?$", r"^wx-segment\.elf WritableAndExecutable\r?$")
        + run("cat /no/such/file", r"cat: /no/such/file: ")
        # A background sleeper, listed by ps, then killed.
        + run("sleeper 600000 &", rf"^\[{sleeper_pid}\]\r?$")
        + run(f"echo ps-with-sleeper-{n}")
        + run("ps", r"^  PID  PPID STATE     PAGES NAME\r?$", ps_row(1, 0, "running", "nyansh"))
        + run(f"kill {sleeper_pid}")
        + run("wait", rf"\[{sleeper_pid}\] done killed: SIGKILL \(signal 9\)")
        + run(f"echo ps-after-kill-{n}")
        + run("ps", r"^  PID  PPID STATE     PAGES NAME\r?$")
        + run(f"kill {sleeper_pid}", rf"kill: {sleeper_pid}: ")  # gone: ESRCH
        # Ctrl-C kills the foreground program, not the shell.
        # The shell makes spin the foreground process just after exec; under a
        # loaded TCG host that may take a moment, so a second Ctrl-C follows
        # (if the first already killed spin, it only cancels an empty line).
        + [("send", f"spin {SPIN_MS}\r"), ("expect", rf"spin {SPIN_MS}\r?\n"), ("sleep", 1.5),
           ("send", "\x03"), ("sleep", 1.5), ("send", "\x03"),
           ("expect", r"^killed: SIGINT \(signal 2\)"), ("expect", PROMPT)]
        + run(f"echo ps-after-ctrl-c-{n}")
        + run("ps", r"^  PID  PPID STATE     PAGES NAME\r?$")
        + run(f"echo round-{n}-done", rf"^round-{n}-done\r?$")
    )


def _section(output, start, end):
    i = output.find(start)
    j = output.find(end, i + 1)
    if i < 0 or j < 0:
        return None
    return output[i:j]


def _checks(result):
    out = result.output
    for n, sleeper_pid in ((1, 2), (2, 4)):  # spin takes 3, then 5
        listing = _section(out, f"\nps-with-sleeper-{n}", f"kill {sleeper_pid}")
        if listing is None:
            return f"round {n}: no ps listing with the sleeper"
        m = re.search(ps_row(sleeper_pid, 1, "blocked", "sleeper"), listing, re.M)
        if not m:
            return f"round {n}: ps does not list sleeper {sleeper_pid} blocked: {listing!r}"
        shell = re.search(ps_row(1, 0, "running", "nyansh"), listing, re.M)
        if not shell or int(shell.group(1)) == 0 or int(m.group(1)) == 0:
            return f"round {n}: ps shows no pages owned: {listing!r}"
        rows = re.findall(r"^ *\d+ +\d+ \w+ +\d+ \S+\r?$", listing, re.M)
        if len(rows) != 2:
            return f"round {n}: expected 2 processes in ps, got {rows}"
        for marker in (f"\nps-after-kill-{n}", f"\nps-after-ctrl-c-{n}"):
            after = _section(out, marker, "echo ")
            if after is None:
                return f"round {n}: no ps listing after {marker.strip()}"
            rows = re.findall(r"^ *(\d+) +\d+ \w+ +\d+ (\S+)\r?$", after, re.M)
            if rows != [("1", "nyansh")]:
                return f"round {n}: after {marker.strip()} ps lists {rows}, expected only the shell"
    if f"spin {SPIN_MS} ms done" in out:
        return "spin ran to completion: Ctrl-C did not kill it"
    values = re.findall(r"^free_frames=(\d+)", out, re.M)
    if len(values) != 2:
        return f"expected two meminfo lines, got {values}"
    if values[0] != values[1]:
        return f"free_frames changed: {values[0]} -> {values[1]} (frames leaked)"
    return None


TESTS = [
    Test(
        "shell-builtins-jobs-ctrl-c",
        timeout=150,
        steps=[("expect", PROMPT)]
        + one_round(1, 2)
        + run("meminfo", r"free_frames=\d+ total_frames=\d+")
        + one_round(2, 4)
        + run("meminfo", r"free_frames=\d+ total_frames=\d+")
        + [("send", "exit 3\r"), ("expect", r"init exited: 3")],
        exit_code=(3 << 1) | 1,
        check=_checks,
    ),
]
