// The Linux x86_64 structures the system-information calls write
// (<linux/utsname.h>, <linux/sysinfo.h>, <linux/resource.h>) and the
// values NyanOS reports in them.
#pragma once

#include <stdint.h>

namespace nyanos::sys::linux_abi {

inline constexpr unsigned kUtsLength = 65;  // __NEW_UTS_LEN + 1

struct Utsname {  // struct new_utsname
    char sysname[kUtsLength];
    char nodename[kUtsLength];
    char release[kUtsLength];
    char version[kUtsLength];
    char machine[kUtsLength];
    char domainname[kUtsLength];
};
static_assert(sizeof(Utsname) == 390);

// What uname() says. The release is a Linux 6.1 version string: C
// libraries compare it with the oldest kernel they support (glibc: 3.2).
inline constexpr Utsname kUtsname = {"Linux",         "nyanos", "6.1.0-nyanos",
                                     "#1 SMP NyanOS", "x86_64", "(none)"};

struct Sysinfo {
    int64_t uptime;     // seconds since boot, rounded up
    uint64_t loads[3];  // 1, 5, 15 minutes, in 1/65536
    uint64_t totalram;  // in mem_unit
    uint64_t freeram;
    uint64_t sharedram;
    uint64_t bufferram;
    uint64_t totalswap;
    uint64_t freeswap;
    uint16_t procs;  // threads in the system
    uint16_t pad;
    uint64_t totalhigh;
    uint64_t freehigh;
    uint32_t mem_unit;
    // Then 20 - 2 * sizeof(long) - sizeof(int) bytes of padding: none on
    // x86_64, but for the alignment.
};
static_assert(sizeof(Sysinfo) == 112);
inline constexpr unsigned kSysinfoLoadShift = 16;  // SI_LOAD_SHIFT

struct Rlimit64 {  // struct rlimit64; struct rlimit is the same on x86_64
    uint64_t rlim_cur;
    uint64_t rlim_max;
};

// The kernel's cpumask in bytes (NyanOS runs on at most 64 CPUs): what
// sched_getaffinity writes and returns.
inline constexpr uint32_t kCpumaskBytes = 8;

}  // namespace nyanos::sys::linux_abi
