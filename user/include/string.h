#ifndef NYAN_STRING_H
#define NYAN_STRING_H
#include <stddef.h>
#include "_nyan_decls.h"

NYAN_BEGIN_DECLS
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
void* memchr(const void* s, int c, size_t n);
size_t strlen(const char* s);
size_t strnlen(const char* s, size_t max);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
char* strcpy(char* dst, const char* src);
char* strncpy(char* dst, const char* src, size_t n);
/* Copies at most size-1 bytes and always terminates (when size > 0);
 * returns strlen(src), so truncation is `result >= size`. */
size_t strlcpy(char* dst, const char* src, size_t size);
char* strcat(char* dst, const char* src);
char* strchr(const char* s, int c);
char* strrchr(const char* s, int c);
char* strstr(const char* haystack, const char* needle);
char* strdup(const char* s);
/* A static string such as "No such file or directory" (never NULL). */
char* strerror(int err);
/* The errno's symbolic name, e.g. "ENOENT"; "E?" when unknown. */
const char* strerrorname_np(int err);
NYAN_END_DECLS

#endif
