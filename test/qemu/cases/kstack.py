"""Kernel stacks are two 4 KiB pages (8 KiB, all of it stack: the FPU state
lives in a heap area of its own), with an unmapped guard page below.

- kstack-audit: boots the shell with `kstack_audit` (every new kernel stack
  is painted; when a task is freed, and for the live ones at power-off, the
  deepest byte it touched is found), runs the isolation suite and the deep
  paths again from the shell (exec with many arguments, faults and
  their kill reports, EFAULT from bad pointers, Ctrl-C and kill), then
  exits; the kernel prints the high-water mark, which must stay below
  LIMIT bytes: a measured margin, not a guess. (2,240 bytes measured when
  stacks were one page, 2,576 with the syscall entry's full InterruptFrame,
  2,832 with the VM layer, 2,872 before the writable root and 2,936 with
  it, in runs where no interrupt lands at the deepest point; one that does
  adds its frame and handler, 272 bytes: 3,208 was seen once.
  The second page is room for the Linux paths, see kernel/proc/thread.h:
  this limit catches growth of today's paths, interrupt included.)
- kstack-overflow: `fault_test=kstack` runs a recursion on a fresh kernel
  stack; it must hit the guard page and end in the double-fault report on
  the IST stack (never silent corruption)."""
from harness import SHELL_PROMPT as PROMPT, Test, shell_command as run

LIMIT = 3456  # bytes, of the 8,192: 2,936 + an interrupt's 272 + 248 of margin
AUDIT = r"kstack_audit: high-water (\d+) of (\d+) bytes \(deepest: ([^)]*)\), (\d+) tasks audited\r?\n"
SUMMARY = r"\n(\d+) passed, (\d+) failed\r?\n"

# More than the 32 arguments of exec's small first copy (the shell's line
# holds 255 characters), so the kernel retries with the full-size block.
MANY_ARGS = " ".join(f"a{i}" for i in range(60))


def _audit_below_limit(result):
    m = result.matches.get(AUDIT)
    if not m:
        return "no kstack_audit line"
    used, size, deepest, tasks = int(m.group(1)), int(m.group(2)), m.group(3), int(m.group(4))
    if tasks < 60:
        return f"only {tasks} tasks audited"
    if used == 0 or used >= LIMIT:
        return f"kernel stack high-water {used} bytes (deepest: {deepest}), limit {LIMIT} of {size}"
    s = result.matches[SUMMARY]
    if int(s.group(2)):
        return f"the isolation suite failed {s.group(2)} cases"
    return None


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
         check=_audit_below_limit, timeout=600),
    Test("kstack-overflow", cmdline="fault_test=kstack",
         expect=[r"fault_test: overflowing a kernel stack",
                 r"PANIC: #DF double fault in kernel mode",
                 r"\(reported on an IST stack\)", r"fault: end of report"],
         exit_code=255),
]
