#ifndef NYAN_STDLIB_H
#define NYAN_STDLIB_H
#include <stddef.h>
#include "_nyan_decls.h"

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

NYAN_BEGIN_DECLS
/* The heap grows with sbrk; memory is 16-byte aligned. malloc returns NULL
 * (errno ENOMEM) when the kernel refuses to grow the break. */
void* malloc(size_t size);
void free(void* ptr);
void* calloc(size_t count, size_t size);
void* realloc(void* ptr, size_t size);

/* Runs atexit handlers (last registered first), then ends the process. */
NYAN_NORETURN void exit(int status);
/* Ends the process at once, no handlers. */
NYAN_NORETURN void _exit(int status);
NYAN_NORETURN void abort(void);
int atexit(void (*fn)(void));

int atoi(const char* s);
long atol(const char* s);
long strtol(const char* s, char** end, int base);
unsigned long strtoul(const char* s, char** end, int base);
long long strtoll(const char* s, char** end, int base);
unsigned long long strtoull(const char* s, char** end, int base);
int abs(int x);
long labs(long x);
NYAN_END_DECLS

#endif
