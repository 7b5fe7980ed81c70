/* The printf formatter behind the whole printf family. It uses no library
 * function and no system call, so the host tests compile it as is and compare
 * it with the host's snprintf. */
#ifndef NYAN_LIB_FORMAT_H
#define NYAN_LIB_FORMAT_H
#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Receives the output in pieces; N bytes at S, not NUL-terminated. */
typedef void (*nyan_emit_fn)(void* ctx, const char* s, size_t n);

/* Formats FMT with AP, handing the output to EMIT; returns the total number of
 * bytes produced. Conversions: d i u x X o c s p %; flags - 0 + space #;
 * width and precision (numbers or *); length hh h l ll z j t. An unknown
 * conversion is printed as is. */
int nyan_vformat(nyan_emit_fn emit, void* ctx, const char* fmt, va_list ap);

/* vsnprintf on top of nyan_vformat: writes at most SIZE bytes including the
 * terminating NUL (when SIZE > 0); returns the untruncated length. */
int nyan_vsnprintf(char* buf, size_t size, const char* fmt, va_list ap);

#ifdef __cplusplus
}
#endif
#endif
