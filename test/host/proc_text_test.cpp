// /proc's system-wide texts against Linux 6.1's layouts (the columns and
// field names programs parse), and the TextBuilder's overflow rule.
#include <doctest/doctest.h>

#include <string.h>

#include <string>
#include <vector>

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
    counts.interrupts = 1500;
    const uint64_t irqs[4] = {0, 7, 0, 3};
    counts.irq_counts = irqs;
    counts.irq_numbers = 4;
    counts.context_switches = 98765;
    stat(cpus, 2, counts, t.out);
    // Linux 6.1's order: intr (the total, then one per number), ctxt,
    // btime, processes, procs_running, procs_blocked, softirq.
    CHECK(t.str() ==
          "cpu  11 0 22 700 0 0 0 0 0 0\n"
          "cpu0 10 0 20 300 0 0 0 0 0 0\n"
          "cpu1 1 0 2 400 0 0 0 0 0 0\n"
          "intr 1500 0 7 0 3\nctxt 98765\n"
          "btime 1764460800\nprocesses 57\nprocs_running 1\nprocs_blocked 0\n"
          "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
    Text no_numbers;
    counts.irq_counts = nullptr;
    counts.irq_numbers = 2;
    stat(cpus, 0, counts, no_numbers.out);
    CHECK(no_numbers.str().find("\nintr 1500 0 0\nctxt ") != std::string::npos);
}

TEST_CASE("proc text: interrupts has Linux's columns: CPU header, counts per CPU, LOC and ERR") {
    Text t;
    const uint32_t cpus[2] = {0, 1};
    interrupts_header(cpus, 2, t.out);
    // A vector aimed at CPU 1 counts in CPU 1's column only.
    interrupt_line(cpus, 2, InterruptLine{64, 0, 17, "xhci"}, t.out);
    interrupt_line(cpus, 2, InterruptLine{200, 1, 4294967296ul, "other"}, t.out);
    const uint64_t ticks[2] = {1234, 5};
    interrupts_footer(ticks, 2, 3, t.out);
    CHECK(t.str() ==
          "           CPU0       CPU1       \n"
          " 64:         17          0  MSI-edge  xhci\n"
          "200:          0 4294967296  MSI-edge  other\n"
          "LOC:       1234          5   Local timer interrupts\n"
          "ERR:          3\n");
    // With no device vector: the header, LOC and ERR alone.
    Text empty;
    const uint32_t one[1] = {0};
    interrupts_header(one, 1, empty.out);
    const uint64_t tick[1] = {9};
    interrupts_footer(tick, 1, 0, empty.out);
    CHECK(empty.str() ==
          "           CPU0       \n"
          "LOC:          9   Local timer interrupts\n"
          "ERR:          0\n");
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
    CHECK(s.substr(s.size() - 2) == "\n\n");        // blocks end with an empty line
    CHECK(s.find("cpu MHz") == std::string::npos);  // the TSC's frequency unknown
    CHECK(s.find("bogomips") == std::string::npos);

    // With the TSC's frequency: Linux's "cpu MHz" (three decimals, after
    // stepping) and "bogomips" (two, after flags).
    cpu.tsc_khz = 2495312;
    Text with_tsc;
    cpuinfo(cpu, indexes, 1, with_tsc.out);
    s = with_tsc.str();
    CHECK(s.find("\nstepping\t: 3\ncpu MHz\t\t: 2495.312\nfpu\t\t: yes\n") != std::string::npos);
    CHECK(s.find(" smep\nbogomips\t: 4990.62\nclflush size\t: 64\n") != std::string::npos);
    cpu.tsc_khz = 3000005;
    Text round;
    cpuinfo(cpu, indexes, 1, round.out);
    CHECK(round.str().find("cpu MHz\t\t: 3000.005\n") != std::string::npos);
    CHECK(round.str().find("bogomips\t: 6000.01\n") != std::string::npos);
}

