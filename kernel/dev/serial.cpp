#include "dev/serial.h"

#include <stdint.h>

#include "arch/x86_64/io.h"

namespace nyanos::serial {
namespace {

constexpr uint16_t kCom1 = 0x3f8;
// 16550 registers, as offsets from the base port.
constexpr uint16_t kData = 0, kInterruptEnable = 1, kFifoControl = 2, kLineControl = 3,
                   kModemControl = 4, kLineStatus = 5, kScratch = 7;
constexpr uint8_t kLineStatusTransmitEmpty = 0x20;
constexpr uint8_t kLineStatusDataReady = 0x01;
constexpr uint8_t kInterruptReceivedData = 0x01;
constexpr uint8_t kFifoEnableTrigger1 = 0x01;  // FIFOs on, not cleared, 1-byte trigger

bool g_present = false;

void put(char c) {
    // Bounded wait: a UART that stops draining must not hang the kernel.
    for (int spin = 0; spin < 100000; ++spin) {
        if (arch::inb(kCom1 + kLineStatus) & kLineStatusTransmitEmpty) break;
    }
    arch::outb(kCom1 + kData, uint8_t(c));
}

}  // namespace

bool init() {
    using arch::inb;
    using arch::outb;
    // Without a UART the bus floats: the scratch register will not hold a value.
    outb(kCom1 + kScratch, 0x5a);
    if (inb(kCom1 + kScratch) != 0x5a) return g_present = false;

    outb(kCom1 + kInterruptEnable, 0x00);
    outb(kCom1 + kLineControl, 0x80);  // DLAB on: set the divisor
    outb(kCom1 + 0, 0x01);             // 115200 baud
    outb(kCom1 + 1, 0x00);
    outb(kCom1 + kLineControl, 0x03);   // 8N1
    outb(kCom1 + kFifoControl, 0xc7);   // FIFOs on, cleared, 14-byte threshold
    outb(kCom1 + kModemControl, 0x1e);  // loopback, to test the chip
    outb(kCom1 + kData, 0xae);
    if (inb(kCom1 + kData) != 0xae) return g_present = false;
    outb(kCom1 + kModemControl, 0x0f);  // normal operation: DTR, RTS, OUT1, OUT2
    return g_present = true;
}

bool present() {
    return g_present;
}

void write(const char* text, size_t length) {
    if (!g_present) return;
    for (size_t i = 0; i < length; ++i) {
        if (text[i] == '\n') put('\r');
        put(text[i]);
    }
}

void enable_receive_interrupt() {
    if (!g_present) return;
    // An interrupt per byte: typing must reach the shell at once, and the
    // 14-byte trigger would hold short input until the FIFO timeout.
    arch::outb(kCom1 + kFifoControl, kFifoEnableTrigger1);
    arch::outb(kCom1 + kInterruptEnable, kInterruptReceivedData);
}

bool try_read(char& c) {
    if (!g_present) return false;
    if (!(arch::inb(kCom1 + kLineStatus) & kLineStatusDataReady)) return false;
    c = char(arch::inb(kCom1 + kData));
    return true;
}

}  // namespace nyanos::serial
