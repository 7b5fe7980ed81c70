#include "lib/cmdline.h"

namespace nyanos {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}

}  // namespace

bool cmdline_find(const char* cmdline, const char* key, char* out, unsigned out_size) {
    const char* p = cmdline;
    unsigned key_len = 0;
    while (key[key_len]) ++key_len;
    while (*p) {
        while (is_space(*p)) ++p;
        const char* word = p;
        while (*p && !is_space(*p)) ++p;
        unsigned len = unsigned(p - word);
        if (len == 2 && word[0] == '-' && word[1] == '-') return false;
        if (len < key_len) continue;
        bool match = true;
        for (unsigned i = 0; i < key_len; ++i) match = match && word[i] == key[i];
        if (!match) continue;
        if (len == key_len || word[key_len] == '=') {
            const char* value = len == key_len ? word + len : word + key_len + 1;
            unsigned n = 0;
            while (value + n < p && n + 1 < out_size) {
                out[n] = value[n];
                ++n;
            }
            if (out_size) out[n] = '\0';
            return true;
        }
    }
    return false;
}

bool cmdline_randomize_maps(const char* cmdline) {
    char ignored[1];
    return !cmdline_find(cmdline, "norandmaps", ignored, sizeof(ignored));
}

unsigned cmdline_init_args(const char* cmdline, char* words, unsigned words_size, const char** argv,
                           unsigned max_args) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n'; };
    // The standalone `--`, outside quotes.
    const char* rest = nullptr;
    bool quoted = false;
    for (const char* p = cmdline; *p; ++p) {
        if (*p == '"') quoted = !quoted;
        bool starts_word = p == cmdline || blank(p[-1]);
        if (!quoted && starts_word && p[0] == '-' && p[1] == '-' && (!p[2] || blank(p[2]))) {
            rest = p + 2;
            break;
        }
    }
    if (!rest) return 0;
    unsigned argc = 0, w = 0;
    const char* p = rest;
    while (argc < max_args) {
        while (blank(*p)) ++p;
        if (!*p) break;
        unsigned start = w;
        quoted = false;
        bool fits = true;
        for (; *p && (quoted || !blank(*p)); ++p) {
            if (*p == '"') {
                quoted = !quoted;
                continue;
            }
            if (w + 1 < words_size)
                words[w++] = *p;
            else
                fits = false;
        }
        if (!fits || w >= words_size) break;
        words[w++] = '\0';
        argv[argc++] = words + start;
    }
    return argc;
}

}  // namespace nyanos