TEST_CASE("proc text: a process's stat has Linux's 52 fields, status and comm its lines") {
    ProcessFigures p;
    p.pid = 42;
    p.ppid = 1;
    p.pgid = 42;
    p.sid = 1;
    p.state = 'S';
    strcpy(p.name, "a name (with) spaces");
    p.umask = 022;
    p.uid[1] = 1000;
    p.gid[3] = 7;
    p.utime = 12;
    p.stime = 3;
    p.cutime = 4;
    p.cstime = 5;
    p.threads = 2;
    p.start_time = 700;
    p.virtual_bytes = 3 << 20;
    p.resident_pages = 100;
    p.start_brk = 0x600000;
    p.arg_start = 0x7ffd000;
    p.arg_end = 0x7ffd020;
    p.exit_signal = 17;
    Text stat;
    process_stat(p, stat.out);
    std::string s = stat.str();
    REQUIRE(s.back() == '\n');
    // The name is taken between the first '(' and the last ')', as readers do.
    CHECK(s.rfind("42 (a name (with) spaces) S 1 42 1 0 -1 ", 0) == 0);
    std::string rest = s.substr(s.rfind(')') + 2);
    std::vector<std::string> fields;
    size_t at = 0;
    while (at < rest.size() - 1) {
        size_t space = rest.find_first_of(" \n", at);
        fields.push_back(rest.substr(at, space - at));
        at = space + 1;
    }
    REQUIRE(fields.size() == 50);                               // fields 3..52
    auto field = [&](int n) { return fields[size_t(n - 3)]; };  // man 5 proc numbering
    CHECK(field(7) == "0");                                     // tty_nr: none
    CHECK(field(8) == "-1");                                    // tpgid: none
    CHECK(field(14) == "12");                                   // utime
    CHECK(field(15) == "3");                                    // stime
    CHECK(field(16) == "4");                                    // cutime
    CHECK(field(17) == "5");                                    // cstime
    CHECK(field(18) == "20");                                   // priority
    CHECK(field(19) == "0");                                    // nice
    CHECK(field(20) == "2");                                    // num_threads
    CHECK(field(22) == "700");                                  // starttime
    CHECK(field(23) == std::to_string(3 << 20));                // vsize
    CHECK(field(24) == "100");                                  // rss
    CHECK(field(25) == "18446744073709551615");                 // rsslim: unlimited
    CHECK(field(38) == "17");                                   // exit_signal
    CHECK(field(47) == std::to_string(0x600000));               // start_brk
    CHECK(field(48) == std::to_string(0x7ffd000));              // arg_start
    CHECK(field(49) == std::to_string(0x7ffd020));              // arg_end
    CHECK(field(52) == "0");                                    // exit_code

    // With a controlling terminal (ttyS0, 4:64): Linux's encoding of its
    // number, and its foreground group.
    p.tty_nr = (4 << 8) | 64;
    p.tpgid = 77;
    Text with_tty;
    process_stat(p, with_tty.out);
    CHECK(with_tty.str().rfind("42 (a name (with) spaces) S 1 42 1 1088 77 ", 0) == 0);

    Text status;
    p.sig_pending = 1ull << (10 - 1);                        // SIGUSR1 at the thread
    p.sig_shared_pending = 1ull << (15 - 1);                 // SIGTERM at the process
    p.sig_blocked = (1ull << (2 - 1)) | (1ull << (64 - 1));  // SIGINT, SIGRTMAX
    p.sig_ignored = 1ull << (13 - 1);                        // SIGPIPE
    p.sig_caught = 1ull << (17 - 1);                         // SIGCHLD
    p.sig_queued = 2;
    p.sig_queue_limit = 31415;
    p.fd_slots = 64;
    const uint32_t groups[] = {4, 24, 27};
    p.groups = groups;
    p.group_count = 3;
    p.cpus_allowed = 0x3;
    p.cpu_ids = 2;
    p.voluntary_switches = 5;
    p.has_memory = true;
    p.anon_pages = 60;
    p.file_pages = 40;
    p.text_bytes = 0x3000;
    p.lib_bytes = 0;
    p.data_bytes = 0x22000;
    p.stack_bytes = 0x21000;
    p.page_table_bytes = 0x5000;
    process_status(p, status.out);
    // Linux 6.1's proc_pid_status, less the capability, seccomp,
    // speculation and memory-node lines.
    CHECK(status.str() ==
          "Name:\ta name (with) spaces\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nNgid:\t0\n"
          "Pid:\t42\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t1000\t0\t0\nGid:\t0\t0\t0\t7\n"
          "FDSize:\t64\nGroups:\t4 24 27 \nNStgid:\t42\nNSpid:\t42\nNSpgid:\t42\nNSsid:\t1\n"
          "VmPeak:\t    3072 kB\nVmSize:\t    3072 kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n"
          "VmHWM:\t     400 kB\nVmRSS:\t     400 kB\nRssAnon:\t     240 kB\n"
          "RssFile:\t     160 kB\nRssShmem:\t       0 kB\nVmData:\t     136 kB\n"
          "VmStk:\t     132 kB\nVmExe:\t      12 kB\nVmLib:\t       0 kB\nVmPTE:\t      20 kB\n"
          "VmSwap:\t       0 kB\nHugetlbPages:\t       0 kB\nCoreDumping:\t0\nTHP_enabled:\t0\n"
          "Threads:\t2\nSigQ:\t2/31415\n"
          "SigPnd:\t0000000000000200\nShdPnd:\t0000000000004000\nSigBlk:\t8000000000000002\n"
          "SigIgn:\t0000000000001000\nSigCgt:\t0000000000010000\n"
          "Cpus_allowed:\t3\nCpus_allowed_list:\t0-1\n"
          "voluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t0\n");
    Text statm;
    process_statm(p, statm.out);
    // size resident shared text lib data dt: 768 pages mapped, 100
    // resident of which 40 file pages, 3 of text, 0x43 of data and stack.
    CHECK(statm.str() == "768 100 40 3 0 67 0\n");
    Text comm;
    process_comm(p, comm.out);
    CHECK(comm.str() == "a name (with) s\n");  // 15 bytes, as Linux's
    p.state = 'Z';
    Text zombie;
    p.has_memory = false;
    p.group_count = 0;
    process_status(p, zombie.out);
    CHECK(zombie.str().find("State:\tZ (zombie)\n") != std::string::npos);
    // No memory: no Vm lines, and statm all zeros; no groups: a lone space.
    CHECK(zombie.str().find("Vm") == std::string::npos);
    CHECK(zombie.str().find("Groups:\t \n") != std::string::npos);
    Text zombie_statm;
    process_statm(p, zombie_statm.out);
    CHECK(zombie_statm.str() == "0 0 0 0 0 0 0\n");
}

