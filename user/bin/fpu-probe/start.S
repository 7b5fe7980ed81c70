/* fpu-probe's own entry: records the FPU/SSE state the kernel started the
 * process with (fxsave64: x87, MXCSR and XMM0-15) before any instruction can
 * change it, then goes on to the SDK's usual start with RSP untouched. */
    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    fxsave64 fpu_probe_entry_state(%rip)
    jmp __nyan_crt0_start
    .size _start, . - _start

    .bss
    .balign 16
    .globl fpu_probe_entry_state
fpu_probe_entry_state:
    .zero 512

    .section .note.GNU-stack, "", @progbits
