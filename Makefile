# Run `make help` for the targets. `make demo` and `make test` need nothing
# set up: they find or start PostgreSQL themselves (scripts/pg.sh).

GO_FILES = find . -path './.*' -prune -o -name '*.go' -print

.DEFAULT_GOAL := help
.PHONY: help build test demo bench lint fmt

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-7s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the service into bin/sqi (with its commit, for sqi version, where git allows)
	go build -buildvcs=auto -o bin/sqi ./cmd/sqi 2>/dev/null || go build -buildvcs=false -o bin/sqi ./cmd/sqi

test: ## Run the whole test suite against a real PostgreSQL, then the demo (scripts/test.sh)
	scripts/test.sh

demo: ## Run the main job end to end on synthetic data, in a database of its own (scripts/demo.sh)
	scripts/demo.sh

bench: ## Run the benchmarks (scripts/bench.sh)
	scripts/bench.sh

lint: ## Check formatting (gofmt) and run go vet
	@files=$$($(GO_FILES) | xargs -r gofmt -l); \
	if [ -n "$$files" ]; then echo "gofmt needed (run make fmt):"; echo "$$files"; exit 1; fi
	go vet ./...

fmt: ## Format all Go files with gofmt
	$(GO_FILES) | xargs -r gofmt -w
