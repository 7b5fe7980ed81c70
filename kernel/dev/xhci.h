// The xHCI USB host controller driver (xHCI 1.2), for what a person at a
// machine without PS/2 needs: boot-protocol keyboards on the root ports.
// The descriptor parsing, the rings' bookkeeping and the keyboard's report
// handling are portable (kernel/usb); this file drives the registers.
//
// Boot enumerates the devices already plugged in, synchronously, with the
// controller polled. start_interrupts() then moves the event ring to the
// controller's interrupt (MSI-X, else MSI, aimed at the boot CPU): the
// handler takes the events, turns keyboard reports into console input (the
// same bytes the PS/2 keyboard gives) and attaches and detaches hot-plugged
// devices. poll(), from the boot CPU's timer tick, runs key repeat (a
// software timer) and, when the controller has no usable interrupt or
// `xhci.poll=1` is on the command line, does the handler's work itself. A
// controller or device that does not answer within its timeout is given up
// with a message, and boot goes on.
#pragma once

#include <stdint.h>

namespace nyanos::pci {
struct Device;
}

namespace nyanos::xhci {

// Takes over the controller whose registers are at `mmio` (mapped
// uncached) and attaches the boot keyboards on its root ports. False when
// the controller does not come up (the reason is printed).
bool init(volatile uint8_t* mmio);

// Switches the controller init() started to its interrupt, unless the
// command line says `xhci.poll=1`: a device vector bound to the driver's
// handler (arch/x86_64/device_vectors.h), `device` (the controller's PCI
// function) aimed at it by MSI-X or MSI, then interrupter 0 and the
// controller's interrupts on. Prints `xhci: interrupts msi-x vector 0xNN
// cpu 0` or why it stays polled (`xhci: interrupts polled (no msi)`).
// `run_on_device_stack` runs the handler's work on the device poll's stack
// (proc::run_on_device_stack; false when it cannot, and the tick then does
// that work). On the boot CPU, after the poll hook has its stack, before
// the other CPUs start. Does nothing when init() failed.
void start_interrupts(const pci::Device& device, bool (*run_on_device_stack)(void (*work)()));

// Runs key repeat and, polled, takes the controller's events. From the
// boot CPU's timer interrupt; does nothing before init().
void poll();

}  // namespace nyanos::xhci
