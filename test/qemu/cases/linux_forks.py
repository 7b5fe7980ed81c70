"""Issue 13, "Tests": 10,000 fork/exit/wait cycles of a Linux program leave
the free-frame count exactly at its baseline.

NyanOS's shell (the default init) drives it over COM1: `linux-bench
fork-exit-wait 10` warms up (the shell's and the kernel's first uses), then
`meminfo` reads the baseline, `linux-bench fork-exit-wait 10000` forks,
exits and reaps 10,000 musl children (copy-on-write forks of a Linux
process), and `meminfo` reads again: the counts must be equal. meminfo
gives back the kernel's caches (cached kernel stacks, empty heap slabs)
before counting, so anything it reports kept is a leak. A background
`true &` before and after shows by its pid that the cycles really ran
(pids are handed out in order: 10,001 processes come between the two, the
linux-bench process and its children), and the run must end with status 0
(the shell would print `exit status N` or `killed: ...`)."""
import re

from harness import SHELL_PROMPT as PROMPT, Test, shell_command as run

CYCLES = 10000
_MEMINFO = r"^free_frames=(\d+) total_frames=\d+"


def _check(result):
    out = result.output
    values = re.findall(_MEMINFO, out, re.M)
    if len(values) != 2:
        return f"expected two meminfo lines, got {values}"
    if values[0] != values[1]:
        return f"free_frames {values[0]} -> {values[1]} after {CYCLES} fork/exit/wait cycles"
    pids = [int(p) for p in re.findall(r"^\[(\d+)\] done status 0\r?$", out, re.M)]
    if len(pids) != 2:
        return f"expected two reaped background jobs, got {pids}"
    if pids[1] - pids[0] < CYCLES + 2:
        return f"pids {pids[0]} -> {pids[1]}: fewer than {CYCLES} processes ran between them"
    if re.search(r"exit status \d+|killed: ", out):
        return "linux-bench failed: " + re.search(r"(exit status \d+|killed: .*)", out).group(1)
    return None


TESTS = [
    Test("linux-fork-10000-frames", timeout=240,
         steps=[("expect", PROMPT)]
         + run("linux-bench fork-exit-wait 10")
         + run("meminfo", _MEMINFO)
         + run("true &") + run("wait", r"done status 0")
         + run(f"linux-bench fork-exit-wait {CYCLES}")
         + run("true &") + run("wait", r"done status 0")
         + run("meminfo", _MEMINFO)
         + [("send", "exit 0\r"), ("expect", r"init exited: 0")],
         exit_code=1, check=_check),
]
