# Development tasks for gongji. `make` alone lists them.

TEMPORAL_CLI_VERSION := v1.5.1
# staticcheck 2026.2.2; needs a release that knows the Go version in go.mod.
STATICCHECK_VERSION := v0.8.2

.DEFAULT_GOAL := help
.PHONY: help build run test test-chaos fuzz lint fmt clean distclean bench bench-bindings bench-statement

help: ## list the targets
	@echo 'usage: make <target>'
	@echo
	@grep -E '^[a-zA-Z/_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'

bin/temporal: ## build the temporal CLI used by run and test (once; slow the first time)
	GOBIN=$(CURDIR)/bin go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

build: ## build bin/gongji
	go build -o bin/gongji ./cmd/gongji

run: bin/temporal ## run Temporal, PostgreSQL and `gongji dev` locally (Ctrl-C stops all)
	scripts/run.sh

test: bin/temporal ## go test ./..., then the clock guard: the suites reading the test clock at +400d, -1d and yearend (starts a throwaway PostgreSQL if none is running)
	TEMPORAL_CLI=$(CURDIR)/bin/temporal scripts/test.sh

# The -chaos.* flags follow the package: go test takes what follows an unknown flag as its arguments.
# The long run takes about a quarter of an hour; -timeout here overrides test.sh's 12m.
test-chaos: bin/temporal ## long fault-injection run (1,000 visits, premiums, holder changes; worker kills, Temporal restarts, PG terminations) with its report; CHAOS_FLAGS="-chaos.seed=N"
	GO_TEST_PKGS='./chaos -chaos.long=true $(CHAOS_FLAGS)' GO_TEST_FLAGS='-v -timeout 45m -run ^TestChaos$$' TEMPORAL_CLI=$(CURDIR)/bin/temporal scripts/test.sh

# FUZZTIME is how long `make fuzz` runs each target; FUZZ_TARGETS are package:FuzzName. One
# worker each: an api worker starts its own Temporal dev server in TestMain, and with two the
# run has hung at its end.
FUZZTIME ?= 30s
FUZZ_TARGETS := ./domain:FuzzParseIDNumber ./domain:FuzzParseAmount ./api:FuzzDecodeJSONRequest

fuzz: bin/temporal ## run each fuzz target for FUZZTIME (default 30s), one after another
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz: $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		GO_TEST_PKGS=$${t%%:*} GO_TEST_FLAGS="-run=^$$ -fuzz=^$${t#*:}$$ -fuzztime=$(FUZZTIME) -timeout=0" \
			TEMPORAL_CLI=$(CURDIR)/bin/temporal scripts/test.sh || exit 1; \
	done

bench: bin/temporal ## settlement bench vs a SQL tx and an empty workflow (BENCH_FLAGS="-duration 10s")
	url=$$(scripts/postgres.sh select) && GONGJI_TEST_POSTGRES_URL="$$url" TEMPORAL_CLI=$(CURDIR)/bin/temporal go run ./bench/settle $(BENCH_FLAGS)

# N is how many bindings `make bench-bindings` starts; BINDINGS_FLAGS go to the bench (e.g. -pollers 4).
N ?= 10000

bench-bindings: bin/temporal ## N binding workflows (default 10000; BINDINGS_FLAGS="-batch B" to expire only B together): start rate, memory, expiry lag
	url=$$(scripts/postgres.sh select) && go run ./bench/bindings -n $(N) -temporal $(CURDIR)/bin/temporal -postgres "$$url" $(BINDINGS_FLAGS)

bench-statement: ## statement pages (first, middle, last) at 1M ledger entries, and the deep page's plan
	GO_TEST_PKGS=./bench/statement GO_TEST_FLAGS='-run ^$$ -bench . -benchtime 200x -v' scripts/test.sh

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
