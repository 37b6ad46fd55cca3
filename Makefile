# crmsim: the two front-door commands and the developer targets.
#   make demo    install what is missing, build optimized, validate the shipped scenarios
#   make test    install what is missing, build Debug with ASan+UBSan, run every test
#   make build   optimized build (build/release)
#   make package the Debian package of the optimized build (build/release/packages/crmsim_*.deb)
#   make bench   optimized build, run the benchmark suite, write bench/results/ and print the table
#   make bench-quick   the same in under two minutes (1,000 and 10,000 contacts)
#   make bench-peers   crmsim's HubSpot fake beside Prism and json-server (npm, on demand)
#   make fuzz    build the fuzz targets with clang's libFuzzer and run each for FUZZ_SECONDS (60)
#   make tsan    build with ThreadSanitizer and run on it the concurrent load test of `serve`
#                and four small scenarios (their checks share two threads)
#   make format  clang-format every source file
#   make lint    clang-tidy over the sources (uses the debug build's compile_commands.json)
JOBS ?= 2
DEBUG_DIR := build/debug
RELEASE_DIR := build/release
FUZZ_DIR := build/fuzz
TSAN_DIR := build/tsan
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := soql hubspot_search salesforce_rest hubspot_rest scenario bulk_csv
SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.cpp' '*.h')

.PHONY: all deps configure-debug configure-release demo test build package bench bench-quick bench-peers fuzz tsan format lint clean

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

package: build
	cd $(RELEASE_DIR) && cpack -B packages
	@ls $(RELEASE_DIR)/packages/crmsim_*.deb

demo: build
	$(RELEASE_DIR)/crmsim validate scenarios/*.yaml --jobs $(JOBS)

bench: build
	scripts/bench

bench-quick: build
	scripts/bench --quick

bench-peers: build
	bench/peers/run

fuzz: deps
	@CRMSIM_FUZZ_TOOLS=1 scripts/install-deps
	@cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DCRMSIM_FUZZ=ON -DCRMSIM_TESTS=OFF -DCRMSIM_BENCH=OFF >/dev/null
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	scripts/fuzz $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

tsan: deps
	@cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRMSIM_TSAN=ON \
	  -DCRMSIM_BENCH=OFF >/dev/null
	cmake --build $(TSAN_DIR) -j$(JOBS) --target serve_load_test crmsim
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(TSAN_DIR)/tests/serve_load_test
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(TSAN_DIR)/crmsim validate \
	  scenarios/contacts-clean.yaml scenarios/state-country.yaml \
	  scenarios/lifecycle-from-opportunities.yaml tests/tsan/inclusion-list-small.yaml

format:
	@CRMSIM_DEV_TOOLS=1 scripts/install-deps
	clang-format -i $(SOURCES)

lint: configure-debug
	@CRMSIM_DEV_TOOLS=1 scripts/install-deps
	run-clang-tidy -p $(DEBUG_DIR) -j $(JOBS) -quiet $(abspath $(filter %.cpp,$(SOURCES)))

clean:
	rm -rf build
