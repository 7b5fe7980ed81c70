/* The NyanOS ABI note (include/nyanos/abi/note.h): every program built with
 * the SDK carries it, so the kernel runs it with NyanOS's system calls rather
 * than as a Linux program. The build links this object into crt0.o (mk/user.mk),
 * which nyan-cc puts in every link; user/lib/user.ld keeps the section through
 * --gc-sections and gives it a PT_NOTE program header. */
#include <nyanos/abi/note.h>

    .section .note.nyanos, "a", @note
    .balign 4
    .long NYAN_ABI_NOTE_NAMESZ
    .long NYAN_ABI_NOTE_DESCSZ
    .long NYAN_ABI_NOTE_TYPE
    .asciz NYAN_ABI_NOTE_NAME   /* 7 bytes with the NUL */
    .balign 4
    .long NYAN_ABI_VERSION
    .balign 4

    .section .note.GNU-stack, "", @progbits
