"""Issue 5: process isolation, driven through the shell over COM1.

One boot runs a sequence of programs and checks each one's output, so the
suite stays cheap under TCG."""
from harness import SHELL_PROMPT as PROMPT, Test, shell_command as run


def _checks(result):
    ps = result.output.split("NyanOS> ps")[-1].split("NyanOS>")[0]
    if "zombie" in ps:
        return f"an orphan was left a zombie: {ps!r}"
    if "isolation ok 111" not in result.output or "BROKEN" in result.output:
        return "the background isolation probe did not report its own value"
    return _free_frames_equal(result)


def _free_frames_equal(result):
    import re
    values = re.findall(r"^free_frames=(\d+)", result.output, re.M)
    if len(values) < 2:
        return f"expected two meminfo lines, got {values}"
    if values[0] != values[-1]:
        return f"free_frames changed: {values[0]} -> {values[-1]} (frames leaked)"
    return None


# Programs that must leave no trace: run once to warm up (the shell's own
# stack and heap grow), then again between two meminfo readings, which must
# be equal.
NO_TRACE = (
    run("readkernel kernel", r"killed: SIGSEGV \(signal 11\)")
    + run("readkernel hhdm", r"killed: SIGSEGV \(signal 11\)")
    + run("badexec /test/elf/bad-class.elf", r"error ENOEXEC")
    + run("badexec /bin", r"error EISDIR")
    + run("hello a b", r"argv\[2\]=b")
)

TESTS = [
    Test(
        "process-isolation-shell",
        timeout=240,
        steps=[("expect", PROMPT)]
        # Two processes at the same virtual address see only their own data.
        + run("isolation-probe 111 20 5 &")
        + run("isolation-probe 222 20 5", r"isolation ok 222")
        + run("abi-test", r"abi-test ok")
        # A user read of the kernel half and of the HHDM kills only the reader;
        # exec of a malformed ELF or a directory returns an error to the caller.
        + NO_TRACE
        + run("meminfo", r"free_frames=\d+")
        + NO_TRACE
        + run("meminfo", r"free_frames=\d+")
        # A CPU-bound process does not starve the others.
        + run("spin 3000 &")
        + run("sleeper 200", r"sleeper slept \d+ ms")
        + [("sleep", 3.5)]
        # An orphan is handed to init (the shell here), which reaps it.
        + run("orphan 100", r"orphan: left pid \d+ behind")
        + [("sleep", 1.0)]
        + run("true")
        + run("ps", r"PID")
        # exec while another process computes: the loader yields inside its
        # ScopedCr3 guard and must resume on the guarded root (a VERIFY).
        # (long enough to outlast the cycles below even on a busy host: its
        # frames must not come back in the middle of their count)
        + run("spin 15000 &")
        + run("cycles 100", r"cycles 100 leaked=0")
        + [("expect", r"spin 15000 ms done"), ("sleep", 0.5)]
        # 1,000 exec/exit/wait cycles leave the free-frame count where it was.
        + run("cycles 1000", r"cycles 1000 leaked=0")
        + [("send", "exit 0\r"), ("expect", r"init exited: 0")],
        exit_code=1,
        check=_checks,
    ),
    Test(
        "init-with-arguments",
        cmdline="init=/bin/echo -- hello from init",
        expect=[r"hello from init\r?\n", r"init exited: 0"],
        exit_code=1,
    ),
]