TEST_CASE("proc text: FDSize grows as Linux's descriptor table does") {
    CHECK(linux_fd_size(0) == 64);
    CHECK(linux_fd_size(11) == 64);
    CHECK(linux_fd_size(64) == 64);
    CHECK(linux_fd_size(65) == 128);  // fd 64 opened
    CHECK(linux_fd_size(129) == 256);
    CHECK(linux_fd_size(256) == 256);  // bash's fd 255
    CHECK(linux_fd_size(257) == 512);
    CHECK(linux_fd_size(1024 * 1024) == 1024 * 1024);
}

TEST_CASE("proc text: CPU masks as Linux's %*pb and %*pbl") {
    auto hex = [](uint64_t mask, uint32_t bits) {
        Text t;
        cpu_mask_hex(mask, bits, t.out);
        return t.str();
    };
    auto list = [](uint64_t mask, uint32_t bits) {
        Text t;
        cpu_mask_list(mask, bits, t.out);
        return t.str();
    };
    CHECK(hex(1, 1) == "1");
    CHECK(hex(0xff, 8) == "ff");
    CHECK(hex(0x5, 12) == "005");
    CHECK(hex(~0ull, 4) == "f");  // bits past the width are not shown
    CHECK(hex(0x1'0000'0001ull, 33) == "1,00000001");
    CHECK(hex(~0ull, 64) == "ffffffff,ffffffff");
    CHECK(list(0x3, 2) == "0-1");
    CHECK(list(0x4d, 8) == "0,2-3,6");
    CHECK(list(1ull << 63, 64) == "63");
    CHECK(list(0, 4) == "");
}

