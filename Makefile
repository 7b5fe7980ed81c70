# NyanOS top-level build. One target per thing a person wants to do; the
# pieces live in mk/*.mk. See README.md for the commands and variables.

BUILD        ?= build
BOOT         ?= uefi
MEM          ?= 512M
SMP          ?= 1
QEMU_EXTRA   ?=
CMDLINE      ?=
INITRD_EXTRA ?=
# USERLAND=busybox: boot into busybox's interactive shell (ash, /bin/sh)
# instead of NyanOS's: init=/bin/sh goes in front of CMDLINE, unless CMDLINE
# chooses an init= itself.
USERLAND     ?= nyanos
USERLAND_BUSYBOX_INIT := init=/bin/sh
ifeq ($(USERLAND),busybox)
ifeq ($(filter init=%,$(CMDLINE)),)
override CMDLINE := $(strip $(USERLAND_BUSYBOX_INIT) $(CMDLINE))
endif
else ifneq ($(USERLAND),nyanos)
$(error USERLAND=$(USERLAND): nyanos (the default) or busybox)
endif
export BOOT MEM SMP QEMU_EXTRA HEADLESS

.DEFAULT_GOAL := all
.PHONY: all run test bench debug deps clean compile_commands fuzz test-matrix host-test qemu-test

# Every build step that needs a tool depends on this stamp: the first `make`
# on a fresh machine installs the Debian packages.
DEPS_STAMP := $(BUILD)/.deps-ok
$(DEPS_STAMP): scripts/install-deps.sh
	@mkdir -p $(@D)
	@scripts/install-deps.sh
	@touch $@
deps: $(DEPS_STAMP)

include mk/common.mk
include $(sort $(filter-out mk/common.mk,$(wildcard mk/*.mk)))

all: $(ALL_TARGETS)

clean:
	rm -rf $(BUILD)

compile_commands:
	$(MAKE) clean
	bear -- $(MAKE) -j2 all host-test-build
