# User space: the SDK (build/user/crt0.o + build/user/libnyan.a), the programs
# in user/bin (build/user/bin/NAME) and the ramdisk build/initrd.tar.
#
# Everything is compiled through scripts/nyan-cc, so the build and users'
# own programs share one set of flags.
#
# A program is either one file user/bin/NAME.c / NAME.cpp, or a folder
# user/bin/NAME/ whose .c, .cpp and .S files are linked together.

USER_CC     := NYAN_SDK_DIR=$(BUILD)/user NYAN_CC_NO_SDK_BUILD=1 scripts/nyan-cc
USER_FLAGS  := -O2 $(WARN) -MMD -MP
USER_CFLAGS := -std=gnu11
USER_CXXFLAGS := -std=gnu++20
USER_LDS    := user/lib/user.ld
USER_OBJDIR := $(BUILD)/user/obj

# The SDK. crt0.o is the startup code with the NyanOS ABI note
# (user/lib/abi_note.S) linked in: nyan-cc puts crt0.o in every link, so every
# program carries the note (an archive member would be linked only if referenced).
USER_CRT0_SRCS := user/lib/crt0.S user/lib/abi_note.S
USER_LIB_SRCS := $(sort $(filter-out $(USER_CRT0_SRCS),$(wildcard user/lib/*.c user/lib/*.cpp user/lib/*.S)))
USER_LIB_OBJS := $(patsubst %,$(USER_OBJDIR)/%.o,$(USER_LIB_SRCS))
USER_CRT0     := $(BUILD)/user/crt0.o
USER_LIBNYAN  := $(BUILD)/user/libnyan.a
USER_SDK      := $(USER_CRT0) $(USER_LIBNYAN)

# string.c must not have its loops turned into calls to memcpy/memset.
$(USER_OBJDIR)/user/lib/%: USER_FLAGS += -fno-tree-loop-distribute-patterns

$(USER_OBJDIR)/%.c.o: %.c scripts/nyan-cc
	@mkdir -p $(@D)
	@echo "  USERCC  $<"
	@$(USER_CC) $(USER_CFLAGS) $(USER_FLAGS) -c $< -o $@

$(USER_OBJDIR)/%.cpp.o: %.cpp scripts/nyan-cc
	@mkdir -p $(@D)
	@echo "  USERCXX $<"
	@$(USER_CC) $(USER_CXXFLAGS) $(USER_FLAGS) -c $< -o $@

$(USER_OBJDIR)/%.S.o: %.S scripts/nyan-cc
	@mkdir -p $(@D)
	@echo "  USERAS  $<"
	@$(USER_CC) $(USER_FLAGS) -c $< -o $@

$(USER_CRT0): $(patsubst %,$(USER_OBJDIR)/%.o,$(USER_CRT0_SRCS))
	@echo "  LD -r   $@"
	@ld -r -o $@ $^

$(USER_LIBNYAN): $(USER_LIB_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && ar rcD $@ $(USER_LIB_OBJS)

.PHONY: user-sdk user-programs
user-sdk: $(USER_SDK)

# The programs.
USER_BIN_FILES := $(sort $(wildcard user/bin/*.c user/bin/*.cpp))
USER_BIN_DIRS  := $(sort $(patsubst %/,%,$(dir $(wildcard user/bin/*/*.c user/bin/*/*.cpp user/bin/*/*.S))))
USER_PROGS     := $(sort $(basename $(notdir $(USER_BIN_FILES))) $(notdir $(USER_BIN_DIRS)))
USER_BINS      := $(patsubst %,$(BUILD)/user/bin/%,$(USER_PROGS))