TEST_CASE("proc text: maps lines pad the header to 73 columns before a name, as Linux's") {
    Text t;
    MapLine program;
    program.start = 0x400000;
    program.end = 0x401000;
    program.prot = 1 | 4;
    program.major = 0;
    program.minor = 1;
    program.inode = 1835019;
    program.name = "/bin/busybox";
    map_line(program, t.out);
    MapLine anonymous;
    anonymous.start = 0x7f0e9c021000;
    anonymous.end = 0x7f0e9c024000;
    anonymous.prot = 1 | 2;
    map_line(anonymous, t.out);
    MapLine stack;
    stack.start = 0x7ffd5a1c3000;
    stack.end = 0x7ffd5a1e4000;
    stack.prot = 3;
    stack.shared = true;
    stack.offset = 0x2000;
    stack.name = "[stack]";
    map_line(stack, t.out);
    std::string s = t.str();
    CHECK(s == "00400000-00401000 r-xp 00000000 00:01 1835019" + std::string(73 - 45, ' ') +
                   " /bin/busybox\n"
                   "7f0e9c021000-7f0e9c024000 rw-p 00000000 00:00 0 \n"
                   "7ffd5a1c3000-7ffd5a1e4000 rw-s 00002000 00:00 0" +
                   std::string(73 - 47, ' ') + " [stack]\n");
}

TEST_CASE("proc text: version and mounts") {
    Text v;
    version("6.1.0-nyanos", "#1 SMP NyanOS", v.out);
    CHECK(v.str() == "Linux version 6.1.0-nyanos (nyanos@nyanos) (g++) #1 SMP NyanOS\n");
    Text m;
    mounts(m.out);
    CHECK(m.str().rfind("rootfs / rootfs rw 0 0\n", 0) == 0);
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

TEST_CASE("proc text: filesystems and /proc/sys values as Linux prints them") {
    Text fs;
    filesystems(fs.out);
    // "nodev", a tab, the name: what the kernel has, in Linux's order.
    CHECK(fs.str() == "nodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\n");
    Text values;
    sys_string("Linux", values.out);
    sys_number(4194305, values.out);
    sys_number(-1, values.out);
    CHECK(values.str() == "Linux\n4194305\n-1\n");
}

TEST_CASE("proc text: limits is Linux's table, mountinfo Linux's mount lines") {
    LimitPair l[kLimitCount];
    l[3] = LimitPair{8 << 20, ~0ull};  // RLIMIT_STACK: 8 MiB soft
    l[7] = LimitPair{1024, 4096};      // RLIMIT_NOFILE
    l[13] = LimitPair{0, 0};           // RLIMIT_NICE: no unit
    Text t;
    limits(l, t.out);
    std::vector<std::string> lines;
    std::string s = t.str();
    for (size_t at = 0; at < s.size();) {
        size_t end = s.find('\n', at);
        REQUIRE(end != std::string::npos);
        lines.push_back(s.substr(at, end - at));
        at = end + 1;
    }
    REQUIRE(lines.size() == 17);
    auto pad = [](std::string text, size_t width) {
        return text + std::string(text.size() < width ? width - text.size() : 0, ' ');
    };
    CHECK(lines[0] == pad("Limit", 25) + " " + pad("Soft Limit", 20) + " " + pad("Hard Limit", 20) +
                          " " + pad("Units", 10));
    CHECK(lines[1] == pad("Max cpu time", 25) + " " + pad("unlimited", 20) + " " +
                          pad("unlimited", 20) + " " + pad("seconds", 10));
    CHECK(lines[4] == pad("Max stack size", 25) + " " + pad("8388608", 20) + " " +
                          pad("unlimited", 20) + " " + pad("bytes", 10));
    CHECK(lines[8] == pad("Max open files", 25) + " " + pad("1024", 20) + " " + pad("4096", 20) +
                          " " + pad("files", 10));
    CHECK(lines[14] ==
          pad("Max nice priority", 25) + " " + pad("0", 20) + " " + pad("0", 20) + " ");
    CHECK(lines[16] == pad("Max realtime timeout", 25) + " " + pad("unlimited", 20) + " " +
                           pad("unlimited", 20) + " " + pad("us", 10));

    MountDevices devices;
    devices.root[1] = 1;
    devices.dev[1] = 5;
    devices.proc[1] = 4;
    Text info;
    mountinfo(devices, info.out);
    CHECK(info.str() ==
          "1 1 0:1 / / rw - rootfs rootfs rw\n"
          "2 1 0:5 / /dev rw - devtmpfs devtmpfs rw\n"
          "3 1 0:4 / /proc rw - proc proc rw\n");
    Text m;
    mounts(m.out);
    CHECK(m.str() ==
          "rootfs / rootfs rw 0 0\ndevtmpfs /dev devtmpfs rw 0 0\nproc /proc proc rw 0 0\n");
}
