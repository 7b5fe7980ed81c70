// `pci_test` on the command line: after the boot-time walk, the first xHCI
// controller is started the way its driver will start it, through
// dev/pci.h alone: BAR 0 mapped through the kernel VMM as uncached MMIO,
// memory decoding and bus mastering on, and its interrupt aimed at the boot
// CPU's local APIC by MSI-X (or MSI). The controller stays halted, so no
// interrupt is raised; the test reads its capability registers through the
// mapping and prints what each step did, for test/qemu/cases/pci.py.
#pragma once

namespace nyanos::debug {

void run_pci_test_if_requested();

}  // namespace nyanos::debug
