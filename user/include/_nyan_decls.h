/* Internal helper for the SDK headers: C linkage when included from C++. */
#ifndef NYAN__DECLS_H
#define NYAN__DECLS_H
#ifdef __cplusplus
#define NYAN_BEGIN_DECLS extern "C" {
#define NYAN_END_DECLS }
#else
#define NYAN_BEGIN_DECLS
#define NYAN_END_DECLS
#endif
#define NYAN_NORETURN __attribute__((noreturn))
#define NYAN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif
