# The consoles: the host test of the PSF parser also checks the font the
# kernel embeds (build/font.psf, made by mk/kernel.mk).
$(BUILD)/host/test/host/psf_test.cpp.o: HOST_CXXFLAGS += -DNYANOS_FONT_PATH='"$(BUILD)/font.psf"'
$(BUILD)/host/test/host/psf_test.cpp.o: | $(BUILD)/font.psf
