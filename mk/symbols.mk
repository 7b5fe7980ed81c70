# kernel.elf in two links, so that fault reports can name functions:
#   1. link the objects with an empty symbol table  -> kernel.stage1.elf
#   2. nm its text symbols into an assembly table   -> kernel_symbols.S
#   3. link again with that table                   -> kernel.elf
# The table lives in .rodata, after .text, so no text address moves between
# links; step 3 checks that by regenerating the table from the final image.
# The list of calls and jumps to the retpoline thunks (the boot rewrites
# them where no retpoline is needed: arch/x86_64/speculation.cpp) is made
# the same way, from the first link's text, and checked the same way.
RSITES_GEN := scripts/gen-retpoline-sites.py
KSYMS_DIR := $(BUILD)/ksyms
KSYMS_GEN := scripts/gen-kernel-symbols.py

define link_kernel
	$(KERNEL_CXX) $(KERNEL_CXXFLAGS) -static -Wl,-T,$(KERNEL_LDS) -Wl,-z,max-page-size=0x1000 \
	    -Wl,--build-id=none -o $(1) $(KERNEL_OBJS) $(2) -lgcc
endef

$(KSYMS_DIR)/empty.S: $(KSYMS_GEN) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@python3 $(KSYMS_GEN) --empty > $@.tmp && mv $@.tmp $@

$(KSYMS_DIR)/retpoline_sites_empty.S: $(RSITES_GEN) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@python3 $(RSITES_GEN) --empty > $@.tmp && mv $@.tmp $@

$(KSYMS_DIR)/%.o: $(KSYMS_DIR)/%.S
	@$(KERNEL_CXX) $(KERNEL_CXXFLAGS) -c $< -o $@

$(KSYMS_DIR)/kernel.stage1.elf: $(KERNEL_OBJS) $(KSYMS_DIR)/empty.o \
                                $(KSYMS_DIR)/retpoline_sites_empty.o $(KERNEL_LDS)
	@echo "  LD      $@"
	@$(call link_kernel,$@,$(KSYMS_DIR)/empty.o $(KSYMS_DIR)/retpoline_sites_empty.o)

$(KSYMS_DIR)/kernel_symbols.S: $(KSYMS_DIR)/kernel.stage1.elf $(KSYMS_GEN)
	@echo "  KSYMS   $@"
	@python3 $(KSYMS_GEN) $< > $@.tmp && mv $@.tmp $@

$(KSYMS_DIR)/retpoline_sites.S: $(KSYMS_DIR)/kernel.stage1.elf $(RSITES_GEN)
	@python3 $(RSITES_GEN) $< > $@.tmp && mv $@.tmp $@

$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(KSYMS_DIR)/kernel_symbols.o $(KSYMS_DIR)/retpoline_sites.o \
                    $(KERNEL_LDS) $(KSYMS_GEN) $(RSITES_GEN) scripts/check-indirect-branches.py
	@echo "  LD      $@"
	@$(call link_kernel,$@.tmp,$(KSYMS_DIR)/kernel_symbols.o $(KSYMS_DIR)/retpoline_sites.o)
	@python3 $(KSYMS_GEN) $@.tmp > $(KSYMS_DIR)/check.S
	@cmp -s $(KSYMS_DIR)/check.S $(KSYMS_DIR)/kernel_symbols.S || \
	    { echo "symbols.mk: text addresses moved between the two kernel links" >&2; exit 1; }
	@python3 $(RSITES_GEN) $@.tmp > $(KSYMS_DIR)/check_sites.S
	@cmp -s $(KSYMS_DIR)/check_sites.S $(KSYMS_DIR)/retpoline_sites.S || \
	    { echo "symbols.mk: the retpoline call sites moved between the two kernel links" >&2; \
	      exit 1; }
	@python3 scripts/check-indirect-branches.py $@.tmp
	@mv $@.tmp $@
