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
# instead of NyanOS's, unless CMDLINE chooses an init= itself. As on Linux,
# init gets no controlling terminal on the console, so init is a shell that
# starts the interactive one in a session of its own with the console as
# its terminal (busybox's setsid -c), a login shell (-l: /etc/profile sets
# PATH, HOME and the prompt): job control (^Z, fg, bg) works there,
# and the interactive shell's exit status is init's. The init= goes after
# CMDLINE's options (the words after its -- are init's arguments).
USERLAND     ?= nyanos
USERLAND_BUSYBOX_INIT := init=/bin/sh -- -c "setsid -c /bin/sh -l; exit $$?"
ifeq ($(USERLAND),busybox)
ifeq ($(filter init=%,$(CMDLINE)),)
override CMDLINE := $(strip $(CMDLINE) $(USERLAND_BUSYBOX_INIT))
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
