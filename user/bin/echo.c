/* echo [-neE]... ARG...: prints the arguments separated by spaces, as
 * busybox's echo does (Debian's, which a Linux program reaching this
 * /bin/echo by path would otherwise run): -n drops the newline; -e turns
 * on backslash escapes (\\ \a \b \c \e \f \n \r \t \v, \0NNN and \NNN
 * octal, \xHH hex; \c ends the output), -E turns them off (the default).
 * The leading words made only of those letters after a '-' are options;
 * anything else (such as "-" or "-x") is printed. */
#include <string.h>
#include <unistd.h>

static char g_out[512];
static size_t g_used;

static void flush(void) {
    for (size_t done = 0; done < g_used;) {
        ssize_t w = write(1, g_out + done, g_used - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    g_used = 0;
}

static void put(char c) {
    if (g_used == sizeof g_out) flush();
    g_out[g_used++] = c;
}

static int is_option(const char* arg) {
    if (arg[0] != '-' || !arg[1]) return 0;
    for (const char* p = arg + 1; *p; ++p)
        if (*p != 'n' && *p != 'e' && *p != 'E') return 0;
    return 1;
}

static int digit_value(char c, int base) {
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    return v < base ? v : -1;
}

/* Prints `s` with escapes; returns 0 when \c asked to stop. */
static int put_escaped(const char* s) {
    static const char kLetters[] = "\\\\a\ab\be\033f\fn\nr\rt\tv\v";
    while (*s) {
        if (*s != '\\' || !s[1]) {
            put(*s++);
            continue;
        }
        ++s;
        if (*s == 'c') return 0;
        const char* letter = NULL;
        for (const char* l = kLetters; *l; l += 2)
            if (*l == *s) letter = l;
        if (letter) {
            put(letter[1]);
            ++s;
            continue;
        }
        int base = 8, max = 3;
        if (*s == 'x' && digit_value(s[1], 16) >= 0) {
            base = 16, max = 2, ++s;
        } else if (*s == '0' && digit_value(s[1], 8) >= 0) {
            ++s; /* \0NNN: the 0 only introduces the digits */
        }
        if (digit_value(*s, base) < 0) {
            put('\\'); /* not an escape: printed as written */
            continue;
        }
        int value = 0;
        for (int n = 0; n < max && digit_value(*s, base) >= 0; ++n)
            value = value * base + digit_value(*s++, base);
        put((char)value);
    }
    return 1;
}

int main(int argc, char** argv) {
    int i = 1, newline = 1, escapes = 0;
    for (; i < argc && is_option(argv[i]); ++i) {
        for (const char* p = argv[i] + 1; *p; ++p) {
            if (*p == 'n') newline = 0;
            if (*p == 'e') escapes = 1;
            if (*p == 'E') escapes = 0;
        }
    }
    for (int first = i; i < argc; ++i) {
        if (i > first) put(' ');
        if (!escapes) {
            for (const char* p = argv[i]; *p; ++p) put(*p);
        } else if (!put_escaped(argv[i])) {
            flush();
            return 0;
        }
    }
    if (newline) put('\n');
    flush();
    return 0;
}
