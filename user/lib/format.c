/* The printf formatter. Kept free of library calls and system calls: the host
 * test (test/host/user_printf_test.cpp) compiles this file as C++ and checks it
 * against the host's snprintf. */
#include "format.h"

enum {
    kFlagLeft = 1,   /* '-' */
    kFlagZero = 2,   /* '0' */
    kFlagPlus = 4,   /* '+' */
    kFlagSpace = 8,  /* ' ' */
    kFlagAlt = 16,   /* '#' */
};

struct spec {
    int flags;
    int width;     /* 0 when absent */
    int precision; /* -1 when absent */
};

static void pad(nyan_emit_fn emit, void* ctx, char c, int n) {
    char chunk[16];
    for (int i = 0; i < 16; ++i) chunk[i] = c;
    while (n > 0) {
        int k = n < 16 ? n : 16;
        emit(ctx, chunk, (size_t)k);
        n -= k;
    }
}

static size_t cstrlen(const char* s, int max) {
    size_t n = 0;
    while ((max < 0 || n < (size_t)max) && s[n]) ++n;
    return n;
}

/* Emits BODY (LEN bytes) padded to the spec's width with spaces. */
static int emit_padded(nyan_emit_fn emit, void* ctx, const struct spec* sp, const char* body,
                       size_t len) {
    int padding = sp->width > (int)len ? sp->width - (int)len : 0;
    if (!(sp->flags & kFlagLeft)) pad(emit, ctx, ' ', padding);
    emit(ctx, body, len);
    if (sp->flags & kFlagLeft) pad(emit, ctx, ' ', padding);
    return (int)len + padding;
}

/* Formats one integer: MAGNITUDE in BASE, NEGATIVE for signed values below 0. */
static int emit_integer(nyan_emit_fn emit, void* ctx, const struct spec* sp,
                        unsigned long long magnitude, int negative, int is_signed, int base,
                        int upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24]; /* 2^64 in octal has 22 digits */
    int n = 0;
    for (unsigned long long v = magnitude; v; v /= (unsigned)base) buf[n++] = digits[v % base];
    /* Precision is the minimum number of digits; the default is 1, and an
     * explicit 0 prints nothing for the value 0. */
    int min_digits = sp->precision >= 0 ? sp->precision : 1;
    if (base == 8 && (sp->flags & kFlagAlt) && min_digits <= n) min_digits = n + 1;

    char prefix[3];
    int plen = 0;
    if (is_signed) {
        if (negative)
            prefix[plen++] = '-';
        else if (sp->flags & kFlagPlus)
            prefix[plen++] = '+';
        else if (sp->flags & kFlagSpace)
            prefix[plen++] = ' ';
    }
    if (base == 16 && (sp->flags & kFlagAlt) && magnitude) {
        prefix[plen++] = '0';
        prefix[plen++] = upper ? 'X' : 'x';
    }

    int zeros = min_digits > n ? min_digits - n : 0;
    int body = plen + zeros + n;
    int padding = sp->width > body ? sp->width - body : 0;
    if ((sp->flags & kFlagZero) && !(sp->flags & kFlagLeft) && sp->precision < 0) {
        zeros += padding;
        padding = 0;
    }
    if (!(sp->flags & kFlagLeft)) pad(emit, ctx, ' ', padding);
    emit(ctx, prefix, (size_t)plen);
    pad(emit, ctx, '0', zeros);
    char out[24];
    for (int i = 0; i < n; ++i) out[i] = buf[n - 1 - i];
    emit(ctx, out, (size_t)n);
    if (sp->flags & kFlagLeft) pad(emit, ctx, ' ', padding);
    return plen + zeros + n + padding;
}

