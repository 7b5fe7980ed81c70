// Where a Linux-personality program's pieces go in its address space, as
// Linux 6.1 places them for a static executable on x86_64 (fs/binfmt_elf.c,
// arch/x86/mm/mmap.c), randomised unless the command line says
// `norandmaps`:
//
//   0x00007ffffffff000  top of the user half (TASK_SIZE)
//   stack_top           TASK_SIZE minus up to 16 GiB (22 random page bits)
//                       the stack grows down from here, up to RLIMIT_STACK
//   mmap_base           below the stack gap (RLIMIT_STACK + guard + the
//                       stack's random range, at least 128 MiB), minus up to
//                       2^28 random pages; mmap hands out addresses downwards
//   static-PIE          placed like any mmap: right below mmap_base (Linux
//                       6.1 maps an ET_DYN without interpreter at bias 0,
//                       which leaves the choice to mmap)
//   brk                 just above the image, plus up to 32 MiB at random;
//                       for a static-PIE, at 0x555555554000 (ELF_ET_DYN_BASE)
//                       plus that, out of the mmap area's way (Linux does
//                       this only when randomising; here always, so that the
//                       heap never starts at the mmap base)
//
// NyanOS programs keep their fixed layout (proc/user_layout.h).
#pragma once

#include <stdint.h>

namespace nyanos::proc {

inline constexpr uint64_t kLinuxTaskSize = 0x00007ffffffff000ull;
// mmap_min_addr: nothing is mapped below (null-pointer dereferences fault).
inline constexpr uint64_t kLinuxMinAddress = 0x10000;
// RLIMIT_STACK's default, and the room the stack may grow into.
inline constexpr uint64_t kLinuxStackLimit = 8ull << 20;
// ELF_ET_DYN_BASE: two thirds of the way up the user half, page aligned.
inline constexpr uint64_t kLinuxDynBase = (kLinuxTaskSize / 3 * 2) & ~0xfffull;
// The stack top moves down by up to this much (STACK_RND_MASK pages).
inline constexpr uint64_t kLinuxStackRandomRange = 0x3fffffull << 12;
// mmap_rnd_bits: the mmap base moves by up to 2^28 pages.
inline constexpr uint64_t kLinuxMmapRandomRange = (1ull << 28) << 12;
// arch_randomize_brk: the heap starts up to 32 MiB above the image.
inline constexpr uint64_t kLinuxBrkRandomRange = 0x02000000;
// stack_guard_gap: 256 pages kept free below a stack that grows down.
inline constexpr uint64_t kLinuxStackGuardGap = 256ull << 12;
// The argument area (strings and pointers) may take a quarter of
// RLIMIT_STACK, as Linux allows (ARG_MAX derived from the stack limit);
// one string at most MAX_ARG_STRLEN.
inline constexpr uint64_t kLinuxMaxArgBytes = kLinuxStackLimit / 4;
inline constexpr uint64_t kLinuxMaxArgString = 32 * 4096;
inline constexpr uint64_t kLinuxMaxArgs = 0x7fffffff;

struct LinuxLayout {
    uint64_t stack_top;    // page aligned; the initial stack is built below it
    uint64_t stack_shift;  // arch_align_stack: the first words go this far lower (< 8 KiB)
    uint64_t mmap_base;    // page aligned; mmap allocates below it
    uint64_t brk_shift;    // page aligned; added to the heap's start
    bool randomized;
};

// A number in [0, bound) (bound > 0), from the kernel's random source.
using RandomBelow = uint64_t (*)(uint64_t bound);

// Chooses the layout; with `randomize` false every random part is 0.
LinuxLayout choose_linux_layout(bool randomize, RandomBelow random_below);

// The bias that puts a static-PIE whose pages span [lowest_page,
// lowest_page + span) right below the mmap base (page aligned).
uint64_t linux_pie_bias(const LinuxLayout& layout, uint64_t lowest_page, uint64_t span);

// Where the heap (brk) starts for an image ending at `image_end` (page
// aligned, already biased).
uint64_t linux_brk_start(const LinuxLayout& layout, uint64_t image_end, bool position_independent);

}  // namespace nyanos::proc
