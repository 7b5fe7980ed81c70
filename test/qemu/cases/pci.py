"""Issue 15, part 1: PCI. The kernel walks the buses at boot (kernel/dev/pci.h)
and prints a `pci:` line for each device of a class it drives (the xHCI
controller, class 0c0330) and a summary naming the mechanism: ECAM through
the ACPI MCFG on q35, the legacy 0xCF8/0xCFC ports on the pc machine (which
has no MCFG) or with `pci=ports`. A controller behind a PCIe root port sits
on bus 1: the walk must follow the bridge. /proc/pci lists every function
with its BARs, sized by the all-ones probe (qemu-xhci's BAR 0: 64-bit
memory, 16 KiB).

`pci_test` (kernel/debug/pci_test.h) starts the controller as its driver
will: BAR 0 mapped as uncached MMIO through the kernel VMM (OVMF puts it
above 4 GiB), read back as xHCI capability registers (CAPLENGTH 0x40,
HCIVERSION 0x100 on qemu-xhci), memory decoding and bus mastering on, and
MSI-X entry 0 aimed at the boot CPU's local APIC with a device vector
(0x40..0xdf, arch/x86_64/device_vectors.h), with INTx off (command
register: memory, bus master, interrupt disable; I/O as OVMF left it)."""
from harness import Test, shell_command as run

NL = r"\r?\n"
XHCI_ID = r"1b36:000d class 0c0330 \(xhci\)"


def xhci_line(bus="00"):
    return rf"pci: {bus}:[0-9a-f]{{2}}\.0 {XHCI_ID}" + NL


def summary(mechanism, buses=r"\d+"):
    if mechanism == "ecam":
        return rf"pci: \d+ devices \(ecam at 0x[0-9a-f]+, buses 0-255, {buses} scanned\)" + NL
    return rf"pci: \d+ devices \(ports, {buses} buses scanned\)" + NL


XHCI = ["-device", "qemu-xhci"]
BEHIND_ROOT_PORT = ["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1",
                    "-device", "qemu-xhci,bus=rp1"]
PROC_PCI_XHCI = rf"^[0-9a-f]{{2}}:[0-9a-f]{{2}}\.0 {XHCI_ID} rev 01 .*bar0=mem64 0x[0-9a-f]+\+0x4000"

TESTS = [
    Test("pci-xhci-ecam", qemu_extra=XHCI, timeout=60,
         expect=[xhci_line(), summary("ecam", "1")],
         steps=run("cat /proc/pci", r"^00:00\.0 8086:29c0 class 060000 \(host bridge\) rev 00\r?$",
                   PROC_PCI_XHCI)),
    Test("pci-xhci-ports-pc", machine="pc", qemu_extra=XHCI, timeout=60,
         expect=[xhci_line(), summary("ports", "1")],
         steps=run("cat /proc/pci", PROC_PCI_XHCI)),
    Test("pci-bridge-ecam", qemu_extra=BEHIND_ROOT_PORT, timeout=60,
         expect=[xhci_line("01"), summary("ecam", "2")],
         steps=run("cat /proc/pci", r"^00:[0-9a-f]{2}\.0 [0-9a-f:]{9} class 060400 \(pci bridge\)",
                   r"^01:00\.0 " + XHCI_ID)),
    Test("pci-xhci-mmio-msix", cmdline="pci_test", qemu_extra=XHCI, timeout=60,
         expect=[xhci_line(), r"pci_test: xhci mmio caplength=0x40 hciversion=0x100" + NL,
                 r"pci_test: interrupt to apic 0 vector 0x[4-9a-d][0-9a-f]: ok \(msi-x\)" + NL,
                 r"pci_test: msi-x enabled=1 command=0x40[67]" + NL]),
    Test("pci-bridge-ports", cmdline="pci=ports", qemu_extra=BEHIND_ROOT_PORT, timeout=60,
         expect=[xhci_line("01"), summary("ports", "2")]),
]
