# A thin front over CMake presets. On a fresh Debian 12 machine, as root:
#   make demo   installs what is missing, builds, runs a ready-made pipeline
#   make test   installs what is missing, builds, runs every test (release, sanitizers, fuzzing)
JOBS ?= $(shell nproc)
# CI (CI=true) fuzzes 30 s per target to stay inside its time budget; a local `make test` 60 s.
FUZZ_SECONDS ?= $(if $(CI),30,60)

.PHONY: all deps build test test-format test-release test-asan test-tsan test-fuzz demo bench experiments docs clean format

all: build

deps:
	@tools/deps/install.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

test: test-format test-release test-asan test-tsan test-fuzz

# The checked-in .clang-format is the style; a file that drifts from it fails the tests.
test-format: deps
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

test-release: build
	ctest --preset release -j $(JOBS)

test-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# ThreadSanitizer: only the small handler-race binary (pb_tsan_tests), not the whole tree.
test-tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan

test-fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	test/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

demo: build
	tools/demo.sh build/release

bench: build
	test/bench/run.sh build/release

# The full reproductions of the studies (configs/<study>/experiment.sh BUILD_DIR full); `make test`
# runs a short version of each.
experiments: build
	@set -e; for e in configs/*/experiment.sh; do echo "== $$e"; $$e build/release full; done

# docs/elements/ is generated from the element headers' doc blocks; a test fails when it is stale.
docs: build
	rm -rf docs/elements
	build/release/tools/patchbay/patchbay list --docs docs/elements

clean:
	rm -rf build

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
