#include "lib/format.h"

#include <stdint.h>

namespace nyanos {
namespace {

// Collects output into a small buffer and flushes it to the sink.
struct Emitter {
    FormatSink sink;
    void* ctx;
    char pending[64];
    size_t used = 0;

    void put(char c) {
        pending[used++] = c;
        if (used == sizeof(pending)) flush();
    }
    void flush() {
        if (used) sink(ctx, pending, used);
        used = 0;
    }
};

void emit_number(Emitter& out, uint64_t value, unsigned base, bool upper, bool negative,
                 unsigned width, bool zero_pad, bool left) {
    char digits[24];
    unsigned n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[value % base];
        value /= base;
    } while (value);
    unsigned len = n + (negative ? 1 : 0);
    if (!left && !zero_pad) {
        for (; len < width; ++len) out.put(' ');
    }
    if (negative) out.put('-');
    if (!left && zero_pad) {
        for (; len < width; ++len) out.put('0');
    }
    while (n) out.put(digits[--n]);
    if (left) {
        for (; len < width; ++len) out.put(' ');
    }
}

}  // namespace

void vformat_to(FormatSink sink, void* ctx, const char* fmt, va_list args) {
    Emitter out{sink, ctx, {}, 0};
    for (const char* p = fmt; *p; ++p) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        ++p;
        bool zero_pad = false, left = false;
        for (;; ++p) {
            if (*p == '0')
                zero_pad = true;
            else if (*p == '-')
                left = true;
            else
                break;
        }
        unsigned width = 0;
        while (*p >= '0' && *p <= '9') width = width * 10 + unsigned(*p++ - '0');
        int longs = 0;
        while (*p == 'l' || *p == 'z') {
            longs += (*p == 'z') ? 2 : 1;
            ++p;
        }
        switch (*p) {
            case 'd':
            case 'i': {
                int64_t v = longs ? va_arg(args, int64_t) : va_arg(args, int);
                uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
                emit_number(out, mag, 10, false, v < 0, width, zero_pad, left);
                break;
            }
            case 'u':
            case 'x':
            case 'X': {
                uint64_t v = longs ? va_arg(args, uint64_t) : va_arg(args, unsigned);
                emit_number(out, v, *p == 'u' ? 10 : 16, *p == 'X', false, width, zero_pad, left);
                break;
            }
            case 'p': {
                uint64_t v = reinterpret_cast<uintptr_t>(va_arg(args, void*));
                out.put('0');
                out.put('x');
                emit_number(out, v, 16, false, false, 16, true, false);
                break;
            }
            case 's': {
                const char* s = va_arg(args, const char*);
                if (!s) s = "(null)";
                size_t len = 0;
                while (s[len]) ++len;
                if (!left)
                    for (size_t i = len; i < width; ++i) out.put(' ');
                for (size_t i = 0; i < len; ++i) out.put(s[i]);
                if (left)
                    for (size_t i = len; i < width; ++i) out.put(' ');
                break;
            }
            case 'c':
                out.put(char(va_arg(args, int)));
                break;
            case '%':
                out.put('%');
                break;
            case '\0':
                --p;
                break;  // a lone '%' at the end
            default:
                out.put('%');
                out.put(*p);
                break;
        }
    }
    out.flush();
}

namespace {
struct BufferSink {
    char* buf;
    size_t size;
    size_t needed;
};
void buffer_sink(void* ctx, const char* chunk, size_t length) {
    auto* b = static_cast<BufferSink*>(ctx);
    for (size_t i = 0; i < length; ++i, ++b->needed) {
        if (b->needed + 1 < b->size) b->buf[b->needed] = chunk[i];
    }
}
}  // namespace

size_t vformat(char* buf, size_t size, const char* fmt, va_list args) {
    BufferSink b{buf, size, 0};
    vformat_to(buffer_sink, &b, fmt, args);
    if (size) buf[b.needed < size ? b.needed : size - 1] = '\0';
    return b.needed;
}

size_t format(char* buf, size_t size, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    size_t n = vformat(buf, size, fmt, args);
    va_end(args);
    return n;
}

}  // namespace nyanos
