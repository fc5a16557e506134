# libvoip — the front door.
#
#   make                 build/libvoip.so.0 (go build -buildmode=c-shared ./capi),
#                        build/libvoip.so -> libvoip.so.0, then the C examples
#                        and tests with CMake in build/cmake
#   make test            every test suite in TEST_SUITES, in order; no prompts
#   make demo            voip-echo + voip-dial on 127.0.0.1, with a summary
#                        (ports: DEMO_SIP_PORT=5098 DEMO_DIAL_PORT=5099
#                        DEMO_RTP_PORTS=30000-30099 DEMO_DIAL_RTP_PORTS=30100-30199)
#   make fuzz            every fuzz target in FUZZ_TARGETS for FUZZTIME_LONG
#                        each (default 10m; `make test` runs them FUZZTIME, 20,000 inputs)
#   make install PREFIX=/some/prefix   (default /usr/local; DESTDIR works)
#   make clean           remove build/
#
# Variables: GO, CMAKE, CTEST, PREFIX, JOBS, FUZZTIME, FUZZTIME_LONG, CTEST_ARGS.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
GOFMT ?= $(shell command -v gofmt 2>/dev/null || echo $(dir $(GO))gofmt)
CMAKE ?= cmake
CTEST ?= ctest
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# A count, not a duration: a duration races the fuzz coordinator's own
# deadline in Go 1.26 (golang/go#75804: a spurious "context deadline
# exceeded" failure with no failing input).
FUZZTIME ?= 20000x
FUZZTIME_LONG ?= 10m
CTEST_ARGS ?=

# Go's own tools (and scripts) find go even when only /usr/local/go/bin has it.
export PATH := $(abspath $(dir $(GO))):$(PATH)
export DEBIAN_FRONTEND := noninteractive

BUILD := build
CMAKE_BUILD := $(BUILD)/cmake
LIB := $(BUILD)/libvoip.so.0
LIB_LINK := $(BUILD)/libvoip.so

# The Go build re-runs when any of these change (or files come or go).
GO_DIRS := sip rtp voip capi
GO_SRCS := $(shell find $(GO_DIRS) -type f \( -name '*.go' -o -name '*.c' -o -name '*.h' -o -name '*.map' \) \
             -not -name 'libvoip.h' 2>/dev/null | sort) go.mod $(wildcard go.sum)
GO_SRCS_LIST := $(BUILD)/.go-sources

# Fuzz targets run by `make test`: package:FuzzName.
FUZZ_TARGETS = sip:FuzzAnswer rtp:FuzzDTMFDetect sip:FuzzRawErrorResponse rtp:FuzzJitterBuffer rtp:FuzzReceive
FUZZ_TARGETS += sip:FuzzRequestPath sip:FuzzParseDTMFInfo dsp:FuzzResampler
FUZZ_TARGETS += sip:FuzzParseMessageSummary sip:FuzzParsePIDF sip:FuzzParseDialogInfo
# media toolkit (issue 12)
FUZZ_TARGETS += media:FuzzDecodeWAV dsp:FuzzParseTone
# issue 14 (SDES a=crypto)
FUZZ_TARGETS += sip:FuzzParseCrypto
FUZZ_TARGETS += sip:FuzzParseICE
# issue 15 (presence.winfo, RFC 3858)
FUZZ_TARGETS += sip:FuzzParseWatcherInfo

# Test suites run by `make test`, in this order.  Add one with one line,
# e.g.  TEST_SUITES += test-python
TEST_SUITES = test-deps test-gofmt test-govet test-lint test-gotest test-fuzz test-c
TEST_SUITES += test-python test-node

.PHONY: all lib cmake-configure cmake-build test $(TEST_SUITES) \
        demo demo-deps install clean fuzz

# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------
all: lib cmake-build

lib: $(LIB) $(LIB_LINK)

# The list of Go sources, rewritten only when it changes (so that a deleted
# file also triggers a rebuild).
$(GO_SRCS_LIST): FORCE
	@mkdir -p $(BUILD)
	@echo '$(GO_SRCS)' | cmp -s - $@ || echo '$(GO_SRCS)' > $@

# go writes a cgo header (build/libvoip.so.h) next to the library: it is
# internal and never installed; include/voip.h is the public header.
# capi/libvoip.map exports only the public voip_* names (nm -D shows no
# cgo glue, no voip__ bridge and no Go runtime symbols).
LIB_LDFLAGS := -extldflags=-Wl,-soname,libvoip.so.0,--version-script=$(CURDIR)/capi/libvoip.map
$(LIB): $(GO_SRCS) $(GO_SRCS_LIST)
	@mkdir -p $(BUILD)
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared \
	  -ldflags='$(LIB_LDFLAGS)' -o $@ ./capi
	@touch $@

$(LIB_LINK): $(LIB)
	ln -sfn libvoip.so.0 $@

# CMake builds the C part against the library built above.
$(CMAKE_BUILD)/CMakeCache.txt: | $(LIB)
	$(CMAKE) -S . -B $(CMAKE_BUILD) -DVOIP_LIBRARY=$(CURDIR)/$(LIB)

cmake-configure: $(CMAKE_BUILD)/CMakeCache.txt

cmake-build: lib cmake-configure
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $(CMAKE) --build $(CMAKE_BUILD) --parallel $(JOBS)

