/* The shell's line parser: words, quotes and a trailing '&'. No system calls
 * and no library calls, so the host test (test/host/shell_parse_test.cpp)
 * compiles it as C++ and runs it under the sanitizers. */
#ifndef NYAN_SH_PARSE_H
#define NYAN_SH_PARSE_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SH_MAX_WORDS 32

struct sh_command {
    int argc;                        /* 0 for an empty line or a comment */
    char* argv[SH_MAX_WORDS + 1];    /* NULL-terminated; point into the storage */
    int background;                  /* the line ended with an unquoted '&' */
};

enum sh_parse_status {
    SH_PARSE_OK = 0,
    SH_PARSE_UNTERMINATED_QUOTE,
    SH_PARSE_TOO_MANY_WORDS,
    SH_PARSE_NO_SPACE,      /* storage too small: it needs strlen(line) + 1 bytes */
    SH_PARSE_MISPLACED_AMP, /* '&' that is not at the end, or '&' without a command */
};

/* Splits LINE into words:
 * - words are separated by spaces and tabs (\r and \n count as spaces);
 * - "..." groups text and keeps spaces; inside it \" and \\ stand for " and \;
 * - '...' groups text literally;
 * - outside quotes a backslash makes the next character ordinary;
 * - quoted and unquoted pieces next to each other make one word (a"b c"d is
 *   "ab cd"); "" is an empty word;
 * - an unquoted '#' at the start of a word starts a comment;
 * - an unquoted '&' at the end (after the last word, spaces allowed around it)
 *   sets background; anywhere else it is an error.
 * The words are copied into STORAGE, which needs strlen(LINE) + 1 bytes; OUT
 * is filled on success and left with argc 0 on failure. */
enum sh_parse_status sh_parse_line(const char* line, char* storage, size_t storage_len,
                                   struct sh_command* out);

/* A short English description of STATUS, for error messages. */
const char* sh_parse_message(enum sh_parse_status status);

#ifdef __cplusplus
}
#endif
#endif
