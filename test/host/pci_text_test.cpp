// The PCI text formats (lib/pci_text.h): the boot line and /proc/pci's.
#include <doctest/doctest.h>

#include <string>

#include "lib/pci_text.h"

using namespace nyanos;
using namespace nyanos::pci;

namespace {

Function xhci() {
    Function f;
    f.address = Address{0, 4, 0};
    f.vendor = 0x1b36;
    f.device = 0x000d;
    f.class_code = 0x0c;
    f.subclass = 0x03;
    f.prog_if = 0x30;
    f.revision = 1;
    f.interrupt_pin = 1;
    f.interrupt_line = 11;
    return f;
}

}  // namespace

TEST_CASE("pci text: class names and the classes the kernel uses") {
    CHECK(std::string(class_name(0x0c0330)) == "xhci");
    CHECK(std::string(class_name(0x060400)) == "pci bridge");
    CHECK(std::string(class_name(0x060401)) == "pci bridge");
    CHECK(class_name(0xff0000) == nullptr);
    CHECK(kernel_uses(0x0c0330));
    CHECK_FALSE(kernel_uses(0x0c0320));
}

TEST_CASE("pci text: the boot line") {
    char line[80];
    size_t n = describe(xhci(), line, sizeof(line));
    CHECK(std::string(line) == "00:04.0 1b36:000d class 0c0330 (xhci)");
    CHECK(n == 37);
    Function unknown = xhci();
    unknown.class_code = 0xff;
    unknown.address = Address{0x1a, 0x1f, 7};
    describe(unknown, line, sizeof(line));
    CHECK(std::string(line) == "1a:1f.7 1b36:000d class ff0330");
}

TEST_CASE("pci text: /proc/pci's line, and truncation") {
    Bar bars[2] = {{BarKind::kMemory64, 0, false, 0xfebf0000, 0x4000},
                   {BarKind::kIo, 4, false, 0xc040, 0x20}};
    char line[200];
    size_t n = proc_line(xhci(), bars, 2, line, sizeof(line));
    std::string want =
        "00:04.0 1b36:000d class 0c0330 (xhci) rev 01 irq 11 bar0=mem64 0xfebf0000+0x4000 "
        "bar4=io 0xc040+0x20\n";
    CHECK(std::string(line) == want);
    CHECK(n == want.size());
    char small[16];
    CHECK(proc_line(xhci(), bars, 2, small, sizeof(small)) == want.size());
    CHECK(std::string(small) == want.substr(0, 15));
}