# ---------------------------------------------------------------------------
# Tests (stdin is never read: everything runs with </dev/null)
# ---------------------------------------------------------------------------
test:
	@set -e; for suite in $(TEST_SUITES); do \
	  echo "==> make $$suite"; \
	  $(MAKE) --no-print-directory $$suite </dev/null; \
	done; \
	echo "==> make test: all suites passed ($(TEST_SUITES))"

# Tools the tests need (cmake, pkg-config, sipp, baresip, valgrind, ...).
test-deps:
	@if [ -f scripts/install-deps.sh ]; then bash scripts/install-deps.sh </dev/null; \
	else echo "scripts/install-deps.sh not found: skipping"; fi

test-gofmt:
	@out=$$(find . -name '*.go' -not -path './build/*' -not -path './.git/*' \
	          -not -path '*/node_modules/*' -not -path '*/testdata/*' -print0 \
	        | xargs -0 -r $(GOFMT) -l); \
	if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$out"; exit 1; fi; \
	echo "gofmt: ok"

test-govet:
	$(GO) vet ./...

# golangci-lint with the project's .golangci.yml, installed from the Go module
# proxy into build/tools on first use (about two minutes on a fresh machine).
GOLANGCI_VERSION ?= v2.15.0
GOLANGCI := $(BUILD)/tools/golangci-lint-$(GOLANGCI_VERSION)
$(GOLANGCI):
	@mkdir -p $(BUILD)/tools
	GOBIN=$(CURDIR)/$(BUILD)/tools $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	mv $(BUILD)/tools/golangci-lint $@

test-lint: $(GOLANGCI)
	$(GOLANGCI) run ./...

test-gotest:
	$(GO) test -race -count=1 ./...

# test-fuzz runs each target FUZZTIME (short); fuzz runs each FUZZTIME_LONG.
test-fuzz:
	@$(MAKE) --no-print-directory fuzz-run FUZZ_FOR=$(FUZZTIME)

fuzz:
	@$(MAKE) --no-print-directory fuzz-run FUZZ_FOR=$(FUZZTIME_LONG)

.PHONY: fuzz-run
fuzz-run:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t#*:}; \
	  echo "$(GO) test -run XXX -fuzz '^$$fn\$$' -fuzztime $(FUZZ_FOR) ./$$pkg"; \
	  $(GO) test -run XXX -fuzz "^$$fn\$$" -fuzztime $(FUZZ_FOR) ./$$pkg; \
	done

test-c: all
	cd $(CMAKE_BUILD) && $(CTEST) --output-on-failure $(CTEST_ARGS)

# The Python binding (bindings/python): pip install into a fresh venv,
# mypy --strict, pytest with real calls.
test-python: all
	bash bindings/python/run_tests.sh </dev/null

# The Node binding (bindings/node): npm install from the registry, tsc,
# node --test with real calls.
test-node: all
	bash bindings/node/run_tests.sh </dev/null

# ---------------------------------------------------------------------------
# Performance: bench/README.md.  make bench QUICK=1 for a short run.
# ---------------------------------------------------------------------------
QUICK ?= 0
.PHONY: bench
bench: all
	QUICK=$(QUICK) bash bench/run.sh </dev/null

# ---------------------------------------------------------------------------
# Demo: voip-echo and voip-dial on 127.0.0.1
# ---------------------------------------------------------------------------
# The demo's ports, all on 127.0.0.1 (override any: make demo DEMO_SIP_PORT=6098).
DEMO_SIP_PORT ?= 5098
DEMO_DIAL_PORT ?= 5099
DEMO_RTP_PORTS ?= 30000-30099
DEMO_DIAL_RTP_PORTS ?= 30100-30199

demo:
	@$(MAKE) --no-print-directory demo-deps </dev/null
	@$(MAKE) --no-print-directory all </dev/null
	@DEMO_SIP_PORT=$(DEMO_SIP_PORT) DEMO_DIAL_PORT=$(DEMO_DIAL_PORT) \
	  DEMO_RTP_PORTS=$(DEMO_RTP_PORTS) DEMO_DIAL_RTP_PORTS=$(DEMO_DIAL_RTP_PORTS) \
	  bash examples/demo.sh $(CMAKE_BUILD)/bin $(BUILD)

# cmake and a C compiler, on a fresh machine too.
demo-deps:
	@if [ -f scripts/install-deps.sh ] && grep -q -- '--build-only' scripts/install-deps.sh; then \
	  bash scripts/install-deps.sh --build-only </dev/null; \
	elif ! command -v cmake >/dev/null || ! command -v pkg-config >/dev/null || ! command -v cc >/dev/null; then \
	  echo "installing cmake, pkg-config and a C compiler"; \
	  apt-get update -qq </dev/null && apt-get install -y -q cmake pkg-config build-essential </dev/null; \
	fi

# ---------------------------------------------------------------------------
# Install / clean
# ---------------------------------------------------------------------------
install: all
	$(CMAKE) --install $(CMAKE_BUILD) --prefix $(PREFIX)
	@echo "libvoip is in $(PREFIX)/lib. Programs built with"
	@echo "  cc app.c \$$(PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig pkg-config --cflags --libs voip)"
	@echo "find it at run time (voip.pc adds -Wl,-rpath,$(PREFIX)/lib). Others need"
	@echo "  export LD_LIBRARY_PATH=$(PREFIX)/lib"
	@echo "or, once, as root: echo $(PREFIX)/lib > /etc/ld.so.conf.d/libvoip.conf && ldconfig"

clean:
	rm -rf $(BUILD)

.PHONY: FORCE
FORCE:
