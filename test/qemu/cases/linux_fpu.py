"""The FPU state of a Linux program across a signal handler
(/bin/linux-sigfpu, user/linux/sigfpu.c, as init): the handler starts from
the initial state; its frame holds the interrupted registers as Linux lays
them out (an xsave image with its magic numbers and UC_FP_XSTATE where the
CPU has XSAVE, upper YMM halves included; an fxsave image on qemu64); what
the handler writes into the image is what rt_sigreturn restores. The
program exits 0 when all held, else the number of the failed check (see the
source). It also passes on Linux itself (run it on the host)."""
from harness import Test

INIT_OK = r"init exited: 0\r?\n"

TESTS = [
    Test("linux-sigfpu", cmdline="init=/bin/linux-sigfpu", expect=[INIT_OK], exit_code=1),
    # Without XSAVE: a legacy fxsave frame, and no UC_FP_XSTATE.
    Test("linux-sigfpu-qemu64", cpu="qemu64", cmdline="init=/bin/linux-sigfpu",
         expect=[INIT_OK], exit_code=1, matrix_only=True),
    Test("linux-sigfpu-smp4", smp=4, cmdline="init=/bin/linux-sigfpu", expect=[INIT_OK],
         exit_code=1, matrix_only=True),
]
