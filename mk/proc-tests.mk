# The process host tests read the ELF corpus (mk/corpus.mk) at run time.
$(BUILD)/host/test/host/scoped_cr3_test.cpp.o: HOST_CXXFLAGS += -DNYANOS_ELF_CORPUS_DIR='"$(ELF_CORPUS_DIR)"'
$(BUILD)/host/test/host/program_loader_test.cpp.o: HOST_CXXFLAGS += -DNYANOS_ELF_CORPUS_DIR='"$(ELF_CORPUS_DIR)"'
