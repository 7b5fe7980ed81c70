"""Issue 8: no stale TLB entries across processes. /bin/tlb-test runs copies
of itself at once that keep their own values at the same virtual addresses
across yields and timer preemption (every switch changes CR3), return and
re-map a heap page (it must read zero), while short-lived copies recycle
frames and address spaces. Also the two memory paths: with SMP 1 the CR3
switches are the only TLB maintenance between processes."""
from harness import Test

OK = r"tlb-test ok (\d+) children"

TESTS = [
    Test("bench-tlb-uefi", boot="uefi", mem="128M", machine="q35",
         cmdline="init=/bin/tlb-test -- 6 1500",
         expect=[OK, r"init exited: 0"], exit_code=1, timeout=240),
]
