/* exit/atexit, number parsing, abort, assert. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>

#define kMaxAtexit 32
static void (*g_atexit[kMaxAtexit])(void);
static int g_atexit_count;

int atexit(void (*fn)(void)) {
    if (g_atexit_count == kMaxAtexit) return -1;
    g_atexit[g_atexit_count++] = fn;
    return 0;
}

/* C++ destructors of globals arrive here (-fuse-cxa-atexit, the default). */
struct cxa_entry {
    void (*fn)(void*);
    void* arg;
};
static struct cxa_entry g_cxa[kMaxAtexit];
static int g_cxa_count;
void* __dso_handle;

int __cxa_atexit(void (*fn)(void*), void* arg, void* dso);
int __cxa_atexit(void (*fn)(void*), void* arg, void* dso) {
    (void)dso;
    if (g_cxa_count == kMaxAtexit) return -1;
    g_cxa[g_cxa_count].fn = fn;
    g_cxa[g_cxa_count].arg = arg;
    ++g_cxa_count;
    return 0;
}

void exit(int status) {
    while (g_cxa_count > 0) {
        --g_cxa_count;
        g_cxa[g_cxa_count].fn(g_cxa[g_cxa_count].arg);
    }
    while (g_atexit_count > 0) g_atexit[--g_atexit_count]();
    _exit(status);
}

void abort(void) {
    dprintf(2, "abort()\n");
    /* An invalid opcode: the kernel kills us with SIGILL, which a waiting
     * shell reports; exiting normally would hide the failure. */
    __builtin_trap();
}

void __nyan_assert_fail(const char* expr, const char* file, int line) {
    dprintf(2, "assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}

static int digit_value(int c) {
    if (isdigit(c)) return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

/* The shared parser: returns the magnitude, saturated at LIMIT (ERANGE). */
static unsigned long long parse_unsigned(const char* s, char** end, int base, int* negative,
                                         unsigned long long limit_pos,
                                         unsigned long long limit_neg) {
    const char* p = s;
    while (isspace((unsigned char)*p)) ++p;
    *negative = 0;
    if (*p == '+' || *p == '-') *negative = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        digit_value((unsigned char)p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    if (base < 2 || base > 36) {
        errno = EINVAL;
        if (end) *end = (char*)s;
        return 0;
    }
    unsigned long long limit = *negative ? limit_neg : limit_pos;
    unsigned long long v = 0;
    int any = 0, overflow = 0;
    for (;; ++p) {
        int d = digit_value((unsigned char)*p);
        if (d >= base) break;
        any = 1;
        if (v > (limit - (unsigned)d) / (unsigned)base)
            overflow = 1;
        else
            v = v * (unsigned)base + (unsigned)d;
    }
    if (end) *end = (char*)(any ? p : s);
    if (!any) return 0;
    if (overflow) {
        errno = ERANGE;
        return limit;
    }
    return v;
}

long long strtoll(const char* s, char** end, int base) {
    int neg;
    unsigned long long v =
        parse_unsigned(s, end, base, &neg, LLONG_MAX, (unsigned long long)LLONG_MAX + 1);
    return neg ? (long long)(0ull - v) : (long long)v;
}

unsigned long long strtoull(const char* s, char** end, int base) {
    int neg;
    unsigned long long v = parse_unsigned(s, end, base, &neg, ULLONG_MAX, ULLONG_MAX);
    return neg ? 0ull - v : v;
}

long strtol(const char* s, char** end, int base) { return (long)strtoll(s, end, base); }
unsigned long strtoul(const char* s, char** end, int base) {
    return (unsigned long)strtoull(s, end, base);
}
long atol(const char* s) { return strtol(s, NULL, 10); }
int atoi(const char* s) { return (int)strtol(s, NULL, 10); }
int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
