# Development tasks for gongji. `make` alone lists them.

TEMPORAL_CLI_VERSION := v1.5.1
# staticcheck 2026.2.2; needs a release that knows the Go version in go.mod.
STATICCHECK_VERSION := v0.8.2

.DEFAULT_GOAL := help
.PHONY: help build run test test-chaos lint fmt clean distclean

help: ## list the targets
	@echo 'usage: make <target>'
	@echo
	@grep -E '^[a-zA-Z/_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-14s %s\n", $$1, $$2}'

bin/temporal: ## build the temporal CLI used by run and test (once; slow the first time)
	GOBIN=$(CURDIR)/bin go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

build: ## build bin/gongji
	go build -o bin/gongji ./cmd/gongji

run: bin/temporal ## run Temporal, PostgreSQL and `gongji dev` locally (Ctrl-C stops all)
	scripts/run.sh

test: bin/temporal ## go test ./... (starts a throwaway PostgreSQL if none is running)
	TEMPORAL_CLI=$(CURDIR)/bin/temporal scripts/test.sh

# The -chaos.* flags follow the package: go test takes what follows an unknown flag as its arguments.
test-chaos: bin/temporal ## long fault-injection run (worker kills, Temporal restarts, PG terminations) with its report; CHAOS_FLAGS="-chaos.seed=N"
	GO_TEST_PKGS='./chaos -chaos.long=true $(CHAOS_FLAGS)' GO_TEST_FLAGS='-v -run ^TestChaos$$' TEMPORAL_CLI=$(CURDIR)/bin/temporal scripts/test.sh

lint: ## go vet and staticcheck
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

fmt: ## gofmt -w the Go files git tracks (and new ones it does not ignore)
	git ls-files --cached --others --exclude-standard -- '*.go' | \
		while read -r f; do [ ! -f "$$f" ] || echo "$$f"; done | xargs -r gofmt -l -w

clean: ## remove bin/gongji
	rm -f bin/gongji

distclean: ## remove bin/ and .data/ (stops the private PostgreSQL clusters first)
	-PG_DATA_DIR=$(CURDIR)/.data/pg scripts/postgres.sh stop
	-PG_DATA_DIR=$(CURDIR)/.data/test-pg scripts/postgres.sh stop
	rm -rf bin .data
