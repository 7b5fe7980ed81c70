#include "debug/pci_test.h"

#include "arch/x86_64/device_vectors.h"
#include "boot_info.h"
#include "dev/pci.h"
#include "dev/pci_access.h"
#include "lib/console.h"
#include "lib/pci_capabilities.h"
#include "lib/pci_text.h"

namespace nyanos::debug {

namespace {

// The handler of the test's vector. The controller is never started, so it
// never runs; the xHCI driver aims the device at its own vector later.
void never_called(void*) {}

// xHCI's first capability dword (xHCI 1.2, 5.3): CAPLENGTH in its low byte,
// HCIVERSION in its high half. Read whole, as Linux does: QEMU's qemu-xhci
// answers a 16-bit read of HCIVERSION alone with 0.
constexpr unsigned kCapabilityDword = 0x00;

}  // namespace

void run_pci_test_if_requested() {
    if (!cmdline_has("pci_test")) return;
    const pci::Device* xhci = pci::find_device(pci::kClassXhci);
    if (!xhci) {
        kprintf("pci_test: no xHCI controller\n");
        return;
    }
    auto registers = pci::map_bar(*xhci, 0);
    if (!registers.ok()) {
        kprintf("pci_test: map_bar: %s\n", error_name(registers.error()));
        return;
    }
    pci::enable_memory_and_bus_master(*xhci);
    volatile uint8_t* base = registers.value();
    uint32_t first = *reinterpret_cast<volatile uint32_t*>(base + kCapabilityDword);
    kprintf("pci_test: xhci mmio caplength=0x%x hciversion=0x%x\n", first & 0xff, first >> 16);
    auto vector = arch::allocate_device_vector(never_called, nullptr, "pci_test");
    if (!vector.ok()) {
        kprintf("pci_test: no device vector: %s\n", error_name(vector.error()));
        return;
    }
    const arch::DeviceVector aimed = vector.value();
    auto routed = pci::route_interrupt(*xhci, aimed.apic_id, aimed.vector);
    if (routed.ok())
        kprintf("pci_test: interrupt to apic %u vector 0x%x: ok (%s)\n", aimed.apic_id,
                aimed.vector, pci::interrupt_kind_name(routed.value()));
    else
        kprintf("pci_test: interrupt to apic %u vector 0x%x: %s\n", aimed.apic_id, aimed.vector,
                error_name(routed.error()));
    // What the device now says: MSI-X's enable bit (bit 15 of its control).
    pci::ConfigAccess& config = *pci::config_access();
    pci::Address address = xhci->function.address;
    if (auto msix = pci::find_capability(config, address, pci::kCapabilityMsix); msix.ok()) {
        uint16_t control = config.read16(address, uint16_t(msix.value() + 2));
        kprintf("pci_test: msi-x enabled=%u command=0x%x\n", control >> 15,
                config.read16(address, pci::kCommand));
    }
    // Nothing was started, so nothing can still be sending it.
    (void)arch::free_device_vector(aimed.vector);
}

}  // namespace nyanos::debug
