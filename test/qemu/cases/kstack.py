"""Kernel stacks are one 4 KiB page for a NyanOS program's thread and two
for a Linux program's (kernel/proc/thread.h: kernel_stack_pages_for), all
of it stack (the FPU state lives in a heap area of its own), with an
unmapped guard page below.

- kstack-audit: boots the shell with `kstack_audit` (every new kernel stack
  is painted; when a task is freed, and for the live ones at power-off, the
  deepest byte it touched is found), runs the isolation suite and the deep
  paths again from the shell (exec with many arguments, faults and
  their kill reports, EFAULT from bad pointers, Ctrl-C and kill), then
  exits; the kernel prints the high-water mark of each stack size, which
  must stay below its LIMIT: a measured margin, not a guess. NyanOS paths:
  2,240 bytes measured when stacks were one page, 2,576 with the syscall
  entry's full InterruptFrame, 2,832 with the VM layer, 2,872 before the
  writable root and 2,936 with it, in runs where no interrupt lands at the
  deepest point; one that does adds its frame and handler, 272 bytes:
  3,208 was seen once. The NyanOS programs the shell starts run on one page
  (4,096 bytes); the limit catches growth of today's paths, interrupt
  included.
- kstack-audit-linux: the same audit over busybox's shell running the
  busybox checks (test/qemu/data/busybox) under the Linux personality,
  whose threads have two pages: 5,352 bytes measured (deepest: the shell
  running an applet through /proc/self/exe).
- kstack-overflow: `fault_test=kstack` runs a recursion on a fresh kernel
  stack; it must hit the guard page and end in the double-fault report on
  the IST stack (never silent corruption)."""
import os
import re

from harness import ROOT, SHELL_PROMPT as PROMPT, Test, shell_command as run

# Bytes, per stack size: NyanOS's page, 2,936 + an interrupt's 272 + 248 of
# margin; Linux's two pages, 5,352 + 272 + 520 of margin.
LIMITS = {4096: 3456, 8192: 6144}
AUDIT = r"kstack_audit: high-water (\d+) of (\d+) bytes \(deepest: ([^)]*)\), (\d+) tasks audited\r?\n"
SUMMARY = r"\n(\d+) passed, (\d+) failed\r?\n"


def _audit_below_limits(result, size, min_tasks):
    """Every audit line within its size's limit, and one for `size` with at
    least `min_tasks` tasks."""
    seen = False
    for m in re.finditer(AUDIT, result.output):
        used, room, deepest, tasks = (int(m.group(1)), int(m.group(2)), m.group(3),
                                      int(m.group(4)))
        limit = LIMITS.get(room)
        if limit is None:
            return f"a kernel stack of {room} bytes: no limit for that size"
        if used >= limit:
            return f"kernel stack high-water {used} bytes (deepest: {deepest}), limit {limit} of {room}"
        if room == size:
            if used == 0 or tasks < min_tasks:
                return f"{tasks} tasks audited on {room}-byte stacks, high-water {used}"
            seen = True
    return None if seen else f"no kstack_audit line for {size}-byte stacks"


def _shell_audit(result):
    error = _audit_below_limits(result, 4096, 60)
    if error:
        return error
    s = result.matches[SUMMARY]
    if int(s.group(2)):
        return f"the isolation suite failed {s.group(2)} cases"
    return None


# More than the 32 arguments of exec's small first copy (the shell's line
# holds 255 characters), so the kernel retries with the full-size block.
MANY_ARGS = " ".join(f"a{i}" for i in range(60))


STEPS = (
    [("expect", r"kstack_audit: on"), ("expect", PROMPT)]
    + [("send", "testsuite\r"), ("expect", SUMMARY), ("expect", PROMPT)]
    + run("/bin/echo " + MANY_ARGS, r"a58 a59\r?$")
    + run("fault null", r"killed: SIGSEGV")
    + run("fault noncanon", r"killed: SIGSEGV")
    + run("fault div0", r"killed: SIGFPE")
    + run("fault stack", r"killed: SIGSEGV")
    + run("badptr", r"badptr ok")
    + [("send", "spin 60000\r"), ("expect", r"spin 60000\r?\n"), ("sleep", 1.5),
       ("send", "\x03"), ("sleep", 1.5), ("send", "\x03"),
       ("expect", r"killed: SIGINT"), ("expect", PROMPT)]
    + run("ps", r"PID")
    + [("send", "exit\r"), ("expect", AUDIT), ("expect", r"init exited: 0")]
)

TESTS = [
    Test("kstack-audit", cmdline="kstack_audit", steps=STEPS, exit_code=1,
         check=_shell_audit, timeout=600),
    Test("kstack-audit-linux", cmdline="kstack_audit init=/bin/busybox -- sh /test/busybox/check.sh",
         initrd_extra=os.path.join(ROOT, "test", "qemu", "data", "busybox"),
         expect=[r"busybox checks: 0 failed", AUDIT], exit_code=1, timeout=300,
         check=lambda result: _audit_below_limits(result, 8192, 100)),
    Test("kstack-overflow", cmdline="fault_test=kstack",
         expect=[r"fault_test: overflowing a kernel stack",
                 r"PANIC: #DF double fault in kernel mode",
                 r"\(reported on an IST stack\)", r"fault: end of report"],
         exit_code=255),
]
