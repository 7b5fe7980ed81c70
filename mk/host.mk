# Host unit tests: doctest over the portable kernel code, with ASan and UBSan.
# Every test/host/*.cpp is a test file; every .cpp in PORTABLE_DIRS (but not
# *.kernel.cpp) is compiled in.
HOST_TEST_SRCS := $(sort $(wildcard test/host/*.cpp))
HOST_CODE_SRCS := $(sort $(filter-out %.kernel.cpp,$(foreach d,$(PORTABLE_DIRS),$(wildcard $(d)/*.cpp))))
HOST_OBJS := $(patsubst %,$(BUILD)/host/%.o,$(HOST_TEST_SRCS) $(HOST_CODE_SRCS))
HOST_TESTS := $(BUILD)/host/nyanos-tests

$(BUILD)/host/%.cpp.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCXX $<"
	@$(HOST_CXX) $(HOST_CXXFLAGS) -c $< -o $@

$(HOST_TESTS): $(HOST_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOST_CXX) $(HOST_CXXFLAGS) -o $@ $(HOST_OBJS)

.PHONY: host-test-build
host-test-build: $(HOST_TESTS)

# Runs the host tests alone.
host-test: $(HOST_TESTS)
	$(HOST_TESTS)

-include $(HOST_OBJS:.o=.d)
