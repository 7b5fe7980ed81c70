#include "dev/keyboard.h"

#include <stdint.h>

#include "arch/x86_64/io.h"

namespace nyanos::keyboard {
namespace {

constexpr uint16_t kDataPort = 0x60;
constexpr uint16_t kStatusPort = 0x64;  // read: status; write: command
constexpr uint8_t kStatusOutputFull = 0x01;
constexpr uint8_t kStatusInputFull = 0x02;
constexpr uint8_t kStatusAuxData = 0x20;  // the byte came from the mouse port

constexpr uint8_t kCommandReadConfig = 0x20;
constexpr uint8_t kCommandWriteConfig = 0x60;
constexpr uint8_t kCommandEnableKeyboard = 0xae;
constexpr uint8_t kConfigKeyboardIrq = 0x01;
constexpr uint8_t kConfigKeyboardClockOff = 0x10;
constexpr uint8_t kConfigTranslate = 0x40;

// Bounded waits: a controller that never answers must not hang the boot.
constexpr int kSpins = 100000;

bool g_present = false;
constinit ScancodeDecoder g_decoder{};

bool wait_input_empty() {
    for (int i = 0; i < kSpins; ++i) {
        if (!(arch::inb(kStatusPort) & kStatusInputFull)) return true;
    }
    return false;
}

bool wait_output_full() {
    for (int i = 0; i < kSpins; ++i) {
        if (arch::inb(kStatusPort) & kStatusOutputFull) return true;
    }
    return false;
}

bool send_command(uint8_t command) {
    if (!wait_input_empty()) return false;
    arch::outb(kStatusPort, command);
    return true;
}

void flush_output() {
    for (int i = 0; i < 64 && (arch::inb(kStatusPort) & kStatusOutputFull); ++i)
        (void)arch::inb(kDataPort);
}

}  // namespace

bool init() {
    // No controller: the bus floats and status reads all ones.
    if (arch::inb(kStatusPort) == 0xff) return g_present = false;
    flush_output();

    if (!send_command(kCommandReadConfig) || !wait_output_full()) return g_present = false;
    uint8_t config = arch::inb(kDataPort);
    config |= kConfigKeyboardIrq | kConfigTranslate;
    config &= uint8_t(~kConfigKeyboardClockOff);
    if (!send_command(kCommandWriteConfig) || !wait_input_empty()) return g_present = false;
    arch::outb(kDataPort, config);
    if (!send_command(kCommandEnableKeyboard)) return g_present = false;
    flush_output();
    return g_present = true;
}

bool present() {
    return g_present;
}

size_t read_irq(char out[ScancodeDecoder::kMaxOutput]) {
    uint8_t status = arch::inb(kStatusPort);
    if (!(status & kStatusOutputFull)) return 0;
    uint8_t code = arch::inb(kDataPort);
    if (status & kStatusAuxData) return 0;
    return g_decoder.feed(code, out);
}

}  // namespace nyanos::keyboard
