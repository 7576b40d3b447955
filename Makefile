# pkienroll — see README.md. `make demo` and `make test` are the two commands
# a fresh machine needs (plus .ci/run's apt-get for openssl and squid).

GO          ?= go
BIN         := bin/pkienroll
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X main.version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 30s

.PHONY: all build test demo bench lint golden fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/pkienroll

# The full suite: formatting, vet, and every test with the race detector
# (fuzz targets run their seed corpora; interop tests run the real openssl).
test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 8m ./...

# The whole enrollment on a throwaway PKI directory in .demo/.
demo: build
	./scripts/demo.sh $(BIN)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Refresh golden files after an intended change of output.
golden:
	$(GO) test ./... -update

fuzz:
	$(GO) test ./pki -run '^$$' -fuzz '^FuzzParseName$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pki -run '^$$' -fuzz '^FuzzParseRequest$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin .demo
