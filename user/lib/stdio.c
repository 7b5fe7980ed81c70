/* stdio on file descriptors: each call formats into a small stack buffer and
 * writes it out when full and at the end, so one printf is usually one
 * write system call and nothing stays buffered across calls. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

static FILE g_stdin = {0};
static FILE g_stdout = {1};
static FILE g_stderr = {2};
FILE* stdin = &g_stdin;
FILE* stdout = &g_stdout;
FILE* stderr = &g_stderr;

/* Writes all LEN bytes unless the kernel reports an error. */
static int write_all(int fd, const char* s, size_t len) {
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n <= 0) return -1;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

struct fd_ctx {
    int fd;
    size_t used;
    int failed;
    char buf[128];
};

static void fd_flush(struct fd_ctx* c) {
    if (c->used && write_all(c->fd, c->buf, c->used) < 0) c->failed = 1;
    c->used = 0;
}

static void fd_emit(void* ctx, const char* s, size_t n) {
    struct fd_ctx* c = (struct fd_ctx*)ctx;
    while (n) {
        if (c->used == sizeof c->buf) fd_flush(c);
        size_t k = sizeof c->buf - c->used;
        if (k > n) k = n;
        memcpy(c->buf + c->used, s, k);
        c->used += k;
        s += k;
        n -= k;
    }
}

int vdprintf(int fd, const char* fmt, va_list ap) {
    struct fd_ctx c;
    c.fd = fd;
    c.used = 0;
    c.failed = 0;
    int n = nyan_vformat(fd_emit, &c, fmt, ap);
    fd_flush(&c);
    return c.failed ? -1 : n;
}

int dprintf(int fd, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

int vfprintf(FILE* f, const char* fmt, va_list ap) { return vdprintf(f->fd, fmt, ap); }

int fprintf(FILE* f, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(f->fd, fmt, ap);
    va_end(ap);
    return n;
}

int vprintf(const char* fmt, va_list ap) { return vdprintf(1, fmt, ap); }

int printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(1, fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
    return nyan_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char* buf, size_t size, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = nyan_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int sprintf(char* buf, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = nyan_vsnprintf(buf, (size_t)-1 / 2, fmt, ap);
    va_end(ap);
    return n;
}

int fputs(const char* s, FILE* f) { return write_all(f->fd, s, strlen(s)) < 0 ? EOF : 0; }

int puts(const char* s) {
    if (fputs(s, stdout) == EOF) return EOF;
    return putchar('\n') == EOF ? EOF : 0;
}

int fputc(int c, FILE* f) {
    char ch = (char)c;
    return write_all(f->fd, &ch, 1) < 0 ? EOF : (unsigned char)ch;
}

int putc(int c, FILE* f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

int getchar(void) {
    unsigned char c;
    return read(0, &c, 1) == 1 ? c : EOF;
}

void perror(const char* msg) {
    int err = errno;
    if (msg && *msg)
        dprintf(2, "%s: %s\n", msg, strerror(err));
    else
        dprintf(2, "%s\n", strerror(err));
}
