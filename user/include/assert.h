#ifndef NYAN_ASSERT_H
#define NYAN_ASSERT_H
#include "_nyan_decls.h"

NYAN_BEGIN_DECLS
NYAN_NORETURN void __nyan_assert_fail(const char* expr, const char* file, int line);
NYAN_END_DECLS

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e) ((e) ? (void)0 : __nyan_assert_fail(#e, __FILE__, __LINE__))
#endif
#endif
