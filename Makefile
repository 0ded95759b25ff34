# The two set-up commands: `make demo` and `make test`. Both install what is missing first.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all setup configure build test test-slow bench demo demo-kernels format clean

all: build

setup:
	@scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || { cat $(BUILD_DIR).configure.log; exit 1; }

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Everything except the `slow` label (DESIGN.md §11).
test: build
	@ctest --test-dir $(BUILD_DIR) -LE slow --output-on-failure -j $(JOBS) --timeout 900

test-slow: build
	@ctest --test-dir $(BUILD_DIR) -L slow --output-on-failure --timeout 3600

bench: build
	@scripts/bench.sh $(BUILD_DIR)

# The AI-LINK simulation job (federated training under attack, mean vs the robust rule).
demo: build
	@scripts/demo.sh $(BUILD_DIR)

# The kernels on a real file: RS 4+8 encode, lose 8 fragments, rebuild, check the FID.
demo-kernels: build
	@scripts/demo-kernels.sh $(BUILD_DIR)

format:
	@git ls-files '*.h' '*.cc' '*.cu' '*.cuh' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log
