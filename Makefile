# crmsim: the two front-door commands and the developer targets.
#   make demo    install what is missing, build optimized, validate the shipped scenarios
#   make test    install what is missing, build Debug with ASan+UBSan, run every test
#   make build   optimized build (build/release)
#   make bench   optimized build, run the benchmark suite, write bench/results/ and print the table
#   make bench-quick   the same in under two minutes (1,000 and 10,000 contacts)
#   make format  clang-format every source file
#   make lint    clang-tidy over the sources (uses the debug build's compile_commands.json)
JOBS ?= 2
DEBUG_DIR := build/debug
RELEASE_DIR := build/release
SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.cpp' '*.h')

.PHONY: all deps configure-debug configure-release demo test build bench bench-quick format lint clean

all: build

deps:
	@scripts/install-deps

# Configuring every time is cheap once configured, and repairs a folder that
# an interrupted first configure left half-made.
configure-debug: deps
	@cmake -S . -B $(DEBUG_DIR) -DCMAKE_BUILD_TYPE=Debug -DCRMSIM_SANITIZE=ON -DCRMSIM_BENCH=ON >/dev/null

configure-release: deps
	@cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DCRMSIM_TESTS=OFF >/dev/null

test: configure-debug
	cmake --build $(DEBUG_DIR) -j$(JOBS)
	ctest --test-dir $(DEBUG_DIR) --output-on-failure -j$(JOBS)

build: configure-release
	cmake --build $(RELEASE_DIR) -j$(JOBS)

demo: build
	$(RELEASE_DIR)/crmsim validate scenarios/*.yaml --jobs $(JOBS)

bench: build
	scripts/bench

bench-quick: build
	scripts/bench --quick

format:
	@CRMSIM_DEV_TOOLS=1 scripts/install-deps
	clang-format -i $(SOURCES)

lint: configure-debug
	@CRMSIM_DEV_TOOLS=1 scripts/install-deps
	run-clang-tidy -p $(DEBUG_DIR) -j $(JOBS) -quiet $(abspath $(filter %.cpp,$(SOURCES)))

clean:
	rm -rf build
