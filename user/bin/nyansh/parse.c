/* The shell's line parser; see parse.h for the grammar. */
#include "parse.h"

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static enum sh_parse_status fail(struct sh_command* out, enum sh_parse_status status) {
    out->argc = 0;
    out->argv[0] = NULL;
    out->background = 0;
    return status;
}

enum sh_parse_status sh_parse_line(const char* line, char* storage, size_t storage_len,
                                   struct sh_command* out) {
    out->argc = 0;
    out->argv[0] = NULL;
    out->background = 0;
    size_t used = 0;
    const char* p = line;
    for (;;) {
        while (is_space(*p)) ++p;
        if (!*p || *p == '#') break;
        if (*p == '&') {
            /* Only spaces or a comment may follow, and a command must precede. */
            const char* q = p + 1;
            while (is_space(*q)) ++q;
            if ((*q && *q != '#') || out->argc == 0) return fail(out, SH_PARSE_MISPLACED_AMP);
            out->background = 1;
            break;
        }
        if (out->argc == SH_MAX_WORDS) return fail(out, SH_PARSE_TOO_MANY_WORDS);
        /* One word: pieces until an unquoted space, '&' or the end. */
        size_t start = used;
        while (*p && !is_space(*p) && *p != '&') {
            char quote = 0;
            if (*p == '"' || *p == '\'') quote = *p++;
            if (quote) {
                while (*p && *p != quote) {
                    char c = *p++;
                    if (quote == '"' && c == '\\' && (*p == '"' || *p == '\\')) c = *p++;
                    if (used == storage_len) return fail(out, SH_PARSE_NO_SPACE);
                    storage[used++] = c;
                }
                if (!*p) return fail(out, SH_PARSE_UNTERMINATED_QUOTE);
                ++p; /* the closing quote */
            } else {
                char c = *p++;
                if (c == '\\' && *p) c = *p++;
                if (used == storage_len) return fail(out, SH_PARSE_NO_SPACE);
                storage[used++] = c;
            }
        }
        if (used == storage_len) return fail(out, SH_PARSE_NO_SPACE);
        storage[used++] = '\0';
        out->argv[out->argc++] = storage + start;
        out->argv[out->argc] = NULL;
    }
    return SH_PARSE_OK;
}

const char* sh_parse_message(enum sh_parse_status status) {
    switch (status) {
        case SH_PARSE_OK: return "ok";
        case SH_PARSE_UNTERMINATED_QUOTE: return "unterminated quote";
        case SH_PARSE_TOO_MANY_WORDS: return "too many words";
        case SH_PARSE_NO_SPACE: return "line too long";
        case SH_PARSE_MISPLACED_AMP: return "'&' is only allowed at the end of a command";
    }
    return "parse error";
}