# user_prog_srcs(NAME): the sources of program NAME.
user_prog_srcs = $(or $(filter user/bin/$(1).c user/bin/$(1).cpp,$(USER_BIN_FILES)),$(sort $(wildcard user/bin/$(1)/*.c user/bin/$(1)/*.cpp user/bin/$(1)/*.S)))

define USER_PROG_RULE
$(BUILD)/user/bin/$(1): $(patsubst %,$(USER_OBJDIR)/%.o,$(call user_prog_srcs,$(1))) $(USER_SDK) $(USER_LDS) scripts/nyan-cc
	@mkdir -p $$(@D)
	@echo "  USERLD  $$@"
	@$(USER_CC) -o $$@ $(patsubst %,$(USER_OBJDIR)/%.o,$(call user_prog_srcs,$(1)))
endef
$(foreach p,$(USER_PROGS),$(eval $(call USER_PROG_RULE,$(p))))

user-programs: $(USER_BINS)

# The ramdisk: bin/* plus everything under $(INITRD_EXTRA), as a deterministic
# USTAR archive whose file data start on 4 KiB boundaries (scripts/mkinitrd.py:
# the kernel maps read-only program segments straight from it). The stamp
# records INITRD_EXTRA, the extra files, the program list and busybox's
# checksum, so a change in any of them (even a deletion, or a busybox package
# upgrade whose file keeps an older mtime) rebuilds the tar.
INITRD_STAGE := $(BUILD)/initrd-root
# Debian's busybox-static, unmodified (scripts/install-deps.sh installs it):
# the Linux personality's shell and tools. /bin/sh is a symbolic link to it
# (busybox runs the applet argv[0] names: ash); NyanOS's own shell is
# /bin/nyansh (README, "Running Linux programs"). /etc/mtab is a link to
# /proc/self/mounts, as on Debian (df and mount read it).
BUSYBOX := /bin/busybox
BUSYBOX_SUM := $(firstword $(shell sha1sum $(BUSYBOX) 2>/dev/null))
INITRD_STAMP := $(BUILD)/user/initrd-inputs.txt
INITRD_EXTRA_FILES := $(if $(INITRD_EXTRA),$(shell find $(INITRD_EXTRA) -mindepth 1 2>/dev/null | sort))
INITRD_INPUTS := extra=$(INITRD_EXTRA) files=$(INITRD_EXTRA_FILES) progs=$(USER_PROGS) linux=$(LINUX_PROGS) busybox=$(BUSYBOX_SUM)
$(shell mkdir -p $(BUILD)/user && { [ -f $(INITRD_STAMP) ] && [ "$$(cat $(INITRD_STAMP))" = '$(INITRD_INPUTS)' ] || printf '%s\n' '$(INITRD_INPUTS)' > $(INITRD_STAMP); })

ifneq ($(INITRD_EXTRA),)
ifeq ($(wildcard $(INITRD_EXTRA)),)
$(error INITRD_EXTRA=$(INITRD_EXTRA): no such directory)
endif
endif

# /test/elf holds the malformed-ELF corpus (mk/corpus.mk) for /bin/testsuite.
# The Linux programs (/bin/linux-*) and /test/linux come from mk/linux.mk,
# which adds them to this target's prerequisites.
$(BUILD)/initrd.tar: $(USER_BINS) $(INITRD_STAMP) | $(DEPS_STAMP)
$(BUILD)/initrd.tar: $(USER_BINS) $(INITRD_STAMP) $(filter-out $(wildcard $(INITRD_EXTRA)/*/),$(INITRD_EXTRA_FILES)) \
                     $(ELF_CORPUS) $(ELF_REAL_STATIC) scripts/mkinitrd.py mk/user.mk \
                     $(shell find user/rootfs -type f)
	@echo "  TAR     $@"
	@rm -rf $(INITRD_STAGE) && mkdir -p $(INITRD_STAGE)/bin $(INITRD_STAGE)/test/elf $(INITRD_STAGE)/test/linux
	$(if $(USER_BINS),@cp $(USER_BINS) $(INITRD_STAGE)/bin/)
	$(if $(LINUX_BINS),@cp $(LINUX_BINS) $(INITRD_STAGE)/bin/)
	@cp $(BUSYBOX) $(INITRD_STAGE)/bin/busybox
	@ln -s busybox $(INITRD_STAGE)/bin/sh
	@mkdir -p $(INITRD_STAGE)/etc && ln -s ../proc/self/mounts $(INITRD_STAGE)/etc/mtab
	@mkdir -p $(INITRD_STAGE)/tmp $(INITRD_STAGE)/root && chmod 1777 $(INITRD_STAGE)/tmp && chmod 0700 $(INITRD_STAGE)/root
	@cp -R user/rootfs/. $(INITRD_STAGE)/
	@# busybox's applets as links in /usr/bin and /usr/sbin (its own list:
	@# bin/ and sbin/ ones move under usr/), so NyanOS's /bin keeps its names.
	@mkdir -p $(INITRD_STAGE)/usr/bin $(INITRD_STAGE)/usr/sbin
	@$(BUSYBOX) --list-full | sed -n 's|^\(usr/\)\{0,1\}\(s\{0,1\}bin\)/|usr/\2/|p' | \
	  while read -r applet; do ln -sf /bin/busybox $(INITRD_STAGE)/$$applet; done
	$(if $(LINUX_FIXTURES),@cp -p $(dir $(LINUX_FIXTURES))/[!.]* $(INITRD_STAGE)/test/linux/)
	@cp $(ELF_CORPUS_DIR)/*.elf $(ELF_CORPUS) $(INITRD_STAGE)/test/elf/
	@chmod 0755 $(INITRD_STAGE)/test/elf/*.elf # exec wants an x bit, as Linux's
	$(if $(INITRD_EXTRA),@cp -R --remove-destination $(INITRD_EXTRA)/. $(INITRD_STAGE)/)
	@cd $(INITRD_STAGE) && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort > ../initrd.list
	@scripts/mkinitrd.py $@ $(INITRD_STAGE) $(BUILD)/initrd.list

ALL_TARGETS += $(BUILD)/initrd.tar

-include $(patsubst %,$(USER_OBJDIR)/%.d,$(USER_LIB_SRCS) $(USER_CRT0_SRCS) $(foreach p,$(USER_PROGS),$(call user_prog_srcs,$(p))))

# nyan-emu: a host tool that runs the user programs under Linux with ptrace,
# translating NyanOS system calls (see user/emu/nyan-emu.c). It tests the SDK,
# the shell and /bin before and independently of the kernel.
USER_EMU := $(BUILD)/user/nyan-emu
$(USER_EMU): user/emu/nyan-emu.c include/nyanos/abi/syscall.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	@gcc -O1 -g $(WARN) -Iinclude $< -o $@

.PHONY: user-emu-test
user-emu-test: $(USER_EMU) $(BUILD)/initrd.tar
	test/user/emu_smoke.sh $(USER_EMU) $(INITRD_STAGE)
