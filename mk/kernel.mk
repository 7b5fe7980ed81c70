# kernel.elf: every .cpp and .S under kernel/, linked at the top 2 GiB.
KERNEL_SRCS := $(sort $(shell find kernel -name '*.cpp' -o -name '*.S'))
KERNEL_OBJS := $(patsubst %,$(BUILD)/%.o,$(KERNEL_SRCS))
KERNEL_LDS  := kernel/arch/x86_64/linker.ld

# The framebuffer console's font comes from Debian's console-setup-linux.
CONSOLE_FONT ?= /usr/share/consolefonts/Lat15-Terminus16.psf.gz
$(BUILD)/font.psf: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gzip -dc $(CONSOLE_FONT) > $@.tmp && mv $@.tmp $@

# The objects depend on mk/common.mk, where their flags are: a flag that
# changed (the retpoline flags, say) must reach every object.
$(BUILD)/kernel/%.cpp.o: kernel/%.cpp mk/common.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	@$(KERNEL_CXX) $(KERNEL_CXXFLAGS) -c $< -o $@

# Every system call passes through syscall_dispatch: without a frame of its
# own it is three instructions shorter. A backtrace from a handler still
# shows the return address into it; the walk stops there either way, as the
# caller's RBP is the user's (arch/x86_64/symbols.cpp).
#
# g++ (12) sets up RBP anyway in a function that returns a two-word struct
# (SyscallReturn, in RAX:RDX) when the stack alignment is 8 bytes (its
# 16-byte return value is given a 16-byte-aligned home), so this one object
# keeps the ABI's 16: a sub/add on RSP is one instruction less than the
# push/mov/pop. Its callees assume nothing of RSP's alignment
# (mk/common.mk), so the mix is harmless.
$(BUILD)/kernel/syscall/dispatch.kernel.cpp.o: KERNEL_CXXFLAGS += -fomit-frame-pointer \
    -mpreferred-stack-boundary=4
$(BUILD)/kernel/syscall/dispatch.kernel.cpp.o: mk/kernel.mk

$(BUILD)/kernel/%.S.o: kernel/%.S $(BUILD)/font.psf mk/common.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(KERNEL_CXX) $(KERNEL_CXXFLAGS) -DFONT_PATH='"$(BUILD)/font.psf"' -c $< -o $@

# $(BUILD)/kernel.elf is linked in mk/symbols.mk (two links, for the symbol table).

ALL_TARGETS += $(BUILD)/kernel.elf
-include $(KERNEL_OBJS:.o=.d)
