# Flags shared by the pieces. Each mk/*.mk appends its outputs to ALL_TARGETS.
ALL_TARGETS :=

WARN := -Wall -Wextra -Werror

# Spectre v2: every indirect call and jump the compiler emits goes through
# the kernel's own thunks (kernel/arch/x86_64/retpoline.S), which the boot
# patches to plain jumps where no retpoline is needed. Returns stay plain
# (-mfunction-return=keep, the default): return thunks answer Retbleed,
# which this kernel does not claim to mitigate. clang spells these flags
# -mretpoline -mretpoline-external-thunk (mk/thread_safety.mk).
KERNEL_RETPOLINE := -mindirect-branch=thunk-extern -mindirect-branch-register

# The kernel never uses SSE (-mgeneral-regs-only), so nothing in it needs
# the ABI's 16-byte stack alignment: 8-byte alignment spares the padding
# (sub/add on RSP) in every function whose frame would otherwise need it,
# as Linux builds. Locals that ask for more alignment still get it (the
# compiler then aligns RSP in that function). clang spells it
# -mstack-alignment=8 (mk/thread_safety.mk).
KERNEL_STACK_ALIGN := -mpreferred-stack-boundary=3

# The kernel: freestanding C++20 in the top 2 GiB.
KERNEL_CXX      := g++
KERNEL_CXXFLAGS := -std=c++20 -O2 -g $(WARN) -ffreestanding -fno-exceptions -fno-rtti \
                   -mno-red-zone -mgeneral-regs-only -mcmodel=kernel -fno-pic -fno-pie \
                   -fno-stack-protector -fno-omit-frame-pointer -fno-threadsafe-statics \
                   -fno-asynchronous-unwind-tables -fno-use-cxa-atexit -nostdlib \
                   $(KERNEL_RETPOLINE) $(KERNEL_STACK_ALIGN) -Iinclude -Ikernel -MMD -MP

# The host: portable kernel logic under doctest, with ASan and UBSan.
HOST_CXX      := g++
HOST_CXXFLAGS := -std=c++20 -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer -DNYANOS_HOST -Iinclude -Ikernel -Itest/host -MMD -MP

# Portable kernel code: every .cpp under these folders builds for the kernel
# and for the host tests, except files named *.kernel.cpp (kernel only).
PORTABLE_DIRS := kernel/mm kernel/proc kernel/fs kernel/lib kernel/syscall kernel/usb
