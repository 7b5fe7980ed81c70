// /proc's system-wide texts against Linux 6.1's layouts (the columns and
// field names programs parse), and the TextBuilder's overflow rule.
#include <doctest/doctest.h>

#include <string.h>

#include <string>

#include "fs/proc_text.h"

using namespace nyanos::fs::proc_text;

namespace {

struct Text {
    char buffer[8192];
    TextBuilder out{buffer, sizeof(buffer)};
    std::string str() const { return std::string(out.text(), out.length()); }
};

// A fake CPU: QEMU's "max" model on an Intel host, as CPUID reports it.
void fake_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
    (void)subleaf;
    memset(regs, 0, 16);
    switch (leaf) {
        case 0:
            regs[0] = 0xd;
            memcpy(&regs[1], "Genu", 4);
            memcpy(&regs[3], "ineI", 4);
            memcpy(&regs[2], "ntel", 4);
            break;
        case 1:
            regs[0] = 0x000506e3;                          // family 6, model 0x5e, stepping 3
            regs[1] = 8 << 8;                              // clflush: 8 quadwords
            regs[2] = (1u << 0) | (1u << 9) | (1u << 28);  // pni ssse3 avx
            regs[3] = (1u << 0) | (1u << 4) | (1u << 25) | (1u << 26);  // fpu tsc sse sse2
            break;
        case 7:
            regs[1] = (1u << 5) | (1u << 7);  // avx2 smep
            break;
        case 0x80000000:
            regs[0] = 0x80000008;
            break;
        case 0x80000001:
            regs[3] = (1u << 11) | (1u << 29);  // syscall lm
            break;
        case 0x80000002:
            memcpy(regs, "  QEMU Virtual C", 16);
            break;
        case 0x80000003:
            memcpy(regs, "PU version 2.5+\0", 16);
            break;
        case 0x80000004:
            break;
        case 0x80000008:
            regs[0] = 0x3028;  // 40 bits physical, 48 virtual
            break;
    }
}

}  // namespace

TEST_CASE("proc text: meminfo lines are Linux's: name and colon in 16 columns, value in 8") {
    Text t;
    MemoryFigures m;
    m.total_kb = 498'532;
    m.free_kb = 470'100;
    m.available_kb = 470'100;
    m.user_kb = 1'024;
    m.kernel_stack_kb = 64;
    m.page_tables_kb = 40;
    m.heap_kb = 2'048;
    meminfo(m, t.out);
    std::string s = t.str();
    CHECK(s.rfind("MemTotal:         498532 kB\nMemFree:          470100 kB\n"
                  "MemAvailable:     470100 kB\n",
                  0) == 0);
    CHECK(s.find("\nSwapTotal:             0 kB\n") != std::string::npos);
    CHECK(s.find("\nAnonPages:          1024 kB\n") != std::string::npos);
    CHECK(s.find("\nKernelStack:          64 kB\n") != std::string::npos);
    CHECK(s.find("\nPageTables:           40 kB\n") != std::string::npos);
    CHECK(s.find("\nSlab:               2048 kB\n") != std::string::npos);
    CHECK(s.back() == '\n');
}

TEST_CASE("proc text: uptime and loadavg") {
    Text up;
    uptime(12'345'678'901, 20'009'000'000, up.out);
    CHECK(up.str() == "12.34 20.00\n");

    Text load;
    // 0.5, 1.0 and 0.0 in 11-bit fixed point; Linux rounds to the hundredth.
    const uint64_t averages[3] = {1024, 2048, 0};
    loadavg(averages, 11, 2, 17, 4321, load.out);
    CHECK(load.str() == "0.50 1.00 0.00 2/17 4321\n");
    Text tiny;
    const uint64_t almost[3] = {20, 2047, 10};  // 0.0098 rounds up, 0.9995 to 1.00, 0.0049 down
    loadavg(almost, 11, 1, 1, 1, tiny.out);
    CHECK(tiny.str() == "0.01 1.00 0.00 1/1 1\n");
}

TEST_CASE("proc text: stat has a total cpu line, one per CPU, and the counts") {
    Text t;
    const CpuTimes cpus[2] = {{0, 10, 20, 300}, {1, 1, 2, 400}};
    SystemCounts counts;
    counts.boot_time = 1'764'460'800;
    counts.processes = 57;
    counts.running = 1;
    stat(cpus, 2, counts, t.out);
    CHECK(t.str() ==
          "cpu  11 0 22 700 0 0 0 0 0 0\n"
          "cpu0 10 0 20 300 0 0 0 0 0 0\n"
          "cpu1 1 0 2 400 0 0 0 0 0 0\n"
          "btime 1764460800\nprocesses 57\nprocs_running 1\nprocs_blocked 0\n");
}

TEST_CASE("proc text: cpuinfo decodes CPUID as Linux prints it") {
    CpuIdentity cpu;
    identify_cpu(fake_cpuid, cpu);
    CHECK(std::string(cpu.vendor) == "GenuineIntel");
    CHECK(std::string(cpu.model_name) == "QEMU Virtual CPU version 2.5+");
    CHECK(cpu.family == 6);
    CHECK(cpu.model == 0x5e);
    CHECK(cpu.stepping == 3);
    CHECK(cpu.clflush_bytes == 64);
    CHECK(cpu.physical_bits == 40);
    CHECK(cpu.virtual_bits == 48);
    Text t;
    const uint32_t indexes[2] = {0, 1};
    cpuinfo(cpu, indexes, 2, t.out);
    std::string s = t.str();
    CHECK(s.rfind("processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 94\n"
                  "model name\t: QEMU Virtual CPU version 2.5+\nstepping\t: 3\n",
                  0) == 0);
    CHECK(s.find("\nflags\t\t: fpu tsc sse sse2 syscall lm pni ssse3 avx avx2 smep\n") !=
          std::string::npos);
    CHECK(s.find("\nprocessor\t: 1\n") != std::string::npos);
    CHECK(s.find("address sizes\t: 40 bits physical, 48 bits virtual\npower management:\n\n") !=
          std::string::npos);
    CHECK(s.substr(s.size() - 2) == "\n\n");  // blocks end with an empty line
}

TEST_CASE("proc text: version and mounts") {
    Text v;
    version("6.1.0-nyanos", "#1 SMP NyanOS", v.out);
    CHECK(v.str() == "Linux version 6.1.0-nyanos (nyanos@nyanos) (g++) #1 SMP NyanOS\n");
    Text m;
    mounts(m.out);
    CHECK(m.str().rfind("rootfs / rootfs ro 0 0\n", 0) == 0);
    CHECK(m.str().find("\nproc /proc proc rw 0 0\n") != std::string::npos);
}

TEST_CASE("proc text: a text that does not fit is an overflow, never a silent truncation") {
    char small[16];
    TextBuilder out(small, sizeof(small));
    out.append("%s", "0123456789");
    CHECK(!out.overflowed());
    CHECK(out.length() == 10);
    out.append("%s", "abcdef");  // 16 bytes and the NUL: one too many
    CHECK(out.overflowed());
    CHECK(out.length() == 10);
    out.append("x");  // stays overflowed
    CHECK(out.overflowed());
}