int nyan_vformat(nyan_emit_fn emit, void* ctx, const char* fmt, va_list ap) {
    int total = 0;
    while (*fmt) {
        if (*fmt != '%') {
            const char* start = fmt;
            while (*fmt && *fmt != '%') ++fmt;
            emit(ctx, start, (size_t)(fmt - start));
            total += (int)(fmt - start);
            continue;
        }
        const char* conv_start = fmt++;
        struct spec sp = {0, 0, -1};
        for (;; ++fmt) {
            if (*fmt == '-')
                sp.flags |= kFlagLeft;
            else if (*fmt == '0')
                sp.flags |= kFlagZero;
            else if (*fmt == '+')
                sp.flags |= kFlagPlus;
            else if (*fmt == ' ')
                sp.flags |= kFlagSpace;
            else if (*fmt == '#')
                sp.flags |= kFlagAlt;
            else
                break;
        }
        if (*fmt == '*') {
            int w = va_arg(ap, int);
            if (w < 0) {
                sp.flags |= kFlagLeft;
                w = -w;
            }
            sp.width = w;
            ++fmt;
        } else {
            while (*fmt >= '0' && *fmt <= '9') sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            ++fmt;
            if (*fmt == '*') {
                int p = va_arg(ap, int);
                sp.precision = p < 0 ? -1 : p;
                ++fmt;
            } else {
                sp.precision = 0;
                while (*fmt >= '0' && *fmt <= '9') sp.precision = sp.precision * 10 + (*fmt++ - '0');
            }
        }
        /* Length: 0 int, 1 long, 2 long long; -1 short, -2 char. */
        int length = 0;
        if (*fmt == 'h') {
            length = -1;
            if (*++fmt == 'h') {
                length = -2;
                ++fmt;
            }
        } else if (*fmt == 'l') {
            length = 1;
            if (*++fmt == 'l') {
                length = 2;
                ++fmt;
            }
        } else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't') {
            length = 2; /* size_t, intmax_t and ptrdiff_t are 64-bit here */
            ++fmt;
        }

        char c = *fmt;
        if (c) ++fmt;
        switch (c) {
            case 'd':
            case 'i': {
                long long v;
                if (length >= 2)
                    v = va_arg(ap, long long);
                else if (length == 1)
                    v = va_arg(ap, long);
                else
                    v = va_arg(ap, int);
                if (length == -1) v = (short)v;
                if (length == -2) v = (signed char)v;
                unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
                total += emit_integer(emit, ctx, &sp, mag, v < 0, 1, 10, 0);
                break;
            }
            case 'u':
            case 'x':
            case 'X':
            case 'o': {
                unsigned long long v;
                if (length >= 2)
                    v = va_arg(ap, unsigned long long);
                else if (length == 1)
                    v = va_arg(ap, unsigned long);
                else
                    v = va_arg(ap, unsigned);
                if (length == -1) v = (unsigned short)v;
                if (length == -2) v = (unsigned char)v;
                int base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
                total += emit_integer(emit, ctx, &sp, v, 0, 0, base, c == 'X');
                break;
            }
            case 'p': {
                void* p = va_arg(ap, void*);
                if (!p) {
                    total += emit_padded(emit, ctx, &sp, "(nil)", 5);
                } else {
                    sp.flags |= kFlagAlt;
                    total += emit_integer(emit, ctx, &sp, (unsigned long long)(size_t)p, 0, 0,
                                          16, 0);
                }
                break;
            }
            case 'c': {
                char ch = (char)va_arg(ap, int);
                total += emit_padded(emit, ctx, &sp, &ch, 1);
                break;
            }
            case 's': {
                const char* s = va_arg(ap, const char*);
                if (!s) s = (sp.precision < 0 || sp.precision >= 6) ? "(null)" : "";
                total += emit_padded(emit, ctx, &sp, s, cstrlen(s, sp.precision));
                break;
            }
            case '%':
                emit(ctx, "%", 1);
                total += 1;
                break;
            default:
                /* Unknown or truncated conversion: print it as written. */
                emit(ctx, conv_start, (size_t)(fmt - conv_start));
                total += (int)(fmt - conv_start);
                break;
        }
    }
    return total;
}

struct buffer_ctx {
    char* buf;
    size_t size; /* capacity including the NUL */
    size_t used;
};

static void buffer_emit(void* ctx, const char* s, size_t n) {
    struct buffer_ctx* b = (struct buffer_ctx*)ctx;
    for (size_t i = 0; i < n; ++i) {
        if (b->used + 1 < b->size) b->buf[b->used] = s[i];
        ++b->used;
    }
}

int nyan_vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
    struct buffer_ctx b = {buf, size, 0};
    int n = nyan_vformat(buffer_emit, &b, fmt, ap);
    if (size) buf[b.used < size ? b.used : size - 1] = '\0';
    return n;
}
