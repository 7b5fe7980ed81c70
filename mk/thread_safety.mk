# `make thread-safety`: clang's thread-safety analysis over the kernel.
#
# The kernel is built with g++, to which the lock annotations of
# kernel/sync/thread_annotations.h are empty. This compiles every kernel .cpp
# again with clang++ -fsyntax-only -Wthread-safety -Werror and the kernel's
# own flags, include paths and defines, so touching GUARDED_BY data without
# its lock, or calling a REQUIRES function without it, fails the check.
# Nothing is linked; each source leaves a stamp (and its header dependencies)
# under build/thread-safety/, so a rerun checks only what changed.
# The rules the annotations carry: docs/locking.md.
#
# The check tests itself first (test/thread_safety/): correctly locked code
# must compile under clang and under g++ with the kernel's flags, and
# incorrectly locked code must draw exactly the diagnostics it marks
# (clang -verify), so annotations that silently stopped reaching the
# analysis fail here instead of passing everything.
TS_CXX      := clang++
TS_DIR      := $(BUILD)/thread-safety
# g++'s retpoline and stack-alignment flags are spelled differently in clang.
TS_CXXFLAGS := $(filter-out -MMD -MP $(KERNEL_RETPOLINE) $(KERNEL_STACK_ALIGN),$(KERNEL_CXXFLAGS)) \
               -mretpoline -mretpoline-external-thunk -mstack-alignment=8 -Wthread-safety
TS_SRCS     := $(sort $(shell find kernel -name '*.cpp'))
TS_STAMPS   := $(patsubst %,$(TS_DIR)/%.ok,$(TS_SRCS))
TS_SELF     := $(TS_DIR)/self-test.ok
TS_SELF_SRCS := $(wildcard test/thread_safety/*.cpp test/thread_safety/*.h) \
                kernel/sync/thread_annotations.h

$(TS_SELF): $(TS_SELF_SRCS) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  TSA     test/thread_safety"
	@$(TS_CXX) $(TS_CXXFLAGS) -fsyntax-only test/thread_safety/annotated_ok.cpp
	@$(KERNEL_CXX) $(filter-out -MMD -MP,$(KERNEL_CXXFLAGS)) -fsyntax-only \
	    test/thread_safety/annotated_ok.cpp
	@$(TS_CXX) $(TS_CXXFLAGS) -fsyntax-only -Xclang -verify test/thread_safety/unlocked_access.cpp
	@touch $@

# The self-test runs first: a broken check should say so before the kernel's
# results are trusted.
$(TS_DIR)/%.cpp.ok: %.cpp $(TS_SELF) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  TSA     $<"
	@$(TS_CXX) $(TS_CXXFLAGS) -fsyntax-only -MMD -MP -MF $(@:.ok=.d) -MT $@ $<
	@touch $@

.PHONY: thread-safety
thread-safety: $(TS_SELF) $(TS_STAMPS)
	@echo "thread-safety: $(words $(TS_SRCS)) kernel sources pass clang -Wthread-safety"

-include $(TS_STAMPS:.ok=.d)
