"""Linux signals leave nothing behind: queued realtime signals left pending
at exit, self-reaping children (SIGCHLD ignored, SA_NOCLDWAIT), armed
interval timers, stopped and continued processes, orphaned stopped groups.
The NyanOS shell runs those suite cases twice (the first run warms the
shell's own stack and heap up) between two meminfo readings, which must be
equal: every queue entry, timer and self-reaped process was freed."""
from harness import SHELL_PROMPT as PROMPT, Test, shell_command as run

# Two command lines: the shell's line holds about 200 characters.
_CASES = [["sig-rt-queue-limit", "sig-mask-pending", "sig-sigtimedwait", "sig-sigchld-ignored",
           "exit-nocldwait"],
          ["sig-itimer-real", "sig-alarm", "exit-stop-continue", "exit-stop-signals",
           "exit-orphaned-stopped"]]
_RUN = [step for cases in _CASES
        for step in run("linux-abi-test " + " ".join("--case " + c for c in cases),
                        rf"{len(cases)} passed, 0 failed")]


def _free_frames_equal(result):
    import re
    values = re.findall(r"^free_frames=(\d+)", result.output, re.M)
    if len(values) < 2:
        return f"expected two meminfo lines, got {values}"
    if values[0] != values[-1]:
        return f"free_frames changed: {values[0]} -> {values[-1]} (frames leaked)"
    return None


TESTS = [
    Test("linux-signals-no-trace", timeout=240,
         steps=[("expect", PROMPT)] + _RUN + run("meminfo", r"free_frames=\d+") + _RUN
         + run("meminfo", r"free_frames=\d+"),
         check=_free_frames_equal),
]
