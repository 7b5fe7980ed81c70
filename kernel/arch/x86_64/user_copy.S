// Copies between kernel and user memory that may fault: the range from
// arch_user_copy_begin to arch_user_copy_end is registered as a fault fixup,
// so a page fault or #GP inside it resumes at arch_user_copy_fault instead
// of panicking. The caller validates the range (user half, no wrap) and
// brackets the call with stac/clac (SMAP).
//
// uint64_t arch_user_copy(void* dst, const void* src, size_t n)
//   returns 0, or the fault's vector (nonzero) if it faulted.
// uint64_t arch_user_strnlen(const char* user, size_t max, size_t* out_len)
//   returns 0 with *out_len = length (max if no NUL within max), or a vector.
// uint64_t arch_user_cmpxchg32(uint32_t* user, uint32_t expected,
//                              uint32_t desired, uint32_t* observed)
//   one locked compare-and-exchange of a user word: *observed = the word's
//   value before (equal to `expected` if it was replaced); 0 or a vector.
    .text
    .globl arch_user_copy_begin, arch_user_copy_end, arch_user_copy_fault
    .globl arch_user_copy, arch_user_strnlen, arch_user_cmpxchg32
arch_user_copy_begin:
    .type arch_user_copy, @function
arch_user_copy:
    movq %rdx, %rcx
    rep movsb
    xorl %eax, %eax
    ret
    .size arch_user_copy, . - arch_user_copy

    .type arch_user_strnlen, @function
arch_user_strnlen:
    xorl %ecx, %ecx
1:  cmpq %rsi, %rcx
    je 2f
    cmpb $0, (%rdi,%rcx)
    je 2f
    incq %rcx
    jmp 1b
2:  movq %rcx, (%rdx)
    xorl %eax, %eax
    ret
    .size arch_user_strnlen, . - arch_user_strnlen

    .type arch_user_cmpxchg32, @function
arch_user_cmpxchg32:
    movl %esi, %eax
    lock cmpxchgl %edx, (%rdi)
    movl %eax, (%rcx)
    xorl %eax, %eax
    ret
    .size arch_user_cmpxchg32, . - arch_user_cmpxchg32
arch_user_copy_end:

// The fault handler resumes here with RAX = the vector; the stack is as it
// was inside the routine (a bare return address), so just return it.
arch_user_copy_fault:
    ret

    .section .note.GNU-stack,"",@progbits
