/* A small stdio: formatted output straight to file descriptors, no
 * buffering (each call writes its output with one or a few write calls). */
#ifndef NYAN_STDIO_H
#define NYAN_STDIO_H
#include <stdarg.h>
#include <stddef.h>
#include "_nyan_decls.h"

#define EOF (-1)

NYAN_BEGIN_DECLS
typedef struct nyan_file {
    int fd;
} FILE;
extern FILE* stdin;
extern FILE* stdout;
extern FILE* stderr;

/* printf conversions: d i u x X o c s p %, flags - 0 + space #, width and
 * precision (also *), length modifiers hh h l ll z j t. No floating point. */
int printf(const char* fmt, ...) NYAN_PRINTF(1, 2);
int vprintf(const char* fmt, va_list ap) NYAN_PRINTF(1, 0);
int fprintf(FILE* f, const char* fmt, ...) NYAN_PRINTF(2, 3);
int vfprintf(FILE* f, const char* fmt, va_list ap) NYAN_PRINTF(2, 0);
int dprintf(int fd, const char* fmt, ...) NYAN_PRINTF(2, 3);
int vdprintf(int fd, const char* fmt, va_list ap) NYAN_PRINTF(2, 0);
int sprintf(char* buf, const char* fmt, ...) NYAN_PRINTF(2, 3);
int snprintf(char* buf, size_t size, const char* fmt, ...) NYAN_PRINTF(3, 4);
int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) NYAN_PRINTF(3, 0);
int puts(const char* s);
int fputs(const char* s, FILE* f);
int putchar(int c);
int fputc(int c, FILE* f);
int putc(int c, FILE* f);
/* Reads one byte from fd 0 (blocking); EOF on end of input or error. */
int getchar(void);
/* Prints "msg: strerror(errno)" to stderr. */
void perror(const char* msg);
NYAN_END_DECLS

#endif
