#ifndef NYAN_UNISTD_H
#define NYAN_UNISTD_H
#include <stddef.h>
#include <stdint.h>
#include "_nyan_decls.h"

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#define O_RDONLY 0

typedef long ssize_t;

NYAN_BEGIN_DECLS
ssize_t read(int fd, void* buf, size_t len);
ssize_t write(int fd, const void* buf, size_t len);
/* Opens a ramdisk file for reading (flags: O_RDONLY). */
int open(const char* path, int flags);
int close(int fd);
/* Moves the program break by INCREMENT bytes (may be negative); returns the
 * previous break, i.e. the start of newly added memory; (void*)-1 on error. */
void* sbrk(intptr_t increment);
int getpid(void);
/* Ends the process at once (no atexit handlers). */
NYAN_NORETURN void _exit(int status);
NYAN_END_DECLS

#endif
