"""Issue 4, items 1, 5 and 7b: CPU set-up, the timer, and the kernel fault
report. `fault_test=KIND` makes the kernel fault on purpose after boot; the
report must start with the contract's `PANIC:` line, name the vector and the
address, print the registers and a symbolised backtrace, and leave QEMU with
exit code 255 (isa-debug-exit status 127)."""
from harness import Test

NL = r"\r?\n"
HEX = r"0x([0-9a-f]+)"
PANIC_EXIT = 255

# What every kernel fault report ends with: registers, a backtrace through
# kernel_main with symbol names, and the end marker.
REPORT_TAIL = [
    r"rip=[0-9a-f]{16} cs=0008 rflags=",
    r"cr0=[0-9a-f]{16} cr3=[0-9a-f]{16} cr4=",
    r"backtrace:" + NL + r"  #0  0xffffffff8[0-9a-f]+ ",
    r"  #\d+ +0x[0-9a-f]+ kernel_main\+0x",
    r"fault: end of report",
]


def _page_fault_addresses_agree(result):
    announced = int(result.matches[PF_ANNOUNCE].group(1), 16)
    panic = result.matches[PF_PANIC]
    rip, addr = int(panic.group(1), 16), int(panic.group(2), 16)
    cr2 = int(result.matches[PF_CR2].group(1), 16)
    if addr != announced or cr2 != announced:
        return f"faulting address {addr:#x} / cr2 {cr2:#x}, expected {announced:#x}"
    if rip < 0xffffffff80000000:
        return f"rip {rip:#x} is not in the kernel image"
    return None


# Serial output arrives in chunks and expectations match as soon as they can:
# every hex number captured at the end of a pattern is anchored by what
# follows it (a newline), or a partial line could match.
PF_ANNOUNCE = r"fault_test: writing to unmapped " + HEX + NL
# The PANIC line is the first thing printed after the announcement.
PF_PANIC = (NL + r"(?:\r?\n)?PANIC: #PF page fault in kernel mode at rip=" + HEX +
            r" addr=" + HEX + NL)
PF_CR2 = r"  cr2=" + HEX + r" \(the faulting address\)"

TIMER_LINE = r"timer: lapic (\d+) Hz -> 1000 Hz ticks; tsc (\d+) kHz.*; irqs via ioapic"


def _lapic_calibrated(result):
    # QEMU's LAPIC timer counts at 1 GHz before its divider (16 here):
    # the PIT calibration must find 62.5 MHz.
    hz = int(result.matches[TIMER_LINE].group(1))
    return None if abs(hz - 62_500_000) < 62_500_000 * 0.03 else f"LAPIC timer at {hz} Hz, expected 62.5 MHz"


# The kernel CSPRNG's seed (kernel/dev/random.h): QEMU 7.2's TCG `-cpu max`
# has RDRAND but not RDSEED (a later QEMU may add it); qemu64 has neither,
# which leaves TSC jitter alone.
RANDOM_HW = r"random: seeded from rd(seed|rand)\r?\n"
RANDOM_JITTER = r"random: seeded from tsc-jitter\r?\n"

TESTS = [
    Test("cpu-features-and-timer",
         expect=[r"cpu: gdt\+tss\+idt loaded; nx=1 wp=1 smep=1 smap=1 umip=1", TIMER_LINE,
                 r"timer: 5 ticks in \d+ us", RANDOM_HW],
         check=_lapic_calibrated),
    # Without SMEP/SMAP/UMIP the kernel must still boot (UserAccessGuard is
    # then a no-op) and say so.
    Test("cpu-features-qemu64", cpu="qemu64", matrix_only=True,
         expect=[r"cpu: gdt\+tss\+idt loaded; nx=1 wp=1 smep=0 smap=0 umip=0",
                 r"timer: 5 ticks in \d+ us", RANDOM_JITTER]),
    # GRUB under BIOS hands over the ACPI 1.0 RSDP in the BIOS area: the MADT
    # must still be found (irqs via ioapic).
    Test("cpu-features-and-timer-grub-bios", boot="grub-bios",
         expect=[r"cpu: gdt\+tss\+idt loaded; nx=1 wp=1 smep=1 smap=1 umip=1", TIMER_LINE,
                 r"timer: 5 ticks in \d+ us", RANDOM_HW],
         check=_lapic_calibrated),
    # The 8259 fallback (for machines without a MADT) still delivers ticks
    # (the timer is the LAPIC's either way) and boots.
    Test("irq-8259-fallback", cmdline="noioapic", matrix_only=True,
         expect=[r"timer: lapic \d+ Hz -> 1000 Hz ticks; tsc \d+ kHz.*; irqs via 8259",
                 r"timer: 5 ticks in \d+ us"]),
    Test("kernel-fault-pagefault", boot="uefi", cmdline="fault_test=pagefault", exit_code=PANIC_EXIT,
         expect=[PF_ANNOUNCE, PF_PANIC,
                 r"fault: vector 14 \(#PF, page fault\) error_code=0x2" + NL,
                 PF_CR2,
                 r"  cause: page not present, write, kernel mode",
                 r"  in nyanos::debug::\(anonymous namespace\)::fault_test_page_fault\(\)\+0x"]
                + REPORT_TAIL,
         check=_page_fault_addresses_agree),
    Test("kernel-fault-pagefault-grub-bios", boot="grub-bios", cmdline="fault_test=pagefault", exit_code=PANIC_EXIT,
         expect=[PF_ANNOUNCE, PF_PANIC,
                 r"fault: vector 14 \(#PF, page fault\) error_code=0x2" + NL,
                 PF_CR2,
                 r"  cause: page not present, write, kernel mode",
                 r"  in nyanos::debug::\(anonymous namespace\)::fault_test_page_fault\(\)\+0x"]
                + REPORT_TAIL,
         check=_page_fault_addresses_agree),
    Test("kernel-fault-ud", cmdline="fault_test=ud", exit_code=PANIC_EXIT,
         expect=[r"fault_test: executing ud2" + NL + r"(?:\r?\n)?PANIC: #UD invalid opcode in "
                 r"kernel mode at rip=0xffffffff8[0-9a-f]+" + NL,
                 r"fault: vector 6 \(#UD, invalid opcode\) error_code=0x0",
                 r"  in nyanos::arch::raise_invalid_opcode\(\)\+0x"]
                + REPORT_TAIL),
    Test("kernel-fault-gp", cmdline="fault_test=gp", exit_code=PANIC_EXIT,
         expect=[r"fault_test: reading non-canonical 0x8000000000000000" + NL +
                 r"(?:\r?\n)?PANIC: #GP general protection fault in kernel mode at rip=0x",
                 r"fault: vector 13 \(#GP, general protection fault\) error_code=0x0"]
                + REPORT_TAIL),
    Test("kernel-fault-de", cmdline="fault_test=de", exit_code=PANIC_EXIT, matrix_only=True,
         expect=[r"PANIC: #DE divide error in kernel mode at rip=0x",
                 r"fault: vector 0 \(#DE, divide error\)"] + REPORT_TAIL),
    Test("kernel-fault-bp", cmdline="fault_test=bp", exit_code=PANIC_EXIT, matrix_only=True,
         expect=[r"PANIC: #BP breakpoint in kernel mode at rip=0x",
                 r"fault: vector 3 \(#BP, breakpoint\)"] + REPORT_TAIL),
]
