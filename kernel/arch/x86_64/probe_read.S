// A kernel load that may fault on purpose: for tests that race the removal
// of a kernel mapping (kernel/debug/unmap_race_test.h). The range from
// arch_probe_read_begin to arch_probe_read_end (the load alone) is
// registered as a fault fixup (register_probe_read_fixup in probe_read.h),
// so a page fault or #GP on the load resumes at arch_probe_read_fault
// instead of panicking.
//
// uint64_t arch_probe_read_u64(const void* address, uint64_t* out)
//   returns 0 with *out = the 8 bytes at address, or the fault's vector
//   (nonzero) with *out untouched.
    .text
    .globl arch_probe_read_begin, arch_probe_read_end, arch_probe_read_fault
    .globl arch_probe_read_u64
    .type arch_probe_read_u64, @function
arch_probe_read_u64:
arch_probe_read_begin:
    movq (%rdi), %rcx
arch_probe_read_end:
    movq %rcx, (%rsi)
    xorl %eax, %eax
    ret
    .size arch_probe_read_u64, . - arch_probe_read_u64

// The fault handler resumes here with RAX = the vector; the stack is as it
// was at the load (a bare return address), so just return it.
arch_probe_read_fault:
    ret

    .section .note.GNU-stack,"",@progbits
