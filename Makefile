# orderflow: `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
TEMPORAL := bin/temporal
export ORDERFLOW_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export ORDERFLOW_TEST_NATS_URL ?= nats://127.0.0.1:4222

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: test
test: $(TEMPORAL) ## run every test (unit, PostgreSQL, NATS, Temporal) with the race detector
	scripts/require-postgres.sh
	scripts/require-nats.sh
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory fuzz

# FUZZTIME is how long `make fuzz` (and so `make test`) runs each fuzz target; the
# inputs that ever failed stay in each package's testdata/fuzz and run in every test.
FUZZTIME ?= 10s

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (request bodies, stored events, cursors)
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeBody$$' -fuzztime $(FUZZTIME) ./api/
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./domain/registry/
	$(GO) test -run '^$$' -fuzz '^FuzzParseHistoryCursor$$' -fuzztime $(FUZZTIME) ./projections/

.PHONY: chaos
chaos: $(TEMPORAL) ## run the chaos suite: the stack as separate processes under load, with faults, each scenario ending in orderflow verify
	$(GO) test -tags chaos -count=1 -timeout 15m -v -run 'TestChaos' ./chaos/

.PHONY: lint
lint: ## gofmt and go vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

.PHONY: generate
generate: ## regenerate the code generated from api/openapi.yaml (oapi-codegen: types and client)
	$(GO) generate ./api/openapi/

.PHONY: bench
bench: ## run the benchmarks (figures go to docs/benchmarks.md)
	scripts/require-postgres.sh
	$(GO) test -run '^$$' -bench . -benchtime 5x -timeout 30m ./eventstore/

# PERF_FLAGS are passed to `orderflow perf`: `make perf PERF_FLAGS=--quick` for a run
# of two to three minutes instead of about ten.
PERF_FLAGS ?=

.PHONY: perf
perf: $(TEMPORAL) build ## measure the saga, the reads and the memory next to same-run baselines (starts its own stack; PERF_FLAGS=--quick)
	scripts/require-postgres.sh
	bin/orderflow perf $(PERF_FLAGS)

.PHONY: build
build: ## build bin/orderflow
	$(GO) build -o bin/orderflow ./cmd/orderflow

.PHONY: dev
dev: $(TEMPORAL) build ## run the whole stack here: Temporal + UI, PostgreSQL, NATS, workers, projector, relay, notifier, API (Ctrl-C stops it)
	bin/orderflow dev

.PHONY: demo
demo: build ## place demo orders on the running dev stack (make dev in another terminal) and print their outcomes and notifications
	bin/orderflow demo --dev-mode

.PHONY: temporal
temporal: $(TEMPORAL) ## build the Temporal CLI (dev server + UI) into bin/, once

$(TEMPORAL): tools/go.mod tools/go.sum
	@echo "building the Temporal CLI v1.5.1 from the Go module proxy (a few minutes the first time)"
	cd tools && $(GO) build -o ../$(TEMPORAL) github.com/temporalio/cli/cmd/temporal
