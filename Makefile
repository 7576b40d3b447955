# pkienroll — see README.md. `make demo` and `make test` are the two commands
# a fresh machine needs (plus .ci/run's apt-get for openssl and squid).

GO          ?= go
BIN         := bin/pkienroll
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X main.version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCHTIME   ?= 100x
BENCHCOUNT  ?= 6
FUZZTIME    ?= 30s

.PHONY: all build test demo bench lint cross golden fuzz man clean

all: build

# A static binary (no cgo): it starts about 2 ms sooner than one that loads
# libc through the dynamic linker (docs/performance.md), and runs on any
# Linux of the same architecture.
build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/pkienroll

# The full suite: formatting, vet, and every test with the race detector
# (fuzz targets run their seed corpora; interop tests run the real openssl,
# Squid, websockify and flock, which scripts/test-deps.sh installs when run
# as root on Debian; elsewhere the run ends with a list of what skipped).
test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@./scripts/test-deps.sh
	$(GO) vet ./...
	@./scripts/test.sh $(GO)

# The manual page, from the same kong model as --help (TestManPage checks
# what `pkienroll man` writes; the page itself is not committed).
man: build
	@mkdir -p man
	./$(BIN) man > man/pkienroll.1
	@echo "wrote man/pkienroll.1; read it with: man -l man/pkienroll.1"

# The whole enrollment on a throwaway PKI directory in .demo/.
demo: build
	./scripts/demo.sh $(BIN)

# Go benchmarks (summarised by benchstat) and whole-command timings next to
# the openssl flow (hyperfine); results in bench-results/, numbers and the
# machine in docs/performance.md.
bench: build
	@mkdir -p bench-results
	$(GO) test ./pki ./cmd/pkienroll -run '^$$' -bench . -benchtime $(BENCHTIME) -count $(BENCHCOUNT) -timeout 60m | tee bench-results/go.txt
	$(GO) run $(BENCHSTAT) bench-results/go.txt | tee bench-results/go-summary.txt
	./scripts/bench-commands.sh $(BIN) bench-results
	$(GO) run ./internal/estbench | tee bench-results/est.md

# govulncheck exits 3 when the code calls a known vulnerability, which fails
# lint, and 1 when it cannot run: the vulnerability database (vuln.go.dev)
# is not one of the registries these machines reach, CI's included, so that
# case warns loudly instead of failing every run.
lint: cross
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@status=0; $(GO) run $(GOVULNCHECK) ./... || status=$$?; \
	if [ $$status -eq 1 ]; then \
		echo "WARNING: govulncheck could not run (no access to vuln.go.dev?): no vulnerability scan was made" >&2; \
	elif [ $$status -ne 0 ]; then exit $$status; fi

# pkienroll builds and vets on macOS and FreeBSD too (flock(2) is theirs as
# well; syncfs(2) is Linux's, pki/sync_other.go fsyncs each file instead).
# Windows is not supported: pki/build_windows.go stops its build.
cross:
	GOOS=darwin $(GO) build ./... && GOOS=darwin $(GO) vet ./...
	GOOS=freebsd $(GO) build ./... && GOOS=freebsd $(GO) vet ./...

# Refresh golden files after an intended change of output: -update goes
# only to the packages whose tests define it (go test refuses an unknown flag).
GOLDEN_PKGS = $(sort $(dir $(shell grep -rl --include='*_test.go' 'flag[.]Bool."update"' .)))

golden:
	$(GO) test $(GOLDEN_PKGS) -count=1 -update

# Every fuzz target for $(FUZZTIME) each, as PACKAGE:TARGET: `go test -fuzz`
# takes one target per run. Failing inputs land in the package's
# testdata/fuzz/FuzzX/. Go 1.26's fuzz coordinator can fail a target with a
# bare "context deadline exceeded" when -fuzztime ends (golang/go#75804,
# fixed in Go 1.27): such a run, which wrote no failing input, is reported
# and does not fail the target.
FUZZ_TARGETS := ./pki/dn:FuzzParse ./pki:FuzzParseRequest ./pki:FuzzInspect ./pki:FuzzParseSANs \
	./pki:FuzzParseKeyUsage ./pki:FuzzParseExtKeyUsage ./pki:FuzzParseKey ./pki:FuzzParseEntry \
	./pki:FuzzParseCRL ./pki:FuzzParseCertificates ./pki:FuzzDecodePKCS12 \
	./pki:FuzzParseAuthorityKeyID \
	./pki:FuzzValidateHostname ./pki:FuzzSANsValidate ./pki:FuzzValidateEmail \
	./pki/est:FuzzEnrollBody

fuzz:
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for pair in $(FUZZ_TARGETS); do \
		pkg=$${pair%%:*}; target=$${pair#*:}; \
		echo "== $$pkg $$target"; \
		if ! $(GO) test $$pkg -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) >"$$log" 2>&1; then \
			cat "$$log"; \
			if grep -q 'context deadline exceeded' "$$log" && ! grep -q 'Failing input written' "$$log"; then \
				echo "warning: $$target stopped by the fuzztime race of golang/go#75804, no failing input" >&2; \
			else exit 1; fi; \
		else tail -n 2 "$$log"; fi; \
	done

clean:
	rm -rf bin .demo bench-results man
