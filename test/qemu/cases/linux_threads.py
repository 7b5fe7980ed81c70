"""Linux thread stress: /bin/linux-thread-stress as init on 4 CPUs by UEFI
(user/linux/thread-stress.c, musl-gcc -static; it passes on Linux too).
Each part runs in a child process of its own: thousands of threads created,
joined and detached around futex waiters; mutex, condition-variable and
barrier contention across CPUs; exit_group from a thread while others run
or sleep; fork and execve from non-leader threads; mmap/mprotect/munmap of
shared and private buffers while sibling threads read them (SIGSEGV or
current data, never stale); threads faulting the same pages at once (first
touch and copy-on-write: no write lost); robust mutexes whose owner dies
(EOWNERDEAD).
Every part must print its ok line, the threads must have run on more than
one CPU, and sysinfo's free memory after the last child is reaped must be
the baseline exactly. init exiting 0 makes QEMU exit with code 1."""
import re

from harness import Test

PARTS = ["create-join", "contention", "exit-group", "fork", "exec", "mmap", "fault-race", "robust"]
FRAMES = r"thread-stress: free frames: baseline (\d+), after (\d+)"
OK = r"thread-stress: ok \((\d+) parts, (\d+) cpus, (\d+) ms\)"
# The last line either way: a failed part ends the run at once, not by timeout.
LAST = r"thread-stress: (?:ok|FAILED) \("


def _check(result):
    out = result.output
    failures = re.findall(r"thread-stress: .*FAIL.*", out)
    if failures:
        return "; ".join(f.strip() for f in failures)
    for part in PARTS:
        if not re.search(rf"thread-stress: {part}: ok \(", out):
            return f"no ok line for part {part}"
    used = re.search(r"thread-stress: contention: ok \(.*, (\d+) cpus used\)", out)
    if not used or int(used.group(1)) < 2:
        return f"the contention threads ran on too few CPUs: {used and used.group(0)!r}"
    frames = re.search(FRAMES, out)
    if not frames or frames.group(1) != frames.group(2) or int(frames.group(1)) <= 0:
        return f"free frames not back to the baseline: {frames and frames.group(0)!r}"
    m = re.search(OK, out)
    if not m or int(m.group(1)) != len(PARTS) or int(m.group(2)) != 4:
        return f"unexpected summary: {m and m.group(0)!r}"
    return None


TESTS = [
    Test("linux-thread-stress-uefi-smp4", smp=4, mem="512M", cmdline="init=/bin/linux-thread-stress",
         expect=[r"thread-stress: 4 cpus online", FRAMES, LAST, r"init exited: 0\r?\n"], exit_code=1,
         check=_check, timeout=120),
]
