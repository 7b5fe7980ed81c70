#include "arch/x86_64/pic.h"

#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"

namespace nyanos::arch::pic {

namespace {

constexpr uint16_t kMasterCommand = 0x20;
constexpr uint16_t kMasterData = 0x21;
constexpr uint16_t kSlaveCommand = 0xa0;
constexpr uint16_t kSlaveData = 0xa1;
constexpr uint8_t kEoi = 0x20;
constexpr uint8_t kReadIsr = 0x0b;
constexpr unsigned kCascadeIrq = 2;

// Current masks (bit set = masked), master in the low byte.
uint16_t g_mask = 0xffff;

void write_masks() {
    outb(kMasterData, uint8_t(g_mask));
    outb(kSlaveData, uint8_t(g_mask >> 8));
}

}  // namespace

void remap_and_mask_all() {
    // ICW1: initialise, ICW4 follows. ICW2: vector base. ICW3: cascade on
    // IRQ 2. ICW4: 8086 mode.
    outb(kMasterCommand, 0x11);
    io_wait();
    outb(kSlaveCommand, 0x11);
    io_wait();
    outb(kMasterData, kIrqVectorBase);
    io_wait();
    outb(kSlaveData, kIrqVectorBase + 8);
    io_wait();
    outb(kMasterData, 1 << kCascadeIrq);
    io_wait();
    outb(kSlaveData, kCascadeIrq);
    io_wait();
    outb(kMasterData, 0x01);
    io_wait();
    outb(kSlaveData, 0x01);
    io_wait();
    g_mask = 0xffff;
    write_masks();
}

void unmask(unsigned irq) {
    if (irq >= 16) return;
    g_mask &= uint16_t(~(1u << irq));
    if (irq >= 8) g_mask &= uint16_t(~(1u << kCascadeIrq));
    write_masks();
}

void mask(unsigned irq) {
    if (irq >= 16) return;
    g_mask |= uint16_t(1u << irq);
    write_masks();
}

void send_eoi(unsigned irq) {
    if (irq >= 8) outb(kSlaveCommand, kEoi);
    outb(kMasterCommand, kEoi);
}

bool is_spurious(unsigned irq) {
    if (irq != 7 && irq != 15) return false;
    uint16_t port = irq == 7 ? kMasterCommand : kSlaveCommand;
    outb(port, kReadIsr);
    bool in_service = inb(port) & 0x80;
    if (!in_service && irq == 15) outb(kMasterCommand, kEoi);
    return !in_service;
}

}  // namespace nyanos::arch::pic
