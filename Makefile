# Run `make help` for the targets. `make test` needs nothing set up: it finds
# or starts PostgreSQL itself (scripts/pg.sh).

GO_FILES = find . -path './.*' -prune -o -name '*.go' -print

.DEFAULT_GOAL := help
.PHONY: help build test demo bench lint fmt

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-7s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the service into bin/sqi
	go build -o bin/sqi ./cmd/sqi

test: ## Run the whole test suite against a real PostgreSQL (scripts/test.sh)
	scripts/test.sh

demo: ## Run the main job end to end on synthetic data (scripts/demo.sh)
	scripts/demo.sh

bench: ## Run the benchmarks (scripts/bench.sh)
	scripts/bench.sh

lint: ## Check formatting (gofmt) and run go vet
	@files=$$($(GO_FILES) | xargs -r gofmt -l); \
	if [ -n "$$files" ]; then echo "gofmt needed (run make fmt):"; echo "$$files"; exit 1; fi
	go vet ./...

fmt: ## Format all Go files with gofmt
	$(GO_FILES) | xargs -r gofmt -w
